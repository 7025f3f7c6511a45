/*
 * helios/session.h -- the session API: how a protocol plugin (and an embedded program) talks to
 * the SQL engine. The engine never knows which wire a query came from, except through the
 * session's dialect.
 *
 * Threads: a session is used by one thread at a time (the connection's). `cancel` and
 * `auth_lookup` may be called from any thread. Statement and portal handles belong to their
 * session and die with it.
 *
 * Values: rows reach the protocol as arrays of helios_value_t, described by PostgreSQL type
 * OIDs. The engine owns every pointer in a value; it is valid until the sink callback returns.
 * value_encode turns a value into the PostgreSQL text or binary wire format (the type library
 * owns input/output, as PostgreSQL's typinput/typsend do).
 */
#ifndef HELIOS_SESSION_H
#define HELIOS_SESSION_H

#include <stdint.h>

#include "helios/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct helios_engine helios_engine_t;   /* a database instance */
typedef struct helios_session helios_session_t; /* one client session */
typedef struct helios_stmt helios_stmt_t;       /* a prepared statement */
typedef struct helios_portal helios_portal_t;   /* a bound statement being executed */

/* Dialects (uint32_t). */
#define HELIOS_DIALECT_POSTGRES 1u
#define HELIOS_DIALECT_MYSQL 2u
#define HELIOS_DIALECT_ORACLE 3u

/* Formats (uint32_t), as PostgreSQL's wire numbers them. */
#define HELIOS_FORMAT_TEXT 0u
#define HELIOS_FORMAT_BINARY 1u

/* COPY formats (uint32_t). */
#define HELIOS_COPY_TEXT 0u
#define HELIOS_COPY_CSV 1u
#define HELIOS_COPY_BINARY 2u

/* PostgreSQL type OIDs the engine produces. */
#define HELIOS_OID_BOOL 16u
#define HELIOS_OID_BYTEA 17u
#define HELIOS_OID_NAME 19u
#define HELIOS_OID_INT8 20u
#define HELIOS_OID_INT2 21u
#define HELIOS_OID_INT4 23u
#define HELIOS_OID_TEXT 25u
#define HELIOS_OID_OID 26u
#define HELIOS_OID_JSON 114u
#define HELIOS_OID_FLOAT4 700u
#define HELIOS_OID_FLOAT8 701u
#define HELIOS_OID_UNKNOWN 705u
#define HELIOS_OID_BPCHAR 1042u
#define HELIOS_OID_VARCHAR 1043u
#define HELIOS_OID_DATE 1082u
#define HELIOS_OID_TIME 1083u
#define HELIOS_OID_TIMESTAMP 1114u
#define HELIOS_OID_TIMESTAMPTZ 1184u
#define HELIOS_OID_INTERVAL 1186u
#define HELIOS_OID_NUMERIC 1700u
#define HELIOS_OID_UUID 2950u
#define HELIOS_OID_JSONB 3802u

/*
 * One value. Which field holds it depends on type_oid:
 *   bool, int2, int4, int8, oid        i (bool: 0/1)
 *   float4, float8                     f
 *   date                               i = days since 2000-01-01
 *   time                               i = microseconds since midnight
 *   timestamp, timestamptz             i = microseconds since 2000-01-01 00:00:00 (UTC for tz)
 *   interval                           p -> helios_interval_t, len = 16
 *   uuid                               p -> 16 bytes, len = 16
 *   bytea                              p, len: raw bytes
 *   text, varchar, bpchar, name, json, jsonb, numeric, unknown, arrays
 *                                      p, len: UTF-8 text in PostgreSQL's output format
 */
typedef struct helios_value {
    uint32_t type_oid;
    uint32_t is_null; /* non-zero: NULL; other fields unspecified */
    int32_t type_mod; /* -1 when none */
    uint32_t len;     /* bytes at p */
    int64_t i;
    double f;
    const void *p;
} helios_value_t;

typedef struct helios_interval {
    int64_t us; /* microseconds */
    int32_t days;
    int32_t months;
} helios_interval_t;

