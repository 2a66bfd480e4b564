import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parse, parseAllDocuments, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeGet, kubeRequest } from "../../harness/cluster/api.ts";
import { acquireCluster, type Cluster } from "../../harness/cluster/index.ts";
import { chartFiles, chartMirrorFromEnv, verifyChart } from "../../harness/toolchain/charts.ts";
import { loadVersions } from "../../harness/toolchain/versions.ts";
import { drillExcludedResources, veleroDrill } from "../../harness/velero.ts";

// `platform velero-drill` against a real API server with Velero's own CRDs (from the pinned
// chart in the mirror), so the Restore it creates is validated and pruned by Velero's schema.
// No Velero server runs without a kubelet: the tests play its part, creating the volumes a
// restore would and writing the Restore's outcome. The drill makes its scratch namespaces
// itself and refuses ones that exist, and the namespace controller removes a deleted one in its
// own time: each test drills a backup of namespaces of its own.
const mirror = chartMirrorFromEnv();
const noMirror = "PLATFORM_CHART_MIRROR is not set: the Velero drill ran against no Velero CRDs";
const restores = "/apis/velero.io/v1/namespaces/infra/restores";
const backups = "/apis/velero.io/v1/namespaces/infra/backups";

describe("platform velero-drill", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    if (!mirror) return;
    cluster = await acquireCluster({ prefer: "local" });
    const pin = loadVersions().charts.velero!;
    const chart = await verifyChart("velero", pin, mirror!);
    const files = await chartFiles(await readFile(chart.location));
    for (const kind of ["backups", "restores", "podvolumerestores"]) {
      const file = files.find((entry) => entry.path === `crds/${kind}.yaml`);
      expect(file, `crds/${kind}.yaml in the velero chart`).toBeDefined();
      const crds = parseAllDocuments(file!.data.toString()).map((doc) => doc.toJS() as { metadata: { name: string } } | null).filter((doc) => doc !== null);
      for (const crd of crds) {
        expect((await kubeRequest(cluster, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).status).toBe(201);
        for (let attempt = 0; attempt < 100; attempt++) {
          const { body } = await kubeGet<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(cluster, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
          if (body.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
          await sleep(100);
        }
      }
    }
    expect((await kubeRequest(cluster, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "infra" } })).status).toBe(201);
    await completedBackup("daily-1", ["wordpress", "mailu"], "2026-11-26T02:40:00Z");
  });

  async function completedBackup(name: string, includedNamespaces: string[], completionTimestamp: string): Promise<void> {
    expect((await kubeRequest(cluster, "POST", backups, { apiVersion: "velero.io/v1", kind: "Backup", metadata: { name, namespace: "infra" }, spec: { includedNamespaces } })).status).toBe(201);
    // Velero's CRDs have no status subresource: the status is written on the object.
    expect((await kubeRequest(cluster, "PATCH", `${backups}/${name}`, { status: { phase: "Completed", completionTimestamp } })).status).toBe(200);
  }

  afterAll(async () => cluster?.stop());

  /** The drill's Restore, once it exists, and everything the API server kept of it. */
  async function drillRestore(): Promise<{ name: string; spec: Record<string, unknown> }> {
    for (let attempt = 0; attempt < 200; attempt++) {
      // A CRD just established may answer 404 for a moment.
      const { body } = await kubeGet<{ items?: Array<{ metadata: { name: string }; spec: Record<string, unknown>; status?: unknown }> }>(cluster, restores);
      const pending = body.items?.find((item) => !item.status);
      if (pending) return { name: pending.metadata.name, spec: pending.spec };
      await sleep(100);
    }
    throw new Error("the drill created no Restore");
  }

  /** What Velero does while restoring: a volume from the retaining class, bound to a claim in the scratch namespace. */
  async function volumeIn(namespace: string, volume: string): Promise<void> {
    const pv = {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: volume },
      spec: {
        capacity: { storage: "1Gi" },
        accessModes: ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: "Retain",
        storageClassName: "do-block-storage-retain",
        csi: { driver: "dobs.csi.digitalocean.com", volumeHandle: `${volume}-handle` },
        claimRef: { namespace, name: "data" },
      },
    };
    expect((await kubeRequest(cluster, "POST", "/api/v1/persistentvolumes", pv)).status).toBe(201);
  }

  /** Deleted: gone, or terminating (the namespace controller finishes in its own time). */
  async function deleted(namespace: string): Promise<boolean> {
    const { status, body } = await kubeGet<{ metadata?: { deletionTimestamp?: string } }>(cluster, `/api/v1/namespaces/${namespace}`);
    return status === 404 || Boolean(body.metadata?.deletionTimestamp);
  }

  const policiesIn = async (namespace: string) => (await kubeGet<{ items: Array<{ metadata: { name: string }; spec: unknown }> }>(cluster, `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies`)).body.items.map((item) => ({ name: item.metadata.name, spec: item.spec }));
  const restoreCount = async () => (await kubeGet<{ items: unknown[] }>(cluster, restores)).body.items.length;
  const reclaimPolicy = async (volume: string) => (await kubeGet<{ spec: { persistentVolumeReclaimPolicy: string } }>(cluster, `/api/v1/persistentvolumes/${volume}`)).body.spec.persistentVolumeReclaimPolicy;

  it("restores without what faces the outside world, then removes the scratch namespaces and lets their volumes go", async (ctx) => {
    ctx.skip(!mirror, noMirror);
    const drill = veleroDrill(cluster, { namespace: "infra", timeoutMs: 120_000, pollMs: 200, keep: false });
    const restore = await drillRestore();
    // Velero's schema prunes fields it does not know: what is left is what Velero will obey.
    expect(restore.spec).toMatchObject({ backupName: "daily-1", includedNamespaces: ["wordpress", "mailu"], namespaceMapping: { wordpress: "drill-wordpress", mailu: "drill-mailu" }, restorePVs: true });
    expect(restore.spec.excludedResources).toEqual(drillExcludedResources);
    for (const kind of ["ingresses.networking.k8s.io", "ingressroutes.traefik.io", "ingressroutetcps.traefik.io", "certificates.cert-manager.io", "issuers.cert-manager.io", "cronjobs.batch", "jobs.batch", "services", "networkpolicies.networking.k8s.io"]) {
      expect(restore.spec.excludedResources).toContain(kind);
    }
    // The pods stay in: Velero restores file-system volumes through them, which the drill judges.
    for (const kind of ["pods", "deployments.apps", "statefulsets.apps", "persistentvolumeclaims", "persistentvolumes", "secrets", "configmaps"]) {
      expect(restore.spec.excludedResources).not.toContain(kind);
    }
    // Before the Restore exists, each scratch namespace is there, closed to all traffic in and
    // out (no rules), and no restored policy can add an allow (excluded above).
    for (const namespace of ["drill-wordpress", "drill-mailu"]) {
      expect(await policiesIn(namespace)).toEqual([{ name: "drill-deny-all", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }]);
    }
    await volumeIn("drill-wordpress", "pvc-drill-wordpress");
    expect((await kubeRequest(cluster, "PATCH", `${restores}/${restore.name}`, { status: { phase: "Completed", errors: 0, warnings: 1 } })).status).toBe(200);
    await expect(drill).resolves.toMatchObject({ backup: "daily-1", restore: restore.name, phase: "Completed", passed: true, warnings: 1 });
    expect(await deleted("drill-wordpress")).toBe(true);
    expect(await deleted("drill-mailu")).toBe(true);
    expect(await reclaimPolicy("pvc-drill-wordpress")).toBe("Delete");
  });

  it("removes the scratch namespaces when Velero does not finish in time, and says so", async (ctx) => {
    ctx.skip(!mirror, noMirror);
    await completedBackup("daily-2", ["n8n"], "2026-11-27T02:40:00Z");
    const drill = veleroDrill(cluster, { namespace: "infra", timeoutMs: 15_000, pollMs: 200, keep: false });
    const failure = expect(drill).rejects.toThrow(/did not finish within 15 s \(phase InProgress\)/);
    const restore = await drillRestore();
    await volumeIn("drill-n8n", "pvc-drill-n8n");
    expect((await kubeRequest(cluster, "PATCH", `${restores}/${restore.name}`, { status: { phase: "InProgress" } })).status).toBe(200);
    await failure;
    expect(await deleted("drill-n8n")).toBe(true);
    expect(await reclaimPolicy("pvc-drill-n8n")).toBe("Delete");
  });

  it("keeps the scratch namespaces and their volumes with --keep", async (ctx) => {
    ctx.skip(!mirror, noMirror);
    await completedBackup("daily-3", ["crm"], "2026-11-28T02:40:00Z");
    const drill = veleroDrill(cluster, { namespace: "infra", timeoutMs: 120_000, pollMs: 200, keep: true });
    const restore = await drillRestore();
    await volumeIn("drill-crm", "pvc-drill-crm");
    expect((await kubeRequest(cluster, "PATCH", `${restores}/${restore.name}`, { status: { phase: "PartiallyFailed", errors: 2 } })).status).toBe(200);
    await expect(drill).resolves.toMatchObject({ backup: "daily-3", phase: "PartiallyFailed", passed: false });
    expect(await deleted("drill-crm")).toBe(false);
    expect(await reclaimPolicy("pvc-drill-crm")).toBe("Retain");
  });

  it("refuses a scratch namespace that exists, kept or still terminating, creates no Restore and leaves it alone", async (ctx) => {
    ctx.skip(!mirror, noMirror);
    // drill-crm is the kept drill's above; drill-nextcloud comes first and is the drill's own.
    await completedBackup("daily-4", ["nextcloud", "crm"], "2026-11-29T02:40:00Z");
    const before = await restoreCount();
    await expect(veleroDrill(cluster, { namespace: "infra", backup: "daily-4", timeoutMs: 120_000, pollMs: 200, keep: true })).rejects.toMatchObject({
      message: "scratch namespace drill-crm exists already: the drill restores only into namespaces it creates",
      fix: expect.stringContaining("kubectl delete namespace drill-crm "),
    });
    expect(await deleted("drill-crm")).toBe(false);
    expect(await policiesIn("drill-crm")).toHaveLength(1);
    expect(await deleted("drill-nextcloud")).toBe(true);
    // A finalizer nobody removes holds a deleted namespace in Terminating for as long as the test needs.
    await completedBackup("daily-6", ["website"], "2026-12-01T02:40:00Z");
    const held = { apiVersion: "v1", kind: "Namespace", metadata: { name: "drill-website", finalizers: ["platform.test/hold"] } };
    expect((await kubeRequest(cluster, "POST", "/api/v1/namespaces", held)).status).toBe(201);
    expect((await kubeRequest(cluster, "DELETE", "/api/v1/namespaces/drill-website")).status).toBe(200);
    await expect(veleroDrill(cluster, { namespace: "infra", backup: "daily-6", timeoutMs: 120_000, pollMs: 200, keep: false })).rejects.toMatchObject({
      message: expect.stringMatching(/^scratch namespace drill-website exists already and is still being deleted: /),
      fix: "Wait until it is gone (kubectl get namespace drill-website), then run the drill again.",
    });
    expect(await restoreCount()).toBe(before);
    expect((await kubeRequest(cluster, "PATCH", "/api/v1/namespaces/drill-website", { metadata: { finalizers: null } })).status).toBe(200);
  });

  it("fails, naming what is left, when a scratch namespace cannot be deleted", async (ctx) => {
    ctx.skip(!mirror, noMirror);
    // A user who may run the drill but not delete namespaces: the API server answers 403.
    const rules = [
      { apiGroups: ["velero.io"], resources: ["backups", "restores", "podvolumerestores"], verbs: ["get", "list", "create"] },
      { apiGroups: [""], resources: ["persistentvolumes"], verbs: ["get", "list", "patch"] },
      { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "create"] },
      { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["create"] },
    ];
    const objects: Array<[string, unknown]> = [
      ["/api/v1/namespaces/infra/serviceaccounts", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "driller", namespace: "infra" } }],
      ["/apis/rbac.authorization.k8s.io/v1/clusterroles", { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "driller" }, rules }],
      ["/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "driller" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "driller" }, subjects: [{ kind: "ServiceAccount", name: "driller", namespace: "infra" }] }],
    ];
    for (const [path, object] of objects) expect((await kubeRequest(cluster, "POST", path, object)).status).toBe(201);
    const issued = await kubeRequest<{ status: { token: string } }>(cluster, "POST", "/api/v1/namespaces/infra/serviceaccounts/driller/token", { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } });
    const admin = parse(await readFile(cluster.kubeconfig, "utf8")) as { clusters: Array<{ cluster: Record<string, string> }> };
    const kubeconfig = join(await mkdtemp(join(tmpdir(), "kubeconfig-")), "config");
    await writeFile(
      kubeconfig,
      stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: "c", cluster: admin.clusters[0]!.cluster }], users: [{ name: "driller", user: { token: issued.body.status.token } }], contexts: [{ name: "driller", context: { cluster: "c", user: "driller" } }], "current-context": "driller" }),
      { mode: 0o600 },
    );

    await completedBackup("daily-5", ["staging"], "2026-11-30T02:40:00Z");
    const drill = veleroDrill({ kind: "kubeconfig", kubeconfig, context: "driller", stop: async () => {} }, { namespace: "infra", backup: "daily-5", timeoutMs: 120_000, pollMs: 200, keep: false });
    const failure = expect(drill).rejects.toThrow(/ended Completed \(drill passed\), but the scratch namespaces were not all removed: deleting namespace drill-staging: HTTP 403$/);
    const restore = await drillRestore();
    await volumeIn("drill-staging", "pvc-drill-staging");
    expect((await kubeRequest(cluster, "PATCH", `${restores}/${restore.name}`, { status: { phase: "Completed", errors: 0 } })).status).toBe(200);
    await failure;
    expect(await deleted("drill-staging")).toBe(false);
    expect(await reclaimPolicy("pvc-drill-staging")).toBe("Delete");
  });
});
