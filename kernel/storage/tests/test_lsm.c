/*
 * test_lsm.c -- unit tests of the LSM engine on the nvme tier (CUnit, label unit).
 */
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helios/conformance.h"
#include "storage/internal.h"
#include "storage/row.h"
#include "storage/wal.h"
#include "testenv.h"

void helios_crc32c_force_table(int on);

static tenv_t env;
static helios_lsm_t *db;
static helios_err_t err;

static void open_db(uint64_t memtable_bytes, int codec)
{
    if (env.tier == NULL) {
        CU_ASSERT_EQUAL_FATAL(tenv_init(&env, NULL, codec), 0);
    }
    helios_lsm_options_t o;
    tenv_options(&env, &o);
    o.memtable_bytes = memtable_bytes;
    o.block_bytes = 1024;
    o.rows_per_unit = 64;
    memset(&err, 0, sizeof(err));
    int32_t rc = helios_lsm_open(&o, &db, &err);
    if (rc != 0) {
        fprintf(stderr, "open: %s\n", err.message);
    }
    CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static void close_db(void)
{
    helios_lsm_close(db);
    db = NULL;
}

static void finish(void)
{
    close_db();
    tenv_fini(&env, 1);
}

static void create_kv(uint32_t id)
{
    helios_tree_schema_t s = {.kind = HELIOS_TREE_KV};
    CU_ASSERT_EQUAL_FATAL(helios_lsm_tree_create(db, id, &s, &err), 0);
}

static helios_seq_t put(uint32_t tree, const char *k, const char *v)
{
    helios_wbatch_t *b = helios_wbatch_new();
    helios_wbatch_put(b, tree, k, (uint32_t)strlen(k), v, (uint32_t)strlen(v));
    helios_seq_t seq = 0;
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, NULL, &seq, &err), 0);
    helios_wbatch_free(b);
    return seq;
}

static void del(uint32_t tree, const char *k)
{
    helios_wbatch_t *b = helios_wbatch_new();
    helios_wbatch_del(b, tree, k, (uint32_t)strlen(k));
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, NULL, NULL, &err), 0);
    helios_wbatch_free(b);
}

/* value of k at seq as a static string, or NULL */
static const char *get_at(uint32_t tree, const char *k, helios_seq_t seq)
{
    static char out[4096];
    helios_buf_t v = {0};
    uint32_t found = 0;
    int32_t rc = helios_lsm_get(db, tree, seq, k, (uint32_t)strlen(k), &v, &found, &err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0 || !found) {
        helios_buf_free(&v);
        return NULL;
    }
    snprintf(out, sizeof(out), "%.*s", (int)v.len, (const char *)v.data);
    helios_buf_free(&v);
    return out;
}

static const char *get(uint32_t tree, const char *k)
{
    return get_at(tree, k, HELIOS_SEQ_MAX);
}

/* all keys of the tree joined by ',' forward, or backward */
static const char *scan(uint32_t tree, helios_seq_t seq, int backward)
{
    static char out[8192];
    out[0] = '\0';
    helios_iter_t *it = NULL;
    CU_ASSERT_EQUAL_FATAL(helios_lsm_iter_open(db, tree, seq, &it, &err), 0);
    if (backward) {
        helios_iter_seek_last(it);
    } else {
        helios_iter_seek_first(it);
    }
    size_t n = 0;
    while (helios_iter_valid(it)) {
        uint32_t kl, vl;
        const char *k = helios_iter_key(it, &kl);
        const char *v = helios_iter_value(it, &vl);
        n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%.*s=%.*s", n ? "," : "", (int)kl, k,
                              (int)vl, v);
        if (backward) {
            helios_iter_prev(it);
        } else {
            helios_iter_next(it);
        }
    }
    CU_ASSERT_EQUAL(helios_iter_status(it, &err), 0);
    helios_iter_close(it);
    return out;
}

static void test_crc32c(void)
{
    /* RFC 3720 test vector: 32 bytes of zeros -> 0x8A9136AA; "123456789" -> 0xE3069283 */
    uint8_t z[32] = {0};
    CU_ASSERT_EQUAL(helios_crc32c(0, z, 32), 0x8A9136AAu);
    CU_ASSERT_EQUAL(helios_crc32c(0, "123456789", 9), 0xE3069283u);
    helios_crc32c_force_table(1);
    CU_ASSERT_EQUAL(helios_crc32c(0, z, 32), 0x8A9136AAu);
    CU_ASSERT_EQUAL(helios_crc32c(0, "123456789", 9), 0xE3069283u);
    uint32_t a = helios_crc32c(0, "12345", 5);
    CU_ASSERT_EQUAL(helios_crc32c(a, "6789", 4), 0xE3069283u);
    helios_crc32c_force_table(0);
    CU_ASSERT_EQUAL(helios_crc32c(a, "6789", 4), 0xE3069283u);
}

