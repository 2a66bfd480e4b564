import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchV1Api, CoreV1Api, type V1Container, type V1CronJob, type V1EnvVar } from "@kubernetes/client-node";
import { kubeCall, kubeConfig } from "./cluster/api.ts";
import type { Cluster } from "./cluster/index.ts";
import { PlatformError } from "./errors.ts";
import { detail } from "./progress.ts";
import { workDir } from "./services/data-jobs.ts";
import type { ImageName } from "./services/debian-root.ts";
import type { LocalMariaDB } from "./services/mariadb.ts";
import type { LocalPostgres } from "./services/postgres.ts";
import type { LocalS3 } from "./services/s3.ts";

/**
 * Runs the data layer's Jobs exactly as applied to a cluster, on this machine: each container's
 * command, environment (Secrets resolved from the cluster) and volumes (ConfigMaps written out,
 * /work shared between the steps) in its image's stand-in from the Debian root, against local
 * PostgreSQL, MariaDB and S3 servers. Only where to connect is changed: the servers' Service
 * names and Spaces become the local servers. What ran is the applied specification, not a copy.
 */
export interface LocalJobServers {
  pg: LocalPostgres;
  maria: LocalMariaDB;
  s3: LocalS3;
}

export interface DatabaseOutcome {
  database: string;
  engine: string;
  steps: Array<{ job: string; container: string; passed: boolean; log: string }>;
  passed: boolean;
}

function imageOf(reference: string): ImageName {
  if (/(^|\/)postgres:/.test(reference)) return "postgres";
  if (/(^|\/)mariadb:/.test(reference)) return "mariadb";
  if (/(^|\/)rclone\/rclone:/.test(reference)) return "rclone";
  throw new PlatformError(`no local stand-in for image ${reference}`, "Only the data layer's images (postgres, mariadb, rclone) run locally.");
}

/**
 * Runs `work` with a list of temp folders it makes (a ConfigMap's files, a Job's shared /work)
 * and removes them when it ends, however it ends: a Secret that cannot be read or a step that
 * throws would otherwise leave them (and the provisioning SQL in them) behind.
 */
