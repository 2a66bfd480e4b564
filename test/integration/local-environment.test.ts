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
type Deployment = { spec: { replicas: number; strategy: { type: string }; template: { metadata: { annotations?: Record<string, string> }; spec: { containers: Array<{ name: string; image: string }> } } } };
type Ingress = { metadata: { annotations: Record<string, string> }; spec: { ingressClassName: string; tls: Array<{ hosts: string[]; secretName: string }>; rules: Array<{ host: string }> } };
type Claim = { spec: { storageClassName: string; accessModes: string[] } };

// The apps environments/local enables, and what each must hold once applied.
const apps = {
  wordpress: {
    host: "www.platform.test",
    deployments: { wordpress: ["php", "nginx"] },
    claim: "wp-content",
    policies: ["allow-dns", "default-deny", "wordpress-from-traefik", "wordpress-to-internet", "wordpress-to-mariadb", "wp-cron-to-server", "wp-server-from-cron"],
  },
  n8n: { host: "n8n.platform.test", deployments: { n8n: ["n8n"] }, claim: "n8n-data", policies: ["allow-dns", "default-deny", "n8n-from-traefik", "n8n-to-internet", "n8n-to-postgres"] },
  crm: {
    host: "crm.platform.test",
    deployments: { "twenty-server": ["server"], "twenty-worker": ["worker"] },
    claim: "twenty-files",
    policies: ["allow-dns", "default-deny", "twenty-from-traefik", "twenty-to-internet", "twenty-to-postgres", "twenty-to-valkey"],
  },
} as const;

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
    expect(namespaces.sort()).toEqual([
      "module.crm.module.namespace.kubernetes_namespace_v1.this",
      'module.k8s_config.module.layer["data"].kubernetes_namespace_v1.this',
      'module.k8s_config.module.layer["infra"].kubernetes_namespace_v1.this',
      "module.n8n.module.namespace.kubernetes_namespace_v1.this",
      "module.wordpress.module.namespace.kubernetes_namespace_v1.this",
    ]);
    // Each namespace's default-deny and allow-dns, the data layer's own allows, and each app's edge.
    const policies = checked.model.resources.filter((r) => r.type === "kubernetes_network_policy_v1");
    expect(policies).toHaveLength(2 * 5 + 6 + Object.values(apps).reduce((sum, app) => sum + app.policies.length - 2, 0));
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
    for (const [name, layer] of [["infra", "infra"], ["data", "data"], ["wordpress", "apps"], ["n8n", "apps"], ["crm", "apps"]] as const) {
      const { status, body } = await kubeGet<Namespace>(cluster, `/api/v1/namespaces/${name}`);
      expect(status).toBe(200);
      expect(body.metadata.labels).toMatchObject({ "platform/layer": layer, "app.kubernetes.io/managed-by": "opentofu" });
    }
    for (const name of ["data", "wordpress", "n8n", "crm"]) {
      expect((await kubeGet<Namespace>(cluster, `/api/v1/namespaces/${name}`)).body.metadata.labels["pod-security.kubernetes.io/enforce"], name).toBe("restricted");
    }
  });

  it("holds each app: its Deployments, an HTTPS-only Ingress on its derived host, a retained volume and exactly its NetworkPolicies", async () => {
    for (const [namespace, app] of Object.entries(apps)) {
      for (const [name, containers] of Object.entries(app.deployments)) {
        const { status, body } = await kubeGet<Deployment>(cluster, `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
        expect(status, `Deployment ${namespace}/${name}`).toBe(200);
        expect(body.spec.template.spec.containers.map((c) => c.name)).toEqual(containers);
        expect(body.spec.template.spec.containers.every((c) => /:[^:@/]+(@sha256:[0-9a-f]{64})?$/.test(c.image))).toBe(true);
      }
      const ingresses = await kubeGet<{ items: Ingress[] }>(cluster, `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses`);
      expect(ingresses.body.items).toHaveLength(1);
      const ingress = ingresses.body.items[0]!;
      expect(ingress.spec.rules.map((rule) => rule.host)).toEqual([app.host]);
      expect(ingress.spec.tls[0]!.hosts).toEqual([app.host]);
      expect(ingress.spec.ingressClassName).toBe("traefik");
      expect(ingress.metadata.annotations).toMatchObject({ "cert-manager.io/cluster-issuer": "letsencrypt-staging", "traefik.ingress.kubernetes.io/router.entrypoints": "websecure" });

      const claim = await kubeGet<Claim>(cluster, `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${app.claim}`);
      expect(claim.status, `PVC ${namespace}/${app.claim}`).toBe(200);
      expect([claim.body.spec.storageClassName, claim.body.spec.accessModes]).toEqual(["do-block-storage-retain", ["ReadWriteOnce"]]);

      const policies = await kubeGet<{ items: Array<{ metadata: { name: string } }> }>(cluster, `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies`);
      expect(policies.body.items.map((item) => item.metadata.name).sort()).toEqual([...app.policies]);
    }
    const wordpress = await kubeGet<Deployment>(cluster, "/apis/apps/v1/namespaces/wordpress/deployments/wordpress");
    expect(wordpress.body.spec.strategy.type).toBe("Recreate");
    expect(wordpress.body.spec.template.metadata.annotations?.["backup.velero.io/backup-volumes"]).toBe("wp-content");
    expect((await kubeGet(cluster, "/apis/batch/v1/namespaces/wordpress/cronjobs/wp-cron")).status).toBe(200);
    // The protected keys exist, and Twenty has its Valkey connection.
    expect((await kubeGet(cluster, "/api/v1/namespaces/n8n/secrets/n8n-encryption-key")).status).toBe(200);
    expect((await kubeGet(cluster, "/api/v1/namespaces/crm/secrets/twenty-encryption-key")).status).toBe(200);
    expect((await kubeGet(cluster, "/api/v1/namespaces/crm/secrets/valkey-connection")).status).toBe(200);
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
    expect(Object.keys(jobs).sort()).toEqual(["crm-backup", "crm-restore-test", "n8n-backup", "n8n-restore-test", "wordpress-backup", "wordpress-restore-test"]);
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

  it("refuses to destroy the apps' encryption keys until they are deliberately forgotten", async () => {
    await expect(run.tofu.destroy()).rejects.toThrow(/prevent_destroy|cannot be destroyed/i);
    expect((await kubeGet(cluster, "/api/v1/namespaces/n8n/secrets/n8n-encryption-key")).status).toBe(200);
    // The documented decommission: back the key up, then remove it from state (modules/app-key).
    await run.tofu.stateRemove(["module.n8n.module.encryption_key", "module.crm.module.encryption_key"], join(runDir, "state-rm.backup"));
  });

  it("destroys everything it created (the namespace controller finalizes them)", async () => {
    await run.tofu.destroy();
    for (const name of ["infra", "data", "wordpress", "n8n", "crm"]) {
      let status = 200;
      for (let attempt = 0; attempt < 50 && status !== 404; attempt++) {
        status = (await kubeGet(cluster, `/api/v1/namespaces/${name}`)).status;
        if (status !== 404) await sleep(200);
      }
      expect(status, `namespace ${name}`).toBe(404);
    }
  });

  it("leaves nothing in the configuration folder (state and its backups live in the run folder)", async () => {
    const { readdir } = await import("node:fs/promises");
    expect((await readdir(run.dir)).filter((file) => file.includes("tfstate"))).toEqual([]);
  });

  it("stops cleanly: no process and no temp folder left behind", async () => {
    await cluster.stop();
    expect(existsSync(runDir)).toBe(false);
    const response = await fetch(cluster.server!).catch((error: Error) => error);
    expect(response).toBeInstanceOf(Error);
  });
});
