/*
 * helios/protocol.h -- protocol plugins: PostgreSQL wire, MySQL, Oracle TNS, HTTP.
 *
 * Threading model (docs/threading.md): the kernel's libev loop owns the listening sockets.
 * Each accepted connection gets its own session thread (bounded by max_connections) on which
 * the kernel calls `serve`; the plugin does blocking I/O on the socket, drives one engine
 * session through the session API, and returns when the client is done. One client's slow query
 * never blocks another's. Timers and I/O watchers from the host are on the loop thread.
 */
#ifndef HELIOS_PROTOCOL_H
#define HELIOS_PROTOCOL_H

#include <stdint.h>

#include "helios/host.h"
#include "helios/session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Capabilities. */
#define HELIOS_PROTO_CAP_SERVER_FIRST                                                              \
    0x1u /* the server speaks first (MySQL): on an auto port
                                             a client silent for auto_detect_ms goes here */

/* Authentication methods a listener may choose (uint32_t). */
#define HELIOS_AUTH_SCRAM 0u    /* SCRAM-SHA-256 (default) */
#define HELIOS_AUTH_TRUST 1u    /* no password (local development only) */
#define HELIOS_AUTH_PASSWORD 2u /* clear-text password, checked against the stored verifier */

/* A listener, as configured. Strings live until the instance is destroyed. */
typedef struct helios_listener_info {
    uint32_t size;
    uint32_t port;
    const char *host;
    const char *protocol; /* the configured protocol name ("postgres", "auto") */
    const char *tls_cert; /* PEM file paths, NULL when TLS is off */
    const char *tls_key;
    const char *tls_ca;         /* optional client CA */
    uint32_t auth_method;       /* HELIOS_AUTH_* */
    uint32_t max_message_bytes; /* largest message a client may send */
    uint32_t read_timeout_ms;   /* a client stalled mid-message longer than this is dropped */
    uint32_t reserved;
} helios_listener_info_t;

/* An accepted connection handed to serve(). */
typedef struct helios_conn_info {
    uint32_t size;
    int32_t fd;            /* connected, blocking socket; the kernel closes it after serve */
    const char *peer_addr; /* printable address */
    uint32_t peer_port;
    uint32_t conn_id; /* unique per server run */
} helios_conn_info_t;

typedef struct helios_protocol_vtable {
    uint32_t size; /* sizeof(helios_protocol_vtable_t) at the plugin's build */
    uint32_t caps; /* HELIOS_PROTO_CAP_* */

    /* create: one instance per listener. `engine` and `api` stay valid until destroy. */
    int32_t (*create)(void *lib_state, const void *config, const helios_listener_info_t *listener,
                      helios_engine_t *engine, const helios_session_api_t *api, void **inst,
                      helios_err_t *err);
    int32_t (*start)(void *inst, helios_err_t *err);
    /* stop: idempotent; ask running serve() calls to finish (they also poll
       host->shutting_down). */
    void (*stop)(void *inst);
    void (*destroy)(void *inst);

    /* detect: given the first bytes a client sent on an auto port, 0 = mine, HELIOS_DECLINED
       = not mine, HELIOS_AGAIN = need more bytes. len 0 means the client sent nothing within
       the detection window. Pure function; any thread. */
    int32_t (*detect)(const uint8_t *buf, uint32_t len);

    /* serve: run one connection to its end on the calling session thread. */
    void (*serve)(void *inst, const helios_conn_info_t *conn);

    int32_t (*control)(void *inst, uint32_t op, void *arg, helios_err_t *err);
    /* ---- ABI 1.0 ends here ---- */
} helios_protocol_vtable_t;

#ifdef __cplusplus
}
#endif
#endif /* HELIOS_PROTOCOL_H */
