import { describe, expect, it } from "vitest";
import { helmReleaseOf, type PlannedResource } from "../../harness/plan.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import type { PolicyInput } from "../../harness/policy/types.ts";
import rule from "./policy.ts";

// The real-plan fixtures cover kubernetes_* objects. Planning a helm_release needs the helm
// provider, which the CI machines cannot build, so charts' rendered objects are checked on
// releases as the plan model would carry them.
function release(chart: string, manifest: string): PlannedResource {
  const planned = { chart, repository: "https://charts.example.org", version: "1.0.0", namespace: chart, values: [], set: [], manifest };
  return { address: `helm_release.${chart}`, module: "", mode: "managed", type: "helm_release", name: chart, provider: "hashicorp/helm", actions: ["create"], values: planned, afterUnknown: {}, helm: helmReleaseOf(planned) };
}

function evaluate(...resources: PlannedResource[]) {
  const input: PolicyInput = { environment: "x", variables: {}, resources, facts: factsOf(resources), sources: [] };
  return rule.evaluate(input).map(({ address, message }) => ({ address, message }));
}

describe("storage-separation on helm releases", () => {
  it("rejects the StorageClass a csi-s3 chart installs", () => {
    const manifest = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: csi-s3\nprovisioner: ru.yandex.s3.csi\n";
    expect(evaluate(release("csi-s3", manifest))).toEqual([
      { address: "helm_release.csi-s3", message: 'StorageClass "csi-s3" uses provisioner ru.yandex.s3.csi; only DigitalOcean block storage (dobs.csi.digitalocean.com) may hold state' },
    ]);
  });

  it("judges a chart's claims like any other", () => {
    const claim = (storageClass: string) =>
      `---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: ${storageClass || "default"}\nspec:\n  accessModes: [ReadWriteOnce]\n${storageClass ? `  storageClassName: ${storageClass}\n` : ""}`;
    expect(evaluate(release("nextcloud", claim("do-block-storage-retain") + claim("")))).toEqual([
      { address: "helm_release.nextcloud", message: "PersistentVolumeClaim nextcloud/default names no storage class, so it gets whatever the cluster default is" },
    ]);
  });
});
