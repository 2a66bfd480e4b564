#!/usr/bin/env -S npx tsx
import { Command } from "commander";
import { applyCommand } from "./commands/apply.ts";
import { bootstrapCommand } from "./commands/bootstrap.ts";
import { cleanCommand } from "./commands/clean.ts";
import { docsCommand } from "./commands/docs.ts";
import { drillCommand } from "./commands/drill.ts";
import { e2eCommand } from "./commands/e2e.ts";
import { migrateCommand } from "./commands/migrate/index.ts";
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
  .addCommand(bootstrapCommand)
  .addCommand(restoreCommand)
  .addCommand(drillCommand)
  .addCommand(veleroDrillCommand)
  .addCommand(e2eCommand)
  .addCommand(toolchainCommand)
  .addCommand(docsCommand)
  .addCommand(cleanCommand)
  .addCommand(migrateCommand);

await runCli(program);
