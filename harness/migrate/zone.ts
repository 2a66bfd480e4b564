import { PlatformError } from "../errors.ts";

/**
 * A reader for master-file zone text (RFC 1035 §5) as Mail-in-a-Box writes it for nsd: $ORIGIN
 * and $TTL, owner names left blank to repeat the previous one, parenthesised multi-line
 * records, TXT split into quoted 255-byte strings with `\"`, `\\` and `\DDD` escapes, and
 * custom records of any type. Anything it cannot read exactly is an error naming the line:
 * a migration must never guess at a record.
 */

export interface ZoneRecord {
  /** Absolute owner name, lower case, without the trailing dot. */
  owner: string;
  ttl: number;
  type: string;
  /** Rdata fields as written, unescaped; quoted strings keep their boundaries. */
  fields: RdataField[];
  line: number;
}

export interface RdataField {
  text: string;
  /** Raw bytes after unescaping (TXT and CAA values may carry any octet). */
  bytes: Buffer;
  quoted: boolean;
}

export interface Zone {
  origin: string;
  defaultTtl: number;
  records: ZoneRecord[];
  /** Mail-in-a-Box ends every zone with this comment; its absence means the export was cut short. */
  miabTrailer: boolean;
}

/**
 * Types a zone may carry, from the IANA registry's commonly deployed set. A type outside this
 * list is refused rather than copied blindly; what DigitalOcean can hold is decided later.
 */
export const knownTypes = new Set([
  "A", "AAAA", "CNAME", "MX", "NS", "TXT", "SPF", "SRV", "CAA", "SOA", "PTR", "HINFO", "NAPTR",
  "TLSA", "SSHFP", "DS", "CDS", "DNSKEY", "CDNSKEY", "RRSIG", "NSEC", "NSEC3", "NSEC3PARAM",
  "SMIMEA", "OPENPGPKEY", "HTTPS", "SVCB", "URI", "LOC", "DNAME", "RP", "CERT",
]);

const classes = new Set(["IN", "CH", "HS", "CS"]);

function zoneError(file: string, line: number, message: string, fix: string): PlatformError {
  return new PlatformError(`${file}:${line}: ${message}`, fix);
}

interface Token extends RdataField {
  line: number;
  /** True when the token starts at column 0 (an owner name), false after leading blanks. */
  atLineStart: boolean;
}

/** Splits the text into logical lines (parentheses joined) of tokens. */
function tokenize(text: string, file: string): { lines: Token[][]; lastLine: number } {
  const lines: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  let line = 1;
  let lineOfOpenParen = 0;
  let i = 0;
  let atLineStart = true;
  const bytesOf = (chars: number[]) => Buffer.from(chars);

  const endLogicalLine = () => {
    if (current.length > 0) lines.push(current);
    current = [];
  };

  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") {
      line += 1;
      i += 1;
      atLineStart = true;
      if (depth === 0) endLogicalLine();
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      atLineStart = false;
      i += 1;
      continue;
    }
    if (c === ";") {
      while (i < text.length && text[i] !== "\n") i += 1;
      continue;
    }
    if (c === "(") {
      if (depth === 0) lineOfOpenParen = line;
      depth += 1;
      atLineStart = false;
      i += 1;
      continue;
    }
    if (c === ")") {
      if (depth === 0) throw zoneError(file, line, "')' without a matching '('", "Export the zone again from Mail-in-a-Box (/admin/dns/zonefile/<zone>); the file is damaged.");
      depth -= 1;
      i += 1;
      continue;
    }
    const start = line;
    const quoted = c === '"';
    const out: number[] = [];
    if (quoted) i += 1;
    let closed = !quoted;
    while (i < text.length) {
      const ch = text[i]!;
      if (quoted && ch === '"') {
        closed = true;
        i += 1;
        break;
      }
      if (!quoted && (ch === " " || ch === "\t" || ch === "\r" || ch === "\n" || ch === ";" || ch === "(" || ch === ")" || ch === '"')) break;
      if (ch === "\n") line += 1;
      if (ch === "\\") {
        const digits = text.slice(i + 1, i + 4);
        if (/^\d{3}$/.test(digits)) {
          const value = Number(digits);
          if (value > 255) throw zoneError(file, line, `escape \\${digits} is not a byte`, "Fix the escape in the zone (\\DDD takes 000-255).");
          out.push(value);
          i += 4;
          continue;
        }
        if (i + 1 >= text.length) break;
        out.push(...Buffer.from(text[i + 1]!, "utf8"));
        i += 2;
        continue;
      }
      out.push(...Buffer.from(ch, "utf8"));
      i += 1;
    }
    if (!closed) throw zoneError(file, start, "a quoted string is never closed: the zone looks truncated", "Export the zone again from Mail-in-a-Box (/admin/dns/zonefile/<zone>) and check it arrived whole.");
    const bytes = bytesOf(out);
    current.push({ text: bytes.toString("utf8"), bytes, quoted, line: start, atLineStart });
    atLineStart = false;
  }
  if (depth > 0) throw zoneError(file, lineOfOpenParen, "a '(' is never closed: the zone looks truncated", "Export the zone again from Mail-in-a-Box (/admin/dns/zonefile/<zone>) and check it arrived whole.");
  endLogicalLine();
  return { lines, lastLine: line };
}

const ttlUnits: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** A TTL in seconds, or undefined when the token is not a TTL (BIND units allowed: 1h30m). */
export function parseTtl(token: string): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  const parts = token.toLowerCase().match(/^(\d+[smhdw])+$/) ? token.toLowerCase().match(/\d+[smhdw]/g) : null;
  if (!parts) return undefined;
  return parts.reduce((sum, part) => sum + Number(part.slice(0, -1)) * ttlUnits[part.at(-1)!]!, 0);
}

