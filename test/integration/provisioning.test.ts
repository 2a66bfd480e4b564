import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/paths.ts";
import { binds } from "../../harness/services/data-jobs.ts";
import { startMariaDB, type LocalMariaDB } from "../../harness/services/mariadb.ts";
import { startPostgres, type LocalPostgres } from "../../harness/services/postgres.ts";

// What the data module's provisioning Jobs run, against real servers of the images' lines: an
// app asks for a database and gets one it owns, reachable with its generated password and by
// nobody else; the backup user can read it and nothing more.
describe("PostgreSQL provisioning", () => {
  let pg: LocalPostgres;
  const provision = (db: string, password: string, backupPassword = "backupsecret0") =>
    pg.run("psql", ["--no-psqlrc", "--quiet", "--file=/provisioning/postgresql.sql"], { env: { DB_NAME: db, DB_PASSWORD: password, BACKUP_PASSWORD: backupPassword }, binds }, { all: true });
  const asApp = (db: string, user: string, password: string, sql: string) =>
    pg.run("psql", ["-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql], { env: { PGUSER: user, PGPASSWORD: password } }, { reject: false, all: true });
  // Twenty's entrypoint runs modules/crm/database-requirements.sql with the postgres image's psql.
  const twentyRequirements = (user: string, password: string) =>
    pg.run("psql", ["-X", "-At", "-d", "twenty", "--file", "/crm/database-requirements.sql"], { env: { PGUSER: user, PGPASSWORD: password }, binds: { "/crm": join(repoRoot, "modules/crm") } }, { reject: false, all: true });

  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => pg?.stop());

  it("creates a database its app owns and can use", async () => {
    await provision("crm", "firstpassword1");
    const result = await asApp("crm", "crm", "firstpassword1", "CREATE TABLE contacts (id int); INSERT INTO contacts VALUES (1); SELECT count(*) FROM contacts;");
    expect(result.exitCode, String(result.all)).toBe(0);
    expect(String(result.stdout).trim().split("\n").at(-1)).toBe("1");
  });

  it("is safe to run again, and a new password replaces the old one", async () => {
    await provision("crm", "firstpassword1");
    await provision("crm", "secondpassword2");
    expect((await asApp("crm", "crm", "firstpassword1", "SELECT 1")).exitCode).not.toBe(0);
    expect(String((await asApp("crm", "crm", "secondpassword2", "SELECT count(*) FROM contacts")).stdout).trim()).toBe("1");
  });

  // Twenty's entrypoint, setup script and migrations (modules/crm/database-requirements.sql),
  // run as the role the data layer provisions: owning the database must be enough, nothing more.
  it("gives Twenty's role what its migrations need, and no more", async () => {
    await provision("twenty", "twentypassword4");
    const exists = await asApp("postgres", "twenty", "twentypassword4", "SELECT 1 FROM pg_database WHERE datname = 'twenty'");
    expect(exists.exitCode, String(exists.all)).toBe(0);
    expect(String(exists.stdout).trim()).toBe("1");

    const run = await twentyRequirements("twenty", "twentypassword4");
    expect(run.exitCode, String(run.all)).toBe(0);
    // The accent-insensitive search found 'Zoë' for 'zoe'.
    expect(String(run.stdout).trim().split("\n")).toContain("1");

    const role = await pg.sql("postgres", "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = 'twenty'");
    expect(role).toBe("f|f|f|f|f");
    const extensions = await pg.sql("twenty", "SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension WHERE extname <> 'plpgsql'");
    expect(extensions).toBe("unaccent,uuid-ossp");
    // Run again, as every server start does: idempotent apart from the workspace it creates.
    const again = await twentyRequirements("twenty", "twentypassword4");
    expect(again.exitCode, String(again.all)).toBe(0);
  });

  it("refuses Twenty's requirements to a role that does not own the database", async () => {
    await provision("intruder", "intruderpassword5");
    await pg.sql("twenty", "GRANT CONNECT ON DATABASE twenty TO intruder");
    const run = await twentyRequirements("intruder", "intruderpassword5");
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/permission denied/);
  });

  it("keeps apps out of each other's databases", async () => {
    await provision("n8n", "n8npassword3");
    const result = await asApp("crm", "n8n", "n8npassword3", "SELECT 1");
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toMatch(/permission denied for database "crm"/);
  });

  it("gives the backup user read access to every app database, and no more", async () => {
    expect(String((await asApp("crm", "platform_backup", "backupsecret0", "SELECT count(*) FROM contacts")).stdout).trim()).toBe("1");
    expect((await asApp("crm", "platform_backup", "backupsecret0", "INSERT INTO contacts VALUES (2)")).exitCode).not.toBe(0);
    expect((await asApp("postgres", "platform_backup", "backupsecret0", "CREATE DATABASE stolen")).exitCode).not.toBe(0);
    const attributes = await pg.sql("postgres", "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = 'platform_backup'");
    expect(attributes).toBe("f|f|f|f|t");
  });
});

