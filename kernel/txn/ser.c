/* kernel/txn/ser.c -- SERIALIZABLE by backward validation of read sets.
 *
 * Every writing transaction registers its write keys (pending) before its WAL write and marks
 * them done with its commit sequence number after. A serializable transaction records what it
 * read (points and key ranges, including reads that found nothing, so phantoms count) and, at
 * commit, under the registry mutex and atomically with registering its own keys, fails with
 * 40001 if any other registered transaction that is pending, or done with a sequence number
 * above its snapshot, wrote a key inside its read set. The validation order is then a serial
 * order of all serializable transactions: each one read exactly the writes of those validated
 * before it (that it could see) and none of those it could not see. Records are dropped once
 * no serializable transaction with an older snapshot is running. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helios/sqlstate.h"
#include "txn/txn_int.h"

#define READS_MAX 200000u

static int kcmp(const uint8_t *a, uint32_t al, const uint8_t *b, uint32_t bl)
{
    uint32_t n = al < bl ? al : bl;
    int c = n ? memcmp(a, b, n) : 0;
    if (c != 0) return c;
    return al < bl ? -1 : al > bl;
}

static void rec_free(ser_rec_t *r)
{
    free(r);
}

static void rec_unlink(helios_txnmgr_t *m, ser_rec_t *r)
{
    if (r->prev != NULL) r->prev->next = r->next;
    else m->rec_head = r->next;
    if (r->next != NULL) r->next->prev = r->prev;
    else m->rec_tail = r->prev;
    rec_free(r);
}

/* drop done records no running serializable transaction can still miss; caller holds ser_mu */
static void prune(helios_txnmgr_t *m)
{
    helios_seq_t min = HELIOS_SEQ_MAX;
    for (helios_txn_t *t = m->ser_head; t != NULL; t = t->ser_next) {
        helios_seq_t s = t->ser_snapped ? t->ser_snap : 0;
        if (s < min) min = s;
    }
    ser_rec_t *r = m->rec_head;
    while (r != NULL) {
        ser_rec_t *n = r->next;
        if (r->done && r->seq <= min) rec_unlink(m, r);
        r = n;
    }
}

void helios_txn_ser_begin(helios_txn_t *t)
{
    helios_txnmgr_t *m = t->m;
    if (t->ser_on) return;
    pthread_mutex_lock(&m->ser_mu);
    t->ser_on = 1;
    t->ser_snapped = 0;
    t->ser_prev = NULL;
    t->ser_next = m->ser_head;
    if (m->ser_head != NULL) m->ser_head->ser_prev = t;
    m->ser_head = t;
    pthread_mutex_unlock(&m->ser_mu);
}

void helios_txn_ser_snapshot(helios_txn_t *t, helios_seq_t snap)
{
    pthread_mutex_lock(&t->m->ser_mu);
    t->ser_snap = snap;
    t->ser_snapped = 1;
    pthread_mutex_unlock(&t->m->ser_mu);
}

uint32_t helios_txn_ser_active(const helios_txn_t *t)
{
    return t->ser_on;
}

static void all_tree(helios_txn_t *t, uint32_t tree)
{
    for (uint32_t i = 0; i < t->n_all_trees; i++) {
        if (t->all_trees[i] == tree) return;
    }
    if (t->n_all_trees < TXN_TREE_ALL_MAX) t->all_trees[t->n_all_trees++] = tree;
    else t->all_trees[TXN_TREE_ALL_MAX - 1] = 0; /* 0: every tree */
}

