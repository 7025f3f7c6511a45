/*
 * lz4.c -- codec plugin "lz4": a byte compressor over liblz4 (codec id 2).
 *
 * Each block is one raw LZ4 block (no frame: the caller keeps the original length, the kernel's
 * block header keeps the codec id and format version). `hc` > 0 selects LZ4HC at that level,
 * otherwise the fast compressor at `acceleration`. Compression states come from a small
 * per-instance pool allocated through the host, so concurrent calls on one instance never share
 * a state. Decompression is LZ4_decompress_safe, which never reads or writes out of bounds; a
 * block that does not decode to exactly the original length is refused.
 */
#include <limits.h>
#include <lz4.h>
#include <lz4hc.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "helios/codec.h"
#include "helios/plugin.h"

#define LZ4P_POOL_MAX 8u

typedef struct lz4_config {
    int64_t acceleration;
    int64_t hc;
} lz4_config_t;

typedef struct lz4_lib {
    const helios_host_t *host;
} lz4_lib_t;

typedef struct lz4_inst {
    lz4_lib_t *lib;
    int32_t acceleration;
    int32_t hc;          /* 0: fast compressor; 1 .. 12: LZ4HC level */
    uint64_t state_size; /* LZ4_sizeofState() or LZ4_sizeofStateHC() */
    pthread_mutex_t mu;
    void *states[LZ4P_POOL_MAX];
    uint32_t n_states;
} lz4_inst_t;

static void *lz4_state_get(lz4_inst_t *z)
{
    void *s = NULL;
    pthread_mutex_lock(&z->mu);
    if (z->n_states > 0) {
        s = z->states[--z->n_states];
    }
    pthread_mutex_unlock(&z->mu);
    if (s == NULL) {
        /* aligned enough for the LZ4 states (pointer-aligned; the host gives 16) */
        s = z->lib->host->alloc(z->lib->host, (size_t)z->state_size);
    }
    return s;
}

