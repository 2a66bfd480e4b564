import { setTimeout as sleep } from "node:timers/promises";
import { kubeGet, kubeRequest } from "./cluster/api.ts";
import type { Cluster } from "./cluster/index.ts";
import { confirmByTyping } from "./confirm.ts";
import { PlatformError } from "./errors.ts";
import { detail, step } from "./progress.ts";

export interface RestoreRequest {
  database: string;
  /** A backup id (its timestamp key); the latest when omitted. */
  backup?: string;
  mode: "scratch" | "in-place";
  /** Skips the interactive confirmation of an in-place restore. */
  yes: boolean;
  namespace: string;
  /** Waits for the Job to finish (not on a control plane without nodes). */
  wait: boolean;
}

interface Container {
  name: string;
  env?: Array<{ name: string; value?: string }>;
}
interface CronJob {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { jobTemplate: { metadata?: { labels?: Record<string, string> }; spec: { template: { spec: { containers: Container[]; initContainers?: Container[] } } } } };
}
interface Job {
  metadata: { name: string };
  status?: { succeeded?: number; failed?: number };
}

function withEnv(container: Container, overrides: Record<string, string>): Container {
  const env = (container.env ?? []).filter((entry) => !(entry.name in overrides));
  return { ...container, env: [...env, ...Object.entries(overrides).map(([name, value]) => ({ name, value }))] };
}

/**
 * Restores a chosen backup of a chosen database by running the restore-test CronJob's own pod
 * template as a one-off Job, with the backup and the mode overridden: the same scripts, images
 * and credentials the scheduled restore tests prove every week.
 */
export async function restoreDatabase(cluster: Cluster, request: RestoreRequest): Promise<string> {
  const selector = encodeURIComponent(`platform/job=restore-test,platform/database=${request.database}`);
  const { body } = await kubeGet<{ items?: CronJob[] }>(cluster, `/apis/batch/v1/namespaces/${request.namespace}/cronjobs?labelSelector=${selector}`);
  const cronJob = body.items?.[0];
  if (!cronJob) {
    throw new PlatformError(`no restore-test CronJob for database ${request.database} in namespace ${request.namespace}`, "Check the database name (a key of the data module's `databases`) and that its backups are enabled.");
  }
  if (request.mode === "in-place" && !request.yes) {
    await confirmByTyping(`This replaces the live database ${request.database} with the backup.`, request.database, `an in-place restore of ${request.database}`, "--yes");
  }

  const overrides = { RESTORE_MODE: request.mode, ...(request.backup ? { BACKUP_ID: request.backup } : {}) };
  const podSpec = cronJob.spec.jobTemplate.spec.template.spec;
  const name = `restore-${request.database}-${Date.now().toString(36)}`.slice(0, 63);
  const job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: request.namespace, labels: { ...cronJob.spec.jobTemplate.metadata?.labels, "platform/job": "restore", "platform/restore-mode": request.mode } },
    spec: {
      ...cronJob.spec.jobTemplate.spec,
      template: {
        ...cronJob.spec.jobTemplate.spec.template,
        spec: { ...podSpec, containers: podSpec.containers.map((c) => withEnv(c, overrides)), initContainers: podSpec.initContainers?.map((c) => withEnv(c, overrides)) },
      },
    },
  };
  const created = await kubeRequest<Job & { message?: string }>(cluster, "POST", `/apis/batch/v1/namespaces/${request.namespace}/jobs`, job);
  if (created.status !== 201) throw new PlatformError(`the API server refused the restore Job: ${created.body.message ?? created.status}`, "Check your permissions in the data namespace.");
  step(`restore Job ${name} created (${request.mode}, backup ${request.backup ?? "latest"})`);
  if (!request.wait) return name;

  for (;;) {
    const { body: current } = await kubeGet<Job>(cluster, `/apis/batch/v1/namespaces/${request.namespace}/jobs/${name}`);
    if (current.status?.succeeded) return name;
    if (current.status?.failed) throw new PlatformError(`restore Job ${name} failed`, `Read its logs: kubectl -n ${request.namespace} logs job/${name} --all-containers.`);
    detail(`waiting for ${name}...`);
    await sleep(5_000);
  }
}