void helios_txn_read_range(helios_txn_t *t, uint32_t tree, const void *lo, uint32_t lolen,
                           const void *hi, uint32_t hilen, uint32_t hi_incl)
{
    if (!t->ser_on) return;
    if (lolen == 0 && hi == NULL) {
        all_tree(t, tree);
        return;
    }
    if (t->n_reads >= READS_MAX) {
        all_tree(t, tree);
        return;
    }
    if (t->n_reads == t->cap_reads) {
        uint32_t nc = t->cap_reads ? t->cap_reads * 2 : 64;
        rd_range_t *nr = realloc(t->reads, sizeof *nr * nc);
        if (nr == NULL) {
            all_tree(t, tree);
            return;
        }
        t->reads = nr;
        t->cap_reads = nc;
    }
    uint32_t hl = hi != NULL ? hilen : 0;
    uint8_t *buf = malloc((size_t)lolen + hl + 1);
    if (buf == NULL) {
        all_tree(t, tree);
        return;
    }
    rd_range_t *r = &t->reads[t->n_reads++];
    r->tree = tree;
    r->lo = buf;
    r->lolen = lolen;
    if (lolen) memcpy(buf, lo, lolen);
    r->hi_set = hi != NULL;
    r->hi_incl = (uint8_t)(hi_incl != 0);
    r->hi = buf + lolen;
    r->hilen = hl;
    if (hl) memcpy(r->hi, hi, hl);
}

void helios_txn_read_key(helios_txn_t *t, uint32_t tree, const void *key, uint32_t klen)
{
    if (!t->ser_on) return;
    if (klen == 0) {
        /* an empty key as its own point: lo = "" and hi = "" inclusive */
        helios_txn_read_range(t, tree, "", 0, "", 0, 1);
        return;
    }
    helios_txn_read_range(t, tree, key, klen, key, klen, 1);
}

static int read_hits(const helios_txn_t *t, uint32_t tree, const uint8_t *k, uint32_t kl)
{
    for (uint32_t i = 0; i < t->n_all_trees; i++) {
        if (t->all_trees[i] == tree || t->all_trees[i] == 0) return 1;
    }
    for (uint32_t i = 0; i < t->n_reads; i++) {
        const rd_range_t *r = &t->reads[i];
        if (r->tree != tree) continue;
        if (kcmp(k, kl, r->lo, r->lolen) < 0) continue;
        if (r->hi_set) {
            int c = kcmp(k, kl, r->hi, r->hilen);
            if (c > 0 || (c == 0 && !r->hi_incl)) continue;
        }
        return 1;
    }
    return 0;
}

/* A validation that failed on a writer still committing waits (up to a second) for it to
   finish before reporting 40001: a retry started at once would take a snapshot without that
   writer and fail the same way again. Caller holds ser_mu. */
static void wait_finished(helios_txnmgr_t *m, uint64_t id)
{
    int64_t until = helios_txn_now_us() + 1000000;
    for (;;) {
        ser_rec_t *r = m->rec_head;
        while (r != NULL && r->id != id) r = r->next;
        if (r == NULL || r->done) return;
        int64_t now = helios_txn_now_us();
        if (now >= until) return;
        struct timespec ts;
        ts.tv_sec = (time_t)(until / 1000000);
        ts.tv_nsec = (long)(until % 1000000) * 1000;
        pthread_cond_timedwait(&m->ser_cv, &m->ser_mu, &ts);
    }
}

