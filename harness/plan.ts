import { parseAllDocuments } from "yaml";
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

const configuredVariable = z.object({ sensitive: z.boolean().optional() }).passthrough();

export const planJsonSchema = z.object({
  format_version: z.string(),
  terraform_version: z.string(),
  variables: z.record(z.string(), z.object({ value: z.unknown() })).default({}),
  resource_changes: z.array(resourceChange).default([]),
  configuration: z.object({ root_module: z.object({ variables: z.record(z.string(), configuredVariable).optional() }).passthrough() }).passthrough().optional(),
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
  /** helm_release only: the chart as the policies need it (values merged, manifests parsed). */
  helm?: HelmRelease;
}

export interface HelmRelease {
  /** The chart's name, also when it is read from a mirror's <chart>-<version>.tgz. */
  chart: string;
  repository: string;
  version: string;
  namespace: string;
  /** `values` documents merged in order, then `set` entries applied, as Helm does. */
  values: Record<string, unknown>;
  /** Rendered objects, present when the provider's manifest experiment is on. */
  manifests: Array<Record<string, unknown>>;
  /** True when the plan carries the rendered manifest (the manifest experiment is on and every value is known). */
  rendered: boolean;
  /** True when the manifest is known only after apply (a value of the release is unknown at plan time). */
  manifestUnknown: boolean;
  /** Every set, set_list and set_sensitive entry, as written (sensitive values included: rules never print them). */
  sets: Array<{ name: string; value: unknown; kind: "set" | "set_list" | "set_sensitive" }>;
  /** The chart's declared subcharts, when the chart is on disk (see policy/charts.ts). */
  dependencies?: Array<{ name: string; repository: string; condition: string; library: boolean }>;
}

export interface PlanModel {
  tofuVersion: string;
  /** Root input values; sensitive ones are left out so nothing secret reaches a report. */
  variables: Record<string, unknown>;
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

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    target[key] = value && typeof value === "object" && !Array.isArray(value) && existing && typeof existing === "object" && !Array.isArray(existing)
      ? deepMerge({ ...(existing as Record<string, unknown>) }, value as Record<string, unknown>)
      : value;
  }
  return target;
}

/** Helm's --set path syntax: dots separate keys, a backslash escapes a dot inside a key. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(/(?<!\\)\./).map((key) => key.replaceAll("\\.", "."));
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== "object") node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

function coerceSetValue(value: unknown, type: unknown): unknown {
  if (type === "string" || typeof value !== "string") return value;
  if (value === "true" || value === "false") return value === "true";
  return /^-?\d+$/.test(value) ? Number(value) : value;
}

const anyUnknown = (value: unknown): boolean => value === true || (Array.isArray(value) ? value.some(anyUnknown) : value !== null && typeof value === "object" && Object.values(value).some(anyUnknown));

/**
 * The helm provider's manifest experiment stores the rendered objects as one JSON object keyed
 * by "<kind>.<group>/<version>/[<namespace>/]<name>"; Helm itself prints a YAML stream. Both are
 * read. A document that is neither is kept as it is, so the rules see it and fail closed.
 */
export function manifestObjects(manifest: string): Array<Record<string, unknown>> {
  const objects: Array<Record<string, unknown>> = [];
  for (const document of parseAllDocuments(manifest)) {
    const parsed = asRecord(document.toJS());
    const entries = Object.values(parsed);
    if (parsed.kind === undefined && entries.length > 0 && entries.every((entry) => asRecord(entry).kind !== undefined)) objects.push(...entries.map(asRecord));
    else if (Object.keys(parsed).length > 0) objects.push(parsed);
  }
  return objects;
}

export function helmReleaseOf(values: Record<string, unknown>, afterUnknown: Record<string, unknown> = {}): HelmRelease {
  const merged: Record<string, unknown> = {};
  for (const document of (values.values as string[] | null) ?? []) {
    if (typeof document !== "string") continue;
    for (const parsed of parseAllDocuments(document)) deepMerge(merged, asRecord(parsed.toJS()));
  }
  const sets: HelmRelease["sets"] = [];
  // The provider passes set, then set_list, then set_sensitive to Helm: a later entry wins.
  for (const kind of ["set", "set_list", "set_sensitive"] as const) {
    for (const entry of (values[kind] as Array<{ name: string; value: unknown; type?: string }> | null) ?? []) {
      if (!entry || typeof entry.name !== "string") continue;
      sets.push({ name: entry.name, value: entry.value, kind });
      setPath(merged, entry.name, kind === "set_list" ? entry.value : coerceSetValue(entry.value, entry.type));
    }
  }
  const manifest = typeof values.manifest === "string" ? values.manifest : "";
  const version = String(values.version ?? "");
  const chart = String(values.chart ?? "");
  const mirrored = chart.endsWith(`-${version}.tgz`) ? chart.slice(chart.lastIndexOf("/") + 1, -`-${version}.tgz`.length) : undefined;
  return {
    chart: mirrored ?? chart,
    repository: String(values.repository ?? ""),
    version,
    namespace: String(values.namespace ?? "default"),
    values: merged,
    manifests: manifestObjects(manifest),
    rendered: typeof values.manifest === "string",
    // With a value unknown at plan time the provider renders nothing and reports the manifest
    // as a known "{}": the release's objects are then unknown, whatever that field says.
    manifestUnknown: ["manifest", "values", "set", "set_list", "set_sensitive", "chart", "repository"].some((key) => anyUnknown(afterUnknown[key])),
    sets,
  };
}

export function parsePlan(json: unknown): PlanModel {
  const plan = planJsonSchema.parse(json);
  const declared = plan.configuration?.root_module.variables ?? {};
  return {
    tofuVersion: plan.terraform_version,
    variables: Object.fromEntries(Object.entries(plan.variables).filter(([name]) => !declared[name]?.sensitive).map(([name, variable]) => [name, variable.value])),
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
        ...(rc.type === "helm_release" ? { helm: helmReleaseOf(asRecord(deleting ? rc.change.before : rc.change.after), deleting ? {} : asRecord(rc.change.after_unknown)) } : {}),
      };
    }),
  };
}
