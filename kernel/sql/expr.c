/* kernel/sql/expr.c -- expression evaluation (three-valued logic, PostgreSQL arithmetic). */
#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>

#include "sql/sqlint.h"

static void set_null(val_t *o, uint32_t t)
{
    memset(o, 0, sizeof *o);
    o->t = t;
    o->null = 1;
}

static int32_t overflow(exec_ctx_t *cx, uint32_t t)
{
    return sql_err(cx->err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE, "%s out of range",
                   t == HELIOS_OID_INT2 ? "smallint" : t == HELIOS_OID_INT4 ? "integer" : "bigint");
}

static int32_t div0(exec_ctx_t *cx)
{
    return sql_err(cx->err, HELIOS_ERR_DIVISION_BY_ZERO, "division by zero");
}

static double as_double(const val_t *v)
{
    if (v->t == HELIOS_OID_FLOAT4 || v->t == HELIOS_OID_FLOAT8) return v->f;
    if (v->t == HELIOS_OID_NUMERIC) return num_val_double(v);
    return (double)v->i;
}

/* numeric arithmetic (types_num.c): exact, the __int128 fast path, GMP beyond it */
static int32_t num_arith(exec_ctx_t *cx, uint32_t op, const val_t *a, const val_t *b, val_t *o)
{
    return num_binop(cx->ar, op, a, b, o, cx->err);
}

static int32_t int_arith(exec_ctx_t *cx, uint32_t op, uint32_t rt, int64_t x, int64_t y, val_t *o)
{
    int64_t r = 0;
    switch (op) {
    case OP_ADD:
        if (__builtin_add_overflow(x, y, &r)) return overflow(cx, rt);
        break;
    case OP_SUB:
        if (__builtin_sub_overflow(x, y, &r)) return overflow(cx, rt);
        break;
    case OP_MUL:
        if (__builtin_mul_overflow(x, y, &r)) return overflow(cx, rt);
        break;
    case OP_DIV:
        if (y == 0) return div0(cx);
        if (y == -1) {
            if (x == INT64_MIN) return overflow(cx, rt);
            r = -x;
        } else {
            r = x / y;
        }
        break;
    case OP_MOD:
        if (y == 0) return div0(cx);
        r = y == -1 ? 0 : x % y;
        break;
    case OP_BAND: r = x & y; break;
    case OP_BOR: r = x | y; break;
    case OP_BXOR: r = x ^ y; break;
    case OP_SHL: r = (int64_t)((uint64_t)x << (y & 63)); break;
    case OP_SHR: r = x >> (y & 63); break;
    default:
        return sql_err(cx->err, HELIOS_ERR_INTERNAL_ERROR, "bad integer operator");
    }
    if ((rt == HELIOS_OID_INT4 && (r < INT32_MIN || r > INT32_MAX)) ||
        (rt == HELIOS_OID_INT2 && (r < INT16_MIN || r > INT16_MAX))) {
        return overflow(cx, rt);
    }
    o->t = rt;
    o->i = r;
    return 0;
}

static int32_t float_arith(exec_ctx_t *cx, uint32_t op, uint32_t rt, double x, double y, val_t *o)
{
    double r;
    switch (op) {
    case OP_ADD: r = x + y; break;
    case OP_SUB: r = x - y; break;
    case OP_MUL: r = x * y; break;
    case OP_DIV:
        if (y == 0) return div0(cx);
        r = x / y;
        break;
    case OP_MOD:
        if (y == 0) return div0(cx);
        r = fmod(x, y);
        break;
    case OP_POW:
        if (x == 0 && y < 0) {
            return sql_err(cx->err, HELIOS_ERR_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                           "zero raised to a negative power is undefined");
        }
        if (x < 0 && y != floor(y)) {
            return sql_err(cx->err, HELIOS_ERR_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                           "a negative number raised to a non-integer power yields a complex "
                           "result");
        }
        r = pow(x, y);
        break;
    default:
        return sql_err(cx->err, HELIOS_ERR_INTERNAL_ERROR, "bad float operator");
    }
    if (isinf(r) && !isinf(x) && !isinf(y)) {
        return sql_err(cx->err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE,
                       "value out of range: overflow");
    }
    o->t = rt;
    o->f = rt == HELIOS_OID_FLOAT4 ? (double)(float)r : r;
    return 0;
}

static const helios_interval_t *ivl(const val_t *v)
{
    return (const helios_interval_t *)v->s;
}

