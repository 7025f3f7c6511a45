/*
 * common.c -- suite contexts, set-up and tear-down shared by the conformance suites.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static conf_ctx_t *conf_all; /* every registered context; freed at exit */

static void conf_free_all(void)
{
    while (conf_all != NULL) {
        conf_ctx_t *c = conf_all;
        conf_all = c->next;
        for (size_t i = 0; c->overrides != NULL && c->overrides[i] != NULL; i++) {
            free(c->overrides[i]);
        }
        free(c->overrides);
        free(c->so_path);
        free(c);
    }
}

int conf_register(uint32_t kind, const char *label, const char *so_path,
                  const char *const *overrides, CU_InitializeFunc init, CU_CleanupFunc cleanup,
                  conf_ctx_t **out)
{
    static int atexit_done;
    char name[512];
    size_t n_over = 0;
    conf_ctx_t *c = calloc(1, sizeof(*c));
    if (c == NULL || so_path == NULL) {
        free(c);
        return CUE_NOMEMORY;
    }
    while (overrides != NULL && overrides[n_over] != NULL) {
        n_over++;
    }
    c->kind = kind;
    c->so_path = strdup(so_path);
    c->overrides = calloc(n_over + 1, sizeof(char *));
    if (c->so_path == NULL || c->overrides == NULL) {
        free(c->so_path);
        free(c->overrides);
        free(c);
        return CUE_NOMEMORY;
    }
    c->next = conf_all;
    conf_all = c;
    if (!atexit_done) {
        atexit(conf_free_all);
        atexit_done = 1;
    }
    for (size_t i = 0; i < n_over; i++) {
        c->overrides[i] = strdup(overrides[i]); /* substituted in conf_setup */
        if (c->overrides[i] == NULL) {
            return CUE_NOMEMORY;
        }
    }
    const char *base = strrchr(so_path, '/');
    base = base != NULL ? base + 1 : so_path;
    int used = snprintf(name, sizeof(name), "%s conformance: %s", label, base);
    for (size_t i = 0; i < n_over && used > 0 && (size_t)used < sizeof(name); i++) {
        used += snprintf(name + used, sizeof(name) - (size_t)used, "%s%s%s", i == 0 ? " [" : " ",
                         overrides[i], i + 1 == n_over ? "]" : "");
    }
    c->suite = CU_add_suite(name, init, cleanup);
    if (c->suite == NULL) {
        return CU_get_error();
    }
    *out = c;
    return CUE_SUCCESS;
}

conf_ctx_t *conf_current(void)
{
    CU_pSuite s = CU_get_current_suite();
    for (conf_ctx_t *c = conf_all; c != NULL; c = c->next) {
        if (c->suite == s) {
            return c;
        }
    }
    fprintf(stderr, "helios_testing: no conformance context for the running suite\n");
    abort(); /* a harness bug */
}

/* Replaces "@TMPDIR@" in each override with the suite's directory. */
static int conf_substitute(conf_ctx_t *c)
{
    static const char token[] = "@TMPDIR@";
    for (size_t i = 0; c->overrides[i] != NULL; i++) {
        char *at = strstr(c->overrides[i], token);
        if (at == NULL) {
            continue;
        }
        size_t n = strlen(c->overrides[i]) + strlen(c->tmpdir) + 1;
        char *s = malloc(n);
        if (s == NULL) {
            return -1;
        }
        snprintf(s, n, "%.*s%s%s", (int)(at - c->overrides[i]), c->overrides[i], c->tmpdir,
                 at + sizeof(token) - 1);
        free(c->overrides[i]);
        c->overrides[i] = s;
        i--; /* the value may name the token twice */
    }
    return 0;
}

