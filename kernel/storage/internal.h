/*
 * kernel/storage/internal.h -- shared internals of the LSM engine (not an interface).
 *
 * Internal entries: (user key, seq, type). Order: key ascending (memcmp, shorter first on a
 * tie), then seq descending, so the first entry >= (key, S) is key's newest version <= S.
 * Every part below (memtable, SSTable, merging iterator) iterates internal entries in that
 * order through one small iterator interface (helios_sti_t).
 */
#ifndef HELIOS_STORAGE_INTERNAL_H
#define HELIOS_STORAGE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "helios/sqlstate.h"
#include "storage/lsm.h"

#define HELIOS_ENT_DEL 0u
#define HELIOS_ENT_PUT 1u

/* ---- errors ---- */
int32_t helios_storage_err_set(helios_err_t *err, int32_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void helios_storage_err_copy(helios_err_t *dst, const helios_err_t *src);

/* ---- encoding helpers ---- */
static inline void helios_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void helios_put_u32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}
static inline void helios_put_u64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}
static inline uint16_t helios_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t helios_get_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline uint64_t helios_get_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* varint: 7 bits a byte, LSB first. put returns bytes written (<= 10). */
static inline uint32_t helios_put_varint(uint8_t *p, uint64_t v)
{
    uint32_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}
/* get: returns bytes read, 0 when malformed or past end. */
static inline uint32_t helios_get_varint(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    uint64_t r = 0;
    uint32_t n = 0;
    for (uint32_t shift = 0; shift < 64 && p + n < end; shift += 7) {
        uint8_t b = p[n++];
        r |= (uint64_t)(b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
            *v = r;
            return n;
        }
    }
    return 0;
}

/* A growable byte buffer (malloc family), the same layout as helios_buf_t. */
int32_t helios_buf_reserve(helios_buf_t *b, size_t extra);
int32_t helios_buf_append(helios_buf_t *b, const void *p, size_t n);

/* ---- CRC32C (Castagnoli); SSE4.2 instruction when available ---- */
uint32_t helios_crc32c(uint32_t crc, const void *data, size_t len);

/* 64-bit hash of a key (bloom filters, block cache). */
uint64_t helios_hash64(const void *data, size_t len);

/* ---- internal key comparison ---- */
static inline int helios_ukey_cmp(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
    uint32_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c != 0) {
        return c;
    }
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}
static inline int helios_ikey_cmp(const uint8_t *a, uint32_t alen, uint64_t aseq, const uint8_t *b,
                                  uint32_t blen, uint64_t bseq)
{
    int c = helios_ukey_cmp(a, alen, b, blen);
    if (c != 0) {
        return c;
    }
    return aseq > bseq ? -1 : aseq < bseq ? 1 : 0;
}

/* ---- internal iterators ---- */
typedef struct helios_entry {
    const uint8_t *key;
    const uint8_t *val;
    uint32_t klen;
    uint32_t vlen;
    uint64_t seq;
    uint32_t type; /* HELIOS_ENT_* */
} helios_entry_t;

typedef struct helios_sti helios_sti_t;
typedef struct helios_sti_ops {
    void (*seek)(helios_sti_t *it, const uint8_t *k, uint32_t klen, uint64_t seq);    /* first >= */
    void (*seek_lt)(helios_sti_t *it, const uint8_t *k, uint32_t klen, uint64_t seq); /* last < */
    void (*first)(helios_sti_t *it);
    void (*last)(helios_sti_t *it);
    void (*next)(helios_sti_t *it);
    void (*prev)(helios_sti_t *it);
    void (*destroy)(helios_sti_t *it);
} helios_sti_ops_t;

/* Entry pointers stay valid until the iterator moves. status != 0 makes valid 0. */
struct helios_sti {
    const helios_sti_ops_t *ops;
    uint32_t valid;
    int32_t status;
    helios_entry_t e;
    helios_err_t err;
};

/* ---- memtable (skiplist: one writer at a time, lock-free readers) ---- */
typedef struct helios_mem helios_mem_t;
helios_mem_t *helios_mem_new(void);
void helios_mem_ref(helios_mem_t *m);
void helios_mem_unref(helios_mem_t *m);
/* add: the caller serialises writers. 53200 on allocation failure. */
int32_t helios_mem_add(helios_mem_t *m, uint64_t seq, uint32_t type, const uint8_t *k,
                       uint32_t klen, const uint8_t *v, uint32_t vlen);
