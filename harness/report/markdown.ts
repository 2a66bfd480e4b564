import { markdownTable } from "markdown-table";
import { changeLine, costSummary, rangeText, verdict, waiverNote, where, type PolicyReport } from "./model.ts";

/** Pipes and newlines would break a table cell. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** Ready to paste into a pull request. */
export function renderMarkdown(report: PolicyReport): string {
  const icon = { pass: "✅", fail: "❌", warn: "⚠️", waived: "📝" };
  const sections = [
    `## Policy report: \`${report.environment}\``,
    `**${verdict(report)}** · plan: ${changeLine(report)} · OpenTofu ${report.tofuVersion}`,
    ...(report.offline ? ["> **Offline plan**: a throwaway local backend, dummy credentials and no API reads. Nothing was written anywhere; stacks that need the live platform were not planned."] : []),
    ...(report.stacks.length > 1 || report.offline
      ? [markdownTable([["Stack", "Planned", "Changes / why not"], ...report.stacks.map((stack) => [stack.name, stack.planned ? "yes" : "no", cell([stack.changes ? changeLine({ changes: stack.changes }) : "", stack.note ?? ""].filter(Boolean).join("; "))])])]
      : []),
    markdownTable([["Rule", "Kind", "Status", "Findings"], ...report.rules.map((rule) => [rule.id, rule.kind, `${icon[rule.status]} ${rule.status}`, String(rule.findings.length)])]),
  ];
  if (report.cost) {
    const { total, capacity } = costSummary(report.cost);
    sections.push(
      "### Cost and capacity",
      markdownTable([["Stack", "Item", "Monthly (USD)", "What"], ...report.cost.lines.map((line) => [line.stack, line.item, rangeText(line), cell(line.detail)])]),
      `**${total}**`,
      ...report.cost.unpriced.map((item) => `- not priced: ${cell(item)}`),
      `${report.cost.capacity.fits ? "✅" : "❌"} ${capacity}`,
    );
  }
  if (report.findings.length > 0) {
    sections.push(
      "### Findings",
      markdownTable([["Rule", "Resource", "Problem", "How to fix"], ...report.findings.map((f) => [f.ruleId, `\`${where(f)}\``, cell(f.message + waiverNote(f)), cell(f.fix)])]),
    );
  }
  if (report.notJudged.length > 0) {
    sections.push("### Not judged", "The gate passed without seeing these; plan again where they are available to judge them.", report.notJudged.map((item) => `- ${cell(item.what)}: ${cell(item.reason)}`).join("\n"));
  }
  return `${sections.join("\n\n")}\n`;
}
