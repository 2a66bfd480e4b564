import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { MiabDatabase, MiabUser } from "./miab-users.ts";

/**
 * Mailu's `flask mailu config-import` input (core/admin/mailu/schemas.py, Mailu 2024.06): lists
 * of domain, user and alias. A user's `password` may be a crypt hash as Dovecot stores it:
 * Mailu strips a `{SHA512-CRYPT}`-style prefix and keeps the hash, so nobody needs a new
 * password. Catch-alls are wildcard aliases whose local part is an SQL LIKE pattern (`%`).
 */

export const mailuImportSchema = z.object({
  domain: z.array(z.object({ name: z.string(), alternatives: z.array(z.string()).optional() })),
  user: z.array(
    z.object({
      email: z.string().includes("@"),
      password: z.string().min(1),
      hash_password: z.boolean().optional(),
      global_admin: z.boolean(),
      quota_bytes: z.number().int().min(0),
      enabled: z.boolean(),
      comment: z.string().optional(),
    }),
  ),
  alias: z.array(z.object({ email: z.string().includes("@"), destination: z.array(z.string()).min(1), wildcard: z.boolean(), comment: z.string().optional() })),
});
export type MailuImport = z.infer<typeof mailuImportSchema>;

export interface NotMoved {
  what: string;
  reason: string;
  action: string;
}

export interface MailUsersMigration {
  config: MailuImport;
  /** Per user, the hash scheme kept (never the hash). */
  users: Array<{ email: string; scheme: string; admin: boolean; quotaBytes: number }>;
  notMoved: NotMoved[];
  notes: string[];
}

/** Schemes Mailu's passlib context identifies (schemas.py PasswordField._hashes). */
const cryptFormats: Record<string, RegExp> = {
  "SHA512-CRYPT": /^\$6\$(rounds=\d+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}$/,
  "SHA256-CRYPT": /^\$5\$(rounds=\d+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{43}$/,
  "BLF-CRYPT": /^\$2[abxy]?\$\d\d\$[./0-9A-Za-z]{53}$/,
  "MD5-CRYPT": /^\$1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}$/,
};

export function hashScheme(password: string): { scheme: string; usable: boolean } {
  const match = password.match(/^\{([A-Z0-9.-]+)\}(.*)$/s);
  const scheme = match?.[1] ?? "none";
  const hash = match?.[2] ?? password;
  const format = cryptFormats[scheme];
  return { scheme, usable: format !== undefined && format.test(hash) };
}

/** Dovecot's size suffixes are binary (1M = 1024² bytes); "0" is no quota, as in Mailu. */
export function quotaBytes(quota: string | undefined): number | undefined {
  if (quota === undefined) return 0;
  const match = quota.trim().toUpperCase().match(/^(\d+)([KMGT]?)$/);
  if (!match) return undefined;
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[match[2]!]!;
  return Number(match[1]) * unit;
}

const domainOf = (address: string) => address.slice(address.lastIndexOf("@") + 1);

function convertUser(user: MiabUser, notMoved: NotMoved[], migrated: MailUsersMigration["users"]): MailuImport["user"][number] {
  const { scheme, usable } = hashScheme(user.password);
  const admin = user.privileges.includes("admin");
  for (const privilege of user.privileges.filter((p) => p !== "admin")) {
    notMoved.push({ what: `${user.email}: privilege "${privilege}"`, reason: "Mailu knows only global admin and domain manager", action: "Grant the matching right in Mailu's admin by hand if it is still needed." });
  }
  let quota = quotaBytes(user.quota);
  if (quota === undefined) {
    notMoved.push({ what: `${user.email}: quota "${user.quota}"`, reason: "not a Dovecot quota Mail-in-a-Box writes (digits with an optional M or G)", action: "Moved without a quota (0 = none); set it in Mailu's admin." });
    quota = 0;
  }
  migrated.push({ email: user.email, scheme, admin, quotaBytes: quota });
  if (usable) return { email: user.email, password: user.password, global_admin: admin, quota_bytes: quota, enabled: true };
  // A random password nobody knows keeps the address (so its mail is still accepted) while the
  // account cannot be entered until an admin sets a password.
  notMoved.push({ what: `${user.email}: password`, reason: `hash scheme {${scheme}} is not one Mailu accepts as it is, or the hash is malformed`, action: "The mailbox moves and receives mail; set a new password in Mailu's admin and give it to the user." });
  return { email: user.email, password: randomBytes(24).toString("base64url"), hash_password: true, global_admin: admin, quota_bytes: quota, enabled: true, comment: "password reset needed after migration" };
}

