import junitModule, { type Builder } from "junit-report-builder";
import { costSummary, rangeText, where, type PolicyReport } from "./model.ts";

// A CommonJS package with `exports.default`: Node hands ESM the builder itself, TypeScript
// types it as the module object.
const junit = junitModule as unknown as Builder;

/** One test suite per environment, one test case per rule: CI systems show failed rules as failed tests. */
export function renderJUnit(report: PolicyReport): string {
  const builder = junit.newBuilder();
  const suite = builder.testSuite().name(`policies.${report.environment}`).timestamp(report.generatedAt);
  for (const rule of report.rules) {
    const testCase = suite.testCase().className(`policies.${rule.kind}`).name(`${rule.id}: ${rule.title}`);
    const detail = rule.findings.map((f) => `${where(f)}: ${f.message}\n  fix: ${f.fix}`).join("\n");
    if (rule.status === "fail") testCase.failure(`${rule.findings.length} finding(s)`, "PolicyViolation").standardOutput(detail);
    else if (detail) testCase.standardOutput(detail);
  }
  for (const stack of report.stacks.filter((candidate) => !candidate.planned)) {
    suite.testCase().className("stacks").name(`${stack.name}: not planned`).skipped().standardOutput(stack.note ?? "");
  }
  if (report.cost) {
    const { total, capacity } = costSummary(report.cost);
    const lines = report.cost.lines.map((line) => `${line.stack} ${line.item} ${rangeText(line)}: ${line.detail}`);
    suite.testCase().className("cost").name("monthly cost").standardOutput([...lines, total, ...report.cost.unpriced.map((item) => `not priced: ${item}`)].join("\n"));
    suite.property("cost.monthly.min", String(report.cost.total.min)).property("cost.monthly.max", String(report.cost.total.max)).property("capacity", capacity);
  }
  for (const item of report.notJudged) suite.testCase().className("not-judged").name(item.what).skipped().standardOutput(item.reason);
  if (report.offline) suite.property("offline", "true");
  return builder.build();
}
