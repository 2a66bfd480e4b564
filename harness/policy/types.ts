import { z } from "zod";
import type { PlannedResource } from "../plan.ts";

export const severitySchema = z.enum(["error", "warning"]);
export type Severity = z.infer<typeof severitySchema>;

/** What every rule yields, Rego or TypeScript alike: the unit of the gate and of every report. */
export const violationSchema = z.object({
  address: z.string().min(1),
  message: z.string().min(1),
  fix: z.string().min(1),
});
export type Violation = z.infer<typeof violationSchema>;

export interface Finding extends Violation {
  ruleId: string;
  severity: Severity;
}

export const ruleMetadataSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string().min(1),
  severity: severitySchema,
});
export type RuleMetadata = z.infer<typeof ruleMetadataSchema>;

/** The document every rule reads: the parsed plan plus the environment it belongs to. */
export interface PolicyInput {
  environment: string;
  resources: PlannedResource[];
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
