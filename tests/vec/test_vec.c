/* tests/vec/test_vec.c -- the vectorized executor (kernel/sql/exec_vec.c, expr_vec.c).
 *
 * Part 1 drives the kernels directly: every result of eval_vec / vec_filter is compared with
 * the row path's eval() on the same row (values, NULLs, types), for NULL bitmaps crossing
 * 64-bit word boundaries, batches of 1, 63, 64, 65, 1023 and 1024 rows, int2/int4/int8
 * overflow (22003) and division by zero (22012), the three-valued truth tables of AND, OR
 * and NOT, and selection vectors (rows not selected are neither computed nor able to fail).
 *
 * Part 2 runs the same SQL with SET helios.vectorize = on and off over tables of 1, 1023,
 * 1024, 1025 and 5000 rows and requires the same rows (in order) or the same SQLSTATE and
 * message, including spilling GROUP BY at a small work_mem. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heliosdb.h"
#include "sql/vec.h"

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

/* ---------------- part 1: kernels ---------------- */
static arena_t A;

static expr_t *mk(uint8_t kind, uint8_t op, uint32_t type, uint32_t n, ...)
{
    expr_t *e = ar_zalloc(&A, sizeof *e);
    e->kind = kind;
    e->op = op;
    e->type = type;
    e->n_args = (uint16_t)n;
    e->args = ar_zalloc(&A, sizeof(expr_t *) * (n ? n : 1));
    va_list ap;
    va_start(ap, n);
    for (uint32_t i = 0; i < n; i++) e->args[i] = va_arg(ap, expr_t *);
    va_end(ap);
    return e;
}

static expr_t *col(uint32_t idx, uint32_t type)
{
    expr_t *e = mk(E_COL, 0, type, 0);
    e->idx = idx;
    return e;
}

static expr_t *cint(int64_t v, uint32_t type)
{
    expr_t *e = mk(E_CONST, 0, type, 0);
    e->c.t = type;
    e->c.i = v;
    return e;
}

static expr_t *cnull(uint32_t type)
{
    expr_t *e = mk(E_CONST, 0, type, 0);
    e->c.t = type;
    e->c.null = 1;
    return e;
}

static expr_t *cflt(double v)
{
    expr_t *e = mk(E_CONST, 0, HELIOS_OID_FLOAT8, 0);
    e->c.t = HELIOS_OID_FLOAT8;
    e->c.f = v;
    return e;
}

/* a batch of n rows over 4 slots: int4 a, int8 b, float8 c, bool d; the generator decides
   values and NULLs */
typedef void (*gen_fn)(uint32_t i, val_t *row);

static batch_t *mkbatch(uint32_t n, gen_fn gen)
{
    batch_t *b = ar_zalloc(&A, sizeof *b);
    static const uint32_t types[4] = {HELIOS_OID_INT4, HELIOS_OID_INT8, HELIOS_OID_FLOAT8,
                                      HELIOS_OID_BOOL};
    b->n = n;
    b->width = 4;
    b->cols = ar_zalloc(&A, sizeof(vec_t *) * 4);
    b->row = ar_zalloc(&A, sizeof(val_t) * 4);
    b->ar = &A;
    for (uint32_t s = 0; s < 4; s++) b->cols[s] = vec_new(&A, vec_kind_of(types[s]), types[s], n);
    for (uint32_t i = 0; i < n; i++) {
        val_t row[4];
        memset(row, 0, sizeof row);
        for (uint32_t s = 0; s < 4; s++) row[s].t = types[s];
        gen(i, row);
        for (uint32_t s = 0; s < 4; s++) vec_put(b->cols[s], i, &row[s]);
    }
    return b;
}

static int same_val(const val_t *x, const val_t *y)
{
    if (x->null != y->null) return 0;
    if (x->null) return x->t == y->t || x->t == 0 || y->t == 0;
    if (x->t != y->t) return 0;
    if (x->t == HELIOS_OID_FLOAT8 || x->t == HELIOS_OID_FLOAT4) {
        return (isnan(x->f) && isnan(y->f)) || x->f == y->f;
    }
    return val_cmp(x, y) == 0;
}

/* eval_vec over sel (NULL: all) against eval() per row; errors must agree in SQLSTATE when
   the row path fails on some selected row, and the vector path may not fail otherwise */
