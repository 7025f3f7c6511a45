/*
 * broken.c -- one tiny plugin per way the loader refuses a plugin, selected by a BROKEN_*
 * definition at build time.
 */
#include <stdint.h>
#include <string.h>

#include "helios/codec.h"
#include "helios/plugin.h"

typedef struct broken_config {
    int64_t level;
} broken_config_t;

static int32_t broken_create(void *lib_state, const void *config, void **inst, helios_err_t *err)
{
    *inst = NULL;
    return 0;
}

static void broken_destroy(void *inst)
{
}

static uint64_t broken_bound(void *inst, uint64_t n)
{
    return n;
}

static int32_t broken_copy(void *inst, const void *src, uint64_t src_len, void *dst,
                           uint64_t dst_cap, uint64_t *dst_len, helios_err_t *err)
{
    memcpy(dst, src, src_len);
    *dst_len = src_len;
    return 0;
}

static const helios_codec_vtable_t broken_vtable = {
    .size = sizeof(helios_codec_vtable_t),
    .caps = HELIOS_CODEC_CAP_BYTES,
    .codec_id = 60001,
    .format_version = 1,
    .create = broken_create,
    .destroy = broken_destroy,
    .bound = broken_bound,
    .compress = broken_copy,
#ifndef BROKEN_NOREQ
    .decompress = broken_copy,
#endif
};

static const helios_config_key_t broken_keys[] = {
    HELIOS_CONFIG_KEY_RANGE(HELIOS_CFG_INT, "level", broken_config_t, level, 1, 9,
#ifdef BROKEN_BADSCHEMA
                            .default_text = "12",
#else
                            .default_text = "3",
#endif
                            .help = "a level"),
};

#ifdef BROKEN_NOSYM
HELIOS_EXPORT const helios_plugin_t helios_plugin_misspelled = {
    .magic = HELIOS_PLUGIN_MAGIC, .vtable = &broken_vtable, .config_keys = broken_keys};
#else
HELIOS_EXPORT const helios_plugin_t helios_plugin = {
#ifdef BROKEN_BADMAGIC
    .magic = 0x1234,
#else
    .magic = HELIOS_PLUGIN_MAGIC,
#endif
    .size = sizeof(helios_plugin_t),
#ifdef BROKEN_BADABI
    .abi_major = HELIOS_ABI_MAJOR + 1,
#else
    .abi_major = HELIOS_ABI_MAJOR,
#endif
#ifdef BROKEN_BADMINOR
    .abi_minor = HELIOS_ABI_MINOR + 1,
#else
    .abi_minor = HELIOS_ABI_MINOR,
#endif
#ifdef BROKEN_BADSIG
    .sig = {(uint32_t)sizeof(void *), HELIOS_BYTE_ORDER, (uint32_t)sizeof(off_t), 0u, "acme"},
#else
    .sig = HELIOS_BUILD_SIG_INIT,
#endif
#ifdef BROKEN_BADKIND
    .kind = 9,
#else
    .kind = HELIOS_KIND_CODEC,
#endif
    .name = "broken",
    .version = "0",
    .description = "refused on purpose",
    .vtable = &broken_vtable,
    .config_keys = broken_keys,
    .n_config_keys = 1,
    .config_size = sizeof(broken_config_t),
};
#endif
