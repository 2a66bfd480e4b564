import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { PlatformError } from "./errors.ts";
import { repoRoot } from "./paths.ts";

/** One parsed .tf file: what source rules (literals, sensitivity, encryption) read. */
export interface SourceFile {
  /** Path relative to the repository (or absolute, outside it). */
  path: string;
  /** True for files of a called module; false for the root configuration itself. */
  inModule: boolean;
  body: Record<string, unknown>;
}

function tfFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".tf"))
    .map((entry) => join(dir, entry.name))
    .sort();
}

function localModuleDirs(dir: string, body: Record<string, unknown>): string[] {
  const calls = (body.module ?? {}) as Record<string, Array<{ source?: string }>>;
  return Object.values(calls)
    .flat()
    .map((call) => call.source)
    .filter((source): source is string => typeof source === "string" && (source.startsWith("./") || source.startsWith("../")))
    .map((source) => resolve(dir, source));
}

/** Repository-relative inside the repo, absolute outside it. */
function displayPath(file: string): string {
  const shown = relative(repoRoot, file);
  return shown.startsWith("..") ? file : shown;
}

async function parseFile(file: string): Promise<Record<string, unknown>> {
  try {
    return (await parse(file, await readFile(file, "utf8"))) as Record<string, unknown>;
  } catch (error) {
    // hcl2json reports "parse config: [FILE:LINE,COL-COL: Summary; Detail]".
    const text = String((error as Error).message ?? error);
    const located = text.match(/\[(.+?):(\d+),[\d-]+: ([^;\]]+)/);
    const where = located ? `${displayPath(located[1]!)} line ${located[2]}` : displayPath(file);
    throw new PlatformError(`syntax error in ${where}: ${located ? located[3] : text}`, "Fix the HCL at that line; `tofu validate` in the configuration folder shows the same error.", { cause: error });
  }
}

/** The root configuration's files and those of every local module it calls, each parsed once. */
export async function loadSources(rootDir: string): Promise<SourceFile[]> {
  const seen = new Set<string>();
  const files: SourceFile[] = [];
  const visit = async (dir: string, inModule: boolean) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    for (const file of tfFiles(dir)) {
      const body = await parseFile(file);
      files.push({ path: displayPath(file), inModule, body });
      for (const moduleDir of localModuleDirs(dir, body)) await visit(moduleDir, true);
    }
  };
  await visit(resolve(rootDir), false);
  return files;
}

/** Provider source addresses (namespace/type) that the files require, e.g. hashicorp/kubernetes. */
export function requiredProviderSources(files: SourceFile[]): string[] {
  const sources = new Set<string>();
  for (const file of files) {
    for (const block of (file.body.terraform ?? []) as Array<{ required_providers?: Array<Record<string, { source?: string }>> }>) {
      for (const providers of block.required_providers ?? []) {
        for (const requirement of Object.values(providers)) if (requirement.source) sources.add(requirement.source.split("/").slice(-2).join("/").toLowerCase());
      }
    }
  }
  return [...sources].sort();
}
