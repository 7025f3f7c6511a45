/*
 * test_zstd.c -- the codec conformance suite on zstd.so (default level, level 1, checksums
 * off), plus zstd's own cases: config schema, levels, interoperability with libzstd, frame
 * checks, metrics. argv[1]: the path of zstd.so.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "helios/codec.h"
#include "helios/conformance.h"
#include "helios/testing.h"

typedef struct zstd_config { /* mirrors the plugin's config struct */
    int64_t level;
    uint32_t checksum;
    uint32_t reserved;
} zstd_config_t;

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
    f->host = helios_test_host_new("zstd", NULL, f->config);
    if (helios_test_plugin_init(f->desc, f->host, f->config, &f->lib, &err) != 0 ||
        f->vt->create(f->lib, f->config, &f->inst, &err) != 0) {
        return -1;
    }
    return 0;
}

/* Closes and returns the number of allocations left behind. */
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
    zstd_config_t *cfg = NULL;
    CU_ASSERT_EQUAL_FATAL(helios_test_load_plugin(so_path, &d, &err), 0);
    CU_ASSERT_STRING_EQUAL(d->name, "zstd");
    CU_ASSERT_EQUAL(((const helios_codec_vtable_t *)d->vtable)->codec_id, HELIOS_CODEC_ID_ZSTD);
    CU_ASSERT_EQUAL(d->config_size, sizeof(zstd_config_t));
    CU_ASSERT_EQUAL_FATAL(helios_test_plugin_config(d, NULL, (void **)&cfg, &err), 0);
    CU_ASSERT_EQUAL(cfg->level, 3);
    CU_ASSERT_EQUAL(cfg->checksum, 1);
    helios_test_plugin_config_free(cfg);
    const char *const hi[] = {"level=20", NULL};
    CU_ASSERT_EQUAL(helios_test_plugin_config(d, hi, (void **)&cfg, &err),
                    HELIOS_ERR_INVALID_PARAMETER_VALUE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "plugins.zstd.level"));
    const char *const lo[] = {"level=0", NULL};
    CU_ASSERT_EQUAL(helios_test_plugin_config(d, lo, (void **)&cfg, &err),
                    HELIOS_ERR_INVALID_PARAMETER_VALUE);
}

static void test_levels_change_ratio(void)
{
    const size_t len = 1 << 20;
    char *text = malloc(len);
    fixture_t f1, f19;
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    fill_text(text, len);
    const char *const l1[] = {"level=1", NULL};
    const char *const l19[] = {"level=19", NULL};
    CU_ASSERT_EQUAL_FATAL(fixture_open(&f1, l1), 0);
    CU_ASSERT_EQUAL_FATAL(fixture_open(&f19, l19), 0);
    uint64_t n1 = compress_len(&f1, text, len, NULL);
    uint64_t n19 = compress_len(&f19, text, len, NULL);
    CU_ASSERT(n1 > 0 && n19 > 0);
    CU_ASSERT(n1 < len / 2);
    CU_ASSERT(n19 < n1);
    CU_ASSERT_EQUAL(fixture_close(&f1), 0);
    CU_ASSERT_EQUAL(fixture_close(&f19), 0);
    free(text);
}

/* Blocks are plain zstd frames: libzstd reads ours and we read libzstd's. */
static void test_interoperates_with_libzstd(void)
{
    fixture_t f;
    helios_err_t err = HELIOS_ERR_INIT;
    const size_t len = 100000;
    char *text = malloc(len), *back = malloc(len);
    void *comp = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(back);
    fill_text(text, len);
    CU_ASSERT_EQUAL_FATAL(fixture_open(&f, NULL), 0);
    uint64_t n = compress_len(&f, text, len, &comp);
    CU_ASSERT_FATAL(n > 0);
    CU_ASSERT_EQUAL(ZSTD_getFrameContentSize(comp, n), len);
    CU_ASSERT_EQUAL(ZSTD_decompress(back, len, comp, n), len);
    CU_ASSERT_EQUAL(memcmp(text, back, len), 0);
    free(comp);

    size_t cap = ZSTD_compressBound(len);
    comp = malloc(cap);
    size_t m = ZSTD_compress(comp, cap, text, len, 5);
    CU_ASSERT_FATAL(!ZSTD_isError(m));
    uint64_t got = 0;
    memset(back, 0, len);
    CU_ASSERT_EQUAL(f.vt->decompress(f.inst, comp, m, back, len, &got, &err), 0);
    CU_ASSERT_EQUAL(got, len);
    CU_ASSERT_EQUAL(memcmp(text, back, len), 0);
    free(comp);
    CU_ASSERT_EQUAL(fixture_close(&f), 0);
    free(text);
    free(back);
}

