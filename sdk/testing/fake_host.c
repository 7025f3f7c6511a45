/*
 * fake_host.c -- a helios_host_t for plugin unit tests: captured logs, allocation counting with
 * a leak check, failing the N-th allocation, metrics kept in memory, and a small poll(2) loop
 * standing in for the kernel's libev loop.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helios/testing.h"
#include "internal.h"

#define TH_MAGIC 0x54534f4854534554ULL    /* identifies a fake host */
#define BLOCK_MAGIC 0x4b434f4c4254534cULL /* live block */
#define BLOCK_DEAD 0x444145444b4c4244ULL  /* freed block (double free detection) */
#define LOG_KEEP 256
#define LOG_LINE_MAX 1024

struct test_host;

/* Every block carries its owner so a free through the wrong host is caught. 32 bytes keep the
   payload aligned for any type (max_align_t is 16 on the platforms we build for). */
typedef struct block_hdr {
    uint64_t magic;
    struct test_host *owner;
    uint64_t size_bytes;
    uint64_t reserved;
} block_hdr_t;

struct helios_metric {
    struct helios_metric *next;
    uint32_t type;
    int64_t value; /* updated with atomics */
    char name[128];
};

struct helios_timer {
    struct helios_timer *next;
    uint64_t due_us;
    uint64_t repeat_ms;
    helios_timer_cb cb;
    void *arg;
    uint32_t active;  /* armed */
    uint32_t running; /* its callback is running now */
    uint32_t stopped; /* timer_stop was called: free once not running */
};

struct helios_io {
    struct helios_io *next;
    int fd;
    uint32_t events;
    helios_io_cb cb;
    void *arg;
    uint32_t running;
    uint32_t stopped;
};

typedef struct test_host {
    helios_host_t pub; /* first: a helios_host_t * is a test_host_t * */
    uint64_t magic;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *plugin_name;
    char *data_dir;

    uint64_t n_allocs;
    uint64_t n_failed;
    uint64_t live_allocs;
    uint64_t live_bytes;
    uint64_t fail_countdown; /* 0: off; 1: the next allocation fails */

    char logs[LOG_KEEP][LOG_LINE_MAX];
    uint64_t n_logs;

    struct helios_metric *metrics;
    struct helios_timer *timers;
    struct helios_io *ios;
    uint32_t shutting_down;
    uint32_t loop_running;
    pthread_t loop_thread;
} test_host_t;

static test_host_t *th_of(const helios_host_t *host)
{
    test_host_t *th = (test_host_t *)(uintptr_t)host;
    if (th == NULL || th->magic != TH_MAGIC) {
        fprintf(stderr, "helios_testing: %p is not a fake host\n", (const void *)host);
        abort(); /* a harness bug: fail loudly */
    }
    return th;
}

int32_t helios_testing_err_vsetf(helios_err_t *err, int32_t code, const char *fmt, va_list ap)
{
    if (err != NULL) {
        memset(err, 0, sizeof(*err));
        err->code = code;
        err->severity = HELIOS_SEV_ERROR;
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
    }
    return code;
}

int32_t helios_testing_err_setf(helios_err_t *err, int32_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    helios_testing_err_vsetf(err, code, fmt, ap);
    va_end(ap);
    return code;
}

/* ---- host members ---------------------------------------------------------------------- */

static void th_log(const helios_host_t *host, uint32_t level, const char *fmt, ...)
{
    test_host_t *th = th_of(host);
    char line[LOG_LINE_MAX];
    static const char *const names[] = {"?", "error", "warn", "info", "debug"};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n') {
        line[--n] = '\0';
    }
    pthread_mutex_lock(&th->mu);
    memcpy(th->logs[th->n_logs % LOG_KEEP], line, n + 1);
    th->n_logs++;
    pthread_mutex_unlock(&th->mu);
    if (getenv("HELIOS_TEST_LOG") != NULL) {
        fprintf(stderr, "[%s] %s: %s\n", th->plugin_name, level <= 4 ? names[level] : "?", line);
    }
}

