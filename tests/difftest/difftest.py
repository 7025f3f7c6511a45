#!/usr/bin/python3
"""Differential tester: random schemas, data and queries run on HeliosDB (through sqlsh, the
embedded API) and on a real PostgreSQL 15 that this script starts in a temporary directory on a
loopback port. Every query whose results differ is reported (order-insensitive unless the query
orders by all of its output columns). Exit status 1 when any difference is found.

    difftest.py --sqlsh build/bin/sqlsh [--seed N] [--queries N] [--keep]
"""
import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import psycopg2
import psycopg2.extensions

PGBIN = "/usr/lib/postgresql/15/bin"
RAW_OIDS = (16, 17, 18, 19, 20, 21, 23, 25, 26, 114, 700, 701, 1042, 1043, 1082, 1083, 1114,
            1184, 1186, 1700, 2950, 3802, 1000, 1005, 1007, 1009, 1016, 1021, 1022, 1231)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port



GROUPING = re.compile(r"\b(DISTINCT|GROUP BY|UNION|INTERSECT|EXCEPT)\b", re.I)
NEG_ZERO = re.compile(r"^-0(\.0*)?$")


def zero_norm(rows):
    """rows with each cell that is a negative float zero written as 0"""
    return [tuple(NEG_ZERO.sub(lambda m: m.group(0)[1:], c) if isinstance(c, str) else c
                  for c in row) for row in rows]