static void check_expr(const char *what, expr_t *e, batch_t *b, const uint16_t *sel, uint32_t n)
{
    helios_err_t err = HELIOS_ERR_INIT, rerr = HELIOS_ERR_INIT;
    exec_ctx_t cx;
    memset(&cx, 0, sizeof cx);
    cx.ar = &A;
    cx.err = &err;
    vec_t *out = NULL;
    int32_t rc = eval_vec(&cx, e, b, sel, n, &out);
    /* the row path */
    exec_ctx_t rx = cx;
    rx.err = &rerr;
    int32_t rrc = 0;
    val_t *rv = ar_alloc(&A, sizeof(val_t) * (n ? n : 1));
    for (uint32_t k = 0; k < n && rrc == 0; k++) {
        uint32_t i = sel ? sel[k] : k;
        rx.rows[0] = batch_row(b, i);
        rrc = eval(&rx, e, &rv[k]);
    }
    CHECK((rc != 0) == (rrc != 0), "%s: vector rc %d, row rc %d (%s / %s)", what, rc, rrc,
          err.message, rerr.message);
    if (rc != 0 || rrc != 0) {
        CHECK(rc == rrc, "%s: SQLSTATE %d vs %d", what, rc, rrc);
        CHECK(strcmp(err.message, rerr.message) == 0, "%s: '%s' vs '%s'", what, err.message,
              rerr.message);
        return;
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = sel ? sel[k] : k;
        val_t x;
        vec_get(out, i, &x);
        if (!same_val(&x, &rv[k])) {
            CHECK(0, "%s: row %u: vector (t %u null %d i %lld f %g) row (t %u null %d i %lld f %g)",
                  what, i, x.t, x.null, (long long)x.i, x.f, rv[k].t, rv[k].null,
                  (long long)rv[k].i, rv[k].f);
            return;
        }
    }
    checks++;
}

static void check_filter(const char *what, expr_t *e, batch_t *b, const uint16_t *sel, uint32_t n)
{
    helios_err_t err = HELIOS_ERR_INIT;
    exec_ctx_t cx;
    memset(&cx, 0, sizeof cx);
    cx.ar = &A;
    cx.err = &err;
    uint16_t *o = ar_alloc(&A, sizeof(uint16_t) * (n ? n : 1));
    uint32_t m = 0;
    int32_t rc = vec_filter(&cx, e, b, sel, n, o, &m);
    CHECK(rc == 0, "%s: filter failed: %s", what, err.message);
    if (rc != 0) return;
    uint32_t j = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = sel ? sel[k] : k;
        cx.rows[0] = batch_row(b, i);
        int ok = 0;
        CHECK(eval_bool(&cx, e, &ok) == 0, "%s: row eval", what);
        if (!ok) continue;
        if (j >= m || o[j] != i) {
            CHECK(0, "%s: row %u passes the row path, not the vector filter", what, i);
            return;
        }
        j++;
    }
    CHECK(j == m, "%s: %u rows pass the vector filter, %u the row path", what, m, j);
}

static void gen_mixed(uint32_t i, val_t *r)
{
    /* NULLs around every 64-bit word boundary and elsewhere */
    uint32_t w = i & 63;
    r[0].null = w == 63 || w == 0 || i % 7 == 3;
    r[0].i = (int64_t)(i * 37 % 1000) - 500;
    r[1].null = i % 5 == 1 || w == 1;
    r[1].i = (int64_t)i * 1000003 - 70000;
    r[2].null = i % 11 == 0;
    r[2].f = i % 13 == 0 ? NAN : (double)i / 7.0 - 20;
    r[3].null = i % 3 == 0;
    r[3].i = i % 2;
}

static void gen_big(uint32_t i, val_t *r)
{
    r[0].i = i == 700 ? INT32_MAX : (int64_t)i;
    r[1].i = i == 900 ? INT64_MAX / 2 + 1 : (int64_t)i;
    r[2].f = i == 950 ? 1e308 : 1.5;
    r[3].i = 1;
    r[0].null = i == 5;
}

static void gen_3vl(uint32_t i, val_t *r)
{
    /* a: row i%3 (0 false, 1 true, 2 NULL), d: i/3%3 */
    r[3].null = i % 3 == 2;
    r[3].i = i % 3 == 1;
    r[1].null = (i / 3) % 3 == 2;
    r[1].i = (i / 3) % 3 == 1;
    r[0].i = (int64_t)i;
    r[2].f = 0;
}

