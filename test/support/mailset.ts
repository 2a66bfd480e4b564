import { mkdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";

/**
 * A generated mail set laid out as Mail-in-a-Box keeps it: Maildir++ under <domain>/<user>,
 * nested and non-ASCII folders (directory names in IMAP modified UTF-7, as Dovecot writes them),
 * flags in file names, keywords in dovecot-keywords, large attachments, duplicates of one
 * Message-ID in two folders and messages with no Message-ID at all. Deterministic by seed.
 */

export interface MailSetUser {
  email: string;
  password: string;
  messages: number;
  /** Messages carrying an attachment of this many bytes (before base64). */
  largeAttachments?: { count: number; bytes: number };
}

export interface MailSet {
  messages: number;
  folders: number;
  bytes: number;
}

export const folders = ["", "Sent", "Drafts", "Trash", "Spam", "Archive", "Archive.2023", "Archive.2023.Q4", "Projekte.Ærø", "Reçus", "日本語", "Entwürfe alt"];

/** RFC 3501 §5.1.3: `&` + modified base64 of UTF-16BE + `-` for each non-ASCII run. */
export function modifiedUtf7(name: string): string {
  return name.replace(/&/g, "&-").replace(/[^\x20-\x7e]+/g, (run) => {
    const utf16 = Buffer.alloc(run.length * 2);
    for (let i = 0; i < run.length; i += 1) utf16.writeUInt16BE(run.charCodeAt(i), i * 2);
    return `&${utf16.toString("base64").replace(/=+$/, "").replaceAll("/", ",")}-`;
  });
}

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const keywords = ["$Forwarded", "$Label1", "Important"];

function message(user: string, index: number, rnd: () => number, attachment?: Buffer): { text: string; date: Date; hasId: boolean } {
  const date = new Date(Date.UTC(2022, 0, 1) + Math.floor(rnd() * 3 * 365 * 86400) * 1000);
  const hasId = index % 97 !== 5;
  const subject = index % 5 === 0 ? "=?UTF-8?B?" + Buffer.from(`Grüße Nr. ${index} ✓`).toString("base64") + "?=" : `Message ${index} for ${user}`;
  const boundary = `b${index}x`;
  const body = "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n".repeat(5 + Math.floor(rnd() * 40));
  const headers = [
    `From: Sender ${index % 17} <sender${index % 17}@external.test>`,
    `To: ${user}`,
    `Subject: ${subject}`,
    `Date: ${date.toUTCString().replace("GMT", "+0000")}`,
    ...(hasId ? [`Message-ID: <${index}.${user.replace("@", ".")}@gen.test>`] : []),
    "MIME-Version: 1.0",
  ];
  if (!attachment) return { text: `${headers.join("\n")}\nContent-Type: text/plain; charset=utf-8\n\n${body}`, date, hasId };
  const encoded = attachment.toString("base64").replace(/.{76}/g, "$&\n");
  return {
    text: `${headers.join("\n")}\nContent-Type: multipart/mixed; boundary="${boundary}"\n\n--${boundary}\nContent-Type: text/plain; charset=utf-8\n\n${body}\n--${boundary}\nContent-Type: application/octet-stream; name="data-${index}.bin"\nContent-Disposition: attachment; filename="data-${index}.bin"\nContent-Transfer-Encoding: base64\n\n${encoded}\n--${boundary}--\n`,
    date,
    hasId,
  };
}

/** Writes the set under <mailRoot>/<domain>/<user> and hands it to the mail user, as the box has it. */
export async function writeMiabMailSet(mailRoot: string, users: MailSetUser[], owner: { uid: number; gid: number }, seed = 42): Promise<MailSet> {
  const rnd = random(seed);
  const set: MailSet = { messages: 0, folders: 0, bytes: 0 };
  for (const user of users) {
    const [local, domain] = user.email.split("@") as [string, string];
    const root = join(mailRoot, domain, local);
    for (const folder of folders) {
      const dir = folder === "" ? root : join(root, `.${folder.split(".").map(modifiedUtf7).join(".")}`);
      for (const sub of ["cur", "new", "tmp"]) await mkdir(join(dir, sub), { recursive: true });
      if (folder !== "") await writeFile(join(dir, "maildirfolder"), "");
      await writeFile(join(dir, "dovecot-keywords"), keywords.map((keyword, i) => `${i} ${keyword}\n`).join(""));
      set.folders += 1;
    }
    const large = user.largeAttachments;
    for (let index = 0; index < user.messages; index += 1) {
      // Most mail sits in INBOX and the archives, as in a real box.
      const folder = index % 3 === 0 ? "" : folders[1 + Math.floor(rnd() * (folders.length - 1))]!;
      const attachment = large && index < large.count ? Buffer.alloc(large.bytes, index) : index % 31 === 0 ? Buffer.alloc(20_000, index) : undefined;
      const { text, date } = message(user.email, index, rnd, attachment);
      const flags = [rnd() < 0.5 ? "S" : "", rnd() < 0.2 ? "R" : "", rnd() < 0.1 ? "F" : "", folder === "Drafts" ? "D" : "", rnd() < 0.15 ? "a" : "", rnd() < 0.05 ? "b" : "", rnd() < 0.05 ? "c" : ""].join("");
      const dir = folder === "" ? root : join(root, `.${folder.split(".").map(modifiedUtf7).join(".")}`);
      const file = join(dir, "cur", `${Math.floor(date.getTime() / 1000)}.M${index}P1.gen:2,${flags.split("").sort().join("")}`);
      await writeFile(file, text);
      await utimes(file, date, date);
      set.messages += 1;
      set.bytes += Buffer.byteLength(text);
      // A message filed twice (INBOX and Archive) keeps one Message-ID in both folders.
      if (index % 50 === 1 && folder !== "Archive") {
        const copy = join(root, ".Archive", "cur", `${Math.floor(date.getTime() / 1000)}.M${index}C.gen:2,S`);
        await writeFile(copy, text);
        await utimes(copy, date, date);
        set.messages += 1;
        set.bytes += Buffer.byteLength(text);
      }
    }
  }
  await execa("chown", ["-R", `${owner.uid}:${owner.gid}`, mailRoot]);
  return set;
}

/** The default set of the tests and the benchmark: 1,030 messages, 3 users, 36 folders, 6 × 4 MiB attachments. */
export const standardUsers: MailSetUser[] = [
  { email: "anna@example.org", password: "anna-pw", messages: 620 },
  { email: "bob@example.org", password: "bob-pw", messages: 330 },
  { email: "carl@example.net", password: "carl-pw", messages: 60, largeAttachments: { count: 6, bytes: 4 * 1024 * 1024 } },
];
