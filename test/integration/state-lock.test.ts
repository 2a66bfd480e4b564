import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startS3, type LocalS3 } from "../../harness/services/s3.ts";
import { probeConditionalWrites } from "../../harness/spaces.ts";
import { Tofu } from "../../harness/tofu.ts";
import { ensurePlanToolchain, type Toolchain } from "../../harness/toolchain/index.ts";

/**
 * The production backends use use_lockfile: a lock object written with a conditional PUT
 * (If-None-Match: *), no DynamoDB. Two tofu clients against a real S3 server (versitygw, real
 * SigV4) show the protocol keeps them apart. What this proves about Spaces is only that the
 * protocol works on a server that honours the header: Spaces' own answer is checked by
 * `platform bootstrap` on the real bucket (probeConditionalWrites), the same probe as below.
 */
const configuration = (s3: LocalS3) => `
terraform {
  ${s3.tofuBackend("state", "lock-test/terraform.tfstate")}
}

variable "round" {
  type = number
}

variable "hold" {
  type = number
}

# Holds the lock for a while during apply: a built-in resource, so no provider is needed.
resource "terraform_data" "slow" {
  input = var.round

  provisioner "local-exec" {
    command = "sleep \${var.hold}"
  }
}
`;

describe("use_lockfile on a real S3 server", () => {
  let s3: LocalS3;
  let dir: string;
  let toolchain: Toolchain;

  beforeAll(async () => {
    s3 = await startS3();
    await s3.createBucket("state");
    dir = await mkdtemp(join(tmpdir(), "lock-test-"));
    await writeFile(join(dir, "main.tf"), configuration(s3));
    toolchain = await ensurePlanToolchain();
  });

  afterAll(async () => {
    await s3?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** One client: its own data folder, the server's keys through the backend's AWS_* names. */
  const client = async (name: string, extra: Record<string, string> = {}) => {
    const tofu = new Tofu({ toolchain, dir, dataDir: join(dir, `.${name}`), environment: { ...s3.backendEnv, ...extra } });
    await tofu.init();
    return tofu;
  };

  const lockObjects = async () => (await s3.rclone(["lsf", "backups:state/lock-test/"])).stdout.split("\n").filter((name) => name.endsWith(".tflock"));

  it("the server refuses a second conditional PUT of one key, as the bootstrap probe checks on Spaces", async () => {
    expect(await probeConditionalWrites({ endpoint: s3.endpoint, bucket: "state", accessKey: s3.accessKey, secretKey: s3.secretKey })).toEqual({ first: 200, second: 412, holds: true });
  });

  it("keeps a second client out while the first holds the lock, and lets it in afterwards", async () => {
    const first = await client("a");
    const second = await client("b", { TF_LOG: "debug" });
    const holding = first.run(["apply", "-auto-approve", "-no-color", "-input=false", "-var=round=1", "-var=hold=10"], "apply", "");
    let locks: string[] = [];
    for (let waited = 0; waited < 60_000 && locks.length === 0; waited += 250) {
      locks = await lockObjects();
      if (locks.length === 0) await sleep(250);
    }
    expect(locks).toEqual(["terraform.tfstate.tflock"]);

    const refused = await second.run(["plan", "-no-color", "-input=false", "-lock-timeout=0s", "-var=round=2", "-var=hold=0"], "plan", "", { reject: false });
    expect(refused.exitCode).toBe(1);
    expect(String(refused.all)).toMatch(/Error acquiring the state lock/);
    // The refusal is the server's 412 to the lock object's conditional PUT (the SDK logs the
    // request's IfNoneMatch and the response status), not a read of the lock object.
    // One log entry per timestamp: an entry's attributes (their order varies) can span lines.
    const lockPut = String(refused.all).split(/\n(?=\d{4}-\d\d-\d\dT)/).filter((line) => line.includes("terraform.tfstate.tflock") && line.includes("S3/PutObject") && line.includes("HTTP Response Received"));
    expect(lockPut.length).toBeGreaterThan(0);
    // Under load the SDK may retry a slow PUT; what matters is a 412 and never a success.
    expect(lockPut.some((line) => line.includes("http.status_code=412")), lockPut.join("\n")).toBe(true);
    expect(lockPut.filter((line) => /http\.status_code=2\d\d/.test(line))).toEqual([]);

    await holding;
    expect(await lockObjects()).toEqual([]);
    const admitted = await second.run(["apply", "-auto-approve", "-no-color", "-input=false", "-var=round=2", "-var=hold=0"], "apply", "");
    expect(String(admitted.all)).toContain("Apply complete! Resources: 0 added, 1 changed, 0 destroyed.");
    expect(await lockObjects()).toEqual([]);
  });
});