static void kernel_tests(void)
{
    static const uint32_t sizes[] = {1, 63, 64, 65, 1023, 1024};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        uint32_t n = sizes[si];
        batch_t *b = mkbatch(n, gen_mixed);
        char w[64];
#define T(name, e)                                                                                 \
    do {                                                                                           \
        snprintf(w, sizeof w, "%s n=%u", name, n);                                                 \
        check_expr(w, e, b, NULL, n);                                                              \
    } while (0)
        T("col int4", col(0, HELIOS_OID_INT4));
        T("int4 + 1", mk(E_OP, OP_ADD, HELIOS_OID_INT4, 2, col(0, 23), cint(1, 23)));
        T("int8 * int8", mk(E_OP, OP_MUL, HELIOS_OID_INT8, 2, col(1, 20), cint(3, 20)));
        T("int4 - int4", mk(E_OP, OP_SUB, HELIOS_OID_INT4, 2, cint(7, 23), col(0, 23)));
        T("int8 / const", mk(E_OP, OP_DIV, HELIOS_OID_INT8, 2, col(1, 20), cint(-7, 20)));
        T("int4 % const", mk(E_OP, OP_MOD, HELIOS_OID_INT4, 2, col(0, 23), cint(13, 23)));
        T("int4 + NULL", mk(E_OP, OP_ADD, HELIOS_OID_INT4, 2, col(0, 23), cnull(23)));
        T("float8 * 2", mk(E_OP, OP_MUL, HELIOS_OID_FLOAT8, 2, col(2, 701), cflt(2)));
        T("float8 + int4", mk(E_OP, OP_ADD, HELIOS_OID_FLOAT8, 2, col(2, 701), col(0, 23)));
        T("float8 / float8", mk(E_OP, OP_DIV, HELIOS_OID_FLOAT8, 2, cflt(1), cflt(4)));
        static const uint8_t cmps[] = {OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE};
        for (int c = 0; c < 6; c++) {
            T("int4 cmp const", mk(E_OP, cmps[c], HELIOS_OID_BOOL, 2, col(0, 23), cint(17, 23)));
            T("const cmp int8", mk(E_OP, cmps[c], HELIOS_OID_BOOL, 2, cint(5000, 20), col(1, 20)));
            T("int4 cmp int8", mk(E_OP, cmps[c], HELIOS_OID_BOOL, 2, col(0, 23), col(1, 20)));
            T("float cmp const (NaN)", mk(E_OP, cmps[c], HELIOS_OID_BOOL, 2, col(2, 701), cflt(3)));
            T("float cmp int", mk(E_OP, cmps[c], HELIOS_OID_BOOL, 2, col(2, 701), col(0, 23)));
            T("bool cmp bool", mk(E_OP, cmps[c], HELIOS_OID_BOOL, 2, col(3, 16), cint(1, 16)));
        }
        T("IS NULL", mk(E_ISNULL, 0, HELIOS_OID_BOOL, 1, col(0, 23)));
        T("IS NOT NULL", mk(E_ISNULL, 1, HELIOS_OID_BOOL, 1, col(2, 701)));
        T("NOT bool", mk(E_NOT, 0, HELIOS_OID_BOOL, 1, col(3, 16)));
        T("AND", mk(E_AND, 0, HELIOS_OID_BOOL, 2, col(3, 16),
                    mk(E_OP, OP_GT, HELIOS_OID_BOOL, 2, col(0, 23), cint(0, 23))));
        T("OR", mk(E_OR, 0, HELIOS_OID_BOOL, 3, col(3, 16), cnull(16),
                   mk(E_OP, OP_LT, HELIOS_OID_BOOL, 2, col(2, 701), cflt(1))));
        T("cast int4->int8", mk(E_CAST, 0, HELIOS_OID_INT8, 1, col(0, 23)));
        T("cast int4->float8", mk(E_CAST, 0, HELIOS_OID_FLOAT8, 1, col(0, 23)));
        T("IN list", mk(E_IN, 0, HELIOS_OID_BOOL, 4, col(0, 23), cint(1, 23), cnull(23),
                        cint(-463, 23)));
        T("CASE (row-wise)", mk(E_CASE, 0, HELIOS_OID_INT4, 3,
                                mk(E_OP, OP_GT, HELIOS_OID_BOOL, 2, col(0, 23), cint(0, 23)),
                                col(0, 23), cint(-1, 23)));
        /* a guarded division: the row path never divides by zero */
        expr_t *nz = mk(E_OP, OP_NE, HELIOS_OID_BOOL, 2, col(0, 23), cint(0, 23));
        expr_t *dv = mk(E_OP, OP_GT, HELIOS_OID_BOOL, 2,
                        mk(E_OP, OP_DIV, HELIOS_OID_INT4, 2, cint(100, 23), col(0, 23)),
                        cint(1, 23));
        T("guarded division (AND short-circuit)", mk(E_AND, 0, HELIOS_OID_BOOL, 2, nz, dv));
        snprintf(w, sizeof w, "filter AND n=%u", n);
        check_filter(w, mk(E_AND, 0, HELIOS_OID_BOOL, 2, nz, dv), b, NULL, n);
        snprintf(w, sizeof w, "filter float n=%u", n);
        check_filter(w, mk(E_OP, OP_GT, HELIOS_OID_BOOL, 2, col(2, 701), cflt(0.5)), b, NULL, n);
        /* selection vectors: every third row, then a single row */
        uint16_t *sel = ar_alloc(&A, sizeof(uint16_t) * n);
        uint32_t ns = 0;
        for (uint32_t i = 0; i < n; i += 3) sel[ns++] = (uint16_t)i;
        snprintf(w, sizeof w, "sel int8 + int4 n=%u", n);
        check_expr(w, mk(E_OP, OP_ADD, HELIOS_OID_INT8, 2, col(1, 20), col(0, 20)), b, sel, ns);
        snprintf(w, sizeof w, "sel filter n=%u", n);
        check_filter(w, mk(E_OP, OP_LE, HELIOS_OID_BOOL, 2, col(0, 23), cint(100, 23)), b, sel, ns);
        uint16_t one = (uint16_t)(n - 1);
        snprintf(w, sizeof w, "sel one row n=%u", n);
        check_expr(w, mk(E_OP, OP_MUL, HELIOS_OID_INT4, 2, col(0, 23), cint(2, 23)), b, &one, 1);
        /* the NULL bitmap bits of the sum land exactly on the NULL rows */
        {
            helios_err_t err = HELIOS_ERR_INIT;
            exec_ctx_t cx;
            memset(&cx, 0, sizeof cx);
            cx.ar = &A;
            cx.err = &err;
            vec_t *o;
            CHECK(eval_vec(&cx, mk(E_OP, OP_ADD, HELIOS_OID_INT4, 2, col(0, 23), cint(1, 23)), b,
                           NULL, n, &o) == 0, "bitmap eval");
            int bad = 0;
            for (uint32_t i = 0; i < n; i++) {
                int want = vec_null(b->cols[0], i);
                if (vec_null(o, i) != want) bad++;
            }
            CHECK(bad == 0, "n=%u: %d NULL bits differ", n, bad);
        }
#undef T
    }
    /* overflow and division by zero: the row path's SQLSTATE and message */
    batch_t *b = mkbatch(1000, gen_big);
    check_expr("int4 overflow", mk(E_OP, OP_ADD, HELIOS_OID_INT4, 2, col(0, 23), cint(1, 23)), b,
               NULL, 1000);
    check_expr("int4 mul overflow", mk(E_OP, OP_MUL, HELIOS_OID_INT4, 2, col(0, 23), cint(2, 23)), b,
               NULL, 1000);
    check_expr("int8 overflow", mk(E_OP, OP_MUL, HELIOS_OID_INT8, 2, col(1, 20), cint(2, 20)), b,
               NULL, 1000);
    check_expr("int2 overflow", mk(E_OP, OP_MUL, HELIOS_OID_INT2, 2, cint(300, 21), cint(300, 21)),
               b, NULL, 3);
    check_expr("float overflow", mk(E_OP, OP_MUL, HELIOS_OID_FLOAT8, 2, col(2, 701), cflt(1e10)), b,
               NULL, 1000);
    check_expr("division by zero", mk(E_OP, OP_DIV, HELIOS_OID_INT4, 2, cint(1, 23),
                                      mk(E_OP, OP_SUB, HELIOS_OID_INT4, 2, col(0, 23),
                                         cint(10, 23))),
               b, NULL, 1000);
    check_expr("float division by zero", mk(E_OP, OP_DIV, HELIOS_OID_FLOAT8, 2, cflt(1),
                                            mk(E_OP, OP_SUB, HELIOS_OID_FLOAT8, 2, col(2, 701),
                                               cflt(1.5))),
               b, NULL, 1000);
    /* a row not selected cannot fail: rows 0..699 only */
    uint16_t *sel = ar_alloc(&A, sizeof(uint16_t) * 700);
    for (uint32_t i = 0; i < 700; i++) sel[i] = (uint16_t)i;
    check_expr("overflow row not selected",
               mk(E_OP, OP_ADD, HELIOS_OID_INT4, 2, col(0, 23), cint(1, 23)), b, sel, 700);
    /* 3VL truth tables: all 9 combinations of {false, true, NULL} */
    batch_t *t = mkbatch(9, gen_3vl);
    check_expr("3VL AND", mk(E_AND, 0, HELIOS_OID_BOOL, 2, col(3, 16), col(1, 16)), t, NULL, 9);
    check_expr("3VL OR", mk(E_OR, 0, HELIOS_OID_BOOL, 2, col(3, 16), col(1, 16)), t, NULL, 9);
    check_expr("3VL NOT", mk(E_NOT, 0, HELIOS_OID_BOOL, 1, col(3, 16)), t, NULL, 9);
    check_expr("3VL NOT AND", mk(E_NOT, 0, HELIOS_OID_BOOL, 1,
                                 mk(E_AND, 0, HELIOS_OID_BOOL, 2, col(3, 16), col(1, 16))),
               t, NULL, 9);
    {
        /* and the expected table itself, PostgreSQL's */
        static const int and_t[3][3] = {{0, 0, 0}, {0, 1, 2}, {0, 2, 2}};
        static const int or_t[3][3] = {{0, 1, 2}, {1, 1, 1}, {2, 1, 2}};
        helios_err_t err = HELIOS_ERR_INIT;
        exec_ctx_t cx;
        memset(&cx, 0, sizeof cx);
        cx.ar = &A;
        cx.err = &err;
        vec_t *va, *vo;
        eval_vec(&cx, mk(E_AND, 0, HELIOS_OID_BOOL, 2, col(3, 16), col(1, 16)), t, NULL, 9, &va);
        eval_vec(&cx, mk(E_OR, 0, HELIOS_OID_BOOL, 2, col(3, 16), col(1, 16)), t, NULL, 9, &vo);
        for (uint32_t i = 0; i < 9; i++) {
            int x = i % 3, y = (i / 3) % 3;
            int ga = vec_null(va, i) ? 2 : (int)va->i[i], go = vec_null(vo, i) ? 2 : (int)vo->i[i];
            CHECK(ga == and_t[x][y], "AND(%d,%d) = %d", x, y, ga);
            CHECK(go == or_t[x][y], "OR(%d,%d) = %d", x, y, go);
        }
    }
}

