/* tests/window/test_window_frames.c -- the frame logic of window functions (exec_window.c)
 * against a brute-force model written from the SQL definitions: for random frames (ROWS,
 * RANGE and GROUPS; UNBOUNDED, n PRECEDING / FOLLOWING and CURRENT ROW bounds; EXCLUDE
 * CURRENT ROW / GROUP / TIES; ASC / DESC with NULLS FIRST / LAST) over a table with NULL and
 * duplicate keys in three partitions, count(*), sum, min, first_value, last_value and
 * nth_value of every row must be those of the rows the model puts in its frame. Peers keep
 * their input order (the scan's, by id): the sort is stable. Also a window sort larger than
 * work_mem (spilled) gives the in-memory one's result, and an endless WITH RECURSIVE ends with
 * 53200 / 57014 (or early under a LIMIT). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helios/sqlstate.h"
#include "heliosdb.h"

static int failures, checks;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

#define N_ROWS 60
#define BIG (1LL << 40) /* a NULL key's distance: beyond every offset */

typedef struct row {
    int id, g, v, v_null;
} row_t;

static row_t rows[N_ROWS];
static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

enum { B_UNB = 0, B_PREC, B_CUR, B_FOL };
enum { M_ROWS = 0, M_RANGE, M_GROUPS };
enum { X_NONE = 0, X_CUR, X_GROUP, X_TIES };

typedef struct spec {
    int mode, sb, so, eb, eo, excl, desc, nulls_first;
} spec_t;

static spec_t g_spec;

/* the ORDER BY position of two rows of one partition (ties: id, the input order) */
static int key_cmp(const row_t *a, const row_t *b)
{
    if (a->v_null != b->v_null) return a->v_null ? (g_spec.nulls_first ? -1 : 1)
                                                 : (g_spec.nulls_first ? 1 : -1);
    if (a->v_null || a->v == b->v) return 0;
    int c = a->v < b->v ? -1 : 1;
    return g_spec.desc ? -c : c;
}

