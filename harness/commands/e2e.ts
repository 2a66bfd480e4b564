import { Command, Option } from "commander";
import pc from "picocolors";
import { runE2e } from "../e2e.ts";

const names = { up: "e2e-up", apply: "e2e-apply", replan: "e2e-replan", backupRestore: "e2e-backup-restore", destroy: "e2e-destroy" } as const;

export const e2eCommand = new Command("e2e")
  .description("end to end: start a cluster, apply environments/local, re-plan (0 changes), run every database's backup and restore test against real servers, destroy, check nothing is left")
  .addOption(new Option("--cluster <kind>", "kind of throwaway cluster (default: PLATFORM_CLUSTER, else detect)").choices(["local", "k3d"]))
  .action(async (options: { cluster?: "local" | "k3d" }) => {
    // The step timings are this command's own progress report, one `bench:` line per step.
    const result = await runE2e(options.cluster ? { prefer: options.cluster } : {}, (key, seconds) => console.log(`bench: ${names[key as keyof typeof names]} ${seconds.toFixed(1)} s`));
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
