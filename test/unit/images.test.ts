import { describe, expect, it } from "vitest";
import { loadVersions } from "../../harness/toolchain/versions.ts";
import { imagesInHcl, parseImageReference } from "../support/images.ts";

const versions = loadVersions();
const pins = Object.entries(versions.images);

describe("image references are read the way registries read them", () => {
  it.each([
    ["postgres:17.6", { image: "docker.io/library/postgres", tag: "17.6" }],
    ["docker.io/library/postgres:17.6", { image: "docker.io/library/postgres", tag: "17.6" }],
    ["valkey/valkey:8.1.3", { image: "docker.io/valkey/valkey", tag: "8.1.3" }],
    ["ghcr.io/n8n-io/n8n:2.41.3", { image: "ghcr.io/n8n-io/n8n", tag: "2.41.3" }],
    ["registry.example:5000/team/app:1.0", { image: "registry.example:5000/team/app", tag: "1.0" }],
    ["localhost/app:1", { image: "localhost/app", tag: "1" }],
    [`nginx@sha256:${"a".repeat(64)}`, { image: "docker.io/library/nginx", digest: `sha256:${"a".repeat(64)}` }],
    [`nginx:1.30.5@sha256:${"b".repeat(64)}`, { image: "docker.io/library/nginx", tag: "1.30.5", digest: `sha256:${"b".repeat(64)}` }],
    ["registry.example:5000/app", { image: "registry.example:5000/app" }],
  ])("%s", (reference, expected) => {
    expect(parseImageReference(reference)).toEqual(expected);
  });
});

describe("versions.json pins every image the modules run", () => {
  it("has one entry per image, each an exact tag", () => {
    const images = pins.map(([, pin]) => pin.image);
    expect(new Set(images).size, "two entries pin the same image").toBe(images.length);
    expect(pins.length).toBeGreaterThan(0);
  });

  it("every image a module declares in locals.images matches its versions.json entry, digest included", async () => {
    const { declared } = await imagesInHcl();
    expect(declared.length).toBeGreaterThan(4);
    for (const { file, name, reference } of declared) {
      const parsed = parseImageReference(reference);
      const pin = pins.find(([, entry]) => entry.image === parsed.image)?.[1];
      const where = `${file}: locals.images.${name} = "${reference}"`;
      expect(pin, `${where} has no entry in versions.json images; add { image: "${parsed.image}", tag, digest (if verified), source }`).toBeDefined();
      expect(parsed.tag, `${where}: tag differs from versions.json (${pin!.tag})`).toBe(pin!.tag);
      expect(parsed.digest, `${where}: digest differs from versions.json (${pin!.digest ?? "none recorded"})`).toBe(pin!.digest);
    }
  });

  it("no container names an image literally: every image goes through locals.images, so the check above sees it", async () => {
    const { literals } = await imagesInHcl();
    expect(literals.map(({ file, path, value }) => `${file}: ${path} = "${value}"`)).toEqual([]);
  });

  it("every pinned image is run by some module (no stale pins)", async () => {
    const { declared } = await imagesInHcl();
    const used = new Set(declared.map(({ reference }) => parseImageReference(reference).image));
    expect(pins.filter(([, pin]) => !used.has(pin.image)).map(([name]) => name)).toEqual([]);
  });
});
