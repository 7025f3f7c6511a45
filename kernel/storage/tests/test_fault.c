/*
 * test_fault.c -- fault injection through helios_testing's fault tier wrapped around the
 * nvme tier: the N-th write or sync fails (ENOSPC or EIO, torn appends), and power losses
 * that drop every byte not yet synced (appended bytes cut, in-place writes undone). After each
 * fault the store must reopen and hold every write that was acknowledged. The WAL runs in
 * preallocated segments written in place; the "recycled" cases use segments so small that the
 * workload fills several and the flushes recycle them, and "appended" ones the appending
 * fallback of tiers without in-place writes.
 */
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helios/conformance.h"
#include "helios/faulttier.h"
#include "testenv.h"

#define NK 120

static tenv_t env;
static helios_fault_tier_t *ft;
static int acked[NK];         /* 1: put acknowledged, 2: delete acknowledged, 0: unknown */
static uint64_t seg_bytes;    /* 0: the default */
static uint32_t no_overwrite; /* 1: appended WAL segments */

static int32_t open_ft(helios_lsm_t **db, helios_err_t *err)
{
    if (ft == NULL && helios_fault_tier_new(env.tvt, env.tier, &ft) != 0) {
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    helios_lsm_options_t o;
    tenv_options(&env, &o);
    o.tier_vt = helios_fault_tier_vtable(ft);
    o.tier = helios_fault_tier_inst(ft);
    o.memtable_bytes = 4096;
    o.block_bytes = 512;
    o.wal_segment_bytes = seg_bytes;
    o.wal_pool_segments = seg_bytes != 0 ? 2 : 0;
    o.wal_no_overwrite = no_overwrite;
    return helios_lsm_open(&o, db, err);
}

static void key_of(int i, char *k)
{
    snprintf(k, 16, "key%04d", i);
}

/* A workload touching every write path: commits (with deletes), flushes, compactions,
   a checkpoint and tree DDL. Stops at the first error. */
static void workload(helios_lsm_t *db)
{
    helios_err_t err = HELIOS_ERR_INIT;
    helios_wbatch_t *b = helios_wbatch_new();
    char k[16], v[64];
    helios_tree_schema_t s = {.kind = HELIOS_TREE_KV};
    if (!helios_lsm_tree_exists(db, 1) && helios_lsm_tree_create(db, 1, &s, &err) != 0) {
        goto done;
    }
    for (int i = 0; i < NK; i++) {
        helios_wbatch_clear(b);
        key_of(i, k);
        int del = i % 9 == 8;
        if (del) {
            key_of(i - 3, k);
            helios_wbatch_del(b, 1, k, 7);
        } else {
            snprintf(v, sizeof(v), "value-%d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", i);
            helios_wbatch_put(b, 1, k, 7, v, (uint32_t)strlen(v));
        }
        if (helios_lsm_write(db, b, NULL, NULL, &err) != 0) {
            goto done;
        }
        if (del) {
            acked[i - 3] = 2;
        } else {
            acked[i] = 1;
        }
        if (i % 40 == 39 && helios_lsm_flush(db, 1, &err) != 0) {
            goto done;
        }
        if (i == 90 && helios_lsm_compact(db, 1, &err) != 0) {
            goto done;
        }
        if (i == 100 && helios_lsm_checkpoint(db, &err) != 0) {
            goto done;
        }
    }
done:
    helios_wbatch_free(b);
}

static int verify(helios_lsm_t *db)
{
    int bad = 0;
    for (int i = 0; i < NK; i++) {
        if (acked[i] == 0) {
            continue;
        }
        char k[16], want[64];
        key_of(i, k);
        snprintf(want, sizeof(want), "value-%d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", i);
        helios_buf_t v = {0};
        uint32_t found = 0;
        helios_err_t err = HELIOS_ERR_INIT;
        if (helios_lsm_get(db, 1, HELIOS_SEQ_MAX, k, 7, &v, &found, &err) != 0) {
            fprintf(stderr, "get %s: %s\n", k, err.message);
            bad = 1;
        } else if (acked[i] == 1 &&
                   (!found || v.len != strlen(want) || memcmp(v.data, want, v.len) != 0)) {
            fprintf(stderr, "acknowledged %s lost\n", k);
            bad = 1;
        } else if (acked[i] == 2 && found) {
            fprintf(stderr, "acknowledged delete of %s lost\n", k);
            bad = 1;
        }
        helios_buf_free(&v);
    }
    return bad;
}

/* One fault scenario: arm, run the workload, disarm, maybe crash, reopen, verify, and
   finish the workload on the recovered store. */
static void scenario(int kind, uint64_t nth, int32_t code, int crash)
{
    CU_ASSERT_EQUAL_FATAL(tenv_init_nosync(&env, NULL, 1), 0);
    memset(acked, 0, sizeof(acked));
    helios_err_t err = HELIOS_ERR_INIT;
    helios_lsm_t *db = NULL;
    CU_ASSERT_EQUAL_FATAL(open_ft(&db, &err), 0);
    helios_fault_tier_torn_appends(ft, 1);
    if (kind == 0) {
        helios_fault_tier_fail_write(ft, nth, code);
    } else {
        helios_fault_tier_fail_sync(ft, nth, code);
    }
    workload(db);
    CU_ASSERT(helios_fault_tier_n_injected(ft) > 0);
    helios_fault_tier_fail_write(ft, 0, 0);
    helios_fault_tier_fail_sync(ft, 0, 0);
    if (crash) {
        CU_ASSERT_EQUAL(helios_fault_tier_crash(ft, &err), 0);
    }
    helios_lsm_close(db);
    db = NULL;

    int32_t rc = open_ft(&db, &err);
    if (rc != 0) {
        fprintf(stderr, "reopen after %s %llu: %s\n", kind ? "sync" : "write",
                (unsigned long long)nth, err.message);
    }
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    if (verify(db) != 0) {
        fprintf(stderr, "after %s failure %llu, crash %d, segments of %llu bytes\n",
                kind ? "sync" : "write", (unsigned long long)nth, crash,
                (unsigned long long)seg_bytes);
        CU_FAIL("acknowledged writes lost");
    }
    workload(db); /* the store keeps working */
    CU_ASSERT_EQUAL(verify(db), 0);
    helios_lsm_close(db);
    helios_fault_tier_free(ft);
    ft = NULL;
    tenv_fini(&env, 1);
}

static void test_fail_nth_write(void)
{
    for (uint64_t n = 1; n <= 60; n += 3) {
        scenario(0, n, n % 2 ? HELIOS_ERR_DISK_FULL : HELIOS_ERR_IO_ERROR, 0);
    }
}

static void test_fail_nth_sync(void)
{
    for (uint64_t n = 1; n <= 40; n += 3) {
        scenario(1, n, HELIOS_ERR_IO_ERROR, 0);
    }
}

static void test_fail_then_power_loss(void)
{
    for (uint64_t n = 2; n <= 60; n += 7) {
        scenario(n % 2, n, HELIOS_ERR_DISK_FULL, 1);
    }
}

static void test_power_loss_no_sync(void)
{
    /* commits with no_sync may be lost at a power loss, but never partially, and the store
       must recover; synced commits after them make them durable too */
    CU_ASSERT_EQUAL_FATAL(tenv_init_nosync(&env, NULL, 1), 0);
    helios_err_t err = HELIOS_ERR_INIT;
    helios_lsm_t *db = NULL;
    CU_ASSERT_EQUAL_FATAL(open_ft(&db, &err), 0);
    helios_tree_schema_t s = {.kind = HELIOS_TREE_KV};
    CU_ASSERT_EQUAL_FATAL(helios_lsm_tree_create(db, 1, &s, &err), 0);
    helios_wbatch_t *b = helios_wbatch_new();
    helios_write_opts_t ns = {.no_sync = 1};
    helios_wbatch_put(b, 1, "a", 1, "1", 1);
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, &ns, NULL, &err), 0);
    helios_wbatch_clear(b);
    helios_wbatch_put(b, 1, "b", 1, "2", 1);
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, NULL, NULL, &err), 0); /* syncs "a" too */
    helios_wbatch_clear(b);
    helios_wbatch_put(b, 1, "c", 1, "3", 1);
    helios_wbatch_put(b, 1, "d", 1, "4", 1);
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, &ns, NULL, &err), 0);
    CU_ASSERT_EQUAL(helios_fault_tier_crash(ft, &err), 0);
    helios_lsm_close(db);
    CU_ASSERT_EQUAL_FATAL(open_ft(&db, &err), 0);
    helios_buf_t v = {0};
    uint32_t fa = 0, fb = 0, fc = 0, fd = 0;
    CU_ASSERT_EQUAL(helios_lsm_get(db, 1, HELIOS_SEQ_MAX, "a", 1, &v, &fa, &err), 0);
    CU_ASSERT_EQUAL(helios_lsm_get(db, 1, HELIOS_SEQ_MAX, "b", 1, &v, &fb, &err), 0);
    CU_ASSERT_EQUAL(helios_lsm_get(db, 1, HELIOS_SEQ_MAX, "c", 1, &v, &fc, &err), 0);
    CU_ASSERT_EQUAL(helios_lsm_get(db, 1, HELIOS_SEQ_MAX, "d", 1, &v, &fd, &err), 0);
    CU_ASSERT(fa && fb);
    CU_ASSERT_EQUAL(fc, fd); /* all of a batch or none */
    helios_buf_free(&v);
    helios_wbatch_free(b);
    helios_lsm_close(db);
    helios_fault_tier_free(ft);
    ft = NULL;
    tenv_fini(&env, 1);
}

