/* kernel/sql/plan_est.h -- the planner's estimates and costs, shared by bind_from.c (join order
 * and join methods) and plan_est.c (selectivity, cardinality, index nested-loop lookups).
 * Private to kernel/sql. */
#ifndef HELIOS_SQL_PLAN_EST_H
#define HELIOS_SQL_PLAN_EST_H

#include "sql/bind.h"

/* the FROM clause being planned: its units and WHERE conjuncts */
typedef struct fromst {
    unit_t *units;
    uint32_t n_units, cap_units;
    expr_t **conj;
    uint32_t n_conj, cap_conj;
} fromst_t;

/* ---- estimates and costs (docs/sql.md, "Planner") ----
 * Costs are in units of one row read and decoded by a sequential scan. Measured on 100k rows
 * (bench/join's orders): a scan row feeding a join ~0.2-0.3 us, a primary-key point read
 * ~0.7 us, a row found through a secondary index ~1-1.4 us. */
#define COST_ROW 1.0
#define COST_BUILD 1.5  /* insert one row into a hash table */
#define COST_PROBE 1.0  /* probe a hash table with one row */
#define COST_GET 5.0    /* one point read of a row by its primary key */
#define COST_SEEK 10.0  /* position an index iterator at a key */
#define COST_MATCH 8.0  /* one row found through a secondary index (entry + point read) */
#define COST_CROSS 0.2  /* one pair of a nested loop without an index */
#define SEL_EQ 0.1      /* col = value without statistics */
#define SEL_RANGE (1.0 / 3)
#define SEL_OTHER 0.25

typedef struct pctx {
    bind_ctx_t *bc;
    fromst_t *fs;
    uint32_t d, nc;
    uint64_t *refs;
    uint8_t *sub, *pre; /* pre: pushed into one unit before joining */
    uint64_t *ra, *rb;  /* equality conjuncts: units referenced by each side */
    int en_hash, en_nl;
} pctx_t;

/* an index nested-loop lookup: the inner table's primary key or an index's leading columns
   given by expressions over the outer rows */
typedef struct nlkey {
    uint32_t kind; /* 0 none, 1 primary key, 2 secondary index */
    index_def_t *ix;
    uint32_t n;
    expr_t *ex[16];
    int32_t ci[16];   /* conjunct (in pctx) or key pair index each came from */
    uint8_t exact[16]; /* same type: the lookup enforces the equality */
    double matches;   /* inner rows per lookup, before the inner filter */
} nlkey_t;

double est_conj_sel(const plan_t *sc, uint32_t d, const expr_t *c);
void est_unit(pctx_t *pc, unit_t *un, expr_t **mine, uint32_t nm);
double est_key_nd(pctx_t *pc, const expr_t *e, uint64_t set, double rows);
int est_nl_find(const plan_t *sc, uint32_t d, expr_t **outer, expr_t **inner, const int32_t *ci,
                uint32_t n, nlkey_t *k);
double est_nl_cost(const nlkey_t *k, double outer_rows);

#endif
