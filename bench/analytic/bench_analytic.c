/* bench/analytic/bench_analytic.c -- analytic queries over one table of N rows (default 1M):
 *   CREATE TABLE t (a int, b int, c float8, d text)
 * run through HeliosDB's embedded API with the vectorized executor on and off
 * (SET helios.vectorize) and through SQLite, in the same process and run. Each query runs R
 * times (default 5) per engine after one warm-up, the engines taking turns; the median time is
 * printed with the ratios
 * row-path/vectorized and SQLite/vectorized (> 1: the vectorized HeliosDB is faster), and the
 * first result row of each engine so a wrong answer shows. Engines and queries alternate
 * query by query, so a change in the machine's load hits all three alike.
 *
 *   bench_analytic [-n ROWS] [-r ROUNDS] [-d DIR] [-q QUERY_INDEX] [-e ENGINES]
 *
 * ENGINES (default "vrs") picks what runs: v vectorized, r row path, s SQLite (for perf).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "heliosdb.h"

static const char *queries[] = {
    "SELECT count(*) FROM t WHERE b < 500",
    "SELECT sum(a), avg(c) FROM t",
    "SELECT b % 100, count(*), sum(c) FROM t GROUP BY 1",
    "SELECT a + b * 2 FROM t WHERE c > 0.5 LIMIT 10",
    "SELECT count(*), min(a), max(c) FROM t WHERE a % 7 = 3 AND c < 0.9",
    "SELECT b, count(*), avg(a) FROM t WHERE c < 0.2 GROUP BY b ORDER BY 2 DESC, 1 LIMIT 5",
    "SELECT count(*) FROM t WHERE d LIKE 'v1%'",
};
#define NQ (sizeof queries / sizeof queries[0])

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die_h(const char *what, int32_t rc, helios_err_t *err)
{
    char st[6];
    helios_sqlstate_str(rc, st);
    fprintf(stderr, "helios %s: %s %s\n", what, st, err->message);
    exit(1);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* run sql once; the first row's text into first; a failed statement (the row path can run
   out of work_mem where the vectorized one streams) gives -1 and "error SQLSTATE" */
static double run_h(helios_session_t *s, const char *sql, char *first, size_t cap)
{
    helios_err_t err = HELIOS_ERR_INIT;
    heliosdb_stmt_t *st;
    int32_t rc;
    double t0 = now_s();
    if ((rc = heliosdb_prepare(s, sql, &st, &err)) != 0) die_h(sql, rc, &err);
    size_t o = 0;
    long rows = 0;
    first[0] = 0;
    while ((rc = heliosdb_step(st, &err)) == HELIOSDB_ROW) {
        if (rows++ == 0) {
            for (uint32_t c = 0; c < heliosdb_column_count(st); c++) {
                const char *t = heliosdb_column_text(st, c);
                o += (size_t)snprintf(first + o, cap - o, "%s%s", c ? "|" : "", t ? t : "NULL");
                if (o >= cap) o = cap - 1;
            }
        }
    }
    heliosdb_finalize(st);
    if (rc != 0) {
        char code[6];
        helios_sqlstate_str(rc, code);
        snprintf(first, cap, "error %s %.100s", code, err.message);
        return -1;
    }
    return now_s() - t0;
}

static double run_s(sqlite3 *db, const char *sql, char *first, size_t cap)
{
    sqlite3_stmt *st;
    double t0 = now_s();
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite %s: %s\n", sql, sqlite3_errmsg(db));
        exit(1);
    }
    size_t o = 0;
    long rows = 0;
    first[0] = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (rows++ == 0) {
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const unsigned char *t = sqlite3_column_text(st, c);
                o += (size_t)snprintf(first + o, cap - o, "%s%s", c ? "|" : "",
                                      t ? (const char *)t : "NULL");
                if (o >= cap) o = cap - 1;
            }
        }
    }
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "sqlite %s: %s\n", sql, sqlite3_errmsg(db));
        exit(1);
    }
    sqlite3_finalize(st);
    return now_s() - t0;
}

static void exec_h(helios_session_t *s, const char *sql)
{
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t rc = heliosdb_exec(s, sql, &err);
    if (rc != 0) die_h(sql, rc, &err);
}

