/* kernel/sql/bind_window.c -- window functions: binding a call with OVER (named windows of
 * the WINDOW clause, frames, the argument and result types), and planning the calls of a
 * query level as P_WINDOW nodes, one per distinct PARTITION BY / ORDER BY, each over a sort
 * of its input (the spilling sort of exec_spill.c when the input streams). */
#include <stdio.h>
#include <stdlib.h>

#include "sql/bind.h"

static const struct {
    const char *name;
    uint32_t fn;
    uint32_t min_args, max_args;
} win_fns[] = {
    {"row_number", WIN_ROW_NUMBER, 0, 0},   {"rank", WIN_RANK, 0, 0},
    {"dense_rank", WIN_DENSE_RANK, 0, 0},   {"percent_rank", WIN_PERCENT_RANK, 0, 0},
    {"cume_dist", WIN_CUME_DIST, 0, 0},     {"ntile", WIN_NTILE, 1, 1},
    {"lag", WIN_LAG, 1, 3},                 {"lead", WIN_LEAD, 1, 3},
    {"first_value", WIN_FIRST_VALUE, 1, 1}, {"last_value", WIN_LAST_VALUE, 1, 1},
    {"nth_value", WIN_NTH_VALUE, 2, 2},
};

static const char *win_aggs[] = {"count", "sum", "avg", "min", "max", "bool_and", "bool_or",
                                 "every", "string_agg", "array_agg", "stddev", "variance",
                                 "stddev_samp", "var_samp", "stddev_pop", "var_pop", NULL};

int win_is_window_name(const char *name)
{
    for (size_t i = 0; i < sizeof win_fns / sizeof win_fns[0]; i++) {
        if (strcmp(win_fns[i].name, name) == 0) return 1;
    }
    return 0;
}

static int is_unknown(const expr_t *e)
{
    return e->type == HELIOS_OID_UNKNOWN || e->type == T_NULL;
}

/* the window specification a call uses once named windows are resolved */
typedef struct wspec {
    PgQuery__Node **part;
    size_t n_part;
    PgQuery__Node **order;
    size_t n_order;
    uint32_t frame;
    pnode_t *start, *end;
} wspec_t;

static int has_name(const char *s)
{
    return s != NULL && s[0] != '\0';
}

static PgQuery__WindowDef *find_window(scope_t *q, const char *name)
{
    for (uint32_t i = 0; i < q->n_windows; i++) {
        pnode_t *n = q->windows[i];
        if (n->node_case == PG_QUERY__NODE__NODE_WINDOW_DEF &&
            has_name(n->window_def->name) && strcmp(n->window_def->name, name) == 0) {
            return n->window_def;
        }
    }
    return NULL;
}

/* a specification (an OVER (...) or a WINDOW clause entry), copying from the window it names
   as PostgreSQL does: PARTITION BY only from the base, ORDER BY from the base unless it has
   none, never the base's frame */
static int32_t resolve_spec(bind_ctx_t *bc, scope_t *q, PgQuery__WindowDef *wd, int depth,
                            wspec_t *out)
{
    memset(out, 0, sizeof *out);
    out->part = wd->partition_clause;
    out->n_part = wd->n_partition_clause;
    out->order = wd->order_clause;
    out->n_order = wd->n_order_clause;
    out->frame = (uint32_t)wd->frame_options;
    out->start = wd->start_offset;
    out->end = wd->end_offset;
    if (!has_name(wd->refname)) return 0;
    PgQuery__WindowDef *base = find_window(q, wd->refname);
    if (base == NULL || depth > 32) {
        return bind_err_pos(bc, wd->location, HELIOS_ERR_UNDEFINED_OBJECT,
                            "window \"%s\" does not exist", wd->refname);
    }
    wspec_t b;
    int32_t rc = resolve_spec(bc, q, base, depth + 1, &b);
    if (rc != 0) return rc;
    if (out->n_part > 0) {
        return bind_err_pos(bc, wd->location, HELIOS_ERR_WINDOWING_ERROR,
                            "cannot override PARTITION BY clause of window \"%s\"", wd->refname);
    }
    out->part = b.part;
    out->n_part = b.n_part;
    if (out->n_order > 0 && b.n_order > 0) {
        return bind_err_pos(bc, wd->location, HELIOS_ERR_WINDOWING_ERROR,
                            "cannot override ORDER BY clause of window \"%s\"", wd->refname);
    }
    if (out->n_order == 0) {
        out->order = b.order;
        out->n_order = b.n_order;
    }
    if (b.frame & WF_NONDEFAULT) {
        return bind_err_pos(bc, wd->location, HELIOS_ERR_WINDOWING_ERROR,
                            "cannot copy window \"%s\" because it has a frame clause",
                            wd->refname);
    }
    return 0;
}

