import { readFileSync } from "node:fs";
import { execa } from "execa";
import { z } from "zod";
import { PlatformError } from "../errors.ts";
import { repoRoot } from "../paths.ts";
import { findBinary } from "../services/common.ts";

/**
 * Nextcloud upgrades one major version at a time, and only from the newest release of the
 * current major. Mail-in-a-Box runs 26 on SQLite, which PostgreSQL 17 does not pair with
 * before Nextcloud 30 (26 supports PostgreSQL 10-15), so the ladder climbs on SQLite and the
 * conversion to PostgreSQL runs once, on the pinned version.
 */

/** The version the platform pins: versions.json `images.nextcloud` when present, else the chart's app version. */
export function pinnedNextcloud(path = `${repoRoot}/versions.json`): string {
  const versions = JSON.parse(readFileSync(path, "utf8")) as { images?: Record<string, { tag?: string }> };
  const tag = versions.images?.nextcloud?.tag;
  return tag?.match(/^\d+\.\d+\.\d+/)?.[0] ?? "34.0.1";
}

function major(version: string, what: string): number {
  const match = version.match(/^(\d+)\.(\d+)\.(\d+)(\.\d+)?$/);
  if (!match) throw new PlatformError(`${what} ${version} is not a Nextcloud version (MAJOR.MINOR.PATCH)`, "Read it on the old box: sudo -u www-data php /usr/local/lib/owncloud/occ status (versionstring).");
  return Number(match[1]);
}

export interface Rung {
  step: number;
  from: string;
  to: string;
  image: string;
  commands: string[];
  verify: string;
}

export function upgradeLadder(source: string, target: string): Rung[] {
  const from = major(source, "source version");
  const to = major(target, "target version");
  if (to < from) throw new PlatformError(`the target ${target} is older than the source ${source}`, "Nextcloud cannot downgrade; pin a version at least as new as the old box's.");
  const rungs: Rung[] = [];
  const occ = "kubectl -n nextcloud exec deploy/nextcloud-upgrade -- php occ";
  // The first rung moves to the newest patch of the source major: a major upgrade starts only from there.
  for (let current = from; current <= to; current += 1) {
    const last = current === to;
    const version = last ? target : `${current}.x (the newest ${current} release)`;
    rungs.push({
      step: rungs.length + 1,
      from: rungs.length === 0 ? source : `${current - 1}.x`,
      to: version,
      image: last ? `docker.io/library/nextcloud:${target}-fpm` : `docker.io/library/nextcloud:${current}-fpm (pin the newest ${current}.x tag)`,
      commands: [`${occ} upgrade`, `${occ} db:add-missing-indices`, `${occ} db:add-missing-columns`, `${occ} db:add-missing-primary-keys`, `${occ} app:list --output=json > apps-${current}.json`],
      verify: `${occ} status --output=json > status-${current}.json && platform migrate nextcloud --source-version ${source} --check-status status-${current}.json --expect-major ${current}`,
    });
  }
  return rungs;
}

const statusSchema = z.object({ installed: z.boolean(), versionstring: z.string(), maintenance: z.boolean(), needsDbUpgrade: z.boolean() }).loose();

/** One rung is done when `occ status --output=json` shows the major, installed, no maintenance, no pending DB upgrade. */
export function checkStatus(text: string, expectMajor: number): string[] {
  let parsed: z.infer<typeof statusSchema>;
  try {
    parsed = statusSchema.parse(JSON.parse(text));
  } catch {
    return ["not the output of occ status --output=json"];
  }
  const problems: string[] = [];
  if (!parsed.installed) problems.push("installed is false");
  if (Number(parsed.versionstring.split(".")[0]) !== expectMajor) problems.push(`version ${parsed.versionstring}, expected ${expectMajor}.x`);
  if (parsed.maintenance) problems.push("maintenance mode is still on (occ maintenance:mode --off after checking the upgrade log)");
  if (parsed.needsDbUpgrade) problems.push("the database still needs an upgrade (run occ upgrade)");
  return problems;
}

/**
 * After `occ db:convert-type`, every table of the SQLite database must hold the same number of
 * rows in PostgreSQL. Connection from the standard PG* environment variables.
 */
export async function compareSqliteWithPostgres(sqlite: string, database: string): Promise<{ tables: number; differences: string[] }> {
  const sqlite3 = await findBinary("sqlite3", ["sqlite3"], "Install the SQLite client: apt-get install sqlite3.");
  const psql = await findBinary("psql", ["psql"], "Install the PostgreSQL client: apt-get install postgresql-client.");
  const run = async (binary: string, args: string[], what: string) => {
    const result = await execa(binary, args, { reject: false });
    if (result.exitCode !== 0) throw new PlatformError(`${what}: ${result.stderr.trim().split("\n")[0]}`, "Check the path and the PG* connection variables.");
    return result.stdout;
  };
  const tables = (await run(sqlite3, ["-readonly", sqlite, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"], `cannot read ${sqlite}`)).split("\n").filter(Boolean);
  if (tables.length === 0) throw new PlatformError(`${sqlite} has no tables`, "Pass Nextcloud's owncloud.db (data/owncloud.db on the old box).");
  const countsSql = (quote: string) => tables.map((table) => `SELECT '${table}', count(*) FROM ${quote}${table}${quote}`).join(" UNION ALL ");
  const parse = (text: string, separator: string) => new Map(text.split("\n").filter(Boolean).map((line) => line.split(separator) as [string, string]));
  const before = parse(await run(sqlite3, ["-readonly", "-separator", "\t", sqlite, `${countsSql('"')};`], `cannot count rows in ${sqlite}`), "\t");
  const present = new Set((await run(psql, ["-X", "-At", "-d", database, "-c", "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"], `cannot reach PostgreSQL database ${database}`)).split("\n"));
  const missing = tables.filter((table) => !present.has(table));
  const counted = tables.filter((table) => present.has(table));
  const after = counted.length === 0 ? new Map<string, string>() : parse(await run(psql, ["-X", "-At", "-F", "\t", "-d", database, "-c", counted.map((table) => `SELECT '${table}', count(*) FROM "${table}"`).join(" UNION ALL ")], `cannot count rows in ${database}`), "\t");
  const differences = [
    ...missing.map((table) => `${table}: missing in PostgreSQL`),
    ...counted.filter((table) => before.get(table) !== after.get(table)).map((table) => `${table}: ${before.get(table)} rows in SQLite, ${after.get(table)} in PostgreSQL`),
  ];
  return { tables: tables.length, differences };
}
