/* kernel/sql/bind_expr.c -- binding expressions: names, types, implicit coercion. */
#include <stdio.h>
#include <stdlib.h>

#include "sql/bind.h"

int32_t bind_err_pos(bind_ctx_t *bc, int32_t location, int32_t code, const char *fmt, ...)
{
    if (bc->err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        bc->err->code = code;
        bc->err->severity = HELIOS_SEV_ERROR;
        vsnprintf(bc->err->message, sizeof bc->err->message, fmt, ap);
        va_end(ap);
        bc->err->detail[0] = '\0';
        bc->err->hint[0] = '\0';
        bc->err->position = location >= 0 ? location + 1 : 0;
    }
    return code;
}

static expr_t *mk(arena_t *a, uint32_t kind, uint32_t t, uint32_t n_args)
{
    expr_t *e = ar_zalloc(a, sizeof *e);
    e->kind = (uint8_t)kind;
    e->type = t;
    e->typmod = -1;
    e->n_args = (uint16_t)n_args;
    e->location = -1;
    if (n_args > 0) {
        e->args = ar_zalloc(a, sizeof(expr_t *) * n_args);
    }
    return e;
}

expr_t *mk_const(arena_t *a, const val_t *v)
{
    expr_t *e = mk(a, E_CONST, v->t, 0);
    e->c = *v;
    return e;
}

expr_t *mk_col(arena_t *a, uint32_t depth, uint32_t idx, uint32_t t, int32_t tm)
{
    expr_t *e = mk(a, E_COL, t, 0);
    e->depth = depth;
    e->idx = idx;
    e->typmod = tm;
    return e;
}

expr_t *mk_op(arena_t *a, uint32_t op, uint32_t t, expr_t *l, expr_t *r)
{
    expr_t *e = mk(a, E_OP, t, r != NULL ? 2 : 1);
    e->op = (uint8_t)op;
    e->args[0] = l;
    if (r != NULL) {
        e->args[1] = r;
    }
    return e;
}

expr_t *mk_bool(arena_t *a, uint32_t kind, expr_t *l, expr_t *r)
{
    expr_t *e = mk(a, kind, HELIOS_OID_BOOL, r != NULL ? 2 : 1);
    e->args[0] = l;
    if (r != NULL) {
        e->args[1] = r;
    }
    return e;
}

expr_t *mk_cast(arena_t *a, expr_t *x, uint32_t t, int32_t tm)
{
    expr_t *e = mk(a, E_CAST, t, 1);
    e->typmod = tm;
    e->args[0] = x;
    return e;
}

static int is_unknown(const expr_t *e)
{
    return e->type == HELIOS_OID_UNKNOWN || e->type == T_NULL;
}

/* coerce e to type t: unknown literals are converted now, unknown params take the type */
int32_t coerce_to(bind_ctx_t *bc, expr_t **ep, uint32_t t, int32_t tm, int explicit_)
{
    expr_t *e = *ep;
    if (t == 0 || t == HELIOS_OID_UNKNOWN) {
        return 0;
    }
    if (e->type == t && (tm < 0 || tm == e->typmod)) {
        return 0;
    }
    if (e->kind == E_PARAM && is_unknown(e)) {
        bc->ptypes[e->idx] = t;
        e->type = t;
        return 0;
    }
    if (e->kind == E_CONST) {
        val_t v;
        int32_t rc = val_cast(bc->a, &e->c, t, tm, &v, explicit_, bc->err);
        if (rc != 0) {
            if (bc->err != NULL && e->location >= 0) {
                bc->err->position = e->location + 1;
            }
            return rc;
        }
        expr_t *c = mk_const(bc->a, &v);
        c->typmod = tm;
        c->location = e->location;
        *ep = c;
        return 0;
    }
    if (explicit_ == 2 && !is_unknown(e)) {
        /* assignment (INSERT/UPDATE/DEFAULT): PostgreSQL allows numeric narrowing and output
           to text; the value is checked when the cast runs */
        int ok = (val_is_num(e->type) && val_is_num(t)) || val_is_text(t) ||
                 (val_is_text(e->type) && val_is_text(t)) || e->type == t ||
                 ((e->type == 1082 || e->type == 1114 || e->type == 1184) &&
                  (t == 1082 || t == 1114 || t == 1184)) ||
                 ((e->type == 114 || e->type == 3802) && (t == 114 || t == 3802));
        if (!ok) {
            return bind_err_pos(bc, e->location, HELIOS_ERR_DATATYPE_MISMATCH,
                                "column is of type %s but expression is of type %s",
                                type_name(t), type_name(e->type));
        }
    } else if (!explicit_ && !is_unknown(e)) {
        /* implicit casts PostgreSQL allows: numeric widening, anything to text-like */
        int ok = (val_is_num(e->type) && val_is_num(t) &&
                  type_numeric_rank(e->type) <= type_numeric_rank(t)) ||
                 (val_is_text(e->type) && val_is_text(t)) ||
                 (e->type == HELIOS_OID_DATE &&
                  (t == HELIOS_OID_TIMESTAMP || t == HELIOS_OID_TIMESTAMPTZ)) ||
                 (e->type == HELIOS_OID_TIMESTAMP && t == HELIOS_OID_TIMESTAMPTZ) ||
                 (e->type == HELIOS_OID_TIMESTAMPTZ && t == HELIOS_OID_TIMESTAMP) ||
                 ((e->type == 114 || e->type == 3802) && (t == 114 || t == 3802)) ||
                 val_is_text(t);
        if (!ok) {
            return bind_err_pos(bc, e->location, HELIOS_ERR_DATATYPE_MISMATCH,
                                "cannot cast type %s to %s implicitly", type_name(e->type),
                                type_name(t));
        }
    }
    if (val_is_int(e->type) && val_is_int(t) && type_numeric_rank(e->type) <= type_numeric_rank(t)) {
        /* widening integers needs no conversion at run time: only the type changes */
        expr_t *c = mk_cast(bc->a, e, t, tm);
        *ep = c;
        return 0;
    }
    *ep = mk_cast(bc->a, e, t, tm);
    (*ep)->op = explicit_ == 1 ? 0 : 1; /* 1: implicit/assignment cast (no silent truncation) */
    return 0;
}

static uint32_t category(uint32_t t)
{
    if (val_is_num(t)) return 1;
    if (val_is_text(t)) return 2;
    if (t == HELIOS_OID_BOOL) return 3;
    if (t == 1082 || t == 1114 || t == 1184) return 4;
    return 10 + t;
}

/* common type of n expressions (CASE, COALESCE, UNION, IN): unknowns become text when alone */
int32_t unify_types(bind_ctx_t *bc, expr_t **a, uint32_t n, uint32_t *t, const char *ctx)
{
    uint32_t r = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t x = a[i]->type;
        if (x == HELIOS_OID_UNKNOWN || x == T_NULL) {
            continue;
        }
        if (r == 0) {
            r = x;
            continue;
        }
        if (r == x) {
            continue;
        }
        if (val_is_num(r) && val_is_num(x)) {
            if (type_numeric_rank(x) > type_numeric_rank(r)) {
                r = x;
            }
        } else if (val_is_text(r) && val_is_text(x)) {
            r = HELIOS_OID_TEXT;
        } else if (category(r) == 4 && category(x) == 4) {
            r = x == 1184 || r == 1184 ? 1184 : 1114;
        } else {
            return bind_err_pos(bc, a[i]->location, HELIOS_ERR_DATATYPE_MISMATCH,
                                "%s types %s and %s cannot be matched", ctx, type_name(r),
                                type_name(x));
        }
    }
    if (r == 0) {
        r = HELIOS_OID_TEXT;
    }
    for (uint32_t i = 0; i < n; i++) {
        int32_t rc = coerce_to(bc, &a[i], r, -1, 0);
        if (rc != 0) {
            return rc;
        }
    }
    *t = r;
    return 0;
}

