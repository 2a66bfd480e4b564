import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { PlatformError, tail } from "../errors.ts";
import { cacheDir } from "../paths.ts";
import { detail, step } from "../progress.ts";
import { withCacheLock } from "./lock.ts";
import type { DebianSet } from "./versions.ts";

/**
 * Debian packages kept beside the toolchain instead of installed over the system: apt runs
 * with its own lists, archive and (empty or host) status in the platform cache, so it never
 * touches the machine's package database, and the packages are unpacked with dpkg-deb into a
 * folder of their own. No maintainer script ever runs.
 */

export interface DebPackage {
  name: string;
  version: string;
}

const keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
// Lists older than this are refreshed: the archive drops superseded security updates.
const listsMaxAgeMs = 24 * 3600_000;

function suiteSources(suite: string): string {
  const signed = `[signed-by=${keyring}]`;
  const lines = [`deb ${signed} http://deb.debian.org/debian ${suite} main`, `deb ${signed} http://deb.debian.org/debian ${suite}-updates main`, `deb ${signed} http://deb.debian.org/debian-security ${suite}-security main`];
  return `${lines.join("\n")}\n`;
}

export class PrivateApt {
  readonly root: string;

  /** against: "host" resolves only what this machine lacks; "empty" the whole closure (image roots). */
  constructor(
    readonly suite: string,
    private readonly against: "host" | "empty",
    cache = cacheDir(),
  ) {
    this.root = join(cache, "apt", `${suite}-${against}`);
  }

  private options(): string[] {
    const status = this.against === "host" ? "/var/lib/dpkg/status" : join(this.root, "status");
    const settings: Record<string, string> = {
      "Dir::State": this.root,
      "Dir::State::Lists": join(this.root, "lists"),
      "Dir::State::status": status,
      "Dir::Cache": this.root,
      "Dir::Cache::archives": join(this.root, "archives"),
      "Dir::Etc::SourceList": join(this.root, "sources.list"),
      "Dir::Etc::SourceParts": join(this.root, "sources.list.d"),
      "Dir::Etc::Preferences": join(this.root, "preferences"),
      "Dir::Etc::PreferencesParts": join(this.root, "preferences.d"),
      "Dir::Log": join(this.root, "log"),
      "APT::Architecture": "amd64",
      "APT::Install-Recommends": "false",
      "APT::Get::Assume-Yes": "true",
      "Debug::NoLocking": "1",
      "Acquire::Languages": "none",
      "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled": "false",
      "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled": "false",
      "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled": "false",
    };
    return Object.entries(settings).flatMap(([key, value]) => ["-o", `${key}=${value}`]);
  }

  private async apt(tool: "apt-get" | "apt-cache", args: string[], what: string) {
    try {
      return await execa(tool, [...this.options(), ...args], { all: true, env: { DEBIAN_FRONTEND: "noninteractive", LC_ALL: "C" } });
    } catch (error) {
      const output = (error as { code?: string }).code === "ENOENT" ? `${tool}: command not found` : tail((error as { all?: string }).all, 4);
      throw new PlatformError(`Debian ${this.suite}: ${what} failed\n${output}`, "The node kind fetches Debian packages with apt-get (Debian or Ubuntu hosts); check that deb.debian.org is reachable, then run again.", { cause: error });
    }
  }

  /** Refreshes the package lists when they are missing or a day old. */
  async update(): Promise<void> {
    const marker = join(this.root, "lists", "updated");
    if (existsSync(marker) && Date.now() - statSync(marker).mtimeMs < listsMaxAgeMs) return;
    for (const folder of ["lists/partial", "archives/partial", "sources.list.d", "preferences.d", "log"]) await mkdir(join(this.root, folder), { recursive: true });
    await writeFile(join(this.root, "sources.list"), suiteSources(this.suite));
    if (this.against === "empty") await writeFile(join(this.root, "status"), "");
    detail(`apt: package lists of ${this.suite}`);
    await this.apt("apt-get", ["update", "-qq"], "apt-get update");
    await writeFile(marker, new Date().toISOString());
  }

