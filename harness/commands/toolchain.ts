import { Command } from "commander";
import { installAll } from "../toolchain/index.ts";
import { ensureSystemPackages } from "../toolchain/system.ts";
import { loadVersions } from "../toolchain/versions.ts";

export const toolchainCommand = new Command("toolchain")
  .description("build or find every pinned tool and the providers the repository uses (cached outside the repo)")
  .option("--all-providers", "also every other provider pinned in versions.json")
  .option("--system-only", "only the Debian packages (what the migrate commands and their tests need), no Go builds")
  .action(async (options: { allProviders?: boolean; systemOnly?: boolean }) => {
    if (options.systemOnly) return ensureSystemPackages(loadVersions());
    const built = await installAll(options);
    for (const [name, path] of Object.entries(built)) console.log(`${name.padEnd(24)} ${path}`);
  });
