/* kernel/sql/expr_vec.c -- expression evaluation over column batches (vec.h).
 *
 * Real kernels: column references (the batch's vector, no copy), constants, parameters and
 * outer-level columns (broadcast), comparisons between int64 and double vectors and
 * constants, + - * / % on int64 (22003 on overflow, as the row path) and on double, AND / OR
 * with three-valued logic (a later argument is evaluated only for the rows the earlier ones
 * left undecided, as the row path short-circuits), NOT, IS [NOT] NULL, IS TRUE/FALSE/UNKNOWN,
 * integer widening casts. Other operators, casts, IN lists and functions evaluate their
 * arguments as vectors and apply the row path's operator (eval_op, val_cast, the function)
 * per row. Anything else (CASE, subqueries, COALESCE, ...) runs the row path's eval() per
 * selected row over the gathered wide row. */
#include <math.h>

#include "sql/vec.h"

#define SEL(k) (sel != NULL ? (uint32_t)sel[k] : (uint32_t)(k))

int vec_kind_of(uint32_t t)
{
    switch (type_phys(t)) {
    case HELIOS_PT_BOOL:
    case HELIOS_PT_INT16:
    case HELIOS_PT_INT32:
    case HELIOS_PT_INT64:
        return VEC_I64;
    case HELIOS_PT_FLOAT32:
    case HELIOS_PT_FLOAT64:
        return VEC_F64;
    default:
        return VEC_VAL;
    }
}

vec_t *vec_new(arena_t *a, int kind, uint32_t t, uint32_t n)
{
    vec_t *v = ar_alloc(a, sizeof *v);
    memset(v, 0, offsetof(vec_t, nulls) + sizeof v->nulls);
    v->kind = (uint8_t)kind;
    v->t = t;
    v->all_valid = 1;
    size_t es = kind == VEC_VAL ? sizeof(val_t) : sizeof(int64_t);
    v->i = ar_alloc(a, es * (n ? n : 1));
    return v;
}

vec_t *vec_const(arena_t *a, const val_t *x)
{
    int kind = x->null ? VEC_VAL : vec_kind_of(x->t);
    vec_t *v = vec_new(a, kind, x->t, 1);
    v->is_const = 1;
    vec_put(v, 0, x);
    return v;
}

void vec_get(const vec_t *v, uint32_t i, val_t *out)
{
    uint32_t j = v->is_const ? 0 : i;
    if (v->kind == VEC_VAL) {
        *out = v->v[j];
        return;
    }
    memset(out, 0, sizeof *out);
    out->t = v->t;
    if (vec_null(v, j)) {
        out->null = 1;
        return;
    }
    if (v->kind == VEC_I64) out->i = v->i[j];
    else out->f = v->f[j];
}

void vec_put(vec_t *v, uint32_t i, const val_t *x)
{
    if (v->kind == VEC_VAL) {
        v->v[i] = *x;
    } else if (!x->null) {
        if (v->kind == VEC_I64) v->i[i] = x->i;
        else v->f[i] = x->f;
    }
    if (x->null) vec_set_null(v, i);
}

val_t *batch_row(batch_t *b, uint32_t i)
{
    val_t *r = b->row;
    for (uint32_t s = 0; s < b->width; s++) {
        if (b->cols[s] != NULL) {
            vec_get(b->cols[s], i, &r[s]);
        } else {
            memset(&r[s], 0, sizeof r[s]);
            r[s].null = 1;
        }
    }
    return r;
}

int vec_expr_ok(const expr_t *e)
{
    if (e == NULL) return 1;
    if (e->kind == E_FUNC && e->fn != NULL &&
        (strcmp(e->fn->name, "nextval") == 0 || strcmp(e->fn->name, "setval") == 0 ||
         strcmp(e->fn->name, "currval") == 0)) {
        return 0;
    }
    for (uint32_t i = 0; i < e->n_args; i++) {
        if (!vec_expr_ok(e->args[i])) return 0;
    }
    return 1;
}

/* ---- row-wise fallback ---- */
static int32_t v_rowwise(exec_ctx_t *cx, expr_t *e, batch_t *b, const uint16_t *sel, uint32_t n,
                         vec_t **out)
{
    vec_t *o = vec_new(b->ar, VEC_VAL, e->type, b->n);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = SEL(k);
        cx->rows[b->depth] = batch_row(b, i);
        int32_t rc = eval(cx, e, &o->v[i]);
        if (rc != 0) return rc;
        if (o->v[i].null) vec_set_null(o, i);
    }
    *out = o;
    return 0;
}

