import { createWriteStream, existsSync, readFileSync, rmSync } from "node:fs";
import { execa, type ResultPromise } from "execa";
import { tail } from "../errors.ts";

export interface Supervised {
  name: string;
  log: string;
  child: ResultPromise;
}

/** Starts a long-running binary with its output in a log file (shown if it fails to come up). */
export function supervise(name: string, binary: string, args: string[], log: string): Supervised {
  const out = createWriteStream(log);
  const child = execa(binary, args, { reject: false, stdin: "ignore", stdout: "pipe", stderr: "pipe", cleanup: true, forceKillAfterDelay: 5_000 });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return { name, log, child };
}

export function logTail(process: Supervised, lines = 8): string {
  return existsSync(process.log) ? tail(readFileSync(process.log, "utf8"), lines) : "(no output)";
}

export function exited(process: Supervised): boolean {
  return process.child.exitCode !== null || process.child.signalCode !== null;
}

export async function stopAll(processes: Supervised[]): Promise<void> {
  for (const process of [...processes].reverse()) {
    if (exited(process)) continue;
    process.child.kill("SIGTERM");
    await process.child;
  }
}

/**
 * Ctrl-C and `kill` must not leave a control plane or its temp folder behind. Children already
 * die with us (execa's cleanup); folders are removed synchronously here because an async
 * handler would not finish before the process ends.
 */
const foldersToRemove = new Set<string>();
let handlersInstalled = false;

export function removeOnExit(folder: string): () => void {
  foldersToRemove.add(folder);
  if (!handlersInstalled) {
    handlersInstalled = true;
    const cleanup = () => {
      for (const dir of foldersToRemove) rmSync(dir, { recursive: true, force: true });
    };
    process.on("exit", cleanup);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.once(signal, () => {
        cleanup();
        process.kill(process.pid, signal);
      });
    }
  }
  return () => foldersToRemove.delete(folder);
}