static int32_t th_err_set(helios_err_t *err, int32_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    helios_testing_err_vsetf(err, code, fmt, ap);
    va_end(ap);
    return code;
}

static void th_err_detail(helios_err_t *err, const char *fmt, ...)
{
    if (err == NULL) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
}

static void th_err_hint(helios_err_t *err, const char *fmt, ...)
{
    if (err == NULL) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
    va_end(ap);
}

/* Decides under the lock whether this allocation attempt is the one to fail. */
static int th_should_fail(test_host_t *th)
{
    int fail = 0;
    pthread_mutex_lock(&th->mu);
    if (th->fail_countdown > 0 && --th->fail_countdown == 0) {
        th->n_failed++;
        fail = 1;
    }
    pthread_mutex_unlock(&th->mu);
    return fail;
}

static void *th_track(test_host_t *th, block_hdr_t *b, size_t size_bytes)
{
    b->magic = BLOCK_MAGIC;
    b->owner = th;
    b->size_bytes = size_bytes;
    b->reserved = 0;
    pthread_mutex_lock(&th->mu);
    th->n_allocs++;
    th->live_allocs++;
    th->live_bytes += size_bytes;
    pthread_mutex_unlock(&th->mu);
    return b + 1;
}

static block_hdr_t *th_block(test_host_t *th, void *ptr, const char *what)
{
    block_hdr_t *b = (block_hdr_t *)ptr - 1;
    if (b->magic != BLOCK_MAGIC || b->owner != th) {
        fprintf(stderr, "helios_testing: plugin \"%s\" %s %p: %s\n", th->plugin_name, what, ptr,
                b->magic == BLOCK_DEAD    ? "already freed"
                : b->magic == BLOCK_MAGIC ? "allocated through another host"
                                          : "not allocated through host->alloc");
        abort(); /* a plugin bug the test must not survive */
    }
    return b;
}

static void *th_alloc(const helios_host_t *host, size_t size_bytes)
{
    test_host_t *th = th_of(host);
    if (th_should_fail(th) || size_bytes > SIZE_MAX - sizeof(block_hdr_t)) {
        return NULL;
    }
    block_hdr_t *b = malloc(sizeof(*b) + size_bytes);
    return b == NULL ? NULL : th_track(th, b, size_bytes);
}

static void *th_calloc(const helios_host_t *host, size_t n, size_t size_bytes)
{
    test_host_t *th = th_of(host);
    if (size_bytes != 0 && n > (SIZE_MAX - sizeof(block_hdr_t)) / size_bytes) {
        return NULL;
    }
    if (th_should_fail(th)) {
        return NULL;
    }
    block_hdr_t *b = calloc(1, sizeof(*b) + n * size_bytes);
    return b == NULL ? NULL : th_track(th, b, n * size_bytes);
}

static void th_free(const helios_host_t *host, void *ptr)
{
    test_host_t *th = th_of(host);
    if (ptr == NULL) {
        return;
    }
    block_hdr_t *b = th_block(th, ptr, "freed");
    pthread_mutex_lock(&th->mu);
    th->live_allocs--;
    th->live_bytes -= b->size_bytes;
    pthread_mutex_unlock(&th->mu);
    b->magic = BLOCK_DEAD;
    free(b);
}

/* realloc(NULL, n) allocates; realloc(p, 0) frees p and returns NULL; on failure p is left
   untouched, as C's realloc does. */
static void *th_realloc(const helios_host_t *host, void *ptr, size_t size_bytes)
{
    test_host_t *th = th_of(host);
    if (ptr == NULL) {
        return th_alloc(host, size_bytes);
    }
    if (size_bytes == 0) {
        th_free(host, ptr);
        return NULL;
    }
    block_hdr_t *old = th_block(th, ptr, "reallocated");
    if (th_should_fail(th) || size_bytes > SIZE_MAX - sizeof(block_hdr_t)) {
        return NULL;
    }
    block_hdr_t *b = malloc(sizeof(*b) + size_bytes);
    if (b == NULL) {
        return NULL;
    }
    memcpy(b + 1, ptr, old->size_bytes < size_bytes ? old->size_bytes : size_bytes);
    void *out = th_track(th, b, size_bytes);
    th_free(host, ptr);
    return out;
}

