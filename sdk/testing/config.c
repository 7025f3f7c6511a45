/*
 * config.c -- a plugin's config struct from its static schema, as the kernel builds it: the
 * defaults (parsed like user input), then "key=value" overrides, with units and bounds.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "helios/testing.h"
#include "internal.h"

typedef struct unit {
    const char *name;
    int64_t mult;     /* bytes, or microseconds for durations */
    uint32_t is_time; /* 1: duration, 0: size */
} unit_t;

/* The kernel's units (kernel/core/cfgval.c), so a plugin's tests accept exactly what the
   server accepts: sizes are binary (k = KiB = 1024, as PostgreSQL's "kB"); a bare duration is
   milliseconds and sub-millisecond durations round up. Integers only: no fractions. */
static const unit_t units[] = {
    {"B", 1, 0},
    {"k", 1024, 0},
    {"K", 1024, 0},
    {"kB", 1024, 0},
    {"KB", 1024, 0},
    {"KiB", 1024, 0},
    {"M", 1024 * 1024, 0},
    {"MB", 1024 * 1024, 0},
    {"MiB", 1024 * 1024, 0},
    {"G", 1024LL * 1024 * 1024, 0},
    {"GB", 1024LL * 1024 * 1024, 0},
    {"GiB", 1024LL * 1024 * 1024, 0},
    {"T", 1024LL * 1024 * 1024 * 1024, 0},
    {"TB", 1024LL * 1024 * 1024 * 1024, 0},
    {"TiB", 1024LL * 1024 * 1024 * 1024, 0},
    {"us", 1, 1},
    {"ms", 1000, 1},
    {"s", 1000000, 1},
    {"sec", 1000000, 1},
    {"m", 60000000, 1},
    {"min", 60000000, 1},
    {"h", 3600000000LL, 1},
    {"d", 86400000000LL, 1},
};

static int32_t bad_number(uint32_t type, const char *text, helios_err_t *err)
{
    switch (type) {
    case HELIOS_CFG_SIZE:
        return helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                       "expected a size such as 4096, 64kB, 64MiB or 1GiB, got "
                                       "\"%.200s\"",
                                       text);
    case HELIOS_CFG_DURATION:
        return helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                       "expected a duration such as 250ms, 5s, 2min or 1h, got "
                                       "\"%.200s\"",
                                       text);
    default:
        return helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                       "expected an integer, got \"%.200s\"", text);
    }
}

/* "[sign]<digits>[ ]<unit>" for INT, SIZE and DURATION. */
static int32_t parse_number(uint32_t type, const char *text, int64_t *out, helios_err_t *err)
{
    const char *p = text;
    while (isspace((unsigned char)*p)) {
        p++;
    }
    char *end = NULL;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    if (end == p || errno != 0) {
        return bad_number(type, text, err);
    }
    while (isspace((unsigned char)*end)) {
        end++;
    }
    size_t ulen = strlen(end);
    while (ulen > 0 && isspace((unsigned char)end[ulen - 1])) {
        ulen--;
    }
    if (ulen == 0) {
        *out = (int64_t)v; /* bytes, milliseconds, or a plain integer */
        return 0;
    }
    const unit_t *u = NULL;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strlen(units[i].name) == ulen && strncmp(units[i].name, end, ulen) == 0) {
            u = &units[i];
            break;
        }
    }
    if (u == NULL || (type == HELIOS_CFG_SIZE && u->is_time) ||
        (type == HELIOS_CFG_DURATION && !u->is_time)) {
        return bad_number(type, text, err);
    }
    if (v > INT64_MAX / u->mult || v < INT64_MIN / u->mult) {
        return bad_number(type, text, err);
    }
    int64_t scaled = (int64_t)v * u->mult;
    if (u->is_time) {
        /* microseconds to milliseconds: durations round up, plain integers truncate */
        int64_t ms = scaled / 1000;
        if (type == HELIOS_CFG_DURATION && scaled % 1000 > 0) {
            ms++;
        }
        scaled = ms;
    }
    *out = scaled;
    return 0;
}

