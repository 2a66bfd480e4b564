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

  it("allows privileged containers only in the namespaces of privileged-namespaces.json, whatever a label says", () => {
    const agent = deployment("{ runAsUser: 0 }", "{ name: node-agent, image: 'velero/velero:v1.16.2', securityContext: { privileged: true, allowPrivilegeEscalation: false } }");
    const monitoring: PlannedResource = {
      address: "kubernetes_namespace_v1.monitoring", module: "", mode: "managed", type: "kubernetes_namespace_v1", name: "monitoring", provider: "hashicorp/kubernetes", actions: ["create"], afterUnknown: {},
      values: { metadata: [{ name: "monitoring", labels: { "platform/layer": "infra", "pod-security.kubernetes.io/enforce": "baseline" } }] },
    };
    expect(messages([release("infra", agent)])).toEqual([]);
    expect(messages([monitoring, release("monitoring", agent)])).toEqual([
      'container "node-agent" of Deployment monitoring/web is privileged, in namespace "monitoring", which is not listed in policies/pod-security/privileged-namespaces.json',
    ]);
  });
});
