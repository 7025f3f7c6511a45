/* kernel/sql/bind.c -- binding SELECT (targets, grouping, ordering, set operations, VALUES)
 * and DML statements into plans. */
#include <stdio.h>
#include <stdlib.h>

#include "sql/bind.h"

rte_t *scope_add_rte(bind_ctx_t *bc, scope_t *q, const char *alias, uint32_t n_cols)
{
    if (q->n_rtes == q->cap_rtes) {
        uint32_t nc = q->cap_rtes ? q->cap_rtes * 2 : 8;
        rte_t *nr = ar_zalloc(bc->a, sizeof(rte_t) * nc);
        if (q->n_rtes) memcpy(nr, q->rtes, sizeof(rte_t) * q->n_rtes);
        q->rtes = nr;
        q->cap_rtes = nc;
    }
    rte_t *r = &q->rtes[q->n_rtes++];
    memset(r, 0, sizeof *r);
    r->alias = alias != NULL ? ar_strdup(bc->a, alias) : NULL;
    r->base = q->width;
    r->n_cols = n_cols;
    if (n_cols > 0) {
        r->colnames = ar_zalloc(bc->a, sizeof(char *) * n_cols);
        r->coltypes = ar_zalloc(bc->a, sizeof(uint32_t) * n_cols);
        r->coltypmods = ar_zalloc(bc->a, sizeof(int32_t) * n_cols);
    }
    q->width += n_cols;
    return r;
}

static plan_t *mkplan(arena_t *a, uint32_t kind, uint32_t depth)
{
    plan_t *p = ar_zalloc(a, sizeof *p);
    p->kind = (uint8_t)kind;
    p->depth = depth;
    return p;
}

typedef struct tlist {
    expr_t **e;
    out_col_t *c;
    uint32_t n, cap;
    uint32_t no_rows; /* a set-returning target that returns no row (pg_partition_ancestors) */
} tlist_t;

static void tl_add(bind_ctx_t *bc, tlist_t *t, expr_t *e, const char *name)
{
    if (t->n == t->cap) {
        uint32_t nc = t->cap ? t->cap * 2 : 16;
        expr_t **ne = ar_alloc(bc->a, sizeof(expr_t *) * nc);
        out_col_t *ncl = ar_zalloc(bc->a, sizeof(out_col_t) * nc);
        if (t->n) {
            memcpy(ne, t->e, sizeof(expr_t *) * t->n);
            memcpy(ncl, t->c, sizeof(out_col_t) * t->n);
        }
        t->e = ne;
        t->c = ncl;
        t->cap = nc;
    }
    t->e[t->n] = e;
    out_col_t *c = &t->c[t->n];
    memset(c, 0, sizeof *c);
    c->name = ar_strdup(bc->a, name);
    c->type = e->type;
    c->typmod = e->typmod;
    t->n++;
}

static void set_origin(scope_t *q, expr_t *e, out_col_t *c)
{
    if (e->kind != E_COL || e->depth != q->depth) return;
    for (uint32_t r = 0; r < q->n_rtes; r++) {
        rte_t *rt = &q->rtes[r];
        if (rt->tab != NULL && e->idx >= rt->base && e->idx < rt->base + rt->n_cols) {
            c->table_oid = rt->tab->oid;
            c->attnum = (int16_t)(e->idx - rt->base + 1);
        }
    }
}

static int32_t expand_targets(bind_ctx_t *bc, scope_t *q, PgQuery__Node **tl, size_t n,
                              tlist_t *out)
{
    int32_t rc;
    for (size_t i = 0; i < n; i++) {
        PgQuery__ResTarget *rt = tl[i]->res_target;
        pnode_t *v = rt->val;
        if (v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
            v->column_ref->fields[v->column_ref->n_fields - 1]->node_case ==
                PG_QUERY__NODE__NODE_A_STAR) {
            const char *tab = v->column_ref->n_fields >= 2
                                  ? pn_str(v->column_ref->fields[v->column_ref->n_fields - 2])
                                  : NULL;
            int any = 0;
            for (uint32_t r = 0; r < q->n_rtes; r++) {
                rte_t *re = &q->rtes[r];
                if (tab != NULL && (re->alias == NULL || strcmp(re->alias, tab) != 0)) continue;
                any = 1;
                for (uint32_t c = 0; c < re->n_cols; c++) {
                    if (re->colnames[c] == NULL) continue;
                    expr_t *e = mk_col(bc->a, q->depth, re->base + c, re->coltypes[c],
                                       re->coltypmods[c]);
                    tl_add(bc, out, e, re->colnames[c]);
                    set_origin(q, e, &out->c[out->n - 1]);
                }
            }
            if (!any) {
                if (tab != NULL) {
                    return bind_err_pos(bc, v->column_ref->location, HELIOS_ERR_UNDEFINED_TABLE,
                                        "missing FROM-clause entry for table \"%s\"", tab);
                }
                return bind_err_pos(bc, v->column_ref->location, HELIOS_ERR_SYNTAX_ERROR,
                                    "SELECT * with no tables specified is not valid");
            }
            continue;
        }
        expr_t *e;
        if (v->node_case == PG_QUERY__NODE__NODE_FUNC_CALL && v->func_call->n_args == 1 &&
            v->func_call->n_funcname >= 1 &&
            pn_str(v->func_call->funcname[v->func_call->n_funcname - 1]) != NULL &&
            strcmp(pn_str(v->func_call->funcname[v->func_call->n_funcname - 1]),
                   "pg_partition_ancestors") == 0) {
            /* pg_partition_ancestors(regclass), a set-returning function: the relation and its
               ancestors when it is a partition or partitioned, else no row; HeliosDB has no
               partitioning, so no row (psql's \d appends the table itself with UNION ALL) */
            if ((rc = bind_expr(bc, q, v->func_call->args[0], &e)) != 0) return rc;
            if (!val_is_int(e->type)) {
                /* a relation name, as a regclass argument */
                if ((rc = coerce_to(bc, &e, HELIOS_OID_TEXT, -1, 1)) != 0) return rc;
                expr_t *f = mk_cast(bc->a, e, HELIOS_OID_OID, -1);
                f->kind = E_FUNC;
                f->fn = func_lookup("__regclass_in", 1);
                e = f;
            }
            if ((rc = coerce_to(bc, &e, HELIOS_OID_OID, -1, 0)) != 0) return rc;
            out->no_rows = 1;
            tl_add(bc, out, e, rt->name != NULL && rt->name[0] ? rt->name : "pg_partition_ancestors");
            continue;
        }
        if ((rc = bind_expr(bc, q, v, &e)) != 0) return rc;
        if (e->type == HELIOS_OID_UNKNOWN || e->type == T_NULL) {
            if ((rc = coerce_to(bc, &e, HELIOS_OID_TEXT, -1, 0)) != 0) return rc;
            if (e->kind == E_CONST && e->c.null) e->type = HELIOS_OID_TEXT;
        }
        tl_add(bc, out, e, rt->name != NULL && rt->name[0] ? rt->name : expr_colname(v));
        set_origin(q, e, &out->c[out->n - 1]);
    }
    return 0;
}

