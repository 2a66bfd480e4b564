import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { execa } from "execa";
import { PlatformError } from "../errors.ts";
import { detail, step } from "../progress.ts";
import type { Versions } from "./versions.ts";

async function installedVersion(name: string): Promise<string | undefined> {
  const query = await execa("dpkg-query", ["-W", "-f=${Status} ${Version}", name], { reject: false });
  const [, version] = query.stdout.match(/install ok installed (\S+)/) ?? [];
  return version;
}

/**
 * The tests run real PostgreSQL, MariaDB, DNS and Dovecot servers, rclone and shellcheck from
 * Debian's packages: installed here when missing (as root), otherwise named with the command.
 */
export async function ensureSystemPackages(versions: Versions): Promise<void> {
  const wanted = Object.entries(versions.debian);
  const missing: string[] = [];
  for (const [name, prefix] of wanted) {
    const version = await installedVersion(name).catch(() => undefined);
    if (!version) missing.push(name);
    else if (!version.startsWith(prefix)) detail(`${name} ${version} is installed; the tests are known to pass with ${prefix}.x`);
  }
  if (missing.length === 0) return;
  const aptAvailable = (await execa("sh", ["-c", "command -v apt-get"], { reject: false })).exitCode === 0;
  if (!aptAvailable || process.getuid?.() !== 0) {
    throw new PlatformError(`the tests and migration commands need ${missing.join(", ")}, which are not installed`, `Install them: sudo apt-get install -y ${missing.join(" ")} (or their equivalents on your system).`);
  }
  step(`installing ${missing.join(", ")} from Debian's packages`);
  // The tests start their own servers on loopback: nsd, Knot, Dovecot and the databases must not
  // also start as system services on a developer's machine (ports 53, 143, ...). A policy-rc.d
  // that refuses every start is in place for the install only, unless one exists already.
  const policy = "/usr/sbin/policy-rc.d";
  const ownPolicy = !existsSync(policy);
  try {
    if (ownPolicy) await writeFile(policy, "#!/bin/sh\n# doks-platform: no service starts while test packages install\nexit 101\n", { mode: 0o755 });
    await execa("apt-get", ["update", "-qq"], { all: true });
    await execa("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { all: true, env: { DEBIAN_FRONTEND: "noninteractive" } });
  } catch (error) {
    throw new PlatformError(`apt-get could not install ${missing.join(", ")}: ${String((error as { all?: string }).all ?? "").trim().split("\n").at(-1)}`, "Fix the package source, then run `make toolchain` again.", { cause: error });
  } finally {
    if (ownPolicy) await rm(policy, { force: true });
  }
}
