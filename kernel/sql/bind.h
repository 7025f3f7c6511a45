/* kernel/sql/bind.h -- binder internals shared by bind.c, bind_expr.c and bind_from.c. */
#ifndef HELIOS_SQL_BIND_H
#define HELIOS_SQL_BIND_H

#include "sql/sqlint.h"

typedef struct rte {
    char *alias;
    table_t *tab;      /* NULL: subquery / values */
    uint32_t base;
    uint32_t n_cols;
    char **colnames;
    uint32_t *coltypes;
    int32_t *coltypmods;
    uint32_t unit;     /* join unit it belongs to */
    uint32_t hidden;   /* 1: columns not visible to unqualified lookup */
} rte_t;

typedef struct scope {
    struct scope *parent;
    uint32_t depth;
    rte_t *rtes;
    uint32_t n_rtes, cap_rtes;
    uint32_t width;
    /* aggregate state of this query level */
    uint32_t has_agg;
    expr_t **groups;
    uint32_t n_groups;
    agg_def_t **aggs;
    uint32_t n_aggs, cap_aggs;
    /* output names for ORDER BY lookups */
    out_col_t *outs;
    uint32_t n_outs;
    expr_t **out_exprs;
    /* window functions (bind_window.c): set when this level has a window call; the SELECT's
       WINDOW clause (named windows) */
    uint32_t has_win;
    PgQuery__Node **windows;
    uint32_t n_windows;
} scope_t;

typedef struct cte {
    char *name;
    PgQuery__SelectStmt *sel;
    PgQuery__CommonTableExpr *def;
    struct cte *next;
    /* WITH RECURSIVE (bind_recursive.c): while its recursive term is bound, a
       reference is the working table of wt_src (with the non-recursive term's types) */
    uint32_t recursive; /* declared in WITH RECURSIVE */
    uint32_t state;     /* 0 idle, 1 binding the non-recursive term, 2 the recursive term */
    uint32_t n_refs;    /* self-references met in the recursive term */
    uint32_t n_wt_cols;
    out_col_t *wt_cols;
    plan_t *wt_src;
} cte_t;

struct bind_ctx {
    helios_session_t *s;
    helios_engine_t *eng;
    arena_t *a;
    helios_err_t *err;
    const char *sql;
    uint32_t n_params, cap_params;
    uint32_t *ptypes;
    uint32_t n_subq;
    uint32_t min_ref;       /* smallest scope depth referenced by a column (correlation) */
    uint32_t agg_ok;        /* aggregates allowed in the expression being bound */
    const char *agg_ctx;    /* where aggregates are not allowed ("WHERE", ...) */
    cte_t *ctes;
    uint32_t view_depth;
    /* window functions (bind_window.c): allowed in the expression being bound (targets and
       ORDER BY of a SELECT); win_ctx names the clause when not; in_win inside a call's
       arguments */
    uint32_t win_ok;
    const char *win_ctx;
    uint32_t in_win;
    /* > 0 while the NULL-extended side of an outer join is bound (bind_from.c), for WITH
       RECURSIVE's check (bind_recursive.c) */
    uint32_t null_side;
};

/* bind_expr.c */
int32_t bind_expr(bind_ctx_t *bc, scope_t *q, pnode_t *n, expr_t **out);
int32_t coerce_to(bind_ctx_t *bc, expr_t **e, uint32_t t, int32_t tm, int explicit_);
int32_t unify_types(bind_ctx_t *bc, expr_t **a, uint32_t n, uint32_t *t, const char *ctx);
int32_t bind_typename(bind_ctx_t *bc, PgQuery__TypeName *tn, uint32_t *t, int32_t *tm);
int32_t agg_rewrite(bind_ctx_t *bc, scope_t *q, expr_t **e);
int expr_equal(const expr_t *a, const expr_t *b);
int expr_has_subq(const expr_t *e);
int expr_has_agg(const expr_t *e);
char *expr_colname(pnode_t *n);
int32_t bind_err_pos(bind_ctx_t *bc, int32_t location, int32_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
expr_t *mk_col(arena_t *a, uint32_t depth, uint32_t idx, uint32_t t, int32_t tm);
expr_t *mk_op(arena_t *a, uint32_t op, uint32_t t, expr_t *l, expr_t *r);
expr_t *mk_bool(arena_t *a, uint32_t kind, expr_t *l, expr_t *r);

/* bind.c */
int32_t bind_select(bind_ctx_t *bc, scope_t *parent, uint32_t depth, PgQuery__SelectStmt *sel,
                    plan_t **out, out_col_t **cols, uint32_t *n_cols);
rte_t *scope_add_rte(bind_ctx_t *bc, scope_t *q, const char *alias, uint32_t n_cols);

/* bind_from.c */
typedef struct unit {
    plan_t *plan;
    uint32_t lo, hi; /* slot range [lo, hi) */
    uint64_t est;
    table_t *tab;    /* base table unit */
    double rows;     /* estimated rows after its own filters (bind_from.c) */
    double cost;     /* estimated cost of producing them */
    uint32_t lateral; /* a LATERAL item reading earlier items' columns (P_LATERAL) */
} unit_t;

int32_t bind_from(bind_ctx_t *bc, scope_t *q, PgQuery__Node **items, uint32_t n_items,
                  pnode_t *where, plan_t **out);
void split_conj(arena_t *a, expr_t *e, expr_t ***list, uint32_t *n, uint32_t *cap);
int32_t plan_scan_access(bind_ctx_t *bc, plan_t *scan, expr_t **conj, uint32_t n_conj,
                         uint32_t *used);

/* bind_window.c */
/* a call with OVER, or a window-only function (row_number...) without one (an error) */
int32_t bind_window_func(bind_ctx_t *bc, scope_t *q, PgQuery__FuncCall *fc, const char *name,
                         expr_t **out);
int win_is_window_name(const char *name);
/* the calls in exprs (the select list, ORDER BY and DISTINCT ON columns, already rewritten
   over the aggregate row when grouped) become columns of P_WINDOW nodes stacked on *p */
int32_t bind_window_plan(bind_ctx_t *bc, scope_t *q, expr_t **exprs, uint32_t n,
                         expr_t **more, uint32_t n_more, plan_t **p);
int win_def_equal(const win_def_t *x, const win_def_t *y); /* for expr_equal */
/* bind_recursive.c: the plan of a reference to CTE c from scope q (a recursive one:
   P_RECURSIVE, or the working table inside its own recursive term) */
int32_t bind_cte(bind_ctx_t *bc, scope_t *q, cte_t *c, plan_t **out, out_col_t **cols,
                 uint32_t *n_cols);
/* a constant LIMIT over a recursive CTE's rows (through projections and unfiltered subquery
   scans) caps how many rows the recursion produces */
void recursive_limit_hint(plan_t *p);

#endif
