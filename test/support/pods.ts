import { setTimeout as sleep } from "node:timers/promises";
import { kubeGet, kubeRequest } from "../../harness/cluster/api.ts";
import type { Cluster } from "../../harness/cluster/index.ts";

type Target = Pick<Cluster, "kubeconfig" | "context">;
type Pod = { status?: { phase?: string; containerStatuses?: Array<{ state?: { terminated?: { exitCode: number } } }> } };

export async function create(cluster: Target, path: string, body: Record<string, unknown>): Promise<void> {
  const result = await kubeRequest(cluster, "POST", path, body);
  if (result.status !== 201) throw new Error(`POST ${path}: HTTP ${result.status} ${JSON.stringify(result.body)}`);
}

export async function createNamespace(cluster: Target, name: string, labels: Record<string, string> = {}): Promise<void> {
  await create(cluster, "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
}

/** A pod of the node's busybox image that runs `script` once; hardened as the platform's pods are. */
export function scriptPod(name: string, image: string, script: string, labels: Record<string, string> = {}): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "main",
          image,
          imagePullPolicy: "Never",
          command: ["sh", "-c", script],
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
          resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
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
  throw new Error(`pod ${namespace}/${name} did not finish within ${timeoutMs / 1000}s`);
}

export async function podLog(cluster: Target, namespace: string, name: string): Promise<string> {
  const result = await kubeGet<string>(cluster, `/api/v1/namespaces/${namespace}/pods/${name}/log`);
  if (result.status !== 200) throw new Error(`log of ${namespace}/${name}: HTTP ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

export async function waitForPodReady(cluster: Target, namespace: string, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pod = await kubeGet<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(cluster, `/api/v1/namespaces/${namespace}/pods/${name}`);
    if (pod.body.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) return;
    await sleep(250);
  }
  throw new Error(`pod ${namespace}/${name} was not Ready within ${timeoutMs / 1000}s`);
}
