import { existsSync, statSync } from "node:fs";
import { copyFile, mkdtemp, readFile, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { mailuImportSchema, toMailuImport } from "../../harness/migrate/mailu-import.ts";
import { readMiabDatabase } from "../../harness/migrate/miab-users.ts";
import { writeMiabDatabase, type MiabFixtureUser } from "../support/miab.ts";
import { platform } from "../support/tree.ts";

// A users.sqlite built with Mail-in-a-Box's own schema and hashes made the way it makes them
// (doveadm pw -s SHA512-CRYPT); hashes are checked against the passwords with Dovecot itself.
const users: MiabFixtureUser[] = [
  { email: "admin@example.org", password: "admin pass ✓", privileges: "admin", quota: "0" },
  { email: "anna@example.org", password: "Anna's $ecret", quota: "2G" },
  { email: "bob@example.org", password: "bob-pw", quota: "500M" },
  { email: "carl@example.net", password: "carl-pw", quota: "1048576" },
  { email: "old@example.net", password: "unused", rawHash: "{PLAIN-MD5}1a1dc91c907325c69271ddf0c944bc72" },
];

describe("platform migrate mail-users", () => {
  let dir: string;
  let db: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "migrate-users-"));
    db = join(dir, "users.sqlite");
    await writeMiabDatabase(
      db,
      users,
      [
        ["info@example.org", "anna@example.org,bob@example.org", null],
        ["sales@example.org", "anna@example.org,partner@elsewhere.com", "anna@example.org"],
        ["@example.org", "admin@example.org", null],
        ["@alias-domain.org", "@example.org", null],
        ["noreply@example.org", "", "bob@example.org"],
        ["team@example.net", "carl@example.net", "anna@example.org"],
      ],
      [
        ["postmaster@example.org", "administrator@box.example.org"],
        ["abuse@example.net", "administrator@box.example.org"],
        ["@bücher.example", "@xn--bcher-kva.example"],
      ],
      [["admin@example.org", "phone"]],
    );
  });

  it("reads the database: users, aliases, automatic aliases, two-factor entries", async () => {
    const database = await readMiabDatabase(db);
    expect(database.users.map((user) => user.email)).toEqual(users.map((user) => user.email).sort());
    expect(database.aliases).toHaveLength(9);
    expect(database.mfa).toEqual([{ email: "admin@example.org", type: "totp", label: "phone" }]);
  });

  it("writes Mailu's config-import YAML with every hash unchanged, quotas, admins, aliases and catch-alls; never prints a hash", async () => {
    const out = join(dir, "mailu-import.yaml");
    const result = await platform(["migrate", "mail-users", "--miab-db", db, "--out", out]);
    expect(result.exitCode, result.all).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const config = mailuImportSchema.parse(parse(await readFile(out, "utf8")));
    const database = await readMiabDatabase(db);
    for (const line of result.all!.split("\n")) expect(line).not.toMatch(/\$6\$/);
    for (const user of database.users) expect(result.all).not.toContain(user.password.slice(-20));

    // Each SHA512-CRYPT hash still verifies the user's password with Dovecot: nobody needs a new one.
    for (const user of users.filter((u) => !u.rawHash)) {
      const imported = config.user.find((entry) => entry.email === user.email)!;
      expect(imported.hash_password).toBeUndefined();
      const check = await execa("doveadm", ["pw", "-t", imported.password, "-p", user.password], { reject: false });
      expect(check.exitCode, `${user.email}: ${check.stderr}`).toBe(0);
    }
    expect(config.user.find((user) => user.email === "admin@example.org")).toMatchObject({ global_admin: true, quota_bytes: 0 });
    expect(config.user.find((user) => user.email === "anna@example.org")).toMatchObject({ global_admin: false, quota_bytes: 2 * 1024 ** 3 });
    expect(config.user.find((user) => user.email === "bob@example.org")?.quota_bytes).toBe(500 * 1024 ** 2);
    expect(config.user.find((user) => user.email === "carl@example.net")?.quota_bytes).toBe(1048576);
    expect(config.domain).toEqual([{ name: "example.net" }, { name: "example.org", alternatives: ["alias-domain.org"] }]);
    expect(config.alias).toEqual(
      expect.arrayContaining([
        { email: "%@example.org", destination: ["admin@example.org"], wildcard: true },
        { email: "info@example.org", destination: ["anna@example.org", "bob@example.org"], wildcard: false },
        { email: "sales@example.org", destination: ["anna@example.org", "partner@elsewhere.com"], wildcard: false },
        { email: "postmaster@example.org", destination: ["administrator@box.example.org"], wildcard: false, comment: "automatic alias on Mail-in-a-Box" },
      ]),
    );
  });

  it("lists what cannot move instead of dropping it: unknown hash, send-only alias, sender rights, two-factor", async () => {
    const migration = toMailuImport(await readMiabDatabase(db));
    const what = migration.notMoved.map((item) => item.what);
    expect(what).toEqual(
      expect.arrayContaining([
        "old@example.net: password",
        expect.stringMatching(/^alias noreply@example\.org \(send-only/),
        "alias team@example.net: permitted senders anna@example.org",
        "admin@example.org: two-factor (totp, phone)",
      ]),
    );
    // The account with the unusable hash still exists (its mail is accepted) but needs a reset.
    expect(migration.config.user.find((user) => user.email === "old@example.net")).toMatchObject({ hash_password: true, comment: "password reset needed after migration" });
    expect(migration.notes.join("\n")).toContain("@bücher.example");
    // sales@ lets only anna send, and anna is its only local destination: Mailu behaves the same.
    expect(what.some((entry) => entry.startsWith("alias sales@"))).toBe(false);
  });

  it("checks Mailu's export after the import and names whatever is missing", async () => {
    const out = join(dir, "check.yaml");
    await platform(["migrate", "mail-users", "--miab-db", db, "--out", out]);
    const config = parse(await readFile(out, "utf8"));
    const exportPath = join(dir, "export.json");
    await writeFile(exportPath, JSON.stringify(config));
    expect((await platform(["migrate", "mail-users", "--miab-db", db, "--check-export", exportPath])).exitCode).toBe(0);
    config.user = config.user.filter((user: { email: string }) => user.email !== "bob@example.org");
    config.alias[0].destination = ["someone@else.org"];
    await writeFile(exportPath, JSON.stringify(config));
    const result = await platform(["migrate", "mail-users", "--miab-db", db, "--check-export", exportPath]);
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain("missing in Mailu: user bob@example.org");
    expect(result.all).toMatch(/missing in Mailu: alias %@example\.org: destinations someone@else\.org instead of admin@example\.org/);
  });

  describe("malformed input: one line, nothing written", () => {
    const cases: Array<[string, (path: string) => Promise<void>, RegExp]> = [
      ["a corrupt database (pages overwritten)", async (path) => {
        await copyFile(db, path);
        const bytes = await readFile(path);
        bytes.fill(0x5a, 4096, 8192);
        await writeFile(path, bytes);
      }, /is (not a readable SQLite database|damaged) \(sqlite3: .*(malformed|not a database|corrupt).*\)/],
      ["a truncated database", async (path) => {
        await copyFile(db, path);
        await truncate(path, 5000);
      }, /is (not a readable SQLite database|damaged) \(sqlite3: .*\)/],
      ["not a database at all", async (path) => writeFile(path, "this is a zone file, not a database\n".repeat(200)), /is not a readable SQLite database \(sqlite3: file is not a database/],
      ["another SQLite database", async (path) => void (await execa("sqlite3", [path, "CREATE TABLE notes (x)"])), /has no users table: it is not Mail-in-a-Box's users database/],
    ];
    for (const [name, make, message] of cases) {
      it(name, async () => {
        const path = join(dir, `${name.replaceAll(/\W+/g, "-")}.sqlite`);
        await make(path);
        const out = join(dir, `${name.replaceAll(/\W+/g, "-")}.yaml`);
        const result = await platform(["migrate", "mail-users", "--miab-db", path, "--out", out]);
        expect(result.exitCode, result.all).toBe(2);
        const errors = result.all!.split("\n").filter((line) => line.startsWith("error:"));
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatch(message);
        expect(existsSync(out)).toBe(false);
      });
    }
  });
});
