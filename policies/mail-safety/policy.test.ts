import { describe, expect, it } from "vitest";
import { helmReleaseOf, type PlannedResource } from "../../harness/plan.ts";
import { parseCidr, contains, isPrivate } from "../../harness/policy/cidr.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import type { PolicyInput } from "../../harness/policy/types.ts";
import { chartName } from "../../harness/policy/charts.ts";
import rule from "./policy.ts";

// The real-plan cases are the fixtures (rendered by the helm provider, see policies.test.ts).
// These cover the forms a fixture cannot plan here: Traefik's IngressRouteTCP needs its CRD in
// the API server, and a chart from a repository or the mirror renders only where it is reachable.

function release(name: string, values: Record<string, unknown>, manifests: Array<Record<string, unknown>> = [], chart = "mailu", actions: PlannedResource["actions"] = ["create"]): PlannedResource {
  const raw = { chart, repository: "https://mailu.github.io/helm-charts", version: "2.7.1", namespace: "mailu", values: [JSON.stringify(values)], manifest: manifests.map((m) => JSON.stringify(m)).join("\n---\n") };
  return { address: `helm_release.${name}`, module: "", mode: "managed", type: "helm_release", name, provider: "hashicorp/helm", actions, values: raw, afterUnknown: {}, helm: helmReleaseOf(raw) };
}

function manifest(name: string, object: Record<string, unknown>): PlannedResource {
  return { address: `kubernetes_manifest.${name}`, module: "", mode: "managed", type: "kubernetes_manifest", name, provider: "hashicorp/kubernetes", actions: ["create"], values: { manifest: object }, afterUnknown: {} };
}

const inputOf = (resources: PlannedResource[]): PolicyInput => ({ environment: "x", variables: {}, resources, facts: factsOf(resources), sources: [] });
const messages = (resources: PlannedResource[]) => rule.evaluate(inputOf(resources)).map((v) => v.message);

// modules/mailu's settings.
const safe = {
  subnet: "10.244.0.0/16",
  ingress: { realIpHeader: "", realIpFrom: "10.244.0.0/16", proxyProtocol: { smtp: true, smtps: true, submission: true, imaps: true, manageSieve: true } },
  front: { hostPort: { enabled: false }, externalService: { enabled: true, type: "ClusterIP", ports: { pop3s: false, smtp: true, smtps: true, submission: true, imaps: true, manageSieve: true } } },
};

const route = (port: number, proxyProtocol: boolean, service = "mailu-front-ext") =>
  manifest(`route_${port}`, {
    apiVersion: "traefik.io/v1alpha1",
    kind: "IngressRouteTCP",
    metadata: { name: `mailu-${port}`, namespace: "mailu" },
    spec: { entryPoints: ["smtp"], routes: [{ match: "HostSNI(`*`)", services: [{ name: service, port, ...(proxyProtocol ? { proxyProtocol: { version: 2 } } : {}) }] }] },
  });

