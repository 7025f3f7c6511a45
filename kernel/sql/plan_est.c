/* kernel/sql/plan_est.c -- selectivity and cardinality estimates from the statistics ANALYZE
 * keeps (stats.c), and the index nested-loop lookups a join can use with their costs. The join
 * order and methods that use them are bind_from.c's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sql/plan_est.h"

static int col_of(const expr_t *e, uint32_t d, const plan_t *sc, uint32_t *col)
{
    if (sc == NULL || sc->kind != P_SCAN || sc->tab == NULL || e->kind != E_COL || e->depth != d)
        return 0;
    if (e->idx < sc->base || e->idx >= sc->base + sc->tab->n_cols) return 0;
    *col = e->idx - sc->base;
    return 1;
}

static int col_unique(const table_t *t, uint32_t c)
{
    if (t->n_pk == 1 && t->pk[0] == c) return 1;
    for (uint32_t x = 0; x < t->n_idx; x++) {
        if (t->idx[x].unique && t->idx[x].n_cols == 1 && t->idx[x].cols[0] == c) return 1;
    }
    return 0;
}

/* distinct values of column c of t: ANALYZE's figure, else the row count (a key) */
static double col_nd(const table_t *t, uint32_t c)
{
    double nd = stats_ndistinct(t, c);
    if (nd > 0) return nd;
    return t->est_rows > 0 ? (double)t->est_rows : 1;
}

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* selectivity of a conjunct over one scan's columns */
double est_conj_sel(const plan_t *sc, uint32_t d, const expr_t *c)
{
    table_t *t = sc != NULL && sc->kind == P_SCAN ? sc->tab : NULL;
    uint32_t col;
    if (c->kind == E_OR) {
        double s = 0;
        for (uint32_t i = 0; i < c->n_args; i++) {
            double x = est_conj_sel(sc, d, c->args[i]);
            s = s + x - s * x;
        }
        return s;
    }
    if (c->kind == E_NOT && c->n_args == 1) return 1 - est_conj_sel(sc, d, c->args[0]);
    if (c->kind == E_CONST && c->type == HELIOS_OID_BOOL) return c->c.null || !c->c.i ? 0 : 1;
    if (t == NULL || t->kind != REL_TABLE) return SEL_OTHER;
    if (c->kind == E_ISNULL && c->n_args == 1 && col_of(c->args[0], d, sc, &col)) {
        double nf = t->st_rows > 0 ? t->cols[col].st_null_frac : 0.005;
        return c->op == 0 ? nf : 1 - nf;
    }
    if (c->kind == E_IN && c->op == 0 && c->n_args > 1 && col_of(c->args[0], d, sc, &col)) {
        double nd = col_nd(t, col);
        return clamp01((double)(c->n_args - 1) / nd);
    }
    if (c->kind != E_OP || c->n_args != 2) return SEL_OTHER;
    const expr_t *a = c->args[0], *b = c->args[1];
    uint32_t op = c->op;
    if (!col_of(a, d, sc, &col)) {
        if (!col_of(b, d, sc, &col)) return SEL_OTHER;
        const expr_t *x = a;
        a = b;
        b = x;
        op = op == OP_LT ? OP_GT : op == OP_LE ? OP_GE : op == OP_GT ? OP_LT : op == OP_GE ? OP_LE : op;
    }
    column_t *cl = &t->cols[col];
    double notnull = t->st_rows > 0 ? 1 - cl->st_null_frac : 1;
    if (op == OP_EQ) {
        double nd = stats_ndistinct(t, col);
        if (nd > 0) return notnull / nd;
        if (col_unique(t, col)) return 1.0 / (t->est_rows > 0 ? (double)t->est_rows : 1);
        return SEL_EQ;
    }
    if (op == OP_NE) {
        double nd = stats_ndistinct(t, col);
        return nd > 0 ? notnull * (1 - 1 / nd) : 1 - SEL_EQ;
    }
    if (op < OP_LT || op > OP_GE) return SEL_OTHER;
    double pos;
    if (b->kind != E_CONST || t->st_rows <= 0 || !cl->st_has_range || !stats_pos(&b->c, &pos))
        return SEL_RANGE;
    double lo = cl->st_lo, hi = cl->st_hi;
    double below; /* fraction of values < pos */
    if (hi <= lo) below = pos > lo ? 1 : 0;
    else below = clamp01((pos - lo) / (hi - lo));
    double s = op == OP_LT || op == OP_LE ? below : 1 - below;
    return clamp01(s) * notnull;
}

