import { defineRule } from "../../harness/policy/types.ts";

/**
 * The gate fails closed: every other workload rule reads the facts layer, so an object that
 * runs pods but that the facts layer cannot read would pass all of them unseen.
 */
export default defineRule({
  id: "unknown-workload",
  title: "Every pod-bearing object is readable by the policies",
  severity: "error",
  evaluate(input) {
    return input.facts.unreadable.map((object) => ({
      address: object.address,
      path: object.path,
      message: `${object.kind}${object.name ? ` ${object.namespace ? `${object.namespace}/` : ""}${object.name}` : ""} may run pods the policies cannot see: ${object.reason}`,
      fix: object.reason.includes("experiments.manifest")
        ? "Set experiments = { manifest = true } in the helm provider block, so the plan carries what the chart renders."
        : object.reason.includes("after apply")
          ? "Make the value known at plan time: pass secrets through an existing Secret (existingSecret) instead of a value computed in the same apply, or apply the resource it depends on first."
          : "Declare the workload as a Deployment, StatefulSet, DaemonSet, Job, CronJob or Pod (kubernetes_*_v1, kubernetes_manifest or a chart), or teach harness/policy/facts.ts to read this kind, with a test.",
    }));
  },
});
