/*
 * codec_column.c -- the column-encoder half of the codec conformance suite (codecs with
 * HELIOS_CODEC_CAP_COLUMN): typed vectors with NULL bitmaps round-trip through estimate /
 * encode / decode for every physical type the codec accepts, encode reports the size it needs
 * with HELIOS_AGAIN, and decode of damaged input returns 0 or XX001 without writing past any
 * buffer the caller gave it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "helios/codec.h"

#define CANARY_LEN 32
#define CANARY 0x5A

static const helios_codec_vtable_t *vt_of(const conf_ctx_t *c)
{
    return c->desc->vtable;
}

static uint32_t width_of(uint32_t type)
{
    switch (type) {
    case HELIOS_PT_BOOL:
        return 1;
    case HELIOS_PT_INT16:
        return 2;
    case HELIOS_PT_INT32:
    case HELIOS_PT_FLOAT32:
        return 4;
    case HELIOS_PT_INT64:
    case HELIOS_PT_FLOAT64:
        return 8;
    case HELIOS_PT_FIXED16:
        return 16;
    default:
        return 0; /* VARLEN */
    }
}

/* Buffers with a canary tail, so an overrun shows. */
static void *canary_alloc(size_t n)
{
    uint8_t *p = malloc(n + CANARY_LEN);
    if (p != NULL) {
        memset(p, 0, n);
        memset(p + n, CANARY, CANARY_LEN);
    }
    return p;
}

static int canary_ok(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < CANARY_LEN; i++) {
        if (b[n + i] != CANARY) {
            return 0;
        }
    }
    return 1;
}

/* A test vector and its buffers (owned). */
typedef struct tvec {
    helios_vector_t v;
} tvec_t;

static void tvec_free(tvec_t *t)
{
    free(t->v.nulls);
    free(t->v.values);
    free(t->v.offsets);
    free(t->v.data);
    memset(t, 0, sizeof(*t));
}

/* Patterns: 0 constant, 1 ascending, 2 few distinct, 3 random, 4 random with every third row
   NULL, 5 all NULL. */
#define N_PATTERNS 6

static int tvec_make(tvec_t *t, uint32_t type, uint32_t n_rows, int pattern, uint64_t seed)
{
    uint32_t w = width_of(type);
    memset(t, 0, sizeof(*t));
    t->v.size = sizeof(helios_vector_t);
    t->v.phys_type = type;
    t->v.n_rows = n_rows;
    uint64_t rnd = seed * 2654435761u + (uint64_t)pattern + 1;
    if (pattern >= 4) {
        t->v.nulls = calloc((n_rows + 7) / 8 + 1, 1);
        if (t->v.nulls == NULL) {
            return -1;
        }
        for (uint32_t i = 0; i < n_rows; i++) {
            if (pattern == 5 || i % 3 == 1) {
                t->v.nulls[i / 8] |= (uint8_t)(1u << (i % 8));
            }
        }
    }
    if (type == HELIOS_PT_VARLEN) {
        t->v.offsets = calloc((size_t)n_rows + 1, sizeof(uint32_t));
        t->v.data = malloc((size_t)n_rows * 24 + 1);
        if (t->v.offsets == NULL || t->v.data == NULL) {
            return -1;
        }
        uint32_t at = 0;
        for (uint32_t i = 0; i < n_rows; i++) {
            uint64_t r = 0;
            conf_random_bytes(&rnd, &r, sizeof(r));
            uint32_t len = pattern == 0 ? 5 : (uint32_t)(r % 24);
            uint32_t key = pattern == 1 ? i : pattern == 2 ? (uint32_t)(r % 5) : (uint32_t)r;
            for (uint32_t j = 0; j < len; j++) {
                t->v.data[at + j] = (uint8_t)('a' + (key + j * 7) % 26);
            }
            t->v.offsets[i] = at;
            at += len;
        }
        t->v.offsets[n_rows] = at;
        t->v.data_len = at;
        return 0;
    }
    t->v.values = calloc((size_t)n_rows + 1, w);
    if (t->v.values == NULL) {
        return -1;
    }
    uint8_t *vals = t->v.values;
    for (uint32_t i = 0; i < n_rows; i++) {
        uint64_t r[2] = {0, 0};
        conf_random_bytes(&rnd, r, sizeof(r));
        int64_t x = pattern == 0   ? 42
                    : pattern == 1 ? (int64_t)i * 3 - 100
                    : pattern == 2 ? (int64_t)(r[0] % 4) * 1000
                                   : (int64_t)r[0];
        uint8_t *slot = vals + (size_t)i * w;
        switch (type) {
        case HELIOS_PT_BOOL:
            slot[0] = (uint8_t)(x & 1);
            break;
        case HELIOS_PT_INT16: {
            int16_t v16 = (int16_t)x;
            memcpy(slot, &v16, 2);
            break;
        }
        case HELIOS_PT_INT32: {
            int32_t v32 = (int32_t)x;
            memcpy(slot, &v32, 4);
            break;
        }
        case HELIOS_PT_FLOAT32: {
            float f = (float)(x % 100000) / 8.0f;
            memcpy(slot, &f, 4);
            break;
        }
        case HELIOS_PT_FLOAT64: {
            double d = (double)(x % 10000000) / 16.0;
            memcpy(slot, &d, 8);
            break;
        }
        case HELIOS_PT_FIXED16:
            memcpy(slot, &x, 8);
            memcpy(slot + 8, pattern == 3 ? &r[1] : (const void *)&x, 8);
            break;
        default:
            memcpy(slot, &x, 8);
            break;
        }
    }
    return 0;
}

