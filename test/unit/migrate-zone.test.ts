import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PlatformError } from "../../harness/errors.ts";
import { migrateZone, recordKey, tfvarsSchema, toDoRecord } from "../../harness/migrate/dns.ts";
import { renderRecord } from "../../harness/migrate/dns-verify.ts";
import { parseTtl, parseZone } from "../../harness/migrate/zone.ts";
import { repoRoot } from "../../harness/paths.ts";

const fixture = readFileSync(join(repoRoot, "test/fixtures/migrate/example.org.zone"), "utf8");
const soa = "@ IN SOA ns1.box.example.org. hostmaster.box.example.org. 1 7200 3600 1209600 86400\n";
const zoneOf = (body: string, head = "$ORIGIN example.org.\n$TTL 3600\n") => parseZone(`${head}${soa}${body}`, { file: "t.zone" });
const only = (body: string) => zoneOf(body).records.filter((record) => record.type !== "SOA");

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PlatformError);
    return (error as PlatformError).message;
  }
  throw new Error("expected a PlatformError");
}

describe("zone parser: the spellings a master file allows", () => {
  it("inherits the owner name across lines, including right after a multi-line SOA", () => {
    const zone = parseZone(fixture, { file: "example.org.zone" });
    const apex = zone.records.filter((record) => record.owner === "example.org").map((record) => record.type);
    expect(apex).toEqual(["SOA", "NS", "NS", "A", "AAAA", "MX", "TXT", "TXT", "CAA", "CAA"]);
    expect(zone.miabTrailer).toBe(true);
  });

  it("reads TTL and class in either order, with BIND units, and falls back to $TTL", () => {
    const records = only("a 300 IN A 192.0.2.1\nb IN 1h30m A 192.0.2.2\nc A 192.0.2.3\nd 2D TXT x\n");
    expect(records.map((record) => [record.owner, record.ttl])).toEqual([["a.example.org", 300], ["b.example.org", 5400], ["c.example.org", 3600], ["d.example.org", 172800]]);
    expect(parseTtl("1w")).toBe(604800);
    expect(parseTtl("x")).toBeUndefined();
  });

  it("makes relative, '@' and absolute names absolute, and follows a later $ORIGIN", () => {
    const records = only("@ MX 10 mail\nwww CNAME @\nx CNAME other.net.\n$ORIGIN sub.example.org.\ny A 192.0.2.9\n");
    expect(records.map((record) => record.owner)).toEqual(["example.org", "www.example.org", "x.example.org", "y.sub.example.org"]);
    const domain = "example.org";
    expect(toDoRecord(records[0]!, domain, 3600)).toMatchObject({ type: "MX", name: "@", priority: 10, value: "mail.example.org." });
    expect(toDoRecord(records[1]!, domain, 3600)).toMatchObject({ value: "example.org." });
    expect(toDoRecord(records[2]!, domain, 3600)).toMatchObject({ value: "other.net." });
  });

  it("joins parenthesised records and TXT strings, unescaping \\\" \\\\ and \\DDD bytes", () => {
    const [record] = only('t IN TXT ( "part one; "\n  "with \\"quotes\\" and \\\\ and \\195\\169"  ; a comment\n  )\n');
    expect(toDoRecord(record!, "example.org", 3600)).toMatchObject({ type: "TXT", value: 'part one; with "quotes" and \\ and é' });
  });

  it("keeps ';' inside quotes and reads a 255-byte split DKIM key back whole", () => {
    const key = "A".repeat(300);
    const [record] = only(`mail._domainkey IN TXT "v=DKIM1; k=rsa; p=${key.slice(0, 240)}" "${key.slice(240)}"\n`);
    expect(toDoRecord(record!, "example.org", 3600)).toMatchObject({ value: `v=DKIM1; k=rsa; p=${key}` });
  });

  it("normalises each DigitalOcean type the way the provider reads it back", () => {
    const records = only(
      [
        "@ CAA 0 issue \"letsencrypt.org\"",
        "@ CAA 128 issuewild \"sectigo.com\"",
        "@ CAA 0 iodef \"mailto:sec@example.org\"",
        "_imaps._tcp SRV 0 1 993 mail.example.org.",
        "v6 AAAA 2001:DB8::1",
        "sub NS ns1.other.net.",
      ].join("\n") + "\n",
    );
    const converted = records.map((record) => toDoRecord(record, "example.org", 20));
    expect(converted).toEqual([
      { type: "CAA", name: "@", ttl: 30, flags: 0, tag: "issue", value: "letsencrypt.org." },
      { type: "CAA", name: "@", ttl: 30, flags: 128, tag: "issuewild", value: "sectigo.com." },
      { type: "CAA", name: "@", ttl: 30, flags: 0, tag: "iodef", value: "mailto:sec@example.org" },
      { type: "SRV", name: "_imaps._tcp", ttl: 30, priority: 0, weight: 1, port: 993, value: "mail.example.org." },
      { type: "AAAA", name: "v6", ttl: 30, value: "2001:db8::1" },
      { type: "NS", name: "sub", ttl: 30, value: "ns1.other.net." },
    ]);
    // What DigitalOcean serves: the provider's trailing dot on CAA issue is not part of the data.
    expect(renderRecord(converted[0] as never, "example.org")).toBe('example.org.\t30\tIN\tCAA\t0 issue "letsencrypt.org"');
  });

  it("gives records stable keys that do not depend on their order in the zone", () => {
    const forward = migrateZone(zoneOf("@ TXT a\n@ TXT b\n@ MX 10 m1\n@ MX 20 m2\n"), { ingressHosts: [], retired: [] });
    const backward = migrateZone(zoneOf("@ MX 20 m2\n@ MX 10 m1\n@ TXT b\n@ TXT a\n"), { ingressHosts: [], retired: [] });
    expect(Object.keys(forward.records)).toEqual(Object.keys(backward.records));
    expect(forward.records).toEqual(backward.records);
    expect(Object.keys(forward.records)).toContain("mx-apex-10");
    expect(recordKey({ type: "A", name: "*", value: "192.0.2.1" }, 1)).toBe("a-wildcard");
  });

  it("gives an RRset one TTL, the lowest, as DigitalOcean keeps one per name and type", () => {
    const migration = migrateZone(zoneOf("@ 600 TXT a\n@ 60 TXT b\n"), { ingressHosts: [], retired: [] });
    expect(Object.values(migration.records).map((record) => record.ttl)).toEqual([60, 60]);
  });
});

