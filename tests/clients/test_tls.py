#!/usr/bin/python3
"""TLS and authentication with real clients: a test CA generated here, sslmode=require and
verify-full (psql and psycopg2), SCRAM channel binding (channel_binding=require), a wrong
password rejected over TLS, a server without TLS refusing sslmode=require cleanly, and cancel of
SELECT pg_sleep(30) returning within a second."""
import os
import subprocess
import threading
import time

import psycopg2

from helios_harness import Checks, HeliosServer, parse_args


def make_ca(d):
    def run(*a):
        subprocess.run(a, check=True, capture_output=True, cwd=d)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=HeliosDB Test CA")
    run("openssl", "req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj",
        "/CN=localhost")
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.ext")
    # an unrelated CA, for a verify-full that must fail
    run("openssl", "req", "-x509", *ec, "-keyout", "other.key", "-out", "other.crt", "-days",
        "2", "-subj", "/CN=Other CA")
    os.chmod(os.path.join(d, "server.key"), 0o600)
    return {k: os.path.join(d, k) for k in ("ca.crt", "server.crt", "server.key", "other.crt")}


def main():
    args = parse_args()
    ck = Checks()
    import tempfile
    certdir = tempfile.mkdtemp(prefix="helios-tls-")
    f = make_ca(certdir)
    with HeliosServer(args.bin, args.plugins, tls=(f["server.crt"], f["server.key"])) as srv:
        conn = psycopg2.connect(srv.dsn(sslmode="require"))
        ck.check(conn.info.ssl_in_use, "sslmode=require: TLS in use")
        cur = conn.cursor()
        cur.execute("SELECT 1")
        ck.eq(cur.fetchone()[0], 1, "query over TLS")
        conn.close()

        conn = psycopg2.connect(srv.dsn(sslmode="verify-full", sslrootcert=f["ca.crt"]))
        ck.check(conn.info.ssl_in_use and conn.info.ssl_attribute("protocol") in
                 ("TLSv1.2", "TLSv1.3"), "verify-full with the test CA (%s)"
                 % conn.info.ssl_attribute("protocol"))
        conn.close()

        conn = psycopg2.connect(srv.dsn(sslmode="require", channel_binding="require"))
        ck.check(conn.info.ssl_in_use, "SCRAM-SHA-256-PLUS with channel_binding=require")
        conn.close()

        try:
            psycopg2.connect(srv.dsn(sslmode="verify-full", sslrootcert=f["other.crt"]))
            ck.check(False, "verify-full against another CA fails")
        except psycopg2.OperationalError as e:
            ck.check("certificate verify failed" in str(e), "verify-full against another CA "
                     "fails (%s)" % str(e).strip()[:120])

        try:
            psycopg2.connect(srv.dsn(password="wrong", sslmode="require"))
            ck.check(False, "wrong password over TLS refused")
        except psycopg2.OperationalError as e:
            ck.check("password authentication failed" in str(e),
                     "wrong password over TLS refused (%s)" % str(e).strip()[:120])

        r = subprocess.run(["psql", "-X", "-At", "-c", "SELECT 'tls-psql'", "-c", "\\conninfo"],
                           env=srv.env(PGSSLMODE="verify-full", PGSSLROOTCERT=f["ca.crt"]),
                           capture_output=True, text=True, timeout=30)
        ck.check(r.returncode == 0 and "tls-psql" in r.stdout and "SSL connection" in r.stdout,
                 "psql sslmode=verify-full (%s)" % (r.stdout + r.stderr).strip()[:200])

        # cancel a long sleep (CancelRequest arrives on a new plain connection)
        conn = psycopg2.connect(srv.dsn(sslmode="require"))
        conn.autocommit = True
        cur = conn.cursor()
        timer = threading.Timer(0.3, conn.cancel)
        timer.start()
        t0 = time.time()
        try:
            cur.execute("SELECT pg_sleep(30)")
            ck.check(False, "pg_sleep(30) cancelled")
        except psycopg2.errors.QueryCanceled as e:
            took = time.time() - t0 - 0.3
            ck.check(took < 1.0 and e.pgcode == "57014",
                     "cancel of pg_sleep(30) returned %.2fs after the request" % took)
        cur.execute("SELECT 2")
        ck.eq(cur.fetchone()[0], 2, "session usable after cancel")
        conn.close()

    with HeliosServer(args.bin, args.plugins, auth="password") as srv:
        try:
            psycopg2.connect(srv.dsn(sslmode="require"))
            ck.check(False, "sslmode=require against a server without TLS fails")
        except psycopg2.OperationalError as e:
            ck.check("does not support SSL" in str(e), "no TLS: refused cleanly (%s)"
                     % str(e).strip()[:100])
        conn = psycopg2.connect(srv.dsn(sslmode="prefer"))
        ck.check(not conn.info.ssl_in_use, "sslmode=prefer falls back to plain text")
        conn.close()
        try:
            psycopg2.connect(srv.dsn(password="bad"))
            ck.check(False, "auth: password with a wrong password refused")
        except psycopg2.OperationalError as e:
            ck.check("password authentication failed" in str(e), "auth: password refuses a "
                     "wrong password")

    with HeliosServer(args.bin, args.plugins, auth="trust") as srv:
        conn = psycopg2.connect(srv.dsn(password="anything"))
        ck.check(conn.closed == 0, "auth: trust accepts any password")
        conn.close()
    import shutil
    shutil.rmtree(certdir, ignore_errors=True)
    ck.finish()


if __name__ == "__main__":
    main()
