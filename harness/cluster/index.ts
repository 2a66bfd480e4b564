import { PlatformError } from "../errors.ts";
import { dockerAnswers } from "../toolchain/index.ts";
import type { Versions } from "../toolchain/versions.ts";
import { startK3d } from "./k3d.ts";
import { defaultKubeconfigPath, requireContext } from "./kubeconfig.ts";
import { startLocalControlPlane } from "./local.ts";
import { startNode } from "./node.ts";
import type { Cluster } from "./types.ts";

export type { Cluster } from "./types.ts";

export interface ClusterRequest {
  /** A kubeconfig context the user names: used as is, never stopped by the harness. */
  context?: string;
  /**
   * Forces an implementation (PLATFORM_CLUSTER=local|k3d|node) instead of detecting Docker.
   * local: an API server without a node (plans); node: a real single node (pods run).
   */
  prefer?: "local" | "k3d" | "node";
}

/** Order: the user's context; else k3d when a Docker engine answers; else a local control plane. */
export async function acquireCluster(request: ClusterRequest = {}, versions?: Versions): Promise<Cluster> {
  if (request.context) {
    const kubeconfig = defaultKubeconfigPath();
    requireContext(kubeconfig, request.context);
    return { kind: "kubeconfig", kubeconfig, context: request.context, stop: async () => {} };
  }
  const prefer = request.prefer ?? parsePreference(process.env.PLATFORM_CLUSTER);
  if (prefer === "node") return startNode(versions ? { versions } : {});
  if (prefer === "k3d" || (prefer === undefined && (await dockerAnswers()))) return startK3d(versions);
  return startLocalControlPlane(versions);
}

function parsePreference(value: string | undefined): ClusterRequest["prefer"] {
  if (value === undefined || value === "") return undefined;
  if (value === "local" || value === "k3d" || value === "node") return value;
  throw new PlatformError(`PLATFORM_CLUSTER=${value} is not a cluster kind`, "Use PLATFORM_CLUSTER=local, k3d or node, or unset it to detect.");
}

/** Runs work against a cluster and always releases it, whether the work fails or not. */
export async function withCluster<T>(request: ClusterRequest, work: (cluster: Cluster) => Promise<T>, versions?: Versions): Promise<T> {
  const cluster = await acquireCluster(request, versions);
  try {
    return await work(cluster);
  } finally {
    await cluster.stop();
  }
}
