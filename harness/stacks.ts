import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { withCluster } from "./cluster/index.ts";
import { costAndCapacity, capacityRule, capacityViolations, type CostReport, type StackPlan } from "./cost/index.ts";
import { chartInputs, planAndCheck, type CheckedPlan, type EnvironmentRun } from "./environment.ts";
import { PlatformError } from "./errors.ts";
import { isSourceFileName, loadSources } from "./hcl.ts";
import { loadInputs, stackVarFile, undeclaredInputs, type EnvironmentInputs } from "./inputs.ts";
import { environmentsDir, type EnvironmentLayout, type StackSpec } from "./layout.ts";
import { workDir } from "./paths.ts";
import { parsePlan, summarizeActions, type PlanModel } from "./plan.ts";
import type { RuleOutcome } from "./policy/engine.ts";
import { factsOf } from "./policy/facts.ts";
import type { Rule } from "./policy/types.ts";
import { loadWaivers, waiverFileName, type WaiverSet } from "./policy/waivers.ts";
import { detail, step } from "./progress.ts";
import { assembleReport, mergeOutcomes, sumChanges, type PolicyReport, type StackStatus } from "./report/index.ts";
import { Tofu } from "./tofu.ts";
import { chartMirrorVariable } from "./toolchain/charts.ts";
import { ensurePlanToolchain, type Toolchain } from "./toolchain/index.ts";

/**
 * Environments made of several root configurations (production: the cluster, then the
 * platform on it). Each stack is planned, gated and applied on its own, in order; a stack
 * that cannot be planned yet, or that follows a failed gate, is reported with the reason.
 */

export interface StackRun extends EnvironmentRun {
  stack: StackSpec;
  offline: boolean;
  /** Removes what the run left (an offline run leaves nothing at all). */
  close(): Promise<void>;
}

// Offline runs point the provider at addresses nothing listens on, with retries off, so any
// API call fails at once instead of reaching DigitalOcean with whatever token is around.
const nowhere = "http://127.0.0.1:9";

/** What tofu sees offline: dummy credentials only; real ones in the caller's environment are hidden. */
export function offlineEnvironment(): Record<string, string> {
  return {
    DIGITALOCEAN_TOKEN: "offline-plan-dummy-token",
    // The platform stack's token for external-dns (required with components.dns).
    TF_VAR_external_dns_token: "offline-plan-dummy-token",
    DIGITALOCEAN_ACCESS_TOKEN: "",
    DIGITALOCEAN_API_URL: nowhere,
    SPACES_ENDPOINT_URL: nowhere,
    DIGITALOCEAN_HTTP_RETRY_MAX: "0",
    SPACES_ACCESS_KEY_ID: "offline-plan-dummy-key",
    SPACES_SECRET_ACCESS_KEY: "offline-plan-dummy-secret",
    AWS_ACCESS_KEY_ID: "",
    AWS_SECRET_ACCESS_KEY: "",
    AWS_SESSION_TOKEN: "",
    AWS_PROFILE: "",
  };
}

/** The environment variables an online run needs that are not set: named, never read aloud. */
export function missingCredentials(layout: EnvironmentLayout, env: NodeJS.ProcessEnv = process.env): PlatformError | undefined {
  const missing = layout.credentials.filter((credential) => !env[credential.variable]);
  if (missing.length === 0) return undefined;
  return new PlatformError(
    `${layout.name} needs ${missing.map((credential) => credential.variable).join(", ")} to plan: nothing was planned`,
    `Export ${missing.map((credential) => `${credential.variable} (${credential.purpose})`).join("; ")}. Or plan without the platform: make plan ENV=${layout.name} OFFLINE=1.`,
  );
}

/** An override file that swaps a stack's backend for a local one whose state stays in `dir`. */
export function localBackend(dir: string): Record<string, string> {
  return { "backend_override.tf": `# Written by the harness: a throwaway local backend.\nterraform {\n  backend "local" {\n    path = ${JSON.stringify(join(dir, "terraform.tfstate"))}\n  }\n}\n` };
}

/**
 * A copy of a stack's root files in a temp tree laid out like the repository (modules/ linked
 * beside environments/), so relative module sources resolve: the configuration as written,
 * plus override files, without writing into the repository. Every source form is copied (.tofu
 * files and their .tf twins, JSON forms, variable files tofu loads by itself), or an offline
 * or footprint plan would differ from the online one.
 */