describe("zone parser: broken input is one line naming the place", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["truncated inside parentheses", "$ORIGIN example.org.\n$TTL 3600\n@ IN SOA ns1.x. h.x. (\n 1 2 3\n", /t\.zone:3: a '\(' is never closed: the zone looks truncated/],
    ["truncated inside a quoted string", `$ORIGIN example.org.\n$TTL 3600\n${soa}t TXT "abc`, /t\.zone:4: a quoted string is never closed/],
    ["truncated before the type", `$ORIGIN example.org.\n$TTL 3600\n${soa}www 3600 IN\n`, /stops before its type: the zone looks truncated/],
    ["truncated inside rdata", `$ORIGIN example.org.\n$TTL 3600\n${soa}@ IN MX 10\n`, /t\.zone:4: the MX record for example\.org has 1 of its 2 fields/],
    ["an unknown record type", `$ORIGIN example.org.\n$TTL 3600\n${soa}www IN AAAAA 2001:db8::1\n`, /t\.zone:4: unknown record type AAAAA for www\.example\.org/],
    ["generic type syntax", `$ORIGIN example.org.\n$TTL 3600\n${soa}x IN TYPE65534 \\# 0\n`, /TYPE65534 \(RFC 3597 generic syntax\)/],
    ["no SOA at all (the head of the file was lost)", "$ORIGIN example.org.\n$TTL 3600\nwww A 192.0.2.1\n", /no SOA record for example\.org/],
    ["$INCLUDE", `$ORIGIN example.org.\n$INCLUDE other.zone\n${soa}`, /\$INCLUDE is not supported here/],
    ["a class other than IN", `$ORIGIN example.org.\n$TTL 3600\n${soa}v CH TXT x\n`, /class CH is not an Internet record/],
  ];
  for (const [name, text, message] of cases) {
    it(name, () => expect(failure(() => parseZone(text, { file: "t.zone" }))).toMatch(message));
  }

  it("notices a zone cut at a line boundary: Mail-in-a-Box's closing line is missing", () => {
    const cut = fixture.split("\n").slice(0, 30).join("\n");
    expect(parseZone(cut, { file: "cut.zone" }).miabTrailer).toBe(false);
  });
});

