import type { PlannedResource } from "../../harness/plan.ts";
import type { Claim, Container, Workload } from "../../harness/policy/facts.ts";
import { defineRule, type Violation } from "../../harness/policy/types.ts";

// DigitalOcean's block storage CSI driver, and the classes DOKS installs for it.
const blockProvisioner = "dobs.csi.digitalocean.com";
const doBlockClasses = new Set(["do-block-storage", "do-block-storage-retain", "do-block-storage-xfs", "do-block-storage-xfs-retain"]);

// Drivers that present a bucket as a volume: csi-s3 (ru.yandex.s3.csi, ch.ctrox.csi.s3-driver),
// Mountpoint (s3.csi.aws.com), JuiceFS, csi-rclone, and any FUSE-based one.
const bucketDriver = /s3|fuse|juicefs|rclone/i;

// FUSE clients that mount a bucket. rclone counts only with its mount subcommands, because
// rclone copy/sync is how backups legitimately reach Spaces.
const mountClient = /\b(s3fs|goofys|geesefs|mount-s3|mountpoint-s3)\b/i;
const rcloneMount = (text: string, command: string) => /\brclone\b/i.test(text) && /(^|\s)(nfs)?mount(\s|$)/.test(command);

type Json = Record<string, unknown>;
const first = (value: unknown): Json => ((Array.isArray(value) ? value[0] : value) ?? {}) as Json;

function* containersIn(value: unknown): Generator<Json> {
  if (Array.isArray(value)) for (const item of value) yield* containersIn(item);
  else if (value && typeof value === "object") {
    const object = value as Json;
    if (typeof object.name === "string" && typeof object.image === "string") yield object;
    else for (const item of Object.values(object)) yield* containersIn(item);
  }
}

const words = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** command + args of every container a kubernetes_* resource declares, by address and container name (facts keep neither). */
function commandsOf(resources: PlannedResource[]): Map<string, Map<string, string>> {
  return new Map(
    resources
      .filter((r) => r.type.startsWith("kubernetes_"))
      .map((r) => [r.address, new Map([...containersIn(r.values)].map((c) => [String(c.name), [...words(c.command), ...words(c.args)].join(" ")]))]),
  );
}

const claimName = (claim: Claim) => (claim.owner ? `StatefulSet ${claim.namespace}/${claim.owner} volume claim template "${claim.name}"` : `PersistentVolumeClaim ${claim.namespace}/${claim.name}`);

function claimViolations(claim: Claim, plannedClasses: Map<string, string>): Violation[] {
  const violations: Violation[] = [];
  const what = claimName(claim);
  const classFix = "Set storage_class_name to do-block-storage-retain (or another do-block-storage* class); files that are objects belong in Spaces, reached through the S3 API.";
  if (claim.storageClass === undefined) {
    violations.push({ address: claim.address, message: `${what} names no storage class, so it gets whatever the cluster default is`, fix: classFix });
  } else {
    // A class created in the plan is judged by its provisioner, even if it reuses a DigitalOcean name.
    const provisioner = plannedClasses.get(claim.storageClass);
    const block = provisioner === undefined ? doBlockClasses.has(claim.storageClass) : provisioner === blockProvisioner;
    if (!block) violations.push({ address: claim.address, message: `${what} uses storage class "${claim.storageClass}", which is not DigitalOcean block storage`, fix: classFix });
  }
  if (claim.accessModes.length !== 1 || claim.accessModes[0] !== "ReadWriteOnce") {
    violations.push({
      address: claim.address,
      message: `${what} requests access modes [${claim.accessModes.join(", ")}]; a block volume attaches to one node`,
      fix: 'Set access_modes = ["ReadWriteOnce"]; data several pods must share goes to Spaces through the S3 API, not a shared volume.',
    });
  }
  return violations;
}

function mountViolation(workload: Workload, container: Container, command: string): Violation | undefined {
  const text = `${container.image} ${command}`;
  if (!mountClient.test(text) && !rcloneMount(text, command)) return undefined;
  return {
    address: workload.address,
    message: `${workload.kind} ${workload.namespace}/${workload.name} container "${container.name}" mounts Spaces as a filesystem (image "${container.image}"${command ? `, command "${command}"` : ""})`,
    fix: "Remove the FUSE mount and have the application use Spaces through its S3 API (endpoint https://<region>.digitaloceanspaces.com); keep files it needs as a filesystem on a do-block-storage volume.",
  };
}

export default defineRule({
  id: "storage-separation",
  title: "State on block storage, objects on Spaces through the S3 API",
  severity: "error",
  evaluate(input) {
    const { claims, storageClasses, workloads } = input.facts;
    const plannedClasses = new Map(storageClasses.map((storageClass) => [storageClass.name, storageClass.provisioner]));
    const violations = claims.flatMap((claim) => claimViolations(claim, plannedClasses));

    for (const storageClass of storageClasses.filter((sc) => bucketDriver.test(sc.provisioner))) {
      violations.push({
        address: storageClass.address,
        message: `StorageClass "${storageClass.name}" uses provisioner ${storageClass.provisioner}, which mounts object storage as a volume`,
        fix: `Delete the StorageClass; volumes come from ${blockProvisioner} (do-block-storage*), and buckets are used through the S3 API.`,
      });
    }

    // Resources being destroyed are on their way out; judging them would block their removal.
    const planned = input.resources.filter((r) => !(r.actions.length === 1 && r.actions[0] === "delete"));
    for (const volume of planned.filter((r) => r.type === "kubernetes_persistent_volume_v1")) {
      const driver = String(first(first(first(volume.values.spec).persistent_volume_source).csi).driver ?? "");
      if (bucketDriver.test(driver)) {
        violations.push({
          address: volume.address,
          message: `PersistentVolume "${String(first(volume.values.metadata).name)}" uses CSI driver ${driver}, which mounts object storage as a volume`,
          fix: "Delete the PersistentVolume; claim a do-block-storage volume for filesystem data and use the bucket through the S3 API.",
        });
      }
    }

    const commands = commandsOf(planned);
    for (const workload of workloads) {
      for (const container of workload.containers) {
        const violation = mountViolation(workload, container, commands.get(workload.address)?.get(container.name) ?? "");
        if (violation) violations.push(violation);
      }
    }
    return violations;
  },
});
