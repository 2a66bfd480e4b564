import { describe, expect, it } from "vitest";
import { helmReleaseOf, type PlannedResource } from "../../harness/plan.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import type { PolicyInput } from "../../harness/policy/types.ts";
import rule from "./policy.ts";

// fixtures/digitalocean-{pass,fail} prove the record checks on real plans where
// PLATFORM_PROVIDER_MIRROR supplies the digitalocean provider (test/unit/policies.test.ts);
// these cases run everywhere, on resources as the plan model carries them.
function record(name: string, values: Record<string, unknown>): PlannedResource {
  return { address: `digitalocean_record.${name}`, module: "", mode: "managed", type: "digitalocean_record", name, provider: "digitalocean/digitalocean", actions: ["create"], values: { domain: "example.org", ttl: 300, ...values }, afterUnknown: {} };
}

const mailu = (() => {
  const values = { chart: "mailu", repository: "https://mailu.github.io/helm-charts", namespace: "mail", values: ["domain: example.org\n"] };
  return { address: "helm_release.mailu", module: "", mode: "managed", type: "helm_release", name: "mailu", provider: "hashicorp/helm", actions: ["create"], values, afterUnknown: {}, helm: helmReleaseOf(values) } satisfies PlannedResource;
})();

const complete = [
  record("mx", { type: "MX", name: "@", value: "mail.example.org.", priority: 10 }),
  record("spf", { type: "TXT", name: "@", value: "v=spf1 mx -all" }),
  record("dkim", { type: "TXT", name: "dkim._domainkey", value: "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" }),
  record("dmarc", { type: "TXT", name: "_dmarc.example.org.", value: "v=DMARC1; p=quarantine" }),
];

function inputOf(resources: PlannedResource[], variables: Record<string, unknown> = { root_domain: "example.org" }): PolicyInput {
  return { environment: "x", variables, resources, facts: factsOf(resources), sources: [] };
}
const addresses = (input: PolicyInput) => rule.evaluate(input).map((v) => v.address);

describe("mail-dns on DigitalOcean records", () => {
  it("accepts the Mailu chart with MX, SPF, DKIM and DMARC records", () => {
    expect(rule.evaluate(inputOf([mailu, ...complete]))).toEqual([]);
  });

  it("rejects a missing DKIM key", () => {
    const withoutDkim = complete.filter((r) => r.name !== "dkim");
    expect(addresses(inputOf([mailu, ...withoutDkim]))).toEqual(["digitalocean_record (TXT dkim._domainkey.example.org v=DKIM1)"]);
  });

  it("judges records of mail_domain when it differs from root_domain", () => {
    const violations = rule.evaluate(inputOf(complete, { root_domain: "example.org", mail_domain: "mail.example.org", mailu_enabled: true }));
    expect(violations).toHaveLength(4);
    expect(violations[0]!.fix).toContain('domain = "mail.example.org"');
  });

  it("rejects a TTL above 300 in migration mode, and an unset one", () => {
    const resources = [record("www", { type: "A", name: "www", value: "192.0.2.10", ttl: 3600 }), record("api", { type: "A", name: "api", value: "192.0.2.11", ttl: undefined }), ...complete];
    expect(addresses(inputOf(resources, { root_domain: "example.org", dns_migration_mode: true }))).toEqual(["digitalocean_record.www", "digitalocean_record.api"]);
    expect(addresses(inputOf(resources, { root_domain: "example.org", dns_migration_mode: false }))).toEqual([]);
  });

  it("knows Mailu from a mirror archive and from production's components.mailu", () => {
    const mirrored = { ...mailu, helm: { ...mailu.helm, chart: "/work/mirrors/charts/mailu-2.7.1.tgz" } };
    const zone = record("other", { type: "A", name: "www", value: "192.0.2.10" });
    expect(addresses(inputOf([mirrored, zone]))).toHaveLength(4);
    // A stack that runs Mailu but publishes no DNS (production's platform stack) is not asked.
    expect(addresses(inputOf([mirrored]))).toEqual([]);
    expect(addresses(inputOf([], { root_domain: "example.org", components: { mailu: true } }))).toHaveLength(4);
    expect(addresses(inputOf([], { root_domain: "example.org", components: { mailu: false } }))).toEqual([]);
  });

  it("rejects a second SPF or DMARC policy at the same name, as a merged migrated zone would carry", () => {
    const migrated = [record("old_spf", { type: "TXT", name: "@", value: "v=spf1 mx -all" }), record("old_dmarc", { type: "TXT", name: "_dmarc", value: '"v=DMARC1; p=none"' })];
    expect(addresses(inputOf([mailu, ...complete, ...migrated])).sort()).toEqual(["digitalocean_record.dmarc", "digitalocean_record.old_dmarc", "digitalocean_record.old_spf", "digitalocean_record.spf"]);
    // One each at different names (a subdomain's own policy) is fine.
    expect(addresses(inputOf([mailu, ...complete, record("sub_spf", { type: "TXT", name: "news", value: "v=spf1 -all" })]))).toEqual([]);
  });

  it("counts a record whose value is known only after apply, as a key generated in the same apply is", () => {
    const pending = { ...complete[2]!, values: { ...complete[2]!.values, value: null }, afterUnknown: { value: true } };
    expect(addresses(inputOf([mailu, complete[0]!, complete[1]!, pending, complete[3]!]))).toEqual([]);
    const empty = { ...complete[2]!, values: { ...complete[2]!.values, value: "" } };
    expect(addresses(inputOf([mailu, complete[0]!, complete[1]!, empty, complete[3]!]))).toEqual(["digitalocean_record (TXT dkim._domainkey.example.org v=DKIM1)"]);
  });
});

