/*
 * test_wal.c -- the WAL's preallocated and recycled segments (CUnit, label unit): segments are
 * reused in place, old records in a recycled segment end the log, corruption inside one still
 * refuses to open, tiers without in-place writes get appended segments, and the 2^56 sequence
 * limit is enforced by writers and the reader.
 */
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helios/conformance.h"
#include "helios/faulttier.h"
#include "storage/db.h"
#include "storage/wal.h"
#include "testenv.h"

#define SEG_BYTES 8192u

static tenv_t env;
static helios_lsm_t *db;
static helios_err_t err;
static helios_storage_vtable_t append_only_vt; /* the nvme tier as an ABI 1.0 plugin sees it */
static int use_append_only;

static void open_db(void)
{
    if (env.tier == NULL) {
        CU_ASSERT_EQUAL_FATAL(tenv_init(&env, NULL, 0), 0);
    }
    helios_lsm_options_t o;
    tenv_options(&env, &o);
    o.memtable_bytes = 4096;
    o.wal_segment_bytes = SEG_BYTES;
    o.wal_pool_segments = 2;
    if (use_append_only) {
        append_only_vt = *env.tvt;
        append_only_vt.size = (uint32_t)offsetof(helios_storage_vtable_t, write_at);
        append_only_vt.caps &= ~HELIOS_TIER_CAP_OVERWRITE;
        o.tier_vt = &append_only_vt;
    }
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
    use_append_only = 0;
}

static void put_i(int i, int round)
{
    char k[32], v[96];
    snprintf(k, sizeof(k), "key%05d", i);
    snprintf(v, sizeof(v), "value-%d-round-%d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", i, round);
    helios_wbatch_t *b = helios_wbatch_new();
    helios_wbatch_put(b, 1, k, (uint32_t)strlen(k), v, (uint32_t)strlen(v));
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, NULL, NULL, &err), 0);
    helios_wbatch_free(b);
}

static int has_i(int i, int round)
{
    char k[32], v[96];
    snprintf(k, sizeof(k), "key%05d", i);
    snprintf(v, sizeof(v), "value-%d-round-%d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", i, round);
    helios_buf_t got = {0};
    uint32_t found = 0;
    int ok =
        helios_lsm_get(db, 1, HELIOS_SEQ_MAX, k, (uint32_t)strlen(k), &got, &found, &err) == 0 &&
        found && got.len == strlen(v) && memcmp(got.data, v, got.len) == 0;
    helios_buf_free(&got);
    return ok;
}

/* Number of files in dir/wal ending in `suffix`, and the biggest size among them. */
static int count_wal(const char *suffix, uint64_t *max_size)
{
    char p[400];
    snprintf(p, sizeof(p), "%s/wal", env.dir);
    DIR *d = opendir(p);
    int n = 0;
    *max_size = 0;
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name), sl = strlen(suffix);
        if (l > sl && strcmp(de->d_name + l - sl, suffix) == 0 && de->d_name[0] != '.') {
            char f[700];
            snprintf(f, sizeof(f), "%s/%s", p, de->d_name);
            struct stat st;
            if (stat(f, &st) == 0 && (uint64_t)st.st_size > *max_size) {
                *max_size = (uint64_t)st.st_size;
            }
            n++;
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    return n;
}

static void create_tree(void)
{
    helios_tree_schema_t s = {.kind = HELIOS_TREE_KV};
    CU_ASSERT_EQUAL_FATAL(helios_lsm_tree_create(db, 1, &s, &err), 0);
}

/* wait until the pool thread has caught up (it runs beside the commits) */
static void settle(void)
{
    for (int i = 0; i < 500 && helios_wal_pool_size(db->wal) < 2; i++) {
        usleep(2000);
    }
}