static void lz4_state_put(lz4_inst_t *z, void *s)
{
    pthread_mutex_lock(&z->mu);
    if (z->n_states < LZ4P_POOL_MAX) {
        z->states[z->n_states++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&z->mu);
    z->lib->host->free(z->lib->host, s);
}

static int32_t lz4_init(const helios_host_t *host, const void *config, void **lib_state,
                        helios_err_t *err)
{
    lz4_lib_t *lib = host->calloc(host, 1, sizeof(*lib));
    if (lib == NULL) {
        return host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    lib->host = host;
    *lib_state = lib;
    return 0;
}

static void lz4_fini(void *lib_state)
{
    lz4_lib_t *lib = lib_state;
    if (lib != NULL) {
        lib->host->free(lib->host, lib);
    }
}

static int32_t lz4_create(void *lib_state, const void *config, void **inst, helios_err_t *err)
{
    lz4_lib_t *lib = lib_state;
    const lz4_config_t *cfg = config;
    int64_t accel = cfg != NULL ? cfg->acceleration : 1;
    int64_t hc = cfg != NULL ? cfg->hc : 0;
    if (accel < 1 || accel > 65537 || hc < 0 || hc > LZ4HC_CLEVEL_MAX) {
        return lib->host->err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                  "lz4 acceleration %lld or hc %lld is out of range",
                                  (long long)accel, (long long)hc);
    }
    lz4_inst_t *z = lib->host->calloc(lib->host, 1, sizeof(*z));
    if (z == NULL) {
        return lib->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    z->lib = lib;
    z->acceleration = (int32_t)accel;
    z->hc = (int32_t)hc;
    z->state_size = (uint64_t)(hc > 0 ? LZ4_sizeofStateHC() : LZ4_sizeofState());
    pthread_mutex_init(&z->mu, NULL);
    *inst = z;
    return 0;
}

static void lz4_destroy(void *inst)
{
    lz4_inst_t *z = inst;
    if (z == NULL) {
        return;
    }
    for (uint32_t i = 0; i < z->n_states; i++) {
        z->lib->host->free(z->lib->host, z->states[i]);
    }
    pthread_mutex_destroy(&z->mu);
    z->lib->host->free(z->lib->host, z);
}

static uint64_t lz4_bound(void *inst, uint64_t src_len)
{
    if (src_len > LZ4_MAX_INPUT_SIZE) {
        return 0; /* compress refuses it anyway */
    }
    return (uint64_t)LZ4_compressBound((int)src_len);
}

static int32_t lz4_compress(void *inst, const void *src, uint64_t src_len, void *dst,
                            uint64_t dst_cap, uint64_t *dst_len, helios_err_t *err)
{
    lz4_inst_t *z = inst;
    const helios_host_t *host = z->lib->host;
    if (src_len > LZ4_MAX_INPUT_SIZE) {
        return host->err_set(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                             "lz4 cannot compress %llu bytes in one block (at most %d)",
                             (unsigned long long)src_len, LZ4_MAX_INPUT_SIZE);
    }
    int cap = dst_cap > INT_MAX ? INT_MAX : (int)dst_cap;
    void *state = lz4_state_get(z);
    if (state == NULL) {
        return host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory in lz4");
    }
    int n = z->hc > 0
                ? LZ4_compress_HC_extStateHC(state, src, dst, (int)src_len, cap, z->hc)
                : LZ4_compress_fast_extState(state, src, dst, (int)src_len, cap, z->acceleration);
    lz4_state_put(z, state);
    if (n <= 0) {
        return host->err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                             "lz4 could not compress %llu bytes into %llu",
                             (unsigned long long)src_len, (unsigned long long)dst_cap);
    }
    *dst_len = (uint64_t)n;
    return 0;
}

static int32_t lz4_decompress(void *inst, const void *src, uint64_t src_len, void *dst,
                              uint64_t dst_cap, uint64_t *dst_len, helios_err_t *err)
{
    lz4_inst_t *z = inst;
    const helios_host_t *host = z->lib->host;
    if (src_len == 0 || src_len > INT_MAX || dst_cap > INT_MAX) {
        return host->err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                             "lz4 block of %llu bytes for %llu cannot be valid",
                             (unsigned long long)src_len, (unsigned long long)dst_cap);
    }
    int n = LZ4_decompress_safe(src, dst, (int)src_len, (int)dst_cap);
    if (n < 0) {
        return host->err_set(err, HELIOS_ERR_DATA_CORRUPTED, "lz4 block of %llu bytes is corrupt",
                             (unsigned long long)src_len);
    }
    if ((uint64_t)n != dst_cap) {
        return host->err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                             "lz4 block decoded to %d bytes, expected %llu", n,
                             (unsigned long long)dst_cap);
    }
    *dst_len = (uint64_t)n;
    return 0;
}

static int32_t lz4_control(void *inst, uint32_t op, void *arg, helios_err_t *err)
{
    return HELIOS_DECLINED;
}

static const helios_codec_vtable_t lz4_vtable = {
    .size = sizeof(helios_codec_vtable_t),
    .caps = HELIOS_CODEC_CAP_BYTES,
    .codec_id = HELIOS_CODEC_ID_LZ4,
    .format_version = 1,
    .create = lz4_create,
    .destroy = lz4_destroy,
    .bound = lz4_bound,
    .compress = lz4_compress,
    .decompress = lz4_decompress,
    .control = lz4_control,
};

static const helios_config_key_t lz4_keys[] = {
    HELIOS_CONFIG_KEY_RANGE(HELIOS_CFG_INT, "acceleration", lz4_config_t, acceleration, 1, 65537,
                            .default_text = "1",
                            .help = "fast compressor: 1 best ratio, higher is faster"),
    HELIOS_CONFIG_KEY_RANGE(HELIOS_CFG_INT, "hc", lz4_config_t, hc, 0, 12, .default_text = "0",
                            .help = "LZ4HC level 1 .. 12 (slower, smaller); 0 uses the fast "
                                    "compressor"),
};

HELIOS_PLUGIN(.kind = HELIOS_KIND_CODEC, .name = "lz4", .version = "1.0.0",
              .description = "lz4 byte compressor (liblz4, LZ4HC optional), codec id 2",
              .vtable = &lz4_vtable, .config_keys = lz4_keys,
              .n_config_keys = sizeof(lz4_keys) / sizeof(lz4_keys[0]),
              .config_size = sizeof(lz4_config_t), .init = lz4_init, .fini = lz4_fini);
