import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { mkdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { z } from "zod";
import { PlatformError, tail } from "../errors.ts";
import { cacheDir } from "../paths.ts";
import { detail, formatSeconds, step } from "../progress.ts";
import { withCacheLock } from "./lock.ts";
import type { Versions } from "./versions.ts";

/**
 * The database servers and clients the scripts are tested with come from the Debian release the
 * images track (trixie: PostgreSQL 17, MariaDB 11.8), not from the host's. Their packages are
 * fetched with apt into private folders (the machine's own Debian mirror and keyring, so
 * signatures are checked as for any install), unpacked without maintainer scripts into a root
 * in the platform cache, and run there through chroot. Nothing is installed over the system,
 * and a newer glibc never meets the host's binaries.
 *
 * Why unpacked packages rather than debootstrap: no maintainer script runs as root against
 * anything, nothing but apt and dpkg-deb is needed, and the root holds exactly the packages
 * listed (plus their dependencies), which is what a test of the scripts needs.
 */

export interface DebianRoot {
  dir: string;
  /** Package name → version installed in the root. */
  packages: Record<string, string>;
}

const manifestSchema = z.object({ suite: z.string(), packages: z.record(z.string(), z.string()) });

/** The user ids the official images run as: postgres and mysql are 999, rclone steps run as nobody. */
const passwd = [
  "root:x:0:0:root:/root:/bin/sh",
  "postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh",
  "mysql:x:999:999:MariaDB:/var/lib/mysql:/bin/sh",
  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
  "",
].join("\n");
const group = ["root:x:0:", "postgres:x:999:", "mysql:x:999:", "nogroup:x:65534:", ""].join("\n");

/** Mount points the runner binds host folders onto (the pods' own paths). */
export const rootMountPoints = ["dev", "proc", "tmp", "work", "scripts", "provisioning", "opt/rclone", "run/postgresql", "run/mysqld"];

/** Bumped when the way the root is assembled changes, so cached roots are rebuilt. */
const layout = 3;

function specHash(spec: Versions["debianRoot"]): string {
  return createHash("sha256").update(JSON.stringify({ layout, spec })).digest("hex").slice(0, 12);
}

export function debianRootDir(versions: Versions, cache = cacheDir()): string {
  return join(cache, "debian", `${versions.debianRoot.suite}-${specHash(versions.debianRoot)}`);
}

/**
 * The machine's own Debian archive URIs (deb822 or one-line sources), so the root comes from
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
    throw new PlatformError("no Debian archive is configured in /etc/apt, so the test database servers cannot be fetched", "Configure a Debian mirror in /etc/apt/sources.list(.d), as on any Debian machine.");
  }
  const security = debian.find((uri) => /-security\/?$/.test(uri));
  return { main: main.replace(/\/$/, ""), ...(security ? { security: security.replace(/\/$/, "") } : {}) };
}

function readManifest(dir: string): DebianRoot | undefined {
  const path = join(dir, "packages.json");
  if (!existsSync(path) || !existsSync(join(dir, "root"))) return undefined;
  return { dir: join(dir, "root"), packages: manifestSchema.parse(JSON.parse(readFileSync(path, "utf8"))).packages };
}

/**
 * Builds (first run) or finds the Debian root pinned in versions.json. Each pinned package's
 * version must start with its prefix, or the build fails naming the package.
 */
export async function ensureDebianRoot(versions: Versions, cache = cacheDir()): Promise<DebianRoot> {
  const dir = debianRootDir(versions, cache);
  const found = readManifest(dir);
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new PlatformError(
      "the test database servers run in a Debian root through chroot, which needs root",
      "Run the tests as root (CI does), or in a container or VM where you are root.",
    );
  }
  return withCacheLock(cache, `debian-${versions.debianRoot.suite}`, async () => {
    const again = readManifest(dir);
    if (again) return again;
    const started = performance.now();
    step(`fetching ${versions.debianRoot.suite}'s ${Object.keys(versions.debianRoot.packages).join(", ")} into ${dir} (first run only)`);
    const root = await buildRoot(versions.debianRoot, dir);
    detail(`Debian root: ready in ${formatSeconds(performance.now() - started)}`);
    return root;
  });
}

async function run(what: string, command: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  try {
    return await execa(command, args, { all: true, ...options });
  } catch (error) {
    throw new PlatformError(`building the Debian root: ${what} failed: ${tail((error as { all?: string }).all ?? (error as Error).message, 4)}`, "Check that the Debian mirror in /etc/apt is reachable, then run `make toolchain` again.", { cause: error });
  }
}

