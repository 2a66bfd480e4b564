import { databaseFamilyOf } from "../../harness/policy/databases.ts";
import type { Workload } from "../../harness/policy/facts.ts";
import { defineRule, type Violation } from "../../harness/policy/types.ts";

type Layer = "infra" | "data" | "apps";

const infraComponents = ["traefik", "cert-manager", "external-dns", "velero", "kube-prometheus-stack", "prometheus", "grafana", "loki", "alloy", "promtail", "alertmanager", "victoria-logs-single", "victoria-logs", "vector", "kube-state-metrics", "prometheus-node-exporter", "node-exporter"];
// Caches by image name; database servers are recognised once, in harness/policy/databases.ts.
const dataComponents = new Set(["valkey", "redis", "redis-server", "keydb", "dragonfly", "memcached"]);
// Namespaces no app may use: the shared layers, and Kubernetes' own.
const notForApps = (namespace: string) => namespace === "infra" || namespace === "data" || namespace === "default" || namespace.startsWith("kube-");

/** registry/path/name:tag@digest -> name; a chart URL, OCI path, local path or packaged .tgz -> chart name. */
const baseName = (reference: string) =>
  reference.replace(/\/+$/, "").split("@")[0]!.split("/").pop()!.split(":")[0]!.toLowerCase().replace(/-\d+\.\d+\.\d+([-+][\w.]+)?\.tgz$/, "").replace(/\.tgz$/, "");

// An infra component ships several images (cert-manager-controller, loki-canary), hence the prefix.
function layerOfName(name: string): Layer | undefined {
  if (infraComponents.some((component) => name === component || name.startsWith(`${component}-`))) return "infra";
  // A database image belongs to the data layer even as a client (the data module's provisioning Jobs).
  return dataComponents.has(name) || databaseFamilyOf(name) ? "data" : undefined;
}

/**
 * Main containers decide (an app's init container may well run a database client). A database's
 * own backup and restore-test jobs belong to it, whatever tool image they run. A chart's helper
 * (node-exporter in kube-prometheus-stack) takes its release's layer.
 */
function layerOfWorkload(workload: Workload, releaseLayer: Layer | undefined): Layer {
  if (workload.database || workload.labels["platform/backup-of"] !== undefined) return "data";
  const layers = workload.containers.filter((c) => !c.init).map((c) => layerOfName(baseName(c.image)));
  return layers.find((layer) => layer === "infra") ?? layers.find((layer) => layer === "data") ?? releaseLayer ?? "apps";
}

function misplaced(layer: Layer, namespace: string, address: string, what: string): Violation | undefined {
  if (layer === "apps") {
    if (!notForApps(namespace)) return undefined;
    return {
      address,
      message: `app ${what} runs in namespace "${namespace}", which is not an app namespace`,
      fix: 'Give the app its own namespace through modules/namespace with layer = "apps", and deploy it there.',
    };
  }
  if (namespace === layer) return undefined;
  const kind = layer === "infra" ? "infra component" : "database or cache";
  return {
    address,
    message: `${kind} ${what} runs in namespace "${namespace}"; it belongs in "${layer}"`,
    fix: layer === "infra"
      ? 'Deploy it in namespace "infra", which modules/k8s-config creates for ingress, certificates, DNS automation, monitoring, logging and backups.'
      : 'Run it in namespace "data" (for a chart, disable its bundled database or cache) and give apps a database or cache there; apps connect through a connection Secret.',
  };
}

export default defineRule({
  id: "layering",
  title: "Infra in infra, databases in data, each app in its own namespace",
  severity: "error",
  evaluate(input) {
    const violations: Violation[] = [];
    const releases = new Map<string, { layer: Layer; namespace: string }>();
    for (const resource of input.resources.filter((r) => r.helm && !(r.actions.length === 1 && r.actions[0] === "delete"))) {
      const chart = baseName(resource.helm!.chart);
      const release = { layer: layerOfName(chart) ?? (databaseFamilyOf(chart) ? "data" : "apps"), namespace: resource.helm!.namespace } as const;
      releases.set(resource.address, release);
      const violation = misplaced(release.layer, release.namespace, resource.address, `chart "${chart}" (helm release ${String(resource.values.name ?? resource.name)})`);
      if (violation) violations.push({ ...violation, path: "namespace" });
    }

    for (const workload of input.facts.workloads) {
      const release = releases.get(workload.address);
      const layer = layerOfWorkload(workload, release?.layer);
      // The release's own finding already covers objects that share its layer and namespace.
      if (release && release.layer === layer && release.namespace === workload.namespace) continue;
      const violation = misplaced(layer, workload.namespace, workload.address, `${workload.kind} ${workload.name}`);
      if (violation) violations.push({ ...violation, path: workload.path ? `${workload.path}.metadata.namespace` : "metadata[0].namespace" });
    }

    for (const namespace of input.facts.namespaces) {
      const expected = namespace.name === "infra" || namespace.name === "data" ? namespace.name : "apps";
      const actual = namespace.labels["platform/layer"];
      if (actual === expected) continue;
      violations.push({
        address: namespace.address,
        path: `${namespace.path}.labels`,
        message: `namespace "${namespace.name}" is labelled platform/layer=${actual ?? "(none)"}; it must be ${expected}`,
        fix: expected === "apps"
          ? 'Create app namespaces through modules/namespace with layer = "apps"; infra and data components go in the "infra" and "data" namespaces, not new ones.'
          : `Label it platform/layer=${expected}, as modules/k8s-config does.`,
      });
    }
    return violations;
  },
});
