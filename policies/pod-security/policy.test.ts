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

  it("knows a registry-qualified entry of root-allowed.json by that registry only", () => {
    expect(messages([release("mailu", deployment("{}", "{ name: admin, image: 'ghcr.io/mailu/admin:2024.06.51' }"))])).toEqual([]);
    expect(messages([release("mailu", deployment("{}", "{ name: admin, image: 'docker.io/mailu/admin:2024.06.51' }"))])).toEqual([
      'container "admin" of Deployment mailu/web may run as root: runAsNonRoot is unset and no runAsUser is set on it or its pod, so image "docker.io/mailu/admin:2024.06.51" decides',
    ]);
  });
});

// Mailu's volume backups, as modules/mailu declares them: root, every capability dropped but
// DAC_READ_SEARCH, in the archive step of two CronJobs listed in capability-exceptions.json.
const backup = (name: string, container: string, capabilities: string[]) => `
apiVersion: batch/v1
kind: CronJob
metadata: { name: ${name} }
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          securityContext: { runAsUser: 0, runAsNonRoot: false, seccompProfile: { type: RuntimeDefault } }
          initContainers:
            - name: ${container}
              image: docker.io/rclone/rclone:1.71.0
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL], add: [${capabilities.join(", ")}] } }
          containers:
            - { name: upload, image: docker.io/rclone/rclone:1.71.0, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } } }
`;

describe("pod-security's capability exceptions (capability-exceptions.json)", () => {
  it("allow exactly the listed capability to the listed container of the listed workloads in their namespace", () => {
    expect(messages([release("mailu", backup("mailu-mail-backup", "archive", ["DAC_READ_SEARCH"]))])).toEqual([]);
    expect(messages([release("mailu", backup("mailu-admin-backup", "archive", ["DAC_READ_SEARCH"]))])).toEqual([]);
  });

  it("refuse the same capability in another namespace, another workload, another kind or another container", () => {
    expect(messages([release("nextcloud", backup("mailu-mail-backup", "archive", ["DAC_READ_SEARCH"]))])).toEqual([
      'init container "archive" of CronJob nextcloud/mailu-mail-backup adds the capabilities DAC_READ_SEARCH, in namespace "nextcloud", which is not listed in policies/pod-security/privileged-namespaces.json',
    ]);
    expect(messages([release("mailu", backup("mailu-webmail-backup", "archive", ["DAC_READ_SEARCH"]))])).toEqual([
      'init container "archive" of CronJob mailu/mailu-webmail-backup adds the capabilities DAC_READ_SEARCH, in namespace "mailu", which is not listed in policies/pod-security/privileged-namespaces.json',
    ]);
    expect(messages([release("mailu", backup("mailu-mail-backup", "upload", ["DAC_READ_SEARCH"]))])).toEqual([
      'init container "upload" of CronJob mailu/mailu-mail-backup adds the capabilities DAC_READ_SEARCH, in namespace "mailu", which is not listed in policies/pod-security/privileged-namespaces.json',
    ]);
    const asDeployment = release("mailu", `
apiVersion: apps/v1
kind: Deployment
metadata: { name: mailu-mail-backup }
spec:
  template:
    spec:
      securityContext: { runAsUser: 0 }
      containers:
        - { name: archive, image: docker.io/rclone/rclone:1.71.0, securityContext: { allowPrivilegeEscalation: false, capabilities: { add: [DAC_READ_SEARCH] } } }
`);
    expect(messages([asDeployment])).toEqual([
      'container "archive" of Deployment mailu/mailu-mail-backup adds the capabilities DAC_READ_SEARCH, in namespace "mailu", which is not listed in policies/pod-security/privileged-namespaces.json',
    ]);
  });

  it("refuse another capability there, and name only what the exception does not cover", () => {
    expect(messages([release("mailu", backup("mailu-mail-backup", "archive", ["SYS_ADMIN"]))])).toEqual([
      'init container "archive" of CronJob mailu/mailu-mail-backup adds the capabilities SYS_ADMIN, in namespace "mailu", which is not listed in policies/pod-security/privileged-namespaces.json',
    ]);
    expect(messages([release("mailu", backup("mailu-mail-backup", "archive", ["DAC_READ_SEARCH", "SYS_PTRACE"]))])).toEqual([
      'init container "archive" of CronJob mailu/mailu-mail-backup adds the capabilities SYS_PTRACE, in namespace "mailu", which is not listed in policies/pod-security/privileged-namespaces.json',
    ]);
  });

  it("leave the other checks on: an excepted container that is privileged or escalates still fails", () => {
    const escalating = backup("mailu-mail-backup", "archive", ["DAC_READ_SEARCH"]).replace("allowPrivilegeEscalation: false, capabilities: { drop: [ALL], add", "allowPrivilegeEscalation: true, privileged: true, capabilities: { drop: [ALL], add");
    expect(messages([release("mailu", escalating)])).toEqual([
      'init container "archive" of CronJob mailu/mailu-mail-backup is privileged, in namespace "mailu", which is not listed in policies/pod-security/privileged-namespaces.json',
      'init container "archive" of CronJob mailu/mailu-mail-backup allows privilege escalation (set allow_privilege_escalation = false; the provider defaults it to true), in namespace "mailu", which is not listed in policies/pod-security/privileged-namespaces.json',
    ]);
  });
});
