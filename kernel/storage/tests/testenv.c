/*
 * testenv.c -- see testenv.h.
 */
#define _GNU_SOURCE
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef NVME_SO
#error "NVME_SO must name the built nvme tier"
#endif

static int tenv_init_common(tenv_t *e, const char *dir, int with_codec, int nosync);

int tenv_init(tenv_t *e, const char *dir, int with_codec)
{
    return tenv_init_common(e, dir, with_codec, 0);
}

int tenv_init_nosync(tenv_t *e, const char *dir, int with_codec)
{
    return tenv_init_common(e, dir, with_codec, 1);
}

static int tenv_init_common(tenv_t *e, const char *dir, int with_codec, int nosync)
{
    memset(e, 0, sizeof(*e));
    helios_err_t err = HELIOS_ERR_INIT;
    if (dir != NULL) {
        snprintf(e->dir, sizeof(e->dir), "%s", dir);
    } else {
        snprintf(e->dir, sizeof(e->dir), "/tmp/helios-lsm-XXXXXX");
        if (mkdtemp(e->dir) == NULL) {
            perror("mkdtemp");
            return 1;
        }
    }
    const char *ov[] = {"fsync=false", NULL};
    if (helios_test_load_plugin(NVME_SO, &e->tier_desc, &err) != 0 ||
        helios_test_plugin_config(e->tier_desc, nosync ? ov : NULL, &e->tcfg, &err) != 0) {
        fprintf(stderr, "nvme: %s\n", err.message);
        return 1;
    }
    e->tvt = e->tier_desc->vtable;
    e->thost = helios_test_host_new("nvme", e->dir, e->tcfg);
    helios_tier_options_t to = {.size = sizeof(to), .root = e->dir, .name = "hot"};
    if (helios_test_plugin_init(e->tier_desc, e->thost, e->tcfg, &e->tlib, &err) != 0 ||
        e->tvt->create(e->tlib, e->tcfg, &to, &e->tier, &err) != 0 ||
        e->tvt->start(e->tier, &err) != 0) {
        fprintf(stderr, "nvme: %s\n", err.message);
        return 1;
    }
    if (with_codec) {
#ifdef LZ4_SO
        if (helios_test_load_plugin(LZ4_SO, &e->codec_desc, &err) != 0 ||
            helios_test_plugin_config(e->codec_desc, NULL, &e->ccfg, &err) != 0) {
            fprintf(stderr, "lz4: %s\n", err.message);
            return 1;
        }
        e->cvt = e->codec_desc->vtable;
        e->chost = helios_test_host_new("lz4", e->dir, e->ccfg);
        if (helios_test_plugin_init(e->codec_desc, e->chost, e->ccfg, &e->clib, &err) != 0 ||
            e->cvt->create(e->clib, e->ccfg, &e->codec, &err) != 0) {
            fprintf(stderr, "lz4: %s\n", err.message);
            return 1;
        }
#else
        fprintf(stderr, "lz4 codec not built\n");
        return 1;
#endif
    }
    return 0;
}

void tenv_options(const tenv_t *e, helios_lsm_options_t *o)
{
    memset(o, 0, sizeof(*o));
    o->tier_vt = e->tvt;
    o->tier = e->tier;
    o->codec_vt = e->cvt;
    o->codec = e->codec;
}

void tenv_fail_writes(tenv_t *e, int32_t status)
{
    helios_err_t err = HELIOS_ERR_INIT;
    e->tvt->control(e->tier, HELIOS_TIER_CTL_FAIL_WRITES, &status, &err);
}

void tenv_fini(tenv_t *e, int rm)
{
    if (e->codec != NULL) {
        e->cvt->destroy(e->codec);
    }
    if (e->codec_desc != NULL && e->codec_desc->fini != NULL) {
        e->codec_desc->fini(e->clib);
    }
    if (e->chost != NULL) {
        helios_test_host_free(e->chost);
    }
    helios_test_plugin_config_free(e->ccfg);
    if (e->tier != NULL) {
        e->tvt->stop(e->tier);
        e->tvt->destroy(e->tier);
    }
    if (e->tier_desc != NULL && e->tier_desc->fini != NULL) {
        e->tier_desc->fini(e->tlib);
    }
    if (e->thost != NULL) {
        helios_test_host_free(e->thost);
    }
    helios_test_plugin_config_free(e->tcfg);
    if (rm && e->dir[0] != '\0') {
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "could not remove %s\n", e->dir);
        }
    }
    memset(e, 0, sizeof(*e));
}
