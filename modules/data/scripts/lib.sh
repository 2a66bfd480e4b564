# Shared by every backup and restore script. POSIX sh: the database images run bash or dash,
# the rclone image busybox ash (whose tools take fewer options than GNU's), and the tests run
# each script in the same shell and tools as its image.

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

require_env() {
  for name in "$@"; do
    eval "value=\${$name:-}"
    [ -n "$value" ] || fail "environment variable $name is not set"
  done
}

# In a pod, a first connection can be refused for a few seconds: the network policy agent
# admits a new pod's address only once it has seen the pod (kube-router programs its sets on
# its next sync). await_server WHAT PROBE...: retries PROBE, which succeeds as soon as the
# server answers at all, for CONNECT_WAIT seconds (default 30 in a pod, none elsewhere), then
# lets the caller's own connection report whatever is wrong.
await_server() {
  what=$1
  shift
  wait_for=${CONNECT_WAIT:-$([ -n "${KUBERNETES_SERVICE_HOST:-}" ] && echo 30 || echo 0)}
  [ "$wait_for" -gt 0 ] || return 0
  # A deadline, not a count: one probe may itself take seconds (a connect timeout).
  deadline=$(($(date +%s) + wait_for))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 0
    [ -n "${waiting:-}" ] || log "waiting for $what to answer (a new pod's first connection may be refused)"
    waiting=yes
    sleep 1
  done
  waiting=""
}

# The object store behind $BACKUP_REMOTE, probed for await_server: any answer (a missing
# folder, refused keys) counts, only an unanswered connection is retried. One quick attempt.
store_answers() {
  rclone --retries 1 --low-level-retries 1 --contimeout 5s --timeout 10s lsf --max-depth 1 "$BACKUP_REMOTE" >/dev/null 2>"$WORK_DIR/.store-probe.log" ||
    ! grep -qE 'connection refused|i/o timeout|dial tcp' "$WORK_DIR/.store-probe.log"
  status=$?
  rm -f "$WORK_DIR/.store-probe.log"
  return "$status"
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
size_of() { wc -c <"$1" | tr -d ' '; }
# Milliseconds since the epoch where date knows %N (GNU), else whole seconds (busybox).
now_ms() { t=$(date +%s%N 2>/dev/null); case "$t" in *N | '') echo $(($(date +%s) * 1000)) ;; *) echo $((t / 1000000)) ;; esac; }

# Manifest fields are written one per line by write_manifest, so sed reads them back without jq,
# which none of the official images ship.
manifest_field() {
  sed -n "s/^  \"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$1" | head -n 1
}

# stream_to FILE COMMAND...: runs COMMAND writing FILE while hashing the stream on the other
# core, and prints the SHA-256; fails if COMMAND fails (dash has no pipefail, hence the marker).
stream_to() {
  target=$1
  shift
  rm -f "$target.failed"
  { "$@" || : >"$target.failed"; } | tee "$target" | sha256sum | cut -d' ' -f1
  [ ! -e "$target.failed" ] || { rm -f "$target.failed"; return 1; }
}

# write_manifest FILE ENGINE DATABASE DUMP_FILE COUNTS_FILE TOOL_VERSION DUMP_SHA256
write_manifest() {
  tables=$(grep -c . "$5" || true)
  rows=$(awk -F'\t' '{ total += $2 } END { print total + 0 }' "$5")
  cat >"$1" <<JSON
{
  "format": "platform-backup/v1",
  "engine": "$2",
  "database": "$3",
  "created": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "dump": "$(basename "$4")",
  "dump_bytes": $(size_of "$4"),
  "dump_sha256": "$7",
  "counts": "$(basename "$5")",
  "counts_sha256": "$(sha256_of "$5")",
  "tables": $tables,
  "rows": $rows,
  "tool": "$6"
}
JSON
}

