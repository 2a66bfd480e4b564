#!/bin/sh
# Runs in the rclone image before upload.sh (modules/data/scripts): archives one volume of Mailu
# (the mailboxes, or admin's files) and records what the archive holds, so the restore test can
# prove a restore gives back every file.
# Env: SOURCE_DIR (the volume, mounted read-only), WORK_DIR, VOLUME_NAME.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_env SOURCE_DIR WORK_DIR VOLUME_NAME
[ -d "$SOURCE_DIR" ] || fail "$SOURCE_DIR is not a folder: the volume is not mounted"
mkdir -p "$WORK_DIR"
archive="$WORK_DIR/volume.tar.gz"
listing="$WORK_DIR/files.tsv"

# Dovecot moves messages (new/ to cur/) while it runs; a file that vanishes between tar listing
# a folder and reading it fails the archive, which is then simply taken again.
attempt=1
until sha=$(stream_to "$archive" tar -C "$SOURCE_DIR" -czf - .); do
  [ "$attempt" -lt 3 ] || fail "archiving $SOURCE_DIR failed three times"
  attempt=$((attempt + 1))
  log "files changed while they were archived; archiving again (attempt $attempt)"
  sleep 5
done

# What the restore test compares against: every regular file of the archive and its size.
file_listing "$archive" >"$listing" || fail "the new archive cannot be read back"

cat >"$WORK_DIR/manifest.json" <<JSON
{
  "format": "platform-backup/v1",
  "engine": "files",
  "database": "$VOLUME_NAME",
  "created": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "dump": "$(basename "$archive")",
  "dump_bytes": $(size_of "$archive"),
  "dump_sha256": "$sha",
  "counts": "$(basename "$listing")",
  "counts_sha256": "$(sha256_of "$listing")",
  "files": $(grep -c . "$listing" || true),
  "bytes": $(awk -F'\t' '{ total += $2 } END { print total + 0 }' "$listing")
}
JSON
log "archived $VOLUME_NAME: $(grep -c . "$listing" || true) files, $(size_of "$archive") bytes compressed"
