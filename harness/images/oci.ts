import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { execa } from "execa";

/** The runtime part of an OCI image config: what the official images declare in their Dockerfiles. */
export interface RuntimeConfig {
  Env: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  User?: string;
  WorkingDir?: string;
  StopSignal?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Volumes?: Record<string, Record<string, never>>;
  Labels?: Record<string, string>;
}

export interface PackedImage {
  /** The manifest digest: what containerd and the CRI know the image by. */
  digest: string;
  /** Uncompressed size of the single layer, in bytes. */
  size: number;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

const mediaTypes = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar",
} as const;

/**
 * Packs a root filesystem as a single-layer OCI image layout, archived as one tar that
 * `ctr images import` loads. The layer is uncompressed (importing skips a gunzip) and
 * reproducible: sorted, owners numeric, times zeroed, so the same root gives the same digest.
 */
export async function packImage(rootfs: string, runtime: RuntimeConfig, name: string, out: string): Promise<PackedImage> {
  const layout = `${out}.layout`;
  const blobs = join(layout, "blobs", "sha256");
  await rm(layout, { recursive: true, force: true });
  await mkdir(blobs, { recursive: true });
  try {
    const layerTmp = join(layout, "layer.tar");
    await execa("tar", ["--sort=name", "--format=posix", "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime", "--mtime=@0", "--numeric-owner", "-C", rootfs, "-cf", layerTmp, "."]);
    const layerDigest = await sha256File(layerTmp);
    const layerSize = (await stat(layerTmp)).size;
    await rename(layerTmp, join(blobs, layerDigest));

    const blob = async (content: unknown) => {
      const bytes = Buffer.from(JSON.stringify(content));
      const digest = createHash("sha256").update(bytes).digest("hex");
      await writeFile(join(blobs, digest), bytes);
      return { digest: `sha256:${digest}`, size: bytes.length };
    };
    const config = await blob({
      created: "1970-01-01T00:00:00Z",
      architecture: "amd64",
      os: "linux",
      config: runtime,
      rootfs: { type: "layers", diff_ids: [`sha256:${layerDigest}`] },
      history: [{ created: "1970-01-01T00:00:00Z", created_by: "doks-platform stand-in (harness/images)" }],
    });
    const manifest = await blob({
      schemaVersion: 2,
      mediaType: mediaTypes.manifest,
      config: { mediaType: mediaTypes.config, ...config },
      layers: [{ mediaType: mediaTypes.layer, digest: `sha256:${layerDigest}`, size: layerSize }],
    });
    const tag = name.slice(name.lastIndexOf(":") + 1);
    await writeFile(
      join(layout, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: mediaTypes.index,
        manifests: [{ mediaType: mediaTypes.manifest, ...manifest, annotations: { "io.containerd.image.name": name, "org.opencontainers.image.ref.name": tag } }],
      }),
    );
    await writeFile(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    await execa("tar", ["--numeric-owner", "-C", layout, "-cf", `${out}.partial`, "oci-layout", "index.json", "blobs"]);
    await rename(`${out}.partial`, out);
    return { digest: manifest.digest, size: layerSize };
  } finally {
    await rm(layout, { recursive: true, force: true });
  }
}
