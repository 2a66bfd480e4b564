import { setTimeout as sleep } from "node:timers/promises";
import type { V1Container, V1CronJob, V1EnvVar, V1Job, V1JobCondition } from "@kubernetes/client-node";
import { batchApi, kubeCall, kubeGet } from "./cluster/api.ts";
import type { Cluster } from "./cluster/index.ts";
import { detail } from "./progress.ts";

/** The data layer's CronJobs of one kind (restore-test, backup), optionally for one database. */
export async function listCronJobs(cluster: Cluster, namespace: string, kind: string, database?: string): Promise<V1CronJob[]> {
  const labelSelector = `platform/job=${kind}${database ? `,platform/database=${database}` : ""}`;
  const list = await kubeCall(cluster, `listing ${kind} CronJobs in ${namespace}`, () => batchApi(cluster).listNamespacedCronJob({ namespace, labelSelector }));
  return [...list.items].sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
}

/** Sets (or replaces) environment variables of a container. */
export function withEnv(container: V1Container, entries: V1EnvVar[]): V1Container {
  const names = new Set(entries.map((entry) => entry.name));
  return { ...container, env: [...(container.env ?? []).filter((entry) => !names.has(entry.name)), ...entries] };
}

/**
 * A one-off Job from a CronJob's own template (what `kubectl create job --from=cronjob/...`
 * does): the same images, scripts and credentials its schedule runs. `containers` may adjust
 * each container.
 */
export function jobFromCronJob(cronJob: V1CronJob, name: string, labels: Record<string, string>, containers: (container: V1Container, init: boolean) => V1Container = (c) => c): V1Job {
  const template = cronJob.spec!.jobTemplate;
  const pod = template.spec!.template.spec!;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: cronJob.metadata!.namespace!,
      labels: { ...template.metadata?.labels, ...labels },
      annotations: { "cronjob.kubernetes.io/instantiate": "manual" },
    },
    spec: {
      ...template.spec!,
      template: {
        ...template.spec!.template,
        spec: { ...pod, containers: pod.containers.map((c) => containers(c, false)), ...(pod.initContainers ? { initContainers: pod.initContainers.map((c) => containers(c, true)) } : {}) },
      },
    },
  };
}

export async function createJob(cluster: Cluster, job: V1Job): Promise<string> {
  const namespace = job.metadata!.namespace!;
  const created = await kubeCall(cluster, `creating Job ${job.metadata!.name} in ${namespace}`, () => batchApi(cluster).createNamespacedJob({ namespace, body: job }));
  return created.metadata!.name!;
}

export interface JobOutcome {
  name: string;
  succeeded: boolean;
  /** The terminal condition's reason and message (BackoffLimitExceeded, DeadlineExceeded, ...). */
  reason: string;
  message: string;
  /** Pods that failed on the way, retried or not. */
  failedPods: number;
}

const terminal = (conditions: V1JobCondition[] | undefined) => conditions?.find((condition) => (condition.type === "Complete" || condition.type === "Failed") && condition.status === "True");

/** The Jobs matching a label selector that have no terminal condition yet, oldest first. */
export async function unfinishedJobs(cluster: Cluster, namespace: string, labelSelector: string): Promise<V1Job[]> {
  const list = await kubeCall(cluster, `listing Jobs (${labelSelector}) in ${namespace}`, () => batchApi(cluster).listNamespacedJob({ namespace, labelSelector }));
  return list.items
    .filter((job) => !terminal(job.status?.conditions))
    .sort((a, b) => (a.metadata?.creationTimestamp?.getTime() ?? 0) - (b.metadata?.creationTimestamp?.getTime() ?? 0));
}

/**
 * Waits for the Job's terminal condition (Complete or Failed), which the Job controller sets
 * once retries and deadlines are settled: a pod that fails while a retry is still allowed is
 * progress, not the outcome.
 */
export async function followJob(cluster: Cluster, namespace: string, name: string, options: { pollMs?: number; timeoutMs?: number } = {}): Promise<JobOutcome> {
  const deadline = Date.now() + (options.timeoutMs ?? 3 * 3600_000);
  let shown = "";
  for (;;) {
    const job = await kubeCall(cluster, `reading Job ${name} in ${namespace}`, () => batchApi(cluster).readNamespacedJobStatus({ namespace, name }));
    const status = job.status ?? {};
    const done = terminal(status.conditions);
    if (done) {
      return { name, succeeded: done.type === "Complete", reason: done.reason ?? done.type!, message: done.message ?? "", failedPods: status.failed ?? 0 };
    }
    const progress = `${name}: ${status.active ?? 0} running, ${status.failed ?? 0} failed pod(s) so far`;
    if (progress !== shown) detail(progress);
    shown = progress;
    if (Date.now() > deadline) return { name, succeeded: false, reason: "Timeout", message: "the Job did not finish while we waited", failedPods: status.failed ?? 0 };
    await sleep(options.pollMs ?? 5_000);
  }
}

interface PodList {
  items?: Array<{ metadata?: { creationTimestamp?: string }; status?: { containerStatuses?: Array<{ name: string; state?: { terminated?: { message?: string } } }> } }>;
}

/**
 * What one container of a Job's pods wrote to its termination message (the file kubelet mounts
 * at terminationMessagePath, read back when the container ends, also when it was killed),
 * newest pod first. Empty when no pod is left or the user may not list pods: callers say so.
 */
export async function terminationMessages(cluster: Cluster, namespace: string, job: string, container: string): Promise<string[]> {
  const selector = encodeURIComponent(`batch.kubernetes.io/job-name=${job}`);
  const pods = await kubeGet<PodList>(cluster, `/api/v1/namespaces/${namespace}/pods?labelSelector=${selector}`).catch(() => undefined);
  if (pods?.status !== 200) return [];
  return [...(pods.body.items ?? [])]
    .sort((a, b) => (b.metadata?.creationTimestamp ?? "").localeCompare(a.metadata?.creationTimestamp ?? ""))
    .flatMap((pod) => pod.status?.containerStatuses?.filter((status) => status.name === container).map((status) => status.state?.terminated?.message ?? "") ?? [])
    .filter((message) => message.trim() !== "");
}
