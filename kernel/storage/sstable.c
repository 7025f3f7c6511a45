/*
 * sstable.c -- SSTable files: writer, reader, point lookups and iterators.
 *
 * File layout:
 *   data block*  bloom block  index block  meta block  footer
 * Every block: codec framing (block.c) + type u8 + crc32c u32 (over framing and type).
 * Data blocks are KV blocks (type 1) or hybrid-columnar compression units (type 2, built by
 * columnar.c for ROWS trees); the reader turns both into KV form for the cache. The index is a
 * KV block: per data block, its last internal key and (offset u64, size u32).
 * Footer (HELIOS_SST_FOOTER bytes): index off u64 size u32, bloom off u64 size u32, meta off
 * u64 size u32, format version u32, crc32c u32 of the preceding footer bytes, magic u64.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "storage/internal.h"

#define SST_MAGIC 0x3154535342534C48ULL /* "HLSBSST1" */
#define SST_FORMAT 1u
#define SST_FOOTER 52u
#define BT_KV 1u
#define BT_COLUMNAR 2u
#define BT_INDEX 3u
#define BT_BLOOM 4u
#define BT_META 5u
#define BLOCK_TRAILER 5u

struct helios_sst {
    _Atomic uint32_t refs;
    _Atomic uint32_t obsolete;
    const helios_sst_env_t *env;
    uint64_t file_no;
    helios_tier_reader_t *r;
    helios_block_t *index;
    uint8_t *bloom;
    size_t bloom_len;
    helios_sst_meta_t meta;
    char name[96];
};

/* ---- writer ---- */

typedef struct sst_writer {
    const helios_sst_env_t *env;
    const helios_tree_schema_t *schema;
    const char *name;
    helios_tier_writer_t *w;
    helios_buf_t out; /* pending bytes not yet appended */
    uint64_t off;     /* file offset of out.data[0] */
    helios_kvblock_builder_t blk;
    helios_kvblock_builder_t idx;
    helios_bloom_builder_t bloom;
    helios_buf_t tmp, enc;
    helios_buf_t last_key;
    uint64_t last_seq;
    int have_last;
} sst_writer_t;

static int32_t sw_emit(sst_writer_t *sw, helios_err_t *err)
{
    if (sw->out.len == 0) {
        return 0;
    }
    int32_t rc = sw->env->tier_vt->append(sw->w, sw->out.data, sw->out.len, err);
    if (rc != 0) {
        return rc;
    }
    sw->off += sw->out.len;
    sw->out.len = 0;
    return 0;
}

