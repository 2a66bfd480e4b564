import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cluster } from "./cluster/index.ts";
import { PlatformError } from "./errors.ts";
import { environmentDir } from "./layout.ts";
import { workDir } from "./paths.ts";
import { parsePlan, type PlanModel, type PlannedResource } from "./plan.ts";
import { evaluate, type Evaluation } from "./policy/engine.ts";
import { helmSources, withChartDependencies } from "./policy/charts.ts";
import { factsOf } from "./policy/facts.ts";
import type { PolicyInput, Rule } from "./policy/types.ts";
import { loadSources } from "./hcl.ts";
import { isBlocking, loadWaivers, waiverFileName, type WaiverSet } from "./policy/waivers.ts";
import { requireRemoteState, statePassphrase } from "./state.ts";
import { Tofu } from "./tofu.ts";
import { chartAvailability, chartMirrorFromEnv, mirrorLocation, requireCharts, type ChartAvailability } from "./toolchain/charts.ts";
import { ensurePlanToolchain, type Toolchain } from "./toolchain/index.ts";
import { loadVersions } from "./toolchain/versions.ts";

export { environmentDir, environmentsDir, listEnvironments } from "./layout.ts";

export interface EnvironmentRun {
  name: string;
  dir: string;
  tofu: Tofu;
  planFile: string;
  /** Charts this environment plans without (only where it declares charts_available), each with the reason. */
  leftOut: Array<Extract<ChartAvailability, { available: false }>>;
}

export interface ChartInputs {
  variables: Record<string, string>;
  leftOut: EnvironmentRun["leftOut"];
}

/**
 * The chart inputs a root configuration declares. chart_mirror: the verified mirror, when
 * PLATFORM_CHART_MIRROR is set. charts_available: the charts that can be had; an environment
 * that declares it (local) plans without the others. One that declares only chart_mirror
 * (production) never plans partially: every pinned chart must be in the mirror.
 */
export async function chartInputs(dir: string): Promise<ChartInputs> {
  const declared = new Set(
    (await loadSources(dir)).filter((file) => !file.inModule).flatMap((file) => Object.keys((file.body.variable ?? {}) as Record<string, unknown>)),
  );
  if (!declared.has("chart_mirror") && !declared.has("charts_available")) return { variables: {}, leftOut: [] };
  const pins = loadVersions().charts;
  const mirror = chartMirrorFromEnv();
  const variables: Record<string, string> = mirror && declared.has("chart_mirror") ? { chart_mirror: mirrorLocation(mirror) } : {};
  if (!declared.has("charts_available")) {
    await requireCharts(pins, mirror);
    return { variables, leftOut: [] };
  }
  const availability = await chartAvailability(pins, mirror);
  variables.charts_available = JSON.stringify(availability.filter((chart) => chart.available).map((chart) => chart.key));
  return { variables, leftOut: availability.filter((chart): chart is EnvironmentRun["leftOut"][number] => !chart.available) };
}

/**
 * Initialises an environment against a cluster. A cluster the harness started lives for one
 * run, and so does its state (in the cluster's temp folder). A named context is a real cluster:
 * its state must be in the environment's remote, locking backend, or nothing runs.
 */
export async function openEnvironment(name: string, cluster: Cluster, toolchain: Toolchain, options: { stream?: boolean; variables?: Record<string, string> } = {}): Promise<EnvironmentRun> {
  const dir = environmentDir(name);
  const persistent = cluster.kind === "kubeconfig";
  const runDir = persistent ? join(workDir, name, cluster.context ?? "default") : join(cluster.kubeconfig, "..");
  if (persistent) requireRemoteState(name, cluster.context ?? "(current)", await loadSources(dir), join(runDir, "terraform.tfstate"));
  await mkdir(runDir, { recursive: true });
  const charts = await chartInputs(dir);
  const tofu = new Tofu({
    toolchain,
    dir,
    stream: options.stream ?? false,
    variables: {
      kubeconfig_path: cluster.kubeconfig,
      ...(cluster.context ? { kube_context: cluster.context } : {}),
      state_passphrase: await statePassphrase(),
      ...charts.variables,
      ...options.variables,
    },
  });
  await tofu.init(persistent ? {} : { path: join(runDir, "terraform.tfstate") });
  return { name, dir, tofu, planFile: join(runDir, "plan.tfplan"), leftOut: charts.leftOut };
}

