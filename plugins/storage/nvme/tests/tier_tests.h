/*
 * tier_tests.h -- CUnit tests shared by the nvme and sata tiers (both run localtier.c).
 * The including file defines TIER_NAME ("nvme") and TIER_SO (path of the built .so) and
 * TIER_LATENCY (the expected latency class).
 */
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helios/conformance.h"
#include "helios/storage.h"
#include "helios/testing.h"

static const helios_plugin_t *desc;
static const helios_storage_vtable_t *vt;
static helios_host_t *host;
static void *lib;
static void *cfg;
static void *inst;
static char root[256];

static void rm_rf(const char *path)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void open_tier(const char *const *overrides)
{
    helios_err_t err = HELIOS_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(helios_test_plugin_config(desc, overrides, &cfg, &err), 0);
    host = helios_test_host_new(TIER_NAME, "/tmp", cfg);
    CU_ASSERT_EQUAL_FATAL(desc->init(host, cfg, &lib, &err), 0);
    helios_tier_options_t o = {.size = sizeof(o), .root = root, .name = "hot"};
    CU_ASSERT_EQUAL_FATAL(vt->create(lib, cfg, &o, &inst, &err), 0);
    CU_ASSERT_EQUAL_FATAL(vt->start(inst, &err), 0);
}

static void close_tier(void)
{
    vt->stop(inst);
    vt->destroy(inst);
    desc->fini(lib);
    CU_ASSERT_EQUAL(helios_test_host_live_allocs(host), 0);
    helios_test_host_free(host);
    helios_test_plugin_config_free(cfg);
    inst = NULL;
}

static int suite_init(void)
{
    helios_err_t err = HELIOS_ERR_INIT;
    if (helios_test_load_plugin(TIER_SO, &desc, &err) != 0) {
        fprintf(stderr, "load %s: %s\n", TIER_SO, err.message);
        return 1;
    }
    vt = desc->vtable;
    snprintf(root, sizeof(root), "/tmp/helios-tier-%s-%d", TIER_NAME, (int)getpid());
    return 0;
}

static int suite_clean(void)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s.alt'", root, root);
    return system(cmd) == 0 ? 0 : 1;
}

static void test_descriptor(void)
{
    CU_ASSERT_STRING_EQUAL(desc->name, TIER_NAME);
    CU_ASSERT_EQUAL(desc->kind, HELIOS_KIND_STORAGE);
    CU_ASSERT_EQUAL(vt->size, sizeof(helios_storage_vtable_t));
    CU_ASSERT_EQUAL(vt->latency_class, TIER_LATENCY);
    CU_ASSERT(vt->caps & HELIOS_TIER_CAP_APPEND);
    CU_ASSERT(HELIOS_VT_HAS(helios_storage_vtable_t, vt, control));
}

