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

/* ---- step-wise convenience API (kernel/sql/embedded.c), in the style of SQLite ----
 * A connection is a session of the session API (helios_session_t). Statements are prepared
 * once (the engine caches plans), bound with 1-based parameter indexes, and stepped:
 * heliosdb_step returns HELIOSDB_ROW while a row is available, 0 when done, or an error
 * status (> 0, SQLSTATE-packed) with `err` filled. Column values stay valid until the next
 * step, reset or finalize. Not thread-safe per connection; one connection per thread. */
#define HELIOSDB_ROW (-100) /* a control signal (< 0): a row is ready */

typedef struct heliosdb_stmt heliosdb_stmt_t;

/* heliosdb_connect: a session as `user` (NULL: "helios"). */
int32_t heliosdb_connect(helios_engine_t *eng, const char *user, helios_session_t **out,
                         helios_err_t *err);
void heliosdb_disconnect(helios_session_t *s);
/* heliosdb_exec: run every statement in sql, discarding rows. */
int32_t heliosdb_exec(helios_session_t *s, const char *sql, helios_err_t *err);
int32_t heliosdb_prepare(helios_session_t *s, const char *sql, heliosdb_stmt_t **out,
                         helios_err_t *err);
/* bind_*: idx is 1-based; values are copied. 22023 for an index out of range. */
int32_t heliosdb_bind_null(heliosdb_stmt_t *st, uint32_t idx);
int32_t heliosdb_bind_int64(heliosdb_stmt_t *st, uint32_t idx, int64_t v);
int32_t heliosdb_bind_double(heliosdb_stmt_t *st, uint32_t idx, double v);
int32_t heliosdb_bind_text(heliosdb_stmt_t *st, uint32_t idx, const char *v, int32_t len);
int32_t heliosdb_step(heliosdb_stmt_t *st, helios_err_t *err);
uint32_t heliosdb_column_count(heliosdb_stmt_t *st);
const char *heliosdb_column_name(heliosdb_stmt_t *st, uint32_t col);
uint32_t heliosdb_column_type(heliosdb_stmt_t *st, uint32_t col); /* PostgreSQL type OID */
uint32_t heliosdb_column_is_null(heliosdb_stmt_t *st, uint32_t col);
int64_t heliosdb_column_int64(heliosdb_stmt_t *st, uint32_t col);
double heliosdb_column_double(heliosdb_stmt_t *st, uint32_t col);
/* text form (PostgreSQL output format), NUL-terminated; NULL for SQL NULL */
const char *heliosdb_column_text(heliosdb_stmt_t *st, uint32_t col);
const helios_value_t *heliosdb_column_value(heliosdb_stmt_t *st, uint32_t col);
/* rows changed by the last INSERT/UPDATE/DELETE step; the command tag */
uint64_t heliosdb_changes(heliosdb_stmt_t *st);
const char *heliosdb_tag(heliosdb_stmt_t *st);
/* reset: ready to step again (bindings kept). finalize: free (NULL is a no-op). */
void heliosdb_reset(heliosdb_stmt_t *st);
void heliosdb_finalize(heliosdb_stmt_t *st);

#ifdef __cplusplus
}
#endif
#endif /* HELIOSDB_H */
