import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPriceTable } from "../../harness/cost/index.ts";
import { loadSources } from "../../harness/hcl.ts";
import { declaredVariables, exampleFileName } from "../../harness/inputs.ts";
import { environmentLayout } from "../../harness/layout.ts";

// The production environment's files agree with each other: one set of inputs for two stacks,
// one price table for the node sizes the cluster accepts, one example that documents them all.
const layout = environmentLayout("production");
const stackDir = (name: string) => layout.stacks.find((stack) => stack.name === name)!.dir;

async function variableBlocks(dir: string): Promise<Record<string, unknown>> {
  const files = (await loadSources(dir)).filter((file) => !file.inModule);
  return Object.assign({}, ...files.map((file) => (file.body.variable ?? {}) as Record<string, unknown>));
}

describe("environments/production", () => {
  it("plans the cluster first, offline-capable, then the platform, online only", () => {
    expect(layout.stacks.map((stack) => [stack.name, stack.offline])).toEqual([
      ["cluster", true],
      ["platform", false],
    ]);
    expect(layout.credentials.map((credential) => credential.variable)).toEqual(["DIGITALOCEAN_TOKEN", "SPACES_ACCESS_KEY_ID", "SPACES_SECRET_ACCESS_KEY", "TF_VAR_state_passphrase"]);
  });

  it("declares every input both stacks share identically", async () => {
    const [cluster, platform] = await Promise.all([variableBlocks(stackDir("cluster")), variableBlocks(stackDir("platform"))]);
    const shared = Object.keys(cluster).filter((name) => name in platform);
    expect(shared.sort()).toEqual(["components", "name", "region", "root_domain", "state_passphrase", "velero_backup_ttl_days"]);
    for (const name of shared) expect(platform[name], `variable ${name}`).toEqual(cluster[name]);
  });

  it("accepts exactly the node sizes the price table prices", async () => {
    const nodeSize = ((await variableBlocks(stackDir("cluster"))).node_size as Array<{ validation: Array<{ condition: string }> }>)[0]!;
    const listed = [...nodeSize.validation[0]!.condition.matchAll(/"([a-z0-9-]+)"/g)].map((match) => match[1]);
    expect(listed.sort()).toEqual(Object.keys(loadPriceTable().nodeSizes).sort());
  });

  it("documents every input in the example, marked REQUIRED or OPTIONAL", async () => {
    const example = readFileSync(join(layout.dir, exampleFileName), "utf8");
    const declared = [...new Set([...(await declaredVariables(stackDir("cluster"))), ...(await declaredVariables(stackDir("platform")))])];
    for (const name of declared) {
      // Each input's comment block ends right above its line (secrets: in the header, by their TF_VAR_ name).
      const at = example.search(new RegExp(`^#?\\s*${name} =|TF_VAR_${name}`, "m"));
      expect(at, `${name} is not in ${exampleFileName}`).toBeGreaterThan(-1);
      const paragraph = example.slice(0, at).split(/\n\s*\n/).pop()! + example.slice(at).split("\n")[0]!;
      expect(paragraph, `${name} is not marked REQUIRED or OPTIONAL`).toMatch(/REQUIRED|OPTIONAL/);
    }
  });
});
