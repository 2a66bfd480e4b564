import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireCluster, type Cluster } from "../../harness/cluster/index.ts";
import { repoRoot } from "../../harness/paths.ts";
import { editableTree, platform } from "../support/tree.ts";

describe("a named context never keeps its state on this machine", () => {
  let cluster: Cluster;
  let kubeconfig: string;
  let work: string;

  beforeAll(async () => {
    cluster = await acquireCluster({ prefer: "local" });
    kubeconfig = join(await mkdtemp(join(tmpdir(), "kubeconfig-")), "config");
    await cp(cluster.kubeconfig, kubeconfig);
    work = await mkdtemp(join(tmpdir(), "platform-work-"));
  });
  afterAll(async () => cluster?.stop());

  it("refuses environments/local (local state) against a named context, in one line with the fix, before planning", async () => {
    const result = await platform(["plan", "--context", "platform-local"], { KUBECONFIG: kubeconfig, PLATFORM_WORK_DIR: work });
    expect(result.exitCode).toBe(2);
    expect(result.all).toContain("error: environment local keeps its state in a local file, which is refused for context platform-local");
    expect(result.all).toContain('fix:   Use an environment whose backend is remote and locking (backend "s3" on Spaces with use_lockfile = true)');
    expect(result.all).not.toMatch(/\n\s+at /);
    expect(existsSync(join(work, "local", "platform-local", "terraform.tfstate"))).toBe(false);
  });

  it("refuses the kubernetes backend against a named context, naming the 1 MiB Secret limit and the s3 fix, before planning", async () => {
    const tree = await editableTree();
    const main = join(tree, "environments/local/main.tf");
    await writeFile(main, (await readFile(main, "utf8")).replace('backend "local" {}', `backend "kubernetes" {\n    secret_suffix = "platform-local"\n    config_path = "${kubeconfig}"\n  }`));
    const result = await platform(["plan", "--context", "platform-local"], { KUBECONFIG: kubeconfig, PLATFORM_WORK_DIR: work, PLATFORM_ENVIRONMENTS_DIR: join(tree, "environments") });
    expect(result.exitCode).toBe(2);
    expect(result.all).toContain("error: environment local uses the kubernetes backend, which is refused for context platform-local: its state is one Secret, at most 1 MiB");
    expect(result.all).toContain('fix:   Use an environment whose backend is remote and locking (backend "s3" on Spaces with use_lockfile = true)');
    // Refused before tofu init ever reached the backend.
    expect(existsSync(join(tree, "environments/local/.terraform"))).toBe(false);
    expect(result.all).not.toMatch(/\n\s+at /);
  });
});

describe("make clean", () => {
  it("removes reports and saved plans, never state files or the state key", async () => {
    // A copy of the checkout's Makefile and harness, so the real one's reports stay.
    const tree = await mkdtemp(join(tmpdir(), "clean-tree-"));
    for (const path of ["Makefile", "harness", "environments", "modules", "versions.json", "package.json", "package-lock.json"]) await cp(join(repoRoot, path), join(tree, path), { recursive: true });
    await symlink(join(repoRoot, "node_modules"), join(tree, "node_modules"));
    const state = join(tree, ".platform/production/prod-fra1");
    await mkdir(state, { recursive: true });
    await writeFile(join(state, "terraform.tfstate"), '{"encrypted_data":"..."}');
    await writeFile(join(state, "terraform.tfstate.backup"), '{"encrypted_data":"..."}');
    await writeFile(join(state, "plan.tfplan"), "plan");
    await mkdir(join(tree, "reports/local"), { recursive: true });
    await writeFile(join(tree, "reports/local/policy-report.md"), "# report");
    const data = await mkdtemp(join(tmpdir(), "data-"));
    await writeFile(join(data, "state.key"), "the-key\n", { mode: 0o600 });

    const result = await execa("make", ["-s", "-o", "node_modules/.installed", "clean"], { cwd: tree, env: { PLATFORM_DATA_DIR: data, NO_COLOR: "1" }, reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
    expect(await readFile(join(state, "terraform.tfstate"), "utf8")).toContain("encrypted_data");
    expect(existsSync(join(state, "terraform.tfstate.backup"))).toBe(true);
    expect(existsSync(join(data, "state.key"))).toBe(true);
    expect(existsSync(join(state, "plan.tfplan"))).toBe(false);
    expect(existsSync(join(tree, "reports"))).toBe(false);
  });
});
