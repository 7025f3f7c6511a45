#!/usr/bin/python3
"""timestamptz against PostgreSQL 15: the same few hundred expressions (input with offsets,
abbreviations and zone names, output in the session zone, casts, AT TIME ZONE, extract,
date_trunc, to_char, interval arithmetic across DST) under several TimeZone settings, and
pg_timezone_names / pg_timezone_abbrevs, run on
HeliosDB (sqlsh, the embedded API) and on a PostgreSQL 15 started in a temporary directory;
results are compared as text, errors by SQLSTATE. Exit status 1 on any difference.

    tz_pg.py --sqlsh build/bin/sqlsh [--keep]
"""
import argparse
import os
import shutil
import sys
import tempfile

import psycopg2
import psycopg2.extensions

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "difftest"))
from difftest import Postgres, run_helios  # noqa: E402

SETTINGS = ["UTC", "America/New_York", "europe/london", "Asia/Kolkata", "Asia/Kathmandu",
            "Australia/Lord_Howe", "Pacific/Apia", "America/St_Johns", "Europe/Moscow",
            "+02:00", "UTC+3", "EST5EDT", "<+0330>-3:30", "5.5", "-7",
            "INTERVAL '-03:30' HOUR TO MINUTE", "Etc/GMT+5", "America/Sao_Paulo"]

# instants around transitions and history, as input without an offset (the session zone's)
LOCAL = ["2024-03-10 01:59:59", "2024-03-10 02:30", "2024-03-10 03:00", "2024-11-03 00:59:59",
         "2024-11-03 01:30", "2024-11-03 02:00", "2024-03-31 01:30", "2024-03-31 02:30",
         "2024-10-27 01:30", "2024-04-07 01:45", "2024-10-06 02:15", "2011-12-30 12:00",
         "2011-12-29 23:30", "1850-01-01 00:00", "1900-06-15 12:00", "1970-01-01 00:00",
         "1971-06-01 12:00", "2000-02-29 23:59:59.5", "2037-07-01 12:00", "2100-03-14 02:30",
         "2250-11-01 01:30", "2024-06-15", "1999-12-31 23:59:59.999999"]

# input with its own zone
ZONED = ["2024-01-01 12:00 America/New_York", "2024-07-01 12:00 Europe/Paris",
         "2024-01-01 12:00 EST", "2024-07-01 12:00 CEST", "2024-07-01 12:00 PDT",
         "2024-01-01 12:00Z", "2024-01-01 12:00 UTC", "2024-01-01T12:00:00+02",
         "2024-01-01 12:00:00.25+0530", "2024-01-01 12:00 -04:56:02", "2024-01-01 12:00 +05:45",
         "2024-01-01 12:00-08", "2024-03-10 02:30 America/New_York",
         "2024-11-03 01:30 america/new_york", "2024-01-01 12:00 Asia/Kolkata",
         "2011-12-30 12:00 Pacific/Apia", "2024-06-01 00:00 Australia/Lord_Howe",
         "2024-01-01 12:00 JST", "2024-01-01 12:00 +13", "2024-01-01 12:00 +16",
         "2024-01-01 12:00 Mars/Olympus", "2024-01-01 12:00 zulu", "epoch"]

AT_ZONES = ["'UTC'", "'America/New_York'", "'Asia/Kolkata'", "'+05:30'", "'EST'", "'PST'",
            "'Australia/Lord_Howe'", "'UTC+3'", "'Foo/Bar'", "INTERVAL '+05:30'",
            "INTERVAL '-08:00'", "INTERVAL '1 day'", "'europe/paris'"]


