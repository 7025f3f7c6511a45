#!/usr/bin/python3
"""pgbench against the real server: pgbench -i -s 1, then -c 4 -j 2 -T 10 in simple and
prepared (-M prepared) modes, with no failed transactions."""
import re
import subprocess

from helios_harness import Checks, HeliosServer, parse_args


def pgbench(srv, *args, timeout=120):
    return subprocess.run(["pgbench", *args], env=srv.env(), capture_output=True, text=True,
                          timeout=timeout)


def main():
    args = parse_args()
    ck = Checks()
    with HeliosServer(args.bin, args.plugins) as srv:
        r = pgbench(srv, "-i", "-s", "1", "-q")
        ck.eq(r.returncode, 0, "pgbench -i -s 1 (stderr tail: %s)" % r.stderr[-600:])
        for mode in ("simple", "prepared"):
            r = pgbench(srv, "-c", "4", "-j", "2", "-T", "10", "-M", mode, "-n")
            out = r.stdout + r.stderr
            ck.eq(r.returncode, 0, "pgbench -M %s exits 0 (%s)" % (mode, out[-800:]))
            m = re.search(r"number of transactions actually processed: (\d+)", out)
            done = int(m.group(1)) if m else 0
            ck.check(done > 0, "pgbench -M %s processed %d transactions" % (mode, done))
            m = re.search(r"number of failed transactions: (\d+)", out)
            ck.check(m is None or int(m.group(1)) == 0, "pgbench -M %s: no failed transactions"
                     % mode)
            tps = re.search(r"tps = ([\d.]+)", out)
            print("     pgbench -M %s: %s tps" % (mode, tps.group(1) if tps else "?"))
        r = subprocess.run(["psql", "-X", "-At", "-c",
                            "SELECT sum(abalance) = (SELECT sum(delta) FROM pgbench_history) "
                            "FROM pgbench_accounts"], env=srv.env(), capture_output=True,
                           text=True, timeout=60)
        ck.eq(r.stdout.strip(), "t", "balances match the history (%s)" % r.stderr.strip())
    ck.finish()


if __name__ == "__main__":
    main()
