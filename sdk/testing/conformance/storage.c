/*
 * storage.c -- the conformance suite every storage tier plugin must pass (the contract of
 * helios/storage.h): whole-file put/get, ranged reads, readers, ATOMIC and APPEND writers,
 * wsync, truncate, remove, list order and prefixes, stat, 58P01 for missing files, concurrent
 * use, fault injection through control (local tiers), clean allocation failure, no leaks.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "common.h"
#include "helios/conformance.h"
#include "helios/storage.h"

static const helios_storage_vtable_t *vt_of(const conf_ctx_t *c)
{
    return c->desc->vtable;
}

/* The per-suite tier root: <tmpdir>/root (created by start, not by us). */
static void root_of(const conf_ctx_t *c, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/root", c->tmpdir);
}

static int32_t tier_create(const conf_ctx_t *c, const char *root, void **inst, helios_err_t *err)
{
    helios_tier_options_t opts = {
        .size = sizeof(helios_tier_options_t), .root = root, .name = "conformance"};
    return vt_of(c)->create(c->lib, c->config, &opts, inst, err);
}

/* start and stop are an optional pair (a tier with nothing to open may leave both NULL). */
static int32_t tier_start(const conf_ctx_t *c, void *inst, helios_err_t *err)
{
    return vt_of(c)->start != NULL ? vt_of(c)->start(inst, err) : 0;
}

static void tier_stop(const conf_ctx_t *c, void *inst)
{
    if (vt_of(c)->stop != NULL) {
        vt_of(c)->stop(inst);
    }
}

static int storage_suite_init(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    char root[320];
    if (conf_setup(c) != 0) {
        return 1;
    }
    root_of(c, root, sizeof(root));
    if (tier_create(c, root, &c->inst, &err) != 0) {
        fprintf(stderr, "conformance: create failed: %s\n", err.message);
        return 1;
    }
    if (tier_start(c, c->inst, &err) != 0) {
        fprintf(stderr, "conformance: start failed: %s\n", err.message);
        return 1;
    }
    return 0;
}

static int storage_suite_cleanup(void)
{
    conf_ctx_t *c = conf_current();
    if (c->inst != NULL) {
        tier_stop(c, c->inst);
        vt_of(c)->destroy(c->inst);
        c->inst = NULL;
    }
    conf_teardown(c);
    return 0;
}

/* ---- helpers -------------------------------------------------------------------------- */

static int32_t put_text(const conf_ctx_t *c, const char *name, const char *text)
{
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t rc = vt_of(c)->put(c->inst, name, text, strlen(text), &err);
    if (rc != 0) {
        fprintf(stderr, "  put \"%s\": %s\n", name, err.message);
    }
    return rc;
}

/* Reads the whole file (up to cap - 1 bytes) NUL-terminated into buf; returns the status. */
static int32_t get_text(const conf_ctx_t *c, const char *name, char *buf, uint64_t cap)
{
    helios_err_t err = HELIOS_ERR_INIT;
    uint64_t n = 0;
    int32_t rc = vt_of(c)->get(c->inst, name, 0, cap - 1, buf, &n, &err);
    buf[rc == 0 ? n : 0] = '\0';
    return rc;
}

static int32_t stat_of(const conf_ctx_t *c, const char *name, helios_tier_stat_t *st)
{
    helios_err_t err = HELIOS_ERR_INIT;
    return vt_of(c)->stat(c->inst, name, st, &err);
}

typedef struct listing {
    char names[64][128];
    uint64_t sizes[64];
    uint32_t n;
    uint32_t stop_after; /* 0: never */
} listing_t;

static int32_t collect(const char *name, const helios_tier_stat_t *st, void *arg)
{
    listing_t *l = arg;
    if (l->n < 64) {
        snprintf(l->names[l->n], sizeof(l->names[0]), "%s", name);
        l->sizes[l->n] = st != NULL ? st->size_bytes : UINT64_MAX;
    }
    l->n++;
    return l->stop_after != 0 && l->n >= l->stop_after ? 7 : 0;
}

static int32_t list_of(const conf_ctx_t *c, const char *prefix, listing_t *l)
{
    helios_err_t err = HELIOS_ERR_INIT;
    uint32_t stop_after = l->stop_after;
    memset(l, 0, sizeof(*l));
    l->stop_after = stop_after;
    return vt_of(c)->list(c->inst, prefix, collect, l, &err);
}

