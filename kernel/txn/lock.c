/* kernel/txn/lock.c -- row locks: a hash table of (tree, key) entries with holders, waits on
 * one condition variable, lock_timeout / statement deadline / cancel, and deadlock detection
 * over the wait-for graph once a wait has lasted deadlock_timeout (as PostgreSQL does). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helios/sqlstate.h"
#include "txn/txn_int.h"

static int32_t txerr(helios_err_t *err, int32_t code, const char *fmt, const char *arg)
{
    if (err != NULL) {
        memset(err, 0, sizeof *err);
        err->code = code;
        snprintf(err->message, sizeof err->message, fmt, arg != NULL ? arg : "");
    }
    return code;
}

int64_t helios_txn_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* an empty table of n slots (a power of two) replacing the current one, which the caller
   frees or rehashes; 53200 when out of memory (the current one stays) */
static int32_t lk_table_new(helios_txnmgr_t *m, uint64_t n)
{
    lk_entry_t **ents = calloc(n, sizeof(lk_entry_t *) + sizeof(uint32_t));
    if (ents == NULL) return HELIOS_ERR_OUT_OF_MEMORY;
    m->ents = ents;
    m->tags = (uint32_t *)(ents + n);
    m->n_slots = n;
    return 0;
}

int32_t helios_txnmgr_create(helios_txnmgr_t **out)
{
    helios_txnmgr_t *m = calloc(1, sizeof *m);
    if (m == NULL) return HELIOS_ERR_OUT_OF_MEMORY;
    pthread_mutex_init(&m->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&m->ser_mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->ser_cv, &ca);
    pthread_condattr_destroy(&ca);
    if (lk_table_new(m, LK_SLOTS) != 0) {
        free(m);
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    *out = m;
    return 0;
}

void helios_txnmgr_destroy(helios_txnmgr_t *m)
{
    if (m == NULL) return;
    for (uint64_t i = 0; i < m->n_slots; i++) {
        lk_entry_t *e = m->ents[i];
        if (e == NULL) continue;
        if (e->holders != &e->one) free(e->holders);
        if (!e->small) free(e);
    }
    while (m->chunks != NULL) {
        lk_chunk_t *c = m->chunks;
        m->chunks = c->next;
        free(c);
    }
    txn_ser_destroy(m);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->ser_mu);
    pthread_cond_destroy(&m->ser_cv);
    free(m->ents);
    free(m);
}

void *helios_txnmgr_user(helios_txnmgr_t *m)
{
    return m->user;
}

void helios_txnmgr_set_user(helios_txnmgr_t *m, void *p)
{
    m->user = p;
}

void helios_txnmgr_stats(helios_txnmgr_t *m, helios_txn_stats_t *out)
{
    pthread_mutex_lock(&m->mu);
    *out = m->stats;
    pthread_mutex_unlock(&m->mu);
    pthread_mutex_lock(&m->ser_mu);
    out->ser_failures = m->stats.ser_failures;
    out->ser_validations = m->stats.ser_validations;
    pthread_mutex_unlock(&m->ser_mu);
}

helios_txn_t *helios_txn_new(helios_txnmgr_t *m, uint32_t id)
{
    helios_txn_t *t = calloc(1, sizeof *t);
    if (t == NULL) return NULL;
    t->m = m;
    t->id = id;
    return t;
}

void helios_txn_free(helios_txn_t *t)
{
    if (t == NULL) return;
    helios_txn_unlock_all(t);
    txn_ser_release(t);
    free(t->held);
    free(t);
}

/* the key's tag: a 32-bit hash, never 0 (8 bytes at a time; row and index keys are short) */
static uint32_t lk_hash(uint32_t tree, const void *key, uint32_t klen)
{
    const uint8_t *p = key;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)tree << 32) ^ klen;
    while (klen >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
        p += 8;
        klen -= 8;
    }
    uint64_t w = 0;
    for (uint32_t i = 0; i < klen; i++) w |= (uint64_t)p[i] << (8 * i);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    h *= 0xff51afd7ed558ccdull;
    uint32_t t = (uint32_t)(h ^ (h >> 32));
    return t != 0 ? t : 1;
}

