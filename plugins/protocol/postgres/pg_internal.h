/*
 * pg_internal.h -- the PostgreSQL wire protocol plugin's private interfaces.
 *
 * Layers, bottom up:
 *   pg_io.c       buffered reads and writes over a transport (socket, TLS, or memory in tests),
 *                 message framing with length and timeout checks, output message builder
 *   pg_tls.c      OpenSSL server context and the TLS transport
 *   pg_scram.c    base64, SCRAM-SHA-256 (RFC 5802/7677) server side, clear-text password check
 *   pg_conn.c     one connection: startup, SSL/GSS negotiation, authentication, message loop,
 *                 simple query, ErrorResponse/NoticeResponse
 *   pg_ext.c      extended query: statements, portals, Parse/Bind/Describe/Execute/Close
 *   pg_sink.c     the session sink: RowDescription, DataRow encoding, CommandComplete, COPY
 *   pg_plugin.c   the descriptor and the protocol vtable
 *
 * Everything here runs on the connection's session thread except pg_inst_t's stop flag.
 */
#ifndef PG_INTERNAL_H
#define PG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "helios/host.h"
#include "helios/protocol.h"
#include "helios/session.h"

#define PG_PROTO_V3 196608u
#define PG_SSL_REQUEST 80877103u
#define PG_CANCEL_REQUEST 80877102u
#define PG_GSSENC_REQUEST 80877104u
#define PG_MAX_STARTUP_BYTES 10000u
#define PG_DEFAULT_MAX_MESSAGE (1u << 30)
#define PG_DEFAULT_READ_TIMEOUT_MS 60000u
#define PG_IDLE_POLL_MS 500
#define PG_OUT_FLUSH_BYTES (64u * 1024u)

/* Transport results. */
#define PG_IO_EOF 0
#define PG_IO_ERROR (-1)
#define PG_IO_TIMEOUT (-2)
#define PG_IO_FRAMING (-3) /* bad framing: the error is in err */

/* A byte stream: a socket, a TLS session on a socket, or memory (tests, fuzzing). */
typedef struct pg_transport {
    /* read: up to n bytes, waiting at most timeout_ms (-1 forever). Returns the byte count,
       PG_IO_EOF, PG_IO_ERROR or PG_IO_TIMEOUT. */
    int64_t (*read)(void *ctx, uint8_t *buf, size_t n, int32_t timeout_ms);
    /* write: all n bytes or PG_IO_ERROR. */
    int64_t (*write)(void *ctx, const uint8_t *buf, size_t n);
    /* pending: bytes already decrypted and waiting (TLS); may be NULL. */
    size_t (*pending)(void *ctx);
    void *ctx;
} pg_transport_t;

/* Library state: what init() returns. */
typedef struct pg_lib {
    const helios_host_t *host;
} pg_lib_t;

/* One listener. */
typedef struct pg_inst {
    const helios_host_t *host;
    helios_listener_info_t listener; /* copied; strings borrowed (they outlive the instance) */
    helios_engine_t *engine;
    const helios_session_api_t *api;
    void *tls_ctx;              /* SSL_CTX *, NULL when TLS is off */
    uint8_t tls_cb_hash[64];    /* tls-server-end-point hash of our certificate */
    uint32_t tls_cb_len;        /* 0: channel binding not offered */
    volatile uint32_t stopping; /* set by stop(); read by serve() loops */
    uint8_t mock_key[32];       /* for mock SCRAM salts of unknown users */
    uint32_t max_message_bytes;
    uint32_t read_timeout_ms;
} pg_inst_t;

typedef struct pg_stmt pg_stmt_t;
typedef struct pg_portal pg_portal_t;

/* A small chained hash map from names to statements or portals. */
#define PG_MAP_BUCKETS 64u
typedef struct pg_map_entry {
    struct pg_map_entry *next;
    void *value;
    char name[]; /* NUL-terminated */
} pg_map_entry_t;
typedef struct pg_map {
    pg_map_entry_t *b[PG_MAP_BUCKETS];
    uint32_t count;
} pg_map_t;

