import { execa } from "execa";
import { PlatformError } from "../errors.ts";
import { findBinary } from "../services/common.ts";

/**
 * Mail-in-a-Box's users database ($STORAGE_ROOT/mail/users.sqlite), read with Debian's sqlite3
 * client, read-only. Schema from setup/mail-users.sh: users(email, password, extra,
 * privileges, quota), aliases and auto_aliases(source, destination, permitted_senders),
 * mfa(user_id, type, secret, mru_token, label). Older boxes have no quota column.
 */

export interface MiabUser {
  id: number;
  email: string;
  /** `{SCHEME}hash` as Dovecot reads it; never printed. */
  password: string;
  privileges: string[];
  /** Dovecot quota: "0" (none), bytes, or a number with M or G; undefined on boxes before quotas. */
  quota?: string;
}

export interface MiabAlias {
  source: string;
  destinations: string[];
  permittedSenders?: string[];
  auto: boolean;
}

export interface MiabDatabase {
  users: MiabUser[];
  aliases: MiabAlias[];
  mfa: Array<{ email: string; type: string; label?: string }>;
}

const fix = "Install the SQLite client: apt-get install sqlite3 (make migrate-deps does it).";

async function query(binary: string, path: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const result = await execa(binary, ["-readonly", "-bail", "-json", path, sql], { reject: false, stdin: "ignore" });
  if (result.exitCode !== 0) {
    const cause = result.stderr.trim().split("\n")[0]?.replace(/^(Error|Parse error):\s*(in prepare,\s*)?/i, "") ?? "unknown error";
    throw new PlatformError(`${path} is not a readable SQLite database (sqlite3: ${cause})`, "Copy users.sqlite from the box again (sqlite3 users.sqlite '.backup copy.sqlite' on the box makes a consistent copy) and check it arrived whole.");
  }
  return result.stdout.trim() === "" ? [] : (JSON.parse(result.stdout) as Array<Record<string, unknown>>);
}

const list = (value: unknown) =>
  String(value ?? "")
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");

export async function readMiabDatabase(path: string): Promise<MiabDatabase> {
  const binary = await findBinary("sqlite3", ["sqlite3"], fix);
  // quick_check reads every page: a truncated or damaged copy fails here, before anything is written.
  const check = await query(binary, path, "PRAGMA quick_check");
  const verdict = String(Object.values(check[0] ?? {})[0] ?? "");
  if (verdict !== "ok") throw new PlatformError(`${path} is damaged (sqlite3 quick_check: ${verdict.split("\n")[0]})`, "Copy users.sqlite from the box again (sqlite3 users.sqlite '.backup copy.sqlite' on the box) and check it arrived whole.");
  const tables = new Set((await query(binary, path, "SELECT name FROM sqlite_master WHERE type = 'table'")).map((row) => String(row.name)));
  for (const table of ["users", "aliases"]) {
    if (!tables.has(table)) throw new PlatformError(`${path} has no ${table} table: it is not Mail-in-a-Box's users database`, "Pass $STORAGE_ROOT/mail/users.sqlite from the box (usually /home/user-data/mail/users.sqlite).");
  }
  const columns = new Set((await query(binary, path, "SELECT name FROM pragma_table_info('users')")).map((row) => String(row.name)));
  const users = (await query(binary, path, `SELECT id, email, password, privileges, ${columns.has("quota") ? "quota" : "NULL AS quota"} FROM users ORDER BY email`)).map((row) => ({
    id: Number(row.id),
    email: String(row.email).toLowerCase(),
    password: String(row.password),
    privileges: list(row.privileges),
    ...(row.quota === null || row.quota === undefined ? {} : { quota: String(row.quota) }),
  }));
  const aliasRows = async (table: string, auto: boolean) =>
    (await query(binary, path, `SELECT source, destination, permitted_senders FROM ${table} ORDER BY source`)).map((row) => ({
      source: String(row.source).toLowerCase(),
      destinations: list(row.destination),
      ...(row.permitted_senders === null || row.permitted_senders === undefined ? {} : { permittedSenders: list(row.permitted_senders) }),
      auto,
    }));
  const aliases = [...(await aliasRows("aliases", false)), ...(tables.has("auto_aliases") ? await aliasRows("auto_aliases", true) : [])];
  const mfa = tables.has("mfa")
    ? (await query(binary, path, "SELECT users.email AS email, mfa.type AS type, mfa.label AS label FROM mfa JOIN users ON users.id = mfa.user_id ORDER BY users.email")).map((row) => ({
        email: String(row.email),
        type: String(row.type),
        ...(row.label ? { label: String(row.label) } : {}),
      }))
    : [];
  return { users, aliases, mfa };
}
