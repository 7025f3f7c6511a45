/* kernel/sql/exec_vec.c -- the vectorized executor: pipelines over column batches (vec.h).
 *
 * A pipeline is a chain of plan nodes from a source up to a consumer: the source is a table
 * scan (full or primary-key range, decoding rows from the LSM iterator straight into column
 * vectors, only the slots the nodes above read) or, under an aggregate, any other plan whose
 * materialized rows are wrapped into batches; then filters, projections, subquery wrappers and
 * LIMITs, in any order; the consumer (a batch_sink_t) is the hash aggregate (exec.c), the
 * collection of the rows handed to a row-wise parent (join, DISTINCT, set operation, the
 * statement's result) or a row sink (the spilling sort). Batches are pushed: the source
 * fills one, each node transforms it (a filter only narrows the selection vector, a
 * projection evaluates its expressions into new vectors, a subquery wrapper renames slots)
 * and the consumer takes it.
 *
 * When a kernel fails for a batch before the consumer changed state, the batch is run again
 * through the row path's evaluation, row by row: the error reported (or the success) is then
 * exactly the row path's. Point lookups by primary key or index and SELECT ... FOR UPDATE
 * stay row-wise. `SET helios.vectorize = off` makes every statement take the row path. */
#include <stdlib.h>
#include <strings.h>

#include "sql/vec.h"
#include "storage/row.h"

#define VEC_STOP (-1000) /* internal: a LIMIT has all its rows */
#define VEC_CHAIN 32

typedef struct vrun {
    plan_t *chain[VEC_CHAIN]; /* chain[0] the source ... chain[n-1] the top */
    uint32_t n;
    int rows_src;             /* chain[0] runs row-wise, its rows wrapped into batches */
    int64_t lim[VEC_CHAIN], off[VEC_CHAIN], cnt[VEC_CHAIN];
    uint32_t done;            /* a LIMIT has all its rows: stop the source */
    batch_sink_t *sink;
    arena_t life;             /* the pipeline's vectors */
    arena_t tmp;              /* one batch's data and results (cx->ar meanwhile) */
    int prune;
    uint64_t need[4];         /* slots read above the source when prune */
} vrun_t;

int exec_vec_enabled(exec_ctx_t *cx)
{
    if (cx->s == NULL) return 0;
    const char *v = sess_get_setting(cx->s, "helios.vectorize");
    if (v == NULL) return 1;
    return !(strcasecmp(v, "off") == 0 || strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0 ||
             strcasecmp(v, "no") == 0);
}

/* ---- which slots are read ---- */
static void refs_of(const expr_t *e, uint32_t d, uint64_t *need, int *all)
{
    if (e == NULL) return;
    if (e->kind == E_COL && e->depth == d) {
        if (e->idx < 256) need[e->idx >> 6] |= 1ull << (e->idx & 63);
        else *all = 1;
    }
    if (e->kind == E_SUBQ && e->correlated) *all = 1; /* it may read any slot of this row */
    for (uint32_t i = 0; i < e->n_args; i++) refs_of(e->args[i], d, need, all);
}

static void refs_of_agg(const plan_t *q, uint32_t d, uint64_t *need, int *all)
{
    for (uint32_t i = 0; i < q->n_exprs; i++) refs_of(q->exprs[i], d, need, all);
    for (uint32_t a = 0; a < q->n_aggs; a++) {
        agg_def_t *ag = q->aggs[a];
        refs_of(ag->arg, d, need, all);
        refs_of(ag->arg2, d, need, all);
        refs_of(ag->filter, d, need, all);
        for (uint32_t k = 0; k < ag->n_order; k++) refs_of(ag->order[k], d, need, all);
    }
}

static int exprs_ok(expr_t **es, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!vec_expr_ok(es[i])) return 0;
    }
    return 1;
}

