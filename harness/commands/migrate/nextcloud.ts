import { Command } from "commander";
import pc from "picocolors";
import { PlatformError } from "../../errors.ts";
import { readInput } from "../../migrate/files.ts";
import { checkStatus, compareSqliteWithPostgres, pinnedNextcloud, upgradeLadder } from "../../migrate/nextcloud.ts";

interface NextcloudOptions {
  sourceVersion: string;
  targetVersion?: string;
  checkStatus?: string;
  expectMajor?: string;
  compareSqlite?: string;
  postgresDatabase?: string;
}

export const nextcloudCommand = new Command("nextcloud")
  .description("plan Nextcloud's upgrade ladder (one major at a time, source to the pinned version), check each rung, and compare SQLite with PostgreSQL after the conversion")
  .requiredOption("--source-version <x.y.z>", "the old box's Nextcloud (occ status: versionstring)")
  .option("--target-version <x.y.z>", "default: the version the platform pins")
  .option("--check-status <file>", "check a rung: the output of `occ status --output=json` after it")
  .option("--expect-major <n>", "with --check-status: the major this rung must reach")
  .option("--compare-sqlite <owncloud.db>", "after `occ db:convert-type`: compare every table's row count with PostgreSQL (PG* environment variables)")
  .option("--postgres-database <name>", "with --compare-sqlite: the PostgreSQL database", "nextcloud")
  .action(async (options: NextcloudOptions) => {
    const target = options.targetVersion ?? pinnedNextcloud();
    const ladder = upgradeLadder(options.sourceVersion, target);
    if (options.checkStatus) {
      const expect = Number(options.expectMajor);
      if (!Number.isInteger(expect)) throw new PlatformError("--check-status needs --expect-major <n>", "Pass the major version this rung upgrades to.");
      const problems = checkStatus((await readInput(options.checkStatus, "occ status output")).toString("utf8"), expect);
      if (problems.length > 0) {
        for (const problem of problems) console.error(pc.red(`rung ${expect}: ${problem}`));
        process.exitCode = 1;
      } else {
        console.log(pc.green(`rung ${expect}: Nextcloud ${expect} installed, database upgraded, maintenance off`));
      }
      return;
    }
    if (options.compareSqlite) {
      const result = await compareSqliteWithPostgres(options.compareSqlite, options.postgresDatabase!);
      if (result.differences.length > 0) {
        for (const line of result.differences) console.error(pc.red(line));
        process.exitCode = 1;
      } else {
        console.log(pc.green(`conversion: all ${result.tables} tables hold the same number of rows in SQLite and PostgreSQL`));
      }
      return;
    }
    console.log(`Nextcloud upgrade ladder: ${options.sourceVersion} → ${target}, ${ladder.length} rungs, one major each, on SQLite; convert to PostgreSQL at the end.`);
    for (const rung of ladder) {
      console.log(`\n${rung.step}. ${rung.from} → ${rung.to}\n   image: ${rung.image}\n${rung.commands.map((command) => `   ${command}`).join("\n")}\n   verify: ${rung.verify}`);
    }
    console.log(`\nthen: occ db:convert-type --all-apps --clear-schema --password "$PGPASSWORD" pgsql <user> <host> nextcloud\n      platform migrate nextcloud --source-version ${options.sourceVersion} --compare-sqlite owncloud.db`);
  });
