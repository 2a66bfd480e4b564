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

# compare_counts EXPECTED ACTUAL: the restored database must hold exactly the rows recorded.
compare_counts() {
  if ! diff -u "$1" "$2" >&2; then
    fail "row counts of the restored database differ from the backup's manifest (diff above: - backup, + restored)"
  fi
}