def exprs():
    out = []
    for s in LOCAL + ZONED:
        out.append("SELECT '%s'::timestamptz" % s)
    for s in LOCAL:
        t = "'%s'::timestamptz" % s
        out += [
            "SELECT %s::timestamp, %s::date, %s::time" % (t, t, t),
            "SELECT '%s'::timestamp::timestamptz" % s,
            "SELECT extract(hour from %s), extract(day from %s), extract(timezone from %s), "
            "extract(timezone_hour from %s), extract(timezone_minute from %s)" % (t, t, t, t, t),
            "SELECT extract(epoch from %s), date_part('dow', %s), date_part('doy', %s)" % (t, t, t),
            "SELECT date_trunc('day', %s), date_trunc('hour', %s), date_trunc('month', %s)"
            % (t, t, t),
            "SELECT date_trunc('week', %s), date_trunc('year', %s), date_trunc('minute', %s)"
            % (t, t, t),
            "SELECT %s + interval '1 day', %s + interval '24 hours', %s - interval '1 day'"
            % (t, t, t),
            "SELECT %s + interval '1 month', %s + interval '1 year 2 days 3 hours', "
            "%s - interval '2 months 12 hours'" % (t, t, t),
            "SELECT %s - '2024-01-01 00:00+00'::timestamptz" % t,
            "SELECT to_char(%s, 'YYYY-MM-DD HH24:MI:SS OF TZ tz')" % t,
            "SELECT %s = '%s'::timestamp, %s < '%s'::timestamp + interval '1 second'"
            % (t, s, t, s),
        ]
    for z in AT_ZONES:
        out += [
            "SELECT '2024-06-01 12:00+00'::timestamptz AT TIME ZONE %s" % z,
            "SELECT '2024-12-01 12:00:30+00'::timestamptz AT TIME ZONE %s" % z,
            "SELECT '2024-03-10 02:30'::timestamp AT TIME ZONE %s" % z,
            "SELECT '2024-11-03 01:30'::timestamp AT TIME ZONE %s" % z,
            "SELECT timezone(%s, '1900-01-01 00:00+00'::timestamptz)" % z,
        ]
    out += [
        "SELECT to_timestamp(0), to_timestamp(1710054000), to_timestamp(-1.0000005), "
        "to_timestamp(1.5), to_timestamp(-2208988800)",
        "SELECT to_timestamp('nan'::float8)",
        "SELECT to_timestamp(1e20)",
        "SELECT make_timestamptz(2024, 3, 10, 2, 30, 0), make_timestamptz(2024, 11, 3, 1, 30, 0)",
        "SELECT make_timestamptz(2024, 3, 10, 2, 30, 0, 'America/New_York'), "
        "make_timestamptz(2024, 6, 1, 12, 0, 0, '+05:30'), "
        "make_timestamptz(2024, 6, 1, 12, 0, 0, 'EST'), make_timestamptz(-5, 3, 10, 2, 30, 0), "
        "make_timestamptz(2024, 3, 10, 24, 0, 0), make_timestamptz(2024, 1, 1, 0, 0, 59.5)",
        "SELECT make_timestamptz(2024, 13, 1, 0, 0, 0)",
        "SELECT make_timestamptz(2024, 2, 30, 0, 0, 0)",
        "SELECT make_timestamptz(2024, 3, 10, 2, 30, 61)",
        "SELECT make_timestamptz(2024, 3, 10, 2, 60, 0)",
        "SELECT make_timestamptz(2024, 3, 10, 2, 30, 0, 'Foo/Bar')",
        "SELECT date_trunc('day', '2024-03-10 12:00+00'::timestamptz, 'Asia/Tokyo')",
        "SELECT date_trunc('day', '2024-11-03 12:00+00'::timestamptz, 'America/New_York')",
        "SELECT '2024-06-01'::date::timestamptz, '2024-03-10'::date::timestamptz",
        "SELECT '2024-03-10 12:00'::timestamptz - '2024-03-09 12:00'::timestamptz",
        "SELECT '2024-06-01 12:00+00'::timestamptz > '2024-06-01'::date",
        "SELECT '2024-06-01 12:00 +00'::timestamptz::text",
        "SELECT array['2024-06-01 12:00+00'::timestamptz, '2024-12-01 12:00+00']",
        "SELECT now() = current_timestamp, now()::date = current_date",
        "SELECT localtimestamp = now()::timestamp, current_date = localtimestamp::date",
    ]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sqlsh", required=True)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="tz_pg_")
    pg = None
    try:
        pg = Postgres(tmp)
        conn = pg.connect()
        raw = psycopg2.extensions.new_type((1115, 1182, 1183, 1185, 1187), "RAWARR",
                                           lambda v, cur: v)
        psycopg2.extensions.register_type(raw, conn)
        cur = conn.cursor()
        stmts = []
        for zone in SETTINGS:
            if zone.startswith("INTERVAL"):
                stmts.append("SET TIME ZONE %s" % zone)
            else:
                stmts.append("SET TimeZone = '%s'" % zone)
            stmts.append("SHOW TimeZone")
            stmts += exprs()
        stmts += ["SET TimeZone = 'Foo/Bar'", "SET TIME ZONE 'right/UTC'", "RESET TimeZone",
                  "SHOW TimeZone", "SET TIME ZONE LOCAL", "SHOW TimeZone",
                  "SET TIME ZONE 'Europe/Paris'", "SET TIME ZONE DEFAULT", "SHOW TimeZone",
                  "SELECT '2024-06-01 12:00+02'::timestamptz",
                  # every zone file with its abbreviation, offset and DST flag now; the
                  # default abbreviations
                  "SELECT * FROM pg_timezone_names ORDER BY name",
                  "SELECT * FROM pg_timezone_abbrevs ORDER BY abbrev",
                  "SELECT count(*) FROM pg_timezone_names WHERE name LIKE 'posix/%'"]
        mine = run_helios(args.sqlsh, tmp, stmts)
        diffs = 0
        for i, sql in enumerate(stmts):
            want_rows, want_err = [], None
            try:
                cur.execute(sql)
                if cur.description is not None:
                    want_rows = [tuple("NULL" if v is None else str(v) for v in r)
                                 for r in cur.fetchall()]
            except Exception as e:  # psycopg2.Error
                want_err = getattr(e, "pgcode", None) or "?????"
            got = mine[i]
            if sql.startswith("SHOW") or sql.startswith("SET") or sql.startswith("RESET"):
                # RESET / LOCAL / DEFAULT go to each server's default zone (both UTC here)
                pass
            if got["err"] != want_err or (want_err is None and got["rows"] != want_rows):
                diffs += 1
                if diffs <= 40:
                    print("DIFF %s\n  postgres: %s\n  helios:   %s" % (
                        sql, want_err or want_rows,
                        (got["err"] + " " + got.get("msg", "")) if got["err"] else got["rows"]))
        print("%d statements under %d TimeZone settings, %d differences"
              % (len(stmts), len(SETTINGS), diffs))
        return 1 if diffs else 0
    finally:
        if pg is not None:
            pg.stop()
        if args.keep:
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