/* get: newest version of key with seq <= snap. Returns 1 found (entry set), 0 not present. */
int helios_mem_get(helios_mem_t *m, const uint8_t *k, uint32_t klen, uint64_t snap,
                   helios_entry_t *out);
uint64_t helios_mem_bytes(const helios_mem_t *m);
uint64_t helios_mem_count(const helios_mem_t *m);
uint64_t helios_mem_min_seq(const helios_mem_t *m); /* UINT64_MAX when empty */
uint64_t helios_mem_max_seq(const helios_mem_t *m);
helios_sti_t *helios_mem_iter(helios_mem_t *m); /* holds a reference */

/* ---- bloom filter ---- */
typedef struct helios_bloom_builder {
    uint64_t *hashes;
    size_t n, cap;
    uint32_t bits_per_key;
} helios_bloom_builder_t;
int32_t helios_bloom_add(helios_bloom_builder_t *b, const uint8_t *k, uint32_t klen);
/* finish: the filter's bytes appended to out: bits then k (1 byte). Frees the hashes. */
int32_t helios_bloom_finish(helios_bloom_builder_t *b, helios_buf_t *out);
void helios_bloom_builder_free(helios_bloom_builder_t *b);
/* may_contain: 0 definitely absent, 1 maybe. An empty/odd filter says maybe. */
int helios_bloom_may_contain(const uint8_t *filter, size_t len, uint64_t hash);

/* ---- block cache (decoded blocks, LRU, sharded) ---- */
typedef struct helios_block {
    _Atomic uint32_t refs;
    uint32_t n;           /* entries */
    const uint8_t *data;  /* KV block bytes (see sstable.c) */
    const uint32_t *offs; /* n entry offsets into data */
    size_t charge;
    uint8_t *mem; /* what to free */
} helios_block_t;
void helios_block_unref(helios_block_t *b);
typedef struct helios_cache helios_cache_t;
helios_cache_t *helios_cache_new(size_t capacity_bytes);
void helios_cache_free(helios_cache_t *c);
/* lookup: a referenced block, or NULL. */
helios_block_t *helios_cache_lookup(helios_cache_t *c, uint64_t file_no, uint64_t offset);
/* insert: the cache takes a reference of its own; the caller keeps its reference. */
void helios_cache_insert(helios_cache_t *c, uint64_t file_no, uint64_t offset, helios_block_t *b);
void helios_cache_erase_file(helios_cache_t *c, uint64_t file_no);

/* ---- codecs as seen by the engine ---- */
typedef struct helios_codecs {
    const helios_codec_vtable_t *vt; /* for new blocks; NULL raw */
    void *inst;
    const helios_codec_vtable_t *col_vt; /* column encoder for ROWS column chunks; may be NULL */
    void *col_inst;
    helios_codec_lookup_fn lookup;
    void *lookup_arg;
} helios_codecs_t;
/* compress `src` with the default codec (or raw when it does not help): appends
   codec_id (u16), codec version (u8), flags (u8), raw_len (u32), stored_len (u32), bytes. */
int32_t helios_codec_encode(const helios_codecs_t *c, const uint8_t *src, size_t len,
                            helios_buf_t *out, helios_err_t *err);
/* decode what helios_codec_encode wrote at p[0..avail): sets *raw (malloc'ed, raw_len bytes)
   and *used. XX001 naming `what` on any inconsistency or an unknown codec id. */
int32_t helios_codec_decode(const helios_codecs_t *c, const uint8_t *p, size_t avail, uint8_t **raw,
                            uint32_t *raw_len, size_t *used, const char *what, helios_err_t *err);
#define HELIOS_CODEC_HDR 12u
/* the loaded codec for an on-disk id (default, column encoder, or lookup), or NULL */
const helios_codec_vtable_t *helios_codec_resolve(const helios_codecs_t *c, uint32_t id,
                                                  void **inst);
/* the largest decoded block a reader accepts (a block holds at least one whole entry; SQL
   values are at most 1 GiB): a larger raw_len in a header is corruption */
#define HELIOS_BLOCK_RAW_MAX ((1u << 30) + (1u << 20))

/* ---- SSTables ---- */
typedef struct helios_sst helios_sst_t;
typedef struct helios_sst_meta {
    uint64_t file_no;
    uint64_t size_bytes;
    uint64_t n_entries;
    uint64_t min_seq, max_seq;
    helios_buf_t smallest, largest; /* user keys */
} helios_sst_meta_t;