/* Frames without a content size, two concatenated frames, and a checksum mismatch are
   refused before or while decoding. */
static void test_frame_checks(void)
{
    fixture_t f;
    helios_err_t err = HELIOS_ERR_INIT;
    const size_t len = 5000;
    char text[5000], back[10000];
    uint64_t got = 0;
    fill_text(text, len);
    CU_ASSERT_EQUAL_FATAL(fixture_open(&f, NULL), 0);

    ZSTD_CCtx *c = ZSTD_createCCtx();
    size_t cap = ZSTD_compressBound(2 * len);
    char *comp = malloc(2 * cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(comp);
    /* a frame without a content size in its header */
    ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
    ZSTD_inBuffer in = {text, len, 0};
    ZSTD_outBuffer out = {comp, cap, 0};
    CU_ASSERT_EQUAL(ZSTD_compressStream2(c, &out, &in, ZSTD_e_end), 0);
    CU_ASSERT_EQUAL(ZSTD_getFrameContentSize(comp, out.pos), ZSTD_CONTENTSIZE_UNKNOWN);
    CU_ASSERT_EQUAL(f.vt->decompress(f.inst, comp, out.pos, back, len, &got, &err),
                    HELIOS_ERR_DATA_CORRUPTED);
    /* two frames back to back */
    size_t a = ZSTD_compress(comp, cap, text, len, 3);
    size_t b = ZSTD_compress(comp + a, cap, text, len, 3);
    CU_ASSERT_EQUAL(f.vt->decompress(f.inst, comp, a + b, back, 2 * len, &got, &err),
                    HELIOS_ERR_DATA_CORRUPTED);
    CU_ASSERT_EQUAL(f.vt->decompress(f.inst, comp, a + b, back, len, &got, &err),
                    HELIOS_ERR_DATA_CORRUPTED);
    ZSTD_freeCCtx(c);
    free(comp);

    /* a flipped byte inside the payload fails the content checksum */
    void *mine = NULL;
    uint64_t n = compress_len(&f, text, len, &mine);
    CU_ASSERT_FATAL(n > 20);
    ((char *)mine)[n - 2] ^= 0x40; /* inside the 4-byte checksum */
    CU_ASSERT_EQUAL(f.vt->decompress(f.inst, mine, n, back, len, &got, &err),
                    HELIOS_ERR_DATA_CORRUPTED);
    CU_ASSERT(strstr(err.message, "zstd") != NULL);
    free(mine);
    CU_ASSERT_EQUAL(fixture_close(&f), 0);
}

static void test_metrics(void)
{
    fixture_t f;
    char text[10000];
    int64_t in = 0, out = 0;
    fill_text(text, sizeof(text));
    CU_ASSERT_EQUAL_FATAL(fixture_open(&f, NULL), 0);
    uint64_t n = compress_len(&f, text, sizeof(text), NULL);
    CU_ASSERT_EQUAL(helios_test_host_metric(f.host, "bytes_in", &in), 0);
    CU_ASSERT_EQUAL(helios_test_host_metric(f.host, "bytes_out", &out), 0);
    CU_ASSERT_EQUAL(in, (int64_t)sizeof(text));
    CU_ASSERT_EQUAL(out, (int64_t)n);
    CU_ASSERT_EQUAL(fixture_close(&f), 0);
}

/* A config struct built by hand below the schema's range is refused by create. */
static void test_create_validates(void)
{
    fixture_t f;
    helios_err_t err = HELIOS_ERR_INIT;
    void *inst = NULL;
    zstd_config_t bad = {.level = 42, .checksum = 1};
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
    const char *const fast[] = {"level=1", "checksum=off", NULL};
    helios_conformance_codec_register(so_path, fast);
    CU_pSuite s = CU_add_suite("zstd", NULL, NULL);
    CU_add_test(s, "config schema: level 1..19 default 3, checksum", test_schema);
    CU_add_test(s, "level 19 compresses smaller than level 1", test_levels_change_ratio);
    CU_add_test(s, "blocks are standard zstd frames", test_interoperates_with_libzstd);
    CU_add_test(s, "frame checks: size, trailing frames, checksum", test_frame_checks);
    CU_add_test(s, "bytes_in / bytes_out metrics", test_metrics);
    CU_add_test(s, "create validates the level", test_create_validates);
    return helios_test_run_cunit();
}
