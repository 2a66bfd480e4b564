import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { PlatformError } from "../errors.ts";
import { repoRoot } from "../paths.ts";
import { loadRegoRules } from "./rego.ts";
import { applyWaivers, expiredWaivers, isBlocking, type Waiver } from "./waivers.ts";
import { ruleMetadataSchema, violationSchema, type Finding, type PolicyInput, type Rule, type TypeScriptRule } from "./types.ts";

export const policiesDir = join(repoRoot, "policies");

/** A policy is a folder under policies/ holding policy.rego or policy.ts. */
export function policyFolders(dir = policiesDir): { rego: string[]; typescript: string[] } {
  const folders = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(dir, entry.name))
    .sort();
  return {
    rego: folders.filter((folder) => existsSync(join(folder, "policy.rego"))),
    typescript: folders.filter((folder) => existsSync(join(folder, "policy.ts"))),
  };
}

async function loadTypeScriptRule(folder: string): Promise<Rule> {
  const module = (await import(pathToFileURL(join(folder, "policy.ts")).href)) as { default?: TypeScriptRule };
  const rule = module.default;
  if (!rule || typeof rule.evaluate !== "function") {
    throw new PlatformError(`policies/${basename(folder)}/policy.ts has no default export from defineRule()`, "Export the rule: `export default defineRule({ id, title, severity, evaluate })`.");
  }
  const metadata = ruleMetadataSchema.parse(rule);
  if (metadata.id !== basename(folder)) {
    throw new PlatformError(`policies/${basename(folder)}/policy.ts declares id "${metadata.id}"`, "A rule's id must equal its folder name.");
  }
  return { ...metadata, kind: "typescript", folder, evaluate: async (input) => violationSchema.array().parse(rule.evaluate(input)) };
}

export async function loadRules(opa: string, dir = policiesDir): Promise<Rule[]> {
  const folders = policyFolders(dir);
  const rego = await loadRegoRules(opa, folders.rego);
  const typescript = await Promise.all(folders.typescript.map(loadTypeScriptRule));
  return [...rego, ...typescript].sort((a, b) => a.id.localeCompare(b.id));
}

export interface RuleOutcome {
  rule: Pick<Rule, "id" | "title" | "severity" | "kind">;
  findings: Finding[];
}

export interface Evaluation {
  outcomes: RuleOutcome[];
  findings: Finding[];
  /** The gate: no error finding without a live waiver. */
  passed: boolean;
}

export async function evaluate(rules: Rule[], input: PolicyInput, waivers: Waiver[] = [], today = new Date()): Promise<Evaluation> {
  const outcomes: RuleOutcome[] = await Promise.all(
    rules.map(async (rule) => ({
      rule: { id: rule.id, title: rule.title, severity: rule.severity, kind: rule.kind },
      findings: applyWaivers((await rule.evaluate(input)).map((violation) => ({ ...violation, ruleId: rule.id, severity: rule.severity })), waivers, today),
    })),
  );
  if (waivers.length > 0) {
    outcomes.push({ rule: { id: "waiver-expired", title: "Waivers are current", severity: "error", kind: "typescript" }, findings: expiredWaivers(waivers, today) });
  }
  const findings = outcomes.flatMap((outcome) => outcome.findings);
  return { outcomes, findings, passed: !findings.some(isBlocking) };
}
