#!/usr/bin/env -S npx tsx
import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Command, Option } from "commander";
import pc from "picocolors";
import { runBench } from "./bench.ts";
import { runBackupBench } from "./bench-backup.ts";
import { withCluster } from "./cluster/index.ts";
import { environmentDir, openEnvironment, planAndCheck } from "./environment.ts";
import { PlatformError } from "./errors.ts";
import { restoreDatabase } from "./restore.ts";
import { reportsDir } from "./paths.ts";
import { loadRules } from "./policy/engine.ts";
import { step } from "./progress.ts";
import { buildReport, renderConsole, writeReports } from "./report/index.ts";
import { ensurePlanToolchain, installAll } from "./toolchain/index.ts";

const program = new Command("platform").description("Plan, check, test and gate the DOKS platform.");

program
  .command("toolchain")
  .description("build or find every pinned tool and the providers the repository uses (cached outside the repo)")
  .option("--all-providers", "also every other provider pinned in versions.json")
  .action(async (options: { allProviders?: boolean }) => {
    const built = await installAll(options);
    for (const [name, path] of Object.entries(built)) console.log(`${name.padEnd(24)} ${path}`);
  });

program
  .command("plan")
  .description("plan an environment, run every policy over the plan, write reports; exits 1 when the gate fails")
  .addOption(new Option("-e, --env <name>", "environment folder under environments/").default("local"))
  .addOption(new Option("-c, --context <name>", "kubeconfig context to plan against (default: a cluster the harness starts)"))
  .addOption(new Option("-o, --reports <dir>", "where reports are written").default(reportsDir))
  .addOption(new Option("--ci", "CI mode: also append the Markdown report to $GITHUB_STEP_SUMMARY").default(Boolean(process.env.CI) && process.env.CI !== "false"))
  .action(async (options: { env: string; context?: string; reports: string; ci: boolean }) => {
    const toolchain = await ensurePlanToolchain(environmentDir(options.env));
    // Policies load before any cluster starts: a broken rule should cost seconds, not a boot.
    const rules = await loadRules(toolchain.opa);
    const report = await withCluster({ ...(options.context ? { context: options.context } : {}) }, async (cluster) => {
      step(`planning ${options.env} against ${cluster.kind === "kubeconfig" ? `context ${cluster.context}` : `a ${cluster.kind} cluster`}`);
      const run = await openEnvironment(options.env, cluster, toolchain);
      const { model, evaluation } = await planAndCheck(run, rules);
      return buildReport(options.env, model, evaluation);
    });
    console.log(renderConsole(report));
    const written = await writeReports(report, join(options.reports, options.env));
    console.log(pc.dim(`reports: ${Object.values(written).join(", ")}`));
    if (options.ci && process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, await readFile(written.markdown, "utf8"));
    process.exitCode = report.passed ? 0 : 1;
  });

program
  .command("restore")
  .description("restore a backup of one database, into a scratch database (default) or in place")
  .requiredOption("-d, --database <name>", "the database (a key of the data module's databases)")
  .option("-b, --backup <id>", "backup id (its timestamp key); default: the latest")
  .option("--in-place", "replace the live database (asks for confirmation)")
  .option("-y, --yes", "confirm an in-place restore without asking")
  .addOption(new Option("-c, --context <name>", "kubeconfig context of the cluster").makeOptionMandatory())
  .option("-n, --namespace <name>", "namespace of the data layer", "data")
  .action(async (options: { database: string; backup?: string; inPlace?: boolean; yes?: boolean; context: string; namespace: string }) => {
    await withCluster({ context: options.context }, async (cluster) => {
      await restoreDatabase(cluster, {
        database: options.database,
        ...(options.backup ? { backup: options.backup } : {}),
        mode: options.inPlace ? "in-place" : "scratch",
        yes: Boolean(options.yes),
        namespace: options.namespace,
        wait: true,
      });
    });
  });

program
  .command("bench")
  .description("benchmark policy evaluation (real and generated plans) against conftest; prints `bench: <name> <value> <unit>` lines")
  .option("--runs <n>", "timed runs per policy figure (median reported)", (value) => Number.parseInt(value, 10), 5)
  .option("--suite <names...>", "which benchmarks: policy, backup", ["policy", "backup"])
  .option("--db-size <MiB>", "size of the generated database for the backup benchmark", (value) => Number.parseInt(value, 10), 1024)
  .action(async (options: { runs: number; suite: string[]; dbSize: number }) => {
    if (options.suite.includes("policy")) await runBench(options);
    if (options.suite.includes("backup")) await runBackupBench({ megabytes: options.dbSize });
  });

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof PlatformError) {
    process.stderr.write(`${pc.red("error:")} ${error.message}\n${pc.yellow("fix:")}   ${error.fix}\n`);
    process.exit(2);
  }
  throw error;
}
