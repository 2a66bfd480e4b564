import { readdirSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeGet } from "../../harness/cluster/api.ts";
import { acquireCluster, type Cluster } from "../../harness/cluster/index.ts";
import { startS3, type LocalS3 } from "../../harness/services/s3.ts";
import { addBitnamiWorkload, editableTree, platform } from "../support/tree.ts";

// `make apply` against a cluster that outlives each command (a named kubeconfig context), so
// what the gate let through, or did not, can be read back from the API server afterwards. A
// named context needs remote state with locking: the copy of environments/local keeps its state
// where production does, in an S3 backend with use_lockfile (a real S3 server, versitygw, whose
// 412 to a second conditional PUT state-lock.test.ts checks). Not the kubernetes backend: its
// one Secret (1 MiB) cannot hold the encrypted state once every chart's manifests are in it.
describe("platform apply (make apply)", () => {
  let cluster: Cluster;
  let s3: LocalS3;
  let env: Record<string, string>;
  const stateKey = "local/platform-local/terraform.tfstate";
  // With every infra chart in the mirror, apply is three gated rounds: 260 s at load 15, past
  // the 300 s default at load 40 on two shared cores.
  const applyTimeout = 900_000;

  async function remoteStateTree(): Promise<string> {
    const tree = await editableTree();
    const main = join(tree, "environments/local/main.tf");
    await writeFile(main, (await readFile(main, "utf8")).replace('backend "local" {}', s3.tofuBackend("state", stateKey)));
    return tree;
  }

  /** The bucket's objects under the state key's folder, with their sizes. */
  const stateObjects = async () =>
    (JSON.parse((await s3.rclone(["lsjson", "--files-only", `backups:state/${dirname(stateKey)}/`])).stdout) as Array<{ Name: string; Size: number }>).map(({ Name, Size }) => ({ name: Name, size: Size }));

  beforeAll(async () => {
    cluster = await acquireCluster({ prefer: "local" });
    s3 = await startS3();
    await s3.createBucket("state");
    // The backend reads the server's keys as it reads an operator's Spaces keys.
    env = { KUBECONFIG: cluster.kubeconfig, PLATFORM_WORK_DIR: await mkdtemp(join(tmpdir(), "platform-work-")), ...s3.backendEnv };
    env.PLATFORM_ENVIRONMENTS_DIR = join(await remoteStateTree(), "environments");
  });

  afterAll(async () => {
    await cluster?.stop();
    await s3?.stop();
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
  }, applyTimeout);

  it("saved the state encrypted in the bucket, released the lock, and left no state on this machine", async () => {
    const objects = await stateObjects();
    expect(objects.map((object) => object.name)).toEqual(["terraform.tfstate"]);
    const state = (await s3.rclone(["cat", `backups:state/${stateKey}`])).stdout;
    expect(Object.keys(JSON.parse(state))).toContain("encrypted_data");
    expect(state).not.toContain('"resources"');
    expect(readdirSync(env.PLATFORM_WORK_DIR!, { recursive: true }).map(String).filter((path) => path.includes("tfstate"))).toEqual([]);
    // The figure the kubernetes backend's 1 MiB Secret limit is measured against.
    console.log(`state of environments/local after apply: ${objects[0]!.size} bytes`);
  });

  it("finds nothing to apply the second time", async () => {
    const result = await platform(["apply", "--context", "platform-local", "--auto-approve"], env);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain("nothing to apply");
  }, applyTimeout);
});
