import { randomBytes } from "node:crypto";
import { chown, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Options, ResultPromise } from "execa";
import { freePort, supervise, waitUntilReady, type Supervised } from "../processes.ts";
import { serviceDir, type LocalService } from "./common.ts";
import { debianRoot, images, type DebianRootRunner, type RootExec } from "./debian-root.ts";

export interface LocalPostgres extends LocalService {
  /** libpq's environment for the superuser, as the data module's Jobs get it. */
  env: { PGHOST: string; PGPORT: string; PGUSER: string; PGPASSWORD: string };
  /** The Debian root the server runs in; clients and scripts run there too, as in the postgres image. */
  root: DebianRootRunner;
  /** Runs SQL against a database as the superuser; returns stdout. */
  sql(database: string, sql: string): Promise<string>;
  /** Runs a program of the postgres image (psql, pg_dump, a script under /scripts) with libpq's environment merged in. */
  run(command: string, args: string[], options?: Omit<RootExec, "image">, extra?: Options): ResultPromise;
}

const fix = "Run `make toolchain`: it builds the Debian root with PostgreSQL (needs root and the Debian mirror).";

/** A real PostgreSQL server (the pinned major, from the Debian root) on loopback with password authentication. */
export async function startPostgres(): Promise<LocalPostgres> {
  const root = await debianRoot();
  const service = await serviceDir("postgres", images.postgres.uid);
  const data = join(service.dir, "data");
  const password = randomBytes(12).toString("hex");
  const pwfile = join(service.dir, "pwfile");
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  await chown(pwfile, images.postgres.uid, images.postgres.uid);
  const port = await freePort();
  const processes: Supervised[] = [];
  try {
    await root.exec("initdb", ["-D", data, "-U", "postgres", "--auth=scram-sha-256", `--pwfile=${pwfile}`, "--no-sync", "-E", "UTF8", "--locale=C"], { image: "postgres" }, { all: true });
    const server = root.command("postgres", ["-D", data, "-p", String(port), "-k", service.dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off"], { image: "postgres" });
    processes.push(supervise("postgres", server.file, server.args, join(service.dir, "postgres.log"), { env: server.env, extendEnv: false }));
    const env = { PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: "postgres", PGPASSWORD: password };
    const run = (command: string, args: string[], options: Omit<RootExec, "image"> = {}, extra: Options = {}) => root.exec(command, args, { ...options, image: "postgres", env: { ...env, ...options.env } }, extra);
    const sql = async (database: string, text: string) => String((await run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d", database, "-c", text])).stdout);
    await waitUntilReady(processes[0]!, async () => (await run("pg_isready", ["-h", "127.0.0.1", "-p", String(port)], {}, { reject: false })).exitCode === 0, 60_000, fix);
    return { env, root, sql, run, stop: () => service.stop(processes) };
  } catch (error) {
    await service.stop(processes);
    throw error;
  }
}
