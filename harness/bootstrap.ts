import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { confirmByTyping } from "./confirm.ts";
import { policyInput } from "./environment.ts";
import { PlatformError } from "./errors.ts";
import { loadInputs, stackVarFile } from "./inputs.ts";
import type { EnvironmentLayout } from "./layout.ts";
import { parsePlan } from "./plan.ts";
import { evaluate } from "./policy/engine.ts";
import type { Rule } from "./policy/types.ts";
import { loadWaivers, waiverFileName } from "./policy/waivers.ts";
import { detail, step } from "./progress.ts";
import { renderChanges, verdict, buildReport, renderConsole } from "./report/index.ts";
import { createSpacesKey, probeConditionalWrites, type SpacesKey } from "./spaces.ts";
import { localBackend, shadowStack } from "./stacks.ts";
import { Tofu } from "./tofu.ts";
import { ensurePlanToolchain } from "./toolchain/index.ts";

/**
 * Phase 0 of a new platform: the state bucket and the first Spaces key, which everything else
 * needs before it can run (the S3 backend needs the bucket; bucket resources need a key).
 *
 *   1. A Spaces key (fullaccess, "<name>-tofu") through the DigitalOcean API, unless
 *      SPACES_ACCESS_KEY_ID/SECRET are set; written to a 0600 file, never printed.
 *   2. The stack's state bucket, planned with a throwaway local backend, gated by the same
 *      policies, confirmed and applied: the bucket is a resource of the stack like any other.
 *   3. Conditional writes probed on the new bucket (what use_lockfile relies on).
 *   4. That first state moved into the bucket (`tofu init -migrate-state`), and the temp folder gone.
 * Run again, it finds the state in the bucket and stops: bootstrapping is idempotent.
 */
export interface BootstrapOptions {
  credentialsFile: string;
  autoApprove: boolean;
  varFiles?: string[];
}

function requireEnv(names: string[]): void {
  const missing = names.filter((name) => !process.env[name]);
  if (missing.length > 0) throw new PlatformError(`bootstrap needs ${missing.join(", ")}`, "Export them (the token needs read/write scope; the passphrase encrypts state and plans, >= 16 characters) and run it again.");
}

async function saveKey(file: string, key: SpacesKey): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // wx: never overwrite a key file that may be the only copy of a secret.
  await writeFile(file, `# Spaces key ${key.name}: the bootstrap key OpenTofu uses for the state and the buckets.\nexport SPACES_ACCESS_KEY_ID=${key.accessKey}\nexport SPACES_SECRET_ACCESS_KEY=${key.secretKey}\n`, { mode: 0o600, flag: "wx" });
}

export async function obtainBootstrapKey(name: string, credentialsFile: string): Promise<SpacesKey> {
  if (process.env.SPACES_ACCESS_KEY_ID && process.env.SPACES_SECRET_ACCESS_KEY) {
    detail("using the Spaces key in SPACES_ACCESS_KEY_ID");
    return { name: "(from the environment)", accessKey: process.env.SPACES_ACCESS_KEY_ID, secretKey: process.env.SPACES_SECRET_ACCESS_KEY };
  }
  if (existsSync(credentialsFile)) {
    throw new PlatformError(`${credentialsFile} exists but SPACES_ACCESS_KEY_ID is not set`, `source ${credentialsFile} and run the bootstrap again (it never overwrites a key file).`);
  }
  const key = await createSpacesKey(`${name}-tofu`, process.env.DIGITALOCEAN_TOKEN!);
  await saveKey(credentialsFile, key);
  step(`created Spaces key ${key.name}; its id and secret are in ${credentialsFile} (mode 0600): source it before every run`);
  return key;
}

