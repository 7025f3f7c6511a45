/*
 * helios/conformance.h -- the contract every plugin of a kind must pass, as CUnit suites
 * (library helios_testing, installed with the SDK).
 *
 * A plugin's own test calls one register function per kind with the path of its built .so,
 * then runs the registry:
 *
 *     int main(int argc, char **argv)
 *     {
 *         if (CU_initialize_registry() != CUE_SUCCESS) return 2;
 *         helios_conformance_codec_register(argv[1], NULL);
 *         ... CU_add_suite(...) for the plugin's own cases ...
 *         return helios_test_run_cunit();
 *     }
 *
 * Each register call adds one suite named "<kind> conformance: <plugin> [overrides]" that loads
 * the plugin with helios_test_load_plugin, builds its config from the static schema plus the
 * "key=value" overrides (the text "@TMPDIR@" in a value is replaced by the suite's temporary
 * directory), runs init, and exercises every member of the kind's vtable against the contract
 * in the kind's header, through a fake host that counts allocations (every suite ends with a
 * leak check) and can fail the N-th allocation. Several suites (other overrides, other
 * plugins) may be registered in one registry.
 *
 * Register functions return CUE_SUCCESS (0) or the CUnit error of CU_add_suite/CU_add_test.
 */
#ifndef HELIOS_CONFORMANCE_H
#define HELIOS_CONFORMANCE_H

#ifdef __cplusplus
extern "C" {
#endif

/* Codecs. Every codec: descriptor, create/destroy, allocation failure at every point (53200,
   nothing leaked), control, no leaks after destroy + fini. Byte compressors
   (HELIOS_CODEC_CAP_BYTES): round trips of empty, small, large and incompressible buffers;
   bound; decompress of garbage, truncated and bit-flipped input returns XX001 and never writes
   past dst_cap; wrong dst_cap; concurrency on one instance. Column encoders
   (HELIOS_CODEC_CAP_COLUMN): vectors of every physical type (constant, ascending, few distinct,
   random, with NULLs, all NULL; 0 to 1024 rows) round-trip through estimate/encode/decode
   unless estimate declines them; encode into too little room returns HELIOS_AGAIN with the
   size; damaged chunks decode to 0 or XX001 without writing past any buffer; concurrency. */
int helios_conformance_codec_register(const char *so_path, const char *const *config_overrides);

/* Storage tiers: put/get/ranged get, ropen/read, wopen ATOMIC (commit and discard) and APPEND
   (when HELIOS_TIER_CAP_APPEND), wsync, truncate, remove, list (order, prefix, early stop),
   stat, 58P01 for missing files, nested names, concurrent use, HELIOS_TIER_CTL_FAIL_WRITES
   (when HELIOS_TIER_CAP_LOCAL), allocation failure in create, no leaks. The tier's root is a
   fresh temporary directory, removed afterwards. */
int helios_conformance_storage_register(const char *so_path, const char *const *config_overrides);

/* Protocols: detect() answers 0, DECLINED or AGAIN for any bytes, the same each time, and an
   answer for a prefix holds for longer input; create/destroy without start, stop twice,
   allocation failure at every point; serve() returns within 5 s when a client hangs up at once,
   sends garbage and hangs up (40 times), or stalls while the server stops and shuts down;
   control; no leaks. The session API behind it is a stub engine that refuses every call with
   0A000, and the listener is {127.0.0.1, auth trust, 1 MiB messages, 2 s read timeout}. */
int helios_conformance_protocol_register(const char *so_path, const char *const *config_overrides);

/* Run every registered CUnit suite (basic interface, verbose), print the summary, clean up the
   registry. Returns 0 when every test passed (usable as main's exit status), 1 otherwise. */
int helios_test_run_cunit(void);

#ifdef __cplusplus
}
#endif
#endif /* HELIOS_CONFORMANCE_H */
