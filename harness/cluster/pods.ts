import { setTimeout as sleep } from "node:timers/promises";
import { PlatformError } from "../errors.ts";
import { kubeGet, kubeRequest } from "./api.ts";
import type { Cluster } from "./types.ts";

/** Small workloads for checks on a cluster whose pods run (the node kind): run once, read the outcome. */
type Target = Pick<Cluster, "kubeconfig" | "context">;
type Pod = { status?: { phase?: string; containerStatuses?: Array<{ state?: { terminated?: { exitCode: number } } }> } };

export async function create(cluster: Target, path: string, body: Record<string, unknown>): Promise<void> {
  const result = await kubeRequest(cluster, "POST", path, body);
  if (result.status !== 201) throw new PlatformError(`creating ${path} failed: HTTP ${result.status} ${JSON.stringify(result.body).slice(0, 300)}`, "See the API server's answer above.");
}

export async function createNamespace(cluster: Target, name: string, labels: Record<string, string> = {}): Promise<void> {
  await create(cluster, "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
}

export interface OncePodOptions {
  labels?: Record<string, string>;
  /** uid and gid to run as (non-root, as Pod Security "restricted" requires). */
  runAs?: number;
  env?: Array<Record<string, unknown>>;
  pullPolicy?: "Never" | "IfNotPresent";
}

/** A pod that runs `script` once in `image`, hardened as the platform's pods are. */
export function scriptPod(name: string, image: string, script: string, options: OncePodOptions = {}): Record<string, unknown> {
  const runAs = options.runAs ?? 65534;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: options.labels ?? {} },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: { runAsNonRoot: true, runAsUser: runAs, runAsGroup: runAs, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "main",
          image,
          imagePullPolicy: options.pullPolicy ?? "Never",
          command: ["sh", "-c", script],
          env: options.env ?? [],
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
          resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "128Mi" } },
        },
      ],
    },
  };
}

/** Waits for a run-once pod to finish and returns its exit code. */
export async function exitCodeOf(cluster: Target, namespace: string, name: string, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pod = await kubeGet<Pod>(cluster, `/api/v1/namespaces/${namespace}/pods/${name}`);
    const terminated = pod.body.status?.containerStatuses?.[0]?.state?.terminated;
    if (terminated) return terminated.exitCode;
    await sleep(250);
  }
  throw new PlatformError(`pod ${namespace}/${name} did not finish within ${timeoutMs / 1000}s`, "Look at the pod's events on the cluster.");
}

export async function podLog(cluster: Target, namespace: string, name: string): Promise<string> {
  const result = await kubeGet<string>(cluster, `/api/v1/namespaces/${namespace}/pods/${name}/log`);
  if (result.status !== 200) throw new PlatformError(`log of ${namespace}/${name}: HTTP ${result.status} ${JSON.stringify(result.body)}`, "See the API server's answer above.");
  return result.body;
}

export async function waitForPodReady(cluster: Target, namespace: string, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pod = await kubeGet<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(cluster, `/api/v1/namespaces/${namespace}/pods/${name}`);
    if (pod.body.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) return;
    await sleep(250);
  }
  throw new PlatformError(`pod ${namespace}/${name} was not Ready within ${timeoutMs / 1000}s`, "Look at the pod's events on the cluster.");
}

/** Runs a script pod once and returns its exit code and log. */
export async function runOnce(cluster: Target, namespace: string, name: string, image: string, script: string, options: OncePodOptions = {}): Promise<{ exitCode: number; log: string }> {
  await create(cluster, `/api/v1/namespaces/${namespace}/pods`, scriptPod(name, image, script, options));
  const exitCode = await exitCodeOf(cluster, namespace, name, 120_000);
  return { exitCode, log: (await podLog(cluster, namespace, name)).trim() };
}
