import { chmod, chown, mkdir, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { execa } from "execa";
import { freePort, supervise, waitUntilReady, workspace } from "../processes.ts";
import { findBinary, type LocalService } from "./common.ts";

/**
 * A real Dovecot IMAP server on loopback (Debian's dovecot-core and dovecot-imapd), started as
 * root from its own config and base_dir, mail owned by the non-zero `mail` user. The source
 * lays Maildirs out as Mail-in-a-Box does (<root>/<domain>/<user>), the destination as Mailu
 * does (<root>/<address>); both accept SASL PLAIN master-user logins, as the migration uses.
 */
export interface LocalDovecot extends LocalService {
  port: number;
  /** Where Maildirs live; a user's Maildir is mailDir(address). */
  mailRoot: string;
  mailDir(address: string): string;
  config: string;
  master: { user: string; password: string };
  uid: number;
  gid: number;
}

export type MailLayout = "mail-in-a-box" | "mailu";

const fix = "Install Dovecot: apt-get install dovecot-core dovecot-imapd (make migrate-deps does it).";

export async function startDovecot(options: { layout: MailLayout; users: Array<{ email: string; password: string }>; master: { user: string; password: string } }): Promise<LocalDovecot> {
  const dovecot = await findBinary("dovecot", ["dovecot", "/usr/sbin/dovecot"], fix);
  const doveadm = await findBinary("doveadm", ["doveadm", "/usr/bin/doveadm"], fix);
  const { dir, processes, stop } = await workspace(`dovecot-${options.layout}`);
  try {
    const uid = Number((await execa("id", ["-u", "mail"])).stdout);
    const gid = Number((await execa("id", ["-g", "mail"])).stdout);
    // Dovecot's auth and mail processes drop to their own users: they must reach the folder.
    const authGid = Number((await execa("id", ["-g", "dovecot"])).stdout);
    await chmod(dir, 0o755);
    const mailRoot = join(dir, "mail");
    await mkdir(mailRoot);
    await chown(mailRoot, uid, gid);
    const hash = async (password: string) => (await execa(doveadm, ["pw", "-s", "SHA512-CRYPT", "-p", password])).stdout.trim();
    await writeFile(join(dir, "users"), (await Promise.all(options.users.map(async (user) => `${user.email}:${await hash(user.password)}:${uid}:${gid}::${mailRoot}/home/${user.email}::\n`))).join(""), { mode: 0o640 });
    await writeFile(join(dir, "masters"), `${options.master.user}:${await hash(options.master.password)}\n`, { mode: 0o640 });
    for (const file of ["users", "masters"]) await chown(join(dir, file), 0, authGid);
    const port = await freePort();
    const location = options.layout === "mail-in-a-box" ? `maildir:${mailRoot}/%d/%n` : `maildir:${mailRoot}/%u`;
    const config = join(dir, "dovecot.conf");
    await writeFile(config, [
      `base_dir = ${dir}/run`,
      `state_dir = ${dir}/state`,
      `log_path = ${dir}/dovecot.log`,
      `instance_name = doks-platform-${options.layout}-${port}`,
      "protocols = imap",
      "listen = 127.0.0.1",
      "ssl = no",
      "disable_plaintext_auth = no",
      "auth_mechanisms = plain login",
      "auth_master_user_separator = *",
      `mail_location = ${location}`,
      `mail_uid = ${uid}`,
      `mail_gid = ${gid}`,
      `first_valid_uid = ${uid}`,
      `first_valid_gid = ${gid}`,
      "mail_fsync = never",
      "mailbox_list_index = yes",
      "namespace inbox {",
      "  inbox = yes",
      "  separator = .",
      ...(options.layout === "mail-in-a-box"
        ? ["Sent", "Drafts", "Spam", "Trash", "Archive"].map((box) => `  mailbox ${box} {\n    auto = subscribe\n    special_use = \\${box === "Spam" ? "Junk" : box}\n  }`)
        : ["Trash", "Drafts", "Sent", "Junk"].map((box) => `  mailbox ${box} {\n    auto = subscribe\n    special_use = \\${box}\n  }`)),
      "}",
      "passdb {",
      "  driver = passwd-file",
      `  args = scheme=SHA512-CRYPT ${dir}/masters`,
      "  master = yes",
      "  pass = yes",
      "}",
      "passdb {",
      "  driver = passwd-file",
      `  args = scheme=SHA512-CRYPT username_format=%u ${dir}/users`,
      "}",
      "userdb {",
      "  driver = passwd-file",
      `  args = username_format=%u ${dir}/users`,
      "}",
      "service imap-login {",
      "  inet_listener imap {",
      "    address = 127.0.0.1",
      `    port = ${port}`,
      "  }",
      "  inet_listener imaps {",
      "    port = 0",
      "  }",
      "}",
      "service stats {",
      "  inet_listener http {",
      "    port = 0",
      "  }",
      "}",
      "",
    ].join("\n"));
    const server = supervise(`dovecot (${options.layout})`, dovecot, ["-F", "-c", config], join(dir, "dovecot.stdout.log"));
    processes.push(server);
    const greets = () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, "127.0.0.1");
        socket.once("data", (data) => {
          socket.destroy();
          resolve(data.toString().startsWith("* OK"));
        });
        socket.once("error", () => resolve(false));
      });
    await waitUntilReady(server, greets, 20_000, fix);
    const mailDir = (address: string) => (options.layout === "mail-in-a-box" ? join(mailRoot, address.split("@")[1]!, address.split("@")[0]!) : join(mailRoot, address));
    return { port, mailRoot, mailDir, config, master: options.master, uid, gid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
