/*
 * columnar.c -- hybrid-columnar compression units for ROWS trees.
 *
 * A unit holds N rows (storage/row.h format) column by column:
 *
 *   unit    := 'C' version:u8 n_cols:u16 n_rows:u32 col_type:u8[n_cols]
 *              keys_chunk rowcols_chunk column_chunk[n_cols]
 *   keys_chunk    := framed( per row: klen varint, tag u64 (seq << 8 | type), key )
 *   rowcols_chunk := framed( per row: u16 = the row's own n_cols, 0xFFFF for a delete )
 *   column_chunk  := data_len:u32 framed( payload )
 *
 * "framed" is the codec framing of block.c: every chunk carries its own codec id and version.
 * For a byte codec (or raw) the payload is the null bitmap ((n_rows + 7) / 8 bytes, bit set =
 * NULL; rows without this column and deletes are NULL) followed by the values: fixed-width
 * types n_rows * width bytes (NULL slots zero), VARLEN offsets u32[n_rows + 1] then the bytes.
 * A column codec (HELIOS_CODEC_CAP_COLUMN, the `column_codec_vt` option today) instead
 * stores its own encoding of the same helios_vector_t; data_len is the VARLEN byte count its
 * decoder needs. Readers dispatch on the chunk's codec id (byte codec: decompress; column
 * codec: decode the vector and lay it out as the payload above), so adding column encoders
 * (dictionary, delta, RLE, bit-packing, ...) and an adaptive selector only changes which
 * codec the encoder picks per chunk, never the unit format.
 *
 * Decoding rebuilds exactly the original row bytes, so the rest of the engine sees KV entries.
 */
#include <stdlib.h>

#include "storage/internal.h"
#include "storage/row.h"

#define COL_VERSION 1u
#define ROW_DELETED 0xFFFFu

