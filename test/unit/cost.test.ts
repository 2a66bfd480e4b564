import { describe, expect, it } from "vitest";
import { assessCapacity } from "../../harness/cost/capacity.ts";
import { estimateCost, nodePoolsOf } from "../../harness/cost/estimate.ts";
import { loadPriceTable } from "../../harness/cost/prices.ts";
import { parseQuantity } from "../../harness/cost/quantity.ts";
import { helmReleaseOf, type PlannedResource } from "../../harness/plan.ts";
import { factsOf } from "../../harness/policy/facts.ts";

// The arithmetic of the cost and capacity report, on resources in the plan model's shape.
// test/integration/production.test.ts checks the same figures on real plans.
const prices = loadPriceTable();

function planned(type: string, name: string, values: Record<string, unknown>, actions: PlannedResource["actions"] = ["create"]): PlannedResource {
  return { address: `${type}.${name}`, module: "", mode: "managed", type, name, provider: "x/y", actions, values, afterUnknown: {} };
}

const cluster = (pool: Record<string, unknown>, ha = false) => planned("digitalocean_kubernetes_cluster", "this", { ha, node_pool: [{ size: "s-2vcpu-4gb", auto_scale: true, min_nodes: 2, max_nodes: 3, ...pool }] });

function release(name: string, manifest: string): PlannedResource {
  const values = { chart: name, repository: "https://example.org/charts", version: "1.0.0", namespace: "infra", values: [], set: [], manifest };
  return { ...planned("helm_release", name, values), helm: helmReleaseOf(values) };
}

const deployment = (name: string, replicas: number, containers: string, kind = "Deployment") => `---
apiVersion: apps/v1
kind: ${kind}
metadata: { name: ${name}, namespace: infra }
spec:
  replicas: ${replicas}
  template:
    spec:
${containers}
`;

