import { existsSync, readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { Command } from "commander";
import { environmentsDir } from "../environment.ts";
import { reportsDir, repoRoot, workDir } from "../paths.ts";
import { step } from "../progress.ts";
import { stateKeyPath } from "../state.ts";

/** Files under `dir` whose name matches, depth first. */
function filesUnder(dir: string, match: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path, match) : match(entry.name) ? [path] : [];
  });
}

/**
 * What can be made again: reports, saved plans, tofu's per-folder provider links. Never state
 * (a named context's state files under .platform/, from before remote backends were required)
 * and never the state encryption key, which lives outside the checkout anyway.
 */
export const cleanCommand = new Command("clean")
  .description("remove reports, saved plans and provider links; never state or encryption keys")
  .action(async () => {
    const plans = filesUnder(workDir, (name) => name.endsWith(".tfplan"));
    const links = existsSync(environmentsDir) ? readdirSync(environmentsDir).map((name) => join(environmentsDir, name, ".terraform")).filter((path) => existsSync(path)) : [];
    for (const path of [reportsDir, ...plans, ...links]) await rm(path, { recursive: true, force: true });
    const kept = filesUnder(workDir, (name) => name.includes(".tfstate"));
    step(`removed ${[reportsDir, ...plans, ...links].filter(Boolean).length} path(s); kept ${kept.length} state file(s)${kept.length ? ` (${kept.map((path) => relative(repoRoot, path)).join(", ")})` : ""} and the state key (${stateKeyPath()})`);
  });
