/* kernel/sql/bind_from.c -- FROM clause: tables, subqueries, joins, and the join order
 * (greedy: start from the most selective unit, then add units reachable by equi-join
 * conditions as hash joins; cross products only when nothing connects). */
#include <stdio.h>
#include <stdlib.h>

#include "sql/bind.h"
#include "sql/plan_est.h"


void split_conj(arena_t *a, expr_t *e, expr_t ***list, uint32_t *n, uint32_t *cap)
{
    if (e->kind == E_AND) {
        for (uint32_t i = 0; i < e->n_args; i++) {
            split_conj(a, e->args[i], list, n, cap);
        }
        return;
    }
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 16;
        expr_t **nl = ar_alloc(a, sizeof(expr_t *) * nc);
        if (*n) memcpy(nl, *list, sizeof(expr_t *) * *n);
        *list = nl;
        *cap = nc;
    }
    (*list)[(*n)++] = e;
}

static unit_t *add_unit(bind_ctx_t *bc, fromst_t *fs)
{
    if (fs->n_units == fs->cap_units) {
        uint32_t nc = fs->cap_units ? fs->cap_units * 2 : 8;
        unit_t *nu = ar_zalloc(bc->a, sizeof(unit_t) * nc);
        if (fs->n_units) memcpy(nu, fs->units, sizeof(unit_t) * fs->n_units);
        fs->units = nu;
        fs->cap_units = nc;
    }
    unit_t *u = &fs->units[fs->n_units++];
    memset(u, 0, sizeof *u);
    return u;
}

static plan_t *mkplan(arena_t *a, uint32_t kind, uint32_t depth)
{
    plan_t *p = ar_zalloc(a, sizeof *p);
    p->kind = (uint8_t)kind;
    p->depth = depth;
    return p;
}

/* bitmask of units referenced by e at this depth; *sub set when e has a subquery */
static uint64_t refs_of(const expr_t *e, fromst_t *fs, uint32_t depth, int *sub)
{
    if (e == NULL) return 0;
    uint64_t m = 0;
    if (e->kind == E_SUBQ) {
        *sub = 1;
    }
    if (e->kind == E_COL && e->depth == depth) {
        for (uint32_t u = 0; u < fs->n_units; u++) {
            if (e->idx >= fs->units[u].lo && e->idx < fs->units[u].hi) {
                m |= (uint64_t)1 << (u & 63);
            }
        }
    }
    for (uint32_t i = 0; i < e->n_args; i++) {
        m |= refs_of(e->args[i], fs, depth, sub);
    }
    return m;
}

static int32_t from_item(bind_ctx_t *bc, scope_t *q, pnode_t *n, fromst_t *fs);

static int32_t table_unit(bind_ctx_t *bc, scope_t *q, PgQuery__RangeVar *rv, fromst_t *fs)
{
    const char *alias = rv->alias != NULL ? rv->alias->aliasname : rv->relname;
    /* CTE? */
    if (rv->schemaname == NULL || rv->schemaname[0] == '\0') {
        for (cte_t *c = bc->ctes; c != NULL; c = c->next) {
            if (strcmp(c->name, rv->relname) == 0) {
                plan_t *child;
                out_col_t *cols;
                uint32_t nc;
                int32_t rc = bind_cte(bc, q, c, &child, &cols, &nc); /* bind_recursive.c */
                if (rc != 0) return rc;
                rte_t *rt = scope_add_rte(bc, q, alias, nc);
                for (uint32_t i = 0; i < nc; i++) {
                    const char *cn = cols[i].name;
                    if (c->def->n_aliascolnames > i) cn = pn_str(c->def->aliascolnames[i]);
                    if (rv->alias != NULL && rv->alias->n_colnames > i)
                        cn = pn_str(rv->alias->colnames[i]);
                    rt->colnames[i] = (char *)cn;
                    rt->coltypes[i] = cols[i].type;
                    rt->coltypmods[i] = cols[i].typmod;
                }
                unit_t *u = add_unit(bc, fs);
                u->plan = mkplan(bc->a, P_SUBQ, q->depth);
                u->plan->l = child;
                u->plan->base = rt->base;
                u->plan->alias = alias; /* EXPLAIN */
                u->plan->colnames = rt->colnames;
                u->lo = rt->base;
                u->hi = rt->base + nc;
                u->est = 100;
                return 0;
            }
        }
    }
    table_t *t = cat_find_table(bc->eng, rv->schemaname && rv->schemaname[0] ? rv->schemaname : NULL,
                                rv->relname);
    if (t == NULL || t->kind == REL_SEQUENCE) {
        return bind_err_pos(bc, rv->location, HELIOS_ERR_UNDEFINED_TABLE,
                            "relation \"%s\" does not exist", rv->relname);
    }
    if (t->kind == REL_VIEW) {
        if (bc->view_depth > 16) {
            return bind_err_pos(bc, rv->location, HELIOS_ERR_INVALID_OBJECT_DEFINITION,
                                "infinite recursion detected in rules for relation \"%s\"",
                                rv->relname);
        }
        PgQuery__ParseResult *pr;
        int32_t rc = sql_parse(t->view_sql, &pr, bc->err);
        if (rc != 0) return rc;
        /* the parse tree must live as long as the plan: the arena frees it never, so copy the
           pointers we need by keeping the tree; registered for freeing with the statement */
        bc->view_depth++;
        plan_t *child;
        out_col_t *cols;
        uint32_t nc;
        rc = bind_select(bc, q->parent, q->depth + 1, pr->stmts[0]->stmt->select_stmt, &child,
                         &cols, &nc);
        bc->view_depth--;
        if (rc != 0) {
            sql_parse_free(pr);
            return rc;
        }
        rte_t *rt = scope_add_rte(bc, q, alias, nc);
        for (uint32_t i = 0; i < nc; i++) {
            const char *cn = cols[i].name;
            if (i < t->n_view_colnames) cn = t->view_colnames[i];
            if (rv->alias != NULL && rv->alias->n_colnames > i) cn = pn_str(rv->alias->colnames[i]);
            rt->colnames[i] = ar_strdup(bc->a, cn);
            rt->coltypes[i] = cols[i].type;
            rt->coltypmods[i] = cols[i].typmod;
        }
        /* names were copied into the arena; constants point into the tree, so it lives as
           long as the arena the plan is in */
        if ((rc = ar_defer(bc->a, sql_parse_free_v, pr)) != 0) {
            return bind_err_pos(bc, rv->location, rc, "out of memory");
        }
        unit_t *u = add_unit(bc, fs);
        u->plan = mkplan(bc->a, P_SUBQ, q->depth);
        u->plan->l = child;
        u->plan->base = rt->base;
        u->plan->alias = alias; /* EXPLAIN */
        u->plan->colnames = rt->colnames;
        u->lo = rt->base;
        u->hi = rt->base + nc;
        u->est = 1000;
        return 0;
    }
    rte_t *rt = scope_add_rte(bc, q, alias, 0);
    /* one hidden slot after the columns carries the row's storage key (UPDATE/DELETE) */
    uint32_t nvis = t->n_cols + 1;
    rt->n_cols = nvis;
    rt->colnames = ar_zalloc(bc->a, sizeof(char *) * nvis);
    rt->coltypes = ar_zalloc(bc->a, sizeof(uint32_t) * nvis);
    rt->coltypmods = ar_zalloc(bc->a, sizeof(int32_t) * nvis);
    for (uint32_t i = 0; i < t->n_cols; i++) {
        rt->colnames[i] = t->cols[i].dropped ? NULL : t->cols[i].name;
        if (rv->alias != NULL && rv->alias->n_colnames > i) {
            rt->colnames[i] = (char *)pn_str(rv->alias->colnames[i]);
        }
        rt->coltypes[i] = t->cols[i].type;
        rt->coltypmods[i] = t->cols[i].typmod;
    }
    rt->colnames[t->n_cols] = NULL;
    rt->coltypes[t->n_cols] = HELIOS_OID_BYTEA;
    rt->coltypmods[t->n_cols] = -1;
    rt->tab = t;
    q->width += nvis;
    if (t->kind == REL_TABLE) stats_maybe_analyze(bc->eng, t); /* stats.c */
    unit_t *u = add_unit(bc, fs);
    u->plan = mkplan(bc->a, P_SCAN, q->depth);
    u->plan->tab = t;
    u->plan->base = rt->base;
    u->plan->alias = alias;
    u->lo = rt->base;
    u->hi = rt->base + nvis;
    u->tab = t;
    u->est = t->est_rows > 0 ? t->est_rows : 1;
    return 0;
}

