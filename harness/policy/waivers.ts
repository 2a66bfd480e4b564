import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { isMap, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { z } from "zod";
import { repoRoot } from "../paths.ts";
import type { Finding } from "./types.ts";

/** The longest a waiver may run: an exception is renewed by review, not left to age. */
export const maxWaiverDays = 90;

/** YYYY-MM-DD naming a day that exists (no 2027-02-30). */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

const entrySchema = z.object({
  rule: z.string().regex(/^[a-z0-9-]+$/, "rule must be a rule id such as no-bitnami"),
  /** One exact resource address: no wildcard, so a waiver never covers what nobody reviewed. */
  address: z.string().min(1).refine((address) => !/[*?[\]]/.test(address.replace(/\["[^"]*"\]/g, "").replace(/\[\d+\]/g, "")), "address must be one exact resource address, without wildcards (* ? [...])"),
  owner: z.string().min(1, "owner: who answers for this exception"),
  reason: z.string().min(10, "reason: say why the rule does not apply, in a sentence"),
  // YAML reads an unquoted 2027-01-31 as a string with the core schema used below.
  expires: z.string().refine(isCalendarDate, "expires must be a real calendar date like 2027-01-31"),
}).strict();

export interface Waiver extends z.infer<typeof entrySchema> {
  /** The waiver file, repository-relative, and the line of the entry. */
  file: string;
  line: number;
}

export interface WaiverSet {
  /** The file read, repository-relative; undefined when the environment has none. */
  file?: string;
  waivers: Waiver[];
  /** Entries (or the whole file) that could not be read: each fails the gate. */
  invalid: Array<{ line: number; message: string }>;
}

export const waiverFileName = "policy-waivers.yaml";
export const noWaivers: WaiverSet = { waivers: [], invalid: [] };

const shown = (path: string) => (relative(repoRoot, path).startsWith("..") ? path : relative(repoRoot, path));

/**
 * Reads a waiver file. Nothing in it is thrown away silently: an entry that does not validate
 * becomes an invalid-waiver finding at its line (and waives nothing), and so does a file that
 * is not YAML.
 */
export function loadWaivers(path: string): WaiverSet {
  if (!existsSync(path)) return noWaivers;
  const file = shown(path);
  const lines = new LineCounter();
  const document = parseDocument(readFileSync(path, "utf8"), { lineCounter: lines, schema: "core", prettyErrors: false });
  const lineOf = (node: Node | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line : 1);
  if (document.errors.length > 0) {
    const error = document.errors[0]!;
    return { file, waivers: [], invalid: [{ line: error.linePos?.[0].line ?? 1, message: `not valid YAML: ${error.message.split("\n")[0]}` }] };
  }
  const root = document.contents;
  if (root === null) return { file, waivers: [], invalid: [] };
  const list = isMap(root) ? root.get("waivers", true) : undefined;
  if (!isMap(root) || (list !== undefined && list !== null && !isSeq(list)) || root.items.some((pair) => String((pair.key as { value?: unknown })?.value) !== "waivers")) {
    return { file, waivers: [], invalid: [{ line: lineOf(root), message: "the file must hold one key, waivers: a list of entries" }] };
  }
  const set: WaiverSet = { file, waivers: [], invalid: [] };
  for (const item of isSeq(list) ? list.items : []) {
    const line = lineOf(item as Node);
    const parsed = entrySchema.safeParse((item as Node & { toJSON(): unknown }).toJSON());
    if (parsed.success) set.waivers.push({ ...parsed.data, file, line });
    else {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join(".");
      set.invalid.push({ line, message: issue.code === "unrecognized_keys" ? `unknown field ${issue.keys.join(", ")}` : `${field ? `${field}: ` : ""}${issue.message}` });
    }
  }
  return set;
}

const dayOf = (date: Date) => date.toISOString().slice(0, 10);
const addDays = (date: Date, days: number) => new Date(date.getTime() + days * 86_400_000);

/** Rules whose findings no waiver may cover: the gate's own integrity. */
export const unwaivable = new Set(["waiver-expired", "waiver-invalid"]);

/** Waivers that cannot stand: too far ahead, naming no rule of the suite, or waiving the gate's integrity. */
function rejected(waiver: Waiver, ruleIds: Set<string>, today: Date): string | undefined {
  if (waiver.expires > dayOf(addDays(today, maxWaiverDays))) return `expires ${waiver.expires}, more than ${maxWaiverDays} days ahead (latest allowed: ${dayOf(addDays(today, maxWaiverDays))})`;
  if (unwaivable.has(waiver.rule)) return `${waiver.rule} cannot be waived: it guards the waivers themselves`;
  if (!ruleIds.has(waiver.rule)) return `rule "${waiver.rule}" is not a rule of this policy suite`;
  return undefined;
}

export interface WaiverCheck {
  /** Waivers that apply (expired ones included: they mark their findings but block). */
  usable: Waiver[];
  invalid: Finding[];
  expired: Finding[];
}

export function checkWaivers(set: WaiverSet, ruleIds: Set<string>, today = new Date()): WaiverCheck {
  const file = set.file ?? waiverFileName;
  const invalidFinding = (line: number, message: string): Finding => ({
    ruleId: "waiver-invalid",
    severity: "error",
    address: `${file}:${line}`,
    path: `${file}:${line}`,
    message: `invalid waiver: ${message}`,
    fix: `Correct the entry at ${file}:${line}: rule (a rule id), address (one exact resource address), owner, reason, expires (a real date at most ${maxWaiverDays} days ahead).`,
  });
  const invalid = set.invalid.map((entry) => invalidFinding(entry.line, entry.message));
  const usable: Waiver[] = [];
  for (const waiver of set.waivers) {
    const problem = rejected(waiver, ruleIds, today);
    if (problem) invalid.push(invalidFinding(waiver.line, problem));
    else usable.push(waiver);
  }
  const day = dayOf(today);
  const expired = usable
    .filter((waiver) => waiver.expires < day)
    .map((waiver) => ({
      ruleId: "waiver-expired",
      severity: "error" as const,
      address: `${waiver.file}:${waiver.line}`,
      path: `${waiver.file}:${waiver.line}`,
      message: `the waiver of ${waiver.rule} for ${waiver.address}, owned by ${waiver.owner}, expired on ${waiver.expires}`,
      fix: `Fix the ${waiver.rule} finding, or renew the waiver at ${waiver.file}:${waiver.line} with a new date (at most ${maxWaiverDays} days ahead) and reason.`,
    }));
  return { usable, invalid, expired };
}

/**
 * A live waiver marks its findings waived (they stay in every report); an expired one leaves
 * them failing and adds a finding of its own, so an exception can never outlive its date quietly.
 */
export function applyWaivers(findings: Finding[], waivers: Waiver[], today = new Date()): Finding[] {
  const day = dayOf(today);
  return findings.map((finding) => {
    const waiver = unwaivable.has(finding.ruleId) ? undefined : waivers.find((candidate) => candidate.rule === finding.ruleId && candidate.address === finding.address);
    if (!waiver) return finding;
    return { ...finding, waiver: { owner: waiver.owner, reason: waiver.reason, expires: waiver.expires, expired: waiver.expires < day } };
  });
}

export function isBlocking(finding: Finding): boolean {
  return finding.severity === "error" && (!finding.waiver || finding.waiver.expired);
}