static void test_recycle(void)
{
    open_db();
    create_tree();
    /* many segments' worth, with flushes releasing the old ones into the pool */
    for (int round = 0; round < 6; round++) {
        for (int i = 0; i < 300; i++) {
            put_i(i, round);
        }
        CU_ASSERT_EQUAL(helios_lsm_checkpoint(db, &err), 0);
        settle();
    }
    CU_ASSERT(helios_wal_recycled(db->wal) > 0);
    CU_ASSERT(helios_wal_preallocated(db->wal) >= 1);
    uint64_t max_size = 0;
    int n = count_wal(".wal", &max_size);
    /* the segments in use plus the pool, not one file per segment ever written */
    CU_ASSERT(n <= 8);
    CU_ASSERT(max_size >= SEG_BYTES);
    for (int i = 0; i < 300; i++) {
        CU_ASSERT(has_i(i, 5));
    }
    /* writes after the checkpoint land in recycled segments: they recover, and the old
       records those segments still hold do not come back */
    for (int i = 0; i < 200; i++) {
        put_i(i, 6);
    }
    close_db();
    open_db();
    for (int i = 0; i < 300; i++) {
        CU_ASSERT(has_i(i, i < 200 ? 6 : 5));
    }
    /* and once more after writing on top of the recovered log */
    for (int i = 0; i < 100; i++) {
        put_i(i, 7);
    }
    close_db();
    open_db();
    for (int i = 0; i < 300; i++) {
        CU_ASSERT(has_i(i, i < 100 ? 7 : i < 200 ? 6 : 5));
    }
    finish();
}

/* The segment with the newest records and the offset of its second record. */
static void newest_data_segment(char *path, size_t n, uint64_t *second)
{
    char p[400];
    snprintf(p, sizeof(p), "%s/wal", env.dir);
    DIR *d = opendir(p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    uint64_t best = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strstr(de->d_name, ".wal") == NULL || de->d_name[0] == '.') {
            continue;
        }
        uint64_t segno = strtoull(de->d_name, NULL, 16);
        char f[700];
        snprintf(f, sizeof(f), "%s/%s", p, de->d_name);
        int fd = open(f, O_RDONLY);
        uint8_t hdr[HELIOS_WAL_HDR];
        if (fd >= 0 && pread(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) &&
            helios_get_u64(hdr + 20) == segno && segno > best) {
            best = segno;
            snprintf(path, n, "%s", f);
            *second = HELIOS_WAL_HDR + helios_get_u32(hdr + 4);
        }
        if (fd >= 0) {
            close(fd);
        }
    }
    closedir(d);
    CU_ASSERT_FATAL(best > 0);
}

static void test_recycled_corruption(void)
{
    open_db();
    create_tree();
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 300; i++) {
            put_i(i, round);
        }
        CU_ASSERT_EQUAL(helios_lsm_checkpoint(db, &err), 0);
        settle();
    }
    CU_ASSERT(helios_wal_recycled(db->wal) > 0);
    for (int i = 0; i < 60; i++) {
        put_i(i, 9);
    }
    close_db();
    char path[700];
    uint64_t second = 0;
    newest_data_segment(path, sizeof(path), &second);
    /* flip a byte in the first record: valid records follow, so this is corruption */
    int fd = open(path, O_RDWR);
    CU_ASSERT_FATAL(fd >= 0);
    uint8_t c;
    CU_ASSERT_EQUAL(pread(fd, &c, 1, 40), 1);
    c ^= 0x5A;
    CU_ASSERT_EQUAL(pwrite(fd, &c, 1, 40), 1);
    helios_lsm_options_t o;
    tenv_options(&env, &o);
    o.memtable_bytes = 4096;
    o.wal_segment_bytes = SEG_BYTES;
    CU_ASSERT_EQUAL(helios_lsm_open(&o, &db, &err), HELIOS_ERR_WAL_CORRUPTED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, strrchr(path, '/') + 1));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "offset 0"));
    db = NULL;
    c ^= 0x5A;
    CU_ASSERT_EQUAL(pwrite(fd, &c, 1, 40), 1);
    close(fd);
    open_db();
    for (int i = 0; i < 60; i++) {
        CU_ASSERT(has_i(i, 9));
    }
    finish();
}

