import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PlatformError } from "../../harness/errors.ts";
import { loadRules } from "../../harness/policy/engine.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import type { PolicyInput } from "../../harness/policy/types.ts";
import { ensurePlanToolchain } from "../../harness/toolchain/index.ts";

async function policiesWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "policies-"));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

describe("broken policies fail with the rule named", () => {
  it("a Rego syntax error", async () => {
    const dir = await policiesWith({ "broken-rule/policy.rego": "package policies.broken_rule\n\ndeny contains x if {\n" });
    const error = await loadRules((await ensurePlanToolchain()).opa, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as PlatformError).message).toMatch(/does not compile[\s\S]*broken-rule\/policy.rego/);
  });

  it("a rule without a deny set", async () => {
    const dir = await policiesWith({
      "no-deny/policy.rego": 'package policies.no_deny\n\nimport rego.v1\n\nmetadata := {"id": "no-deny", "title": "t", "severity": "error"}\n',
    });
    await expect(loadRules((await ensurePlanToolchain()).opa, dir)).rejects.toThrow(/no-deny\/policy.rego defines no deny set/);
  });

  it("a deny result without conftest's msg", async () => {
    const dir = await policiesWith({
      "no-msg/policy.rego": 'package policies.no_msg\n\nimport rego.v1\n\nmetadata := {"id": "no-msg", "title": "t", "severity": "error"}\n\ndeny contains v if {\n\tv := {"address": "a", "message": "m", "fix": "f"}\n}\n',
    });
    const [rule] = await loadRules((await ensurePlanToolchain()).opa, dir);
    await expect(rule!.evaluate({ environment: "x", variables: {}, resources: [], facts: factsOf([]), sources: [] })).rejects.toThrow(/no valid msg/);
  });

  it("a deny that is undefined for a plan fails instead of passing", async () => {
    const dir = await policiesWith({
      "sometimes/policy.rego": 'package policies.sometimes\n\nimport rego.v1\n\nmetadata := {"id": "sometimes", "title": "t", "severity": "error"}\n\ndeny := {v | some v in input.resources} if {\n\tcount(input.resources) > 0\n}\n',
    });
    const [rule] = await loadRules((await ensurePlanToolchain()).opa, dir);
    await expect(rule!.evaluate({ environment: "x", variables: {}, resources: [], facts: factsOf([]), sources: [] })).rejects.toThrow(/gave no result|gave no deny set/);
  });

  it("a rule whose id is not its folder", async () => {
    const dir = await policiesWith({
      "right-name/policy.rego": 'package policies.right_name\n\nimport rego.v1\n\nmetadata := {"id": "wrong-name", "title": "t", "severity": "error"}\n\ndeny contains x if {\n\tx := input.never\n}\n',
    });
    await expect(loadRules((await ensurePlanToolchain()).opa, dir)).rejects.toThrow(/declares id "wrong-name"/);
  });
});

describe("Rego evaluation across plan sizes", () => {
  const perResource = (id: string) =>
    `package policies.${id.replaceAll("-", "_")}\n\nimport rego.v1\n\nmetadata := {"id": "${id}", "title": "t", "severity": "error"}\n\ndeny contains v if {\n\tsome r in input.resources\n\tv := {"msg": r.address, "address": r.address, "message": "m", "fix": "f"}\n}\n`;
  const plan = (count: number) => ({
    environment: "x",
    variables: {},
    resources: Array.from({ length: count }, (_, i) => ({ address: `null_resource.r${i}`, mode: "managed", type: "null_resource", name: `r${i}`, actions: ["create"], values: { padding: "x".repeat(200) } })),
    facts: factsOf([]),
    sources: [],
  });

  it("a plan larger than the instance's memory gets every finding, and so does a small plan after it", async () => {
    const dir = await policiesWith({ "first-rule/policy.rego": perResource("first-rule"), "second-rule/policy.rego": perResource("second-rule") });
    const rules = await loadRules((await ensurePlanToolchain()).opa, dir);
    // Both rules of one input share one evaluation, started concurrently as the engine does.
    for (const count of [1, 20_000, 3]) {
      const input = plan(count) as unknown as PolicyInput;
      const findings = await Promise.all(rules.map((rule) => rule.evaluate(input)));
      expect(findings.map((list) => list.length)).toEqual([count, count]);
    }
  });
});
