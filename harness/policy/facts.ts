import type { PlannedResource } from "../plan.ts";
import { databaseServerOf, type DatabaseEngine } from "./databases.ts";

/**
 * The Kubernetes objects of a plan in one shape, whether a `kubernetes_*` resource declares
 * them (snake_case, nested blocks as one-element lists, versioned or not), a
 * `kubernetes_manifest` carries them, or a Helm chart renders them (camelCase manifests).
 * Rules read these instead of each walking every shape.
 *
 * Fail closed: an object that looks like it runs pods but cannot be read (an unknown kind with
 * containers or an image, a pod spec known only after apply, a release whose manifest the plan
 * does not carry) is listed in `unreadable`, and the unknown-workload rule fails the gate on it.
 *
 * Paths: every fact carries `path`, where in its resource the object or container sits, in the
 * resource's own spelling: `spec[0].template[0].spec[0].container[1]` for kubernetes_* types,
 * `manifest.spec.template.spec.containers[1]` for kubernetes_manifest, and
 * `manifest(Deployment/web).spec.template.spec.containers[1]` for an object a chart renders.
 */
export interface Container {
  name: string;
  image: string;
  init: boolean;
  /** An ephemeral (debug) container: it runs in the pod like any other. */
  ephemeral: boolean;
  /** Where the container sits in its resource (see above). */
  path: string;
  requests: Record<string, string>;
  limits: Record<string, string>;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  /** securityContext.capabilities.add, upper case without CAP_. */
  capabilitiesAdd: string[];
  /** securityContext.seccompProfile.type when set (RuntimeDefault, Localhost, Unconfined). */
  seccompProfile?: string;
  procMount?: string;
  hostPorts: number[];
  command: string[];
  args: string[];
  /** Literal environment values (references to Secrets are left out). */
  env: Record<string, string>;
}

export interface Volume {
  name: string;
  /** The volume source in manifest spelling: persistentVolumeClaim, hostPath, csi, ephemeral, nfs, emptyDir, ... */
  type: string;
  path: string;
  hostPath?: string;
  /** csi volumes: the driver. */
  driver?: string;
  claimName?: string;
  /** ephemeral volumes: the claim template's class and access modes. */
  storageClass?: string;
  accessModes?: string[];
}

export interface Claim {
  address: string;
  name: string;
  namespace: string;
  storageClass?: string;
  accessModes: string[];
  /** A StatefulSet's volumeClaimTemplate names the StatefulSet here; an ephemeral volume names its workload. */
  owner?: string;
  /** spec.volumeName: the claim is pre-bound to that PersistentVolume. */
  volumeName?: string;
  /** "persistentVolumeClaim", "volumeClaimTemplate" or "ephemeral". */
  source: "persistentVolumeClaim" | "volumeClaimTemplate" | "ephemeral";
  path: string;
  /** Requested size as written (10Gi); a template's claim is made once per replica. */
  storage?: string;
}

export interface Workload {
  address: string;
  source: "kubernetes" | "helm";
  kind: string;
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** Where the object sits in its resource ("" for a kubernetes_* resource). */
  path: string;
  /** Where its pod spec sits (spec[0].template[0].spec[0], manifest.spec.template.spec, ...). */
  podPath: string;
  podLabels: Record<string, string>;
  podAnnotations: Record<string, string>;
  podRunAsNonRoot?: boolean;
  podRunAsUser?: number;
  podSeccompProfile?: string;
  hostNetwork: boolean;
  hostPID: boolean;
  hostIPC: boolean;
  /** Sysctl names the pod sets. */
  sysctls: string[];
  containers: Container[];
  volumes: Volume[];
  claims: Claim[];
  /** CronJob only. */
  schedule?: string;
  suspend?: boolean;
  /** A database server, recognised by label, image family or operator kind (see databases.ts). */
  database?: { engine: DatabaseEngine; by: "label" | "image" | "operator"; container?: string };
  /** spec.replicas as planned (Deployment, StatefulSet, ReplicaSet); undefined when unset. */
  replicas?: number;
}

export interface ServiceFact {
  address: string;
  name: string;
  namespace: string;
  type: string;
  annotations: Record<string, string>;
}

/** A pod-bearing object the facts layer cannot read: the unknown-workload rule fails the gate on each. */
export interface Unreadable {
  address: string;
  kind: string;
  name: string;
  namespace: string;
  path: string;
  reason: string;
}

