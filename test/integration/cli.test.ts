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
    // 105 without any chart (the DigitalOcean token stand-in comes with every plan); the charts
    // the harness finds (PLATFORM_CHART_MIRROR) add the infra layer's NetworkPolicies and Secrets
    // and the Nextcloud and Mailu modules.
    expect(report.changes.create).toBeGreaterThanOrEqual(105);
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
      expect.objectContaining({ ruleId: "no-bitnami", address: "kubernetes_deployment_v1.cache", path: "spec[0].template[0].spec[0].container[0]", message: 'container "redis" of Deployment data/cache runs the Bitnami image "docker.io/bitnami/redis:7.4"' }),
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

// Every way the CLI can end: 0 success, 1 the gate, 2 anything else, with one line of cause and
// one of fix and never a stack trace. These end before any cluster starts.
describe("platform exit codes", () => {
  const oneLineEach = (output: string | undefined) => {
    const lines = (output ?? "").split("\n").filter((line) => line.startsWith("error:") || line.startsWith("fix:"));
    expect(lines.map((line) => line.split(":")[0])).toEqual(["error", "fix"]);
    expect(output).not.toMatch(/\n\s+at /);
  };

  it.each([
    ["an unknown option", ["plan", "--no-such-option"], "unknown option '--no-such-option'"],
    ["an unknown command", ["deploy"], "unknown command 'deploy'"],
    ["an option without its value", ["plan", "--env"], "option '-e, --env <name>' argument missing"],
    ["a policy folder that does not exist", ["plan", "--policies", "/nonexistent/policies"], "policy folder /nonexistent/policies does not exist"],
    ["a drill timeout with a unit", ["drill", "--context", "any", "--timeout", "2h"], '--timeout "2h" is not a whole number of minutes above 0'],
    ["a drill timeout of 0", ["drill", "--context", "any", "--timeout=0"], '--timeout "0" is not a whole number of minutes above 0'],
    ["a Velero drill timeout that is not a number", ["velero-drill", "--context", "any", "-t", "abc"], '--timeout "abc" is not a whole number of seconds above 0'],
    ["a negative Velero drill timeout", ["velero-drill", "--context", "any", "--timeout", "-5"], '--timeout "-5" is not a whole number of seconds above 0'],
  ])("exits 2 on %s", async (_, args, message) => {
    const result = await platform(args);
    expect(result.exitCode, result.all).toBe(2);
    expect(result.all).toContain(message);
    oneLineEach(result.all);
  });

  it("exits 0 on --help", async () => {
    const result = await platform(["plan", "--help"]);
    expect(result.exitCode).toBe(0);
    expect(result.all).toContain("--policies <dir>");
  });
});