static void set_null_val(val_t *o, uint32_t t)
{
    memset(o, 0, sizeof *o);
    o->t = t;
    o->null = 1;
}

/* NULL bits of o for the rows of sel: set where a or b (b may be NULL) is NULL */
static void merge_nulls(vec_t *o, const vec_t *a, const vec_t *b, const uint16_t *sel, uint32_t n)
{
    if (a->all_valid && (b == NULL || b->all_valid)) return;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = SEL(k);
        if (vec_null(a, i) || (b != NULL && vec_null(b, i))) vec_set_null(o, i);
    }
}

/* ---- comparisons ---- */
static int is_int_class(uint32_t t)
{
    return val_is_int(t);
}

static int is_i64_same(uint32_t t)
{
    return t == HELIOS_OID_BOOL || t == HELIOS_OID_DATE || t == HELIOS_OID_TIME ||
           t == HELIOS_OID_TIMESTAMP || t == HELIOS_OID_TIMESTAMPTZ;
}

static int is_float(uint32_t t)
{
    return t == HELIOS_OID_FLOAT4 || t == HELIOS_OID_FLOAT8;
}

/* PostgreSQL's float order: NaN above everything and equal to itself */
static inline int cmp_f(double x, double y)
{
    if (isnan(x)) return isnan(y) ? 0 : 1;
    if (isnan(y)) return -1;
    return x < y ? -1 : x > y;
}

static inline int cmp_i(int64_t x, int64_t y)
{
    return x < y ? -1 : x > y;
}

#define CMP_LOOPS(XA, XB, CMPF)                                                                  \
    do {                                                                                         \
        switch (op) {                                                                            \
        case OP_EQ: for (uint32_t k = 0; k < n; k++) { uint32_t i = SEL(k); oi[i] = CMPF(XA, XB) == 0; } break; \
        case OP_NE: for (uint32_t k = 0; k < n; k++) { uint32_t i = SEL(k); oi[i] = CMPF(XA, XB) != 0; } break; \
        case OP_LT: for (uint32_t k = 0; k < n; k++) { uint32_t i = SEL(k); oi[i] = CMPF(XA, XB) < 0; } break;  \
        case OP_LE: for (uint32_t k = 0; k < n; k++) { uint32_t i = SEL(k); oi[i] = CMPF(XA, XB) <= 0; } break; \
        case OP_GT: for (uint32_t k = 0; k < n; k++) { uint32_t i = SEL(k); oi[i] = CMPF(XA, XB) > 0; } break;  \
        default: for (uint32_t k = 0; k < n; k++) { uint32_t i = SEL(k); oi[i] = CMPF(XA, XB) >= 0; } break;   \
        }                                                                                        \
    } while (0)

/* 1: done; 0: not a case for a typed kernel */
static int v_cmp_fast(expr_t *e, batch_t *b, const vec_t *a, const vec_t *c, const uint16_t *sel,
                      uint32_t n, vec_t **out)
{
    uint32_t op = e->op;
    if (e->type != HELIOS_OID_BOOL || a->kind == VEC_VAL || c->kind == VEC_VAL) return 0;
    int ints = a->kind == VEC_I64 && c->kind == VEC_I64 &&
               ((is_int_class(a->t) && is_int_class(c->t)) || (a->t == c->t && is_i64_same(a->t)));
    int flts = (a->kind == VEC_F64 && is_float(a->t) &&
                ((c->kind == VEC_F64 && is_float(c->t)) || (c->kind == VEC_I64 && is_int_class(c->t)))) ||
               (c->kind == VEC_F64 && is_float(c->t) && a->kind == VEC_I64 && is_int_class(a->t));
    if (!ints && !flts) return 0;
    vec_t *o = vec_new(b->ar, VEC_I64, HELIOS_OID_BOOL, b->n);
    int64_t *oi = o->i;
    uint32_t sa = a->is_const ? 0 : 1, sc = c->is_const ? 0 : 1;
    if (ints) {
        const int64_t *x = a->i, *y = c->i;
        if (sc == 0) {
            int64_t y0 = y[0];
            CMP_LOOPS(x[i * sa], y0, cmp_i);
        } else {
            CMP_LOOPS(x[i * sa], y[i * sc], cmp_i);
        }
    } else if (a->kind == VEC_F64 && c->kind == VEC_F64) {
        const double *x = a->f, *y = c->f;
        CMP_LOOPS(x[i * sa], y[i * sc], cmp_f);
    } else if (a->kind == VEC_F64) {
        const double *x = a->f;
        const int64_t *y = c->i;
        CMP_LOOPS(x[i * sa], (double)y[i * sc], cmp_f);
    } else {
        const int64_t *x = a->i;
        const double *y = c->f;
        CMP_LOOPS((double)x[i * sa], y[i * sc], cmp_f);
    }
    merge_nulls(o, a, c, sel, n);
    if (a->is_const && c->is_const) o->is_const = 0; /* computed per row anyway */
    *out = o;
    return 1;
}