static int agg_exprs_ok(const plan_t *q)
{
    if (!exprs_ok(q->exprs, q->n_exprs)) return 0;
    for (uint32_t a = 0; a < q->n_aggs; a++) {
        agg_def_t *ag = q->aggs[a];
        if (!vec_expr_ok(ag->arg) || !vec_expr_ok(ag->arg2) || !vec_expr_ok(ag->filter) ||
            !exprs_ok(ag->order, ag->n_order)) {
            return 0;
        }
    }
    return 1;
}

/* the chain from top down to its source; 0 when it cannot run vectorized */
static int build(exec_ctx_t *cx, vrun_t *vr, plan_t *top, plan_t *consumer, int allow_rows)
{
    plan_t *st[VEC_CHAIN];
    uint32_t n = 0;
    plan_t *q = top;
    if (cx->lock_mode != 0) return 0;
    if (consumer != NULL && !agg_exprs_ok(consumer)) return 0;
    while (q != NULL && (q->kind == P_FILTER || q->kind == P_PROJECT || q->kind == P_SUBQ ||
                         q->kind == P_LIMIT)) {
        if (n == VEC_CHAIN - 1) return 0;
        if (!vec_expr_ok(q->filter) || (q->kind == P_PROJECT && !exprs_ok(q->exprs, q->n_exprs)))
            return 0;
        st[n++] = q;
        q = q->l;
    }
    if (q == NULL) return 0;
    int native = q->kind == P_SCAN && q->tab != NULL && q->tab->kind == REL_TABLE &&
                 q->tab->tree != 0 && !q->all && q->pk_eq == NULL && q->use_idx == NULL &&
                 vec_expr_ok(q->filter);
    /* a plan the row path materializes anyway (join, aggregate, ...) may feed batches; scans
       and generate_series stream row by row instead of being materialized */
    if (!native && (!allow_rows || q->kind == P_SCAN || q->kind == P_SRF)) return 0;
    vr->rows_src = !native;
    vr->chain[0] = q;
    for (uint32_t i = 0; i < n; i++) vr->chain[1 + i] = st[n - 1 - i];
    vr->n = n + 1;
    /* projection pruning: the slots read by the scan's filter, the filters above it and the
       first node that builds new rows from it (a projection, else the aggregate consuming the
       chain); a correlated subquery among them may read anything */
    vr->prune = 0;
    if (!native) return 1;
    memset(vr->need, 0, sizeof vr->need);
    uint32_t d = q->depth;
    int all = 0;
    refs_of(q->filter, d, vr->need, &all);
    uint32_t k = 1;
    for (; k < vr->n; k++) {
        plan_t *x = vr->chain[k];
        if (x->kind == P_LIMIT) continue;
        if (x->depth != d || x->kind == P_SUBQ) return 1;
        if (x->kind == P_FILTER) {
            refs_of(x->filter, d, vr->need, &all);
            continue;
        }
        for (uint32_t i = 0; i < x->n_exprs; i++) refs_of(x->exprs[i], d, vr->need, &all);
        break; /* P_PROJECT */
    }
    if (k == vr->n) {
        if (consumer == NULL || consumer->depth != d) return 1;
        refs_of_agg(consumer, d, vr->need, &all);
    }
    vr->prune = !all;
    return 1;
}

/* LIMIT / OFFSET values, as the row path computes them */
static int32_t eval_limits(exec_ctx_t *cx, vrun_t *vr)
{
    for (uint32_t k = vr->n; k-- > 1;) {
        plan_t *p = vr->chain[k];
        vr->cnt[k] = 0;
        if (p->kind != P_LIMIT) continue;
        int64_t lim = INT64_MAX, off = 0;
        val_t v;
        int32_t rc;
        if (p->limit != NULL) {
            if ((rc = eval(cx, p->limit, &v)) != 0) return rc;
            if (!v.null) {
                if (v.i < 0) {
                    return sql_err(cx->err, HELIOS_ERR_INVALID_ROW_COUNT_IN_LIMIT_CLAUSE,
                                   "LIMIT must not be negative");
                }
                lim = v.i;
            }
        }
        if (p->offset != NULL) {
            if ((rc = eval(cx, p->offset, &v)) != 0) return rc;
            if (!v.null) {
                if (v.i < 0) {
                    return sql_err(cx->err, HELIOS_ERR_INVALID_ROW_COUNT_IN_RESULT_OFFSET_CLAUSE,
                                   "OFFSET must not be negative");
                }
                off = v.i;
            }
        }
        vr->lim[k] = lim;
        vr->off[k] = off;
    }
    return 0;
}

