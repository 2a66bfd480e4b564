import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { ResultPromise } from "execa";
import { figure, seconds } from "./figures.ts";
import { step } from "../harness/progress.ts";
import { startMariaDB } from "../harness/services/mariadb.ts";
import { startPostgres } from "../harness/services/postgres.ts";
import { startS3 } from "../harness/services/s3.ts";
import { backupConnection, backupPassword, provision, step as jobStep, workDir, type Servers } from "../harness/services/data-jobs.ts";

// ~250 bytes a row: an id, a hash and filler, so size tracks the row count.
const rowsFor = (megabytes: number) => Math.round((megabytes * 1024 * 1024) / 250);

/** Statements a writer session runs: one insert every 20 ms, stamped with the moment it ran. */
const writerScript = (insert: string, pause: string) => Array.from({ length: 30_000 }, () => `${insert}\n${pause}`).join("\n");

/**
 * Backup and restore of a generated database through the CronJobs' scripts, each in its image's
 * environment (dump as the backup user, counts, checksum; upload verified by the store; fetch,
 * checksum, restore into a throwaway server, count comparison), against the raw tools in the
 * same run: a bare dump plus a plain upload of the same bytes, and a bare restore. While each
 * backup runs, a writer inserts continuously into the database; the longest gap between two of
 * its inserts is how long the backup stalled writers.
 */
