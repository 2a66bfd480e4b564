import { Command } from "commander";
import pc from "picocolors";
import { parse, stringify } from "yaml";
import { PlatformError } from "../../errors.ts";
import { readInput, writeAtomic } from "../../migrate/files.ts";
import { renderMailUsersReport } from "../../migrate/mail-users-report.ts";
import { compareWithExport, toMailuImport } from "../../migrate/mailu-import.ts";
import { readMiabDatabase } from "../../migrate/miab-users.ts";
import { step } from "../../progress.ts";

export const mailUsersCommand = new Command("mail-users")
  .description("turn Mail-in-a-Box's users.sqlite into Mailu's config-import YAML: domains, users with their password hashes, quotas, admins, aliases, catch-alls")
  .requiredOption("--miab-db <file>", "a copy of $STORAGE_ROOT/mail/users.sqlite from the box")
  .option("--out <file>", "write the config-import YAML here (mode 0600: it holds password hashes); without it nothing is written (dry run)")
  .option("--check-export <file>", "compare with Mailu's `flask mailu config-export --json` (or YAML) after the import; exits 1 on any difference")
  .action(async (options: { miabDb: string; out?: string; checkExport?: string }) => {
    await readInput(options.miabDb, "the users database");
    const database = await readMiabDatabase(options.miabDb);
    if (database.users.length === 0) throw new PlatformError(`${options.miabDb} has no users`, "Pass the users.sqlite of the box that holds the mailboxes.");
    const migration = toMailuImport(database);
    console.log(renderMailUsersReport(migration, options.out));
    if (options.checkExport) {
      const text = (await readInput(options.checkExport, "Mailu's export")).toString("utf8");
      let exported: unknown;
      try {
        exported = parse(text);
      } catch (error) {
        throw new PlatformError(`${options.checkExport} is neither JSON nor YAML: ${(error as Error).message.split("\n")[0]}`, "Pass the output of `flask mailu config-export --json`.");
      }
      const missing = compareWithExport(migration.config, exported);
      if (missing.length > 0) {
        for (const line of missing) console.error(pc.red(`missing in Mailu: ${line}`));
        process.exitCode = 1;
      } else {
        console.error(pc.green(`check: all ${migration.config.domain.length} domains, ${migration.config.user.length} users and ${migration.config.alias.length} aliases are in Mailu's export`));
      }
    }
    if (options.out) {
      step(`writing ${migration.config.user.length} users and ${migration.config.alias.length} aliases to ${options.out} (mode 0600)`);
      await writeAtomic(options.out, `# Mailu config-import (Mailu 2024.06), from Mail-in-a-Box users.sqlite. Holds password hashes: keep it private.\n${stringify(migration.config)}`, 0o600);
    } else if (!options.checkExport) {
      console.log(pc.yellow("dry run: nothing written; pass --out <file> to write the config-import YAML"));
    }
  });
