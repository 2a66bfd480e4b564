import { readdirSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/paths.ts";

// The backup and restore scripts run in three different images (bash, dash, busybox ash):
// shellcheck holds each to the shell its shebang names.
const dir = join(repoRoot, "modules/data/scripts");

describe.each(readdirSync(dir).filter((file) => file.endsWith(".sh")))("%s", (file) => {
  it("passes shellcheck for the shell it runs in", async () => {
    const result = await execa("shellcheck", ["-x", "-P", "SCRIPTDIR", "--shell", file.startsWith("mariadb-") ? "bash" : "sh", join(dir, file)], { reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
  });
});

// The stand-in images' entrypoints: each held to the shell its shebang names.
const standinFiles = join(repoRoot, "harness/images/files");
describe.each(readdirSync(standinFiles).flatMap((image) => readdirSync(join(standinFiles, image)).map((file) => `${image}/${file}`)))("stand-in %s", (file) => {
  it("passes shellcheck", async () => {
    const result = await execa("shellcheck", [join(standinFiles, file)], { reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
  });
});
