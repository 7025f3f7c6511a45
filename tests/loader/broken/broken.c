/*
 * tests/loader/broken/broken.c -- one tiny plugin per way the loader refuses one. Built once per
 * defect with -DBROKEN_<DEFECT>; each object is otherwise a valid codec named "broken_<defect>".
 * The descriptor is written out by hand (not with HELIOS_PLUGIN) so a test can get each field
 * wrong.
 */
#include <string.h>

#include "helios/codec.h"
#include "helios/plugin.h"

#ifndef BROKEN_NAME
#error "build with -DBROKEN_NAME=\"...\" and one -DBROKEN_<DEFECT>"
#endif

static int32_t b_create(void *lib, const void *config, void **inst, helios_err_t *err)
{
    (void)lib;
    (void)config;
    (void)err;
    *inst = (void *)1;
    return 0;
}

static void b_destroy(void *inst)
{
    (void)inst;
}

static uint64_t b_bound(void *inst, uint64_t n)
{
    (void)inst;
    return n;
}

static int32_t b_copy(void *inst, const void *src, uint64_t n, void *dst, uint64_t cap,
                      uint64_t *out, helios_err_t *err)
{
    (void)inst;
    (void)err;
    if (n > cap) {
        return HELIOS_ERR_DATA_CORRUPTED;
    }
    memcpy(dst, src, n);
    *out = n;
    return 0;
}

#if defined(BROKEN_UNPAIRED)
static int32_t b_encode(void *inst, const helios_vector_t *v, void *dst, uint64_t cap,
                        uint64_t *out, helios_err_t *err)
{
    (void)inst;
    (void)v;
    (void)dst;
    (void)cap;
    (void)out;
    (void)err;
    return HELIOS_DECLINED;
}
#endif

static const helios_codec_vtable_t b_vtable = {
#if defined(BROKEN_SMALL_VTABLE)
    .size = 8,
#else
    .size = sizeof(helios_codec_vtable_t),
#endif
    .caps = HELIOS_CODEC_CAP_BYTES,
    .codec_id = 4000,
    .format_version = 1,
    .create = b_create,
    .destroy = b_destroy,
    .bound = b_bound,
#if !defined(BROKEN_NULL_MEMBER)
    .compress = b_copy,
#endif
    .decompress = b_copy,
#if defined(BROKEN_UNPAIRED)
    .encode = b_encode,
#endif
};

#if defined(BROKEN_INIT_FAILS)
static int32_t b_init(const struct helios_host *host, const void *config, void **lib,
                      struct helios_err *err)
{
    (void)config;
    (void)lib;
    return host->err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE, "no license key configured");
}
#endif

#if defined(BROKEN_BAD_SCHEMA)
typedef struct b_config {
    int64_t level;
} b_config_t;
static const helios_config_key_t b_keys[] = {
    HELIOS_CONFIG_KEY_RANGE(HELIOS_CFG_INT, "level", b_config_t, level, 1, 9,
                            .default_text = "eleven", .help = "a default that does not parse"),
};
#endif

#if !defined(BROKEN_NO_SYMBOL)
HELIOS_EXPORT const helios_plugin_t helios_plugin = {
#if defined(BROKEN_BAD_MAGIC)
    .magic = 0x0123456789abcdefULL,
#else
    .magic = HELIOS_PLUGIN_MAGIC,
#endif
#if defined(BROKEN_SMALL_DESCRIPTOR)
    .size = 16,
#else
    .size = sizeof(helios_plugin_t),
#endif
#if defined(BROKEN_ABI_MAJOR)
    .abi_major = HELIOS_ABI_MAJOR + 1,
#else
    .abi_major = HELIOS_ABI_MAJOR,
#endif
#if defined(BROKEN_ABI_MINOR)
    .abi_minor = HELIOS_ABI_MINOR + 7,
#else
    .abi_minor = HELIOS_ABI_MINOR,
#endif
#if defined(BROKEN_BAD_SIG)
    .sig = {(uint32_t)sizeof(void *), HELIOS_BYTE_ORDER, (uint32_t)sizeof(off_t), 0u, "acme"},
#elif defined(BROKEN_BAD_OFF_T)
    .sig = {(uint32_t)sizeof(void *), HELIOS_BYTE_ORDER, 4u, 0u, "heliosdb"},
#else
    .sig = HELIOS_BUILD_SIG_INIT,
#endif
#if defined(BROKEN_UNKNOWN_KIND)
    .kind = 9,
#else
    .kind = HELIOS_KIND_CODEC,
#endif
    .name = BROKEN_NAME,
    .version = "0.0.1",
    .description = "a deliberately broken test plugin",
    .vtable = &b_vtable,
#if defined(BROKEN_INIT_FAILS)
    .init = b_init,
#endif
#if defined(BROKEN_BAD_SCHEMA)
    .n_config_keys = 1,
    .config_keys = b_keys,
    .config_size = sizeof(b_config_t),
#endif
};
#else
/* exports something, but not the descriptor */
HELIOS_EXPORT const void *const helios_plugin_v0 = &b_vtable;
#endif