static int sort_cmp(const void *x, const void *y)
{
    const row_t *a = x, *b = y;
    if (a->g != b->g) return a->g < b->g ? -1 : 1;
    int c = key_cmp(a, b);
    if (c != 0) return c;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* signed distance of j from i in the sort direction (RANGE): a NULL is infinitely far from
   every value */
static long long dist(const row_t *i, const row_t *j)
{
    if (i->v_null && j->v_null) return 0;
    if (j->v_null) return g_spec.nulls_first ? -BIG : BIG;
    if (i->v_null) return g_spec.nulls_first ? BIG : -BIG;
    long long d = (long long)j->v - i->v;
    return g_spec.desc ? -d : d;
}

static int in_frame(const row_t *p, int n, const int *grp, int i, int j)
{
    const spec_t *s = &g_spec;
    long long d;
    if (s->mode == M_ROWS) d = j - i;
    else if (s->mode == M_GROUPS) d = grp[j] - grp[i];
    else d = dist(&p[i], &p[j]);
    int ok = 1;
    if (s->mode == M_RANGE && p[i].v_null && p[j].v_null) {
        goto excl; /* NULLs are "in range" of each other whatever the offset (PostgreSQL) */
    }
    if (s->sb == B_PREC) ok = d >= -s->so;
    else if (s->sb == B_CUR) ok = d >= 0;
    else if (s->sb == B_FOL) ok = d >= s->so;
    if (ok && s->eb == B_PREC) ok = d <= -s->eo;
    else if (ok && s->eb == B_CUR) ok = d <= 0;
    else if (ok && s->eb == B_FOL) ok = d <= s->eo;
    (void)n;
excl:
    if (!ok) return 0;
    int peer = grp[i] == grp[j];
    if (s->excl == X_CUR && j == i) return 0;
    if (s->excl == X_GROUP && peer) return 0;
    if (s->excl == X_TIES && peer && j != i) return 0;
    return 1;
}

static const char *bound_sql(int b, int off, int start, char *buf, size_t cap)
{
    switch (b) {
    case B_UNB: return start ? "UNBOUNDED PRECEDING" : "UNBOUNDED FOLLOWING";
    case B_CUR: return "CURRENT ROW";
    case B_PREC: snprintf(buf, cap, "%d PRECEDING", off); return buf;
    default: snprintf(buf, cap, "%d FOLLOWING", off); return buf;
    }
}

/* expected text of every output column per id: count, sum, min, first, last, nth 2 */
static void model(char out[N_ROWS + 1][128])
{
    row_t sorted[N_ROWS];
    memcpy(sorted, rows, sizeof rows);
    qsort(sorted, N_ROWS, sizeof(row_t), sort_cmp);
    int ps = 0;
    while (ps < N_ROWS) {
        int pe = ps;
        while (pe < N_ROWS && sorted[pe].g == sorted[ps].g) pe++;
        row_t *p = sorted + ps;
        int n = pe - ps, grp[N_ROWS];
        for (int i = 0; i < n; i++) {
            grp[i] = i == 0 ? 0 : grp[i - 1] + (key_cmp(&p[i - 1], &p[i]) != 0);
        }
        for (int i = 0; i < n; i++) {
            long long cnt = 0, sum = 0;
            int mn = 0, first = -1, last = -1, second = -1;
            for (int j = 0; j < n; j++) {
                if (!in_frame(p, n, grp, i, j)) continue;
                if (cnt == 0 || p[j].id < mn) mn = p[j].id;
                cnt++;
                sum += p[j].id;
                if (first < 0) first = p[j].id;
                else if (second < 0) second = p[j].id;
                last = p[j].id;
            }
            char f[16] = "NULL", l[16] = "NULL", s2[16] = "NULL", sm[24] = "NULL", m[16] = "NULL";
            if (cnt > 0) {
                snprintf(sm, sizeof sm, "%lld", sum);
                snprintf(m, sizeof m, "%d", mn);
                snprintf(f, sizeof f, "%d", first);
                snprintf(l, sizeof l, "%d", last);
            }
            if (second >= 0) snprintf(s2, sizeof s2, "%d", second);
            snprintf(out[p[i].id], 128, "%lld|%s|%s|%s|%s|%s|", cnt, sm, m, f, l, s2);
        }
        ps = pe;
    }
}

static void check_spec(helios_session_t *s)
{
    const spec_t *sp = &g_spec;
    static const char *modes[] = {"ROWS", "RANGE", "GROUPS"};
    static const char *ex[] = {"", " EXCLUDE CURRENT ROW", " EXCLUDE GROUP", " EXCLUDE TIES"};
    char b1[32], b2[32], sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT id, count(*) OVER w, sum(id) OVER w, min(id) OVER w, first_value(id) OVER w, "
             "last_value(id) OVER w, nth_value(id, 2) OVER w FROM t WINDOW w AS (PARTITION BY g "
             "ORDER BY v %s NULLS %s %s BETWEEN %s AND %s%s) ORDER BY id",
             sp->desc ? "DESC" : "ASC", sp->nulls_first ? "FIRST" : "LAST", modes[sp->mode],
             bound_sql(sp->sb, sp->so, 1, b1, sizeof b1), bound_sql(sp->eb, sp->eo, 0, b2, sizeof b2),
             ex[sp->excl]);
    char want[N_ROWS + 1][128];
    model(want);
    helios_err_t err = HELIOS_ERR_INIT;
    heliosdb_stmt_t *st;
    if (heliosdb_prepare(s, sql, &st, &err) != 0) {
        CHECK(0, "%s: %s", sql, err.message);
        return;
    }
    int32_t rc;
    int n = 0, bad = 0;
    while ((rc = heliosdb_step(st, &err)) == HELIOSDB_ROW) {
        int id = (int)heliosdb_column_int64(st, 0);
        char got[128];
        size_t o = 0;
        for (uint32_t c = 1; c < 7; c++) {
            const char *t = heliosdb_column_is_null(st, c) ? "NULL" : heliosdb_column_text(st, c);
            o += (size_t)snprintf(got + o, sizeof got - o, "%s|", t);
        }
        if (id < 1 || id > N_ROWS || strcmp(got, want[id]) != 0) {
            if (bad++ == 0) {
                CHECK(0, "%s: id %d got %s want %s", sql, id, got,
                      id >= 1 && id <= N_ROWS ? want[id] : "?");
            }
        }
        n++;
    }
    CHECK(rc == 0, "%s: %s", sql, err.message);
    CHECK(n == N_ROWS, "%s: %d rows", sql, n);
    if (bad == 0) checks++;
    heliosdb_finalize(st);
}

