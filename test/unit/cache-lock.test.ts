import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withCacheLock } from "../../harness/toolchain/lock.ts";

describe("cache lock", () => {
  let cache: string;
  beforeEach(async () => {
    cache = await mkdtemp(join(tmpdir(), "lock-test-"));
  });
  afterEach(() => rm(cache, { recursive: true, force: true }));

  it("runs builds of the same thing one at a time", async () => {
    const events: string[] = [];
    const build = (id: string) =>
      withCacheLock(cache, "tofu-1.0.0", async () => {
        events.push(`${id} start`);
        await sleep(200);
        events.push(`${id} end`);
      });
    await Promise.all([build("a"), build("b")]);
    expect(events).toEqual(["a start", "a end", "b start", "b end"]);
  });

  it("takes over a lock whose owner died, and releases it when the work throws", async () => {
    await mkdir(join(cache, "locks", "etcd.lock"), { recursive: true });
    await writeFile(join(cache, "locks", "etcd.lock", "pid"), "999999999");
    await expect(withCacheLock(cache, "etcd", async () => Promise.reject(new Error("build failed")))).rejects.toThrow("build failed");
    expect(await withCacheLock(cache, "etcd", async () => "second run")).toBe("second run");
  });
});