static void test_append_fallback(void)
{
    use_append_only = 1;
    open_db();
    create_tree();
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 300; i++) {
            put_i(i, round);
        }
        CU_ASSERT_EQUAL(helios_lsm_checkpoint(db, &err), 0);
    }
    CU_ASSERT_EQUAL(helios_wal_recycled(db->wal), 0);
    CU_ASSERT_EQUAL(helios_wal_preallocated(db->wal), 0);
    CU_ASSERT_EQUAL(helios_wal_pool_size(db->wal), 0);
    for (int i = 0; i < 100; i++) {
        put_i(i, 3);
    }
    close_db();
    uint64_t max_size = 0;
    CU_ASSERT(count_wal(".wal", &max_size) >= 1);
    CU_ASSERT(max_size < 2 * SEG_BYTES);
    open_db();
    for (int i = 0; i < 300; i++) {
        CU_ASSERT(has_i(i, i < 100 ? 3 : 2));
    }
    close_db();
    /* the same store on the full tier: appended segments are read, then in-place ones used */
    use_append_only = 0;
    open_db();
    for (int i = 0; i < 300; i++) {
        CU_ASSERT(has_i(i, i < 100 ? 3 : 2));
    }
    for (int i = 0; i < 50; i++) {
        put_i(i, 4);
    }
    close_db();
    open_db();
    for (int i = 0; i < 300; i++) {
        CU_ASSERT(has_i(i, i < 50 ? 4 : i < 100 ? 3 : 2));
    }
    finish();
}

/* Write one segment file holding one empty batch record at `seq` (count `count`). */
static void write_segment(const char *name, uint64_t segno, uint64_t seq, uint32_t count)
{
    char p[700];
    snprintf(p, sizeof(p), "%s/wal", env.dir);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/%s", env.dir, name);
    uint8_t rec[HELIOS_WAL_HDR + 1];
    rec[HELIOS_WAL_HDR] = 1; /* a write batch with no entries */
    helios_wal_encode_hdr(rec, seq, count, rec + HELIOS_WAL_HDR, 1);
    helios_wal_seal_hdr(rec, segno);
    FILE *f = fopen(p, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(rec, 1, sizeof(rec), f), sizeof(rec));
    fclose(f);
}

static void test_seq_limit(void)
{
    CU_ASSERT_EQUAL_FATAL(tenv_init(&env, NULL, 0), 0);
    /* the log ends 2 below the limit: one more entry fits, then writers refuse */
    write_segment("wal/0000000000000001.wal", 1, HELIOS_WAL_SEQ_LIMIT - 3, 1);
    open_db();
    CU_ASSERT_EQUAL(helios_lsm_last_seq(db), HELIOS_WAL_SEQ_LIMIT - 3);
    create_tree(); /* seq 2^56 - 2 */
    helios_wbatch_t *b = helios_wbatch_new();
    helios_wbatch_put(b, 1, "a", 1, "1", 1);
    helios_wbatch_put(b, 1, "b", 1, "2", 1);
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, NULL, NULL, &err), HELIOS_ERR_PROGRAM_LIMIT_EXCEEDED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "2^56"));
    helios_wbatch_clear(b);
    helios_wbatch_put(b, 1, "a", 1, "1", 1);
    helios_seq_t seq = 0;
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, NULL, &seq, &err), 0);
    CU_ASSERT_EQUAL(seq, HELIOS_WAL_SEQ_LIMIT - 1);
    CU_ASSERT_EQUAL(helios_lsm_write(db, b, NULL, NULL, &err), HELIOS_ERR_PROGRAM_LIMIT_EXCEEDED);
    helios_wbatch_free(b);
    /* SSTable file numbers stop at the limit too (the manifest refuses 2^56) */
    atomic_store(&db->next_file_no, HELIOS_WAL_SEQ_LIMIT - 1);
    CU_ASSERT_EQUAL(helios_lsm_flush(db, 1, &err), HELIOS_ERR_PROGRAM_LIMIT_EXCEEDED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "file numbers"));
    atomic_store(&db->next_file_no, HELIOS_WAL_SEQ_LIMIT - 2);
    CU_ASSERT_EQUAL(helios_lsm_flush(db, 1, &err), 0); /* the last number is usable */
    CU_ASSERT_EQUAL(atomic_load(&db->next_file_no), HELIOS_WAL_SEQ_LIMIT - 1);
    close_db();
    open_db(); /* what was written recovers */
    helios_buf_t v = {0};
    uint32_t found = 0;
    CU_ASSERT_EQUAL(helios_lsm_get(db, 1, HELIOS_SEQ_MAX, "a", 1, &v, &found, &err), 0);
    CU_ASSERT(found);
    helios_buf_free(&v);
    finish();

    /* the reader refuses a record at or past the limit */
    CU_ASSERT_EQUAL_FATAL(tenv_init(&env, NULL, 0), 0);
    write_segment("wal/0000000000000001.wal", 1, HELIOS_WAL_SEQ_LIMIT, 1);
    helios_lsm_options_t o;
    tenv_options(&env, &o);
    CU_ASSERT_EQUAL(helios_lsm_open(&o, &db, &err), HELIOS_ERR_WAL_CORRUPTED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "0000000000000001.wal"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "offset 0"));
    db = NULL;
    tenv_fini(&env, 1);

    /* and a record whose count runs past it */
    CU_ASSERT_EQUAL_FATAL(tenv_init(&env, NULL, 0), 0);
    write_segment("wal/0000000000000001.wal", 1, HELIOS_WAL_SEQ_LIMIT - 2, 5);
    tenv_options(&env, &o);
    CU_ASSERT_EQUAL(helios_lsm_open(&o, &db, &err), HELIOS_ERR_WAL_CORRUPTED);
    db = NULL;
    tenv_fini(&env, 1);
}

