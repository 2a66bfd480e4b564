import { readdirSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/paths.ts";

// The backup and restore scripts run in three different images (bash, dash, busybox ash):
// shellcheck holds each to the shell its shebang names.
const dirs = [join(repoRoot, "modules/data/scripts"), join(repoRoot, "modules/mailu/scripts")];

const scripts = dirs.flatMap((dir) => readdirSync(dir).filter((file) => file.endsWith(".sh")).map((file) => join(dir, file)));

describe.each(scripts.map((path) => [relative(repoRoot, path), path]))("%s", (_name, path) => {
  it("passes shellcheck for the shell it runs in", async () => {
    const result = await execa("shellcheck", ["-x", "-P", "SCRIPTDIR", "--shell", basename(path).startsWith("mariadb-") ? "bash" : "sh", path], { reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
  });
});
