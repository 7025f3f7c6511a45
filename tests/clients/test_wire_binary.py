#!/usr/bin/python3
"""Binary formats on the wire against the real server, with a raw protocol client: every
supported type returned in binary (result format 1) must be byte-for-byte what PostgreSQL 15
sends, binary parameters must be accepted, and Execute with a row limit must page with
PortalSuspended. The expected bytes are PostgreSQL's send/recv formats."""
import datetime
import socket
import struct
import uuid

from helios_harness import Checks, HeliosServer, parse_args

PG_EPOCH = datetime.datetime(2000, 1, 1)


def msg(t, body=b""):
    return t + struct.pack("!I", len(body) + 4) + body


def cstr(s):
    return s.encode() + b"\0"


class Wire:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=20)
        body = struct.pack("!I", 196608) + cstr("user") + cstr("helios") + cstr("database") + \
            cstr("helios") + b"\0"
        self.s.sendall(struct.pack("!I", len(body) + 4) + body)
        self.buf = b""
        self.until_ready()

    def read(self):
        while len(self.buf) < 5 or len(self.buf) < 1 + struct.unpack("!I", self.buf[1:5])[0]:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        n = struct.unpack("!I", self.buf[1:5])[0]
        t, body = self.buf[:1], self.buf[5:1 + n]
        self.buf = self.buf[1 + n:]
        return t, body

    def until_ready(self):
        out = []
        while True:
            t, body = self.read()
            if t == b"Z":
                return out
            out.append((t, body))

    def extended(self, sql, params=(), param_types=(), pfmt=0, rfmt=1, max_rows=0, executes=1):
        m = msg(b"P", cstr("") + cstr(sql) + struct.pack("!h", len(param_types)) +
                b"".join(struct.pack("!I", t) for t in param_types))
        b = cstr("") + cstr("") + struct.pack("!hh", 1, pfmt) + struct.pack("!h", len(params))
        for p in params:
            b += struct.pack("!i", -1) if p is None else struct.pack("!i", len(p)) + p
        b += struct.pack("!hh", 1, rfmt)
        m += msg(b"B", b)
        for _ in range(executes):
            m += msg(b"E", cstr("") + struct.pack("!i", max_rows))
        m += msg(b"S")
        self.s.sendall(m)
        return self.until_ready()


def datarow(body):
    n = struct.unpack("!h", body[:2])[0]
    pos, vals = 2, []
    for _ in range(n):
        ln = struct.unpack("!i", body[pos:pos + 4])[0]
        pos += 4
        if ln < 0:
            vals.append(None)
        else:
            vals.append(body[pos:pos + ln])
            pos += ln
    return vals


def numeric_bin(ndigits_list, weight, sign, dscale):
    return struct.pack("!hhHh", len(ndigits_list), weight, sign, dscale) + \
        b"".join(struct.pack("!h", d) for d in ndigits_list)