export function toMailuImport(database: MiabDatabase): MailUsersMigration {
  const notMoved: NotMoved[] = [];
  const notes: string[] = [];
  const migrated: MailUsersMigration["users"] = [];
  const userEmails = new Set(database.users.map((user) => user.email));
  const users = database.users.map((user) => convertUser(user, notMoved, migrated));
  const domains = new Map<string, Set<string>>();
  for (const user of database.users) domains.set(domainOf(user.email), new Set());
  const aliases: MailuImport["alias"] = [];
  const explicit = new Set(database.aliases.filter((alias) => !alias.auto).map((alias) => alias.source));

  for (const alias of database.aliases) {
    const { source, destinations } = alias;
    if (alias.auto && (explicit.has(source) || userEmails.has(source))) continue;
    // "@alt.example" → "@example.org" rewrites every address: Mailu's alternative domain.
    if (source.startsWith("@") && destinations.length === 1 && destinations[0]!.startsWith("@")) {
      const target = destinations[0]!.slice(1);
      const alternative = source.slice(1);
      if (alias.auto && /^xn--|\.xn--/.test(target)) {
        notes.push(`${source} → ${destinations[0]}: Mail-in-a-Box's automatic Unicode-to-IDNA domain alias; Mailu handles internationalised domains itself, so it is not imported.`);
        continue;
      }
      const ownAddresses = database.users.some((user) => domainOf(user.email) === alternative) || database.aliases.some((other) => !other.auto && !other.source.startsWith("@") && domainOf(other.source) === alternative);
      if (ownAddresses) {
        notMoved.push({ what: `domain alias ${source} → ${destinations[0]}`, reason: `${alternative} also has its own mailboxes; Mailu cannot make it both a domain and an alternative`, action: "Decide which addresses of that domain should exist, and create them as aliases by hand." });
        continue;
      }
      if (!domains.has(target)) domains.set(target, new Set());
      domains.get(target)!.add(alternative);
      continue;
    }
    if (destinations.some((destination) => destination.startsWith("@"))) {
      notMoved.push({ what: `alias ${source} → ${destinations.join(", ")}`, reason: "a domain rewrite mixed with other destinations has no Mailu equivalent", action: "Recreate it in Mailu's admin by hand." });
      continue;
    }
    if (destinations.length === 0) {
      notMoved.push({ what: `alias ${source} (send-only, permitted senders ${alias.permittedSenders?.join(", ") ?? "none"})`, reason: "Mailu aliases need at least one destination; sending as another address is a per-user 'allow spoofing' right there", action: "Give those users 'allow spoofing' in Mailu if they must keep sending as this address." });
      continue;
    }
    const wildcard = source.startsWith("@");
    const email = wildcard ? `%${source}` : source;
    if (!domains.has(domainOf(source))) domains.set(domainOf(source), new Set());
    aliases.push({ email, destination: destinations, wildcard, ...(alias.auto ? { comment: "automatic alias on Mail-in-a-Box" } : {}) });
    if (alias.permittedSenders) {
      const local = new Set(destinations.filter((destination) => userEmails.has(destination)));
      const same = alias.permittedSenders.length === local.size && alias.permittedSenders.every((sender) => local.has(sender));
      if (!same) {
        notMoved.push({
          what: `alias ${source}: permitted senders ${alias.permittedSenders.join(", ")}`,
          reason: "in Mailu every destination of an alias may send as it, and nobody else (except users with 'allow spoofing')",
          action: "Check who may send as this address after the import; adjust destinations or grant 'allow spoofing'.",
        });
      }
    }
  }
  for (const entry of database.mfa) {
    notMoved.push({ what: `${entry.email}: two-factor (${entry.type}${entry.label ? `, ${entry.label}` : ""})`, reason: "Mail-in-a-Box's TOTP secret protects its admin panel; Mailu 2024.06 has no TOTP to import it into", action: "Tell the user; protect Mailu's admin by network policy and strong passwords." });
  }
  const config = mailuImportSchema.parse({
    domain: [...domains].sort(([a], [b]) => a.localeCompare(b)).map(([name, alternatives]) => ({ name, ...(alternatives.size > 0 ? { alternatives: [...alternatives].sort() } : {}) })),
    user: users,
    alias: aliases.sort((a, b) => a.email.localeCompare(b.email)),
  });
  return { config, users: migrated, notMoved, notes };
}

/** What `flask mailu config-export` prints, loosely: only the fields compared are required. */
const exportSchema = z.object({
  domain: z.array(z.object({ name: z.string(), alternatives: z.array(z.string()).optional() }).loose()).default([]),
  user: z.array(z.object({ email: z.string() }).loose()).default([]),
  alias: z.array(z.object({ email: z.string(), destination: z.array(z.string()).default([]), wildcard: z.boolean().optional() }).loose()).default([]),
});

/** Every domain, alternative, user and alias of the import must be in Mailu's export, destinations equal. */
export function compareWithExport(config: MailuImport, exported: unknown): string[] {
  const parsed = exportSchema.safeParse(exported);
  if (!parsed.success) return [`the export is not Mailu's config-export format: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`];
  const have = parsed.data;
  const missing: string[] = [];
  const domains = new Map(have.domain.map((domain) => [domain.name.toLowerCase(), new Set((domain.alternatives ?? []).map((a) => a.toLowerCase()))]));
  for (const domain of config.domain) {
    if (!domains.has(domain.name)) missing.push(`domain ${domain.name}`);
    for (const alternative of domain.alternatives ?? []) if (!domains.get(domain.name)?.has(alternative)) missing.push(`alternative ${alternative} of ${domain.name}`);
  }
  const users = new Set(have.user.map((user) => user.email.toLowerCase()));
  for (const user of config.user) if (!users.has(user.email)) missing.push(`user ${user.email}`);
  const aliases = new Map(have.alias.map((alias) => [alias.email.toLowerCase(), alias.destination.map((d) => d.toLowerCase()).sort().join(",")]));
  for (const alias of config.alias) {
    const destinations = [...alias.destination].sort().join(",");
    if (!aliases.has(alias.email)) missing.push(`alias ${alias.email}`);
    else if (aliases.get(alias.email) !== destinations) missing.push(`alias ${alias.email}: destinations ${aliases.get(alias.email)} instead of ${destinations}`);
  }
  return missing;
}
