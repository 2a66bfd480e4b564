import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packImage } from "../../harness/images/oci.ts";

describe("a stand-in packed as an OCI image layout", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "doks-platform-oci-"));
    await mkdir(join(dir, "rootfs/bin"), { recursive: true });
    await writeFile(join(dir, "rootfs/bin/hello"), "#!/bin/sh\necho hello\n", { mode: 0o755 });
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const unpack = async (tar: string) => {
    const out = join(dir, `unpacked-${Math.random()}`);
    await mkdir(out);
    await execa("tar", ["-xf", tar, "-C", out]);
    const blob = async (digest: string) => readFile(join(out, "blobs", digest.replace(":", "/")));
    return { out, blob, index: JSON.parse(await readFile(join(out, "index.json"), "utf8")) };
  };

  it("is self-consistent: index names the image, manifest and config point at the layer by digest", async () => {
    const packed = await packImage(join(dir, "rootfs"), { Env: ["PATH=/bin"], Entrypoint: ["/bin/hello"] }, "localhost/doks-platform/hello:1", join(dir, "a.tar"));
    const { blob, index } = await unpack(join(dir, "a.tar"));
    expect(index.manifests[0].annotations["io.containerd.image.name"]).toBe("localhost/doks-platform/hello:1");
    expect(index.manifests[0].digest).toBe(packed.digest);
    const manifestBytes = await blob(packed.digest);
    expect(`sha256:${createHash("sha256").update(manifestBytes).digest("hex")}`).toBe(packed.digest);
    const manifest = JSON.parse(manifestBytes.toString());
    const config = JSON.parse((await blob(manifest.config.digest)).toString());
    const layer = await blob(manifest.layers[0].digest);
    expect(`sha256:${createHash("sha256").update(layer).digest("hex")}`).toBe(manifest.layers[0].digest);
    expect(config.rootfs.diff_ids).toEqual([manifest.layers[0].digest]);
    expect(config.config.Entrypoint).toEqual(["/bin/hello"]);
    expect(packed.size).toBe(layer.length);
  });

  it("is reproducible: the same root gives the same digest, whatever the files' times", async () => {
    const first = await packImage(join(dir, "rootfs"), { Env: [] }, "localhost/x:1", join(dir, "b.tar"));
    await utimes(join(dir, "rootfs/bin/hello"), new Date(), new Date(2001, 1, 1));
    const second = await packImage(join(dir, "rootfs"), { Env: [] }, "localhost/x:1", join(dir, "c.tar"));
    expect(second.digest).toBe(first.digest);
  });
});
