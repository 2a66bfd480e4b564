import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import CryptoJS from "crypto-js";
import { describe, expect, it } from "vitest";
import { PlatformError } from "../../harness/errors.ts";
import { checkKey, decryptCredential, readCredentialsExport, readN8nKey } from "../../harness/migrate/n8n.ts";
import { checkStatus, upgradeLadder } from "../../harness/migrate/nextcloud.ts";
import { platform } from "../support/tree.ts";

// n8n cannot run here (it needs Node ≥ 24), so its data format is produced by the library n8n
// itself used for it, crypto-js: AES.encrypt(JSON, passphrase) gives the same "Salted__" bytes
// that n8n's current Cipher (node crypto, EVP_BytesToKey MD5) writes and reads.
const n8nEncrypt = (data: object, key: string) => CryptoJS.AES.encrypt(JSON.stringify(data), key).toString();
const oldKey = "3kT9w0sQfUu1vGm8XyZbN2cLr5pHjE7a";

describe("n8n encryption key check", () => {
  it("opens credentials in n8n's format with the right key, and none with any other", () => {
    const data = { user: "api", password: "s3cret ✓", nested: { token: "x".repeat(500) } };
    const encrypted = n8nEncrypt(data, oldKey);
    expect(Buffer.from(encrypted, "base64").subarray(0, 8).toString()).toBe("Salted__");
    expect(decryptCredential(encrypted, oldKey)).toEqual(data);
    // Wrong keys fail by padding or by JSON: try many, so a lucky padding byte cannot pass.
    for (let i = 0; i < 300; i += 1) expect(decryptCredential(encrypted, `${oldKey.slice(0, -3)}${i}`)).toBeUndefined();
    expect(decryptCredential("not base64 at all", oldKey)).toBeUndefined();
  });

  it("reads the key from ~/.n8n/config or N8N_ENCRYPTION_KEY", async () => {
    const dir = await mkdtemp(join(tmpdir(), "n8n-"));
    await writeFile(join(dir, "config"), JSON.stringify({ encryptionKey: oldKey }));
    expect(readN8nKey(join(dir, "config"), {})).toBe(oldKey);
    expect(readN8nKey(undefined, { N8N_ENCRYPTION_KEY: "k" })).toBe("k");
    expect(() => readN8nKey(undefined, {})).toThrow(PlatformError);
  });

  describe("the command", () => {
    let dir: string;
    const setup = async () => {
      dir = await mkdtemp(join(tmpdir(), "n8n-cmd-"));
      await writeFile(join(dir, "config"), JSON.stringify({ encryptionKey: oldKey }));
      await writeFile(join(dir, "wrong-config"), JSON.stringify({ encryptionKey: "another-instance-key-000000000000" }));
      const credentials = [
        { id: "1", name: "Mail SMTP", type: "smtp", data: n8nEncrypt({ host: "smtp.example.org", password: "smtp-secret-q7Zx" }, oldKey) },
        { id: "2", name: "CRM API", type: "httpHeaderAuth", data: n8nEncrypt({ name: "Authorization", value: "Bearer t" }, oldKey) },
      ];
      await writeFile(join(dir, "credentials.json"), JSON.stringify(credentials));
      await writeFile(join(dir, "workflows.json"), JSON.stringify([{ name: "w", nodes: [], connections: {} }]));
      await writeFile(join(dir, "decrypted.json"), JSON.stringify([{ id: "1", name: "x", type: "smtp", data: { password: "plain" } }]));
      return credentials;
    };

    it("passes with the old key and the same key on the new instance, printing no secret", async () => {
      await setup();
      const result = await platform(["migrate", "n8n", "--old-config", join(dir, "config"), "--credentials", join(dir, "credentials.json"), "--workflows", join(dir, "workflows.json")], { PLATFORM_N8N_TARGET_KEY: oldKey });
      expect(result.exitCode, result.all).toBe(0);
      expect(result.all).toContain("all 2 credentials decrypt with the old key, and the new instance uses the same key");
      expect(result.all).not.toContain(oldKey);
      expect(result.all).not.toContain("smtp-secret-q7Zx");
    });

    const cases: Array<[string, (d: string) => string[], Record<string, string>, RegExp]> = [
      ["a key from another instance", (d) => ["--old-config", join(d, "wrong-config"), "--credentials", join(d, "credentials.json")], {}, /the encryption key does not match: none of the 2 exported credentials decrypts with it/],
      ["a new instance with a fresh key", (d) => ["--old-config", join(d, "config"), "--credentials", join(d, "credentials.json")], { PLATFORM_N8N_TARGET_KEY: "fresh" }, /the new instance's encryption key \(PLATFORM_N8N_TARGET_KEY\) differs from the old one/],
      ["a decrypted export", (d) => ["--old-config", join(d, "config"), "--credentials", join(d, "decrypted.json")], {}, /data Invalid input: expected string, received object; this is not n8n's encrypted credentials export/],
    ];
    for (const [name, args, env, message] of cases) {
      it(`refuses ${name} in one line`, async () => {
        await setup();
        const result = await platform(["migrate", "n8n", ...args(dir)], env);
        expect(result.exitCode, result.all).toBe(2);
        const errors = result.all!.split("\n").filter((line) => line.startsWith("error:"));
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatch(message);
      });
    }

    it("names a partly mismatched export", async () => {
      const credentials = await setup();
      const mixed = [...credentials, { id: "3", name: "Other", type: "smtp", data: n8nEncrypt({ a: 1 }, "other-key") }];
      await writeFile(join(dir, "mixed.json"), JSON.stringify(mixed));
      expect(checkKey(readCredentialsExport(join(dir, "mixed.json")), oldKey)).toEqual({ total: 3, opened: 2, failed: [{ name: "Other", type: "smtp" }] });
    });
  });
});

describe("Nextcloud upgrade ladder", () => {
  it("climbs one major at a time from the box's version to the pinned one", () => {
    const ladder = upgradeLadder("26.0.13", "34.0.1");
    expect(ladder.map((rung) => rung.to.split(" ")[0])).toEqual(["26.x", "27.x", "28.x", "29.x", "30.x", "31.x", "32.x", "33.x", "34.0.1"]);
    expect(ladder.at(-1)!.image).toBe("docker.io/library/nextcloud:34.0.1-fpm");
    expect(ladder.every((rung) => rung.verify.includes(`--expect-major ${rung.to.split(".")[0]}`))).toBe(true);
    expect(upgradeLadder("34.0.0", "34.0.1")).toHaveLength(1);
    expect(() => upgradeLadder("30.0.1", "29.0.16")).toThrow(/older than the source/);
    expect(() => upgradeLadder("26", "34.0.1")).toThrow(/not a Nextcloud version/);
  });

  it("checks a rung on occ status --output=json", () => {
    const status = (over: object) => JSON.stringify({ installed: true, version: "27.1.11.3", versionstring: "27.1.11", edition: "", maintenance: false, needsDbUpgrade: false, productname: "Nextcloud", extendedSupport: false, ...over });
    expect(checkStatus(status({}), 27)).toEqual([]);
    expect(checkStatus(status({ needsDbUpgrade: true, maintenance: true }), 27)).toHaveLength(2);
    expect(checkStatus(status({}), 28)).toEqual(["version 27.1.11, expected 28.x"]);
    expect(checkStatus("Nextcloud is not installed", 27)).toEqual(["not the output of occ status --output=json"]);
  });
});