/* ---------------- part 2: SQL, vectorized against the row path ---------------- */
static helios_session_t *S;

static void run_text(const char *sql, char **out, int32_t *rc_out, char *msg, size_t msgcap)
{
    helios_err_t err = HELIOS_ERR_INIT;
    heliosdb_stmt_t *st;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    buf[0] = 0;
    msg[0] = 0;
    int32_t rc = heliosdb_prepare(S, sql, &st, &err);
    if (rc == 0) {
        while ((rc = heliosdb_step(st, &err)) == HELIOSDB_ROW) {
            for (uint32_t c = 0; c < heliosdb_column_count(st); c++) {
                const char *t = heliosdb_column_text(st, c);
                size_t l = t ? strlen(t) : 4;
                while (len + l + 4 > cap) buf = realloc(buf, cap *= 2);
                memcpy(buf + len, t ? t : "NULL", l);
                len += l;
                buf[len++] = '|';
            }
            buf[len++] = '\n';
            buf[len] = 0;
        }
        heliosdb_finalize(st);
    }
    if (rc != 0) snprintf(msg, msgcap, "%s", err.message);
    *out = buf;
    *rc_out = rc;
}

static void exec_ok(const char *sql)
{
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t rc = heliosdb_exec(S, sql, &err);
    CHECK(rc == 0, "%s: %s", sql, err.message);
}