/* the rows a unit produces after its pushed-down conjuncts, and what producing them costs */
void est_unit(pctx_t *pc, unit_t *un, expr_t **mine, uint32_t nm)
{
    plan_t *p = un->plan;
    if (p->kind != P_SCAN || p->tab == NULL || p->tab->kind != REL_TABLE) {
        double r = (double)un->est;
        for (uint32_t i = 0; i < nm; i++) r *= SEL_OTHER;
        un->rows = r < 1 ? 1 : r;
        un->cost = (double)un->est * COST_ROW;
        return;
    }
    table_t *t = p->tab;
    double total = t->est_rows > 0 ? (double)t->est_rows : 1;
    double sel = 1;
    for (uint32_t i = 0; i < nm; i++) sel *= est_conj_sel(p, pc->d, mine[i]);
    double r = total * sel;
    if (p->pk_eq != NULL || (p->use_idx != NULL && p->use_idx->unique &&
                             p->n_idx_eq == p->use_idx->n_cols)) {
        r = r > 1 ? 1 : r;
    }
    un->rows = r < 1 ? 1 : r;
    if (p->pk_eq != NULL) {
        un->cost = COST_GET;
    } else if (p->use_idx != NULL) {
        double m = total;
        for (uint32_t k = 0; k < p->n_idx_eq; k++) m /= col_nd(t, p->use_idx->cols[k]);
        un->cost = COST_SEEK + (m < 1 ? 1 : m) * COST_MATCH;
    } else if (p->n_lo || p->n_hi) {
        un->cost = total * SEL_RANGE * COST_ROW;
    } else {
        un->cost = total * COST_ROW;
    }
}

/* distinct values of a join key over `rows` rows of the units in `set` */
double est_key_nd(pctx_t *pc, const expr_t *e, uint64_t set, double rows)
{
    double nd = rows;
    for (uint32_t u = 0; u < pc->fs->n_units; u++) {
        if (!((set >> u) & 1)) continue;
        unit_t *un = &pc->fs->units[u];
        uint32_t col;
        if (col_of(e, pc->d, un->plan, &col)) {
            nd = col_nd(un->plan->tab, col);
            if (nd > un->rows) nd = un->rows;
            break;
        }
    }
    if (nd > rows) nd = rows;
    return nd < 1 ? 1 : nd;
}

static int key_type_ok(uint32_t outer, uint32_t col)
{
    if (outer == col) return 2;
    if (val_is_int(outer) && val_is_int(col)) return 1;
    if (outer != 1042 && col != 1042 && val_is_text(outer) && val_is_text(col)) return 1;
    return 0;
}

/* can the scan sc be looked up by the pairs outer[i] = inner[i] (inner: its columns)? */
int est_nl_find(const plan_t *sc, uint32_t d, expr_t **outer, expr_t **inner, const int32_t *ci,
                uint32_t n, nlkey_t *k)
{
    memset(k, 0, sizeof *k);
    if (sc == NULL || sc->kind != P_SCAN || sc->tab == NULL || sc->tab->kind != REL_TABLE ||
        sc->tab->tree == 0) {
        return 0;
    }
    table_t *t = sc->tab;
    double total = t->est_rows > 0 ? (double)t->est_rows : 1;
    int32_t by_col[1600];
    uint32_t ncols = t->n_cols < 1600 ? t->n_cols : 1600;
    for (uint32_t c = 0; c < ncols; c++) by_col[c] = -1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t col;
        if (col_of(inner[i], d, sc, &col) && col < ncols && by_col[col] < 0 &&
            key_type_ok(outer[i]->type, t->cols[col].type)) {
            by_col[col] = (int32_t)i;
        }
    }
    if (t->n_pk > 0) {
        uint32_t got = 0;
        for (uint32_t c = 0; c < t->n_pk; c++) got += t->pk[c] < ncols && by_col[t->pk[c]] >= 0;
        if (got == t->n_pk) {
            k->kind = 1;
            k->n = t->n_pk;
            for (uint32_t c = 0; c < t->n_pk; c++) {
                int32_t i = by_col[t->pk[c]];
                k->ex[c] = outer[i];
                k->ci[c] = ci[i];
                k->exact[c] = key_type_ok(outer[i]->type, t->cols[t->pk[c]].type) == 2;
            }
            k->matches = 1;
            return 1;
        }
    }
    for (uint32_t x = 0; x < t->n_idx; x++) {
        index_def_t *ix = &t->idx[x];
        uint32_t got = 0;
        while (got < ix->n_cols && ix->cols[got] < ncols && by_col[ix->cols[got]] >= 0) got++;
        if (got == 0) continue;
        double m = total;
        if (ix->unique && got == ix->n_cols) m = 1;
        else
            for (uint32_t c = 0; c < got; c++) m /= col_nd(t, ix->cols[c]);
        if (m < 1) m = 1;
        if (k->kind != 0 && m >= k->matches) continue;
        k->kind = 2;
        k->ix = ix;
        k->n = got;
        k->matches = m;
        for (uint32_t c = 0; c < got; c++) {
            int32_t i = by_col[ix->cols[c]];
            k->ex[c] = outer[i];
            k->ci[c] = ci[i];
            k->exact[c] = key_type_ok(outer[i]->type, t->cols[ix->cols[c]].type) == 2;
        }
    }
    return k->kind != 0;
}

double est_nl_cost(const nlkey_t *k, double outer_rows)
{
    if (k->kind == 1) return outer_rows * COST_GET;
    return outer_rows * (COST_SEEK + k->matches * COST_MATCH);
}
