/* kernel/txn/txn_int.h -- internals shared by lock.c and ser.c (not a contract). */
#ifndef HELIOS_TXN_INT_H
#define HELIOS_TXN_INT_H

#include <pthread.h>
#include <stdint.h>

#include "txn/txn.h"

typedef struct lk_holder {
    helios_txn_t *t;
    uint32_t mode;
} lk_holder_t;

typedef struct lk_entry {
    uint64_t hash; /* its tag (see the table below) */
    uint32_t tree, klen;
    uint32_t n_holders, cap_holders;
    lk_holder_t *holders; /* &one while cap_holders is 1 (the usual single holder) */
    lk_holder_t one;
    uint32_t n_waiters;
    uint32_t small; /* from the manager's entry chunks (key of at most LK_SMALL_KEY bytes) */
    uint8_t key[];
} lk_entry_t;

/* entries with short keys (every row and index key of usual width) come from chunks of
   LK_CHUNK_ENTRIES, recycled through a free list, and the chunks go once no such entry is in
   use: a transaction taking 100,000 locks does not malloc and free each */
#define LK_SMALL_KEY 40u
#define LK_CHUNK_ENTRIES 512u
typedef struct lk_chunk {
    struct lk_chunk *next;
    uint32_t used;
    _Alignas(16) uint8_t data[];
} lk_chunk_t;

/* The lock table: open addressing with linear probing over two arrays of n_slots, entry
   pointers and 32-bit tags (the hash's low bits, never 0; 0 marks an empty slot). The tag's low
   bits are the home slot, so probing past other keys, deleting and resizing read tags only. */

typedef struct held_lock {
    lk_entry_t *e;
    uint32_t mode;      /* mode after this acquisition */
    uint32_t prev_mode; /* mode held before it (0: none) */
} held_lock_t;

/* one read: lo <= k <= hi (hi_incl) or k < hi; hi NULL: unbounded */
typedef struct rd_range {
    uint32_t tree;
    uint32_t lolen, hilen;
    uint8_t hi_set, hi_incl;
    uint8_t *lo, *hi;
} rd_range_t;

typedef struct ser_rec {
    struct ser_rec *next, *prev;
    helios_txn_t *owner;
    uint64_t id;
    uint32_t done;
    helios_seq_t seq;
    uint32_t n;
    uint32_t *trees, *klens;
    uint8_t **keys;
} ser_rec_t;

#define TXN_TREE_ALL_MAX 16

struct helios_txn {
    helios_txnmgr_t *m;
    uint32_t id;
    /* locks */
    held_lock_t *held;
    uint64_t n_held, cap_held;
    lk_entry_t *wait_e; /* while waiting */
    uint32_t wait_mode;
    uint32_t ddl_wait;
    uint64_t dl_gen;
    /* serializable */
    uint32_t ser_on;
    uint32_t ser_snapped;
    helios_seq_t ser_snap;
    struct helios_txn *ser_next, *ser_prev; /* manager's list of serializable txns */
    rd_range_t *reads;
    uint32_t n_reads, cap_reads;
    uint32_t all_trees[TXN_TREE_ALL_MAX]; /* trees read in full after the read set overflowed */
    uint32_t n_all_trees;
    ser_rec_t *rec;
};

#define LK_SLOTS 4096u /* initial size (a power of two); doubles past half full, shrinks back
                          when a large transaction's locks are gone */

struct helios_txnmgr {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    lk_entry_t **ents;   /* one allocation: n_slots entry pointers, then n_slots tags */
    uint32_t *tags;
    uint64_t n_slots, n_entries;
    lk_chunk_t *chunks;     /* newest first */
    lk_entry_t *free_small; /* linked through their holders pointer */
    uint64_t n_small;       /* chunk entries in use */
    uint32_t n_waiting;
    uint64_t gen;
    helios_txn_stats_t stats;
    /* serializable registry */
    pthread_mutex_t ser_mu;
    ser_rec_t *rec_head, *rec_tail;
    pthread_cond_t ser_cv; /* broadcast when a pending record is finished */
    uint64_t next_rec_id;
    helios_txn_t *ser_head;
    void *user;
};

void txn_ser_release(helios_txn_t *t); /* ser.c: drop registry state of a freed handle */
void txn_ser_destroy(helios_txnmgr_t *m);

#endif /* HELIOS_TXN_INT_H */