static int n_cmp_ok, n_cmp_err;

static void compare(const char *sql)
{
    char *a, *b, ma[512], mb[512];
    int32_t ra, rb;
    exec_ok("SET helios.vectorize = on");
    run_text(sql, &a, &ra, ma, sizeof ma);
    exec_ok("SET helios.vectorize = off");
    run_text(sql, &b, &rb, mb, sizeof mb);
    exec_ok("SET helios.vectorize = on");
    CHECK(ra == rb && strcmp(ma, mb) == 0, "%s: vectorized rc %d '%s', row path rc %d '%s'", sql,
          ra, ma, rb, mb);
    if (ra == 0) n_cmp_ok++;
    else n_cmp_err++;
    if (ra == rb && strcmp(a, b) != 0) {
        size_t i = 0;
        while (a[i] && a[i] == b[i]) i++;
        size_t from = i > 60 ? i - 60 : 0;
        CHECK(0, "%s: results differ at byte %zu: vectorized '%.120s' row path '%.120s'", sql, i,
              a + from, b + from);
    } else {
        checks++;
    }
    free(a);
    free(b);
}

static const char *queries[] = {
    "SELECT count(*) FROM %s",
    "SELECT count(*) FROM %s WHERE b < 500",
    "SELECT count(*), count(a), count(c), count(d) FROM %s",
    "SELECT sum(a), avg(c), min(b), max(c), sum(c), avg(a), min(d), max(d) FROM %s",
    "SELECT stddev(a), variance(c), stddev_pop(b), var_pop(a) FROM %s",
    "SELECT b % 100, count(*), sum(c) FROM %s GROUP BY 1 ORDER BY 1",
    "SELECT d, count(*), min(a), max(b) FROM %s GROUP BY d ORDER BY d",
    "SELECT e, count(*), sum(a) FROM %s GROUP BY e ORDER BY e",
    "SELECT a + b * 2 FROM %s WHERE c > 0.5 LIMIT 10",
    "SELECT a + b * 2 FROM %s WHERE c > 0.5 ORDER BY 1 LIMIT 10 OFFSET 5",
    "SELECT * FROM %s ORDER BY id",
    "SELECT id, d FROM %s WHERE d LIKE 'x1%%' ORDER BY id",
    "SELECT id FROM %s WHERE a IS NULL OR c IS NULL ORDER BY id",
    "SELECT id, a > b, c <= 0.25, NOT f, f AND a > 0, f OR c > 0.9 FROM %s ORDER BY id",
    "SELECT id FROM %s WHERE a <> 0 AND 1000 / a > 3 ORDER BY id",
    "SELECT id, 1000 / a FROM %s ORDER BY id",
    "SELECT id, a * 1000000 FROM %s ORDER BY id",
    "SELECT id, b * 10000000000 FROM %s ORDER BY id",
    "SELECT id, CASE WHEN a > 0 THEN 'p' WHEN a < 0 THEN 'n' END, coalesce(a, -1) FROM %s "
    "ORDER BY id",
    "SELECT id, a::int8 * 3, a::float8 / 3, c::numeric(12,3), upper(d), length(d) FROM %s "
    "ORDER BY id",
    "SELECT id FROM %s WHERE a IN (1, 2, 3, NULL) OR b IN (10, 20) ORDER BY id",
    "SELECT e, sum(g), avg(g), min(g), max(g), sum(a::numeric) FROM %s GROUP BY e ORDER BY e",
    "SELECT count(DISTINCT a % 10), string_agg(d, ',' ORDER BY id DESC), "
    "sum(a) FILTER (WHERE f) FROM %s WHERE id < 40",
    "SELECT h, count(*) FROM %s GROUP BY h ORDER BY h",
    "SELECT id FROM %s t1 WHERE a > (SELECT avg(a) FROM %s) ORDER BY id",
    "SELECT id FROM %s t1 WHERE EXISTS (SELECT 1 FROM %s t2 WHERE t2.id = t1.id + 1 AND t2.a > t1.a) "
    "ORDER BY id",
    "SELECT x.id, x.s FROM (SELECT id, a + 1 AS s FROM %s WHERE b % 3 = 0) x WHERE x.s > 10 "
    "ORDER BY x.id",
    "SELECT t1.id, t2.d FROM %s t1 JOIN %s t2 ON t1.id = t2.id + 1 WHERE t1.c > 0.5 ORDER BY 1",
    "SELECT t1.e, count(*) FROM %s t1 JOIN %s t2 ON t1.id = t2.id GROUP BY t1.e ORDER BY 1",
    "SELECT DISTINCT e FROM %s ORDER BY 1",
    "SELECT a FROM %s WHERE id < 10 UNION SELECT b FROM %s WHERE id < 5 ORDER BY 1",
    "SELECT id FROM %s WHERE id BETWEEN 100 AND 200 ORDER BY id",
    "SELECT id, a FROM %s WHERE id > 1000 ORDER BY id LIMIT 3",
    "SELECT count(*) FROM %s WHERE id >= 3 AND id < 1030",
    "SELECT max(id), min(d) FROM %s WHERE c < 0.1",
    "SELECT sum(a) FROM %s HAVING count(*) > 2",
    "SELECT id FROM %s LIMIT 0",
    "SELECT id FROM %s LIMIT 5 OFFSET 1022",
};

