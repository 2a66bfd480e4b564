import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { z } from "zod";
import { PlatformError, tail } from "../errors.ts";
import { cacheDir } from "../paths.ts";
import { detail, formatSeconds, step } from "../progress.ts";
import { PrivateApt, unpackDebs } from "./debian.ts";
import { withCacheLock } from "./lock.ts";
import type { Versions } from "./versions.ts";

/**
 * The database servers and clients the scripts are tested with come from the Debian release the
 * images track (trixie: PostgreSQL 17, MariaDB 11.8), not from the host's. Their packages are
 * fetched with apt into private folders (harness/toolchain/debian.ts: the machine's own Debian
 * mirror and keyring, so signatures are checked as for any install), unpacked without
 * maintainer scripts into a root in the platform cache, and run there through chroot. Nothing is installed over the system,
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
    const root = await buildRoot(versions.debianRoot, dir, cache);
    detail(`Debian root: ready in ${formatSeconds(performance.now() - started)}`);
    return root;
  });
}

async function run(what: string, command: string, args: string[]) {
  try {
    return await execa(command, args, { all: true });
  } catch (error) {
    throw new PlatformError(`building the Debian root: ${what} failed: ${tail((error as { all?: string }).all ?? (error as Error).message, 4)}`, "Remove the root's folder in the platform cache and run `make toolchain` again.", { cause: error });
  }
}

async function buildRoot(spec: Versions["debianRoot"], dir: string, cache: string): Promise<DebianRoot> {
  const building = join(dir, "root.building");
  await rm(dir, { recursive: true, force: true });
  // The shared download path (harness/toolchain/debian.ts): the stand-in images reuse these packages.
  const { resolved, debs } = await new PrivateApt(spec.suite, "empty", cache).fetch([...Object.keys(spec.packages), ...spec.base]);
  const packages = Object.fromEntries(resolved.map((p) => [p.name, p.version]));
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
  await unpackDebs(debs, building, ["./usr/share/doc", "./usr/share/man", "./usr/share/locale"]);
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
  await writeFile(join(dir, "packages.json"), `${JSON.stringify({ suite: spec.suite, packages }, null, 2)}\n`);
  return { dir: join(dir, "root"), packages };
}
