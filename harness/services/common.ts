import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeOnExit, stopAll, type Supervised } from "../processes.ts";

/** A server the tests start as a local process; stop() leaves no process and no files. */
export interface LocalService {
  stop(): Promise<void>;
}

/**
 * A folder for one server, owned by the uid its image runs as (database servers refuse to run
 * as root), removed with the server on stop, failure or exit.
 */
export async function serviceDir(prefix: string, uid: number): Promise<{ dir: string; stop: (processes: Supervised[]) => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `doks-platform-${prefix}-`));
  const forget = removeOnExit(dir);
  const stop = async (processes: Supervised[]) => {
    await stopAll(processes);
    await rm(dir, { recursive: true, force: true });
    forget();
  };
  await chown(dir, uid, uid);
  await chmod(dir, 0o700);
  return { dir, stop };
}
