import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { planStandalone, policyInput } from "../../harness/environment.ts";
import { repoRoot } from "../../harness/paths.ts";
import { evaluate, loadRules } from "../../harness/policy/engine.ts";
import { buildReport, renderConsole, writeReports, type PolicyReport } from "../../harness/report/index.ts";
import { renderSarif } from "../../harness/report/sarif.ts";
import { ensurePlanToolchain } from "../../harness/toolchain/index.ts";

describe("report writers", () => {
  let report: PolicyReport;
  let written: Awaited<ReturnType<typeof writeReports>>;

  beforeAll(async () => {
    const toolchain = await ensurePlanToolchain();
    const dir = join(repoRoot, "policies/no-bitnami/fixtures/fail");
    const plan = await planStandalone(dir);
    // Two rules, one failing: the writers are under test here, not the rule set.
    const rules = (await loadRules(toolchain.opa)).filter((rule) => ["no-bitnami", "no-managed-database"].includes(rule.id));
    const evaluation = await evaluate(rules, await policyInput("fixture", dir, plan));
    report = buildReport("fixture", plan, evaluation, new Date("2026-11-26T00:00:00Z"));
    written = await writeReports(report, await mkdtemp(join(tmpdir(), "reports-")));
  });

  it("console: every rule, the failing finding with its fix, and the verdict", () => {
    const text = renderConsole(report);
    expect(text).toContain("no-managed-database");
    expect(text).toContain("kubernetes_deployment_v1.cache");
    expect(text).toContain(`gate FAILED: 1 of ${report.rules.length} rules failed with 2 findings`);
  });

  it("Markdown: a pull-request-ready table with findings and fixes", async () => {
    const markdown = await readFile(written.markdown, "utf8");
    expect(markdown).toContain("## Policy report: `fixture`");
    expect(markdown).toMatch(/\| no-bitnami\s+\| rego\s+\| ❌ fail\s+\| 2\s+\|/);
    expect(markdown).toMatch(/\| no-bitnami\s+\| `kubernetes_deployment_v1.cache @ spec\[0\]\.template\[0\]\.spec\[0\]\.(init_)?container\[0\]` \|/);
  });

  it("JSON: the whole report, machine-readable", async () => {
    const json = JSON.parse(await readFile(written.json, "utf8")) as PolicyReport;
    expect(json).toEqual(JSON.parse(JSON.stringify(report)));
    expect(json.passed).toBe(false);
  });

  it("SARIF: a 2.1.0 log with every rule and one result per finding", async () => {
    const sarif = JSON.parse(await readFile(written.sarif, "utf8"));
    expect(sarif.version).toBe("2.1.0");
    const [run] = sarif.runs;
    expect(run.tool.driver.rules.map((rule: { id: string }) => rule.id)).toEqual(report.rules.map((rule) => rule.id));
    expect(run.results).toHaveLength(report.findings.length);
    expect(run.results[0]).toMatchObject({ ruleId: "no-bitnami", level: "error", locations: [{ logicalLocations: [{ fullyQualifiedName: expect.stringMatching(/^kubernetes_deployment_v1\.cache @ spec\[0\]/) }] }] });
  });

  it("SARIF: a finding of a source rule points at its file and line", () => {
    const sarif = JSON.parse(renderSarif({ ...report, findings: [{ ruleId: "secrets-hygiene", severity: "error", address: "modules/x/main.tf: locals.db_password", path: "modules/x/main.tf:12", message: "m", fix: "f" }] }, "environments/local"));
    expect(sarif.runs[0].results[0].locations[0].physicalLocation).toEqual({ artifactLocation: { uri: "modules/x/main.tf" }, region: { startLine: 12 } });
  });

  it("JUnit: one test case per rule, the failing rule as a failure", async () => {
    const xml = await readFile(written.junit, "utf8");
    expect(xml).toMatch(new RegExp(`<testsuite[^>]*name="policies.fixture"[^>]*tests="${report.rules.length}"[^>]*failures="1"`));
    expect(xml).toMatch(/<testcase classname="policies.rego" name="no-bitnami: No Bitnami images or charts"[^>]*>\s*<failure/);
  });
});

// A chart the plan could not include was never judged: every format says so, none hides it.
describe("what the gate could not judge", () => {
  it("appears in the console, Markdown, JSON, JUnit (skipped) and SARIF reports", async () => {
    const plan = await planStandalone(join(repoRoot, "policies/no-bitnami/fixtures/pass"));
    const notJudged = [{ what: "monitoring (chart prometheus 29.27.0)", reason: "PLATFORM_CHART_MIRROR is not set and https://prometheus-community.github.io/helm-charts is unreachable" }];
    const report = buildReport("fixture", plan, { passed: true, findings: [], outcomes: [] }, new Date("2026-11-26T00:00:00Z"), { notJudged });
    expect(renderConsole(report)).toContain(`not judged: ${notJudged[0]!.what}: ${notJudged[0]!.reason}`);
    const written = await writeReports(report, await mkdtemp(join(tmpdir(), "reports-")));
    expect(await readFile(written.markdown, "utf8")).toContain("### Not judged");
    expect(JSON.parse(await readFile(written.json, "utf8")).notJudged).toEqual(notJudged);
    expect(await readFile(written.junit, "utf8")).toMatch(/<testcase classname="not-judged" name="monitoring \(chart prometheus 29\.27\.0\)"[^>]*>\s*<skipped/);
    expect(JSON.parse(await readFile(written.sarif, "utf8")).runs[0].properties.notJudged).toEqual(notJudged);
  });
});
