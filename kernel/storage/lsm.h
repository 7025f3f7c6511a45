/*
 * kernel/storage/lsm.h -- the LSM storage engine's interface to the rest of the kernel.
 *
 * One store (helios_lsm_t) holds many trees (one per table and per index, "column families")
 * that share one WAL, so a write batch spanning trees is one WAL record and one commit.
 * Keys are compared bytewise (memcmp, shorter first on a tie): the SQL layer encodes
 * order-preserving keys. Every committed entry carries the sequence number of its commit
 * (its LSN); reads happen at a snapshot sequence number and see exactly the commits <= it.
 *
 * Files (WAL segments, SSTables, manifest) are written only through a storage tier
 * (helios_storage_vtable_t); SSTable blocks pass through a byte codec (helios_codec_vtable_t).
 *
 * Threads: every function may be called from any thread concurrently, except open/close.
 * Iterators and write batches are used by one thread at a time.
 */
#ifndef HELIOS_LSM_H
#define HELIOS_LSM_H

#include <stddef.h>
#include <stdint.h>

#include "helios/codec.h"
#include "helios/status.h"
#include "helios/storage.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct helios_lsm helios_lsm_t;
typedef struct helios_wbatch helios_wbatch_t;
typedef struct helios_iter helios_iter_t;
typedef uint64_t helios_seq_t;

#define HELIOS_SEQ_MAX UINT64_MAX

/* Resolve a codec id found in a block header to a loaded codec (for reading blocks written
   with a codec other than the current default). Returns NULL when not loaded. */
typedef const helios_codec_vtable_t *(*helios_codec_lookup_fn)(void *arg, uint32_t codec_id,
                                                               void **inst);

typedef struct helios_lsm_options {
    const helios_storage_vtable_t *tier_vt; /* required: where every file goes */
    void *tier;                             /* the tier instance */
    const helios_codec_vtable_t *codec_vt;  /* block compressor for new blocks; NULL = raw */
    void *codec;
    helios_codec_lookup_fn codec_lookup; /* may be NULL: only codec_vt and raw are read */
    void *codec_lookup_arg;
    uint64_t memtable_bytes;     /* 0: 64 MiB */
    uint32_t bloom_bits_per_key; /* 0: 10 */
    uint32_t block_bytes;        /* 0: 4 KiB target data block size (KV trees) */
    uint32_t rows_per_unit;      /* 0: 1024 rows per hybrid-columnar compression unit */
    uint32_t no_sync;            /* 1: commits return before fsync (never the default) */
    /* ---- appended by the storage engine ---- */
    uint32_t reserved;
    uint64_t block_cache_bytes; /* 0: helios_lsm_default_cache_bytes() of decoded blocks */
    /* column encoder (HELIOS_CODEC_CAP_COLUMN) for the column chunks of ROWS trees' units:
       used for every chunk it accepts (estimate not HELIOS_DECLINED), the byte codec
       otherwise; NULL: byte codec only. A stand-in until the adaptive selector exists. */
    const helios_codec_vtable_t *column_codec_vt;
    void *column_codec;
    /* ---- appended for preallocated WAL segments ---- */
    /* WAL segment size (storage.wal_segment_size); 0: 16 MiB, or memtable_bytes when that is
       smaller (at least 1 MiB). On a tier with HELIOS_TIER_CAP_OVERWRITE segments of this size
       are zero-filled or recycled ahead of use, so a commit's fdatasync writes data only. */
    uint64_t wal_segment_bytes;
    uint32_t wal_pool_segments; /* ready segments kept besides the current one; 0: 1 */
    uint32_t wal_no_overwrite;  /* 1: append to growing segments (for comparisons and tests) */
} helios_lsm_options_t;

/* open: recover (manifest, then WAL replay from the last checkpoint) and start the background
   flush and compaction threads. A corrupt record in the middle of the WAL refuses to open with
   HELIOS_ERR_WAL_CORRUPTED naming segment and offset; a torn tail is truncated. */
int32_t helios_lsm_open(const helios_lsm_options_t *opts, helios_lsm_t **out, helios_err_t *err);
/* The default block cache size (appended): 1/8 of physical memory, between 64 MiB and 4 GiB. */
uint64_t helios_lsm_default_cache_bytes(void);
/* close: flush nothing extra (the WAL is durable), stop threads, free. NULL is a no-op. */
void helios_lsm_close(helios_lsm_t *db);

/* ---- trees ---- */
#define HELIOS_TREE_KV 1u   /* key-value blocks (indexes, catalog) */
#define HELIOS_TREE_ROWS 2u /* hybrid-columnar blocks: values are rows in helios_row format */

typedef struct helios_tree_schema {
    uint32_t kind;                  /* HELIOS_TREE_KV or HELIOS_TREE_ROWS */
    uint32_t n_cols;                /* ROWS: number of columns */
    const uint32_t *col_phys_types; /* ROWS: HELIOS_PT_* per column (copied) */
} helios_tree_schema_t;

/* tree_create: make tree `tree_id` (chosen by the caller, > 0) durable; 42P07 if it exists. */
int32_t helios_lsm_tree_create(helios_lsm_t *db, uint32_t tree_id, const helios_tree_schema_t *s,
                               helios_err_t *err);
/* tree_alter: a ROWS tree's new column list (columns only appended or their types kept);
   rows written before keep decoding with the schema their block records. */
int32_t helios_lsm_tree_alter(helios_lsm_t *db, uint32_t tree_id, const helios_tree_schema_t *s,
                              helios_err_t *err);
