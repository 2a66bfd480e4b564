#!/bin/sh
# Runs in the postgres image as the backup role (CONNECT, and SELECT on the app's objects): dumps one
# database in custom format and records exact row counts taken in the dump's own snapshot, so
# the restore test can prove the restore is complete. Nothing is locked beyond what pg_dump's
# ACCESS SHARE locks need: writers never wait for a backup.
# Env: PGHOST PGPORT PGUSER PGPASSWORD (libpq), DB_NAME, WORK_DIR.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_env DB_NAME WORK_DIR PGHOST PGUSER
await_server "PostgreSQL on $PGHOST" pg_isready -q -d "$DB_NAME"
mkdir -p "$WORK_DIR"
dump="$WORK_DIR/dump.pgc"
counts="$WORK_DIR/counts.tsv"

# One session exports its snapshot and stays open (fifo) while pg_dump and the counts use it.
fifo="$WORK_DIR/.snapshot-session"
rm -f "$fifo" && mkfifo "$fifo"
psql -X -q -v ON_ERROR_STOP=1 -d "$DB_NAME" -At <"$fifo" >"$WORK_DIR/.snapshot" 2>"$WORK_DIR/.snapshot-errors" &
session=$!
exec 3>"$fifo"
printf '%s\n' 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;' 'SELECT pg_export_snapshot();' >&3
for _ in $(seq 1 100); do
  [ -s "$WORK_DIR/.snapshot" ] && break
  kill -0 "$session" 2>/dev/null || break
  sleep 0.1
done
snapshot=$(head -n 1 "$WORK_DIR/.snapshot")
[ -n "$snapshot" ] || fail "could not open a snapshot on $DB_NAME: $(cat "$WORK_DIR/.snapshot-errors")"

# Exact counts of every user table, listed and counted inside the dump's snapshot, while the
# dump runs.
{
  printf '%s\n' 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;' "SET TRANSACTION SNAPSHOT '$snapshot';"
  pg_count_query
  echo 'COMMIT;'
} | psql -X -q -v ON_ERROR_STOP=1 -d "$DB_NAME" -At >"$counts.unsorted" 2>"$counts.errors" &
counting=$!

log "dumping $DB_NAME (snapshot $snapshot)"
dump_sha=$(stream_to "$dump" pg_dump --snapshot="$snapshot" --format=custom --no-owner --dbname="$DB_NAME") ||
  fail "pg_dump of $DB_NAME failed"
wait "$counting" || fail "counting rows of $DB_NAME failed: $(cat "$counts.errors")"
LC_ALL=C sort "$counts.unsorted" >"$counts"
rm -f "$counts.unsorted" "$counts.errors"

echo 'COMMIT;' >&3
exec 3>&-
wait "$session" || true
rm -f "$fifo" "$WORK_DIR/.snapshot" "$WORK_DIR/.snapshot-errors"

write_manifest "$WORK_DIR/manifest.json" postgresql "$DB_NAME" "$dump" "$counts" "$(pg_dump --version)" "$dump_sha"
log "dumped $DB_NAME: $(size_of "$dump") bytes, $(grep -c . "$counts" || true) tables"
