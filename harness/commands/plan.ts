import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Command, Option } from "commander";
import pc from "picocolors";
import { withCluster } from "../cluster/index.ts";
import { costAndCapacity } from "../cost/index.ts";
import { openEnvironment, planAndCheck, type CheckedPlan, type EnvironmentRun } from "../environment.ts";
import { PlatformError } from "../errors.ts";
import { environmentLayout, type EnvironmentLayout } from "../layout.ts";
import { reportsDir } from "../paths.ts";
import { loadRules } from "../policy/engine.ts";
import { factsOf } from "../policy/facts.ts";
import { step } from "../progress.ts";
import { buildReport, renderConsole, writeReports, type PolicyReport } from "../report/index.ts";
import { capacityOutcome, planStacked, type PlannedStack } from "../stacks.ts";
import { ensurePlanToolchain, ensureTool } from "../toolchain/index.ts";

export interface PlanOptions {
  env: string;
  context?: string;
  reports: string;
  ci: boolean;
  offline?: boolean;
  varFile?: string[];
}

export const envOption = () => new Option("-e, --env <name>", "environment folder under environments/").default("local");
export const reportsOption = () => new Option("-o, --reports <dir>", "where reports are written").default(reportsDir);
export const varFileOption = () => new Option("--var-file <file...>", "inputs of a stacked environment (default: its terraform.tfvars and *.auto.tfvars*)");

async function publish(report: PolicyReport, options: PlanOptions): Promise<void> {
  console.log(renderConsole(report));
  const written = await writeReports(report, join(options.reports, options.env));
  console.log(pc.dim(`reports: ${Object.values(written).join(", ")}`));
  if (options.ci && process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, await readFile(written.markdown, "utf8"));
}

/**
 * A single-root environment (local): plan against the cluster, run every policy, print and
 * write the reports; `then` runs while the cluster and the saved plan still exist.
 */
async function gatedSinglePlan(options: PlanOptions, layout: EnvironmentLayout, then: (run: EnvironmentRun, checked: CheckedPlan) => Promise<void>): Promise<PolicyReport> {
  const toolchain = await ensurePlanToolchain(layout.dir);
  // Policies load before any cluster starts: a broken rule should cost seconds, not a boot.
  const rules = await loadRules(toolchain.opa);
  return withCluster({ ...(options.context ? { context: options.context } : {}) }, async (cluster) => {
    step(`planning ${options.env} against ${cluster.kind === "kubeconfig" ? `context ${cluster.context}` : `a ${cluster.kind} cluster`}`);
    const run = await openEnvironment(options.env, cluster, toolchain);
    for (const chart of run.leftOut) step(`left out: ${chart.pin.component} (chart ${chart.key} ${chart.pin.version}): ${chart.reason}`);
    const checked = await planAndCheck(run, rules);
    const cost = costAndCapacity([{ stack: options.env, resources: checked.model.resources, facts: factsOf(checked.model.resources) }]);
    // Capacity gates only where the plan declares a node pool to hold the workloads.
    const report = buildReport(options.env, checked.model, checked.evaluation, new Date(), { cost, outcomes: cost.capacity.pool ? [capacityOutcome(cost)] : [] });
    await publish(report, options);
    await then(run, checked);
    return report;
  });
}

/**
 * The shared core of plan and apply. A stacked environment (production) plans its stacks in
 * order and gates each; `afterGate` runs after each stack's gate while its saved plan exists.
 */
export async function gatedPlan(
  options: PlanOptions,
  hooks: { single?: (run: EnvironmentRun, checked: CheckedPlan) => Promise<void>; afterGate?: (planned: PlannedStack) => Promise<"applied" | "continue" | "stop"> } = {},
): Promise<PolicyReport> {
  const layout = environmentLayout(options.env);
  if (!layout.stacked) {
    if (options.varFile?.length) throw new PlatformError(`--var-file applies to stacked environments; ${options.env} has one root configuration`, `Set ${options.env}'s inputs in environments/${options.env}/variables.tf defaults, or drop --var-file.`);
    return gatedSinglePlan(options, layout, hooks.single ?? (async () => undefined));
  }
  if (options.context) throw new PlatformError(`--context does not apply to ${options.env}: its stacks read the cluster from DigitalOcean`, "Drop CONTEXT/--context.");
  const rules = await loadRules(await ensureTool("opa"));
  const { report } = await planStacked(layout, rules, {
    offline: options.offline ?? false,
    ...(options.varFile?.length ? { varFiles: options.varFile } : {}),
    ...(hooks.afterGate ? { afterGate: hooks.afterGate } : {}),
  });
  await publish(report, options);
  return report;
}

export const planCommand = new Command("plan")
  .description("plan an environment (every stack, in order), run every policy and the capacity check, write reports with the monthly cost; exits 1 when the gate fails")
  .addOption(envOption())
  .addOption(new Option("-c, --context <name>", "kubeconfig context to plan against (default: a cluster the harness starts)"))
  .addOption(reportsOption())
  .addOption(varFileOption())
  .addOption(new Option("--offline", "plan what can be planned without the platform's API: a throwaway local backend and dummy credentials; writes nothing but the reports"))
  .addOption(new Option("--ci", "CI mode: also append the Markdown report to $GITHUB_STEP_SUMMARY").default(Boolean(process.env.CI) && process.env.CI !== "false"))
  .action(async (options: PlanOptions) => {
    const report = await gatedPlan(options);
    process.exitCode = report.passed ? 0 : 1;
  });
