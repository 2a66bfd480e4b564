import { Ajv, type AnySchema } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { chartFiles } from "./charts.ts";

/**
 * Checks the values a release passes against the chart it goes to, the way Helm reads them:
 * merged over the chart's defaults, then validated against the chart's values.schema.json
 * (each bundled subchart against its own, under its key). Then, whether or not the schema is
 * strict, every key we set must be one the chart knows, in its defaults or its schema, unless
 * it sits under a map the chart leaves open ({} by default): a misspelt key never passes.
 */
type Values = Record<string, unknown>;

export interface ValuesCheck {
  chart: string;
  /** "values.schema.json" or "defaults", per chart and subchart, e.g. {"prometheus": "values.schema.json", "prometheus/alertmanager": "defaults"}. */
  checkedAgainst: Record<string, "values.schema.json" | "defaults">;
  findings: string[];
}

const isMap = (value: unknown): value is Values => Boolean(value) && typeof value === "object" && !Array.isArray(value);

/** Helm's coalescing: user values win, maps merge, null removes a default. */
export function coalesce(defaults: Values, overrides: Values): Values {
  const out: Values = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete out[key];
    else out[key] = isMap(value) && isMap(out[key]) ? coalesce(out[key] as Values, value) : value;
  }
  return out;
}

/**
 * Keys we set that neither the chart's defaults nor its schema know, as dotted paths. Charts
 * document optional keys as comments in values.yaml (`# storageClass: "-"`): a key named in
 * such a comment anywhere in the file counts as known.
 */
export function unknownKeys(values: Values, defaults: Values, schema: Values = {}, commented = new Set<string>(), path = ""): string[] {
  const declared = isMap(schema.properties) ? (schema.properties as Values) : {};
  const patterns = Object.entries(isMap(schema.patternProperties) ? (schema.patternProperties as Values) : {});
  // A map the schema opens (additionalProperties: a schema or true) takes any key it describes.
  const anyKey = isMap(schema.additionalProperties) ? (schema.additionalProperties as Values) : schema.additionalProperties === true ? {} : undefined;
  return Object.entries(values).flatMap(([key, value]) => {
    const here = path ? `${path}.${key}` : key;
    const pattern = patterns.find(([regex]) => new RegExp(regex).test(key))?.[1];
    const subschema = (isMap(declared[key]) ? declared[key] : isMap(pattern) ? pattern : anyKey) as Values | undefined;
    if (!(key in defaults) && subschema === undefined) return commented.has(key) ? [] : [here];
    const fallback = isMap(defaults[key]) ? (defaults[key] as Values) : {};
    // Open: empty by default, and the schema (if any) does not close it with additionalProperties: false.
    const open = Object.keys(fallback).length === 0 && (!isMap(subschema?.properties) || subschema?.additionalProperties !== false);
    return isMap(value) && !open ? unknownKeys(value, fallback, subschema ?? {}, commented, here) : [];
  });
}

interface ChartPart {
  defaults: Values;
  commented: Set<string>;
  schema?: Values;
  subcharts: Map<string, ChartPart>;
}

function chartParts(files: Map<string, Buffer>, prefix = ""): ChartPart {
  const text = (path: string) => files.get(`${prefix}${path}`)?.toString();
  const subcharts = new Map<string, ChartPart>();
  for (const path of files.keys()) {
    const match = path.slice(prefix.length).match(/^charts\/([^/]+)\/Chart\.yaml$/);
    if (path.startsWith(prefix) && match) subcharts.set(match[1]!, chartParts(files, `${prefix}charts/${match[1]}/`));
  }
  const schema = text("values.schema.json");
  const values = text("values.yaml") ?? "{}";
  const commented = new Set([...values.matchAll(/^\s*#+\s*([A-Za-z0-9_.-]+):/gm)].map((match) => match[1]!));
  return { defaults: (parse(values) as Values | null) ?? {}, commented, ...(schema ? { schema: JSON.parse(schema) as Values } : {}), subcharts };
}

// Helm's validator accepts the drafts charts use; it does not assert formats either.
const validators = { draft7: new Ajv({ strict: false, allErrors: true, validateFormats: false }), draft2020: new Ajv2020({ strict: false, allErrors: true, validateFormats: false }) };

function checkPart(name: string, part: ChartPart, values: Values, result: ValuesCheck): void {
  // A parent's dependency condition (<subchart>.enabled) and global are Helm's, not the subchart's.
  const own = Object.fromEntries(Object.entries(values).filter(([key]) => !part.subcharts.has(key) && key !== "global" && !(name.includes("/") && key === "enabled")));
  if (part.schema) {
    result.checkedAgainst[name] = "values.schema.json";
    const { $schema: draft, ...schema } = part.schema;
    const validate = (String(draft).includes("2020-12") ? validators.draft2020 : validators.draft7).compile(schema as AnySchema);
    if (!validate(coalesce(part.defaults, own))) {
      for (const error of validate.errors ?? []) result.findings.push(`${name}: ${error.instancePath || "(root)"} ${error.message}${error.params && "additionalProperty" in error.params ? ` "${String(error.params.additionalProperty)}"` : ""}`);
    }
  } else {
    result.checkedAgainst[name] = "defaults";
  }
  for (const key of unknownKeys(own, part.defaults, part.schema, part.commented)) result.findings.push(`${name}: ${key} is not a value of this chart (neither in its values.yaml nor in its schema)`);
  for (const [subchart, subpart] of part.subcharts) {
    const given = values[subchart];
    if (isMap(given)) checkPart(`${name}/${subchart}`, subpart, given, result);
  }
}

export async function checkChartValues(archive: Buffer, values: Values): Promise<ValuesCheck> {
  const files = new Map((await chartFiles(archive)).map((file) => [file.path, file.data] as const));
  const part = chartParts(files);
  const chart = String((parse(files.get("Chart.yaml")?.toString() ?? "{}") as { name?: string }).name);
  const result: ValuesCheck = { chart, checkedAgainst: {}, findings: [] };
  checkPart(chart, part, values, result);
  return result;
}
