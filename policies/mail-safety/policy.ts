import type { PlannedResource } from "../../harness/plan.ts";
import { chartName } from "../../harness/policy/charts.ts";
import { isPrivate, parseCidr, splitList, type Cidr } from "../../harness/policy/cidr.ts";
import { defineRule, type Violation } from "../../harness/policy/types.ts";

/**
 * Mailu trusts addresses: SUBNET and RELAYNETS may send through it without logging in, and
 * REAL_IP_FROM names the proxies whose word about the client's address it believes. Each of
 * these, set wider than it must be, or a proxy path that hides the client's address, turns the
 * server into an open relay. This rule reads Mailu's effective settings from every form a plan
 * carries them in, and fails closed on a setting it cannot read.
 */

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string => (typeof value === "string" ? value.trim() : typeof value === "number" ? String(value) : "");
const truthy = (value: unknown): boolean => value === true || (typeof value === "string" && ["true", "yes", "1"].includes(value.trim().toLowerCase()));

/** Mailu's mail ports and the names its chart and PROXY_PROTOCOL use for them. */
const mailPorts: Record<string, number> = { pop3: 110, pop3s: 995, imap: 143, imaps: 993, smtp: 25, smtps: 465, submission: 587, manageSieve: 4190 };
const portNames: Record<number, string> = Object.fromEntries(Object.entries(mailPorts).map(([name, port]) => [port, name]));
const mailPortNumbers = new Set(Object.values(mailPorts));
// Mailu's own aliases in PROXY_PROTOCOL (core/base/libs/socrate: clean_env).
const proxyProtocolAliases: Record<string, number[]> = { mail: [...mailPortNumbers], "all-but-http": [...mailPortNumbers, 443], all: [...mailPortNumbers, 443, 80] };

/** Widest network each setting may name, per family: past these it reaches hosts it must not trust. */
const limits = {
  subnet: { 4: 8, 6: 48 },
  realIpFrom: { 4: 8, 6: 48 },
  relayNetworks: { 4: 16, 6: 56 },
  proxyAuthWhitelist: { 4: 16, 6: 56 },
} as const;

interface Exposure {
  /** A Service that carries Mailu's front mail ports beyond Mailu itself. */
  what: string;
  type: string;
  externalTrafficPolicy: string;
  ports: number[];
}

interface Route {
  what: string;
  service: string;
  port: number;
  proxyProtocol: boolean;
}

interface MailuSettings {
  address: string;
  /** How the settings were read: the rendered chart, the chart values, or declared objects. */
  source: "rendered chart" | "chart values" | "declared objects";
  subnet: string[];
  relayNetworks: string[];
  realIpFrom: string[];
  realIpHeader: string;
  proxyProtocol: Set<number>;
  proxyAuthWhitelist: string[];
  exposures: Exposure[];
  routes: Route[];
  /** Why the settings could not be read, when they could not. */
  unreadable?: string;
}

const live = (resources: PlannedResource[]) => resources.filter((resource) => !(resource.actions.length === 1 && resource.actions[0] === "delete"));

function proxyProtocolPorts(value: unknown): Set<number> {
  const ports = new Set<number>();
  for (const item of splitList(value)) {
    if (/^\d+$/.test(item)) ports.add(Number(item));
    for (const port of proxyProtocolAliases[item] ?? []) ports.add(port);
  }
  return ports;
}

/** Mailu's configuration env: the chart's <release>-envvars ConfigMap, or a declared one with its keys. */
const isMailuEnv = (data: Json): boolean => "SUBNET" in data && ["HOSTNAMES", "DOMAIN", "POSTMASTER", "RELAYNETS", "REAL_IP_FROM", "PROXY_PROTOCOL"].some((key) => key in data);
const isMailuImage = (image: string): boolean => /(^|\/)mailu\/(nginx|postfix|admin|dovecot|rspamd)(:|@|$)/.test(image);

interface ObjectView {
  kind: string;
  metadata: Json;
  body: Json;
}

