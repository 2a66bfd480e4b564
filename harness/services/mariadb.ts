import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { execa } from "execa";
import { freePort, supervise, waitUntilReady, type Supervised } from "../processes.ts";
import { findBinary, serviceDir, type LocalService } from "./common.ts";

export interface LocalMariaDB extends LocalService {
  env: { MARIADB_HOST: string; MARIADB_PORT: string; MARIADB_USER: string; MARIADB_PASSWORD: string };
  sql(database: string, sql: string): Promise<string>;
}

const fix = "Install MariaDB's server (make system-deps installs Debian's mariadb-server).";

/** A real MariaDB server on loopback with a password-protected admin user, for one test run. */
export async function startMariaDB(): Promise<LocalMariaDB> {
  const mariadbd = await findBinary("MariaDB", ["mariadbd", "/usr/sbin/mariadbd"], fix);
  const installDb = await findBinary("mariadb-install-db", ["mariadb-install-db"], fix);
  const service = await serviceDir("mariadb", "mysql");
  const data = join(service.dir, "data");
  const socket = join(data, "mariadb.sock");
  const port = await freePort();
  const password = randomBytes(12).toString("hex");
  const userArgs = service.runAs.length ? ["--user=mysql"] : [];
  const processes: Supervised[] = [];
  try {
    await execa(installDb, ["--no-defaults", `--datadir=${data}`, ...userArgs, "--auth-root-authentication-method=normal", "--skip-test-db"], { all: true });
    const server = supervise("mariadb", mariadbd, [
      "--no-defaults", `--datadir=${data}`, `--socket=${socket}`, `--port=${port}`, "--bind-address=127.0.0.1", ...userArgs,
      "--skip-log-bin", "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--skip-name-resolve",
    ], join(service.dir, "mariadb.log"));
    processes.push(server);
    const root = (text: string) => execa("mariadb", ["--no-defaults", `--socket=${socket}`, "-uroot", "--batch", "--skip-column-names", "-e", text]);
    await waitUntilReady(server, async () => (await root("SELECT 1").catch(() => ({ exitCode: 1 }))).exitCode === 0, 60_000, fix);
    await root(`CREATE USER 'platform'@'%' IDENTIFIED BY '${password}'; GRANT ALL PRIVILEGES ON *.* TO 'platform'@'%' WITH GRANT OPTION;`);
    const env = { MARIADB_HOST: "127.0.0.1", MARIADB_PORT: String(port), MARIADB_USER: "platform", MARIADB_PASSWORD: password };
    const sql = async (database: string, text: string) =>
      (await execa("mariadb", ["--no-defaults", "-h127.0.0.1", `-P${port}`, "-uplatform", "--batch", "--skip-column-names", database, "-e", text], { env: { MYSQL_PWD: password } })).stdout;
    return { env, sql, stop: () => service.stop(processes) };
  } catch (error) {
    await service.stop(processes);
    throw error;
  }
}
