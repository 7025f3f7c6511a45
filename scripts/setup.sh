#!/bin/sh
# One command on a fresh Debian machine: install what is needed, build, start the server on
# the embedded default config (data in ./heliosdb-data, listeners on 127.0.0.1).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"
exec "$here/build/bin/heliosdb"
