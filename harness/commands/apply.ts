import { Command, Option } from "commander";
import pc from "picocolors";
import { confirmByTyping } from "../confirm.ts";
import { step } from "../progress.ts";
import { renderChanges } from "../report/index.ts";
import { envOption, gatedPlan, policiesOption, reportsOption, waiversOption } from "./plan.ts";

/** Namespaces, then charts with their CRDs, then custom resources. */
const maxRounds = 3;

export const applyCommand = new Command("apply")
  .description("plan, run the gate, show the changes, then apply exactly the saved plan that passed")
  .addOption(envOption())
  .addOption(new Option("-c, --context <name>", "kubeconfig context to apply to (default: a cluster the harness starts, gone after the run)"))
  .addOption(reportsOption())
  .addOption(policiesOption())
  .addOption(waiversOption())
  .option("--auto-approve", "apply without asking (CI); the gate still decides")
  .action(async (options: { env: string; context?: string; reports: string; policies?: string; waivers?: string; autoApprove?: boolean }) => {
    const report = await gatedPlan({ ...options, ci: false }, async (run, first, replan) => {
      // Some resources can only be planned once an earlier apply created what they need (the
      // infra namespace before its charts, CRDs before their custom resources): the
      // configuration lists them in its `pending` output, and each round is a new gated plan.
      let checked = first;
      for (let round = 1; ; round++) {
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
        const pending = ((await run.tofu.output()).pending?.value ?? []) as string[];
        if (pending.length === 0 || round === maxRounds) return;
        step(`planning again for what waited on this apply: ${pending.join("; ")}`);
        checked = (await replan()).checked;
      }
    });
    if (!report.passed) process.stderr.write(pc.red("not applied: the gate failed\n"));
    process.exitCode = report.passed ? 0 : 1;
  });
