import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { loadPolicy, type LoadedPolicy } from "@open-policy-agent/opa-wasm";
import { execa } from "execa";
import { z } from "zod";
import { PlatformError, tail } from "../errors.ts";
import { cacheDir } from "../paths.ts";
import { ruleMetadataSchema, violationSchema, type PolicyInput, type Rule } from "./types.ts";

/** Rego violations also carry conftest's `msg`, so the same rules run under conftest unchanged. */
const regoViolationSchema = violationSchema.extend({ msg: z.string().min(1) }).transform(({ msg: _msg, ...violation }) => violation);

/** Each policy.rego declares `package policies.<id with underscores>`. */
export function regoPackage(folder: string): string {
  return `policies/${basename(folder).replaceAll("-", "_")}`;
}

const aggregateEntrypoint = "platform_aggregate/deny";

/**
 * One entrypoint that yields every rule's deny set: opa-wasm copies the input into wasm memory
 * on each evaluation, so evaluating rule by rule would copy a large plan once per rule.
 */
function aggregateModule(folders: string[]): string {
  const entries = folders.map((folder) => `\t"${basename(folder)}": data.${regoPackage(folder).replaceAll("/", ".")}.deny,`);
  return `package platform_aggregate\n\nimport rego.v1\n\ndeny := {\n${entries.join("\n")}\n}\n`;
}

/**
 * All Rego rules compile into one wasm module (one opa call, one instantiation). The result is
 * cached by the content of the sources and the opa version, so only an edited rule recompiles.
 */