static void test_row_parse(void)
{
    uint32_t types[3] = {HELIOS_PT_INT32, HELIOS_PT_VARLEN, HELIOS_PT_INT64};
    uint8_t row[64];
    /* n_cols 3, col 2 NULL */
    row[0] = 3;
    row[1] = 0;
    row[2] = 0x04;
    helios_put_u32(row + 3, 42);
    helios_put_u32(row + 7, 2);
    memcpy(row + 11, "hi", 2);
    uint32_t offs[3], lens[3], n = 0;
    CU_ASSERT_EQUAL(helios_row_parse(row, 13, 3, types, offs, lens, &n), 0);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_EQUAL(offs[0], 3);
    CU_ASSERT_EQUAL(lens[1], 2);
    CU_ASSERT_EQUAL(lens[2], 0);
    CU_ASSERT_EQUAL(helios_row_parse(row, 12, 3, types, offs, lens, &n), HELIOS_ERR_DATA_CORRUPTED);
    CU_ASSERT_EQUAL(helios_row_parse(row, 14, 3, types, offs, lens, &n), HELIOS_ERR_DATA_CORRUPTED);
    CU_ASSERT_EQUAL(helios_row_parse(row, 13, 2, types, offs, lens, &n), HELIOS_ERR_DATA_CORRUPTED);
    CU_ASSERT_EQUAL(helios_pt_width(HELIOS_PT_FIXED16), 16);
}

static void test_basic(void)
{
    open_db(0, 1);
    create_kv(1);
    create_kv(2);
    CU_ASSERT(helios_lsm_tree_exists(db, 1));
    CU_ASSERT(!helios_lsm_tree_exists(db, 3));
    helios_tree_schema_t s = {.kind = HELIOS_TREE_KV};
    CU_ASSERT_EQUAL(helios_lsm_tree_create(db, 1, &s, &err), HELIOS_ERR_DUPLICATE_TABLE);
    helios_seq_t s1 = put(1, "a", "1");
    put(1, "b", "2");
    CU_ASSERT_STRING_EQUAL(get(1, "a"), "1");
    CU_ASSERT_PTR_NULL(get(1, "zz"));
    CU_ASSERT_PTR_NULL(get(2, "a"));
    put(1, "a", "1b");
    CU_ASSERT_STRING_EQUAL(get(1, "a"), "1b");
    CU_ASSERT_STRING_EQUAL(get_at(1, "a", s1), "1");
    CU_ASSERT_PTR_NULL(get_at(1, "a", s1 - 1));
    del(1, "b");
    CU_ASSERT_PTR_NULL(get(1, "b"));
    /* one batch over two trees is one commit */
    helios_wbatch_t *b = helios_wbatch_new();
    helios_wbatch_put(b, 1, "x", 1, "X", 1);
    helios_wbatch_put(b, 2, "y", 1, "Y", 1);
    helios_wbatch_put(b, 1, "x", 1, "X2", 2); /* later entry of one batch wins */
    CU_ASSERT_EQUAL(helios_wbatch_count(b), 3);
    helios_seq_t seq = 0;
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, NULL, &seq, &err), 0);
    CU_ASSERT_EQUAL(seq, helios_lsm_last_seq(db));
    CU_ASSERT_STRING_EQUAL(get(1, "x"), "X2");
    CU_ASSERT_STRING_EQUAL(get(2, "y"), "Y");
    /* a batch naming a missing tree fails whole */
    helios_wbatch_clear(b);
    helios_wbatch_put(b, 1, "q", 1, "Q", 1);
    helios_wbatch_put(b, 9, "q", 1, "Q", 1);
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, NULL, NULL, &err), HELIOS_ERR_UNDEFINED_TABLE);
    CU_ASSERT_PTR_NULL(get(1, "q"));
    helios_wbatch_free(b);
    uint32_t found;
    helios_buf_t v = {0};
    CU_ASSERT_EQUAL(helios_lsm_get(db, 9, HELIOS_SEQ_MAX, "a", 1, &v, &found, &err),
                    HELIOS_ERR_UNDEFINED_TABLE);
    /* empty keys and values */
    put(2, "", "");
    CU_ASSERT_STRING_EQUAL(get(2, ""), "");
    helios_buf_free(&v);
    finish();
}

