#!/bin/bash
# Runs in the mariadb image after fetch.sh: restores the fetched dump into a target database
# and proves it holds exactly the rows the manifest recorded.
# RESTORE_MODE=scratch (default): throwaway database, compared, then dropped.
# RESTORE_MODE=in-place: replaces DB_NAME itself (the harness asks for confirmation first).
# Env: MARIADB_HOST MARIADB_PORT MARIADB_USER MARIADB_PASSWORD, DB_NAME, WORK_DIR, RESTORE_MODE.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_env DB_NAME WORK_DIR MARIADB_HOST MARIADB_USER MARIADB_PASSWORD
mode=${RESTORE_MODE:-scratch}
case "$mode" in
  scratch) target="restore_check_$(date -u +%Y%m%d%H%M%S)_$$" ;;
  in-place) target="$DB_NAME" ;;
  *) fail "RESTORE_MODE must be scratch or in-place, not $mode" ;;
esac
[ "$(manifest_field "$WORK_DIR/manifest.json" engine)" = mariadb ] || fail "the fetched backup is not a MariaDB backup"

mariadb_client
cleanup() {
  [ "$mode" = scratch ] && mariadb_sql -e "DROP DATABASE IF EXISTS \`$target\`" >/dev/null 2>&1
  rm -f "$MARIADB_CNF"
}
trap cleanup EXIT

log "restoring $(manifest_field "$WORK_DIR/manifest.json" database) into $target"
[ "$mode" = in-place ] && mariadb_sql -e "DROP DATABASE IF EXISTS \`$target\`"
mariadb_sql -e "CREATE DATABASE \`$target\`" || fail "could not create database $target"
gzip -dc "$WORK_DIR/dump.sql.gz" | mariadb_sql "$target" || fail "restoring into $target failed"

mariadb_count_statements "$target" "$DB_NAME" >"$WORK_DIR/restored.sql"
if [ -s "$WORK_DIR/restored.sql" ]; then mariadb_sql "$target" <"$WORK_DIR/restored.sql" | LC_ALL=C sort >"$WORK_DIR/restored-counts.tsv"; else : >"$WORK_DIR/restored-counts.tsv"; fi
compare_counts "$WORK_DIR/counts.tsv" "$WORK_DIR/restored-counts.tsv"
log "restore check passed: $target holds $(manifest_field "$WORK_DIR/manifest.json" rows) rows in $(manifest_field "$WORK_DIR/manifest.json" tables) tables, as recorded"