static int32_t bind_limit(bind_ctx_t *bc, scope_t *q, PgQuery__SelectStmt *sel, plan_t **p)
{
    if (sel->limit_count == NULL && sel->limit_offset == NULL) return 0;
    plan_t *l = mkplan(bc->a, P_LIMIT, q->depth);
    l->l = *p;
    l->width = (*p)->width;
    int32_t rc;
    uint32_t saved = bc->agg_ok;
    bc->agg_ok = 0;
    bc->agg_ctx = "LIMIT";
    scope_t empty = {.parent = q->parent, .depth = q->depth};
    if (sel->limit_count != NULL) {
        pnode_t *n = sel->limit_count;
        if (!(n->node_case == PG_QUERY__NODE__NODE_A_CONST && n->a_const->isnull)) {
            if ((rc = bind_expr(bc, &empty, n, &l->limit)) != 0) goto out;
            if ((rc = coerce_to(bc, &l->limit, HELIOS_OID_INT8, -1, 0)) != 0) goto out;
        }
    }
    if (sel->limit_offset != NULL) {
        if ((rc = bind_expr(bc, &empty, sel->limit_offset, &l->offset)) != 0) goto out;
        if ((rc = coerce_to(bc, &l->offset, HELIOS_OID_INT8, -1, 0)) != 0) goto out;
    }
    rc = 0;
    *p = l;
out:
    bc->agg_ok = saved;
    return rc;
}

/* ORDER BY over output columns only (set operations, VALUES) */
static int32_t sort_on_outputs(bind_ctx_t *bc, scope_t *q, PgQuery__SelectStmt *sel,
                               out_col_t *cols, uint32_t n_cols, plan_t **p)
{
    if (sel->n_sort_clause == 0) return 0;
    plan_t *s = mkplan(bc->a, P_SORT, q->depth);
    s->l = *p;
    s->width = (*p)->width;
    s->keys = ar_zalloc(bc->a, sizeof(sort_key_t) * sel->n_sort_clause);
    for (size_t i = 0; i < sel->n_sort_clause; i++) {
        PgQuery__SortBy *sb = sel->sort_clause[i]->sort_by;
        pnode_t *n = sb->node;
        int32_t idx = -1;
        if (n->node_case == PG_QUERY__NODE__NODE_A_CONST &&
            n->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
            idx = n->a_const->ival->ival - 1;
            if (idx < 0 || (uint32_t)idx >= n_cols) {
                return bind_err_pos(bc, n->a_const->location, HELIOS_ERR_INVALID_COLUMN_REFERENCE,
                                    "ORDER BY position %d is not in select list", idx + 1);
            }
        } else if (n->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
                   n->column_ref->n_fields == 1) {
            const char *nm = pn_str(n->column_ref->fields[0]);
            for (uint32_t c = 0; c < n_cols && nm != NULL; c++) {
                if (strcmp(cols[c].name, nm) == 0) {
                    idx = (int32_t)c;
                    break;
                }
            }
        }
        if (idx < 0) {
            return bind_err_pos(bc, -1, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                                "invalid UNION/INTERSECT/EXCEPT ORDER BY clause");
        }
        sort_key_t *k = &s->keys[s->n_sort++];
        k->idx = (uint32_t)idx;
        k->desc = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
        k->nulls_first = sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
                         (k->desc && sb->sortby_nulls != PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST);
    }
    *p = s;
    return 0;
}

static int32_t cast_outputs(bind_ctx_t *bc, plan_t **p, uint32_t depth, out_col_t *have,
                            const uint32_t *want, uint32_t n)
{
    int need = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (have[i].type != want[i]) need = 1;
    }
    if (!need) return 0;
    plan_t *pr = mkplan(bc->a, P_PROJECT, depth);
    pr->l = *p;
    pr->width = n;
    pr->n_exprs = n;
    pr->exprs = ar_alloc(bc->a, sizeof(expr_t *) * n);
    for (uint32_t i = 0; i < n; i++) {
        expr_t *e = mk_col(bc->a, depth, i, have[i].type, have[i].typmod);
        if (have[i].type != want[i]) {
            int32_t rc = coerce_to(bc, &e, want[i], -1, 0);
            if (rc != 0) return rc;
        }
        pr->exprs[i] = e;
    }
    *p = pr;
    return 0;
}

static int32_t bind_setop(bind_ctx_t *bc, scope_t *parent, uint32_t depth,
                          PgQuery__SelectStmt *sel, plan_t **out, out_col_t **cols,
                          uint32_t *n_cols)
{
    plan_t *lp, *rp;
    out_col_t *lc, *rc_;
    uint32_t ln, rn;
    int32_t rc;
    if ((rc = bind_select(bc, parent, depth, sel->larg, &lp, &lc, &ln)) != 0) return rc;
    if ((rc = bind_select(bc, parent, depth, sel->rarg, &rp, &rc_, &rn)) != 0) return rc;
    const char *opn = sel->op == PG_QUERY__SET_OPERATION__SETOP_UNION       ? "UNION"
                      : sel->op == PG_QUERY__SET_OPERATION__SETOP_INTERSECT ? "INTERSECT"
                                                                            : "EXCEPT";
    if (ln != rn) {
        return bind_err_pos(bc, -1, HELIOS_ERR_SYNTAX_ERROR,
                            "each %s query must have the same number of columns", opn);
    }
    uint32_t *want = ar_alloc(bc->a, sizeof(uint32_t) * (ln + 1));
    for (uint32_t i = 0; i < ln; i++) {
        expr_t a = {.type = lc[i].type, .location = -1}, b = {.type = rc_[i].type, .location = -1};
        expr_t *pair[2] = {&a, &b};
        uint32_t t = lc[i].type;
        if (lc[i].type != rc_[i].type) {
            /* placeholders: only the type matters */
            a.kind = E_COL;
            b.kind = E_COL;
            if ((rc = unify_types(bc, pair, 2, &t, opn)) != 0) return rc;
        }
        want[i] = t;
    }
    if ((rc = cast_outputs(bc, &lp, depth, lc, want, ln)) != 0) return rc;
    if ((rc = cast_outputs(bc, &rp, depth, rc_, want, ln)) != 0) return rc;
    plan_t *s = mkplan(bc->a, P_SETOP, depth);
    s->l = lp;
    s->r = rp;
    s->jtype = (uint8_t)sel->op;
    s->all = (uint8_t)sel->all;
    s->width = ln;
    out_col_t *oc = ar_zalloc(bc->a, sizeof(out_col_t) * (ln + 1));
    for (uint32_t i = 0; i < ln; i++) {
        oc[i] = lc[i];
        oc[i].type = want[i];
        if (want[i] != lc[i].type) oc[i].typmod = -1;
    }
    scope_t q = {.parent = parent, .depth = depth};
    if ((rc = sort_on_outputs(bc, &q, sel, oc, ln, &s)) != 0) return rc;
    if ((rc = bind_limit(bc, &q, sel, &s)) != 0) return rc;
    *out = s;
    *cols = oc;
    *n_cols = ln;
    return 0;
}

