#!/bin/sh
# selftest_seams.sh CHECKER: the seam check must pass a clean tree and catch each kind of
# crossing (kernel path, kernel header through an include dir, embedded API, kernel including
# a plugin header, a plugin reaching into another plugin's folder).
set -eu
checker=$1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/kernel/storage" "$t/include" "$t/sdk/include/helios" "$t/plugins/codec/a" \
         "$t/plugins/codec/b"
touch "$t/kernel/storage/lsm.h" "$t/include/heliosdb.h" "$t/sdk/include/helios/codec.h" \
      "$t/plugins/codec/a/a_int.h" "$t/plugins/codec/b/b_int.h"
printf '#include "helios/codec.h"\n#include "a_int.h"\n#include <stdio.h>\n' > "$t/plugins/codec/a/a.c"
printf '#include "storage/lsm.h"\n#include "helios/codec.h"\n' > "$t/kernel/storage/x.c"
/usr/bin/python3 "$checker" "$t" >/dev/null || { echo "clean tree refused"; exit 1; }
expect_fail() { # file text
    printf '%s\n' "$2" > "$t/$1"
    if /usr/bin/python3 "$checker" "$t" >"$t/out"; then
        echo "not caught: $1: $2"; exit 1
    fi
    grep -q "$1" "$t/out" || { echo "no line names $1"; cat "$t/out"; exit 1; }
    rm "$t/$1"
}
expect_fail plugins/codec/a/bad1.c '#include "../../../kernel/storage/lsm.h"'
expect_fail plugins/codec/a/bad2.c '#include "storage/lsm.h"'
expect_fail plugins/codec/a/bad3.c '#include <heliosdb.h>'
expect_fail plugins/codec/a/bad4.c '#include "../b/b_int.h"'
expect_fail kernel/storage/bad5.c '#include "a_int.h"'
expect_fail kernel/storage/bad6.c '#include "../../plugins/codec/a/a_int.h"'
echo "seam check self-test: ok"
