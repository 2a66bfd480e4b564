import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { kubeGet, kubeRequest } from "./cluster/api.ts";
import { nodeNetwork } from "./cluster/node-config.ts";
import { seedStandins, type SeededImage } from "./cluster/node-images.ts";
import type { NodeCluster } from "./cluster/node.ts";
import { create, runOnce } from "./cluster/pods.ts";
import { environmentDir, openEnvironment, planAndCheck, type EnvironmentRun } from "./environment.ts";
import { PlatformError } from "./errors.ts";
import { objectStoreCa } from "./images/trust.ts";
import { loadRules } from "./policy/engine.ts";
import { detail, step } from "./progress.ts";
import { pendingAfterApply } from "./stacks.ts";
import { ensurePlanToolchain, ensureTool } from "./toolchain/index.ts";

/**
 * The data layer, run: environments/local applied to the node kind, so its StatefulSets,
 * provisioning Jobs, backup and restore-test CronJobs really run, against an object store of
 * the node's own. Each check is a fact observed on the running cluster.
 */
export interface DataLayerRun {
  /** Seconds per phase. */
  timings: Record<string, number>;
  standins: SeededImage[];
  checks: Array<{ name: string; passed: boolean; detail: string }>;
  /** The applied environment: make e2e re-plans and destroys it. */
  environment: EnvironmentRun;
  /** Removes what the run added besides the environment (the object store's namespace). */
  cleanup: () => Promise<void>;
}

type Job = { metadata: { name: string }; status?: { succeeded?: number; conditions?: Array<{ type: string; status: string; message?: string }> } };
type CronJob = { metadata: { name: string; labels: Record<string, string> }; spec: { jobTemplate: { metadata?: { labels?: Record<string, string> }; spec: Record<string, unknown> } } };

const dataNamespace = "data";
const bucket = "platform-local-backups";
/** The object store, as pods reach it: a Service in front of a server on the node's own address. */
// region: the signing region the backups use, modules/data's backup_region default (environments/local keeps it).
const store = { namespace: "e2e-objects", service: "s3", port: 443, region: "fra1" } as const;
export const objectStoreEndpoint = `https://${store.service}.${store.namespace}.svc.${nodeNetwork.clusterDomain}`;

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(500);
  }
  throw new PlatformError(`${what} did not happen within ${timeoutMs / 1000}s`, "Look at the pods' events and logs on the node (PLATFORM_NODE_KEEP_LOGS keeps the node's logs).");
}

