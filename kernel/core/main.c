/*
 * kernel/core/main.c -- the heliosdb command line (docs/operations.md).
 *
 *   heliosdb [--config FILE]            run the server (no FILE: the embedded default config)
 *   heliosdb --check-config FILE        check a config file: exit 0, or 2 with one line
 *   heliosdb --print-default-config     print the embedded default config
 *   heliosdb --version
 *   heliosdb plugins [--keys] [--config FILE]
 *                                       list the plugins found (--keys: and their config keys)
 *                                       and why any was refused
 *
 * Exit status: 0 after a clean run or a graceful shutdown, 1 when the server could not start,
 * 2 for a usage or config error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cfgval.h"
#include "core/config.h"
#include "core/engine.h"
#include "core/host.h"
#include "core/log.h"
#include "core/registry.h"
#include "core/server.h"
#include "helios/sqlstate.h"
#include "heliosdb.h"

#ifndef HELIOS_VERSION
#define HELIOS_VERSION "0.0.0"
#endif

#define EXIT_CONFIG 2
#define SHUTDOWN_GRACE_MS 10000

static void usage(FILE *f)
{
    fprintf(f, "usage: heliosdb [--config FILE]\n"
               "       heliosdb --check-config FILE\n"
               "       heliosdb --print-default-config\n"
               "       heliosdb --version\n"
               "       heliosdb plugins [--keys] [--config FILE]\n");
}

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1000.0 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Pass 1, scan, pass 2. On error prints the one line and returns 2. */
static int load_config(const char *file, int log_refusals, helios_config_t **out)
{
    helios_err_t err = HELIOS_ERR_INIT;
    helios_config_t *cfg = NULL;
    int32_t rc = helios_config_load(file, &cfg, &err);
    if (rc == 0) {
        /* plugins get an absolute data_dir even before it exists */
        char abs_dir[4096], cwd[2048];
        if (cfg->data_dir[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL) {
            snprintf(abs_dir, sizeof(abs_dir), "%s", cfg->data_dir);
        } else {
            const char *d = cfg->data_dir;
            while (d[0] == '.' && d[1] == '/') {
                d += 2;
            }
            snprintf(abs_dir, sizeof(abs_dir), "%s/%s", cwd, d);
        }
        rc = helios_registry_scan((const char *const *)cfg->plugin_dirs, abs_dir, log_refusals,
                                  &err);
    }
    if (rc == 0) {
        rc = helios_config_apply_plugins(cfg, &err);
    }
    if (rc != 0) {
        fprintf(stderr, "%s\n", err.message);
        helios_config_free(cfg);
        return rc == HELIOS_ERR_CONFIG_FILE_ERROR ? EXIT_CONFIG : 1;
    }
    *out = cfg;
    return 0;
}

static void print_keys(const helios_plugin_t *d)
{
    for (uint32_t i = 0; i < d->n_config_keys; i++) {
        const helios_config_key_t *k = &d->config_keys[i];
        char range[64] = "";
        if (k->min <= k->max) {
            snprintf(range, sizeof(range), " [%lld, %lld]", (long long)k->min, (long long)k->max);
        }
        printf("    %-20s %-8s default %s%s%s%s%s\n", k->key, helios_cfg_type_name(k->type),
               k->default_text != NULL ? k->default_text : "(unset)", range,
               (k->flags & HELIOS_CFG_REQUIRED) ? " required" : "", k->help != NULL ? "  " : "",
               k->help != NULL ? k->help : "");
    }
}

static int cmd_plugins(const char *file, int keys)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    helios_config_t *cfg = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t rc = helios_config_load(file, &cfg, &err);
    if (rc != 0) {
        fprintf(stderr, "%s\n", err.message);
        return EXIT_CONFIG;
    }
    rc = helios_registry_scan((const char *const *)cfg->plugin_dirs, cfg->data_dir, 0, &err);
    if (rc != 0) {
        fprintf(stderr, "%s\n", err.message);
        helios_config_free(cfg);
        return 1;
    }
    double ms = elapsed_ms(&t0);
    printf("%-10s %-12s %-10s %-5s %s\n", "KIND", "NAME", "VERSION", "ABI", "PATH");
    size_t n_ok = 0, n_bad = 0;
    for (helios_plugin_rt_t *p = helios_registry_first(); p != NULL; p = p->next, n_ok++) {
        char abi[16];
        snprintf(abi, sizeof(abi), "%u.%u", p->desc->abi_major, p->desc->abi_minor);
        printf("%-10s %-12s %-10s %-5s %s\n", helios_kind_name(p->kind), p->name,
               p->desc->version != NULL ? p->desc->version : "-", abi, p->path);
        if (keys) {
            print_keys(p->desc);
        }
    }
    for (helios_refusal_t *r = helios_registry_refusals(); r != NULL; r = r->next, n_bad++) {
        printf("%-10s %-12s %-10s %-5s %s\n", "refused", r->name != NULL ? r->name : "-", "-", "-",
               r->line);
    }
    printf("%zu loaded, %zu refused from", n_ok, n_bad);
    for (size_t i = 0; cfg->plugin_dirs[i] != NULL; i++) {
        printf(" %s", cfg->plugin_dirs[i]);
    }
    printf(" in %.1f ms (kernel ABI %u.%u)\n", ms, HELIOS_ABI_MAJOR, HELIOS_ABI_MINOR);
    helios_registry_fini();
    helios_config_free(cfg);
    return 0;
}