/* rebuild the table with n slots (a power of two, more than twice the entries); caller holds
   mu. On allocation failure the old table stays (longer probes, still correct). */
static void lk_resize(helios_txnmgr_t *m, uint64_t n)
{
    lk_entry_t **old_ents = m->ents;
    uint32_t *old_tags = m->tags;
    uint64_t old_n = m->n_slots;
    if (lk_table_new(m, n) != 0) return;
    for (uint64_t i = 0; i < old_n; i++) {
        if (old_tags[i] == 0) continue;
        uint64_t j = old_tags[i] & (n - 1);
        while (m->tags[j] != 0) j = (j + 1) & (n - 1);
        m->tags[j] = old_tags[i];
        m->ents[j] = old_ents[i];
    }
    free(old_ents);
}

/* the slot of (tree, key), or the empty slot where it would go; caller holds mu */
static uint64_t lk_probe(const helios_txnmgr_t *m, uint32_t h, uint32_t tree, const void *key,
                         uint32_t klen)
{
    uint64_t mask = m->n_slots - 1;
    uint64_t i = h & mask;
    for (; m->tags[i] != 0; i = (i + 1) & mask) {
        if (m->tags[i] != h) continue;
        const lk_entry_t *e = m->ents[i];
        if (e->tree == tree && e->klen == klen && memcmp(e->key, key, klen) == 0) break;
    }
    return i;
}

#define LK_SMALL_SIZE ((sizeof(lk_entry_t) + LK_SMALL_KEY + 15) & ~(size_t)15)

static void lk_entry_free(helios_txnmgr_t *m, lk_entry_t *e);

/* a zeroed entry for a key of klen bytes; caller holds mu */
static lk_entry_t *lk_entry_alloc(helios_txnmgr_t *m, uint32_t klen)
{
    lk_entry_t *e;
    if (klen > LK_SMALL_KEY) {
        e = malloc(sizeof *e + klen);
        if (e != NULL) memset(e, 0, sizeof *e);
        return e;
    }
    if (m->free_small != NULL) {
        e = m->free_small;
        m->free_small = (lk_entry_t *)e->holders;
    } else {
        lk_chunk_t *c = m->chunks;
        if (c == NULL || c->used == LK_CHUNK_ENTRIES) {
            c = malloc(sizeof *c + LK_SMALL_SIZE * LK_CHUNK_ENTRIES);
            if (c == NULL) return NULL;
            c->used = 0;
            c->next = m->chunks;
            m->chunks = c;
        }
        e = (lk_entry_t *)(c->data + LK_SMALL_SIZE * c->used++);
    }
    memset(e, 0, sizeof *e);
    e->small = 1;
    m->n_small++;
    return e;
}

/* the entry of (tree, key), created (no holders) when there is none; NULL when out of memory */
static lk_entry_t *lk_get(helios_txnmgr_t *m, uint32_t h, uint32_t tree, const void *key,
                          uint32_t klen)
{
    uint64_t i = lk_probe(m, h, tree, key, klen);
    if (m->tags[i] != 0) return m->ents[i];
    lk_entry_t *e = lk_entry_alloc(m, klen);
    if (e == NULL) return NULL;
    e->hash = h;
    e->tree = tree;
    e->klen = klen;
    e->holders = &e->one;
    e->cap_holders = 1;
    memcpy(e->key, key, klen);
    if ((m->n_entries + 1) * 2 > m->n_slots) {
        lk_resize(m, m->n_slots * 2);
        if (m->n_entries + 1 >= m->n_slots) {
            lk_entry_free(m, e); /* could not grow a full table */
            return NULL;
        }
        i = lk_probe(m, h, tree, key, klen);
    }
    m->tags[i] = h;
    m->ents[i] = e;
    m->n_entries++;
    return e;
}

static void lk_entry_free(helios_txnmgr_t *m, lk_entry_t *e)
{
    if (e->holders != &e->one) free(e->holders);
    if (!e->small) {
        free(e);
        return;
    }
    e->holders = (lk_holder_t *)m->free_small;
    m->free_small = e;
    if (--m->n_small > 0) return;
    /* no chunk entry in use: give the chunks back */
    while (m->chunks != NULL) {
        lk_chunk_t *c = m->chunks;
        m->chunks = c->next;
        free(c);
    }
    m->free_small = NULL;
}

