/* bench/embedded/bench_embedded.c -- HeliosDB's embedded API against SQLite on the same
 * machine, same durability (HeliosDB: fsync on commit; SQLite: WAL, synchronous=FULL):
 *   1. N single-row INSERTs in one transaction
 *   2. N single-row INSERTs, each autocommitted (one durable commit each)
 *   3. N primary-key point SELECTs, each reading its value as text
 * Prints operations per second for both and the ratio HeliosDB/SQLite.
 *
 *   bench_embedded [-n N] [-a N_AUTOCOMMIT] [-d DIR] [-r ROUNDS] [-o helios|sqlite]
 *
 * For profiling: -o runs one engine only, -a 0 skips the autocommit workload, and
 * BENCH_TXN_ONLY=1 in the environment stops HeliosDB's round after the transaction workload.
 */
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "heliosdb.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds of the whole process (HeliosDB's background threads included) */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die_h(const char *what, int32_t rc, helios_err_t *err)
{
    char st[6];
    helios_sqlstate_str(rc, st);
    fprintf(stderr, "helios %s: %s %s\n", what, st, err->message);
    exit(1);
}

static void die_s(const char *what, sqlite3 *db)
{
    fprintf(stderr, "sqlite %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

static uint64_t mix(uint64_t i)
{
    /* a permutation of the keys so lookups are not sequential */
    return (i * 2654435761u) % 1000003u;
}

typedef struct res {
    double txn, autoc, sel;    /* operations per second of elapsed time */
    double ctxn, cautoc, csel; /* operations per CPU second */
    long vbytes;               /* bytes of the values the SELECTs read (both engines equal) */
} res_t;

static res_t run_helios(const char *dir, long n, long na)
{
    res_t r = {0};
    helios_err_t err = HELIOS_ERR_INIT;
    helios_engine_t *eng;
    int32_t rc;
    heliosdb_options_t o = {.size = sizeof o};
    if ((rc = heliosdb_open(dir, &o, &eng, &err)) != 0)
        die_h("open", rc, &err);
    helios_session_t *s;
    if ((rc = heliosdb_connect(eng, NULL, &s, &err)) != 0)
        die_h("connect", rc, &err);
    if ((rc = heliosdb_exec(s, "CREATE TABLE kv (k bigint PRIMARY KEY, v text)", &err)) != 0)
        die_h("create", rc, &err);
    heliosdb_stmt_t *ins, *sel;
    if ((rc = heliosdb_prepare(s, "INSERT INTO kv VALUES ($1, $2)", &ins, &err)) != 0)
        die_h("prepare", rc, &err);
    char val[64];
    double t0 = now_s(), c0 = cpu_s();
    if ((rc = heliosdb_exec(s, "BEGIN", &err)) != 0)
        die_h("begin", rc, &err);
    for (long i = 0; i < n; i++) {
        snprintf(val, sizeof val, "value-%ld", i);
        heliosdb_bind_int64(ins, 1, (int64_t)mix((uint64_t)i));
        heliosdb_bind_text(ins, 2, val, -1);
        if ((rc = heliosdb_step(ins, &err)) != 0)
            die_h("insert", rc, &err);
        heliosdb_reset(ins);
    }
    if ((rc = heliosdb_exec(s, "COMMIT", &err)) != 0)
        die_h("commit", rc, &err);
    r.txn = n / (now_s() - t0);
    r.ctxn = n / (cpu_s() - c0);
    if (getenv("BENCH_TXN_ONLY") != NULL) {
        /* profiling the transaction case alone */
        heliosdb_finalize(ins);
        heliosdb_disconnect(s);
        heliosdb_close(eng);
        r.autoc = r.sel = r.cautoc = r.csel = 1;
        return r;
    }
    t0 = now_s();
    c0 = cpu_s();
    for (long i = 0; i < na; i++) {
        snprintf(val, sizeof val, "auto-%ld", i);
        heliosdb_bind_int64(ins, 1, 2000000 + i);
        heliosdb_bind_text(ins, 2, val, -1);
        if ((rc = heliosdb_step(ins, &err)) != 0)
            die_h("insert", rc, &err);
        heliosdb_reset(ins);
    }
    r.autoc = na > 0 ? na / (now_s() - t0) : 1;
    r.cautoc = na > 0 ? na / (cpu_s() - c0) : 1;
    if ((rc = heliosdb_prepare(s, "SELECT v FROM kv WHERE k = $1", &sel, &err)) != 0)
        die_h("prepare", rc, &err);
    long found = 0;
    t0 = now_s();
    c0 = cpu_s();
    for (long i = 0; i < n; i++) {
        heliosdb_bind_int64(sel, 1, (int64_t)mix((uint64_t)((i * 7919) % n)));
        while ((rc = heliosdb_step(sel, &err)) == HELIOSDB_ROW) {
            const char *v = heliosdb_column_text(sel, 0);
            r.vbytes += v != NULL ? strlen(v) : 0;
            found++;
        }
        if (rc != 0)
            die_h("select", rc, &err);
        heliosdb_reset(sel);
    }
    r.sel = n / (now_s() - t0);
    r.csel = n / (cpu_s() - c0);
    if (found != n) {
        fprintf(stderr, "helios: found %ld of %ld keys\n", found, n);
        exit(1);
    }
    heliosdb_finalize(ins);
    heliosdb_finalize(sel);
    heliosdb_disconnect(s);
    heliosdb_close(eng);
    return r;
}

static res_t run_sqlite(const char *path, long n, long na)
{
    res_t r = {0};
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die_s("open", db);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, NULL);
    if (sqlite3_exec(db, "CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)", NULL, NULL, NULL) !=
        SQLITE_OK)
        die_s("create", db);
    sqlite3_stmt *ins, *sel;
    sqlite3_prepare_v2(db, "INSERT INTO kv VALUES (?1, ?2)", -1, &ins, NULL);
    char val[64];
    double t0 = now_s(), c0 = cpu_s();
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (long i = 0; i < n; i++) {
        snprintf(val, sizeof val, "value-%ld", i);
        sqlite3_bind_int64(ins, 1, (sqlite3_int64)mix((uint64_t)i));
        sqlite3_bind_text(ins, 2, val, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins) != SQLITE_DONE)
            die_s("insert", db);
        sqlite3_reset(ins);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    r.txn = n / (now_s() - t0);
    r.ctxn = n / (cpu_s() - c0);
    t0 = now_s();
    c0 = cpu_s();
    for (long i = 0; i < na; i++) {
        snprintf(val, sizeof val, "auto-%ld", i);
        sqlite3_bind_int64(ins, 1, 2000000 + i);
        sqlite3_bind_text(ins, 2, val, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins) != SQLITE_DONE)
            die_s("insert", db);
        sqlite3_reset(ins);
    }
    r.autoc = na > 0 ? na / (now_s() - t0) : 1;
    r.cautoc = na > 0 ? na / (cpu_s() - c0) : 1;
    sqlite3_prepare_v2(db, "SELECT v FROM kv WHERE k = ?1", -1, &sel, NULL);
    long found = 0;
    t0 = now_s();
    c0 = cpu_s();
    for (long i = 0; i < n; i++) {
        sqlite3_bind_int64(sel, 1, (sqlite3_int64)mix((uint64_t)((i * 7919) % n)));
        while (sqlite3_step(sel) == SQLITE_ROW) {
            const unsigned char *v = sqlite3_column_text(sel, 0);
            r.vbytes += v != NULL ? strlen((const char *)v) : 0;
            found++;
        }
        sqlite3_reset(sel);
    }
    r.sel = n / (now_s() - t0);
    r.csel = n / (cpu_s() - c0);
    if (found != n) {
        fprintf(stderr, "sqlite: found %ld of %ld keys\n", found, n);
        exit(1);
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    sqlite3_close(db);
    return r;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median1(const res_t *r, int n, size_t off)
{
    double a[9];
    for (int i = 0; i < n; i++)
        memcpy(&a[i], (const char *)&r[i] + off, sizeof(double));
    qsort(a, (size_t)n, sizeof(double), cmp_d);
    return a[n / 2];
}

static res_t median(res_t *r, int n)
{
    res_t m = {median1(r, n, offsetof(res_t, txn)),
               median1(r, n, offsetof(res_t, autoc)),
               median1(r, n, offsetof(res_t, sel)),
               median1(r, n, offsetof(res_t, ctxn)),
               median1(r, n, offsetof(res_t, cautoc)),
               median1(r, n, offsetof(res_t, csel)),
               r[0].vbytes};
    return m;
}

int main(int argc, char **argv)
{
    long n = 100000, na = 100000;
    const char *base = "/tmp";
    const char *only = NULL; /* -o helios|sqlite: profile one side */
    int rounds = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-n") == 0)
            n = atol(argv[i + 1]);
        else if (strcmp(argv[i], "-a") == 0)
            na = atol(argv[i + 1]);
        else if (strcmp(argv[i], "-d") == 0)
            base = argv[i + 1];
        else if (strcmp(argv[i], "-o") == 0)
            only = argv[i + 1];
        else if (strcmp(argv[i], "-r") == 0)
            rounds = atoi(argv[i + 1]);
    }
    /* rounds alternate HeliosDB and SQLite so both see the same machine load; medians */
    enum { MAXR = 9 };
    res_t hr[MAXR], sr[MAXR];
    if (rounds < 1)
        rounds = 1;
    if (rounds > MAXR)
        rounds = MAXR;
    char cmd[8400];
    for (int k = 0; k < rounds; k++) {
        char dir[4096], sq[4200], hd[4200];
        snprintf(dir, sizeof dir, "%s/helios-bench-XXXXXX", base);
        if (mkdtemp(dir) == NULL) {
            perror("mkdtemp");
            return 1;
        }
        snprintf(sq, sizeof sq, "%s/sqlite.db", dir);
        snprintf(hd, sizeof hd, "%s/helios", dir);
        res_t none = {1, 1, 1, 1, 1, 1, 0};
        hr[k] = only == NULL || strcmp(only, "helios") == 0 ? run_helios(hd, n, na) : none;
        sr[k] = only == NULL || strcmp(only, "sqlite") == 0 ? run_sqlite(sq, n, na) : none;
        if (only == NULL && hr[k].vbytes != sr[k].vbytes) {
            fprintf(stderr, "the SELECTs read %ld value bytes from HeliosDB, %ld from SQLite\n",
                    hr[k].vbytes, sr[k].vbytes);
            return 1;
        }
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            return 1;
    }
    res_t h = median(hr, rounds), s = median(sr, rounds);
    printf("median of %d rounds                   HeliosDB ops/s   SQLite ops/s   ratio\n", rounds);
    printf("%-6ld INSERTs in one transaction   %14.0f %14.0f %7.2fx\n", n, h.txn, s.txn,
           h.txn / s.txn);
    printf("%-6ld INSERTs, each autocommitted  %14.0f %14.0f %7.2fx\n", na, h.autoc, s.autoc,
           h.autoc / s.autoc);
    printf("%-6ld primary-key point SELECTs    %14.0f %14.0f %7.2fx\n", n, h.sel, s.sel,
           h.sel / s.sel);
    /* per CPU second of the process: what each engine costs, apart from waiting for fsync
       and from other processes taking the CPU on a busy machine */
    printf("per CPU second (median)              HeliosDB ops/s   SQLite ops/s   ratio\n");
    printf("%-6ld INSERTs in one transaction   %14.0f %14.0f %7.2fx\n", n, h.ctxn, s.ctxn,
           h.ctxn / s.ctxn);
    printf("%-6ld INSERTs, each autocommitted  %14.0f %14.0f %7.2fx\n", na, h.cautoc, s.cautoc,
           h.cautoc / s.cautoc);
    printf("%-6ld primary-key point SELECTs    %14.0f %14.0f %7.2fx\n", n, h.csel, s.csel,
           h.csel / s.csel);
    return 0;
}