static int32_t plan_units(bind_ctx_t *bc, scope_t *q, fromst_t *fs, plan_t **out, double *rows);

/* the last unit is a LATERAL item (window.md): the units before it are planned into one,
   which it joins as a nested loop running it again per row (P_LATERAL, exec_recursive.c) */
static int32_t lateral_join(bind_ctx_t *bc, scope_t *q, fromst_t *fs)
{
    unit_t lat = fs->units[fs->n_units - 1];
    fs->units[fs->n_units - 1].lateral = 1;
    if (fs->n_units == 1) return 0; /* nothing before it here (an outer join's side) */
    fromst_t left = *fs;
    left.n_units--;
    plan_t *lp;
    double rows;
    int32_t rc = plan_units(bc, q, &left, &lp, &rows);
    if (rc != 0) return rc;
    uint32_t lo = lat.lo;
    for (uint32_t i = 0; i < left.n_units; i++) {
        if (fs->units[i].lo < lo) lo = fs->units[i].lo;
    }
    plan_t *j = mkplan(bc->a, P_LATERAL, q->depth);
    j->jtype = 1;
    j->l = lp;
    j->r = lat.plan;
    j->n_rslots = lat.hi - lat.lo;
    j->rslots = ar_alloc(bc->a, sizeof(uint32_t) * (j->n_rslots + 1));
    for (uint32_t i = 0; i < j->n_rslots; i++) j->rslots[i] = lat.lo + i;
    unit_t *u = &fs->units[0];
    memset(u, 0, sizeof *u);
    u->plan = j;
    u->lo = lo;
    u->hi = lat.hi;
    u->est = (uint64_t)(rows > 1 ? rows : 1) * lat.est;
    fs->n_units = 1;
    fs->n_conj = 0; /* planned with the left units */
    return 0;
}

static int32_t subselect_unit(bind_ctx_t *bc, scope_t *q, PgQuery__RangeSubselect *rs,
                              fromst_t *fs)
{
    if (rs->subquery->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
        return bind_err_pos(bc, -1, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                            "this subquery is not supported");
    }
    if (rs->alias == NULL) {
        return bind_err_pos(bc, -1, HELIOS_ERR_SYNTAX_ERROR,
                            "subquery in FROM must have an alias");
    }
    plan_t *child;
    out_col_t *cols;
    uint32_t nc;
    uint32_t saved_min = bc->min_ref;
    /* LATERAL: the earlier items' columns are visible (as an outer query's) */
    int32_t rc = bind_select(bc, rs->lateral ? q : q->parent, q->depth + 1,
                             rs->subquery->select_stmt, &child, &cols, &nc);
    if (bc->min_ref > saved_min) bc->min_ref = saved_min;
    if (rc != 0) return rc;
    rte_t *rt = scope_add_rte(bc, q, rs->alias->aliasname, nc);
    for (uint32_t i = 0; i < nc; i++) {
        rt->colnames[i] = cols[i].name;
        if (rs->alias->n_colnames > i) rt->colnames[i] = (char *)pn_str(rs->alias->colnames[i]);
        rt->coltypes[i] = cols[i].type == HELIOS_OID_UNKNOWN ? HELIOS_OID_TEXT : cols[i].type;
        rt->coltypmods[i] = cols[i].typmod;
    }
    unit_t *u = add_unit(bc, fs);
    u->plan = mkplan(bc->a, P_SUBQ, q->depth);
    u->plan->l = child;
    u->plan->base = rt->base;
    u->plan->alias = rs->alias->aliasname;
    u->plan->colnames = rt->colnames;
    u->lo = rt->base;
    u->hi = rt->base + nc;
    u->est = 100;
    if (rs->lateral) return lateral_join(bc, q, fs);
    return 0;
}

/* ---- constant folding ----
 * Operators and casts whose arguments are all constants of types whose operations do not
 * depend on session settings (integers, floats, numeric, bool, text) are evaluated once
 * here; AND/OR drop their constant-true/false arguments. An evaluation error leaves the
 * expression as it is (the error is raised, as before, only if a row reaches it). */
static int fold_type(uint32_t t)
{
    return val_is_num(t) || t == HELIOS_OID_BOOL || t == HELIOS_OID_TEXT || t == 1043;
}

static int is_bool_const(const expr_t *e, int v)
{
    return e->kind == E_CONST && e->type == HELIOS_OID_BOOL && !e->c.null && (e->c.i != 0) == v;
}

static expr_t *fold_consts(bind_ctx_t *bc, expr_t *e)
{
    if (e == NULL) return e;
    if (e->kind != E_OP && e->kind != E_AND && e->kind != E_OR && e->kind != E_NOT &&
        e->kind != E_CAST) {
        return e;
    }
    int all_const = 1;
    for (uint32_t i = 0; i < e->n_args; i++) {
        e->args[i] = fold_consts(bc, e->args[i]);
        if (e->args[i]->kind != E_CONST || !fold_type(e->args[i]->type) ||
            !fold_type(e->args[i]->c.null ? e->args[i]->type : e->args[i]->c.t)) {
            all_const = 0;
        }
    }
    if (e->kind == E_AND || e->kind == E_OR) {
        int is_and = e->kind == E_AND;
        uint32_t n = 0;
        for (uint32_t i = 0; i < e->n_args; i++) {
            if (is_bool_const(e->args[i], !is_and)) return e->args[i]; /* false AND / true OR */
            if (is_bool_const(e->args[i], is_and)) continue;           /* true AND / false OR */
            e->args[n++] = e->args[i];
        }
        if (n == 0) {
            val_t v = {.t = HELIOS_OID_BOOL, .i = is_and};
            return mk_const(bc->a, &v);
        }
        if (n == 1) return e->args[0];
        e->n_args = (uint16_t)n;
        return e;
    }
    if (!all_const || e->n_args == 0 || !fold_type(e->type)) return e;
    if (e->kind == E_OP && e->op == OP_CONCAT &&
        (e->args[0]->type != HELIOS_OID_TEXT || e->args[e->n_args - 1]->type != HELIOS_OID_TEXT)) {
        return e;
    }
    helios_err_t err = HELIOS_ERR_INIT;
    exec_ctx_t cx = {0};
    cx.s = bc->s;
    cx.eng = bc->eng;
    cx.ar = bc->a;
    cx.err = &err;
    val_t v;
    if (eval(&cx, e, &v) != 0) return e;
    if (!v.null && v.t != e->type) return e;
    if (v.null) v.t = e->type;
    expr_t *c = mk_const(bc->a, &v);
    c->type = e->type;
    c->typmod = e->typmod;
    c->location = e->location;
    return c;
}

static int32_t add_conj(bind_ctx_t *bc, fromst_t *fs, expr_t *e)
{
    e = fold_consts(bc, e);
    if (is_bool_const(e, 1)) return 0; /* WHERE 1 = 1 */
    split_conj(bc->a, e, &fs->conj, &fs->n_conj, &fs->cap_conj);
    return 0;
}

/* USING (cols) / NATURAL: equality conditions; the right column is hidden from unqualified
   lookup so "a" is not ambiguous */
