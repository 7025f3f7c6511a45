/*
 * kernel/storage/db.h -- the store's private state, shared by lsm.c (open, writes, reads),
 * bg.c (flush and compaction threads) and manifest.c. Not an interface.
 *
 * Locks, in the order they may nest:
 *   lead_mu    the commit leader's section: WAL append, memtable inserts, memtable switches,
 *              tree DDL. Only one thread inserts into memtables at a time.
 *   man_mu     manifest rewrites (flush/compaction installs, DDL), serialised.
 *   trees_lock (rwlock) the tree table.
 *   tree->mu   the tree's read view, schema and counters.
 *   snap_mu    the snapshot registry.   wq_mu  the writer queue.   bg_mu  background work.
 */
#ifndef HELIOS_STORAGE_DB_H
#define HELIOS_STORAGE_DB_H

#include "storage/internal.h"
#include "storage/wal.h"

#define LSM_MAX_IMM 8

/* What a reader needs, swapped as a whole under tree->mu: memtable, immutables, runs. */
typedef struct lsm_view {
    _Atomic uint32_t refs;
    helios_mem_t *mem;
    uint32_t n_imm;  /* oldest first */
    uint32_t n_runs; /* newest first */
    helios_mem_t *imm[LSM_MAX_IMM];
    helios_sst_t **runs;
} lsm_view_t;

typedef struct lsm_tree {
    _Atomic uint32_t refs;
    uint32_t id;
    uint32_t dropped;
    uint32_t busy; /* a flush or compaction of this tree is running (bg_mu) */
    pthread_mutex_t mu;
    helios_tree_schema_t schema; /* col_phys_types owned */
    uint64_t create_seq;
    uint64_t schema_seq;
    uint64_t flushed_seq; /* entries <= this are in SSTables (as of the manifest) */
    lsm_view_t *view;
    helios_mem_t *active;      /* view->mem, for the commit leader (changes only under lead_mu) */
    _Atomic uint64_t bloom[3]; /* checks, negatives, false positives */
    _Atomic uint64_t compactions;
} lsm_tree_t;

typedef struct lsm_snap {
    uint64_t seq;
    uint32_t count;
} lsm_snap_t;

typedef struct lsm_writer lsm_writer_t;

struct helios_lsm {
    helios_lsm_options_t o;
    helios_sst_env_t env;
    helios_cache_t *cache;
    helios_wal_t *wal;

    pthread_mutex_t lead_mu;
    pthread_mutex_t wq_mu;
    lsm_writer_t *wq_head, *wq_tail;
    helios_buf_t wal_buf; /* leader only */
    uint64_t next_seq;    /* leader only */
    _Atomic uint64_t last_seq;

    pthread_rwlock_t trees_lock;
    lsm_tree_t **trees; /* open addressing on id; NULL empty */
    uint32_t trees_cap, n_trees;

    pthread_mutex_t snap_mu;
    lsm_snap_t *snaps;
    uint32_t n_snaps, cap_snaps;

    pthread_mutex_t man_mu;
    pthread_mutex_t dead_mu; /* runs of dropped trees, deleted after the next manifest write */
    helios_sst_t **dead;
    uint32_t n_dead, cap_dead;
    _Atomic uint64_t next_file_no;
    uint64_t manifest_last_seq;

    pthread_mutex_t flush_mu;   /* one flush at a time */
    pthread_mutex_t compact_mu; /* one compaction at a time */
    pthread_mutex_t bg_mu;
    pthread_cond_t bg_cv;   /* work for background threads */
    pthread_cond_t done_cv; /* a flush or compaction finished */
    pthread_t flush_thr, compact_thr;
    uint32_t threads_started;
    uint32_t stop;
    uint32_t flush_pending;
    uint32_t compact_pending;
    int32_t bg_status; /* last background failure (retried) */
    helios_err_t bg_err;
    uint64_t flush_epoch;

