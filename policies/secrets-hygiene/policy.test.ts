import { describe, expect, it } from "vitest";
import type { SourceFile } from "../../harness/hcl.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import type { PolicyInput } from "../../harness/policy/types.ts";
import rule from "./policy.ts";

// Token-shaped values are assembled here at run time so that no committed file holds anything
// a credential scanner would report; the fixtures cover the name-based checks on real plans.
const fake = {
  digitalocean: ["dop", "v1", "0123456789abcdef".repeat(4)].join("_"),
  accessKey: "AK" + "IA" + "0123456789ABCDEF",
  privateKey: ["-----BEGIN", "OPENSSH", "PRIVATE", "KEY-----"].join(" ") + "\n" + "QUJDREVGR0hJSktMTU5PUA".repeat(3) + "\n",
};

const encrypted = { terraform: [{ encryption: [{ state: [{ enforced: true }], plan: [{ enforced: true }] }] }] };

function inputOf(body: Record<string, unknown>, environment = "production", inModule = false): PolicyInput {
  const sources: SourceFile[] = [{ path: "environments/production/main.tf", inModule, body }];
  return { environment, variables: {}, resources: [], facts: factsOf([]), sources };
}
const addresses = (input: PolicyInput) => rule.evaluate(input).map((v) => v.address);

describe("secrets-hygiene on token-shaped literals", () => {
  it.each(Object.entries(fake))("finds a %s-shaped literal wherever it is, without printing it", (_, token) => {
    const body = { ...encrypted, locals: [{ notes: { backup: [`prefix ${token}`] } }] };
    const violations = rule.evaluate(inputOf(body));
    expect(violations.map((v) => v.address)).toEqual(["environments/production/main.tf: locals.notes.backup"]);
    expect(JSON.stringify(violations)).not.toContain(token.trim());
  });

  it("does not take a pattern that names the PEM header (a validation regex) for a key", () => {
    const header = ["-----BEGIN", "PRIVATE", "KEY-----"].join(" ");
    const body = { ...encrypted, variable: { dkim_private_key: [{ sensitive: true, validation: [{ condition: `\${can(regex("^${header}\\n[A-Za-z0-9+/=\\n]+", var.dkim_private_key))}` }] }] } };
    expect(addresses(inputOf(body))).toEqual([]);
  });

  it("reports a token under a secret's name once, as a token", () => {
    const violations = rule.evaluate(inputOf({ ...encrypted, provider: { digitalocean: [{ token: fake.digitalocean }] } }));
    expect(violations.map((v) => v.message)).toEqual(["provider.digitalocean.token holds a literal that looks like a DigitalOcean API token"]);
  });
});

describe("secrets-hygiene on names", () => {
  it("tells secrets from references to them", () => {
    const body = {
      ...encrypted,
      resource: {
        helm_release: {
          mailu: [
            {
              set: [
                { name: "auth.existingSecret", value: "mailu-secrets" },
                { name: "postfix.extraEnvVarsSecret", value: "mailu-relay" },
                { name: "app.envFromSecret", value: "app-env" },
                { name: "secretKey", value: "not-a-real-secret-key" },
              ],
            },
          ],
        },
        kubernetes_ingress_v1: { blog: [{ spec: [{ tls: [{ secret_name: "blog-tls" }] }] }] },
      },
      locals: [
        {
          adminPassword: "not-a-real-password",
          password_file: "/run/secrets/db",
          api_token: "${var.api_token}",
          empty_secret: "",
          relay_password: '${random_password.generated["relay"].result}',
          smtp_password: '${coalesce(random_password.generated[ "smtp" ].result, "literal-fallback")}',
        },
      ],
    };
    expect(addresses(inputOf(body))).toEqual([
      "environments/production/main.tf: resource.helm_release.mailu.set[secretKey]",
      "environments/production/main.tf: locals.adminPassword",
      "environments/production/main.tf: locals.smtp_password",
    ]);
  });
});

describe("secrets-hygiene on state encryption", () => {
  it("is not required in the local environment, nor judged without a root configuration", () => {
    expect(rule.evaluate(inputOf({}, "local"))).toEqual([]);
    expect(rule.evaluate(inputOf({}, "production", true))).toEqual([]);
  });

  it("requires both state and plan to be enforced", () => {
    const body = { terraform: [{ encryption: [{ state: [{ enforced: true }], plan: [{ enforced: false }] }] }] };
    expect(addresses(inputOf(body))).toEqual(["environments/production/main.tf: terraform.encryption.plan"]);
  });
});
