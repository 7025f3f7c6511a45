#!/bin/sh
# bench/lsm/run.sh -- HeliosDB's LSM engine against RocksDB's db_bench in one run, with the
# same key count, key size (16), value size, block cache, bloom bits, memtable size,
# compression (lz4) and durability (WAL on, one sync per write batch of BATCH entries).
#
#   NUM=1000000 VALUE=100 BATCH=100 REPEAT=2 bench/lsm/run.sh
#
# Needs db_bench (Debian rocksdb-tools; note its build has assertions on) and a build of
# HeliosDB in $HELIOS_BUILD_DIR (default ./build). Prints ops/s for both and the ratio.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
bdir=${HELIOS_BUILD_DIR:-$here/build}
NUM=${NUM:-1000000}
VALUE=${VALUE:-100}
BATCH=${BATCH:-100}
CACHE=${CACHE:-67108864}
WBUF=${WBUF:-67108864}
BENCHES=${BENCHES:-fillseq,fillrandom,overwrite,readrandom,readseq,seekrandom,readwhilewriting}
command -v db_bench >/dev/null || { echo "db_bench not found (apt-get install rocksdb-tools)"; exit 2; }
[ -x "$bdir/bin/lsm_bench" ] || { echo "$bdir/bin/lsm_bench not built"; exit 2; }
work=$(mktemp -d /tmp/helios-lsm-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

REPEAT=${REPEAT:-2}
echo "# NUM=$NUM VALUE=$VALUE BATCH=$BATCH sync=1 cache=$CACHE write_buffer=$WBUF lz4 bloom=10 rounds=$REPEAT"
# Rounds alternate the two engines so both see the same machine (fsync latency on a shared
# machine moves a lot); the best round of each engine is compared.
: > "$work/rocksdb.out"
: > "$work/helios.out"
round=1
while [ "$round" -le "$REPEAT" ]; do
    echo "## round $round: RocksDB db_bench"
    db_bench --db="$work/rocksdb" --num="$NUM" --value_size="$VALUE" --key_size=16 \
        --batch_size="$BATCH" --sync=true --disable_wal=false --compression_type=lz4 \
        --bloom_bits=10 --cache_size="$CACHE" --write_buffer_size="$WBUF" --threads=1 \
        --benchmarks="$BENCHES" 2>&1 | grep 'ops/sec' | tee -a "$work/rocksdb.out"
    rm -rf "$work/rocksdb"
    echo "## round $round: HeliosDB lsm_bench"
    "$bdir/bin/lsm_bench" --db "$work/helios" --num "$NUM" --value_size "$VALUE" \
        --batch_size "$BATCH" --sync 1 --bloom_bits 10 --cache_size "$CACHE" \
        --write_buffer_size "$WBUF" --benchmarks "$BENCHES" | tee -a "$work/helios.out"
    rm -rf "$work/helios"
    round=$((round + 1))
done

best() {
    awk -v b="$1" '$1 == b { for (i = 1; i < NF; i++) if ($(i+1) == "ops/sec" && $i > m) m = $i }
                   END { if (m > 0) printf "%d", m }' "$2"
}
echo
printf '%-18s %14s %14s %8s\n' workload "HeliosDB ops/s" "RocksDB ops/s" ratio
for b in $(echo "$BENCHES" | tr ',' ' '); do
    h=$(best "$b" "$work/helios.out")
    r=$(best "$b" "$work/rocksdb.out")
    ratio=$(awk -v h="${h:-0}" -v r="${r:-0}" 'BEGIN { if (r > 0) printf "%.2f", h / r; else print "-" }')
    printf '%-18s %14s %14s %8s\n' "$b" "${h:--}" "${r:--}" "$ratio"
done