static int listed(const listing_t *l, const char *name)
{
    for (uint32_t i = 0; i < l->n && i < 64; i++) {
        if (strcmp(l->names[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_descriptor(void)
{
    conf_ctx_t *c = conf_current();
    const helios_storage_vtable_t *vt = vt_of(c);
    CU_ASSERT_EQUAL(c->desc->kind, HELIOS_KIND_STORAGE);
    CU_ASSERT(vt->size >= offsetof(helios_storage_vtable_t, control) + sizeof(void *));
    CU_ASSERT(vt->latency_class >= HELIOS_TIER_HOT && vt->latency_class <= HELIOS_TIER_COLD);
    CU_ASSERT_PTR_NOT_NULL(c->desc->version);
}

static void test_lifecycle(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    char root[320];
    snprintf(root, sizeof(root), "%s/lifecycle", c->tmpdir);
    uint64_t before = helios_test_host_live_allocs(c->host);
    void *inst = NULL;
    /* destroy must accept an instance that never started */
    CU_ASSERT_EQUAL_FATAL(tier_create(c, root, &inst, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(inst);
    vt_of(c)->destroy(inst);
    CU_ASSERT_EQUAL(helios_test_host_live_allocs(c->host), before);
    /* start, a second stop (idempotent), destroy */
    inst = NULL;
    CU_ASSERT_EQUAL_FATAL(tier_create(c, root, &inst, &err), 0);
    CU_ASSERT_EQUAL(tier_start(c, inst, &err), 0);
    tier_stop(c, inst);
    tier_stop(c, inst);
    vt_of(c)->destroy(inst);
    CU_ASSERT_EQUAL(helios_test_host_live_allocs(c->host), before);
}

static void test_allocation_failure(void)
{
    conf_ctx_t *c = conf_current();
    char root[320];
    snprintf(root, sizeof(root), "%s/oom", c->tmpdir);
    uint64_t before = helios_test_host_live_allocs(c->host);
    for (uint64_t nth = 1; nth <= 64; nth++) {
        helios_err_t err = HELIOS_ERR_INIT;
        void *inst = NULL;
        uint64_t failed_before = helios_test_host_n_failed_allocs(c->host);
        helios_test_host_fail_alloc(c->host, nth);
        int32_t rc = tier_create(c, root, &inst, &err);
        if (rc != 0) {
            CU_ASSERT_EQUAL(rc, HELIOS_ERR_OUT_OF_MEMORY);
            CU_ASSERT_PTR_NULL(inst);
        } else {
            rc = tier_start(c, inst, &err);
            if (rc == 0) {
                rc = vt_of(c)->put(inst, "oom/file", "abc", 3, &err);
            }
            if (rc != 0) {
                CU_ASSERT_EQUAL(rc, HELIOS_ERR_OUT_OF_MEMORY);
            }
            tier_stop(c, inst);
            vt_of(c)->destroy(inst);
        }
        helios_test_host_fail_alloc(c->host, 0);
        CU_ASSERT_EQUAL(helios_test_host_live_allocs(c->host), before);
        if (helios_test_host_n_failed_allocs(c->host) == failed_before) {
            break;
        }
    }
    helios_test_host_fail_alloc(c->host, 0);
}

static void test_put_get(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    char buf[256];
    uint64_t n = 99;
    CU_ASSERT_EQUAL_FATAL(put_text(c, "pg/a.txt", "hello, tier"), 0);
    CU_ASSERT_EQUAL(get_text(c, "pg/a.txt", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "hello, tier");
    /* ranged */
    memset(buf, 0, sizeof(buf));
    CU_ASSERT_EQUAL(vt_of(c)->get(c->inst, "pg/a.txt", 7, 4, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT_EQUAL(memcmp(buf, "tier", 4), 0);
    /* short at EOF */
    CU_ASSERT_EQUAL(vt_of(c)->get(c->inst, "pg/a.txt", 9, 100, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(memcmp(buf, "er", 2), 0);
    /* at EOF */
    n = 99;
    CU_ASSERT_EQUAL(vt_of(c)->get(c->inst, "pg/a.txt", 11, 10, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 0);
    /* zero-length read */
    n = 99;
    CU_ASSERT_EQUAL(vt_of(c)->get(c->inst, "pg/a.txt", 0, 0, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 0);
}

static void test_put_replaces_and_empty(void)
{
    conf_ctx_t *c = conf_current();
    helios_tier_stat_t st;
    char buf[256];
    CU_ASSERT_EQUAL_FATAL(put_text(c, "rep", "a longer first version"), 0);
    CU_ASSERT_EQUAL_FATAL(put_text(c, "rep", "v2"), 0);
    CU_ASSERT_EQUAL(get_text(c, "rep", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "v2");
    CU_ASSERT_EQUAL(stat_of(c, "rep", &st), 0);
    CU_ASSERT_EQUAL(st.size_bytes, 2);
    CU_ASSERT_EQUAL_FATAL(put_text(c, "empty", ""), 0);
    CU_ASSERT_EQUAL(stat_of(c, "empty", &st), 0);
    CU_ASSERT_EQUAL(st.size_bytes, 0);
    CU_ASSERT_EQUAL(get_text(c, "empty", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "");
}

static void test_nested_names(void)
{
    conf_ctx_t *c = conf_current();
    char buf[64];
    listing_t l = {0}; /* list_of keeps the caller's stop_after */
    CU_ASSERT_EQUAL_FATAL(put_text(c, "sst/t12/000034.sst", "sstable"), 0);
    CU_ASSERT_EQUAL_FATAL(put_text(c, "a/b/c/d/e/f", "deep"), 0);
    CU_ASSERT_EQUAL(get_text(c, "sst/t12/000034.sst", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "sstable");
    CU_ASSERT_EQUAL(get_text(c, "a/b/c/d/e/f", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "deep");
    CU_ASSERT_EQUAL(list_of(c, "sst/", &l), 0);
    CU_ASSERT_EQUAL(l.n, 1);
    CU_ASSERT_STRING_EQUAL(l.names[0], "sst/t12/000034.sst");
    CU_ASSERT_EQUAL(l.sizes[0], 7);
}

static void test_large_file_and_reader(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    const uint64_t len = 8u << 20;
    uint8_t *data = malloc(len), *back = malloc(len);
    uint64_t rnd = 5, n = 0, size = 0;
    helios_tier_reader_t *r = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    CU_ASSERT_PTR_NOT_NULL_FATAL(back);
    conf_random_bytes(&rnd, data, len);
    CU_ASSERT_EQUAL_FATAL(vt_of(c)->put(c->inst, "big/8m.bin", data, len, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->get(c->inst, "big/8m.bin", 0, len, back, &n, &err), 0);
    CU_ASSERT_EQUAL(n, len);
    CU_ASSERT_EQUAL(memcmp(data, back, len), 0);
    CU_ASSERT_EQUAL_FATAL(vt_of(c)->ropen(c->inst, "big/8m.bin", &r, &size, &err), 0);
    CU_ASSERT_EQUAL(size, len);
    static const uint64_t offs[] = {0, 1, 4095, 4096, 1u << 20, (8u << 20) - 10};
    for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        CU_ASSERT_EQUAL(vt_of(c)->read(r, offs[i], 100000, back, &n, &err), 0);
        uint64_t want = len - offs[i] < 100000 ? len - offs[i] : 100000;
        CU_ASSERT_EQUAL(n, want);
        CU_ASSERT_EQUAL(memcmp(back, data + offs[i], want), 0);
    }
    CU_ASSERT_EQUAL(vt_of(c)->read(r, len, 10, back, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 0);
    vt_of(c)->rclose(r);
    free(data);
    free(back);
}

typedef struct reader_worker {
    const conf_ctx_t *c;
    helios_tier_reader_t *r;
    const uint8_t *data;
    uint64_t len;
    uint32_t seed;
    int failures;
} reader_worker_t;

static void *reader_worker(void *arg)
{
    reader_worker_t *w = arg;
    uint8_t buf[5000];
    uint64_t rnd = w->seed;
    for (int i = 0; i < 300; i++) {
        helios_err_t err = HELIOS_ERR_INIT;
        uint64_t off = 0, n = 0;
        conf_random_bytes(&rnd, &off, sizeof(off));
        off %= w->len;
        if (vt_of(w->c)->read(w->r, off, sizeof(buf), buf, &n, &err) != 0) {
            w->failures++;
            continue;
        }
        uint64_t want = w->len - off < sizeof(buf) ? w->len - off : sizeof(buf);
        if (n != want || memcmp(buf, w->data + off, want) != 0) {
            w->failures++;
        }
    }
    return NULL;
}

static void test_reader_shared_by_threads(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    const uint64_t len = 1u << 20;
    uint8_t *data = malloc(len);
    uint64_t rnd = 17, size = 0;
    helios_tier_reader_t *r = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    conf_random_bytes(&rnd, data, len);
    CU_ASSERT_EQUAL_FATAL(vt_of(c)->put(c->inst, "shared.bin", data, len, &err), 0);
    CU_ASSERT_EQUAL_FATAL(vt_of(c)->ropen(c->inst, "shared.bin", &r, &size, &err), 0);
    pthread_t t[4];
    reader_worker_t w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (reader_worker_t){c, r, data, len, (uint32_t)i + 3, 0};
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, reader_worker, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CU_ASSERT_EQUAL(w[i].failures, 0);
    }
    vt_of(c)->rclose(r);
    free(data);
}

static void test_missing_file(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    char buf[16];
    uint64_t n = 0, size = 0;
    helios_tier_reader_t *r = NULL;
    helios_tier_stat_t st;
    CU_ASSERT_EQUAL(vt_of(c)->get(c->inst, "no/such/file", 0, 4, buf, &n, &err),
                    HELIOS_ERR_UNDEFINED_FILE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "no/such/file"));
    memset(&err, 0, sizeof(err));
    CU_ASSERT_EQUAL(vt_of(c)->ropen(c->inst, "no/such/file", &r, &size, &err),
                    HELIOS_ERR_UNDEFINED_FILE);
    CU_ASSERT_PTR_NULL(r);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "no/such/file"));
    memset(&err, 0, sizeof(err));
    CU_ASSERT_EQUAL(vt_of(c)->stat(c->inst, "missing", &st, &err), HELIOS_ERR_UNDEFINED_FILE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "missing"));
    if (vt_of(c)->truncate != NULL) {
        CU_ASSERT_EQUAL(vt_of(c)->truncate(c->inst, "missing", 0, &err), HELIOS_ERR_UNDEFINED_FILE);
    }
    /* removing a missing file is not an error */
    CU_ASSERT_EQUAL(vt_of(c)->remove(c->inst, "missing", &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->remove(c->inst, "no/such/dir/file", &err), 0);
}

static void test_atomic_writer(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    helios_tier_writer_t *w = NULL;
    helios_tier_stat_t st;
    listing_t l = {0}; /* list_of keeps the caller's stop_after */
    char buf[256];
    CU_ASSERT_EQUAL_FATAL(
        vt_of(c)->wopen(c->inst, "atomic/new.sst", HELIOS_TIER_W_ATOMIC, &w, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->append(w, "part1,", 6, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->append(w, "part2,", 6, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->wsync(w, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->append(w, "end", 3, &err), 0);
    /* not visible before commit, and no temporary shows in list */
    CU_ASSERT_EQUAL(stat_of(c, "atomic/new.sst", &st), HELIOS_ERR_UNDEFINED_FILE);
    CU_ASSERT_EQUAL(list_of(c, "atomic", &l), 0);
    CU_ASSERT_EQUAL(l.n, 0);
    CU_ASSERT_EQUAL(vt_of(c)->wclose(w, 1, &err), 0);
    CU_ASSERT_EQUAL(get_text(c, "atomic/new.sst", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "part1,part2,end");

    /* replacing: the old content stays whole until the commit */
    w = NULL;
    CU_ASSERT_EQUAL_FATAL(
        vt_of(c)->wopen(c->inst, "atomic/new.sst", HELIOS_TIER_W_ATOMIC, &w, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->append(w, "v2", 2, &err), 0);
    CU_ASSERT_EQUAL(get_text(c, "atomic/new.sst", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "part1,part2,end");
    CU_ASSERT_EQUAL(vt_of(c)->wclose(w, 1, &err), 0);
    CU_ASSERT_EQUAL(get_text(c, "atomic/new.sst", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "v2");

    /* discarding leaves nothing behind, and the old file untouched */
    w = NULL;
    CU_ASSERT_EQUAL_FATAL(
        vt_of(c)->wopen(c->inst, "atomic/discard", HELIOS_TIER_W_ATOMIC, &w, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->append(w, "gone", 4, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->wclose(w, 0, &err), 0);
    CU_ASSERT_EQUAL(stat_of(c, "atomic/discard", &st), HELIOS_ERR_UNDEFINED_FILE);
    w = NULL;
    CU_ASSERT_EQUAL_FATAL(
        vt_of(c)->wopen(c->inst, "atomic/new.sst", HELIOS_TIER_W_ATOMIC, &w, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->append(w, "never", 5, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->wclose(w, 0, &err), 0);
    CU_ASSERT_EQUAL(get_text(c, "atomic/new.sst", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "v2");
    CU_ASSERT_EQUAL(list_of(c, "atomic/", &l), 0);
    CU_ASSERT_EQUAL(l.n, 1);
    CU_ASSERT(listed(&l, "atomic/new.sst"));
}

static void test_append_writer(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    helios_tier_writer_t *w = NULL;
    char buf[256];
    if ((vt_of(c)->caps & HELIOS_TIER_CAP_APPEND) == 0) {
        CU_PASS("tier has no HELIOS_TIER_CAP_APPEND");
        return;
    }
    CU_ASSERT_EQUAL_FATAL(
        vt_of(c)->wopen(c->inst, "wal/000001.log", HELIOS_TIER_W_APPEND, &w, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->append(w, "abc", 3, &err), 0);
    /* visible as written */
    CU_ASSERT_EQUAL(get_text(c, "wal/000001.log", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "abc");
    CU_ASSERT_EQUAL(vt_of(c)->wsync(w, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->append(w, "def", 3, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->wsync(w, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->wclose(w, 1, &err), 0);
    CU_ASSERT_EQUAL(get_text(c, "wal/000001.log", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "abcdef");
    /* reopening appends to what is there */
    w = NULL;
    CU_ASSERT_EQUAL_FATAL(
        vt_of(c)->wopen(c->inst, "wal/000001.log", HELIOS_TIER_W_APPEND, &w, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->append(w, "gh", 2, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->wsync(w, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->wclose(w, 1, &err), 0);
    CU_ASSERT_EQUAL(get_text(c, "wal/000001.log", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "abcdefgh");
    /* a big append in many pieces */
    w = NULL;
    CU_ASSERT_EQUAL_FATAL(
        vt_of(c)->wopen(c->inst, "wal/000002.log", HELIOS_TIER_W_APPEND, &w, &err), 0);
    uint8_t piece[1000];
    for (int i = 0; i < 1000; i++) {
        memset(piece, 'a' + i % 26, sizeof(piece));
        CU_ASSERT_EQUAL(vt_of(c)->append(w, piece, sizeof(piece), &err), 0);
    }
    CU_ASSERT_EQUAL(vt_of(c)->wsync(w, &err), 0);
    CU_ASSERT_EQUAL(vt_of(c)->wclose(w, 1, &err), 0);
    helios_tier_stat_t st;
    CU_ASSERT_EQUAL(stat_of(c, "wal/000002.log", &st), 0);
    CU_ASSERT_EQUAL(st.size_bytes, 1000000);
    uint64_t n = 0;
    CU_ASSERT_EQUAL(vt_of(c)->get(c->inst, "wal/000002.log", 999000, 1000, piece, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 1000);
    CU_ASSERT_EQUAL(piece[0], 'a' + 999 % 26);
}

/* ABI 1.2: prealloc, OVERWRITE writers (append and write_at in place), rename. */
static void test_overwrite_writer(void)
{
    conf_ctx_t *c = conf_current();
    const helios_storage_vtable_t *vt = vt_of(c);
    helios_err_t err = HELIOS_ERR_INIT;
    helios_tier_writer_t *w = NULL;
    helios_tier_stat_t st;
    int has = HELIOS_VT_HAS(helios_storage_vtable_t, vt, write_at) &&
              HELIOS_VT_HAS(helios_storage_vtable_t, vt, prealloc) &&
              HELIOS_VT_HAS(helios_storage_vtable_t, vt, rename);
    /* the cap and the three members come together */
    CU_ASSERT_EQUAL((vt->caps & HELIOS_TIER_CAP_OVERWRITE) != 0, has);
    if (!has) {
        CU_PASS("tier has no HELIOS_TIER_CAP_OVERWRITE");
        return;
    }
    /* prealloc: that many zero bytes, replacing what was there */
    CU_ASSERT_EQUAL_FATAL(put_text(c, "wal/seg.1", "old contents"), 0);
    CU_ASSERT_EQUAL_FATAL(vt->prealloc(c->inst, "wal/seg.1", 3u << 20, &err), 0);
    CU_ASSERT_EQUAL(stat_of(c, "wal/seg.1", &st), 0);
    CU_ASSERT_EQUAL(st.size_bytes, 3u << 20);
    uint8_t *buf = malloc(3u << 20);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    uint64_t n = 0;
    CU_ASSERT_EQUAL(vt->get(c->inst, "wal/seg.1", 0, 3u << 20, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 3u << 20);
    int zero = 1;
    for (uint64_t i = 0; i < n; i++) {
        zero &= buf[i] == 0;
    }
    CU_ASSERT(zero);
    /* OVERWRITE: appends from offset 0 and write_at in place, visible as written; the size
       changes only past the end */
    CU_ASSERT_EQUAL_FATAL(vt->wopen(c->inst, "wal/seg.1", HELIOS_TIER_W_OVERWRITE, &w, &err), 0);
    CU_ASSERT_EQUAL(vt->append(w, "abc", 3, &err), 0);
    CU_ASSERT_EQUAL(vt->append(w, "def", 3, &err), 0);
    CU_ASSERT_EQUAL(vt->write_at(w, 1000, "xyz", 3, &err), 0);
    CU_ASSERT_EQUAL(vt->append(w, "!", 1, &err), 0); /* continues after the write_at */
    CU_ASSERT_EQUAL(vt->get(c->inst, "wal/seg.1", 0, 8, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 8);
    CU_ASSERT_EQUAL(memcmp(buf, "abcdef\0\0", 8), 0);
    CU_ASSERT_EQUAL(vt->get(c->inst, "wal/seg.1", 999, 6, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(memcmp(buf, "\0xyz!\0", 6), 0);
    CU_ASSERT_EQUAL(vt->wsync(w, &err), 0);
    CU_ASSERT_EQUAL(stat_of(c, "wal/seg.1", &st), 0);
    CU_ASSERT_EQUAL(st.size_bytes, 3u << 20);
    CU_ASSERT_EQUAL(vt->write_at(w, (3u << 20) - 2, "tail", 4, &err), 0);
    CU_ASSERT_EQUAL(vt->wclose(w, 1, &err), 0);
    CU_ASSERT_EQUAL(stat_of(c, "wal/seg.1", &st), 0);
    CU_ASSERT_EQUAL(st.size_bytes, (3u << 20) + 2);
    /* rename: replaces the target, the source is gone */
    CU_ASSERT_EQUAL_FATAL(put_text(c, "wal/seg.2", "to be replaced"), 0);
    CU_ASSERT_EQUAL(vt->rename(c->inst, "wal/seg.1", "wal/seg.2", &err), 0);
    CU_ASSERT_EQUAL(stat_of(c, "wal/seg.1", &st), HELIOS_ERR_UNDEFINED_FILE);
    CU_ASSERT_EQUAL(stat_of(c, "wal/seg.2", &st), 0);
    CU_ASSERT_EQUAL(st.size_bytes, (3u << 20) + 2);
    CU_ASSERT_EQUAL(vt->get(c->inst, "wal/seg.2", 0, 6, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(memcmp(buf, "abcdef", 6), 0);
    /* into another directory */
    CU_ASSERT_EQUAL(vt->rename(c->inst, "wal/seg.2", "old/seg.9", &err), 0);
    CU_ASSERT_EQUAL(stat_of(c, "old/seg.9", &st), 0);
    /* missing files are 58P01; write_at needs an OVERWRITE writer */
    CU_ASSERT_EQUAL(vt->rename(c->inst, "wal/nope", "wal/seg.3", &err), HELIOS_ERR_UNDEFINED_FILE);
    w = NULL;
    CU_ASSERT_EQUAL(vt->wopen(c->inst, "wal/nope", HELIOS_TIER_W_OVERWRITE, &w, &err),
                    HELIOS_ERR_UNDEFINED_FILE);
    CU_ASSERT_PTR_NULL(w);
    CU_ASSERT_EQUAL(stat_of(c, "wal/nope", &st), HELIOS_ERR_UNDEFINED_FILE);
    CU_ASSERT_EQUAL_FATAL(vt->wopen(c->inst, "wal/app", HELIOS_TIER_W_APPEND, &w, &err), 0);
    CU_ASSERT_EQUAL(vt->write_at(w, 0, "a", 1, &err), HELIOS_ERR_INVALID_PARAMETER_VALUE);
    CU_ASSERT_EQUAL(vt->wclose(w, 0, &err), 0);
    CU_ASSERT_EQUAL(vt->remove(c->inst, "wal/app", &err), 0);
    CU_ASSERT_EQUAL(vt->remove(c->inst, "old/seg.9", &err), 0);
    free(buf);
}

static void test_truncate(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    helios_tier_stat_t st;
    char buf[256];
    if (vt_of(c)->truncate == NULL) {
        /* the WAL's torn tails are cut with truncate: a tier that takes appends needs it */
        CU_ASSERT_EQUAL(vt_of(c)->caps & HELIOS_TIER_CAP_APPEND, 0);
        return;
    }
    CU_ASSERT_EQUAL_FATAL(put_text(c, "trunc.log", "0123456789abcdef"), 0);
    CU_ASSERT_EQUAL(vt_of(c)->truncate(c->inst, "trunc.log", 10, &err), 0);
    CU_ASSERT_EQUAL(stat_of(c, "trunc.log", &st), 0);
    CU_ASSERT_EQUAL(st.size_bytes, 10);
    CU_ASSERT_EQUAL(get_text(c, "trunc.log", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "0123456789");
    CU_ASSERT_EQUAL(vt_of(c)->truncate(c->inst, "trunc.log", 0, &err), 0);
    CU_ASSERT_EQUAL(stat_of(c, "trunc.log", &st), 0);
    CU_ASSERT_EQUAL(st.size_bytes, 0);
}

static void test_remove(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    helios_tier_stat_t st;
    listing_t l = {0}; /* list_of keeps the caller's stop_after */
    CU_ASSERT_EQUAL_FATAL(put_text(c, "rm/x", "x"), 0);
    CU_ASSERT_EQUAL(vt_of(c)->remove(c->inst, "rm/x", &err), 0);
    CU_ASSERT_EQUAL(stat_of(c, "rm/x", &st), HELIOS_ERR_UNDEFINED_FILE);
    CU_ASSERT_EQUAL(list_of(c, "rm/", &l), 0);
    CU_ASSERT_EQUAL(l.n, 0);
    CU_ASSERT_EQUAL(vt_of(c)->remove(c->inst, "rm/x", &err), 0);
}

static void test_list(void)
{
    conf_ctx_t *c = conf_current();
    listing_t l = {0}; /* list_of keeps the caller's stop_after */
    /* "l/c.txt" sorts before "l/c/d" ('.' < '/'): order is by the full name, not per level */
    static const char *const names[] = {"l/b", "l/c/d", "l/a", "l/c.txt", "m/x", "l2"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        CU_ASSERT_EQUAL_FATAL(put_text(c, names[i], names[i]), 0);
    }
    CU_ASSERT_EQUAL(list_of(c, "l/", &l), 0);
    CU_ASSERT_EQUAL_FATAL(l.n, 4);
    CU_ASSERT_STRING_EQUAL(l.names[0], "l/a");
    CU_ASSERT_STRING_EQUAL(l.names[1], "l/b");
    CU_ASSERT_STRING_EQUAL(l.names[2], "l/c.txt");
    CU_ASSERT_STRING_EQUAL(l.names[3], "l/c/d");
    CU_ASSERT_EQUAL(l.sizes[3], 5);
    /* a prefix that is not a directory */
    CU_ASSERT_EQUAL(list_of(c, "l", &l), 0);
    CU_ASSERT_EQUAL(l.n, 5);
    CU_ASSERT_STRING_EQUAL(l.names[4], "l2");
    CU_ASSERT_EQUAL(list_of(c, "l/c", &l), 0);
    CU_ASSERT_EQUAL(l.n, 2);
    CU_ASSERT_EQUAL(list_of(c, "nothing/here", &l), 0);
    CU_ASSERT_EQUAL(l.n, 0);
    /* everything, in order */
    CU_ASSERT_EQUAL(list_of(c, "", &l), 0);
    CU_ASSERT(l.n >= 6);
    for (uint32_t i = 1; i < l.n && i < 64; i++) {
        CU_ASSERT(strcmp(l.names[i - 1], l.names[i]) < 0);
    }
    CU_ASSERT(listed(&l, "m/x"));
    /* the callback's non-zero return stops the walk and is returned */
    l.stop_after = 2;
    CU_ASSERT_EQUAL(list_of(c, "l/", &l), 7);
    CU_ASSERT_EQUAL(l.n, 2);
}

static void test_stat(void)
{
    conf_ctx_t *c = conf_current();
    helios_tier_stat_t st;
    struct timeval before, after;
    gettimeofday(&before, NULL);
    CU_ASSERT_EQUAL_FATAL(put_text(c, "st/file", "12345"), 0);
    gettimeofday(&after, NULL);
    CU_ASSERT_EQUAL(stat_of(c, "st/file", &st), 0);
    CU_ASSERT_EQUAL(st.size_bytes, 5);
    int64_t lo = (int64_t)before.tv_sec * 1000000 + before.tv_usec - 2000000;
    int64_t hi = (int64_t)after.tv_sec * 1000000 + after.tv_usec + 2000000;
    CU_ASSERT(st.mtime_us >= lo && st.mtime_us <= hi);
}

typedef struct put_worker {
    const conf_ctx_t *c;
    int id;
    int failures;
} put_worker_t;

/* Each thread owns its files; all threads also replace one shared name, whose content must
   always be one whole version. */
static void *put_worker(void *arg)
{
    put_worker_t *w = arg;
    char name[64], text[64], buf[128];
    for (int i = 0; i < 30; i++) {
        helios_err_t err = HELIOS_ERR_INIT;
        snprintf(name, sizeof(name), "conc/%d/%03d", w->id, i);
        snprintf(text, sizeof(text), "thread %d item %d", w->id, i);
        if (put_text(w->c, name, text) != 0 || get_text(w->c, name, buf, sizeof(buf)) != 0 ||
            strcmp(buf, text) != 0) {
            w->failures++;
        }
        snprintf(text, sizeof(text), "version-%d-%03d-end", w->id, i);
        if (put_text(w->c, "conc/shared", text) != 0) {
            w->failures++;
        }
        int32_t rc = get_text(w->c, "conc/shared", buf, sizeof(buf));
        if (rc != 0 || strncmp(buf, "version-", 8) != 0 || strlen(buf) != 17 ||
            strcmp(buf + 14, "end") != 0) {
            w->failures++;
        }
        if (i % 3 == 0 && vt_of(w->c)->remove(w->c->inst, name, &err) != 0) {
            w->failures++;
        }
    }
    return NULL;
}

static void test_concurrent_use(void)
{
    conf_ctx_t *c = conf_current();
    pthread_t t[4];
    put_worker_t w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (put_worker_t){c, i, 0};
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, put_worker, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CU_ASSERT_EQUAL(w[i].failures, 0);
    }
    listing_t l = {0}; /* list_of keeps the caller's stop_after */
    CU_ASSERT_EQUAL(list_of(c, "conc/0/", &l), 0);
    CU_ASSERT_EQUAL(l.n, 20);
}

static void test_fail_writes(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    helios_tier_stat_t st;
    int32_t code = HELIOS_ERR_DISK_FULL;
    if ((vt_of(c)->caps & HELIOS_TIER_CAP_LOCAL) == 0) {
        CU_PASS("not a local tier");
        return;
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(vt_of(c)->control);
    int32_t rc = vt_of(c)->control(c->inst, HELIOS_TIER_CTL_FAIL_WRITES, &code, &err);
    CU_ASSERT_EQUAL_FATAL(rc, 0); /* local tiers implement it (helios/storage.h) */
    CU_ASSERT_EQUAL(vt_of(c)->put(c->inst, "fw/file", "x", 1, &err), HELIOS_ERR_DISK_FULL);
    CU_ASSERT_EQUAL(stat_of(c, "fw/file", &st), HELIOS_ERR_UNDEFINED_FILE);
    code = 0;
    CU_ASSERT_EQUAL(vt_of(c)->control(c->inst, HELIOS_TIER_CTL_FAIL_WRITES, &code, &err), 0);
    CU_ASSERT_EQUAL(put_text(c, "fw/file", "x"), 0);
    CU_ASSERT_EQUAL(vt_of(c)->control(c->inst, 0x7fffffffu, NULL, &err), HELIOS_DECLINED);
}

static void test_no_leaks(void)
{
    conf_ctx_t *c = conf_current();
    tier_stop(c, c->inst);
    vt_of(c)->destroy(c->inst);
    c->inst = NULL;
    CU_ASSERT(conf_fini_and_check_leaks(c));
}

int helios_conformance_storage_register(const char *so_path, const char *const *config_overrides)
{
    conf_ctx_t *c = NULL;
    int rc = conf_register(HELIOS_KIND_STORAGE, "storage", so_path, config_overrides,
                           storage_suite_init, storage_suite_cleanup, &c);
    if (rc != CUE_SUCCESS) {
        return rc;
    }
    static const struct {
        const char *name;
        CU_TestFunc fn;
    } tests[] = {
        {"descriptor and vtable", test_descriptor},
        {"lifecycle: destroy without start, stop twice", test_lifecycle},
        {"allocation failure at every point is 53200 and leaks nothing", test_allocation_failure},
        {"put, get, ranged get, short read at EOF", test_put_get},
        {"put replaces; empty files", test_put_replaces_and_empty},
        {"nested names create parent directories", test_nested_names},
        {"8 MiB file: get and reader ranges", test_large_file_and_reader},
        {"one reader shared by 4 threads", test_reader_shared_by_threads},
        {"missing file: 58P01 naming it; remove is a no-op", test_missing_file},
        {"ATOMIC writer: invisible until commit, discard leaves nothing", test_atomic_writer},
        {"APPEND writer: visible as written, reopen appends", test_append_writer},
        {"OVERWRITE writer, prealloc, rename (ABI 1.2)", test_overwrite_writer},
        {"truncate", test_truncate},
        {"remove", test_remove},
        {"list: full-name order, prefixes, early stop", test_list},
        {"stat: size and wall-clock mtime", test_stat},
        {"4 threads put/get/remove; atomic replace under contention", test_concurrent_use},
        {"control FAIL_WRITES (local tiers)", test_fail_writes},
        {"stop + destroy + fini: no leaks", test_no_leaks},
    };
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        if (CU_add_test(c->suite, tests[i].name, tests[i].fn) == NULL) {
            return CU_get_error();
        }
    }
    return CUE_SUCCESS;
}
