/*
 * kernel/core/log.h -- the kernel's log (stderr, one line per record, timestamped) and the
 * kernel-side error helpers that fill a helios_err_t (the host table's err_set/detail/hint for
 * plugins are thin wrappers over these).
 *
 * Threads: every function here may be called from any thread; a record is written with one
 * write(2) so concurrent lines never interleave.
 */
#ifndef HELIOS_CORE_LOG_H
#define HELIOS_CORE_LOG_H

#include <stdarg.h>
#include <stdint.h>

#include "helios/host.h"
#include "helios/status.h"

/* Lines above this level (HELIOS_LOG_*) are dropped. Default INFO; $HELIOS_LOG_LEVEL
   (error|warn|info|debug) overrides it at the first log call. */
void helios_log_set_level(uint32_t level);
uint32_t helios_log_level(void);

/* helios_log: a kernel record ("heliosdb" as the source). helios_log_from: a record on behalf
   of a named component (a plugin). */
void helios_log(uint32_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void helios_log_from(const char *who, uint32_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void helios_logv(const char *who, uint32_t level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* helios_err_set: fill err (may be NULL) with code and a formatted primary message, clear
   detail and hint; returns code. */
int32_t helios_err_set(helios_err_t *err, int32_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int32_t helios_err_setv(helios_err_t *err, int32_t code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
void helios_err_detail(helios_err_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void helios_err_hint(helios_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* HELIOS_CORE_LOG_H */
