"""Run sqllogictest files over the PostgreSQL wire: start a fresh HeliosDB server (temp data
dir, free loopback port) for each file, run slt_runner --pg against it, stop the server.

    run_wire.py --bin build/bin/heliosdb --plugins build/lib/heliosdb/plugins \
        build/bin/slt_runner [-x rejects.txt] file.test...

Exit status: non-zero when any file had a failing record or the server died."""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients"))
from helios_harness import HeliosServer  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True, help="path of build/bin/heliosdb")
    p.add_argument("--plugins", required=True, help="the build's plugin directory")
    a, rest = p.parse_known_args()
    runner, rest = rest[0], rest[1:]
    opts, files = [], []
    i = 0
    while i < len(rest):
        if rest[i] in ("-x", "-e"):
            opts += rest[i:i + 2]
            i += 2
        elif rest[i] == "-v":
            opts.append(rest[i])
            i += 1
        else:
            files.append(rest[i])
            i += 1
    rc = 0
    for f in files:
        # the corpus loads its data with thousands of autocommitted INSERTs; durability is
        # not what this test checks, so the WAL is not fsynced
        with HeliosServer(a.bin, a.plugins, auth="trust",
                          extra_yaml="storage: {sync_commit: off}\n") as srv:
            r = subprocess.run([runner, "--pg", srv.dsn()] + opts + [f])
            if r.returncode != 0:
                rc = 1
            if not srv.alive():
                print("%s: the server died\n%s" % (f, srv.log_text()))
                rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
