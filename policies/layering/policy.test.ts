import { describe, expect, it } from "vitest";
import { helmReleaseOf, type PlannedResource } from "../../harness/plan.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import type { PolicyInput } from "../../harness/policy/types.ts";
import rule from "./policy.ts";

// The real-plan fixtures cover kubernetes_* objects. Planning a helm_release needs the helm
// provider, which the CI machines cannot build, so releases (chart, namespace and rendered
// manifests) are checked as the plan model would carry them.
function release(name: string, chart: string, namespace: string, manifest = ""): PlannedResource {
  const planned = { name, chart, repository: "https://charts.example.org", version: "1.0.0", namespace, values: [], set: [], manifest };
  return { address: `helm_release.${name}`, module: "", mode: "managed", type: "helm_release", name, provider: "hashicorp/helm", actions: ["create"], values: planned, afterUnknown: {}, helm: helmReleaseOf(planned) };
}

const workload = (kind: string, name: string, image: string) =>
  `---\napiVersion: apps/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: ${name}\n          image: ${image}\n`;

function evaluate(...resources: PlannedResource[]) {
  const input: PolicyInput = { environment: "x", variables: {}, resources, facts: factsOf(resources), sources: [] };
  return rule.evaluate(input).map(({ address, message }) => ({ address, message }));
}

describe("layering on helm releases", () => {
  it("accepts infra charts in infra, helpers with unknown images included", () => {
    const stack = workload("Deployment", "kps-operator", "quay.io/prometheus-operator/prometheus-operator:v0.85.0") + workload("DaemonSet", "kps-node-exporter", "quay.io/prometheus/node-exporter:v1.9.1");
    expect(evaluate(release("monitoring", "kube-prometheus-stack", "infra", stack), release("traefik", "oci://ghcr.io/traefik/helm/traefik", "infra"))).toEqual([]);
  });

  it("rejects an infra chart outside infra, once for the release", () => {
    expect(evaluate(release("cert-manager", "cert-manager", "cert-manager", workload("Deployment", "cert-manager", "quay.io/jetstack/cert-manager-controller:v1.18.2")))).toEqual([
      { address: "helm_release.cert-manager", message: 'infra component chart "cert-manager" (helm release cert-manager) runs in namespace "cert-manager"; it belongs in "infra"' },
    ]);
  });

  it("rejects an app chart in a shared namespace", () => {
    expect(evaluate(release("wordpress", "wordpress", "data", workload("Deployment", "wordpress", "docker.io/library/wordpress:6.8.2-apache")))).toEqual([
      { address: "helm_release.wordpress", message: 'app chart "wordpress" (helm release wordpress) runs in namespace "data", which is not an app namespace' },
    ]);
  });

  it("rejects a database an app chart bundles into the app's namespace", () => {
    const rendered = workload("Deployment", "wordpress", "docker.io/library/wordpress:6.8.2-apache") + workload("StatefulSet", "wordpress-mariadb", "docker.io/library/mariadb:11.8.3");
    expect(evaluate(release("wordpress", "wordpress", "wordpress", rendered))).toEqual([
      { address: "helm_release.wordpress", message: 'database or cache StatefulSet wordpress-mariadb runs in namespace "wordpress"; it belongs in "data"' },
    ]);
  });

  it("keeps an app's private cache with its app, and never a database or an unlabelled cache", () => {
    const labelled = (name: string, image: string, labels: string) =>
      `---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  labels: {${labels}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: ${name}\n          image: ${image}\n`;
    const objects = [
      labelled("valkey", "docker.io/valkey/valkey:8.1.3", '"platform/private-cache": "true"'),
      labelled("cache", "redis:7.4", ""),
      labelled("db", "postgres:17.6", '"platform/private-cache": "true"'),
    ].join("");
    expect(evaluate(release("mail", "mail-stack", "mailu", objects)).map((v) => v.message)).toEqual([
      'database or cache Deployment cache runs in namespace "mailu"; it belongs in "data"',
      'database or cache Deployment db runs in namespace "mailu"; it belongs in "data"',
    ]);
  });
});

