import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSources } from "../../harness/hcl.ts";
import { helmSources } from "../../harness/policy/charts.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import { loadRegoRules } from "../../harness/policy/rego.ts";
import type { Rule } from "../../harness/policy/types.ts";
import { ensureTool } from "../../harness/toolchain/index.ts";

const folder = dirname(fileURLToPath(import.meta.url));

// A Bitnami chart is named from the HCL even when the plan cannot fetch it (and so never
// shows it): the gate judges the source alone when tofu cannot plan (see planAndCheck).
describe("no-bitnami on helm_release sources", () => {
  let rule: Rule;

  beforeAll(async () => {
    rule = (await loadRegoRules(await ensureTool("opa"), [folder]))[0]!;
  });

  it("names a Bitnami repository, an OCI path and Bitnami values, each at its file and line", async () => {
    const sources = await loadSources(join(folder, "fixtures/source-only"));
    const violations = await rule.evaluate({ environment: "x", variables: {}, resources: [], facts: factsOf([]), sources, helmSources: helmSources(sources) });
    const file = "policies/no-bitnami/fixtures/source-only/main.tf";
    expect(violations.map((v) => [v.address, v.path]).sort()).toEqual([
      ["helm_release.cache", `${file}:5`],
      ["helm_release.oci", `${file}:13`],
      ["helm_release.values", `${file}:26`],
    ]);
  });
});
