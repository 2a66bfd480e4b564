-- Creates or updates one app's role and database on the PostgreSQL server; safe to run again.
-- The provisioning Job runs it as the superuser (PGHOST, PGUSER, PGPASSWORD) with the app's
-- database name and password in DB_NAME and DB_PASSWORD: the password travels in the
-- environment, never on a command line, and psql does not echo the statements.
\set ON_ERROR_STOP on
\getenv db_name DB_NAME
\getenv db_password DB_PASSWORD

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

-- Apps share the server, not each other's data: only the owner (and the superuser) connect.
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db_name')
\gexec
