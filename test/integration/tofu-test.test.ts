import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/paths.ts";
import { Tofu } from "../../harness/tofu.ts";
import { ensurePlanToolchain } from "../../harness/toolchain/index.ts";

// Every module under modules/ has tests/*.tftest.hcl: what it must render and the inputs it
// must reject. "0 passed" is not success: the number of runs that passed must be the number of
// runs the files declare, and at least one, so a module whose tests vanish fails here.
const modulesDir = join(repoRoot, "modules");
const modules = readdirSync(modulesDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();

function declaredRuns(module: string): number {
  const testsDir = join(modulesDir, module, "tests");
  let files: string[] = [];
  try {
    files = readdirSync(testsDir).filter((name) => name.endsWith(".tftest.hcl"));
  } catch {
    return 0;
  }
  return files.reduce((sum, name) => sum + [...readFileSync(join(testsDir, name), "utf8").matchAll(/^run\s+"/gm)].length, 0);
}

describe.each(modules)("tofu test modules/%s", (module) => {
  it("runs at least one test, and every declared run passes", async () => {
    const runs = declaredRuns(module);
    expect(runs, `modules/${module} has no tests/*.tftest.hcl run`).toBeGreaterThan(0);
    const dataDir = await mkdtemp(join(tmpdir(), "tofu-test-"));
    try {
      const dir = join(modulesDir, module);
      const tofu = new Tofu({ toolchain: await ensurePlanToolchain(dir), dir, dataDir });
      await tofu.init();
      const { stdout } = await tofu.test();
      const passed = Number(String(stdout).match(/Success! (\d+) passed, 0 failed/)?.[1] ?? 0);
      expect(passed).toBe(runs);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
