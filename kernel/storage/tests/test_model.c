/*
 * test_model.c -- randomized model test: puts, deletes, gets, scans (both directions, seeks),
 * snapshots, flushes, compactions and reopens against an in-memory model of every version.
 * Fixed seeds, so a failure is reproducible; HELIOS_MODEL_SEED=<n> runs one other seed.
 */
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helios/conformance.h"
#include "testenv.h"

#define NKEYS 400
#define MAXV 64
#define MAXSNAP 6

typedef struct ver {
    uint64_t seq;
    int del;
    char val[24];
} ver_t;

typedef struct model {
    ver_t *v[NKEYS];
    int n[NKEYS], cap[NKEYS];
} model_t;

static model_t M;
static uint64_t rng;
static tenv_t env;
static helios_lsm_t *db;
static uint64_t snaps[MAXSNAP];
static int n_snaps;
static long n_checks;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void key_of(int i, char *k)
{
    snprintf(k, 16, "k%04d", i * 7 % 1000);
}

static void model_add(int k, uint64_t seq, int del, const char *val)
{
    if (M.n[k] == M.cap[k]) {
        M.cap[k] = M.cap[k] ? M.cap[k] * 2 : 8;
        M.v[k] = realloc(M.v[k], (size_t)M.cap[k] * sizeof(ver_t));
    }
    ver_t *v = &M.v[k][M.n[k]++];
    v->seq = seq;
    v->del = del;
    snprintf(v->val, sizeof(v->val), "%s", val ? val : "");
}

/* the visible value at seq, or NULL */
static const char *model_get(int k, uint64_t seq)
{
    for (int i = M.n[k] - 1; i >= 0; i--) {
        if (M.v[k][i].seq <= seq) {
            return M.v[k][i].del ? NULL : M.v[k][i].val;
        }
    }
    return NULL;
}

/* index order of keys: key strings sort as k%04d of (i*7 % 1000) */
static int korder[NKEYS];
static int korder_cmp(const void *a, const void *b)
{
    char ka[16], kb[16];
    key_of(*(const int *)a, ka);
    key_of(*(const int *)b, kb);
    return strcmp(ka, kb);
}

