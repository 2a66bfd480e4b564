import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PlatformError } from "../../harness/errors.ts";
import { ensureProviders, providerSources, writeCliConfig } from "../../harness/toolchain/index.ts";
import { missingProvider, packedProvider, providerMirrorFromEnv, providerMirrorVariable, unpackedProvider, versionsInMirror } from "../../harness/toolchain/provider-mirror.ts";
import { loadVersions } from "../../harness/toolchain/versions.ts";

// PLATFORM_PROVIDER_MIRROR: a filesystem mirror in the layout `tofu providers mirror` writes,
// checked against the pins, combined with the cache's own mirror in the CLI configuration.
const versions = loadVersions();
const digitalocean = "digitalocean/digitalocean";
const pinned = versions.providers[digitalocean]!;

function mirrorWith(entries: Array<{ source: string; version: string; packed?: boolean }>): string {
  const mirror = mkdtempSync(join(tmpdir(), "provider-mirror-"));
  for (const entry of entries) {
    const file = entry.packed ? packedProvider(mirror, entry.source, entry.version) : unpackedProvider(mirror, entry.source, entry.version);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, "not a real provider", { mode: 0o755 });
  }
  return mirror;
}

const saved = process.env[providerMirrorVariable];
afterEach(() => {
  if (saved === undefined) delete process.env[providerMirrorVariable];
  else process.env[providerMirrorVariable] = saved;
});

describe("PLATFORM_PROVIDER_MIRROR", () => {
  it("is unset, or names a folder", () => {
    expect(providerMirrorFromEnv({})).toBeUndefined();
    expect(providerMirrorFromEnv({ [providerMirrorVariable]: "  " })).toBeUndefined();
    const error = (() => {
      try {
        providerMirrorFromEnv({ [providerMirrorVariable]: "/nonexistent/mirror" });
      } catch (caught) {
        return caught;
      }
    })() as PlatformError;
    expect(error).toBeInstanceOf(PlatformError);
    expect(error.message).toBe("PLATFORM_PROVIDER_MIRROR=/nonexistent/mirror: no such folder");
  });

  it("finds pinned providers in both layouts, and only at the pinned version", () => {
    const mirror = mirrorWith([
      { source: digitalocean, version: pinned.version },
      { source: "hashicorp/random", version: versions.providers["hashicorp/random"]!.version, packed: true },
      { source: "hashicorp/kubernetes", version: "2.0.0" },
    ]);
    expect(providerSources(versions, mirror).external).toEqual({ path: mirror, providers: [digitalocean, "hashicorp/random"] });
    expect(versionsInMirror(mirror, "hashicorp/kubernetes")).toEqual(["2.0.0"]);
  });

  it("takes what the mirror holds from it and everything else from the cache, in one CLI configuration", async () => {
    const mirror = mirrorWith([{ source: digitalocean, version: pinned.version }]);
    const cache = mkdtempSync(join(tmpdir(), "platform-cache-"));
    const path = await writeCliConfig({ cache: join(cache, "providers"), external: { path: mirror, providers: [digitalocean] } }, cache);
    const config = readFileSync(path, "utf8");
    expect(config).toContain(`path    = "${mirror}"\n    include = ["registry.opentofu.org/digitalocean/digitalocean"]`);
    expect(config).toContain(`include = ["registry.opentofu.org/*/*"]\n    exclude = ["registry.opentofu.org/digitalocean/digitalocean"]`);
    expect(config).toMatch(/direct \{\s+exclude = \["registry.opentofu.org\/\*\/\*"\]/);
    // A run without the mirror writes a different file: both can share the cache at once.
    const plain = await writeCliConfig({ cache: join(cache, "providers") }, cache);
    expect(plain).not.toBe(path);
    expect(readFileSync(plain, "utf8")).not.toContain(mirror);
  });

  it("refuses a missing digitalocean provider in one line naming it, its version and the variable", () => {
    expect(missingProvider(digitalocean, pinned, undefined).message).toBe(`provider ${digitalocean} ${pinned.version} is missing: PLATFORM_PROVIDER_MIRROR is not set, and the Go module proxy does not serve it`);
    const other = mirrorWith([{ source: digitalocean, version: "2.50.0" }]);
    expect(missingProvider(digitalocean, pinned, other).message).toBe(`provider ${digitalocean} ${pinned.version} is missing: PLATFORM_PROVIDER_MIRROR (${other}) holds only 2.50.0, and the Go module proxy does not serve it`);
    expect(missingProvider(digitalocean, pinned, undefined).fix).toContain(pinned.commit!.slice(0, 12));
  });

  it("never builds digitalocean from the module proxy: a plan refuses, `make toolchain` leaves it out", async (ctx) => {
    process.env[providerMirrorVariable] = mirrorWith([]);
    const sources = providerSources(versions);
    ctx.skip(existsSync(unpackedProvider(sources.cache, digitalocean, pinned.version)), "the platform cache holds an official digitalocean build (mirrored from a reachable registry): the refusal did not run");
    await expect(ensureProviders(versions, [digitalocean])).rejects.toThrow(/^provider digitalocean\/digitalocean 2\.99\.1 is missing: PLATFORM_PROVIDER_MIRROR \(.+\) does not hold it/);
    await expect(ensureProviders(versions, [digitalocean], { skipUnobtainable: true })).resolves.toMatchObject({ cache: sources.cache });
  });

  it("pins digitalocean to its release commit and never to a module version", () => {
    expect(pinned).toMatchObject({ version: "2.99.1", obtain: "registry-or-mirror", commit: "401992a1e493a0e3cfc833197820867991fc011f" });
    expect(pinned.moduleVersion).toBeUndefined();
  });
});
