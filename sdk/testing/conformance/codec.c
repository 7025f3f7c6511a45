/*
 * codec.c -- the conformance suite every byte-compressor codec plugin must pass (the contract
 * of helios/codec.h: round trips, bound, XX001 on malformed input without overruns, exact
 * original length, concurrency on one instance, clean allocation failure, no leaks).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "helios/codec.h"
#include "helios/conformance.h"

#define CANARY_LEN 64
#define CANARY 0xA5

static const helios_codec_vtable_t *vt_of(const conf_ctx_t *c)
{
    return c->desc->vtable;
}

/* A destination with a canary tail: an overrun shows as changed canary bytes. */
static uint8_t *dst_new(uint64_t cap)
{
    uint8_t *d = malloc(cap + CANARY_LEN);
    if (d != NULL) {
        memset(d, 0, cap);
        memset(d + cap, CANARY, CANARY_LEN);
    }
    return d;
}

static int canary_ok(const uint8_t *d, uint64_t cap)
{
    for (size_t i = 0; i < CANARY_LEN; i++) {
        if (d[cap + i] != CANARY) {
            return 0;
        }
    }
    return 1;
}

/* Compress then decompress `src`; returns 0 on an exact round trip, else a description. */
static const char *round_trip(const conf_ctx_t *c, void *inst, const uint8_t *src, uint64_t len,
                              uint64_t *compressed_len)
{
    const helios_codec_vtable_t *vt = vt_of(c);
    helios_err_t err = HELIOS_ERR_INIT;
    const char *why = NULL;
    uint64_t bound = vt->bound(inst, len);
    uint8_t *comp = dst_new(bound);
    uint8_t *back = dst_new(len);
    uint64_t clen = 0, dlen = 0;
    if (comp == NULL || back == NULL) {
        why = "out of memory in the test";
        goto failed;
    }
    if (vt->compress(inst, src, len, comp, bound, &clen, &err) != 0) {
        why = "compress failed";
        goto failed;
    }
    if (clen > bound || !canary_ok(comp, bound)) {
        why = "compress wrote more than bound()";
        goto failed;
    }
    if (vt->decompress(inst, comp, clen, back, len, &dlen, &err) != 0) {
        why = "decompress of compress's output failed";
        goto failed;
    }
    if (dlen != len || !canary_ok(back, len)) {
        why = "decompress returned the wrong length or overran";
        goto failed;
    }
    if (len > 0 && memcmp(src, back, len) != 0) {
        why = "decompress returned different bytes";
        goto failed;
    }
    if (compressed_len != NULL) {
        *compressed_len = clen;
    }
failed:
    if (why != NULL && err.code != 0) {
        fprintf(stderr, "  (%s: %s)\n", why, err.message);
    }
    free(comp);
    free(back);
    return why;
}

#define ASSERT_ROUND_TRIP(c, src, len, clen)                                                       \
    do {                                                                                           \
        const char *why_ = round_trip((c), (c)->inst, (src), (len), (clen));                       \
        if (why_ != NULL) {                                                                        \
            fprintf(stderr, "  round trip of %llu bytes: %s\n", (unsigned long long)(len), why_);  \
        }                                                                                          \
        CU_ASSERT_PTR_NULL(why_);                                                                  \
    } while (0)

static int codec_suite_init(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    if (conf_setup(c) != 0) {
        return 1;
    }
    const helios_codec_vtable_t *vt = vt_of(c);
    if (vt->create(c->lib, c->config, &c->inst, &err) != 0) {
        fprintf(stderr, "conformance: create failed: %s\n", err.message);
        return 1;
    }
    return 0;
}

static int codec_suite_cleanup(void)
{
    conf_ctx_t *c = conf_current();
    if (c->inst != NULL) {
        vt_of(c)->destroy(c->inst);
        c->inst = NULL;
    }
    conf_teardown(c);
    return 0;
}