static val_t mk_interval(arena_t *a, int64_t us, int32_t days, int32_t months)
{
    helios_interval_t *iv = ar_alloc(a, sizeof *iv);
    iv->us = us;
    iv->days = days;
    iv->months = months;
    val_t v;
    memset(&v, 0, sizeof v);
    v.t = HELIOS_OID_INTERVAL;
    v.s = (const char *)iv;
    v.len = sizeof *iv;
    return v;
}

static int64_t ts_add_interval(int64_t ts, const helios_interval_t *iv, int sign)
{
    if (iv->months != 0) {
        int64_t days = ts / 86400000000LL, t = ts % 86400000000LL;
        if (t < 0) {
            t += 86400000000LL;
            days--;
        }
        int y, m, d;
        dt_j2date(days, &y, &m, &d);
        int mm = y * 12 + (m - 1) + sign * iv->months;
        y = mm / 12;
        m = mm % 12 + 1;
        static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int lim = md[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
        if (d > lim) d = lim;
        ts = dt_date2j(y, m, d) * 86400000000LL + t;
    }
    return ts + sign * ((int64_t)iv->days * 86400000000LL + iv->us);
}

static int32_t dt_arith(exec_ctx_t *cx, uint32_t op, uint32_t rt, const val_t *a, const val_t *b,
                        val_t *o)
{
    uint32_t ta = a->t, tb = b->t;
    memset(o, 0, sizeof *o);
    o->t = rt;
    int sign = op == OP_SUB ? -1 : 1;
    if (rt == HELIOS_OID_DATE) {
        int64_t n = val_is_int(tb) ? b->i : a->i;
        int64_t d = val_is_int(tb) ? a->i : b->i;
        o->i = d + sign * n;
        return 0;
    }
    if (ta == HELIOS_OID_DATE && tb == HELIOS_OID_DATE) {
        o->i = a->i - b->i;
        return 0;
    }
    if (rt == 1114 || rt == 1184) {
        if (ta == HELIOS_OID_DATE && tb == HELIOS_OID_TIME) {
            o->i = a->i * 86400000000LL + b->i;
            return 0;
        }
        int64_t ts = ta == 1186 ? (tb == 1082 ? b->i * 86400000000LL : b->i)
                                : (ta == 1082 ? a->i * 86400000000LL : a->i);
        const helios_interval_t *iv = ta == 1186 ? ivl(a) : ivl(b);
        if (rt == HELIOS_OID_TIMESTAMPTZ && ta != HELIOS_OID_DATE && tb != HELIOS_OID_DATE) {
            /* months and days on the session zone's calendar (types_dt.c) */
            o->i = dt_tstz_add_interval(ts, iv->months, iv->days, iv->us, sign);
        } else {
            o->i = ts_add_interval(ts, iv, sign);
        }
        return 0;
    }
    if (rt == HELIOS_OID_INTERVAL) {
        if ((ta == 1114 || ta == 1184) && (tb == 1114 || tb == 1184)) {
            int64_t d = a->i - b->i;
            *o = mk_interval(cx->ar, d % 86400000000LL, (int32_t)(d / 86400000000LL), 0);
            return 0;
        }
        if (ta == 1083 && tb == 1083) {
            *o = mk_interval(cx->ar, a->i - b->i, 0, 0);
            return 0;
        }
        if (ta == 1186 && tb == 1186) {
            const helios_interval_t *x = ivl(a), *y = ivl(b);
            *o = mk_interval(cx->ar, x->us + sign * y->us, x->days + sign * y->days,
                             x->months + sign * y->months);
            return 0;
        }
        const helios_interval_t *x = ta == 1186 ? ivl(a) : ivl(b);
        double f = ta == 1186 ? as_double(b) : as_double(a);
        if (op == OP_DIV) {
            if (f == 0) return div0(cx);
            f = 1.0 / f;
        }
        double months = x->months * f, days = x->days * f;
        int32_t im = (int32_t)months;
        double dd = days + (months - im) * 30;
        int32_t id = (int32_t)dd;
        int64_t us = (int64_t)llround(x->us * f + (dd - id) * 86400e6);
        *o = mk_interval(cx->ar, us, id, im);
        return 0;
    }
    if (rt == HELIOS_OID_TIME) {
        int64_t t = a->i + sign * ivl(b)->us;
        t %= 86400000000LL;
        if (t < 0) t += 86400000000LL;
        o->i = t;
        return 0;
    }
    return sql_err(cx->err, HELIOS_ERR_INTERNAL_ERROR, "bad date/time operator");
}

int like_match(const char *p, size_t pn, const char *s, size_t sn, int ci)
{
    size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;
    while (si < sn) {
        if (pi < pn && p[pi] == '\\' && pi + 1 < pn) {
            char pc = p[pi + 1], sc = s[si];
            if (ci ? tolower((unsigned char)pc) == tolower((unsigned char)sc) : pc == sc) {
                pi += 2;
                si++;
                continue;
            }
        } else if (pi < pn && p[pi] == '%') {
            star_p = pi++;
            star_s = si;
            continue;
        } else if (pi < pn && p[pi] == '_') {
            pi++;
            si++;
            /* skip UTF-8 continuation bytes */
            while (si < sn && ((unsigned char)s[si] & 0xC0) == 0x80) si++;
            continue;
        } else if (pi < pn) {
            char pc = p[pi], sc = s[si];
            if (ci ? tolower((unsigned char)pc) == tolower((unsigned char)sc) : pc == sc) {
                pi++;
                si++;
                continue;
            }
        }
        if (star_p != (size_t)-1) {
            pi = star_p + 1;
            si = ++star_s;
            continue;
        }
        return 0;
    }
    while (pi < pn && p[pi] == '%') pi++;
    return pi == pn;
}

static int32_t regex_match(exec_ctx_t *cx, const val_t *s, const val_t *p, int ci, int *res)
{
    regex_t re;
    char *pat = ar_strndup(cx->ar, p->s, p->len);
    int rc = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB | (ci ? REG_ICASE : 0));
    if (rc != 0) {
        return sql_err(cx->err, HELIOS_ERR_INVALID_REGULAR_EXPRESSION,
                       "invalid regular expression: %s", pat);
    }
    char *str = ar_strndup(cx->ar, s->s, s->len);
    *res = regexec(&re, str, 0, NULL, 0) == 0;
    regfree(&re);
    return 0;
}

