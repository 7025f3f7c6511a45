/*
 * tests/loader/good/good.c -- a well-formed test codec ("good") with one config key of every
 * type, so the loader and config tests see a plugin accepted, its schema parsed and its init
 * run with the parsed config.
 */
#include <string.h>

#include "helios/codec.h"
#include "helios/host.h"
#include "helios/plugin.h"

typedef struct good_config {
    int64_t level;
    int64_t cache_size;
    int64_t flush_every;
    uint32_t verify;
    uint32_t mode;
    char *label;
} good_config_t;

static const char *const good_modes[] = {"fast", "small", "balanced", NULL};

static const helios_config_key_t good_keys[] = {
    HELIOS_CONFIG_KEY_RANGE(HELIOS_CFG_INT, "level", good_config_t, level, 1, 9,
                            .default_text = "3", .help = "compression level"),
    HELIOS_CONFIG_KEY(HELIOS_CFG_SIZE, "cache_size", good_config_t, cache_size,
                      .default_text = "4MiB", .help = "cache size"),
    HELIOS_CONFIG_KEY(HELIOS_CFG_DURATION, "flush_every", good_config_t, flush_every,
                      .default_text = "250ms", .help = "flush interval"),
    HELIOS_CONFIG_KEY(HELIOS_CFG_BOOL, "verify", good_config_t, verify, .default_text = "off",
                      .help = "verify after compressing"),
    HELIOS_CONFIG_KEY(HELIOS_CFG_ENUM, "mode", good_config_t, mode, .default_text = "balanced",
                      .enum_names = good_modes, .help = "trade-off"),
    HELIOS_CONFIG_KEY(HELIOS_CFG_STRING, "label", good_config_t, label, .help = "free text"),
};

typedef struct good_lib {
    const helios_host_t *host;
    int64_t level;
    helios_metric_t *calls;
} good_lib_t;

static int32_t good_init(const helios_host_t *host, const void *config, void **lib_state,
                         helios_err_t *err)
{
    const good_config_t *c = config;
    good_lib_t *lib = host->calloc(host, 1, sizeof(*lib));
    if (lib == NULL) {
        return host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    lib->host = host;
    lib->level = c->level;
    int32_t rc = host->metric_register(host, "calls", HELIOS_METRIC_COUNTER, "compress calls",
                                       &lib->calls, err);
    if (rc != 0) {
        host->free(host, lib);
        return rc;
    }
    *lib_state = lib;
    return 0;
}

static void good_fini(void *lib_state)
{
    good_lib_t *lib = lib_state;
    lib->host->free(lib->host, lib);
}

static int32_t good_create(void *lib, const void *config, void **inst, helios_err_t *err)
{
    (void)config;
    (void)err;
    *inst = lib;
    return 0;
}

static void good_destroy(void *inst)
{
    (void)inst;
}

static uint64_t good_bound(void *inst, uint64_t n)
{
    (void)inst;
    return n;
}

static int32_t good_copy(void *inst, const void *src, uint64_t n, void *dst, uint64_t cap,
                         uint64_t *out, helios_err_t *err)
{
    good_lib_t *lib = inst;
    if (n > cap) {
        return lib->host->err_set(err, HELIOS_ERR_DATA_CORRUPTED, "buffer too small");
    }
    lib->host->metric_add(lib->calls, 1);
    memcpy(dst, src, n);
    *out = n;
    return 0;
}

static const helios_codec_vtable_t good_vtable = {
    .size = sizeof(helios_codec_vtable_t),
    .caps = HELIOS_CODEC_CAP_BYTES,
    .codec_id = 4001,
    .format_version = 1,
    .create = good_create,
    .destroy = good_destroy,
    .bound = good_bound,
    .compress = good_copy,
    .decompress = good_copy,
};

HELIOS_PLUGIN(.kind = HELIOS_KIND_CODEC, .name = "good", .version = "1.2.3",
              .description = "a well-formed test codec (stores bytes as they are)",
              .vtable = &good_vtable, .n_config_keys = sizeof(good_keys) / sizeof(good_keys[0]),
              .config_keys = good_keys, .config_size = sizeof(good_config_t), .init = good_init,
              .fini = good_fini);
