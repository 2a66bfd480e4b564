import { Command } from "commander";
import { installAll } from "../toolchain/index.ts";

export const toolchainCommand = new Command("toolchain")
  .description("build or find every pinned tool and the providers the repository uses (cached outside the repo)")
  .option("--all-providers", "also every other provider pinned in versions.json")
  .action(async (options: { allProviders?: boolean }) => {
    const built = await installAll(options);
    for (const [name, path] of Object.entries(built)) console.log(`${name.padEnd(24)} ${path}`);
  });