static void test_descriptor(void)
{
    conf_ctx_t *c = conf_current();
    const helios_codec_vtable_t *vt = vt_of(c);
    CU_ASSERT_EQUAL(c->desc->kind, HELIOS_KIND_CODEC);
    CU_ASSERT(vt->size >= offsetof(helios_codec_vtable_t, control) + sizeof(void *));
    CU_ASSERT_NOT_EQUAL(vt->codec_id, HELIOS_CODEC_ID_RAW);
    CU_ASSERT(vt->format_version >= 1);
    CU_ASSERT_PTR_NOT_NULL(c->desc->version);
    CU_ASSERT_PTR_NOT_NULL(c->desc->description);
}

static void test_create_destroy_no_leak(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    uint64_t before = helios_test_host_live_allocs(c->host);
    for (int i = 0; i < 3; i++) {
        void *inst = NULL;
        CU_ASSERT_EQUAL_FATAL(vt_of(c)->create(c->lib, c->config, &inst, &err), 0);
        if (vt_of(c)->caps & HELIOS_CODEC_CAP_BYTES) {
            uint8_t buf[100];
            conf_text_bytes(7, buf, sizeof(buf));
            CU_ASSERT_PTR_NULL(round_trip(c, inst, buf, sizeof(buf), NULL));
        }
        if (vt_of(c)->caps & HELIOS_CODEC_CAP_COLUMN) {
            CU_ASSERT_EQUAL(conf_column_smoke(c, inst), 0);
        }
        vt_of(c)->destroy(inst);
        CU_ASSERT_EQUAL(helios_test_host_live_allocs(c->host), before);
    }
}

/* Fail each allocation of create (and of a first round trip) in turn: every failure must come
   back as 53200 with *inst untouched, and free whatever was allocated before it. */
static void test_allocation_failure(void)
{
    conf_ctx_t *c = conf_current();
    const helios_codec_vtable_t *vt = vt_of(c);
    uint8_t buf[4096];
    conf_text_bytes(11, buf, sizeof(buf));
    uint64_t before = helios_test_host_live_allocs(c->host);
    for (uint64_t nth = 1; nth <= 64; nth++) {
        helios_err_t err = HELIOS_ERR_INIT;
        void *inst = NULL;
        uint64_t failed_before = helios_test_host_n_failed_allocs(c->host);
        helios_test_host_fail_alloc(c->host, nth);
        int32_t rc = vt->create(c->lib, c->config, &inst, &err);
        if (rc != 0) {
            CU_ASSERT_EQUAL(rc, HELIOS_ERR_OUT_OF_MEMORY);
            CU_ASSERT_PTR_NULL(inst);
        } else if ((vt->caps & HELIOS_CODEC_CAP_BYTES) == 0) {
            rc = conf_column_smoke(c, inst);
            if (rc != 0) {
                CU_ASSERT_EQUAL(rc, HELIOS_ERR_OUT_OF_MEMORY);
            }
            vt->destroy(inst);
        } else {
            /* The failure may land in compress/decompress (lazy contexts): an error, then. */
            uint64_t bound = vt->bound(inst, sizeof(buf));
            uint8_t *comp = malloc(bound);
            uint8_t back[sizeof(buf)];
            uint64_t clen = 0, dlen = 0;
            CU_ASSERT_PTR_NOT_NULL_FATAL(comp);
            rc = vt->compress(inst, buf, sizeof(buf), comp, bound, &clen, &err);
            if (rc == 0) {
                rc = vt->decompress(inst, comp, clen, back, sizeof(back), &dlen, &err);
                if (rc == 0) {
                    CU_ASSERT_EQUAL(dlen, sizeof(buf));
                    CU_ASSERT_EQUAL(memcmp(back, buf, sizeof(buf)), 0);
                }
            }
            if (rc != 0) {
                CU_ASSERT_EQUAL(rc, HELIOS_ERR_OUT_OF_MEMORY);
            }
            free(comp);
            vt->destroy(inst);
        }
        helios_test_host_fail_alloc(c->host, 0);
        CU_ASSERT_EQUAL(helios_test_host_live_allocs(c->host), before);
        if (helios_test_host_n_failed_allocs(c->host) == failed_before) {
            break; /* fewer than nth allocations happen: every one was failed once */
        }
    }
    helios_test_host_fail_alloc(c->host, 0);
}

static void test_round_trip_empty(void)
{
    conf_ctx_t *c = conf_current();
    static const uint8_t none[1] = {0};
    ASSERT_ROUND_TRIP(c, none, 0, NULL);
}

