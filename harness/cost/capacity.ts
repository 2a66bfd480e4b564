import type { Container, Workload } from "../policy/facts.ts";
import type { Violation } from "../policy/types.ts";
import type { NodePool } from "./estimate.ts";
import type { PriceTable } from "./prices.ts";
import { mebibytes, parseQuantity } from "./quantity.ts";

export interface Resources {
  cpuMillis: number;
  memoryMiB: number;
}

export interface WorkloadDemand extends Resources {
  address: string;
  kind: string;
  namespace: string;
  name: string;
  /** Pods it keeps running (DaemonSets: one per node at the pool's minimum). */
  replicas: number;
  /** Requests of one pod: the larger of its containers' sum and its largest init container. */
  pod: Resources;
}

/** The footprint of a plan's workloads against its node pool at minimum size. */
export interface CapacityReport {
  assessed: boolean;
  /** Why it was not assessed (no pool, no workloads planned). */
  reason?: string;
  pool?: NodePool & { allocatablePerNode: Resources };
  /** Pool allocatable at min_nodes less DOKS's own kube-system requests. */
  available: Resources;
  /** Steady workloads (Deployments, StatefulSets, DaemonSets, ReplicaSets, Pods). */
  requests: Resources;
  /** The largest Job or CronJob pod, which must fit beside the steady workloads when it runs. */
  burst: Resources & { address?: string };
  headroom: { cpuPercent: number; memoryPercent: number };
  /** The biggest single pod, which must fit on one node beside that node's kube-system pods. */
  largestPod: Resources & { address?: string; room: Resources };
  fits: boolean;
  workloads: WorkloadDemand[];
  /** Containers that request nothing: the scheduler treats them as free, so the footprint is understated. */
  withoutRequests: string[];
}

const steadyKinds = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Pod"]);
const burstKinds = new Set(["Job", "CronJob"]);
const zero = (): Resources => ({ cpuMillis: 0, memoryMiB: 0 });
const round1 = (value: number) => Math.round(value * 10) / 10;

/** A container's effective request: its request, else its limit (what Kubernetes defaults the request to). */
function requestOf(container: Container): Resources & { missing: boolean } {
  const cpu = parseQuantity(container.requests.cpu ?? container.limits.cpu);
  const memory = parseQuantity(container.requests.memory ?? container.limits.memory);
  return { cpuMillis: (cpu ?? 0) * 1000, memoryMiB: mebibytes(memory ?? 0), missing: cpu === undefined && memory === undefined };
}

function podRequests(workload: Workload, missing: string[]): Resources {
  const sum = zero();
  const init = zero();
  for (const container of workload.containers) {
    const request = requestOf(container);
    if (request.missing) missing.push(`${workload.address} (${workload.kind} ${workload.namespace}/${workload.name}, container ${container.name})`);
    if (container.init) {
      init.cpuMillis = Math.max(init.cpuMillis, request.cpuMillis);
      init.memoryMiB = Math.max(init.memoryMiB, request.memoryMiB);
    } else {
      sum.cpuMillis += request.cpuMillis;
      sum.memoryMiB += request.memoryMiB;
    }
  }
  return { cpuMillis: Math.max(sum.cpuMillis, init.cpuMillis), memoryMiB: Math.max(sum.memoryMiB, init.memoryMiB) };
}