static void test_iterators(void)
{
    open_db(0, 0);
    create_kv(1);
    const char *keys[] = {"b", "d", "a", "c", "e"};
    for (int i = 0; i < 5; i++) {
        put(1, keys[i], keys[i]);
    }
    helios_seq_t snap = 0;
    CU_ASSERT_EQUAL(helios_lsm_snapshot(db, &snap), 0);
    del(1, "c");
    put(1, "b", "B");
    put(1, "f", "f");
    CU_ASSERT_STRING_EQUAL(scan(1, HELIOS_SEQ_MAX, 0), "a=a,b=B,d=d,e=e,f=f");
    CU_ASSERT_STRING_EQUAL(scan(1, HELIOS_SEQ_MAX, 1), "f=f,e=e,d=d,b=B,a=a");
    CU_ASSERT_STRING_EQUAL(scan(1, snap, 0), "a=a,b=b,c=c,d=d,e=e");
    CU_ASSERT_STRING_EQUAL(scan(1, snap, 1), "e=e,d=d,c=c,b=b,a=a");
    /* the same through SSTables, and split between memtable and SSTables */
    CU_ASSERT_EQUAL(helios_lsm_flush(db, 1, &err), 0);
    put(1, "bb", "bb");
    del(1, "d");
    CU_ASSERT_STRING_EQUAL(scan(1, HELIOS_SEQ_MAX, 0), "a=a,b=B,bb=bb,e=e,f=f");
    CU_ASSERT_STRING_EQUAL(scan(1, HELIOS_SEQ_MAX, 1), "f=f,e=e,bb=bb,b=B,a=a");
    CU_ASSERT_STRING_EQUAL(scan(1, snap, 0), "a=a,b=b,c=c,d=d,e=e");
    /* seeks and direction changes */
    helios_iter_t *it = NULL;
    CU_ASSERT_EQUAL_FATAL(helios_lsm_iter_open(db, 1, HELIOS_SEQ_MAX, &it, &err), 0);
    uint32_t kl;
    helios_iter_seek(it, "c", 1);
    CU_ASSERT_FATAL(helios_iter_valid(it));
    CU_ASSERT_NSTRING_EQUAL(helios_iter_key(it, &kl), "e", 1);
    helios_iter_prev(it);
    CU_ASSERT_NSTRING_EQUAL(helios_iter_key(it, &kl), "bb", 2);
    helios_iter_prev(it);
    CU_ASSERT_NSTRING_EQUAL(helios_iter_key(it, &kl), "b", 1);
    helios_iter_next(it);
    CU_ASSERT_NSTRING_EQUAL(helios_iter_key(it, &kl), "bb", 2);
    helios_iter_next(it);
    CU_ASSERT_NSTRING_EQUAL(helios_iter_key(it, &kl), "e", 1);
    helios_iter_seek_for_prev(it, "d", 1);
    CU_ASSERT_NSTRING_EQUAL(helios_iter_key(it, &kl), "bb", 2);
    helios_iter_seek_for_prev(it, "e", 1);
    CU_ASSERT_NSTRING_EQUAL(helios_iter_key(it, &kl), "e", 1);
    helios_iter_seek(it, "g", 1);
    CU_ASSERT(!helios_iter_valid(it));
    helios_iter_seek_for_prev(it, "0", 1);
    CU_ASSERT(!helios_iter_valid(it));
    helios_iter_seek_last(it);
    CU_ASSERT_NSTRING_EQUAL(helios_iter_key(it, &kl), "f", 1);
    helios_iter_next(it);
    CU_ASSERT(!helios_iter_valid(it));
    helios_iter_close(it);
    /* an iterator keeps its view across a compaction */
    CU_ASSERT_EQUAL_FATAL(helios_lsm_iter_open(db, 1, snap, &it, &err), 0);
    CU_ASSERT_EQUAL(helios_lsm_flush(db, 1, &err), 0);
    CU_ASSERT_EQUAL(helios_lsm_compact(db, 1, &err), 0);
    helios_iter_seek_first(it);
    CU_ASSERT_NSTRING_EQUAL(helios_iter_key(it, &kl), "a", 1);
    helios_iter_close(it);
    CU_ASSERT_STRING_EQUAL(scan(1, snap, 0), "a=a,b=b,c=c,d=d,e=e");
    helios_lsm_snapshot_release(db, snap);
    CU_ASSERT_EQUAL(helios_lsm_compact(db, 1, &err), 0);
    CU_ASSERT_STRING_EQUAL(scan(1, HELIOS_SEQ_MAX, 0), "a=a,b=B,bb=bb,e=e,f=f");
    finish();
}

static void test_pin_seq(void)
{
    open_db(0, 0);
    create_kv(1);
    helios_seq_t s1 = put(1, "k", "v1");
    put(1, "other", "x");
    helios_seq_t s2 = put(1, "k", "v2");
    del(1, "k");
    put(1, "k", "v4");
    /* a branch point at s1 (not a snapshot taken then: pinned afterwards) */
    helios_lsm_pin_seq(db, s1);
    CU_ASSERT_EQUAL(helios_lsm_flush(db, 1, &err), 0);
    CU_ASSERT_EQUAL(helios_lsm_compact(db, 1, &err), 0);
    CU_ASSERT_STRING_EQUAL(get_at(1, "k", s1), "v1");
    CU_ASSERT_STRING_EQUAL(get(1, "k"), "v4");
    /* s2 was neither pinned nor a snapshot: its version may be gone, the newest stays */
    helios_lsm_snapshot_release(db, s1);
    CU_ASSERT_EQUAL(helios_lsm_compact(db, 1, &err), 0);
    CU_ASSERT_PTR_NULL(get_at(1, "k", s1));
    (void)s2;
    CU_ASSERT_STRING_EQUAL(get(1, "k"), "v4");
    finish();
}

