/*
 * internal.h -- shared by the files of the helios_testing library; not installed.
 */
#ifndef HELIOS_TESTING_INTERNAL_H
#define HELIOS_TESTING_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>

#include "helios/status.h"

/* Fill err (may be NULL) like host->err_set does; returns code. */
int32_t helios_testing_err_setf(helios_err_t *err, int32_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int32_t helios_testing_err_vsetf(helios_err_t *err, int32_t code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif /* HELIOS_TESTING_INTERNAL_H */
