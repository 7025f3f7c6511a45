#!/bin/sh
# check_format.sh ROOT: clang-format --dry-run -Werror (the committed .clang-format) on every
# .c/.h under the folders listed below. To opt a folder in, format it once
# (clang-format -i $(find DIR -name '*.[ch]')) and add it to CHECKED.
set -eu
root=$1
CHECKED="
sdk/include/helios
sdk/testing
sdk/examples
plugins/codec/zstd
plugins/codec/lz4
plugins/protocol/postgres
tests/fuzz/postgres
kernel/core
tests/loader
tests/config
tests/integration/server
kernel/storage
plugins/storage/nvme
plugins/storage/sata
tests/crash
bench/lsm
tests/slt
tests/difftest
tests/sql
bench/embedded
"
# Generated files are never checked: tests/abi/abi_layout.c.
cf=$(command -v clang-format || command -v clang-format-14 || true)
if [ -z "$cf" ]; then
    echo "clang-format not found (apt-get install clang-format)"
    exit 1
fi
cd "$root"
files=""
for d in $CHECKED; do
    [ -d "$d" ] || continue
    files="$files $(find "$d" -name '*.[ch]' | sort)"
done
n=$(echo $files | wc -w)
if ! "$cf" --style=file --dry-run -Werror $files; then
    echo "style: the files above differ from .clang-format; fix with: clang-format -i FILE"
    exit 1
fi
echo "style: $n files match .clang-format"
