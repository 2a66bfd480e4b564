import { detail, step } from "../progress.ts";
import { drill, startKnot, startNsd, type Answer, type AuthoritativeServer } from "../services/authdns.ts";
import type { DoRecord } from "./dns.ts";

/**
 * Proves the generated records answer like the old zone: the export goes into nsd (what
 * Mail-in-a-Box runs), the records, rendered the way DigitalOcean serves them, into Knot, and
 * every kept name and type is asked of both. Any difference fails.
 */

function owner(name: string, domain: string): string {
  return name === "@" ? `${domain}.` : `${name}.${domain}.`;
}

function quoteTxt(value: string): string {
  const bytes = Buffer.from(value, "utf8");
  const chunks: string[] = [];
  // DigitalOcean serves long TXT values as consecutive strings of at most 255 bytes.
  for (let start = 0; start < bytes.length || start === 0; start += 255) {
    let text = "";
    for (const byte of bytes.subarray(start, start + 255)) {
      if (byte === 0x22 || byte === 0x5c) text += `\\${String.fromCharCode(byte)}`;
      else if (byte < 0x20 || byte > 0x7e) text += `\\${String(byte).padStart(3, "0")}`;
      else text += String.fromCharCode(byte);
    }
    chunks.push(`"${text}"`);
    if (bytes.length === 0) break;
  }
  return chunks.join(" ");
}

/** One record as DigitalOcean's servers answer it: the provider's trailing dot on CAA is not data. */
export function renderRecord(record: DoRecord, domain: string): string {
  const target = (value: string) => (value === "@" ? `${domain}.` : value);
  const rdata = (() => {
    switch (record.type) {
      case "MX":
        return `${record.priority} ${target(record.value)}`;
      case "SRV":
        return `${record.priority} ${record.weight} ${record.port} ${target(record.value)}`;
      case "CAA": {
        const value = record.tag === "iodef" ? record.value : record.value.replace(/\.$/, "");
        return `${record.flags} ${record.tag} ${quoteTxt(value)}`;
      }
      case "TXT":
        return quoteTxt(record.value);
      case "CNAME":
      case "NS":
        return target(record.value);
      default:
        return record.value;
    }
  })();
  return `${owner(record.name, domain)}\t${record.ttl ?? 3600}\tIN\t${record.type}\t${rdata}`;
}

export function renderDigitalOceanZone(records: Record<string, DoRecord>, domain: string): string {
  return [
    `$ORIGIN ${domain}.`,
    `${domain}.\t1800\tIN\tSOA\tns1.digitalocean.com. hostmaster.${domain}. 1 10800 3600 604800 1800`,
    ...["ns1", "ns2", "ns3"].map((ns) => `${domain}.\t1800\tIN\tNS\t${ns}.digitalocean.com.`),
    ...Object.values(records).map((record) => renderRecord(record, domain)),
    "",
  ].join("\n");
}

/** TXT strings are one value split for transport: compare the joined bytes, not the split. */
function canonicalRdata(type: string, rdata: string): string {
  if (type !== "TXT" && type !== "SPF") return type === "CAA" ? rdata : rdata.toLowerCase();
  const strings = [...rdata.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!);
  return strings.length > 0 ? strings.join("") : rdata;
}

function describe(answer: Answer): string {
  if (answer.rcode !== "NOERROR") return answer.rcode;
  if (answer.records.length === 0) return "no records";
  return answer.records.map((record) => `${record.ttl} ${record.rdata}`).sort().join(" | ");
}

export interface VerifyResult {
  compared: number;
  differences: Array<{ name: string; type: string; old: string; new: string }>;
  against: string;
}

export interface VerifyOptions {
  /** Compare with a live server (host or host:port) instead of a local Knot loaded with the records. */
  against?: string;
  /** The TTL override used when generating: then only the new side's TTLs must equal it. */
  ttl?: number;
  /** Name/type pairs the old zone says must answer (the kept list), so a record lost on the way is asked for too. */
  expected?: Array<{ name: string; type: string }>;
}

export async function verifyRecords(zoneText: string, domain: string, records: Record<string, DoRecord>, options: VerifyOptions = {}): Promise<VerifyResult> {
  const pairs = [...Object.values(records), ...(options.expected ?? [])].map((record) => ({ name: record.name, type: record.type === "SPF" ? "TXT" : record.type }));
  const rrsets = [...new Map(pairs.map((pair) => [`${pair.name} ${pair.type}`, pair])).values()];
  step(`verify: loading the old zone into nsd and ${options.against ? `comparing with ${options.against}` : "the generated records into Knot"}`);
  const servers: AuthoritativeServer[] = [];
  try {
    const old = await startNsd(domain, zoneText);
    servers.push(old);
    let ask: (name: string, type: string) => Promise<Answer>;
    let against: string;
    if (options.against) {
      const [host, port] = options.against.split(":");
      ask = (name, type) => drill(host!, Number(port ?? 53), name, type);
      against = options.against;
    } else {
      const fresh = await startKnot(domain, renderDigitalOceanZone(records, domain));
      servers.push(fresh);
      ask = fresh.query;
      against = `knot on 127.0.0.1:${fresh.port}`;
    }
    const differences: VerifyResult["differences"] = [];
    for (const [index, record] of rrsets.entries()) {
      const name = owner(record.name, domain);
      const [before, after] = await Promise.all([old.query(name, record.type), ask(name, record.type)]);
      const canon = (answer: Answer, withTtl: boolean) => answer.records.filter((entry) => entry.type === record.type).map((entry) => `${withTtl ? `${entry.ttl} ` : ""}${canonicalRdata(entry.type, entry.rdata)}`).sort().join("\n");
      const same = options.ttl === undefined
        ? canon(before, true) === canon(after, true)
        : canon(before, false) === canon(after, false) && after.records.every((entry) => entry.ttl === options.ttl);
      if (before.rcode !== after.rcode || before.records.length === 0 || !same) {
        differences.push({ name, type: record.type, old: describe(before), new: describe(after) });
      }
      if ((index + 1) % 25 === 0) detail(`verify: ${index + 1}/${rrsets.length} name/type pairs compared`);
    }
    return { compared: rrsets.length, differences, against };
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}
