#!/bin/bash
# Runs in the mariadb image as the backup user: dumps one database and records exact row counts
# from the dump's own point in time.
#
# MariaDB cannot share a snapshot between sessions, so two sessions must open theirs at the
# same instant: a third holds FLUSH TABLES WITH READ LOCK only while the counting session and
# mariadb-dump each start a consistent-snapshot transaction, then releases it; both go on
# reading their snapshots while writes resume. The lock is held for as long as it takes two
# connections to open a transaction (milliseconds, whatever the database's size), and taking it
# is bounded by a server-side lock_wait_timeout: if a long write statement is running, the
# attempt gives up within a second, so writers never queue behind it for longer, and is retried.
# Env: MARIADB_HOST MARIADB_PORT MARIADB_USER MARIADB_PASSWORD, DB_NAME, WORK_DIR;
#      LOCK_WAIT_TIMEOUT (s, default 1), LOCK_ATTEMPTS (default 30).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_env DB_NAME WORK_DIR MARIADB_HOST MARIADB_USER MARIADB_PASSWORD
mkdir -p "$WORK_DIR"
dump="$WORK_DIR/dump.sql.zst"
counts="$WORK_DIR/counts.tsv"
lock_wait=${LOCK_WAIT_TIMEOUT:-1}
attempts=${LOCK_ATTEMPTS:-30}

mariadb_client
dumper=""
cleanup() {
  [ -z "$dumper" ] || kill "$dumper" 2>/dev/null || true
  rm -f "$MARIADB_CNF"
}
trap cleanup EXIT

# ping answers even when the credentials are wrong: it waits for the server, not for access.
await_server "MariaDB on $MARIADB_HOST" mariadb-admin --defaults-extra-file="$MARIADB_CNF" --connect-timeout=5 ping
mariadb_sql -e "SELECT 1" "$DB_NAME" >/dev/null || fail "cannot connect to database $DB_NAME on $MARIADB_HOST"

# A session kept open on fifos: statements go to fd $2, answers come back on fd $3.
open_session() {
  rm -f "$WORK_DIR/.$1.in" "$WORK_DIR/.$1.out" && mkfifo "$WORK_DIR/.$1.in" "$WORK_DIR/.$1.out"
  # Without the other sessions' fifo ends, or a session would never see its input close.
  mariadb_sql --unbuffered "${@:4}" <"$WORK_DIR/.$1.in" >"$WORK_DIR/.$1.out" 2>"$WORK_DIR/.$1.errors" 5>&- 6<&- 7>&- 8<&- &
  eval "exec $2>\"\$WORK_DIR/.$1.in\" $3<\"\$WORK_DIR/.$1.out\""
}

# The lock session (fds 5 and 6). wait_timeout makes the server drop it, and the lock, if this
# script vanishes without closing the connection.
take_lock() {
  open_session lock 5 6
  lock_pid=$!
  printf '%s\n' "SET SESSION lock_wait_timeout = $lock_wait, SESSION wait_timeout = 30;" \
    "FLUSH TABLES WITH READ LOCK;" "SELECT 'locked';" >&5
  locked=""
  read -r -t $((lock_wait + 30)) locked <&6 || true
  [ "$locked" = locked ] && return 0
  exec 5>&- 6<&-
  wait "$lock_pid" 2>/dev/null || true
  return 1
}
release_lock() {
  echo "UNLOCK TABLES;" >&5
  exec 5>&- 6<&-
  wait "$lock_pid" 2>/dev/null || true
}
for attempt in $(seq 1 "$attempts"); do
  take_lock && break
  [ "$attempt" -lt "$attempts" ] || fail "could not take the global read lock on $MARIADB_HOST in $attempts attempts of ${lock_wait}s (a long-running write holds it off: $(tail -n 1 "$WORK_DIR/.lock.errors"))"
  log "a running statement holds off the global read lock; gave up after ${lock_wait}s so writes go on, retrying (attempt $attempt of $attempts)"
  sleep 2
done
locked_at=$(now_ms)

