import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { detail } from "../progress.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Runs `work` while holding an exclusive lock on `name` in the cache, so two runs sharing a
 * cache (two terminals, parallel CI jobs on one runner) never build into the same folders at
 * once. The second waits, then finds the finished build. A lock whose owner died is taken over.
 */
export async function withCacheLock<T>(cache: string, name: string, work: () => Promise<T>): Promise<T> {
  const dir = join(cache, "locks", `${name.replace(/[^\w.-]+/g, "_")}.lock`);
  await mkdir(join(cache, "locks"), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      await mkdir(dir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(existsSync(join(dir, "pid")) ? readFileSync(join(dir, "pid"), "utf8") : Number.NaN);
      if (Number.isInteger(owner) && !alive(owner)) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      if (!announced) detail(`waiting for another run building ${name} (lock ${dir})`);
      announced = true;
      await sleep(1_000);
    }
  }
  await writeFile(join(dir, "pid"), String(process.pid));
  try {
    return await work();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
