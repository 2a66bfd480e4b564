import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../harness/processes.ts";
import { images } from "../../harness/services/debian-root.ts";
import { startMariaDB } from "../../harness/services/mariadb.ts";
import { startPostgres } from "../../harness/services/postgres.ts";
import { startS3 } from "../../harness/services/s3.ts";
import { asApp, backupConnection, binds, provision, step, workDir, type Servers } from "../../harness/services/data-jobs.ts";
import { startS3Proxy } from "../support/s3-proxy.ts";

// The scripts the backup and restore-test CronJobs run, against real PostgreSQL 17 and MariaDB
// 11.8 servers (the images' lines, from the Debian root) and a real S3 server, each script in
// its own image's shell and tools. Backups run as the backup user the provisioning creates.
const bucket = "platform-backups";
let servers: Servers;

type EngineName = "postgresql" | "mariadb";
interface Engine {
  name: EngineName;
  image: "postgres" | "mariadb";
  database: string;
  password: string;
  /** Another app on the same server, whose user must never reach this database. */
  neighbour: { database: string; password: string };
  dump: string;
  restoreCheck: string;
  /** The superuser's client settings: in-place restores only. */
  admin(): Record<string, string>;
  seed(): Promise<void>;
  /** A digest of every table's content: equal digests mean identical data. */
  fingerprint(database?: string): Promise<string>;
  /** Owners, grants and isolation as provisioning left them. */
  privileges(): Promise<string>;
  damage(): Promise<void>;
  databases(): Promise<string[]>;
}

const app = (engine: Engine, sql: string) => asApp(servers, engine.name, engine.database, engine.database, engine.password, sql);

const engines: Engine[] = [
  {
    name: "postgresql",
    image: "postgres",
    database: "n8n",
    password: "n8nsecret1",
    neighbour: { database: "crm", password: "crmsecret2" },
    dump: "pg-dump.sh",
    restoreCheck: "pg-restore-check.sh",
    admin: () => servers.pg.env,
    async seed() {
      const result = await app(
        this,
        `CREATE SCHEMA crm;
         CREATE TABLE public.workflows (id serial PRIMARY KEY, name text NOT NULL, data jsonb, created timestamptz DEFAULT now());
         INSERT INTO public.workflows (name, data) SELECT 'flow ' || i || E' with ''quotes'', ünïcode and a\\nnewline', jsonb_build_object('i', i, 'tags', ARRAY['a', 'b']) FROM generate_series(1, 5000) i;
         CREATE TABLE crm.contacts (id bigint PRIMARY KEY, email text UNIQUE, avatar bytea);
         INSERT INTO crm.contacts SELECT i, 'user' || i || '@example.org', decode(md5(i::text), 'hex') FROM generate_series(1, 2000) i;
         CREATE TABLE public.empty_on_purpose (id int);`,
      );
      expect(result.exitCode, String(result.all)).toBe(0);
    },
    async fingerprint(database = "n8n") {
      return servers.pg.sql(
        database,
        `SELECT string_agg(t || ':' || c, ',' ORDER BY t) FROM (
           SELECT 'workflows' t, (SELECT count(*) || '/' || md5(string_agg(w::text, '|' ORDER BY id)) FROM public.workflows w) c
           UNION ALL SELECT 'contacts', (SELECT count(*) || '/' || md5(string_agg(x::text, '|' ORDER BY id)) FROM crm.contacts x)
           UNION ALL SELECT 'empty', (SELECT count(*)::text FROM public.empty_on_purpose)) f`,
      );
    },
    async privileges() {
      const database = await servers.pg.sql(
        "postgres",
        `SELECT pg_get_userbyid(datdba) || ' ' || (SELECT string_agg(CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END || '=' || a.privilege_type, ',' ORDER BY 1)
           FROM aclexplode(datacl) a) FROM pg_database WHERE datname = 'n8n'`,
      );
      const objects = await servers.pg.sql(
        "n8n",
        `SELECT string_agg(o, ',' ORDER BY o) FROM (
           SELECT 'schema ' || nspname || ':' || pg_get_userbyid(nspowner) || ':' || coalesce(nspacl::text, '') o FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
           UNION ALL SELECT c.relkind::text || ' ' || n.nspname || '.' || c.relname || ':' || pg_get_userbyid(c.relowner) || ':' || coalesce(c.relacl::text, '')
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'crm')) x`,
      );
      return `${database}\n${objects}`;
    },
    async damage() {
      expect((await app(this, "DELETE FROM public.workflows WHERE id % 3 = 0; DROP TABLE crm.contacts;")).exitCode).toBe(0);
    },
    async databases() {
      return (await servers.pg.sql("postgres", "SELECT datname FROM pg_database ORDER BY 1")).split("\n");
    },
  },
  {
    name: "mariadb",
    image: "mariadb",
    database: "wordpress",
    password: "wpsecret1",
    neighbour: { database: "shop", password: "shopsecret2" },
    dump: "mariadb-dump.sh",
    restoreCheck: "mariadb-restore-check.sh",
    admin: () => servers.maria.env,
    async seed() {
      const result = await app(
        this,
        `SET SESSION max_recursive_iterations = 100000;
         CREATE TABLE wp_posts (ID bigint AUTO_INCREMENT PRIMARY KEY, post_title text, post_content longtext, post_date datetime) ENGINE=InnoDB;
         INSERT INTO wp_posts (post_title, post_content, post_date)
           WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 3000)
           SELECT CONCAT('Post ', n, ' it''s "quoted"'), CONCAT(REPEAT('ünïcode ', 20), '\\n', n), '2026-11-26 03:00:00' FROM seq;
         CREATE TABLE wp_options (option_id bigint PRIMARY KEY, option_name varchar(191) UNIQUE, option_value longblob) ENGINE=InnoDB;
         INSERT INTO wp_options SELECT ID, CONCAT('option_', ID), UNHEX(MD5(ID)) FROM wp_posts WHERE ID <= 500;
         CREATE TABLE wp_empty (id int) ENGINE=InnoDB;`,
      );
      expect(result.exitCode, String(result.all)).toBe(0);
    },
    async fingerprint(database = "wordpress") {
      // Without the schema name CHECKSUM TABLE reports each table under: equal under any name.
      return (await servers.maria.sql(database, "CHECKSUM TABLE wp_posts, wp_options, wp_empty")).replaceAll(`${database}.`, "");
    },
    async privileges() {
      return servers.maria.sql(
        "mysql",
        `SELECT CONCAT_WS('\\n',
           (SELECT GROUP_CONCAT(CONCAT(User, '@', Db, ':', Select_priv, Insert_priv, Create_priv, Drop_priv, Alter_priv) ORDER BY User, Db) FROM mysql.db),
           (SELECT COUNT(*) FROM mysql.tables_priv), (SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'wordpress'))`,
      );
    },
    async damage() {
      expect((await app(this, "DELETE FROM wp_posts WHERE ID % 3 = 0; DROP TABLE wp_options;")).exitCode).toBe(0);
    },
    async databases() {
      return (await servers.maria.sql("mysql", "SHOW DATABASES")).split("\n");
    },
  },
];

