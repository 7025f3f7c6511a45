#!/bin/sh
# One command: install what is needed, build, and run every test (ctest) in ./build.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"
cd "${HELIOS_BUILD_DIR:-$here/build}"
ctest --output-on-failure -j"${HELIOS_JOBS:-2}" "$@"
