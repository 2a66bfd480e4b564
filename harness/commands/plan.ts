import { existsSync } from "node:fs";
import { appendFile, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Command, Option } from "commander";
import pc from "picocolors";
import { withCluster } from "../cluster/index.ts";
import { environmentDir, environmentWaivers, openEnvironment, planAndCheck, type CheckedPlan, type EnvironmentRun } from "../environment.ts";
import { PlatformError } from "../errors.ts";
import { reportsDir } from "../paths.ts";
import { loadRules, policiesDir } from "../policy/engine.ts";
import { step } from "../progress.ts";
import { buildReport, renderConsole, writeReports, type PolicyReport } from "../report/index.ts";
import { ensurePlanToolchain } from "../toolchain/index.ts";

export interface PlanOptions {
  env: string;
  context?: string;
  reports: string;
  ci: boolean;
  /** The rules to gate with; CI passes the base branch's, so a change cannot weaken its own gate. */
  policies?: string;
  /** The waiver file to honour; CI passes the base branch's copy. */
  waivers?: string;
}

export const envOption = () => new Option("-e, --env <name>", "environment folder under environments/").default("local");
export const reportsOption = () => new Option("-o, --reports <dir>", "where reports are written").default(reportsDir);
export const policiesOption = () => new Option("--policies <dir>", "policy folder to gate with (CI: the base branch's policies/)");
export const waiversOption = () => new Option("--waivers <file>", "waiver file to honour instead of environments/<env>/policy-waivers.yaml (CI: the base branch's)");

/** One gated plan: plan, run every policy, print and write the reports. */
export type Replan = () => Promise<{ checked: CheckedPlan; report: PolicyReport }>;

/**
 * The shared core of plan and apply: plan against the cluster, run every policy, print and
 * write the reports; `then` runs while the cluster and the saved plan still exist, and may
 * plan and gate again (`replan`) after an apply. Returns the last report.
 */
export async function gatedPlan(options: PlanOptions, then: (run: EnvironmentRun, checked: CheckedPlan, replan: Replan) => Promise<void>): Promise<PolicyReport> {
  const toolchain = await ensurePlanToolchain(environmentDir(options.env));
  // Policies load before any cluster starts: a broken rule should cost seconds, not a boot.
  const policies = resolve(options.policies ?? policiesDir);
  if (!existsSync(policies)) throw new PlatformError(`policy folder ${options.policies} does not exist`, "Pass --policies the policies/ folder of a checkout (CI: the base branch's).");
  const rules = await loadRules(toolchain.opa, policies);
  return withCluster({ ...(options.context ? { context: options.context } : {}) }, async (cluster) => {
    step(`planning ${options.env} against ${cluster.kind === "kubeconfig" ? `context ${cluster.context}` : `a ${cluster.kind} cluster`}`);
    const run = await openEnvironment(options.env, cluster, toolchain);
    for (const chart of run.leftOut) step(`left out: ${chart.pin.component} (chart ${chart.key} ${chart.pin.version}): ${chart.reason}`);
    let last: PolicyReport | undefined;
    const replan: Replan = async () => {
      const checked = await planAndCheck(run, rules, environmentWaivers(run, options.waivers && resolve(options.waivers)));
      if (checked.planError) console.log(pc.yellow(`tofu could not plan (${checked.planError}); the rules judged the HCL alone, and that already fails the gate`));
      const report = buildReport(options.env, checked.model, checked.evaluation);
      console.log(renderConsole(report));
      const written = await writeReports(report, join(options.reports, options.env));
      console.log(pc.dim(`reports: ${Object.values(written).join(", ")}`));
      if (options.ci && process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, await readFile(written.markdown, "utf8"));
      last = report;
      return { checked, report };
    };
    const { checked } = await replan();
    await then(run, checked, replan);
    return last!;
  });
}

export const planCommand = new Command("plan")
  .description("plan an environment, run every policy over the plan, write reports; exits 1 when the gate fails")
  .addOption(envOption())
  .addOption(new Option("-c, --context <name>", "kubeconfig context to plan against (default: a cluster the harness starts)"))
  .addOption(reportsOption())
  .addOption(policiesOption())
  .addOption(waiversOption())
  .addOption(new Option("--ci", "CI mode: also append the Markdown report to $GITHUB_STEP_SUMMARY").default(Boolean(process.env.CI) && process.env.CI !== "false"))
  .action(async (options: PlanOptions) => {
    const report = await gatedPlan(options, async () => undefined);
    process.exitCode = report.passed ? 0 : 1;
  });
