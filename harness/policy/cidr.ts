import { isIPv4, isIPv6 } from "node:net";

/**
 * IPv4 and IPv6 networks as rules need them: parse what a chart value or an environment
 * variable holds, and ask whether one network lies inside another. A bare address is its own
 * network (/32, /128). Anything else is not a network, and rules treat it as a finding rather
 * than guess.
 */
export interface Cidr {
  text: string;
  family: 4 | 6;
  /** First address of the network, host bits cleared. */
  base: bigint;
  prefix: number;
}

const bitsOf = (family: 4 | 6): number => (family === 4 ? 32 : 128);

function ipv4ToBigInt(address: string): bigint {
  return address.split(".").reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6ToBigInt(address: string): bigint {
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two groups.
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const value = ipv4ToBigInt(v4[1]!);
    text = `${text.slice(0, -v4[1]!.length)}${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(":") : []);
  const left = groups(head);
  const right = groups(tail);
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...middle, ...right].reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

export function parseCidr(input: string): Cidr | null {
  const text = input.trim();
  const match = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(text);
  if (!match) return null;
  const address = match[1]!;
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : null;
  if (family === null) return null;
  const bits = bitsOf(family);
  const prefix = match[2] === undefined ? bits : Number(match[2]);
  if (prefix > bits) return null;
  const value = family === 4 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
  const hostBits = BigInt(bits - prefix);
  return { text, family, base: (value >> hostBits) << hostBits, prefix };
}

/** Whether every address of inner is also in outer. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  const shift = BigInt(bitsOf(outer.family) - outer.prefix);
  return inner.base >> shift === outer.base >> shift;
}

/**
 * Address space that never routes on the internet: RFC 1918, carrier-grade NAT (RFC 6598),
 * loopback, link-local, and IPv6 unique-local, loopback and link-local. Cluster pod and
 * service networks and VPCs live here.
 */
export const privateNetworks: Cidr[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "fc00::/7", "::1/128", "fe80::/10"].map(
  (text) => parseCidr(text)!,
);

export function isPrivate(cidr: Cidr): boolean {
  return privateNetworks.some((network) => contains(network, cidr));
}

/** Splits a list the way Mailu's settings hold one: commas and/or whitespace. */
export function splitList(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(splitList);
  if (typeof value !== "string") return value === undefined || value === null ? [] : [String(value)];
  return value.split(/[\s,]+/).filter(Boolean);
}