static int refs_level(const expr_t *e, uint32_t depth)
{
    if (e == NULL) return 0;
    if (e->kind == E_COL && e->depth == depth) return 1;
    for (uint32_t i = 0; i < e->n_args; i++) {
        if (refs_level(e->args[i], depth)) return 1;
    }
    return 0;
}

/* a frame offset: a constant expression (no column of this level) of the mode's type */
static int32_t bind_offset(bind_ctx_t *bc, scope_t *q, pnode_t *n, uint32_t frame,
                           uint32_t key_type, expr_t **out)
{
    int32_t rc = bind_expr(bc, q, n, out);
    if (rc != 0) return rc;
    const char *mode = frame & WF_ROWS ? "ROWS" : frame & WF_GROUPS ? "GROUPS" : "RANGE";
    if (refs_level(*out, q->depth)) {
        return bind_err_pos(bc, (*out)->location, HELIOS_ERR_INVALID_COLUMN_REFERENCE,
                            "argument of %s must not contain variables", mode);
    }
    if (!(frame & WF_RANGE)) return coerce_to(bc, out, HELIOS_OID_INT8, -1, 0);
    uint32_t want;
    if (val_is_num(key_type)) {
        want = val_is_int(key_type) ? HELIOS_OID_INT8 : key_type;
        if (want == HELIOS_OID_FLOAT4) want = HELIOS_OID_FLOAT8;
    } else if (key_type == HELIOS_OID_DATE || key_type == HELIOS_OID_TIMESTAMP ||
               key_type == HELIOS_OID_TIMESTAMPTZ || key_type == HELIOS_OID_TIME ||
               key_type == HELIOS_OID_INTERVAL) {
        want = HELIOS_OID_INTERVAL;
    } else {
        return bind_err_pos(bc, (*out)->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                            "RANGE with offset PRECEDING/FOLLOWING is not supported for column "
                            "type %s", type_name(key_type));
    }
    uint32_t ot = (*out)->type;
    if (ot != want && !is_unknown(*out) && !(val_is_int(want) && val_is_int(ot)) &&
        !(!val_is_int(want) && val_is_num(want) && val_is_num(ot) &&
          type_numeric_rank(ot) <= type_numeric_rank(want))) {
        return bind_err_pos(bc, (*out)->location, HELIOS_ERR_UNDEFINED_FUNCTION,
                            "RANGE with offset PRECEDING/FOLLOWING is not supported for column "
                            "type %s and offset type %s",
                            type_name(key_type), type_name((*out)->type));
    }
    return coerce_to(bc, out, want, -1, 0);
}

