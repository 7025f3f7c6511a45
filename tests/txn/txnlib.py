"""Shared pieces of the transaction tests: a PostgreSQL 15 started in a temp dir on a loopback
port, HeliosDB through tests/clients/helios_harness.py, and scripted multi-session runs where a
statement that does not finish within a short time counts as blocked and the script goes on
(as in Hermitage, the isolation test suite these scenarios follow).
/usr/bin/python3 only (Debian's psycopg2)."""
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "clients"))
from helios_harness import HeliosServer  # noqa: E402

PGBIN = "/usr/lib/postgresql/15/bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A throwaway PostgreSQL 15 (default durability unless fsync=False)."""

    def __init__(self, fsync=True):
        self.tmp = tempfile.mkdtemp(prefix="helios-txn-pg-")
        self.dir = os.path.join(self.tmp, "pg")
        self.port = free_port()
        self.as_user = [] if os.getuid() != 0 else ["runuser", "-u", "postgres", "--"]
        if os.getuid() == 0:
            os.chmod(self.tmp, 0o777)
        subprocess.run(self.as_user + [PGBIN + "/initdb", "-D", self.dir, "--locale=C", "-E",
                                       "UTF8", "-A", "trust", "-U", "postgres"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        opts = "-p %d -k %s -c listen_addresses=127.0.0.1 -c TimeZone=UTC -c max_connections=50" % (
            self.port, self.tmp)
        if not fsync:
            opts += " -c fsync=off"
        subprocess.run(self.as_user + [PGBIN + "/pg_ctl", "-D", self.dir, "-o", opts, "-w", "-l",
                                       os.path.join(self.tmp, "pg.log"), "start"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def connect(self):
        return psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres",
                                dbname="postgres", connect_timeout=10)

    def env(self):
        e = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        e.update(PGHOST="127.0.0.1", PGPORT=str(self.port), PGUSER="postgres",
                 PGDATABASE="postgres")
        return e

    def stop(self):
        subprocess.run(self.as_user + [PGBIN + "/pg_ctl", "-D", self.dir, "-m", "immediate",
                                       "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


class Helios:
    """HeliosDB with the postgres listener (trust auth)."""

    def __init__(self, binary, plugins):
        self.srv = HeliosServer(binary, plugins, auth="trust").start()
        self.port = self.srv.port

    def connect(self):
        return psycopg2.connect(host="127.0.0.1", port=self.port, user="helios",
                                dbname="helios", connect_timeout=10)

    def env(self):
        return self.srv.env()

    def stop(self):
        self.srv.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            sys.stderr.write(self.srv.log_text()[-3000:])
        self.stop()
        return False


class Result:
    def __init__(self):
        self.rows = None
        self.err = None
        self.msg = None
        self.blocked = False
        self.done = threading.Event()

    def __repr__(self):
        if self.err:
            return "ERR %s%s" % (self.err, " (after blocking)" if self.blocked else "")
        return "%r%s" % (self.rows, " (after blocking)" if self.blocked else "")


class Session:
    """One connection driven by its own thread: statements queue up in order."""

    def __init__(self, db):
        self.conn = db.connect()
        self.conn.autocommit = True
        self.q = queue.Queue()
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        cur = self.conn.cursor()
        while True:
            item = self.q.get()
            if item is None:
                return
            sql, res = item
            try:
                cur.execute(sql)
                res.rows = [tuple(r) for r in cur.fetchall()] if cur.description else None
            except psycopg2.Error as e:
                res.err = e.pgcode or "?????"
                res.msg = str(e).strip().splitlines()[0] if str(e) else ""
            except Exception as e:  # connection lost etc.
                res.err = "XXXXX"
                res.msg = str(e)
            res.done.set()

    def submit(self, sql):
        r = Result()
        self.q.put((sql, r))
        return r

    def close(self):
        self.q.put(None)
        self.th.join(timeout=10)
        try:
            self.conn.close()
        except Exception:
            pass


def run_script(db, setup, steps, n_sessions, block_wait=0.4, final_wait=15.0):
    """setup: SQL list run autocommit first. steps: (session index, sql). Returns the list of
    Results (one per step) and the table's final contents from a fresh connection."""
    c = db.connect()
    c.autocommit = True
    cur = c.cursor()
    for s in setup:
        cur.execute(s)
    sessions = [Session(db) for _ in range(n_sessions)]
    results = []
    last = [None] * n_sessions
    try:
        for who, sql in steps:
            prev = last[who]
            if prev is not None and not prev.done.is_set():
                prev.done.wait(final_wait)
            r = sessions[who].submit(sql)
            last[who] = r
            results.append(r)
            if not r.done.wait(block_wait):
                r.blocked = True
        for r in results:
            r.done.wait(final_wait)
            if not r.done.is_set():
                r.err = "HANG"
        for s in sessions:
            s.submit("ROLLBACK").done.wait(5)
    finally:
        for s in sessions:
            s.close()
    cur.execute("SELECT * FROM test ORDER BY 1")
    final = [tuple(r) for r in cur.fetchall()]
    c.close()
    return results, final
