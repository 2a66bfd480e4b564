import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Command, Option } from "commander";
import { withCluster } from "../cluster/index.ts";
import { renderDrillConsole, renderDrillMarkdown, runDrill } from "../drill.ts";
import { reportsDir } from "../paths.ts";
import { wholeNumberAboveZero } from "./arguments.ts";

export const drillCommand = new Command("drill")
  .description("restore drill: run every restore-test CronJob now, wait for each Job's outcome, report per database; exits 1 if any failed")
  .addOption(new Option("-c, --context <name>", "kubeconfig context of the cluster").makeOptionMandatory())
  .option("-n, --namespace <name>", "namespace of the data layer", "data")
  .option("--timeout <minutes>", "how long to wait for the Jobs", wholeNumberAboveZero("--timeout", "minutes", 120), 120)
  .option("-o, --reports <dir>", "where the drill report is written", reportsDir)
  .action(async (options: { context: string; namespace: string; timeout: number; reports: string }) => {
    const results = await withCluster({ context: options.context }, (cluster) => runDrill(cluster, options.namespace, { timeoutMs: options.timeout * 60_000 }));
    console.log(renderDrillConsole(results));
    const dir = join(options.reports, "drill");
    await mkdir(dir, { recursive: true });
    const markdown = renderDrillMarkdown(options.context, results);
    await writeFile(join(dir, `${options.context}.json`), `${JSON.stringify({ context: options.context, namespace: options.namespace, results }, null, 2)}\n`);
    await writeFile(join(dir, `${options.context}.md`), markdown);
    if (process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, markdown);
    process.exitCode = results.every((result) => result.passed) ? 0 : 1;
  });
