/* tests/txn/test_txn_unit.c -- kernel/txn without a server (label unit, runs under ASan):
 * lock compatibility, NOWAIT / SKIP LOCKED, lock_timeout, statement deadline, a waiter woken
 * by a release, deadlock detection, savepoint lock marks, many locks (table growth, large
 * releases with and without other holders), SERIALIZABLE validation of point and range reads
 * against committed and pending writers. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helios/sqlstate.h"
#include "txn/txn.h"

static int failures, checks;
#define CHECK(cond, ...)                                                                         \
    do {                                                                                         \
        checks++;                                                                                \
        if (!(cond)) {                                                                           \
            failures++;                                                                          \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                          \
            printf(__VA_ARGS__);                                                                 \
            printf("\n");                                                                        \
        }                                                                                        \
    } while (0)

static helios_lock_opts_t opts(uint32_t mode, uint32_t wait)
{
    helios_lock_opts_t o = {0};
    o.mode = mode;
    o.wait = wait;
    o.deadlock_timeout_ms = 50;
    o.what = "t";
    return o;
}

static int32_t lk(helios_txn_t *t, const char *key, uint32_t mode, uint32_t wait)
{
    helios_lock_opts_t o = opts(mode, wait);
    helios_err_t e = HELIOS_ERR_INIT;
    return helios_txn_lock(t, 7, key, (uint32_t)strlen(key), &o, &e);
}

typedef struct waiter {
    helios_txn_t *t;
    const char *key;
    int32_t rc;
    int64_t waited_us;
} waiter_t;

static void *wait_thread(void *arg)
{
    waiter_t *w = arg;
    int64_t t0 = helios_txn_now_us();
    w->rc = lk(w->t, w->key, HELIOS_LOCK_EXCL, HELIOS_LOCK_WAIT);
    w->waited_us = helios_txn_now_us() - t0;
    if (w->rc != 0) helios_txn_unlock_all(w->t); /* a deadlock victim rolls back */
    return NULL;
}

