/*
 * lsm.c -- the store: open/close and recovery, the tree table, read views, point reads,
 * iterators, snapshots and maintenance calls. The commit path is in commit.c, flush and
 * compaction in bg.c, the manifest in manifest.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "storage/db.h"

/* ---- trees ---- */

lsm_tree_t *lsm_tree_new(uint32_t id, const helios_tree_schema_t *s)
{
    lsm_tree_t *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return NULL;
    }
    atomic_init(&t->refs, 1);
    t->id = id;
    pthread_mutex_init(&t->mu, NULL);
    t->schema.kind = s->kind;
    t->schema.n_cols = s->kind == HELIOS_TREE_ROWS ? s->n_cols : 0;
    if (t->schema.n_cols > 0) {
        uint32_t *types = malloc(t->schema.n_cols * sizeof(uint32_t));
        if (types == NULL) {
            free(t);
            return NULL;
        }
        memcpy(types, s->col_phys_types, t->schema.n_cols * sizeof(uint32_t));
        t->schema.col_phys_types = types;
    }
    helios_mem_t *mem = helios_mem_new();
    if (mem != NULL) {
        t->view = lsm_view_make(mem, NULL, 0, NULL, 0);
        helios_mem_unref(mem);
    }
    if (t->view == NULL) {
        free((void *)t->schema.col_phys_types);
        free(t);
        return NULL;
    }
    t->active = t->view->mem;
    return t;
}

