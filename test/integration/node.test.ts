import { nodeTestSkipReason } from "../support/node.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeNetwork } from "../../harness/cluster/node-config.ts";
import { startNode, type NodeCluster } from "../../harness/cluster/node.ts";
import { create, createNamespace, exitCodeOf, podLog, scriptPod, waitForPodReady } from "../../harness/cluster/pods.ts";

const skipReason = await nodeTestSkipReason();
const support = { ok: skipReason === "" };

/** What the namespace module's baseline is: deny everything, then allow DNS to kube-dns. */
const baseline = (namespace: string) => [
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "default-deny", namespace }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
  {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "allow-dns", namespace },
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
          ports: [
            { port: 53, protocol: "UDP" },
            { port: 53, protocol: "TCP" },
          ],
        },
      ],
    },
  },
];

describe("the node kind: pods really run", () => {
  let node: NodeCluster;
  let busybox: string;

  beforeAll(async () => {
    if (!support.ok) return;
    node = await startNode();
    busybox = node.images.busybox.name;
    await createNamespace(node, "node-test");
  });

  afterAll(async () => {
    await node?.stop();
  });

  it("runs a pod, and its log comes back through the API server from kubelet", async (ctx) => {
    ctx.skip(!support.ok, skipReason);
    await create(node, "/api/v1/namespaces/node-test/pods", scriptPod("hello", busybox, "echo hello from $(hostname)"));
    expect(await exitCodeOf(node, "node-test", "hello")).toBe(0);
    expect(await podLog(node, "node-test", "hello")).toBe("hello from hello\n");
  });

  it("runs an image referenced by digest from its stand-in, through the node's image record for that digest", async (ctx) => {
    ctx.skip(!support.ok, skipReason);
    // A digest names content, so no local build can have it: the override points the name at the stand-in.
    const digest = `sha256:${"d".repeat(64)}`;
    await node.importImage(node.images.busybox, [`docker.io/library/busybox@${digest}`]);
    const pod = scriptPod("by-digest", `busybox@${digest}`, "echo served");
    (pod.spec as { containers: Array<{ imagePullPolicy: string }> }).containers[0]!.imagePullPolicy = "IfNotPresent";
    await create(node, "/api/v1/namespaces/node-test/pods", pod);
    expect(await exitCodeOf(node, "node-test", "by-digest")).toBe(0);
    expect(await podLog(node, "node-test", "by-digest")).toBe("served\n");
  });

  it("resolves service names through CoreDNS, and nothing outside the cluster", async (ctx) => {
    ctx.skip(!support.ok, skipReason);
    const script = [
      `nslookup kubernetes.default.svc.${nodeNetwork.clusterDomain} | grep -q 'Address: ${nodeNetwork.apiServiceIp}'`,
      `nslookup kube-dns.kube-system.svc.${nodeNetwork.clusterDomain} | grep -q 'Address: ${nodeNetwork.dnsServiceIp}'`,
      // No upstream forwarder: a public name gets no address (and no query leaves the node).
      "! nslookup example.com",
    ].join(" && ");
    await create(node, "/api/v1/namespaces/node-test/pods", scriptPod("dns", busybox, script));
    expect(await exitCodeOf(node, "node-test", "dns")).toBe(0);
  });

  it("keeps pod traffic inside the node: no link but the pod bridge's, no default route, forwarding locked to the bridge", async (ctx) => {
    ctx.skip(!support.ok, skipReason);
    const links = (await node.exec("ip", ["-o", "link", "show"])).stdout.split("\n").filter(Boolean);
    const names = links.map((line) => line.split(": ")[1]!.split("@")[0]!);
    const unexpected = links.filter((line, index) => !["lo", nodeNetwork.nodeBridge, nodeNetwork.serviceBridge, nodeNetwork.podBridge].includes(names[index]!) && !line.includes(`master ${nodeNetwork.podBridge}`));
    expect(unexpected).toEqual([]);
    expect((await node.exec("ip", ["route", "show", "default"])).stdout.trim()).toBe("");
    expect((await node.exec("iptables", ["-t", "mangle", "-S", "FORWARD"])).stdout).toContain(`-i ${nodeNetwork.podBridge} ! -o ${nodeNetwork.podBridge}`);
  });

  it("enforces NetworkPolicy by traffic: the allowed client connects, every other connection fails", async (ctx) => {
    ctx.skip(!support.ok, skipReason);
    await createNamespace(node, "np-server");
    await createNamespace(node, "np-allowed", { team: "allowed" });
    await createNamespace(node, "np-other");
    const serve = "mkdir -p /tmp/www && echo ok > /tmp/www/index.html && httpd -p 8080 -h /tmp/www && httpd -f -p 8081 -h /tmp/www";
    const server = scriptPod("server", busybox, serve, { labels: { app: "server" } });
    await create(node, "/api/v1/namespaces/np-server/pods", { ...server, spec: { ...(server.spec as object), restartPolicy: "Always" } });
    await create(node, "/api/v1/namespaces/np-server/services", {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "server" },
      spec: { selector: { app: "server" }, ports: [{ name: "allowed", port: 8080 }, { name: "other", port: 8081 }] },
    });
    await waitForPodReady(node, "np-server", "server");

    const probe = (port: number) => `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 server.np-server.svc.${nodeNetwork.clusterDomain} ${port} | grep -q '^ok'`;
    const attempts = [
      { name: "allowed-client", namespace: "np-allowed", labels: { role: "client" }, port: 8080, allowed: true },
      { name: "allowed-client-other-port", namespace: "np-allowed", labels: { role: "client" }, port: 8081, allowed: false },
      { name: "other-role", namespace: "np-allowed", labels: { role: "other" }, port: 8080, allowed: false },
      { name: "other-namespace", namespace: "np-other", labels: { role: "client" }, port: 8080, allowed: false },
    ];
    const run = async (round: string) =>
      Object.fromEntries(
        await Promise.all(
          attempts.map(async (attempt) => {
            const name = `${attempt.name}-${round}`;
            await create(node, `/api/v1/namespaces/${attempt.namespace}/pods`, scriptPod(name, busybox, probe(attempt.port), { labels: attempt.labels }));
            return [attempt.name, (await exitCodeOf(node, attempt.namespace, name)) === 0] as const;
          }),
        ),
      );

    // Without policies everything connects: the failures below are the policies' doing.
    expect(await run("open")).toEqual(Object.fromEntries(attempts.map((attempt) => [attempt.name, true])));

    for (const policy of baseline("np-server")) await create(node, "/apis/networking.k8s.io/v1/namespaces/np-server/networkpolicies", policy);
    await create(node, "/apis/networking.k8s.io/v1/namespaces/np-server/networkpolicies", {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-clients" },
      spec: {
        podSelector: { matchLabels: { app: "server" } },
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "allowed" } }, podSelector: { matchLabels: { role: "client" } } }], ports: [{ port: 8080, protocol: "TCP" }] }],
      },
    });
    // kube-router applies policies within its sync; give it a moment before judging.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await run("policed")).toEqual(Object.fromEntries(attempts.map((attempt) => [attempt.name, attempt.allowed])));
  });
});
