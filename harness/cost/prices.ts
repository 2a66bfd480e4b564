import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { repoRoot } from "../paths.ts";

const usd = z.number().nonnegative();

const nodeSize = z.object({
  monthly: usd,
  vcpus: z.number().int().positive(),
  memoryMiB: z.number().int().positive(),
  /** What DOKS leaves for pods on a node of this size (its published figure). */
  allocatableMemoryMiB: z.number().int().positive(),
});

const resources = z.object({ cpuMillis: z.number().int().nonnegative(), memoryMiB: z.number().int().nonnegative() });

export const priceTableSchema = z.object({
  currency: z.literal("USD"),
  retrieved: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  sources: z.record(z.string(), z.string().min(1)),
  controlPlane: z.object({ standard: usd, highAvailability: usd }),
  loadBalancerPerNode: usd,
  volumePerGiB: usd,
  spaces: z.object({ subscription: usd, includedGiB: z.number().positive(), perExtraGiB: usd }),
  nodeSizes: z.record(z.string(), nodeSize),
  reservedCpuMillisPerNode: z.number().int().nonnegative(),
  /** DOKS's own kube-system pods: requests on every node and once per cluster (an estimate). */
  kubeSystem: z.object({ perNode: resources, perCluster: resources }),
});

export type PriceTable = z.infer<typeof priceTableSchema>;

export const priceTablePath = join(repoRoot, "harness", "cost", "digitalocean.json");

export function loadPriceTable(path = priceTablePath): PriceTable {
  return priceTableSchema.parse(JSON.parse(readFileSync(path, "utf8")));
}