describe("mail-safety", () => {
  it("accepts modules/mailu's settings and routes that send PROXY protocol", () => {
    expect(messages([release("mailu", safe), route(25, true), route(993, true)])).toEqual([]);
  });

  it("knows the chart by name, as a repository chart, a mirror archive or an OCI reference", () => {
    expect(["mailu", "/work/mirrors/charts/mailu-2.7.1.tgz", "mailu-2.7.1.tgz", "oci://ghcr.io/mailu/mailu", "./charts/mailu/"].map(chartName)).toEqual(Array(5).fill("mailu"));
    expect(chartName("/mirror/mailu-exporter-1.0.0.tgz")).toBe("mailu-exporter");
    const wide = { ...safe, subnet: "0.0.0.0/0" };
    for (const chart of ["/work/mirrors/charts/mailu-2.7.1.tgz", "oci://ghcr.io/mailu/mailu"]) expect(messages([release("mailu", wide, [], chart)])).toHaveLength(1);
  });

  it("judges the official chart's defaults when only values are known: no relay, nothing proxied", () => {
    expect(messages([release("mailu", {})])).toEqual([]);
  });

  it("ignores a release being destroyed", () => {
    expect(messages([release("mailu", { subnet: "0.0.0.0/0" }, [], "mailu", ["delete"])])).toEqual([]);
  });

  it("rejects every spelling of everything, public space and too-wide ranges, v4 and v6", () => {
    for (const subnet of ["0.0.0.0/0", "::/0", "0.0.0.0/1", "10.0.0.0/7", "2001:db8::/32", "8.8.8.8", "fd00::/8"]) {
      expect(messages([release("mailu", { ...safe, subnet })]), subnet).toHaveLength(1);
    }
    for (const networks of [["0.0.0.0/0"], ["10.0.0.0/8"], ["172.16.0.0/12"], ["fd00::/48"], ["192.0.2.0/24"]]) {
      expect(messages([release("mailu", { ...safe, externalRelay: { networks } })]), networks[0]).toHaveLength(1);
    }
    expect(messages([release("mailu", { ...safe, externalRelay: { networks: ["10.110.16.0/24", "fd00:1::/64"] } })])).toEqual([]);
  });

  it("fails closed on a setting that is not a network", () => {
    for (const realIpFrom of ["traefik", "10.244.0.0/33", "10.244.0.0/16;0.0.0.0/0", "*"]) {
      const found = messages([release("mailu", { ...safe, ingress: { ...safe.ingress, realIpFrom } })]);
      expect(found.length, realIpFrom).toBeGreaterThan(0);
    }
  });

  it("reads lists the way Mailu does: commas, spaces, and the chart's list values", () => {
    expect(messages([release("mailu", { ...safe, ingress: { ...safe.ingress, realIpFrom: "10.244.0.0/16, 0.0.0.0/0" } })])).toHaveLength(1);
    expect(messages([release("mailu", { ...safe, ingress: { ...safe.ingress, realIpFrom: "10.244.0.0/16 fd00::/48" } })])).toEqual([]);
  });

  it("rejects PROXY protocol without REAL_IP_FROM, in every PROXY_PROTOCOL spelling", () => {
    for (const proxy of ["25", "mail", "all-but-http", "all"]) {
      const env = { kind: "ConfigMap", metadata: { name: "mailu-envvars" }, data: { SUBNET: "10.244.0.0/16", HOSTNAMES: "mail.example.org", PROXY_PROTOCOL: proxy } };
      expect(messages([release("mailu", safe, [env])]), proxy).toEqual([expect.stringContaining("REAL_IP_FROM (ingress.realIpFrom) is empty")]);
    }
  });

  it("rejects a rendered chart whose settings it cannot find", () => {
    const other = { kind: "ConfigMap", metadata: { name: "something" }, data: { A: "b" } };
    expect(messages([release("mailu", safe, [other])])).toEqual([expect.stringContaining("cannot be read")]);
  });

  it("rejects a Traefik route that hides the client address, and one that disagrees with Mailu", () => {
    const unproxied = { ...safe, ingress: { ...safe.ingress, proxyProtocol: { imaps: true } }, front: { ...safe.front, externalService: { ...safe.front.externalService, ports: { smtp: false, imaps: true, pop3s: false, smtps: false, manageSieve: false } } } };
    expect(messages([release("mailu", unproxied), route(25, false, "mailu-front")])).toEqual([expect.stringContaining("without PROXY protocol: Mailu sees Traefik's in-cluster address")]);
    expect(messages([release("mailu", unproxied), route(25, true, "mailu-front")])).toEqual([expect.stringContaining("sends PROXY protocol on port 25 but Mailu does not expect it")]);
    expect(messages([release("mailu", safe), route(993, false)])).toEqual([expect.stringContaining("does not send PROXY protocol on port 993 but Mailu expects it")]);
    // Routes in other namespaces, to other services, or of other ports are not Mailu's.
    expect(messages([release("mailu", safe), route(443, false), route(25, false, "n8n")])).toEqual([]);
  });

  it("rejects a NodePort or LoadBalancer with externalTrafficPolicy Cluster unless every port uses PROXY protocol", () => {
    for (const type of ["LoadBalancer", "NodePort"]) {
      const exposed = { ...safe, front: { externalService: { enabled: true, type, externalTrafficPolicy: "Cluster", ports: { smtp: true, imaps: false, pop3s: false, smtps: false, manageSieve: false } } }, ingress: { ...safe.ingress, proxyProtocol: {} } };
      expect(messages([release("mailu", exposed)]), type).toHaveLength(1);
      const local = { ...exposed, front: { externalService: { ...exposed.front.externalService, externalTrafficPolicy: "Local" } } };
      expect(messages([release("mailu", local)]), type).toEqual([]);
      const proxied = { ...exposed, ingress: safe.ingress };
      expect(messages([release("mailu", proxied)]), type).toEqual([]);
    }
  });

  it("reads Mailu declared as a Deployment with literal env", () => {
    const deployment: PlannedResource = {
      address: "kubernetes_deployment_v1.front", module: "", mode: "managed", type: "kubernetes_deployment_v1", name: "front", provider: "hashicorp/kubernetes", actions: ["create"], afterUnknown: {},
      values: { metadata: [{ name: "front", namespace: "mail" }], spec: [{ template: [{ spec: [{ container: [{ name: "front", image: "ghcr.io/mailu/nginx:2024.06.51", env: [{ name: "RELAYNETS", value: "0.0.0.0/0" }] }] }] }] }] },
    };
    const config: PlannedResource = { ...deployment, address: "kubernetes_config_map_v1.env", type: "kubernetes_config_map_v1", name: "env", values: { metadata: [{ name: "mailu-envvars", namespace: "mail" }], data: { SUBNET: "10.244.0.0/16", HOSTNAMES: "mail.example.org" } } };
    expect(rule.evaluate(inputOf([config, deployment])).map((v) => [v.address, v.message])).toEqual([["kubernetes_config_map_v1.env", expect.stringContaining("RELAYNETS")]]);
  });
});

