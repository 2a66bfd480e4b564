import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { standaloneInput } from "../../harness/environment.ts";
import { repoRoot } from "../../harness/paths.ts";
import { evaluate, loadRules } from "../../harness/policy/engine.ts";
import type { PolicyInput, Rule } from "../../harness/policy/types.ts";
import { isCalendarDate, loadWaivers, waiverFileName } from "../../harness/policy/waivers.ts";
import { renderMarkdown } from "../../harness/report/markdown.ts";
import { buildReport } from "../../harness/report/model.ts";
import { ensurePlanToolchain } from "../../harness/toolchain/index.ts";

const today = new Date("2026-11-26T12:00:00Z");

async function waiverFile(yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "waivers-"));
  await writeFile(join(dir, waiverFileName), yaml);
  return join(dir, waiverFileName);
}

const waiver = (expires: string, address = "kubernetes_deployment_v1.cache", rule = "no-bitnami") => `waivers:
  - rule: ${rule}
    address: ${address}
    owner: ops@example.org
    reason: Vendor image until the upstream valkey chart lands (ticket OPS-12).
    expires: ${expires}
`;

describe("waivers", () => {
  let rules: Rule[];
  let input: PolicyInput;
  const gate = async (yaml: string) => evaluate(rules, input, loadWaivers(await waiverFile(yaml)), today);
  const findingsOf = (evaluation: Awaited<ReturnType<typeof gate>>, ruleId: string) => evaluation.findings.filter((f) => f.ruleId === ruleId).map((f) => ({ address: f.address, message: f.message }));

  beforeAll(async () => {
    rules = (await loadRules((await ensurePlanToolchain()).opa)).filter((rule) => rule.id === "no-bitnami");
    input = await standaloneInput(join(repoRoot, "policies/no-bitnami/fixtures/fail"));
  });

  it("a live waiver passes the gate but keeps its findings in the report, marked", async () => {
    const evaluation = await gate(waiver("2027-01-31"));
    expect(evaluation.passed).toBe(true);
    expect(evaluation.findings.filter((f) => f.ruleId === "no-bitnami")).toHaveLength(2);
    expect(evaluation.findings.every((f) => f.ruleId !== "no-bitnami" || f.waiver?.owner === "ops@example.org")).toBe(true);
    const report = buildReport("fixture", { tofuVersion: "1.12.6", variables: {}, resources: input.resources }, evaluation, today);
    expect(report.rules.find((r) => r.id === "no-bitnami")?.status).toBe("waived");
    expect(renderMarkdown(report)).toContain("[waived by ops@example.org until 2027-01-31: Vendor image");
  });

  it("an expired waiver fails the gate with its file and line", async () => {
    const evaluation = await gate(`# reviewed in OPS-12\n${waiver("2026-11-25")}`);
    expect(evaluation.passed).toBe(false);
    const [expired] = evaluation.findings.filter((f) => f.ruleId === "waiver-expired");
    expect(expired).toMatchObject({ message: "the waiver of no-bitnami for kubernetes_deployment_v1.cache, owned by ops@example.org, expired on 2026-11-25" });
    expect(expired!.address).toMatch(/policy-waivers\.yaml:3$/);
    expect(evaluation.findings.find((f) => f.ruleId === "no-bitnami")?.waiver?.expired).toBe(true);
  });

  // Each invalid entry fails the gate at its line and waives nothing.
  it.each([
    ["a wildcard address", waiver("2027-01-31", "kubernetes_deployment_v1.*"), "address must be one exact resource address, without wildcards (* ? [...])"],
    ["a glob inside the address", waiver("2027-01-31", "module.app?.kubernetes_deployment_v1.cache"), "address must be one exact resource address"],
    ["a day that does not exist", waiver("2027-02-30"), "expires must be a real calendar date like 2027-01-31"],
    ["a month that does not exist", waiver("2027-13-01"), "expires must be a real calendar date"],
    ["another date format", waiver("31/01/2027"), "expires must be a real calendar date"],
    ["a date more than 90 days ahead", waiver("2027-02-25"), "expires 2027-02-25, more than 90 days ahead (latest allowed: 2027-02-24)"],
    ["a rule the suite does not have", waiver("2027-01-31", "kubernetes_deployment_v1.cache", "no-bitnamii"), 'rule "no-bitnamii" is not a rule of this policy suite'],
    ["a waiver of the waiver rules", waiver("2027-01-31", "x", "waiver-expired"), "waiver-expired cannot be waived"],
    ["a missing owner", "waivers:\n  - rule: no-bitnami\n    address: x\n    reason: because it is needed for now\n    expires: 2027-01-01\n", "owner"],
    ["an unknown field", waiver("2027-01-31").replace("    owner:", "    approved: yes\n    owner:"), "unknown field approved"],
  ])("rejects %s", async (_, yaml, message) => {
    const evaluation = await gate(yaml);
    expect(evaluation.passed).toBe(false);
    const invalid = findingsOf(evaluation, "waiver-invalid");
    expect(invalid).toHaveLength(1);
    expect(invalid[0]!.address).toMatch(/policy-waivers\.yaml:2$/);
    expect(invalid[0]!.message).toContain(message);
    expect(evaluation.findings.filter((f) => f.ruleId === "no-bitnami").every((f) => f.waiver === undefined)).toBe(true);
  });

  it("a file that is not YAML fails the gate at the line of the error", async () => {
    const evaluation = await gate("waivers:\n  - rule: no-bitnami\n   address: [unclosed\n");
    expect(findingsOf(evaluation, "waiver-invalid")).toEqual([expect.objectContaining({ address: expect.stringMatching(/policy-waivers\.yaml:\d+$/), message: expect.stringContaining("not valid YAML") })]);
    expect(evaluation.passed).toBe(false);
  });

  it("knows real calendar dates", () => {
    expect(["2028-02-29", "2027-12-31"].every(isCalendarDate)).toBe(true);
    expect(["2027-02-29", "2027-04-31", "2027-00-10", "2027-1-10", "20270110"].some(isCalendarDate)).toBe(false);
  });
});
