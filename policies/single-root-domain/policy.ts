import { lineOf, literalsOf } from "../../harness/hcl.ts";
import type { PlannedResource } from "../../harness/plan.ts";
import { defineRule, type PolicyInput, type Violation } from "../../harness/policy/types.ts";
import allowlist from "./infrastructure-hosts.json" with { type: "json" };

type Json = Record<string, unknown>;

const infrastructureHosts = Object.values(allowlist).filter(Array.isArray).flat();
const clusterInternalHosts = allowlist.clusterInternal;
const matches = (host: string, entries: string[]): boolean =>
  entries.some((entry) => (entry.startsWith("*.") ? host.endsWith(entry.slice(1)) : host === entry));

// A dotted lower-case name whose last label is letters. The look-arounds keep it from starting
// or stopping inside a longer token (Values.global, foo.bar.v1).
const dottedName = /(?<![A-Za-z0-9_.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}(?![A-Za-z0-9_-]|\.[A-Za-z0-9])/g;
// File names (values.yaml, nginx.conf) and Kubernetes field paths (metadata.name) look dotted
// too, but name no host.
const fileExtensions = new Set(["yaml", "yml", "json", "conf", "cfg", "ini", "toml", "tf", "tpl", "txt", "md", "php", "py", "sh", "js", "html", "xml", "pem", "crt", "key", "log", "sql", "env", "lock", "gz", "tgz", "zip"]);
const fieldPathRoots = new Set(["metadata", "spec", "status"]);

/** Host-like names in free text: URL hosts, image registries, e-mail domains, bare names. */
function domainsIn(text: string): string[] {
  return [...text.matchAll(dottedName)]
    .filter((match) => {
      const before = text.slice(0, match.index);
      // A single slash puts the name in a path (kubernetes.io/ingress.class), "//" in a URL's host.
      const inPath = before.endsWith("/") && !before.endsWith("//");
      const labels = match[0].split(".");
      return !inPath && !fileExtensions.has(labels.at(-1)!) && !fieldPathRoots.has(labels[0]!);
    })
    .map((match) => match[0]);
}

const isIndex = (segment: string): boolean => segment.startsWith("[");
const shown = (path: string[]): string => path.map((segment, i) => (i === 0 || isIndex(segment) ? segment : `.${segment}`)).join("");

// Prose and Helm value paths (set { name = "ingress.enabled" }) are not configuration hosts.
const notHosts = (path: string[]): boolean => {
  const [parent, key] = path.filter((segment) => !isIndex(segment)).slice(-2);
  return key === "description" || key === "error_message" || (key === "name" && /^set(_sensitive|_list)?$/.test(parent ?? ""));
};

/** Every string of a parsed HCL body, object keys included, with the path that leads to it. */
function* stringsOf(value: unknown, path: string[]): Generator<{ path: string[]; text: string }> {
  if (typeof value === "string") yield { path, text: value };
  else if (Array.isArray(value)) for (const [index, item] of value.entries()) yield* stringsOf(item, value.length > 1 ? [...path, `[${index}]`] : path);
  else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      yield { path, text: key };
      yield* stringsOf(item, [...path, key]);
    }
  }
}

function moduleLiterals(input: PolicyInput): Violation[] {
  const violations: Violation[] = [];
  // Every form tofu reads (.tf, .tofu, JSON), locals and interpolations included; a file a
  // .tofu twin shadows is not read by tofu, so it names no host.
  for (const file of input.sources.filter((source) => source.inModule && !source.shadowed && source.role !== "variables")) {
    const reported = new Set<string>();
    for (const { path, text } of stringsOf(file.body, [])) {
      if (notHosts(path)) continue;
      // The text after an interpolation ("${var.name}.example.com") starts at its dot.
      const literals = literalsOf(text).map((literal) => literal.replace(/^\./, ""));
      for (const host of literals.flatMap(domainsIn)) {
        if (matches(host, infrastructureHosts) || reported.has(host)) continue;
        reported.add(host);
        violations.push({
          address: file.path,
          path: `${file.path}:${lineOf(file, host)}`,
          message: `module hard-codes the domain "${host}" (in ${shown(path) || "the file"})`,
          fix: "Give the module a root_domain (or host) variable and build the name from it, e.g. \"app.${var.root_domain}\"; if the name is a registry or chart host, add it to policies/single-root-domain/infrastructure-hosts.json.",
        });
      }
    }
  }
  return violations;
}

const obj = (value: unknown): Json => (value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {});
// Settings that carry the app's public address, by name: env vars, ConfigMap keys and Helm
// values (SERVER_URL, N8N_HOST, WEBHOOK_URL, WORDPRESS_SITEURL, WP_HOME, SERVER_NAME, HOSTNAMES,
// NEXTCLOUD_TRUSTED_DOMAINS, OVERWRITEHOST, siteUrl, trustedDomains, ...), in any case.
const hostSetting = /(ur[li]s?|hosts?|hostnames?|domains?|fqdns?|home|server_?names?|origins?|endpoints?)$/i;
const splitCamel = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2");
const isHostSetting = (name: string) => hostSetting.test(splitCamel(name).replace(/[-.]/g, "_"));

interface PlatformName {
  address: string;
  where: string;
  host: string;
  path?: string;
}

/** Hosts a HostRegexp may match: it must be anchored under one name (`^...\.example\.org$`, or v2's `{sub:[a-z]+}.example.org`). */
function regexpSuffix(pattern: string): string | undefined {
  const v2 = pattern.match(/^(?:\{[^}]*\}\.)+((?:[a-z0-9-]+\.)+[a-z]{2,63})$/i);
  if (v2) return v2[1]!;
  const v3 = pattern.match(/\\\.((?:[a-z0-9-]+\\\.)*[a-z]{2,63})\$$/i);
  return v3 && pattern.startsWith("^") ? v3[1]!.replaceAll("\\.", ".") : undefined;
}