/* take an entry nobody holds or waits for out of the table; caller holds mu */
static void lk_remove(helios_txnmgr_t *m, lk_entry_t *e)
{
    uint64_t mask = m->n_slots - 1;
    uint64_t i = e->hash & mask;
    while (m->ents[i] != e) i = (i + 1) & mask;
    /* backward-shift deletion: move up each later entry of the run whose home slot is not
       cyclically inside (i, j], so every entry stays reachable from its home slot */
    for (uint64_t j = (i + 1) & mask; m->tags[j] != 0; j = (j + 1) & mask) {
        uint64_t k = m->tags[j] & mask;
        int stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays) continue;
        m->tags[i] = m->tags[j];
        m->ents[i] = m->ents[j];
        i = j;
    }
    m->tags[i] = 0;
    m->ents[i] = NULL;
    m->n_entries--;
}

static void lk_maybe_free(helios_txnmgr_t *m, lk_entry_t *e)
{
    if (e->n_holders > 0 || e->n_waiters > 0) return;
    lk_remove(m, e);
    lk_entry_free(m, e);
}

static uint32_t holder_mode(const lk_entry_t *e, const helios_txn_t *t)
{
    for (uint32_t i = 0; i < e->n_holders; i++) {
        if (e->holders[i].t == t) return e->holders[i].mode;
    }
    return 0;
}

static int conflicts(const lk_entry_t *e, const helios_txn_t *t, uint32_t mode)
{
    for (uint32_t i = 0; i < e->n_holders; i++) {
        if (e->holders[i].t == t) continue;
        if (mode == HELIOS_LOCK_EXCL || e->holders[i].mode == HELIOS_LOCK_EXCL) return 1;
    }
    return 0;
}

/* does a chain of waits starting at `from` lead to `target`? */
static int reaches(helios_txnmgr_t *m, helios_txn_t *from, helios_txn_t *target, int depth)
{
    lk_entry_t *e = from->wait_e;
    if (e == NULL || depth > 10000) return 0;
    for (uint32_t i = 0; i < e->n_holders; i++) {
        helios_txn_t *h = e->holders[i].t;
        if (h == from) continue;
        if (from->wait_mode != HELIOS_LOCK_EXCL && e->holders[i].mode != HELIOS_LOCK_EXCL) continue;
        if (h == target) return 1;
        if (h->ddl_wait) return 1; /* it waits for the catalog lock the target holds */
        if (h->dl_gen == m->gen) continue;
        h->dl_gen = m->gen;
        if (reaches(m, h, target, depth + 1)) return 1;
    }
    return 0;
}

static int32_t grant(helios_txn_t *t, lk_entry_t *e, uint32_t mode, uint32_t prev)
{
    if (t->n_held == t->cap_held) {
        uint64_t nc = t->cap_held ? t->cap_held * 2 : 16;
        held_lock_t *nh = realloc(t->held, sizeof *nh * nc);
        if (nh == NULL) return HELIOS_ERR_OUT_OF_MEMORY;
        t->held = nh;
        t->cap_held = nc;
    }
    if (prev == 0) {
        if (e->n_holders == e->cap_holders) {
            /* shared holders beyond the inline one */
            uint32_t nc = e->cap_holders * 2;
            lk_holder_t *nh = malloc(sizeof *nh * nc);
            if (nh == NULL) return HELIOS_ERR_OUT_OF_MEMORY;
            memcpy(nh, e->holders, sizeof *nh * e->n_holders);
            if (e->holders != &e->one) free(e->holders);
            e->holders = nh;
            e->cap_holders = nc;
        }
        e->holders[e->n_holders].t = t;
        e->holders[e->n_holders].mode = mode;
        e->n_holders++;
    } else {
        for (uint32_t i = 0; i < e->n_holders; i++) {
            if (e->holders[i].t == t) e->holders[i].mode = mode;
        }
    }
    t->held[t->n_held].e = e;
    t->held[t->n_held].mode = mode;
    t->held[t->n_held].prev_mode = prev;
    t->n_held++;
    return 0;
}

