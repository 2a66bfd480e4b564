# Shared by every backup and restore script. POSIX sh: the database images run bash or dash,
# the rclone image busybox ash, and the tests whatever /bin/sh the machine has.

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

require_env() {
  for name in "$@"; do
    eval "value=\${$name:-}"
    [ -n "$value" ] || fail "environment variable $name is not set"
  done
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
size_of() { wc -c <"$1" | tr -d ' '; }

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

# Backup and restore count rows with these definitions only, so the two counts compare like
# for like. Each prints one statement per user table whose result row is "schema.table<TAB>n".

# pg_count_statements DATABASE (libpq environment: PGHOST, PGUSER, ...)
pg_count_statements() {
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" -At <<'SQL'
SELECT format('SELECT %L || E''\t'' || count(*) FROM %I.%I;', n.nspname || '.' || c.relname, n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY 1;
SQL
}

# mariadb_count_statements SCHEMA LABEL: rows are labelled LABEL.table, so a restore into a
# scratch database reports under the original database's name.
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
