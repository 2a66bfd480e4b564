import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { figure, seconds } from "./figures.ts";
import { parseImapUrl } from "../harness/migrate/imap.ts";
import { dsyncArguments, migrateMailboxes } from "../harness/migrate/mailboxes.ts";
import { step } from "../harness/progress.ts";
import { startDovecot, type LocalDovecot } from "../harness/services/dovecot.ts";
import { standardUsers, writeMiabMailSet } from "../test/support/mailset.ts";

const master = { user: "migrator", password: "bench-master" };
const accounts = standardUsers.map(({ email, password }) => ({ email, password }));

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/**
 * `platform migrate mailboxes` (dsync per user, state file, progress, IMAP verification of both
 * sides) against a bare run of the same engine (`doveadm sync` per user, nothing else), same
 * source and mail set, each into a fresh destination, alternating, median of the rounds.
 */
export async function runMailboxBench(options: { rounds: number }): Promise<void> {
  const source = await startDovecot({ layout: "mail-in-a-box", users: accounts, master });
  const work = await mkdtemp(join(tmpdir(), "bench-mailbox-"));
  try {
    const set = await writeMiabMailSet(source.mailRoot, standardUsers, source);
    step(`mailbox bench: ${set.messages} messages, ${set.folders} folders, ${(set.bytes / 1024 ** 2).toFixed(1)} MiB, ${options.rounds} rounds`);
    const from = parseImapUrl(`imap://${master.user}@127.0.0.1:${source.port}`, "P", { P: master.password });
    const fresh = () => startDovecot({ layout: "mailu", users: accounts, master });
    const bare: number[] = [];
    const ours: number[] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      let destination: LocalDovecot = await fresh();
      try {
        bare.push(await seconds(async () => {
          for (const { email } of accounts) await execa("doveadm", ["-c", destination.config, ...dsyncArguments(from, email)]);
        }));
      } finally {
        await destination.stop();
      }
      destination = await fresh();
      try {
        const to = parseImapUrl(`imap://${master.user}@127.0.0.1:${destination.port}`, "P", { P: master.password });
        ours.push(await seconds(async () => {
          const results = await migrateMailboxes({ from, to, users: accounts.map((account) => account.email), doveadm: ["doveadm", "-c", destination.config], state: join(work, `state-${round}.json`), delta: false, dryRun: false });
          const lost = results.filter((result) => result.status !== "done");
          if (lost.length > 0) throw new Error(`mailbox bench: differences for ${lost.map((result) => result.user).join(", ")}`);
        }));
      } finally {
        await destination.stop();
      }
    }
    const ourSeconds = median(ours);
    const bareSeconds = median(bare);
    figure("mailbox-sync-messages", set.messages, "messages");
    figure("mailbox-sync-folders", set.folders, "folders");
    figure("mailbox-sync-bytes", set.bytes / 1024 ** 2, "MiB");
    figure("mailbox-sync-rate", set.messages / ourSeconds, "msgs/s");
    figure("mailbox-sync-bare-rate", set.messages / bareSeconds, "msgs/s");
    figure("mailbox-sync-ratio-vs-bare-dsync", ourSeconds / bareSeconds, "x");
  } finally {
    await source.stop();
    await rm(work, { recursive: true, force: true });
  }
}
