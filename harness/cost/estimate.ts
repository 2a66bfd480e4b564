import type { PlannedResource } from "../plan.ts";
import type { Facts, Workload } from "../policy/facts.ts";
import type { PriceTable } from "./prices.ts";
import { gibibytes, parseQuantity } from "./quantity.ts";

/** One plan's resources and Kubernetes objects, as the cost and capacity report reads them. */
export interface StackPlan {
  stack: string;
  resources: PlannedResource[];
  facts: Facts;
}

export type CostItem = "nodes" | "control plane" | "load balancer" | "volumes" | "spaces";

/** A monthly figure; min and max differ only where something scales (the node pool). */
export interface CostLine {
  stack: string;
  item: CostItem;
  address: string;
  detail: string;
  min: number;
  max: number;
}

export interface Range {
  min: number;
  max: number;
}

export interface CostEstimate {
  currency: "USD";
  /** The price table's date and where its figures come from. */
  pricesRetrieved: string;
  lines: CostLine[];
  stacks: Array<{ stack: string } & Range>;
  total: Range;
  /** Things that cost money but could not be priced (unknown size, no storage request). */
  unpriced: string[];
  notes: string[];
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {});
const first = (value: unknown): Json => obj(Array.isArray(value) ? value[0] : value);
const kept = (resource: PlannedResource) => !(resource.actions.length === 1 && resource.actions[0] === "delete") && resource.mode === "managed";
const round = (value: number) => Math.round(value * 100) / 100;
const money = (value: number) => `$${round(value).toFixed(2)}`;

export interface NodePool {
  address: string;
  size: string;
  minNodes: number;
  maxNodes: number;
}

/** The worker pools a plan creates or keeps: the cluster's inline pool and any extra pools. */
export function nodePoolsOf(resources: PlannedResource[]): NodePool[] {
  const pools: NodePool[] = [];
  for (const resource of resources.filter(kept)) {
    const pool = resource.type === "digitalocean_kubernetes_cluster" ? first(resource.values.node_pool) : resource.type === "digitalocean_kubernetes_node_pool" ? resource.values : undefined;
    if (!pool) continue;
    const fixed = Number(pool.node_count ?? 1);
    const autoScale = pool.auto_scale === true;
    pools.push({
      address: resource.address,
      size: String(pool.size ?? ""),
      minNodes: autoScale ? Number(pool.min_nodes ?? 1) : fixed,
      maxNodes: autoScale ? Number(pool.max_nodes ?? pool.min_nodes ?? 1) : fixed,
    });
  }
  return pools;
}

function clusterLines(stack: string, resources: PlannedResource[], prices: PriceTable, unpriced: string[]): CostLine[] {
  const lines: CostLine[] = [];
  for (const pool of nodePoolsOf(resources)) {
    const size = prices.nodeSizes[pool.size];
    if (!size) {
      unpriced.push(`${pool.address}: node size ${pool.size || "(unknown)"} is not in the price table`);
      continue;
    }
    const nodes = pool.minNodes === pool.maxNodes ? `${pool.minNodes}` : `${pool.minNodes}-${pool.maxNodes}`;
    lines.push({ stack, item: "nodes", address: pool.address, detail: `${nodes} × ${pool.size} at ${money(size.monthly)}`, min: pool.minNodes * size.monthly, max: pool.maxNodes * size.monthly });
  }
  for (const cluster of resources.filter((r) => kept(r) && r.type === "digitalocean_kubernetes_cluster")) {
    const ha = cluster.values.ha === true;
    const price = prices.controlPlane.highAvailability;
    lines.push({
      stack,
      item: "control plane",
      address: cluster.address,
      detail: ha ? `high-availability control plane at ${money(price)}` : `standard control plane (free); high availability would add ${money(price)}`,
      min: ha ? price : prices.controlPlane.standard,
      max: ha ? price : prices.controlPlane.standard,
    });
  }
  return lines;
}

const sizeUnitAnnotation = "service.beta.kubernetes.io/do-loadbalancer-size-unit";