static void spill_check(helios_session_t *s)
{
    /* the window's sort of 60k rows (~13 MB of sort rows) at work_mem 16MB spills (runs of
       8MB); the results equal 64MB's (the rows above the window are materialized and must fit
       in work_mem) */
    const char *q = "SELECT sum(x) FROM (SELECT row_number() OVER (PARTITION BY k % 7 ORDER BY "
                    "k DESC, id) * 3 + sum(id) OVER (PARTITION BY k % 7 ORDER BY k DESC, id ROWS "
                    "BETWEEN 2 PRECEDING AND CURRENT ROW) AS x FROM big) s";
    char res[2][64];
    helios_err_t err = HELIOS_ERR_INIT;
    for (int pass = 0; pass < 2; pass++) {
        CHECK(heliosdb_exec(s, pass ? "SET work_mem = '16MB'" : "RESET work_mem", &err) == 0,
              "%s", err.message);
        heliosdb_stmt_t *st;
        res[pass][0] = '\0';
        if (heliosdb_prepare(s, q, &st, &err) != 0) {
            CHECK(0, "prepare: %s", err.message);
            continue;
        }
        if (heliosdb_step(st, &err) == HELIOSDB_ROW) {
            snprintf(res[pass], sizeof res[pass], "%s", heliosdb_column_text(st, 0));
        } else {
            CHECK(0, "spill pass %d: %s", pass, err.message);
        }
        heliosdb_finalize(st);
    }
    CHECK(res[0][0] != '\0' && strcmp(res[0], res[1]) == 0, "spilled %s, in memory %s", res[1],
          res[0]);
    heliosdb_exec(s, "RESET work_mem", &err);
}

/* a recursion that never ends is stopped by work_mem (53200) or statement_timeout (57014),
   never the process; the session stays usable; a LIMIT right above it stops it early */
static void runaway_check(helios_session_t *s)
{
    helios_err_t err = HELIOS_ERR_INIT;
    const char *endless = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                          "SELECT count(*) FROM r";
    CHECK(heliosdb_exec(s, "SET work_mem = '1MB'", &err) == 0, "%s", err.message);
    int32_t rc = heliosdb_exec(s, endless, &err);
    CHECK(rc == HELIOS_ERR_OUT_OF_MEMORY, "endless recursion at 1MB: %d %s", rc, err.message);
    CHECK(heliosdb_exec(s, "SET work_mem = '64MB'", &err) == 0, "%s", err.message);
    CHECK(heliosdb_exec(s, "SET statement_timeout = 300", &err) == 0, "%s", err.message);
    rc = heliosdb_exec(s, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n FROM r) "
                          "SELECT count(*) FROM r", &err);
    CHECK(rc == HELIOS_ERR_QUERY_CANCELED || rc == HELIOS_ERR_OUT_OF_MEMORY,
          "endless recursion at statement_timeout 300ms: %d %s", rc, err.message);
    CHECK(heliosdb_exec(s, "RESET statement_timeout", &err) == 0, "%s", err.message);
    /* 1500 iterations each scanning and hashing a 1500-row table: their scratch memory is
       dropped after each iteration, so 4MB is plenty (kept, it would need ~200MB) */
    CHECK(heliosdb_exec(s, "CREATE TABLE chain (src int, dst int)", &err) == 0, "%s",
          err.message);
    CHECK(heliosdb_exec(s, "INSERT INTO chain SELECT i, i + 1 FROM generate_series(1, 1500) i",
                        &err) == 0, "%s", err.message);
    CHECK(heliosdb_exec(s, "SET work_mem = '4MB'", &err) == 0, "%s", err.message);
    heliosdb_stmt_t *st;
    if (heliosdb_prepare(s, "WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT c.dst FROM chain c "
                            "JOIN r ON c.src = r.n) SELECT count(*), max(n) FROM r", &st, &err) == 0) {
        rc = heliosdb_step(st, &err);
        CHECK(rc == HELIOSDB_ROW && heliosdb_column_int64(st, 0) == 1501 &&
              heliosdb_column_int64(st, 1) == 1501, "long recursion at 4MB: %d %s", rc,
              err.message);
        heliosdb_finalize(st);
    } else {
        CHECK(0, "%s", err.message);
    }
    CHECK(heliosdb_exec(s, "RESET work_mem", &err) == 0, "%s", err.message);
    const char *limited = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                          "SELECT n FROM r LIMIT 3 OFFSET 1000";
    if (heliosdb_prepare(s, limited, &st, &err) != 0) {
        CHECK(0, "%s", err.message);
        return;
    }
    int64_t sum = 0, n = 0;
    while ((rc = heliosdb_step(st, &err)) == HELIOSDB_ROW) {
        sum += heliosdb_column_int64(st, 0);
        n++;
    }
    CHECK(rc == 0 && n == 3 && sum == 1001 + 1002 + 1003, "LIMIT over recursion: %d rows %lld %s",
          (int)n, (long long)sum, err.message);
    heliosdb_finalize(st);
}

