/*
 * kernel/core/server.h -- listeners, accepted connections and graceful shutdown on the main
 * loop (docs/threading.md).
 */
#ifndef HELIOS_CORE_SERVER_H
#define HELIOS_CORE_SERVER_H

#include "core/config.h"
#include "helios/session.h"

/* Bind every listener of cfg, create and start its protocol instances, and log
   "listening on HOST:PORT (PROTOCOL)" for each. engine may be NULL (not built). */
int32_t helios_server_start(const helios_config_t *cfg, helios_engine_t *engine,
                            const helios_session_api_t *api, helios_err_t *err);
/* Run the main loop until SIGTERM/SIGINT, then stop accepting, ask protocols to stop, let
   sessions finish for up to grace_ms (then cut their sockets), and return. */
void helios_server_run(uint32_t grace_ms);
/* Destroy protocol instances (after helios_server_run returned). */
void helios_server_destroy(void);

#endif /* HELIOS_CORE_SERVER_H */