static batch_t *batch_new(arena_t *a, uint32_t width, uint32_t depth)
{
    batch_t *b = ar_zalloc(a, sizeof *b);
    b->width = width;
    b->depth = depth;
    b->cols = ar_zalloc(a, sizeof(vec_t *) * (width ? width : 1));
    b->row = ar_zalloc(a, sizeof(val_t) * (width ? width : 1));
    return b;
}

/* ---- the batch through the chain ---- */
static int32_t stage_filter(exec_ctx_t *cx, expr_t *f, batch_t *b)
{
    uint32_t n = b->sel != NULL ? b->n_sel : b->n;
    uint16_t *o = ar_alloc(b->ar, sizeof(uint16_t) * (n ? n : 1));
    uint32_t m;
    int32_t rc = vec_filter(cx, f, b, b->sel, n, o, &m);
    if (rc != 0) return rc;
    b->sel = o;
    b->n_sel = m;
    return 0;
}

static int32_t vec_chain(exec_ctx_t *cx, vrun_t *vr, batch_t *b)
{
    int32_t rc;
    for (uint32_t k = 0; k < vr->n; k++) {
        plan_t *q = vr->chain[k];
        if (b->sel != NULL && b->n_sel == 0) return 0;
        switch (q->kind) {
        case P_FILTER:
            b->depth = q->depth;
            if ((rc = stage_filter(cx, q->filter, b)) != 0) return rc;
            break;
        case P_PROJECT: {
            b->depth = q->depth;
            uint32_t n = b->sel != NULL ? b->n_sel : b->n;
            batch_t *nb = batch_new(b->ar, q->width, q->depth);
            for (uint32_t c = 0; c < q->n_exprs && c < q->width; c++) {
                if ((rc = eval_vec(cx, q->exprs[c], b, b->sel, n, &nb->cols[c])) != 0) return rc;
            }
            nb->n = b->n;
            nb->sel = b->sel;
            nb->n_sel = b->n_sel;
            nb->ar = b->ar;
            b = nb;
            break;
        }
        case P_SUBQ: {
            batch_t *nb = batch_new(b->ar, q->width, q->depth);
            for (uint32_t c = 0; c < b->width && q->base + c < q->width; c++) {
                nb->cols[q->base + c] = b->cols[c];
            }
            nb->n = b->n;
            nb->sel = b->sel;
            nb->n_sel = b->n_sel;
            nb->ar = b->ar;
            b = nb;
            if (q->filter != NULL && (rc = stage_filter(cx, q->filter, b)) != 0) return rc;
            break;
        }
        case P_LIMIT: {
            uint32_t n = b->sel != NULL ? b->n_sel : b->n, m = 0;
            uint16_t *o = ar_alloc(b->ar, sizeof(uint16_t) * (n ? n : 1));
            for (uint32_t j = 0; j < n; j++) {
                uint32_t i = b->sel != NULL ? b->sel[j] : j;
                if (vr->cnt[k] < vr->off[k]) {
                    vr->cnt[k]++;
                } else if (vr->cnt[k] - vr->off[k] < vr->lim[k]) {
                    vr->cnt[k]++;
                    o[m++] = (uint16_t)i;
                } else {
                    break;
                }
            }
            if (vr->cnt[k] - vr->off[k] >= vr->lim[k]) vr->done = 1;
            b->sel = o;
            b->n_sel = m;
            break;
        }
        default: /* the source: a scan's own filter (a row source applied it already) */
            if (!vr->rows_src && q->filter != NULL) {
                b->depth = q->depth;
                if ((rc = stage_filter(cx, q->filter, b)) != 0) return rc;
            }
            break;
        }
    }
    if (b->sel != NULL && b->n_sel == 0) return 0;
    return vr->sink->fn(cx, vr->sink, b);
}