static int32_t using_conds(bind_ctx_t *bc, scope_t *q, uint32_t lrte0, uint32_t lrte1,
                           uint32_t rrte1, char **names, uint32_t n, expr_t **out)
{
    expr_t *acc = NULL;
    for (uint32_t k = 0; k < n; k++) {
        expr_t *l = NULL, *r = NULL;
        for (uint32_t i = lrte0; i < rrte1; i++) {
            rte_t *rt = &q->rtes[i];
            for (uint32_t c = 0; c < rt->n_cols; c++) {
                if (rt->colnames[c] != NULL && strcmp(rt->colnames[c], names[k]) == 0) {
                    expr_t *x = mk_col(bc->a, q->depth, rt->base + c, rt->coltypes[c], -1);
                    if (i < lrte1) {
                        if (l == NULL) l = x;
                    } else if (r == NULL) {
                        r = x;
                        rt->colnames[c] = NULL;
                    }
                }
            }
        }
        if (l == NULL || r == NULL) {
            return bind_err_pos(bc, -1, HELIOS_ERR_UNDEFINED_COLUMN,
                                "column \"%s\" specified in USING clause does not exist in %s "
                                "table", names[k], l == NULL ? "left" : "right");
        }
        expr_t *eq = mk_op(bc->a, OP_EQ, HELIOS_OID_BOOL, l, r);
        if (l->type != r->type) {
            uint32_t t;
            expr_t *pair[2] = {l, r};
            int32_t rc = unify_types(bc, pair, 2, &t, "JOIN/USING");
            if (rc != 0) return rc;
            eq->args[0] = pair[0];
            eq->args[1] = pair[1];
        }
        acc = acc == NULL ? eq : mk_bool(bc->a, E_AND, acc, eq);
    }
    *out = acc;
    return 0;
}

static int32_t plan_units(bind_ctx_t *bc, scope_t *q, fromst_t *fs, plan_t **out, double *rows);

static plan_t *nl_inner(bind_ctx_t *bc, plan_t *sc, const nlkey_t *k);
static plan_t *wrap_filter(bind_ctx_t *bc, plan_t *p, expr_t *f, uint32_t depth);

/* a left join to a table looked up by its primary key or an index on the join columns, when
   that is cheaper than hashing the right side (decided again when WHERE conditions pushed
   below it make the left side smaller) */
static void left_nl(bind_ctx_t *bc, uint32_t d, plan_t *j, double lrows, double rrows)
{
    nlkey_t k;
    int32_t ci[64];
    plan_t *rp = j->r;
    if (j->nl || j->kind != P_JOIN || j->jtype != 2 || j->n_keys == 0 || j->n_keys > 64 ||
        !stats_enabled(bc->s, "enable_nestloop")) {
        return;
    }
    for (uint32_t i = 0; i < j->n_keys; i++) ci[i] = (int32_t)i;
    if (!est_nl_find(rp, d, j->lkeys, j->rkeys, ci, j->n_keys, &k)) return;
    pctx_t pc = {.bc = bc, .d = d};
    unit_t ru = {.plan = rp, .est = (uint64_t)rrows};
    est_unit(&pc, &ru, NULL, 0);
    double hash = ru.cost + rrows * COST_BUILD + lrows * COST_PROBE;
    if (est_nl_cost(&k, lrows) >= hash && stats_enabled(bc->s, "enable_hashjoin")) return;
    j->nl = 1;
    j->r = nl_inner(bc, rp, &k);
    for (uint32_t i = 0; i < j->n_keys; i++) {
        int enforced = 0;
        for (uint32_t c = 0; c < k.n; c++) enforced |= k.ci[c] == (int32_t)i && k.exact[c];
        if (enforced) continue;
        expr_t *eq = mk_op(bc->a, OP_EQ, HELIOS_OID_BOOL, j->lkeys[i], j->rkeys[i]);
        j->filter = j->filter == NULL ? eq : mk_bool(bc->a, E_AND, eq, j->filter);
    }
    j->n_keys = 0;
}

