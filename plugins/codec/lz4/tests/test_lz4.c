/*
 * test_lz4.c -- the codec conformance suite on lz4.so (fast at the default and at a high
 * acceleration, and LZ4HC), plus lz4's own cases: config schema, HC ratio, interoperability
 * with liblz4's block format. argv[1]: the path of lz4.so.
 */
#include <CUnit/CUnit.h>
#include <lz4.h>
#include <stdlib.h>
#include <string.h>

#include "helios/codec.h"
#include "helios/conformance.h"
#include "helios/testing.h"

typedef struct lz4_config { /* mirrors the plugin's config struct */
    int64_t acceleration;
    int64_t hc;
} lz4_config_t;

static const char *so_path;

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
    f->host = helios_test_host_new("lz4", NULL, f->config);
    if (helios_test_plugin_init(f->desc, f->host, f->config, &f->lib, &err) != 0 ||
        f->vt->create(f->lib, f->config, &f->inst, &err) != 0) {
        return -1;
    }
    return 0;
}

static uint64_t fixture_close(fixture_t *f)
{
    f->vt->destroy(f->inst);
    f->desc->fini(f->lib);
    uint64_t live = helios_test_host_live_allocs(f->host);
    helios_test_host_free(f->host);
    helios_test_plugin_config_free(f->config);
    return live;
}

static uint64_t compress_len(fixture_t *f, const void *src, uint64_t len, void **out)
{
    helios_err_t err = HELIOS_ERR_INIT;
    uint64_t cap = f->vt->bound(f->inst, len), n = 0;
    void *dst = malloc(cap);
    if (dst == NULL || f->vt->compress(f->inst, src, len, dst, cap, &n, &err) != 0) {
        free(dst);
        return 0;
    }
    if (out != NULL) {
        *out = dst;
    } else {
        free(dst);
    }
    return n;
}

static void fill_text(char *buf, size_t len)
{
    static const char words[] = "the quick brown fox jumps over the lazy dog 0123456789 ";
    unsigned x = 1;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (x >> 16) % 7 == 0 ? (char)('a' + (x >> 20) % 26) : words[i % (sizeof(words) - 1)];
    }
}

static void test_schema(void)
{
    const helios_plugin_t *d = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    lz4_config_t *cfg = NULL;
    CU_ASSERT_EQUAL_FATAL(helios_test_load_plugin(so_path, &d, &err), 0);
    CU_ASSERT_STRING_EQUAL(d->name, "lz4");
    CU_ASSERT_EQUAL(((const helios_codec_vtable_t *)d->vtable)->codec_id, HELIOS_CODEC_ID_LZ4);
    CU_ASSERT_EQUAL_FATAL(helios_test_plugin_config(d, NULL, (void **)&cfg, &err), 0);
    CU_ASSERT_EQUAL(cfg->acceleration, 1);
    CU_ASSERT_EQUAL(cfg->hc, 0);
    helios_test_plugin_config_free(cfg);
    const char *const bad_hc[] = {"hc=13", NULL};
    CU_ASSERT_EQUAL(helios_test_plugin_config(d, bad_hc, (void **)&cfg, &err),
                    HELIOS_ERR_INVALID_PARAMETER_VALUE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "plugins.lz4.hc"));
    const char *const bad_acc[] = {"acceleration=0", NULL};
    CU_ASSERT_EQUAL(helios_test_plugin_config(d, bad_acc, (void **)&cfg, &err),
                    HELIOS_ERR_INVALID_PARAMETER_VALUE);
    const char *const typo[] = {"accel=3", NULL};
    CU_ASSERT_EQUAL(helios_test_plugin_config(d, typo, (void **)&cfg, &err),
                    HELIOS_ERR_INVALID_PARAMETER_VALUE);
}