function remote(engine: { name: string; database: string }, name = "backups") {
  return `${name}:${bucket}/${engine.name}/${engine.database}`;
}

async function latest(engine: { name: string; database: string }): Promise<string> {
  const result = await servers.s3.rclone(["cat", `${remote(engine)}/latest`]).catch(() => ({ stdout: "" }));
  return String(result.stdout).trim();
}

/** The backup CronJob: dump step (backup user), then upload step, sharing one work folder. */
async function backup(engine: Pick<Engine, "name" | "image" | "database" | "dump">, id: string, overrides: Record<string, string> = {}) {
  const work = await workDir("backup");
  const dumped = await step(servers, engine.image, engine.dump, { ...backupConnection(servers, engine.name), DB_NAME: engine.database, WORK_DIR: work, ...overrides });
  if (dumped.exitCode !== 0) return { step: "dump", ...dumped, work };
  const uploaded = await step(servers, "rclone", "upload.sh", { ...servers.s3.rcloneEnv(), BACKUP_REMOTE: remote(engine), WORK_DIR: work, BACKUP_ID: id, ...overrides });
  return { step: "upload", exitCode: uploaded.exitCode, all: `${dumped.all}\n${uploaded.all}`, work };
}

/** The restore-test CronJob: fetch step, then restore-and-compare (no credentials of the live server). */
async function restore(engine: Pick<Engine, "name" | "image" | "database" | "restoreCheck">, overrides: Record<string, string> = {}) {
  const work = await workDir("restore");
  const fetched = await step(servers, "rclone", "fetch.sh", { ...servers.s3.rcloneEnv(), BACKUP_REMOTE: remote(engine), WORK_DIR: work, ...overrides });
  if (fetched.exitCode !== 0) return { step: "fetch", ...fetched, work };
  const checked = await step(servers, engine.image, engine.restoreCheck, { DB_NAME: engine.database, WORK_DIR: work, ...overrides });
  return { step: "restore", ...checked, work };
}