describe("resource quantities", () => {
  it.each([
    ["100m", 0.1],
    ["2", 2],
    ["0.5", 0.5],
    ["128Mi", 128 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["1G", 1e9],
    ["500k", 5e5],
    ["1e3", 1000],
    [256, 256],
  ])("reads %s", (quantity, expected) => {
    expect(parseQuantity(quantity)).toBeCloseTo(expected as number);
  });

  it.each(["", "lots", "1.2.3Gi", "-1", "10GB", null])("refuses %s", (quantity) => {
    expect(parseQuantity(quantity)).toBeUndefined();
  });
});

describe("monthly cost", () => {
  it("prices the pool at its minimum and maximum and shows what HA would add", () => {
    const cost = estimateCost([{ stack: "cluster", resources: [cluster({})], facts: factsOf([]) }], prices);
    expect(cost.lines.find((line) => line.item === "nodes")).toMatchObject({ min: 48, max: 72 });
    expect(cost.lines.find((line) => line.item === "control plane")).toMatchObject({ min: 0, max: 0, detail: expect.stringContaining("would add $40.00") });
    expect(cost.total).toEqual({ min: 48, max: 72 });
  });

  it("adds $40 for an HA control plane and prices a fixed pool at its count", () => {
    const cost = estimateCost([{ stack: "cluster", resources: [cluster({ auto_scale: false, node_count: 3, size: "s-4vcpu-8gb" }, true)], facts: factsOf([]) }], prices);
    expect(cost.total).toEqual({ min: 3 * 48 + 40, max: 3 * 48 + 40 });
  });

  it("counts Spaces once for the account, however many buckets and stacks", () => {
    const bucket = (name: string) => planned("digitalocean_spaces_bucket", name, { name });
    const cost = estimateCost(
      [
        { stack: "a", resources: [bucket("x"), bucket("y")], facts: factsOf([]) },
        { stack: "b", resources: [bucket("z")], facts: factsOf([]) },
      ],
      prices,
    );
    expect(cost.lines.filter((line) => line.item === "spaces")).toHaveLength(1);
    expect(cost.total).toEqual({ min: 5, max: 5 });
  });

  it("prices load balancers from Services in rendered manifests, resources and size units", () => {
    const service = release(
      "traefik",
      `---
apiVersion: v1
kind: Service
metadata:
  name: traefik
  namespace: infra
  annotations: { service.beta.kubernetes.io/do-loadbalancer-size-unit: "2" }
spec: { type: LoadBalancer }
---
apiVersion: v1
kind: Service
metadata: { name: metrics, namespace: infra }
spec: { type: ClusterIP }
`,
    );
    const resources = [service, planned("kubernetes_service_v1", "mail", { metadata: [{ name: "mail", namespace: "mailu" }], spec: [{ type: "LoadBalancer" }] }), planned("digitalocean_loadbalancer", "extra", { size_unit: 1 })];
    const cost = estimateCost([{ stack: "platform", resources, facts: factsOf(resources) }], prices);
    expect(cost.lines.filter((line) => line.item === "load balancer").map((line) => line.min)).toEqual([24, 12, 12]);
  });

  it("prices block volumes by claim size, StatefulSet templates once per replica, and ignores other classes", () => {
    const sts = planned("kubernetes_stateful_set_v1", "pg", {
      metadata: [{ name: "postgres", namespace: "data" }],
      spec: [{ replicas: "2", template: [{ spec: [{ container: [{ name: "pg", image: "postgres:17" }] }] }], volume_claim_template: [{ metadata: [{ name: "data" }], spec: [{ storage_class_name: "do-block-storage-retain", access_modes: ["ReadWriteOnce"], resources: [{ requests: { storage: "10Gi" } }] }] }] }],
    });
    const pvc = planned("kubernetes_persistent_volume_claim_v1", "files", { metadata: [{ name: "files", namespace: "nextcloud" }], spec: [{ storage_class_name: "do-block-storage-xfs-retain", access_modes: ["ReadWriteOnce"], resources: [{ requests: { storage: "50Gi" } }] }] });
    const local = planned("kubernetes_persistent_volume_claim_v1", "scratch", { metadata: [{ name: "scratch", namespace: "x" }], spec: [{ storage_class_name: "local-path", resources: [{ requests: { storage: "5Gi" } }] }] });
    const sizeless = planned("kubernetes_persistent_volume_claim_v1", "odd", { metadata: [{ name: "odd", namespace: "x" }], spec: [{ storage_class_name: "do-block-storage" }] });
    const resources = [sts, pvc, local, sizeless];
    const cost = estimateCost([{ stack: "platform", resources, facts: factsOf(resources) }], prices);
    expect(cost.lines.filter((line) => line.item === "volumes").map((line) => line.min)).toEqual([2, 5]);
    expect(cost.unpriced).toEqual([expect.stringContaining("claim x/odd requests no storage size")]);
  });

  it("leaves out what is being destroyed, and reports a node size it cannot price", () => {
    const resources = [planned("digitalocean_spaces_bucket", "old", { name: "old" }, ["delete"]), cluster({ size: "m-16vcpu-128gb" })];
    const cost = estimateCost([{ stack: "cluster", resources, facts: factsOf([]) }], prices);
    expect(cost.lines.map((line) => line.item)).toEqual(["control plane"]);
    expect(cost.unpriced).toEqual([expect.stringContaining("node size m-16vcpu-128gb is not in the price table")]);
  });
});

describe("capacity at the pool's minimum", () => {
  const pools = nodePoolsOf([cluster({})]);
  const container = (name: string, cpu: string, memory: string, init = false) => `      ${init ? "initContainers" : "containers"}:
        - { name: ${name}, image: x:1, resources: { requests: { cpu: ${cpu}, memory: ${memory} } } }`;

  it("sums replicas, DaemonSets per node and the larger of init and app containers; the largest job is burst", () => {
    const resources = [
      release("a", deployment("web", 2, container("web", "100m", "200Mi"))),
      release("b", deployment("agent", 1, container("agent", "50m", "64Mi"), "DaemonSet")),
      release("c", deployment("migrate", 1, `${container("setup", "500m", "512Mi", true)}\n${container("app", "100m", "100Mi")}`)),
      release("d", deployment("nightly", 1, container("dump", "200m", "300Mi"), "Job")),
    ];
    const report = assessCapacity(pools, factsOf(resources).workloads, prices);
    expect(report.requests).toEqual({ cpuMillis: 2 * 100 + 2 * 50 + 500, memoryMiB: 2 * 200 + 2 * 64 + 512 });
    expect(report.burst).toMatchObject({ cpuMillis: 200, memoryMiB: 300 });
    const { perNode, perCluster } = prices.kubeSystem;
    expect(report.available).toEqual({ cpuMillis: 2 * (1900 - perNode.cpuMillis) - perCluster.cpuMillis, memoryMiB: 2 * (2560 - perNode.memoryMiB) - perCluster.memoryMiB });
    expect(report.fits).toBe(true);
    expect(report.headroom.memoryPercent).toBeCloseTo(((report.available.memoryMiB - report.requests.memoryMiB - 300) / report.available.memoryMiB) * 100, 0);
  });

  it("does not fit when the requests exceed the pool, nor when one pod exceeds a node", () => {
    const tooMuch = assessCapacity(pools, factsOf([release("a", deployment("big", 5, container("big", "100m", "1Gi")))]).workloads, prices);
    expect(tooMuch.fits).toBe(false);
    expect(tooMuch.headroom.memoryPercent).toBeLessThan(0);
    const oneHuge = assessCapacity(nodePoolsOf([cluster({ min_nodes: 3 })]), factsOf([release("a", deployment("huge", 1, container("huge", "100m", "2500Mi")))]).workloads, prices);
    expect(oneHuge.headroom.memoryPercent).toBeGreaterThan(0);
    expect(oneHuge.fits).toBe(false);
  });

  it("counts a limit as the request when no request is set, and lists containers with neither", () => {
    const limitsOnly = release("a", deployment("l", 1, `      containers:\n        - { name: l, image: x:1, resources: { limits: { cpu: 300m, memory: 256Mi } } }\n        - { name: bare, image: x:1 }`));
    const report = assessCapacity(pools, factsOf([limitsOnly]).workloads, prices);
    expect(report.requests).toEqual({ cpuMillis: 300, memoryMiB: 256 });
    expect(report.withoutRequests).toEqual([expect.stringContaining("container bare")]);
  });

  it("is not assessed without a pool, and fails closed on a size it has no figures for", () => {
    expect(assessCapacity([], [], prices)).toMatchObject({ assessed: false, fits: true });
    expect(assessCapacity(nodePoolsOf([cluster({ size: "m-16vcpu-128gb" })]), [], prices)).toMatchObject({ fits: false, reason: expect.stringContaining("not in the price table") });
  });
});
