import { existsSync, readdirSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { PlatformError } from "./errors.ts";
import { loadSources } from "./hcl.ts";
import type { EnvironmentLayout } from "./layout.ts";
import { repoRoot } from "./paths.ts";

/**
 * The inputs of a stacked environment: one terraform.tfvars for every stack (root_domain and
 * the toggles are set once), plus any *.auto.tfvars(.json) beside it (`platform migrate dns`
 * writes its records that way), later files winning as tofu's own loading order does. Each
 * stack gets exactly the inputs it declares, so neither warns about the other's.
 */
export interface EnvironmentInputs {
  files: string[];
  values: Record<string, unknown>;
  /** True when no terraform.tfvars exists and the offline plan runs on the documented example. */
  fromExample: boolean;
}

export const exampleFileName = "terraform.tfvars.example";

function defaultFiles(dir: string): string[] {
  const main = join(dir, "terraform.tfvars");
  const auto = readdirSync(dir)
    .filter((name) => /\.auto\.tfvars(\.json)?$/.test(name))
    .sort()
    .map((name) => join(dir, name));
  return [...(existsSync(main) ? [main] : []), ...auto];
}

async function readVarFile(file: string): Promise<Record<string, unknown>> {
  const text = await readFile(file, "utf8").catch(() => {
    throw new PlatformError(`variable file ${file} cannot be read`, "Check the path given with --var-file.");
  });
  try {
    // The example keeps the .example suffix so it is never loaded by accident; it is HCL all the same.
    const parsed = file.endsWith(".json") ? JSON.parse(text) : await parse(basename(file).replace(/\.example$/, ""), text);
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new PlatformError(`${relative(repoRoot, file)} is not a valid variable file: ${String((error as Error).message).split("\n")[0]}`, "Fix the syntax (tofu's .tfvars format: name = value per line); the example shows every input.");
  }
}

export async function loadInputs(layout: EnvironmentLayout, options: { offline: boolean; varFiles?: string[] }): Promise<EnvironmentInputs> {
  let files = options.varFiles?.length ? options.varFiles : defaultFiles(layout.dir);
  let fromExample = false;
  if (files.length === 0) {
    const example = join(layout.dir, exampleFileName);
    if (!options.offline || !existsSync(example)) {
      throw new PlatformError(
        `environments/${layout.name}/terraform.tfvars is missing: ${layout.name} has no inputs to plan with`,
        `cp environments/${layout.name}/${exampleFileName} environments/${layout.name}/terraform.tfvars and fill in every REQUIRED input (or pass --var-file).`,
      );
    }
    files = [example];
    fromExample = true;
  }
  const values: Record<string, unknown> = {};
  for (const file of files) Object.assign(values, await readVarFile(file));
  return { files, values, fromExample };
}

/** Names of the variables a root configuration declares (its own files, not its modules'). */
export async function declaredVariables(stackDir: string): Promise<string[]> {
  const files = await loadSources(stackDir);
  return files.filter((file) => !file.inModule).flatMap((file) => Object.keys((file.body.variable ?? {}) as Record<string, unknown>));
}

/** Writes the stack's share of the inputs as a JSON variable file in `dir` and returns its path. */
export async function stackVarFile(inputs: EnvironmentInputs, stackName: string, stackDir: string, dir: string): Promise<string> {
  const declared = new Set(await declaredVariables(stackDir));
  const own = Object.fromEntries(Object.entries(inputs.values).filter(([name]) => declared.has(name)));
  const path = join(dir, `${stackName}.tfvars.json`);
  await writeFile(path, `${JSON.stringify(own, null, 2)}\n`, { mode: 0o600 });
  return path;
}

/** Inputs no stack declares: almost always a typo, which tofu would otherwise pass over with a warning. */
export async function undeclaredInputs(inputs: EnvironmentInputs, stackDirs: string[]): Promise<string[]> {
  const declared = new Set((await Promise.all(stackDirs.map(declaredVariables))).flat());
  return Object.keys(inputs.values).filter((name) => !declared.has(name)).sort();
}
