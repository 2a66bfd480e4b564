import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { inventory, openImap, parseImapUrl, totals, type ImapEndpoint } from "../../harness/migrate/imap.ts";
import { freePort } from "../../harness/processes.ts";
import { startDovecot, type LocalDovecot } from "../../harness/services/dovecot.ts";
import { standardUsers, writeMiabMailSet, type MailSet } from "../support/mailset.ts";
import { platform } from "../support/tree.ts";

// Two real Dovecot servers: the old box (Maildir at <domain>/<user>, like Mail-in-a-Box) and
// Mailu (Maildir at <address>). The command runs as a user runs it, in its own process.
const master = { user: "migrator", password: "master-secret" };

describe("platform migrate mailboxes", () => {
  let source: LocalDovecot;
  let destination: LocalDovecot;
  let dir: string;
  let set: MailSet;
  let usersFile: string;
  let from: ImapEndpoint;
  let to: ImapEndpoint;
  const env = { PLATFORM_MIGRATE_FROM_PASSWORD: master.password, PLATFORM_MIGRATE_TO_PASSWORD: master.password };
  const args = () => ["migrate", "mailboxes", "--from", `imap://${master.user}@127.0.0.1:${source.port}`, "--to", `imap://${master.user}@127.0.0.1:${destination.port}`, "--users", usersFile, "--doveadm", `doveadm -c ${destination.config}`, "--state", join(dir, "state.json")];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "migrate-mailboxes-"));
    const accounts = standardUsers.map(({ email, password }) => ({ email, password }));
    [source, destination] = await Promise.all([startDovecot({ layout: "mail-in-a-box", users: accounts, master }), startDovecot({ layout: "mailu", users: accounts, master })]);
    set = await writeMiabMailSet(source.mailRoot, standardUsers, source);
    usersFile = join(dir, "mailu-import.yaml");
    await writeFile(usersFile, stringify({ user: standardUsers.map(({ email }) => ({ email, password: "{SHA512-CRYPT}$6$x$y", global_admin: false, quota_bytes: 0, enabled: true })) }));
    from = parseImapUrl(`imap://${master.user}@127.0.0.1:${source.port}`, "P", { P: master.password });
    to = parseImapUrl(`imap://${master.user}@127.0.0.1:${destination.port}`, "P", { P: master.password });
  });
  afterAll(async () => {
    await source?.stop();
    await destination?.stop();
  });

  it("generates at least 1,000 messages across nested and non-ASCII folders with large attachments", async () => {
    expect(set.messages).toBeGreaterThanOrEqual(1000);
    const anna = await inventory(from, "anna@example.org");
    expect([...anna.keys()]).toEqual(expect.arrayContaining(["INBOX", "Archive.2023.Q4", "Projekte.Ærø", "日本語", "Entwürfe alt", "Reçus"]));
    expect(existsSync(join(source.mailRoot, "example.org", "anna", ".Projekte.&AMY-r&APg-"))).toBe(true);
  });

  describe("malformed input: one line, nothing at the destination", () => {
    const cases: Array<[string, () => Promise<{ args: string[]; env: Record<string, string> }>, RegExp]> = [
      ["an unreachable source", async () => {
        const closed = await freePort();
        return { args: args().map((arg) => arg.replace(`127.0.0.1:${source.port}`, `127.0.0.1:${closed}`)), env };
      }, /cannot reach imap:\/\/migrator@127\.0\.0\.1:\d+: ECONNREFUSED/],
      ["a wrong source password", async () => ({ args: args(), env: { ...env, PLATFORM_MIGRATE_FROM_PASSWORD: "wrong" } }), /imap:\/\/migrator@127\.0\.0\.1:\d+ refused the login of migrator/],
      ["a wrong destination password", async () => ({ args: args(), env: { ...env, PLATFORM_MIGRATE_TO_PASSWORD: "wrong" } }), /refused the login of migrator/],
      ["no password in the environment", async () => ({ args: args(), env: { PLATFORM_MIGRATE_TO_PASSWORD: "x" } }), /PLATFORM_MIGRATE_FROM_PASSWORD is not set/],
    ];
    for (const [name, input, message] of cases) {
      it(name, async () => {
        const { args: argv, env: environment } = await input();
        const result = await platform(argv, environment);
        expect(result.exitCode, result.all).toBe(2);
        const errors = result.all!.split("\n").filter((line) => line.startsWith("error:"));
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatch(message);
        expect(result.all).not.toContain(master.password);
        expect(readdirSync(destination.mailRoot)).toEqual([]);
      });
    }
  });

  it("dry run: counts both sides, copies nothing", async () => {
    const result = await platform([...args(), "--dry-run"], env);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain(`dry run: 3 users, ${set.messages} messages`);
    // Logging in makes Dovecot create the empty INBOX, as any first login does; no message moves.
    const files = (await execa("find", [destination.mailRoot, "-path", "*/cur/*", "-o", "-path", "*/new/*"])).stdout.trim();
    expect(files).toBe("");
  });

  it("copies every mailbox: 0 messages lost, flags and folders equal, per-user progress, verified on both sides", async () => {
    const result = await platform(args(), env);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(/\[1\/3\] anna@example\.org: \d+ messages, 12 folders, .* both sides equal/);
    expect(result.all).toContain(`mailboxes: 3 copied and verified, 0 already done, 0 with differences; ${set.messages} messages`);
    expect(result.all).not.toContain(master.password);
    // Mailu's layout: one Maildir per full address.
    expect(readdirSync(destination.mailRoot).sort()).toEqual(["anna@example.org", "bob@example.org", "carl@example.net"]);
    let messages = 0;
    for (const { email } of standardUsers) {
      const [a, b] = await Promise.all([inventory(from, email), inventory(to, email)]);
      for (const [name, folder] of a) {
        expect(b.get(name)?.count, `${email} ${name}`).toBe(folder.count);
        expect(b.get(name)?.messages, `${email} ${name}`).toEqual(folder.messages);
      }
      messages += totals(b).messages;
    }
    expect(messages).toBe(set.messages);
    const state = JSON.parse(await readFile(join(dir, "state.json"), "utf8"));
    expect(Object.values(state.users).map((user) => (user as { status: string }).status)).toEqual(["done", "done", "done"]);
  });

  it("resumes: a second run skips users already done", async () => {
    const result = await platform(args(), env);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain("mailboxes: 0 copied and verified, 3 already done");
  });

  it("interrupted halfway (Ctrl-C during a copy), the same command finishes the job: nothing lost, nothing twice", async () => {
    const accounts = standardUsers.map(({ email, password }) => ({ email, password }));
    const fresh = await startDovecot({ layout: "mailu", users: accounts, master });
    try {
      const state = join(dir, "interrupted.json");
      const argv = args().map((arg) => arg.replace(`127.0.0.1:${destination.port}`, `127.0.0.1:${fresh.port}`).replace(destination.config, fresh.config).replace(join(dir, "state.json"), state));
      const first = platform(argv, env);
      // Stop it as soon as the first user is recorded: the second is being copied then.
      while (!existsSync(state) && first.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 100));
      first.kill("SIGINT");
      const stopped = await first;
      expect(stopped.exitCode === 0 && stopped.all?.includes("3 copied")).toBe(false);
      const second = await platform(argv, env);
      expect(second.exitCode, second.all).toBe(0);
      expect(second.all).toMatch(/already done/);
      const freshEnd = parseImapUrl(`imap://${master.user}@127.0.0.1:${fresh.port}`, "P", { P: master.password });
      let messages = 0;
      for (const { email } of standardUsers) {
        const [a, b] = await Promise.all([inventory(from, email), inventory(freshEnd, email)]);
        for (const [name, folder] of a) expect(b.get(name)?.messages, `${email} ${name}`).toEqual(folder.messages);
        messages += totals(b).messages;
      }
      expect(messages).toBe(set.messages);
    } finally {
      await fresh.stop();
    }
  });

  it("final delta run copies only what arrived since, with flag changes, and keeps mail already delivered to the destination", async () => {
    const old = await openImap(from, "bob@example.org");
    await old.append("INBOX", "Message-ID: <late-1@gen.test>\nSubject: arrived after the first copy\n\nhello\n", ["\\Seen"]);
    await old.append("Projekte.Ærø", "Message-ID: <late-2@gen.test>\nSubject: late\n\nhello\n", []);
    await old.mailboxOpen("INBOX");
    await old.messageFlagsAdd("1:3", ["\\Flagged", "$Label1"]);
    await old.logout();
    const fresh = await openImap(to, "bob@example.org");
    await fresh.append("INBOX", "Message-ID: <after-mx-switch@gen.test>\nSubject: delivered by Mailu\n\nhi\n", []);
    await fresh.logout();

    const result = await platform([...args(), "--delta"], env);
    expect(result.exitCode, result.all).toBe(0);
    const [a, b] = await Promise.all([inventory(from, "bob@example.org"), inventory(to, "bob@example.org")]);
    expect(b.get("INBOX")!.messages.get("<late-1@gen.test>")).toEqual(["\\Seen"]);
    expect(b.get("Projekte.Ærø")!.messages.has("<late-2@gen.test>")).toBe(true);
    expect(b.get("INBOX")!.messages.has("<after-mx-switch@gen.test>")).toBe(true);
    for (const [id, flags] of a.get("INBOX")!.messages) expect(b.get("INBOX")!.messages.get(id), id).toEqual(flags);
    expect(b.get("INBOX")!.count).toBe(a.get("INBOX")!.count + 1);
  });
});
