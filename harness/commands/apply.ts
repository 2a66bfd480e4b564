import { Command, Option } from "commander";
import pc from "picocolors";
import { confirmByTyping } from "../confirm.ts";
import type { CheckedPlan, EnvironmentRun } from "../environment.ts";
import { PlatformError } from "../errors.ts";
import { step } from "../progress.ts";
import { renderChanges } from "../report/index.ts";
import { maxApplyRounds, pendingAfterApply } from "../stacks.ts";
import { envOption, gatedPlan, policiesOption, reportsOption, varFileOption, waiversOption } from "./plan.ts";

interface ApplyOptions {
  env: string;
  context?: string;
  reports: string;
  varFile?: string[];
  policies?: string;
  waivers?: string;
  autoApprove?: boolean;
  offline?: boolean;
}

/**
 * Shows the changes (destroys first), then applies exactly the saved plan that passed the
 * gate, after a typed confirmation. Never called for a plan that failed its gate.
 */
async function showAndApply(options: ApplyOptions, label: string, run: EnvironmentRun, checked: CheckedPlan): Promise<"applied" | "continue"> {
  console.log(pc.bold(`Changes (${label}):`));
  console.log(renderChanges(checked.model.resources));
  if (!checked.evaluation.passed) return "continue";
  if (!checked.hasChanges) {
    step(`${label}: nothing to apply`);
    return "applied";
  }
  if (!options.autoApprove) await confirmByTyping(`Apply these changes to ${label}?`, "yes", `applying to ${label}`, "--auto-approve");
  step(`applying the saved plan to ${label}`);
  await run.tofu.apply(run.planFile);
  step(`${label}: applied`);
  return "applied";
}

export const applyCommand = new Command("apply")
  .description("plan, run the gate, show the changes, then apply exactly the saved plan that passed; stacked environments go stack by stack, and what waited on an apply is planned and gated again")
  .addOption(envOption())
  .addOption(new Option("-c, --context <name>", "kubeconfig context to apply to (default: a cluster the harness starts, gone after the run)"))
  .addOption(reportsOption())
  .addOption(varFileOption())
  .addOption(policiesOption())
  .addOption(waiversOption())
  .addOption(new Option("--offline").hideHelp())
  .option("--auto-approve", "apply without asking (CI); the gate still decides")
  .action(async (options: ApplyOptions) => {
    if (options.offline) throw new PlatformError("an offline plan cannot be applied: it ran with a throwaway backend and dummy credentials", `Run make apply ENV=${options.env} without OFFLINE, with the credentials it names.`);
    // Rounds and stacks apply one by one, so a later gate can fail after an earlier apply.
    let appliedChanges = false;
    const applySaved = async (label: string, run: EnvironmentRun, checked: CheckedPlan) => {
      const outcome = await showAndApply(options, label, run, checked);
      appliedChanges ||= outcome === "applied" && checked.hasChanges;
      return outcome;
    };
    const report = await gatedPlan(
      { ...options, ci: false },
      {
        single: async (run, first, replan) => {
          // Some resources can only be planned once an earlier apply created what they need (the
          // infra namespace before its charts, CRDs before their custom resources): the
          // configuration lists them in its `pending` output, and each round is a new gated plan.
          let checked = first;
          for (let round = 1; ; round++) {
            if ((await applySaved(options.env, run, checked)) !== "applied" || !checked.hasChanges) return;
            const pending = await pendingAfterApply(run);
            if (pending.length === 0 || round === maxApplyRounds) return;
            step(`planning again for what waited on this apply: ${pending.join("; ")}`);
            checked = (await replan()).checked;
          }
        },
        // A stack is applied right after its own gate passed; the next stack is planned against the result.
        afterGate: ({ run, checked }) => applySaved(`${options.env}/${run.stack.name}`, run, checked),
      },
    );
    if (!report.passed) process.stderr.write(pc.red(appliedChanges ? "stopped: a later gate failed; what passed before it was applied (see above)\n" : "not applied: the gate failed\n"));
    process.exitCode = report.passed ? 0 : 1;
  });
