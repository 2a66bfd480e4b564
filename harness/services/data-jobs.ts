import { randomBytes } from "node:crypto";
import { chmod, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Options, ResultPromise } from "execa";
import { repoRoot } from "../paths.ts";
import type { ImageName } from "./debian-root.ts";
import type { LocalMariaDB } from "./mariadb.ts";
import type { LocalPostgres } from "./postgres.ts";
import type { LocalS3 } from "./s3.ts";

// What the data module's Jobs run, the way their pods run it (for the tests, the benchmark and
// make e2e): each script in its image's shell
// and tools (postgres: dash and GNU; mariadb: bash and GNU; rclone: busybox), as that image's
// user, with /scripts and /provisioning mounted and a shared, world-writable work folder (an
// emptyDir).
export const scriptsDir = join(repoRoot, "modules/data/scripts");
export const provisioningDir = join(repoRoot, "modules/data/provisioning");
export const binds = { "/scripts": scriptsDir, "/provisioning": provisioningDir };

export async function workDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  await chmod(dir, 0o777);
  return dir;
}

export interface Servers {
  pg: LocalPostgres;
  maria: LocalMariaDB;
  s3: LocalS3;
}

export interface StepResult {
  exitCode: number;
  /** stdout and stderr interleaved: the Job's log. */
  all: string;
}

/** Runs one Job step: a script from modules/data/scripts in its image. */
export async function step(servers: Servers, image: ImageName, script: string, env: Record<string, string>, extra: Options = {}): Promise<StepResult> {
  const result = await servers.pg.root.exec(`/scripts/${script}`, [], { image, env, binds }, { reject: false, all: true, ...extra });
  return { exitCode: result.exitCode ?? 1, all: String(result.all ?? "") };
}

export const backupPassword = randomBytes(12).toString("hex");

/** What the provisioning Job does for one app database (and the backup user with it). */
export async function provision(servers: Servers, engine: "postgresql" | "mariadb", database: string, password: string): Promise<void> {
  const env = { DB_NAME: database, DB_PASSWORD: password, BACKUP_PASSWORD: backupPassword };
  const result =
    engine === "postgresql"
      ? await servers.pg.run("psql", ["--no-psqlrc", "--quiet", "--file=/provisioning/postgresql.sql"], { env, binds }, { all: true, reject: false })
      : await servers.maria.run("bash", ["/provisioning/mariadb.sh"], { env, binds }, { all: true, reject: false });
  if (result.exitCode !== 0) throw new Error(`provisioning ${database} failed: ${String(result.all)}`);
}

/** The client settings a backup pod gets: the backup user's, never the superuser's. */
export function backupConnection(servers: Servers, engine: "postgresql" | "mariadb"): Record<string, string> {
  return engine === "postgresql"
    ? { PGHOST: servers.pg.env.PGHOST, PGPORT: servers.pg.env.PGPORT, PGUSER: "platform_backup", PGPASSWORD: backupPassword }
    : { MARIADB_HOST: servers.maria.env.MARIADB_HOST, MARIADB_PORT: servers.maria.env.MARIADB_PORT, MARIADB_USER: "platform_backup", MARIADB_PASSWORD: backupPassword };
}

/** SQL as an app's own user, the way the app connects. */
export function asApp(servers: Servers, engine: "postgresql" | "mariadb", database: string, user: string, password: string, sql: string): ResultPromise {
  return engine === "postgresql"
    ? servers.pg.run("psql", ["-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql], { env: { PGUSER: user, PGPASSWORD: password } }, { reject: false, all: true })
    : servers.maria.sqlAs(user, password, database, sql);
}
