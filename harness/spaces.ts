import { createHash, createHmac, randomBytes } from "node:crypto";
import { PlatformError } from "./errors.ts";

/**
 * The few Spaces calls the harness makes itself, outside OpenTofu: a key through the
 * DigitalOcean API (bootstrap) and a conditional-write probe through the S3 API. Credentials
 * travel in headers only; nothing here logs or returns a secret it was not asked for.
 */

export interface S3Target {
  /** e.g. https://fra1.digitaloceanspaces.com, or a local test server. */
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  /** The signing region: Spaces accepts us-east-1, as the S3 backend uses it. */
  region?: string;
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();

/** AWS Signature Version 4 for one path-style S3 request. */
export function signS3(target: S3Target, method: string, key: string, headers: Record<string, string>, body = "", now = new Date()): { url: string; headers: Record<string, string> } {
  const url = new URL(`${target.endpoint.replace(/\/+$/, "")}/${target.bucket}/${key.split("/").map(encodeURIComponent).join("/")}`);
  const amzDate = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const region = target.region ?? "us-east-1";
  const payloadHash = sha256(body);
  const all: Record<string, string> = { ...headers, host: url.host, "x-amz-date": amzDate, "x-amz-content-sha256": payloadHash };
  const names = Object.keys(all).map((name) => name.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(all).map(([name, value]) => [name.toLowerCase(), value.trim()]));
  const canonical = [method, url.pathname, "", ...names.map((name) => `${name}:${lower[name]}`), "", names.join(";"), payloadHash].join("\n");
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${target.secretKey}`, day), region), "s3"), "aws4_request");
  const signature = createHmac("sha256", signingKey).update(toSign).digest("hex");
  return {
    url: url.toString(),
    headers: { ...all, authorization: `AWS4-HMAC-SHA256 Credential=${target.accessKey}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}` },
  };
}

async function s3(target: S3Target, method: string, key: string, headers: Record<string, string> = {}, body = ""): Promise<number> {
  const signed = signS3(target, method, key, headers, body);
  const response = await fetch(signed.url, { method, headers: signed.headers, ...(method === "PUT" ? { body } : {}), signal: AbortSignal.timeout(30_000) });
  await response.arrayBuffer();
  return response.status;
}

/**
 * What OpenTofu's use_lockfile relies on: a PUT with If-None-Match: * creates an object only
 * when none exists. Two probes at one new key: the first must succeed, the second must be
 * refused with 412, or two runs could both believe they hold the state lock.
 */
export async function probeConditionalWrites(target: S3Target): Promise<{ first: number; second: number; holds: boolean }> {
  const key = `.doks-platform-lock-probe-${randomBytes(6).toString("hex")}`;
  const first = await s3(target, "PUT", key, { "if-none-match": "*" }, "probe");
  const second = await s3(target, "PUT", key, { "if-none-match": "*" }, "probe");
  await s3(target, "DELETE", key);
  return { first, second, holds: first === 200 && second === 412 };
}

export interface SpacesKey {
  name: string;
  accessKey: string;
  secretKey: string;
}

/**
 * Creates a Spaces key through the DigitalOcean API (POST /v2/spaces/keys). fullaccess on
 * every bucket ("" bucket) is what creating buckets needs: it is the bootstrap key, used by
 * OpenTofu only; every consumer gets its own scoped key from the cluster stack.
 */
export async function createSpacesKey(name: string, token: string, apiUrl = process.env.DIGITALOCEAN_API_URL ?? "https://api.digitalocean.com"): Promise<SpacesKey> {
  let response: Response;
  try {
    response = await fetch(`${apiUrl.replace(/\/+$/, "")}/v2/spaces/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name, grants: [{ bucket: "", permission: "fullaccess" }] }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new PlatformError(`the DigitalOcean API (${apiUrl}) did not answer: ${(error as Error).message}`, "Check the network, then run the bootstrap again: nothing was created.");
  }
  const body = (await response.json().catch(() => ({}))) as { key?: { name?: string; access_key?: string; secret_key?: string }; message?: string };
  if (!response.ok || !body.key?.access_key || !body.key.secret_key) {
    throw new PlatformError(
      `creating Spaces key ${name} failed: the API answered ${response.status}${body.message ? ` (${body.message})` : ""}`,
      response.status === 401 || response.status === 403 ? "DIGITALOCEAN_TOKEN must be a read/write token (or a custom-scoped one with spaces_key:create)." : "Check the message above and run the bootstrap again.",
    );
  }
  return { name: body.key.name ?? name, accessKey: body.key.access_key, secretKey: body.key.secret_key };
}
