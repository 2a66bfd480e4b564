import { setTimeout as sleep } from "node:timers/promises";
import { kubeGet, kubeRequest, oneLine } from "./cluster/api.ts";
import type { Cluster } from "./cluster/index.ts";
import { PlatformError } from "./errors.ts";
import { detail, step } from "./progress.ts";

export interface DrillRequest {
  namespace: string;
  /** A Backup's name; default: the newest one that completed. */
  backup?: string;
  timeoutMs: number;
  pollMs: number;
  /** Keeps the scratch namespaces for inspection instead of deleting them. */
  keep: boolean;
}

export interface DrillResult {
  backup: string;
  restore: string;
  phase: string;
  passed: boolean;
  /** Source namespace → the scratch namespace it was restored into. */
  namespaces: Record<string, string>;
  volumes: { completed: number; failed: number };
  errors: number;
  warnings: number;
}

interface Backup {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { includedNamespaces?: string[] };
  status?: { phase?: string; completionTimestamp?: string };
}

interface Restore {
  status?: { phase?: string; errors?: number; warnings?: number; failureReason?: string };
}

const finished = new Set(["Completed", "PartiallyFailed", "Failed", "FailedValidation"]);
const velero = (namespace: string, resource: string) => `/apis/velero.io/v1/namespaces/${namespace}/${resource}`;

/** The newest Backup whose phase is Completed: a failed or partial one proves nothing. */
export function newestCompleted(backups: Backup[]): Backup | undefined {
  return backups
    .filter((backup) => backup.status?.phase === "Completed" && backup.status.completionTimestamp)
    .sort((a, b) => b.status!.completionTimestamp!.localeCompare(a.status!.completionTimestamp!))[0];
}

async function chooseBackup(cluster: Cluster, request: DrillRequest): Promise<Backup> {
  const { status, body } = await kubeGet<{ items?: Backup[] }>(cluster, velero(request.namespace, "backups"));
  if (status === 404) throw new PlatformError(`no Velero in namespace ${request.namespace}: the velero.io API is not served`, "Enable components.velero in k8s-config and apply, or pass --namespace.");
  const backups = body.items ?? [];
  if (request.backup) {
    const named = backups.find((backup) => backup.metadata.name === request.backup);
    if (!named) throw new PlatformError(`no Velero backup named ${request.backup} in ${request.namespace}`, "List them with `velero backup get`, or omit --backup for the newest completed one.");
    if (named.status?.phase !== "Completed") throw new PlatformError(`backup ${request.backup} is ${named.status?.phase ?? "not finished"}, not Completed`, "Drill a completed backup; a failed or partial one would not restore everything.");
    return named;
  }
  const newest = newestCompleted(backups);
  if (!newest) throw new PlatformError(`no completed Velero backup in ${request.namespace} (${backups.length} backups in other phases)`, "Check the schedules (`velero schedule get`) and the VeleroBackupFailed alert; the drill needs one completed backup.");
  return newest;
}

/**
 * What a drill leaves out of the restore: objects that act outside their namespace. Restored
 * next to the live ones they would route the live hostnames to the drill's pods (Ingresses,
 * Traefik routes), order duplicate certificates against Let's Encrypt's weekly limit
 * (cert-manager's kinds, external-dns endpoints), or run the apps' schedules on restored data,
 * such as a volume backup that uploads the old mail and moves `latest` (CronJobs, Jobs).
 * Services go too: Velero filters by kind, not by type, and a LoadBalancer Service would order
 * a load balancer. The drill judges Velero's outcome and the file-system volume restores, which
 * need the pods (Velero restores the data through them), not Services. NetworkPolicies (and
 * Cilium's, which DOKS enforces alongside them) go too: allow rules add up, so a restored one
 * would open a hole in the deny-all the drill puts in each scratch namespace (isolate).
 */
export const drillExcludedResources = [
  "ingresses.networking.k8s.io",
  "ingressroutes.traefik.io",
  "ingressroutetcps.traefik.io",
  "ingressrouteudps.traefik.io",
  "certificates.cert-manager.io",
  "certificaterequests.cert-manager.io",
  "issuers.cert-manager.io",
  "orders.acme.cert-manager.io",
  "challenges.acme.cert-manager.io",
  "dnsendpoints.externaldns.k8s.io",
  "cronjobs.batch",
  "jobs.batch",
  "services",
  "endpoints",
  "endpointslices.discovery.k8s.io",
  "networkpolicies.networking.k8s.io",
  "ciliumnetworkpolicies.cilium.io",
];

/**
 * Restores a Velero backup into scratch namespaces (drill-<namespace>) next to the live ones,
 * without what faces the outside world (drillExcludedResources), waits for Velero to finish,
 * and judges the result: the restore Completed with no errors and every file-system volume
 * restored. The scratch namespaces are the drill's own, created isolated before the restore
 * (isolate); it removes them at the end, also when the wait failed or timed out, and fails when
 * one cannot be removed. The live namespaces are never touched.
 */
