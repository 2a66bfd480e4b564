import { describe, expect, it } from "vitest";
import type { SourceFile } from "../../harness/hcl.ts";
import { helmReleaseOf, type PlannedResource } from "../../harness/plan.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import type { PolicyInput } from "../../harness/policy/types.ts";
import rule from "./policy.ts";

// fixtures/digitalocean-{pass,fail} prove the zone and record branches on real plans where
// PLATFORM_PROVIDER_MIRROR supplies the digitalocean provider (test/unit/policies.test.ts);
// these cases run everywhere, on resources as the plan model carries them.
function planned(type: string, name: string, values: Record<string, unknown>): PlannedResource {
  const provider = type === "helm_release" ? "hashicorp/helm" : "digitalocean/digitalocean";
  return { address: `${type}.${name}`, module: "", mode: "managed", type, name, provider, actions: ["create"], values, afterUnknown: {}, ...(type === "helm_release" ? { helm: helmReleaseOf(values) } : {}) };
}

function inputOf(resources: PlannedResource[], variables: Record<string, unknown> = { root_domain: "example.org" }, sources: SourceFile[] = []): PolicyInput {
  return { environment: "x", variables, resources, facts: factsOf(resources), sources };
}

const certificate = (dnsNames: string[]) =>
  planned("helm_release", "certs", {
    chart: "certs",
    namespace: "infra",
    manifest: `apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: wildcard\nspec:\n  dnsNames: [${dnsNames.join(", ")}]\n`,
  });

describe("single-root-domain on DigitalOcean DNS and rendered charts", () => {
  it("accepts the root domain's zone, records and certificate names", () => {
    const resources = [
      planned("digitalocean_domain", "root", { name: "example.org" }),
      planned("digitalocean_record", "www", { domain: "example.org", type: "A", name: "www" }),
      certificate(["example.org", "'*.example.org'"]),
    ];
    expect(rule.evaluate(inputOf(resources))).toEqual([]);
  });

  it("rejects a second zone, a record in it and a certificate for it", () => {
    const resources = [
      planned("digitalocean_domain", "other", { name: "example.net" }),
      planned("digitalocean_record", "other", { domain: "example.net", type: "A", name: "@" }),
      certificate(["blog.example.org", "shop.example.net"]),
    ];
    expect(rule.evaluate(inputOf(resources)).map((v) => [v.address, v.message])).toEqual([
      ["digitalocean_domain.other", 'digitalocean_domain name "example.net" is not root_domain "example.org" or a name under it'],
      ["digitalocean_record.other", 'digitalocean_record domain "example.net" is not root_domain "example.org" or a name under it'],
      ["helm_release.certs", 'Certificate wildcard dnsName "shop.example.net" is not root_domain "example.org" or a name under it'],
    ]);
  });

  it("asks for root_domain once when hosts exist without it", () => {
    const violations = rule.evaluate(inputOf([planned("digitalocean_domain", "root", { name: "example.org" }), certificate(["example.org"])], {}));
    expect(violations.map((v) => v.address)).toEqual(["var.root_domain"]);
  });
});

describe("single-root-domain on module literals", () => {
  const moduleFile = (body: Record<string, unknown>): SourceFile => ({ path: "modules/app/main.tf", inModule: true, body });

  it("counts literal text and quoted strings inside expressions, not references", () => {
    const body = {
      locals: [
        {
          derived: "n8n.${var.root_domain}",
          suffix: "${var.name}.example.com",
          fallback: '${coalesce(var.host, "app.example.net")}',
          prose: "${var.x}",
        },
      ],
    };
    expect(rule.evaluate(inputOf([], {}, [moduleFile(body)])).map((v) => v.message)).toEqual([
      'module hard-codes the domain "example.com" (in locals.suffix)',
      'module hard-codes the domain "app.example.net" (in locals.fallback)',
    ]);
  });

  it("leaves infrastructure hosts, paths, file names, descriptions and the root configuration alone", () => {
    const body = {
      variable: { root_domain: [{ description: "The root domain, e.g. example.org." }] },
      locals: [
        {
          image: "ghcr.io/example/app:1.0",
          repository: "https://charts.jetstack.io",
          labels: { "app.kubernetes.io/name": "app", "kubernetes.io/ingress.class": "traefik" },
          config: "/etc/nginx/nginx.conf and values.yaml",
          field: "metadata.namespace",
          bucket: "https://fra1.digitaloceanspaces.com",
          database: "postgres.data.svc.cluster.local",
        },
      ],
    };
    const root: SourceFile = { path: "environments/x/main.tf", inModule: false, body: { variable: { root_domain: [{ default: "example.org" }] } } };
    expect(rule.evaluate(inputOf([], {}, [moduleFile(body), root]))).toEqual([]);
  });
});