describe("MariaDB provisioning", () => {
  let maria: LocalMariaDB;
  const provision = (db: string, password: string, backupPassword = "backupsecret0") =>
    maria.run("bash", ["/provisioning/mariadb.sh"], { env: { DB_NAME: db, DB_PASSWORD: password, BACKUP_PASSWORD: backupPassword }, binds }, { all: true });
  const asApp = (db: string, user: string, password: string, sql: string) => maria.sqlAs(user, password, db, sql);

  beforeAll(async () => {
    maria = await startMariaDB();
  });
  afterAll(async () => maria?.stop());

  it("creates a database its app owns and can use", async () => {
    await provision("wordpress", "firstpassword1");
    const result = await asApp("wordpress", "wordpress", "firstpassword1", "CREATE TABLE wp_posts (id int); INSERT INTO wp_posts VALUES (1); SELECT COUNT(*) FROM wp_posts;");
    expect(result.exitCode, String(result.all)).toBe(0);
    expect(String(result.stdout).trim()).toBe("1");
  });

  it("is safe to run again, and a new password replaces the old one", async () => {
    await provision("wordpress", "firstpassword1");
    await provision("wordpress", "secondpassword2");
    expect((await asApp("wordpress", "wordpress", "firstpassword1", "SELECT 1")).exitCode).not.toBe(0);
    expect(String((await asApp("wordpress", "wordpress", "secondpassword2", "SELECT COUNT(*) FROM wp_posts")).stdout).trim()).toBe("1");
  });

  it("keeps apps out of each other's databases", async () => {
    await provision("shop", "shoppassword3");
    const result = await asApp("wordpress", "shop", "shoppassword3", "SELECT 1");
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toMatch(/Access denied for user 'shop'/);
  });

  it("an app whose name holds '_' reaches its own database only, not one its name matches as a pattern", async () => {
    await provision("crm_a", "crmpassword4");
    await provision("crmxa", "otherpassword5");
    expect((await asApp("crm_a", "crm_a", "crmpassword4", "CREATE TABLE t (id int)")).exitCode).toBe(0);
    const result = await asApp("crmxa", "crm_a", "crmpassword4", "SELECT 1");
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toMatch(/Access denied for user 'crm_a'/);
  });

  it("gives the backup user read access to every app database, and no more", async () => {
    expect(String((await asApp("wordpress", "platform_backup", "backupsecret0", "SELECT COUNT(*) FROM wp_posts")).stdout).trim()).toBe("1");
    expect((await asApp("wordpress", "platform_backup", "backupsecret0", "INSERT INTO wp_posts VALUES (2)")).exitCode).not.toBe(0);
    expect((await asApp("mysql", "platform_backup", "backupsecret0", "SELECT authentication_string FROM mysql.user")).exitCode).not.toBe(0);
  });

  it("refuses a password that would need quoting, before touching the server", async () => {
    await expect(provision("wordpress", "it's")).rejects.toThrow(/DB_PASSWORD must be alphanumeric/);
  });
});
