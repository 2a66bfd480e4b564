import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/paths.ts";
import { Tofu } from "../../harness/tofu.ts";
import { ensurePlanToolchain } from "../../harness/toolchain/index.ts";

// Each module's tests/*.tftest.hcl: what it must render and the inputs it must reject.
describe.each(["modules/data", "modules/chart-source", "modules/k8s-config", "modules/mail-dns", "modules/mailu", "modules/namespace", "modules/nextcloud"])("tofu test %s", (module) => {
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