int32_t helios_test_parse_value(uint32_t type, const char *text, const char *const *enum_names,
                                int64_t *out, helios_err_t *err)
{
    if (text == NULL) {
        return helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE, "missing value");
    }
    switch (type) {
    case HELIOS_CFG_BOOL: {
        static const char *const yes[] = {"true", "yes", "on", "1"};
        static const char *const no[] = {"false", "no", "off", "0"};
        for (size_t i = 0; i < 4; i++) {
            if (strcasecmp(text, yes[i]) == 0) {
                *out = 1;
                return 0;
            }
            if (strcasecmp(text, no[i]) == 0) {
                *out = 0;
                return 0;
            }
        }
        return helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                       "invalid boolean value \"%s\"", text);
    }
    case HELIOS_CFG_INT:
    case HELIOS_CFG_SIZE:
    case HELIOS_CFG_DURATION:
        return parse_number(type, text, out, err);
    case HELIOS_CFG_ENUM: {
        char valid[HELIOS_ERR_TEXT_MAX] = "";
        for (size_t i = 0; enum_names != NULL && enum_names[i] != NULL; i++) {
            if (strcmp(enum_names[i], text) == 0) {
                *out = (int64_t)i;
                return 0;
            }
            size_t used = strlen(valid);
            snprintf(valid + used, sizeof(valid) - used, "%s\"%s\"", i == 0 ? "" : ", ",
                     enum_names[i]);
        }
        helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE, "invalid value \"%s\"",
                                text);
        if (err != NULL) {
            snprintf(err->hint, sizeof(err->hint), "Available values: %.200s.", valid);
        }
        return HELIOS_ERR_INVALID_PARAMETER_VALUE;
    }
    default:
        return helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                       "config type %u has no scalar parser", type);
    }
}

/* Edit distance, for "did you mean" hints on unknown keys. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) {
        return 64;
    }
    size_t row[64];
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best) {
                best = row[j] + 1;
            }
            if (row[j - 1] + 1 < best) {
                best = row[j - 1] + 1;
            }
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* Store one value into the struct. `strings` is where string values are copied (advanced). */
static int32_t apply_value(const helios_plugin_t *desc, const helios_config_key_t *k,
                           const char *text, uint8_t *base, char **strings, helios_err_t *err)
{
    int64_t v = 0;
    int32_t rc = 0;
    if (k->type == HELIOS_CFG_STRING) {
        size_t n = strlen(text);
        memcpy(*strings, text, n + 1);
        char *s = *strings;
        *strings += n + 1;
        memcpy(base + k->offset, &s, sizeof(s));
        return 0;
    }
    rc = helios_test_parse_value(k->type, text, k->enum_names, &v, err);
    if (rc != 0) {
        if (err != NULL) {
            char why[HELIOS_ERR_MSG_MAX];
            memcpy(why, err->message, sizeof(why));
            snprintf(err->message, sizeof(err->message), "plugins.%.64s.%.64s: %.300s", desc->name,
                     k->key, why);
        }
        return rc;
    }
    if (k->min <= k->max && (v < k->min || v > k->max)) {
        return helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                       "plugins.%s.%s: %lld is out of range [%lld, %lld]",
                                       desc->name, k->key, (long long)v, (long long)k->min,
                                       (long long)k->max);
    }
    switch (k->type) {
    case HELIOS_CFG_BOOL:
    case HELIOS_CFG_ENUM: {
        uint32_t u = (uint32_t)v;
        memcpy(base + k->offset, &u, sizeof(u));
        break;
    }
    default:
        memcpy(base + k->offset, &v, sizeof(v));
        break;
    }
    return 0;
}

static const helios_config_key_t *find_key(const helios_plugin_t *desc, const char *key,
                                           size_t key_len)
{
    for (uint32_t i = 0; i < desc->n_config_keys; i++) {
        const helios_config_key_t *k = &desc->config_keys[i];
        if (strlen(k->key) == key_len && strncmp(k->key, key, key_len) == 0) {
            return k;
        }
    }
    return NULL;
}

void helios_test_plugin_config_free(void *config)
{
    free(config);
}

