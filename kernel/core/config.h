/*
 * kernel/core/config.h -- the server's YAML config (docs/config.md), read with libcyaml.
 *
 * Two passes. helios_config_load reads everything but the `plugins:` subtree (so plugin_dirs
 * is known before any plugin is loaded). After the loader scanned the plugin directories,
 * helios_config_apply_plugins builds a libcyaml schema for `plugins:` at run time from each
 * loaded plugin's static config_keys, reads the file again with it, parses each plugin's
 * subtree into that plugin's config struct, and checks what needs loaded plugins (listener
 * protocols, storage tier and codec).
 *
 * Before libcyaml sees the document, a validator walks the same libcyaml schema over the YAML
 * node tree (libyaml keeps line numbers, libcyaml does not report them), so every error is one
 * line: "FILE:LINE: KEY.PATH: what is wrong" with the nearest valid key for a typo.
 * All errors return HELIOS_ERR_CONFIG_FILE_ERROR (F0000) with that line in err->message.
 */
#ifndef HELIOS_CORE_CONFIG_H
#define HELIOS_CORE_CONFIG_H

#include <stdint.h>

#include "helios/status.h"

typedef struct helios_listener_cfg {
    char *protocol;                    /* a protocol plugin's name, or "auto" */
    char *host;                        /* default 127.0.0.1 */
    uint32_t port;                     /* 0: an ephemeral port */
    uint32_t auth_method;              /* HELIOS_AUTH_* */
    char *tls_cert, *tls_key, *tls_ca; /* NULL when absent */
    uint32_t max_message_bytes;
    uint32_t read_timeout_ms;
    uint32_t line;  /* where it was configured */
    uint32_t index; /* position in `listeners` */
} helios_listener_cfg_t;

typedef struct helios_config {
    char *file;          /* the file read, or "<default>" */
    uint32_t is_default; /* the embedded default config */
    char *data_dir;
    char **plugin_dirs; /* NULL-terminated; the defaults when the file gave none */
    uint32_t plugin_dirs_given;
    helios_listener_cfg_t *listeners;
    uint32_t n_listeners;
    char **users;             /* NULL-terminated */
    char **passwords;         /* parallel to users */
    char *tier;               /* storage.tier, default "nvme" */
    char *codec;              /* storage.codec, default "lz4"; "none": raw blocks */
    uint64_t memtable_bytes;  /* storage.memtable_size, default 64 MiB */
    uint32_t sync_commit;     /* storage.sync_commit, default on */
    uint32_t max_connections; /* default 100 */
    void *priv;               /* the file's bytes and document, for the second pass */
    /* ---- appended ---- */
    uint64_t block_cache_bytes; /* storage.block_cache_size; 0 (default): 1/8 of RAM, clamped */
    uint64_t wal_segment_bytes; /* storage.wal_segment_size; 0 (default): 16 MiB (less when
                                   memtable_size is smaller) */
} helios_config_t;

/* Pass 1. file NULL: the embedded default. On error *out stays NULL. */
int32_t helios_config_load(const char *file, helios_config_t **out, helios_err_t *err);
/* Pass 2, after helios_registry_scan: parse `plugins:` into each loaded plugin's config and
   check listener protocols, storage tier and codec. With the embedded default a listener whose
   protocol is not loaded is dropped with a warning instead of failing. */
int32_t helios_config_apply_plugins(helios_config_t *cfg, helios_err_t *err);
void helios_config_free(helios_config_t *cfg);

/* The embedded default config, as YAML text. */
const char *helios_config_default_text(void);
/* The default plugin directories: $HELIOS_PLUGIN_DIR (':'-separated), else the build tree's
   plugin dir if it exists, else the install prefix's. NULL-terminated, static. */
const char *const *helios_default_plugin_dirs(void);

#endif /* HELIOS_CORE_CONFIG_H */
