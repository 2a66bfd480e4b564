import { Command } from "commander";
import { dnsCommand } from "./dns.ts";
import { mailboxesCommand } from "./mailboxes.ts";
import { mailUsersCommand } from "./mail-users.ts";
import { n8nCommand } from "./n8n.ts";
import { nextcloudCommand } from "./nextcloud.ts";
import { wordpressCommand } from "./wordpress.ts";

// One file per subcommand; each step is a dry run until it is given somewhere to write.
export const migrateCommand = new Command("migrate")
  .description("move the old Mail-in-a-Box/VPS stack in: DNS, mail users, mailboxes, app data (see docs/migration.md)")
  .addCommand(dnsCommand)
  .addCommand(mailUsersCommand)
  .addCommand(mailboxesCommand)
  .addCommand(wordpressCommand)
  .addCommand(n8nCommand)
  .addCommand(nextcloudCommand);