/* the same batch through the row path's evaluation, row by row */
static int32_t row_chain(exec_ctx_t *cx, vrun_t *vr, batch_t *b0)
{
    int32_t rc;
    for (uint32_t i = 0; i < b0->n && !vr->done; i++) {
        val_t *row = ar_alloc(b0->ar, sizeof(val_t) * (b0->width ? b0->width : 1));
        memcpy(row, batch_row(b0, i), sizeof(val_t) * b0->width);
        int skip = 0;
        for (uint32_t k = 0; k < vr->n && !skip; k++) {
            plan_t *q = vr->chain[k];
            int ok = 1;
            switch (q->kind) {
            case P_PROJECT: {
                cx->rows[q->depth] = row;
                val_t *nr = ar_alloc(b0->ar, sizeof(val_t) * (q->width ? q->width : 1));
                for (uint32_t c = 0; c < q->n_exprs; c++) {
                    if ((rc = eval(cx, q->exprs[c], &nr[c])) != 0) return rc;
                }
                row = nr;
                break;
            }
            case P_SUBQ: {
                val_t *nr = row_new(b0->ar, q->width);
                memcpy(nr + q->base, row, sizeof(val_t) * q->l->width);
                row = nr;
                if (q->filter != NULL) {
                    cx->rows[q->depth] = row;
                    if ((rc = eval_bool(cx, q->filter, &ok)) != 0) return rc;
                }
                break;
            }
            case P_LIMIT:
                if (vr->cnt[k] < vr->off[k]) {
                    vr->cnt[k]++;
                    ok = 0;
                } else if (vr->cnt[k] - vr->off[k] < vr->lim[k]) {
                    vr->cnt[k]++;
                } else {
                    ok = 0;
                    vr->done = 1;
                }
                if (vr->cnt[k] - vr->off[k] >= vr->lim[k]) vr->done = 1;
                break;
            case P_FILTER:
                cx->rows[q->depth] = row;
                if ((rc = eval_bool(cx, q->filter, &ok)) != 0) return rc;
                break;
            default:
                if (!vr->rows_src && q->filter != NULL) {
                    cx->rows[q->depth] = row;
                    if ((rc = eval_bool(cx, q->filter, &ok)) != 0) return rc;
                }
                break;
            }
            if (!ok) skip = 1;
        }
        if (skip) continue;
        if ((rc = vr->sink->rows->fn(cx, vr->sink->rows, row)) != 0) return rc;
    }
    return 0;
}

static int32_t run_batch(exec_ctx_t *cx, vrun_t *vr, batch_t *b0)
{
    int64_t saved[VEC_CHAIN];
    memcpy(saved, vr->cnt, sizeof saved);
    uint32_t done = vr->done;
    vr->sink->committed = 0;
    batch_t b = *b0;
    int32_t rc = vec_chain(cx, vr, &b);
    if (rc > 0 && !vr->sink->committed) {
        /* a kernel failed before the consumer took the batch: the row path decides */
        memcpy(vr->cnt, saved, sizeof saved);
        vr->done = done;
        rc = row_chain(cx, vr, b0);
        if (rc == 0 && cx->err != NULL) {
            cx->err->code = 0;
            cx->err->message[0] = cx->err->detail[0] = cx->err->hint[0] = '\0';
        }
    }
    if (rc == 0 && vr->done) rc = VEC_STOP;
    return rc;
}

