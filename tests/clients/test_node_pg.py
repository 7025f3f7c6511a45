#!/usr/bin/python3
"""node-postgres: installs npm `pg` into tests/clients/node/node_modules (git-ignored) if absent,
then runs node/test_pg.js against a real server."""
import os
import subprocess
import sys

from helios_harness import HeliosServer, parse_args

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")


def main():
    args = parse_args()
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "pg")):
        r = subprocess.run(["npm", "install", "--no-save", "--no-package-lock", "--no-audit",
                            "--no-fund", "--prefix", NODE_DIR, "pg@8"], capture_output=True,
                           text=True, timeout=300)
        if r.returncode != 0:
            print("FAIL - npm install pg: " + r.stderr[-2000:])
            sys.exit(1)
    with HeliosServer(args.bin, args.plugins) as srv:
        r = subprocess.run(["node", os.path.join(NODE_DIR, "test_pg.js")], env=srv.env(),
                           cwd=NODE_DIR, capture_output=True, text=True, timeout=120)
        sys.stdout.write(r.stdout + r.stderr)
        sys.exit(r.returncode)


if __name__ == "__main__":
    main()
