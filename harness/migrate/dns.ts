import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { z } from "zod";
import type { Zone, ZoneRecord } from "./zone.ts";

/**
 * Turns a parsed Mail-in-a-Box zone into the records input of modules/dns (HOUSE contract 7):
 * one entry per record, keyed by a stable id, with values as the DigitalOcean provider stores
 * them, so the first plan after import shows no drift. Everything that does not move is kept in
 * the report with its reason; nothing is dropped silently.
 */

/** What digitalocean_record can hold (its `type` validation, less SOA which DigitalOcean owns). */
export const digitalOceanTypes = ["A", "AAAA", "CAA", "CNAME", "MX", "NS", "TXT", "SRV"] as const;

export const doRecordSchema = z.object({
  type: z.enum(digitalOceanTypes),
  name: z.string().min(1),
  value: z.string().min(1),
  ttl: z.number().int().min(30).optional(),
  priority: z.number().int().min(0).max(65535).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  weight: z.number().int().min(0).max(65535).optional(),
  flags: z.number().int().min(0).max(255).optional(),
  tag: z.enum(["issue", "issuewild", "iodef"]).optional(),
});
export type DoRecord = z.infer<typeof doRecordSchema>;
export const tfvarsSchema = z.object({ dns_records: z.record(z.string(), doRecordSchema) });

export interface ReportEntry {
  name: string;
  type: string;
  value: string;
  reason: string;
  line: number;
}

export interface Decision extends ReportEntry {
  /** Whether the record is in the generated records (as it is today) or left out until decided. */
  written: boolean;
}

export interface DnsMigration {
  domain: string;
  records: Record<string, DoRecord>;
  kept: Array<ReportEntry & { key: string }>;
  dropped: ReportEntry[];
  decisions: Decision[];
  externalDns: ReportEntry[];
  timeline: string[];
}

export interface DnsOptions {
  /** Hosts of Ingresses (relative names or FQDNs): external-dns owns their A/AAAA/CNAME. */
  ingressHosts: string[];
  /** Overrides every TTL (the cutover's low TTL); undefined keeps the zone's own. */
  ttl?: number;
  /** Labels of retired apps whose records should not move without a decision (Mautic). */
  retired: string[];
}

/** DigitalOcean refuses TTLs under 30 s. */
const minimumTtl = 30;

function relativeName(owner: string, domain: string): string {
  if (owner === domain) return "@";
  return owner.slice(0, -(domain.length + 1));
}

function fqdnValue(target: string, domain: string): string {
  const absolute = target === "@" ? domain : target;
  return absolute === "." ? "." : `${absolute.replace(/\.$/, "")}.`;
}

/** A target name in rdata, made absolute against the zone origin. */
function targetName(field: string, origin: string): string {
  if (field === "@") return origin;
  if (field === ".") return ".";
  return field.endsWith(".") ? field.slice(0, -1).toLowerCase() : `${field}.${origin}`.toLowerCase();
}

export function txtValue(record: ZoneRecord): string {
  return Buffer.concat(record.fields.map((field) => field.bytes)).toString("utf8");
}

function rdataText(record: ZoneRecord): string {
  return record.type === "TXT" || record.type === "SPF" ? txtValue(record) : record.fields.map((field) => (field.quoted ? `"${field.text}"` : field.text)).join(" ");
}

/**
 * The record as digitalocean_record stores it after a read: CNAME, MX, NS, SRV and CAA values
 * get a trailing dot (iodef excepted), an apex target reads back as "@" but the provider
 * suppresses that diff for the domain's FQDN, TXT is the joined, unquoted string.
 */