export async function veleroDrill(cluster: Cluster, request: DrillRequest): Promise<DrillResult> {
  const backup = await chooseBackup(cluster, request);
  const sources = backup.spec?.includedNamespaces?.filter((namespace) => namespace !== "*") ?? [];
  if (sources.length === 0) throw new PlatformError(`backup ${backup.metadata.name} names no namespaces`, "Drill a backup of a schedule with includedNamespaces (the platform's schedules list the app namespaces).");
  const namespaces = scratchNamespaces(sources);
  const name = `drill-${backup.metadata.name}-${Date.now().toString(36)}`.slice(0, 63);
  const created: string[] = [];
  let restoring = false;
  let result: DrillResult;
  try {
    await isolate(cluster, Object.values(namespaces), created);
    step(`restoring Velero backup ${backup.metadata.name} into ${Object.values(namespaces).join(", ")} (restore ${name})`);
    const posted = await kubeRequest(cluster, "POST", velero(request.namespace, "restores"), {
      apiVersion: "velero.io/v1",
      kind: "Restore",
      metadata: { name, namespace: request.namespace, labels: { "platform/job": "velero-drill" } },
      spec: { backupName: backup.metadata.name, includedNamespaces: sources, namespaceMapping: namespaces, excludedResources: drillExcludedResources, restorePVs: true, existingResourcePolicy: "none" },
    });
    if (posted.status >= 300) throw new PlatformError(`the API server refused restore ${name} (HTTP ${posted.status})`, "Check that the Velero CRDs are installed and that your credentials may create velero.io Restores.");
    restoring = true;
    result = await judge(cluster, request, backup.metadata.name, name, namespaces);
  } catch (error) {
    // --keep is for inspecting a restore; before one exists there is nothing to inspect, and a
    // namespace left behind would make the next drill refuse.
    const left = request.keep && restoring ? [] : await removeScratch(cluster, created);
    if (left.length === 0) throw error;
    const [message, fix] = error instanceof PlatformError ? [error.message, `${error.fix} `] : [oneLine(error), ""];
    throw new PlatformError(`${message}; and the scratch namespaces were not all removed: ${left.join("; ")}`, `${fix}${removeByHand(created)}`, { cause: error });
  }
  const left = request.keep ? [] : await removeScratch(cluster, created);
  if (left.length > 0) {
    throw new PlatformError(`restore ${name} of ${backup.metadata.name} ended ${result.phase} (drill ${result.passed ? "passed" : "FAILED"}), but the scratch namespaces were not all removed: ${left.join("; ")}`, removeByHand(created));
  }
  return result;
}

/**
 * Source namespace → its scratch namespace. Names are cut to the 63 characters a namespace may
 * have, which could map two long sources onto one target and mix their restores: refused.
 */
function scratchNamespaces(sources: string[]): Record<string, string> {
  const namespaces: Record<string, string> = {};
  for (const source of sources) {
    const target = `drill-${source}`.slice(0, 63).replace(/-+$/, "");
    const clash = Object.keys(namespaces).find((other) => namespaces[other] === target);
    if (clash) throw new PlatformError(`namespaces ${clash} and ${source} would both be restored into scratch namespace ${target} (names are cut to 63 characters)`, "Drill a backup that includes only one of them, or shorten one namespace name.");
    namespaces[source] = target;
  }
  return namespaces;
}

/** Denies every pod of its namespace all traffic in and out: policies without rules allow nothing. */
const denyAll = (namespace: string) => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "drill-deny-all", namespace },
  spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
});

const mayIsolate = "The drill's user must be allowed to create namespaces and NetworkPolicies: use a context that is.";

/**
 * Creates the scratch namespaces, each with a deny-all NetworkPolicy, before Velero restores
 * into them: the restored pods run the apps' images with their restored Secrets, and must not
 * send a queued mail or fire a webhook. Velero's file-system restore (the node agent writing
 * into the volume, the restore-wait init container) needs no pod network. A namespace that
 * exists already, a kept drill's or one still terminating, is refused rather than reused: it
 * may hold policies that allow traffic, and removing it at the end would remove what the drill
 * did not make. `created` collects what was made, for the caller to remove.
 */
