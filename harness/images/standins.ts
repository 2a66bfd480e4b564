import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PlatformError } from "../errors.ts";
import { cacheDir, repoRoot } from "../paths.ts";
import { detail, formatSeconds, step } from "../progress.ts";
import { digestOf, type DebPackage } from "../toolchain/debian.ts";
import { ensureTool } from "../toolchain/index.ts";
import { withCacheLock } from "../toolchain/lock.ts";
import { loadVersions, type DebianSet, type Versions } from "../toolchain/versions.ts";
import { packImage, type RuntimeConfig } from "./oci.ts";
import { objectStoreCa } from "./trust.ts";
import { parseReference, type ImageReference } from "./reference.ts";
import { addAccount, busyboxRoot, caBundle, debianRoot, exists, installFile, link, ownedDir } from "./rootfs.ts";

/**
 * Stand-ins: images built on this machine from the same upstream software as the official
 * images the modules reference (Debian's packages, or the same Go module at the pinned
 * version), honouring the contract the modules rely on: uid/gid, data paths, environment
 * variables and entrypoint behaviour. The node is seeded with them because it cannot pull.
 */

const filesDir = join(repoRoot, "harness/images/files");
const file = (path: string) => join(filesDir, path);
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// Bumped whenever a recipe changes in a way its inputs below do not show.
const recipeRevision = 1;

interface BuildResult {
  runtime: RuntimeConfig;
  /** The upstream version the stand-in really runs (PostgreSQL 17.12, rclone 1.71.0, ...). */
  upstream: string;
  packages: DebPackage[];
}

interface Recipe {
  id: string;
  /** Official repositories this recipe stands in for; none for the node's own images. */
  repositories: string[];
  /** Version components that must equal the reference's tag: 1 = same major line (PostgreSQL), 2 = same minor line (MariaDB 11.8, Valkey 8.1), 3 = exact. */
  match: number;
  description: string;
  /** The version line the pins promise (a Debian version prefix or a tool version). */
  pinned: (versions: Versions) => string;
  /** The recipe's own files under harness/images/files: a change rebuilds the stand-in. */
  files: string[];
  /** Trusts the test object store's CA besides Mozilla's (see trust.ts). */
  trustsObjectStore?: boolean;
  build: (rootfs: string, scratch: string, versions: Versions) => Promise<BuildResult>;
}

/**
 * The Debian packages the stand-ins come from: debianRoot's suite and pins (the release the
 * official images track, and what the scripts' tests run), plus the stand-ins' own extras.
 */
export function standinPackages(versions: Versions): DebianSet {
  return { suite: versions.debianRoot.suite, packages: { ...versions.debianRoot.packages, ...versions.standins.packages } };
}

const debianVersion = (packages: DebPackage[], name: string) => packages.find((p) => p.name === name)!.version;
/** "1:11.8.9+ds-0+deb13u1" -> "11.8.9", "17.12-0+deb13u1" -> "17.12". */
const upstreamOf = (debian: string) => debian.replace(/^\d+:/, "").replace(/[-+~].*$/, "");

