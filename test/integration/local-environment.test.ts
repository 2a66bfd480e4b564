import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeGet } from "../../harness/cluster/api.ts";
import { acquireCluster, type Cluster } from "../../harness/cluster/index.ts";
import { openEnvironment, planAndCheck, type EnvironmentRun } from "../../harness/environment.ts";
import { loadRules } from "../../harness/policy/engine.ts";
import type { Rule } from "../../harness/policy/types.ts";
import { ensurePlanToolchain } from "../../harness/toolchain/index.ts";

type Namespace = { metadata: { name: string; labels: Record<string, string> }; status: { phase: string } };

describe("environments/local on a real local control plane", () => {
  let cluster: Cluster;
  let run: EnvironmentRun;
  let rules: Rule[];
  let runDir: string;

  beforeAll(async () => {
    const toolchain = await ensurePlanToolchain();
    rules = await loadRules(toolchain.opa);
    cluster = await acquireCluster({ prefer: "local" });
    runDir = join(cluster.kubeconfig, "..");
    run = await openEnvironment("local", cluster, toolchain);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it("plans the layers and passes the gate", async () => {
    const checked = await planAndCheck(run, rules);
    expect(checked.hasChanges).toBe(true);
    expect(checked.evaluation.passed).toBe(true);
    const namespaces = checked.model.resources.filter((r) => r.type === "kubernetes_namespace_v1").map((r) => r.address);
    expect(namespaces.sort()).toEqual(['module.k8s_config.module.layer["data"].kubernetes_namespace_v1.this', 'module.k8s_config.module.layer["infra"].kubernetes_namespace_v1.this', "module.wordpress_namespace.kubernetes_namespace_v1.this"]);
    expect(checked.model.resources.filter((r) => r.type === "kubernetes_network_policy_v1")).toHaveLength(6);
  });

  it("applies the saved plan, and the API server holds the namespaces with their layer labels", async () => {
    await run.tofu.apply(run.planFile);
    for (const [name, layer] of [["infra", "infra"], ["data", "data"], ["wordpress", "apps"]] as const) {
      const { status, body } = await kubeGet<Namespace>(cluster, `/api/v1/namespaces/${name}`);
      expect(status).toBe(200);
      expect(body.metadata.labels).toMatchObject({ "platform/layer": layer, "app.kubernetes.io/managed-by": "opentofu" });
    }
    expect((await kubeGet<Namespace>(cluster, "/api/v1/namespaces/data")).body.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const policies = await kubeGet<{ items: Array<{ metadata: { name: string } }> }>(cluster, "/apis/networking.k8s.io/v1/namespaces/wordpress/networkpolicies");
    expect(policies.body.items.map((item) => item.metadata.name).sort()).toEqual(["allow-dns", "default-deny"]);
  });

  it("keeps state and the saved plan encrypted at rest", async () => {
    const { readFile } = await import("node:fs/promises");
    const state = await readFile(join(runDir, "terraform.tfstate"), "utf8");
    expect(JSON.parse(state)).toHaveProperty("encrypted_data");
    expect(state).not.toContain("platform/layer");
  });

  it("plans zero changes right after the apply", async () => {
    const checked = await planAndCheck(run, rules);
    expect(checked.hasChanges).toBe(false);
  });

  it("destroys everything it created (the namespace controller finalizes them)", async () => {
    await run.tofu.destroy();
    for (const name of ["infra", "data", "wordpress"]) {
      let status = 200;
      for (let attempt = 0; attempt < 50 && status !== 404; attempt++) {
        status = (await kubeGet(cluster, `/api/v1/namespaces/${name}`)).status;
        if (status !== 404) await sleep(200);
      }
      expect(status, `namespace ${name}`).toBe(404);
    }
  });

  it("stops cleanly: no process and no temp folder left behind", async () => {
    await cluster.stop();
    expect(existsSync(runDir)).toBe(false);
    const response = await fetch(cluster.server!).catch((error: Error) => error);
    expect(response).toBeInstanceOf(Error);
  });
});
