/* kernel/sql/bind_recursive.c -- references to common table expressions. A CTE is inlined at
 * each reference (bound again as a subquery). A CTE of WITH RECURSIVE whose query is
 * "non-recursive term UNION [ALL] recursive term" and whose recursive term reads it becomes a
 * P_RECURSIVE node (exec_recursive.c): the recursive term reads the working table
 * (P_WORKTABLE), with the non-recursive term's column types. */
#include <stdio.h>
#include <stdlib.h>

#include "sql/bind.h"

enum { CTE_IDLE = 0, CTE_NONREC, CTE_REC, CTE_NOT_UNION };

static plan_t *mkplan(arena_t *a, uint32_t kind, uint32_t depth)
{
    plan_t *p = ar_zalloc(a, sizeof *p);
    p->kind = (uint8_t)kind;
    p->depth = depth;
    return p;
}

static int32_t recursive_union(bind_ctx_t *bc, scope_t *q, cte_t *c, PgQuery__SelectStmt *sel,
                               plan_t **out, out_col_t **cols, uint32_t *n_cols, int *plain)
{
    uint32_t depth = q->depth + 1;
    plan_t *lp, *rp;
    out_col_t *lc, *rcols;
    uint32_t ln, rn;
    int32_t rc;
    c->state = CTE_NONREC;
    rc = bind_select(bc, q->parent, depth, sel->larg, &lp, &lc, &ln);
    c->state = CTE_IDLE;
    if (rc != 0) return rc;
    for (uint32_t i = 0; i < ln; i++) {
        if (lc[i].type == HELIOS_OID_UNKNOWN || lc[i].type == T_NULL) lc[i].type = HELIOS_OID_TEXT;
    }
    plan_t *rec = mkplan(bc->a, P_RECURSIVE, depth);
    rec->width = ln;
    rec->all = (uint8_t)sel->all;
    c->wt_cols = lc;
    c->n_wt_cols = ln;
    c->wt_src = rec;
    c->n_refs = 0;
    c->state = CTE_REC;
    uint32_t saved_null = bc->null_side; /* outer joins around the reference to the CTE */
    bc->null_side = 0;
    rc = bind_select(bc, q->parent, depth, sel->rarg, &rp, &rcols, &rn);
    bc->null_side = saved_null;
    c->state = CTE_IDLE;
    if (rc != 0) return rc;
    if (c->n_refs == 0) {
        *plain = 1; /* it does not read itself: an ordinary UNION */
        return 0;
    }
    if (rn != ln) {
        return bind_err_pos(bc, -1, HELIOS_ERR_SYNTAX_ERROR,
                            "each UNION query must have the same number of columns");
    }
    /* the recursive term's own level (not its FROM items) must not aggregate */
    for (plan_t *x = rp; x != NULL; x = x->l) {
        if (x->kind == P_AGG) {
            return bind_err_pos(bc, -1, HELIOS_ERR_INVALID_RECURSION,
                                "aggregate functions are not allowed in a recursive query's "
                                "recursive term");
        }
        if (x->kind == P_SUBQ || x->kind == P_JOIN || x->kind == P_SCAN || x->kind == P_LATERAL ||
            x->kind == P_SETOP) {
            break;
        }
    }
    /* the recursive term's columns take the non-recursive term's types */
    int need = 0;
    for (uint32_t i = 0; i < ln; i++) {
        if (rcols[i].type == lc[i].type) continue;
        expr_t a = {.kind = E_COL, .type = lc[i].type, .typmod = -1, .location = -1};
        expr_t b = {.kind = E_COL, .type = rcols[i].type, .typmod = -1, .location = -1};
        expr_t *pair[2] = {&a, &b};
        uint32_t t;
        if ((rc = unify_types(bc, pair, 2, &t, "UNION")) != 0) return rc;
        if (t != lc[i].type) {
            rc = bind_err_pos(bc, c->def->location, HELIOS_ERR_DATATYPE_MISMATCH,
                              "recursive query \"%s\" column %u has type %s in non-recursive term "
                              "but type %s overall",
                              c->name, i + 1, type_name(lc[i].type), type_name(t));
            sql_err_hint(bc->err, "Cast the output of the non-recursive term to the correct "
                                  "type.");
            return rc;
        }
        need = 1;
    }
    if (need) {
        plan_t *pr = mkplan(bc->a, P_PROJECT, depth);
        pr->l = rp;
        pr->width = ln;
        pr->n_exprs = ln;
        pr->exprs = ar_alloc(bc->a, sizeof(expr_t *) * ln);
        for (uint32_t i = 0; i < ln; i++) {
            expr_t *e = mk_col(bc->a, depth, i, rcols[i].type, rcols[i].typmod);
            if (rcols[i].type != lc[i].type && (rc = coerce_to(bc, &e, lc[i].type, -1, 0)) != 0) {
                return rc;
            }
            pr->exprs[i] = e;
        }
        rp = pr;
    }
    rec->l = lp;
    rec->r = rp;
    *out = rec;
    *cols = lc;
    *n_cols = ln;
    return 0;
}

