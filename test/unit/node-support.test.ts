import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/paths.ts";

const asRoot = process.getuid?.() === 0;

/**
 * Where the node cannot start, the node kind says why in one line, and a command that asked
 * for it exits 2 with that line and the fix. Run as an unprivileged user, the most common
 * reason on developers' machines.
 */
describe("the node kind on a machine where it cannot start", () => {
  const asNobody = (args: string[], env: Record<string, string> = {}) =>
    execa("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", process.execPath, "--import", "tsx", ...args], {
      cwd: repoRoot,
      reject: false,
      all: true,
      env: { HOME: "/tmp", NO_COLOR: "1", PLATFORM_CACHE_DIR: "/tmp/doks-platform-unprivileged-cache", ...env },
    });

  it("reports the reason in one line", async (ctx) => {
    ctx.skip(!asRoot, "runs as root to drop to an unprivileged user: this run is not root");
    const result = await asNobody(["-e", 'import("./harness/host/support.ts").then(async (m) => console.log(JSON.stringify(await m.nodeSupport())))']);
    expect(result.exitCode, result.all).toBe(0);
    const support = JSON.parse(String(result.stdout)) as { ok: boolean; reason: string };
    expect(support.ok).toBe(false);
    expect(support.reason).toBe("the node kind needs root to create namespaces and cgroups (this run is uid 65534)");
  });

  it("makes PLATFORM_CLUSTER=node fail with that line and a fix, exit 2", async (ctx) => {
    ctx.skip(!asRoot, "runs as root to drop to an unprivileged user: this run is not root");
    const result = await asNobody(["-e", 'import("./harness/cluster/index.ts").then((m) => m.acquireCluster()).catch((e) => { console.error(`${e.message}\\n${e.fix}`); process.exit(2); })'], { PLATFORM_CLUSTER: "node" });
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr).split("\n")).toEqual([
      "the node kind cannot start here: the node kind needs root to create namespaces and cgroups (this run is uid 65534)",
      "Use PLATFORM_CLUSTER=local (API server only), or run on a Linux machine as root.",
    ]);
  });
});
