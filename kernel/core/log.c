/*
 * kernel/core/log.c -- stderr logging with timestamps and levels, and helios_err_t helpers.
 */
#include "core/log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static _Atomic uint32_t helios_log_lvl; /* 0: not yet read from the environment */

static uint32_t log_level_from_env(void)
{
    const char *s = getenv("HELIOS_LOG_LEVEL");
    if (s == NULL) {
        return HELIOS_LOG_INFO;
    }
    if (strcasecmp(s, "error") == 0) {
        return HELIOS_LOG_ERROR;
    }
    if (strcasecmp(s, "warn") == 0 || strcasecmp(s, "warning") == 0) {
        return HELIOS_LOG_WARN;
    }
    if (strcasecmp(s, "debug") == 0) {
        return HELIOS_LOG_DEBUG;
    }
    return HELIOS_LOG_INFO;
}

void helios_log_set_level(uint32_t level)
{
    atomic_store(&helios_log_lvl, level);
}

uint32_t helios_log_level(void)
{
    uint32_t l = atomic_load(&helios_log_lvl);
    if (l == 0) {
        l = log_level_from_env();
        atomic_store(&helios_log_lvl, l);
    }
    return l;
}

static const char *level_name(uint32_t level)
{
    switch (level) {
    case HELIOS_LOG_ERROR:
        return "ERROR";
    case HELIOS_LOG_WARN:
        return "WARN ";
    case HELIOS_LOG_INFO:
        return "INFO ";
    default:
        return "DEBUG";
    }
}

void helios_logv(const char *who, uint32_t level, const char *fmt, va_list ap)
{
    if (level > helios_log_level()) {
        return;
    }
    char line[2048];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02d %02d:%02d:%02d.%03ldZ %s [%s] ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (long)(tv.tv_usec / 1000), level_name(level), who != NULL ? who : "heliosdb");
    if (n < 0) {
        return;
    }
    size_t len = (size_t)n;
    int m = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
    if (m > 0) {
        len += (size_t)m < sizeof(line) - len - 1 ? (size_t)m : sizeof(line) - len - 2;
    }
    /* one record, one line: fold embedded newlines */
    for (size_t i = 0; i < len; i++) {
        if (line[i] == '\n' || line[i] == '\r') {
            line[i] = ' ';
        }
    }
    while (len > 0 && line[len - 1] == ' ') {
        len--;
    }
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

void helios_log(uint32_t level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    helios_logv(NULL, level, fmt, ap);
    va_end(ap);
}

void helios_log_from(const char *who, uint32_t level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    helios_logv(who, level, fmt, ap);
    va_end(ap);
}

int32_t helios_err_setv(helios_err_t *err, int32_t code, const char *fmt, va_list ap)
{
    if (err == NULL) {
        return code;
    }
    err->code = code;
    err->severity = HELIOS_SEV_ERROR;
    err->position = 0;
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    err->detail[0] = '\0';
    err->hint[0] = '\0';
    return code;
}

int32_t helios_err_set(helios_err_t *err, int32_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    helios_err_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void helios_err_detail(helios_err_t *err, const char *fmt, ...)
{
    if (err == NULL) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
}

void helios_err_hint(helios_err_t *err, const char *fmt, ...)
{
    if (err == NULL) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
    va_end(ap);
}