int32_t bind_typename(bind_ctx_t *bc, PgQuery__TypeName *tn, uint32_t *t, int32_t *tm)
{
    const char *name = NULL;
    if (tn->n_names > 0) {
        name = pn_str(tn->names[tn->n_names - 1]);
    }
    if (name == NULL) {
        return bind_err_pos(bc, tn->location, HELIOS_ERR_SYNTAX_ERROR, "bad type name");
    }
    uint32_t oid = type_by_name(name);
    if (oid == 0 && strcmp(name, "timestamptz") != 0) {
        if (strcasecmp(name, "timetz") == 0) {
            oid = HELIOS_OID_TIME;
        }
    }
    if (oid == 0) {
        return bind_err_pos(bc, tn->location, HELIOS_ERR_UNDEFINED_OBJECT,
                            "type \"%s\" does not exist", name);
    }
    int32_t mod = -1;
    int32_t mods[2] = {-1, -1};
    uint32_t n_mods = 0;
    for (size_t i = 0; i < tn->n_typmods && i < 2; i++) {
        pnode_t *m = tn->typmods[i];
        if (m->node_case == PG_QUERY__NODE__NODE_A_CONST &&
            m->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
            mods[i] = m->a_const->ival->ival;
            n_mods = (uint32_t)i + 1;
        }
    }
    if (oid == HELIOS_OID_VARCHAR || oid == HELIOS_OID_BPCHAR) {
        if (mods[0] >= 0) {
            mod = mods[0] + 4;
        } else if (oid == HELIOS_OID_BPCHAR && strcmp(name, "bpchar") != 0) {
            mod = 1 + 4; /* char without length is char(1) */
        }
    } else if (oid == HELIOS_OID_NUMERIC && n_mods > 0) {
        /* PostgreSQL 15: precision 1..1000, scale -1000..1000 (11 bits in the typmod) */
        int p = mods[0], s = n_mods > 1 ? mods[1] : 0;
        if (p < 1 || p > 1000) {
            return bind_err_pos(bc, tn->location, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                "NUMERIC precision %d must be between 1 and 1000", p);
        }
        if (s < -1000 || s > 1000) {
            return bind_err_pos(bc, tn->location, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                "NUMERIC scale %d must be between -1000 and 1000", s);
        }
        mod = ((p << 16) | (s & 0x7ff)) + 4;
    } else if (oid == HELIOS_OID_FLOAT8 && strcmp(name, "float") == 0 && mods[0] >= 1 &&
               mods[0] <= 24) {
        oid = HELIOS_OID_FLOAT4;
    }
    if (strcmp(name, "timestamptz") == 0) {
        oid = HELIOS_OID_TIMESTAMPTZ;
    }
    if (tn->n_array_bounds > 0) {
        oid = type_array_of(oid);
        mod = -1;
    }
    *t = oid;
    *tm = mod;
    return 0;
}

/* ---------- column references ---------- */
static int32_t resolve_column(bind_ctx_t *bc, scope_t *q, PgQuery__ColumnRef *cr, expr_t **out)
{
    const char *f[4] = {NULL, NULL, NULL, NULL};
    size_t nf = cr->n_fields;
    if (nf > 4) {
        nf = 4;
    }
    for (size_t i = 0; i < nf; i++) {
        f[i] = pn_str(cr->fields[i]);
        if (f[i] == NULL) {
            return bind_err_pos(bc, cr->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                                "this column reference is not supported");
        }
    }
    const char *col = f[nf - 1];
    const char *tab = nf >= 2 ? f[nf - 2] : NULL;
    for (scope_t *s = q; s != NULL; s = s->parent) {
        int found = 0, tab_found = 0;
        expr_t *res = NULL;
        for (uint32_t r = 0; r < s->n_rtes; r++) {
            rte_t *rt = &s->rtes[r];
            if (tab != NULL) {
                if (rt->alias == NULL || strcmp(rt->alias, tab) != 0) {
                    continue;
                }
                tab_found = 1;
            } else if (rt->hidden) {
                continue;
            }
            for (uint32_t c = 0; c < rt->n_cols; c++) {
                if (rt->colnames[c] != NULL && strcmp(rt->colnames[c], col) == 0) {
                    if (found && !(tab == NULL && res->idx == rt->base + c)) {
                        return bind_err_pos(bc, cr->location, HELIOS_ERR_AMBIGUOUS_COLUMN,
                                            "column reference \"%s\" is ambiguous", col);
                    }
                    found = 1;
                    int32_t tm = rt->coltypmods != NULL ? rt->coltypmods[c] : -1;
                    res = mk_col(bc->a, s->depth, rt->base + c, rt->coltypes[c], tm);
                    res->location = cr->location;
                }
            }
            if (tab != NULL && tab_found && !found) {
                return bind_err_pos(bc, cr->location, HELIOS_ERR_UNDEFINED_COLUMN,
                                    "column %s.%s does not exist", tab, col);
            }
        }
        if (found) {
            if (s->depth < bc->min_ref) {
                bc->min_ref = s->depth;
            }
            *out = res;
            return 0;
        }
        if (tab != NULL && tab_found) {
            break;
        }
    }
    if (tab != NULL) {
        int any = 0;
        for (scope_t *s = q; s != NULL && !any; s = s->parent) {
            for (uint32_t r = 0; r < s->n_rtes; r++) {
                if (s->rtes[r].alias != NULL && strcmp(s->rtes[r].alias, tab) == 0) {
                    any = 1;
                }
            }
        }
        if (!any) {
            return bind_err_pos(bc, cr->location, HELIOS_ERR_UNDEFINED_TABLE,
                                "missing FROM-clause entry for table \"%s\"", tab);
        }
        return bind_err_pos(bc, cr->location, HELIOS_ERR_UNDEFINED_COLUMN,
                            "column %s.%s does not exist", tab, col);
    }
    return bind_err_pos(bc, cr->location, HELIOS_ERR_UNDEFINED_COLUMN,
                        "column \"%s\" does not exist", col);
}

/* ---------- operators ---------- */
static const struct {
    const char *name;
    uint32_t op;
} op_names[] = {
    {"+", OP_ADD}, {"-", OP_SUB}, {"*", OP_MUL}, {"/", OP_DIV}, {"%", OP_MOD}, {"^", OP_POW},
    {"=", OP_EQ}, {"<>", OP_NE}, {"!=", OP_NE}, {"<", OP_LT}, {"<=", OP_LE}, {">", OP_GT},
    {">=", OP_GE}, {"||", OP_CONCAT}, {"~~", OP_LIKE}, {"!~~", OP_NLIKE}, {"~~*", OP_ILIKE},
    {"!~~*", OP_NILIKE}, {"&", OP_BAND}, {"|", OP_BOR}, {"#", OP_BXOR}, {"<<", OP_SHL},
    {">>", OP_SHR}, {"~", OP_REGEX}, {"!~", OP_NREGEX}, {"~*", OP_REGEXI}, {"!~*", OP_NREGEXI},
    {"@", OP_ABS_},
};

static int is_cmp(uint32_t op)
{
    return op >= OP_EQ && op <= OP_GE;
}

