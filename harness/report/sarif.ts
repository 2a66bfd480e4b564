import type { Log, ReportingDescriptor, Result } from "sarif";
import { sourceLocation, where, type PolicyReport } from "./model.ts";

/**
 * SARIF 2.1.0 for code-scanning views. Findings of source rules carry file:line and point
 * there; a plan does not say which file declared a resource, so plan findings point at the
 * environment's main.tf and name the resource (and the path within it) as a logical location.
 */
export function renderSarif(report: PolicyReport, environmentPath: string): string {
  const rules: ReportingDescriptor[] = report.rules.map((rule) => ({
    id: rule.id,
    name: rule.title,
    shortDescription: { text: rule.title },
    helpUri: `policies/${rule.id}/README.md`,
    defaultConfiguration: { level: rule.severity === "error" ? "error" : "warning" },
  }));
  const results: Result[] = report.findings.map((finding) => {
    const source = sourceLocation(finding);
    return {
    ruleId: finding.ruleId,
    level: finding.severity === "error" ? "error" : "warning",
    message: { text: `${where(finding)}: ${finding.message}. Fix: ${finding.fix}` },
    locations: [
      {
        physicalLocation: source ? { artifactLocation: { uri: source.file }, region: { startLine: source.line } } : { artifactLocation: { uri: `${environmentPath}/main.tf` } },
        logicalLocations: [{ fullyQualifiedName: where(finding), kind: "resource" }],
      },
    ],
    ...(finding.waiver && !finding.waiver.expired
      ? { suppressions: [{ kind: "external" as const, status: "accepted" as const, justification: `${finding.waiver.reason} (owner ${finding.waiver.owner}, until ${finding.waiver.expires})` }] }
      : {}),
    };
  });
  const log: Log = {
    version: "2.1.0",
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    runs: [
      {
        tool: { driver: { name: "doks-platform-policies", rules } },
        results,
        // Not findings, but what a reviewer of the plan wants beside them.
        properties: {
          offline: report.offline,
          stacks: report.stacks,
          notJudged: report.notJudged,
          ...(report.cost ? { cost: { currency: report.cost.currency, total: report.cost.total, stacks: report.cost.stacks, lines: report.cost.lines, pricesRetrieved: report.cost.pricesRetrieved }, capacity: report.cost.capacity } : {}),
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
