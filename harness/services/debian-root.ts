import { tmpdir } from "node:os";
import { dirname } from "node:path";
import { execa, type Options, type ResultPromise } from "execa";
import { ensureDebianRoot } from "../toolchain/debian-root.ts";
import { ensureTool } from "../toolchain/index.ts";
import { loadVersions } from "../toolchain/versions.ts";

/**
 * What each image the data layer runs looks like from inside: its user, its PATH and its
 * shell. The Debian root holds the same major versions of the same software; the rclone image
 * is busybox's shell and tools with rclone beside them (the pinned version, built from Go
 * modules), so GNU-only options in the upload and fetch scripts fail here as they would there.
 */
export const images = {
  postgres: { uid: 999, path: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/17/bin", shell: undefined },
  mariadb: { uid: 999, path: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", shell: undefined },
  rclone: { uid: 65534, path: "/opt/busybox/bin:/opt/rclone", shell: "/opt/busybox/bin/sh" },
  root: { uid: 0, path: "/usr/sbin:/usr/bin:/sbin:/bin", shell: undefined },
} as const;
export type ImageName = keyof typeof images;

export interface RootExec {
  image: ImageName;
  /** The process's whole environment (PATH and HOME are the image's unless given). */
  env?: Record<string, string>;
  /** Folders of this machine mounted at paths inside (as a pod's volumes are): inside → outside. */
  binds?: Record<string, string>;
  /** Runs as this user id instead of the image's (the database steps of a restore as 999, say). */
  uid?: number;
}

export interface RootCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
}

export interface DebianRootRunner {
  dir: string;
  packages: Record<string, string>;
  /** What runs `command` inside the root: for supervise(), which starts it itself. */
  command(command: string, args: string[], options: RootExec): RootCommand;
  exec(command: string, args: string[], options: RootExec, extra?: Options): ResultPromise;
}

// Host tools by absolute path: the environment belongs to the program inside the root.
const mountScript = [
  'root=$1; user=$2; shift 2',
  '/usr/bin/mount --rbind /dev "$root/dev" && /usr/bin/mount --rbind /proc "$root/proc" && /usr/bin/mount --bind /tmp "$root/tmp" || exit 125',
  'while [ "$1" != -- ]; do /usr/bin/mkdir -p "$root$1" && /usr/bin/mount --bind "$2" "$root$1" || exit 125; shift 2; done',
  'shift',
  'exec /usr/sbin/chroot --userspec="$user" "$root" "$@"',
].join("\n");

let shared: Promise<DebianRootRunner> | undefined;

/**
 * Runs programs inside the Debian root: a private mount namespace per process (so nothing is
 * mounted on the host), the host's /tmp at /tmp (work folders keep their paths), /dev and /proc,
 * and the requested binds; then chroot as the image's user. Network and process ids are the
 * host's, so servers inside listen on loopback like the ones outside.
 */
export function debianRoot(): Promise<DebianRootRunner> {
  shared ??= (async () => {
    const versions = loadVersions();
    const root = await ensureDebianRoot(versions);
    const rclone = await ensureTool("rclone", versions);
    // Work folders under a TMPDIR other than /tmp keep their paths too.
    const tmp = tmpdir() === "/tmp" ? {} : { [tmpdir()]: tmpdir() };
    const command = (program: string, args: string[], options: RootExec): RootCommand => {
      const image = images[options.image];
      const uid = options.uid ?? image.uid;
      const binds = { "/opt/rclone": dirname(rclone), ...tmp, ...options.binds };
      // A script runs in the image's shell, as its shebang would pick there.
      const argv = image.shell && program.startsWith("/scripts/") ? [image.shell, program, ...args] : [program, ...args];
      return {
        file: "/usr/bin/unshare",
        args: ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", mountScript, "sh", root.dir, `${uid}:${uid}`, ...Object.entries(binds).flat(), "--", ...argv],
        env: { PATH: image.path, HOME: "/tmp", LANG: "C.UTF-8", ...options.env },
      };
    };
    const exec = (program: string, args: string[], options: RootExec, extra: Options = {}) => {
      const { file, args: argv, env } = command(program, args, options);
      return execa(file, argv, { env, extendEnv: false, ...extra });
    };
    return { dir: root.dir, packages: root.packages, command, exec };
  })();
  return shared;
}
