import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNode, type NodeCluster } from "../../harness/cluster/node.ts";
import { renderDataLayerRun, runDataLayerOnNode, type DataLayerRun } from "../../harness/e2e-node.ts";
import { nodeSupport } from "../../harness/host/support.ts";

const support = await nodeSupport();
// Minutes of databases, backups and restores: the end-to-end run, not every `make test`.
const wanted = Boolean(process.env.PLATFORM_E2E);
const reason = !wanted ? "the data layer on the node runs end to end only with PLATFORM_E2E=1 (make e2e)" : !support.ok ? `the node kind cannot start here: ${support.reason}` : "";

describe("the data layer, run on the node kind", () => {
  let node: NodeCluster;
  let run: DataLayerRun;

  beforeAll(async () => {
    if (reason) return;
    node = await startNode();
    run = await runDataLayerOnNode(node);
    console.log(renderDataLayerRun(run));
    for (const [phase, seconds] of Object.entries(run.timings)) console.log(`bench: e2e-node-${phase} ${seconds} s`);
  }, 1_800_000);

  afterAll(async () => {
    await node?.stop();
  });

  it("passes every check, observed on the running cluster", (ctx) => {
    ctx.skip(Boolean(reason), reason);
    expect(run.checks.filter((check) => !check.passed)).toEqual([]);
    expect(run.checks.length).toBeGreaterThanOrEqual(12);
  });

  it("lists a stand-in for every image the environment runs", (ctx) => {
    ctx.skip(Boolean(reason), reason);
    expect(run.standins.map((image) => image.reference.split(":")[0]).sort()).toEqual(["mariadb", "postgres", "rclone/rclone", "valkey/valkey"]);
  });
});
