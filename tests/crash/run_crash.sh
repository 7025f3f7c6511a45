#!/bin/sh
# run_crash.sh [CYCLES] [SEED] -- run the LSM crash test for any number of kill cycles.
# Builds nothing: uses $HELIOS_BUILD_DIR (default ./build) /bin/crash_lsm.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
bdir=${HELIOS_BUILD_DIR:-$here/build}
cycles=${1:-1000}
seed=${2:-$(date +%s)}
dir=$(mktemp -d /tmp/helios-crash-XXXXXX)
trap 'rm -rf "$dir"' EXIT
exec "$bdir/bin/crash_lsm" "$dir/store" "$cycles" "$seed"
