import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { execa } from "execa";
import { PlatformError, tail } from "../errors.ts";
import { cacheDir } from "../paths.ts";
import { ruleMetadataSchema, violationSchema, type PolicyInput, type Rule } from "./types.ts";

/** Each policy.rego declares `package policies.<id with underscores>`. */
export function regoPackage(folder: string): string {
  return `policies/${basename(folder).replaceAll("-", "_")}`;
}

/**
 * All Rego rules compile into one wasm module (one opa call, one instantiation). The result is
 * cached by the content of the sources and the opa version, so only an edited rule recompiles.
 */
async function compile(opa: string, regoFiles: string[]): Promise<Buffer> {
  const hash = createHash("sha256").update(opa);
  for (const file of regoFiles) hash.update(file).update(await readFile(file));
  const out = join(cacheDir(), "policies", `${hash.digest("hex").slice(0, 16)}.wasm`);
  if (existsSync(out)) return readFile(out);

  const work = join(dirname(out), `build-${process.pid}`);
  await mkdir(work, { recursive: true });
  const entrypoints = regoFiles.flatMap((file) => ["-e", `${regoPackage(dirname(file))}/deny`, "-e", `${regoPackage(dirname(file))}/metadata`]);
  try {
    await execa(opa, ["build", "-t", "wasm", ...entrypoints, "-o", join(work, "bundle.tar.gz"), ...regoFiles], { all: true });
    await execa("tar", ["-xzf", "bundle.tar.gz", "/policy.wasm"], { cwd: work });
  } catch (error) {
    throw new PlatformError(`a Rego policy does not compile:\n${tail((error as { all?: string }).all)}`, "Fix the rule named above; `opa check policies/` shows every error.", { cause: error });
  }
  await rename(join(work, "policy.wasm"), out);
  return readFile(out);
}

export async function loadRegoRules(opa: string, folders: string[]): Promise<Rule[]> {
  if (folders.length === 0) return [];
  const wasm = await compile(opa, folders.map((folder) => join(folder, "policy.rego")));
  const policy = await loadPolicy(wasm);
  const evaluateEntrypoint = (entrypoint: string, input: unknown): unknown => {
    const [first] = policy.evaluate(input, entrypoint) as Array<{ result: unknown }>;
    return first?.result;
  };
  return folders.map((folder) => {
    const pkg = regoPackage(folder);
    const metadata = ruleMetadataSchema.parse(evaluateEntrypoint(`${pkg}/metadata`, {}));
    if (metadata.id !== basename(folder)) {
      throw new PlatformError(`policies/${basename(folder)}/policy.rego declares id "${metadata.id}"`, "A rule's id must equal its folder name.");
    }
    return {
      ...metadata,
      kind: "rego" as const,
      folder,
      evaluate: async ({ sources: _sources, ...planInput }: PolicyInput) => violationSchema.array().parse(evaluateEntrypoint(`${pkg}/deny`, planInput) ?? []),
    };
  });
}
