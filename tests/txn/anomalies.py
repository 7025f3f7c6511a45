#!/usr/bin/python3
"""The isolation anomaly suite (Hermitage's scenarios: G0, G1a, G1b, G1c, OTV, PMP, PMP-write,
P4, G-single, G2-item, G2) plus lock and constraint scenarios, each run by the same script
against a PostgreSQL 15 it starts and against HeliosDB, at READ COMMITTED, REPEATABLE READ and
SERIALIZABLE. Prints a table (markdown with --markdown) and fails when HeliosDB's outcome
differs from PostgreSQL's anywhere.

    anomalies.py --bin build/bin/heliosdb --plugins build/lib/heliosdb/plugins [--markdown]
"""
import argparse
import sys

from txnlib import Helios, Postgres, run_script

SETUP = ["DROP TABLE IF EXISTS c_alt", "DROP TABLE IF EXISTS c_casc", "DROP TABLE IF EXISTS c_null", "DROP TABLE IF EXISTS c_rest",
         "DROP TABLE IF EXISTS c_def", "DROP TABLE IF EXISTS test", "CREATE TABLE test (id int PRIMARY KEY, value int)",
         "INSERT INTO test (id, value) VALUES (1, 10), (2, 20)"]
LEVELS = [("RC", "READ COMMITTED"), ("RR", "REPEATABLE READ"), ("SER", "SERIALIZABLE")]


def begin(level):
    return "BEGIN ISOLATION LEVEL " + level


def committed(r):
    return r.err is None


def rows(r):
    return r.rows if r.rows is not None else []


# Each scenario: (name, sessions, steps(level) -> [(session, sql)], classify(results, final))
# classify returns "prevented" or "anomaly" (or, for lock scenarios, a short outcome string).

def g0(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "UPDATE test SET value = 11 WHERE id = 1"),
            (1, "UPDATE test SET value = 12 WHERE id = 1"),
            (0, "UPDATE test SET value = 21 WHERE id = 2"),
            (0, "COMMIT"),
            (1, "UPDATE test SET value = 22 WHERE id = 2"),
            (1, "COMMIT")]


def g0_c(res, final):
    return "prevented" if final in ([(1, 11), (2, 21)], [(1, 12), (2, 22)]) else "anomaly"


def g1a(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "UPDATE test SET value = 101 WHERE id = 1"),
            (1, "SELECT * FROM test ORDER BY id"),
            (0, "ROLLBACK"),
            (1, "SELECT * FROM test ORDER BY id"),
            (1, "COMMIT")]


def g1a_c(res, final):
    seen = rows(res[3]) + rows(res[5])
    return "anomaly" if (1, 101) in seen else "prevented"


def g1b(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "UPDATE test SET value = 101 WHERE id = 1"),
            (1, "SELECT * FROM test ORDER BY id"),
            (0, "UPDATE test SET value = 11 WHERE id = 1"),
            (0, "COMMIT"),
            (1, "SELECT * FROM test ORDER BY id"),
            (1, "COMMIT")]


def g1b_c(res, final):
    seen = rows(res[3]) + rows(res[6])
    return "anomaly" if (1, 101) in seen else "prevented"


def g1c(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "UPDATE test SET value = 11 WHERE id = 1"),
            (1, "UPDATE test SET value = 22 WHERE id = 2"),
            (0, "SELECT * FROM test WHERE id = 2"),
            (1, "SELECT * FROM test WHERE id = 1"),
            (0, "COMMIT"), (1, "COMMIT")]


def g1c_c(res, final):
    return "anomaly" if (2, 22) in rows(res[4]) or (1, 11) in rows(res[5]) else "prevented"


def otv(l):
    return [(0, begin(l)), (1, begin(l)), (2, begin(l)),
            (0, "UPDATE test SET value = 11 WHERE id = 1"),
            (0, "UPDATE test SET value = 19 WHERE id = 2"),
            (1, "UPDATE test SET value = 12 WHERE id = 1"),
            (0, "COMMIT"),
            (2, "SELECT * FROM test ORDER BY id"),
            (1, "UPDATE test SET value = 18 WHERE id = 2"),
            (2, "SELECT * FROM test ORDER BY id"),
            (1, "COMMIT"),
            (2, "SELECT * FROM test ORDER BY id"),
            (2, "COMMIT")]


