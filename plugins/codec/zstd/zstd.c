/*
 * zstd.c -- codec plugin "zstd": a byte compressor over libzstd (codec id 1).
 *
 * Each block is one standard zstd frame carrying its content size (and, by default, a content
 * checksum), so any zstd tool can read it and decompress can check the caller's original length
 * against the frame before writing a byte. Contexts come from a small per-instance pool, so
 * concurrent calls on one instance never share a context and the steady state allocates
 * nothing; libzstd allocates through the host (ZSTD_customMem), so its memory is counted.
 */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_customMem and the *_advanced constructors */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "helios/codec.h"
#include "helios/plugin.h"

#define ZSTD_POOL_MAX 8u /* idle contexts kept per instance and direction */

typedef struct zstd_config {
    int64_t level;
    uint32_t checksum;
    uint32_t reserved;
} zstd_config_t;

typedef struct zstd_lib {
    const helios_host_t *host;
    helios_metric_t *bytes_in;  /* uncompressed bytes compressed */
    helios_metric_t *bytes_out; /* compressed bytes produced */
} zstd_lib_t;

typedef struct zstd_inst {
    zstd_lib_t *lib;
    int32_t level;
    uint32_t checksum;
    pthread_mutex_t mu;
    ZSTD_CCtx *cctx[ZSTD_POOL_MAX];
    uint32_t n_cctx;
    ZSTD_DCtx *dctx[ZSTD_POOL_MAX];
    uint32_t n_dctx;
} zstd_inst_t;

static void *zstd_mem_alloc(void *opaque, size_t size)
{
    const helios_host_t *host = opaque;
    return host->alloc(host, size);
}

static void zstd_mem_free(void *opaque, void *address)
{
    const helios_host_t *host = opaque;
    host->free(host, address);
}

static ZSTD_customMem zstd_mem(const zstd_inst_t *z)
{
    ZSTD_customMem mem = {zstd_mem_alloc, zstd_mem_free, (void *)(uintptr_t)z->lib->host};
    return mem;
}

/* A compression context with the instance's parameters, from the pool or new; NULL when out
   of memory. */
static ZSTD_CCtx *zstd_cctx_get(zstd_inst_t *z)
{
    ZSTD_CCtx *c = NULL;
    pthread_mutex_lock(&z->mu);
    if (z->n_cctx > 0) {
        c = z->cctx[--z->n_cctx];
    }
    pthread_mutex_unlock(&z->mu);
    if (c != NULL) {
        return c;
    }
    c = ZSTD_createCCtx_advanced(zstd_mem(z));
    if (c == NULL) {
        return NULL;
    }
    if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, z->level)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, (int)z->checksum)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1))) {
        ZSTD_freeCCtx(c);
        return NULL;
    }
    return c;
}