static int is_datetime(uint32_t t)
{
    return t == 1082 || t == 1083 || t == 1114 || t == 1184 || t == 1186;
}

/* result type of an arithmetic operator, or 0 when not defined */
static uint32_t arith_type(uint32_t op, uint32_t a, uint32_t b)
{
    if (val_is_num(a) && val_is_num(b)) {
        if (op == OP_POW) {
            return (a == 1700 || b == 1700) && a != 700 && a != 701 && b != 700 && b != 701
                       ? HELIOS_OID_NUMERIC
                       : HELIOS_OID_FLOAT8;
        }
        uint32_t r = type_numeric_rank(a) >= type_numeric_rank(b) ? a : b;
        if (r == HELIOS_OID_FLOAT4 && (a == 701 || b == 701)) {
            r = HELIOS_OID_FLOAT8;
        }
        if (r == HELIOS_OID_OID) {
            r = HELIOS_OID_INT8;
        }
        if ((a == 700 || b == 700) && (a == 1700 || b == 1700)) {
            r = HELIOS_OID_FLOAT8;
        }
        return r;
    }
    if (op == OP_ADD) {
        if ((a == 1082 && val_is_int(b)) || (b == 1082 && val_is_int(a))) return 1082;
        if ((a == 1082 && b == 1186) || (a == 1186 && b == 1082)) return 1114;
        if ((a == 1114 || a == 1184) && b == 1186) return a;
        if (a == 1186 && (b == 1114 || b == 1184)) return b;
        if (a == 1186 && b == 1186) return 1186;
        if (a == 1082 && b == 1083) return 1114;
        if (a == 1083 && b == 1186) return 1083;
    }
    if (op == OP_SUB) {
        if (a == 1082 && b == 1082) return HELIOS_OID_INT4;
        if (a == 1082 && val_is_int(b)) return 1082;
        if (a == 1082 && b == 1186) return 1114;
        if ((a == 1114 || a == 1184) && b == 1186) return a;
        if ((a == 1114 || a == 1184) && (b == 1114 || b == 1184)) return 1186;
        if (a == 1186 && b == 1186) return 1186;
        if (a == 1083 && b == 1083) return 1186;
        if (a == 1083 && b == 1186) return 1083;
    }
    if ((op == OP_MUL || op == OP_DIV) && a == 1186 && val_is_num(b)) return 1186;
    if (op == OP_MUL && b == 1186 && val_is_num(a)) return 1186;
    return 0;
}

static int32_t bind_binop(bind_ctx_t *bc, uint32_t op, const char *opname, expr_t *l, expr_t *r,
                          int32_t loc, expr_t **out)
{
    uint32_t lt = l->type, rt = r != NULL ? r->type : 0;
    int32_t rc;
    if (r == NULL) {
        /* prefix operator */
        if (op == OP_SUB) {
            if (l->kind == E_CONST && !l->c.null && val_is_num(lt)) {
                val_t v = l->c;
                if (val_is_int(lt)) {
                    if (v.i == INT64_MIN) {
                        return bind_err_pos(bc, loc, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE,
                                            "bigint out of range");
                    }
                    v.i = -v.i;
                } else if (lt == 1700) {
                    num_neg(bc->a, &l->c, &v);
                } else {
                    v.f = -v.f;
                }
                *out = mk_const(bc->a, &v);
                (*out)->location = loc;
                return 0;
            }
            if (is_unknown(l)) {
                if ((rc = coerce_to(bc, &l, HELIOS_OID_NUMERIC, -1, 0)) != 0) return rc;
                lt = l->type;
            }
            if (!val_is_num(lt) && lt != 1186) {
                goto noop;
            }
            *out = mk_op(bc->a, OP_NEG, lt == HELIOS_OID_OID ? HELIOS_OID_INT8 : lt, l, NULL);
            return 0;
        }
        if (op == OP_ADD) {
            *out = l;
            return 0;
        }
        if (op == OP_REGEX) { /* ~ as bitwise not */
            if (is_unknown(l) && (rc = coerce_to(bc, &l, HELIOS_OID_INT4, -1, 0)) != 0) return rc;
            if (!val_is_int(l->type)) goto noop;
            *out = mk_op(bc->a, OP_BNOT, l->type, l, NULL);
            return 0;
        }
        if (op == OP_ABS_) {
            *out = mk_op(bc->a, OP_ABS_, lt, l, NULL);
            return 0;
        }
        goto noop;
    }
    if (is_unknown(l) && is_unknown(r)) {
        if (op == OP_CONCAT || op == OP_LIKE || op == OP_NLIKE || op == OP_ILIKE ||
            op == OP_NILIKE || is_cmp(op) || op >= OP_REGEX) {
            if ((rc = coerce_to(bc, &l, HELIOS_OID_TEXT, -1, 0)) != 0) return rc;
            if ((rc = coerce_to(bc, &r, HELIOS_OID_TEXT, -1, 0)) != 0) return rc;
        } else {
            if ((rc = coerce_to(bc, &l, HELIOS_OID_NUMERIC, -1, 0)) != 0) return rc;
            if ((rc = coerce_to(bc, &r, HELIOS_OID_NUMERIC, -1, 0)) != 0) return rc;
        }
    } else if (is_unknown(l)) {
        uint32_t want = rt;
        if (op == OP_CONCAT) want = HELIOS_OID_TEXT;
        else if ((op == OP_ADD || op == OP_SUB) && is_datetime(rt) && rt != 1186) want = 1186;
        if ((rc = coerce_to(bc, &l, want, -1, 0)) != 0) return rc;
    } else if (is_unknown(r)) {
        uint32_t want = lt;
        if (op == OP_CONCAT || op == OP_LIKE || op == OP_NLIKE || op == OP_ILIKE ||
            op == OP_NILIKE || op >= OP_REGEX) {
            want = HELIOS_OID_TEXT;
        } else if ((op == OP_ADD || op == OP_SUB) && (lt == 1082 || lt == 1114 || lt == 1184)) {
            want = (lt == 1082 && r->kind == E_CONST && r->c.len > 0 &&
                    strspn(r->c.s, "0123456789+- ") == r->c.len)
                       ? HELIOS_OID_INT4
                       : 1186;
            if (op == OP_SUB && r->kind == E_CONST && r->c.len >= 8 && r->c.s[4] == '-') {
                want = lt;
            }
        } else if (op == OP_SHL || op == OP_SHR) {
            want = HELIOS_OID_INT4;
        }
        if ((rc = coerce_to(bc, &r, want, -1, 0)) != 0) return rc;
    }
    lt = l->type;
    rt = r->type;
    uint32_t res = 0;
    if (is_cmp(op)) {
        uint32_t cl = category(lt), cr = category(rt);
        if (cl != cr && !(lt == 1082 && (rt == 1114 || rt == 1184)) &&
            !(rt == 1082 && (lt == 1114 || lt == 1184))) {
            goto noop;
        }
        if (cl == 1 && lt != rt) {
            /* compare int with numeric/float exactly as PostgreSQL: promote the narrower */
            uint32_t tgt = type_numeric_rank(lt) >= type_numeric_rank(rt) ? lt : rt;
            if (!(val_is_int(lt) && val_is_int(rt))) {
                if ((rc = coerce_to(bc, &l, tgt, -1, 0)) != 0) return rc;
                if ((rc = coerce_to(bc, &r, tgt, -1, 0)) != 0) return rc;
            }
        }
        res = HELIOS_OID_BOOL;
    } else if (op == OP_CONCAT) {
        if (type_elem_of(lt) != 0 || type_elem_of(rt) != 0) {
            res = type_elem_of(lt) != 0 ? lt : rt;
        } else {
            if (!val_is_text(lt) && (rc = coerce_to(bc, &l, HELIOS_OID_TEXT, -1, 1)) != 0) return rc;
            if (!val_is_text(rt) && (rc = coerce_to(bc, &r, HELIOS_OID_TEXT, -1, 1)) != 0) return rc;
            res = (lt == 3802 && rt == 3802) ? 3802 : HELIOS_OID_TEXT;
        }
    } else if (op == OP_LIKE || op == OP_NLIKE || op == OP_ILIKE || op == OP_NILIKE ||
               op >= OP_REGEX) {
        if (!val_is_text(lt) || !val_is_text(rt)) {
            goto noop;
        }
        res = HELIOS_OID_BOOL;
    } else if (op >= OP_BAND && op <= OP_SHR) {
        if (!val_is_int(lt) || !val_is_int(rt)) {
            goto noop;
        }
        res = op == OP_SHL || op == OP_SHR ? lt
              : type_numeric_rank(lt) >= type_numeric_rank(rt) ? lt : rt;
    } else {
        res = arith_type(op, lt, rt);
        if (res == 0) {
            goto noop;
        }
        if (val_is_num(lt) && val_is_num(rt) && res != HELIOS_OID_NUMERIC && op != OP_POW) {
            /* ints of different widths share the int64 path; floats convert at run time */
        }
    }
    *out = mk_op(bc->a, op, res, l, r);
    (*out)->location = loc;
    return 0;
noop:
    if (r == NULL) {
        return bind_err_pos(bc, loc, HELIOS_ERR_UNDEFINED_FUNCTION,
                            "operator does not exist: %s %s", opname, type_name(lt));
    }
    {
        char lb[64];
        snprintf(lb, sizeof lb, "%s", type_name(lt));
        int32_t c = bind_err_pos(bc, loc, HELIOS_ERR_UNDEFINED_FUNCTION,
                                 "operator does not exist: %s %s %s", lb, opname,
                                 type_name(rt));
        sql_err_hint(bc->err, "No operator matches the given name and argument types. You might "
                              "need to add explicit type casts.");
        return c;
    }
}