void lsm_tree_unref(lsm_tree_t *t)
{
    if (t == NULL || atomic_fetch_sub(&t->refs, 1) != 1) {
        return;
    }
    lsm_view_unref(t->view);
    free((void *)t->schema.col_phys_types);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

static uint32_t tree_slot(uint32_t id, uint32_t cap)
{
    return (id * 2654435761u) & (cap - 1);
}

lsm_tree_t *lsm_tree_get(helios_lsm_t *db, uint32_t id)
{
    lsm_tree_t *t = NULL;
    pthread_rwlock_rdlock(&db->trees_lock);
    if (db->trees_cap > 0) {
        for (uint32_t i = tree_slot(id, db->trees_cap);; i = (i + 1) & (db->trees_cap - 1)) {
            lsm_tree_t *x = db->trees[i];
            if (x == NULL) {
                break;
            }
            if (x->id == id) {
                t = x;
                atomic_fetch_add(&t->refs, 1);
                break;
            }
        }
    }
    pthread_rwlock_unlock(&db->trees_lock);
    return t;
}

int32_t lsm_tree_insert(helios_lsm_t *db, lsm_tree_t *t)
{
    if ((db->n_trees + 1) * 2 > db->trees_cap) {
        uint32_t cap = db->trees_cap ? db->trees_cap * 2 : 64;
        lsm_tree_t **nt = calloc(cap, sizeof(*nt));
        if (nt == NULL) {
            return HELIOS_ERR_OUT_OF_MEMORY;
        }
        for (uint32_t i = 0; i < db->trees_cap; i++) {
            lsm_tree_t *x = db->trees[i];
            if (x != NULL) {
                uint32_t j = tree_slot(x->id, cap);
                while (nt[j] != NULL) {
                    j = (j + 1) & (cap - 1);
                }
                nt[j] = x;
            }
        }
        free(db->trees);
        db->trees = nt;
        db->trees_cap = cap;
    }
    uint32_t j = tree_slot(t->id, db->trees_cap);
    while (db->trees[j] != NULL) {
        j = (j + 1) & (db->trees_cap - 1);
    }
    db->trees[j] = t;
    db->n_trees++;
    return 0;
}

void lsm_tree_remove(helios_lsm_t *db, uint32_t id)
{
    if (db->trees_cap == 0) {
        return;
    }
    uint32_t cap = db->trees_cap;
    uint32_t i = tree_slot(id, cap);
    while (db->trees[i] != NULL && db->trees[i]->id != id) {
        i = (i + 1) & (cap - 1);
    }
    if (db->trees[i] == NULL) {
        return;
    }
    db->trees[i] = NULL;
    db->n_trees--;
    /* re-seat the rest of the cluster */
    for (uint32_t j = (i + 1) & (cap - 1); db->trees[j] != NULL; j = (j + 1) & (cap - 1)) {
        lsm_tree_t *x = db->trees[j];
        db->trees[j] = NULL;
        uint32_t k = tree_slot(x->id, cap);
        while (db->trees[k] != NULL) {
            k = (k + 1) & (cap - 1);
        }
        db->trees[k] = x;
    }
}

lsm_tree_t **lsm_trees_list(helios_lsm_t *db, uint32_t *n)
{
    pthread_rwlock_rdlock(&db->trees_lock);
    lsm_tree_t **v = malloc((db->n_trees + 1) * sizeof(*v));
    uint32_t k = 0;
    for (uint32_t i = 0; v != NULL && i < db->trees_cap; i++) {
        if (db->trees[i] != NULL) {
            atomic_fetch_add(&db->trees[i]->refs, 1);
            v[k++] = db->trees[i];
        }
    }
    pthread_rwlock_unlock(&db->trees_lock);
    *n = k;
    return v;
}

/* ---- views ---- */

lsm_view_t *lsm_view_make(helios_mem_t *mem, helios_mem_t *const *imm, uint32_t n_imm,
                          helios_sst_t *const *runs, uint32_t n_runs)
{
    lsm_view_t *v = calloc(1, sizeof(*v));
    if (v == NULL) {
        return NULL;
    }
    if (n_runs > 0) {
        v->runs = malloc(n_runs * sizeof(*v->runs));
        if (v->runs == NULL) {
            free(v);
            return NULL;
        }
    }
    atomic_init(&v->refs, 1);
    v->mem = mem;
    helios_mem_ref(mem);
    v->n_imm = n_imm;
    for (uint32_t i = 0; i < n_imm; i++) {
        v->imm[i] = imm[i];
        helios_mem_ref(imm[i]);
    }
    v->n_runs = n_runs;
    for (uint32_t i = 0; i < n_runs; i++) {
        v->runs[i] = runs[i];
        helios_sst_ref(runs[i]);
    }
    return v;
}

void lsm_view_unref(lsm_view_t *v)
{
    if (v == NULL || atomic_fetch_sub(&v->refs, 1) != 1) {
        return;
    }
    helios_mem_unref(v->mem);
    for (uint32_t i = 0; i < v->n_imm; i++) {
        helios_mem_unref(v->imm[i]);
    }
    for (uint32_t i = 0; i < v->n_runs; i++) {
        helios_sst_unref(v->runs[i]);
    }
    free(v->runs);
    free(v);
}

lsm_view_t *lsm_view_get(lsm_tree_t *t)
{
    pthread_mutex_lock(&t->mu);
    lsm_view_t *v = t->view;
    atomic_fetch_add(&v->refs, 1);
    pthread_mutex_unlock(&t->mu);
    return v;
}

void lsm_view_install(lsm_tree_t *t, lsm_view_t *v)
{
    lsm_view_t *old = t->view;
    t->view = v;
    lsm_view_unref(old);
}

void lsm_sst_name(char *buf, size_t n, uint32_t tree_id, uint64_t file_no)
{
    snprintf(buf, n, "sst/%u/%08" PRIu64 ".sst", tree_id, file_no);
}

/* ---- reads ---- */

helios_seq_t helios_lsm_last_seq(helios_lsm_t *db)
{
    return atomic_load_explicit(&db->last_seq, memory_order_acquire);
}

int32_t helios_lsm_get(helios_lsm_t *db, uint32_t tree_id, helios_seq_t seq, const void *key,
                       uint32_t klen, helios_buf_t *val, uint32_t *found, helios_err_t *err)
{
    lsm_tree_t *t = lsm_tree_get(db, tree_id);
    if (t == NULL) {
        return helios_storage_err_set(err, HELIOS_ERR_UNDEFINED_TABLE, "tree %u does not exist",
                                      tree_id);
    }
    lsm_view_t *v = lsm_view_get(t);
    const uint8_t *k = key;
    helios_entry_t e;
    int32_t rc = 0;
    int hit = helios_mem_get(v->mem, k, klen, seq, &e);
    for (uint32_t i = v->n_imm; !hit && i-- > 0;) {
        hit = helios_mem_get(v->imm[i], k, klen, seq, &e);
    }
    if (hit) {
        *found = e.type == HELIOS_ENT_PUT;
        if (*found) {
            val->len = 0;
            if (helios_buf_append(val, e.val, e.vlen) != 0) {
                rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            }
        }
        goto done;
    }
    *found = 0;
    if (v->n_runs > 0) {
        uint64_t h = helios_hash64(k, klen);
        for (uint32_t i = 0; i < v->n_runs; i++) {
            uint32_t f = 0, type = 0;
            uint64_t s = 0;
            rc = helios_sst_get(v->runs[i], k, klen, h, seq, &f, &type, &s, val, t->bloom, err);
            if (rc != 0) {
                break;
            }
            if (f) {
                *found = type == HELIOS_ENT_PUT;
                break;
            }
        }
    }
done:
    lsm_view_unref(v);
    lsm_tree_unref(t);
    return rc;
}

typedef struct iter_hold {
    lsm_view_t *v;
    lsm_tree_t *t;
} iter_hold_t;

static void iter_release(void *arg)
{
    iter_hold_t *h = arg;
    lsm_view_unref(h->v);
    lsm_tree_unref(h->t);
    free(h);
}

int32_t helios_lsm_iter_open(helios_lsm_t *db, uint32_t tree_id, helios_seq_t seq,
                             helios_iter_t **out, helios_err_t *err)
{
    lsm_tree_t *t = lsm_tree_get(db, tree_id);
    if (t == NULL) {
        return helios_storage_err_set(err, HELIOS_ERR_UNDEFINED_TABLE, "tree %u does not exist",
                                      tree_id);
    }
    lsm_view_t *v = lsm_view_get(t);
    uint32_t n = 1 + v->n_imm + v->n_runs, k = 0;
    helios_sti_t **kids = malloc(n * sizeof(*kids));
    iter_hold_t *h = malloc(sizeof(*h));
    helios_iter_t *it = NULL;
    if (kids == NULL || h == NULL) {
        goto oom;
    }
    kids[k] = helios_mem_iter(v->mem);
    if (kids[k] == NULL) {
        goto oom;
    }
    k++;
    for (uint32_t i = v->n_imm; i-- > 0;) {
        if ((kids[k] = helios_mem_iter(v->imm[i])) == NULL) {
            goto oom;
        }
        k++;
    }
    for (uint32_t i = 0; i < v->n_runs; i++) {
        if ((kids[k] = helios_sst_iter(v->runs[i])) == NULL) {
            goto oom;
        }
        k++;
    }
    helios_sti_t *m = helios_merge_iter(kids, k);
    k = 0;
    if (m == NULL) {
        goto oom;
    }
    h->v = v;
    h->t = t;
    it = helios_user_iter_new(m, seq, iter_release, h);
    if (it == NULL) {
        m->ops->destroy(m);
        goto oom;
    }
    free(kids);
    *out = it;
    return 0;
oom:
    for (uint32_t i = 0; i < k; i++) {
        kids[i]->ops->destroy(kids[i]);
    }
    free(kids);
    free(h);
    lsm_view_unref(v);
    lsm_tree_unref(t);
    return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
}

/* ---- snapshots (and the hook for branch points: anything that pins a seq) ---- */

static void snap_add_locked(helios_lsm_t *db, uint64_t seq)
{
    uint32_t i = 0;
    while (i < db->n_snaps && db->snaps[i].seq < seq) {
        i++;
    }
    if (i < db->n_snaps && db->snaps[i].seq == seq) {
        db->snaps[i].count++;
    } else {
        if (db->n_snaps == db->cap_snaps) {
            uint32_t cap = db->cap_snaps ? db->cap_snaps * 2 : 16;
            lsm_snap_t *ns = realloc(db->snaps, cap * sizeof(*ns));
            if (ns == NULL) {
                return; /* unregistered: compaction may drop what it needs; rare OOM */
            }
            db->snaps = ns;
            db->cap_snaps = cap;
        }
        memmove(db->snaps + i + 1, db->snaps + i, (db->n_snaps - i) * sizeof(*db->snaps));
        db->snaps[i].seq = seq;
        db->snaps[i].count = 1;
        db->n_snaps++;
    }
}

static void snap_add(helios_lsm_t *db, uint64_t seq)
{
    pthread_mutex_lock(&db->snap_mu);
    snap_add_locked(db, seq);
    pthread_mutex_unlock(&db->snap_mu);
}

int32_t helios_lsm_snapshot(helios_lsm_t *db, helios_seq_t *seq)
{
    /* read last_seq and register it in one critical section: a compaction copies the
       registry after choosing its inputs, so it either sees this snapshot or has inputs
       that are all older than it */
    pthread_mutex_lock(&db->snap_mu);
    uint64_t s = helios_lsm_last_seq(db);
    snap_add_locked(db, s);
    pthread_mutex_unlock(&db->snap_mu);
    *seq = s;
    return 0;
}

void helios_lsm_snapshot_release(helios_lsm_t *db, helios_seq_t seq)
{
    pthread_mutex_lock(&db->snap_mu);
    for (uint32_t i = 0; i < db->n_snaps; i++) {
        if (db->snaps[i].seq == seq) {
            if (--db->snaps[i].count == 0) {
                memmove(db->snaps + i, db->snaps + i + 1,
                        (db->n_snaps - i - 1) * sizeof(*db->snaps));
                db->n_snaps--;
            }
            break;
        }
    }
    pthread_mutex_unlock(&db->snap_mu);
}

/* Branch points (a later issue): pin any seq so compaction keeps what it sees. */
void helios_lsm_pin_seq(helios_lsm_t *db, helios_seq_t seq)
{
    snap_add(db, seq);
}

uint64_t *lsm_snapshots_copy(helios_lsm_t *db, uint32_t *n)
{
    pthread_mutex_lock(&db->snap_mu);
    uint64_t *v = malloc((db->n_snaps + 1) * sizeof(uint64_t));
    uint32_t k = 0;
    for (uint32_t i = 0; v != NULL && i < db->n_snaps; i++) {
        v[k++] = db->snaps[i].seq;
    }
    pthread_mutex_unlock(&db->snap_mu);
    *n = k;
    return v;
}

/* ---- maintenance ---- */

typedef struct switch_arg {
    uint32_t tree_id;
} switch_arg_t;

static int32_t switch_fn(helios_lsm_t *db, void *arg, helios_err_t *err)
{
    switch_arg_t *a = arg;
    uint32_t n = 0;
    lsm_tree_t **ts = lsm_trees_list(db, &n);
    int32_t rc = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (rc == 0 && (a->tree_id == 0 || ts[i]->id == a->tree_id)) {
            rc = lsm_tree_switch_mem(db, ts[i]);
        }
        lsm_tree_unref(ts[i]);
    }
    free(ts);
    if (rc != 0) {
        return helios_storage_err_set(err, rc, "out of memory");
    }
    return 0;
}

