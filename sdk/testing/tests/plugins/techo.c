/*
 * techo.c -- a test protocol for the helios_testing self-test: a client sends "ECHO\n", then
 * lines that come back prefixed with "> "; anything else is answered "ERR" and the connection
 * ends. serve() polls so that stop() and host->shutting_down() end it within 100 ms, and a
 * client silent for the listener's read_timeout_ms is dropped.
 */
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "helios/plugin.h"
#include "helios/protocol.h"

typedef struct techo_lib {
    const helios_host_t *host;
} techo_lib_t;

typedef struct techo {
    const helios_host_t *host;
    uint32_t read_timeout_ms;
    uint32_t max_message_bytes;
    volatile uint32_t stopping;
} techo_t;

static int32_t techo_init(const helios_host_t *host, const void *config, void **lib_state,
                          helios_err_t *err)
{
    techo_lib_t *lib = host->alloc(host, sizeof(*lib));
    if (lib == NULL) {
        return host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    lib->host = host;
    *lib_state = lib;
    return 0;
}

static void techo_fini(void *lib_state)
{
    techo_lib_t *lib = lib_state;
    lib->host->free(lib->host, lib);
}

static int32_t techo_create(void *lib_state, const void *config,
                            const helios_listener_info_t *listener, helios_engine_t *engine,
                            const helios_session_api_t *api, void **inst, helios_err_t *err)
{
    techo_lib_t *lib = lib_state;
    techo_t *t = lib->host->calloc(lib->host, 1, sizeof(*t));
    if (t == NULL) {
        return lib->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    t->host = lib->host;
    t->read_timeout_ms = listener->read_timeout_ms;
    t->max_message_bytes = listener->max_message_bytes;
    *inst = t;
    return 0;
}

static int32_t techo_start(void *inst, helios_err_t *err)
{
    techo_t *t = inst;
    t->stopping = 0;
    return 0;
}

static void techo_stop(void *inst)
{
    techo_t *t = inst;
    t->stopping = 1;
}

static void techo_destroy(void *inst)
{
    techo_t *t = inst;
    t->host->free(t->host, t);
}

static int32_t techo_detect(const uint8_t *buf, uint32_t len)
{
    static const char magic[] = "ECHO\n";
    uint32_t n = len < 5 ? len : 5;
    if (memcmp(buf, magic, n) != 0) {
        return HELIOS_DECLINED;
    }
    return len < 5 ? HELIOS_AGAIN : 0;
}

/* Reads one byte, waiting in 100 ms slices: 1, 0 at EOF/stop/timeout, -1 on error. */
static int techo_getc(techo_t *t, int fd, char *ch)
{
    uint32_t waited = 0;
    for (;;) {
        if (t->stopping || t->host->shutting_down(t->host) || waited >= t->read_timeout_ms) {
            return 0;
        }
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, 100);
        if (r < 0) {
            return -1;
        }
        if (r == 0) {
            waited += 100;
            continue;
        }
        ssize_t n = read(fd, ch, 1);
        return n == 1 ? 1 : (n == 0 ? 0 : -1);
    }
}

static void techo_serve(void *inst, const helios_conn_info_t *conn)
{
    techo_t *t = inst;
    char line[256];
    uint32_t n = 0;
    int greeted = 0;
    char ch;
    while (techo_getc(t, conn->fd, &ch) == 1) {
        if (ch != '\n') {
            if (n + 1 >= sizeof(line) || n + 1 >= t->max_message_bytes) {
                break; /* too long a line: drop the client */
            }
            line[n++] = ch;
            continue;
        }
        line[n] = '\0';
        if (!greeted) {
            if (strcmp(line, "ECHO") != 0) {
                ssize_t w = write(conn->fd, "ERR\n", 4);
                (void)w;
                return;
            }
            greeted = 1;
        } else if (write(conn->fd, "> ", 2) != 2 || write(conn->fd, line, n) != (ssize_t)n ||
                   write(conn->fd, "\n", 1) != 1) {
            return;
        }
        n = 0;
    }
}

static int32_t techo_control(void *inst, uint32_t op, void *arg, helios_err_t *err)
{
    return HELIOS_DECLINED;
}

static const helios_protocol_vtable_t techo_vtable = {
    .size = sizeof(helios_protocol_vtable_t),
    .create = techo_create,
    .start = techo_start,
    .stop = techo_stop,
    .destroy = techo_destroy,
    .detect = techo_detect,
    .serve = techo_serve,
    .control = techo_control,
};

HELIOS_PLUGIN(.kind = HELIOS_KIND_PROTOCOL, .name = "techo", .version = "1.0.0",
              .description = "test protocol: line echo", .vtable = &techo_vtable,
              .init = techo_init, .fini = techo_fini);