int32_t eval_op(exec_ctx_t *cx, uint32_t op, uint32_t rt, val_t *a, val_t *b, val_t *o)
{
    memset(o, 0, sizeof *o);
    o->t = rt;
    switch (op) {
    case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE: {
        int c = val_cmp(a, b);
        int r = op == OP_EQ ? c == 0 : op == OP_NE ? c != 0 : op == OP_LT ? c < 0
              : op == OP_LE ? c <= 0 : op == OP_GT ? c > 0 : c >= 0;
        o->t = HELIOS_OID_BOOL;
        o->i = r;
        return 0;
    }
    case OP_CONCAT: {
        if (type_elem_of(rt) != 0) {
            /* array || element / array: textual splice */
            uint32_t la, lb;
            const char *sa = val_text(cx->ar, a, &la), *sb = val_text(cx->ar, b, &lb);
            sbuf_t sb0 = {0};
            int aa = type_elem_of(a->t) != 0, ba = type_elem_of(b->t) != 0;
            sb_putc(&sb0, '{');
            const char *x = aa ? sa + 1 : sa;
            uint32_t xl = aa ? la - 2 : la;
            const char *y = ba ? sb + 1 : sb;
            uint32_t yl = ba ? lb - 2 : lb;
            sb_putn(&sb0, x, xl);
            if (xl > 0 && yl > 0) sb_putc(&sb0, ',');
            sb_putn(&sb0, y, yl);
            sb_putc(&sb0, '}');
            o->s = ar_strndup(cx->ar, sb0.d, sb0.len);
            o->len = (uint32_t)sb0.len;
            sb_free(&sb0);
            return 0;
        }
        uint32_t la, lb;
        const char *sa = val_text(cx->ar, a, &la), *sb = val_text(cx->ar, b, &lb);
        char *p = ar_alloc(cx->ar, la + lb + 1);
        memcpy(p, sa, la);
        memcpy(p + la, sb, lb);
        p[la + lb] = '\0';
        o->s = p;
        o->len = la + lb;
        return 0;
    }
    case OP_LIKE: case OP_NLIKE: case OP_ILIKE: case OP_NILIKE: {
        int ci = op == OP_ILIKE || op == OP_NILIKE;
        int m = like_match(b->s, b->len, a->s, a->len, ci);
        o->t = HELIOS_OID_BOOL;
        o->i = (op == OP_LIKE || op == OP_ILIKE) ? m : !m;
        return 0;
    }
    case OP_REGEX: case OP_NREGEX: case OP_REGEXI: case OP_NREGEXI: {
        int m = 0;
        int32_t rc = regex_match(cx, a, b, op == OP_REGEXI || op == OP_NREGEXI, &m);
        if (rc != 0) return rc;
        o->t = HELIOS_OID_BOOL;
        o->i = (op == OP_REGEX || op == OP_REGEXI) ? m : !m;
        return 0;
    }
    case OP_NEG:
        if (val_is_int(rt)) {
            if (a->i == INT64_MIN) return overflow(cx, rt);
            o->i = -a->i;
            if (rt == HELIOS_OID_INT4 && o->i > INT32_MAX) return overflow(cx, rt);
            if (rt == HELIOS_OID_INT2 && o->i > INT16_MAX) return overflow(cx, rt);
        } else if (rt == HELIOS_OID_NUMERIC) {
            return num_neg(cx->ar, a, o);
        } else if (rt == HELIOS_OID_INTERVAL) {
            const helios_interval_t *x = ivl(a);
            *o = mk_interval(cx->ar, -x->us, -x->days, -x->months);
        } else {
            o->f = -a->f;
        }
        return 0;
    case OP_BNOT:
        o->i = ~a->i;
        return 0;
    case OP_ABS_:
        *o = *a;
        if (val_is_int(a->t)) o->i = a->i < 0 ? -a->i : a->i;
        else if (a->t == HELIOS_OID_NUMERIC) return num_abs(cx->ar, a, o);
        else o->f = fabs(a->f);
        return 0;
    default:
        break;
    }
    if (rt == HELIOS_OID_NUMERIC) return num_arith(cx, op, a, b, o);
    if (rt == HELIOS_OID_FLOAT4 || rt == HELIOS_OID_FLOAT8) {
        if (val_is_num(a->t) && val_is_num(b->t)) {
            return float_arith(cx, op, rt, as_double(a), as_double(b), o);
        }
    }
    if (val_is_int(rt) && val_is_int(a->t) && val_is_int(b->t)) {
        return int_arith(cx, op, rt, a->i, b->i, o);
    }
    return dt_arith(cx, op, rt, a, b, o);
}

