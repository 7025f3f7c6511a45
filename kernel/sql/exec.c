/* kernel/sql/exec.c -- query operators. Each operator materializes its result as a row set in
 * the statement arena (batches of rows; the arena's limit is the per-query memory limit). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sql/sqlint.h"
#include "sql/vec.h"
#include "txn/sqltxn.h"

void rs_add(arena_t *a, rowset_t *rs, val_t *row)
{
    if (rs->n == rs->cap) {
        size_t nc = rs->cap ? rs->cap * 2 : 64;
        val_t **nr = ar_alloc(a, sizeof(val_t *) * nc);
        if (rs->n) memcpy(nr, rs->rows, sizeof(val_t *) * rs->n);
        rs->rows = nr;
        rs->cap = nc;
    }
    rs->rows[rs->n++] = row;
}

int32_t rs_emit(exec_ctx_t *cx, rowset_t *out, val_t *row)
{
    if (out->sink != NULL) return out->sink->fn(cx, out->sink, row);
    rs_add(cx->ar, out, row);
    return 0;
}

val_t *row_new(arena_t *a, uint32_t w)
{
    val_t *r = ar_alloc(a, sizeof(val_t) * (w ? w : 1));
    for (uint32_t i = 0; i < w; i++) {
        r[i].null = 1;
        r[i].t = 0;
    }
    return r;
}

int32_t exec_check_cancel(exec_ctx_t *cx)
{
    if (cx->s->cancel) {
        return sql_err(cx->err, HELIOS_ERR_QUERY_CANCELED, "canceling statement due to user request");
    }
    if (stx_check_deadline(cx) != 0) return HELIOS_ERR_QUERY_CANCELED;
    if (cx->ar->over || (cx->keep_ar != NULL && cx->keep_ar->over)) {
        sql_err(cx->err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        sql_err_detail(cx->err, "The query needed more than work_mem (%llu bytes).",
                       (unsigned long long)(cx->ar->over ? cx->ar : cx->keep_ar)->limit);
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    return 0;
}

int32_t key_from_exprs(exec_ctx_t *cx, table_t *t, uint32_t n, expr_t **ex, const uint32_t *cols,
                       const uint8_t *desc, sbuf_t *key, int *none)
{
    *none = 0;
    for (uint32_t k = 0; k < n; k++) {
        val_t v;
        int32_t rc = eval(cx, ex[k], &v);
        if (rc != 0) return rc;
        if (v.null) {
            *none = 1;
            return 0;
        }
        column_t *c = &t->cols[cols[k]];
        if (v.t != c->type) {
            helios_err_t tmp = HELIOS_ERR_INIT;
            if (val_cast(cx->ar, &v, c->type, -1, &v, 0, &tmp) != 0) {
                *none = 1;
                return 0;
            }
        }
        key_encode(key, &v, desc != NULL ? desc[k] : 0);
    }
    return 0;
}

static int32_t emit_row(exec_ctx_t *cx, plan_t *p, const uint8_t *k, uint32_t kl,
                        const uint8_t *v, uint32_t vl, rowset_t *out, int copy)
{
    table_t *t = p->tab;
    val_t *row = row_new(cx->ar, p->width);
    const uint8_t *rb = v;
    if (copy) {
        uint8_t *c = ar_alloc(cx->ar, vl);
        memcpy(c, v, vl);
        rb = c;
    }
    int32_t rc = row_decode(cx->ar, t, rb, vl, row, p->base, cx->err);
    if (rc != 0) return rc;
    if (p->all) {
        val_t *kv = &row[p->base + t->n_cols];
        uint8_t *kc = ar_alloc(cx->ar, kl);
        memcpy(kc, k, kl);
        kv->null = 0;
        kv->t = HELIOS_OID_BYTEA;
        kv->s = (const char *)kc;
        kv->len = kl;
    }
    if (p->filter != NULL) {
        cx->rows[p->depth] = row;
        int ok;
        if ((rc = eval_bool(cx, p->filter, &ok)) != 0) return rc;
        if (!ok) return 0;
    }
    if (cx->lock_mode != 0 && t->kind == REL_TABLE && t->tree != 0) {
        /* SELECT ... FOR UPDATE/SHARE: lock, then as UPDATE does (exec_dml.c): 40001 on a
           newer version under REPEATABLE READ, its newest version re-checked under READ
           COMMITTED; SKIP LOCKED leaves the row out */
        rc = stx_lock(cx, t, t->tree, k, kl, cx->lock_mode, cx->lock_wait);
        if (rc == HELIOS_AGAIN) return 0;
        if (rc != 0) return rc;
        helios_buf_t nb = {0};
        uint32_t found = 0;
        int changed = 0;
        rc = stx_row_changed(cx, t, k, kl, &nb, &found, &changed);
        if (rc == 0 && changed) {
            if (cx->s->txn.iso > 0) {
                rc = sql_err(cx->err, HELIOS_ERR_SERIALIZATION_FAILURE,
                             "could not serialize access due to concurrent update");
            } else if (!found) {
                rc = HELIOS_AGAIN;
            } else {
                uint8_t *c = ar_alloc(cx->ar, nb.len ? nb.len : 1);
                memcpy(c, nb.data, nb.len);
                rc = row_decode(cx->ar, t, c, (uint32_t)nb.len, row, p->base, cx->err);
                if (rc == 0 && p->filter != NULL) {
                    cx->rows[p->depth] = row;
                    int ok;
                    rc = eval_bool(cx, p->filter, &ok);
                    if (rc == 0 && !ok) rc = HELIOS_AGAIN;
                }
            }
        }
        helios_buf_free(&nb);
        if (rc == HELIOS_AGAIN) return 0;
        if (rc != 0) return rc;
    }
    return rs_emit(cx, out, row);
}

