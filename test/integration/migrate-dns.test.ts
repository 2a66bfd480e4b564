import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateZone, tfvarsSchema } from "../../harness/migrate/dns.ts";
import { renderDigitalOceanZone, verifyRecords } from "../../harness/migrate/dns-verify.ts";
import { parseZone } from "../../harness/migrate/zone.ts";
import { repoRoot } from "../../harness/paths.ts";
import { freePort } from "../../harness/processes.ts";
import { startKnot } from "../../harness/services/authdns.ts";
import { platform } from "../support/tree.ts";

// Real authoritative servers from Debian's packages on loopback: nsd serves the export as
// Mail-in-a-Box does, Knot serves the generated records the way DigitalOcean does.
const fixturePath = join(repoRoot, "test/fixtures/migrate/example.org.zone");
const oneLine = (output: string) => output.split("\n").filter((line) => line.startsWith("error:"));

describe("platform migrate dns", () => {
  let dir: string;
  let zoneText: string;
  let api: Server;
  let apiUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "migrate-dns-"));
    zoneText = await readFile(fixturePath, "utf8");
    // The box's admin API as it answers: basic auth, the zone as text.
    api = createServer((request, response) => {
      const expected = `Basic ${Buffer.from("admin@example.org:right-password").toString("base64")}`;
      if (request.headers.authorization !== expected) return void response.writeHead(401).end("auth required");
      if (request.url !== "/admin/dns/zonefile/example.org") return void response.writeHead(404).end();
      response.writeHead(200, { "content-type": "text/plain" }).end(zoneText);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => api.listen(port, "127.0.0.1", resolve));
    apiUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise<void>((resolve) => api.close(() => resolve())));

  it("writes the records and a report, and every kept name and type answers the same on nsd and Knot", async () => {
    const out = join(dir, "dns.auto.tfvars.json");
    const result = await platform(["migrate", "dns", "--zone-file", fixturePath, "--domain", "example.org", "--ingress-host", "www", "cloud", "--verify", "--out", out]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(/verify: 24 name\/type pairs answer the same on nsd \(old zone\) and knot on 127\.0\.0\.1:\d+/);
    const tfvars = tfvarsSchema.parse(JSON.parse(await readFile(out, "utf8")));
    expect(Object.keys(tfvars.dns_records)).toHaveLength(26);
    expect(await readFile(`${out}.report.md`, "utf8")).toContain("### Cutover timeline");
  });

  it("verifies with the cutover TTL: same data, every answer at the low TTL", async () => {
    const zone = parseZone(zoneText, { file: fixturePath });
    const migration = migrateZone(zone, { ingressHosts: [], retired: ["mautic"], ttl: 300 });
    const result = await verifyRecords(zoneText, "example.org", migration.records, { ttl: 300 });
    expect(result.differences).toEqual([]);
    expect(result.compared).toBe(27);
  });

  it("fails on any difference and names it: a changed DKIM key, a missing MX, a wrong TTL", async () => {
    const zone = parseZone(zoneText, { file: fixturePath });
    const migration = migrateZone(zone, { ingressHosts: [], retired: ["mautic"] });
    const records = structuredClone(migration.records);
    records["txt-mail._domainkey"]!.value = records["txt-mail._domainkey"]!.value.replace("p=b", "p=c");
    delete records["mx-box"];
    records["srv-_sip._tls"]!.ttl = 3600;
    // The kept list comes from the old zone, so a record lost on the way is asked for too.
    const result = await verifyRecords(zoneText, "example.org", records, { expected: migration.kept });
    const names = result.differences.map((difference) => `${difference.name} ${difference.type}`).sort();
    expect(names).toEqual(["_sip._tls.example.org. SRV", "box.example.org. MX", "mail._domainkey.example.org. TXT"]);
  });

  it("compares the old zone with a live server (--against host:port), as after the apply at DigitalOcean", async () => {
    const migration = migrateZone(parseZone(zoneText, { file: fixturePath }), { ingressHosts: [], retired: ["mautic"] });
    const live = await startKnot("example.org", renderDigitalOceanZone(migration.records, "example.org"));
    try {
      const result = await verifyRecords(zoneText, "example.org", migration.records, { against: `127.0.0.1:${live.port}`, expected: migration.kept });
      expect(result).toMatchObject({ compared: 27, differences: [], against: `127.0.0.1:${live.port}` });
    } finally {
      await live.stop();
    }
  });

  it("reads the zone from the box's admin API with the credentials from the environment", async () => {
    const env = { PLATFORM_MIAB_USER: "admin@example.org", PLATFORM_MIAB_PASSWORD: "right-password" };
    const result = await platform(["migrate", "dns", "--miab-url", apiUrl, "--domain", "example.org"], env);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain("dry run: nothing written");
    expect(result.all).not.toContain("right-password");
  });

  describe("malformed input: one line, and the last good records file stays as it was", () => {
    const cases: Array<[string, () => Promise<{ args: string[]; env?: Record<string, string> }>, RegExp]> = [
      ["a truncated zone (cut mid-file)", async () => ({ args: ["--zone-file", await variant("cut", zoneText.split("\n").slice(0, 40).join("\n") + "\n")] }), /does not end with Mail-in-a-Box's '; DNSSEC signing keys hash' line: the export looks truncated/],
      ["a truncated zone (cut inside the SOA)", async () => ({ args: ["--zone-file", await variant("cut-soa", zoneText.slice(0, 200))] }), /a '\(' is never closed: the zone looks truncated/],
      ["an unknown record type", async () => ({ args: ["--zone-file", await variant("type", zoneText.replace("shop\tIN\tCNAME", "shop\tIN\tALIAS"))] }), /:\d+: unknown record type ALIAS for shop\.example\.org/],
      ["a wrong password for the box's API", async () => ({ args: ["--miab-url", apiUrl], env: { PLATFORM_MIAB_USER: "admin@example.org", PLATFORM_MIAB_PASSWORD: "wrong" } }), /refused the credentials in PLATFORM_MIAB_USER\/PLATFORM_MIAB_PASSWORD \(HTTP 401\)/],
      ["an unreachable box", async () => ({ args: ["--miab-url", `http://127.0.0.1:${await freePort()}`], env: { PLATFORM_MIAB_USER: "a", PLATFORM_MIAB_PASSWORD: "b" } }), /cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/],
      ["a missing zone file", async () => ({ args: ["--zone-file", join(dir, "nope.zone")] }), /cannot read the zone file .*nope\.zone: no such file/],
    ];
    const variant = async (name: string, text: string) => {
      const path = join(dir, `${name}.zone`);
      await writeFile(path, text);
      return path;
    };
    for (const [name, input, message] of cases) {
      it(name, async () => {
        const out = join(dir, `${name.replaceAll(/\W+/g, "-")}.json`);
        await writeFile(out, '{"dns_records":{}}\n');
        const { args, env } = await input();
        const result = await platform(["migrate", "dns", ...args, "--domain", "example.org", "--out", out], env);
        expect(result.exitCode, result.all).toBe(2);
        const errors = oneLine(result.all ?? "");
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatch(message);
        expect(result.all).not.toMatch(/\n\s+at /);
        expect(await readFile(out, "utf8")).toBe('{"dns_records":{}}\n');
        expect(existsSync(`${out}.report.md`)).toBe(false);
      });
    }
  });
});