/* result type of an aggregate used as a window function (as bind_agg in bind_expr.c) */
static int32_t win_agg_def(bind_ctx_t *bc, PgQuery__FuncCall *fc, const char *name,
                           expr_t **args, agg_def_t *ag)
{
    if (fc->agg_star || (strcmp(name, "count") == 0 && fc->n_args == 0)) {
        ag->fn = AGG_COUNT_STAR;
        ag->star = 1;
        ag->type = HELIOS_OID_INT8;
        return 0;
    }
    int32_t rc;
    if (fc->n_args < 1) {
        return bind_err_pos(bc, fc->location, HELIOS_ERR_UNDEFINED_FUNCTION,
                            "function %s() does not exist", name);
    }
    if (is_unknown(args[0]) && (rc = coerce_to(bc, &args[0], HELIOS_OID_TEXT, -1, 0)) != 0) {
        return rc;
    }
    uint32_t at = args[0]->type;
    ag->argtype = at;
    if (strcmp(name, "count") == 0) {
        ag->fn = AGG_COUNT;
        ag->type = HELIOS_OID_INT8;
    } else if (strcmp(name, "sum") == 0) {
        ag->fn = AGG_SUM;
        if (at == HELIOS_OID_INT2 || at == HELIOS_OID_INT4) ag->type = HELIOS_OID_INT8;
        else if (at == HELIOS_OID_INT8 || at == HELIOS_OID_NUMERIC) ag->type = HELIOS_OID_NUMERIC;
        else if (at == HELIOS_OID_FLOAT4 || at == HELIOS_OID_FLOAT8 || at == HELIOS_OID_INTERVAL)
            ag->type = at;
        else goto badarg;
    } else if (strcmp(name, "avg") == 0) {
        ag->fn = AGG_AVG;
        if (val_is_int(at) || at == HELIOS_OID_NUMERIC) ag->type = HELIOS_OID_NUMERIC;
        else if (at == HELIOS_OID_FLOAT4 || at == HELIOS_OID_FLOAT8) ag->type = HELIOS_OID_FLOAT8;
        else if (at == HELIOS_OID_INTERVAL) ag->type = at;
        else goto badarg;
    } else if (strcmp(name, "min") == 0 || strcmp(name, "max") == 0) {
        ag->fn = name[1] == 'i' ? AGG_MIN : AGG_MAX;
        ag->type = at;
    } else if (strcmp(name, "bool_and") == 0 || strcmp(name, "every") == 0 ||
               strcmp(name, "bool_or") == 0) {
        ag->fn = name[5] == 'o' ? AGG_BOOL_OR : AGG_BOOL_AND;
        if ((rc = coerce_to(bc, &args[0], HELIOS_OID_BOOL, -1, 0)) != 0) return rc;
        ag->type = HELIOS_OID_BOOL;
    } else if (strcmp(name, "string_agg") == 0) {
        ag->fn = AGG_STRING_AGG;
        if (fc->n_args != 2) goto badarg;
        if ((rc = coerce_to(bc, &args[0], HELIOS_OID_TEXT, -1, 0)) != 0) return rc;
        if ((rc = coerce_to(bc, &args[1], HELIOS_OID_TEXT, -1, 0)) != 0) return rc;
        ag->type = at == HELIOS_OID_BYTEA ? at : HELIOS_OID_TEXT;
    } else if (strcmp(name, "array_agg") == 0) {
        ag->fn = AGG_ARRAY_AGG;
        ag->type = type_array_of(at);
    } else {
        if (!val_is_num(at)) goto badarg;
        if (strcmp(name, "stddev") == 0 || strcmp(name, "stddev_samp") == 0) ag->fn = AGG_STDDEV;
        else if (strcmp(name, "variance") == 0 || strcmp(name, "var_samp") == 0)
            ag->fn = AGG_VARIANCE;
        else if (strcmp(name, "stddev_pop") == 0) ag->fn = AGG_STDDEV_POP;
        else ag->fn = AGG_VAR_POP;
        ag->type = at == HELIOS_OID_FLOAT4 || at == HELIOS_OID_FLOAT8 ? HELIOS_OID_FLOAT8
                                                                     : HELIOS_OID_NUMERIC;
    }
    if (ag->fn != AGG_STRING_AGG && fc->n_args != 1) goto badarg;
    return 0;
badarg:
    return bind_err_pos(bc, fc->location, HELIOS_ERR_UNDEFINED_FUNCTION,
                        "function %s(%s) does not exist", name, type_name(at));
}

