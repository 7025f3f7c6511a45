#!/usr/bin/python3
"""Crash test over the wire: clients run transfer transactions (two balance updates and a
ledger insert with a secondary index) against HeliosDB; the server is killed with SIGKILL at a
random moment; after restart on the same data directory every acknowledged COMMIT must be
there, no partial transaction may be (the total is unchanged and every balance equals what the
ledger rows that survived say), and the secondary index must agree with the table.

    crash_txn.py --bin build/bin/heliosdb --plugins DIR [--cycles 3] [--clients 4]
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import psycopg2

from txnlib import free_port

ACCOUNTS = 10
INITIAL = 1000


class Server:
    def __init__(self, binary, plugins):
        self.binary = os.path.abspath(binary)
        self.plugins = os.path.abspath(plugins)
        self.tmp = tempfile.mkdtemp(prefix="helios-txn-crash-")
        self.proc = None

    def start(self):
        for _ in range(5):
            self.port = free_port()
            cfg = os.path.join(self.tmp, "heliosdb.yaml")
            with open(cfg, "w") as f:
                f.write("data_dir: %s\nplugin_dirs: [%s]\nlisteners:\n"
                        "  - {protocol: postgres, host: 127.0.0.1, port: %d, auth: trust}\n"
                        "max_connections: 100\n" % (os.path.join(self.tmp, "data"),
                                                    self.plugins, self.port))
            log = os.path.join(self.tmp, "server.log")
            with open(log, "ab") as lf:
                lf.write(b"---- start ----\n")
            self.logf = open(log, "ab")
            self.proc = subprocess.Popen([self.binary, "--config", cfg], stdout=self.logf,
                                         stderr=subprocess.STDOUT, cwd=self.tmp)
            deadline = time.time() + 30
            while time.time() < deadline and self.proc.poll() is None:
                txt = open(log, "rb").read()
                if txt.count(b"ready to accept connections") > txt.count(b"---- start ----") - 1:
                    return
                time.sleep(0.05)
            self.kill()
        raise RuntimeError("server did not start:\n" +
                           open(os.path.join(self.tmp, "server.log"), "rb").read().decode()[-3000:])

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def connect(self):
        c = psycopg2.connect(host="127.0.0.1", port=self.port, user="helios", dbname="helios",
                             connect_timeout=10)
        c.autocommit = True
        return c

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def worker(srv, wid, stop, acked, mu):
    rnd = random.Random(wid * 7919 + int(time.time()))
    try:
        c = srv.connect()
    except psycopg2.Error:
        return
    cur = c.cursor()
    n = 0
    while not stop.is_set():
        n += 1
        lid = wid * 10000000 + int(time.time() * 1000) % 1000000 * 10 + n % 10
        a, b = rnd.sample(range(ACCOUNTS), 2)
        amt = rnd.randint(1, 20)
        try:
            cur.execute("BEGIN")
            cur.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amt, a))
            cur.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amt, b))
            cur.execute("INSERT INTO ledger VALUES (%s, %s, %s, %s)", (lid, a, b, amt))
            cur.execute("COMMIT")
            with mu:
                acked.append(lid)
        except psycopg2.Error as e:
            if e.pgcode in ("40001", "40P01", "23505"):
                try:
                    cur.execute("ROLLBACK")
                except psycopg2.Error:
                    return
                continue
            return  # the server is gone
        except Exception:
            return


def check(srv, acked, cycle):
    c = srv.connect()
    cur = c.cursor()
    errors = []
    cur.execute("SELECT id, balance FROM accounts ORDER BY id")
    bal = dict(cur.fetchall())
    cur.execute("SELECT id, src, dst, amt FROM ledger")
    ledger = cur.fetchall()
    ids = set(r[0] for r in ledger)
    missing = [x for x in acked if x not in ids]
    if missing:
        errors.append("%d acknowledged commits missing, e.g. %s" % (len(missing), missing[:5]))
    if sum(bal.values()) != ACCOUNTS * INITIAL:
        errors.append("total %d != %d" % (sum(bal.values()), ACCOUNTS * INITIAL))
    want = {i: INITIAL for i in range(ACCOUNTS)}
    for _, s, d, amt in ledger:
        want[s] -= amt
        want[d] += amt
    if want != bal:
        errors.append("balances do not match the surviving ledger (a partial transaction)")
    for k in range(ACCOUNTS):
        cur.execute("SELECT count(*) FROM ledger WHERE src = %s", (k,))
        via_index = cur.fetchone()[0]
        via_scan = sum(1 for r in ledger if r[1] == k)
        if via_index != via_scan:
            errors.append("index on ledger(src) says %d rows for %d, table has %d" %
                          (via_index, k, via_scan))
    c.close()
    print("cycle %d: %d ledger rows, %d acknowledged so far, %s" %
          (cycle, len(ledger), len(acked), "ok" if not errors else "; ".join(errors)))
    sys.stdout.flush()
    return not errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--clients", type=int, default=4)
    a = ap.parse_args()
    srv = Server(a.bin, a.plugins)
    ok = True
    try:
        srv.start()
        c = srv.connect()
        cur = c.cursor()
        cur.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)")
        cur.execute("INSERT INTO accounts VALUES " +
                    ", ".join("(%d, %d)" % (i, INITIAL) for i in range(ACCOUNTS)))
        cur.execute("CREATE TABLE ledger (id bigint PRIMARY KEY, src int, dst int, amt int)")
        cur.execute("CREATE INDEX ledger_src ON ledger (src)")
        c.close()
        acked = []
        mu = threading.Lock()
        for cycle in range(1, a.cycles + 1):
            stop = threading.Event()
            ths = [threading.Thread(target=worker, args=(srv, i + cycle * 100, stop, acked, mu))
                   for i in range(a.clients)]
            for t in ths:
                t.start()
            time.sleep(random.uniform(1.0, 3.0))
            srv.kill()
            stop.set()
            for t in ths:
                t.join(timeout=30)
            srv.start()
            ok &= check(srv, acked, cycle)
    finally:
        srv.cleanup()
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