static int32_t eval_in(exec_ctx_t *cx, expr_t *e, val_t *o)
{
    val_t x;
    int32_t rc = eval(cx, e->args[0], &x);
    if (rc != 0) return rc;
    set_null(o, HELIOS_OID_BOOL);
    if (x.null) return 0;
    int saw_null = 0;
    for (uint32_t i = 1; i < e->n_args; i++) {
        val_t y;
        if ((rc = eval(cx, e->args[i], &y)) != 0) return rc;
        if (y.null) {
            saw_null = 1;
            continue;
        }
        if (val_cmp(&x, &y) == 0) {
            o->null = 0;
            o->i = e->op ? 0 : 1;
            return 0;
        }
    }
    if (saw_null) return 0;
    o->null = 0;
    o->i = e->op ? 1 : 0;
    return 0;
}

static int32_t eval_subq(exec_ctx_t *cx, expr_t *e, val_t *o)
{
    rowset_t *rs;
    int32_t rc = exec_subq(cx, e, &rs);
    if (rc != 0) return rc;
    memset(o, 0, sizeof *o);
    switch (e->op) {
    case PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK:
        o->t = HELIOS_OID_BOOL;
        o->i = rs->n > 0;
        return 0;
    case PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK:
        if (rs->n > 1) {
            return sql_err(cx->err, HELIOS_ERR_CARDINALITY_VIOLATION,
                           "more than one row returned by a subquery used as an expression");
        }
        if (rs->n == 0) {
            set_null(o, e->type);
            return 0;
        }
        *o = rs->rows[0][0];
        if (o->t != e->type && !o->null) {
            return val_cast(cx->ar, o, e->type, -1, o, 1, cx->err);
        }
        return 0;
    case PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK: {
        sbuf_t sb = {0};
        sb_putc(&sb, '{');
        for (size_t i = 0; i < rs->n; i++) {
            if (i) sb_putc(&sb, ',');
            array_put_elem(&sb, &rs->rows[i][0]);
        }
        sb_putc(&sb, '}');
        o->t = e->type;
        o->s = ar_strndup(cx->ar, sb.d, sb.len);
        o->len = (uint32_t)sb.len;
        sb_free(&sb);
        return 0;
    }
    default: {
        /* ANY / ALL */
        int any = e->op == PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK;
        val_t x;
        if ((rc = eval(cx, e->args[0], &x)) != 0) return rc;
        uint32_t op = (uint32_t)e->args[1]->c.i;
        int saw_null = 0;
        o->t = HELIOS_OID_BOOL;
        for (size_t i = 0; i < rs->n; i++) {
            val_t y = rs->rows[i][0];
            if (x.null || y.null) {
                saw_null = 1;
                continue;
            }
            if (e->args[1]->c.scale == 1 && y.t != x.t) {
                if ((rc = val_cast(cx->ar, &y, x.t, -1, &y, 0, cx->err)) != 0) return rc;
            }
            val_t r;
            if ((rc = eval_op(cx, op, HELIOS_OID_BOOL, &x, &y, &r)) != 0) return rc;
            if (any && r.i) {
                o->i = 1;
                return 0;
            }
            if (!any && !r.i) {
                o->i = 0;
                return 0;
            }
        }
        if (saw_null) {
            o->null = 1;
            return 0;
        }
        o->i = any ? 0 : 1;
        return 0;
    }
    }
}

