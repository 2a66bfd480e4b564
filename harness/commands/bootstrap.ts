import { homedir } from "node:os";
import { join } from "node:path";
import { Command, Option } from "commander";
import { bootstrapEnvironment } from "../bootstrap.ts";
import { environmentLayout } from "../layout.ts";
import { loadRules } from "../policy/engine.ts";
import { step } from "../progress.ts";
import { ensureTool } from "../toolchain/index.ts";
import { envOption, varFileOption } from "./plan.ts";

export const bootstrapCommand = new Command("bootstrap")
  .description("phase 0 of a stacked environment: the first Spaces key and the state bucket, gated like any apply; idempotent")
  .addOption(envOption().default("production"))
  .addOption(varFileOption())
  .addOption(new Option("--credentials-file <path>", "where a new Spaces key is written (mode 0600; never printed)").default(join(process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "doks-platform", "spaces-key.env")))
  .option("--auto-approve", "create the bucket without asking (CI); the gate still decides")
  .action(async (options: { env: string; varFile?: string[]; credentialsFile: string; autoApprove?: boolean }) => {
    const rules = await loadRules(await ensureTool("opa"));
    const outcome = await bootstrapEnvironment(environmentLayout(options.env), rules, {
      credentialsFile: options.credentialsFile,
      autoApprove: Boolean(options.autoApprove),
      ...(options.varFile?.length ? { varFiles: options.varFile } : {}),
    });
    // A failed gate is exit 1, like plan and apply; PlatformError would make it 2.
    if (outcome === "gate failed") {
      process.exitCode = 1;
      return;
    }
    step(outcome === "already" ? `${options.env} is already bootstrapped: its state is in the state bucket` : `${options.env} bootstrapped: next, make plan ENV=${options.env}`);
  });
