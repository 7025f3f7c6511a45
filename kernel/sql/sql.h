/*
 * kernel/sql/sql.h -- the SQL engine as the rest of the kernel sees it.
 * The engine runs on an open LSM store; kernel/core opens the store (tier and codec plugins)
 * and then the engine, both for the server and for the embedded API (heliosdb_open).
 */
#ifndef HELIOS_SQL_H
#define HELIOS_SQL_H

#include "helios/session.h"
#include "storage/lsm.h"

typedef struct helios_sql_options {
    const char *data_dir;        /* for temporary spill files ("<data_dir>/tmp") */
    uint64_t work_mem_bytes;     /* per-query memory before spilling; 0: 64 MiB */
    /* users from config (name, clear-text password) turned into SCRAM verifiers at open */
    const char *const *config_users;      /* NULL-terminated, may be NULL */
    const char *const *config_passwords;  /* parallel to config_users */
} helios_sql_options_t;

/* open the engine on `lsm` (borrowed; the caller closes it after helios_sql_close). Creates the
   catalog on first open (database "helios", schema "public"). */
int32_t helios_sql_open(helios_lsm_t *lsm, const helios_sql_options_t *opts,
                        helios_engine_t **out, helios_err_t *err);
void helios_sql_close(helios_engine_t *eng);
/* the static session API table. */
const helios_session_api_t *helios_sql_session_api(void);

#endif /* HELIOS_SQL_H */
