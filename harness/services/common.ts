import { chmod, chown } from "node:fs/promises";
import { execa } from "execa";
import { PlatformError } from "../errors.ts";
import { workspace, type Supervised } from "../processes.ts";

/** A server the tests start as a local process; stop() leaves no process and no files. */
export interface LocalService {
  stop(): Promise<void>;
}

/**
 * A folder for one server, owned by the uid its image runs as (database servers refuse to run
 * as root), removed with the server on stop, failure or exit.
 */
export async function serviceDir(prefix: string, uid: number): Promise<{ dir: string; stop: (processes: Supervised[]) => Promise<void> }> {
  const space = await workspace(prefix);
  const stop = async (processes: Supervised[]) => {
    space.processes.push(...processes);
    await space.stop();
  };
  await chown(space.dir, uid, uid);
  await chmod(space.dir, 0o700);
  return { dir: space.dir, stop };
}

export async function findBinary(name: string, candidates: string[], fix: string): Promise<string> {
  for (const candidate of candidates) {
    const probe = await execa("sh", ["-c", `command -v ${candidate}`], { reject: false });
    if (probe.exitCode === 0) return probe.stdout.trim();
  }
  throw new PlatformError(`${name} is not installed (looked for ${candidates.join(", ")})`, fix);
}