/* ---- arithmetic ---- */
static int32_t ovf_err(exec_ctx_t *cx, uint32_t t)
{
    return sql_err(cx->err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE, "%s out of range",
                   t == HELIOS_OID_INT2 ? "smallint" : t == HELIOS_OID_INT4 ? "integer" : "bigint");
}

static int32_t div0_err(exec_ctx_t *cx)
{
    return sql_err(cx->err, HELIOS_ERR_DIVISION_BY_ZERO, "division by zero");
}

static int32_t v_int_arith(exec_ctx_t *cx, expr_t *e, batch_t *b, const vec_t *a, const vec_t *c,
                           const uint16_t *sel, uint32_t n, vec_t **out)
{
    uint32_t rt = e->type, op = e->op;
    vec_t *o = vec_new(b->ar, VEC_I64, rt, b->n);
    merge_nulls(o, a, c, sel, n);
    int64_t *oi = o->i;
    const int64_t *x = a->i, *y = c->i;
    uint32_t sa = a->is_const ? 0 : 1, sc = c->is_const ? 0 : 1;
    int64_t lo = rt == HELIOS_OID_INT4 ? INT32_MIN : rt == HELIOS_OID_INT2 ? INT16_MIN : INT64_MIN;
    int64_t hi = rt == HELIOS_OID_INT4 ? INT32_MAX : rt == HELIOS_OID_INT2 ? INT16_MAX : INT64_MAX;
    int check_nulls = !o->all_valid;
    uint32_t bad = 0; /* 1 overflow, 2 division by zero */
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = SEL(k);
        if (check_nulls && vec_null(o, i)) continue;
        int64_t p = x[i * sa], q = y[i * sc], r = 0;
        switch (op) {
        case OP_ADD: if (__builtin_add_overflow(p, q, &r)) bad |= 1; break;
        case OP_SUB: if (__builtin_sub_overflow(p, q, &r)) bad |= 1; break;
        case OP_MUL: if (__builtin_mul_overflow(p, q, &r)) bad |= 1; break;
        case OP_DIV:
            if (q == 0) bad |= 2;
            else if (q == -1) { if (p == INT64_MIN) bad |= 1; else r = -p; }
            else r = p / q;
            break;
        default: /* OP_MOD */
            if (q == 0) bad |= 2;
            else r = q == -1 ? 0 : p % q;
            break;
        }
        if (r < lo || r > hi) bad |= 1;
        oi[i] = r;
    }
    if (bad) return (bad & 2) ? div0_err(cx) : ovf_err(cx, rt);
    *out = o;
    return 0;
}

static int32_t v_float_arith(exec_ctx_t *cx, expr_t *e, batch_t *b, const vec_t *a,
                             const vec_t *c, const uint16_t *sel, uint32_t n, vec_t **out)
{
    uint32_t rt = e->type, op = e->op;
    vec_t *o = vec_new(b->ar, VEC_F64, rt, b->n);
    merge_nulls(o, a, c, sel, n);
    double *of = o->f;
    uint32_t sa = a->is_const ? 0 : 1, sc = c->is_const ? 0 : 1;
    int check_nulls = !o->all_valid;
    uint32_t bad = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = SEL(k);
        if (check_nulls && vec_null(o, i)) continue;
        double p = a->kind == VEC_F64 ? a->f[i * sa] : (double)a->i[i * sa];
        double q = c->kind == VEC_F64 ? c->f[i * sc] : (double)c->i[i * sc];
        double r;
        switch (op) {
        case OP_ADD: r = p + q; break;
        case OP_SUB: r = p - q; break;
        case OP_MUL: r = p * q; break;
        case OP_DIV:
            if (q == 0) { bad |= 2; r = 0; }
            else r = p / q;
            break;
        default:
            if (q == 0) { bad |= 2; r = 0; }
            else r = fmod(p, q);
            break;
        }
        if (isinf(r) && !isinf(p) && !isinf(q)) bad |= 1;
        of[i] = rt == HELIOS_OID_FLOAT4 ? (double)(float)r : r;
    }
    if (bad & 2) return div0_err(cx);
    if (bad) {
        return sql_err(cx->err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE,
                       "value out of range: overflow");
    }
    *out = o;
    return 0;
}

