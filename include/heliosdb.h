/*
 * heliosdb.h -- the embedded C API: open a database directory in-process and run SQL through
 * the same session API the protocol plugins use (helios/session.h), plus a step-wise
 * convenience layer (prepare / bind / step / typed column reads) in the style of SQLite.
 *
 * Link with libheliosdb (kernel static library). Plugins (storage tier, codecs) are loaded
 * from the plugin directories given in the options, as the server does.
 */
#ifndef HELIOSDB_H
#define HELIOSDB_H

#include <stdint.h>

#include "helios/session.h"
#include "helios/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct heliosdb_options {
    uint32_t size;                    /* sizeof(heliosdb_options_t) */
    uint32_t no_sync;                 /* 1: commits do not wait for fsync (never the default) */
    const char *const *plugin_dirs;   /* NULL-terminated; NULL: $HELIOS_PLUGIN_DIR, then the
                                         build tree's and the install prefix's plugin dirs */
    const char *tier;                 /* storage tier plugin for data files; NULL: "nvme" */
    const char *codec;                /* block codec plugin; NULL: "lz4" */
    const char *config_file;          /* optional YAML config (as the server reads); NULL none */
} heliosdb_options_t;

/* heliosdb_open: open (creating if needed) the database in `data_dir`. opts may be NULL. */
int32_t heliosdb_open(const char *data_dir, const heliosdb_options_t *opts,
                      helios_engine_t **out, helios_err_t *err);
/* heliosdb_close: close every session first. NULL is a no-op. */
void heliosdb_close(helios_engine_t *eng);
/* heliosdb_session_api: the session API table (static; never NULL). */
const helios_session_api_t *heliosdb_session_api(void);

#ifdef __cplusplus
}
#endif
#endif /* HELIOSDB_H */