function loadBalancerLines(stack: string, resources: PlannedResource[], facts: Facts, prices: PriceTable): CostLine[] {
  const line = (address: string, what: string, units: number): CostLine => {
    const cost = units * prices.loadBalancerPerNode;
    return { stack, item: "load balancer", address, detail: `${what}: ${units} node${units === 1 ? "" : "s"} at ${money(prices.loadBalancerPerNode)}`, min: cost, max: cost };
  };
  const lines = facts.services
    .filter((service) => service.type === "LoadBalancer")
    .map((service) => line(service.address, `Service ${service.namespace}/${service.name} (type LoadBalancer)`, Math.max(1, Number(service.annotations[sizeUnitAnnotation] ?? 1) || 1)));
  for (const lb of resources.filter((r) => kept(r) && r.type === "digitalocean_loadbalancer")) {
    lines.push(line(lb.address, "digitalocean_loadbalancer", Math.max(1, Number(lb.values.size_unit ?? 1) || 1)));
  }
  return lines;
}

/** DigitalOcean block storage: its CSI classes, or no class at all (do-block-storage is the default). */
const onBlockStorage = (storageClass: string | undefined) => storageClass === undefined || storageClass === "" || storageClass.startsWith("do-block-storage");

function volumeLines(stack: string, resources: PlannedResource[], facts: Facts, prices: PriceTable, unpriced: string[]): CostLine[] {
  const owners = new Map<string, Workload>(facts.workloads.map((workload) => [`${workload.address}|${workload.namespace}/${workload.name}`, workload]));
  const lines: CostLine[] = [];
  for (const claim of facts.claims) {
    if (!onBlockStorage(claim.storageClass)) continue;
    const bytes = parseQuantity(claim.storage);
    const where = `${claim.namespace}/${claim.name}`;
    if (bytes === undefined) {
      unpriced.push(`${claim.address}: claim ${where} requests no storage size`);
      continue;
    }
    const replicas = claim.owner ? (owners.get(`${claim.address}|${claim.namespace}/${claim.owner}`)?.replicas ?? 1) : 1;
    const gib = gibibytes(bytes) * replicas;
    const cost = gib * prices.volumePerGiB;
    const what = claim.owner ? `${claim.namespace}/${claim.owner} volume ${claim.name} (${claim.storage} × ${replicas})` : `PVC ${where} (${claim.storage})`;
    lines.push({ stack, item: "volumes", address: claim.address, detail: `${what} on ${claim.storageClass ?? "the default class"}: ${round(gib)} GiB at ${money(prices.volumePerGiB)}/GiB`, min: cost, max: cost });
  }
  for (const volume of resources.filter((r) => kept(r) && r.type === "digitalocean_volume")) {
    const gib = Number(volume.values.size ?? 0);
    lines.push({ stack, item: "volumes", address: volume.address, detail: `digitalocean_volume ${gib} GiB`, min: gib * prices.volumePerGiB, max: gib * prices.volumePerGiB });
  }
  return lines;
}

/**
 * Monthly cost of what the plans keep or create, per stack and in total, from the pinned
 * price table. Spaces is one subscription per account, counted once with the first stack
 * that has a bucket.
 */
export function estimateCost(plans: StackPlan[], prices: PriceTable): CostEstimate {
  const unpriced: string[] = [];
  const lines: CostLine[] = [];
  let spacesCounted = false;
  for (const plan of plans) {
    lines.push(...clusterLines(plan.stack, plan.resources, prices, unpriced), ...loadBalancerLines(plan.stack, plan.resources, plan.facts, prices), ...volumeLines(plan.stack, plan.resources, plan.facts, prices, unpriced));
    const buckets = plan.resources.filter((r) => kept(r) && r.type === "digitalocean_spaces_bucket");
    if (buckets.length > 0 && !spacesCounted) {
      spacesCounted = true;
      const { subscription, includedGiB, perExtraGiB } = prices.spaces;
      lines.push({ stack: plan.stack, item: "spaces", address: "digitalocean_spaces_bucket.*", detail: `Spaces subscription (${buckets.length} buckets share ${includedGiB} GiB; ${money(perExtraGiB)}/GiB beyond)`, min: subscription, max: subscription });
    }
  }
  const sum = (selected: CostLine[]): Range => ({ min: round(selected.reduce((t, l) => t + l.min, 0)), max: round(selected.reduce((t, l) => t + l.max, 0)) });
  const stacks = [...new Set(plans.map((plan) => plan.stack))].map((stack) => ({ stack, ...sum(lines.filter((line) => line.stack === stack)) }));
  return {
    currency: "USD",
    pricesRetrieved: prices.retrieved,
    lines: lines.map((line) => ({ ...line, min: round(line.min), max: round(line.max) })),
    stacks,
    total: sum(lines),
    unpriced,
    notes: ["Bandwidth beyond the Droplets' pooled allowance, Spaces storage beyond the included GiB, volume snapshots and DNS (free) are not in the estimate."],
  };
}
