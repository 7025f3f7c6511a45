#!/usr/bin/python3
"""Write skew under load ("doctors on call"): each round puts two doctors on call, then two
sessions at once each check that at least two are on call and take themselves off, retrying on
40001. SERIALIZABLE must keep at least one doctor on call in every round; REPEATABLE READ is
expected to lose both in some rounds (shown, not required). Runs on HeliosDB, and with
--postgres on a PostgreSQL 15 too.

    writeskew.py --bin build/bin/heliosdb --plugins DIR [--rounds 100] [--postgres]
"""
import argparse
import sys
import threading

import psycopg2

from txnlib import Helios, Postgres


def run(db, level, rounds):
    c = db.connect()
    c.autocommit = True
    cur = c.cursor()
    cur.execute("DROP TABLE IF EXISTS doctors")
    cur.execute("CREATE TABLE doctors (id int PRIMARY KEY, on_call bool NOT NULL)")
    conns = [db.connect() for _ in range(2)]
    for x in conns:
        x.autocommit = True
    violations = retries = 0
    for _ in range(rounds):
        cur.execute("DELETE FROM doctors")
        cur.execute("INSERT INTO doctors VALUES (1, true), (2, true)")
        barrier = threading.Barrier(2)
        counts = [0, 0]

        def doctor(i):
            k = conns[i].cursor()
            first = True
            while True:
                try:
                    k.execute("BEGIN ISOLATION LEVEL " + level)
                    k.execute("SELECT count(*) FROM doctors WHERE on_call")
                    n = k.fetchone()[0]
                    if first:
                        barrier.wait(timeout=10)
                        first = False
                    if n >= 2:
                        k.execute("UPDATE doctors SET on_call = false WHERE id = %s", (i + 1,))
                    k.execute("COMMIT")
                    return
                except psycopg2.Error as e:
                    k.execute("ROLLBACK")
                    if e.pgcode not in ("40001", "40P01"):
                        raise
                    counts[i] += 1
                    if first:
                        barrier.wait(timeout=10)
                        first = False

        ths = [threading.Thread(target=doctor, args=(i,)) for i in range(2)]
        for t in ths:
            t.start()
        for t in ths:
            t.join()
        retries += sum(counts)
        cur.execute("SELECT count(*) FROM doctors WHERE on_call")
        if cur.fetchone()[0] < 1:
            violations += 1
    for x in conns:
        x.close()
    c.close()
    return violations, retries


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--postgres", action="store_true")
    a = ap.parse_args()
    ok = True
    systems = [("HeliosDB", lambda: Helios(a.bin, a.plugins))]
    if a.postgres:
        systems.append(("PG15", lambda: Postgres(fsync=False)))
    for name, mk in systems:
        with mk() as db:
            for level in ("REPEATABLE READ", "SERIALIZABLE"):
                v, r = run(db, level, a.rounds)
                bad = level == "SERIALIZABLE" and v > 0
                ok &= not bad
                print("%-9s %-16s %d rounds: %d with nobody on call, %d retries%s" %
                      (name, level, a.rounds, v, r, "  FAIL" if bad else ""))
                sys.stdout.flush()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