static void test_recycled_segments(void)
{
    seg_bytes = 2048;
    for (uint64_t n = 1; n <= 90; n += 4) {
        scenario(0, n, n % 2 ? HELIOS_ERR_DISK_FULL : HELIOS_ERR_IO_ERROR, 0);
    }
    for (uint64_t n = 1; n <= 60; n += 4) {
        scenario(1, n, HELIOS_ERR_IO_ERROR, 0);
    }
    for (uint64_t n = 2; n <= 120; n += 5) {
        scenario(n % 2, n, HELIOS_ERR_DISK_FULL, 1);
    }
    seg_bytes = 0;
}

static void test_recycled_power_loss(void)
{
    /* a power loss at many points of a workload that cycles through recycled segments,
       without an injected failure: everything acknowledged survives */
    seg_bytes = 2048;
    for (uint64_t n = 5; n <= 200; n += 15) {
        CU_ASSERT_EQUAL_FATAL(tenv_init_nosync(&env, NULL, 1), 0);
        memset(acked, 0, sizeof(acked));
        helios_err_t err = HELIOS_ERR_INIT;
        helios_lsm_t *db = NULL;
        CU_ASSERT_EQUAL_FATAL(open_ft(&db, &err), 0);
        workload(db); /* three rounds: segments are used, released and recycled */
        workload(db);
        helios_fault_tier_fail_write(ft, n, HELIOS_ERR_IO_ERROR);
        workload(db);
        helios_fault_tier_fail_write(ft, 0, 0);
        CU_ASSERT_EQUAL(helios_fault_tier_crash(ft, &err), 0);
        helios_lsm_close(db);
        db = NULL;
        int32_t rc = open_ft(&db, &err);
        if (rc != 0) {
            fprintf(stderr, "reopen after power loss %llu: %s\n", (unsigned long long)n,
                    err.message);
        }
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        CU_ASSERT_EQUAL(verify(db), 0);
        workload(db);
        CU_ASSERT_EQUAL(verify(db), 0);
        helios_lsm_close(db);
        helios_fault_tier_free(ft);
        ft = NULL;
        tenv_fini(&env, 1);
    }
    seg_bytes = 0;
}

static void test_appended_segments(void)
{
    no_overwrite = 1;
    seg_bytes = 2048;
    for (uint64_t n = 2; n <= 60; n += 7) {
        scenario(n % 2, n, HELIOS_ERR_DISK_FULL, 1);
    }
    seg_bytes = 0;
    no_overwrite = 0;
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    CU_pSuite s = CU_add_suite("lsm faults", NULL, NULL);
    CU_add_test(s, "fail_nth_write", test_fail_nth_write);
    CU_add_test(s, "fail_nth_sync", test_fail_nth_sync);
    CU_add_test(s, "fail_then_power_loss", test_fail_then_power_loss);
    CU_add_test(s, "power_loss_no_sync", test_power_loss_no_sync);
    CU_add_test(s, "recycled_segments", test_recycled_segments);
    CU_add_test(s, "recycled_power_loss", test_recycled_power_loss);
    CU_add_test(s, "appended_segments", test_appended_segments);
    return helios_test_run_cunit();
}
