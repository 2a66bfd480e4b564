#!/bin/sh
# Runs in the postgres image after fetch.sh: restores the fetched dump and proves it holds
# exactly the rows the manifest recorded.
# RESTORE_MODE=scratch (default, the scheduled restore test): into a throwaway server started
#   inside this pod on its scratch volume, which is stopped and deleted afterwards, even when
#   the script is killed. The live server is never contacted.
# RESTORE_MODE=in-place (platform restore --in-place, as the superuser): into a new database
#   on the live server, verified against the manifest, then swapped in for DB_NAME in one
#   transaction. Owner, database privileges and settings are copied from the live database;
#   restored objects belong to its owner, as if the app had created them. The database it
#   replaced is kept as DB_NAME__previous_<UTC time> for the operator to drop once the restored
#   data is confirmed. A failure before the swap leaves the live database as it was; how far
#   the restore got is recorded in RESTORE_STATUS_FILE (lib.sh, restore_phase).
# Env: DB_NAME, WORK_DIR, RESTORE_MODE; in-place also PGHOST PGPORT PGUSER PGPASSWORD, and
#      optionally RESTORE_STATUS_FILE.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_env DB_NAME WORK_DIR
mode=${RESTORE_MODE:-scratch}
[ "$mode" = scratch ] || [ "$mode" = in-place ] || fail "RESTORE_MODE must be scratch or in-place, not $mode"
[ "$(manifest_field "$WORK_DIR/manifest.json" engine)" = postgresql ] || fail "the fetched backup is not a PostgreSQL backup"
dump="$WORK_DIR/$(manifest_field "$WORK_DIR/manifest.json" dump)"

# restore_into DATABASE [pg_restore options]: restore, then count its tables as the backup did.
# Objects are never given their recorded owner (the restore chooses it); privileges are kept
# in place, where their roles exist.
restore_into() {
  target=$1
  shift
  pg_restore --exit-on-error --no-owner "$@" --dbname="$target" "$dump" || fail "pg_restore into $target failed"
  pg_count_query | psql -X -q -v ON_ERROR_STOP=1 -d "$target" -At | LC_ALL=C sort >"$WORK_DIR/restored-counts.tsv" ||
    fail "counting the rows restored into $target failed"
  compare_counts "$WORK_DIR/counts.tsv" "$WORK_DIR/restored-counts.tsv"
}
sql() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

if [ "$mode" = scratch ]; then
  server="$WORK_DIR/scratch-server"
  rm -rf "$server" && mkdir -p "$server"
  trap 'scratch_server_stop "$server" INT' EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  scratch_server_watch $$ "$server"
  # A private server: trust on a socket only this pod can reach; nothing it holds must survive.
  unset PGPASSWORD PGDATABASE PGSERVICE
  export PGHOST="$server" PGPORT=5432 PGUSER=postgres
  initdb --pgdata="$server/data" --username=postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >"$server/initdb.log" 2>&1 ||
    fail "could not create the scratch server: $(tail -n 3 "$server/initdb.log")"
  postgres -D "$server/data" -k "$server" -c listen_addresses= -c fsync=off -c full_page_writes=off -c synchronous_commit=off \
    -c shared_buffers=128MB -c max_wal_size=4GB -c autovacuum=off >"$server/server.log" 2>&1 &
  echo $! >"$server/server.pid"
  # Up to five minutes on a busy node, as long as the server is alive.
  for _ in $(seq 1 1500); do pg_isready -q && break; kill -0 "$(cat "$server/server.pid")" 2>/dev/null || break; sleep 0.2; done
  pg_isready -q || fail "the scratch server did not start: $(tail -n 3 "$server/server.log")"
  log "restoring $(manifest_field "$WORK_DIR/manifest.json" database) into a scratch server"
  sql -d postgres -c "CREATE DATABASE \"$DB_NAME\";" >/dev/null
  restore_into "$DB_NAME" --no-privileges
  log "restore check passed: the scratch copy of $DB_NAME holds $(manifest_field "$WORK_DIR/manifest.json" rows) rows in $(manifest_field "$WORK_DIR/manifest.json" tables) tables, as recorded"
  exit 0
fi

require_env PGHOST PGUSER
await_server "PostgreSQL on $PGHOST" pg_isready -q -d postgres
live=$DB_NAME
target="${DB_NAME}__restoring"
previous="${DB_NAME}__previous_$(date -u +%Y%m%d%H%M%S)"
restore_phase restoring "$live" "$previous"
owner=$(sql -d postgres -c "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$live'") || fail "cannot reach the live server $PGHOST"
[ -n "$owner" ] || fail "there is no database $live on $PGHOST to restore in place"
# Databases are told apart by oid: a rename keeps it.
oid_of() { sql -d postgres -c "SELECT oid FROM pg_database WHERE datname = '$1'"; }
live_oid=$(oid_of "$live") || fail "could not read the catalog entry of $live"

