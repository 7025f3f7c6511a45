/*
 * helios/faulttier.h -- a fault-injecting storage tier for tests (library helios_testing).
 *
 * Wraps any started tier (a vtable and its instance, e.g. the nvme plugin loaded with
 * helios_test_load_plugin) and forwards every call, except that a test can make the N-th write
 * or sync fail, make failing appends tear (write a prefix first), fail everything like a full
 * disk, and simulate a power loss: every byte appended but not yet made durable by wsync is
 * lost. Hand helios_fault_tier_vtable() and helios_fault_tier_inst() to the code under test
 * (the LSM engine's tier_vt/tier) in place of the real tier's. In the spirit of LevelDB's
 * FaultInjectionTestEnv and SQLite's fault-injecting VFS shims.
 *
 * What counts:
 *   write ops: put, wopen, append, write_at, wclose(commit=1), truncate, remove, prealloc,
 *              rename;
 *   sync ops:  wsync, and the fsync inside put, prealloc and inside wclose(commit=1) of an
 *              ATOMIC writer.
 * An injected failure happens before the operation reaches the inner tier (a torn append
 * first writes a prefix), so the file is as if the device failed at that instant. The wrapper
 * assumes the tier keeps its promises: put, ATOMIC commit, truncate and remove are durable on
 * return; an APPEND file is durable up to its last wsync (bytes present when the wrapper first
 * saw the file count as durable). ABI 1.2 (only when the inner tier has them, with its
 * HELIOS_TIER_CAP_OVERWRITE): prealloc and rename are durable on return; an OVERWRITE writer's
 * write_at/append keep a copy of the bytes they replace until the next wsync of that file, and
 * a crash writes those copies back (newest first) and cuts the file to its size at that wsync.
 *
 * Thread-safe like a tier: all members may be called concurrently. The wrapper's vtable has no
 * create (0A000), no start/stop and a no-op destroy: make it with helios_fault_tier_new and free
 * it with helios_fault_tier_free; the inner tier stays the caller's to stop and destroy.
 */
#ifndef HELIOS_FAULTTIER_H
#define HELIOS_FAULTTIER_H

#include <stdint.h>

#include "helios/storage.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct helios_fault_tier helios_fault_tier_t;

/* Wrap `inner` (a started instance of `inner_vt`, borrowed: it must outlive the wrapper).
   Returns 0 and sets *out, or 53200. */
int32_t helios_fault_tier_new(const helios_storage_vtable_t *inner_vt, void *inner,
                              helios_fault_tier_t **out);
/* Free the wrapper. Writers and readers opened through it must be closed first. */
void helios_fault_tier_free(helios_fault_tier_t *ft);

/* The vtable to pass in place of the inner tier's (it reports the inner tier's caps, latency
   class and cost; valid until helios_fault_tier_free) and the instance to pass with it. */
const helios_storage_vtable_t *helios_fault_tier_vtable(const helios_fault_tier_t *ft);
void *helios_fault_tier_inst(helios_fault_tier_t *ft);

/* Fail the n-th write op from now (1 = the next one) with `code` (e.g. HELIOS_ERR_IO_ERROR,
   HELIOS_ERR_DISK_FULL); one-shot; n = 0 disarms. */
void helios_fault_tier_fail_write(helios_fault_tier_t *ft, uint64_t nth, int32_t code);
/* Fail the n-th sync op from now with `code`; one-shot; n = 0 disarms. A failed sync makes
   nothing durable (as after a failed fsync, the caller cannot know what reached the disk). */
void helios_fault_tier_fail_sync(helios_fault_tier_t *ft, uint64_t nth, int32_t code);
/* Fail every write and sync op with `code` until called again with 0 (a full disk). The
   wrapper also accepts HELIOS_TIER_CTL_FAIL_WRITES through its control member. */
void helios_fault_tier_fail_all(helios_fault_tier_t *ft, int32_t code);
/* Non-zero: an append chosen to fail first writes the first half of its bytes (a torn write,
   as a crash or a full disk leaves a WAL tail). Off by default. */
void helios_fault_tier_torn_appends(helios_fault_tier_t *ft, uint32_t on);

/* Simulate a power loss: cut every APPEND file back to its durable size, undo the unsynced
   in-place writes of every OVERWRITE file, discard every open ATOMIC writer, and kill every
   open writer (its later calls fail with 58030; wclose still
   frees it). Readers stay usable. Returns 0 or the inner tier's error. */
int32_t helios_fault_tier_crash(helios_fault_tier_t *ft, helios_err_t *err);

/* Write and sync ops seen so far (including failed ones), and failures injected. */
uint64_t helios_fault_tier_n_writes(const helios_fault_tier_t *ft);
uint64_t helios_fault_tier_n_syncs(const helios_fault_tier_t *ft);
uint64_t helios_fault_tier_n_injected(const helios_fault_tier_t *ft);

#ifdef __cplusplus
}
#endif
#endif /* HELIOS_FAULTTIER_H */
