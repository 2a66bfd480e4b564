import type { PlannedResource } from "../plan.ts";

/**
 * The Kubernetes objects of a plan in one shape, whether a `kubernetes_*_v1` resource declares
 * them (snake_case, nested blocks as one-element lists) or a Helm chart renders them
 * (camelCase manifests). Rules read these instead of each walking both shapes.
 */
export interface Container {
  name: string;
  image: string;
  init: boolean;
  requests: Record<string, string>;
  limits: Record<string, string>;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  privileged?: boolean;
  /** Literal environment values (references to Secrets are left out). */
  env: Record<string, string>;
}

export interface Claim {
  address: string;
  name: string;
  namespace: string;
  storageClass?: string;
  accessModes: string[];
  /** A StatefulSet's volumeClaimTemplate names the StatefulSet here. */
  owner?: string;
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
  podRunAsNonRoot?: boolean;
  podRunAsUser?: number;
  containers: Container[];
  claims: Claim[];
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

export interface NamespaceFact {
  address: string;
  name: string;
  labels: Record<string, string>;
}

export interface NetworkPolicyFact {
  address: string;
  name: string;
  namespace: string;
  selectsAllPods: boolean;
  policyTypes: string[];
}

export interface IngressFact {
  address: string;
  kind: string;
  name: string;
  namespace: string;
  hosts: string[];
  tlsHosts: string[];
}

export interface Facts {
  workloads: Workload[];
  claims: Claim[];
  namespaces: NamespaceFact[];
  networkPolicies: NetworkPolicyFact[];
  ingresses: IngressFact[];
  storageClasses: Array<{ address: string; name: string; provisioner: string }>;
  services: ServiceFact[];
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** A provider block (one-element list) or a manifest object, read the same way. */
const block = (value: unknown): Json => obj(Array.isArray(value) ? value[0] : value);
const strings = (value: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(value)).filter(([, v]) => typeof v === "string" || typeof v === "number").map(([k, v]) => [k, String(v)]));
const field = (object: Json, snake: string, camel: string): unknown => object[snake] ?? object[camel];

function containerOf(raw: unknown, init: boolean): Container {
  const container = obj(raw);
  const resources = block(container.resources);
  const security = block(field(container, "security_context", "securityContext"));
  const env: Record<string, string> = {};
  for (const entry of list(container.env)) {
    const { name, value } = obj(entry);
    if (typeof name === "string" && typeof value === "string") env[name] = value;
  }
  const runAsNonRoot = field(security, "run_as_non_root", "runAsNonRoot");
  const runAsUser = field(security, "run_as_user", "runAsUser");
  return {
    name: String(container.name ?? ""),
    image: String(container.image ?? ""),
    init,
    requests: strings(resources.requests),
    limits: strings(resources.limits),
    ...(typeof runAsNonRoot === "boolean" ? { runAsNonRoot } : {}),
    ...(runAsUser !== undefined && runAsUser !== null && runAsUser !== "" ? { runAsUser: Number(runAsUser) } : {}),
    ...(typeof security.privileged === "boolean" ? { privileged: security.privileged } : {}),
    env,
  };
}

function podSpecOf(kind: string, spec: Json): Json {
  if (kind === "Pod") return spec;
  if (kind === "CronJob") return block(block(block(block(field(spec, "job_template", "jobTemplate")).spec).template).spec);
  return block(block(spec.template).spec);
}

const workloadKinds: Record<string, string> = {
  kubernetes_deployment_v1: "Deployment",
  kubernetes_stateful_set_v1: "StatefulSet",
  kubernetes_daemon_set_v1: "DaemonSet",
  kubernetes_job_v1: "Job",
  kubernetes_cron_job_v1: "CronJob",
  kubernetes_pod_v1: "Pod",
};

function workloadOf(address: string, source: Workload["source"], kind: string, metadataRaw: unknown, specRaw: unknown, releaseNamespace?: string): Workload {
  const metadata = block(metadataRaw);
  const spec = block(specRaw);
  const pod = podSpecOf(kind, spec);
  const podSecurity = block(field(pod, "security_context", "securityContext"));
  const name = String(metadata.name ?? "");
  const namespace = String(metadata.namespace ?? releaseNamespace ?? "default");
  const claims = list(field(spec, "volume_claim_template", "volumeClaimTemplates")).map((template) => {
    const templateMeta = block(obj(template).metadata);
    const templateSpec = block(obj(template).spec);
    const storageClass = field(templateSpec, "storage_class_name", "storageClassName");
    const storage = storageOf(templateSpec);
    return {
      address,
      name: String(templateMeta.name ?? ""),
      namespace,
      ...(typeof storageClass === "string" ? { storageClass } : {}),
      accessModes: list(field(templateSpec, "access_modes", "accessModes")).map(String),
      owner: name,
      ...(storage ? { storage } : {}),
    };
  });
  const replicas = spec.replicas === undefined || spec.replicas === null || spec.replicas === "" ? undefined : Number(spec.replicas);
  const runAsNonRoot = field(podSecurity, "run_as_non_root", "runAsNonRoot");
  const runAsUser = field(podSecurity, "run_as_user", "runAsUser");
  return {
    address,
    source,
    kind,
    name,
    namespace,
    labels: strings(metadata.labels),
    ...(typeof runAsNonRoot === "boolean" ? { podRunAsNonRoot: runAsNonRoot } : {}),
    ...(runAsUser !== undefined && runAsUser !== null && runAsUser !== "" ? { podRunAsUser: Number(runAsUser) } : {}),
    containers: [
      ...list(field(pod, "init_container", "initContainers")).map((c) => containerOf(c, true)),
      ...list(field(pod, "container", "containers")).map((c) => containerOf(c, false)),
    ],
    claims,
    ...(replicas !== undefined && Number.isFinite(replicas) ? { replicas } : {}),
  };
}

/** A claim's requested size: resources.requests.storage in either shape. */
function storageOf(spec: Json): string | undefined {
  const storage = strings(block(spec.resources).requests).storage;
  return storage === undefined ? undefined : String(storage);
}

/** Each Kubernetes object of the plan with the address it comes from, in manifest terms. */
interface ObjectView {
  address: string;
  source: Workload["source"];
  kind: string;
  metadata: unknown;
  spec: unknown;
  releaseNamespace?: string;
}

const otherKinds: Record<string, string> = {
  kubernetes_namespace_v1: "Namespace",
  kubernetes_persistent_volume_claim_v1: "PersistentVolumeClaim",
  kubernetes_network_policy_v1: "NetworkPolicy",
  kubernetes_ingress_v1: "Ingress",
  kubernetes_storage_class_v1: "StorageClass",
  kubernetes_service_v1: "Service",
};

function objectsOf(resources: PlannedResource[]): ObjectView[] {
  const views: ObjectView[] = [];
  for (const resource of resources) {
    if (resource.actions.length === 1 && resource.actions[0] === "delete") continue;
    const kind = workloadKinds[resource.type] ?? otherKinds[resource.type];
    if (kind) {
      // StorageClass keeps its provisioner at the top level, not under spec.
      views.push({ address: resource.address, source: "kubernetes", kind, metadata: resource.values.metadata, spec: kind === "StorageClass" ? resource.values : resource.values.spec });
    } else if (resource.type === "kubernetes_manifest") {
      const manifest = obj(resource.values.manifest);
      views.push({ address: resource.address, source: "kubernetes", kind: String(manifest.kind ?? ""), metadata: manifest.metadata, spec: manifest.kind === "StorageClass" ? manifest : manifest.spec });
    }
    for (const manifest of resource.helm?.manifests ?? []) {
      views.push({ address: resource.address, source: "helm", kind: String(manifest.kind ?? ""), metadata: manifest.metadata, spec: manifest.kind === "StorageClass" ? manifest : manifest.spec, releaseNamespace: resource.helm!.namespace });
    }
  }
  return views;
}

export function factsOf(resources: PlannedResource[]): Facts {
  const facts: Facts = { workloads: [], claims: [], namespaces: [], networkPolicies: [], ingresses: [], storageClasses: [], services: [] };
  for (const view of objectsOf(resources)) {
    const metadata = block(view.metadata);
    const spec = block(view.spec);
    const name = String(metadata.name ?? "");
    const namespace = String(metadata.namespace ?? view.releaseNamespace ?? "default");
    switch (view.kind) {
      case "Deployment":
      case "StatefulSet":
      case "DaemonSet":
      case "Job":
      case "CronJob":
      case "Pod": {
        const workload = workloadOf(view.address, view.source, view.kind, view.metadata, view.spec, view.releaseNamespace);
        facts.workloads.push(workload);
        facts.claims.push(...workload.claims);
        break;
      }
      case "PersistentVolumeClaim": {
        const storageClass = field(spec, "storage_class_name", "storageClassName");
        const storage = storageOf(spec);
        facts.claims.push({ address: view.address, name, namespace, ...(typeof storageClass === "string" ? { storageClass } : {}), accessModes: list(field(spec, "access_modes", "accessModes")).map(String), ...(storage ? { storage } : {}) });
        break;
      }
      case "Service":
        facts.services.push({ address: view.address, name, namespace, type: String(spec.type ?? "ClusterIP"), annotations: strings(metadata.annotations) });
        break;
      case "Namespace":
        facts.namespaces.push({ address: view.address, name, labels: strings(metadata.labels) });
        break;
      case "NetworkPolicy": {
        const selector = block(field(spec, "pod_selector", "podSelector"));
        const selectsAllPods = Object.keys(strings(field(selector, "match_labels", "matchLabels"))).length === 0 && list(field(selector, "match_expressions", "matchExpressions")).length === 0;
        facts.networkPolicies.push({ address: view.address, name, namespace, selectsAllPods, policyTypes: list(field(spec, "policy_types", "policyTypes")).map(String) });
        break;
      }
      case "Ingress": {
        const hosts = list(spec.rule ?? spec.rules).map((rule) => obj(rule).host).filter((host): host is string => typeof host === "string");
        const tlsHosts = list(spec.tls).flatMap((tls) => list(obj(tls).hosts).map(String));
        facts.ingresses.push({ address: view.address, kind: "Ingress", name, namespace, hosts, tlsHosts });
        break;
      }
      case "IngressRoute": {
        // Traefik's match expression: Host(`a.example.org`) || Host(`b.example.org`)
        const hosts = list(spec.routes).flatMap((route) => [...String(obj(route).match ?? "").matchAll(/Host(?:SNI)?\(([^)]*)\)/g)].flatMap((m) => [...m[1]!.matchAll(/`([^`]+)`/g)].map((h) => h[1]!)));
        const tls = obj(spec.tls);
        facts.ingresses.push({ address: view.address, kind: "IngressRoute", name, namespace, hosts, tlsHosts: Object.keys(tls).length > 0 ? hosts : [] });
        break;
      }
      case "StorageClass":
        facts.storageClasses.push({ address: view.address, name, provisioner: String(obj(view.spec).provisioner ?? obj(view.spec).storage_provisioner ?? "") });
        break;
    }
  }
  return facts;
}
