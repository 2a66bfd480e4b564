/** One figure per line, `bench: <name> <value> <unit>`, for people and for scripts alike. */
export function figure(name: string, value: number, unit: string): void {
  console.log(`bench: ${name} ${Number(value.toPrecision(4))} ${unit}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median of `runs` timed runs after one warm-up run (JIT, wasm tiering, file cache). */
export async function timeMs(runs: number, work: () => Promise<unknown>): Promise<number> {
  await work();
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

/** Wall-clock seconds of one run. */
export async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}
