/*
 * wal.c -- write-ahead log segments: append with group-commit sync, recovery, recycling.
 */
#include "storage/wal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct wal_seg {
    uint64_t segno;
    uint64_t first_seq; /* UINT64_MAX when empty */
    uint64_t last_seq;
    uint64_t bytes;
} wal_seg_t;

struct helios_wal {
    helios_wal_opts_t o;
    pthread_mutex_t mu; /* segs (release runs on the flush thread) */
    wal_seg_t *segs;
    uint32_t n_segs, cap_segs;
    helios_tier_writer_t *wr;
    uint64_t cur_size; /* bytes in the current segment known good */
    int broken;        /* a write failed: cut back to cur_size first */
    int dirty;         /* unsynced bytes */
    _Atomic uint64_t total_bytes;
    _Atomic uint64_t fsyncs;
};

static void wal_name(char *buf, size_t n, uint64_t segno)
{
    snprintf(buf, n, "wal/%016" PRIx64 ".log", segno);
}

void helios_wal_encode_hdr(uint8_t *hdr, uint64_t seq, uint32_t count, const uint8_t *payload,
                           uint32_t len)
{
    helios_put_u32(hdr + 4, len);
    helios_put_u64(hdr + 8, seq);
    helios_put_u32(hdr + 16, count);
    uint32_t crc = helios_crc32c(0, hdr + 4, HELIOS_WAL_HDR - 4);
    crc = helios_crc32c(crc, payload, len);
    helios_put_u32(hdr, crc);
}

/* A valid record at p (within avail bytes)? Sets len/seq/count. */
static int wal_valid_at(const uint8_t *p, size_t avail, uint32_t *len, uint64_t *seq,
                        uint32_t *count)
{
    if (avail < HELIOS_WAL_HDR) {
        return 0;
    }
    uint32_t l = helios_get_u32(p + 4);
    if (l > avail - HELIOS_WAL_HDR) {
        return 0;
    }
    uint32_t crc = helios_crc32c(0, p + 4, HELIOS_WAL_HDR - 4);
    crc = helios_crc32c(crc, p + HELIOS_WAL_HDR, l);
    if (crc != helios_get_u32(p)) {
        return 0;
    }
    *len = l;
    *seq = helios_get_u64(p + 8);
    *count = helios_get_u32(p + 16);
    return *count > 0;
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
    if (sscanf(name, "wal/%16llx.%4s", &segno, tail) != 2 || strcmp(tail, "log") != 0) {
        return 0; /* not ours */
    }
    if (w->n_segs == w->cap_segs) {
        uint32_t cap = w->cap_segs ? w->cap_segs * 2 : 16;
        wal_seg_t *ns = realloc(w->segs, cap * sizeof(*ns));
        if (ns == NULL) {
            l->rc = HELIOS_ERR_OUT_OF_MEMORY;
            return 1;
        }
        w->segs = ns;
        w->cap_segs = cap;
    }
    wal_seg_t *s = &w->segs[w->n_segs++];
    s->segno = segno;
    s->first_seq = UINT64_MAX;
    s->last_seq = 0;
    s->bytes = st->size_bytes;
    return 0;
}

static int32_t wal_add_seg(helios_wal_t *w, uint64_t segno)
{
    if (w->n_segs == w->cap_segs) {
        uint32_t cap = w->cap_segs ? w->cap_segs * 2 : 16;
        wal_seg_t *ns = realloc(w->segs, cap * sizeof(*ns));
        if (ns == NULL) {
            return HELIOS_ERR_OUT_OF_MEMORY;
        }
        w->segs = ns;
        w->cap_segs = cap;
    }
    wal_seg_t *s = &w->segs[w->n_segs++];
    s->segno = segno;
    s->first_seq = UINT64_MAX;
    s->last_seq = 0;
    s->bytes = 0;
    return 0;
}

