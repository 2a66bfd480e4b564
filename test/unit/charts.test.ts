import { mkdtempSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { parse } from "@cdktf/hcl2json";
import { execa } from "execa";
import { pack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { PlatformError } from "../../harness/errors.ts";
import { repoRoot } from "../../harness/paths.ts";
import { chartAvailability, chartMirrorFromEnv, readChartPackage, requireCharts, verifyChart, type ChartMirror } from "../../harness/toolchain/charts.ts";
import { loadVersions, type ChartPin } from "../../harness/toolchain/versions.ts";

const versions = loadVersions();
const mirrorPath = process.env.PLATFORM_CHART_MIRROR;

/** Every object literal in the parsed HCL that names a chart with a literal version and repository. */
function chartLiterals(node: unknown, found: Array<{ chart: string; version: string; repository: string }> = []) {
  if (Array.isArray(node)) for (const item of node) chartLiterals(item, found);
  else if (node && typeof node === "object") {
    const object = node as Record<string, unknown>;
    const literal = (value: unknown) => typeof value === "string" && !value.includes("${");
    if (literal(object.chart) && literal(object.version) && literal(object.repository)) {
      found.push({ chart: object.chart as string, version: object.version as string, repository: object.repository as string });
    }
    for (const value of Object.values(object)) chartLiterals(value, found);
  }
  return found;
}

/** A chart archive the way `helm package` lays it out: one top folder, Chart.yaml, templates, bundled subcharts. */
async function chartArchive(name: string, version: string, files: Record<string, string | Buffer>, order: "sorted" | "reversed" = "sorted"): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => archive.on("end", () => resolve()));
  const entries = Object.entries({ "Chart.yaml": `apiVersion: v2\nname: ${name}\nversion: ${version}\nappVersion: "1.0"\n`, ...files }).sort(([a], [b]) => a.localeCompare(b));
  if (order === "reversed") entries.reverse();
  for (const [path, content] of entries) archive.entry({ name: `${name}/${path}`, mtime: order === "sorted" ? new Date(0) : new Date() }, content);
  archive.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks), { level: order === "sorted" ? 9 : 1 });
}

async function fixtureMirror(): Promise<{ dir: string; mirror: ChartMirror; pin: ChartPin; sub: Buffer }> {
  const sub = await chartArchive("cache", "2.0.0", { "values.yaml": "enabled: false\n" });
  const archive = await chartArchive("demo", "1.2.3", { "values.yaml": "replicas: 1\n", "templates/deployment.yaml": "kind: Deployment\n", "charts/cache-2.0.0.tgz": sub });
  const dir = mkdtempSync(join(tmpdir(), "chart-mirror-"));
  writeFileSync(join(dir, "demo-1.2.3.tgz"), archive);
  const read = await readChartPackage(archive);
  const pin: ChartPin = {
    version: "1.2.3",
    appVersion: "1.0",
    repository: "https://charts.example.org",
    chart: "demo",
    component: "demo",
    digest: read.packageDigest,
    contentDigest: read.contentDigest,
    dependencies: { cache: "2.0.0" },
    source: "test fixture",
  };
  return { dir, mirror: { kind: "folder", path: dir }, pin, sub };
}

async function failure(promise: Promise<unknown>): Promise<PlatformError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

