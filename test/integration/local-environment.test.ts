import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeGet, kubeRequest } from "../../harness/cluster/api.ts";
import { acquireCluster, type Cluster } from "../../harness/cluster/index.ts";
import { openEnvironment, planAndCheck, type EnvironmentRun } from "../../harness/environment.ts";
import { loadRules } from "../../harness/policy/engine.ts";
import type { Rule } from "../../harness/policy/types.ts";
import { ensurePlanToolchain } from "../../harness/toolchain/index.ts";
import { veleroDrill } from "../../harness/velero.ts";
import { checkChartValues } from "../../harness/toolchain/chart-values.ts";
import { chartMirrorFromEnv } from "../../harness/toolchain/charts.ts";
import { validateManifests } from "../../harness/toolchain/kubeconform.ts";
import { loadVersions } from "../../harness/toolchain/versions.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import type { PlannedResource } from "../../harness/plan.ts";

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

const noCharts = "PLATFORM_CHART_MIRROR is not set: environments/local ran without the infra layer's charts";
const helmReleases = [
  ...["cert_manager", "external_dns", "prometheus", "traefik", "velero", "victoria_logs"].map((name) => `module.k8s_config.helm_release.${name}[0]`),
  "module.mailu[0].helm_release.mailu[0]",
  "module.nextcloud[0].helm_release.nextcloud[0]",
];

