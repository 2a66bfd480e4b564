import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { PlatformError } from "../errors.ts";
import { repoRoot } from "../paths.ts";
import { loadRegoRules } from "./rego.ts";
import { applyWaivers, checkWaivers, isBlocking, noWaivers, type WaiverSet } from "./waivers.ts";
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

/** A rule that throws is a bug in the rule, named as such: the gate never passes around it. */
async function run(rule: Rule, input: PolicyInput) {
  try {
    return await rule.evaluate(input);
  } catch (error) {
    if (error instanceof PlatformError) throw error;
    throw new PlatformError(`policy ${rule.id} failed on this plan: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`, `This is a bug in policies/${rule.id}: fix the rule (PLATFORM_DEBUG=1 shows the stack); the gate does not pass while a rule cannot run.`, { cause: error });
  }
}

export async function evaluate(rules: Rule[], input: PolicyInput, waivers: WaiverSet = noWaivers, today = new Date()): Promise<Evaluation> {
  const checked = checkWaivers(waivers, new Set(rules.map((rule) => rule.id)), today);
  const outcomes: RuleOutcome[] = await Promise.all(
    rules.map(async (rule) => ({
      rule: { id: rule.id, title: rule.title, severity: rule.severity, kind: rule.kind },
      findings: applyWaivers((await run(rule, input)).map((violation) => ({ ...violation, ruleId: rule.id, severity: rule.severity })), checked.usable, today),
    })),
  );
  if (waivers.file !== undefined) {
    outcomes.push({ rule: { id: "waiver-invalid", title: "Waivers are valid", severity: "error", kind: "typescript" }, findings: checked.invalid });
    outcomes.push({ rule: { id: "waiver-expired", title: "Waivers are current", severity: "error", kind: "typescript" }, findings: checked.expired });
  }
  const findings = outcomes.flatMap((outcome) => outcome.findings);
  return { outcomes, findings, passed: !findings.some(isBlocking) };
}
