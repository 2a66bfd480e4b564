import type { Workload } from "../../harness/policy/facts.ts";
import { defineRule, type Violation } from "../../harness/policy/types.ts";

const databaseImages = new Set(["postgres", "mariadb", "mysql"]);
// The Spaces bucket and endpoint a backup job writes to: without both it is not going to Spaces.
const spacesEnv = ["S3_BUCKET", "S3_ENDPOINT"];

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** registry/path/name:tag@digest -> name */
const repositoryName = (image: string) => image.split("@")[0]!.split("/").pop()!.split(":")[0]!.toLowerCase();

const isDatabase = (workload: Workload) =>
  workload.kind === "StatefulSet" && (workload.labels["platform/database-engine"] !== undefined || workload.containers.some((c) => !c.init && databaseImages.has(repositoryName(c.image))));
const writesToSpaces = (job: Workload) => job.containers.some((c) => spacesEnv.every((name) => c.env[name]));

// Spaces bucket names the platform uses for backups (see policies/README.md).
const isBackupBucket = (name: string) => name.includes("backup") || name.endsWith("-velero");
// An enabled rule that expires current objects; a delete-marker-only expiration deletes nothing.
const expiresObjects = (rule: unknown) => obj(rule).enabled === true && list(obj(rule).expiration).some((e) => Number(obj(e).days) > 0 || Boolean(obj(e).date));

function databaseViolations(database: Workload, cronJobs: Workload[]): Violation[] {
  const what = `database StatefulSet ${database.namespace}/${database.name}`;
  const jobs = cronJobs.filter((job) => job.namespace === database.namespace && job.labels["platform/backup-of"] === database.name);
  const backups = jobs.filter((job) => job.labels["platform/job"] === "backup");
  const labels = (job: string) => `platform/job=${job} and platform/backup-of=${database.name}`;
  const violations: Violation[] = [];
  if (backups.length === 0) {
    violations.push({
      address: database.address,
      message: `${what} has no backup CronJob (${labels("backup")}) in namespace ${database.namespace}`,
      fix: `Add a CronJob in ${database.namespace} labelled ${labels("backup")} that dumps the database and uploads it to the backups bucket in Spaces (env S3_BUCKET and S3_ENDPOINT).`,
    });
  } else if (!backups.some(writesToSpaces)) {
    violations.push({
      address: database.address,
      message: `${what} is backed up by CronJob ${backups.map((job) => job.name).join(", ")}, but none of its containers sets both S3_BUCKET and S3_ENDPOINT, so nothing shows the backup reaches Spaces`,
      fix: "Set env S3_BUCKET (the backups bucket) and S3_ENDPOINT (https://<region>.digitaloceanspaces.com) as literal values on the container that uploads the dump.",
    });
  }
  if (!jobs.some((job) => job.labels["platform/job"] === "restore-test")) {
    violations.push({
      address: database.address,
      message: `${what} has no restore-test CronJob (${labels("restore-test")}) in namespace ${database.namespace}`,
      fix: `Add a CronJob in ${database.namespace} labelled ${labels("restore-test")} that restores the latest backup into a scratch database and checks it, so a backup that cannot be restored fails loudly.`,
    });
  }
  return violations;
}

export default defineRule({
  id: "stateful-backed-up",
  title: "Every database is backed up to Spaces and restore-tested",
  severity: "error",
  evaluate(input) {
    const cronJobs = input.facts.workloads.filter((w) => w.kind === "CronJob");
    const violations = input.facts.workloads.filter(isDatabase).flatMap((database) => databaseViolations(database, cronJobs));

    // Resources being destroyed are on their way out; judging them would block their removal.
    const buckets = input.resources.filter((r) => r.type === "digitalocean_spaces_bucket" && !(r.actions.length === 1 && r.actions[0] === "delete"));
    for (const bucket of buckets) {
      const name = String(bucket.values.name ?? "");
      if (!isBackupBucket(name) || list(bucket.values.lifecycle_rule).some(expiresObjects)) continue;
      violations.push({
        address: bucket.address,
        message: `Spaces bucket "${name}" holds backups but has no enabled lifecycle_rule with an expiration, so old backups are kept (and paid for) forever`,
        fix: "Add lifecycle_rule { enabled = true, expiration { days = 30 } } (the retention the owner agreed), so old backups expire.",
      });
    }
    return violations;
  },
});