export interface NamespaceFact {
  address: string;
  name: string;
  labels: Record<string, string>;
  path: string;
  /** The NetworkPolicies planned in it, grouped here once: a per-namespace scan in Rego grows with the square of the plan. */
  networkPolicyNames: string[];
}

export interface NetworkPolicyFact {
  address: string;
  name: string;
  namespace: string;
  selectsAllPods: boolean;
  /** As declared; Kubernetes implies Ingress (and Egress when egress rules exist) when empty. */
  policyTypes: string[];
  /** Declared policy types, or the ones Kubernetes implies when none are declared. */
  effectivePolicyTypes: string[];
  /** Number of ingress and egress rules: a policy with any rule admits something. */
  ingressRules: number;
  egressRules: number;
  /** An ingress rule with no from and no ports admits every source on every port. */
  admitsAllIngress: boolean;
  path: string;
}

export interface IngressFact {
  address: string;
  kind: string;
  name: string;
  namespace: string;
  hosts: string[];
  tlsHosts: string[];
  /** Ingress tls entries (secretName may be empty). */
  tls: Array<{ hosts: string[]; secretName: string }>;
  annotations: Record<string, string>;
  /** Traefik HostRegexp / HostSNIRegexp patterns, as written. */
  hostRegexps: string[];
  /** Traefik IngressRoute(TCP) entry points, as written (empty: every entry point, or not Traefik). */
  entryPoints: string[];
  path: string;
}

export interface ConfigMapFact {
  address: string;
  name: string;
  namespace: string;
  labels: Record<string, string>;
  data: Record<string, string>;
  path: string;
}

/** Secrets carry metadata only: their values never reach a rule or a report. */
export interface SecretFact {
  address: string;
  name: string;
  namespace: string;
  labels: Record<string, string>;
  path: string;
}

export interface PersistentVolumeFact {
  address: string;
  name: string;
  storageClass?: string;
  /** The volume source in manifest spelling (csi, hostPath, nfs, local, ...). */
  type: string;
  driver?: string;
  reclaimPolicy?: string;
  accessModes: string[];
  path: string;
}

export interface StorageClassFact {
  address: string;
  name: string;
  provisioner: string;
  reclaimPolicy?: string;
  path: string;
}

export interface Facts {
  workloads: Workload[];
  claims: Claim[];
  namespaces: NamespaceFact[];
  networkPolicies: NetworkPolicyFact[];
  ingresses: IngressFact[];
  storageClasses: StorageClassFact[];
  persistentVolumes: PersistentVolumeFact[];
  configMaps: ConfigMapFact[];
  secrets: SecretFact[];
  unreadable: Unreadable[];
  services: ServiceFact[];
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** A provider block (one-element list) or a manifest object, read the same way. */
const block = (value: unknown): Json => obj(Array.isArray(value) ? value[0] : value);
const strings = (value: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(value)).filter(([, v]) => typeof v === "string" || typeof v === "number" || typeof v === "boolean").map(([k, v]) => [k, String(v)]));
const stringList = (value: unknown): string[] => list(value).filter((v) => typeof v === "string" || typeof v === "number").map(String);

/**
 * Reads one object in either spelling and keeps the path it came from. `key(snake, camel)`
 * picks whichever spelling the object uses; a provider block is a one-element list, so a
 * step into it adds "[0]" to the path.
 */
class View {
  constructor(
    readonly value: Json,
    readonly path: string,
    readonly typed: boolean,
  ) {}

  static of(value: unknown, path: string, typed: boolean): View {
    return new View(obj(Array.isArray(value) ? value[0] : value), Array.isArray(value) && typed ? `${path}[0]` : path, typed);
  }

  private name(snake: string, camel: string): string {
    return this.typed ? snake : camel;
  }

  raw(snake: string, camel = snake): unknown {
    return this.value[snake] ?? this.value[camel];
  }

  child(snake: string, camel = snake): View {
    const key = this.value[snake] !== undefined ? snake : this.value[camel] !== undefined ? camel : this.name(snake, camel);
    return View.of(this.value[key], this.join(key), this.typed);
  }

  items(snake: string, camel = snake): View[] {
    const key = this.value[snake] !== undefined ? snake : camel;
    return list(this.value[key]).map((item, index) => new View(obj(item), `${this.join(key)}[${index}]`, this.typed));
  }

  join(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }
}

