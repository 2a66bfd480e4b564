#!/bin/sh
# Nextcloud's before-starting hook (runs as www-data after install or upgrade): mounts the Spaces
# bucket as external storage for every user, once. Settings come from the container's env.
set -eu
occ() { php /var/www/html/occ "$@"; }

occ app:enable files_external >/dev/null
if occ files_external:list --output=json | grep -q "\"mount_point\":\"\\\\/${S3_EXTERNAL_MOUNT}\""; then
  exit 0
fi
occ files_external:create "/${S3_EXTERNAL_MOUNT}" amazons3 amazons3::accesskey \
  -c bucket="${S3_EXTERNAL_BUCKET}" \
  -c hostname="${S3_EXTERNAL_HOST}" \
  -c region="${S3_EXTERNAL_REGION}" \
  -c port=443 \
  -c use_ssl=true \
  -c use_path_style=false \
  -c key="${S3_EXTERNAL_KEY}" \
  -c secret="${S3_EXTERNAL_SECRET}"