/* Replay one segment. */
static int32_t wal_replay_seg(helios_wal_t *w, wal_seg_t *s, int is_last, uint64_t *expect,
                              helios_wal_replay_fn cb, void *arg, helios_err_t *err)
{
    char name[64];
    wal_name(name, sizeof(name), s->segno);
    int32_t rc = 0;
    uint8_t *data = NULL;
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
        s->bytes = n;
    }
    uint64_t off = 0;
    while (off < s->bytes) {
        uint32_t len = 0, count = 0;
        uint64_t seq = 0;
        int ok = wal_valid_at(data + off, s->bytes - off, &len, &seq, &count);
        if (ok && *expect != 0 && seq != *expect) {
            rc = helios_storage_err_set(err, HELIOS_ERR_WAL_CORRUPTED,
                                        "WAL segment \"%s\" at offset %" PRIu64
                                        ": record has sequence %" PRIu64 ", expected %" PRIu64,
                                        name, off, seq, *expect);
            goto failed;
        }
        if (!ok) {
            /* torn tail, or corruption when a valid record follows */
            int later = 0;
            for (uint64_t p = off + 1; is_last && *expect != 0 && p + HELIOS_WAL_HDR <= s->bytes;
                 p++) {
                uint64_t cand = helios_get_u64(data + p + 8);
                if (cand >= *expect && cand - *expect < (1ull << 32)) {
                    uint32_t l2, c2;
                    uint64_t s2;
                    if (wal_valid_at(data + p, s->bytes - p, &l2, &s2, &c2)) {
                        later = 1;
                        break;
                    }
                }
            }
            if (!is_last || later) {
                rc = helios_storage_err_set(err, HELIOS_ERR_WAL_CORRUPTED,
                                            "WAL segment \"%s\" is corrupt at offset %" PRIu64,
                                            name, off);
                goto failed;
            }
            rc = w->o.tier_vt->truncate(w->o.tier, name, off, err);
            if (rc != 0) {
                goto failed;
            }
            s->bytes = off;
            break;
        }
        if (s->first_seq == UINT64_MAX) {
            s->first_seq = seq;
        }
        s->last_seq = seq + count - 1;
        *expect = seq + count;
        if (seq + count - 1 >= w->o.min_seq) {
            rc = cb(arg, seq, count, data + off + HELIOS_WAL_HDR, len, err);
            if (rc != 0) {
                goto failed;
            }
        }
        off += HELIOS_WAL_HDR + len;
    }
failed:
    free(data);
    return rc;
}

static int32_t wal_open_segment(helios_wal_t *w, uint64_t segno, helios_err_t *err)
{
    char name[64];
    wal_name(name, sizeof(name), segno);
    int32_t rc = w->o.tier_vt->wopen(w->o.tier, name, HELIOS_TIER_W_APPEND, &w->wr, err);
    if (rc != 0) {
        w->wr = NULL;
        return rc;
    }
    pthread_mutex_lock(&w->mu);
    rc = wal_add_seg(w, segno);
    pthread_mutex_unlock(&w->mu);
    if (rc != 0) {
        w->o.tier_vt->wclose(w->wr, 0, NULL);
        w->wr = NULL;
        return helios_storage_err_set(err, rc, "out of memory");
    }
    w->cur_size = 0;
    w->dirty = 1; /* the new file's directory entry */
    return 0;
}

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
        w->o.segment_bytes = 64u << 20;
    }
    pthread_mutex_init(&w->mu, NULL);
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
    uint64_t expect = 0;
    for (uint32_t i = 0; i < w->n_segs; i++) {
        rc = wal_replay_seg(w, &w->segs[i], i + 1 == w->n_segs, &expect, cb, arg, err);
        if (rc != 0) {
            goto failed;
        }
        atomic_fetch_add(&w->total_bytes, w->segs[i].bytes);
    }
    /* empty segments carry nothing; a new segment starts after the last one */
    uint64_t next_segno = w->n_segs > 0 ? w->segs[w->n_segs - 1].segno + 1 : 1;
    rc = wal_open_segment(w, next_segno, err);
    if (rc != 0) {
        goto failed;
    }
    *last_seq = expect > 0 ? expect - 1 : 0;
    *out = w;
    return 0;
failed:
    free(w->segs);
    pthread_mutex_destroy(&w->mu);
    free(w);
    return rc;
}

