/*
 * iter.c -- the merging iterator over memtables and SSTables, and the user iterator
 * (helios_iter_t) that shows, per key, the newest version visible at a snapshot.
 *
 * The merging iterator keeps no direction state: the user iterator re-seeks all children
 * whenever it changes direction (seek for forward, seek_lt for backward), which keeps each
 * side simple. Internal keys are unique across children (a memtable and the SSTable it was
 * flushed to are never in one read view), so ties do not arise.
 */
#include <stdlib.h>

#include "storage/internal.h"

typedef struct merge_iter {
    helios_sti_t base;
    uint32_t n;
    helios_sti_t *cur;
    helios_sti_t *kids[];
} merge_iter_t;

static int merge_check_err(merge_iter_t *m)
{
    for (uint32_t i = 0; i < m->n; i++) {
        if (m->kids[i]->status != 0) {
            m->base.status = m->kids[i]->status;
            helios_storage_err_copy(&m->base.err, &m->kids[i]->err);
            m->base.valid = 0;
            m->cur = NULL;
            return 1;
        }
    }
    return 0;
}

static void merge_pick(merge_iter_t *m, int forward)
{
    if (merge_check_err(m)) {
        return;
    }
    helios_sti_t *best = NULL;
    for (uint32_t i = 0; i < m->n; i++) {
        helios_sti_t *k = m->kids[i];
        if (!k->valid) {
            continue;
        }
        if (best == NULL) {
            best = k;
            continue;
        }
        int c =
            helios_ikey_cmp(k->e.key, k->e.klen, k->e.seq, best->e.key, best->e.klen, best->e.seq);
        if (forward ? c < 0 : c > 0) {
            best = k;
        }
    }
    m->cur = best;
    m->base.valid = best != NULL;
    if (best != NULL) {
        m->base.e = best->e;
    }
}

static void mg_seek(helios_sti_t *s, const uint8_t *k, uint32_t klen, uint64_t seq)
{
    merge_iter_t *m = (merge_iter_t *)s;
    for (uint32_t i = 0; i < m->n; i++) {
        m->kids[i]->ops->seek(m->kids[i], k, klen, seq);
    }
    merge_pick(m, 1);
}

static void mg_seek_lt(helios_sti_t *s, const uint8_t *k, uint32_t klen, uint64_t seq)
{
    merge_iter_t *m = (merge_iter_t *)s;
    for (uint32_t i = 0; i < m->n; i++) {
        m->kids[i]->ops->seek_lt(m->kids[i], k, klen, seq);
    }
    merge_pick(m, 0);
}

static void mg_first(helios_sti_t *s)
{
    merge_iter_t *m = (merge_iter_t *)s;
    for (uint32_t i = 0; i < m->n; i++) {
        m->kids[i]->ops->first(m->kids[i]);
    }
    merge_pick(m, 1);
}

static void mg_last(helios_sti_t *s)
{
    merge_iter_t *m = (merge_iter_t *)s;
    for (uint32_t i = 0; i < m->n; i++) {
        m->kids[i]->ops->last(m->kids[i]);
    }
    merge_pick(m, 0);
}

static void mg_next(helios_sti_t *s)
{
    merge_iter_t *m = (merge_iter_t *)s;
    m->cur->ops->next(m->cur);
    merge_pick(m, 1);
}

static void mg_prev(helios_sti_t *s)
{
    merge_iter_t *m = (merge_iter_t *)s;
    m->cur->ops->prev(m->cur);
    merge_pick(m, 0);
}

static void mg_destroy(helios_sti_t *s)
{
    merge_iter_t *m = (merge_iter_t *)s;
    for (uint32_t i = 0; i < m->n; i++) {
        m->kids[i]->ops->destroy(m->kids[i]);
    }
    free(m);
}

static const helios_sti_ops_t merge_ops = {mg_seek, mg_seek_lt, mg_first,  mg_last,
                                           mg_next, mg_prev,    mg_destroy};

helios_sti_t *helios_merge_iter(helios_sti_t **children, uint32_t n)
{
    merge_iter_t *m = calloc(1, sizeof(*m) + n * sizeof(helios_sti_t *));
    if (m == NULL) {
        for (uint32_t i = 0; i < n; i++) {
            children[i]->ops->destroy(children[i]);
        }
        return NULL;
    }
    m->base.ops = &merge_ops;
    m->n = n;
    memcpy(m->kids, children, n * sizeof(helios_sti_t *));
    return &m->base;
}

/* ---- the user iterator ---- */

struct helios_iter {
    helios_sti_t *m;
    uint64_t snap;
    int dir; /* 1 forward, -1 backward */
    uint32_t valid;
    const uint8_t *key, *val;
    uint32_t klen, vlen;
    helios_buf_t kbuf, vbuf, skip;
    void (*release)(void *arg);
    void *release_arg;
};

helios_iter_t *helios_user_iter_new(helios_sti_t *merged, uint64_t snap, void (*release)(void *),
                                    void *arg)
{
    helios_iter_t *it = calloc(1, sizeof(*it));
    if (it == NULL) {
        return NULL;
    }
    it->m = merged;
    it->snap = snap;
    it->dir = 1;
    it->release = release;
    it->release_arg = arg;
    return it;
}

