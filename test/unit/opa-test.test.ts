import { existsSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { policiesDir, policyFolders } from "../../harness/policy/engine.ts";
import { ensureTool } from "../../harness/toolchain/index.ts";

/**
 * Every Rego rule carries an `opa test` suite (policy_test.rego) that pins its class cases at
 * the level of the rule itself; this runs them all, as `make test` does, and fails when a rule
 * has none or any test fails. Fixtures (plans, charts) are not Rego input, and neither are the
 * TypeScript rules' JSON lists (opa would merge them as data and clash on shared keys): ignored.
 */
describe("opa test over policies/", () => {
  it("runs a suite for every Rego rule, and every test passes", async () => {
    const opa = await ensureTool("opa");
    const { stdout, exitCode } = await execa(opa, ["test", policiesDir, "--ignore", "fixtures", "--ignore", "*.json", "--format", "json"], { reject: false });
    const results = JSON.parse(stdout) as Array<{ location: { file: string }; package: string; name: string; fail?: boolean; error?: unknown }>;
    const failed = results.filter((result) => result.fail || result.error).map((result) => `${result.package}.${result.name}`);
    expect(failed).toEqual([]);
    expect(exitCode).toBe(0);
    for (const folder of policyFolders().rego) {
      expect(existsSync(join(folder, "policy_test.rego")), `${folder} has no policy_test.rego`).toBe(true);
      const count = results.filter((result) => result.location.file.startsWith(folder)).length;
      expect(count, `${folder}: opa tests run`).toBeGreaterThanOrEqual(2);
    }
  });
});

/**
 * conftest queries every rule whose name is deny, violation or warn, alone or with a _suffix, and
 * stops with a type error on one that is a function. The rules promise to run under conftest
 * unchanged (and `make bench` measures them there), so only `deny` may carry such a name.
 */
describe("the Rego rules under conftest", () => {
  const conftestQueried = /^(deny|violation|warn)(_[a-zA-Z0-9]+)*$/;
  const parsed = z.object({ rules: z.array(z.object({ head: z.object({ ref: z.array(z.object({ value: z.unknown() })).min(1) }) })) });

  it("no rule but deny has a name conftest would query", async () => {
    const opa = await ensureTool("opa");
    const clashes: string[] = [];
    for (const folder of policyFolders().rego) {
      const { stdout } = await execa(opa, ["parse", "--format", "json", join(folder, "policy.rego")]);
      const names = parsed.parse(JSON.parse(stdout)).rules.map((rule) => String(rule.head.ref[0]!.value));
      expect(names, `${folder}: deny`).toContain("deny");
      clashes.push(...names.filter((name) => conftestQueried.test(name) && name !== "deny").map((name) => `${folder}: ${name}`));
    }
    expect(clashes).toEqual([]);
  });
});
