-- What Twenty (the pinned release) does to its database, as its own role, restated so the tests
-- can run it against a real PostgreSQL as the role the data layer provisions. Sources, read in
-- twentyhq/twenty: packages/twenty-docker/twenty/entrypoint.sh (existence check from the
-- postgres database, then setup and migrations), packages/twenty-server/scripts/setup-db.ts
-- (schemas public and core, extensions uuid-ossp and unaccent, an immutable unaccent wrapper in
-- public), the core TypeORM migrations (tables in core with uuid defaults) and the per-workspace
-- schemas the server creates and drops at run time (workspace_<id>, enums, search vectors).
-- Every statement below needs only what owning the database gives: CREATE on the database,
-- ownership of its public schema (PostgreSQL 15+), and trusted extensions.
\set ON_ERROR_STOP on

CREATE SCHEMA IF NOT EXISTS "public";
CREATE SCHEMA IF NOT EXISTS "core";
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE EXTENSION IF NOT EXISTS "unaccent";

CREATE OR REPLACE FUNCTION public.unaccent_immutable(input text)
  RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, input) $$;

-- Core metadata tables and TypeORM's own bookkeeping.
CREATE TABLE IF NOT EXISTS core."_typeorm_migrations" (id serial PRIMARY KEY, "timestamp" bigint NOT NULL, name varchar NOT NULL);
CREATE TABLE IF NOT EXISTS core."workspace" (
  id uuid NOT NULL DEFAULT uuid_generate_v4() PRIMARY KEY,
  "displayName" varchar,
  "createdAt" timestamptz NOT NULL DEFAULT now()
);
INSERT INTO core."workspace" ("displayName") VALUES ('Acme');

-- A workspace: its own schema, enums, tables with accent-insensitive search vectors.
CREATE SCHEMA IF NOT EXISTS "workspace_1wgvd1injqtife6y4rvfbu3h5";
CREATE TYPE "workspace_1wgvd1injqtife6y4rvfbu3h5"."person_stage_enum" AS ENUM ('LEAD', 'CUSTOMER');
CREATE TABLE "workspace_1wgvd1injqtife6y4rvfbu3h5"."person" (
  id uuid NOT NULL DEFAULT uuid_generate_v4() PRIMARY KEY,
  "nameFirstName" text NOT NULL DEFAULT '',
  stage "workspace_1wgvd1injqtife6y4rvfbu3h5"."person_stage_enum" DEFAULT 'LEAD',
  "searchVector" tsvector GENERATED ALWAYS AS (to_tsvector('simple', public.unaccent_immutable("nameFirstName"))) STORED
);
CREATE INDEX "IDX_person_searchVector" ON "workspace_1wgvd1injqtife6y4rvfbu3h5"."person" USING gin ("searchVector");
INSERT INTO "workspace_1wgvd1injqtife6y4rvfbu3h5"."person" ("nameFirstName") VALUES ('Zoë');
SELECT count(*) FROM "workspace_1wgvd1injqtife6y4rvfbu3h5"."person" WHERE "searchVector" @@ to_tsquery('simple', 'zoe');

-- Deleting a workspace drops its schema.
DROP SCHEMA "workspace_1wgvd1injqtife6y4rvfbu3h5" CASCADE;
