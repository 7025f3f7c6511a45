/*
 * kernel/txn/txn.h -- the transaction manager the SQL engine calls: row locks (waits, NOWAIT,
 * SKIP LOCKED, lock_timeout, statement deadline, cancel, deadlock detection) and SERIALIZABLE
 * validation of read sets against concurrently committed writes.
 *
 * One manager per engine (helios_txnmgr_t), one handle per session (helios_txn_t) reused by
 * every transaction of that session. A handle is used by its session's thread only; the
 * manager is shared by all threads (its own mutexes).
 *
 * Locks are named by (tree id, key bytes): a table row is (table tree, primary key), a unique
 * index entry is (index tree, index key). They are held until helios_txn_unlock_all (commit
 * or rollback) or released back to a savepoint mark with helios_txn_unlock_to.
 *
 * SERIALIZABLE: a transaction records the keys and key ranges it read (helios_txn_read_*); at
 * commit helios_txn_commit_prepare checks, atomically with registering its own write keys,
 * that no transaction registered before it and not visible in its snapshot wrote into
 * anything it read (backward validation). Every writing transaction at every level registers
 * its keys before writing, so a serializable reader sees every concurrent writer. The
 * serial order of serializable transactions is the order of their successful validations.
 */
#ifndef HELIOS_TXN_H
#define HELIOS_TXN_H

#include <stdint.h>

#include "helios/status.h"
#include "storage/lsm.h"

typedef struct helios_txnmgr helios_txnmgr_t;
typedef struct helios_txn helios_txn_t;

/* create: 53200 on allocation failure. */
int32_t helios_txnmgr_create(helios_txnmgr_t **out);
/* destroy: every handle must have been freed. NULL is a no-op. */
void helios_txnmgr_destroy(helios_txnmgr_t *m);

/* txn_new: a handle for one session (`id` names it in messages, e.g. the backend pid).
   NULL on allocation failure. */
helios_txn_t *helios_txn_new(helios_txnmgr_t *m, uint32_t id);
/* txn_free: releases what it still holds. NULL is a no-op. */
void helios_txn_free(helios_txn_t *t);

/* ---- row locks ---- */
#define HELIOS_LOCK_SHARE 1u /* FOR SHARE: compatible with other SHARE holders */
#define HELIOS_LOCK_EXCL 2u  /* FOR UPDATE, UPDATE, DELETE, INSERT of a key */

#define HELIOS_LOCK_WAIT 0u   /* wait (lock_timeout, deadline, cancel, deadlock) */
#define HELIOS_LOCK_NOWAIT 1u /* fail at once with 55P03 */
#define HELIOS_LOCK_SKIP 2u   /* return HELIOS_AGAIN at once (SKIP LOCKED) */

typedef struct helios_lock_opts {
    uint32_t mode;                  /* HELIOS_LOCK_SHARE or HELIOS_LOCK_EXCL */
    uint32_t wait;                  /* HELIOS_LOCK_WAIT / NOWAIT / SKIP */
    int64_t lock_timeout_ms;        /* 0: none */
    int64_t deadline_us;            /* statement_timeout as a CLOCK_MONOTONIC time; 0: none */
    int64_t deadlock_timeout_ms;    /* wait this long before looking for a cycle; 0: 1000 */
    const volatile uint32_t *cancel; /* non-zero: give up with 57014 (may be NULL) */
    const char *what;               /* relation name for messages (may be NULL) */
} helios_lock_opts_t;

/* lock: take (or upgrade to) `mode` on (tree, key). Returns 0 when held (also when already
   held in that or a stronger mode), HELIOS_AGAIN for SKIP when another transaction holds it,
   55P03 (NOWAIT, or lock_timeout expired), 40P01 (this transaction closes a cycle of waits),
   57014 (deadline passed or *cancel set); err filled for the positive codes. */
int32_t helios_txn_lock(helios_txn_t *t, uint32_t tree, const void *key, uint32_t klen,
                        const helios_lock_opts_t *o, helios_err_t *err);
/* held: the mode this handle holds on (tree, key), 0 if none. */
uint32_t helios_txn_lock_held(helios_txn_t *t, uint32_t tree, const void *key, uint32_t klen);
/* lock_mark / unlock_to: savepoints. unlock_to releases locks first taken after the mark. */
uint64_t helios_txn_lock_mark(const helios_txn_t *t);
void helios_txn_unlock_to(helios_txn_t *t, uint64_t mark);
void helios_txn_unlock_all(helios_txn_t *t);

/* ddl_wait: the session is waiting for the catalog's write lock (DDL), which every statement
   waiting for a row lock holds for reading: deadlock detection counts a holder in that state
   as waiting for every row-lock waiter, so such a cycle ends with 40P01 instead of a hang. */
void helios_txn_set_ddl_wait(helios_txn_t *t, uint32_t on);

/* monotonic clock in microseconds (the deadline_us time base) */
int64_t helios_txn_now_us(void);

/* ---- SERIALIZABLE ---- */
/* ser_begin: call BEFORE taking the transaction's snapshot, then ser_snapshot with it; from
   then on reads are recorded and the manager keeps every concurrent writer's keys. */
void helios_txn_ser_begin(helios_txn_t *t);
void helios_txn_ser_snapshot(helios_txn_t *t, helios_seq_t snap);
/* ser_active: 1 while reads are being recorded. */
uint32_t helios_txn_ser_active(const helios_txn_t *t);
/* read_key: a point read (found or not). read_range: every key k with lo <= k, and k <= hi
   (hi_incl) or k < hi; hi NULL: no upper bound. No-ops unless ser_active. */
void helios_txn_read_key(helios_txn_t *t, uint32_t tree, const void *key, uint32_t klen);
void helios_txn_read_range(helios_txn_t *t, uint32_t tree, const void *lo, uint32_t lolen,
                           const void *hi, uint32_t hilen, uint32_t hi_incl);

/* commit_prepare: register the keys this transaction is about to write (arrays of n), and,
   when ser_active, validate its reads first: 40001 (nothing registered) if a concurrent
   transaction wrote into them. Call with n = 0 for a read-only serializable commit.
   Must be followed by commit_finish (after the write, or after it failed). */
int32_t helios_txn_commit_prepare(helios_txn_t *t, uint32_t n, const uint32_t *trees,
                                  const void *const *keys, const uint32_t *klens,
                                  helios_err_t *err);
/* commit_finish: written = 1 with the commit's sequence number, 0 if the write failed. */
void helios_txn_commit_finish(helios_txn_t *t, uint32_t written, helios_seq_t seq);
/* end: forget the read set and serializable state (commit, rollback). Locks are separate. */
void helios_txn_end(helios_txn_t *t);

/* user: one pointer the manager keeps for its owner (the SQL layer's foreign keys). */
void *helios_txnmgr_user(helios_txnmgr_t *m);
void helios_txnmgr_set_user(helios_txnmgr_t *m, void *p);

/* ---- statistics (tests, monitoring) ---- */
typedef struct helios_txn_stats {
    uint64_t lock_waits;
    uint64_t deadlocks;
    uint64_t lock_timeouts;
    uint64_t ser_failures;
    uint64_t ser_validations;
} helios_txn_stats_t;
void helios_txnmgr_stats(helios_txnmgr_t *m, helios_txn_stats_t *out);

#endif /* HELIOS_TXN_H */