static void test_legacy_segments(void)
{
    /* a store written before format 2: "<segno>.log" segments with 20-byte headers */
    CU_ASSERT_EQUAL_FATAL(tenv_init(&env, NULL, 0), 0);
    char p[700];
    snprintf(p, sizeof(p), "%s/wal", env.dir);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/wal/0000000000000003.log", env.dir);
    uint8_t rec[HELIOS_WAL_HDR_V1 + 1];
    rec[HELIOS_WAL_HDR_V1] = 1;
    helios_put_u32(rec + 4, 1);
    helios_put_u64(rec + 8, 7);
    helios_put_u32(rec + 16, 1);
    uint32_t crc = helios_crc32c(0, rec + 4, HELIOS_WAL_HDR_V1 - 4);
    helios_put_u32(rec, helios_crc32c(crc, rec + HELIOS_WAL_HDR_V1, 1));
    FILE *f = fopen(p, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(rec, 1, sizeof(rec), f), sizeof(rec));
    fclose(f);
    open_db();
    CU_ASSERT_EQUAL(helios_lsm_last_seq(db), 7);
    create_tree();
    put_i(1, 1);
    close_db();
    open_db();
    CU_ASSERT(has_i(1, 1));
    CU_ASSERT_EQUAL(helios_lsm_last_seq(db), 9);
    finish();
}

