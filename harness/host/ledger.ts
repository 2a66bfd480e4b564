import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, type Dirent, type Stats } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { z } from "zod";
import { PlatformError } from "../errors.ts";
import { detail } from "../progress.ts";
import { cgroupMounts, removeCgroupRoots } from "./cgroups.ts";
import { readSysctl, writeSysctl } from "./sysctl.ts";

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
] as const;

/** A process by pid and start time (field 22 of /proc/<pid>/stat), so a reused pid is never taken for it. */
const processSchema = z.object({ pid: z.number().int().min(2), startTime: z.string().regex(/^\d+$/) }).strict();
type ProcessRef = z.infer<typeof processSchema>;

export const nodeIdPattern = /^[0-9a-f]{6}$/;

/**
 * Every change a node makes to the host, written down before it is made, so it can be undone
 * on stop, on failure, on a signal, and, when the owner was killed outright, by the next node
 * that starts on the machine. Inside the node's own namespaces nothing needs undoing: they die
 * with their last process. What is left is listed here. The sweep runs as root on what it
 * reads back, so the schema is strict and the paths are checked against the node's own names.
 */
const entrySchema = z
  .object({
    id: z.string().regex(nodeIdPattern),
    owner: processSchema,
    /** The node's folder (state, logs, sockets): removed. */
    dir: z.string().optional(),
    /** cgroup roots created in each hierarchy: emptied and removed. */
    cgroups: z.array(z.string()),
    /** Host kernel settings the node's components are known to write, with their values before start: restored if changed. */
    sysctls: z.partialRecord(z.enum(guardedSysctls), z.string().max(256).regex(/^[^\n\0]*$/)),
    /** The process that holds the node's namespaces: killed, which ends every node process. */
    holder: processSchema.optional(),
  })
  .strict();
export type LedgerEntry = z.infer<typeof entrySchema>;

/** The names a node gives what it leaves on the host; the sweep acts on nothing else. */
export function nodeNames(id: string): { node: string; dirPrefix: string } {
  return { node: `doks-node-${id}`, dirPrefix: `doks-platform-doks-node-${id}-` };
}

/** Where a node's host footprint may be: its folder in the temp folder, its cgroup root in each hierarchy. */
export interface NodeRoots {
  tmp: string;
  cgroupMounts: string[];
}

function hostRoots(): NodeRoots {
  return { tmp: resolve(tmpdir()), cgroupMounts: cgroupMounts() };
}

/**
 * Root-only and cleared at boot, like everything the ledger lists but the node's folder. Never
 * the world-writable temp folder: anyone could put entries there for root to act on.
 */
export const ledgerDir = "/run/doks-platform-nodes";

function processStartTime(pid: number): string | undefined {
  try {
    // Field 22 of /proc/<pid>/stat, after the parenthesised command name.
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[19];
  } catch {
    return undefined;
  }
}

function running(ref: ProcessRef): boolean {
  return processStartTime(ref.pid) === ref.startTime;
}

/** A process as the ledger records it, or undefined when it is already gone. */
function processRef(pid: number): ProcessRef | undefined {
  const startTime = processStartTime(pid);
  return startTime === undefined ? undefined : { pid, startTime };
}

