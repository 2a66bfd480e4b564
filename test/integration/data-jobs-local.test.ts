import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireCluster, type Cluster } from "../../harness/cluster/index.ts";
import { create, createNamespace } from "../../harness/cluster/pods.ts";
import { runDataJobsLocally, type LocalJobServers } from "../../harness/data-jobs-local.ts";
import { startMariaDB } from "../../harness/services/mariadb.ts";
import { startPostgres } from "../../harness/services/postgres.ts";
import { startS3 } from "../../harness/services/s3.ts";

/**
 * The local run of the data layer's Jobs writes each ConfigMap (the provisioning SQL among
 * them) and each Job's /work to temp folders. None may outlive the run, whether a step passes,
 * fails, or the run throws halfway (a Secret that cannot be read).
 */
describe("running the data layer's Jobs locally leaves no temp folder", () => {
  let cluster: Cluster;
  let servers: LocalJobServers;

  beforeAll(async () => {
    const [s3, pg, maria, started] = await Promise.all([startS3(), startPostgres(), startMariaDB(), acquireCluster({ prefer: "local" })]);
    servers = { s3, pg, maria };
    cluster = started;
  });

  afterAll(async () => {
    await Promise.all([servers?.s3.stop(), servers?.pg.stop(), servers?.maria.stop(), cluster?.stop()]);
  });

  const sqlVolume = { name: "sql", configMap: { name: "provisioning-sql" } };
  const sqlMount = { name: "sql", mountPath: "/provisioning" };
  const container = (name: string, script: string, env: Array<Record<string, unknown>> = []) => ({ name, image: "docker.io/library/postgres:17.6", command: ["sh", "-c", script], env, volumeMounts: [sqlMount] });

  /** A namespace with the provisioning ConfigMap, a provisioning Job and a backup CronJob. */
  const namespaceWith = async (namespace: string, provisioning: string, backup: ReturnType<typeof container>) => {
    await createNamespace(cluster, namespace);
    await create(cluster, `/api/v1/namespaces/${namespace}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "provisioning-sql" }, data: { "setup.sql": "SELECT 1;\n" } });
    await create(cluster, `/apis/batch/v1/namespaces/${namespace}/jobs`, {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "provision-app", labels: { "app.kubernetes.io/component": "provisioning" } },
      spec: { template: { spec: { restartPolicy: "Never", volumes: [sqlVolume], containers: [container("provision", provisioning)] } } },
    });
    await create(cluster, `/apis/batch/v1/namespaces/${namespace}/cronjobs`, {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "backup-app", labels: { "platform/database": "app", "platform/job": "backup", "platform/backup-of": "postgresql" } },
      spec: {
        schedule: "0 3 * * *",
        jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", volumes: [sqlVolume, { name: "work", emptyDir: {} }], containers: [{ ...backup, volumeMounts: [sqlMount, { name: "work", mountPath: "/work" }] }] } } } },
      },
    });
  };

  /** Runs with a temp folder of its own, and returns what is left in it. */
  const leftBy = async (namespace: string) => {
    const scratch = await mkdtemp(join(tmpdir(), "data-jobs-tmp-"));
    const before = process.env.TMPDIR;
    process.env.TMPDIR = scratch;
    try {
      const outcome = await runDataJobsLocally(cluster, namespace, servers).then(
        (outcomes) => ({ outcomes }),
        (error: Error) => ({ error: error.message }),
      );
      return { ...outcome, left: await readdir(scratch) };
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
      await rm(scratch, { recursive: true, force: true });
    }
  };

  it("when every step passes", async () => {
    await namespaceWith("jobs-pass", "test -s /provisioning/setup.sql", container("backup", "test -s /provisioning/setup.sql && touch /work/dump"));
    const run = await leftBy("jobs-pass");
    expect(run).toMatchObject({ left: [], outcomes: [{ database: "app", steps: [{ job: "backup-app", container: "backup", passed: true }] }] });
  });

  it("when a backup step fails", async () => {
    await namespaceWith("jobs-step-fails", "true", container("backup", "touch /work/partial; exit 3"));
    const run = await leftBy("jobs-step-fails");
    expect(run).toMatchObject({ left: [], outcomes: [{ database: "app", passed: false, steps: [{ passed: false }] }] });
  });

  it("when provisioning fails and the run throws", async () => {
    await namespaceWith("jobs-provisioning-fails", "exit 3", container("backup", "true"));
    expect(await leftBy("jobs-provisioning-fails")).toMatchObject({ left: [], error: expect.stringContaining("provisioning Job provision-app failed locally") });
  });

  it("when a CronJob names a Secret that cannot be read and the run throws halfway", async () => {
    await namespaceWith("jobs-secret-missing", "true", container("backup", "true", [{ name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: "no-such-secret", key: "password" } } }]));
    expect(await leftBy("jobs-secret-missing")).toMatchObject({ left: [], error: expect.stringContaining("no-such-secret") });
  });
});