/* A result column, as PostgreSQL's RowDescription describes it. */
typedef struct helios_column_desc {
    const char *name;
    uint32_t type_oid;
    int32_t type_mod;   /* -1 when none */
    int16_t type_len;   /* pg_type.typlen: bytes, or -1 varlena */
    int16_t attnum;     /* column number in its table, 0 when not a table column */
    uint32_t table_oid; /* 0 when not a table column */
} helios_column_desc_t;

/* A bound parameter. */
typedef struct helios_param {
    uint32_t format; /* HELIOS_FORMAT_TEXT / BINARY */
    uint32_t is_null;
    const uint8_t *data;
    uint32_t len;
    uint32_t reserved;
} helios_param_t;

/*
 * The sink: where the engine sends what a statement produces. Filled by the protocol; `ctx` is
 * passed back to every callback. Callbacks returning non-zero abort the statement (the engine
 * returns that status, e.g. the client went away). Members a protocol does not need may be NULL
 * except `row` and `complete`.
 */
typedef struct helios_sink {
    uint32_t size;
    uint32_t reserved;
    void *ctx;
    /* describe: a row-returning statement is about to send rows (simple query path). */
    int32_t (*describe)(void *ctx, uint32_t n_cols, const helios_column_desc_t *cols);
    /* row: one result row of n values. */
    int32_t (*row)(void *ctx, uint32_t n, const helios_value_t *vals);
    /* complete: the statement finished; tag as PostgreSQL's CommandComplete ("SELECT 3",
       "INSERT 0 1", "UPDATE 2", "CREATE TABLE"). */
    int32_t (*complete)(void *ctx, const char *tag);
    /* empty: the query string held no statement (EmptyQueryResponse). */
    int32_t (*empty)(void *ctx);
    /* notice: a NOTICE/WARNING to relay. */
    void (*notice)(void *ctx, const helios_err_t *notice);
    /* param_status: a reported setting changed (application_name, TimeZone, DateStyle...). */
    void (*param_status)(void *ctx, const char *name, const char *value);
    /* COPY ... FROM STDIN: the engine calls copy_in_begin, then copy_in_read until it returns 0
       with *n_read == 0 (end of data); a non-zero status means the client failed the copy. */
    int32_t (*copy_in_begin)(void *ctx, uint32_t copy_format, uint32_t n_cols);
    int32_t (*copy_in_read)(void *ctx, uint8_t *buf, uint32_t cap, uint32_t *n_read,
                            helios_err_t *err);
    /* COPY ... TO STDOUT: begin, data (whole rows in the copy format), end. */
    int32_t (*copy_out_begin)(void *ctx, uint32_t copy_format, uint32_t n_cols);
    int32_t (*copy_out_data)(void *ctx, const uint8_t *data, uint32_t len);
    int32_t (*copy_out_end)(void *ctx);
    /* ---- ABI 1.0 ends here ---- */
} helios_sink_t;

typedef struct helios_session_opts {
    uint32_t size;
    uint32_t dialect;             /* HELIOS_DIALECT_* */
    const char *user;             /* authenticated user name */
    const char *database;         /* NULL: the default database */
    const char *application_name; /* may be NULL */
    const char *options;          /* PostgreSQL "options" startup string ("-c k=v ..."), or NULL */
    const char *client_addr;      /* for logs and pg_stat_activity, may be NULL */
} helios_session_opts_t;

