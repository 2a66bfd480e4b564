import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { PlatformError } from "../errors.ts";
import { loadSources, requiredProviderSources } from "../hcl.ts";
import { cacheDir, repoRoot } from "../paths.ts";
import { detail, formatSeconds, step } from "../progress.ts";
import { buildCoreDns, buildEtcd, buildKubeRouterNetpol, buildInModuleCopy, buildKubernetesComponent, downloadModule, go, goInstall, writableCopy, ldflags, type BuildContext } from "./go.ts";
import { withCacheLock } from "./lock.ts";
import { ensureDebianRoot } from "./debian-root.ts";
import { inMirror, missingProvider, providerMirrorFromEnv, registryHost, targetPlatform, unpackedProvider } from "./provider-mirror.ts";
import { ensureSystemPackages } from "./system.ts";
import { loadVersions, type ProviderSpec, type ToolName, type ToolSpec, type Versions } from "./versions.ts";

export { providerMirrorVariable, registryHost, targetPlatform } from "./provider-mirror.ts";

function toolBinary(cache: string, name: string, spec: ToolSpec): string {
  return join(cache, "tools", name, spec.version, name);
}

export function providerMirror(cache = cacheDir()): string {
  return join(cache, "providers");
}

async function onPathAtVersion(name: string, spec: ToolSpec): Promise<string | undefined> {
  const probe = await execa(name, spec.versionCommand, { reject: false, all: true, timeout: 10_000 });
  if (probe.exitCode !== 0 || !probe.all?.includes(spec.version)) return undefined;
  const { stdout } = await execa("sh", ["-c", `command -v ${name}`]);
  return stdout.trim();
}

export async function dockerAnswers(): Promise<boolean> {
  const probe = await execa("docker", ["info", "--format", "{{.ServerVersion}}"], { reject: false, timeout: 5_000 });
  return probe.exitCode === 0;
}

async function buildTool(name: string, spec: ToolSpec, out: string, cache: string): Promise<void> {
  const ctx: BuildContext = { tool: name, version: spec.version, cache };
  switch (spec.recipe) {
    case "module-copy":
      await buildInModuleCopy(ctx, spec.module, `v${spec.version}`, spec.package ?? ".", out, spec.ldflags);
      return;
    case "go-install":
      await goInstall(ctx, spec.package ?? spec.module, spec.version, out);
      return;
    case "etcd-wrapper":
      await buildEtcd(ctx, spec.version, out);
      return;
    case "kubernetes-wrapper":
      await buildKubernetesComponent(ctx, spec.version, spec.package!, out);
      return;
    case "coredns-wrapper":
      await buildCoreDns(ctx, spec.version, spec.plugins ?? [], out);
      return;
    case "kube-router-netpol":
      await buildKubeRouterNetpol(ctx, spec.module, spec.version, out);
      return;
  }
}

/** Whether a tool is already in the cache (no build would run for it). */
export function toolBuilt(name: ToolName, versions: Versions = loadVersions()): boolean {
  const spec = versions.tools[name];
  return spec !== undefined && existsSync(toolBinary(cacheDir(), name, spec));
}

/**
 * Resolution order: the pinned version already on PATH, else a cached build, else build it
 * now. Returns the absolute path of the binary.
 */
export async function ensureTool(name: ToolName, versions: Versions = loadVersions()): Promise<string> {
  const spec = versions.tools[name];
  if (!spec) throw new PlatformError(`unknown tool "${name}"`, `Pick one of: ${Object.keys(versions.tools).join(", ")}.`);
  const fromPath = await onPathAtVersion(name, spec);
  if (fromPath) return fromPath;
  const cache = cacheDir();
  const out = toolBinary(cache, name, spec);
  if (existsSync(out)) return out;
  return withCacheLock(cache, `${name}-${spec.version}`, async () => {
    if (existsSync(out)) return out;
    const started = performance.now();
    step(`building ${name} ${spec.version} from Go modules (first run only; cached in ${dirname(out)})`);
    await buildTool(name, spec, out, cache);
    detail(`${name} ${spec.version}: built in ${formatSeconds(performance.now() - started)}`);
    return out;
  });
}