/** versitygw inside the node on its own address, under a certificate of the test object store CA. */
async function startObjectStore(node: NodeCluster): Promise<{ accessKey: string; secretKey: string; root: string }> {
  const authority = await objectStoreCa();
  const storeHost = `${store.service}.${store.namespace}.svc.${nodeNetwork.clusterDomain}`;
  const serving = await authority.issue({ subject: "CN=e2e object store", usage: "server", ips: [nodeNetwork.nodeIp, "127.0.0.1"], dnsNames: [storeHost, `${bucket}.${storeHost}`] });
  const certs = join(node.dir, "object-store");
  const root = join(certs, "buckets");
  await mkdir(root, { recursive: true });
  await writeFile(join(certs, "tls.crt"), serving.cert);
  await writeFile(join(certs, "tls.key"), serving.key, { mode: 0o600 });
  const accessKey = `AK${randomBytes(8).toString("hex").toUpperCase()}`;
  const secretKey = randomBytes(20).toString("hex");
  node.run("versitygw", await ensureTool("versitygw"), ["--port", `${nodeNetwork.nodeIp}:${store.port}`, "--cert", join(certs, "tls.crt"), "--key", join(certs, "tls.key"), "--virtual-domain", storeHost, "--region", store.region, "posix", root], { ROOT_ACCESS_KEY_ID: accessKey, ROOT_SECRET_ACCESS_KEY: secretKey });
  await create(node, "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: store.namespace } });
  await create(node, `/api/v1/namespaces/${store.namespace}/services`, { apiVersion: "v1", kind: "Service", metadata: { name: store.service }, spec: { clusterIP: "None", ports: [{ name: "https", port: store.port, targetPort: store.port, protocol: "TCP" }] } });
  await create(node, `/apis/discovery.k8s.io/v1/namespaces/${store.namespace}/endpointslices`, {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: `${store.service}-node`, labels: { "kubernetes.io/service-name": store.service } },
    addressType: "IPv4",
    // The backups address the bucket as Spaces is addressed, by virtual host (<bucket>.<endpoint>):
    // a headless Service's endpoint hostname gives that name an address in the node's DNS.
    endpoints: [{ addresses: [nodeNetwork.nodeIp], hostname: bucket, conditions: { ready: true } }],
    ports: [{ name: "https", port: store.port, protocol: "TCP" }],
  });
  // The bucket, through the S3 API as any client would, from the host through a relay.
  const port = await node.forward(store.port, nodeNetwork.nodeIp);
  await writeFile(join(certs, "ca.crt"), authority.ca.cert);
  const remote = { RCLONE_CONFIG_E2E_TYPE: "s3", RCLONE_CONFIG_E2E_PROVIDER: "Other", RCLONE_CONFIG_E2E_ENDPOINT: `https://127.0.0.1:${port}`, RCLONE_CONFIG_E2E_ACCESS_KEY_ID: accessKey, RCLONE_CONFIG_E2E_SECRET_ACCESS_KEY: secretKey, RCLONE_CONFIG_E2E_REGION: store.region };
  const rclone = await ensureTool("rclone");
  await until("the object store answering", 60_000, async () => {
    const made = await execa(rclone, ["mkdir", `e2e:${bucket}`, "--ca-cert", join(certs, "ca.crt"), "--retries", "1"], { env: { PATH: process.env.PATH ?? "", HOME: certs, ...remote }, extendEnv: false, reject: false, all: true });
    return made.exitCode === 0 ? true : undefined;
  });
  return { accessKey, secretKey, root };
}

/** Every container image the plan would run (containers, init containers, job and cron templates). */
export function imagesIn(value: unknown, found = new Set<string>()): string[] {
  if (Array.isArray(value)) for (const item of value) imagesIn(item, found);
  else if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      if (key === "image" && typeof inner === "string" && inner) found.add(inner);
      else imagesIn(inner, found);
    }
  }
  return [...found].sort();
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Runs every CronJob of a kind once, as `kubectl create job --from=cronjob/...` does, and waits for each. */
async function runCronJobs(node: NodeCluster, kind: "backup" | "restore-test", suffix: string): Promise<Array<{ name: string; passed: boolean; detail: string }>> {
  const list = await kubeGet<{ items: CronJob[] }>(node, `/apis/batch/v1/namespaces/${dataNamespace}/cronjobs?labelSelector=${encodeURIComponent(`platform/job=${kind}`)}`);
  if (list.body.items.length === 0) throw new PlatformError(`no ${kind} CronJob in namespace ${dataNamespace}`, "The environment should back up every database; check modules/data's backups_enabled.");
  return Promise.all(
    list.body.items.map(async (cronJob) => {
      const name = `${cronJob.metadata.name}-${suffix}`.slice(0, 63);
      await create(node, `/apis/batch/v1/namespaces/${dataNamespace}/jobs`, {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name, labels: cronJob.spec.jobTemplate.metadata?.labels ?? {}, annotations: { "cronjob.kubernetes.io/instantiate": "manual" } },
        spec: cronJob.spec.jobTemplate.spec,
      });
      const outcome = await until(`Job ${name} finishing`, 600_000, async () => {
        const job = (await kubeGet<Job>(node, `/apis/batch/v1/namespaces/${dataNamespace}/jobs/${name}`)).body;
        const final = job.status?.conditions?.find((condition) => (condition.type === "Complete" || condition.type === "Failed") && condition.status === "True");
        return final ? { passed: final.type === "Complete", detail: final.message ?? final.type } : undefined;
      });
      return { name: `${kind} ${cronJob.metadata.labels["platform/database"]}`, ...outcome };
    }),
  );
}

/**
 * A shell line that retries `probe` for 30 s: a new pod's first connections race the policy
 * agent (kube-router admits the pod's address on its next sync), as the data layer's own
 * scripts do (modules/data/scripts/lib.sh, await_server). `otherwise` runs if it never succeeds.
 */