export async function bootstrapEnvironment(layout: EnvironmentLayout, rules: Rule[], options: BootstrapOptions): Promise<"bootstrapped" | "already" | "gate failed"> {
  if (!layout.bootstrap) throw new PlatformError(`${layout.name} has no bootstrap in stacks.yaml`, "Only stacked environments with a state bucket are bootstrapped.");
  requireEnv(["DIGITALOCEAN_TOKEN", "TF_VAR_state_passphrase"]);
  const { stack, target } = layout.bootstrap;
  const inputs = await loadInputs(layout, { offline: false, ...(options.varFiles ? { varFiles: options.varFiles } : {}) });
  const name = String(inputs.values.name ?? "");
  const region = String(inputs.values.region ?? "fra1");
  const toolchain = await ensurePlanToolchain(stack.dir);
  const key = await obtainBootstrapKey(name, options.credentialsFile);
  const root = await mkdtemp(join(tmpdir(), "doks-platform-bootstrap-"));
  const credentials = { SPACES_ACCESS_KEY_ID: key.accessKey, SPACES_SECRET_ACCESS_KEY: key.secretKey, AWS_ACCESS_KEY_ID: key.accessKey, AWS_SECRET_ACCESS_KEY: key.secretKey };
  try {
    const varFiles = [await stackVarFile(inputs, stack.name, stack.dir, root)];
    const dataDir = join(root, "data");
    const real = new Tofu({ toolchain, dir: stack.dir, dataDir, varFiles, environment: credentials });
    const existing = await real.init().then(
      () => true,
      (error: unknown) => {
        if (error instanceof PlatformError && /NoSuchBucket|does not exist|404/.test(error.message)) return false;
        throw error;
      },
    );
    if (existing) {
      const { stdout } = await real.run(["state", "list", "-no-color"], "state list", "The state bucket exists but its state cannot be read: check TF_VAR_state_passphrase.");
      if (String(stdout).split("\n").includes(target)) return "already";
      throw new PlatformError(`the state bucket of ${layout.name} exists but its state does not hold ${target}`, `Import it instead: tofu import '${target}' ${region},${name}-tofu-state (in environments/${layout.name}/${stack.name}).`);
    }
    await rm(dataDir, { recursive: true, force: true });
    const dir = await shadowStack(layout, stack, root, localBackend(root));
    const local = new Tofu({ toolchain, dir, dataDir, varFiles, environment: credentials });
    await local.init();
    const planFile = join(root, "bootstrap.tfplan");
    await local.plan(planFile, [`-target=${target}`]);
    const model = parsePlan(await local.showJson(planFile));
    const evaluation = await evaluate(rules, await policyInput(layout.name, stack.dir, model), loadWaivers(join(layout.dir, waiverFileName)));
    const report = buildReport(`${layout.name}/${stack.name} (bootstrap)`, model, evaluation);
    console.log(renderConsole(report));
    console.log(renderChanges(model.resources));
    if (!report.passed) {
      process.stderr.write(`bootstrap stopped: ${verdict(report)}. Fix the findings above; nothing was created but the Spaces key.\n`);
      return "gate failed";
    }
    if (!options.autoApprove) await confirmByTyping(`Create the state bucket ${name}-tofu-state in ${region}?`, "yes", "bootstrap", "--auto-approve");
    await local.apply(planFile);
    step(`moving the first state into ${name}-tofu-state`);
    await real.run(["init", "-input=false", "-no-color", "-migrate-state", "-force-copy", ...varFiles.map((file) => `-var-file=${file}`)], "init -migrate-state", `The bucket exists but the state was not moved: import it (tofu import '${target}' ${region},${name}-tofu-state) in environments/${layout.name}/${stack.name}.`);
    step(`checking that ${name}-tofu-state refuses a second conditional write (what use_lockfile needs)`);
    const probe = await probeConditionalWrites({ endpoint: `https://${region}.digitaloceanspaces.com`, bucket: `${name}-tofu-state`, accessKey: key.accessKey, secretKey: key.secretKey });
    if (!probe.holds) {
      throw new PlatformError(
        `the state is in ${name}-tofu-state, but Spaces answered ${probe.first} then ${probe.second} to two conditional PUTs (If-None-Match: *): use_lockfile cannot keep two runs apart there`,
        "Run one plan or apply at a time (CI: a concurrency group of 1) until a rerun of this check passes.",
      );
    }
    return "bootstrapped";
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