static void test_recovery(void)
{
    open_db(0, 1);
    create_kv(7);
    put(7, "k1", "v1");
    put(7, "k2", "v2");
    CU_ASSERT_EQUAL(helios_lsm_flush(db, 7, &err), 0);
    put(7, "k3", "v3");
    del(7, "k1");
    helios_tree_schema_t s = {.kind = HELIOS_TREE_KV};
    CU_ASSERT_EQUAL(helios_lsm_tree_create(db, 8, &s, &err), 0);
    put(8, "gone", "x");
    CU_ASSERT_EQUAL(helios_lsm_tree_drop(db, 8, &err), 0);
    CU_ASSERT_EQUAL(helios_lsm_tree_create(db, 8, &s, &err), 0);
    put(8, "new", "y");
    helios_seq_t last = helios_lsm_last_seq(db);
    close_db();
    open_db(0, 1);
    CU_ASSERT_EQUAL(helios_lsm_last_seq(db), last);
    CU_ASSERT_PTR_NULL(get(7, "k1"));
    CU_ASSERT_STRING_EQUAL(get(7, "k2"), "v2");
    CU_ASSERT_STRING_EQUAL(get(7, "k3"), "v3");
    CU_ASSERT_PTR_NULL(get(8, "gone"));
    CU_ASSERT_STRING_EQUAL(get(8, "new"), "y");
    /* a checkpoint leaves one (new) WAL segment and the data in SSTables */
    CU_ASSERT_EQUAL(helios_lsm_checkpoint(db, &err), 0);
    helios_lsm_stats_t st;
    helios_lsm_stats(db, 0, &st);
    CU_ASSERT(st.n_sstables >= 2);
    CU_ASSERT_EQUAL(st.wal_bytes, 0);
    put(7, "k4", "v4");
    close_db();
    open_db(0, 1);
    CU_ASSERT_STRING_EQUAL(get(7, "k4"), "v4");
    CU_ASSERT_STRING_EQUAL(get(7, "k2"), "v2");
    CU_ASSERT_STRING_EQUAL(get(8, "new"), "y");
    CU_ASSERT_EQUAL(helios_lsm_tree_drop(db, 8, &err), 0);
    CU_ASSERT_EQUAL(helios_lsm_tree_drop(db, 8, &err), HELIOS_ERR_UNDEFINED_TABLE);
    close_db();
    open_db(0, 1);
    CU_ASSERT(!helios_lsm_tree_exists(db, 8));
    CU_ASSERT_STRING_EQUAL(scan(7, HELIOS_SEQ_MAX, 0), "k2=v2,k3=v3,k4=v4");
    finish();
}

static void test_conflicts(void)
{
    open_db(0, 0);
    create_kv(1);
    helios_seq_t s0 = put(1, "a", "1");
    put(1, "b", "1");
    helios_wbatch_t *b = helios_wbatch_new();
    helios_wbatch_put(b, 1, "b", 1, "2", 1);
    helios_write_opts_t wo = {.conflict_seq = s0};
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, &wo, NULL, &err), HELIOS_ERR_SERIALIZATION_FAILURE);
    CU_ASSERT_STRING_EQUAL(get(1, "b"), "1");
    helios_wbatch_clear(b);
    helios_wbatch_put(b, 1, "a", 1, "2", 1);
    helios_wbatch_put(b, 1, "c", 1, "2", 1);
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, &wo, NULL, &err), 0);
    CU_ASSERT_STRING_EQUAL(get(1, "a"), "2");
    /* also against SSTables */
    CU_ASSERT_EQUAL(helios_lsm_flush(db, 1, &err), 0);
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, &wo, NULL, &err), HELIOS_ERR_SERIALIZATION_FAILURE);
    wo.conflict_seq = helios_lsm_last_seq(db);
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, &wo, NULL, &err), 0);
    helios_wbatch_free(b);
    finish();
}

/* a row: INT32, VARLEN, INT64 (n_cols may be 2 to test short rows) */
static uint32_t make_row(uint8_t *row, int i, int n_cols, int null_text)
{
    uint32_t p = 0;
    row[p++] = (uint8_t)n_cols;
    row[p++] = 0;
    row[p++] = null_text ? 0x02 : 0x00;
    helios_put_u32(row + p, (uint32_t)i);
    p += 4;
    if (!null_text) {
        char txt[32];
        int l = snprintf(txt, sizeof(txt), "row-%d", i * 7);
        helios_put_u32(row + p, (uint32_t)l);
        p += 4;
        memcpy(row + p, txt, (size_t)l);
        p += (uint32_t)l;
    }
    if (n_cols > 2) {
        helios_put_u64(row + p, (uint64_t)i * 1000003u);
        p += 8;
    }
    return p;
}

