/* kernel/sql/bind_from.c -- FROM clause: tables, subqueries, joins, and the join order
 * (greedy: start from the most selective unit, then add units reachable by equi-join
 * conditions as hash joins; cross products only when nothing connects). */
#include <stdio.h>
#include <stdlib.h>

#include "sql/bind.h"

typedef struct fromst {
    unit_t *units;
    uint32_t n_units, cap_units;
    expr_t **conj;
    uint32_t n_conj, cap_conj;
} fromst_t;

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
                int32_t rc = bind_select(bc, q->parent, q->depth + 1, c->sel, &child, &cols, &nc);
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
    unit_t *u = add_unit(bc, fs);
    u->plan = mkplan(bc->a, P_SCAN, q->depth);
    u->plan->tab = t;
    u->plan->base = rt->base;
    u->lo = rt->base;
    u->hi = rt->base + nvis;
    u->tab = t;
    u->est = t->est_rows > 0 ? t->est_rows : 1;
    return 0;
}

static int32_t subselect_unit(bind_ctx_t *bc, scope_t *q, PgQuery__RangeSubselect *rs,
                              fromst_t *fs)
{
    if (rs->lateral) {
        return bind_err_pos(bc, -1, HELIOS_ERR_FEATURE_NOT_SUPPORTED, "LATERAL is not supported");
    }
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
    int32_t rc = bind_select(bc, q->parent, q->depth + 1, rs->subquery->select_stmt, &child,
                             &cols, &nc);
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
    u->lo = rt->base;
    u->hi = rt->base + nc;
    u->est = 100;
    return 0;
}

static int32_t add_conj(bind_ctx_t *bc, fromst_t *fs, expr_t *e)
{
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

static int32_t plan_units(bind_ctx_t *bc, scope_t *q, fromst_t *fs, plan_t **out);

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
    if ((rc = from_item(bc, q, je->larg, &lfs)) != 0) return rc;
    uint32_t r1 = q->n_rtes;
    if ((rc = from_item(bc, q, je->rarg, &rfs)) != 0) return rc;
    uint32_t r2 = q->n_rtes;
    plan_t *lp, *rp;
    if ((rc = plan_units(bc, q, &lfs, &lp)) != 0) return rc;
    if ((rc = plan_units(bc, q, &rfs, &rp)) != 0) return rc;
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
    }
    uint32_t lo = q->rtes[r0].base, mid = r1 < r2 ? q->rtes[r1].base : q->width, hi = q->width;
    plan_t *j = mkplan(bc->a, P_JOIN, q->depth);
    j->jtype = jt == PG_QUERY__JOIN_TYPE__JOIN_LEFT ? 2 : jt == PG_QUERY__JOIN_TYPE__JOIN_FULL ? 3 : 2;
    uint32_t llo = lo, lhi = mid, rlo = mid, rhi = hi;
    if (jt == PG_QUERY__JOIN_TYPE__JOIN_RIGHT) {
        plan_t *t = lp;
        lp = rp;
        rp = t;
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
            rest = rest == NULL ? c : mk_bool(bc->a, E_AND, rest, c);
        }
        j->filter = rest;
    }
    unit_t *u = add_unit(bc, fs);
    u->plan = j;
    u->lo = lo;
    u->hi = hi;
    u->est = 1000;
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