static int32_t bind_values(bind_ctx_t *bc, scope_t *parent, uint32_t depth,
                           PgQuery__SelectStmt *sel, const uint32_t *coltypes,
                           const int32_t *coltypmods, uint32_t n_target, plan_t **out,
                           out_col_t **cols, uint32_t *n_cols)
{
    uint32_t nr = (uint32_t)sel->n_values_lists;
    uint32_t nc = (uint32_t)sel->values_lists[0]->list->n_items;
    scope_t q = {.parent = parent, .depth = depth};
    plan_t *p = mkplan(bc->a, P_VALUES, depth);
    p->n_rows = nr;
    p->width = nc;
    p->rows = ar_alloc(bc->a, sizeof(expr_t **) * nr);
    int32_t rc;
    for (uint32_t r = 0; r < nr; r++) {
        PgQuery__List *li = sel->values_lists[r]->list;
        if (li->n_items != nc) {
            return bind_err_pos(bc, -1, HELIOS_ERR_SYNTAX_ERROR,
                                "VALUES lists must all be the same length");
        }
        p->rows[r] = ar_alloc(bc->a, sizeof(expr_t *) * nc);
        for (uint32_t c = 0; c < nc; c++) {
            pnode_t *n = li->items[c];
            if (n->node_case == PG_QUERY__NODE__NODE_SET_TO_DEFAULT && coltypes != NULL) {
                expr_t *e = ar_zalloc(bc->a, sizeof *e);
                e->kind = E_ROWID; /* marks DEFAULT */
                e->type = c < n_target ? coltypes[c] : HELIOS_OID_TEXT;
                e->typmod = -1;
                p->rows[r][c] = e;
                continue;
            }
            if ((rc = bind_expr(bc, &q, n, &p->rows[r][c])) != 0) return rc;
            if (coltypes != NULL && c < n_target) {
                if ((rc = coerce_to(bc, &p->rows[r][c], coltypes[c], coltypmods[c], 2)) != 0) {
                    if (bc->err != NULL && bc->err->code == HELIOS_ERR_DATATYPE_MISMATCH) {
                        sql_err(bc->err, HELIOS_ERR_DATATYPE_MISMATCH,
                                "column is of type %s but expression is of type %s",
                                type_name(coltypes[c]), type_name(p->rows[r][c]->type));
                    }
                    return rc;
                }
            }
        }
    }
    out_col_t *oc = ar_zalloc(bc->a, sizeof(out_col_t) * (nc + 1));
    for (uint32_t c = 0; c < nc; c++) {
        if (coltypes == NULL) {
            expr_t **colv = ar_alloc(bc->a, sizeof(expr_t *) * nr);
            for (uint32_t r = 0; r < nr; r++) colv[r] = p->rows[r][c];
            uint32_t t;
            if ((rc = unify_types(bc, colv, nr, &t, "VALUES")) != 0) return rc;
            for (uint32_t r = 0; r < nr; r++) p->rows[r][c] = colv[r];
            oc[c].type = t;
        } else {
            oc[c].type = c < n_target ? coltypes[c] : p->rows[0][c]->type;
        }
        oc[c].typmod = -1;
        oc[c].name = ar_printf(bc->a, "column%u", c + 1);
    }
    plan_t *top = p;
    if ((rc = sort_on_outputs(bc, &q, sel, oc, nc, &top)) != 0) return rc;
    if ((rc = bind_limit(bc, &q, sel, &top)) != 0) return rc;
    *out = top;
    *cols = oc;
    *n_cols = nc;
    return 0;
}

/* the CTEs of a WITH clause become visible to what is bound next (a SELECT: until it is
   done; INSERT/UPDATE/DELETE: the whole statement) */
static int32_t push_ctes(bind_ctx_t *bc, PgQuery__WithClause *w)
{
    for (size_t i = 0; i < w->n_ctes; i++) {
        PgQuery__CommonTableExpr *ce = w->ctes[i]->common_table_expr;
        if (ce->ctequery->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
            return bind_err_pos(bc, ce->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                                "data-modifying statements in WITH are not supported");
        }
        cte_t *c = ar_zalloc(bc->a, sizeof *c);
        c->name = ce->ctename;
        c->sel = ce->ctequery->select_stmt;
        c->def = ce;
        c->recursive = w->recursive; /* bind_recursive.c */
        c->next = bc->ctes;
        bc->ctes = c;
    }
    return 0;
}