export function assessCapacity(pools: NodePool[], workloads: Workload[], prices: PriceTable): CapacityReport {
  const empty = { available: zero(), requests: zero(), burst: zero(), headroom: { cpuPercent: 0, memoryPercent: 0 }, largestPod: { ...zero(), room: zero() }, fits: true, workloads: [], withoutRequests: [] };
  const pool = pools[0];
  if (!pool) return { ...empty, assessed: false, reason: "no DigitalOcean node pool in the plan" };
  const size = prices.nodeSizes[pool.size];
  if (!size) return { ...empty, assessed: true, fits: false, reason: `node size ${pool.size} is not in the price table, so its allocatable capacity is unknown` };
  const allocatablePerNode = { cpuMillis: size.vcpus * 1000 - prices.reservedCpuMillisPerNode, memoryMiB: size.allocatableMemoryMiB };
  const nodes = pool.minNodes;
  const { perNode, perCluster } = prices.kubeSystem;
  const available = {
    cpuMillis: nodes * (allocatablePerNode.cpuMillis - perNode.cpuMillis) - perCluster.cpuMillis,
    memoryMiB: nodes * (allocatablePerNode.memoryMiB - perNode.memoryMiB) - perCluster.memoryMiB,
  };
  const withoutRequests: string[] = [];
  const demands: WorkloadDemand[] = [];
  const requests = zero();
  let burst: CapacityReport["burst"] = zero();
  for (const workload of workloads) {
    const pod = podRequests(workload, withoutRequests);
    if (burstKinds.has(workload.kind)) {
      if (pod.memoryMiB > burst.memoryMiB || (pod.memoryMiB === burst.memoryMiB && pod.cpuMillis > burst.cpuMillis)) burst = { ...pod, address: workload.address };
      continue;
    }
    if (!steadyKinds.has(workload.kind)) continue;
    const replicas = workload.kind === "DaemonSet" ? nodes : workload.kind === "Pod" ? 1 : (workload.replicas ?? 1);
    const demand = { cpuMillis: pod.cpuMillis * replicas, memoryMiB: pod.memoryMiB * replicas };
    requests.cpuMillis += demand.cpuMillis;
    requests.memoryMiB += demand.memoryMiB;
    demands.push({ address: workload.address, kind: workload.kind, namespace: workload.namespace, name: workload.name, replicas, pod, ...demand });
  }
  const percent = (free: number, total: number) => (total > 0 ? round1((free / total) * 100) : 0);
  const headroom = {
    cpuPercent: percent(available.cpuMillis - requests.cpuMillis - burst.cpuMillis, available.cpuMillis),
    memoryPercent: percent(available.memoryMiB - requests.memoryMiB - burst.memoryMiB, available.memoryMiB),
  };
  // Every pod must also fit on one node next to that node's kube-system pods.
  const perNodeRoom = { cpuMillis: allocatablePerNode.cpuMillis - perNode.cpuMillis, memoryMiB: allocatablePerNode.memoryMiB - perNode.memoryMiB };
  const largest = [...demands.map((d) => ({ ...d.pod, address: d.address })), burst].reduce((big, pod) => (pod.memoryMiB > big.memoryMiB ? pod : big), { ...zero(), address: undefined as string | undefined });
  const podFits = [...demands.map((d) => d.pod), burst].every((pod) => pod.cpuMillis <= perNodeRoom.cpuMillis && pod.memoryMiB <= perNodeRoom.memoryMiB);
  return {
    assessed: workloads.length > 0,
    ...(workloads.length === 0 ? { reason: "no workloads in the plan" } : {}),
    pool: { ...pool, allocatablePerNode },
    available,
    requests: { cpuMillis: Math.round(requests.cpuMillis), memoryMiB: Math.round(requests.memoryMiB) },
    burst: { ...burst, cpuMillis: Math.round(burst.cpuMillis), memoryMiB: Math.round(burst.memoryMiB) },
    headroom,
    largestPod: { cpuMillis: Math.round(largest.cpuMillis), memoryMiB: Math.round(largest.memoryMiB), ...(largest.address ? { address: largest.address } : {}), room: perNodeRoom },
    fits: headroom.cpuPercent >= 0 && headroom.memoryPercent >= 0 && podFits,
    workloads: demands.sort((a, b) => b.memoryMiB - a.memoryMiB),
    withoutRequests,
  };
}

export const capacityRule = { id: "capacity-fits", title: "The workloads' requests fit the node pool at its minimum size", severity: "error" as const, kind: "typescript" as const };

/** The capacity verdict as findings of the capacity-fits rule: the gate fails on any. */
export function capacityViolations(report: CapacityReport): Violation[] {
  if (report.fits) return [];
  const address = report.pool?.address ?? "digitalocean_kubernetes_cluster";
  if (!report.pool || report.reason) {
    return [{ address, message: report.reason ?? "the node pool cannot be assessed", fix: "Use a node_size the price table lists (harness/cost/digitalocean.json), or add the size with its price and DOKS allocatable memory and their source." }];
  }
  const { available, requests, burst, pool, largestPod } = report;
  if (report.headroom.cpuPercent >= 0 && report.headroom.memoryPercent >= 0) {
    return [
      {
        address: largestPod.address ?? address,
        message: `a pod requests ${largestPod.cpuMillis}m CPU and ${largestPod.memoryMiB} MiB memory, more than one ${pool.size} node leaves beside DOKS's own pods (${largestPod.room.cpuMillis}m / ${largestPod.room.memoryMiB} MiB): it can never be scheduled`,
        fix: "Pick a larger node_size, or lower that pod's requests.",
      },
    ];
  }
  return [
    {
      address,
      message: `the workloads request ${requests.cpuMillis}m CPU and ${requests.memoryMiB} MiB memory, plus ${burst.cpuMillis}m / ${burst.memoryMiB} MiB for the largest job, but ${pool.minNodes} × ${pool.size} leave ${available.cpuMillis}m / ${available.memoryMiB} MiB after DOKS's own pods (headroom CPU ${report.headroom.cpuPercent}%, memory ${report.headroom.memoryPercent}%)`,
      fix: "Raise node_pool.min_nodes or pick a larger node_size (see the cost report for the price), or lower the largest requests; pods that cannot schedule at the minimum would wait for the autoscaler on every restart.",
    },
  ];
}
