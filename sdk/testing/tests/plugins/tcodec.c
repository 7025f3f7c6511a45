/*
 * tcodec.c -- a test codec for the helios_testing self-test: stores bytes raw behind a header
 * (magic, FNV-1a checksum, length), so it passes the codec conformance suite with the simplest
 * possible format. Its config schema uses every key type.
 */
#include <stdint.h>
#include <string.h>

#include "helios/codec.h"
#include "helios/plugin.h"

#define TCODEC_MAGIC 0x31444354u /* "TCD1" */
#define TCODEC_HDR 16u

typedef struct tcodec_config {
    int64_t level;
    int64_t buffer_bytes;
    int64_t timeout_ms;
    const char *label;
    uint32_t mode;
    uint32_t verify;
} tcodec_config_t;

typedef struct tcodec_lib {
    const helios_host_t *host;
} tcodec_lib_t;

typedef struct tcodec {
    tcodec_lib_t *lib;
    uint32_t verify;
} tcodec_t;

static uint32_t tcodec_fnv(const uint8_t *p, uint64_t n)
{
    uint32_t h = 2166136261u;
    for (uint64_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

static int32_t tcodec_init(const helios_host_t *host, const void *config, void **lib_state,
                           helios_err_t *err)
{
    tcodec_lib_t *lib = host->alloc(host, sizeof(*lib));
    if (lib == NULL) {
        return host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    lib->host = host;
    host->log(host, HELIOS_LOG_INFO, "tcodec loaded");
    *lib_state = lib;
    return 0;
}

static void tcodec_fini(void *lib_state)
{
    tcodec_lib_t *lib = lib_state;
    lib->host->free(lib->host, lib);
}

static int32_t tcodec_create(void *lib_state, const void *config, void **inst, helios_err_t *err)
{
    tcodec_lib_t *lib = lib_state;
    const tcodec_config_t *cfg = config;
    tcodec_t *t = lib->host->calloc(lib->host, 1, sizeof(*t));
    if (t == NULL) {
        return lib->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    t->lib = lib;
    t->verify = cfg != NULL ? cfg->verify : 1;
    *inst = t;
    return 0;
}

static void tcodec_destroy(void *inst)
{
    tcodec_t *t = inst;
    if (t != NULL) {
        t->lib->host->free(t->lib->host, t);
    }
}

static uint64_t tcodec_bound(void *inst, uint64_t src_len)
{
    return src_len + TCODEC_HDR;
}

static int32_t tcodec_compress(void *inst, const void *src, uint64_t src_len, void *dst,
                               uint64_t dst_cap, uint64_t *dst_len, helios_err_t *err)
{
    tcodec_t *t = inst;
    uint8_t *d = dst;
    if (dst_cap < src_len + TCODEC_HDR) {
        return t->lib->host->err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                     "destination of %llu bytes is smaller than bound()",
                                     (unsigned long long)dst_cap);
    }
    uint32_t magic = TCODEC_MAGIC, sum = tcodec_fnv(src, src_len);
    memcpy(d, &magic, 4);
    memcpy(d + 4, &sum, 4);
    memcpy(d + 8, &src_len, 8);
    if (src_len > 0) {
        memcpy(d + TCODEC_HDR, src, src_len);
    }
    *dst_len = src_len + TCODEC_HDR;
    return 0;
}

static int32_t tcodec_decompress(void *inst, const void *src, uint64_t src_len, void *dst,
                                 uint64_t dst_cap, uint64_t *dst_len, helios_err_t *err)
{
    tcodec_t *t = inst;
    const uint8_t *s = src;
    uint32_t magic = 0, sum = 0;
    uint64_t len = 0;
    if (src_len < TCODEC_HDR) {
        return t->lib->host->err_set(err, HELIOS_ERR_DATA_CORRUPTED, "tcodec block too short");
    }
    memcpy(&magic, s, 4);
    memcpy(&sum, s + 4, 4);
    memcpy(&len, s + 8, 8);
    if (magic != TCODEC_MAGIC || len != src_len - TCODEC_HDR || len != dst_cap) {
        return t->lib->host->err_set(err, HELIOS_ERR_DATA_CORRUPTED, "tcodec block malformed");
    }
    if (t->verify && tcodec_fnv(s + TCODEC_HDR, len) != sum) {
        return t->lib->host->err_set(err, HELIOS_ERR_DATA_CORRUPTED, "tcodec checksum mismatch");
    }
    if (len > 0) {
        memcpy(dst, s + TCODEC_HDR, len);
    }
    *dst_len = len;
    return 0;
}

static int32_t tcodec_control(void *inst, uint32_t op, void *arg, helios_err_t *err)
{
    return HELIOS_DECLINED;
}

static const helios_codec_vtable_t tcodec_vtable = {
    .size = sizeof(helios_codec_vtable_t),
    .caps = HELIOS_CODEC_CAP_BYTES,
    .codec_id = 60000,
    .format_version = 1,
    .create = tcodec_create,
    .destroy = tcodec_destroy,
    .bound = tcodec_bound,
    .compress = tcodec_compress,
    .decompress = tcodec_decompress,
    .control = tcodec_control,
};

static const char *const tcodec_modes[] = {"fast", "small", NULL};

static const helios_config_key_t tcodec_keys[] = {
    HELIOS_CONFIG_KEY_RANGE(HELIOS_CFG_INT, "level", tcodec_config_t, level, 1, 9,
                            .default_text = "3", .help = "a level"),
    HELIOS_CONFIG_KEY(HELIOS_CFG_SIZE, "buffer", tcodec_config_t, buffer_bytes,
                      .default_text = "64KiB", .help = "a size"),
    HELIOS_CONFIG_KEY_RANGE(HELIOS_CFG_DURATION, "timeout", tcodec_config_t, timeout_ms, 0, 3600000,
                            .default_text = "250ms", .help = "a duration"),
    HELIOS_CONFIG_KEY(HELIOS_CFG_STRING, "label", tcodec_config_t, label, .default_text = "x",
                      .help = "a string"),
    HELIOS_CONFIG_KEY(HELIOS_CFG_ENUM, "mode", tcodec_config_t, mode, .enum_names = tcodec_modes,
                      .default_text = "fast", .help = "an enum"),
    HELIOS_CONFIG_KEY(HELIOS_CFG_BOOL, "verify", tcodec_config_t, verify, .default_text = "on",
                      .help = "a boolean"),
};

HELIOS_PLUGIN(.kind = HELIOS_KIND_CODEC, .name = "tcodec", .version = "1.0.0",
              .description = "test codec: raw bytes behind a checksummed header",
              .vtable = &tcodec_vtable, .config_keys = tcodec_keys,
              .n_config_keys = sizeof(tcodec_keys) / sizeof(tcodec_keys[0]),
              .config_size = sizeof(tcodec_config_t), .init = tcodec_init, .fini = tcodec_fini);
