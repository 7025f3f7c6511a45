#!/usr/bin/python3
"""search_path through real clients (psycopg2 and psql): unqualified names resolve through the
session's search_path, CREATE puts objects in its first existing schema, "$user" and missing
schemas are handled as PostgreSQL does, plans cached under one path are not reused under
another, and psql's \\dt shows what the path makes visible."""
import subprocess

import psycopg2

from helios_harness import Checks, HeliosServer, parse_args


def main():
    args = parse_args()
    ck = Checks()
    with HeliosServer(args.bin, args.plugins) as srv:
        conn = psycopg2.connect(srv.dsn())
        conn.autocommit = True
        cur = conn.cursor()

        def q(sql, params=None):
            cur.execute(sql, params)
            return cur.fetchall()

        cur.execute("CREATE SCHEMA app")
        cur.execute("CREATE SCHEMA helios")  # the user's own schema: "$user" finds it
        cur.execute("CREATE TABLE t (a int)")
        cur.execute("INSERT INTO t VALUES (1)")
        ck.eq(q("SHOW search_path"), [('"$user", public',)], "default search_path")
        ck.eq(q("SELECT current_schema()"), [("helios",)],
              "current_schema is the first existing schema ($user)")
        ck.eq(q("SELECT count(*) FROM pg_tables WHERE tablename = 't' AND schemaname = 'helios'"),
              [(1,)], "CREATE without a schema went to the $user schema")
        cur.execute("DROP TABLE t")
        cur.execute("DROP SCHEMA helios")
        ck.eq(q("SELECT current_schema()"), [("public",)], "then public")
        cur.execute("CREATE TABLE t (a int)")
        cur.execute("INSERT INTO t VALUES (1)")

        cur.execute("SET search_path = app, public")
        ck.eq(q("SELECT current_schema()"), [("app",)], "current_schema follows SET")
        ck.eq(q("SELECT a FROM t"), [(1,)], "public.t found through the path")
        cur.execute("CREATE TABLE t (a int)")
        cur.execute("INSERT INTO t VALUES (2)")
        ck.eq(q("SELECT a FROM t"), [(2,)], "app.t now hides public.t")
        ck.eq(q("SELECT a FROM public.t"), [(1,)], "qualified public.t")
        ck.eq(q("SELECT a FROM app.t"), [(2,)], "qualified app.t")
        ck.eq(q("SELECT relname, pg_table_is_visible(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE relname = 't' "
                "ORDER BY nspname"), [("t", True), ("t", False)],
              "pg_table_is_visible: app.t visible, public.t hidden")

        # a prepared statement's text bound under one path is re-bound under another
        stmt = "SELECT a FROM t WHERE a > %s"
        ck.eq(q(stmt, (0,)), [(2,)], "statement under app, public")
        cur.execute("SET search_path = public")
        ck.eq(q(stmt, (0,)), [(1,)], "the same text under public")
        cur.execute("SET search_path TO 'app'")
        ck.eq(q(stmt, (0,)), [(2,)], "the same text under app")
        cur.execute("RESET search_path")
        ck.eq(q(stmt, (0,)), [(1,)], "RESET search_path")

        cur.execute("SET search_path = nosuch")
        try:
            cur.execute("CREATE TABLE x (a int)")
            ck.check(False, "CREATE with no existing schema on the path fails")
        except psycopg2.Error as e:
            ck.eq(e.pgcode, "3F000", "3F000 no schema has been selected to create in")
        ck.eq(q("SELECT current_schema()"), [(None,)], "current_schema is NULL")
        try:
            cur.execute("SELECT * FROM t")
            ck.check(False, "t is not found on an empty path")
        except psycopg2.Error as e:
            ck.eq(e.pgcode, "42P01", "42P01 on an empty path")
        ck.eq(q("SELECT count(*) FROM pg_class WHERE relname = 'pg_class'"), [(1,)],
              "pg_catalog stays on the path")
        cur.execute('SET search_path = "APP", app')
        ck.eq(q("SELECT a FROM t"), [(2,)], "a quoted missing name is skipped")
        conn.close()

        # psql: \dt lists the tables the path makes visible
        env = srv.env(PGOPTIONS="-c search_path=app")
        out = subprocess.run(["psql", "-X", "-A", "-t", "-c", "\\dt"], env=env,
                             capture_output=True, text=True)
        ck.eq(out.returncode, 0, "psql \\dt runs (%s)" % out.stderr.strip())
        rows = [line.split("|")[:2] for line in out.stdout.splitlines() if line]
        ck.eq(rows, [["app", "t"]], "\\dt under search_path=app (startup option)")
        out = subprocess.run(["psql", "-X", "-A", "-t", "-c", "\\dt *.t"], env=srv.env(),
                             capture_output=True, text=True)
        rows = sorted(line.split("|")[:2] for line in out.stdout.splitlines() if line)
        ck.eq(rows, [["app", "t"], ["public", "t"]], "\\dt *.t lists both schemas")
        ck.check(srv.alive(), "server alive")
    ck.finish()


if __name__ == "__main__":
    main()