static int32_t join_unit(bind_ctx_t *bc, scope_t *q, PgQuery__JoinExpr *je, fromst_t *fs)
{
    int32_t rc;
    uint32_t jt = je->jointype;
    uint32_t r0 = q->n_rtes;
    if (jt == PG_QUERY__JOIN_TYPE__JOIN_INNER) {
        if ((rc = from_item(bc, q, je->larg, fs)) != 0) return rc;
        uint32_t r1 = q->n_rtes;
        if ((rc = from_item(bc, q, je->rarg, fs)) != 0) return rc;
        uint32_t r2 = q->n_rtes;
        expr_t *cond = NULL;
        if (je->is_natural || je->n_using_clause > 0) {
            char **names = ar_zalloc(bc->a, sizeof(char *) * 64);
            uint32_t nn = 0;
            if (je->is_natural) {
                for (uint32_t i = r0; i < r1; i++)
                    for (uint32_t c = 0; c < q->rtes[i].n_cols; c++)
                        for (uint32_t j = r1; j < r2; j++)
                            for (uint32_t d = 0; d < q->rtes[j].n_cols; d++)
                                if (q->rtes[i].colnames[c] && q->rtes[j].colnames[d] &&
                                    strcmp(q->rtes[i].colnames[c], q->rtes[j].colnames[d]) == 0 &&
                                    nn < 64)
                                    names[nn++] = q->rtes[i].colnames[c];
            } else {
                for (size_t i = 0; i < je->n_using_clause && nn < 64; i++)
                    names[nn++] = (char *)pn_str(je->using_clause[i]);
            }
            if ((rc = using_conds(bc, q, r0, r1, r2, names, nn, &cond)) != 0) return rc;
        } else if (je->quals != NULL) {
            bc->agg_ctx = "JOIN conditions";
            uint32_t saved = bc->agg_ok;
            bc->agg_ok = 0;
            rc = bind_expr(bc, q, je->quals, &cond);
            bc->agg_ok = saved;
            if (rc != 0) return rc;
            if ((rc = coerce_to(bc, &cond, HELIOS_OID_BOOL, -1, 0)) != 0) return rc;
        }
        if (cond != NULL) add_conj(bc, fs, cond);
        return 0;
    }
    if (jt != PG_QUERY__JOIN_TYPE__JOIN_LEFT && jt != PG_QUERY__JOIN_TYPE__JOIN_RIGHT &&
        jt != PG_QUERY__JOIN_TYPE__JOIN_FULL) {
        return bind_err_pos(bc, -1, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                            "this join type is not supported");
    }
    /* outer join: each side is planned on its own, then joined with the ON condition */
    fromst_t lfs = {0}, rfs = {0};
    /* the NULL-extended sides, for WITH RECURSIVE's check (bind_recursive.c) */
    uint32_t l_null = jt != PG_QUERY__JOIN_TYPE__JOIN_LEFT;
    uint32_t r_null = jt != PG_QUERY__JOIN_TYPE__JOIN_RIGHT;
    bc->null_side += l_null;
    rc = from_item(bc, q, je->larg, &lfs);
    bc->null_side -= l_null;
    if (rc != 0) return rc;
    uint32_t r1 = q->n_rtes;
    bc->null_side += r_null;
    rc = from_item(bc, q, je->rarg, &rfs);
    bc->null_side -= r_null;
    if (rc != 0) return rc;
    uint32_t r2 = q->n_rtes;
    plan_t *lp, *rp;
    double lrows, rrows;
    if ((rc = plan_units(bc, q, &lfs, &lp, &lrows)) != 0) return rc;
    if ((rc = plan_units(bc, q, &rfs, &rp, &rrows)) != 0) return rc;
    expr_t *cond = NULL;
    if (je->is_natural || je->n_using_clause > 0) {
        char **names = ar_zalloc(bc->a, sizeof(char *) * 64);
        uint32_t nn = 0;
        for (size_t i = 0; i < je->n_using_clause && nn < 64; i++)
            names[nn++] = (char *)pn_str(je->using_clause[i]);
        if (je->is_natural) {
            for (uint32_t i = r0; i < r1; i++)
                for (uint32_t c = 0; c < q->rtes[i].n_cols; c++)
                    for (uint32_t j = r1; j < r2; j++)
                        for (uint32_t d = 0; d < q->rtes[j].n_cols; d++)
                            if (q->rtes[i].colnames[c] && q->rtes[j].colnames[d] &&
                                strcmp(q->rtes[i].colnames[c], q->rtes[j].colnames[d]) == 0 &&
                                nn < 64)
                                names[nn++] = q->rtes[i].colnames[c];
        }
        if ((rc = using_conds(bc, q, r0, r1, r2, names, nn, &cond)) != 0) return rc;
    } else if (je->quals != NULL) {
        uint32_t saved = bc->agg_ok;
        bc->agg_ok = 0;
        bc->agg_ctx = "JOIN conditions";
        rc = bind_expr(bc, q, je->quals, &cond);
        bc->agg_ok = saved;
        if (rc != 0) return rc;
        if ((rc = coerce_to(bc, &cond, HELIOS_OID_BOOL, -1, 0)) != 0) return rc;
        cond = fold_consts(bc, cond);
    }
    uint32_t lo = q->rtes[r0].base, mid = r1 < r2 ? q->rtes[r1].base : q->width, hi = q->width;
    plan_t *j = mkplan(bc->a, P_JOIN, q->depth);
    j->jtype = jt == PG_QUERY__JOIN_TYPE__JOIN_LEFT ? 2 : jt == PG_QUERY__JOIN_TYPE__JOIN_FULL ? 3 : 2;
    uint32_t llo = lo, lhi = mid, rlo = mid, rhi = hi;
    if (jt == PG_QUERY__JOIN_TYPE__JOIN_RIGHT) {
        plan_t *t = lp;
        lp = rp;
        rp = t;
        double tr = lrows;
        lrows = rrows;
        rrows = tr;
        llo = mid; lhi = hi; rlo = lo; rhi = mid;
    }
    j->l = lp;
    j->r = rp;
    j->n_rslots = rhi - rlo;
    j->rslots = ar_alloc(bc->a, sizeof(uint32_t) * (j->n_rslots + 1));
    for (uint32_t i = 0; i < j->n_rslots; i++) j->rslots[i] = rlo + i;
    j->n_lslots = lhi - llo;
    j->lslots = ar_alloc(bc->a, sizeof(uint32_t) * (j->n_lslots + 1));
    for (uint32_t i = 0; i < j->n_lslots; i++) j->lslots[i] = llo + i;
    /* equi-join keys from the ON condition */
    if (cond != NULL) {
        expr_t **cl = NULL;
        uint32_t nc = 0, cc = 0;
        split_conj(bc->a, cond, &cl, &nc, &cc);
        fromst_t tmp = {0};
        unit_t us[2] = {{.lo = llo, .hi = lhi}, {.lo = rlo, .hi = rhi}};
        tmp.units = us;
        tmp.n_units = 2;
        j->lkeys = ar_alloc(bc->a, sizeof(expr_t *) * nc);
        j->rkeys = ar_alloc(bc->a, sizeof(expr_t *) * nc);
        expr_t *rest = NULL;
        for (uint32_t i = 0; i < nc; i++) {
            expr_t *c = cl[i];
            int sub = 0;
            if (c->kind == E_OP && c->op == OP_EQ) {
                uint64_t a = refs_of(c->args[0], &tmp, q->depth, &sub);
                uint64_t b = refs_of(c->args[1], &tmp, q->depth, &sub);
                if (!sub && a == 1 && b == 2) {
                    j->lkeys[j->n_keys] = c->args[0];
                    j->rkeys[j->n_keys++] = c->args[1];
                    continue;
                }
                if (!sub && a == 2 && b == 1) {
                    j->lkeys[j->n_keys] = c->args[1];
                    j->rkeys[j->n_keys++] = c->args[0];
                    continue;
                }
            }
            int sub2 = 0;
            if (j->jtype == 2 && refs_of(c, &tmp, q->depth, &sub2) == 2 && !sub2) {
                /* an ON condition over the side that produces NULLs only decides which of
                   its rows match: it filters that side below the join */
                rp = wrap_filter(bc, rp, c, q->depth);
                if (rp->kind == P_SCAN && rp->pk_eq == NULL && rp->use_idx == NULL &&
                    rp->n_lo == 0 && rp->n_hi == 0) {
                    uint32_t used = 0;
                    plan_scan_access(bc, rp, &c, 1, &used);
                }
                rrows *= SEL_OTHER;
                continue;
            }
            rest = rest == NULL ? c : mk_bool(bc->a, E_AND, rest, c);
        }
        j->filter = rest;
        j->r = rp;
    }
    if (rrows < 1) rrows = 1;
    left_nl(bc, q->depth, j, lrows, rrows);
    if (rfs.n_units == 1 && rfs.units[0].lateral) { /* LEFT JOIN LATERAL: exec_recursive.c */
        if (jt != PG_QUERY__JOIN_TYPE__JOIN_LEFT) {
            rc = bind_err_pos(bc, -1, HELIOS_ERR_INVALID_COLUMN_REFERENCE,
                              "invalid reference to FROM-clause entry");
            sql_err_detail(bc->err, "The combining JOIN type must be INNER or LEFT for a LATERAL "
                                    "reference.");
            return rc;
        }
        j->kind = P_LATERAL;
        j->nl = 0;
        j->r = rp;
    }
    double jr = j->jtype == 3 ? lrows + rrows : (lrows > rrows ? lrows : rrows);
    j->erows = jr;
    unit_t *u = add_unit(bc, fs);
    u->plan = j;
    u->lo = lo;
    u->hi = hi;
    u->est = (uint64_t)jr;
    return 0;
}

/* pg_partition_ancestors(regclass) [WITH ORDINALITY] in FROM: (relid) [, ordinality]. The
   relation and its ancestors when it is a partition or partitioned, else no row; HeliosDB has
   no partitioning, so it is an empty generate_series (psql's \d sends it for triggers) */
static int32_t partition_ancestors_unit(bind_ctx_t *bc, scope_t *q, PgQuery__RangeFunction *rf,
                                        fromst_t *fs)
{
    plan_t *p = mkplan(bc->a, P_SRF, q->depth);
    p->n_exprs = 2;
    p->exprs = ar_alloc(bc->a, sizeof(expr_t *) * 2);
    for (int i = 0; i < 2; i++) {
        val_t v = {.t = HELIOS_OID_INT4, .i = 1 - i};
        p->exprs[i] = mk_const(bc->a, &v);
    }
    uint32_t n = rf->ordinality ? 2 : 1;
    const char *alias = rf->alias != NULL ? rf->alias->aliasname : "pg_partition_ancestors";
    rte_t *rt = scope_add_rte(bc, q, alias, n);
    static const char *names[2] = {"relid", "ordinality"};
    for (uint32_t c = 0; c < n; c++) {
        rt->colnames[c] = (char *)(rf->alias != NULL && rf->alias->n_colnames > c
                                       ? pn_str(rf->alias->colnames[c])
                                       : names[c]);
        rt->coltypes[c] = c == 0 ? HELIOS_OID_OID : HELIOS_OID_INT8;
        rt->coltypmods[c] = -1;
    }
    p->base = rt->base;
    unit_t *u = add_unit(bc, fs);
    u->plan = p;
    u->lo = rt->base;
    u->hi = rt->base + n;
    u->est = 1;
    return 0;
}

static int reads_slots_below(const expr_t *e, uint32_t depth, uint32_t width)
{
    if (e == NULL) return 0;
    if (e->kind == E_COL && e->depth == depth && e->idx < width) return 1;
    for (uint32_t i = 0; i < e->n_args; i++) {
        if (reads_slots_below(e->args[i], depth, width)) return 1;
    }
    return 0;
}

