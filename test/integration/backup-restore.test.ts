import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/paths.ts";
import { freePort } from "../../harness/processes.ts";
import { startMariaDB, type LocalMariaDB } from "../../harness/services/mariadb.ts";
import { startPostgres, type LocalPostgres } from "../../harness/services/postgres.ts";
import { startS3, type LocalS3 } from "../../harness/services/s3.ts";

// The scripts the backup and restore-test CronJobs run, against real PostgreSQL and MariaDB
// servers and a real S3 server: the only thing not real is that they run as local processes.
const scripts = join(repoRoot, "modules/data/scripts");
const bucket = "platform-backups";

let s3: LocalS3;
let pg: LocalPostgres;
let maria: LocalMariaDB;

interface Engine {
  name: "postgresql" | "mariadb";
  database: string;
  dump: string;
  restoreCheck: string;
  connection(): Record<string, string>;
  seed(): Promise<void>;
  /** A digest of every table's content: equal digests mean identical data. */
  fingerprint(database?: string): Promise<string>;
  /** Simulates the loss a restore must undo. */
  damage(): Promise<void>;
}

const engines: Engine[] = [
  {
    name: "postgresql",
    database: "n8n",
    dump: "pg-dump.sh",
    restoreCheck: "pg-restore-check.sh",
    connection: () => pg.env,
    async seed() {
      await pg.sql("postgres", "CREATE DATABASE n8n");
      await pg.sql(
        "n8n",
        `CREATE SCHEMA crm;
         CREATE TABLE public.workflows (id serial PRIMARY KEY, name text NOT NULL, data jsonb, created timestamptz DEFAULT now());
         INSERT INTO public.workflows (name, data) SELECT 'flow ' || i || E' with ''quotes'', ünïcode and a\\nnewline', jsonb_build_object('i', i, 'tags', ARRAY['a', 'b']) FROM generate_series(1, 5000) i;
         CREATE TABLE crm.contacts (id bigint PRIMARY KEY, email text UNIQUE, avatar bytea);
         INSERT INTO crm.contacts SELECT i, 'user' || i || '@example.org', decode(md5(i::text), 'hex') FROM generate_series(1, 2000) i;
         CREATE TABLE public.empty_on_purpose (id int);`,
      );
    },
    async fingerprint(database = "n8n") {
      return pg.sql(
        database,
        `SELECT string_agg(t || ':' || c, ',' ORDER BY t) FROM (
           SELECT 'workflows' t, (SELECT count(*) || '/' || md5(string_agg(w::text, '|' ORDER BY id)) FROM public.workflows w) c
           UNION ALL SELECT 'contacts', (SELECT count(*) || '/' || md5(string_agg(x::text, '|' ORDER BY id)) FROM crm.contacts x)
           UNION ALL SELECT 'empty', (SELECT count(*)::text FROM public.empty_on_purpose)) f`,
      );
    },
    async damage() {
      await pg.sql("n8n", "DELETE FROM public.workflows WHERE id % 3 = 0; DROP TABLE crm.contacts;");
    },
  },
  {
    name: "mariadb",
    database: "wordpress",
    dump: "mariadb-dump.sh",
    restoreCheck: "mariadb-restore-check.sh",
    connection: () => maria.env,
    async seed() {
      await maria.sql("mysql", "CREATE DATABASE wordpress CHARACTER SET utf8mb4");
      await maria.sql(
        "wordpress",
        `SET SESSION max_recursive_iterations = 100000;
         CREATE TABLE wp_posts (ID bigint AUTO_INCREMENT PRIMARY KEY, post_title text, post_content longtext, post_date datetime) ENGINE=InnoDB;
         INSERT INTO wp_posts (post_title, post_content, post_date)
           WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 3000)
           SELECT CONCAT('Post ', n, ' it''s "quoted"'), CONCAT(REPEAT('ünïcode ', 20), '\\n', n), '2026-11-26 03:00:00' FROM seq;
         CREATE TABLE wp_options (option_id bigint PRIMARY KEY, option_name varchar(191) UNIQUE, option_value longblob) ENGINE=InnoDB;
         INSERT INTO wp_options SELECT ID, CONCAT('option_', ID), UNHEX(MD5(ID)) FROM wp_posts WHERE ID <= 500;
         CREATE TABLE wp_empty (id int) ENGINE=InnoDB;`,
      );
    },
    async fingerprint(database = "wordpress") {
      return maria.sql(database, "CHECKSUM TABLE wp_posts, wp_options, wp_empty");
    },
    async damage() {
      await maria.sql("wordpress", "DELETE FROM wp_posts WHERE ID % 3 = 0; DROP TABLE wp_options;");
    },
  },
];

async function run(script: string, env: Record<string, string>) {
  return execa(join(scripts, script), [], {
    env: { PATH: `${pg.bin}:${process.env.PATH}`, HOME: tmpdir(), ...env },
    extendEnv: false,
    reject: false,
    all: true,
  });
}

function remote(engine: Engine, name = "backups") {
  return `${name}:${bucket}/${engine.name}/${engine.database}`;
}

async function latest(engine: Engine): Promise<string> {
  const result = await s3.rclone(["cat", `${remote(engine)}/latest`]).catch(() => ({ stdout: "" }));
  return result.stdout.trim();
}

