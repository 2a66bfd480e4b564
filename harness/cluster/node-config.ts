import { join } from "node:path";
import { stringify } from "yaml";

/**
 * The node's network lives in its own network namespace, so its addresses cannot meet the
 * host's, and two nodes on one machine do not meet each other. They are taken from
 * 198.18.0.0/15 (RFC 2544, reserved for benchmarking labs): no real network and no other
 * cluster on a developer's machine uses it, unlike 10.x (Kubernetes' 10.96.0.0/12 default,
 * which the API-server-only control plane uses) or Docker's 172.x.
 */
export const nodeNetwork = {
  /** The node's own address, on a port-less bridge: what the API server advertises and kubelet serves on. */
  nodeIp: "198.19.255.1",
  nodeBridge: "kube-node",
  clusterCidr: "198.18.0.0/16",
  /** The first /24 of the cluster CIDR: what the controller manager assigns the only node. */
  podCidr: "198.18.0.0/24",
  podGateway: "198.18.0.1",
  podBridge: "cni0",
  serviceCidr: "198.19.0.0/24",
  apiServiceIp: "198.19.0.1",
  dnsServiceIp: "198.19.0.10",
  /** A port-less bridge the service range is routed to: node processes can reach ClusterIPs, and nothing else leaves. */
  serviceBridge: "kube-svc",
  apiPort: 6443,
  clusterDomain: "cluster.local",
} as const;

export interface NodePaths {
  dir: string;
  pki: string;
  containerdSocket: string;
  cniBin: string;
  runc: string;
}

export function renderContainerdConfig(paths: NodePaths, pauseImage: string): string {
  const dir = (name: string) => JSON.stringify(join(paths.dir, name));
  return [
    "version = 2",
    `root = ${dir("containerd/root")}`,
    `state = ${dir("containerd/state")}`,
    // Snapshotters this node does not use, and tracing, which would dial out.
    'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]',
    "",
    "[grpc]",
    `  address = ${JSON.stringify(paths.containerdSocket)}`,
    "",
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${dir("containerd/opt")}`,
    "",
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = ${JSON.stringify(pauseImage)}`,
    // Root here lacks CAP_SYS_RESOURCE: containers may not get a lower OOM score than containerd.
    "  restrict_oom_score_adj = true",
    // Loading an AppArmor profile would change the host kernel's policy.
    "  disable_apparmor = true",
    "  enable_selinux = false",
    '  stream_server_address = "127.0.0.1"',
    "",
    '[plugins."io.containerd.grpc.v1.cri".containerd]',
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    "",
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '  runtime_type = "io.containerd.runc.v2"',
    "",
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    `  BinaryName = ${JSON.stringify(paths.runc)}`,
    "  SystemdCgroup = false",
    "",
    '[plugins."io.containerd.grpc.v1.cri".cni]',
    `  bin_dir = ${JSON.stringify(paths.cniBin)}`,
    `  conf_dir = ${dir("cni/net.d")}`,
    "  max_conf_num = 1",
    "",
  ].join("\n");
}

/**
 * One bridge for every pod, no masquerade and no route out: pods reach each other, the node's
 * own addresses, and through kube-proxy the services; the namespace has no other link.
 */
export function renderCniConfig(paths: NodePaths): string {
  return JSON.stringify(
    {
      cniVersion: "1.0.0",
      name: "doks-node",
      plugins: [
        {
          type: "bridge",
          bridge: nodeNetwork.podBridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: { type: "host-local", ranges: [[{ subnet: nodeNetwork.podCidr, gateway: nodeNetwork.podGateway }]], routes: [{ dst: "0.0.0.0/0" }], dataDir: join(paths.dir, "cni/ipam") },
        },
      ],
    },
    null,
    2,
  );
}

export function renderKubeletConfig(paths: NodePaths, cgroupRoot: string): string {
  return stringify({
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    address: nodeNetwork.nodeIp,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: "127.0.0.1",
    healthzPort: 10248,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: join(paths.pki, "ca.crt") } },
    authorization: { mode: "Webhook" },
    tlsCertFile: join(paths.pki, "kubelet.crt"),
    tlsPrivateKeyFile: join(paths.pki, "kubelet.key"),
    containerRuntimeEndpoint: `unix://${paths.containerdSocket}`,
    // This kernel mounts cgroup v1 (hybrid); without systemd the driver is cgroupfs, under a
    // root of the node's own, so no other cgroup on the machine is touched.
    failCgroupV1: false,
    cgroupDriver: "cgroupfs",
    cgroupRoot,
    cgroupsPerQOS: true,
    enforceNodeAllocatable: ["pods"],
    // Refuse to start rather than change the host's kernel.panic & co (see namespace.ts).
    protectKernelDefaults: true,
    failSwapOn: false,
    clusterDomain: nodeNetwork.clusterDomain,
    clusterDNS: [nodeNetwork.dnsServiceIp],
    // An empty resolv.conf: pods with dnsPolicy Default (CoreDNS) get no upstream server.
    resolvConf: join(paths.dir, "resolv.conf"),
    podLogsDir: join(paths.dir, "pod-logs"),
    // Seeded images cannot be pulled again: never collect them.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { "memory.available": "100Mi", "nodefs.available": "2%", "imagefs.available": "2%" },
    serializeImagePulls: false,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    nodeStatusUpdateFrequency: "4s",
    syncFrequency: "10s",
  });
}

