import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeGet } from "../../harness/cluster/api.ts";
import { acquireCluster, type Cluster } from "../../harness/cluster/index.ts";
import { policyInput } from "../../harness/environment.ts";
import { repoRoot } from "../../harness/paths.ts";
import { parsePlan, type PlanModel, type PlannedResource } from "../../harness/plan.ts";
import { evaluate, loadRules } from "../../harness/policy/engine.ts";
import { chartName } from "../../harness/policy/charts.ts";
import { factsOf } from "../../harness/policy/facts.ts";
import type { Rule } from "../../harness/policy/types.ts";
import { Tofu } from "../../harness/tofu.ts";
import { ensurePlanToolchain } from "../../harness/toolchain/index.ts";

// Nextcloud and Mailu from their pinned charts (PLATFORM_CHART_MIRROR) against a local API
// server, the way `platform apply` runs them. The first plan (namespaces not there yet) holds
// no release: both wait in the `pending` output, and the gate judges the rest. It applies; the
// second plan renders both charts, and the whole gate judges what they really deploy (no Bitnami
// subchart, no Bitnami image, Mailu no relay); it applies; the third plan changes nothing.
const dir = join(repoRoot, "test/fixtures/apps-charts");
const mirror = process.env.PLATFORM_CHART_MIRROR;
const charts = ["mailu-2.7.1.tgz", "nextcloud-9.2.4.tgz"];
const available = Boolean(mirror) && charts.every((chart) => existsSync(join(mirror!, chart)));
const why = mirror ? `PLATFORM_CHART_MIRROR (${mirror}) lacks ${charts.join(" or ")}: Nextcloud and Mailu were not rendered from their charts` : "PLATFORM_CHART_MIRROR is not set: Nextcloud and Mailu were not rendered from their charts";

let cluster: Cluster | undefined;
let tofu: Tofu;
let dataDir: string;
let first: PlanModel;
let pendingAfterFirst: unknown;
let plan: PlanModel;
let pendingAfterSecond: unknown;
let replanned: boolean;
let rules: Rule[];

const release = (name: string): PlannedResource => plan.resources.find((resource) => resource.type === "helm_release" && resource.name === name)!;
const images = (resource: PlannedResource) => factsOf([resource]).workloads.flatMap((workload) => workload.containers.map((container) => container.image));

beforeAll(async () => {
  if (!available) return;
  const toolchain = await ensurePlanToolchain(dir);
  rules = await loadRules(toolchain.opa);
  cluster = await acquireCluster({ prefer: "local" });
  dataDir = await mkdtemp(join(tmpdir(), "apps-charts-"));
  tofu = new Tofu({ toolchain, dir, dataDir, variables: { kubeconfig_path: cluster.kubeconfig, chart_mirror: mirror!, state_passphrase: randomBytes(24).toString("base64url") } });
  await tofu.init({ path: join(dataDir, "apps.tfstate") });
  await tofu.plan(join(dataDir, "first.tfplan"));
  first = parsePlan(await tofu.showJson(join(dataDir, "first.tfplan")));
  await tofu.apply(join(dataDir, "first.tfplan"));
  pendingAfterFirst = (await tofu.output()).pending?.value;
  await tofu.plan(join(dataDir, "second.tfplan"));
  plan = parsePlan(await tofu.showJson(join(dataDir, "second.tfplan")));
  await tofu.apply(join(dataDir, "second.tfplan"));
  pendingAfterSecond = (await tofu.output()).pending?.value;
  replanned = await tofu.plan(join(dataDir, "replan.tfplan"));
});

