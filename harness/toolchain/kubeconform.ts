import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { z } from "zod";
import { PlatformError } from "../errors.ts";
import { cacheDir } from "../paths.ts";
import { downloadModule } from "./go.ts";
import { ensureTool } from "./index.ts";
import { withCacheLock } from "./lock.ts";
import { loadVersions, type Versions } from "./versions.ts";

/**
 * Strict offline validation of rendered manifests with kubeconform. Its schemas are derived
 * here, never downloaded: Kubernetes kinds from the pinned k8s.io/kubernetes module's
 * api/openapi-spec/swagger.json, custom resources from the CRDs they belong to. Each schema is
 * standalone (every $ref inlined) and strict (no property the API does not define), generated
 * on first use into the cache, per Kubernetes version.
 */
type Schema = Record<string, unknown>;
type KubeObject = Record<string, unknown>;

/** kubeconform's location template: <dir>/<group or v1>/<kind>_<version>.json */
const locationTemplate = (dir: string) => `${dir}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`;

function schemaFile(dir: string, apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [apiVersion, apiVersion];
  return join(dir, group!, `${kind.toLowerCase()}_${version}.json`);
}

const isObject = (value: unknown): value is Schema => Boolean(value) && typeof value === "object" && !Array.isArray(value);

/** Optional fields may be null in rendered YAML (Helm leaves `key:` empty); the API server drops them. */
function nullable(schema: Schema): Schema {
  if (typeof schema.type === "string") return { ...schema, type: [schema.type, "null"] };
  if (Array.isArray(schema.oneOf)) return { oneOf: [...schema.oneOf, { type: "null" }] };
  return schema;
}

/** Objects with declared properties reject any other property unless the schema says otherwise. */
function strictObject(schema: Schema, properties: Record<string, Schema>, expand: (child: Schema) => Schema): Schema {
  const out: Schema = { ...schema, properties: Object.fromEntries(Object.entries(properties).map(([name, child]) => [name, nullable(expand(child))])) };
  if (out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"]) out.additionalProperties = false;
  return out;
}

/** Walks a schema: strips descriptions, applies `resolve` to references, makes objects strict. */
function normalize(schema: Schema, resolve: (schema: Schema) => Schema | undefined): Schema {
  const resolved = resolve(schema);
  if (resolved) return resolved;
  if (schema["x-kubernetes-int-or-string"]) return { oneOf: [{ type: "string" }, { type: "integer" }] };
  const { description: _description, ...rest } = schema;
  const expand = (child: Schema) => normalize(child, resolve);
  let out: Schema = rest;
  if (isObject(rest.properties)) out = strictObject(rest, rest.properties as Record<string, Schema>, expand);
  if (isObject(out.items)) out = { ...out, items: expand(out.items) };
  if (isObject(out.additionalProperties)) out = { ...out, additionalProperties: expand(out.additionalProperties) };
  for (const combinator of ["allOf", "anyOf", "oneOf"]) {
    if (Array.isArray(out[combinator])) out = { ...out, [combinator]: (out[combinator] as Schema[]).map(expand) };
  }
  return out;
}

const swaggerSchema = z.object({ definitions: z.record(z.string(), z.record(z.string(), z.unknown())) });

/** Standalone strict schemas for one Kubernetes kind from swagger.json's definitions. */
export function kubernetesKindSchema(definitions: Record<string, Schema>, name: string): Schema {
  const special: Record<string, Schema> = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": { oneOf: [{ type: "string" }, { type: "integer" }] },
    "io.k8s.apimachinery.pkg.api.resource.Quantity": { oneOf: [{ type: "string" }, { type: "number" }] },
  };
  const expandDefinition = (definition: string, stack: string[]): Schema => {
    if (special[definition]) return special[definition]!;
    // The only recursive definitions are CRDs' own JSONSchemaProps: anything goes below.
    if (stack.includes(definition) || !definitions[definition]) return {};
    return normalize(definitions[definition]!, (schema) => {
      if (typeof schema.$ref !== "string") return undefined;
      return expandDefinition(schema.$ref.replace("#/definitions/", ""), [...stack, definition]);
    });
  };
  return { $schema: "http://json-schema.org/draft-07/schema#", ...expandDefinition(name, []) };
}