/* generated SQL fits its buffers (depths are bounded); were one cut short, both paths would
   see the same text */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* random expressions over the integer, float, bool and text columns: comparisons, arithmetic
   (overflow and division by zero included), AND/OR/NOT, IS NULL, IN, CASE, casts */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static void gen_num(char *o, size_t cap, int depth)
{
    static const char *leaf[] = {"a", "b", "e", "id", "c", "1", "0", "-3", "1000000", "2.5",
                                 "NULL::int", "2147483647", "a::int8"};
    static const char *ops[] = {"+", "-", "*", "/", "%"};
    if (depth == 0 || rnd(3) == 0) {
        snprintf(o, cap, "%s", leaf[rnd(sizeof leaf / sizeof leaf[0])]);
        return;
    }
    char x[400], y[400];
    gen_num(x, sizeof x, depth - 1);
    gen_num(y, sizeof y, depth - 1);
    if (rnd(6) == 0) snprintf(o, cap, "CASE WHEN %s > 0 THEN %s ELSE %s END", x, y, x);
    else snprintf(o, cap, "(%s %s %s)", x, ops[rnd(5)], y);
}

static void gen_bool(char *o, size_t cap, int depth)
{
    static const char *cmp[] = {"=", "<>", "<", "<=", ">", ">="};
    char x[900], y[900];
    uint32_t k = depth == 0 ? rnd(4) : rnd(8);
    switch (k) {
    case 0: case 1:
        gen_num(x, sizeof x, 2);
        gen_num(y, sizeof y, 1);
        snprintf(o, cap, "%s %s %s", x, cmp[rnd(6)], y);
        break;
    case 2:
        snprintf(o, cap, "%s", rnd(2) ? "f" : "NOT f");
        break;
    case 3:
        gen_num(x, sizeof x, 1);
        snprintf(o, cap, "%s IS %sNULL", x, rnd(2) ? "NOT " : "");
        break;
    case 4: case 5:
        gen_bool(x, sizeof x, depth - 1);
        gen_bool(y, sizeof y, depth - 1);
        snprintf(o, cap, "(%s %s %s)", x, rnd(2) ? "AND" : "OR", y);
        break;
    case 6:
        gen_bool(x, sizeof x, depth - 1);
        snprintf(o, cap, "NOT (%s)", x);
        break;
    default:
        gen_num(x, sizeof x, 1);
        snprintf(o, cap, "%s IN (1, 2, NULL, %u)", x, rnd(1000));
        break;
    }
}

