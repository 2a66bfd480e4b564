import { beforeAll, describe, expect, it } from "vitest";
import { loadRules } from "../../harness/policy/engine.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import type { Rule } from "../../harness/policy/types.ts";
import { helmReleaseOf, type PlannedResource } from "../../harness/plan.ts";
import { ensurePlanToolchain } from "../../harness/toolchain/index.ts";

// Planning a helm_release needs the helm provider, which the CI machines cannot build (see
// versions.json), so the Helm-values branch is checked on releases as the plan model carries them.
function release(values: string, set: Array<{ name: string; value: string }> = []): PlannedResource {
  const raw = { chart: "app", repository: "https://charts.example.org", version: "1.0.0", namespace: "apps", values: [values], set };
  return { address: "helm_release.app", module: "", mode: "managed", type: "helm_release", name: "app", provider: "hashicorp/helm", actions: ["create"], values: raw, afterUnknown: {}, helm: helmReleaseOf(raw) };
}

describe("pinned-images on Helm values", () => {
  let rule: Rule;
  const messages = async (resource: PlannedResource) =>
    (await rule.evaluate({ environment: "x", variables: {}, resources: [resource], facts: factsOf([resource]), sources: [] })).map((v) => v.message);

  beforeAll(async () => {
    rule = (await loadRules((await ensurePlanToolchain()).opa)).find((candidate) => candidate.id === "pinned-images")!;
  });

  it("rejects image strings without a tag, with latest, or with only a registry port", async () => {
    const values = ["image: nginx", "worker:", "  image: nginx:latest", "sidecars:", "  - image: registry.internal:5000/proxy"].join("\n");
    expect((await messages(release(values))).sort()).toEqual([
      'Helm value image = "nginx" has no tag or digest',
      'Helm value sidecars.0.image = "registry.internal:5000/proxy" has no tag or digest',
      'Helm value worker.image = "nginx:latest" uses the moving tag latest',
    ]);
  });

  it("rejects repository/tag objects whose tag is empty or latest, also when set overrides it", async () => {
    const values = ["image:", "  repository: nextcloud", '  tag: ""', "cron:", "  image:", "    repository: nextcloud", "    tag: 31.0.8"].join("\n");
    expect((await messages(release(values, [{ name: "cron.image.tag", value: "latest" }]))).sort()).toEqual([
      'Helm value cron.image.tag = "latest" leaves nextcloud unpinned',
      'Helm value image.tag = "" leaves nextcloud unpinned',
    ]);
  });

  it("accepts tags, digests, a digest next to an empty tag, and a port followed by a tag", async () => {
    const values = [
      "image: nginx:1.27.3",
      "db:",
      "  image: postgres@sha256:37f7b378a29ceb4c551b1b5582e27747b855bbfaa73fa11914fe0df028dc581f",
      "app:",
      "  image:",
      "    repository: n8nio/n8n",
      '    tag: ""',
      "    digest: sha256:5b4f8e2f0c8a7d1e6b3c9a2f4d8e1b7c6a5f3e2d1c0b9a8f7e6d5c4b3a2f1e0d",
      "proxy:",
      "  image: registry.internal:5000/proxy:1.2",
    ].join("\n");
    expect(await messages(release(values))).toEqual([]);
  });
});
