import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeGet } from "../../harness/cluster/api.ts";
import { acquireCluster, type Cluster } from "../../harness/cluster/index.ts";
import { environmentDir, openEnvironment } from "../../harness/environment.ts";
import { restoreDatabase } from "../../harness/restore.ts";
import { ensurePlanToolchain } from "../../harness/toolchain/index.ts";

type Container = { name: string; env?: Array<{ name: string; value?: string }> };
type Job = { metadata: { labels: Record<string, string> }; spec: { template: { spec: { containers: Container[]; initContainers: Container[] } } } };

// The on-demand restore runs the restore-test CronJob's own pod template as a Job. The local
// control plane has no nodes, so the Job never runs here; what is checked is the Job the API
// server accepted. The scripts themselves are proven in backup-restore.test.ts.
describe("platform restore", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await acquireCluster({ prefer: "local" });
    const run = await openEnvironment("local", cluster, await ensurePlanToolchain(environmentDir("local")));
    await run.tofu.plan(run.planFile);
    await run.tofu.apply(run.planFile);
  });

  afterAll(async () => cluster?.stop());

  const envOf = (container: Container) => Object.fromEntries((container.env ?? []).map((entry) => [entry.name, entry.value]));
  const readJob = async (name: string) => (await kubeGet<Job>(cluster, `/apis/batch/v1/namespaces/data/jobs/${name}`)).body;

  it("restores the latest backup into a scratch database by default", async () => {
    const name = await restoreDatabase(cluster, { database: "n8n", mode: "scratch", yes: false, namespace: "data", wait: false });
    const job = await readJob(name);
    expect(job.metadata.labels).toMatchObject({ "platform/job": "restore", "platform/restore-mode": "scratch", "platform/database": "n8n" });
    const [fetch] = job.spec.template.spec.initContainers;
    const [check] = job.spec.template.spec.containers;
    expect(envOf(check!)).toMatchObject({ RESTORE_MODE: "scratch", DB_NAME: "n8n" });
    expect(envOf(fetch!)).not.toHaveProperty("BACKUP_ID");
  });

  it("restores a chosen backup in place once confirmed", async () => {
    const name = await restoreDatabase(cluster, { database: "wordpress", backup: "20261126T031500Z", mode: "in-place", yes: true, namespace: "data", wait: false });
    const job = await readJob(name);
    expect(envOf(job.spec.template.spec.initContainers[0]!)).toMatchObject({ BACKUP_ID: "20261126T031500Z" });
    expect(envOf(job.spec.template.spec.containers[0]!)).toMatchObject({ RESTORE_MODE: "in-place", BACKUP_ID: "20261126T031500Z" });
  });

  it("refuses an unconfirmed in-place restore, creating nothing", async () => {
    await expect(restoreDatabase(cluster, { database: "n8n", mode: "in-place", yes: false, namespace: "data", wait: false })).rejects.toThrow(/an in-place restore of n8n needs confirmation/);
    const jobs = await kubeGet<{ items: unknown[] }>(cluster, `/apis/batch/v1/namespaces/data/jobs?labelSelector=${encodeURIComponent("platform/restore-mode=in-place,platform/database=n8n")}`);
    expect(jobs.body.items).toHaveLength(0);
  });

  it("names an unknown database", async () => {
    await expect(restoreDatabase(cluster, { database: "ghost", mode: "scratch", yes: false, namespace: "data", wait: false })).rejects.toThrow(/no restore-test CronJob for database ghost/);
  });
});