afterAll(async () => {
  await cluster?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("Nextcloud and Mailu from their pinned charts", () => {
  it("plan first without the releases, which wait for their namespaces in the pending output, and pass the gate on that plan", async (ctx) => {
    ctx.skip(!available, why);
    expect(first.resources.filter((candidate) => candidate.type === "helm_release").map((resource) => resource.address)).toEqual([]);
    expect(first.resources.map((resource) => resource.address)).toEqual(expect.arrayContaining(["module.nextcloud.module.namespace.kubernetes_namespace_v1.this", "module.mailu.module.namespace.kubernetes_namespace_v1.this"]));
    const evaluation = await evaluate(rules, await policyInput("apps-charts", dir, first));
    expect(evaluation.findings.map((finding) => `${finding.ruleId}: ${finding.address}: ${finding.message}`)).toEqual([]);
    expect(pendingAfterFirst).toEqual(["nextcloud chart (waits for namespace nextcloud)", "mailu chart (waits for namespace mailu)"]);
  });

  it("plan both releases with their rendered manifests once the namespaces exist: nothing of them is unknown at plan time", (ctx) => {
    ctx.skip(!available, why);
    for (const name of ["nextcloud", "mailu"]) {
      expect(release(name).address).toBe(`module.${name}.helm_release.${name}[0]`);
      expect(release(name).helm!.manifestUnknown, name).toBe(false);
      expect(release(name).helm!.rendered, name).toBe(true);
    }
    expect(factsOf(plan.resources).unreadable).toEqual([]);
    expect(pendingAfterSecond).toEqual([]);
  });

  it("render from the mirror's archives, with every bundled Bitnami subchart disabled", (ctx) => {
    ctx.skip(!available, why);
    for (const [name, chart] of [["nextcloud", "nextcloud"], ["mailu", "mailu"]] as const) {
      const helm = release(name).helm!;
      expect(chartName(helm.chart)).toBe(chart);
      const kinds = new Set(helm.manifests.map((object) => String(object.kind)));
      expect([...kinds].sort(), `${name} renders`).toEqual(expect.arrayContaining(["ConfigMap", "Deployment", "Service"]));
      // Nothing of the bundled subcharts is rendered: their objects carry their chart's name.
      const subchartObjects = helm.manifests.filter((object) => /^(redis|postgresql|mariadb)-/.test(String((object.metadata as { labels?: Record<string, string> } | undefined)?.labels?.["helm.sh/chart"] ?? "")));
      expect(subchartObjects.map((object) => `${String(object.kind)}/${String((object.metadata as { name?: string }).name)}`)).toEqual([]);
    }
  });

  it("render only the pinned upstream images, none of them Bitnami's", (ctx) => {
    ctx.skip(!available, why);
    const rendered = [...images(release("nextcloud")), ...images(release("mailu"))];
    expect(rendered.filter((image) => /bitnami/i.test(image))).toEqual([]);
    expect(new Set(images(release("nextcloud")))).toEqual(new Set(["docker.io/library/nextcloud:34.0.1-fpm-alpine", "library/nginx:1.30.5@sha256:e9f347c65f318767714e8b0eccfd6b558d00fb92630791fb6cd901fcdf7f6fdd"]));
    expect(new Set(images(release("mailu")))).toEqual(new Set(["nginx", "admin", "postfix", "dovecot", "rspamd", "webmail", "oletools"].map((component) => `ghcr.io/mailu/${component}:2024.06.51`)));
  });

  it("pass the whole gate, mail-safety and no-bitnami included", async (ctx) => {
    ctx.skip(!available, why);
    const evaluation = await evaluate(rules, await policyInput("apps-charts", dir, plan));
    expect(evaluation.findings.map((finding) => `${finding.ruleId}: ${finding.address}: ${finding.message}`)).toEqual([]);
    expect(evaluation.passed).toBe(true);
    expect(evaluation.outcomes.map((outcome) => outcome.rule.id)).toEqual(expect.arrayContaining(["mail-safety", "no-bitnami", "pinned-images", "resources-set", "pod-security"]));
  });

  it("render Nextcloud's background jobs as a CronJob, its redirects and its proxies", (ctx) => {
    ctx.skip(!available, why);
    const manifests = release("nextcloud").helm!.manifests;
    expect(manifests.filter((object) => object.kind === "CronJob").map((object) => (object.metadata as { name: string }).name)).toEqual(["nextcloud-cron"]);
    const nginx = manifests.find((object) => object.kind === "ConfigMap" && (object.metadata as { name: string }).name === "nextcloud-nginxconfig")!.data as Record<string, string>;
    const config = Object.values(nginx).join("\n");
    expect(config).toMatch(/location = \/\.well-known\/caldav\s+\{ return 301 [^;]*\/remote\.php\/dav\/; \}/);
    expect(config).toMatch(/location = \/\.well-known\/carddav\s+\{ return 301 [^;]*\/remote\.php\/dav\/; \}/);
    expect(config).toContain("listen 8080;");
    const env = JSON.stringify(manifests.find((object) => object.kind === "Deployment"));
    expect(env).toContain('"name":"TRUSTED_PROXIES","value":"10.244.0.0/16"');
    expect(env).not.toContain("SQLITE_DATABASE");
    expect(env).toContain('"name":"POSTGRES_HOST","valueFrom":{"secretKeyRef":{"key":"host","name":"nextcloud-database"}}');
  });

  it("render Mailu's trust settings as the module set them", (ctx) => {
    ctx.skip(!available, why);
    const env = release("mailu").helm!.manifests.find((object) => object.kind === "ConfigMap" && (object.metadata as { name: string }).name === "mailu-envvars")!.data as Record<string, string>;
    expect(env).toMatchObject({ SUBNET: "10.244.0.0/16", REAL_IP_FROM: "10.244.0.0/16", PROXY_PROTOCOL: "993,25,465,587,4190", TLS_FLAVOR: "mail", DB_FLAVOR: "postgresql", DKIM_SELECTOR: "dkim" });
    expect(env.REAL_IP_HEADER).toBeUndefined();
    expect(env.RELAYNETS).toBeUndefined();
    // The relay host is sensitive: it reaches postfix from a Secret, never the chart's objects.
    expect(JSON.stringify(release("mailu").helm!.manifests)).not.toContain("smtp.relay.platform.test");
    expect(JSON.stringify(release("mailu").values)).not.toContain("smtp.relay.platform.test");
  });

  it("applied to the local API server, and plan again with no change", async (ctx) => {
    ctx.skip(!available, why);
    expect(replanned).toBe(false);
    const deployment = await kubeGet<{ spec: { template: { spec: { containers: Array<{ image: string }> } } } }>(cluster!, "/apis/apps/v1/namespaces/nextcloud/deployments/nextcloud");
    expect(deployment.status).toBe(200);
    expect(deployment.body.spec.template.spec.containers.map((container) => container.image)).toContain("docker.io/library/nextcloud:34.0.1-fpm-alpine");
    expect((await kubeGet(cluster!, "/api/v1/namespaces/mailu/configmaps/mailu-envvars")).status).toBe(200);
  });
});