const recipes: Recipe[] = [
  {
    id: "postgres",
    repositories: ["docker.io/library/postgres"],
    match: 1,
    description: "Debian postgresql-17 on a trixie minbase root; postgres 999:999; the official image's POSTGRES_* variables and initdb on an empty PGDATA",
    pinned: (versions) => versions.debianRoot.packages["postgresql-17"]!,
    files: ["postgres/docker-entrypoint.sh"],
    build: async (rootfs, _scratch, versions) => {
      const packages = await debianRoot(standinPackages(versions), ["postgresql-17"], rootfs);
      await addAccount(rootfs, { name: "postgres", uid: 999, home: "/var/lib/postgresql", shell: "/bin/bash" });
      await ownedDir(rootfs, "var/lib/postgresql", 999, 0o755);
      await ownedDir(rootfs, "var/lib/postgresql/data", 999, 0o1777);
      await ownedDir(rootfs, "var/run/postgresql", 999, 0o3777);
      await ownedDir(rootfs, "docker-entrypoint-initdb.d", 0, 0o755);
      await installFile(rootfs, "usr/local/bin/docker-entrypoint.sh", file("postgres/docker-entrypoint.sh"));
      const version = upstreamOf(debianVersion(packages, "postgresql-17"));
      return {
        upstream: version,
        packages,
        runtime: {
          Env: [`PATH=${defaultPath}:/usr/lib/postgresql/17/bin`, "PG_MAJOR=17", `PG_VERSION=${version}`, "PGDATA=/var/lib/postgresql/data", "LANG=C.UTF-8"],
          Entrypoint: ["docker-entrypoint.sh"],
          Cmd: ["postgres"],
          StopSignal: "SIGINT",
          ExposedPorts: { "5432/tcp": {} },
          Volumes: { "/var/lib/postgresql/data": {} },
        },
      };
    },
  },
  {
    id: "mariadb",
    repositories: ["docker.io/library/mariadb"],
    match: 2,
    description: "Debian mariadb-server on a trixie minbase root; mysql 999:999; the official image's MARIADB_* variables, initialisation on an empty datadir, healthcheck.sh and zstd",
    pinned: (versions) => versions.debianRoot.packages["mariadb-server"]!,
    files: ["mariadb/docker-entrypoint.sh", "mariadb/healthcheck.sh"],
    build: async (rootfs, _scratch, versions) => {
      // zstd: the official image ships it, and the data layer's dump script compresses with it.
      const packages = await debianRoot(standinPackages(versions), ["mariadb-server", "zstd"], rootfs);
      await addAccount(rootfs, { name: "mysql", uid: 999, home: "/var/lib/mysql", shell: "/bin/false" });
      await ownedDir(rootfs, "var/lib/mysql", 999, 0o755);
      await ownedDir(rootfs, "run/mysqld", 999, 0o1777);
      await ownedDir(rootfs, "docker-entrypoint-initdb.d", 0, 0o755);
      // What the package's alternatives and the official Dockerfile set up: my.cnf is
      // mariadb.cnf, the server listens on every address and skips name resolution.
      await link(rootfs, "etc/mysql/my.cnf", "mariadb.cnf");
      const server = join(rootfs, "etc/mysql/mariadb.conf.d/50-server.cnf");
      await writeFile(server, (await readFile(server, "utf8")).replace(/^(bind-address\s*=)/m, "#$1"));
      await mkdir(join(rootfs, "etc/mysql/conf.d"), { recursive: true });
      await writeFile(join(rootfs, "etc/mysql/conf.d/05-skipcache.cnf"), "[mariadbd]\nhost-cache-size=0\nskip-name-resolve\n");
      await installFile(rootfs, "usr/local/bin/docker-entrypoint.sh", file("mariadb/docker-entrypoint.sh"));
      await installFile(rootfs, "usr/local/bin/healthcheck.sh", file("mariadb/healthcheck.sh"));
      const version = upstreamOf(debianVersion(packages, "mariadb-server"));
      return {
        upstream: version,
        packages,
        runtime: {
          Env: [`PATH=${defaultPath}`, `MARIADB_VERSION=${debianVersion(packages, "mariadb-server")}`, "LANG=C.UTF-8"],
          Entrypoint: ["docker-entrypoint.sh"],
          Cmd: ["mariadbd"],
          ExposedPorts: { "3306/tcp": {} },
          Volumes: { "/var/lib/mysql": {} },
        },
      };
    },
  },
  {
    id: "valkey",
    repositories: ["docker.io/valkey/valkey"],
    match: 2,
    description: "Debian valkey-server on a trixie minbase root; valkey 999:999; WORKDIR /data and the official entrypoint's behaviour",
    pinned: (versions) => versions.standins.packages["valkey-server"]!,
    files: ["valkey/docker-entrypoint.sh"],
    build: async (rootfs, _scratch, versions) => {
      const packages = await debianRoot(standinPackages(versions), ["valkey-server"], rootfs);
      await addAccount(rootfs, { name: "valkey", uid: 999, home: "/data", shell: "/bin/false" });
      await ownedDir(rootfs, "data", 999, 0o755);
      await installFile(rootfs, "usr/local/bin/docker-entrypoint.sh", file("valkey/docker-entrypoint.sh"));
      return {
        upstream: upstreamOf(debianVersion(packages, "valkey-server")),
        packages,
        runtime: {
          Env: [`PATH=${defaultPath}`],
          Entrypoint: ["docker-entrypoint.sh"],
          Cmd: ["valkey-server"],
          WorkingDir: "/data",
          ExposedPorts: { "6379/tcp": {} },
          Volumes: { "/data": {} },
        },
      };
    },
  },
  {
    id: "rclone",
    repositories: ["docker.io/rclone/rclone"],
    match: 3,
    description: "rclone built from Go modules at the pinned version on a busybox root (the official image is Alpine: busybox sh), with the Mozilla CA bundle plus the test object store's CA",
    pinned: (versions) => versions.tools.rclone!.version,
    files: [],
    trustsObjectStore: true,
    build: async (rootfs, scratch, versions) => {
      const packages = [...(await busyboxRoot(standinPackages(versions), rootfs, join(scratch, "busybox"))), ...(await caBundle(standinPackages(versions), rootfs, join(scratch, "ca"), (await objectStoreCa()).ca.cert))];
      await installFile(rootfs, "usr/local/bin/rclone", await ensureTool("rclone", versions));
      await ownedDir(rootfs, "data", 0, 0o755);
      await ownedDir(rootfs, "config", 0, 0o755);
      return {
        upstream: versions.tools.rclone!.version,
        packages,
        runtime: { Env: [`PATH=${defaultPath}`, "XDG_CONFIG_HOME=/config"], Entrypoint: ["rclone"], WorkingDir: "/data" },
      };
    },
  },
  {
    id: "busybox",
    repositories: [],
    match: 3,
    description: "the node's own toolbox for test pods and volume helpers: Debian's static busybox",
    pinned: (versions) => versions.standins.packages["busybox-static"]!,
    files: [],
    build: async (rootfs, scratch, versions) => {
      const packages = await busyboxRoot(standinPackages(versions), rootfs, scratch);
      return { upstream: upstreamOf(debianVersion(packages, "busybox-static")), packages, runtime: { Env: [`PATH=${defaultPath}`], Cmd: ["sh"] } };
    },
  },
  {
    id: "pause",
    repositories: [],
    match: 3,
    description: "the node's sandbox (pause) image: a busybox shell that sleeps until it is told to stop",
    pinned: (versions) => versions.standins.packages["busybox-static"]!,
    files: [],
    build: async (rootfs, scratch, versions) => {
      const packages = await busyboxRoot(standinPackages(versions), rootfs, scratch);
      return {
        upstream: upstreamOf(debianVersion(packages, "busybox-static")),
        packages,
        runtime: { Env: [`PATH=${defaultPath}`], Entrypoint: ["/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"] },
      };
    },
  },
  {
    id: "coredns",
    repositories: [],
    match: 3,
    description: "CoreDNS built from Go modules (CGO_ENABLED=0) alone in its root, as the official image is",
    pinned: (versions) => versions.tools.coredns!.version,
    files: [],
    build: async (rootfs, _scratch, versions) => {
      await installFile(rootfs, "coredns", await ensureTool("coredns", versions));
      await mkdir(join(rootfs, "etc"), { recursive: true });
      await writeFile(join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n");
      await writeFile(join(rootfs, "etc/group"), "root:x:0:\nnonroot:x:65532:\n");
      return { upstream: versions.tools.coredns!.version, packages: [], runtime: { Env: [], Entrypoint: ["/coredns"], User: "65532:65532", ExposedPorts: { "53/tcp": {}, "53/udp": {} } } };
    },
  },
];

export type StandinId = string;

/** A built stand-in in the platform cache. */
export interface Standin {
  id: StandinId;
  description: string;
  /** The name it is imported under: localhost/doks-platform/<id>:<upstream>. */
  name: string;
  upstream: string;
  /** The manifest digest of the stand-in itself (never the official image's). */
  digest: string;
  tar: string;
  size: number;
  packages: DebPackage[];
  suite: string;
}

function recipe(id: StandinId): Recipe {
  const found = recipes.find((candidate) => candidate.id === id);
  if (!found) throw new PlatformError(`no stand-in recipe named ${id}`, `Use one of: ${recipes.map((r) => r.id).join(", ")}.`);
  return found;
}

/**
 * Builds a stand-in once per set of inputs (pinned packages, tool versions, entrypoint files,
 * recipe revision) and keeps it in the platform cache; the same inputs reuse it. Building needs
 * root: files in the image belong to other users (999, 65534).
 */
export async function ensureStandin(id: StandinId, versions: Versions = loadVersions()): Promise<Standin> {
  const source = recipe(id);
  const files = await Promise.all(source.files.map(async (path) => [path, await readFile(file(path), "utf8")]));
  // Every pin of the suite: the minbase set and busybox move with the suite's point releases.
  const trust = source.trustsObjectStore ? (await objectStoreCa()).ca.cert : undefined;
  const key = digestOf({ id, recipeRevision, pinned: source.pinned(versions), packages: standinPackages(versions), tools: [versions.tools.rclone?.version, versions.tools.coredns?.version], files, trust }).slice(0, 16);
  const cache = join(cacheDir(), "standins");
  const metadataPath = join(cache, `${id}-${key}.json`);
  if (existsSync(metadataPath)) return JSON.parse(await readFile(metadataPath, "utf8")) as Standin;
  if (process.getuid?.() !== 0) {
    throw new PlatformError(`the ${id} stand-in image is not built yet, and building it needs root (its files belong to uid 999 and 65534)`, "Run `make toolchain` (or the node kind) as root once; the image is then cached.");
  }
  await mkdir(cache, { recursive: true });
  return withCacheLock(cacheDir(), `standin-${id}`, async () => {
    if (existsSync(metadataPath)) return JSON.parse(await readFile(metadataPath, "utf8")) as Standin;
    const started = performance.now();
    step(`building the ${id} stand-in image (${source.description})`);
    const work = await mkdtemp(join(cache, `${id}-build-`));
    try {
      const rootfs = join(work, "rootfs");
      await mkdir(rootfs);
      const built = await source.build(rootfs, join(work, "scratch"), versions);
      if (source.id !== "coredns" && !exists(rootfs, "etc/passwd")) throw new PlatformError(`the ${id} stand-in has no /etc/passwd`, "The recipe is broken: fix harness/images/standins.ts.");
      const name = `localhost/doks-platform/${id}:${built.upstream}-${key.slice(0, 8)}`;
      const tar = join(cache, `${id}-${key}.tar`);
      const packed = await packImage(rootfs, { ...built.runtime, Labels: { "org.opencontainers.image.title": `${id} stand-in`, "org.opencontainers.image.description": source.description } }, name, tar);
      const standin: Standin = { id, description: source.description, name, upstream: built.upstream, digest: packed.digest, tar, size: packed.size, packages: built.packages, suite: versions.debianRoot.suite };
      await writeFile(metadataPath, JSON.stringify(standin, null, 2));
      detail(`${id} stand-in: ${(packed.size / 1024 / 1024).toFixed(0)} MiB, built in ${formatSeconds(performance.now() - started)}`);
      return standin;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}

/** How one image reference of a manifest reaches its stand-in on the node. */
export interface Substitution {
  reference: ImageReference;
  standin: StandinId;
  /**
   * tag: the stand-in is stored under the reference's own name. digest: a digest cannot name
   * other content, so the runtime's image record for that digest points at the stand-in (an
   * override kept in the node's image store); the manifests stay byte-identical either way.
   */
  via: "tag" | "digest";
}

const numericParts = (version: string) => version.replace(/^v/, "").split(/[.-]/).filter((part) => /^\d+$/.test(part));

/**
 * Maps every image reference to the stand-in that serves it, failing closed on what has none
 * or whose major line differs. Differences below the compared parts are allowed and reported.
 */
export function substitutionsFor(written: string[], versions: Versions = loadVersions()): Substitution[] {
  return [...new Set(written)].sort().map((text) => {
    const reference = parseReference(text);
    const source = recipes.find((candidate) => candidate.repositories.includes(reference.repository));
    if (!source) {
      const known = recipes.flatMap((r) => r.repositories).join(", ");
      throw new PlatformError(`image ${text} has no stand-in on the node (known: ${known})`, "Add a recipe for its repository in harness/images/standins.ts, built from the same upstream software.");
    }
    const wanted = numericParts(reference.tag ?? "");
    if (reference.tag !== undefined && wanted.length === 0) {
      throw new PlatformError(`image ${text}: tag "${reference.tag}" names no version, so no stand-in can be matched to it`, "Pin the image to a version tag (the pinned-images policy requires it anyway).");
    }
    const provided = source.pinned(versions).replace(/^\d+:/, "");
    if (reference.tag !== undefined && numericParts(provided).slice(0, source.match).join(".") !== wanted.slice(0, source.match).join(".")) {
      throw new PlatformError(
        `image ${text}: the ${source.id} stand-in provides ${provided}, which is not the ${wanted.slice(0, source.match).join(".")} line the tag pins`,
        `Align the pin with the stand-in's version in versions.json (debianRoot.packages, standins.packages or tools), or the other way round.`,
      );
    }
    return { reference, standin: source.id, via: reference.digest !== undefined ? "digest" : "tag" };
  });
}