int32_t bind_select(bind_ctx_t *bc, scope_t *parent, uint32_t depth, PgQuery__SelectStmt *sel,
                    plan_t **out, out_col_t **cols, uint32_t *n_cols)
{
    int32_t rc;
    if (depth >= 60) {
        return bind_err_pos(bc, -1, HELIOS_ERR_STATEMENT_TOO_COMPLEX, "query nesting too deep");
    }
    cte_t *saved_ctes = bc->ctes;
    /* window calls: only in this level's targets and ORDER BY (bind_window.c) */
    uint32_t saved_win_ok = bc->win_ok, saved_in_win = bc->in_win;
    const char *saved_win_ctx = bc->win_ctx;
    bc->win_ok = 0;
    bc->in_win = 0;
    bc->win_ctx = NULL;
    if (sel->with_clause != NULL && (rc = push_ctes(bc, sel->with_clause)) != 0) {
        bc->win_ok = saved_win_ok;
        bc->in_win = saved_in_win;
        bc->win_ctx = saved_win_ctx;
        return rc;
    }
    if (sel->into_clause != NULL) {
        rc = bind_err_pos(bc, -1, HELIOS_ERR_FEATURE_NOT_SUPPORTED, "SELECT INTO is not supported");
        goto done;
    }
    if (sel->n_locking_clause > 0) {
        /* FOR UPDATE/SHARE: rows are read at the statement snapshot; writes conflict at commit */
    }
    if (sel->op != PG_QUERY__SET_OPERATION__SETOP_NONE &&
        sel->op != PG_QUERY__SET_OPERATION__SET_OPERATION_UNDEFINED) {
        rc = bind_setop(bc, parent, depth, sel, out, cols, n_cols);
        goto done;
    }
    if (sel->n_values_lists > 0) {
        rc = bind_values(bc, parent, depth, sel, NULL, NULL, 0, out, cols, n_cols);
        goto done;
    }
    scope_t *q = ar_zalloc(bc->a, sizeof *q);
    q->parent = parent;
    q->depth = depth;
    q->windows = sel->window_clause;
    q->n_windows = (uint32_t)sel->n_window_clause;
    plan_t *p;
    if ((rc = bind_from(bc, q, sel->from_clause, (uint32_t)sel->n_from_clause, sel->where_clause,
                        &p)) != 0) {
        goto done;
    }
    /* targets */
    tlist_t tl = {0};
    uint32_t saved_ok = bc->agg_ok;
    bc->agg_ok = 1;
    bc->win_ok = 1;
    rc = expand_targets(bc, q, sel->target_list, sel->n_target_list, &tl);
    bc->win_ok = 0;
    if (rc != 0) goto done;
    if (tl.no_rows) {
        val_t no = {.t = HELIOS_OID_BOOL};
        plan_t *f = mkplan(bc->a, P_FILTER, depth);
        f->l = p;
        f->filter = mk_const(bc->a, &no);
        f->width = p->width;
        p = f;
    }
    uint32_t n_vis = tl.n;
    /* GROUP BY */
    expr_t **groups = ar_alloc(bc->a, sizeof(expr_t *) * (sel->n_group_clause + 1));
    uint32_t ng = 0;
    for (size_t i = 0; i < sel->n_group_clause; i++) {
        pnode_t *n = sel->group_clause[i];
        expr_t *g = NULL;
        if (n->node_case == PG_QUERY__NODE__NODE_A_CONST &&
            n->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
            int32_t k = n->a_const->ival->ival;
            if (k < 1 || (uint32_t)k > n_vis) {
                rc = bind_err_pos(bc, n->a_const->location, HELIOS_ERR_INVALID_COLUMN_REFERENCE,
                                  "GROUP BY position %d is not in select list", k);
                goto done;
            }
            g = tl.e[k - 1];
            if (expr_has_agg(g)) {
                rc = bind_err_pos(bc, n->a_const->location, HELIOS_ERR_GROUPING_ERROR,
                                  "aggregate functions are not allowed in GROUP BY");
                goto done;
            }
        } else {
            bc->agg_ok = 0;
            bc->agg_ctx = "GROUP BY";
            rc = bind_expr(bc, q, n, &g);
            bc->agg_ok = 1;
            if (rc != 0 && n->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
                n->column_ref->n_fields == 1 && bc->err->code == HELIOS_ERR_UNDEFINED_COLUMN) {
                const char *nm = pn_str(n->column_ref->fields[0]);
                for (uint32_t c = 0; c < n_vis && nm != NULL; c++) {
                    if (strcmp(tl.c[c].name, nm) == 0 && !expr_has_agg(tl.e[c])) {
                        g = tl.e[c];
                        rc = 0;
                        break;
                    }
                }
            }
            if (rc != 0) goto done;
        }
        groups[ng++] = g;
    }
    /* HAVING */
    expr_t *having = NULL;
    if (sel->having_clause != NULL) {
        bc->win_ctx = "HAVING";
        if ((rc = bind_expr(bc, q, sel->having_clause, &having)) != 0) goto done;
        bc->win_ctx = NULL;
        if ((rc = coerce_to(bc, &having, HELIOS_OID_BOOL, -1, 0)) != 0) goto done;
    }
    /* ORDER BY: output position / output name / expression (hidden column) */
    uint32_t ns = (uint32_t)sel->n_sort_clause;
    sort_key_t *keys = ar_zalloc(bc->a, sizeof(sort_key_t) * (ns + 1));
    bc->win_ok = 1;
    for (uint32_t i = 0; i < ns; i++) {
        PgQuery__SortBy *sb = sel->sort_clause[i]->sort_by;
        pnode_t *n = sb->node;
        int32_t idx = -1;
        if (n->node_case == PG_QUERY__NODE__NODE_A_CONST &&
            n->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
            idx = n->a_const->ival->ival - 1;
            if (idx < 0 || (uint32_t)idx >= n_vis) {
                rc = bind_err_pos(bc, n->a_const->location, HELIOS_ERR_INVALID_COLUMN_REFERENCE,
                                  "ORDER BY position %d is not in select list", idx + 1);
                goto done;
            }
        } else if (n->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
                   n->column_ref->n_fields == 1) {
            const char *nm = pn_str(n->column_ref->fields[0]);
            int hits = 0;
            for (uint32_t c = 0; c < n_vis && nm != NULL; c++) {
                if (strcmp(tl.c[c].name, nm) == 0) {
                    if (hits == 0) idx = (int32_t)c;
                    else if (!expr_equal(tl.e[c], tl.e[idx])) hits++;
                    if (hits == 0) hits = 1;
                }
            }
            if (hits > 1) {
                rc = bind_err_pos(bc, n->column_ref->location, HELIOS_ERR_AMBIGUOUS_COLUMN,
                                  "ORDER BY \"%s\" is ambiguous", nm);
                goto done;
            }
        }
        if (idx < 0) {
            expr_t *e;
            if ((rc = bind_expr(bc, q, n, &e)) != 0) goto done;
            for (uint32_t c = 0; c < tl.n; c++) {
                if (expr_equal(tl.e[c], e)) {
                    idx = (int32_t)c;
                    break;
                }
            }
            if (idx < 0) {
                if (sel->n_distinct_clause > 0 && (sel->distinct_clause[0] == NULL || sel->distinct_clause[0]->node_case == 0)) {
                    rc = bind_err_pos(bc, -1, HELIOS_ERR_INVALID_COLUMN_REFERENCE,
                                      "for SELECT DISTINCT, ORDER BY expressions must appear in "
                                      "select list");
                    goto done;
                }
                if (e->type == HELIOS_OID_UNKNOWN &&
                    (rc = coerce_to(bc, &e, HELIOS_OID_TEXT, -1, 0)) != 0) goto done;
                tl_add(bc, &tl, e, "?sort?");
                idx = (int32_t)tl.n - 1;
            }
        }
        keys[i].idx = (uint32_t)idx;
        keys[i].desc = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
        keys[i].nulls_first =
            sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
            (keys[i].desc && sb->sortby_nulls != PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST);
    }
    bc->win_ok = 0;
    /* DISTINCT ON expressions */
    expr_t **don = NULL;
    uint32_t n_don = 0;
    if (sel->n_distinct_clause > 0 && sel->distinct_clause[0] != NULL &&
        sel->distinct_clause[0]->node_case != 0) {
        don = ar_alloc(bc->a, sizeof(expr_t *) * sel->n_distinct_clause);
        for (size_t i = 0; i < sel->n_distinct_clause; i++) {
            expr_t *e;
            pnode_t *n = sel->distinct_clause[i];
            if (n->node_case == PG_QUERY__NODE__NODE_A_CONST &&
                n->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
                e = tl.e[n->a_const->ival->ival - 1];
            } else if ((rc = bind_expr(bc, q, n, &e)) != 0) {
                goto done;
            }
            don[n_don++] = e;
        }
    }
    bc->agg_ok = saved_ok;
    /* aggregation */
    if (q->has_agg || ng > 0 || having != NULL) {
        q->groups = groups;
        q->n_groups = ng;
        for (uint32_t i = 0; i < tl.n; i++) {
            if ((rc = agg_rewrite(bc, q, &tl.e[i])) != 0) goto done;
        }
        if (having != NULL && (rc = agg_rewrite(bc, q, &having)) != 0) goto done;
        for (uint32_t i = 0; i < n_don; i++) {
            if ((rc = agg_rewrite(bc, q, &don[i])) != 0) goto done;
        }
        plan_t *ag = mkplan(bc->a, P_AGG, depth);
        ag->l = p;
        ag->exprs = groups;
        ag->n_exprs = ng;
        ag->aggs = q->aggs;
        ag->n_aggs = q->n_aggs;
        ag->width = ng + q->n_aggs;
        p = ag;
        if (having != NULL) {
            plan_t *f = mkplan(bc->a, P_FILTER, depth);
            f->l = p;
            f->filter = having;
            f->width = p->width;
            p = f;
        }
    }
    /* window calls become columns of P_WINDOW nodes over the (grouped) rows */
    if (q->has_win && (rc = bind_window_plan(bc, q, tl.e, tl.n, don, n_don, &p)) != 0) goto done;
    /* projection (+ DISTINCT ON keys appended as hidden columns) */
    plan_t *pr = mkplan(bc->a, P_PROJECT, depth);
    pr->l = p;
    uint32_t first_don = tl.n;
    for (uint32_t i = 0; i < n_don; i++) tl_add(bc, &tl, don[i], "?don?");
    pr->exprs = tl.e;
    pr->n_exprs = tl.n;
    pr->width = tl.n;
    p = pr;
    if (sel->n_distinct_clause > 0) {
        if (n_don > 0) {
            /* sort by the DISTINCT ON keys first (then the ORDER BY), keep the first per key */
            plan_t *s = mkplan(bc->a, P_SORT, depth);
            s->l = p;
            s->width = p->width;
            s->keys = ar_zalloc(bc->a, sizeof(sort_key_t) * (n_don + ns));
            for (uint32_t i = 0; i < n_don; i++) {
                s->keys[s->n_sort].idx = first_don + i;
                if (i < ns) {
                    s->keys[s->n_sort].desc = keys[i].desc;
                    s->keys[s->n_sort].nulls_first = keys[i].nulls_first;
                }
                s->n_sort++;
            }
            for (uint32_t i = 0; i < ns; i++) s->keys[s->n_sort++] = keys[i];
            p = s;
            plan_t *d = mkplan(bc->a, P_DISTINCT, depth);
            d->l = p;
            d->width = p->width;
            d->n_distinct = n_don;
            d->distinct_on = don;
            d->n_distinct_on = first_don; /* first key column */
            p = d;
        } else {
            plan_t *d = mkplan(bc->a, P_DISTINCT, depth);
            d->l = p;
            d->width = p->width;
            d->n_distinct = n_vis;
            p = d;
        }
    }
    if (ns > 0) {
        plan_t *s = mkplan(bc->a, P_SORT, depth);
        s->l = p;
        s->width = p->width;
        s->keys = keys;
        s->n_sort = ns;
        p = s;
    }
    if ((rc = bind_limit(bc, q, sel, &p)) != 0) goto done;
    recursive_limit_hint(p); /* bind_recursive.c */
    if (tl.n > n_vis) {
        plan_t *t = mkplan(bc->a, P_TRIM, depth);
        t->l = p;
        t->width = n_vis;
        p = t;
    }
    *out = p;
    *cols = tl.c;
    *n_cols = n_vis;
    rc = 0;
done:
    bc->ctes = saved_ctes;
    bc->win_ok = saved_win_ok;
    bc->in_win = saved_in_win;
    bc->win_ctx = saved_win_ctx;
    return rc;
}

