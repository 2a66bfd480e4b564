-- Creates or updates one app's role and database on the PostgreSQL server; safe to run again.
-- The provisioning Job runs it as the superuser (PGHOST, PGUSER, PGPASSWORD) with the app's
-- database name and password in DB_NAME and DB_PASSWORD, and the backup role's password in
-- BACKUP_PASSWORD: passwords travel in the environment, never on a command line, and psql
-- does not echo the statements.
\set ON_ERROR_STOP on
\getenv db_name DB_NAME
\getenv db_password DB_PASSWORD
\getenv backup_password BACKUP_PASSWORD

-- The role: created once, its password (re)set on every run so the Secret is the truth.
SELECT format('CREATE ROLE %I LOGIN', :'db_name')
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = :'db_name')
\gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L', :'db_name', :'db_password')
\gexec

-- The database, owned by the role; since PostgreSQL 15 its public schema belongs to the owner.
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'db_name', :'db_name', 'UTF8')
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = :'db_name')
\gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db_name', :'db_name')
\gexec

-- Apps share the server, not each other's data: only the owner connect (and the superuser, and
-- the backup role below).
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db_name')
\gexec

-- The backup role: logs in, connects to each app's database and reads its tables and sequences,
-- nothing else (not pg_read_all_data, which would also read pg_authid's password hashes).
-- BYPASSRLS so row security cannot hide rows from a dump.
SELECT 'CREATE ROLE platform_backup LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'platform_backup')
\gexec
SELECT format('ALTER ROLE platform_backup WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION BYPASSRLS PASSWORD %L', :'backup_password')
\gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO platform_backup', :'db_name')
\gexec

-- Inside the app's database: read access to what exists, and to what the app creates later
-- (default privileges of the app's role, which owns everything it creates).
\connect :"db_name"
SELECT format('GRANT USAGE ON SCHEMA %I TO platform_backup', nspname) FROM pg_catalog.pg_namespace
WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
\gexec
SELECT format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO platform_backup', nspname) FROM pg_catalog.pg_namespace
WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
\gexec
SELECT format('GRANT SELECT ON ALL SEQUENCES IN SCHEMA %I TO platform_backup', nspname) FROM pg_catalog.pg_namespace
WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
\gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT USAGE ON SCHEMAS TO platform_backup', :'db_name')
\gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT SELECT ON TABLES TO platform_backup', :'db_name')
\gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT SELECT ON SEQUENCES TO platform_backup', :'db_name')
\gexec
