/*
 * kernel/core/loop.c -- the main libev loop, its cross-thread call queue and its optional
 * background thread.
 */
#include "core/loop.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "helios/sqlstate.h"

typedef struct loop_req {
    void (*fn)(void *);
    void *arg;
    int wait;
    int done;
    struct loop_req *next;
} loop_req_t;

static pthread_mutex_t loop_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t loop_cv = PTHREAD_COND_INITIALIZER;
static struct ev_loop *loop_ev;
static ev_async loop_wake;
static int loop_running;
static pthread_t loop_tid;
static loop_req_t *loop_q_head, *loop_q_tail;
static int loop_break_req;

static int thread_refs;
static pthread_t thread_tid;
static int thread_started;

/* Runs queued requests; called with loop_mu held, releases it around each fn. */
static void drain_locked(void)
{
    while (loop_q_head != NULL) {
        loop_req_t *r = loop_q_head;
        loop_q_head = r->next;
        if (loop_q_head == NULL) {
            loop_q_tail = NULL;
        }
        pthread_mutex_unlock(&loop_mu);
        r->fn(r->arg);
        pthread_mutex_lock(&loop_mu);
        if (r->wait) {
            r->done = 1;
        } else {
            free(r);
        }
    }
    pthread_cond_broadcast(&loop_cv);
}

static void wake_cb(struct ev_loop *l, ev_async *w, int revents)
{
    (void)w;
    (void)revents;
    pthread_mutex_lock(&loop_mu);
    drain_locked();
    int brk = loop_break_req;
    loop_break_req = 0;
    pthread_mutex_unlock(&loop_mu);
    if (brk) {
        ev_break(l, EVBREAK_ALL);
    }
}

static pthread_once_t loop_once = PTHREAD_ONCE_INIT;

static void loop_create(void)
{
    loop_ev = ev_default_loop(EVFLAG_AUTO);
    if (loop_ev != NULL) {
        ev_async_init(&loop_wake, wake_cb);
        ev_async_start(loop_ev, &loop_wake);
        ev_unref(loop_ev); /* the wake-up watcher alone does not keep the loop alive */
    }
}

/* Lock-free after the first call: watcher code running under loop_mu calls it. */
struct ev_loop *helios_loop(void)
{
    pthread_once(&loop_once, loop_create);
    return loop_ev;
}

int helios_loop_on_thread(void)
{
    pthread_mutex_lock(&loop_mu);
    int on = loop_running && pthread_equal(loop_tid, pthread_self());
    pthread_mutex_unlock(&loop_mu);
    return on;
}

void helios_loop_call(void (*fn)(void *), void *arg, int wait)
{
    struct ev_loop *l = helios_loop();
    pthread_mutex_lock(&loop_mu);
    if (!loop_running) {
        /* nobody runs the loop: touching watchers is safe while we hold the mutex */
        fn(arg);
        pthread_mutex_unlock(&loop_mu);
        return;
    }
    if (pthread_equal(loop_tid, pthread_self())) {
        pthread_mutex_unlock(&loop_mu);
        fn(arg);
        return;
    }
    loop_req_t local = {fn, arg, wait, 0, NULL};
    loop_req_t *r = &local;
    if (!wait) {
        r = malloc(sizeof(*r));
        if (r == NULL) {
            /* out of memory: fall back to waiting on a stack request */
            r = &local;
            local.wait = 1;
        } else {
            *r = local;
        }
    }
    if (loop_q_tail != NULL) {
        loop_q_tail->next = r;
    } else {
        loop_q_head = r;
    }
    loop_q_tail = r;
    ev_async_send(l, &loop_wake);
    if (r->wait) {
        while (!r->done) {
            pthread_cond_wait(&loop_cv, &loop_mu);
        }
    }
    pthread_mutex_unlock(&loop_mu);
}

void helios_loop_run(void)
{
    struct ev_loop *l = helios_loop();
    pthread_mutex_lock(&loop_mu);
    loop_running = 1;
    loop_tid = pthread_self();
    drain_locked();
    pthread_mutex_unlock(&loop_mu);

    /* the loop lives until helios_loop_break, even with no active watcher */
    ev_ref(l);
    ev_run(l, 0);
    ev_unref(l);

    pthread_mutex_lock(&loop_mu);
    loop_running = 0;
    loop_break_req = 0;
    drain_locked(); /* release anyone who queued while we were stopping */
    pthread_mutex_unlock(&loop_mu);
}

void helios_loop_break(void)
{
    struct ev_loop *l = helios_loop();
    pthread_mutex_lock(&loop_mu);
    if (loop_running && pthread_equal(loop_tid, pthread_self())) {
        pthread_mutex_unlock(&loop_mu);
        ev_break(l, EVBREAK_ALL);
        return;
    }
    loop_break_req = 1;
    ev_async_send(l, &loop_wake);
    pthread_mutex_unlock(&loop_mu);
}

static void *loop_thread_main(void *arg)
{
    (void)arg;
    helios_loop_run();
    return NULL;
}

int32_t helios_loop_thread_acquire(helios_err_t *err)
{
    if (helios_loop() == NULL) {
        return helios_err_set(err, HELIOS_ERR_SYSTEM_ERROR, "could not create the event loop");
    }
    pthread_mutex_lock(&loop_mu);
    if (thread_refs++ > 0) {
        pthread_mutex_unlock(&loop_mu);
        return 0;
    }
    if (loop_running) {
        /* the server runs the loop on its main thread already */
        pthread_mutex_unlock(&loop_mu);
        return 0;
    }
    int rc = pthread_create(&thread_tid, NULL, loop_thread_main, NULL);
    if (rc != 0) {
        thread_refs--;
        pthread_mutex_unlock(&loop_mu);
        return helios_err_set(err, HELIOS_ERR_SYSTEM_ERROR, "could not start the loop thread: %s",
                              strerror(rc));
    }
    thread_started = 1;
    pthread_mutex_unlock(&loop_mu);
    return 0;
}

void helios_loop_thread_release(void)
{
    pthread_mutex_lock(&loop_mu);
    if (thread_refs == 0 || --thread_refs > 0 || !thread_started) {
        pthread_mutex_unlock(&loop_mu);
        return;
    }
    thread_started = 0;
    pthread_t t = thread_tid;
    pthread_mutex_unlock(&loop_mu);
    helios_loop_break();
    pthread_join(t, NULL);
}