function settingsFromObjects(address: string, source: MailuSettings["source"], objects: ObjectView[]): MailuSettings {
  const env: Json = {};
  for (const object of objects) {
    const data = obj(object.body.data);
    if (object.kind === "ConfigMap" && isMailuEnv(data)) Object.assign(env, data);
  }
  // Literal env on Mailu's own containers overrides the ConfigMap (extraEnvVars and the like).
  for (const object of objects) {
    if (!["Deployment", "DaemonSet", "StatefulSet"].includes(object.kind)) continue;
    const pod = obj(obj(obj(object.body.spec).template).spec);
    for (const container of list(pod.containers).map(obj)) {
      if (!isMailuImage(text(container.image))) continue;
      for (const entry of list(container.env).map(obj)) if (typeof entry.value === "string" && entry.name) env[text(entry.name)] = entry.value;
    }
  }
  const settings: MailuSettings = {
    address,
    source,
    subnet: [...splitList(env.SUBNET), ...splitList(env.SUBNET6)],
    relayNetworks: splitList(env.RELAYNETS),
    realIpFrom: splitList(env.REAL_IP_FROM),
    realIpHeader: text(env.REAL_IP_HEADER),
    proxyProtocol: proxyProtocolPorts(env.PROXY_PROTOCOL),
    proxyAuthWhitelist: splitList(env.PROXY_AUTH_WHITELIST),
    exposures: [],
    routes: [],
  };
  if (Object.keys(env).length === 0) settings.unreadable = "no ConfigMap with Mailu's settings (SUBNET, HOSTNAMES, ...) was found";

  // Services that carry Mailu's front mail ports; the chart's internal one (ClusterIP, with its
  // internal ports too) is reached only by Mailu itself unless a route points at it.
  for (const object of objects) {
    if (object.kind !== "Service") continue;
    const spec = obj(object.body.spec);
    const selector = obj(spec.selector);
    if (selector["app.kubernetes.io/component"] !== "front") continue;
    const ports = list(spec.ports).map(obj).map((port) => Number(port.port)).filter((port) => mailPortNumbers.has(port));
    const type = text(spec.type) || "ClusterIP";
    const name = text(object.metadata.name);
    if (ports.length === 0 || (type === "ClusterIP" && !name.endsWith("-ext"))) continue;
    settings.exposures.push({ what: `Service ${name}`, type, externalTrafficPolicy: text(spec.externalTrafficPolicy) || "Cluster", ports });
  }
  return settings;
}

/** Mailu chart 2.7.1's defaults, for a plan that carries the values but not the rendered chart. */
function settingsFromValues(address: string, values: Json): MailuSettings {
  const ingress = obj(values.ingress);
  const front = obj(values.front);
  const external = obj(front.externalService);
  const exposedPorts = obj(external.ports);
  const defaultsExposed = new Set(["pop3s", "imaps", "smtp", "smtps", "manageSieve"]);
  const exposed = Object.keys(mailPorts).filter((name) => (name in exposedPorts ? truthy(exposedPorts[name]) : defaultsExposed.has(name)));
  const proxyValues = obj(ingress.proxyProtocol);
  const externalEnabled = truthy(external.enabled);
  const settings: MailuSettings = {
    address,
    source: "chart values",
    subnet: [...splitList("subnet" in values ? values.subnet : "10.42.0.0/16"), ...splitList(values.subnet6)],
    relayNetworks: splitList(obj(values.externalRelay).networks),
    realIpFrom: splitList(ingress.realIpFrom),
    realIpHeader: "realIpHeader" in ingress ? text(ingress.realIpHeader) : "X-Forwarded-For",
    // The chart sets PROXY_PROTOCOL only for ports its external Service exposes.
    proxyProtocol: new Set(externalEnabled ? exposed.filter((name) => truthy(proxyValues[name])).map((name) => mailPorts[name]!) : []),
    proxyAuthWhitelist: splitList(obj(values.proxyAuth).whitelist),
    exposures: [],
    routes: [],
  };
  if (externalEnabled && exposed.length > 0) {
    const type = text(external.type) || "ClusterIP";
    settings.exposures.push({ what: "front.externalService", type, externalTrafficPolicy: type === "ClusterIP" ? "" : text(external.externalTrafficPolicy) || "Local", ports: exposed.map((name) => mailPorts[name]!) });
  }
  return settings;
}

/** Traefik TCP routes in the plan, rendered or declared, with the Mailu services they reach. */
function tcpRoutes(resources: PlannedResource[]): Array<Route & { namespace: string }> {
  const routes: Array<Route & { namespace: string }> = [];
  const add = (manifest: Json, namespace: string) => {
    if (manifest.kind !== "IngressRouteTCP") return;
    const metadata = obj(manifest.metadata);
    for (const route of list(obj(manifest.spec).routes).map(obj)) {
      for (const service of list(route.services).map(obj)) {
        routes.push({
          what: `IngressRouteTCP ${text(metadata.name)}`,
          namespace: text(service.namespace) || text(metadata.namespace) || namespace,
          service: text(service.name),
          port: Number(service.port),
          proxyProtocol: Object.keys(obj(service.proxyProtocol)).length > 0,
        });
      }
    }
  };
  for (const resource of resources) {
    if (resource.type === "kubernetes_manifest") add(obj(resource.values.manifest), "default");
    for (const manifest of resource.helm?.manifests ?? []) add(manifest, resource.helm!.namespace);
  }
  return routes;
}