describe("environments/local on a real local control plane", () => {
  let cluster: Cluster;
  let run: EnvironmentRun;
  let rules: Rule[];
  let runDir: string;
  /** Every chart was found (PLATFORM_CHART_MIRROR set, or the upstream repositories reachable). */
  let infra = false;
  /** The releases of the first plan, with their rendered manifests. */
  let releases: PlannedResource[] = [];

  beforeAll(async () => {
    const toolchain = await ensurePlanToolchain(join(import.meta.dirname, "../../environments/local"));
    rules = await loadRules(toolchain.opa);
    cluster = await acquireCluster({ prefer: "local" });
    runDir = join(cluster.kubeconfig, "..");
    run = await openEnvironment("local", cluster, toolchain);
    infra = run.leftOut.length === 0;
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
        "module.crm.module.namespace.kubernetes_namespace_v1.this",
        'module.k8s_config.module.layer["data"].kubernetes_namespace_v1.this',
        'module.k8s_config.module.layer["infra"].kubernetes_namespace_v1.this',
        ...charted.map((app) => `module.${app}[0].module.namespace.kubernetes_namespace_v1.this`),
        "module.n8n.module.namespace.kubernetes_namespace_v1.this",
        "module.wordpress.module.namespace.kubernetes_namespace_v1.this",
      ].sort(),
    );
    // Each namespace's default-deny and allow-dns, the data layer's own allows, each app's edge,
    // and the infra layer's four when its charts are there.
    const policies = checked.model.resources.filter((r) => r.type === "kubernetes_network_policy_v1" && !/^module\.(mailu|nextcloud)\[/.test(r.address));
    expect(policies).toHaveLength(2 * 5 + 6 + Object.values(apps).reduce((sum, app) => sum + app.policies.length - 2, 0) + (infra ? 4 : 0));
    // The helm provider's dry run needs the namespace: charts come with the next plan.
    expect(checked.model.resources.filter((r) => r.type === "helm_release")).toEqual([]);
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

  it("without the charts, plans everything else and says which components it left out and why", (ctx) => {
    ctx.skip(infra, "every chart was available: nothing was left out");
    expect(run.leftOut.map((chart) => chart.pin.component).sort()).toEqual(["cert_manager", "external_dns", "logging", "mailu", "monitoring", "nextcloud", "traefik", "velero"]);
    for (const chart of run.leftOut) expect(chart.reason).toMatch(/PLATFORM_CHART_MIRROR is not set and https:\/\/\S+ is unreachable|is missing from PLATFORM_CHART_MIRROR/);
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
    // Nextcloud's and Mailu's databases join where their charts were found (PLATFORM_CHART_MIRROR).
    const charted = { nextcloud: ["nextcloud"], mailu: ["mailu", "mailu-roundcube"] };
    const databases = ["crm", "n8n", "wordpress", ...Object.entries(charted).flatMap(([chart, names]) => (run.leftOut.some((left) => left.key === chart) ? [] : names))];
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

  it("with the charts, plans every release with its rendered manifests once the namespace exists, gates and applies them", async (ctx) => {
    ctx.skip(!infra, noCharts);
    const checked = await planAndCheck(run, rules);
    releases = checked.model.resources.filter((r) => r.type === "helm_release");
    expect(releases.map((r) => r.address).sort()).toEqual(helmReleases);
    for (const release of releases) {
      expect(release.helm!.manifests.length, release.address).toBeGreaterThan(3);
      expect(release.helm!.repository, release.address).toMatch(/^https:\/\//);
      expect(release.values.description, release.address).toContain(`from ${release.helm!.repository}`);
    }
    // The policies judge every chart's rendered workloads, not just the values passed to it.
    const workloads = factsOf(checked.model.resources).workloads.filter((workload) => workload.source === "helm");
    for (const release of releases) expect(workloads.filter((workload) => workload.address === release.address).length, release.address).toBeGreaterThan(0);
    expect(checked.model.resources.filter((r) => r.type === "kubernetes_manifest")).toEqual([]);
    expect(checked.evaluation.passed).toBe(true);
    await run.tofu.apply(run.planFile);
    expect(((await run.tofu.output()).pending!.value as string[]).length).toBe(2);
  });

  it("passes each release's values that its pinned chart's values schema and defaults accept", async (ctx) => {
    ctx.skip(!infra || !process.env.PLATFORM_CHART_MIRROR, "PLATFORM_CHART_MIRROR is not set: chart values were not checked against the charts' schemas");
    const mirror = chartMirrorFromEnv();
    if (mirror?.kind !== "folder") return ctx.skip("PLATFORM_CHART_MIRROR is an OCI registry: values are checked against folder mirrors only");
    const pins = loadVersions().charts;
    const checked: Record<string, Record<string, string>> = {};
    for (const release of releases) {
      const pin = Object.values(pins).find((candidate) => candidate.chart === release.helm!.chart)!;
      const result = await checkChartValues(await readFile(join(mirror.path, `${pin.chart}-${pin.version}.tgz`)), release.helm!.values);
      expect(result.findings, release.address).toEqual([]);
      checked[pin.chart] = result.checkedAgainst;
    }
    expect(checked.traefik).toEqual({ traefik: "values.schema.json" });
    expect(checked["victoria-logs-single"]).toMatchObject({ "victoria-logs-single": "defaults" });
  });

  it("adds the ClusterIssuers and Velero's location and schedules once the charts' CRDs exist: a second gated plan and apply", async (ctx) => {
    ctx.skip(!infra, noCharts);
    for (const crd of ["clusterissuers.cert-manager.io", "certificates.cert-manager.io", "schedules.velero.io", "backupstoragelocations.velero.io", "ingressroutes.traefik.io"]) {
      expect((await kubeGet(cluster, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}`)).status, crd).toBe(200);
    }
    const checked = await planAndCheck(run, rules);
    expect(checked.evaluation.passed).toBe(true);
    expect(checked.model.resources.filter((r) => r.type === "kubernetes_manifest").map((r) => r.address).sort()).toEqual([
      'module.k8s_config.kubernetes_manifest.cluster_issuer["letsencrypt-production"]',
      'module.k8s_config.kubernetes_manifest.cluster_issuer["letsencrypt-staging"]',
      "module.k8s_config.kubernetes_manifest.velero_storage_location[0]",
      'module.k8s_config.kubernetes_manifest.velero_schedule["daily"]',
      'module.k8s_config.kubernetes_manifest.velero_schedule["weekly"]',
      // Mailu's mail ports through Traefik's TCP entry points, once Traefik's CRD is there.
      ...["imaps", "sieve", "smtp", "smtps", "submission"].map((port) => `module.mailu[0].kubernetes_manifest.tcp_route["${port}"]`),
    ].sort());
    // Every rendered object, and the custom resources, strictly against the pinned Kubernetes
    // version's schemas and the CRDs the charts installed.
    const crds = (await kubeGet<{ items: Array<Record<string, unknown>> }>(cluster, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")).body.items;
    const objects = [...releases.flatMap((release) => release.helm!.manifests), ...checked.model.resources.filter((r) => r.type === "kubernetes_manifest").map((r) => r.values.manifest as Record<string, unknown>)];
    const validation = await validateManifests(objects, crds);
    expect(validation.findings).toEqual([]);
    expect(validation.valid).toBe(objects.length);

    await run.tofu.apply(run.planFile);
    expect((await run.tofu.output()).pending!.value).toEqual([]);

    const issuer = await kubeGet<{ spec: { acme: { server: string; solvers: unknown[] } } }>(cluster, "/apis/cert-manager.io/v1/clusterissuers/letsencrypt-production");
    expect(issuer.body.spec.acme.server).toBe("https://acme-v02.api.letsencrypt.org/directory");
    const schedule = await kubeGet<{ spec: { template: { ttl: string; includedNamespaces: string[] } } }>(cluster, "/apis/velero.io/v1/namespaces/infra/schedules/daily");
    expect(schedule.body.spec.template).toMatchObject({ ttl: "168h", includedNamespaces: ["wordpress", "n8n", "crm", "nextcloud", "mailu"] });
  });

  it("runs Traefik behind one PROXY-protocol load balancer with the mail ports, and keeps production's webhooks", async (ctx) => {
    ctx.skip(!infra, noCharts);
    const service = await kubeGet<{ spec: { type: string; ports: Array<{ name: string; port: number }> }; metadata: { annotations: Record<string, string> } }>(cluster, "/api/v1/namespaces/infra/services/traefik");
    expect(service.body.spec.type).toBe("LoadBalancer");
    expect(Object.fromEntries(service.body.spec.ports.map((port) => [port.name, port.port]))).toMatchObject({ web: 80, websecure: 443, smtp: 25, smtps: 465, submission: 587, imaps: 993, sieve: 4190 });
    expect(service.body.metadata.annotations).toMatchObject({
      "service.beta.kubernetes.io/do-loadbalancer-enable-proxy-protocol": "true",
      "service.beta.kubernetes.io/do-loadbalancer-type": "REGIONAL",
      "service.beta.kubernetes.io/do-loadbalancer-hostname": "lb.platform.test",
    });
    expect((await kubeGet(cluster, "/apis/networking.k8s.io/v1/ingressclasses/traefik")).status).toBe(200);
    // The local API server skips webhooks; the configurations are still what production gets.
    expect((await kubeGet(cluster, "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/cert-manager-webhook")).status).toBe(200);
  });

  it("drills a Velero restore: the newest completed backup into scratch namespaces, judged by Velero's outcome", async (ctx) => {
    ctx.skip(!infra, noCharts);
    // No Velero server runs without a kubelet: this test plays its part, writing the Backup
    // objects and the Restore's outcome the way Velero would, on the real API server.
    const backups = `/apis/velero.io/v1/namespaces/infra/backups`;
    // Through the status subresource where the CRD has one, else on the object itself.
    const setStatus = async (path: string, status: Record<string, unknown>) => {
      const viaSubresource = await kubeRequest(cluster, "PATCH", `${path}/status`, { status });
      if (viaSubresource.status === 404) expect((await kubeRequest(cluster, "PATCH", path, { status })).status).toBe(200);
      else expect(viaSubresource.status).toBe(200);
    };
    for (const [name, phase, completed] of [["daily-1", "Completed", "2026-01-01T02:40:00Z"], ["daily-2", "Completed", "2026-01-02T02:40:00Z"], ["daily-3", "PartiallyFailed", "2026-01-03T02:40:00Z"]] as const) {
      const created = await kubeRequest(cluster, "POST", backups, { apiVersion: "velero.io/v1", kind: "Backup", metadata: { name, namespace: "infra" }, spec: { includedNamespaces: ["wordpress", "n8n"] } });
      expect(created.status).toBe(201);
      await setStatus(`${backups}/${name}`, { phase, completionTimestamp: completed });
    }
    const outcomes = ["Completed", "PartiallyFailed"];
    for (const outcome of outcomes) {
      const drill = veleroDrill(cluster, { namespace: "infra", timeoutMs: 60_000, pollMs: 200, keep: false });
      let restoreName: string | undefined;
      for (let attempt = 0; attempt < 100 && !restoreName; attempt++) {
        const { body } = await kubeGet<{ items: Array<{ metadata: { name: string }; status?: unknown }> }>(cluster, "/apis/velero.io/v1/namespaces/infra/restores");
        restoreName = body.items.find((item) => !item.status)?.metadata.name;
        if (!restoreName) await sleep(100);
      }
      const restore = await kubeGet<{ spec: { backupName: string; namespaceMapping: Record<string, string> } }>(cluster, `/apis/velero.io/v1/namespaces/infra/restores/${restoreName}`);
      expect(restore.body.spec).toMatchObject({ backupName: "daily-2", namespaceMapping: { wordpress: "drill-wordpress", n8n: "drill-n8n" } });
      await setStatus(`/apis/velero.io/v1/namespaces/infra/restores/${restoreName}`, { phase: outcome, errors: outcome === "Completed" ? 0 : 2 });
      const result = await drill;
      expect(result).toMatchObject({ backup: "daily-2", phase: outcome, passed: outcome === "Completed" });
      // The drill deleted its scratch namespaces; the next one refuses them until the namespace
      // controller has finished with them.
      for (const namespace of Object.values(restore.body.spec.namespaceMapping)) {
        for (let attempt = 0; attempt < 600 && (await kubeGet(cluster, `/api/v1/namespaces/${namespace}`)).status !== 404; attempt++) await sleep(100);
      }
    }
  });

  it("keeps state and the saved plan encrypted at rest", async () => {
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
    if (infra) {
      // Cluster-scoped objects of the charts go with their releases. Helm never deletes CRDs a
      // chart ships in its crds/ folder (Traefik's, Velero's, external-dns's DNSEndpoint): those
      // are the only ones left.
      const roles = await kubeGet<{ items: Array<{ metadata: { name: string } }> }>(cluster, "/apis/rbac.authorization.k8s.io/v1/clusterroles?labelSelector=app.kubernetes.io%2Fmanaged-by%3DHelm");
      expect(roles.body.items.map((item) => item.metadata.name)).toEqual([]);
      const crds = await kubeGet<{ items: Array<{ spec: { group: string } }> }>(cluster, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
      const kept = ["externaldns.k8s.io", "gateway.networking.k8s.io", "hub.traefik.io", "traefik.io", "velero.io"];
      expect([...new Set(crds.body.items.map((item) => item.spec.group))].filter((group) => !kept.includes(group))).toEqual([]);
    }
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
