/* kernel/sql/exec_window.c -- P_WINDOW: the window functions sharing one PARTITION BY /
 * ORDER BY over their input, sorted on those keys below (bind_window.c). Each partition is
 * processed on its own: peer groups (rows equal on the ORDER BY keys) first, then per call
 * the frame of every row (ROWS, RANGE and GROUPS, offsets, EXCLUDE) and its value. An
 * aggregate is added up incrementally while its frame only grows at the end, else computed
 * again over the frame; a frame equal to the previous row's reuses its value. */
#include <stdio.h>
#include <stdlib.h>

#include "sql/sqlint.h"

typedef struct wpart {
    exec_ctx_t *cx;
    plan_t *p;
    val_t **rows;      /* the partition's rows */
    size_t n;
    size_t *gstart;    /* per row: its peer group's first row, one past its last, number */
    size_t *gend;
    size_t *gno;
    size_t *gfirst;    /* per peer group number: its first row */
    size_t n_groups;
} wpart_t;

typedef struct wcall {
    expr_t *e;
    win_def_t *wd;
    val_t start_off, end_off;
    uint32_t key_slot; /* RANGE with offset: the ORDER BY key's slot */
    uint8_t desc, nulls_first;
} wcall_t;

static int keys_equal(const val_t *x, const val_t *y, const sort_key_t *keys, uint32_t from,
                      uint32_t to)
{
    for (uint32_t k = from; k < to; k++) {
        const val_t *a = &x[keys[k].idx], *b = &y[keys[k].idx];
        if (a->null != b->null) return 0;
        if (!a->null && val_cmp(a, b) != 0) return 0;
    }
    return 1;
}

static int32_t eval_on(exec_ctx_t *cx, plan_t *p, expr_t *e, val_t *row, val_t *out)
{
    cx->rows[p->depth] = row;
    return eval(cx, e, out);
}

static val_t null_of(uint32_t t)
{
    val_t v;
    memset(&v, 0, sizeof v);
    v.t = t;
    v.null = 1;
    return v;
}

/* the frame offsets: constants, checked once */
static int32_t frame_offsets(exec_ctx_t *cx, plan_t *p, val_t *row, wcall_t *c)
{
    win_def_t *wd = c->wd;
    uint32_t oi = wd->n_fargs + wd->n_part + wd->n_order + wd->has_filter;
    for (int which = 0; which < 2; which++) {
        if (which == 0 ? !wd->has_start : !wd->has_end) continue;
        val_t *v = which == 0 ? &c->start_off : &c->end_off;
        int32_t rc = eval_on(cx, p, c->e->args[oi++], row, v);
        if (rc != 0) return rc;
        const char *what = which == 0 ? "starting" : "ending";
        if (v->null) {
            return sql_err(cx->err, HELIOS_ERR_NULL_VALUE_NOT_ALLOWED,
                           "frame %s offset must not be null", what);
        }
        int neg = 0;
        if (val_is_int(v->t)) neg = v->i < 0;
        else if (v->t == HELIOS_OID_NUMERIC) neg = num_val_double(v) < 0; /* any form */
        else if (v->t == HELIOS_OID_FLOAT4 || v->t == HELIOS_OID_FLOAT8) neg = v->f < 0;
        else if (v->t == HELIOS_OID_INTERVAL) {
            helios_interval_t iv;
            memcpy(&iv, v->s, sizeof iv);
            neg = iv.us < 0 || iv.days < 0 || iv.months < 0;
        }
        if (neg && (wd->frame & WF_RANGE)) {
            return sql_err(cx->err, HELIOS_ERR_INVALID_PRECEDING_OR_FOLLOWING_SIZE,
                           "invalid preceding or following size in window function");
        }
        if (neg) {
            return sql_err(cx->err, HELIOS_ERR_INVALID_PRECEDING_OR_FOLLOWING_SIZE,
                           "frame %s offset must not be negative", what);
        }
    }
    return 0;
}

