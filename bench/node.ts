import { startNode } from "../harness/cluster/node.ts";
import { nodeSupport } from "../harness/host/support.ts";
import { figure, seconds } from "./figures.ts";

/**
 * The node kind's start-up: the first start in this process (components and images cached by
 * the toolchain, page cache cold for them) and warm starts after it, with the phases of the
 * last one. Every start is a fresh node: new PKI, empty etcd, images imported anew.
 */
export async function runNodeBench(options: { runs: number }): Promise<void> {
  const support = await nodeSupport();
  if (!support.ok) {
    console.log(`bench: node skipped (${support.reason})`);
    return;
  }
  const startStop = async () => {
    const node = await startNode();
    const timings = node.timings;
    await node.stop();
    return timings;
  };
  figure("node-up-first", await seconds(startStop), "s");
  const samples: number[] = [];
  let timings: Record<string, number> = {};
  for (let run = 0; run < options.runs; run++) {
    timings = await startStop();
    samples.push(timings.up!);
  }
  samples.sort((a, b) => a - b);
  figure("node-up-warm", samples[Math.floor(samples.length / 2)]!, "s");
  for (const [phase, at] of Object.entries(timings)) figure(`node-up-warm-${phase}-at`, at, "s");
}