def otv_c(res, final):
    # T3 must never see part of T2 over T1 (12 with 19) or part of T1 beside T2 (11 with 18)
    for i in (7, 9, 11):
        r = rows(res[i])
        if ((1, 12) in r and (2, 19) in r) or ((1, 11) in r and (2, 18) in r):
            return "anomaly"
    return "prevented"


def pmp(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "SELECT * FROM test WHERE value = 30"),
            (1, "INSERT INTO test (id, value) VALUES (3, 30)"),
            (1, "COMMIT"),
            (0, "SELECT * FROM test WHERE value % 3 = 0"),
            (0, "COMMIT")]


def pmp_c(res, final):
    return "anomaly" if (3, 30) in rows(res[5]) else "prevented"


def pmp_write(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "UPDATE test SET value = value + 10"),
            (1, "SELECT * FROM test WHERE value = 20"),
            (1, "DELETE FROM test WHERE value = 20"),
            (0, "COMMIT"),
            (1, "SELECT * FROM test ORDER BY id"),
            (1, "COMMIT")]


def pmp_write_c(res, final):
    # T2's delete must see T1's update whole (delete id 1, now 20) or fail; deleting
    # nothing while T1's update committed is the anomaly
    if res[4].err is not None:
        return "prevented"
    return "prevented" if final == [(2, 30)] else "anomaly"


def p4(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "SELECT * FROM test WHERE id = 1"),
            (1, "SELECT * FROM test WHERE id = 1"),
            (0, "UPDATE test SET value = 11 WHERE id = 1"),
            (1, "UPDATE test SET value = 11 WHERE id = 1"),
            (0, "COMMIT"),
            (1, "COMMIT")]


def p4_c(res, final):
    return "anomaly" if committed(res[5]) and committed(res[7]) and committed(res[6]) \
        else "prevented"


def gsingle(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "SELECT * FROM test WHERE id = 1"),
            (1, "SELECT * FROM test WHERE id = 1"),
            (1, "SELECT * FROM test WHERE id = 2"),
            (1, "UPDATE test SET value = 12 WHERE id = 1"),
            (1, "UPDATE test SET value = 18 WHERE id = 2"),
            (1, "COMMIT"),
            (0, "SELECT * FROM test WHERE id = 2"),
            (0, "COMMIT")]


def gsingle_c(res, final):
    return "anomaly" if (2, 18) in rows(res[8]) else "prevented"


def g2item(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "SELECT * FROM test WHERE id IN (1, 2)"),
            (1, "SELECT * FROM test WHERE id IN (1, 2)"),
            (0, "UPDATE test SET value = 11 WHERE id = 1"),
            (1, "UPDATE test SET value = 21 WHERE id = 2"),
            (0, "COMMIT"),
            (1, "COMMIT")]


def g2item_c(res, final):
    ok = all(committed(res[i]) for i in (4, 5, 6, 7))
    return "anomaly" if ok and final == [(1, 11), (2, 21)] else "prevented"


def g2(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "SELECT * FROM test WHERE value % 3 = 0"),
            (1, "SELECT * FROM test WHERE value % 3 = 0"),
            (0, "INSERT INTO test (id, value) VALUES (3, 30)"),
            (1, "INSERT INTO test (id, value) VALUES (4, 42)"),
            (0, "COMMIT"),
            (1, "COMMIT")]


def g2_c(res, final):
    return "anomaly" if len(final) == 4 else "prevented"


# ---- locks and constraints (outcome strings compared with PostgreSQL's) ----
def err_or(r, ok="ok"):
    return r.err if r.err else ok


def for_update_nowait(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "SELECT * FROM test WHERE id = 1 FOR UPDATE"),
            (1, "SELECT * FROM test WHERE id = 1 FOR UPDATE NOWAIT"),
            (1, "ROLLBACK"), (1, begin(l)),
            (1, "SELECT id FROM test ORDER BY id FOR UPDATE SKIP LOCKED"),
            (1, "SELECT * FROM test WHERE id = 1 FOR SHARE NOWAIT"),
            (1, "ROLLBACK"), (0, "COMMIT")]


def for_update_nowait_c(res, final):
    return "nowait=%s skip=%s share=%s" % (err_or(res[3]), rows(res[6]), err_or(res[7]))


