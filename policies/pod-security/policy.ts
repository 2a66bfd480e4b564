import { z } from "zod";
import { defineRule, type Violation } from "../../harness/policy/types.ts";
import type { Container, Workload } from "../../harness/policy/facts.ts";
import { imageRepository } from "../../harness/policy/databases.ts";
import rootAllowed from "./root-allowed.json" with { type: "json" };
import privilegedNamespaces from "./privileged-namespaces.json" with { type: "json" };
import capabilityExceptionList from "./capability-exceptions.json" with { type: "json" };

const levels = ["privileged", "baseline", "restricted"];
const enforceLabel = "pod-security.kubernetes.io/enforce";
/** The one list of namespaces allowed the privileged level and host access. */
const privileged = new Set(Object.keys(privilegedNamespaces).filter((key) => !key.startsWith("$")));
const listFile = "policies/pod-security/privileged-namespaces.json";
const exceptionFile = "policies/pod-security/capability-exceptions.json";

// One container of one workload in one namespace may add exactly the capabilities its entry
// lists. A malformed entry stops the rule from loading: an exception must never widen by accident.
const capabilityExceptions = z
  .object({
    exceptions: z.array(
      z.strictObject({
        namespace: z.string().min(1),
        kind: z.string().min(1),
        name: z.string().min(1),
        container: z.string().min(1),
        capabilities: z.array(z.string().regex(/^[A-Z_]+$/, "a capability in upper case without CAP_")).min(1),
        reason: z.string().min(20),
      }),
    ),
  })
  .parse(capabilityExceptionList).exceptions;

/** The capabilities an exception allows this container to add (none unless namespace, kind, workload and container all match). */
const excepted = (container: Container, workload: Workload): Set<string> =>
  new Set(capabilityExceptions.filter((entry) => entry.namespace === workload.namespace && entry.kind === workload.kind && entry.name === workload.name && entry.container === container.name).flatMap((entry) => entry.capabilities));

