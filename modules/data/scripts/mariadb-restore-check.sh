#!/bin/bash
# Runs in the mariadb image after fetch.sh: restores the fetched dump and proves it holds
# exactly the rows the manifest recorded.
# RESTORE_MODE=scratch (default, the scheduled restore test): into a throwaway server started
#   inside this pod on its scratch volume, stopped and deleted afterwards, even when the script
#   is killed. The live server is never contacted.
# RESTORE_MODE=in-place (platform restore --in-place, as the superuser): into a new database on
#   the live server, verified against the manifest, then swapped in with one RENAME TABLE
#   statement (atomic: every table moves or none does). Privileges are granted per database
#   name, so the app's grants apply to the restored tables as they did to the old ones. The
#   replaced tables are kept in DB_NAME__previous_<UTC time> for the operator to drop once the
#   restored data is confirmed. A failure before the swap leaves the live database as it was;
#   how far the restore got is recorded in RESTORE_STATUS_FILE (lib.sh, restore_phase).
# Env: DB_NAME, WORK_DIR, RESTORE_MODE; in-place also MARIADB_HOST MARIADB_PORT MARIADB_USER
#      MARIADB_PASSWORD, and optionally RESTORE_STATUS_FILE.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_env DB_NAME WORK_DIR
mode=${RESTORE_MODE:-scratch}
[ "$mode" = scratch ] || [ "$mode" = in-place ] || fail "RESTORE_MODE must be scratch or in-place, not $mode"
[ "$(manifest_field "$WORK_DIR/manifest.json" engine)" = mariadb ] || fail "the fetched backup is not a MariaDB backup"
dump="$WORK_DIR/$(manifest_field "$WORK_DIR/manifest.json" dump)"
# Backups made before zstd are gzip.
case "$dump" in *.zst) decompress=(zstd -dcq) ;; *) decompress=(gzip -dc) ;; esac

# restore_into DATABASE: restore, then count its tables as the backup did.
restore_into() {
  "${decompress[@]}" "$dump" | mariadb_sql "$1" || fail "restoring into $1 failed"
  mariadb_count_statements "$1" "$DB_NAME" >"$WORK_DIR/restored.sql"
  if [ -s "$WORK_DIR/restored.sql" ]; then mariadb_sql "$1" <"$WORK_DIR/restored.sql" | LC_ALL=C sort >"$WORK_DIR/restored-counts.tsv"; else : >"$WORK_DIR/restored-counts.tsv"; fi
  compare_counts "$WORK_DIR/counts.tsv" "$WORK_DIR/restored-counts.tsv"
}

if [ "$mode" = scratch ]; then
  server="$WORK_DIR/scratch-server"
  rm -rf "$server" && mkdir -p "$server"
  MARIADB_CNF="$server/client.cnf"
  trap 'scratch_server_stop "$server" TERM' EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  scratch_server_watch $$ "$server"
  # The client reads MARIADB_HOST and MARIADB_PORT from the environment over its option files:
  # gone, so nothing here can reach the live server.
  unset MARIADB_HOST MARIADB_PORT MARIADB_USER MARIADB_PASSWORD
  # A private server: its own socket, no network, no durability; nothing in it must survive.
  mariadb-install-db --no-defaults --datadir="$server/data" --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve >"$server/install.log" 2>&1 ||
    fail "could not create the scratch server: $(tail -n 3 "$server/install.log")"
  mariadbd --no-defaults --datadir="$server/data" --socket="$server/mariadb.sock" --pid-file="$server/mariadbd.pid" --tmpdir="$server" \
    --skip-networking --skip-log-bin --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
    --skip-name-resolve >"$server/server.log" 2>&1 &
  echo $! >"$server/server.pid"
  printf '[client]\nprotocol=socket\nsocket=%s\nuser=root\n' "$server/mariadb.sock" >"$MARIADB_CNF"
  # Up to five minutes on a busy node, as long as the server is alive.
  for _ in $(seq 1 1500); do
    mariadb-admin --defaults-extra-file="$MARIADB_CNF" ping >/dev/null 2>&1 && break
    kill -0 "$(cat "$server/server.pid")" 2>/dev/null || break
    sleep 0.2
  done
  mariadb-admin --defaults-extra-file="$MARIADB_CNF" ping >/dev/null 2>&1 || fail "the scratch server did not start: $(tail -n 3 "$server/server.log")"
  log "restoring $(manifest_field "$WORK_DIR/manifest.json" database) into a scratch server"
  mariadb_sql -e "CREATE DATABASE \`$DB_NAME\`"
  restore_into "$DB_NAME"
  log "restore check passed: the scratch copy of $DB_NAME holds $(manifest_field "$WORK_DIR/manifest.json" rows) rows in $(manifest_field "$WORK_DIR/manifest.json" tables) tables, as recorded"
  exit 0
fi

