import pc from "picocolors";

/** Progress goes to stderr so stdout stays clean for reports that users may pipe. */
export function step(message: string): void {
  process.stderr.write(`${pc.cyan("›")} ${message}\n`);
}

export function detail(message: string): void {
  process.stderr.write(`  ${pc.dim(message)}\n`);
}

export async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  step(label);
  const result = await work();
  detail(`${label}: done in ${formatSeconds(performance.now() - started)}`);
  return result;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
