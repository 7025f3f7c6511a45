#!/usr/bin/python3
"""Bad input on the PostgreSQL wire against the real server: a bad length, an unknown message
type, a length over max_message_bytes, a client stalled mid-message. Each such connection gets
FATAL 08P01 (or is dropped after read_timeout), and the server and other sessions go on."""
import socket
import struct
import subprocess
import time

from helios_harness import Checks, HeliosServer, parse_args


def msg(t, body=b""):
    return t + struct.pack("!I", len(body) + 4) + body


def startup(user="helios"):
    body = struct.pack("!I", 196608) + b"user\0" + user.encode() + b"\0database\0helios\0\0"
    return struct.pack("!I", len(body) + 4) + body


def read_msg(s):
    hdr = b""
    while len(hdr) < 5:
        chunk = s.recv(5 - len(hdr))
        if not chunk:
            return None, None
        hdr += chunk
    n = struct.unpack("!I", hdr[1:5])[0] - 4
    body = b""
    while len(body) < n:
        chunk = s.recv(n - len(body))
        if not chunk:
            return None, None
        body += chunk
    return hdr[:1], body


def fields(body):
    out = {}
    for part in body.split(b"\0"):
        if part:
            out[chr(part[0])] = part[1:].decode()
    return out


def login(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(startup())
    while True:
        t, body = read_msg(s)
        if t is None or t == b"E":
            raise RuntimeError("login failed: %r" % (body,))
        if t == b"Z":
            return s


def fatal_then_closed(s):
    t, body = read_msg(s)
    if t != b"E":
        return None
    f = fields(body)
    t2, _ = read_msg(s)
    return (f.get("S"), f.get("C"), t2 is None, f.get("M"))


def simple_query_ok(port):
    s = login(port)
    s.sendall(msg(b"Q", b"SELECT 1\0"))
    types = b""
    while True:
        t, _ = read_msg(s)
        if t is None:
            return False
        types += t
        if t == b"Z":
            break
    s.sendall(msg(b"X"))
    s.close()
    return types == b"TDCZ"


def main():
    args = parse_args()
    ck = Checks()
    with HeliosServer(args.bin, args.plugins, auth="trust", read_timeout="500ms",
                      max_message_bytes="64KiB") as srv:
        bystander = login(srv.port)  # an idle session that must survive everything below

        s = login(srv.port)
        s.sendall(b"Q\0\0\0\x02")
        r = fatal_then_closed(s)
        ck.check(r is not None and r[:3] == ("FATAL", "08P01", True),
                 "length below 4: FATAL 08P01 and closed (%r)" % (r,))

        s = login(srv.port)
        s.sendall(msg(b"@", b"junk"))
        r = fatal_then_closed(s)
        ck.check(r is not None and r[:3] == ("FATAL", "08P01", True),
                 "unknown message type: FATAL 08P01 and closed (%r)" % (r,))

        s = login(srv.port)
        s.sendall(b"Q" + struct.pack("!I", 10 * 1024 * 1024))
        r = fatal_then_closed(s)
        ck.check(r is not None and r[:3] == ("FATAL", "08P01", True),
                 "length over max_message_bytes: FATAL 08P01 and closed (%r)" % (r,))

        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        s.sendall(struct.pack("!II", 200000, 196608))
        r = fatal_then_closed(s)
        ck.check(r is not None and r[:2] == ("FATAL", "08P01"),
                 "startup packet too long: FATAL 08P01 (%r)" % (r,))

        s = login(srv.port)
        t0 = time.time()
        s.sendall(b"Q\0\0\0\x20SELE")  # then nothing
        t, _ = read_msg(s)
        took = time.time() - t0
        ck.check(t is None and 0.3 <= took < 5, "stalled mid-message: dropped after %.2fs" % took)

        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        s.sendall(b"\0\0")  # half a startup length, then nothing
        t, _ = read_msg(s)
        ck.check(t is None, "stalled startup packet: dropped")

        s = login(srv.port)
        time.sleep(1.2)  # idle between messages is not a stall
        s.sendall(msg(b"Q", b"SELECT 1\0"))
        t, _ = read_msg(s)
        ck.check(t == b"T", "an idle session is not dropped by read_timeout")
        s.close()

        # many garbage connections at once, then normal service
        socks = []
        for i in range(20):
            g = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            g.sendall(bytes((i * 37 + k) % 256 for k in range(64)))
            socks.append(g)
        for g in socks:
            g.close()
        ck.check(srv.alive(), "server alive after garbage connections")
        ck.check(simple_query_ok(srv.port), "a new session works afterwards")
        bystander.sendall(msg(b"Q", b"SELECT 1\0"))
        t, _ = read_msg(bystander)
        ck.check(t == b"T", "the idle bystander session still works")
        r = subprocess.run(["psql", "-X", "-At", "-c", "SELECT 1"], env=srv.env(),
                           capture_output=True, text=True, timeout=30)
        ck.eq(r.stdout.strip(), "1", "psql works afterwards")
    # an auto-detecting port hands PostgreSQL clients to this plugin (detect())
    with HeliosServer(args.bin, args.plugins, protocol="auto") as srv:
        for mode in ("disable", "prefer"):
            r = subprocess.run(["psql", "-X", "-At", "-c", "SELECT 'via auto'"],
                               env=srv.env(PGSSLMODE=mode), capture_output=True, text=True,
                               timeout=30)
            ck.eq(r.stdout.strip(), "via auto", "psql sslmode=%s through an auto port" % mode)
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        s.sendall(b"Q\0\0\0\x02garbage that no protocol claims")
        s.settimeout(15)
        try:
            gone = s.recv(100) is not None
        except OSError:
            gone = True
        ck.check(gone and srv.alive(), "garbage on an auto port: closed, server alive")
    ck.finish()


if __name__ == "__main__":
    main()
