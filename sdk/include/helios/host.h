/*
 * helios/host.h -- the host API: what the kernel offers a plugin.
 *
 * Each loaded plugin receives its own helios_host_t (so the kernel knows who calls: allocations
 * and metrics are counted per plugin). The table is valid from init() until fini() returns.
 * Every member may be called from any thread unless its comment says otherwise.
 *
 * Growth: the table starts with `size`; members are only appended. A plugin built against a
 * newer SDK than the kernel checks `HELIOS_VT_HAS(helios_host_t, host, member)` before using a
 * member added after ABI 1.0.
 */
#ifndef HELIOS_HOST_H
#define HELIOS_HOST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "helios/plugin.h"
#include "helios/sqlstate.h"
#include "helios/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Log levels (uint32_t). */
#define HELIOS_LOG_ERROR 1u
#define HELIOS_LOG_WARN 2u
#define HELIOS_LOG_INFO 3u
#define HELIOS_LOG_DEBUG 4u

/* Metric types (uint32_t). */
#define HELIOS_METRIC_COUNTER 1u
#define HELIOS_METRIC_GAUGE 2u

/* I/O watcher events (uint32_t bit set). */
#define HELIOS_IO_READ 0x1u
#define HELIOS_IO_WRITE 0x2u

typedef struct helios_metric helios_metric_t; /* opaque, owned by the kernel */
typedef struct helios_timer helios_timer_t;   /* opaque, owned by the kernel */
typedef struct helios_io helios_io_t;         /* opaque, owned by the kernel */

/* Timer callback: runs on the event-loop thread. Must not block. */
typedef void (*helios_timer_cb)(void *arg);
/* I/O callback: runs on the event-loop thread with the ready events. Must not block. */
typedef void (*helios_io_cb)(int fd, uint32_t revents, void *arg);

typedef struct helios_host {
    uint32_t size;           /* sizeof(helios_host_t) at the kernel's build */
    uint16_t abi_major;      /* the kernel's HELIOS_ABI_MAJOR */
    uint16_t abi_minor;      /* the kernel's HELIOS_ABI_MINOR */
    const char *plugin_name; /* the name of the plugin this table was made for */
    const char *data_dir;    /* the server's data directory (absolute), never NULL */
    const void *config;      /* the plugin's parsed config struct (see plugin.h), or NULL */

    /* log: printf-style, one line, no trailing newline needed. Thread-safe. */
    void (*log)(const struct helios_host *host, uint32_t level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

    /*
     * err_set: fill `err` (may be NULL: then only the code is returned) with `code` and a
     * printf-formatted primary message; clears detail and hint. Returns `code`, so a plugin
     * writes `return host->err_set(err, HELIOS_ERR_IO_ERROR, "could not open \"%s\"", p);`.
     */
    int32_t (*err_set)(helios_err_t *err, int32_t code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
    /* err_detail / err_hint: set the detail or hint sentence of an already set error. */
    void (*err_detail)(helios_err_t *err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
    void (*err_hint)(helios_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

    /*
     * Allocation, counted per plugin (see `heliosdb plugins` / metrics). alloc and calloc
     * return NULL on failure (tests can make the N-th allocation fail). free(NULL) is a no-op.
     * Memory from one plugin's host must be freed through the same host.
     */
    void *(*alloc)(const struct helios_host *host, size_t size_bytes);
    void *(*calloc)(const struct helios_host *host, size_t n, size_t size_bytes);
    void *(*realloc)(const struct helios_host *host, void *ptr, size_t size_bytes);
    void (*free)(const struct helios_host *host, void *ptr);

    /*
     * Metrics: register once (usually in init or create), then update from any thread.
     * `name` is copied; the full metric name is "<plugin>_<name>". Returns 0 and sets *out.
     */
    int32_t (*metric_register)(const struct helios_host *host, const char *name, uint32_t type,
                               const char *help, helios_metric_t **out, helios_err_t *err);
    void (*metric_add)(helios_metric_t *m, int64_t delta); /* counters and gauges */
    void (*metric_set)(helios_metric_t *m, int64_t value); /* gauges */

    /*
     * Event loop (the kernel's main libev loop). timer_start: first fire after `after_ms`,
     * then every `repeat_ms` (0: once). io_start: watch `fd` for `events`. Callbacks run on the
     * loop thread. Both may be called from any thread (they are queued to the loop); stop is
     * idempotent and after it returns the callback is not running and will not run again.
     */
    int32_t (*timer_start)(const struct helios_host *host, uint64_t after_ms, uint64_t repeat_ms,
                           helios_timer_cb cb, void *arg, helios_timer_t **out, helios_err_t *err);
    void (*timer_stop)(const struct helios_host *host, helios_timer_t *t);
    int32_t (*io_start)(const struct helios_host *host, int fd, uint32_t events, helios_io_cb cb,
                        void *arg, helios_io_t **out, helios_err_t *err);
    void (*io_stop)(const struct helios_host *host, helios_io_t *w);

    /* now_us: a monotonic clock in microseconds. */
    uint64_t (*now_us)(void);
    /* shutting_down: non-zero once the server began a graceful shutdown (SIGTERM/SIGINT). */
    uint32_t (*shutting_down)(const struct helios_host *host);

    void *kernel_private; /* the kernel's; plugins never touch it */
    /* ---- ABI 1.0 ends here ---- */
} helios_host_t;

#ifdef __cplusplus
}
#endif
#endif /* HELIOS_HOST_H */
