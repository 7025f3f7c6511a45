#!/usr/bin/python3
"""psycopg2 (Debian python3-psycopg2) against the real server: parameters, a round trip of every
supported type, executemany, COPY through copy_expert, a server-side (named) cursor, an error
and recovery, notices, and cancel of a running pg_sleep."""
import datetime
import decimal
import io
import threading
import time
import uuid

import psycopg2
import psycopg2.extensions
import psycopg2.extras

from helios_harness import Checks, HeliosServer, parse_args


def main():
    args = parse_args()
    ck = Checks()
    with HeliosServer(args.bin, args.plugins) as srv:
        conn = psycopg2.connect(srv.dsn(application_name="pytest-app"))
        cur = conn.cursor()

        # startup parameters, ParameterStatus (also when a setting changes), notices
        ck.eq(conn.get_parameter_status("application_name"), "pytest-app",
              "application_name from the startup packet")
        ck.check((conn.get_parameter_status("server_version") or "").startswith("15"),
                 "server_version 15.x")
        ck.eq(conn.get_parameter_status("integer_datetimes"), "on", "integer_datetimes")
        cur.execute("SET application_name = 'renamed'")
        ck.eq(conn.get_parameter_status("application_name"), "renamed",
              "ParameterStatus after SET application_name")
        cur.execute("DROP TABLE IF EXISTS no_such_table_here")
        ck.check(any("does not exist, skipping" in n for n in conn.notices),
                 "NoticeResponse relayed (%r)" % conn.notices)
        conn.rollback()

        cur.execute("SELECT %s::int + %s::int, %s::text", (2, 3, "it's"))
        ck.eq(cur.fetchone(), (5, "it's"), "parameters")

        # every supported type, sent as a parameter and read back
        values = [
            ("boolean", True),
            ("smallint", 12),
            ("integer", -123456),
            ("bigint", 9007199254740993),
            ("real", 1.5),
            ("double precision", 3.141592653589793),
            ("numeric(12,3)", decimal.Decimal("12345.678")),
            ("text", "héllo wörld"),
            ("varchar(20)", "short"),
            ("bytea", b"\x00\x01\xffbin"),
            ("date", datetime.date(2024, 2, 29)),
            ("time", datetime.time(13, 14, 15, 123456)),
            ("timestamp", datetime.datetime(2024, 2, 29, 13, 14, 15, 123456)),
            ("uuid", uuid.UUID("12345678-1234-5678-1234-567812345678")),
            ("interval", datetime.timedelta(days=3, seconds=7261)),
        ]
        psycopg2.extras.register_uuid()
        for typ, val in values:
            try:
                cur.execute("SELECT %%s::%s" % typ, (val,))
                got = cur.fetchone()[0]
                if typ == "bytea":
                    got = bytes(got)
                ck.eq(got, val, "round trip %s" % typ)
            except psycopg2.Error as e:
                conn.rollback()
                ck.check(False, "round trip %s: %s" % (typ, e))
        cur.execute("SELECT NULL::int, NULL::text")
        ck.eq(cur.fetchone(), (None, None), "NULLs")
        tz = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
        cur.execute("SELECT %s::timestamptz", (tz,))
        ck.eq(cur.fetchone()[0], tz, "round trip timestamptz")
        conn.commit()

        cur.execute("CREATE TABLE kv (k int PRIMARY KEY, v text)")
        cur.executemany("INSERT INTO kv VALUES (%s, %s)", [(i, "v%d" % i) for i in range(100)])
        conn.commit()
        cur.execute("SELECT count(*), min(v), max(k) FROM kv")
        ck.eq(cur.fetchone(), (100, "v0", 99), "executemany inserted 100 rows")

        # COPY both ways
        data = io.StringIO("".join("%d\tc%d\n" % (i, i) for i in range(100, 150)))
        cur.copy_expert("COPY kv FROM STDIN", data)
        conn.commit()
        ck.eq(cur.rowcount, 50, "copy_expert FROM STDIN rowcount")
        out = io.StringIO()
        cur.copy_expert("COPY (SELECT k, v FROM kv WHERE k >= 148 ORDER BY k) TO STDOUT WITH CSV "
                        "HEADER", out)
        ck.eq(out.getvalue(), "k,v\n148,c148\n149,c149\n", "copy_expert TO STDOUT CSV HEADER")
        bad = io.StringIO("200\tok\nnot-a-number\tx\n")
        try:
            cur.copy_expert("COPY kv FROM STDIN", bad)
            ck.check(False, "bad COPY data rejected")
        except psycopg2.Error as e:
            ck.check(e.pgcode == "22P02" and "line 2" in str(e),
                     "bad COPY data: 22P02 naming line 2 (%s %s)" % (e.pgcode, str(e).strip()))
        conn.rollback()

        # a server-side cursor (DECLARE / FETCH under the hood)
        named = conn.cursor(name="big")
        named.itersize = 7
        named.execute("SELECT k FROM kv ORDER BY k")
        ks = [r[0] for r in named]
        ck.eq(len(ks), 150, "server-side cursor fetched every row")
        named.close()
        conn.commit()

        # an error, then recovery
        try:
            cur.execute("INSERT INTO kv VALUES (1, 'dup')")
            ck.check(False, "duplicate key rejected")
        except psycopg2.errors.UniqueViolation as e:
            ck.eq(e.pgcode, "23505", "duplicate key is 23505")
        try:
            cur.execute("SELECT 1")
            ck.check(False, "statements in a failed transaction are refused")
        except psycopg2.errors.InFailedSqlTransaction:
            ck.check(True, "25P02 in a failed transaction")
        conn.rollback()
        cur.execute("SELECT count(*) FROM kv")
        ck.eq(cur.fetchone()[0], 150, "recovered after rollback")
        try:
            cur.execute("SELEC 1")
        except psycopg2.errors.SyntaxError as e:
            ck.check(e.diag.statement_position is not None, "syntax error carries a position")
        conn.rollback()

        # cancel a running statement from another thread
        conn.autocommit = True
        t = threading.Timer(0.5, conn.cancel)
        t.start()
        t0 = time.time()
        try:
            cur.execute("SELECT pg_sleep(30)")
            ck.check(False, "pg_sleep was cancelled")
        except psycopg2.errors.QueryCanceled:
            took = time.time() - t0
            ck.check(took < 2.0, "pg_sleep(30) cancelled after %.2fs" % took)
        cur.execute("SELECT 42")
        ck.eq(cur.fetchone()[0], 42, "session usable after cancel")
        conn.close()
    ck.finish()


if __name__ == "__main__":
    main()
