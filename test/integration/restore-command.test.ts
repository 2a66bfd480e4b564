import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeGet, kubeRequest } from "../../harness/cluster/api.ts";
import { acquireCluster, type Cluster } from "../../harness/cluster/index.ts";
import { runDrill } from "../../harness/drill.ts";
import { environmentDir, openEnvironment } from "../../harness/environment.ts";
import { restoreDatabase } from "../../harness/restore.ts";
import { ensurePlanToolchain } from "../../harness/toolchain/index.ts";
import { freePort } from "../../harness/processes.ts";
import { platform } from "../support/tree.ts";

type Env = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } };
type Container = { name: string; env?: Env[] };
type Job = { metadata: { labels: Record<string, string> }; spec: { template: { spec: { containers: Container[]; initContainers: Container[] } } } };

// The on-demand restore and the restore drill run restore-test CronJobs' own pod templates as
// Jobs. The local control plane has no nodes and no Job controller: the tests play the
// controller's part by writing Job status, which is all the harness reads.
describe("platform restore and the restore drill", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await acquireCluster({ prefer: "local" });
    const run = await openEnvironment("local", cluster, await ensurePlanToolchain(environmentDir("local")));
    await run.tofu.plan(run.planFile);
    await run.tofu.apply(run.planFile);
  });

  afterAll(async () => cluster?.stop());

  const envOf = (container: Container) => Object.fromEntries((container.env ?? []).map((entry) => [entry.name, entry.value ?? entry.valueFrom?.secretKeyRef.name]));
  const readJob = async (name: string) => (await kubeGet<Job>(cluster, `/apis/batch/v1/namespaces/data/jobs/${name}`)).body;
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
  // The controller sets startTime once; later updates may not move it.
  const started = new Set<string>();
  async function setStatus(name: string, status: Record<string, unknown>) {
    const first = !started.has(name);
    started.add(name);
    const result = await kubeRequest(cluster, "PATCH", `/apis/batch/v1/namespaces/data/jobs/${name}/status`, { status: first ? { startTime: now(), ...status } : status }, "application/merge-patch+json");
    expect(result.status, JSON.stringify(result.body)).toBe(200);
  }
  const condition = (type: string, reason: string, message = "") => ({ type, status: "True", reason, message, lastProbeTime: now(), lastTransitionTime: now() });
  const podFailed = { active: 1, failed: 1 };
  const completed = () => ({ active: 0, succeeded: 1, failed: 1, completionTime: now(), conditions: [condition("SuccessCriteriaMet", "CompletionsReached"), condition("Complete", "CompletionsReached")] });
  const failedJob = () => ({ active: 0, failed: 2, conditions: [condition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"), condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")] });
  const jobNames = async () => (await kubeGet<{ items: Array<{ metadata: { name: string } }> }>(cluster, "/apis/batch/v1/namespaces/data/jobs")).body.items.map((item) => item.metadata.name);
  /** The Job named prefix* that did not exist when `before` was taken. */
  async function newJob(prefix: string, before: string[]): Promise<string> {
    for (let attempt = 0; attempt < 300; attempt++) {
      const created = (await jobNames()).filter((name) => name.startsWith(prefix) && !before.includes(name));
      if (created.length) return created[0]!;
      await sleep(100);
    }
    throw new Error(`no new Job ${prefix}*`);
  }

  it("restores the latest backup into a throwaway server by default, with no credentials of the live server", async () => {
    const name = await restoreDatabase(cluster, { database: "n8n", mode: "scratch", yes: false, namespace: "data", wait: false });
    const job = await readJob(name);
    expect(job.metadata.labels).toMatchObject({ "platform/job": "restore", "platform/restore-mode": "scratch", "platform/database": "n8n" });
    const [fetch] = job.spec.template.spec.initContainers;
    const [check] = job.spec.template.spec.containers;
    expect(envOf(check!)).toMatchObject({ RESTORE_MODE: "scratch", DB_NAME: "n8n" });
    expect(envOf(check!)).not.toHaveProperty("PGPASSWORD");
    expect(envOf(fetch!)).not.toHaveProperty("BACKUP_ID");
  });

  it("restores a chosen backup in place once confirmed, as the live server's superuser", async () => {
    const name = await restoreDatabase(cluster, { database: "wordpress", backup: "20261126T031500Z", mode: "in-place", yes: true, namespace: "data", wait: false });
    const job = await readJob(name);
    expect(envOf(job.spec.template.spec.initContainers[0]!)).toMatchObject({ BACKUP_ID: "20261126T031500Z" });
    expect(envOf(job.spec.template.spec.initContainers[0]!)).not.toHaveProperty("MARIADB_PASSWORD");
    expect(envOf(job.spec.template.spec.containers[0]!)).toMatchObject({ RESTORE_MODE: "in-place", BACKUP_ID: "20261126T031500Z", MARIADB_USER: "root", MARIADB_PASSWORD: "mariadb-root" });
  });

  it("refuses an unconfirmed in-place restore, creating nothing", async () => {
    await expect(restoreDatabase(cluster, { database: "n8n", mode: "in-place", yes: false, namespace: "data", wait: false })).rejects.toThrow(/an in-place restore of n8n needs confirmation/);
    const jobs = await kubeGet<{ items: unknown[] }>(cluster, `/apis/batch/v1/namespaces/data/jobs?labelSelector=${encodeURIComponent("platform/restore-mode=in-place,platform/database=n8n")}`);
    expect(jobs.body.items).toHaveLength(0);
  });

  it("names an unknown database", async () => {
    await expect(restoreDatabase(cluster, { database: "ghost", mode: "scratch", yes: false, namespace: "data", wait: false })).rejects.toThrow(/no restore-test CronJob for database ghost/);
  });

  it("follows the Job to its final condition: a failed first pod that is retried is not the outcome", async () => {
    const before = await jobNames();
    const restoring = restoreDatabase(cluster, { database: "n8n", mode: "scratch", yes: false, namespace: "data", wait: true, pollMs: 200 });
    const name = await newJob("restore-n8n-", before);
    await setStatus(name, podFailed);
    await sleep(1_000);
    let settled = false;
    void restoring.then(() => (settled = true), () => (settled = true));
    await sleep(500);
    expect(settled, "the restore ended on the first failed pod").toBe(false);
    await setStatus(name, completed());
    await expect(restoring).resolves.toBe(name);
  });

  it("reports the Job's failure reason when it finally fails", async () => {
    const before = await jobNames();
    const restoring = restoreDatabase(cluster, { database: "wordpress", mode: "scratch", yes: false, namespace: "data", wait: true, pollMs: 200 });
    const name = await newJob("restore-wordpress-", before);
    await setStatus(name, failedJob());
    await expect(restoring).rejects.toThrow(`restore Job ${name} failed: BackoffLimitExceeded (Job has reached the specified backoff limit)`);
  });

  describe("with the kubeconfigs DOKS hands out", () => {
    let token: string;
    let server: string;
    let ca: string;

    beforeAll(async () => {
      // A service account allowed exactly what a restore needs, and a token for it.
      const sa = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "restorer", namespace: "data" } };
      const role = {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: "restorer", namespace: "data" },
        rules: [
          { apiGroups: ["batch"], resources: ["cronjobs"], verbs: ["get", "list"] },
          { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list"] },
          { apiGroups: ["batch"], resources: ["jobs/status"], verbs: ["get"] },
        ],
      };
      const binding = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "restorer", namespace: "data" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "restorer" }, subjects: [{ kind: "ServiceAccount", name: "restorer", namespace: "data" }] };
      expect((await kubeRequest(cluster, "POST", "/api/v1/namespaces/data/serviceaccounts", sa)).status).toBe(201);
      expect((await kubeRequest(cluster, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/data/roles", role)).status).toBe(201);
      expect((await kubeRequest(cluster, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/data/rolebindings", binding)).status).toBe(201);
      const issued = await kubeRequest<{ status: { token: string } }>(cluster, "POST", "/api/v1/namespaces/data/serviceaccounts/restorer/token", { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } });
      token = issued.body.status.token;
      const admin = (await import("yaml")).parse(await readFile(cluster.kubeconfig, "utf8")) as { clusters: Array<{ cluster: { server: string; "certificate-authority-data": string } }> };
      server = admin.clusters[0]!.cluster.server;
      ca = admin.clusters[0]!.cluster["certificate-authority-data"];
    });

    async function kubeconfigWith(user: Record<string, unknown>, context = "doks-fra1-platform", clusterServer = server): Promise<string> {
      const file = join(await mkdtemp(join(tmpdir(), "kubeconfig-")), "config");
      await writeFile(
        file,
        stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [{ name: context, cluster: { server: clusterServer, "certificate-authority-data": ca } }],
          users: [{ name: `${context}-admin`, user }],
          contexts: [{ name: context, context: { cluster: context, user: `${context}-admin` } }],
          "current-context": context,
        }),
        { mode: 0o600 },
      );
      return file;
    }

    it("works with a bearer token", async () => {
      const kubeconfig = await kubeconfigWith({ token });
      const name = await restoreDatabase({ kind: "kubeconfig", kubeconfig, context: "doks-fra1-platform", stop: async () => {} }, { database: "n8n", mode: "scratch", yes: false, namespace: "data", wait: false });
      expect(name).toMatch(/^restore-n8n-/);
    });

    it("works with an exec credential plugin (what doctl writes)", async () => {
      const plugin = join(await mkdtemp(join(tmpdir(), "exec-plugin-")), "credential");
      await writeFile(plugin, `#!/bin/sh\nprintf '%s' '${JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1beta1", kind: "ExecCredential", status: { token } })}'\n`);
      await chmod(plugin, 0o755);
      const kubeconfig = await kubeconfigWith({ exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: plugin, args: ["kubernetes", "cluster", "kubeconfig", "exec-credential"], interactiveMode: "Never" } });
      const name = await restoreDatabase({ kind: "kubeconfig", kubeconfig, context: "doks-fra1-platform", stop: async () => {} }, { database: "wordpress", mode: "scratch", yes: false, namespace: "data", wait: false });
      expect(name).toMatch(/^restore-wordpress-/);
    });

    it("platform restore: a refused token, and an unreachable cluster, each exit 2 with one line of cause", async () => {
      const refused = await platform(["restore", "--context", "doks-fra1-platform", "--database", "n8n"], { KUBECONFIG: await kubeconfigWith({ token: "not-a-token" }) });
      expect(refused.exitCode).toBe(2);
      expect(refused.all).toMatch(/^error: listing restore-test CronJobs in data failed on context doks-fra1-platform: HTTP 401.*$/m);
      expect(refused.all).not.toMatch(/\n\s+at /);
      const closed = await platform(["restore", "--context", "doks-fra1-platform", "--database", "n8n"], { KUBECONFIG: await kubeconfigWith({ token }, "doks-fra1-platform", `https://127.0.0.1:${await freePort()}`) });
      expect(closed.exitCode).toBe(2);
      expect(closed.all).toMatch(/^error: listing restore-test CronJobs in data failed on context doks-fra1-platform: .*ECONNREFUSED.*$/m);
      expect(closed.all.split("\n").filter((line) => line.startsWith("error:"))).toHaveLength(1);
      expect(closed.all).not.toMatch(/\n\s+at /);
    });
  });

  it("the restore drill runs every restore-test CronJob and reports each database's final outcome", async () => {
    // Every database environments/local holds (Nextcloud's and Mailu's too where their charts were found).
    const cronJobs = await kubeGet<{ items: Array<{ metadata: { labels: Record<string, string> } }> }>(cluster, "/apis/batch/v1/namespaces/data/cronjobs?labelSelector=platform%2Fjob%3Drestore-test");
    const databases = cronJobs.body.items.map((item) => item.metadata.labels["platform/database"]!).sort();
    expect(databases).toEqual(expect.arrayContaining(["crm", "n8n", "wordpress"]));
    const before = await jobNames();
    const drilling = runDrill(cluster, "data", { pollMs: 200 });
    const jobs = Object.fromEntries(await Promise.all(databases.map(async (database) => [database, await newJob(`drill-${database}-restore-test-`, before)] as const)));
    for (const database of databases.filter((name) => name !== "wordpress")) await setStatus(jobs[database]!, completed());
    await setStatus(jobs.wordpress!, podFailed);
    await sleep(600);
    await setStatus(jobs.wordpress!, failedJob());
    const results = await drilling;
    expect(results.map((result) => [result.database, result.passed, result.reason])).toEqual(
      databases.map((database) => (database === "wordpress" ? [database, false, "BackoffLimitExceeded"] : [database, true, "CompletionsReached"])),
    );
  });
});