static int32_t flush_trees(helios_lsm_t *db, uint32_t tree_id, helios_err_t *err)
{
    switch_arg_t a = {tree_id};
    int32_t rc = lsm_run_barrier(db, switch_fn, &a, err);
    if (rc != 0) {
        return rc;
    }
    uint32_t n = 0;
    lsm_tree_t **ts = lsm_trees_list(db, &n);
    for (uint32_t i = 0; i < n; i++) {
        if (rc == 0 && (tree_id == 0 || ts[i]->id == tree_id)) {
            rc = lsm_flush_tree(db, ts[i], err);
        }
        lsm_tree_unref(ts[i]);
    }
    free(ts);
    return rc;
}

int32_t helios_lsm_flush(helios_lsm_t *db, uint32_t tree_id, helios_err_t *err)
{
    if (tree_id != 0 && !helios_lsm_tree_exists(db, tree_id)) {
        return helios_storage_err_set(err, HELIOS_ERR_UNDEFINED_TABLE, "tree %u does not exist",
                                      tree_id);
    }
    int32_t rc = flush_trees(db, tree_id, err);
    if (rc == 0) {
        lsm_wal_release(db);
        lsm_bg_kick(db, 0, 1);
    }
    return rc;
}

static int32_t rotate_fn(helios_lsm_t *db, void *arg, helios_err_t *err)
{
    int32_t rc = switch_fn(db, arg, err);
    if (rc == 0) {
        rc = helios_wal_switch(db->wal, err);
    }
    return rc;
}

