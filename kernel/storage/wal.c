/*
 * wal.c -- write-ahead log segments: writes with group-commit sync, recovery, and the pool of
 * preallocated and recycled segments (see wal.h for the format and the recovery rules).
 */
#include "storage/wal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define WAL_FMT_V1 1u
#define WAL_FMT_V2 2u

typedef struct wal_seg {
    uint64_t segno;
    uint64_t first_seq; /* UINT64_MAX when empty */
    uint64_t last_seq;
    uint64_t bytes;      /* bytes of records */
    uint64_t file_bytes; /* size of the file (a preallocated segment is bigger than its records) */
    uint32_t fmt;
    uint32_t overwrite; /* the current segment is written in place */
} wal_seg_t;

typedef struct wal_ready {
    uint64_t segno;
    uint64_t bytes; /* the file's size: what the segment holds before it rotates */
} wal_ready_t;

struct helios_wal {
    helios_wal_opts_t o;
    int can_overwrite;      /* the tier has the ABI 1.2 members and we may use them */
    pthread_mutex_t mu;     /* segs, pool, recycle list, next_segno */
    pthread_mutex_t rel_mu; /* one helios_wal_release at a time (flush thread, callers) */
    wal_seg_t *segs;        /* in use, oldest first; the last one is the current segment */
    uint32_t n_segs, cap_segs;
    wal_ready_t *pool; /* ready segments, ascending */
    uint32_t n_pool, cap_pool;
    wal_ready_t *recycle; /* pool files numbered below the current segment (they hold no
                             record): the pool thread renames them to new numbers */
    uint32_t n_recycle, cap_recycle;
    uint64_t next_segno; /* next number to give a segment */
    helios_tier_writer_t *wr;
    uint64_t cur_size; /* bytes in the current segment known good */
    uint64_t bad_end;  /* a failed write may have left bytes up to here */
    int broken;        /* a write failed: undo it first */
    int dirty;         /* unsynced bytes */
    /* the pool thread */
    pthread_t thr;
    pthread_cond_t cv;
    int thr_started;
    int stop;
    int want_fill; /* the current segment is half full, or the pool ran dry */
    _Atomic uint64_t total_bytes;
    _Atomic uint64_t fsyncs;
    _Atomic uint64_t n_recycled;
    _Atomic uint64_t n_prealloc;
};

static void wal_name(char *buf, size_t n, uint64_t segno, uint32_t fmt)
{
    snprintf(buf, n, "wal/%016" PRIx64 ".%s", segno, fmt == WAL_FMT_V1 ? "log" : "wal");
}

void helios_wal_encode_hdr(uint8_t *hdr, uint64_t seq, uint32_t count, const uint8_t *payload,
                           uint32_t len)
{
    helios_put_u32(hdr + 4, len);
    helios_put_u64(hdr + 8, seq);
    helios_put_u32(hdr + 16, count);
    helios_put_u64(hdr + 20, 0);
    helios_put_u32(hdr + 28, helios_crc32c(0, payload, len));
    helios_put_u32(hdr, 0);
}

void helios_wal_seal_hdr(uint8_t *hdr, uint64_t segno)
{
    helios_put_u64(hdr + 20, segno);
    helios_put_u32(hdr, helios_crc32c(0, hdr + 4, HELIOS_WAL_HDR - 4));
}

/* A valid record of segment `segno` (format fmt) at p, within avail bytes? Sets len/seq/count. */
static int wal_valid_at(uint32_t fmt, uint64_t segno, const uint8_t *p, size_t avail, uint32_t *len,
                        uint64_t *seq, uint32_t *count)
{
    uint32_t l;
    if (fmt == WAL_FMT_V1) {
        if (avail < HELIOS_WAL_HDR_V1) {
            return 0;
        }
        l = helios_get_u32(p + 4);
        if (l > avail - HELIOS_WAL_HDR_V1) {
            return 0;
        }
        uint32_t crc = helios_crc32c(0, p + 4, HELIOS_WAL_HDR_V1 - 4);
        crc = helios_crc32c(crc, p + HELIOS_WAL_HDR_V1, l);
        if (crc != helios_get_u32(p)) {
            return 0;
        }
    } else {
        if (avail < HELIOS_WAL_HDR || helios_get_u64(p + 20) != segno ||
            helios_crc32c(0, p + 4, HELIOS_WAL_HDR - 4) != helios_get_u32(p)) {
            return 0;
        }
        l = helios_get_u32(p + 4);
        if (l > avail - HELIOS_WAL_HDR ||
            helios_crc32c(0, p + HELIOS_WAL_HDR, l) != helios_get_u32(p + 28)) {
            return 0;
        }
    }
    *len = l;
    *seq = helios_get_u64(p + 8);
    *count = helios_get_u32(p + 16);
    return *count > 0;
}