function absolute(name: string, origin: string): string {
  if (name === "@") return origin;
  if (name.endsWith(".")) return name.slice(0, -1).toLowerCase();
  return origin === "" ? name.toLowerCase() : `${name}.${origin}`.toLowerCase();
}

/** Minimum rdata fields per type, to catch a record cut off halfway. */
const minimumFields: Record<string, number> = {
  A: 1, AAAA: 1, CNAME: 1, NS: 1, PTR: 1, MX: 2, SRV: 4, CAA: 3, SOA: 7, TXT: 1, SPF: 1, TLSA: 4, SSHFP: 3, DS: 4, DNSKEY: 4,
};

export function parseZone(text: string, options: { file: string; origin?: string }): Zone {
  const { file } = options;
  const { lines } = tokenize(text, file);
  let origin = options.origin ? options.origin.replace(/\.$/, "").toLowerCase() : "";
  let defaultTtl: number | undefined;
  let lastOwner: string | undefined;
  let lastTtl: number | undefined;
  const records: ZoneRecord[] = [];
  const truncatedFix = "Export the zone again from Mail-in-a-Box (/admin/dns/zonefile/<zone>) and check it arrived whole.";

  for (const tokens of lines) {
    const first = tokens[0]!;
    if (first.atLineStart && first.text.startsWith("$") && !first.quoted) {
      const directive = first.text.toUpperCase();
      const argument = tokens[1]?.text;
      if (directive === "$ORIGIN") {
        if (!argument) throw zoneError(file, first.line, "$ORIGIN without a name", truncatedFix);
        origin = absolute(argument, origin);
      } else if (directive === "$TTL") {
        const ttl = argument === undefined ? undefined : parseTtl(argument);
        if (ttl === undefined) throw zoneError(file, first.line, `$TTL needs a number of seconds, got ${argument ?? "nothing"}`, "Fix the $TTL line of the zone.");
        defaultTtl = ttl;
      } else {
        throw zoneError(file, first.line, `${first.text} is not supported here (Mail-in-a-Box exports use only $ORIGIN and $TTL)`, "Inline the included file, or export the zone from Mail-in-a-Box instead.");
      }
      continue;
    }

    let index = 0;
    let owner: string;
    if (first.atLineStart) {
      owner = absolute(first.text, origin);
      index = 1;
    } else {
      if (lastOwner === undefined) throw zoneError(file, first.line, "the first record has no owner name", "Start the zone with an owner name (or '@') in column 0.");
      owner = lastOwner;
    }
    if (origin === "") throw zoneError(file, first.line, "no $ORIGIN before the first record and no --domain to supply it", "Pass --domain <zone>, or add `$ORIGIN <zone>.` at the top of the file.");

    let ttl: number | undefined;
    let type: string | undefined;
    // [ttl] [class] type or [class] [ttl] type, in either order (RFC 1035 §5.1).
    for (let n = 0; n < 3 && index < tokens.length; n += 1) {
      const token = tokens[index]!.text;
      const asTtl = parseTtl(token);
      if (ttl === undefined && asTtl !== undefined) {
        ttl = asTtl;
        index += 1;
        continue;
      }
      if (classes.has(token.toUpperCase())) {
        if (token.toUpperCase() !== "IN") throw zoneError(file, tokens[index]!.line, `class ${token} is not an Internet record`, "Only class IN records can move to DigitalOcean DNS; remove it from the zone.");
        index += 1;
        continue;
      }
      break;
    }
    const typeToken = tokens[index];
    if (!typeToken) throw zoneError(file, first.line, `the record for ${owner} stops before its type: the zone looks truncated`, truncatedFix);
    type = typeToken.text.toUpperCase();
    index += 1;
    if (/^TYPE\d+$/.test(type)) throw zoneError(file, typeToken.line, `${typeToken.text} (RFC 3597 generic syntax) cannot be moved to DigitalOcean DNS`, "Remove the record from the zone, or recreate it by hand after the move.");
    if (!knownTypes.has(type)) throw zoneError(file, typeToken.line, `unknown record type ${typeToken.text} for ${owner}`, "Check the record's spelling in the zone (or in Mail-in-a-Box's custom DNS); only real DNS types can move.");

    const fields = tokens.slice(index).map(({ text: value, bytes, quoted }) => ({ text: value, bytes, quoted }));
    if (fields.length < (minimumFields[type] ?? 1)) throw zoneError(file, typeToken.line, `the ${type} record for ${owner} has ${fields.length} of its ${minimumFields[type] ?? 1} fields: the zone looks truncated`, truncatedFix);

    const effectiveTtl = ttl ?? defaultTtl ?? lastTtl;
    if (effectiveTtl === undefined) throw zoneError(file, typeToken.line, `no TTL for ${owner} ${type} and no $TTL before it`, "Add `$TTL <seconds>` at the top of the zone.");
    records.push({ owner, ttl: effectiveTtl, type, fields, line: typeToken.line });
    lastOwner = owner;
    lastTtl = effectiveTtl;
  }

  // The zone is named by its SOA; a later $ORIGIN only shortens the names after it.
  const apex = records.find((record) => record.type === "SOA")?.owner;
  const expected = options.origin?.replace(/\.$/, "").toLowerCase() ?? apex;
  if (!apex || apex !== expected) {
    throw new PlatformError(`${file}: no SOA record for ${expected ?? origin}: this is not a whole zone`, truncatedFix);
  }
  return { origin: apex, defaultTtl: defaultTtl ?? 3600, records, miabTrailer: /;\s*DNSSEC signing keys hash:[^\n]*\n?\s*$/.test(text) };
}
