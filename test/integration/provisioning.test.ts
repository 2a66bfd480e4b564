import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/paths.ts";
import { startMariaDB, type LocalMariaDB } from "../../harness/services/mariadb.ts";
import { startPostgres, type LocalPostgres } from "../../harness/services/postgres.ts";

// What the data module's provisioning Jobs run, against real servers: an app asks for a
// database and gets one it owns, reachable with its generated password and by nobody else.
const provisioning = join(repoRoot, "modules/data/provisioning");

describe("PostgreSQL provisioning", () => {
  let pg: LocalPostgres;
  const provision = (db: string, password: string) =>
    execa(join(pg.bin, "psql"), ["--no-psqlrc", "--quiet", `--file=${join(provisioning, "postgresql.sql")}`], { env: { ...pg.env, DB_NAME: db, DB_PASSWORD: password }, all: true });
  const asApp = (db: string, user: string, password: string, sql: string) =>
    execa(join(pg.bin, "psql"), ["-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql], { env: { ...pg.env, PGUSER: user, PGPASSWORD: password }, reject: false, all: true });

  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => pg?.stop());

  it("creates a database its app owns and can use", async () => {
    await provision("crm", "firstpassword1");
    const result = await asApp("crm", "crm", "firstpassword1", "CREATE TABLE contacts (id int); INSERT INTO contacts VALUES (1); SELECT count(*) FROM contacts;");
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout.trim().split("\n").at(-1)).toBe("1");
  });

  it("is safe to run again, and a new password replaces the old one", async () => {
    await provision("crm", "firstpassword1");
    await provision("crm", "secondpassword2");
    expect((await asApp("crm", "crm", "firstpassword1", "SELECT 1")).exitCode).not.toBe(0);
    expect((await asApp("crm", "crm", "secondpassword2", "SELECT count(*) FROM contacts")).stdout.trim()).toBe("1");
  });

  // Twenty's entrypoint, setup script and migrations (modules/crm/database-requirements.sql),
  // run as the role the data layer provisions: owning the database must be enough, nothing more.
  it("gives Twenty's role what its migrations need, and no more", async () => {
    await provision("twenty", "twentypassword4");
    const exists = await asApp("postgres", "twenty", "twentypassword4", "SELECT 1 FROM pg_database WHERE datname = 'twenty'");
    expect(exists.exitCode, exists.all).toBe(0);
    expect(exists.stdout.trim()).toBe("1");

    const requirements = join(repoRoot, "modules/crm/database-requirements.sql");
    const run = await execa(join(pg.bin, "psql"), ["-X", "-At", "-d", "twenty", "--file", requirements], { env: { ...pg.env, PGUSER: "twenty", PGPASSWORD: "twentypassword4" }, reject: false, all: true });
    expect(run.exitCode, run.all).toBe(0);
    // The accent-insensitive search found 'Zoë' for 'zoe'.
    expect(run.stdout.trim().split("\n")).toContain("1");

    const role = await pg.sql("postgres", "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = 'twenty'");
    expect(role).toBe("f|f|f|f|f");
    const extensions = await pg.sql("twenty", "SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension WHERE extname <> 'plpgsql'");
    expect(extensions).toBe("unaccent,uuid-ossp");
    // Run again, as every server start does: idempotent apart from the workspace it creates.
    const again = await execa(join(pg.bin, "psql"), ["-X", "-At", "-d", "twenty", "--file", requirements], { env: { ...pg.env, PGUSER: "twenty", PGPASSWORD: "twentypassword4" }, reject: false, all: true });
    expect(again.exitCode, again.all).toBe(0);
  });

  it("refuses Twenty's requirements to a role that does not own the database", async () => {
    await provision("intruder", "intruderpassword5");
    await pg.sql("twenty", "GRANT CONNECT ON DATABASE twenty TO intruder");
    const requirements = join(repoRoot, "modules/crm/database-requirements.sql");
    const run = await execa(join(pg.bin, "psql"), ["-X", "-At", "-d", "twenty", "--file", requirements], { env: { ...pg.env, PGUSER: "intruder", PGPASSWORD: "intruderpassword5" }, reject: false, all: true });
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/permission denied/);
  });

  it("keeps apps out of each other's databases", async () => {
    await provision("n8n", "n8npassword3");
    const result = await asApp("crm", "n8n", "n8npassword3", "SELECT 1");
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toMatch(/permission denied for database "crm"/);
  });
});

describe("MariaDB provisioning", () => {
  let maria: LocalMariaDB;
  const provision = (db: string, password: string) =>
    execa("bash", [join(provisioning, "mariadb.sh")], { env: { ...maria.env, DB_NAME: db, DB_PASSWORD: password }, all: true });
  const asApp = (db: string, user: string, password: string, sql: string) =>
    execa("mariadb", ["--no-defaults", `-h${maria.env.MARIADB_HOST}`, `-P${maria.env.MARIADB_PORT}`, `-u${user}`, "--batch", "--skip-column-names", db, "-e", sql], {
      env: { MYSQL_PWD: password },
      reject: false,
      all: true,
    });

  beforeAll(async () => {
    maria = await startMariaDB();
  });
  afterAll(async () => maria?.stop());

  it("creates a database its app owns and can use", async () => {
    await provision("wordpress", "firstpassword1");
    const result = await asApp("wordpress", "wordpress", "firstpassword1", "CREATE TABLE wp_posts (id int); INSERT INTO wp_posts VALUES (1); SELECT COUNT(*) FROM wp_posts;");
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout.trim()).toBe("1");
  });

  it("is safe to run again, and a new password replaces the old one", async () => {
    await provision("wordpress", "firstpassword1");
    await provision("wordpress", "secondpassword2");
    expect((await asApp("wordpress", "wordpress", "firstpassword1", "SELECT 1")).exitCode).not.toBe(0);
    expect((await asApp("wordpress", "wordpress", "secondpassword2", "SELECT COUNT(*) FROM wp_posts")).stdout.trim()).toBe("1");
  });

  it("keeps apps out of each other's databases", async () => {
    await provision("shop", "shoppassword3");
    const result = await asApp("wordpress", "shop", "shoppassword3", "SELECT 1");
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toMatch(/Access denied for user 'shop'/);
  });

  it("refuses a password that would need quoting, before touching the server", async () => {
    await expect(provision("wordpress", "it's")).rejects.toThrow(/DB_PASSWORD must be alphanumeric/);
  });
});