describe("migrateZone on a Mail-in-a-Box export", () => {
  const migration = migrateZone(parseZone(fixture, { file: "example.org.zone" }), { ingressHosts: ["www", "cloud.example.org"], retired: ["mautic"] });
  const where = (entries: Array<{ name: string; type: string }>) => entries.map((entry) => `${entry.name} ${entry.type}`);

  it("drops what DigitalOcean owns or cannot hold, each with its reason", () => {
    expect(where(migration.dropped)).toEqual(["@ SOA", "@ NS", "@ NS", "_25._tcp.box TLSA", "box SSHFP", "ns1.box A", "ns2.box A"]);
    expect(migration.dropped.find((entry) => entry.type === "TLSA")?.reason).toMatch(/cannot hold TLSA/);
    expect(migration.dropped.find((entry) => entry.name === "ns1.box")?.reason).toMatch(/nameserver glue/);
  });

  it("asks for decisions: DNSSEC, the old server, MTA-STS, retired apps, null MX", () => {
    const decisions = migration.decisions;
    expect(decisions[0]).toMatchObject({ type: "DS", written: false });
    expect(decisions.filter((entry) => entry.reason.startsWith("points at the old server")).map((entry) => `${entry.name} ${entry.type}`)).toEqual(
      expect.arrayContaining(["@ A", "@ MX", "_caldavs._tcp SRV", "n8n CNAME", "autoconfig A"]),
    );
    expect(decisions.find((entry) => entry.name === "_mta-sts")).toMatchObject({ written: true });
    expect(decisions.filter((entry) => entry.name === "mautic").map((entry) => entry.written)).toEqual([false, false]);
    expect(decisions.find((entry) => entry.name === "static" && entry.type === "MX")).toMatchObject({ written: false });
    expect(Object.values(migration.records).some((record) => record.name === "mautic")).toBe(false);
  });

  it("leaves Ingress hosts' address records to external-dns, and keeps their other records", () => {
    expect(where(migration.externalDns)).toEqual(["www A", "www AAAA", "cloud A"]);
    expect(Object.values(migration.records).some((record) => record.name === "www")).toBe(false);
  });

  it("writes a records file the DNS module's schema accepts, with the DKIM selector 'mail' whole", () => {
    const tfvars = tfvarsSchema.parse({ dns_records: migration.records });
    expect(tfvars.dns_records["txt-mail._domainkey"]?.value).toMatch(/^v=DKIM1; h=sha256; k=rsa; s=email; p=[A-Za-z0-9+/=]{392}$/);
    expect(tfvars.dns_records["caa-apex-c92be3ad"]).toEqual({ type: "CAA", name: "@", value: "letsencrypt.org.", ttl: 86400, flags: 0, tag: "issue" });
    expect(migration.kept).toHaveLength(Object.keys(tfvars.dns_records).length);
  });

  it("computes the cutover waits from the zone's own TTLs", () => {
    expect(migration.timeline.join("\n")).toMatch(/old answers for up to 1 d/);
    expect(migrateZone(zoneOf("@ 300 TXT a\n", "$ORIGIN example.org.\n$TTL 7200\n"), { ingressHosts: [], retired: [] }).timeline.join("\n")).toMatch(/longest TTL 2 h/);
  });
});