/* key +/- offset for RANGE frames; integers saturate instead of overflowing */
static int32_t range_bound(exec_ctx_t *cx, const val_t *key, const val_t *off, int add,
                           val_t *out)
{
    if (val_is_int(key->t)) {
        *out = *key;
        int64_t r;
        int ovf = add ? __builtin_add_overflow(key->i, off->i, &r)
                      : __builtin_sub_overflow(key->i, off->i, &r);
        if (ovf) r = add == (off->i >= 0) ? INT64_MAX : INT64_MIN;
        out->i = r;
        return 0;
    }
    uint32_t rt = key->t;
    if (key->t == HELIOS_OID_DATE) rt = HELIOS_OID_TIMESTAMP;
    val_t k = *key, o = *off;
    return eval_op(cx, add ? OP_ADD : OP_SUB, rt, &k, &o, out);
}

/* position of v against bound in the ORDER BY direction (NULLs where they sort) */
static int cmp_sorted(const wcall_t *c, const val_t *v, const val_t *bound)
{
    if (v->null) return c->nulls_first ? -1 : 1;
    int r = val_cmp(v, bound);
    return c->desc ? -r : r;
}

/* first row (from lo) whose key is past the bound: at or after it (strict 0) or after it */
static size_t search(const wpart_t *wp, const wcall_t *c, const val_t *bound, int strict)
{
    size_t lo = 0, hi = wp->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = cmp_sorted(c, &wp->rows[mid][c->key_slot], bound);
        if (strict ? r > 0 : r >= 0) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

static int32_t frame_of(const wpart_t *wp, const wcall_t *c, size_t i, size_t *fs, size_t *fe)
{
    uint32_t f = c->wd->frame;
    size_t n = wp->n, s = 0, e = n;
    int64_t so = c->start_off.i, eo = c->end_off.i;
    if (f & WF_ROWS) {
        if (f & WF_START_CURRENT_ROW) s = i;
        else if (f & WF_START_OFFSET_PRECEDING) s = (uint64_t)so >= i ? 0 : i - (size_t)so;
        else if (f & WF_START_OFFSET_FOLLOWING) s = (uint64_t)so >= n - i ? n : i + (size_t)so;
        if (f & WF_END_CURRENT_ROW) e = i + 1;
        else if (f & WF_END_OFFSET_PRECEDING) e = (uint64_t)eo > i ? 0 : i - (size_t)eo + 1;
        else if (f & WF_END_OFFSET_FOLLOWING) e = (uint64_t)eo >= n - i ? n : i + (size_t)eo + 1;
    } else if (f & WF_GROUPS) {
        size_t g = wp->gno[i];
        if (f & WF_START_CURRENT_ROW) s = wp->gstart[i];
        else if (f & WF_START_OFFSET_PRECEDING)
            s = (uint64_t)so >= g ? 0 : wp->gfirst[g - (size_t)so];
        else if (f & WF_START_OFFSET_FOLLOWING)
            s = (uint64_t)so >= wp->n_groups - g ? n : wp->gfirst[g + (size_t)so];
        if (f & WF_END_CURRENT_ROW) e = wp->gend[i];
        else if (f & WF_END_OFFSET_PRECEDING) {
            size_t h = g - (size_t)eo; /* the last group in the frame */
            e = (uint64_t)eo > g ? 0 : h + 1 < wp->n_groups ? wp->gfirst[h + 1] : n;
        }
        else if (f & WF_END_OFFSET_FOLLOWING)
            e = (uint64_t)eo >= wp->n_groups - g - 1 ? n : wp->gfirst[g + (size_t)eo + 1];
    } else {
        /* RANGE: without ORDER BY every row is a peer of every other */
        if (f & WF_START_CURRENT_ROW) s = wp->gstart[i];
        if (f & WF_END_CURRENT_ROW) e = wp->gend[i];
        if (f & (WF_START_OFFSET_PRECEDING | WF_START_OFFSET_FOLLOWING |
                 WF_END_OFFSET_PRECEDING | WF_END_OFFSET_FOLLOWING)) {
            const val_t *key = &wp->rows[i][c->key_slot];
            for (int which = 0; which < 2; which++) {
                uint32_t prec = which == 0 ? WF_START_OFFSET_PRECEDING : WF_END_OFFSET_PRECEDING;
                uint32_t fol = which == 0 ? WF_START_OFFSET_FOLLOWING : WF_END_OFFSET_FOLLOWING;
                if (!(f & (prec | fol))) continue;
                size_t *dst = which == 0 ? &s : &e;
                if (key->null) {
                    /* NULLs are "in range" of each other whatever the offset, and never of
                       a value: an offset bound of a NULL row is its peer group's */
                    *dst = which == 0 ? wp->gstart[i] : wp->gend[i];
                    continue;
                }
                /* PRECEDING goes against the sort direction, FOLLOWING with it */
                int add = (f & fol) ? !c->desc : c->desc;
                val_t b;
                int32_t rc = range_bound(wp->cx, key, which == 0 ? &c->start_off : &c->end_off,
                                         add, &b);
                if (rc != 0) return rc;
                *dst = search(wp, c, &b, which == 1);
            }
        }
    }
    if (f & WF_START_UNBOUNDED_PRECEDING) s = 0;
    if (f & WF_END_UNBOUNDED_FOLLOWING) e = n;
    if (e < s) e = s;
    *fs = s;
    *fe = e;
    return 0;
}

static int excluded(const wpart_t *wp, uint32_t f, size_t i, size_t j)
{
    if (f & WF_EXCLUDE_CURRENT_ROW) return j == i;
    if (f & WF_EXCLUDE_GROUP) return j >= wp->gstart[i] && j < wp->gend[i];
    if (f & WF_EXCLUDE_TIES) return j != i && j >= wp->gstart[i] && j < wp->gend[i];
    return 0;
}

#define WF_EXCLUDE (WF_EXCLUDE_CURRENT_ROW | WF_EXCLUDE_GROUP | WF_EXCLUDE_TIES)

/* a moving aggregate: count, and sum / avg of integers, are exact with an inverse step, so a
   frame whose start moves (ROWS BETWEEN n PRECEDING ...) drops the rows that left it instead
   of adding the whole frame up again (PostgreSQL's inverse transitions; not for floats,
   whose sums would round differently, nor min/max) */
typedef struct moving {
    int64_t rows, nonnull;
    __int128 sum;
} moving_t;

static int moving_ok(const agg_def_t *ag)
{
    if (ag->fn == AGG_COUNT_STAR || ag->fn == AGG_COUNT) return 1;
    return (ag->fn == AGG_SUM || ag->fn == AGG_AVG) && val_is_int(ag->argtype);
}

static int32_t moving_step(exec_ctx_t *cx, plan_t *p, agg_def_t *ag, val_t *row, moving_t *m,
                           int sign)
{
    int32_t rc;
    cx->rows[p->depth] = row;
    if (ag->filter != NULL) {
        int ok;
        if ((rc = eval_bool(cx, ag->filter, &ok)) != 0) return rc;
        if (!ok) return 0;
    }
    m->rows += sign;
    if (ag->fn == AGG_COUNT_STAR) return 0;
    val_t v;
    if ((rc = eval(cx, ag->arg, &v)) != 0) return rc;
    if (v.null) return 0;
    m->nonnull += sign;
    if (ag->fn != AGG_COUNT) m->sum += sign > 0 ? (__int128)v.i : -(__int128)v.i;
    return 0;
}

static int32_t moving_result(exec_ctx_t *cx, agg_def_t *ag, const moving_t *m, val_t *out)
{
    memset(out, 0, sizeof *out);
    out->t = ag->type;
    if (ag->fn == AGG_COUNT_STAR || ag->fn == AGG_COUNT) {
        out->i = ag->fn == AGG_COUNT_STAR ? m->rows : m->nonnull;
        return 0;
    }
    if (m->nonnull == 0) {
        out->null = 1;
        return 0;
    }
    if (ag->fn == AGG_SUM && ag->type == HELIOS_OID_INT8) {
        out->i = (int64_t)m->sum;
        return 0;
    }
    val_t sum = {.t = HELIOS_OID_NUMERIC}, cnt = {.t = HELIOS_OID_NUMERIC};
    sum.n = m->sum;
    cnt.n = m->nonnull;
    if (ag->fn == AGG_SUM) {
        *out = sum;
        return 0;
    }
    return eval_op(cx, OP_DIV, HELIOS_OID_NUMERIC, &sum, &cnt, out);
}

static int32_t win_moving(const wpart_t *wp, wcall_t *c)
{
    exec_ctx_t *cx = wp->cx;
    agg_def_t *ag = c->wd->agg;
    moving_t m = {0};
    size_t cs = 0, ce = 0;
    int32_t rc;
    for (size_t i = 0; i < wp->n; i++) {
        size_t fs, fe;
        if ((rc = frame_of(wp, c, i, &fs, &fe)) != 0) return rc;
        if (fs < cs || fe < ce || fs >= ce) {
            /* no overlap with the previous frame (or it moved back): start again */
            memset(&m, 0, sizeof m);
            cs = ce = fs;
        }
        for (size_t j = cs; j < fs; j++) {
            if ((rc = moving_step(cx, wp->p, ag, wp->rows[j], &m, -1)) != 0) return rc;
        }
        for (size_t j = ce; j < fe; j++) {
            if ((rc = moving_step(cx, wp->p, ag, wp->rows[j], &m, 1)) != 0) return rc;
        }
        cs = fs;
        ce = fe;
        if ((rc = moving_result(cx, ag, &m, &wp->rows[i][c->wd->slot])) != 0) return rc;
        if ((i & 1023) == 1023 && (rc = exec_check_cancel(cx)) != 0) return rc;
    }
    return 0;
}

/* an aggregate over each row's frame */
static int32_t win_aggregate(const wpart_t *wp, wcall_t *c)
{
    exec_ctx_t *cx = wp->cx;
    plan_t *p = wp->p;
    agg_def_t *ag = c->wd->agg;
    uint32_t f = c->wd->frame, slot = c->wd->slot;
    /* a frame start that moves: the moving form where it is exact */
    if (!(f & WF_EXCLUDE) && !(f & WF_START_UNBOUNDED_PRECEDING) && moving_ok(ag)) {
        return win_moving(wp, c);
    }
    size_t sz = exec_agg_state_size();
    void *st = ar_zalloc(cx->ar, sz);
    int grows = ag->fn != AGG_STRING_AGG && ag->fn != AGG_ARRAY_AGG && !(f & WF_EXCLUDE);
    size_t cs = 0, ce = 0;
    int have = 0;
    val_t res = null_of(ag->type);
    int32_t rc;
    for (size_t i = 0; i < wp->n; i++) {
        size_t fs, fe;
        if ((rc = frame_of(wp, c, i, &fs, &fe)) != 0) return rc;
        if (have && fs == cs && fe == ce && !(f & WF_EXCLUDE)) {
            wp->rows[i][slot] = res;
            continue;
        }
        size_t from = fs;
        if (!(have && grows && fs == cs && fe >= ce)) {
            memset(st, 0, sz);
        } else {
            from = ce;
        }
        for (size_t j = from; j < fe; j++) {
            if ((f & WF_EXCLUDE) && excluded(wp, f, i, j)) continue;
            cx->rows[p->depth] = wp->rows[j];
            if ((rc = exec_agg_step(cx, ag, st)) != 0) return rc;
        }
        if ((rc = exec_agg_final(cx, ag, st, &res)) != 0) return rc;
        cs = fs;
        ce = fe;
        have = 1;
        wp->rows[i][slot] = res;
        if ((i & 1023) == 1023 && (rc = exec_check_cancel(cx)) != 0) return rc;
    }
    return 0;
}

/* the k-th (0-based) row of row i's frame not excluded, or -1 */
static int64_t frame_row(const wpart_t *wp, const wcall_t *c, size_t i, size_t fs, size_t fe,
                         int64_t k, int from_end)
{
    uint32_t f = c->wd->frame;
    if (!(f & WF_EXCLUDE)) {
        if (k < 0 || (uint64_t)k >= fe - fs) return -1;
        return from_end ? (int64_t)(fe - 1 - (size_t)k) : (int64_t)(fs + (size_t)k);
    }
    for (size_t x = 0; x < fe - fs; x++) {
        size_t j = from_end ? fe - 1 - x : fs + x;
        if (excluded(wp, f, i, j)) continue;
        if (k-- == 0) return (int64_t)j;
    }
    return -1;
}

static int32_t win_call(const wpart_t *wp, wcall_t *c)
{
    exec_ctx_t *cx = wp->cx;
    plan_t *p = wp->p;
    win_def_t *wd = c->wd;
    expr_t **a = c->e->args;
    uint32_t slot = wd->slot, t = c->e->type;
    size_t n = wp->n;
    int32_t rc;
    if (wd->fn == WIN_AGG) return win_aggregate(wp, c);
    int64_t buckets = 0;
    if (wd->fn == WIN_NTILE && n > 0) {
        val_t v;
        if ((rc = eval_on(cx, p, a[0], wp->rows[0], &v)) != 0) return rc;
        if (!v.null && v.i <= 0) {
            return sql_err(cx->err, HELIOS_ERR_INVALID_ARGUMENT_FOR_NTILE_FUNCTION,
                           "argument of ntile must be greater than zero");
        }
        buckets = v.null ? 0 : v.i;
    }
    for (size_t i = 0; i < n; i++) {
        val_t *row = wp->rows[i];
        val_t r;
        memset(&r, 0, sizeof r);
        r.t = t;
        switch (wd->fn) {
        case WIN_ROW_NUMBER:
            r.i = (int64_t)i + 1;
            break;
        case WIN_RANK:
            r.i = (int64_t)wp->gstart[i] + 1;
            break;
        case WIN_DENSE_RANK:
            r.i = (int64_t)wp->gno[i] + 1;
            break;
        case WIN_PERCENT_RANK:
            r.f = n > 1 ? (double)wp->gstart[i] / (double)(n - 1) : 0.0;
            break;
        case WIN_CUME_DIST:
            r.f = (double)wp->gend[i] / (double)n;
            break;
        case WIN_NTILE: {
            if (buckets == 0) {
                r.null = 1;
                break;
            }
            /* the first n % k buckets have one row more */
            uint64_t k = (uint64_t)buckets, per = n / k, extra = n % k;
            uint64_t big = extra * (per + 1);
            r.i = i < big ? (int64_t)(i / (per + 1)) + 1 : (int64_t)(extra + (i - big) / per) + 1;
            break;
        }
        case WIN_LAG:
        case WIN_LEAD: {
            int64_t off = 1;
            if (wd->n_fargs >= 2) {
                val_t o;
                if ((rc = eval_on(cx, p, a[1], row, &o)) != 0) return rc;
                if (o.null) {
                    r.null = 1;
                    break;
                }
                off = o.i;
            }
            int64_t j = wd->fn == WIN_LAG ? (int64_t)i - off : (int64_t)i + off;
            if (j >= 0 && (uint64_t)j < n) {
                if ((rc = eval_on(cx, p, a[0], wp->rows[j], &r)) != 0) return rc;
            } else if (wd->n_fargs == 3) {
                if ((rc = eval_on(cx, p, a[2], row, &r)) != 0) return rc;
            } else {
                r.null = 1;
            }
            break;
        }
        default: { /* first_value, last_value, nth_value */
            size_t fs, fe;
            if ((rc = frame_of(wp, c, i, &fs, &fe)) != 0) return rc;
            int64_t k = 0;
            if (wd->fn == WIN_NTH_VALUE) {
                val_t kv;
                if ((rc = eval_on(cx, p, a[1], row, &kv)) != 0) return rc;
                if (kv.null) {
                    r.null = 1;
                    break;
                }
                if (kv.i <= 0) {
                    return sql_err(cx->err, HELIOS_ERR_INVALID_ARGUMENT_FOR_NTH_VALUE_FUNCTION,
                                   "argument of nth_value must be greater than zero");
                }
                k = kv.i - 1;
            }
            int64_t j = frame_row(wp, c, i, fs, fe, k, wd->fn == WIN_LAST_VALUE);
            if (j < 0) r.null = 1;
            else if ((rc = eval_on(cx, p, a[0], wp->rows[j], &r)) != 0) return rc;
            break;
        }
        }
        if (!r.null) r.t = t;
        else r = null_of(t);
        row[slot] = r;
    }
    return 0;
}

int32_t exec_window(exec_ctx_t *cx, plan_t *p, rowset_t *out)
{
    rowset_t in = {0};
    int32_t rc = exec_plan(cx, p->l, &in);
    if (rc != 0) return rc;
    uint32_t w = p->width, iw = p->l->width;
    size_t n = in.n;
    val_t **rows = in.rows;
    if (iw < w) {
        /* room for the results */
        for (size_t i = 0; i < n; i++) {
            val_t *r = row_new(cx->ar, w);
            memcpy(r, rows[i], sizeof(val_t) * iw);
            rows[i] = r;
        }
    }
    out->width = w;
    if (n == 0) return 0;
    uint32_t nc = p->n_exprs;
    wcall_t *calls = ar_zalloc(cx->ar, sizeof(wcall_t) * nc);
    for (uint32_t k = 0; k < nc; k++) {
        wcall_t *c = &calls[k];
        c->e = p->exprs[k];
        c->wd = c->e->win;
        if (c->wd->n_order > 0) {
            const sort_key_t *sk = &p->keys[p->win_n_part];
            c->key_slot = sk->idx;
            c->desc = sk->desc;
            c->nulls_first = sk->nulls_first;
        }
        if ((rc = frame_offsets(cx, p, rows[0], c)) != 0) return rc;
    }
    /* bookkeeping proportional to the (sorted) input, which is not counted against work_mem
       either (exec_sort_spill) */
    size_t *gstart = malloc(sizeof(size_t) * n * 4);
    if (gstart == NULL) return sql_err(cx->err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    size_t *gend = gstart + n, *gno = gend + n, *gfirst = gno + n;
    size_t ps = 0;
    while (ps < n) {
        size_t pe = ps + 1;
        while (pe < n && keys_equal(rows[pe], rows[ps], p->keys, 0, p->win_n_part)) pe++;
        wpart_t wp = {cx, p, rows + ps, pe - ps, gstart, gend, gno, gfirst, 0};
        for (size_t i = 0; i < wp.n;) {
            size_t j = i + 1;
            while (j < wp.n && keys_equal(wp.rows[j], wp.rows[i], p->keys, p->win_n_part,
                                          p->n_sort)) {
                j++;
            }
            wp.gfirst[wp.n_groups] = i;
            for (size_t x = i; x < j; x++) {
                gstart[x] = i;
                gend[x] = j;
                gno[x] = wp.n_groups;
            }
            wp.n_groups++;
            i = j;
        }
        for (uint32_t k = 0; k < nc && rc == 0; k++) rc = win_call(&wp, &calls[k]);
        if (rc != 0 || (rc = exec_check_cancel(cx)) != 0) goto failed;
        ps = pe;
    }
    /* the input's rows, in their order, now with the results */
    out->rows = rows;
    out->n = n;
    out->cap = in.cap;
failed:
    free(gstart);
    return rc;
}
