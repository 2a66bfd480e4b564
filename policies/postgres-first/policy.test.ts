import { describe, expect, it } from "vitest";
import { helmReleaseOf, type PlannedResource } from "../../harness/plan.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import type { PolicyInput } from "../../harness/policy/types.ts";
import rule from "./policy.ts";

// The real-plan fixtures cover connection Secrets and database servers. Planning a helm_release
// needs the helm provider, which the CI machines cannot build, so releases (their values and
// rendered manifests) are checked as the plan model would carry them.
function release(chart: string, values: string, manifest = ""): PlannedResource {
  const planned = { chart, repository: "https://charts.example.org", version: "1.0.0", namespace: chart, values: [values], set: [], manifest };
  return { address: `helm_release.${chart}`, module: "", mode: "managed", type: "helm_release", name: chart, provider: "hashicorp/helm", actions: ["create"], values: planned, afterUnknown: {}, helm: helmReleaseOf(planned) };
}

function evaluate(resource: PlannedResource) {
  const input: PolicyInput = { environment: "x", variables: {}, resources: [resource], facts: factsOf([resource]), sources: [] };
  return rule.evaluate(input);
}

describe("postgres-first on helm releases", () => {
  it("rejects a MySQL external database for a chart that is not allowlisted", () => {
    expect(evaluate(release("nextcloud", "externalDatabase:\n  enabled: true\n  type: mysql\n"))).toEqual([
      expect.objectContaining({ address: "helm_release.nextcloud", message: 'chart "nextcloud" is configured with externalDatabase.type "mysql", and "nextcloud" is not allowed MariaDB/MySQL' }),
    ]);
  });

  it("accepts MariaDB for an allowlisted chart, and PostgreSQL for any", () => {
    expect(evaluate(release("wordpress", "externalDatabase:\n  type: mariadb\n"))).toEqual([]);
    expect(evaluate(release("nextcloud", "externalDatabase:\n  type: postgresql\n"))).toEqual([]);
  });

  it("rejects a database server the chart bundles into the app's namespace", () => {
    const bundled = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: wordpress-mariadb\nspec:\n  template:\n    spec:\n      containers:\n        - name: mariadb\n          image: docker.io/library/mariadb:11.8.3\n";
    expect(evaluate(release("wordpress", "mariadb:\n  enabled: true\n", bundled))).toEqual([
      expect.objectContaining({ address: "helm_release.wordpress", message: "StatefulSet wordpress/wordpress-mariadb runs its own mariadb database server (container \"mariadb\", image docker.io/library/mariadb:11.8.3); databases live in the data layer" }),
    ]);
  });

  it("judges the chart's name, not its repository path", () => {
    expect(evaluate(release("oci://ghcr.io/example/charts/wordpress", "externalDatabase:\n  type: mysql\n"))).toEqual([]);
  });
});
