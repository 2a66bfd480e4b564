import type { Claim, Container, Workload } from "../../harness/policy/facts.ts";
import { defineRule, type Violation } from "../../harness/policy/types.ts";

/**
 * An allow-list, not a deny-list: state lives on DigitalOcean block storage through its CSI
 * driver and the classes DOKS installs for it, database volumes on a class that retains the
 * volume when the claim goes. Anything else (another driver, an inline CSI volume, a pre-bound
 * PersistentVolume of another source, NFS, a bucket mounted as a filesystem) is refused.
 */
const blockProvisioner = "dobs.csi.digitalocean.com";
const doBlockClasses = new Set(["do-block-storage", "do-block-storage-retain", "do-block-storage-xfs", "do-block-storage-xfs-retain"]);
const retainClasses = new Set(["do-block-storage-retain", "do-block-storage-xfs-retain"]);
// Pod volume sources that hold no state of their own (or are claims, judged as claims).
const podVolumeTypes = new Set(["persistentVolumeClaim", "ephemeral", "emptyDir", "configMap", "secret", "projected", "downwardAPI", "hostPath"]);

// FUSE clients that mount a bucket. rclone counts only with its mount subcommands, because
// rclone copy/sync is how backups legitimately reach Spaces.
const mountClient = /\b(s3fs|goofys|geesefs|mount-s3|mountpoint-s3|juicefs|s3backer|rclone-mount)\b/i;
const rcloneMount = (text: string, command: string) => /\brclone\b/i.test(text) && /(^|\s)(nfs)?mount(\s|$)/.test(command);

const claimName = (claim: Claim) =>
  claim.source === "volumeClaimTemplate" ? `StatefulSet ${claim.namespace}/${claim.owner} volume claim template "${claim.name}"` : claim.source === "ephemeral" ? `ephemeral volume "${claim.name}" of ${claim.namespace}/${claim.owner}` : `PersistentVolumeClaim ${claim.namespace}/${claim.name}`;

interface Classes {
  /** Classes the plan creates: name -> provisioner and reclaim policy. */
  planned: Map<string, { provisioner: string; reclaimPolicy?: string }>;
}

const isBlockClass = (name: string, classes: Classes) => {
  const planned = classes.planned.get(name);
  return planned ? planned.provisioner === blockProvisioner : doBlockClasses.has(name);
};
const retains = (name: string, classes: Classes) => {
  const planned = classes.planned.get(name);
  return planned ? planned.provisioner === blockProvisioner && planned.reclaimPolicy === "Retain" : retainClasses.has(name);
};

function claimViolations(claim: Claim, classes: Classes, databaseClaims: Set<string>, volumes: Map<string, { type: string; driver?: string }>): Violation[] {
  const violations: Violation[] = [];
  const what = claimName(claim);
  const at = { address: claim.address, path: claim.path };
  const classFix = "Set storage_class_name to do-block-storage-retain (or another do-block-storage* class); files that are objects belong in Spaces, reached through the S3 API.";
  if (claim.volumeName !== undefined) {
    const volume = volumes.get(claim.volumeName);
    if (!volume) violations.push({ ...at, message: `${what} is pre-bound to PersistentVolume "${claim.volumeName}", which this plan does not declare, so its storage cannot be checked`, fix: "Let the claim be provisioned by a do-block-storage* class (drop volume_name), or declare the PersistentVolume in the same configuration." });
  } else if (claim.storageClass === undefined) {
    violations.push({ ...at, message: `${what} names no storage class, so it gets whatever the cluster default is`, fix: classFix });
  } else if (claim.storageClass === "") {
    violations.push({ ...at, message: `${what} sets an empty storage class, which binds it to any pre-provisioned PersistentVolume`, fix: classFix });
  } else if (!isBlockClass(claim.storageClass, classes)) {
    violations.push({ ...at, message: `${what} uses storage class "${claim.storageClass}", which is not DigitalOcean block storage`, fix: classFix });
  } else if (databaseClaims.has(`${claim.address}#${claim.name}`) && !retains(claim.storageClass, classes)) {
    violations.push({ ...at, message: `${what} holds a database and uses "${claim.storageClass}", which deletes the volume with its claim`, fix: "Use do-block-storage-retain (or do-block-storage-xfs-retain) for database volumes, so deleting the claim never deletes the data." });
  }
  if (claim.accessModes.length !== 1 || claim.accessModes[0] !== "ReadWriteOnce") {
    violations.push({
      ...at,
      message: `${what} requests access modes [${claim.accessModes.join(", ")}]; a block volume attaches to one node`,
      fix: 'Set access_modes = ["ReadWriteOnce"]; data several pods must share goes to Spaces through the S3 API, not a shared volume.',
    });
  }
  return violations;
}

