import { existsSync, readdirSync } from "node:fs";
import { appendFile, chmod, chown, copyFile, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { checkPins, PrivateApt, unpackDebs, type DebPackage } from "../toolchain/debian.ts";
import type { DebianSet } from "../toolchain/versions.ts";

/**
 * Root filesystems for stand-in images. Packages are unpacked, not installed: no maintainer
 * script runs, so the few things those scripts would do that the images rely on (users,
 * the linker cache, alternatives, the CA bundle) are done here, and nothing else.
 */

export interface Account {
  name: string;
  uid: number;
  home: string;
  shell: string;
}

/** The minbase set (Priority: required, as debootstrap --variant=minbase) plus `packages`. */
export async function debianRoot(set: DebianSet, packages: string[], rootfs: string): Promise<DebPackage[]> {
  const { resolved, debs } = await new PrivateApt(set.suite, "empty").fetch(["?priority(required)", ...packages]);
  checkPins(set, resolved, packages);
  await unpackDebs(debs, rootfs);
  // base-passwd's postinst would write these from its masters.
  await copyFile(join(rootfs, "usr/share/base-passwd/passwd.master"), join(rootfs, "etc/passwd"));
  await copyFile(join(rootfs, "usr/share/base-passwd/group.master"), join(rootfs, "etc/group"));
  // Alternatives and debconf-set links the images' scripts use.
  await link(rootfs, "usr/bin/awk", "mawk");
  await link(rootfs, "etc/localtime", "/usr/share/zoneinfo/Etc/UTC");
  await writeFile(join(rootfs, "etc/timezone"), "Etc/UTC\n");
  await execa("ldconfig", ["-r", rootfs]);
  for (const dir of ["usr/share/doc", "usr/share/man", "usr/share/info", "var/cache/apt", "var/lib/apt/lists"]) await rm(join(rootfs, dir), { recursive: true, force: true });
  await chmod(join(rootfs, "tmp"), 0o1777);
  return resolved;
}

/** Just these packages, without their dependencies (static binaries, data packages). */
export async function unpackOnly(set: DebianSet, packages: string[], into: string): Promise<DebPackage[]> {
  const { resolved, debs } = await new PrivateApt(set.suite, "empty").fetch(packages, { dependencies: false });
  checkPins(set, resolved, packages);
  await unpackDebs(debs, into);
  return resolved;
}

export async function addAccount(rootfs: string, account: Account): Promise<void> {
  await appendFile(join(rootfs, "etc/passwd"), `${account.name}:x:${account.uid}:${account.uid}:${account.name}:${account.home}:${account.shell}\n`);
  await appendFile(join(rootfs, "etc/group"), `${account.name}:x:${account.uid}:\n`);
}

/** Creates a directory owned by uid:uid with the given mode, as the official Dockerfiles do. */
export async function ownedDir(rootfs: string, path: string, uid: number, mode: number): Promise<void> {
  const dir = join(rootfs, path);
  await mkdir(dir, { recursive: true });
  await chown(dir, uid, uid);
  await chmod(dir, mode);
}

export async function link(rootfs: string, path: string, target: string): Promise<void> {
  const at = join(rootfs, path);
  await mkdir(dirname(at), { recursive: true });
  await rm(at, { force: true });
  await symlink(target, at);
}

export async function installFile(rootfs: string, path: string, source: string, mode = 0o755): Promise<void> {
  const at = join(rootfs, path);
  await mkdir(dirname(at), { recursive: true });
  await copyFile(source, at);
  await chmod(at, mode);
}

/**
 * An Alpine-like root: a static busybox with every applet linked in /bin, root and nobody,
 * and a world-writable /tmp. The base of the rclone stand-in, the pause image and the test pods.
 */
export async function busyboxRoot(set: DebianSet, rootfs: string, scratch: string): Promise<DebPackage[]> {
  const packages = await unpackOnly(set, ["busybox-static"], scratch);
  await installFile(rootfs, "bin/busybox", join(scratch, "usr/bin/busybox"));
  const { stdout } = await execa(join(rootfs, "bin/busybox"), ["--list"]);
  for (const applet of stdout.split("\n").filter((name) => name && name !== "busybox")) await link(rootfs, `bin/${applet}`, "busybox");
  await link(rootfs, "usr/bin/env", "/bin/busybox");
  await mkdir(join(rootfs, "etc"), { recursive: true });
  await writeFile(join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  await writeFile(join(rootfs, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  await ownedDir(rootfs, "tmp", 0, 0o1777);
  await ownedDir(rootfs, "root", 0, 0o700);
  return packages;
}

/** What ca-certificates' postinst (update-ca-certificates) would write: the Mozilla bundle, plus any extra CA given. */
export async function caBundle(set: DebianSet, rootfs: string, scratch: string, extra?: string): Promise<DebPackage[]> {
  const packages = await unpackOnly(set, ["ca-certificates"], scratch);
  const dir = join(scratch, "usr/share/ca-certificates/mozilla");
  const certs = await Promise.all(readdirSync(dir).filter((name) => name.endsWith(".crt")).sort().map((name) => readFile(join(dir, name), "utf8")));
  await mkdir(join(rootfs, "etc/ssl/certs"), { recursive: true });
  await writeFile(join(rootfs, "etc/ssl/certs/ca-certificates.crt"), [...certs, ...(extra ? [extra] : [])].map((pem) => pem.trimEnd()).join("\n") + "\n");
  return packages;
}

export function exists(rootfs: string, path: string): boolean {
  return existsSync(join(rootfs, path));
}
