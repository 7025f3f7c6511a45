#!/usr/bin/python3
"""bench/window/window_vs_postgres.py -- window functions, WITH RECURSIVE and LATERAL in
HeliosDB against PostgreSQL 15, in one run.

The same data in both (t: 200,000 rows in 100 partitions; e: a 5,000-edge graph), then each
query timed (median of RUNS executions over the simple protocol through psycopg2, rows
fetched; results compared as text). HeliosDB runs with work_mem = 512MB (its executor keeps
intermediate rows in memory), PostgreSQL with its defaults. Prints milliseconds and ratios.

    bench/window/window_vs_postgres.py [--build DIR] [--runs N]

Both servers listen on free loopback ports in temp dirs removed at exit.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "clients"))
sys.path.insert(0, os.path.join(ROOT, "tests", "difftest"))
import psycopg2  # noqa: E402
from helios_harness import HeliosServer  # noqa: E402
import difftest  # noqa: E402

SETUP = ["CREATE TABLE t (id int PRIMARY KEY, g int, v int, s text)",
         "INSERT INTO t SELECT i, i % 100, (i * 7919) % 10007, 'x' || (i % 1000) "
         "FROM generate_series(1, 200000) i",
         "CREATE TABLE e (src int, dst int)",
         "INSERT INTO e SELECT i, (i * 31) % 5000 + 1 FROM generate_series(1, 5000) i"]
QUERIES = [
    ("row_number per partition", "SELECT sum(r) FROM (SELECT row_number() OVER (PARTITION BY g "
     "ORDER BY v) AS r FROM t) s"),
    ("running sum", "SELECT max(r) FROM (SELECT sum(v) OVER (ORDER BY id) AS r FROM t) s"),
    ("rank + lag", "SELECT count(*) FROM (SELECT rank() OVER (ORDER BY v) AS r, lag(v) OVER "
     "(ORDER BY id) AS l FROM t) s WHERE r > l"),
    ("moving avg, 5 rows", "SELECT max(r) FROM (SELECT avg(v) OVER (PARTITION BY g ORDER BY id "
     "ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING) AS r FROM t) s"),
    ("moving sum, 1000 rows", "SELECT max(r) FROM (SELECT sum(v) OVER (ORDER BY id ROWS BETWEEN "
     "999 PRECEDING AND CURRENT ROW) AS r FROM t) s"),
    ("recursive count to 100k", "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r "
     "WHERE n < 100000) SELECT sum(n) FROM r"),
    ("recursive graph walk", "WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT e.dst FROM e JOIN r "
     "ON e.src = r.n) SELECT count(*) FROM r"),
    ("lateral top-2 per group", "SELECT count(*) FROM (SELECT DISTINCT g FROM t) d, LATERAL "
     "(SELECT v FROM t WHERE t.g = d.g ORDER BY v DESC LIMIT 2) x"),
]


def timed(conn, runs):
    cur = conn.cursor()
    out = []
    for name, q in QUERIES:
        ts, res = [], None
        for _ in range(runs):
            t0 = time.time()
            cur.execute(q)
            res = cur.fetchall()
            ts.append(time.time() - t0)
        out.append((statistics.median(ts), [[str(v) for v in r] for r in res]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    with HeliosServer(os.path.join(a.build, "bin", "heliosdb"),
                      os.path.join(a.build, "lib", "heliosdb", "plugins"), auth="trust") as srv:
        hc = psycopg2.connect(host="127.0.0.1", port=srv.port, user="helios", dbname="postgres")
        hc.autocommit = True
        cur = hc.cursor()
        cur.execute("SET work_mem = '512MB'")
        for s in SETUP:
            cur.execute(s)
        hres = timed(hc, a.runs)
        hc.close()
    tmp = tempfile.mkdtemp(prefix="helios-window-bench-")
    pg = difftest.Postgres(tmp)
    try:
        pc = pg.connect()
        cur = pc.cursor()
        for s in SETUP:
            cur.execute(s)
        cur.execute("ANALYZE")
        pres = timed(pc, a.runs)
    finally:
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("%-26s %10s %10s %7s  %s" % ("query", "helios ms", "pg15 ms", "ratio", "same rows"))
    for (name, _), (ht, hr), (pt, pr) in zip(QUERIES, hres, pres):
        print("%-26s %10.1f %10.1f %7.2f  %s" % (name, ht * 1000, pt * 1000, ht / pt, hr == pr))
    return 0


if __name__ == "__main__":
    sys.exit(main())