/** The changelog is the cheap proof that the pinned pseudo-version really is the pinned release. */
async function checkRelease(source: string, spec: ProviderSpec, moduleDir: string): Promise<void> {
  const changelog = await readFile(join(moduleDir, "CHANGELOG.md"), "utf8").catch(() => "");
  const newest = changelog.match(/^##\s+v?(\d+\.\d+\.\d+)/m)?.[1];
  if (newest !== spec.version) {
    throw new PlatformError(
      `${source} ${spec.version}: ${spec.module}@${spec.moduleVersion} is not that release (its CHANGELOG's newest entry is ${newest ?? "missing"})`,
      `Put the pseudo-version of the v${spec.version} release commit in versions.json.`,
    );
  }
}

async function buildProvider(source: string, spec: ProviderSpec, out: string, cache: string): Promise<void> {
  const ctx: BuildContext = { tool: `provider ${source}`, version: spec.version, cache };
  const downloaded = await downloadModule(ctx, spec.module, spec.moduleVersion!);
  await checkRelease(source, spec, downloaded.Dir);
  const dir = await writableCopy(ctx, downloaded.Dir, source.replace("/", "-"));
  await go(ctx, "go build", ["build", "-trimpath", "-ldflags", ldflags(), "-o", out, "."], dir);
  await rm(dir, { recursive: true, force: true });
}

async function registryReachable(): Promise<boolean> {
  try {
    const response = await fetch(`https://${registryHost}/.well-known/terraform.json`, { signal: AbortSignal.timeout(3_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** On a machine that reaches the registry, the official builds fill the same mirror. */
async function mirrorOfficialBuilds(tofu: string, versions: Versions, mirror: string): Promise<boolean> {
  const dir = join(cacheDir(), "work", "providers-mirror");
  await mkdir(dir, { recursive: true });
  const required = Object.entries(versions.providers)
    .map(([source, spec]) => `    ${source.split("/")[1]} = { source = "${source}", version = "${spec.version}" }`)
    .join("\n");
  await writeFile(join(dir, "versions.tf"), `terraform {\n  required_providers {\n${required}\n  }\n}\n`);
  const result = await execa(tofu, ["providers", "mirror", `-platform=${targetPlatform()}`, mirror], { cwd: dir, reject: false, all: true, env: { TF_CLI_CONFIG_FILE: "" } });
  return result.exitCode === 0;
}

/** Where tofu finds each pinned provider: the operator's mirror for what it holds at the pinned version, the cache's own for the rest. */
export interface ProviderSources {
  cache: string;
  external?: { path: string; providers: string[] };
}

export function providerSources(versions: Versions = loadVersions(), external = providerMirrorFromEnv()): ProviderSources {
  const cache = providerMirror();
  if (!external) return { cache };
  const providers = Object.entries(versions.providers)
    .filter(([source, spec]) => inMirror(external, source, spec))
    .map(([source]) => source)
    .sort();
  return { cache, external: { path: external, providers } };
}

/** Whether a pinned provider can be had without building anything (tests that need one skip otherwise). */
export function providerAvailable(source: string, versions: Versions = loadVersions()): boolean {
  const spec = versions.providers[source];
  if (!spec) return false;
  const sources = providerSources(versions);
  return Boolean(sources.external?.providers.includes(source)) || inMirror(sources.cache, source, spec);
}

/**
 * Makes the given providers (default: every pinned one) available and returns where each
 * comes from. Providers the operator's mirror holds are taken from it as they are; the rest
 * are built into the cache's mirror, and the ones that cannot be had are reported together.
 * With `skipUnobtainable`, a provider that is never built here (registry-or-mirror) and is
 * not in any mirror is left out with a note instead of failing (what `make toolchain` wants).
 */
export async function ensureProviders(versions: Versions = loadVersions(), needed: string[] = Object.keys(versions.providers), options: { skipUnobtainable?: boolean } = {}): Promise<ProviderSources> {
  const unknown = needed.filter((source) => !versions.providers[source]);
  if (unknown.length > 0) {
    throw new PlatformError(`provider ${unknown.join(", ")} is not pinned in versions.json`, "Add it to versions.json (version, module, moduleVersion), or use a pinned provider.");
  }
  const sources = providerSources(versions);
  const cache = cacheDir();
  const isMissing = () =>
    needed
      .filter((source) => !sources.external?.providers.includes(source))
      .map((source) => [source, versions.providers[source]!] as const)
      .filter(([source, spec]) => !inMirror(sources.cache, source, spec));
  if (isMissing().length > 0) await withCacheLock(cache, "providers", () => fillMirror(versions, sources.cache, isMissing(), sources.external?.path, options.skipUnobtainable ?? false));
  return sources;
}

async function fillMirror(versions: Versions, mirror: string, missing: Array<readonly [string, ProviderSpec]>, external: string | undefined, skipUnobtainable: boolean): Promise<void> {
  const cache = cacheDir();
  if (missing.length === 0) return;
  if (await registryReachable()) {
    step(`mirroring official provider builds from ${registryHost}`);
    if (await mirrorOfficialBuilds(await ensureTool("tofu", versions), versions, mirror)) return;
    detail("registry mirror failed; building from Go modules instead");
  }
  const failures: PlatformError[] = [];
  for (const [source, spec] of missing) {
    if (spec.obtain === "registry-or-mirror") {
      const refusal = missingProvider(source, spec, external);
      if (!skipUnobtainable) failures.push(refusal);
      else detail(`left out: ${refusal.message}`);
      continue;
    }
    const out = unpackedProvider(mirror, source, spec.version);
    const started = performance.now();
    step(`building provider ${source} ${spec.version} from Go modules (first run only)`);
    try {
      await buildProvider(source, spec, out, cache);
      await chmod(out, 0o755);
      detail(`${source} ${spec.version}: built in ${formatSeconds(performance.now() - started)}`);
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new PlatformError(failures.map((failure) => failure.message).join("\n"), failures[0]!.fix);
}

/**
 * The CLI configuration that pins tofu to the mirrors: the operator's for the providers it
 * holds, the cache's for the rest, and never a registry during init, so plans are
 * reproducible and work offline. Each distinct configuration gets its own file (named by its
 * content), so runs with and without PLATFORM_PROVIDER_MIRROR can share a cache at once.
 *
 * No plugin_cache_dir: tofu links a provider from an unpacked mirror into the working directory
 * as it is, so a cache saves nothing there, and concurrent inits filling one cache race (one
 * replaces a provider's folder while another reads it). A packed mirror is unpacked per working
 * directory instead, which costs time, never a wrong or failed init.
 */
export async function writeCliConfig(sources: ProviderSources, cache = cacheDir()): Promise<string> {
  const taken = sources.external?.providers ?? [];
  const mirror = (path: string, include: string[], exclude: string[]) => [
    "  filesystem_mirror {",
    `    path    = ${JSON.stringify(path)}`,
    `    include = ${JSON.stringify(include)}`,
    ...(exclude.length > 0 ? [`    exclude = ${JSON.stringify(exclude)}`] : []),
    "  }",
  ];
  const config = [
    "provider_installation {",
    ...(sources.external && taken.length > 0 ? mirror(sources.external.path, taken.map((source) => `${registryHost}/${source}`), []) : []),
    ...mirror(sources.cache, [`${registryHost}/*/*`], taken.map((source) => `${registryHost}/${source}`)),
    "  direct {",
    `    exclude = ["${registryHost}/*/*"]`,
    "  }",
    "}",
    "",
  ].join("\n");
  const path = join(cache, `tofu-${createHash("sha256").update(config).digest("hex").slice(0, 12)}.rc`);
  if (!existsSync(path)) {
    await mkdir(cache, { recursive: true });
    // Written whole, then renamed: a concurrent run never reads half a file.
    await writeFile(`${path}.${process.pid}`, config);
    await rename(`${path}.${process.pid}`, path);
  }
  return path;
}

export interface Toolchain {
  tofu: string;
  opa: string;
  cliConfig: string;
}

/**
 * What planning a configuration needs: tofu, opa for Rego, and the providers the
 * configuration and its local modules require, in the mirror the CLI config points at.
 */
export async function ensurePlanToolchain(configDir?: string, versions: Versions = loadVersions()): Promise<Toolchain> {
  const tofu = await ensureTool("tofu", versions);
  const opa = await ensureTool("opa", versions);
  const needed = configDir ? requiredProviderSources(await loadSources(configDir)) : [];
  const cliConfig = await writeCliConfig(await ensureProviders(versions, needed));
  return { tofu, opa, cliConfig };
}

/**
 * Every folder of the repository holding configuration files in any form tofu reads
 * (environments, modules, fixtures). A walk of the tree, not of git, so a source archive
 * without .git lists the same folders.
 */
export function configurationDirs(dir = repoRoot): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const here = entries.some((entry) => entry.isFile() && /\.(tf|tofu)(\.json)?$/.test(entry.name)) ? [dir] : [];
  const below = entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules")
    .flatMap((entry) => configurationDirs(join(dir, entry.name)));
  return [...here, ...below];
}

export async function providersUsedByRepository(): Promise<string[]> {
  const all = await Promise.all(configurationDirs().map(async (dir) => requiredProviderSources(await loadSources(dir))));
  return [...new Set(all.flat())].sort();
}

/**
 * Builds every pinned tool and the providers the repository's configurations use (every
 * pinned provider with allProviders): what `make toolchain` and CI's cold start do.
 */
export async function installAll(options: { allProviders?: boolean } = {}, versions: Versions = loadVersions()): Promise<Record<string, string>> {
  const started = performance.now();
  const built: Record<string, string> = {};
  await ensureSystemPackages(versions);
  built["debian-root"] = (await ensureDebianRoot(versions)).dir;
  const docker = await dockerAnswers();
  for (const name of Object.keys(versions.tools) as ToolName[]) {
    const onlyWhen = versions.tools[name]!.onlyWhen;
    // The node kind's components are built by its own preparation (harness/cluster/node.ts).
    if (onlyWhen === "bench" || onlyWhen === "node" || (onlyWhen === "docker" && !docker)) continue;
    built[name] = await ensureTool(name, versions);
  }
  const providers = options.allProviders ? Object.keys(versions.providers) : await providersUsedByRepository();
  detail(`providers: ${providers.join(", ")}`);
  built["tofu.rc"] = await writeCliConfig(await ensureProviders(versions, providers, { skipUnobtainable: true }));
  step(`toolchain ready in ${formatSeconds(performance.now() - started)}`);
  return built;
}
