import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Options, ResultPromise } from "execa";
import { freePort, supervise, waitUntilReady, type Supervised } from "../processes.ts";
import { serviceDir, type LocalService } from "./common.ts";
import { debianRoot, images, type DebianRootRunner, type RootExec } from "./debian-root.ts";

export interface LocalMariaDB extends LocalService {
  /** The client settings the data module's Jobs get, for an admin user with every privilege. */
  env: { MARIADB_HOST: string; MARIADB_PORT: string; MARIADB_USER: string; MARIADB_PASSWORD: string };
  /** The Debian root the server runs in; clients and scripts run there too, as in the mariadb image. */
  root: DebianRootRunner;
  /** Runs SQL against a database as the admin user; returns stdout. */
  sql(database: string, sql: string): Promise<string>;
  /** Runs SQL as another user; resolves with the client's result (never rejects). */
  sqlAs(user: string, password: string, database: string, sql: string): ResultPromise;
  /** Runs a program of the mariadb image (a script under /scripts, say) with the admin's client settings merged in. */
  run(command: string, args: string[], options?: Omit<RootExec, "image">, extra?: Options): ResultPromise;
}

const fix = "Run `make toolchain`: it builds the Debian root with MariaDB (needs root and the Debian mirror).";

/** A real MariaDB server (the pinned LTS line, from the Debian root) on loopback with a password-protected admin user. */
export async function startMariaDB(): Promise<LocalMariaDB> {
  const root = await debianRoot();
  const service = await serviceDir("mariadb", images.mariadb.uid);
  const data = join(service.dir, "data");
  const socket = join(service.dir, "mariadb.sock");
  const port = await freePort();
  const password = randomBytes(12).toString("hex");
  const processes: Supervised[] = [];
  try {
    await root.exec("mariadb-install-db", ["--no-defaults", `--datadir=${data}`, "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"], { image: "mariadb" }, { all: true });
    const server = root.command("mariadbd", [
      "--no-defaults", `--datadir=${data}`, `--socket=${socket}`, `--port=${port}`, "--bind-address=127.0.0.1", `--tmpdir=${service.dir}`,
      "--skip-log-bin", "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--skip-name-resolve",
    ], { image: "mariadb" });
    processes.push(supervise("mariadb", server.file, server.args, join(service.dir, "mariadb.log"), { env: server.env, extendEnv: false }));
    const client = (args: string[], env: Record<string, string> = {}, extra: Options = {}) => root.exec("mariadb", ["--no-defaults", "--batch", "--skip-column-names", ...args], { image: "mariadb", env }, extra);
    const asRoot = (text: string) => client([`--socket=${socket}`, "-uroot", "-e", text], {}, { reject: false });
    await waitUntilReady(processes[0]!, async () => (await asRoot("SELECT 1")).exitCode === 0, 60_000, fix);
    await asRoot(`CREATE USER 'platform'@'%' IDENTIFIED BY '${password}'; GRANT ALL PRIVILEGES ON *.* TO 'platform'@'%' WITH GRANT OPTION;`);
    const env = { MARIADB_HOST: "127.0.0.1", MARIADB_PORT: String(port), MARIADB_USER: "platform", MARIADB_PASSWORD: password };
    const sqlAs = (user: string, userPassword: string, database: string, text: string) =>
      client(["-h127.0.0.1", `-P${port}`, `-u${user}`, database, "-e", text], { MYSQL_PWD: userPassword }, { reject: false, all: true });
    const sql = async (database: string, text: string) => {
      const result = await sqlAs("platform", password, database, text);
      if (result.exitCode !== 0) throw new Error(`MariaDB: ${String(result.all)}`);
      return String(result.stdout);
    };
    const run = (command: string, args: string[], options: Omit<RootExec, "image"> = {}, extra: Options = {}) => root.exec(command, args, { ...options, image: "mariadb", env: { ...env, ...options.env } }, extra);
    return { env, root, sql, sqlAs, run, stop: () => service.stop(processes) };
  } catch (error) {
    await service.stop(processes);
    throw error;
  }
}
