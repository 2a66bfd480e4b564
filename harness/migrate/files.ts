import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { PlatformError } from "../errors.ts";

/**
 * Outputs appear whole or not at all: written beside the target and renamed over it, so a
 * failure halfway (or bad input found late) never leaves a half file where the last good one was.
 */
export async function writeAtomic(path: string, content: string, mode = 0o644): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(temporary, content, { mode });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new PlatformError(`could not write ${path}: ${(error as Error).message}`, "Check the folder exists and is writable.", { cause: error });
  }
}

export async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PlatformError(`cannot read ${what} ${path}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`, `Check the path given for ${what}.`, { cause: error });
  }
}
