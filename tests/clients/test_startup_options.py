#!/usr/bin/python3
"""The startup packet's "options" string, parsed as PostgreSQL parses it (white space separates
words, a backslash escapes the next character; "-c name=value", "-cname=value", "--name=value"),
through psql and PGOPTIONS / PGDATESTYLE, against PostgreSQL 15 started by the test: each
setting must read back the same on both servers."""
import os
import re
import subprocess
import sys

from helios_harness import Checks, HeliosServer, parse_args

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "txn"))
from txnlib import Postgres  # noqa: E402

QUERY = ("SELECT current_setting('DateStyle') || '|' || current_setting('application_name') "
         "|| '|' || current_setting('search_path') || '|' || current_setting('TimeZone')")

CASES = [
    ("escaped space in -c", {"PGOPTIONS": r"-c datestyle=ISO,\ DMY"}),
    ("PGDATESTYLE with a space", {"PGDATESTYLE": "ISO, DMY"}),
    ("several words, tabs and -cname=value", {"PGOPTIONS": "-c\tapplication_name=a\\ b   "
                                              "-csearch_path=x,public  -c TimeZone=UTC"}),
    ("--name=value with dashes and an escaped backslash",
     {"PGOPTIONS": r"--application-name=c\\d --datestyle=SQL,\ MDY"}),
    ("a trailing lone -c is refused", {"PGOPTIONS": "-c application_name=e -c"}),
    ("-c without a value is refused", {"PGOPTIONS": "-c geqo"}),
]


def show(env):
    r = subprocess.run(["psql", "-XAtc", QUERY], env=env, capture_output=True, text=True,
                       timeout=30)
    return re.sub(r"port \d+", "port N", r.stdout.strip() or r.stderr.strip())


def main():
    args = parse_args()
    c = Checks()
    with Postgres(fsync=False) as pg:
        want = [show(dict(pg.env(), **extra)) for _, extra in CASES]
    with HeliosServer(args.bin, args.plugins, auth="trust") as srv:
        got = [show(srv.env(**extra)) for _, extra in CASES]
    for (name, _), g, w in zip(CASES, got, want):
        c.eq(g, w, name)
    c.eq(want[0].split("|")[0], "ISO, DMY", "PostgreSQL reads DateStyle 'ISO, DMY'")
    c.finish()


if __name__ == "__main__":
    main()
