/*
 * tests/loader/test_loader.c -- the kernel's plugin loader: a good plugin is accepted, its
 * config defaults parsed and its init run; each broken plugin is refused with its exact
 * one-line message; a directory scan records every refusal and keeps going.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/host.h"
#include "core/registry.h"
#include "helios/sqlstate.h"

#define BROKEN HELIOS_BROKEN_PLUGIN_DIR
#define GOOD HELIOS_TEST_PLUGIN_DIR

typedef struct good_config {
    int64_t level;
    int64_t cache_size;
    int64_t flush_every;
    uint32_t verify;
    uint32_t mode;
    char *label;
} good_config_t;

static char expect_buf[1024];

static const char *expect(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *expect(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(expect_buf, sizeof(expect_buf), fmt, ap);
    va_end(ap);
    return expect_buf;
}

/* Load BROKEN/<file> and check it is refused with exactly `want`. */
static void refused(const char *file, const char *want)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", BROKEN, file);
    helios_err_t err = HELIOS_ERR_INIT;
    helios_plugin_rt_t *p = NULL;
    int32_t rc = helios_registry_load_file(path, &p, &err);
    CU_ASSERT_EQUAL(rc, HELIOS_ERR_PLUGIN_REFUSED);
    CU_ASSERT_PTR_NULL(p);
    char full[1200];
    snprintf(full, sizeof(full), "plugin refused: %s: %s", path, want);
    if (strcmp(err.message, full) != 0) {
        fprintf(stderr, "\n  got:  %s\n  want: %s\n", err.message, full);
    }
    CU_ASSERT_STRING_EQUAL(err.message, full);
}

static void test_good(void)
{
    helios_err_t err = HELIOS_ERR_INIT;
    helios_plugin_rt_t *p = NULL;
    CU_ASSERT_EQUAL_FATAL(helios_registry_load_file(GOOD "/good.so", &p, &err), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(p->kind, HELIOS_KIND_CODEC);
    CU_ASSERT_STRING_EQUAL(p->name, "good");
    CU_ASSERT_PTR_EQUAL(helios_registry_find(HELIOS_KIND_CODEC, "good"), p);
    CU_ASSERT_PTR_NULL(helios_registry_find(HELIOS_KIND_STORAGE, "good"));
    CU_ASSERT_PTR_NULL(hk_storage(p));
    const helios_codec_vtable_t *vt = hk_codec(p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vt);
    CU_ASSERT_EQUAL(vt->size, sizeof(helios_codec_vtable_t));
    CU_ASSERT_PTR_NULL(vt->encode); /* zero-filled copy: missing members read NULL */
    CU_ASSERT_EQUAL(helios_registry_codec_by_id(4001), p);
    CU_ASSERT_EQUAL(p->host.size, sizeof(helios_host_t));
    CU_ASSERT_STRING_EQUAL(p->host.plugin_name, "good");

    CU_ASSERT_EQUAL(helios_registry_init_all(0, &err), 0);
    CU_ASSERT_TRUE_FATAL(p->inited);
    const good_config_t *c = p->config;
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->level, 3);
    CU_ASSERT_EQUAL(c->cache_size, 4 * 1024 * 1024);
    CU_ASSERT_EQUAL(c->flush_every, 250);
    CU_ASSERT_EQUAL(c->verify, 0);
    CU_ASSERT_EQUAL(c->mode, 2);
    CU_ASSERT_PTR_NULL(c->label);
    /* init allocated its library state through the host: counted per plugin */
    CU_ASSERT_EQUAL(p->alloc_count, 1);
    CU_ASSERT_TRUE(p->alloc_bytes > 0);

    void *inst = NULL;
    CU_ASSERT_EQUAL(hk_codec_create(p, &inst, &err), 0);
    char out[8];
    uint64_t n = 0;
    CU_ASSERT_EQUAL(vt->compress(inst, "abc", 3, out, sizeof(out), &n, &err), 0);
    CU_ASSERT_EQUAL(n, 3);
    vt->destroy(inst);
}

static int metric_seen;
static void metric_cb(const helios_metric_view_t *m, void *arg)
{
    (void)arg;
    if (strcmp(m->name, "good_calls") == 0) {
        metric_seen = (int)m->value;
    }
}

static void test_metrics(void)
{
    helios_metrics_foreach(metric_cb, NULL);
    CU_ASSERT_EQUAL(metric_seen, 1);
}

