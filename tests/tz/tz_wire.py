#!/usr/bin/python3
"""TimeZone over the PostgreSQL wire, against PostgreSQL 15 started by the test: the startup
parameter (libpq's PGTZ and "-c timezone=..." options, through psql and psycopg2), the
ParameterStatus TimeZone the server reports at startup and after SET / RESET (psycopg2's
get_parameter_status), and timestamptz text in that zone. Each reading must equal
PostgreSQL's."""
import os
import subprocess
import sys

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "txn"))
from helios_harness import Checks, HeliosServer, parse_args  # noqa: E402
from txnlib import Postgres  # noqa: E402

QUERY = ("SELECT current_setting('TimeZone') || '|' || "
         "('2024-06-01 12:00+00'::timestamptz)::text || '|' || "
         "('2024-03-10 02:30'::timestamptz)::text")

PSQL_CASES = [
    ("PGTZ", {"PGTZ": "America/New_York"}),
    ("PGTZ lower case", {"PGTZ": "asia/kolkata"}),
    ("PGOPTIONS -c timezone", {"PGOPTIONS": "-c timezone=Australia/Lord_Howe"}),
    ("PGOPTIONS POSIX", {"PGOPTIONS": "-c TimeZone=UTC+3"}),
    ("PGTZ unknown", {"PGTZ": "Foo/Bar"}),
]


def psql(env):
    r = subprocess.run(["psql", "-XAtc", QUERY], env=env, capture_output=True, text=True,
                       timeout=30)
    out = r.stdout.strip() or r.stderr.strip()
    return out.split("\n")[0].replace("psql: ", "").split("FATAL:")[-1].strip()


def wire(connect):
    """ParameterStatus TimeZone at startup and after each statement, and the text it shows"""
    seen = []
    conn = connect("-c timezone=Asia/Kathmandu")
    conn.autocommit = True
    cur = conn.cursor()
    seen.append(conn.get_parameter_status("TimeZone"))
    for sql in ["SET TIME ZONE 'europe/paris'", "SET TimeZone = '+02:00'",
                "SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE", "SET TIME ZONE 5.5",
                "RESET TimeZone", "SET TIME ZONE 'Pacific/Apia'"]:
        cur.execute(sql)
        seen.append(conn.get_parameter_status("TimeZone"))
        cur.execute("SELECT '2024-06-01 12:00+00'::timestamptz::text, "
                    "'2011-12-30 12:00'::timestamptz::text")
        seen.append(cur.fetchone())
    try:
        cur.execute("SET TimeZone = 'Mars/Olympus'")
    except psycopg2.Error as e:
        seen.append((e.pgcode, e.diag.message_primary))
    seen.append(conn.get_parameter_status("TimeZone"))
    conn.close()
    return seen


def main():
    args = parse_args()
    c = Checks()
    with Postgres(fsync=False) as pg:
        want = [psql(dict(pg.env(), **extra)) for _, extra in PSQL_CASES]
        want_wire = wire(lambda opts: psycopg2.connect(
            host="127.0.0.1", port=pg.port, user="postgres", dbname="postgres",
            connect_timeout=10, options=opts))
    with HeliosServer(args.bin, args.plugins, auth="trust") as srv:
        got = [psql(srv.env(**extra)) for _, extra in PSQL_CASES]
        got_wire = wire(lambda opts: psycopg2.connect(srv.dsn(), options=opts))
    for (name, _), g, w in zip(PSQL_CASES, got, want):
        c.eq(g, w, name)
    for i, (g, w) in enumerate(zip(got_wire, want_wire)):
        c.eq(g, w, "wire step %d" % i)
    c.eq(len(got_wire), len(want_wire), "wire steps")
    c.finish()


if __name__ == "__main__":
    main()
