import type { Evaluation } from "../policy/engine.ts";
import type { Finding } from "../policy/types.ts";
import { isBlocking } from "../policy/waivers.ts";
import { summarizeActions, type PlanModel } from "../plan.ts";

export type RuleStatus = "pass" | "fail" | "warn" | "waived";

function statusOf(findings: Finding[]): RuleStatus {
  if (findings.length === 0) return "pass";
  if (findings.some(isBlocking)) return "fail";
  return findings.some((finding) => finding.waiver) ? "waived" : "warn";
}

/** Everything a report needs, computed once; each writer only formats it. */
export interface PolicyReport {
  environment: string;
  generatedAt: string;
  tofuVersion: string;
  changes: ReturnType<typeof summarizeActions>;
  rules: Array<{ id: string; title: string; kind: string; severity: string; status: RuleStatus; findings: Finding[] }>;
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
      status: statusOf(findings),
      findings,
    })),
    findings: evaluation.findings,
    passed: evaluation.passed,
  };
}

export function verdict(report: PolicyReport): string {
  const failed = report.rules.filter((rule) => rule.status === "fail").length;
  const waived = report.findings.filter((finding) => finding.waiver && !finding.waiver.expired).length;
  const warnings = report.findings.filter((finding) => finding.severity === "warning").length;
  return report.passed
    ? `gate passed: ${report.rules.length} rules, ${warnings} warnings, ${waived} waived`
    : `gate FAILED: ${failed} of ${report.rules.length} rules failed with ${report.findings.filter(isBlocking).length} findings`;
}

export function changeLine(report: PolicyReport): string {
  const { create, update, replace, delete: remove, unchanged } = report.changes;
  return `${create} to create, ${update} to update, ${replace} to replace, ${remove} to destroy, ${unchanged} unchanged`;
}

/** The resource and, where the rule knows it, the container, value path or file:line within it. */
export function where(finding: Pick<Finding, "address" | "path">): string {
  return finding.path ? `${finding.address} @ ${finding.path}` : finding.address;
}

/** A path of the form file:line names a source location (source rules, waiver files). */
export function sourceLocation(finding: Pick<Finding, "path">): { file: string; line: number } | undefined {
  const match = finding.path?.match(/^([^\s:]+\.(?:tf|tofu|json|tfvars|hcl|yaml|yml)):(\d+)$/);
  return match ? { file: match[1]!, line: Number(match[2]) } : undefined;
}

export function waiverNote(finding: Finding): string {
  if (!finding.waiver) return "";
  const { owner, expires, expired, reason } = finding.waiver;
  return ` [${expired ? "waiver EXPIRED" : "waived"} by ${owner} until ${expires}: ${reason}]`;
}
