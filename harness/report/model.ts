import type { CostReport } from "../cost/index.ts";
import type { Evaluation, RuleOutcome } from "../policy/engine.ts";
import type { Finding } from "../policy/types.ts";
import { isBlocking } from "../policy/waivers.ts";
import { summarizeActions, type PlanModel } from "../plan.ts";

export type RuleStatus = "pass" | "fail" | "warn" | "waived";
export type ChangeCounts = ReturnType<typeof summarizeActions>;

function statusOf(findings: Finding[]): RuleStatus {
  if (findings.length === 0) return "pass";
  if (findings.some(isBlocking)) return "fail";
  return findings.some((finding) => finding.waiver) ? "waived" : "warn";
}

/** One root configuration of the environment: planned and gated, or why not. */
export interface StackStatus {
  name: string;
  planned: boolean;
  /** Why it was not planned, or how (e.g. a footprint estimate against a local API server). */
  note?: string;
  changes?: ChangeCounts;
  passed?: boolean;
}

/** Everything a report needs, computed once; each writer only formats it. */
export interface PolicyReport {
  environment: string;
  generatedAt: string;
  tofuVersion: string;
  /** True when the plan ran with a throwaway backend, dummy credentials and no API access. */
  offline: boolean;
  stacks: StackStatus[];
  changes: ChangeCounts;
  rules: Array<{ id: string; title: string; kind: string; severity: string; status: RuleStatus; findings: Finding[] }>;
  findings: Finding[];
  cost?: CostReport;
  /**
   * What this plan could not show the rules (a chart left out because neither the mirror nor its
   * repository had it): the gate passed without judging it, and every report says so.
   */
  notJudged: NotJudged[];
  passed: boolean;
}

export interface NotJudged {
  what: string;
  reason: string;
}

export interface ReportInput {
  environment: string;
  tofuVersion: string;
  offline: boolean;
  stacks: StackStatus[];
  changes: ChangeCounts;
  outcomes: RuleOutcome[];
  cost?: CostReport;
  notJudged?: NotJudged[];
}

export function assembleReport(input: ReportInput, now = new Date()): PolicyReport {
  const findings = input.outcomes.flatMap((outcome) => outcome.findings);
  return {
    environment: input.environment,
    generatedAt: now.toISOString(),
    tofuVersion: input.tofuVersion,
    offline: input.offline,
    stacks: input.stacks,
    changes: input.changes,
    rules: input.outcomes.map(({ rule, findings: ruleFindings }) => ({ ...rule, status: statusOf(ruleFindings), findings: ruleFindings })),
    findings,
    ...(input.cost ? { cost: input.cost } : {}),
    notJudged: input.notJudged ?? [],
    passed: !findings.some(isBlocking) && input.stacks.every((stack) => stack.passed !== false),
  };
}

/** The report of one root configuration planned on its own (environments/local, fixtures). */
export function buildReport(environment: string, plan: PlanModel, evaluation: Evaluation, now = new Date(), extra: { cost?: CostReport; outcomes?: RuleOutcome[]; notJudged?: NotJudged[] } = {}): PolicyReport {
  const changes = summarizeActions(plan);
  return assembleReport(
    {
      environment,
      tofuVersion: plan.tofuVersion,
      offline: false,
      stacks: [{ name: environment, planned: true, changes, passed: evaluation.passed }],
      changes,
      outcomes: [...evaluation.outcomes, ...(extra.outcomes ?? [])],
      ...(extra.cost ? { cost: extra.cost } : {}),
      ...(extra.notJudged ? { notJudged: extra.notJudged } : {}),
    },
    now,
  );
}

export function sumChanges(all: ChangeCounts[]): ChangeCounts {
  const total: ChangeCounts = { create: 0, update: 0, delete: 0, replace: 0, unchanged: 0 };
  for (const counts of all) for (const key of Object.keys(total) as Array<keyof ChangeCounts>) total[key] += counts[key];
  return total;
}

/**
 * One rule list for several stacks: a rule's findings from every stack, each address prefixed
 * with its stack so a reader knows which root configuration to open.
 */
export function mergeOutcomes(parts: Array<{ stack: string; outcomes: RuleOutcome[] }>): RuleOutcome[] {
  const merged = new Map<string, RuleOutcome>();
  for (const { stack, outcomes } of parts) {
    for (const outcome of outcomes) {
      const entry = merged.get(outcome.rule.id) ?? { rule: outcome.rule, findings: [] };
      entry.findings.push(...outcome.findings.map((finding) => ({ ...finding, address: `${stack}: ${finding.address}` })));
      merged.set(outcome.rule.id, entry);
    }
  }
  return [...merged.values()];
}

export function verdict(report: PolicyReport): string {
  const failed = report.rules.filter((rule) => rule.status === "fail").length;
  const waived = report.findings.filter((finding) => finding.waiver && !finding.waiver.expired).length;
  const warnings = report.findings.filter((finding) => finding.severity === "warning").length;
  return report.passed
    ? `gate passed: ${report.rules.length} rules, ${warnings} warnings, ${waived} waived`
    : `gate FAILED: ${failed} of ${report.rules.length} rules failed with ${report.findings.filter(isBlocking).length} findings`;
}

export function changeLine(report: Pick<PolicyReport, "changes">): string {
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

const usd = (value: number) => `$${value.toFixed(2)}`;
export const rangeText = (range: { min: number; max: number }) => (range.min === range.max ? usd(range.min) : `${usd(range.min)}-${usd(range.max)}`);

/** Plain-text lines of the cost and capacity section, shared by every human format. */
export function costSummary(cost: CostReport): { total: string; capacity: string } {
  const total = `monthly cost: ${rangeText(cost.total)} (${cost.stacks.map((stack) => `${stack.stack} ${rangeText(stack)}`).join(", ")}; prices of ${cost.pricesRetrieved})`;
  const c = cost.capacity;
  const capacity = !c.assessed
    ? `capacity: not assessed (${c.reason})`
    : c.pool
      ? `capacity at ${c.pool.minNodes} × ${c.pool.size}: requests ${c.requests.cpuMillis}m CPU / ${c.requests.memoryMiB} MiB + largest job ${c.burst.cpuMillis}m / ${c.burst.memoryMiB} MiB of ${c.available.cpuMillis}m / ${c.available.memoryMiB} MiB available; headroom CPU ${c.headroom.cpuPercent}%, memory ${c.headroom.memoryPercent}% (${c.fits ? "fits" : "DOES NOT FIT"})`
      : `capacity: ${c.reason}`;
  return { total, capacity };
}
