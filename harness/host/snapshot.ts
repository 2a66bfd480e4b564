import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { allCgroupFolders } from "./cgroups.ts";

/**
 * What a node could change on the host, read without changing anything: kernel settings,
 * network links, addresses, routes and rules, packet filter rules, mounts, cgroup folders, the
 * default paths of containerd, kubelet and the CNI plugins, loaded kernel modules. Taken
 * before a node starts and after it stops, the two must be equal.
 */
export type HostSnapshot = Record<string, string[]>;

/** Kernel settings that change by themselves, with load, time or other programs. */
const volatileSysctls = [
  /^fs\/(dentry-state|inode-nr|inode-state|file-nr|quota\/|dquot-)/,
  /^kernel\/(random\/|ns_last_pid|pty\/nr|tainted|sched_domain|perf_event_max_sample_rate|hung_task_)/,
  /^net\/netfilter\/nf_conntrack_count$/,
  /^vm\/(stat_refresh|drop_caches|compact_memory)/,
  /^fs\/binfmt_misc\//,
  /^user\/max_/,
  /^kernel\/keys\/(persistent_keyring_expiry)/,
  /^net\/ipv6\/(route\/flush|conf\/[^/]+\/stable_secret)/,
  /^net\/ipv4\/route\/flush/,
];

/** Where the node's components write when a setting is missing: each must stay as it was. */
export const defaultComponentPaths = [
  "/var/lib/kubelet",
  "/var/lib/containerd",
  "/var/lib/cni",
  "/var/lib/etcd",
  "/var/lib/kube-router",
  "/var/lib/rancher",
  "/var/log/pods",
  "/var/log/containers",
  "/run/containerd",
  "/run/runc",
  "/run/netns",
  "/run/kubernetes",
  "/run/xtables.lock",
  "/etc/cni",
  "/etc/kubernetes",
  "/etc/containerd",
  "/opt/cni",
  "/opt/containerd",
  "/tmp/hostpath_provisioner",
];

function walkSysctls(dir = "/proc/sys", prefix = ""): string[] {
  const lines: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (volatileSysctls.some((pattern) => pattern.test(name))) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      lines.push(...walkSysctls(path, name));
      continue;
    }
    try {
      if ((statSync(path).mode & 0o444) === 0) continue;
      lines.push(`${name} = ${readFileSync(path, "utf8").trim().replace(/\s+/g, " ")}`);
    } catch {
      // Write-only or refusing reads (e.g. vm/compact_memory): nothing to compare.
    }
  }
  return lines;
}

function pathState(path: string): string {
  if (!existsSync(path)) return `${path}: absent`;
  const stat = statSync(path);
  if (!stat.isDirectory()) return `${path}: ${stat.isFile() ? "file" : "special"} ${stat.size}`;
  return `${path}: ${readdirSync(path).sort().join(" ")}`;
}

async function lines(command: string, args: string[], env?: Record<string, string>): Promise<string[]> {
  const result = await execa(command, args, { reject: false, all: true, ...(env ? { env } : {}) });
  if (result.exitCode !== 0) return [`(${command} ${args.join(" ")} failed: ${String(result.all ?? "").split("\n")[0]})`];
  return String(result.stdout).split("\n").filter((line) => line && !line.startsWith("#"));
}

/** The host's mounts without their IDs, which change on remount without the mount changing. */
function mounts(): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [before, after] = line.split(" - ");
      const fields = before!.split(" ");
      return `${fields[4]} ${fields[3]} ${after}`;
    })
    .sort();
}

export interface SnapshotTools {
  /** The node's packet filter tools (not installed on the host): iptables-save, ip6tables-save, nft. */
  bin: string;
  env: Record<string, string>;
}

export async function hostSnapshot(tools?: SnapshotTools): Promise<HostSnapshot> {
  const filter: HostSnapshot = tools
    ? {
        iptables: await lines(join(tools.bin, "iptables-save"), [], tools.env),
        ip6tables: await lines(join(tools.bin, "ip6tables-save"), [], tools.env),
        nftables: await lines(join(tools.bin, "nft"), ["list", "ruleset"], tools.env),
      }
    : {};
  return {
    sysctls: walkSysctls(),
    links: await lines("ip", ["-o", "link", "show"]),
    addresses: await lines("ip", ["-o", "address", "show"]),
    routes: [...(await lines("ip", ["-4", "route", "show", "table", "all"])), ...(await lines("ip", ["-6", "route", "show", "table", "all"]))],
    rules: [...(await lines("ip", ["-4", "rule", "show"])), ...(await lines("ip", ["-6", "rule", "show"]))],
    "named network namespaces": await lines("ip", ["netns", "list"]),
    ...filter,
    "legacy iptables tables": ["/proc/net/ip_tables_names", "/proc/net/ip6_tables_names"].map((path) => `${path}: ${existsSync(path) ? readFileSync(path, "utf8").trim().replace(/\n/g, " ") : "absent"}`),
    mounts: mounts(),
    "cgroup folders": allCgroupFolders(),
    "component default paths": defaultComponentPaths.map(pathState),
    "kernel modules": existsSync("/proc/modules") ? readFileSync("/proc/modules", "utf8").split("\n").map((line) => line.split(" ")[0]!).filter(Boolean).sort() : [],
  };
}

/** What differs between two snapshots, one line per added or removed entry. */
export function diffSnapshots(before: HostSnapshot, after: HostSnapshot): string[] {
  const differences: string[] = [];
  for (const section of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = new Set(before[section] ?? []);
    const now = new Set(after[section] ?? []);
    for (const line of was) if (!now.has(line)) differences.push(`${section}: - ${line}`);
    for (const line of now) if (!was.has(line)) differences.push(`${section}: + ${line}`);
  }
  return differences;
}
