import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detail } from "../progress.ts";
import { removeCgroupRoots } from "./cgroups.ts";
import { readSysctl, writeSysctl } from "./sysctl.ts";

/**
 * Every change a node makes to the host, written down before it is made, so it can be undone
 * on stop, on failure, on a signal, and, when the owner was killed outright, by the next node
 * that starts on the machine. Inside the node's own namespaces nothing needs undoing: they die
 * with their last process. What is left is listed here.
 */
export interface LedgerEntry {
  id: string;
  owner: { pid: number; startTime: string };
  /** The node's folder (state, logs, sockets): removed. */
  dir?: string;
  /** cgroup roots created in each hierarchy: emptied and removed. */
  cgroups: string[];
  /** Host kernel settings the node's components are known to write, with their values before start: restored if changed. */
  sysctls: Record<string, string>;
  /** The process that holds the node's namespaces: killed, which ends every node process. */
  holderPid?: number;
}

/** Kernel settings that kubelet (kernel tunables) and kube-proxy (conntrack) write when they can. */
export const guardedSysctls = [
  "kernel/panic",
  "kernel/panic_on_oops",
  "vm/overcommit_memory",
  "vm/panic_on_oom",
  "kernel/keys/root_maxkeys",
  "kernel/keys/root_maxbytes",
  "net/netfilter/nf_conntrack_max",
  "net/ipv4/ip_forward",
  "net/ipv4/conf/all/route_localnet",
  "net/bridge/bridge-nf-call-iptables",
];

export const ledgerDir = join(tmpdir(), "doks-platform-nodes");

function processStartTime(pid: number): string | undefined {
  try {
    // Field 22 of /proc/<pid>/stat, after the parenthesised command name.
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[19];
  } catch {
    return undefined;
  }
}

export class HostLedger {
  private entry: LedgerEntry;
  private readonly path: string;

  constructor(id: string) {
    mkdirSync(ledgerDir, { recursive: true, mode: 0o700 });
    this.path = join(ledgerDir, `${id}.json`);
    const sysctls = Object.fromEntries(guardedSysctls.flatMap((name) => {
      const value = readSysctl(name);
      return value === undefined ? [] : [[name, value]];
    }));
    this.entry = { id, owner: { pid: process.pid, startTime: processStartTime(process.pid) ?? "" }, cgroups: [], sysctls };
    this.save();
  }

  get id(): string {
    return this.entry.id;
  }

  private save(): void {
    writeFileSync(this.path, JSON.stringify(this.entry, null, 2), { mode: 0o600 });
  }

  /** Records a change before it is made. */
  record(change: Partial<Pick<LedgerEntry, "dir" | "holderPid">> & { cgroup?: string }): void {
    const { cgroup, ...rest } = change;
    this.entry = { ...this.entry, ...rest, cgroups: cgroup ? [...this.entry.cgroups, cgroup] : this.entry.cgroups };
    this.save();
  }

  /** Host settings that differ from before the start (the node's isolation should make this empty). */
  changedSysctls(): Array<{ name: string; before: string; now: string | undefined }> {
    return Object.entries(this.entry.sysctls)
      .map(([name, before]) => ({ name, before, now: readSysctl(name) }))
      .filter((change) => change.now !== change.before);
  }

  /** Undoes everything recorded, synchronously; returns what could not be undone. */
  undo(): string[] {
    const problems = undoEntry(this.entry);
    if (problems.length === 0) rmSync(this.path, { force: true });
    return problems;
  }
}

function undoEntry(entry: LedgerEntry): string[] {
  const problems: string[] = [];
  if (entry.holderPid !== undefined) {
    try {
      process.kill(entry.holderPid, "SIGKILL");
    } catch {
      // Already gone: its namespaces went with it.
    }
  }
  problems.push(...removeCgroupRoots(entry.cgroups).map((dir) => `cgroup ${dir} could not be removed`));
  for (const [name, before] of Object.entries(entry.sysctls)) {
    if (readSysctl(name) !== before && !writeSysctl(name, before)) problems.push(`${name} could not be restored to ${before}`);
  }
  if (entry.dir) rmSync(entry.dir, { recursive: true, force: true });
  return problems;
}

/**
 * Undoes what nodes whose owner died without stopping them (SIGKILL, a crash) left behind.
 * Runs before every node start, so the machine never keeps more than one dead node's leftovers.
 */
export function sweepAbandonedNodes(): string[] {
  if (!existsSync(ledgerDir)) return [];
  const swept: string[] = [];
  for (const file of readdirSync(ledgerDir).filter((name) => name.endsWith(".json"))) {
    const path = join(ledgerDir, file);
    let entry: LedgerEntry;
    try {
      entry = JSON.parse(readFileSync(path, "utf8")) as LedgerEntry;
    } catch {
      continue;
    }
    const alive = processStartTime(entry.owner.pid) === entry.owner.startTime;
    if (alive) continue;
    const problems = undoEntry(entry);
    if (problems.length === 0) rmSync(path, { force: true });
    detail(`removed what node ${entry.id} (owner ${entry.owner.pid}, gone) left on this machine${problems.length ? `; not all: ${problems.join("; ")}` : ""}`);
    swept.push(entry.id);
  }
  return swept;
}
