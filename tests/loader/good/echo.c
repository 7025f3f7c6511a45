/*
 * tests/loader/good/echo.c -- test protocols for the server tests, built twice:
 *   echo   (default): echoes every byte back; detect() claims clients that start with "ECHO";
 *   greet  (-DGREET): speaks first (HELIOS_PROTO_CAP_SERVER_FIRST), writes "GREET\n" and
 *          closes; an auto listener hands it the clients that stay silent.
 * serve() polls host->shutting_down so a graceful shutdown ends idle sessions.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "helios/host.h"
#include "helios/plugin.h"
#include "helios/protocol.h"

typedef struct echo_lib {
    const helios_host_t *host;
} echo_lib_t;

static int32_t echo_init(const helios_host_t *host, const void *config, void **lib_state,
                         helios_err_t *err)
{
    (void)config;
    echo_lib_t *lib = host->calloc(host, 1, sizeof(*lib));
    if (lib == NULL) {
        return host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    lib->host = host;
    *lib_state = lib;
    return 0;
}

static void echo_fini(void *lib_state)
{
    echo_lib_t *lib = lib_state;
    lib->host->free(lib->host, lib);
}

static int32_t echo_create(void *lib, const void *config, const helios_listener_info_t *l,
                           helios_engine_t *engine, const helios_session_api_t *api, void **inst,
                           helios_err_t *err)
{
    (void)config;
    (void)l;
    (void)engine;
    (void)api;
    (void)err;
    *inst = lib;
    return 0;
}

static void echo_destroy(void *inst)
{
    (void)inst;
}

#ifndef GREET
static int32_t echo_detect(const uint8_t *buf, uint32_t len)
{
    static const char tag[] = "ECHO";
    uint32_t n = len < 4 ? len : 4;
    if (len == 0 || memcmp(buf, tag, n) != 0) {
        return HELIOS_DECLINED;
    }
    return len < 4 ? HELIOS_AGAIN : 0;
}
#endif

static void echo_serve(void *inst, const helios_conn_info_t *conn)
{
    echo_lib_t *lib = inst;
#ifdef GREET
    static const char hello[] = "GREET\n";
    ssize_t w = write(conn->fd, hello, sizeof(hello) - 1);
    (void)w;
    (void)lib;
#else
    char buf[4096];
    while (!lib->host->shutting_down(lib->host)) {
        struct pollfd p = {.fd = conn->fd, .events = POLLIN};
        int r = poll(&p, 1, 50);
        if (r < 0 && errno != EINTR) {
            break;
        }
        if (r <= 0) {
            continue;
        }
        ssize_t n = read(conn->fd, buf, sizeof(buf));
        if (n <= 0) {
            break;
        }
        if (write(conn->fd, buf, (size_t)n) != n) {
            break;
        }
    }
#endif
}

static const helios_protocol_vtable_t echo_vtable = {
    .size = sizeof(helios_protocol_vtable_t),
#ifdef GREET
    .caps = HELIOS_PROTO_CAP_SERVER_FIRST,
#else
    .detect = echo_detect,
#endif
    .create = echo_create,
    .destroy = echo_destroy,
    .serve = echo_serve,
};

#ifdef GREET
#define ECHO_NAME "greet"
#else
#define ECHO_NAME "echo"
#endif

HELIOS_PLUGIN(.kind = HELIOS_KIND_PROTOCOL, .name = ECHO_NAME, .version = "1.0.0",
              .description = "test protocol", .vtable = &echo_vtable, .init = echo_init,
              .fini = echo_fini);
