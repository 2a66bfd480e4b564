import Table from "cli-table3";
import { markdownTable } from "markdown-table";
import pc from "picocolors";
import type { Cluster } from "./cluster/index.ts";
import { PlatformError } from "./errors.ts";
import { createJob, followJob, jobFromCronJob, listCronJobs, type JobOutcome } from "./jobs.ts";
import { step } from "./progress.ts";

export interface DrillResult {
  database: string;
  cronJob: string;
  job: string;
  passed: boolean;
  reason: string;
  message: string;
  seconds: number;
}

/**
 * The restore drill: runs every restore-test CronJob now (as one-off Jobs from their own
 * templates, like `kubectl create job --from`), waits for each Job's final condition, and
 * reports per database. The restore tests restore into throwaway servers inside their pods,
 * so a drill never loads the live servers.
 */
export async function runDrill(cluster: Cluster, namespace: string, options: { pollMs?: number; timeoutMs?: number } = {}): Promise<DrillResult[]> {
  const cronJobs = await listCronJobs(cluster, namespace, "restore-test");
  if (cronJobs.length === 0) throw new PlatformError(`no restore-test CronJobs in namespace ${namespace}`, "Apply the data module with at least one database (and backups enabled), or pass --namespace.");
  const stamp = Date.now().toString(36);
  const started = await Promise.all(
    cronJobs.map(async (cronJob) => {
      const database = cronJob.metadata!.labels?.["platform/database"] ?? cronJob.metadata!.name!;
      const name = `drill-${cronJob.metadata!.name!}`.slice(0, 56) + `-${stamp}`;
      await createJob(cluster, jobFromCronJob(cronJob, name, { "platform/job": "restore-drill" }));
      step(`restore drill: ${name} started for ${database}`);
      return { database, cronJob: cronJob.metadata!.name!, job: name, at: performance.now() };
    }),
  );
  return Promise.all(
    started.map(async (run) => {
      const outcome: JobOutcome = await followJob(cluster, namespace, run.job, options);
      return { database: run.database, cronJob: run.cronJob, job: run.job, passed: outcome.succeeded, reason: outcome.reason, message: outcome.message, seconds: Math.round((performance.now() - run.at) / 1000) };
    }),
  );
}

export function renderDrillConsole(results: DrillResult[]): string {
  const table = new Table({ head: ["database", "job", "result", "seconds", "detail"], style: pc.isColorSupported ? { head: ["bold"] } : { head: [], border: [] } });
  for (const result of results) table.push([result.database, result.job, result.passed ? pc.green("restored") : pc.red("FAILED"), String(result.seconds), result.passed ? "" : `${result.reason} ${result.message}`.trim()]);
  const failed = results.filter((result) => !result.passed).length;
  return `${table.toString()}\n${failed === 0 ? pc.green(`restore drill passed: ${results.length} database(s) restored and verified`) : pc.red(`restore drill FAILED for ${failed} of ${results.length} database(s)`)}`;
}

export function renderDrillMarkdown(context: string, results: DrillResult[]): string {
  const rows = results.map((result) => [result.database, `\`${result.job}\``, result.passed ? "restored" : "**FAILED**", String(result.seconds), result.passed ? "" : `${result.reason} ${result.message}`.trim()]);
  return `## Restore drill: ${context}\n\n${markdownTable([["database", "job", "result", "seconds", "detail"], ...rows])}\n`;
}
