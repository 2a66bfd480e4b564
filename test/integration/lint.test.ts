import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/paths.ts";
import { ensurePlanToolchain, ensureTool } from "../../harness/toolchain/index.ts";

// Every module and environment is formatted as `tofu fmt` writes it and passes tflint's bundled
// terraform ruleset (recommended preset, .tflint.hcl): style drift and dead declarations fail here.
const roots = ["modules", "environments"].flatMap((parent) =>
  readdirSync(join(repoRoot, parent), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => join(parent, entry.name)),
);

describe("formatting and lint", () => {
  it("tofu fmt -check finds nothing to change in modules/ and environments/", async () => {
    const { tofu } = await ensurePlanToolchain();
    const result = await execa(tofu, ["fmt", "-check", "-recursive", "-list=true", "modules", "environments"], { cwd: repoRoot, reject: false, env: { TF_CLI_CONFIG_FILE: "" } });
    expect(result.stdout.split("\n").filter(Boolean), "run `tofu fmt -recursive modules environments`").toEqual([]);
    expect(result.exitCode).toBe(0);
  });

  it.each(roots)("tflint passes on %s", async (dir) => {
    const tflint = await ensureTool("tflint");
    const result = await execa(tflint, [`--chdir=${join(repoRoot, dir)}`, `--config=${join(repoRoot, ".tflint.hcl")}`, "--format=compact", "--no-color"], { reject: false, all: true });
    expect(result.all?.trim().split("\n").filter(Boolean).map((line) => line.replace(`${repoRoot}/`, "")) ?? [], `tflint in ${relative(repoRoot, join(repoRoot, dir))}`).toEqual([]);
    expect(result.exitCode).toBe(0);
  });
});
