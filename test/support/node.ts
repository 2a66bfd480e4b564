import { nodeToolsMissing } from "../../harness/cluster/node.ts";
import { nodeSupport } from "../../harness/host/support.ts";

/**
 * Why the node tests do not run here, or "" when they do. Besides a machine that cannot run the
 * node, `make test` does not build the node's own components (kubelet, kube-proxy,
 * kube-scheduler, kube-router, CoreDNS: about 15 minutes cold on 2 cores), so CI's cold run
 * stays well inside its budget: `make e2e`, or PLATFORM_CLUSTER=node, builds them, and from
 * then on these tests run.
 */
export async function nodeTestSkipReason(): Promise<string> {
  const support = await nodeSupport();
  if (!support.ok) return `the node kind cannot start here: ${support.reason}`;
  if (process.env.PLATFORM_CLUSTER === "node") return "";
  const missing = nodeToolsMissing();
  return missing.length > 0 ? `the node kind's components are not built (${missing.join(", ")}): make e2e or PLATFORM_CLUSTER=node builds them; make test does not` : "";
}
