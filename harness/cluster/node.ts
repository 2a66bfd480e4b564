import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PlatformError } from "../errors.ts";
import { cgroupMounts } from "../host/cgroups.ts";
import { forwardIntoNode, type Forward } from "../host/forward.ts";
import { HostLedger, ledgerDir, nodeNames, sweepAbandonedNodes } from "../host/ledger.ts";
import { createNamespaces, type NodeNamespaces } from "../host/namespace.ts";
import { nodeSupport } from "../host/support.ts";
import { ensureStandin, type Standin } from "../images/standins.ts";
import { exited, logTail, onExitSync, stopAll, type Supervised } from "../processes.ts";
import { detail, formatSeconds } from "../progress.ts";
import { ensureTool, toolBuilt } from "../toolchain/index.ts";
import { ensureNodeRuntime } from "../toolchain/node-runtime.ts";
import { loadVersions, type ToolName, type Versions } from "../toolchain/versions.ts";
import { kubeGet, kubeRequest } from "./api.ts";
import { createCa, serviceAccountKeys } from "../pki.ts";
import { renderKubeconfig } from "./kubeconfig.ts";
import { coreDnsObjects, nodeNetwork, renderCniConfig, renderContainerdConfig, renderKubeletConfig, renderKubeProxyConfig, type NodePaths } from "./node-config.ts";
import { startProvisioner, storageClassObjects, type NodeProvisioner } from "./node-storage.ts";
import type { Cluster } from "./types.ts";

/** A single real node: pods are scheduled, pulled from the seeded images, run and networked. */
export interface NodeCluster extends Cluster {
  kind: "node";
  nodeName: string;
  /** Runs a command inside the node's namespaces (iptables, ip, ctr, ...). */
  exec(binary: string, args: string[]): Promise<{ stdout: string; exitCode?: number }>;
  /** Starts a long-running process inside the node (a test server), stopped with the node. */
  run(name: string, binary: string, args: string[], env?: Record<string, string>): void;
  /** A port on the host's 127.0.0.1 relayed to `port` on `address` (default 127.0.0.1) inside the node. */
  forward(port: number, address?: string): Promise<number>;
  /** The node's own folder: state, logs, volumes; removed on stop. */
  dir: string;
  /** Imports a stand-in image into the node's image store under its own name and any others given. */
  importImage(standin: Standin, names?: string[]): Promise<void>;
  /** The node's own images (sandbox, DNS, toolbox), already imported. */
  images: { pause: Standin; coredns: Standin; busybox: Standin };
  /** Seconds each start-up phase took. */
  timings: Record<string, number>;
}

type NodeComponent = "etcd" | "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "kubelet" | "kube-proxy" | "kube-router";
const components: NodeComponent[] = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kube-router"];

const nodeFix = "See the component's log lines above; the node's checks are in harness/host/support.ts. Use PLATFORM_CLUSTER=local for a cluster without a node.";

export interface NodeOptions {
  versions?: Versions;
  /** Stops the start after this phase with an error (tests of clean-up after a failed start). */
  failAfter?: "namespaces" | "control-plane" | "kubelet";
}

/** The node's components not yet in the toolchain cache: starting a node would build them first. */
export function nodeToolsMissing(versions: Versions = loadVersions()): string[] {
  return (Object.keys(versions.tools) as ToolName[]).filter((name) => versions.tools[name]?.onlyWhen === "node" && !toolBuilt(name, versions));
}

/** Everything the node needs from the toolchain, built or found before anything starts. */
export async function nodeToolchain(versions: Versions = loadVersions()) {
  const binaries = Object.fromEntries(await Promise.all(components.map(async (name) => [name, await ensureTool(name, versions)] as const))) as Record<NodeComponent, string>;
  const runtime = await ensureNodeRuntime(versions);
  const [pause, coredns, busybox] = await Promise.all(["pause", "coredns", "busybox"].map((id) => ensureStandin(id, versions)));
  const images = { pause: pause!, coredns: coredns!, busybox: busybox! };
  return { binaries, runtime, images };
}

