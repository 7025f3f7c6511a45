#!/bin/sh
# run_short.sh FUZZER CORPUS [SECONDS]: a short libFuzzer run for CI. New inputs go to a scratch
# directory; the committed corpus is only read. Exit status: the fuzzer's (non-zero on a crash,
# leak, timeout or sanitizer report; the reproducer is written to the current directory).
set -u
fuzzer=$1
corpus=$2
secs=${3:-60}
scratch=$(mktemp -d)
"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
    "$scratch" "$corpus"
rc=$?
rm -rf "$scratch"
exit $rc
