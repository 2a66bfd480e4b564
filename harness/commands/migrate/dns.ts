import { Command, Option } from "commander";
import pc from "picocolors";
import { PlatformError } from "../../errors.ts";
import { migrateZone, tfvarsSchema } from "../../migrate/dns.ts";
import { renderDnsReport } from "../../migrate/dns-report.ts";
import { verifyRecords } from "../../migrate/dns-verify.ts";
import { readInput, writeAtomic } from "../../migrate/files.ts";
import { fetchMiabZone } from "../../migrate/miab-api.ts";
import { parseZone } from "../../migrate/zone.ts";
import { step } from "../../progress.ts";

interface DnsCommandOptions {
  zoneFile?: string;
  miabUrl?: string;
  domain: string;
  out?: string;
  ingressHost: string[];
  retired: string[];
  ttl?: number;
  verify?: boolean;
  against?: string;
  allowMissingTrailer?: boolean;
}

const seconds = (value: string) => {
  const ttl = Number(value);
  if (!Number.isInteger(ttl) || ttl < 30) throw new PlatformError(`--ttl ${value} is not a whole number of seconds of at least 30`, "DigitalOcean accepts TTLs from 30 s; pass for example --ttl 300.");
  return ttl;
};

export const dnsCommand = new Command("dns")
  .description("turn a Mail-in-a-Box zone into modules/dns records (tfvars JSON), with a report and a cutover timeline; --verify compares answers on two real DNS servers")
  .option("--zone-file <file>", "the zone as Mail-in-a-Box exports it (/admin/dns/zonefile/<zone> or /etc/nsd/zones/<zone>.txt)")
  .option("--miab-url <url>", "fetch the zone from the box's admin API instead (credentials from PLATFORM_MIAB_USER and PLATFORM_MIAB_PASSWORD)")
  .requiredOption("--domain <zone>", "the zone to migrate, e.g. example.org")
  .option("--out <file>", "write the records here (e.g. environments/production/dns.auto.tfvars.json); without it nothing is written (dry run)")
  .option("--ingress-host <names...>", "hosts of Ingresses: external-dns owns their A/AAAA/CNAME, so they are left out", [])
  .option("--retired <labels...>", "labels of retired apps whose records need a decision instead of moving", ["mautic"])
  .addOption(new Option("--ttl <seconds>", "write every record with this TTL (the cutover's low TTL, e.g. 300)").argParser(seconds))
  .option("--verify", "load the old zone into nsd and the records into Knot on loopback and compare every kept name and type")
  .option("--against <host[:port]>", "with --verify: compare with this live server (e.g. ns1.digitalocean.com) instead of a local Knot")
  .option("--allow-missing-trailer", "accept a zone without Mail-in-a-Box's closing '; DNSSEC signing keys hash' line (a zone not exported by the box)")
  .action(async (options: DnsCommandOptions) => {
    if (Boolean(options.zoneFile) === Boolean(options.miabUrl)) throw new PlatformError("give exactly one of --zone-file and --miab-url", "Pass the exported zone file, or the box's URL to fetch it.");
    const domain = options.domain.replace(/\.$/, "").toLowerCase();
    const source = options.zoneFile ?? `${options.miabUrl}/admin/dns/zonefile/${domain}`;
    const text = options.zoneFile ? (await readInput(options.zoneFile, "the zone file")).toString("utf8") : await fetchMiabZone(options.miabUrl!, domain);
    const zone = parseZone(text, { file: source, origin: domain });
    if (zone.origin !== domain) throw new PlatformError(`${source} is the zone ${zone.origin}, not ${domain}`, `Pass --domain ${zone.origin}, or the zone file of ${domain}.`);
    if (!zone.miabTrailer && !options.allowMissingTrailer) {
      throw new PlatformError(`${source} does not end with Mail-in-a-Box's '; DNSSEC signing keys hash' line: the export looks truncated`, "Export the zone again and check it arrived whole; for a zone that did not come from Mail-in-a-Box pass --allow-missing-trailer.");
    }
    const migration = migrateZone(zone, { ingressHosts: options.ingressHost, retired: options.retired, ...(options.ttl ? { ttl: options.ttl } : {}) });
    const tfvars = tfvarsSchema.parse({ dns_records: migration.records });
    const verify = options.verify
      ? await verifyRecords(text, domain, tfvars.dns_records, { expected: migration.kept, ...(options.against ? { against: options.against } : {}), ...(options.ttl ? { ttl: options.ttl } : {}) })
      : undefined;
    const report = renderDnsReport(migration, verify);
    console.log(report);
    const failed = verify !== undefined && verify.differences.length > 0;
    if (options.out && !failed) {
      step(`writing ${Object.keys(tfvars.dns_records).length} records to ${options.out}`);
      await writeAtomic(options.out, `${JSON.stringify(tfvars, null, 2)}\n`);
      await writeAtomic(`${options.out}.report.md`, report);
      await writeAtomic(`${options.out}.report.json`, `${JSON.stringify({ ...migration, verify }, null, 2)}\n`);
      console.log(pc.dim(`report: ${options.out}.report.md, ${options.out}.report.json`));
    } else if (!options.out) {
      console.log(pc.yellow("dry run: nothing written; pass --out <file> to write the records"));
    }
    if (failed) {
      console.error(pc.red(`verify: ${verify.differences.length} of ${verify.compared} name/type pairs answer differently; nothing written`));
      process.exitCode = 1;
    } else if (verify) {
      console.error(pc.green(`verify: ${verify.compared} name/type pairs answer the same on nsd (old zone) and ${verify.against}`));
    }
  });
