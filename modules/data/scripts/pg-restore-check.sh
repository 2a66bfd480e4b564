#!/bin/sh
# Runs in the postgres image after fetch.sh: restores the fetched dump into a target database
# and proves it holds exactly the rows the manifest recorded.
# RESTORE_MODE=scratch (default): restore into a throwaway database, compare, drop it.
# RESTORE_MODE=in-place: replace DB_NAME itself (the harness asks for confirmation first).
# Env: PGHOST PGPORT PGUSER PGPASSWORD, DB_NAME, WORK_DIR, RESTORE_MODE.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_env DB_NAME WORK_DIR PGHOST PGUSER
mode=${RESTORE_MODE:-scratch}
case "$mode" in
  scratch) target="restore_check_$(date -u +%Y%m%d%H%M%S)_$$" ;;
  in-place) target="$DB_NAME" ;;
  *) fail "RESTORE_MODE must be scratch or in-place, not $mode" ;;
esac
[ "$(manifest_field "$WORK_DIR/manifest.json" engine)" = postgresql ] || fail "the fetched backup is not a PostgreSQL backup"

drop_target() { psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$target\" WITH (FORCE);" >/dev/null 2>&1 || true; }
[ "$mode" = scratch ] && trap drop_target EXIT

log "restoring $(manifest_field "$WORK_DIR/manifest.json" database) into $target"
[ "$mode" = in-place ] && drop_target
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$target\";" >/dev/null || fail "could not create database $target"
pg_restore --exit-on-error --no-owner --no-privileges --dbname="$target" "$WORK_DIR/dump.pgc" || fail "pg_restore into $target failed"

pg_count_statements "$target" >"$WORK_DIR/restored.sql" || fail "could not list the restored tables"
psql -X -q -v ON_ERROR_STOP=1 -d "$target" -At -f "$WORK_DIR/restored.sql" | LC_ALL=C sort >"$WORK_DIR/restored-counts.tsv"
compare_counts "$WORK_DIR/counts.tsv" "$WORK_DIR/restored-counts.tsv"
log "restore check passed: $target holds $(manifest_field "$WORK_DIR/manifest.json" rows) rows in $(manifest_field "$WORK_DIR/manifest.json" tables) tables, as recorded"
