import { Command } from "commander";
import { nodeToolchain } from "../cluster/node.ts";
import { nodeSupport } from "../host/support.ts";
import { detail, step } from "../progress.ts";
import { installAll } from "../toolchain/index.ts";
import { ensureSystemPackages } from "../toolchain/system.ts";
import { loadVersions } from "../toolchain/versions.ts";

export const toolchainCommand = new Command("toolchain")
  .description("build or find every pinned tool and the providers the repository uses (cached outside the repo); with --node (or PLATFORM_CLUSTER=node), the node kind's components and images too")
  .option("--all-providers", "also every other provider pinned in versions.json")
  .option("--node", "also the node kind's components, runtime and images (what make e2e needs; make test does not build them)")
  .option("--system-only", "only the Debian packages (what the migrate commands and their tests need), no Go builds")
  .action(async (options: { allProviders?: boolean; systemOnly?: boolean; node?: boolean }) => {
    if (options.systemOnly) return ensureSystemPackages(loadVersions());
    const built = await installAll(options);
    // The node's components cost about a quarter of an hour cold: only where they will be used.
    const wanted = options.node || process.env.PLATFORM_CLUSTER === "node";
    const support = wanted ? await nodeSupport() : { ok: false as const, reason: "not requested (make e2e, toolchain --node or PLATFORM_CLUSTER=node prepares it)" };
    if (support.ok) {
      step("the node kind: its components, container runtime and own images");
      const node = await nodeToolchain();
      Object.assign(built, node.binaries, { containerd: node.runtime.containerd }, Object.fromEntries(Object.entries(node.images).map(([id, image]) => [`image ${id}`, image.tar])));
    } else {
      detail(`the node kind is not prepared: ${support.reason}`);
    }
    for (const [name, path] of Object.entries(built)) console.log(`${name.padEnd(24)} ${path}`);
  });
