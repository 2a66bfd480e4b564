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

/**
 * The literal text of an hcl2json string. Expressions come through as "${...}" (or "%{...}"),
 * where references are not literals but quoted strings inside them are.
 */
function literalTexts(text: string, start = 0, quoted = false): { literals: string[]; end: number } {
  const literals: string[] = [];
  let current = "";
  let i = start;
  while (i < text.length && !(quoted && text[i] === '"')) {
    const char = text[i]!;
    if (quoted && char === "\\") {
      current += text[i + 1] === "n" ? "\n" : (text[i + 1] ?? "");
      i += 2;
    } else if ((char === "$" || char === "%") && text[i + 1] === char && text[i + 2] === "{") {
      current += `${char}{`; // "$${" is HCL's escape for a literal "${"
      i += 3;
    } else if ((char === "$" || char === "%") && text[i + 1] === "{") {
      literals.push(current);
      current = "";
      const inner = expressionLiterals(text, i + 2);
      literals.push(...inner.literals);
      i = inner.end;
    } else {
      current += char;
      i++;
    }
  }
  literals.push(current);
  return { literals: literals.filter(Boolean), end: i + 1 };
}

function expressionLiterals(text: string, start: number): { literals: string[]; end: number } {
  const literals: string[] = [];
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const char = text[i]!;
    if (char === '"') {
      const inner = literalTexts(text, i + 1, true);
      literals.push(...inner.literals);
      i = inner.end;
      continue;
    }
    if (char === "{") depth++;
    else if (char === "}" && depth-- === 0) return { literals, end: i + 1 };
    i++;
  }
  return { literals, end: i };
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
  for (const file of input.sources.filter((source) => source.inModule)) {
    const reported = new Set<string>();
    for (const { path, text } of stringsOf(file.body, [])) {
      if (notHosts(path)) continue;
      // The text after an interpolation ("${var.name}.example.com") starts at its dot.
      const literals = literalTexts(text).literals.map((literal) => literal.replace(/^\./, ""));
      for (const host of literals.flatMap(domainsIn)) {
        if (matches(host, infrastructureHosts) || reported.has(host)) continue;
        reported.add(host);
        violations.push({
          address: file.path,
          message: `module hard-codes the domain "${host}" (in ${shown(path) || "the file"})`,
          fix: "Give the module a root_domain (or host) variable and build the name from it, e.g. \"app.${var.root_domain}\"; if the name is a registry or chart host, add it to policies/single-root-domain/infrastructure-hosts.json.",
        });
      }
    }
  }
  return violations;
}

const obj = (value: unknown): Json => (value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {});
// Environment variables that carry the app's public address (SERVER_URL, N8N_HOST, WEBHOOK_URL, ...).
const hostVariable = /(^|_)(URL|HOST|DOMAIN)$/;

interface PlatformName {
  address: string;
  where: string;
  host: string;
}

/** Kubernetes objects the plan carries as manifests: kubernetes_manifest and rendered charts. */
const manifestsOf = (resource: PlannedResource): Json[] =>
  [...(resource.type === "kubernetes_manifest" ? [obj(resource.values.manifest)] : []), ...(resource.helm?.manifests ?? [])];

function* platformNames(input: PolicyInput): Generator<PlatformName> {
  for (const ingress of input.facts.ingresses) {
    for (const host of new Set([...ingress.hosts, ...ingress.tlsHosts])) yield { address: ingress.address, where: `${ingress.kind} ${ingress.namespace}/${ingress.name} host`, host };
  }
  for (const workload of input.facts.workloads) {
    for (const container of workload.containers) {
      for (const [name, value] of Object.entries(container.env)) {
        if (!hostVariable.test(name)) continue;
        for (const host of domainsIn(value.toLowerCase())) yield { address: workload.address, where: `${workload.kind} ${workload.namespace}/${workload.name} container ${container.name} env ${name}`, host };
      }
    }
  }
  for (const resource of input.resources) {
    if (resource.actions.length === 1 && resource.actions[0] === "delete") continue;
    if (resource.type === "digitalocean_domain" && typeof resource.values.name === "string") yield { address: resource.address, where: "digitalocean_domain name", host: resource.values.name };
    if (resource.type === "digitalocean_record" && typeof resource.values.domain === "string") yield { address: resource.address, where: "digitalocean_record domain", host: resource.values.domain };
    for (const manifest of manifestsOf(resource)) {
      if (manifest.kind !== "Certificate" || !String(manifest.apiVersion).startsWith("cert-manager.io/")) continue;
      const dnsNames = obj(manifest.spec).dnsNames;
      for (const host of Array.isArray(dnsNames) ? dnsNames.map(String) : []) yield { address: resource.address, where: `Certificate ${String(obj(manifest.metadata).name)} dnsName`, host };
    }
  }
}

const normalized = (host: string): string => host.trim().toLowerCase().replace(/\.$/, "").replace(/^\*\./, "");

function derivedNames(input: PolicyInput): Violation[] {
  const names = [...platformNames(input)].map((name) => ({ ...name, host: normalized(name.host) })).filter((name) => name.host && !matches(name.host, clusterInternalHosts));
  if (names.length === 0) return [];
  const root = typeof input.variables.root_domain === "string" ? normalized(input.variables.root_domain) : "";
  if (!root) {
    return [{
      address: "var.root_domain",
      message: `the plan names ${names.length} public host(s) (e.g. ${names[0]!.host}) but has no root_domain variable to derive them from`,
      fix: "Declare variable \"root_domain\" in the environment, set it once, and build every host from it (\"app.${var.root_domain}\").",
    }];
  }
  const outside = new Map(names.filter((name) => name.host !== root && !name.host.endsWith(`.${root}`)).map((name) => [`${name.address} ${name.host}`, name]));
  return [...outside.values()].map((name) => ({
    address: name.address,
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
