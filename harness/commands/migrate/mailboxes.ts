import { Command } from "commander";
import pc from "picocolors";
import { parseImapUrl } from "../../migrate/imap.ts";
import { migrateMailboxes, readUsersFile } from "../../migrate/mailboxes.ts";

interface MailboxCommandOptions {
  from: string;
  to: string;
  users: string;
  doveadm: string;
  state: string;
  delta?: boolean;
  dryRun?: boolean;
}

export const mailboxesCommand = new Command("mailboxes")
  .description("copy every mailbox with Dovecot's dsync over IMAP, one user at a time, resumable; then compare folders, message counts, Message-IDs and flags on both sides")
  .requiredOption("--from <imap url>", "the old box, as a master user: imaps://<master>@<host>:993 (password in PLATFORM_MIGRATE_FROM_PASSWORD)")
  .requiredOption("--to <imap url>", "Mailu, as a master user: imaps://<master>@<host>:993 (password in PLATFORM_MIGRATE_TO_PASSWORD), used to verify")
  .requiredOption("--users <file>", "the config-import YAML from `platform migrate mail-users`, or one address per line")
  .option("--doveadm <command>", "how to run doveadm on the destination's storage (split on spaces)", "doveadm")
  .option("--state <file>", "progress of this migration, for resuming", "mailbox-migration.state.json")
  .option("--delta", "final run at cutover: every user again, copying only what arrived since; mail already delivered to the destination is kept")
  .option("--dry-run", "count what each user has on both sides and what would be copied; copies nothing")
  .action(async (options: MailboxCommandOptions) => {
    const results = await migrateMailboxes({
      from: parseImapUrl(options.from, "PLATFORM_MIGRATE_FROM_PASSWORD"),
      to: parseImapUrl(options.to, "PLATFORM_MIGRATE_TO_PASSWORD"),
      users: readUsersFile(options.users),
      doveadm: options.doveadm.split(/\s+/).filter(Boolean),
      state: options.state,
      delta: Boolean(options.delta),
      dryRun: Boolean(options.dryRun),
    });
    const copied = results.filter((result) => result.status === "done");
    const failed = results.filter((result) => result.status === "failed");
    const sum = (key: "messages" | "folders" | "bytes") => results.reduce((total, result) => total + result[key], 0);
    const seconds = copied.reduce((total, result) => total + result.seconds, 0);
    if (options.dryRun) {
      console.log(`dry run: ${results.length} users, ${sum("messages")} messages in ${sum("folders")} folders at the source, about ${results.reduce((t, r) => t + (r.toCopy ?? 0), 0)} to copy; nothing copied`);
      return;
    }
    console.log(`mailboxes: ${copied.length} copied and verified, ${results.filter((r) => r.status === "skipped").length} already done, ${failed.length} with differences; ${sum("messages")} messages, ${sum("folders")} folders, ${(sum("bytes") / 1024 ** 2).toFixed(1)} MiB${seconds > 0 ? `, ${(copied.reduce((t, r) => t + r.messages, 0) / seconds).toFixed(0)} msgs/s` : ""}`);
    if (failed.length > 0) {
      console.error(pc.red(`differences for ${failed.map((result) => result.user).join(", ")}: see the lines above; rerun to retry them`));
      process.exitCode = 1;
    }
  });
