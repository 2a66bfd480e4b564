import type { V1Container, V1EnvVar } from "@kubernetes/client-node";
import { z } from "zod";
import type { Cluster } from "./cluster/index.ts";
import { confirmByTyping } from "./confirm.ts";
import { PlatformError } from "./errors.ts";
import { createJob, followJob, jobFromCronJob, listCronJobs, terminationMessages, unfinishedJobs, withEnv, type JobOutcome } from "./jobs.ts";
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

// How far an in-place restore got, as restore_phase (modules/data/scripts/lib.sh) records it in
// the restore step's termination message.
const inPlacePhase = z.object({ phase: z.enum(["restoring", "swapping", "swapped", "complete"]), live: z.string(), previous: z.string() });
type InPlacePhase = z.infer<typeof inPlacePhase>;
const restoreStep = "restore-check";

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
  if (request.mode === "in-place") await refuseWhileRestoring(cluster, request);
  if (request.mode === "in-place" && !request.yes) {
    await confirmByTyping(`This replaces the live database ${request.database} with the backup (the restored copy is verified before it is swapped in; the current one is then kept as ${request.database}__previous_<UTC time> until you drop it).`, request.database, `an in-place restore of ${request.database}`, "--yes");
  }

  const overrides: V1EnvVar[] = [{ name: "RESTORE_MODE", value: request.mode }, ...(request.backup ? [{ name: "BACKUP_ID", value: request.backup }] : [])];
  const name = `restore-${request.database.replaceAll("_", "-")}-${Date.now().toString(36)}`.slice(0, 63);
  // The restore step records its phase in its termination message, which outlives the pod's
  // processes: what the failure text below depends on.
  const phaseFile = (container: V1Container): V1EnvVar[] => (request.mode === "in-place" && container.name === restoreStep ? [{ name: "RESTORE_STATUS_FILE", value: container.terminationMessagePath ?? "/dev/termination-log" }] : []);
  const adjust = (container: V1Container, init: boolean) => withEnv(container, init ? overrides : [...overrides, ...live, ...phaseFile(container)]);
  // platform/database is set here, not only inherited from the template: refuseWhileRestoring selects on it.
  const job = jobFromCronJob(cronJob, name, { "platform/job": "restore", "platform/restore-mode": request.mode, "platform/database": request.database }, adjust);
  // One attempt in place: a retry would run the whole swap again on a database that may already
  // hold the restored data. A scratch restore touches nothing live and keeps the template's retry.
  if (request.mode === "in-place") job.spec!.backoffLimit = 0;
  await createJob(cluster, job);
  step(`restore Job ${name} created (${request.mode}, backup ${request.backup ?? "latest"})`);
  if (!request.wait) return name;

  const outcome = await followJob(cluster, request.namespace, name, { ...(request.pollMs ? { pollMs: request.pollMs } : {}) });
  const phase = request.mode === "in-place" ? await readPhase(cluster, request.namespace, name) : undefined;
  const server = cronJob.metadata?.labels?.["platform/backup-of"];
  if (!outcome.succeeded) throw failed(outcome, request, phase, cluster.context, server);
  step(`restore Job ${name} completed${outcome.failedPods ? ` (after ${outcome.failedPods} failed attempt(s))` : ""}`);
  if (request.mode === "in-place") {
    const kept = `${request.database} now holds the restored backup. The database it replaced, with everything written since that backup, is kept as`;
    step(phase
      ? `${kept} ${phase.previous} and takes as much disk; once the restored data is confirmed, drop it: ${dropCommand(request.namespace, server, phase.previous, cluster.context)}`
      : `${kept} ${request.database}__previous_<UTC time> (the Job's log names it) and takes as much disk; once the restored data is confirmed, drop it as the modules/data README's in-place restore runbook says.`);
  }
  return name;
}

/**
 * Two in-place restores of one database both restore into <db>__restoring, so the second would
 * drop the copy the first is restoring or verifying, or swap it while the first does. A scratch
 * restore touches nothing live and is never refused.
 */
