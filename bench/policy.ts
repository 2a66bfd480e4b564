import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { z } from "zod";
import { withCluster } from "../harness/cluster/index.ts";
import { PlatformError, tail } from "../harness/errors.ts";
import { environmentDir, openEnvironment, planStandalone, policyInput } from "../harness/environment.ts";
import { loadSources } from "../harness/hcl.ts";
import { repoRoot } from "../harness/paths.ts";
import { parsePlan, type PlannedResource } from "../harness/plan.ts";
import { evaluate, loadRules, policiesDir, policyFolders } from "../harness/policy/engine.ts";
import { loadRegoRules } from "../harness/policy/rego.ts";
import { factsOf } from "../harness/policy/facts.ts";
import type { PolicyInput, Rule } from "../harness/policy/types.ts";
import { detail, step } from "../harness/progress.ts";
import { ensurePlanToolchain, ensureTool } from "../harness/toolchain/index.ts";
import { figure, timeMs } from "./figures.ts";


/** The real configurations the repository plans without a cluster: policy and test fixtures. */
function fixtureDirs(): string[] {
  const dirs: string[] = [];
  for (const policy of readdirSync(policiesDir, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    for (const kind of ["pass", "fail", "classes"]) dirs.push(join(policiesDir, policy.name, "fixtures", kind));
  }
  for (const fixture of readdirSync(join(repoRoot, "test/fixtures"))) dirs.push(join(repoRoot, "test/fixtures", fixture));
  return dirs.filter((dir) => existsSync(dir) && readdirSync(dir).some((file) => file.endsWith(".tf")));
}

/** Copies of a real plan's resources under distinct addresses and names, up to `count`. */
export function scalePlan(resources: PlannedResource[], count: number): PlannedResource[] {
  return Array.from({ length: count }, (_, i) => {
    const original = resources[i % resources.length]!;
    const copy = Math.floor(i / resources.length);
    const values = structuredClone(original.values);
    const metadata = (values.metadata as Array<Record<string, unknown>> | undefined)?.[0];
    if (metadata && typeof metadata.name === "string") metadata.name = `${metadata.name}-${copy}`;
    return { ...original, address: `${original.address}-${copy}`, values };
  });
}

const conftestOutput = z.array(z.object({ failures: z.array(z.unknown()).optional() }));

/**
 * conftest on the same rules and input. Its runs are timed only once a first run is known to have
 * evaluated every rule: conftest exits 1 both when rules deny and when it cannot run them, so the
 * baseline must report exactly the findings ours does, or it measures an error.
 */
async function conftestMs(conftest: string, regoRules: Rule[], input: PolicyInput, runs: number, expectedFindings: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "bench-conftest-"));
  try {
    const { sources: _sources, ...planInput } = input;
    const file = join(dir, "input.json");
    await writeFile(file, JSON.stringify(planInput));
    const policies = regoRules.flatMap((rule) => ["--policy", join(rule.folder, "policy.rego")]);
    const run = () => execa(conftest, ["test", "--all-namespaces", "--no-color", "--output", "json", ...policies, file], { reject: false });
    const first = await run();
    const parsed = conftestOutput.safeParse(JSON.parse(first.stdout || "null"));
    const findings = parsed.success ? parsed.data.reduce((sum, result) => sum + (result.failures?.length ?? 0), 0) : undefined;
    if (findings !== expectedFindings) {
      throw new PlatformError(`conftest did not evaluate the rules as the gate does (${findings ?? "no"} findings, the gate has ${expectedFindings}): ${tail(first.stderr)}`, "A baseline that stops early is no baseline: fix what conftest names above (a rule conftest cannot query, a rule only opa-wasm accepts).");
    }
    return await timeMs(runs, run);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runPolicyBench(options: { runs: number }): Promise<void> {
  const toolchain = await ensurePlanToolchain();
  const conftest = await ensureTool("conftest");
  const rules = await loadRules(toolchain.opa);
  const regoRules = rules.filter((rule) => rule.kind === "rego");

  step("planning every fixture and environments/local to find the largest real plan");
  let largest = { dir: "", input: undefined as PolicyInput | undefined };
  for (const dir of fixtureDirs()) {
    // Fixtures that render charts or encrypt their state need inputs the tests supply (a control
    // plane, a key); they are smaller than environments/local, which is planned below anyway.
    const declared = (await loadSources(dir)).flatMap((file) => Object.keys((file.body.variable ?? {}) as object));
    if (declared.includes("kubeconfig_path") || declared.includes("state_passphrase")) continue;
    const input = await policyInput("bench", dir, await planStandalone(dir));
    if (!largest.input || input.resources.length > largest.input.resources.length) largest = { dir, input };
  }
  // The local environment is the largest real configuration; it plans against a local control plane.
  const local = await withCluster({ prefer: "local" }, async (cluster) => {
    const run = await openEnvironment("local", cluster, await ensurePlanToolchain(environmentDir("local")));
    await run.tofu.plan(run.planFile);
    return policyInput("bench", run.dir, parsePlan(await run.tofu.showJson(run.planFile)));
  });
  if (local.resources.length > largest.input!.resources.length) largest = { dir: join(repoRoot, "environments/local"), input: local };
  const real = largest.input!;
  detail(`largest real plan: ${largest.dir.replace(`${repoRoot}/`, "")} (${real.resources.length} resources)`);

  const evaluateAll = (input: PolicyInput) => evaluate(rules, { ...input, facts: factsOf(input.resources) });
  figure("policy-eval-real-plan", await timeMs(options.runs, () => evaluateAll(real)), "ms");
  figure("real-plan-resources", real.resources.length, "resources");

  const sizes = [1_000, 2_500, 5_000, 10_000];
  const perSize = new Map<number, number>();
  for (const size of sizes) {
    step(`evaluating a generated ${size}-resource plan`);
    const input = { ...real, resources: scalePlan(real.resources, size) };
    perSize.set(size, await timeMs(options.runs, () => evaluateAll(input)));
    figure(`policy-eval-${size}`, perSize.get(size)!, "ms");
  }
  // 1.0 is perfectly linear; above 1 means the cost per resource grows with the plan.
  figure("growth-10000-vs-1000", perSize.get(10_000)! / (10 * perSize.get(1_000)!), "ratio");

  step(`conftest ${conftest.split("/").at(-2)} on the same ${regoRules.length} Rego rules and the same 10000-resource input`);
  const big = { ...real, resources: scalePlan(real.resources, 10_000) };
  big.facts = factsOf(big.resources);
  // A fresh input object per run: the engine evaluates the Rego rules once per input object.
  let gateFindings = 0;
  const oursRego = await timeMs(options.runs, async () => {
    gateFindings = (await evaluate(regoRules, { ...big })).findings.length;
  });
  // What one `make plan` pays: the rules loaded (compiled wasm from the cache) and evaluated once.
  const firstRego = await timeMs(options.runs, async () => evaluate(await loadRegoRules(toolchain.opa, policyFolders().rego), { ...big }));
  const theirs = await conftestMs(conftest, regoRules, big, Math.max(3, Math.ceil(options.runs / 2)), gateFindings);
  figure("rego-eval-10000", oursRego, "ms");
  figure("rego-first-eval-10000", firstRego, "ms");
  figure("conftest-10000", theirs, "ms");
  figure("ratio-vs-conftest-10000", oursRego / theirs, "ratio");
  figure("ratio-first-eval-vs-conftest-10000", firstRego / theirs, "ratio");
}
