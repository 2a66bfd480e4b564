import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { extract } from "tar-stream";
import { parse } from "yaml";
import { PlatformError } from "../errors.ts";
import type { ChartPin } from "./versions.ts";

/**
 * Where charts come from. A real operator's plans read them from the upstream repositories
 * that versions.json and the HCL pin. PLATFORM_CHART_MIRROR points at a mirror instead: a
 * folder of `<chart>-<version>.tgz` (what `helm pull` writes) or an `oci://` registry. Either
 * way every chart is checked against its pin before tofu sees it.
 */
export const chartMirrorVariable = "PLATFORM_CHART_MIRROR";

export type ChartMirror = { kind: "folder"; path: string } | { kind: "oci"; url: string };

export function chartMirrorFromEnv(env: NodeJS.ProcessEnv = process.env): ChartMirror | undefined {
  const value = env[chartMirrorVariable]?.trim();
  if (!value) return undefined;
  if (value.startsWith("oci://")) return { kind: "oci", url: value.replace(/\/+$/, "") };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new PlatformError(`${chartMirrorVariable}=${value} is neither a folder nor an oci:// registry`, `Point ${chartMirrorVariable} at a folder of <chart>-<version>.tgz files or at oci://host/path.`);
  }
  if (!existsSync(value)) throw new PlatformError(`${chartMirrorVariable}=${value}: no such folder`, `Create it and put the pinned charts there (helm pull), or unset ${chartMirrorVariable}.`);
  return { kind: "folder", path: value.replace(/\/+$/, "") };
}

/** What tofu's chart_mirror variable gets: the folder, or the oci:// base. */
export function mirrorLocation(mirror: ChartMirror): string {
  return mirror.kind === "folder" ? mirror.path : mirror.url;
}

export interface ChartPackage {
  name: string;
  version: string;
  appVersion?: string;
  /** Bundled subcharts (charts/*), name → version. */
  dependencies: Record<string, string>;
  /** sha256 of the package bytes: what a repository index lists. */
  packageDigest: string;
  /** sha256 over every file's path and sha256, nested chart archives expanded: independent of packaging. */
  contentDigest: string;
}

export interface Entry {
  path: string;
  data: Buffer;
}

