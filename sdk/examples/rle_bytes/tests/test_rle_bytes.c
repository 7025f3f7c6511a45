/*
 * test_rle_bytes.c -- the example's unit test: the SDK's codec conformance suite on the built
 * rle_bytes.so (at the default config and at min_run=8), then the codec's own cases through the
 * fake host. argv[1]: the path of rle_bytes.so (helios_add_plugin_test passes it).
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "helios/codec.h"
#include "helios/conformance.h"
#include "helios/testing.h"

static const char *so_path;

/* Load the plugin, build its config from the schema (+ overrides), init, create. */
typedef struct fixture {
    const helios_plugin_t *desc;
    const helios_codec_vtable_t *vt;
    helios_host_t *host;
    void *config;
    void *lib;
    void *inst;
} fixture_t;

static int fixture_open(fixture_t *f, const char *const *overrides)
{
    helios_err_t err = HELIOS_ERR_INIT;
    memset(f, 0, sizeof(*f));
    if (helios_test_load_plugin(so_path, &f->desc, &err) != 0 ||
        helios_test_plugin_config(f->desc, overrides, &f->config, &err) != 0) {
        return -1;
    }
    f->vt = f->desc->vtable;
    f->host = helios_test_host_new(f->desc->name, NULL, f->config);
    if (helios_test_plugin_init(f->desc, f->host, f->config, &f->lib, &err) != 0 ||
        f->vt->create(f->lib, f->config, &f->inst, &err) != 0) {
        return -1;
    }
    return 0;
}

/* Destroy, fini, and return how many allocations the plugin left behind. */
static uint64_t fixture_close(fixture_t *f)
{
    f->vt->destroy(f->inst);
    f->desc->fini(f->lib);
    uint64_t live = helios_test_host_live_allocs(f->host);
    helios_test_host_free(f->host);
    helios_test_plugin_config_free(f->config);
    return live;
}

static void test_descriptor(void)
{
    fixture_t f;
    CU_ASSERT_EQUAL_FATAL(fixture_open(&f, NULL), 0);
    CU_ASSERT_STRING_EQUAL(f.desc->name, "rle_bytes");
    CU_ASSERT(f.vt->codec_id >= HELIOS_CODEC_ID_USER_MIN);
    CU_ASSERT_EQUAL(f.vt->format_version, 1);
    CU_ASSERT_EQUAL(fixture_close(&f), 0);
}

/* The on-disk format is pinned: these bytes must decode the same in every later version. */
static void test_golden_block(void)
{
    fixture_t f;
    helios_err_t err = HELIOS_ERR_INIT;
    static const char input[] = "aaaaaaaaaabcd";
    /* hash, run of 10 'a' (128 + 7), literal of 3 (2) "bcd" */
    static const uint8_t golden[] = {0, 0, 0, 0, 135, 'a', 2, 'b', 'c', 'd'};
    uint8_t out[64], back[64];
    uint64_t n = 0, m = 0;
    CU_ASSERT_EQUAL_FATAL(fixture_open(&f, NULL), 0);
    CU_ASSERT_EQUAL(f.vt->compress(f.inst, input, 13, out, sizeof(out), &n, &err), 0);
    CU_ASSERT_EQUAL(n, sizeof(golden));
    CU_ASSERT_EQUAL(memcmp(out + 4, golden + 4, sizeof(golden) - 4), 0);
    CU_ASSERT_EQUAL(f.vt->decompress(f.inst, out, n, back, 13, &m, &err), 0);
    CU_ASSERT_EQUAL(m, 13);
    CU_ASSERT_EQUAL(memcmp(back, input, 13), 0);
    CU_ASSERT_EQUAL(fixture_close(&f), 0);
}

static void test_runs_compress(void)
{
    fixture_t f;
    helios_err_t err = HELIOS_ERR_INIT;
    uint8_t src[10000], out[20000];
    uint64_t n = 0;
    for (size_t i = 0; i < sizeof(src); i++) {
        src[i] = (uint8_t)(i / 500); /* 20 runs of 500 */
    }
    CU_ASSERT_EQUAL_FATAL(fixture_open(&f, NULL), 0);
    CU_ASSERT_EQUAL(f.vt->compress(f.inst, src, sizeof(src), out, sizeof(out), &n, &err), 0);
    CU_ASSERT(n < 200); /* 500 = 3 runs of 130 + 1 of 110: 8 bytes per 500 */
    CU_ASSERT_EQUAL(fixture_close(&f), 0);
}

static void test_min_run_config(void)
{
    fixture_t f3, f8;
    helios_err_t err = HELIOS_ERR_INIT;
    static const char input[] = "xxxxxyzzzzzzzzzz"; /* runs of 5 and 10 */
    uint8_t out[64];
    uint64_t n3 = 0, n8 = 0;
    const char *const eight[] = {"min_run=8", NULL};
    CU_ASSERT_EQUAL_FATAL(fixture_open(&f3, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(fixture_open(&f8, eight), 0);
    CU_ASSERT_EQUAL(f3.vt->compress(f3.inst, input, 16, out, sizeof(out), &n3, &err), 0);
    CU_ASSERT_EQUAL(f8.vt->compress(f8.inst, input, 16, out, sizeof(out), &n8, &err), 0);
    CU_ASSERT_EQUAL(n3, 4 + 2 + 2 + 2); /* run x5, literal "y", run z10 */
    CU_ASSERT_EQUAL(n8, 4 + 1 + 6 + 2); /* literal "xxxxxy", run z10 */
    CU_ASSERT_EQUAL(fixture_close(&f3), 0);
    CU_ASSERT_EQUAL(fixture_close(&f8), 0);
    /* out of range values are config errors, before any plugin code runs */
    const char *const bad[] = {"min_run=2", NULL};
    CU_ASSERT_NOT_EQUAL(fixture_open(&f3, bad), 0);
    helios_test_host_free(f3.host);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        return 2;
    }
    so_path = argv[1];
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    /* The contract every codec must meet, run on the built .so. */
    helios_conformance_codec_register(so_path, NULL);
    const char *const eight[] = {"min_run=8", NULL};
    helios_conformance_codec_register(so_path, eight);
    /* This codec's own behaviour. */
    CU_pSuite s = CU_add_suite("rle_bytes", NULL, NULL);
    CU_add_test(s, "descriptor: name, user codec id, format 1", test_descriptor);
    CU_add_test(s, "golden block: the on-disk format is pinned", test_golden_block);
    CU_add_test(s, "runs compress", test_runs_compress);
    CU_add_test(s, "min_run from config", test_min_run_config);
    return helios_test_run_cunit();
}
