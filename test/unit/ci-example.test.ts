import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../../harness/paths.ts";

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  "working-directory"?: string;
}

// The example workflow is what users copy to gate pull requests: a change must not be able to
// weaken its own gate, and the workflow must not hand out more than it needs.
describe("the pull-request gate example", () => {
  const workflow = parse(readFileSync(join(repoRoot, "docs/examples/github-actions-policy-gate.yml"), "utf8")) as { permissions: Record<string, string>; jobs: Record<string, { steps: Step[] }> };
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);

  it("pins every action by commit", () => {
    const unpinned = steps.filter((step) => step.uses && !/@[0-9a-f]{40}$/.test(step.uses)).map((step) => step.uses);
    expect(unpinned).toEqual([]);
  });

  it("keeps no credentials in checkouts, and a read-only token by default", () => {
    const checkouts = steps.filter((step) => step.uses?.startsWith("actions/checkout@"));
    expect(checkouts.length).toBeGreaterThan(0);
    for (const checkout of checkouts) expect(checkout.with?.["persist-credentials"]).toBe(false);
    expect(workflow.permissions).toEqual({ contents: "read" });
  });

  it("gates with the base branch's harness, policies and waivers", () => {
    const base = steps.find((step) => step.uses?.startsWith("actions/checkout@") && step.with?.path === "base");
    expect(base?.with?.ref).toBe("${{ github.event.pull_request.base.sha }}");
    const gate = steps.find((step) => step.run?.includes("harness/cli.ts plan"));
    expect(gate?.["working-directory"]).toBe("base");
    expect(gate?.run).toContain("--policies policies");
    expect(gate?.run).toMatch(/--waivers "environments\/\$ENV\/policy-waivers\.yaml"/);
  });

  it("has code owners for the rules, the waivers, the harness and the workflow", () => {
    const owners = readFileSync(join(repoRoot, ".github/CODEOWNERS"), "utf8").split("\n").filter((line) => line.trim() && !line.startsWith("#")).map((line) => line.split(/\s+/)[0]);
    expect(owners).toEqual(expect.arrayContaining(["/policies/", "/environments/*/policy-waivers.yaml", "/harness/", "/package-lock.json", "/Makefile", "/.github/", "/docs/examples/github-actions-policy-gate.yml"]));
  });
});

// The scheduled examples hold cloud credentials (the DigitalOcean token) or run as root: a
// moved tag must not change what runs with them.
describe.each(["github-actions-nightly-e2e.yml", "github-actions-restore-drill.yml"])("the %s example", (file) => {
  const workflow = parse(readFileSync(join(repoRoot, "docs/examples", file), "utf8")) as { jobs: Record<string, { steps: Step[] }> };
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);

  it("pins every action by commit and keeps no credentials in checkouts", () => {
    expect(steps.filter((step) => step.uses && !/@[0-9a-f]{40}$/.test(step.uses)).map((step) => step.uses)).toEqual([]);
    for (const checkout of steps.filter((step) => step.uses?.startsWith("actions/checkout@"))) expect(checkout.with?.["persist-credentials"]).toBe(false);
  });
});