static int32_t exec_scan(exec_ctx_t *cx, plan_t *p, rowset_t *out)
{
    table_t *t = p->tab;
    int32_t rc = 0;
    if (t->kind == REL_SYSTEM) return sys_scan(cx, p, out);
    sbuf_t key = {0};
    helios_buf_t val = {0};
    st_iter_t *it = NULL;
    if (p->pk_eq != NULL) {
        int none;
        if ((rc = key_from_exprs(cx, t, t->n_pk, p->pk_eq, t->pk, NULL, &key, &none)) != 0) goto failed;
        if (none) goto failed;
        uint32_t found = 0;
        helios_buf_t *gb = &cx->s->getbuf;
        if ((rc = st_get(cx, t->tree, key.d, (uint32_t)key.len, gb, &found, cx->err)) != 0) goto failed;
        if (found) rc = emit_row(cx, p, (const uint8_t *)key.d, (uint32_t)key.len, gb->data,
                                 (uint32_t)gb->len, out, 1);
        goto failed;
    }
    if (p->use_idx != NULL) {
        index_def_t *ix = p->use_idx;
        int none;
        if ((rc = key_from_exprs(cx, t, p->n_idx_eq, p->idx_eq, ix->cols, ix->desc, &key, &none)) != 0)
            goto failed;
        if (none) goto failed;
        if ((rc = st_iter_open(cx, ix->tree, key.d, (uint32_t)key.len, &it, cx->err)) != 0) goto failed;
        const uint8_t *k, *v;
        uint32_t kl, vl;
        while (st_iter_next(it, &k, &kl, &v, &vl)) {
            if (kl < key.len || memcmp(k, key.d, key.len) != 0) break;
            uint32_t found = 0;
            uint8_t *pk = ar_alloc(cx->ar, vl);
            memcpy(pk, v, vl);
            if ((rc = st_get(cx, t->tree, pk, vl, &val, &found, cx->err)) != 0) goto failed;
            if (found && (rc = emit_row(cx, p, pk, vl, val.data, (uint32_t)val.len, out, 1)) != 0)
                goto failed;
        }
        rc = st_iter_close(it, cx->err);
        it = NULL;
        goto failed;
    }
    sbuf_t hi = {0};
    int have_hi = 0;
    if (p->n_lo > 0) {
        int none;
        if ((rc = key_from_exprs(cx, t, 1, p->lo, t->pk, NULL, &key, &none)) != 0) goto failed;
        if (none) goto failed;
        if (!p->lo_incl) sb_putc(&key, (char)0xFF); /* past every key with this prefix */
    }
    if (p->n_hi > 0) {
        int none;
        if ((rc = key_from_exprs(cx, t, 1, p->hi, t->pk, NULL, &hi, &none)) != 0) {
            sb_free(&hi);
            goto failed;
        }
        if (none) {
            sb_free(&hi);
            goto failed;
        }
        if (p->hi_incl) sb_putc(&hi, (char)0xFF);
        have_hi = 1;
    }
    if ((rc = st_iter_open(cx, t->tree, key.d, (uint32_t)key.len, &it, cx->err)) != 0) {
        sb_free(&hi);
        goto failed;
    }
    const uint8_t *k, *v;
    uint32_t kl, vl;
    uint64_t n = 0;
    while (st_iter_next(it, &k, &kl, &v, &vl)) {
        if (have_hi) {
            uint32_t m = kl < hi.len ? kl : (uint32_t)hi.len;
            int c = memcmp(k, hi.d, m);
            if (c > 0 || (c == 0 && kl >= hi.len)) break;
        }
        if ((rc = emit_row(cx, p, k, kl, v, vl, out, 1)) != 0) break;
        if ((++n & 1023) == 0 && (rc = exec_check_cancel(cx)) != 0) break;
    }
    sb_free(&hi);
    {
        int32_t rc2 = st_iter_close(it, cx->err);
        it = NULL;
        if (rc == 0) rc = rc2;
    }
    if (rc == 0 && p->n_lo == 0 && p->n_hi == 0 && p->filter == NULL) t->est_rows = n;
failed:
    if (it != NULL) st_iter_close(it, NULL);
    sb_free(&key);
    helios_buf_free(&val);
    return rc;
}