export function toDoRecord(record: ZoneRecord, domain: string, ttl: number): DoRecord | { error: string } {
  const name = relativeName(record.owner, domain);
  const f = record.fields.map((field) => field.text);
  const base = { name, ttl: Math.max(ttl, minimumTtl) };
  switch (record.type) {
    case "A":
      if (isIP(f[0]!) !== 4) return { error: `${f[0]} is not an IPv4 address` };
      return { ...base, type: "A", value: f[0]! };
    case "AAAA":
      if (isIP(f[0]!) !== 6) return { error: `${f[0]} is not an IPv6 address` };
      return { ...base, type: "AAAA", value: f[0]!.toLowerCase() };
    case "CNAME":
    case "NS":
      return { ...base, type: record.type, value: fqdnValue(targetName(f[0]!, domain), domain) };
    case "MX": {
      const priority = Number(f[0]);
      if (!Number.isInteger(priority)) return { error: `MX priority ${f[0]} is not a number` };
      return { ...base, type: "MX", priority, value: fqdnValue(targetName(f[1]!, domain), domain) };
    }
    case "SRV": {
      const [priority, weight, port] = f.slice(0, 3).map(Number);
      if (![priority, weight, port].every((n) => Number.isInteger(n))) return { error: `SRV fields ${f.slice(0, 3).join(" ")} are not numbers` };
      return { ...base, type: "SRV", priority: priority!, weight: weight!, port: port!, value: fqdnValue(targetName(f[3]!, domain), domain) };
    }
    case "CAA": {
      const flags = Number(f[0]);
      const tag = f[1]!.toLowerCase();
      if (!Number.isInteger(flags) || flags < 0 || flags > 255) return { error: `CAA flags ${f[0]} is not 0-255` };
      if (tag !== "issue" && tag !== "issuewild" && tag !== "iodef") return { error: `CAA tag ${f[1]} is not one DigitalOcean holds (issue, issuewild, iodef)` };
      const value = record.fields[2]!.text;
      return { ...base, type: "CAA", flags, tag, value: tag === "iodef" ? value : `${value}.` };
    }
    case "TXT":
    case "SPF":
      return { ...base, type: "TXT", value: txtValue(record) };
    default:
      return { error: `${record.type} records cannot be held by DigitalOcean DNS` };
  }
}

/** A stable key: the same record always gets the same id, whatever its position in the zone. */
export function recordKey(record: DoRecord, siblings: number): string {
  const label = record.name === "@" ? "apex" : record.name.replace(/^\*/, "wildcard");
  const base = `${record.type.toLowerCase()}-${label}`;
  if (siblings === 1) return base;
  if (record.type === "MX") return `${base}-${record.priority}`;
  const digest = createHash("sha256").update(JSON.stringify([record.value, record.priority, record.port, record.weight, record.flags, record.tag])).digest("hex").slice(0, 8);
  return `${base}-${digest}`;
}

const dropReasons: Record<string, string> = {
  TLSA: "DigitalOcean DNS cannot hold TLSA (DANE needs DNSSEC, which DigitalOcean DNS does not offer)",
  SSHFP: "DigitalOcean DNS cannot hold SSHFP records",
  DS: "DS records live in the parent zone; DigitalOcean DNS has no DNSSEC",
  DNSKEY: "DNSSEC key: DigitalOcean DNS does not sign zones",
  RRSIG: "DNSSEC signature: DigitalOcean DNS does not sign zones",
  NSEC: "DNSSEC denial record: DigitalOcean DNS does not sign zones",
  NSEC3: "DNSSEC denial record: DigitalOcean DNS does not sign zones",
  NSEC3PARAM: "DNSSEC parameter: DigitalOcean DNS does not sign zones",
};

/**
 * The old box's identity, read from the zone itself: the SOA's primary nameserver is
 * ns1.<box hostname>, and the box's addresses are that hostname's A/AAAA records.
 */
function boxIdentity(zone: Zone): { hostname?: string; addresses: Set<string>; nameservers: Set<string> } {
  const soa = zone.records.find((record) => record.type === "SOA");
  const mname = soa ? targetName(soa.fields[0]!.text, zone.origin) : undefined;
  const hostname = mname?.startsWith("ns1.") ? mname.slice(4) : undefined;
  const nameservers = new Set(zone.records.filter((record) => record.type === "NS" && record.owner === zone.origin).map((record) => targetName(record.fields[0]!.text, zone.origin)));
  const addresses = new Set<string>();
  for (const record of zone.records) {
    if ((record.type === "A" || record.type === "AAAA") && (record.owner === hostname || nameservers.has(record.owner))) addresses.add(record.fields[0]!.text.toLowerCase());
  }
  return { hostname, addresses, nameservers };
}

