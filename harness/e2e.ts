import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { kubeGet } from "./cluster/api.ts";
import { acquireCluster, type Cluster, type ClusterRequest } from "./cluster/index.ts";
import type { NodeCluster } from "./cluster/node.ts";
import { runDataJobsLocally, type DatabaseOutcome } from "./data-jobs-local.ts";
import { runDataLayerOnNode, type DataLayerRun } from "./e2e-node.ts";
import { environmentDir, openEnvironment, planAndCheck, type EnvironmentRun } from "./environment.ts";
import { PlatformError } from "./errors.ts";
import { loadRules } from "./policy/engine.ts";
import { step } from "./progress.ts";
import { startMariaDB } from "./services/mariadb.ts";
import { startPostgres } from "./services/postgres.ts";
import { startS3 } from "./services/s3.ts";
import { maxApplyRounds, pendingAfterApply } from "./stacks.ts";
import { ensurePlanToolchain } from "./toolchain/index.ts";

export interface E2eTimings {
  up: number;
  apply: number;
  replan: number;
  backupRestore: number;
  destroy: number;
}

export interface E2eResult {
  timings: Partial<E2eTimings>;
  replanChanges: boolean;
  databases: DatabaseOutcome[];
  /** On the node kind: the data layer run for real (stand-ins used, each check observed). */
  node?: Pick<DataLayerRun, "standins" | "checks">;
  leftovers: string[];
  passed: boolean;
}

/** Resources of modules/app-key, as the apps call it: protected from destroy. */
const protectedKey = /(^|\.)module\.encryption_key(\[[^\]]*\])?\./;

/**
 * The apps' encryption keys refuse to be destroyed (prevent_destroy). In a throwaway cluster they
 * get the documented decommission: forgotten first, then gone with their namespaces.
 */
async function forgetProtectedKeys(run: EnvironmentRun): Promise<void> {
  const keys = (await run.tofu.stateList()).filter((address) => protectedKey.test(address));
  if (keys.length === 0) return;
  const backup = await mkdtemp(join(tmpdir(), "e2e-state-rm-"));
  await run.tofu.stateRemove(keys, join(backup, "terraform.tfstate.backup")).finally(() => rm(backup, { recursive: true, force: true }));
}

/** Namespaces every cluster has; anything else left after destroy is a leftover. */
const builtinNamespaces = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);

async function timed<T>(timings: Partial<E2eTimings>, key: keyof E2eTimings, label: string, work: () => Promise<T>, report: (name: string, seconds: number) => void): Promise<T> {
  step(label);
  const started = performance.now();
  const result = await work();
  timings[key] = (performance.now() - started) / 1000;
  report(key, timings[key]!);
  return result;
}

/** What is left in the cluster besides the built-in namespaces, once deletions settle. */
async function leftoversIn(cluster: Cluster): Promise<string[]> {
  let names: string[] = [];
  for (let attempt = 0; attempt < 150; attempt++) {
    const { body } = await kubeGet<{ items: Array<{ metadata: { name: string } }> }>(cluster, "/api/v1/namespaces");
    names = body.items.map((item) => item.metadata.name).filter((name) => !builtinNamespaces.has(name));
    if (names.length === 0) return [];
    await sleep(200);
  }
  return names.map((name) => `namespace ${name}`);
}

/**
 * The nightly end-to-end run: a cluster from harness/cluster (the local control plane, k3d
 * where Docker answers, or the node kind, where pods really run), environments/local applied through the gate,
 * a re-plan that must be empty, every database's provisioning, backup and restore-test Jobs run
 * as applied against real servers, then destroy, and a check that nothing is left: not in the
 * cluster, not a process, not a folder.
 */
export async function runE2e(request: ClusterRequest, report: (name: string, seconds: number) => void): Promise<E2eResult> {
  const timings: Partial<E2eTimings> = {};
  const toolchain = await ensurePlanToolchain(environmentDir("local"));
  const rules = await loadRules(toolchain.opa);
  const cluster = await timed(timings, "up", "starting the cluster", () => acquireCluster(request), report);
  const result: E2eResult = { timings, replanChanges: false, databases: [], leftovers: [], passed: false };
  try {
    if (cluster.kind === "kubeconfig") throw new PlatformError("make e2e creates and destroys everything it applies, so it never runs against a named context", "Run it without CONTEXT (PLATFORM_CLUSTER picks the kind of throwaway cluster).");
    if (cluster.kind === "node") {
      // Pods run: the data layer is applied and exercised on the node itself, against an object
      // store of its own; each phase is reported as it ends.
      const layer = await runDataLayerOnNode(cluster as NodeCluster, "local", (phase, seconds) => report(`node-${phase}`, seconds));
      result.node = { standins: layer.standins, checks: layer.checks };
      result.replanChanges = await timed(timings, "replan", "planning again: nothing may change", async () => (await planAndCheck(layer.environment, rules)).hasChanges, report);
      result.leftovers = await timed(timings, "destroy", "destroying, then checking nothing is left", async () => {
        await forgetProtectedKeys(layer.environment);
        await layer.environment.tofu.destroy();
        await layer.cleanup();
        return leftoversIn(cluster);
      }, report);
    } else {
      const run: EnvironmentRun = await timed(timings, "apply", "applying environments/local through the gate", async () => {
        const opened = await openEnvironment("local", cluster, toolchain);
        // The rounds `make apply` goes through: what waited on an apply (a namespace before its
        // chart, CRDs before their resources) is planned, gated and applied next.
        for (let round = 1; ; round++) {
          const checked = await planAndCheck(opened, rules);
          if (!checked.evaluation.passed) throw new PlatformError(`the gate failed on environments/local (round ${round}), so make e2e applied nothing more`, "Run make plan to see the failing rules.");
          await opened.tofu.apply(opened.planFile);
          const pending = await pendingAfterApply(opened);
          if (pending.length === 0 || round === maxApplyRounds) return opened;
          step(`planning again for what waited on this apply: ${pending.join("; ")}`);
        }
      }, report);
      result.replanChanges = await timed(timings, "replan", "planning again: nothing may change", async () => (await planAndCheck(run, rules)).hasChanges, report);
      result.databases = await timed(timings, "backupRestore", "running every database's provisioning, backup and restore-test Jobs against real servers", async () => {
        const [s3, pg, maria] = await Promise.all([startS3(), startPostgres(), startMariaDB()]);
        try {
          return await runDataJobsLocally(cluster, "data", { s3, pg, maria });
        } finally {
          await Promise.all([s3.stop(), pg.stop(), maria.stop()]);
        }
      }, report);
      result.leftovers = await timed(timings, "destroy", "destroying, then checking nothing is left", async () => {
        await forgetProtectedKeys(run);
        await run.tofu.destroy();
        return leftoversIn(cluster);
      }, report);
    }
  } finally {
    await cluster.stop();
    if ((cluster.kind === "local" || cluster.kind === "node") && existsSync(cluster.kubeconfig)) result.leftovers.push(`the cluster's folder ${dirname(cluster.kubeconfig)}`);
    if (cluster.server && (await fetch(cluster.server).then(() => true, () => false))) result.leftovers.push(`an API server still answering at ${cluster.server}`);
  }
  const ran = result.node ? result.node.checks.length > 0 && result.node.checks.every((check) => check.passed) : result.databases.length > 0 && result.databases.every((database) => database.passed);
  result.passed = !result.replanChanges && ran && result.leftovers.length === 0;
  return result;
}
