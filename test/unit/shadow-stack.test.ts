import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSources } from "../../harness/hcl.ts";
import type { EnvironmentLayout, StackSpec } from "../../harness/layout.ts";
import { shadowStack } from "../../harness/stacks.ts";

/** Every source form tofu reads in a root folder, and files beside them it does not read. */
const sources: Record<string, string> = {
  "main.tf": 'variable "size" {\n  type = string\n}\n',
  // Shadows main.tf: tofu reads this one instead.
  "main.tofu": 'variable "size" {\n  type = number\n}\n',
  "extra.tf.json": '{ "locals": { "from_json": 1 } }\n',
  "extra.tofu.json": '{ "locals": { "from_tofu_json": 2 } }\n',
  "only.tofu": 'output "only" {\n  value = 1\n}\n',
  "live.tf": 'output "live" {\n  value = "online"\n}\n',
  "terraform.tfvars": "size = 1\n",
  "records.auto.tfvars.json": '{ "size": 2 }\n',
};
const notSources: Record<string, string> = { "README.md": "# stack\n", "terraform.tfvars.example": "size = 3\n", "notes.txt": "x\n" };

/**
 * Offline and footprint plans run on a copy of the stack: a form the copy drops (a .tofu
 * override, a JSON file, an auto-loaded variable file) would make them plan something else
 * than the online run, which reads the folder itself.
 */
describe("shadowStack", () => {
  let base: string;
  let stack: StackSpec;
  const layout = { name: "staging" } as EnvironmentLayout;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), "shadow-stack-"));
    stack = { name: "platform", dir: join(base, "environments/staging/platform") } as StackSpec;
    await mkdir(join(stack.dir, "tests"), { recursive: true });
    await mkdir(join(stack.dir, "footprint"));
    for (const [name, text] of Object.entries({ ...sources, ...notSources })) await writeFile(join(stack.dir, name), text);
    await writeFile(join(stack.dir, "tests/plan.tftest.hcl"), 'run "plan" {\n  command = plan\n}\n');
    await writeFile(join(stack.dir, "footprint/live.tf"), 'output "live" {\n  value = "footprint"\n}\n');
  });

  afterEach(() => rm(base, { recursive: true, force: true }));

  const asRead = async (dir: string) => (await loadSources(dir)).map((file) => ({ name: basename(file.path), role: file.role, shadowed: file.shadowed ?? false, body: file.body }));

  it("copies every source form, and nothing else", async () => {
    const dir = await shadowStack(layout, stack, join(base, "shadow"), {});
    expect((await readdir(dir)).sort()).toEqual(Object.keys(sources).sort());
    expect(await asRead(dir)).toEqual(await asRead(stack.dir));
  });

  it("writes the override files and leaves out the files they replace", async () => {
    const dir = await shadowStack(layout, stack, join(base, "shadow"), { "live.tf": 'output "live" {\n  value = "footprint"\n}\n', "backend_override.tf": "terraform {}\n" }, ["live.tf"]);
    expect((await readdir(dir)).sort()).toEqual([...Object.keys(sources), "backend_override.tf"].sort());
    const read = await asRead(dir);
    expect(read.find((file) => file.name === "live.tf")?.body).toEqual({ output: { live: [{ value: "footprint" }] } });
    expect(read.filter((file) => !["live.tf", "backend_override.tf"].includes(file.name))).toEqual((await asRead(stack.dir)).filter((file) => file.name !== "live.tf"));
  });
});