typedef struct helios_session_api {
    uint32_t size;
    uint32_t reserved;

    /* open: a new session on `eng`. 3D000 unknown database, 28000 unknown user. */
    int32_t (*open)(helios_engine_t *eng, const helios_session_opts_t *opts, helios_session_t **out,
                    helios_err_t *err);
    /* close: rolls back an open transaction, frees statements and portals. */
    void (*close)(helios_session_t *s);

    /* auth_lookup: the user's stored SCRAM-SHA-256 verifier in PostgreSQL's format
       "SCRAM-SHA-256$<iterations>:<salt b64>$<StoredKey b64>:<ServerKey b64>" copied into
       buf. 28000 when the user does not exist or has no password. Any thread. */
    int32_t (*auth_lookup)(helios_engine_t *eng, const char *user, char *buf, uint32_t cap,
                           helios_err_t *err);

    /* query: the simple-query path. Runs every statement in `sql` in order, reporting each
       through the sink; the first error stops the rest and is returned. */
    int32_t (*query)(helios_session_t *s, const char *sql, uint32_t len, const helios_sink_t *sink,
                     helios_err_t *err);

    /* prepare: parse and analyze one statement. n_types/param_types: types the client fixed
       (0 = infer). The engine caches plans by text, so re-preparing is cheap. */
    int32_t (*prepare)(helios_session_t *s, const char *sql, uint32_t len, uint32_t n_types,
                       const uint32_t *param_types, helios_stmt_t **out, helios_err_t *err);
    /* stmt_params / stmt_columns: the inferred parameter types and the result columns
       (n = 0 for statements without rows). Arrays live as long as the statement. */
    int32_t (*stmt_params)(helios_stmt_t *st, uint32_t *n, const uint32_t **type_oids);
    int32_t (*stmt_columns)(helios_stmt_t *st, uint32_t *n, const helios_column_desc_t **cols);
    void (*stmt_close)(helios_stmt_t *st);

    /* bind: parameters (copied) -> a portal. 22P02 / 22P03 for unparsable values,
       08P01 for a wrong parameter count. */
    int32_t (*bind)(helios_stmt_t *st, uint32_t n, const helios_param_t *params,
                    helios_portal_t **out, helios_err_t *err);
    /* execute: run or continue a portal; max_rows 0 = all. Returns 0 after sink->complete, or
       HELIOS_SUSPENDED when max_rows rows were sent and more remain. */
    int32_t (*execute)(helios_portal_t *p, uint64_t max_rows, const helios_sink_t *sink,
                       helios_err_t *err);
    void (*portal_close)(helios_portal_t *p);

    /* txn_status: 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block. */
    uint32_t (*txn_status)(helios_session_t *s);
    /* param_get: a setting's current value (server_version, TimeZone, ...), valid until the
       next call on this session; NULL if unknown. */
    const char *(*param_get)(helios_session_t *s, const char *name);
    /* backend_key: the (pid, secret) a client uses to cancel this session. */
    void (*backend_key)(helios_session_t *s, uint32_t *pid, uint32_t *secret);
    /* cancel: cancel the running statement of the session with that key (57014). Any thread.
       Unknown keys are ignored. */
    void (*cancel)(helios_engine_t *eng, uint32_t pid, uint32_t secret);
    /* value_encode: PostgreSQL text (format 0, no NUL) or binary (format 1) form of v. If cap
       is too small returns HELIOS_AGAIN with *len = the size needed. */
    int32_t (*value_encode)(helios_session_t *s, const helios_value_t *v, uint32_t format,
                            uint8_t *buf, uint32_t cap, uint32_t *len);
    /* ---- ABI 1.0 ends here ---- */

    /* sync: the client sent Sync (extended query protocol). Called by the protocol, on the
       session's thread, at every Sync (before it reads txn_status for ReadyForQuery) and once
       right after open (the startup's ReadyForQuery), which tells the engine that this
       protocol marks Syncs. From then on, the Executes since the previous Sync that ran
       outside a transaction block form one implicit transaction, as in PostgreSQL: sync
       commits it, or rolls it back when one of them failed (an error rolls back the earlier
       ones of the batch). BEGIN inside the batch turns it into an explicit transaction block;
       COMMIT / ROLLBACK inside it end it (with PostgreSQL's "there is no transaction in
       progress" warning). A no-op inside an explicit transaction block or when nothing ran.
       Returns 0, or the commit's error (e.g. 40001), after which the transaction is rolled
       back; the protocol reports it before ReadyForQuery. Optional (NULL: each Execute
       outside a block commits on its own). */
    int32_t (*sync)(helios_session_t *s, helios_err_t *err);
    /* ---- ABI 1.1 ends here ---- */
} helios_session_api_t;

#ifdef __cplusplus
}
#endif
#endif /* HELIOS_SESSION_H */
