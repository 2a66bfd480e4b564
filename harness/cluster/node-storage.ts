import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { kubeGet, kubeRequest, oneLine } from "./api.ts";
import { doStorageClasses } from "./node-config.ts";

/**
 * The node's volumes: a provisioner in the harness binds each claim of a DigitalOcean class name
 * to a `local` volume on a folder inside the node's folder (kubelet applies fsGroup to `local`
 * volumes as it does to block volumes), so stateful sets bind their claims unchanged. It replaces
 * a provisioner binary (and its half-hour cold build) by one API loop: the node has one disk
 * and one node, so there is nothing to choose.
 */
export const nodeProvisionerName = "doks-platform.local/node-folder";

interface Claim {
  metadata: { name: string; namespace: string; uid: string; annotations?: Record<string, string> };
  spec: { storageClassName?: string; accessModes?: string[]; volumeMode?: string; resources?: { requests?: { storage?: string } } };
  status?: { phase?: string };
}
interface Volume {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { persistentVolumeReclaimPolicy?: string; local?: { path: string } };
  status?: { phase?: string };
}

/** The StorageClasses a DOKS cluster has, served by this provisioner. */
export function storageClassObjects(): Array<{ path: string; body: Record<string, unknown> }> {
  return doStorageClasses.map((storageClass) => ({
    path: "/apis/storage.k8s.io/v1/storageclasses",
    body: {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: storageClass.name, ...(storageClass.default ? { annotations: { "storageclass.kubernetes.io/is-default-class": "true" } } : {}) },
      provisioner: nodeProvisionerName,
      reclaimPolicy: storageClass.reclaimPolicy,
      volumeBindingMode: "WaitForFirstConsumer",
    },
  }));
}

/** The volume for a claim the scheduler has placed on this node, bound to that claim alone. */
export function volumeFor(claim: Claim, nodeName: string, path: string): Record<string, unknown> {
  const storageClass = doStorageClasses.find((candidate) => candidate.name === claim.spec.storageClassName)!;
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: `pvc-${claim.metadata.uid}`, annotations: { "pv.kubernetes.io/provisioned-by": nodeProvisionerName } },
    spec: {
      capacity: { storage: claim.spec.resources?.requests?.storage ?? "1Gi" },
      accessModes: claim.spec.accessModes ?? ["ReadWriteOnce"],
      volumeMode: claim.spec.volumeMode ?? "Filesystem",
      persistentVolumeReclaimPolicy: storageClass.reclaimPolicy,
      storageClassName: storageClass.name,
      claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid },
      local: { path },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [nodeName] }] }] } },
    },
  };
}

export interface NodeProvisioner {
  /** The last error the loop met, for a claim that stays pending. */
  lastError(): string | undefined;
  stop(): Promise<void>;
}

/** Provisions and (for the Delete classes) removes volumes until stopped. */
export function startProvisioner(cluster: { kubeconfig: string; context: string }, nodeName: string, volumesDir: string): NodeProvisioner {
  const classes = new Set<string>(doStorageClasses.map((storageClass) => storageClass.name));
  let stopped = false;
  let last: string | undefined;

  const provision = async () => {
    const claims = await kubeGet<{ items: Claim[] }>(cluster, "/api/v1/persistentvolumeclaims");
    for (const claim of claims.body.items ?? []) {
      const placed = claim.metadata.annotations?.["volume.kubernetes.io/selected-node"];
      if (claim.status?.phase !== "Pending" || !classes.has(claim.spec.storageClassName ?? "") || placed !== nodeName) continue;
      const path = join(volumesDir, `${claim.metadata.namespace}-${claim.metadata.name}-${claim.metadata.uid.slice(0, 8)}`);
      // World-writable like a fresh block volume's root after fsGroup: the databases run as 999.
      await mkdir(path, { recursive: true, mode: 0o777 });
      const created = await kubeRequest(cluster, "POST", "/api/v1/persistentvolumes", volumeFor(claim, nodeName, path));
      if (created.status !== 201 && created.status !== 409) throw new Error(`creating the volume of ${claim.metadata.namespace}/${claim.metadata.name}: HTTP ${created.status}`);
    }
    const volumes = await kubeGet<{ items: Volume[] }>(cluster, "/api/v1/persistentvolumes");
    for (const volume of volumes.body.items ?? []) {
      if (volume.metadata.annotations?.["pv.kubernetes.io/provisioned-by"] !== nodeProvisionerName) continue;
      if (volume.status?.phase !== "Released" || volume.spec.persistentVolumeReclaimPolicy !== "Delete") continue;
      if (volume.spec.local?.path.startsWith(`${volumesDir}/`)) await rm(volume.spec.local.path, { recursive: true, force: true });
      await kubeRequest(cluster, "DELETE", `/api/v1/persistentvolumes/${volume.metadata.name}`);
    }
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        await provision();
        last = undefined;
      } catch (error) {
        last = oneLine(error);
      }
      await sleep(500);
    }
  })();

  return {
    lastError: () => last,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
