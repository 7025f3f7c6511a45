/*
 * kernel/core/registry.h -- loaded plugins, as the rest of the kernel sees them.
 *
 * The loader (loader.c) fills one process-wide registry: helios_registry_scan dlopens every
 * *.so of the plugin directories and checks it (plugin.h's order, up to the config schema);
 * the config module then parses each plugin's subtree into its config struct; and
 * helios_registry_init_all calls each plugin's init. Plugins are never unloaded.
 *
 * Threads: scan/init/fini run on the main thread before the server starts or after it stopped;
 * lookups (find, first/next) may run on any thread once init_all returned.
 */
#ifndef HELIOS_CORE_REGISTRY_H
#define HELIOS_CORE_REGISTRY_H

#include <stdatomic.h>
#include <stdint.h>

#include "helios/codec.h"
#include "helios/consensus.h"
#include "helios/host.h"
#include "helios/placement.h"
#include "helios/plugin.h"
#include "helios/protocol.h"
#include "helios/storage.h"

typedef struct helios_timer_node helios_timer_node_t;

/* A loaded (accepted) plugin. */
typedef struct helios_plugin_rt {
    char *path;                  /* the .so it came from */
    const char *name;            /* desc->name */
    uint32_t kind;               /* HELIOS_KIND_* */
    uint32_t vt_size_plugin;     /* the vtable size the plugin was built with */
    const helios_plugin_t *desc; /* inside the loaded object */
    void *vtable;                /* kernel-owned copy of the current size, zero-filled */
    helios_host_t host;          /* this plugin's host table */
    void *config;                /* its parsed config struct (config_size bytes), or NULL */
    uint64_t config_set_mask;    /* bit i: key i was given in the config file */
    void *lib_state;             /* what init returned */
    uint32_t inited;             /* init ran and succeeded */
    _Atomic int64_t alloc_bytes; /* live bytes allocated through host->alloc */
    _Atomic int64_t alloc_count; /* live allocations */
    void *watchers;              /* timers and io watchers it created (host.c) */
    struct helios_plugin_rt *next;
} helios_plugin_rt_t;

/* A .so the loader refused, with its one-line reason. */
typedef struct helios_refusal {
    char *path;
    char *name; /* plugin name when known, else NULL */
    char *line; /* the full one-line refusal, as logged */
    struct helios_refusal *next;
} helios_refusal_t;

/* Scan `dirs` (NULL-terminated) in order, each directory's *.so files in name order. Refusals
   are logged at WARN (when log_refusals) and kept. Returns 0, or 53200 on allocation failure.
   Calling it again scans only files not seen yet. */
int32_t helios_registry_scan(const char *const *dirs, const char *data_dir, int log_refusals,
                             helios_err_t *err);
/* Check and load one file (tests). On refusal returns ZP002 with the one-line reason in err. */
int32_t helios_registry_load_file(const char *path, helios_plugin_rt_t **out, helios_err_t *err);
/* Fill missing configs with schema defaults and call each plugin's init once. A failing init
   refuses that plugin (removed from the registry, added to the refusals). Returns 0. */
int32_t helios_registry_init_all(int log_refusals, helios_err_t *err);
/* fini every plugin (reverse load order) and free the registry. Plugins stay mapped. */
void helios_registry_fini(void);

helios_plugin_rt_t *helios_registry_find(uint32_t kind, const char *name);
helios_plugin_rt_t *helios_registry_find_name(const char *name);
helios_plugin_rt_t *helios_registry_first(void);
helios_refusal_t *helios_registry_refusals(void);
/* The refusal of the plugin (or file) named `name`, or NULL. */
const helios_refusal_t *helios_registry_refusal_of(const char *name);
/* Find a loaded codec by on-disk id (for helios_lsm_options_t.codec_lookup). */
helios_plugin_rt_t *helios_registry_codec_by_id(uint32_t codec_id);

const char *helios_kind_name(uint32_t kind);
uint32_t helios_kind_from_name(const char *name);

