import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate, loadRules, policyFolders } from "../../harness/policy/engine.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import type { Rule } from "../../harness/policy/types.ts";
import { ensurePlanToolchain, providerAvailable, providerMirrorVariable } from "../../harness/toolchain/index.ts";
import { fixtureInput } from "../support/fixtures.ts";

/** expected.json: the exact findings, each as its address and (where the rule knows it) its path. */
interface Expected {
  addresses?: string[];
  violations?: Array<{ address: string; path?: string }>;
}

const shape = (violations: Array<{ address: string; path?: string }>) => violations.map((v) => `${v.address} @ ${v.path ?? ""}`).sort();

// Every policy folder proves itself: its passing fixture yields nothing from it, its failing
// fixture yields exactly the expected resources. Fixtures are real plans, not hand-written JSON.
const folders = [...policyFolders().rego, ...policyFolders().typescript].sort();

// One compiled rule set for the whole file, as the harness loads it for a plan.
let allRules: Rule[];
beforeAll(async () => {
  allRules = await loadRules((await ensurePlanToolchain()).opa);
});

describe.each(folders.map((folder) => [basename(folder), folder]))("policy %s", (id, folder) => {
  let rule: Rule;

  beforeAll(() => {
    rule = allRules.find((candidate) => candidate.id === id)!;
  });

  it("has a README that says what, why and how to fix", () => {
    const readme = readFileSync(join(folder, "README.md"), "utf8");
    for (const heading of ["**What.**", "**Why.**", "**How to fix.**"]) expect(readme).toContain(heading);
  });

  it("passes its passing fixture", async () => {
    expect(await rule.evaluate(await fixtureInput(join(folder, "fixtures/pass")))).toEqual([]);
  });

  // fail: today's cases; classes: the class of input (other kinds, sources, spellings), each
  // finding asserted by its address and the exact path within it.
  it.each(["fail", "classes"].filter((kind) => existsSync(join(folder, "fixtures", kind, "expected.json"))))("catches every violation in its %s fixture", async (kind) => {
    const input = await fixtureInput(join(folder, "fixtures", kind));
    // messages (optional): per address, words its violation must contain, so a fixture cannot
    // pass by failing for another reason than the one it was written for.
    const expected = JSON.parse(readFileSync(join(folder, "fixtures", kind, "expected.json"), "utf8")) as Expected & { messages?: Record<string, string> };
    const violations = await rule.evaluate(input);
    if (expected.violations) expect(shape(violations)).toEqual(shape(expected.violations));
    else expect(violations.map((v) => v.address).sort()).toEqual([...expected.addresses!].sort());
    for (const violation of violations) expect(violation.fix.length).toBeGreaterThan(20);
    for (const [address, words] of Object.entries(expected.messages ?? {})) {
      expect(violations.filter((v) => v.address === address).map((v) => v.message).join(" | "), address).toContain(words);
    }
  });
});

// Rules with branches for digitalocean_* resources prove them on real plans too. Planning
// those needs the digitalocean provider, which only a mirror supplies here.
const digitalocean = providerAvailable("digitalocean/digitalocean");
const withDigitalOcean = folders.filter((folder) => existsSync(join(folder, "fixtures/digitalocean-fail/main.tf")));

describe.each(withDigitalOcean.map((folder) => [basename(folder), folder]))("policy %s on digitalocean_* resources", (id, folder) => {
  const skipped = `${providerMirrorVariable} does not supply digitalocean/digitalocean: the real-plan fixtures of the rules' digitalocean branches did not run`;

  it("passes its digitalocean passing fixture", async (ctx) => {
    ctx.skip(!digitalocean, skipped);
    const rule = allRules.find((candidate) => candidate.id === id)!;
    expect(await rule.evaluate(await fixtureInput(join(folder, "fixtures/digitalocean-pass")))).toEqual([]);
  });

  it("catches every violation in its digitalocean failing fixture", async (ctx) => {
    ctx.skip(!digitalocean, skipped);
    const rule = allRules.find((candidate) => candidate.id === id)!;
    const expected = JSON.parse(readFileSync(join(folder, "fixtures/digitalocean-fail/expected.json"), "utf8")) as Expected;
    const violations = await rule.evaluate(await fixtureInput(join(folder, "fixtures/digitalocean-fail")));
    if (expected.violations) expect(shape(violations)).toEqual(shape(expected.violations));
    else expect(violations.map((v) => v.address).sort()).toEqual([...expected.addresses!].sort());
    for (const violation of violations) expect(violation.fix.length).toBeGreaterThan(20);
  });
});

describe("policy engine", () => {
  it("runs Rego (wasm) and TypeScript rules and yields one Finding shape", async () => {
    expect(new Set(allRules.map((rule) => rule.kind))).toEqual(new Set(["rego", "typescript"]));
    const rules = allRules.filter((rule) => ["no-bitnami", "no-managed-database"].includes(rule.id));
    const bitnami = await fixtureInput(join(folders.find((f) => f.endsWith("no-bitnami"))!, "fixtures/fail"));
    const managed = await fixtureInput(join(folders.find((f) => f.endsWith("no-managed-database"))!, "fixtures/fail"));
    const evaluation = await evaluate(rules, { ...bitnami, resources: [...bitnami.resources, ...managed.resources] });
    expect(evaluation.passed).toBe(false);
    // path is optional: a finding about a whole resource has none.
    const shapes = new Set(evaluation.findings.map((finding) => Object.keys(finding).filter((key) => key !== "path").sort().join(",")));
    expect([...shapes]).toEqual(["address,fix,message,ruleId,severity"]);
    expect(new Set(evaluation.findings.map((f) => f.ruleId))).toEqual(new Set(["no-bitnami", "no-managed-database"]));
  });

  it("passes the gate when nothing is found", async () => {
    const evaluation = await evaluate(allRules, { environment: "fixture", variables: {}, resources: [], facts: factsOf([]), sources: [] });
    expect(evaluation).toMatchObject({ passed: true, findings: [] });
    expect(evaluation.outcomes).toHaveLength(allRules.length);
  });

  it("every policy folder holds exactly one rule and its fixtures", () => {
    for (const folder of folders) {
      expect(existsSync(join(folder, "policy.rego")) !== existsSync(join(folder, "policy.ts")), folder).toBe(true);
      expect(existsSync(join(folder, "fixtures/pass/main.tf")), folder).toBe(true);
      expect(existsSync(join(folder, "fixtures/fail/main.tf")), folder).toBe(true);
    }
  });
});