static void test_round_trip_small(void)
{
    conf_ctx_t *c = conf_current();
    uint8_t buf[300];
    uint64_t rnd = 42;
    for (uint64_t len = 1; len <= sizeof(buf); len += (len < 40 ? 1 : 37)) {
        conf_text_bytes(len, buf, len);
        ASSERT_ROUND_TRIP(c, buf, len, NULL);
        conf_random_bytes(&rnd, buf, len);
        ASSERT_ROUND_TRIP(c, buf, len, NULL);
        memset(buf, 'x', len);
        ASSERT_ROUND_TRIP(c, buf, len, NULL);
    }
}

static void test_round_trip_large(void)
{
    conf_ctx_t *c = conf_current();
    const uint64_t len = 4u << 20;
    uint8_t *buf = malloc(len);
    uint64_t clen = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    conf_text_bytes(3, buf, len);
    /* Correctness only: how well a codec compresses is for its own tests to pin down. */
    ASSERT_ROUND_TRIP(c, buf, len, &clen);
    CU_ASSERT(clen > 0 && clen <= vt_of(c)->bound(c->inst, len));
    memset(buf, 0, len);
    ASSERT_ROUND_TRIP(c, buf, len, &clen);
    free(buf);
}

static void test_round_trip_incompressible(void)
{
    conf_ctx_t *c = conf_current();
    const uint64_t len = 1u << 20;
    uint8_t *buf = malloc(len);
    uint64_t rnd = 0xC0FFEE, clen = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    conf_random_bytes(&rnd, buf, len);
    ASSERT_ROUND_TRIP(c, buf, len, &clen);
    CU_ASSERT(clen <= vt_of(c)->bound(c->inst, len));
    free(buf);
}

static void test_bound(void)
{
    conf_ctx_t *c = conf_current();
    uint64_t prev = 0;
    for (uint64_t n = 0; n < 70000; n += 997) {
        uint64_t b = vt_of(c)->bound(c->inst, n);
        CU_ASSERT(b >= prev);
        prev = b;
    }
}

/* Decompress `src` with capacity `cap`: must return XX001 with a message and not overrun. */
static void expect_corrupt(const conf_ctx_t *c, const uint8_t *src, uint64_t len, uint64_t cap,
                           int allow_success)
{
    helios_err_t err = HELIOS_ERR_INIT;
    uint8_t *dst = dst_new(cap);
    uint64_t dlen = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(dst);
    int32_t rc = vt_of(c)->decompress(c->inst, src, len, dst, cap, &dlen, &err);
    CU_ASSERT(canary_ok(dst, cap));
    if (rc == 0 && allow_success) {
        CU_ASSERT_EQUAL(dlen, cap); /* success means exactly the original length */
    } else {
        CU_ASSERT_EQUAL(rc, HELIOS_ERR_DATA_CORRUPTED);
        CU_ASSERT(err.message[0] != '\0');
        if (rc != HELIOS_ERR_DATA_CORRUPTED) {
            fprintf(stderr, "  decompress of %llu bytes into %llu returned %d\n",
                    (unsigned long long)len, (unsigned long long)cap, rc);
        }
    }
    free(dst);
}

static void test_decompress_garbage(void)
{
    conf_ctx_t *c = conf_current();
    uint8_t buf[8192];
    uint64_t rnd = 99;
    static const uint64_t caps[] = {1, 16, 1000, 65536};
    for (int round = 0; round < 50; round++) {
        uint64_t len = 1 + (uint64_t)round * 160;
        conf_random_bytes(&rnd, buf, len);
        expect_corrupt(c, buf, len, caps[round % 4], 0);
    }
    memset(buf, 0, sizeof(buf));
    expect_corrupt(c, buf, sizeof(buf), 65536, 0);
    memset(buf, 0xFF, sizeof(buf));
    expect_corrupt(c, buf, sizeof(buf), 65536, 0);
    /* Nothing to decompress yet a length is expected. */
    expect_corrupt(c, buf, 0, 100, 0);
}

