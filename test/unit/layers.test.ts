import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/paths.ts";

/**
 * The harness is layered: a file may import its own layer or a lower one, never a higher one,
 * so the ground (plan model, HCL, errors) never depends on the commands built on it. A new file
 * must be placed in a layer here; the test refuses files it does not know.
 */
const layers: Array<{ name: string; paths: string[] }> = [
  { name: "ground", paths: ["plan.ts", "hcl.ts", "errors.ts", "paths.ts", "progress.ts"] },
  { name: "policy, cost, toolchain, host, images", paths: ["policy/", "cost/", "toolchain/", "host/", "images/", "layout.ts", "processes.ts", "confirm.ts", "pki.ts"] },
  { name: "cluster, tofu, report, services", paths: ["cluster/", "tofu.ts", "report/", "services/", "spaces.ts"] },
  { name: "migration", paths: ["migrate/"] },
  { name: "state", paths: ["state.ts"] },
  { name: "environment, jobs, restore, drills, docs", paths: ["environment.ts", "inputs.ts", "stacks.ts", "bootstrap.ts", "jobs.ts", "restore.ts", "drill.ts", "velero.ts", "docs.ts", "data-jobs-local.ts"] },
  { name: "end to end", paths: ["e2e.ts", "e2e-node.ts"] },
  { name: "commands", paths: ["commands/"] },
  { name: "cli", paths: ["cli.ts"] },
];

const harnessDir = join(repoRoot, "harness");

function layerOf(file: string): number {
  const path = relative(harnessDir, file);
  return layers.findIndex((layer) => layer.paths.some((prefix) => (prefix.endsWith("/") ? path.startsWith(prefix) : path === prefix)));
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? tsFiles(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []));
}

function relativeImports(file: string): string[] {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((match) => resolve(dirname(file), match[1]!));
}

describe("harness layering", () => {
  const files = tsFiles(harnessDir);

  it("places every harness file in a layer", () => {
    expect(files.filter((file) => layerOf(file) === -1).map((file) => relative(repoRoot, file))).toEqual([]);
  });

  it("has no import that runs upward, and none into bench/ or test/", () => {
    const upward = files.flatMap((file) =>
      relativeImports(file)
        .filter((target) => !target.startsWith(`${harnessDir}/`) || layerOf(target) > layerOf(file))
        .map((target) => `${relative(repoRoot, file)} (${layers[layerOf(file)]?.name}) imports ${relative(repoRoot, target)}`),
    );
    expect(upward).toEqual([]);
  });
});