def main():
    args = parse_args()
    ck = Checks()
    ts = datetime.datetime(2024, 2, 29, 13, 14, 15, 123456)
    us = (ts - PG_EPOCH) // datetime.timedelta(microseconds=1)
    days = (datetime.date(2024, 2, 29) - datetime.date(2000, 1, 1)).days
    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    cases = [
        ("true", b"\x01"),
        ("false", b"\x00"),
        ("12::int2", struct.pack("!h", 12)),
        ("-123456::int4", struct.pack("!i", -123456)),
        ("9007199254740993::int8", struct.pack("!q", 9007199254740993)),
        ("1.5::float4", struct.pack("!f", 1.5)),
        ("3.141592653589793::float8", struct.pack("!d", 3.141592653589793)),
        ("12345.678::numeric", numeric_bin([1, 2345, 6780], 1, 0, 3)),
        ("-0.5::numeric", numeric_bin([5000], -1, 0x4000, 1)),
        ("0::numeric", numeric_bin([], 0, 0, 0)),
        ("'héllo'::text", "héllo".encode()),
        ("'short'::varchar(20)", b"short"),
        ("'\\x0001ff'::bytea", b"\x00\x01\xff"),
        ("'2024-02-29'::date", struct.pack("!i", days)),
        ("'13:14:15.123456'::time", struct.pack("!q", ((13 * 60 + 14) * 60 + 15) * 1000000 +
                                                123456)),
        ("'2024-02-29 13:14:15.123456'::timestamp", struct.pack("!q", us)),
        ("'2024-02-29 13:14:15.123456+00'::timestamptz", struct.pack("!q", us)),
        ("'1 year 2 mons 3 days 04:05:06'::interval",
         struct.pack("!qii", ((4 * 60 + 5) * 60 + 6) * 1000000, 3, 14)),
        ("'%s'::uuid" % u, u.bytes),
        ("'{\"a\": 1}'::json", b'{"a": 1}'),
        ("'{\"a\": 1}'::jsonb", b'\x01{"a": 1}'),
        ("NULL::int4", None),
    ]
    with HeliosServer(args.bin, args.plugins, auth="trust") as srv:
        w = Wire(srv.port)
        for expr, want in cases:
            out = w.extended("SELECT " + expr)
            rows = [datarow(b) for t, b in out if t == b"D"]
            errs = [b for t, b in out if t == b"E"]
            got = rows[0][0] if rows else ("error %r" % errs[0][:120] if errs else "no row")
            ck.eq(got, want, "binary result of %s" % expr)

        # every type as a binary parameter, returned in binary: the same bytes back
        oids = {"bool": 16, "int2": 21, "int4": 23, "int8": 20, "float4": 700, "float8": 701,
                "numeric": 1700, "text": 25, "varchar": 1043, "bytea": 17, "date": 1082,
                "time": 1083, "timestamp": 1114, "timestamptz": 1184, "interval": 1186,
                "uuid": 2950, "json": 114, "jsonb": 3802}
        for expr, want in cases:
            typ = expr.rsplit("::", 1)[-1].split("(")[0] if "::" in expr else "bool"
            if want is None or typ not in oids:
                continue
            out = w.extended("SELECT $1::%s" % typ, params=[want], param_types=(oids[typ],),
                             pfmt=1, rfmt=1)
            rows = [datarow(b) for t, b in out if t == b"D"]
            errs = [b for t, b in out if t == b"E"]
            got = rows[0][0] if rows else ("error %r" % errs[0][:120] if errs else "no row")
            ck.eq(got, want, "binary parameter round trip of %s (%s)" % (typ, expr))

        # binary parameters of several types, echoed back in text
        params = [struct.pack("!i", 42), struct.pack("!q", -7), struct.pack("!d", 2.5),
                  b"txt", b"\x01", struct.pack("!i", days)]
        out = w.extended("SELECT $1::int4 + 1, $2::int8, $3::float8, $4::text, $5::bool, "
                         "$6::date", params=params, param_types=(23, 20, 701, 25, 16, 1082),
                         pfmt=1, rfmt=0)
        rows = [datarow(b) for t, b in out if t == b"D"]
        ck.eq(rows[0] if rows else out, [b"43", b"-7", b"2.5", b"txt", b"t", b"2024-02-29"],
              "binary parameters")

        # row limits: Execute 3 rows at a time through a portal
        w.s.sendall(msg(b"Q", cstr("CREATE TABLE pages (g int); INSERT INTO pages VALUES (1), "
                                   "(2), (3), (4), (5), (6), (7)")))
        w.until_ready()
        out = w.extended("SELECT g FROM pages ORDER BY g", rfmt=0, max_rows=3, executes=3)
        kinds = b"".join(t for t, _ in out)
        ck.eq(kinds, b"12DDDsDDDsDC", "Execute with max_rows pages with PortalSuspended")
        tags = [b for t, b in out if t == b"C"]
        ck.eq(tags, [b"SELECT 1\0"], "CommandComplete counts the last Execute's rows, as PostgreSQL")

        # Describe statement: parameter types inferred by the engine
        w.s.sendall(msg(b"P", cstr("st") + cstr("SELECT $1::int8 + 1, $2::text") + b"\0\0") +
                    msg(b"D", b"S" + cstr("st")) + msg(b"S"))
        out = w.until_ready()
        pd = [b for t, b in out if t == b"t"]
        ck.eq(pd[0] if pd else out, struct.pack("!hII", 2, 20, 25),
              "ParameterDescription of inferred types")
        rd = [b for t, b in out if t == b"T"]
        ck.check(bool(rd) and struct.unpack("!h", rd[0][:2])[0] == 2, "RowDescription")
    ck.finish()


if __name__ == "__main__":
    main()
