import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa, type Options, type ResultPromise } from "execa";
import { PlatformError, tail } from "../errors.ts";
import { supervise, type Supervised } from "../processes.ts";
import type { HostLedger } from "./ledger.ts";

/**
 * The node runs inside namespaces of its own: a network namespace (its links, addresses,
 * routes, iptables chains, ipsets and per-network sysctls), a mount namespace (every mount
 * kubelet, containerd and runc make, plus private /run, /var/lib and /var/log), and a PID
 * namespace whose first process holds them all. When that process ends, the kernel ends every
 * process of the node and the namespaces vanish with what is in them.
 *
 * The holder reads its standard input from the harness: if the harness dies in any way, even
 * SIGKILL, the pipe closes, the holder exits, and the node goes with it.
 */
export interface NodeNamespaces {
  /** The holder's PID on the host: the node's PID 1. */
  holderPid: number;
  /** Runs a command inside the node's namespaces and waits for it. */
  run(binary: string, args: string[], options?: Options): Promise<{ stdout: string; exitCode?: number }>;
  /** Starts a long-running component inside the node's namespaces, its output in `log`. */
  supervise(name: string, binary: string, args: string[], log: string, options?: Options): Supervised;
  /** Ends the holder, which ends every process of the node, and waits for it. */
  close(): Promise<void>;
}

/**
 * Kernel settings kubelet insists on (kernel.panic=10, kernel.panic_on_oops=1, ...): it reads
 * them, and changes the host-wide values when they differ. Inside the node's mount namespace,
 * read-only files with the values it wants sit over them, so it finds nothing to change and
 * the host keeps its own; kubelet also runs with protectKernelDefaults, so it would refuse to
 * start rather than write one.
 */
export const kubeletKernelSettings: Record<string, string> = {
  "vm/overcommit_memory": "1",
  "vm/panic_on_oom": "0",
  "kernel/panic": "10",
  "kernel/panic_on_oops": "1",
  "kernel/keys/root_maxkeys": "1000000",
  "kernel/keys/root_maxbytes": "25000000",
};

/**
 * One pass inside the new namespaces: private /run, /var/lib and /var/log, so whatever a
 * component writes there by default (CNI's cache, container log links, lock files) stays in
 * the node and ends with it; kubelet's kernel settings masked read-only; modprobe disabled, so
 * no component can load a kernel module; loopback up.
 */
const setupScript = `set -eu
for path in /run /var/lib /var/log; do
  mount -t tmpfs -o mode=0755,size=64m "doks-node$(echo "$path" | tr / -)" "$path"
done
masks=$1
shift
for name in "$@"; do
  mount --bind "$masks/$(echo "$name" | tr / .)" "/proc/sys/$name"
  mount -o remount,bind,ro "/proc/sys/$name"
done
for modprobe in /sbin/modprobe /usr/sbin/modprobe; do
  if [ -e "$modprobe" ]; then mount --bind /bin/false "$modprobe"; fi
done
ip link set lo up`;

const holderScript = `trap 'exit 0' TERM INT; while read -r -t 5 _ || [ $? -gt 128 ]; do :; done`;

function childOf(pid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return children ? Number(children.split(" ")[0]) : undefined;
  } catch {
    return undefined;
  }
}

export async function createNamespaces(dir: string, ledger: HostLedger, env: Record<string, string>): Promise<NodeNamespaces> {
  const holder: ResultPromise = execa("unshare", ["--net", "--mount", "--pid", "--fork", "--mount-proc", "--kill-child", "--", "bash", "-c", holderScript], {
    stdin: "pipe",
    stdout: "ignore",
    stderr: "pipe",
    reject: false,
    cleanup: true,
  });
  let holderPid: number | undefined;
  for (let attempt = 0; attempt < 100 && holderPid === undefined; attempt++) {
    if (holder.exitCode !== null) break;
    holderPid = holder.pid === undefined ? undefined : childOf(holder.pid);
    if (holderPid === undefined) await sleep(20);
  }
  if (holderPid === undefined) {
    holder.kill("SIGKILL");
    const result = await holder;
    throw new PlatformError(`the node's namespaces could not be created: ${tail(String(result.stderr ?? ""), 2) || "unshare exited"}`, "The node kind needs root with CAP_SYS_ADMIN and a kernel with network, mount and PID namespaces.");
  }
  ledger.record({ holderPid });

  const target = ["--target", String(holderPid), "--net", "--mount", "--pid", "--"];
  const nodeEnv = { ...env, TMPDIR: join(dir, "tmp") };
  const run = async (binary: string, args: string[], options: Options = {}) => {
    const result = await execa("nsenter", [...target, binary, ...args], { env: nodeEnv, extendEnv: false, all: true, reject: false, ...options });
    if (result.exitCode !== 0 && options.reject !== false) {
      throw new PlatformError(`inside the node, ${binary} ${args.join(" ")} failed: ${tail(String(result.all ?? ""), 3)}`, "See the node's logs in its folder; rerun with PLATFORM_NODE_KEEP=1 to keep them.");
    }
    return { stdout: String(result.stdout ?? ""), exitCode: result.exitCode };
  };
  const close = async () => {
    holder.stdin?.end();
    const ended = await Promise.race([holder.then(() => true), sleep(10_000).then(() => false)]);
    if (!ended) {
      process.kill(holderPid, "SIGKILL");
      await holder;
    }
  };

  try {
    await mkdir(join(dir, "tmp"), { recursive: true });
    const masks = join(dir, "kernel-settings");
    await mkdir(masks, { recursive: true });
    for (const [name, value] of Object.entries(kubeletKernelSettings)) await writeFile(join(masks, name.replaceAll("/", ".")), `${value}\n`, { mode: 0o444 });
    await run("sh", ["-c", setupScript, "setup", masks, ...Object.keys(kubeletKernelSettings)]);
  } catch (error) {
    await close();
    throw error;
  }

  return {
    holderPid,
    run,
    supervise: (name, binary, args, log, options = {}) => supervise(name, "nsenter", [...target, binary, ...args], log, { env: nodeEnv, extendEnv: false, ...options }),
    close,
  };
}
