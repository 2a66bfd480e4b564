#!/bin/bash
# Stand-in for the official mariadb image's entrypoint, written for the test node from the
# image's documented contract (not a copy of it): the same environment variables, the same
# first-start initialisation on an empty data directory, the healthcheck user that
# healthcheck.sh uses, and the same non-root and root behaviour.
#
#   MARIADB_ROOT_PASSWORD | MARIADB_ALLOW_EMPTY_ROOT_PASSWORD | MARIADB_RANDOM_ROOT_PASSWORD
#                          one is required on an empty data directory (MYSQL_* spellings too)
#   MARIADB_ROOT_HOST      host of the remote root account (default %)
#   MARIADB_DATABASE, MARIADB_USER, MARIADB_PASSWORD   optional database and its owner
#   /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz    run once, after initialisation
set -Eeuo pipefail

fail() {
  echo "error: $*" >&2
  exit 1
}

# The MYSQL_* spellings the official image also accepts.
for name in ROOT_PASSWORD ALLOW_EMPTY_ROOT_PASSWORD RANDOM_ROOT_PASSWORD ROOT_HOST DATABASE USER PASSWORD; do
  mariadb_var="MARIADB_$name"
  mysql_var="MYSQL_$name"
  if [ -z "${!mariadb_var:-}" ] && [ -n "${!mysql_var:-}" ]; then
    export "$mariadb_var=${!mysql_var}"
  fi
done

if [ "${1:0:1}" = '-' ]; then
  set -- mariadbd "$@"
fi

if [ "$1" != 'mariadbd' ] && [ "$1" != 'mysqld' ]; then
  exec "$@"
fi

datadir=$("$@" --verbose --help 2>/dev/null | awk '$1 == "datadir" { print $2; exit }')
datadir=${datadir%/}
socket=/run/mysqld/mysqld.sock

if [ "$(id -u)" = '0' ]; then
  mkdir -p "$datadir"
  chown -R mysql:mysql "$datadir" /run/mysqld
  exec setpriv --reuid=mysql --regid=mysql --init-groups -- "$0" "$@"
fi

# 32 random letters and digits (no `tr | head`: with pipefail, tr's SIGPIPE would end the script).
random_password() {
  head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c1-32
}

# Escapes a value for a single-quoted SQL string literal.
sql_string() {
  local value=${1//\\/\\\\}
  printf "'%s'" "${value//\'/\\\'}"
}

if [ ! -d "$datadir/mysql" ]; then
  if [ -z "${MARIADB_ROOT_PASSWORD:-}" ] && [ -z "${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-}" ] && [ -z "${MARIADB_RANDOM_ROOT_PASSWORD:-}" ]; then
    fail "Database is uninitialized and password option is not specified. Set one of MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD."
  fi
  if [ -n "${MARIADB_RANDOM_ROOT_PASSWORD:-}" ]; then
    MARIADB_ROOT_PASSWORD=$(random_password)
    echo "GENERATED ROOT PASSWORD: $MARIADB_ROOT_PASSWORD"
  fi

  mkdir -p "$datadir"
  # The server's own options (buffer pool size, ...) apply to the bootstrap too.
  mariadb-install-db --datadir="$datadir" --rpm --auth-root-authentication-method=normal --skip-test-db \
    --default-time-zone=SYSTEM --enforce-storage-engine= --skip-log-bin --expire-logs-days=0 \
    --loose-innodb_buffer_pool_load_at_startup=0 --loose-innodb_buffer_pool_dump_at_shutdown=0 "${@:2}" >/dev/null

  # A private server on the socket only, for the initialisation steps.
  "$@" --skip-networking --default-time-zone=SYSTEM --socket="$socket" --wsrep_on=OFF --expire-logs-days=0 \
    --loose-innodb_buffer_pool_load_at_startup=0 --skip-log-bin &
  bootstrap_pid=$!
  client=(mariadb --protocol=socket --socket="$socket" -uroot --database=mysql)
  for _ in $(seq 60); do
    if "${client[@]}" -e 'SELECT 1' >/dev/null 2>&1; then break; fi
    kill -0 "$bootstrap_pid" 2>/dev/null || fail "the initialisation server stopped; see its log above"
    sleep 1
  done

  if [ -z "${MARIADB_INITDB_SKIP_TZINFO:-}" ]; then
    mariadb-tzinfo-to-sql --skip-write-binlog /usr/share/zoneinfo 2>/dev/null | "${client[@]}"
  fi

  root_host=${MARIADB_ROOT_HOST:-%}
  password=$(sql_string "${MARIADB_ROOT_PASSWORD:-}")
  healthcheck_password=$(random_password)
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "DELETE FROM mysql.global_priv WHERE user NOT IN ('mysql.sys', 'mariadb.sys', 'root') OR host NOT IN ('localhost');"
    echo "SET PASSWORD FOR 'root'@'localhost' = PASSWORD($password);"
    if [ "$root_host" != 'localhost' ]; then
      echo "CREATE USER 'root'@$(sql_string "$root_host") IDENTIFIED BY $password;"
      echo "GRANT ALL ON *.* TO 'root'@$(sql_string "$root_host") WITH GRANT OPTION;"
      echo "GRANT PROXY ON ''@'%' TO 'root'@$(sql_string "$root_host") WITH GRANT OPTION;"
    fi
    for host in 127.0.0.1 ::1 localhost; do
      echo "CREATE USER 'healthcheck'@'$host' IDENTIFIED BY '$healthcheck_password';"
      echo "GRANT USAGE ON *.* TO 'healthcheck'@'$host';"
    done
    echo "DROP DATABASE IF EXISTS test;"
    if [ -n "${MARIADB_DATABASE:-}" ]; then
      echo "CREATE DATABASE IF NOT EXISTS \`${MARIADB_DATABASE//\`/\`\`}\`;"
    fi
    if [ -n "${MARIADB_USER:-}" ]; then
      echo "CREATE USER $(sql_string "$MARIADB_USER")@'%' IDENTIFIED BY $(sql_string "${MARIADB_PASSWORD:-}");"
      if [ -n "${MARIADB_DATABASE:-}" ]; then
        echo "GRANT ALL ON \`${MARIADB_DATABASE//\`/\`\`}\`.* TO $(sql_string "$MARIADB_USER")@'%';"
      fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | "${client[@]}"
  printf '[mariadb-client]\nport=3306\nsocket=%s\nuser=healthcheck\npassword=%s\n' "$socket" "$healthcheck_password" >"$datadir/.my-healthcheck.cnf"
  chmod 600 "$datadir/.my-healthcheck.cnf"

  client=(mariadb --protocol=socket --socket="$socket" -uroot "--password=${MARIADB_ROOT_PASSWORD:-}")
  for file in /docker-entrypoint-initdb.d/*; do
    case "$file" in
    *.sh)
      # shellcheck disable=SC1090 # initialisation scripts are the user's, found at run time.
      if [ -x "$file" ]; then "$file"; else . "$file"; fi
      ;;
    *.sql) "${client[@]}" ${MARIADB_DATABASE:+"--database=$MARIADB_DATABASE"} <"$file" ;;
    *.sql.gz) gunzip -c "$file" | "${client[@]}" ${MARIADB_DATABASE:+"--database=$MARIADB_DATABASE"} ;;
    *) ;;
    esac
  done

  kill -TERM "$bootstrap_pid"
  wait "$bootstrap_pid" || :
  echo "MariaDB init process done. Ready for start up."
fi

exec "$@"
