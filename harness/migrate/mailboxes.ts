import { existsSync, readFileSync } from "node:fs";
import { execa } from "execa";
import { parse } from "yaml";
import { z } from "zod";
import { PlatformError, tail } from "../errors.ts";
import { detail, formatSeconds, step } from "../progress.ts";
import { writeAtomic } from "./files.ts";
import { compareInventories, describeImapFailure, inventory, openImap, totals, type Difference, type ImapEndpoint } from "./imap.ts";

/**
 * Mailboxes move with Dovecot's own dsync, run on the destination's storage (`doveadm sync -1
 * -R … imapc:`): the source is read over IMAP as a master user, UIDs, UIDVALIDITY, flags,
 * keywords and dates are kept, and the one-way sync never deletes what only the destination
 * has (mail delivered there after the MX switch). A state file makes a run resumable user by
 * user; each user is verified over IMAP, by a different client, before it counts as done.
 */

export interface MailboxOptions {
  from: ImapEndpoint;
  to: ImapEndpoint;
  users: string[];
  /** How to run doveadm against the destination's storage, e.g. `kubectl -n mailu exec -i deploy/mailu-dovecot -- doveadm`. */
  doveadm: string[];
  state: string;
  /** The final run at cutover: every user again (only what arrived since is copied), new mail at the destination allowed. */
  delta: boolean;
  dryRun: boolean;
}

const userState = z.object({
  status: z.enum(["done", "failed"]),
  runs: z.number(),
  finishedAt: z.string(),
  messages: z.number().optional(),
  folders: z.number().optional(),
  bytes: z.number().optional(),
  seconds: z.number().optional(),
  error: z.string().optional(),
});
const stateSchema = z.object({ version: z.literal(1), from: z.string(), to: z.string(), users: z.record(z.string(), userState) });
type State = z.infer<typeof stateSchema>;

export interface UserResult {
  user: string;
  status: "done" | "failed" | "skipped" | "planned";
  messages: number;
  folders: number;
  bytes: number;
  seconds: number;
  differences: Difference[];
  toCopy?: number;
}

/** The users to move: Mailu config-import YAML/JSON (its `user` list) or one address per line. */
export function readUsersFile(path: string): string[] {
  if (!existsSync(path)) throw new PlatformError(`the users file ${path} does not exist`, "Pass the config-import file `platform migrate mail-users --out` wrote, or a file with one address per line.");
  const text = readFileSync(path, "utf8");
  let users: string[];
  try {
    const data = parse(text) as unknown;
    users = data && typeof data === "object" && "user" in data ? z.array(z.object({ email: z.string() }).loose()).parse((data as { user: unknown }).user).map((user) => user.email) : [];
  } catch {
    users = [];
  }
  if (users.length === 0) users = text.split("\n").map((line) => line.replace(/#.*/, "").trim()).filter((line) => line !== "");
  const bad = users.find((user) => !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(user));
  if (bad !== undefined) throw new PlatformError(`${path}: "${bad}" is not a mail address`, "List one address per line, or pass the config-import YAML from `platform migrate mail-users`.");
  return [...new Set(users.map((user) => user.toLowerCase()))];
}

function loadState(path: string, options: MailboxOptions): State {
  if (!existsSync(path)) return { version: 1, from: options.from.url, to: options.to.url, users: {} };
  const parsed = stateSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) throw new PlatformError(`${path} is not a mailbox migration state file`, "Pass another --state file, or remove this one to start over (copies already made are kept; dsync skips them).");
  if (parsed.data.from !== options.from.url || parsed.data.to !== options.to.url) {
    throw new PlatformError(`${path} belongs to a migration from ${parsed.data.from} to ${parsed.data.to}`, "Use a separate --state file for each pair of servers.");
  }
  return parsed.data;
}

/** The imapc settings of one user's copy; the password is given on the command line of doveadm only. */
export function dsyncArguments(from: ImapEndpoint, user: string): string[] {
  const settings: Record<string, string> = {
    imapc_host: from.host,
    imapc_port: String(from.port),
    imapc_ssl: from.secure ? "imaps" : "no",
    ...(from.secure ? { ssl_client_ca_dir: "/etc/ssl/certs" } : {}),
    imapc_user: user,
    ...(from.master ? { imapc_master_user: from.login } : {}),
    imapc_password: from.password,
    // rfc822.size and fetch-headers let dsync match messages without downloading them again;
    // without modseq a delta run misses flag-only changes (seen in the tests: \Answered added on
    // the source never reached the destination). Mail-in-a-Box's Dovecot has CONDSTORE.
    imapc_features: "rfc822.size fetch-headers modseq",
    mail_prefetch_count: "20",
    mail_fsync: "never",
  };
  return [...Object.entries(settings).flatMap(([key, value]) => ["-o", `${key}=${value}`]), "sync", "-1", "-R", "-u", user, "imapc:"];
}

function redact(text: string, secret: string): string {
  return secret ? text.replaceAll(secret, "***") : text;
}

/** One user's copy. doveadm exits 2 when mail changed during the sync: run it again, as documented. */
async function copyUser(options: MailboxOptions, user: string): Promise<void> {
  const [binary, ...prefix] = options.doveadm;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const result = await execa(binary!, [...prefix, ...dsyncArguments(options.from, user)], { reject: false, all: true, stdin: "ignore" });
    if (result.exitCode === 0) return;
    if (result.exitCode === 2 && attempt < 3) continue;
    const output = redact(tail(result.all, 4), options.from.password);
    if ((result as { code?: string }).code === "ENOENT") throw new PlatformError(`cannot run ${binary}: not found`, "Install Dovecot's doveadm, or point --doveadm at the destination (e.g. --doveadm 'kubectl -n mailu exec -i deploy/mailu-dovecot -- doveadm').");
    throw new PlatformError(`doveadm sync for ${user} failed (${result.exitCode ?? result.signal}): ${output.split("\n").find((line) => /Error:/.test(line))?.replace(/^.*Error:\s*/, "") ?? output}`, "Read the error; rerun the same command: users already done are skipped and dsync continues where it stopped.");
  }
}