static void test_locks(helios_txnmgr_t *m)
{
    helios_txn_t *a = helios_txn_new(m, 1), *b = helios_txn_new(m, 2), *c = helios_txn_new(m, 3);
    CHECK(lk(a, "k1", HELIOS_LOCK_EXCL, HELIOS_LOCK_WAIT) == 0, "first lock");
    CHECK(lk(a, "k1", HELIOS_LOCK_SHARE, HELIOS_LOCK_WAIT) == 0, "weaker re-lock is a no-op");
    CHECK(lk(b, "k1", HELIOS_LOCK_EXCL, HELIOS_LOCK_NOWAIT) == HELIOS_ERR_LOCK_NOT_AVAILABLE,
          "NOWAIT on a held key is 55P03");
    CHECK(lk(b, "k1", HELIOS_LOCK_SHARE, HELIOS_LOCK_SKIP) == HELIOS_AGAIN, "SKIP LOCKED");
    CHECK(helios_txn_lock_held(a, 7, "k1", 2) == HELIOS_LOCK_EXCL, "held mode");
    CHECK(lk(b, "k2", HELIOS_LOCK_SHARE, HELIOS_LOCK_WAIT) == 0, "share");
    CHECK(lk(c, "k2", HELIOS_LOCK_SHARE, HELIOS_LOCK_NOWAIT) == 0, "shares are compatible");
    CHECK(lk(a, "k2", HELIOS_LOCK_EXCL, HELIOS_LOCK_NOWAIT) == HELIOS_ERR_LOCK_NOT_AVAILABLE,
          "exclusive against shares");

    helios_lock_opts_t o = opts(HELIOS_LOCK_EXCL, HELIOS_LOCK_WAIT);
    helios_err_t e = HELIOS_ERR_INIT;
    o.lock_timeout_ms = 60;
    int64_t t0 = helios_txn_now_us();
    int32_t rc = helios_txn_lock(b, 7, "k1", 2, &o, &e);
    int64_t el = helios_txn_now_us() - t0;
    CHECK(rc == HELIOS_ERR_LOCK_NOT_AVAILABLE && el >= 50000 && el < 2000000,
          "lock_timeout: rc %d after %lld us", rc, (long long)el);
    CHECK(strstr(e.message, "lock timeout") != NULL, "lock_timeout message: %s", e.message);
    o.lock_timeout_ms = 0;
    o.deadline_us = helios_txn_now_us() + 60000;
    rc = helios_txn_lock(b, 7, "k1", 2, &o, &e);
    CHECK(rc == HELIOS_ERR_QUERY_CANCELED, "statement deadline: 57014, got %d", rc);
    volatile uint32_t cancel = 1;
    o.deadline_us = 0;
    o.cancel = &cancel;
    CHECK(helios_txn_lock(b, 7, "k1", 2, &o, &e) == HELIOS_ERR_QUERY_CANCELED, "cancel");

    /* a waiter is woken by the release */
    waiter_t w = {.t = b, .key = "k1"};
    pthread_t th;
    pthread_create(&th, NULL, wait_thread, &w);
    usleep(80000);
    helios_txn_unlock_all(a);
    pthread_join(th, NULL);
    CHECK(w.rc == 0 && w.waited_us >= 50000, "waiter got the lock after release (rc %d)", w.rc);
    helios_txn_unlock_all(b);
    helios_txn_unlock_all(c);

    /* savepoint marks */
    CHECK(lk(a, "s1", HELIOS_LOCK_EXCL, HELIOS_LOCK_WAIT) == 0, "s1");
    uint64_t mark = helios_txn_lock_mark(a);
    CHECK(lk(a, "s2", HELIOS_LOCK_EXCL, HELIOS_LOCK_WAIT) == 0, "s2");
    CHECK(lk(a, "s1", HELIOS_LOCK_EXCL, HELIOS_LOCK_WAIT) == 0, "s1 again");
    helios_txn_unlock_to(a, mark);
    CHECK(lk(b, "s2", HELIOS_LOCK_EXCL, HELIOS_LOCK_NOWAIT) == 0, "s2 released by unlock_to");
    CHECK(lk(b, "s1", HELIOS_LOCK_EXCL, HELIOS_LOCK_NOWAIT) == HELIOS_ERR_LOCK_NOT_AVAILABLE,
          "s1 still held");
    helios_txn_unlock_all(a);
    helios_txn_unlock_all(b);

    /* upgrade share -> exclusive, rolled back to share */
    CHECK(lk(a, "u", HELIOS_LOCK_SHARE, HELIOS_LOCK_WAIT) == 0, "u share");
    mark = helios_txn_lock_mark(a);
    CHECK(lk(a, "u", HELIOS_LOCK_EXCL, HELIOS_LOCK_WAIT) == 0, "u upgrade");
    CHECK(lk(b, "u", HELIOS_LOCK_SHARE, HELIOS_LOCK_NOWAIT) == HELIOS_ERR_LOCK_NOT_AVAILABLE,
          "upgraded");
    helios_txn_unlock_to(a, mark);
    CHECK(lk(b, "u", HELIOS_LOCK_SHARE, HELIOS_LOCK_NOWAIT) == 0, "downgraded to share");
    helios_txn_unlock_all(a);
    helios_txn_unlock_all(b);

    /* deadlock: a holds d1 and waits for d2, b holds d2 and asks for d1 */
    CHECK(lk(a, "d1", HELIOS_LOCK_EXCL, HELIOS_LOCK_WAIT) == 0, "d1");
    CHECK(lk(b, "d2", HELIOS_LOCK_EXCL, HELIOS_LOCK_WAIT) == 0, "d2");
    waiter_t wa = {.t = a, .key = "d2"};
    pthread_create(&th, NULL, wait_thread, &wa);
    usleep(20000);
    helios_lock_opts_t od = opts(HELIOS_LOCK_EXCL, HELIOS_LOCK_WAIT);
    rc = helios_txn_lock(b, 7, "d1", 2, &od, &e);
    if (rc != 0) helios_txn_unlock_all(b);
    pthread_join(th, NULL);
    CHECK((rc == HELIOS_ERR_DEADLOCK_DETECTED) != (wa.rc == HELIOS_ERR_DEADLOCK_DETECTED) ||
              (rc == HELIOS_ERR_DEADLOCK_DETECTED && wa.rc == HELIOS_ERR_DEADLOCK_DETECTED),
          "deadlock detected (b %d, a %d)", rc, wa.rc);
    CHECK(rc == 0 || wa.rc == 0, "the survivor gets its lock (b %d, a %d)", rc, wa.rc);
    helios_txn_unlock_all(a);
    helios_txn_unlock_all(b);
    helios_txn_stats_t st;
    helios_txnmgr_stats(m, &st);
    CHECK(st.deadlocks >= 1 && st.lock_waits >= 4, "stats: %llu deadlocks, %llu waits",
          (unsigned long long)st.deadlocks, (unsigned long long)st.lock_waits);
    helios_txn_free(a);
    helios_txn_free(b);
    helios_txn_free(c);
}