// The class of "mail is on": the chart by any reference, or Mailu's images deployed another way;
// records in any spelling of the name and the value.
describe("mail-dns on every way mail is switched on", () => {
  const chart = (reference: string): PlannedResource => {
    const values = { chart: reference, namespace: "mailu", values: [] };
    return { ...mailu, values, helm: helmReleaseOf(values) };
  };
  const front: PlannedResource = {
    address: "kubernetes_deployment_v1.front", module: "", mode: "managed", type: "kubernetes_deployment_v1", name: "front", provider: "hashicorp/kubernetes", actions: ["create"], afterUnknown: {},
    values: { metadata: [{ name: "front", namespace: "mailu" }], spec: [{ template: [{ spec: [{ container: [{ name: "front", image: "ghcr.io/mailu/front:2024.06.51" }] }] }] }] },
  };
  const withoutDmarc = complete.filter((r) => r.name !== "dmarc");

  it.each([
    ["a packaged chart from a mirror", "/work/mirrors/charts/mailu-2.7.1.tgz"],
    ["an OCI reference", "oci://ghcr.io/mailu/helm-charts/mailu"],
    ["a local chart folder", "./charts/mailu/"],
  ])("sees Mailu as %s", (_, reference) => {
    expect(addresses(inputOf([chart(reference), ...withoutDmarc]))).toEqual(["digitalocean_record (TXT _dmarc.example.org v=DMARC1)"]);
  });

  it("sees Mailu deployed from its images without the chart", () => {
    expect(addresses(inputOf([front, ...withoutDmarc]))).toEqual(["digitalocean_record (TXT _dmarc.example.org v=DMARC1)"]);
  });

  it("does not count a record of another zone, or a DKIM key under Mail-in-a-Box's selector", () => {
    const resources = [mailu, complete[0]!, complete[1]!, complete[3]!, record("dkim-other", { type: "TXT", name: "dkim._domainkey", value: "v=DKIM1; p=x", domain: "example.net" }), record("dkim-mail", { type: "TXT", name: "mail._domainkey", value: "v=DKIM1; p=x" })];
    expect(addresses(inputOf(resources))).toEqual(["digitalocean_record (TXT dkim._domainkey.example.org v=DKIM1)"]);
  });

  it("reads names and values in any case and form", () => {
    const resources = [mailu, record("mx", { type: "MX", name: "EXAMPLE.ORG.", value: "mail.example.org.", priority: 10 }), record("spf", { type: "TXT", name: "", value: '"V=SPF1 mx -all"' }), complete[2]!, complete[3]!];
    expect(rule.evaluate(inputOf(resources))).toEqual([]);
  });
});

