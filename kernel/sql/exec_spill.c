/* kernel/sql/exec_spill.c -- external sort. A P_SORT whose input can stream (scans,
 * generate_series, and projections, filters and subquery wrappers over them) receives its
 * input row by row through a row_sink instead of a materialized row set. Rows are deep-copied
 * into a buffer arena; when the buffer reaches half of work_mem it is sorted (the in-memory
 * path's comparator: same ASC/DESC, NULLS FIRST/LAST and collation) and written as a run to a
 * temporary file in <data_dir>/tmp, unlinked as soon as it is created, so nothing is left
 * behind by an error, a cancel or a crash. The runs are merged (at most SPILL_FANIN at a time,
 * in several passes when there are more), stably: equal rows keep their input order.
 *
 * While streaming, cx->ar is a scratch arena reset every few hundred kB: the producers keep no
 * arena state across rows, and uncorrelated subquery results go to the statement arena
 * (cx->keep_ar, see exec_subq). The sorted output handed to the parent is not counted against
 * work_mem (the limit is raised by its size): in PostgreSQL it would stream to the client. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sql/sqlint.h"

#define SPILL_FANIN 64

typedef struct spill_sort {
    row_sink_t base;
    plan_t *p;
    uint32_t w;          /* values per row */
    arena_t buf;         /* rows of the current run */
    rowset_t mem;        /* their pointers (in buf) */
    size_t limit;        /* bytes of buf before a run is written */
    FILE **runs;         /* in input order (merges keep equal rows in it) */
    uint8_t *lvl;        /* merge level of each run: 0 written from memory */
    size_t n_runs, cap_runs;
    uint64_t bytes;      /* written to temporary files */
    uint64_t n_written;  /* runs written (merged ones too) */
    uint64_t n_in;
} spill_sort_t;

/* statistics of the last spilling sort in this thread (tests, EXPLAIN-less inspection) */
__thread uint64_t helios_sql_spill_bytes, helios_sql_spill_runs;

/* bytes handed out by an arena (its `total` counts whole blocks, which grow to 1 MiB) */
size_t ar_used(const arena_t *a)
{
    size_t n = 0;
    for (const arena_blk_t *b = a->head; b != NULL; b = b->next) n += b->used;
    return n;
}

static int can_stream(exec_ctx_t *cx, plan_t *p)
{
    switch (p->kind) {
    case P_SRF:
        return 1;
    case P_SCAN:
        return p->tab != NULL && p->tab->kind == REL_TABLE && cx->lock_mode == 0;
    case P_PROJECT:
    case P_FILTER:
    case P_SUBQ:
        return p->l != NULL && can_stream(cx, p->l);
    default:
        return 0;
    }
}

static int val_has_ptr(const val_t *v)
{
    uint32_t pt = type_phys(v->t);
    if (pt == HELIOS_PT_FIXED16) return 1;
    /* a numeric's digits are out of line only in its big form (sqlint.h, NUM_BIG) */
    return pt == HELIOS_PT_VARLEN && (v->t != HELIOS_OID_NUMERIC || v->pad == NUM_BIG);
}

val_t *row_deep_copy(arena_t *a, const val_t *r, uint32_t w)
{
    val_t *c = ar_alloc(a, sizeof(val_t) * (w ? w : 1));
    memcpy(c, r, sizeof(val_t) * w);
    for (uint32_t i = 0; i < w; i++) {
        if (!c[i].null && val_has_ptr(&c[i]) && c[i].s != NULL) {
            char *d = ar_alloc(a, c[i].len ? c[i].len : 1);
            memcpy(d, c[i].s, c[i].len);
            c[i].s = d;
        }
    }
    return c;
}

/* record: per value t(4) null(1) scale(2) len(4) pad(1), then len bytes or the 16-byte union */
int row_write(FILE *f, const val_t *r, uint32_t w, uint64_t *bytes)
{
    for (uint32_t i = 0; i < w; i++) {
        const val_t *v = &r[i];
        uint8_t h[12];
        memcpy(h, &v->t, 4);
        h[4] = v->null;
        memcpy(h + 5, &v->scale, 2);
        memcpy(h + 7, &v->len, 4);
        h[11] = v->pad;
        if (fwrite(h, 1, 12, f) != 12) return -1;
        *bytes += 12;
        if (v->null) continue;
        if (val_has_ptr(v)) {
            if (v->len && fwrite(v->s, 1, v->len, f) != v->len) return -1;
            *bytes += v->len;
        } else {
            if (fwrite(&v->n, 1, 16, f) != 16) return -1;
            *bytes += 16;
        }
    }
    return 0;
}