static int32_t v_op(exec_ctx_t *cx, expr_t *e, batch_t *b, const uint16_t *sel, uint32_t n,
                    vec_t **out)
{
    vec_t *a, *c = NULL;
    int32_t rc;
    if (e->n_args < 1 || e->n_args > 2) return v_rowwise(cx, e, b, sel, n, out);
    if ((rc = eval_vec(cx, e->args[0], b, sel, n, &a)) != 0) return rc;
    if (e->n_args == 2) {
        if ((rc = eval_vec(cx, e->args[1], b, sel, n, &c)) != 0) return rc;
        uint32_t op = e->op;
        if (op >= OP_EQ && op <= OP_GE && v_cmp_fast(e, b, a, c, sel, n, out)) return 0;
        if (op == OP_ADD || op == OP_SUB || op == OP_MUL || op == OP_DIV || op == OP_MOD) {
            uint32_t rt = e->type;
            if (val_is_int(rt) && a->kind == VEC_I64 && c->kind == VEC_I64 && is_int_class(a->t) &&
                is_int_class(c->t)) {
                return v_int_arith(cx, e, b, a, c, sel, n, out);
            }
            if (is_float(rt) && a->kind != VEC_VAL && c->kind != VEC_VAL &&
                (a->kind == VEC_F64 ? is_float(a->t) : is_int_class(a->t)) &&
                (c->kind == VEC_F64 ? is_float(c->t) : is_int_class(c->t))) {
                return v_float_arith(cx, e, b, a, c, sel, n, out);
            }
        }
    }
    /* the row path's operator per row */
    vec_t *o = vec_new(b->ar, VEC_VAL, e->type, b->n);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = SEL(k);
        val_t x, y;
        vec_get(a, i, &x);
        if (c != NULL) vec_get(c, i, &y);
        if (x.null || (c != NULL && y.null)) {
            set_null_val(&o->v[i], e->type);
            vec_set_null(o, i);
            continue;
        }
        if ((rc = eval_op(cx, e->op, e->type, &x, c != NULL ? &y : NULL, &o->v[i])) != 0) return rc;
    }
    *out = o;
    return 0;
}

/* truth value of row i of a boolean vector (not NULL) */
static inline int64_t vbool_at(const vec_t *v, uint32_t i)
{
    uint32_t j = v->is_const ? 0 : i;
    if (v->kind == VEC_VAL) return v->v[j].i;
    if (v->kind == VEC_F64) return v->f[j] != 0;
    return v->i[j];
}

static int32_t v_andor(exec_ctx_t *cx, expr_t *e, batch_t *b, const uint16_t *sel, uint32_t n,
                       vec_t **out)
{
    int is_and = e->kind == E_AND;
    vec_t *o = vec_new(b->ar, VEC_I64, HELIOS_OID_BOOL, b->n);
    uint16_t *cur = ar_alloc(b->ar, sizeof(uint16_t) * (n ? n : 1));
    for (uint32_t k = 0; k < n; k++) cur[k] = (uint16_t)SEL(k);
    uint32_t ncur = n;
    for (uint32_t ai = 0; ai < e->n_args && ncur > 0; ai++) {
        vec_t *a;
        int32_t rc = eval_vec(cx, e->args[ai], b, cur, ncur, &a);
        if (rc != 0) return rc;
        uint32_t nn = 0;
        for (uint32_t k = 0; k < ncur; k++) {
            uint32_t i = cur[k];
            if (vec_null(a, i)) {
                vec_set_null(o, i);
                cur[nn++] = (uint16_t)i;
            } else if (is_and ? !vbool_at(a, i) : vbool_at(a, i)) {
                o->i[i] = !is_and; /* decided: false for AND, true for OR */
                o->nulls[i >> 6] &= ~(1ull << (i & 63));
            } else {
                cur[nn++] = (uint16_t)i;
            }
        }
        ncur = nn;
    }
    for (uint32_t k = 0; k < ncur; k++) o->i[cur[k]] = is_and;
    *out = o;
    return 0;
}