int32_t helios_lsm_checkpoint(helios_lsm_t *db, helios_err_t *err)
{
    /* switch every memtable and start a new WAL segment in one leader section, so every
       record before the new segment is in a memtable being flushed */
    switch_arg_t a = {0};
    int32_t rc = lsm_run_barrier(db, rotate_fn, &a, err);
    if (rc != 0) {
        return rc;
    }
    rc = flush_trees(db, 0, err);
    if (rc != 0) {
        return rc;
    }
    pthread_mutex_lock(&db->man_mu);
    rc = lsm_manifest_write(db, NULL, NULL, 0, 0, err);
    pthread_mutex_unlock(&db->man_mu);
    if (rc == 0) {
        lsm_wal_release(db);
        lsm_bg_kick(db, 0, 1);
    }
    return rc;
}

int32_t helios_lsm_compact(helios_lsm_t *db, uint32_t tree_id, helios_err_t *err)
{
    lsm_tree_t *t = lsm_tree_get(db, tree_id);
    if (t == NULL) {
        return helios_storage_err_set(err, HELIOS_ERR_UNDEFINED_TABLE, "tree %u does not exist",
                                      tree_id);
    }
    int32_t rc = lsm_compact_tree(db, t, 1, err);
    lsm_tree_unref(t);
    return rc;
}

