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