static void random_tests(void)
{
    char w[2000], p[1000], q[4096];
    for (int i = 0; i < 300; i++) {
        gen_bool(w, sizeof w, 3);
        gen_num(p, sizeof p, 2);
        switch (i % 3) {
        case 0:
            snprintf(q, sizeof q, "SELECT id, %s FROM t1025 WHERE %s ORDER BY id", p, w);
            break;
        case 1:
            snprintf(q, sizeof q, "SELECT count(*), sum(%s), min(%s), max(c) FROM t5000 WHERE %s",
                     p, p, w);
            break;
        default:
            snprintf(q, sizeof q,
                     "SELECT e, count(*), avg(c), sum(a) FROM t5000 WHERE %s GROUP BY e ORDER BY e",
                     w);
            break;
        }
        compare(q);
    }
}

static void sql_tests(const char *dir)
{
    helios_engine_t *eng;
    helios_err_t err = HELIOS_ERR_INIT;
    heliosdb_options_t o = {.size = sizeof o};
    if (heliosdb_open(dir, &o, &eng, &err) != 0) {
        CHECK(0, "open: %s", err.message);
        return;
    }
    if (heliosdb_connect(eng, NULL, &S, &err) != 0) {
        CHECK(0, "connect: %s", err.message);
        return;
    }
    static const int sizes[] = {1, 1023, 1024, 1025, 5000};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        char sql[1024], tab[32];
        snprintf(tab, sizeof tab, "t%d", sizes[si]);
        snprintf(sql, sizeof sql,
                 "CREATE TABLE %s (id int PRIMARY KEY, a int, b bigint, c float8, d text, "
                 "e smallint, f bool, g numeric(10,2), h date)", tab);
        exec_ok(sql);
        snprintf(sql, sizeof sql,
                 "INSERT INTO %s SELECT i, CASE WHEN i %% 17 = 0 THEN NULL ELSE (i * 7919) %% 2001 "
                 "- 1000 END, (i * 104729) %% 1000, CASE WHEN i %% 13 = 0 THEN NULL ELSE "
                 "((i * 31) %% 1000) / 1000.0 END, CASE WHEN i %% 29 = 0 THEN NULL ELSE 'x' || "
                 "i END, (i %% 7)::smallint, i %% 3 = 0, (i %% 1000) / 8.0, DATE '2020-01-01' + i "
                 "%% 50 FROM generate_series(1, %d) i", tab, sizes[si]);
        exec_ok(sql);
        for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
            snprintf(sql, sizeof sql, queries[q], tab, tab, tab);
            compare(sql);
        }
    }
    random_tests();
    /* an overflow only in the second batch, and an error row past a LIMIT's rows */
    exec_ok("CREATE TABLE ov (id int PRIMARY KEY, a int)");
    exec_ok("INSERT INTO ov SELECT i, CASE WHEN i = 1500 THEN 2147483647 ELSE i END "
            "FROM generate_series(1, 3000) i");
    compare("SELECT a + 1 FROM ov");
    compare("SELECT sum(a + 1) FROM ov");
    compare("SELECT id FROM ov WHERE a + 1 > 0 ORDER BY id DESC");
    compare("SELECT id, 10 / (a - 1500) FROM ov WHERE id <> 1500");
    compare("SELECT id, CASE WHEN a = 2147483647 THEN 0 ELSE a + 1 END FROM ov");
    /* a GROUP BY that spills at a small work_mem */
    exec_ok("CREATE TABLE big (id int PRIMARY KEY, k int, v float8, s text)");
    exec_ok("INSERT INTO big SELECT i, (i * 7919) % 20000, i / 3.0, 's' || (i % 100) "
            "FROM generate_series(1, 60000) i");
    exec_ok("SET work_mem = '64kB'");
    compare("SELECT k, count(*), sum(v), min(s), max(id) FROM big GROUP BY k ORDER BY k");
    compare("SELECT s, count(*), avg(v) FROM big WHERE k < 1000 GROUP BY s ORDER BY s");
    compare("SELECT id, k FROM big WHERE k < 300 ORDER BY k, id");
    exec_ok("RESET work_mem");
    /* SHOW / RESET of the setting */
    char *txt, msg[256];
    int32_t rc;
    exec_ok("SET helios.vectorize = off");
    run_text("SHOW helios.vectorize", &txt, &rc, msg, sizeof msg);
    CHECK(rc == 0 && strcmp(txt, "off|\n") == 0, "SHOW helios.vectorize: %d '%s'", rc, txt);
    free(txt);
    exec_ok("SET helios.vectorize = on");
    heliosdb_disconnect(S);
    heliosdb_close(eng);
}

int main(void)
{
    kernel_tests();
    ar_free(&A);
    char dir[] = "/tmp/helios_vec_XXXXXX";
    if (mkdtemp(dir) == NULL) return 1;
    sql_tests(dir);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) printf("could not remove %s\n", dir);
    printf("%d queries compared (%d errors, equal both ways)\n", n_cmp_ok + n_cmp_err, n_cmp_err);
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