/* tree_drop: durable; its files are deleted once no snapshot reads them. */
int32_t helios_lsm_tree_drop(helios_lsm_t *db, uint32_t tree_id, helios_err_t *err);
/* tree_exists: 1/0. */
uint32_t helios_lsm_tree_exists(helios_lsm_t *db, uint32_t tree_id);

/* ---- writes ---- */
helios_wbatch_t *helios_wbatch_new(void);
void helios_wbatch_free(helios_wbatch_t *b);
void helios_wbatch_clear(helios_wbatch_t *b);
/* put/del copy key and value. 53200 on allocation failure. */
int32_t helios_wbatch_put(helios_wbatch_t *b, uint32_t tree_id, const void *key, uint32_t klen,
                          const void *val, uint32_t vlen);
int32_t helios_wbatch_del(helios_wbatch_t *b, uint32_t tree_id, const void *key, uint32_t klen);
uint32_t helios_wbatch_count(const helios_wbatch_t *b);

typedef struct helios_write_opts {
    /* conflict_seq: if non-zero, the write fails with 40001 (and nothing is written) when any
       key in the batch has a committed version with seq > conflict_seq ("first committer
       wins"); checked atomically with the commit. */
    helios_seq_t conflict_seq;
    uint32_t no_sync; /* 1: do not wait for fsync (only when the database allows it) */
    uint32_t reserved;
} helios_write_opts_t;

/* write: append the batch to the WAL as one record, wait until it is durable (group commit:
   concurrent writers share one fsync), apply it to the memtables, and set *seq to its commit
   sequence number. opts may be NULL. On error nothing of the batch is visible. */
int32_t helios_lsm_write(helios_lsm_t *db, helios_wbatch_t *b, const helios_write_opts_t *opts,
                         helios_seq_t *seq, helios_err_t *err);

/* ---- reads ---- */
/* last_seq: the newest committed and visible sequence number. */
helios_seq_t helios_lsm_last_seq(helios_lsm_t *db);
/* snapshot: register a snapshot at last_seq (compaction keeps what it needs) and set *seq. */
int32_t helios_lsm_snapshot(helios_lsm_t *db, helios_seq_t *seq);
void helios_lsm_snapshot_release(helios_lsm_t *db, helios_seq_t seq);

/* A growable buffer the caller owns; the engine reallocs data (malloc family) as needed. */
typedef struct helios_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} helios_buf_t;
void helios_buf_free(helios_buf_t *b);

/* get: the newest value of key visible at `seq`. Sets *found (0/1) and, when found, val. */
int32_t helios_lsm_get(helios_lsm_t *db, uint32_t tree_id, helios_seq_t seq, const void *key,
                       uint32_t klen, helios_buf_t *val, uint32_t *found, helios_err_t *err);

/* Iterators merge memtables and SSTables and show, per key, the newest version <= seq
   (deleted keys are skipped). */
int32_t helios_lsm_iter_open(helios_lsm_t *db, uint32_t tree_id, helios_seq_t seq,
                             helios_iter_t **out, helios_err_t *err);
void helios_iter_seek(helios_iter_t *it, const void *key, uint32_t klen); /* first >= key */
void helios_iter_seek_for_prev(helios_iter_t *it, const void *key, uint32_t klen); /* last <= */
void helios_iter_seek_first(helios_iter_t *it);
void helios_iter_seek_last(helios_iter_t *it);
void helios_iter_next(helios_iter_t *it);
void helios_iter_prev(helios_iter_t *it);
uint32_t helios_iter_valid(const helios_iter_t *it);
const void *helios_iter_key(const helios_iter_t *it, uint32_t *klen);
const void *helios_iter_value(const helios_iter_t *it, uint32_t *vlen);
/* status: 0, or the error that made the iterator invalid (corrupt block, I/O). */
int32_t helios_iter_status(const helios_iter_t *it, helios_err_t *err);
void helios_iter_close(helios_iter_t *it);

/* pin_seq: keep every version visible at `seq` through compactions, like a snapshot but at
   any seq (branch points: a branch reads its parent at parent_lsn). Released with
   helios_lsm_snapshot_release(db, seq). Appended by the storage engine. */
void helios_lsm_pin_seq(helios_lsm_t *db, helios_seq_t seq);

/* ---- maintenance ---- */
/* checkpoint: flush every memtable to SSTables; WAL segments before it are recycled. */
int32_t helios_lsm_checkpoint(helios_lsm_t *db, helios_err_t *err);
/* flush: switch the tree's memtable and flush it now (tests). tree_id 0: all trees. */
int32_t helios_lsm_flush(helios_lsm_t *db, uint32_t tree_id, helios_err_t *err);
/* compact: compact the whole tree now (tests, manual). */
int32_t helios_lsm_compact(helios_lsm_t *db, uint32_t tree_id, helios_err_t *err);

typedef struct helios_lsm_stats {
    uint64_t n_sstables;
    uint64_t sstable_bytes;
    uint64_t memtable_bytes;
    uint64_t wal_bytes;
    uint64_t bloom_checks;    /* bloom filter probes */
    uint64_t bloom_negatives; /* probes that said "absent" */
    uint64_t bloom_false_pos; /* probes that said "maybe" but the key was absent */
    uint64_t fsyncs;          /* WAL fsyncs (group commit: fewer than commits) */
    uint64_t commits;
    uint64_t compactions;
    uint64_t write_stall_us; /* time writers were slowed */
} helios_lsm_stats_t;
/* stats: tree_id 0 for the whole store. */
void helios_lsm_stats(helios_lsm_t *db, uint32_t tree_id, helios_lsm_stats_t *out);

#ifdef __cplusplus
}
#endif
#endif /* HELIOS_LSM_H */