static void ui_fwd_find(helios_iter_t *it, int skipping)
{
    helios_sti_t *m = it->m;
    while (m->valid) {
        const helios_entry_t *e = &m->e;
        if (e->seq <= it->snap) {
            if (skipping &&
                helios_ukey_cmp(e->key, e->klen, it->skip.data, (uint32_t)it->skip.len) == 0) {
                m->ops->next(m);
                continue;
            }
            if (e->type == HELIOS_ENT_DEL) {
                it->skip.len = 0;
                if (helios_buf_append(&it->skip, e->key, e->klen) != 0) {
                    break;
                }
                skipping = 1;
                m->ops->next(m);
                continue;
            }
            it->key = e->key;
            it->klen = e->klen;
            it->val = e->val;
            it->vlen = e->vlen;
            it->valid = 1;
            return;
        }
        m->ops->next(m);
    }
    it->valid = 0;
}

static void ui_back_find(helios_iter_t *it)
{
    helios_sti_t *m = it->m;
    while (m->valid) {
        it->kbuf.len = 0;
        if (helios_buf_append(&it->kbuf, m->e.key, m->e.klen) != 0) {
            break;
        }
        int have = 0;
        uint32_t type = HELIOS_ENT_DEL;
        while (m->valid &&
               helios_ukey_cmp(m->e.key, m->e.klen, it->kbuf.data, (uint32_t)it->kbuf.len) == 0) {
            if (m->e.seq <= it->snap) {
                have = 1;
                type = m->e.type;
                if (type == HELIOS_ENT_PUT) {
                    it->vbuf.len = 0;
                    if (helios_buf_append(&it->vbuf, m->e.val, m->e.vlen) != 0) {
                        it->valid = 0;
                        return;
                    }
                }
            }
            m->ops->prev(m);
        }
        if (have && type == HELIOS_ENT_PUT) {
            it->key = it->kbuf.data;
            it->klen = (uint32_t)it->kbuf.len;
            it->val = it->vbuf.data;
            it->vlen = (uint32_t)it->vbuf.len;
            it->valid = 1;
            return;
        }
    }
    it->valid = 0;
}

void helios_iter_seek(helios_iter_t *it, const void *key, uint32_t klen)
{
    it->dir = 1;
    it->m->ops->seek(it->m, key, klen, it->snap);
    ui_fwd_find(it, 0);
}

void helios_iter_seek_for_prev(helios_iter_t *it, const void *key, uint32_t klen)
{
    it->dir = -1;
    it->m->ops->seek_lt(it->m, key, klen, 0);
    ui_back_find(it);
}

void helios_iter_seek_first(helios_iter_t *it)
{
    it->dir = 1;
    it->m->ops->first(it->m);
    ui_fwd_find(it, 0);
}

void helios_iter_seek_last(helios_iter_t *it)
{
    it->dir = -1;
    it->m->ops->last(it->m);
    ui_back_find(it);
}

void helios_iter_next(helios_iter_t *it)
{
    if (!it->valid) {
        return;
    }
    if (it->dir == 1) {
        it->skip.len = 0;
        if (helios_buf_append(&it->skip, it->key, it->klen) != 0) {
            it->valid = 0;
            return;
        }
        it->m->ops->next(it->m);
        ui_fwd_find(it, 1);
        return;
    }
    /* backward -> forward: position after every version of the current key */
    it->dir = 1;
    it->skip.len = 0;
    if (helios_buf_append(&it->skip, it->key, it->klen) != 0) {
        it->valid = 0;
        return;
    }
    it->m->ops->seek(it->m, it->skip.data, (uint32_t)it->skip.len, 0);
    ui_fwd_find(it, 1);
}

void helios_iter_prev(helios_iter_t *it)
{
    if (!it->valid) {
        return;
    }
    if (it->dir == -1) {
        ui_back_find(it);
        return;
    }
    it->dir = -1;
    it->skip.len = 0;
    if (helios_buf_append(&it->skip, it->key, it->klen) != 0) {
        it->valid = 0;
        return;
    }
    it->m->ops->seek_lt(it->m, it->skip.data, (uint32_t)it->skip.len, HELIOS_SEQ_MAX);
    ui_back_find(it);
}

uint32_t helios_iter_valid(const helios_iter_t *it)
{
    return it->valid && it->m->status == 0;
}

const void *helios_iter_key(const helios_iter_t *it, uint32_t *klen)
{
    *klen = it->klen;
    return it->key;
}

const void *helios_iter_value(const helios_iter_t *it, uint32_t *vlen)
{
    *vlen = it->vlen;
    return it->val;
}

int32_t helios_iter_status(const helios_iter_t *it, helios_err_t *err)
{
    if (it->m->status != 0) {
        helios_storage_err_copy(err, &it->m->err);
    }
    return it->m->status;
}

void helios_iter_close(helios_iter_t *it)
{
    if (it == NULL) {
        return;
    }
    it->m->ops->destroy(it->m);
    if (it->release != NULL) {
        it->release(it->release_arg);
    }
    helios_buf_free(&it->kbuf);
    helios_buf_free(&it->vbuf);
    helios_buf_free(&it->skip);
    free(it);
}
