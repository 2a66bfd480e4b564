/**
 * The one recognition of a database server, shared by every rule that asks "is this a
 * database?" (postgres-first, layering, stateful-backed-up): by the data layer's label, by the
 * image's family whatever the registry or namespace, and by what the container runs, so a
 * database image used as a client (pg_dump in a backup job) is not a server.
 */
export type DatabaseEngine = "postgresql" | "mariadb" | "mysql";

/** registry/namespace/name:tag@digest -> { path: "namespace/name", name: "name" }, lower case. */
export function imageRepository(image: string): { path: string; name: string } {
  const withoutDigest = image.trim().toLowerCase().split("@")[0]!;
  const slash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  // A colon before the last "/" is a registry port, not a tag.
  const repository = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  const parts = repository.split("/");
  // The first part is a registry host when it has a dot or a port, or is localhost.
  if (parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === "localhost")) parts.shift();
  return { path: parts.join("/"), name: parts.at(-1) ?? "" };
}

// Image names of server images by family. PostgreSQL: the official image and its derivatives
// (PostGIS, TimescaleDB, pgvector, CloudNativePG, Crunchy, Spilo, Citus, ParadeDB, Supabase,
// Bitnami's). MySQL family: MySQL, MariaDB, Percona Server and XtraDB Cluster, Galera builds.
const families: Array<[DatabaseEngine, RegExp]> = [
  ["postgresql", /^(postgres|postgresql|postgis|timescaledb|timescaledb-ha|timescaledb-postgis|pgvector|pgvecto-rs|spilo|crunchy-postgres|crunchy-postgres-gis|citus|paradedb|orioledb|postgresql-repmgr|edb-postgres|supabase-postgres)([-_.]?\d[\w.-]*)?([-_](alpine|bookworm|bullseye|debian|ubi|gis|ha|oss|ee))*$/],
  ["mariadb", /^(mariadb|mariadb-galera|mariadb-server|alpine-mariadb)([-_.]?\d[\w.-]*)?$/],
  ["mysql", /^(mysql|mysql-server|mysql-cluster|percona|percona-server|percona-xtradb-cluster|percona-server-mysql)([-_.]?\d[\w.-]*)?$/],
];
// Paths whose last name is generic but whose namespace says what it is.
const familyPaths: Array<[DatabaseEngine, RegExp]> = [
  ["postgresql", /(^|\/)(supabase\/postgres|cloudnative-pg\/postgresql|cloudnative-pg\/postgis|timescale\/timescaledb[\w-]*|postgis\/postgis|pgvector\/pgvector|ankane\/pgvector|zalando\/spilo[\w-]*|citusdata\/citus|paradedb\/paradedb)$/],
  ["mysql", /(^|\/)(mysql\/[\w-]*server|oracle\/mysql[\w-]*)$/],
];

export function databaseFamilyOf(image: string): DatabaseEngine | undefined {
  const { path, name } = imageRepository(image);
  if (!name) return undefined;
  return families.find(([, pattern]) => pattern.test(name))?.[0] ?? familyPaths.find(([, pattern]) => pattern.test(path))?.[0];
}

// The programs that start a server, and the official images' entrypoint that starts one by default.
const serverPrograms = /^(postgres|postmaster|pg_ctl|pg_ctlcluster|docker-entrypoint\.sh|docker-entrypoint|mysqld|mysqld_safe|mariadbd|mariadbd-safe|mysqld-safe|entrypoint\.sh|run\.sh|run-postgresql|patroni)$/;
const shells = /^(sh|bash|ash|dash|zsh)$/;
const basename = (word: string) => word.split("/").pop() ?? word;

/**
 * Whether a container of a database image runs the server. No command means the image's own
 * entrypoint, which starts the server unless its first argument names another program; a shell
 * script counts when it starts or execs a server program.
 */
export function runsServer(container: { command: string[]; args: string[] }): boolean {
  const [program, ...rest] = [...container.command, ...container.args];
  if (program === undefined) return true;
  if (container.command.length === 0 && program.startsWith("-")) return true;
  const name = basename(program);
  if (serverPrograms.test(name)) return true;
  if (shells.test(name)) {
    const script = rest.join(" ");
    return /(^|[;&|(]\s*|\bexec\s+|\bthen\s+|\bdo\s+)([\w./-]*\/)?(postgres|postmaster|pg_ctl|docker-entrypoint\.sh|mysqld|mysqld_safe|mariadbd|mariadbd-safe)(\s|$|;)/.test(script);
  }
  return false;
}

interface ServerCandidate {
  labels: Record<string, string>;
  containers: Array<{ name: string; image: string; init: boolean; command: string[]; args: string[] }>;
}

const labelEngines: Record<string, DatabaseEngine> = { postgresql: "postgresql", postgres: "postgresql", mariadb: "mariadb", mysql: "mysql" };

export function databaseServerOf(workload: ServerCandidate): { engine: DatabaseEngine; by: "label" | "image"; container?: string } | undefined {
  for (const container of workload.containers.filter((c) => !c.init)) {
    const engine = databaseFamilyOf(container.image);
    if (engine && runsServer(container)) return { engine, by: "image", container: container.name };
  }
  const label = workload.labels["platform/database-engine"];
  if (label !== undefined) return { engine: labelEngines[label.toLowerCase()] ?? "postgresql", by: "label" };
  return undefined;
}
