import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll } from "vitest";
import { kubeGet, kubeRequest } from "../../harness/cluster/api.ts";
import { acquireCluster, type Cluster } from "../../harness/cluster/index.ts";
import { standaloneInput } from "../../harness/environment.ts";
import { loadSources } from "../../harness/hcl.ts";
import type { PolicyInput } from "../../harness/policy/types.ts";
import { fixtureChartsDir } from "./charts.ts";

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

/** Custom kinds that fixture charts render, so a dry-run install of them is accepted. */
const fixtureKinds = [
  { group: "argoproj.io", kind: "Rollout", version: "v1alpha1" },
  { group: "postgresql.cnpg.io", kind: "Cluster", version: "v1" },
  { group: "k8s.mariadb.com", kind: "MariaDB", version: "v1alpha1" },
  { group: "traefik.io", kind: "IngressRoute", version: "v1alpha1" },
  { group: "traefik.io", kind: "IngressRouteTCP", version: "v1alpha1" },
  { group: "monitoring.coreos.com", kind: "Prometheus", version: "v1" },
];

/** A definition with an open schema: these tests need the kind served, not its validation. */
function openDefinition({ group, kind, version }: (typeof fixtureKinds)[number]) {
  const singular = kind.toLowerCase();
  const plural = singular.endsWith("s") ? `${singular}es` : `${singular}s`;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { kind, plural, singular },
      versions: [{ name: version, served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
    },
  };
}

async function withFixtureKinds(started: Cluster): Promise<Cluster> {
  const definitions = fixtureKinds.map(openDefinition);
  for (const crd of definitions) await kubeRequest(started, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  for (const crd of definitions) {
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
  if (await declares(dir, "charts_dir")) variables.charts_dir = await fixtureChartsDir();
  if (await declares(dir, "kubeconfig_path")) {
    cluster ??= acquireCluster({ prefer: "local" }).then(withFixtureKinds);
    variables.kubeconfig_path = (await cluster).kubeconfig;
  }
  return standaloneInput(dir, "fixture", variables);
}
