import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { planStandalone } from "../../harness/environment.ts";
import { repoRoot } from "../../harness/paths.ts";
import { helmReleaseOf, manifestObjects, parsePlan, summarizeActions, type PlanModel } from "../../harness/plan.ts";

describe("plan model from real `tofu show -json` output", () => {
  let model: PlanModel;

  beforeAll(async () => {
    model = await planStandalone(join(repoRoot, "test/fixtures/module-plan"));
  });

  const namespaceOf = (layer: string) => model.resources.find((r) => r.type === "kubernetes_namespace_v1" && r.module === `module.k8s_config.module.layer["${layer}"]`)!;

  it("lists every resource of nested modules with their module paths", () => {
    expect(model.resources.map((r) => r.address).sort()).toEqual(
      ["data", "infra"].flatMap((layer) =>
        ["kubernetes_namespace_v1.this", "kubernetes_network_policy_v1.allow_dns", "kubernetes_network_policy_v1.default_deny"].map((resource) => `module.k8s_config.module.layer["${layer}"].${resource}`),
      ),
    );
    expect(namespaceOf("infra")).toMatchObject({ type: "kubernetes_namespace_v1", name: "this", mode: "managed", provider: "hashicorp/kubernetes", actions: ["create"] });
  });

  it("carries planned values and marks what is only known after apply", () => {
    const data = namespaceOf("data");
    const metadata = (data.values.metadata as Array<{ labels: Record<string, string> }>)[0]!;
    expect(metadata.labels).toMatchObject({ "platform/layer": "data", "pod-security.kubernetes.io/enforce": "restricted" });
    expect((data.afterUnknown.metadata as Array<Record<string, unknown>>)[0]).toMatchObject({ uid: true });
  });

  it("summarizes the actions", () => {
    expect(summarizeActions(model)).toEqual({ create: 6, update: 0, delete: 0, replace: 0, unchanged: 0 });
    expect(model.tofuVersion).toMatch(/^1\.12\./);
  });

  it("rejects a document that is not a plan, naming the field", () => {
    expect(() => parsePlan({ format_version: "1.2", resource_changes: [] })).toThrow(/terraform_version/);
    expect(() => parsePlan({ format_version: "1.2", terraform_version: "1.12.6", resource_changes: [{ address: "x" }] })).toThrow(/resource_changes/);
  });

  it("judges the old values of a resource being destroyed", () => {
    const plan = parsePlan({
      format_version: "1.2",
      terraform_version: "1.12.6",
      resource_changes: [{ address: "a.b", mode: "managed", type: "a", name: "b", provider_name: "registry.opentofu.org/x/a", change: { actions: ["delete"], before: { image: "old" }, after: null } }],
    });
    expect(plan.resources[0]).toMatchObject({ values: { image: "old" }, provider: "x/a", module: "" });
  });
});

describe("helm releases in the plan model", () => {
  const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "infra" } };
  const service = { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "infra" } };

  it("reads the manifest experiment's JSON map (one entry per object) and plain multi-document YAML alike", () => {
    const asMap = JSON.stringify({ "infra/deployment.apps/apps/v1/web": deployment, "infra/service/v1/web": service });
    expect(manifestObjects(asMap)).toEqual([deployment, service]);
    expect(manifestObjects("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: infra}\n---\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: infra}\n")).toEqual([deployment, service]);
    expect(manifestObjects("")).toEqual([]);
  });

  it("names the chart, also when Helm reads it from a mirror's <chart>-<version>.tgz", () => {
    const release = (chart: string) => helmReleaseOf({ chart, version: "41.3.0", repository: "https://traefik.github.io/charts", namespace: "infra", values: [], set: [], manifest: "" });
    expect(release("traefik").chart).toBe("traefik");
    expect(release("/srv/charts/traefik-41.3.0.tgz").chart).toBe("traefik");
    expect(release("/srv/charts/traefik-41.3.0.tgz").repository).toBe("https://traefik.github.io/charts");
  });
});
