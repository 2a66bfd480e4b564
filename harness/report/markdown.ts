import { markdownTable } from "markdown-table";
import { changeLine, verdict, waiverNote, where, type PolicyReport } from "./model.ts";

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
    markdownTable([["Rule", "Kind", "Status", "Findings"], ...report.rules.map((rule) => [rule.id, rule.kind, `${icon[rule.status]} ${rule.status}`, String(rule.findings.length)])]),
  ];
  if (report.findings.length > 0) {
    sections.push(
      "### Findings",
      markdownTable([["Rule", "Resource", "Problem", "How to fix"], ...report.findings.map((f) => [f.ruleId, `\`${where(f)}\``, cell(f.message + waiverNote(f)), cell(f.fix)])]),
    );
  }
  return `${sections.join("\n\n")}\n`;
}