/* many keys: the table grows, a large release empties it at once when nothing else is held,
   and removes entry by entry (keeping every other entry findable) when something is */
static void test_many_locks(helios_txnmgr_t *m)
{
    helios_txn_t *a = helios_txn_new(m, 11), *b = helios_txn_new(m, 12), *c = helios_txn_new(m, 13);
    char k[32];
    enum { NA = 20000, NB = 250 }; /* b: every 67th step, NB * 67 < NA */
    int bad = 0;
    for (int i = 0; i < NA; i++) {
        snprintf(k, sizeof k, "r%d", i);
        bad += lk(a, k, HELIOS_LOCK_EXCL, HELIOS_LOCK_WAIT) != 0;
        if (i % 67 == 0 && i / 67 < NB) {
            snprintf(k, sizeof k, "q%d", i / 67);
            bad += lk(b, k, HELIOS_LOCK_EXCL, HELIOS_LOCK_WAIT) != 0;
        }
    }
    CHECK(bad == 0, "%d of the many locks failed", bad);
    uint64_t mark = helios_txn_lock_mark(a);
    for (int i = 0; i < 3000; i++) {
        snprintf(k, sizeof k, "late%d", i);
        bad += lk(a, k, HELIOS_LOCK_EXCL, HELIOS_LOCK_WAIT) != 0;
    }
    bad = 0;
    for (int i = 0; i < NA; i += 7) {
        snprintf(k, sizeof k, "r%d", i);
        bad += helios_txn_lock_held(a, 7, k, (uint32_t)strlen(k)) != HELIOS_LOCK_EXCL;
        bad += lk(c, k, HELIOS_LOCK_SHARE, HELIOS_LOCK_NOWAIT) != HELIOS_ERR_LOCK_NOT_AVAILABLE;
    }
    CHECK(bad == 0, "%d of a's keys not held or grantable to c", bad);
    /* release back to the mark while b holds keys: entry-by-entry removal */
    helios_txn_unlock_to(a, mark);
    bad = 0;
    for (int i = 0; i < 3000; i += 3) {
        snprintf(k, sizeof k, "late%d", i);
        bad += helios_txn_lock_held(a, 7, k, (uint32_t)strlen(k)) != 0;
    }
    for (int i = 0; i < NA; i += 5) {
        snprintf(k, sizeof k, "r%d", i);
        bad += helios_txn_lock_held(a, 7, k, (uint32_t)strlen(k)) != HELIOS_LOCK_EXCL;
    }
    for (int i = 0; i < NB; i++) {
        snprintf(k, sizeof k, "q%d", i);
        bad += helios_txn_lock_held(b, 7, k, (uint32_t)strlen(k)) != HELIOS_LOCK_EXCL;
    }
    CHECK(bad == 0, "%d wrong after a partial release", bad);
    helios_txn_unlock_all(a);
    bad = 0;
    for (int i = 0; i < NB; i++) {
        snprintf(k, sizeof k, "q%d", i);
        bad += helios_txn_lock_held(b, 7, k, (uint32_t)strlen(k)) != HELIOS_LOCK_EXCL;
        bad += lk(c, k, HELIOS_LOCK_SHARE, HELIOS_LOCK_NOWAIT) != HELIOS_ERR_LOCK_NOT_AVAILABLE;
    }
    for (int i = 0; i < NA; i += 3) {
        snprintf(k, sizeof k, "r%d", i);
        bad += lk(c, k, HELIOS_LOCK_EXCL, HELIOS_LOCK_NOWAIT) != 0;
    }
    CHECK(bad == 0, "%d wrong after a's full release with b holding", bad);
    helios_txn_unlock_all(b);
    helios_txn_unlock_all(c);
    /* shared keys: one holder's large release leaves the other's */
    bad = 0;
    for (int i = 0; i < 2000; i++) {
        snprintf(k, sizeof k, "sh%d", i);
        bad += lk(a, k, HELIOS_LOCK_SHARE, HELIOS_LOCK_WAIT) != 0;
        bad += lk(b, k, HELIOS_LOCK_SHARE, HELIOS_LOCK_WAIT) != 0;
    }
    helios_txn_unlock_all(a);
    for (int i = 0; i < 2000; i += 9) {
        snprintf(k, sizeof k, "sh%d", i);
        bad += helios_txn_lock_held(b, 7, k, (uint32_t)strlen(k)) != HELIOS_LOCK_SHARE;
        bad += lk(c, k, HELIOS_LOCK_EXCL, HELIOS_LOCK_NOWAIT) != HELIOS_ERR_LOCK_NOT_AVAILABLE;
    }
    helios_txn_unlock_all(b);
    /* b's release emptied the table: every key is free again */
    for (int i = 0; i < 2000; i += 9) {
        snprintf(k, sizeof k, "sh%d", i);
        bad += helios_txn_lock_held(b, 7, k, (uint32_t)strlen(k)) != 0;
        bad += lk(c, k, HELIOS_LOCK_EXCL, HELIOS_LOCK_NOWAIT) != 0;
    }
    CHECK(bad == 0, "%d wrong with shared holders", bad);
    helios_txn_unlock_all(c);
    /* long keys (allocated apart from the short ones) beside short ones */
    char lkey[128];
    for (int i = 0; i < 1500; i++) {
        snprintf(lkey, sizeof lkey, "%080d", i);
        bad += lk(a, lkey, HELIOS_LOCK_EXCL, HELIOS_LOCK_WAIT) != 0;
        snprintf(k, sizeof k, "s%d", i);
        bad += lk(a, k, HELIOS_LOCK_EXCL, HELIOS_LOCK_WAIT) != 0;
    }
    for (int i = 0; i < 1500; i += 7) {
        snprintf(lkey, sizeof lkey, "%080d", i);
        bad += lk(b, lkey, HELIOS_LOCK_EXCL, HELIOS_LOCK_NOWAIT) != HELIOS_ERR_LOCK_NOT_AVAILABLE;
    }
    helios_txn_unlock_all(a);
    for (int i = 0; i < 1500; i += 7) {
        snprintf(lkey, sizeof lkey, "%080d", i);
        bad += lk(b, lkey, HELIOS_LOCK_EXCL, HELIOS_LOCK_NOWAIT) != 0;
    }
    helios_txn_unlock_all(b);
    CHECK(bad == 0, "%d wrong with long keys", bad);
    helios_txn_free(a);
    helios_txn_free(b);
    helios_txn_free(c);
}