/* Frame `enc` (codec-framed bytes) as a block of `type`; sets the handle. */
static int32_t sw_put_block(sst_writer_t *sw, const helios_buf_t *enc, uint32_t type,
                            uint64_t *h_off, uint32_t *h_size, helios_err_t *err)
{
    uint8_t tr[BLOCK_TRAILER];
    tr[0] = (uint8_t)type;
    uint32_t crc = helios_crc32c(0, enc->data, enc->len);
    crc = helios_crc32c(crc, tr, 1);
    helios_put_u32(tr + 1, crc);
    *h_off = sw->off + sw->out.len;
    *h_size = (uint32_t)(enc->len + BLOCK_TRAILER);
    if (helios_buf_append(&sw->out, enc->data, enc->len) != 0 ||
        helios_buf_append(&sw->out, tr, BLOCK_TRAILER) != 0) {
        return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    if (sw->out.len >= (256u << 10)) {
        return sw_emit(sw, err);
    }
    return 0;
}

static int32_t sw_finish_block(sst_writer_t *sw, helios_err_t *err)
{
    if (sw->blk.n == 0) {
        return 0;
    }
    int32_t rc = 0;
    uint32_t type = BT_KV;
    sw->enc.len = 0;
    sw->tmp.len = 0;
    if (sw->schema->kind == HELIOS_TREE_ROWS && sw->schema->n_cols > 0) {
        /* re-read the buffered entries and try a hybrid-columnar unit */
        if ((rc = helios_kvblock_finish(&sw->blk, &sw->tmp)) != 0) {
            return helios_storage_err_set(err, rc, "out of memory");
        }
        helios_block_t *b = NULL;
        uint8_t *copy = malloc(sw->tmp.len);
        if (copy == NULL) {
            return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
        memcpy(copy, sw->tmp.data, sw->tmp.len);
        if ((rc = helios_kvblock_parse(copy, (uint32_t)sw->tmp.len, &b)) != 0) {
            return helios_storage_err_set(err, rc, "internal error: block did not parse");
        }
        helios_entry_t *ents = malloc(b->n * sizeof(*ents));
        if (ents == NULL) {
            helios_block_unref(b);
            return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
        for (uint32_t i = 0; i < b->n; i++) {
            helios_kvblock_entry(b, i, &ents[i]);
        }
        sw->tmp.len = 0;
        rc = helios_colunit_encode(&sw->env->codecs, sw->schema, ents, b->n, &sw->tmp, err);
        free(ents);
        helios_block_unref(b);
        if (rc == 0) {
            /* columns carry their own codecs; the unit is framed raw */
            type = BT_COLUMNAR;
            helios_codecs_t raw = {0};
            rc = helios_codec_encode(&raw, sw->tmp.data, sw->tmp.len, &sw->enc, err);
        } else if (rc == HELIOS_DECLINED) {
            sw->tmp.len = 0;
            rc = 0;
        } else {
            return rc;
        }
    }
    if (type == BT_KV) {
        if (sw->tmp.len == 0 && (rc = helios_kvblock_finish(&sw->blk, &sw->tmp)) != 0) {
            return helios_storage_err_set(err, rc, "out of memory");
        }
        rc = helios_codec_encode(&sw->env->codecs, sw->tmp.data, sw->tmp.len, &sw->enc, err);
    }
    if (rc != 0) {
        return rc;
    }
    uint64_t off;
    uint32_t size;
    if ((rc = sw_put_block(sw, &sw->enc, type, &off, &size, err)) != 0) {
        return rc;
    }
    uint8_t hv[12];
    helios_put_u64(hv, off);
    helios_put_u32(hv + 8, size);
    helios_entry_t ie = {.key = sw->last_key.data,
                         .klen = (uint32_t)sw->last_key.len,
                         .val = hv,
                         .vlen = 12,
                         .seq = sw->last_seq,
                         .type = HELIOS_ENT_PUT};
    if (helios_kvblock_add(&sw->idx, &ie) != 0) {
        return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    helios_kvblock_reset(&sw->blk);
    return 0;
}

static int32_t sw_add(sst_writer_t *sw, const helios_entry_t *e, helios_sst_meta_t *meta,
                      helios_err_t *err)
{
    int new_key = !sw->have_last || helios_ukey_cmp(e->key, e->klen, sw->last_key.data,
                                                    (uint32_t)sw->last_key.len) != 0;
    if (new_key && helios_bloom_add(&sw->bloom, e->key, e->klen) != 0) {
        return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    if (helios_kvblock_add(&sw->blk, e) != 0) {
        return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    if (meta->n_entries == 0 && helios_buf_append(&meta->smallest, e->key, e->klen) != 0) {
        return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    meta->n_entries++;
    if (e->seq < meta->min_seq) {
        meta->min_seq = e->seq;
    }
    if (e->seq > meta->max_seq) {
        meta->max_seq = e->seq;
    }
    if (new_key) {
        sw->last_key.len = 0;
        if (helios_buf_append(&sw->last_key, e->key, e->klen) != 0) {
            return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
    }
    sw->last_seq = e->seq;
    sw->have_last = 1;
    int full = sw->schema->kind == HELIOS_TREE_ROWS && sw->schema->n_cols > 0
                   ? (sw->blk.n >= sw->env->rows_per_unit || sw->blk.buf.len >= (4u << 20))
                   : sw->blk.buf.len >= sw->env->block_bytes;
    if (full) {
        return sw_finish_block(sw, err);
    }
    return 0;
}

static int32_t sw_meta_block(sst_writer_t *sw, const helios_sst_meta_t *m, helios_buf_t *out)
{
    uint8_t h[32];
    helios_put_u64(h, m->n_entries);
    helios_put_u64(h + 8, m->min_seq);
    helios_put_u64(h + 16, m->max_seq);
    helios_put_u32(h + 24, sw->schema->kind);
    helios_put_u32(h + 28, (uint32_t)m->smallest.len);
    if (helios_buf_append(out, h, 32) != 0 ||
        helios_buf_append(out, m->smallest.data, m->smallest.len) != 0) {
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    helios_put_u32(h, (uint32_t)m->largest.len);
    if (helios_buf_append(out, h, 4) != 0 ||
        helios_buf_append(out, m->largest.data, m->largest.len) != 0) {
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    return 0;
}

int32_t helios_sst_write(const helios_sst_env_t *env, const char *name, uint64_t file_no,
                         const helios_tree_schema_t *schema, helios_sti_t *src,
                         helios_sst_filter_fn filter, void *filter_arg, helios_sst_meta_t *meta,
                         helios_err_t *err)
{
    sst_writer_t sw;
    memset(&sw, 0, sizeof(sw));
    sw.env = env;
    sw.schema = schema;
    sw.name = name;
    sw.bloom.bits_per_key = env->bloom_bits_per_key;
    memset(meta, 0, sizeof(*meta));
    meta->file_no = file_no;
    meta->min_seq = UINT64_MAX;
    int32_t rc = env->tier_vt->wopen(env->tier, name, HELIOS_TIER_W_ATOMIC, &sw.w, err);
    if (rc != 0) {
        sw.w = NULL;
        goto failed;
    }
    for (src->ops->first(src); src->valid; src->ops->next(src)) {
        if (filter != NULL && !filter(filter_arg, &src->e)) {
            continue;
        }
        if ((rc = sw_add(&sw, &src->e, meta, err)) != 0) {
            goto failed;
        }
    }
    if (src->status != 0) {
        rc = src->status;
        helios_storage_err_copy(err, &src->err);
        goto failed;
    }
    if ((rc = sw_finish_block(&sw, err)) != 0) {
        goto failed;
    }
    if (helios_buf_append(&meta->largest, sw.last_key.data, sw.last_key.len) != 0) {
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    uint64_t boff, ioff, moff;
    uint32_t bsz, isz, msz;
    helios_codecs_t raw = {0};
    sw.tmp.len = 0;
    sw.enc.len = 0;
    if (helios_bloom_finish(&sw.bloom, &sw.tmp) != 0) {
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    if ((rc = helios_codec_encode(&raw, sw.tmp.data, sw.tmp.len, &sw.enc, err)) != 0 ||
        (rc = sw_put_block(&sw, &sw.enc, BT_BLOOM, &boff, &bsz, err)) != 0) {
        goto failed;
    }
    sw.tmp.len = 0;
    sw.enc.len = 0;
    if (helios_kvblock_finish(&sw.idx, &sw.tmp) != 0) {
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    if ((rc = helios_codec_encode(&env->codecs, sw.tmp.data, sw.tmp.len, &sw.enc, err)) != 0 ||
        (rc = sw_put_block(&sw, &sw.enc, BT_INDEX, &ioff, &isz, err)) != 0) {
        goto failed;
    }
    sw.tmp.len = 0;
    sw.enc.len = 0;
    if (sw_meta_block(&sw, meta, &sw.tmp) != 0) {
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    if ((rc = helios_codec_encode(&raw, sw.tmp.data, sw.tmp.len, &sw.enc, err)) != 0 ||
        (rc = sw_put_block(&sw, &sw.enc, BT_META, &moff, &msz, err)) != 0) {
        goto failed;
    }
    uint8_t f[SST_FOOTER];
    helios_put_u64(f, ioff);
    helios_put_u32(f + 8, isz);
    helios_put_u64(f + 12, boff);
    helios_put_u32(f + 20, bsz);
    helios_put_u64(f + 24, moff);
    helios_put_u32(f + 32, msz);
    helios_put_u32(f + 36, SST_FORMAT);
    helios_put_u32(f + 40, helios_crc32c(0, f, 40));
    helios_put_u64(f + 44, SST_MAGIC);
    if (helios_buf_append(&sw.out, f, SST_FOOTER) != 0) {
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    if ((rc = sw_emit(&sw, err)) != 0) {
        goto failed;
    }
    meta->size_bytes = sw.off;
    rc = env->tier_vt->wclose(sw.w, 1, err);
    sw.w = NULL;
failed:
    if (sw.w != NULL) {
        env->tier_vt->wclose(sw.w, 0, NULL);
    }
    if (rc != 0) {
        helios_buf_free(&meta->smallest);
        helios_buf_free(&meta->largest);
    }
    helios_buf_free(&sw.out);
    helios_kvblock_free(&sw.blk);
    helios_kvblock_free(&sw.idx);
    helios_bloom_builder_free(&sw.bloom);
    helios_buf_free(&sw.tmp);
    helios_buf_free(&sw.enc);
    helios_buf_free(&sw.last_key);
    return rc;
}

/* ---- reader ---- */

static int32_t sst_corrupt(const helios_sst_t *s, uint64_t off, const char *what, helios_err_t *err)
{
    return helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                                  "%s in file \"%s\", block at offset %" PRIu64, what, s->name,
                                  off);
}

/* Read, verify and decode the block at (off, size); sets *raw (malloc'ed) and *type. */
static int32_t sst_read_raw(helios_sst_t *s, uint64_t off, uint32_t size, uint8_t **raw,
                            uint32_t *raw_len, uint32_t *type, helios_err_t *err)
{
    if (size < HELIOS_CODEC_HDR + BLOCK_TRAILER || off + size > s->meta.size_bytes) {
        return sst_corrupt(s, off, "bad block handle", err);
    }
    uint8_t *buf = malloc(size);
    if (buf == NULL) {
        return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    uint64_t n = 0;
    int32_t rc = s->env->tier_vt->read(s->r, off, size, buf, &n, err);
    if (rc != 0) {
        goto failed;
    }
    if (n != size) {
        rc = sst_corrupt(s, off, "short read", err);
        goto failed;
    }
    uint32_t crc = helios_crc32c(0, buf, size - 4);
    if (crc != helios_get_u32(buf + size - 4)) {
        rc = sst_corrupt(s, off, "checksum mismatch", err);
        goto failed;
    }
    *type = buf[size - 5];
    char what[160];
    snprintf(what, sizeof(what), "block at offset %" PRIu64 " of file \"%s\"", off, s->name);
    size_t used = 0;
    rc = helios_codec_decode(&s->env->codecs, buf, size - BLOCK_TRAILER, raw, raw_len, &used, what,
                             err);
    if (rc == 0 && used != size - BLOCK_TRAILER) {
        free(*raw);
        rc = sst_corrupt(s, off, "block length mismatch", err);
    }
failed:
    free(buf);
    return rc;
}

/* A data block in KV form, from the cache or the file. */
static int32_t sst_block(helios_sst_t *s, uint64_t off, uint32_t size, helios_block_t **out,
                         helios_err_t *err)
{
    helios_block_t *b = helios_cache_lookup(s->env->cache, s->file_no, off);
    if (b != NULL) {
        *out = b;
        return 0;
    }
    uint8_t *raw = NULL;
    uint32_t rl = 0, type = 0;
    int32_t rc = sst_read_raw(s, off, size, &raw, &rl, &type, err);
    if (rc != 0) {
        return rc;
    }
    if (type == BT_COLUMNAR) {
        helios_buf_t kv = {0};
        char what[160];
        snprintf(what, sizeof(what), "block at offset %" PRIu64 " of file \"%s\"", off, s->name);
        rc = helios_colunit_decode(&s->env->codecs, raw, rl, &kv, what, err);
        free(raw);
        if (rc != 0) {
            helios_buf_free(&kv);
            return rc;
        }
        raw = kv.data;
        rl = (uint32_t)kv.len;
    } else if (type != BT_KV) {
        free(raw);
        return sst_corrupt(s, off, "unexpected block type", err);
    }
    rc = helios_kvblock_parse(raw, rl, &b);
    if (rc != 0) {
        return sst_corrupt(
            s, off, rc == HELIOS_ERR_DATA_CORRUPTED ? "malformed block" : "out of memory", err);
    }
    helios_cache_insert(s->env->cache, s->file_no, off, b);
    *out = b;
    return 0;
}

static int32_t sst_parse_meta(helios_sst_t *s, const uint8_t *p, uint32_t len, uint64_t off,
                              helios_err_t *err)
{
    if (len < 36) {
        return sst_corrupt(s, off, "malformed meta block", err);
    }
    s->meta.n_entries = helios_get_u64(p);
    s->meta.min_seq = helios_get_u64(p + 8);
    s->meta.max_seq = helios_get_u64(p + 16);
    uint32_t sl = helios_get_u32(p + 28);
    if (sl > len - 36) {
        return sst_corrupt(s, off, "malformed meta block", err);
    }
    uint32_t ll = helios_get_u32(p + 32 + sl);
    if (ll != len - 36 - sl) {
        return sst_corrupt(s, off, "malformed meta block", err);
    }
    if (helios_buf_append(&s->meta.smallest, p + 32, sl) != 0 ||
        helios_buf_append(&s->meta.largest, p + 36 + sl, ll) != 0) {
        return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    return 0;
}

int32_t helios_sst_open(const helios_sst_env_t *env, const char *name, uint64_t file_no,
                        helios_sst_t **out, helios_err_t *err)
{
    helios_sst_t *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    atomic_init(&s->refs, 1);
    s->env = env;
    s->file_no = file_no;
    snprintf(s->name, sizeof(s->name), "%s", name);
    uint8_t *raw = NULL;
    uint32_t rl = 0, type = 0;
    uint64_t size = 0;
    int32_t rc = env->tier_vt->ropen(env->tier, name, &s->r, &size, err);
    if (rc != 0) {
        s->r = NULL;
        goto failed;
    }
    s->meta.size_bytes = size;
    s->meta.file_no = file_no;
    uint8_t f[SST_FOOTER];
    uint64_t n = 0;
    if (size < SST_FOOTER) {
        rc = sst_corrupt(s, 0, "file too short for a footer", err);
        goto failed;
    }
    if ((rc = env->tier_vt->read(s->r, size - SST_FOOTER, SST_FOOTER, f, &n, err)) != 0) {
        goto failed;
    }
    if (n != SST_FOOTER || helios_get_u64(f + 44) != SST_MAGIC) {
        rc = sst_corrupt(s, size - SST_FOOTER, "bad magic in footer", err);
        goto failed;
    }
    if (helios_crc32c(0, f, 40) != helios_get_u32(f + 40)) {
        rc = sst_corrupt(s, size - SST_FOOTER, "checksum mismatch in footer", err);
        goto failed;
    }
    if (helios_get_u32(f + 36) > SST_FORMAT) {
        rc = helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                                    "file \"%s\" has format version %u, newer than %u", name,
                                    helios_get_u32(f + 36), SST_FORMAT);
        goto failed;
    }
    uint64_t ioff = helios_get_u64(f), boff = helios_get_u64(f + 12), moff = helios_get_u64(f + 24);
    uint32_t isz = helios_get_u32(f + 8), bsz = helios_get_u32(f + 20),
             msz = helios_get_u32(f + 32);
    if ((rc = sst_read_raw(s, moff, msz, &raw, &rl, &type, err)) != 0) {
        goto failed;
    }
    rc = type == BT_META ? sst_parse_meta(s, raw, rl, moff, err)
                         : sst_corrupt(s, moff, "unexpected block type", err);
    free(raw);
    if (rc != 0) {
        goto failed;
    }
    s->meta.size_bytes = size;
    if ((rc = sst_read_raw(s, boff, bsz, &raw, &rl, &type, err)) != 0) {
        goto failed;
    }
    if (type != BT_BLOOM) {
        free(raw);
        rc = sst_corrupt(s, boff, "unexpected block type", err);
        goto failed;
    }
    s->bloom = raw;
    s->bloom_len = rl;
    if ((rc = sst_read_raw(s, ioff, isz, &raw, &rl, &type, err)) != 0) {
        goto failed;
    }
    if (type != BT_INDEX) {
        free(raw);
        rc = sst_corrupt(s, ioff, "unexpected block type", err);
        goto failed;
    }
    if (helios_kvblock_parse(raw, rl, &s->index) != 0) {
        s->index = NULL;
        rc = sst_corrupt(s, ioff, "malformed index block", err);
        goto failed;
    }
    for (uint32_t i = 0; i < s->index->n; i++) {
        helios_entry_t e;
        helios_kvblock_entry(s->index, i, &e);
        if (e.vlen != 12) {
            rc = sst_corrupt(s, ioff, "malformed index block", err);
            goto failed;
        }
    }
    *out = s;
    return 0;
failed:
    s->obsolete = 0;
    helios_sst_unref(s);
    return rc;
}

void helios_sst_ref(helios_sst_t *s)
{
    atomic_fetch_add(&s->refs, 1);
}

void helios_sst_mark_obsolete(helios_sst_t *s)
{
    atomic_store(&s->obsolete, 1);
}

void helios_sst_unref(helios_sst_t *s)
{
    if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1) {
        return;
    }
    if (s->r != NULL) {
        s->env->tier_vt->rclose(s->r);
    }
    if (s->env->cache != NULL) {
        helios_cache_erase_file(s->env->cache, s->file_no);
    }
    if (atomic_load(&s->obsolete)) {
        s->env->tier_vt->remove(s->env->tier, s->name, NULL);
    }
    helios_block_unref(s->index);
    free(s->bloom);
    helios_buf_free(&s->meta.smallest);
    helios_buf_free(&s->meta.largest);
    free(s);
}

const helios_sst_meta_t *helios_sst_meta(const helios_sst_t *s)
{
    return &s->meta;
}

const char *helios_sst_name(const helios_sst_t *s)
{
    return s->name;
}

/* First entry index in block b with ikey >= (k, seq); b->n when none. */
static uint32_t block_lower_bound(const helios_block_t *b, const uint8_t *k, uint32_t klen,
                                  uint64_t seq)
{
    uint32_t lo = 0, hi = b->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        helios_entry_t e;
        helios_kvblock_entry(b, mid, &e);
        if (helios_ikey_cmp(e.key, e.klen, e.seq, k, klen, seq) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static void index_handle(const helios_sst_t *s, uint32_t i, uint64_t *off, uint32_t *size)
{
    helios_entry_t e;
    helios_kvblock_entry(s->index, i, &e);
    *off = helios_get_u64(e.val);
    *size = helios_get_u32(e.val + 8);
}

int32_t helios_sst_get(helios_sst_t *s, const uint8_t *k, uint32_t klen, uint64_t hash,
                       uint64_t snap, uint32_t *found, uint32_t *type, uint64_t *seq,
                       helios_buf_t *val, _Atomic uint64_t *bloom, helios_err_t *err)
{
    *found = 0;
    if (helios_ukey_cmp(k, klen, s->meta.smallest.data, (uint32_t)s->meta.smallest.len) < 0 ||
        helios_ukey_cmp(k, klen, s->meta.largest.data, (uint32_t)s->meta.largest.len) > 0) {
        return 0;
    }
    if (bloom != NULL) {
        atomic_fetch_add_explicit(&bloom[0], 1, memory_order_relaxed);
    }
    if (!helios_bloom_may_contain(s->bloom, s->bloom_len, hash)) {
        if (bloom != NULL) {
            atomic_fetch_add_explicit(&bloom[1], 1, memory_order_relaxed);
        }
        return 0;
    }
    uint32_t bi = block_lower_bound(s->index, k, klen, snap);
    int key_seen = 0;
    for (; bi < s->index->n; bi++) {
        uint64_t off;
        uint32_t size;
        index_handle(s, bi, &off, &size);
        helios_block_t *b = NULL;
        int32_t rc = sst_block(s, off, size, &b, err);
        if (rc != 0) {
            return rc;
        }
        uint32_t i = block_lower_bound(b, k, klen, snap);
        if (i < b->n) {
            helios_entry_t e;
            helios_kvblock_entry(b, i, &e);
            if (helios_ukey_cmp(e.key, e.klen, k, klen) == 0) {
                *found = 1;
                *type = e.type;
                *seq = e.seq;
                if (val != NULL && e.type == HELIOS_ENT_PUT) {
                    val->len = 0;
                    if (helios_buf_append(val, e.val, e.vlen) != 0) {
                        helios_block_unref(b);
                        return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY,
                                                      "out of memory");
                    }
                }
                key_seen = 1;
            }
            helios_block_unref(b);
            break;
        }
        helios_block_unref(b);
    }
    if (!key_seen && bloom != NULL && snap == HELIOS_SEQ_MAX) {
        atomic_fetch_add_explicit(&bloom[2], 1, memory_order_relaxed);
    } else if (!key_seen && bloom != NULL) {
        /* absent at this snapshot; count a false positive only if no version exists at all */
        uint32_t f2 = 0, t2 = 0;
        uint64_t s2 = 0;
        if (helios_sst_get(s, k, klen, hash, HELIOS_SEQ_MAX, &f2, &t2, &s2, NULL, NULL, err) == 0 &&
            !f2) {
            atomic_fetch_add_explicit(&bloom[2], 1, memory_order_relaxed);
        }
    }
    return 0;
}

/* ---- iterator ---- */

typedef struct sst_iter {
    helios_sti_t base;
    helios_sst_t *s;
    helios_block_t *b;
    uint32_t bi; /* index position of b */
    uint32_t i;  /* entry in b */
} sst_iter_t;

static int si_load(sst_iter_t *it, uint32_t bi)
{
    if (it->b != NULL && it->bi == bi) {
        return 1;
    }
    helios_block_unref(it->b);
    it->b = NULL;
    if (bi >= it->s->index->n) {
        return 0;
    }
    uint64_t off;
    uint32_t size;
    index_handle(it->s, bi, &off, &size);
    int32_t rc = sst_block(it->s, off, size, &it->b, &it->base.err);
    if (rc != 0) {
        it->b = NULL;
        it->base.status = rc;
        it->base.valid = 0;
        return 0;
    }
    it->bi = bi;
    return 1;
}

static void si_set(sst_iter_t *it)
{
    it->base.valid = 1;
    helios_kvblock_entry(it->b, it->i, &it->base.e);
}

/* Position at the first entry from block bi on (skipping empty blocks). */
static void si_forward_from(sst_iter_t *it, uint32_t bi, uint32_t i)
{
    while (si_load(it, bi)) {
        if (i < it->b->n) {
            it->i = i;
            si_set(it);
            return;
        }
        bi++;
        i = 0;
    }
    it->base.valid = 0;
}

/* Position at entry i of block bi, or the last entry before it. i == UINT32_MAX: last. */
static void si_backward_from(sst_iter_t *it, int64_t bi, uint32_t i)
{
    while (bi >= 0 && si_load(it, (uint32_t)bi)) {
        if (it->b->n > 0) {
            if (i == UINT32_MAX || i >= it->b->n) {
                i = it->b->n - 1;
            }
            it->i = i;
            si_set(it);
            return;
        }
        bi--;
        i = UINT32_MAX;
    }
    it->base.valid = 0;
}

static void si_seek(helios_sti_t *b, const uint8_t *k, uint32_t klen, uint64_t seq)
{
    sst_iter_t *it = (sst_iter_t *)b;
    uint32_t bi = block_lower_bound(it->s->index, k, klen, seq);
    if (!si_load(it, bi)) {
        it->base.valid = 0;
        return;
    }
    si_forward_from(it, bi, block_lower_bound(it->b, k, klen, seq));
}

static void si_seek_lt(helios_sti_t *b, const uint8_t *k, uint32_t klen, uint64_t seq)
{
    sst_iter_t *it = (sst_iter_t *)b;
    uint32_t bi = block_lower_bound(it->s->index, k, klen, seq);
    if (bi >= it->s->index->n) {
        si_backward_from(it, (int64_t)it->s->index->n - 1, UINT32_MAX);
        return;
    }
    if (!si_load(it, bi)) {
        it->base.valid = 0;
        return;
    }
    uint32_t i = block_lower_bound(it->b, k, klen, seq);
    if (i == 0) {
        si_backward_from(it, (int64_t)bi - 1, UINT32_MAX);
    } else {
        si_backward_from(it, bi, i - 1);
    }
}

static void si_first(helios_sti_t *b)
{
    sst_iter_t *it = (sst_iter_t *)b;
    si_forward_from(it, 0, 0);
}

static void si_last(helios_sti_t *b)
{
    sst_iter_t *it = (sst_iter_t *)b;
    si_backward_from(it, (int64_t)it->s->index->n - 1, UINT32_MAX);
}

static void si_next(helios_sti_t *b)
{
    sst_iter_t *it = (sst_iter_t *)b;
    si_forward_from(it, it->bi, it->i + 1);
}

static void si_prev(helios_sti_t *b)
{
    sst_iter_t *it = (sst_iter_t *)b;
    if (it->i > 0) {
        si_backward_from(it, it->bi, it->i - 1);
    } else {
        si_backward_from(it, (int64_t)it->bi - 1, UINT32_MAX);
    }
}

static void si_destroy(helios_sti_t *b)
{
    sst_iter_t *it = (sst_iter_t *)b;
    helios_block_unref(it->b);
    helios_sst_unref(it->s);
    free(it);
}

static const helios_sti_ops_t sst_iter_ops = {si_seek, si_seek_lt, si_first,  si_last,
                                              si_next, si_prev,    si_destroy};

helios_sti_t *helios_sst_iter(helios_sst_t *s)
{
    sst_iter_t *it = calloc(1, sizeof(*it));
    if (it == NULL) {
        return NULL;
    }
    it->base.ops = &sst_iter_ops;
    it->s = s;
    helios_sst_ref(s);
    return &it->base;
}