/* ---- sources ---- */
typedef struct colinfo {
    vec_t *v;
    uint32_t type, pt, w;
} colinfo_t;

/* the columns before ncol of a row into their vectors (the later ones are not read) */
static int32_t decode_row(exec_ctx_t *cx, table_t *t, colinfo_t *ci, uint32_t ncol, arena_t *a,
                          const uint8_t *row, uint32_t len, uint32_t j)
{
    if (len < 2) goto corrupt;
    uint32_t n = (uint32_t)row[0] | ((uint32_t)row[1] << 8);
    uint32_t nb = (n + 7) / 8;
    if (2 + nb > len) goto corrupt;
    const uint8_t *nulls = row + 2;
    uint32_t off = 2 + nb;
    for (uint32_t c = 0; c < ncol; c++) {
        colinfo_t *x = &ci[c];
        vec_t *v = x->v;
        if (c >= n || (nulls[c / 8] & (1 << (c % 8)))) {
            if (v != NULL) {
                if (v->kind == VEC_VAL) {
                    memset(&v->v[j], 0, sizeof(val_t));
                    v->v[j].t = x->type;
                    v->v[j].null = 1;
                }
                vec_set_null(v, j);
            }
            continue;
        }
        if (x->pt == HELIOS_PT_VARLEN) {
            if (off + 4 > len) goto corrupt;
            uint32_t l;
            memcpy(&l, row + off, 4);
            off += 4;
            if (off + l > len) goto corrupt;
            if (v != NULL) { /* not a numeric: decode_row_full reads rows with those */
                val_t *o = &v->v[j];
                char *d = ar_alloc(a, l ? l : 1);
                memcpy(d, row + off, l);
                memset(o, 0, sizeof *o);
                o->t = x->type;
                o->s = d;
                o->len = l;
            }
            off += l;
            continue;
        }
        if (off + x->w > len) goto corrupt;
        if (v != NULL) {
            const uint8_t *p = row + off;
            switch (x->pt) {
            case HELIOS_PT_BOOL: v->i[j] = p[0] != 0; break;
            case HELIOS_PT_INT16: { int16_t y; memcpy(&y, p, 2); v->i[j] = y; break; }
            case HELIOS_PT_INT32: { int32_t y; memcpy(&y, p, 4); v->i[j] = y; break; }
            case HELIOS_PT_INT64: memcpy(&v->i[j], p, 8); break;
            case HELIOS_PT_FLOAT32: { float y; memcpy(&y, p, 4); v->f[j] = y; break; }
            case HELIOS_PT_FLOAT64: memcpy(&v->f[j], p, 8); break;
            default: {
                val_t *o = &v->v[j];
                char *d = ar_alloc(a, 16);
                memcpy(d, p, 16);
                memset(o, 0, sizeof *o);
                o->t = x->type;
                o->s = d;
                o->len = 16;
                break;
            }
            }
        }
        off += x->w;
    }
    return 0;
corrupt:
    return sql_err(cx->err, HELIOS_ERR_DATA_CORRUPTED, "corrupt row in table \"%s\"", t->name);
}

/* a row with a numeric column read: store.c's row_decode (the one reader of the numeric
   formats) over a copy of the row that lives as long as the batch */
static int32_t decode_row_full(exec_ctx_t *cx, table_t *t, colinfo_t *ci, arena_t *a,
                               val_t *scratch, const uint8_t *row, uint32_t len, uint32_t j)
{
    uint8_t *c = ar_alloc(a, len ? len : 1);
    memcpy(c, row, len);
    int32_t rc = row_decode(a, t, c, len, scratch, 0, cx->err);
    if (rc != 0) return rc;
    for (uint32_t k = 0; k < t->n_cols; k++) {
        if (ci[k].v != NULL) vec_put(ci[k].v, j, &scratch[k]);
    }
    return 0;
}

