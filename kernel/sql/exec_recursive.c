/* kernel/sql/exec_recursive.c -- WITH RECURSIVE (P_RECURSIVE, P_WORKTABLE), LATERAL joins
 * (P_LATERAL) and unnest(array) in FROM (P_UNNEST), which LATERAL joins mostly run.
 *
 * P_RECURSIVE runs PostgreSQL's working-table algorithm: the non-recursive term's rows are
 * the result and the first working table; the recursive term then runs against the working
 * table, its rows (with UNION: only those never produced before, so a cycle ends) are added to
 * the result and become the next working table, until one is empty. Every row stays in the
 * statement arena, whose limit is work_mem: a recursion that does not end fails with 53200
 * (or 57014 at statement_timeout), checked after every iteration -- unless a constant LIMIT
 * reads it directly (recursive_limit_hint): it stops once that many rows are produced. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "sql/sqlint.h"

/* the rows produced so far (UNION): open addressing over row hashes */
typedef struct rowset_hash {
    val_t **slots;
    uint64_t *hashes;
    size_t cap, n;
    uint32_t w;
} rowset_hash_t;

static uint64_t row_hash(const val_t *r, uint32_t w)
{
    uint64_t h = 0x51ed27;
    for (uint32_t i = 0; i < w; i++) h = h * 31 + val_hash(&r[i]);
    return h;
}

static int row_same(const val_t *x, const val_t *y, uint32_t w)
{
    for (uint32_t i = 0; i < w; i++) {
        if (x[i].null != y[i].null) return 0;
        if (!x[i].null && val_cmp(&x[i], &y[i]) != 0) return 0;
    }
    return 1;
}

static void rh_grow(arena_t *a, rowset_hash_t *h)
{
    size_t nc = h->cap ? h->cap * 2 : 64;
    val_t **ns = ar_zalloc(a, sizeof(val_t *) * nc);
    uint64_t *nh = ar_alloc(a, sizeof(uint64_t) * nc);
    for (size_t i = 0; i < h->cap; i++) {
        if (h->slots[i] == NULL) continue;
        size_t b = h->hashes[i] & (nc - 1);
        while (ns[b] != NULL) b = (b + 1) & (nc - 1);
        ns[b] = h->slots[i];
        nh[b] = h->hashes[i];
    }
    h->slots = ns;
    h->hashes = nh;
    h->cap = nc;
}

static int rh_seen(const rowset_hash_t *h, const val_t *r)
{
    if (h->cap == 0) return 0;
    uint64_t hv = row_hash(r, h->w);
    size_t b = hv & (h->cap - 1);
    while (h->slots[b] != NULL) {
        if (h->hashes[b] == hv && row_same(h->slots[b], r, h->w)) return 1;
        b = (b + 1) & (h->cap - 1);
    }
    return 0;
}

/* 1 when r was not there (it is added), 0 when it was */
static int rh_add(arena_t *a, rowset_hash_t *h, val_t *r)
{
    if (h->n * 2 >= h->cap) rh_grow(a, h);
    uint64_t hv = row_hash(r, h->w);
    size_t b = hv & (h->cap - 1);
    while (h->slots[b] != NULL) {
        if (h->hashes[b] == hv && row_same(h->slots[b], r, h->w)) return 0;
        b = (b + 1) & (h->cap - 1);
    }
    h->slots[b] = r;
    h->hashes[b] = hv;
    h->n++;
    return 1;
}

