import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { assertPrivateFolder, HostLedger, nodeNames, sweepAbandonedNodes, type NodeRoots } from "../../harness/host/ledger.ts";
import { readSysctl } from "../../harness/host/sysctl.ts";

const asRoot = process.getuid?.() === 0;
const chownNeedsRoot = "changing a folder's owner needs root: this run is not root (the uid comparison itself runs without)";
const id = "abc123";
const { node, dirPrefix } = nodeNames(id);

function startTime(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[19]!;
}

/** An owner that is gone: this pid, but a start time no process has. */
const deadOwner = { pid: process.pid, startTime: "0" };

/**
 * The sweep runs as root on what it reads from the ledger folder, so it must act only on a
 * folder nobody else could have written to, and only on entries that name their own node's
 * folder and cgroup roots. Everything runs in a temp tree with stand-in roots, so none of it
 * needs root except the foreign-owner cases.
 */
describe("the node ledger's sweep", () => {
  let base: string;
  let ledger: string;
  let roots: NodeRoots;
  let warnings: string[];

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), "ledger-test-"));
    ledger = join(base, "ledger");
    mkdirSync(ledger, { mode: 0o700 });
    roots = { tmp: join(base, "tmp"), cgroupMounts: [join(base, "cgroup/cpu"), join(base, "cgroup/unified")] };
    for (const dir of [roots.tmp, ...roots.cgroupMounts]) mkdirSync(dir, { recursive: true });
    warnings = [];
    const write = process.stderr.write.bind(process.stderr);
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (String(chunk).includes("ledger")) {
        warnings.push(String(chunk));
        return true;
      }
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(base, { recursive: true, force: true });
  });

  /** What a real node leaves: its folder and a cgroup root in each hierarchy. */
  const footprint = () => {
    const dir = mkdtempSync(join(roots.tmp, dirPrefix));
    writeFileSync(join(dir, "etcd.log"), "x");
    const cgroups = roots.cgroupMounts.map((mount) => join(mount, node));
    for (const cgroup of cgroups) mkdirSync(join(cgroup, "kubepods"), { recursive: true });
    return { dir, cgroups };
  };
  const entry = (fields: Record<string, unknown> = {}) => ({ id, owner: deadOwner, cgroups: [], sysctls: {}, ...fields });
  const put = (name: string, content: unknown) => writeFileSync(join(ledger, name), typeof content === "string" ? content : JSON.stringify(content), { mode: 0o600 });

  it("undoes what a node whose owner is gone left, and removes its entry", async () => {
    const { dir, cgroups } = footprint();
    const holder = execa("sleep", ["60"], { reject: false });
    const panic = readSysctl("kernel/panic");
    put(`${id}.json`, entry({ dir, cgroups, holder: { pid: holder.pid, startTime: startTime(holder.pid!) }, sysctls: panic === undefined ? {} : { "kernel/panic": panic } }));
    expect(sweepAbandonedNodes(ledger, roots)).toEqual([id]);
    expect((await holder).signal).toBe("SIGKILL");
    expect([dir, ...cgroups].filter((path) => existsSync(path))).toEqual([]);
    expect(readdirSync(ledger)).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it("never kills a process that only reuses the holder's pid", async () => {
    const { dir, cgroups } = footprint();
    const bystander = execa("sleep", ["60"], { reject: false });
    try {
      put(`${id}.json`, entry({ dir, cgroups, holder: { pid: bystander.pid, startTime: "1" } }));
      expect(sweepAbandonedNodes(ledger, roots)).toEqual([id]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(bystander.exitCode).toBeNull();
      expect(readFileSync(`/proc/${bystander.pid}/stat`, "utf8").split(") ")[1]![0]).not.toBe("Z");
    } finally {
      bystander.kill("SIGKILL");
      await bystander;
    }
  });

  it("leaves a node whose owner still runs alone, and accepts what a ledger writes", () => {
    const live = new HostLedger(id, ledger);
    const { dir, cgroups } = footprint();
    live.record({ dir });
    for (const cgroup of cgroups) live.record({ cgroup });
    live.record({ holderPid: process.pid });
    expect(sweepAbandonedNodes(ledger, roots)).toEqual([]);
    expect(warnings).toEqual([]);
    expect([dir, ...cgroups].every((path) => existsSync(path))).toBe(true);
    expect(readdirSync(ledger)).toEqual([`${id}.json`]);
  });

  it("does nothing when there is no ledger folder, and does not create one", () => {
    expect(sweepAbandonedNodes(join(base, "absent"), roots)).toEqual([]);
    expect(existsSync(join(base, "absent"))).toBe(false);
  });

  describe("refuses a ledger folder others could write to, touching nothing", () => {
    const expectRefused = (pattern: RegExp) => {
      const { dir } = footprint();
      if (existsSync(ledger)) put(`${id}.json`, entry({ dir }));
      expect(() => sweepAbandonedNodes(ledger, roots)).toThrow(pattern);
      expect(() => new HostLedger("def456", ledger)).toThrow(pattern);
      expect(existsSync(dir)).toBe(true);
    };

    it.for([0o750, 0o705, 0o770, 0o707, 0o755, 0o777, 0o1777, 0o2700 | 0o020])("with mode %o", (mode) => {
      chmodSync(ledger, mode);
      expectRefused(/is mode \d+, open to others: its entries say what root kills and removes/);
    });

    it("when it is a symbolic link, even to a private folder", () => {
      const real = join(base, "real");
      mkdirSync(real, { mode: 0o700 });
      rmSync(ledger, { recursive: true });
      symlinkSync(real, ledger);
      expectRefused(/is a symbolic link/);
      expect(readdirSync(real)).toEqual([`${id}.json`]);
    });

    it("when it is a dangling symbolic link", () => {
      rmSync(ledger, { recursive: true });
      symlinkSync(join(base, "nowhere"), ledger);
      expect(() => sweepAbandonedNodes(ledger, roots)).toThrow(/is a symbolic link/);
    });

    it("when it is not a folder", () => {
      rmSync(ledger, { recursive: true });
      writeFileSync(ledger, "{}");
      expect(() => sweepAbandonedNodes(ledger, roots)).toThrow(/is not a folder/);
    });

    it("when another user owns it", () => {
      expect(() => assertPrivateFolder(ledger, process.getuid!() + 1)).toThrow(new RegExp(`owned by uid ${process.getuid!()}, not ${process.getuid!() + 1}`));
    });

    it("when another user owns it, on disk", (ctx) => {
      ctx.skip(!asRoot, chownNeedsRoot);
      chownSync(ledger, 65534, 65534);
      expectRefused(/owned by uid 65534, not 0/);
    });

    it("names the fix in the error", () => {
      chmodSync(ledger, 0o777);
      expect(() => sweepAbandonedNodes(ledger, roots)).toThrow(expect.objectContaining({ fix: expect.stringContaining(`rm -r ${ledger}`) }));
    });
  });

  describe("leaves a malformed or overreaching entry in place, with one line", () => {
    /** Folders a hostile entry might aim at: every one must survive the sweep. */
    let canaries: string[];
    beforeEach(() => {
      canaries = [join(base, "canary"), join(roots.tmp, `${nodeNames("ffffff").dirPrefix}AAAAAA`), join(roots.tmp, "other"), join(roots.cgroupMounts[0]!, "other"), join(roots.cgroupMounts[0]!, nodeNames("ffffff").node)];
      for (const canary of canaries) mkdirSync(canary, { recursive: true });
    });

    const tmp = () => roots.tmp;
    const mount = () => roots.cgroupMounts[0]!;
    const hostile: Array<[string, () => unknown]> = [
      ["dir /", () => entry({ dir: "/" })],
      ["dir ..", () => entry({ dir: ".." })],
      ["dir relative", () => entry({ dir: `${dirPrefix}AAAAAA` })],
      ["dir empty", () => entry({ dir: "" })],
      ["dir escaping with ..", () => entry({ dir: `${tmp()}/${dirPrefix}AAAAAA/../../canary` })],
      ["dir in the temp folder, not a node's", () => entry({ dir: join(tmp(), "other") })],
      ["dir of another node", () => entry({ dir: join(tmp(), `${nodeNames("ffffff").dirPrefix}AAAAAA`) })],
      ["dir below a node's folder", () => entry({ dir: join(tmp(), `${dirPrefix}AAAAAA`, "deeper") })],
      ["dir with a trailing slash", () => entry({ dir: `${join(tmp(), `${dirPrefix}AAAAAA`)}/` })],
      ["dir with a longer suffix", () => entry({ dir: join(tmp(), `${dirPrefix}AAAAAAA`) })],
      ["dir outside the temp folder", () => entry({ dir: join(base, "canary") })],
      ["dir not a string", () => entry({ dir: ["/"] })],
      ["cgroup mount itself", () => entry({ cgroups: [mount()] })],
      ["cgroup of another node", () => entry({ cgroups: [join(mount(), nodeNames("ffffff").node)] })],
      ["cgroup not a node's", () => entry({ cgroups: [join(mount(), "other")] })],
      ["cgroup escaping with ..", () => entry({ cgroups: [`${mount()}/${node}/../other`] })],
      ["cgroup outside every mount", () => entry({ cgroups: [join(base, "canary", node)] })],
      ["cgroup relative", () => entry({ cgroups: [node] })],
      ["cgroups not a list", () => entry({ cgroups: join(mount(), node) })],
      ["sysctl the node never records", () => entry({ sysctls: { "kernel/core_pattern": "|/tmp/x" } })],
      ["sysctl path escaping /proc/sys", () => entry({ sysctls: { "../../etc/passwd": "x" } })],
      ["sysctl value with a newline", () => entry({ sysctls: { "kernel/panic": "0\n1" } })],
      ["sysctl value not a string", () => entry({ sysctls: { "kernel/panic": 0 } })],
      ["holder pid 1", () => entry({ holder: { pid: 1, startTime: "1" } })],
      ["holder pid negative", () => entry({ holder: { pid: -1, startTime: "1" } })],
      ["holder pid as text", () => entry({ holder: { pid: "1", startTime: "1" } })],
      ["holder without a start time (the old form)", () => entry({ holderPid: 1 })],
      ["owner missing", () => ({ id, cgroups: [], sysctls: {} })],
      ["owner pid fractional", () => entry({ owner: { pid: 1.5, startTime: "1" } })],
      ["an unknown field", () => entry({ command: "rm -rf /" })],
      ["id not six hex digits", () => entry({ id: "../x" })],
      ["id not its file's", () => entry({ id: "def456" })],
      ["a list", () => [entry()]],
      ["null", () => null],
      ["a number", () => 42],
      ["not JSON", () => "{ not json"],
      ["not JSON, over several lines", () => '{\n  "id": "abc123",\n  oops\n}\n'],
      ["empty", () => ""],
      ["huge", () => entry({ cgroups: Array.from({ length: 100_000 }, (_, index) => `/sys/fs/cgroup/x${index}`) })],
    ];

    it.for(hostile)("%s", ([, content]) => {
      put(`${id}.json`, content());
      expect(sweepAbandonedNodes(ledger, roots)).toEqual([]);
      expect(readdirSync(ledger)).toEqual([`${id}.json`]);
      expect(canaries.filter((canary) => !existsSync(canary))).toEqual([]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`left node ledger entry ${join(ledger, `${id}.json`)} alone: `);
      expect(warnings[0]!.trimEnd()).not.toContain("\n");
    });

    it("a node folder that is a symbolic link", () => {
      const dir = join(roots.tmp, `${dirPrefix}AAAAAA`);
      symlinkSync(canaries[0]!, dir);
      put(`${id}.json`, entry({ dir }));
      expect(sweepAbandonedNodes(ledger, roots)).toEqual([]);
      expect(existsSync(dir) && existsSync(canaries[0]!)).toBe(true);
      expect(warnings.join("")).toContain("is a symbolic link");
    });

    it("a node folder another user owns", (ctx) => {
      ctx.skip(!asRoot, chownNeedsRoot);
      const dir = join(roots.tmp, `${dirPrefix}AAAAAA`);
      mkdirSync(dir);
      chownSync(dir, 65534, 65534);
      put(`${id}.json`, entry({ dir }));
      expect(sweepAbandonedNodes(ledger, roots)).toEqual([]);
      expect(existsSync(dir)).toBe(true);
      expect(warnings.join("")).toContain("owned by uid 65534");
    });

    it("a ledger file that is not a regular file", () => {
      mkdirSync(join(ledger, `${id}.json`));
      expect(sweepAbandonedNodes(ledger, roots)).toEqual([]);
      expect(warnings.join("")).toContain("not a regular file");
    });

    it("and still sweeps the good entries beside it", () => {
      const { dir } = footprint();
      put(`${id}.json`, entry({ dir }));
      put("def456.json", { ...entry({ id: "def456", dir: "/" }) });
      expect(sweepAbandonedNodes(ledger, roots)).toEqual([id]);
      expect(existsSync(dir)).toBe(false);
      expect(readdirSync(ledger)).toEqual(["def456.json"]);
      expect(warnings).toHaveLength(1);
    });
  });
});
