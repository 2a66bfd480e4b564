import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { PlatformError } from "./errors.ts";
import type { SourceFile } from "./hcl.ts";
import { cacheDir } from "./paths.ts";
import { detail } from "./progress.ts";

/**
 * Where the harness keeps what must outlive caches and checkouts: the generated state
 * encryption key. $PLATFORM_DATA_DIR, else $XDG_DATA_HOME/doks-platform, else
 * ~/.local/share/doks-platform: a place users back up and do not wipe, unlike ~/.cache.
 */
export function dataDir(): string {
  return resolve(process.env.PLATFORM_DATA_DIR ?? join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "doks-platform"));
}

export function stateKeyPath(): string {
  return join(dataDir(), "state.key");
}

/** Where earlier versions kept the key: in the cache, which `rm -rf ~/.cache` takes with it. */
function legacyKeyPath(): string {
  return join(cacheDir(), "local-state.key");
}

async function writeKey(path: string, key: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await chmod(dirname(path), 0o700);
  await writeFile(path, `${key}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}

/**
 * The passphrase of state and plan encryption: TF_VAR_state_passphrase when set, else the key
 * in the data folder, generated on first use. A key left in the cache by an earlier version
 * moves there (and is removed from the cache only once the copy reads back equal).
 */
export async function statePassphrase(): Promise<string> {
  if (process.env.TF_VAR_state_passphrase) return process.env.TF_VAR_state_passphrase;
  const path = stateKeyPath();
  const legacy = legacyKeyPath();
  const current = existsSync(path) ? (await readFile(path, "utf8")).trim() : undefined;
  const old = existsSync(legacy) ? (await readFile(legacy, "utf8")).trim() : undefined;
  if (old !== undefined) {
    if (current !== undefined && current !== old) {
      // Two keys: the one in the data folder stays in use; the other is kept beside it, never lost.
      const kept = `${path}.from-cache-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      await writeKey(kept, old);
      await rm(legacy, { force: true });
      detail(`a different state key was left in the cache by an earlier version: kept as ${kept} (state it encrypted needs TF_VAR_state_passphrase=$(cat ${kept}))`);
      return current;
    }
    if (current === undefined) {
      await writeKey(path, old);
      if (readFileSync(path, "utf8").trim() !== old) throw new PlatformError(`could not move the state key to ${path}`, `Copy ${legacy} there by hand (mode 0600).`);
      detail(`moved the state encryption key from the cache (${legacy}) to ${path}`);
    }
    await rm(legacy, { force: true });
    return old;
  }
  if (current !== undefined) return current;
  const key = randomBytes(24).toString("base64url");
  await writeKey(path, key);
  detail(`generated the state encryption key at ${path}: back it up (see README, "State and keys")`);
  return key;
}

/** Backends that lock state on their own, and for s3 the settings that turn locking on. */
const lockingBackends = new Set(["s3", "gcs", "azurerm", "consul", "pg", "cos", "oss", "http"]);

export interface BackendInfo {
  type: string;
  settings: Record<string, unknown>;
}

/** The backend the root configuration declares ("local" when none). */
export function backendOf(files: SourceFile[]): BackendInfo {
  for (const file of files.filter((entry) => !entry.inModule)) {
    for (const block of (file.body.terraform ?? []) as Array<{ backend?: Record<string, Array<Record<string, unknown>>> }>) {
      for (const [type, bodies] of Object.entries(block.backend ?? {})) return { type, settings: bodies[0] ?? {} };
    }
  }
  return { type: "local", settings: {} };
}

export interface BackendProblem {
  /** What the environment does, e.g. "keeps its state in a local file". */
  problem: string;
  /** Why a persistent environment cannot do that. */
  reason: string;
}

const remoteAndLocking = "a real cluster's state must live in a remote backend with locking";

/** Why this backend cannot hold a persistent environment's state, or undefined if it can. */
export function backendProblem(backend: BackendInfo): BackendProblem | undefined {
  const refuse = (problem: string, reason = remoteAndLocking) => ({ problem, reason });
  if (backend.type === "local") return refuse("keeps its state in a local file");
  // It locks, but its state is one Secret: an apply would create the resources, then fail to save them.
  if (backend.type === "kubernetes")
    return refuse(
      "uses the kubernetes backend",
      "its state is one Secret, at most 1 MiB, and encrypted state does not compress: the platform's state, which holds every chart's rendered manifests, outgrows it",
    );
  if (!lockingBackends.has(backend.type)) return refuse(`uses the ${backend.type} backend, which does not lock state`);
  if (backend.type === "s3" && backend.settings.use_lockfile !== true && !backend.settings.dynamodb_table) return refuse("uses the s3 backend without locking (use_lockfile = true)");
  if (backend.type === "http" && !backend.settings.lock_address) return refuse("uses the http backend without a lock_address");
  return undefined;
}

/**
 * A named context is a cluster with persistent resources: its state must live in a remote
 * backend with locking, never on one laptop, where it is lost with the disk and two people
 * applying at once corrupt it.
 */
export function requireRemoteState(environment: string, context: string, files: SourceFile[], legacyState: string): void {
  const backend = backendOf(files);
  const refused = backendProblem(backend);
  if (!refused) return;
  const existing = backend.type === "kubernetes" ? "State already in the kubernetes backend's Secret" : existsSync(legacyState) ? `Existing local state at ${legacyState}` : undefined;
  const migrate = existing ? ` ${existing} moves there with \`tofu init -migrate-state\`.` : "";
  throw new PlatformError(
    `environment ${environment} ${refused.problem}, which is refused for context ${context}: ${refused.reason}`,
    `Use an environment whose backend is remote and locking (backend "s3" on Spaces with use_lockfile = true), or omit --context to work on a throwaway local cluster.${migrate}`,
  );
}