async function restoreInPlace(engine: Engine, extraEnv: Record<string, string> = {}) {
  return restore(engine, { RESTORE_MODE: "in-place", ...engine.admin(), ...extraEnv });
}

/** A folder put first on PATH, holding a wrapper that sleeps before running the real tool. */
async function slowTool(tool: string, real: string, seconds: number): Promise<{ PATH: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "slow-"));
  await writeFile(join(dir, tool), `#!/bin/sh\nsleep ${seconds}\nexec ${real} "$@"\n`);
  await chmod(dir, 0o755);
  await chmod(join(dir, tool), 0o755);
  return { dir, PATH: `${dir}:${images.postgres.path}` };
}

/**
 * A folder put first on PATH whose TOOL fails as a lost connection does, from the moment the
 * restore's status file says the swap happened: a server that goes away right after the swap.
 */
async function lostAfterSwap(engine: Engine, statusFile: string): Promise<{ PATH: string; dir: string }> {
  const [tool, real] = engine.name === "postgresql" ? ["psql", "/usr/lib/postgresql/17/bin/psql"] : ["mariadb", "/usr/bin/mariadb"];
  const dir = await mkdtemp(join(tmpdir(), "lost-"));
  await writeFile(join(dir, tool!), `#!/bin/sh\ncase "$(cat '${statusFile}' 2>/dev/null)" in *'"phase":"swapped"'*) echo "${tool}: server closed the connection unexpectedly" >&2; exit 2 ;; esac\nexec ${real} "$@"\n`);
  await chmod(dir, 0o755);
  await chmod(join(dir, tool!), 0o755);
  return { dir, PATH: `${dir}:${images[engine.image].path}` };
}

/** Where an in-place restore records its phase (the pod's termination message in a cluster). */
async function statusFile(): Promise<string> {
  return join(await workDir("status"), "termination-log");
}

const readStatus = async (file: string) => JSON.parse(await readFile(file, "utf8")) as { phase: string; live: string; previous: string };

/** The databases in-place restores kept (<db>__previous_<UTC time>), dropped as the runbook says once checked. */
async function dropPrevious(engine: Engine): Promise<string[]> {
  const kept = (await engine.databases()).filter((name) => name.startsWith(`${engine.database}__previous_`));
  for (const name of kept) await (engine.name === "postgresql" ? servers.pg.sql("postgres", `DROP DATABASE ${name}`) : servers.maria.sql("mysql", `DROP DATABASE ${name}`));
  return kept;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  const [s3, pg, maria] = await Promise.all([startS3(), startPostgres(), startMariaDB()]);
  servers = { s3, pg, maria };
  await s3.createBucket(bucket);
  for (const engine of engines) {
    await provision(servers, engine.name, engine.database, engine.password);
    await provision(servers, engine.name, engine.neighbour.database, engine.neighbour.password);
    await engine.seed();
  }
});

afterAll(async () => {
  await Promise.all([servers?.s3.stop(), servers?.pg.stop(), servers?.maria.stop()]);
});