function hostsOwnedByExternalDns(hosts: string[], domain: string): Set<string> {
  return new Set(hosts.map((host) => {
    const name = host.replace(/\.$/, "").toLowerCase();
    return name === domain || name === "@" ? domain : name.endsWith(`.${domain}`) ? name : `${name}.${domain}`;
  }));
}

export function migrateZone(zone: Zone, options: DnsOptions): DnsMigration {
  const domain = zone.origin;
  const box = boxIdentity(zone);
  const external = hostsOwnedByExternalDns(options.ingressHosts, domain);
  const kept: DnsMigration["kept"] = [];
  const dropped: ReportEntry[] = [];
  const decisions: Decision[] = [];
  const externalDns: ReportEntry[] = [];
  const candidates: Array<{ record: DoRecord; source: ZoneRecord }> = [];
  const entry = (record: ZoneRecord, reason: string): ReportEntry => ({ name: relativeName(record.owner, domain), type: record.type, value: rdataText(record), reason, line: record.line });
  const retired = options.retired.map((label) => label.toLowerCase());
  decisions.push({
    name: "@",
    type: "DS",
    value: "(at the registrar)",
    reason: "DNSSEC: Mail-in-a-Box signs this zone; DigitalOcean DNS cannot. Remove the DS record at the registrar and wait out its TTL before the NS switch (timeline step 3)",
    line: 0,
    written: false,
  });

  for (const record of zone.records) {
    if (!record.owner.endsWith(`.${domain}`) && record.owner !== domain) {
      dropped.push(entry(record, `outside the zone ${domain}`));
      continue;
    }
    if (record.type === "SOA") {
      dropped.push(entry(record, "SOA: DigitalOcean writes its own"));
      continue;
    }
    if (record.type === "NS" && record.owner === domain) {
      dropped.push(entry(record, "apex NS: DigitalOcean serves its own (ns1-3.digitalocean.com)"));
      continue;
    }
    if ((record.type === "A" || record.type === "AAAA") && box.hostname && (record.owner === `ns1.${box.hostname}` || record.owner === `ns2.${box.hostname}`)) {
      dropped.push(entry(record, "nameserver glue of the old box: unused once the NS records point at DigitalOcean"));
      continue;
    }
    if (dropReasons[record.type]) {
      dropped.push(entry(record, dropReasons[record.type]!));
      continue;
    }
    const owner = record.owner;
    if (["A", "AAAA", "CNAME"].includes(record.type) && external.has(owner)) {
      externalDns.push(entry(record, "an Ingress host: external-dns (owner id `platform`) creates this record from the Ingress"));
      continue;
    }
    const ttl = options.ttl ?? record.ttl;
    const converted = toDoRecord(record, domain, ttl);
    if ("error" in converted) {
      dropped.push(entry(record, converted.error));
      continue;
    }
    const labels = owner.split(".");
    if (retired.some((label) => labels.includes(label))) {
      decisions.push({ ...entry(record, `belongs to a retired app (${retired.find((label) => labels.includes(label))}): not written; add it back by hand if it must stay`), written: false });
      continue;
    }
    if (record.type === "MX" && converted.value === ".") {
      decisions.push({ ...entry(record, "null MX (RFC 7505): DigitalOcean DNS takes only host names as MX targets; the SPF '-all' and DMARC 'reject' records still refuse mail for this name. Not written"), written: false });
      continue;
    }
    const pointsAtBox = box.addresses.has(converted.value.toLowerCase()) || (box.hostname !== undefined && converted.value === `${box.hostname}.`);
    if (pointsAtBox) {
      decisions.push({ ...entry(record, `points at the old server (${converted.value}): written as it is so nothing breaks at the NS switch; change it when the service moves, or give the name to an Ingress (--ingress-host)`), written: true });
    }
    if (record.type === "TXT" && /^v=STSv1/i.test(converted.value)) {
      decisions.push({ ...entry(record, "MTA-STS policy id: the old box's policy (mode enforce, max_age 604800 s) names its own MX host. Before the MX changes, publish a policy that lists the new MX (or mode: testing) with a new id, or remove this record and wait 7 days; otherwise senders that cached the policy refuse to deliver"), written: true });
    }
    if (record.type === "CAA" && record.fields[1]!.text.toLowerCase() !== "iodef" && !/^[a-z0-9.-]+$/i.test(record.fields[2]!.text)) {
      decisions.push({ ...entry(record, "CAA value with parameters or ';': the provider appends '.' to it when it reads the record back; check the first plan after apply shows no change"), written: true });
    }
    candidates.push({ record: converted, source: record });
  }

  const groups = new Map<string, number>();
  for (const { record } of candidates) groups.set(`${record.type} ${record.name}`, (groups.get(`${record.type} ${record.name}`) ?? 0) + 1);
  const records: Record<string, DoRecord> = {};
  for (const { record, source } of candidates) {
    const key = recordKey(record, groups.get(`${record.type} ${record.name}`)!);
    if (records[key]) {
      dropped.push(entry(source, `duplicate of ${key}`));
      continue;
    }
    records[key] = record;
    kept.push({ ...entry(source, "kept"), key });
  }
  // DigitalOcean keeps one TTL per RRset (RFC 2181 §5.2); the lowest wins so no cache holds longer than planned.
  const rrsetTtl = new Map<string, number>();
  for (const record of Object.values(records)) {
    const id = `${record.type} ${record.name}`;
    rrsetTtl.set(id, Math.min(rrsetTtl.get(id) ?? Infinity, record.ttl ?? 3600));
  }
  for (const record of Object.values(records)) record.ttl = rrsetTtl.get(`${record.type} ${record.name}`)!;

  const sorted = Object.fromEntries(Object.entries(records).sort(([a], [b]) => a.localeCompare(b)));
  return { domain, records: sorted, kept, dropped, decisions, externalDns, timeline: cutoverTimeline(zone, options) };
}

