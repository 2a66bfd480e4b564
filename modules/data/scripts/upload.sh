#!/bin/sh
# Runs in the rclone image after a dump: uploads the backup under a new timestamped key,
# re-reads it to verify, and only then moves the "latest" pointer. A failed or partial upload
# therefore never hides the last good backup. Retention is the bucket's lifecycle rule.
# Env: BACKUP_REMOTE (rclone path, e.g. backups:org-db-backups/postgresql/n8n), WORK_DIR,
#      RCLONE_CONFIG_* (the remote, optionally wrapped in a crypt remote), BACKUP_ID (optional).
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_env BACKUP_REMOTE WORK_DIR
manifest="$WORK_DIR/manifest.json"
[ -s "$manifest" ] || fail "no manifest in $WORK_DIR: the dump step did not finish"
dump="$WORK_DIR/$(manifest_field "$manifest" dump)"
counts="$WORK_DIR/$(manifest_field "$manifest" counts)"

id=${BACKUP_ID:-$(date -u +%Y%m%dT%H%M%SZ)}
target="$BACKUP_REMOTE/$id"

# rclone's own words for the two causes people can fix; everything else is shown as is.
explain() {
  if grep -qE 'InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|403' "$WORK_DIR/.rclone.log"; then
    fail "$1: the object store rejected the credentials (check the Spaces key in the backup Secret)"
  elif grep -qE 'connection refused|no such host|timeout|i/o timeout|dial tcp' "$WORK_DIR/.rclone.log"; then
    fail "$1: the object store is unreachable ($(grep -m1 -oE 'dial tcp[^"]*' "$WORK_DIR/.rclone.log" || echo 'network error'))"
  fi
  fail "$1: $(tail -n 3 "$WORK_DIR/.rclone.log")"
}
rc() { rclone --retries 2 --low-level-retries 3 --contimeout 10s --timeout 60s "$@" 2>"$WORK_DIR/.rclone.log"; }

log "uploading $(size_of "$dump") bytes to $target"
# The manifest goes last: a key without one is an upload that never finished.
for file in "$dump" "$counts" "$manifest"; do
  rc copyto "$file" "$target/$(basename "$file")" || explain "upload of $(basename "$file") failed"
done

# Verification reads the object back: what counts is what a restore would get.
remote_sha=$(rclone cat "$target/$(basename "$dump")" 2>"$WORK_DIR/.rclone.log" | sha256sum | cut -d' ' -f1) || explain "reading the upload back failed"
[ "$remote_sha" = "$(manifest_field "$manifest" dump_sha256)" ] || fail "the uploaded dump does not match its checksum; latest still points at the previous backup"

printf '%s\n' "$id" | rc rcat "$BACKUP_REMOTE/latest" || explain "moving the latest pointer failed"
log "backup $id verified; latest -> $id"