export async function runBackupBench(options: { megabytes: number; engines: string[] }): Promise<void> {
  const [s3, pg, maria] = await Promise.all([startS3(), startPostgres(), startMariaDB()]);
  const servers: Servers = { s3, pg, maria };
  const work = await workDir("bench-backup");
  try {
    await s3.createBucket("bench");
    const rows = rowsFor(options.megabytes);
    const engines = [
      {
        name: "postgresql" as const,
        image: "postgres" as const,
        scripts: { dump: "pg-dump.sh", restore: "pg-restore-check.sh" },
        async generate() {
          await provision(servers, "postgresql", "bench", "benchsecret1");
          // As the app's role, like an app's own tables: the backup role reads them through its default privileges.
          await pg.run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "bench", "-c", `CREATE TABLE big AS SELECT i AS id, md5(i::text) AS hash, repeat('x', 200) AS filler FROM generate_series(1, ${rows}) i; ALTER TABLE big ADD PRIMARY KEY (id);
            CREATE TABLE write_probe (id bigserial PRIMARY KEY, at timestamptz);`], { env: { PGUSER: "bench", PGPASSWORD: "benchsecret1" } });
        },
        rawBackup: (file: string) => pg.run("pg_dump", ["--format=custom", "--no-owner", "--dbname=bench", `--file=${file}`], { env: { PGUSER: "platform_backup", PGPASSWORD: backupPassword } }),
        rawFile: "raw.pgc",
        async rawRestore(file: string) {
          await pg.sql("postgres", "CREATE DATABASE raw_restore");
          await pg.run("pg_restore", ["--no-owner", "--dbname=raw_restore", file]);
        },
        writer: (): ResultPromise =>
          pg.run("psql", ["-X", "-q", "-d", "bench"], { env: { PGUSER: "bench", PGPASSWORD: "benchsecret1" } }, { input: writerScript("INSERT INTO write_probe (at) VALUES (clock_timestamp());", "SELECT pg_sleep(0.02);"), reject: false }),
        longestGapMs: async () => Number(await pg.sql("bench", "SELECT COALESCE(MAX(EXTRACT(EPOCH FROM at - prev) * 1000), 0) FROM (SELECT at, LAG(at) OVER (ORDER BY id) prev FROM write_probe) g")),
      },
      {
        name: "mariadb" as const,
        image: "mariadb" as const,
        scripts: { dump: "mariadb-dump.sh", restore: "mariadb-restore-check.sh" },
        async generate() {
          await provision(servers, "mariadb", "bench", "benchsecret1");
          await maria.sql("bench", `CREATE TABLE big (id bigint PRIMARY KEY, hash char(32), filler varchar(255)) ENGINE=InnoDB; INSERT INTO big SELECT seq, MD5(seq), REPEAT('x', 200) FROM seq_1_to_${rows};
            CREATE TABLE write_probe (id bigint AUTO_INCREMENT PRIMARY KEY, at datetime(6)) ENGINE=InnoDB;`);
        },
        rawBackup: (file: string) =>
          maria.run("sh", ["-c", 'mariadb-dump --no-defaults -h"$MARIADB_HOST" -P"$MARIADB_PORT" -u"$MARIADB_USER" --single-transaction --no-tablespaces bench >"$1"', "sh", file], { env: { MYSQL_PWD: maria.env.MARIADB_PASSWORD } }),
        rawFile: "raw.sql",
        async rawRestore(file: string) {
          await maria.sql("mysql", "CREATE DATABASE raw_restore");
          await maria.run("sh", ["-c", 'mariadb --no-defaults -h"$MARIADB_HOST" -P"$MARIADB_PORT" -u"$MARIADB_USER" raw_restore <"$1"', "sh", file], { env: { MYSQL_PWD: maria.env.MARIADB_PASSWORD } });
        },
        writer: (): ResultPromise =>
          maria.run("mariadb", ["--no-defaults", "--batch", "-h127.0.0.1", `-P${maria.env.MARIADB_PORT}`, "-ubench", "bench"], { env: { MYSQL_PWD: "benchsecret1" } }, {
            input: writerScript("INSERT INTO write_probe (at) VALUES (SYSDATE(6));", "DO SLEEP(0.02);"),
            reject: false,
          }),
        longestGapMs: async () => Number(await maria.sql("bench", "SELECT COALESCE(MAX(TIMESTAMPDIFF(MICROSECOND, prev, at)) / 1000, 0) FROM (SELECT at, LAG(at) OVER (ORDER BY id) prev FROM write_probe) g")),
      },
    ];
    for (const engine of engines.filter((candidate) => options.engines.includes(candidate.name))) {
      step(`${engine.name}: generating a ${options.megabytes} MiB database (${rows} rows)`);
      await engine.generate();
      const backupDir = await workDir(`${engine.name}-backup`);
      const restoreDir = await workDir(`${engine.name}-restore`);
      const env = { ...backupConnection(servers, engine.name), ...s3.rcloneEnv(), DB_NAME: "bench", BACKUP_REMOTE: `backups:bench/${engine.name}/bench` };
      const run = async (image: "postgres" | "mariadb" | "rclone", script: string, dir: string) => {
        const result = await jobStep(servers, image, script, { ...env, WORK_DIR: dir });
        if (result.exitCode !== 0) throw new Error(`${script} failed: ${String(result.all)}`);
        return String(result.all);
      };

      step(`${engine.name}: raw dump and plain upload`);
      const rawFile = join(work, engine.rawFile);
      const rawDump = await seconds(() => engine.rawBackup(rawFile));

      step(`${engine.name}: backup through the scripts, with a writer inserting all along`);
      const writer = engine.writer();
      const dumpStep = await seconds(() => run(engine.image, engine.scripts.dump, backupDir));
      const uploadStep = await seconds(() => run("rclone", "upload.sh", backupDir));
      writer.kill();
      await writer;
      const stall = await engine.longestGapMs();
      // The same bytes our backup uploaded, with rclone's plain copy.
      const dumpFile = engine.name === "postgresql" ? "dump.pgc" : "dump.sql.zst";
      const plainUpload = await seconds(() => s3.rclone(["copyto", join(backupDir, dumpFile), `backups:bench/plain/${engine.name}/${dumpFile}`]));

      const baseline = rawDump + plainUpload;
      figure(`${engine.name}-db-size`, options.megabytes, "MiB");
      figure(`${engine.name}-backup-max-write-stall`, stall, "ms");
      figure(`${engine.name}-backup-raw-dump`, rawDump, "s");
      figure(`${engine.name}-backup-plain-upload`, plainUpload, "s");
      figure(`${engine.name}-backup-dump-step`, dumpStep, "s");
      figure(`${engine.name}-backup-upload-step`, uploadStep, "s");
      figure(`${engine.name}-backup`, dumpStep + uploadStep, "s");
      figure(`${engine.name}-backup-ratio`, (dumpStep + uploadStep) / baseline, "ratio");

      step(`${engine.name}: raw restore, then fetch and restore check into a throwaway server`);
      const rawRestore = await seconds(() => engine.rawRestore(rawFile));
      const fetchStep = await seconds(() => run("rclone", "fetch.sh", restoreDir));
      const restoreStep = await seconds(() => run(engine.image, engine.scripts.restore, restoreDir));

      figure(`${engine.name}-restore-raw`, rawRestore, "s");
      figure(`${engine.name}-restore-fetch-step`, fetchStep, "s");
      figure(`${engine.name}-restore-check-step`, restoreStep, "s");
      figure(`${engine.name}-restore`, fetchStep + restoreStep, "s");
      figure(`${engine.name}-restore-ratio`, (fetchStep + restoreStep) / rawRestore, "ratio");
      await rm(backupDir, { recursive: true, force: true });
      await rm(restoreDir, { recursive: true, force: true });
      await rm(rawFile, { force: true });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    await Promise.all([s3.stop(), pg.stop(), maria.stop()]);
  }
}