static uint32_t wal_hdr_len(uint32_t fmt)
{
    return fmt == WAL_FMT_V1 ? HELIOS_WAL_HDR_V1 : HELIOS_WAL_HDR;
}

static int32_t wal_grow(void **v, uint32_t *cap, uint32_t n, size_t elem)
{
    if (n < *cap) {
        return 0;
    }
    uint32_t nc = *cap ? *cap * 2 : 16;
    void *nv = realloc(*v, nc * elem);
    if (nv == NULL) {
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    *v = nv;
    *cap = nc;
    return 0;
}

typedef struct wal_list {
    helios_wal_t *w;
    int32_t rc;
} wal_list_t;

static int32_t wal_list_cb(const char *name, const helios_tier_stat_t *st, void *arg)
{
    wal_list_t *l = arg;
    helios_wal_t *w = l->w;
    unsigned long long segno;
    char tail[8];
    int n = 0;
    if (sscanf(name, "wal/%16llx.%4s%n", &segno, tail, &n) != 2 || name[n] != '\0' ||
        strlen(name) != 4 + 16 + 4 || (strcmp(tail, "log") != 0 && strcmp(tail, "wal") != 0)) {
        return 0; /* not ours */
    }
    if (wal_grow((void **)&w->segs, &w->cap_segs, w->n_segs, sizeof(*w->segs)) != 0) {
        l->rc = HELIOS_ERR_OUT_OF_MEMORY;
        return 1;
    }
    wal_seg_t *s = &w->segs[w->n_segs++];
    memset(s, 0, sizeof(*s));
    s->segno = segno;
    s->first_seq = UINT64_MAX;
    s->bytes = s->file_bytes = st->size_bytes;
    s->fmt = strcmp(tail, "log") == 0 ? WAL_FMT_V1 : WAL_FMT_V2;
    return 0;
}

/* A valid record of this segment at some position in (off, n)? (Corruption, not a torn end.) */
static int wal_later_valid(const wal_seg_t *s, const uint8_t *data, uint64_t n, uint64_t off,
                           uint64_t expect)
{
    uint32_t hl = wal_hdr_len(s->fmt);
    for (uint64_t p = off + 1; p + hl <= n; p++) {
        uint32_t l2, c2;
        uint64_t s2;
        if (s->fmt == WAL_FMT_V2) {
            if (helios_get_u64(data + p + 20) != s->segno) {
                continue;
            }
        } else {
            uint64_t cand = helios_get_u64(data + p + 8);
            if (expect == 0 || cand < expect || cand - expect >= (1ull << 32)) {
                continue;
            }
        }
        if (wal_valid_at(s->fmt, s->segno, data + p, n - p, &l2, &s2, &c2)) {
            return 1;
        }
    }
    return 0;
}

typedef struct wal_replay {
    uint64_t expect;    /* next seq (0: none seen yet) */
    uint64_t bad_segno; /* the previous segment ended at a bad record (a cut-off write) */
    uint64_t bad_off;
    uint32_t bad_fmt;
    int have_bad;
} wal_replay_t;

/* Replay one segment. */
static int32_t wal_replay_seg(helios_wal_t *w, wal_seg_t *s, int is_last, wal_replay_t *rp,
                              helios_wal_replay_fn cb, void *arg, helios_err_t *err)
{
    char name[64];
    wal_name(name, sizeof(name), s->segno, s->fmt);
    int32_t rc = 0;
    uint8_t *data = NULL;
    uint32_t hl = wal_hdr_len(s->fmt);
    if (s->bytes > 0) {
        data = malloc(s->bytes);
        if (data == NULL) {
            return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
        uint64_t n = 0;
        rc = w->o.tier_vt->get(w->o.tier, name, 0, s->bytes, data, &n, err);
        if (rc != 0) {
            goto failed;
        }
        s->bytes = s->file_bytes = n;
    }
    uint64_t off = 0;
    while (off < s->bytes) {
        uint32_t len = 0, count = 0;
        uint64_t seq = 0;
        int ok = wal_valid_at(s->fmt, s->segno, data + off, s->bytes - off, &len, &seq, &count);
        if (ok && rp->expect != 0 && seq != rp->expect) {
            if (off == 0 && rp->have_bad) {
                /* the previous segment ended at a bad record and records are missing */
                char bad[64];
                wal_name(bad, sizeof(bad), rp->bad_segno, rp->bad_fmt);
                rc = helios_storage_err_set(err, HELIOS_ERR_WAL_CORRUPTED,
                                            "WAL segment \"%s\" is corrupt at offset %" PRIu64
                                            " (segment \"%s\" continues at sequence %" PRIu64
                                            ", expected %" PRIu64 ")",
                                            bad, rp->bad_off, name, seq, rp->expect);
            } else {
                rc = helios_storage_err_set(err, HELIOS_ERR_WAL_CORRUPTED,
                                            "WAL segment \"%s\" at offset %" PRIu64
                                            ": record has sequence %" PRIu64 ", expected %" PRIu64,
                                            name, off, seq, rp->expect);
            }
            goto failed;
        }
        if (ok && (seq == 0 || seq >= HELIOS_WAL_SEQ_LIMIT || count > HELIOS_WAL_SEQ_LIMIT - seq)) {
            rc = helios_storage_err_set(err, HELIOS_ERR_WAL_CORRUPTED,
                                        "WAL segment \"%s\" at offset %" PRIu64
                                        ": record sequence %" PRIu64 "+%" PRIu32
                                        " is out of range (limit 2^56)",
                                        name, off, seq, count);
            goto failed;
        }
        if (!ok) {
            /* format 1: a torn tail only at the end of the last segment; format 2: the end of
               this segment unless a valid record of it follows */
            int later = (s->fmt == WAL_FMT_V2 || is_last) &&
                        wal_later_valid(s, data, s->bytes, off, rp->expect);
            if (later || (s->fmt == WAL_FMT_V1 && !is_last)) {
                rc = helios_storage_err_set(err, HELIOS_ERR_WAL_CORRUPTED,
                                            "WAL segment \"%s\" is corrupt at offset %" PRIu64,
                                            name, off);
                goto failed;
            }
            /* format 2: zero blocks or a recycled segment's old records end it cleanly; a header
               naming this segment is a torn write: cut it off */
            int torn = s->fmt == WAL_FMT_V1 ||
                       (s->bytes - off >= 28 && helios_get_u64(data + off + 20) == s->segno);
            if (torn) {
                rc = w->o.tier_vt->truncate(w->o.tier, name, off, err);
                if (rc != 0) {
                    goto failed;
                }
                s->file_bytes = off;
            }
            if (s->fmt == WAL_FMT_V2 && torn) {
                rp->have_bad = 1;
                rp->bad_segno = s->segno;
                rp->bad_off = off;
                rp->bad_fmt = s->fmt;
            }
            s->bytes = off;
            break;
        }
        rp->have_bad = 0;
        if (s->first_seq == UINT64_MAX) {
            s->first_seq = seq;
        }
        s->last_seq = seq + count - 1;
        rp->expect = seq + count;
        if (seq + count - 1 >= w->o.min_seq) {
            rc = cb(arg, seq, count, data + off + hl, len, err);
            if (rc != 0) {
                goto failed;
            }
        }
        off += hl + len;
    }
failed:
    free(data);
    return rc;
}

/* ---- the pool ---- */

/* Take the next segment number (caller holds mu). 0 when the 2^56 limit is reached. */
static uint64_t wal_take_segno(helios_wal_t *w)
{
    if (w->next_segno >= HELIOS_WAL_SEQ_LIMIT) {
        return 0;
    }
    return w->next_segno++;
}

static int32_t wal_pool_add(helios_wal_t *w, uint64_t segno, uint64_t bytes)
{
    if (wal_grow((void **)&w->pool, &w->cap_pool, w->n_pool, sizeof(*w->pool)) != 0) {
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    uint32_t i = w->n_pool;
    while (i > 0 && w->pool[i - 1].segno > segno) {
        w->pool[i] = w->pool[i - 1];
        i--;
    }
    w->pool[i].segno = segno;
    w->pool[i].bytes = bytes;
    w->n_pool++;
    return 0;
}

static void wal_remove_file(helios_wal_t *w, uint64_t segno, uint32_t fmt)
{
    char name[64];
    wal_name(name, sizeof(name), segno, fmt);
    w->o.tier_vt->remove(w->o.tier, name, NULL);
}

/* One unit of pool work on the pool thread: rename a released segment into the pool, or
   zero-fill a new one. Returns 1 when it did something, 0 when idle, -1 after a failure. */
static int wal_pool_step(helios_wal_t *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t old = 0, segno = 0;
    int recycle = w->n_recycle > 0;
    uint64_t bytes = w->o.segment_bytes;
    if (recycle) {
        old = w->recycle[w->n_recycle - 1].segno;
        bytes = w->recycle[w->n_recycle - 1].bytes;
        w->n_recycle--;
    } else if (w->n_pool >= w->o.pool_segments || !w->want_fill) {
        pthread_mutex_unlock(&w->mu);
        return 0;
    }
    segno = wal_take_segno(w);
    pthread_mutex_unlock(&w->mu);
    char name[64];
    wal_name(name, sizeof(name), segno, WAL_FMT_V2);
    helios_err_t e = HELIOS_ERR_INIT;
    int32_t rc;
    if (segno == 0) {
        rc = HELIOS_ERR_PROGRAM_LIMIT_EXCEEDED;
    } else if (recycle) {
        char from[64];
        wal_name(from, sizeof(from), old, WAL_FMT_V2);
        rc = w->o.tier_vt->rename(w->o.tier, from, name, &e);
    } else {
        rc = w->o.tier_vt->prealloc(w->o.tier, name, w->o.segment_bytes, &e);
    }
    if (rc != 0 && recycle) {
        wal_remove_file(w, old, WAL_FMT_V2);
    }
    pthread_mutex_lock(&w->mu);
    if (rc == 0 && wal_pool_add(w, segno, bytes) != 0) {
        rc = HELIOS_ERR_OUT_OF_MEMORY;
    }
    if (rc == 0) {
        atomic_fetch_add(recycle ? &w->n_recycled : &w->n_prealloc, 1);
    }
    if (w->n_pool >= w->o.pool_segments) {
        w->want_fill = 0;
    }
    pthread_mutex_unlock(&w->mu);
    if (rc != 0 && segno != 0 && !recycle) {
        wal_remove_file(w, segno, WAL_FMT_V2);
    }
    return rc == 0 ? 1 : -1;
}

static void *wal_pool_main(void *arg)
{
    helios_wal_t *w = arg;
    uint64_t backoff_ms = 200;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        int busy = w->n_recycle > 0 || (w->want_fill && w->n_pool < w->o.pool_segments);
        if (!busy) {
            pthread_cond_wait(&w->cv, &w->mu);
            continue;
        }
        pthread_mutex_unlock(&w->mu);
        int r = wal_pool_step(w);
        pthread_mutex_lock(&w->mu);
        if (r >= 0) {
            backoff_ms = 200;
            continue;
        }
        /* a full disk and the like: the writer appends to new files meanwhile; retry after
           200 ms, doubling up to 5 s while it keeps failing */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)(backoff_ms / 1000);
        ts.tv_nsec += (long)(backoff_ms % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &ts) == 0) {
        }
        backoff_ms = backoff_ms * 2 > 5000 ? 5000 : backoff_ms * 2;
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* ---- the current segment ---- */

static int32_t wal_add_seg(helios_wal_t *w, uint64_t segno, uint64_t file_bytes, int overwrite)
{
    if (wal_grow((void **)&w->segs, &w->cap_segs, w->n_segs, sizeof(*w->segs)) != 0) {
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    wal_seg_t *s = &w->segs[w->n_segs++];
    memset(s, 0, sizeof(*s));
    s->segno = segno;
    s->first_seq = UINT64_MAX;
    s->file_bytes = file_bytes;
    s->fmt = WAL_FMT_V2;
    s->overwrite = (uint32_t)overwrite;
    return 0;
}

/* Start the next segment: a ready one from the pool (written in place), else a new appended
   file (the pool thread is asked to catch up; the commit path never waits for zero-filling). */
static int32_t wal_open_next(helios_wal_t *w, helios_err_t *err)
{
    int32_t rc = 0;
    char name[64];
    pthread_mutex_lock(&w->mu);
    uint64_t cur = w->n_segs > 0 ? w->segs[w->n_segs - 1].segno : 0;
    uint64_t segno = 0, file_bytes = 0;
    int overwrite = 0;
    while (w->n_pool > 0) {
        wal_ready_t p = w->pool[0];
        memmove(w->pool, w->pool + 1, (w->n_pool - 1) * sizeof(*w->pool));
        w->n_pool--;
        if (p.segno > cur) {
            segno = p.segno;
            file_bytes = p.bytes;
            overwrite = 1;
            break;
        }
        /* numbered before the current segment (made while it was chosen): renumber it */
        if (wal_grow((void **)&w->recycle, &w->cap_recycle, w->n_recycle, sizeof(*w->recycle)) ==
            0) {
            w->recycle[w->n_recycle++] = p;
        }
    }
    if (segno == 0) {
        segno = wal_take_segno(w);
        /* the pool ran dry: an appended segment now, ready ones soon */
        w->want_fill = w->can_overwrite;
    }
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (segno == 0) {
        return helios_storage_err_set(err, HELIOS_ERR_PROGRAM_LIMIT_EXCEEDED,
                                      "WAL segment numbers are exhausted (limit 2^56)");
    }
    wal_name(name, sizeof(name), segno, WAL_FMT_V2);
    if (overwrite) {
        rc = w->o.tier_vt->wopen(w->o.tier, name, HELIOS_TIER_W_OVERWRITE, &w->wr, err);
    } else {
        rc = w->o.tier_vt->wopen(w->o.tier, name, HELIOS_TIER_W_APPEND, &w->wr, err);
    }
    if (rc != 0) {
        w->wr = NULL;
        return rc;
    }
    pthread_mutex_lock(&w->mu);
    rc = wal_add_seg(w, segno, file_bytes, overwrite);
    pthread_mutex_unlock(&w->mu);
    if (rc != 0) {
        w->o.tier_vt->wclose(w->wr, 0, NULL);
        w->wr = NULL;
        return helios_storage_err_set(err, rc, "out of memory");
    }
    w->cur_size = 0;
    w->bad_end = 0;
    w->dirty = !overwrite; /* a new file's directory entry */
    return 0;
}

static int32_t wal_repair(helios_wal_t *w, helios_err_t *err);

static int seg_cmp(const void *a, const void *b)
{
    uint64_t x = ((const wal_seg_t *)a)->segno, y = ((const wal_seg_t *)b)->segno;
    return x < y ? -1 : x > y;
}

int32_t helios_wal_open(const helios_wal_opts_t *o, helios_wal_replay_fn cb, void *arg,
                        helios_wal_t **out, uint64_t *last_seq, helios_err_t *err)
{
    helios_wal_t *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    w->o = *o;
    if (w->o.segment_bytes == 0) {
        w->o.segment_bytes = 16u << 20;
    }
    if (w->o.pool_segments == 0) {
        w->o.pool_segments = 1;
    }
    const helios_storage_vtable_t *vt = o->tier_vt;
    w->can_overwrite = !o->no_overwrite && (vt->caps & HELIOS_TIER_CAP_OVERWRITE) &&
                       HELIOS_VT_HAS(helios_storage_vtable_t, vt, write_at) &&
                       HELIOS_VT_HAS(helios_storage_vtable_t, vt, prealloc) &&
                       HELIOS_VT_HAS(helios_storage_vtable_t, vt, rename);
    pthread_mutex_init(&w->mu, NULL);
    pthread_mutex_init(&w->rel_mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    wal_list_t l = {.w = w};
    int32_t rc = o->tier_vt->list(o->tier, "wal/", wal_list_cb, &l, err);
    if (rc == 0 && l.rc != 0) {
        rc = helios_storage_err_set(err, l.rc, "out of memory");
    }
    if (rc != 0) {
        goto failed;
    }
    if (w->n_segs > 0) {
        qsort(w->segs, w->n_segs, sizeof(*w->segs), seg_cmp);
    }
    for (uint32_t i = 1; i < w->n_segs; i++) {
        if (w->segs[i].segno == w->segs[i - 1].segno) {
            rc = helios_storage_err_set(err, HELIOS_ERR_WAL_CORRUPTED,
                                        "WAL segment %016" PRIx64 " exists in two formats",
                                        w->segs[i].segno);
            goto failed;
        }
    }
    wal_replay_t rp = {0};
    uint32_t last_data = UINT32_MAX; /* the last segment holding records */
    for (uint32_t i = 0; i < w->n_segs; i++) {
        rc = wal_replay_seg(w, &w->segs[i], i + 1 == w->n_segs, &rp, cb, arg, err);
        if (rc != 0) {
            goto failed;
        }
        if (w->segs[i].first_seq != UINT64_MAX) {
            last_data = i;
        }
    }
    uint64_t max_segno = w->n_segs > 0 ? w->segs[w->n_segs - 1].segno : 0;
    if (max_segno >= HELIOS_WAL_SEQ_LIMIT) {
        rc = helios_storage_err_set(err, HELIOS_ERR_WAL_CORRUPTED,
                                    "WAL segment number %016" PRIx64 " is out of range (limit "
                                    "2^56)",
                                    max_segno);
        goto failed;
    }
    /* empty segments after the last one with records: ready for reuse when they are
       preallocated (format 2 and full size), deleted otherwise */
    uint32_t keep = last_data == UINT32_MAX ? 0 : last_data + 1;
    for (uint32_t i = keep; i < w->n_segs; i++) {
        wal_seg_t *s = &w->segs[i];
        if (w->can_overwrite && s->fmt == WAL_FMT_V2 && s->file_bytes >= w->o.segment_bytes &&
            w->n_pool < w->o.pool_segments + 2u) {
            if ((rc = wal_pool_add(w, s->segno, s->file_bytes)) != 0) {
                rc = helios_storage_err_set(err, rc, "out of memory");
                goto failed;
            }
        } else {
            wal_remove_file(w, s->segno, s->fmt);
        }
    }
    w->n_segs = keep;
    for (uint32_t i = 0; i < w->n_segs; i++) {
        atomic_fetch_add(&w->total_bytes, w->segs[i].bytes);
    }
    w->next_segno = max_segno + 1;
    if (w->can_overwrite && w->n_pool == 0) {
        /* the first segment of a store: zero-filled here (as initdb does), not while commits
           wait for their fdatasync */
        uint64_t segno = wal_take_segno(w);
        uint64_t bytes = w->o.segment_bytes;
        char name[64];
        wal_name(name, sizeof(name), segno, WAL_FMT_V2);
        if (segno != 0 && w->o.tier_vt->prealloc(w->o.tier, name, bytes, NULL) == 0) {
            wal_pool_add(w, segno, bytes);
            atomic_fetch_add(&w->n_prealloc, 1);
        }
    }
    rc = wal_open_next(w, err);
    if (rc != 0) {
        goto failed;
    }
    if (w->can_overwrite) {
        if (pthread_create(&w->thr, NULL, wal_pool_main, w) != 0) {
            rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY,
                                        "could not start the WAL segment thread");
            goto failed;
        }
        w->thr_started = 1;
    }
    *last_seq = rp.expect > 0 ? rp.expect - 1 : 0;
    *out = w;
    return 0;
failed:
    helios_wal_close(w);
    return rc;
}

void helios_wal_close(helios_wal_t *w)
{
    if (w == NULL) {
        return;
    }
    if (w->thr_started) {
        pthread_mutex_lock(&w->mu);
        w->stop = 1;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thr, NULL);
    }
    if (w->broken && w->n_segs > 0) {
        wal_repair(w, NULL); /* undo a failed write's bytes (best effort) */
    }
    if (w->wr != NULL) {
        w->o.tier_vt->wclose(w->wr, 0, NULL);
    }
    /* released segments not renamed yet hold nothing needed */
    for (uint32_t i = 0; i < w->n_recycle; i++) {
        wal_remove_file(w, w->recycle[i].segno, WAL_FMT_V2);
    }
    free(w->segs);
    free(w->pool);
    free(w->recycle);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->rel_mu);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

/* After a failed write or sync: undo what the failed write may have left (cut an appended
   segment back to its last good size; zero the range in a segment written in place) and
   reopen, so no record of the failed write can be replayed later. */
static int32_t wal_repair(helios_wal_t *w, helios_err_t *err)
{
    char name[64];
    pthread_mutex_lock(&w->mu);
    wal_seg_t s = w->segs[w->n_segs - 1];
    pthread_mutex_unlock(&w->mu);
    wal_name(name, sizeof(name), s.segno, s.fmt);
    if (w->wr != NULL) {
        w->o.tier_vt->wclose(w->wr, 0, NULL);
        w->wr = NULL;
    }
    int32_t rc = 0;
    if (!s.overwrite) {
        rc = w->o.tier_vt->truncate(w->o.tier, name, w->cur_size, err);
        if (rc != 0 && rc != HELIOS_ERR_UNDEFINED_FILE) {
            return rc;
        }
        rc = w->o.tier_vt->wopen(w->o.tier, name, HELIOS_TIER_W_APPEND, &w->wr, err);
    } else {
        rc = w->o.tier_vt->wopen(w->o.tier, name, HELIOS_TIER_W_OVERWRITE, &w->wr, err);
        if (rc == 0 && w->bad_end > w->cur_size) {
            uint64_t n = w->bad_end - w->cur_size;
            uint8_t *zeros = calloc(1, n);
            rc = zeros == NULL
                     ? helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory")
                     : w->o.tier_vt->write_at(w->wr, w->cur_size, zeros, n, err);
            free(zeros);
            if (rc == 0) {
                rc = w->o.tier_vt->wsync(w->wr, err);
            }
            if (rc != 0) {
                w->o.tier_vt->wclose(w->wr, 0, NULL);
            }
        }
    }
    if (rc != 0) {
        w->wr = NULL;
        return rc;
    }
    w->bad_end = 0;
    w->dirty = 1;
    w->broken = 0;
    return 0;
}

static int32_t wal_rotate(helios_wal_t *w, helios_err_t *err)
{
    int32_t rc = 0;
    if (w->dirty) {
        rc = w->o.tier_vt->wsync(w->wr, err);
        if (rc != 0) {
            return rc;
        }
        atomic_fetch_add(&w->fsyncs, 1);
        w->dirty = 0;
    }
    rc = w->o.tier_vt->wclose(w->wr, 0, err);
    w->wr = NULL;
    if (rc != 0) {
        return rc;
    }
    pthread_mutex_lock(&w->mu);
    wal_seg_t *s = &w->segs[w->n_segs - 1];
    if (s->file_bytes < w->cur_size) {
        s->file_bytes = w->cur_size;
    }
    pthread_mutex_unlock(&w->mu);
    return wal_open_next(w, err);
}

/* What the current segment holds before the WAL moves on: its size when it was made ready
   (a small first segment, or a recycled one of an earlier segment size), else the setting. */
static uint64_t wal_capacity(helios_wal_t *w)
{
    pthread_mutex_lock(&w->mu);
    const wal_seg_t *s = &w->segs[w->n_segs - 1];
    uint64_t cap = s->overwrite && s->file_bytes > 0 ? s->file_bytes : w->o.segment_bytes;
    pthread_mutex_unlock(&w->mu);
    return cap;
}

/* A write of `len` bytes at cur_size failed (or its sync did): its records must never be
   replayed, since the commit reports failure. Undo them now if the tier lets us, else before
   the next write or at close. */
static void wal_failed(helios_wal_t *w, size_t len)
{
    w->broken = 1;
    if (w->cur_size + len > w->bad_end) {
        w->bad_end = w->cur_size + len;
    }
    wal_repair(w, NULL);
}

int32_t helios_wal_write(helios_wal_t *w, uint8_t *data, size_t len, uint64_t first_seq,
                         uint64_t last_seq, int no_sync, helios_err_t *err)
{
    int32_t rc = 0;
    if (w->broken || w->wr == NULL) {
        if ((rc = wal_repair(w, err)) != 0) {
            return rc;
        }
    }
    if (w->cur_size > 0 && w->cur_size + len > wal_capacity(w)) {
        if ((rc = wal_rotate(w, err)) != 0) {
            w->broken = w->wr != NULL;
            return rc;
        }
    }
    pthread_mutex_lock(&w->mu);
    wal_seg_t *cs = &w->segs[w->n_segs - 1];
    uint64_t segno = cs->segno;
    int overwrite = (int)cs->overwrite;
    pthread_mutex_unlock(&w->mu);
    /* stamp the segment into every record's header */
    for (size_t off = 0; off + HELIOS_WAL_HDR <= len;) {
        helios_wal_seal_hdr(data + off, segno);
        off += HELIOS_WAL_HDR + helios_get_u32(data + off + 4);
    }
    if (overwrite) {
        rc = w->o.tier_vt->write_at(w->wr, w->cur_size, data, len, err);
    } else {
        rc = w->o.tier_vt->append(w->wr, data, len, err);
    }
    if (rc != 0) {
        wal_failed(w, len);
        return rc;
    }
    w->dirty = 1;
    if (!no_sync) {
        rc = w->o.tier_vt->wsync(w->wr, err);
        if (rc != 0) {
            wal_failed(w, len);
            return rc;
        }
        atomic_fetch_add(&w->fsyncs, 1);
        w->dirty = 0;
    }
    w->cur_size += len;
    atomic_fetch_add(&w->total_bytes, len);
    pthread_mutex_lock(&w->mu);
    wal_seg_t *s = &w->segs[w->n_segs - 1];
    if (s->first_seq == UINT64_MAX) {
        s->first_seq = first_seq;
    }
    s->last_seq = last_seq;
    s->bytes = w->cur_size;
    if (s->file_bytes < w->cur_size) {
        s->file_bytes = w->cur_size;
    }
    if (w->can_overwrite && !w->want_fill && w->n_pool < w->o.pool_segments &&
        w->cur_size >= (s->overwrite ? s->file_bytes : w->o.segment_bytes) / 2) {
        /* prepare the next segment while this one fills */
        w->want_fill = 1;
        pthread_cond_signal(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return 0;
}

int32_t helios_wal_switch(helios_wal_t *w, helios_err_t *err)
{
    int32_t rc = 0;
    if (w->broken || w->wr == NULL) {
        if ((rc = wal_repair(w, err)) != 0) {
            return rc;
        }
    }
    if (w->cur_size == 0) {
        return 0;
    }
    rc = wal_rotate(w, err);
    if (rc != 0) {
        w->broken = w->wr != NULL;
    }
    return rc;
}

int32_t helios_wal_sync(helios_wal_t *w, helios_err_t *err)
{
    if (!w->dirty || w->wr == NULL || w->broken) {
        return 0;
    }
    int32_t rc = w->o.tier_vt->wsync(w->wr, err);
    if (rc != 0) {
        w->broken = 1;
        return rc;
    }
    atomic_fetch_add(&w->fsyncs, 1);
    w->dirty = 0;
    return 0;
}

void helios_wal_release(helios_wal_t *w, uint64_t min_needed_seq)
{
    /* One releaser at a time, oldest segment first, each step durable before the next: the
       segments left on disk are always the newest ones in order, so a crash between two steps
       leaves no hole in the sequence. (Renaming segments later, out of order, could leave an
       old segment in front of a hole.) */
    pthread_mutex_lock(&w->rel_mu);
    for (;;) {
        pthread_mutex_lock(&w->mu);
        if (w->n_segs < 2) {
            pthread_mutex_unlock(&w->mu);
            break;
        }
        wal_seg_t s = w->segs[0];
        /* all of it below min_needed (an empty non-current segment holds nothing) */
        int drop = s.first_seq == UINT64_MAX || s.last_seq < min_needed_seq;
        if (!drop) {
            pthread_mutex_unlock(&w->mu);
            break;
        }
        /* recycle a full-size format-2 file (renaming beats zero-filling a new one), keeping
           a few more than the pool needs; delete the rest */
        uint64_t to = 0;
        if (w->can_overwrite && s.fmt == WAL_FMT_V2 && s.file_bytes >= w->o.segment_bytes &&
            w->n_pool < w->o.pool_segments + 2u) {
            to = wal_take_segno(w);
        }
        pthread_mutex_unlock(&w->mu);
        char name[64];
        wal_name(name, sizeof(name), s.segno, s.fmt);
        int32_t rc = -1;
        if (to != 0) {
            char to_name[64];
            wal_name(to_name, sizeof(to_name), to, WAL_FMT_V2);
            rc = w->o.tier_vt->rename(w->o.tier, name, to_name, NULL);
        }
        if (rc != 0) {
            to = 0;
            if (w->o.tier_vt->remove(w->o.tier, name, NULL) != 0) {
                break; /* retried at the next release */
            }
        }
        pthread_mutex_lock(&w->mu);
        memmove(w->segs, w->segs + 1, (w->n_segs - 1) * sizeof(*w->segs));
        w->n_segs--;
        if (to != 0 && wal_pool_add(w, to, s.file_bytes) == 0) {
            atomic_fetch_add(&w->n_recycled, 1);
        }
        pthread_mutex_unlock(&w->mu);
        atomic_fetch_sub(&w->total_bytes, s.bytes);
    }
    pthread_mutex_unlock(&w->rel_mu);
}

uint64_t helios_wal_bytes(helios_wal_t *w)
{
    return atomic_load(&w->total_bytes);
}

uint64_t helios_wal_fsyncs(helios_wal_t *w)
{
    return atomic_load(&w->fsyncs);
}

uint32_t helios_wal_segments(helios_wal_t *w)
{
    pthread_mutex_lock(&w->mu);
    uint32_t n = w->n_segs;
    pthread_mutex_unlock(&w->mu);
    return n;
}

uint32_t helios_wal_pool_size(helios_wal_t *w)
{
    pthread_mutex_lock(&w->mu);
    uint32_t n = w->n_pool;
    pthread_mutex_unlock(&w->mu);
    return n;
}

uint64_t helios_wal_recycled(helios_wal_t *w)
{
    return atomic_load(&w->n_recycled);
}

uint64_t helios_wal_preallocated(helios_wal_t *w)
{
    return atomic_load(&w->n_prealloc);
}