/* $n parameters in frame offsets, lag offsets, recursion bounds and LATERAL arguments */
static void params_check(helios_session_t *s)
{
    static const struct {
        const char *sql;
        int64_t arg, want;
    } cases[] = {
        {"SELECT sum(x) FROM (SELECT sum(id) OVER (ORDER BY id ROWS BETWEEN $1 PRECEDING AND "
         "CURRENT ROW) AS x FROM t WHERE id <= 10) s", 2, 3 + 6 + 9 + 12 + 15 + 18 + 21 + 24 + 27 + 1},
        {"SELECT sum(x) FROM (SELECT lag(id, $1, 0) OVER (ORDER BY id) AS x FROM t WHERE id <= 10) s",
         3, 1 + 2 + 3 + 4 + 5 + 6 + 7},
        {"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < $1) "
         "SELECT sum(n) FROM r", 100, 5050},
        {"SELECT count(*) FROM t, generate_series(1, $1 + t.id % 2) g WHERE t.id <= 10", 2, 25},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        helios_err_t err = HELIOS_ERR_INIT;
        heliosdb_stmt_t *st;
        if (heliosdb_prepare(s, cases[i].sql, &st, &err) != 0) {
            CHECK(0, "%s: %s", cases[i].sql, err.message);
            continue;
        }
        CHECK(heliosdb_bind_int64(st, 1, cases[i].arg) == 0, "bind");
        int32_t rc = heliosdb_step(st, &err);
        int64_t got = rc == HELIOSDB_ROW ? heliosdb_column_int64(st, 0) : -1;
        CHECK(got == cases[i].want, "%s with $1 = %lld: %lld, want %lld (%s)", cases[i].sql,
              (long long)cases[i].arg, (long long)got, (long long)cases[i].want,
              rc == HELIOSDB_ROW ? "" : err.message);
        heliosdb_finalize(st);
    }
}

int main(void)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/helios_window_XXXXXX");
    if (mkdtemp(dir) == NULL) return 1;
    helios_engine_t *eng;
    helios_err_t err = HELIOS_ERR_INIT;
    heliosdb_options_t o = {.size = sizeof o, .no_sync = 1};
    if (heliosdb_open(dir, &o, &eng, &err) != 0) {
        printf("heliosdb_open: %s\n", err.message);
        return 1;
    }
    helios_session_t *s;
    if (heliosdb_connect(eng, NULL, &s, &err) != 0) return 1;
    CHECK(heliosdb_exec(s, "CREATE TABLE t (id int PRIMARY KEY, g int, v int)", &err) == 0, "%s",
          err.message);
    for (int i = 0; i < N_ROWS; i++) {
        rows[i].id = i + 1;
        rows[i].g = (int)rnd(3);
        rows[i].v_null = rnd(8) == 0;
        rows[i].v = (int)rnd(12) - 3;
        char sql[128];
        if (rows[i].v_null) {
            snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d, %d, NULL)", i + 1, rows[i].g);
        } else {
            snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d, %d, %d)", i + 1, rows[i].g,
                     rows[i].v);
        }
        CHECK(heliosdb_exec(s, sql, &err) == 0, "%s", err.message);
    }
    /* every start/end bound pair the grammar allows, in each mode, with random offsets,
       exclusions and orders */
    int specs = 0;
    for (int rep = 0; rep < 4; rep++) {
        for (int mode = 0; mode < 3; mode++) {
            for (int sb = 0; sb < 4; sb++) {
                /* end bounds: 1 n PRECEDING, 2 CURRENT ROW, 3 n FOLLOWING, 4 UNBOUNDED */
                for (int eb = 1; eb <= 4; eb++) {
                    if (eb < sb) continue; /* e.g. CURRENT ROW to PRECEDING: refused */
                    if (sb == B_UNB && eb == 4 && rep > 0) continue;
                    g_spec.mode = mode;
                    g_spec.sb = sb;
                    g_spec.eb = eb == 4 ? B_UNB : eb;
                    g_spec.so = (int)rnd(4);
                    g_spec.eo = (int)rnd(4);
                    g_spec.excl = (int)rnd(4);
                    g_spec.desc = (int)rnd(2);
                    g_spec.nulls_first = (int)rnd(2);
                    check_spec(s);
                    specs++;
                }
            }
        }
    }
    CHECK(heliosdb_exec(s, "CREATE TABLE big (id int PRIMARY KEY, k int)", &err) == 0, "%s",
          err.message);
    CHECK(heliosdb_exec(s, "INSERT INTO big SELECT g, (g * 7919) % 1009 FROM "
                           "generate_series(1, 60000) g", &err) == 0, "%s", err.message);
    params_check(s);
    spill_check(s);
    runaway_check(s);
    heliosdb_close(eng);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) printf("could not remove %s\n", dir);
    printf("%d frames, %d checks, %d failures\n", specs, checks, failures);
    return failures ? 1 : 0;
}
