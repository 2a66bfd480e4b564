import { execa } from "execa";

/** The schema setup/mail-users.sh creates on a Mail-in-a-Box (v57+, with quotas and mfa). */
export const miabSchema = `
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE, password TEXT NOT NULL, extra, privileges TEXT NOT NULL DEFAULT '', quota TEXT NOT NULL DEFAULT '0');
CREATE TABLE aliases (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL UNIQUE, destination TEXT NOT NULL, permitted_senders TEXT);
CREATE TABLE mfa (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL, type TEXT NOT NULL, secret TEXT NOT NULL, mru_token TEXT, label TEXT, FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE);
CREATE TABLE auto_aliases (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL UNIQUE, destination TEXT NOT NULL, permitted_senders TEXT);
`;

/** A password hashed the way Mail-in-a-Box does it (mailconfig.py hash_password: doveadm pw -s SHA512-CRYPT). */
export async function miabHash(password: string): Promise<string> {
  return (await execa("doveadm", ["pw", "-s", "SHA512-CRYPT", "-p", password])).stdout.trim();
}

const quote = (value: string | null) => (value === null ? "NULL" : `'${value.replaceAll("'", "''")}'`);

export interface MiabFixtureUser {
  email: string;
  password: string;
  privileges?: string;
  quota?: string;
  /** A stored hash other than SHA512-CRYPT, as an old or hand-edited box may hold. */
  rawHash?: string;
}

/** Builds a users.sqlite exactly as a box holds it, with the sqlite3 client. */
export async function writeMiabDatabase(path: string, users: MiabFixtureUser[], aliases: Array<[string, string, string | null]>, autoAliases: Array<[string, string]>, mfa: Array<[string, string]> = []): Promise<void> {
  const statements = [miabSchema];
  for (const user of users) {
    const hash = user.rawHash ?? (await miabHash(user.password));
    statements.push(`INSERT INTO users (email, password, privileges, quota) VALUES (${quote(user.email)}, ${quote(hash)}, ${quote(user.privileges ?? "")}, ${quote(user.quota ?? "0")});`);
  }
  for (const [source, destination, permitted] of aliases) statements.push(`INSERT INTO aliases (source, destination, permitted_senders) VALUES (${quote(source)}, ${quote(destination)}, ${quote(permitted)});`);
  for (const [source, destination] of autoAliases) statements.push(`INSERT INTO auto_aliases (source, destination) VALUES (${quote(source)}, ${quote(destination)});`);
  for (const [email, label] of mfa) statements.push(`INSERT INTO mfa (user_id, type, secret, label) SELECT id, 'totp', 'JBSWY3DPEHPK3PXP', ${quote(label)} FROM users WHERE email = ${quote(email)};`);
  await execa("sqlite3", [path], { input: statements.join("\n") });
}
