import { createWriteStream, existsSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { execa, type Options, type ResultPromise } from "execa";
import { PlatformError, tail } from "./errors.ts";

export interface Supervised {
  name: string;
  log: string;
  child: ResultPromise;
}

/** Starts a long-running binary with its output in a log file (shown if it fails to come up). */
export function supervise(name: string, binary: string, args: string[], log: string, options: Options = {}): Supervised {
  const out = createWriteStream(log);
  const child = execa(binary, args, { reject: false, stdin: "ignore", stdout: "pipe", stderr: "pipe", cleanup: true, forceKillAfterDelay: 5_000, ...options });
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
 * Ctrl-C and `kill` must not leave a control plane, a node or their temp folders behind.
 * Children already die with us (execa's cleanup); the rest is undone synchronously here because
 * an async handler would not finish before the process ends.
 */
const exitHandlers = new Set<() => void>();
let handlersInstalled = false;

/** Runs `undo` synchronously when the process exits or is stopped by a signal; returns a canceller. */
export function onExitSync(undo: () => void): () => void {
  exitHandlers.add(undo);
  if (!handlersInstalled) {
    handlersInstalled = true;
    const cleanup = () => {
      for (const handler of [...exitHandlers].reverse()) {
        try {
          handler();
        } catch {
          // One failed undo must not stop the others.
        }
      }
      exitHandlers.clear();
    };
    process.on("exit", cleanup);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.once(signal, () => {
        cleanup();
        process.kill(process.pid, signal);
      });
    }
  }
  return () => exitHandlers.delete(undo);
}

export function removeOnExit(folder: string): () => void {
  return onExitSync(() => rmSync(folder, { recursive: true, force: true }));
}

/** A temp folder for local servers: stop() ends the processes started in it and removes it, as do exit and signals. */
export async function workspace(prefix: string): Promise<{ dir: string; processes: Supervised[]; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `doks-platform-${prefix}-`));
  const forget = removeOnExit(dir);
  const processes: Supervised[] = [];
  const stop = async () => {
    await stopAll(processes);
    await rm(dir, { recursive: true, force: true });
    forget();
  };
  return { dir, processes, stop };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls until the process is ready; fails with its last log lines if it exits or times out. */
export async function waitUntilReady(what: Supervised, ready: () => Promise<boolean>, timeoutMs: number, fix: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited(what)) break;
    if (await ready().catch(() => false)) return;
    await sleep(200);
  }
  throw new PlatformError(`${what.name} did not start: it ${exited(what) ? "exited" : `was not ready after ${timeoutMs / 1000}s`}\n${logTail(what)}`, fix);
}
