import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { helmReleaseOf, type PlannedResource } from "../../harness/plan.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import { loadRegoRules } from "../../harness/policy/rego.ts";
import type { Rule } from "../../harness/policy/types.ts";
import { ensureTool } from "../../harness/toolchain/index.ts";

// helm_release needs the helm provider, which the CI machines cannot build (see versions.json),
// so Traefik's redirect and chart-rendered IngressRoutes are checked on releases as the plan
// model would carry them.
function release(chart: string, values: string, manifest = ""): PlannedResource {
  const planned = { chart, repository: "https://traefik.github.io/charts", namespace: "infra", values: [values], manifest };
  return { address: `helm_release.${chart}`, module: "", mode: "managed", type: "helm_release", name: chart, provider: "hashicorp/helm", actions: ["create"], values: planned, afterUnknown: {}, helm: helmReleaseOf(planned) };
}

describe("tls-everywhere on Helm releases", () => {
  let rule: Rule;
  const evaluate = (resources: PlannedResource[]) => rule.evaluate({ environment: "x", variables: {}, resources, facts: factsOf(resources), sources: [] });

  beforeAll(async () => {
    rule = (await loadRegoRules(await ensureTool("opa"), [dirname(fileURLToPath(import.meta.url))]))[0]!;
  });

  it.each([
    ["ports.web.http.redirections.entryPoint (chart v38+)", "ports:\n  web:\n    http:\n      redirections:\n        entryPoint:\n          to: websecure\n          scheme: https\n"],
    ["ports.web.redirections.entryPoint (charts v34 to v37)", "ports:\n  web:\n    redirections:\n      entryPoint:\n        to: websecure\n        scheme: https\n"],
    ["ports.web.redirectTo (older charts)", "ports:\n  web:\n    redirectTo:\n      port: websecure\n"],
  ])("accepts Traefik redirecting web to websecure via %s", async (_, values) => {
    expect(await evaluate([release("traefik", values)])).toEqual([]);
  });

  it("rejects Traefik serving plain HTTP on web", async () => {
    const violations = await evaluate([release("traefik", "ports:\n  websecure:\n    tls:\n      enabled: true\n")]);
    expect(violations.map((v) => v.address)).toEqual(["helm_release.traefik"]);
    expect(violations[0]!.message).toContain("does not redirect the web entry point to websecure");
  });

  it("judges IngressRoutes a chart renders: with tls they pass, without they fail", async () => {
    const route = (name: string, tls: string) =>
      `apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: ${name}\n  namespace: crm\nspec:\n  routes:\n    - match: Host(\`${name}.example.org\`)\n      kind: Rule\n      services: [{ name: ${name}, port: 80 }]\n${tls}`;
    const manifest = [route("crm", "  tls:\n    secretName: crm-tls\n"), route("plain", "")].join("---\n");
    const violations = await evaluate([release("crm", "{}", manifest)]);
    expect(violations.map((v) => v.message)).toEqual(["IngressRoute crm/plain declares no TLS host: plain.example.org is served over plain HTTP"]);
  });

  it("leaves TLS on the mail entry points to the mail server, and asks it of TCP routes anywhere else", async () => {
    const tcp = (name: string, entryPoints: string) =>
      `apiVersion: traefik.io/v1alpha1\nkind: IngressRouteTCP\nmetadata:\n  name: ${name}\n  namespace: mailu\nspec:\n  entryPoints: ${entryPoints}\n  routes:\n    - match: HostSNI(\`*\`)\n      services: [{ name: mailu-front-ext, port: 25 }]\n`;
    const manifest = [tcp("mailu-smtp", "[smtp]"), tcp("mailu-all", "[smtp, smtps, submission, imaps, sieve]"), tcp("raw", "[websecure]"), tcp("mixed", "[smtp, web]"), tcp("anywhere", "[]")].join("---\n");
    const violations = await evaluate([release("mailu", "{}", manifest)]);
    expect(violations.map((v) => v.message).sort()).toEqual([
      "IngressRouteTCP mailu/anywhere declares no TLS host:  is served over plain HTTP",
      "IngressRouteTCP mailu/mixed declares no TLS host:  is served over plain HTTP",
      "IngressRouteTCP mailu/raw declares no TLS host:  is served over plain HTTP",
    ]);
  });
});
