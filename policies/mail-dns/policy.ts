import type { PlannedResource } from "../../harness/plan.ts";
import { defineRule, type PolicyInput, type Violation } from "../../harness/policy/types.ts";

// Low TTLs during the DNS move let a wrong record be corrected within minutes.
const migrationTtl = 300;

interface RequiredRecord {
  type: "MX" | "TXT";
  name: string;
  prefix: string;
  what: string;
  example: string;
}

const required: RequiredRecord[] = [
  { type: "MX", name: "@", prefix: "", what: "MX record: no mail is delivered to the domain", example: 'type = "MX", name = "@", value = "mail.<domain>.", priority = 10' },
  { type: "TXT", name: "@", prefix: "v=spf1", what: "SPF record: receivers cannot tell the mail server is allowed to send", example: 'type = "TXT", name = "@", value = "v=spf1 mx -all"' },
  { type: "TXT", name: "dkim._domainkey", prefix: "v=DKIM1", what: "DKIM key: signed mail cannot be verified", example: 'type = "TXT", name = "dkim._domainkey", value = "v=DKIM1; k=rsa; p=<Mailu\'s public key>"' },
  { type: "TXT", name: "_dmarc", prefix: "v=DMARC1", what: "DMARC policy: receivers get no instruction for spoofed mail", example: 'type = "TXT", name = "_dmarc", value = "v=DMARC1; p=quarantine; rua=mailto:postmaster@<domain>"' },
];

const live = (resources: PlannedResource[]): PlannedResource[] => resources.filter((resource) => !(resource.actions.length === 1 && resource.actions[0] === "delete"));
// The Mailu chart by any reference: name, repo/name, OCI path, local folder or packaged .tgz.
const isMailu = (resource: PlannedResource): boolean =>
  resource.type === "helm_release" && /(^|\/)mailu(-\d+\.\d+\.\d+([-+][\w.]+)?)?(\.tgz)?\/?$/i.test(resource.helm?.chart ?? "");
// Mailu's own images (ghcr.io/mailu/front, mailu/postfix, ...), however they are deployed.
const mailuImage = /(^|\/)mailu\/(front|postfix|dovecot|admin|rspamd|smtp|imap)\b/i;
const text = (value: unknown): string => (typeof value === "string" ? value.trim() : "");

/** DigitalOcean names the apex "@"; written as the full name, with or without the final dot, it is the same record. */
function relativeName(name: string, domain: string): string {
  const bare = name.replace(/\.$/, "").toLowerCase();
  domain = domain.toLowerCase();
  if (bare === domain || bare === "@" || bare === "") return "@";
  return bare.endsWith(`.${domain}`) ? bare.slice(0, -domain.length - 1) : bare;
}

function missingRecords(input: PolicyInput, records: PlannedResource[]): Violation[] {
  const domain = text(input.variables.mail_domain) || text(input.variables.root_domain);
  if (!domain) {
    return [{ address: "var.mail_domain", message: "Mailu is enabled but neither mail_domain nor root_domain is set, so its DNS records cannot be checked", fix: "Set root_domain (and mail_domain if mail lives on another name) in the environment." }];
  }
  // A record whose zone is only known after apply (domain = digitalocean_domain.x.id) counts
  // for the mail domain: the plan cannot say otherwise.
  const inZone = records.filter((record) => text(record.values.domain) === domain || record.afterUnknown.domain === true);
  return required
    .filter((want) => !inZone.some((record) => record.values.type === want.type && relativeName(text(record.values.name), domain) === want.name && text(record.values.value).replace(/^"/, "").toLowerCase().startsWith(want.prefix.toLowerCase())))
    .map((want) => {
      const fqdn = want.name === "@" ? domain : `${want.name}.${domain}`;
      return {
        address: `digitalocean_record (${want.type} ${fqdn}${want.prefix ? ` ${want.prefix}` : ""})`,
        message: `Mailu is enabled but ${fqdn} has no ${want.what}`,
        fix: `Add a digitalocean_record with domain = "${domain}", ${want.example.replaceAll("<domain>", domain)}.`,
      };
    });
}

function longTtls(records: PlannedResource[]): Violation[] {
  return records
    .filter((record) => !(typeof record.values.ttl === "number" && record.values.ttl <= migrationTtl))
    .map((record) => ({
      address: record.address,
      message: typeof record.values.ttl === "number"
        ? `${String(record.values.type)} record ${String(record.values.name)} has ttl ${record.values.ttl} during the DNS migration (at most ${migrationTtl})`
        : `${String(record.values.type)} record ${String(record.values.name)} sets no ttl during the DNS migration: DigitalOcean's default is 1800`,
      fix: `Set ttl = ${migrationTtl} (or lower) on every record while dns_migration_mode is true; raise it again once the move is done.`,
    }));
}

export default defineRule({
  id: "mail-dns",
  title: "Mail DNS records present; low TTLs while migrating",
  severity: "error",
  evaluate(input) {
    const resources = live(input.resources);
    const records = resources.filter((resource) => resource.type === "digitalocean_record");
    const mailu = input.variables.mailu_enabled === true || resources.some(isMailu) || input.facts.workloads.some((w) => w.containers.some((c) => mailuImage.test(c.image)));
    return [...(mailu ? missingRecords(input, records) : []), ...(input.variables.dns_migration_mode === true ? longTtls(records) : [])];
  },
});
