#!/bin/sh
# Configure and build into ./build (or $HELIOS_BUILD_DIR). Extra arguments go to cmake.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bdir=${HELIOS_BUILD_DIR:-$here/build}
cmake -S "$here" -B "$bdir" -DHELIOS_WERROR=ON "$@" >/dev/null
cmake --build "$bdir" -j"${HELIOS_JOBS:-2}"
# The SDK example plugin, built out of tree against the SDK installed into build/sdk-prefix,
# lands in build/lib/heliosdb/plugins beside the built-in plugins.
cmake --build "$bdir" --target example_rle_bytes >/dev/null
