import { existsSync, readFileSync } from "node:fs";
import { execa } from "execa";
import { cgroupMounts } from "./cgroups.ts";

export type NodeSupport = { ok: true } | { ok: false; reason: string };

// Capability bits (linux/capability.h).
const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;

function hasCapability(bit: number): boolean {
  const line = readFileSync("/proc/self/status", "utf8").match(/^CapEff:\s*([0-9a-f]+)$/m)?.[1];
  return line !== undefined && ((BigInt(`0x${line}`) >> BigInt(bit)) & 1n) === 1n;
}

async function onPath(command: string): Promise<boolean> {
  return (await execa("sh", ["-c", 'command -v "$1"', "sh", command], { reject: false })).exitCode === 0;
}

/** Kernel options, where the kernel publishes its configuration; undefined when it does not. */
async function kernelConfig(): Promise<string | undefined> {
  if (!existsSync("/proc/config.gz")) return undefined;
  const { stdout, exitCode } = await execa("sh", ["-c", "gzip -dc /proc/config.gz"], { reject: false });
  return exitCode === 0 ? stdout : undefined;
}

const requiredKernelOptions = ["CONFIG_NET_NS", "CONFIG_PID_NS", "CONFIG_VETH", "CONFIG_BRIDGE", "CONFIG_BRIDGE_NETFILTER", "CONFIG_OVERLAY_FS", "CONFIG_NF_TABLES", "CONFIG_NFT_COMPAT", "CONFIG_NF_NAT", "CONFIG_IP_SET", "CONFIG_NETFILTER_XT_SET", "CONFIG_NETFILTER_XT_MATCH_COMMENT", "CONFIG_NETFILTER_XT_MATCH_CONNTRACK", "CONFIG_NETFILTER_XT_MATCH_STATISTIC", "CONFIG_NETFILTER_XT_MATCH_PHYSDEV"];

/**
 * Whether this machine can run the node kind, and if not, why, in one line. Checks only what
 * can be checked without changing the host: identity and capabilities, commands, cgroup
 * hierarchies, kernel options, and one probe inside throwaway namespaces (a bridge and a veth
 * pair that vanish with them).
 */
export function nodeSupport(): Promise<NodeSupport> {
  // The machine does not change during a run: probed once per process.
  checked ??= probe();
  return checked;
}

let checked: Promise<NodeSupport> | undefined;

async function probe(): Promise<NodeSupport> {
  const no = (reason: string): NodeSupport => ({ ok: false, reason });
  if (process.platform !== "linux") return no(`the node kind runs on Linux only (this is ${process.platform})`);
  if (process.getuid?.() !== 0) return no(`the node kind needs root to create namespaces and cgroups (this run is uid ${process.getuid?.()})`);
  if (!hasCapability(CAP_SYS_ADMIN) || !hasCapability(CAP_NET_ADMIN)) return no("the node kind needs CAP_SYS_ADMIN and CAP_NET_ADMIN (this root is confined, e.g. an unprivileged container)");
  const commands = ["unshare", "nsenter", "ip", "tar", "ldconfig", "apt-get", "dpkg-deb"];
  const found = await Promise.all(commands.map(onPath));
  const missing = commands.filter((_, index) => !found[index]);
  if (missing.includes("apt-get") || missing.includes("dpkg-deb")) return no("the node kind takes containerd, runc and the CNI plugins from Debian's packages: it needs apt-get and dpkg-deb (a Debian or Ubuntu host)");
  if (missing.length > 0) return no(`the node kind needs ${missing.map((command) => `\`${command}\``).join(", ")} (util-linux, iproute2, tar, libc-bin), not on PATH`);
  const mounts = cgroupMounts();
  const v1 = ["cpu", "memory", "pids"].every((controller) => mounts.some((mount) => mount.split("/").pop()!.split(",").includes(controller)));
  const v2 = mounts.includes("/sys/fs/cgroup") && existsSync("/sys/fs/cgroup/cgroup.controllers");
  if (!v1 && !v2) return no("the node kind needs cgroup hierarchies for cpu, memory and pids (none are mounted under /sys/fs/cgroup)");
  if (!readFileSync("/proc/filesystems", "utf8").includes("\toverlay\n")) return no("the kernel has no overlay filesystem, which containerd's snapshotter needs");
  const config = await kernelConfig();
  const lacking = config === undefined ? [] : requiredKernelOptions.filter((option) => !new RegExp(`^${option}=[ym]$`, "m").test(config));
  if (lacking.length > 0) return no(`the kernel lacks ${lacking.join(", ")}, which the node's network needs`);
  const probe = await execa("unshare", ["--net", "--mount", "--pid", "--fork", "--mount-proc", "sh", "-c", "ip link add doks-probe type bridge && ip link add doks-probe0 type veth peer name doks-probe1 && test -e /proc/sys/net/bridge/bridge-nf-call-iptables"], { reject: false, all: true, timeout: 20_000 });
  if (probe.exitCode !== 0) return no(`network namespaces, bridges, veth pairs or br_netfilter do not work here: ${String(probe.all ?? "").trim().split("\n").pop() || `exit ${probe.exitCode}`}`);
  return { ok: true };
}
