import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeGet } from "../../harness/cluster/api.ts";
import { acquireCluster, type Cluster } from "../../harness/cluster/index.ts";
import { addBitnamiWorkload, editableTree, platform } from "../support/tree.ts";

// `make apply` against a cluster that outlives each command (a named kubeconfig context), so
// what the gate let through, or did not, can be read back from the API server afterwards. A
// named context needs remote state with locking: the copy of environments/local keeps its state
// in that cluster (the kubernetes backend: a Secret, locked with a Lease).
describe("platform apply (make apply)", () => {
  let cluster: Cluster;
  let env: Record<string, string>;

  async function remoteStateTree(): Promise<string> {
    const tree = await editableTree();
    const main = join(tree, "environments/local/main.tf");
    const backend = `backend "kubernetes" {\n    secret_suffix  = "platform-local"\n    namespace      = "default"\n    config_path    = "${cluster.kubeconfig}"\n    config_context = "platform-local"\n  }`;
    await writeFile(main, (await readFile(main, "utf8")).replace('backend "local" {}', backend));
    return tree;
  }

  beforeAll(async () => {
    cluster = await acquireCluster({ prefer: "local" });
    env = { KUBECONFIG: cluster.kubeconfig, PLATFORM_WORK_DIR: await mkdtemp(join(tmpdir(), "platform-work-")) };
    env.PLATFORM_ENVIRONMENTS_DIR = join(await remoteStateTree(), "environments");
  });

  afterAll(async () => {
    await cluster?.stop();
    if (env?.PLATFORM_WORK_DIR) await rm(env.PLATFORM_WORK_DIR, { recursive: true, force: true });
  });

  const namespaceStatus = async (name: string) => (await kubeGet(cluster, `/api/v1/namespaces/${name}`)).status;

  it("never applies when the gate fails, even with --auto-approve", async () => {
    const tree = await remoteStateTree();
    await addBitnamiWorkload(tree);
    const result = await platform(["apply", "--context", "platform-local", "--auto-approve"], { ...env, PLATFORM_ENVIRONMENTS_DIR: join(tree, "environments") });
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain("+ create kubernetes_deployment_v1.cache");
    expect(result.all).toContain("not applied: the gate failed");
    expect(await namespaceStatus("data")).toBe(404);
  });

  it("asks before applying, and without a terminal refuses", async () => {
    const result = await platform(["apply", "--context", "platform-local"], env);
    expect(result.exitCode).toBe(2);
    expect(result.all).toContain("error: applying to local needs confirmation");
    expect(await namespaceStatus("data")).toBe(404);
  });

  it("applies exactly the saved plan that passed", async () => {
    const result = await platform(["apply", "--context", "platform-local", "--auto-approve"], env);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(/gate passed/);
    expect(result.all).toContain("applied");
    for (const name of ["infra", "data", "wordpress"]) expect(await namespaceStatus(name)).toBe(200);
  });

  it("finds nothing to apply the second time", async () => {
    const result = await platform(["apply", "--context", "platform-local", "--auto-approve"], env);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain("nothing to apply");
  });
});