/* ---- hash table over row sets ---- */
typedef struct htab {
    uint32_t cap;
    int64_t *head; /* bucket -> first index, -1 */
    int64_t *next;
    uint64_t *hash;
} htab_t;

static void ht_init(arena_t *a, htab_t *h, size_t n)
{
    uint32_t cap = 16;
    while (cap < n * 2) cap *= 2;
    h->cap = cap;
    h->head = ar_alloc(a, sizeof(int64_t) * cap);
    for (uint32_t i = 0; i < cap; i++) h->head[i] = -1;
    h->next = ar_alloc(a, sizeof(int64_t) * (n + 1));
    h->hash = ar_alloc(a, sizeof(uint64_t) * (n + 1));
}

static int32_t eval_keys(exec_ctx_t *cx, expr_t **ks, uint32_t n, val_t *out, uint64_t *h,
                         int *has_null)
{
    uint64_t x = 0x12345;
    *has_null = 0;
    for (uint32_t i = 0; i < n; i++) {
        int32_t rc = eval(cx, ks[i], &out[i]);
        if (rc != 0) return rc;
        if (out[i].null) *has_null = 1;
        x = x * 31 + val_hash(&out[i]);
    }
    *h = x;
    return 0;
}

static int32_t exec_join(exec_ctx_t *cx, plan_t *p, rowset_t *out)
{
    rowset_t l = {0}, r = {0};
    int32_t rc;
    if ((rc = exec_plan(cx, p->l, &l)) != 0) return rc;
    if (l.n == 0 && (p->jtype == 1 || p->jtype == 2)) return 0;
    if ((rc = exec_plan(cx, p->r, &r)) != 0) return rc;
    uint32_t d = p->depth, w = p->width;
    uint8_t *rmatched = p->jtype == 3 ? ar_zalloc(cx->ar, r.n + 1) : NULL;
    htab_t ht = {0};
    val_t **rkeys = NULL;
    uint32_t nk = p->n_keys;
    if (nk > 0) {
        ht_init(cx->ar, &ht, r.n);
        rkeys = ar_alloc(cx->ar, sizeof(val_t *) * (r.n + 1));
        for (size_t i = 0; i < r.n; i++) {
            cx->rows[d] = r.rows[i];
            rkeys[i] = ar_alloc(cx->ar, sizeof(val_t) * nk);
            int hn;
            if ((rc = eval_keys(cx, p->rkeys, nk, rkeys[i], &ht.hash[i], &hn)) != 0) return rc;
            if (hn) {
                ht.next[i] = -2; /* never matches */
                continue;
            }
            uint32_t b = (uint32_t)ht.hash[i] & (ht.cap - 1);
            ht.next[i] = ht.head[b];
            ht.head[b] = (int64_t)i;
        }
    }
    val_t *lk = nk ? ar_alloc(cx->ar, sizeof(val_t) * nk) : NULL;
    val_t *scratch = ar_alloc(cx->ar, sizeof(val_t) * (w ? w : 1));
    for (size_t li = 0; li < l.n; li++) {
        val_t *lrow = l.rows[li];
        int matched = 0;
        int64_t cand;
        uint64_t h = 0;
        if (nk > 0) {
            int hn;
            cx->rows[d] = lrow;
            if ((rc = eval_keys(cx, p->lkeys, nk, lk, &h, &hn)) != 0) return rc;
            cand = hn ? -1 : ht.head[(uint32_t)h & (ht.cap - 1)];
        } else {
            cand = r.n > 0 ? 0 : -1;
        }
        while (cand >= 0) {
            size_t ri = (size_t)cand;
            int ok = 1;
            if (nk > 0) {
                if (ht.hash[ri] != h) ok = 0;
                for (uint32_t k = 0; ok && k < nk; k++) {
                    if (val_cmp(&lk[k], &rkeys[ri][k]) != 0) ok = 0;
                }
                cand = ht.next[ri];
            } else {
                cand = ri + 1 < r.n ? (int64_t)(ri + 1) : -1;
            }
            if (!ok) continue;
            /* build the joined row in a scratch buffer; only rows that pass are kept */
            val_t *row = scratch;
            memcpy(row, lrow, sizeof(val_t) * w);
            for (uint32_t s = 0; s < p->n_rslots; s++) row[p->rslots[s]] = r.rows[ri][p->rslots[s]];
            if (p->filter != NULL) {
                cx->rows[d] = row;
                int pass;
                if ((rc = eval_bool(cx, p->filter, &pass)) != 0) return rc;
                if (!pass) continue;
            }
            row = ar_alloc(cx->ar, sizeof(val_t) * w);
            memcpy(row, scratch, sizeof(val_t) * w);
            matched = 1;
            if (rmatched) rmatched[ri] = 1;
            rs_add(cx->ar, out, row);
        }
        if (!matched && (p->jtype == 2 || p->jtype == 3)) {
            val_t *row = ar_alloc(cx->ar, sizeof(val_t) * w);
            memcpy(row, lrow, sizeof(val_t) * w);
            for (uint32_t s = 0; s < p->n_rslots; s++) {
                memset(&row[p->rslots[s]], 0, sizeof(val_t));
                row[p->rslots[s]].null = 1;
            }
            rs_add(cx->ar, out, row);
        }
        if ((li & 255) == 0 && (rc = exec_check_cancel(cx)) != 0) return rc;
    }
    if (p->jtype == 3) {
        for (size_t ri = 0; ri < r.n; ri++) {
            if (rmatched[ri]) continue;
            val_t *row = ar_alloc(cx->ar, sizeof(val_t) * w);
            memcpy(row, r.rows[ri], sizeof(val_t) * w);
            for (uint32_t s = 0; s < p->n_lslots; s++) {
                memset(&row[p->lslots[s]], 0, sizeof(val_t));
                row[p->lslots[s]].null = 1;
            }
            rs_add(cx->ar, out, row);
        }
    }
    return 0;
}

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