static int32_t commit_keys(helios_txn_t *t, const char *k, helios_seq_t seq, int finish)
{
    uint32_t tree = 9, kl = (uint32_t)strlen(k);
    const void *keys[1] = {k};
    helios_err_t e = HELIOS_ERR_INIT;
    int32_t rc = helios_txn_commit_prepare(t, 1, &tree, keys, &kl, &e);
    if (rc == 0 && finish) helios_txn_commit_finish(t, 1, seq);
    return rc;
}

static void test_ser(helios_txnmgr_t *m)
{
    helios_txn_t *r = helios_txn_new(m, 1), *w = helios_txn_new(m, 2), *r2 = helios_txn_new(m, 3);
    helios_err_t e = HELIOS_ERR_INIT;
    /* r reads [b, d] at snapshot 10; w commits "c" at 11: r must fail */
    helios_txn_ser_begin(r);
    helios_txn_ser_snapshot(r, 10);
    helios_txn_read_range(r, 9, "b", 1, "d", 1, 1);
    CHECK(commit_keys(w, "c", 11, 1) == 0, "a plain writer registers");
    helios_txn_end(w);
    CHECK(helios_txn_commit_prepare(r, 0, NULL, NULL, NULL, &e) == HELIOS_ERR_SERIALIZATION_FAILURE,
          "read range overwritten by a concurrent commit: 40001");
    helios_txn_end(r);

    /* a snapshot that saw the write is fine; writes outside the read set are fine */
    helios_txn_ser_begin(r);
    helios_txn_ser_snapshot(r, 11);
    helios_txn_read_range(r, 9, "b", 1, "d", 1, 1);
    helios_txn_read_key(r, 9, "x", 1);
    CHECK(commit_keys(w, "e", 12, 1) == 0, "writer of e");
    helios_txn_end(w);
    CHECK(commit_keys(w, "d0", 13, 1) == 0, "writer of d0 (above d)");
    helios_txn_end(w);
    CHECK(helios_txn_commit_prepare(r, 0, NULL, NULL, NULL, &e) == 0,
          "no conflict: %s", e.message);
    helios_txn_end(r);

    /* write skew: both read x and y, r writes x, r2 writes y: the second to validate fails */
    helios_txn_ser_begin(r);
    helios_txn_ser_snapshot(r, 20);
    helios_txn_ser_begin(r2);
    helios_txn_ser_snapshot(r2, 20);
    helios_txn_read_key(r, 9, "x", 1);
    helios_txn_read_key(r, 9, "y", 1);
    helios_txn_read_key(r2, 9, "x", 1);
    helios_txn_read_key(r2, 9, "y", 1);
    CHECK(commit_keys(r, "x", 21, 0) == 0, "first validates (write pending)");
    CHECK(commit_keys(r2, "y", 22, 1) == HELIOS_ERR_SERIALIZATION_FAILURE,
          "second sees the pending write into its reads: 40001");
    helios_txn_commit_finish(r, 1, 21);
    helios_txn_end(r);
    helios_txn_end(r2);
    /* an unbounded scan of the tree conflicts with any write to it */
    helios_txn_ser_begin(r);
    helios_txn_ser_snapshot(r, 30);
    helios_txn_read_range(r, 9, "", 0, NULL, 0, 0);
    CHECK(commit_keys(w, "zzz", 31, 1) == 0, "writer");
    helios_txn_end(w);
    CHECK(helios_txn_commit_prepare(r, 0, NULL, NULL, NULL, &e) == HELIOS_ERR_SERIALIZATION_FAILURE,
          "phantom in a full scan: 40001");
    helios_txn_end(r);
    helios_txn_free(r);
    helios_txn_free(w);
    helios_txn_free(r2);
}

int main(void)
{
    helios_txnmgr_t *m = NULL;
    CHECK(helios_txnmgr_create(&m) == 0, "create");
    test_locks(m);
    test_many_locks(m);
    test_ser(m);
    helios_txnmgr_destroy(m);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