async function writePki(pki: string, nodeName: string) {
  await mkdir(pki, { recursive: true, mode: 0o700 });
  const authority = await createCa("doks-node-ca");
  const write = async (name: string, pem: { cert: string; key: string }) => {
    await writeFile(join(pki, `${name}.crt`), pem.cert);
    await writeFile(join(pki, `${name}.key`), pem.key, { mode: 0o600 });
  };
  await writeFile(join(pki, "ca.crt"), authority.ca.cert);
  const apiNames = ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", `kubernetes.default.svc.${nodeNetwork.clusterDomain}`];
  await write("apiserver", await authority.issue({ subject: "CN=kube-apiserver", usage: "server", ips: ["127.0.0.1", nodeNetwork.nodeIp, nodeNetwork.apiServiceIp], dnsNames: apiNames }));
  await write("apiserver-kubelet-client", await authority.issue({ subject: "CN=kube-apiserver-kubelet-client, O=system:masters", usage: "client" }));
  await write("kubelet", await authority.issue({ subject: `CN=${nodeName}`, usage: "server", ips: [nodeNetwork.nodeIp], dnsNames: [nodeName] }));
  await write("kubelet-client", await authority.issue({ subject: `CN=system:node:${nodeName}, O=system:nodes`, usage: "client" }));
  const admin = await authority.issue({ subject: "CN=platform-admin, O=system:masters", usage: "client" });
  await write("admin", admin);
  const serviceAccount = serviceAccountKeys();
  await writeFile(join(pki, "sa.pub"), serviceAccount.publicKey);
  await writeFile(join(pki, "sa.key"), serviceAccount.privateKey, { mode: 0o600 });
  return { ca: authority.ca.cert, admin };
}

/**
 * Starts the node kind: etcd, the control plane, containerd, kubelet, kube-proxy, kube-router
 * and CoreDNS inside namespaces of their own (see harness/host), with a generated PKI. Every
 * host change is written to a ledger first and undone on stop, failure, signal, or by the
 * next start if this process is killed outright.
 */
