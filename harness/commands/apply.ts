import { Command, Option } from "commander";
import pc from "picocolors";
import { confirmByTyping } from "../confirm.ts";
import { step } from "../progress.ts";
import { renderChanges } from "../report/index.ts";
import { envOption, gatedPlan, policiesOption, reportsOption, waiversOption } from "./plan.ts";

export const applyCommand = new Command("apply")
  .description("plan, run the gate, show the changes, then apply exactly the saved plan that passed")
  .addOption(envOption())
  .addOption(new Option("-c, --context <name>", "kubeconfig context to apply to (default: a cluster the harness starts, gone after the run)"))
  .addOption(reportsOption())
  .addOption(policiesOption())
  .addOption(waiversOption())
  .option("--auto-approve", "apply without asking (CI); the gate still decides")
  .action(async (options: { env: string; context?: string; reports: string; policies?: string; waivers?: string; autoApprove?: boolean }) => {
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