static int32_t exec_agg(exec_ctx_t *cx, plan_t *p, rowset_t *out)
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

/* ---- sort ---- */
typedef struct sortctx {
    sort_key_t *keys;
    uint32_t n;
} sortctx_t;

static __thread sortctx_t *g_sort;

static int row_cmp(const void *a, const void *b)
{
    const val_t *x = *(val_t *const *)a, *y = *(val_t *const *)b;
    for (uint32_t i = 0; i < g_sort->n; i++) {
        sort_key_t *k = &g_sort->keys[i];
        const val_t *u = &x[k->idx], *v = &y[k->idx];
        int c;
        if (u->null || v->null) {
            if (u->null && v->null) continue;
            c = u->null ? 1 : -1;
            if (k->nulls_first) c = -c;
            return c;
        }
        c = val_cmp(u, v);
        if (c != 0) return k->desc ? -c : c;
    }
    return 0;
}

static void stable_sort(val_t **rows, size_t n, arena_t *a)
{
    /* merge sort keeps equal rows in input order */
    if (n < 2) return;
    val_t **tmp = ar_alloc(a, sizeof(val_t *) * n);
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t i = 0; i < n; i += 2 * w) {
            size_t m = i + w < n ? i + w : n, e = i + 2 * w < n ? i + 2 * w : n;
            size_t l = i, r = m, k = i;
            while (l < m && r < e) tmp[k++] = row_cmp(&rows[r], &rows[l]) < 0 ? rows[r++] : rows[l++];
            while (l < m) tmp[k++] = rows[l++];
            while (r < e) tmp[k++] = rows[r++];
        }
        memcpy(rows, tmp, sizeof(val_t *) * n);
    }
}

