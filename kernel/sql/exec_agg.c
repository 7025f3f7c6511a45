/* kernel/sql/exec_agg.c -- grouping and aggregation: per-group aggregate state (agg_step,
 * agg_final), the hash aggregate over rows and over column batches (vectorized folds of
 * count/sum/avg/min/max), and its spilling to hash partitions past work_mem (exec_spill.c's
 * temporary files). Split from exec.c, which dispatches to exec_agg. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sql/sqlint.h"
#include "sql/vec.h"
#include "txn/sqltxn.h"

/* ---- aggregation ---- */
typedef struct aggst {
    int64_t count;
    __int128 isum;
    int16_t scale;
    num_acc_t *acc; /* numeric sum past the __int128 fast path (big values, NaN, overflow) */
    num_acc_t *acc2; /* numeric stddev/variance: the sum of squares (acc: the sum) */
    double fsum, fsq;
    val_t best;
    int have;
    sbuf_t sb;
    int ovf;
    /* DISTINCT: seen values */
    val_t *seen;
    size_t n_seen, cap_seen;
    /* ORDER BY inside string_agg / array_agg: [value, delimiter, keys...] per input row */
    val_t **ord;
    size_t n_ord, cap_ord;
} aggst_t;

static int seen_before(arena_t *a, aggst_t *s, const val_t *v, int deep)
{
    for (size_t i = 0; i < s->n_seen; i++) {
        if (val_cmp(&s->seen[i], v) == 0) return 1;
    }
    if (s->n_seen == s->cap_seen) {
        size_t nc = s->cap_seen ? s->cap_seen * 2 : 8;
        val_t *n = ar_alloc(a, sizeof(val_t) * nc);
        if (s->n_seen) memcpy(n, s->seen, sizeof(val_t) * s->n_seen);
        s->seen = n;
        s->cap_seen = nc;
    }
    s->seen[s->n_seen++] = deep ? *row_deep_copy(a, v, 1) : *v;
    return 0;
}

