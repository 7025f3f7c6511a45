/* kernel/sql/bind_agg.c -- after binding: structural expression equality, the subquery and
 * aggregate detectors, and the rewrite of a grouped query's expressions onto the aggregate
 * node's output (agg_rewrite, remapping nested plans); result column names. */
#include <stdio.h>
#include <stdlib.h>

#include "sql/bind.h"

/* ---------- expression utilities ---------- */
int expr_equal(const expr_t *a, const expr_t *b)
{
    if (a == b) return 1;
    if (a == NULL || b == NULL) return 0;
    if (a->kind != b->kind || a->op != b->op || a->n_args != b->n_args || a->type != b->type) {
        return 0;
    }
    switch (a->kind) {
    case E_CONST:
        if (a->c.null || b->c.null) return a->c.null == b->c.null;
        return a->c.t == b->c.t && val_cmp(&a->c, &b->c) == 0;
    case E_COL:
        return a->depth == b->depth && a->idx == b->idx;
    case E_PARAM:
        return a->idx == b->idx;
    case E_FUNC:
        if (a->fn != b->fn) return 0;
        break;
    case E_SUBQ:
        return 0;
    case E_AGG: {
        const agg_def_t *x = a->agg, *y = b->agg;
        if (x->n_order != y->n_order) return 0;
        for (uint32_t i = 0; i < x->n_order; i++) {
            if (!expr_equal(x->order[i], y->order[i]) || x->order_desc[i] != y->order_desc[i]) return 0;
        }
        return x->fn == y->fn && x->distinct == y->distinct && expr_equal(x->arg, y->arg) &&
               expr_equal(x->arg2, y->arg2) && expr_equal(x->filter, y->filter);
    }
    case E_CAST:
        if (a->typmod != b->typmod) return 0;
        break;
    case E_WINDOW:
        if (!win_def_equal(a->win, b->win)) return 0;
        break;
    default:
        break;
    }
    for (uint32_t i = 0; i < a->n_args; i++) {
        if (!expr_equal(a->args[i], b->args[i])) return 0;
    }
    return 1;
}

int expr_has_subq(const expr_t *e)
{
    if (e == NULL) return 0;
    if (e->kind == E_SUBQ) return 1;
    for (uint32_t i = 0; i < e->n_args; i++) {
        if (expr_has_subq(e->args[i])) return 1;
    }
    return 0;
}

int expr_has_agg(const expr_t *e)
{
    if (e == NULL) return 0;
    if (e->kind == E_AGG) return 1;
    for (uint32_t i = 0; i < e->n_args; i++) {
        if (expr_has_agg(e->args[i])) return 1;
    }
    return 0;
}

static int32_t remap_plan(bind_ctx_t *bc, scope_t *q, plan_t *p);

/* inside a correlated subquery evaluated after grouping: a column of query level q becomes a
   reference to its group slot; a column that is not grouped is a grouping error */
static int32_t remap_expr(bind_ctx_t *bc, scope_t *q, expr_t *e)
{
    if (e == NULL) return 0;
    if (e->kind == E_COL && e->depth == q->depth) {
        for (uint32_t g = 0; g < q->n_groups; g++) {
            expr_t *k = q->groups[g];
            if (k->kind == E_COL && k->depth == q->depth && k->idx == e->idx) {
                e->idx = g;
                return 0;
            }
        }
        return bind_err_pos(bc, e->location, HELIOS_ERR_GROUPING_ERROR,
                            "subquery uses ungrouped column from outer query");
    }
    if (e->kind == E_SUBQ && e->sub != NULL) {
        int32_t rc = remap_plan(bc, q, e->sub);
        if (rc != 0) return rc;
    }
    if (e->kind == E_AGG && e->agg != NULL) {
        int32_t rc;
        if ((rc = remap_expr(bc, q, e->agg->arg)) != 0) return rc;
        if ((rc = remap_expr(bc, q, e->agg->arg2)) != 0) return rc;
        if ((rc = remap_expr(bc, q, e->agg->filter)) != 0) return rc;
    }
    for (uint32_t i = 0; i < e->n_args; i++) {
        int32_t rc = remap_expr(bc, q, e->args[i]);
        if (rc != 0) return rc;
    }
    return 0;
}

