import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll } from "vitest";
import { parseAllDocuments } from "yaml";
import { kubeGet, kubeRequest } from "../../harness/cluster/api.ts";
import { acquireCluster, type Cluster } from "../../harness/cluster/index.ts";
import { repoRoot } from "../../harness/paths.ts";
import { standaloneInput } from "../../harness/environment.ts";
import { loadSources } from "../../harness/hcl.ts";
import type { PolicyInput } from "../../harness/policy/types.ts";

/**
 * The helm provider renders a chart's manifest (its `experiments.manifest`) only against a
 * reachable API server, so fixtures with a helm_release declare `variable "kubeconfig_path"`
 * and plan against one local control plane, started on first use and stopped after the file.
 */
let cluster: Promise<Cluster> | undefined;

afterAll(async () => {
  if (cluster) await (await cluster).stop();
  cluster = undefined;
});

const declares = async (dir: string, name: string) => (await loadSources(dir)).some((file) => Object.hasOwn((file.body.variable ?? {}) as object, name));

/** The CRDs of test/fixtures/crds, so charts that render those kinds pass a dry-run install. */
async function withFixtureKinds(started: Cluster): Promise<Cluster> {
  const documents = parseAllDocuments(readFileSync(join(repoRoot, "test/fixtures/crds/fixture-kinds.yaml"), "utf8")).map((d) => d.toJS() as { metadata: { name: string } }).filter(Boolean);
  for (const crd of documents) await kubeRequest(started, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  for (const crd of documents) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const { body } = await kubeGet<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(started, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
      if (body.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
      await sleep(200);
    }
  }
  return started;
}

/**
 * A fixture planned as the policies see it: against the shared control plane when it has
 * charts, and with a generated state key when it encrypts its state as an environment does.
 */
export async function fixtureInput(dir: string): Promise<PolicyInput> {
  const variables: Record<string, string> = {};
  if (await declares(dir, "state_passphrase")) variables.state_passphrase = randomBytes(24).toString("base64url");
  if (await declares(dir, "kubeconfig_path")) {
    cluster ??= acquireCluster({ prefer: "local" }).then(withFixtureKinds);
    variables.kubeconfig_path = (await cluster).kubeconfig;
  }
  return standaloneInput(dir, "fixture", variables);
}
