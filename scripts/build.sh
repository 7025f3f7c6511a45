#!/bin/sh
# Configure and build into ./build (or $HELIOS_BUILD_DIR). Extra arguments go to cmake.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bdir=${HELIOS_BUILD_DIR:-$here/build}
cmake -S "$here" -B "$bdir" -DHELIOS_WERROR=ON "$@" >/dev/null
cmake --build "$bdir" -j"${HELIOS_JOBS:-2}"
