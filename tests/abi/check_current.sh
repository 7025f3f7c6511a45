#!/bin/sh
# check_current.sh SRC_DIR GENERATED_INCLUDE_DIR: fails when tests/abi/abi_layout.c no longer
# matches the SDK headers (a member was appended without regenerating and reviewing the pins).
set -eu
src=$1; gen=$2
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
/usr/bin/python3 "$src/tests/abi/gen_abi_asserts.py" "$src/sdk/include" "$gen" > "$tmp"
if ! diff -u "$src/tests/abi/abi_layout.c" "$tmp"; then
    echo "tests/abi/abi_layout.c is stale: an ABI struct changed. If the change only appends"
    echo "members (see docs/sdk.md), regenerate and commit it:"
    echo "  python3 tests/abi/gen_abi_asserts.py sdk/include <build>/sdk/include tests/abi/abi_layout.c"
    exit 1
fi
echo "abi_layout.c is current"
