import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { freePort, supervise, waitUntilReady, type Supervised } from "../processes.ts";
import { asUser, findBinary, serviceDir, type LocalService } from "./common.ts";

export interface LocalPostgres extends LocalService {
  env: { PGHOST: string; PGPORT: string; PGUSER: string; PGPASSWORD: string };
  bin: string;
  /** Runs SQL against a database as the superuser; returns stdout. */
  sql(database: string, sql: string): Promise<string>;
}

const fix = "Install PostgreSQL's server (make system-deps installs Debian's postgresql).";

/** The newest server installed under /usr/lib/postgresql (Debian's layout), else the one on PATH. */
async function serverBin(): Promise<string> {
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const newest = readdirSync(root).filter((v) => existsSync(join(root, v, "bin/postgres"))).sort((a, b) => Number(b) - Number(a))[0];
    if (newest) return join(root, newest, "bin");
  }
  return join(await findBinary("PostgreSQL", ["postgres"], fix), "..");
}

/** A real PostgreSQL server on loopback with password authentication, for one test run. */
export async function startPostgres(): Promise<LocalPostgres> {
  const bin = await serverBin();
  const service = await serviceDir("postgres", "postgres");
  const data = join(service.dir, "data");
  const password = randomBytes(12).toString("hex");
  const pwfile = join(service.dir, "pwfile");
  await writeFile(pwfile, `${password}\n`, { mode: 0o644 });
  const port = await freePort();
  const processes: Supervised[] = [];
  try {
    const [initdb, initArgs] = asUser(service.runAs, join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=scram-sha-256", `--pwfile=${pwfile}`, "--no-sync", "-E", "UTF8", "--locale=C"]);
    await execa(initdb, initArgs, { all: true });
    const [postgres, args] = asUser(service.runAs, join(bin, "postgres"), ["-D", data, "-p", String(port), "-k", data, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off"]);
    const server = supervise("postgres", postgres, args, join(service.dir, "postgres.log"));
    processes.push(server);
    const env = { PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: "postgres", PGPASSWORD: password };
    const sql = async (database: string, text: string) => (await execa(join(bin, "psql"), ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d", database, "-c", text], { env })).stdout;
    await waitUntilReady(server, async () => (await execa(join(bin, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port)], { reject: false })).exitCode === 0, 30_000, fix);
    return { env, bin, sql, stop: () => service.stop(processes) };
  } catch (error) {
    await service.stop(processes);
    throw error;
  }
}
