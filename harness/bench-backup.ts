import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { repoRoot } from "./paths.ts";
import { detail, step } from "./progress.ts";
import { startMariaDB } from "./services/mariadb.ts";
import { startPostgres } from "./services/postgres.ts";
import { startS3 } from "./services/s3.ts";

const scripts = join(repoRoot, "modules/data/scripts");

function figure(name: string, value: number, unit: string): void {
  console.log(`bench: ${name} ${Number(value.toPrecision(4))} ${unit}`);
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

// ~250 bytes a row: an id, a hash and filler, so size tracks the row count.
const rowsFor = (megabytes: number) => Math.round((megabytes * 1024 * 1024) / 250);

/**
 * Backup and restore of a generated database through the CronJobs' scripts (dump, checksum,
 * counts, upload with read-back verification; fetch, checksum, restore, count comparison),
 * against the raw dump and restore tools on the same server in the same run.
 */
export async function runBackupBench(options: { megabytes: number }): Promise<void> {
  const [s3, pg, maria] = await Promise.all([startS3(), startPostgres(), startMariaDB()]);
  const work = await mkdtemp(join(tmpdir(), "bench-backup-"));
  try {
    await s3.createBucket("bench");
    const rows = rowsFor(options.megabytes);
    const run = async (script: string, env: Record<string, string>) => {
      await execa(join(scripts, script), [], { env: { PATH: `${pg.bin}:${process.env.PATH}`, HOME: work, ...s3.rcloneEnv(), ...env }, extendEnv: false });
    };

    step(`postgresql: generating a ${options.megabytes} MiB database (${rows} rows)`);
    await pg.sql("postgres", "CREATE DATABASE bench");
    await pg.sql("bench", `CREATE TABLE big AS SELECT i AS id, md5(i::text) AS hash, repeat('x', 200) AS filler FROM generate_series(1, ${rows}) i; ALTER TABLE big ADD PRIMARY KEY (id);`);
    detail(`size: ${await pg.sql("bench", "SELECT pg_size_pretty(pg_database_size('bench'))")}`);
    const pgEnv = { ...pg.env, DB_NAME: "bench", BACKUP_REMOTE: "backups:bench/postgresql/bench" };
    const rawPgBackup = await seconds(() => execa(join(pg.bin, "pg_dump"), ["--format=custom", "--no-owner", "--dbname=bench", `--file=${join(work, "raw.pgc")}`], { env: pg.env }));
    const pgBackup = await seconds(async () => {
      await run("pg-dump.sh", { ...pgEnv, WORK_DIR: join(work, "pg-backup") });
      await run("upload.sh", { ...pgEnv, WORK_DIR: join(work, "pg-backup") });
    });
    const rawPgRestore = await seconds(async () => {
      await pg.sql("postgres", "CREATE DATABASE raw_restore");
      await execa(join(pg.bin, "pg_restore"), ["--no-owner", "--dbname=raw_restore", join(work, "raw.pgc")], { env: pg.env });
    });
    const pgRestore = await seconds(async () => {
      await run("fetch.sh", { ...pgEnv, WORK_DIR: join(work, "pg-restore") });
      await run("pg-restore-check.sh", { ...pgEnv, WORK_DIR: join(work, "pg-restore") });
    });
    figure("postgresql-db-size", options.megabytes, "MiB");
    figure("postgresql-backup-raw", rawPgBackup, "s");
    figure("postgresql-backup", pgBackup, "s");
    figure("postgresql-backup-ratio", pgBackup / rawPgBackup, "ratio");
    figure("postgresql-restore-raw", rawPgRestore, "s");
    figure("postgresql-restore", pgRestore, "s");
    figure("postgresql-restore-ratio", pgRestore / rawPgRestore, "ratio");
    await rm(join(work, "pg-backup"), { recursive: true, force: true });
    await rm(join(work, "pg-restore"), { recursive: true, force: true });

    step(`mariadb: generating a ${options.megabytes} MiB database (${rows} rows)`);
    await maria.sql("mysql", "CREATE DATABASE bench");
    await maria.sql("bench", `CREATE TABLE big (id bigint PRIMARY KEY, hash char(32), filler varchar(255)) ENGINE=InnoDB; INSERT INTO big SELECT seq, MD5(seq), REPEAT('x', 200) FROM seq_1_to_${rows};`);
    const mariaEnv = { ...maria.env, DB_NAME: "bench", BACKUP_REMOTE: "backups:bench/mariadb/bench" };
    const mariaClient = ["--no-defaults", `-h${maria.env.MARIADB_HOST}`, `-P${maria.env.MARIADB_PORT}`, `-u${maria.env.MARIADB_USER}`];
    const mysqlPwd = { MYSQL_PWD: maria.env.MARIADB_PASSWORD };
    const rawMariaBackup = await seconds(() => execa("mariadb-dump", [...mariaClient, "--single-transaction", "bench"], { env: mysqlPwd, stdout: { file: join(work, "raw.sql") } }));
    detail(`dump size: ${((await stat(join(work, "raw.sql"))).size / 1024 / 1024).toFixed(0)} MiB`);
    const mariaBackup = await seconds(async () => {
      await run("mariadb-dump.sh", { ...mariaEnv, WORK_DIR: join(work, "maria-backup") });
      await run("upload.sh", { ...mariaEnv, WORK_DIR: join(work, "maria-backup") });
    });
    const rawMariaRestore = await seconds(async () => {
      await maria.sql("mysql", "CREATE DATABASE raw_restore");
      await execa("mariadb", [...mariaClient, "raw_restore"], { env: mysqlPwd, stdin: { file: join(work, "raw.sql") } });
    });
    const mariaRestore = await seconds(async () => {
      await run("fetch.sh", { ...mariaEnv, WORK_DIR: join(work, "maria-restore") });
      await run("mariadb-restore-check.sh", { ...mariaEnv, WORK_DIR: join(work, "maria-restore") });
    });
    figure("mariadb-db-size", options.megabytes, "MiB");
    figure("mariadb-backup-raw", rawMariaBackup, "s");
    figure("mariadb-backup", mariaBackup, "s");
    figure("mariadb-backup-ratio", mariaBackup / rawMariaBackup, "ratio");
    figure("mariadb-restore-raw", rawMariaRestore, "s");
    figure("mariadb-restore", mariaRestore, "s");
    figure("mariadb-restore-ratio", mariaRestore / rawMariaRestore, "ratio");
  } finally {
    await rm(work, { recursive: true, force: true });
    await Promise.all([s3.stop(), pg.stop(), maria.stop()]);
  }
}
