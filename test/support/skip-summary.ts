import type { Reporter, TestCase, TestModule } from "vitest/node";

/**
 * Ends every run with the tests that did not run and why, so a skip is a visible decision and
 * never a silent pass. Tests skip with a one-line reason: `ctx.skip(!available, "reason")`.
 * Reasons are grouped: one line per reason, with how many tests it skipped.
 */
export default class SkipSummary implements Reporter {
  private readonly reasons = new Map<string, string[]>();

  onTestCaseResult(testCase: TestCase): void {
    const result = testCase.result();
    if (result.state !== "skipped" || testCase.options.mode === "todo") return;
    const reason = result.note ?? "skipped without a reason (use ctx.skip(condition, reason))";
    this.reasons.set(reason, [...(this.reasons.get(reason) ?? []), `${testCase.module.relativeModuleId} > ${testCase.fullName}`]);
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>): void {
    if (this.reasons.size === 0) return;
    const total = [...this.reasons.values()].reduce((sum, tests) => sum + tests.length, 0);
    const lines = [`\nSkipped: ${total} test${total === 1 ? "" : "s"} did not run`];
    for (const [reason, tests] of [...this.reasons].sort((a, b) => b[1].length - a[1].length)) {
      lines.push(`  ${String(tests.length).padStart(3)} × ${reason}`);
      if (process.env.PLATFORM_SKIPPED_VERBOSE) for (const test of tests) lines.push(`        ${test}`);
    }
    process.stdout.write(`${lines.join("\n")}\n`);
  }
}
