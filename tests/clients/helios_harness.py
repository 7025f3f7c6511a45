"""Start a real HeliosDB server for a client test: a temp data dir, a temp config, a free
loopback port. Standard library only; run with /usr/bin/python3 (Debian's psycopg2 is there).

    with HeliosServer(args.bin, args.plugins, auth="scram-sha-256") as srv:
        subprocess.run(["psql", srv.dsn(), ...], env=srv.env())
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True, help="path of build/bin/heliosdb")
    p.add_argument("--plugins", required=True, help="the build's plugin directory")
    p.add_argument("rest", nargs="*")
    return p.parse_args()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HeliosServer:
    def __init__(self, binary, plugin_dir, auth="scram-sha-256", tls=None, users=None,
                 read_timeout=None, max_message_bytes=None, extra_yaml="", protocol="postgres"):
        self.binary = os.path.abspath(binary)
        self.plugin_dir = os.path.abspath(plugin_dir)
        self.auth = auth
        self.tls = tls  # (cert, key) or None
        self.users = users if users is not None else [("helios", "helios")]
        self.read_timeout = read_timeout
        self.max_message_bytes = max_message_bytes
        self.extra_yaml = extra_yaml
        self.protocol = protocol  # "postgres", or "auto" (the kernel detects the protocol)
        self.proc = None
        self.tmp = None
        self.port = None

    def _config(self):
        listener = "{protocol: %s, host: 127.0.0.1, port: %d, auth: %s" % (
            self.protocol, self.port, self.auth)
        if self.tls:
            listener += ", tls: {cert: %s, key: %s}" % self.tls
        if self.read_timeout:
            listener += ", read_timeout: %s" % self.read_timeout
        if self.max_message_bytes:
            listener += ", max_message_bytes: %s" % self.max_message_bytes
        listener += "}"
        users = ", ".join("{name: %s, password: %s}" % u for u in self.users)
        return ("data_dir: %s\n"
                "plugin_dirs: [%s]\n"
                "listeners:\n  - %s\n"
                "auth:\n  users: [%s]\n"
                "max_connections: 100\n%s" % (os.path.join(self.tmp, "data"), self.plugin_dir,
                                              listener, users, self.extra_yaml))

    def start(self):
        self.tmp = tempfile.mkdtemp(prefix="helios-client-test-")
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        for attempt in range(5):
            self.port = free_port()
            cfg = os.path.join(self.tmp, "heliosdb.yaml")
            with open(cfg, "w") as f:
                f.write(self._config())
            self.log_path = os.path.join(self.tmp, "server.log")
            self.log = open(self.log_path, "ab")
            # a restart (stop(keep_tmp=True), then _start) appends to the same log: only what
            # this server writes counts
            since = os.path.getsize(self.log_path)
            self.proc = subprocess.Popen([self.binary, "--config", cfg], stdout=self.log,
                                         stderr=subprocess.STDOUT, cwd=self.tmp)
            deadline = time.time() + 30
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                if b"ready to accept connections" in open(self.log_path, "rb").read()[since:]:
                    return self
                time.sleep(0.05)
            text = open(self.log_path, "rb").read().decode(errors="replace")
            self.stop(keep_tmp=True)
            if "Address already in use" in text or "could not listen" in text:
                continue
            raise RuntimeError("server did not start:\n" + text)
        raise RuntimeError("no free port after 5 attempts")

    def stop(self, keep_tmp=False):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if not keep_tmp and self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def log_text(self):
        try:
            return open(self.log_path, "rb").read().decode(errors="replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def env(self, user="helios", password="helios", **extra):
        e = dict(os.environ)
        for k in list(e):
            if k.startswith("PG"):
                del e[k]
        e.update(PGHOST="127.0.0.1", PGPORT=str(self.port), PGUSER=user, PGPASSWORD=password,
                 PGDATABASE="helios", PGCONNECT_TIMEOUT="10")
        e.update(extra)
        return e

    def dsn(self, user="helios", password="helios", **kw):
        parts = ["host=127.0.0.1", "port=%d" % self.port, "user=%s" % user,
                 "password=%s" % password, "dbname=helios", "connect_timeout=10"]
        parts += ["%s=%s" % (k, v) for k, v in kw.items()]
        return " ".join(parts)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if exc[0] is not None:
            sys.stderr.write("---- server log ----\n" + self.log_text()[-4000:] + "\n")
        self.stop()
        return False


class Checks:
    """Counts failures so one run reports all of them; exit(1) at the end if any failed."""

    def __init__(self):
        self.failed = 0
        self.passed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
            print("ok   - %s" % what)
        else:
            self.failed += 1
            print("FAIL - %s" % what)
        sys.stdout.flush()
        return cond

    def eq(self, got, want, what):
        ok = got == want
        if not ok:
            what = "%s (got %r, want %r)" % (what, got, want)
        return self.check(ok, what)

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else 0)