static void test_rows_tree(void)
{
    open_db(0, 1);
    uint32_t types[3] = {HELIOS_PT_INT32, HELIOS_PT_VARLEN, HELIOS_PT_INT64};
    helios_tree_schema_t s = {.kind = HELIOS_TREE_ROWS, .n_cols = 3, .col_phys_types = types};
    CU_ASSERT_EQUAL_FATAL(helios_lsm_tree_create(db, 5, &s, &err), 0);
    helios_wbatch_t *b = helios_wbatch_new();
    uint8_t row[128];
    char key[16];
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof(key), "r%05d", i);
        uint32_t len = make_row(row, i, i % 5 == 0 ? 2 : 3, i % 7 == 0);
        helios_wbatch_put(b, 5, key, 6, row, len);
    }
    snprintf(key, sizeof(key), "r%05d", 3);
    helios_wbatch_del(b, 5, key, 6);
    helios_wbatch_put(b, 5, "zbad", 4, "not a row", 9); /* declines to a KV block */
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, NULL, NULL, &err), 0);
    helios_wbatch_free(b);
    CU_ASSERT_EQUAL(helios_lsm_flush(db, 5, &err), 0);
    close_db();
    open_db(0, 1);
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof(key), "r%05d", i);
        helios_buf_t v = {0};
        uint32_t found = 0;
        CU_ASSERT_EQUAL(helios_lsm_get(db, 5, HELIOS_SEQ_MAX, key, 6, &v, &found, &err), 0);
        if (i == 3) {
            CU_ASSERT_EQUAL(found, 0);
        } else {
            uint32_t len = make_row(row, i, i % 5 == 0 ? 2 : 3, i % 7 == 0);
            CU_ASSERT_EQUAL(found, 1);
            CU_ASSERT_EQUAL(v.len, len);
            CU_ASSERT(v.len == len && memcmp(v.data, row, len) == 0);
        }
        helios_buf_free(&v);
    }
    CU_ASSERT_STRING_EQUAL(get(5, "zbad"), "not a row");
    /* alter: append a column; old rows keep decoding */
    uint32_t types2[4] = {HELIOS_PT_INT32, HELIOS_PT_VARLEN, HELIOS_PT_INT64, HELIOS_PT_BOOL};
    helios_tree_schema_t s2 = {.kind = HELIOS_TREE_ROWS, .n_cols = 4, .col_phys_types = types2};
    CU_ASSERT_EQUAL(helios_lsm_tree_alter(db, 5, &s2, &err), 0);
    helios_tree_schema_t bad = {.kind = HELIOS_TREE_ROWS, .n_cols = 1, .col_phys_types = types2};
    CU_ASSERT_EQUAL(helios_lsm_tree_alter(db, 5, &bad, &err), HELIOS_ERR_FEATURE_NOT_SUPPORTED);
    CU_ASSERT_EQUAL(helios_lsm_compact(db, 5, &err), 0);
    snprintf(key, sizeof(key), "r%05d", 42);
    uint32_t len = make_row(row, 42, 3, 1);
    helios_buf_t v = {0};
    uint32_t found = 0;
    CU_ASSERT_EQUAL(helios_lsm_get(db, 5, HELIOS_SEQ_MAX, key, 6, &v, &found, &err), 0);
    CU_ASSERT(found && v.len == len && memcmp(v.data, row, len) == 0);
    helios_buf_free(&v);
    finish();
}

