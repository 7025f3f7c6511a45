#!/bin/sh
# pgbench_vs_postgres.sh -- HeliosDB against PostgreSQL 15 (Debian) on the same machine, in one
# run: the same pgbench database (scale 10) in both, then select-only (-S -M prepared) and
# tpcb-like (the default script, simple protocol) with 1 and 8 clients, 20 s each, alternating
# HeliosDB and PostgreSQL run by run. Prints TPS and average latency of both and the ratio.
#
#   bench/pgbench_vs_postgres.sh            (HELIOS_BUILD_DIR=build, DURATION=20, SCALE=10)
#   DURATION=5 SCALE=1 bench/pgbench_vs_postgres.sh      a quick smoke run
#
# PostgreSQL runs with its defaults (fsync on, synchronous_commit on); HeliosDB with its
# defaults (sync_commit on). Both listen on free loopback ports in a temp dir removed at exit.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bdir=${HELIOS_BUILD_DIR:-$here/build}
DURATION=${DURATION:-20}
SCALE=${SCALE:-10}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGBENCH=${PGBENCH:-pgbench}
CLIENTS=${CLIENTS:-"1 8"}

for f in "$bdir/bin/heliosdb" "$PGBIN/initdb" "$PGBIN/pg_ctl"; do
    [ -x "$f" ] || { echo "missing $f (build HeliosDB; apt-get install postgresql-15)" >&2; exit 2; }
done
command -v "$PGBENCH" >/dev/null || { echo "pgbench not found" >&2; exit 2; }

tmp=$(mktemp -d /tmp/pgbench-vs-postgres.XXXXXX)
chmod 755 "$tmp"
hpid=""
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
    [ -n "$hpid" ] && kill "$hpid" 2>/dev/null && wait "$hpid" 2>/dev/null || true
    [ -f "$tmp/pg/data/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$tmp/pg/data" -m fast \
        -w stop >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- PostgreSQL 15 ----
mkdir -p "$tmp/pg"
[ "$(id -u)" = 0 ] && chown postgres "$tmp/pg"
as_pg "$PGBIN/initdb" -D "$tmp/pg/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    >"$tmp/pg/initdb.log" 2>&1
pgport=$(free_port)
as_pg "$PGBIN/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/server.log" -w \
    -o "-p $pgport -k $tmp/pg -c listen_addresses=127.0.0.1 -c max_connections=50" \
    start >/dev/null

# ---- HeliosDB ----
hport=$(free_port)
mkdir -p "$tmp/helios"
cat >"$tmp/helios/heliosdb.yaml" <<EOF
data_dir: $tmp/helios/data
plugin_dirs: [$bdir/lib/heliosdb/plugins]
listeners:
  - {protocol: postgres, host: 127.0.0.1, port: $hport, auth: scram-sha-256}
auth:
  users: [{name: helios, password: helios}]
max_connections: 100
EOF
"$bdir/bin/heliosdb" --config "$tmp/helios/heliosdb.yaml" >"$tmp/helios/server.log" 2>&1 &
hpid=$!
i=0
until grep -q "ready to accept connections" "$tmp/helios/server.log" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 300 ] || ! kill -0 "$hpid" 2>/dev/null; then
        echo "HeliosDB did not start:" >&2
        cat "$tmp/helios/server.log" >&2
        exit 1
    fi
    sleep 0.1
done

pg_h() { PGPASSWORD=helios "$@" -h 127.0.0.1 -p "$hport" -U helios helios; }
pg_p() { "$@" -h 127.0.0.1 -p "$pgport" -U postgres postgres; }

echo "initializing pgbench scale $SCALE in both (this takes a while)..."
t0=$(date +%s)
pg_p "$PGBENCH" -i -q -s "$SCALE" >"$tmp/init-postgres.log" 2>&1 || {
    cat "$tmp/init-postgres.log" >&2; exit 1; }
t1=$(date +%s)
pg_h "$PGBENCH" -i -q -s "$SCALE" >"$tmp/init-helios.log" 2>&1 || {
    echo "HeliosDB: pgbench -i failed:" >&2; tail -20 "$tmp/init-helios.log" >&2; exit 1; }
t2=$(date +%s)
echo "pgbench -i -s $SCALE: PostgreSQL $((t1 - t0)) s, HeliosDB $((t2 - t1)) s"

# run SYSTEM WORKLOAD CLIENTS -> "tps latency_ms failed"
run() {
    sys=$1 wl=$2 c=$3
    j=$c
    [ "$j" -gt 2 ] && j=2
    case $wl in
        select-only) extra="-S -M prepared" ;;
        *) extra="" ;;
    esac
    log="$tmp/run-$sys-$wl-$c.log"
    # shellcheck disable=SC2086
    if [ "$sys" = helios ]; then
        pg_h "$PGBENCH" -n -c "$c" -j "$j" -T "$DURATION" $extra >"$log" 2>&1 || true
    else
        pg_p "$PGBENCH" -n -c "$c" -j "$j" -T "$DURATION" $extra >"$log" 2>&1 || true
    fi
    tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$log" | tail -1)
    lat=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$log" | tail -1)
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$log" | tail -1)
    if [ -z "$tps" ]; then
        echo "  $sys $wl $c clients: pgbench failed:" >&2
        tail -5 "$log" >&2
    fi
    echo "${tps:-0} ${lat:-0} ${failed:-?}"
}

results="$tmp/results"
: >"$results"
n=0
for wl in select-only tpcb-like; do
    for c in $CLIENTS; do
        # alternate which system goes first, so neither always gets the warmer cache
        if [ $((n % 2)) -eq 0 ]; then order="helios postgres"; else order="postgres helios"; fi
        n=$((n + 1))
        for sys in $order; do
            r=$(run "$sys" "$wl" "$c")
            echo "  $wl, $c client(s), $sys: $r (tps, avg latency ms, failed)"
            echo "$wl $c $sys $r" >>"$results"
        done
    done
done

echo
echo "pgbench, scale $SCALE, $DURATION s per run, $(nproc) CPUs, $(date -u +%Y-%m-%d)"
echo
echo "| workload | clients | HeliosDB TPS | HeliosDB latency ms | PostgreSQL 15 TPS | PostgreSQL latency ms | HeliosDB / PostgreSQL |"
echo "|---|---|---|---|---|---|---|"
for wl in select-only tpcb-like; do
    for c in $CLIENTS; do
        h=$(awk -v w="$wl" -v c="$c" '$1 == w && $2 == c && $3 == "helios" {print $4, $5}' "$results")
        p=$(awk -v w="$wl" -v c="$c" '$1 == w && $2 == c && $3 == "postgres" {print $4, $5}' "$results")
        set -- $h $p
        ratio=$(awk -v a="$1" -v b="$3" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }')
        label=$wl
        [ "$wl" = select-only ] && label="select-only (-S -M prepared)"
        printf '| %s | %s | %.0f | %.3f | %.0f | %.3f | %s |\n' "$label" "$c" "$1" "$2" "$3" "$4" \
            "$ratio"
    done
done