async function compile(opa: string, regoFiles: string[]): Promise<Buffer> {
  const hash = createHash("sha256").update(opa).update(aggregateModule(regoFiles.map(dirname)));
  for (const file of regoFiles) hash.update(file).update(await readFile(file));
  const out = join(cacheDir(), "policies", `${hash.digest("hex").slice(0, 16)}.wasm`);
  if (existsSync(out)) return readFile(out);

  const work = join(dirname(out), `build-${process.pid}`);
  await mkdir(work, { recursive: true });
  await writeFile(join(work, "aggregate.rego"), aggregateModule(regoFiles.map(dirname)));
  const entrypoints = ["-e", aggregateEntrypoint, ...regoFiles.flatMap((file) => ["-e", `${regoPackage(dirname(file))}/metadata`])];
  try {
    await execa(opa, ["build", "-t", "wasm", ...entrypoints, "-o", join(work, "bundle.tar.gz"), ...regoFiles, join(work, "aggregate.rego")], { all: true });
    await execa("tar", ["-xzf", "bundle.tar.gz", "/policy.wasm"], { cwd: work });
    await rename(join(work, "policy.wasm"), out);
  } catch (error) {
    throw new PlatformError(`a Rego policy does not compile:\n${tail((error as { all?: string }).all)}`, "Fix the rule named above; `opa check policies/` shows every error.", { cause: error });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return readFile(out);
}

/** A file without `deny` would leave the aggregate undefined and silence every rule. */
async function requireDenySets(folders: string[]): Promise<void> {
  for (const folder of folders) {
    if (!/^deny\s+(contains\b|:=|=|\[)/m.test(await readFile(join(folder, "policy.rego"), "utf8"))) {
      throw new PlatformError(`policies/${basename(folder)}/policy.rego defines no deny set`, "Declare `deny contains violation if { ... }` in the rule's package.");
    }
  }
}

const wasmPageBytes = 65_536;
const wasmMaxPages = 65_536;

/**
 * Heap an evaluation of every rule takes per byte of JSON input: the parsed input, the rules'
 * working values (no-bitnami serialises each resource once) and their results. Measured: 21.4 on
 * the bench's 10k-resource plan (38 MB of JSON, 814 MB of heap); the rest is headroom.
 */
const heapPerInputByte = 24;

/**
 * OPA's wasm allocator grows memory by the few pages each allocation lacks; on a 10k-resource
 * plan those thousands of grows cost ≈25 s, twenty times the evaluation. The allocator only sees
 * memory that exists when the module starts, so an instance is started with the memory the
 * input will need, and replaced only by a larger one. Pages beyond the real need are reserved,
 * never touched.
 */
function pagesFor(inputBytes: number): number {
  return Math.min(wasmMaxPages, Math.ceil((inputBytes * heapPerInputByte) / wasmPageBytes));
}

/** The input as opa-wasm takes it ready-made, so its size is known before an instance is picked. */
function encodeInput(input: unknown): ArrayBuffer {
  const bytes = new TextEncoder().encode(JSON.stringify(input));
  return bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
}

export async function loadRegoRules(opa: string, folders: string[]): Promise<Rule[]> {
  if (folders.length === 0) return [];
  await requireDenySets(folders);
  const module = await WebAssembly.compile(new Uint8Array(await compile(opa, folders.map((folder) => join(folder, "policy.rego")))));
  let policy: LoadedPolicy = await loadPolicy(module);
  const evaluateEntrypoint = async (entrypoint: string, input: unknown): Promise<unknown> => {
    const encoded = encodeInput(input);
    const pages = pagesFor(encoded.byteLength);
    if (policy.mem.buffer.byteLength < pages * wasmPageBytes) {
      // Where the host refuses the reservation, the current instance still grows as it must.
      policy = await loadPolicy(module, { initial: pages }).catch((error: unknown) => {
        if (error instanceof RangeError) return policy;
        throw error;
      });
    }
    const [first] = policy.evaluate(encoded, entrypoint) as Array<{ result: unknown }>;
    return first?.result;
  };
  // Every rule of one evaluation receives the same input object: evaluate all of them once.
  const denySets = new WeakMap<PolicyInput, Promise<Record<string, unknown>>>();
  const evaluateAll = async (input: PolicyInput): Promise<Record<string, unknown>> => {
    const { sources: _sources, ...planInput } = input;
    // Undefined is not "no findings": a deny that cannot be evaluated fails the gate.
    const aggregate = await evaluateEntrypoint(aggregateEntrypoint, planInput);
    if (aggregate === undefined || aggregate === null || typeof aggregate !== "object") {
      throw new PlatformError("the Rego rules gave no result for this plan (a deny set is undefined)", "A rule's deny must always be defined: declare it as `deny contains violation if { ... }`, not as a complete rule that can fail.");
    }
    return aggregate as Record<string, unknown>;
  };
  const denySetsFor = (input: PolicyInput): Promise<Record<string, unknown>> => {
    let sets = denySets.get(input);
    if (!sets) {
      sets = evaluateAll(input);
      denySets.set(input, sets);
    }
    return sets;
  };
  const rules: Rule[] = [];
  for (const folder of folders) {
    const pkg = regoPackage(folder);
    const metadata = ruleMetadataSchema.parse(await evaluateEntrypoint(`${pkg}/metadata`, {}));
    if (metadata.id !== basename(folder)) {
      throw new PlatformError(`policies/${basename(folder)}/policy.rego declares id "${metadata.id}"`, "A rule's id must equal its folder name.");
    }
    rules.push({
      ...metadata,
      kind: "rego" as const,
      folder,
      evaluate: async (input: PolicyInput) => {
        const denySet = (await denySetsFor(input))[basename(folder)];
        if (denySet === undefined) throw new PlatformError(`policies/${basename(folder)}/policy.rego gave no deny set for this plan`, "Declare deny as `deny contains violation if { ... }`, which is always defined.");
        const result = regoViolationSchema.array().safeParse(denySet);
        if (!result.success) {
          const issue = result.error.issues[0]!;
          throw new PlatformError(`policies/${basename(folder)}/policy.rego: a deny result has no valid ${String(issue.path.at(-1) ?? "shape")}`, "Each deny result is an object with address, message, fix and msg (a one-line summary conftest can print).");
        }
        return result.data;
      },
    });
  }
  return rules;
}