export async function startNode(options: NodeOptions = {}): Promise<NodeCluster> {
  const support = await nodeSupport();
  if (!support.ok) throw new PlatformError(`the node kind cannot start here: ${support.reason}`, "Use PLATFORM_CLUSTER=local (API server only), or run on a Linux machine as root.");
  const versions = options.versions ?? loadVersions();
  const { binaries, runtime, images } = await nodeToolchain(versions);
  sweepAbandonedNodes();

  const started = performance.now();
  const timings: Record<string, number> = {};
  const mark = (phase: string) => (timings[phase] = Number(((performance.now() - started) / 1000).toFixed(2)));
  const id = randomBytes(3).toString("hex");
  const { node: nodeName, dirPrefix } = nodeNames(id);
  const cgroupRoot = `/${nodeName}`;
  const ledger = new HostLedger(id);
  const dir = await mkdtemp(join(resolve(tmpdir()), dirPrefix));
  ledger.record({ dir });
  const processes: Supervised[] = [];
  let namespaces: NodeNamespaces | undefined;
  const forwards: Forward[] = [];
  let provisioner: NodeProvisioner | undefined;
  const forgetExit = onExitSync(() => ledger.undo());

  const stop = async () => {
    await provisioner?.stop();
    for (const forward of forwards) await forward.close();
    await namespaces?.close();
    await stopAll(processes);
    forgetExit();
    const problems = ledger.undo();
    if (problems.length > 0) throw new PlatformError(`the node ${nodeName} did not leave the host as it found it: ${problems.join("; ")}`, `Remove what is named above by hand; the ledger is in ${ledgerDir}.`);
  };

  try {
    const paths: NodePaths = { dir, pki: join(dir, "pki"), containerdSocket: join(dir, "containerd.sock"), cniBin: runtime.cniBin, runc: runtime.runc };
    const file = (name: string) => join(dir, name);
    const { ca, admin } = await writePki(paths.pki, nodeName);
    const kubeconfigFor = (name: string, server: string, cert: string, key: string) => renderKubeconfig({ name, server, caCert: ca, clientCert: cert, clientKey: key });
    const inside = `https://127.0.0.1:${nodeNetwork.apiPort}`;
    await writeFile(file("admin.kubeconfig"), kubeconfigFor(nodeName, inside, admin.cert, admin.key), { mode: 0o600 });
    await writeFile(file("kubelet.kubeconfig"), kubeconfigFor(nodeName, inside, await readFile(join(paths.pki, "kubelet-client.crt"), "utf8"), await readFile(join(paths.pki, "kubelet-client.key"), "utf8")), { mode: 0o600 });
    await mkdir(file("cni/net.d"), { recursive: true });
    await mkdir(file("volumes"), { recursive: true });
    await writeFile(file("cni/net.d/10-doks-node.conflist"), renderCniConfig(paths));
    await writeFile(file("containerd.toml"), renderContainerdConfig(paths, images.pause.name));
    await writeFile(file("kubelet.yaml"), renderKubeletConfig(paths, cgroupRoot));
    await writeFile(file("kube-proxy.yaml"), renderKubeProxyConfig(file("admin.kubeconfig"), nodeName));
    await writeFile(file("resolv.conf"), "");

    namespaces = await createNamespaces(dir, ledger, runtime.env);
    const ns = namespaces;
    await configureNetwork(ns);
    for (const mount of cgroupMounts()) {
      const root = join(mount, cgroupRoot);
      ledger.record({ cgroup: root });
      await mkdir(root);
    }
    mark("namespaces");
    if (options.failAfter === "namespaces") throw new PlatformError("failing on purpose after the namespaces (test)", "None: a test asked for it.");

    const start = (name: string, binary: string, args: string[]) => {
      const component = ns.supervise(name, binary, args, file(`${name}.log`));
      processes.push(component);
      return component;
    };
    start("etcd", binaries.etcd, [
      "--name=doks-node",
      `--data-dir=${file("etcd")}`,
      "--listen-client-urls=http://127.0.0.1:2379",
      "--advertise-client-urls=http://127.0.0.1:2379",
      "--listen-peer-urls=http://127.0.0.1:2380",
      "--initial-advertise-peer-urls=http://127.0.0.1:2380",
      "--initial-cluster=doks-node=http://127.0.0.1:2380",
      "--unsafe-no-fsync",
      "--log-level=warn",
    ]);
    const containerd = start("containerd", runtime.containerd, ["--config", file("containerd.toml")]);
    const apiserver = start("kube-apiserver", binaries["kube-apiserver"], [
      "--etcd-servers=http://127.0.0.1:2379",
      "--bind-address=0.0.0.0",
      `--secure-port=${nodeNetwork.apiPort}`,
      `--advertise-address=${nodeNetwork.nodeIp}`,
      `--cert-dir=${file("apiserver-certs")}`,
      `--tls-cert-file=${join(paths.pki, "apiserver.crt")}`,
      `--tls-private-key-file=${join(paths.pki, "apiserver.key")}`,
      `--client-ca-file=${join(paths.pki, "ca.crt")}`,
      `--kubelet-client-certificate=${join(paths.pki, "apiserver-kubelet-client.crt")}`,
      `--kubelet-client-key=${join(paths.pki, "apiserver-kubelet-client.key")}`,
      `--kubelet-certificate-authority=${join(paths.pki, "ca.crt")}`,
      "--kubelet-preferred-address-types=InternalIP,Hostname",
      `--service-account-key-file=${join(paths.pki, "sa.pub")}`,
      `--service-account-signing-key-file=${join(paths.pki, "sa.key")}`,
      `--service-account-issuer=https://kubernetes.default.svc.${nodeNetwork.clusterDomain}`,
      `--service-cluster-ip-range=${nodeNetwork.serviceCidr}`,
      "--authorization-mode=Node,RBAC",
      "--allow-privileged=true",
      "--enable-priority-and-fairness=false",
      "--profiling=false",
    ]);
    const forward = async (port: number, address?: string) => {
      const relay = await forwardIntoNode(ns, dir, port, processes, address);
      forwards.push(relay);
      return relay.port;
    };
    const server = `https://127.0.0.1:${await forward(nodeNetwork.apiPort)}`;
    const kubeconfig = file("kubeconfig");
    await writeFile(kubeconfig, kubeconfigFor(nodeName, server, admin.cert, admin.key), { mode: 0o600 });
    const cluster = { kubeconfig, context: nodeName };

    // The sandbox image must be there before the first pod, or containerd would try to pull it.
    await waitFor(containerd, async () => existsSync(paths.containerdSocket), 30_000);
    const ctr = (args: string[]) => ns.run(runtime.ctr, ["--address", paths.containerdSocket, "--namespace", "k8s.io", ...args]);
    const importImage = async (standin: Standin, names: string[] = []) => {
      await ctr(["images", "import", "--no-unpack=false", standin.tar]);
      for (const name of names) await ctr(["images", "tag", "--force", standin.name, name]);
    };
    await importImage(images.pause);
    mark("runtime");
    const otherImages = Promise.all([importImage(images.coredns), importImage(images.busybox)]);
    // These wait for the API server by themselves: started now, they are up when it is. The
    // controller manager gives up after 10 s without it, so it starts once the API answers.
    const kubelet = start("kubelet", binaries.kubelet, [
      `--config=${file("kubelet.yaml")}`,
      `--kubeconfig=${file("kubelet.kubeconfig")}`,
      `--root-dir=${file("kubelet")}`,
      `--hostname-override=${nodeName}`,
      `--node-ip=${nodeNetwork.nodeIp}`,
      "--v=1",
    ]);
    start("kube-proxy", binaries["kube-proxy"], [`--config=${file("kube-proxy.yaml")}`, "--v=1"]);
    start("kube-scheduler", binaries["kube-scheduler"], [`--kubeconfig=${file("admin.kubeconfig")}`, "--leader-elect=false", "--secure-port=0"]);
    await waitFor(apiserver, async () => (await kubeGet(cluster, "/readyz").catch(() => ({ status: 0 }))).status === 200, 90_000);
    mark("control-plane");
    if (options.failAfter === "control-plane") throw new PlatformError("failing on purpose after the control plane (test)", "None: a test asked for it.");

    start("kube-controller-manager", binaries["kube-controller-manager"], [
      `--kubeconfig=${file("admin.kubeconfig")}`,
      "--secure-port=0",
      "--leader-elect=false",
      `--service-account-private-key-file=${join(paths.pki, "sa.key")}`,
      `--root-ca-file=${join(paths.pki, "ca.crt")}`,
      "--allocate-node-cidrs=true",
      `--cluster-cidr=${nodeNetwork.clusterCidr}`,
      "--node-cidr-mask-size=24",
      `--service-cluster-ip-range=${nodeNetwork.serviceCidr}`,
      "--use-service-account-credentials=false",
      "--controllers=*,-cloud-node-lifecycle-controller,-service-lb-controller,-node-route-controller",
    ]);
    for (const object of [...coreDnsObjects(images.coredns.name), ...storageClassObjects()]) {
      const created = await kubeRequest(cluster, "POST", object.path, object.body);
      if (created.status !== 201) throw new PlatformError(`the node could not create ${object.body.kind as string} ${(object.body.metadata as { name: string }).name}: HTTP ${created.status}`, nodeFix);
    }
    provisioner = startProvisioner(cluster, nodeName, file("volumes"));
    await otherImages;

    // kube-router finds its node by name: it starts once kubelet has registered it.
    await waitFor(kubelet, async () => nodeRegistered(cluster, nodeName), 60_000, "the node's registration");
    mark("node-registered");
    const router = start("kube-router", binaries["kube-router"], [
      `--kubeconfig=${file("admin.kubeconfig")}`,
      `--hostname-override=${nodeName}`,
      "--run-firewall=true",
      "--run-router=false",
      "--run-service-proxy=false",
      "--enable-ipv6=false",
      `--service-cluster-ip-range=${nodeNetwork.serviceCidr}`,
      "--metrics-port=0",
      "--health-port=20244",
      "--v=1",
    ]);
    await waitFor(kubelet, async () => nodeReady(cluster, nodeName), 60_000);
    mark("node-ready");
    if (options.failAfter === "kubelet") throw new PlatformError("failing on purpose after kubelet (test)", "None: a test asked for it.");
    const changed = ledger.changedSysctls();
    if (changed.length > 0) {
      throw new PlatformError(`the node changed host kernel settings (${changed.map((c) => `${c.name} ${c.before} -> ${c.now}`).join(", ")}); they are restored now`, "This is a bug in the node's isolation (harness/host/namespace.ts): report it.");
    }
    await waitFor(kubelet, async () => podsReady(cluster, "kube-system", "k8s-app=kube-dns"), 60_000, "CoreDNS");
    mark("dns-ready");
    await waitFor(processes.find((p) => p.name === "kube-proxy")!, async () => (await ns.run("iptables", ["-t", "nat", "-S", "KUBE-SERVICES"], { reject: false })).stdout.includes("kube-system/kube-dns:dns "), 30_000, "kube-proxy's rules for kube-dns");
    await waitFor(router, async () => (await ns.run("iptables", ["-S", "KUBE-ROUTER-FORWARD"], { reject: false })).exitCode === 0, 30_000, "kube-router's policy chains");
    mark("up");
    detail(`node ${nodeName} ready in ${formatSeconds(performance.now() - started)} (API at ${server})`);

    return {
      kind: "node",
      kubeconfig,
      context: nodeName,
      server,
      nodeName,
      images,
      timings,
      exec: (binary, args) => ns.run(binary, args),
      run: (name, binary, args, env = {}) => {
        processes.push(ns.supervise(name, binary, args, file(`${name}.log`), { env: { ...runtime.env, TMPDIR: file("tmp"), ...env } }));
      },
      forward,
      dir,
      importImage,
      stop,
    };
  } catch (error) {
    const failed = processes.find((component) => exited(component));
    if (process.env.PLATFORM_NODE_KEEP_LOGS) await keepLogs(dir, process.env.PLATFORM_NODE_KEEP_LOGS);
    await stop().catch(() => undefined);
    if (failed && error instanceof PlatformError && !error.message.includes(`${failed.name} exited`)) throw new PlatformError(`${error.message}\n${failed.name} exited:\n${logTail(failed)}`, error.fix);
    throw error;
  }
}