export async function policyInput(environment: string, dir: string, model: PlanModel): Promise<PolicyInput> {
  const sources = await loadSources(dir);
  const resources = withChartDependencies(model.resources, dir);
  return { environment, variables: model.variables, resources, facts: factsOf(resources), sources, helmSources: helmSources(sources) };
}

export interface CheckedPlan {
  model: PlanModel;
  evaluation: Evaluation;
  hasChanges: boolean;
  /** Set when tofu could not plan, yet the source rules already fail the gate on the HCL alone. */
  planError?: string;
}

/**
 * Resources of stacks planned before this one, which rules may need to see (a stack's Mailu
 * beside the records an earlier stack publishes). Each is named `<stack>: <address>`; they were
 * judged in their own stack, so findings on them are not repeated here.
 */
export interface PlanContext {
  resources: PlannedResource[];
}

/** The environment's own waiver file, unless CI points at the base branch's copy. */
export function environmentWaivers(run: Pick<EnvironmentRun, "dir">, file?: string): WaiverSet {
  return loadWaivers(file ?? join(run.dir, waiverFileName));
}

/**
 * Plans, reads the saved plan back as JSON and runs every policy over it, with the environment's
 * waivers. When tofu cannot plan (a Bitnami chart from a repository it cannot reach, say), the
 * rules still judge the HCL: if that alone fails the gate, the gate fails (exit 1) and names the
 * finding, instead of leaving the user with only a download error.
 */
export async function planAndCheck(run: EnvironmentRun, rules: Rule[], waivers: WaiverSet = environmentWaivers(run), context: PlanContext = { resources: [] }): Promise<CheckedPlan> {
  let hasChanges: boolean;
  try {
    hasChanges = await run.tofu.plan(run.planFile);
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    const model: PlanModel = { tofuVersion: "", variables: {}, resources: [] };
    const evaluation = await evaluate(rules, await policyInput(run.name, run.dir, model), waivers);
    if (evaluation.passed) throw error;
    return { model, evaluation, hasChanges: false, planError: error.message };
  }
  const model = parsePlan(await run.tofu.showJson(run.planFile));
  const input = await policyInput(run.name, run.dir, { ...model, resources: [...context.resources, ...model.resources] });
  const judged = await evaluate(rules, input, waivers);
  const earlier = new Set(context.resources.map((resource) => resource.address));
  const outcomes = judged.outcomes.map((outcome) => ({ ...outcome, findings: outcome.findings.filter((finding) => !earlier.has(finding.address)) }));
  const findings = outcomes.flatMap((outcome) => outcome.findings);
  return { model, evaluation: { outcomes, findings, passed: !findings.some(isBlocking) }, hasChanges };
}

/**
 * Plans a root configuration that needs no state (policy fixtures, benchmark inputs): init into
 * a temp data dir, plan without refresh, and return the typed plan. A configuration that renders
 * charts needs an API server: pass its kubeconfig as a variable.
 */
export async function planStandalone(dir: string, variables: Record<string, string> = {}): Promise<PlanModel> {
  const toolchain = await ensurePlanToolchain(dir);
  const dataDir = await mkdtemp(join(tmpdir(), "doks-platform-plan-"));
  try {
    const tofu = new Tofu({ toolchain, dir, dataDir, variables });
    await tofu.init();
    const planFile = join(dataDir, "plan.tfplan");
    await tofu.plan(planFile, ["-lock=false", "-refresh=false"]);
    return parsePlan(await tofu.showJson(planFile));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** A fixture or benchmark configuration planned standalone, as the policies see it. */
export async function standaloneInput(dir: string, environment = "fixture", variables: Record<string, string> = {}): Promise<PolicyInput> {
  return policyInput(environment, dir, await planStandalone(dir, variables));
}