static int is_null(const helios_vector_t *v, uint32_t i)
{
    return v->nulls != NULL && (v->nulls[i / 8] >> (i % 8)) & 1;
}

/* Row-by-row equality (the value slot of a NULL row is ignored). */
static const char *tvec_equal(const helios_vector_t *a, const helios_vector_t *b)
{
    uint32_t w = width_of(a->phys_type);
    for (uint32_t i = 0; i < a->n_rows; i++) {
        if (is_null(a, i) != is_null(b, i)) {
            return "NULL bitmap differs";
        }
        if (is_null(a, i)) {
            continue;
        }
        if (a->phys_type == HELIOS_PT_VARLEN) {
            uint32_t la = a->offsets[i + 1] - a->offsets[i];
            uint32_t lb = b->offsets[i + 1] - b->offsets[i];
            if (la != lb || memcmp(a->data + a->offsets[i], b->data + b->offsets[i], la) != 0) {
                return "a VARLEN value differs";
            }
        } else if (memcmp((const uint8_t *)a->values + (size_t)i * w,
                          (const uint8_t *)b->values + (size_t)i * w, w) != 0) {
            return "a value differs";
        }
    }
    return NULL;
}

/* An output vector shaped like `in`, buffers with canaries. */
static int tvec_shape(tvec_t *out, const helios_vector_t *in)
{
    memset(out, 0, sizeof(*out));
    out->v.size = sizeof(helios_vector_t);
    out->v.phys_type = in->phys_type;
    out->v.n_rows = in->n_rows;
    out->v.nulls = canary_alloc((in->n_rows + 7) / 8);
    if (in->phys_type == HELIOS_PT_VARLEN) {
        out->v.offsets = canary_alloc(((size_t)in->n_rows + 1) * sizeof(uint32_t));
        out->v.data = canary_alloc(in->data_len);
        out->v.data_len = in->data_len;
        return out->v.nulls == NULL || out->v.offsets == NULL || out->v.data == NULL ? -1 : 0;
    }
    out->v.values = canary_alloc((size_t)in->n_rows * width_of(in->phys_type));
    return out->v.nulls == NULL || out->v.values == NULL ? -1 : 0;
}

static int tvec_canaries_ok(const tvec_t *out, const helios_vector_t *in, uint8_t *nulls)
{
    int ok = canary_ok(nulls, (in->n_rows + 7) / 8);
    if (in->phys_type == HELIOS_PT_VARLEN) {
        ok = ok && canary_ok(out->v.offsets, ((size_t)in->n_rows + 1) * sizeof(uint32_t));
        ok = ok && canary_ok(out->v.data, in->data_len);
    } else {
        ok = ok && canary_ok(out->v.values, (size_t)in->n_rows * width_of(in->phys_type));
    }
    return ok;
}

/* estimate -> encode (first with no room: HELIOS_AGAIN and the size) -> decode -> compare.
   Returns NULL on success or when the codec declines this vector (*declined set). */
