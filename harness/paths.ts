import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Everything built or downloaded lives outside the repository, keyed by version, so a fresh
 * clone reuses it and `git clean` never throws away a 20-minute toolchain build.
 */
export function cacheDir(): string {
  const base = process.env.PLATFORM_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "doks-platform");
  return resolve(base);
}

/** Per-checkout scratch space (state and plans of named contexts); ignored by git. */
export const workDir = process.env.PLATFORM_WORK_DIR ?? join(repoRoot, ".platform");
export const reportsDir = join(repoRoot, "reports");
