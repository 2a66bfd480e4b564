import type { Log, ReportingDescriptor, Result } from "sarif";
import type { PolicyReport } from "./model.ts";

/**
 * SARIF 2.1.0 for code-scanning views. A plan does not say which file declared a resource, so
 * results point at the environment's main.tf and name the resource as a logical location.
 */
export function renderSarif(report: PolicyReport, environmentPath: string): string {
  const rules: ReportingDescriptor[] = report.rules.map((rule) => ({
    id: rule.id,
    name: rule.title,
    shortDescription: { text: rule.title },
    helpUri: `policies/${rule.id}/README.md`,
    defaultConfiguration: { level: rule.severity === "error" ? "error" : "warning" },
  }));
  const results: Result[] = report.findings.map((finding) => ({
    ruleId: finding.ruleId,
    level: finding.severity === "error" ? "error" : "warning",
    message: { text: `${finding.address}: ${finding.message}. Fix: ${finding.fix}` },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: `${environmentPath}/main.tf` } },
        logicalLocations: [{ fullyQualifiedName: finding.address, kind: "resource" }],
      },
    ],
    ...(finding.waiver && !finding.waiver.expired
      ? { suppressions: [{ kind: "external" as const, status: "accepted" as const, justification: `${finding.waiver.reason} (owner ${finding.waiver.owner}, until ${finding.waiver.expires})` }] }
      : {}),
  }));
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
          ...(report.cost ? { cost: { currency: report.cost.currency, total: report.cost.total, stacks: report.cost.stacks, lines: report.cost.lines, pricesRetrieved: report.cost.pricesRetrieved }, capacity: report.cost.capacity } : {}),
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