class Postgres:
    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "pg")
        self.sock = tmp
        self.port = free_port()
        self.as_user = [] if os.getuid() != 0 else ["runuser", "-u", "postgres", "--"]
        if os.getuid() == 0:
            os.chmod(tmp, 0o777)
        subprocess.run(self.as_user + [PGBIN + "/initdb", "-D", self.dir, "--locale=C", "-E",
                                       "UTF8", "-A", "trust", "-U", "postgres"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        opts = "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c TimeZone=UTC" % (
            self.port, self.sock)
        subprocess.run(self.as_user + [PGBIN + "/pg_ctl", "-D", self.dir, "-o", opts, "-w", "-l",
                                       os.path.join(tmp, "pg.log"), "start"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def connect(self):
        c = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        c.autocommit = True
        raw = psycopg2.extensions.new_type(RAW_OIDS, "RAW", lambda v, cur: v)
        psycopg2.extensions.register_type(raw, c)
        return c

    def stop(self):
        subprocess.run(self.as_user + [PGBIN + "/pg_ctl", "-D", self.dir, "-m", "immediate", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Gen:
    """Random schema, data and queries. Columns: id int pk, a int, b int, c text,
    d numeric(8,2), e float8 (binary-exact values), f bool."""

    TEXTS = ["x", "y", "abc", "Abc", "", "hello", "a_b", "zz"]
    FLOATS = [0.5, 1.25, -2.0, 3.75, 0.0, 8.0, -0.25]

    def __init__(self, rnd, n_tables=3):
        self.r = rnd
        self.tables = ["t%d" % i for i in range(n_tables)]

    def maybe_null(self, v, p=0.15):
        return "NULL" if self.r.random() < p else v

    def setup(self):
        out = []
        for t in self.tables:
            out.append("CREATE TABLE %s (id int PRIMARY KEY, a int, b int, c text, d numeric(8,2), "
                       "e float8, f bool, g date, h timestamp)" % t)
            rows = []
            for i in range(1, self.r.randint(15, 40)):
                a = self.maybe_null(str(self.r.randint(-3, 9)))
                b = self.maybe_null(str(self.r.randint(-3, 9)))
                c = self.maybe_null("'%s'" % self.r.choice(self.TEXTS))
                d = self.maybe_null("%d.%02d" % (self.r.randint(-50, 99), self.r.randint(0, 99)))
                e = self.maybe_null(repr(self.r.choice(self.FLOATS)))
                f = self.maybe_null(self.r.choice(["true", "false"]))
                g = self.maybe_null("'%04d-%02d-%02d'" % (self.r.randint(1999, 2025), self.r.randint(1, 12),
                                                          self.r.randint(1, 28)))
                h = self.maybe_null("'2024-%02d-%02d %02d:%02d:%02d'" % (
                    self.r.randint(1, 12), self.r.randint(1, 28), self.r.randint(0, 23),
                    self.r.randint(0, 59), self.r.randint(0, 59)))
                rows.append("(%d, %s, %s, %s, %s, %s, %s, %s, %s)" % (i, a, b, c, d, e, f, g, h))
            out.append("INSERT INTO %s VALUES %s" % (t, ", ".join(rows)))
            # secondary indexes on join columns: the planner may look rows up through them
            # (index nested loop) instead of hashing
            if self.r.random() < 0.7:
                out.append("CREATE INDEX %s_a ON %s (a)" % (t, t))
            if self.r.random() < 0.5:
                out.append("CREATE INDEX %s_cb ON %s (c, b)" % (t, t))
        out.append("ANALYZE")
        return out

    # expressions over one table alias
    def int_expr(self, al, depth=0):
        r = self.r
        col = "%s.%s" % (al, r.choice(["a", "b", "id"]))
        k = r.randint(0, 12 if depth < 2 else 2)
        if k <= 2:
            return col
        if k == 3:
            return str(r.randint(-5, 10))
        if k == 4:
            return "(%s %s %s)" % (self.int_expr(al, depth + 1), r.choice(["+", "-", "*"]),
                                   self.int_expr(al, depth + 1))
        if k == 5:
            return "(%s / NULLIF(%s, 0))" % (self.int_expr(al, depth + 1), self.int_expr(al, depth + 1))
        if k == 6:
            return "(%s %% NULLIF(%s, 0))" % (self.int_expr(al, depth + 1), self.int_expr(al, depth + 1))
        if k == 7:
            return "abs(%s)" % self.int_expr(al, depth + 1)
        if k == 8:
            return "COALESCE(%s, %s)" % (self.int_expr(al, depth + 1), self.int_expr(al, depth + 1))
        if k == 9:
            return "CASE WHEN %s THEN %s ELSE %s END" % (self.pred(al, depth + 1),
                                                         self.int_expr(al, depth + 1),
                                                         self.int_expr(al, depth + 1))
        if k == 10:
            return "NULLIF(%s, %s)" % (self.int_expr(al, depth + 1), self.int_expr(al, depth + 1))
        if k == 11:
            return "length(%s.c)" % al
        return "-%s" % col

    def any_expr(self, al):
        r = self.r
        k = r.randint(0, 13)
        if k == 10:
            return r.choice(["%s.g", "%s.g + %s.a", "%s.g - date '2020-01-01'", "extract(year from %s.g)",
                             "date_part('month', %s.h)", "date_trunc('month', %s.h)",
                             "%s.h + interval '1 day 2 hours'", "%s.h - %s.h", "%s.g < date '2010-06-01'",
                             "(%s.h)::date", "%s.g + interval '1 month'"]).replace("%s", al)
        if k == 11:
            return r.choice(["lpad(%s.c, 6, '*')", "replace(%s.c, 'a', 'X')", "position('b' in %s.c)",
                             "%s.c || %s.a", "coalesce(%s.c, 'none')", "length(%s.c) + %s.a",
                             "upper(%s.c) < lower(%s.c)", "left(%s.c, 2)", "reverse(%s.c)",
                             "trim(both 'a' from %s.c)", "initcap(%s.c)", "repeat(%s.c, 2)",
                             "split_part(%s.c, '_', 1)", "md5(%s.c)"]).replace("%s", al)
        if k == 12:
            return r.choice(["%s.d / NULLIF(%s.a, 0)", "round(%s.d / 3, 2)", "%s.d * %s.d", "ceil(%s.d)",
                             "floor(%s.e)", "%s.d %% 7", "-%s.d", "trunc(%s.d, 1)", "sign(%s.d)",
                             "%s.d::int", "%s.e::numeric", "sqrt(abs(%s.e))", "power(%s.a, 2)",
                             "%s.a::float8 / 4", "%s.d + 0.005", "greatest(%s.a, %s.b, 0)",
                             "least(%s.d, 5)"]).replace("%s", al)
        if k == 13:
            return r.choice(["CASE %s.a WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE %s.c END",
                             "%s.a IS DISTINCT FROM %s.b", "%s.f IS TRUE", "NOT %s.f",
                             "%s.c ILIKE '%%B%%'", "%s.a BETWEEN %s.b AND 7",
                             "%s.c IN ('x', 'y', NULL)"]).replace("%s", al)
        if k <= 4:
            return self.int_expr(al)
        if k == 5:
            return r.choice(["%s.d", "%s.d * 2", "round(%s.d, 1)", "%s.d + %s.a", "abs(%s.d)"]).replace("%s", al)
        if k == 6:
            return r.choice(["%s.e", "%s.e + 1", "%s.e * %s.a"]).replace("%s", al)
        if k == 7:
            return r.choice(["%s.c", "upper(%s.c)", "%s.c || 'q'", "substr(%s.c, 2)", "lower(%s.c)"]).replace("%s", al)
        if k == 8:
            return "%s.f" % al
        return "(%s > %s)" % (self.int_expr(al), self.int_expr(al))

    def pred(self, al, depth=0):
        r = self.r
        k = r.randint(0, 10 if depth < 2 else 5)
        if k <= 2:
            return "%s %s %s" % (self.int_expr(al, depth + 1), r.choice(["=", "<>", "<", "<=", ">", ">="]),
                                 self.int_expr(al, depth + 1))
        if k == 3:
            return "%s IS %sNULL" % (self.int_expr(al, depth + 1), r.choice(["", "NOT "]))
        if k == 4:
            return "%s %sIN (%s)" % (self.int_expr(al, depth + 1), r.choice(["", "NOT "]),
                                     ", ".join(str(r.randint(-3, 9)) for _ in range(r.randint(1, 4))))
        if k == 5:
            return "%s.c %sLIKE '%s'" % (al, r.choice(["", "NOT "]), r.choice(["a%", "%b%", "_", "x", "%"]))
        if k == 6:
            return "(%s AND %s)" % (self.pred(al, depth + 1), self.pred(al, depth + 1))
        if k == 7:
            return "(%s OR %s)" % (self.pred(al, depth + 1), self.pred(al, depth + 1))
        if k == 8:
            return "NOT (%s)" % self.pred(al, depth + 1)
        if k == 9:
            return "%s BETWEEN %d AND %d" % (self.int_expr(al, depth + 1), r.randint(-3, 3), r.randint(3, 9))
        return "%s.d > %d" % (al, r.randint(-20, 50))

    def select_list(self, al, n=None):
        n = n or self.r.randint(1, 3)
        return [self.any_expr(al) for _ in range(n)]

    def query(self):
        r = self.r
        t = r.choice(self.tables)
        u = r.choice(self.tables)
        kind = r.randint(0, 14)
        if kind <= 1:
            cols = self.select_list("x")
            q = "SELECT %s FROM %s x WHERE %s" % (", ".join(cols), t, self.pred("x"))
        elif kind == 2:
            jt = r.choice(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"])
            cols = ["x.id", "y.id", self.any_expr("x"), self.any_expr("y")]
            q = "SELECT %s FROM %s x %s %s y ON x.%s = y.%s" % (", ".join(cols), t, jt, u,
                                                                r.choice("ab"), r.choice("ab"))
            if r.random() < 0.5 and jt == "JOIN":
                q += " WHERE %s" % self.pred("x")
        elif kind == 3:
            g = r.choice(["a", "b", "f", "c"])
            agg = r.sample(["count(*)", "count(x.b)", "sum(x.a)", "avg(x.a)", "min(x.c)", "max(x.d)",
                            "sum(x.d)", "avg(x.d)", "sum(x.e)", "bool_and(x.f)", "count(DISTINCT x.b)",
                            "max(x.a + x.b)", "string_agg(x.c, ',' ORDER BY x.c, x.id)",
                            "array_agg(x.a ORDER BY x.id)", "min(x.g)", "max(x.h)", "bool_or(x.f)",
                            "sum(x.a) FILTER (WHERE x.b > 2)", "avg(DISTINCT x.b)"], r.randint(1, 3))
            q = "SELECT x.%s, %s FROM %s x" % (g, ", ".join(agg), t)
            if r.random() < 0.5:
                q += " WHERE %s" % self.pred("x")
            q += " GROUP BY x.%s" % g
            if r.random() < 0.4:
                q += " HAVING count(*) > %d" % r.randint(0, 3)
        elif kind == 4:
            q = "SELECT x.id, x.a FROM %s x WHERE x.%s %sIN (SELECT y.%s FROM %s y WHERE %s)" % (
                t, r.choice("ab"), r.choice(["", "NOT "]), r.choice("ab"), u, self.pred("y"))
        elif kind == 5:
            q = "SELECT x.id FROM %s x WHERE %sEXISTS (SELECT 1 FROM %s y WHERE y.a = x.%s AND %s)" % (
                t, r.choice(["", "NOT "]), u, r.choice("ab"), self.pred("y"))
        elif kind == 6:
            q = "SELECT x.id, (SELECT %s(y.b) FROM %s y WHERE y.a = x.a) FROM %s x" % (
                r.choice(["max", "min", "count", "sum"]), u, t)
        elif kind == 7:
            op = r.choice(["UNION", "UNION ALL", "INTERSECT", "EXCEPT", "INTERSECT ALL", "EXCEPT ALL"])
            q = "SELECT x.%s FROM %s x %s SELECT y.%s FROM %s y" % (r.choice("ab"), t, op, r.choice("ab"), u)
        elif kind == 8:
            cols = self.select_list("x", r.randint(1, 2))
            n = len(cols)
            order = ", ".join("%d %s NULLS %s" % (i + 1, r.choice(["ASC", "DESC"]), r.choice(["FIRST", "LAST"]))
                              for i in range(n))
            q = "SELECT DISTINCT %s FROM %s x ORDER BY %s" % (", ".join(cols), t, order)
            if r.random() < 0.5:
                q += " LIMIT %d OFFSET %d" % (r.randint(0, 10), r.randint(0, 3))
            return q, True
        elif kind == 9:
            q = "SELECT count(*), sum(x.a), avg(x.b), max(x.c) FROM %s x, %s y WHERE x.a = y.b AND %s" % (
                t, u, self.pred("y"))
        elif kind == 10:
            q = "SELECT x.id, %s FROM %s x ORDER BY x.id LIMIT %d" % (self.any_expr("x"), t, r.randint(1, 20))
            return q, True
        elif kind == 11:
            q = "SELECT DISTINCT %s FROM %s x" % (self.int_expr("x"), t)
        elif kind == 14:
            # data changes: both sides must change the same rows the same way
            q = r.choice([
                "UPDATE %(t)s SET a = %(ie)s WHERE %(p)s RETURNING id, a",
                "UPDATE %(t)s SET c = upper(c), d = d + 1 WHERE %(p)s RETURNING id, c, d",
                "DELETE FROM %(t)s WHERE %(p)s RETURNING id",
                "INSERT INTO %(t)s (id, a, b, c) SELECT id + %(off)d, b, a, c FROM %(u)s WHERE %(pu)s "
                "ON CONFLICT DO NOTHING RETURNING id",
                "INSERT INTO %(t)s (id, a) VALUES (%(k)d, %(k)d) ON CONFLICT (id) DO UPDATE SET a = "
                "excluded.a + 1 RETURNING id, a",
                "UPDATE %(t)s x SET b = y.a FROM %(u)s y WHERE x.id = y.id AND %(pu2)s RETURNING x.id, x.b",
            ]) % {"t": t, "u": u, "ie": self.int_expr(t), "p": self.pred(t).replace(t + ".", ""),
                  "off": r.choice([0, 100, 1000]), "pu": self.pred(u), "k": r.randint(1, 60),
                  "pu2": self.pred("y")}
        elif kind == 12:
            # NULL-sensitive subquery forms
            q = r.choice([
                "SELECT x.id FROM %(t)s x WHERE x.a %(op)s ANY (SELECT y.b FROM %(u)s y WHERE y.id < %(k)d)",
                "SELECT x.id FROM %(t)s x WHERE x.a %(op)s ALL (SELECT y.b FROM %(u)s y WHERE y.id < %(k)d)",
                "SELECT x.id, x.a NOT IN (SELECT y.b FROM %(u)s y) FROM %(t)s x",
                "SELECT x.id, x.a IN (SELECT y.b FROM %(u)s y WHERE y.b IS NOT NULL) FROM %(t)s x",
                "SELECT x.a, count(*) FROM %(t)s x GROUP BY x.a HAVING count(*) > (SELECT count(*) FROM %(u)s y WHERE y.a = x.a)",
                "SELECT x.id FROM %(t)s x WHERE (SELECT count(*) FROM %(u)s y WHERE y.b = x.b) > 1",
                "SELECT max(x.a) - min(x.b), count(DISTINCT x.c), sum(x.d) / NULLIF(count(*), 0) FROM %(t)s x",
                "SELECT x.a, x.b FROM %(t)s x UNION SELECT y.b, y.a FROM %(u)s y ORDER BY 1 NULLS FIRST, 2 NULLS FIRST",
                "SELECT x.c, count(*) FROM %(t)s x GROUP BY 1 ORDER BY 2 DESC, 1 NULLS LAST LIMIT 3",
                "SELECT x.id * 100000 * 100000 FROM %(t)s x",
                "SELECT x.a::smallint * 10000 FROM %(t)s x",
                "SELECT x.c || '%%' LIKE x.c FROM %(t)s x",
                "SELECT round(x.d, 1), round(x.e::numeric, 2), x.d::int, (x.d * 3)::numeric(10,1) FROM %(t)s x",
                "SELECT x.id FROM %(t)s x LEFT JOIN %(u)s y ON x.a = y.a AND y.b > 2 WHERE y.id IS NULL",
                "SELECT x.id, y.id FROM %(t)s x JOIN %(u)s y USING (a) WHERE x.b < y.b",
                # joins over indexed columns (index nested loops from a filtered outer side)
                "SELECT x.id, y.id FROM %(t)s x JOIN %(u)s y ON y.a = x.a WHERE x.id < %(k)d",
                "SELECT x.id, y.id, z.id FROM %(t)s x JOIN %(u)s y ON y.a = x.b JOIN %(t)s z ON z.id = y.b WHERE x.id < %(k)d",
                "SELECT x.id, y.id FROM %(t)s x LEFT JOIN %(u)s y ON y.c = x.c AND y.b = x.a WHERE x.id <= %(k)d",
                "SELECT x.id, y.id FROM %(t)s x LEFT JOIN %(u)s y ON y.id = x.a AND y.b > 0 WHERE x.b IS NOT NULL",
                # WHERE conditions on the NULL-extended side (outer joins that become inner)
                "SELECT x.id, y.b FROM %(t)s x LEFT JOIN %(u)s y ON y.a = x.a WHERE y.b > 1",
                "SELECT x.id, y.id FROM %(t)s x RIGHT JOIN %(u)s y ON y.a = x.b WHERE x.c LIKE '%%b%%'",
                "SELECT x.id, y.id FROM %(t)s x LEFT JOIN %(u)s y ON y.a = x.a WHERE y.b IS NOT NULL OR x.id < 3",
                "SELECT x.id, y.id, z.id FROM %(t)s x LEFT JOIN %(u)s y ON y.a = x.a LEFT JOIN %(t)s z ON z.id = y.b WHERE z.d > 0",
                "SELECT COALESCE(x.c, y.c), x.id FROM %(t)s x FULL JOIN %(u)s y ON x.id = y.id + 5",
                "SELECT x.a, sum(x.b) FROM %(t)s x GROUP BY ROLLUP_X",
            ]).replace("GROUP BY ROLLUP_X", "GROUP BY x.a") % {"t": t, "u": u, "op": r.choice(["=", "<>", "<", ">="]),
                                                              "k": r.randint(0, 20)}
        else:
            q = "SELECT x.id, CASE WHEN x.a > 0 THEN x.c WHEN x.a < 0 THEN NULL ELSE 'zero' END, " \
                "x.d BETWEEN x.a AND x.b FROM %s x WHERE x.c IS DISTINCT FROM 'x'" % t
        return q, False


def run_helios(sqlsh, tmp, stmts):
    path = os.path.join(tmp, "helios.sql")
    with open(path, "w") as f:
        for s in stmts:
            f.write(s.replace("\n", " ") + "\n")
    out = subprocess.run([sqlsh, os.path.join(tmp, "helios")], stdin=open(path), capture_output=True,
                         text=True, errors="replace", timeout=240)
    res = []
    cur = None
    for line in out.stdout.split("\n"):
        if line.startswith("#Q "):
            cur = {"rows": [], "err": None}
            res.append(cur)
        elif line.startswith("#OK"):
            pass
        elif line.startswith("#E "):
            cur["err"] = line[3:8]
            cur["msg"] = line[9:]
        elif cur is not None and line.startswith("="):
            cur["rows"].append(tuple(line[1:].split("\t")))
    if len(res) != len(stmts):
        sys.stderr.write(out.stderr[-2000:])
        raise SystemExit("sqlsh produced %d results for %d statements" % (len(res), len(stmts)))
    return res


def pg_text(v):
    if v is None:
        return "\\N"
    return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def run_pg(conn, stmts):
    res = []
    cur = conn.cursor()
    for s in stmts:
        r = {"rows": [], "err": None}
        try:
            cur.execute(s)
            if cur.description is not None:
                r["rows"] = [tuple(pg_text(v) for v in row) for row in cur.fetchall()]
        except psycopg2.Error as e:
            r["err"] = e.pgcode
            r["msg"] = str(e).split("\n")[0]
        res.append(r)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sqlsh", required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--show", type=int, default=15)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="helios-difftest-")
    pg = None
    try:
        pg = Postgres(tmp)
        conn = pg.connect()
        rnd = random.Random(a.seed)
        g = Gen(rnd)
        setup = g.setup()
        queries = [g.query() for _ in range(a.queries)]
        # the planner's join switches (PostgreSQL's names), flipped now and then on both sides:
        # the same queries then run as index nested loops, hash joins or plain nested loops
        sw = random.Random(a.seed + 7919)
        mixed = []
        for k, q in enumerate(queries):
            if k % 150 == 149:
                mixed.append((sw.choice(["SET enable_hashjoin = off", "SET enable_nestloop = off",
                                         "RESET enable_hashjoin", "RESET enable_nestloop"]), False))
            mixed.append(q)
        queries = mixed
        stmts = setup + [q for q, _ in queries]
        t0 = time.time()
        hres = run_helios(a.sqlsh, tmp, stmts)
        t1 = time.time()
        pres = run_pg(conn, stmts)
        t2 = time.time()
        diffs = 0
        both_err = 0
        shown = 0
        for i, s in enumerate(stmts):
            h, p = hres[i], pres[i]
            ordered = i >= len(setup) and queries[i - len(setup)][1]
            if h["err"] or p["err"]:
                if h["err"] and p["err"]:
                    both_err += 1
                    ok = h["err"] == p["err"]  # the same SQLSTATE
                else:
                    ok = False
            elif ordered:
                ok = h["rows"] == p["rows"]
            else:
                ok = sorted(h["rows"]) == sorted(p["rows"])
            if not ok and not (h["err"] or p["err"]) and GROUPING.search(s):
                # -0 and 0 are equal floats: DISTINCT, GROUP BY and set operations keep
                # whichever of them they read first, and the physical row order is each
                # engine's own. Such results are equal once the group's representative is
                # normalised; anything else (e.g. -0 printed where 0 is due) still differs.
                ok = (sorted(zero_norm(h["rows"])) == sorted(zero_norm(p["rows"])) if not ordered
                      else zero_norm(h["rows"]) == zero_norm(p["rows"]))
            if not ok:
                diffs += 1
                if shown < a.show:
                    shown += 1
                    print("DIFF %s" % s)
                    print("  helios:   %s" % ("%s %s" % (h["err"], h.get("msg")) if h["err"] else sorted(h["rows"])[:8]))
                    print("  postgres: %s" % ("%s %s" % (p["err"], p.get("msg")) if p["err"] else sorted(p["rows"])[:8]))
        print("difftest seed %d: %d statements (%d queries), %d differences, %d errors on both sides; "
              "helios %.2fs, postgres %.2fs" % (a.seed, len(stmts), len(queries), diffs, both_err,
                                               t1 - t0, t2 - t1))
        return 1 if diffs else 0
    finally:
        if pg is not None:
            pg.stop()
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