static void stats_tree(lsm_tree_t *t, helios_lsm_stats_t *out)
{
    lsm_view_t *v = lsm_view_get(t);
    out->memtable_bytes += helios_mem_bytes(v->mem);
    for (uint32_t i = 0; i < v->n_imm; i++) {
        out->memtable_bytes += helios_mem_bytes(v->imm[i]);
    }
    out->n_sstables += v->n_runs;
    for (uint32_t i = 0; i < v->n_runs; i++) {
        out->sstable_bytes += helios_sst_meta(v->runs[i])->size_bytes;
    }
    lsm_view_unref(v);
    out->bloom_checks += atomic_load(&t->bloom[0]);
    out->bloom_negatives += atomic_load(&t->bloom[1]);
    out->bloom_false_pos += atomic_load(&t->bloom[2]);
    out->compactions += atomic_load(&t->compactions);
}

void helios_lsm_stats(helios_lsm_t *db, uint32_t tree_id, helios_lsm_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    uint32_t n = 0;
    lsm_tree_t **ts = lsm_trees_list(db, &n);
    for (uint32_t i = 0; i < n; i++) {
        if (tree_id == 0 || ts[i]->id == tree_id) {
            stats_tree(ts[i], out);
        }
        lsm_tree_unref(ts[i]);
    }
    free(ts);
    out->wal_bytes = helios_wal_bytes(db->wal);
    out->fsyncs = helios_wal_fsyncs(db->wal);
    out->commits = atomic_load(&db->commits);
    out->write_stall_us = atomic_load(&db->write_stall_us);
}

/* ---- open / close ---- */

