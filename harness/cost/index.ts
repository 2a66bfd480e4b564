import { assessCapacity, type CapacityReport } from "./capacity.ts";
import { estimateCost, nodePoolsOf, type CostEstimate, type StackPlan } from "./estimate.ts";
import { loadPriceTable, type PriceTable } from "./prices.ts";

export { capacityRule, capacityViolations, type CapacityReport } from "./capacity.ts";
export type { CostEstimate, CostLine, StackPlan } from "./estimate.ts";
export { loadPriceTable, priceTablePath, type PriceTable } from "./prices.ts";

/** What every report carries beside the policies: what the plans cost a month and whether they fit. */
export interface CostReport extends CostEstimate {
  capacity: CapacityReport;
}

/**
 * Cost per stack and in total, and the capacity of every stack's workloads against the node
 * pool any of them declares (the cluster stack's pool carries the platform stack's pods).
 */
export function costAndCapacity(plans: StackPlan[], prices: PriceTable = loadPriceTable()): CostReport {
  const pools = plans.flatMap((plan) => nodePoolsOf(plan.resources));
  const workloads = plans.flatMap((plan) => plan.facts.workloads);
  return { ...estimateCost(plans, prices), capacity: assessCapacity(pools, workloads, prices) };
}