int32_t eval(exec_ctx_t *cx, expr_t *e, val_t *o)
{
    int32_t rc;
    switch (e->kind) {
    case E_CONST:
        *o = e->c;
        if (o->null) o->t = e->type;
        return 0;
    case E_COL:
        *o = cx->rows[e->depth][e->idx];
        return 0;
    case E_PARAM:
        if (e->idx >= cx->n_params) {
            return sql_err(cx->err, HELIOS_ERR_UNDEFINED_PARAMETER, "there is no parameter $%u",
                           e->idx + 1);
        }
        *o = cx->params[e->idx];
        if (o->t != e->type && !o->null && e->type != HELIOS_OID_UNKNOWN) {
            return val_cast(cx->ar, o, e->type, -1, o, 1, cx->err);
        }
        return 0;
    case E_OP: {
        val_t a, b;
        if ((rc = eval(cx, e->args[0], &a)) != 0) return rc;
        if (e->n_args == 1) {
            if (a.null) {
                set_null(o, e->type);
                return 0;
            }
            return eval_op(cx, e->op, e->type, &a, NULL, o);
        }
        if ((rc = eval(cx, e->args[1], &b)) != 0) return rc;
        if (a.null || b.null) {
            set_null(o, e->type);
            return 0;
        }
        return eval_op(cx, e->op, e->type, &a, &b, o);
    }
    case E_AND:
    case E_OR: {
        int is_and = e->kind == E_AND, saw_null = 0;
        for (uint32_t i = 0; i < e->n_args; i++) {
            val_t a;
            if ((rc = eval(cx, e->args[i], &a)) != 0) return rc;
            if (a.null) {
                saw_null = 1;
                continue;
            }
            if (is_and && !a.i) {
                memset(o, 0, sizeof *o);
                o->t = HELIOS_OID_BOOL;
                return 0;
            }
            if (!is_and && a.i) {
                memset(o, 0, sizeof *o);
                o->t = HELIOS_OID_BOOL;
                o->i = 1;
                return 0;
            }
        }
        memset(o, 0, sizeof *o);
        o->t = HELIOS_OID_BOOL;
        o->null = (uint8_t)saw_null;
        o->i = is_and;
        return 0;
    }
    case E_NOT:
        if ((rc = eval(cx, e->args[0], o)) != 0) return rc;
        o->t = HELIOS_OID_BOOL;
        if (!o->null) o->i = !o->i;
        return 0;
    case E_FUNC: {
        val_t args[16];
        uint32_t n = e->n_args > 16 ? 16 : e->n_args;
        for (uint32_t i = 0; i < n; i++) {
            if ((rc = eval(cx, e->args[i], &args[i])) != 0) return rc;
            if (args[i].null && e->fn->strict) {
                set_null(o, e->type);
                return 0;
            }
        }
        memset(o, 0, sizeof *o);
        o->t = e->type;
        return e->fn->fn(cx, e, args, o);
    }
    case E_CASE: {
        uint32_t nw = (e->n_args - 1) / 2;
        for (uint32_t i = 0; i < nw; i++) {
            val_t c;
            if ((rc = eval(cx, e->args[i * 2], &c)) != 0) return rc;
            if (!c.null && c.i) {
                rc = eval(cx, e->args[i * 2 + 1], o);
                if (rc == 0 && o->null) o->t = e->type;
                return rc;
            }
        }
        rc = eval(cx, e->args[nw * 2], o);
        if (rc == 0 && o->null) o->t = e->type;
        return rc;
    }
    case E_ISNULL: {
        val_t a;
        if ((rc = eval(cx, e->args[0], &a)) != 0) return rc;
        memset(o, 0, sizeof *o);
        o->t = HELIOS_OID_BOOL;
        o->i = e->op ? !a.null : a.null;
        return 0;
    }
    case E_BOOLTEST: {
        val_t a;
        if ((rc = eval(cx, e->args[0], &a)) != 0) return rc;
        int r = 0;
        switch (e->op) {
        case PG_QUERY__BOOL_TEST_TYPE__IS_TRUE: r = !a.null && a.i; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_NOT_TRUE: r = a.null || !a.i; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_FALSE: r = !a.null && !a.i; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_NOT_FALSE: r = a.null || a.i; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_UNKNOWN: r = a.null; break;
        default: r = !a.null; break;
        }
        memset(o, 0, sizeof *o);
        o->t = HELIOS_OID_BOOL;
        o->i = r;
        return 0;
    }
    case E_IN:
        return eval_in(cx, e, o);
    case E_CAST: {
        val_t a;
        if ((rc = eval(cx, e->args[0], &a)) != 0) return rc;
        if (a.null) {
            set_null(o, e->type);
            return 0;
        }
        if (val_is_int(a.t) && val_is_int(e->type) &&
            type_numeric_rank(a.t) <= type_numeric_rank(e->type)) {
            *o = a;
            o->t = e->type;
            return 0;
        }
        return val_cast(cx->ar, &a, e->type, e->typmod, o, e->op == 0, cx->err);
    }
    case E_SUBQ:
        return eval_subq(cx, e, o);
    case E_COALESCE:
        for (uint32_t i = 0; i < e->n_args; i++) {
            if ((rc = eval(cx, e->args[i], o)) != 0) return rc;
            if (!o->null) return 0;
        }
        set_null(o, e->type);
        return 0;
    case E_MINMAX: {
        int have = 0;
        for (uint32_t i = 0; i < e->n_args; i++) {
            val_t a;
            if ((rc = eval(cx, e->args[i], &a)) != 0) return rc;
            if (a.null) continue;
            if (!have || (e->op == 1 ? val_cmp(&a, o) > 0 : val_cmp(&a, o) < 0)) *o = a;
            have = 1;
        }
        if (!have) set_null(o, e->type);
        return 0;
    }
    case E_NULLIF: {
        val_t c;
        if ((rc = eval(cx, e->args[1], &c)) != 0) return rc;
        if (!c.null && c.i) {
            set_null(o, e->type);
            return 0;
        }
        return eval(cx, e->args[0], o);
    }
    case E_DISTINCT: {
        val_t a, b;
        if ((rc = eval(cx, e->args[0], &a)) != 0) return rc;
        if ((rc = eval(cx, e->args[1], &b)) != 0) return rc;
        int same = (a.null && b.null) || (!a.null && !b.null && val_cmp(&a, &b) == 0);
        memset(o, 0, sizeof *o);
        o->t = HELIOS_OID_BOOL;
        o->i = e->op ? same : !same;
        return 0;
    }
    case E_ARRAY: {
        sbuf_t sb = {0};
        sb_putc(&sb, '{');
        for (uint32_t i = 0; i < e->n_args; i++) {
            val_t a;
            if ((rc = eval(cx, e->args[i], &a)) != 0) {
                sb_free(&sb);
                return rc;
            }
            if (i) sb_putc(&sb, ',');
            array_put_elem(&sb, &a);
        }
        sb_putc(&sb, '}');
        memset(o, 0, sizeof *o);
        o->t = e->type;
        o->s = ar_strndup(cx->ar, sb.d, sb.len);
        o->len = (uint32_t)sb.len;
        sb_free(&sb);
        return 0;
    }
    default:
        return sql_err(cx->err, HELIOS_ERR_INTERNAL_ERROR, "unexpected expression kind %d",
                       e->kind);
    }
}

int32_t eval_bool(exec_ctx_t *cx, expr_t *e, int *res)
{
    val_t v;
    int32_t rc = eval(cx, e, &v);
    if (rc != 0) return rc;
    *res = !v.null && v.i;
    return 0;
}
