import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/paths.ts";
import { ensurePlanToolchain } from "../../harness/toolchain/index.ts";
import { loadVersions } from "../../harness/toolchain/versions.ts";

const versions = loadVersions();

describe("versions.json is the one place versions live", () => {
  it("every required_providers entry in the repo pins exactly the version versions.json builds", async () => {
    const { stdout } = await execa("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.tf"], { cwd: repoRoot });
    const files = stdout.split("\n").filter(Boolean);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const hcl = (await parse(file, await readFile(join(repoRoot, file), "utf8"))) as { terraform?: Array<{ required_providers?: Array<Record<string, { source: string; version: string }>> }> };
      for (const block of hcl.terraform ?? []) {
        for (const providers of block.required_providers ?? []) {
          for (const [name, requirement] of Object.entries(providers)) {
            const pinned = versions.providers[requirement.source];
            expect(pinned, `${relative(repoRoot, file)}: ${name} (${requirement.source}) is not in versions.json`).toBeDefined();
            expect(requirement.version, `${file}: ${name}`).toBe(pinned!.version);
          }
        }
      }
    }
  });

  it("the tools on hand report the pinned versions", async () => {
    const toolchain = await ensurePlanToolchain();
    expect((await execa(toolchain.tofu, ["version"])).stdout).toContain(`OpenTofu v${versions.tools.tofu!.version}`);
    expect((await execa(toolchain.opa, ["version"])).stdout).toContain(`Version: ${versions.tools.opa!.version}`);
  });

  it("the CLI config keeps tofu on the local mirror", async () => {
    const config = readFileSync((await ensurePlanToolchain()).cliConfig, "utf8");
    expect(config).toMatch(/filesystem_mirror \{\s+path\s+= ".+\/providers"/);
    expect(config).toContain('exclude = ["registry.opentofu.org/*/*"]');
  });
});