struct pg_stmt {
    helios_stmt_t *st;
    uint32_t refs; /* the map's reference plus one per open portal */
    uint32_t n_params;
    const uint32_t *param_types;
    uint32_t n_cols;
    const helios_column_desc_t *cols;
};

struct pg_portal {
    helios_portal_t *p;
    pg_stmt_t *stmt;
    uint32_t n_cols;
    int16_t *formats; /* n_cols result formats */
    uint32_t done;    /* ran to completion */
    uint32_t cursor;  /* made by DECLARE (SQL cursor) rather than Bind */
    uint32_t hold;    /* WITH HOLD: survives the end of its transaction */
    uint32_t resumed; /* an Execute stopped at its row limit before */
};

/* Sink modes. */
#define PG_SINK_SIMPLE 0u
#define PG_SINK_EXTENDED 1u
#define PG_SINK_FETCH 2u /* FETCH: rows sent, rows counted, the engine's tag suppressed */
#define PG_SINK_MOVE 3u  /* MOVE: rows counted only */

typedef struct pg_conn {
    pg_inst_t *inst;
    const helios_host_t *host;
    const helios_session_api_t *api;
    pg_transport_t tr;
    void *ssl; /* SSL *, when TLS is on */
    uint32_t conn_id;
    const char *peer_addr;

    /* input */
    uint8_t *rbuf;
    size_t rcap, rpos, rlen;
    uint8_t *msg; /* body of the current message */
    size_t msg_cap;
    uint8_t *cbuf; /* CopyData messages during COPY FROM STDIN */
    size_t cbuf_cap;
    /* output */
    uint8_t *wbuf;
    size_t wcap, wlen;
    size_t msg_start;  /* where the message being built begins */
    int32_t io_failed; /* the client is gone, or we ran out of memory building output */

    uint32_t max_message_bytes;
    uint32_t read_timeout_ms;
    uint32_t idle_limit_ms; /* 0: wait for the next message forever (after startup) */

    /* session */
    helios_session_t *session;
    char user[64];
    pg_map_t stmts;
    pg_map_t portals;
    uint32_t skip_to_sync;

    /* the statement being run */
    uint32_t sink_mode;
    const int16_t *cur_formats; /* extended: result formats of the portal being executed */
    uint32_t cur_n_formats;
    uint64_t cur_rows;    /* rows sent by the statement or Execute being run */
    uint32_t cur_resumed; /* Execute of a portal suspended before: its tag counts this call */
    uint32_t in_copy_in;  /* copy-in: a CopyData partly consumed */
    const uint8_t *copy_pending;
    size_t copy_pending_len;
    uint32_t copy_done;
    helios_sink_t sink;
} pg_conn_t;

/* ---- pg_io.c ---- */
int32_t pg_io_init(pg_conn_t *c);
void pg_io_free(pg_conn_t *c);
/* pg_read_exact: n bytes into dst; timeout_ms applies to each wait. PG_IO_* < 0 or 0 = EOF,
   1 = ok. */
int32_t pg_read_exact(pg_conn_t *c, uint8_t *dst, size_t n, int32_t timeout_ms);
/* pg_read_message: the next typed message. Waits idle (polling the stop flag) for its first
   byte (at most idle_limit_ms when that is set); the rest must arrive within read_timeout_ms.
   Returns 1 with *type, c->msg and *len set, 0 on EOF or stop, PG_IO_TIMEOUT / PG_IO_ERROR, or
   PG_IO_FRAMING with the error in err. */
int32_t pg_read_message(pg_conn_t *c, uint8_t *type, uint32_t *len, helios_err_t *err);
size_t pg_read_buffered(const pg_conn_t *c);
void pg_io_trim(pg_conn_t *c); /* shrink buffers a huge message grew; between messages */
int32_t pg_flush(pg_conn_t *c);
/* Output builder: begin a message, append fields, end (patches the length). On allocation
   failure io_failed is set and later calls do nothing. */