static void zstd_cctx_put(zstd_inst_t *z, ZSTD_CCtx *c)
{
    pthread_mutex_lock(&z->mu);
    if (z->n_cctx < ZSTD_POOL_MAX) {
        z->cctx[z->n_cctx++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&z->mu);
    ZSTD_freeCCtx(c); /* NULL is a no-op */
}

static ZSTD_DCtx *zstd_dctx_get(zstd_inst_t *z)
{
    ZSTD_DCtx *d = NULL;
    pthread_mutex_lock(&z->mu);
    if (z->n_dctx > 0) {
        d = z->dctx[--z->n_dctx];
    }
    pthread_mutex_unlock(&z->mu);
    return d != NULL ? d : ZSTD_createDCtx_advanced(zstd_mem(z));
}

static void zstd_dctx_put(zstd_inst_t *z, ZSTD_DCtx *d)
{
    pthread_mutex_lock(&z->mu);
    if (z->n_dctx < ZSTD_POOL_MAX) {
        z->dctx[z->n_dctx++] = d;
        d = NULL;
    }
    pthread_mutex_unlock(&z->mu);
    ZSTD_freeDCtx(d);
}

static int32_t zstd_oom(const zstd_inst_t *z, helios_err_t *err)
{
    return z->lib->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory in zstd");
}

/* ---- library and instance lifecycles ---------------------------------------------------- */

static int32_t zstd_init(const helios_host_t *host, const void *config, void **lib_state,
                         helios_err_t *err)
{
    int32_t rc = 0;
    zstd_lib_t *lib = host->calloc(host, 1, sizeof(*lib));
    if (lib == NULL) {
        return host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    lib->host = host;
    rc = host->metric_register(host, "bytes_in", HELIOS_METRIC_COUNTER,
                               "uncompressed bytes given to compress", &lib->bytes_in, err);
    if (rc != 0) {
        goto failed;
    }
    rc = host->metric_register(host, "bytes_out", HELIOS_METRIC_COUNTER,
                               "compressed bytes produced", &lib->bytes_out, err);
    if (rc != 0) {
        goto failed;
    }
    *lib_state = lib;
    return 0;
failed:
    host->free(host, lib);
    return rc;
}

static void zstd_fini(void *lib_state)
{
    zstd_lib_t *lib = lib_state;
    if (lib != NULL) {
        lib->host->free(lib->host, lib);
    }
}

static int32_t zstd_create(void *lib_state, const void *config, void **inst, helios_err_t *err)
{
    zstd_lib_t *lib = lib_state;
    const zstd_config_t *cfg = config;
    zstd_inst_t *z = lib->host->calloc(lib->host, 1, sizeof(*z));
    if (z == NULL) {
        return lib->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    z->lib = lib;
    /* No config struct means "all defaults" (the schema's defaults, repeated here). */
    z->level = cfg != NULL ? (int32_t)cfg->level : 3;
    z->checksum = cfg != NULL ? cfg->checksum : 1;
    if (z->level < 1 || z->level > 19) {
        int32_t rc = lib->host->err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                        "zstd level %d is out of range [1, 19]", (int)z->level);
        lib->host->free(lib->host, z);
        return rc;
    }
    pthread_mutex_init(&z->mu, NULL);
    *inst = z;
    return 0;
}

static void zstd_destroy(void *inst)
{
    zstd_inst_t *z = inst;
    if (z == NULL) {
        return;
    }
    for (uint32_t i = 0; i < z->n_cctx; i++) {
        ZSTD_freeCCtx(z->cctx[i]);
    }
    for (uint32_t i = 0; i < z->n_dctx; i++) {
        ZSTD_freeDCtx(z->dctx[i]);
    }
    pthread_mutex_destroy(&z->mu);
    z->lib->host->free(z->lib->host, z);
}

/* ---- byte compression ------------------------------------------------------------------- */

static uint64_t zstd_bound(void *inst, uint64_t src_len)
{
    return ZSTD_compressBound((size_t)src_len);
}

static int32_t zstd_compress(void *inst, const void *src, uint64_t src_len, void *dst,
                             uint64_t dst_cap, uint64_t *dst_len, helios_err_t *err)
{
    zstd_inst_t *z = inst;
    const helios_host_t *host = z->lib->host;
    ZSTD_CCtx *c = zstd_cctx_get(z);
    if (c == NULL) {
        return zstd_oom(z, err);
    }
    size_t n = ZSTD_compress2(c, dst, (size_t)dst_cap, src, (size_t)src_len);
    zstd_cctx_put(z, c);
    if (ZSTD_isError(n)) {
        if (ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation) {
            return zstd_oom(z, err);
        }
        return host->err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                             "zstd could not compress %llu bytes into %llu: %s",
                             (unsigned long long)src_len, (unsigned long long)dst_cap,
                             ZSTD_getErrorName(n));
    }
    host->metric_add(z->lib->bytes_in, (int64_t)src_len);
    host->metric_add(z->lib->bytes_out, (int64_t)n);
    *dst_len = n;
    return 0;
}

static int32_t zstd_decompress(void *inst, const void *src, uint64_t src_len, void *dst,
                               uint64_t dst_cap, uint64_t *dst_len, helios_err_t *err)
{
    zstd_inst_t *z = inst;
    const helios_host_t *host = z->lib->host;
    /* Check the frame before decoding: one frame, exactly src_len bytes long, declaring exactly
       the length the caller recorded. */
    unsigned long long content = ZSTD_getFrameContentSize(src, (size_t)src_len);
    if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN) {
        return host->err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                             "zstd block of %llu bytes has no valid frame header",
                             (unsigned long long)src_len);
    }
    if (content != dst_cap) {
        return host->err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                             "zstd block holds %llu bytes, expected %llu", content,
                             (unsigned long long)dst_cap);
    }
    size_t frame = ZSTD_findFrameCompressedSize(src, (size_t)src_len);
    if (ZSTD_isError(frame) || frame != src_len) {
        return host->err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                             "zstd block of %llu bytes is truncated or has trailing bytes",
                             (unsigned long long)src_len);
    }
    ZSTD_DCtx *d = zstd_dctx_get(z);
    if (d == NULL) {
        return zstd_oom(z, err);
    }
    size_t n = ZSTD_decompressDCtx(d, dst, (size_t)dst_cap, src, (size_t)src_len);
    zstd_dctx_put(z, d);
    if (ZSTD_isError(n)) {
        if (ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation) {
            return zstd_oom(z, err);
        }
        return host->err_set(err, HELIOS_ERR_DATA_CORRUPTED, "zstd block is corrupt: %s",
                             ZSTD_getErrorName(n));
    }
    if (n != dst_cap) {
        return host->err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                             "zstd block decoded to %zu bytes, expected %llu", n,
                             (unsigned long long)dst_cap);
    }
    *dst_len = n;
    return 0;
}

static int32_t zstd_control(void *inst, uint32_t op, void *arg, helios_err_t *err)
{
    return HELIOS_DECLINED;
}

/* ---- descriptor ------------------------------------------------------------------------- */

static const helios_codec_vtable_t zstd_vtable = {
    .size = sizeof(helios_codec_vtable_t),
    .caps = HELIOS_CODEC_CAP_BYTES,
    .codec_id = HELIOS_CODEC_ID_ZSTD,
    .format_version = 1,
    .create = zstd_create,
    .destroy = zstd_destroy,
    .bound = zstd_bound,
    .compress = zstd_compress,
    .decompress = zstd_decompress,
    .control = zstd_control,
};

static const helios_config_key_t zstd_keys[] = {
    HELIOS_CONFIG_KEY_RANGE(HELIOS_CFG_INT, "level", zstd_config_t, level, 1, 19,
                            .default_text = "3",
                            .help = "compression level: 1 fastest .. 19 smallest"),
    HELIOS_CONFIG_KEY(HELIOS_CFG_BOOL, "checksum", zstd_config_t, checksum, .default_text = "true",
                      .help = "store a content checksum in each block (4 bytes) and verify it"),
};

HELIOS_PLUGIN(.kind = HELIOS_KIND_CODEC, .name = "zstd", .version = "1.0.0",
              .description = "zstd byte compressor (libzstd), codec id 1", .vtable = &zstd_vtable,
              .config_keys = zstd_keys, .n_config_keys = sizeof(zstd_keys) / sizeof(zstd_keys[0]),
              .config_size = sizeof(zstd_config_t), .init = zstd_init, .fini = zstd_fini);