const awaitServer = (probe: string, otherwise = ":") => `i=0; until ${probe} >/dev/null 2>&1; do i=$((i+1)); [ $i -le 30 ] || { ${otherwise}; break; }; sleep 1; done`;

/** A one-off pod in `namespace`, its env from the database's connection Secret. */
async function clientPod(node: NodeCluster, namespace: string, name: string, image: string, script: string, secret?: string): Promise<{ exitCode: number; log: string }> {
  const fromSecret = (key: string, env: string) => ({ name: env, valueFrom: { secretKeyRef: { name: secret!, key } } });
  const env = secret ? [fromSecret("url", "DB_URL"), fromSecret("host", "DB_HOST"), fromSecret("port", "DB_PORT"), fromSecret("database", "DB_NAME"), fromSecret("username", "DB_USER"), fromSecret("password", "MYSQL_PWD")] : [];
  return runOnce(node, namespace, name, image, script, { env, runAs: 999, pullPolicy: "IfNotPresent", labels: { "app.kubernetes.io/name": "e2e-client" } });
}

/** What an app module adds to its namespace for its database (the namespace baseline denies all egress). */
async function allowDatabaseEgress(node: NodeCluster, namespace: string): Promise<void> {
  await create(node, `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies`, {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "e2e-database-egress" },
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": dataNamespace } } }], ports: [{ port: 5432, protocol: "TCP" }, { port: 3306, protocol: "TCP" }] }],
    },
  });
}

async function workloadsReady(node: NodeCluster): Promise<boolean> {
  const sets = await kubeGet<{ items: Array<{ spec: { replicas: number }; status?: { readyReplicas?: number } }> }>(node, `/apis/apps/v1/namespaces/${dataNamespace}/statefulsets`);
  const deployments = await kubeGet<{ items: Array<{ spec: { replicas: number }; status?: { availableReplicas?: number } }> }>(node, `/apis/apps/v1/namespaces/${dataNamespace}/deployments`);
  const jobs = await kubeGet<{ items: Job[] }>(node, `/apis/batch/v1/namespaces/${dataNamespace}/jobs?labelSelector=${encodeURIComponent("app.kubernetes.io/component=provisioning")}`);
  const failed = jobs.body.items.find((job) => job.status?.conditions?.some((c) => c.type === "Failed" && c.status === "True"));
  if (failed) throw new PlatformError(`provisioning Job ${failed.metadata.name} failed`, "See its pod's log on the node.");
  return (
    sets.body.items.length > 0 &&
    sets.body.items.every((set) => (set.status?.readyReplicas ?? 0) >= set.spec.replicas) &&
    deployments.body.items.every((deployment) => (deployment.status?.availableReplicas ?? 0) >= deployment.spec.replicas) &&
    jobs.body.items.length > 0 &&
    jobs.body.items.every((job) => (job.status?.succeeded ?? 0) >= 1)
  );
}

