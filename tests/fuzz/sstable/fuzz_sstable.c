/*
 * fuzz_sstable.c -- libFuzzer harness for the SSTable reader (kernel/storage sstable.c,
 * block.c, bloom.c, columnar.c): the input (after its flags byte, see fz_store.h) is written
 * as an SSTable file on the nvme tier and opened with helios_sst_open (footer, meta, bloom and
 * index blocks); when that succeeds every entry is iterated forward and backward (KV blocks
 * and hybrid-columnar units decoded through the raw and lz4 codecs), seeks and point gets run.
 *
 * With FZ_FIX_CRC the harness first recomputes the footer's checksum, the checksums of the
 * blocks the footer names and of the data blocks the index names, so mutations get past the
 * checksums into the decoders. Expected: success or an error with a SQLSTATE (XX001 for
 * corruption); never a crash, a sanitizer report, a leak or a hang.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_store.h"

#define FZ_SST_NAME "sst/9/00000999.sst"
#define FZ_SST_FILE_NO 999u
#define FZ_FOOTER 52u
#define FZ_TRAILER 5u

static helios_sst_env_t fz_env;

static void fz_fix_block(uint8_t *buf, size_t len, uint64_t off, uint32_t size)
{
    if (size >= HELIOS_CODEC_HDR + FZ_TRAILER && off <= len && size <= len - off) {
        helios_put_u32(buf + off + size - 4, helios_crc32c(0, buf + off, size - 4));
    }
}

/* Recompute every checksum a reader would verify, following the footer and the index. */
static void fz_fix_sst(uint8_t *buf, size_t len)
{
    if (len < FZ_FOOTER) {
        return;
    }
    uint8_t *f = buf + len - FZ_FOOTER;
    helios_put_u32(f + 40, helios_crc32c(0, f, 40));
    uint64_t ioff = helios_get_u64(f), boff = helios_get_u64(f + 12), moff = helios_get_u64(f + 24);
    uint32_t isz = helios_get_u32(f + 8), bsz = helios_get_u32(f + 20),
             msz = helios_get_u32(f + 32);
    fz_fix_block(buf, len, ioff, isz);
    fz_fix_block(buf, len, boff, bsz);
    fz_fix_block(buf, len, moff, msz);
    if (isz < HELIOS_CODEC_HDR + FZ_TRAILER || ioff > len || isz > len - ioff) {
        return;
    }
    uint8_t *raw = NULL;
    uint32_t rl = 0;
    size_t used = 0;
    helios_err_t err = HELIOS_ERR_INIT;
    if (helios_codec_decode(&fz_env.codecs, buf + ioff, isz - FZ_TRAILER, &raw, &rl, &used, "index",
                            &err) != 0) {
        return;
    }
    helios_block_t *idx = NULL;
    if (helios_kvblock_parse(raw, rl, &idx) != 0) {
        return;
    }
    for (uint32_t i = 0; i < idx->n; i++) {
        helios_entry_t e;
        helios_kvblock_entry(idx, i, &e);
        if (e.vlen == 12) {
            fz_fix_block(buf, len, helios_get_u64(e.val), helios_get_u32(e.val + 8));
        }
    }
    helios_block_unref(idx);
}

static void fz_check_sti(const char *what, helios_sti_t *it)
{
    if (it->status != 0) {
        fz_check_err(what, it->status, &it->err);
    }
}

static void fz_get(helios_sst_t *s, const uint8_t *k, uint32_t kl)
{
    uint32_t found = 0, type = 0;
    uint64_t seq = 0;
    helios_buf_t val = {0};
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t rc = helios_sst_get(s, k, kl, helios_hash64(k, kl), UINT64_MAX, &found, &type, &seq,
                                &val, NULL, &err);
    if (rc != 0) {
        fz_check_err("get", rc, &err);
    }
    helios_buf_free(&val);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_store_t *st = fz_store();
    if (fz_env.cache == NULL) {
        fz_env.tier_vt = st->env.tvt;
        fz_env.tier = st->env.tier;
        fz_env.codecs.vt = st->env.cvt;
        fz_env.codecs.inst = st->env.codec;
        fz_env.codecs.lookup = fz_codec_lookup;
        fz_env.codecs.lookup_arg = st;
        fz_env.cache = helios_cache_new(1 << 20);
        fz_env.bloom_bits_per_key = 10;
        fz_env.block_bytes = 512;
        fz_env.rows_per_unit = 16;
    }
    if (size < 1) {
        return 0;
    }
    uint8_t flags = data[0];
    size_t len = size - 1;
    uint8_t *buf = malloc(len + 1);
    if (buf == NULL) {
        return 0;
    }
    memcpy(buf, data + 1, len);
    if (flags & FZ_FIX_CRC) {
        fz_fix_sst(buf, len);
    }
    fz_store_put(st, FZ_SST_NAME, buf, len);
    free(buf);

    helios_sst_t *s = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t rc = helios_sst_open(&fz_env, FZ_SST_NAME, FZ_SST_FILE_NO, &s, &err);
    if (rc != 0) {
        fz_check_err("open", rc, &err);
        return 0;
    }
    const helios_sst_meta_t *m = helios_sst_meta(s);
    helios_buf_t lo = {0}, hi = {0};
    helios_buf_append(&lo, m->smallest.data, m->smallest.len);
    helios_buf_append(&hi, m->largest.data, m->largest.len);

    helios_sti_t *it = helios_sst_iter(s);
    if (it != NULL) {
        uint32_t n = 0;
        for (it->ops->first(it); it->valid && n < 1000000; it->ops->next(it), n++) {
            if (it->e.klen > 0 && it->e.key == NULL) {
                abort();
            }
        }
        fz_check_sti("iterate", it);
        n = 0;
        for (it->ops->last(it); it->valid && n < 1000000; it->ops->prev(it), n++) {
        }
        fz_check_sti("iterate backward", it);
        it->ops->seek(it, lo.data, (uint32_t)lo.len, UINT64_MAX);
        if (it->valid) {
            it->ops->next(it);
        }
        it->ops->seek_lt(it, hi.data, (uint32_t)hi.len, 0);
        if (it->valid) {
            it->ops->prev(it);
        }
        it->ops->seek(it, (const uint8_t *)"k000100", 7, 5);
        fz_check_sti("seek", it);
        it->ops->destroy(it);
    }
    fz_get(s, lo.data, (uint32_t)lo.len);
    fz_get(s, hi.data, (uint32_t)hi.len);
    fz_get(s, (const uint8_t *)"k000150", 7);
    helios_buf_free(&lo);
    helios_buf_free(&hi);
    helios_sst_unref(s);
    helios_cache_erase_file(fz_env.cache, FZ_SST_FILE_NO);
    return 0;
}
