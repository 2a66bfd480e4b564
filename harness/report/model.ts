import type { Evaluation } from "../policy/engine.ts";
import type { Finding } from "../policy/types.ts";
import { summarizeActions, type PlanModel } from "../plan.ts";

/** Everything a report needs, computed once; each writer only formats it. */
export interface PolicyReport {
  environment: string;
  generatedAt: string;
  tofuVersion: string;
  changes: ReturnType<typeof summarizeActions>;
  rules: Array<{ id: string; title: string; kind: string; severity: string; status: "pass" | "fail" | "warn"; findings: Finding[] }>;
  findings: Finding[];
  passed: boolean;
}

export function buildReport(environment: string, plan: PlanModel, evaluation: Evaluation, now = new Date()): PolicyReport {
  return {
    environment,
    generatedAt: now.toISOString(),
    tofuVersion: plan.tofuVersion,
    changes: summarizeActions(plan),
    rules: evaluation.outcomes.map(({ rule, findings }) => ({
      ...rule,
      status: findings.length === 0 ? "pass" : rule.severity === "error" ? "fail" : "warn",
      findings,
    })),
    findings: evaluation.findings,
    passed: evaluation.passed,
  };
}

export function verdict(report: PolicyReport): string {
  const failed = report.rules.filter((rule) => rule.status === "fail").length;
  return report.passed
    ? `gate passed: ${report.rules.length} rules, ${report.findings.length} warnings`
    : `gate FAILED: ${failed} of ${report.rules.length} rules failed with ${report.findings.filter((f) => f.severity === "error").length} findings`;
}

export function changeLine(report: PolicyReport): string {
  const { create, update, replace, delete: remove, unchanged } = report.changes;
  return `${create} to create, ${update} to update, ${replace} to replace, ${remove} to destroy, ${unchanged} unchanged`;
}
