import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PlatformError } from "../harness/errors.ts";
import { loadSources } from "../harness/hcl.ts";
import { exampleFileName } from "../harness/inputs.ts";
import { environmentLayout } from "../harness/layout.ts";
import { loadRules } from "../harness/policy/engine.ts";
import { detail, step } from "../harness/progress.ts";
import { planStacked } from "../harness/stacks.ts";
import { ensureTool, providerAvailable, providerMirrorVariable } from "../harness/toolchain/index.ts";
import { figure, seconds } from "./figures.ts";

/** The toggles the cluster stack's components variable declares: every component and app that exists today. */
async function componentNames(stackDir: string): Promise<string[]> {
  const files = await loadSources(stackDir);
  const declaration = files.flatMap((file) => ((file.body.variable ?? {}) as Record<string, Array<{ type?: string }>>).components ?? [])[0];
  const names = [...String(declaration?.type ?? "").matchAll(/(\w+)\s*=\s*optional\(bool/g)].map((match) => match[1]!);
  if (names.length === 0) throw new PlatformError("environments/production/cluster declares no components toggles", "The bench reads them from variable \"components\".");
  return names;
}

/**
 * The monthly bill and memory headroom of production's default footprint with every component
 * and app switched on: the cluster stack planned offline, the platform stack's footprint
 * planned against a local API server, priced with the pinned table (target: <= $80/month).
 */
export async function runProductionBench(): Promise<void> {
  if (!providerAvailable("digitalocean/digitalocean")) {
    detail(`skipped production cost and capacity: ${providerMirrorVariable} does not supply digitalocean/digitalocean`);
    return;
  }
  const layout = environmentLayout("production");
  const rules = await loadRules(await ensureTool("opa"));
  const dir = await mkdtemp(join(tmpdir(), "bench-production-"));
  try {
    const everything = Object.fromEntries((await componentNames(layout.stacks[0]!.dir)).map((name) => [name, true]));
    const allOn = join(dir, "all-components.tfvars.json");
    // With Mailu on, the cluster stack publishes its mail records itself (modules/mail-dns).
    await writeFile(allOn, JSON.stringify({ components: everything }));
    step(`planning production offline with every component on: ${Object.keys(everything).join(", ")}`);
    let outcome: Awaited<ReturnType<typeof planStacked>> | undefined;
    const elapsed = await seconds(async () => {
      outcome = await planStacked(layout, rules, { offline: true, varFiles: [join(layout.dir, exampleFileName), allOn] });
    });
    // A gate that failed stops at the first stack: a figure then would understate the cost.
    if (!outcome!.report.passed) throw new PlatformError(`production with every component on failed the gate: ${outcome!.report.findings.map((finding) => `${finding.ruleId} ${finding.address}`).join("; ")}`, "Run make plan ENV=production OFFLINE=1 with the same inputs to see why.");
    const cost = outcome!.report.cost!;
    const capacity = cost.capacity;
    figure("cost-production-monthly", cost.total.min, "usd");
    figure("cost-production-monthly-max", cost.total.max, "usd");
    figure("capacity-production-memory-headroom", capacity.headroom.memoryPercent, "percent");
    figure("capacity-production-cpu-headroom", capacity.headroom.cpuPercent, "percent");
    figure("plan-production-offline", elapsed, "s");
    detail(`target <= $80/month at the pool's minimum: ${cost.total.min <= 80 ? "met" : "NOT met"}; ${capacity.workloads.length} workloads, ${capacity.requests.memoryMiB} MiB requested + ${capacity.burst.memoryMiB} MiB largest job of ${capacity.available.memoryMiB} MiB`);
    for (const status of outcome!.report.stacks) detail(`${status.name}: ${status.planned ? "planned" : "not planned"}${status.note ? ` (${status.note})` : ""}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
