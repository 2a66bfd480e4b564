import { existsSync, readdirSync, statSync } from "node:fs";
import { arch, platform } from "node:os";
import { join } from "node:path";
import { PlatformError } from "../errors.ts";
import type { ProviderSpec } from "./versions.ts";

/**
 * Where providers come from besides the harness's own cache: a filesystem mirror the operator
 * points at, in the layout `tofu providers mirror` writes (unpacked or packed). Air-gapped
 * machines, and providers the Go module proxy does not serve (digitalocean), come this way.
 */
export const providerMirrorVariable = "PLATFORM_PROVIDER_MIRROR";
export const registryHost = "registry.opentofu.org";

export function targetPlatform(): string {
  const goArch: Record<string, string> = { x64: "amd64", arm64: "arm64" };
  return `${platform()}_${goArch[arch()] ?? arch()}`;
}

/** The operator's mirror, or undefined when the variable is unset; a set variable must name a folder. */
export function providerMirrorFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[providerMirrorVariable]?.trim();
  if (!value) return undefined;
  if (!existsSync(value) || !statSync(value).isDirectory()) {
    throw new PlatformError(`${providerMirrorVariable}=${value}: no such folder`, `Point ${providerMirrorVariable} at a provider mirror (the layout \`tofu providers mirror\` writes), or unset it.`);
  }
  return value.replace(/\/+$/, "");
}

const providerType = (source: string) => source.split("/")[1]!;

/** The unpacked layout: <host>/<namespace>/<type>/<version>/<os_arch>/terraform-provider-<type>_v<version>. */
export function unpackedProvider(mirror: string, source: string, version: string): string {
  return join(mirror, registryHost, source, version, targetPlatform(), `terraform-provider-${providerType(source)}_v${version}`);
}

/** The packed layout: <host>/<namespace>/<type>/terraform-provider-<type>_<version>_<os_arch>.zip. */
export function packedProvider(mirror: string, source: string, version: string): string {
  return join(mirror, registryHost, source, `terraform-provider-${providerType(source)}_${version}_${targetPlatform()}.zip`);
}

export function inMirror(mirror: string, source: string, spec: Pick<ProviderSpec, "version">): boolean {
  return existsSync(unpackedProvider(mirror, source, spec.version)) || existsSync(packedProvider(mirror, source, spec.version));
}

/** Versions of a provider a mirror holds for this platform, in either layout. */
export function versionsInMirror(mirror: string, source: string): string[] {
  const dir = join(mirror, registryHost, source);
  if (!existsSync(dir)) return [];
  const found = new Set<string>();
  const packed = new RegExp(`^terraform-provider-${providerType(source)}_(.+)_${targetPlatform()}\\.zip$`);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && existsSync(unpackedProvider(mirror, source, entry.name))) found.add(entry.name);
    const match = entry.isFile() ? entry.name.match(packed) : null;
    if (match) found.add(match[1]!);
  }
  return [...found].sort();
}

/**
 * The one-line refusal for a pinned provider nobody can supply: its name, the pinned version
 * and the variable that supplies it, plus what the mirror holds instead when it holds another
 * version.
 */
export function missingProvider(source: string, spec: ProviderSpec, mirror: string | undefined): PlatformError {
  const others = mirror ? versionsInMirror(mirror, source) : [];
  const where = !mirror
    ? `${providerMirrorVariable} is not set`
    : others.length > 0
      ? `${providerMirrorVariable} (${mirror}) holds only ${others.join(", ")}`
      : `${providerMirrorVariable} (${mirror}) does not hold it`;
  const built = spec.commit ? ` (tag v${spec.version}, commit ${spec.commit.slice(0, 12)})` : "";
  return new PlatformError(
    `provider ${source} ${spec.version} is missing: ${where}, and the Go module proxy does not serve it`,
    `Set ${providerMirrorVariable} to a filesystem mirror holding ${source} ${spec.version}${built} for ${targetPlatform()}, e.g. one \`tofu providers mirror\` wrote on a machine that reaches ${registryHost}.`,
  );
}