static int cmd_check(const char *file)
{
    helios_config_t *cfg = NULL;
    int rc = load_config(file, 0, &cfg);
    if (rc != 0) {
        helios_registry_fini();
        return rc;
    }
    printf("%s: ok (%u listener%s, data_dir %s, storage tier %s, codec %s)\n", cfg->file,
           cfg->n_listeners, cfg->n_listeners == 1 ? "" : "s", cfg->data_dir, cfg->tier,
           cfg->codec);
    helios_config_free(cfg);
    helios_registry_fini();
    return 0;
}

static int cmd_serve(const char *file)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    helios_config_t *cfg = NULL;
    helios_engine_t *eng = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    int status = load_config(file, 1, &cfg);
    if (status != 0) {
        helios_registry_fini();
        return status;
    }
    helios_log(HELIOS_LOG_INFO, "heliosdb %s starting, config %s, data_dir %s", HELIOS_VERSION,
               cfg->file, cfg->data_dir);
    int32_t rc = helios_registry_init_all(1, &err);
    size_t n_pl = 0, n_ref = 0;
    for (helios_plugin_rt_t *p = helios_registry_first(); p != NULL; p = p->next) {
        n_pl++;
    }
    for (helios_refusal_t *r = helios_registry_refusals(); r != NULL; r = r->next) {
        n_ref++;
    }
    helios_log(HELIOS_LOG_INFO, "%zu plugins loaded (%zu refused) in %.1f ms", n_pl, n_ref,
               elapsed_ms(&t0));
    helios_engine_registry_ready();
    if (rc == 0) {
        rc = helios_engine_open_cfg(cfg, &eng, &err);
        if (rc == HELIOS_ERR_FEATURE_NOT_SUPPORTED) {
            /* a partial build still serves the wire protocols; sessions get the error */
            helios_log(HELIOS_LOG_WARN, "%s; clients will get SQLSTATE 0A000", err.message);
            rc = 0;
        }
    }
    if (rc == 0) {
        rc = helios_server_start(cfg, eng, heliosdb_session_api(), &err);
    }
    if (rc != 0) {
        char state[6];
        helios_sqlstate_str(rc, state);
        helios_log(HELIOS_LOG_ERROR, "could not start: %s %s%s%s", state, err.message,
                   err.detail[0] != '\0' ? " " : "", err.detail);
        helios_server_destroy();
        heliosdb_close(eng);
        helios_registry_fini();
        helios_config_free(cfg);
        return 1;
    }
    if (cfg->n_listeners == 0) {
        helios_log(HELIOS_LOG_WARN, "no listeners configured: only signals will be handled");
    }
    helios_log(HELIOS_LOG_INFO, "ready to accept connections (started in %.1f ms)",
               elapsed_ms(&t0));
    helios_server_run(SHUTDOWN_GRACE_MS);
    helios_server_destroy();
    heliosdb_close(eng);
    helios_registry_fini();
    helios_config_free(cfg);
    helios_log(HELIOS_LOG_INFO, "shut down cleanly");
    return 0;
}

int main(int argc, char **argv)
{
    const char *config = NULL;
    int plugins = 0, keys = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--version") == 0) {
            printf("heliosdb %s (plugin ABI %u.%u)\n", HELIOS_VERSION, HELIOS_ABI_MAJOR,
                   HELIOS_ABI_MINOR);
            return 0;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--print-default-config") == 0) {
            fputs(helios_config_default_text(), stdout);
            return 0;
        } else if (strcmp(a, "--check-config") == 0) {
            if (i + 1 >= argc) {
                usage(stderr);
                return EXIT_CONFIG;
            }
            return cmd_check(argv[i + 1]);
        } else if (strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) {
            if (i + 1 >= argc) {
                usage(stderr);
                return EXIT_CONFIG;
            }
            config = argv[++i];
        } else if (strncmp(a, "--config=", 9) == 0) {
            config = a + 9;
        } else if (strcmp(a, "plugins") == 0 && !plugins) {
            plugins = 1;
        } else if (strcmp(a, "--keys") == 0 && plugins) {
            keys = 1;
        } else {
            fprintf(stderr, "heliosdb: unknown argument \"%s\"\n", a);
            usage(stderr);
            return EXIT_CONFIG;
        }
    }
    return plugins ? cmd_plugins(config, keys) : cmd_serve(config);
}
