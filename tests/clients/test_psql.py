#!/usr/bin/python3
"""psql against the real server: a scripted session with DDL, DML, \\copy in and out, an error in
the middle of a script with ON_ERROR_STOP, SCRAM login (and a wrong password refused), and
multi-statement simple queries."""
import os
import subprocess

from helios_harness import Checks, HeliosServer, parse_args


def psql(srv, *args, stdin=None, password="helios", user="helios"):
    return subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", *args], input=stdin,
                          env=srv.env(user=user, password=password), capture_output=True,
                          text=True, timeout=60)


def main():
    args = parse_args()
    ck = Checks()
    with HeliosServer(args.bin, args.plugins, auth="scram-sha-256") as srv:
        csv_in = os.path.join(srv.tmp, "in.csv")
        csv_out = os.path.join(srv.tmp, "out.csv")
        with open(csv_in, "w") as f:
            f.write("10,ten,10.5\n11,\"eleven, with comma\",11.25\n12,,12\n")

        script = """
CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2));
INSERT INTO items VALUES (1, 'one', 1.50), (2, 'two', 2.25), (3, 'three', NULL);
UPDATE items SET name = 'TWO' WHERE id = 2;
DELETE FROM items WHERE id = 3;
\\copy items FROM '%s' WITH (FORMAT csv)
SELECT id, name, price FROM items ORDER BY id;
\\copy (SELECT id, name FROM items ORDER BY id) TO '%s' WITH (FORMAT csv)
SELECT count(*) AS n FROM items;
""" % (csv_in, csv_out)
        r = psql(srv, "-At", "-F", "|", stdin=script)
        ck.eq(r.returncode, 0, "scripted session exits 0 (stderr: %s)" % r.stderr.strip())
        lines = r.stdout.split("\n")
        ck.check("CREATE TABLE" in lines, "CREATE TABLE tag")
        ck.check("INSERT 0 3" in lines, "INSERT 0 3 tag")
        ck.check("UPDATE 1" in lines and "DELETE 1" in lines, "UPDATE 1 / DELETE 1 tags")
        ck.check("COPY 3" in lines, "\\copy FROM reports COPY 3")
        for row in ("1|one|1.50", "2|TWO|2.25", "10|ten|10.50", "11|eleven, with comma|11.25",
                    "12||12.00"):
            ck.check(row in lines, "row %s" % row)
        ck.check("5" in lines, "count(*) = 5")
        try:
            out = open(csv_out).read()
        except OSError:
            out = ""
        ck.eq(out, "1,one\n2,TWO\n10,ten\n11,\"eleven, with comma\"\n12,\n",
              "\\copy TO writes CSV")

        # an error in the middle of a script stops it with ON_ERROR_STOP
        r = psql(srv, "-At", stdin="SELECT 'before';\nSELECT * FROM no_such_table;\n"
                                   "SELECT 'after';\n")
        ck.eq(r.returncode, 3, "ON_ERROR_STOP exit code 3")
        ck.check("before" in r.stdout and "after" not in r.stdout, "script stopped at the error")
        ck.check('relation "no_such_table" does not exist' in r.stderr,
                 "error message names the table (%s)" % r.stderr.strip())

        # several statements in one simple query; an error aborts the rest
        r = psql(srv, "-At", "-c", "SELECT 1; SELECT 2")
        ck.eq(r.stdout.split(), ["1", "2"], "psql 15 -c with two statements prints both results")
        r = psql(srv, "-At", "-c", "SELECT 1/0; SELECT 2")
        ck.check(r.returncode != 0 and "division by zero" in r.stderr,
                 "division by zero reported (%s)" % r.stderr.strip())

        # transactions: status and rollback
        r = psql(srv, "-At", stdin="BEGIN;\nINSERT INTO items VALUES (99, 'x', 1);\n"
                                   "ROLLBACK;\nSELECT count(*) FROM items WHERE id = 99;\n")
        ck.check(r.returncode == 0 and r.stdout.strip().endswith("0"), "ROLLBACK undoes")

        # wrong password: 28P01
        r = psql(srv, "-At", "-c", "SELECT 1", password="wrong")
        ck.check(r.returncode != 0 and "password authentication failed" in r.stderr,
                 "wrong password refused (%s)" % r.stderr.strip())
        r = psql(srv, "-At", "-c", "SELECT 1", user="nobody", password="x")
        ck.check(r.returncode != 0 and "password authentication failed" in r.stderr,
                 "unknown user refused like a wrong password")

        # psql's describe commands (catalog queries answered by the engine) and client-side
        # settings
        psql(srv, "-c", "CREATE INDEX items_name ON items (name)")
        r = psql(srv, "-A", "-c", "\\l")
        ck.check(r.returncode == 0 and "helios|helios|UTF8" in r.stdout, "\\l lists the database "
                 "(%s)" % (r.stdout + r.stderr).strip()[-200:])
        r = psql(srv, "-A", "-c", "\\dn")
        ck.check(r.returncode == 0 and "public|" in r.stdout, "\\dn lists public")
        r = psql(srv, "-A", "-c", "\\dt")
        ck.check(r.returncode == 0 and "public|items|table|helios" in r.stdout,
                 "\\dt lists items (%s)" % (r.stdout + r.stderr).strip()[-200:])
        r = psql(srv, "-A", "-c", "\\di")
        ck.check(r.returncode == 0 and "public|items_name|index|helios|items" in r.stdout,
                 "\\di lists items_name (%s)" % (r.stdout + r.stderr).strip()[-200:])
        ck.check("public|items_pkey|index|helios|items" in r.stdout, "\\di lists items_pkey")
        r = psql(srv, "-A", "-c", "\\d items")
        out = r.stdout
        ck.check(r.returncode == 0 and 'Table "public.items"' in out and
                 "id|integer||not null|" in out and "name|text|||" in out and
                 "price|numeric(10,2)|||" in out and
                 '"items_pkey" PRIMARY KEY, btree (id)' in out and
                 '"items_name" btree (name)' in out,
                 "\\d items prints columns and indexes (%s)" % (out + r.stderr).strip()[-400:])
        # foreign keys: psql 15 reads them when relhastriggers, through
        # pg_partition_ancestors (no row for a plain table) in FROM and in a select list;
        # the expected text is PostgreSQL 15's output for the same tables
        r = psql(srv, "-c", "CREATE TABLE fk_items (id int PRIMARY KEY, name text NOT NULL); "
                 "CREATE TABLE fk_orders (oid int PRIMARY KEY, item int REFERENCES fk_items(id) "
                 "ON DELETE CASCADE, qty int)")
        ck.eq(r.returncode, 0, "tables with a foreign key (%s)" % r.stderr.strip())
        r = psql(srv, "-c", "\\d fk_orders", "-c", "\\d fk_items")
        ck.eq((r.stdout, r.stderr), (
            '             Table "public.fk_orders"\n'
            ' Column |  Type   | Collation | Nullable | Default \n'
            '--------+---------+-----------+----------+---------\n'
            ' oid    | integer |           | not null | \n'
            ' item   | integer |           |          | \n'
            ' qty    | integer |           |          | \n'
            'Indexes:\n'
            '    "fk_orders_pkey" PRIMARY KEY, btree (oid)\n'
            'Foreign-key constraints:\n'
            '    "fk_orders_item_fkey" FOREIGN KEY (item) REFERENCES fk_items(id) '
            'ON DELETE CASCADE\n'
            '\n'
            '              Table "public.fk_items"\n'
            ' Column |  Type   | Collation | Nullable | Default \n'
            '--------+---------+-----------+----------+---------\n'
            ' id     | integer |           | not null | \n'
            ' name   | text    |           | not null | \n'
            'Indexes:\n'
            '    "fk_items_pkey" PRIMARY KEY, btree (id)\n'
            'Referenced by:\n'
            '    TABLE "fk_orders" CONSTRAINT "fk_orders_item_fkey" FOREIGN KEY (item) '
            'REFERENCES fk_items(id) ON DELETE CASCADE\n'
            '\n', ""), "\\d of tables with a foreign key prints them as PostgreSQL 15")
        r = psql(srv, "-At", "-c", "SELECT count(*) FROM pg_partition_ancestors('fk_items')",
                 "-c", "SELECT pg_partition_ancestors('fk_items')")
        ck.eq((r.stdout, r.stderr), ("0\n", ""), "pg_partition_ancestors: no row for a table")
        r = psql(srv, "-A", "-c", "\\du")
        ck.check(r.returncode == 0 and "helios|Superuser" in r.stdout, "\\du lists helios")
        r = psql(srv, stdin="\\x\n\\timing\nSELECT 1 AS a, 'x' AS b;\n")
        ck.check("Expanded display is on" in r.stdout and "a | 1" in r.stdout and
                 "Time:" in r.stdout, "\\x and \\timing")

        # users created by SQL log in with SCRAM against the engine's stored verifiers
        r = psql(srv, "-c", "CREATE USER carol PASSWORD 'first pw'")
        ck.eq(r.returncode, 0, "CREATE USER (%s)" % r.stderr.strip())
        r = psql(srv, "-At", "-c", "SELECT current_user", user="carol", password="first pw")
        ck.eq(r.stdout.strip(), "carol", "new user logs in (%s)" % r.stderr.strip())
        psql(srv, "-c", "ALTER USER carol PASSWORD 'sécond'")
        r = psql(srv, "-At", "-c", "SELECT 1", user="carol", password="first pw")
        ck.check(r.returncode != 0 and "password authentication failed" in r.stderr,
                 "old password refused after ALTER USER")
        r = psql(srv, "-At", "-c", "SELECT current_user", user="carol", password="sécond")
        ck.eq(r.stdout.strip(), "carol", "new (non-ASCII) password accepted")
        psql(srv, "-c", "DROP USER carol")
        r = psql(srv, "-At", "-c", "SELECT 1", user="carol", password="sécond")
        ck.check(r.returncode != 0 and "password authentication failed" in r.stderr,
                 "dropped user refused")

        # server-reported settings psql relies on
        r = psql(srv, "-At", "-c", "SHOW server_version")
        ck.check(r.returncode == 0 and r.stdout.startswith("15"), "server_version 15.x")
    ck.finish()


if __name__ == "__main__":
    main()