static int32_t remap_list(bind_ctx_t *bc, scope_t *q, expr_t **l, uint32_t n)
{
    for (uint32_t i = 0; l != NULL && i < n; i++) {
        int32_t rc = remap_expr(bc, q, l[i]);
        if (rc != 0) return rc;
    }
    return 0;
}

static int32_t remap_plan(bind_ctx_t *bc, scope_t *q, plan_t *p)
{
    if (p == NULL) return 0;
    int32_t rc;
    if ((rc = remap_expr(bc, q, p->filter)) != 0) return rc;
    if ((rc = remap_list(bc, q, p->exprs, p->n_exprs)) != 0) return rc;
    if ((rc = remap_list(bc, q, p->lkeys, p->n_keys)) != 0) return rc;
    if ((rc = remap_list(bc, q, p->rkeys, p->n_keys)) != 0) return rc;
    if (p->tab != NULL && (rc = remap_list(bc, q, p->pk_eq, p->pk_eq ? p->tab->n_pk : 0)) != 0) return rc;
    if ((rc = remap_list(bc, q, p->lo, p->n_lo)) != 0) return rc;
    if ((rc = remap_list(bc, q, p->hi, p->n_hi)) != 0) return rc;
    if ((rc = remap_list(bc, q, p->idx_eq, p->n_idx_eq)) != 0) return rc;
    for (uint32_t r = 0; p->rows != NULL && r < p->n_rows; r++) {
        if (p->rows[r] != NULL && (rc = remap_list(bc, q, p->rows[r], p->width)) != 0) return rc;
    }
    for (uint32_t a = 0; p->aggs != NULL && a < p->n_aggs; a++) {
        agg_def_t *ag = p->aggs[a];
        if ((rc = remap_expr(bc, q, ag->arg)) != 0) return rc;
        if ((rc = remap_expr(bc, q, ag->arg2)) != 0) return rc;
        if ((rc = remap_expr(bc, q, ag->filter)) != 0) return rc;
        if ((rc = remap_list(bc, q, ag->order, ag->n_order)) != 0) return rc;
    }
    if ((rc = remap_expr(bc, q, p->limit)) != 0) return rc;
    if ((rc = remap_expr(bc, q, p->offset)) != 0) return rc;
    if ((rc = remap_plan(bc, q, p->l)) != 0) return rc;
    return remap_plan(bc, q, p->r);
}

/* replace group-key subtrees and aggregates by references into the aggregate output row
   [group keys..., aggregates...]; a bare column of this level left over is a grouping error */
int32_t agg_rewrite(bind_ctx_t *bc, scope_t *q, expr_t **ep)
{
    expr_t *e = *ep;
    for (uint32_t g = 0; g < q->n_groups; g++) {
        if (expr_equal(e, q->groups[g])) {
            *ep = mk_col(bc->a, q->depth, g, e->type, e->typmod);
            return 0;
        }
    }
    if (e->kind == E_AGG) {
        uint32_t k;
        for (k = 0; k < q->n_aggs; k++) {
            expr_t tmp = *e;
            expr_t other = {.kind = E_AGG, .type = q->aggs[k]->type, .agg = q->aggs[k]};
            if (expr_equal(&tmp, &other)) {
                break;
            }
        }
        if (k == q->n_aggs) {
            if (q->n_aggs == q->cap_aggs) {
                uint32_t nc = q->cap_aggs ? q->cap_aggs * 2 : 8;
                agg_def_t **na = ar_alloc(bc->a, sizeof(agg_def_t *) * nc);
                if (q->n_aggs) memcpy(na, q->aggs, sizeof(agg_def_t *) * q->n_aggs);
                q->aggs = na;
                q->cap_aggs = nc;
            }
            q->aggs[q->n_aggs++] = e->agg;
        }
        *ep = mk_col(bc->a, q->depth, q->n_groups + k, e->type, e->typmod);
        return 0;
    }
    if (e->kind == E_COL && e->depth == q->depth) {
        const char *cn = "?";
        for (uint32_t r = 0; r < q->n_rtes; r++) {
            rte_t *rt = &q->rtes[r];
            if (e->idx >= rt->base && e->idx < rt->base + rt->n_cols) {
                cn = rt->colnames[e->idx - rt->base];
                return bind_err_pos(bc, e->location, HELIOS_ERR_GROUPING_ERROR,
                                    "column \"%s.%s\" must appear in the GROUP BY clause or be "
                                    "used in an aggregate function",
                                    rt->alias != NULL ? rt->alias : "?", cn);
            }
        }
        return bind_err_pos(bc, e->location, HELIOS_ERR_GROUPING_ERROR,
                            "column \"%s\" must appear in the GROUP BY clause or be used in an "
                            "aggregate function", cn);
    }
    if (e->kind == E_SUBQ) {
        /* evaluated on the aggregate row: its references to this level's columns must name
           grouped columns and read them from the group slots */
        if (e->correlated) {
            int32_t rc = remap_plan(bc, q, e->sub);
            if (rc != 0) return rc;
        }
        for (uint32_t i = 0; i < e->n_args; i++) {
            int32_t rc = agg_rewrite(bc, q, &e->args[i]);
            if (rc != 0) return rc;
        }
        return 0;
    }
    if (e->n_args > 0) {
        expr_t *c = ar_alloc(bc->a, sizeof *c);
        *c = *e;
        c->args = ar_alloc(bc->a, sizeof(expr_t *) * e->n_args);
        memcpy(c->args, e->args, sizeof(expr_t *) * e->n_args);
        for (uint32_t i = 0; i < c->n_args; i++) {
            int32_t rc = agg_rewrite(bc, q, &c->args[i]);
            if (rc != 0) return rc;
        }
        *ep = c;
    }
    return 0;
}