describe("chart pins: versions.json and the HCL agree", () => {
  it("every chart the HCL names is pinned in versions.json at the same version and repository, and every pin is used", async () => {
    // The product's HCL; policy and test fixtures name unpinned (Bitnami) charts on purpose.
    const { stdout } = await execa("git", ["ls-files", "--cached", "--others", "--exclude-standard", "modules/*.tf", "environments/*.tf"], { cwd: repoRoot });
    const pins = Object.values(versions.charts);
    const used = new Set<string>();
    let seen = 0;
    // The product's configurations only: policy and test fixtures name unpinned charts (Bitnami's)
    // on purpose, for the gate to refuse.
    for (const file of stdout.split("\n").filter((name) => name && !name.startsWith("policies/") && !name.startsWith("test/"))) {
      for (const literal of chartLiterals(await parse(file, await readFile(join(repoRoot, file), "utf8")))) {
        seen++;
        const pin = pins.find((candidate) => candidate.chart === literal.chart && candidate.repository === literal.repository);
        expect(pin, `${relative(repoRoot, join(repoRoot, file))}: chart ${literal.chart} from ${literal.repository} is not pinned in versions.json`).toBeDefined();
        expect(literal.version, `${file}: chart ${literal.chart}`).toBe(pin!.version);
        used.add(pin!.chart);
      }
    }
    expect(seen).toBeGreaterThanOrEqual(6);
    expect(pins.filter((pin) => !used.has(pin.chart)).map((pin) => pin.chart)).toEqual([]);
  });

  it("pins an upstream https or oci repository, a content digest and where it was verified, for every chart", () => {
    for (const [key, pin] of Object.entries(versions.charts)) {
      expect(pin.repository, key).toMatch(/^(https|oci):\/\//);
      expect(pin.contentDigest, key).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(pin.source.length, key).toBeGreaterThan(10);
    }
  });
});

describe("chart mirror: every chart checked against its pin", () => {
  it("accepts the published package by its digest and a repackaging of the same files by its content digest", async () => {
    const { dir, mirror, pin, sub } = await fixtureMirror();
    expect((await verifyChart("demo", pin, mirror)).verifiedBy).toBe("package digest");
    // Same files, other order, other timestamps and compression: another package digest, same content.
    const repacked = await chartArchive("demo", "1.2.3", { "values.yaml": "replicas: 1\n", "templates/deployment.yaml": "kind: Deployment\n", "charts/cache-2.0.0.tgz": sub }, "reversed");
    writeFileSync(join(dir, "demo-1.2.3.tgz"), repacked);
    const verified = await verifyChart("demo", pin, mirror);
    expect(verified).toMatchObject({ verifiedBy: "content digest", location: join(dir, "demo-1.2.3.tgz") });
    expect(await verifyChart("demo", { ...pin, digest: undefined }, mirror)).toMatchObject({ verifiedBy: "content digest" });
  });

  it("names a missing chart, its pinned version and PLATFORM_CHART_MIRROR in one line", async () => {
    const { mirror, pin } = await fixtureMirror();
    const error = await failure(verifyChart("demo", { ...pin, version: "9.9.9" }, mirror));
    expect(error.message).toMatch(/^chart demo 9\.9\.9 is missing from PLATFORM_CHART_MIRROR \(.+\): expected demo-9\.9\.9\.tgz$/);
    expect(error.message).not.toContain("\n");
    expect(error.fix).toContain("helm pull demo --repo https://charts.example.org --version 9.9.9");
  });

  it("refuses a changed file, a wrong version inside the package, a wrong subchart and a corrupt archive", async () => {
    const { dir, mirror, pin, sub } = await fixtureMirror();
    const write = async (archive: Buffer | string) => writeFileSync(join(dir, "demo-1.2.3.tgz"), archive);

    await write(await chartArchive("demo", "1.2.3", { "values.yaml": "replicas: 2\n", "templates/deployment.yaml": "kind: Deployment\n", "charts/cache-2.0.0.tgz": sub }));
    expect((await failure(verifyChart("demo", pin, mirror))).message).toMatch(/is not the pinned release: package sha256:\w+ matches neither/);

    await write(await chartArchive("demo", "1.2.4", { "values.yaml": "replicas: 1\n" }));
    expect((await failure(verifyChart("demo", pin, mirror))).message).toContain("it holds demo 1.2.4");

    const otherSub = await chartArchive("cache", "2.0.1", { "values.yaml": "enabled: false\n" });
    await write(await chartArchive("demo", "1.2.3", { "values.yaml": "replicas: 1\n", "templates/deployment.yaml": "kind: Deployment\n", "charts/cache-2.0.1.tgz": otherSub }));
    expect((await failure(verifyChart("demo", pin, mirror))).message).toContain("subchart cache is 2.0.1, pinned 2.0.0");

    await write("not a gzip archive");
    expect((await failure(verifyChart("demo", pin, mirror))).message).toContain("unreadable");
  });

  it("reads PLATFORM_CHART_MIRROR as a folder or an oci:// registry and rejects anything else", () => {
    expect(chartMirrorFromEnv({})).toBeUndefined();
    expect(chartMirrorFromEnv({ PLATFORM_CHART_MIRROR: "  " })).toBeUndefined();
    expect(chartMirrorFromEnv({ PLATFORM_CHART_MIRROR: "oci://registry.example.org/charts/" })).toEqual({ kind: "oci", url: "oci://registry.example.org/charts" });
    expect(chartMirrorFromEnv({ PLATFORM_CHART_MIRROR: `${tmpdir()}/` })).toEqual({ kind: "folder", path: tmpdir() });
    expect(() => chartMirrorFromEnv({ PLATFORM_CHART_MIRROR: "https://charts.example.org" })).toThrow(/neither a folder nor an oci:\/\/ registry/);
    expect(() => chartMirrorFromEnv({ PLATFORM_CHART_MIRROR: "/nonexistent/charts" })).toThrow(/no such folder/);
  });

  it("lists a chart missing from the mirror as left out, but fails on one that is there and wrong", async () => {
    const { dir, mirror, pin } = await fixtureMirror();
    const availability = await chartAvailability({ demo: pin, other: { ...pin, chart: "other", component: "other" } }, mirror);
    expect(availability.map((chart) => [chart.key, chart.available])).toEqual([["demo", true], ["other", false]]);
    expect(availability[1]).toMatchObject({ reason: expect.stringContaining("chart other 1.2.3 is missing from PLATFORM_CHART_MIRROR") });
    writeFileSync(join(dir, "demo-1.2.3.tgz"), await chartArchive("demo", "1.2.3", { "values.yaml": "tampered: true\n" }));
    await failure(chartAvailability({ demo: pin }, mirror));
  });

  it("requires every chart when the environment may not plan partially, naming each one missing", async () => {
    const { mirror, pin } = await fixtureMirror();
    const error = await failure(requireCharts({ demo: pin, a: { ...pin, chart: "a" }, b: { ...pin, chart: "b" } }, mirror));
    expect(error.message.split("\n")).toEqual([expect.stringContaining("chart a 1.2.3 is missing"), expect.stringContaining("chart b 1.2.3 is missing")]);
  });

  it("finds every pinned chart in PLATFORM_CHART_MIRROR at its pinned version and digest", async (ctx) => {
    ctx.skip(!mirrorPath, "PLATFORM_CHART_MIRROR is not set: the pinned charts were not checked in a mirror");
    const verified = await requireCharts(versions.charts, chartMirrorFromEnv());
    expect(verified.map((chart) => chart.key).sort()).toEqual(Object.keys(versions.charts).sort());
  });
});