# Under the lock nothing changes: open the counting snapshot and list what the dump will hold.
open_session count 7 8 "$DB_NAME"
count_pid=$!
printf '%s\n' "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ;" "START TRANSACTION WITH CONSISTENT SNAPSHOT;" "SELECT CONNECTION_ID();" >&7
count_id=""
read -r -t 30 count_id <&8 || true
[ -n "$count_id" ] || { release_lock; fail "could not open the counting snapshot: $(cat "$WORK_DIR/.count.errors")"; }
mariadb_sql -e "SELECT table_name FROM information_schema.tables WHERE table_schema = '$DB_NAME' ORDER BY table_name" >"$WORK_DIR/.tables"
mariadb_count_statements "$DB_NAME" "$DB_NAME" >"$WORK_DIR/.count.sql" || { release_lock; fail "could not list the tables of $DB_NAME"; }

# The dump, told which tables to take: one created once the lock is gone is in neither the
# dump nor the counts.
mapfile -t tables <"$WORK_DIR/.tables"
log "dumping $DB_NAME (${#tables[@]} tables and views)"
# mariadb-dump's own exit status goes to .dump-status the moment it ends: a small database is
# dumped whole into the pipe long before compression and hashing are done with it.
rm -f "$WORK_DIR/.dump-status"
(
  exec 5>&- 6<&- 7>&- 8<&-
  {
    mariadb-dump --defaults-extra-file="$MARIADB_CNF" --verbose --single-transaction --no-tablespaces --routines --triggers --events --hex-blob \
      "$DB_NAME" "${tables[@]}" 2>"$WORK_DIR/.dump-errors"
    echo $? >"$WORK_DIR/.dump-status"
  } | zstd -q -1 | tee "$dump" | sha256sum | cut -d' ' -f1 >"$WORK_DIR/.dump-sha256"
) &
dumper=$!

# The lock goes as soon as mariadb-dump's consistent snapshot is open, or mariadb-dump has
# already finished under it (then everything it read is in the pipe). --verbose prints
# "-- Setting savepoint..." right after its START TRANSACTION WITH CONSISTENT SNAPSHOT returns;
# InnoDB's transaction list is not relied on, as a snapshot that has read nothing yet may not
# be listed there.
opened=""
for _ in $(seq 1 300); do
  if grep -q -- '^-- Setting savepoint' "$WORK_DIR/.dump-errors" 2>/dev/null || [ -s "$WORK_DIR/.dump-status" ] || ! kill -0 "$dumper" 2>/dev/null; then opened=yes; break; fi
  sleep 0.05
done
release_lock
log "global read lock held for $(($(now_ms) - locked_at)) ms"
[ -n "$opened" ] || fail "mariadb-dump did not open its snapshot within 15s: $(grep -v '^-- ' "$WORK_DIR/.dump-errors" | tail -n 2)"

# Counting releases each table's metadata lock as it goes (ROLLBACK TO SAVEPOINT keeps the
# snapshot), so a schema change waits for one table's count at most, never for the backup.
{
  echo "SAVEPOINT counted;"
  sed 's/$/ ROLLBACK TO SAVEPOINT counted;/' "$WORK_DIR/.count.sql"
  echo "COMMIT;"
} >&7
exec 7>&-
LC_ALL=C sort <&8 >"$counts"
exec 8<&-
wait "$count_pid" || fail "counting rows of $DB_NAME failed: $(cat "$WORK_DIR/.count.errors")"

if ! wait "$dumper" || [ "$(cat "$WORK_DIR/.dump-status" 2>/dev/null)" != 0 ]; then
  fail "mariadb-dump of $DB_NAME failed: $(grep -v '^-- ' "$WORK_DIR/.dump-errors" | tail -n 3)"
fi
dumper=""
dump_sha=$(cat "$WORK_DIR/.dump-sha256")
rm -f "$WORK_DIR"/.tables "$WORK_DIR"/.count.sql "$WORK_DIR"/.dump-sha256 "$WORK_DIR"/.dump-status "$WORK_DIR"/.dump-errors "$WORK_DIR"/.lock.* "$WORK_DIR"/.count.*

write_manifest "$WORK_DIR/manifest.json" mariadb "$DB_NAME" "$dump" "$counts" "$(mariadb-dump --version)" "$dump_sha"
log "dumped $DB_NAME: $(size_of "$dump") bytes, $(grep -c . "$counts" || true) tables"
