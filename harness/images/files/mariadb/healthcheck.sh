#!/bin/bash
# Stand-in for the official mariadb image's healthcheck.sh, from its documented options: each
# named test must pass. It signs in as the healthcheck user the entrypoint created at
# initialisation (credentials in <datadir>/.my-healthcheck.cnf).
#
#   --connect                    a TCP connection to the server on 127.0.0.1 succeeds
#   --innodb_initialized         InnoDB has finished initialising
#   --innodb_buffer_pool_loaded  the buffer pool load from the last shutdown has completed
set -uo pipefail

datadir=/var/lib/mysql
defaults="$datadir/.my-healthcheck.cnf"
[ -r "$defaults" ] || {
  echo "healthcheck: $defaults is missing (the server was not initialised by this entrypoint)" >&2
  exit 1
}

query() {
  mariadb --defaults-extra-file="$defaults" --skip-column-names --batch "$@"
}

[ $# -gt 0 ] || set -- --connect
for test in "$@"; do
  case "$test" in
  --connect)
    query --protocol=tcp --host=127.0.0.1 -e 'SELECT 1' >/dev/null || exit 1
    ;;
  --innodb_initialized)
    [ "$(query -e "SELECT 1 FROM information_schema.ENGINES WHERE engine = 'innodb' AND support IN ('YES', 'DEFAULT', 'ENABLED')")" = 1 ] || exit 1
    ;;
  --innodb_buffer_pool_loaded)
    query -e "SHOW GLOBAL STATUS LIKE 'innodb_buffer_pool_load_status'" | grep -q 'completed' || exit 1
    ;;
  *)
    echo "healthcheck: the stand-in does not implement $test" >&2
    exit 1
    ;;
  esac
done