/* generate_series(start, stop [, step]) in FROM (non-LATERAL: arguments see outer queries) */
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
    if (rf->lateral || rf->n_functions != 1 || rf->ordinality ||
        rf->functions[0]->node_case != PG_QUERY__NODE__NODE_LIST ||
        rf->functions[0]->list->n_items < 1 ||
        rf->functions[0]->list->items[0]->node_case != PG_QUERY__NODE__NODE_FUNC_CALL) {
        return bind_err_pos(bc, -1, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                            "this function in FROM is not supported");
    }
    PgQuery__FuncCall *fc = rf->functions[0]->list->items[0]->func_call;
    const char *name = pn_str(fc->funcname[fc->n_funcname - 1]);
    if (name == NULL || strcmp(name, "generate_series") != 0 || fc->n_args < 2 || fc->n_args > 3) {
        return bind_err_pos(bc, fc->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                            "set-returning function %s in FROM is not supported",
                            name != NULL ? name : "?");
    }
    scope_t outer = {.parent = q->parent, .depth = q->depth};
    plan_t *p = mkplan(bc->a, P_SRF, q->depth);
    p->n_exprs = (uint32_t)fc->n_args;
    p->exprs = ar_alloc(bc->a, sizeof(expr_t *) * fc->n_args);
    uint32_t t = HELIOS_OID_INT4;
    for (size_t i = 0; i < fc->n_args; i++) {
        int32_t rc = bind_expr(bc, &outer, fc->args[i], &p->exprs[i]);
        if (rc != 0) return rc;
        if (p->exprs[i]->type == HELIOS_OID_INT8) t = HELIOS_OID_INT8;
    }
    for (size_t i = 0; i < fc->n_args; i++) {
        int32_t rc = coerce_to(bc, &p->exprs[i], t, -1, 0);
        if (rc != 0) return rc;
    }
    const char *alias = rf->alias != NULL ? rf->alias->aliasname : "generate_series";
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
                    eq[k] = c->args[1];
                } else if (is_bare_col(c->args[1], d, sc->base, t->pk[k]) &&
                           no_local_refs(c->args[0], d)) {
                    eq[k] = c->args[0];
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
            expr_t *v = left ? c->args[1] : c->args[0];
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
            eq[got++] = found;
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

static int32_t plan_units(bind_ctx_t *bc, scope_t *q, fromst_t *fs, plan_t **out)
{
    uint32_t nu = fs->n_units, d = q->depth;
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
    uint64_t *refs = ar_zalloc(bc->a, sizeof(uint64_t) * (nc + 1));
    uint8_t *sub = ar_zalloc(bc->a, nc + 1);
    uint8_t *done = ar_zalloc(bc->a, nc + 1);
    for (uint32_t i = 0; i < nc; i++) {
        int s = 0;
        refs[i] = refs_of(fs->conj[i], fs, d, &s);
        sub[i] = (uint8_t)s;
    }
    /* push single-unit conjuncts down */
    for (uint32_t u = 0; u < nu; u++) {
        unit_t *un = &fs->units[u];
        expr_t **mine = ar_alloc(bc->a, sizeof(expr_t *) * (nc + 1));
        uint32_t nm = 0;
        for (uint32_t i = 0; i < nc; i++) {
            if (!sub[i] && refs[i] == ((uint64_t)1 << u)) {
                mine[nm++] = fs->conj[i];
                done[i] = 1;
                un->plan = wrap_filter(bc, un->plan, fs->conj[i], d);
            }
        }
        if (un->plan->kind == P_SCAN && nm > 0) {
            uint32_t used = 0;
            plan_scan_access(bc, un->plan, mine, nm, &used);
            un->est = un->plan->est ? un->plan->est : (un->est / (nm * 4) + 1);
        } else if (nm > 0) {
            un->est = un->est / (nm * 4) + 1;
        }
    }
    /* connected components of the equi-join graph: each is joined greedily with hash joins;
       components are then combined smallest first (cross products only between them) */
    uint32_t *comp = ar_alloc(bc->a, sizeof(uint32_t) * nu);
    for (uint32_t u = 0; u < nu; u++) comp[u] = u;
    for (uint32_t i = 0; i < nc; i++) {
        if (done[i] || sub[i]) continue;
        uint64_t m = refs[i];
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
    uint8_t *in = ar_zalloc(bc->a, nu);
    plan_t **cplan = ar_zalloc(bc->a, sizeof(plan_t *) * nu);
    uint64_t *cest = ar_zalloc(bc->a, sizeof(uint64_t) * nu);
    uint64_t *cmask = ar_zalloc(bc->a, sizeof(uint64_t) * nu);
    uint32_t ncomp = 0;
    for (uint32_t c0 = 0; c0 < nu; c0++) {
        uint64_t mask = 0;
        for (uint32_t u = 0; u < nu; u++) {
            if (comp[u] == c0) mask |= (uint64_t)1 << u;
        }
        if (mask == 0) continue;
        /* start with the smallest estimate in the component */
        int32_t best = -1;
        for (uint32_t u = 0; u < nu; u++) {
            if (((mask >> u) & 1) && (best < 0 || fs->units[u].est < fs->units[best].est)) {
                best = (int32_t)u;
            }
        }
        plan_t *cur = fs->units[best].plan;
        uint64_t joined = (uint64_t)1 << best;
        uint64_t est = fs->units[best].est;
        in[best] = 1;
        while (joined != mask) {
            int32_t pick = -1;
            uint64_t pick_est = UINT64_MAX;
            for (uint32_t u = 0; u < nu; u++) {
                if (in[u] || !((mask >> u) & 1)) continue;
                uint64_t bit = (uint64_t)1 << u;
                for (uint32_t i = 0; i < nc; i++) {
                    if (done[i] || sub[i]) continue;
                    expr_t *c = fs->conj[i];
                    if (c->kind != E_OP || c->op != OP_EQ) continue;
                    int s0 = 0;
                    uint64_t a = refs_of(c->args[0], fs, d, &s0), b = refs_of(c->args[1], fs, d, &s0);
                    if ((a != 0 && (a & ~joined) == 0 && b == bit) ||
                        (b != 0 && (b & ~joined) == 0 && a == bit)) {
                        if (fs->units[u].est < pick_est) {
                            pick = (int32_t)u;
                            pick_est = fs->units[u].est;
                        }
                        break;
                    }
                }
            }
            int hash = pick >= 0;
            if (pick < 0) {
                for (uint32_t u = 0; u < nu; u++) {
                    if (!in[u] && ((mask >> u) & 1) &&
                        (pick < 0 || fs->units[u].est < fs->units[pick].est)) {
                        pick = (int32_t)u;
                    }
                }
            }
            uint64_t bit = (uint64_t)1 << pick;
            unit_t *un = &fs->units[pick];
            plan_t *j = mkplan(bc->a, P_JOIN, d);
            j->jtype = 1;
            j->l = cur;
            j->r = un->plan;
            j->n_rslots = un->hi - un->lo;
            j->rslots = ar_alloc(bc->a, sizeof(uint32_t) * (j->n_rslots + 1));
            for (uint32_t i = 0; i < j->n_rslots; i++) j->rslots[i] = un->lo + i;
            if (hash) {
                j->lkeys = ar_alloc(bc->a, sizeof(expr_t *) * nc);
                j->rkeys = ar_alloc(bc->a, sizeof(expr_t *) * nc);
            }
            uint64_t now = joined | bit;
            for (uint32_t i = 0; i < nc; i++) {
                if (done[i] || sub[i] || (refs[i] & ~now) != 0) continue;
                expr_t *c = fs->conj[i];
                done[i] = 1;
                if (hash && c->kind == E_OP && c->op == OP_EQ) {
                    int s0 = 0;
                    uint64_t a = refs_of(c->args[0], fs, d, &s0), b = refs_of(c->args[1], fs, d, &s0);
                    if (a != 0 && (a & ~joined) == 0 && b == bit) {
                        j->lkeys[j->n_keys] = c->args[0];
                        j->rkeys[j->n_keys++] = c->args[1];
                        continue;
                    }
                    if (b != 0 && (b & ~joined) == 0 && a == bit) {
                        j->lkeys[j->n_keys] = c->args[1];
                        j->rkeys[j->n_keys++] = c->args[0];
                        continue;
                    }
                }
                j->filter = j->filter == NULL ? c : mk_bool(bc->a, E_AND, j->filter, c);
            }
            est = hash ? (est > un->est ? est : un->est) : est * un->est;
            cur = j;
            joined = now;
            in[pick] = 1;
        }
        cplan[ncomp] = cur;
        cest[ncomp] = est;
        cmask[ncomp] = mask;
        ncomp++;
    }
    /* combine components, smallest first */
    uint8_t *cused = ar_zalloc(bc->a, ncomp + 1);
    plan_t *cur = NULL;
    uint64_t joined = 0;
    for (uint32_t step = 0; step < ncomp; step++) {
        int32_t pick = -1;
        for (uint32_t k = 0; k < ncomp; k++) {
            if (!cused[k] && (pick < 0 || cest[k] < cest[pick])) pick = (int32_t)k;
        }
        cused[pick] = 1;
        if (cur == NULL) {
            cur = cplan[pick];
            joined = cmask[pick];
            continue;
        }
        plan_t *j = mkplan(bc->a, P_JOIN, d);
        j->jtype = 1;
        j->l = cur;
        j->r = cplan[pick];
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
            if (done[i] || sub[i] || (refs[i] & ~now) != 0) continue;
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
    *out = cur;
    return 0;
}

static void fix_width(plan_t *p, uint32_t w)
{
    if (p == NULL) return;
    p->width = w;
    switch (p->kind) {
    case P_JOIN:
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
    if ((rc = plan_units(bc, q, &fs, out)) != 0) return rc;
    fix_width(*out, q->width);
    return 0;
}