async function untar(tar: Buffer): Promise<Entry[]> {
  const entries: Entry[] = [];
  const parser = extract();
  const done = new Promise<void>((resolve, reject) => {
    parser.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on("end", () => {
        if (header.type === "file") entries.push({ path: header.name.replace(/^\.\//, ""), data: Buffer.concat(chunks) });
        next();
      });
      stream.on("error", reject);
    });
    parser.on("finish", resolve);
    parser.on("error", reject);
  });
  parser.end(tar);
  await done;
  return entries;
}

function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Files of a chart archive relative to the chart's own folder, bundled subchart archives expanded in place. */
export async function chartFiles(archive: Buffer): Promise<Entry[]> {
  const entries = await untar(gunzipSync(archive));
  const root = entries[0]?.path.split("/")[0];
  if (!root || entries.some((entry) => !entry.path.startsWith(`${root}/`))) throw new Error("not a chart archive: expected one top-level folder");
  const files: Entry[] = [];
  for (const entry of entries) {
    const path = entry.path.slice(root.length + 1);
    const nested = path.match(/^charts\/[^/]+\.tgz$/);
    if (!nested) {
      files.push({ path, data: entry.data });
      continue;
    }
    const inner = await chartFiles(entry.data);
    const innerName = (parse(inner.find((file) => file.path === "Chart.yaml")?.data.toString() ?? "") as { name?: string } | null)?.name ?? path;
    files.push(...inner.map((file) => ({ path: `charts/${innerName}/${file.path}`, data: file.data })));
  }
  return files;
}

export function contentDigestOf(files: Entry[]): string {
  const lines = files.map((file) => `${sha256(file.data)}  ${file.path}\n`).sort();
  return `sha256:${sha256(lines.join(""))}`;
}

export async function readChartPackage(archive: Buffer): Promise<ChartPackage> {
  const files = await chartFiles(archive);
  const meta = (file: string) => parse(files.find((entry) => entry.path === file)?.data.toString() ?? "null") as { name?: string; version?: string; appVersion?: string } | null;
  const chart = meta("Chart.yaml");
  if (!chart?.name || !chart.version) throw new Error("Chart.yaml is missing or has no name and version");
  const dependencies: Record<string, string> = {};
  for (const file of files.filter((entry) => /^charts\/[^/]+\/Chart\.yaml$/.test(entry.path))) {
    const sub = meta(file.path);
    if (sub?.name && sub.version) dependencies[sub.name] = String(sub.version);
  }
  return {
    name: chart.name,
    version: String(chart.version),
    ...(chart.appVersion === undefined ? {} : { appVersion: String(chart.appVersion) }),
    dependencies,
    packageDigest: `sha256:${sha256(archive)}`,
    contentDigest: contentDigestOf(files),
  };
}

export interface VerifiedChart {
  key: string;
  pin: ChartPin;
  /** What tofu loads: the package file, or the oci:// reference. */
  location: string;
  /** How the bytes were proven to be the pinned release. */
  verifiedBy: "package digest" | "content digest";
}

const fileName = (pin: ChartPin) => `${pin.chart}-${pin.version}.tgz`;

function mismatch(key: string, pin: ChartPin, where: string, what: string): PlatformError {
  return new PlatformError(
    `chart ${key} ${pin.version} in ${where} (${chartMirrorVariable}) is not the pinned release: ${what}`,
    `Replace it with ${pin.chart} ${pin.version} from ${pin.repository} (helm pull ${pin.chart} --repo ${pin.repository} --version ${pin.version}), or update the pin in versions.json after review.`,
  );
}

/** Version, bundled subcharts, then the package digest where the upstream index gave one, else the content digest. */
export function checkPackage(key: string, pin: ChartPin, where: string, pkg: ChartPackage): VerifiedChart["verifiedBy"] {
  if (pkg.name !== pin.chart || pkg.version !== pin.version) throw mismatch(key, pin, where, `it holds ${pkg.name} ${pkg.version}`);
  for (const [name, version] of Object.entries(pin.dependencies)) {
    if (pkg.dependencies[name] !== version) throw mismatch(key, pin, where, `subchart ${name} is ${pkg.dependencies[name] ?? "missing"}, pinned ${version}`);
  }
  if (pin.digest && pkg.packageDigest === pin.digest) return "package digest";
  if (pkg.contentDigest === pin.contentDigest) return "content digest";
  throw mismatch(key, pin, where, `package ${pkg.packageDigest} matches neither the upstream digest ${pin.digest ?? "(not published)"} nor the content digest ${pin.contentDigest} (its files are ${pkg.contentDigest})`);
}

async function verifyInFolder(key: string, pin: ChartPin, folder: string): Promise<VerifiedChart> {
  const location = join(folder, fileName(pin));
  if (!existsSync(location)) {
    throw new PlatformError(
      `chart ${key} ${pin.version} is missing from ${chartMirrorVariable} (${folder}): expected ${fileName(pin)}`,
      `helm pull ${pin.chart} --repo ${pin.repository} --version ${pin.version} --destination ${folder}`,
    );
  }
  let pkg: ChartPackage;
  try {
    pkg = await readChartPackage(await readFile(location));
  } catch (error) {
    throw mismatch(key, pin, location, `unreadable (${(error as Error).message})`);
  }
  return { key, pin, location, verifiedBy: checkPackage(key, pin, location, pkg) };
}

const helmChartLayer = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

/** A registry's anonymous pull token flow (WWW-Authenticate: Bearer realm=...,service=...). */
async function registryGet(url: string, accept: string, token?: string): Promise<Response> {
  const response = await fetch(url, { headers: { Accept: accept, ...(token ? { Authorization: `Bearer ${token}` } : {}) }, signal: AbortSignal.timeout(30_000) });
  const challenge = response.headers.get("www-authenticate");
  if (response.status !== 401 || token || !challenge?.startsWith("Bearer ")) return response;
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1]!, match[2]!]));
  const tokenUrl = new URL(params.realm!);
  for (const name of ["service", "scope"]) if (params[name]) tokenUrl.searchParams.set(name, params[name]!);
  const body = (await (await fetch(tokenUrl, { signal: AbortSignal.timeout(30_000) })).json()) as { token?: string; access_token?: string };
  return registryGet(url, accept, body.token ?? body.access_token ?? "");
}