void exec_sort_rows(val_t **rows, size_t n, sort_key_t *keys, uint32_t n_keys, arena_t *a)
{
    sortctx_t sc = {keys, n_keys};
    sortctx_t *saved = g_sort;
    g_sort = &sc;
    stable_sort(rows, n, a);
    g_sort = saved;
}

int exec_row_cmp(const val_t *x, const val_t *y, sort_key_t *keys, uint32_t n_keys)
{
    sortctx_t sc = {keys, n_keys};
    sortctx_t *saved = g_sort;
    g_sort = &sc;
    int c = row_cmp(&x, &y);
    g_sort = saved;
    return c;
}

static int row_eq_n(const val_t *x, const val_t *y, uint32_t from, uint32_t n)
{
    for (uint32_t i = from; i < from + n; i++) {
        if (x[i].null != y[i].null) return 0;
        if (!x[i].null && val_cmp(&x[i], &y[i]) != 0) return 0;
    }
    return 1;
}

static uint64_t row_hash_n(const val_t *x, uint32_t n)
{
    uint64_t h = 7;
    for (uint32_t i = 0; i < n; i++) h = h * 31 + val_hash(&x[i]);
    return h;
}

/* distinct / set operations via a hash over whole rows */
typedef struct rowhash {
    uint32_t cap;
    int64_t *head, *next;
    uint64_t *h;
    val_t **rows;
    int64_t *count;
    size_t n, cap_rows;
} rowhash_t;

static void rh_init(arena_t *a, rowhash_t *rh, size_t n)
{
    memset(rh, 0, sizeof *rh);
    uint32_t cap = 16;
    while (cap < n * 2 + 2) cap *= 2;
    rh->cap = cap;
    rh->head = ar_alloc(a, sizeof(int64_t) * cap);
    for (uint32_t i = 0; i < cap; i++) rh->head[i] = -1;
    rh->cap_rows = n + 1;
    rh->next = ar_alloc(a, sizeof(int64_t) * rh->cap_rows);
    rh->h = ar_alloc(a, sizeof(uint64_t) * rh->cap_rows);
    rh->rows = ar_alloc(a, sizeof(val_t *) * rh->cap_rows);
    rh->count = ar_zalloc(a, sizeof(int64_t) * rh->cap_rows);
}

/* find or add; returns index; *added set when new */
static int64_t rh_find(rowhash_t *rh, val_t *row, uint32_t w, int add, int *added)
{
    uint64_t h = row_hash_n(row, w);
    for (int64_t i = rh->head[h & (rh->cap - 1)]; i >= 0; i = rh->next[i]) {
        if (rh->h[i] == h && row_eq_n(rh->rows[i], row, 0, w)) {
            *added = 0;
            return i;
        }
    }
    *added = 0;
    if (!add || rh->n >= rh->cap_rows) return -1;
    int64_t i = (int64_t)rh->n++;
    rh->rows[i] = row;
    rh->h[i] = h;
    rh->next[i] = rh->head[h & (rh->cap - 1)];
    rh->head[h & (rh->cap - 1)] = i;
    *added = 1;
    return i;
}

