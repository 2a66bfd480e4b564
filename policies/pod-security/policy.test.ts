import { describe, expect, it } from "vitest";
import { helmReleaseOf, type PlannedResource } from "../../harness/plan.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import rule from "./policy.ts";

// Planning a helm_release needs the helm provider, which the CI machines cannot build (see
// versions.json), so charts' rendered manifests are checked on releases as the plan model carries them.
function release(namespace: string, manifest: string): PlannedResource {
  const raw = { chart: "app", repository: "https://charts.example.org", version: "1.0.0", namespace, values: [], manifest };
  return { address: "helm_release.app", module: "", mode: "managed", type: "helm_release", name: "app", provider: "hashicorp/helm", actions: ["create"], values: raw, afterUnknown: {}, helm: helmReleaseOf(raw) };
}

const messages = (resources: PlannedResource[]) => rule.evaluate({ environment: "x", variables: {}, resources, facts: factsOf(resources), sources: [] }).map((v) => v.message);

const deployment = (podSecurity: string, container: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  template:
    spec:
      securityContext: ${podSecurity}
      containers:
        - ${container}
`;

describe("pod-security on Helm-rendered workloads", () => {
  it("reads the pod's and the container's securityContext in manifest form, in the release's namespace", () => {
    expect(messages([release("wordpress", deployment("{ runAsNonRoot: true }", "{ name: php, image: 'php:8.3-fpm', securityContext: { runAsUser: 0 } }"))])).toEqual([
      'container "php" of Deployment wordpress/web runs as root: runAsUser 0',
    ]);
    expect(messages([release("wordpress", deployment("{ runAsUser: 33 }", "{ name: php, image: 'php:8.3-fpm' }"))])).toEqual([]);
  });

  it("knows an allowed image by its Docker Hub long name", () => {
    expect(messages([release("wordpress", deployment("{}", "{ name: php, image: 'docker.io/library/wordpress:6.8.2-php8.3-fpm' }"))])).toEqual([]);
  });

  it("allows privileged containers only in a namespace the plan labels as infra", () => {
    const agent = deployment("{ runAsUser: 0 }", "{ name: node-agent, image: 'velero/velero:v1.16.2', securityContext: { privileged: true } }");
    const infra: PlannedResource = {
      address: "kubernetes_namespace_v1.infra", module: "", mode: "managed", type: "kubernetes_namespace_v1", name: "infra", provider: "hashicorp/kubernetes", actions: ["create"], afterUnknown: {},
      values: { metadata: [{ name: "infra", labels: { "platform/layer": "infra", "pod-security.kubernetes.io/enforce": "privileged" } }] },
    };
    expect(messages([infra, release("infra", agent)])).toEqual([]);
    expect(messages([release("infra", agent)])).toEqual([
      'container "node-agent" of Deployment infra/web is privileged in namespace "infra", which is not an infra namespace (platform/layer = infra) of this plan',
    ]);
  });
});