uint32_t helios_txn_lock_held(helios_txn_t *t, uint32_t tree, const void *key, uint32_t klen)
{
    if (t->n_held == 0) return 0;
    helios_txnmgr_t *m = t->m;
    uint32_t h = lk_hash(tree, key, klen);
    pthread_mutex_lock(&m->mu);
    lk_entry_t *e = m->ents[lk_probe(m, h, tree, key, klen)];
    uint32_t r = e != NULL ? holder_mode(e, t) : 0;
    pthread_mutex_unlock(&m->mu);
    return r;
}

int32_t helios_txn_lock(helios_txn_t *t, uint32_t tree, const void *key, uint32_t klen,
                        const helios_lock_opts_t *o, helios_err_t *err)
{
    helios_txnmgr_t *m = t->m;
    uint32_t mode = o->mode == HELIOS_LOCK_SHARE ? HELIOS_LOCK_SHARE : HELIOS_LOCK_EXCL;
    uint32_t h = lk_hash(tree, key, klen);
    int32_t rc = 0;
    pthread_mutex_lock(&m->mu);
    lk_entry_t *e = lk_get(m, h, tree, key, klen);
    if (e == NULL) {
        pthread_mutex_unlock(&m->mu);
        return txerr(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory%s", "");
    }
    uint32_t mine = holder_mode(e, t);
    if (mine >= mode) goto done;
    if (!conflicts(e, t, mode)) {
        rc = grant(t, e, mode, mine);
        if (rc != 0) rc = txerr(err, rc, "out of memory%s", "");
        goto done;
    }
    if (o->wait == HELIOS_LOCK_SKIP) {
        rc = HELIOS_AGAIN;
        goto done;
    }
    if (o->wait == HELIOS_LOCK_NOWAIT) {
        rc = txerr(err, HELIOS_ERR_LOCK_NOT_AVAILABLE, "could not obtain lock on row in relation "
                   "\"%s\"", o->what);
        goto done;
    }
    int64_t start = helios_txn_now_us();
    int64_t dl_after = (o->deadlock_timeout_ms > 0 ? o->deadlock_timeout_ms : 1000) * 1000;
    int64_t next_check = start + dl_after;
    int64_t lock_deadline = o->lock_timeout_ms > 0 ? start + o->lock_timeout_ms * 1000 : 0;
    t->wait_e = e;
    t->wait_mode = mode;
    e->n_waiters++;
    m->n_waiting++;
    m->stats.lock_waits++;
    for (;;) {
        int64_t now = helios_txn_now_us();
        if (o->cancel != NULL && *o->cancel) {
            rc = txerr(err, HELIOS_ERR_QUERY_CANCELED, "canceling statement due to user request%s",
                       "");
            break;
        }
        if (o->deadline_us > 0 && now >= o->deadline_us) {
            rc = txerr(err, HELIOS_ERR_QUERY_CANCELED, "canceling statement due to statement "
                       "timeout%s", "");
            break;
        }
        if (lock_deadline > 0 && now >= lock_deadline) {
            m->stats.lock_timeouts++;
            rc = txerr(err, HELIOS_ERR_LOCK_NOT_AVAILABLE, "canceling statement due to lock "
                       "timeout%s", "");
            break;
        }
        if (now >= next_check) {
            m->gen++;
            t->dl_gen = m->gen;
            if (reaches(m, t, t, 0)) {
                m->stats.deadlocks++;
                rc = txerr(err, HELIOS_ERR_DEADLOCK_DETECTED, "deadlock detected%s", "");
                if (err != NULL) {
                    snprintf(err->detail, sizeof err->detail,
                             "Process %u waits for %s lock on a row of relation \"%s\"; blocked "
                             "by another transaction that waits for this one.",
                             t->id, mode == HELIOS_LOCK_EXCL ? "ExclusiveLock" : "ShareLock",
                             o->what != NULL ? o->what : "?");
                    snprintf(err->hint, sizeof err->hint, "See server log for query details.");
                }
                break;
            }
            next_check = now + dl_after;
        }
        /* wake at the earliest of: next deadlock check, a deadline, a cancel poll */
        int64_t wake = next_check;
        if (o->deadline_us > 0 && o->deadline_us < wake) wake = o->deadline_us;
        if (lock_deadline > 0 && lock_deadline < wake) wake = lock_deadline;
        if (wake > now + 50000) wake = now + 50000;
        struct timespec ts;
        ts.tv_sec = (time_t)(wake / 1000000);
        ts.tv_nsec = (long)(wake % 1000000) * 1000;
        pthread_cond_timedwait(&m->cv, &m->mu, &ts);
        mine = holder_mode(e, t);
        if (!conflicts(e, t, mode)) {
            rc = grant(t, e, mode, mine);
            if (rc != 0) rc = txerr(err, rc, "out of memory%s", "");
            break;
        }
    }
    e->n_waiters--;
    m->n_waiting--;
    t->wait_e = NULL;
done:
    if (rc != 0) lk_maybe_free(m, e);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

void helios_txn_set_ddl_wait(helios_txn_t *t, uint32_t on)
{
    pthread_mutex_lock(&t->m->mu);
    t->ddl_wait = on;
    pthread_mutex_unlock(&t->m->mu);
}

uint64_t helios_txn_lock_mark(const helios_txn_t *t)
{
    return t->n_held;
}

/* release or downgrade one held lock; returns 1 when its entry is left unused (the caller
   removes and frees it). Caller holds m->mu. */
static int release_one(helios_txn_t *t, held_lock_t *hl)
{
    lk_entry_t *e = hl->e;
    for (uint32_t i = 0; i < e->n_holders; i++) {
        if (e->holders[i].t != t) continue;
        if (hl->prev_mode != 0) {
            e->holders[i].mode = hl->prev_mode;
        } else {
            e->holders[i] = e->holders[e->n_holders - 1];
            e->n_holders--;
        }
        break;
    }
    return e->n_holders == 0 && e->n_waiters == 0;
}

void helios_txn_unlock_to(helios_txn_t *t, uint64_t mark)
{
    if (t->n_held <= mark) return;
    helios_txnmgr_t *m = t->m;
    /* a large release (the end of a bulk insert) first collects the unused entries: when they
       are the whole table, it is emptied at once instead of one random probe per entry */
    uint64_t n_rel = t->n_held - mark, n_dead = 0;
    lk_entry_t **dead = n_rel >= 1024 ? malloc(sizeof *dead * n_rel) : NULL;
    pthread_mutex_lock(&m->mu);
    while (t->n_held > mark) {
        t->n_held--;
        lk_entry_t *e = t->held[t->n_held].e;
        if (!release_one(t, &t->held[t->n_held])) continue;
        if (dead != NULL) {
            dead[n_dead++] = e;
        } else {
            lk_remove(m, e);
            lk_entry_free(m, e);
        }
    }
    if (dead != NULL) {
        if (n_dead == m->n_entries) {
            lk_entry_t **old = m->ents;
            if (m->n_slots > LK_SLOTS && lk_table_new(m, LK_SLOTS) == 0) {
                free(old);
            } else {
                memset(m->ents, 0, (sizeof(lk_entry_t *) + sizeof(uint32_t)) * m->n_slots);
            }
            m->n_entries = 0;
        } else {
            for (uint64_t i = 0; i < n_dead; i++) lk_remove(m, dead[i]);
        }
        for (uint64_t i = 0; i < n_dead; i++) lk_entry_free(m, dead[i]);
    }
    /* after a transaction with many locks, a small table again keeps probes in cache */
    if (m->n_slots > LK_SLOTS && m->n_entries * 16 < m->n_slots) {
        uint64_t n = LK_SLOTS;
        while (n < m->n_entries * 4) n *= 2;
        lk_resize(m, n);
    }
    if (m->n_waiting > 0) pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    free(dead);
}

void helios_txn_unlock_all(helios_txn_t *t)
{
    helios_txn_unlock_to(t, 0);
    if (t->cap_held > 4096) {
        free(t->held);
        t->held = NULL;
        t->cap_held = 0;
    }
}
