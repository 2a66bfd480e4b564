import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/paths.ts";

// Every shell script a module ships runs in some image's shell (bash, dash, busybox ash):
// shellcheck holds each to the shell its shebang names (sh when it has none: a sourced library).
const { stdout } = await execa("git", ["ls-files", "--cached", "--others", "--exclude-standard", "modules/*.sh"], { cwd: repoRoot });
const scripts = stdout.split("\n").filter(Boolean);
const shellOf = (file: string) => (/^#!.*\bbash\b/.test(readFileSync(join(repoRoot, file), "utf8").split("\n", 1)[0]!) ? "bash" : "sh");

it("finds the modules' scripts", () => {
  expect(scripts.length).toBeGreaterThan(5);
});

describe.each(scripts)("%s", (file) => {
  it("passes shellcheck for the shell it runs in", async () => {
    const result = await execa("shellcheck", ["-x", "-P", "SCRIPTDIR", "--shell", shellOf(file), join(repoRoot, file)], { reject: false, all: true });
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