/** Values of Helm values keys named like host settings, with their dotted path. */
function* hostValues(value: unknown, path: string[]): Generator<{ path: string; text: string }> {
  if (Array.isArray(value)) for (const [index, item] of value.entries()) yield* hostValues(item, [...path, String(index)]);
  else if (value && typeof value === "object") for (const [key, item] of Object.entries(value)) yield* hostValues(item, [...path, key]);
  else if (typeof value === "string") {
    const key = path.filter((segment) => !/^\d+$/.test(segment)).at(-1) ?? "";
    if (isHostSetting(key)) yield { path: path.join("."), text: value };
  }
}

/** Kubernetes objects the plan carries as manifests: kubernetes_manifest and rendered charts. */
const manifestsOf = (resource: PlannedResource): Json[] =>
  [...(resource.type === "kubernetes_manifest" ? [obj(resource.values.manifest)] : []), ...(resource.helm?.manifests ?? [])];

function* platformNames(input: PolicyInput): Generator<PlatformName> {
  for (const ingress of input.facts.ingresses) {
    for (const host of new Set([...ingress.hosts, ...ingress.tlsHosts])) yield { address: ingress.address, where: `${ingress.kind} ${ingress.namespace}/${ingress.name} host`, host, path: ingress.path };
    for (const pattern of ingress.hostRegexps) {
      const suffix = regexpSuffix(pattern);
      // An unanchored pattern may match any host: judged as a name outside every domain.
      yield { address: ingress.address, where: `${ingress.kind} ${ingress.namespace}/${ingress.name} HostRegexp \`${pattern}\``, host: suffix ?? "(any host)", path: ingress.path };
    }
  }
  for (const workload of input.facts.workloads) {
    for (const container of workload.containers) {
      for (const [name, value] of Object.entries(container.env)) {
        if (!isHostSetting(name)) continue;
        for (const host of domainsIn(value.toLowerCase())) yield { address: workload.address, where: `${workload.kind} ${workload.namespace}/${workload.name} container ${container.name} env ${name}`, host, path: `${container.path}.env[${name}]` };
      }
    }
  }
  for (const configMap of input.facts.configMaps) {
    for (const [key, value] of Object.entries(configMap.data)) {
      if (!isHostSetting(key)) continue;
      for (const host of domainsIn(value.toLowerCase())) yield { address: configMap.address, where: `ConfigMap ${configMap.namespace}/${configMap.name} key ${key}`, host, path: `${configMap.path}.${key}` };
    }
  }
  for (const resource of input.resources) {
    if (resource.actions.length === 1 && resource.actions[0] === "delete") continue;
    if (resource.type === "digitalocean_domain" && typeof resource.values.name === "string") yield { address: resource.address, where: "digitalocean_domain name", host: resource.values.name };
    if (resource.type === "digitalocean_record" && typeof resource.values.domain === "string") yield { address: resource.address, where: "digitalocean_record domain", host: resource.values.domain };
    for (const setting of resource.helm ? hostValues(resource.helm.values, []) : []) {
      for (const host of domainsIn(setting.text.toLowerCase())) yield { address: resource.address, where: `Helm value ${setting.path}`, host, path: `values.${setting.path}` };
    }
    for (const manifest of manifestsOf(resource)) {
      if (manifest.kind !== "Certificate" || !String(manifest.apiVersion).startsWith("cert-manager.io/")) continue;
      const dnsNames = obj(manifest.spec).dnsNames;
      for (const host of Array.isArray(dnsNames) ? dnsNames.map(String) : []) yield { address: resource.address, where: `Certificate ${String(obj(manifest.metadata).name)} dnsName`, host };
    }
  }
}

const normalized = (host: string): string => host.trim().toLowerCase().replace(/\.$/, "").replace(/^\*\./, "");

function derivedNames(input: PolicyInput): Violation[] {
  const names = [...platformNames(input)].map((name) => ({ ...name, host: normalized(name.host) })).filter((name) => name.host && !matches(name.host, clusterInternalHosts) && !matches(name.host, infrastructureHosts));
  if (names.length === 0) return [];
  const root = typeof input.variables.root_domain === "string" ? normalized(input.variables.root_domain) : "";
  if (!root) {
    return [{
      address: "var.root_domain",
      message: `the plan names ${names.length} public host(s) (e.g. ${names[0]!.host}) but has no root_domain variable to derive them from`,
      fix: "Declare variable \"root_domain\" in the environment, set it once, and build every host from it (\"app.${var.root_domain}\").",
    }];
  }
  const outside = new Map(names.filter((name) => name.host !== root && !name.host.endsWith(`.${root}`)).map((name) => [`${name.address} ${name.where} ${name.host}`, name]));
  return [...outside.values()].map((name) => ({
    address: name.address,
    ...(name.path ? { path: name.path } : {}),
    message: `${name.where} "${name.host}" is not root_domain "${root}" or a name under it`,
    fix: `Derive the name from var.root_domain (e.g. "app.\${var.root_domain}"), so it ends in ".${root}"; a second domain needs the owner's decision, not a literal.`,
  }));
}

export default defineRule({
  id: "single-root-domain",
  title: "One root domain, every FQDN derived from it",
  severity: "error",
  evaluate(input) {
    return [...derivedNames(input), ...moduleLiterals(input)];
  },
});
