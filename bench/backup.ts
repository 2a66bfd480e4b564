import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { figure, seconds } from "./figures.ts";
import { repoRoot } from "../harness/paths.ts";
import { step } from "../harness/progress.ts";
import { startMariaDB } from "../harness/services/mariadb.ts";
import { startPostgres } from "../harness/services/postgres.ts";
import { startS3 } from "../harness/services/s3.ts";

const scripts = join(repoRoot, "modules/data/scripts");


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
    const mariaClient = ["--no-defaults", `-h${maria.env.MARIADB_HOST}`, `-P${maria.env.MARIADB_PORT}`, `-u${maria.env.MARIADB_USER}`];
    const mysqlPwd = { MYSQL_PWD: maria.env.MARIADB_PASSWORD };
    const run = async (script: string, env: Record<string, string>) => {
      await execa(join(scripts, script), [], { env: { PATH: `${pg.bin}:${process.env.PATH}`, HOME: work, ...s3.rcloneEnv(), ...env }, extendEnv: false });
    };

    const engines = [
      {
        name: "postgresql",
        async generate() {
          await pg.sql("postgres", "CREATE DATABASE bench");
          await pg.sql("bench", `CREATE TABLE big AS SELECT i AS id, md5(i::text) AS hash, repeat('x', 200) AS filler FROM generate_series(1, ${rows}) i; ALTER TABLE big ADD PRIMARY KEY (id);`);
        },
        env: { ...pg.env, DB_NAME: "bench", BACKUP_REMOTE: "backups:bench/postgresql/bench" },
        scripts: { dump: "pg-dump.sh", restore: "pg-restore-check.sh" },
        rawBackup: () => execa(join(pg.bin, "pg_dump"), ["--format=custom", "--no-owner", "--dbname=bench", `--file=${join(work, "raw.pgc")}`], { env: pg.env }),
        async rawRestore() {
          await pg.sql("postgres", "CREATE DATABASE raw_restore");
          await execa(join(pg.bin, "pg_restore"), ["--no-owner", "--dbname=raw_restore", join(work, "raw.pgc")], { env: pg.env });
        },
      },
      {
        name: "mariadb",
        async generate() {
          await maria.sql("mysql", "CREATE DATABASE bench");
          await maria.sql("bench", `CREATE TABLE big (id bigint PRIMARY KEY, hash char(32), filler varchar(255)) ENGINE=InnoDB; INSERT INTO big SELECT seq, MD5(seq), REPEAT('x', 200) FROM seq_1_to_${rows};`);
        },
        env: { ...maria.env, DB_NAME: "bench", BACKUP_REMOTE: "backups:bench/mariadb/bench" },
        scripts: { dump: "mariadb-dump.sh", restore: "mariadb-restore-check.sh" },
        rawBackup: () => execa("mariadb-dump", [...mariaClient, "--single-transaction", "bench"], { env: mysqlPwd, stdout: { file: join(work, "raw.sql") }, buffer: false }),
        async rawRestore() {
          await maria.sql("mysql", "CREATE DATABASE raw_restore");
          await execa("mariadb", [...mariaClient, "raw_restore"], { env: mysqlPwd, stdin: { file: join(work, "raw.sql") } });
        },
      },
    ];
    for (const engine of engines) {
      step(`${engine.name}: generating a ${options.megabytes} MiB database (${rows} rows)`);
      await engine.generate();
      const backupDir = join(work, `${engine.name}-backup`);
      const restoreDir = join(work, `${engine.name}-restore`);
      const rawBackup = await seconds(engine.rawBackup);
      const dumpStep = await seconds(() => run(engine.scripts.dump, { ...engine.env, WORK_DIR: backupDir }));
      const uploadStep = await seconds(() => run("upload.sh", { ...engine.env, WORK_DIR: backupDir }));
      const rawRestore = await seconds(engine.rawRestore);
      const fetchStep = await seconds(() => run("fetch.sh", { ...engine.env, WORK_DIR: restoreDir }));
      const restoreStep = await seconds(() => run(engine.scripts.restore, { ...engine.env, WORK_DIR: restoreDir }));
      figure(`${engine.name}-db-size`, options.megabytes, "MiB");
      figure(`${engine.name}-backup-raw`, rawBackup, "s");
      figure(`${engine.name}-backup-dump-step`, dumpStep, "s");
      figure(`${engine.name}-backup-upload-verify-step`, uploadStep, "s");
      figure(`${engine.name}-backup`, dumpStep + uploadStep, "s");
      figure(`${engine.name}-backup-dump-step-ratio`, dumpStep / rawBackup, "ratio");
      figure(`${engine.name}-backup-ratio`, (dumpStep + uploadStep) / rawBackup, "ratio");
      figure(`${engine.name}-restore-raw`, rawRestore, "s");
      figure(`${engine.name}-restore-fetch-step`, fetchStep, "s");
      figure(`${engine.name}-restore-check-step`, restoreStep, "s");
      figure(`${engine.name}-restore`, fetchStep + restoreStep, "s");
      figure(`${engine.name}-restore-ratio`, (fetchStep + restoreStep) / rawRestore, "ratio");
      await rm(backupDir, { recursive: true, force: true });
      await rm(restoreDir, { recursive: true, force: true });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    await Promise.all([s3.stop(), pg.stop(), maria.stop()]);
  }
}