#ifdef TCOLUMN_SO
static void test_column_codec(void)
{
    /* load the SDK's test column encoder and use it for the column chunks */
    const helios_plugin_t *desc = NULL;
    void *cfg = NULL, *lib = NULL, *inst = NULL;
    CU_ASSERT_EQUAL_FATAL(helios_test_load_plugin(TCOLUMN_SO, &desc, &err), 0);
    CU_ASSERT_EQUAL_FATAL(helios_test_plugin_config(desc, NULL, &cfg, &err), 0);
    helios_host_t *host = helios_test_host_new("tcolumn", "/tmp", cfg);
    const helios_codec_vtable_t *cvt = desc->vtable;
    CU_ASSERT_EQUAL_FATAL(helios_test_plugin_init(desc, host, cfg, &lib, &err), 0);
    CU_ASSERT_EQUAL_FATAL(cvt->create(lib, cfg, &inst, &err), 0);
    CU_ASSERT_EQUAL_FATAL(tenv_init(&env, NULL, 1), 0);
    helios_lsm_options_t o;
    tenv_options(&env, &o);
    o.rows_per_unit = 64;
    o.column_codec_vt = cvt;
    o.column_codec = inst;
    CU_ASSERT_EQUAL_FATAL(helios_lsm_open(&o, &db, &err), 0);
    uint32_t types[3] = {HELIOS_PT_INT32, HELIOS_PT_VARLEN, HELIOS_PT_INT64};
    helios_tree_schema_t s = {.kind = HELIOS_TREE_ROWS, .n_cols = 3, .col_phys_types = types};
    CU_ASSERT_EQUAL_FATAL(helios_lsm_tree_create(db, 6, &s, &err), 0);
    helios_wbatch_t *b = helios_wbatch_new();
    uint8_t row[128];
    char key[16];
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof(key), "r%05d", i);
        uint32_t len = make_row(row, i, i % 5 == 0 ? 2 : 3, i % 7 == 0);
        helios_wbatch_put(b, 6, key, 6, row, len);
    }
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, NULL, NULL, &err), 0);
    helios_wbatch_free(b);
    CU_ASSERT_EQUAL(helios_lsm_flush(db, 6, &err), 0);
    close_db();
    CU_ASSERT_EQUAL_FATAL(helios_lsm_open(&o, &db, &err), 0);
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof(key), "r%05d", i);
        uint32_t len = make_row(row, i, i % 5 == 0 ? 2 : 3, i % 7 == 0);
        helios_buf_t v = {0};
        uint32_t found = 0;
        CU_ASSERT_EQUAL(helios_lsm_get(db, 6, HELIOS_SEQ_MAX, key, 6, &v, &found, &err), 0);
        CU_ASSERT(found && v.len == len && memcmp(v.data, row, len) == 0);
        helios_buf_free(&v);
    }
    close_db();
    /* without the column codec its chunks are refused by id */
    o.column_codec_vt = NULL;
    o.column_codec = NULL;
    CU_ASSERT_EQUAL_FATAL(helios_lsm_open(&o, &db, &err), 0);
    helios_buf_t v = {0};
    uint32_t found = 0;
    CU_ASSERT_EQUAL(helios_lsm_get(db, 6, HELIOS_SEQ_MAX, "r00001", 6, &v, &found, &err),
                    HELIOS_ERR_DATA_CORRUPTED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "codec id 60002"));
    helios_buf_free(&v);
    finish();
    cvt->destroy(inst);
    if (desc->fini != NULL) {
        desc->fini(lib);
    }
    helios_test_host_free(host);
    helios_test_plugin_config_free(cfg);
}
#endif

/* flip one byte in the first file under dir/sub */
static void corrupt_file(const char *path, long off)
{
    int fd = open(path, O_RDWR);
    CU_ASSERT_FATAL(fd >= 0);
    uint8_t c;
    CU_ASSERT_EQUAL(pread(fd, &c, 1, off), 1);
    c ^= 0x5A;
    CU_ASSERT_EQUAL(pwrite(fd, &c, 1, off), 1);
    close(fd);
}

static void test_sst_corruption(void)
{
    open_db(0, 1);
    create_kv(3);
    char k[16], v[64];
    for (int i = 0; i < 200; i++) {
        snprintf(k, sizeof(k), "key%04d", i);
        snprintf(v, sizeof(v), "value-%d-padding-padding-padding", i);
        put(3, k, v);
    }
    CU_ASSERT_EQUAL(helios_lsm_flush(db, 3, &err), 0);
    close_db();
    /* the first SSTable of tree 3 */
    char cmd[400], path[400] = {0};
    snprintf(cmd, sizeof(cmd), "ls %s/sst/3/*.sst | head -1", env.dir);
    FILE *f = popen(cmd, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL(fgets(path, sizeof(path), f));
    pclose(f);
    path[strcspn(path, "\n")] = '\0';
    corrupt_file(path, 20); /* inside the first data block */
    open_db(0, 1);
    helios_buf_t val = {0};
    uint32_t found = 0;
    int32_t rc = helios_lsm_get(db, 3, HELIOS_SEQ_MAX, "key0000", 7, &val, &found, &err);
    CU_ASSERT_EQUAL(rc, HELIOS_ERR_DATA_CORRUPTED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "checksum mismatch"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "sst/3/"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "offset 0"));
    helios_iter_t *it = NULL;
    CU_ASSERT_EQUAL_FATAL(helios_lsm_iter_open(db, 3, HELIOS_SEQ_MAX, &it, &err), 0);
    helios_iter_seek_first(it);
    CU_ASSERT(!helios_iter_valid(it));
    CU_ASSERT_EQUAL(helios_iter_status(it, &err), HELIOS_ERR_DATA_CORRUPTED);
    helios_iter_close(it);
    helios_buf_free(&val);
    finish();
}

/* The newest WAL segment holding records (its first header names it: a preallocated or
   recycled segment ahead of use does not), and where its records end. */
