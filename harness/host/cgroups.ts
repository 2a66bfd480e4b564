import { existsSync, readdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";

/**
 * The node's cgroups live under one root of its own (kubelet's cgroupRoot) in every mounted
 * hierarchy; nothing outside that root is ever written. Removing it means killing what is
 * still inside (node processes only, by construction) and removing the folders leaf first.
 */

/** Mount points of every cgroup hierarchy (v1 controllers, named ones, and the v2 unified one). */
export function cgroupMounts(mountinfo = readFileSync("/proc/self/mountinfo", "utf8")): string[] {
  return mountinfo
    .split("\n")
    .map((line) => line.split(" - "))
    .filter(([, after]) => /^cgroup2? /.test(after ?? ""))
    .map(([before]) => before!.split(" ")[4]!)
    .sort();
}

/** Every folder under `dir`, deepest first. */
function foldersDeepestFirst(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const children = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  return [...children.flatMap((child) => foldersDeepestFirst(join(dir, child.name))), dir];
}

function pidsIn(dir: string): number[] {
  try {
    return readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Removes the given cgroup roots and everything below them. Synchronous, so it also runs from
 * exit and signal handlers. Returns the folders that could not be removed (empty on success).
 */
export function removeCgroupRoots(roots: string[], timeoutMs = 15_000): string[] {
  const deadline = Date.now() + timeoutMs;
  let left = roots.flatMap(foldersDeepestFirst);
  while (left.length > 0) {
    for (const dir of left) for (const pid of pidsIn(dir)) killQuietly(pid);
    left = left.filter((dir) => {
      try {
        rmdirSync(dir);
        return false;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code !== "ENOENT";
      }
    });
    if (left.length === 0 || Date.now() > deadline) break;
    sleepSync(100);
  }
  return left;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/** Every cgroup folder of every hierarchy (for before/after comparisons). */
export function allCgroupFolders(): string[] {
  return cgroupMounts().flatMap((mount) => foldersDeepestFirst(mount)).sort();
}