function mountViolation(workload: Workload, container: Container): Violation | undefined {
  const command = [...container.command, ...container.args].join(" ");
  const text = `${container.image} ${command}`;
  if (!mountClient.test(text) && !rcloneMount(text, command)) return undefined;
  return {
    address: workload.address,
    path: container.path,
    message: `${workload.kind} ${workload.namespace}/${workload.name} container "${container.name}" mounts Spaces as a filesystem (image "${container.image}"${command ? `, command "${command}"` : ""})`,
    fix: "Remove the FUSE mount and have the application use Spaces through its S3 API (endpoint https://<region>.digitaloceanspaces.com); keep files it needs as a filesystem on a do-block-storage volume.",
  };
}

export default defineRule({
  id: "storage-separation",
  title: "State on block storage, objects on Spaces through the S3 API",
  severity: "error",
  evaluate(input) {
    const { claims, storageClasses, workloads, persistentVolumes } = input.facts;
    const classes: Classes = { planned: new Map(storageClasses.map((sc) => [sc.name, { provisioner: sc.provisioner, ...(sc.reclaimPolicy ? { reclaimPolicy: sc.reclaimPolicy } : {}) }])) };
    // Claims a database server mounts: its claim templates, and the PVCs its pod names.
    const databaseClaims = new Set<string>();
    const claimByName = new Map(claims.filter((c) => c.source === "persistentVolumeClaim").map((c) => [`${c.namespace}/${c.name}`, c]));
    for (const workload of workloads.filter((w) => w.database)) {
      for (const claim of workload.claims) databaseClaims.add(`${claim.address}#${claim.name}`);
      for (const volume of workload.volumes.filter((v) => v.type === "persistentVolumeClaim")) {
        const claim = claimByName.get(`${workload.namespace}/${volume.claimName}`);
        if (claim) databaseClaims.add(`${claim.address}#${claim.name}`);
      }
    }
    const volumes = new Map(persistentVolumes.map((pv) => [pv.name, pv]));
    const violations = claims.flatMap((claim) => claimViolations(claim, classes, databaseClaims, volumes));

    for (const storageClass of storageClasses.filter((sc) => sc.provisioner !== blockProvisioner)) {
      violations.push({
        address: storageClass.address,
        path: storageClass.path,
        message: `StorageClass "${storageClass.name}" uses provisioner ${storageClass.provisioner || "(none)"}; only DigitalOcean block storage (${blockProvisioner}) may hold state`,
        fix: `Delete the StorageClass; volumes come from ${blockProvisioner} (do-block-storage*), and buckets are used through the S3 API.`,
      });
    }

    for (const volume of persistentVolumes) {
      const block = volume.type === "csi" && volume.driver === blockProvisioner;
      if (block && (volume.storageClass === undefined || isBlockClass(volume.storageClass, classes))) continue;
      violations.push({
        address: volume.address,
        path: volume.path,
        message: block
          ? `PersistentVolume "${volume.name}" is a block volume on storage class "${volume.storageClass}", which is not DigitalOcean block storage`
          : `PersistentVolume "${volume.name}" is a ${volume.type}${volume.driver ? ` volume of CSI driver ${volume.driver}` : " volume"}, not DigitalOcean block storage`,
        fix: "Delete the PersistentVolume; claim a do-block-storage* volume for filesystem data and use buckets through the S3 API.",
      });
    }

    for (const workload of workloads) {
      for (const volume of workload.volumes.filter((v) => !podVolumeTypes.has(v.type))) {
        violations.push({
          address: workload.address,
          path: volume.path,
          message: `${workload.kind} ${workload.namespace}/${workload.name} mounts volume "${volume.name}" straight from ${volume.type}${volume.driver ? ` (driver ${volume.driver})` : ""}, not through a claim on DigitalOcean block storage`,
          fix: "Replace the inline volume with a PersistentVolumeClaim on a do-block-storage* class (or an emptyDir for scratch space); objects go to Spaces through the S3 API.",
        });
      }
      for (const container of workload.containers) {
        const violation = mountViolation(workload, container);
        if (violation) violations.push(violation);
      }
    }
    return violations;
  },
});
