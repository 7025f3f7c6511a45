#!/usr/bin/python3
"""Settings scoped as PostgreSQL scopes them, through psycopg2: a SET inside a transaction block
is undone when the block rolls back (also when it failed, and for TimeZone and search_path,
whose side effects follow), SET LOCAL and set_config(..., true) end with the block, a plain SET
after a SET LOCAL of the same name survives the commit, and SET LOCAL outside a block has no
effect."""
import psycopg2

from helios_harness import Checks, HeliosServer, parse_args


def main():
    args = parse_args()
    ck = Checks()
    with HeliosServer(args.bin, args.plugins) as srv:
        conn = psycopg2.connect(srv.dsn())
        conn.autocommit = True
        cur = conn.cursor()

        def show(name):
            cur.execute("SHOW " + name)
            return cur.fetchone()[0]

        cur.execute("SET work_mem = '1MB'")
        cur.execute("BEGIN")
        cur.execute("SET work_mem = '2MB'")
        ck.eq(show("work_mem"), "2MB", "SET inside a block takes effect")
        cur.execute("ROLLBACK")
        ck.eq(show("work_mem"), "1MB", "ROLLBACK undoes it")

        cur.execute("BEGIN")
        cur.execute("SET LOCAL work_mem = '3MB'")
        ck.eq(show("work_mem"), "3MB", "SET LOCAL takes effect in the block")
        cur.execute("COMMIT")
        ck.eq(show("work_mem"), "1MB", "SET LOCAL ends with the block")

        cur.execute("BEGIN")
        cur.execute("SET LOCAL work_mem = '4MB'")
        cur.execute("SET work_mem = '5MB'")
        cur.execute("COMMIT")
        ck.eq(show("work_mem"), "5MB", "a plain SET after SET LOCAL survives COMMIT")

        cur.execute("SET LOCAL work_mem = '9MB'")
        ck.eq(show("work_mem"), "5MB", "SET LOCAL outside a block has no effect")

        cur.execute("BEGIN")
        cur.execute("SET TimeZone = 'Asia/Tokyo'")
        cur.execute("SELECT '2024-01-01 00:00:00+00'::timestamptz::text")
        ck.eq(cur.fetchone()[0], "2024-01-01 09:00:00+09", "TimeZone in the block")
        try:
            cur.execute("SELECT 1/0")
        except psycopg2.Error as e:
            ck.eq(e.pgcode, "22012", "the block fails")
        cur.execute("ROLLBACK")
        ck.eq(show("TimeZone"), "UTC", "ROLLBACK of a failed block restores TimeZone")
        cur.execute("SELECT '2024-01-01 00:00:00+00'::timestamptz::text")
        ck.eq(cur.fetchone()[0], "2024-01-01 00:00:00+00", "and timestamptz output follows it")

        cur.execute("CREATE SCHEMA s1")
        cur.execute("CREATE TABLE s1.only_here (a int)")
        cur.execute("BEGIN")
        cur.execute("SET search_path = s1")
        cur.execute("SELECT count(*) FROM only_here")
        ck.eq(cur.fetchone()[0], 0, "search_path in the block")
        cur.execute("ROLLBACK")
        ck.eq(show("search_path"), '"$user", public', "ROLLBACK restores search_path")
        try:
            cur.execute("SELECT count(*) FROM only_here")
            ck.check(False, "the table is out of reach again")
        except psycopg2.Error as e:
            ck.eq(e.pgcode, "42P01", "the table is out of reach again")

        cur.execute("BEGIN")
        cur.execute("SELECT set_config('work_mem', '7MB', true)")
        ck.eq(show("work_mem"), "7MB", "set_config(..., true) in the block")
        cur.execute("COMMIT")
        ck.eq(show("work_mem"), "5MB", "set_config(..., true) ends with the block")
        cur.execute("SELECT set_config('work_mem', '6MB', false)")
        ck.eq(show("work_mem"), "6MB", "set_config(..., false) outside a block")
        conn.close()
        ck.check(srv.alive(), "server alive")
    ck.finish()


if __name__ == "__main__":
    main()
