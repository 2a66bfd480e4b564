import { existsSync } from "node:fs";
import { appendFile, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Command, Option } from "commander";
import pc from "picocolors";
import { withCluster } from "../cluster/index.ts";
import { costAndCapacity } from "../cost/index.ts";
import { environmentWaivers, openEnvironment, planAndCheck, type CheckedPlan, type EnvironmentRun } from "../environment.ts";
import { PlatformError } from "../errors.ts";
import { environmentLayout, type EnvironmentLayout } from "../layout.ts";
import { reportsDir } from "../paths.ts";
import { loadRules, policiesDir } from "../policy/engine.ts";
import { factsOf } from "../policy/facts.ts";
import type { Rule } from "../policy/types.ts";
import { loadWaivers, waiverFileName } from "../policy/waivers.ts";
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
  /** The rules to gate with; CI passes the base branch's, so a change cannot weaken its own gate. */
  policies?: string;
  /** The waiver file to honour; CI passes the base branch's copy. */
  waivers?: string;
}

export const envOption = () => new Option("-e, --env <name>", "environment folder under environments/").default("local");
export const reportsOption = () => new Option("-o, --reports <dir>", "where reports are written").default(reportsDir);
export const varFileOption = () => new Option("--var-file <file...>", "inputs of a stacked environment (default: its terraform.tfvars and *.auto.tfvars*)");
export const policiesOption = () => new Option("--policies <dir>", "policy folder to gate with (CI: the base branch's policies/)");
export const waiversOption = () => new Option("--waivers <file>", "waiver file to honour instead of environments/<env>/policy-waivers.yaml (CI: the base branch's)");

/** One gated plan: plan, run every policy, print and write the reports. */
export type Replan = () => Promise<{ checked: CheckedPlan; report: PolicyReport }>;

async function publish(report: PolicyReport, options: PlanOptions): Promise<void> {
  console.log(renderConsole(report));
  const written = await writeReports(report, join(options.reports, options.env));
  console.log(pc.dim(`reports: ${Object.values(written).join(", ")}`));
  if (options.ci && process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, await readFile(written.markdown, "utf8"));
}

/** The rules to gate with, loaded before any cluster starts: a broken rule should cost seconds, not a boot. */
async function gateRules(options: PlanOptions, opa: string): Promise<Rule[]> {
  const policies = resolve(options.policies ?? policiesDir);
  if (!existsSync(policies)) throw new PlatformError(`policy folder ${options.policies} does not exist`, "Pass --policies the policies/ folder of a checkout (CI: the base branch's).");
  return loadRules(opa, policies);
}

/**
 * A single-root environment (local): plan against the cluster, run every policy, print and
 * write the reports; `then` runs while the cluster and the saved plan still exist, and may
 * plan and gate again (`replan`) after an apply. Returns the last report.
 */
async function gatedSinglePlan(options: PlanOptions, layout: EnvironmentLayout, then: (run: EnvironmentRun, checked: CheckedPlan, replan: Replan) => Promise<void>): Promise<PolicyReport> {
  const toolchain = await ensurePlanToolchain(layout.dir);
  const rules = await gateRules(options, toolchain.opa);
  return withCluster({ ...(options.context ? { context: options.context } : {}) }, async (cluster) => {
    step(`planning ${options.env} against ${cluster.kind === "kubeconfig" ? `context ${cluster.context}` : `a ${cluster.kind} cluster`}`);
    const run = await openEnvironment(options.env, cluster, toolchain);
    for (const chart of run.leftOut) step(`left out: ${chart.pin.component} (chart ${chart.key} ${chart.pin.version}): ${chart.reason}`);
    let last: PolicyReport | undefined;
    const replan: Replan = async () => {
      const checked = await planAndCheck(run, rules, environmentWaivers(run, options.waivers && resolve(options.waivers)));
      if (checked.planError) console.log(pc.yellow(`tofu could not plan (${checked.planError}); the rules judged the HCL alone, and that already fails the gate`));
      const cost = costAndCapacity([{ stack: options.env, resources: checked.model.resources, facts: factsOf(checked.model.resources) }]);
      // Capacity gates only where the plan declares a node pool to hold the workloads.
      const notJudged = run.leftOut.map((chart) => ({ what: `${chart.pin.component} (chart ${chart.key} ${chart.pin.version})`, reason: chart.reason }));
      const report = buildReport(options.env, checked.model, checked.evaluation, new Date(), { cost, outcomes: cost.capacity.pool ? [capacityOutcome(cost)] : [], notJudged });
      await publish(report, options);
      last = report;
      // The report's verdict, capacity included, is the one an apply obeys.
      return { checked: { ...checked, evaluation: { ...checked.evaluation, passed: report.passed } }, report };
    };
    const { checked } = await replan();
    await then(run, checked, replan);
    return last!;
  });
}

/**
 * The shared core of plan and apply. A single-root environment runs `single` after its gate; a
 * stacked environment (production) plans its stacks in order and gates each, and `afterGate`
 * runs after each stack's gate while its saved plan exists.
 */
export async function gatedPlan(
  options: PlanOptions,
  hooks: { single?: (run: EnvironmentRun, checked: CheckedPlan, replan: Replan) => Promise<void>; afterGate?: (planned: PlannedStack) => Promise<"applied" | "continue" | "stop"> } = {},
): Promise<PolicyReport> {
  const layout = environmentLayout(options.env);
  if (!layout.stacked) {
    if (options.varFile?.length) throw new PlatformError(`--var-file applies to stacked environments; ${options.env} has one root configuration`, `Set ${options.env}'s inputs in environments/${options.env}/variables.tf defaults, or drop --var-file.`);
    return gatedSinglePlan(options, layout, hooks.single ?? (async () => undefined));
  }
  if (options.context) throw new PlatformError(`--context does not apply to ${options.env}: its stacks read the cluster from DigitalOcean`, "Drop CONTEXT/--context.");
  const rules = await gateRules(options, await ensureTool("opa"));
  const { report } = await planStacked(layout, rules, {
    offline: options.offline ?? false,
    // A stacked environment's waivers sit beside stacks.yaml and cover every stack.
    waivers: loadWaivers(options.waivers ? resolve(options.waivers) : join(layout.dir, waiverFileName)),
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
  .addOption(policiesOption())
  .addOption(waiversOption())
  .addOption(new Option("--ci", "CI mode: also append the Markdown report to $GITHUB_STEP_SUMMARY").default(Boolean(process.env.CI) && process.env.CI !== "false"))
  .action(async (options: PlanOptions) => {
    const report = await gatedPlan(options);
    process.exitCode = report.passed ? 0 : 1;
  });