/* generate_series(start, stop [, step]) in FROM */
static int32_t function_unit(bind_ctx_t *bc, scope_t *q, PgQuery__RangeFunction *rf, fromst_t *fs)
{
    if (!rf->lateral && rf->n_functions == 1 &&
        rf->functions[0]->node_case == PG_QUERY__NODE__NODE_LIST &&
        rf->functions[0]->list->n_items >= 1 &&
        rf->functions[0]->list->items[0]->node_case == PG_QUERY__NODE__NODE_FUNC_CALL) {
        PgQuery__FuncCall *fc = rf->functions[0]->list->items[0]->func_call;
        const char *name = pn_str(fc->funcname[fc->n_funcname - 1]);
        if (name != NULL && strcmp(name, "pg_partition_ancestors") == 0 && fc->n_args == 1) {
            return partition_ancestors_unit(bc, q, rf, fs);
        }
    }
    if (rf->n_functions != 1 || rf->ordinality ||
        rf->functions[0]->node_case != PG_QUERY__NODE__NODE_LIST ||
        rf->functions[0]->list->n_items < 1 ||
        rf->functions[0]->list->items[0]->node_case != PG_QUERY__NODE__NODE_FUNC_CALL) {
        return bind_err_pos(bc, -1, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                            "this function in FROM is not supported");
    }
    PgQuery__FuncCall *fc = rf->functions[0]->list->items[0]->func_call;
    const char *name = pn_str(fc->funcname[fc->n_funcname - 1]);
    /* unnest(array): one row per element (P_UNNEST, exec_recursive.c) */
    int unnest = name != NULL && strcmp(name, "unnest") == 0 && fc->n_args == 1;
    if (!unnest && (name == NULL || strcmp(name, "generate_series") != 0 || fc->n_args < 2 ||
                    fc->n_args > 3)) {
        return bind_err_pos(bc, fc->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                            "set-returning function %s in FROM is not supported",
                            name != NULL ? name : "?");
    }
    /* arguments may read earlier FROM items (a function in FROM is LATERAL): then it is
       joined to them as a nested loop (lateral_join) */
    uint32_t width0 = q->width;
    plan_t *p = mkplan(bc->a, unnest ? P_UNNEST : P_SRF, q->depth);
    p->n_exprs = (uint32_t)fc->n_args;
    p->exprs = ar_alloc(bc->a, sizeof(expr_t *) * fc->n_args);
    uint32_t t = HELIOS_OID_INT4;
    for (size_t i = 0; i < fc->n_args; i++) {
        int32_t rc = bind_expr(bc, q, fc->args[i], &p->exprs[i]);
        if (rc != 0) return rc;
        if (p->exprs[i]->type == HELIOS_OID_INT8) t = HELIOS_OID_INT8;
    }
    if (unnest) {
        t = type_elem_of(p->exprs[0]->type);
        if (t == 0) {
            return bind_err_pos(bc, fc->location, HELIOS_ERR_UNDEFINED_FUNCTION,
                                "function unnest(%s) does not exist",
                                type_name(p->exprs[0]->type));
        }
    }
    for (size_t i = 0; i < fc->n_args && !unnest; i++) {
        int32_t rc = coerce_to(bc, &p->exprs[i], t, -1, 0);
        if (rc != 0) return rc;
    }
    const char *alias = rf->alias != NULL ? rf->alias->aliasname : name;
    rte_t *rt = scope_add_rte(bc, q, alias, 1);
    rt->colnames[0] = (char *)(rf->alias != NULL && rf->alias->n_colnames > 0
                                   ? pn_str(rf->alias->colnames[0])
                                   : alias);
    rt->coltypes[0] = t;
    rt->coltypmods[0] = -1;
    p->base = rt->base;
    unit_t *u = add_unit(bc, fs);
    u->plan = p;
    u->lo = rt->base;
    u->hi = rt->base + 1;
    u->est = 100;
    for (size_t i = 0; i < fc->n_args; i++) {
        if (reads_slots_below(p->exprs[i], q->depth, width0)) return lateral_join(bc, q, fs);
    }
    return 0;
}

static int32_t from_item(bind_ctx_t *bc, scope_t *q, pnode_t *n, fromst_t *fs)
{
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_RANGE_FUNCTION:
        return function_unit(bc, q, n->range_function, fs);
    case PG_QUERY__NODE__NODE_RANGE_VAR:
        return table_unit(bc, q, n->range_var, fs);
    case PG_QUERY__NODE__NODE_RANGE_SUBSELECT:
        return subselect_unit(bc, q, n->range_subselect, fs);
    case PG_QUERY__NODE__NODE_JOIN_EXPR:
        return join_unit(bc, q, n->join_expr, fs);
    default:
        return bind_err_pos(bc, -1, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                            "this FROM item is not supported");
    }
}

static int is_bare_col(const expr_t *e, uint32_t depth, uint32_t base, uint32_t col)
{
    return e->kind == E_COL && e->depth == depth && e->idx == base + col;
}

static int no_local_refs(const expr_t *e, uint32_t depth)
{
    if (e->kind == E_COL && e->depth >= depth) return 0;
    if (e->kind == E_SUBQ || e->kind == E_AGG) return 0;
    for (uint32_t i = 0; i < e->n_args; i++) {
        if (!no_local_refs(e->args[i], depth)) return 0;
    }
    return 1;
}

/* a copy of a key expression for an access path: the path must not share nodes with the
   filter, as passes that rewrite expressions in place (bind_agg.c's remap of grouped outer
   columns) visit both */
static expr_t *key_copy(arena_t *a, expr_t *e)
{
    if (e == NULL) return NULL;
    expr_t *c = ar_alloc(a, sizeof *c);
    memcpy(c, e, sizeof *c);
    if (e->n_args > 0 && e->args != NULL) {
        c->args = ar_alloc(a, sizeof(expr_t *) * e->n_args);
        for (uint32_t i = 0; i < e->n_args; i++) c->args[i] = key_copy(a, e->args[i]);
    }
    return c;
}

/* choose the access path of a table scan from its single-table conjuncts */
int32_t plan_scan_access(bind_ctx_t *bc, plan_t *sc, expr_t **conj, uint32_t n_conj,
                         uint32_t *used)
{
    table_t *t = sc->tab;
    uint32_t d = sc->depth;
    if (t->n_pk > 0) {
        expr_t **eq = ar_zalloc(bc->a, sizeof(expr_t *) * t->n_pk);
        uint32_t got = 0;
        for (uint32_t k = 0; k < t->n_pk; k++) {
            for (uint32_t i = 0; i < n_conj; i++) {
                expr_t *c = conj[i];
                if (c->kind != E_OP || c->op != OP_EQ) continue;
                if (is_bare_col(c->args[0], d, sc->base, t->pk[k]) && no_local_refs(c->args[1], d)) {
                    eq[k] = key_copy(bc->a, c->args[1]);
                } else if (is_bare_col(c->args[1], d, sc->base, t->pk[k]) &&
                           no_local_refs(c->args[0], d)) {
                    eq[k] = key_copy(bc->a, c->args[0]);
                }
                if (eq[k] != NULL) {
                    got++;
                    break;
                }
            }
        }
        if (got == t->n_pk) {
            sc->pk_eq = eq;
            sc->est = 1;
            if (used) *used = 1;
            return 0;
        }
        /* range on the leading key column */
        for (uint32_t i = 0; i < n_conj; i++) {
            expr_t *c = conj[i];
            if (c->kind != E_OP || c->op < OP_LT || c->op > OP_GE) continue;
            int left = is_bare_col(c->args[0], d, sc->base, t->pk[0]) && no_local_refs(c->args[1], d);
            int right = is_bare_col(c->args[1], d, sc->base, t->pk[0]) && no_local_refs(c->args[0], d);
            if (!left && !right) continue;
            uint32_t op = c->op;
            expr_t *v = key_copy(bc->a, left ? c->args[1] : c->args[0]);
            if (right) {
                op = op == OP_LT ? OP_GT : op == OP_LE ? OP_GE : op == OP_GT ? OP_LT : OP_LE;
            }
            if ((op == OP_GT || op == OP_GE) && sc->n_lo == 0) {
                sc->lo[0] = v;
                sc->n_lo = 1;
                sc->lo_incl = op == OP_GE;
            } else if ((op == OP_LT || op == OP_LE) && sc->n_hi == 0) {
                sc->hi[0] = v;
                sc->n_hi = 1;
                sc->hi_incl = op == OP_LE;
            }
        }
        if (sc->n_lo || sc->n_hi) {
            sc->est = t->est_rows / 3 + 1;
            return 0;
        }
    }
    /* secondary index: equality on leading columns */
    for (uint32_t x = 0; x < t->n_idx; x++) {
        index_def_t *ix = &t->idx[x];
        expr_t **eq = ar_zalloc(bc->a, sizeof(expr_t *) * ix->n_cols);
        uint32_t got = 0;
        for (uint32_t k = 0; k < ix->n_cols; k++) {
            expr_t *found = NULL;
            for (uint32_t i = 0; i < n_conj && found == NULL; i++) {
                expr_t *c = conj[i];
                if (c->kind != E_OP || c->op != OP_EQ) continue;
                if (is_bare_col(c->args[0], d, sc->base, ix->cols[k]) && no_local_refs(c->args[1], d))
                    found = c->args[1];
                else if (is_bare_col(c->args[1], d, sc->base, ix->cols[k]) &&
                         no_local_refs(c->args[0], d))
                    found = c->args[0];
            }
            if (found == NULL) break;
            eq[got++] = key_copy(bc->a, found);
        }
        if (got > 0 && (sc->use_idx == NULL || got > sc->n_idx_eq)) {
            sc->use_idx = ix;
            sc->idx_eq = eq;
            sc->n_idx_eq = got;
        }
    }
    if (sc->use_idx != NULL) {
        sc->est = sc->use_idx->unique && sc->n_idx_eq == sc->use_idx->n_cols ? 1 : t->est_rows / 10 + 1;
    }
    return 0;
}