  /**
   * Every package apt would install for `wanted` (names or apt patterns), with its version. The
   * wanted packages themselves are always listed, even where the machine has them installed.
   */
  async resolve(wanted: string[]): Promise<DebPackage[]> {
    const { stdout } = await this.apt("apt-get", ["install", "--simulate", "--reinstall", ...wanted], `resolving ${wanted.join(" ")}`);
    return [...stdout.matchAll(/^Inst (\S+) (?:\[\S+\] )?\((\S+) /gm)].map((match) => ({ name: match[1]!, version: match[2]! }));
  }

  /** Downloads exactly these versions (kept in the cache's archive) and returns the .deb paths. */
  async download(packages: DebPackage[]): Promise<string[]> {
    if (packages.length > 0) await this.apt("apt-get", ["install", "--download-only", "-qq", ...packages.map((p) => `${p.name}=${p.version}`)], "download");
    const archives = join(this.root, "archives");
    const files = await readdir(archives);
    return packages.map((p) => {
      // apt escapes ':' (epochs) as %3a in archive file names.
      const prefix = `${p.name}_${p.version.replace(":", "%3a")}_`;
      const file = files.find((name) => name.startsWith(prefix) && name.endsWith(".deb"));
      if (!file) throw new PlatformError(`Debian ${this.suite}: ${p.name} ${p.version} was not downloaded`, "Run again; if it persists, remove the apt folder in the platform cache.");
      return join(archives, file);
    });
  }
}

/** Unpacks .deb files into root in order, keeping merged-/usr symlinks (bin -> usr/bin) intact. */
export async function unpackDebs(debs: string[], root: string): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const deb of debs) {
    await execa("sh", ["-c", 'dpkg-deb --fsys-tarfile "$1" | tar -x --keep-directory-symlink -C "$2"', "unpack", deb, root]);
  }
}

/** Checks each resolved package against the version prefix pinned in versions.json. */
export function checkPins(set: DebianSet, resolved: DebPackage[], wanted: string[]): void {
  for (const name of wanted) {
    const prefix = set.packages[name];
    const found = resolved.find((p) => p.name === name);
    if (prefix === undefined || !found) continue;
    if (!found.version.startsWith(prefix)) {
      throw new PlatformError(`Debian ${set.suite} now has ${name} ${found.version}, not the pinned ${prefix}.x`, `Test the new version and update its prefix in versions.json (${name}).`);
    }
  }
}

export function digestOf(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/**
 * A set of Debian packages this machine lacks, unpacked once into the cache and reused by
 * content: the folder name is the hash of the exact package versions.
 */
export async function ensureUnpacked(label: string, set: DebianSet, wanted: string[] = Object.keys(set.packages)): Promise<string> {
  const cache = cacheDir();
  const index = join(cache, "debian", `${label}.json`);
  const known = existsSync(index) ? (JSON.parse(await readFile(index, "utf8")) as { pins: string; root: string }) : undefined;
  const pins = digestOf({ suite: set.suite, wanted, prefixes: wanted.map((name) => set.packages[name]) });
  if (known && known.pins === pins && existsSync(join(known.root, ".complete"))) return known.root;
  return withCacheLock(cache, `debian-${label}`, async () => {
    const apt = new PrivateApt(set.suite, "host", cache);
    step(`fetching ${wanted.join(", ")} from Debian ${set.suite} into the platform cache (not installed on the system)`);
    await apt.update();
    const resolved = await apt.resolve(wanted);
    checkPins(set, resolved, wanted);
    const root = join(cache, "debian", `${label}-${digestOf(resolved).slice(0, 16)}`);
    if (!existsSync(join(root, ".complete"))) {
      const partial = `${root}.partial`;
      await rm(partial, { recursive: true, force: true });
      await unpackDebs(await apt.download(resolved), partial);
      await writeFile(join(partial, ".packages"), resolved.map((p) => `${p.name} ${p.version}`).join("\n") + "\n");
      await writeFile(join(partial, ".complete"), "");
      await rm(root, { recursive: true, force: true });
      await rename(partial, root);
    }
    await writeFile(index, JSON.stringify({ pins, root }));
    return root;
  });
}