static void batch_clear(batch_t *b)
{
    for (uint32_t s = 0; s < b->width; s++) {
        vec_t *v = b->cols[s];
        if (v == NULL) continue;
        v->all_valid = 1;
        memset(v->nulls, 0, sizeof v->nulls);
    }
    b->sel = NULL;
    b->n_sel = 0;
    b->n = 0;
}

static int32_t scan_source(exec_ctx_t *cx, vrun_t *vr)
{
    plan_t *p = vr->chain[0];
    table_t *t = p->tab;
    int32_t rc = 0;
    sbuf_t key = {0}, hi = {0};
    st_iter_t *it = NULL;
    int have_hi = 0, none;
    /* primary-key range bounds, as exec_scan */
    if (p->n_lo > 0) {
        if ((rc = key_from_exprs(cx, t, 1, p->lo, t->pk, NULL, &key, &none)) != 0) goto failed;
        if (none) goto failed;
        if (!p->lo_incl) sb_putc(&key, (char)0xFF);
    }
    if (p->n_hi > 0) {
        if ((rc = key_from_exprs(cx, t, 1, p->hi, t->pk, NULL, &hi, &none)) != 0) goto failed;
        if (none) goto failed;
        if (p->hi_incl) sb_putc(&hi, (char)0xFF);
        have_hi = 1;
    }
    batch_t *b = batch_new(&vr->life, p->width, p->depth);
    colinfo_t *ci = ar_zalloc(&vr->life, sizeof(colinfo_t) * (t->n_cols ? t->n_cols : 1));
    int has_num = 0;
    uint32_t ncol = 0; /* columns up to the last one read */
    val_t *scratch = ar_zalloc(&vr->life, sizeof(val_t) * (t->n_cols ? t->n_cols : 1));
    for (uint32_t c = 0; c < t->n_cols; c++) {
        uint32_t s = p->base + c;
        ci[c].type = t->cols[c].type;
        ci[c].pt = type_phys(ci[c].type);
        ci[c].w = helios_pt_width(ci[c].pt);
        if (s >= p->width) continue;
        if (vr->prune && (s >= 256 || !(vr->need[s >> 6] & (1ull << (s & 63))))) continue;
        ci[c].v = vec_new(&vr->life, vec_kind_of(ci[c].type), ci[c].type, VEC_MAX);
        b->cols[s] = ci[c].v;
        if (ci[c].type == HELIOS_OID_NUMERIC) has_num = 1;
        ncol = c + 1;
    }
    if ((rc = st_iter_open(cx, t->tree, key.d, (uint32_t)key.len, &it, cx->err)) != 0) goto failed;
    const uint8_t *k, *v;
    uint32_t kl, vl;
    uint64_t total = 0;
    int end = 0, stopped = 0;
    while (!end) {
        ar_reset(&vr->tmp);
        batch_clear(b);
        b->ar = &vr->tmp;
        uint32_t j = 0;
        while (j < VEC_MAX) {
            if (!st_iter_next(it, &k, &kl, &v, &vl)) {
                end = 1;
                break;
            }
            if (have_hi) {
                uint32_t m = kl < hi.len ? kl : (uint32_t)hi.len;
                int c = memcmp(k, hi.d, m);
                if (c > 0 || (c == 0 && kl >= hi.len)) {
                    end = 1;
                    break;
                }
            }
            rc = has_num ? decode_row_full(cx, t, ci, &vr->tmp, scratch, v, vl, j)
                         : decode_row(cx, t, ci, ncol, &vr->tmp, v, vl, j);
            if (rc != 0) goto failed;
            j++;
        }
        if (j == 0) break;
        b->n = j;
        total += j;
        rc = run_batch(cx, vr, b);
        if (rc == VEC_STOP) {
            rc = 0;
            stopped = 1;
            break;
        }
        if (rc != 0) goto failed;
        if ((rc = exec_check_cancel(cx)) != 0) goto failed;
    }
    if (!stopped && p->n_lo == 0 && p->n_hi == 0 && p->filter == NULL) t->est_rows = total;
failed:
    if (it != NULL) {
        int32_t rc2 = st_iter_close(it, cx->err);
        if (rc == 0) rc = rc2;
    }
    sb_free(&key);
    sb_free(&hi);
    return rc;
}