const optionalBoolean = (value: unknown): boolean | undefined => (typeof value === "boolean" ? value : undefined);
const optionalNumber = (value: unknown): number | undefined => (value === undefined || value === null || value === "" ? undefined : Number(value));
const optionalString = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
const defined = <T extends Json>(object: T): T => Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as T;

function containerOf(view: View, init: boolean, ephemeral: boolean): Container {
  const resources = view.child("resources");
  const security = view.child("security_context", "securityContext");
  const capabilities = security.child("capabilities");
  const env: Record<string, string> = {};
  for (const entry of view.items("env")) {
    const { name, value } = entry.value;
    if (typeof name === "string" && typeof value === "string") env[name] = value;
  }
  return defined({
    name: String(view.value.name ?? ""),
    image: String(view.value.image ?? ""),
    init,
    ephemeral,
    path: view.path,
    requests: strings(resources.raw("requests")),
    limits: strings(resources.raw("limits")),
    runAsNonRoot: optionalBoolean(security.raw("run_as_non_root", "runAsNonRoot")),
    runAsUser: optionalNumber(security.raw("run_as_user", "runAsUser")),
    privileged: optionalBoolean(security.raw("privileged")),
    allowPrivilegeEscalation: optionalBoolean(security.raw("allow_privilege_escalation", "allowPrivilegeEscalation")),
    capabilitiesAdd: stringList(capabilities.raw("add")).map((cap) => cap.toUpperCase().replace(/^CAP_/, "")),
    seccompProfile: optionalString(security.child("seccomp_profile", "seccompProfile").raw("type")),
    procMount: optionalString(security.raw("proc_mount", "procMount")),
    hostPorts: view.items("port", "ports").map((port) => Number(port.raw("host_port", "hostPort") ?? 0)).filter((port) => port > 0),
    command: stringList(view.raw("command")),
    args: stringList(view.raw("args")),
    env,
  }) as Container;
}

// Volume sources in provider spelling -> manifest spelling.
const volumeTypes: Record<string, string> = {
  persistent_volume_claim: "persistentVolumeClaim",
  host_path: "hostPath",
  empty_dir: "emptyDir",
  config_map: "configMap",
  downward_api: "downwardAPI",
  aws_elastic_block_store: "awsElasticBlockStore",
  azure_disk: "azureDisk",
  azure_file: "azureFile",
  ceph_fs: "cephfs",
  fibre_channel: "fc",
  flex_volume: "flexVolume",
  gce_persistent_disk: "gcePersistentDisk",
  git_repo: "gitRepo",
  photon_persistent_disk: "photonPersistentDisk",
  vsphere_volume: "vsphereVolume",
};

function volumeOf(view: View): Volume {
  const name = String(view.value.name ?? "");
  const sourceKey = Object.keys(view.value).find((key) => key !== "name" && view.value[key] !== null && view.value[key] !== undefined && !(Array.isArray(view.value[key]) && (view.value[key] as unknown[]).length === 0));
  const type = sourceKey ? (volumeTypes[sourceKey] ?? sourceKey) : "unknown";
  const source = sourceKey ? view.child(sourceKey) : view;
  const volume: Volume = { name, type, path: view.path };
  if (type === "hostPath") volume.hostPath = String(source.raw("path") ?? "");
  if (type === "csi") volume.driver = String(source.raw("driver") ?? "");
  if (type === "persistentVolumeClaim") volume.claimName = String(source.raw("claim_name", "claimName") ?? "");
  if (type === "ephemeral") {
    const spec = source.child("volume_claim_template", "volumeClaimTemplate").child("spec");
    const storageClass = optionalString(spec.raw("storage_class_name", "storageClassName"));
    if (storageClass !== undefined) volume.storageClass = storageClass;
    volume.accessModes = stringList(spec.raw("access_modes", "accessModes"));
  }
  return volume;
}

/** Where each workload kind keeps its pod template, as steps from the object's spec. */
function podSpecOf(kind: string, spec: View): { pod: View; template?: View } {
  if (kind === "Pod") return { pod: spec };
  if (kind === "CronJob") {
    const template = spec.child("job_template", "jobTemplate").child("spec").child("template");
    return { pod: template.child("spec"), template };
  }
  const template = spec.child("template");
  return { pod: template.child("spec"), template };
}