/* ---------------- DML ---------------- */
static table_t *dml_table(bind_ctx_t *bc, PgQuery__RangeVar *rv, int32_t *rc)
{
    table_t *t = cat_find_table(bc->eng, rv->schemaname && rv->schemaname[0] ? rv->schemaname : NULL,
                                rv->relname);
    if (t == NULL || t->kind == REL_SEQUENCE) {
        *rc = bind_err_pos(bc, rv->location, HELIOS_ERR_UNDEFINED_TABLE,
                           "relation \"%s\" does not exist", rv->relname);
        return NULL;
    }
    if (t->kind == REL_VIEW || t->kind == REL_SYSTEM) {
        *rc = bind_err_pos(bc, rv->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                           "cannot change view \"%s\"", rv->relname);
        return NULL;
    }
    return t;
}

static int32_t bind_returning(bind_ctx_t *bc, stmt_plan_t *sp, scope_t *q, PgQuery__Node **rl,
                              size_t n)
{
    if (n == 0) return 0;
    tlist_t tl = {0};
    int32_t rc = expand_targets(bc, q, rl, n, &tl);
    if (rc != 0) return rc;
    sp->ret = tl.e;
    sp->n_ret = tl.n;
    sp->out = tl.c;
    sp->n_out = tl.n;
    return 0;
}

static int32_t bind_checks(bind_ctx_t *bc, stmt_plan_t *sp, table_t *t)
{
    if (t->n_checks == 0) return 0;
    sp->checks = ar_alloc(bc->a, sizeof(expr_t *) * t->n_checks);
    sp->check_names = ar_alloc(bc->a, sizeof(char *) * t->n_checks);
    for (uint32_t i = 0; i < t->n_checks; i++) {
        const char *sql = t->check_sql[i];
        const char *nm = sql;
        const char *sep = strchr(sql, '\x01');
        if (sep != NULL) {
            sp->check_names[i] = ar_strndup(bc->a, sql, (size_t)(sep - sql));
            sql = sep + 1;
        } else {
            sp->check_names[i] = ar_printf(bc->a, "%s_check", t->name);
        }
        (void)nm;
        int32_t rc = bind_check_expr(bc->s, bc->a, t, sql, &sp->checks[i], bc->err);
        if (rc != 0) return rc;
    }
    sp->n_checks = t->n_checks;
    return 0;
}

static scope_t *table_scope(bind_ctx_t *bc, table_t *t, const char *alias)
{
    scope_t *q = ar_zalloc(bc->a, sizeof *q);
    rte_t *rt = scope_add_rte(bc, q, alias != NULL ? alias : t->name, t->n_cols);
    for (uint32_t i = 0; i < t->n_cols; i++) {
        rt->colnames[i] = t->cols[i].dropped ? NULL : t->cols[i].name;
        rt->coltypes[i] = t->cols[i].type;
        rt->coltypmods[i] = t->cols[i].typmod;
    }
    rt->tab = t;
    return q;
}

