/*
 * block.c -- key-value blocks (data blocks of KV trees, index blocks, and the decoded form of
 * every data block in the cache) and the codec framing every stored block or column chunk
 * carries.
 *
 * KV block bytes: entries (klen varint, vlen varint, tag u64le = seq << 8 | type, key, value),
 * then offsets u32le[n] (one per entry, for binary search and backward steps), then n u32le.
 *
 * Codec framing: codec_id u16le, codec_version u8, flags u8, raw_len u32le, stored_len u32le,
 * stored bytes. Codec id 0 is raw. A reader refuses an id it has not loaded and a version newer
 * than the loaded codec's.
 */
#include <stdlib.h>

#include "storage/internal.h"

int32_t helios_kvblock_add(helios_kvblock_builder_t *b, const helios_entry_t *e)
{
    if (helios_buf_reserve(&b->buf, 20 + 8 + e->klen + e->vlen) != 0 ||
        helios_buf_reserve(&b->offs, 4) != 0) {
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    helios_put_u32(b->offs.data + b->offs.len, (uint32_t)b->buf.len);
    b->offs.len += 4;
    uint8_t *p = b->buf.data + b->buf.len;
    p += helios_put_varint(p, e->klen);
    p += helios_put_varint(p, e->vlen);
    helios_put_u64(p, e->seq << 8 | e->type);
    p += 8;
    if (e->klen) {
        memcpy(p, e->key, e->klen);
    }
    p += e->klen;
    if (e->vlen) {
        memcpy(p, e->val, e->vlen);
    }
    p += e->vlen;
    b->buf.len = (size_t)(p - b->buf.data);
    b->n++;
    return 0;
}

int32_t helios_kvblock_finish(helios_kvblock_builder_t *b, helios_buf_t *out)
{
    uint8_t n[4];
    helios_put_u32(n, b->n);
    if (helios_buf_append(out, b->buf.data, b->buf.len) != 0 ||
        helios_buf_append(out, b->offs.data, b->offs.len) != 0 ||
        helios_buf_append(out, n, 4) != 0) {
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    return 0;
}

void helios_kvblock_reset(helios_kvblock_builder_t *b)
{
    b->buf.len = 0;
    b->offs.len = 0;
    b->n = 0;
}

void helios_kvblock_free(helios_kvblock_builder_t *b)
{
    helios_buf_free(&b->buf);
    helios_buf_free(&b->offs);
    b->n = 0;
}

int32_t helios_kvblock_parse(uint8_t *raw, uint32_t len, helios_block_t **out)
{
    if (len < 4) {
        free(raw);
        return HELIOS_ERR_DATA_CORRUPTED;
    }
    uint32_t n = helios_get_u32(raw + len - 4);
    if ((uint64_t)n * 4 + 4 > len) {
        free(raw);
        return HELIOS_ERR_DATA_CORRUPTED;
    }
    uint32_t data_len = len - 4 - n * 4;
    const uint8_t *offs_p = raw + data_len;
    helios_block_t *b = malloc(sizeof(*b) + (size_t)n * sizeof(uint32_t));
    if (b == NULL) {
        free(raw);
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    uint32_t *offs = (uint32_t *)(b + 1);
    /* validate every entry once, so lookups need no bounds checks */
    uint32_t prev_end = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t o = helios_get_u32(offs_p + 4 * i);
        if (o != prev_end || o >= data_len) {
            goto bad;
        }
        const uint8_t *p = raw + o, *end = raw + data_len;
        uint64_t kl, vl;
        uint32_t a = helios_get_varint(p, end, &kl);
        if (a == 0) {
            goto bad;
        }
        uint32_t c = helios_get_varint(p + a, end, &vl);
        if (c == 0 || (uint64_t)(end - p) < a + c + 8 + kl + vl) {
            goto bad;
        }
        offs[i] = o;
        prev_end = o + a + c + 8 + (uint32_t)kl + (uint32_t)vl;
    }
    if (prev_end != data_len) {
        goto bad;
    }
    atomic_init(&b->refs, 1);
    b->n = n;
    b->data = raw;
    b->offs = offs;
    b->mem = raw;
    b->charge = len + sizeof(*b) + (size_t)n * 4;
    *out = b;
    return 0;
bad:
    free(b);
    free(raw);
    return HELIOS_ERR_DATA_CORRUPTED;
}

void helios_kvblock_entry(const helios_block_t *b, uint32_t i, helios_entry_t *e)
{
    const uint8_t *p = b->data + b->offs[i];
    uint64_t kl = p[0], vl = 0;
    uint32_t a = 1;
    if (kl >= 0x80) {
        a = helios_get_varint(p, p + 10, &kl);
    }
    const uint8_t *q = p + a;
    if (q[0] < 0x80) {
        vl = q[0];
        q++;
    } else {
        q += helios_get_varint(q, q + 10, &vl);
    }
    uint64_t tag = helios_get_u64(q);
    q += 8;
    e->key = q;
    e->klen = (uint32_t)kl;
    e->val = q + kl;
    e->vlen = (uint32_t)vl;
    e->seq = tag >> 8;
    e->type = (uint32_t)(tag & 0xFF);
}

/* ---- codec framing ---- */

int32_t helios_codec_encode(const helios_codecs_t *c, const uint8_t *src, size_t len,
                            helios_buf_t *out, helios_err_t *err)
{
    if (len > UINT32_MAX) {
        return helios_storage_err_set(err, HELIOS_ERR_PROGRAM_LIMIT_EXCEEDED, "block too large");
    }
    size_t start = out->len;
    if (c->vt != NULL && c->vt->compress != NULL && c->vt->bound != NULL && len >= 64) {
        uint64_t bound = c->vt->bound(c->inst, len);
        if (helios_buf_reserve(out, HELIOS_CODEC_HDR + bound) != 0) {
            return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
        uint64_t clen = 0;
        int32_t rc = c->vt->compress(c->inst, src, len, out->data + start + HELIOS_CODEC_HDR, bound,
                                     &clen, err);
        if (rc != 0) {
            return rc;
        }
        if (clen < len - len / 8) {
            uint8_t *h = out->data + start;
            helios_put_u16(h, (uint16_t)c->vt->codec_id);
            h[2] = (uint8_t)c->vt->format_version;
            h[3] = 0;
            helios_put_u32(h + 4, (uint32_t)len);
            helios_put_u32(h + 8, (uint32_t)clen);
            out->len = start + HELIOS_CODEC_HDR + clen;
            return 0;
        }
    }
    if (helios_buf_reserve(out, HELIOS_CODEC_HDR + len) != 0) {
        return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    uint8_t *h = out->data + start;
    helios_put_u16(h, HELIOS_CODEC_ID_RAW);
    h[2] = 0;
    h[3] = 0;
    helios_put_u32(h + 4, (uint32_t)len);
    helios_put_u32(h + 8, (uint32_t)len);
    if (len > 0) {
        memcpy(h + HELIOS_CODEC_HDR, src, len);
    }
    out->len = start + HELIOS_CODEC_HDR + len;
    return 0;
}

const helios_codec_vtable_t *helios_codec_resolve(const helios_codecs_t *c, uint32_t id,
                                                  void **inst)
{
    if (c->vt != NULL && c->vt->codec_id == id) {
        *inst = c->inst;
        return c->vt;
    }
    if (c->col_vt != NULL && c->col_vt->codec_id == id) {
        *inst = c->col_inst;
        return c->col_vt;
    }
    if (c->lookup != NULL) {
        return c->lookup(c->lookup_arg, id, inst);
    }
    return NULL;
}

int32_t helios_codec_decode(const helios_codecs_t *c, const uint8_t *p, size_t avail, uint8_t **raw,
                            uint32_t *raw_len, size_t *used, const char *what, helios_err_t *err)
{
    if (avail < HELIOS_CODEC_HDR) {
        return helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED, "%s: truncated", what);
    }
    uint32_t id = helios_get_u16(p);
    uint32_t ver = p[2];
    uint32_t rl = helios_get_u32(p + 4);
    uint32_t sl = helios_get_u32(p + 8);
    if (sl > avail - HELIOS_CODEC_HDR) {
        return helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED, "%s: truncated", what);
    }
    /* checked before allocating: a corrupt raw_len must not cost a 4 GiB malloc */
    if ((id == HELIOS_CODEC_ID_RAW && rl != sl) || rl > HELIOS_BLOCK_RAW_MAX) {
        return helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED, "%s: %s", what,
                                      id == HELIOS_CODEC_ID_RAW ? "raw length mismatch"
                                                                : "raw length too large");
    }
    uint8_t *out = malloc(rl > 0 ? rl : 1);
    if (out == NULL) {
        return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    const uint8_t *src = p + HELIOS_CODEC_HDR;
    if (id == HELIOS_CODEC_ID_RAW) {
        if (rl != sl) {
            free(out);
            return helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED, "%s: raw length mismatch",
                                          what);
        }
        if (rl > 0) {
            memcpy(out, src, rl);
        }
    } else {
        void *inst = NULL;
        const helios_codec_vtable_t *vt = helios_codec_resolve(c, id, &inst);
        if (vt == NULL || vt->decompress == NULL) {
            free(out);
            return helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                                          "%s uses codec id %u, which is not loaded", what, id);
        }
        if (ver > vt->format_version) {
            free(out);
            return helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                                          "%s uses codec id %u format version %u, newer than "
                                          "the loaded codec's %u",
                                          what, id, ver, vt->format_version);
        }
        uint64_t got = 0;
        helios_err_t e2 = HELIOS_ERR_INIT;
        int32_t rc = vt->decompress(inst, src, sl, out, rl, &got, &e2);
        if (rc != 0 || got != rl) {
            free(out);
            return helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                                          "%s: codec %u could not decode it%s%s", what, id,
                                          e2.message[0] ? ": " : "", e2.message);
        }
    }
    *raw = out;
    *raw_len = rl;
    *used = HELIOS_CODEC_HDR + sl;
    return 0;
}
