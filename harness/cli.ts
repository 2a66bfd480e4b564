#!/usr/bin/env -S npx tsx
import { Command } from "commander";
import { applyCommand } from "./commands/apply.ts";
import { docsCommand } from "./commands/docs.ts";
import { migrateCommand } from "./commands/migrate/index.ts";
import { planCommand } from "./commands/plan.ts";
import { restoreCommand } from "./commands/restore.ts";
import { runCli } from "./commands/run.ts";
import { toolchainCommand } from "./commands/toolchain.ts";

// One file per command under commands/; this file only lists them.
const program = new Command("platform")
  .description("Plan, check, test and gate the DOKS platform.")
  .addCommand(planCommand)
  .addCommand(applyCommand)
  .addCommand(restoreCommand)
  .addCommand(toolchainCommand)
  .addCommand(docsCommand)
  .addCommand(migrateCommand);

await runCli(program);
