import type { V1Container, V1EnvVar } from "@kubernetes/client-node";
import { z } from "zod";
import type { Cluster } from "./cluster/index.ts";
import { confirmByTyping } from "./confirm.ts";
import { PlatformError } from "./errors.ts";
import { createJob, followJob, jobFromCronJob, listCronJobs, withEnv, type JobOutcome } from "./jobs.ts";
import { step } from "./progress.ts";

export interface RestoreRequest {
  database: string;
  /** A backup id (its timestamp key); the latest when omitted. */
  backup?: string;
  mode: "scratch" | "in-place";
  /** Skips the interactive confirmation of an in-place restore. */
  yes: boolean;
  namespace: string;
  /** Waits for the Job's final condition (not on a control plane without nodes). */
  wait: boolean;
  pollMs?: number;
}

// What the data module puts on each restore-test CronJob for in-place restores: the live
// server's client settings as its superuser, which the scheduled runs never carry.
const inPlaceEnv = z.object({
  env: z.record(z.string(), z.string()),
  secret_env: z.record(z.string(), z.object({ secret: z.string(), key: z.string() })),
});

function inPlaceVariables(annotation: string | undefined, database: string): V1EnvVar[] {
  if (!annotation) throw new PlatformError(`the restore-test CronJob of ${database} has no platform/in-place-env annotation`, "Apply the current data module (it adds it), then retry.");
  const parsed = inPlaceEnv.parse(JSON.parse(annotation));
  return [
    ...Object.entries(parsed.env).map(([name, value]) => ({ name, value })),
    ...Object.entries(parsed.secret_env).map(([name, ref]) => ({ name, valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } } })),
  ];
}

/**
 * Restores a chosen backup of a chosen database by running the restore-test CronJob's own pod
 * template as a one-off Job, with the backup and the mode overridden: the same scripts, images
 * and credentials the scheduled restore tests prove every week. Scratch restores go into a
 * throwaway server inside the Job; in place, the restore step also gets the live server's
 * superuser settings, restores beside the live database and swaps it in once verified.
 */
export async function restoreDatabase(cluster: Cluster, request: RestoreRequest): Promise<string> {
  const [cronJob] = await listCronJobs(cluster, request.namespace, "restore-test", request.database);
  if (!cronJob) {
    throw new PlatformError(`no restore-test CronJob for database ${request.database} in namespace ${request.namespace}`, "Check the database name (a key of the data module's `databases`) and that its backups are enabled.");
  }
  const live = request.mode === "in-place" ? inPlaceVariables(cronJob.metadata?.annotations?.["platform/in-place-env"], request.database) : [];
  if (request.mode === "in-place" && !request.yes) {
    await confirmByTyping(`This replaces the live database ${request.database} with the backup (the current one is kept until the restored copy is verified and swapped in).`, request.database, `an in-place restore of ${request.database}`, "--yes");
  }

  const overrides: V1EnvVar[] = [{ name: "RESTORE_MODE", value: request.mode }, ...(request.backup ? [{ name: "BACKUP_ID", value: request.backup }] : [])];
  const name = `restore-${request.database.replaceAll("_", "-")}-${Date.now().toString(36)}`.slice(0, 63);
  const adjust = (container: V1Container, init: boolean) => withEnv(container, init ? overrides : [...overrides, ...live]);
  const job = jobFromCronJob(cronJob, name, { "platform/job": "restore", "platform/restore-mode": request.mode }, adjust);
  await createJob(cluster, job);
  step(`restore Job ${name} created (${request.mode}, backup ${request.backup ?? "latest"})`);
  if (!request.wait) return name;

  const outcome = await followJob(cluster, request.namespace, name, { ...(request.pollMs ? { pollMs: request.pollMs } : {}) });
  if (!outcome.succeeded) throw failed(outcome, request.namespace);
  step(`restore Job ${name} completed${outcome.failedPods ? ` (after ${outcome.failedPods} failed attempt(s))` : ""}`);
  return name;
}

function failed(outcome: JobOutcome, namespace: string): PlatformError {
  return new PlatformError(
    `restore Job ${outcome.name} failed: ${outcome.reason}${outcome.message ? ` (${outcome.message.split("\n")[0]})` : ""}`,
    `Read its logs: kubectl -n ${namespace} logs job/${outcome.name} --all-containers. An in-place restore that failed left the live database as it was.`,
  );
}