/* The fault tier's in-place writes: a power loss undoes what was not synced. */
static void test_fault_tier_overwrite(void)
{
    CU_ASSERT_EQUAL_FATAL(tenv_init(&env, NULL, 0), 0);
    helios_fault_tier_t *ft = NULL;
    CU_ASSERT_EQUAL_FATAL(helios_fault_tier_new(env.tvt, env.tier, &ft), 0);
    const helios_storage_vtable_t *vt = helios_fault_tier_vtable(ft);
    void *f = helios_fault_tier_inst(ft);
    CU_ASSERT(vt->caps & HELIOS_TIER_CAP_OVERWRITE);
    helios_tier_writer_t *w = NULL;
    char buf[16];
    uint64_t n = 0;
    CU_ASSERT_EQUAL_FATAL(vt->prealloc(f, "wal/a", 64, &err), 0);
    CU_ASSERT_EQUAL_FATAL(vt->wopen(f, "wal/a", HELIOS_TIER_W_OVERWRITE, &w, &err), 0);
    CU_ASSERT_EQUAL(vt->write_at(w, 0, "durable", 7, &err), 0);
    CU_ASSERT_EQUAL(vt->wsync(w, &err), 0);
    CU_ASSERT_EQUAL(vt->write_at(w, 3, "XXXXXXXX", 8, &err), 0); /* over synced and zero bytes */
    CU_ASSERT_EQUAL(vt->append(w, "yy", 2, &err), 0);
    CU_ASSERT_EQUAL(vt->write_at(w, 62, "zzzz", 4, &err), 0); /* grows the file */
    CU_ASSERT_EQUAL(vt->get(f, "wal/a", 0, 13, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(memcmp(buf, "durXXXXXXXXyy", 13), 0);
    /* a renamed file keeps its durable state; prealloc is durable on return */
    CU_ASSERT_EQUAL_FATAL(vt->prealloc(f, "wal/b", 32, &err), 0);
    CU_ASSERT_EQUAL(vt->rename(f, "wal/b", "wal/c", &err), 0);
    CU_ASSERT_EQUAL(helios_fault_tier_crash(ft, &err), 0);
    CU_ASSERT_EQUAL(vt->get(f, "wal/a", 0, 16, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 16);
    CU_ASSERT_EQUAL(memcmp(buf, "durable\0\0\0\0\0\0\0\0\0", 16), 0);
    helios_tier_stat_t st;
    CU_ASSERT_EQUAL(vt->stat(f, "wal/a", &st, &err), 0);
    CU_ASSERT_EQUAL(st.size_bytes, 64);
    CU_ASSERT_EQUAL(vt->stat(f, "wal/c", &st, &err), 0);
    CU_ASSERT_EQUAL(st.size_bytes, 32);
    CU_ASSERT_EQUAL(vt->write_at(w, 0, "x", 1, &err), HELIOS_ERR_IO_ERROR); /* dead writer */
    CU_ASSERT_EQUAL(vt->wclose(w, 0, &err), 0);
    /* a torn in-place write (half of it) and an injected sync failure */
    helios_fault_tier_torn_appends(ft, 1);
    w = NULL;
    CU_ASSERT_EQUAL_FATAL(vt->wopen(f, "wal/c", HELIOS_TIER_W_OVERWRITE, &w, &err), 0);
    helios_fault_tier_fail_write(ft, 1, HELIOS_ERR_DISK_FULL);
    CU_ASSERT_EQUAL(vt->write_at(w, 0, "12345678", 8, &err), HELIOS_ERR_DISK_FULL);
    CU_ASSERT_EQUAL(vt->get(f, "wal/c", 0, 8, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(memcmp(buf, "1234\0\0\0\0", 8), 0);
    helios_fault_tier_fail_sync(ft, 1, HELIOS_ERR_IO_ERROR);
    CU_ASSERT_EQUAL(vt->wsync(w, &err), HELIOS_ERR_IO_ERROR);
    CU_ASSERT_EQUAL(helios_fault_tier_crash(ft, &err), 0);
    CU_ASSERT_EQUAL(vt->get(f, "wal/c", 0, 8, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(memcmp(buf, "\0\0\0\0\0\0\0\0", 8), 0);
    CU_ASSERT_EQUAL(vt->wclose(w, 0, &err), 0);
    /* over an ABI 1.0 tier the wrapper offers no in-place writes */
    helios_fault_tier_t *ft0 = NULL;
    append_only_vt = *env.tvt;
    append_only_vt.size = (uint32_t)offsetof(helios_storage_vtable_t, write_at);
    CU_ASSERT_EQUAL_FATAL(helios_fault_tier_new(&append_only_vt, env.tier, &ft0), 0);
    CU_ASSERT_EQUAL(helios_fault_tier_vtable(ft0)->caps & HELIOS_TIER_CAP_OVERWRITE, 0);
    CU_ASSERT_PTR_NULL(helios_fault_tier_vtable(ft0)->write_at);
    helios_fault_tier_free(ft0);
    helios_fault_tier_free(ft);
    tenv_fini(&env, 1);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    CU_pSuite s = CU_add_suite("wal", NULL, NULL);
    CU_add_test(s, "recycle", test_recycle);
    CU_add_test(s, "recycled_corruption", test_recycled_corruption);
    CU_add_test(s, "append_fallback", test_append_fallback);
    CU_add_test(s, "seq_limit", test_seq_limit);
    CU_add_test(s, "legacy_segments", test_legacy_segments);
    CU_add_test(s, "fault_tier_overwrite", test_fault_tier_overwrite);
    return helios_test_run_cunit();
}