static int32_t v_not(exec_ctx_t *cx, expr_t *e, batch_t *b, const uint16_t *sel, uint32_t n,
                     vec_t **out)
{
    vec_t *a;
    int32_t rc = eval_vec(cx, e->args[0], b, sel, n, &a);
    if (rc != 0) return rc;
    vec_t *o = vec_new(b->ar, VEC_I64, HELIOS_OID_BOOL, b->n);
    merge_nulls(o, a, NULL, sel, n);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = SEL(k);
        o->i[i] = !vbool_at(a, i);
    }
    *out = o;
    return 0;
}

static int32_t v_nulltest(exec_ctx_t *cx, expr_t *e, batch_t *b, const uint16_t *sel, uint32_t n,
                          vec_t **out)
{
    vec_t *a;
    int32_t rc = eval_vec(cx, e->args[0], b, sel, n, &a);
    if (rc != 0) return rc;
    vec_t *o = vec_new(b->ar, VEC_I64, HELIOS_OID_BOOL, b->n);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = SEL(k);
        int isn = vec_null(a, i);
        int r;
        if (e->kind == E_ISNULL) {
            r = e->op ? !isn : isn;
        } else {
            int64_t x = isn ? 0 : vbool_at(a, i);
            switch (e->op) {
            case PG_QUERY__BOOL_TEST_TYPE__IS_TRUE: r = !isn && x; break;
            case PG_QUERY__BOOL_TEST_TYPE__IS_NOT_TRUE: r = isn || !x; break;
            case PG_QUERY__BOOL_TEST_TYPE__IS_FALSE: r = !isn && !x; break;
            case PG_QUERY__BOOL_TEST_TYPE__IS_NOT_FALSE: r = isn || x; break;
            case PG_QUERY__BOOL_TEST_TYPE__IS_UNKNOWN: r = isn; break;
            default: r = !isn; break;
            }
        }
        o->i[i] = r;
    }
    *out = o;
    return 0;
}

static int32_t v_cast(exec_ctx_t *cx, expr_t *e, batch_t *b, const uint16_t *sel, uint32_t n,
                      vec_t **out)
{
    vec_t *a;
    int32_t rc = eval_vec(cx, e->args[0], b, sel, n, &a);
    if (rc != 0) return rc;
    if (a->kind == VEC_I64 && val_is_int(a->t) && val_is_int(e->type) &&
        type_numeric_rank(a->t) <= type_numeric_rank(e->type)) {
        vec_t *o = ar_alloc(b->ar, sizeof *o);
        *o = *a; /* same values and NULLs, the wider type */
        o->t = e->type;
        *out = o;
        return 0;
    }
    vec_t *o = vec_new(b->ar, VEC_VAL, e->type, b->n);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = SEL(k);
        val_t x;
        vec_get(a, i, &x);
        val_t *r = &o->v[i];
        if (x.null) {
            set_null_val(r, e->type);
            vec_set_null(o, i);
        } else if (val_is_int(x.t) && val_is_int(e->type) &&
                   type_numeric_rank(x.t) <= type_numeric_rank(e->type)) {
            *r = x;
            r->t = e->type;
        } else if ((rc = val_cast(cx->ar, &x, e->type, e->typmod, r, e->op == 0, cx->err)) != 0) {
            return rc;
        }
    }
    *out = o;
    return 0;
}

static int32_t v_func(exec_ctx_t *cx, expr_t *e, batch_t *b, const uint16_t *sel, uint32_t n,
                      vec_t **out)
{
    vec_t *av[16];
    uint32_t na = e->n_args > 16 ? 16 : e->n_args;
    int32_t rc;
    for (uint32_t j = 0; j < na; j++) {
        if ((rc = eval_vec(cx, e->args[j], b, sel, n, &av[j])) != 0) return rc;
    }
    vec_t *o = vec_new(b->ar, VEC_VAL, e->type, b->n);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = SEL(k);
        val_t args[16];
        val_t *r = &o->v[i];
        int isnull = 0;
        for (uint32_t j = 0; j < na; j++) {
            vec_get(av[j], i, &args[j]);
            if (args[j].null && e->fn->strict) {
                isnull = 1;
                break;
            }
        }
        if (isnull) {
            set_null_val(r, e->type);
        } else {
            memset(r, 0, sizeof *r);
            r->t = e->type;
            if ((rc = e->fn->fn(cx, e, args, r)) != 0) return rc;
        }
        if (r->null) vec_set_null(o, i);
    }
    *out = o;
    return 0;
}

