#!/bin/sh
# run_out_of_tree.sh BUILD_DIR SOURCE_DIR SANITIZE [HELIOSDB]
# The SDK's promise, end to end: install the SDK from BUILD_DIR into a temporary prefix,
# configure and build sdk/examples/rle_bytes out of tree against that prefix alone, run its unit
# test, install it, and (when HELIOSDB is given) check that the server lists it from
# plugin_dirs and applies its config schema.
set -eu
build=$1; src=$2; sanitize=$3; heliosdb=${4:-}
t=$(mktemp -d "${TMPDIR:-/tmp}/helios-sdk-XXXXXX")
trap 'rm -rf "$t"' EXIT
step() { echo "== $*"; }

step "install the SDK into $t/prefix"
cmake --install "$build" --prefix "$t/prefix" > "$t/install.log"
test -f "$t/prefix/include/helios/plugin.h"
test -f "$t/prefix/include/helios/sqlstate.h"
test -f "$t/prefix/include/helios/testing.h"
test -f "$t/prefix/lib/libhelios_testing.a"
test -f "$t/prefix/lib/cmake/HeliosSDK/HeliosSDKConfig.cmake"
inc=$(PKG_CONFIG_PATH="$t/prefix/lib/pkgconfig" pkg-config --variable=includedir heliosdb-sdk)
test -f "$inc/helios/plugin.h" || { echo "heliosdb-sdk.pc points at $inc"; exit 1; }

step "configure and build sdk/examples/rle_bytes against it"
extra=""
if [ "$sanitize" = "ON" ]; then
    # the installed helios_testing is instrumented: link the test with the sanitizer runtime
    extra="-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined"
fi
# A copy of the folder, as a third party would have it: nothing may point back into the
# HeliosDB source or build tree but the installed prefix.
cp -R "$src/sdk/examples/rle_bytes" "$t/rle_bytes"
cmake -S "$t/rle_bytes" -B "$t/build" -DCMAKE_PREFIX_PATH="$t/prefix" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo $extra > "$t/configure.log"
cmake --build "$t/build" -j2 > "$t/build.log" 2>&1 || { cat "$t/build.log"; exit 1; }
if grep -q -e "$src/" -e "$build/" "$t/build/CMakeCache.txt"; then
    echo "the example's build refers to the HeliosDB tree:"
    grep -e "$src/" -e "$build/" "$t/build/CMakeCache.txt"
    exit 1
fi
nm -D --defined-only "$t/build/plugins/rle_bytes.so" | awk '{print $3}' > "$t/exports"
if [ "$(cat "$t/exports")" != "helios_plugin" ]; then
    echo "rle_bytes.so must export only helios_plugin, it exports:"; cat "$t/exports"; exit 1
fi

step "run its unit test (conformance suite + its own cases)"
(cd "$t/build" && ctest --output-on-failure)

step "install it"
cmake --install "$t/build" --prefix "$t/prefix" > /dev/null
test -f "$t/prefix/lib/heliosdb/plugins/rle_bytes.so"

if [ -z "$heliosdb" ]; then
    echo "no server binary in this build: skipping the server checks"
    exit 0
fi
step "the server lists it from plugin_dirs"
cat > "$t/good.yaml" <<YAML
data_dir: $t/data
plugin_dirs: [$t/prefix/lib/heliosdb/plugins]
plugins:
  rle_bytes: {min_run: 4}
YAML
"$heliosdb" plugins --config "$t/good.yaml" > "$t/plugins.out" 2>&1 || {
    cat "$t/plugins.out"; exit 1; }
cat "$t/plugins.out"
grep -Eq "^codec +rle_bytes +1\.0\.0 +1\.0 +$t/prefix/lib/heliosdb/plugins/rle_bytes\.so" \
    "$t/plugins.out" || { echo "rle_bytes is not listed"; exit 1; }
grep -q "0 refused" "$t/plugins.out" || { echo "a plugin was refused"; exit 1; }

step "the server applies its config schema"
"$heliosdb" --check-config "$t/good.yaml" > "$t/check.out" 2>&1 || { cat "$t/check.out"; exit 1; }
sed 's/min_run: 4/min_run: 2/' "$t/good.yaml" > "$t/bad.yaml"
rc=0
"$heliosdb" --check-config "$t/bad.yaml" > "$t/bad.out" 2>&1 || rc=$?
cat "$t/bad.out"
if [ "$rc" != 2 ] || ! grep -q "min_run" "$t/bad.out"; then
    echo "min_run: 2 (below the schema's 3) must exit 2 naming the key; got $rc"; exit 1
fi
echo "out-of-tree example: ok"
