#!/bin/sh
# Stand-in for the official valkey image's entrypoint, from its documented behaviour: options
# or a config file alone mean valkey-server; started as root it owns /data and runs as valkey;
# a default umask is tightened to 0077.
set -eu

case "${1:-}" in
-* | *.conf) set -- valkey-server "$@" ;;
*) ;;
esac

if [ "${1:-}" = 'valkey-server' ] && [ "$(id -u)" = '0' ]; then
  find . ! -user valkey -exec chown valkey '{}' +
  exec setpriv --reuid=valkey --regid=valkey --clear-groups -- "$0" "$@"
fi

if [ "$(umask)" = '0022' ]; then
  umask 0077
fi

exec "$@"
