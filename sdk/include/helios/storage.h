/*
 * helios/storage.h -- storage tiers: where the kernel's files live.
 *
 * A tier is an object store for named files: hot (local NVMe), warm (local SATA), cold (S3).
 * The LSM engine writes its WAL segments, SSTables and manifest through this vtable only, so a
 * file can live on, and move between, tiers. Names are relative paths with '/' separators
 * ("wal/000001.log", "sst/t12/000034.sst"); no "..", no leading '/'. The tier creates parent
 * directories as needed.
 *
 * Instances: one plugin may serve several tiers (create is called once per tier). All members
 * taking `inst` may be called concurrently from any thread. Readers and writers are used by one
 * thread at a time.
 *
 * Errors: HELIOS_ERR_UNDEFINED_FILE (58P01) for a missing file, HELIOS_ERR_DISK_FULL (53100) for
 * ENOSPC, HELIOS_ERR_IO_ERROR (58030) for other I/O failures, each naming the file.
 */
#ifndef HELIOS_STORAGE_H
#define HELIOS_STORAGE_H

#include <stdint.h>

#include "helios/host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Capabilities (caps bit set). */
#define HELIOS_TIER_CAP_APPEND 0x1u /* writers with HELIOS_TIER_W_APPEND work (WAL may live here) */
#define HELIOS_TIER_CAP_LOCAL 0x2u  /* files are local; reads are cheap syscalls */
/* ABI 1.2: HELIOS_TIER_W_OVERWRITE writers, write_at, prealloc and rename work (the WAL then
   writes into preallocated, recycled segments, so a commit's fdatasync writes data only). */
#define HELIOS_TIER_CAP_OVERWRITE 0x4u

/* Latency class (uint32_t). */
#define HELIOS_TIER_HOT 1u
#define HELIOS_TIER_WARM 2u
#define HELIOS_TIER_COLD 3u

/* wopen flags. */
#define HELIOS_TIER_W_ATOMIC                                                                       \
    0x1u /* write to a temporary; on wclose(commit=1) fsync, rename into
                                     place and fsync the directory; on wclose(commit=0) discard.
                                     An existing file of that name is replaced atomically. */
#define HELIOS_TIER_W_APPEND                                                                       \
    0x2u /* open (creating if needed) the named file and append to it;
                                     bytes are visible as written and durable after wsync. */
/* ABI 1.2 (HELIOS_TIER_CAP_OVERWRITE): open an EXISTING file (58P01 when missing) to write in
   place: `append` writes at the position after the previous write (0 at first), `write_at` at
   any offset; the size changes only when a write goes past the end. Bytes are visible as
   written and durable after wsync (fdatasync: on a file whose blocks are allocated and written,
   e.g. made by prealloc, this writes data only). wclose(commit=1) syncs, commit=0 just closes.
   Exactly one of ATOMIC, APPEND and OVERWRITE is given. */
#define HELIOS_TIER_W_OVERWRITE 0x4u

typedef struct helios_tier_reader helios_tier_reader_t; /* plugin-owned */
typedef struct helios_tier_writer helios_tier_writer_t; /* plugin-owned */

typedef struct helios_tier_stat {
    uint64_t size_bytes;
    int64_t mtime_us; /* wall clock, microseconds since the Unix epoch */
} helios_tier_stat_t;

/* Per-instance options from the kernel. */
typedef struct helios_tier_options {
    uint32_t size; /* sizeof(helios_tier_options_t) */
    uint32_t reserved;
    const char *root; /* where this instance keeps its files (a directory, a bucket prefix);
                            the plugin's own `path` config key overrides it when set */
    const char *name; /* the tier's name in config, e.g. "hot" */
} helios_tier_options_t;

/* list callback: return 0 to continue, non-zero to stop (returned by list). */
typedef int32_t (*helios_tier_list_cb)(const char *name, const helios_tier_stat_t *st, void *arg);