require_env MARIADB_HOST MARIADB_USER MARIADB_PASSWORD
live=$DB_NAME
target="${DB_NAME}__restoring"
previous="${DB_NAME}__previous_$(date -u +%Y%m%d%H%M%S)"
restore_phase restoring "$live" "$previous"
mariadb_client
drop_target() { mariadb_sql -e "DROP DATABASE IF EXISTS \`$target\`" >/dev/null 2>&1 || true; }
trap 'drop_target; rm -f "$MARIADB_CNF"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

await_server "MariaDB on $MARIADB_HOST" mariadb-admin --defaults-extra-file="$MARIADB_CNF" --connect-timeout=5 ping
envelope=$(mariadb_sql -e "SELECT CONCAT('CHARACTER SET ', DEFAULT_CHARACTER_SET_NAME, ' COLLATE ', DEFAULT_COLLATION_NAME) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '$live'") ||
  fail "cannot reach the live server $MARIADB_HOST"
[ -n "$envelope" ] || fail "there is no database $live on $MARIADB_HOST to restore in place"

# RENAME TABLE moves base tables only: views, triggers, routines and events would stay behind
# or fail the swap, so a database that has them is refused before anything changes.
# not_movable DATABASE: how many such objects it holds.
not_movable() {
  mariadb_sql -e "SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$1' AND TABLE_TYPE <> 'BASE TABLE')
    + (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '$1')
    + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '$1')
    + (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '$1')"
}
unsupported="an in-place restore of a MariaDB database with views, triggers, routines or events is not supported; restore it into a scratch database (platform restore without --in-place) and move it by hand"
[ "$(not_movable "$live")" = 0 ] || fail "$live: $unsupported"

drop_target
mariadb_sql -e "CREATE DATABASE \`$target\` $envelope" || fail "could not create $target"
log "restoring $(manifest_field "$WORK_DIR/manifest.json" database) into $target beside the live $live"
restore_into "$target"
[ "$(not_movable "$target")" = 0 ] || fail "the backup: $unsupported"

# One statement moves every live table out and every restored table in: atomic in MariaDB.
renames=$(mariadb_sql -e "SELECT GROUP_CONCAT(r SEPARATOR ', ') FROM (
  SELECT CONCAT('\`$live\`.\`', TABLE_NAME, '\` TO \`$previous\`.\`', TABLE_NAME, '\`') r FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$live'
  UNION ALL SELECT CONCAT('\`$target\`.\`', TABLE_NAME, '\` TO \`$live\`.\`', TABLE_NAME, '\`') FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$target') x")
# tables_in: how many tables $live, $target and $previous hold, in one line.
tables_in() {
  mariadb_sql -e "SELECT CONCAT_WS(' ', (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$live'),
    (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$target'), (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$previous'))"
}
before=$(tables_in) || fail "could not count the tables of $live and $target"
read -r live_tables restored_tables _ <<<"$before"
mariadb_sql -e "CREATE DATABASE \`$previous\` $envelope" || fail "could not create $previous"
swapped="$live now holds the restored backup; the tables it replaced, with everything written since the backup, are kept in $previous"
restore_phase swapping "$live" "$previous"
committed=yes
if [ "$renames" != NULL ] && [ -n "$renames" ]; then
  mariadb_sql -e "SET SESSION lock_wait_timeout = 30; RENAME TABLE $renames" 2>"$WORK_DIR/.swap-errors" || committed=""
fi
[ -z "$committed" ] || restore_phase swapped "$live" "$previous"

# Where the swap stands, from the catalog rather than from the client's exit status: a
# connection lost mid-statement hides whether it happened. Row counts are not compared again on
# the live name: the apps write to it from the moment the swap is done, and the rows were
# verified before.
state=$(tables_in) || swap_unanswered "$committed" "$swapped" "$previous holds tables" "$live"
case "$state" in
  "$restored_tables 0 $live_tables") restore_phase swapped "$live" "$previous" ;;
  "$live_tables $restored_tables 0")
    restore_phase restoring "$live" "$previous"
    mariadb_sql -e "DROP DATABASE IF EXISTS \`$previous\`" || true
    fail "could not swap the restored tables into $live ($(tail -n 1 "$WORK_DIR/.swap-errors" 2>/dev/null)); $live is unchanged"
    ;;
  *) fail "after the swap the catalog shows neither outcome (tables in $live, $target, $previous: $state; expected $restored_tables 0 $live_tables, or $live_tables $restored_tables 0): check them by hand" ;;
esac
restore_phase complete "$live" "$previous"
log "restored $live in place from backup of $(manifest_field "$WORK_DIR/manifest.json" created): $(manifest_field "$WORK_DIR/manifest.json" rows) rows in $(manifest_field "$WORK_DIR/manifest.json" tables) tables"
log "the tables it replaced, with everything written since the backup, are kept in $previous (as much disk as $live; no app has rights on it); once $live is confirmed, drop it as the superuser: DROP DATABASE $previous;"
