import { defineRule, type Violation } from "../../harness/policy/types.ts";
import type { Container, Workload } from "../../harness/policy/facts.ts";
import rootAllowed from "./root-allowed.json" with { type: "json" };

const levels = ["privileged", "baseline", "restricted"];
const enforceLabel = "pod-security.kubernetes.io/enforce";

/** The image without tag or digest, with Docker Hub's implicit prefixes dropped, as root-allowed.json names it. */
function repositoryOf(image: string): string {
  const withoutDigest = image.split("@")[0]!;
  const slash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  // A colon before the last "/" is a registry port, not a tag.
  const repository = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  return repository.replace(/^(index\.)?docker\.io\//, "").replace(/^library\//, "");
}

/**
 * Why the container may run as root, or undefined when it cannot. Container settings override
 * the pod's; with no uid set, runAsNonRoot makes the kubelet refuse an image whose user is root.
 */
function rootReason(container: Container, workload: Workload): string | undefined {
  const user = container.runAsUser ?? workload.podRunAsUser;
  if (user !== undefined) return user > 0 ? undefined : `runs as root: runAsUser ${user}`;
  const nonRoot = container.runAsNonRoot ?? workload.podRunAsNonRoot;
  if (nonRoot === true) return undefined;
  return `may run as root: runAsNonRoot is ${nonRoot ?? "unset"} and no runAsUser is set on it or its pod, so image "${container.image}" decides`;
}

const subject = (container: Container, workload: Workload) =>
  `${container.init ? "init container" : "container"} "${container.name}" of ${workload.kind} ${workload.namespace}/${workload.name}`;

export default defineRule({
  id: "pod-security",
  title: "Pod Security: labelled namespaces, non-root, no privileged containers outside infra",
  severity: "error",
  evaluate(input) {
    const violations: Violation[] = [];
    for (const namespace of input.facts.namespaces) {
      const level = namespace.labels[enforceLabel];
      if (level !== undefined && levels.includes(level)) continue;
      violations.push({
        address: namespace.address,
        message: level === undefined ? `namespace "${namespace.name}" has no ${enforceLabel} label` : `namespace "${namespace.name}" has ${enforceLabel} = "${level}", which is not a Pod Security level`,
        fix: `Label namespace "${namespace.name}" ${enforceLabel} = "restricted" (or "baseline" for an app that cannot meet restricted, "privileged" only for infra node agents).`,
      });
    }

    // Node agents (log shippers, CSI and backup agents) are the only privileged pods, and they live in the infra layer.
    const infra = new Set(input.facts.namespaces.filter((namespace) => namespace.labels["platform/layer"] === "infra").map((namespace) => namespace.name));
    for (const workload of input.facts.workloads) {
      for (const container of workload.containers) {
        const repository = repositoryOf(container.image);
        const root = rootReason(container, workload);
        if (root && !Object.hasOwn(rootAllowed, repository)) {
          violations.push({
            address: workload.address,
            message: `${subject(container, workload)} ${root}`,
            fix: `Set security_context { run_as_non_root = true, run_as_user = <the image's non-root uid> } on the pod or on "${container.name}"; if the image truly needs root, add "${repository}" with the reason to policies/pod-security/root-allowed.json.`,
          });
        }
        if (container.privileged === true && !infra.has(workload.namespace)) {
          violations.push({
            address: workload.address,
            message: `${subject(container, workload)} is privileged in namespace "${workload.namespace}", which is not an infra namespace (platform/layer = infra) of this plan`,
            fix: `Remove privileged = true from "${container.name}" and grant only the capabilities it needs; a node agent that needs host access belongs in the infra namespace.`,
          });
        }
      }
    }
    return violations;
  },
});