/** kubernetes_* resource types that run pods, versioned and deprecated unversioned alike. */
export const workloadTypes: Record<string, string> = {
  kubernetes_deployment: "Deployment",
  kubernetes_deployment_v1: "Deployment",
  kubernetes_stateful_set: "StatefulSet",
  kubernetes_stateful_set_v1: "StatefulSet",
  kubernetes_daemonset: "DaemonSet",
  kubernetes_daemon_set_v1: "DaemonSet",
  kubernetes_job: "Job",
  kubernetes_job_v1: "Job",
  kubernetes_cron_job: "CronJob",
  kubernetes_cron_job_v1: "CronJob",
  kubernetes_pod: "Pod",
  kubernetes_pod_v1: "Pod",
  kubernetes_replication_controller: "ReplicationController",
  kubernetes_replication_controller_v1: "ReplicationController",
};

/** Workload kinds of the core, apps and batch API groups, as manifests name them. */
export const workloadKinds = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "Pod"]);

const otherTypes: Record<string, string> = {
  kubernetes_namespace: "Namespace",
  kubernetes_namespace_v1: "Namespace",
  kubernetes_persistent_volume_claim: "PersistentVolumeClaim",
  kubernetes_persistent_volume_claim_v1: "PersistentVolumeClaim",
  kubernetes_persistent_volume: "PersistentVolume",
  kubernetes_persistent_volume_v1: "PersistentVolume",
  kubernetes_network_policy: "NetworkPolicy",
  kubernetes_network_policy_v1: "NetworkPolicy",
  kubernetes_ingress: "Ingress",
  kubernetes_ingress_v1: "Ingress",
  kubernetes_storage_class: "StorageClass",
  kubernetes_storage_class_v1: "StorageClass",
  kubernetes_config_map: "ConfigMap",
  kubernetes_config_map_v1: "ConfigMap",
  kubernetes_secret: "Secret",
  kubernetes_secret_v1: "Secret",
  kubernetes_service: "Service",
  kubernetes_service_v1: "Service",
};

/**
 * Operator custom resources that run a database server whose pods the plan never shows. They
 * count as database servers (postgres-first, layering and stateful-backed-up see them) and as
 * unreadable workloads.
 */
const databaseOperatorKinds: Record<string, DatabaseEngine> = {
  "postgresql.cnpg.io/Cluster": "postgresql",
  "acid.zalan.do/postgresql": "postgresql",
  "postgres-operator.crunchydata.com/PostgresCluster": "postgresql",
  "pgv2.percona.com/PerconaPGCluster": "postgresql",
  "stackgres.io/SGCluster": "postgresql",
  "kubedb.com/Postgres": "postgresql",
  "k8s.mariadb.com/MariaDB": "mariadb",
  "mariadb.mmontes.io/MariaDB": "mariadb",
  "kubedb.com/MariaDB": "mariadb",
  "kubedb.com/MySQL": "mysql",
  "mysql.oracle.com/InnoDBCluster": "mysql",
  "pxc.percona.com/PerconaXtraDBCluster": "mysql",
  "ps.percona.com/PerconaServerMySQL": "mysql",
  "moco.cybozu.com/MySQLCluster": "mysql",
};

/** Each Kubernetes object of the plan with the address and path it comes from, in manifest terms. */
interface ObjectView {
  address: string;
  source: Workload["source"];
  kind: string;
  apiVersion: string;
  /** The whole object (typed resources: their values). */
  root: View;
  metadata: View;
  spec: View;
  releaseNamespace?: string;
  /** Unknown-after-apply markers of the object, in the same shape as root. */
  unknown: unknown;
}

/** True when the after_unknown mirror marks the value at this path (or a parent of it) unknown. */
function unknownAt(unknown: unknown, steps: Array<string | number>): boolean {
  let node = unknown;
  for (const step of steps) {
    if (node === true) return true;
    if (!node || typeof node !== "object") return false;
    node = (node as Record<string | number, unknown>)[step];
  }
  return node === true;
}