static plan_t *wrap_filter(bind_ctx_t *bc, plan_t *p, expr_t *f, uint32_t depth)
{
    if (f == NULL) return p;
    if (p->kind == P_SCAN || (p->kind == P_JOIN && p->jtype == 1)) {
        p->filter = p->filter == NULL ? f : mk_bool(bc->a, E_AND, p->filter, f);
        return p;
    }
    plan_t *fp = mkplan(bc->a, P_FILTER, depth);
    fp->l = p;
    fp->filter = f;
    return fp;
}

/* equality conjunct i joins `joined` to unit u: the side over joined in *o, u's in *in */
static int join_pair(pctx_t *pc, uint32_t i, uint64_t joined, uint32_t u, expr_t **o, expr_t **in)
{
    if (pc->pre[i] || pc->sub[i] || pc->ra[i] == 0 || pc->rb[i] == 0) return 0;
    uint64_t bit = (uint64_t)1 << u;
    expr_t *c = pc->fs->conj[i];
    if ((pc->ra[i] & ~joined) == 0 && pc->rb[i] == bit) {
        *o = c->args[0];
        *in = c->args[1];
        return 1;
    }
    if ((pc->rb[i] & ~joined) == 0 && pc->ra[i] == bit) {
        *o = c->args[1];
        *in = c->args[0];
        return 1;
    }
    return 0;
}

typedef struct jstep {
    double rows, cost;
    int nl, keys, connected;
    nlkey_t k;
} jstep_t;

/* estimate joining unit u to the units `joined` (cur rows) */
static void eval_step(pctx_t *pc, uint64_t joined, double cur, uint32_t u, jstep_t *js)
{
    unit_t *un = &pc->fs->units[u];
    uint64_t bit = (uint64_t)1 << u, now = joined | bit;
    double sel = 1;
    expr_t *outer[64], *inner[64];
    int32_t ci[64];
    uint32_t np = 0;
    memset(js, 0, sizeof *js);
    for (uint32_t i = 0; i < pc->nc; i++) {
        if (pc->pre[i] || pc->sub[i]) continue;
        uint64_t r = pc->refs[i];
        if (r == 0 || (r & ~now) != 0 || (r & bit) == 0 || (r & joined) == 0) continue;
        js->connected = 1;
        expr_t *o, *in;
        if (join_pair(pc, i, joined, u, &o, &in)) {
            double a = est_key_nd(pc, o, joined, cur), b = est_key_nd(pc, in, bit, un->rows);
            sel /= a > b ? a : b;
            js->keys++;
            if (np < 64) {
                outer[np] = o;
                inner[np] = in;
                ci[np++] = (int32_t)i;
            }
        } else {
            sel *= SEL_OTHER;
        }
    }
    js->rows = cur * un->rows * sel;
    if (js->rows < 1) js->rows = 1;
    double small = cur < un->rows ? cur : un->rows, big = cur < un->rows ? un->rows : cur;
    if (js->keys > 0 && pc->en_hash) {
        js->cost = un->cost + small * COST_BUILD + big * COST_PROBE;
    } else {
        js->cost = un->cost + cur * un->rows * COST_CROSS;
    }
    if (pc->en_nl && js->keys > 0 && est_nl_find(un->plan, pc->d, outer, inner, ci, np, &js->k)) {
        double c = est_nl_cost(&js->k, cur);
        if (c < js->cost || !pc->en_hash) {
            js->cost = c;
            js->nl = 1;
        }
    }
}

/* greedy join order of the units in mask from `start`: each step adds the connected unit
   giving the fewest rows (ties: the cheaper); returns the total cost */
static double greedy(pctx_t *pc, uint64_t mask, uint32_t start, uint32_t *order, double *rows)
{
    unit_t *us = pc->fs->units;
    uint64_t joined = (uint64_t)1 << start;
    double cur = us[start].rows, cost = us[start].cost;
    uint32_t n = 0;
    order[n++] = start;
    while (joined != mask) {
        int32_t best = -1;
        jstep_t bj = {0};
        for (uint32_t u = 0; u < pc->fs->n_units; u++) {
            if (!((mask >> u) & 1) || ((joined >> u) & 1)) continue;
            jstep_t js;
            eval_step(pc, joined, cur, u, &js);
            if (best < 0 || js.connected > bj.connected ||
                (js.connected == bj.connected &&
                 (js.rows < bj.rows || (js.rows == bj.rows && js.cost < bj.cost)))) {
                best = (int32_t)u;
                bj = js;
            }
        }
        cost += bj.cost;
        cur = bj.rows;
        joined |= (uint64_t)1 << best;
        order[n++] = (uint32_t)best;
    }
    *rows = cur;
    return cost;
}

static plan_t *nl_inner(bind_ctx_t *bc, plan_t *sc, const nlkey_t *k)
{
    plan_t *in = ar_alloc(bc->a, sizeof *in);
    memcpy(in, sc, sizeof *in);
    in->pk_eq = NULL;
    in->n_lo = in->n_hi = 0;
    in->use_idx = NULL;
    in->idx_eq = NULL;
    in->n_idx_eq = 0;
    expr_t **ex = ar_alloc(bc->a, sizeof(expr_t *) * (k->n + 1));
    for (uint32_t i = 0; i < k->n; i++) ex[i] = key_copy(bc->a, k->ex[i]);
    if (k->kind == 1) {
        in->pk_eq = ex;
    } else {
        in->use_idx = k->ix;
        in->idx_eq = ex;
        in->n_idx_eq = k->n;
    }
    in->erows = k->matches;
    return in;
}

static void add_filter(bind_ctx_t *bc, plan_t *j, expr_t *c)
{
    j->filter = j->filter == NULL ? c : mk_bool(bc->a, E_AND, j->filter, c);
}