describe.each(engines)("$name backups", (engine) => {
  let original: string;
  let privileges: string;

  beforeAll(async () => {
    original = await engine.fingerprint();
    privileges = await engine.privileges();
  });

  it("backs up as the backup user, verifies the upload and moves latest", async () => {
    const result = await backup(engine, "20261126T030000Z");
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain("backup 20261126T030000Z verified; latest -> 20261126T030000Z");
    expect(await latest(engine)).toBe("20261126T030000Z");
    const manifest = await readFile(join(result.work, "manifest.json"), "utf8");
    expect(JSON.parse(manifest)).toMatchObject({ format: "platform-backup/v1", engine: engine.name, database: engine.database, tables: 3 });
  });

  it("the backup user reads, and can change nothing nor read the server's secrets", async () => {
    const connection = backupConnection(servers, engine.name);
    const attempts =
      engine.name === "postgresql"
        ? ["INSERT INTO public.empty_on_purpose VALUES (1)", "CREATE TABLE public.intruder (id int)", "SELECT rolpassword FROM pg_authid"]
        : ["INSERT INTO wp_empty VALUES (1)", "CREATE TABLE intruder (id int)", "SELECT authentication_string FROM mysql.user"];
    for (const sql of attempts) {
      const result = await asApp(servers, engine.name, engine.database, connection.PGUSER ?? connection.MARIADB_USER!, connection.PGPASSWORD ?? connection.MARIADB_PASSWORD!, sql);
      expect(result.exitCode, `${sql} as the backup user`).not.toBe(0);
    }
  });

  it("the scheduled restore test restores into a throwaway server in its own pod: every row found, the live server never touched", async () => {
    const before = await engine.databases();
    const result = await restore(engine);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(/restore check passed: the scratch copy of \S+ holds \d+ rows in 3 tables, as recorded/);
    expect(existsSync(join(result.work, "scratch-server"))).toBe(false);
    expect(await engine.databases()).toEqual(before);
    expect(await engine.fingerprint()).toBe(original);
  });

  it("a scratch restore killed halfway stops its server and deletes it", async () => {
    const slow = engine.name === "postgresql" ? await slowTool("pg_restore", "/usr/lib/postgresql/17/bin/pg_restore", 10) : await slowTool("zstd", "/usr/bin/zstd", 10);
    const work = await workDir("restore-killed");
    expect((await step(servers, "rclone", "fetch.sh", { ...servers.s3.rcloneEnv(), BACKUP_REMOTE: remote(engine), WORK_DIR: work })).exitCode).toBe(0);
    const running = servers.pg.root.exec(`/scripts/${engine.restoreCheck}`, [], { image: engine.image, env: { DB_NAME: engine.database, WORK_DIR: work, PATH: slow.PATH }, binds: { ...binds, [slow.dir]: slow.dir } }, { reject: false, all: true });
    const pidFile = join(work, "scratch-server", "server.pid");
    await waitFor("the scratch server", async () => existsSync(pidFile) && (await readFile(pidFile, "utf8")).trim() !== "" && (await readFile(join(work, "scratch-server", "server.log"), "utf8").catch(() => "")).length > 0);
    const serverPid = Number((await readFile(pidFile, "utf8")).trim());
    await sleep(1_500);
    running.kill("SIGKILL");
    await running;
    await waitFor("the scratch server to go", async () => !existsSync(join(work, "scratch-server")), 15_000);
    // Gone, or a zombie no one has reaped yet (this sandbox's init does not): not running. A
    // loaded machine may still show it exiting (D) for a moment.
    const state = async () => (await readFile(`/proc/${serverPid}/stat`, "utf8").catch(() => "x x Z")).split(" ")[2];
    await waitFor("the scratch server to exit", async () => (await state()) === "Z", 15_000);
  });

  it("an in-place restore brings back exactly the lost data, and the app keeps its database, its rights and its isolation", async () => {
    await engine.damage();
    const damaged = await engine.fingerprint().catch(() => "a table is gone");
    expect(damaged).not.toBe(original);
    const status = await statusFile();
    const result = await restoreInPlace(engine, { RESTORE_STATUS_FILE: status });
    expect(result.exitCode, result.all).toBe(0);
    expect(await engine.fingerprint()).toBe(original);
    // The database it replaced is kept under a timestamped name, with the damage as it was, and
    // the output says how to drop it.
    const { phase, live, previous } = await readStatus(status);
    expect({ phase, live }).toEqual({ phase: "complete", live: engine.database });
    expect(previous).toMatch(new RegExp(`^${engine.database}__previous_\\d{14}$`));
    expect(await engine.fingerprint(previous).catch(() => "a table is gone")).toBe(damaged);
    expect(result.all).toContain(engine.name === "postgresql" ? `is kept as ${previous}` : `are kept in ${previous}`);
    expect(result.all).toContain(`drop it as the superuser: DROP DATABASE ${previous};`);
    expect(await dropPrevious(engine)).toEqual([previous]);
    expect(await engine.privileges()).toBe(privileges);
    const table = engine.name === "postgresql" ? "public.empty_on_purpose" : "wp_empty";
    const write = await app(engine, `INSERT INTO ${table} VALUES (42); DELETE FROM ${table} WHERE id = 42;`);
    expect(write.exitCode, String(write.all)).toBe(0);
    const intruder = await asApp(servers, engine.name, engine.database, engine.neighbour.database, engine.neighbour.password, "SELECT 1");
    expect(intruder.exitCode).not.toBe(0);
    expect((await engine.databases()).filter((name) => name.includes("__"))).toEqual([]);
  });

  it("an in-place restore that fails after the swap says the live database holds the restored backup, and keeps the one it replaced", async () => {
    await engine.damage();
    const damaged = await engine.fingerprint().catch(() => "a table is gone");
    const status = await statusFile();
    const lost = await lostAfterSwap(engine, status);
    const work = await workDir("in-place-lost");
    expect((await step(servers, "rclone", "fetch.sh", { ...servers.s3.rcloneEnv(), BACKUP_REMOTE: remote(engine), WORK_DIR: work })).exitCode).toBe(0);
    const result = await servers.pg.root.exec(
      `/scripts/${engine.restoreCheck}`,
      [],
      { image: engine.image, env: { DB_NAME: engine.database, WORK_DIR: work, RESTORE_MODE: "in-place", RESTORE_STATUS_FILE: status, ...engine.admin(), PATH: lost.PATH }, binds: { ...binds, [lost.dir]: lost.dir } },
      { reject: false, all: true },
    );
    expect(result.exitCode, String(result.all)).not.toBe(0);
    const { phase, previous } = await readStatus(status);
    expect(phase).toBe("swapped");
    expect(String(result.all)).toMatch(new RegExp(`FAILED: the swap happened, .*: ${engine.database} now holds the restored backup; the (database|tables) it replaced, with everything written since the backup, (is|are) kept (as|in) ${previous}`));
    expect(await engine.fingerprint()).toBe(original);
    expect(await engine.fingerprint(previous).catch(() => "a table is gone")).toBe(damaged);
    expect(await dropPrevious(engine)).toEqual([previous]);
    // MariaDB's swap empties the copy it restored into; the exit trap could not drop it with the
    // connection gone. The next restore would; here at once, so the next test sees only its own.
    if (engine.name === "mariadb") await servers.maria.sql("mysql", `DROP DATABASE IF EXISTS ${engine.database}__restoring`);
  });

  it("an in-place restore killed halfway leaves the live database as it was, and the next one succeeds", async () => {
    await engine.damage();
    const damaged = await engine.fingerprint().catch(() => "");
    const damagedPrivileges = await engine.privileges();
    const slow = engine.name === "postgresql" ? await slowTool("pg_restore", "/usr/lib/postgresql/17/bin/pg_restore", 20) : await slowTool("zstd", "/usr/bin/zstd", 20);
    const work = await workDir("in-place-killed");
    const status = await statusFile();
    expect((await step(servers, "rclone", "fetch.sh", { ...servers.s3.rcloneEnv(), BACKUP_REMOTE: remote(engine), WORK_DIR: work })).exitCode).toBe(0);
    const running = servers.pg.root.exec(
      `/scripts/${engine.restoreCheck}`,
      [],
      { image: engine.image, env: { DB_NAME: engine.database, WORK_DIR: work, RESTORE_MODE: "in-place", RESTORE_STATUS_FILE: status, ...engine.admin(), PATH: slow.PATH }, binds: { ...binds, [slow.dir]: slow.dir } },
      // Its own process group, killed whole: what happens to a pod's processes.
      { reject: false, all: true, detached: true },
    );
    await waitFor("the restore's new database", async () => (await engine.databases()).includes(`${engine.database}__restoring`));
    process.kill(-running.pid!, "SIGKILL");
    await running;
    expect((await readStatus(status)).phase).toBe("restoring");
    expect(await engine.fingerprint().catch(() => "")).toBe(damaged);
    expect(await engine.privileges()).toBe(damagedPrivileges);
    const table = engine.name === "postgresql" ? "public.workflows" : "wp_posts";
    expect((await app(engine, `SELECT COUNT(*) FROM ${table}`)).exitCode).toBe(0);

    const again = await restoreInPlace(engine);
    expect(again.exitCode, again.all).toBe(0);
    expect(await engine.fingerprint()).toBe(original);
    expect(await dropPrevious(engine)).toHaveLength(1);
  });

  it("a failing dump uploads nothing and leaves latest alone", async () => {
    const wrongPassword: Record<string, string> = engine.name === "postgresql" ? { PGPASSWORD: "wrong" } : { MARIADB_PASSWORD: "wrong" };
    const result = await backup(engine, "20261127T030000Z", wrongPassword);
    expect(result.step).toBe("dump");
    expect(result.exitCode).not.toBe(0);
    expect(await latest(engine)).toBe("20261126T030000Z");
  });
});

