#!/bin/sh
# The image's entry point: the first argument chooses the process.
#   platform          HTTP (the default)
#   worker            background jobs
#   cli <command>     operator commands: migrate, tenants apply, db provision --passwords-from-env, ...
# Anything else runs as given (`docker run -it consilium:local sh` for a look around).
# `exec` replaces this shell, so the signal tini forwards reaches node itself, which drains before exiting.
set -eu

role=${1:-platform}
case "$role" in
  platform | worker | cli)
    [ $# -gt 0 ] && shift
    # In the image the code lives in /app; the test suite runs this script from a staged copy.
    cd "${CONSILIUM_APP_DIR:-/app}"
    exec node --enable-source-maps "dist/apps/$role/src/main.js" "$@"
    ;;
  help | --help | -h)
    sed -n '2,7p' "$0"
    ;;
  *)
    exec "$@"
    ;;
esac
