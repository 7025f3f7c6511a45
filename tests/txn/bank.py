#!/usr/bin/python3
"""Bank test: N accounts, C clients moving random amounts between random accounts for T
seconds at one isolation level, retrying on 40001 / 40P01, while a reader sums every account
in its own transaction. The total must never change, in the reader's sums and at the end.
Runs against HeliosDB, and with --postgres against a PostgreSQL 15 too, printing per level the
commits, retries and retry rate.

    bank.py --bin build/bin/heliosdb --plugins DIR [--seconds 30] [--clients 8] [--accounts 20]
            [--levels "REPEATABLE READ,SERIALIZABLE"] [--postgres]
"""
import argparse
import random
import sys
import threading
import time

import psycopg2

from txnlib import Helios, Postgres

INITIAL = 1000


def setup(db, n):
    c = db.connect()
    c.autocommit = True
    cur = c.cursor()
    cur.execute("DROP TABLE IF EXISTS accounts")
    cur.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)")
    cur.execute("INSERT INTO accounts VALUES " +
                ", ".join("(%d, %d)" % (i, INITIAL) for i in range(n)))
    c.close()


def run_level(db, level, clients, accounts, seconds):
    setup(db, accounts)
    stop = time.time() + seconds
    stats = {"commits": 0, "retries": 0, "deadlocks": 0, "other": [], "reads": 0,
             "bad_sums": []}
    mu = threading.Lock()

    def client(seed):
        rnd = random.Random(seed)
        c = db.connect()
        c.autocommit = True
        cur = c.cursor()
        commits = retries = deadlocks = 0
        while time.time() < stop:
            a, b = rnd.sample(range(accounts), 2)
            amt = rnd.randint(1, 50)
            try:
                cur.execute("BEGIN ISOLATION LEVEL " + level)
                cur.execute("SELECT balance FROM accounts WHERE id = %s", (a,))
                bal = cur.fetchone()[0]
                if bal < amt:
                    amt = bal
                cur.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amt, a))
                cur.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amt, b))
                cur.execute("COMMIT")
                commits += 1
            except psycopg2.Error as e:
                try:
                    cur.execute("ROLLBACK")
                except psycopg2.Error:
                    pass
                if e.pgcode in ("40001", "40P01"):
                    retries += 1
                    deadlocks += e.pgcode == "40P01"
                else:
                    with mu:
                        stats["other"].append("%s %s" % (e.pgcode, str(e).strip()[:100]))
        c.close()
        with mu:
            stats["commits"] += commits
            stats["retries"] += retries
            stats["deadlocks"] += deadlocks

    def reader():
        c = db.connect()
        c.autocommit = True
        cur = c.cursor()
        while time.time() < stop:
            try:
                cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                cur.execute("SELECT sum(balance), count(*) FROM accounts")
                s, n = cur.fetchone()
                cur.execute("COMMIT")
                with mu:
                    stats["reads"] += 1
                    if int(s) != INITIAL * accounts or n != accounts:
                        stats["bad_sums"].append((s, n))
            except psycopg2.Error as e:
                cur.execute("ROLLBACK")
                with mu:
                    stats["other"].append("reader %s" % e.pgcode)
            time.sleep(0.01)
        c.close()

    ths = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    ths.append(threading.Thread(target=reader))
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    c = db.connect()
    cur = c.cursor()
    cur.execute("SELECT sum(balance), count(*), min(balance) FROM accounts")
    s, n, mn = cur.fetchone()
    c.close()
    stats["final_sum"] = int(s)
    stats["final_min"] = int(mn)
    return stats


def report(name, level, st, seconds, accounts):
    tries = st["commits"] + st["retries"]
    rate = 100.0 * st["retries"] / tries if tries else 0.0
    ok = (st["final_sum"] == INITIAL * accounts and not st["bad_sums"] and not st["other"]
          and st["final_min"] >= 0 and st["commits"] > 0)
    print("%-10s %-16s commits %6d (%7.1f/s)  retries %6d (%d deadlocks)  retry rate %5.1f%%  "
          "reader sums %5d bad %d  final total %d  %s" % (
              name, level, st["commits"], st["commits"] / seconds, st["retries"],
              st["deadlocks"], rate, st["reads"], len(st["bad_sums"]), st["final_sum"],
              "ok" if ok else "FAIL"))
    for o in st["other"][:5]:
        print("    unexpected error: %s" % o)
    sys.stdout.flush()
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--levels", default="REPEATABLE READ,SERIALIZABLE")
    ap.add_argument("--postgres", action="store_true")
    a = ap.parse_args()
    levels = a.levels.split(",")
    ok = True
    with Helios(a.bin, a.plugins) as h:
        for lv in levels:
            ok &= report("HeliosDB", lv, run_level(h, lv, a.clients, a.accounts, a.seconds),
                         a.seconds, a.accounts)
    if a.postgres:
        with Postgres() as pg:
            for lv in levels:
                ok &= report("PG15", lv, run_level(pg, lv, a.clients, a.accounts, a.seconds),
                             a.seconds, a.accounts)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
