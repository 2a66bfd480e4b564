import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { PlatformError } from "../errors.ts";
import { freePort, supervise, waitUntilReady, workspace, type Supervised } from "../processes.ts";
import { findBinary, type LocalService } from "./common.ts";

/** An authoritative DNS server on loopback serving one zone, for comparing answers. */
export interface AuthoritativeServer extends LocalService {
  name: string;
  port: number;
  query(name: string, type: string): Promise<Answer>;
}

export interface Answer {
  rcode: string;
  /** Answer-section records: owner, ttl, type and rdata text as the query tool prints them. */
  records: Array<{ owner: string; ttl: number; type: string; rdata: string }>;
}

const fix = "Install the DNS servers and query tool: apt-get install nsd knot ldnsutils (make migrate-deps does it).";

/** Queries with drill (ldnsutils): one query, the answer section parsed from its zone-format output. */
export async function drill(server: string, port: number, name: string, type: string): Promise<Answer> {
  const binary = await findBinary("drill", ["drill"], fix);
  const result = await execa(binary, ["-p", String(port), `@${server}`, name, type], { reject: false, timeout: 10_000 });
  if (result.exitCode !== 0) throw new PlatformError(`drill could not query ${server}:${port} for ${name} ${type}: ${result.stderr.trim() || result.stdout.trim().split("\n").at(-1)}`, "Check that the server is reachable on that address and port.");
  const rcode = result.stdout.match(/rcode: (\w+)/)?.[1] ?? "UNKNOWN";
  const records: Answer["records"] = [];
  let inAnswer = false;
  for (const line of result.stdout.split("\n")) {
    if (line.startsWith(";; ANSWER SECTION")) inAnswer = true;
    else if (line.startsWith(";;")) inAnswer = false;
    else if (inAnswer && line.trim() !== "") {
      const match = line.match(/^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+(.*)$/);
      if (match) records.push({ owner: match[1]!.toLowerCase(), ttl: Number(match[2]), type: match[3]!, rdata: match[4]!.trim() });
    }
  }
  return { rcode, records };
}

async function start(kind: "nsd" | "knot", zone: string, zoneText: string): Promise<AuthoritativeServer> {
  const { dir, processes, stop } = await workspace(kind);
  try {
    const port = await freePort();
    const zoneFile = join(dir, `${zone}.zone`);
    await writeFile(zoneFile, zoneText);
    let server: Supervised;
    if (kind === "nsd") {
      const binary = await findBinary("nsd", ["nsd", "/usr/sbin/nsd"], fix);
      // As root nsd would switch to its own user and lose access to our folder; "" keeps it in place.
      await writeFile(join(dir, "nsd.conf"), [
        "server:",
        `  ip-address: 127.0.0.1@${port}`,
        '  username: ""',
        '  chroot: ""',
        `  zonesdir: "${dir}"`,
        `  pidfile: "${dir}/nsd.pid"`,
        `  xfrdfile: "${dir}/xfrd.state"`,
        `  zonelistfile: "${dir}/zone.list"`,
        '  database: ""',
        "  server-count: 1",
        "  verbosity: 1",
        "remote-control:",
        "  control-enable: no",
        "zone:",
        `  name: "${zone}"`,
        `  zonefile: "${zoneFile}"`,
        "",
      ].join("\n"));
      server = supervise("nsd", binary, ["-d", "-c", join(dir, "nsd.conf")], join(dir, "nsd.log"));
    } else {
      const binary = await findBinary("knotd", ["knotd", "/usr/sbin/knotd"], fix);
      await writeFile(join(dir, "knot.conf"), [
        "server:",
        `  rundir: "${dir}"`,
        `  listen: 127.0.0.1@${port}`,
        "control:",
        `  listen: "${dir}/knot.sock"`,
        "database:",
        `  storage: "${dir}/db"`,
        "log:",
        "  - target: stderr",
        "    any: info",
        "zone:",
        `  - domain: "${zone}"`,
        `    file: "${zoneFile}"`,
        "    journal-content: none",
        "    zonefile-sync: -1",
        "",
      ].join("\n"));
      server = supervise("knotd", binary, ["-c", join(dir, "knot.conf")], join(dir, "knot.log"));
    }
    processes.push(server);
    await waitUntilReady(server, async () => (await drill("127.0.0.1", port, zone, "SOA")).rcode === "NOERROR", 20_000, `${kind} refused the zone: read the lines above, fix the zone, and run again.`);
    return { name: kind, port, query: (name, type) => drill("127.0.0.1", port, name, type), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** nsd: the server Mail-in-a-Box itself runs, so it serves the export exactly as the box does. */
export const startNsd = (zone: string, zoneText: string) => start("nsd", zone, zoneText);
/** Knot: an independent implementation for the DigitalOcean side, so one server's quirks cannot hide a difference. */
export const startKnot = (zone: string, zoneText: string) => start("knot", zone, zoneText);
