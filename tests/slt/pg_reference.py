#!/usr/bin/python3
"""Run sqllogictest files against a real PostgreSQL 15 (started in a temporary directory, as the
difftest does) and print "file:line" for every record PostgreSQL itself does not pass: those
records do not apply to engine "postgresql" (SQLite-only syntax such as triggers with SQLite
bodies, INSERT OR REPLACE, "IN ()"). The output is committed as tests/slt/pg15_rejects.txt and
slt_runner -x skips the listed records.

    pg_reference.py FILE.test... > pg15_rejects.txt
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "difftest"))
import difftest  # noqa: E402
import psycopg2  # noqa: E402


def records(path):
    lines = open(path).read().split("\n")
    i, skip = 0, False
    rec = None
    while i <= len(lines):
        line = lines[i] if i < len(lines) else ""
        i += 1
        if line.strip() == "":
            if rec is not None:
                if not skip:
                    yield rec
                rec, skip = None, False
            continue
        if rec is None:
            if line.startswith("#"):
                continue
            w = line.split()
            if w[0] == "skipif" and w[1] == "postgresql":
                skip = True
            elif w[0] == "onlyif" and w[1] != "postgresql":
                skip = True
            elif w[0] == "halt":
                if not skip:
                    return
                skip = False
            elif w[0] == "statement":
                rec = {"line": i, "query": False, "error": w[1] == "error", "sql": [], "exp": []}
            elif w[0] == "query":
                rec = {"line": i, "query": True, "types": w[1],
                       "sort": w[2] if len(w) > 2 else "nosort", "sql": [], "exp": [], "res": False}
            continue
        if rec["query"] and not rec["res"] and line == "----":
            rec["res"] = True
        elif rec["query"] and rec["res"]:
            rec["exp"].append(line)
        else:
            rec["sql"].append(line)


def fmt(v, t):
    if v is None:
        return "NULL"
    if t == "I":
        try:
            return str(int(float(v))) if v not in ("t", "f") else ("1" if v == "t" else "0")
        except ValueError:
            return "0"
    if t == "R":
        return "%.3f" % float(v)
    s = str(v)
    if s == "":
        return "(empty)"
    return "".join(c if " " <= c <= "~" else "@" for c in s)


def check(cur, rec):
    sql = "\n".join(rec["sql"])
    try:
        cur.execute(sql)
    except psycopg2.Error:
        return rec["error"] if not rec["query"] else False
    if not rec["query"]:
        return not rec["error"]
    rows = cur.fetchall() if cur.description else []
    t = rec["types"]
    vals = [[fmt(v, t[i] if i < len(t) else "T") for i, v in enumerate(r)] for r in rows]
    if rec["sort"] == "rowsort":
        vals.sort()
    flat = [v for r in vals for v in r]
    if rec["sort"] == "valuesort":
        flat.sort()
    exp = rec["exp"]
    if len(exp) == 1 and "values hashing to" in exp[0]:
        n, h = exp[0].split()[0], exp[0].split()[-1]
        m = hashlib.md5("".join(v + "\n" for v in flat).encode()).hexdigest()
        return int(n) == len(flat) and m == h
    if len(exp) != len(flat):
        exp = [x for line in exp for x in line.split()]
    return exp == flat


def main():
    import tempfile
    import shutil
    tmp = tempfile.mkdtemp(prefix="helios-pgref-")
    pg = difftest.Postgres(tmp)
    try:
        for path in sys.argv[1:]:
            conn = pg.connect()
            cur = conn.cursor()
            cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            for rec in records(path):
                if not check(cur, rec):
                    print("%s:%d" % (os.path.basename(path), rec["line"]))
            conn.close()
    finally:
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
