import { describe, expect, it } from "vitest";
import { platform } from "../support/tree.ts";

// `make e2e` as the nightly workflow runs it: its own process, its exit code, its report.
describe("platform e2e (make e2e)", () => {
  it("applies environments/local, re-plans to nothing, backs up and restore-tests every database, destroys, and leaves nothing", async () => {
    const result = await platform(["e2e", "--cluster", "local"]);
    // The command's own timing report, passed through for whoever reads the test log.
    console.log(result.all.split("\n").filter((line) => line.startsWith("bench: ")).join("\n"));
    expect(result.exitCode, result.all).toBe(0);
    for (const step of ["e2e-up", "e2e-apply", "e2e-replan", "e2e-backup-restore", "e2e-destroy"]) expect(result.all).toMatch(new RegExp(`^bench: ${step} \\d+(\\.\\d+)? s$`, "m"));
    expect(result.all).toMatch(/^ok +n8n \(postgres\): n8n-backup\/dump ok, n8n-backup\/upload ok, n8n-restore-test\/fetch ok, n8n-restore-test\/restore-check ok$/m);
    expect(result.all).toMatch(/^ok +wordpress \(mariadb\): .*wordpress-restore-test\/restore-check ok$/m);
    expect(result.all).not.toContain("left behind");
    expect(result.all).toContain("e2e passed");
  });
});
