#!/usr/bin/env -S npx tsx
/**
 * `make bench`: measurements, kept apart from the product. Each suite prints
 * `bench: <name> <value> <unit>` lines, with ratios against a baseline run in the same process.
 */
import { Command, Option } from "commander";
import { runCli } from "../harness/commands/run.ts";
import { runBackupBench } from "./backup.ts";
import { runMailboxBench } from "./mailbox.ts";
import { runNodeBench } from "./node.ts";
import { runPolicyBench } from "./policy.ts";
import { runProductionBench } from "./production.ts";

const suites = {
  policy: (options: Options) => runPolicyBench(options),
  backup: (options: Options) => runBackupBench({ megabytes: options.dbSize, engines: options.engines }),
  mailbox: (options: Options) => runMailboxBench({ rounds: options.mailRounds }),
  node: (options: Options) => runNodeBench({ runs: Math.min(options.runs, 3) }),
  production: () => runProductionBench(),
} as const;
type Suite = keyof typeof suites;

interface Options {
  runs: number;
  suite: Suite[];
  dbSize: number;
  mailRounds: number;
  engines: string[];
}

const program = new Command("bench")
  .description("benchmark the platform: policy evaluation vs conftest, backup and restore vs the raw tools, mailbox migration vs bare dsync, the node kind's start-up, production's monthly cost and capacity headroom")
  .option("--runs <n>", "timed runs per policy figure (median reported)", (value) => Number.parseInt(value, 10), 5)
  .addOption(new Option("--suite <names...>", "which benchmarks").choices(Object.keys(suites)).default(Object.keys(suites)))
  .option("--db-size <MiB>", "size of the generated database for the backup benchmark", (value) => Number.parseInt(value, 10), 1024)
  .option("--mail-rounds <n>", "rounds of the mailbox benchmark (bare dsync and ours alternate; median)", (value) => Number.parseInt(value, 10), 3)
  .addOption(new Option("--engines <names...>", "database engines for the backup benchmark").choices(["postgresql", "mariadb"]).default(["postgresql", "mariadb"]))
  .action(async (options: Options) => {
    for (const suite of options.suite) await suites[suite](options);
  });

await runCli(program);
