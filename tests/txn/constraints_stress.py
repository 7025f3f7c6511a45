#!/usr/bin/python3
"""Constraints under concurrency: clients at READ COMMITTED, REPEATABLE READ and SERIALIZABLE
race to (1) insert rows whose UNIQUE (a, b) pair and primary key come from a small range,
(2) update rows onto each other's unique values, (3) insert children of random parents while
others delete and re-create parents (FOREIGN KEY ... ON DELETE RESTRICT and a CASCADE child).
Afterwards: no duplicate primary key or unique pair, the unique index agrees with the table,
no child without its parent. Every error must be one PostgreSQL gives for these races (23505,
23503, 40001, 40P01).

    constraints_stress.py --bin build/bin/heliosdb --plugins DIR [--seconds 10] [--clients 6]
"""
import argparse
import random
import sys
import threading
import time
from collections import Counter

import psycopg2

from txnlib import Helios, Postgres

EXPECTED = {"23505", "23503", "40001", "40P01"}
LEVELS = ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"]


def setup(db):
    c = db.connect()
    c.autocommit = True
    cur = c.cursor()
    for t in ("kid_casc", "kid", "parent", "u"):
        cur.execute("DROP TABLE IF EXISTS %s" % t)
    cur.execute("CREATE TABLE u (id int PRIMARY KEY, a int NOT NULL, b int, UNIQUE (a, b))")
    cur.execute("CREATE TABLE parent (id int PRIMARY KEY, name text)")
    cur.execute("CREATE TABLE kid (id int PRIMARY KEY, pid int NOT NULL REFERENCES parent (id) "
                "ON DELETE RESTRICT)")
    cur.execute("CREATE TABLE kid_casc (id int PRIMARY KEY, pid int REFERENCES parent ON DELETE "
                "CASCADE)")
    cur.execute("INSERT INTO parent VALUES " + ", ".join("(%d, 'p')" % i for i in range(10)))
    c.close()


def client(db, seed, stop, errs, counts, mu):
    rnd = random.Random(seed)
    c = db.connect()
    c.autocommit = True
    cur = c.cursor()
    while not stop.is_set():
        level = rnd.choice(LEVELS)
        op = rnd.randrange(6)
        try:
            cur.execute("BEGIN ISOLATION LEVEL " + level)
            if op == 0:
                cur.execute("INSERT INTO u VALUES (%s, %s, %s)",
                            (rnd.randrange(60), rnd.randrange(6), rnd.choice([None, 1, 2, 3])))
            elif op == 1:
                cur.execute("UPDATE u SET a = %s, b = %s WHERE id = %s",
                            (rnd.randrange(6), rnd.choice([None, 1, 2]), rnd.randrange(60)))
            elif op == 2:
                cur.execute("DELETE FROM u WHERE id = %s", (rnd.randrange(60),))
            elif op == 3:
                cur.execute("INSERT INTO kid VALUES (%s, %s)", (rnd.randrange(1000), rnd.randrange(12)))
                cur.execute("INSERT INTO kid_casc VALUES (%s, %s)", (rnd.randrange(1000), rnd.randrange(12)))
            elif op == 4:
                p = rnd.randrange(12)
                cur.execute("DELETE FROM kid WHERE pid = %s AND id %% 3 = 0", (p,))
                cur.execute("DELETE FROM parent WHERE id = %s", (p,))
            else:
                p = rnd.randrange(12)
                cur.execute("INSERT INTO parent VALUES (%s, 'again')", (p,))
            cur.execute("COMMIT")
            with mu:
                counts["commit"] += 1
        except psycopg2.Error as e:
            try:
                cur.execute("ROLLBACK")
            except psycopg2.Error:
                pass
            with mu:
                counts[e.pgcode] += 1
                if e.pgcode not in EXPECTED:
                    errs.append("%s %s" % (e.pgcode, str(e).strip()[:120]))
    c.close()


def verify(db):
    c = db.connect()
    c.autocommit = True
    cur = c.cursor()
    bad = []
    cur.execute("SELECT id, a, b FROM u")
    rows = cur.fetchall()
    ids = Counter(r[0] for r in rows)
    pairs = Counter((r[1], r[2]) for r in rows if r[2] is not None)
    bad += ["duplicate id %s" % k for k, v in ids.items() if v > 1]
    bad += ["duplicate unique pair %s" % (k,) for k, v in pairs.items() if v > 1]
    for (a, b), _ in pairs.items():
        cur.execute("SELECT count(*) FROM u WHERE a = %s AND b = %s", (a, b))
        if cur.fetchone()[0] != 1:
            bad.append("unique index lookup (%s, %s) disagrees with the table" % (a, b))
    for t in ("kid", "kid_casc"):
        cur.execute("SELECT k.id, k.pid FROM %s k LEFT JOIN parent p ON p.id = k.pid "
                    "WHERE k.pid IS NOT NULL AND p.id IS NULL" % t)
        orphans = cur.fetchall()
        if orphans:
            bad.append("%d orphans in %s, e.g. %s" % (len(orphans), t, orphans[:3]))
    cur.execute("SELECT count(*) FROM u")
    nu = cur.fetchone()[0]
    cur.execute("SELECT count(*) FROM kid")
    nk = cur.fetchone()[0]
    c.close()
    return bad, nu, nk


def run(name, db, seconds, clients):
    setup(db)
    stop = threading.Event()
    errs, counts, mu = [], Counter(), threading.Lock()
    ths = [threading.Thread(target=client, args=(db, i, stop, errs, counts, mu))
           for i in range(clients)]
    for t in ths:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in ths:
        t.join()
    bad, nu, nk = verify(db)
    ok = not bad and not errs and counts["commit"] > 0
    print("%-9s %s; %d rows in u, %d in kid; %s" % (
        name, ", ".join("%s %d" % kv for kv in sorted(counts.items())), nu, nk,
        "ok" if ok else "FAIL"))
    for b in bad[:10] + errs[:10]:
        print("    " + b)
    sys.stdout.flush()
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--postgres", action="store_true")
    a = ap.parse_args()
    ok = True
    with Helios(a.bin, a.plugins) as h:
        ok &= run("HeliosDB", h, a.seconds, a.clients)
    if a.postgres:
        with Postgres(fsync=False) as pg:
            ok &= run("PG15", pg, a.seconds, a.clients)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
