import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { PlatformError } from "../errors.ts";
import type { Finding } from "./types.ts";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expires must be a date like 2027-01-31");

export const waiverSchema = z.object({
  rule: z.string().regex(/^[a-z0-9-]+$/),
  /** Resource address; a trailing * matches every address with that prefix. */
  address: z.string().min(1),
  owner: z.string().min(1, "owner: who answers for this exception"),
  reason: z.string().min(10, "reason: say why the rule does not apply, in a sentence"),
  expires: isoDate,
});
export type Waiver = z.infer<typeof waiverSchema>;

const waiverFileSchema = z.object({ waivers: z.array(waiverSchema).default([]) });

export const waiverFileName = "policy-waivers.yaml";

/** environments/<env>/policy-waivers.yaml: reviewed in the same pull request as the code it excuses. */
export function loadWaivers(environmentDir: string): Waiver[] {
  const path = join(environmentDir, waiverFileName);
  if (!existsSync(path)) return [];
  const parsed = waiverFileSchema.safeParse(parse(readFileSync(path, "utf8")) ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PlatformError(`${path}: ${issue.path.join(".")}: ${issue.message}`, "Each waiver needs rule, address, owner, reason and expires (YYYY-MM-DD).");
  }
  return parsed.data.waivers;
}

function matches(waiver: Waiver, finding: Finding): boolean {
  if (waiver.rule !== finding.ruleId) return false;
  return waiver.address.endsWith("*") ? finding.address.startsWith(waiver.address.slice(0, -1)) : waiver.address === finding.address;
}

/**
 * A live waiver marks its findings waived (they stay in every report); an expired one leaves
 * them failing, and expiredWaivers() adds a finding of its own, so an exception can never
 * outlive its date quietly.
 */
export function applyWaivers(findings: Finding[], waivers: Waiver[], today = new Date()): Finding[] {
  const day = today.toISOString().slice(0, 10);
  const result: Finding[] = findings.map((finding) => {
    const waiver = waivers.find((candidate) => matches(candidate, finding));
    if (!waiver) return finding;
    return { ...finding, waiver: { owner: waiver.owner, reason: waiver.reason, expires: waiver.expires, expired: waiver.expires < day } };
  });
  return result;
}

export function expiredWaivers(waivers: Waiver[], today = new Date()): Finding[] {
  const day = today.toISOString().slice(0, 10);
  return waivers
    .filter((waiver) => waiver.expires < day)
    .map((waiver) => ({
      ruleId: "waiver-expired",
      severity: "error" as const,
      address: waiver.address,
      message: `the waiver of ${waiver.rule} owned by ${waiver.owner} expired on ${waiver.expires}`,
      fix: `Fix the ${waiver.rule} finding, or renew the waiver in ${waiverFileName} with a new date and reason.`,
    }));
}

export function isBlocking(finding: Finding): boolean {
  return finding.severity === "error" && (!finding.waiver || finding.waiver.expired);
}