static int32_t v_in(exec_ctx_t *cx, expr_t *e, batch_t *b, const uint16_t *sel, uint32_t n,
                    vec_t **out)
{
    if (e->n_args > 64) return v_rowwise(cx, e, b, sel, n, out);
    vec_t *av[64];
    int32_t rc;
    for (uint32_t j = 0; j < e->n_args; j++) {
        if ((rc = eval_vec(cx, e->args[j], b, sel, n, &av[j])) != 0) return rc;
    }
    vec_t *o = vec_new(b->ar, VEC_I64, HELIOS_OID_BOOL, b->n);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = SEL(k);
        val_t x;
        vec_get(av[0], i, &x);
        if (x.null) {
            vec_set_null(o, i);
            continue;
        }
        int saw_null = 0, hit = 0;
        for (uint32_t j = 1; j < e->n_args && !hit; j++) {
            val_t y;
            vec_get(av[j], i, &y);
            if (y.null) saw_null = 1;
            else if (val_cmp(&x, &y) == 0) hit = 1;
        }
        if (hit) o->i[i] = e->op ? 0 : 1;
        else if (saw_null) vec_set_null(o, i);
        else o->i[i] = e->op ? 1 : 0;
    }
    *out = o;
    return 0;
}

int32_t eval_vec(exec_ctx_t *cx, expr_t *e, batch_t *b, const uint16_t *sel, uint32_t n,
                 vec_t **out)
{
    switch (e->kind) {
    case E_CONST: {
        val_t c = e->c;
        if (c.null) c.t = e->type;
        *out = vec_const(b->ar, &c);
        return 0;
    }
    case E_PARAM: {
        val_t v;
        int32_t rc = eval(cx, e, &v);
        if (rc != 0) return rc;
        *out = vec_const(b->ar, &v);
        return 0;
    }
    case E_COL:
        if (e->depth != b->depth) {
            /* an outer query's column: one value for the whole batch */
            *out = vec_const(b->ar, &cx->rows[e->depth][e->idx]);
            return 0;
        }
        if (e->idx < b->width && b->cols[e->idx] != NULL) {
            *out = b->cols[e->idx];
            return 0;
        }
        return v_rowwise(cx, e, b, sel, n, out);
    case E_OP:
        return v_op(cx, e, b, sel, n, out);
    case E_AND:
    case E_OR:
        return v_andor(cx, e, b, sel, n, out);
    case E_NOT:
        return v_not(cx, e, b, sel, n, out);
    case E_ISNULL:
    case E_BOOLTEST:
        return v_nulltest(cx, e, b, sel, n, out);
    case E_CAST:
        return v_cast(cx, e, b, sel, n, out);
    case E_FUNC:
        if (e->fn != NULL && e->n_args <= 16 && vec_expr_ok(e)) return v_func(cx, e, b, sel, n, out);
        return v_rowwise(cx, e, b, sel, n, out);
    case E_IN:
        return v_in(cx, e, b, sel, n, out);
    default:
        return v_rowwise(cx, e, b, sel, n, out);
    }
}

int32_t vec_filter(exec_ctx_t *cx, expr_t *e, batch_t *b, const uint16_t *sel, uint32_t n,
                   uint16_t *out_sel, uint32_t *out_n)
{
    vec_t *v;
    int32_t rc = eval_vec(cx, e, b, sel, n, &v);
    if (rc != 0) return rc;
    uint32_t m = 0;
    if (v->kind == VEC_I64 && !v->is_const && v->all_valid) {
        const int64_t *x = v->i;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = SEL(k);
            out_sel[m] = (uint16_t)i;
            m += x[i] != 0;
        }
    } else {
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = SEL(k);
            if (!vec_null(v, i) && vbool_at(v, i)) out_sel[m++] = (uint16_t)i;
        }
    }
    *out_n = m;
    return 0;
}