static int32_t th_metric_register(const helios_host_t *host, const char *name, uint32_t type,
                                  const char *help, helios_metric_t **out, helios_err_t *err)
{
    test_host_t *th = th_of(host);
    int32_t rc = 0;
    if (name == NULL || name[0] == '\0' || strlen(name) >= sizeof(((helios_metric_t *)0)->name)) {
        return helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                       "invalid metric name");
    }
    if (type != HELIOS_METRIC_COUNTER && type != HELIOS_METRIC_GAUGE) {
        return helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                       "invalid metric type %u for \"%s\"", type, name);
    }
    pthread_mutex_lock(&th->mu);
    for (helios_metric_t *m = th->metrics; m != NULL; m = m->next) {
        if (strcmp(m->name, name) == 0) {
            rc = helios_testing_err_setf(err, HELIOS_ERR_DUPLICATE_OBJECT,
                                         "metric \"%s_%s\" already registered", th->plugin_name,
                                         name);
            goto failed;
        }
    }
    helios_metric_t *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        rc = helios_testing_err_setf(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    m->type = type;
    snprintf(m->name, sizeof(m->name), "%s", name);
    m->next = th->metrics;
    th->metrics = m;
    *out = m;
failed:
    pthread_mutex_unlock(&th->mu);
    return rc;
}

static void th_metric_add(helios_metric_t *m, int64_t delta)
{
    if (m != NULL) {
        __atomic_add_fetch(&m->value, delta, __ATOMIC_RELAXED);
    }
}

static void th_metric_set(helios_metric_t *m, int64_t value)
{
    if (m != NULL) {
        __atomic_store_n(&m->value, value, __ATOMIC_RELAXED);
    }
}

static uint64_t th_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int32_t th_timer_start(const helios_host_t *host, uint64_t after_ms, uint64_t repeat_ms,
                              helios_timer_cb cb, void *arg, helios_timer_t **out,
                              helios_err_t *err)
{
    test_host_t *th = th_of(host);
    if (cb == NULL || out == NULL) {
        return helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                       "timer_start needs a callback and an out pointer");
    }
    helios_timer_t *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return helios_testing_err_setf(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    t->due_us = th_now_us() + after_ms * 1000u;
    t->repeat_ms = repeat_ms;
    t->cb = cb;
    t->arg = arg;
    t->active = 1;
    pthread_mutex_lock(&th->mu);
    t->next = th->timers;
    th->timers = t;
    pthread_mutex_unlock(&th->mu);
    *out = t;
    return 0;
}

/* Unlinks and frees stopped timers and watchers whose callbacks are not running. Called with
   the lock held. */
static void th_reap(test_host_t *th)
{
    for (helios_timer_t **pt = &th->timers; *pt != NULL;) {
        helios_timer_t *t = *pt;
        if (t->stopped && !t->running) {
            *pt = t->next;
            free(t);
        } else {
            pt = &t->next;
        }
    }
    for (helios_io_t **pw = &th->ios; *pw != NULL;) {
        helios_io_t *w = *pw;
        if (w->stopped && !w->running) {
            *pw = w->next;
            free(w);
        } else {
            pw = &w->next;
        }
    }
}

static int th_on_loop_thread(const test_host_t *th)
{
    return th->loop_running && pthread_equal(th->loop_thread, pthread_self());
}

static void th_timer_stop(const helios_host_t *host, helios_timer_t *t)
{
    test_host_t *th = th_of(host);
    if (t == NULL) {
        return;
    }
    pthread_mutex_lock(&th->mu);
    t->active = 0;
    t->stopped = 1;
    /* From another thread: wait until a running callback returned, as the contract says. */
    while (t->running && !th_on_loop_thread(th)) {
        pthread_cond_wait(&th->cv, &th->mu);
    }
    if (!th->loop_running) {
        th_reap(th); /* else the loop frees it at a point where it holds no pointers */
    }
    pthread_mutex_unlock(&th->mu);
}