static int32_t bind_insert(bind_ctx_t *bc, PgQuery__InsertStmt *ins, stmt_plan_t *sp)
{
    int32_t rc = 0;
    if (ins->with_clause != NULL && (rc = push_ctes(bc, ins->with_clause)) != 0) return rc;
    table_t *t = dml_table(bc, ins->relation, &rc);
    if (t == NULL) return rc;
    sp->kind = S_INSERT;
    sp->tab = t;
    uint32_t nt = ins->n_cols > 0 ? (uint32_t)ins->n_cols : 0;
    if (nt == 0) {
        for (uint32_t i = 0; i < t->n_cols; i++) {
            if (!t->cols[i].dropped) nt++;
        }
    }
    sp->tcols = ar_alloc(bc->a, sizeof(uint32_t) * (nt + 1));
    sp->n_tcols = nt;
    if (ins->n_cols > 0) {
        for (uint32_t i = 0; i < nt; i++) {
            PgQuery__ResTarget *rt = ins->cols[i]->res_target;
            uint32_t c;
            for (c = 0; c < t->n_cols; c++) {
                if (!t->cols[c].dropped && strcmp(t->cols[c].name, rt->name) == 0) break;
            }
            if (c == t->n_cols) {
                return bind_err_pos(bc, rt->location, HELIOS_ERR_UNDEFINED_COLUMN,
                                    "column \"%s\" of relation \"%s\" does not exist", rt->name,
                                    t->name);
            }
            for (uint32_t j = 0; j < i; j++) {
                if (sp->tcols[j] == c) {
                    return bind_err_pos(bc, rt->location, HELIOS_ERR_DUPLICATE_COLUMN,
                                        "column \"%s\" specified more than once", rt->name);
                }
            }
            sp->tcols[i] = c;
        }
    } else {
        uint32_t k = 0;
        for (uint32_t c = 0; c < t->n_cols; c++) {
            if (!t->cols[c].dropped) sp->tcols[k++] = c;
        }
    }
    uint32_t *ct = ar_alloc(bc->a, sizeof(uint32_t) * (nt + 1));
    int32_t *cm = ar_alloc(bc->a, sizeof(int32_t) * (nt + 1));
    for (uint32_t i = 0; i < nt; i++) {
        ct[i] = t->cols[sp->tcols[i]].type;
        cm[i] = t->cols[sp->tcols[i]].typmod;
    }
    out_col_t *cols;
    uint32_t nc;
    if (ins->select_stmt == NULL) {
        /* DEFAULT VALUES */
        plan_t *p = mkplan(bc->a, P_VALUES, 0);
        p->n_rows = 1;
        p->rows = ar_alloc(bc->a, sizeof(expr_t **));
        p->rows[0] = NULL;
        p->width = 0;
        sp->n_tcols = 0;
        sp->plan = p;
    } else {
        PgQuery__SelectStmt *sel = ins->select_stmt->select_stmt;
        if (sel->n_values_lists > 0 && sel->op <= PG_QUERY__SET_OPERATION__SETOP_NONE &&
            sel->n_sort_clause == 0 && sel->limit_count == NULL) {
            if ((rc = bind_values(bc, NULL, 0, sel, ct, cm, nt, &sp->plan, &cols, &nc)) != 0) {
                return rc;
            }
        } else {
            if ((rc = bind_select(bc, NULL, 0, sel, &sp->plan, &cols, &nc)) != 0) return rc;
            if (nc <= nt) {
                /* coerce the source's columns to the target types */
                plan_t *pr = mkplan(bc->a, P_PROJECT, 0);
                pr->l = sp->plan;
                pr->width = nc;
                pr->n_exprs = nc;
                pr->exprs = ar_alloc(bc->a, sizeof(expr_t *) * (nc + 1));
                for (uint32_t i = 0; i < nc; i++) {
                    expr_t *e = mk_col(bc->a, 0, i, cols[i].type, cols[i].typmod);
                    if (cols[i].type != ct[i]) {
                        e = mk_cast(bc->a, e, ct[i], cm[i]);
                        e->op = 1;
                    }
                    pr->exprs[i] = e;
                }
                sp->plan = pr;
            }
        }
        if (nc > nt) {
            return bind_err_pos(bc, -1, HELIOS_ERR_SYNTAX_ERROR,
                                "INSERT has more expressions than target columns");
        }
        sp->n_tcols = nc;
    }
    /* defaults for the columns not given */
    sp->set_exprs = ar_zalloc(bc->a, sizeof(expr_t *) * (t->n_cols + 1));
    for (uint32_t c = 0; c < t->n_cols; c++) {
        if (t->cols[c].default_sql == NULL) continue;
        if ((rc = bind_default_expr(bc->s, bc->a, t, t->cols[c].default_sql, t->cols[c].type,
                                    t->cols[c].typmod, &sp->set_exprs[c], bc->err)) != 0) {
            return rc;
        }
    }
    if ((rc = bind_checks(bc, sp, t)) != 0) return rc;
    if (ins->on_conflict_clause != NULL) {
        PgQuery__OnConflictClause *oc = ins->on_conflict_clause;
        if (oc->action == PG_QUERY__ON_CONFLICT_ACTION__ONCONFLICT_NOTHING) {
            sp->on_conflict_nothing = 1;
        } else {
            /* DO UPDATE SET ... over the existing row (slots 0..n) and EXCLUDED (n..2n) */
            scope_t *q = table_scope(bc, t, NULL);
            rte_t *ex = scope_add_rte(bc, q, "excluded", t->n_cols);
            for (uint32_t i = 0; i < t->n_cols; i++) {
                ex->colnames[i] = t->cols[i].dropped ? NULL : t->cols[i].name;
                ex->coltypes[i] = t->cols[i].type;
                ex->coltypmods[i] = t->cols[i].typmod;
            }
            sp->conflict_set = ar_zalloc(bc->a, sizeof(expr_t *) * (t->n_cols + 1));
            for (size_t i = 0; i < oc->n_target_list; i++) {
                PgQuery__ResTarget *rt = oc->target_list[i]->res_target;
                uint32_t c;
                for (c = 0; c < t->n_cols; c++) {
                    if (!t->cols[c].dropped && strcmp(t->cols[c].name, rt->name) == 0) break;
                }
                if (c == t->n_cols) {
                    return bind_err_pos(bc, rt->location, HELIOS_ERR_UNDEFINED_COLUMN,
                                        "column \"%s\" of relation \"%s\" does not exist",
                                        rt->name, t->name);
                }
                expr_t *e;
                if ((rc = bind_expr(bc, q, rt->val, &e)) != 0) return rc;
                if ((rc = coerce_to(bc, &e, t->cols[c].type, t->cols[c].typmod, 2)) != 0) return rc;
                sp->conflict_set[c] = e;
            }
            if (oc->where_clause != NULL) {
                if ((rc = bind_expr(bc, q, oc->where_clause, &sp->conflict_where)) != 0) return rc;
            }
        }
    }
    scope_t *rq = table_scope(bc, t, NULL);
    return bind_returning(bc, sp, rq, ins->returning_list, ins->n_returning_list);
}

