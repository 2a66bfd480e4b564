import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { ensureTool } from "../toolchain/index.ts";
import { PlatformError, tail } from "../errors.ts";
import { repoRoot } from "../paths.ts";

/**
 * WordPress's database enters the platform the way every backup does: the data layer's own
 * dump and upload scripts (modules/data/scripts) run against the old server, so the result is
 * an ordinary backup in the bucket, and `platform restore --in-place` puts it in place with
 * the same checksum and row-count checks as a nightly restore test. The only coupling is the
 * scripts' environment interface and the manifest format, which is checked by its version.
 */

const scripts = join(repoRoot, "modules/data/scripts");

export interface OldDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/**
 * The scripts run here, on the operator's machine, with the MariaDB client from its packages
 * and the pinned rclone (the version the backup image runs) ahead of any other on PATH.
 */
async function script(name: string, env: Record<string, string>): Promise<void> {
  const path = `${dirname(await ensureTool("rclone"))}:${process.env.PATH ?? "/usr/bin:/bin"}`;
  const result = await execa(join(scripts, name), [], { env: { PATH: path, HOME: process.env.HOME ?? "/tmp", ...env }, extendEnv: false, reject: false, all: true });
  if (result.exitCode !== 0) {
    const cause = tail(result.all, 3).split("\n").find((line) => line.includes("FAILED:"))?.replace(/^.*FAILED:\s*/, "") ?? tail(result.all, 1);
    throw new PlatformError(`${name} failed: ${cause}`, "Fix the cause above and run the command again; nothing was uploaded, the last backup is untouched.");
  }
}

/**
 * Row counts are labelled with the database name; the old box's database is usually named
 * otherwise than the platform's, so the labels are moved to the target name before upload.
 */
async function relabel(work: string, from: string, to: string): Promise<void> {
  if (from === to) return;
  const manifestPath = join(work, "manifest.json");
  const manifest = await readFile(manifestPath, "utf8");
  if (!manifest.includes('"format": "platform-backup/v1"')) throw new PlatformError("the data layer's backup manifest is not platform-backup/v1", "Update `platform migrate wordpress` for the data layer's new manifest format.");
  const countsPath = join(work, "counts.tsv");
  const counts = (await readFile(countsPath, "utf8")).split("\n").map((line) => (line.startsWith(`${from}.`) ? `${to}.${line.slice(from.length + 1)}` : line)).join("\n");
  await writeFile(countsPath, counts);
  const sha = createHash("sha256").update(counts).digest("hex");
  await writeFile(manifestPath, manifest.replace(/"database": "[^"]*"/, `"database": "${to}"`).replace(/"counts_sha256": "[0-9a-f]+"/, `"counts_sha256": "${sha}"`));
}

/** Dumps the old database with the data layer's script and uploads it as backup `id` of `target`. */
export async function uploadOldDatabase(old: OldDatabase, target: string, work: string, upload: { remote: string; id: string; rcloneEnv: Record<string, string> }): Promise<void> {
  await script("mariadb-dump.sh", { MARIADB_HOST: old.host, MARIADB_PORT: String(old.port), MARIADB_USER: old.user, MARIADB_PASSWORD: old.password, DB_NAME: old.database, WORK_DIR: work });
  await relabel(work, old.database, target);
  await script("upload.sh", { ...upload.rcloneEnv, BACKUP_REMOTE: upload.remote, WORK_DIR: work, BACKUP_ID: upload.id });
}

/** The rest of the WordPress move, as commands to run in order (they need the cluster and the old host). */
export function wordpressSteps(options: { id: string; oldUrl?: string; newUrl?: string; oldHost: string; bucket: string }): string[] {
  // modules/wordpress runs php-fpm in container "php" (nginx beside it); wp-content is mounted there read-write.
  const wp = "kubectl -n wordpress exec deploy/wordpress -c php --";
  return [
    `platform restore --context <ctx> --database wordpress --backup ${options.id} --in-place   # the data layer's restore: checksums, then row counts against the manifest`,
    `rsync -a --delete --exclude uploads/ ${options.oldHost}:/var/www/html/wp-content/ ./wp-content/ && kubectl -n wordpress cp ./wp-content wordpress/<pod>:/var/www/html/ -c php`,
    `rclone copy --checksum ${options.oldHost}:/var/www/html/wp-content/uploads/ spaces:${options.bucket}/uploads/ && rclone check --one-way ${options.oldHost}:/var/www/html/wp-content/uploads/ spaces:${options.bucket}/uploads/`,
    ...(options.oldUrl && options.newUrl && options.oldUrl !== options.newUrl
      ? [`${wp} wp search-replace '${options.oldUrl}' '${options.newUrl}' --all-tables-with-prefix --precise --skip-columns=guid --dry-run`, `${wp} wp search-replace '${options.oldUrl}' '${options.newUrl}' --all-tables-with-prefix --precise --skip-columns=guid`]
      : []),
    `${wp} wp core verify-checksums && ${wp} wp option get siteurl`,
  ];
}