static int32_t th_io_start(const helios_host_t *host, int fd, uint32_t events, helios_io_cb cb,
                           void *arg, helios_io_t **out, helios_err_t *err)
{
    test_host_t *th = th_of(host);
    if (cb == NULL || out == NULL || fd < 0 || (events & (HELIOS_IO_READ | HELIOS_IO_WRITE)) == 0) {
        return helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                       "io_start needs a descriptor, events and a callback");
    }
    helios_io_t *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return helios_testing_err_setf(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    w->fd = fd;
    w->events = events;
    w->cb = cb;
    w->arg = arg;
    pthread_mutex_lock(&th->mu);
    w->next = th->ios;
    th->ios = w;
    pthread_mutex_unlock(&th->mu);
    *out = w;
    return 0;
}

static void th_io_stop(const helios_host_t *host, helios_io_t *w)
{
    test_host_t *th = th_of(host);
    if (w == NULL) {
        return;
    }
    pthread_mutex_lock(&th->mu);
    w->stopped = 1;
    while (w->running && !th_on_loop_thread(th)) {
        pthread_cond_wait(&th->cv, &th->mu);
    }
    if (!th->loop_running) {
        th_reap(th);
    }
    pthread_mutex_unlock(&th->mu);
}

static uint32_t th_shutting_down(const helios_host_t *host)
{
    test_host_t *th = th_of(host);
    return __atomic_load_n(&th->shutting_down, __ATOMIC_ACQUIRE);
}

/* ---- the public API --------------------------------------------------------------------- */

helios_host_t *helios_test_host_new(const char *plugin_name, const char *data_dir,
                                    const void *config)
{
    test_host_t *th = calloc(1, sizeof(*th));
    if (th == NULL) {
        return NULL;
    }
    th->magic = TH_MAGIC;
    pthread_mutex_init(&th->mu, NULL);
    pthread_cond_init(&th->cv, NULL);
    th->plugin_name = strdup(plugin_name != NULL ? plugin_name : "test");
    th->data_dir = strdup(data_dir != NULL ? data_dir : ".");
    if (th->plugin_name == NULL || th->data_dir == NULL) {
        helios_test_host_free(&th->pub);
        return NULL;
    }
    helios_host_t *h = &th->pub;
    h->size = sizeof(helios_host_t);
    h->abi_major = HELIOS_ABI_MAJOR;
    h->abi_minor = HELIOS_ABI_MINOR;
    h->plugin_name = th->plugin_name;
    h->data_dir = th->data_dir;
    h->config = config;
    h->log = th_log;
    h->err_set = th_err_set;
    h->err_detail = th_err_detail;
    h->err_hint = th_err_hint;
    h->alloc = th_alloc;
    h->calloc = th_calloc;
    h->realloc = th_realloc;
    h->free = th_free;
    h->metric_register = th_metric_register;
    h->metric_add = th_metric_add;
    h->metric_set = th_metric_set;
    h->timer_start = th_timer_start;
    h->timer_stop = th_timer_stop;
    h->io_start = th_io_start;
    h->io_stop = th_io_stop;
    h->now_us = th_now_us;
    h->shutting_down = th_shutting_down;
    h->kernel_private = th;
    return h;
}

/* Frees the host's own bookkeeping. Blocks still allocated by the plugin are leaks that the
   test reports through helios_test_host_live_allocs; they are not freed here (the plugin may
   still point at them). */
void helios_test_host_free(helios_host_t *host)
{
    if (host == NULL) {
        return;
    }
    test_host_t *th = th_of(host);
    while (th->metrics != NULL) {
        helios_metric_t *m = th->metrics;
        th->metrics = m->next;
        free(m);
    }
    while (th->timers != NULL) {
        helios_timer_t *t = th->timers;
        th->timers = t->next;
        free(t);
    }
    while (th->ios != NULL) {
        helios_io_t *w = th->ios;
        th->ios = w->next;
        free(w);
    }
    pthread_mutex_destroy(&th->mu);
    pthread_cond_destroy(&th->cv);
    free(th->plugin_name);
    free(th->data_dir);
    th->magic = 0;
    free(th);
}

