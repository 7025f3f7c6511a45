/*
 * pg_fake.h -- a fake host and a fake session API (a toy engine) for the postgres plugin's unit
 * tests and its fuzz harness (tests/fuzz/). The toy engine understands a few commands, one per
 * ';'-separated statement:
 *   select 1            one int4 row
 *   gen N               N rows (int8 i, text 'row<i>', float8 i/2, date i, bool, NULL)
 *   echo                one row with each bound parameter as text ("echo $1 $2")
 *   error               42601 syntax error at position 1
 *   begin / commit      transaction status T / I; error inside a block makes it E
 *   notice              a NoticeResponse then "NOTICE"
 *   copy in             COPY FROM STDIN: counts lines, "COPY <n>"; "bad" in the data: 22P04
 *   copy out            COPY TO STDOUT of two rows
 *   set tz              reports TimeZone through param_status
 *   (empty)             EmptyQueryResponse
 * User "alice" has password "secret" (SCRAM verifier); "nouser" does not exist; database
 * "nodb" does not exist.
 */
#ifndef PG_FAKE_H
#define PG_FAKE_H

#include <stdint.h>

#include "helios/host.h"
#include "helios/session.h"

typedef struct pg_fake_stats {
    uint32_t sessions_open;
    uint32_t cancel_pid, cancel_secret, n_cancels;
    uint64_t copy_bytes;
    char last_user[64], last_database[64], last_options[256], last_app[64];
    uint32_t n_syncs; /* calls of the session API's sync (startup and every Sync) */
} pg_fake_stats_t;

helios_host_t *pg_fake_host(void);
int64_t pg_fake_host_live(void); /* allocations not yet freed */
const helios_session_api_t *pg_fake_api(void);
helios_engine_t *pg_fake_engine(void);
pg_fake_stats_t *pg_fake_stats(void);

#endif /* PG_FAKE_H */