static uint32_t op_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof op_names / sizeof op_names[0]; i++) {
        if (strcmp(op_names[i].name, name) == 0) {
            return op_names[i].op;
        }
    }
    return 0;
}

static const char *aexpr_opname(PgQuery__AExpr *ax)
{
    if (ax->n_name == 0) {
        return "=";
    }
    const char *s = pn_str(ax->name[ax->n_name - 1]);
    return s != NULL ? s : "=";
}

static int32_t bind_list(bind_ctx_t *bc, scope_t *q, pnode_t **items, size_t n, expr_t **out)
{
    for (size_t i = 0; i < n; i++) {
        int32_t rc = bind_expr(bc, q, items[i], &out[i]);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int32_t bind_in(bind_ctx_t *bc, scope_t *q, expr_t *l, pnode_t **items, size_t n, int neg,
                       int32_t loc, expr_t **out)
{
    expr_t *e = mk(bc->a, E_IN, HELIOS_OID_BOOL, (uint32_t)n + 1);
    e->op = (uint8_t)neg;
    e->location = loc;
    e->args[0] = l;
    int32_t rc = bind_list(bc, q, items, n, e->args + 1);
    if (rc != 0) {
        return rc;
    }
    uint32_t t;
    if ((rc = unify_types(bc, e->args, e->n_args, &t, "IN")) != 0) {
        return rc;
    }
    *out = e;
    return 0;
}

static int32_t bind_aexpr(bind_ctx_t *bc, scope_t *q, PgQuery__AExpr *ax, expr_t **out)
{
    const char *opname = aexpr_opname(ax);
    expr_t *l = NULL, *r = NULL;
    int32_t rc;
    switch (ax->kind) {
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP: {
        uint32_t op = op_lookup(opname);
        if (op == 0) {
            return bind_err_pos(bc, ax->location, HELIOS_ERR_UNDEFINED_FUNCTION,
                                "operator does not exist: %s", opname);
        }
        if (ax->lexpr != NULL && (rc = bind_expr(bc, q, ax->lexpr, &l)) != 0) return rc;
        if ((rc = bind_expr(bc, q, ax->rexpr, &r)) != 0) return rc;
        if (l == NULL) {
            return bind_binop(bc, op, opname, r, NULL, ax->location, out);
        }
        return bind_binop(bc, op, opname, l, r, ax->location, out);
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_IN: {
        if ((rc = bind_expr(bc, q, ax->lexpr, &l)) != 0) return rc;
        if (ax->rexpr->node_case != PG_QUERY__NODE__NODE_LIST) {
            return bind_err_pos(bc, ax->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                                "this IN form is not supported");
        }
        PgQuery__List *li = ax->rexpr->list;
        return bind_in(bc, q, l, li->items, li->n_items, strcmp(opname, "<>") == 0,
                       ax->location, out);
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_LIKE:
    case PG_QUERY__A__EXPR__KIND__AEXPR_ILIKE:
    case PG_QUERY__A__EXPR__KIND__AEXPR_SIMILAR: {
        if (ax->kind == PG_QUERY__A__EXPR__KIND__AEXPR_SIMILAR) {
            return bind_err_pos(bc, ax->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                                "SIMILAR TO is not supported");
        }
        uint32_t op = op_lookup(opname);
        if ((rc = bind_expr(bc, q, ax->lexpr, &l)) != 0) return rc;
        if ((rc = bind_expr(bc, q, ax->rexpr, &r)) != 0) return rc;
        return bind_binop(bc, op, opname, l, r, ax->location, out);
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN:
    case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN_SYM:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM: {
        int neg = ax->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN ||
                  ax->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM;
        PgQuery__List *li = ax->rexpr->list;
        expr_t *x1, *x2, *lo, *hi, *a1, *a2;
        if ((rc = bind_expr(bc, q, ax->lexpr, &x1)) != 0) return rc;
        if ((rc = bind_expr(bc, q, ax->lexpr, &x2)) != 0) return rc;
        if ((rc = bind_expr(bc, q, li->items[0], &lo)) != 0) return rc;
        if ((rc = bind_expr(bc, q, li->items[1], &hi)) != 0) return rc;
        if ((rc = bind_binop(bc, neg ? OP_LT : OP_GE, neg ? "<" : ">=", x1, lo, ax->location,
                             &a1)) != 0) return rc;
        if ((rc = bind_binop(bc, neg ? OP_GT : OP_LE, neg ? ">" : "<=", x2, hi, ax->location,
                             &a2)) != 0) return rc;
        *out = mk_bool(bc->a, neg ? E_OR : E_AND, a1, a2);
        return 0;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF: {
        if ((rc = bind_expr(bc, q, ax->lexpr, &l)) != 0) return rc;
        if ((rc = bind_expr(bc, q, ax->rexpr, &r)) != 0) return rc;
        expr_t *cmp;
        expr_t *l2 = l;
        if ((rc = bind_binop(bc, OP_EQ, "=", l2, r, ax->location, &cmp)) != 0) return rc;
        expr_t *e = mk(bc->a, E_NULLIF, l->type == HELIOS_OID_UNKNOWN ? HELIOS_OID_TEXT : l->type, 2);
        e->args[0] = cmp->args[0];
        e->args[1] = cmp;
        *out = e;
        return 0;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT: {
        if ((rc = bind_expr(bc, q, ax->lexpr, &l)) != 0) return rc;
        if ((rc = bind_expr(bc, q, ax->rexpr, &r)) != 0) return rc;
        expr_t *cmp;
        if ((rc = bind_binop(bc, OP_EQ, "=", l, r, ax->location, &cmp)) != 0) return rc;
        expr_t *e = mk(bc->a, E_DISTINCT, HELIOS_OID_BOOL, 2);
        e->op = ax->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT;
        e->args[0] = cmp->args[0];
        e->args[1] = cmp->args[1];
        *out = e;
        return 0;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY:
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL: {
        if ((rc = bind_expr(bc, q, ax->lexpr, &l)) != 0) return rc;
        if (ax->rexpr->node_case == PG_QUERY__NODE__NODE_A_ARRAY_EXPR &&
            (strcmp(opname, "=") == 0 || strcmp(opname, "<>") == 0)) {
            PgQuery__AArrayExpr *ae = ax->rexpr->a_array_expr;
            int any = ax->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY;
            int eq = strcmp(opname, "=") == 0;
            if (any == eq) {
                return bind_in(bc, q, l, ae->elements, ae->n_elements, !eq, ax->location, out);
            }
        }
        if ((rc = bind_expr(bc, q, ax->rexpr, &r)) != 0) return rc;
        uint32_t op = op_lookup(opname);
        if (op == 0 || !is_cmp(op)) {
            return bind_err_pos(bc, ax->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                                "operator %s ANY/ALL is not supported", opname);
        }
        if (is_unknown(r)) {
            if ((rc = coerce_to(bc, &r, type_array_of(is_unknown(l) ? HELIOS_OID_TEXT : l->type),
                                -1, 0)) != 0) return rc;
        }
        uint32_t et = type_elem_of(r->type);
        if (et == 0) {
            return bind_err_pos(bc, ax->location, HELIOS_ERR_DATATYPE_MISMATCH,
                                "op ANY/ALL (array) requires array on right side");
        }
        if (is_unknown(l) && (rc = coerce_to(bc, &l, et, -1, 0)) != 0) return rc;
        expr_t *f = mk(bc->a, E_FUNC, HELIOS_OID_BOOL, 3);
        f->fn = func_lookup(ax->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY ? "__any" : "__all", 3);
        f->args[0] = l;
        f->args[1] = r;
        val_t ov = {.t = HELIOS_OID_INT4, .i = op};
        f->args[2] = mk_const(bc->a, &ov);
        *out = f;
        return 0;
    }
    default:
        return bind_err_pos(bc, ax->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                            "this expression is not supported");
    }
}

static const char *agg_names[] = {"count", "sum", "avg", "min", "max", "bool_and", "bool_or",
                                  "every", "string_agg", "array_agg", "stddev", "variance",
                                  "stddev_samp", "var_samp", "stddev_pop", "var_pop", NULL};

static int32_t bind_agg(bind_ctx_t *bc, scope_t *q, PgQuery__FuncCall *fc, const char *name,
                        expr_t **out)
{
    if (!bc->agg_ok) {
        return bind_err_pos(bc, fc->location, HELIOS_ERR_GROUPING_ERROR,
                            "aggregate functions are not allowed in %s",
                            bc->agg_ctx != NULL ? bc->agg_ctx : "this context");
    }
    agg_def_t *ag = ar_zalloc(bc->a, sizeof *ag);
    ag->distinct = fc->agg_distinct;
    int32_t rc;
    /* arguments of an aggregate may not contain aggregates */
    bc->agg_ok = 0;
    bc->agg_ctx = "aggregate function calls";
    if (fc->agg_star || (strcmp(name, "count") == 0 && fc->n_args == 0)) {
        ag->fn = AGG_COUNT_STAR;
        ag->type = HELIOS_OID_INT8;
    } else {
        if (fc->n_args < 1) {
            bc->agg_ok = 1;
            return bind_err_pos(bc, fc->location, HELIOS_ERR_UNDEFINED_FUNCTION,
                                "function %s() does not exist", name);
        }
        if ((rc = bind_expr(bc, q, fc->args[0], &ag->arg)) != 0) return rc;
        if (is_unknown(ag->arg) && (rc = coerce_to(bc, &ag->arg, HELIOS_OID_TEXT, -1, 0)) != 0) {
            return rc;
        }
        uint32_t at = ag->arg->type;
        ag->argtype = at;
        if (strcmp(name, "count") == 0) {
            ag->fn = AGG_COUNT;
            ag->type = HELIOS_OID_INT8;
        } else if (strcmp(name, "sum") == 0) {
            ag->fn = AGG_SUM;
            if (at == HELIOS_OID_INT2 || at == HELIOS_OID_INT4) ag->type = HELIOS_OID_INT8;
            else if (at == HELIOS_OID_INT8 || at == HELIOS_OID_NUMERIC) ag->type = HELIOS_OID_NUMERIC;
            else if (at == HELIOS_OID_FLOAT4 || at == HELIOS_OID_FLOAT8 || at == 1186) ag->type = at;
            else goto badarg;
        } else if (strcmp(name, "avg") == 0) {
            ag->fn = AGG_AVG;
            if (val_is_int(at) || at == HELIOS_OID_NUMERIC) ag->type = HELIOS_OID_NUMERIC;
            else if (at == HELIOS_OID_FLOAT4 || at == HELIOS_OID_FLOAT8) ag->type = HELIOS_OID_FLOAT8;
            else if (at == 1186) ag->type = 1186;
            else goto badarg;
        } else if (strcmp(name, "min") == 0 || strcmp(name, "max") == 0) {
            ag->fn = name[1] == 'i' ? AGG_MIN : AGG_MAX;
            ag->type = at;
        } else if (strcmp(name, "bool_and") == 0 || strcmp(name, "every") == 0 ||
                   strcmp(name, "bool_or") == 0) {
            ag->fn = name[5] == 'o' ? AGG_BOOL_OR : AGG_BOOL_AND;
            if ((rc = coerce_to(bc, &ag->arg, HELIOS_OID_BOOL, -1, 0)) != 0) return rc;
            ag->type = HELIOS_OID_BOOL;
        } else if (strcmp(name, "string_agg") == 0) {
            ag->fn = AGG_STRING_AGG;
            if (fc->n_args != 2) goto badarg;
            if ((rc = coerce_to(bc, &ag->arg, HELIOS_OID_TEXT, -1, 0)) != 0) return rc;
            if ((rc = bind_expr(bc, q, fc->args[1], &ag->arg2)) != 0) return rc;
            if ((rc = coerce_to(bc, &ag->arg2, HELIOS_OID_TEXT, -1, 0)) != 0) return rc;
            ag->type = at == HELIOS_OID_BYTEA ? at : HELIOS_OID_TEXT;
        } else if (strcmp(name, "array_agg") == 0) {
            ag->fn = AGG_ARRAY_AGG;
            ag->type = type_array_of(at);
        } else {
            if (!val_is_num(at)) goto badarg;
            if (strcmp(name, "stddev") == 0 || strcmp(name, "stddev_samp") == 0) ag->fn = AGG_STDDEV;
            else if (strcmp(name, "variance") == 0 || strcmp(name, "var_samp") == 0) ag->fn = AGG_VARIANCE;
            else if (strcmp(name, "stddev_pop") == 0) ag->fn = AGG_STDDEV_POP;
            else ag->fn = AGG_VAR_POP;
            ag->type = at == 700 || at == 701 ? HELIOS_OID_FLOAT8 : HELIOS_OID_NUMERIC;
        }
    }
    if (fc->agg_filter != NULL) {
        if ((rc = bind_expr(bc, q, fc->agg_filter, &ag->filter)) != 0) return rc;
        if ((rc = coerce_to(bc, &ag->filter, HELIOS_OID_BOOL, -1, 0)) != 0) return rc;
    }
    if (fc->n_agg_order > 0 && (ag->fn == AGG_STRING_AGG || ag->fn == AGG_ARRAY_AGG)) {
        /* the order of the concatenation; other aggregates do not depend on it */
        ag->n_order = (uint32_t)fc->n_agg_order;
        ag->order = ar_alloc(bc->a, sizeof(expr_t *) * ag->n_order);
        ag->order_desc = ar_zalloc(bc->a, ag->n_order);
        ag->order_nulls_first = ar_zalloc(bc->a, ag->n_order);
        for (uint32_t i = 0; i < ag->n_order; i++) {
            PgQuery__SortBy *sb = fc->agg_order[i]->sort_by;
            if ((rc = bind_expr(bc, q, sb->node, &ag->order[i])) != 0) return rc;
            if (ag->order[i]->type == HELIOS_OID_UNKNOWN &&
                (rc = coerce_to(bc, &ag->order[i], HELIOS_OID_TEXT, -1, 0)) != 0) return rc;
            ag->order_desc[i] = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
            ag->order_nulls_first[i] =
                sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
                (ag->order_desc[i] && sb->sortby_nulls != PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST);
        }
    }
    bc->agg_ok = 1;
    q->has_agg = 1;
    expr_t *e = mk(bc->a, E_AGG, ag->type, 0);
    e->agg = ag;
    e->location = fc->location;
    *out = e;
    return 0;
badarg:
    bc->agg_ok = 1;
    return bind_err_pos(bc, fc->location, HELIOS_ERR_UNDEFINED_FUNCTION,
                        "function %s(%s) does not exist", name, type_name(ag->argtype));
}

static int32_t bind_func(bind_ctx_t *bc, scope_t *q, PgQuery__FuncCall *fc, expr_t **out)
{
    const char *name = pn_str(fc->funcname[fc->n_funcname - 1]);
    if (name == NULL) {
        return bind_err_pos(bc, fc->location, HELIOS_ERR_SYNTAX_ERROR, "bad function name");
    }
    if (fc->over != NULL || win_is_window_name(name)) {
        return bind_window_func(bc, q, fc, name, out); /* bind_window.c */
    }
    for (int i = 0; agg_names[i] != NULL; i++) {
        if (strcmp(agg_names[i], name) == 0) {
            return bind_agg(bc, q, fc, name, out);
        }
    }
    if (fc->agg_star || fc->agg_distinct) {
        return bind_err_pos(bc, fc->location, HELIOS_ERR_WRONG_OBJECT_TYPE,
                            "%s is not an aggregate function", name);
    }
    const func_def_t *f = func_lookup(name, (uint32_t)fc->n_args);
    if (f == NULL) {
        sbuf_t sb = {0};
        for (size_t i = 0; i < fc->n_args; i++) {
            expr_t *x;
            int32_t rc = bind_expr(bc, q, fc->args[i], &x);
            if (rc != 0) {
                sb_free(&sb);
                return rc;
            }
            sb_printf(&sb, "%s%s", i ? ", " : "", type_name(x->type));
        }
        int32_t c = bind_err_pos(bc, fc->location, HELIOS_ERR_UNDEFINED_FUNCTION,
                                 "function %s(%s) does not exist", name, sb.d ? sb.d : "");
        sql_err_hint(bc->err, "No function matches the given name and argument types. You "
                              "might need to add explicit type casts.");
        sb_free(&sb);
        return c;
    }
    expr_t *e = mk(bc->a, E_FUNC, 0, (uint32_t)fc->n_args);
    e->fn = f;
    e->location = fc->location;
    int32_t rc = bind_list(bc, q, fc->args, fc->n_args, e->args);
    if (rc != 0) {
        return rc;
    }
    e->type = func_result_type(f, e->args, e->n_args);
    if (e->type == 0) {
        return bind_err_pos(bc, fc->location, HELIOS_ERR_UNDEFINED_FUNCTION,
                            "function %s(%s) does not exist", name,
                            e->n_args ? type_name(e->args[0]->type) : "");
    }
    *out = e;
    return 0;
}

static int32_t bind_sublink(bind_ctx_t *bc, scope_t *q, PgQuery__SubLink *sl, expr_t **out)
{
    if (sl->subselect->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
        return bind_err_pos(bc, sl->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                            "this subquery is not supported");
    }
    uint32_t saved_min = bc->min_ref, saved_ok = bc->agg_ok;
    const char *saved_ctx = bc->agg_ctx;
    bc->min_ref = UINT32_MAX;
    bc->agg_ok = 1;
    plan_t *p;
    out_col_t *cols;
    uint32_t n_cols;
    int32_t rc = bind_select(bc, q, q->depth + 1, sl->subselect->select_stmt, &p, &cols, &n_cols);
    uint32_t inner_min = bc->min_ref;
    bc->min_ref = saved_min < inner_min ? saved_min : inner_min;
    bc->agg_ok = saved_ok;
    bc->agg_ctx = saved_ctx;
    if (rc != 0) {
        return rc;
    }
    expr_t *e = mk(bc->a, E_SUBQ, HELIOS_OID_BOOL, 0);
    e->op = (uint8_t)sl->sub_link_type;
    e->sub = p;
    e->correlated = inner_min <= q->depth;
    e->subq_id = bc->n_subq++;
    e->location = sl->location;
    switch (sl->sub_link_type) {
    case PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK:
        break;
    case PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK:
        if (n_cols != 1) {
            return bind_err_pos(bc, sl->location, HELIOS_ERR_SYNTAX_ERROR,
                                "subquery must return only one column");
        }
        e->type = cols[0].type == HELIOS_OID_UNKNOWN ? HELIOS_OID_TEXT : cols[0].type;
        e->typmod = cols[0].typmod;
        break;
    case PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK:
        if (n_cols != 1) {
            return bind_err_pos(bc, sl->location, HELIOS_ERR_SYNTAX_ERROR,
                                "subquery must return only one column");
        }
        e->type = type_array_of(cols[0].type);
        break;
    case PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK:
    case PG_QUERY__SUB_LINK_TYPE__ALL_SUBLINK: {
        if (n_cols != 1) {
            return bind_err_pos(bc, sl->location, HELIOS_ERR_SYNTAX_ERROR,
                                n_cols > 1 ? "subquery has too many columns"
                                           : "subquery has too few columns");
        }
        const char *opname = sl->n_oper_name > 0 ? pn_str(sl->oper_name[sl->n_oper_name - 1]) : "=";
        uint32_t op = op_lookup(opname != NULL ? opname : "=");
        if (!is_cmp(op)) {
            return bind_err_pos(bc, sl->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                                "operator %s in a subquery comparison is not supported", opname);
        }
        expr_t *l;
        if ((rc = bind_expr(bc, q, sl->testexpr, &l)) != 0) return rc;
        /* type-check "l op subquery-column" with a placeholder column */
        expr_t *ph = mk_col(bc->a, 0, 0, cols[0].type, -1);
        expr_t *cmp;
        if ((rc = bind_binop(bc, op, opname, l, ph, sl->location, &cmp)) != 0) return rc;
        e->n_args = 2;
        e->args = ar_zalloc(bc->a, sizeof(expr_t *) * 2);
        e->args[0] = cmp->args[0];
        val_t ov = {.t = HELIOS_OID_INT4, .i = op};
        e->args[1] = mk_const(bc->a, &ov);
        /* the subquery's column may need a cast to the comparison type: remember it */
        if (cmp->args[1] != ph) {
            e->args[1]->c.scale = 1; /* marks: cast the subquery value to args[0]'s type */
        }
        break;
    }
    default:
        return bind_err_pos(bc, sl->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                            "this kind of subquery is not supported");
    }
    *out = e;
    return 0;
}

int32_t bind_expr(bind_ctx_t *bc, scope_t *q, pnode_t *n, expr_t **out)
{
    int32_t rc;
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_COLUMN_REF:
        if (n->column_ref->n_fields > 0 &&
            n->column_ref->fields[n->column_ref->n_fields - 1]->node_case ==
                PG_QUERY__NODE__NODE_A_STAR) {
            return bind_err_pos(bc, n->column_ref->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                                "a star is not allowed here");
        }
        return resolve_column(bc, q, n->column_ref, out);
    case PG_QUERY__NODE__NODE_A_CONST: {
        PgQuery__AConst *c = n->a_const;
        val_t v;
        memset(&v, 0, sizeof v);
        if (c->isnull) {
            v.t = T_NULL;
            v.null = 1;
        } else {
            switch (c->val_case) {
            case PG_QUERY__A__CONST__VAL_IVAL:
                v.t = HELIOS_OID_INT4;
                v.i = c->ival->ival;
                break;
            case PG_QUERY__A__CONST__VAL_FVAL: {
                const char *s = c->fval->fval;
                /* integers too large for int4 come as Float: int8, else numeric */
                if (strpbrk(s, ".eE") == NULL) {
                    if (val_from_text(bc->a, HELIOS_OID_INT8, -1, s, strlen(s), &v, NULL) == 0) {
                        break;
                    }
                }
                if ((rc = val_from_text(bc->a, HELIOS_OID_NUMERIC, -1, s, strlen(s), &v,
                                        bc->err)) != 0) {
                    return rc;
                }
                break;
            }
            case PG_QUERY__A__CONST__VAL_BOOLVAL:
                v.t = HELIOS_OID_BOOL;
                v.i = c->boolval->boolval;
                break;
            case PG_QUERY__A__CONST__VAL_SVAL:
                v.t = HELIOS_OID_UNKNOWN;
                v.s = c->sval->sval;
                v.len = (uint32_t)strlen(v.s);
                break;
            case PG_QUERY__A__CONST__VAL_BSVAL:
                v.t = HELIOS_OID_TEXT;
                v.s = c->bsval->bsval;
                v.len = (uint32_t)strlen(v.s);
                break;
            default:
                v.t = T_NULL;
                v.null = 1;
                break;
            }
        }
        *out = mk_const(bc->a, &v);
        (*out)->location = c->location;
        return 0;
    }
    case PG_QUERY__NODE__NODE_PARAM_REF: {
        int32_t num = n->param_ref->number;
        if (num < 1 || num > 65535) {
            return bind_err_pos(bc, n->param_ref->location, HELIOS_ERR_UNDEFINED_PARAMETER,
                                "there is no parameter $%d", num);
        }
        if ((uint32_t)num > bc->cap_params) {
            uint32_t nc = (uint32_t)num + 8;
            uint32_t *np = ar_zalloc(bc->a, sizeof(uint32_t) * nc);
            if (bc->ptypes != NULL) {
                memcpy(np, bc->ptypes, sizeof(uint32_t) * bc->cap_params);
            }
            bc->ptypes = np;
            bc->cap_params = nc;
        }
        if ((uint32_t)num > bc->n_params) {
            bc->n_params = (uint32_t)num;
        }
        uint32_t t = bc->ptypes[num - 1];
        expr_t *e = mk(bc->a, E_PARAM, t == 0 ? HELIOS_OID_UNKNOWN : t, 0);
        e->idx = (uint32_t)num - 1;
        e->location = n->param_ref->location;
        *out = e;
        return 0;
    }
    case PG_QUERY__NODE__NODE_A_EXPR:
        return bind_aexpr(bc, q, n->a_expr, out);
    case PG_QUERY__NODE__NODE_BOOL_EXPR: {
        PgQuery__BoolExpr *be = n->bool_expr;
        uint32_t kind = be->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR  ? E_AND
                        : be->boolop == PG_QUERY__BOOL_EXPR_TYPE__OR_EXPR ? E_OR
                                                                          : E_NOT;
        expr_t *e = mk(bc->a, kind, HELIOS_OID_BOOL, (uint32_t)be->n_args);
        e->location = be->location;
        for (size_t i = 0; i < be->n_args; i++) {
            if ((rc = bind_expr(bc, q, be->args[i], &e->args[i])) != 0) return rc;
            if ((rc = coerce_to(bc, &e->args[i], HELIOS_OID_BOOL, -1, 0)) != 0) {
                if (e->args[i]->type != HELIOS_OID_BOOL) {
                    return bind_err_pos(bc, e->args[i]->location, HELIOS_ERR_DATATYPE_MISMATCH,
                                        "argument of %s must be type boolean, not type %s",
                                        kind == E_AND ? "AND" : kind == E_OR ? "OR" : "NOT",
                                        type_name(e->args[i]->type));
                }
                return rc;
            }
        }
        *out = e;
        return 0;
    }
    case PG_QUERY__NODE__NODE_FUNC_CALL:
        return bind_func(bc, q, n->func_call, out);
    case PG_QUERY__NODE__NODE_TYPE_CAST: {
        uint32_t t;
        int32_t tm;
        expr_t *x;
        PgQuery__TypeName *ctn = n->type_cast->type_name;
        const char *cname = ctn->n_names ? pn_str(ctn->names[ctn->n_names - 1]) : NULL;
        if (cname != NULL && strcmp(cname, "regnamespace") == 0 && ctn->n_array_bounds == 0) {
            if ((rc = bind_expr(bc, q, n->type_cast->arg, &x)) != 0) return rc;
            expr_t *f = mk(bc->a, E_FUNC, HELIOS_OID_TEXT, 1);
            f->fn = func_lookup("__regnamespace_out", 1);
            f->args[0] = x;
            *out = f;
            return 0;
        }
        if (cname != NULL && (strcmp(cname, "regclass") == 0 || strcmp(cname, "regtype") == 0) &&
            ctn->n_array_bounds == 0) {
            /* regclass / regtype: a relation or type name <-> its oid */
            if ((rc = bind_expr(bc, q, n->type_cast->arg, &x)) != 0) return rc;
            int to_name = val_is_int(x->type);
            int ty = cname[3] == 't';
            expr_t *f = mk(bc->a, E_FUNC, to_name ? HELIOS_OID_TEXT : HELIOS_OID_OID, 1);
            f->fn = func_lookup(to_name ? (ty ? "__regtype_out" : "__regclass_out")
                                        : (ty ? "__regtype_in" : "__regclass_in"), 1);
            if (!to_name && (rc = coerce_to(bc, &x, HELIOS_OID_TEXT, -1, 1)) != 0) return rc;
            f->args[0] = x;
            *out = f;
            return 0;
        }
        if ((rc = bind_typename(bc, n->type_cast->type_name, &t, &tm)) != 0) return rc;
        if ((rc = bind_expr(bc, q, n->type_cast->arg, &x)) != 0) return rc;
        if (x->kind == E_CONST && x->c.null) {
            x->type = t;
            x->c.t = t;
            x->typmod = tm;
            *out = x;
            return 0;
        }
        if ((rc = coerce_to(bc, &x, t, tm, 1)) != 0) return rc;
        if (x->type != t) {
            x = mk_cast(bc->a, x, t, tm);
        }
        x->location = n->type_cast->location;
        *out = x;
        return 0;
    }
    case PG_QUERY__NODE__NODE_CASE_EXPR: {
        PgQuery__CaseExpr *ce = n->case_expr;
        uint32_t nw = (uint32_t)ce->n_args;
        expr_t *e = mk(bc->a, E_CASE, 0, nw * 2 + 1);
        e->location = ce->location;
        for (uint32_t i = 0; i < nw; i++) {
            PgQuery__CaseWhen *cw = ce->args[i]->case_when;
            expr_t *w;
            if (ce->arg != NULL) {
                expr_t *a1, *v;
                if ((rc = bind_expr(bc, q, ce->arg, &a1)) != 0) return rc;
                if ((rc = bind_expr(bc, q, cw->expr, &v)) != 0) return rc;
                if ((rc = bind_binop(bc, OP_EQ, "=", a1, v, cw->location, &w)) != 0) return rc;
            } else {
                if ((rc = bind_expr(bc, q, cw->expr, &w)) != 0) return rc;
                if ((rc = coerce_to(bc, &w, HELIOS_OID_BOOL, -1, 0)) != 0) return rc;
                if (w->type != HELIOS_OID_BOOL) {
                    return bind_err_pos(bc, w->location, HELIOS_ERR_DATATYPE_MISMATCH,
                                        "argument of CASE/WHEN must be type boolean, not type %s",
                                        type_name(w->type));
                }
            }
            e->args[i * 2] = w;
            if ((rc = bind_expr(bc, q, cw->result, &e->args[i * 2 + 1])) != 0) return rc;
        }
        if (ce->defresult != NULL) {
            if ((rc = bind_expr(bc, q, ce->defresult, &e->args[nw * 2])) != 0) return rc;
        } else {
            val_t nv = {.t = T_NULL, .null = 1};
            e->args[nw * 2] = mk_const(bc->a, &nv);
        }
        expr_t **res = ar_alloc(bc->a, sizeof(expr_t *) * (nw + 1));
        for (uint32_t i = 0; i < nw; i++) res[i] = e->args[i * 2 + 1];
        res[nw] = e->args[nw * 2];
        uint32_t t;
        if ((rc = unify_types(bc, res, nw + 1, &t, "CASE")) != 0) return rc;
        for (uint32_t i = 0; i < nw; i++) e->args[i * 2 + 1] = res[i];
        e->args[nw * 2] = res[nw];
        e->type = t;
        *out = e;
        return 0;
    }
    case PG_QUERY__NODE__NODE_NULL_TEST: {
        expr_t *x;
        if ((rc = bind_expr(bc, q, n->null_test->arg, &x)) != 0) return rc;
        expr_t *e = mk_bool(bc->a, E_ISNULL, x, NULL);
        e->op = n->null_test->nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NOT_NULL;
        *out = e;
        return 0;
    }
    case PG_QUERY__NODE__NODE_BOOLEAN_TEST: {
        expr_t *x;
        if ((rc = bind_expr(bc, q, n->boolean_test->arg, &x)) != 0) return rc;
        if ((rc = coerce_to(bc, &x, HELIOS_OID_BOOL, -1, 0)) != 0) return rc;
        expr_t *e = mk_bool(bc->a, E_BOOLTEST, x, NULL);
        e->op = (uint8_t)n->boolean_test->booltesttype;
        *out = e;
        return 0;
    }
    case PG_QUERY__NODE__NODE_SUB_LINK:
        return bind_sublink(bc, q, n->sub_link, out);
    case PG_QUERY__NODE__NODE_COALESCE_EXPR:
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR: {
        int co = n->node_case == PG_QUERY__NODE__NODE_COALESCE_EXPR;
        size_t na = co ? n->coalesce_expr->n_args : n->min_max_expr->n_args;
        pnode_t **args = co ? n->coalesce_expr->args : n->min_max_expr->args;
        expr_t *e = mk(bc->a, co ? E_COALESCE : E_MINMAX, 0, (uint32_t)na);
        if (!co) {
            e->op = n->min_max_expr->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? 1 : 2;
        }
        if ((rc = bind_list(bc, q, args, na, e->args)) != 0) return rc;
        if ((rc = unify_types(bc, e->args, e->n_args, &e->type, co ? "COALESCE" : "GREATEST/LEAST")) != 0) {
            return rc;
        }
        *out = e;
        return 0;
    }
    case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION: {
        static const char *names[] = {"", "current_date", "current_time", "current_time",
                                      "current_timestamp", "current_timestamp", "localtime",
                                      "localtime", "localtimestamp", "localtimestamp",
                                      "current_role", "current_user", "current_user",
                                      "session_user", "current_database", "current_schema"};
        uint32_t op = (uint32_t)n->sqlvalue_function->op;
        const func_def_t *f = func_lookup(op < 16 ? names[op] : "", 0);
        if (f == NULL) {
            return bind_err_pos(bc, n->sqlvalue_function->location,
                                HELIOS_ERR_FEATURE_NOT_SUPPORTED, "not supported");
        }
        expr_t *e = mk(bc->a, E_FUNC, 0, 0);
        e->fn = f;
        e->type = func_result_type(f, NULL, 0);
        *out = e;
        return 0;
    }
    case PG_QUERY__NODE__NODE_A_ARRAY_EXPR: {
        PgQuery__AArrayExpr *ae = n->a_array_expr;
        expr_t *e = mk(bc->a, E_ARRAY, 0, (uint32_t)ae->n_elements);
        if ((rc = bind_list(bc, q, ae->elements, ae->n_elements, e->args)) != 0) return rc;
        uint32_t t = HELIOS_OID_TEXT;
        if (e->n_args > 0 && (rc = unify_types(bc, e->args, e->n_args, &t, "ARRAY")) != 0) {
            return rc;
        }
        e->type = type_array_of(t);
        *out = e;
        return 0;
    }
    case PG_QUERY__NODE__NODE_COLLATE_CLAUSE:
        return bind_expr(bc, q, n->collate_clause->arg, out);
    case PG_QUERY__NODE__NODE_A_INDIRECTION: {
        /* arr[i] on one-dimensional arrays */
        PgQuery__AIndirection *ai = n->a_indirection;
        expr_t *x;
        if ((rc = bind_expr(bc, q, ai->arg, &x)) != 0) return rc;
        for (size_t k = 0; k < ai->n_indirection; k++) {
            pnode_t *ind = ai->indirection[k];
            if (ind->node_case != PG_QUERY__NODE__NODE_A_INDICES || ind->a_indices->is_slice ||
                ind->a_indices->uidx == NULL || type_elem_of(x->type) == 0) {
                return bind_err_pos(bc, -1, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                                    "this subscript is not supported");
            }
            expr_t *f = mk(bc->a, E_FUNC, type_elem_of(x->type), 2);
            f->fn = func_lookup("__subscript", 2);
            f->args[0] = x;
            if ((rc = bind_expr(bc, q, ind->a_indices->uidx, &f->args[1])) != 0) return rc;
            if ((rc = coerce_to(bc, &f->args[1], HELIOS_OID_INT4, -1, 0)) != 0) return rc;
            x = f;
        }
        *out = x;
        return 0;
    }
    default:
        return bind_err_pos(bc, -1, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                            "expression type %d is not supported", (int)n->node_case);
    }
}