static void test_refusals(void)
{
    refused("bad_magic.so", "wrong magic 0x0123456789abcdef, kernel expects 0x4c50534f494c4548");
    refused("small_descriptor.so", expect("descriptor size 16, kernel needs at least %zu (ABI 1.0)",
                                          sizeof(helios_plugin_t)));
    refused("abi_major.so", "ABI major version 2, kernel has 1");
    refused("abi_minor.so",
            "plugin \"broken_abi_minor\": ABI version 1.9 is newer than the kernel's 1.2");
    refused("bad_sig.so", "plugin \"broken_bad_sig\": build signature differs: vendor \"acme\", "
                          "kernel has \"heliosdb\"");
    refused("bad_off_t.so", expect("plugin \"broken_bad_off_t\": build signature differs: off_t "
                                   "size 4, kernel has %zu",
                                   sizeof(off_t)));
    refused("unknown_kind.so", "plugin \"broken_unknown_kind\": unknown kind 9, kernel knows 1..5 "
                               "(protocol, storage, codec, consensus, placement)");
    refused("bad_name.so", "plugin \"Bad-Name\": invalid name \"Bad-Name\", kernel accepts "
                           "[a-z0-9_]{1,63}");
    refused("duplicate.so", "plugin \"good\": duplicate name, a codec plugin \"good\" is already "
                            "loaded from " GOOD "/good.so");
    refused("small_vtable.so",
            expect("plugin \"broken_small_vtable\": codec vtable size 8, kernel needs at least "
                   "%zu (ABI 1.0)",
                   sizeof(helios_codec_vtable_t)));
    refused("null_member.so", "plugin \"broken_null_member\": codec vtable member \"compress\" is "
                              "NULL, kernel requires it for caps BYTES");
    refused("unpaired.so", "plugin \"broken_unpaired\": codec vtable members \"encode\" and "
                           "\"decode\" must be both set or both NULL, \"decode\" is NULL");
    refused("bad_schema.so", "plugin \"broken_bad_schema\": config key \"level\": bad default: "
                             "expected an integer, got \"eleven\"");
    refused("no_symbol.so", "missing symbol \"helios_plugin\", kernel requires it");
    /* none of them entered the registry */
    CU_ASSERT_PTR_NULL(helios_registry_find_name("broken_bad_sig"));
    CU_ASSERT_PTR_EQUAL(helios_registry_first()->next, NULL);
}

static void test_not_an_object(void)
{
    char dir[] = "/tmp/helios-loader-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char path[600];
    snprintf(path, sizeof(path), "%s/garbage.so", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("not an ELF object\n", f);
    fclose(f);
    helios_err_t err = HELIOS_ERR_INIT;
    CU_ASSERT_EQUAL(helios_registry_load_file(path, NULL, &err), HELIOS_ERR_PLUGIN_REFUSED);
    char want[1400];
    snprintf(want, sizeof(want), "plugin refused: %s: dlopen failed: %s: ", path, path);
    CU_ASSERT_EQUAL(strncmp(err.message, want, strlen(want)), 0);
    unlink(path);
    rmdir(dir);
}

static void test_init_fails(void)
{
    helios_err_t err = HELIOS_ERR_INIT;
    helios_plugin_rt_t *p = NULL;
    CU_ASSERT_EQUAL_FATAL(helios_registry_load_file(BROKEN "/init_fails.so", &p, &err), 0);
    CU_ASSERT_EQUAL(helios_registry_init_all(0, &err), 0);
    CU_ASSERT_PTR_NULL(helios_registry_find_name("broken_init_fails"));
    const helios_refusal_t *r = helios_registry_refusal_of("broken_init_fails");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->line, "plugin refused: " BROKEN "/init_fails.so: plugin "
                                    "\"broken_init_fails\": init failed: 22023 no license key "
                                    "configured");
}

static void test_scan(void)
{
    helios_registry_fini();
    const char *dirs[] = {GOOD, BROKEN, "/nonexistent/helios-plugins", NULL};
    helios_err_t err = HELIOS_ERR_INIT;
    CU_ASSERT_EQUAL(helios_registry_scan(dirs, "/tmp", 0, &err), 0);
    size_t loaded = 0, refused_n = 0;
    for (helios_plugin_rt_t *p = helios_registry_first(); p != NULL; p = p->next) {
        loaded++;
        CU_ASSERT_STRING_EQUAL(p->host.data_dir, "/tmp");
    }
    for (helios_refusal_t *r = helios_registry_refusals(); r != NULL; r = r->next) {
        refused_n++;
        CU_ASSERT_PTR_NULL(strchr(r->line, '\n'));
    }
    /* good, echo, greet and init_fails (refused only at init) load; 14 are refused */
    CU_ASSERT_EQUAL(loaded, 4);
    CU_ASSERT_EQUAL(refused_n, 14);
    CU_ASSERT_PTR_NOT_NULL(helios_registry_find(HELIOS_KIND_PROTOCOL, "echo"));
    CU_ASSERT_PTR_NOT_NULL(helios_registry_refusal_of("good")); /* the duplicate */
    /* scanning again loads nothing twice */
    CU_ASSERT_EQUAL(helios_registry_scan(dirs, NULL, 0, &err), 0);
    size_t again = 0;
    for (helios_plugin_rt_t *p = helios_registry_first(); p != NULL; p = p->next) {
        again++;
    }
    CU_ASSERT_EQUAL(again, 4);
    CU_ASSERT_EQUAL(helios_registry_init_all(0, &err), 0);
    helios_plugin_rt_t *echo = helios_registry_find(HELIOS_KIND_PROTOCOL, "echo");
    CU_ASSERT_PTR_NOT_NULL_FATAL(echo);
    CU_ASSERT_EQUAL(echo->alloc_count, 1);
    helios_registry_fini();
    CU_ASSERT_PTR_NULL(helios_registry_first());
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    CU_pSuite s = CU_add_suite("loader", NULL, NULL);
    CU_add_test(s, "good plugin", test_good);
    CU_add_test(s, "metrics", test_metrics);
    CU_add_test(s, "each refusal", test_refusals);
    CU_add_test(s, "not a shared object", test_not_an_object);
    CU_add_test(s, "init fails", test_init_fails);
    CU_add_test(s, "directory scan", test_scan);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed == 0 ? 0 : 1;
}
