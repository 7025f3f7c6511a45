#!/usr/bin/python3
"""SQL-level PREPARE / EXECUTE / DEALLOCATE through psycopg2 (simple query protocol) and through
the embedded API's prepare/step path (sqlsh): parameters given as expressions and coerced to
the declared or inferred types, result rows described as the prepared statement's, PostgreSQL's
errors (42P05, 26000, 42601 with DETAIL), DEALLOCATE ALL, and statements re-bound after DDL."""
import os
import subprocess
import tempfile

import psycopg2

from helios_harness import Checks, HeliosServer, parse_args


def main():
    args = parse_args()
    ck = Checks()
    with HeliosServer(args.bin, args.plugins) as srv:
        conn = psycopg2.connect(srv.dsn())
        conn.autocommit = True
        cur = conn.cursor()

        def err(sql):
            try:
                cur.execute(sql)
                return None
            except psycopg2.Error as e:
                return e

        cur.execute("CREATE TABLE t (a int PRIMARY KEY, b text, d date)")
        cur.execute("PREPARE ins(int, text, date) AS INSERT INTO t VALUES ($1, $2, $3)")
        cur.execute("EXECUTE ins(1, 'one', '2024-02-28')")
        ck.eq(cur.rowcount, 1, "EXECUTE of an INSERT reports its row count")
        cur.execute("EXECUTE ins(1 + 1, 'tw' || 'o', date '2024-02-28' + 1)")
        cur.execute("EXECUTE ins(3, NULL, NULL)")
        cur.execute("PREPARE q AS SELECT a, b, d FROM t WHERE a >= $1 ORDER BY a")
        cur.execute("EXECUTE q(2)")
        ck.eq([c.name for c in cur.description], ["a", "b", "d"], "EXECUTE describes the rows")
        rows = cur.fetchall()
        ck.eq([(a, b, str(d) if d else None) for a, b, d in rows],
              [(2, "two", "2024-02-29"), (3, None, None)], "EXECUTE q(2) rows")
        cur.execute("EXECUTE q('3')")
        ck.eq(cur.fetchall(), [(3, None, None)], "an unknown literal converts to the parameter type")
        e = err("EXECUTE q(1, 2)")
        ck.eq(e and e.pgcode, "42601", "wrong number of parameters: 42601")
        ck.check(e is not None and "Expected 1 parameters but got 2" in (e.diag.message_detail or ""),
                 "DETAIL names the counts")
        e = err("EXECUTE q('x')")
        ck.eq(e and e.pgcode, "22P02", "a parameter that does not convert: 22P02")
        e = err("PREPARE q AS SELECT 1")
        ck.eq(e and e.pgcode, "42P05", "PREPARE of an existing name: 42P05")
        e = err("EXECUTE nosuch")
        ck.eq(e and e.pgcode, "26000", "EXECUTE of an unknown name: 26000")

        # a prepared statement survives DDL on its table: it is re-bound
        cur.execute("ALTER TABLE t ADD COLUMN e int DEFAULT 7")
        cur.execute("PREPARE all_rows AS SELECT * FROM t ORDER BY a")
        cur.execute("EXECUTE all_rows")
        ck.eq(len(cur.description), 4, "SELECT * after ADD COLUMN")
        cur.execute("EXECUTE q(3)")
        ck.eq(cur.fetchall(), [(3, None, None)], "q still runs after the ALTER")

        cur.execute("DEALLOCATE q")
        e = err("EXECUTE q(1)")
        ck.eq(e and e.pgcode, "26000", "DEALLOCATE removes it")
        cur.execute("DEALLOCATE ALL")
        e = err("EXECUTE ins(9, 'x', NULL)")
        ck.eq(e and e.pgcode, "26000", "DEALLOCATE ALL removes every one")
        cur.execute("PREPARE q(int) AS SELECT $1 * 2")
        cur.execute("EXECUTE q(21)")
        ck.eq(cur.fetchall(), [(42,)], "a name is reusable after DEALLOCATE")
        conn.close()

        # prepared statements belong to their session
        conn = psycopg2.connect(srv.dsn())
        cur = conn.cursor()
        e = err("EXECUTE q(1)")
        ck.eq(e and e.pgcode, "26000", "another session does not see them")
        conn.close()
        ck.check(srv.alive(), "server alive")

    # the embedded API's prepare/step path: EXECUTE's rows carry the statement's columns
    sqlsh = os.path.join(os.path.dirname(os.path.abspath(args.bin)), "sqlsh")
    with tempfile.TemporaryDirectory() as d:
        script = ("CREATE TABLE t (a int, b text);\n"
                  "INSERT INTO t VALUES (1, 'one'), (2, 'two');\n"
                  "PREPARE q AS SELECT a, b FROM t WHERE a >= $1 ORDER BY a;\n"
                  "EXECUTE q(1);\n")
        env = dict(os.environ, HELIOS_PLUGIN_DIR=os.path.abspath(args.plugins))
        out = subprocess.run([sqlsh, d], input=script, capture_output=True, text=True, env=env)
        ck.check("=1\tone\n=2\ttwo\n" in out.stdout,
                 "embedded EXECUTE returns both columns (%r)" % out.stdout[-80:])
    ck.finish()


if __name__ == "__main__":
    main()