/* a row-wise plan's rows as batches of val_t vectors */
static int32_t rows_source(exec_ctx_t *cx, vrun_t *vr, rowset_t *inp)
{
    plan_t *p = vr->chain[0];
    rowset_t in = *inp;
    int32_t rc;
    uint32_t w = p->width;
    batch_t *b = batch_new(&vr->life, w, p->depth);
    for (uint32_t s = 0; s < w; s++) b->cols[s] = vec_new(&vr->life, VEC_VAL, 0, VEC_MAX);
    for (size_t at = 0; at < in.n; at += VEC_MAX) {
        ar_reset(&vr->tmp);
        batch_clear(b);
        b->ar = &vr->tmp;
        uint32_t j = 0;
        for (; j < VEC_MAX && at + j < in.n; j++) {
            const val_t *r = in.rows[at + j];
            for (uint32_t s = 0; s < w; s++) {
                b->cols[s]->v[j] = r[s];
                if (r[s].null) vec_set_null(b->cols[s], j);
            }
        }
        b->n = j;
        rc = run_batch(cx, vr, b);
        if (rc == VEC_STOP) return 0;
        if (rc != 0) return rc;
        if ((rc = exec_check_cancel(cx)) != 0) return rc;
    }
    return 0;
}

/* run a built chain into vr->sink */
static int32_t vrun(exec_ctx_t *cx, vrun_t *vr)
{
    int32_t rc = eval_limits(cx, vr);
    if (rc != 0) return rc;
    for (uint32_t k = 1; k < vr->n; k++) {
        if (vr->chain[k]->kind == P_LIMIT && vr->lim[k] == 0) return 0;
    }
    rowset_t in = {0};
    if (vr->rows_src && (rc = exec_plan(cx, vr->chain[0], &in)) != 0) return rc;
    /* batch data in vr->tmp (reset per batch); uncorrelated subquery results and the
       consumer's kept rows in the caller's arena, as when the row path streams */
    arena_t *out_ar = cx->ar, *saved_keep = cx->keep_ar;
    if (cx->keep_ar == NULL) cx->keep_ar = out_ar;
    cx->ar = &vr->tmp;
    rc = vr->rows_src ? rows_source(cx, vr, &in) : scan_source(cx, vr);
    cx->ar = out_ar;
    cx->keep_ar = saved_keep;
    return rc;
}

static void vr_free(vrun_t *vr)
{
    ar_free(&vr->tmp);
    ar_free(&vr->life);
}

/* ---- consumers ---- */
typedef struct collect {
    batch_sink_t bs;
    row_sink_t rs;
    rowset_t *out;
    arena_t *ar;
    uint32_t width;
} collect_t;

static int32_t collect_row(exec_ctx_t *cx, row_sink_t *sk, val_t *row)
{
    collect_t *c = (collect_t *)((char *)sk - offsetof(collect_t, rs));
    (void)cx;
    rs_add(c->ar, c->out, row_deep_copy(c->ar, row, c->width));
    return 0;
}

static int32_t collect_batch(exec_ctx_t *cx, batch_sink_t *sk, batch_t *b)
{
    collect_t *c = (collect_t *)sk;
    uint32_t n = b->sel != NULL ? b->n_sel : b->n, w = c->width;
    (void)cx;
    sk->committed = 1;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = b->sel != NULL ? b->sel[k] : k;
        val_t *r = ar_alloc(c->ar, sizeof(val_t) * (w ? w : 1));
        for (uint32_t s = 0; s < w; s++) {
            vec_t *v = s < b->width ? b->cols[s] : NULL;
            if (v == NULL) {
                memset(&r[s], 0, sizeof r[s]);
                r[s].null = 1;
                continue;
            }
            vec_get(v, i, &r[s]);
            if (v->kind == VEC_VAL && !r[s].null) r[s] = *row_deep_copy(c->ar, &r[s], 1);
        }
        rs_add(c->ar, c->out, r);
    }
    return 0;
}

