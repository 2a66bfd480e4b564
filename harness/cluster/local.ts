import { writeFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PlatformError } from "../errors.ts";
import { detail } from "../progress.ts";
import { ensureTool } from "../toolchain/index.ts";
import type { Versions } from "../toolchain/versions.ts";
import { createPki, type ControlPlanePki } from "../pki.ts";
import { renderKubeconfig } from "./kubeconfig.ts";
import { exited, freePort, supervise, waitUntilReady, workspace, type Supervised } from "../processes.ts";
import type { Cluster } from "./types.ts";

function httpsStatus(url: string, pki: ControlPlanePki): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

const controlPlaneFix = "Check that the toolchain is complete (`make toolchain`); or use CONTEXT=<kubeconfig context> for an existing cluster.";

async function waitUntil(what: Supervised, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  await waitUntilReady(what, ready, timeoutMs, controlPlaneFix).catch((error: PlatformError) => {
    throw new PlatformError(`the local control plane did not start: ${error.message}`, error.fix);
  });
}

/**
 * A real Kubernetes control plane as three local processes: etcd, kube-apiserver and a
 * kube-controller-manager that runs only the controllers the platform's resources need
 * (namespace deletion, garbage collection, service accounts, and the PVC protection finalizer, which
 * an app's claim carries and nothing else would remove). There is no kubelet or scheduler:
 * pods are accepted but never run, so nothing may wait for rollouts against it.
 */
const portAttempts = 3;

/**
 * freePort names a port that is free when asked; another process (a parallel test file's control
 * plane) can bind it before etcd or the API server does. Such a start is retried on fresh ports.
 */
export async function startLocalControlPlane(versions?: Versions): Promise<Cluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreshPorts(versions);
    } catch (error) {
      const portTaken = error instanceof PlatformError && error.message.includes("address already in use");
      if (!portTaken || attempt === portAttempts) throw error;
      detail(`a port of the local control plane was taken before it bound it; retrying on fresh ports (${attempt}/${portAttempts - 1})`);
    }
  }
}

async function startOnFreshPorts(versions?: Versions): Promise<Cluster> {
  const [etcd, apiserver, controllerManager] = [await ensureTool("etcd", versions), await ensureTool("kube-apiserver", versions), await ensureTool("kube-controller-manager", versions)];
  const started = performance.now();
  const { dir, processes, stop } = await workspace("local");

  try {
    const pki = await createPki();
    const file = (name: string) => join(dir, name);
    await Promise.all([
      writeFile(file("ca.crt"), pki.ca.cert),
      writeFile(file("apiserver.crt"), pki.apiserver.cert),
      writeFile(file("apiserver.key"), pki.apiserver.key, { mode: 0o600 }),
      writeFile(file("sa.pub"), pki.serviceAccount.publicKey),
      writeFile(file("sa.key"), pki.serviceAccount.privateKey, { mode: 0o600 }),
    ]);
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = file("kubeconfig");
    await writeFile(kubeconfig, renderKubeconfig({ name: "platform-local", server, caCert: pki.ca.cert, clientCert: pki.admin.cert, clientKey: pki.admin.key }), { mode: 0o600 });

    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcdProcess = supervise("etcd", etcd, [
      "--name=platform-local",
      `--data-dir=${file("etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=platform-local=http://127.0.0.1:${peerPort}`,
      // A throwaway store: durability buys nothing and fsync costs seconds.
      "--unsafe-no-fsync",
      "--log-level=warn",
    ], file("etcd.log"));
    processes.push(etcdProcess);
    await waitUntil(etcdProcess, async () => (await fetch(`${etcdUrl}/health`).catch(() => undefined))?.ok ?? false, 30_000);

    const apiProcess = supervise("kube-apiserver", apiserver, [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${file("certs")}`,
      `--tls-cert-file=${file("apiserver.crt")}`,
      `--tls-private-key-file=${file("apiserver.key")}`,
      `--client-ca-file=${file("ca.crt")}`,
      `--service-account-key-file=${file("sa.pub")}`,
      `--service-account-signing-key-file=${file("sa.key")}`,
      "--service-account-issuer=https://kubernetes.default.svc",
      "--service-cluster-ip-range=10.96.0.0/16",
      "--authorization-mode=RBAC",
      "--allow-privileged=true",
      "--enable-priority-and-fairness=false",
      "--profiling=false",
      // No kubelet runs pods here, so no admission webhook (cert-manager's, an operator's)
      // could ever answer: calling them would fail every object they intercept. Real
      // clusters keep both plugins, and the charts configure the same webhooks there.
      "--disable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook",
    ], file("kube-apiserver.log"));
    processes.push(apiProcess);
    await waitUntil(apiProcess, async () => (await httpsStatus(`${server}/readyz`, pki)) === 200, 90_000);

    const controllerProcess = supervise("kube-controller-manager", controllerManager, [
      `--kubeconfig=${kubeconfig}`,
      "--controllers=namespace-controller,garbage-collector-controller,serviceaccount-controller,serviceaccount-token-controller,persistentvolumeclaim-protection-controller",
      `--service-account-private-key-file=${file("sa.key")}`,
      `--root-ca-file=${file("ca.crt")}`,
      "--leader-elect=false",
      "--secure-port=0",
    ], file("kube-controller-manager.log"));
    processes.push(controllerProcess);
    await sleep(300);
    if (exited(controllerProcess)) await waitUntil(controllerProcess, async () => false, 0);

    detail(`local control plane ready at ${server} in ${((performance.now() - started) / 1000).toFixed(1)}s`);
    return { kind: "local", kubeconfig, context: "platform-local", server, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
