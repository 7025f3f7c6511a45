/*
 * helios/testing.h -- a fake host so a plugin's unit tests run without a server
 * (library helios_testing, built from sdk/testing/, installed with the SDK).
 *
 * It captures logs, counts allocations (leak check), fails the N-th allocation on request,
 * and loads a plugin .so with the same checks as the kernel's loader.
 */
#ifndef HELIOS_TESTING_H
#define HELIOS_TESTING_H

#include <stdint.h>

#include "helios/host.h"
#include "helios/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A host table for plugin `plugin_name` with data_dir `data_dir` (may be NULL: "."), whose
   `config` is `config` (borrowed). Free with helios_test_host_free. */
helios_host_t *helios_test_host_new(const char *plugin_name, const char *data_dir,
                                    const void *config);
void helios_test_host_free(helios_host_t *host);
/* Fail the n-th allocation from now on (1 = the next one); 0 disables. */
void helios_test_host_fail_alloc(helios_host_t *host, uint64_t nth);
/* Allocations not yet freed through this host. */
uint64_t helios_test_host_live_allocs(const helios_host_t *host);
/* The last logged line (empty string when none) and the number of lines logged. */
const char *helios_test_host_last_log(const helios_host_t *host);
uint64_t helios_test_host_n_logs(const helios_host_t *host);

/* Load a plugin shared object and check its descriptor as the kernel does (magic, size, ABI,
   build signature, kind). Sets *out (the descriptor inside the loaded object, never unloaded).
   On failure returns ZP002 (plugin_refused) with the reason in err. */
int32_t helios_test_load_plugin(const char *path, const helios_plugin_t **out, helios_err_t *err);
/* Fill a config struct of desc->config_size bytes (from alloc) with the schema's defaults,
   then apply "key=value" overrides (NULL-terminated). Returns 0 or 22023. */
int32_t helios_test_plugin_config(const helios_plugin_t *desc, const char *const *overrides,
                                  void **config_out, helios_err_t *err);

/* ---- additions after the first contract (append only) ----------------------------------- */

/* Free a config struct from helios_test_plugin_config (strings live inside it). NULL is a
   no-op. Same as free(). */
void helios_test_plugin_config_free(void *config);

/* The i-th captured log line (0 = oldest still kept; the last 256 lines are kept), or NULL.
   The pointer stays valid until the host logs 256 more lines or is freed. */
const char *helios_test_host_log_line(const helios_host_t *host, uint64_t i);
/* Non-zero when any kept log line contains `needle`. */
int helios_test_host_log_contains(const helios_host_t *host, const char *needle);
/* Forget captured log lines (n_logs restarts at 0). */
void helios_test_host_clear_logs(helios_host_t *host);

/* Allocations made through this host so far (attempts that failed are not counted), and the
   number that failed because of helios_test_host_fail_alloc. */
uint64_t helios_test_host_n_allocs(const helios_host_t *host);
uint64_t helios_test_host_n_failed_allocs(const helios_host_t *host);
/* Bytes currently allocated through this host. */
uint64_t helios_test_host_live_bytes(const helios_host_t *host);

/* The value of metric "<name>" (as registered, without the plugin prefix): 0 and sets *value,
   or 42704 (undefined_object) when no such metric was registered. */
int32_t helios_test_host_metric(const helios_host_t *host, const char *name, int64_t *value);

/* Make host->shutting_down() return non-zero from now on. */
void helios_test_host_set_shutting_down(helios_host_t *host);

/* The fake event loop: run due timers and ready I/O watchers registered through this host,
   on the calling thread, for up to `timeout_ms` (0: one non-blocking pass). Returns the number
   of callbacks run. */
uint64_t helios_test_host_run(helios_host_t *host, uint64_t timeout_ms);

/* Run init() of a loaded plugin against `host` with `config` (may be NULL): 0 and sets
   *lib_state, or the plugin's error. A NULL init succeeds with *lib_state = NULL. */
int32_t helios_test_plugin_init(const helios_plugin_t *desc, const helios_host_t *host,
                                const void *config, void **lib_state, helios_err_t *err);

/* Parse one config value of HELIOS_CFG_* `type` the way the kernel does (units for INT,
   SIZE, DURATION: 4k, 64MiB, 1GB, 250ms, 5s, 2min, 1h; booleans true/false/on/off/yes/no/1/0)
   into *out (ENUM: the index into enum_names; STRING is not handled here). Returns 0 or 22023
   with the reason in err. */
int32_t helios_test_parse_value(uint32_t type, const char *text, const char *const *enum_names,
                                int64_t *out, helios_err_t *err);

#ifdef __cplusplus
}
#endif
#endif /* HELIOS_TESTING_H */
