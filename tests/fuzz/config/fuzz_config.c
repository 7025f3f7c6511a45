/*
 * fuzz_config.c -- libFuzzer harness for the server's YAML config loader (kernel/core
 * config.c, config_check.c, cfgval.c): each input is written to a temporary file and read
 * with helios_config_load (pass 1); when that succeeds, helios_config_apply_plugins (pass 2,
 * the `plugins:` subtree against the plugins the build tree holds, loaded once) runs too.
 *
 * Expected: 0, or F0000 with a message "FILE:LINE: ..." naming where the problem is. A crash,
 * a sanitizer report, a leak, another status or an error without a line is a bug.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/registry.h"
#include "helios/sqlstate.h"

static char fz_file[64];
static int fz_ready;

static void fz_cleanup(void)
{
    if (fz_file[0] != '\0') {
        unlink(fz_file);
    }
    helios_registry_fini();
}

static void fz_init(void)
{
    snprintf(fz_file, sizeof(fz_file), "/tmp/helios-fuzz-config-XXXXXX");
    int fd = mkstemp(fz_file);
    if (fd < 0) {
        perror("mkstemp");
        abort();
    }
    close(fd);
    helios_err_t err = HELIOS_ERR_INIT;
    /* the plugins pass 2 schemas come from: the build tree's (or $HELIOS_PLUGIN_DIR) */
    if (helios_registry_scan(helios_default_plugin_dirs(), "/tmp", 0, &err) != 0) {
        fprintf(stderr, "fuzz_config: plugin scan: %s\n", err.message);
        abort();
    }
    atexit(fz_cleanup);
    fz_ready = 1;
}

/* The error must be F0000 and read "FILE:LINE: ..." with LINE > 0. */
static void fz_check_err(int32_t rc, const helios_err_t *err)
{
    size_t fl = strlen(fz_file);
    const char *m = err->message;
    int ok = rc == HELIOS_ERR_CONFIG_FILE_ERROR && err->code == rc &&
             strncmp(m, fz_file, fl) == 0 && m[fl] == ':' && isdigit((unsigned char)m[fl + 1]) &&
             m[fl + 1] != '0';
    if (!ok) {
        fprintf(stderr, "fuzz_config: status %d, error without FILE:LINE: %s\n", rc, m);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fz_ready) {
        fz_init();
    }
    FILE *f = fopen(fz_file, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror("fuzz_config: write");
        abort();
    }
    helios_config_t *cfg = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t rc = helios_config_load(fz_file, &cfg, &err);
    if (rc != 0) {
        if (cfg != NULL) {
            abort(); /* on error *out stays NULL */
        }
        fz_check_err(rc, &err);
        return 0;
    }
    if (cfg == NULL || cfg->data_dir == NULL || cfg->plugin_dirs == NULL || cfg->tier == NULL ||
        cfg->codec == NULL || (cfg->n_listeners > 0 && cfg->listeners == NULL)) {
        abort();
    }
    rc = helios_config_apply_plugins(cfg, &err);
    if (rc != 0) {
        fz_check_err(rc, &err);
    } else {
        for (uint32_t i = 0; i < cfg->n_listeners; i++) {
            if (cfg->listeners[i].protocol == NULL || cfg->listeners[i].host == NULL) {
                abort();
            }
        }
    }
    helios_config_free(cfg);
    return 0;
}