def lock_timeout(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "UPDATE test SET value = 11 WHERE id = 1"),
            (1, "SET lock_timeout = '200ms'"),
            (1, "UPDATE test SET value = 12 WHERE id = 1"),
            (1, "ROLLBACK"),
            (1, "SET lock_timeout = 0"),
            (1, "SET statement_timeout = '200ms'"),
            (1, "UPDATE test SET value = 12 WHERE id = 1"),
            (1, "SET statement_timeout = 0"),
            (0, "COMMIT")]


def lock_timeout_c(res, final):
    return "lock_timeout=%s statement_timeout=%s" % (err_or(res[4]), err_or(res[8]))


def deadlock(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "UPDATE test SET value = 11 WHERE id = 1"),
            (1, "UPDATE test SET value = 22 WHERE id = 2"),
            (0, "UPDATE test SET value = 12 WHERE id = 2"),
            (1, "UPDATE test SET value = 21 WHERE id = 1"),
            (0, "COMMIT"), (1, "COMMIT")]


def deadlock_c(res, final):
    errs = sorted(e for e in (res[4].err, res[5].err) if e)
    return "errors=%s" % errs


def ddl_deadlock(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "UPDATE test SET value = 11 WHERE id = 1"),
            (1, "UPDATE test SET value = 12 WHERE id = 1"),
            (0, "CREATE INDEX test_value ON test (value)"),
            (0, "ROLLBACK"), (1, "ROLLBACK")]


def ddl_deadlock_c(res, final):
    return "40P01_count=%d" % sum(1 for r in (res[3], res[4]) if r.err == "40P01")