static int32_t agg_step(exec_ctx_t *cx, agg_def_t *ag, aggst_t *s)
{
    int32_t rc;
    if (ag->filter != NULL) {
        int ok;
        if ((rc = eval_bool(cx, ag->filter, &ok)) != 0) return rc;
        if (!ok) return 0;
    }
    if (ag->fn == AGG_COUNT_STAR) {
        s->count++;
        return 0;
    }
    val_t v;
    if ((rc = eval(cx, ag->arg, &v)) != 0) return rc;
    if (v.null && ag->fn != AGG_ARRAY_AGG) return 0;
    /* state outliving the row: while the input streams (exec_spill.c) cx->ar is a scratch
       arena, so values kept go (deep-copied) to the statement arena */
    arena_t *pa = cx->state_ar != NULL ? cx->state_ar : cx->keep_ar != NULL ? cx->keep_ar : cx->ar;
    int deep = pa != cx->ar;
    if (ag->distinct && seen_before(pa, s, &v, deep)) return 0;
    if (ag->n_order > 0) {
        /* collect now, concatenate in order at the end */
        val_t *r = ar_alloc(cx->ar, sizeof(val_t) * (2 + ag->n_order));
        r[0] = v;
        memset(&r[1], 0, sizeof(val_t));
        r[1].null = 1;
        if (ag->arg2 != NULL && (rc = eval(cx, ag->arg2, &r[1])) != 0) return rc;
        for (uint32_t k = 0; k < ag->n_order; k++) {
            if ((rc = eval(cx, ag->order[k], &r[2 + k])) != 0) return rc;
        }
        if (deep) r = row_deep_copy(pa, r, 2 + ag->n_order);
        if (s->n_ord == s->cap_ord) {
            size_t nc = s->cap_ord ? s->cap_ord * 2 : 16;
            val_t **n = ar_alloc(pa, sizeof(val_t *) * nc);
            if (s->n_ord) memcpy(n, s->ord, sizeof(val_t *) * s->n_ord);
            s->ord = n;
            s->cap_ord = nc;
        }
        s->ord[s->n_ord++] = r;
        s->count++;
        return 0;
    }
    s->count++;
    switch (ag->fn) {
    case AGG_COUNT:
        break;
    case AGG_SUM:
    case AGG_AVG:
    case AGG_STDDEV: case AGG_VARIANCE: case AGG_STDDEV_POP: case AGG_VAR_POP:
        if (v.t == HELIOS_OID_FLOAT4 || v.t == HELIOS_OID_FLOAT8) {
            s->fsum += v.f;
            s->fsq += v.f * v.f;
        } else if (v.t == HELIOS_OID_INTERVAL) {
            helios_interval_t iv;
            memcpy(&iv, v.s, sizeof iv);
            s->fsum += (double)iv.us + iv.days * 86400e6 + iv.months * 30 * 86400e6;
        } else {
            /* fsum/fsq serve float results only: numeric and integer inputs sum exactly
               below (a numeric's double costs a text round trip per row) */
            double d = v.t == HELIOS_OID_NUMERIC ? 0 : (double)v.i;
            s->fsum += d;
            s->fsq += d * d;
            if (ag->type == HELIOS_OID_NUMERIC && ag->fn != AGG_SUM && ag->fn != AGG_AVG) {
                /* stddev/variance over integers or numeric: exact sums (types_num.c) */
                if (s->acc == NULL && ((s->acc = num_acc_new(pa)) == NULL ||
                                       (s->acc2 = num_acc_new(pa)) == NULL)) {
                    s->acc = NULL;
                    return sql_err(cx->err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
                }
                num_acc_add(s->acc, &v);
                num_acc_add_sq(s->acc2, &v);
                break;
            }
            if (s->acc == NULL && (v.t != HELIOS_OID_NUMERIC || v.pad == NUM_SMALL)) {
                __int128 x = v.t == HELIOS_OID_NUMERIC ? v.n : v.i, cur = s->isum;
                int16_t sc = v.t == HELIOS_OID_NUMERIC ? v.scale : 0, cs = s->scale;
                int bad = 0;
                if (sc > cs) {
                    bad = num_rescale(&cur, cs, sc) != 0;
                    cs = sc;
                } else if (sc < cs) {
                    bad = num_rescale(&x, sc, cs) != 0;
                }
                if (!bad && !__builtin_add_overflow(cur, x, &cur)) {
                    s->isum = cur;
                    s->scale = cs;
                    break;
                }
            }
            /* exact from here on (GMP): big values, NaN/Infinity, past 128 bits */
            if (s->acc == NULL) {
                if ((s->acc = num_acc_new(pa)) == NULL) {
                    return sql_err(cx->err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
                }
                num_acc_add_i128(s->acc, s->isum, s->scale);
            }
            num_acc_add(s->acc, &v);
        }
        break;
    case AGG_MIN:
    case AGG_MAX:
        if (!s->have || (ag->fn == AGG_MIN ? val_cmp(&v, &s->best) < 0 : val_cmp(&v, &s->best) > 0)) {
            s->best = deep ? *row_deep_copy(pa, &v, 1) : v;
            s->have = 1;
        }
        break;
    case AGG_BOOL_AND:
        if (!s->have) s->best = v;
        else s->best.i = s->best.i && v.i;
        s->have = 1;
        break;
    case AGG_BOOL_OR:
        if (!s->have) s->best = v;
        else s->best.i = s->best.i || v.i;
        s->have = 1;
        break;
    case AGG_STRING_AGG: {
        val_t dl;
        if ((rc = eval(cx, ag->arg2, &dl)) != 0) return rc;
        if (s->have && !dl.null) sb_putn(&s->sb, dl.s, dl.len);
        sb_putn(&s->sb, v.s, v.len);
        s->have = 1;
        break;
    }
    case AGG_ARRAY_AGG:
        sb_putc(&s->sb, s->have ? ',' : '{');
        array_put_elem(&s->sb, &v);
        s->have = 1;
        break;
    }
    return 0;
}


static int agg_ord_cmp(const void *a, const void *b);
static __thread agg_def_t *g_agg_sort;

static int agg_ord_cmp(const void *a, const void *b)
{
    const val_t *x = *(val_t *const *)a, *y = *(val_t *const *)b;
    agg_def_t *ag = g_agg_sort;
    for (uint32_t k = 0; k < ag->n_order; k++) {
        const val_t *u = &x[2 + k], *v = &y[2 + k];
        int c;
        if (u->null || v->null) {
            if (u->null && v->null) continue;
            c = u->null ? 1 : -1;
            return ag->order_nulls_first[k] ? -c : c;
        }
        c = val_cmp(u, v);
        if (c != 0) return ag->order_desc[k] ? -c : c;
    }
    return x < y ? -1 : x > y; /* stable: input order (rows were allocated in order) */
}

static int32_t agg_final(exec_ctx_t *cx, agg_def_t *ag, aggst_t *s, val_t *o)
{
    if (ag->n_order > 0 && s->n_ord > 0) {
        agg_def_t *saved = g_agg_sort;
        g_agg_sort = ag;
        qsort(s->ord, s->n_ord, sizeof(val_t *), agg_ord_cmp);
        g_agg_sort = saved;
        int32_t rc;
        for (size_t i = 0; i < s->n_ord; i++) {
            val_t *r = s->ord[i];
            if (ag->fn == AGG_STRING_AGG) {
                if (s->have && !r[1].null) sb_putn(&s->sb, r[1].s, r[1].len);
                sb_putn(&s->sb, r[0].s, r[0].len);
                s->have = 1;
            } else {
                val_t v = r[0];
                sb_putc(&s->sb, s->have ? ',' : '{');
                array_put_elem(&s->sb, &v);
                s->have = 1;
            }
        }
        s->n_ord = 0;
        (void)rc;
    }
    memset(o, 0, sizeof *o);
    o->t = ag->type;
    switch (ag->fn) {
    case AGG_COUNT:
    case AGG_COUNT_STAR:
        o->i = s->count;
        return 0;
    case AGG_SUM:
        if (s->count == 0) { o->null = 1; return 0; }
        if (ag->type == HELIOS_OID_FLOAT4 || ag->type == HELIOS_OID_FLOAT8) { o->f = s->fsum; return 0; }
        if (ag->type == HELIOS_OID_INTERVAL) {
            helios_interval_t *iv = ar_zalloc(cx->ar, sizeof *iv);
            iv->us = (int64_t)s->fsum;
            o->s = (const char *)iv;
            o->len = 16;
            return 0;
        }
        if (s->ovf) return sql_err(cx->err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
        if (s->acc != NULL) {
            int32_t nrc = num_acc_result(cx->ar, s->acc, 0, o, cx->err);
            if (nrc == 0 && ag->type == HELIOS_OID_INT8) {
                val_t sum = *o;
                memset(o, 0, sizeof *o);
                o->t = HELIOS_OID_INT8;
                nrc = num_to_int(&sum, HELIOS_OID_INT8, &o->i, cx->err);
            }
            return nrc;
        }
        if (ag->type == HELIOS_OID_INT8) {
            if (s->isum > INT64_MAX || s->isum < INT64_MIN)
                return sql_err(cx->err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range");
            o->i = (int64_t)s->isum;
            return 0;
        }
        o->n = s->isum;
        o->scale = s->scale;
        return 0;
    case AGG_AVG:
        if (s->count == 0) { o->null = 1; return 0; }
        if (ag->type == HELIOS_OID_FLOAT8) { o->f = s->fsum / (double)s->count; return 0; }
        if (ag->type == HELIOS_OID_INTERVAL) {
            helios_interval_t *iv = ar_zalloc(cx->ar, sizeof *iv);
            iv->us = (int64_t)(s->fsum / (double)s->count);
            o->s = (const char *)iv;
            o->len = 16;
            return 0;
        }
        if (s->acc != NULL) return num_acc_result(cx->ar, s->acc, s->count, o, cx->err);
        {
            val_t sum, cnt;
            memset(&sum, 0, sizeof sum);
            sum.t = HELIOS_OID_NUMERIC;
            sum.n = s->isum;
            sum.scale = s->scale;
            num_from_int(s->count, &cnt);
            return num_binop(cx->ar, OP_DIV, &sum, &cnt, o, cx->err);
        }
    case AGG_MIN: case AGG_MAX: case AGG_BOOL_AND: case AGG_BOOL_OR:
        if (!s->have) { o->null = 1; return 0; }
        *o = s->best;
        o->t = ag->type;
        return 0;
    case AGG_STRING_AGG:
        if (!s->have) { o->null = 1; return 0; }
        o->s = ar_strndup(cx->ar, s->sb.d, s->sb.len);
        o->len = (uint32_t)s->sb.len;
        sb_free(&s->sb);
        return 0;
    case AGG_ARRAY_AGG:
        if (!s->have) { o->null = 1; return 0; }
        sb_putc(&s->sb, '}');
        o->s = ar_strndup(cx->ar, s->sb.d, s->sb.len);
        o->len = (uint32_t)s->sb.len;
        sb_free(&s->sb);
        return 0;
    default: {
        int samp = ag->fn == AGG_STDDEV || ag->fn == AGG_VARIANCE;
        if (s->count == 0 || (samp && s->count < 2)) { o->null = 1; return 0; }
        if (o->t == HELIOS_OID_NUMERIC && s->acc != NULL) {
            return num_acc_stddev(cx->ar, s->acc, s->acc2, s->count, samp,
                                  ag->fn == AGG_VARIANCE || ag->fn == AGG_VAR_POP, o, cx->err);
        }
        double n = (double)s->count, mean = s->fsum / n;
        double var = (s->fsq - n * mean * mean) / (samp ? n - 1 : n);
        if (var < 0) var = 0;
        double r = (ag->fn == AGG_STDDEV || ag->fn == AGG_STDDEV_POP) ? sqrt(var) : var;
        if (o->t == HELIOS_OID_NUMERIC) {
            char tmp[64];
            snprintf(tmp, sizeof tmp, "%.16f", r);
            num_from_str(tmp, strlen(tmp), &o->n, &o->scale);
        } else {
            o->f = r;
        }
        return 0;
    }
    }
}

/* hash aggregation: groups hashed on their key values */
typedef struct grp {
    val_t *row; /* output row: keys then aggregate results */
    aggst_t *st;
    uint64_t h;
    int64_t next;
} grp_t;

typedef struct aggrun {
    row_sink_t base;
    plan_t *p;
    size_t cap, n_g;
    grp_t *g;
    uint32_t hcap;
    int64_t *head;
    val_t *keys;
    uint64_t n_in;
    arena_t gar;      /* group rows and state: counted against work_mem, freed when emitted */
    size_t budget;
    uint32_t level;   /* partitioning depth: which hash bits pick a partition */
    int spilling;     /* over budget: rows of new groups go to part[] */
    FILE *part[8];
    uint64_t spilled;
} aggrun_t;

/* the group of the keys in r->keys (hash h), or -1 */
static int64_t agg_find(aggrun_t *r, uint64_t h)
{
    uint32_t ng = r->p->n_exprs;
    int64_t gi = r->head[h & (r->hcap - 1)];
    while (gi >= 0) {
        grp_t *x = &r->g[gi];
        int eq = x->h == h;
        for (uint32_t k = 0; eq && k < ng; k++) {
            if (val_cmp_sort(&x->row[k], &r->keys[k]) != 0) eq = 0;
        }
        if (eq) break;
        gi = x->next;
    }
    return gi;
}

/* a new group for the keys in r->keys (hash h) */
static int32_t agg_new_group(exec_ctx_t *cx, aggrun_t *r, uint64_t h, int64_t *out)
{
    plan_t *p = r->p;
    uint32_t ng = p->n_exprs, na = p->n_aggs;
    arena_t *pa = &r->gar; /* see agg_step */
    if (r->n_g == r->cap) {
        grp_t *ng2 = realloc(r->g, sizeof(grp_t) * r->cap * 2);
        if (ng2 == NULL) return sql_err(cx->err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        r->g = ng2;
        r->cap *= 2;
    }
    if (r->n_g * 2 > r->hcap) {
        uint32_t nh = r->hcap * 4;
        int64_t *h2 = malloc(sizeof(int64_t) * nh);
        if (h2 == NULL) return sql_err(cx->err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        for (uint32_t b = 0; b < nh; b++) h2[b] = -1;
        for (size_t j = 0; j < r->n_g; j++) {
            uint32_t b = (uint32_t)r->g[j].h & (nh - 1);
            r->g[j].next = h2[b];
            h2[b] = (int64_t)j;
        }
        free(r->head);
        r->head = h2;
        r->hcap = nh;
    }
    grp_t *x = &r->g[r->n_g];
    x->row = row_new(pa, p->width);
    memcpy(x->row, row_deep_copy(pa, r->keys, ng), sizeof(val_t) * ng);
    x->st = ar_zalloc(pa, sizeof(aggst_t) * (na + 1));
    x->h = h;
    uint32_t b = (uint32_t)h & (r->hcap - 1);
    x->next = r->head[b];
    r->head[b] = (int64_t)r->n_g;
    *out = (int64_t)r->n_g++;
    return 0;
}

/* a row of a new group once the table is full: it waits in a partition file */
static int32_t agg_spill_row(exec_ctx_t *cx, aggrun_t *r, uint64_t h, val_t *in)
{
    int32_t rc;
    uint32_t pi = (uint32_t)(h >> (61 - 3 * (r->level % 20))) & 7;
    if (r->part[pi] == NULL && (rc = spill_file_open(cx, &r->part[pi])) != 0) return rc;
    if (row_write(r->part[pi], in, r->p->l->width, &r->spilled) != 0) return io_err(cx, "write");
    if ((r->n_in++ & 1023) == 0) return exec_check_cancel(cx);
    return 0;
}

/* one input row into its group */
static int32_t agg_row(exec_ctx_t *cx, row_sink_t *sk, val_t *in)
{
    aggrun_t *r = (aggrun_t *)sk;
    plan_t *p = r->p;
    uint32_t ng = p->n_exprs, na = p->n_aggs;
    int32_t rc;
    cx->rows[p->depth] = in;
    val_t *keys = r->keys;
    uint64_t h = 0x9e37;
    for (uint32_t k = 0; k < ng; k++) {
        if ((rc = eval(cx, p->exprs[k], &keys[k])) != 0) return rc;
        h = h * 31 + val_hash(&keys[k]);
    }
    int64_t gi = agg_find(r, h);
    if (gi < 0 && r->spilling) return agg_spill_row(cx, r, h, in);
    if (gi < 0 && (rc = agg_new_group(cx, r, h, &gi)) != 0) return rc;
    arena_t *saved_state = cx->state_ar;
    cx->state_ar = &r->gar;
    rc = 0;
    for (uint32_t a = 0; a < na && rc == 0; a++) rc = agg_step(cx, p->aggs[a], &r->g[gi].st[a]);
    cx->state_ar = saved_state;
    if (rc != 0) return rc;
    if (ng > 0 && (r->n_in & 63) == 0 && ar_used(&r->gar) > r->budget) r->spilling = 1;
    if ((r->n_in++ & 1023) == 0 && (rc = exec_check_cancel(cx)) != 0) return rc;
    return 0;
}

/* the vectorized form of agg_row over a batch (exec_vec.c): keys and the arguments of count,
   sum, avg, stddev/variance, min and max over int64/double vectors evaluated per batch and
   folded in tight loops; other aggregates through agg_step per row */
static int agg_vec_kind(const agg_def_t *ag, const vec_t *v)
{
    if (ag->fn == AGG_COUNT_STAR || ag->fn == AGG_COUNT) return 1;
    int ints = v->kind == VEC_I64 && val_is_int(v->t);
    int flts = v->kind == VEC_F64 && (v->t == HELIOS_OID_FLOAT4 || v->t == HELIOS_OID_FLOAT8);
    switch (ag->fn) {
    case AGG_SUM: case AGG_AVG:
        return ints || flts;
    case AGG_STDDEV: case AGG_VARIANCE: case AGG_STDDEV_POP: case AGG_VAR_POP:
        /* over integers the result is an exact numeric (types_num.c): per row, agg_step */
        return flts;
    case AGG_MIN: case AGG_MAX:
        return v->kind == VEC_I64 || flts;
    default:
        return 0;
    }
}

/* sum / avg / stddev / variance of one group (no GROUP BY): accumulators in registers */
static void agg_vec_sum1(aggst_t *s, const vec_t *v, const uint16_t *sel, uint32_t n)
{
    int64_t cnt = 0;
    double fsum = s->fsum, fsq = s->fsq; /* the row path's order of float additions */
    uint32_t st = v->is_const ? 0 : 1;
    int nulls = !v->all_valid;
    if (v->kind == VEC_F64) {
        const double *x = v->f;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = sel != NULL ? sel[k] : k;
            if (nulls && vec_null(v, i)) continue;
            double f = x[i * st];
            cnt++;
            fsum += f;
            fsq += f * f;
        }
    } else {
        const int64_t *x = v->i;
        __int128 isum = 0;
        int ovf = 0;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = sel != NULL ? sel[k] : k;
            if (nulls && vec_null(v, i)) continue;
            int64_t y = x[i * st];
            double d = (double)y;
            cnt++;
            fsum += d;
            fsq += d * d;
            ovf |= __builtin_add_overflow(isum, (__int128)y, &isum);
        }
        if (s->scale > 0 && num_rescale(&isum, 0, s->scale) != 0) ovf = 1;
        if (__builtin_add_overflow(s->isum, isum, &s->isum)) ovf = 1;
        if (ovf) s->ovf = 1;
    }
    s->count += cnt;
    s->fsum = fsum;
    s->fsq = fsq;
}

static void agg_vec_fold(agg_def_t *ag, const vec_t *v, grp_t *g, uint32_t a, const int64_t *gidx,
                         const uint16_t *sel, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = sel != NULL ? sel[k] : k;
        if (gidx[i] < 0) continue;
        aggst_t *s = &g[gidx[i]].st[a];
        if (ag->fn == AGG_COUNT_STAR) {
            s->count++;
            continue;
        }
        if (vec_null(v, i)) continue;
        uint32_t j = v->is_const ? 0 : i;
        s->count++;
        switch (ag->fn) {
        case AGG_COUNT:
            break;
        case AGG_MIN:
        case AGG_MAX: {
            val_t x;
            memset(&x, 0, sizeof x);
            x.t = v->t;
            int c;
            if (v->kind == VEC_I64) {
                x.i = v->i[j];
                c = !s->have ? -1 : s->best.t == x.t ? (x.i < s->best.i ? -1 : x.i > s->best.i)
                                                      : val_cmp(&x, &s->best);
            } else {
                x.f = v->f[j];
                c = !s->have ? -1 : val_cmp(&x, &s->best);
            }
            if (!s->have || (ag->fn == AGG_MIN ? c < 0 : c > 0)) {
                s->best = x;
                s->have = 1;
            }
            break;
        }
        default:
            if (v->kind == VEC_F64) {
                double f = v->f[j];
                s->fsum += f;
                s->fsq += f * f;
            } else {
                __int128 x = v->i[j];
                double d = (double)v->i[j];
                s->fsum += d;
                s->fsq += d * d;
                if (s->scale > 0 && num_rescale(&x, 0, s->scale) != 0) s->ovf = 1;
                if (__builtin_add_overflow(s->isum, x, &s->isum)) s->ovf = 1;
            }
            break;
        }
    }
}

static int32_t agg_batch(exec_ctx_t *cx, batch_sink_t *sk, batch_t *b)
{
    aggrun_t *r = sk->arg;
    plan_t *p = r->p;
    uint32_t ng = p->n_exprs, na = p->n_aggs;
    const uint16_t *sel = b->sel;
    uint32_t n = sel != NULL ? b->n_sel : b->n;
    int32_t rc;
    b->depth = p->depth;
    vec_t **kv = ar_alloc(b->ar, sizeof(vec_t *) * (ng + 1));
    vec_t **av = ar_zalloc(b->ar, sizeof(vec_t *) * (na + 1));
    uint8_t *fold = ar_zalloc(b->ar, na + 1); /* 1: folded from vectors, 0: agg_step per row */
    for (uint32_t k = 0; k < ng; k++) {
        if ((rc = eval_vec(cx, p->exprs[k], b, sel, n, &kv[k])) != 0) return rc;
    }
    int rowwise = 0;
    for (uint32_t a = 0; a < na; a++) {
        agg_def_t *ag = p->aggs[a];
        if (!ag->distinct && ag->n_order == 0 && ag->filter == NULL) {
            if (ag->fn != AGG_COUNT_STAR && (rc = eval_vec(cx, ag->arg, b, sel, n, &av[a])) != 0)
                return rc;
            fold[a] = (uint8_t)(ag->fn == AGG_COUNT_STAR || agg_vec_kind(ag, av[a]));
        }
        if (!fold[a]) rowwise = 1;
    }
    /* from here on groups change: an error is final */
    sk->committed = 1;
    int64_t *gidx = ar_alloc(b->ar, sizeof(int64_t) * (b->n ? b->n : 1));
    if (ng == 0) {
        int64_t gi = agg_find(r, 0x9e37);
        if (gi < 0 && (rc = agg_new_group(cx, r, 0x9e37, &gi)) != 0) return rc;
        for (uint32_t k = 0; k < n; k++) gidx[sel != NULL ? sel[k] : k] = gi;
        r->n_in += n;
    } else {
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = sel != NULL ? sel[k] : k;
            uint64_t h = 0x9e37;
            for (uint32_t j = 0; j < ng; j++) {
                vec_get(kv[j], i, &r->keys[j]);
                h = h * 31 + val_hash(&r->keys[j]);
            }
            int64_t gi = agg_find(r, h);
            if (gi < 0 && r->spilling) {
                gidx[i] = -1;
                if ((rc = agg_spill_row(cx, r, h, batch_row(b, i))) != 0) return rc;
                continue;
            }
            if (gi < 0 && (rc = agg_new_group(cx, r, h, &gi)) != 0) return rc;
            gidx[i] = gi;
            if ((r->n_in & 63) == 0 && ar_used(&r->gar) > r->budget) r->spilling = 1;
            r->n_in++;
        }
    }
    for (uint32_t a = 0; a < na; a++) {
        if (!fold[a]) continue;
        agg_def_t *ag = p->aggs[a];
        if (ng == 0 && n > 0 && ag->fn != AGG_COUNT_STAR && ag->fn != AGG_COUNT &&
            ag->fn != AGG_MIN && ag->fn != AGG_MAX) {
            agg_vec_sum1(&r->g[gidx[sel != NULL ? sel[0] : 0]].st[a], av[a], sel, n);
        } else if (ng == 0 && n > 0 && ag->fn == AGG_COUNT_STAR) {
            r->g[gidx[sel != NULL ? sel[0] : 0]].st[a].count += n;
        } else {
            agg_vec_fold(ag, av[a], r->g, a, gidx, sel, n);
        }
    }
    if (rowwise) {
        arena_t *saved_state = cx->state_ar;
        cx->state_ar = &r->gar;
        for (uint32_t k = 0; k < n && rc == 0; k++) {
            uint32_t i = sel != NULL ? sel[k] : k;
            if (gidx[i] < 0) continue;
            cx->rows[p->depth] = batch_row(b, i);
            for (uint32_t a = 0; a < na && rc == 0; a++) {
                if (!fold[a]) rc = agg_step(cx, p->aggs[a], &r->g[gidx[i]].st[a]);
            }
        }
        cx->state_ar = saved_state;
        if (rc != 0) return rc;
    }
    return exec_check_cancel(cx);
}

static int32_t agg_init(exec_ctx_t *cx, plan_t *p, aggrun_t *r, uint32_t level)
{
    memset(r, 0, sizeof *r);
    r->base.fn = agg_row;
    r->p = p;
    r->cap = 64;
    r->hcap = 1024;
    r->level = level;
    size_t wm = cx->ar->limit ? cx->ar->limit : (size_t)cx->eng->work_mem;
    r->budget = wm / 2;
    r->g = malloc(sizeof(grp_t) * r->cap);
    r->head = malloc(sizeof(int64_t) * r->hcap);
    r->keys = malloc(sizeof(val_t) * (p->n_exprs + 1));
    if (r->g == NULL || r->head == NULL || r->keys == NULL) {
        return sql_err(cx->err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    for (uint32_t i = 0; i < r->hcap; i++) r->head[i] = -1;
    return 0;
}

static void agg_free(aggrun_t *r)
{
    for (int i = 0; i < 8; i++) {
        if (r->part[i] != NULL) fclose(r->part[i]);
    }
    free(r->g);
    free(r->head);
    free(r->keys);
    ar_free(&r->gar);
}

/* finalize the groups in memory into out (statement arena, off the work_mem budget like a
   spilled sort's output), then aggregate each partition file the same way */
static int32_t agg_finish(exec_ctx_t *cx, aggrun_t *r, rowset_t *out)
{
    plan_t *p = r->p;
    uint32_t ng = p->n_exprs, na = p->n_aggs;
    int32_t rc;
    if (r->n_g == 0 && ng == 0) {
        /* aggregate without GROUP BY over no rows: one row */
        grp_t *x = &r->g[0];
        x->row = row_new(&r->gar, p->width);
        x->st = ar_zalloc(&r->gar, sizeof(aggst_t) * (na + 1));
        r->n_g = 1;
    }
    size_t lim = cx->ar->limit;
    if (r->level > 0 || r->spilling) cx->ar->limit = 0;
    for (size_t j = 0; j < r->n_g; j++) {
        for (uint32_t a = 0; a < na; a++) {
            if ((rc = agg_final(cx, p->aggs[a], &r->g[j].st[a], &r->g[j].row[ng + a])) != 0) {
                cx->ar->limit = lim;
                return rc;
            }
        }
        rs_add(cx->ar, out, row_deep_copy(cx->ar, r->g[j].row, p->width));
    }
    if (r->level > 0 || r->spilling) cx->ar->limit = lim ? cx->ar->total + lim : 0;
    for (int i = 0; i < 8; i++) {
        if (r->part[i] == NULL) continue;
        if (fseek(r->part[i], 0, SEEK_SET) != 0) return io_err(cx, "seek");
        aggrun_t sub;
        if ((rc = agg_init(cx, p, &sub, r->level + 1)) == 0) {
            /* rows and the expressions' allocations in a scratch arena (as when streaming) */
            arena_t rows = {0}, *main_ar = cx->ar, *saved_keep = cx->keep_ar;
            val_t *in;
            int got;
            cx->ar = &rows;
            cx->keep_ar = main_ar;
            while ((got = row_read(r->part[i], &rows, p->l->width, &in)) == 1) {
                if ((rc = agg_row(cx, &sub.base, in)) != 0) break;
                if (ar_used(&rows) > (1u << 20)) ar_reset(&rows);
            }
            cx->ar = main_ar;
            cx->keep_ar = saved_keep;
            if (rc == 0 && got < 0) rc = io_err(cx, "read");
            ar_free(&rows);
            if (rc == 0) rc = agg_finish(cx, &sub, out);
        }
        agg_free(&sub);
        fclose(r->part[i]);
        r->part[i] = NULL;
        if (rc != 0) return rc;
    }
    return 0;
}

int32_t exec_agg(exec_ctx_t *cx, plan_t *p, rowset_t *out)
{
    int32_t rc;
    aggrun_t r;
    if ((rc = agg_init(cx, p, &r, 0)) != 0) goto failed;
    /* the input arrives in column batches (exec_vec.c), streams row by row when it can
       (exec_spill.c), else is materialized first */
    batch_sink_t bs = {agg_batch, &r.base, &r, 0};
    if ((rc = exec_vec_into(cx, p->l, p, &bs)) == 1 &&
        (rc = exec_stream_into(cx, p->l, &r.base)) == 1) {
        rowset_t in = {0};
        if ((rc = exec_plan(cx, p->l, &in)) != 0) goto failed;
        for (size_t i = 0; i < in.n; i++) {
            if ((rc = agg_row(cx, &r.base, in.rows[i])) != 0) goto failed;
        }
    }
    if (rc != 0) goto failed;
    rc = agg_finish(cx, &r, out);
failed:
    agg_free(&r);
    return rc;
}


/* aggregates over window frames (exec_window.c) */
size_t exec_agg_state_size(void)
{
    return sizeof(aggst_t);
}

int32_t exec_agg_step(exec_ctx_t *cx, agg_def_t *ag, void *state)
{
    return agg_step(cx, ag, state);
}

int32_t exec_agg_final(exec_ctx_t *cx, agg_def_t *ag, void *state, val_t *out)
{
    return agg_final(cx, ag, state, out);
}
