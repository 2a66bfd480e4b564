#!/bin/bash
# Creates or updates one app's user and database on the MariaDB server; safe to run again.
# Env: MARIADB_HOST MARIADB_PORT MARIADB_USER MARIADB_PASSWORD (the superuser), DB_NAME and
# DB_PASSWORD (the app's), BACKUP_PASSWORD (the backup user's). MariaDB cannot read the
# environment from SQL, so the statements are built here and sent on stdin: no password on a
# command line, none echoed.
set -euo pipefail
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
for name in MARIADB_HOST MARIADB_USER MARIADB_PASSWORD DB_NAME DB_PASSWORD BACKUP_PASSWORD; do
  [ -n "${!name:-}" ] || fail "environment variable $name is not set"
done
# The module generates both; anything else would need quoting in the SQL below.
[[ $DB_NAME =~ ^[a-z][a-z0-9_]*$ ]] || fail "DB_NAME must be a lower-case identifier"
[[ $DB_PASSWORD =~ ^[A-Za-z0-9]+$ ]] || fail "DB_PASSWORD must be alphanumeric"
[[ $BACKUP_PASSWORD =~ ^[A-Za-z0-9]+$ ]] || fail "BACKUP_PASSWORD must be alphanumeric"
# In a GRANT's database name '_' matches any character: escaped, the app's grant covers its own
# database only (crm_a must not reach crmxa).
grant_db=${DB_NAME//_/\\_}

client_cnf=$(mktemp)
trap 'rm -f "$client_cnf"' EXIT
chmod 600 "$client_cnf"
printf '[client]\nhost=%s\nport=%s\nuser=%s\npassword=%s\n' "$MARIADB_HOST" "${MARIADB_PORT:-3306}" "$MARIADB_USER" "$MARIADB_PASSWORD" >"$client_cnf"

# The server may still be initialising; the Job's deadline bounds the wait.
until mariadb-admin --defaults-extra-file="$client_cnf" --connect-timeout=5 ping >/dev/null 2>&1; do sleep 2; done

mariadb --defaults-extra-file="$client_cnf" --batch <<SQL
CREATE USER IF NOT EXISTS '${DB_NAME}'@'%';
ALTER USER '${DB_NAME}'@'%' IDENTIFIED BY '${DB_PASSWORD}';
CREATE DATABASE IF NOT EXISTS \`${DB_NAME}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
GRANT ALL PRIVILEGES ON \`${grant_db}\`.* TO '${DB_NAME}'@'%';
CREATE USER IF NOT EXISTS 'platform_backup'@'%';
ALTER USER 'platform_backup'@'%' IDENTIFIED BY '${BACKUP_PASSWORD}';
GRANT RELOAD, PROCESS ON *.* TO 'platform_backup'@'%';
GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, SHOW CREATE ROUTINE ON \`${grant_db}\`.* TO 'platform_backup'@'%';
SQL
# Grants made before the escaping matched by pattern; they go.
if [[ $DB_NAME == *_* ]] && mariadb --defaults-extra-file="$client_cnf" --batch --skip-column-names -e "SHOW GRANTS FOR '${DB_NAME}'@'%'" | grep -qF "ON \`${DB_NAME}\`.*"; then
  mariadb --defaults-extra-file="$client_cnf" --batch -e "REVOKE ALL PRIVILEGES ON \`${DB_NAME}\`.* FROM '${DB_NAME}'@'%'"
fi
printf 'database %s and user %s are in place\n' "$DB_NAME" "$DB_NAME" >&2
