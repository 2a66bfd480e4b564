import { markdownTable } from "markdown-table";
import type { MailUsersMigration } from "./mailu-import.ts";

/** Hashes never appear here: a user's line names the scheme that was kept, nothing of the hash. */
export function renderMailUsersReport(migration: MailUsersMigration, out?: string): string {
  const { config } = migration;
  const sections = [
    "## Mail users: Mail-in-a-Box → Mailu config-import",
    `${config.domain.length} domains, ${config.user.length} users, ${config.alias.length} aliases (${config.alias.filter((alias) => alias.wildcard).length} catch-all); ${migration.notMoved.length} items that cannot move as they are.`,
    "### Users",
    markdownTable([["Address", "Password", "Admin", "Quota"], ...migration.users.map((user) => [user.email, user.scheme === "SHA512-CRYPT" ? "kept ({SHA512-CRYPT})" : `{${user.scheme}}`, user.admin ? "yes" : "", user.quotaBytes === 0 ? "none" : `${(user.quotaBytes / 1024 ** 3).toFixed(2)} GiB`])]),
    "### Domains",
    markdownTable([["Domain", "Alternatives"], ...config.domain.map((domain) => [domain.name, (domain.alternatives ?? []).join(", ")])]),
    "### Cannot move as they are",
    migration.notMoved.length === 0 ? "_nothing_" : markdownTable([["What", "Why", "What to do"], ...migration.notMoved.map((item) => [item.what, item.reason, item.action])]),
  ];
  if (migration.notes.length > 0) sections.push("### Notes", migration.notes.map((note) => `- ${note}`).join("\n"));
  const file = out ?? "<file>";
  sections.push(
    "### Import into Mailu",
    [
      "Merge (never replace) into Mailu's configuration, trial run first; both are idempotent, so a run cut short is simply run again:",
      "",
      "```sh",
      `kubectl -n mailu exec -i deploy/mailu-admin -- flask mailu config-import --update --dry-run --verbose < ${file}`,
      `kubectl -n mailu exec -i deploy/mailu-admin -- flask mailu config-import --update < ${file}`,
      "kubectl -n mailu exec deploy/mailu-admin -- flask mailu config-export --json > mailu-export.json",
      `platform migrate mail-users --miab-db users.sqlite --check-export mailu-export.json`,
      "```",
    ].join("\n"),
  );
  return `${sections.join("\n\n")}\n`;
}
