#!/usr/bin/env -S npx tsx
import { Command } from "commander";
import { applyCommand } from "./commands/apply.ts";
import { docsCommand } from "./commands/docs.ts";
import { planCommand } from "./commands/plan.ts";
import { restoreCommand } from "./commands/restore.ts";
import { runCli } from "./commands/run.ts";
import { toolchainCommand } from "./commands/toolchain.ts";
import { veleroDrillCommand } from "./commands/velero-drill.ts";

// One file per command under commands/; this file only lists them.
const program = new Command("platform")
  .description("Plan, check, test and gate the DOKS platform.")
  .addCommand(planCommand)
  .addCommand(applyCommand)
  .addCommand(restoreCommand)
  .addCommand(veleroDrillCommand)
  .addCommand(toolchainCommand)
  .addCommand(docsCommand);

await runCli(program);