static void test_put_get(void)
{
    rm_rf(root);
    open_tier(NULL);
    helios_err_t err = HELIOS_ERR_INIT;
    const char *data = "hello, tier";
    CU_ASSERT_EQUAL(vt->put(inst, "a/b/c.dat", data, strlen(data), &err), 0);
    char buf[64] = {0};
    uint64_t n = 0;
    CU_ASSERT_EQUAL(vt->get(inst, "a/b/c.dat", 0, sizeof(buf), buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, strlen(data));
    CU_ASSERT_NSTRING_EQUAL(buf, data, strlen(data));
    /* ranged, and short at EOF */
    CU_ASSERT_EQUAL(vt->get(inst, "a/b/c.dat", 7, 3, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_NSTRING_EQUAL(buf, "tie", 3);
    CU_ASSERT_EQUAL(vt->get(inst, "a/b/c.dat", 9, 100, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(vt->get(inst, "a/b/c.dat", 100, 10, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 0);
    /* replace */
    CU_ASSERT_EQUAL(vt->put(inst, "a/b/c.dat", "xy", 2, &err), 0);
    CU_ASSERT_EQUAL(vt->get(inst, "a/b/c.dat", 0, sizeof(buf), buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 2);
    /* missing file: 58P01 naming the file */
    CU_ASSERT_EQUAL(vt->get(inst, "nope.dat", 0, 4, buf, &n, &err), HELIOS_ERR_UNDEFINED_FILE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "\"nope.dat\""));
    /* empty file */
    CU_ASSERT_EQUAL(vt->put(inst, "empty", "", 0, &err), 0);
    helios_tier_stat_t st;
    CU_ASSERT_EQUAL(vt->stat(inst, "empty", &st, &err), 0);
    CU_ASSERT_EQUAL(st.size_bytes, 0);
    close_tier();
}

static void test_bad_names(void)
{
    rm_rf(root);
    open_tier(NULL);
    helios_err_t err = HELIOS_ERR_INIT;
    const char *bad[] = {"", "/abs", "a/../b", "..", "a//b", "./x", "a/"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CU_ASSERT_EQUAL(vt->put(inst, bad[i], "x", 1, &err), HELIOS_ERR_INVALID_PARAMETER_VALUE);
    }
    close_tier();
}

static void test_reader(void)
{
    rm_rf(root);
    open_tier(NULL);
    helios_err_t err = HELIOS_ERR_INIT;
    char data[10000];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (char)(i * 7);
    }
    CU_ASSERT_EQUAL(vt->put(inst, "r.bin", data, sizeof(data), &err), 0);
    helios_tier_reader_t *r = NULL;
    uint64_t size = 0;
    CU_ASSERT_EQUAL_FATAL(vt->ropen(inst, "r.bin", &r, &size, &err), 0);
    CU_ASSERT_EQUAL(size, sizeof(data));
    char buf[100];
    uint64_t n = 0;
    CU_ASSERT_EQUAL(vt->read(r, 5000, 100, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 100);
    CU_ASSERT_EQUAL(memcmp(buf, data + 5000, 100), 0);
    CU_ASSERT_EQUAL(vt->read(r, 9950, 100, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 50);
    vt->rclose(r);
    CU_ASSERT_EQUAL(vt->ropen(inst, "missing.bin", &r, &size, &err), HELIOS_ERR_UNDEFINED_FILE);
    close_tier();
}

static void test_atomic_writer(void)
{
    rm_rf(root);
    open_tier(NULL);
    helios_err_t err = HELIOS_ERR_INIT;
    helios_tier_writer_t *w = NULL;
    helios_tier_stat_t st;
    CU_ASSERT_EQUAL(vt->put(inst, "f.sst", "old", 3, &err), 0);
    CU_ASSERT_EQUAL_FATAL(vt->wopen(inst, "f.sst", HELIOS_TIER_W_ATOMIC, &w, &err), 0);
    CU_ASSERT_EQUAL(vt->append(w, "new-", 4, &err), 0);
    CU_ASSERT_EQUAL(vt->append(w, "data", 4, &err), 0);
    /* not visible before commit */
    CU_ASSERT_EQUAL(vt->stat(inst, "f.sst", &st, &err), 0);
    CU_ASSERT_EQUAL(st.size_bytes, 3);
    CU_ASSERT_EQUAL(vt->wclose(w, 1, &err), 0);
    CU_ASSERT_EQUAL(vt->stat(inst, "f.sst", &st, &err), 0);
    CU_ASSERT_EQUAL(st.size_bytes, 8);
    /* discard leaves the old file and no temporary */
    CU_ASSERT_EQUAL_FATAL(vt->wopen(inst, "f.sst", HELIOS_TIER_W_ATOMIC, &w, &err), 0);
    CU_ASSERT_EQUAL(vt->append(w, "zz", 2, &err), 0);
    CU_ASSERT_EQUAL(vt->wclose(w, 0, &err), 0);
    CU_ASSERT_EQUAL(vt->stat(inst, "f.sst", &st, &err), 0);
    CU_ASSERT_EQUAL(st.size_bytes, 8);
    DIR *d = opendir(root);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct dirent *de;
    int n_files = 0;
    while ((de = readdir(d)) != NULL) {
        if (strstr(de->d_name, ".tmp.") != NULL) {
            n_files += 100;
        } else if (de->d_name[0] != '.') {
            n_files++;
        }
    }
    closedir(d);
    CU_ASSERT_EQUAL(n_files, 1);
    /* both or neither flag is refused */
    CU_ASSERT_EQUAL(vt->wopen(inst, "g", 0, &w, &err), HELIOS_ERR_INVALID_PARAMETER_VALUE);
    close_tier();
}

static void test_append_writer(void)
{
    rm_rf(root);
    open_tier(NULL);
    helios_err_t err = HELIOS_ERR_INIT;
    helios_tier_writer_t *w = NULL;
    CU_ASSERT_EQUAL_FATAL(vt->wopen(inst, "wal/000001.log", HELIOS_TIER_W_APPEND, &w, &err), 0);
    CU_ASSERT_EQUAL(vt->append(w, "abc", 3, &err), 0);
    CU_ASSERT_EQUAL(vt->wsync(w, &err), 0);
    /* visible as written */
    char buf[16];
    uint64_t n = 0;
    CU_ASSERT_EQUAL(vt->get(inst, "wal/000001.log", 0, 16, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_EQUAL(vt->wclose(w, 1, &err), 0);
    /* reopen appends */
    CU_ASSERT_EQUAL_FATAL(vt->wopen(inst, "wal/000001.log", HELIOS_TIER_W_APPEND, &w, &err), 0);
    CU_ASSERT_EQUAL(vt->append(w, "defg", 4, &err), 0);
    CU_ASSERT_EQUAL(vt->wclose(w, 1, &err), 0);
    CU_ASSERT_EQUAL(vt->get(inst, "wal/000001.log", 0, 16, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 7);
    CU_ASSERT_NSTRING_EQUAL(buf, "abcdefg", 7);
    /* truncate (torn tail) */
    CU_ASSERT_EQUAL(vt->truncate(inst, "wal/000001.log", 5, &err), 0);
    helios_tier_stat_t st;
    CU_ASSERT_EQUAL(vt->stat(inst, "wal/000001.log", &st, &err), 0);
    CU_ASSERT_EQUAL(st.size_bytes, 5);
    CU_ASSERT(st.mtime_us > 0);
    CU_ASSERT_EQUAL(vt->truncate(inst, "wal/none.log", 0, &err), HELIOS_ERR_UNDEFINED_FILE);
    /* remove, twice */
    CU_ASSERT_EQUAL(vt->remove(inst, "wal/000001.log", &err), 0);
    CU_ASSERT_EQUAL(vt->remove(inst, "wal/000001.log", &err), 0);
    CU_ASSERT_EQUAL(vt->stat(inst, "wal/000001.log", &st, &err), HELIOS_ERR_UNDEFINED_FILE);
    close_tier();
}

typedef struct listed {
    char names[16][64];
    int n;
    int stop_after;
} listed_t;

static int32_t list_cb(const char *name, const helios_tier_stat_t *st, void *arg)
{
    listed_t *l = arg;
    if (l->n < 16) {
        snprintf(l->names[l->n], 64, "%s:%llu", name, (unsigned long long)st->size_bytes);
    }
    l->n++;
    return l->stop_after != 0 && l->n >= l->stop_after ? 7 : 0;
}

static void test_list(void)
{
    rm_rf(root);
    open_tier(NULL);
    helios_err_t err = HELIOS_ERR_INIT;
    const char *names[] = {"sst/t2/000010.sst", "sst/t1/000003.sst", "wal/000002.log",
                           "MANIFEST",          "sst/t1/000001.sst", "sst/t10/000004.sst"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        CU_ASSERT_EQUAL(vt->put(inst, names[i], names[i], i, &err), 0);
    }
    helios_tier_writer_t *w = NULL; /* an open temporary is never listed */
    CU_ASSERT_EQUAL(vt->wopen(inst, "sst/t1/000009.sst", HELIOS_TIER_W_ATOMIC, &w, &err), 0);
    listed_t l = {0};
    CU_ASSERT_EQUAL(vt->list(inst, "", list_cb, &l, &err), 0);
    CU_ASSERT_EQUAL_FATAL(l.n, 6);
    CU_ASSERT_STRING_EQUAL(l.names[0], "MANIFEST:3");
    CU_ASSERT_STRING_EQUAL(l.names[1], "sst/t1/000001.sst:4");
    CU_ASSERT_STRING_EQUAL(l.names[2], "sst/t1/000003.sst:1");
    CU_ASSERT_STRING_EQUAL(l.names[3], "sst/t10/000004.sst:5");
    CU_ASSERT_STRING_EQUAL(l.names[4], "sst/t2/000010.sst:0");
    CU_ASSERT_STRING_EQUAL(l.names[5], "wal/000002.log:2");
    memset(&l, 0, sizeof(l));
    CU_ASSERT_EQUAL(vt->list(inst, "sst/t1/", list_cb, &l, &err), 0);
    CU_ASSERT_EQUAL(l.n, 2);
    memset(&l, 0, sizeof(l));
    CU_ASSERT_EQUAL(vt->list(inst, "sst/t1", list_cb, &l, &err), 0);
    CU_ASSERT_EQUAL(l.n, 3);
    memset(&l, 0, sizeof(l));
    CU_ASSERT_EQUAL(vt->list(inst, "nothing/", list_cb, &l, &err), 0);
    CU_ASSERT_EQUAL(l.n, 0);
    memset(&l, 0, sizeof(l));
    l.stop_after = 2;
    CU_ASSERT_EQUAL(vt->list(inst, "", list_cb, &l, &err), 7);
    CU_ASSERT_EQUAL(l.n, 2);
    CU_ASSERT_EQUAL(vt->wclose(w, 0, &err), 0);
    close_tier();
}

static void test_fail_writes(void)
{
    rm_rf(root);
    open_tier(NULL);
    helios_err_t err = HELIOS_ERR_INIT;
    helios_tier_writer_t *w = NULL;
    CU_ASSERT_EQUAL(vt->put(inst, "keep", "data", 4, &err), 0);
    CU_ASSERT_EQUAL_FATAL(vt->wopen(inst, "log", HELIOS_TIER_W_APPEND, &w, &err), 0);
    int32_t st = HELIOS_ERR_DISK_FULL;
    CU_ASSERT_EQUAL(vt->control(inst, HELIOS_TIER_CTL_FAIL_WRITES, &st, &err), 0);
    CU_ASSERT_EQUAL(vt->put(inst, "keep", "other", 5, &err), HELIOS_ERR_DISK_FULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "\"keep\""));
    CU_ASSERT_EQUAL(vt->append(w, "x", 1, &err), HELIOS_ERR_DISK_FULL);
    CU_ASSERT_EQUAL(vt->wsync(w, &err), HELIOS_ERR_DISK_FULL);
    helios_tier_writer_t *w2 = NULL;
    CU_ASSERT_EQUAL(vt->wopen(inst, "new", HELIOS_TIER_W_ATOMIC, &w2, &err), HELIOS_ERR_DISK_FULL);
    /* reads still work, and the old contents are intact */
    char buf[8];
    uint64_t n = 0;
    CU_ASSERT_EQUAL(vt->get(inst, "keep", 0, 8, buf, &n, &err), 0);
    CU_ASSERT_EQUAL(n, 4);
    st = HELIOS_ERR_IO_ERROR;
    CU_ASSERT_EQUAL(vt->control(inst, HELIOS_TIER_CTL_FAIL_WRITES, &st, &err), 0);
    CU_ASSERT_EQUAL(vt->put(inst, "keep", "other", 5, &err), HELIOS_ERR_IO_ERROR);
    st = 0;
    CU_ASSERT_EQUAL(vt->control(inst, HELIOS_TIER_CTL_FAIL_WRITES, &st, &err), 0);
    CU_ASSERT_EQUAL(vt->append(w, "x", 1, &err), 0);
    CU_ASSERT_EQUAL(vt->wclose(w, 1, &err), 0);
    CU_ASSERT_EQUAL(vt->put(inst, "keep", "other", 5, &err), 0);
    CU_ASSERT_EQUAL(vt->control(inst, 999, NULL, &err), HELIOS_DECLINED);
    close_tier();
}

static void test_path_override(void)
{
    char alt[300];
    snprintf(alt, sizeof(alt), "path=%s.alt", root);
    const char *ov[] = {alt, NULL};
    rm_rf(root);
    open_tier(ov);
    helios_err_t err = HELIOS_ERR_INIT;
    CU_ASSERT_EQUAL(vt->put(inst, "x/y", "1", 1, &err), 0);
    close_tier();
    char p[400];
    struct stat st;
    snprintf(p, sizeof(p), "%s.alt/x/y", root);
    CU_ASSERT_EQUAL(stat(p, &st), 0);
    snprintf(p, sizeof(p), "%s/x/y", root);
    CU_ASSERT_NOT_EQUAL(stat(p, &st), 0);
}

static void test_sweep_stale_temporaries(void)
{
    rm_rf(root);
    char p[1200];
    snprintf(p, sizeof(p),
             "mkdir -p '%s/sst/1' && touch '%s/sst/1/.000007.sst.tmp.999999999.3' "
             "'%s/sst/1/.000008.sst.tmp.%d.1'",
             root, root, root, (int)getpid());
    CU_ASSERT_EQUAL_FATAL(system(p), 0);
    open_tier(NULL);
    struct stat st;
    snprintf(p, sizeof(p), "%s/sst/1/.000007.sst.tmp.999999999.3", root);
    CU_ASSERT_NOT_EQUAL(stat(p, &st), 0); /* its process is gone */
    snprintf(p, sizeof(p), "%s/sst/1/.000008.sst.tmp.%d.1", root, (int)getpid());
    CU_ASSERT_EQUAL(stat(p, &st), 0); /* ours: maybe another instance is writing it */
    close_tier();
}

static void test_start_on_file(void)
{
    rm_rf(root);
    FILE *f = fopen(root, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    helios_err_t err = HELIOS_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(helios_test_plugin_config(desc, NULL, &cfg, &err), 0);
    host = helios_test_host_new(TIER_NAME, "/tmp", cfg);
    CU_ASSERT_EQUAL_FATAL(desc->init(host, cfg, &lib, &err), 0);
    helios_tier_options_t o = {.size = sizeof(o), .root = root, .name = "hot"};
    CU_ASSERT_EQUAL_FATAL(vt->create(lib, cfg, &o, &inst, &err), 0);
    CU_ASSERT_NOT_EQUAL(vt->start(inst, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, root));
    close_tier();
    unlink(root);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    /* the SDK's contract for every storage tier, then this tier's own cases */
    helios_conformance_storage_register(TIER_SO, NULL);
    const char *nosync[] = {"fsync=false", NULL};
    helios_conformance_storage_register(TIER_SO, nosync);
    CU_pSuite s = CU_add_suite(TIER_NAME, suite_init, suite_clean);
    CU_add_test(s, "descriptor", test_descriptor);
    CU_add_test(s, "put_get", test_put_get);
    CU_add_test(s, "bad_names", test_bad_names);
    CU_add_test(s, "reader", test_reader);
    CU_add_test(s, "atomic_writer", test_atomic_writer);
    CU_add_test(s, "append_writer", test_append_writer);
    CU_add_test(s, "list", test_list);
    CU_add_test(s, "fail_writes", test_fail_writes);
    CU_add_test(s, "path_override", test_path_override);
    CU_add_test(s, "sweep_stale_temporaries", test_sweep_stale_temporaries);
    CU_add_test(s, "start_on_file", test_start_on_file);
    return helios_test_run_cunit();
}