async function buildRoot(spec: Versions["debianRoot"], dir: string): Promise<DebianRoot> {
  const work = join(dir, "apt");
  const building = join(dir, "root.building");
  await rm(dir, { recursive: true, force: true });
  for (const sub of ["etc/sources.list.d", "etc/preferences.d", "state/lists/partial", "cache/archives/partial"]) await mkdir(join(work, sub), { recursive: true });
  await writeFile(join(work, "status"), "");
  const archives = debianArchives();
  const keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
  const line = (uri: string, suite: string) => `deb [signed-by=${keyring}] ${uri} ${suite} main`;
  await writeFile(
    join(work, "etc/sources.list"),
    [line(archives.main, spec.suite), line(archives.main, `${spec.suite}-updates`), ...(archives.security ? [line(archives.security, `${spec.suite}-security`)] : []), ""].join("\n"),
  );
  // Private state, cache and status: the system's package database is never read or written.
  const apt = [
    `-o`, `Dir::Etc::sourcelist=${join(work, "etc/sources.list")}`,
    `-o`, `Dir::Etc::sourceparts=${join(work, "etc/sources.list.d")}`,
    `-o`, `Dir::Etc::preferencesparts=${join(work, "etc/preferences.d")}`,
    `-o`, `Dir::State=${join(work, "state")}`,
    `-o`, `Dir::State::status=${join(work, "status")}`,
    `-o`, `Dir::Cache=${join(work, "cache")}`,
    `-o`, "APT::Architecture=amd64",
    `-o`, "APT::Architectures::=amd64",
    `-o`, "Debug::NoLocking=1",
  ];
  await run("apt-get update", "apt-get", [...apt, "update", "-qq"]);
  const wanted = [...Object.keys(spec.packages), ...spec.base];
  await run("apt-get download", "apt-get", [...apt, "install", "--download-only", "-y", "-qq", "--no-install-recommends", ...wanted], { env: { DEBIAN_FRONTEND: "noninteractive" } });

  const archiveDir = join(work, "cache/archives");
  const debs = readdirSync(archiveDir).filter((name) => name.endsWith(".deb"));
  const packages: Record<string, string> = {};
  for (const deb of debs) {
    const { stdout } = await run(`reading ${deb}`, "dpkg-deb", ["--show", "--showformat=${Package}\t${Version}", join(archiveDir, deb)]);
    const [name, version] = stdout.split("\t");
    packages[name!] = version!;
  }
  for (const [name, prefix] of Object.entries(spec.packages)) {
    if (!packages[name]?.startsWith(prefix)) {
      throw new PlatformError(
        `Debian ${spec.suite} offers ${name} ${packages[name] ?? "(none)"}, not the pinned ${prefix}*`,
        `Update debianRoot.packages in versions.json (and the image tags in modules/data that must match it).`,
      );
    }
  }

  // Merged /usr, as on any current Debian system, before anything is unpacked over it.
  for (const sub of ["usr/bin", "usr/sbin", "usr/lib", "usr/lib64"]) await mkdir(join(building, sub), { recursive: true });
  for (const [link, target] of [["bin", "usr/bin"], ["sbin", "usr/sbin"], ["lib", "usr/lib"], ["lib64", "usr/lib64"]] as const) await symlink(target, join(building, link));
  for (const deb of debs) {
    await run(`unpacking ${deb}`, "sh", ["-c", 'dpkg-deb --fsys-tarfile "$1" | tar -x --keep-directory-symlink --exclude=./usr/share/doc --exclude=./usr/share/man --exclude=./usr/share/locale -C "$2"', "sh", join(archiveDir, deb), building]);
  }
  await writeFile(join(building, "etc/passwd"), passwd);
  await writeFile(join(building, "etc/group"), group);
  // What every image has: mariadb-install-db, for one, insists on resolving localhost.
  await writeFile(join(building, "etc/hosts"), "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n");
  await writeFile(join(building, "etc/nsswitch.conf"), "passwd: files\ngroup: files\nhosts: files dns\n");
  // Maintainer scripts did not run, so neither did update-alternatives: awk is mawk, as in the images.
  await symlink("mawk", join(building, "usr/bin/awk"));
  for (const point of rootMountPoints) await mkdir(join(building, point), { recursive: true });
  // The rclone image's shell and tools are busybox's: its applets, alone on PATH, stand in for it.
  await mkdir(join(building, "opt/busybox/bin"), { recursive: true });
  const { stdout: applets } = await run("listing busybox applets", "chroot", [building, "/usr/bin/busybox", "--list"]);
  for (const applet of applets.split("\n").filter(Boolean)) await symlink("/usr/bin/busybox", join(building, "opt/busybox/bin", applet));

  await rename(building, join(dir, "root"));
  await rm(work, { recursive: true, force: true });
  await writeFile(join(dir, "packages.json"), `${JSON.stringify({ suite: spec.suite, packages }, null, 2)}\n`);
  return { dir: join(dir, "root"), packages };
}
