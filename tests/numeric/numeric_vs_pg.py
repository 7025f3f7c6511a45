#!/usr/bin/python3
"""numeric compared with a real PostgreSQL 15: expressions over small, big (beyond 128 bits),
negative, NaN and +/-Infinity values, typmods, casts, functions, aggregates and a table keyed on
numeric, run on HeliosDB (through sqlsh, the embedded API) and on a PostgreSQL 15 this script
starts in a temporary directory (tests/difftest/difftest.py's Postgres). Each output is compared
as text; errors by SQLSTATE. Exit status 1 on any difference.

    numeric_vs_pg.py --sqlsh build/bin/sqlsh [--write-expected FILE] [--keep]

--write-expected stores PostgreSQL's answers (one line per statement) for the unit test
tests/numeric/test_numeric.c, which replays them through the embedded API without PostgreSQL.
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "difftest"))
import difftest  # noqa: E402

VALUES = [
    "0", "1", "-1", "1.5", "-2.25", "0.001", "7", "0.5000", "123456789.123456789",
    "99999999999999999999999999999999999999",
    "170141183460469231731687303715884105727",
    "-12345678901234567890123456789012345678901234567890.5",
    "1e40", "-1e-40", "0.000000000000000000000000000000000000000001",
    "3.14159265358979323846264338327950288419716939937510",
    "NaN", "Infinity", "-Infinity",
]
SMALLER = ["0", "1", "-1", "1.5", "-2.25", "0.001", "7", "123456789.123456789",
           "99999999999999999999999999999999999999", "1e40", "-1e-40",
           "3.14159265358979323846264338327950288419716939937510", "NaN", "Infinity",
           "-Infinity"]


def lit(v):
    return "'%s'::numeric" % v


def statements():
    s = []
    # text input and output
    for t in ["0", "-0", "00012.3400", "+5", "-.5", "5.", ".000", "1e3", "1.5E-3", "-1e-5",
              "1e131071", "1e131072", "1e-16383", "1e-16384", "1e2147483647", "1e", "e5", "1.2.3",
              "12abc", "", " 42 ", "NaN", "nan", " -Infinity ", "inf", "+inf", "-INF", "+NaN",
              "Infinityx", "1_000", "0x10", "123456789012345678901234567890123456789012345.6789"]:
        s.append("SELECT '%s'::numeric" % t)
    # arithmetic over every pair
    for a in VALUES:
        for b in SMALLER:
            for op in ["+", "-", "*", "/", "%"]:
                s.append("SELECT %s %s %s" % (lit(a), op, lit(b)))
    # comparisons and ordering
    for a in VALUES:
        for b in ["0", "1.50", "99999999999999999999999999999999999999", "1e40", "NaN",
                  "Infinity", "-Infinity"]:
            s.append("SELECT %s < %s, %s = %s, %s > %s" % (lit(a), lit(b), lit(a), lit(b),
                                                          lit(a), lit(b)))
    # unary functions
    for a in VALUES:
        x = lit(a)
        s.append("SELECT -%s, abs(%s), sign(%s)" % (x, x, x))
        s.append("SELECT round(%s), round(%s, 2), round(%s, -3), round(%s, 45)" % (x, x, x, x))
        s.append("SELECT trunc(%s), trunc(%s, 1), trunc(%s, -2)" % (x, x, x))
        s.append("SELECT ceil(%s), floor(%s)" % (x, x))
        s.append("SELECT sqrt(%s)" % x)
        s.append("SELECT ln(%s)" % x)
        s.append("SELECT log(%s)" % x)
        s.append("SELECT exp(%s)" % x)
        s.append("SELECT %s::int8" % x)
        s.append("SELECT %s::int4" % x)
        s.append("SELECT %s::float8" % x)
        s.append("SELECT %s::text" % x)
        s.append("SELECT div(%s, 7)" % x)
        s.append("SELECT mod(%s, 2.5)" % x)
        for tm in ["(5,2)", "(38,0)", "(40,10)", "(3,-2)", "(2,5)", "(1000,500)"]:
            s.append("SELECT %s::numeric%s" % (x, tm))
    # powers
    for a in ["0", "1", "-1", "2", "-2", "1.5", "0.5", "10", "123.456", "1e40", "-3.3",
              "NaN", "Infinity", "-Infinity"]:
        for b in ["0", "1", "2", "-1", "-2", "3", "0.5", "-0.5", "2.5", "100", "NaN",
                  "Infinity", "-Infinity"]:
            s.append("SELECT %s ^ %s" % (lit(a), lit(b)))
    for a, b in [("2", "1000"), ("2", "-100"), ("1.0001", "10000"), ("10", "131072"),
                 ("10", "-20"), ("9.99", "50.5"), ("1.5", "-3.7"), ("0.9", "1000.5")]:
        s.append("SELECT power(%s, %s)" % (lit(a), lit(b)))
    # logarithms with a base; exponentials of larger arguments
    for a, b in [("2", "1024"), ("10", "0.001"), ("1", "10"), ("0", "5"), ("3", "-1"),
                 ("100", "1e40"), ("1.5", "2.25")]:
        s.append("SELECT log(%s, %s)" % (lit(a), lit(b)))
    for a in ["10", "100", "-100", "1000.5", "6000", "-6000", "0.000001"]:
        s.append("SELECT exp(%s)" % lit(a))
    for a in ["2", "1e100", "0.000001", "1.0000000001", "0.9999999999", "12345.6789"]:
        s.append("SELECT ln(%s), sqrt(%s)" % (lit(a), lit(a)))
    # casts from other types
    for f in ["1.5::float8", "'NaN'::float8", "'Infinity'::float8", "1e300::float8",
              "123.456::float4", "(-9223372036854775808)::int8", "2147483647::int4",
              "1e-20::float8"]:
        s.append("SELECT %s::numeric" % f)
    # typmod errors
    for tm in ["(0)", "(1001)", "(5,1001)", "(5,-1001)", "(1000)", "(10,-5)"]:
        s.append("SELECT 1::numeric%s" % tm)
    # a table keyed on numeric: order, equality across scales, aggregates, updates
    s.append("CREATE TABLE nk (k numeric PRIMARY KEY, v numeric(60,10), w numeric)")
    rows = ["1", "1.5", "-1", "0", "1e30", "-1e30", "NaN", "Infinity", "-Infinity",
            "0.0000000000000000000001", "-0.0000000000000000000001",
            "170141183460469231731.687303715884105727", "170141183460469231732",
            "-170141183460469231731.687303715884105728", "-170141183460469231732",
            "1.0000000000000000001", "1.000000000000000001", "99999999999999999999.5",
            "123456789012345678901234567890.123456789"]
    for i, r in enumerate(rows):
        s.append("INSERT INTO nk VALUES ('%s', %d.25, '%s')" % (r, i * 1000003, r))
    s.append("INSERT INTO nk VALUES (1.000, 0, 0)")
    s.append("INSERT INTO nk VALUES ('1e30', 0, 0)")
    s.append("SELECT k, v FROM nk ORDER BY k")
    s.append("SELECT k FROM nk ORDER BY k DESC")
    s.append("SELECT k FROM nk WHERE k = 1.0")
    s.append("SELECT k FROM nk WHERE k = 1000000000000000000000000000000.000")
    s.append("SELECT k FROM nk WHERE k > 1 ORDER BY k")
    s.append("SELECT k FROM nk WHERE k >= -1e30 AND k < 1 ORDER BY k")
    s.append("SELECT k FROM nk WHERE k = 'NaN'")
    s.append("SELECT sum(w), avg(w), min(w), max(w), count(*) FROM nk")
    s.append("SELECT sum(w), avg(w) FROM nk WHERE w < 'Infinity' AND w > '-Infinity'")
    s.append("SELECT sum(w), avg(w) FROM nk WHERE k < 1e29 AND k > -1e29")
    s.append("SELECT sum(v), avg(v) FROM nk")
    s.append("SELECT w, count(*) FROM nk GROUP BY w ORDER BY w")
    s.append("SELECT DISTINCT w * 0 FROM nk WHERE w < 1e40 AND w > -1e40 ORDER BY 1")
    s.append("UPDATE nk SET w = w * 1e50 WHERE k > 0 AND k < 2")
    s.append("SELECT k, w FROM nk WHERE k > 0 AND k < 2 ORDER BY k")
    s.append("SELECT k, w FROM nk WHERE w = 1.5e50")
    s.append("DELETE FROM nk WHERE k > 1e20")
    s.append("SELECT count(*), sum(k) FROM nk WHERE k < 1e40")
    s.append("CREATE TABLE nj (a numeric, b text)")
    s.append("INSERT INTO nj VALUES (1.00, 'one'), (1e30, 'big'), (-1e-30, 'tiny'), "
             "('NaN', 'nan'), (5, 'five')")
    s.append("CREATE INDEX nj_a ON nj (a)")
    s.append("SELECT x.k, y.b FROM nk x JOIN nj y ON x.k = y.a ORDER BY 1")
    s.append("SELECT b FROM nj WHERE a = 1")
    s.append("SELECT b FROM nj WHERE a = 1e30")
    s.append("SELECT b FROM nj WHERE a > 2 ORDER BY a")
    s.append("SELECT sum(g::numeric * 1e30), avg(g::numeric / 7) FROM generate_series(1, 1000) g")
    s.append("SELECT sum(x), avg(x) FROM (VALUES (99999999999999999999999999999999999999::numeric), "
             "(99999999999999999999999999999999999999::numeric), (1)) v(x)")
    s.append("SELECT sum(x) FROM (VALUES (1::numeric), ('Infinity'), ('-Infinity')) v(x)")
    # stddev / variance (exact, PostgreSQL's numeric_stddev_internal)
    s.append("SELECT stddev(w), variance(w), stddev_pop(w), var_pop(w) FROM nk WHERE w < 1e40")
    s.append("SELECT stddev(w), variance(w) FROM nk WHERE w < 1e40 AND w > -1e40")
    s.append("SELECT stddev(v), var_samp(v), stddev_samp(v) FROM nk")
    s.append("SELECT stddev(x), variance(x), stddev_pop(x), var_pop(x) FROM "
             "(VALUES (1.5), (2.5), (10)) v(x)")
    s.append("SELECT stddev(x), variance(x) FROM (VALUES (1e30), (2e30)) v(x)")
    s.append("SELECT stddev(x), variance(x) FROM (VALUES (1.123456789012345678901234567890), "
             "(2e-10), (3)) v(x)")
    s.append("SELECT stddev(x), variance(x), stddev_pop(x) FROM (VALUES (1.0)) v(x)")
    s.append("SELECT stddev(x), var_pop(x) FROM (VALUES (1.5::numeric), ('NaN')) v(x)")
    s.append("SELECT stddev(g), variance(g::int8), var_pop(g::int2) FROM generate_series(1, 1000) g")
    s.append("SELECT stddev(g::numeric * 1e40), variance(g % 7) FROM generate_series(1, 1000) g")
    s.append("SELECT sqrt(('0.' || repeat('1', 16383))::numeric) = sqrt(1::numeric / 9)")
    # huge inputs: clean errors or exact results, never a blow-up
    s.append("SELECT length(('1' || repeat('0', 131071))::numeric::text)")
    s.append("SELECT ('1' || repeat('0', 131072))::numeric")
    s.append("SELECT ('0.' || repeat('0', 16382) || '1')::numeric = 0")
    s.append("SELECT ('0.' || repeat('0', 16383) || '1')::numeric")
    s.append("SELECT repeat('9', 131072)::numeric * repeat('9', 131072)::numeric")
    s.append("SELECT length((repeat('9', 131072)::numeric + 1)::text)")
    s.append("SELECT length((repeat('7', 100000)::numeric / 3)::text)")
    s.append("SELECT length(sqrt(repeat('9', 100000)::numeric)::text)")
    s.append("SELECT 2::numeric ^ 1000000000, 1.0000001::numeric ^ 2000000000")
    s.append("SELECT ('1e' || repeat('9', 100))::numeric")
    s.append("SELECT round(1e-16000::numeric * 1e-16000::numeric, 5)")
    s.append("SELECT 0.5::numeric(1,1)::text, 12.345::numeric(4,2), '-inf'::numeric(5,2)")
    return s


def run_pg(pg, stmts):
    c = pg.connect()
    cur = c.cursor()
    res = []
    for q in stmts:
        r = {"rows": [], "err": None}
        try:
            cur.execute(q)
            if cur.description is not None:
                for row in cur.fetchall():
                    r["rows"].append(tuple(difftest.pg_text(v) for v in row))
        except Exception as e:  # psycopg2.Error
            r["err"] = getattr(e, "pgcode", None) or "?????"
            r["msg"] = str(e).split("\n")[0]
        res.append(r)
    c.close()
    return res


def show(r):
    if r["err"]:
        return "ERROR %s" % r["err"]
    return " | ".join("\t".join(row) for row in r["rows"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sqlsh", required=True)
    ap.add_argument("--write-expected")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    stmts = statements()
    tmp = tempfile.mkdtemp(prefix="helios_numeric_")
    pg = difftest.Postgres(tmp)
    try:
        pres = run_pg(pg, stmts)
    finally:
        pg.stop()
    hres = difftest.run_helios(a.sqlsh, tmp, stmts)
    diffs = 0
    for q, h, p in zip(stmts, hres, pres):
        if show(h) != show(p):
            diffs += 1
            print("DIFF %s\n  helios:   %s%s\n  postgres: %s%s" % (
                q, show(h)[:400], (" (%s)" % h.get("msg")) if h["err"] else "",
                show(p)[:400], (" (%s)" % p.get("msg")) if p["err"] else ""))
    if a.write_expected:
        with open(a.write_expected, "w") as f:
            for q, p in zip(stmts, pres):
                f.write("%s\n%s\n" % (q, show(p)))
    print("numeric_vs_pg: %d statements, %d differences" % (len(stmts), diffs))
    if not a.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