void helios_test_host_fail_alloc(helios_host_t *host, uint64_t nth)
{
    test_host_t *th = th_of(host);
    pthread_mutex_lock(&th->mu);
    th->fail_countdown = nth;
    pthread_mutex_unlock(&th->mu);
}

#define TH_READ_U64(host, field)                                                                   \
    do {                                                                                           \
        test_host_t *th_ = th_of(host);                                                            \
        pthread_mutex_lock(&th_->mu);                                                              \
        uint64_t v_ = th_->field;                                                                  \
        pthread_mutex_unlock(&th_->mu);                                                            \
        return v_;                                                                                 \
    } while (0)

uint64_t helios_test_host_live_allocs(const helios_host_t *host)
{
    TH_READ_U64(host, live_allocs);
}

uint64_t helios_test_host_live_bytes(const helios_host_t *host)
{
    TH_READ_U64(host, live_bytes);
}

uint64_t helios_test_host_n_allocs(const helios_host_t *host)
{
    TH_READ_U64(host, n_allocs);
}

uint64_t helios_test_host_n_failed_allocs(const helios_host_t *host)
{
    TH_READ_U64(host, n_failed);
}

uint64_t helios_test_host_n_logs(const helios_host_t *host)
{
    TH_READ_U64(host, n_logs);
}

const char *helios_test_host_last_log(const helios_host_t *host)
{
    test_host_t *th = th_of(host);
    const char *line = "";
    pthread_mutex_lock(&th->mu);
    if (th->n_logs > 0) {
        line = th->logs[(th->n_logs - 1) % LOG_KEEP];
    }
    pthread_mutex_unlock(&th->mu);
    return line;
}

const char *helios_test_host_log_line(const helios_host_t *host, uint64_t i)
{
    test_host_t *th = th_of(host);
    const char *line = NULL;
    pthread_mutex_lock(&th->mu);
    uint64_t first = th->n_logs > LOG_KEEP ? th->n_logs - LOG_KEEP : 0;
    if (first + i < th->n_logs) {
        line = th->logs[(first + i) % LOG_KEEP];
    }
    pthread_mutex_unlock(&th->mu);
    return line;
}

int helios_test_host_log_contains(const helios_host_t *host, const char *needle)
{
    test_host_t *th = th_of(host);
    int found = 0;
    pthread_mutex_lock(&th->mu);
    uint64_t first = th->n_logs > LOG_KEEP ? th->n_logs - LOG_KEEP : 0;
    for (uint64_t i = first; i < th->n_logs && !found; i++) {
        found = strstr(th->logs[i % LOG_KEEP], needle) != NULL;
    }
    pthread_mutex_unlock(&th->mu);
    return found;
}

void helios_test_host_clear_logs(helios_host_t *host)
{
    test_host_t *th = th_of(host);
    pthread_mutex_lock(&th->mu);
    th->n_logs = 0;
    pthread_mutex_unlock(&th->mu);
}