/* Create a zero-filled config struct for `p` filled with its schema's defaults (not freed
   by the caller: stored in p->config). Returns 0 or 22023 with a message. */
int32_t helios_registry_config_defaults(helios_plugin_rt_t *p, helios_err_t *err);

/* ---- checked accessors: the vtable of a loaded plugin of that kind, or NULL ---- */
static inline const helios_storage_vtable_t *hk_storage(const helios_plugin_rt_t *p)
{
    return (p != NULL && p->kind == HELIOS_KIND_STORAGE) ? p->vtable : NULL;
}
static inline const helios_codec_vtable_t *hk_codec(const helios_plugin_rt_t *p)
{
    return (p != NULL && p->kind == HELIOS_KIND_CODEC) ? p->vtable : NULL;
}
static inline const helios_protocol_vtable_t *hk_protocol(const helios_plugin_rt_t *p)
{
    return (p != NULL && p->kind == HELIOS_KIND_PROTOCOL) ? p->vtable : NULL;
}
static inline const helios_consensus_vtable_t *hk_consensus(const helios_plugin_rt_t *p)
{
    return (p != NULL && p->kind == HELIOS_KIND_CONSENSUS) ? p->vtable : NULL;
}
static inline const helios_placement_vtable_t *hk_placement(const helios_plugin_rt_t *p)
{
    return (p != NULL && p->kind == HELIOS_KIND_PLACEMENT) ? p->vtable : NULL;
}

/* Instance lifecycle wrappers: optional members fall back to no-ops. */
static inline int32_t hk_storage_create(const helios_plugin_rt_t *p, const helios_tier_options_t *o,
                                        void **inst, helios_err_t *err)
{
    *inst = NULL;
    return hk_storage(p)->create(p->lib_state, p->config, o, inst, err);
}
static inline int32_t hk_storage_start(const helios_plugin_rt_t *p, void *inst, helios_err_t *err)
{
    const helios_storage_vtable_t *vt = hk_storage(p);
    return vt->start != NULL ? vt->start(inst, err) : 0;
}
static inline void hk_storage_stop_destroy(const helios_plugin_rt_t *p, void *inst)
{
    const helios_storage_vtable_t *vt = hk_storage(p);
    if (inst == NULL) {
        return;
    }
    if (vt->stop != NULL) {
        vt->stop(inst);
    }
    vt->destroy(inst);
}
static inline int32_t hk_codec_create(const helios_plugin_rt_t *p, void **inst, helios_err_t *err)
{
    *inst = NULL;
    return hk_codec(p)->create(p->lib_state, p->config, inst, err);
}
static inline int32_t hk_protocol_create(const helios_plugin_rt_t *p,
                                         const helios_listener_info_t *l, helios_engine_t *eng,
                                         const helios_session_api_t *api, void **inst,
                                         helios_err_t *err)
{
    *inst = NULL;
    return hk_protocol(p)->create(p->lib_state, p->config, l, eng, api, inst, err);
}
static inline int32_t hk_protocol_start(const helios_plugin_rt_t *p, void *inst, helios_err_t *err)
{
    const helios_protocol_vtable_t *vt = hk_protocol(p);
    return vt->start != NULL ? vt->start(inst, err) : 0;
}
static inline void hk_protocol_stop(const helios_plugin_rt_t *p, void *inst)
{
    const helios_protocol_vtable_t *vt = hk_protocol(p);
    if (inst != NULL && vt->stop != NULL) {
        vt->stop(inst);
    }
}
/* detect: HELIOS_DECLINED when the plugin has no detect. */
static inline int32_t hk_protocol_detect(const helios_plugin_rt_t *p, const uint8_t *buf,
                                         uint32_t len)
{
    const helios_protocol_vtable_t *vt = hk_protocol(p);
    return vt->detect != NULL ? vt->detect(buf, len) : HELIOS_DECLINED;
}

#endif /* HELIOS_CORE_REGISTRY_H */
