import { Command } from "commander";
import { moduleDocs } from "../docs.ts";

export const docsCommand = new Command("docs")
  .description("write each module's inputs and outputs into its README (--check: fail when out of date)")
  .option("--check", "only check")
  .action(async (options: { check?: boolean }) => {
    await moduleDocs({ check: Boolean(options.check) });
  });
