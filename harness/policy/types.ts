import { z } from "zod";
import type { PlannedResource } from "../plan.ts";
import type { SourceFile } from "../hcl.ts";
import type { HelmSource } from "./charts.ts";
import type { Facts } from "./facts.ts";

export const severitySchema = z.enum(["error", "warning"]);
export type Severity = z.infer<typeof severitySchema>;

/** What every rule yields, Rego or TypeScript alike: the unit of the gate and of every report. */
export const violationSchema = z.object({
  address: z.string().min(1),
  /**
   * Where in the resource (or the source) the problem sits: a container's value path
   * (spec[0].template[0].spec[0].container[1]), a Helm value path, or file:line. Optional:
   * the address alone names a resource-wide problem.
   */
  path: z.string().optional(),
  message: z.string().min(1),
  fix: z.string().min(1),
});
export type Violation = z.infer<typeof violationSchema>;

export interface Finding extends Violation {
  ruleId: string;
  severity: Severity;
  /** Set when a waiver covers the finding; the finding still appears in every report. */
  waiver?: { owner: string; reason: string; expires: string; expired: boolean };
}

export const ruleMetadataSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string().min(1),
  severity: severitySchema,
});
export type RuleMetadata = z.infer<typeof ruleMetadataSchema>;

/**
 * The document every rule reads. Rego rules get it without `sources` (they judge the plan);
 * TypeScript rules may also read the HCL of the configuration and its local modules.
 */
export interface PolicyInput {
  environment: string;
  /** Root input values (sensitive ones left out), e.g. root_domain. */
  variables: Record<string, unknown>;
  resources: PlannedResource[];
  /** The Kubernetes objects of the plan in one shape (see facts.ts). */
  facts: Facts;
  /** Every helm_release as written in HCL, literal strings with file:line (see charts.ts); Rego rules get it too. */
  helmSources?: HelmSource[];
  sources: SourceFile[];
}

export interface Rule extends RuleMetadata {
  kind: "rego" | "typescript";
  /** Folder of the rule under policies/, with its README and fixtures. */
  folder: string;
  evaluate(input: PolicyInput): Promise<Violation[]>;
}

/** What a policies/<id>/policy.ts module default-exports. */
export interface TypeScriptRule extends RuleMetadata {
  evaluate(input: PolicyInput): Violation[];
}

export function defineRule(rule: TypeScriptRule): TypeScriptRule {
  return rule;
}
