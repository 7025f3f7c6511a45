/*
 * testenv.h -- opening a store for tests: the nvme tier (and optionally the lz4 codec)
 * loaded from the build tree through helios_testing, in a fresh temporary directory.
 */
#ifndef HELIOS_STORAGE_TESTENV_H
#define HELIOS_STORAGE_TESTENV_H

#include "helios/testing.h"
#include "storage/lsm.h"

typedef struct tenv {
    const helios_plugin_t *tier_desc, *codec_desc;
    const helios_storage_vtable_t *tvt;
    const helios_codec_vtable_t *cvt;
    helios_host_t *thost, *chost;
    void *tlib, *tcfg, *tier;
    void *clib, *ccfg, *codec;
    char dir[256];
} tenv_t;

/* Load the tier (and codec when with_codec) with root `dir` (NULL: a new mkdtemp directory).
   Returns 0, or prints why and returns non-zero. */
int tenv_init(tenv_t *e, const char *dir, int with_codec);
/* Same, with the tier's fsync turned off (logic tests that never crash). */
int tenv_init_nosync(tenv_t *e, const char *dir, int with_codec);
/* Options filled with the tier and codec; the caller may change sizes before opening. */
void tenv_options(const tenv_t *e, helios_lsm_options_t *o);
/* Make the tier fail every write with `status` (0: stop). */
void tenv_fail_writes(tenv_t *e, int32_t status);
/* Tear down the tier/codec; remove the directory when rm is non-zero. */
void tenv_fini(tenv_t *e, int rm);

#endif
