import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { standaloneInput } from "../../harness/environment.ts";
import { PlatformError } from "../../harness/errors.ts";
import { repoRoot } from "../../harness/paths.ts";
import { evaluate, loadRules } from "../../harness/policy/engine.ts";
import type { PolicyInput, Rule } from "../../harness/policy/types.ts";
import { loadWaivers, waiverFileName } from "../../harness/policy/waivers.ts";
import { renderMarkdown } from "../../harness/report/markdown.ts";
import { buildReport } from "../../harness/report/model.ts";
import { ensurePlanToolchain } from "../../harness/toolchain/index.ts";

const today = new Date("2026-11-26T12:00:00Z");

async function waiverFile(yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "waivers-"));
  await writeFile(join(dir, waiverFileName), yaml);
  return dir;
}

const waiver = (expires: string, address = "kubernetes_deployment_v1.cache") => `waivers:
  - rule: no-bitnami
    address: ${address}
    owner: ops@example.org
    reason: Vendor image until the upstream valkey chart lands (ticket OPS-12).
    expires: ${expires}
`;

describe("waivers", () => {
  let rules: Rule[];
  let input: PolicyInput;

  beforeAll(async () => {
    rules = (await loadRules((await ensurePlanToolchain()).opa)).filter((rule) => rule.id === "no-bitnami");
    input = await standaloneInput(join(repoRoot, "policies/no-bitnami/fixtures/fail"));
  });

  it("a live waiver passes the gate but keeps its findings in the report, marked", async () => {
    const evaluation = await evaluate(rules, input, loadWaivers(await waiverFile(waiver("2027-01-31"))), today);
    expect(evaluation.passed).toBe(true);
    expect(evaluation.findings.filter((f) => f.ruleId === "no-bitnami")).toHaveLength(2);
    expect(evaluation.findings.every((f) => f.ruleId !== "no-bitnami" || f.waiver?.owner === "ops@example.org")).toBe(true);
    const report = buildReport("fixture", { tofuVersion: "1.12.6", variables: {}, resources: input.resources }, evaluation, today);
    expect(report.rules.find((r) => r.id === "no-bitnami")?.status).toBe("waived");
    expect(renderMarkdown(report)).toContain("[waived by ops@example.org until 2027-01-31: Vendor image");
  });

  it("a prefix waiver covers every address under it", async () => {
    const evaluation = await evaluate(rules, input, loadWaivers(await waiverFile(waiver("2027-01-31", "kubernetes_deployment_v1.*"))), today);
    expect(evaluation.passed).toBe(true);
  });

  it("an expired waiver fails the gate, and says so", async () => {
    const evaluation = await evaluate(rules, input, loadWaivers(await waiverFile(waiver("2026-11-25"))), today);
    expect(evaluation.passed).toBe(false);
    expect(evaluation.findings).toContainEqual(expect.objectContaining({ ruleId: "waiver-expired", message: "the waiver of no-bitnami owned by ops@example.org expired on 2026-11-25" }));
    expect(evaluation.findings.find((f) => f.ruleId === "no-bitnami")?.waiver?.expired).toBe(true);
  });

  it("a waiver without an owner is rejected, naming the field", async () => {
    const dir = await waiverFile("waivers:\n  - rule: no-bitnami\n    address: x\n    reason: because it is needed for now\n    expires: 2027-01-01\n");
    expect(() => loadWaivers(dir)).toThrow(PlatformError);
    expect(() => loadWaivers(dir)).toThrow(/waivers\.0\.owner/);
  });

  it("a waiver with a malformed date is rejected", async () => {
    const dir = await waiverFile(waiver("31/01/2027"));
    expect(() => loadWaivers(dir)).toThrow(/expires must be a date like 2027-01-31/);
  });
});
