import { existsSync } from "node:fs";
import { mkdir, rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import { ensureUnpacked } from "./debian.ts";
import { loadVersions, type Versions } from "./versions.ts";

/**
 * The node's container runtime and packet filter tools from Debian (containerd, runc, the CNI
 * plugins, iptables, ipset, nft), unpacked into the platform cache with the libraries this
 * machine lacks. They run with `env` below; nothing is installed on the system.
 */
export interface NodeRuntime {
  /** A folder of the commands the node's components look up by name (iptables, ipset, runc, ...). */
  bin: string;
  containerd: string;
  ctr: string;
  runc: string;
  cniBin: string;
  /** PATH, LD_LIBRARY_PATH and XTABLES_LIBDIR for every process of the node. */
  env: Record<string, string>;
}

const libDir = "usr/lib/x86_64-linux-gnu";
// iptables' multi-call binary picks its mode from the name it is called by.
const xtablesNames = ["iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore"];

export async function ensureNodeRuntime(versions: Versions = loadVersions()): Promise<NodeRuntime> {
  const root = await ensureUnpacked("node-runtime", versions.node);
  const bin = join(root, "node-bin");
  if (!existsSync(join(bin, ".complete"))) {
    await rm(bin, { recursive: true, force: true });
    await mkdir(bin, { recursive: true });
    for (const name of xtablesNames) await symlink(join(root, "usr/sbin/xtables-nft-multi"), join(bin, name));
    for (const [name, path] of [
      ["ipset", "usr/sbin/ipset"],
      ["nft", "usr/sbin/nft"],
      ["runc", "usr/sbin/runc"],
      ["containerd", "usr/bin/containerd"],
      ["containerd-shim-runc-v2", "usr/bin/containerd-shim-runc-v2"],
      ["ctr", "usr/bin/ctr"],
    ] as const) {
      await symlink(join(root, path), join(bin, name));
    }
    await mkdir(join(bin, ".complete"));
  }
  return {
    bin,
    containerd: join(bin, "containerd"),
    ctr: join(bin, "ctr"),
    runc: join(root, "usr/sbin/runc"),
    cniBin: join(root, "usr/lib/cni"),
    env: {
      PATH: `${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      LD_LIBRARY_PATH: join(root, libDir),
      XTABLES_LIBDIR: join(root, libDir, "xtables"),
      HOME: "/root",
    },
  };
}
