import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSources, requiredProviderSources } from "../../harness/hcl.ts";
import { repoRoot } from "../../harness/paths.ts";
import { Tofu } from "../../harness/tofu.ts";
import { ensurePlanToolchain, providerAvailable, providerMirrorVariable } from "../../harness/toolchain/index.ts";

// Each module's and stack's tests/*.tftest.hcl: what it must render and the inputs it must
// reject. mock_provider still loads the real provider for its schema, so configurations on the
// DigitalOcean provider run only where a mirror supplies it.
describe.each(["modules/data", "modules/k8s-config", "modules/namespace", "modules/dns", "environments/production/cluster"])("tofu test %s", (module) => {
  it("passes every run", async (ctx) => {
    const dir = join(repoRoot, module);
    const missing = requiredProviderSources(await loadSources(dir)).filter((source) => !providerAvailable(source));
    ctx.skip(missing.length > 0, `${providerMirrorVariable} does not supply ${missing.join(", ")}: tofu test of the configurations on it did not run`);
    const dataDir = await mkdtemp(join(tmpdir(), "tofu-test-"));
    try {
      const tofu = new Tofu({ toolchain: await ensurePlanToolchain(dir), dir, dataDir });
      await tofu.run(["init", "-backend=false", "-input=false", "-no-color"], "init", "Providers come from the mirrors (`make toolchain`, PLATFORM_PROVIDER_MIRROR).");
      const { stdout } = await tofu.test();
      expect(String(stdout)).toMatch(/Success! [1-9]\d* passed, 0 failed/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
