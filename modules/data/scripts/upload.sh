#!/bin/sh
# Runs in the rclone image after a dump: uploads the backup under a new timestamped key, and
# only once every file is verified moves the "latest" pointer. A failed or partial upload
# therefore never hides the last good backup. Retention is the bucket's lifecycle rule.
#
# Integrity without reading the backup back: each file is read once, and that one stream is
# both hashed here (SHA-256, compared with the manifest the dump step wrote) and handed to
# rclone, which sends every part with a Content-MD5 of that part's bytes. The object store
# recomputes it and refuses a part that differs (BadDigest); rclone then checks the assembled
# object's multipart ETag against the parts it sent. So the object holds exactly the bytes
# that hashed to the manifest's checksum, which is what a read-back proved, for one read of the
# file instead of a second transfer.
# Env: BACKUP_REMOTE (rclone path, e.g. backups:org-db-backups/postgresql/n8n), WORK_DIR,
#      RCLONE_CONFIG_* (the remote, optionally wrapped in a crypt remote), BACKUP_ID (optional).
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_env BACKUP_REMOTE WORK_DIR
manifest="$WORK_DIR/manifest.json"
[ -s "$manifest" ] || fail "no manifest in $WORK_DIR: the dump step did not finish"

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
await_server "the object store" store_answers

# upload_verified FIELD: the file the manifest names under FIELD, streamed once into rclone and
# into sha256sum. 16 MiB parts keep streams up to 156 GiB within S3's 10,000 parts.
upload_verified() {
  name=$(manifest_field "$manifest" "$1")
  file="$WORK_DIR/$name"
  [ -f "$file" ] || fail "the manifest names $name, which the dump step did not leave in $WORK_DIR"
  fifo="$WORK_DIR/.upload"
  rm -f "$fifo" && mkfifo "$fifo"
  rc rcat --s3-chunk-size 16M "$target/$name" <"$fifo" &
  uploading=$!
  sent=$(tee "$fifo" <"$file" | sha256sum | cut -d' ' -f1)
  wait "$uploading" || explain "upload of $name failed"
  rm -f "$fifo"
  if [ "$sent" != "$(manifest_field "$manifest" "${1}_sha256")" ]; then
    rclone deletefile "$target/$name" 2>/dev/null || true
    fail "$name changed on disk since the dump step hashed it; nothing was published and latest still points at the previous backup"
  fi
}

log "uploading $(size_of "$WORK_DIR/$(manifest_field "$manifest" dump)") bytes to $target"
upload_verified dump
upload_verified counts
# The manifest goes last: a key without one is an upload that never finished.
rc copyto "$manifest" "$target/manifest.json" || explain "upload of manifest.json failed"

printf '%s\n' "$id" | rc rcat "$BACKUP_REMOTE/latest" || explain "moving the latest pointer failed"
log "backup $id verified; latest -> $id"
