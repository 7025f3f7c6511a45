/*
 * localtier.h -- the local-directory storage tier shared by the nvme and sata plugins.
 *
 * Both plugins compile localtier.c; each supplies only its descriptor (name, latency class,
 * cost) through localtier_vtable_init(). Files live under a root directory: the `path` config
 * key when set, else the root the kernel passes in helios_tier_options_t.
 */
#ifndef LOCALTIER_H
#define LOCALTIER_H

#include "helios/plugin.h"
#include "helios/storage.h"

/* The plugin's config struct (see localtier_config_keys). */
typedef struct localtier_config {
    char *path;     /* root directory; NULL: the kernel's root */
    uint32_t fsync; /* 0: skip fsync/fdatasync (tests, never the default) */
    uint32_t reserved;
} localtier_config_t;

extern const helios_config_key_t localtier_config_keys[];
#define LOCALTIER_N_CONFIG_KEYS 2u

/* Library init/fini shared by both plugins. */
int32_t localtier_init(const helios_host_t *host, const void *config, void **lib_state,
                       helios_err_t *err);
void localtier_fini(void *lib_state);

/* Vtable members (ABI 1.0), for the plugins' static const vtables. */
int32_t localtier_create(void *lib_state, const void *config, const helios_tier_options_t *opts,
                         void **inst, helios_err_t *err);
int32_t localtier_start(void *inst, helios_err_t *err);
void localtier_stop(void *inst);
void localtier_destroy(void *inst);
int32_t localtier_put(void *inst, const char *name, const void *data, uint64_t len,
                      helios_err_t *err);
int32_t localtier_get(void *inst, const char *name, uint64_t offset, uint64_t len, void *buf,
                      uint64_t *n_read, helios_err_t *err);
int32_t localtier_ropen(void *inst, const char *name, helios_tier_reader_t **r,
                        uint64_t *size_bytes, helios_err_t *err);
int32_t localtier_read(helios_tier_reader_t *r, uint64_t offset, uint64_t len, void *buf,
                       uint64_t *n_read, helios_err_t *err);
void localtier_rclose(helios_tier_reader_t *r);
int32_t localtier_wopen(void *inst, const char *name, uint32_t flags, helios_tier_writer_t **w,
                        helios_err_t *err);
int32_t localtier_append(helios_tier_writer_t *w, const void *data, uint64_t len,
                         helios_err_t *err);
int32_t localtier_wsync(helios_tier_writer_t *w, helios_err_t *err);
int32_t localtier_wclose(helios_tier_writer_t *w, uint32_t commit, helios_err_t *err);
int32_t localtier_truncate(void *inst, const char *name, uint64_t size_bytes, helios_err_t *err);
int32_t localtier_remove(void *inst, const char *name, helios_err_t *err);
int32_t localtier_list(void *inst, const char *prefix, helios_tier_list_cb cb, void *arg,
                       helios_err_t *err);
int32_t localtier_stat(void *inst, const char *name, helios_tier_stat_t *st, helios_err_t *err);
int32_t localtier_control(void *inst, uint32_t op, void *arg, helios_err_t *err);
/* ABI 1.2 members (HELIOS_TIER_CAP_OVERWRITE). */
int32_t localtier_write_at(helios_tier_writer_t *w, uint64_t offset, const void *data, uint64_t len,
                           helios_err_t *err);
int32_t localtier_prealloc(void *inst, const char *name, uint64_t size_bytes, helios_err_t *err);
int32_t localtier_rename(void *inst, const char *from, const char *to, helios_err_t *err);

#define LOCALTIER_VTABLE(latency_, cost_)                                                          \
    {                                                                                              \
        .size = sizeof(helios_storage_vtable_t),                                                   \
        .caps = HELIOS_TIER_CAP_APPEND | HELIOS_TIER_CAP_LOCAL | HELIOS_TIER_CAP_OVERWRITE,        \
        .latency_class = (latency_), .cost_per_gb_month_millicents = (cost_),                      \
        .create = localtier_create, .start = localtier_start, .stop = localtier_stop,              \
        .destroy = localtier_destroy, .put = localtier_put, .get = localtier_get,                  \
        .ropen = localtier_ropen, .read = localtier_read, .rclose = localtier_rclose,              \
        .wopen = localtier_wopen, .append = localtier_append, .wsync = localtier_wsync,            \
        .wclose = localtier_wclose, .truncate = localtier_truncate, .remove = localtier_remove,    \
        .list = localtier_list, .stat = localtier_stat, .control = localtier_control,              \
        .write_at = localtier_write_at, .prealloc = localtier_prealloc,                            \
        .rename = localtier_rename,                                                                \
    }

#endif /* LOCALTIER_H */