static void test_hc_and_acceleration(void)
{
    const size_t len = 1 << 20;
    char *text = malloc(len);
    fixture_t fast, faster, hc;
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    fill_text(text, len);
    const char *const acc[] = {"acceleration=50", NULL};
    const char *const hc9[] = {"hc=9", NULL};
    CU_ASSERT_EQUAL_FATAL(fixture_open(&fast, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(fixture_open(&faster, acc), 0);
    CU_ASSERT_EQUAL_FATAL(fixture_open(&hc, hc9), 0);
    uint64_t n_fast = compress_len(&fast, text, len, NULL);
    uint64_t n_faster = compress_len(&faster, text, len, NULL);
    uint64_t n_hc = compress_len(&hc, text, len, NULL);
    CU_ASSERT(n_fast > 0 && n_fast < len / 2);
    CU_ASSERT(n_faster >= n_fast);
    CU_ASSERT(n_hc > 0 && n_hc < n_fast);
    CU_ASSERT_EQUAL(fixture_close(&fast), 0);
    CU_ASSERT_EQUAL(fixture_close(&faster), 0);
    CU_ASSERT_EQUAL(fixture_close(&hc), 0);
    free(text);
}

/* Blocks are raw LZ4 blocks: liblz4 reads ours and we read liblz4's. */
static void test_interoperates_with_liblz4(void)
{
    fixture_t f;
    helios_err_t err = HELIOS_ERR_INIT;
    const int len = 100000;
    char *text = malloc(len), *back = malloc(len);
    void *comp = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(back);
    fill_text(text, (size_t)len);
    CU_ASSERT_EQUAL_FATAL(fixture_open(&f, NULL), 0);
    uint64_t n = compress_len(&f, text, (uint64_t)len, &comp);
    CU_ASSERT_FATAL(n > 0);
    CU_ASSERT_EQUAL(LZ4_decompress_safe(comp, back, (int)n, len), len);
    CU_ASSERT_EQUAL(memcmp(text, back, (size_t)len), 0);
    free(comp);

    int cap = LZ4_compressBound(len);
    comp = malloc((size_t)cap);
    int m = LZ4_compress_default(text, comp, len, cap);
    CU_ASSERT_FATAL(m > 0);
    uint64_t got = 0;
    memset(back, 0, (size_t)len);
    CU_ASSERT_EQUAL(f.vt->decompress(f.inst, comp, (uint64_t)m, back, (uint64_t)len, &got, &err),
                    0);
    CU_ASSERT_EQUAL(got, (uint64_t)len);
    CU_ASSERT_EQUAL(memcmp(text, back, (size_t)len), 0);
    free(comp);
    CU_ASSERT_EQUAL(fixture_close(&f), 0);
    free(text);
    free(back);
}

/* The pool hands states back: after many calls the live allocations stay bounded. */
static void test_state_pool_bounded(void)
{
    fixture_t f;
    char text[4096];
    fill_text(text, sizeof(text));
    CU_ASSERT_EQUAL_FATAL(fixture_open(&f, NULL), 0);
    uint64_t base = helios_test_host_live_allocs(f.host);
    for (int i = 0; i < 100; i++) {
        CU_ASSERT(compress_len(&f, text, sizeof(text), NULL) > 0);
    }
    CU_ASSERT(helios_test_host_live_allocs(f.host) <= base + 1);
    CU_ASSERT_EQUAL(fixture_close(&f), 0);
}

static void test_create_validates(void)
{
    fixture_t f;
    helios_err_t err = HELIOS_ERR_INIT;
    void *inst = NULL;
    lz4_config_t bad = {.acceleration = 1, .hc = 99};
    CU_ASSERT_EQUAL_FATAL(fixture_open(&f, NULL), 0);
    CU_ASSERT_EQUAL(f.vt->create(f.lib, &bad, &inst, &err), HELIOS_ERR_INVALID_PARAMETER_VALUE);
    CU_ASSERT_PTR_NULL(inst);
    CU_ASSERT_EQUAL(fixture_close(&f), 0);
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
    helios_conformance_codec_register(so_path, NULL);
    const char *const acc[] = {"acceleration=20", NULL};
    helios_conformance_codec_register(so_path, acc);
    const char *const hc[] = {"hc=4", NULL};
    helios_conformance_codec_register(so_path, hc);
    CU_pSuite s = CU_add_suite("lz4", NULL, NULL);
    CU_add_test(s, "config schema: acceleration 1.., hc 0..12", test_schema);
    CU_add_test(s, "hc compresses smaller; acceleration trades ratio", test_hc_and_acceleration);
    CU_add_test(s, "blocks are raw LZ4 blocks", test_interoperates_with_liblz4);
    CU_add_test(s, "compression states are pooled", test_state_pool_bounded);
    CU_add_test(s, "create validates its config", test_create_validates);
    return helios_test_run_cunit();
}
