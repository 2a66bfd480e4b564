import { createDecipheriv, createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { PlatformError } from "../errors.ts";

/**
 * n8n encrypts each credential's `data` with the instance's encryption key in OpenSSL's
 * "Salted__" format, as CryptoJS.AES.encrypt(text, passphrase) did before n8n moved to node's
 * crypto with the same bytes (packages/core/src/encryption/cipher.ts): base64 of "Salted__",
 * an 8-byte salt, then AES-256-CBC with key and IV from EVP_BytesToKey (MD5, one round) over
 * the key (read as latin1) and the salt. A key matches when every credential decrypts to JSON.
 */

const magic = Buffer.from("Salted__");

function keyAndIv(passphrase: string, salt: Buffer): [Buffer, Buffer] {
  const password = Buffer.concat([Buffer.from(passphrase, "latin1"), salt]);
  const hash1 = createHash("md5").update(password).digest();
  const hash2 = createHash("md5").update(Buffer.concat([hash1, password])).digest();
  const iv = createHash("md5").update(Buffer.concat([hash2, password])).digest();
  return [Buffer.concat([hash1, hash2]), iv];
}

/** The plaintext, or undefined when the key does not open it (bad padding or not JSON). */
export function decryptCredential(data: string, passphrase: string): unknown {
  const input = Buffer.from(data, "base64");
  if (input.length < 32 || !input.subarray(0, 8).equals(magic)) return undefined;
  const [key, iv] = keyAndIv(passphrase, input.subarray(8, 16));
  try {
    const decipher = createDecipheriv("aes-256-cbc", key, iv);
    const text = Buffer.concat([decipher.update(input.subarray(16)), decipher.final()]).toString("utf8");
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === "object" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

const credentialSchema = z.object({ id: z.union([z.string(), z.number()]).optional(), name: z.string(), type: z.string(), data: z.string() }).loose();
export type ExportedCredential = z.infer<typeof credentialSchema>;

/** n8n's exports: one JSON file holding an array (--all --output=file) or a folder of files (--backup). */
function readExport(path: string, fix: string): Array<{ file: string; entry: unknown }> {
  if (!existsSync(path)) throw new PlatformError(`${path} does not exist`, fix);
  const files = statSync(path).isDirectory() ? readdirSync(path).filter((name) => name.endsWith(".json")).map((name) => join(path, name)) : [path];
  return files.flatMap((file) => {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new PlatformError(`${file} is not JSON: ${(error as Error).message}`, fix);
    }
    return (Array.isArray(data) ? data : [data]).map((entry) => ({ file, entry }));
  });
}

const credentialsFix = "Export the credentials on the old instance: n8n export:credentials --all --output=credentials.json (encrypted, never --decrypted).";

export function readCredentialsExport(path: string): ExportedCredential[] {
  return readExport(path, credentialsFix).map(({ file, entry }) => {
    const parsed = credentialSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new PlatformError(`${file}: ${issue.path.join(".") || "entry"} ${issue.message}; this is not n8n's encrypted credentials export`, credentialsFix);
    }
    return parsed.data;
  });
}

/** Workflows carry no secrets; they only have to be n8n workflows. */
export function readWorkflowsExport(path: string): number {
  const fix = "Export the workflows on the old instance: n8n export:workflow --all --output=workflows.json.";
  const entries = readExport(path, fix);
  const bad = entries.find(({ entry }) => !entry || typeof entry !== "object" || !Array.isArray((entry as { nodes?: unknown }).nodes));
  if (bad) throw new PlatformError(`${bad.file}: an entry has no nodes list: not an n8n workflow export`, fix);
  return entries.length;
}

/** The key as n8n keeps it: N8N_ENCRYPTION_KEY, or `encryptionKey` in ~/.n8n/config. */
export function readN8nKey(configPath: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (env.N8N_ENCRYPTION_KEY) return env.N8N_ENCRYPTION_KEY;
  if (!configPath) throw new PlatformError("no encryption key: N8N_ENCRYPTION_KEY is not set and no --old-config given", "Pass --old-config <the old instance's ~/.n8n/config>, or export N8N_ENCRYPTION_KEY.");
  try {
    const key = z.object({ encryptionKey: z.string().min(1) }).parse(JSON.parse(readFileSync(configPath, "utf8"))).encryptionKey;
    return key;
  } catch {
    throw new PlatformError(`${configPath} has no encryptionKey`, "Pass the old instance's ~/.n8n/config (a JSON file with encryptionKey), or export N8N_ENCRYPTION_KEY.");
  }
}

export interface KeyCheck {
  total: number;
  opened: number;
  failed: Array<{ name: string; type: string }>;
}

export function checkKey(credentials: ExportedCredential[], key: string): KeyCheck {
  const failed = credentials.filter((credential) => decryptCredential(credential.data, key) === undefined).map(({ name, type }) => ({ name, type }));
  return { total: credentials.length, opened: credentials.length - failed.length, failed };
}