export async function shadowStack(layout: EnvironmentLayout, stack: StackSpec, root: string, files: Record<string, string>, replaced: string[] = []): Promise<string> {
  const dir = join(root, "tree", "environments", layout.name, stack.name);
  await mkdir(dir, { recursive: true });
  await symlink(resolve(environmentsDir, "..", "modules"), join(root, "tree", "modules"));
  const sources = readdirSync(stack.dir, { withFileTypes: true }).filter((entry) => entry.isFile() && isSourceFileName(entry.name) && !replaced.includes(entry.name));
  for (const { name } of sources) await copyFile(join(stack.dir, name), join(dir, name));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

export async function openStack(layout: EnvironmentLayout, stack: StackSpec, toolchain: Toolchain, inputs: EnvironmentInputs, offline: boolean): Promise<StackRun> {
  // A stack that declares chart_mirror gets every pinned chart from the verified mirror, or none.
  const charts = await chartInputs(stack.dir);
  if (offline) {
    const root = await mkdtemp(join(tmpdir(), "doks-platform-offline-"));
    const close = () => rm(root, { recursive: true, force: true });
    try {
      const dir = await shadowStack(layout, stack, root, localBackend(root));
      const tofu = new Tofu({
        toolchain,
        dir,
        displayDir: stack.dir,
        dataDir: join(root, "data"),
        varFiles: [await stackVarFile(inputs, stack.name, stack.dir, root)],
        // A throwaway key: the plan file dies with the temp folder, and no real secret is used.
        variables: { state_passphrase: randomBytes(24).toString("base64url"), ...charts.variables },
        environment: offlineEnvironment(),
      });
      await tofu.init();
      return { name: layout.name, dir: stack.dir, tofu, planFile: join(root, "plan.tfplan"), leftOut: [], stack, offline, close };
    } catch (error) {
      await close();
      throw error;
    }
  }
  const runDir = join(workDir, layout.name, stack.name);
  await mkdir(runDir, { recursive: true });
  const tofu = new Tofu({
    toolchain,
    dir: stack.dir,
    dataDir: join(runDir, "data"),
    varFiles: [await stackVarFile(inputs, stack.name, stack.dir, runDir)],
    variables: charts.variables,
    // The S3 backend reads AWS_* names; Spaces keys are the same kind of credential.
    environment: { AWS_ACCESS_KEY_ID: process.env.SPACES_ACCESS_KEY_ID ?? "", AWS_SECRET_ACCESS_KEY: process.env.SPACES_SECRET_ACCESS_KEY ?? "" },
  });
  step(`initialising ${layout.name}/${stack.name} (state in Spaces)`);
  await tofu.init();
  const planFile = join(runDir, "plan.tfplan");
  return { name: layout.name, dir: stack.dir, tofu, planFile, leftOut: [], stack, offline, close: () => rm(planFile, { force: true }) };
}

const creates = (resources: PlanModel["resources"], address: string) => resources.some((resource) => resource.address === address && resource.actions.includes("create") && !resource.actions.includes("delete"));

export interface PlannedStack {
  run: StackRun;
  checked: CheckedPlan;
}

export interface StackedOptions {
  offline: boolean;
  varFiles?: string[];
  /** Default: the environment's policy-waivers.yaml beside stacks.yaml, covering every stack. */
  waivers?: WaiverSet;
  /**
   * Runs after each stack's gate, passed or not, while its saved plan exists: "applied" when the
   * plan is now real (later stacks may read what it created), "stop" ends the run there.
   */
  afterGate?: (planned: PlannedStack) => Promise<"applied" | "continue" | "stop">;
}

export interface StackedOutcome {
  report: PolicyReport;
  inputs: EnvironmentInputs;
}

/**
 * Plans every stack of a stacked environment in order and gates each. Everything that can
 * refuse (providers, credentials, inputs) refuses before the first plan: production is never
 * planned partially for want of a tool or a secret.
 */
export async function planStacked(layout: EnvironmentLayout, rules: Rule[], options: StackedOptions): Promise<StackedOutcome> {
  const toolchains = new Map<string, Toolchain>();
  for (const stack of layout.stacks) {
    toolchains.set(stack.name, await ensurePlanToolchain(stack.dir));
    // Charts too, before anything is planned: a missing one refuses here, not after a stack was applied.
    await chartInputs(stack.dir);
  }
  if (!options.offline) {
    const missing = missingCredentials(layout);
    if (missing) throw missing;
  }
  const inputs = await loadInputs(layout, { offline: options.offline, ...(options.varFiles ? { varFiles: options.varFiles } : {}) });
  const stray = await undeclaredInputs(inputs, layout.stacks.map((stack) => stack.dir));
  if (stray.length > 0) {
    throw new PlatformError(`${inputs.files.join(", ")}: ${stray.join(", ")} ${stray.length === 1 ? "is" : "are"} not an input of any ${layout.name} stack`, `Remove or correct ${stray.length === 1 ? "it" : "them"}; terraform.tfvars.example lists every input.`);
  }
  if (inputs.fromExample) detail(`no terraform.tfvars: planning with the documented example inputs (${inputs.files[0]})`);
  const waivers = options.waivers ?? loadWaivers(join(layout.dir, waiverFileName));
  const statuses: StackStatus[] = [];
  const parts: Array<{ stack: string; outcomes: RuleOutcome[] }> = [];
  const plans: StackPlan[] = [];
  const applied = new Set<string>();
  let tofuVersion = "";
  let blocked: string | undefined;
  for (const stack of layout.stacks) {
    if (blocked) {
      statuses.push({ name: stack.name, planned: false, note: blocked });
      continue;
    }
    if (options.offline && !stack.offline) {
      const footprint = await estimateFootprint(layout, stack, toolchains.get(stack.name)!, inputs).catch((error: unknown) => {
        if (error instanceof PlatformError) return error;
        throw error;
      });
      const why = `needs ${stack.needs ?? "the live platform"}, so it plans only online`;
      if (footprint instanceof PlatformError) {
        statuses.push({ name: stack.name, planned: false, note: `${why}; its footprint could not be estimated: ${footprint.message}` });
      } else {
        plans.push({ stack: stack.name, resources: footprint.resources, facts: factsOf(footprint.resources) });
        statuses.push({ name: stack.name, planned: false, note: `${why}; cost and capacity estimated from its configuration planned against a local API server (${footprint.resources.length} resources, not gated)` });
      }
      continue;
    }
    const earlier = stack.after ? plans.find((plan) => !applied.has(plan.stack) && creates(plan.resources, stack.after!)) : undefined;
    if (earlier) {
      statuses.push({ name: stack.name, planned: false, note: `${stack.after} does not exist yet: apply the ${earlier.stack} stack first (make apply ENV=${layout.name})` });
      continue;
    }
    step(`planning ${layout.name}/${stack.name}${options.offline ? " offline (throwaway local backend, dummy token)" : ""}`);
    const run = await openStack(layout, stack, toolchains.get(stack.name)!, inputs, options.offline);
    try {
      const context = plans.flatMap((plan) => plan.resources.map((resource) => ({ ...resource, address: `${plan.stack}: ${resource.address}` })));
      for (let round = 1; ; round++) {
        const planned = await planAndCheck(run, rules, waivers, { resources: context });
        if (planned.planError) detail(`${layout.name}/${stack.name}: tofu could not plan (${planned.planError}); the rules judged the HCL alone, and that already fails the gate`);
        tofuVersion = planned.model.tofuVersion || tofuVersion;
        const plan: StackPlan = { stack: stack.name, resources: planned.model.resources, facts: factsOf(planned.model.resources) };
        // Capacity is part of each stack's gate: the platform's pods against the pool planned so
        // far, so a platform that does not fit is never applied onto a cluster too small for it.
        const fits = capacityOutcome(costAndCapacity([...plans, plan])).findings.length === 0;
        const checked = { ...planned, evaluation: { ...planned.evaluation, passed: planned.evaluation.passed && fits } };
        // The hook sees every gated stack (apply shows its changes) and acts only on one that passed.
        const next = options.afterGate ? await options.afterGate({ run, checked }) : "continue";
        // What the stack could not plan before this apply (its `pending` output: the infra
        // namespace before its charts, CRDs before their custom resources) is a new gated round.
        const pending = next === "applied" && checked.hasChanges && round < maxApplyRounds ? await pendingAfterApply(run) : [];
        if (pending.length > 0) {
          step(`${layout.name}/${stack.name}: planning again for what waited on this apply: ${pending.join("; ")}`);
          continue;
        }
        plans.push(plan);
        parts.push({ stack: stack.name, outcomes: checked.evaluation.outcomes });
        statuses.push({ name: stack.name, planned: true, changes: summarizeActions(checked.model), passed: checked.evaluation.passed, ...(options.offline ? { note: "planned offline" } : {}) });
        if (next === "applied") applied.add(stack.name);
        if (next === "stop") blocked = "not planned: the run stopped before it";
        if (!checked.evaluation.passed) blocked = `not planned: the ${stack.name} stack failed the gate`;
        break;
      }
    } finally {
      await run.close();
    }
  }
  const cost = costAndCapacity(plans);
  const outcomes = [...mergeOutcomes(parts), capacityOutcome(cost)];
  const report = assembleReport({
    environment: layout.name,
    tofuVersion,
    offline: options.offline,
    stacks: statuses,
    changes: sumChanges(statuses.flatMap((status) => (status.planned && status.changes ? [status.changes] : []))),
    outcomes,
    cost,
  });
  return { report, inputs };
}

/** Namespaces, then charts with their CRDs, then custom resources. */
export const maxApplyRounds = 3;

/** The configuration's `pending` output after an apply; one without it never waits. */
export async function pendingAfterApply(run: { tofu: Tofu }): Promise<string[]> {
  const pending = (await run.tofu.output()).pending?.value;
  return Array.isArray(pending) ? pending.map(String) : [];
}

/** The capacity verdict as a rule of the gate, so every report format shows it with the policies. */
export function capacityOutcome(cost: CostReport): RuleOutcome {
  return { rule: capacityRule, findings: capacityViolations(cost.capacity).map((violation) => ({ ...violation, ruleId: capacityRule.id, severity: capacityRule.severity })) };
}

const declaresChartMirror = (files: Awaited<ReturnType<typeof loadSources>>) => files.some((file) => !file.inModule && Object.hasOwn((file.body.variable ?? {}) as object, "chart_mirror"));

/** The file of an online-only stack that reads the live platform, and its stand-in for estimates. */
const liveFile = "live.tf";
const footprintFile = join("footprint", "live.tf");

const plannedOutputs = z.object({ planned_values: z.object({ outputs: z.record(z.string(), z.object({ value: z.unknown() }).partial()).default({}) }).default({ outputs: {} }) });

/** The `pending` output as a plan computes it: what its apply would leave for a next round. */
export function pendingInPlan(json: unknown): string[] {
  const pending = plannedOutputs.parse(json).planned_values.outputs.pending?.value;
  return Array.isArray(pending) ? pending.map(String) : [];
}

/**
 * Cost and capacity of a stack that can only plan against the live platform (the platform
 * stack), without it: the same configuration with its live.tf swapped for footprint/live.tf,
 * which points the Kubernetes providers at a local API server the harness starts and stands in
 * for the cluster stack's outputs. Never gated, never applied: an estimate of what would run.
 */
export async function estimateFootprint(layout: EnvironmentLayout, stack: StackSpec, toolchain: Toolchain, inputs: EnvironmentInputs): Promise<PlanModel> {
  if (!existsSync(join(stack.dir, footprintFile))) {
    throw new PlatformError(`${layout.name}/${stack.name} has no ${footprintFile}`, `Add ${footprintFile}: the stand-in for ${liveFile} that estimates need.`);
  }
  const charts = await chartInputs(stack.dir);
  if (declaresChartMirror(await loadSources(stack.dir)) && !charts.variables.chart_mirror) {
    throw new PlatformError(`${chartMirrorVariable} is not set, and an estimate reaches no chart repository`, `Point ${chartMirrorVariable} at a folder of the pinned charts (versions.json) to include the infra layer's charts in the estimate.`);
  }
  step(`estimating the footprint of ${layout.name}/${stack.name} against a local API server`);
  return withCluster({ prefer: "local" }, async (cluster) => {
    const root = await mkdtemp(join(tmpdir(), "doks-platform-footprint-"));
    try {
      const dir = await shadowStack(layout, stack, root, { [liveFile]: await readFile(join(stack.dir, footprintFile), "utf8"), ...localBackend(root) }, [liveFile]);
      const tofu = new Tofu({
        toolchain,
        dir,
        displayDir: `${stack.dir} (footprint estimate)`,
        dataDir: join(root, "data"),
        varFiles: [await stackVarFile(inputs, stack.name, stack.dir, root)],
        variables: { state_passphrase: randomBytes(24).toString("base64url"), footprint_kubeconfig: cluster.kubeconfig, ...charts.variables },
        environment: offlineEnvironment(),
      });
      await tofu.init();
      const planFile = join(root, "plan.tfplan");
      await tofu.plan(planFile, ["-lock=false"]);
      const json = await tofu.showJson(planFile);
      // Charts are planned only once their namespace exists (the `pending` output names them), so
      // their pods would count for nothing in this plan. As a live cluster's first apply would,
      // the plan's namespaces go into the throwaway API server, and the estimate is the plan after
      // that.
      const first = parsePlan(json);
      const pending = pendingInPlan(json);
      if (pending.length === 0) return first;
      const namespaces = first.resources.filter((resource) => resource.type === "kubernetes_namespace_v1" && resource.actions.includes("create"));
      detail(`creating the plan's ${namespaces.length} namespace(s) in the local API server for what waits on them: ${pending.join("; ")}`);
      const namespacesPlan = join(root, "namespaces.tfplan");
      await tofu.plan(namespacesPlan, ["-lock=false", ...namespaces.map((resource) => `-target=${resource.address}`)]);
      await tofu.apply(namespacesPlan);
      await tofu.plan(planFile, ["-lock=false"]);
      return parsePlan(await tofu.showJson(planFile));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
}