    _Atomic uint64_t commits, write_stall_us, compactions, sst_bytes, n_sst;
};

/* lsm.c */
lsm_tree_t *lsm_tree_get(helios_lsm_t *db, uint32_t id); /* referenced, or NULL */
void lsm_tree_unref(lsm_tree_t *t);
lsm_view_t *lsm_view_get(lsm_tree_t *t);
void lsm_view_unref(lsm_view_t *v);
/* build a view from parts (refs taken on each). */
lsm_view_t *lsm_view_make(helios_mem_t *mem, helios_mem_t *const *imm, uint32_t n_imm,
                          helios_sst_t *const *runs, uint32_t n_runs);
/* install: replace t->view (caller holds t->mu); unrefs the old. */
void lsm_view_install(lsm_tree_t *t, lsm_view_t *v);
/* snapshot registry copy, sorted ascending (malloc'ed). */
uint64_t *lsm_snapshots_copy(helios_lsm_t *db, uint32_t *n);
/* all trees, referenced (malloc'ed array). */
lsm_tree_t **lsm_trees_list(helios_lsm_t *db, uint32_t *n);
void lsm_sst_name(char *buf, size_t n, uint32_t tree_id, uint64_t file_no);
/* the next SSTable file number, or 54000 once they reach 2^56 (the manifest's limit). */
int32_t lsm_take_file_no(helios_lsm_t *db, uint64_t *out, helios_err_t *err);

/* manifest.c: rewrite the manifest from the current state, with `t` (may be NULL) shown
   with runs `runs` and flushed_seq `flushed`. Caller holds man_mu. */
int32_t lsm_manifest_write(helios_lsm_t *db, lsm_tree_t *t, helios_sst_t *const *runs,
                           uint32_t n_runs, uint64_t flushed, helios_err_t *err);
/* load: read MANIFEST (absent: a new store), create trees, open SSTables. */
int32_t lsm_manifest_load(helios_lsm_t *db, helios_err_t *err);
/* create an empty tree object with the given schema (refs 1). */
lsm_tree_t *lsm_tree_new(uint32_t id, const helios_tree_schema_t *s);
int32_t lsm_tree_insert(helios_lsm_t *db, lsm_tree_t *t); /* caller holds trees_lock (write) */
void lsm_tree_remove(helios_lsm_t *db, uint32_t id);      /* caller holds trees_lock (write) */

/* commit.c */
int32_t lsm_replay_cb(void *arg, uint64_t seq, uint32_t count, const uint8_t *payload, uint32_t len,
                      helios_err_t *err);
typedef int32_t (*lsm_barrier_fn)(helios_lsm_t *db, void *arg, helios_err_t *err);
/* run fn inside the leader section, ordered with commits */
int32_t lsm_run_barrier(helios_lsm_t *db, lsm_barrier_fn fn, void *arg, helios_err_t *err);
/* make the tree's memtable immutable (caller holds lead_mu) */
int32_t lsm_tree_switch_mem(helios_lsm_t *db, lsm_tree_t *t);

/* bg.c */
int32_t lsm_bg_start(helios_lsm_t *db, helios_err_t *err);
void lsm_bg_stop(helios_lsm_t *db);
void lsm_bg_kick(helios_lsm_t *db, int flush, int compact);
/* flush every immutable memtable of `t` now (on the caller's thread). */
int32_t lsm_flush_tree(helios_lsm_t *db, lsm_tree_t *t, helios_err_t *err);
/* compact: all runs (full) or what the policy picks. */
int32_t lsm_compact_tree(helios_lsm_t *db, lsm_tree_t *t, int full, helios_err_t *err);
/* release WAL segments no memtable needs. */
void lsm_wal_release(helios_lsm_t *db);
/* writer pacing (lsm.c calls it before a group). */
void lsm_write_pace(helios_lsm_t *db, lsm_tree_t *t);

#endif
