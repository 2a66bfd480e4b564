import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { obtainBootstrapKey } from "../../harness/bootstrap.ts";
import { PlatformError } from "../../harness/errors.ts";
import { createSpacesKey } from "../../harness/spaces.ts";

// The bootstrap's one DigitalOcean API call, against a local server that answers as the API
// does (the response shape of POST /v2/spaces/keys in DigitalOcean's API reference, replayed).
// The API itself cannot run here.
const recorded = {
  key: {
    name: "acme-tofu",
    grants: [{ bucket: "", permission: "fullaccess" }],
    access_key: "DOFAKEACCESSKEY000001",
    secret_key: "fake-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    created_at: "2026-11-26T12:00:00Z",
  },
};

let server: Server;
let api: string;
const requests: Array<{ method?: string; url?: string; authorization?: string; body: unknown }> = [];
let answer: { status: number; body: unknown } = { status: 201, body: recorded };

async function body(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString() || "null");
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    requests.push({ method: request.method, url: request.url, authorization: request.headers.authorization, body: await body(request) });
    response.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.DIGITALOCEAN_API_URL = api;
  process.env.DIGITALOCEAN_TOKEN = "dop_v1_test_token";
  delete process.env.SPACES_ACCESS_KEY_ID;
  delete process.env.SPACES_SECRET_ACCESS_KEY;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(() => {
  requests.length = 0;
  answer = { status: 201, body: recorded };
  vi.restoreAllMocks();
});

describe("the bootstrap Spaces key", () => {
  it("asks the API for a fullaccess key, keeps it in a 0600 file and never prints the secret", async () => {
    const printed: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    vi.spyOn(console, "log").mockImplementation((...args) => void printed.push(args.join(" ")));
    const file = join(mkdtempSync(join(tmpdir(), "bootstrap-")), "config", "spaces-key.env");

    const key = await obtainBootstrapKey("acme", file);
    expect(requests).toEqual([{ method: "POST", url: "/v2/spaces/keys", authorization: "Bearer dop_v1_test_token", body: { name: "acme-tofu", grants: [{ bucket: "", permission: "fullaccess" }] } }]);
    expect(key).toEqual({ name: "acme-tofu", accessKey: recorded.key.access_key, secretKey: recorded.key.secret_key });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toContain(`export SPACES_SECRET_ACCESS_KEY=${recorded.key.secret_key}\n`);
    expect(printed.join("")).toContain(`created Spaces key acme-tofu; its id and secret are in ${file}`);
    expect(printed.join("")).not.toContain(recorded.key.secret_key);
    expect(printed.join("")).not.toContain(recorded.key.access_key);

    // A second run without the key in the environment never overwrites the only copy.
    await expect(obtainBootstrapKey("acme", file)).rejects.toThrow(`${file} exists but SPACES_ACCESS_KEY_ID is not set`);
    expect(requests).toHaveLength(1);
  });

  it("uses the key already in the environment instead of creating one", async () => {
    process.env.SPACES_ACCESS_KEY_ID = "DOEXISTING";
    process.env.SPACES_SECRET_ACCESS_KEY = "existing-secret";
    try {
      const key = await obtainBootstrapKey("acme", join(tmpdir(), "never-written.env"));
      expect(key.accessKey).toBe("DOEXISTING");
      expect(requests).toEqual([]);
    } finally {
      delete process.env.SPACES_ACCESS_KEY_ID;
      delete process.env.SPACES_SECRET_ACCESS_KEY;
    }
  });

  it("turns a refused token into one line that names the scope it needs", async () => {
    answer = { status: 401, body: { id: "Unauthorized", message: "Unable to authenticate you" } };
    const error = (await createSpacesKey("acme-tofu", "wrong").catch((caught: unknown) => caught)) as PlatformError;
    expect(error).toBeInstanceOf(PlatformError);
    expect(error.message).toBe("creating Spaces key acme-tofu failed: the API answered 401 (Unable to authenticate you)");
    expect(error.fix).toContain("read/write token");
  });

  it("says the API did not answer when nothing listens, and creates nothing", async () => {
    const error = (await createSpacesKey("acme-tofu", "t", "http://127.0.0.1:9").catch((caught: unknown) => caught)) as PlatformError;
    expect(error.message).toMatch(/^the DigitalOcean API \(http:\/\/127\.0\.0\.1:9\) did not answer/);
  });
});
