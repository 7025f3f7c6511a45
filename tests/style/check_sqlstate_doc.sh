#!/bin/sh
# check_sqlstate_doc.sh ROOT: docs/sqlstate.md must be what sdk/gen_sqlstate.sh makes of
# sdk/sqlstate.txt (the one source of SQLSTATE codes). After adding codes, regenerate it:
#   sh sdk/gen_sqlstate.sh sdk/sqlstate.txt /tmp/sqlstate.h docs/sqlstate.md
set -eu
root=$1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
sh "$root/sdk/gen_sqlstate.sh" "$root/sdk/sqlstate.txt" "$t/sqlstate.h" "$t/sqlstate.md"
if ! diff -u "$root/docs/sqlstate.md" "$t/sqlstate.md"; then
    echo "docs/sqlstate.md is stale; regenerate it with:"
    echo "  sh sdk/gen_sqlstate.sh sdk/sqlstate.txt /tmp/sqlstate.h docs/sqlstate.md"
    exit 1
fi
echo "docs/sqlstate.md is current ($(grep -c '^| [0-9A-Z]\{5\} ' "$root/docs/sqlstate.md") codes)"
