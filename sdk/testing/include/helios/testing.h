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
int32_t helios_test_load_plugin(const char *path, const helios_plugin_t **out,
                                helios_err_t *err);
/* Fill a config struct of desc->config_size bytes (from alloc) with the schema's defaults,
   then apply "key=value" overrides (NULL-terminated). Returns 0 or 22023. */
int32_t helios_test_plugin_config(const helios_plugin_t *desc, const char *const *overrides,
                                  void **config_out, helios_err_t *err);

#ifdef __cplusplus
}
#endif
#endif /* HELIOS_TESTING_H */