async function isolate(cluster: Cluster, namespaces: string[], created: string[]): Promise<void> {
  for (const namespace of namespaces) {
    const made = await kubeRequest(cluster, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: { "platform/job": "velero-drill" } } });
    if (made.status === 409) {
      const existing = await kubeGet<{ metadata?: { deletionTimestamp?: string } }>(cluster, `/api/v1/namespaces/${namespace}`).catch(() => undefined);
      const terminating = Boolean(existing?.body.metadata?.deletionTimestamp);
      throw new PlatformError(
        `scratch namespace ${namespace} exists already${terminating ? " and is still being deleted" : ""}: the drill restores only into namespaces it creates`,
        terminating ? `Wait until it is gone (kubectl get namespace ${namespace}), then run the drill again.` : `If it is a kept drill's (--keep) or a leftover, and you are done with it: ${removeByHand([namespace])} Then run the drill again.`,
      );
    }
    if (made.status >= 300) throw new PlatformError(`the API server refused to create scratch namespace ${namespace} (HTTP ${made.status})`, mayIsolate);
    created.push(namespace);
    const policy = await kubeRequest(cluster, "POST", `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies`, denyAll(namespace));
    if (policy.status >= 300) throw new PlatformError(`the API server refused the deny-all NetworkPolicy in scratch namespace ${namespace} (HTTP ${policy.status})`, mayIsolate);
  }
}

/** Waits for Velero to finish the restore, then reads its outcome. */
async function judge(cluster: Cluster, request: DrillRequest, backup: string, name: string, namespaces: Record<string, string>): Promise<DrillResult> {
  const deadline = Date.now() + request.timeoutMs;
  let restore: Restore = {};
  let reported = "";
  while (!finished.has(restore.status?.phase ?? "")) {
    if (Date.now() > deadline) {
      throw new PlatformError(
        `restore ${name} did not finish within ${Math.round(request.timeoutMs / 1000)} s (phase ${restore.status?.phase ?? "New"})`,
        `Check that the Velero server and node agents run (\`velero restore describe ${name}\`); raise --timeout for large volumes. Velero may still be restoring into the scratch namespaces: once it ends, delete any it recreated.`,
      );
    }
    await sleep(request.pollMs);
    restore = (await kubeGet<Restore>(cluster, `${velero(request.namespace, "restores")}/${name}`)).body;
    const phase = restore.status?.phase ?? "New";
    if (phase !== reported) detail(`restore ${name}: ${(reported = phase)}`);
  }

  const selector = encodeURIComponent(`velero.io/restore-name=${name}`);
  const volumes = (await kubeGet<{ items?: Array<{ status?: { phase?: string } }> }>(cluster, `${velero(request.namespace, "podvolumerestores")}?labelSelector=${selector}`)).body.items ?? [];
  const result: DrillResult = {
    backup,
    restore: name,
    phase: restore.status!.phase!,
    namespaces,
    volumes: { completed: volumes.filter((volume) => volume.status?.phase === "Completed").length, failed: volumes.filter((volume) => volume.status?.phase !== "Completed").length },
    errors: restore.status?.errors ?? 0,
    warnings: restore.status?.warnings ?? 0,
    passed: false,
  };
  result.passed = result.phase === "Completed" && result.errors === 0 && result.volumes.failed === 0;
  return result;
}

const removeByHand = (namespaces: string[]) => `Remove them by hand: kubectl delete namespace ${namespaces.join(" ")} (set the reclaim policy of their volumes to Delete first, or the block storage volumes stay and are billed).`;

interface PersistentVolumes {
  items?: Array<{ metadata: { name: string }; spec?: { persistentVolumeReclaimPolicy?: string; claimRef?: { namespace?: string } } }>;
}

/**
 * Deletes the scratch namespaces. Their volumes come from the retaining storage class, so each
 * one's reclaim policy is set to Delete first: otherwise every drill would leave its restored
 * block storage volumes behind, billed. Returns what could not be done (empty: all of it); a
 * namespace that is already gone counts as removed.
 */
async function removeScratch(cluster: Cluster, namespaces: string[]): Promise<string[]> {
  const left: string[] = [];
  if (namespaces.length === 0) return left;
  const attempt = async <T>(what: string, call: () => Promise<{ status: number; body: T }>, gone = false) => {
    const answer = await call().catch((error: unknown) => ({ status: 0, body: String(error) as T }));
    const ok = (answer.status >= 200 && answer.status < 300) || (gone && answer.status === 404);
    if (!ok) left.push(`${what}: ${answer.status ? `HTTP ${answer.status}` : String(answer.body)}`);
    return ok ? answer.body : undefined;
  };
  const volumes = await attempt("listing the volumes of the scratch namespaces", () => kubeGet<PersistentVolumes>(cluster, "/api/v1/persistentvolumes"));
  for (const volume of volumes?.items ?? []) {
    if (!namespaces.includes(volume.spec?.claimRef?.namespace ?? "") || volume.spec?.persistentVolumeReclaimPolicy === "Delete") continue;
    await attempt(`setting the reclaim policy of volume ${volume.metadata.name} to Delete`, () => kubeRequest(cluster, "PATCH", `/api/v1/persistentvolumes/${volume.metadata.name}`, { spec: { persistentVolumeReclaimPolicy: "Delete" } }), true);
  }
  for (const namespace of namespaces) await attempt(`deleting namespace ${namespace}`, () => kubeRequest(cluster, "DELETE", `/api/v1/namespaces/${namespace}`), true);
  return left;
}
