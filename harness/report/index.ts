import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderJUnit } from "./junit.ts";
import { renderMarkdown } from "./markdown.ts";
import type { PolicyReport } from "./model.ts";
import { renderSarif } from "./sarif.ts";

export { renderChanges, renderConsole } from "./console.ts";
export { assembleReport, buildReport, mergeOutcomes, sumChanges, verdict, type PolicyReport, type StackStatus } from "./model.ts";

export interface WrittenReports {
  markdown: string;
  json: string;
  junit: string;
  sarif: string;
}

/** environmentPath: the environment folder relative to the repository, for SARIF locations. */
export async function writeReports(report: PolicyReport, dir: string, environmentPath = `environments/${report.environment}`): Promise<WrittenReports> {
  await mkdir(dir, { recursive: true });
  const paths = {
    markdown: join(dir, "policy-report.md"),
    json: join(dir, "policy-report.json"),
    junit: join(dir, "policy-report.junit.xml"),
    sarif: join(dir, "policy-report.sarif"),
  };
  await Promise.all([
    writeFile(paths.markdown, renderMarkdown(report)),
    writeFile(paths.json, `${JSON.stringify(report, null, 2)}\n`),
    writeFile(paths.junit, renderJUnit(report)),
    writeFile(paths.sarif, renderSarif(report, environmentPath)),
  ]);
  return paths;
}