function collect(resources: PlannedResource[]): Array<MailuSettings & { namespace: string }> {
  const found: Array<MailuSettings & { namespace: string }> = [];
  for (const resource of resources) {
    if (resource.type !== "helm_release" || !resource.helm || chartName(resource.helm.chart) !== "mailu") continue;
    const helm = resource.helm;
    const settings = helm.manifests.length > 0
      ? settingsFromObjects(resource.address, "rendered chart", helm.manifests.map((m) => ({ kind: text(m.kind), metadata: obj(m.metadata), body: m })))
      : settingsFromValues(resource.address, helm.values);
    found.push({ ...settings, namespace: helm.namespace });
  }
  // Mailu declared as plain Kubernetes resources: its env ConfigMap, and its containers' env.
  const declared: Record<string, ObjectView[]> = {};
  const kinds: Record<string, string> = { kubernetes_config_map_v1: "ConfigMap", kubernetes_deployment_v1: "Deployment", kubernetes_daemon_set_v1: "DaemonSet", kubernetes_stateful_set_v1: "StatefulSet", kubernetes_service_v1: "Service" };
  for (const resource of resources) {
    const kind = kinds[resource.type];
    const manifest = resource.type === "kubernetes_manifest" ? obj(resource.values.manifest) : undefined;
    const view: ObjectView | undefined = kind ? { kind, metadata: obj(list(resource.values.metadata)[0]), body: providerToManifest(kind, resource.values) } : manifest ? { kind: text(manifest.kind), metadata: obj(manifest.metadata), body: manifest } : undefined;
    if (!view) continue;
    const namespace = text(view.metadata.namespace) || "default";
    (declared[namespace] ??= []).push({ ...view, metadata: { ...view.metadata, address: resource.address } });
  }
  for (const [namespace, objects] of Object.entries(declared)) {
    const config = objects.find((object) => object.kind === "ConfigMap" && isMailuEnv(obj(object.body.data)));
    if (!config) continue;
    found.push({ ...settingsFromObjects(text(config.metadata.address), "declared objects", objects), namespace });
  }
  const routes = tcpRoutes(resources);
  for (const settings of found) settings.routes = routes.filter((route) => route.namespace === settings.namespace && /front/.test(route.service));
  return found;
}

/** The provider's snake_case blocks, in the manifest shape the readers above use. */
function providerToManifest(kind: string, values: Json): Json {
  const spec = obj(list(values.spec)[0]);
  if (kind === "ConfigMap") return { data: obj(values.data) };
  if (kind === "Service") {
    return { spec: { type: spec.type, externalTrafficPolicy: spec.external_traffic_policy, selector: spec.selector, ports: list(spec.port).map(obj).map((port) => ({ port: port.port })) } };
  }
  const pod = obj(list(obj(list(spec.template)[0]).spec)[0]);
  const containers = list(pod.container).map(obj).map((container) => ({
    name: container.name,
    image: container.image,
    env: list(container.env).map(obj).map((entry) => ({ name: entry.name, value: entry.value })),
  }));
  return { spec: { template: { spec: { containers } } } };
}

function checkNetworks(settings: MailuSettings, setting: keyof typeof limits, entries: string[], name: string, why: string, fix: string): Violation[] {
  const violations: Violation[] = [];
  for (const entry of entries) {
    const cidr: Cidr | null = parseCidr(entry);
    const limit = cidr ? limits[setting][cidr.family] : 0;
    const problem = !cidr
      ? `"${entry}" is not an IP network`
      : !isPrivate(cidr)
        ? `${entry} reaches public addresses`
        : cidr.prefix < limit
          ? `${entry} is wider than /${limit}`
          : undefined;
    if (problem) violations.push({ address: settings.address, message: `Mailu's ${name} (${settings.source}): ${problem}; ${why}`, fix });
  }
  return violations;
}