/* Compressed text of `len` bytes in *comp (malloc'd), its length returned. */
static uint64_t compress_text(const conf_ctx_t *c, uint64_t seed, uint8_t *src, uint64_t len,
                              uint8_t **comp)
{
    helios_err_t err = HELIOS_ERR_INIT;
    uint64_t bound = vt_of(c)->bound(c->inst, len), clen = 0;
    conf_text_bytes(seed, src, len);
    *comp = malloc(bound);
    if (*comp == NULL || vt_of(c)->compress(c->inst, src, len, *comp, bound, &clen, &err) != 0) {
        return 0;
    }
    return clen;
}

static void test_decompress_truncated(void)
{
    conf_ctx_t *c = conf_current();
    const uint64_t len = 65536;
    uint8_t *src = malloc(len), *comp = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    uint64_t clen = compress_text(c, 5, src, len, &comp);
    CU_ASSERT_FATAL(clen > 8);
    uint64_t cuts[] = {0, 1, 2, 3, 4, clen / 4, clen / 2, clen - 3, clen - 2, clen - 1};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        expect_corrupt(c, comp, cuts[i], len, 0);
    }
    free(comp);
    free(src);
}

static void test_decompress_wrong_length(void)
{
    conf_ctx_t *c = conf_current();
    const uint64_t len = 20000;
    uint8_t *src = malloc(len), *comp = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    uint64_t clen = compress_text(c, 9, src, len, &comp);
    CU_ASSERT_FATAL(clen > 0);
    /* Too small a destination: an error, never a write past it. */
    expect_corrupt(c, comp, clen, len - 1, 0);
    expect_corrupt(c, comp, clen, len / 2, 0);
    expect_corrupt(c, comp, clen, 1, 0);
    /* Larger than the original: the data decodes to fewer bytes than promised. */
    expect_corrupt(c, comp, clen, len + 1, 0);
    free(comp);
    free(src);
}

static void test_decompress_bit_flips(void)
{
    conf_ctx_t *c = conf_current();
    const uint64_t len = 30000;
    uint8_t *src = malloc(len), *comp = NULL;
    uint64_t rnd = 1234;
    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    uint64_t clen = compress_text(c, 13, src, len, &comp);
    CU_ASSERT_FATAL(clen > 0);
    uint8_t *bad = malloc(clen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
    for (int round = 0; round < 300; round++) {
        uint64_t r[2];
        conf_random_bytes(&rnd, r, sizeof(r));
        memcpy(bad, comp, clen);
        bad[r[0] % clen] ^= (uint8_t)(1u << (r[1] % 8));
        if (round % 3 == 0) {
            bad[r[1] % clen] = (uint8_t)r[0];
        }
        /* Without a checksum a flipped literal decodes fine: success or XX001, no overrun. */
        expect_corrupt(c, bad, clen, len, 1);
    }
    free(bad);
    free(comp);
    free(src);
}

static void test_compress_small_destination(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    const uint64_t len = 10000;
    uint8_t *src = malloc(len);
    uint64_t rnd = 77, clen = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    conf_random_bytes(&rnd, src, len);
    uint8_t *dst = dst_new(100);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dst);
    int32_t rc = vt_of(c)->compress(c->inst, src, len, dst, 100, &clen, &err);
    CU_ASSERT(rc > 0); /* random bytes cannot fit in 100 bytes */
    CU_ASSERT(canary_ok(dst, 100));
    free(dst);
    free(src);
}

typedef struct worker {
    const conf_ctx_t *c;
    uint64_t seed;
    int failures;
} worker_t;

static void *codec_worker(void *arg)
{
    worker_t *w = arg;
    uint8_t *buf = malloc(200000);
    if (buf == NULL) {
        w->failures++;
        return NULL;
    }
    for (int i = 0; i < 40; i++) {
        uint64_t len = 1000 + (w->seed * 7919 + (uint64_t)i * 4099) % 190000;
        if (i % 2 == 0) {
            conf_text_bytes(w->seed + (uint64_t)i, buf, len);
        } else {
            uint64_t rnd = w->seed * 31 + (uint64_t)i;
            conf_random_bytes(&rnd, buf, len);
        }
        if (round_trip(w->c, w->c->inst, buf, len, NULL) != NULL) {
            w->failures++;
        }
    }
    free(buf);
    return NULL;
}

