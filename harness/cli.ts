#!/usr/bin/env -S npx tsx
import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Command, Option } from "commander";
import pc from "picocolors";
import { runBench } from "./bench.ts";
import { runBackupBench } from "./bench-backup.ts";
import { withCluster } from "./cluster/index.ts";
import { environmentDir, openEnvironment, planAndCheck, type CheckedPlan, type EnvironmentRun } from "./environment.ts";
import { confirmByTyping } from "./confirm.ts";
import { moduleDocs } from "./docs.ts";
import { PlatformError } from "./errors.ts";
import { restoreDatabase } from "./restore.ts";
import { reportsDir } from "./paths.ts";
import { loadRules } from "./policy/engine.ts";
import { step } from "./progress.ts";
import { buildReport, renderChanges, renderConsole, writeReports, type PolicyReport } from "./report/index.ts";
import { ensurePlanToolchain, installAll } from "./toolchain/index.ts";

interface PlanOptions {
  env: string;
  context?: string;
  reports: string;
  ci: boolean;
}

/**
 * The shared core of plan and apply: plan against the cluster, run every policy, print and
 * write the reports; `then` runs while the cluster and the saved plan still exist.
 */
async function gatedPlan(options: PlanOptions, then: (run: EnvironmentRun, checked: CheckedPlan) => Promise<void>): Promise<PolicyReport> {
  const toolchain = await ensurePlanToolchain(environmentDir(options.env));
  // Policies load before any cluster starts: a broken rule should cost seconds, not a boot.
  const rules = await loadRules(toolchain.opa);
  return withCluster({ ...(options.context ? { context: options.context } : {}) }, async (cluster) => {
    step(`planning ${options.env} against ${cluster.kind === "kubeconfig" ? `context ${cluster.context}` : `a ${cluster.kind} cluster`}`);
    const run = await openEnvironment(options.env, cluster, toolchain);
    const checked = await planAndCheck(run, rules);
    const report = buildReport(options.env, checked.model, checked.evaluation);
    console.log(renderConsole(report));
    const written = await writeReports(report, join(options.reports, options.env));
    console.log(pc.dim(`reports: ${Object.values(written).join(", ")}`));
    if (options.ci && process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, await readFile(written.markdown, "utf8"));
    await then(run, checked);
    return report;
  });
}

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
    const report = await gatedPlan(options, async () => undefined);
    process.exitCode = report.passed ? 0 : 1;
  });

program
  .command("apply")
  .description("plan, run the gate, show the changes, then apply exactly the saved plan that passed")
  .addOption(new Option("-e, --env <name>", "environment folder under environments/").default("local"))
  .addOption(new Option("-c, --context <name>", "kubeconfig context to apply to (default: a cluster the harness starts, gone after the run)"))
  .addOption(new Option("-o, --reports <dir>", "where reports are written").default(reportsDir))
  .option("--auto-approve", "apply without asking (CI); the gate still decides")
  .action(async (options: { env: string; context?: string; reports: string; autoApprove?: boolean }) => {
    const report = await gatedPlan({ ...options, ci: false }, async (run, checked) => {
      console.log(pc.bold("Changes:"));
      console.log(renderChanges(checked.model.resources));
      if (!checked.evaluation.passed) return;
      if (!checked.hasChanges) {
        step("nothing to apply");
        return;
      }
      if (!options.autoApprove) await confirmByTyping(`Apply these changes to ${options.env}?`, "yes", `applying to ${options.env}`, "--auto-approve");
      step(`applying the saved plan to ${options.env}`);
      await run.tofu.apply(run.planFile);
      step("applied");
    });
    if (!report.passed) process.stderr.write(pc.red("not applied: the gate failed\n"));
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
  .command("docs")
  .description("write each module's inputs and outputs into its README (--check: fail when out of date)")
  .option("--check", "only check")
  .action(async (options: { check?: boolean }) => {
    await moduleDocs({ check: Boolean(options.check) });
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