void pg_out_begin(pg_conn_t *c, uint8_t type);
void pg_out_byte(pg_conn_t *c, uint8_t v);
void pg_out_i16(pg_conn_t *c, int16_t v);
void pg_out_i32(pg_conn_t *c, int32_t v);
void pg_out_bytes(pg_conn_t *c, const void *p, size_t n);
void pg_out_str(pg_conn_t *c, const char *s); /* with its NUL */
void pg_out_end(pg_conn_t *c);
/* pg_out_reserve: make room for n more bytes; returns the write pointer or NULL. */
uint8_t *pg_out_reserve(pg_conn_t *c, size_t n);
void pg_out_raw(pg_conn_t *c, const void *p, size_t n); /* bytes outside any message */

/* Message body cursor. */
typedef struct pg_cursor {
    const uint8_t *p;
    size_t len;
    size_t pos;
    uint32_t bad;
} pg_cursor_t;
void pg_cur_init(pg_cursor_t *cur, const uint8_t *p, size_t len);
const char *pg_cur_str(pg_cursor_t *cur); /* NUL-terminated string in the body, or NULL */
int16_t pg_cur_i16(pg_cursor_t *cur);
int32_t pg_cur_i32(pg_cursor_t *cur);
const uint8_t *pg_cur_bytes(pg_cursor_t *cur, size_t n);
uint8_t pg_cur_byte(pg_cursor_t *cur);

/* Transports. */
typedef struct pg_fd_io {
    int fd;
    int32_t rcvtimeo_ms; /* the socket's current SO_RCVTIMEO, -1: none */
} pg_fd_io_t;
/* pg_fd_transport: a blocking socket as a transport; io must outlive the transport. */
void pg_fd_transport(pg_transport_t *tr, pg_fd_io_t *io, int fd);

/* ---- pg_tls.c ---- */
int32_t pg_tls_start(pg_inst_t *inst, helios_err_t *err);
void pg_tls_stop(pg_inst_t *inst);
/* pg_tls_accept: handshake on fd; on success switches c->tr to TLS. */
int32_t pg_tls_accept(pg_conn_t *c, int fd, helios_err_t *err);
void pg_tls_close(pg_conn_t *c);

/* ---- pg_scram.c ---- */
#define PG_SCRAM_KEY_LEN 32
size_t pg_b64_encode(const uint8_t *in, size_t n, char *out); /* out: 4*ceil(n/3)+1 */
/* pg_b64_decode: returns the decoded length or -1 for bad input or overflow. */
int64_t pg_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

typedef struct pg_verifier {
    uint32_t iterations;
    uint8_t salt[64];
    uint32_t salt_len;
    uint8_t stored_key[PG_SCRAM_KEY_LEN];
    uint8_t server_key[PG_SCRAM_KEY_LEN];
} pg_verifier_t;

/* "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>" -> v. 0 or -1. */
int32_t pg_verifier_parse(const char *text, pg_verifier_t *v);
/* Build a verifier from a password (SASLprep for ASCII is the identity). out >= 160 bytes. */
int32_t pg_verifier_make(const char *password, const uint8_t *salt, uint32_t salt_len,
                         uint32_t iterations, char *out, size_t cap);
/* 0 when `password` matches the verifier. */
int32_t pg_password_check(const pg_verifier_t *v, const char *password);

typedef struct pg_scram {
    pg_verifier_t v;
    uint32_t mock;          /* unknown user: run the exchange, then fail */
    uint32_t cb_flag;       /* 'n', 'y' or 'p' from the gs2 header */
    const uint8_t *cb_data; /* tls-server-end-point hash expected with 'p' */
    uint32_t cb_len;
    char client_first_bare[1024];
    char server_first[1024];
    char nonce[512]; /* client nonce + server nonce */
    uint8_t gs2_header[256];
    uint32_t gs2_len;
} pg_scram_t;

/* SCRAM results. */
#define PG_SCRAM_OK 0
#define PG_SCRAM_FAIL 1     /* wrong password (28P01) */
#define PG_SCRAM_PROTOCOL 2 /* malformed exchange (08P01) */

