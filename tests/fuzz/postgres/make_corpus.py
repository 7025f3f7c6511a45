#!/usr/bin/python3
"""Writes the seed corpus for fuzz_pg_messages (tests/fuzz/postgres/corpus/).
Each seed: mode byte, chunk byte, then the client's bytes (see fuzz_pg_messages.c)."""
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
os.makedirs(out, exist_ok=True)


def msg(t, body=b""):
    return t + struct.pack("!I", len(body) + 4) + body


def s(x):
    return x.encode() + b"\0"


def startup(user="bob", extra=()):
    body = struct.pack("!I", 196608) + s("user") + s(user) + s("database") + s("db")
    for k, v in extra:
        body += s(k) + s(v)
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def parse(name, sql, types=()):
    return msg(b"P", s(name) + s(sql) + struct.pack("!h", len(types)) +
               b"".join(struct.pack("!I", t) for t in types))


def bind(portal, stmt, params=(), pfmt=0, rfmt=0):
    b = s(portal) + s(stmt) + struct.pack("!hh", 1, pfmt) + struct.pack("!h", len(params))
    for p in params:
        b += struct.pack("!i", -1) if p is None else struct.pack("!i", len(p)) + p
    return msg(b"B", b + struct.pack("!hh", 1, rfmt))


def execute(portal, n=0):
    return msg(b"E", s(portal) + struct.pack("!i", n))


def describe(kind, name):
    return msg(b"D", kind + s(name))


def close(kind, name):
    return msg(b"C", kind + s(name))


SYNC = msg(b"S")
seeds = {
    "raw_startup": b"\0\0" + startup(extra=[("options", "-c x=y"), ("TimeZone", "UTC"),
                                             ("client_encoding", "UTF8")]) +
    msg(b"Q", s("select 1")) + msg(b"X"),
    "raw_ssl_then_startup": b"\0\x05" + struct.pack("!II", 8, 80877103) + startup(),
    "raw_gss_cancel": b"\0\0" + struct.pack("!II", 8, 80877104) +
    struct.pack("!IIII", 16, 80877102, 42, 4242),
    "raw_v32_pq": b"\0\0" + struct.pack("!I", 0) + b"",
    "simple_multi": b"\x01\0" + msg(b"Q", s("begin; gen 3; error; select 1")) +
    msg(b"Q", s("commit")) + msg(b"Q", s("")) + msg(b"Q", s("notice; set tz")),
    "extended": b"\x01\x03" + parse("s1", "gen 5") + describe(b"S", "s1") +
    bind("p1", "s1", rfmt=1) + describe(b"P", "p1") + execute("p1", 2) + execute("p1") +
    close(b"P", "p1") + close(b"S", "s1") + SYNC + msg(b"H"),
    "extended_params": b"\x01\0" + parse("", "echo $1 $2", (25, 23)) +
    bind("", "", [b"hello", None]) + execute("") + SYNC +
    parse("", "echo $1", (23,)) + bind("", "", [b"\0\0\1\0"], pfmt=1) + execute("") + SYNC,
    "extended_error": b"\x01\x07" + parse("", "error") + bind("", "") + execute("") + SYNC +
    bind("", "nosuch") + msg(b"F", b"\0") + SYNC,
    "copy_in": b"\x01\x02" + msg(b"Q", s("copy in")) + msg(b"d", b"1\tone\n2\ttwo\n") +
    msg(b"H") + msg(b"c") + msg(b"Q", s("copy in")) + msg(b"f", s("nope")) +
    msg(b"Q", s("copy in")) + msg(b"d", b"1\tbad\n") + msg(b"d", b"x") + msg(b"c"),
    "cursors": b"\x01\x04" + msg(b"Q", s("begin")) +
    msg(b"Q", s("DECLARE \"c 1\" BINARY NO SCROLL CURSOR WITHOUT HOLD FOR gen 5")) +
    msg(b"Q", s("FETCH FORWARD 2 FROM \"c 1\"")) + msg(b"Q", s("MOVE 1 IN \"c 1\"")) +
    msg(b"Q", s("fetch all \"c 1\"")) + msg(b"Q", s("DECLARE h CURSOR WITH HOLD FOR gen 2")) +
    msg(b"Q", s("commit")) + msg(b"Q", s("FETCH NEXT h; ")) + msg(b"Q", s("CLOSE ALL")) +
    msg(b"Q", s("close h")),
    "copy_out": b"\x01\0" + msg(b"Q", s("copy out")) + msg(b"X"),
    "bad_type": b"\x01\0" + msg(b"@", b"x"),
    "bad_len": b"\x01\0" + b"Q\0\0\0\x02",
    "too_long": b"\x01\0" + b"Q\x7f\0\0\0",
    "scram_first": b"\x02\0" + msg(b"p", s("SCRAM-SHA-256") + struct.pack("!I", 26) +
                                     b"n,,n=,r=fuzzclientnonce123") +
    msg(b"p", b"c=biws,r=fuzzclientnonce123abc,p=AAAA"),
    "scram_plus_bad": b"\x02\0" + msg(b"p", s("SCRAM-SHA-256-PLUS") + struct.pack("!I", 5) +
                                        b"y,,n="),
    "password": b"\x03\0" + msg(b"p", s("secret")) + msg(b"Q", s("select 1")),
    "password_wrong": b"\x03\x01" + msg(b"p", s("wrong")),
}
seeds["raw_v32_pq"] = b"\0\0" + (lambda body: struct.pack("!I", len(body) + 4) + body)(
    struct.pack("!I", 196610) + s("user") + s("bob") + s("_pq_.x") + s("1") + b"\0")
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print("wrote %d seeds to %s" % (len(seeds), out))