/** "spec[0].template[0].containers[1]" -> ["spec", 0, "template", 0, "containers", 1] */
const stepsOf = (path: string): Array<string | number> =>
  path.split(/\.|(?=\[)/).filter(Boolean).map((step) => (step.startsWith("[") ? Number(step.slice(1, -1)) : step));

const helmObjectPath = (manifest: Json) => `manifest(${String(manifest.kind ?? "?")}/${String(obj(manifest.metadata).name ?? "?")})`;

function objectsOf(resources: PlannedResource[], unreadable: Unreadable[]): ObjectView[] {
  const views: ObjectView[] = [];
  for (const resource of resources) {
    if (resource.mode !== "managed" || (resource.actions.length === 1 && resource.actions[0] === "delete")) continue;
    const typedKind = workloadTypes[resource.type] ?? otherTypes[resource.type];
    if (typedKind) {
      const root = new View(resource.values, "", true);
      views.push({ address: resource.address, source: "kubernetes", kind: typedKind, apiVersion: "", root, metadata: root.child("metadata"), spec: typedKind === "StorageClass" || typedKind === "ConfigMap" || typedKind === "Secret" ? root : root.child("spec"), unknown: resource.afterUnknown });
    } else if (resource.type === "kubernetes_manifest") {
      const root = new View(obj(resource.values.manifest), "manifest", false);
      if (unknownAt(resource.afterUnknown, ["manifest"]) || Object.keys(root.value).length === 0) {
        unreadable.push({ address: resource.address, kind: "unknown", name: "", namespace: "", path: "manifest", reason: "the manifest is known only after apply" });
        continue;
      }
      views.push({ address: resource.address, source: "kubernetes", kind: String(root.value.kind ?? ""), apiVersion: String(root.value.apiVersion ?? ""), root, metadata: root.child("metadata"), spec: root.child("spec"), unknown: obj(resource.afterUnknown).manifest });
    } else if (resource.type.startsWith("kubernetes_") && hasPodShape(resource.values, true)) {
      // A kubernetes_* type this table does not know, yet it declares containers: fail closed.
      const metadata = block(resource.values.metadata);
      unreadable.push({ address: resource.address, kind: resource.type, name: String(metadata.name ?? ""), namespace: String(metadata.namespace ?? ""), path: "", reason: `${resource.type} declares containers, and the facts layer does not read this resource type` });
    }
    if (resource.type === "helm_release") {
      if (!resource.helm || resource.helm.manifestUnknown || !resource.helm.rendered) {
        unreadable.push({
          address: resource.address,
          kind: "HelmRelease",
          name: String(resource.values.name ?? resource.name),
          namespace: resource.helm?.namespace ?? "",
          path: "manifest",
          reason: resource.helm?.manifestUnknown
            ? "the rendered manifest is known only after apply (a value of the release is unknown at plan time)"
            : "the plan carries no rendered manifest (the helm provider's experiments.manifest is off)",
        });
        continue;
      }
      for (const manifest of resource.helm.manifests) {
        const root = new View(manifest, helmObjectPath(manifest), false);
        views.push({ address: resource.address, source: "helm", kind: String(manifest.kind ?? ""), apiVersion: String(manifest.apiVersion ?? ""), root, metadata: root.child("metadata"), spec: root.child("spec"), releaseNamespace: resource.helm.namespace, unknown: undefined });
      }
    }
  }
  return views;
}

/**
 * Whether an object looks like it runs pods: a list of containers anywhere (containers,
 * initContainers, a provider's container blocks), or an image named at the top of its spec.
 */
function hasPodShape(value: unknown, typed: boolean, depth = 0): boolean {
  if (depth > 12 || !value || typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some((item) => hasPodShape(item, typed, depth + 1));
  for (const [key, item] of Object.entries(value)) {
    const containerKey = typed ? /^(init_)?container$/.test(key) : /^(init|ephemeral)?[cC]ontainers$/.test(key);
    if (containerKey && Array.isArray(item) && item.some((c) => c && typeof c === "object" && ("image" in c || "name" in c))) return true;
    if (hasPodShape(item, typed, depth + 1)) return true;
  }
  return false;
}

const imageAtTop = (spec: Json): boolean => ["image", "imageName"].some((key) => typeof spec[key] === "string" && spec[key] !== "");

function workloadOf(view: ObjectView, unreadable: Unreadable[]): Workload | undefined {
  const name = String(view.metadata.value.name ?? "");
  const namespace = String(view.metadata.value.namespace ?? view.releaseNamespace ?? "default");
  const { pod, template } = podSpecOf(view.kind, view.spec);
  const objectPath = view.root.path;
  const unread = (reason: string, path: string) => {
    unreadable.push({ address: view.address, kind: view.kind, name, namespace, path, reason });
    return undefined;
  };
  if (unknownAt(view.unknown, stepsOf(pod.path.replace(/^manifest\.?/, "")))) return unread("its pod template is known only after apply", pod.path);
  const containerViews = [
    ...pod.items("init_container", "initContainers").map((c) => ({ view: c, init: true, ephemeral: false })),
    ...pod.items("container", "containers").map((c) => ({ view: c, init: false, ephemeral: false })),
    ...pod.items("ephemeral_container", "ephemeralContainers").map((c) => ({ view: c, init: false, ephemeral: true })),
  ];
  if (containerViews.length === 0) return unread("no container could be read from its pod template", pod.path);
  for (const { view: container } of containerViews) {
    if (unknownAt(view.unknown, stepsOf(`${container.path}.image`.replace(/^manifest\.?/, "")))) return unread(`container "${String(container.value.name ?? "")}" has an image known only after apply`, container.path);
  }
  const podSecurity = pod.child("security_context", "securityContext");
  const podMetadata = template ? template.child("metadata") : view.metadata;
  const containers = containerViews.map(({ view: c, init, ephemeral }) => containerOf(c, init, ephemeral));
  const volumes = pod.items("volume", "volumes").map(volumeOf);
  const claims: Claim[] = view.spec.items("volume_claim_template", "volumeClaimTemplates").map((claimTemplate) => {
    const spec = claimTemplate.child("spec");
    return defined({
      address: view.address,
      name: String(claimTemplate.child("metadata").value.name ?? ""),
      namespace,
      storageClass: optionalString(spec.raw("storage_class_name", "storageClassName")),
      accessModes: stringList(spec.raw("access_modes", "accessModes")),
      owner: name,
      volumeName: optionalString(spec.raw("volume_name", "volumeName")),
      source: "volumeClaimTemplate" as const,
      path: claimTemplate.path,
      storage: storageOf(spec),
    }) as Claim;
  });
  for (const volume of volumes.filter((v) => v.type === "ephemeral")) {
    claims.push(defined({ address: view.address, name: volume.name, namespace, storageClass: volume.storageClass, accessModes: volume.accessModes ?? [], owner: name, source: "ephemeral" as const, path: volume.path }) as Claim);
  }
  const workload: Workload = defined({
    address: view.address,
    source: view.source,
    kind: view.kind,
    name,
    namespace,
    labels: strings(view.metadata.raw("labels")),
    path: objectPath,
    podPath: pod.path,
    podLabels: strings(podMetadata.raw("labels")),
    podAnnotations: strings(podMetadata.raw("annotations")),
    podRunAsNonRoot: optionalBoolean(podSecurity.raw("run_as_non_root", "runAsNonRoot")),
    podRunAsUser: optionalNumber(podSecurity.raw("run_as_user", "runAsUser")),
    podSeccompProfile: optionalString(podSecurity.child("seccomp_profile", "seccompProfile").raw("type")),
    hostNetwork: pod.raw("host_network", "hostNetwork") === true,
    hostPID: pod.raw("host_pid", "hostPID") === true,
    hostIPC: pod.raw("host_ipc", "hostIPC") === true,
    sysctls: podSecurity.items("sysctl", "sysctls").map((s) => String(s.value.name ?? "")),
    containers,
    volumes,
    claims,
    schedule: view.kind === "CronJob" ? String(view.spec.raw("schedule") ?? "") : undefined,
    suspend: view.kind === "CronJob" ? view.spec.raw("suspend") === true : undefined,
    replicas: replicasOf(view.spec.raw("replicas")),
  }) as Workload;
  const database = databaseServerOf(workload);
  if (database) workload.database = database;
  return workload;
}

/** A claim's requested size: resources.requests.storage in either spelling. */
function storageOf(spec: View): string | undefined {
  return strings(spec.child("resources").raw("requests")).storage;
}

function replicasOf(value: unknown): number | undefined {
  const replicas = optionalNumber(value);
  return replicas !== undefined && Number.isFinite(replicas) ? replicas : undefined;
}

function networkPolicyOf(view: ObjectView, name: string, namespace: string): NetworkPolicyFact {
  const selector = view.spec.child("pod_selector", "podSelector");
  const selectsAllPods = Object.keys(strings(selector.raw("match_labels", "matchLabels"))).length === 0 && list(selector.raw("match_expressions", "matchExpressions")).length === 0;
  const ingress = view.spec.items("ingress");
  const egress = view.spec.items("egress");
  const policyTypes = stringList(view.spec.raw("policy_types", "policyTypes"));
  const effectivePolicyTypes = policyTypes.length > 0 ? policyTypes : ["Ingress", ...(egress.length > 0 ? ["Egress"] : [])];
  const admitsAllIngress = ingress.some((rule) => list(rule.raw("from")).length === 0 && list(rule.raw("ports")).length === 0);
  return { address: view.address, name, namespace, selectsAllPods, policyTypes, effectivePolicyTypes, ingressRules: ingress.length, egressRules: egress.length, admitsAllIngress, path: view.spec.path };
}

// Traefik's rule language: Host(`a`) || Host(`b`, `c`) (v2 allows several), HostSNI for TCP.
const traefikHosts = (rule: string) =>
  [...rule.matchAll(/\bHost(?:SNI)?\s*\(([^)]*)\)/g)].flatMap((m) => [...m[1]!.matchAll(/[`"]([^`"]+)[`"]/g)].map((h) => h[1]!)).filter((host) => host !== "*");
const traefikRegexps = (rule: string) => [...rule.matchAll(/\bHost(?:SNI)?Regexp\s*\(([^)]*)\)/g)].flatMap((m) => [...m[1]!.matchAll(/`([^`]+)`|"([^"]+)"/g)].map((h) => h[1] ?? h[2]!));

function ingressOf(view: ObjectView, name: string, namespace: string): IngressFact | undefined {
  const annotations = strings(view.metadata.raw("annotations"));
  const path = view.spec.path;
  switch (view.kind) {
    case "Ingress": {
      const hosts = view.spec.items("rule", "rules").map((rule) => rule.raw("host")).filter((host): host is string => typeof host === "string" && host !== "");
      const tls = view.spec.items("tls").map((entry) => ({ hosts: stringList(entry.raw("hosts")), secretName: String(entry.raw("secret_name", "secretName") ?? "") }));
      return { address: view.address, kind: "Ingress", name, namespace, hosts, tlsHosts: tls.flatMap((entry) => entry.hosts), tls, annotations, hostRegexps: [], entryPoints: [], path };
    }
    case "IngressRoute":
    case "IngressRouteTCP": {
      const rules = view.spec.items("routes").map((route) => String(route.raw("match") ?? ""));
      const hosts = rules.flatMap(traefikHosts);
      const hostRegexps = rules.flatMap(traefikRegexps);
      const tlsBlock = obj(view.spec.raw("tls"));
      const tlsHosts = Object.keys(tlsBlock).length > 0 ? hosts : [];
      return { address: view.address, kind: view.kind, name, namespace, hosts, tlsHosts, tls: [], annotations, hostRegexps, entryPoints: stringList(view.spec.raw("entryPoints", "entry_points")), path };
    }
    case "HTTPRoute":
    case "GRPCRoute":
    case "TLSRoute":
      // Gateway API: TLS lives on the Gateway's listener, which these routes do not show.
      return { address: view.address, kind: view.kind, name, namespace, hosts: stringList(view.spec.raw("hostnames")), tlsHosts: [], tls: [], annotations, hostRegexps: [], entryPoints: [], path };
    default:
      return undefined;
  }
}

function persistentVolumeOf(view: ObjectView, name: string): PersistentVolumeFact {
  const typed = view.root.typed;
  const source = typed ? view.spec.child("persistent_volume_source") : view.spec;
  const ignored = new Set(["capacity", "access_modes", "accessModes", "claim_ref", "claimRef", "storage_class_name", "storageClassName", "persistent_volume_reclaim_policy", "persistentVolumeReclaimPolicy", "mount_options", "mountOptions", "node_affinity", "nodeAffinity", "volume_mode", "volumeMode", "persistent_volume_source", "volume_attributes_class_name", "volumeAttributesClassName"]);
  const sourceKey = Object.keys(source.value).find((key) => !ignored.has(key) && source.value[key] !== null && !(Array.isArray(source.value[key]) && (source.value[key] as unknown[]).length === 0));
  const type = sourceKey ? (volumeTypes[sourceKey] ?? sourceKey) : "unknown";
  return defined({
    address: view.address,
    name,
    storageClass: optionalString(view.spec.raw("storage_class_name", "storageClassName")),
    type,
    driver: type === "csi" && sourceKey ? String(source.child(sourceKey).raw("driver") ?? "") : undefined,
    reclaimPolicy: optionalString(view.spec.raw("persistent_volume_reclaim_policy", "persistentVolumeReclaimPolicy")),
    accessModes: stringList(view.spec.raw("access_modes", "accessModes")),
    path: sourceKey ? source.join(sourceKey) : view.spec.path,
  }) as PersistentVolumeFact;
}

export function factsOf(resources: PlannedResource[]): Facts {
  const facts: Facts = { workloads: [], claims: [], namespaces: [], networkPolicies: [], ingresses: [], storageClasses: [], persistentVolumes: [], configMaps: [], secrets: [], unreadable: [], services: [] };
  for (const view of objectsOf(resources, facts.unreadable)) {
    const metadata = view.metadata.value;
    const name = String(metadata.name ?? "");
    const namespace = String(metadata.namespace ?? view.releaseNamespace ?? "default");
    const group = view.apiVersion.split("/").length > 1 ? view.apiVersion.split("/")[0]! : "";
    const operatorEngine = databaseOperatorKinds[`${group}/${view.kind}`];
    if (workloadKinds.has(view.kind)) {
      const workload = workloadOf(view, facts.unreadable);
      if (workload) {
        facts.workloads.push(workload);
        facts.claims.push(...workload.claims);
      }
      continue;
    }
    if (operatorEngine) {
      const image = String(view.spec.raw("image", "imageName") ?? "");
      facts.workloads.push({
        address: view.address, source: view.source, kind: view.kind, name, namespace, labels: strings(metadata.labels), path: view.root.path, podPath: view.spec.path, podLabels: {}, podAnnotations: {},
        hostNetwork: false, hostPID: false, hostIPC: false, sysctls: [], containers: [], volumes: [], claims: [], database: { engine: operatorEngine, by: "operator", ...(image ? { container: image } : {}) },
      });
      facts.unreadable.push({ address: view.address, kind: view.kind, name, namespace, path: view.root.path, reason: `${view.apiVersion} ${view.kind} is an operator-run database whose pods the plan does not show` });
      continue;
    }
    switch (view.kind) {
      case "PersistentVolumeClaim":
        facts.claims.push(defined({
          address: view.address, name, namespace,
          storageClass: typeof view.spec.raw("storage_class_name", "storageClassName") === "string" ? String(view.spec.raw("storage_class_name", "storageClassName")) : undefined,
          accessModes: stringList(view.spec.raw("access_modes", "accessModes")),
          volumeName: optionalString(view.spec.raw("volume_name", "volumeName")),
          source: "persistentVolumeClaim" as const, path: view.spec.path,
          storage: storageOf(view.spec),
        }) as Claim);
        break;
      case "Service":
        facts.services.push({ address: view.address, name, namespace, type: String(view.spec.raw("type") ?? "ClusterIP"), annotations: strings(metadata.annotations) });
        break;
      case "PersistentVolume":
        facts.persistentVolumes.push(persistentVolumeOf(view, name));
        break;
      case "Namespace":
        facts.namespaces.push({ address: view.address, name, labels: strings(metadata.labels), path: view.metadata.path, networkPolicyNames: [] });
        break;
      case "NetworkPolicy":
        facts.networkPolicies.push(networkPolicyOf(view, name, namespace));
        break;
      case "StorageClass":
        facts.storageClasses.push(defined({ address: view.address, name, provisioner: String(view.root.raw("storage_provisioner", "provisioner") ?? ""), reclaimPolicy: optionalString(view.root.raw("reclaim_policy", "reclaimPolicy")), path: view.root.join(view.root.typed ? "storage_provisioner" : "provisioner") }) as StorageClassFact);
        break;
      case "ConfigMap":
        facts.configMaps.push({ address: view.address, name, namespace, labels: strings(metadata.labels), data: strings(view.root.raw("data")), path: view.root.join("data") });
        break;
      case "Secret":
        facts.secrets.push({ address: view.address, name, namespace, labels: strings(metadata.labels), path: view.metadata.path });
        break;
      case "CustomResourceDefinition":
        break;
      default: {
        const ingress = ingressOf(view, name, namespace);
        if (ingress) facts.ingresses.push(ingress);
        else if (hasPodShape(view.spec.value, view.root.typed) || imageAtTop(view.spec.value)) {
          facts.unreadable.push({ address: view.address, kind: view.kind, name, namespace, path: view.root.path, reason: `${view.apiVersion || "a"} ${view.kind} names containers or an image, and the facts layer does not read that kind` });
        }
      }
    }
  }
  const policyNames = new Map<string, string[]>();
  for (const policy of facts.networkPolicies) policyNames.set(policy.namespace, [...(policyNames.get(policy.namespace) ?? []), policy.name]);
  for (const namespace of facts.namespaces) namespace.networkPolicyNames = policyNames.get(namespace.name) ?? [];
  return facts;
}
