import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { editableTree, platform } from "../support/tree.ts";

// `make apply` on a stacked environment, on two small stacks that need no cloud: each stack is
// applied right after its own gate, from its saved plan; a failed gate applies nothing more.
const encrypted = `
  encryption {
    key_provider "pbkdf2" "state" {
      passphrase = var.state_passphrase
    }
    method "aes_gcm" "state" {
      keys = key_provider.pbkdf2.state
    }
    state {
      method   = method.aes_gcm.state
      enforced = true
    }
    plan {
      method   = method.aes_gcm.state
      enforced = true
    }
  }`;

const stack = (name: string, encryption: string) => `terraform {
  backend "local" {}
${encryption}
}

variable "state_passphrase" {
  description = "Encrypts state and plans."
  type        = string
  sensitive   = true
}

variable "label" {
  description = "Shared by both stacks."
  type        = string
}

resource "terraform_data" "${name}" {
  input = var.label
}
`;

async function twoStacks(secondEncrypted: boolean): Promise<{ tree: string; env: string }> {
  const tree = await editableTree();
  const env = join(tree, "environments", "twostack");
  for (const [name, encryption] of [
    ["first", encrypted],
    ["second", secondEncrypted ? encrypted : ""],
  ] as const) {
    await mkdir(join(env, name), { recursive: true });
    await writeFile(join(env, name, "main.tf"), stack(name, encryption));
  }
  await writeFile(join(env, "stacks.yaml"), "stacks:\n  - name: first\n    description: applied first\n    offline: true\n  - name: second\n    description: applied after the first\n    offline: true\n    after: terraform_data.first\n");
  await writeFile(join(env, "terraform.tfvars"), 'label = "one"\n');
  return { tree, env };
}

// A stack that can plan `later` only once its first apply ran (as the infra namespace before
// its charts): the plan-time snapshot keeps `pending` set until the next plan sees the marker.
const waitingStack = `terraform {
  backend "local" {}
${encrypted}
}

variable "state_passphrase" {
  description = "Encrypts state and plans."
  type        = string
  sensitive   = true
}

resource "terraform_data" "snapshot" {
  input = fileexists("\${path.module}/ready")
}

resource "terraform_data" "first" {
  depends_on = [terraform_data.snapshot]

  provisioner "local-exec" {
    command = "touch \${path.module}/ready"
  }
}

resource "terraform_data" "later" {
  count = fileexists("\${path.module}/ready") ? 1 : 0
}

output "pending" {
  description = "What waits for the first apply."
  value       = terraform_data.snapshot.output ? [] : ["later (waits for the first apply)"]
}
`;

const run = async (command: "plan" | "apply", tree: string, envName = "twostack") =>
  platform([command, "--env", envName, ...(command === "apply" ? ["--auto-approve"] : []), "--reports", await mkdtemp(join(tmpdir(), "reports-"))], {
    PLATFORM_ENVIRONMENTS_DIR: join(tree, "environments"),
    PLATFORM_WORK_DIR: await mkdtemp(join(tmpdir(), "work-")),
    TF_VAR_state_passphrase: "a-passphrase-for-the-test",
  });

describe("make apply on a stacked environment", () => {
  it("plans a stack that needs an earlier one's resource only once that exists", async () => {
    const { tree } = await twoStacks(true);
    const result = await run("plan", tree);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(/second\s+│ no\s+│ terraform_data\.first does not exist yet: apply the first/);
  });

  it("applies each stack from its own saved plan, in order, planning the next against the result", async () => {
    const { tree, env } = await twoStacks(true);
    const result = await run("apply", tree);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all.indexOf("Changes (twostack/first):")).toBeLessThan(result.all.indexOf("Changes (twostack/second):"));
    expect(result.all).toContain("+ create terraform_data.first");
    expect(result.all).toContain("twostack/second: applied");
    for (const name of ["first", "second"]) {
      const state = await readFile(join(env, name, "terraform.tfstate"), "utf8");
      expect(state).toContain("encrypted_data");
      expect(state).not.toContain('"label"');
    }
  });

  it("plans, gates and applies a stack again while its pending output lists something", async () => {
    const tree = await editableTree();
    const env = join(tree, "environments", "rounds");
    await mkdir(join(env, "only"), { recursive: true });
    await writeFile(join(env, "only", "main.tf"), waitingStack);
    await writeFile(join(env, "stacks.yaml"), "stacks:\n  - name: only\n    description: needs two applies\n    offline: true\n");
    await writeFile(join(env, "terraform.tfvars"), "");
    const result = await run("apply", tree, "rounds");
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain("rounds/only: planning again for what waited on this apply: later (waits for the first apply)");
    expect(result.all.split("rounds/only: applied").length - 1).toBe(2);
    expect(result.all).toContain("+ create terraform_data.later[0]");
    expect(existsSync(join(env, "only", "ready"))).toBe(true);
  });

  it("never applies a stack whose gate failed, nor anything after it", async () => {
    const { tree, env } = await twoStacks(false);
    const result = await run("apply", tree);
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain("twostack/first: applied");
    expect(result.all).toMatch(/secrets-hygiene\s+│ typescript │ FAIL/);
    expect(result.all).toContain("Changes (twostack/second):\n  + create terraform_data.second");
    expect(result.all).not.toContain("twostack/second: applied");
    // The first stack was applied: the closing line must not claim nothing was.
    expect(result.all).toContain("stopped: a later gate failed; what passed before it was applied");
    expect(result.all).not.toContain("not applied: the gate failed");
    expect(existsSync(join(env, "first", "terraform.tfstate"))).toBe(true);
    expect(existsSync(join(env, "second", "terraform.tfstate"))).toBe(false);
  });
});