/** The backup CronJob: dump step, then upload step, each in its own work folder as in the pod. */
async function backup(engine: Engine, id: string, overrides: Record<string, string> = {}) {
  const work = await mkdtemp(join(tmpdir(), "backup-"));
  const dumped = await run(engine.dump, { ...engine.connection(), DB_NAME: engine.database, WORK_DIR: work, ...overrides });
  if (dumped.exitCode !== 0) return { step: "dump", ...dumped, work };
  const uploaded = await run("upload.sh", { ...s3.rcloneEnv(), BACKUP_REMOTE: remote(engine), WORK_DIR: work, BACKUP_ID: id, ...overrides });
  return { step: "upload", ...uploaded, work };
}

/** The restore-test CronJob: fetch step, then restore-and-compare step. */
async function restore(engine: Engine, overrides: Record<string, string> = {}) {
  const work = await mkdtemp(join(tmpdir(), "restore-"));
  const fetched = await run("fetch.sh", { ...s3.rcloneEnv(), BACKUP_REMOTE: remote(engine), WORK_DIR: work, ...overrides });
  if (fetched.exitCode !== 0) return { step: "fetch", ...fetched, work };
  const checked = await run(engine.restoreCheck, { ...engine.connection(), DB_NAME: engine.database, WORK_DIR: work, ...overrides });
  return { step: "restore", ...checked, work };
}

beforeAll(async () => {
  [s3, pg, maria] = await Promise.all([startS3(), startPostgres(), startMariaDB()]);
  await s3.createBucket(bucket);
  for (const engine of engines) await engine.seed();
});

afterAll(async () => {
  await Promise.all([s3?.stop(), pg?.stop(), maria?.stop()]);
});

describe.each(engines)("$name backups", (engine) => {
  let original: string;

  beforeAll(async () => {
    original = await engine.fingerprint();
  });

  it("backs up, verifies the upload and moves latest", async () => {
    const result = await backup(engine, "20261126T030000Z");
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain("backup 20261126T030000Z verified; latest -> 20261126T030000Z");
    expect(await latest(engine)).toBe("20261126T030000Z");
    const manifest = await readFile(join(result.work, "manifest.json"), "utf8");
    expect(JSON.parse(manifest)).toMatchObject({ format: "platform-backup/v1", engine: engine.name, database: engine.database, tables: 3 });
  });

  it("the scheduled restore test restores into a scratch database, finds every row, and drops it", async () => {
    const result = await restore(engine);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(/restore check passed: restore_check_\S+ holds \d+ rows in 3 tables, as recorded/);
    expect(await engine.fingerprint()).toBe(original);
  });

  it("an in-place restore brings back exactly the data that was lost", async () => {
    await engine.damage();
    expect(await engine.fingerprint().catch(() => "a table is gone")).not.toBe(original);
    const result = await restore(engine, { RESTORE_MODE: "in-place" });
    expect(result.exitCode, result.all).toBe(0);
    expect(await engine.fingerprint()).toBe(original);
  });

  it("a failing dump uploads nothing and leaves latest alone", async () => {
    const wrongPassword: Record<string, string> = engine.name === "postgresql" ? { PGPASSWORD: "wrong" } : { MARIADB_PASSWORD: "wrong" };
    const result = await backup(engine, "20261127T030000Z", wrongPassword);
    expect(result.step).toBe("dump");
    expect(result.exitCode).not.toBe(0);
    expect(await latest(engine)).toBe("20261126T030000Z");
  });
});

describe("failures are loud and lose nothing", () => {
  const engine = engines[0]!;

  async function tamper(object: string, change: (bytes: Buffer) => Buffer) {
    const work = await mkdtemp(join(tmpdir(), "tamper-"));
    const local = join(work, "object");
    await s3.rclone(["copyto", object, local]);
    await writeFile(local, change(await readFile(local)));
    await s3.rclone(["copyto", local, object]);
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
    const work = await mkdtemp(join(tmpdir(), "restore-"));
    expect((await run("fetch.sh", { ...s3.rcloneEnv(), BACKUP_REMOTE: remote(engine), WORK_DIR: work })).exitCode).toBe(0);
    // A manifest that promises one row more than the dump holds: what a silently lossy dump would look like.
    const counts = join(work, "counts.tsv");
    const tampered = (await readFile(counts, "utf8")).replace(/^(public\.workflows\t)(\d+)$/m, (_, table: string, rows: string) => `${table}${Number(rows) + 1}`);
    await writeFile(counts, tampered);
    const result = await run(engine.restoreCheck, { ...engine.connection(), DB_NAME: engine.database, WORK_DIR: work });
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
    const { stdout: obscured } = await s3.rclone(["obscure", "correct horse battery staple"]);
    const crypt = { RCLONE_CONFIG_ENCRYPTED_TYPE: "crypt", RCLONE_CONFIG_ENCRYPTED_REMOTE: `backups:${bucket}/encrypted`, RCLONE_CONFIG_ENCRYPTED_PASSWORD: obscured };
    const encryptedRemote = `encrypted:${engine.name}/${engine.database}`;
    const backedUp = await backup(engine, "20261203T030000Z", { ...crypt, BACKUP_REMOTE: encryptedRemote });
    expect(backedUp.exitCode, backedUp.all).toBe(0);
    const raw = await s3.rclone(["lsf", "-R", `backups:${bucket}/encrypted`]);
    expect(raw.stdout).not.toContain("dump.pgc");
    const restored = await restore(engine, { ...crypt, BACKUP_REMOTE: encryptedRemote });
    expect(restored.exitCode, restored.all).toBe(0);
  });
});