/**
 * Addresses and filters inside the node's network namespace: the node's address and the
 * service range's route on port-less bridges, and no forwarding from the pod bridge to
 * anything but itself (the namespace has no other link, so this is a second lock).
 */
async function configureNetwork(ns: NodeNamespaces): Promise<void> {
  const script = [
    "set -eu",
    `ip link add ${nodeNetwork.nodeBridge} type bridge`,
    `ip address add ${nodeNetwork.nodeIp}/32 dev ${nodeNetwork.nodeBridge}`,
    `ip link set ${nodeNetwork.nodeBridge} up`,
    `ip link add ${nodeNetwork.serviceBridge} type bridge`,
    `ip link set ${nodeNetwork.serviceBridge} up`,
    `ip route add ${nodeNetwork.serviceCidr} dev ${nodeNetwork.serviceBridge}`,
    // Per network namespace: these change the node's namespace only, never the host.
    "echo 1 > /proc/sys/net/ipv4/ip_forward",
    "echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables",
    `iptables -t mangle -A FORWARD -i ${nodeNetwork.podBridge} ! -o ${nodeNetwork.podBridge} -j DROP -m comment --comment "doks-node: pod traffic stays on the pod bridge"`,
  ].join("\n");
  await ns.run("sh", ["-c", script]);
}

