#!/bin/bash
# Runs in the mariadb image: dumps one database and records exact row counts. MariaDB cannot
# share a snapshot between sessions, so one session holds a global read lock while the counts
# are taken and the dump opens its transaction; writes wait for the dump's duration, which is
# seconds for the databases that need MariaDB (WordPress).
# Env: MARIADB_HOST MARIADB_PORT MARIADB_USER MARIADB_PASSWORD, DB_NAME, WORK_DIR.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_env DB_NAME WORK_DIR MARIADB_HOST MARIADB_USER MARIADB_PASSWORD
mkdir -p "$WORK_DIR"
dump="$WORK_DIR/dump.sql.gz"
counts="$WORK_DIR/counts.tsv"

mariadb_client
trap 'rm -f "$MARIADB_CNF"' EXIT

mariadb_sql -e "SELECT 1" "$DB_NAME" >/dev/null || fail "cannot connect to database $DB_NAME on $MARIADB_HOST"

coproc LOCK { mariadb_sql --unbuffered; }
echo "FLUSH TABLES WITH READ LOCK; SELECT 'locked';" >&"${LOCK[1]}"
locked=""
read -r -t 60 locked <&"${LOCK[0]}" || true
[ "$locked" = locked ] || fail "could not take the global read lock on $MARIADB_HOST"

mariadb_count_statements "$DB_NAME" "$DB_NAME" >"$counts.sql" ||
  fail "could not list the tables of $DB_NAME"
# Under the lock nothing changes, so the counts can run alongside the dump.
if [ -s "$counts.sql" ]; then mariadb_sql "$DB_NAME" <"$counts.sql" >"$counts.unsorted" & else : >"$counts.unsorted"; fi
counting=$!

log "dumping $DB_NAME"
dump_sha=$(
  set -o pipefail
  mariadb-dump --defaults-extra-file="$MARIADB_CNF" --single-transaction --routines --triggers --events --hex-blob "$DB_NAME" |
    gzip -1 | tee "$dump" | sha256sum | cut -d' ' -f1
) || fail "mariadb-dump of $DB_NAME failed"
wait "$counting" 2>/dev/null || fail "counting rows of $DB_NAME failed"
LC_ALL=C sort "$counts.unsorted" >"$counts"
rm -f "$counts.sql" "$counts.unsorted"

echo "UNLOCK TABLES;" >&"${LOCK[1]}"
lock_input=${LOCK[1]}
exec {lock_input}>&-
wait "$LOCK_PID" || true

write_manifest "$WORK_DIR/manifest.json" mariadb "$DB_NAME" "$dump" "$counts" "$(mariadb-dump --version)" "$dump_sha"
log "dumped $DB_NAME: $(size_of "$dump") bytes, $(grep -c . "$counts" || true) tables"
