import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import pc from "picocolors";
import { PlatformError } from "../../errors.ts";
import { uploadOldDatabase, wordpressSteps } from "../../migrate/wordpress.ts";
import { step } from "../../progress.ts";

interface WordpressOptions {
  dbHost: string;
  dbPort: string;
  dbUser: string;
  dbName: string;
  target: string;
  backupRemote: string;
  backupId: string;
  oldHost: string;
  oldUrl?: string;
  newUrl?: string;
  bucket: string;
  apply?: boolean;
}

export const wordpressCommand = new Command("wordpress")
  .description("move WordPress's database in through the data layer's backup and restore path, then wp-content, media and the URL rewrite")
  .requiredOption("--db-host <host>", "the old MariaDB/MySQL (an SSH tunnel to the old VPS is fine); password in PLATFORM_MIGRATE_DB_PASSWORD")
  .option("--db-port <port>", "its port", "3306")
  .requiredOption("--db-user <user>", "a user that may read the WordPress database")
  .requiredOption("--db-name <name>", "the old WordPress database")
  .option("--target <name>", "the data layer database it becomes", "wordpress")
  .requiredOption("--backup-remote <rclone path>", "where the data layer keeps this database's backups, e.g. backups:<bucket>/mariadb/wordpress (RCLONE_CONFIG_* in the environment)")
  .option("--backup-id <id>", "the backup id to upload as", `migration-${new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`)
  .option("--old-host <ssh host>", "the old VPS, for wp-content and media", "old-vps")
  .option("--old-url <url>", "the site URL on the old server")
  .option("--new-url <url>", "the site URL on the platform (wp search-replace runs only when it differs)")
  .option("--bucket <name>", "the Spaces bucket for media", "wordpress-media")
  .option("--apply", "dump and upload now (otherwise only show what would run)")
  .action(async (options: WordpressOptions) => {
    const password = process.env.PLATFORM_MIGRATE_DB_PASSWORD;
    if (!password) throw new PlatformError("PLATFORM_MIGRATE_DB_PASSWORD is not set", "Export the old database user's password in PLATFORM_MIGRATE_DB_PASSWORD; passwords never go on the command line.");
    const steps = wordpressSteps({ id: options.backupId, oldHost: options.oldHost, bucket: options.bucket, ...(options.oldUrl ? { oldUrl: options.oldUrl } : {}), ...(options.newUrl ? { newUrl: options.newUrl } : {}) });
    if (!options.apply) {
      console.log(`dry run: would dump ${options.dbName} on ${options.dbHost}:${options.dbPort} with the data layer's mariadb-dump.sh and upload it as backup ${options.backupId} to ${options.backupRemote}; then:`);
      for (const line of steps) console.log(`  ${line}`);
      return;
    }
    const work = await mkdtemp(join(tmpdir(), "migrate-wordpress-"));
    try {
      step(`dumping ${options.dbName} on ${options.dbHost} and uploading it as backup ${options.backupId}`);
      await uploadOldDatabase({ host: options.dbHost, port: Number(options.dbPort), user: options.dbUser, password, database: options.dbName }, options.target, work, { remote: options.backupRemote, id: options.backupId, rcloneEnv: Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith("RCLONE_")) as Array<[string, string]>) });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    console.log(pc.green(`backup ${options.backupId} uploaded and verified in ${options.backupRemote}; next:`));
    for (const line of steps) console.log(`  ${line}`);
  });
