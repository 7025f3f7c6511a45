/*
 * mini_host.c -- a minimal stand-in for sdk/testing (helios_testing) used only while that
 * library is not in the tree: the subset of helios/testing.h these tests call.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helios/testing.h"

typedef struct mini_host {
    helios_host_t host;
    _Atomic uint64_t live;
    char last_log[512];
    uint64_t n_logs;
} mini_host_t;

static void mini_log(const helios_host_t *host, uint32_t level, const char *fmt, ...)
{
    mini_host_t *h = (mini_host_t *)host;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->last_log, sizeof(h->last_log), fmt, ap);
    va_end(ap);
    h->n_logs++;
}

static int32_t mini_err_set(helios_err_t *err, int32_t code, const char *fmt, ...)
{
    if (err != NULL) {
        memset(err, 0, sizeof(*err));
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return code;
}

static void mini_err_detail(helios_err_t *err, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
        va_end(ap);
    }
}

static void mini_err_hint(helios_err_t *err, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
        va_end(ap);
    }
}

static void *mini_alloc(const helios_host_t *host, size_t n)
{
    void *p = malloc(n);
    if (p != NULL) {
        atomic_fetch_add(&((mini_host_t *)host)->live, 1);
    }
    return p;
}

static void *mini_calloc(const helios_host_t *host, size_t n, size_t sz)
{
    void *p = calloc(n, sz);
    if (p != NULL) {
        atomic_fetch_add(&((mini_host_t *)host)->live, 1);
    }
    return p;
}

static void *mini_realloc(const helios_host_t *host, void *ptr, size_t n)
{
    void *p = realloc(ptr, n);
    if (p != NULL && ptr == NULL) {
        atomic_fetch_add(&((mini_host_t *)host)->live, 1);
    }
    return p;
}

static void mini_free(const helios_host_t *host, void *ptr)
{
    if (ptr != NULL) {
        atomic_fetch_sub(&((mini_host_t *)host)->live, 1);
        free(ptr);
    }
}

static uint64_t mini_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint32_t mini_shutting_down(const helios_host_t *host)
{
    return 0;
}

helios_host_t *helios_test_host_new(const char *plugin_name, const char *data_dir,
                                    const void *config)
{
    mini_host_t *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        return NULL;
    }
    h->host.size = sizeof(helios_host_t);
    h->host.abi_major = HELIOS_ABI_MAJOR;
    h->host.abi_minor = HELIOS_ABI_MINOR;
    h->host.plugin_name = plugin_name;
    h->host.data_dir = data_dir != NULL ? data_dir : ".";
    h->host.config = config;
    h->host.log = mini_log;
    h->host.err_set = mini_err_set;
    h->host.err_detail = mini_err_detail;
    h->host.err_hint = mini_err_hint;
    h->host.alloc = mini_alloc;
    h->host.calloc = mini_calloc;
    h->host.realloc = mini_realloc;
    h->host.free = mini_free;
    h->host.now_us = mini_now_us;
    h->host.shutting_down = mini_shutting_down;
    return &h->host;
}

void helios_test_host_free(helios_host_t *host)
{
    free(host);
}

uint64_t helios_test_host_live_allocs(const helios_host_t *host)
{
    return atomic_load(&((const mini_host_t *)host)->live);
}

int32_t helios_test_load_plugin(const char *path, const helios_plugin_t **out,
                                helios_err_t *err)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        return mini_err_set(err, HELIOS_ERR_PLUGIN_REFUSED, "%s", dlerror());
    }
    const helios_plugin_t *d = dlsym(h, "helios_plugin");
    if (d == NULL || d->magic != HELIOS_PLUGIN_MAGIC || d->abi_major != HELIOS_ABI_MAJOR) {
        return mini_err_set(err, HELIOS_ERR_PLUGIN_REFUSED, "bad descriptor in %s", path);
    }
    *out = d;
    return 0;
}

/* Only the types the local tiers use: STRING and BOOL. */
static int32_t mini_set(const helios_config_key_t *k, void *cfg, const char *v)
{
    uint8_t *base = cfg;
    if (k->type == HELIOS_CFG_STRING) {
        *(char **)(base + k->offset) = (char *)v;
        return 0;
    }
    if (k->type == HELIOS_CFG_BOOL) {
        *(uint32_t *)(base + k->offset) = strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
        return 0;
    }
    return HELIOS_ERR_INVALID_PARAMETER_VALUE;
}

int32_t helios_test_plugin_config(const helios_plugin_t *desc, const char *const *overrides,
                                  void **config_out, helios_err_t *err)
{
    void *cfg = calloc(1, desc->config_size > 0 ? desc->config_size : 1);
    for (uint32_t i = 0; i < desc->n_config_keys; i++) {
        const helios_config_key_t *k = &desc->config_keys[i];
        if (k->default_text != NULL) {
            mini_set(k, cfg, k->default_text);
        }
    }
    for (const char *const *o = overrides; o != NULL && *o != NULL; o++) {
        const char *eq = strchr(*o, '=');
        int done = 0;
        for (uint32_t i = 0; eq != NULL && i < desc->n_config_keys; i++) {
            const helios_config_key_t *k = &desc->config_keys[i];
            if (strlen(k->key) == (size_t)(eq - *o) && strncmp(k->key, *o, eq - *o) == 0) {
                done = mini_set(k, cfg, eq + 1) == 0;
            }
        }
        if (!done) {
            free(cfg);
            return mini_err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE, "bad override %s", *o);
        }
    }
    *config_out = cfg;
    return 0;
}