uint64_t helios_lsm_default_cache_bytes(void)
{
    /* like a database's buffer pool sized from RAM: 1/8 of physical memory, at least 64 MiB
       (small machines) and at most 4 GiB (the OS page cache holds the compressed files too) */
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    uint64_t ram = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : 0;
    /* in a container, its memory limit (cgroup v2, then v1) counts, not the host's RAM */
    static const char *const limits[] = {"/sys/fs/cgroup/memory.max",
                                         "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        FILE *f = fopen(limits[i], "r");
        unsigned long long lim = 0;
        if (f == NULL) {
            continue;
        }
        if (fscanf(f, "%llu", &lim) == 1 && lim > 0 && (ram == 0 || lim < ram)) {
            ram = lim;
        }
        fclose(f);
    }
    uint64_t c = ram / 8;
    if (c < (64u << 20)) {
        c = 64u << 20;
    }
    if (c > (4ull << 30)) {
        c = 4ull << 30;
    }
    return c;
}

int32_t lsm_take_file_no(helios_lsm_t *db, uint64_t *out, helios_err_t *err)
{
    uint64_t cur = atomic_load(&db->next_file_no);
    do {
        if (cur >= HELIOS_WAL_SEQ_LIMIT - 1) {
            /* the manifest stores next_file_no and refuses values >= 2^56 */
            return helios_storage_err_set(err, HELIOS_ERR_PROGRAM_LIMIT_EXCEEDED,
                                          "SSTable file numbers are exhausted (limit 2^56)");
        }
    } while (!atomic_compare_exchange_weak(&db->next_file_no, &cur, cur + 1));
    *out = cur;
    return 0;
}

