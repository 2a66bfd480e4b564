import { ImapFlow } from "imapflow";
import { PlatformError } from "../errors.ts";

/**
 * What a mailbox holds, read over IMAP with an independent client (imapflow), so the check
 * after a copy never trusts the engine that did the copy. Logins are SASL PLAIN as a master
 * user on behalf of each account (authzid), or with the account's own password.
 */

export interface ImapEndpoint {
  url: string;
  host: string;
  port: number;
  secure: boolean;
  /** The login that authenticates: a master user (authzid = the account) or the account itself. */
  login: string;
  password: string;
  master: boolean;
}

export interface FolderInventory {
  count: number;
  bytes: number;
  /** Message-ID (or size and date when there is none) → the flags of each copy, sorted. */
  messages: Map<string, string[]>;
}

export type Inventory = Map<string, FolderInventory>;

/** imap://user@host:port or imaps://…; the password comes from the environment variable named. */
export function parseImapUrl(url: string, passwordVariable: string, env: NodeJS.ProcessEnv = process.env): ImapEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PlatformError(`${url} is not an IMAP URL`, "Write it as imaps://<master user>@<host>:993 (or imap://… on a trusted network).");
  }
  if (parsed.protocol !== "imap:" && parsed.protocol !== "imaps:") throw new PlatformError(`${url} is not an IMAP URL (scheme ${parsed.protocol})`, "Write it as imaps://<master user>@<host>:993.");
  const login = decodeURIComponent(parsed.username);
  if (!login) throw new PlatformError(`${url} names no login`, "Put the master user in the URL: imaps://<master user>@<host>:993.");
  const password = env[passwordVariable];
  if (!password) throw new PlatformError(`${passwordVariable} is not set`, `Export the password of ${login} for ${parsed.host} in ${passwordVariable}; passwords never go on the command line.`);
  const secure = parsed.protocol === "imaps:";
  return { url: `${parsed.protocol}//${login}@${parsed.host}`, host: parsed.hostname, port: Number(parsed.port || (secure ? 993 : 143)), secure, login, password, master: parsed.searchParams.get("master") !== "no" };
}

/** One line for the two failures users meet: the server is not there, or it refuses the login. */
export function describeImapFailure(endpoint: ImapEndpoint, error: unknown): PlatformError {
  const e = error as { code?: string; message?: string; authenticationFailed?: boolean; responseText?: string };
  if (e.authenticationFailed || /AUTHENTICATIONFAILED|authentication failed/i.test(`${e.responseText ?? ""} ${e.message ?? ""}`)) {
    return new PlatformError(`${endpoint.url} refused the login of ${endpoint.login} (wrong password, or not a master user there)`, "Check the password in the environment variable, and that the server accepts master-user logins (docs/migration.md, Mailu phase).", { cause: error });
  }
  const code = e.code ?? (e.message?.match(/\b(ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|ECONNRESET)\b/)?.[1] ?? e.message);
  return new PlatformError(`cannot reach ${endpoint.url}: ${code}`, "Check the host and port, and that this machine may connect to it.", { cause: error });
}

export async function openImap(endpoint: ImapEndpoint, account: string): Promise<ImapFlow> {
  const auth = endpoint.master
    ? { user: endpoint.login, pass: endpoint.password, authzid: account, loginMethod: "AUTH=PLAIN" }
    : { user: endpoint.login, pass: endpoint.password };
  const client = new ImapFlow({ host: endpoint.host, port: endpoint.port, secure: endpoint.secure, auth, logger: false, connectionTimeout: 15_000, greetingTimeout: 15_000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw describeImapFailure(endpoint, error);
  }
  return client;
}

export async function inventory(endpoint: ImapEndpoint, account: string): Promise<Inventory> {
  const client = await openImap(endpoint, account);
  try {
    const folders: Inventory = new Map();
    for (const box of await client.list()) {
      if (box.flags.has("\\Noselect") || box.flags.has("\\NonExistent")) continue;
      const folder: FolderInventory = { count: 0, bytes: 0, messages: new Map() };
      const lock = await client.getMailboxLock(box.path, { readOnly: true });
      try {
        const exists = typeof client.mailbox === "object" ? client.mailbox.exists : 0;
        if (exists > 0) {
          // Only the Message-ID header: a full envelope costs the server a parse of every header.
          for await (const message of client.fetch("1:*", { headers: ["message-id"], flags: true, size: true, internalDate: true })) {
            const date = message.internalDate instanceof Date ? message.internalDate.toISOString() : String(message.internalDate ?? "");
            const id = message.headers?.toString("utf8").replace(/^message-id:\s*/i, "").replace(/\r?\n\s+/g, " ").trim();
            const key = id || `no-message-id:${message.size}:${date}`;
            const flags = [...(message.flags ?? [])].filter((flag) => flag !== "\\Recent").sort().join(" ");
            folder.messages.set(key, [...(folder.messages.get(key) ?? []), flags].sort());
            folder.count += 1;
            folder.bytes += message.size ?? 0;
          }
        }
      } finally {
        lock.release();
      }
      folders.set(box.path, folder);
    }
    return folders;
  } finally {
    await client.logout().catch(() => undefined);
  }
}

export interface Difference {
  folder: string;
  problem: string;
}

/**
 * Every message of the source must be in the same folder of the destination with the same
 * flags. Messages only the destination has are a difference too, unless new mail may already
 * arrive there (the final delta run after the MX switch).
 */
export function compareInventories(source: Inventory, destination: Inventory, options: { allowNewAtDestination: boolean }): Difference[] {
  const differences: Difference[] = [];
  for (const [name, from] of source) {
    const to = destination.get(name);
    if (!to) {
      if (from.count > 0) differences.push({ folder: name, problem: `missing at the destination (${from.count} messages)` });
      continue;
    }
    if (options.allowNewAtDestination ? to.count < from.count : to.count !== from.count) differences.push({ folder: name, problem: `${from.count} messages at the source, ${to.count} at the destination` });
    for (const [id, flags] of from.messages) {
      const copies = to.messages.get(id) ?? [];
      if (copies.length < flags.length) {
        differences.push({ folder: name, problem: `message ${id} missing (${flags.length} at the source, ${copies.length} at the destination)` });
      } else if (copies.length === flags.length && copies.join("|") !== flags.join("|")) {
        differences.push({ folder: name, problem: `message ${id}: flags [${flags.join("|")}] at the source, [${copies.join("|")}] at the destination` });
      }
    }
    if (!options.allowNewAtDestination) {
      for (const [id, copies] of to.messages) if (!from.messages.has(id)) differences.push({ folder: name, problem: `message ${id} only at the destination (${copies.length})` });
    }
  }
  if (!options.allowNewAtDestination) {
    for (const [name, to] of destination) if (!source.has(name) && to.count > 0) differences.push({ folder: name, problem: `only at the destination (${to.count} messages)` });
  }
  return differences;
}

export function totals(inventory: Inventory): { folders: number; messages: number; bytes: number } {
  let messages = 0;
  let bytes = 0;
  for (const folder of inventory.values()) {
    messages += folder.count;
    bytes += folder.bytes;
  }
  return { folders: inventory.size, messages, bytes };
}