static void last_segment_end(char *path, size_t n, uint64_t *end)
{
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "ls %s/wal/*.wal", env.dir);
    FILE *f = popen(cmd, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    path[0] = '\0';
    char line[400];
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        const char *base = strrchr(line, '/') + 1;
        uint64_t segno = strtoull(base, NULL, 16);
        int fd = open(line, O_RDONLY);
        uint8_t hdr[HELIOS_WAL_HDR];
        uint64_t off = 0;
        while (fd >= 0 && pread(fd, hdr, sizeof(hdr), (off_t)off) == (ssize_t)sizeof(hdr) &&
               helios_get_u64(hdr + 20) == segno && helios_get_u32(hdr + 16) > 0) {
            off += HELIOS_WAL_HDR + helios_get_u32(hdr + 4);
        }
        if (fd >= 0) {
            close(fd);
        }
        if (off > 0) {
            snprintf(path, n, "%s", line);
            *end = off;
        }
    }
    pclose(f);
    CU_ASSERT_FATAL(path[0] != '\0');
}

static void last_segment(char *path, size_t n)
{
    uint64_t end = 0;
    last_segment_end(path, n, &end);
}

static void put_n(const char *prefix, int n)
{
    for (int i = 0; i < n; i++) {
        char k[16];
        snprintf(k, sizeof(k), "%s%03d", prefix, i);
        put(1, k, "some value to make records longer");
    }
}

static void test_unknown_codec(void)
{
    open_db(0, 1);
    create_kv(4);
    char k[16];
    for (int i = 0; i < 300; i++) {
        snprintf(k, sizeof(k), "key%04d", i);
        put(4, k, "a value that lz4 will happily compress compress compress compress");
    }
    CU_ASSERT_EQUAL(helios_lsm_flush(db, 4, &err), 0);
    close_db();
    /* reopen without any codec: blocks written with lz4 (id 2) must be refused, not misread */
    helios_lsm_options_t o;
    tenv_options(&env, &o);
    o.codec_vt = NULL;
    o.codec = NULL;
    int32_t rc = helios_lsm_open(&o, &db, &err);
    if (rc == 0) {
        helios_buf_t v = {0};
        uint32_t found = 0;
        rc = helios_lsm_get(db, 4, HELIOS_SEQ_MAX, "key0001", 7, &v, &found, &err);
        helios_buf_free(&v);
    }
    CU_ASSERT_EQUAL(rc, HELIOS_ERR_DATA_CORRUPTED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "codec id 2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "not loaded"));
    finish();
}

static void test_wal_corruption(void)
{
    open_db(0, 0);
    create_kv(1);
    put_n("k", 50);
    close_db();
    char path[400];
    last_segment(path, sizeof(path));
    /* corruption in the middle of the log refuses to open, naming segment and offset */
    corrupt_file(path, 100);
    helios_lsm_options_t o;
    tenv_options(&env, &o);
    CU_ASSERT_EQUAL(helios_lsm_open(&o, &db, &err), HELIOS_ERR_WAL_CORRUPTED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "wal/"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "offset"));
    db = NULL;
    corrupt_file(path, 100); /* flip it back */
    open_db(0, 0);
    CU_ASSERT_STRING_EQUAL(get(1, "k049"), "some value to make records longer");
    put_n("t", 50);
    close_db();
    /* a torn tail: the last record's end never reached the disk (zeroes in a preallocated
       segment) -> cut off, the rest recovers */
    uint64_t end = 0;
    last_segment_end(path, sizeof(path), &end);
    int tfd = open(path, O_WRONLY);
    CU_ASSERT_FATAL(tfd >= 0);
    uint8_t ten[10] = {0};
    CU_ASSERT_EQUAL(pwrite(tfd, ten, sizeof(ten), (off_t)end - 10), (ssize_t)sizeof(ten));
    close(tfd);
    open_db(0, 0);
    CU_ASSERT_STRING_EQUAL(get(1, "t048"), "some value to make records longer");
    CU_ASSERT_PTR_NULL(get(1, "t049"));
    CU_ASSERT_STRING_EQUAL(get(1, "k049"), "some value to make records longer");
    put(1, "after", "x");
    close_db();
    /* zeroes at the tail (a file extended but not written) are a torn tail too */
    last_segment(path, sizeof(path));
    int fd = open(path, O_WRONLY | O_APPEND);
    CU_ASSERT_FATAL(fd >= 0);
    uint8_t zeros[300] = {0};
    CU_ASSERT_EQUAL(write(fd, zeros, sizeof(zeros)), (ssize_t)sizeof(zeros));
    close(fd);
    open_db(0, 0);
    CU_ASSERT_STRING_EQUAL(get(1, "after"), "x");
    finish();
}

