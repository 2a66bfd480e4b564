import Table from "cli-table3";
import pc from "picocolors";
import type { PlannedResource } from "../plan.ts";
import { changeLine, costSummary, rangeText, verdict, waiverNote, where, type PolicyReport } from "./model.ts";

const statusLabel = { pass: pc.green("pass"), fail: pc.red("FAIL"), warn: pc.yellow("warn"), waived: pc.magenta("waived") };

// cli-table3 colours borders and headings on its own; NO_COLOR and pipes get plain text.
const tableStyle = pc.isColorSupported ? { head: ["bold"] } : { head: [], border: [] };

export function renderConsole(report: PolicyReport): string {
  const rules = new Table({ head: ["rule", "kind", "status", "findings"], style: tableStyle });
  for (const rule of report.rules) rules.push([rule.id, rule.kind, statusLabel[rule.status], String(rule.findings.length)]);

  const lines = [pc.bold(`Policy report: ${report.environment}${report.offline ? " (OFFLINE: throwaway local backend, dummy credentials, no API reads)" : ""}`), `plan: ${changeLine(report)}`];
  if (report.stacks.length > 1 || report.offline) {
    const stacks = new Table({ head: ["stack", "planned", "changes / why not"], style: tableStyle, wordWrap: true, colWidths: [12, 10, 96] });
    for (const stack of report.stacks) stacks.push([stack.name, stack.planned ? "yes" : pc.yellow("no"), [stack.changes ? changeLine({ changes: stack.changes }) : "", stack.note ?? ""].filter(Boolean).join("; ")]);
    lines.push(stacks.toString());
  }
  lines.push(rules.toString());
  if (report.cost) lines.push(renderCost(report));
  if (report.findings.length > 0) {
    const findings = new Table({ head: ["rule", "resource", "problem", "fix"], colWidths: [20, 36, 40, 44], wordWrap: true, style: tableStyle });
    for (const finding of report.findings) findings.push([finding.ruleId, where(finding), finding.message + waiverNote(finding), finding.fix]);
    lines.push(findings.toString());
  }
  for (const item of report.notJudged) lines.push(pc.yellow(`not judged: ${item.what}: ${item.reason}`));
  lines.push(report.passed ? pc.green(verdict(report)) : pc.red(pc.bold(verdict(report))));
  return lines.join("\n");
}

const actionLabel: Record<string, string> = { create: pc.green("+ create"), update: pc.yellow("~ update"), replace: pc.magenta("± replace"), delete: pc.red("- destroy") };

/** What an apply would do, destroys first: the part a reviewer must not miss. */
export function renderChanges(resources: PlannedResource[]): string {
  const changes = resources
    .map((resource) => {
      const { actions } = resource;
      const kind = actions.includes("create") && actions.includes("delete") ? "replace" : actions.includes("delete") ? "delete" : actions.includes("create") ? "create" : actions.includes("update") ? "update" : undefined;
      return kind ? { kind, address: resource.address } : undefined;
    })
    .filter((change): change is { kind: string; address: string } => change !== undefined)
    .sort((a, b) => ["delete", "replace", "update", "create"].indexOf(a.kind) - ["delete", "replace", "update", "create"].indexOf(b.kind) || a.address.localeCompare(b.address));
  if (changes.length === 0) return "no changes";
  return changes.map((change) => `  ${actionLabel[change.kind]} ${change.address}`).join("\n");
}

function renderCost(report: PolicyReport): string {
  const cost = report.cost!;
  const table = new Table({ head: ["stack", "item", "monthly", "what"], style: tableStyle, wordWrap: true, colWidths: [12, 15, 17, 76] });
  for (const line of cost.lines) table.push([line.stack, line.item, rangeText(line), line.detail]);
  const { total, capacity } = costSummary(cost);
  const unpriced = cost.unpriced.map((item) => pc.yellow(`  not priced: ${item}`));
  return [table.toString(), pc.bold(total), ...unpriced, cost.capacity.fits ? capacity : pc.red(capacity)].join("\n");
}