/** Strict schemas for each served version of a CustomResourceDefinition. */
export function customResourceSchemas(crd: KubeObject): Array<{ apiVersion: string; kind: string; schema: Schema }> {
  const spec = (crd.spec ?? {}) as { group?: string; names?: { kind?: string }; versions?: Array<{ name: string; served?: boolean; schema?: { openAPIV3Schema?: Schema } }> };
  return (spec.versions ?? [])
    .filter((version) => version.served !== false && version.schema?.openAPIV3Schema)
    .map((version) => {
      const root = normalize(version.schema!.openAPIV3Schema!, () => undefined);
      // CRD schemas leave metadata open; the API server validates it like any object's.
      const properties = { ...((root.properties as Record<string, Schema>) ?? {}), apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" } };
      return { apiVersion: `${spec.group}/${version.name}`, kind: spec.names!.kind!, schema: { $schema: "http://json-schema.org/draft-07/schema#", ...root, properties } };
    });
}

async function kubernetesDefinitions(versions: Versions): Promise<{ version: string; byKind: Map<string, string>; definitions: Record<string, Schema> }> {
  const version = versions.tools["kube-apiserver"]!.version;
  const module = await downloadModule({ tool: "kubeconform schemas", version, cache: cacheDir() }, "k8s.io/kubernetes", `v${version}`);
  const swagger = swaggerSchema.parse(JSON.parse(await readFile(join(module.Dir, "api", "openapi-spec", "swagger.json"), "utf8")));
  const byKind = new Map<string, string>();
  for (const [name, definition] of Object.entries(swagger.definitions)) {
    for (const gvk of (definition["x-kubernetes-group-version-kind"] as Array<{ group: string; version: string; kind: string }> | undefined) ?? []) {
      byKind.set(`${gvk.group ? `${gvk.group}/` : ""}${gvk.version}|${gvk.kind}`, name);
    }
  }
  return { version, byKind, definitions: swagger.definitions as Record<string, Schema> };
}

export interface ManifestFinding {
  /** kind/namespace/name of the object. */
  object: string;
  message: string;
}

const kubeconformResult = z.object({
  resources: z.array(z.object({ filename: z.string(), kind: z.string(), name: z.string(), version: z.string(), status: z.string(), msg: z.string().optional() })).default([]),
});

/**
 * Validates objects strictly against the pinned Kubernetes version's schemas and the given
 * CRDs' schemas. Returns one finding per invalid object, and throws when a kind has no schema
 * at all (an unknown kind is not "valid").
 */
export async function validateManifests(objects: KubeObject[], crds: KubeObject[] = [], versions: Versions = loadVersions()): Promise<{ valid: number; findings: ManifestFinding[] }> {
  const kubeconform = await ensureTool("kubeconform", versions);
  const kubeVersion = versions.tools["kube-apiserver"]!.version;
  const dir = join(cacheDir(), "kubeconform-schemas", kubeVersion);
  const crdDir = await mkdtemp(join(tmpdir(), "kubeconform-crds-"));
  try {
    for (const crd of crds) {
      for (const { apiVersion, kind, schema } of customResourceSchemas(crd)) {
        const file = schemaFile(crdDir, apiVersion, kind);
        await mkdir(join(file, ".."), { recursive: true });
        await writeFile(file, JSON.stringify(schema));
      }
    }
    const wanted = new Map(objects.map((object) => [`${object.apiVersion}|${object.kind}`, object] as const));
    const missing = [...wanted.keys()].filter((key) => {
      const [apiVersion, kind] = key.split("|");
      return !existsSync(schemaFile(dir, apiVersion!, kind!)) && !existsSync(schemaFile(crdDir, apiVersion!, kind!));
    });
    if (missing.length > 0) {
      await withCacheLock(cacheDir(), `kubeconform-schemas-${kubeVersion}`, async () => {
        const { byKind, definitions } = await kubernetesDefinitions(versions);
        for (const key of missing) {
          const definition = byKind.get(key);
          if (!definition) continue;
          const [apiVersion, kind] = key.split("|");
          const file = schemaFile(dir, apiVersion!, kind!);
          await mkdir(join(file, ".."), { recursive: true });
          await writeFile(file, JSON.stringify(kubernetesKindSchema(definitions, definition)));
        }
      });
    }
    const input = join(crdDir, "manifests.yaml");
    // JSON documents: kubeconform reads YAML 1.1, where a plain `yes` written by a YAML 1.2
    // serializer turns into a boolean (Mailu's REJECT_UNLISTED_RECIPIENT: "yes").
    await writeFile(input, objects.map((object) => JSON.stringify(object)).join("\n---\n"));
    const result = await execa(kubeconform, ["-strict", "-summary", "-verbose", "-output", "json", "-kubernetes-version", kubeVersion, "-schema-location", locationTemplate(dir), "-schema-location", locationTemplate(crdDir), input], { reject: false });
    if (result.exitCode !== 0 && result.exitCode !== 1) throw new PlatformError(`kubeconform failed: ${result.stderr || result.stdout}`.slice(0, 500), "Run `make toolchain` again; the schemas are regenerated on the next run if removed from the cache.");
    const parsed = kubeconformResult.parse(JSON.parse(result.stdout));
    const findings = parsed.resources
      .filter((resource) => resource.status !== "statusValid")
      .map((resource) => ({ object: `${resource.kind}/${resource.name}`, message: resource.msg ?? resource.status }));
    return { valid: parsed.resources.filter((resource) => resource.status === "statusValid").length, findings };
  } finally {
    await rm(crdDir, { recursive: true, force: true });
  }
}
