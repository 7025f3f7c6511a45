/*
 * tcolumn.c -- a test column codec for the helios_testing self-test: stores a vector plainly
 * behind a header (magic, type, rows, NULL flag, data length) and checks all of it on decode.
 * It declines FIXED16 so the suite's DECLINED path runs.
 */
#include <stdint.h>
#include <string.h>

#include "helios/codec.h"
#include "helios/plugin.h"

#define TCOL_MAGIC 0x4c4f4354u /* "TCOL" */
#define TCOL_HDR 24u

typedef struct tcol_lib {
    const helios_host_t *host;
} tcol_lib_t;

static uint32_t tcol_width(uint32_t type)
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
    default:
        return 0;
    }
}

static int32_t tcol_init(const helios_host_t *host, const void *config, void **lib_state,
                         helios_err_t *err)
{
    tcol_lib_t *lib = host->alloc(host, sizeof(*lib));
    if (lib == NULL) {
        return host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    lib->host = host;
    *lib_state = lib;
    return 0;
}

static void tcol_fini(void *lib_state)
{
    tcol_lib_t *lib = lib_state;
    lib->host->free(lib->host, lib);
}

static int32_t tcol_create(void *lib_state, const void *config, void **inst, helios_err_t *err)
{
    tcol_lib_t *lib = lib_state;
    tcol_lib_t *t = lib->host->alloc(lib->host, sizeof(*t));
    if (t == NULL) {
        return lib->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    *t = *lib;
    *inst = t;
    return 0;
}

static void tcol_destroy(void *inst)
{
    tcol_lib_t *t = inst;
    t->host->free(t->host, t);
}

static uint64_t tcol_size(const helios_vector_t *v)
{
    uint64_t n = TCOL_HDR + (v->nulls != NULL ? (v->n_rows + 7) / 8 : 0);
    if (v->phys_type == HELIOS_PT_VARLEN) {
        return n + ((uint64_t)v->n_rows + 1) * 4 + v->data_len;
    }
    return n + (uint64_t)v->n_rows * tcol_width(v->phys_type);
}

static int32_t tcol_estimate(void *inst, const helios_vector_t *v, uint64_t *size_bytes)
{
    if (v->phys_type != HELIOS_PT_VARLEN && tcol_width(v->phys_type) == 0) {
        return HELIOS_DECLINED;
    }
    *size_bytes = tcol_size(v);
    return 0;
}

static int32_t tcol_encode(void *inst, const helios_vector_t *v, void *dst, uint64_t dst_cap,
                           uint64_t *dst_len, helios_err_t *err)
{
    tcol_lib_t *t = inst;
    uint64_t need = tcol_size(v);
    if (v->phys_type != HELIOS_PT_VARLEN && tcol_width(v->phys_type) == 0) {
        return t->host->err_set(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED, "type %u", v->phys_type);
    }
    if (dst_cap < need) {
        *dst_len = need;
        return HELIOS_AGAIN;
    }
    uint8_t *d = dst;
    uint32_t hdr[4] = {TCOL_MAGIC, v->phys_type, v->n_rows, v->nulls != NULL};
    uint64_t data_len = v->phys_type == HELIOS_PT_VARLEN ? v->data_len : 0;
    memcpy(d, hdr, 16);
    memcpy(d + 16, &data_len, 8);
    uint64_t o = TCOL_HDR;
    if (v->nulls != NULL) {
        memcpy(d + o, v->nulls, (v->n_rows + 7) / 8);
        o += (v->n_rows + 7) / 8;
    }
    if (v->phys_type == HELIOS_PT_VARLEN) {
        memcpy(d + o, v->offsets, ((size_t)v->n_rows + 1) * 4);
        o += ((uint64_t)v->n_rows + 1) * 4;
        memcpy(d + o, v->data, v->data_len);
        o += v->data_len;
    } else {
        memcpy(d + o, v->values, (size_t)v->n_rows * tcol_width(v->phys_type));
        o += (uint64_t)v->n_rows * tcol_width(v->phys_type);
    }
    *dst_len = o;
    return 0;
}

static int32_t tcol_decode(void *inst, const void *src, uint64_t src_len, helios_vector_t *out,
                           helios_err_t *err)
{
    tcol_lib_t *t = inst;
    const uint8_t *s = src;
    uint32_t hdr[4];
    uint64_t data_len = 0;
    if (src_len < TCOL_HDR) {
        return t->host->err_set(err, HELIOS_ERR_DATA_CORRUPTED, "tcolumn chunk too short");
    }
    memcpy(hdr, s, 16);
    memcpy(&data_len, s + 16, 8);
    if (hdr[0] != TCOL_MAGIC || hdr[1] != out->phys_type || hdr[2] != out->n_rows || hdr[3] > 1 ||
        (out->phys_type == HELIOS_PT_VARLEN && data_len != out->data_len)) {
        return t->host->err_set(err, HELIOS_ERR_DATA_CORRUPTED, "tcolumn header mismatch");
    }
    uint64_t n = out->n_rows, o = TCOL_HDR, nb = (n + 7) / 8;
    uint64_t body = out->phys_type == HELIOS_PT_VARLEN ? (n + 1) * 4 + data_len
                                                       : n * tcol_width(out->phys_type);
    if (src_len != TCOL_HDR + (hdr[3] ? nb : 0) + body) {
        return t->host->err_set(err, HELIOS_ERR_DATA_CORRUPTED, "tcolumn chunk length");
    }
    if (out->nulls != NULL) {
        if (hdr[3]) {
            memcpy(out->nulls, s + o, nb);
        } else {
            memset(out->nulls, 0, nb);
        }
    }
    o += hdr[3] ? nb : 0;
    if (out->phys_type == HELIOS_PT_VARLEN) {
        uint32_t prev = 0;
        for (uint64_t i = 0; i <= n; i++) {
            uint32_t off = 0;
            memcpy(&off, s + o + i * 4, 4);
            if (off < prev || off > data_len || (i == 0 && off != 0) ||
                (i == n && off != data_len)) {
                return t->host->err_set(err, HELIOS_ERR_DATA_CORRUPTED, "tcolumn offsets");
            }
            prev = off;
        }
        memcpy(out->offsets, s + o, (n + 1) * 4);
        memcpy(out->data, s + o + (n + 1) * 4, data_len);
    } else {
        memcpy(out->values, s + o, body);
    }
    return 0;
}

static const helios_codec_vtable_t tcol_vtable = {
    .size = sizeof(helios_codec_vtable_t),
    .caps = HELIOS_CODEC_CAP_COLUMN,
    .codec_id = 60002,
    .format_version = 1,
    .create = tcol_create,
    .destroy = tcol_destroy,
    .estimate = tcol_estimate,
    .encode = tcol_encode,
    .decode = tcol_decode,
};

HELIOS_PLUGIN(.kind = HELIOS_KIND_CODEC, .name = "tcolumn", .version = "1.0.0",
              .description = "test column codec: plain vectors behind a checked header",
              .vtable = &tcol_vtable, .init = tcol_init, .fini = tcol_fini);
