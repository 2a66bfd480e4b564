import { z } from "zod";

/**
 * The subset of `tofu show -json` the platform relies on. Anything tofu adds later passes
 * through untouched; anything missing that we rely on fails here, at the boundary, with the
 * path of the field.
 */
const action = z.enum(["no-op", "create", "read", "update", "delete", "forget", "open", "close"]);

const resourceChange = z.object({
  address: z.string(),
  module_address: z.string().optional(),
  mode: z.enum(["managed", "data"]),
  type: z.string(),
  name: z.string(),
  index: z.union([z.string(), z.number()]).optional(),
  provider_name: z.string(),
  change: z.object({
    actions: z.array(action).min(1),
    before: z.unknown().nullable(),
    after: z.unknown().nullable(),
    after_unknown: z.unknown().optional(),
  }),
});

export const planJsonSchema = z.object({
  format_version: z.string(),
  terraform_version: z.string(),
  resource_changes: z.array(resourceChange).default([]),
  errored: z.boolean().optional(),
});

export type Action = z.infer<typeof action>;

export interface PlannedResource {
  address: string;
  /** Module path of the resource ("" for the root module), e.g. module.k8s_config. */
  module: string;
  mode: "managed" | "data";
  type: string;
  name: string;
  index?: string | number;
  /** Short provider source, e.g. hashicorp/kubernetes. */
  provider: string;
  actions: Action[];
  /** Values after the change (before, for a delete): what policies judge. */
  values: Record<string, unknown>;
  /** Mirror of values marking attributes only known after apply. */
  afterUnknown: Record<string, unknown>;
}

export interface PlanModel {
  tofuVersion: string;
  resources: PlannedResource[];
}

export function summarizeActions(model: PlanModel): Record<"create" | "update" | "delete" | "replace" | "unchanged", number> {
  const summary = { create: 0, update: 0, delete: 0, replace: 0, unchanged: 0 };
  for (const resource of model.resources) {
    const actions = resource.actions;
    if (actions.includes("create") && actions.includes("delete")) summary.replace++;
    else if (actions.includes("create")) summary.create++;
    else if (actions.includes("delete")) summary.delete++;
    else if (actions.includes("update")) summary.update++;
    else summary.unchanged++;
  }
  return summary;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function parsePlan(json: unknown): PlanModel {
  const plan = planJsonSchema.parse(json);
  return {
    tofuVersion: plan.terraform_version,
    resources: plan.resource_changes.map((rc) => {
      const deleting = rc.change.actions.length === 1 && rc.change.actions[0] === "delete";
      return {
        address: rc.address,
        module: rc.module_address ?? "",
        mode: rc.mode,
        type: rc.type,
        name: rc.name,
        ...(rc.index === undefined ? {} : { index: rc.index }),
        provider: rc.provider_name.split("/").slice(-2).join("/"),
        actions: rc.change.actions,
        values: asRecord(deleting ? rc.change.before : rc.change.after),
        afterUnknown: asRecord(rc.change.after_unknown),
      };
    }),
  };
}
