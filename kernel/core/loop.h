/*
 * kernel/core/loop.h -- the kernel's main libev loop and the thread-safe way onto it.
 *
 * One loop per process (libev's default loop). In the server it runs on the main thread
 * (helios_loop_run); an embedded program (heliosdb_open) gets a background loop thread
 * (helios_loop_start_thread) so plugin timers and I/O watchers work there too.
 *
 * libev is not thread-safe, so every change to a watcher goes through helios_loop_call: on the
 * loop thread it runs at once; from another thread it is queued and the loop is woken with an
 * ev_async; when no thread runs the loop it runs at once under the loop mutex.
 */
#ifndef HELIOS_CORE_LOOP_H
#define HELIOS_CORE_LOOP_H

#include <ev.h>
#include <stdint.h>

#include "helios/status.h"

/* The loop (created on first use). */
struct ev_loop *helios_loop(void);
/* Non-zero when the calling thread is the one running the loop. */
int helios_loop_on_thread(void);
/* Run `fn(arg)` on the loop (see above). wait != 0: return only after fn ran. */
void helios_loop_call(void (*fn)(void *), void *arg, int wait);
/* Run the loop on the calling thread until helios_loop_break. */
void helios_loop_run(void);
/* Ask the loop to return from helios_loop_run (any thread). */
void helios_loop_break(void);
/* A background thread running the loop (embedded use); reference counted. */
int32_t helios_loop_thread_acquire(helios_err_t *err);
void helios_loop_thread_release(void);

#endif /* HELIOS_CORE_LOOP_H */