static const char *column_round_trip(const conf_ctx_t *c, void *inst, const helios_vector_t *in,
                                     int *declined, uint8_t **enc_out, uint64_t *enc_len)
{
    const helios_codec_vtable_t *vt = vt_of(c);
    helios_err_t err = HELIOS_ERR_INIT;
    uint64_t est = 0, need = 0, len = 0;
    uint8_t *dst = NULL;
    tvec_t out;
    const char *why = NULL;
    memset(&out, 0, sizeof(out));
    *declined = 0;
    int32_t rc = vt->estimate(inst, in, &est);
    if (rc == HELIOS_DECLINED) {
        *declined = 1;
        return NULL;
    }
    if (rc != 0) {
        return "estimate failed";
    }
    uint8_t probe[1];
    rc = vt->encode(inst, in, probe, 0, &need, &err);
    if (rc == 0) {
        if (need != 0) {
            return "encode into 0 bytes claimed success with output";
        }
    } else if (rc != HELIOS_AGAIN || need == 0) {
        return "encode into 0 bytes must return HELIOS_AGAIN with the size needed";
    }
    dst = canary_alloc(need);
    if (dst == NULL) {
        return "out of memory in the test";
    }
    rc = vt->encode(inst, in, dst, need, &len, &err);
    if (rc != 0 || len > need || !canary_ok(dst, need)) {
        why = rc != 0 ? "encode into the size it asked for failed" : "encode overran";
        goto failed;
    }
    if (tvec_shape(&out, in) != 0) {
        why = "out of memory in the test";
        goto failed;
    }
    uint8_t *nulls = out.v.nulls;
    rc = vt->decode(inst, dst, len, &out.v, &err);
    if (rc != 0) {
        why = "decode of encode's output failed";
        out.v.nulls = nulls;
        goto failed;
    }
    if (!tvec_canaries_ok(&out, in, nulls)) {
        why = "decode wrote past a buffer";
    } else {
        why = tvec_equal(in, &out.v);
    }
    out.v.nulls = nulls; /* a codec may set nulls = NULL for "no NULLs" */
    if (why == NULL && enc_out != NULL) {
        *enc_out = dst;
        *enc_len = len;
        dst = NULL;
    }
failed:
    if (why != NULL && err.code != 0) {
        fprintf(stderr, "  (%s: %s)\n", why, err.message);
    }
    free(dst);
    tvec_free(&out);
    return why;
}

static const uint32_t all_types[] = {HELIOS_PT_BOOL,   HELIOS_PT_INT16,   HELIOS_PT_INT32,
                                     HELIOS_PT_INT64,  HELIOS_PT_FLOAT32, HELIOS_PT_FLOAT64,
                                     HELIOS_PT_VARLEN, HELIOS_PT_FIXED16};
#define N_TYPES (sizeof(all_types) / sizeof(all_types[0]))

/* For the allocation-failure test of codec.c: one small round trip; 0 or the status. */
int32_t conf_column_smoke(const conf_ctx_t *c, void *inst)
{
    tvec_t t;
    int32_t rc = 0;
    for (size_t k = 0; k < N_TYPES && rc == 0; k++) {
        if (tvec_make(&t, all_types[k], 100, 4, 1) != 0) {
            tvec_free(&t);
            return HELIOS_ERR_OUT_OF_MEMORY;
        }
        helios_err_t err = HELIOS_ERR_INIT;
        uint64_t est = 0, need = 0;
        uint8_t probe[1];
        rc = vt_of(c)->estimate(inst, &t.v, &est);
        if (rc == HELIOS_DECLINED) {
            rc = 0;
        } else if (rc == 0) {
            rc = vt_of(c)->encode(inst, &t.v, probe, 0, &need, &err);
            rc = rc == HELIOS_AGAIN ? 0 : rc;
        }
        tvec_free(&t);
    }
    return rc;
}

static void test_column_round_trips(void)
{
    conf_ctx_t *c = conf_current();
    static const uint32_t sizes[] = {0, 1, 7, 64, 1000, 1024};
    int accepted = 0;
    for (size_t k = 0; k < N_TYPES; k++) {
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
            for (int p = 0; p < N_PATTERNS; p++) {
                tvec_t t;
                int declined = 0;
                CU_ASSERT_EQUAL_FATAL(tvec_make(&t, all_types[k], sizes[s], p, s), 0);
                const char *why = column_round_trip(c, c->inst, &t.v, &declined, NULL, NULL);
                if (why != NULL) {
                    fprintf(stderr, "  type %u, %u rows, pattern %d: %s\n", all_types[k], sizes[s],
                            p, why);
                }
                CU_ASSERT_PTR_NULL(why);
                accepted += !declined;
                tvec_free(&t);
            }
        }
    }
    CU_ASSERT(accepted > 0); /* a column codec that declines everything encodes nothing */
}