int32_t exec_vec_plan(exec_ctx_t *cx, plan_t *p, rowset_t *out)
{
    if (p->kind != P_PROJECT && p->kind != P_FILTER && p->kind != P_LIMIT && p->kind != P_SUBQ)
        return 1;
    if (out->sink != NULL || !exec_vec_enabled(cx)) return 1;
    vrun_t vr;
    memset(&vr, 0, sizeof vr);
    if (!build(cx, &vr, p, NULL, 0)) return 1;
    collect_t c;
    memset(&c, 0, sizeof c);
    c.bs.fn = collect_batch;
    c.bs.rows = &c.rs;
    c.rs.fn = collect_row;
    c.out = out;
    c.ar = cx->ar;
    c.width = p->width;
    out->width = p->width;
    vr.sink = &c.bs;
    int32_t rc = vrun(cx, &vr);
    vr_free(&vr);
    return rc;
}

typedef struct rowfeed {
    batch_sink_t bs;
    row_sink_t rs;
    row_sink_t *next;
    uint32_t width;
} rowfeed_t;

static int32_t feed_row(exec_ctx_t *cx, row_sink_t *sk, val_t *row)
{
    rowfeed_t *f = (rowfeed_t *)((char *)sk - offsetof(rowfeed_t, rs));
    return f->next->fn(cx, f->next, row);
}

static int32_t feed_batch(exec_ctx_t *cx, batch_sink_t *sk, batch_t *b)
{
    rowfeed_t *f = (rowfeed_t *)sk;
    uint32_t n = b->sel != NULL ? b->n_sel : b->n, w = f->width;
    sk->committed = 1;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = b->sel != NULL ? b->sel[k] : k;
        val_t *r = ar_alloc(b->ar, sizeof(val_t) * (w ? w : 1));
        for (uint32_t s = 0; s < w; s++) {
            vec_t *v = s < b->width ? b->cols[s] : NULL;
            if (v == NULL) {
                memset(&r[s], 0, sizeof r[s]);
                r[s].null = 1;
            } else {
                vec_get(v, i, &r[s]);
            }
        }
        int32_t rc = f->next->fn(cx, f->next, r);
        if (rc != 0) return rc;
    }
    return 0;
}

int32_t exec_vec_stream(exec_ctx_t *cx, plan_t *p, row_sink_t *sink)
{
    if (p == NULL || !exec_vec_enabled(cx)) return 1;
    vrun_t vr;
    memset(&vr, 0, sizeof vr);
    if (!build(cx, &vr, p, NULL, 0)) return 1;
    rowfeed_t f;
    memset(&f, 0, sizeof f);
    f.bs.fn = feed_batch;
    f.bs.rows = &f.rs;
    f.rs.fn = feed_row;
    f.next = sink;
    f.width = p->width;
    vr.sink = &f.bs;
    int32_t rc = vrun(cx, &vr);
    vr_free(&vr);
    return rc;
}

int32_t exec_vec_into(exec_ctx_t *cx, plan_t *p, plan_t *consumer, batch_sink_t *sink)
{
    if (p == NULL || !exec_vec_enabled(cx)) return 1;
    vrun_t vr;
    memset(&vr, 0, sizeof vr);
    if (!build(cx, &vr, p, consumer, 1)) return 1;
    vr.sink = sink;
    int32_t rc = vrun(cx, &vr);
    vr_free(&vr);
    return rc;
}