int32_t helios_lsm_open(const helios_lsm_options_t *opts, helios_lsm_t **out, helios_err_t *err)
{
    if (opts == NULL || opts->tier_vt == NULL || opts->tier == NULL) {
        return helios_storage_err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                      "a storage tier is required");
    }
    helios_lsm_t *db = calloc(1, sizeof(*db));
    if (db == NULL) {
        return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    int32_t rc = 0;
    db->o = *opts;
    if (db->o.memtable_bytes == 0) {
        db->o.memtable_bytes = 64u << 20;
    }
    if (db->o.bloom_bits_per_key == 0) {
        db->o.bloom_bits_per_key = 10;
    }
    if (db->o.block_bytes == 0) {
        db->o.block_bytes = 4u << 10; /* point reads decode one block: keep it small */
    }
    if (db->o.rows_per_unit == 0) {
        db->o.rows_per_unit = 1024;
    }
    pthread_mutex_init(&db->lead_mu, NULL);
    pthread_mutex_init(&db->wq_mu, NULL);
    pthread_rwlock_init(&db->trees_lock, NULL);
    pthread_mutex_init(&db->snap_mu, NULL);
    pthread_mutex_init(&db->man_mu, NULL);
    pthread_mutex_init(&db->dead_mu, NULL);
    pthread_mutex_init(&db->bg_mu, NULL);
    pthread_mutex_init(&db->flush_mu, NULL);
    pthread_mutex_init(&db->compact_mu, NULL);
    pthread_cond_init(&db->bg_cv, NULL);
    pthread_cond_init(&db->done_cv, NULL);
    atomic_init(&db->next_file_no, 1);
    if (db->o.block_cache_bytes == 0) {
        db->o.block_cache_bytes = helios_lsm_default_cache_bytes();
    }
    db->cache = helios_cache_new(db->o.block_cache_bytes);
    if (db->cache == NULL) {
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    db->env.tier_vt = db->o.tier_vt;
    db->env.tier = db->o.tier;
    db->env.codecs.vt = db->o.codec_vt;
    db->env.codecs.inst = db->o.codec;
    db->env.codecs.lookup = db->o.codec_lookup;
    db->env.codecs.lookup_arg = db->o.codec_lookup_arg;
    db->env.codecs.col_vt = db->o.column_codec_vt;
    db->env.codecs.col_inst = db->o.column_codec;
    db->env.cache = db->cache;
    db->env.bloom_bits_per_key = db->o.bloom_bits_per_key;
    db->env.block_bytes = db->o.block_bytes;
    db->env.rows_per_unit = db->o.rows_per_unit;
    if ((rc = lsm_manifest_load(db, err)) != 0) {
        goto failed;
    }
    uint64_t seg_bytes = db->o.wal_segment_bytes;
    if (seg_bytes == 0) {
        seg_bytes = db->o.memtable_bytes < (16u << 20)
                        ? (db->o.memtable_bytes > (1u << 20) ? db->o.memtable_bytes : (1u << 20))
                        : (16u << 20);
    }
    helios_wal_opts_t wo = {.tier_vt = db->o.tier_vt,
                            .tier = db->o.tier,
                            .segment_bytes = seg_bytes,
                            .min_seq = 0,
                            .pool_segments = db->o.wal_pool_segments,
                            .no_overwrite = db->o.wal_no_overwrite};
    uint64_t last = 0;
    if ((rc = helios_wal_open(&wo, lsm_replay_cb, db, &db->wal, &last, err)) != 0) {
        goto failed;
    }
    uint64_t wal_last = last;
    if (db->manifest_last_seq > last) {
        last = db->manifest_last_seq;
    }
    db->next_seq = last + 1;
    atomic_store(&db->last_seq, last);
    if (db->n_dead > 0) {
        /* recovery replayed tree drops: record them, then their files can go */
        helios_err_t e2 = HELIOS_ERR_INIT;
        pthread_mutex_lock(&db->man_mu);
        lsm_manifest_write(db, NULL, NULL, 0, 0, &e2);
        pthread_mutex_unlock(&db->man_mu);
    }
    if ((rc = lsm_bg_start(db, err)) != 0) {
        goto failed;
    }
    if (wal_last > 0 && wal_last < db->manifest_last_seq) {
        /* the WAL ends before the manifest's last seq (a no_sync tail lost in a crash): new
           records would start a segment after a gap, which the next recovery refuses as a lost
           record. Checkpoint first, so the old segments are gone before anything follows. */
        if ((rc = helios_lsm_checkpoint(db, err)) != 0) {
            goto failed;
        }
    }
    /* what recovery put in memtables goes to SSTables in the background, so the old WAL
       segments can be released */
    if (helios_wal_segments(db->wal) > 1) {
        helios_err_t e2 = HELIOS_ERR_INIT;
        switch_arg_t a = {0};
        pthread_mutex_lock(&db->lead_mu);
        switch_fn(db, &a, &e2);
        pthread_mutex_unlock(&db->lead_mu);
    }
    *out = db;
    return 0;
failed:
    helios_lsm_close(db);
    return rc;
}

void helios_lsm_close(helios_lsm_t *db)
{
    if (db == NULL) {
        return;
    }
    lsm_bg_stop(db);
    if (db->wal != NULL) {
        helios_wal_sync(db->wal, NULL);
        helios_wal_close(db->wal);
    }
    for (uint32_t i = 0; i < db->trees_cap; i++) {
        lsm_tree_unref(db->trees[i]);
    }
    free(db->trees);
    for (uint32_t i = 0; i < db->n_dead; i++) {
        helios_sst_unref(db->dead[i]); /* files stay; the manifest may still name them */
    }
    free(db->dead);
    free(db->snaps);
    helios_buf_free(&db->wal_buf);
    if (db->cache != NULL) {
        helios_cache_free(db->cache);
    }
    pthread_mutex_destroy(&db->lead_mu);
    pthread_mutex_destroy(&db->wq_mu);
    pthread_rwlock_destroy(&db->trees_lock);
    pthread_mutex_destroy(&db->snap_mu);
    pthread_mutex_destroy(&db->man_mu);
    pthread_mutex_destroy(&db->dead_mu);
    pthread_mutex_destroy(&db->bg_mu);
    pthread_mutex_destroy(&db->flush_mu);
    pthread_mutex_destroy(&db->compact_mu);
    pthread_cond_destroy(&db->bg_cv);
    pthread_cond_destroy(&db->done_cv);
    free(db);
}