describe.each(engines)("$name: a database with no tables", (engine) => {
  const empty = { ...engine, database: `empty_${engine.name === "postgresql" ? "pg" : "maria"}` };

  it("backs up, restores into a scratch server and restores in place", async () => {
    await provision(servers, engine.name, empty.database, "emptysecret9");
    const backedUp = await backup(empty, "20261126T031500Z");
    expect(backedUp.exitCode, backedUp.all).toBe(0);
    expect(JSON.parse(await readFile(join(backedUp.work, "manifest.json"), "utf8"))).toMatchObject({ tables: 0, rows: 0 });
    const checked = await restore(empty);
    expect(checked.exitCode, checked.all).toBe(0);
    const inPlace = await restore(empty, { RESTORE_MODE: "in-place", ...engine.admin() });
    expect(inPlace.exitCode, inPlace.all).toBe(0);
  });
});

describe("PostgreSQL backups under concurrent schema changes", () => {
  const engine = engines[0]!;

  it("tables created during the backup and other sessions' temporary tables fail neither the backup nor its restore test", async () => {
    // Another session holds a temporary table for the whole backup; a third creates tables as fast as it can.
    const holder = servers.pg.run("psql", ["-X", "-q", "-d", engine.database, "-c", "CREATE TEMP TABLE session_scratch AS SELECT 1 AS id", "-c", "SELECT pg_sleep(60)"], { env: { PGUSER: engine.database, PGPASSWORD: engine.password } }, { reject: false });
    const creates = Array.from({ length: 400 }, (_, i) => `CREATE TABLE public.churn_${i} (id int); INSERT INTO public.churn_${i} VALUES (${i});`).join("\n");
    await waitFor("the temporary table", async () => (await servers.pg.sql(engine.database, "SELECT count(*) FROM pg_class WHERE relname = 'session_scratch'")) === "1");
    const creator = servers.pg.run("psql", ["-X", "-q", "-d", engine.database], { env: { PGUSER: engine.database, PGPASSWORD: engine.password } }, { input: creates, reject: false });
    try {
      await waitFor("the first created table", async () => (await servers.pg.sql(engine.database, "SELECT count(*) FROM pg_class WHERE relname LIKE 'churn%'")) !== "0");
      const backedUp = await backup(engine, "20261126T040000Z");
      expect(backedUp.exitCode, backedUp.all).toBe(0);
      const counts = await readFile(join(backedUp.work, "counts.tsv"), "utf8");
      expect(counts).not.toContain("session_scratch");
      const checked = await restore(engine);
      expect(checked.exitCode, checked.all).toBe(0);
    } finally {
      holder.kill();
      creator.kill();
      await Promise.all([holder, creator]);
      await servers.pg.sql(engine.database, "DO $$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE tablename LIKE 'churn%' LOOP EXECUTE format('DROP TABLE public.%I', t); END LOOP; END $$;");
    }
  });
});

