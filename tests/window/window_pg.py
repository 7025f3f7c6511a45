#!/usr/bin/python3
"""Window functions, WITH RECURSIVE and LATERAL on HeliosDB (sqlsh, the embedded API) and on a
real PostgreSQL 15 started in a temporary directory (tests/difftest/difftest.py's helpers).

The statements are queries.sql plus a generated matrix: every window function and aggregate
under every frame form (ROWS / RANGE / GROUPS, offsets, EXCLUDE) over a table with NULLs and
duplicate keys. Every query orders its result completely, so rows are compared in order;
statements failing on either side must fail on both with the same SQLSTATE. Exit status 1 on
any difference.

    window_pg.py --sqlsh build/bin/sqlsh [--show N] [--keep]
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "difftest"))
import difftest  # noqa: E402

FUNCS = ["sum(v)", "count(*)", "count(v)", "avg(v)", "min(v)", "max(v)", "first_value(v)",
         "last_value(v)", "nth_value(v, 2)", "string_agg(t, ',')", "array_agg(v)",
         "bool_or(v > 5)", "sum(v) FILTER (WHERE n % 3 = 0)"]
ORDERS = ["ORDER BY v", "ORDER BY v DESC", "ORDER BY v NULLS FIRST", "ORDER BY v DESC NULLS LAST"]
FRAMES = ["", "ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING", "ROWS UNBOUNDED PRECEDING",
          "ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING",
          "ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING", "ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING",
          "RANGE BETWEEN 3 PRECEDING AND 2 FOLLOWING", "RANGE BETWEEN CURRENT ROW AND 4 FOLLOWING",
          "RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING",
          "RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING",
          "GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING", "GROUPS BETWEEN CURRENT ROW AND 2 FOLLOWING",
          "GROUPS BETWEEN 2 PRECEDING AND 1 PRECEDING",
          "ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE CURRENT ROW",
          "RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE GROUP",
          "GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES"]


ORDER_SENSITIVE = ("first_value", "last_value", "nth_value", "string_agg", "array_agg")


def matrix():
    """every function under every frame; the result must not depend on the order of rows
    PostgreSQL's sort leaves between peers: where it would (ROWS frames, functions that
    see the order, EXCLUDE), the ORDER BY gets the unique n as a last key, and RANGE frames
    with an offset (one ORDER BY key only) take only functions that ignore the order"""
    out = []
    for i, fr in enumerate(FRAMES):
        for j, fn in enumerate(FUNCS):
            order = ORDERS[(i + j) % len(ORDERS)]
            part = "PARTITION BY g " if (i + j) % 3 else ""
            sensitive = fn.startswith(ORDER_SENSITIVE)
            if fr.startswith("RANGE") and "FOLLOWING" in fr.replace("UNBOUNDED FOLLOWING", "") \
                    or fr.startswith("RANGE") and "PRECEDING" in fr.replace("UNBOUNDED PRECEDING", ""):
                if sensitive:
                    continue
            elif sensitive or fr.startswith("ROWS") or "EXCLUDE" in fr:
                order += ", n"
            out.append("SELECT n, %s OVER (%s%s %s) FROM nums ORDER BY n" % (fn, part, order, fr))
    return out


def load(path):
    stmts = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("--"):
                stmts.append(line)
    return stmts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sqlsh", required=True)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--show", type=int, default=20)
    a = ap.parse_args()
    stmts = load(os.path.join(os.path.dirname(os.path.abspath(__file__)), "queries.sql"))
    stmts += matrix()
    tmp = tempfile.mkdtemp(prefix="helios-window-")
    pg = None
    try:
        pg = difftest.Postgres(tmp)
        conn = pg.connect()
        hres = difftest.run_helios(a.sqlsh, tmp, stmts)
        pres = difftest.run_pg(conn, stmts)
        diffs = errs = 0
        for s, h, p in zip(stmts, hres, pres):
            if h["err"] or p["err"]:
                ok = h["err"] == p["err"]
                errs += 1 if ok else 0
            else:
                ok = h["rows"] == p["rows"]
            if ok:
                continue
            diffs += 1
            if diffs <= a.show:
                print("DIFF: %s" % s)
                for name, r in (("helios", h), ("postgres", p)):
                    if r["err"]:
                        print("  %s: %s %s" % (name, r["err"], r.get("msg")))
                    else:
                        print("  %s: %s" % (name, r["rows"][:12]))
        print("%d statements, %d differences, %d equal errors" % (len(stmts), diffs, errs))
        return 1 if diffs else 0
    finally:
        if pg is not None:
            pg.stop()
        if a.keep:
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
