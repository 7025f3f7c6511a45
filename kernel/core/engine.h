/*
 * kernel/core/engine.h -- opening the database for the server (the embedded API in
 * include/heliosdb.h is built on the same path).
 */
#ifndef HELIOS_CORE_ENGINE_H
#define HELIOS_CORE_ENGINE_H

#include "core/config.h"
#include "heliosdb.h"

/* Open the database `cfg` describes; the plugin registry must be loaded and initialised
   (helios_registry_scan, helios_config_apply_plugins, helios_registry_init_all). The caller
   runs the main loop itself (no background loop thread). 0A000 when kernel/storage or
   kernel/sql is not part of this build. */
int32_t helios_engine_open_cfg(const helios_config_t *cfg, helios_engine_t **out,
                               helios_err_t *err);

/* Mark the registry as loaded by the caller (the server), so heliosdb_open does not scan. */
void helios_engine_registry_ready(void);

#endif /* HELIOS_CORE_ENGINE_H */
