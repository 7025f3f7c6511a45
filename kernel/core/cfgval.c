/*
 * kernel/core/cfgval.c -- config value parsing with units.
 */
#include "core/cfgval.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Split "  64MiB" into a number and a unit suffix. */
static int split_number(const char *s, int64_t *num, const char **unit)
{
    while (isspace((unsigned char)*s)) {
        s++;
    }
    if (*s == '\0') {
        return -1;
    }
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno != 0) {
        return -1;
    }
    while (isspace((unsigned char)*end)) {
        end++;
    }
    *num = (int64_t)v;
    *unit = end;
    return 0;
}

static int unit_is(const char *u, const char *const *names)
{
    size_t n = strlen(u);
    while (n > 0 && isspace((unsigned char)u[n - 1])) {
        n--;
    }
    for (; *names != NULL; names++) {
        if (strlen(*names) == n && strncmp(u, *names, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static int scale(int64_t v, int64_t mul, int64_t *out)
{
    if (mul != 0 && (v > INT64_MAX / mul || v < INT64_MIN / mul)) {
        return -1;
    }
    *out = v * mul;
    return 0;
}

static int size_unit(const char *u, int64_t *mul)
{
    static const char *const b[] = {"", "B", NULL};
    static const char *const k[] = {"k", "K", "kB", "KB", "KiB", NULL};
    static const char *const m[] = {"M", "MB", "MiB", NULL};
    static const char *const g[] = {"G", "GB", "GiB", NULL};
    static const char *const t[] = {"T", "TB", "TiB", NULL};
    if (unit_is(u, b)) {
        *mul = 1;
    } else if (unit_is(u, k)) {
        *mul = 1024;
    } else if (unit_is(u, m)) {
        *mul = 1024 * 1024;
    } else if (unit_is(u, g)) {
        *mul = 1024LL * 1024 * 1024;
    } else if (unit_is(u, t)) {
        *mul = 1024LL * 1024 * 1024 * 1024;
    } else {
        return -1;
    }
    return 0;
}

/* Durations in microseconds per unit; bare numbers are milliseconds. */
static int duration_unit(const char *u, int64_t *mul_us)
{
    static const char *const us[] = {"us", NULL};
    static const char *const ms[] = {"", "ms", NULL};
    static const char *const s[] = {"s", "sec", NULL};
    static const char *const min[] = {"min", "m", NULL};
    static const char *const h[] = {"h", NULL};
    static const char *const d[] = {"d", NULL};
    if (unit_is(u, us)) {
        *mul_us = 1;
    } else if (unit_is(u, ms)) {
        *mul_us = 1000;
    } else if (unit_is(u, s)) {
        *mul_us = 1000000;
    } else if (unit_is(u, min)) {
        *mul_us = 60000000;
    } else if (unit_is(u, h)) {
        *mul_us = 3600000000LL;
    } else if (unit_is(u, d)) {
        *mul_us = 86400000000LL;
    } else {
        return -1;
    }
    return 0;
}

int helios_cfg_parse_size(const char *s, int64_t *out, char *why, size_t cap)
{
    int64_t v = 0, mul = 0;
    const char *u = NULL;
    if (split_number(s, &v, &u) != 0 || size_unit(u, &mul) != 0 || scale(v, mul, out) != 0) {
        snprintf(why, cap, "expected a size such as 4096, 64kB, 64MiB or 1GiB, got \"%s\"", s);
        return -1;
    }
    return 0;
}

int helios_cfg_parse_duration_ms(const char *s, int64_t *out, char *why, size_t cap)
{
    int64_t v = 0, mul = 0, us = 0;
    const char *u = NULL;
    if (split_number(s, &v, &u) != 0 || duration_unit(u, &mul) != 0 || scale(v, mul, &us) != 0) {
        snprintf(why, cap, "expected a duration such as 250ms, 5s, 2min or 1h, got \"%s\"", s);
        return -1;
    }
    *out = us / 1000 + (us % 1000 > 0 ? 1 : 0);
    return 0;
}

int helios_cfg_parse_int(const char *s, int64_t *out, char *why, size_t cap)
{
    int64_t v = 0, mul = 0;
    const char *u = NULL;
    if (split_number(s, &v, &u) == 0) {
        if (*u == '\0') {
            *out = v;
            return 0;
        }
        if (size_unit(u, &mul) == 0 && scale(v, mul, out) == 0) {
            return 0;
        }
        if (duration_unit(u, &mul) == 0 && scale(v, mul, out) == 0) {
            *out /= 1000;
            return 0;
        }
    }
    snprintf(why, cap, "expected an integer, got \"%s\"", s);
    return -1;
}

int helios_cfg_parse_bool(const char *s, uint32_t *out, char *why, size_t cap)
{
    static const char *const yes[] = {"on", "true", "yes", "1", NULL};
    static const char *const no[] = {"off", "false", "no", "0", NULL};
    for (int i = 0; yes[i] != NULL; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    snprintf(why, cap, "expected on or off, got \"%s\"", s);
    return -1;
}

uint32_t helios_cfg_width(uint32_t type)
{
    switch (type) {
    case HELIOS_CFG_BOOL:
    case HELIOS_CFG_ENUM:
        return sizeof(uint32_t);
    case HELIOS_CFG_INT:
    case HELIOS_CFG_SIZE:
    case HELIOS_CFG_DURATION:
        return sizeof(int64_t);
    case HELIOS_CFG_STRING:
        return sizeof(char *);
    default:
        return 0;
    }
}

const char *helios_cfg_type_name(uint32_t type)
{
    switch (type) {
    case HELIOS_CFG_BOOL:
        return "bool";
    case HELIOS_CFG_INT:
        return "int";
    case HELIOS_CFG_STRING:
        return "string";
    case HELIOS_CFG_ENUM:
        return "enum";
    case HELIOS_CFG_SIZE:
        return "size";
    case HELIOS_CFG_DURATION:
        return "duration";
    default:
        return "unknown";
    }
}

int helios_cfg_store(const helios_config_key_t *k, const char *text, void *base, char *why,
                     size_t cap)
{
    char *field = (char *)base + k->offset;
    int64_t v = 0;
    uint32_t u = 0;
    int rc = 0;
    switch (k->type) {
    case HELIOS_CFG_BOOL:
        if (helios_cfg_parse_bool(text, &u, why, cap) != 0) {
            return -1;
        }
        memcpy(field, &u, sizeof(u));
        return 0;
    case HELIOS_CFG_STRING: {
        char *copy = strdup(text);
        char *old = NULL;
        if (copy == NULL) {
            snprintf(why, cap, "out of memory");
            return -1;
        }
        memcpy(&old, field, sizeof(old));
        free(old);
        memcpy(field, &copy, sizeof(copy));
        return 0;
    }
    case HELIOS_CFG_ENUM:
        for (u = 0; k->enum_names != NULL && k->enum_names[u] != NULL; u++) {
            if (strcmp(k->enum_names[u], text) == 0) {
                memcpy(field, &u, sizeof(u));
                return 0;
            }
        }
        {
            int n = snprintf(why, cap, "expected one of");
            for (u = 0; k->enum_names != NULL && k->enum_names[u] != NULL; u++) {
                if (n >= 0 && (size_t)n < cap) {
                    n += snprintf(why + n, cap - (size_t)n, "%s %s", u == 0 ? "" : ",",
                                  k->enum_names[u]);
                }
            }
            if (n >= 0 && (size_t)n < cap) {
                snprintf(why + n, cap - (size_t)n, ", got \"%s\"", text);
            }
        }
        return -1;
    case HELIOS_CFG_INT:
        rc = helios_cfg_parse_int(text, &v, why, cap);
        break;
    case HELIOS_CFG_SIZE:
        rc = helios_cfg_parse_size(text, &v, why, cap);
        break;
    case HELIOS_CFG_DURATION:
        rc = helios_cfg_parse_duration_ms(text, &v, why, cap);
        break;
    default:
        snprintf(why, cap, "unknown key type %u", k->type);
        return -1;
    }
    if (rc != 0) {
        return -1;
    }
    if (k->min <= k->max && (v < k->min || v > k->max)) {
        snprintf(why, cap, "%" PRId64 " is out of range [%" PRId64 ", %" PRId64 "]", v, k->min,
                 k->max);
        return -1;
    }
    memcpy(field, &v, sizeof(v));
    return 0;
}

void helios_cfg_free_strings(const helios_config_key_t *keys, uint32_t n, void *base)
{
    if (keys == NULL || base == NULL) {
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (keys[i].type == HELIOS_CFG_STRING) {
            char *p = NULL;
            memcpy(&p, (char *)base + keys[i].offset, sizeof(p));
            free(p);
            p = NULL;
            memcpy((char *)base + keys[i].offset, &p, sizeof(p));
        }
    }
}

size_t helios_edit_distance(const char *a, const char *b)
{
    /* optimal string alignment: Levenshtein plus adjacent transpositions ("prot" -> "port") */
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) {
        return 64;
    }
    size_t d[64][64];
    for (size_t i = 0; i <= la; i++) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= lb; j++) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best) {
                best = d[i - 1][j] + 1;
            }
            if (d[i][j - 1] + 1 < best) {
                best = d[i][j - 1] + 1;
            }
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best) {
                best = d[i - 2][j - 2] + 1;
            }
            d[i][j] = best;
        }
    }
    return d[la][lb];
}