static int32_t win_context(bind_ctx_t *bc, PgQuery__FuncCall *fc)
{
    if (bc->in_win) {
        return bind_err_pos(bc, fc->location, HELIOS_ERR_WINDOWING_ERROR,
                            "window function calls cannot be nested");
    }
    if (!bc->agg_ok) {
        if (bc->agg_ctx != NULL && strcmp(bc->agg_ctx, "aggregate function calls") == 0) {
            return bind_err_pos(bc, fc->location, HELIOS_ERR_GROUPING_ERROR,
                                "aggregate function calls cannot contain window function calls");
        }
        return bind_err_pos(bc, fc->location, HELIOS_ERR_WINDOWING_ERROR,
                            "window functions are not allowed in %s",
                            bc->agg_ctx != NULL ? bc->agg_ctx : "this context");
    }
    if (!bc->win_ok) {
        return bind_err_pos(bc, fc->location, HELIOS_ERR_WINDOWING_ERROR,
                            "window functions are not allowed in %s",
                            bc->win_ctx != NULL ? bc->win_ctx : "this context");
    }
    return 0;
}

int32_t bind_window_func(bind_ctx_t *bc, scope_t *q, PgQuery__FuncCall *fc, const char *name,
                         expr_t **out)
{
    int32_t rc;
    uint32_t wfn = 0, min_args = 0, max_args = 0;
    for (size_t i = 0; i < sizeof win_fns / sizeof win_fns[0]; i++) {
        if (strcmp(win_fns[i].name, name) == 0) {
            wfn = win_fns[i].fn;
            min_args = win_fns[i].min_args;
            max_args = win_fns[i].max_args;
        }
    }
    int is_agg = 0;
    for (int i = 0; win_aggs[i] != NULL; i++) {
        if (strcmp(win_aggs[i], name) == 0) is_agg = 1;
    }
    if (fc->over == NULL) {
        return bind_err_pos(bc, fc->location, HELIOS_ERR_WRONG_OBJECT_TYPE,
                            "window function %s requires an OVER clause", name);
    }
    if (wfn == 0 && !is_agg) {
        return bind_err_pos(bc, fc->location, HELIOS_ERR_WRONG_OBJECT_TYPE,
                            "OVER specified, but %s is not a window function nor an aggregate "
                            "function", name);
    }
    if ((rc = win_context(bc, fc)) != 0) return rc;
    if (wfn != 0 && max_args == 0 && fc->n_args > 0 && wfn != WIN_ROW_NUMBER) {
        return bind_err_pos(bc, fc->location, HELIOS_ERR_WRONG_OBJECT_TYPE,
                            "WITHIN GROUP is required for ordered-set aggregate %s", name);
    }
    if (wfn != 0 && (fc->n_args < min_args || fc->n_args > max_args || fc->agg_star)) {
        return bind_err_pos(bc, fc->location, HELIOS_ERR_UNDEFINED_FUNCTION,
                            "function %s with %zu arguments does not exist", name, fc->n_args);
    }
    if (fc->agg_distinct) {
        return bind_err_pos(bc, fc->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                            "DISTINCT is not implemented for window functions");
    }
    if (fc->n_agg_order > 0) {
        return bind_err_pos(bc, fc->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                            "aggregate ORDER BY is not implemented for window functions");
    }
    if (fc->agg_filter != NULL && wfn != 0) {
        return bind_err_pos(bc, fc->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                            "FILTER is not implemented for non-aggregate window functions");
    }
    /* the specification */
    PgQuery__WindowDef *over = fc->over;
    wspec_t ws;
    if (has_name(over->name)) {
        PgQuery__WindowDef *def = find_window(q, over->name);
        if (def == NULL) {
            return bind_err_pos(bc, over->location, HELIOS_ERR_UNDEFINED_OBJECT,
                                "window \"%s\" does not exist", over->name);
        }
        if ((rc = resolve_spec(bc, q, def, 0, &ws)) != 0) return rc;
    } else if ((rc = resolve_spec(bc, q, over, 0, &ws)) != 0) {
        return rc;
    }
    if (ws.frame & (WF_START_OFFSET_PRECEDING | WF_START_OFFSET_FOLLOWING |
                    WF_END_OFFSET_PRECEDING | WF_END_OFFSET_FOLLOWING)) {
        if ((ws.frame & WF_RANGE) && ws.n_order != 1) {
            return bind_err_pos(bc, over->location, HELIOS_ERR_WINDOWING_ERROR,
                                "RANGE with offset PRECEDING/FOLLOWING requires exactly one "
                                "ORDER BY column");
        }
    }
    if ((ws.frame & WF_GROUPS) && ws.n_order == 0) {
        return bind_err_pos(bc, over->location, HELIOS_ERR_WINDOWING_ERROR,
                            "GROUPS mode requires an ORDER BY clause");
    }
    win_def_t *wd = ar_zalloc(bc->a, sizeof *wd);
    wd->fn = wfn != 0 ? wfn : WIN_AGG;
    wd->n_fargs = (uint32_t)fc->n_args;
    wd->n_part = (uint32_t)ws.n_part;
    wd->n_order = (uint32_t)ws.n_order;
    wd->has_filter = fc->agg_filter != NULL;
    wd->frame = ws.frame;
    wd->has_start = ws.start != NULL;
    wd->has_end = ws.end != NULL;
    uint32_t n = wd->n_fargs + wd->n_part + wd->n_order + wd->has_filter + wd->has_start +
                 wd->has_end;
    expr_t *e = ar_zalloc(bc->a, sizeof *e);
    e->kind = E_WINDOW;
    e->typmod = -1;
    e->location = fc->location;
    e->n_args = (uint16_t)n;
    e->args = ar_zalloc(bc->a, sizeof(expr_t *) * (n + 1));
    e->win = wd;
    expr_t **a = e->args;
    uint32_t saved_ok = bc->win_ok, saved_in = bc->in_win;
    const char *saved_ctx = bc->win_ctx;
    /* arguments: aggregates allowed (a window over a grouped query), windows not */
    bc->win_ok = 0;
    bc->in_win = 1;
    for (uint32_t i = 0; i < wd->n_fargs && rc == 0; i++) rc = bind_expr(bc, q, fc->args[i], &a[i]);
    if (rc == 0 && wd->has_filter) {
        uint32_t fi = wd->n_fargs + wd->n_part + wd->n_order;
        rc = bind_expr(bc, q, fc->agg_filter, &a[fi]);
        if (rc == 0) rc = coerce_to(bc, &a[fi], HELIOS_OID_BOOL, -1, 0);
    }
    bc->in_win = 0;
    bc->win_ctx = "window definitions";
    for (uint32_t i = 0; i < wd->n_part && rc == 0; i++) {
        expr_t **x = &a[wd->n_fargs + i];
        rc = bind_expr(bc, q, ws.part[i], x);
        if (rc == 0 && is_unknown(*x)) rc = coerce_to(bc, x, HELIOS_OID_TEXT, -1, 0);
    }
    wd->order_desc = ar_zalloc(bc->a, wd->n_order + 1);
    wd->order_nulls_first = ar_zalloc(bc->a, wd->n_order + 1);
    for (uint32_t i = 0; i < wd->n_order && rc == 0; i++) {
        PgQuery__SortBy *sb = ws.order[i]->sort_by;
        expr_t **x = &a[wd->n_fargs + wd->n_part + i];
        rc = bind_expr(bc, q, sb->node, x);
        if (rc == 0 && is_unknown(*x)) rc = coerce_to(bc, x, HELIOS_OID_TEXT, -1, 0);
        wd->order_desc[i] = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
        wd->order_nulls_first[i] =
            sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
            (wd->order_desc[i] && sb->sortby_nulls != PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST);
    }
    uint32_t oi = wd->n_fargs + wd->n_part + wd->n_order + wd->has_filter;
    uint32_t key_type = rc == 0 && wd->n_order > 0 ? a[wd->n_fargs + wd->n_part]->type : 0;
    if (rc == 0 && wd->has_start) rc = bind_offset(bc, q, ws.start, ws.frame, key_type, &a[oi++]);
    if (rc == 0 && wd->has_end) rc = bind_offset(bc, q, ws.end, ws.frame, key_type, &a[oi]);
    bc->win_ok = saved_ok;
    bc->in_win = saved_in;
    bc->win_ctx = saved_ctx;
    if (rc != 0) return rc;
    /* argument and result types */
    switch (wd->fn) {
    case WIN_ROW_NUMBER: case WIN_RANK: case WIN_DENSE_RANK:
        e->type = HELIOS_OID_INT8;
        break;
    case WIN_PERCENT_RANK: case WIN_CUME_DIST:
        e->type = HELIOS_OID_FLOAT8;
        break;
    case WIN_NTILE:
        if ((rc = coerce_to(bc, &a[0], HELIOS_OID_INT4, -1, 0)) != 0) return rc;
        e->type = HELIOS_OID_INT4;
        break;
    case WIN_LAG: case WIN_LEAD:
        if (wd->n_fargs >= 2 && (rc = coerce_to(bc, &a[1], HELIOS_OID_INT4, -1, 0)) != 0) return rc;
        if (wd->n_fargs == 3) {
            expr_t *pair[2] = {a[0], a[2]};
            uint32_t t;
            if ((rc = unify_types(bc, pair, 2, &t, wd->fn == WIN_LAG ? "lag" : "lead")) != 0) {
                return rc;
            }
            a[0] = pair[0];
            a[2] = pair[1];
            if (a[0]->type != t && (rc = coerce_to(bc, &a[0], t, -1, 0)) != 0) return rc;
            if (a[2]->type != t && (rc = coerce_to(bc, &a[2], t, -1, 0)) != 0) return rc;
        }
        if (is_unknown(a[0]) && (rc = coerce_to(bc, &a[0], HELIOS_OID_TEXT, -1, 0)) != 0) return rc;
        e->type = a[0]->type;
        e->typmod = a[0]->typmod;
        break;
    case WIN_FIRST_VALUE: case WIN_LAST_VALUE: case WIN_NTH_VALUE:
        if (is_unknown(a[0]) && (rc = coerce_to(bc, &a[0], HELIOS_OID_TEXT, -1, 0)) != 0) return rc;
        if (wd->fn == WIN_NTH_VALUE && (rc = coerce_to(bc, &a[1], HELIOS_OID_INT4, -1, 0)) != 0) {
            return rc;
        }
        e->type = a[0]->type;
        e->typmod = a[0]->typmod;
        break;
    default: {
        agg_def_t *ag = ar_zalloc(bc->a, sizeof *ag);
        if ((rc = win_agg_def(bc, fc, name, a, ag)) != 0) return rc;
        wd->agg = ag;
        e->type = ag->type;
        break;
    }
    }
    q->has_win = 1;
    *out = e;
    return 0;
}