/** Logs in to both ends as the first user before anything is written, so bad input changes nothing. */
async function preflight(options: MailboxOptions): Promise<void> {
  const first = options.users[0]!;
  for (const endpoint of [options.from, options.to]) {
    const client = await openImap(endpoint, first);
    await client.logout().catch(() => undefined);
  }
  const [binary, ...prefix] = options.doveadm;
  const probe = await execa(binary!, [...prefix, "user", first], { reject: false, all: true, stdin: "ignore" });
  if ((probe as { code?: string }).code === "ENOENT") throw new PlatformError(`cannot run ${binary}: not found`, "Install Dovecot's doveadm, or point --doveadm at the destination (e.g. --doveadm 'kubectl -n mailu exec -i deploy/mailu-dovecot -- doveadm').");
  if (probe.exitCode !== 0) throw new PlatformError(`the destination's doveadm does not know ${first}: ${tail(probe.all, 1)}`, "Import the users into Mailu first (platform migrate mail-users), and check --doveadm reaches Mailu's Dovecot.");
}

export async function migrateMailboxes(options: MailboxOptions): Promise<UserResult[]> {
  if (options.users.length === 0) throw new PlatformError("the users file lists nobody", "List at least one address.");
  step(`checking ${options.from.url} and ${options.to.url}`);
  await preflight(options).catch((error: unknown) => {
    throw error instanceof PlatformError ? error : describeImapFailure(options.from, error);
  });
  const state = loadState(options.state, options);
  const results: UserResult[] = [];
  const saveState = () => writeAtomic(options.state, `${JSON.stringify(state, null, 2)}\n`);
  // The check of one user runs while the next user is copied: the verification costs little wall time.
  let checking: Promise<void> = Promise.resolve();
  for (const [index, user] of options.users.entries()) {
    const label = `[${index + 1}/${options.users.length}] ${user}`;
    const previous = state.users[user];
    if (previous?.status === "done" && !options.delta && !options.dryRun) {
      detail(`${label}: done in an earlier run, skipped (--delta copies what arrived since)`);
      results.push({ user, status: "skipped", messages: previous.messages ?? 0, folders: previous.folders ?? 0, bytes: previous.bytes ?? 0, seconds: 0, differences: [] });
      continue;
    }
    if (options.dryRun) {
      const [source, destination] = await Promise.all([inventory(options.from, user), inventory(options.to, user)]);
      const from = totals(source);
      const toCopy = Math.max(0, from.messages - totals(destination).messages);
      step(`${label}: ${from.messages} messages in ${from.folders} folders (${(from.bytes / 1024 ** 2).toFixed(1)} MiB) at the source; about ${toCopy} to copy`);
      results.push({ user, status: "planned", ...from, seconds: 0, differences: [], toCopy });
      continue;
    }
    step(`${label}: copying`);
    const started = performance.now();
    try {
      await copyUser(options, user);
    } catch (error) {
      await checking;
      state.users[user] = { status: "failed", runs: (previous?.runs ?? 0) + 1, finishedAt: new Date().toISOString(), error: (error as Error).message };
      await saveState();
      throw error;
    }
    await checking;
    checking = (async () => {
      const [source, destination] = await Promise.all([inventory(options.from, user), inventory(options.to, user)]);
      const differences = compareInventories(source, destination, { allowNewAtDestination: options.delta });
      const result: UserResult = { user, status: differences.length === 0 ? "done" : "failed", ...totals(source), seconds: (performance.now() - started) / 1000, differences };
      state.users[user] = {
        status: result.status === "done" ? "done" : "failed",
        runs: (previous?.runs ?? 0) + 1,
        finishedAt: new Date().toISOString(),
        messages: result.messages,
        folders: result.folders,
        bytes: result.bytes,
        seconds: Number(result.seconds.toFixed(2)),
        ...(differences.length > 0 ? { error: `${differences.length} differences` } : {}),
      };
      await saveState();
      const rate = result.messages / Math.max(result.seconds, 0.001);
      detail(`${label}: ${result.messages} messages, ${result.folders} folders, ${(result.bytes / 1024 ** 2).toFixed(1)} MiB in ${formatSeconds(result.seconds * 1000)} (${rate.toFixed(0)} msgs/s); ${differences.length === 0 ? "both sides equal" : `${differences.length} differences`}`);
      for (const difference of differences.slice(0, 20)) detail(`  ${difference.folder}: ${difference.problem}`);
      results.push(result);
    })();
  }
  await checking;
  return results;
}