typedef struct helios_storage_vtable {
    uint32_t size;          /* sizeof(helios_storage_vtable_t) at the plugin's build */
    uint32_t caps;          /* HELIOS_TIER_CAP_* */
    uint32_t latency_class; /* HELIOS_TIER_HOT/WARM/COLD */
    uint32_t cost_per_gb_month_millicents; /* for placement policies; 0 unknown */

    /* create: validate config and allocate; no side effects. On failure *inst stays NULL. */
    int32_t (*create)(void *lib_state, const void *config, const helios_tier_options_t *opts,
                      void **inst, helios_err_t *err);
    /* start: make the root usable (mkdir -p, probe writability). */
    int32_t (*start)(void *inst, helios_err_t *err);
    /* stop: idempotent; after it no call is in flight. */
    void (*stop)(void *inst);
    /* destroy: frees; accepts an instance whose start failed or never ran. */
    void (*destroy)(void *inst);

    /* put: write a whole file atomically (temp + fsync + rename + directory fsync). */
    int32_t (*put)(void *inst, const char *name, const void *data, uint64_t len, helios_err_t *err);
    /* get: read up to `len` bytes at `offset` into buf; *n_read is set (short at EOF). */
    int32_t (*get)(void *inst, const char *name, uint64_t offset, uint64_t len, void *buf,
                   uint64_t *n_read, helios_err_t *err);
    /* ropen: open for repeated ranged reads; sets *r and *size_bytes. */
    int32_t (*ropen)(void *inst, const char *name, helios_tier_reader_t **r, uint64_t *size_bytes,
                     helios_err_t *err);
    /* read: like get, on an open reader; thread-safe on one reader (pread semantics). */
    int32_t (*read)(helios_tier_reader_t *r, uint64_t offset, uint64_t len, void *buf,
                    uint64_t *n_read, helios_err_t *err);
    void (*rclose)(helios_tier_reader_t *r);
    /* wopen: open a writer with HELIOS_TIER_W_* flags. */
    int32_t (*wopen)(void *inst, const char *name, uint32_t flags, helios_tier_writer_t **w,
                     helios_err_t *err);
    /* append: all of `len` bytes or an error (the file's tail is then undefined). */
    int32_t (*append)(helios_tier_writer_t *w, const void *data, uint64_t len, helios_err_t *err);
    /* wsync: make every appended byte durable (fdatasync). */
    int32_t (*wsync)(helios_tier_writer_t *w, helios_err_t *err);
    /* wclose: commit=1 publishes an ATOMIC writer (see flags); commit=0 discards it. Always
       frees w, even on error. */
    int32_t (*wclose)(helios_tier_writer_t *w, uint32_t commit, helios_err_t *err);
    /* truncate: cut a file to `size_bytes` and make that durable (torn WAL tails). */
    int32_t (*truncate)(void *inst, const char *name, uint64_t size_bytes, helios_err_t *err);
    /* remove: delete a file; a missing file is not an error. Durable on return. */
    int32_t (*remove)(void *inst, const char *name, helios_err_t *err);
    /* list: every file whose name starts with `prefix` ("" for all), in name order. */
    int32_t (*list)(void *inst, const char *prefix, helios_tier_list_cb cb, void *arg,
                    helios_err_t *err);
    /* stat: size and mtime; HELIOS_ERR_UNDEFINED_FILE if missing. */
    int32_t (*stat)(void *inst, const char *name, helios_tier_stat_t *st, helios_err_t *err);
    /* control: experiments and test hooks (e.g. fault injection); HELIOS_DECLINED if unknown. */
    int32_t (*control)(void *inst, uint32_t op, void *arg, helios_err_t *err);
    /* ---- ABI 1.0 ends here ---- */

    /* ---- ABI 1.2: in-place writes (HELIOS_TIER_CAP_OVERWRITE; all three set, or all NULL and
       the cap clear). The kernel falls back to APPEND writers when they are missing. ---- */
    /* write_at: write all of `len` bytes at `offset` through a W_OVERWRITE writer (22023 for
       other writers); the next append continues after them. On error the bytes of that range
       are undefined. Same thread rules as append. */
    int32_t (*write_at)(helios_tier_writer_t *w, uint64_t offset, const void *data, uint64_t len,
                        helios_err_t *err);
    /* prealloc: create or replace `name` atomically as `size_bytes` zero bytes whose blocks are
       allocated AND written (not a sparse file, not unwritten extents), durable on return
       (data, size and directory entry). Slow (writes the whole file): for background threads. */
    int32_t (*prealloc)(void *inst, const char *name, uint64_t size_bytes, helios_err_t *err);
    /* rename: give file `from` the name `to`, replacing an existing `to` atomically; durable on
       return (directory fsync). 58P01 when `from` is missing. Writers must be closed. */
    int32_t (*rename)(void *inst, const char *from, const char *to, helios_err_t *err);
} helios_storage_vtable_t;

/* control ops every local tier should understand in test builds. */
#define HELIOS_TIER_CTL_FAIL_WRITES 1u /* arg: int32_t * status to fail writes with; 0 stops */

#ifdef __cplusplus
}
#endif
#endif /* HELIOS_STORAGE_H */