/* ---------- planning ---------- */
int win_def_equal(const win_def_t *x, const win_def_t *y)
{
    if (x->fn != y->fn || x->n_fargs != y->n_fargs || x->n_part != y->n_part ||
        x->n_order != y->n_order || x->has_filter != y->has_filter ||
        x->has_start != y->has_start || x->has_end != y->has_end || x->frame != y->frame) {
        return 0;
    }
    if (x->agg != NULL && (y->agg == NULL || x->agg->fn != y->agg->fn)) return 0;
    for (uint32_t i = 0; i < x->n_order; i++) {
        if (x->order_desc[i] != y->order_desc[i] ||
            x->order_nulls_first[i] != y->order_nulls_first[i]) {
            return 0;
        }
    }
    return 1;
}

typedef struct wlist {
    expr_t **calls;
    uint32_t n, cap;
} wlist_t;

static expr_t *col_like(bind_ctx_t *bc, uint32_t depth, uint32_t idx, const expr_t *e)
{
    return mk_col(bc->a, depth, idx, e->type, e->typmod);
}

/* replace the window calls of *ep (not inside subqueries: those are their own level's) by
   columns W + k of the window row */
static void extract(bind_ctx_t *bc, scope_t *q, expr_t **ep, wlist_t *wl, uint32_t w)
{
    expr_t *e = *ep;
    if (e == NULL || e->kind == E_SUBQ) return;
    if (e->kind == E_WINDOW) {
        for (uint32_t k = 0; k < wl->n; k++) {
            if (expr_equal(wl->calls[k], e)) {
                *ep = col_like(bc, q->depth, w + k, e);
                return;
            }
        }
        if (wl->n == wl->cap) {
            uint32_t nc = wl->cap ? wl->cap * 2 : 8;
            expr_t **n = ar_alloc(bc->a, sizeof(expr_t *) * nc);
            if (wl->n) memcpy(n, wl->calls, sizeof(expr_t *) * wl->n);
            wl->calls = n;
            wl->cap = nc;
        }
        /* a private copy: the definition gets its slot and the aggregate its arguments */
        expr_t *c = ar_alloc(bc->a, sizeof *c);
        *c = *e;
        win_def_t *wd = ar_alloc(bc->a, sizeof *wd);
        *wd = *e->win;
        wd->slot = w + wl->n;
        c->win = wd;
        if (wd->agg != NULL) {
            agg_def_t *ag = ar_alloc(bc->a, sizeof *ag);
            *ag = *e->win->agg;
            ag->arg = ag->star ? NULL : c->args[0];
            ag->arg2 = ag->fn == AGG_STRING_AGG ? c->args[1] : NULL;
            ag->filter = wd->has_filter ? c->args[wd->n_fargs + wd->n_part + wd->n_order] : NULL;
            wd->agg = ag;
        }
        wl->calls[wl->n] = c;
        *ep = col_like(bc, q->depth, w + wl->n, e);
        wl->n++;
        return;
    }
    for (uint32_t i = 0; i < e->n_args; i++) extract(bc, q, &e->args[i], wl, w);
}