typedef struct helios_sst_env {
    const helios_storage_vtable_t *tier_vt;
    void *tier;
    helios_codecs_t codecs;
    helios_cache_t *cache;
    uint32_t bloom_bits_per_key;
    uint32_t block_bytes;
    uint32_t rows_per_unit;
} helios_sst_env_t;

/* sst_write: consume `src` from first() to end, dropping nothing, into file `name`.
   `schema` selects the block builder (KV or hybrid-columnar). Sets meta (size, counts, keys).
   `filter` (may be NULL) decides per entry whether to keep it (compaction). */
typedef int (*helios_sst_filter_fn)(void *arg, const helios_entry_t *e);
int32_t helios_sst_write(const helios_sst_env_t *env, const char *name, uint64_t file_no,
                         const helios_tree_schema_t *schema, helios_sti_t *src,
                         helios_sst_filter_fn filter, void *filter_arg, helios_sst_meta_t *meta,
                         helios_err_t *err);
int32_t helios_sst_open(const helios_sst_env_t *env, const char *name, uint64_t file_no,
                        helios_sst_t **out, helios_err_t *err);
void helios_sst_ref(helios_sst_t *s);
/* unref: the last reference closes the file, and deletes it when marked obsolete. */
void helios_sst_unref(helios_sst_t *s);
void helios_sst_mark_obsolete(helios_sst_t *s);
/* get: 1 found (entry copied: key/val into *val when PUT), 0 absent, < 0 never; error > 0. */
/* bloom[3]: counters (checks, negatives, false positives) to update; may be NULL. */
int32_t helios_sst_get(helios_sst_t *s, const uint8_t *k, uint32_t klen, uint64_t hash,
                       uint64_t snap, uint32_t *found, uint32_t *type, uint64_t *seq,
                       helios_buf_t *val, _Atomic uint64_t *bloom, helios_err_t *err);
helios_sti_t *helios_sst_iter(helios_sst_t *s);
const helios_sst_meta_t *helios_sst_meta(const helios_sst_t *s);
const char *helios_sst_name(const helios_sst_t *s);

/* KV block builder/reader, shared with the columnar code. Block bytes:
   entries (klen varint, vlen varint, tag u64 = seq << 8 | type, key, value), then
   offsets u32[n], then n u32. */
typedef struct helios_kvblock_builder {
    helios_buf_t buf;
    helios_buf_t offs;
    uint32_t n;
} helios_kvblock_builder_t;
int32_t helios_kvblock_add(helios_kvblock_builder_t *b, const helios_entry_t *e);
int32_t helios_kvblock_finish(helios_kvblock_builder_t *b, helios_buf_t *out);
void helios_kvblock_reset(helios_kvblock_builder_t *b);
void helios_kvblock_free(helios_kvblock_builder_t *b);
/* parse `raw` (ownership taken) into a block; XX001 on malformed bytes. */
int32_t helios_kvblock_parse(uint8_t *raw, uint32_t len, helios_block_t **out);
void helios_kvblock_entry(const helios_block_t *b, uint32_t i, helios_entry_t *e);

/* ---- hybrid-columnar compression units (columnar.c) ---- */
/* encode: entries e[0..n) of a ROWS tree into one unit appended to out; returns
   HELIOS_DECLINED when some row does not parse against the schema (the caller then writes a
   KV block). */
int32_t helios_colunit_encode(const helios_codecs_t *c, const helios_tree_schema_t *s,
                              const helios_entry_t *e, uint32_t n, helios_buf_t *out,
                              helios_err_t *err);
/* decode a unit back into KV block bytes (same entries, same row bytes). */
int32_t helios_colunit_decode(const helios_codecs_t *c, const uint8_t *p, size_t len,
                              helios_buf_t *kv, const char *what, helios_err_t *err);

/* ---- merging iterator ---- */
/* takes ownership of the children */
helios_sti_t *helios_merge_iter(helios_sti_t **children, uint32_t n);
/* the user iterator over a merged iterator at snapshot `snap`; release(arg) runs at close */
helios_iter_t *helios_user_iter_new(helios_sti_t *merged, uint64_t snap, void (*release)(void *),
                                    void *arg);

#endif /* HELIOS_STORAGE_INTERNAL_H */