static void open_db(void)
{
    helios_lsm_options_t o;
    tenv_options(&env, &o);
    o.memtable_bytes = 16 * 1024;
    o.block_bytes = 512;
    o.no_sync = 1; /* the model checks logic; the crash test checks durability */
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t rc = helios_lsm_open(&o, &db, &err);
    if (rc != 0) {
        fprintf(stderr, "open: %s\n", err.message);
    }
    CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static void check_get(int k, uint64_t seq)
{
    char key[16];
    key_of(k, key);
    helios_buf_t v = {0};
    uint32_t found = 0;
    helios_err_t err = HELIOS_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(helios_lsm_get(db, 1, seq, key, 5, &v, &found, &err), 0);
    const char *want = model_get(k, seq);
    if ((want != NULL) != (found != 0) ||
        (want != NULL && (v.len != strlen(want) || memcmp(v.data, want, v.len) != 0))) {
        fprintf(stderr, "get %s at %llu: want %s got %.*s (found %u)\n", key,
                (unsigned long long)seq, want ? want : "(none)", (int)v.len,
                v.data ? (char *)v.data : "", found);
        CU_FAIL_FATAL("get differs from the model");
    }
    n_checks++;
    helios_buf_free(&v);
}

/* compare a scan from position pos (in key order) in a direction with the model */
static void check_scan(uint64_t seq, int backward, int start_pos, int limit)
{
    helios_iter_t *it = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(helios_lsm_iter_open(db, 1, seq, &it, &err), 0);
    char key[16];
    int pos = start_pos;
    if (start_pos < 0) {
        pos = backward ? NKEYS - 1 : 0;
        if (backward) {
            helios_iter_seek_last(it);
        } else {
            helios_iter_seek_first(it);
        }
    } else {
        key_of(korder[pos], key);
        if (backward) {
            helios_iter_seek_for_prev(it, key, 5);
        } else {
            helios_iter_seek(it, key, 5);
        }
    }
    int steps = 0;
    for (; pos >= 0 && pos < NKEYS && steps < limit; pos += backward ? -1 : 1) {
        const char *want = model_get(korder[pos], seq);
        if (want == NULL) {
            continue;
        }
        key_of(korder[pos], key);
        CU_ASSERT_FATAL(helios_iter_valid(it));
        uint32_t kl, vl;
        const char *k = helios_iter_key(it, &kl);
        const char *v = helios_iter_value(it, &vl);
        if (kl != 5 || memcmp(k, key, 5) != 0 || vl != strlen(want) || memcmp(v, want, vl)) {
            fprintf(stderr, "scan at %llu %s: want %s=%s got %.*s=%.*s\n", (unsigned long long)seq,
                    backward ? "back" : "fwd", key, want, (int)kl, k, (int)vl, v);
            CU_FAIL_FATAL("scan differs from the model");
        }
        n_checks++;
        steps++;
        /* now and then, step the other way and back (direction changes) */
        if (rnd() % 8 == 0) {
            if (backward) {
                helios_iter_next(it);
                if (helios_iter_valid(it)) {
                    helios_iter_prev(it);
                } else {
                    helios_iter_seek_for_prev(it, key, 5);
                }
            } else {
                helios_iter_prev(it);
                if (helios_iter_valid(it)) {
                    helios_iter_next(it);
                } else {
                    helios_iter_seek(it, key, 5);
                }
            }
            CU_ASSERT_FATAL(helios_iter_valid(it));
            k = helios_iter_key(it, &kl);
            CU_ASSERT_FATAL(kl == 5 && memcmp(k, key, 5) == 0);
        }
        if (backward) {
            helios_iter_prev(it);
        } else {
            helios_iter_next(it);
        }
    }
    if (steps < limit) {
        CU_ASSERT_FATAL(!helios_iter_valid(it));
    }
    CU_ASSERT_EQUAL(helios_iter_status(it, &err), 0);
    helios_iter_close(it);
}

static uint64_t pick_seq(void)
{
    if (n_snaps > 0 && rnd() % 2) {
        return snaps[rnd() % (uint64_t)n_snaps];
    }
    return HELIOS_SEQ_MAX;
}

static void run_seed(uint64_t seed, int ops)
{
    memset(&M, 0, sizeof(M));
    rng = seed * 0x9E3779B97F4A7C15ULL + 1;
    n_snaps = 0;
    CU_ASSERT_EQUAL_FATAL(tenv_init_nosync(&env, NULL, 1), 0);
    open_db();
    helios_tree_schema_t s = {.kind = HELIOS_TREE_KV};
    helios_err_t err = HELIOS_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(helios_lsm_tree_create(db, 1, &s, &err), 0);
    helios_wbatch_t *b = helios_wbatch_new();
    for (int op = 0; op < ops; op++) {
        uint64_t r = rnd() % 1000;
        if (r < 450) {
            helios_wbatch_clear(b);
            int n = 1 + (int)(rnd() % 5);
            int ks[5], dels[5];
            char vals[5][24];
            for (int i = 0; i < n; i++) {
                ks[i] = (int)(rnd() % NKEYS);
                dels[i] = rnd() % 5 == 0;
                char key[16];
                key_of(ks[i], key);
                snprintf(vals[i], sizeof(vals[i]), "v%d-%llu", op,
                         (unsigned long long)(rnd() % 1000));
                if (dels[i]) {
                    helios_wbatch_del(b, 1, key, 5);
                } else {
                    helios_wbatch_put(b, 1, key, 5, vals[i], (uint32_t)strlen(vals[i]));
                }
            }
            helios_seq_t seq = 0;
            CU_ASSERT_EQUAL_FATAL(helios_lsm_write(db, b, NULL, &seq, &err), 0);
            for (int i = 0; i < n; i++) {
                model_add(ks[i], seq, dels[i], vals[i]);
            }
        } else if (r < 750) {
            check_get((int)(rnd() % NKEYS), pick_seq());
        } else if (r < 800) {
            int start = rnd() % 4 == 0 ? -1 : (int)(rnd() % NKEYS);
            check_scan(pick_seq(), (int)(rnd() % 2), start, 1 + (int)(rnd() % 60));
        } else if (r < 850) {
            if (n_snaps < MAXSNAP) {
                CU_ASSERT_EQUAL(helios_lsm_snapshot(db, &snaps[n_snaps]), 0);
                n_snaps++;
            }
        } else if (r < 900) {
            if (n_snaps > 0) {
                int i = (int)(rnd() % (uint64_t)n_snaps);
                helios_lsm_snapshot_release(db, snaps[i]);
                snaps[i] = snaps[--n_snaps];
            }
        } else if (r < 940) {
            CU_ASSERT_EQUAL_FATAL(helios_lsm_flush(db, 1, &err), 0);
        } else if (r < 970) {
            CU_ASSERT_EQUAL_FATAL(helios_lsm_compact(db, 1, &err), 0);
        } else if (r < 980) {
            CU_ASSERT_EQUAL_FATAL(helios_lsm_checkpoint(db, &err), 0);
        } else if (r < 990) {
            /* snapshots do not survive a restart: recovery gives the latest state only */
            helios_lsm_close(db);
            n_snaps = 0;
            open_db();
        } else {
            check_scan(HELIOS_SEQ_MAX, (int)(rnd() % 2), -1, NKEYS);
        }
    }
    for (int k = 0; k < NKEYS; k++) {
        check_get(k, HELIOS_SEQ_MAX);
    }
    check_scan(HELIOS_SEQ_MAX, 0, -1, NKEYS);
    check_scan(HELIOS_SEQ_MAX, 1, -1, NKEYS);
    helios_lsm_stats_t st;
    helios_lsm_stats(db, 1, &st);
    printf("\n    seed %llu: %d ops, %ld checks, %llu sstables, %llu compactions, bloom "
           "%llu/%llu/%llu\n",
           (unsigned long long)seed, ops, n_checks, (unsigned long long)st.n_sstables,
           (unsigned long long)st.compactions, (unsigned long long)st.bloom_checks,
           (unsigned long long)st.bloom_negatives, (unsigned long long)st.bloom_false_pos);
    helios_wbatch_free(b);
    helios_lsm_close(db);
    db = NULL;
    tenv_fini(&env, 1);
    for (int k = 0; k < NKEYS; k++) {
        free(M.v[k]);
    }
}

static void test_seed_1(void)
{
    run_seed(1, 4000);
}

static void test_seed_2(void)
{
    run_seed(2, 4000);
}

static void test_seed_3(void)
{
    run_seed(3, 4000);
}

static void test_env_seed(void)
{
    const char *s = getenv("HELIOS_MODEL_SEED");
    const char *n = getenv("HELIOS_MODEL_OPS");
    run_seed(strtoull(s, NULL, 10), n ? atoi(n) : 20000);
}

int main(void)
{
    for (int i = 0; i < NKEYS; i++) {
        korder[i] = i;
    }
    qsort(korder, NKEYS, sizeof(int), korder_cmp);
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    CU_pSuite s = CU_add_suite("lsm model", NULL, NULL);
    if (getenv("HELIOS_MODEL_SEED") != NULL) {
        CU_add_test(s, "env_seed", test_env_seed);
    } else {
        CU_add_test(s, "seed_1", test_seed_1);
        CU_add_test(s, "seed_2", test_seed_2);
        CU_add_test(s, "seed_3", test_seed_3);
    }
    return helios_test_run_cunit();
}