/** The path itself, never what a symbolic link points to; undefined when nothing is there. */
function lstatIfAny(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Why `stat` is not a real folder of uid's (a symbolic link is not), or undefined. */
function foreignFolderReason(stat: Stats, uid: number): string | undefined {
  if (stat.isSymbolicLink()) return "a symbolic link";
  if (!stat.isDirectory()) return "not a folder";
  if (stat.uid !== uid) return `owned by uid ${stat.uid}, not ${uid}`;
  return undefined;
}

/** Refuses a ledger folder that anyone but this user could have written to. */
export function assertPrivateFolder(dir: string, uid = process.getuid!()): void {
  const stat = lstatSync(dir);
  const reason = foreignFolderReason(stat, uid) ?? ((stat.mode & 0o077) !== 0 ? `mode ${(stat.mode & 0o7777).toString(8).padStart(4, "0")}, open to others` : undefined);
  if (reason) throw new PlatformError(`the node ledger folder ${dir} is ${reason}: its entries say what root kills and removes, so it is not read`, `Check what it holds, remove it (rm -r ${dir}), and start again: the node recreates it, owned by uid ${uid} with mode 0700.`);
}

export class HostLedger {
  private entry: LedgerEntry;
  private readonly path: string;

  constructor(id: string, dir = ledgerDir) {
    if (!nodeIdPattern.test(id)) throw new Error(`node id ${id} is not six hex digits`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    assertPrivateFolder(dir);
    this.path = join(dir, `${id}.json`);
    const sysctls = Object.fromEntries(guardedSysctls.flatMap((name) => {
      const value = readSysctl(name);
      return value === undefined ? [] : [[name, value]];
    }));
    this.entry = { id, owner: processRef(process.pid)!, cgroups: [], sysctls };
    this.save();
  }

  get id(): string {
    return this.entry.id;
  }

  private save(): void {
    writeFileSync(this.path, JSON.stringify(this.entry, null, 2), { mode: 0o600 });
  }

  /** Records a change before it is made. A holder already gone has nothing left to kill. */
  record(change: { dir?: string; holderPid?: number; cgroup?: string }): void {
    const { cgroup, holderPid, dir } = change;
    const holder = holderPid === undefined ? undefined : processRef(holderPid);
    this.entry = {
      ...this.entry,
      ...(dir === undefined ? {} : { dir }),
      ...(holder === undefined ? {} : { holder }),
      cgroups: cgroup ? [...this.entry.cgroups, cgroup] : this.entry.cgroups,
    };
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
  if (entry.holder && running(entry.holder)) {
    try {
      process.kill(entry.holder.pid, "SIGKILL");
    } catch {
      // Gone since: its namespaces went with it.
    }
  }
  problems.push(...removeCgroupRoots(entry.cgroups).map((dir) => `cgroup ${dir} could not be removed`));
  for (const [name, before] of Object.entries(entry.sysctls)) {
    if (readSysctl(name) !== before && !writeSysctl(name, before)) problems.push(`${name} could not be restored to ${before}`);
  }
  if (entry.dir) rmSync(entry.dir, { recursive: true, force: true });
  return problems;
}

/** Why an entry reaches outside the node's own names, or undefined when it does not. */
function outsideRootsReason(entry: LedgerEntry, roots: NodeRoots, uid: number): string | undefined {
  const { node, dirPrefix } = nodeNames(entry.id);
  if (entry.dir !== undefined) {
    const name = basename(entry.dir);
    if (entry.dir !== join(roots.tmp, name) || !name.startsWith(dirPrefix) || !/^[A-Za-z0-9]{6}$/.test(name.slice(dirPrefix.length))) {
      return `dir ${JSON.stringify(entry.dir)} is not ${join(roots.tmp, `${dirPrefix}XXXXXX`)}`;
    }
    const stat = lstatIfAny(entry.dir);
    const reason = stat && foreignFolderReason(stat, uid);
    if (reason) return `dir ${entry.dir} is ${reason}`;
  }
  const allowed = new Set(roots.cgroupMounts.map((mount) => join(mount, node)));
  const stray = entry.cgroups.find((cgroup) => !allowed.has(cgroup));
  if (stray !== undefined) return `cgroup ${JSON.stringify(stray)} is not ${node} under a cgroup mount`;
  return undefined;
}

/** A ledger file read and checked, or why it is left alone. */
function readEntry(dir: string, file: Dirent, roots: NodeRoots, uid: number): { entry: LedgerEntry } | { refused: string } {
  if (!file.isFile()) return { refused: "not a regular file" };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(join(dir, file.name), "utf8"));
  } catch {
    // Not the parser's message: it quotes the file, which may hold anything, newlines included.
    return { refused: "not JSON" };
  }
  const parsed = entrySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { refused: `${issue.path.join(".") || "the entry"}: ${issue.message}` };
  }
  const entry = parsed.data;
  if (file.name !== `${entry.id}.json`) return { refused: `its id ${entry.id} does not match its name` };
  const outside = outsideRootsReason(entry, roots, uid);
  return outside ? { refused: outside } : { entry };
}

/**
 * Undoes what nodes whose owner died without stopping them (SIGKILL, a crash) left behind.
 * Runs before every node start, so the machine never keeps more than one dead node's leftovers.
 * An entry that is malformed or names anything but its own node's folder and cgroups is left
 * in place, with one line saying why.
 */
export function sweepAbandonedNodes(dir = ledgerDir, roots: NodeRoots = hostRoots()): string[] {
  if (!lstatIfAny(dir)) return [];
  const uid = process.getuid!();
  assertPrivateFolder(dir, uid);
  const swept: string[] = [];
  for (const file of readdirSync(dir, { withFileTypes: true }).filter((item) => item.name.endsWith(".json"))) {
    const path = join(dir, file.name);
    const read = readEntry(dir, file, roots, uid);
    if ("refused" in read) {
      detail(`left node ledger entry ${path} alone: ${read.refused}`);
      continue;
    }
    const { entry } = read;
    if (running(entry.owner)) continue;
    const problems = undoEntry(entry);
    if (problems.length === 0) rmSync(path, { force: true });
    detail(`removed what node ${entry.id} (owner ${entry.owner.pid}, gone) left on this machine${problems.length ? `; not all: ${problems.join("; ")}` : ""}`);
    swept.push(entry.id);
  }
  return swept;
}