/* Decode of damaged input: 0 or XX001, never past a buffer. */
static void expect_decode_safe(const conf_ctx_t *c, const uint8_t *src, uint64_t len,
                               const helios_vector_t *shape)
{
    helios_err_t err = HELIOS_ERR_INIT;
    tvec_t out;
    CU_ASSERT_EQUAL_FATAL(tvec_shape(&out, shape), 0);
    uint8_t *nulls = out.v.nulls;
    int32_t rc = vt_of(c)->decode(c->inst, src, len, &out.v, &err);
    CU_ASSERT(rc == 0 || rc == HELIOS_ERR_DATA_CORRUPTED);
    if (rc != 0 && rc != HELIOS_ERR_DATA_CORRUPTED) {
        fprintf(stderr, "  decode of %llu damaged bytes returned %d\n", (unsigned long long)len,
                rc);
    }
    CU_ASSERT(tvec_canaries_ok(&out, shape, nulls));
    out.v.nulls = nulls;
    tvec_free(&out);
}

static void test_column_damaged_input(void)
{
    conf_ctx_t *c = conf_current();
    uint64_t rnd = 31337;
    for (size_t k = 0; k < N_TYPES; k++) {
        tvec_t t;
        int declined = 0;
        uint8_t *enc = NULL;
        uint64_t enc_len = 0;
        CU_ASSERT_EQUAL_FATAL(tvec_make(&t, all_types[k], 300, 4, 9), 0);
        CU_ASSERT_PTR_NULL(column_round_trip(c, c->inst, &t.v, &declined, &enc, &enc_len));
        if (declined || enc == NULL) {
            tvec_free(&t);
            continue;
        }
        /* truncations */
        for (uint64_t cut = 0; cut < enc_len; cut += 1 + enc_len / 13) {
            expect_decode_safe(c, enc, cut, &t.v);
        }
        /* bit flips and random bytes */
        uint8_t *bad = malloc(enc_len + 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
        for (int r = 0; r < 200; r++) {
            uint64_t x[2];
            conf_random_bytes(&rnd, x, sizeof(x));
            memcpy(bad, enc, enc_len);
            if (r % 4 == 3) {
                conf_random_bytes(&rnd, bad, enc_len);
            } else {
                bad[x[0] % enc_len] ^= (uint8_t)(1u << (x[1] % 8));
            }
            expect_decode_safe(c, bad, enc_len, &t.v);
        }
        free(bad);
        free(enc);
        tvec_free(&t);
    }
}

typedef struct col_worker {
    const conf_ctx_t *c;
    int id;
    int failures;
} col_worker_t;

static void *col_worker(void *arg)
{
    col_worker_t *w = arg;
    for (int i = 0; i < 60; i++) {
        tvec_t t;
        int declined = 0;
        if (tvec_make(&t, all_types[(size_t)(w->id + i) % N_TYPES], 512, i % N_PATTERNS,
                      (uint64_t)(w->id * 100 + i)) != 0 ||
            column_round_trip(w->c, w->c->inst, &t.v, &declined, NULL, NULL) != NULL) {
            w->failures++;
        }
        tvec_free(&t);
    }
    return NULL;
}

static void test_column_concurrent_use(void)
{
    conf_ctx_t *c = conf_current();
    pthread_t t[4];
    col_worker_t w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (col_worker_t){c, i, 0};
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, col_worker, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CU_ASSERT_EQUAL(w[i].failures, 0);
    }
}

int conf_codec_column_add_tests(CU_pSuite suite)
{
    static const struct {
        const char *name;
        CU_TestFunc fn;
    } tests[] = {
        {"columns: every type and pattern round-trips; encode reports its size",
         test_column_round_trips},
        {"columns: damaged input decodes to 0 or XX001, never past a buffer",
         test_column_damaged_input},
        {"columns: 4 threads on one instance", test_column_concurrent_use},
    };
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        if (CU_add_test(suite, tests[i].name, tests[i].fn) == NULL) {
            return CU_get_error();
        }
    }
    return CUE_SUCCESS;
}