int main(int argc, char **argv)
{
    long n = 1000000;
    int rounds = 5, only = -1;
    const char *base = NULL, *eng_sel = "vrs";
    int opt;
    while ((opt = getopt(argc, argv, "n:r:d:q:e:")) != -1) {
        if (opt == 'n') n = atol(optarg);
        else if (opt == 'r') rounds = atoi(optarg);
        else if (opt == 'd') base = optarg;
        else if (opt == 'q') only = atoi(optarg);
        else if (opt == 'e') eng_sel = optarg;
        else {
            fprintf(stderr, "usage: %s [-n ROWS] [-r ROUNDS] [-d DIR] [-q QUERY] [-e vrs]\n",
                    argv[0]);
            return 2;
        }
    }
    if (rounds < 1) rounds = 1;
    char dir[400];
    snprintf(dir, sizeof dir, "%s/helios_analytic_XXXXXX", base ? base : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    char hdir[600], spath[600];
    snprintf(hdir, sizeof hdir, "%s/helios", dir);
    snprintf(spath, sizeof spath, "%s/sqlite.db", dir);

    /* load both */
    helios_err_t err = HELIOS_ERR_INIT;
    helios_engine_t *eng;
    helios_session_t *s;
    int32_t rc;
    heliosdb_options_t o = {.size = sizeof o};
    if ((rc = heliosdb_open(hdir, &o, &eng, &err)) != 0) die_h("open", rc, &err);
    if ((rc = heliosdb_connect(eng, NULL, &s, &err)) != 0) die_h("connect", rc, &err);
    char sql[512];
    double t0 = now_s();
    exec_h(s, "CREATE TABLE t (a int, b int, c float8, d text)");
    /* in chunks: one statement's write set stays small */
    for (long lo = 1; lo <= n; lo += 100000) {
        long hi = lo + 99999 < n ? lo + 99999 : n;
        snprintf(sql, sizeof sql,
                 "INSERT INTO t SELECT i, (i::int8 * 7919) %% 1000, ((i * 31) %% 1000) / 1000.0, "
                 "'v' || i FROM generate_series(%ld, %ld) i", lo, hi);
        exec_h(s, sql);
    }
    double load_h = now_s() - t0;
    sqlite3 *db;
    if (sqlite3_open(spath, &db) != SQLITE_OK) return 1;
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA cache_size=-262144;", NULL, NULL, NULL);
    t0 = now_s();
    sqlite3_exec(db, "CREATE TABLE t (a int, b int, c float8, d text)", NULL, NULL, NULL);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?1, ?2, ?3, ?4)", -1, &ins, NULL);
    for (long i = 1; i <= n; i++) {
        char d[32];
        snprintf(d, sizeof d, "v%ld", i);
        sqlite3_bind_int64(ins, 1, i);
        sqlite3_bind_int64(ins, 2, (i * 7919) % 1000);
        sqlite3_bind_double(ins, 3, (double)((i * 31) % 1000) / 1000.0);
        sqlite3_bind_text(ins, 4, d, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins) != SQLITE_DONE) return 1;
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    double load_s = now_s() - t0;
    printf("rows %ld, rounds %d (median ms); load: helios %.2f s, sqlite %.2f s\n", n, rounds,
           load_h, load_s);
    printf("%-3s %10s %10s %10s %9s %9s  query\n", "q", "vec_ms", "row_ms", "sqlite_ms",
           "row/vec", "sqlite/vec");
    double *tv = malloc(sizeof(double) * (size_t)rounds * 3);
    for (size_t q = 0; q < NQ; q++) {
        if (only >= 0 && (size_t)only != q) continue;
        char fv[256], fr[256], fs[256];
        double *a = tv, *b = tv + rounds, *c = tv + 2 * rounds;
        for (int r = 0; r < 3 * rounds; r++) tv[r] = 0;
        fv[0] = fr[0] = fs[0] = 0;
        int ev = strchr(eng_sel, 'v') != NULL, er = strchr(eng_sel, 'r') != NULL,
            es = strchr(eng_sel, 's') != NULL;
        for (int r = -1; r < rounds; r++) { /* round -1 warms up; the engines take turns */
            double x;
            if (ev) {
                exec_h(s, "SET helios.vectorize = on");
                x = run_h(s, queries[q], fv, sizeof fv);
                if (r >= 0) a[r] = x;
            }
            if (er) {
                exec_h(s, "SET helios.vectorize = off");
                x = run_h(s, queries[q], fr, sizeof fr);
                if (r >= 0) b[r] = x;
            }
            if (es) {
                x = run_s(db, queries[q], fs, sizeof fs);
                if (r >= 0) c[r] = x;
            }
        }
        double mv = median(a, rounds) * 1e3, mr = median(b, rounds) * 1e3,
               ms = median(c, rounds) * 1e3;
        if (mr < 0) {
            printf("Q%-2zu %10.1f %10s %10.1f %9s %8.2fx  %s\n", q + 1, mv, "error", ms, "-",
                   ms / mv, queries[q]);
        } else {
            printf("Q%-2zu %10.1f %10.1f %10.1f %8.2fx %8.2fx  %s\n", q + 1, mv, mr, ms,
                   mr / mv, ms / mv, queries[q]);
        }
        printf("    first row: vec [%s] row [%s] sqlite [%s]\n", fv, fr, fs);
        fflush(stdout);
    }
    free(tv);
    sqlite3_close(db);
    heliosdb_disconnect(s);
    heliosdb_close(eng);
    snprintf(sql, sizeof sql, "rm -rf %s", dir);
    if (system(sql) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return 0;
}
