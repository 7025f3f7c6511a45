#!/usr/bin/python3
"""Smoke test of the heliosdb server process.

usage: smoke.py HELIOSDB_BIN TEST_PLUGIN_DIR SERVER_PLUGIN_DIR

Starts the real binary on a temporary data directory with port-0 listeners, reads the bound
ports from its log ("listening on 127.0.0.1:PORT (PROTOCOL)"), talks to the echo and greet test
protocols (directly and through an auto-detect listener), checks max_connections, and stops it
with SIGTERM expecting exit status 0. Then does the same with the embedded default config.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

BIN, TEST_PLUGINS, SERVER_PLUGINS = sys.argv[1:4]


class Server:
    def __init__(self, args, env, cwd):
        self.lines = []
        self.cv = threading.Condition()
        self.proc = subprocess.Popen([BIN] + args, env=env, cwd=cwd, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cv:
                self.lines.append(line.rstrip("\n"))
                self.cv.notify_all()
        with self.cv:
            self.lines.append(None)  # EOF
            self.cv.notify_all()

    def wait_for(self, pattern, timeout=20.0):
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                for line in self.lines:
                    if line is not None and rx.search(line):
                        return rx.search(line)
                if None in self.lines:
                    raise AssertionError("server exited before logging %r:\n%s" %
                                         (pattern, self.log()))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting for %r:\n%s" % (pattern, self.log()))
                self.cv.wait(left)

    def log(self):
        return "\n".join(l for l in self.lines if l is not None)

    def stop(self, timeout=20.0):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("server did not stop within %ss:\n%s" % (timeout, self.log()))
        self.reader.join(5)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.settimeout(10)
    return s


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def check(cond, what, server=None):
    if not cond:
        raise AssertionError(what + ("\n" + server.log() if server else ""))
    print("ok:", what)


def test_configured(tmp):
    data = os.path.join(tmp, "data")
    cfg = os.path.join(tmp, "heliosdb.yaml")
    with open(cfg, "w") as f:
        f.write("data_dir: %s\n"
                "listeners:\n"
                "  - {protocol: echo, host: 127.0.0.1, port: 0}\n"
                "  - {protocol: auto, host: 127.0.0.1, port: 0}\n"
                "storage: {codec: none}\n"
                "max_connections: 2\n" % data)
    env = dict(os.environ, HELIOS_PLUGIN_DIR="%s:%s" % (TEST_PLUGINS, SERVER_PLUGINS))
    srv = Server(["--config", cfg], env, tmp)
    try:
        srv.wait_for(r"ready to accept connections")
        echo_port = int(srv.wait_for(r"listening on 127\.0\.0\.1:(\d+) \(echo\)").group(1))
        auto_port = int(srv.wait_for(r"listening on 127\.0\.0\.1:(\d+) \(auto\)").group(1))
        check(echo_port > 0 and auto_port > 0 and echo_port != auto_port, "ephemeral ports bound")
        check(os.path.isdir(data), "data_dir created", srv)

        a = connect(echo_port)
        a.sendall(b"ping\n")
        check(recv_exact(a, 5) == b"ping\n", "echo protocol answers", srv)

        b = connect(auto_port)
        b.sendall(b"ECHO hello\n")
        check(recv_exact(b, 11) == b"ECHO hello\n", "auto listener detects echo", srv)

        # both connection slots are taken: a third connection is closed by the server
        c = connect(echo_port)
        check(c.recv(16) == b"", "connection over max_connections is closed", srv)
        c.close()
        srv.wait_for(r"closed: max_connections \(2\) reached")
        b.close()
        time.sleep(0.3)  # the session thread notices the close and frees its slot

        # a silent client on the auto port goes to the protocol that speaks first
        d = connect(auto_port)
        check(recv_exact(d, 6) == b"GREET\n", "silent client on auto port gets greet", srv)
        d.close()

        # SIGTERM with a session open: graceful shutdown, exit 0
        t0 = time.monotonic()
        rc = srv.stop()
        check(rc == 0, "SIGTERM exits 0 (exit %d)" % rc, srv)
        check(time.monotonic() - t0 < 5, "shutdown with an idle session is quick", srv)
        check(re.search(r"received SIGTERM, shutting down \([12] sessions? open\)", srv.log()),
              "shutdown log counts the open sessions", srv)
        check("shut down cleanly" in srv.log(), "clean shutdown logged", srv)
        check(a.recv(16) == b"", "open session was closed by the server", srv)
        a.close()
    finally:
        srv.kill()


def test_default_config(tmp):
    # the embedded default with the tier plugin but no postgres plugin: starts without a
    # listener (a warning), stops on SIGTERM
    plugins = os.path.join(tmp, "plugins")
    os.mkdir(plugins)
    os.symlink(os.path.join(SERVER_PLUGINS, "nvme.so"), os.path.join(plugins, "nvme.so"))
    env = dict(os.environ, HELIOS_PLUGIN_DIR=plugins)
    srv = Server([], env, tmp)
    try:
        srv.wait_for(r"ready to accept connections")
        check('no protocol plugin "postgres" is loaded, not listening on 127.0.0.1:5432'
              in srv.log(), "default config without postgres warns", srv)
        check(os.path.isdir(os.path.join(tmp, "heliosdb-data")), "default data_dir created", srv)
        rc = srv.stop()
        check(rc == 0, "default config: SIGTERM exits 0 (exit %d)" % rc, srv)
    finally:
        srv.kill()


def main():
    for name, fn in (("configured", test_configured), ("default", test_default_config)):
        tmp = tempfile.mkdtemp(prefix="helios-smoke-%s-" % name)
        try:
            fn(tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print("smoke: all passed")


if __name__ == "__main__":
    main()
