import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { moduleDirs } from "../../harness/docs.ts";
import { repoRoot } from "../../harness/paths.ts";
import { Tofu } from "../../harness/tofu.ts";
import { ensurePlanToolchain } from "../../harness/toolchain/index.ts";

// Each module's tests/*.tftest.hcl: what it must render and the inputs it must reject. Every
// module has them; a new module joins by being a folder under modules/.
const modules = moduleDirs().map((dir) => relative(repoRoot, dir));

it("every module has tofu tests", () => {
  const untested = modules.filter((module) => !existsSync(join(repoRoot, module, "tests")) || !readdirSync(join(repoRoot, module, "tests")).some((file) => file.endsWith(".tftest.hcl")));
  expect(untested).toEqual([]);
});

describe.each(modules)("tofu test %s", (module) => {
  it("passes every run", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tofu-test-"));
    try {
      const tofu = new Tofu({ toolchain: await ensurePlanToolchain(), dir: join(repoRoot, module), dataDir });
      await tofu.init();
      const { stdout } = await tofu.test();
      expect(String(stdout)).toMatch(/Success! \d+ passed, 0 failed/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