static int32_t col_put_framed(const helios_codecs_t *c, const helios_buf_t *payload,
                              uint32_t data_len, int with_len, helios_buf_t *out, helios_err_t *err)
{
    if (with_len) {
        uint8_t l[4];
        helios_put_u32(l, data_len);
        if (helios_buf_append(out, l, 4) != 0) {
            return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
    }
    return helios_codec_encode(c, payload->data, payload->len, out, err);
}

/* A column chunk: through the column encoder when one is configured and accepts this column,
   else the byte codec. pl holds the raw payload (nulls, then values or offsets + bytes). */
static int32_t col_put_column(const helios_codecs_t *c, uint32_t pt, uint32_t n,
                              const helios_buf_t *pl, uint32_t data_len, helios_buf_t *out,
                              helios_err_t *err)
{
    const helios_codec_vtable_t *vt = c->col_vt;
    if (vt == NULL || vt->estimate == NULL || vt->encode == NULL) {
        return col_put_framed(c, pl, data_len, 1, out, err);
    }
    size_t nb = (n + 7) / 8;
    uint32_t w = helios_pt_width(pt);
    size_t vbytes = pt == HELIOS_PT_VARLEN ? 4u * (n + 1) : (size_t)w * n;
    int32_t rc = 0;
    /* typed, aligned copies for the codec */
    uint8_t *nulls = malloc(nb ? nb : 1);
    void *vals = malloc(vbytes ? vbytes : 1);
    if (nulls == NULL || vals == NULL) {
        free(nulls);
        free(vals);
        return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    memcpy(nulls, pl->data, nb);
    memcpy(vals, pl->data + nb, vbytes);
    int any_null = 0;
    for (size_t i = 0; i < nb; i++) {
        any_null |= nulls[i] != 0;
    }
    helios_vector_t v = {.size = sizeof(v), .phys_type = pt, .n_rows = n};
    v.nulls = any_null ? nulls : NULL;
    if (pt == HELIOS_PT_VARLEN) {
        v.offsets = vals;
        v.data = pl->data + nb + vbytes;
        v.data_len = data_len;
    } else {
        v.values = vals;
    }
    uint64_t est = 0;
    if (vt->estimate(c->col_inst, &v, &est) != 0) {
        free(nulls);
        free(vals);
        return col_put_framed(c, pl, data_len, 1, out, err); /* declined: byte codec */
    }
    size_t start = out->len;
    uint64_t got = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (helios_buf_reserve(out, 4 + HELIOS_CODEC_HDR + est) != 0) {
            rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            break;
        }
        rc = vt->encode(c->col_inst, &v, out->data + start + 4 + HELIOS_CODEC_HDR, est, &got, err);
        if (rc != HELIOS_AGAIN) {
            break;
        }
        est = got;
    }
    if (rc == 0 && (got > UINT32_MAX || pl->len > UINT32_MAX)) {
        rc = helios_storage_err_set(err, HELIOS_ERR_PROGRAM_LIMIT_EXCEEDED, "column too large");
    }
    if (rc == 0) {
        uint8_t *h = out->data + start;
        helios_put_u32(h, data_len);
        helios_put_u16(h + 4, (uint16_t)vt->codec_id);
        h[6] = (uint8_t)vt->format_version;
        h[7] = 0;
        helios_put_u32(h + 8, (uint32_t)pl->len);
        helios_put_u32(h + 12, (uint32_t)got);
        out->len = start + 4 + HELIOS_CODEC_HDR + got;
    } else if (rc == HELIOS_AGAIN) {
        rc = helios_storage_err_set(err, HELIOS_ERR_INTERNAL_ERROR,
                                    "column codec %u kept asking for more space", vt->codec_id);
    }
    free(nulls);
    free(vals);
    return rc;
}

int32_t helios_colunit_encode(const helios_codecs_t *c, const helios_tree_schema_t *s,
                              const helios_entry_t *e, uint32_t n, helios_buf_t *out,
                              helios_err_t *err)
{
    uint32_t nc = s->n_cols;
    if (nc == 0 || nc > 0xFFFE || n == 0) {
        return HELIOS_DECLINED;
    }
    int32_t rc = 0;
    uint32_t *offs = malloc((size_t)n * nc * sizeof(uint32_t));
    uint32_t *lens = malloc((size_t)n * nc * sizeof(uint32_t));
    uint16_t *rcols = malloc((size_t)n * sizeof(uint16_t));
    helios_buf_t pl = {0};
    if (offs == NULL || lens == NULL || rcols == NULL) {
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    /* parse every row first: any row that does not match the schema exactly declines */
    for (uint32_t r = 0; r < n; r++) {
        if (e[r].type == HELIOS_ENT_DEL) {
            rcols[r] = ROW_DELETED;
            continue;
        }
        uint32_t got = 0;
        if (helios_row_parse(e[r].val, e[r].vlen, nc, s->col_phys_types, offs + (size_t)r * nc,
                             lens + (size_t)r * nc, &got) != 0) {
            rc = HELIOS_DECLINED;
            goto failed;
        }
        if (got % 8 != 0 && (e[r].val[2 + got / 8] >> (got % 8)) != 0) {
            rc = HELIOS_DECLINED; /* padding bits set: would not round-trip */
            goto failed;
        }
        rcols[r] = (uint16_t)got;
    }
    size_t start = out->len;
    if (helios_buf_reserve(out, 8 + nc) != 0) {
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    uint8_t *h = out->data + start;
    h[0] = 'C';
    h[1] = COL_VERSION;
    helios_put_u16(h + 2, (uint16_t)nc);
    helios_put_u32(h + 4, n);
    for (uint32_t i = 0; i < nc; i++) {
        h[8 + i] = (uint8_t)s->col_phys_types[i];
    }
    out->len += 8 + nc;
    /* keys */
    for (uint32_t r = 0; r < n; r++) {
        uint8_t tmp[18];
        uint32_t k = helios_put_varint(tmp, e[r].klen);
        helios_put_u64(tmp + k, e[r].seq << 8 | e[r].type);
        if (helios_buf_append(&pl, tmp, k + 8) != 0 ||
            helios_buf_append(&pl, e[r].key, e[r].klen) != 0) {
            rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            goto failed;
        }
    }
    if ((rc = col_put_framed(c, &pl, 0, 0, out, err)) != 0) {
        goto failed;
    }
    pl.len = 0;
    for (uint32_t r = 0; r < n; r++) {
        uint8_t t[2];
        helios_put_u16(t, rcols[r]);
        if (helios_buf_append(&pl, t, 2) != 0) {
            rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            goto failed;
        }
    }
    if ((rc = col_put_framed(c, &pl, 0, 0, out, err)) != 0) {
        goto failed;
    }
    /* columns */
    size_t nb = (n + 7) / 8;
    for (uint32_t col = 0; col < nc; col++) {
        uint32_t pt = s->col_phys_types[col];
        uint32_t w = helios_pt_width(pt);
        pl.len = 0;
        size_t vbytes = pt == HELIOS_PT_VARLEN ? 4u * (n + 1) : (size_t)w * n;
        if (helios_buf_reserve(&pl, nb + vbytes) != 0) {
            rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            goto failed;
        }
        uint8_t *nulls = pl.data;
        memset(nulls, 0, nb + vbytes);
        uint8_t *vals = pl.data + nb;
        pl.len = nb + vbytes;
        uint32_t data_len = 0;
        for (uint32_t r = 0; r < n; r++) {
            int is_null = rcols[r] == ROW_DELETED || col >= rcols[r] ||
                          (e[r].val[2 + col / 8] & (1u << (col % 8)));
            if (is_null) {
                nulls[r / 8] |= (uint8_t)(1u << (r % 8));
                if (pt == HELIOS_PT_VARLEN) {
                    helios_put_u32(vals + 4 * (r + 1), data_len);
                }
                continue;
            }
            const uint8_t *v = e[r].val + offs[(size_t)r * nc + col];
            uint32_t vl = lens[(size_t)r * nc + col];
            if (pt == HELIOS_PT_VARLEN) {
                data_len += vl;
                helios_put_u32(pl.data + nb + 4 * (r + 1), data_len);
                if (helios_buf_append(&pl, v, vl) != 0) {
                    rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
                    goto failed;
                }
                nulls = pl.data; /* the buffer may have moved */
                vals = pl.data + nb;
            } else {
                memcpy(vals + (size_t)w * r, v, w);
            }
        }
        if ((rc = col_put_column(c, pt, n, &pl, data_len, out, err)) != 0) {
            goto failed;
        }
    }
failed:
    free(offs);
    free(lens);
    free(rcols);
    helios_buf_free(&pl);
    return rc;
}

/* Decode one framed chunk at *p into a malloc'ed payload. */
static int32_t col_chunk(const helios_codecs_t *c, const uint8_t **p, const uint8_t *end,
                         uint8_t **raw, uint32_t *raw_len, const char *what, helios_err_t *err)
{
    size_t used = 0;
    int32_t rc = helios_codec_decode(c, *p, (size_t)(end - *p), raw, raw_len, &used, what, err);
    if (rc == 0) {
        *p += used;
    }
    return rc;
}

/* A column chunk: a column codec's chunk is decoded into a vector and laid out as the raw
   payload; anything else goes through the byte codec framing. */
static int32_t col_column_chunk(const helios_codecs_t *c, const uint8_t **p, const uint8_t *end,
                                uint32_t pt, uint32_t n, uint32_t data_len, uint8_t **raw,
                                uint32_t *raw_len, const char *what, helios_err_t *err)
{
    void *inst = NULL;
    const helios_codec_vtable_t *vt = NULL;
    if (end - *p >= (ptrdiff_t)HELIOS_CODEC_HDR && helios_get_u16(*p) != HELIOS_CODEC_ID_RAW) {
        vt = helios_codec_resolve(c, helios_get_u16(*p), &inst);
    }
    if (vt == NULL || !(vt->caps & HELIOS_CODEC_CAP_COLUMN) || vt->decode == NULL) {
        return col_chunk(c, p, end, raw, raw_len, what, err);
    }
    uint32_t id = helios_get_u16(*p), ver = (*p)[2], sl = helios_get_u32(*p + 8);
    uint32_t w = helios_pt_width(pt);
    if (ver > vt->format_version) {
        return helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                                      "%s uses codec id %u format version %u, newer than the "
                                      "loaded codec's %u",
                                      what, id, ver, vt->format_version);
    }
    if ((size_t)(end - *p) - HELIOS_CODEC_HDR < sl || (pt != HELIOS_PT_VARLEN && w == 0)) {
        return helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED, "%s: bad column chunk", what);
    }
    size_t nb = (n + 7) / 8;
    size_t vbytes = pt == HELIOS_PT_VARLEN ? 4u * (n + 1) : (size_t)w * n;
    size_t dl = pt == HELIOS_PT_VARLEN ? data_len : 0;
    uint8_t *nulls = calloc(nb ? nb : 1, 1);
    void *vals = calloc(vbytes ? vbytes : 1, 1);
    uint8_t *data = malloc(dl ? dl : 1);
    uint8_t *outp = malloc(nb + vbytes + dl);
    int32_t rc = 0;
    if (nulls == NULL || vals == NULL || data == NULL || outp == NULL) {
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    helios_vector_t v = {.size = sizeof(v), .phys_type = pt, .n_rows = n, .nulls = nulls};
    if (pt == HELIOS_PT_VARLEN) {
        v.offsets = vals;
        v.data = data;
        v.data_len = dl;
    } else {
        v.values = vals;
    }
    helios_err_t e2 = HELIOS_ERR_INIT;
    if (vt->decode(inst, *p + HELIOS_CODEC_HDR, sl, &v, &e2) != 0) {
        rc = helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                                    "%s: column codec %u could not decode it%s%s", what, id,
                                    e2.message[0] ? ": " : "", e2.message);
        goto failed;
    }
    memcpy(outp, v.nulls != NULL ? v.nulls : nulls, nb);
    memcpy(outp + nb, vals, vbytes);
    if (dl > 0) {
        memcpy(outp + nb + vbytes, data, dl);
    }
    *raw = outp;
    *raw_len = (uint32_t)(nb + vbytes + dl);
    outp = NULL;
    *p += HELIOS_CODEC_HDR + sl;
failed:
    free(nulls);
    free(vals);
    free(data);
    free(outp);
    return rc;
}

int32_t helios_colunit_decode(const helios_codecs_t *c, const uint8_t *p, size_t len,
                              helios_buf_t *kv, const char *what, helios_err_t *err)
{
    const uint8_t *end = p + len;
    if (len < 8 || p[0] != 'C') {
        return helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED, "%s: not a columnar unit",
                                      what);
    }
    if (p[1] > COL_VERSION) {
        return helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                                      "%s: columnar unit version %u is newer than %u", what, p[1],
                                      COL_VERSION);
    }
    uint32_t nc = helios_get_u16(p + 2);
    uint32_t n = helios_get_u32(p + 4);
    if (len < 8u + nc || n == 0 || n > (1u << 24)) {
        return helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED, "%s: bad unit header", what);
    }
    const uint8_t *types = p + 8;
    p += 8 + nc;
    int32_t rc = 0;
    uint8_t *keys = NULL, *rc_raw = NULL;
    uint32_t keys_len = 0, rc_len = 0;
    uint8_t **cols = calloc(nc ? nc : 1, sizeof(uint8_t *));
    uint32_t *col_len = calloc(nc ? nc : 1, sizeof(uint32_t));
    uint32_t *offs = NULL;
    helios_buf_t out = {0};
    if (cols == NULL || col_len == NULL) {
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    if ((rc = col_chunk(c, &p, end, &keys, &keys_len, what, err)) != 0 ||
        (rc = col_chunk(c, &p, end, &rc_raw, &rc_len, what, err)) != 0) {
        goto failed;
    }
    if (rc_len != 2 * n) {
        goto bad;
    }
    size_t nb = (n + 7) / 8;
    for (uint32_t col = 0; col < nc; col++) {
        if (end - p < 4) {
            goto bad;
        }
        uint32_t data_len = helios_get_u32(p);
        p += 4;
        if ((rc = col_column_chunk(c, &p, end, types[col], n, data_len, &cols[col], &col_len[col],
                                   what, err)) != 0) {
            goto failed;
        }
        uint32_t w = helios_pt_width(types[col]);
        if (types[col] == HELIOS_PT_VARLEN) {
            if (col_len[col] < nb + 4u * (n + 1) || col_len[col] - nb - 4u * (n + 1) != data_len) {
                goto bad;
            }
        } else if (w == 0 || col_len[col] != nb + (size_t)w * n) {
            goto bad;
        }
    }
    /* The KV block is built in place, in one buffer sized up front (entries, then offsets,
       then n): no per-row staging buffer, no regrowth copies, no final copy. */
    size_t est = keys_len + (size_t)n * (20 + 2 + (nc + 7) / 8 + 4) + 4;
    for (uint32_t col = 0; col < nc; col++) {
        est += col_len[col] + (types[col] == HELIOS_PT_VARLEN ? 4u * (size_t)n : 0);
    }
    offs = malloc(4u * (size_t)n);
    if (offs == NULL || helios_buf_reserve(&out, est) != 0) {
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    const uint8_t *kp = keys, *kend = keys + keys_len;
    for (uint32_t r = 0; r < n; r++) {
        uint64_t kl;
        uint32_t a = helios_get_varint(kp, kend, &kl);
        if (a == 0 || (uint64_t)(kend - kp) < a + 8 + kl) {
            goto bad;
        }
        uint64_t tag = helios_get_u64(kp + a);
        uint32_t type = (uint32_t)(tag & 0xFF);
        const uint8_t *key = kp + a + 8;
        kp += a + 8 + kl;
        uint32_t rcn = helios_get_u16(rc_raw + 2 * r);
        uint32_t rnb = 0;
        size_t vlen = 0;
        if (rcn != ROW_DELETED) {
            if (rcn > nc || type != HELIOS_ENT_PUT) {
                goto bad;
            }
            rnb = (rcn + 7) / 8;
            vlen = 2 + rnb;
            for (uint32_t col = 0; col < rcn; col++) {
                const uint8_t *cd = cols[col];
                if (cd[r / 8] & (1u << (r % 8))) {
                    continue;
                }
                if (types[col] == HELIOS_PT_VARLEN) {
                    uint32_t o0 = helios_get_u32(cd + nb + 4 * r);
                    uint32_t o1 = helios_get_u32(cd + nb + 4 * (r + 1));
                    uint32_t dl = col_len[col] - (uint32_t)nb - 4u * (n + 1);
                    if (o0 > o1 || o1 > dl) {
                        goto bad;
                    }
                    vlen += 4 + (size_t)(o1 - o0);
                } else {
                    vlen += helios_pt_width(types[col]);
                }
            }
        } else if (type != HELIOS_ENT_DEL) {
            goto bad;
        }
        if (out.len > UINT32_MAX - (20 + 8 + kl + vlen) ||
            helios_buf_reserve(&out, 20 + 8 + kl + vlen) != 0) {
            rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            goto failed;
        }
        offs[r] = (uint32_t)out.len;
        uint8_t *w = out.data + out.len;
        w += helios_put_varint(w, kl);
        w += helios_put_varint(w, vlen);
        helios_put_u64(w, tag);
        w += 8;
        memcpy(w, key, kl);
        w += kl;
        if (rcn != ROW_DELETED) {
            helios_put_u16(w, (uint16_t)rcn);
            uint8_t *bits = w + 2;
            memset(bits, 0, rnb);
            w += 2 + rnb;
            for (uint32_t col = 0; col < rcn; col++) {
                const uint8_t *cd = cols[col];
                if (cd[r / 8] & (1u << (r % 8))) {
                    bits[col / 8] |= (uint8_t)(1u << (col % 8));
                } else if (types[col] == HELIOS_PT_VARLEN) {
                    uint32_t o0 = helios_get_u32(cd + nb + 4 * r);
                    uint32_t o1 = helios_get_u32(cd + nb + 4 * (r + 1));
                    helios_put_u32(w, o1 - o0);
                    memcpy(w + 4, cd + nb + 4u * (n + 1) + o0, o1 - o0);
                    w += 4 + (o1 - o0);
                } else {
                    uint32_t wd = helios_pt_width(types[col]);
                    memcpy(w, cd + nb + (size_t)wd * r, wd);
                    w += wd;
                }
            }
        }
        out.len = (size_t)(w - out.data);
    }
    if (kp != kend || p != end) {
        goto bad;
    }
    if (helios_buf_reserve(&out, 4u * (size_t)n + 4) != 0) {
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    for (uint32_t r = 0; r < n; r++) {
        helios_put_u32(out.data + out.len + 4u * r, offs[r]);
    }
    out.len += 4u * (size_t)n;
    helios_put_u32(out.data + out.len, n);
    out.len += 4;
    helios_buf_free(kv);
    *kv = out;
    out = (helios_buf_t){0};
    goto failed;
bad:
    rc =
        helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED, "%s: malformed columnar unit", what);
failed:
    free(keys);
    free(rc_raw);
    for (uint32_t i = 0; cols != NULL && i < nc; i++) {
        free(cols[i]);
    }
    free(cols);
    free(col_len);
    free(offs);
    helios_buf_free(&out);
    return rc;
}