/* 1 read, 0 end of run, -1 error */
int row_read(FILE *f, arena_t *a, uint32_t w, val_t **out)
{
    val_t *r = ar_alloc(a, sizeof(val_t) * (w ? w : 1));
    for (uint32_t i = 0; i < w; i++) {
        uint8_t h[12];
        size_t got = fread(h, 1, 12, f);
        if (got == 0 && i == 0 && feof(f)) return 0;
        if (got != 12) return -1;
        val_t *v = &r[i];
        memset(v, 0, sizeof *v);
        memcpy(&v->t, h, 4);
        v->null = h[4];
        memcpy(&v->scale, h + 5, 2);
        memcpy(&v->len, h + 7, 4);
        v->pad = h[11];
        if (v->null) continue;
        if (val_has_ptr(v)) {
            char *d = ar_alloc(a, v->len ? v->len : 1);
            if (v->len && fread(d, 1, v->len, f) != v->len) return -1;
            v->s = d;
        } else if (fread(&v->n, 1, 16, f) != 16) {
            return -1;
        }
    }
    *out = r;
    return 1;
}

int32_t io_err(exec_ctx_t *cx, const char *what)
{
    return sql_err(cx->err, HELIOS_ERR_IO_ERROR, "could not %s temporary file: %s", what,
                   strerror(errno));
}

int32_t spill_file_open(exec_ctx_t *cx, FILE **fp)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tmp", cx->eng->data_dir);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) return io_err(cx, "create directory for");
    snprintf(path, sizeof path, "%s/tmp/helios_sort_XXXXXX", cx->eng->data_dir);
    int fd = mkstemp(path);
    if (fd < 0) return io_err(cx, "create");
    unlink(path); /* gone from the directory at once: closing (or dying) frees it */
    FILE *f = fdopen(fd, "w+b");
    if (f == NULL) {
        close(fd);
        return io_err(cx, "open");
    }
    *fp = f;
    return 0;
}

