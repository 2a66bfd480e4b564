import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/paths.ts";
import { startMariaDB, type LocalMariaDB } from "../../harness/services/mariadb.ts";
import { startPostgres, type LocalPostgres } from "../../harness/services/postgres.ts";
import { startS3, type LocalS3 } from "../../harness/services/s3.ts";
import { platform } from "../support/tree.ts";

// WordPress's database through the data layer's own scripts (real MariaDB, real S3), then the
// data layer's restore check; Nextcloud's SQLite against a real PostgreSQL after conversion.
describe("platform migrate wordpress and nextcloud", () => {
  let maria: LocalMariaDB;
  let s3: LocalS3;
  let pg: LocalPostgres;
  let dir: string;

  beforeAll(async () => {
    [maria, s3, pg] = await Promise.all([startMariaDB(), startS3(), startPostgres()]);
    await s3.createBucket("platform-backups");
    dir = await mkdtemp(join(tmpdir(), "migrate-apps-"));
    await maria.sql("mysql", "CREATE DATABASE wp_old");
    await maria.sql("wp_old", "CREATE TABLE wp_posts (ID INT PRIMARY KEY, post_title TEXT, guid TEXT); CREATE TABLE wp_options (option_name VARCHAR(191) PRIMARY KEY, option_value LONGTEXT);");
    await maria.sql("wp_old", "INSERT INTO wp_posts SELECT seq, CONCAT('Post ', seq), CONCAT('https://old.example.org/?p=', seq) FROM seq_1_to_500; INSERT INTO wp_options VALUES ('siteurl', 'https://old.example.org'), ('home', 'https://old.example.org');");
  });
  afterAll(async () => {
    await Promise.all([maria?.stop(), s3?.stop(), pg?.stop()]);
  });

  it("wordpress: a dry run by default, then a backup the data layer's restore path accepts", async () => {
    const env = { PLATFORM_MIGRATE_DB_PASSWORD: maria.env.MARIADB_PASSWORD, ...s3.rcloneEnv() };
    const args = ["migrate", "wordpress", "--db-host", "127.0.0.1", "--db-port", maria.env.MARIADB_PORT, "--db-user", maria.env.MARIADB_USER, "--db-name", "wp_old", "--backup-remote", "backups:platform-backups/mariadb/wordpress", "--backup-id", "migration-1", "--old-url", "https://old.example.org", "--new-url", "https://www.example.org"];
    const dry = await platform(args, env);
    expect(dry.exitCode, dry.all).toBe(0);
    expect(dry.all).toContain("dry run: would dump wp_old");
    expect((await s3.rclone(["lsf", "backups:platform-backups/mariadb/wordpress/"]).catch(() => ({ stdout: "" }))).stdout).toBe("");

    const applied = await platform([...args, "--apply"], env);
    expect(applied.exitCode, applied.all).toBe(0);
    expect(applied.all).toContain("wp search-replace 'https://old.example.org' 'https://www.example.org'");
    // The data layer's restore-test path: fetch (checksums), restore, row counts against the manifest.
    await maria.sql("mysql", "CREATE DATABASE wordpress");
    const work = await mkdtemp(join(tmpdir(), "restore-"));
    const scripts = join(repoRoot, "modules/data/scripts");
    // The rclone the backup image pins (built for the tests) first, as in the CronJob's pod.
    const base = { PATH: `${dirname(s3.rcloneBinary)}:${process.env.PATH}`, HOME: tmpdir(), WORK_DIR: work };
    await execa(join(scripts, "fetch.sh"), [], { env: { ...base, ...s3.rcloneEnv(), BACKUP_REMOTE: "backups:platform-backups/mariadb/wordpress" }, extendEnv: false });
    const restored = await execa(join(scripts, "mariadb-restore-check.sh"), [], { env: { ...base, ...maria.env, DB_NAME: "wordpress", RESTORE_MODE: "in-place" }, extendEnv: false, all: true, reject: false });
    expect(restored.exitCode, restored.all).toBe(0);
    expect(restored.all).toMatch(/restored wordpress in place from backup of \S+: 502 rows in 2 tables/);
  });

  it("wordpress: an unreachable old database or a wrong password is one line, and nothing is uploaded", async () => {
    const args = (port: string) => ["migrate", "wordpress", "--db-host", "127.0.0.1", "--db-port", port, "--db-user", maria.env.MARIADB_USER, "--db-name", "wp_old", "--backup-remote", "backups:platform-backups/mariadb/other", "--apply"];
    for (const [port, password] of [[maria.env.MARIADB_PORT, "wrong"], ["1", maria.env.MARIADB_PASSWORD]] as const) {
      const result = await platform(args(port), { PLATFORM_MIGRATE_DB_PASSWORD: password, ...s3.rcloneEnv() });
      expect(result.exitCode, result.all).toBe(2);
      const errors = result.all!.split("\n").filter((line) => line.startsWith("error:"));
      expect(errors).toEqual([expect.stringMatching(/error: mariadb-dump\.sh failed: cannot connect to database wp_old on 127\.0\.0\.1/)]);
    }
    expect((await s3.rclone(["lsf", "backups:platform-backups/mariadb/other/"]).catch(() => ({ stdout: "" }))).stdout).toBe("");
  });

  it("nextcloud: compares every table of the SQLite database with PostgreSQL after the conversion", async () => {
    const sqlite = join(dir, "owncloud.db");
    const schema = "CREATE TABLE oc_filecache (fileid INTEGER PRIMARY KEY, path TEXT); CREATE TABLE oc_users (uid TEXT PRIMARY KEY, displayname TEXT); CREATE TABLE oc_calendarobjects (id INTEGER PRIMARY KEY, calendardata TEXT);";
    await execa("sqlite3", [sqlite], { input: `${schema}\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) INSERT INTO oc_filecache SELECT i, 'files/' || i FROM n;\nINSERT INTO oc_users VALUES ('anna', 'Anna'), ('bob', 'Bob');\nINSERT INTO oc_calendarobjects VALUES (1, 'BEGIN:VCALENDAR');` });
    await pg.sql("postgres", "CREATE DATABASE nextcloud");
    await pg.sql("nextcloud", `${schema.replaceAll("INTEGER PRIMARY KEY", "BIGINT PRIMARY KEY")} INSERT INTO oc_filecache SELECT i, 'files/' || i FROM generate_series(1, 300) i; INSERT INTO oc_users VALUES ('anna', 'Anna'), ('bob', 'Bob'); INSERT INTO oc_calendarobjects VALUES (1, 'BEGIN:VCALENDAR');`);
    const run = () => platform(["migrate", "nextcloud", "--source-version", "26.0.13", "--compare-sqlite", sqlite, "--postgres-database", "nextcloud"], pg.env);
    const same = await run();
    expect(same.exitCode, same.all).toBe(0);
    expect(same.all).toContain("all 3 tables hold the same number of rows");
    await pg.sql("nextcloud", "DELETE FROM oc_filecache WHERE fileid > 290; DROP TABLE oc_calendarobjects;");
    const different = await run();
    expect(different.exitCode).toBe(1);
    expect(different.all).toContain("oc_calendarobjects: missing in PostgreSQL");
    expect(different.all).toContain("oc_filecache: 300 rows in SQLite, 290 in PostgreSQL");
  });
});
