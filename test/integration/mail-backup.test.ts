import { copyFile, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/paths.ts";
import { startS3, type LocalS3 } from "../../harness/services/s3.ts";

// Mailu's volume backups (modules/mailu/backups.tf) with their real scripts against a real S3
// server: the archive step, the data layer's upload (verified before latest moves), fetch
// (checksums against the manifest) and Mailu's restore check. The scripts folder is laid out
// exactly as the CronJobs' ConfigMap lays it out.
const bucket = "platform-mail-backups";
const remote = `backups:${bucket}/mailu/mail`;

let s3: LocalS3;
let scripts: string;
let volume: string;

async function run(script: string, env: Record<string, string>) {
  // The rclone the image pins (built for the tests) first, as in the CronJob's pod.
  return execa(join(scripts, script), [], { env: { PATH: `${dirname(s3.rcloneBinary)}:${process.env.PATH ?? ""}`, HOME: tmpdir(), ...s3.rcloneEnv(), ...env }, extendEnv: false, reject: false, all: true });
}

async function backup(id: string) {
  const work = await mkdtemp(join(tmpdir(), "mail-backup-"));
  const archived = await run("files-archive.sh", { SOURCE_DIR: volume, WORK_DIR: work, VOLUME_NAME: "mailu-mail" });
  if (archived.exitCode !== 0) return { step: "archive", ...archived, work };
  const uploaded = await run("upload.sh", { BACKUP_REMOTE: remote, WORK_DIR: work, BACKUP_ID: id });
  return { step: "upload", ...uploaded, all: `${archived.all}\n${uploaded.all}`, work };
}

async function restoreTest() {
  const work = await mkdtemp(join(tmpdir(), "mail-restore-"));
  const fetched = await run("fetch.sh", { BACKUP_REMOTE: remote, WORK_DIR: work });
  if (fetched.exitCode !== 0) return { step: "fetch", ...fetched, work };
  return { step: "restore", ...(await run("files-restore-check.sh", { WORK_DIR: work })), work };
}

beforeAll(async () => {
  s3 = await startS3();
  await s3.createBucket(bucket);
  scripts = await mkdtemp(join(tmpdir(), "mail-scripts-"));
  const data = join(repoRoot, "modules/data/scripts");
  const mailu = join(repoRoot, "modules/mailu/scripts");
  await Promise.all([
    copyFile(join(data, "upload.sh"), join(scripts, "upload.sh")),
    copyFile(join(data, "fetch.sh"), join(scripts, "fetch.sh")),
    copyFile(join(data, "lib.sh"), join(scripts, "data-lib.sh")),
    ...["lib.sh", "files-archive.sh", "files-restore-check.sh"].map((file) => copyFile(join(mailu, file), join(scripts, file))),
  ]);
  await execa("chmod", ["0555", ...["upload.sh", "fetch.sh", "files-archive.sh", "files-restore-check.sh"].map((file) => join(scripts, file))]);

  // Dovecot's layout: one Maildir per address, messages in cur/ and new/, names with ':' and ','.
  volume = await mkdtemp(join(tmpdir(), "mail-volume-"));
  for (const user of ["anna@example.org", "bob@example.org"]) {
    for (const folder of ["cur", "new", "tmp", ".Sent/cur"]) await mkdir(join(volume, "example.org", user, "Maildir", folder), { recursive: true });
    for (let i = 0; i < 40; i++) {
      await writeFile(join(volume, "example.org", user, "Maildir", "cur", `1764000000.M${i}P1.mail,S=${1000 + i}:2,S`), `From: ${user}\nSubject: message ${i} ünïcode\n\n${"body ".repeat(200 + i)}\n`);
    }
    await writeFile(join(volume, "example.org", user, "Maildir", "dovecot.index"), Buffer.alloc(4096, 7));
  }
  await writeFile(join(volume, "empty-file"), "");
});

afterAll(async () => {
  await s3?.stop();
  for (const dir of [scripts, volume]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe("Mailu volume backups to an S3 server", () => {
  it("archives the volume, verifies the upload and moves latest", async () => {
    const result = await backup("20261126T033000Z");
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain("archived mailu-mail: 83 files");
    expect(result.all).toContain("backup 20261126T033000Z verified; latest -> 20261126T033000Z");
    const manifest = JSON.parse(await readFile(join(result.work, "manifest.json"), "utf8")) as Record<string, unknown>;
    expect(manifest).toMatchObject({ format: "platform-backup/v1", engine: "files", database: "mailu-mail", files: 83 });
  });

  it("the restore test extracts the latest archive and finds every file at its size", async () => {
    const result = await restoreTest();
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(/restore check passed: mailu-mail gives back 83 files, \d+ bytes, as recorded/);
  });

  it("a truncated archive is caught before anything is restored", async () => {
    expect((await backup("20261127T033000Z")).exitCode).toBe(0);
    const local = join(await mkdtemp(join(tmpdir(), "tamper-")), "volume.tar.gz");
    await s3.rclone(["copyto", `${remote}/20261127T033000Z/volume.tar.gz`, local]);
    const bytes = await readFile(local);
    await writeFile(local, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await s3.rclone(["copyto", local, `${remote}/20261127T033000Z/volume.tar.gz`]);
    const result = await restoreTest();
    expect(result.step).toBe("fetch");
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toContain("backup 20261127T033000Z: volume.tar.gz is corrupted or truncated");
  });

  it("a restore that does not give back what was recorded fails loudly", async () => {
    expect((await backup("20261128T033000Z")).exitCode).toBe(0);
    const fetched = await mkdtemp(join(tmpdir(), "mail-restore-"));
    expect((await run("fetch.sh", { BACKUP_REMOTE: remote, WORK_DIR: fetched })).exitCode).toBe(0);
    // A listing that names one file more than the archive holds: what a lost file looks like.
    await writeFile(join(fetched, "files.tsv"), `${await readFile(join(fetched, "files.tsv"), "utf8")}zzz/lost-message\t42\n`);
    const result = await run("files-restore-check.sh", { WORK_DIR: fetched });
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toContain("the restore of mailu-mail does not give back the files the backup recorded");
    expect(result.all).toContain("zzz/lost-message");
  });

  it("a missing volume archives nothing and uploads nothing", async () => {
    const before = (await s3.rclone(["cat", `${remote}/latest`])).stdout.trim();
    const work = await mkdtemp(join(tmpdir(), "mail-backup-"));
    const result = await run("files-archive.sh", { SOURCE_DIR: join(volume, "not-mounted"), WORK_DIR: work, VOLUME_NAME: "mailu-mail" });
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toContain("is not a folder: the volume is not mounted");
    await unlink(join(work, "manifest.json")).catch(() => undefined);
    expect((await s3.rclone(["cat", `${remote}/latest`])).stdout.trim()).toBe(before);
  });
});