void helios_wal_close(helios_wal_t *w)
{
    if (w == NULL) {
        return;
    }
    if (w->wr != NULL) {
        w->o.tier_vt->wclose(w->wr, 0, NULL);
    }
    free(w->segs);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

/* After a failed write or sync: cut the segment back to its last good size and reopen. */
static int32_t wal_repair(helios_wal_t *w, helios_err_t *err)
{
    char name[64];
    pthread_mutex_lock(&w->mu);
    uint64_t segno = w->segs[w->n_segs - 1].segno;
    pthread_mutex_unlock(&w->mu);
    wal_name(name, sizeof(name), segno);
    if (w->wr != NULL) {
        w->o.tier_vt->wclose(w->wr, 0, NULL);
        w->wr = NULL;
    }
    int32_t rc = w->o.tier_vt->truncate(w->o.tier, name, w->cur_size, err);
    if (rc != 0 && rc != HELIOS_ERR_UNDEFINED_FILE) {
        return rc;
    }
    rc = w->o.tier_vt->wopen(w->o.tier, name, HELIOS_TIER_W_APPEND, &w->wr, err);
    if (rc != 0) {
        w->wr = NULL;
        return rc;
    }
    w->dirty = 1;
    w->broken = 0;
    return 0;
}

static int32_t wal_rotate(helios_wal_t *w, helios_err_t *err)
{
    int32_t rc = w->o.tier_vt->wsync(w->wr, err);
    if (rc != 0) {
        return rc;
    }
    atomic_fetch_add(&w->fsyncs, 1);
    w->dirty = 0;
    rc = w->o.tier_vt->wclose(w->wr, 1, err);
    w->wr = NULL;
    pthread_mutex_lock(&w->mu);
    uint64_t segno = w->segs[w->n_segs - 1].segno + 1;
    pthread_mutex_unlock(&w->mu);
    if (rc != 0) {
        return rc;
    }
    return wal_open_segment(w, segno, err);
}

int32_t helios_wal_write(helios_wal_t *w, const uint8_t *data, size_t len, uint64_t first_seq,
                         uint64_t last_seq, int no_sync, helios_err_t *err)
{
    int32_t rc = 0;
    if (w->broken || w->wr == NULL) {
        if ((rc = wal_repair(w, err)) != 0) {
            return rc;
        }
    }
    if (w->cur_size > 0 && w->cur_size + len > w->o.segment_bytes) {
        if ((rc = wal_rotate(w, err)) != 0) {
            w->broken = w->wr != NULL;
            return rc;
        }
    }
    rc = w->o.tier_vt->append(w->wr, data, len, err);
    if (rc != 0) {
        w->broken = 1;
        return rc;
    }
    w->dirty = 1;
    if (!no_sync) {
        rc = w->o.tier_vt->wsync(w->wr, err);
        if (rc != 0) {
            w->broken = 1;
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
    for (;;) {
        pthread_mutex_lock(&w->mu);
        if (w->n_segs < 2) {
            pthread_mutex_unlock(&w->mu);
            return;
        }
        wal_seg_t s = w->segs[0];
        /* all of it below min_needed (an empty non-current segment holds nothing) */
        int drop = s.first_seq == UINT64_MAX || s.last_seq < min_needed_seq;
        pthread_mutex_unlock(&w->mu);
        if (!drop) {
            return;
        }
        char name[64];
        wal_name(name, sizeof(name), s.segno);
        if (w->o.tier_vt->remove(w->o.tier, name, NULL) != 0) {
            return; /* retried at the next release */
        }
        pthread_mutex_lock(&w->mu);
        /* another releaser may have dropped it meanwhile */
        int mine = w->n_segs >= 2 && w->segs[0].segno == s.segno;
        if (mine) {
            memmove(w->segs, w->segs + 1, (w->n_segs - 1) * sizeof(*w->segs));
            w->n_segs--;
        }
        pthread_mutex_unlock(&w->mu);
        if (mine) {
            atomic_fetch_sub(&w->total_bytes, s.bytes);
        }
    }
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
