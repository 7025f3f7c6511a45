/*
 * kernel/storage/wal.h -- the write-ahead log: segments "wal/<segno:016x>.wal" on a tier.
 *
 * Record (format 2): hcrc:u32 len:u32 seq:u64 count:u32 segno:u64 pcrc:u32 payload[len].
 * pcrc is the CRC-32C of the payload, hcrc the CRC-32C of the header bytes after itself (so it
 * covers segno and pcrc), segno the number of the segment the record is in. Records carry
 * consecutive sequence numbers: a record holds seq .. seq+count-1 and the next record starts
 * at seq+count, across segments too; every seq is below 2^56.
 *
 * Segments are written in place when the tier has HELIOS_TIER_CAP_OVERWRITE: a segment is a
 * file of segment_bytes whose blocks are already allocated and written -- zero-filled by
 * prealloc, or an old segment renamed to a new number (recycled) -- so a commit's fdatasync
 * writes data only. A background thread keeps `pool_segments` such files ready. Tiers without
 * the cap get appended segments (as before). A segment's log ends at the first position that
 * does not hold a valid record of that segment: zero blocks and the records of a recycled
 * segment's earlier life (another segno) end it cleanly; the next segment must then continue
 * the sequence. A bad record followed by a valid record of the same segment is corruption, and
 * so is a sequence gap between segments: recovery refuses with the segment and offset. A torn
 * record (the header names this segment but the record is incomplete) is cut off.
 *
 * Segments "wal/<segno:016x>.log" hold format 1 records (stores written before format 2:
 * crc32c:u32 len:u32 seq:u64 count:u32 payload, the CRC covering everything after itself);
 * they are replayed as before (a bad record is a torn tail only at the end of the last
 * segment), never written again and deleted once released.
 */
#ifndef HELIOS_STORAGE_WAL_H
#define HELIOS_STORAGE_WAL_H

#include "storage/internal.h"

#define HELIOS_WAL_HDR 32u
#define HELIOS_WAL_HDR_V1 20u
/* Sequence numbers and segment numbers stay below this (the manifest's limit too). */
#define HELIOS_WAL_SEQ_LIMIT (1ull << 56)

typedef struct helios_wal helios_wal_t;

/* Called for each valid record in order during recovery. Non-zero stops with that status. */
typedef int32_t (*helios_wal_replay_fn)(void *arg, uint64_t seq, uint32_t count,
                                        const uint8_t *payload, uint32_t len, helios_err_t *err);

typedef struct helios_wal_opts {
    const helios_storage_vtable_t *tier_vt;
    void *tier;
    uint64_t segment_bytes; /* rotate after this many bytes; the size of preallocated segments */
    uint64_t min_seq;       /* records entirely below this are skipped (not passed to cb) */
    uint32_t pool_segments; /* ready segments to keep (0: 1); overwrite-capable tiers only */
    uint32_t no_overwrite;  /* 1: append to growing segments even if the tier can overwrite */
} helios_wal_opts_t;

/* recover: replay every segment, cut a torn tail, then open a new segment for writes (a
   ready one when there is one). Sets *last_seq to the last replayed seq (0 when none). */
int32_t helios_wal_open(const helios_wal_opts_t *o, helios_wal_replay_fn cb, void *arg,
                        helios_wal_t **out, uint64_t *last_seq, helios_err_t *err);
/* close: stop the background thread, close the segment (no sync: call helios_wal_sync). */
void helios_wal_close(helios_wal_t *w);
/* Encode one record header in front of a payload: hdr has HELIOS_WAL_HDR bytes. segno and
   hcrc are filled by helios_wal_write (helios_wal_seal_hdr), which knows the segment. */
void helios_wal_encode_hdr(uint8_t *hdr, uint64_t seq, uint32_t count, const uint8_t *payload,
                           uint32_t len);
/* Set a header's segno and recompute its hcrc (its pcrc must be set). */
void helios_wal_seal_hdr(uint8_t *hdr, uint64_t segno);
/* write: write `len` bytes of encoded records whose seqs are first..last, then sync unless
   no_sync. Single caller at a time (the commit leader). On failure the bytes written are
   undone (cut or zeroed) before the next write. */
int32_t helios_wal_write(helios_wal_t *w, uint8_t *data, size_t len, uint64_t first_seq,
                         uint64_t last_seq, int no_sync, helios_err_t *err);
/* switch: sync and close the current segment, start the next (checkpoint). */
int32_t helios_wal_switch(helios_wal_t *w, helios_err_t *err);
/* sync: fsync what was written with no_sync. */
int32_t helios_wal_sync(helios_wal_t *w, helios_err_t *err);
/* release: drop segments whose records are all < min_needed_seq (never the current one):
   recycled into the pool when it is short, deleted otherwise. */
void helios_wal_release(helios_wal_t *w, uint64_t min_needed_seq);
uint64_t helios_wal_bytes(helios_wal_t *w);
uint64_t helios_wal_fsyncs(helios_wal_t *w);
uint32_t helios_wal_segments(helios_wal_t *w);
/* Ready segments in the pool (tests). */
uint32_t helios_wal_pool_size(helios_wal_t *w);
/* Segments recycled (renamed into the pool) and preallocated so far (tests, stats). */
uint64_t helios_wal_recycled(helios_wal_t *w);
uint64_t helios_wal_preallocated(helios_wal_t *w);

#endif