describe("CIDR parsing", () => {
  it("parses v4, v6, bare addresses and embedded v4, and refuses the rest", () => {
    expect(parseCidr("10.244.0.0/16")).toMatchObject({ family: 4, prefix: 16 });
    expect(parseCidr("192.0.2.7")).toMatchObject({ family: 4, prefix: 32 });
    expect(parseCidr("fd00:10:244::/56")).toMatchObject({ family: 6, prefix: 56 });
    expect(parseCidr("::ffff:10.0.0.1")).toMatchObject({ family: 6, prefix: 128 });
    for (const bad of ["", "10.0.0.0/33", "::/129", "10.0.0/8", "example.org", "10.0.0.0/-1", "1.2.3.4/8/8"]) expect(parseCidr(bad), bad).toBeNull();
  });

  it("knows containment and private space", () => {
    expect(contains(parseCidr("10.0.0.0/8")!, parseCidr("10.244.3.0/24")!)).toBe(true);
    expect(contains(parseCidr("10.244.3.0/24")!, parseCidr("10.0.0.0/8")!)).toBe(false);
    expect(contains(parseCidr("10.0.0.0/8")!, parseCidr("fd00::/8")!)).toBe(false);
    expect(["10.1.0.0/16", "172.31.0.0/16", "192.168.1.0/24", "100.64.0.0/10", "fd12::/48", "127.0.0.1"].map((t) => isPrivate(parseCidr(t)!))).toEqual(Array(6).fill(true));
    expect(["172.32.0.0/16", "192.0.2.0/24", "0.0.0.0/0", "2001:db8::/32", "10.0.0.0/7"].map((t) => isPrivate(parseCidr(t)!))).toEqual(Array(5).fill(false));
  });
});
