import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/paths.ts";
import { chartMirrorVariable } from "../../harness/toolchain/charts.ts";
import { providerAvailable, providerMirrorVariable } from "../../harness/toolchain/index.ts";
import { editableTree, platform } from "../support/tree.ts";

// `make plan ENV=production` as the owner runs it: offline with a dummy token, refused without
// credentials or without the provider, and gated stack by stack.
const mirrored = providerAvailable("digitalocean/digitalocean");
const noMirror = `${providerMirrorVariable} is not set: production's cluster stack was not planned`;
const charts = Boolean(process.env[chartMirrorVariable]?.trim());
const noCharts = `${chartMirrorVariable} or ${providerMirrorVariable} is not set: production's platform footprint (the infra layer's charts) was not estimated`;
const credentials = ["DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN", "SPACES_ACCESS_KEY_ID", "SPACES_SECRET_ACCESS_KEY", "TF_VAR_state_passphrase"];
/** A run with none of the production credentials in its environment. */
const withoutCredentials = Object.fromEntries(credentials.map((name) => [name, ""]));
const leftovers = () => readdirSync(tmpdir()).filter((name) => /^doks-platform-(offline|footprint)-/.test(name));

describe("make plan ENV=production", () => {
  let reports: string;

  beforeAll(async () => {
    reports = await mkdtemp(join(tmpdir(), "reports-"));
  });

  it("OFFLINE=1 plans the cluster stack with a dummy token, gates and prices it, and writes nothing but its reports", async (ctx) => {
    ctx.skip(!mirrored, noMirror);
    const before = leftovers();
    // Without the chart mirror: the cluster stack alone; the platform's estimate is left out, with the reason.
    const result = await platform(["plan", "--env", "production", "--offline", "--reports", reports], { ...withoutCredentials, DIGITALOCEAN_TOKEN: "dummy", [chartMirrorVariable]: "" });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain("Policy report: production (OFFLINE: throwaway local backend, dummy credentials, no API reads)");
    expect(result.all).toMatch(/cluster\s+│ yes\s+│ 6 to create/);
    expect(result.all).toMatch(/platform\s+│ no\s+│ needs the running cluster/);
    expect(result.all.replace(/[│\s]+/g, " ")).toContain("its footprint could not be estimated: PLATFORM_CHART_MIRROR is not set, and an estimate reaches no chart repository");
    expect(result.all).toMatch(/monthly cost: \$53\.00-\$101\.00 \(cluster \$53\.00-\$101\.00; prices/);
    expect(result.all).toContain("high availability would add $40.00");
    expect(result.all).toMatch(/gate passed: \d+ rules/);

    const report = JSON.parse(await readFile(join(reports, "production", "policy-report.json"), "utf8"));
    expect(report).toMatchObject({ environment: "production", offline: true, passed: true, changes: { create: 6 } });
    expect(report.stacks.map((stack: { name: string; planned: boolean }) => [stack.name, stack.planned])).toEqual([
      ["cluster", true],
      ["platform", false],
    ]);
    expect(report.cost.total).toEqual({ min: 53, max: 101 });
    expect(report.rules.map((rule: { id: string }) => rule.id)).toContain("capacity-fits");
    expect(await readFile(join(reports, "production", "policy-report.md"), "utf8")).toMatch(/Offline plan[\s\S]*### Cost and capacity[\s\S]*\$53\.00-\$101\.00/);
    expect(await readFile(join(reports, "production", "policy-report.junit.xml"), "utf8")).toMatch(/name="platform: not planned"[\s\S]*name="monthly cost"/);
    expect(JSON.parse(await readFile(join(reports, "production", "policy-report.sarif"), "utf8")).runs[0].properties).toMatchObject({ offline: true, cost: { total: { min: 53, max: 101 } } });

    expect(existsSync(join(repoRoot, ".platform", "production"))).toBe(false);
    expect(existsSync(join(repoRoot, "environments/production/cluster/.terraform"))).toBe(false);
    expect(leftovers()).toEqual(before);
  });

  it("OFFLINE=1 prices the infra layer's charts from the platform's footprint: Traefik's one load balancer and the volumes", async (ctx) => {
    ctx.skip(!mirrored || !charts, noCharts);
    const result = await platform(["plan", "--env", "production", "--offline", "--reports", reports], { ...withoutCredentials, DIGITALOCEAN_TOKEN: "dummy" });
    expect(result.exitCode, result.all).toBe(0);
    const report = JSON.parse(await readFile(join(reports, "production", "policy-report.json"), "utf8"));
    expect(report.stacks[1].note).toMatch(/cost and capacity estimated from its configuration planned against a local API server \(\d+ resources, not gated\)/);
    const platformLines = report.cost.lines.filter((line: { stack: string }) => line.stack === "platform");
    expect(platformLines.filter((line: { item: string }) => line.item === "load balancer")).toEqual([expect.objectContaining({ min: 12, max: 12 })]);
    expect(platformLines.filter((line: { item: string }) => line.item === "volumes").length).toBeGreaterThanOrEqual(3);
    expect(report.cost.total.min).toBeGreaterThan(53 + 12);
    expect(report.cost.total.min).toBeLessThanOrEqual(80);
    expect(report.cost.capacity).toMatchObject({ assessed: true, fits: true });
    expect(report.cost.capacity.workloads.map((workload: { namespace: string }) => workload.namespace)).toContain("infra");
  });

  // Two offline plans, each estimating the footprint in two rounds (Nextcloud's and Mailu's namespaces first).
  it("OFFLINE=1 estimates the platform's footprint with every component on, and fails the gate when it does not fit", async (ctx) => {
    ctx.skip(!mirrored || !charts, noCharts);
    const dir = await mkdtemp(join(tmpdir(), "inputs-"));
    const everything = { components: { postgres: true, mariadb: true, wordpress: true, n8n: true, dns: true, nextcloud: true, mailu: true, crm: true } };
    await writeFile(join(dir, "all.tfvars.json"), JSON.stringify(everything));
    const example = join(repoRoot, "environments/production/terraform.tfvars.example");

    const fits = await platform(["plan", "--env", "production", "--offline", "--reports", reports, "--var-file", example, join(dir, "all.tfvars.json")], withoutCredentials);
    expect(fits.exitCode, fits.all).toBe(0);
    expect(fits.all).toMatch(/capacity at 1 × s-4vcpu-8gb: requests \d+m CPU \/ \d+ MiB .*\(fits\)/);
    const report = JSON.parse(await readFile(join(reports, "production", "policy-report.json"), "utf8"));
    expect(report.stacks[1].note).toMatch(/cost and capacity estimated from its configuration planned against a local API server \(\d+ resources, not gated\)/);
    expect(report.cost.lines.filter((line: { stack: string; item: string }) => line.stack === "platform" && line.item === "volumes").length).toBeGreaterThan(0);
    expect(report.cost.capacity).toMatchObject({ assessed: true, fits: true });
    // The charts that wait for their namespace count too: the second round planned them.
    const counted = report.cost.capacity.workloads.map((workload: { namespace: string; name: string }) => `${workload.namespace}/${workload.name}`);
    expect(counted).toEqual(expect.arrayContaining(["infra/traefik", "nextcloud/nextcloud", "mailu/mailu-front", "mailu/mailu-dovecot"]));

    // A workload bigger than the pool at its minimum fails the gate, though nothing else does.
    const tree = await editableTree();
    await writeFile(
      join(tree, "environments/production/platform/oversized.tf"),
      `resource "kubernetes_deployment_v1" "oversized" {
  metadata {
    name      = "oversized"
    namespace = "data"
  }
  spec {
    replicas = 3
    selector { match_labels = { app = "oversized" } }
    template {
      metadata { labels = { app = "oversized" } }
      spec {
        container {
          name  = "app"
          image = "docker.io/library/nginx:1.29.1"
          resources {
            requests = { cpu = "100m", memory = "2Gi" }
            limits   = { memory = "2Gi" }
          }
        }
      }
    }
  }
}
`,
    );
    const tight = await platform(["plan", "--env", "production", "--offline", "--reports", reports, "--var-file", example, join(dir, "all.tfvars.json")], { ...withoutCredentials, PLATFORM_ENVIRONMENTS_DIR: join(tree, "environments") });
    expect(tight.exitCode).toBe(1);
    expect(tight.all).toMatch(/capacity-fits\s+│ typescript │ FAIL/);
    expect(tight.all).toMatch(/DOES NOT FIT/);
  }, 900_000);

  it("without credentials names exactly the variables it needs and plans nothing", async (ctx) => {
    ctx.skip(!mirrored, noMirror);
    const tree = await editableTree();
    await writeFile(join(tree, "environments/production/terraform.tfvars"), await readFile(join(repoRoot, "environments/production/terraform.tfvars.example")));
    const result = await platform(["plan", "--env", "production"], { ...withoutCredentials, PLATFORM_ENVIRONMENTS_DIR: join(tree, "environments") });
    expect(result.exitCode).toBe(2);
    expect(result.all).toContain("error: production needs DIGITALOCEAN_TOKEN, SPACES_ACCESS_KEY_ID, SPACES_SECRET_ACCESS_KEY, TF_VAR_state_passphrase to plan: nothing was planned");
    expect(result.all).toContain("make plan ENV=production OFFLINE=1");
    expect(result.all).not.toMatch(/\n\s+at /);

    const partly = await platform(["plan", "--env", "production"], { ...withoutCredentials, DIGITALOCEAN_TOKEN: "set", TF_VAR_state_passphrase: "set-but-not-shown", PLATFORM_ENVIRONMENTS_DIR: join(tree, "environments") });
    expect(partly.all).toContain("error: production needs SPACES_ACCESS_KEY_ID, SPACES_SECRET_ACCESS_KEY to plan");
    expect(partly.all).not.toContain("set-but-not-shown");
  });

  it("without the provider refuses in one line naming it, its version and the variable: production never plans partially", async () => {
    const empty = await mkdtemp(join(tmpdir(), "empty-mirror-"));
    for (const mode of [["--offline"], []]) {
      const result = await platform(["plan", "--env", "production", ...mode, "--reports", reports], { ...withoutCredentials, [providerMirrorVariable]: empty });
      expect(result.exitCode).toBe(2);
      expect(result.all).toMatch(new RegExp(`error: provider digitalocean/digitalocean 2\\.99\\.1 is missing: ${providerMirrorVariable} \\(${empty}\\) does not hold it`));
      expect(result.all.split("\n").filter((line) => line.startsWith("error:"))).toHaveLength(1);
      expect(result.all).not.toContain("Policy report");
    }
  });

  it("refuses an invalid input at plan time with the variable's own message", async (ctx) => {
    ctx.skip(!mirrored, noMirror);
    const dir = await mkdtemp(join(tmpdir(), "inputs-"));
    await writeFile(join(dir, "bad.tfvars"), 'name = "acme"\nroot_domain = "example.org"\nkubernetes_version = "1.35.4-do.0"\nregion = "nyc1"\n');
    const result = await platform(["plan", "--env", "production", "--offline", "--var-file", join(dir, "bad.tfvars")], withoutCredentials);
    expect(result.exitCode).toBe(2);
    expect(result.all).toMatch(/error: tofu plan failed in .*environments\/production\/cluster: Error: Invalid value for variable — on variables.tf line \d+: — var.region is "nyc1" — region must be one that offers both DOKS and Spaces/);

    await writeFile(join(dir, "typo.tfvars"), 'name = "acme"\nroot_domain = "example.org"\nkubernetes_version = "1.35.4-do.0"\nnode_sise = "s-4vcpu-8gb"\n');
    const typo = await platform(["plan", "--env", "production", "--offline", "--var-file", join(dir, "typo.tfvars")], withoutCredentials);
    expect(typo.exitCode).toBe(2);
    expect(typo.all).toContain("node_sise is not an input of any production stack");
  });

  it("stops at the first stack that fails its gate: later stacks are not planned", async (ctx) => {
    ctx.skip(!mirrored, noMirror);
    const tree = await editableTree();
    await writeFile(
      join(tree, "environments/production/cluster/managed_db.tf"),
      'resource "digitalocean_database_cluster" "pg" {\n  name       = "pg"\n  engine     = "pg"\n  version    = "17"\n  size       = "db-s-1vcpu-1gb"\n  region     = "fra1"\n  node_count = 1\n}\n',
    );
    const result = await platform(["plan", "--env", "production", "--offline", "--reports", reports], { ...withoutCredentials, PLATFORM_ENVIRONMENTS_DIR: join(tree, "environments") });
    expect(result.exitCode).toBe(1);
    expect(result.all).toMatch(/no-managed-database\s+│ typescript │ FAIL/);
    const report = JSON.parse(await readFile(join(reports, "production", "policy-report.json"), "utf8"));
    expect(report.stacks).toEqual([expect.objectContaining({ name: "cluster", planned: true, passed: false }), { name: "platform", planned: false, note: "not planned: the cluster stack failed the gate" }]);
    expect(report.findings.map((finding: { address: string }) => finding.address)).toContain("cluster: digitalocean_database_cluster.pg");
  });

  it("an offline plan is never applied", async () => {
    const result = await platform(["apply", "--env", "production", "--offline", "--auto-approve"], withoutCredentials);
    expect(result.exitCode).toBe(2);
    expect(result.all).toContain("error: an offline plan cannot be applied");
  });
});
