/*
 * kernel/storage/wal.h -- the write-ahead log: segments "wal/<segno:016x>.log" on a tier.
 *
 * Record: crc32c:u32 len:u32 seq:u64 count:u32 payload[len]; the CRC covers everything after
 * itself. Records carry consecutive sequence numbers: a record holds seq .. seq+count-1 and
 * the next record starts at seq+count, across segments too. A bad record is a torn tail only
 * at the end of the last segment when no valid record follows it; anywhere else it is
 * corruption and recovery refuses with the segment and offset.
 */
#ifndef HELIOS_STORAGE_WAL_H
#define HELIOS_STORAGE_WAL_H

#include "storage/internal.h"

#define HELIOS_WAL_HDR 20u

typedef struct helios_wal helios_wal_t;

/* Called for each valid record in order during recovery. Non-zero stops with that status. */
typedef int32_t (*helios_wal_replay_fn)(void *arg, uint64_t seq, uint32_t count,
                                        const uint8_t *payload, uint32_t len, helios_err_t *err);

typedef struct helios_wal_opts {
    const helios_storage_vtable_t *tier_vt;
    void *tier;
    uint64_t segment_bytes; /* rotate after this many bytes */
    uint64_t min_seq;       /* records entirely below this are skipped (not passed to cb) */
} helios_wal_opts_t;

/* recover: replay every segment, truncate a torn tail, then open a new segment for appends.
   Sets *last_seq to the last replayed seq (0 when none). */
int32_t helios_wal_open(const helios_wal_opts_t *o, helios_wal_replay_fn cb, void *arg,
                        helios_wal_t **out, uint64_t *last_seq, helios_err_t *err);
void helios_wal_close(helios_wal_t *w);
/* Encode one record header in front of a payload: hdr has HELIOS_WAL_HDR bytes. */
void helios_wal_encode_hdr(uint8_t *hdr, uint64_t seq, uint32_t count, const uint8_t *payload,
                           uint32_t len);
/* write: append `len` bytes of encoded records whose seqs are first..last, then sync unless
   no_sync. Single caller at a time (the commit leader). On failure the log is cut back to
   its last good size before the next write. */
int32_t helios_wal_write(helios_wal_t *w, const uint8_t *data, size_t len, uint64_t first_seq,
                         uint64_t last_seq, int no_sync, helios_err_t *err);
/* switch: sync and close the current segment, start the next (checkpoint). */
int32_t helios_wal_switch(helios_wal_t *w, helios_err_t *err);
/* sync: fsync what was written with no_sync. */
int32_t helios_wal_sync(helios_wal_t *w, helios_err_t *err);
/* release: delete segments whose records are all < min_needed_seq (never the current one). */
void helios_wal_release(helios_wal_t *w, uint64_t min_needed_seq);
uint64_t helios_wal_bytes(helios_wal_t *w);
uint64_t helios_wal_fsyncs(helios_wal_t *w);
uint32_t helios_wal_segments(helios_wal_t *w);

#endif