async function refuseWhileRestoring(cluster: Cluster, request: RestoreRequest): Promise<void> {
  const [running] = await unfinishedJobs(cluster, request.namespace, `platform/job=restore,platform/restore-mode=in-place,platform/database=${request.database}`);
  if (!running) return;
  const name = running.metadata!.name!;
  const kubectl = `kubectl${cluster.context ? ` --context ${cluster.context}` : ""} -n ${request.namespace}`;
  throw new PlatformError(
    `an in-place restore of ${request.database} is already running: Job ${name}, created ${running.metadata?.creationTimestamp?.toISOString() ?? "at an unknown time"}, has not finished`,
    `Wait for it to finish (${kubectl} get job ${name}). If it is dead (no pod of it runs: ${kubectl} get pods -l batch.kubernetes.io/job-name=${name}), read its logs for how far it got, delete it (${kubectl} delete job ${name}), then run the restore again.`,
  );
}

async function readPhase(cluster: Cluster, namespace: string, job: string): Promise<InPlacePhase | undefined> {
  for (const message of await terminationMessages(cluster, namespace, job, restoreStep)) {
    const parsed = inPlacePhase.safeParse(jsonOrUndefined(message.trim().split("\n").at(-1)!));
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The superuser's command for dropping a database, run in the server's own pod. */
function dropCommand(namespace: string, server: string | undefined, database: string, context: string | undefined): string {
  const kubectl = `kubectl${context ? ` --context ${context}` : ""} -n ${namespace} exec statefulset/${server ?? "<server>"} --`;
  if (server === "mariadb") return `${kubectl} sh -c 'mariadb -uroot -p"$MARIADB_ROOT_PASSWORD" -e "DROP DATABASE ${database}"'`;
  if (server === "postgres") return `${kubectl} psql -U postgres -c 'DROP DATABASE ${database}'`;
  return `as the superuser: DROP DATABASE ${database}`;
}

/** What the live database holds after a failed restore, from the phase the restore step recorded. */
function liveState(request: RestoreRequest, phase: InPlacePhase | undefined): string {
  const db = request.database;
  if (request.mode === "scratch") return `A scratch restore never touches the live database ${db}.`;
  const previous = phase?.previous ?? `${db}__previous_<UTC time of the restore>`;
  switch (phase?.phase) {
    case "restoring":
      return `It failed before the swap: the live database ${db} is as it was.`;
    case "swapped":
    case "complete":
      return `It failed after the swap: ${db} now holds the restored backup, and the database it replaced, with everything written since that backup, is kept as ${previous}.`;
    case "swapping":
      return `It failed during the swap: if a database ${previous} exists (on MariaDB: with tables in it), ${db} holds the restored backup and ${previous} is the database it replaced; otherwise ${db} is as it was.`;
    default:
      return `Whether it got as far as the swap is unknown (the restore step's termination message could not be read): if a database ${previous} exists (on MariaDB: with tables in it), ${db} holds the restored backup and ${previous} is the database it replaced; otherwise ${db} is as it was.`;
  }
}

function failed(outcome: JobOutcome, request: RestoreRequest, phase: InPlacePhase | undefined, context: string | undefined, server: string | undefined): PlatformError {
  const swapped = phase?.phase === "swapped" || phase?.phase === "complete";
  return new PlatformError(
    `restore Job ${outcome.name} failed: ${outcome.reason}${outcome.message ? ` (${outcome.message.split("\n")[0]})` : ""}. ${liveState(request, phase)}`,
    `Read its logs: kubectl${context ? ` --context ${context}` : ""} -n ${request.namespace} logs job/${outcome.name} --all-containers.` +
      (swapped ? ` Check ${request.database} now; keep ${phase!.previous} until you are sure, then: ${dropCommand(request.namespace, server, phase!.previous, context)}.`
        : phase?.phase === "restoring" || request.mode === "scratch" ? " Fix the cause and run the restore again."
        : ` Before anything else, look for ${phase?.previous ?? `${request.database}__previous_*`} on the server: run no second in-place restore until you know which data ${request.database} holds.`),
  );
}
