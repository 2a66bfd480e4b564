#!/bin/sh
# Runs in the rclone image after fetch.sh (modules/data/scripts) has fetched the latest archive
# and checked it against its manifest: restores it into a scratch folder and compares every
# file and its size with what the backup recorded, then removes the scratch folder.
# Env: WORK_DIR (the fetched backup), RESTORE_DIR (optional; default WORK_DIR/restore).
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_env WORK_DIR
manifest="$WORK_DIR/manifest.json"
[ -s "$manifest" ] || fail "no manifest in $WORK_DIR: the fetch step did not finish"
archive="$WORK_DIR/$(manifest_field "$manifest" dump)"
recorded="$WORK_DIR/$(manifest_field "$manifest" counts)"
volume=$(manifest_field "$manifest" database)
target=${RESTORE_DIR:-$WORK_DIR/restore}

rm -rf "$target" && mkdir -p "$target"
tar -C "$target" -xzf "$archive" || fail "the archive of $volume does not extract: it is damaged"
restored="$WORK_DIR/restored.tsv"
tree_listing "$target" >"$restored"
if ! cmp -s "$recorded" "$restored"; then
  log "recorded (<) and restored (>) differ:"
  diff "$recorded" "$restored" | head -n 20 >&2 || true
  fail "the restore of $volume does not give back the files the backup recorded"
fi
rm -rf "$target"
log "restore check passed: $volume gives back $(grep -c . "$restored" || true) files, $(awk -F'\t' '{ total += $2 } END { print total + 0 }' "$restored") bytes, as recorded"
