#!/bin/sh
# run_out_of_tree.sh BUILD_DIR SOURCE_DIR SANITIZE [HELIOSDB]
# The SDK's promise, end to end: install the SDK from BUILD_DIR into a temporary prefix,
# configure and build sdk/examples/rle_bytes out of tree against that prefix alone, run its unit
# test, install it, and (when HELIOSDB is given) check that the server lists it from
# plugin_dirs and applies its config schema.
set -eu
build=$1; src=$2; sanitize=$3; heliosdb=${4:-}
t=$(mktemp -d "${TMPDIR:-/tmp}/helios-sdk-XXXXXX")
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$t"
}
trap cleanup EXIT
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
grep -Eq "^codec +rle_bytes +1\.0\.0 +[0-9]+\.[0-9]+ +$t/prefix/lib/heliosdb/plugins/rle_bytes\.so" \
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
step "the server stores its SSTables through it"
# A server whose storage codec is rle_bytes: rows go in over the PostgreSQL protocol, the small
# memtable flushes them into SSTables whose blocks rle_bytes encoded, and after a restart the
# rows read back through rle_bytes' decoder.
command -v psql > /dev/null || { echo "psql is needed (Debian postgresql-client)"; exit 1; }
start_server() { # waits for "ready"; retries on another port if the port is taken
    for attempt in 1 2 3 4 5; do
        port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
        cat > "$t/srv.yaml" <<YAML
data_dir: $t/data
plugin_dirs: [$t/prefix/lib/heliosdb/plugins]
listeners:
  - {protocol: postgres, host: 127.0.0.1, port: $port, auth: trust}
storage: {tier: nvme, codec: rle_bytes, memtable_size: 64kB}
plugins:
  rle_bytes: {min_run: 3}
YAML
        "$heliosdb" --config "$t/srv.yaml" > "$t/srv.log" 2>&1 &
        server_pid=$!
        for _ in $(seq 1 100); do
            grep -q "ready to accept connections" "$t/srv.log" && return 0
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    done
    cat "$t/srv.log"; echo "the server did not start"; exit 1
}
stop_server() {
    kill "$server_pid"; wait "$server_pid" || true; server_pid=""
}
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U helios -d postgres "$@"; }
start_server
/usr/bin/python3 - "$t/rows.sql" <<'PY'
import sys
rows = ["(%d, '%s')" % (i, "x" * 60 + str(i)) for i in range(1, 4001)]
with open(sys.argv[1], "w") as f:
    f.write("create table t (id int primary key, s text);\n")
    for k in range(0, len(rows), 500):
        f.write("insert into t values " + ",".join(rows[k:k + 500]) + ";\n")
PY
sql -f "$t/rows.sql"
stop_server
start_server
got=$(sql -c "select count(*), sum(id) from t")
row=$(sql -c "select s from t where id = 3999")
stop_server
echo "after a restart: count|sum = $got"
[ "$got" = "4000|8002000" ] || { echo "expected 4000|8002000"; exit 1; }
[ "$row" = "$(printf 'x%.0s' $(seq 60))3999" ] || { echo "row 3999 reads back as $row"; exit 1; }
/usr/bin/python3 - "$t/data" <<'PY'
import glob, os, sys
files = glob.glob(os.path.join(sys.argv[1], "**", "*.sst"), recursive=True)
data = b"".join(open(f, "rb").read() for f in files)
runs = data.count(b"\xb9x")        # rle_bytes: a run of 60 'x' is 0xb9 'x'
raw = data.count(b"x" * 20)
print("%d SSTables, %d rle_bytes runs of 60 'x', %d raw runs" % (len(files), runs, raw))
sys.exit(0 if files and runs >= 1000 and raw == 0 else 1)
PY
echo "out-of-tree example: ok"