function duration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/**
 * The order of the switch, with waits computed from the zone's own TTLs: a resolver may hold an
 * old answer for the longest TTL it saw, and a negative answer for the SOA minimum.
 */
export function cutoverTimeline(zone: Zone, options: DnsOptions): string[] {
  const longest = Math.max(...zone.records.filter((record) => record.type !== "SOA").map((record) => record.ttl), zone.defaultTtl);
  const soa = zone.records.find((record) => record.type === "SOA");
  const negative = soa ? Number(soa.fields[6]?.text ?? zone.defaultTtl) : zone.defaultTtl;
  const low = options.ttl ?? 300;
  const wait = Math.max(longest, negative);
  return [
    `1. Create the zone in DigitalOcean with these records at a low TTL: \`platform migrate dns ... --ttl ${low}\`, then the gated apply. Nothing changes for the world yet (the registrar still points at the old box).`,
    `2. Verify the DigitalOcean copy before it is live: \`platform migrate dns --verify ... --against ns1.digitalocean.com\` answers must equal the old zone's.`,
    `3. DNSSEC: Mail-in-a-Box signs the zones it serves and DigitalOcean cannot. If the registrar holds a DS record for ${zone.origin}, remove it now, then wait at least the DS TTL at the parent before step 4 (\`drill DS ${zone.origin}\` shows it; .com and .net use 86400 s = 1 d). Switching NS while a resolver still holds the DS makes the domain fail validation (SERVFAIL) at every validating resolver.`,
    `4. Switch NS at the registrar to ns1.digitalocean.com, ns2.digitalocean.com, ns3.digitalocean.com. Resolvers keep the old delegation for the parent's NS TTL (often 172800 s = 2 d for .com) and old answers for up to ${duration(wait)} (the zone's longest TTL ${duration(longest)}, negative TTL ${duration(negative)}): keep the old box serving DNS, unchanged, for at least ${duration(wait + 172800)}.`,
    `5. Verify from outside: \`drill @1.1.1.1 ${zone.origin} SOA\` shows DigitalOcean's SOA (ns1.digitalocean.com); mail, web and DKIM records answer as before.`,
    `6. Raise TTLs once the move is stable (a week without changes): regenerate without --ttl (or with --ttl 3600) and apply.`,
  ];
}