int32_t exec_recursive(exec_ctx_t *cx, plan_t *p, rowset_t *out)
{
    rowset_t first = {0};
    int32_t rc = exec_plan(cx, p->l, &first);
    if (rc != 0) return rc;
    out->width = p->width;
    rowset_hash_t seen = {.w = p->width};
    rowset_t *work = ar_zalloc(cx->ar, sizeof *work);
    work->width = p->width;
    uint64_t max = p->wt_max_rows ? p->wt_max_rows : UINT64_MAX;
    for (size_t i = 0; i < first.n && out->n < max; i++) {
        if (!p->all && !rh_add(cx->ar, &seen, first.rows[i])) continue;
        rs_add(cx->ar, out, first.rows[i]);
        rs_add(cx->ar, work, first.rows[i]);
    }
    rowset_t *saved = p->wt_rows;
    /* each iteration runs in a scratch arena (its hash tables, scans and intermediate rows
       are garbage once it is done); the rows it adds are copied out. Uncorrelated subquery
       results go to the statement arena (keep_ar, as when streaming: see exec_subq). */
    arena_t scratch = {0}, *main_ar = cx->ar, *saved_keep = cx->keep_ar;
    scratch.limit = main_ar->limit;
    while (work->n > 0 && out->n < max) {
        if ((rc = exec_check_cancel(cx)) != 0) break;
        rowset_t next = {0};
        p->wt_rows = work;
        cx->ar = &scratch;
        cx->keep_ar = saved_keep != NULL ? saved_keep : main_ar;
        rc = exec_plan(cx, p->r, &next);
        if (rc == 0) rc = exec_check_cancel(cx);
        cx->ar = main_ar;
        cx->keep_ar = saved_keep;
        if (rc != 0) break;
        work = ar_zalloc(cx->ar, sizeof *work);
        work->width = p->width;
        for (size_t i = 0; i < next.n && out->n < max; i++) {
            if (!p->all && rh_seen(&seen, next.rows[i])) continue;
            val_t *row = row_deep_copy(cx->ar, next.rows[i], p->width);
            if (!p->all) rh_add(cx->ar, &seen, row);
            rs_add(cx->ar, out, row);
            rs_add(cx->ar, work, row);
        }
        ar_reset(&scratch);
    }
    cx->ar = main_ar;
    cx->keep_ar = saved_keep;
    ar_free(&scratch);
    p->wt_rows = saved;
    if (rc == 0) rc = exec_check_cancel(cx);
    return rc;
}

int32_t exec_worktable(exec_ctx_t *cx, plan_t *p, rowset_t *out)
{
    rowset_t *w = p->wt_src != NULL ? p->wt_src->wt_rows : NULL;
    out->width = p->width;
    if (w == NULL) return 0;
    for (size_t i = 0; i < w->n; i++) rs_add(cx->ar, out, w->rows[i]);
    return 0;
}

/* a nested loop: r runs again for every row of l, which its expressions read (as a correlated
   subquery reads its outer row) through cx->rows[depth] */