# restore_phase PHASE LIVE PREVIOUS: how far an in-place restore got, as one JSON line in
# $RESTORE_STATUS_FILE (platform restore points it at the pod's termination message and reads it
# back, also when the script was killed): restoring (the live database is untouched), swapping
# (the swap is under way: whether it happened is in the catalog), swapped (LIVE holds the
# restored backup and the database it replaced is kept as PREVIOUS), complete (that, verified).
restore_phase() {
  [ -n "${RESTORE_STATUS_FILE:-}" ] || return 0
  printf '{"phase":"%s","live":"%s","previous":"%s"}\n' "$1" "$2" "$3" >"$RESTORE_STATUS_FILE" 2>/dev/null ||
    log "could not record the phase $1 in $RESTORE_STATUS_FILE"
}

# swap_unanswered COMMITTED SWAPPED IF LIVE: fails an in-place restore whose server did not
# answer the catalog check after the swap, saying what is known. COMMITTED is non-empty when the
# swap's own statement succeeded; SWAPPED says what the swap did; IF tells a swap by hand.
swap_unanswered() {
  [ -z "$1" ] || fail "the swap happened, but the server did not answer the check that follows it: $2"
  fail "the server did not answer after the swap, so whether it happened is unknown: if $3, $2; otherwise $4 is unchanged"
}

# Backup and restore count rows with these definitions only, so the two counts compare like
# for like. Each result row is "schema.table<TAB>n".

# pg_count_query: psql input that lists the user tables visible in the current transaction's
# snapshot and counts each (\gexec). Run inside the exported snapshot it sees exactly what
# pg_dump sees: a table created after the snapshot is in neither, and other sessions'
# temporary tables (which no other session may read) are never listed.
pg_count_query() {
  cat <<'SQL'
SELECT format('SELECT %L || E''\t'' || count(*) FROM %I.%I', n.nspname || '.' || c.relname, n.nspname, c.relname)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
ORDER BY 1
\gexec
SQL
}

# mariadb_count_statements SCHEMA LABEL: one statement per base table, rows labelled
# LABEL.table, so a restore under another name reports under the original database's name.
mariadb_count_statements() {
  mariadb_sql -e "SELECT CONCAT('SELECT ''', '$2', '.', table_name, ''', COUNT(*) FROM \`', table_schema, '\`.\`', table_name, '\`;')
    FROM information_schema.tables WHERE table_schema = '$1' AND table_type = 'BASE TABLE' ORDER BY table_name"
}

# Credentials go through a 0600 option file, never the command line (visible in ps); the
# caller removes $MARIADB_CNF when it exits.
mariadb_client() {
  MARIADB_CNF=$(mktemp)
  chmod 600 "$MARIADB_CNF"
  printf '[client]\nhost=%s\nport=%s\nuser=%s\npassword=%s\n' "$MARIADB_HOST" "${MARIADB_PORT:-3306}" "$MARIADB_USER" "$MARIADB_PASSWORD" >"$MARIADB_CNF"
}
mariadb_sql() { mariadb --defaults-extra-file="$MARIADB_CNF" --batch --skip-column-names "$@"; }

# compare_counts EXPECTED ACTUAL: the restored database must hold exactly the rows recorded.
compare_counts() {
  if ! diff -u "$1" "$2" >&2; then
    fail "row counts of the restored database differ from the backup's manifest (diff above: - backup, + restored)"
  fi
}

# The restore check and an in-place restore run the dump into a server of their own first:
# a throwaway one inside the Job's pod, on the pod's scratch volume, so a scheduled restore test
# never takes disk or load from the live server. scratch_server_watch PID DIR makes sure the
# server and its folder go even if this script is killed with SIGKILL: a watcher outlives it.
scratch_server_watch() {
  (
    trap '' INT TERM HUP
    while kill -0 "$1" 2>/dev/null; do sleep 1; done
    if [ -s "$2/server.pid" ]; then kill -9 "$(head -n 1 "$2/server.pid")" 2>/dev/null || true; fi
    # The server's own children notice its death within a second or so and stop writing.
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      rm -rf "$2" 2>/dev/null
      [ -e "$2" ] || break
      sleep 1
    done
  ) </dev/null >/dev/null 2>&1 &
}

# scratch_server_stop DIR SIGNAL: stops the server DIR/server.pid names, then removes DIR.
scratch_server_stop() {
  if [ -s "$1/server.pid" ]; then
    server_pid=$(cat "$1/server.pid")
    kill "-$2" "$server_pid" 2>/dev/null || true
    while kill -0 "$server_pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -rf "$1"
}