/* the type of slot i of the window nodes' input row */
static uint32_t slot_type(scope_t *q, uint32_t i, int32_t *tm)
{
    *tm = -1;
    if (q->groups != NULL) {
        if (i < q->n_groups) {
            *tm = q->groups[i]->typmod;
            return q->groups[i]->type;
        }
        if (i - q->n_groups < q->n_aggs) return q->aggs[i - q->n_groups]->type;
        return HELIOS_OID_TEXT;
    }
    for (uint32_t r = 0; r < q->n_rtes; r++) {
        rte_t *rt = &q->rtes[r];
        if (i >= rt->base && i < rt->base + rt->n_cols) {
            *tm = rt->coltypmods[i - rt->base];
            return rt->coltypes[i - rt->base];
        }
    }
    return HELIOS_OID_TEXT;
}

static plan_t *mkplan(arena_t *a, uint32_t kind, uint32_t depth)
{
    plan_t *p = ar_zalloc(a, sizeof *p);
    p->kind = (uint8_t)kind;
    p->depth = depth;
    return p;
}

static int same_spec(const expr_t *a, const expr_t *b)
{
    const win_def_t *x = a->win, *y = b->win;
    if (x->n_part != y->n_part || x->n_order != y->n_order) return 0;
    for (uint32_t i = 0; i < x->n_part + x->n_order; i++) {
        if (!expr_equal(a->args[x->n_fargs + i], b->args[y->n_fargs + i])) return 0;
    }
    for (uint32_t i = 0; i < x->n_order; i++) {
        if (x->order_desc[i] != y->order_desc[i] ||
            x->order_nulls_first[i] != y->order_nulls_first[i]) {
            return 0;
        }
    }
    return 1;
}