static void test_concurrent_use(void)
{
    conf_ctx_t *c = conf_current();
    pthread_t t[4];
    worker_t w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker_t){.c = c, .seed = (uint64_t)i + 1, .failures = 0};
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, codec_worker, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CU_ASSERT_EQUAL(w[i].failures, 0);
    }
}

static void test_control_unknown_op(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    if (vt_of(c)->control != NULL) {
        CU_ASSERT_EQUAL(vt_of(c)->control(c->inst, 0x7fffffffu, NULL, &err), HELIOS_DECLINED);
    } else {
        CU_PASS("no control member");
    }
}

static void test_no_leaks(void)
{
    conf_ctx_t *c = conf_current();
    vt_of(c)->destroy(c->inst);
    c->inst = NULL;
    CU_ASSERT(conf_fini_and_check_leaks(c));
}

int helios_conformance_codec_register(const char *so_path, const char *const *config_overrides)
{
    conf_ctx_t *c = NULL;
    int rc = conf_register(HELIOS_KIND_CODEC, "codec", so_path, config_overrides, codec_suite_init,
                           codec_suite_cleanup, &c);
    if (rc != CUE_SUCCESS) {
        return rc;
    }
    typedef struct {
        const char *name;
        CU_TestFunc fn;
    } test_t;
    static const test_t common_first[] = {
        {"descriptor and vtable", test_descriptor},
        {"create/destroy returns every allocation", test_create_destroy_no_leak},
        {"allocation failure at every point is 53200 and leaks nothing", test_allocation_failure},
    };
    static const test_t bytes[] = {
        {"round trip: empty buffer", test_round_trip_empty},
        {"round trip: small buffers 1..300 bytes", test_round_trip_small},
        {"round trip: 4 MiB compressible", test_round_trip_large},
        {"round trip: 1 MiB incompressible fits bound()", test_round_trip_incompressible},
        {"bound() is monotonic", test_bound},
        {"decompress garbage: XX001, no overrun", test_decompress_garbage},
        {"decompress truncated input: XX001, no overrun", test_decompress_truncated},
        {"decompress with the wrong original length: XX001", test_decompress_wrong_length},
        {"decompress bit-flipped input: no overrun", test_decompress_bit_flips},
        {"compress into too small a buffer: error, no overrun", test_compress_small_destination},
        {"4 threads on one instance", test_concurrent_use},
    };
    static const test_t common_last[] = {
        {"control: unknown op is DECLINED", test_control_unknown_op},
        {"destroy + fini: no leaks", test_no_leaks},
    };
    /* Which halves apply depends on the codec's caps: peek at the descriptor now (the suite
       loads it again, with checks, when it runs; a load failure shows there). */
    uint32_t caps = HELIOS_CODEC_CAP_BYTES;
    const helios_plugin_t *desc = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    if (helios_test_load_plugin(so_path, &desc, &err) == 0 && desc->kind == HELIOS_KIND_CODEC) {
        caps = ((const helios_codec_vtable_t *)desc->vtable)->caps;
    }
    for (size_t i = 0; i < sizeof(common_first) / sizeof(common_first[0]); i++) {
        if (CU_add_test(c->suite, common_first[i].name, common_first[i].fn) == NULL) {
            return CU_get_error();
        }
    }
    for (size_t i = 0; (caps & HELIOS_CODEC_CAP_BYTES) && i < sizeof(bytes) / sizeof(bytes[0]);
         i++) {
        if (CU_add_test(c->suite, bytes[i].name, bytes[i].fn) == NULL) {
            return CU_get_error();
        }
    }
    if (caps & HELIOS_CODEC_CAP_COLUMN) {
        rc = conf_codec_column_add_tests(c->suite);
        if (rc != CUE_SUCCESS) {
            return rc;
        }
    }
    for (size_t i = 0; i < sizeof(common_last) / sizeof(common_last[0]); i++) {
        if (CU_add_test(c->suite, common_last[i].name, common_last[i].fn) == NULL) {
            return CU_get_error();
        }
    }
    return CUE_SUCCESS;
}
