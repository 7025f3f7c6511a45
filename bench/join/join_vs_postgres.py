#!/usr/bin/python3
"""bench/join/join_vs_postgres.py -- joins in HeliosDB against PostgreSQL 15, in one run.

The same data in both (10 regions, 1,000 customers, 100,000 orders with an index on
orders.customer_id), ANALYZE in both, then each query timed (median of RUNS executions over
the simple protocol, rows fetched) in HeliosDB with its planner as is, HeliosDB with
enable_nestloop = off (hash joins only: the join strategy before index nested loops), an
optional older HeliosDB binary (--before, e.g. a build of the previous commit), and
PostgreSQL 15 with its defaults. Prints milliseconds and the ratios to PostgreSQL.

    bench/join/join_vs_postgres.py [--build DIR] [--before BIN] [--runs N]

Both servers listen on free loopback ports in a temp dir removed at exit.
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PGBIN = os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin")

SETUP = [
    "CREATE TABLE regions (id int PRIMARY KEY, name text)",
    "CREATE TABLE customers (id int PRIMARY KEY, region_id int, segment int, name text)",
    "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount numeric(10,2), note text)",
    "INSERT INTO regions SELECT g, 'region ' || g FROM generate_series(0, 9) g",
    "INSERT INTO customers SELECT g, g % 10, g % 50, 'customer ' || g "
    "FROM generate_series(1, 1000) g",
    "INSERT INTO orders SELECT g, 1 + (g * 7) % 1000, (g % 1000) / 10.0, 'order ' || g "
    "FROM generate_series(1, 100000) g",
    "CREATE INDEX orders_customer ON orders (customer_id)",
    "ANALYZE",
]

QUERIES = [
    ("3-table join, selective filter on regions (10k rows)",
     "SELECT c.name, o.id, o.amount FROM orders o JOIN customers c ON o.customer_id = c.id "
     "JOIN regions r ON c.region_id = r.id WHERE r.name = 'region 3'"),
    ("the same join aggregated (10k rows joined, 1 row out: the join without the transfer)",
     "SELECT count(*), sum(o.amount) FROM orders o JOIN customers c ON o.customer_id = c.id "
     "JOIN regions r ON c.region_id = r.id WHERE r.name = 'region 3'"),
    ("3-table join, filter on one customer (100 rows)",
     "SELECT r.name, o.id, o.amount FROM orders o JOIN customers c ON o.customer_id = c.id "
     "JOIN regions r ON c.region_id = r.id WHERE c.name = 'customer 42'"),
    ("3-table join, no filter, aggregated (100k rows joined)",
     "SELECT r.name, count(*), sum(o.amount) FROM orders o JOIN customers c "
     "ON o.customer_id = c.id JOIN regions r ON c.region_id = r.id GROUP BY r.name"),
    ("left join, 20 customers by key range",
     "SELECT c.id, o.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id "
     "WHERE c.id BETWEEN 100 AND 119"),
]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def as_pg(cmd):
    if os.getuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + cmd
    return cmd


def start_pg(tmp):
    d = os.path.join(tmp, "pg")
    os.makedirs(d)
    if os.getuid() == 0:
        shutil.chown(d, "postgres")
    subprocess.run(as_pg([PGBIN + "/initdb", "-D", d + "/data", "-U", "postgres", "-A", "trust",
                          "-E", "UTF8", "--locale=C.UTF-8"]), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = free_port()
    subprocess.run(as_pg([PGBIN + "/pg_ctl", "-D", d + "/data", "-l", d + "/server.log", "-w",
                          "-o", f"-p {port} -k {d} -c listen_addresses=127.0.0.1", "start"]),
                   check=True, stdout=subprocess.DEVNULL)
    return port, lambda: subprocess.run(as_pg([PGBIN + "/pg_ctl", "-D", d + "/data", "-m", "fast",
                                                "-w", "stop"]), stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)


def start_helios(tmp, name, binary, plugins):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    port = free_port()
    cfg = os.path.join(d, "heliosdb.yaml")
    with open(cfg, "w") as f:
        f.write(f"data_dir: {d}/data\nplugin_dirs: [{plugins}]\nlisteners:\n"
                f"  - {{protocol: postgres, host: 127.0.0.1, port: {port}, auth: scram-sha-256}}\n"
                "auth:\n  users: [{name: helios, password: helios}]\n")
    log = open(os.path.join(d, "server.log"), "w")
    p = subprocess.Popen([binary, "--config", cfg], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            if "ready to accept connections" in open(os.path.join(d, "server.log")).read():
                break
        except OSError:
            pass
        if p.poll() is not None:
            sys.exit(f"{binary} did not start:\n" + open(os.path.join(d, "server.log")).read())
        time.sleep(0.1)

    def stop():
        p.terminate()
        p.wait(10)
    return port, stop


def connect(port, helios):
    if helios:
        c = psycopg2.connect(host="127.0.0.1", port=port, user="helios", password="helios",
                             dbname="helios")
    else:
        c = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
    c.autocommit = True
    return c


def load(conn):
    cur = conn.cursor()
    for q in SETUP:
        cur.execute(q)


def run_once(conn, sql, settings):
    """(ms, rows) of one execution with the settings applied around it, or (None, error)"""
    cur = conn.cursor()
    for s in settings:
        cur.execute(s)
    try:
        t0 = time.perf_counter()
        cur.execute(sql)
        rows = cur.fetchall()
        ms = (time.perf_counter() - t0) * 1e3
    except psycopg2.Error as e:
        return None, str(e).split("\n")[0]
    finally:
        for s in settings:
            cur.execute("RESET " + s.split()[1])
    return ms, len(rows)


def timed_all(servers, sql, runs):
    """median ms per server; the servers take turns run by run (fair under a varying load)"""
    res = {}
    for name, conn, settings in servers:
        res[name] = list(run_once(conn, sql, settings))  # warm-up (plan cache)
        res[name][0] = [] if res[name][0] is not None else None
    for _ in range(runs):
        for name, conn, settings in servers:
            if res[name][0] is None:
                continue
            ms, n = run_once(conn, sql, settings)
            if ms is None:
                res[name] = [None, n]
                continue
            res[name][0].append(ms)
            assert n == res[name][1]
    return {k: (statistics.median(v[0]) if v[0] is not None else None, v[1])
            for k, v in res.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("HELIOS_BUILD_DIR", ROOT + "/build"))
    ap.add_argument("--before", help="an older heliosdb binary to compare (same plugin dir)")
    ap.add_argument("--before-plugins", help="plugin dir of --before (default: --build's)")
    ap.add_argument("--runs", type=int, default=9)
    a = ap.parse_args()
    binary = os.path.join(a.build, "bin/heliosdb")
    plugins = os.path.join(a.build, "lib/heliosdb/plugins")
    for f in (binary, PGBIN + "/initdb"):
        if not os.path.exists(f):
            sys.exit(f"missing {f}")
    tmp = tempfile.mkdtemp(prefix="join-vs-postgres.")
    os.chmod(tmp, 0o755)
    stops = []
    try:
        pgport, stop = start_pg(tmp)
        stops.append(stop)
        hport, stop = start_helios(tmp, "helios", binary, plugins)
        stops.append(stop)
        # HeliosDB's executor materializes full-width rows (100k joined rows are ~40 MB per
        # intermediate result): it gets work_mem = 512MB, PostgreSQL keeps its default
        wm = "SET work_mem = '512MB'"
        servers = [("HeliosDB", connect(hport, True), (wm,)),
                   ("HeliosDB nestloop off", None, (wm, "SET enable_nestloop = off"))]
        if a.before:
            bport, stop = start_helios(tmp, "before", a.before, a.before_plugins or plugins)
            stops.append(stop)
            servers.append(("HeliosDB before", connect(bport, True), (wm,)))
        servers.append(("PostgreSQL 15", connect(pgport, False), ()))
        servers[1] = (servers[1][0], servers[0][1], servers[1][2])
        for name, conn, _ in servers:
            if name != "HeliosDB nestloop off":
                t0 = time.perf_counter()
                load(conn)
                print(f"loaded {name} in {time.perf_counter() - t0:.1f} s")
        pgname = "PostgreSQL 15"
        for title, sql in QUERIES:
            print(f"\n{title}\n  {sql}")
            res = timed_all(servers, sql, a.runs)
            pg = res[pgname][0]
            for name, (ms, n) in res.items():
                if ms is None:
                    print(f"  {name:24s}     error  {n}")
                    continue
                ratio = "" if name == pgname else f"  {ms / pg:6.2f}x PostgreSQL's time"
                print(f"  {name:24s} {ms:9.2f} ms  {n:6d} rows{ratio}")
            rows = {n for ms, n in res.values() if ms is not None}
            if len(rows) != 1:
                print("  ROW COUNTS DIFFER")
    finally:
        for s in reversed(stops):
            try:
                s()
            except Exception:
                pass
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
