import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSources, requiredProviderSources } from "../../harness/hcl.ts";
import { repoRoot } from "../../harness/paths.ts";
import { Tofu } from "../../harness/tofu.ts";
import { ensurePlanToolchain, providerAvailable, providerMirrorVariable } from "../../harness/toolchain/index.ts";

// Every module under modules/, and every stack with tests, has tests/*.tftest.hcl: what it must
// render and the inputs it must reject. "0 passed" is not success: the number of runs that passed
// must be the number of runs the files declare, and at least one, so a module whose tests vanish
// fails here. mock_provider still loads the real provider for its schema, so configurations on
// the DigitalOcean provider run only where a mirror supplies it.
const modulesDir = join(repoRoot, "modules");
const modules = readdirSync(modulesDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => `modules/${entry.name}`).sort();
const stacks = ["environments/production/cluster", "environments/production/platform"];

function declaredRuns(dir: string): number {
  const testsDir = join(repoRoot, dir, "tests");
  let files: string[] = [];
  try {
    files = readdirSync(testsDir).filter((name) => name.endsWith(".tftest.hcl"));
  } catch {
    return 0;
  }
  return files.reduce((sum, name) => sum + [...readFileSync(join(testsDir, name), "utf8").matchAll(/^run\s+"/gm)].length, 0);
}

describe.each([...modules, ...stacks])("tofu test %s", (module) => {
  it("runs at least one test, and every declared run passes", async (ctx) => {
    const runs = declaredRuns(module);
    expect(runs, `${module} has no tests/*.tftest.hcl run`).toBeGreaterThan(0);
    const dir = join(repoRoot, module);
    const missing = requiredProviderSources(await loadSources(dir)).filter((source) => !providerAvailable(source));
    ctx.skip(missing.length > 0, `${providerMirrorVariable} does not supply ${missing.join(", ")}: tofu test of ${module} did not run`);
    const dataDir = await mkdtemp(join(tmpdir(), "tofu-test-"));
    try {
      const tofu = new Tofu({ toolchain: await ensurePlanToolchain(dir), dir, dataDir });
      // -backend=false: a stack's S3 backend is not needed (nor reachable) for tofu test.
      await tofu.run(["init", "-backend=false", "-input=false", "-no-color"], "init", "Providers come from the mirrors (`make toolchain`, PLATFORM_PROVIDER_MIRROR).");
      const { stdout } = await tofu.test();
      const passed = Number(String(stdout).match(/Success! (\d+) passed, 0 failed/)?.[1] ?? 0);
      expect(passed).toBe(runs);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
