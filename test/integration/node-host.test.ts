import { existsSync, readdirSync } from "node:fs";
import { execa } from "execa";
import { nodeTestSkipReason } from "../support/node.ts";
import { beforeAll, describe, expect, it } from "vitest";
import { startNode } from "../../harness/cluster/node.ts";
import { ledgerDir, sweepAbandonedNodes } from "../../harness/host/ledger.ts";
import { diffSnapshots, hostSnapshot, type HostSnapshot, type SnapshotTools } from "../../harness/host/snapshot.ts";
import { repoRoot } from "../../harness/paths.ts";
import { ensureNodeRuntime } from "../../harness/toolchain/node-runtime.ts";
import { create, createNamespace, exitCodeOf, scriptPod } from "../../harness/cluster/pods.ts";

const skipReason = await nodeTestSkipReason();
const support = { ok: skipReason === "" };

/**
 * The host is the same before a node starts and after it stops, however it stops: normally,
 * by failing halfway, by a signal, or killed outright (then the next start sweeps up).
 */
describe("the node leaves the host as it found it", () => {
  let tools: SnapshotTools;
  const snapshot = () => hostSnapshot(tools);

  beforeAll(async () => {
    if (!support.ok) return;
    const runtime = await ensureNodeRuntime();
    tools = { bin: runtime.bin, env: runtime.env };
  });

  const expectSame = async (before: HostSnapshot) => expect(diffSnapshots(before, await snapshot())).toEqual([]);

  it("after a node that ran pods is stopped", async (ctx) => {
    ctx.skip(!support.ok, skipReason);
    const before = await snapshot();
    const node = await startNode();
    try {
      await createNamespace(node, "host-test");
      await create(node, "/api/v1/namespaces/host-test/pods", scriptPod("busy", node.images.busybox.name, "echo ran"));
      expect(await exitCodeOf(node, "host-test", "busy")).toBe(0);
      // While it runs, only its own cgroup root is new: kernel settings (kubelet's are masked),
      // links, routes, filters and mounts are the host's own.
      expect(diffSnapshots(before, await snapshot()).filter((line) => !line.startsWith(`cgroup folders: + /sys/fs/cgroup/`) || !line.includes(`/${node.nodeName}`))).toEqual([]);
    } finally {
      await node.stop();
    }
    await expectSame(before);
  });

  it.for(["namespaces", "control-plane", "kubelet"] as const)("after a start that fails after %s", async (phase, ctx) => {
    ctx.skip(!support.ok, skipReason);
    const before = await snapshot();
    await expect(startNode({ failAfter: phase })).rejects.toThrow(/failing on purpose/);
    await expectSame(before);
  });

  it.for(["SIGTERM", "SIGINT"] as const)("after the harness holding a node gets %s", async (signal, ctx) => {
    ctx.skip(!support.ok, skipReason);
    const before = await snapshot();
    const holder = holdNode();
    await waitForLine(holder, "node up");
    holder.kill(signal);
    await holder;
    await expectSame(before);
  });

  it("after the harness is killed outright, once the next start sweeps up", async (ctx) => {
    ctx.skip(!support.ok, skipReason);
    const before = await snapshot();
    const holder = holdNode();
    await waitForLine(holder, "node up");
    holder.kill("SIGKILL");
    await holder;
    // The node's processes died with their namespace (its holder saw the harness's pipe close);
    // its cgroup folders and its folder are what a SIGKILL leaves.
    const left = diffSnapshots(before, await snapshot());
    expect(left.length).toBeGreaterThan(0);
    expect(left.filter((line) => !line.startsWith("cgroup folders: +"))).toEqual([]);
    expect(readdirSync(ledgerDir).length).toBeGreaterThan(0);
    expect(sweepAbandonedNodes().length).toBeGreaterThan(0);
    await expectSame(before);
    expect(existsSync(ledgerDir) ? readdirSync(ledgerDir).filter((name) => name.endsWith(".json")) : []).toEqual([]);
  });
});

/** One process (no tsx wrapper in between), so a signal reaches the very process that holds the node. */
function holdNode() {
  return execa(process.execPath, ["--import", "tsx", "test/support/hold-node.ts"], { cwd: repoRoot, reject: false, all: true });
}

async function waitForLine(child: ReturnType<typeof execa>, line: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let seen = "";
    child.all?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(line)) resolve();
    });
    child.then((result) => reject(new Error(`the node holder exited before "${line}": ${String(result.all ?? "").slice(-2000)}`)), reject);
  });
}