/* join unit u to cur (the units in joined) as eval_step decided */
static plan_t *build_step(pctx_t *pc, plan_t *cur, uint64_t joined, double cur_rows, uint32_t u,
                          uint8_t *done)
{
    bind_ctx_t *bc = pc->bc;
    unit_t *un = &pc->fs->units[u];
    uint64_t bit = (uint64_t)1 << u, now = joined | bit;
    jstep_t js;
    eval_step(pc, joined, cur_rows, u, &js);
    plan_t *j = mkplan(bc->a, P_JOIN, pc->d);
    j->jtype = 1;
    j->erows = js.rows;
    uint32_t nc = pc->nc;
    if (js.nl) {
        j->nl = 1;
        j->l = cur;
        j->r = nl_inner(bc, un->plan, &js.k);
        j->n_rslots = un->hi - un->lo;
        j->rslots = ar_alloc(bc->a, sizeof(uint32_t) * (j->n_rslots + 1));
        for (uint32_t i = 0; i < j->n_rslots; i++) j->rslots[i] = un->lo + i;
        for (uint32_t i = 0; i < nc; i++) {
            if (done[i] || pc->sub[i] || (pc->refs[i] & ~now) != 0) continue;
            done[i] = 1;
            int enforced = 0;
            for (uint32_t c = 0; c < js.k.n; c++) enforced |= js.k.ci[c] == (int32_t)i && js.k.exact[c];
            if (!enforced) add_filter(bc, j, pc->fs->conj[i]);
        }
        return j;
    }
    int hash = js.keys > 0 && pc->en_hash;
    if (hash) {
        j->lkeys = ar_alloc(bc->a, sizeof(expr_t *) * nc);
        j->rkeys = ar_alloc(bc->a, sizeof(expr_t *) * nc);
    }
    for (uint32_t i = 0; i < nc; i++) {
        if (done[i] || pc->sub[i] || (pc->refs[i] & ~now) != 0) continue;
        done[i] = 1;
        expr_t *o, *in;
        if (hash && join_pair(pc, i, joined, u, &o, &in)) {
            j->lkeys[j->n_keys] = o;
            j->rkeys[j->n_keys++] = in;
            continue;
        }
        add_filter(bc, j, pc->fs->conj[i]);
    }
    if (hash && cur_rows < un->rows) {
        /* the hash table goes over the smaller input (the right one) */
        j->l = un->plan;
        j->r = cur;
        expr_t **t = j->lkeys;
        j->lkeys = j->rkeys;
        j->rkeys = t;
        uint32_t ns = 0;
        for (uint32_t w = 0; w < pc->fs->n_units; w++) {
            if ((joined >> w) & 1) ns += pc->fs->units[w].hi - pc->fs->units[w].lo;
        }
        j->rslots = ar_alloc(bc->a, sizeof(uint32_t) * (ns + 1));
        for (uint32_t w = 0; w < pc->fs->n_units; w++) {
            if (!((joined >> w) & 1)) continue;
            for (uint32_t sl = pc->fs->units[w].lo; sl < pc->fs->units[w].hi; sl++)
                j->rslots[j->n_rslots++] = sl;
        }
        return j;
    }
    j->l = cur;
    j->r = un->plan;
    j->n_rslots = un->hi - un->lo;
    j->rslots = ar_alloc(bc->a, sizeof(uint32_t) * (j->n_rslots + 1));
    for (uint32_t i = 0; i < j->n_rslots; i++) j->rslots[i] = un->lo + i;
    return j;
}

/* a WHERE conjunct over the preserved side of a left join goes below it (never below the
   side that produces NULLs) */
static plan_t *push_below(bind_ctx_t *bc, plan_t *p, expr_t *c, uint32_t d, uint64_t slots_lo,
                          uint64_t slots_hi);

static int slots_within(const expr_t *e, uint32_t d, uint32_t lo, uint32_t hi)
{
    if (e->kind == E_SUBQ || e->kind == E_AGG) return 0;
    if (e->kind == E_COL && e->depth == d && (e->idx < lo || e->idx >= hi)) return 0;
    for (uint32_t i = 0; i < e->n_args; i++) {
        if (!slots_within(e->args[i], d, lo, hi)) return 0;
    }
    return 1;
}

/* e reads a column of slots [lo, hi) through operators that give NULL for a NULL input */
static int strict_ref(const expr_t *e, uint32_t d, uint32_t lo, uint32_t hi)
{
    if (e->kind == E_COL) return e->depth == d && e->idx >= lo && e->idx < hi;
    if (e->kind == E_CAST && e->n_args == 1) return strict_ref(e->args[0], d, lo, hi);
    if (e->kind == E_OP && (e->op == OP_ADD || e->op == OP_SUB || e->op == OP_MUL ||
                            e->op == OP_DIV || e->op == OP_MOD || e->op == OP_NEG)) {
        for (uint32_t i = 0; i < e->n_args; i++) {
            if (strict_ref(e->args[i], d, lo, hi)) return 1;
        }
    }
    return 0;
}

/* a WHERE conjunct that is never true when the columns [lo, hi) are NULL (comparisons, LIKE,
   IN, IS NOT NULL over them): it removes every row an outer join extends with NULLs there */
static int null_rejecting(const expr_t *c, uint32_t d, uint32_t lo, uint32_t hi)
{
    if (c->kind == E_COL && c->type == HELIOS_OID_BOOL) return strict_ref(c, d, lo, hi);
    if (c->kind == E_ISNULL && c->op == 1 && c->n_args == 1) return strict_ref(c->args[0], d, lo, hi);
    if (c->kind == E_IN && c->op == 0 && c->n_args > 0) return strict_ref(c->args[0], d, lo, hi);
    if (c->kind == E_OP && c->n_args == 2 &&
        ((c->op >= OP_EQ && c->op <= OP_GE) || (c->op >= OP_LIKE && c->op <= OP_NILIKE))) {
        return strict_ref(c->args[0], d, lo, hi) || strict_ref(c->args[1], d, lo, hi);
    }
    return 0;
}

static plan_t *push_below(bind_ctx_t *bc, plan_t *p, expr_t *c, uint32_t d, uint64_t lo,
                          uint64_t hi)
{
    (void)lo;
    (void)hi;
    if (p->kind == P_JOIN && p->jtype == 2 && p->n_rslots > 0 && !expr_has_subq(c) &&
        null_rejecting(c, d, p->rslots[0], p->rslots[p->n_rslots - 1] + 1)) {
        /* the WHERE removes the NULL-extended rows: the outer join is an inner join, and
           the conjunct filters its right side like any other */
        p->jtype = 1;
        p->n_lslots = 0;
    }
    if (p->kind == P_JOIN && p->jtype == 1 && p->n_rslots > 0 && !expr_has_subq(c) &&
        slots_within(c, d, p->rslots[0], p->rslots[p->n_rslots - 1] + 1) &&
        (p->r->kind == P_SCAN || p->r->kind == P_FILTER || p->r->kind == P_JOIN)) {
        p->r = push_below(bc, p->r, c, d, lo, hi);
        return p;
    }
    if (p->kind == P_JOIN && p->jtype == 2 && p->n_lslots > 0 &&
        slots_within(c, d, p->lslots[0], p->lslots[p->n_lslots - 1] + 1)) {
        plan_t *l = p->l;
        double lrows = l->erows > 0 ? l->erows : 1000;
        if (l->kind == P_SCAN) lrows *= est_conj_sel(l, d, c);
        p->l = push_below(bc, l, c, d, lo, hi);
        if (p->l->kind == P_SCAN) {
            p->l->erows = lrows < 1 ? 1 : lrows;
            if (p->l->pk_eq == NULL && p->l->use_idx == NULL && p->l->n_lo == 0 &&
                p->l->n_hi == 0 && p->l->tab != NULL && p->l->tab->kind == REL_TABLE) {
                uint32_t used = 0;
                plan_scan_access(bc, p->l, &c, 1, &used);
            }
        }
        left_nl(bc, d, p, lrows < 1 ? 1 : lrows, p->r->erows > 0 ? p->r->erows : 1000);
        return p;
    }
    return wrap_filter(bc, p, c, d);
}