static int32_t bind_upd_del(bind_ctx_t *bc, PgQuery__RangeVar *rv, PgQuery__Node **extra,
                            size_t n_extra, pnode_t *where, stmt_plan_t *sp, scope_t **qout)
{
    int32_t rc = 0;
    table_t *t = dml_table(bc, rv, &rc);
    if (t == NULL) return rc;
    sp->tab = t;
    scope_t *q = ar_zalloc(bc->a, sizeof *q);
    pnode_t **items = ar_alloc(bc->a, sizeof(pnode_t *) * (n_extra + 1));
    pnode_t *tn = ar_zalloc(bc->a, sizeof *tn);
    tn->node_case = PG_QUERY__NODE__NODE_RANGE_VAR;
    tn->range_var = rv;
    items[0] = tn;
    for (size_t i = 0; i < n_extra; i++) items[i + 1] = extra[i];
    if ((rc = bind_from(bc, q, items, (uint32_t)n_extra + 1, where, &sp->plan)) != 0) return rc;
    q->rtes[0].hidden = 0;
    *qout = q;
    return 0;
}

static int32_t bind_update(bind_ctx_t *bc, PgQuery__UpdateStmt *up, stmt_plan_t *sp)
{
    scope_t *q;
    int32_t rc;
    sp->kind = S_UPDATE;
    if (up->with_clause != NULL && (rc = push_ctes(bc, up->with_clause)) != 0) return rc;
    if ((rc = bind_upd_del(bc, up->relation, up->from_clause, up->n_from_clause, up->where_clause,
                           sp, &q)) != 0) {
        return rc;
    }
    table_t *t = sp->tab;
    sp->set_exprs = ar_zalloc(bc->a, sizeof(expr_t *) * (t->n_cols + 1));
    bc->agg_ok = 0;
    bc->agg_ctx = "UPDATE";
    for (size_t i = 0; i < up->n_target_list; i++) {
        PgQuery__ResTarget *rt = up->target_list[i]->res_target;
        if (rt->n_indirection > 0 || rt->val->node_case == PG_QUERY__NODE__NODE_MULTI_ASSIGN_REF) {
            return bind_err_pos(bc, rt->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                                "this form of UPDATE SET is not supported");
        }
        uint32_t c;
        for (c = 0; c < t->n_cols; c++) {
            if (!t->cols[c].dropped && strcmp(t->cols[c].name, rt->name) == 0) break;
        }
        if (c == t->n_cols) {
            return bind_err_pos(bc, rt->location, HELIOS_ERR_UNDEFINED_COLUMN,
                                "column \"%s\" of relation \"%s\" does not exist", rt->name,
                                t->name);
        }
        if (sp->set_exprs[c] != NULL) {
            return bind_err_pos(bc, rt->location, HELIOS_ERR_SYNTAX_ERROR,
                                "multiple assignments to same column \"%s\"", rt->name);
        }
        expr_t *e;
        if (rt->val->node_case == PG_QUERY__NODE__NODE_SET_TO_DEFAULT) {
            if (t->cols[c].default_sql != NULL) {
                if ((rc = bind_default_expr(bc->s, bc->a, t, t->cols[c].default_sql,
                                            t->cols[c].type, t->cols[c].typmod, &e, bc->err)) != 0)
                    return rc;
            } else {
                val_t nv = {.t = t->cols[c].type, .null = 1};
                e = mk_const(bc->a, &nv);
            }
        } else if ((rc = bind_expr(bc, q, rt->val, &e)) != 0) {
            return rc;
        }
        if ((rc = coerce_to(bc, &e, t->cols[c].type, t->cols[c].typmod, 2)) != 0) {
            if (bc->err->code == HELIOS_ERR_DATATYPE_MISMATCH) {
                sql_err(bc->err, HELIOS_ERR_DATATYPE_MISMATCH,
                        "column \"%s\" is of type %s but expression is of type %s", rt->name,
                        type_name(t->cols[c].type), type_name(e->type));
            }
            return rc;
        }
        if (e->type != t->cols[c].type || t->cols[c].typmod >= 0) {
            e = mk_cast(bc->a, e, t->cols[c].type, t->cols[c].typmod);
            e->op = 1;
        }
        sp->set_exprs[c] = e;
    }
    if ((rc = bind_checks(bc, sp, t)) != 0) return rc;
    return bind_returning(bc, sp, q, up->returning_list, up->n_returning_list);
}

static int32_t bind_delete(bind_ctx_t *bc, PgQuery__DeleteStmt *de, stmt_plan_t *sp)
{
    scope_t *q;
    int32_t rc;
    sp->kind = S_DELETE;
    if (de->with_clause != NULL && (rc = push_ctes(bc, de->with_clause)) != 0) return rc;
    if ((rc = bind_upd_del(bc, de->relation, de->using_clause, de->n_using_clause,
                           de->where_clause, sp, &q)) != 0) {
        return rc;
    }
    return bind_returning(bc, sp, q, de->returning_list, de->n_returning_list);
}

/* mark the target table's scan so it returns each row's storage key */
static void want_keys(plan_t *p, table_t *t)
{
    if (p == NULL) return;
    if (p->kind == P_SCAN && p->tab == t && p->base == 0) {
        p->all = 1;
        return;
    }
    if (p->kind == P_JOIN || p->kind == P_FILTER) {
        want_keys(p->l, t);
        want_keys(p->r, t);
    }
}