function evaluateSettings(settings: MailuSettings): Violation[] {
  const { address } = settings;
  if (settings.unreadable) {
    return [{ address, message: `Mailu's relay and real-IP settings cannot be read from the ${settings.source}: ${settings.unreadable}`, fix: "Render the chart in the plan (the helm provider's experiments = { manifest = true }) or declare Mailu's env ConfigMap with SUBNET and its other keys, so the gate can judge them." }];
  }
  const violations: Violation[] = [
    ...checkNetworks(settings, "subnet", settings.subnet, "SUBNET (subnet, subnet6)", "every address in it may send mail through Mailu without logging in", "Set subnet to the cluster's pod network exactly (DOKS: the cluster's cluster_subnet, e.g. 10.244.0.0/16)."),
    ...checkNetworks(settings, "relayNetworks", settings.relayNetworks, "RELAYNETS (externalRelay.networks)", "every address in it may relay through Mailu without logging in", "List only the private hosts or small subnets that must relay without authentication (at most /16), or none."),
    ...checkNetworks(settings, "realIpFrom", settings.realIpFrom, "REAL_IP_FROM (ingress.realIpFrom)", "Mailu believes whatever client address a host in it claims", "Set realIpFrom to exactly the networks the proxy connects from (the cluster's pod network for Traefik in the cluster)."),
    ...checkNetworks(settings, "proxyAuthWhitelist", settings.proxyAuthWhitelist, "PROXY_AUTH_WHITELIST (proxyAuth.whitelist)", "a host in it logs in as anyone by sending a header", "Leave proxyAuth.whitelist empty, or list only the authenticating proxy's own private addresses."),
  ];
  if (settings.proxyProtocol.size > 0 && settings.realIpHeader) {
    violations.push({ address, message: `Mailu takes the client address from PROXY protocol on ports ${[...settings.proxyProtocol].sort((a, b) => a - b).join(", ")} and also from the ${settings.realIpHeader} header: a client can send the header and pick its own address`, fix: 'Set ingress.realIpHeader = "" (REAL_IP_HEADER empty) whenever PROXY protocol is on.' });
  }
  if (settings.proxyProtocol.size > 0 && settings.realIpFrom.length === 0) {
    violations.push({ address, message: "Mailu expects PROXY protocol but REAL_IP_FROM (ingress.realIpFrom) is empty, so it cannot tell the proxy from a client", fix: "Set ingress.realIpFrom to the networks the proxy connects from." });
  }
  for (const exposure of settings.exposures) {
    const unproxied = exposure.ports.filter((port) => !settings.proxyProtocol.has(port));
    const label = (ports: number[]) => ports.map((port) => `${port} (${portNames[port] ?? "?"})`).join(", ");
    if (exposure.type === "ClusterIP" && unproxied.length > 0) {
      violations.push({ address, message: `${exposure.what} is reached through a proxy but ports ${label(unproxied)} have no PROXY protocol: Mailu sees the proxy's in-cluster address, which SUBNET trusts, so anyone can relay`, fix: "Turn on ingress.proxyProtocol.<port> for every port the external Service exposes, and send PROXY protocol from the proxy (Traefik: proxyProtocol.version on the IngressRouteTCP service)." });
    }
    if ((exposure.type === "LoadBalancer" || exposure.type === "NodePort") && exposure.externalTrafficPolicy !== "Local" && (unproxied.length > 0 || settings.realIpFrom.length === 0)) {
      violations.push({ address, message: `${exposure.what} is a ${exposure.type} with externalTrafficPolicy ${exposure.externalTrafficPolicy}: the node rewrites the client address${unproxied.length > 0 ? ` on ports ${label(unproxied)}` : ""}, so Mailu may see a trusted in-cluster address and relay for anyone`, fix: "Set externalTrafficPolicy: Local, or PROXY protocol on every exposed port with realIpFrom set to the load balancer's networks; on this platform expose mail through Traefik's TCP entrypoints instead." });
    }
  }
  for (const route of settings.routes) {
    if (!mailPortNumbers.has(route.port)) continue;
    const mailuExpects = settings.proxyProtocol.has(route.port);
    if (!route.proxyProtocol && !mailuExpects) {
      violations.push({ address, message: `${route.what} sends port ${route.port} to ${route.service} without PROXY protocol: Mailu sees Traefik's in-cluster address, which SUBNET trusts, so anyone can relay`, fix: "Add proxyProtocol: { version: 2 } to the route's service and turn on ingress.proxyProtocol for that port in Mailu." });
    } else if (route.proxyProtocol !== mailuExpects) {
      violations.push({ address, message: `${route.what} ${route.proxyProtocol ? "sends" : "does not send"} PROXY protocol on port ${route.port} but Mailu ${mailuExpects ? "expects" : "does not expect"} it: every connection on that port fails`, fix: "Use PROXY protocol on both sides of the port or on neither: the route's proxyProtocol and Mailu's ingress.proxyProtocol.<port>." });
    }
  }
  return violations;
}

export default defineRule({
  id: "mail-safety",
  title: "Mailu's relay networks, real-IP sources and PROXY protocol cannot make an open relay",
  severity: "error",
  evaluate(input) {
    return collect(live(input.resources)).flatMap(evaluateSettings);
  },
});
