import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { PlatformError, tail } from "../errors.ts";
import { detail } from "../progress.ts";
import { ensureTool } from "../toolchain/index.ts";
import type { Versions } from "../toolchain/versions.ts";
import { removeOnExit } from "../processes.ts";
import type { Cluster } from "./types.ts";

/** A k3s cluster in Docker: real nodes, so workloads actually run (nightly e2e on Docker hosts). */
export async function startK3d(versions?: Versions): Promise<Cluster> {
  const k3d = await ensureTool("k3d", versions);
  const name = `platform-${process.pid}`;
  const dir = await mkdtemp(join(tmpdir(), "doks-platform-k3d-"));
  const forget = removeOnExit(dir);
  const stop = async () => {
    await execa(k3d, ["cluster", "delete", name], { reject: false });
    await rm(dir, { recursive: true, force: true });
    forget();
  };
  try {
    detail(`creating k3d cluster ${name}`);
    await execa(k3d, ["cluster", "create", name, "--wait", "--timeout", "180s", "--kubeconfig-update-default=false", "--no-lb"], { all: true });
    const { stdout } = await execa(k3d, ["kubeconfig", "get", name]);
    const kubeconfig = join(dir, "kubeconfig");
    await writeFile(kubeconfig, stdout, { mode: 0o600 });
    return { kind: "k3d", kubeconfig, context: `k3d-${name}`, stop };
  } catch (error) {
    await stop();
    throw new PlatformError(`k3d could not create a cluster: ${tail((error as { all?: string }).all, 4)}`, "Check that Docker runs (`docker info`), or set PLATFORM_CLUSTER=local to use the local control plane.", { cause: error });
  }
}