int32_t exec_lateral(exec_ctx_t *cx, plan_t *p, rowset_t *out)
{
    rowset_t l = {0};
    int32_t rc = exec_plan(cx, p->l, &l);
    if (rc != 0) return rc;
    uint32_t d = p->depth, w = p->width;
    out->width = w;
    /* each run of r in a scratch arena (see exec_recursive); the rows kept are copied out */
    arena_t scratch = {0}, *main_ar = cx->ar, *saved_keep = cx->keep_ar;
    scratch.limit = main_ar->limit;
    for (size_t li = 0; li < l.n; li++) {
        val_t *lrow = l.rows[li];
        rowset_t r = {0};
        cx->rows[d] = lrow;
        ar_reset(&scratch);
        cx->ar = &scratch;
        cx->keep_ar = saved_keep != NULL ? saved_keep : main_ar;
        rc = exec_plan(cx, p->r, &r);
        if (rc == 0) rc = exec_check_cancel(cx);
        cx->ar = main_ar;
        cx->keep_ar = saved_keep;
        if (rc != 0) goto failed;
        int matched = 0;
        for (size_t ri = 0; ri < r.n; ri++) {
            val_t *row = ar_alloc(&scratch, sizeof(val_t) * (w ? w : 1));
            memcpy(row, lrow, sizeof(val_t) * w);
            for (uint32_t s = 0; s < p->n_rslots; s++) row[p->rslots[s]] = r.rows[ri][p->rslots[s]];
            cx->rows[d] = row;
            cx->ar = &scratch; /* what the conditions allocate */
            int pass = 1;
            for (uint32_t k = 0; k < p->n_keys && pass; k++) {
                val_t a, b;
                if ((rc = eval(cx, p->lkeys[k], &a)) != 0) goto failed;
                if ((rc = eval(cx, p->rkeys[k], &b)) != 0) goto failed;
                pass = !a.null && !b.null && val_cmp(&a, &b) == 0;
            }
            if (pass && p->filter != NULL && (rc = eval_bool(cx, p->filter, &pass)) != 0) {
                goto failed;
            }
            cx->ar = main_ar;
            if (!pass) continue;
            matched = 1;
            /* the right side's values live in the scratch arena: copied out */
            val_t *kept = ar_alloc(cx->ar, sizeof(val_t) * (w ? w : 1));
            memcpy(kept, row, sizeof(val_t) * w);
            for (uint32_t s = 0; s < p->n_rslots; s++) {
                kept[p->rslots[s]] = *row_deep_copy(cx->ar, &row[p->rslots[s]], 1);
            }
            rs_add(cx->ar, out, kept);
        }
        if (!matched && p->jtype == 2) {
            val_t *row = ar_alloc(cx->ar, sizeof(val_t) * (w ? w : 1));
            memcpy(row, lrow, sizeof(val_t) * w);
            for (uint32_t s = 0; s < p->n_rslots; s++) {
                memset(&row[p->rslots[s]], 0, sizeof(val_t));
                row[p->rslots[s]].null = 1;
            }
            rs_add(cx->ar, out, row);
        }
        if ((li & 255) == 255 && (rc = exec_check_cancel(cx)) != 0) goto failed;
    }
failed:
    cx->ar = main_ar;
    cx->keep_ar = saved_keep;
    ar_free(&scratch);
    return rc;
}

/* unnest(array) in FROM: one row per element of the array's text form ({a,"b c",NULL}),
   each read as the element type; NULL array: no row */
int32_t exec_unnest(exec_ctx_t *cx, plan_t *p, rowset_t *out)
{
    val_t a;
    int32_t rc = eval(cx, p->exprs[0], &a);
    if (rc != 0 || a.null) return rc;
    uint32_t et = type_elem_of(p->exprs[0]->type);
    const char *s = a.s;
    uint32_t n = a.len, i = 1;
    if (n < 2 || s[0] != '{' || s[n - 1] != '}') {
        return sql_err(cx->err, HELIOS_ERR_INVALID_TEXT_REPRESENTATION, "malformed array literal");
    }
    sbuf_t el = {0};
    uint64_t k = 0;
    while (i < n - 1) {
        el.len = 0;
        sb_putn(&el, "", 0);
        int quoted = 0;
        if (s[i] == '"') {
            quoted = 1;
            for (i++; i < n - 1 && s[i] != '"'; i++) {
                if (s[i] == '\\' && i + 1 < n - 1) i++;
                sb_putc(&el, s[i]);
            }
            i++;
        } else {
            for (; i < n - 1 && s[i] != ','; i++) {
                if (s[i] == '{') {
                    sb_free(&el);
                    return sql_err(cx->err, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                                   "unnest of a multidimensional array is not supported");
                }
                sb_putc(&el, s[i]);
            }
        }
        if (i < n - 1 && s[i] == ',') i++;
        val_t *row = row_new(cx->ar, p->width);
        if (quoted || strcasecmp(el.d, "NULL") != 0) {
            if ((rc = val_from_text(cx->ar, et, -1, el.d, el.len, &row[p->base], cx->err)) != 0) {
                break;
            }
        } else {
            row[p->base].t = et;
        }
        if (p->filter != NULL) {
            cx->rows[p->depth] = row;
            int ok;
            if ((rc = eval_bool(cx, p->filter, &ok)) != 0) break;
            if (!ok) continue;
        }
        if ((rc = rs_emit(cx, out, row)) != 0) break;
        if ((++k & 1023) == 0 && (rc = exec_check_cancel(cx)) != 0) break;
    }
    sb_free(&el);
    return rc;
}