def set_transaction(l):
    return [(0, begin(l)),
            (0, "SELECT 1"),
            (0, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"),
            (0, "ROLLBACK"),
            (0, "BEGIN"),
            (0, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"),
            (0, "SHOW transaction_isolation"),
            (0, "COMMIT"),
            (0, "SET statement_timeout = '200ms'"),
            (0, "SELECT pg_sleep(3)"),
            (0, "SET statement_timeout = 0")]


def set_transaction_c(res, final):
    return "late_set=%s level=%s sleep=%s" % (err_or(res[2]), rows(res[6]), err_or(res[9]))


def autocommit_level(l):
    # an autocommitted statement is a transaction at default_transaction_isolation
    return [(1, "SET default_transaction_isolation = '%s'" % l.lower()),
            (0, "BEGIN"),
            (0, "UPDATE test SET value = 11 WHERE id = 1"),
            (1, "UPDATE test SET value = value + 100 WHERE id = 1"),
            (0, "COMMIT"),
            (1, "SHOW transaction_isolation"),
            (1, "SET default_transaction_isolation = 'read committed'")]


def autocommit_level_c(res, final):
    return "update=%s level=%s final=%s" % (err_or(res[3]), rows(res[5]), final)


def error_releases(l):
    # an error aborts the transaction at once: its row locks do not wait for ROLLBACK
    return [(0, begin(l)), (1, begin(l)),
            (0, "UPDATE test SET value = 11 WHERE id = 1"),
            (0, "SELECT 1 / 0"),
            (1, "UPDATE test SET value = 12 WHERE id = 1"),
            (1, "COMMIT"),
            (0, "ROLLBACK")]


def error_releases_c(res, final):
    return "error=%s second=%s%s final=%s" % (res[3].err, err_or(res[4]),
                                              " (waited)" if res[4].blocked else "", final)


def dup_insert(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "INSERT INTO test VALUES (5, 50)"),
            (1, "INSERT INTO test VALUES (5, 51)"),
            (0, "COMMIT"), (1, "COMMIT")]


def dup_insert_c(res, final):
    return "second=%s rows5=%s" % (err_or(res[3]), [r for r in final if r[0] == 5])


def savepoints(l):
    return [(0, begin(l)),
            (0, "INSERT INTO test VALUES (3, 30)"),
            (0, "SAVEPOINT a"),
            (0, "INSERT INTO test VALUES (4, 40)"),
            (0, "SAVEPOINT b"),
            (0, "UPDATE test SET value = 0"),
            (0, "ROLLBACK TO SAVEPOINT b"),
            (0, "INSERT INTO test VALUES (4, 41)"),
            (0, "SELECT count(*) FROM test"),
            (0, "RELEASE SAVEPOINT a"),
            (0, "ROLLBACK TO SAVEPOINT a"),
            (0, "COMMIT")]


def savepoints_c(res, final):
    return "dup=%s aborted=%s final=%s" % (res[7].err, res[8].err, final)


def sp_recover(l):
    return [(0, begin(l)),
            (0, "SAVEPOINT s"),
            (0, "INSERT INTO test VALUES (1, 99)"),
            (0, "SELECT 1"),
            (0, "ROLLBACK TO SAVEPOINT s"),
            (0, "UPDATE test SET value = value + 1 WHERE id = 2"),
            (0, "COMMIT")]


def sp_recover_c(res, final):
    return "dup=%s then=%s final=%s" % (res[2].err, res[3].err, final)


def rc_recheck(l):
    # READ COMMITTED's re-check of the updated row: T2 waits for T1, then applies to the
    # newest version (value + 1 on T1's 11 gives 12) and skips a row no longer matching
    return [(0, begin(l)), (1, begin(l)),
            (0, "UPDATE test SET value = value + 1 WHERE id = 1"),
            (1, "UPDATE test SET value = value + 1 WHERE id = 1"),
            (0, "COMMIT"), (1, "COMMIT")]


def rc_recheck_c(res, final):
    return "second=%s final=%s" % (err_or(res[3]), final)


FK_SETUP = SETUP + [
    "CREATE TABLE c_casc (id int PRIMARY KEY, pid int REFERENCES test (id) ON DELETE CASCADE "
    "ON UPDATE CASCADE)",
    "CREATE TABLE c_null (id int PRIMARY KEY, pid int REFERENCES test ON DELETE SET NULL)",
    "CREATE TABLE c_rest (id int PRIMARY KEY, pid int, FOREIGN KEY (pid) REFERENCES test (id))",
    "CREATE TABLE c_def (id int PRIMARY KEY, pid int DEFAULT 2 REFERENCES test "
    "ON DELETE SET DEFAULT ON UPDATE RESTRICT)"]


def fk_actions(l):
    return [(0, "INSERT INTO c_casc VALUES (1, 1), (2, 2)"),
            (0, "INSERT INTO c_null VALUES (1, 1), (2, NULL)"),
            (0, "INSERT INTO c_rest VALUES (1, 2)"),
            (0, "INSERT INTO c_def VALUES (1, 1)"),
            (0, "INSERT INTO c_rest VALUES (2, 99)"),
            (0, "DELETE FROM test WHERE id = 2"),
            (0, begin(l)),
            (0, "DELETE FROM test WHERE id = 1"),
            (0, "SELECT 'casc', * FROM c_casc UNION ALL SELECT 'null', * FROM c_null UNION ALL "
                "SELECT 'def', * FROM c_def ORDER BY 1, 2"),
            (0, "COMMIT"),
            (0, "UPDATE test SET id = 3 WHERE id = 2"),
            (0, "DELETE FROM c_rest; DELETE FROM c_def"),
            (0, "UPDATE test SET id = 3 WHERE id = 2"),
            (0, "SELECT * FROM c_casc")]


def fk_actions_c(res, final):
    return "bad_child=%s restrict=%s after_delete=%s upd_restrict=%s casc_upd=%s final=%s" % (
        res[4].err, res[5].err, rows(res[8]), res[10].err, rows(res[13]), final)


def fk_alter(l):
    return [(0, "CREATE TABLE c_alt (id int PRIMARY KEY, pid int)"),
            (0, "INSERT INTO c_alt VALUES (1, 1), (2, 5), (3, NULL)"),
            (0, "ALTER TABLE c_alt ADD CONSTRAINT c_alt_fk FOREIGN KEY (pid) REFERENCES test (id) "
                "ON DELETE CASCADE"),
            (0, "DELETE FROM c_alt WHERE id = 2"),
            (0, "ALTER TABLE c_alt ADD CONSTRAINT c_alt_fk FOREIGN KEY (pid) REFERENCES test (id) "
                "ON DELETE CASCADE"),
            (0, begin(l)),
            (0, "INSERT INTO c_alt VALUES (4, 7)"),
            (0, "ROLLBACK"),
            (0, "DELETE FROM test WHERE id = 1"),
            (0, "SELECT * FROM c_alt ORDER BY id"),
            (0, "DROP TABLE test")]


def fk_alter_c(res, final):
    return "bad_rows=%s add=%s insert=%s after_cascade=%s drop_parent=%s" % (
        res[2].err, err_or(res[4]), res[6].err, rows(res[9]), res[10].err)


def fk_race_child_first(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "INSERT INTO c_rest VALUES (5, 1)"),
            (1, "DELETE FROM test WHERE id = 1"),
            (0, "COMMIT"),
            (1, "COMMIT")]


