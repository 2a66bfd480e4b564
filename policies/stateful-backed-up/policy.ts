import { scheduleFires } from "../../harness/policy/cron.ts";
import type { Workload } from "../../harness/policy/facts.ts";
import { defineRule, type Violation } from "../../harness/policy/types.ts";

// The Spaces bucket and endpoint a backup job writes to: without both it is not going to Spaces.
const spacesEnv = ["S3_BUCKET", "S3_ENDPOINT"];

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const writesToSpaces = (job: Workload) => job.containers.some((c) => spacesEnv.every((name) => c.env[name]));

// Spaces bucket names the platform uses for backups (see policies/README.md).
const isBackupBucket = (name: string) => name.includes("backup") || name.endsWith("-velero");
// An enabled rule that expires objects by age. A delete-marker-only expiration deletes nothing;
// an expiration by date deletes every backup at once on that day, then keeps nothing.
const expiresByAge = (rule: unknown) => obj(rule).enabled === true && list(obj(rule).expiration).some((e) => Number(obj(e).days) > 0);
const expiresByDate = (rule: unknown) => obj(rule).enabled === true && list(obj(rule).expiration).some((e) => typeof obj(e).date === "string" && obj(e).date !== "");

/** Why a CronJob cannot count as a scheduled job, or undefined when it runs. */
function notRunning(job: Workload): string | undefined {
  if (job.suspend) return `CronJob ${job.name} is suspended`;
  const verdict = scheduleFires(job.schedule ?? "");
  return verdict.fires ? undefined : `CronJob ${job.name} never runs: ${verdict.reason}`;
}

function databaseViolations(database: Workload, cronJobs: Workload[]): Violation[] {
  const what = `database ${database.kind} ${database.namespace}/${database.name}`;
  const named = cronJobs.filter((job) => job.namespace === database.namespace && job.labels["platform/backup-of"] === database.name);
  const idle = named.map(notRunning).filter((reason): reason is string => reason !== undefined);
  const jobs = named.filter((job) => notRunning(job) === undefined);
  const backups = jobs.filter((job) => job.labels["platform/job"] === "backup");
  const labels = (job: string) => `platform/job=${job} and platform/backup-of=${database.name}`;
  const idleNote = idle.length > 0 ? ` (${idle.join("; ")})` : "";
  const violations: Violation[] = [];
  if (backups.length === 0) {
    violations.push({
      address: database.address,
      path: database.path || "metadata[0]",
      message: `${what} has no running backup CronJob (${labels("backup")}) in namespace ${database.namespace}${idleNote}`,
      fix: `Add a CronJob in ${database.namespace} labelled ${labels("backup")} that dumps the database and uploads it to the backups bucket in Spaces (env S3_BUCKET and S3_ENDPOINT).`,
    });
  } else if (!backups.some(writesToSpaces)) {
    violations.push({
      address: database.address,
      path: database.path || "metadata[0]",
      message: `${what} is backed up by CronJob ${backups.map((job) => job.name).join(", ")}, but none of its containers sets both S3_BUCKET and S3_ENDPOINT, so nothing shows the backup reaches Spaces`,
      fix: "Set env S3_BUCKET (the backups bucket) and S3_ENDPOINT (https://<region>.digitaloceanspaces.com) as literal values on the container that uploads the dump.",
    });
  }
  if (!jobs.some((job) => job.labels["platform/job"] === "restore-test")) {
    violations.push({
      address: database.address,
      path: database.path || "metadata[0]",
      message: `${what} has no running restore-test CronJob (${labels("restore-test")}) in namespace ${database.namespace}${idleNote}`,
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
    const violations = input.facts.workloads.filter((w) => w.database).flatMap((database) => databaseViolations(database, cronJobs));

    // Resources being destroyed are on their way out; judging them would block their removal.
    const buckets = input.resources.filter((r) => r.type === "digitalocean_spaces_bucket" && !(r.actions.length === 1 && r.actions[0] === "delete"));
    for (const bucket of buckets) {
      const name = String(bucket.values.name ?? "");
      if (!isBackupBucket(name)) continue;
      const rules = list(bucket.values.lifecycle_rule);
      const byDate = rules.findIndex(expiresByDate);
      if (byDate >= 0) {
        violations.push({
          address: bucket.address,
          path: `lifecycle_rule[${byDate}].expiration`,
          message: `Spaces bucket "${name}" expires its backups on a fixed date: on that day every backup goes at once, and none is kept after`,
          fix: "Expire by age: lifecycle_rule { enabled = true, expiration { days = 30 } } (the retention the owner agreed), never by date.",
        });
        continue;
      }
      if (rules.some(expiresByAge)) continue;
      violations.push({
        address: bucket.address,
        path: "lifecycle_rule",
        message: `Spaces bucket "${name}" holds backups but has no enabled lifecycle_rule with an expiration, so old backups are kept (and paid for) forever`,
        fix: "Add lifecycle_rule { enabled = true, expiration { days = 30 } } (the retention the owner agreed), so old backups expire.",
      });
    }
    return violations;
  },
});