async function verifyInRegistry(key: string, pin: ChartPin, base: string): Promise<VerifiedChart> {
  const reference = `${base}/${pin.chart}:${pin.version}`;
  const [host, ...path] = base.slice("oci://".length).split("/");
  const api = `https://${host}/v2/${[...path, pin.chart].join("/")}`;
  let manifest: Response;
  try {
    manifest = await registryGet(`${api}/manifests/${pin.version}`, "application/vnd.oci.image.manifest.v1+json");
  } catch (error) {
    throw new PlatformError(`chart ${key} ${pin.version}: the registry ${chartMirrorVariable}=${base} did not answer (${(error as Error).message})`, `Check that ${base} is reachable, or point ${chartMirrorVariable} at a folder mirror.`);
  }
  if (manifest.status === 404) {
    throw new PlatformError(`chart ${key} ${pin.version} is missing from ${chartMirrorVariable} (${base}): expected ${reference}`, `helm push ${fileName(pin)} ${base}`);
  }
  if (!manifest.ok) throw mismatch(key, pin, reference, `the registry answered ${manifest.status}`);
  const layers = ((await manifest.json()) as { layers?: Array<{ mediaType: string; digest: string }> }).layers ?? [];
  const layer = layers.find((candidate) => candidate.mediaType === helmChartLayer);
  if (!layer) throw mismatch(key, pin, reference, "it is not a Helm chart artifact");
  const blob = await registryGet(`${api}/blobs/${layer.digest}`, "*/*");
  const pkg = await readChartPackage(Buffer.from(await blob.arrayBuffer()));
  if (pkg.packageDigest !== layer.digest) throw mismatch(key, pin, reference, `the blob does not hash to its digest ${layer.digest}`);
  return { key, pin, location: reference, verifiedBy: checkPackage(key, pin, reference, pkg) };
}

export async function verifyChart(key: string, pin: ChartPin, mirror: ChartMirror): Promise<VerifiedChart> {
  return mirror.kind === "folder" ? verifyInFolder(key, pin, mirror.path) : verifyInRegistry(key, pin, mirror.url);
}

/** Whether the upstream repository answers at all: an index for https, the registry API for oci. */
export async function upstreamReachable(pin: ChartPin, timeoutMs = 3_000): Promise<boolean> {
  const url = pin.repository.startsWith("oci://") ? `https://${pin.repository.slice("oci://".length).split("/")[0]}/v2/` : `${pin.repository}/index.yaml`;
  try {
    const response = await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(timeoutMs) });
    return response.status < 500;
  } catch {
    return false;
  }
}

export type ChartAvailability = { key: string; pin: ChartPin; available: true; via: string } | { key: string; pin: ChartPin; available: false; reason: string };

/**
 * For an environment that may plan without some charts (environments/local): which pinned
 * charts can be had, and for each one that cannot, why. A chart that is in the mirror but
 * is not the pinned release is an error, never a silent leave-out.
 */
export async function chartAvailability(pins: Record<string, ChartPin>, mirror: ChartMirror | undefined): Promise<ChartAvailability[]> {
  return Promise.all(
    Object.entries(pins).map(async ([key, pin]): Promise<ChartAvailability> => {
      if (mirror) {
        try {
          const verified = await verifyChart(key, pin, mirror);
          return { key, pin, available: true, via: `${verified.location} (${verified.verifiedBy})` };
        } catch (error) {
          if (error instanceof PlatformError && error.message.includes("is missing from")) return { key, pin, available: false, reason: error.message };
          throw error;
        }
      }
      if (await upstreamReachable(pin)) return { key, pin, available: true, via: pin.repository };
      return { key, pin, available: false, reason: `${chartMirrorVariable} is not set and ${pin.repository} is unreachable` };
    }),
  );
}

/**
 * For an environment that must never plan partially (production): every pinned chart, from
 * the mirror when one is set (each verified), else from upstream as the HCL says.
 */
export async function requireCharts(pins: Record<string, ChartPin>, mirror: ChartMirror | undefined): Promise<VerifiedChart[]> {
  if (!mirror) return [];
  const results = await Promise.allSettled(Object.entries(pins).map(([key, pin]) => verifyChart(key, pin, mirror)));
  const failures = results.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
  const unexpected = failures.find((failure) => !(failure instanceof PlatformError));
  if (unexpected) throw unexpected;
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new PlatformError((failures as PlatformError[]).map((failure) => failure.message).join("\n"), (failures[0] as PlatformError).fix);
  return results.map((result) => (result as PromiseFulfilledResult<VerifiedChart>).value);
}