static int32_t new_run(exec_ctx_t *cx, spill_sort_t *ss, FILE **fp)
{
    FILE *f;
    int32_t rc = spill_file_open(cx, &f);
    if (rc != 0) return rc;
    if (ss->n_runs == ss->cap_runs) {
        size_t nc = ss->cap_runs ? ss->cap_runs * 2 : 16;
        FILE **nr = realloc(ss->runs, sizeof(FILE *) * nc);
        if (nr == NULL) {
            fclose(f);
            return sql_err(cx->err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
        ss->runs = nr;
        uint8_t *nl = realloc(ss->lvl, nc);
        if (nl == NULL) {
            fclose(f);
            return sql_err(cx->err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
        ss->lvl = nl;
        ss->cap_runs = nc;
    }
    ss->n_written++;
    ss->lvl[ss->n_runs] = 0;
    ss->runs[ss->n_runs++] = f;
    *fp = f;
    return 0;
}

static int32_t merge(exec_ctx_t *cx, spill_sort_t *ss, FILE **runs, size_t n, FILE *dst,
                     arena_t *a, rowset_t *out);

/* merge the last SPILL_FANIN runs into one in their place while they share a level (all:
   whenever more than SPILL_FANIN are left): the number of open files stays bounded and each
   row is rewritten once per level, about log_64(runs) times */
static int32_t cascade(exec_ctx_t *cx, spill_sort_t *ss, int all)
{
    while (ss->n_runs >= SPILL_FANIN + (all ? 1 : 0)) {
        size_t f = ss->n_runs - SPILL_FANIN;
        int same = 1;
        for (size_t i = f + 1; i < ss->n_runs; i++) {
            if (ss->lvl[i] != ss->lvl[f]) same = 0;
        }
        if (!same && !all) break;
        uint8_t lv = ss->lvl[f];
        FILE *dst;
        int32_t rc = new_run(cx, ss, &dst);
        if (rc != 0) return rc;
        if ((rc = merge(cx, ss, ss->runs + f, SPILL_FANIN, dst, NULL, NULL)) != 0) return rc;
        for (size_t i = f; i < f + SPILL_FANIN; i++) fclose(ss->runs[i]);
        ss->runs[f] = dst;
        ss->lvl[f] = (uint8_t)(lv + 1);
        ss->n_runs = f + 1;
    }
    return 0;
}

static int32_t flush_run(exec_ctx_t *cx, spill_sort_t *ss)
{
    if (ss->mem.n == 0) return 0;
    exec_sort_rows(ss->mem.rows, ss->mem.n, ss->p->keys, ss->p->n_sort, &ss->buf);
    FILE *f;
    int32_t rc = new_run(cx, ss, &f);
    if (rc != 0) return rc;
    for (size_t i = 0; i < ss->mem.n; i++) {
        if (row_write(f, ss->mem.rows[i], ss->w, &ss->bytes) != 0) return io_err(cx, "write");
    }
    if (fflush(f) != 0) return io_err(cx, "write");
    ar_reset(&ss->buf);
    memset(&ss->mem, 0, sizeof ss->mem);
    if ((rc = cascade(cx, ss, 0)) != 0) return rc;
    return exec_check_cancel(cx);
}

static int32_t sort_sink(exec_ctx_t *cx, row_sink_t *sk, val_t *row)
{
    spill_sort_t *ss = (spill_sort_t *)sk;
    rs_add(&ss->buf, &ss->mem, row_deep_copy(&ss->buf, row, ss->w));
    int32_t rc = 0;
    if ((ss->mem.n & 63) == 0 && ar_used(&ss->buf) >= ss->limit) rc = flush_run(cx, ss);
    if (rc == 0 && (++ss->n_in & 1023) == 0) rc = exec_check_cancel(cx);
    return rc;
}

/* project / filter / subquery-wrapper stages in front of a sink */
typedef struct stage {
    row_sink_t base;
    plan_t *p;
    row_sink_t *next;
} stage_t;

static int32_t stage_sink(exec_ctx_t *cx, row_sink_t *sk, val_t *in)
{
    stage_t *st = (stage_t *)sk;
    plan_t *p = st->p;
    int32_t rc;
    int ok;
    switch (p->kind) {
    case P_PROJECT: {
        cx->rows[p->depth] = in;
        val_t *row = ar_alloc(cx->ar, sizeof(val_t) * (p->width ? p->width : 1));
        for (uint32_t c = 0; c < p->n_exprs; c++) {
            if ((rc = eval(cx, p->exprs[c], &row[c])) != 0) return rc;
        }
        return st->next->fn(cx, st->next, row);
    }
    case P_FILTER:
        cx->rows[p->depth] = in;
        if ((rc = eval_bool(cx, p->filter, &ok)) != 0) return rc;
        return ok ? st->next->fn(cx, st->next, in) : 0;
    default: { /* P_SUBQ */
        val_t *row = row_new(cx->ar, p->width);
        memcpy(row + p->base, in, sizeof(val_t) * p->l->width);
        if (p->filter != NULL) {
            cx->rows[p->depth] = row;
            if ((rc = eval_bool(cx, p->filter, &ok)) != 0) return rc;
            if (!ok) return 0;
        }
        return st->next->fn(cx, st->next, row);
    }
    }
}

static int32_t stream(exec_ctx_t *cx, plan_t *p, row_sink_t *sink)
{
    if (p->kind == P_SRF || p->kind == P_SCAN) {
        rowset_t o = {0};
        o.sink = sink;
        return exec_plan(cx, p, &o);
    }
    stage_t st = {{stage_sink}, p, sink};
    return stream(cx, p->l, &st.base);
}

/* the sink in front of the consumer: resets the scratch arena once the consumer is done
   with a row and it has grown past `max` */
typedef struct top_sink {
    row_sink_t base;
    row_sink_t *next;
    arena_t scratch;
    size_t max;
    uint64_t n;
} top_sink_t;

static int32_t top_fn(exec_ctx_t *cx, row_sink_t *sk, val_t *row)
{
    top_sink_t *t = (top_sink_t *)sk;
    int32_t rc = t->next->fn(cx, t->next, row);
    if (++t->n % 64 == 0 && ar_used(&t->scratch) >= t->max) ar_reset(&t->scratch);
    return rc;
}

int32_t exec_stream_into(exec_ctx_t *cx, plan_t *p, row_sink_t *sink)
{
    if (p == NULL || !can_stream(cx, p)) return 1;
    int32_t vrc = exec_vec_stream(cx, p, sink); /* in column batches (exec_vec.c) */
    if (vrc != 1) return vrc;
    top_sink_t t;
    memset(&t, 0, sizeof t);
    t.base.fn = top_fn;
    t.next = sink;
    size_t wm = cx->ar->limit ? cx->ar->limit : (size_t)cx->eng->work_mem;
    t.max = wm / 4 > 65536 ? (wm / 4 < (4u << 20) ? wm / 4 : (4u << 20)) : 65536;
    arena_t *main_ar = cx->ar, *saved_keep = cx->keep_ar;
    cx->keep_ar = main_ar;
    cx->ar = &t.scratch;
    int32_t rc = stream(cx, p, &t.base);
    cx->ar = main_ar;
    cx->keep_ar = saved_keep;
    ar_free(&t.scratch);
    return rc;
}

/* merge runs[0..n) into out (rows in arena a) or, when dst != NULL, into the run file dst */
static int32_t merge(exec_ctx_t *cx, spill_sort_t *ss, FILE **runs, size_t n, FILE *dst,
                     arena_t *a, rowset_t *out)
{
    arena_t heads = {0};
    val_t **cur = calloc(n, sizeof(val_t *));
    int32_t rc = 0;
    if (cur == NULL) return sql_err(cx->err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (fseek(runs[i], 0, SEEK_SET) != 0) { rc = io_err(cx, "seek"); goto failed; }
        int r = row_read(runs[i], dst != NULL ? &heads : a, ss->w, &cur[i]);
        if (r < 0) { rc = io_err(cx, "read"); goto failed; }
        if (r == 0) cur[i] = NULL;
    }
    sort_key_t *keys = ss->p->keys;
    uint32_t nk = ss->p->n_sort;
    for (uint64_t k = 0;; k++) {
        size_t best = n;
        for (size_t i = 0; i < n; i++) {
            if (cur[i] == NULL) continue;
            if (best == n) { best = i; continue; }
            /* strictly smaller only: ties go to the earlier run (stable) */
            if (exec_row_cmp(cur[i], cur[best], keys, nk) < 0) best = i;
        }
        if (best == n) break;
        if (dst != NULL) {
            if (row_write(dst, cur[best], ss->w, &ss->bytes) != 0) { rc = io_err(cx, "write"); goto failed; }
        } else {
            rs_add(a, out, cur[best]);
        }
        int r = row_read(runs[best], dst != NULL ? &heads : a, ss->w, &cur[best]);
        if (r < 0) { rc = io_err(cx, "read"); goto failed; }
        if (r == 0) cur[best] = NULL;
        if (dst != NULL && heads.total > (1u << 20)) {
            /* the other heads live in `heads` too: copy them before the reset */
            arena_t keep = {0};
            for (size_t i = 0; i < n; i++) {
                if (cur[i] != NULL) cur[i] = row_deep_copy(&keep, cur[i], ss->w);
            }
            ar_free(&heads);
            heads = keep;
        }
        if ((k & 1023) == 1023 && (rc = exec_check_cancel(cx)) != 0) goto failed;
    }
    if (dst != NULL && fflush(dst) != 0) rc = io_err(cx, "write");
failed:
    free(cur);
    ar_free(&heads);
    return rc;
}

int32_t exec_sort_spill(exec_ctx_t *cx, plan_t *p, rowset_t *out)
{
    if (p->l == NULL || !can_stream(cx, p->l)) return 1;
    spill_sort_t ss;
    memset(&ss, 0, sizeof ss);
    ss.base.fn = sort_sink;
    ss.p = p;
    ss.w = p->l->width > p->width ? p->l->width : p->width;
    size_t wm = cx->ar->limit ? cx->ar->limit : (size_t)cx->eng->work_mem;
    ss.limit = wm / 2 > 16384 ? wm / 2 : 16384;
    arena_t *main_ar = cx->ar;
    int32_t rc = exec_stream_into(cx, p->l, &ss.base);
    if (rc != 0) goto failed;
    /* the sorted result goes to the statement arena, off the work_mem budget */
    size_t before = main_ar->total, lim = main_ar->limit;
    main_ar->limit = 0;
    out->width = p->width;
    if (ss.n_runs == 0) {
        exec_sort_rows(ss.mem.rows, ss.mem.n, p->keys, p->n_sort, &ss.buf);
        for (size_t i = 0; i < ss.mem.n; i++) {
            rs_add(main_ar, out, row_deep_copy(main_ar, ss.mem.rows[i], ss.w));
        }
    } else {
        if ((rc = flush_run(cx, &ss)) == 0) {
            ar_free(&ss.buf);
            rc = cascade(cx, &ss, 1);
            if (rc == 0) {
                rc = merge(cx, &ss, ss.runs, ss.n_runs, NULL, main_ar, out);
            }
        }
    }
    (void)before;
    main_ar->limit = lim ? main_ar->total + lim : 0; /* a fresh budget above the output */
failed:
    helios_sql_spill_bytes = ss.bytes;
    helios_sql_spill_runs = ss.n_written;
    if (ss.n_written > 0 && getenv("HELIOS_SQL_TRACE") != NULL) {
        fprintf(stderr, "sort spilled: %llu runs, %llu bytes written\n",
                (unsigned long long)ss.n_written, (unsigned long long)ss.bytes);
    }
    for (size_t i = 0; i < ss.n_runs; i++) {
        if (ss.runs[i] != NULL) fclose(ss.runs[i]);
    }
    free(ss.runs);
    free(ss.lvl);
    ar_free(&ss.buf);
    return rc;
}