def fk_race_child_first_c(res, final):
    return "delete=%s%s final=%s" % (err_or(res[3]), " (waited)" if res[3].blocked else "", final)


def fk_race_parent_first(l):
    return [(0, begin(l)), (1, begin(l)),
            (0, "DELETE FROM test WHERE id = 1"),
            (1, "INSERT INTO c_rest VALUES (6, 1)"),
            (0, "COMMIT"),
            (1, "COMMIT")]


def fk_race_parent_first_c(res, final):
    return "insert=%s%s final=%s" % (err_or(res[3]), " (waited)" if res[3].blocked else "", final)


ANOMALIES = [("G0", 2, g0, g0_c), ("G1a", 2, g1a, g1a_c), ("G1b", 2, g1b, g1b_c),
             ("G1c", 2, g1c, g1c_c), ("OTV", 3, otv, otv_c), ("PMP", 2, pmp, pmp_c),
             ("PMP-write", 2, pmp_write, pmp_write_c), ("P4", 2, p4, p4_c),
             ("G-single", 2, gsingle, gsingle_c), ("G2-item", 2, g2item, g2item_c),
             ("G2", 2, g2, g2_c)]
LOCKS = [("FOR UPDATE NOWAIT / SKIP LOCKED", 2, for_update_nowait, for_update_nowait_c),
         ("lock_timeout / statement_timeout", 2, lock_timeout, lock_timeout_c),
         ("deadlock", 2, deadlock, deadlock_c),
         ("deadlock through DDL", 2, ddl_deadlock, ddl_deadlock_c),
         ("SET TRANSACTION, statement_timeout", 1, set_transaction, set_transaction_c),
         ("an error releases the row locks", 2, error_releases, error_releases_c),
         ("autocommit at default_transaction_isolation", 2, autocommit_level,
          autocommit_level_c),
         ("concurrent duplicate key", 2, dup_insert, dup_insert_c),
         ("savepoints", 1, savepoints, savepoints_c),
         ("error, ROLLBACK TO, go on", 1, sp_recover, sp_recover_c),
         ("concurrent update re-check", 2, rc_recheck, rc_recheck_c),
         ("FOREIGN KEY actions", 1, fk_actions, fk_actions_c, FK_SETUP),
         ("ALTER TABLE ADD FOREIGN KEY", 1, fk_alter, fk_alter_c, FK_SETUP),
         ("FK: child insert, then parent delete", 2, fk_race_child_first, fk_race_child_first_c,
          FK_SETUP),
         ("FK: parent delete, then child insert", 2, fk_race_parent_first,
          fk_race_parent_first_c, FK_SETUP)]


def run_all(db, scenarios):
    out = {}
    for sc in scenarios:
        name, n, steps, classify = sc[:4]
        setup = sc[4] if len(sc) > 4 else SETUP
        for short, level in LEVELS:
            res, final = run_script(db, setup, steps(level), n)
            out[(name, short)] = classify(res, final)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    scen = ANOMALIES + LOCKS
    if a.only:
        scen = [s for s in scen if s[0] in a.only.split("|")]
    with Postgres(fsync=False) as pg:
        pgres = run_all(pg, scen)
    with Helios(a.bin, a.plugins) as h:
        hres = run_all(h, scen)
    bad = 0
    if a.markdown:
        print("| scenario | level | PostgreSQL 15 | HeliosDB | same |")
        print("|---|---|---|---|---|")
    for sc in scen:
        name = sc[0]
        for short, _ in LEVELS:
            p, h = pgres[(name, short)], hres[(name, short)]
            same = p == h
            bad += not same
            if a.markdown:
                print("| %s | %s | %s | %s | %s |" % (name, short, p, h, "yes" if same else "**NO**"))
            else:
                print("%-4s %-34s %-4s pg: %-30s helios: %s" % ("ok" if same else "FAIL", name,
                                                              short, p, h))
    print("%d outcomes differ from PostgreSQL 15" % bad)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
