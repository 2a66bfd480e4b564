import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
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
 * folder of their own. No maintainer script ever runs. One download path for everything that
 * needs Debian packages (the test database root, the node's runtime, the stand-in images): a
 * package fetched for one is in the shared archive for the others.
 */

export interface DebPackage {
  name: string;
  version: string;
}

const keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
// Lists older than this are refreshed: the archive drops superseded security updates.
const listsMaxAgeMs = 24 * 3600_000;

/**
 * The machine's own Debian archive URIs (deb822 or one-line sources), so packages come from
 * the mirror the system is configured for. The security archive is recognised by its path.
 */
export function debianArchives(sourcesDir = "/etc/apt"): { main: string; security?: string } {
  const files = [join(sourcesDir, "sources.list"), ...(existsSync(join(sourcesDir, "sources.list.d")) ? readdirSync(join(sourcesDir, "sources.list.d")).map((name) => join(sourcesDir, "sources.list.d", name)) : [])];
  const uris: string[] = [];
  for (const file of files.filter((path) => existsSync(path) && /(\.list|\.sources)$/.test(path))) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/^URIs:\s*(\S+)/gim)) uris.push(match[1]!);
    for (const match of text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/gm)) uris.push(match[1]!);
  }
  const debian = uris.filter((uri) => /\/debian(-security)?\/?$/.test(uri));
  const main = debian.find((uri) => !/-security\/?$/.test(uri));
  if (!main) {
    throw new PlatformError("no Debian archive is configured in /etc/apt, so the Debian packages the tests need cannot be fetched", "Configure a Debian mirror in /etc/apt/sources.list(.d), as on any Debian machine.");
  }
  const security = debian.find((uri) => /-security\/?$/.test(uri));
  return { main: main.replace(/\/$/, ""), ...(security ? { security: security.replace(/\/$/, "") } : {}) };
}

function suiteSources(suite: string): string {
  const archives = debianArchives();
  const line = (uri: string, name: string) => `deb [signed-by=${keyring}] ${uri} ${name} main`;
  const lines = [line(archives.main, suite), line(archives.main, `${suite}-updates`), ...(archives.security ? [line(archives.security, `${suite}-security`)] : [])];
  return `${lines.join("\n")}\n`;
}

export class PrivateApt {
  readonly root: string;

  /** against: "host" resolves only what this machine lacks; "empty" the whole closure (image roots). */
  constructor(
    readonly suite: string,
    private readonly against: "host" | "empty",
    private readonly cache = cacheDir(),
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

  /**
   * Resolves `wanted` and downloads exactly the resolved versions into the shared archive,
   * under a lock: the lists and the archive are shared by every user of this suite.
   */
  async fetch(wanted: string[], options: { dependencies?: boolean } = {}): Promise<{ resolved: DebPackage[]; debs: string[] }> {
    return withCacheLock(this.cache, `apt-${this.suite}-${this.against}`, async () => {
      await this.update();
      const closure = await this.resolve(wanted);
      // Static binaries and data packages are used alone, without what they would pull in.
      const resolved = options.dependencies === false ? closure.filter((p) => wanted.includes(p.name)) : closure;
      return { resolved, debs: await this.download(resolved) };
    });
  }

  private async apt(tool: "apt-get" | "apt-cache", args: string[], what: string) {
    try {
      return await execa(tool, [...this.options(), ...args], { all: true, env: { DEBIAN_FRONTEND: "noninteractive", LC_ALL: "C" } });
    } catch (error) {
      const output = (error as { code?: string }).code === "ENOENT" ? `${tool}: command not found` : tail((error as { all?: string }).all, 4);
      throw new PlatformError(`Debian ${this.suite}: ${what} failed\n${output}`, "Check that the Debian mirror in /etc/apt is reachable, then run again (packages already fetched are kept).", { cause: error });
    }
  }

  /** Refreshes the package lists when they are missing or a day old. */
  private async update(): Promise<void> {
    // The marker holds the sources the lists were read from: another mirror means new lists.
    const marker = join(this.root, "lists", "updated");
    const sources = suiteSources(this.suite);
    if (existsSync(marker) && Date.now() - statSync(marker).mtimeMs < listsMaxAgeMs && readFileSync(marker, "utf8") === sources) return;
    for (const folder of ["lists/partial", "archives/partial", "sources.list.d", "preferences.d", "log"]) await mkdir(join(this.root, folder), { recursive: true });
    await writeFile(join(this.root, "sources.list"), sources);
    if (this.against === "empty") await writeFile(join(this.root, "status"), "");
    detail(`apt: package lists of ${this.suite}`);
    await this.apt("apt-get", ["update", "-qq"], "apt-get update");
    await writeFile(marker, sources);
  }

  /**
   * Every package apt would install for `wanted` (names or apt patterns), with its version. The
   * wanted packages themselves are always listed, even where the machine has them installed.
   */
  private async resolve(wanted: string[]): Promise<DebPackage[]> {
    const { stdout } = await this.apt("apt-get", ["install", "--simulate", "--reinstall", ...wanted], `resolving ${wanted.join(" ")}`);
    return [...stdout.matchAll(/^Inst (\S+) (?:\[\S+\] )?\((\S+) /gm)].map((match) => ({ name: match[1]!, version: match[2]! }));
  }

  /** Downloads exactly these versions (kept in the cache's archive) and returns the .deb paths. */
  private async download(packages: DebPackage[]): Promise<string[]> {
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

/** Unpacks .deb files into root in order, keeping merged-/usr symlinks (bin -> usr/bin) intact; `exclude` are tar patterns. */
export async function unpackDebs(debs: string[], root: string, exclude: string[] = []): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const deb of debs) {
    try {
      await execa("sh", ["-c", 'deb=$1 root=$2; shift 2; dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink "$@" -C "$root"', "unpack", deb, root, ...exclude.map((pattern) => `--exclude=${pattern}`)], { all: true });
    } catch (error) {
      throw new PlatformError(`unpacking ${deb} failed: ${tail((error as { all?: string }).all, 4)}`, "Remove the file from the apt archive in the platform cache and run again.", { cause: error });
    }
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
    const { resolved, debs } = await apt.fetch(wanted);
    checkPins(set, resolved, wanted);
    const root = join(cache, "debian", `${label}-${digestOf(resolved).slice(0, 16)}`);
    if (!existsSync(join(root, ".complete"))) {
      const partial = `${root}.partial`;
      await rm(partial, { recursive: true, force: true });
      await unpackDebs(debs, partial);
      await writeFile(join(partial, ".packages"), resolved.map((p) => `${p.name} ${p.version}`).join("\n") + "\n");
      await writeFile(join(partial, ".complete"), "");
      await rm(root, { recursive: true, force: true });
      await rename(partial, root);
    }
    await writeFile(index, JSON.stringify({ pins, root }));
    return root;
  });
}
