import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { execaSync } from "execa";
import { parse } from "yaml";
import type { HelmRelease, PlannedResource } from "../plan.ts";
import { lineOf, literalsOf, type SourceFile } from "../hcl.ts";

/** A subchart a chart declares in its Chart.yaml, with the value that switches it on. */
export interface ChartDependency {
  name: string;
  repository: string;
  condition: string;
  /** Library charts render nothing of their own. */
  library: boolean;
}

function chartYaml(reference: string, configDir: string): string | undefined {
  const path = isAbsolute(reference) ? reference : resolve(configDir, reference);
  if (!existsSync(path)) return undefined;
  if (statSync(path).isDirectory()) return existsSync(join(path, "Chart.yaml")) ? readFileSync(join(path, "Chart.yaml"), "utf8") : undefined;
  if (!/\.tgz$|\.tar\.gz$/.test(path)) return undefined;
  // A packaged chart holds <name>/Chart.yaml; tar lists it first.
  const listing = execaSync("tar", ["-tzf", path], { reject: false }).stdout.split("\n");
  const entry = listing.find((name) => /^[^/]+\/Chart\.yaml$/.test(name));
  return entry ? execaSync("tar", ["-xzOf", path, entry], { reject: false }).stdout : undefined;
}

/**
 * The dependencies a release's chart declares, when the chart is on disk (a local folder or a
 * packaged .tgz, as a chart mirror holds them). A chart fetched from a repository at plan time
 * is not read here; the no-bitnami rule knows the upstream charts that bundle Bitnami subcharts.
 */
export function chartDependencies(release: HelmRelease, configDir: string): ChartDependency[] {
  const text = chartYaml(release.chart, configDir);
  if (!text) return [];
  const chart = (parse(text) ?? {}) as { dependencies?: Array<Record<string, unknown>> };
  return (chart.dependencies ?? []).map((dependency) => ({
    name: String(dependency.alias ?? dependency.name ?? ""),
    repository: String(dependency.repository ?? ""),
    condition: String(dependency.condition ?? "").split(",")[0]!.trim(),
    library: dependency.name === "common" && !dependency.condition,
  }));
}

/** Adds the chart's declared dependencies to every helm_release of the plan. */
export function withChartDependencies(resources: PlannedResource[], configDir: string): PlannedResource[] {
  return resources.map((resource) => (resource.helm ? { ...resource, helm: { ...resource.helm, dependencies: chartDependencies(resource.helm, configDir) } } : resource));
}

/** A helm_release block as written in HCL: every literal string in it, each with its file:line. */
export interface HelmSource {
  address: string;
  file: string;
  strings: Array<{ path: string; text: string; at: string }>;
}

function* stringsOf(value: unknown, path: string): Generator<{ path: string; text: string }> {
  if (typeof value === "string") yield { path, text: value };
  else if (Array.isArray(value)) for (const [index, item] of value.entries()) yield* stringsOf(item, value.length === 1 ? path : `${path}[${index}]`);
  else if (value && typeof value === "object") for (const [key, item] of Object.entries(value)) yield* stringsOf(item, path ? `${path}.${key}` : key);
}

/**
 * Every helm_release of the configuration and its local modules as written, so a rule can name
 * a Bitnami chart from its source even when the plan cannot fetch it (and so never shows it).
 */
export function helmSources(sources: SourceFile[]): HelmSource[] {
  const found: HelmSource[] = [];
  for (const file of sources.filter((source) => source.role !== "variables")) {
    const releases = ((file.body.resource as Record<string, unknown> | undefined)?.helm_release ?? {}) as Record<string, unknown>;
    for (const [name, body] of Object.entries(releases)) {
      const header = `"helm_release" "${name}"`;
      const strings = [...stringsOf(body, "")].flatMap(({ path, text }) =>
        // Literal text only: inside an expression, the quoted strings (and heredoc YAML) count.
        (text.includes("${") || text.includes("%{") ? literalsOf(text) : [text]).map((literal) => ({ path, text: literal, at: `${file.path}:${lineOf(file, literal.split("\n").find((line) => /bitnami/i.test(line))?.trim() ?? literal.split("\n")[0]!, header)}` })),
      );
      found.push({ address: `helm_release.${name}`, file: file.path, strings });
    }
  }
  return found;
}
