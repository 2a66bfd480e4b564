import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeGet } from "../../harness/cluster/api.ts";
import { acquireCluster, type Cluster } from "../../harness/cluster/index.ts";
import { openEnvironment, planAndCheck, type EnvironmentRun } from "../../harness/environment.ts";
import { loadRules } from "../../harness/policy/engine.ts";
import type { Rule } from "../../harness/policy/types.ts";
import { ensurePlanToolchain } from "../../harness/toolchain/index.ts";

type Namespace = { metadata: { name: string; labels: Record<string, string> }; status: { phase: string } };
type StatefulSet = { metadata: { name: string; labels: Record<string, string> }; spec: { volumeClaimTemplates: Array<{ spec: { storageClassName: string; accessModes: string[] } }> } };
type CronJob = { metadata: { name: string; labels: Record<string, string> } };
type Secret = { metadata: { name: string; labels: Record<string, string> }; data: Record<string, string> };

describe("environments/local on a real local control plane", () => {
  let cluster: Cluster;
  let run: EnvironmentRun;
  let rules: Rule[];
  let runDir: string;

  beforeAll(async () => {
    const toolchain = await ensurePlanToolchain();
    rules = await loadRules(toolchain.opa);
    cluster = await acquireCluster({ prefer: "local" });
    runDir = join(cluster.kubeconfig, "..");
    run = await openEnvironment("local", cluster, toolchain);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it("plans the layers and passes the gate", async () => {
    const checked = await planAndCheck(run, rules);
    expect(checked.hasChanges).toBe(true);
    expect(checked.evaluation.passed).toBe(true);
    const namespaces = checked.model.resources.filter((r) => r.type === "kubernetes_namespace_v1").map((r) => r.address);
    // Nextcloud and Mailu come in where the harness found their charts (PLATFORM_CHART_MIRROR).
    const charted = ["mailu", "nextcloud"].filter((chart) => !run.leftOut.some((left) => left.key === chart));
    expect(namespaces.sort()).toEqual(
      [
        'module.k8s_config.module.layer["data"].kubernetes_namespace_v1.this',
        'module.k8s_config.module.layer["infra"].kubernetes_namespace_v1.this',
        ...charted.map((app) => `module.${app}[0].module.namespace.kubernetes_namespace_v1.this`),
        "module.n8n_namespace.kubernetes_namespace_v1.this",
        "module.wordpress_namespace.kubernetes_namespace_v1.this",
      ].sort(),
    );
    // Each namespace's default-deny and allow-dns, plus the data layer's own allows.
    expect(checked.model.resources.filter((r) => r.type === "kubernetes_network_policy_v1" && !/^module\.(mailu|nextcloud)\[/.test(r.address))).toHaveLength(14);
    const data = checked.model.resources.filter((r) => r.module === "module.data").map((r) => r.address);
    expect(data).toEqual(
      expect.arrayContaining([
        'module.data.kubernetes_stateful_set_v1.server["postgresql"]',
        'module.data.kubernetes_stateful_set_v1.server["mariadb"]',
        'module.data.kubernetes_cron_job_v1.job["n8n/backup"]',
        'module.data.kubernetes_cron_job_v1.job["wordpress/restore-test"]',
        'module.data.kubernetes_secret_v1.connection["n8n"]',
        "module.data.kubernetes_deployment_v1.valkey[0]",
      ]),
    );
  });

  it("applies the saved plan, and the API server holds the namespaces with their layer labels", async () => {
    await run.tofu.apply(run.planFile);
    for (const [name, layer] of [["infra", "infra"], ["data", "data"], ["wordpress", "apps"], ["n8n", "apps"]] as const) {
      const { status, body } = await kubeGet<Namespace>(cluster, `/api/v1/namespaces/${name}`);
      expect(status).toBe(200);
      expect(body.metadata.labels).toMatchObject({ "platform/layer": layer, "app.kubernetes.io/managed-by": "opentofu" });
    }
    expect((await kubeGet<Namespace>(cluster, "/api/v1/namespaces/data")).body.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const policies = await kubeGet<{ items: Array<{ metadata: { name: string } }> }>(cluster, "/apis/networking.k8s.io/v1/namespaces/wordpress/networkpolicies");
    expect(policies.body.items.map((item) => item.metadata.name).sort()).toEqual(["allow-dns", "default-deny"]);
  });

  it("holds the data layer: database StatefulSets, their backup and restore-test CronJobs, and the apps' connection Secrets", async () => {
    for (const [name, engine] of [["postgres", "postgresql"], ["mariadb", "mariadb"]] as const) {
      const { status, body } = await kubeGet<StatefulSet>(cluster, `/apis/apps/v1/namespaces/data/statefulsets/${name}`);
      expect(status, `StatefulSet data/${name}`).toBe(200);
      expect(body.metadata.labels["platform/database-engine"]).toBe(engine);
      expect(body.spec.volumeClaimTemplates.map((claim) => [claim.spec.storageClassName, claim.spec.accessModes])).toEqual([["do-block-storage-retain", ["ReadWriteOnce"]]]);
    }

    const cronJobs = await kubeGet<{ items: CronJob[] }>(cluster, "/apis/batch/v1/namespaces/data/cronjobs");
    expect(cronJobs.status).toBe(200);
    const jobs = Object.fromEntries(cronJobs.body.items.map((job) => [job.metadata.name, job.metadata.labels]));
    // Nextcloud's and Mailu's databases join where their charts were found (PLATFORM_CHART_MIRROR).
    const charted = { nextcloud: ["nextcloud"], mailu: ["mailu", "mailu-roundcube"] };
    const databases = ["n8n", "wordpress", ...Object.entries(charted).flatMap(([chart, names]) => (run.leftOut.some((left) => left.key === chart) ? [] : names))];
    expect(Object.keys(jobs).sort()).toEqual(databases.flatMap((name) => [`${name}-backup`, `${name}-restore-test`]).sort());
    expect(jobs["n8n-backup"]).toMatchObject({ "platform/job": "backup", "platform/backup-of": "postgres", "platform/database": "n8n" });
    expect(jobs["n8n-restore-test"]).toMatchObject({ "platform/job": "restore-test", "platform/backup-of": "postgres" });
    expect(jobs["wordpress-backup"]).toMatchObject({ "platform/job": "backup", "platform/backup-of": "mariadb" });
    expect(jobs["wordpress-restore-test"]).toMatchObject({ "platform/job": "restore-test", "platform/backup-of": "mariadb" });

    const secret = await kubeGet<Secret>(cluster, "/api/v1/namespaces/n8n/secrets/n8n-database");
    expect(secret.status).toBe(200);
    expect(secret.body.metadata.labels).toMatchObject({ "platform/database-engine": "postgresql", "platform/database-owner": "n8n" });
    expect(Object.keys(secret.body.data).sort()).toEqual(["database", "host", "password", "port", "url", "username"]);
    expect(Buffer.from(secret.body.data.host!, "base64").toString()).toBe("postgres.data.svc.cluster.local");
  });

  it("keeps state and the saved plan encrypted at rest", async () => {
    const { readFile } = await import("node:fs/promises");
    const state = await readFile(join(runDir, "terraform.tfstate"), "utf8");
    expect(JSON.parse(state)).toHaveProperty("encrypted_data");
    expect(state).not.toContain("platform/layer");
    // An unencrypted saved plan is a zip archive; an encrypted one is an envelope around ciphertext.
    const plan = await readFile(run.planFile);
    expect(plan.subarray(0, 2).toString()).not.toBe("PK");
    expect(JSON.parse(plan.toString())).toHaveProperty("encrypted_data");
  });

  it("plans zero changes right after the apply", async () => {
    const checked = await planAndCheck(run, rules);
    expect(checked.hasChanges).toBe(false);
  });

  it("destroys everything it created (the namespace controller finalizes them)", async () => {
    await run.tofu.destroy();
    for (const name of ["infra", "data", "wordpress", "n8n"]) {
      let status = 200;
      for (let attempt = 0; attempt < 50 && status !== 404; attempt++) {
        status = (await kubeGet(cluster, `/api/v1/namespaces/${name}`)).status;
        if (status !== 404) await sleep(200);
      }
      expect(status, `namespace ${name}`).toBe(404);
    }
  });

  it("stops cleanly: no process and no temp folder left behind", async () => {
    await cluster.stop();
    expect(existsSync(runDir)).toBe(false);
    const response = await fetch(cluster.server!).catch((error: Error) => error);
    expect(response).toBeInstanceOf(Error);
  });
});