int32_t bind_stmt(helios_session_t *s, arena_t *a, PgQuery__RawStmt *raw, const char *sql,
                  uint32_t n_ptypes, const uint32_t *ptypes, stmt_plan_t **out, helios_err_t *err)
{
    bind_ctx_t bc = {0};
    bc.s = s;
    bc.eng = s->eng;
    bc.a = a;
    bc.err = err;
    bc.sql = sql;
    bc.min_ref = UINT32_MAX;
    bc.agg_ok = 1;
    if (n_ptypes > 0) {
        bc.cap_params = n_ptypes + 8;
        bc.ptypes = ar_zalloc(a, sizeof(uint32_t) * bc.cap_params);
        memcpy(bc.ptypes, ptypes, sizeof(uint32_t) * n_ptypes);
        bc.n_params = n_ptypes;
    }
    stmt_plan_t *sp = ar_zalloc(a, sizeof *sp);
    sp->node = raw->stmt;
    sp->cmd = raw->stmt != NULL ? (uint32_t)raw->stmt->node_case : 0;
    int32_t rc = 0;
    if (raw->stmt == NULL) {
        sp->kind = S_EMPTY;
        *out = sp;
        return 0;
    }
    switch (raw->stmt->node_case) {
    case PG_QUERY__NODE__NODE_SELECT_STMT:
        sp->kind = S_SELECT;
        if (raw->stmt->select_stmt->n_locking_clause > 0) {
            /* FOR UPDATE / FOR SHARE [NOWAIT | SKIP LOCKED]: rows are locked as scans return
               them (kernel/txn); several clauses: the strongest mode */
            PgQuery__SelectStmt *ss = raw->stmt->select_stmt;
            for (size_t i = 0; i < ss->n_locking_clause; i++) {
                PgQuery__LockingClause *lc = ss->locking_clause[i]->locking_clause;
                if (lc == NULL) continue;
                uint32_t m = lc->strength == PG_QUERY__LOCK_CLAUSE_STRENGTH__LCS_FORUPDATE ||
                                     lc->strength == PG_QUERY__LOCK_CLAUSE_STRENGTH__LCS_FORNOKEYUPDATE
                                 ? 2u : 1u;
                if (m > sp->lock_mode) sp->lock_mode = m;
                if (lc->wait_policy == PG_QUERY__LOCK_WAIT_POLICY__LockWaitSkip) sp->lock_wait = 2;
                if (lc->wait_policy == PG_QUERY__LOCK_WAIT_POLICY__LockWaitError) sp->lock_wait = 1;
            }
        }
        rc = bind_select(&bc, NULL, 0, raw->stmt->select_stmt, &sp->plan, &sp->out, &sp->n_out);
        break;
    case PG_QUERY__NODE__NODE_INSERT_STMT:
        rc = bind_insert(&bc, raw->stmt->insert_stmt, sp);
        break;
    case PG_QUERY__NODE__NODE_UPDATE_STMT:
        rc = bind_update(&bc, raw->stmt->update_stmt, sp);
        if (rc == 0) want_keys(sp->plan, sp->tab);
        break;
    case PG_QUERY__NODE__NODE_DELETE_STMT:
        rc = bind_delete(&bc, raw->stmt->delete_stmt, sp);
        if (rc == 0) want_keys(sp->plan, sp->tab);
        break;
    default:
        sp->kind = S_UTILITY;
        if (raw->stmt->node_case == PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT) {
            /* SHOW returns rows: describe them so every client path sees the columns */
            const char *nm = raw->stmt->variable_show_stmt->name;
            int all = nm != NULL && strcasecmp(nm, "all") == 0;
            sp->n_out = all ? 2 : 1;
            sp->out = ar_zalloc(a, sizeof(out_col_t) * 2);
            sp->out[0].name = all ? "name" : sql_name_lower(a, nm != NULL ? nm : "?");
            sp->out[0].type = HELIOS_OID_TEXT;
            sp->out[0].typmod = -1;
            sp->out[1].name = "setting";
            sp->out[1].type = HELIOS_OID_TEXT;
            sp->out[1].typmod = -1;
        }
        if (raw->stmt->node_case == PG_QUERY__NODE__NODE_EXPLAIN_STMT) {
            sp->n_out = 1; /* explain.c */
            sp->out = ar_zalloc(a, sizeof(out_col_t));
            sp->out[0].name = "QUERY PLAN";
            sp->out[0].type = HELIOS_OID_TEXT;
            sp->out[0].typmod = -1;
        }
        break;
    }
    if (rc != 0) return rc;
    sp->n_subq = bc.n_subq;
    sp->n_params = bc.n_params;
    sp->param_types = ar_zalloc(a, sizeof(uint32_t) * (bc.n_params + 1));
    for (uint32_t i = 0; i < bc.n_params; i++) {
        uint32_t t = bc.ptypes[i];
        sp->param_types[i] = t == 0 || t == HELIOS_OID_UNKNOWN ? HELIOS_OID_TEXT : t;
    }
    *out = sp;
    return 0;
}

/* Copy the text of string constants (SVAL: unknown, BSVAL: text) out of the parse tree. */
static void copy_tree_consts(arena_t *a, expr_t *e)
{
    if (e == NULL) return;
    if (e->kind == E_CONST && !e->c.null && e->c.s != NULL &&
        (e->c.t == HELIOS_OID_UNKNOWN || e->c.t == HELIOS_OID_TEXT)) {
        e->c.s = ar_strndup(a, e->c.s, e->c.len);
    }
    for (uint32_t i = 0; e->args != NULL && i < e->n_args; i++) copy_tree_consts(a, e->args[i]);
}

static int32_t bind_one_expr(helios_session_t *s, arena_t *a, table_t *t, const char *sql,
                             expr_t **out, helios_err_t *err)
{
    char *q = ar_printf(a, "SELECT %s", sql);
    PgQuery__ParseResult *pr;
    int32_t rc = sql_parse(q, &pr, err);
    if (rc != 0) return rc;
    bind_ctx_t bc = {0};
    bc.s = s;
    bc.eng = s->eng;
    bc.a = a;
    bc.err = err;
    bc.min_ref = UINT32_MAX;
    bc.agg_ok = 0;
    bc.agg_ctx = "DEFAULT expressions";
    scope_t *sc = t != NULL ? table_scope(&bc, t, NULL) : ar_zalloc(a, sizeof(scope_t));
    PgQuery__SelectStmt *sel = pr->stmts[0]->stmt->select_stmt;
    rc = bind_expr(&bc, sc, sel->target_list[0]->res_target->val, out);
    if (rc == 0 && bc.n_subq > 0) {
        /* a subquery's plan may point into the tree: it lives as long as the arena */
        return ar_defer(a, sql_parse_free_v, pr);
    }
    /* string constants point into the parse tree: copy them into the arena, then free it
       (keeping it leaked a tree per DEFAULT/CHECK bind, i.e. per INSERT plan) */
    if (rc == 0) copy_tree_consts(a, *out);
    sql_parse_free(pr);
    return rc;
}

int32_t bind_default_expr(helios_session_t *s, arena_t *a, table_t *t, const char *sql,
                          uint32_t type, int32_t typmod, expr_t **out, helios_err_t *err)
{
    expr_t *e;
    int32_t rc = bind_one_expr(s, a, NULL, sql, &e, err);
    if (rc != 0) return rc;
    bind_ctx_t bc = {.s = s, .eng = s->eng, .a = a, .err = err};
    uint32_t pt[1] = {0};
    bc.ptypes = pt;
    if ((rc = coerce_to(&bc, &e, type, typmod, 2)) != 0) return rc;
    if (e->type != type || typmod >= 0) {
        e = mk_cast(a, e, type, typmod);
        e->op = 1;
    }
    *out = e;
    (void)t;
    return 0;
}

int32_t bind_check_expr(helios_session_t *s, arena_t *a, table_t *t, const char *sql,
                        expr_t **out, helios_err_t *err)
{
    expr_t *e;
    int32_t rc = bind_one_expr(s, a, t, sql, &e, err);
    if (rc != 0) return rc;
    bind_ctx_t bc = {.s = s, .eng = s->eng, .a = a, .err = err};
    if ((rc = coerce_to(&bc, &e, HELIOS_OID_BOOL, -1, 0)) != 0) return rc;
    *out = e;
    return 0;
}