int32_t bind_window_plan(bind_ctx_t *bc, scope_t *q, expr_t **exprs, uint32_t n,
                         expr_t **more, uint32_t n_more, plan_t **p)
{
    uint32_t w = (*p)->width, d = q->depth;
    wlist_t wl = {0};
    for (uint32_t i = 0; i < n; i++) extract(bc, q, &exprs[i], &wl, w);
    for (uint32_t i = 0; i < n_more; i++) extract(bc, q, &more[i], &wl, w);
    if (wl.n == 0) return 0;
    uint32_t f = w + wl.n; /* the input's slots, then one per call */
    uint32_t cur_w = w;    /* slots of the current plan's rows */
    uint8_t *done = ar_zalloc(bc->a, wl.n);
    plan_t *top = *p;
    for (uint32_t s = 0; s < wl.n; s++) {
        if (done[s]) continue;
        expr_t *lead = wl.calls[s];
        win_def_t *ld = lead->win;
        plan_t *wp = mkplan(bc->a, P_WINDOW, d);
        wp->exprs = ar_alloc(bc->a, sizeof(expr_t *) * wl.n);
        for (uint32_t k = s; k < wl.n; k++) {
            if (!done[k] && same_spec(lead, wl.calls[k])) {
                wp->exprs[wp->n_exprs++] = wl.calls[k];
                done[k] = 1;
            }
        }
        uint32_t nk = ld->n_part + ld->n_order;
        if (nk == 0) {
            wp->l = top;
            wp->width = cur_w > f ? cur_w : f;
        } else {
            /* [input and earlier results..., keys...] sorted on the keys */
            plan_t *pr = mkplan(bc->a, P_PROJECT, d);
            pr->l = top;
            pr->width = f + nk;
            pr->n_exprs = f + nk;
            pr->exprs = ar_alloc(bc->a, sizeof(expr_t *) * (f + nk));
            for (uint32_t i = 0; i < f; i++) {
                if (i < cur_w) {
                    int32_t tm;
                    uint32_t t = i < w ? slot_type(q, i, &tm) : wl.calls[i - w]->type;
                    if (i >= w) tm = wl.calls[i - w]->typmod;
                    pr->exprs[i] = mk_col(bc->a, d, i, t, tm);
                } else {
                    val_t nv = {.t = i < w ? HELIOS_OID_TEXT : wl.calls[i - w]->type, .null = 1};
                    pr->exprs[i] = mk_const(bc->a, &nv);
                }
            }
            for (uint32_t k = 0; k < nk; k++) pr->exprs[f + k] = lead->args[ld->n_fargs + k];
            plan_t *so = mkplan(bc->a, P_SORT, d);
            so->l = pr;
            so->width = f + nk;
            so->keys = ar_zalloc(bc->a, sizeof(sort_key_t) * nk);
            so->n_sort = nk;
            for (uint32_t k = 0; k < nk; k++) {
                so->keys[k].idx = f + k;
                if (k >= ld->n_part) {
                    so->keys[k].desc = ld->order_desc[k - ld->n_part];
                    so->keys[k].nulls_first = ld->order_nulls_first[k - ld->n_part];
                }
            }
            wp->l = so;
            wp->width = f + nk;
            wp->keys = so->keys;
            wp->n_sort = nk;
            wp->win_n_part = ld->n_part;
        }
        cur_w = wp->width;
        top = wp;
    }
    *p = top;
    return 0;
}