/** PLATFORM_NODE_KEEP_LOGS=<folder>: a failed start leaves its components' logs there. */
async function keepLogs(dir: string, into: string): Promise<void> {
  await mkdir(into, { recursive: true });
  for (const name of (await readdir(dir)).filter((file) => file.endsWith(".log") || file.endsWith(".toml") || file.endsWith(".yaml"))) await copyFile(join(dir, name), join(into, name));
  detail(`the node's logs are in ${into}`);
}

async function podsReady(cluster: Pick<Cluster, "kubeconfig" | "context">, namespace: string, selector: string): Promise<boolean> {
  type PodList = { items: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }> };
  const pods = await kubeGet<PodList>(cluster, `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`);
  return pods.status === 200 && pods.body.items.length > 0 && pods.body.items.every((pod) => pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
}

async function nodeRegistered(cluster: Pick<Cluster, "kubeconfig" | "context">, nodeName: string): Promise<boolean> {
  return (await kubeGet(cluster, `/api/v1/nodes/${nodeName}`)).status === 200;
}

async function nodeReady(cluster: Pick<Cluster, "kubeconfig" | "context">, nodeName: string): Promise<boolean> {
  const node = await kubeGet<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(cluster, `/api/v1/nodes/${nodeName}`).catch(() => undefined);
  return node?.status === 200 && (node.body.status?.conditions ?? []).some((condition) => condition.type === "Ready" && condition.status === "True");
}

async function waitFor(component: Supervised, ready: () => Promise<boolean>, timeoutMs: number, what = component.name): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited(component)) throw new PlatformError(`the node's ${component.name} exited while waiting for ${what}:\n${logTail(component)}`, nodeFix);
    if (await ready().catch(() => false)) return;
    await sleep(100);
  }
  throw new PlatformError(`the node's ${what} was not ready after ${timeoutMs / 1000}s:\n${logTail(component)}`, nodeFix);
}
