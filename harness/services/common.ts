import { chmod, chown, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { PlatformError } from "../errors.ts";
import { workspace, type Supervised } from "../processes.ts";

/** A server the tests start as a local process; stop() leaves no process and no files. */
export interface LocalService {
  stop(): Promise<void>;
}

/**
 * Database servers refuse to run as root, and CI runs as root: there they run as the
 * packages' own service users, on folders those users own.
 */
export async function serviceDir(prefix: string, serviceUser: string): Promise<{ dir: string; runAs: string[]; stop: (processes: Supervised[]) => Promise<void> }> {
  const space = await workspace(prefix);
  const { dir } = space;
  const stop = async (processes: Supervised[]) => {
    space.processes.push(...processes);
    await space.stop();
  };
  if (process.getuid?.() !== 0) return { dir, runAs: [], stop };
  const ids = await execa("id", ["-u", serviceUser], { reject: false });
  if (ids.exitCode !== 0) {
    throw new PlatformError(`user ${serviceUser} does not exist, so ${prefix} cannot run as non-root`, `Install the server package (make system-deps), which creates ${serviceUser}.`);
  }
  const uid = Number(ids.stdout.trim());
  const gid = Number((await execa("id", ["-g", serviceUser])).stdout.trim());
  await chmod(dir, 0o755);
  await mkdir(join(dir, "data"));
  await chown(join(dir, "data"), uid, gid);
  return { dir, runAs: ["runuser", "-u", serviceUser, "--"], stop };
}

/** Runs a command as the service user when we are root (see serviceDir). */
export function asUser(runAs: string[], binary: string, args: string[]): [string, string[]] {
  return runAs.length === 0 ? [binary, args] : [runAs[0]!, [...runAs.slice(1), binary, ...args]];
}

export async function findBinary(name: string, candidates: string[], fix: string): Promise<string> {
  for (const candidate of candidates) {
    const probe = await execa("sh", ["-c", `command -v ${candidate}`], { reject: false });
    if (probe.exitCode === 0) return probe.stdout.trim();
  }
  throw new PlatformError(`${name} is not installed (looked for ${candidates.join(", ")})`, fix);
}
