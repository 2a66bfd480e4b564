import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
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
type Job = { metadata: { labels: Record<string, string> }; spec: { backoffLimit: number; template: { spec: { containers: Container[]; initContainers: Container[] } } } };

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
    expect(envOf(check!)).not.toHaveProperty("RESTORE_STATUS_FILE");
    expect(job.spec.backoffLimit).toBe(1);
  });

  it("restores a chosen backup in place once confirmed, as the live server's superuser", async () => {
    const name = await restoreDatabase(cluster, { database: "wordpress", backup: "20261126T031500Z", mode: "in-place", yes: true, namespace: "data", wait: false });
    const job = await readJob(name);
    expect(envOf(job.spec.template.spec.initContainers[0]!)).toMatchObject({ BACKUP_ID: "20261126T031500Z" });
    expect(envOf(job.spec.template.spec.initContainers[0]!)).not.toHaveProperty("MARIADB_PASSWORD");
    expect(envOf(job.spec.template.spec.containers[0]!)).toMatchObject({ RESTORE_MODE: "in-place", BACKUP_ID: "20261126T031500Z", MARIADB_USER: "root", MARIADB_PASSWORD: "mariadb-root" });
    // One attempt: a retry would run the swap again on a database that may hold the restored
    // data already. The restore step records its phase where the harness reads it back.
    expect(job.spec.backoffLimit).toBe(0);
    expect(envOf(job.spec.template.spec.containers[0]!)).toMatchObject({ RESTORE_STATUS_FILE: "/dev/termination-log" });
    expect(envOf(job.spec.template.spec.initContainers[0]!)).not.toHaveProperty("RESTORE_STATUS_FILE");
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

  /** The Job's pod as the kubelet leaves it: the restore step terminated, with the message it wrote. */
  async function podOf(job: string, message: string | undefined, exitCode: number) {
    // Admission wants the namespace's default service account (no controller makes it here) and
    // a pod the restricted Pod Security level admits.
    const account = await kubeRequest(cluster, "POST", "/api/v1/namespaces/data/serviceaccounts", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "data" } });
    expect([201, 409]).toContain(account.status);
    const securityContext = { allowPrivilegeEscalation: false, runAsNonRoot: true, runAsUser: 999, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: `${job}-x1`, namespace: "data", labels: { "batch.kubernetes.io/job-name": job } }, spec: { restartPolicy: "Never", automountServiceAccountToken: false, containers: [{ name: "restore-check", image: "postgres", securityContext }] } };
    const created = await kubeRequest(cluster, "POST", "/api/v1/namespaces/data/pods", pod);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const terminated = { exitCode, reason: exitCode ? "Error" : "Completed", ...(message === undefined ? {} : { message }), startedAt: now(), finishedAt: now() };
    const status = { phase: exitCode ? "Failed" : "Succeeded", containerStatuses: [{ name: "restore-check", ready: false, restartCount: 0, image: "postgres", imageID: "", state: { terminated } }] };
    const patched = await kubeRequest(cluster, "PATCH", `/api/v1/namespaces/data/pods/${pod.metadata.name}/status`, { status });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  }
  const phase = (name: string) => `${JSON.stringify({ phase: name, live: "n8n", previous: "n8n__previous_20261126184500" })}\n`;
  const failedOnce = () => ({ active: 0, failed: 1, conditions: [condition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"), condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")] });

  it.each([
    ["before the swap", phase("restoring"), /failed: BackoffLimitExceeded \(Job has reached the specified backoff limit\)\. It failed before the swap: the live database n8n is as it was\.$/],
    ["during the swap", phase("swapping"), /It failed during the swap: if a database n8n__previous_20261126184500 exists \(on MariaDB: with tables in it\), n8n holds the restored backup and n8n__previous_20261126184500 is the database it replaced; otherwise n8n is as it was\.$/],
    ["after the swap", phase("swapped"), /It failed after the swap: n8n now holds the restored backup, and the database it replaced, with everything written since that backup, is kept as n8n__previous_20261126184500\.$/],
    ["with no phase left", undefined, /Whether it got as far as the swap is unknown \(the restore step's termination message could not be read\): if a database n8n__previous_<UTC time of the restore> exists/],
  ])("an in-place restore that fails %s says what the live database holds", async (_when, message, expected) => {
    const before = await jobNames();
    const restoring = restoreDatabase(cluster, { database: "n8n", mode: "in-place", yes: true, namespace: "data", wait: true, pollMs: 200 });
    const name = await newJob("restore-n8n-", before);
    const outcome = expect(restoring).rejects.toThrow(expected);
    await podOf(name, message, 1);
    await setStatus(name, failedOnce());
    await outcome;
    if (message?.includes("swapped")) {
      await expect(restoring).rejects.toMatchObject({ fix: expect.stringContaining("keep n8n__previous_20261126184500 until you are sure, then: kubectl --context platform-local -n data exec statefulset/postgres -- psql -U postgres -c 'DROP DATABASE n8n__previous_20261126184500'") });
    }
  });

  it("a successful in-place restore names the database it replaced and how to drop it", async () => {
    const output: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (output.push(String(chunk)), true));
    try {
      const before = await jobNames();
      const restoring = restoreDatabase(cluster, { database: "n8n", mode: "in-place", yes: true, namespace: "data", wait: true, pollMs: 200 });
      const name = await newJob("restore-n8n-", before);
      await podOf(name, phase("complete"), 0);
      await setStatus(name, { ...completed(), failed: 0 });
      await expect(restoring).resolves.toBe(name);
    } finally {
      spy.mockRestore();
    }
    expect(output.join("")).toContain("n8n now holds the restored backup. The database it replaced, with everything written since that backup, is kept as n8n__previous_20261126184500 and takes as much disk; once the restored data is confirmed, drop it: kubectl --context platform-local -n data exec statefulset/postgres -- psql -U postgres -c 'DROP DATABASE n8n__previous_20261126184500'");
  });

  it("refuses an in-place restore while another of the same database has not finished, naming it; a finished one does not hold it up", async () => {
    const inPlace = { database: "crm", mode: "in-place" as const, yes: true, namespace: "data", wait: false };
    const first = await restoreDatabase(cluster, inPlace);
    expect((await readJob(first)).metadata.labels).toMatchObject({ "platform/job": "restore", "platform/restore-mode": "in-place", "platform/database": "crm" });
    // A Job with no condition is unfinished, whatever its pods do: refused before any confirmation is asked for.
    const before = await jobNames();
    for (const yes of [true, false]) {
      await expect(restoreDatabase(cluster, { ...inPlace, yes })).rejects.toMatchObject({
        message: expect.stringMatching(new RegExp(`^an in-place restore of crm is already running: Job ${first}, created \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z, has not finished$`)),
        fix: expect.stringContaining(`kubectl --context platform-local -n data delete job ${first}`),
      });
    }
    expect(await jobNames()).toEqual(before);
    // A scratch restore of it, and an in-place restore of another database, are not held up.
    await expect(restoreDatabase(cluster, { ...inPlace, mode: "scratch" })).resolves.toMatch(/^restore-crm-/);
    const other = await restoreDatabase(cluster, { ...inPlace, database: "n8n" });
    await setStatus(other, failedOnce());
    // Failed and Complete both end it.
    await setStatus(first, failedOnce());
    const second = await restoreDatabase(cluster, inPlace);
    await setStatus(second, { ...completed(), failed: 0 });
    await setStatus(await restoreDatabase(cluster, inPlace), failedOnce());
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
    const cronJobs = await kubeGet<{ items: Array<{ metadata: { name: string; labels: Record<string, string> } }> }>(cluster, "/apis/batch/v1/namespaces/data/cronjobs?labelSelector=platform%2Fjob%3Drestore-test");
    // The drill's Jobs are named after the CronJob (mailu_roundcube's is mailu-roundcube-restore-test).
    const cronJobOf = Object.fromEntries(cronJobs.body.items.map((item) => [item.metadata.labels["platform/database"]!, item.metadata.name]));
    const databases = Object.keys(cronJobOf).sort();
    expect(databases).toEqual(expect.arrayContaining(["crm", "n8n", "wordpress"]));
    const before = await jobNames();
    const drilling = runDrill(cluster, "data", { pollMs: 200 });
    const jobs = Object.fromEntries(await Promise.all(databases.map(async (database) => [database, await newJob(`drill-${cronJobOf[database]}-`, before)] as const)));
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
