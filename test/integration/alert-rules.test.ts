import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../../harness/paths.ts";
import { ensureTool } from "../../harness/toolchain/index.ts";

const alerts = join(repoRoot, "modules/k8s-config/alerts");
const required = ["BackupJobFailed", "BackupMissing", "VeleroBackupFailed", "VeleroBackupMissing", "RestoreTestFailed", "VeleroRestoreFailed", "CertificateExpiringSoon", "PersistentVolumeFillingUp", "NodeUnderPressure", "PodCrashLooping"];

describe("the platform's alert rules under promtool", () => {
  let promtool: string;
  let scratch: string;

  beforeAll(async () => {
    promtool = await ensureTool("promtool");
    scratch = await mkdtemp(join(tmpdir(), "alert-rules-"));
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("are valid Prometheus rules, and cover every alert the platform promises", async () => {
    const { stdout } = await execa(promtool, ["check", "rules", join(alerts, "platform-rules.yaml")]);
    expect(stdout).toContain("SUCCESS");
    const groups = (parse(await readFile(join(alerts, "platform-rules.yaml"), "utf8")) as { groups: Array<{ rules: Array<{ alert: string }> }> }).groups;
    expect(groups.flatMap((group) => group.rules.map((rule) => rule.alert))).toEqual(expect.arrayContaining(required));
  });

  it("fire on each failure and stay quiet on the healthy case next to it (promtool test rules)", async () => {
    const result = await execa(promtool, ["test", "rules", join(alerts, "platform-rules.test.yaml")], { reject: false, all: true });
    expect(result.all).toContain("SUCCESS");
    expect(result.exitCode).toBe(0);
    const tested = (parse(await readFile(join(alerts, "platform-rules.test.yaml"), "utf8")) as { tests: Array<{ alert_rule_test: Array<{ alertname: string }> }> }).tests;
    expect(new Set(tested.flatMap((test) => test.alert_rule_test.map((check) => check.alertname)))).toEqual(new Set([...required, "CertificateNotReady"]));
  });

  it("catch a weakened rule: the same tests fail when the volume threshold moves from 80 to 95 percent", async () => {
    await cp(join(alerts, "platform-rules.test.yaml"), join(scratch, "platform-rules.test.yaml"));
    const rules = await readFile(join(alerts, "platform-rules.yaml"), "utf8");
    expect(rules).toContain("> 0.80");
    await writeFile(join(scratch, "platform-rules.yaml"), rules.replace("> 0.80", "> 0.95"));
    const result = await execa(promtool, ["test", "rules", join(scratch, "platform-rules.test.yaml")], { reject: false, all: true });
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain("alertname: PersistentVolumeFillingUp");
  });
});
