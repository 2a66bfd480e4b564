import junitModule, { type Builder } from "junit-report-builder";
import { where, type PolicyReport } from "./model.ts";

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
  return builder.build();
}