int32_t helios_test_host_metric(const helios_host_t *host, const char *name, int64_t *value)
{
    test_host_t *th = th_of(host);
    int32_t rc = HELIOS_ERR_UNDEFINED_OBJECT;
    pthread_mutex_lock(&th->mu);
    for (helios_metric_t *m = th->metrics; m != NULL; m = m->next) {
        if (strcmp(m->name, name) == 0) {
            *value = __atomic_load_n(&m->value, __ATOMIC_RELAXED);
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&th->mu);
    return rc;
}

void helios_test_host_set_shutting_down(helios_host_t *host)
{
    test_host_t *th = th_of(host);
    __atomic_store_n(&th->shutting_down, 1u, __ATOMIC_RELEASE);
}

/* Runs the callbacks of every due timer once. Returns how many ran. */
static uint64_t th_run_timers(test_host_t *th)
{
    uint64_t n = 0;
    for (;;) {
        helios_timer_t *due = NULL;
        uint64_t now = th_now_us();
        pthread_mutex_lock(&th->mu);
        for (helios_timer_t *t = th->timers; t != NULL; t = t->next) {
            if (t->active && !t->stopped && t->due_us <= now &&
                (due == NULL || t->due_us < due->due_us)) {
                due = t;
            }
        }
        if (due != NULL) {
            if (due->repeat_ms > 0) {
                due->due_us = now + due->repeat_ms * 1000u;
            } else {
                due->active = 0;
            }
            due->running = 1;
        }
        pthread_mutex_unlock(&th->mu);
        if (due == NULL) {
            return n;
        }
        due->cb(due->arg);
        n++;
        pthread_mutex_lock(&th->mu);
        due->running = 0;
        pthread_cond_broadcast(&th->cv);
        pthread_mutex_unlock(&th->mu);
        if (n >= 100000) {
            return n; /* a 0 ms repeating timer must not starve the caller */
        }
    }
}

uint64_t helios_test_host_run(helios_host_t *host, uint64_t timeout_ms)
{
    test_host_t *th = th_of(host);
    uint64_t deadline = th_now_us() + timeout_ms * 1000u;
    uint64_t n = 0;
    pthread_mutex_lock(&th->mu);
    th->loop_thread = pthread_self();
    th->loop_running = 1;
    pthread_mutex_unlock(&th->mu);
    for (;;) {
        n += th_run_timers(th);

        struct pollfd fds[64];
        helios_io_t *ws[64];
        nfds_t nfds = 0;
        uint64_t now = th_now_us();
        uint64_t wait_until = deadline;
        pthread_mutex_lock(&th->mu);
        for (helios_timer_t *t = th->timers; t != NULL; t = t->next) {
            if (t->active && !t->stopped && t->due_us < wait_until) {
                wait_until = t->due_us;
            }
        }
        for (helios_io_t *w = th->ios; w != NULL && nfds < 64; w = w->next) {
            if (!w->stopped) {
                fds[nfds].fd = w->fd;
                fds[nfds].events = (short)(((w->events & HELIOS_IO_READ) ? POLLIN : 0) |
                                           ((w->events & HELIOS_IO_WRITE) ? POLLOUT : 0));
                fds[nfds].revents = 0;
                ws[nfds++] = w;
            }
        }
        pthread_mutex_unlock(&th->mu);
        int wait_ms = wait_until > now ? (int)((wait_until - now + 999) / 1000) : 0;
        int ready = poll(fds, nfds, wait_ms);
        for (nfds_t i = 0; ready > 0 && i < nfds; i++) {
            if (fds[i].revents == 0) {
                continue;
            }
            uint32_t rev = 0;
            if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                rev |= HELIOS_IO_READ;
            }
            if (fds[i].revents & (POLLOUT | POLLERR)) {
                rev |= HELIOS_IO_WRITE;
            }
            rev &= ws[i]->events;
            pthread_mutex_lock(&th->mu);
            int live = !ws[i]->stopped && rev != 0;
            if (live) {
                ws[i]->running = 1;
            }
            pthread_mutex_unlock(&th->mu);
            if (!live) {
                continue;
            }
            ws[i]->cb(ws[i]->fd, rev, ws[i]->arg);
            n++;
            pthread_mutex_lock(&th->mu);
            ws[i]->running = 0;
            pthread_cond_broadcast(&th->cv);
            pthread_mutex_unlock(&th->mu);
        }
        pthread_mutex_lock(&th->mu);
        th_reap(th);
        pthread_mutex_unlock(&th->mu);
        if (ready < 0 && errno != EINTR) {
            break;
        }
        if (th_now_us() >= deadline) {
            n += th_run_timers(th);
            break;
        }
    }
    pthread_mutex_lock(&th->mu);
    th->loop_running = 0;
    th_reap(th);
    pthread_mutex_unlock(&th->mu);
    return n;
}