static int32_t exec_setop(exec_ctx_t *cx, plan_t *p, rowset_t *out)
{
    rowset_t l = {0}, r = {0};
    int32_t rc;
    if ((rc = exec_plan(cx, p->l, &l)) != 0) return rc;
    if ((rc = exec_plan(cx, p->r, &r)) != 0) return rc;
    uint32_t w = p->width;
    int added;
    if (p->jtype == PG_QUERY__SET_OPERATION__SETOP_UNION) {
        if (p->all) {
            for (size_t i = 0; i < l.n; i++) rs_add(cx->ar, out, l.rows[i]);
            for (size_t i = 0; i < r.n; i++) rs_add(cx->ar, out, r.rows[i]);
            return 0;
        }
        rowhash_t rh;
        rh_init(cx->ar, &rh, l.n + r.n);
        for (size_t i = 0; i < l.n; i++) {
            rh_find(&rh, l.rows[i], w, 1, &added);
            if (added) rs_add(cx->ar, out, l.rows[i]);
        }
        for (size_t i = 0; i < r.n; i++) {
            rh_find(&rh, r.rows[i], w, 1, &added);
            if (added) rs_add(cx->ar, out, r.rows[i]);
        }
        return 0;
    }
    rowhash_t rh;
    rh_init(cx->ar, &rh, r.n);
    for (size_t i = 0; i < r.n; i++) {
        int64_t k = rh_find(&rh, r.rows[i], w, 1, &added);
        rh.count[k]++;
    }
    rowhash_t seen;
    rh_init(cx->ar, &seen, l.n);
    int inter = p->jtype == PG_QUERY__SET_OPERATION__SETOP_INTERSECT;
    for (size_t i = 0; i < l.n; i++) {
        int a2;
        int64_t k = rh_find(&rh, l.rows[i], w, 0, &a2);
        if (p->all) {
            if (inter) {
                if (k >= 0 && rh.count[k] > 0) {
                    rh.count[k]--;
                    rs_add(cx->ar, out, l.rows[i]);
                }
            } else {
                if (k >= 0 && rh.count[k] > 0) rh.count[k]--;
                else rs_add(cx->ar, out, l.rows[i]);
            }
            continue;
        }
        if ((inter && k >= 0) || (!inter && k < 0)) {
            rh_find(&seen, l.rows[i], w, 1, &added);
            if (added) rs_add(cx->ar, out, l.rows[i]);
        }
    }
    return 0;
}

int32_t exec_subq(exec_ctx_t *cx, expr_t *e, rowset_t **out)
{
    if (!e->correlated && cx->subq_cache != NULL && e->subq_id < cx->n_subq &&
        cx->subq_cache[e->subq_id] != NULL) {
        *out = cx->subq_cache[e->subq_id];
        return 0;
    }
    /* streaming into a spilling sort: a cached result lives in the statement arena */
    arena_t *saved_ar = cx->ar, *saved_keep = cx->keep_ar;
    if (!e->correlated && cx->keep_ar != NULL) {
        cx->ar = cx->keep_ar;
        cx->keep_ar = NULL;
    }
    rowset_t *rs = ar_zalloc(cx->ar, sizeof *rs);
    int32_t rc = exec_plan(cx, e->sub, rs);
    cx->ar = saved_ar;
    cx->keep_ar = saved_keep;
    if (rc != 0) return rc;
    if (!e->correlated && cx->subq_cache != NULL && e->subq_id < cx->n_subq) {
        cx->subq_cache[e->subq_id] = rs;
    }
    *out = rs;
    return 0;
}

static int32_t exec_plan_inner(exec_ctx_t *cx, plan_t *p, rowset_t *out);

int32_t exec_plan(exec_ctx_t *cx, plan_t *p, rowset_t *out)
{
    static int trace = -1;
    if (trace < 0) trace = getenv("HELIOS_SQL_TRACE") != NULL;
    int32_t rc = exec_plan_inner(cx, p, out);
    if (trace) {
        fprintf(stderr, "plan %p kind %d width %u keys %u -> %zu rows (arena %zu)\n", (void *)p,
                p->kind, p->width, p->n_keys, out->n, cx->ar->total);
    }
    return rc;
}