int conf_setup(conf_ctx_t *c)
{
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t rc = 0;
    const char *tmp = getenv("TMPDIR");
    snprintf(c->tmpdir, sizeof(c->tmpdir), "%s/helios-conf-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(c->tmpdir) == NULL) {
        fprintf(stderr, "conformance: cannot create a temporary directory\n");
        c->tmpdir[0] = '\0';
        return 1;
    }
    if (conf_substitute(c) != 0) {
        return 1;
    }
    rc = helios_test_load_plugin(c->so_path, &c->desc, &err);
    if (rc != 0) {
        fprintf(stderr, "conformance: %s\n", err.message);
        return 1;
    }
    if (c->desc->kind != c->kind) {
        fprintf(stderr, "conformance: \"%s\" is a plugin of kind %u, this suite tests kind %u\n",
                c->so_path, c->desc->kind, c->kind);
        return 1;
    }
    rc = helios_test_plugin_config(c->desc, (const char *const *)c->overrides, &c->config, &err);
    if (rc != 0) {
        fprintf(stderr, "conformance: config: %s\n", err.message);
        return 1;
    }
    c->host = helios_test_host_new(c->desc->name, c->tmpdir, c->config);
    if (c->host == NULL) {
        return 1;
    }
    rc = helios_test_plugin_init(c->desc, c->host, c->config, &c->lib, &err);
    if (rc != 0) {
        char state[6];
        helios_sqlstate_str(rc, state);
        fprintf(stderr, "conformance: init of \"%s\" failed: %s: %s\n", c->desc->name, state,
                err.message);
        c->lib_done = 1;
        return 1;
    }
    c->lib_done = 0;
    return 0;
}

int conf_fini_and_check_leaks(conf_ctx_t *c)
{
    if (!c->lib_done && c->desc != NULL) {
        if (c->desc->fini != NULL) {
            c->desc->fini(c->lib);
        }
        c->lib_done = 1;
        c->lib = NULL;
    }
    uint64_t live = c->host != NULL ? helios_test_host_live_allocs(c->host) : 0;
    if (live != 0) {
        fprintf(stderr, "conformance: plugin \"%s\" leaked %llu allocations (%llu bytes)\n",
                c->desc->name, (unsigned long long)live,
                (unsigned long long)helios_test_host_live_bytes(c->host));
    }
    return live == 0;
}

void conf_teardown(conf_ctx_t *c)
{
    if (!c->lib_done && c->desc != NULL && c->host != NULL) {
        conf_fini_and_check_leaks(c);
    }
    helios_test_host_free(c->host);
    c->host = NULL;
    helios_test_plugin_config_free(c->config);
    c->config = NULL;
    if (c->tmpdir[0] != '\0' && getenv("HELIOS_TEST_KEEP") == NULL) {
        conf_rm_rf(c->tmpdir);
    }
    c->tmpdir[0] = '\0';
}

void conf_random_bytes(uint64_t *state, void *buf, uint64_t len)
{
    uint8_t *p = buf;
    uint64_t x = *state != 0 ? *state : 0x9E3779B97F4A7C15ULL;
    for (uint64_t i = 0; i < len; i++) {
        if (i % 8 == 0) {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
        }
        p[i] = (uint8_t)((x * 0x2545F4914F6CDD1DULL) >> (8 * (i % 8)));
    }
    *state = x;
}

void conf_text_bytes(uint64_t seed, void *buf, uint64_t len)
{
    static const char *const words[] = {"helios ",  "database ", "kernel ", "plugin ", "codec ",
                                        "storage ", "tier ",     "the ",    "of ",     "row ",
                                        "column ",  "12345 ",    "\n",      "select ", "from "};
    uint8_t *p = buf;
    uint64_t s = seed | 1;
    uint64_t i = 0;
    while (i < len) {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        const char *w = words[(s * 0x2545F4914F6CDD1DULL >> 33) % 15];
        for (size_t j = 0; w[j] != '\0' && i < len; j++) {
            p[i++] = (uint8_t)w[j];
        }
    }
}

static int conf_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void conf_rm_rf(const char *path)
{
    nftw(path, conf_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
