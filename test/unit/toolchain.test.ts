import { readFileSync } from "node:fs";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { loadSources } from "../../harness/hcl.ts";
import { configurationDirs, ensurePlanToolchain } from "../../harness/toolchain/index.ts";
import { loadVersions } from "../../harness/toolchain/versions.ts";

const versions = loadVersions();

describe("versions.json is the one place versions live", () => {
  // A walk of the tree (not git ls-files), so a source archive without .git checks the same files.
  it("every required_providers entry in the repo pins exactly the version versions.json builds", async () => {
    const files = (await Promise.all(configurationDirs().map((dir) => loadSources(dir)))).flat().filter((file) => !file.inModule && file.role !== "variables");
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const hcl = file.body as { terraform?: Array<{ required_providers?: Array<Record<string, { source: string; version: string }>> }> };
      for (const block of hcl.terraform ?? []) {
        for (const providers of block.required_providers ?? []) {
          for (const [name, requirement] of Object.entries(providers)) {
            const pinned = versions.providers[requirement.source];
            expect(pinned, `${file.path}: ${name} (${requirement.source}) is not in versions.json`).toBeDefined();
            expect(requirement.version, `${file.path}: ${name}`).toBe(pinned!.version);
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