static int32_t exec_plan_inner(exec_ctx_t *cx, plan_t *p, rowset_t *out)
{
    int32_t rc;
    out->width = p->width;
    if ((rc = exec_vec_plan(cx, p, out)) != 1) return rc; /* column batches (exec_vec.c) */
    if (p->kind == P_JOIN && p->nl) return exec_nl_join(cx, p, out); /* exec_nl.c */
    switch (p->kind) {
    case P_SCAN:
        return exec_scan(cx, p, out);
    case P_RESULT: {
        val_t *row = row_new(cx->ar, p->width);
        if (p->filter != NULL) {
            cx->rows[p->depth] = row;
            int ok;
            if ((rc = eval_bool(cx, p->filter, &ok)) != 0) return rc;
            if (!ok) return 0;
        }
        rs_add(cx->ar, out, row);
        return 0;
    }
    case P_VALUES:
        for (uint32_t r = 0; r < p->n_rows; r++) {
            val_t *row = row_new(cx->ar, p->width);
            cx->rows[p->depth] = row;
            for (uint32_t c = 0; c < p->width; c++) {
                expr_t *e = p->rows[r][c];
                if (e->kind == E_ROWID) {
                    row[c].null = 1;
                    row[c].t = 0xFFFFFFFFu; /* DEFAULT marker for INSERT */
                    continue;
                }
                if ((rc = eval(cx, e, &row[c])) != 0) return rc;
            }
            rs_add(cx->ar, out, row);
        }
        return 0;
    case P_FILTER: {
        rowset_t in = {0};
        if ((rc = exec_plan(cx, p->l, &in)) != 0) return rc;
        for (size_t i = 0; i < in.n; i++) {
            cx->rows[p->depth] = in.rows[i];
            int ok;
            if ((rc = eval_bool(cx, p->filter, &ok)) != 0) return rc;
            if (ok) rs_add(cx->ar, out, in.rows[i]);
        }
        return 0;
    }
    case P_JOIN:
        return exec_join(cx, p, out);
    case P_AGG:
        return exec_agg(cx, p, out);
    case P_PROJECT: {
        rowset_t in = {0};
        if ((rc = exec_plan(cx, p->l, &in)) != 0) return rc;
        for (size_t i = 0; i < in.n; i++) {
            cx->rows[p->depth] = in.rows[i];
            val_t *row = ar_alloc(cx->ar, sizeof(val_t) * (p->width ? p->width : 1));
            for (uint32_t c = 0; c < p->n_exprs; c++) {
                if ((rc = eval(cx, p->exprs[c], &row[c])) != 0) return rc;
            }
            rs_add(cx->ar, out, row);
            if ((i & 1023) == 1023 && (rc = exec_check_cancel(cx)) != 0) return rc;
        }
        return 0;
    }
    case P_SUBQ: {
        rowset_t in = {0};
        if ((rc = exec_plan(cx, p->l, &in)) != 0) return rc;
        for (size_t i = 0; i < in.n; i++) {
            val_t *row = row_new(cx->ar, p->width);
            memcpy(row + p->base, in.rows[i], sizeof(val_t) * in.width);
            if (p->filter != NULL) {
                cx->rows[p->depth] = row;
                int ok;
                if ((rc = eval_bool(cx, p->filter, &ok)) != 0) return rc;
                if (!ok) continue;
            }
            rs_add(cx->ar, out, row);
        }
        return 0;
    }
    case P_DISTINCT: {
        rowset_t in = {0};
        if ((rc = exec_plan(cx, p->l, &in)) != 0) return rc;
        if (p->distinct_on != NULL) {
            /* input sorted by the DISTINCT ON keys: keep the first of each run */
            uint32_t from = p->n_distinct_on;
            for (size_t i = 0; i < in.n; i++) {
                if (i == 0 || !row_eq_n(in.rows[i], in.rows[i - 1], from, p->n_distinct)) {
                    rs_add(cx->ar, out, in.rows[i]);
                }
            }
            return 0;
        }
        rowhash_t rh;
        rh_init(cx->ar, &rh, in.n);
        for (size_t i = 0; i < in.n; i++) {
            int added;
            rh_find(&rh, in.rows[i], p->n_distinct, 1, &added);
            if (added) rs_add(cx->ar, out, in.rows[i]);
        }
        return 0;
    }
    case P_SORT: {
        if ((rc = exec_sort_spill(cx, p, out)) != 1) return rc;
        if ((rc = exec_plan(cx, p->l, out)) != 0) return rc;
        out->width = p->width;
        sortctx_t sc = {p->keys, p->n_sort};
        sortctx_t *saved = g_sort;
        g_sort = &sc;
        stable_sort(out->rows, out->n, cx->ar);
        g_sort = saved;
        return exec_check_cancel(cx);
    }
    case P_LIMIT: {
        rowset_t in = {0};
        int64_t lim = INT64_MAX, off = 0;
        val_t v;
        if (p->limit != NULL) {
            if ((rc = eval(cx, p->limit, &v)) != 0) return rc;
            if (!v.null) {
                if (v.i < 0) return sql_err(cx->err, HELIOS_ERR_INVALID_ROW_COUNT_IN_LIMIT_CLAUSE, "LIMIT must not be negative");
                lim = v.i;
            }
        }
        if (p->offset != NULL) {
            if ((rc = eval(cx, p->offset, &v)) != 0) return rc;
            if (!v.null) {
                if (v.i < 0) return sql_err(cx->err, HELIOS_ERR_INVALID_ROW_COUNT_IN_RESULT_OFFSET_CLAUSE, "OFFSET must not be negative");
                off = v.i;
            }
        }
        if ((rc = exec_plan(cx, p->l, &in)) != 0) return rc;
        for (size_t i = 0; i < in.n; i++) {
            if ((int64_t)i < off) continue;
            if ((int64_t)i - off >= lim) break;
            rs_add(cx->ar, out, in.rows[i]);
        }
        return 0;
    }
    case P_SETOP:
        return exec_setop(cx, p, out);
    case P_SRF: {
        val_t a[3];
        for (uint32_t i = 0; i < p->n_exprs; i++) {
            if ((rc = eval(cx, p->exprs[i], &a[i])) != 0) return rc;
            if (a[i].null) return 0;
        }
        int64_t step = p->n_exprs > 2 ? a[2].i : 1;
        if (step == 0) {
            return sql_err(cx->err, HELIOS_ERR_INVALID_PARAMETER_VALUE, "step size cannot equal zero");
        }
        uint64_t n = 0;
        for (int64_t v = a[0].i; step > 0 ? v <= a[1].i : v >= a[1].i; v += step) {
            val_t *row = row_new(cx->ar, p->width);
            row[p->base].null = 0;
            row[p->base].t = p->exprs[0]->type;
            row[p->base].i = v;
            if (p->filter != NULL) {
                cx->rows[p->depth] = row;
                int ok;
                if ((rc = eval_bool(cx, p->filter, &ok)) != 0) return rc;
                if (!ok) continue;
            }
            if ((rc = rs_emit(cx, out, row)) != 0) return rc;
            if ((++n & 1023) == 0 && (rc = exec_check_cancel(cx)) != 0) return rc;
            if ((step > 0 && v > INT64_MAX - step) || (step < 0 && v < INT64_MIN - step)) break;
        }
        return 0;
    }
    case P_WINDOW: return exec_window(cx, p, out);       /* exec_window.c */
    case P_RECURSIVE: return exec_recursive(cx, p, out); /* exec_recursive.c */
    case P_WORKTABLE: return exec_worktable(cx, p, out);
    case P_LATERAL: return exec_lateral(cx, p, out);
    case P_UNNEST: return exec_unnest(cx, p, out);
    case P_TRIM:
        if ((rc = exec_plan(cx, p->l, out)) != 0) return rc;
        out->width = p->width;
        return 0;
    default:
        return sql_err(cx->err, HELIOS_ERR_INTERNAL_ERROR, "unknown plan node %d", p->kind);
    }
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
