#!/bin/sh
# Runs in the rclone image before a restore: fetches a backup (the latest, or BACKUP_ID) and
# verifies the dump and the counts against the manifest's checksums: a truncated or corrupted
# backup stops here, loudly.
# Env: BACKUP_REMOTE, WORK_DIR, RCLONE_CONFIG_*, BACKUP_ID (optional).
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_env BACKUP_REMOTE WORK_DIR
mkdir -p "$WORK_DIR"
rc() { rclone --retries 2 --low-level-retries 3 --contimeout 10s --timeout 60s "$@" 2>"$WORK_DIR/.rclone.log"; }
await_server "the object store" store_answers

id=${BACKUP_ID:-$(rc cat "$BACKUP_REMOTE/latest" | head -n 1)} || fail "no latest backup under $BACKUP_REMOTE: $(tail -n 2 "$WORK_DIR/.rclone.log")"
[ -n "$id" ] || fail "no latest backup under $BACKUP_REMOTE"
source="$BACKUP_REMOTE/$id"
manifest="$WORK_DIR/manifest.json"

rc copyto "$source/manifest.json" "$manifest" || fail "backup $id has no manifest: it is incomplete"
grep -q '"format": "platform-backup/v1"' "$manifest" || fail "the manifest of backup $id is not readable"
for kind in dump counts; do
  name=$(manifest_field "$manifest" "$kind")
  [ -n "$name" ] || fail "the manifest of backup $id names no $kind file"
  sha=$(stream_to "$WORK_DIR/$name" rc cat "$source/$name") || fail "backup $id is missing $name: $(tail -n 2 "$WORK_DIR/.rclone.log")"
  [ "$sha" = "$(manifest_field "$manifest" "${kind}_sha256")" ] ||
    fail "backup $id: $name is corrupted or truncated (its checksum differs from the manifest's)"
done
log "fetched backup $id of $(manifest_field "$manifest" database): checksums match"