// Pod Security "baseline" allows adding only these capabilities.
const baselineCapabilities = new Set(["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]);
// ... and only these sysctls.
const safeSysctls = new Set(["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"]);

/** The image without tag or digest, with Docker Hub's implicit prefixes dropped, as root-allowed.json names it. */
const repositoryOf = (image: string) => imageRepository(image).path.replace(/^library\//, "");
/** The same with its registry when the image names one other than Docker Hub: "ghcr.io/mailu/admin" allows that registry's image only. */
const qualifiedRepositoryOf = (image: string) => {
  const withoutDigest = image.trim().toLowerCase().split("@")[0]!;
  const colon = withoutDigest.lastIndexOf(":");
  const repository = colon > withoutDigest.lastIndexOf("/") ? withoutDigest.slice(0, colon) : withoutDigest;
  const path = repositoryOf(image);
  return repository.endsWith(`/${path}`) && !/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//.test(repository) ? repository : path;
};
const rootAllowedFor = (image: string) => Object.hasOwn(rootAllowed, repositoryOf(image)) || Object.hasOwn(rootAllowed, qualifiedRepositoryOf(image));

/**
 * Why the container may run as root, or undefined when it cannot. Container settings override
 * the pod's; with no uid set, runAsNonRoot makes the kubelet refuse an image whose user is root.
 */
function rootReason(container: Container, workload: Workload): string | undefined {
  const user = container.runAsUser ?? workload.podRunAsUser;
  if (user !== undefined) return user > 0 ? undefined : `runs as root: runAsUser ${user}`;
  const nonRoot = container.runAsNonRoot ?? workload.podRunAsNonRoot;
  if (nonRoot === true) return undefined;
  return `may run as root: runAsNonRoot is ${nonRoot ?? "unset"} and no runAsUser is set on it or its pod, so image "${container.image}" decides`;
}

const subject = (container: Container, workload: Workload) =>
  `${container.init ? "init container" : container.ephemeral ? "ephemeral container" : "container"} "${container.name}" of ${workload.kind} ${workload.namespace}/${workload.name}`;

/** Baseline-level host access and privilege, each with the value path it sits at. */
function* hostAccess(workload: Workload, enforced: string | undefined): Generator<{ path: string; what: string; fix?: string }> {
  // In the resource's own spelling: host_pid in a kubernetes_* resource, hostPID in a manifest.
  const typed = !workload.podPath.startsWith("manifest");
  const at = (field: string) => `${workload.podPath}.${typed ? field.replace(/([a-z])([A-Z]+)/g, "$1_$2").toLowerCase().replace(/^security_context\./, "security_context[0].") : field}`;
  const it = `${workload.kind} ${workload.namespace}/${workload.name}`;
  if (workload.hostNetwork) yield { path: at("hostNetwork"), what: `${it} uses the host's network namespace (hostNetwork)` };
  if (workload.hostPID) yield { path: at("hostPID"), what: `${it} uses the host's PID namespace (hostPID)` };
  if (workload.hostIPC) yield { path: at("hostIPC"), what: `${it} uses the host's IPC namespace (hostIPC)` };
  for (const volume of workload.volumes.filter((v) => v.type === "hostPath")) yield { path: volume.path, what: `${it} mounts the host path ${volume.hostPath} (volume "${volume.name}")` };
  for (const sysctl of workload.sysctls.filter((name) => !safeSysctls.has(name))) yield { path: at("securityContext.sysctls"), what: `${it} sets the unsafe sysctl ${sysctl}` };
  if (workload.podSeccompProfile === "Unconfined") yield { path: at("securityContext.seccompProfile"), what: `${it} runs without seccomp (seccompProfile Unconfined)` };
  for (const container of workload.containers) {
    const who = subject(container, workload);
    if (container.privileged === true) yield { path: container.path, what: `${who} is privileged` };
    if (container.hostPorts.length > 0) yield { path: container.path, what: `${who} binds host port ${container.hostPorts.join(", ")}` };
    const allowed = excepted(container, workload);
    const added = container.capabilitiesAdd.filter((cap) => !baselineCapabilities.has(cap) && !allowed.has(cap));
    if (added.length > 0) {
      yield {
        path: container.path,
        what: `${who} adds the capabilities ${added.join(", ")}`,
        fix: `Drop ${added.join(", ")} (grant only a baseline capability, or run as the uid that owns the files); a reviewed need of one container goes into ${exceptionFile} with its namespace, workload, container, capability and reason.`,
      };
    }
    // The kubernetes provider sends allow_privilege_escalation = true unless a container sets it.
    if (container.allowPrivilegeEscalation === true) yield { path: container.path, what: `${who} allows privilege escalation (set allow_privilege_escalation = false; the provider defaults it to true)` };
    else if (enforced === "restricted" && container.allowPrivilegeEscalation !== false) yield { path: container.path, what: `${who} does not set allowPrivilegeEscalation = false, which its restricted namespace requires (its pods would be refused)` };
    if (container.seccompProfile === "Unconfined") yield { path: container.path, what: `${who} runs without seccomp (seccompProfile Unconfined)` };
    if (container.procMount !== undefined && container.procMount !== "Default") yield { path: container.path, what: `${who} sets procMount ${container.procMount}` };
  }
}

export default defineRule({
  id: "pod-security",
  title: "Pod Security: labelled namespaces, non-root, host access only in the listed infra namespaces",
  severity: "error",
  evaluate(input) {
    const violations: Violation[] = [];
    const enforcedLevel = new Map<string, string>();
    for (const namespace of input.facts.namespaces) {
      const level = namespace.labels[enforceLabel];
      if (level !== undefined) enforcedLevel.set(namespace.name, level);
      const path = `${namespace.path}.labels`;
      if (level !== undefined && levels.includes(level) && (level !== "privileged" || privileged.has(namespace.name))) continue;
      violations.push({
        address: namespace.address,
        path,
        message: level === undefined
          ? `namespace "${namespace.name}" has no ${enforceLabel} label`
          : level === "privileged"
            ? `namespace "${namespace.name}" enforces "privileged", and it is not one of the namespaces listed in ${listFile}`
            : `namespace "${namespace.name}" has ${enforceLabel} = "${level}", which is not a Pod Security level`,
        fix: `Label namespace "${namespace.name}" ${enforceLabel} = "restricted" (or "baseline" for an app that cannot meet restricted); "privileged" is only for the namespaces in ${listFile}.`,
      });
    }

    for (const workload of input.facts.workloads) {
      for (const container of workload.containers) {
        const repository = repositoryOf(container.image);
        const root = rootReason(container, workload);
        if (root && !rootAllowedFor(container.image)) {
          violations.push({
            address: workload.address,
            path: container.path,
            message: `${subject(container, workload)} ${root}`,
            fix: `Set security_context { run_as_non_root = true, run_as_user = <the image's non-root uid> } on the pod or on "${container.name}"; if the image truly needs root, add "${repository}" with the reason to policies/pod-security/root-allowed.json.`,
          });
        }
      }
      if (privileged.has(workload.namespace)) continue;
      for (const access of hostAccess(workload, enforcedLevel.get(workload.namespace))) {
        violations.push({
          address: workload.address,
          path: access.path,
          message: `${access.what}, in namespace "${workload.namespace}", which is not listed in ${listFile}`,
          fix: access.fix ?? `Remove it (grant only a baseline capability, set allowPrivilegeEscalation = false, use a volume instead of a host path); a node agent that needs the host belongs in a namespace of ${listFile}.`,
        });
      }
    }
    return violations;
  },
});