# A copy of the live database's envelope: owner, encoding and locale, privileges, settings.
envelope=$(sql -d postgres <<SQL
SELECT format('CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING %L LOCALE_PROVIDER %s LC_COLLATE %L LC_CTYPE %L%s;',
  '$target', pg_get_userbyid(datdba), pg_encoding_to_char(encoding),
  CASE datlocprovider WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' ELSE 'libc' END, datcollate, datctype,
  CASE WHEN datlocale IS NOT NULL THEN format(' LOCALE %L', datlocale) ELSE '' END)
FROM pg_database WHERE datname = '$live';
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC;', '$target');
SELECT format('GRANT %s ON DATABASE %I TO %s%s;', a.privilege_type, '$target',
  CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
  CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = '$live' AND a.grantee <> d.datdba;
SELECT format('ALTER DATABASE %I SET %s;', '$target', regexp_replace(s, '=', ' TO '))
FROM pg_db_role_setting r JOIN pg_database d ON d.oid = r.setdatabase, unnest(r.setconfig) s WHERE d.datname = '$live' AND r.setrole = 0;
SQL
) || fail "could not read the settings of $live"

# By name, so only ever the copy being restored: after the swap no database has this name.
drop_target() { sql -d postgres -c "DROP DATABASE IF EXISTS \"$target\" WITH (FORCE);" >/dev/null 2>&1 || true; }
# Left by an earlier restore that was interrupted: never the live database.
drop_target
trap drop_target EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
# CREATE DATABASE cannot share a transaction with the rest, so it runs on its own first.
printf '%s\n' "$envelope" | head -n 1 | sql -d postgres >/dev/null || fail "could not create $target"
printf '%s\n' "$envelope" | tail -n +2 | sql -d postgres >/dev/null || fail "could not copy the privileges of $live to $target"

log "restoring $(manifest_field "$WORK_DIR/manifest.json" database) into $target (owned by $owner) beside the live $live"
restore_into "$target" --role="$owner"
target_oid=$(oid_of "$target") || fail "could not read the catalog entry of $target"

# The swap: both renames in one transaction, so $live is either the old database or the
# restored one, never missing. Sessions on either are ended first (apps reconnect to the
# restored data); a session that slips back in makes the rename fail, and it is retried.
swapped="$live now holds the restored backup; the database it replaced, with everything written since the backup, is kept as $previous"
restore_phase swapping "$live" "$previous"
committed=""
for attempt in 1 2 3 4 5; do
  if sql -d postgres >/dev/null 2>"$WORK_DIR/.swap-errors" <<SQL; then
BEGIN;
SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname IN ('$live', '$target') AND pid <> pg_backend_pid();
ALTER DATABASE "$live" RENAME TO "$previous";
ALTER DATABASE "$target" RENAME TO "$live";
COMMIT;
SQL
    committed=yes
    restore_phase swapped "$live" "$previous"
    break
  fi
  log "swap attempt $attempt failed ($(tail -n 1 "$WORK_DIR/.swap-errors")); retrying"
  sleep 1
done

# Where the swap stands, from the catalog rather than from psql's exit status: a connection
# lost at COMMIT hides whether it happened. Row counts are not compared again on the live name:
# the apps write to it from the moment the swap commits, and the rows were verified before.
state=$(sql -d postgres -c "SELECT coalesce((SELECT oid FROM pg_database WHERE datname = '$live')::text, '-') || ' ' || coalesce((SELECT oid FROM pg_database WHERE datname = '$previous')::text, '-')") ||
  swap_unanswered "$committed" "$swapped" "a database $previous exists" "$live"
case "$state" in
  "$target_oid $live_oid") restore_phase swapped "$live" "$previous" ;;
  "$live_oid -")
    restore_phase restoring "$live" "$previous"
    fail "could not swap $target in for $live: $(tail -n 1 "$WORK_DIR/.swap-errors"); $live is unchanged"
    ;;
  *) fail "after the swap the catalog shows neither outcome (oids of $live and $previous: $state; expected $target_oid $live_oid, or $live_oid -): check both by hand" ;;
esac
restore_phase complete "$live" "$previous"
log "restored $live in place from backup of $(manifest_field "$WORK_DIR/manifest.json" created): $(manifest_field "$WORK_DIR/manifest.json" rows) rows in $(manifest_field "$WORK_DIR/manifest.json" tables) tables, owned by $owner"
log "the database it replaced, with everything written since the backup, is kept as $previous (as much disk as $live); once $live is confirmed, drop it as the superuser: DROP DATABASE $previous;"
