import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { addBitnamiWorkload, editableTree, platform } from "../support/tree.ts";

// `make plan` end to end, as a user runs it: a separate process, its exit code and its output.
const platformPlan = (args: string[], env: Record<string, string> = {}) => platform(["plan", ...args], env);

describe("platform plan (make plan)", () => {
  let reports: string;

  beforeAll(async () => {
    reports = await mkdtemp(join(tmpdir(), "reports-"));
  });

  it("plans environments/local on a local control plane, prints the report and passes the gate", async () => {
    const result = await platformPlan(["--reports", reports]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain("Policy report: local");
    expect(result.all).toMatch(/gate passed: \d+ rules/);
    for (const file of ["policy-report.md", "policy-report.json", "policy-report.junit.xml"]) expect(existsSync(join(reports, "local", file))).toBe(true);
    const report = JSON.parse(await readFile(join(reports, "local", "policy-report.json"), "utf8")) as { changes: { create: number } };
    expect(report).toMatchObject({ environment: "local", passed: true });
    // 48 for the layers and the data layer; the charts the harness finds (PLATFORM_CHART_MIRROR) add theirs.
    expect(report.changes.create).toBeGreaterThanOrEqual(48);
  });

  it("fails the gate, naming the rule, when a workload uses a Bitnami image", async () => {
    const tree = await editableTree();
    await addBitnamiWorkload(tree);
    const result = await platformPlan(["--reports", reports], { PLATFORM_ENVIRONMENTS_DIR: join(tree, "environments") });
    expect(result.exitCode).toBe(1);
    expect(result.all).toMatch(/no-bitnami\s.*FAIL/);
    expect(result.all).toContain("gate FAILED");
    const report = JSON.parse(await readFile(join(reports, "local", "policy-report.json"), "utf8"));
    expect(report.findings).toContainEqual(
      expect.objectContaining({ ruleId: "no-bitnami", address: "kubernetes_deployment_v1.cache", message: 'container image "docker.io/bitnami/redis:7.4" is a Bitnami image' }),
    );
  });

  it("names an unknown environment and the ones that exist", async () => {
    const result = await platformPlan(["--env", "staging"]);
    expect(result.exitCode).toBe(2);
    expect(result.all).toContain('error: unknown environment "staging"');
    expect(result.all).toContain("fix:   Use one of: local");
    expect(result.all).not.toMatch(/\n\s+at /);
  });

  it("reduces a syntax error in a module to one line with the file and line", async () => {
    const tree = await editableTree();
    await writeFile(join(tree, "modules/k8s-config/broken.tf"), 'resource "kubernetes_namespace_v1" "oops" {\n  metadata {\n');
    const result = await platformPlan([], { PLATFORM_ENVIRONMENTS_DIR: join(tree, "environments") });
    expect(result.exitCode).toBe(2);
    expect(result.all).toMatch(/error: syntax error in .*modules\/k8s-config\/broken\.tf line 2: Unclosed configuration block/);
    expect(result.all).not.toMatch(/\n\s+at /);
  });

  it("rejects an unknown cluster kind before starting anything", async () => {
    const result = await platformPlan([], { PLATFORM_CLUSTER: "k3d-in-a-teacup" });
    expect(result.exitCode).toBe(2);
    expect(result.all).toContain("PLATFORM_CLUSTER=k3d-in-a-teacup is not a cluster kind");
  });
});