static int32_t plan_units(bind_ctx_t *bc, scope_t *q, fromst_t *fs, plan_t **out, double *rows)
{
    uint32_t nu = fs->n_units, d = q->depth;
    if (rows != NULL) *rows = 1;
    if (nu == 0) {
        *out = mkplan(bc->a, P_RESULT, d);
        plan_t *p = *out;
        for (uint32_t i = 0; i < fs->n_conj; i++) p = wrap_filter(bc, p, fs->conj[i], d);
        *out = p;
        return 0;
    }
    if (nu > 64) {
        return bind_err_pos(bc, -1, HELIOS_ERR_PROGRAM_LIMIT_EXCEEDED,
                            "too many tables in FROM (at most 64)");
    }
    uint32_t nc = fs->n_conj;
    pctx_t pc = {.bc = bc, .fs = fs, .d = d, .nc = nc};
    pc.refs = ar_zalloc(bc->a, sizeof(uint64_t) * (nc + 1));
    pc.ra = ar_zalloc(bc->a, sizeof(uint64_t) * (nc + 1));
    pc.rb = ar_zalloc(bc->a, sizeof(uint64_t) * (nc + 1));
    pc.sub = ar_zalloc(bc->a, nc + 1);
    pc.pre = ar_zalloc(bc->a, nc + 1);
    pc.en_hash = stats_enabled(bc->s, "enable_hashjoin");
    pc.en_nl = stats_enabled(bc->s, "enable_nestloop");
    uint8_t *done = ar_zalloc(bc->a, nc + 1);
    for (uint32_t i = 0; i < nc; i++) {
        int s = 0;
        expr_t *c = fs->conj[i];
        pc.refs[i] = refs_of(c, fs, d, &s);
        pc.sub[i] = (uint8_t)s;
        if (!s && c->kind == E_OP && c->op == OP_EQ && c->n_args == 2) {
            int s0 = 0;
            pc.ra[i] = refs_of(c->args[0], fs, d, &s0);
            pc.rb[i] = refs_of(c->args[1], fs, d, &s0);
            if (s0 || (pc.ra[i] & pc.rb[i]) != 0) pc.ra[i] = pc.rb[i] = 0;
        }
    }
    /* push single-unit conjuncts down */
    for (uint32_t u = 0; u < nu; u++) {
        unit_t *un = &fs->units[u];
        expr_t **mine = ar_alloc(bc->a, sizeof(expr_t *) * (nc + 1));
        uint32_t nm = 0;
        for (uint32_t i = 0; i < nc; i++) {
            if (!pc.sub[i] && pc.refs[i] == ((uint64_t)1 << u)) {
                mine[nm++] = fs->conj[i];
                done[i] = pc.pre[i] = 1;
                un->plan = push_below(bc, un->plan, fs->conj[i], d, un->lo, un->hi);
            }
        }
        if (un->plan->kind == P_SCAN && nm > 0) {
            uint32_t used = 0;
            plan_scan_access(bc, un->plan, mine, nm, &used);
        }
        est_unit(&pc, un, mine, nm);
        un->plan->erows = un->rows;
    }
    /* connected components of the join graph: each is joined in the greedy order of the
       cheapest start (every start tried up to 10 units); components are then combined
       smallest first (cross products only between them) */
    uint32_t *comp = ar_alloc(bc->a, sizeof(uint32_t) * nu);
    for (uint32_t u = 0; u < nu; u++) comp[u] = u;
    for (uint32_t i = 0; i < nc; i++) {
        if (done[i] || pc.sub[i]) continue;
        uint64_t m = pc.refs[i];
        if (m == 0 || (m & (m - 1)) == 0) continue;
        uint32_t first = (uint32_t)__builtin_ctzll(m);
        for (uint32_t u = 0; u < nu; u++) {
            if ((m >> u) & 1) {
                uint32_t a = comp[u], b = comp[first];
                if (a != b) {
                    for (uint32_t k = 0; k < nu; k++) {
                        if (comp[k] == a) comp[k] = b;
                    }
                }
            }
        }
    }
    plan_t **cplan = ar_zalloc(bc->a, sizeof(plan_t *) * nu);
    double *cest = ar_zalloc(bc->a, sizeof(double) * nu);
    uint64_t *cmask = ar_zalloc(bc->a, sizeof(uint64_t) * nu);
    uint32_t *order = ar_alloc(bc->a, sizeof(uint32_t) * nu);
    uint32_t *best_order = ar_alloc(bc->a, sizeof(uint32_t) * nu);
    uint32_t ncomp = 0;
    for (uint32_t c0 = 0; c0 < nu; c0++) {
        uint64_t mask = 0;
        uint32_t size = 0;
        for (uint32_t u = 0; u < nu; u++) {
            if (comp[u] == c0) {
                mask |= (uint64_t)1 << u;
                size++;
            }
        }
        if (mask == 0) continue;
        double best_cost = -1, est = 1;
        int32_t smallest = -1;
        for (uint32_t u = 0; u < nu; u++) {
            if (((mask >> u) & 1) && (smallest < 0 || fs->units[u].rows < fs->units[smallest].rows))
                smallest = (int32_t)u;
        }
        for (uint32_t u = 0; u < nu; u++) {
            if (!((mask >> u) & 1)) continue;
            if (size > 10 && (int32_t)u != smallest) continue;
            double r;
            double c = greedy(&pc, mask, u, order, &r);
            if (best_cost < 0 || c < best_cost) {
                best_cost = c;
                est = r;
                memcpy(best_order, order, sizeof(uint32_t) * size);
            }
        }
        plan_t *cur = fs->units[best_order[0]].plan;
        uint64_t joined = (uint64_t)1 << best_order[0];
        double cur_rows = fs->units[best_order[0]].rows;
        for (uint32_t s = 1; s < size; s++) {
            uint32_t u = best_order[s];
            cur = build_step(&pc, cur, joined, cur_rows, u, done);
            cur_rows = cur->erows;
            joined |= (uint64_t)1 << u;
        }
        cplan[ncomp] = cur;
        cest[ncomp] = size > 1 ? est : fs->units[best_order[0]].rows;
        cmask[ncomp] = mask;
        ncomp++;
    }
    /* combine components, smallest first */
    uint8_t *cused = ar_zalloc(bc->a, ncomp + 1);
    plan_t *cur = NULL;
    uint64_t joined = 0;
    double total = 1;
    for (uint32_t step = 0; step < ncomp; step++) {
        int32_t pick = -1;
        for (uint32_t k = 0; k < ncomp; k++) {
            if (!cused[k] && (pick < 0 || cest[k] < cest[pick])) pick = (int32_t)k;
        }
        cused[pick] = 1;
        total *= cest[pick];
        if (cur == NULL) {
            cur = cplan[pick];
            joined = cmask[pick];
            continue;
        }
        plan_t *j = mkplan(bc->a, P_JOIN, d);
        j->jtype = 1;
        j->l = cur;
        j->r = cplan[pick];
        j->erows = total;
        uint32_t ns = 0;
        for (uint32_t u = 0; u < nu; u++) {
            if ((cmask[pick] >> u) & 1) ns += fs->units[u].hi - fs->units[u].lo;
        }
        j->rslots = ar_alloc(bc->a, sizeof(uint32_t) * (ns + 1));
        for (uint32_t u = 0; u < nu; u++) {
            if (!((cmask[pick] >> u) & 1)) continue;
            for (uint32_t sl = fs->units[u].lo; sl < fs->units[u].hi; sl++) j->rslots[j->n_rslots++] = sl;
        }
        uint64_t now = joined | cmask[pick];
        for (uint32_t i = 0; i < nc; i++) {
            if (done[i] || pc.sub[i] || (pc.refs[i] & ~now) != 0) continue;
            done[i] = 1;
            j->filter = j->filter == NULL ? fs->conj[i] : mk_bool(bc->a, E_AND, j->filter, fs->conj[i]);
        }
        cur = j;
        joined = now;
    }
    /* whatever is left: subqueries and conditions without local columns */
    for (uint32_t i = 0; i < nc; i++) {
        if (!done[i]) {
            cur = wrap_filter(bc, cur, fs->conj[i], d);
        }
    }
    if (rows != NULL) *rows = total;
    *out = cur;
    return 0;
}

static void fix_width(plan_t *p, uint32_t w)
{
    if (p == NULL) return;
    p->width = w;
    switch (p->kind) {
    case P_JOIN:
    case P_LATERAL:
        fix_width(p->l, w);
        fix_width(p->r, w);
        break;
    case P_FILTER:
        fix_width(p->l, w);
        break;
    default:
        break;
    }
}

int32_t bind_from(bind_ctx_t *bc, scope_t *q, PgQuery__Node **items, uint32_t n_items,
                  pnode_t *where, plan_t **out)
{
    fromst_t fs = {0};
    int32_t rc;
    for (uint32_t i = 0; i < n_items; i++) {
        if ((rc = from_item(bc, q, items[i], &fs)) != 0) return rc;
    }
    if (where != NULL) {
        expr_t *w;
        uint32_t saved = bc->agg_ok;
        bc->agg_ok = 0;
        bc->agg_ctx = "WHERE";
        rc = bind_expr(bc, q, where, &w);
        bc->agg_ok = saved;
        if (rc != 0) return rc;
        if ((rc = coerce_to(bc, &w, HELIOS_OID_BOOL, -1, 0)) != 0) return rc;
        if (w->type != HELIOS_OID_BOOL) {
            return bind_err_pos(bc, w->location, HELIOS_ERR_DATATYPE_MISMATCH,
                                "argument of WHERE must be type boolean, not type %s",
                                type_name(w->type));
        }
        add_conj(bc, &fs, w);
    }
    if ((rc = plan_units(bc, q, &fs, out, NULL)) != 0) return rc;
    fix_width(*out, q->width);
    return 0;
}
