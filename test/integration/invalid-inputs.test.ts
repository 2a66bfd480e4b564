import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadSources, requiredProviderSources } from "../../harness/hcl.ts";
import { repoRoot } from "../../harness/paths.ts";
import { Tofu } from "../../harness/tofu.ts";
import { ensurePlanToolchain, providerAvailable, providerMirrorVariable } from "../../harness/toolchain/index.ts";

/**
 * The invalid-configuration matrix: for every module, every variable with a validation block
 * has invalid values in tests/invalid-inputs.json, and each one is its own `tofu test` run
 * that expects exactly that variable to be refused at plan time. A validated input without
 * invalid values fails here, and so does an invalid value the module accepts.
 */
interface Matrix {
  valid: Record<string, unknown>;
  invalid: Record<string, unknown[]>;
}

const modulesDir = join(repoRoot, "modules");
const modules = readdirSync(modulesDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
// JSON is a subset of HCL's expression syntax, except that "${" starts a template in HCL.
const literal = (value: unknown) => JSON.stringify(value).replaceAll("${", "$${").replaceAll("%{", "%%{");
// {"$expression": "..."} is written as HCL: a value built at plan time (a PEM-shaped key) that
// no committed file holds as text.
const hcl = (value: unknown) => (value !== null && typeof value === "object" && "$expression" in value ? String((value as { $expression: unknown }).$expression) : literal(value));
const totals = { tried: 0, rejected: 0 };

afterAll(() => {
  console.log(`invalid-configuration matrix: ${totals.tried} invalid inputs tried, ${totals.rejected} rejected`);
});

describe.each(modules)("module %s refuses invalid inputs", (module) => {
  const dir = join(modulesDir, module);

  it("lists invalid values for every validated input, and each is refused at plan time", async (ctx) => {
    const sources = (await loadSources(dir)).filter((file) => !file.inModule);
    const validated = sources.flatMap((file) => Object.entries((file.body.variable ?? {}) as Record<string, Array<{ validation?: unknown[] }>>).filter(([, [declaration]]) => (declaration?.validation ?? []).length > 0).map(([name]) => name));
    const matrixFile = join(dir, "tests/invalid-inputs.json");
    if (validated.length === 0) return;
    expect(existsSync(matrixFile), `${module} has validated inputs but no tests/invalid-inputs.json`).toBe(true);
    const matrix = JSON.parse(readFileSync(matrixFile, "utf8")) as Matrix;
    const missing = validated.filter((name) => (matrix.invalid[name] ?? []).length === 0);
    expect(missing, `validated inputs of ${module} without invalid values in tests/invalid-inputs.json`).toEqual([]);
    // mock_provider still loads the real provider for its schema: the DigitalOcean one only a mirror supplies here.
    const unsupplied = requiredProviderSources(sources).filter((source) => !providerAvailable(source));
    ctx.skip(unsupplied.length > 0, `${providerMirrorVariable} does not supply ${unsupplied.join(", ")}: the invalid-input matrix of modules/${module} was not planned`);

    const runs = Object.entries(matrix.invalid).flatMap(([name, values]) => values.map((value, index) => ({ name, value, run: `invalid_${name}_${index}` })));
    const providers = requiredProviderSources(sources).map((source) => source.split("/")[1]!);
    const test = [
      ...providers.map((provider) => `mock_provider "${provider}" {}`),
      `variables {\n${Object.entries(matrix.valid).map(([name, value]) => `  ${name} = ${hcl(value)}`).join("\n")}\n}`,
      ...runs.map(({ name, value, run }) => `run "${run}" {\n  command = plan\n  variables {\n    ${name} = ${hcl(value)}\n  }\n  expect_failures = [var.${name}]\n}`),
    ].join("\n\n");

    // A copy of modules/ (a module may call its siblings), with only the generated test in it.
    const work = await mkdtemp(join(tmpdir(), "invalid-inputs-"));
    try {
      await cp(modulesDir, join(work, "modules"), { recursive: true, filter: (src) => !src.includes(".terraform") });
      const copy = join(work, "modules", module);
      await rm(join(copy, "tests"), { recursive: true, force: true });
      await mkdir(join(copy, "matrix-tests"));
      await writeFile(join(copy, "matrix-tests", "invalid-inputs.tftest.hcl"), `${test}\n`);
      const tofu = new Tofu({ toolchain: await ensurePlanToolchain(dir), dir: copy, dataDir: join(work, "data") });
      await tofu.init();
      const result = await tofu.run(["test", "-no-color", "-test-directory=matrix-tests"], "test", "An invalid input was accepted: see the run named above.", { reject: false });
      const output = String(result.all ?? "");
      const passed = Number(output.match(/(\d+) passed, \d+ failed/)?.[1] ?? 0);
      const accepted = [...output.matchAll(/run "(invalid_[^"]+)"\.\.\. fail/g)].map((m) => runs.find((r) => r.run === m[1]));
      totals.tried += runs.length;
      totals.rejected += passed;
      expect(accepted.map((r) => `${r?.name} = ${JSON.stringify(r?.value)}`), `${module} accepted these invalid inputs`).toEqual([]);
      expect(passed).toBe(runs.length);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    // One plan per invalid value: a module with a couple of hundred takes minutes on 2 cores.
  }, 900_000);
});