/* pg_scram_first: parse client-first-message, produce server-first-message (NUL-terminated
   into out). server_nonce: printable, no commas. */
int32_t pg_scram_first(pg_scram_t *s, const char *msg, size_t len, const char *server_nonce,
                       char *out, size_t cap, char *why, size_t why_cap);
/* pg_scram_final: check client-final-message; on OK writes server-final-message to out. */
int32_t pg_scram_final(pg_scram_t *s, const char *msg, size_t len, char *out, size_t cap, char *why,
                       size_t why_cap);
/* Deterministic fake verifier for a user that does not exist. */
void pg_scram_mock(pg_scram_t *s, const uint8_t key[32], const char *user);
int32_t pg_random(uint8_t *buf, size_t n);

/* ---- pg_conn.c ---- */
void pg_conn_run(pg_inst_t *inst, pg_transport_t *tr, int fd, uint32_t conn_id,
                 const char *peer_addr);
void pg_send_error(pg_conn_t *c, const helios_err_t *err, uint32_t severity);
void pg_send_errorf(pg_conn_t *c, uint32_t severity, int32_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void pg_send_ready(pg_conn_t *c);
/* pg_sync_session: the client sent Sync: the session API's sync (when present), its error sent */
int32_t pg_sync_session(pg_conn_t *c);
void pg_sink_send_notice(pg_conn_t *c, const helios_err_t *notice);
void pg_sink_send_param(pg_conn_t *c, const char *name, const char *value);
int32_t pg_plugin_detect(const uint8_t *buf, uint32_t len);

/* ---- pg_ext.c ---- */
void pg_map_init(pg_map_t *m);
void *pg_map_get(const pg_map_t *m, const char *name);
int32_t pg_map_put(pg_conn_t *c, pg_map_t *m, const char *name, void *value);
void *pg_map_take(pg_conn_t *c, pg_map_t *m, const char *name);
void pg_ext_close_all_portals(pg_conn_t *c); /* all but WITH HOLD cursors */
void pg_ext_drop_portal(pg_conn_t *c, const char *name);
void pg_ext_free_all(pg_conn_t *c);
/* Each handles one message; returns 0, or non-zero after sending an ErrorResponse (the loop
   then skips to Sync). A FATAL condition sets io_failed. */
int32_t pg_ext_parse(pg_conn_t *c, const uint8_t *body, size_t len);
int32_t pg_ext_bind(pg_conn_t *c, const uint8_t *body, size_t len);
int32_t pg_ext_describe(pg_conn_t *c, const uint8_t *body, size_t len);
int32_t pg_ext_execute(pg_conn_t *c, const uint8_t *body, size_t len);
int32_t pg_ext_close(pg_conn_t *c, const uint8_t *body, size_t len);
/* pg_ext_new_portal: bind stmt (no parameters) into a new portal named `name` with every
   result column in `format`. 0, or a status with err set. */
int32_t pg_ext_new_portal(pg_conn_t *c, pg_stmt_t *s, const char *name, int16_t format,
                          pg_portal_t **out, helios_err_t *err);
void pg_ext_free_stmt(pg_conn_t *c, pg_stmt_t *s);
void pg_ext_free_portal(pg_conn_t *c, pg_portal_t *p);

/* ---- pg_cursor.c ---- */
/* pg_cursor_try: when `sql` is one DECLARE / FETCH / MOVE / CLOSE statement, run it on a named
   portal and send its results or error; returns 1. Otherwise returns 0 (the engine runs it). */
int32_t pg_cursor_try(pg_conn_t *c, const char *sql);

/* ---- pg_sink.c ---- */
void pg_sink_init(pg_conn_t *c);
void pg_send_row_description(pg_conn_t *c, uint32_t n, const helios_column_desc_t *cols,
                             const int16_t *formats, uint32_t n_formats);
/* pg_encode_value: int32 length + bytes of v in `format` into the output buffer. */
int32_t pg_encode_value(pg_conn_t *c, const helios_value_t *v, uint32_t format);

#endif /* PG_INTERNAL_H */