int32_t helios_test_plugin_config(const helios_plugin_t *desc, const char *const *overrides,
                                  void **config_out, helios_err_t *err)
{
    int32_t rc = 0;
    uint8_t *cfg = NULL;
    uint8_t *is_set = NULL;
    size_t string_space = 0;

    if (desc->n_config_keys > 0 && (desc->config_keys == NULL || desc->config_size == 0)) {
        return helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                       "plugin \"%s\" declares %u config keys without a schema "
                                       "or a config struct",
                                       desc->name, desc->n_config_keys);
    }
    for (uint32_t i = 0; i < desc->n_config_keys; i++) {
        const helios_config_key_t *k = &desc->config_keys[i];
        if (k->type == HELIOS_CFG_STRING && k->default_text != NULL) {
            string_space += strlen(k->default_text) + 1;
        }
    }
    for (size_t i = 0; overrides != NULL && overrides[i] != NULL; i++) {
        string_space += strlen(overrides[i]) + 1;
    }
    /* Strings live in the same block after the struct, so free(config) releases everything. */
    cfg = calloc(1, desc->config_size + string_space + 1);
    is_set = calloc(desc->n_config_keys + 1, 1);
    if (cfg == NULL || is_set == NULL) {
        rc = helios_testing_err_setf(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    char *strings = (char *)cfg + desc->config_size;

    for (uint32_t i = 0; i < desc->n_config_keys; i++) {
        const helios_config_key_t *k = &desc->config_keys[i];
        if (k->default_text == NULL) {
            continue;
        }
        rc = apply_value(desc, k, k->default_text, cfg, &strings, err);
        if (rc != 0) {
            goto failed;
        }
        is_set[i] = 1;
    }
    for (size_t i = 0; overrides != NULL && overrides[i] != NULL; i++) {
        const char *o = overrides[i];
        const char *eq = strchr(o, '=');
        if (eq == NULL || eq == o) {
            rc = helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                         "override \"%s\" is not of the form key=value", o);
            goto failed;
        }
        const helios_config_key_t *k = find_key(desc, o, (size_t)(eq - o));
        if (k == NULL) {
            char key[128];
            snprintf(key, sizeof(key), "%.*s", (int)(eq - o), o);
            const char *best = NULL;
            size_t best_d = 4;
            char valid[200] = "";
            for (uint32_t j = 0; j < desc->n_config_keys; j++) {
                size_t d = edit_distance(key, desc->config_keys[j].key);
                if (d < best_d) {
                    best_d = d;
                    best = desc->config_keys[j].key;
                }
                size_t used = strlen(valid);
                snprintf(valid + used, sizeof(valid) - used, "%s%s", j == 0 ? "" : ", ",
                         desc->config_keys[j].key);
            }
            /* the kernel's wording (kernel/core/config_check.c) */
            if (best != NULL) {
                rc = helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                             "plugins.%s.%s: unknown key \"%s\", did you mean "
                                             "\"%s\"?",
                                             desc->name, key, key, best);
            } else if (desc->n_config_keys == 0) {
                rc = helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                             "plugins.%s.%s: unknown key \"%s\", this plugin has "
                                             "no config keys",
                                             desc->name, key, key);
            } else {
                rc = helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                             "plugins.%s.%s: unknown key \"%s\" (valid keys: %s)",
                                             desc->name, key, key, valid);
            }
            goto failed;
        }
        rc = apply_value(desc, k, eq + 1, cfg, &strings, err);
        if (rc != 0) {
            goto failed;
        }
        is_set[k - desc->config_keys] = 1;
    }
    for (uint32_t i = 0; i < desc->n_config_keys; i++) {
        const helios_config_key_t *k = &desc->config_keys[i];
        if ((k->flags & HELIOS_CFG_REQUIRED) && !is_set[i]) {
            rc = helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                         "plugins.%s: missing required key \"%s\"", desc->name,
                                         k->key);
            goto failed;
        }
    }
    free(is_set);
    if (desc->config_size == 0) {
        free(cfg);
        cfg = NULL;
    }
    *config_out = cfg;
    return 0;
failed:
    free(cfg);
    free(is_set);
    return rc;
}
