import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSources } from "../../harness/hcl.ts";
import { backendOf, backendProblem, requireRemoteState, stateKeyPath, statePassphrase } from "../../harness/state.ts";

describe("the state encryption key", () => {
  const saved = { ...process.env };
  let cache: string;
  let data: string;

  beforeEach(async () => {
    cache = await mkdtemp(join(tmpdir(), "cache-"));
    data = join(await mkdtemp(join(tmpdir(), "data-")), "doks-platform");
    process.env.PLATFORM_CACHE_DIR = cache;
    process.env.PLATFORM_DATA_DIR = data;
    delete process.env.TF_VAR_state_passphrase;
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it("is generated outside the cache, readable by its owner only", async () => {
    const key = await statePassphrase();
    expect(stateKeyPath()).toBe(join(data, "state.key"));
    expect((await readFile(stateKeyPath(), "utf8")).trim()).toBe(key);
    expect(statSync(stateKeyPath()).mode & 0o777).toBe(0o600);
    expect(statSync(data).mode & 0o777).toBe(0o700);
    expect(existsSync(join(cache, "local-state.key"))).toBe(false);
    expect(await statePassphrase()).toBe(key);
  });

  it("moves a key an earlier version left in the cache, and removes it there", async () => {
    await writeFile(join(cache, "local-state.key"), "the-old-key-from-the-cache\n", { mode: 0o600 });
    expect(await statePassphrase()).toBe("the-old-key-from-the-cache");
    expect((await readFile(stateKeyPath(), "utf8")).trim()).toBe("the-old-key-from-the-cache");
    expect(existsSync(join(cache, "local-state.key"))).toBe(false);
  });

  it("with two different keys, keeps using the data folder's and keeps the other beside it, never losing one", async () => {
    await mkdir(data, { recursive: true });
    await writeFile(stateKeyPath(), "the-new-key\n");
    await writeFile(join(cache, "local-state.key"), "a-different-old-key\n");
    expect(await statePassphrase()).toBe("the-new-key");
    const kept = readdirSync(data).filter((name) => name.startsWith("state.key.from-cache-"));
    expect(kept).toHaveLength(1);
    expect((await readFile(join(data, kept[0]!), "utf8")).trim()).toBe("a-different-old-key");
    expect(statSync(join(data, kept[0]!)).mode & 0o777).toBe(0o600);
  });
});

describe("persistent environments keep state in a remote backend with locking", () => {
  async function backend(hcl: string) {
    const dir = await mkdtemp(join(tmpdir(), "backend-"));
    await writeFile(join(dir, "main.tf"), `terraform {\n${hcl}\n}\n`);
    return backendOf(await loadSources(dir));
  }

  it.each([
    ["no backend at all", "", "keeps its state in a local file"],
    ["the local backend", 'backend "local" {}', "keeps its state in a local file"],
    ["s3 without locking", 'backend "s3" {\n bucket = "b"\n key = "k"\n}', "without locking"],
    ["s3 with use_lockfile = false", 'backend "s3" {\n bucket = "b"\n key = "k"\n use_lockfile = false\n}', "without locking"],
    ["http without a lock address", 'backend "http" {\n address = "https://state.example/x"\n}', "without a lock_address"],
    ["a backend that does not lock", 'backend "swift" {\n container = "state"\n}', "does not lock state"],
    ["kubernetes, though it locks", 'backend "kubernetes" {\n secret_suffix = "state"\n}', "uses the kubernetes backend"],
  ])("refuses %s", async (_, hcl, problem) => {
    expect(backendProblem(await backend(hcl))?.problem).toContain(problem);
  });

  it.each([
    ["s3 with use_lockfile", 'backend "s3" {\n bucket = "b"\n key = "k"\n use_lockfile = true\n}'],
    ["s3 with a DynamoDB table", 'backend "s3" {\n bucket = "b"\n key = "k"\n dynamodb_table = "locks"\n}'],
    ["pg", 'backend "pg" {\n conn_str = "postgres://state@db.example/state"\n}'],
    ["gcs", 'backend "gcs" {\n bucket = "b"\n}'],
  ])("accepts %s", async (_, hcl) => {
    expect(backendProblem(await backend(hcl))).toBeUndefined();
  });

  it("names the environment, the context, the reason and the fix in one line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "backend-"));
    await writeFile(join(dir, "main.tf"), 'terraform {\n  backend "local" {}\n}\n');
    const legacy = join(dir, "terraform.tfstate");
    await writeFile(legacy, "{}");
    let error: Error & { fix?: string } = new Error("none");
    try {
      requireRemoteState("local", "prod-fra1", await loadSources(dir), legacy);
    } catch (caught) {
      error = caught as Error & { fix: string };
    }
    expect(error.message).toBe("environment local keeps its state in a local file, which is refused for context prod-fra1: a real cluster's state must live in a remote backend with locking");
    expect(error.message).not.toContain("\n");
    expect(error.fix).toContain('backend "s3"');
    expect(error.fix).toContain("tofu init -migrate-state");
  });

  it("refuses the kubernetes backend with the 1 MiB Secret limit as the reason, and how its state moves", async () => {
    const dir = await mkdtemp(join(tmpdir(), "backend-"));
    await writeFile(join(dir, "main.tf"), 'terraform {\n  backend "kubernetes" {\n    secret_suffix = "state"\n  }\n}\n');
    let error: Error & { fix?: string } = new Error("none");
    try {
      requireRemoteState("local", "prod-fra1", await loadSources(dir), join(dir, "terraform.tfstate"));
    } catch (caught) {
      error = caught as Error & { fix: string };
    }
    expect(error.message).toBe(
      "environment local uses the kubernetes backend, which is refused for context prod-fra1: its state is one Secret, at most 1 MiB, and encrypted state does not compress: the platform's state, which holds every chart's rendered manifests, outgrows it",
    );
    expect(error.message).not.toContain("\n");
    expect(error.fix).toContain('backend "s3" on Spaces with use_lockfile = true');
    expect(error.fix).toContain("State already in the kubernetes backend's Secret moves there with `tofu init -migrate-state`.");
  });
});