export function renderKubeProxyConfig(kubeconfig: string, nodeName: string): string {
  return stringify({
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    clientConnection: { kubeconfig },
    hostnameOverride: nodeName,
    mode: "iptables",
    clusterCIDR: nodeNetwork.clusterCidr,
    healthzBindAddress: "127.0.0.1:10256",
    metricsBindAddress: "127.0.0.1:10249",
    // Zeroes leave the kernel's conntrack settings alone: the table size is host-wide.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s", udpTimeout: "0s", udpStreamTimeout: "0s" },
    // No NodePorts on 127.0.0.1, so route_localnet stays as it is.
    iptables: { localhostNodePorts: false, minSyncPeriod: "0s", syncPeriod: "30s" },
  });
}

/** CoreDNS serves the cluster's names only: no forward plugin, so no query ever leaves. */
export const corefile = `.:53 {
    errors
    health {
        lameduck 1s
    }
    ready
    kubernetes ${nodeNetwork.clusterDomain} in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    cache 30
    loop
    loadbalance
}
`;

/** The objects that make CoreDNS the cluster's DNS, as production clusters label them (k8s-app: kube-dns). */
export function coreDnsObjects(image: string): Array<{ path: string; body: Record<string, unknown> }> {
  const labels = { "k8s-app": "kube-dns" };
  const metadata = (name: string) => ({ name, namespace: "kube-system", labels });
  return [
    { path: "/api/v1/namespaces/kube-system/serviceaccounts", body: { apiVersion: "v1", kind: "ServiceAccount", metadata: metadata("coredns") } },
    {
      path: "/apis/rbac.authorization.k8s.io/v1/clusterroles",
      body: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "system:coredns", labels },
        rules: [
          { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
          { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
        ],
      },
    },
    {
      path: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
      body: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "system:coredns", labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:coredns" },
        subjects: [{ kind: "ServiceAccount", name: "coredns", namespace: "kube-system" }],
      },
    },
    { path: "/api/v1/namespaces/kube-system/configmaps", body: { apiVersion: "v1", kind: "ConfigMap", metadata: metadata("coredns"), data: { Corefile: corefile } } },
    {
      path: "/api/v1/namespaces/kube-system/services",
      body: {
        apiVersion: "v1",
        kind: "Service",
        metadata: metadata("kube-dns"),
        spec: {
          selector: labels,
          clusterIP: nodeNetwork.dnsServiceIp,
          ports: [
            { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
            { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
          ],
        },
      },
    },
    {
      path: "/apis/apps/v1/namespaces/kube-system/deployments",
      body: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: metadata("coredns"),
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: "coredns",
              dnsPolicy: "Default",
              // Scheduled as soon as kubelet registers the node, while it turns Ready.
              tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoSchedule" }],
              priorityClassName: "system-cluster-critical",
              // Port 53 as a non-root user, without file capabilities in the image.
              securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "53" }], seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "coredns",
                  image,
                  imagePullPolicy: "Never",
                  args: ["-conf", "/etc/coredns/Corefile"],
                  ports: [
                    { name: "dns", containerPort: 53, protocol: "UDP" },
                    { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                  ],
                  readinessProbe: { httpGet: { path: "/ready", port: 8181 }, periodSeconds: 1, failureThreshold: 3 },
                  livenessProbe: { httpGet: { path: "/health", port: 8080 }, periodSeconds: 10, failureThreshold: 5 },
                  resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
                  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                  volumeMounts: [{ name: "config", mountPath: "/etc/coredns", readOnly: true }],
                },
              ],
              volumes: [{ name: "config", configMap: { name: "coredns" } }],
            },
          },
        },
      },
    },
  ];
}

/** The class names DigitalOcean's CSI driver installs, so modules' claims bind unchanged. */
export const doStorageClasses = [
  { name: "do-block-storage", reclaimPolicy: "Delete", default: true },
  { name: "do-block-storage-retain", reclaimPolicy: "Retain", default: false },
  { name: "do-block-storage-xfs", reclaimPolicy: "Delete", default: false },
  { name: "do-block-storage-xfs-retain", reclaimPolicy: "Retain", default: false },
] as const;
