#!/usr/bin/python3
"""Databases through real clients (psycopg2 and psql): CREATE DATABASE, connecting to it, each
database's own schemas and tables (the same names in two databases do not meet), the catalog
views and psql's \\l, DROP DATABASE refusals (open database, other sessions, inside a
transaction block, the default database), and databases surviving a restart."""
import subprocess

import psycopg2

from helios_harness import Checks, HeliosServer, parse_args


def main():
    args = parse_args()
    ck = Checks()
    with HeliosServer(args.bin, args.plugins) as srv:
        main_conn = psycopg2.connect(srv.dsn())
        main_conn.autocommit = True
        m = main_conn.cursor()

        def err(cur, sql):
            try:
                cur.execute(sql)
                return None
            except psycopg2.Error as e:
                return e.pgcode

        m.execute("CREATE TABLE t (a int PRIMARY KEY, who text)")
        m.execute("INSERT INTO t VALUES (1, 'helios')")
        m.execute("CREATE INDEX t_who ON t (who)")
        m.execute("CREATE DATABASE shop")
        ck.eq(err(m, "CREATE DATABASE shop"), "42P04", "a second CREATE DATABASE shop: 42P04")
        ck.eq(err(m, "CREATE DATABASE x WITH TEMPLATE template0 ENCODING 'UTF8'"), None,
              "TEMPLATE and ENCODING accepted")
        main_conn.autocommit = False
        ck.eq(err(m, "CREATE DATABASE y"), "25001", "CREATE DATABASE in a transaction block: 25001")
        main_conn.rollback()
        main_conn.autocommit = True
        m.execute("SELECT datname FROM pg_database ORDER BY 1")
        ck.eq(m.fetchall(), [("helios",), ("shop",), ("x",)], "pg_database lists every database")

        shop = psycopg2.connect(srv.dsn(dbname="shop"))
        shop.autocommit = True
        c = shop.cursor()
        c.execute("SELECT current_database(), current_schema()")
        ck.eq(c.fetchone(), ("shop", "public"), "connected to shop, its own public schema")
        ck.eq(err(c, "SELECT * FROM t"), "42P01", "helios's table t is not in shop")
        c.execute("CREATE TABLE t (a int PRIMARY KEY, price numeric(8,2))")
        c.execute("INSERT INTO t VALUES (1, 9.99), (2, 19.99)")
        c.execute("CREATE INDEX t_who ON t (price)")  # the same index name as in helios
        c.execute("SELECT count(*), sum(price) FROM t")
        ck.eq([str(v) for v in c.fetchone()], ["2", "29.98"], "shop.t is its own table")
        m.execute("SELECT * FROM t")
        ck.eq(m.fetchall(), [(1, "helios")], "helios.t unchanged")
        c.execute("SELECT relname FROM pg_class WHERE relkind = 'r' ORDER BY 1")
        ck.eq(c.fetchall(), [("t",)], "pg_class shows only shop's tables")
        c.execute("SELECT table_catalog, table_name FROM information_schema.tables "
                  "WHERE table_schema = 'public'")
        ck.eq(c.fetchall(), [("shop", "t")], "information_schema names the catalog")
        c.execute("CREATE SCHEMA sales")
        m.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'sales'")
        ck.eq(m.fetchone(), (0,), "shop's schemas are not helios's")

        ck.eq(err(m, "DROP DATABASE shop"), "55006", "DROP DATABASE while a session uses it: 55006")
        ck.eq(err(c, "DROP DATABASE shop"), "55006", "DROP DATABASE of the open database: 55006")
        ck.eq(err(c, "DROP DATABASE helios"), "0A000", "the default database is not dropped")
        try:
            psycopg2.connect(srv.dsn(dbname="nosuch"))
            ck.check(False, "connecting to a missing database fails")
        except psycopg2.OperationalError as e:
            ck.check('database "nosuch" does not exist' in str(e), "3D000 for a missing database")

        out = subprocess.run(["psql", "-X", "-A", "-t", "-c", "\\l"], env=srv.env(),
                             capture_output=True, text=True)
        names = sorted(line.split("|")[0] for line in out.stdout.splitlines() if "|" in line)
        ck.eq(names, ["helios", "shop", "x"], "psql \\l lists the databases (%s)" % out.stderr.strip())
        shop.close()
        main_conn.close()

        # databases, their schemas and tables survive a restart
        srv.stop(keep_tmp=True)
        srv._start()
        shop = psycopg2.connect(srv.dsn(dbname="shop"))
        c = shop.cursor()
        c.execute("SELECT count(*) FROM t")
        ck.eq(c.fetchone(), (2,), "shop.t after restart")
        c.execute("SELECT nspname FROM pg_namespace WHERE nspname IN ('public', 'sales') ORDER BY 1")
        ck.eq(c.fetchall(), [("public",), ("sales",)], "shop's schemas after restart")
        shop.close()
        conn = psycopg2.connect(srv.dsn())
        conn.autocommit = True
        m = conn.cursor()
        m.execute("SELECT who FROM t")
        ck.eq(m.fetchall(), [("helios",)], "helios.t after restart")
        m.execute("DROP DATABASE shop")
        m.execute("DROP DATABASE IF EXISTS shop")
        ck.check(any("does not exist, skipping" in n for n in conn.notices), "IF EXISTS notice")
        m.execute("SELECT datname FROM pg_database ORDER BY 1")
        ck.eq(m.fetchall(), [("helios",), ("x",)], "shop dropped")
        m.execute("CREATE DATABASE shop")
        conn.close()
        shop = psycopg2.connect(srv.dsn(dbname="shop"))
        c = shop.cursor()
        ck.eq(err(c, "SELECT * FROM t"), "42P01", "a re-created shop starts empty")
        shop.close()
        ck.check(srv.alive(), "server alive")
    ck.finish()


if __name__ == "__main__":
    main()