char *expr_colname(pnode_t *n)
{
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_COLUMN_REF: {
        PgQuery__ColumnRef *cr = n->column_ref;
        const char *s = pn_str(cr->fields[cr->n_fields - 1]);
        return (char *)(s != NULL ? s : "?column?");
    }
    case PG_QUERY__NODE__NODE_FUNC_CALL: {
        const char *s = pn_str(n->func_call->funcname[n->func_call->n_funcname - 1]);
        return (char *)(s != NULL ? s : "?column?");
    }
    case PG_QUERY__NODE__NODE_TYPE_CAST: {
        char *inner = expr_colname(n->type_cast->arg);
        if (strcmp(inner, "?column?") != 0) return inner;
        PgQuery__TypeName *tn = n->type_cast->type_name;
        const char *s = tn->n_names ? pn_str(tn->names[tn->n_names - 1]) : NULL;
        return (char *)(s != NULL ? s : "?column?");
    }
    case PG_QUERY__NODE__NODE_CASE_EXPR: return "case";
    case PG_QUERY__NODE__NODE_COALESCE_EXPR: return "coalesce";
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR:
        return n->min_max_expr->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? "greatest" : "least";
    case PG_QUERY__NODE__NODE_A_EXPR:
        if (n->a_expr->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF) return "nullif";
        return "?column?";
    case PG_QUERY__NODE__NODE_SUB_LINK:
        if (n->sub_link->sub_link_type == PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK) return "exists";
        if (n->sub_link->sub_link_type == PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK) return "array";
        if (n->sub_link->sub_link_type == PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK &&
            n->sub_link->subselect->node_case == PG_QUERY__NODE__NODE_SELECT_STMT) {
            PgQuery__SelectStmt *s = n->sub_link->subselect->select_stmt;
            if (s->n_target_list == 1) {
                PgQuery__ResTarget *rt = s->target_list[0]->res_target;
                if (rt->name != NULL && rt->name[0]) return rt->name;
                return expr_colname(rt->val);
            }
        }
        return "?column?";
    case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION: {
        static const char *names[] = {"?column?", "current_date", "current_time", "current_time",
                                      "current_timestamp", "current_timestamp", "localtime",
                                      "localtime", "localtimestamp", "localtimestamp",
                                      "current_role", "current_user", "user", "session_user",
                                      "current_catalog", "current_schema"};
        uint32_t op = (uint32_t)n->sqlvalue_function->op;
        return (char *)(op < 16 ? names[op] : "?column?");
    }
    case PG_QUERY__NODE__NODE_A_ARRAY_EXPR: return "array";
    case PG_QUERY__NODE__NODE_BOOL_EXPR: return "?column?";
    case PG_QUERY__NODE__NODE_A_CONST:
        if (n->a_const->val_case == PG_QUERY__A__CONST__VAL_BOOLVAL) return "bool";
        return "?column?";
    default:
        return "?column?";
    }
}
