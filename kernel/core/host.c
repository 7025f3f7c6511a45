/*
 * kernel/core/host.c -- the host API table handed to each plugin: logging, errors, counted
 * allocation, metrics, timers and I/O watchers on the main loop.
 */
#include "core/host.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/loop.h"
#include "helios/sqlstate.h"

static _Atomic uint32_t shutting_down_flag;

void helios_host_set_shutting_down(void)
{
    atomic_store(&shutting_down_flag, 1);
}

uint32_t helios_host_is_shutting_down(void)
{
    return atomic_load(&shutting_down_flag);
}

static helios_plugin_rt_t *owner_of(const helios_host_t *host)
{
    return (helios_plugin_rt_t *)host->kernel_private;
}

/* ---- logging and errors ------------------------------------------------------------------- */

static void host_log(const helios_host_t *host, uint32_t level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    helios_logv(host->plugin_name, level, fmt, ap);
    va_end(ap);
}

static int32_t host_err_set(helios_err_t *err, int32_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    helios_err_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

static void host_err_detail(helios_err_t *err, const char *fmt, ...)
{
    if (err == NULL) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
}

static void host_err_hint(helios_err_t *err, const char *fmt, ...)
{
    if (err == NULL) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
    va_end(ap);
}

/* ---- counted allocation ------------------------------------------------------------------- */

/* Every block carries a header with its size, so free and realloc keep the counts exact.
   16 bytes keeps the user pointer aligned for any type malloc aligns for on 64-bit targets. */
typedef struct alloc_hdr {
    uint64_t size_bytes;
    uint64_t tag;
} alloc_hdr_t;
#define HOST_ALLOC_TAG 0x48454c494f53414cULL

static void *host_alloc(const helios_host_t *host, size_t size_bytes)
{
    if (size_bytes > SIZE_MAX - sizeof(alloc_hdr_t)) {
        return NULL;
    }
    alloc_hdr_t *h = malloc(sizeof(*h) + size_bytes);
    if (h == NULL) {
        return NULL;
    }
    h->size_bytes = size_bytes;
    h->tag = HOST_ALLOC_TAG;
    helios_plugin_rt_t *p = owner_of(host);
    atomic_fetch_add(&p->alloc_bytes, (int64_t)size_bytes);
    atomic_fetch_add(&p->alloc_count, 1);
    return h + 1;
}

static void *host_calloc(const helios_host_t *host, size_t n, size_t size_bytes)
{
    if (size_bytes != 0 && n > SIZE_MAX / size_bytes) {
        return NULL;
    }
    void *ptr = host_alloc(host, n * size_bytes);
    if (ptr != NULL) {
        memset(ptr, 0, n * size_bytes);
    }
    return ptr;
}

static void host_free(const helios_host_t *host, void *ptr)
{
    if (ptr == NULL) {
        return;
    }
    alloc_hdr_t *h = (alloc_hdr_t *)ptr - 1;
    helios_plugin_rt_t *p = owner_of(host);
    atomic_fetch_sub(&p->alloc_bytes, (int64_t)h->size_bytes);
    atomic_fetch_sub(&p->alloc_count, 1);
    h->tag = 0;
    free(h);
}

static void *host_realloc(const helios_host_t *host, void *ptr, size_t size_bytes)
{
    if (ptr == NULL) {
        return host_alloc(host, size_bytes);
    }
    if (size_bytes > SIZE_MAX - sizeof(alloc_hdr_t)) {
        return NULL;
    }
    alloc_hdr_t *h = (alloc_hdr_t *)ptr - 1;
    uint64_t old = h->size_bytes;
    alloc_hdr_t *n = realloc(h, sizeof(*n) + size_bytes);
    if (n == NULL) {
        return NULL;
    }
    n->size_bytes = size_bytes;
    atomic_fetch_add(&owner_of(host)->alloc_bytes, (int64_t)size_bytes - (int64_t)old);
    return n + 1;
}

/* ---- metrics ------------------------------------------------------------------------------ */

struct helios_metric {
    char *name;
    char *help;
    uint32_t type;
    _Atomic int64_t value;
    struct helios_metric *next;
};

static pthread_mutex_t metrics_mu = PTHREAD_MUTEX_INITIALIZER;
static helios_metric_t *metrics_head, *metrics_tail;

int32_t helios_metric_register(const char *owner, const char *name, uint32_t type, const char *help,
                               helios_metric_t **out, helios_err_t *err)
{
    if (type != HELIOS_METRIC_COUNTER && type != HELIOS_METRIC_GAUGE) {
        return helios_err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE, "unknown metric type %u",
                              type);
    }
    size_t len = strlen(owner) + strlen(name) + 2;
    helios_metric_t *m = calloc(1, sizeof(*m));
    char *full = malloc(len);
    char *h = strdup(help != NULL ? help : "");
    if (m == NULL || full == NULL || h == NULL) {
        free(m);
        free(full);
        free(h);
        return helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    snprintf(full, len, "%s_%s", owner, name);
    m->name = full;
    m->help = h;
    m->type = type;
    pthread_mutex_lock(&metrics_mu);
    for (helios_metric_t *o = metrics_head; o != NULL; o = o->next) {
        if (strcmp(o->name, full) == 0 && o->type == type) {
            /* registering twice (two instances) shares one metric */
            pthread_mutex_unlock(&metrics_mu);
            free(m->name);
            free(m->help);
            free(m);
            *out = o;
            return 0;
        }
    }
    if (metrics_tail != NULL) {
        metrics_tail->next = m;
    } else {
        metrics_head = m;
    }
    metrics_tail = m;
    pthread_mutex_unlock(&metrics_mu);
    *out = m;
    return 0;
}

void helios_metric_add(helios_metric_t *m, int64_t delta)
{
    if (m != NULL) {
        atomic_fetch_add(&m->value, delta);
    }
}

void helios_metric_set(helios_metric_t *m, int64_t value)
{
    if (m != NULL) {
        atomic_store(&m->value, value);
    }
}

void helios_metrics_foreach(void (*cb)(const helios_metric_view_t *m, void *arg), void *arg)
{
    pthread_mutex_lock(&metrics_mu);
    helios_metric_t *m = metrics_head;
    pthread_mutex_unlock(&metrics_mu);
    /* metrics are never freed while the process runs, and only appended: walking is safe */
    for (; m != NULL; m = m->next) {
        helios_metric_view_t v = {m->name, m->help, m->type, atomic_load(&m->value)};
        cb(&v, arg);
    }
}

static int32_t host_metric_register(const helios_host_t *host, const char *name, uint32_t type,
                                    const char *help, helios_metric_t **out, helios_err_t *err)
{
    return helios_metric_register(host->plugin_name, name, type, help, out, err);
}

/* ---- timers and I/O watchers -------------------------------------------------------------- */

/* Watchers are kernel-owned and freed when the plugin is released, so stop stays idempotent
   (a stopped handle is never reused). */
typedef struct watcher {
    union {
        ev_timer timer;
        ev_io io;
    } w;
    uint32_t is_io;
    uint32_t active;
    helios_timer_cb tcb;
    helios_io_cb icb;
    void *arg;
    struct watcher *next;
} watcher_t;

struct helios_timer {
    watcher_t base;
};
struct helios_io {
    watcher_t base;
};

static pthread_mutex_t watch_mu = PTHREAD_MUTEX_INITIALIZER;

static void timer_fired(struct ev_loop *l, ev_timer *t, int revents)
{
    (void)l;
    (void)revents;
    watcher_t *w = (watcher_t *)t;
    if (t->repeat == 0.0) {
        w->active = 0;
    }
    w->tcb(w->arg);
}

static void io_fired(struct ev_loop *l, ev_io *io, int revents)
{
    (void)l;
    watcher_t *w = (watcher_t *)io;
    uint32_t ev =
        ((revents & EV_READ) ? HELIOS_IO_READ : 0u) | ((revents & EV_WRITE) ? HELIOS_IO_WRITE : 0u);
    w->icb(io->fd, ev, w->arg);
}

static void do_start(void *arg)
{
    watcher_t *w = arg;
    if (w->is_io) {
        ev_io_start(helios_loop(), &w->w.io);
    } else {
        ev_timer_start(helios_loop(), &w->w.timer);
    }
}

static void do_stop(void *arg)
{
    watcher_t *w = arg;
    if (w->is_io) {
        ev_io_stop(helios_loop(), &w->w.io);
    } else {
        ev_timer_stop(helios_loop(), &w->w.timer);
    }
    w->active = 0;
}

static void remember(helios_plugin_rt_t *p, watcher_t *w)
{
    pthread_mutex_lock(&watch_mu);
    w->next = p->watchers;
    p->watchers = w;
    pthread_mutex_unlock(&watch_mu);
}

static int32_t host_timer_start(const helios_host_t *host, uint64_t after_ms, uint64_t repeat_ms,
                                helios_timer_cb cb, void *arg, helios_timer_t **out,
                                helios_err_t *err)
{
    if (cb == NULL || out == NULL) {
        return helios_err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                              "timer_start needs a callback and an out pointer");
    }
    watcher_t *w = calloc(1, sizeof(struct helios_timer));
    if (w == NULL) {
        return helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    ev_timer_init(&w->w.timer, timer_fired, (double)after_ms / 1000.0, (double)repeat_ms / 1000.0);
    w->tcb = cb;
    w->arg = arg;
    w->active = 1;
    remember(owner_of(host), w);
    *out = (helios_timer_t *)w;
    helios_loop_call(do_start, w, 0);
    return 0;
}

static void host_timer_stop(const helios_host_t *host, helios_timer_t *t)
{
    (void)host;
    if (t != NULL) {
        helios_loop_call(do_stop, t, 1);
    }
}

static int32_t host_io_start(const helios_host_t *host, int fd, uint32_t events, helios_io_cb cb,
                             void *arg, helios_io_t **out, helios_err_t *err)
{
    if (cb == NULL || out == NULL || fd < 0 || (events & (HELIOS_IO_READ | HELIOS_IO_WRITE)) == 0) {
        return helios_err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                              "io_start needs a callback, an fd and READ or WRITE");
    }
    watcher_t *w = calloc(1, sizeof(struct helios_io));
    if (w == NULL) {
        return helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    int ev =
        ((events & HELIOS_IO_READ) ? EV_READ : 0) | ((events & HELIOS_IO_WRITE) ? EV_WRITE : 0);
    ev_io_init(&w->w.io, io_fired, fd, ev);
    w->is_io = 1;
    w->icb = cb;
    w->arg = arg;
    w->active = 1;
    remember(owner_of(host), w);
    *out = (helios_io_t *)w;
    helios_loop_call(do_start, w, 0);
    return 0;
}

static void host_io_stop(const helios_host_t *host, helios_io_t *w)
{
    (void)host;
    if (w != NULL) {
        helios_loop_call(do_stop, w, 1);
    }
}

static uint64_t host_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint32_t host_shutting_down(const helios_host_t *host)
{
    (void)host;
    return helios_host_is_shutting_down();
}

void helios_host_fill(helios_plugin_rt_t *p, const char *data_dir)
{
    helios_host_t *h = &p->host;
    memset(h, 0, sizeof(*h));
    h->size = sizeof(*h);
    h->abi_major = HELIOS_ABI_MAJOR;
    h->abi_minor = HELIOS_ABI_MINOR;
    h->plugin_name = p->name;
    h->data_dir = data_dir;
    h->config = p->config;
    h->log = host_log;
    h->err_set = host_err_set;
    h->err_detail = host_err_detail;
    h->err_hint = host_err_hint;
    h->alloc = host_alloc;
    h->calloc = host_calloc;
    h->realloc = host_realloc;
    h->free = host_free;
    h->metric_register = host_metric_register;
    h->metric_add = helios_metric_add;
    h->metric_set = helios_metric_set;
    h->timer_start = host_timer_start;
    h->timer_stop = host_timer_stop;
    h->io_start = host_io_start;
    h->io_stop = host_io_stop;
    h->now_us = host_now_us;
    h->shutting_down = host_shutting_down;
    h->kernel_private = p;
}

void helios_host_release(helios_plugin_rt_t *p)
{
    pthread_mutex_lock(&watch_mu);
    watcher_t *w = p->watchers;
    p->watchers = NULL;
    pthread_mutex_unlock(&watch_mu);
    while (w != NULL) {
        watcher_t *next = w->next;
        helios_loop_call(do_stop, w, 1);
        free(w);
        w = next;
    }
}
