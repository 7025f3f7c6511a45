/*
 * bg.c -- background work: flushing immutable memtables to SSTables, compaction, releasing
 * WAL segments, and pacing writers when the background falls behind.
 *
 * Compaction is tiered ("universal"): each tree is a list of sorted runs, newest first, each
 * run one SSTable. When a tree has COMPACT_TRIGGER runs or more, the policy merges the
 * newest contiguous span of runs whose sizes are within COMPACT_RATIO of what is merged
 * before them; runs are only ever merged with their neighbours, so "newer run wins" stays true
 * for reads. See docs/storage.md for why tiered rather than leveled.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "storage/db.h"

#define COMPACT_TRIGGER 2u
#define COMPACT_RATIO 2u
#define COMPACT_SPACE_AMP_DIV 4u /* newer runs >= oldest / 4: merge all */
#define COMPACT_MAX_RUNS 12u
#define PACE_IMM 3u
#define PACE_RUNS 20u

static void sleep_us(uint64_t us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void lsm_bg_kick(helios_lsm_t *db, int flush, int compact)
{
    pthread_mutex_lock(&db->bg_mu);
    db->flush_pending |= (uint32_t)flush;
    db->compact_pending |= (uint32_t)compact;
    pthread_cond_broadcast(&db->bg_cv);
    pthread_mutex_unlock(&db->bg_mu);
}

static void bg_done(helios_lsm_t *db)
{
    pthread_mutex_lock(&db->bg_mu);
    db->flush_epoch++;
    pthread_cond_broadcast(&db->done_cv);
    pthread_mutex_unlock(&db->bg_mu);
}

/* ---- flush ---- */

static int32_t copy_schema(lsm_tree_t *t, helios_tree_schema_t *s, uint32_t **types)
{
    pthread_mutex_lock(&t->mu);
    *s = t->schema;
    *types = NULL;
    if (s->n_cols > 0) {
        *types = malloc(s->n_cols * sizeof(uint32_t));
        if (*types == NULL) {
            pthread_mutex_unlock(&t->mu);
            return HELIOS_ERR_OUT_OF_MEMORY;
        }
        memcpy(*types, t->schema.col_phys_types, s->n_cols * sizeof(uint32_t));
    }
    s->col_phys_types = *types;
    pthread_mutex_unlock(&t->mu);
    return 0;
}

static int32_t flush_one(helios_lsm_t *db, lsm_tree_t *t, int *more, helios_err_t *err)
{
    lsm_view_t *v = lsm_view_get(t);
    *more = 0;
    if (v->n_imm == 0 || t->dropped) {
        lsm_view_unref(v);
        return 0;
    }
    helios_mem_t *imm = v->imm[0];
    helios_mem_ref(imm);
    lsm_view_unref(v);
    helios_tree_schema_t schema;
    uint32_t *types = NULL;
    helios_sst_t *sst = NULL;
    helios_sst_meta_t meta;
    memset(&meta, 0, sizeof(meta));
    int32_t rc = copy_schema(t, &schema, &types);
    if (rc != 0) {
        helios_mem_unref(imm);
        return helios_storage_err_set(err, rc, "out of memory");
    }
    uint64_t fno = 0;
    if ((rc = lsm_take_file_no(db, &fno, err)) != 0) {
        goto failed;
    }
    char name[96];
    lsm_sst_name(name, sizeof(name), t->id, fno);
    helios_sti_t *it = helios_mem_iter(imm);
    if (it == NULL) {
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    rc = helios_sst_write(&db->env, name, fno, &schema, it, NULL, NULL, &meta, err);
    it->ops->destroy(it);
    if (rc != 0) {
        goto failed;
    }
    rc = helios_sst_open(&db->env, name, fno, &sst, err);
    if (rc != 0) {
        db->o.tier_vt->remove(db->o.tier, name, NULL);
        goto failed;
    }
    uint64_t flushed = helios_mem_max_seq(imm);
    pthread_mutex_lock(&db->man_mu);
    pthread_mutex_lock(&t->mu);
    lsm_view_t *cur = t->view;
    if (t->dropped || cur->n_imm == 0 || cur->imm[0] != imm) {
        pthread_mutex_unlock(&t->mu);
        pthread_mutex_unlock(&db->man_mu);
        helios_sst_mark_obsolete(sst);
        goto failed;
    }
    uint32_t nr = cur->n_runs + 1;
    helios_sst_t **runs = malloc(nr * sizeof(*runs));
    if (runs == NULL) {
        pthread_mutex_unlock(&t->mu);
        pthread_mutex_unlock(&db->man_mu);
        helios_sst_mark_obsolete(sst);
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    runs[0] = sst;
    if (cur->n_runs > 0) {
        memcpy(runs + 1, cur->runs, cur->n_runs * sizeof(*runs));
    }
    if (flushed < t->flushed_seq) {
        flushed = t->flushed_seq;
    }
    pthread_mutex_unlock(&t->mu);
    /* runs[] entries stay alive: only compaction (excluded by man_mu) or a drop removes them */
    rc = lsm_manifest_write(db, t, runs, nr, flushed, err);
    if (rc == 0) {
        pthread_mutex_lock(&t->mu);
        cur = t->view;
        lsm_view_t *nv = lsm_view_make(cur->mem, cur->imm + 1, cur->n_imm - 1, runs, nr);
        if (nv != NULL) {
            lsm_view_install(t, nv);
            t->flushed_seq = flushed;
            *more = nv->n_imm > 0;
        } else {
            rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
        pthread_mutex_unlock(&t->mu);
    }
    pthread_mutex_unlock(&db->man_mu);
    free(runs);
    if (rc != 0) {
        helios_sst_mark_obsolete(sst);
    }
failed:
    helios_sst_unref(sst);
    helios_buf_free(&meta.smallest);
    helios_buf_free(&meta.largest);
    free(types);
    helios_mem_unref(imm);
    bg_done(db);
    return rc;
}

int32_t lsm_flush_tree(helios_lsm_t *db, lsm_tree_t *t, helios_err_t *err)
{
    int32_t rc = 0;
    int more = 1;
    pthread_mutex_lock(&db->flush_mu);
    while (rc == 0 && more) {
        rc = flush_one(db, t, &more, err);
    }
    pthread_mutex_unlock(&db->flush_mu);
    return rc;
}

void lsm_wal_release(helios_lsm_t *db)
{
    uint64_t min_needed = helios_lsm_last_seq(db) + 1;
    uint32_t n = 0;
    lsm_tree_t **ts = lsm_trees_list(db, &n);
    if (ts == NULL) {
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        lsm_view_t *v = lsm_view_get(ts[i]);
        uint64_t m = helios_mem_min_seq(v->mem);
        for (uint32_t k = 0; k < v->n_imm; k++) {
            uint64_t x = helios_mem_min_seq(v->imm[k]);
            m = x < m ? x : m;
        }
        min_needed = m < min_needed ? m : min_needed;
        lsm_view_unref(v);
        lsm_tree_unref(ts[i]);
    }
    free(ts);
    helios_wal_release(db->wal, min_needed);
}

/* ---- compaction ---- */

typedef struct cfilter {
    const uint64_t *snaps;
    uint32_t n_snaps;
    int bottom;
    helios_buf_t key;
    int have_key;
    uint32_t last_stripe;
} cfilter_t;

/* index of the smallest snapshot >= seq; n_snaps for "newer than every snapshot" */
static uint32_t stripe_of(const cfilter_t *f, uint64_t seq)
{
    uint32_t lo = 0, hi = f->n_snaps;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (f->snaps[mid] < seq) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Keep the newest version of each key per snapshot stripe; drop a delete at the bottom when
   no snapshot can see what it hides. Entries come key ascending, seq descending. */
static int compact_keep(void *arg, const helios_entry_t *e)
{
    cfilter_t *f = arg;
    uint32_t stripe = stripe_of(f, e->seq);
    if (f->have_key && helios_ukey_cmp(e->key, e->klen, f->key.data, (uint32_t)f->key.len) == 0) {
        if (stripe == f->last_stripe) {
            return 0; /* shadowed by a newer version every reader of this stripe sees */
        }
    } else {
        f->key.len = 0;
        if (helios_buf_append(&f->key, e->key, e->klen) != 0) {
            f->have_key = 0;
            return 1; /* keep everything rather than drop wrongly */
        }
        f->have_key = 1;
    }
    f->last_stripe = stripe;
    if (e->type == HELIOS_ENT_DEL && f->bottom && stripe == 0) {
        return 0;
    }
    return 1;
}

/* Pick [*from, *to) of runs to merge; 0 when nothing is worth doing. */
static int pick_runs(const lsm_view_t *v, uint32_t *from, uint32_t *to)
{
    uint32_t n = v->n_runs;
    if (n < COMPACT_TRIGGER) {
        return 0;
    }
    /* space amplification: once the newer runs add up to a quarter of the oldest, merge
       everything (bounds space to 1.25x and keeps reads, which cannot skip runs on a scan,
       to one or two runs; RocksDB's universal compaction has the same rule at 200%) */
    uint64_t newer = 0;
    for (uint32_t i = 0; i + 1 < n; i++) {
        newer += helios_sst_meta(v->runs[i])->size_bytes;
    }
    if (newer * COMPACT_SPACE_AMP_DIV >= helios_sst_meta(v->runs[n - 1])->size_bytes) {
        *from = 0;
        *to = n;
        return 1;
    }
    for (uint32_t s = 0; s + 1 < n; s++) {
        uint64_t sum = helios_sst_meta(v->runs[s])->size_bytes;
        uint32_t j = s + 1;
        while (j < n && helios_sst_meta(v->runs[j])->size_bytes <= sum * COMPACT_RATIO) {
            sum += helios_sst_meta(v->runs[j])->size_bytes;
            j++;
        }
        if (j - s >= 2) {
            *from = s;
            *to = j;
            return 1;
        }
    }
    if (n > COMPACT_MAX_RUNS) {
        *from = 0;
        *to = n - COMPACT_MAX_RUNS + 2;
        return 1;
    }
    return 0;
}

int32_t lsm_compact_tree(helios_lsm_t *db, lsm_tree_t *t, int full, helios_err_t *err)
{
    pthread_mutex_lock(&db->compact_mu);
    lsm_view_t *v = lsm_view_get(t);
    uint32_t from = 0, to = v->n_runs;
    int32_t rc = 0;
    helios_sst_t *out = NULL;
    helios_sst_meta_t meta;
    memset(&meta, 0, sizeof(meta));
    uint32_t *types = NULL;
    uint64_t *snaps = NULL;
    cfilter_t f;
    memset(&f, 0, sizeof(f));
    if (t->dropped || v->n_runs == 0 || (!full && !pick_runs(v, &from, &to))) {
        goto done;
    }
    uint32_t n_snaps = 0;
    snaps = lsm_snapshots_copy(db, &n_snaps);
    if (snaps == NULL) {
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto done;
    }
    f.snaps = snaps;
    f.n_snaps = n_snaps;
    f.bottom = to == v->n_runs;
    helios_tree_schema_t schema;
    if ((rc = copy_schema(t, &schema, &types)) != 0) {
        helios_storage_err_set(err, rc, "out of memory");
        goto done;
    }
    uint32_t nin = to - from;
    helios_sti_t **kids = malloc(nin * sizeof(*kids));
    if (kids == NULL) {
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto done;
    }
    uint32_t k = 0;
    for (; k < nin; k++) {
        if ((kids[k] = helios_sst_iter(v->runs[from + k])) == NULL) {
            break;
        }
    }
    helios_sti_t *m = k == nin ? helios_merge_iter(kids, nin) : NULL;
    if (m == NULL) {
        for (uint32_t i = 0; k < nin && i < k; i++) {
            kids[i]->ops->destroy(kids[i]);
        }
        free(kids);
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto done;
    }
    free(kids);
    uint64_t fno = 0;
    if ((rc = lsm_take_file_no(db, &fno, err)) != 0) {
        m->ops->destroy(m);
        goto done;
    }
    char name[96];
    lsm_sst_name(name, sizeof(name), t->id, fno);
    rc = helios_sst_write(&db->env, name, fno, &schema, m, compact_keep, &f, &meta, err);
    m->ops->destroy(m);
    if (rc != 0) {
        goto done;
    }
    if (meta.n_entries > 0) {
        rc = helios_sst_open(&db->env, name, fno, &out, err);
        if (rc != 0) {
            db->o.tier_vt->remove(db->o.tier, name, NULL);
            goto done;
        }
    } else {
        db->o.tier_vt->remove(db->o.tier, name, NULL);
    }
    /* install: flushes may have prepended runs meanwhile; the inputs are still contiguous */
    pthread_mutex_lock(&db->man_mu);
    pthread_mutex_lock(&t->mu);
    lsm_view_t *cur = t->view;
    uint32_t at = 0;
    while (at < cur->n_runs && cur->runs[at] != v->runs[from]) {
        at++;
    }
    int ok = !t->dropped && at + nin <= cur->n_runs;
    for (uint32_t i = 0; ok && i < nin; i++) {
        ok = cur->runs[at + i] == v->runs[from + i];
    }
    helios_sst_t **runs = ok ? malloc((cur->n_runs + 1) * sizeof(*runs)) : NULL;
    uint32_t nr = 0;
    if (runs != NULL) {
        for (uint32_t i = 0; i < at; i++) {
            runs[nr++] = cur->runs[i];
        }
        if (out != NULL) {
            runs[nr++] = out;
        }
        for (uint32_t i = at + nin; i < cur->n_runs; i++) {
            runs[nr++] = cur->runs[i];
        }
    }
    uint64_t flushed = t->flushed_seq;
    pthread_mutex_unlock(&t->mu);
    if (runs == NULL) {
        pthread_mutex_unlock(&db->man_mu);
        if (out != NULL) {
            helios_sst_mark_obsolete(out);
        }
        if (ok) {
            rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
        goto done;
    }
    rc = lsm_manifest_write(db, t, runs, nr, flushed, err);
    if (rc == 0) {
        pthread_mutex_lock(&t->mu);
        cur = t->view;
        lsm_view_t *nv = lsm_view_make(cur->mem, cur->imm, cur->n_imm, runs, nr);
        if (nv != NULL) {
            lsm_view_install(t, nv);
            for (uint32_t i = 0; i < nin; i++) {
                helios_sst_mark_obsolete(v->runs[from + i]);
            }
            atomic_fetch_add(&t->compactions, 1);
        } else {
            rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
        pthread_mutex_unlock(&t->mu);
    }
    pthread_mutex_unlock(&db->man_mu);
    free(runs);
    if (rc != 0 && out != NULL) {
        helios_sst_mark_obsolete(out);
    }
done:
    helios_sst_unref(out);
    helios_buf_free(&meta.smallest);
    helios_buf_free(&meta.largest);
    helios_buf_free(&f.key);
    free(snaps);
    free(types);
    lsm_view_unref(v);
    pthread_mutex_unlock(&db->compact_mu);
    bg_done(db);
    return rc;
}

/* ---- pacing ---- */

void lsm_write_pace(helios_lsm_t *db, lsm_tree_t *t)
{
    uint64_t start = now_us();
    for (int round = 0;; round++) {
        pthread_mutex_lock(&t->mu);
        uint32_t n_imm = t->view->n_imm, n_runs = t->view->n_runs;
        pthread_mutex_unlock(&t->mu);
        if (n_imm + 1 >= LSM_MAX_IMM) {
            /* the memory bound: wait for the flusher (it never needs the leader) */
            lsm_bg_kick(db, 1, 0);
            pthread_mutex_lock(&db->bg_mu);
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 10 * 1000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&db->done_cv, &db->bg_mu, &ts);
            pthread_mutex_unlock(&db->bg_mu);
            if (db->stop) {
                break;
            }
            continue;
        }
        /* below it: a delay that grows with how far behind the background is */
        uint64_t delay = 0;
        if (n_imm >= PACE_IMM) {
            delay += 250u << (n_imm - PACE_IMM);
        }
        if (n_runs >= PACE_RUNS) {
            delay += 100u * (n_runs - PACE_RUNS + 1);
            lsm_bg_kick(db, 0, 1);
        }
        if (delay > 0 && round == 0) {
            sleep_us(delay);
        }
        break;
    }
    uint64_t waited = now_us() - start;
    if (waited > 0) {
        atomic_fetch_add(&db->write_stall_us, waited);
    }
}

/* ---- threads ---- */

static void bg_failed(helios_lsm_t *db, int32_t rc, const helios_err_t *e)
{
    pthread_mutex_lock(&db->bg_mu);
    db->bg_status = rc;
    helios_storage_err_copy(&db->bg_err, e);
    pthread_mutex_unlock(&db->bg_mu);
}

static void *flush_main(void *arg)
{
    helios_lsm_t *db = arg;
    pthread_mutex_lock(&db->bg_mu);
    while (!db->stop) {
        if (!db->flush_pending) {
            pthread_cond_wait(&db->bg_cv, &db->bg_mu);
            continue;
        }
        db->flush_pending = 0;
        pthread_mutex_unlock(&db->bg_mu);
        uint32_t n = 0;
        lsm_tree_t **ts = lsm_trees_list(db, &n);
        int failed = 0;
        for (uint32_t i = 0; i < n; i++) {
            helios_err_t e = HELIOS_ERR_INIT;
            int32_t rc = db->stop ? 0 : lsm_flush_tree(db, ts[i], &e);
            if (rc != 0) {
                bg_failed(db, rc, &e);
                failed = 1;
            }
            lsm_tree_unref(ts[i]);
        }
        free(ts);
        lsm_wal_release(db);
        pthread_mutex_lock(&db->bg_mu);
        db->compact_pending = 1;
        pthread_cond_broadcast(&db->bg_cv);
        if (failed && !db->stop) {
            /* ENOSPC and the like: retry after a pause; writes keep going to the WAL */
            db->flush_pending = 1;
            struct timespec ts2;
            clock_gettime(CLOCK_REALTIME, &ts2);
            ts2.tv_nsec += 50 * 1000000;
            if (ts2.tv_nsec >= 1000000000) {
                ts2.tv_sec++;
                ts2.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&db->bg_cv, &db->bg_mu, &ts2);
        }
    }
    pthread_mutex_unlock(&db->bg_mu);
    return NULL;
}

static void *compact_main(void *arg)
{
    helios_lsm_t *db = arg;
    pthread_mutex_lock(&db->bg_mu);
    while (!db->stop) {
        if (!db->compact_pending) {
            pthread_cond_wait(&db->bg_cv, &db->bg_mu);
            continue;
        }
        db->compact_pending = 0;
        pthread_mutex_unlock(&db->bg_mu);
        uint32_t n = 0;
        lsm_tree_t **ts = lsm_trees_list(db, &n);
        int again = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (!db->stop) {
                helios_err_t e = HELIOS_ERR_INIT;
                uint32_t before = atomic_load(&ts[i]->compactions);
                int32_t rc = lsm_compact_tree(db, ts[i], 0, &e);
                if (rc != 0) {
                    bg_failed(db, rc, &e);
                } else if (atomic_load(&ts[i]->compactions) != before) {
                    again = 1; /* maybe more to do for this tree */
                }
            }
            lsm_tree_unref(ts[i]);
        }
        free(ts);
        pthread_mutex_lock(&db->bg_mu);
        if (again) {
            db->compact_pending = 1;
        }
    }
    pthread_mutex_unlock(&db->bg_mu);
    return NULL;
}

int32_t lsm_bg_start(helios_lsm_t *db, helios_err_t *err)
{
    if (pthread_create(&db->flush_thr, NULL, flush_main, db) != 0) {
        return helios_storage_err_set(err, HELIOS_ERR_INSUFFICIENT_RESOURCES,
                                      "could not start the flush thread");
    }
    db->threads_started = 1;
    if (pthread_create(&db->compact_thr, NULL, compact_main, db) != 0) {
        return helios_storage_err_set(err, HELIOS_ERR_INSUFFICIENT_RESOURCES,
                                      "could not start the compaction thread");
    }
    db->threads_started = 2;
    return 0;
}

void lsm_bg_stop(helios_lsm_t *db)
{
    pthread_mutex_lock(&db->bg_mu);
    db->stop = 1;
    pthread_cond_broadcast(&db->bg_cv);
    pthread_cond_broadcast(&db->done_cv);
    pthread_mutex_unlock(&db->bg_mu);
    if (db->threads_started >= 1) {
        pthread_join(db->flush_thr, NULL);
    }
    if (db->threads_started >= 2) {
        pthread_join(db->compact_thr, NULL);
    }
    db->threads_started = 0;
}
