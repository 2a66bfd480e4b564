import { Command, Option } from "commander";
import pc from "picocolors";
import { runE2e } from "../e2e.ts";
import { renderDataLayerRun } from "../e2e-node.ts";
import { nodeSupport } from "../host/support.ts";

const names: Record<string, string> = { up: "e2e-up", apply: "e2e-apply", replan: "e2e-replan", backupRestore: "e2e-backup-restore", destroy: "e2e-destroy" };
type Kind = "local" | "k3d" | "node";

/**
 * The node kind where the machine can run it (pods really run), else what PLATFORM_CLUSTER or
 * detection gives; the choice and, for a fallback, its reason are printed.
 */
async function chooseKind(option: Kind | undefined): Promise<Kind | undefined> {
  if (option) return option;
  if (process.env.PLATFORM_CLUSTER) return undefined;
  const support = await nodeSupport();
  if (support.ok) return "node";
  console.log(pc.dim(`e2e: not on the node kind (${support.reason}); pods will not run, the data Jobs run against servers on this machine`));
  return undefined;
}

export const e2eCommand = new Command("e2e")
  .description("end to end: start a cluster (the node kind where it can run), apply environments/local, re-plan (0 changes), run every database's provisioning, backup and restore test, destroy, check nothing is left")
  .addOption(new Option("--cluster <kind>", "kind of throwaway cluster (default: node where the machine allows it, else PLATFORM_CLUSTER, else detect)").choices(["local", "k3d", "node"]))
  .action(async (options: { cluster?: Kind }) => {
    const kind = await chooseKind(options.cluster);
    // The step timings are this command's own progress report, one `bench:` line per step.
    const result = await runE2e(kind ? { prefer: kind } : {}, (key, seconds) => console.log(`bench: ${names[key] ?? `e2e-${key}`} ${seconds.toFixed(1)} s`));
    if (result.node) console.log(renderDataLayerRun(result.node));
    for (const database of result.databases) {
      console.log(`${database.passed ? pc.green("ok    ") : pc.red("FAILED")} ${database.database} (${database.engine}): ${database.steps.map((s) => `${s.job}/${s.container} ${s.passed ? "ok" : "failed"}`).join(", ")}`);
      for (const failed of database.steps.filter((s) => !s.passed)) console.log(pc.dim(failed.log.trim().split("\n").slice(-6).join("\n")));
    }
    if (result.replanChanges) console.log(pc.red("re-plan after apply has changes: the configuration does not converge"));
    for (const leftover of result.leftovers) console.log(pc.red(`left behind: ${leftover}`));
    const timings = result.timings;
    const warm = (timings.up ?? 0) + (timings.apply ?? 0) + (timings.replan ?? 0) + (timings.destroy ?? 0);
    console.log(`bench: e2e-up-apply-replan-destroy ${warm.toFixed(1)} s`);
    console.log(result.passed ? pc.green("e2e passed") : pc.red(pc.bold("e2e FAILED")));
    process.exitCode = result.passed ? 0 : 1;
  });