export async function runDataLayerOnNode(node: NodeCluster, environment = "local", report: (phase: string, seconds: number) => void = () => {}): Promise<DataLayerRun> {
  const timings: Record<string, number> = {};
  const checks: DataLayerRun["checks"] = [];
  const check = (name: string, passed: boolean, detailText: string) => {
    checks.push({ name, passed, detail: detailText });
    detail(`${passed ? "ok  " : "FAIL"} ${name}: ${detailText}`);
  };
  const timed = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    step(phase);
    const result = await work();
    timings[phase] = Number(((performance.now() - started) / 1000).toFixed(2));
    report(phase, timings[phase]!);
    return result;
  };

  const objects = await startObjectStore(node);
  const toolchain = await ensurePlanToolchain(environmentDir(environment));
  const rules = await loadRules(toolchain.opa);
  // The data layer alone: the apps' and the platform charts' official images have no stand-ins
  // on the node, so neither is planned, and nothing waits on a first apply for a second round.
  const run = await openEnvironment(environment, node, toolchain, { variables: { apps_enabled: "false", charts_available: "[]", backup_endpoint: objectStoreEndpoint, backup_access_key: objects.accessKey, backup_secret_key: objects.secretKey } });
  const checked = await planAndCheck(run, rules);
  // The node is thrown away after the run, so a gate failure is reported as a failed check
  // rather than stopping the run: the data layer is still exercised.
  const blocking = checked.evaluation.findings.filter((finding) => finding.severity === "error" && !finding.waiver).map((finding) => `${finding.ruleId}: ${finding.message}`);
  check(`the policy gate passes for ${environment}`, checked.evaluation.passed, blocking.join("; ") || "every rule passed");
  const standins = await timed("image-seeding", () => seedStandins(node, imagesIn(checked.model.resources.map((resource) => resource.values))));
  await timed("apply", () => run.tofu.apply(run.planFile));
  const pending = await pendingAfterApply(run);
  check("one apply is the whole data layer: nothing waits for a second round", pending.length === 0, pending.join("; ") || "no pending output");
  await timed("data-layer-ready", () => until("the data layer turning Ready", 600_000, async () => ((await workloadsReady(node)) ? true : undefined)));
  check("StatefulSets Ready on their claims, provisioning Jobs complete", true, "postgres, mariadb and valkey up; every database provisioned");

  const images = Object.fromEntries(standins.map((image) => [image.reference.split(/[:@]/)[0]!.split("/").pop()!, image.reference]));
  await allowDatabaseEgress(node, "n8n");
  await allowDatabaseEgress(node, "wordpress");
  // Rows of the apps' own, written as the apps' roles before the backups: each backup and restore
  // test then carries a table and a row, and the restart check reads the row back.
  const marker = `kept-${randomBytes(4).toString("hex")}`;
  const write = await clientPod(node, "n8n", "write-marker", images.postgres!, `${awaitServer("pg_isready -q -d \"$DB_URL\"")}; psql "$DB_URL" -v ON_ERROR_STOP=1 -qc "create table e2e_marker(v text); insert into e2e_marker values ('${marker}')"`, "n8n-database");
  if (write.exitCode !== 0) throw new PlatformError(`writing a row as n8n failed: ${write.log}`, "See the pod's log.");
  const writeMariadb = await clientPod(node, "wordpress", "write-marker", images.mariadb!, `${awaitServer('mariadb-admin -h "$DB_HOST" -P "$DB_PORT" --connect-timeout=5 ping')}; mariadb -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" "$DB_NAME" -e "create table e2e_marker(v text); insert into e2e_marker values ('${marker}')"`, "wordpress-database");
  if (writeMariadb.exitCode !== 0) throw new PlatformError(`writing a row as wordpress failed: ${writeMariadb.log}`, "See the pod's log.");

  for (const result of await timed("backup-jobs", () => runCronJobs(node, "backup", "e2e"))) check(result.name, result.passed, result.detail);
  const uploaded = filesUnder(join(objects.root, bucket)).map((path) => relative(join(objects.root, bucket), path));
  for (const database of ["postgresql/n8n", "mariadb/wordpress"]) {
    const manifest = uploaded.find((path) => path.startsWith(`${database}/`) && path.endsWith("/manifest.json"));
    const recorded = manifest ? (JSON.parse(await readFile(join(objects.root, bucket, manifest), "utf8")) as { tables: number; rows: number }) : undefined;
    const files = uploaded.filter((path) => path.startsWith(`${database}/`)).join(", ");
    check(`backup of ${database} in the object store, with the row written before it`, (recorded?.tables ?? 0) >= 1 && (recorded?.rows ?? 0) >= 1, recorded ? `${recorded.tables} table(s), ${recorded.rows} row(s): ${files}` : files || "nothing uploaded");
  }
  for (const result of await timed("restore-test-jobs", () => runCronJobs(node, "restore-test", "e2e"))) check(result.name, result.passed, result.detail);

  const n8n = await clientPod(node, "n8n", "own-database", images.postgres!, `${awaitServer("pg_isready -q -d \"$DB_URL\"")}; psql "$DB_URL" -tAc "select current_database() || ' as ' || current_user"`, "n8n-database");
  check("n8n's role reaches its database from its namespace", n8n.exitCode === 0 && n8n.log === "n8n as n8n", n8n.log);
  const wordpress = await clientPod(node, "wordpress", "own-database", images.mariadb!, `${awaitServer('mariadb-admin -h "$DB_HOST" -P "$DB_PORT" --connect-timeout=5 ping')}; mariadb -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" -N -e "SHOW DATABASES" 2>&1 | grep -v '^WARNING: '`, "wordpress-database");
  check("wordpress's role sees only its database", wordpress.exitCode === 0 && wordpress.log.split("\n").sort().join(",") === "information_schema,wordpress", wordpress.log.replace(/\n/g, ", "));
  // A refusal means something only once the policy agent has admitted the pod where it is
  // allowed (before that, a new pod is refused everywhere): each probe first reaches the
  // namespace's own database, then tries what it must not reach. Exit 1: refused; 0: reached.
  const postgresService = `postgres.${dataNamespace}.svc.${nodeNetwork.clusterDomain}`;
  const mariadbService = `mariadb.${dataNamespace}.svc.${nodeNetwork.clusterDomain}`;
  // bash's /dev/tcp: a bare TCP connect, in the database images (busybox's nc has no -z).
  const connects = (host: string, port: number) => `timeout 5 bash -c '</dev/tcp/${host}/${port}'`;
  const refused = (allowed: [string, number], forbidden: [string, number]) => `${awaitServer(connects(...allowed), "exit 99")}; if ${connects(...forbidden)}; then exit 0; else exit 1; fi`;
  const outcome = (exitCode: number) => (exitCode === 1 ? "refused after the allowed server answered" : exitCode === 0 ? "reached" : exitCode === 99 ? "never reached the allowed server" : `exit ${exitCode}`);
  const crossing = await clientPod(node, "n8n", "other-server", images.postgres!, refused([postgresService, 5432], [mariadbService, 3306]));
  check("a pod of n8n's namespace is refused by MariaDB's NetworkPolicy", crossing.exitCode === 1, outcome(crossing.exitCode));
  const crossingBack = await clientPod(node, "wordpress", "other-server", images.mariadb!, refused([mariadbService, 3306], [postgresService, 5432]));
  check("a pod of wordpress's namespace is refused by PostgreSQL's NetworkPolicy", crossingBack.exitCode === 1, outcome(crossingBack.exitCode));
  const storeFromApp = await clientPod(node, "n8n", "object-store", images.postgres!, refused([postgresService, 5432], [`${store.service}.${store.namespace}.svc.${nodeNetwork.clusterDomain}`, store.port]));
  check("the object store is refused to pods without the backups' explicit allow", storeFromApp.exitCode === 1, outcome(storeFromApp.exitCode));

  await kubeRequest(node, "DELETE", `/api/v1/namespaces/${dataNamespace}/pods/postgres-0`);
  await timed("pod-replaced", () => until("postgres-0 coming back", 300_000, async () => {
    const pod = await kubeGet<{ metadata: { deletionTimestamp?: string }; status?: { conditions?: Array<{ type: string; status: string }> } }>(node, `/api/v1/namespaces/${dataNamespace}/pods/postgres-0`);
    return pod.status === 200 && !pod.body.metadata.deletionTimestamp && pod.body.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? true : undefined;
  }));
  const read = await clientPod(node, "n8n", "read-marker", images.postgres!, `${awaitServer("pg_isready -q -d \"$DB_URL\"")}; psql "$DB_URL" -tAc "select v from e2e_marker"`, "n8n-database");
  check("a deleted PostgreSQL pod comes back with its data", read.exitCode === 0 && read.log === marker, read.log);
  const cleanup = async () => {
    await kubeRequest(node, "DELETE", `/api/v1/namespaces/${store.namespace}`);
  };
  return { timings, standins, checks, environment: run, cleanup };
}

/** The run for people: the stand-ins used (so nobody mistakes them for the official images), then each check. */
export function renderDataLayerRun(run: Pick<DataLayerRun, "standins" | "checks">): string {
  const lines = ["Stand-in images used (built locally from the same upstream software; not the official images):"];
  for (const image of run.standins) lines.push(`  ${image.reference} -> ${image.standin} (${image.upstream}; via ${image.via}): ${image.built}`);
  lines.push("Checks:");
  for (const item of run.checks) lines.push(`  ${item.passed ? "ok  " : "FAIL"} ${item.name}: ${item.detail}`);
  return lines.join("\n");
}