async function withTempFolders<T>(work: (made: (dir: string) => string) => Promise<T>): Promise<T> {
  const dirs: string[] = [];
  try {
    return await work((dir) => {
      dirs.push(dir);
      return dir;
    });
  } finally {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
}

export async function runDataJobsLocally(cluster: Cluster, namespace: string, servers: LocalJobServers): Promise<DatabaseOutcome[]> {
  const config = kubeConfig(cluster);
  const core = config.makeApiClient(CoreV1Api);
  const batch = config.makeApiClient(BatchV1Api);
  const secrets = new Map<string, Record<string, string>>();
  const secret = async (ns: string, name: string) => {
    const key = `${ns}/${name}`;
    if (!secrets.has(key)) {
      const read = await kubeCall(cluster, `reading Secret ${key}`, () => core.readNamespacedSecret({ namespace: ns, name }));
      secrets.set(key, Object.fromEntries(Object.entries(read.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString()])));
    }
    return secrets.get(key)!;
  };
  const resolveEnv = async (env: V1EnvVar[] | undefined): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const entry of env ?? []) {
      const ref = entry.valueFrom?.secretKeyRef;
      out[entry.name] = ref ? ((await secret(namespace, ref.name!))[ref.key] ?? "") : (entry.value ?? "");
    }
    return out;
  };
  const volumes = async (names: string[], made: (dir: string) => string): Promise<Record<string, string>> => {
    const binds: Record<string, string> = {};
    for (const name of names) {
      const map = await kubeCall(cluster, `reading ConfigMap ${namespace}/${name}`, () => core.readNamespacedConfigMap({ namespace, name }));
      const dir = made(await mkdtemp(join(tmpdir(), `configmap-${name}-`)));
      // Readable by the containers' users, as a ConfigMap volume is.
      await chmod(dir, 0o755);
      for (const [file, content] of Object.entries(map.data ?? {})) await writeFile(join(dir, file), content, { mode: 0o555 });
      binds[name] = dir;
    }
    return binds;
  };

  // Where the pods would connect, pointed at the local servers.
  const pg = servers.pg.env;
  const maria = servers.maria.env;
  const local: Partial<Record<ImageName, Record<string, string>>> = {
    postgres: { PGHOST: pg.PGHOST, PGPORT: pg.PGPORT },
    mariadb: { MARIADB_HOST: maria.MARIADB_HOST, MARIADB_PORT: maria.MARIADB_PORT },
    rclone: { ...servers.s3.rcloneEnv(), RCLONE_CONFIG_BACKUPS_NO_CHECK_BUCKET: "true" },
  };
  const superuser: Partial<Record<ImageName, Record<string, string>>> = {
    postgres: { PGUSER: pg.PGUSER, PGPASSWORD: pg.PGPASSWORD },
    mariadb: { MARIADB_USER: maria.MARIADB_USER, MARIADB_PASSWORD: maria.MARIADB_PASSWORD },
  };

  const runContainer = async (container: V1Container, mounts: Record<string, string>, asSuperuser: boolean) => {
    const image = imageOf(container.image!);
    const env = { ...(await resolveEnv(container.env)), ...local[image], ...(asSuperuser ? superuser[image] : {}) };
    const binds = Object.fromEntries((container.volumeMounts ?? []).filter((mount) => mounts[mount.name]).map((mount) => [mount.mountPath, mounts[mount.name]!]));
    const [command, ...args] = [...(container.command ?? []), ...(container.args ?? [])];
    const result = await servers.pg.root.exec(command!, args, { image, env, binds, ...(container.securityContext?.runAsUser ? { uid: container.securityContext.runAsUser } : {}) }, { reject: false, all: true, timeout: 600_000 });
    return { passed: result.exitCode === 0, log: String(result.all ?? "") };
  };

  // Provisioning first: it creates each app's database and user, and the backup user, with the
  // passwords the cluster's Secrets hold.
  const provisioning = await kubeCall(cluster, `listing provisioning Jobs in ${namespace}`, () => batch.listNamespacedJob({ namespace, labelSelector: "app.kubernetes.io/component=provisioning" }));
  for (const job of provisioning.items) {
    await withTempFolders(async (made) => {
      const pod = job.spec!.template.spec!;
      const mounts = await volumes(pod.volumes?.filter((volume) => volume.configMap).map((volume) => volume.configMap!.name!) ?? [], made);
      const byVolume = Object.fromEntries((pod.volumes ?? []).filter((volume) => volume.configMap).map((volume) => [volume.name, mounts[volume.configMap!.name!]!]));
      for (const container of pod.containers) {
        detail(`provisioning: ${job.metadata!.name}`);
        const outcome = await runContainer(container, byVolume, true);
        if (!outcome.passed) throw new PlatformError(`provisioning Job ${job.metadata!.name} failed locally: ${outcome.log.trim().split("\n").slice(-2).join(" ")}`, "Fix the provisioning script or its inputs.");
      }
    });
  }

  // Each app writes something first, as itself, with the connection Secret it was given.
  const connections = await kubeCall(cluster, "listing connection Secrets", () => core.listSecretForAllNamespaces({ labelSelector: "platform/database-owner" }));
  for (const item of connections.items) {
    const data = Object.fromEntries(Object.entries(item.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
    const sql = "CREATE TABLE e2e_notes (id int PRIMARY KEY, note varchar(64)); INSERT INTO e2e_notes VALUES (1, 'written by the app before the backup'), (2, 'and read back after the restore');";
    const result =
      item.metadata?.labels?.["platform/database-engine"] === "postgresql"
        ? await servers.pg.run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", data.database!, "-c", sql], { env: { PGUSER: data.username!, PGPASSWORD: data.password! } }, { reject: false, all: true })
        : await servers.maria.sqlAs(data.username!, data.password!, data.database!, sql);
    if (result.exitCode !== 0) throw new PlatformError(`the app user of ${data.database} could not write with its connection Secret: ${String(result.all).trim().split("\n").at(-1)}`, "Check the provisioning SQL and the connection Secret.");
  }

  const cronJobs = await kubeCall(cluster, `listing CronJobs in ${namespace}`, () => batch.listNamespacedCronJob({ namespace }));
  const byDatabase = new Map<string, { engine: string; backup?: V1CronJob; restoreTest?: V1CronJob }>();
  for (const cronJob of cronJobs.items) {
    const labels = cronJob.metadata!.labels ?? {};
    const database = labels["platform/database"];
    if (!database) continue;
    const entry = byDatabase.get(database) ?? { engine: labels["platform/backup-of"] ?? "" };
    if (labels["platform/job"] === "backup") entry.backup = cronJob;
    if (labels["platform/job"] === "restore-test") entry.restoreTest = cronJob;
    byDatabase.set(database, entry);
  }

  const buckets = new Set<string>();
  const outcomes: DatabaseOutcome[] = [];
  for (const [database, entry] of [...byDatabase.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const outcome: DatabaseOutcome = { database, engine: entry.engine, steps: [], passed: true };
    for (const cronJob of [entry.backup, entry.restoreTest]) {
      if (!cronJob) {
        outcome.passed = false;
        continue;
      }
      await withTempFolders(async (made) => {
        const pod = cronJob.spec!.jobTemplate.spec!.template.spec!;
        const work = made(await workDir(`e2e-${cronJob.metadata!.name}`));
        const configMaps = await volumes(pod.volumes?.filter((volume) => volume.configMap).map((volume) => volume.configMap!.name!) ?? [], made);
        const byVolume: Record<string, string> = { ...Object.fromEntries((pod.volumes ?? []).filter((volume) => volume.configMap).map((volume) => [volume.name, configMaps[volume.configMap!.name!]!])) };
        for (const volume of pod.volumes ?? []) {
          if (!volume.emptyDir) continue;
          const dir = join(work, volume.name);
          await mkdir(dir);
          await chmod(dir, 0o777);
          byVolume[volume.name] = dir;
        }
        for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
          const bucket = container.env?.find((entry) => entry.name === "S3_BUCKET")?.value;
          if (bucket && !buckets.has(bucket)) {
            await servers.s3.createBucket(bucket);
            buckets.add(bucket);
          }
          detail(`${cronJob.metadata!.name}: ${container.name}`);
          const step = await runContainer(container, byVolume, false);
          outcome.steps.push({ job: cronJob.metadata!.name!, container: container.name, ...step });
          if (!step.passed) {
            outcome.passed = false;
            break;
          }
        }
      });
      if (!outcome.passed) break;
    }
    outcomes.push(outcome);
  }
  return outcomes;
}