int32_t helios_txn_commit_prepare(helios_txn_t *t, uint32_t n, const uint32_t *trees,
                                  const void *const *keys, const uint32_t *klens,
                                  helios_err_t *err)
{
    helios_txnmgr_t *m = t->m;
    ser_rec_t *r = NULL;
    if (n > 0) {
        size_t bytes = sizeof *r + (sizeof(uint32_t) * 2 + sizeof(uint8_t *)) * n;
        for (uint32_t i = 0; i < n; i++) bytes += klens[i];
        r = calloc(1, bytes);
        if (r == NULL) return HELIOS_ERR_OUT_OF_MEMORY;
        r->keys = (uint8_t **)(r + 1);
        r->trees = (uint32_t *)(r->keys + n);
        r->klens = r->trees + n;
        uint8_t *p = (uint8_t *)(r->klens + n);
        for (uint32_t i = 0; i < n; i++) {
            r->trees[i] = trees[i];
            r->klens[i] = klens[i];
            r->keys[i] = p;
            memcpy(p, keys[i], klens[i]);
            p += klens[i];
        }
        r->n = n;
        r->owner = t;
    }
    pthread_mutex_lock(&m->ser_mu);
    if (t->ser_on) {
        m->stats.ser_validations++;
        for (ser_rec_t *o = m->rec_head; o != NULL; o = o->next) {
            if (o->owner == t) continue;
            if (o->done && t->ser_snapped && o->seq <= t->ser_snap) continue;
            for (uint32_t i = 0; i < o->n; i++) {
                if (read_hits(t, o->trees[i], o->keys[i], o->klens[i])) {
                    m->stats.ser_failures++;
                    if (!o->done) wait_finished(m, o->id);
                    pthread_mutex_unlock(&m->ser_mu);
                    free(r);
                    if (err != NULL) {
                        memset(err, 0, sizeof *err);
                        err->code = HELIOS_ERR_SERIALIZATION_FAILURE;
                        snprintf(err->message, sizeof err->message,
                                 "could not serialize access due to read/write dependencies "
                                 "among transactions");
                        snprintf(err->detail, sizeof err->detail,
                                 "Reason code: Canceled on commit attempt with conflict in from "
                                 "prepared pivot.");
                        snprintf(err->hint, sizeof err->hint,
                                 "The transaction might succeed if retried.");
                    }
                    return HELIOS_ERR_SERIALIZATION_FAILURE;
                }
            }
        }
    }
    if (r != NULL) {
        r->id = ++m->next_rec_id;
        r->prev = m->rec_tail;
        if (m->rec_tail != NULL) m->rec_tail->next = r;
        else m->rec_head = r;
        m->rec_tail = r;
        t->rec = r;
    }
    pthread_mutex_unlock(&m->ser_mu);
    return 0;
}

void helios_txn_commit_finish(helios_txn_t *t, uint32_t written, helios_seq_t seq)
{
    helios_txnmgr_t *m = t->m;
    if (t->rec == NULL) return;
    pthread_mutex_lock(&m->ser_mu);
    if (written) {
        t->rec->done = 1;
        t->rec->seq = seq;
        t->rec->owner = NULL;
    } else {
        rec_unlink(m, t->rec);
    }
    t->rec = NULL;
    prune(m);
    pthread_cond_broadcast(&m->ser_cv);
    pthread_mutex_unlock(&m->ser_mu);
}

static void reads_clear(helios_txn_t *t)
{
    for (uint32_t i = 0; i < t->n_reads; i++) free(t->reads[i].lo);
    t->n_reads = 0;
    t->n_all_trees = 0;
    if (t->cap_reads > 4096) {
        free(t->reads);
        t->reads = NULL;
        t->cap_reads = 0;
    }
}

void helios_txn_end(helios_txn_t *t)
{
    helios_txnmgr_t *m = t->m;
    if (t->rec != NULL) helios_txn_commit_finish(t, 0, 0);
    if (t->ser_on) {
        pthread_mutex_lock(&m->ser_mu);
        if (t->ser_prev != NULL) t->ser_prev->ser_next = t->ser_next;
        else m->ser_head = t->ser_next;
        if (t->ser_next != NULL) t->ser_next->ser_prev = t->ser_prev;
        t->ser_next = t->ser_prev = NULL;
        t->ser_on = 0;
        t->ser_snapped = 0;
        prune(m);
        pthread_mutex_unlock(&m->ser_mu);
    }
    reads_clear(t);
}

void txn_ser_release(helios_txn_t *t)
{
    helios_txn_end(t);
    free(t->reads);
    t->reads = NULL;
    t->cap_reads = 0;
}

void txn_ser_destroy(helios_txnmgr_t *m)
{
    while (m->rec_head != NULL) rec_unlink(m, m->rec_head);
}