describe("MariaDB backups never stall writers", () => {
  const engine = engines[1]!;

  /** Inserts a row every 20 ms, stamping each with the time it ran; resolves with the longest gap between two. */
  function writer(seconds: number) {
    const statements = Array.from({ length: Math.ceil((seconds * 1000) / 20) }, () => "INSERT INTO write_probe (at) VALUES (SYSDATE(6)); DO SLEEP(0.02);").join("\n");
    return servers.maria.run("mariadb", ["--no-defaults", "--batch", "-h127.0.0.1", `-P${servers.maria.env.MARIADB_PORT}`, `-u${engine.database}`, engine.database], { env: { MYSQL_PWD: engine.password } }, { input: statements, reject: false, all: true });
  }
  async function longestGapMs(): Promise<number> {
    return Number(
      await servers.maria.sql(engine.database, "SELECT COALESCE(MAX(TIMESTAMPDIFF(MICROSECOND, prev, at)) / 1000, 0) FROM (SELECT at, LAG(at) OVER (ORDER BY id) prev FROM write_probe) g"),
    );
  }

  beforeAll(async () => {
    expect((await app(engine, "CREATE TABLE write_probe (id bigint AUTO_INCREMENT PRIMARY KEY, at datetime(6)); CREATE TABLE lock_holder (id int); INSERT INTO lock_holder VALUES (1);")).exitCode).toBe(0);
  });

  it("gives up the global read lock within a second while a long write runs, so other writes go on, and retries", async () => {
    await app(engine, "TRUNCATE write_probe");
    const longWrite = app(engine, "UPDATE lock_holder SET id = id + SLEEP(20)");
    await waitFor("the long write", async () => (await servers.maria.sql("mysql", "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE lock_holder%'")) === "1");
    const writing = writer(30);
    await waitFor("the writer", async () => Number(await servers.maria.sql(engine.database, "SELECT COUNT(*) FROM write_probe")) > 5);
    const result = await backup(engine, "20261126T050000Z", { LOCK_WAIT_TIMEOUT: "1" });
    await Promise.all([longWrite, writing]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain("retrying");
    expect(await longestGapMs()).toBeLessThan(2_500);
    await app(engine, "DROP TABLE lock_holder; DELETE FROM write_probe");
  });

  it("releases the lock as soon as the dump's snapshot is open: writes go on while the dump runs, and the backup holds the rows of its own instant", async () => {
    await app(engine, "TRUNCATE write_probe");
    const rowsBefore = (await app(engine, "SELECT COUNT(*) FROM wp_posts")).stdout;
    // zstd that waits 10 s before reading: mariadb-dump blocks on its full pipe, so the dump stays open.
    const slow = await slowTool("zstd", "/usr/bin/zstd", 10);
    const work = await workDir("backup-slow");
    const dumping = servers.pg.root.exec(
      "/scripts/mariadb-dump.sh",
      [],
      { image: "mariadb", env: { ...backupConnection(servers, "mariadb"), DB_NAME: engine.database, WORK_DIR: work, PATH: slow.PATH }, binds: { ...binds, [slow.dir]: slow.dir } },
      { reject: false, all: true },
    );
    await waitFor("the dump to start", async () => existsSync(join(work, "dump.sql.zst")));
    await sleep(2_000);
    // Stamped by the server when it ran, so how long the client took to start does not count.
    const insert = await app(engine, "INSERT INTO write_probe (at) VALUES (SYSDATE(6)); INSERT INTO wp_posts (post_title) VALUES ('written during the backup')");
    const dumped = await dumping;
    const dumpEnded = Date.now() / 1000;
    expect(dumped.exitCode, String(dumped.all)).toBe(0);
    expect(insert.exitCode).toBe(0);
    const insertedAt = Number(await servers.maria.sql(engine.database, "SELECT UNIX_TIMESTAMP(MAX(at)) FROM write_probe"));
    expect(dumpEnded - insertedAt, `the insert ran only once the dump had finished: ${String(dumped.all)}`).toBeGreaterThan(3);
    expect(String(dumped.all)).toMatch(/global read lock held for \d+ ms/);
    const counts = await readFile(join(work, "counts.tsv"), "utf8");
    expect(counts).toContain(`wordpress.wp_posts\t${String(rowsBefore).trim()}`);
    await app(engine, "DELETE FROM wp_posts WHERE post_title = 'written during the backup'");
  });
});

describe("uploads are verified by the object store, not by reading them back", () => {
  const engine = engines[0]!;

  it("sends a Content-MD5 with every upload and never downloads the dump", async () => {
    const proxy = await startS3Proxy(servers.s3.endpoint);
    try {
      const result = await backup(engine, "20261126T060000Z", { RCLONE_CONFIG_BACKUPS_ENDPOINT: proxy.endpoint });
      expect(result.exitCode, result.all).toBe(0);
      const uploads = proxy.seen.filter((request) => request.method === "PUT" && !request.path.endsWith("/latest") && request.path.includes("20261126T060000Z"));
      expect(uploads.length).toBeGreaterThan(0);
      expect(uploads.filter((request) => !request.contentMd5).map((request) => request.path)).toEqual([]);
      expect(proxy.seen.filter((request) => request.method === "GET" && request.path.includes("dump.pgc"))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it("a byte changed on the way to the store fails the upload, and latest stays on the last good backup", async () => {
    const before = await latest(engine);
    const proxy = await startS3Proxy(servers.s3.endpoint, (request) => request.method === "PUT" && (request.url ?? "").includes("dump.pgc"));
    try {
      const result = await backup(engine, "20261126T061500Z", { RCLONE_CONFIG_BACKUPS_ENDPOINT: proxy.endpoint, RCLONE_CONFIG_BACKUPS_NO_CHECK_BUCKET: "true" });
      expect(result.step).toBe("upload");
      expect(result.exitCode, result.all).not.toBe(0);
      expect(await latest(engine)).toBe(before);
    } finally {
      await proxy.close();
    }
  });
});

describe("failures are loud and lose nothing", () => {
  const engine = engines[0]!;

  async function tamper(object: string, change: (bytes: Buffer) => Buffer) {
    const work = await mkdtemp(join(tmpdir(), "tamper-"));
    const local = join(work, "object");
    await servers.s3.rclone(["copyto", object, local]);
    await writeFile(local, change(await readFile(local)));
    await servers.s3.rclone(["copyto", local, object]);
    await rm(work, { recursive: true, force: true });
  }

  it("a truncated backup is detected before anything is restored", async () => {
    expect((await backup(engine, "20261128T030000Z")).exitCode).toBe(0);
    await tamper(`${remote(engine)}/20261128T030000Z/dump.pgc`, (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2)));
    const result = await restore(engine);
    expect(result.step).toBe("fetch");
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toContain("backup 20261128T030000Z: dump.pgc is corrupted or truncated");
  });

  it("a corrupted backup is detected", async () => {
    expect((await backup(engine, "20261129T030000Z")).exitCode).toBe(0);
    await tamper(`${remote(engine)}/20261129T030000Z/dump.pgc`, (bytes) => {
      const copy = Buffer.from(bytes);
      copy[Math.floor(copy.length / 2)] = (copy[Math.floor(copy.length / 2)]! + 1) % 256;
      return copy;
    });
    const result = await restore(engine);
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toContain("dump.pgc is corrupted or truncated");
  });

  it("a restore whose rows differ from the manifest fails, showing the difference", async () => {
    expect((await backup(engine, "20261130T030000Z")).exitCode).toBe(0);
    const work = await workDir("restore");
    expect((await step(servers, "rclone", "fetch.sh", { ...servers.s3.rcloneEnv(), BACKUP_REMOTE: remote(engine), WORK_DIR: work })).exitCode).toBe(0);
    // A manifest that promises one row more than the dump holds: what a silently lossy dump would look like.
    const counts = join(work, "counts.tsv");
    const tampered = (await readFile(counts, "utf8")).replace(/^(public\.workflows\t)(\d+)$/m, (_, table: string, rows: string) => `${table}${Number(rows) + 1}`);
    await writeFile(counts, tampered);
    const result = await step(servers, "postgres", engine.restoreCheck, { DB_NAME: engine.database, WORK_DIR: work });
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toContain("row counts of the restored database differ from the backup's manifest");
    expect(result.all).toMatch(/^-public\.workflows\t\d+$/m);
  });

  it("an unreachable object store fails the job and leaves latest on the last good backup", async () => {
    const before = await latest(engine);
    const closedPort = await freePort();
    const result = await backup(engine, "20261201T030000Z", { RCLONE_CONFIG_BACKUPS_ENDPOINT: `http://127.0.0.1:${closedPort}` });
    expect(result.step).toBe("upload");
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toContain("the object store is unreachable");
    expect(await latest(engine)).toBe(before);
  });

  it("wrong credentials fail with a clear cause and leave latest alone", async () => {
    const before = await latest(engine);
    const result = await backup(engine, "20261202T030000Z", { RCLONE_CONFIG_BACKUPS_SECRET_ACCESS_KEY: "not-the-secret" });
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toContain("the object store rejected the credentials");
    expect(await latest(engine)).toBe(before);
  });

  it("encrypted backups reach the bucket unreadable and restore through the same scripts", async () => {
    const { stdout: obscured } = await servers.s3.rclone(["obscure", "correct horse battery staple"]);
    const crypt = { RCLONE_CONFIG_ENCRYPTED_TYPE: "crypt", RCLONE_CONFIG_ENCRYPTED_REMOTE: `backups:${bucket}/encrypted`, RCLONE_CONFIG_ENCRYPTED_PASSWORD: String(obscured) };
    const encryptedRemote = `encrypted:${engine.name}/${engine.database}`;
    const backedUp = await backup(engine, "20261203T030000Z", { ...crypt, BACKUP_REMOTE: encryptedRemote });
    expect(backedUp.exitCode, backedUp.all).toBe(0);
    const raw = await servers.s3.rclone(["lsf", "-R", `backups:${bucket}/encrypted`]);
    expect(raw.stdout).not.toContain("dump.pgc");
    const restored = await restore(engine, { ...crypt, BACKUP_REMOTE: encryptedRemote });
    expect(restored.exitCode, restored.all).toBe(0);
  });
});
