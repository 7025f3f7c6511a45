/*
 * common.h -- what the per-kind conformance suites share: one context per registered suite,
 * found again from CU_get_current_suite() (CUnit test functions take no argument).
 */
#ifndef HELIOS_CONFORMANCE_COMMON_H
#define HELIOS_CONFORMANCE_COMMON_H

#include <CUnit/CUnit.h>
#include <stdint.h>

#include "helios/testing.h"

typedef struct conf_ctx {
    struct conf_ctx *next;
    CU_pSuite suite;
    uint32_t kind;
    char *so_path;
    char **overrides; /* NULL-terminated, "@TMPDIR@" already substituted */
    char tmpdir[256];
    const helios_plugin_t *desc;
    helios_host_t *host;
    void *config;
    void *lib;
    void *inst;        /* the suite's main instance, created by the kind's setup */
    uint32_t lib_done; /* fini already ran (the leak test does it) */
} conf_ctx_t;

/* Register a suite named "<label> conformance: <so basename> [overrides]". */
int conf_register(uint32_t kind, const char *label, const char *so_path,
                  const char *const *overrides, CU_InitializeFunc init, CU_CleanupFunc cleanup,
                  conf_ctx_t **out);
/* The context of the running suite (never NULL while a registered suite runs). */
conf_ctx_t *conf_current(void);
/* Load, configure, make a host and run init. 0 or the failure (printed to stderr). */
int conf_setup(conf_ctx_t *c);
/* fini (unless done), free host and config, remove the temporary directory. */
void conf_teardown(conf_ctx_t *c);
/* Run fini and report whether every allocation was returned (1) or not (0). */
int conf_fini_and_check_leaks(conf_ctx_t *c);
/* Deterministic pseudo-random bytes (xorshift64*). */
void conf_random_bytes(uint64_t *state, void *buf, uint64_t len);
/* Compressible, text-like bytes. */
void conf_text_bytes(uint64_t seed, void *buf, uint64_t len);
/* Column codecs (codec_column.c): add the CAP_COLUMN tests to a suite; one small encode of
   each type for the allocation-failure test (0, or the failing status). */
int conf_codec_column_add_tests(CU_pSuite suite);
int32_t conf_column_smoke(const conf_ctx_t *c, void *inst);
/* Remove a directory tree (best effort). */
void conf_rm_rf(const char *path);

#endif /* HELIOS_CONFORMANCE_COMMON_H */
