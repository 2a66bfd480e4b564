#!/bin/sh
# Installs S3 Uploads as a must-use plugin at the pinned release, before WordPress starts:
# the release's manual-install.zip (it bundles the AWS SDK), checked against the pinned SHA-256,
# unpacked into the mu-plugins volume next to the loader. A different file is refused, and the
# pod does not start without its plugin.
# Env: S3_UPLOADS_VERSION, S3_UPLOADS_SHA256.
set -eu
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
[ -n "${S3_UPLOADS_VERSION:-}" ] || fail "S3_UPLOADS_VERSION is not set"
[ -n "${S3_UPLOADS_SHA256:-}" ] || fail "S3_UPLOADS_SHA256 is not set"

zip=/tmp/s3-uploads.zip
curl -fsSL --retry 3 --max-time 300 -o "$zip" \
  "https://github.com/humanmade/S3-Uploads/releases/download/${S3_UPLOADS_VERSION}/manual-install.zip" \
  || fail "could not download S3 Uploads ${S3_UPLOADS_VERSION}"
printf '%s  %s\n' "$S3_UPLOADS_SHA256" "$zip" | sha256sum -c - >/dev/null \
  || fail "manual-install.zip of S3 Uploads ${S3_UPLOADS_VERSION} does not match the pinned SHA-256"

# The image has PHP's zip extension but no unzip binary. The single quotes hold PHP, not shell.
# shellcheck disable=SC2016
php -r '$zip = new ZipArchive(); if ($zip->open($argv[1]) !== true || !$zip->extractTo($argv[2])) { fwrite(STDERR, "FAILED: cannot unpack $argv[1]\n"); exit(1); }' \
  "$zip" /mu-plugins/s3-uploads
cp /config/s3-uploads-loader.php /mu-plugins/s3-uploads-loader.php
rm -f "$zip"
printf 'S3 Uploads %s installed\n' "$S3_UPLOADS_VERSION" >&2