static void test_fault_enospc(void)
{
    open_db(4096, 1);
    create_kv(1);
    put(1, "a", "1");
    tenv_fail_writes(&env, HELIOS_ERR_DISK_FULL);
    helios_wbatch_t *b = helios_wbatch_new();
    helios_wbatch_put(b, 1, "b", 1, "2", 1);
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, NULL, NULL, &err), HELIOS_ERR_DISK_FULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "wal/"));
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, NULL, NULL, &err), HELIOS_ERR_DISK_FULL);
    CU_ASSERT_PTR_NULL(get(1, "b"));
    CU_ASSERT_STRING_EQUAL(get(1, "a"), "1");
    CU_ASSERT_NOT_EQUAL(helios_lsm_flush(db, 1, &err), 0);
    CU_ASSERT_NOT_EQUAL(helios_lsm_checkpoint(db, &err), 0);
    helios_tree_schema_t s = {.kind = HELIOS_TREE_KV};
    CU_ASSERT_EQUAL(helios_lsm_tree_create(db, 2, &s, &err), HELIOS_ERR_DISK_FULL);
    CU_ASSERT(!helios_lsm_tree_exists(db, 2));
    CU_ASSERT_STRING_EQUAL(get(1, "a"), "1");
    tenv_fail_writes(&env, 0);
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, NULL, NULL, &err), 0);
    CU_ASSERT_STRING_EQUAL(get(1, "b"), "2");
    CU_ASSERT_EQUAL(helios_lsm_flush(db, 1, &err), 0);
    helios_wbatch_free(b);
    close_db();
    open_db(4096, 1);
    CU_ASSERT_STRING_EQUAL(get(1, "a"), "1");
    CU_ASSERT_STRING_EQUAL(get(1, "b"), "2");
    CU_ASSERT(!helios_lsm_tree_exists(db, 2));
    finish();
}

typedef struct wr_arg {
    int id;
    int n;
} wr_arg_t;

static void *writer_main(void *p)
{
    wr_arg_t *a = p;
    helios_wbatch_t *b = helios_wbatch_new();
    helios_err_t e = HELIOS_ERR_INIT;
    for (int i = 0; i < a->n; i++) {
        char k[32];
        snprintf(k, sizeof(k), "t%d-%05d", a->id, i);
        helios_wbatch_clear(b);
        helios_wbatch_put(b, 1, k, (uint32_t)strlen(k), k, (uint32_t)strlen(k));
        if (helios_lsm_write(db, b, NULL, NULL, &e) != 0) {
            break;
        }
    }
    helios_wbatch_free(b);
    return NULL;
}

static void test_group_commit(void)
{
    open_db(64 * 1024, 1);
    create_kv(1);
    pthread_t th[8];
    wr_arg_t args[8];
    for (int i = 0; i < 8; i++) {
        args[i].id = i;
        args[i].n = 300;
        pthread_create(&th[i], NULL, writer_main, &args[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
    }
    helios_lsm_stats_t st;
    helios_lsm_stats(db, 0, &st);
    CU_ASSERT(st.commits >= 2400);
    CU_ASSERT(st.fsyncs < st.commits);
    printf("\n    group commit: %llu commits, %llu fsyncs, %llu sstables\n",
           (unsigned long long)st.commits, (unsigned long long)st.fsyncs,
           (unsigned long long)st.n_sstables);
    for (int t = 0; t < 8; t++) {
        for (int i = 0; i < 300; i += 37) {
            char k[32];
            snprintf(k, sizeof(k), "t%d-%05d", t, i);
            const char *v = get(1, k);
            CU_ASSERT(v != NULL && strcmp(v, k) == 0);
        }
    }
    finish();
}

/* the default block cache: 1/8 of RAM (or of the container's limit), 64 MiB..4 GiB */
static void test_default_cache(void)
{
    uint64_t c = helios_lsm_default_cache_bytes();
    CU_ASSERT(c >= (64u << 20));
    CU_ASSERT(c <= (4ull << 30));
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    CU_pSuite s = CU_add_suite("lsm", NULL, NULL);
    CU_add_test(s, "crc32c", test_crc32c);
    CU_add_test(s, "row_parse", test_row_parse);
    CU_add_test(s, "basic", test_basic);
    CU_add_test(s, "iterators", test_iterators);
    CU_add_test(s, "pin_seq", test_pin_seq);
    CU_add_test(s, "recovery", test_recovery);
    CU_add_test(s, "conflicts", test_conflicts);
    CU_add_test(s, "rows_tree", test_rows_tree);
#ifdef TCOLUMN_SO
    CU_add_test(s, "column_codec", test_column_codec);
#endif
    CU_add_test(s, "sst_corruption", test_sst_corruption);
    CU_add_test(s, "unknown_codec", test_unknown_codec);
    CU_add_test(s, "wal_corruption", test_wal_corruption);
    CU_add_test(s, "fault_enospc", test_fault_enospc);
    CU_add_test(s, "group_commit", test_group_commit);
    CU_add_test(s, "default_cache", test_default_cache);
    return helios_test_run_cunit();
}