int32_t bind_cte(bind_ctx_t *bc, scope_t *q, cte_t *c, plan_t **out, out_col_t **cols,
                 uint32_t *n_cols)
{
    if (!c->recursive) return bind_select(bc, q->parent, q->depth + 1, c->sel, out, cols, n_cols);
    switch (c->state) {
    case CTE_NONREC:
        return bind_err_pos(bc, -1, HELIOS_ERR_INVALID_RECURSION,
                            "recursive reference to query \"%s\" must not appear within its "
                            "non-recursive term", c->name);
    case CTE_NOT_UNION:
        return bind_err_pos(bc, c->def->location, HELIOS_ERR_INVALID_RECURSION,
                            "recursive query \"%s\" does not have the form non-recursive-term "
                            "UNION [ALL] recursive-term", c->name);
    case CTE_REC: {
        if (q->depth != c->wt_src->depth) {
            return bind_err_pos(bc, -1, HELIOS_ERR_INVALID_RECURSION,
                                "recursive reference to query \"%s\" must not appear within a "
                                "subquery", c->name);
        }
        if (bc->null_side > 0) {
            return bind_err_pos(bc, -1, HELIOS_ERR_INVALID_RECURSION,
                                "recursive reference to query \"%s\" must not appear within an "
                                "outer join", c->name);
        }
        if (++c->n_refs > 1) {
            return bind_err_pos(bc, -1, HELIOS_ERR_INVALID_RECURSION,
                                "recursive reference to query \"%s\" must not appear more than "
                                "once", c->name);
        }
        plan_t *w = mkplan(bc->a, P_WORKTABLE, q->depth + 1);
        w->width = c->n_wt_cols;
        w->wt_src = c->wt_src;
        *out = w;
        *cols = c->wt_cols;
        *n_cols = c->n_wt_cols;
        return 0;
    }
    default:
        break;
    }
    PgQuery__SelectStmt *sel = c->sel;
    if (c->def->search_clause != NULL || c->def->cycle_clause != NULL) {
        return bind_err_pos(bc, c->def->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                            "SEARCH and CYCLE clauses are not supported");
    }
    if (sel->op != PG_QUERY__SET_OPERATION__SETOP_UNION) {
        c->state = CTE_NOT_UNION;
        int32_t rc = bind_select(bc, q->parent, q->depth + 1, sel, out, cols, n_cols);
        c->state = CTE_IDLE;
        return rc;
    }
    if (sel->n_sort_clause > 0 || sel->limit_count != NULL || sel->limit_offset != NULL) {
        /* PostgreSQL refuses these only when the term is recursive: check it is */
        int plain = 0;
        plan_t *p;
        int32_t rc = recursive_union(bc, q, c, sel, &p, cols, n_cols, &plain);
        if (rc != 0) return rc;
        if (!plain) {
            return bind_err_pos(bc, c->def->location, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                                "%s in a recursive query is not implemented",
                                sel->n_sort_clause > 0 ? "ORDER BY" : sel->limit_offset != NULL
                                                                         ? "OFFSET" : "LIMIT");
        }
        return bind_select(bc, q->parent, q->depth + 1, sel, out, cols, n_cols);
    }
    int plain = 0;
    int32_t rc = recursive_union(bc, q, c, sel, out, cols, n_cols, &plain);
    if (rc != 0) return rc;
    if (plain) return bind_select(bc, q->parent, q->depth + 1, sel, out, cols, n_cols);
    return 0;
}

void recursive_limit_hint(plan_t *p)
{
    if (p == NULL || p->kind != P_LIMIT || p->limit == NULL || p->limit->kind != E_CONST ||
        p->limit->c.null || p->limit->c.i < 0) {
        return;
    }
    int64_t off = 0;
    if (p->offset != NULL) {
        if (p->offset->kind != E_CONST || p->offset->c.null || p->offset->c.i < 0) return;
        off = p->offset->c.i;
    }
    /* rows pass one for one down to the recursion: it produces them in the order a pipeline
       would (the non-recursive term's, then each iteration's), so the first limit + offset
       of them are the ones read */
    for (plan_t *c = p->l; c != NULL; c = c->l) {
        if (c->kind == P_PROJECT || c->kind == P_TRIM || (c->kind == P_SUBQ && c->filter == NULL)) {
            continue;
        }
        if (c->kind == P_RECURSIVE) {
            uint64_t cap = (uint64_t)p->limit->c.i + (uint64_t)off;
            c->wt_max_rows = cap > 0 ? cap : 1;
        }
        return;
    }
}
