import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { PlatformError, tail } from "./errors.ts";
import { repoRoot } from "./paths.ts";
import { detail } from "./progress.ts";
import { ensureTool } from "./toolchain/index.ts";

export const modulesDir = join(repoRoot, "modules");

export function moduleDirs(): string[] {
  return readdirSync(modulesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(modulesDir, entry.name, "variables.tf")))
    .map((entry) => join(modulesDir, entry.name))
    .sort();
}

/**
 * Writes each module's inputs, outputs, resources and requirements into its README between the
 * BEGIN_TF_DOCS markers (check: fail instead when a README is out of date).
 */
export async function moduleDocs(options: { check: boolean }): Promise<void> {
  const terraformDocs = await ensureTool("terraform-docs");
  for (const dir of moduleDirs()) {
    const args = ["markdown", "table", "--output-file", "README.md", "--output-mode", "inject", "--sort-by", "required", ...(options.check ? ["--output-check"] : []), "."];
    const result = await execa(terraformDocs, args, { cwd: dir, reject: false, all: true });
    if (result.exitCode !== 0) {
      throw new PlatformError(`${dir.replace(`${repoRoot}/`, "")}/README.md: ${options.check ? "the generated part is out of date" : "terraform-docs failed"}\n${tail(result.all, 4)}`, "Run `make docs` and commit the README.");
    }
    detail(`${dir.replace(`${repoRoot}/`, "")}/README.md ${options.check ? "is up to date" : "written"}`);
  }
}
