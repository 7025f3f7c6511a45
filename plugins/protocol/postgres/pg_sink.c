/*
 * pg_sink.c -- the session sink: what the engine's results become on the wire.
 *
 * RowDescription, DataRow (text or binary per column), CommandComplete, EmptyQueryResponse,
 * NoticeResponse, ParameterStatus, and the COPY sub-protocol (CopyInResponse / CopyData /
 * CopyDone / CopyFail, CopyOutResponse). Values are encoded straight into the output buffer;
 * the common types take a fast path here, the rest go through the session's value_encode.
 */
#include <stdio.h>
#include <string.h>

#include "pg_internal.h"

static int32_t pg_sink_status(const pg_conn_t *c)
{
    return c->io_failed ? HELIOS_ERR_CONNECTION_FAILURE : 0;
}

void pg_send_row_description(pg_conn_t *c, uint32_t n, const helios_column_desc_t *cols,
                             const int16_t *formats, uint32_t n_formats)
{
    pg_out_begin(c, 'T');
    pg_out_i16(c, (int16_t)n);
    for (uint32_t i = 0; i < n; i++) {
        const helios_column_desc_t *d = &cols[i];
        pg_out_str(c, d->name != NULL ? d->name : "?column?");
        pg_out_i32(c, (int32_t)d->table_oid);
        pg_out_i16(c, d->attnum);
        pg_out_i32(c, (int32_t)d->type_oid);
        pg_out_i16(c, d->type_len);
        pg_out_i32(c, d->type_mod);
        pg_out_i16(c, formats != NULL && i < n_formats ? formats[i] : 0);
    }
    pg_out_end(c);
}

static void pg_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void pg_put_be64(uint8_t *p, uint64_t v)
{
    pg_put_be32(p, (uint32_t)(v >> 32));
    pg_put_be32(p + 4, (uint32_t)v);
}

/* Decimal text of v into p (at least 20 bytes); returns the length. */
static uint32_t pg_itoa(int64_t v, uint8_t *p)
{
    char tmp[24];
    uint32_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    uint32_t o = 0;
    if (v < 0) {
        p[o++] = '-';
    }
    while (n > 0) {
        p[o++] = (uint8_t)tmp[--n];
    }
    return o;
}

static int pg_texty(uint32_t oid)
{
    return oid == HELIOS_OID_TEXT || oid == HELIOS_OID_VARCHAR || oid == HELIOS_OID_BPCHAR ||
           oid == HELIOS_OID_NAME || oid == HELIOS_OID_UNKNOWN || oid == HELIOS_OID_JSON;
}

int32_t pg_encode_value(pg_conn_t *c, const helios_value_t *v, uint32_t format)
{
    uint8_t *p;
    if (v->is_null) {
        p = pg_out_reserve(c, 4);
        if (p == NULL) {
            return -1;
        }
        pg_put_be32(p, 0xffffffffu);
        c->wlen += 4;
        return 0;
    }
    uint32_t oid = v->type_oid;
    if (format == HELIOS_FORMAT_TEXT) {
        if (pg_texty(oid) || oid == HELIOS_OID_NUMERIC || oid == HELIOS_OID_JSONB) {
            p = pg_out_reserve(c, 4 + (size_t)v->len);
            if (p == NULL) {
                return -1;
            }
            pg_put_be32(p, v->len);
            if (v->len > 0) {
                memcpy(p + 4, v->p, v->len);
            }
            c->wlen += 4 + (size_t)v->len;
            return 0;
        }
        if (oid == HELIOS_OID_INT2 || oid == HELIOS_OID_INT4 || oid == HELIOS_OID_INT8 ||
            oid == HELIOS_OID_OID) {
            p = pg_out_reserve(c, 4 + 24);
            if (p == NULL) {
                return -1;
            }
            uint32_t n = pg_itoa(oid == HELIOS_OID_OID ? (int64_t)(uint32_t)v->i : v->i, p + 4);
            pg_put_be32(p, n);
            c->wlen += 4 + n;
            return 0;
        }
        if (oid == HELIOS_OID_BOOL) {
            p = pg_out_reserve(c, 5);
            if (p == NULL) {
                return -1;
            }
            pg_put_be32(p, 1);
            p[4] = v->i ? 't' : 'f';
            c->wlen += 5;
            return 0;
        }
    } else if (format == HELIOS_FORMAT_BINARY) {
        uint32_t width = 0;
        uint64_t bits = 0;
        switch (oid) {
        case HELIOS_OID_BOOL:
            width = 1;
            bits = v->i ? 1 : 0;
            break;
        case HELIOS_OID_INT2:
            width = 2;
            bits = (uint64_t)v->i;
            break;
        case HELIOS_OID_INT4:
        case HELIOS_OID_OID:
        case HELIOS_OID_DATE:
            width = 4;
            bits = (uint64_t)v->i;
            break;
        case HELIOS_OID_INT8:
        case HELIOS_OID_TIME:
        case HELIOS_OID_TIMESTAMP:
        case HELIOS_OID_TIMESTAMPTZ:
            width = 8;
            bits = (uint64_t)v->i;
            break;
        case HELIOS_OID_FLOAT4: {
            float f = (float)v->f;
            uint32_t u;
            memcpy(&u, &f, 4);
            width = 4;
            bits = u;
            break;
        }
        case HELIOS_OID_FLOAT8:
            memcpy(&bits, &v->f, 8);
            width = 8;
            break;
        default:
            break;
        }
        if (width > 0) {
            p = pg_out_reserve(c, 4 + width);
            if (p == NULL) {
                return -1;
            }
            pg_put_be32(p, width);
            if (width == 1) {
                p[4] = (uint8_t)bits;
            } else if (width == 2) {
                p[4] = (uint8_t)(bits >> 8);
                p[5] = (uint8_t)bits;
            } else if (width == 4) {
                pg_put_be32(p + 4, (uint32_t)bits);
            } else {
                pg_put_be64(p + 4, bits);
            }
            c->wlen += 4 + width;
            return 0;
        }
        if (pg_texty(oid) || oid == HELIOS_OID_BYTEA) {
            p = pg_out_reserve(c, 4 + (size_t)v->len);
            if (p == NULL) {
                return -1;
            }
            pg_put_be32(p, v->len);
            if (v->len > 0) {
                memcpy(p + 4, v->p, v->len);
            }
            c->wlen += 4 + (size_t)v->len;
            return 0;
        }
    }
    /* everything else: the type library's output/send function */
    size_t room = 64;
    for (int attempt = 0; attempt < 3; attempt++) {
        p = pg_out_reserve(c, 4 + room);
        if (p == NULL) {
            return -1;
        }
        uint32_t cap = (uint32_t)(c->wcap - c->wlen - 4);
        uint32_t n = 0;
        int32_t rc = c->api->value_encode(c->session, v, format, p + 4, cap, &n);
        if (rc == 0) {
            if (n > cap) {
                return -1;
            }
            pg_put_be32(p, n);
            c->wlen += 4 + (size_t)n;
            return 0;
        }
        if (rc != HELIOS_AGAIN || n <= cap) {
            return rc > 0 ? rc : HELIOS_ERR_INTERNAL_ERROR;
        }
        room = n;
    }
    return HELIOS_ERR_INTERNAL_ERROR;
}

/* ---- sink callbacks ---- */

static int32_t pg_cb_describe(void *ctx, uint32_t n_cols, const helios_column_desc_t *cols)
{
    pg_conn_t *c = ctx;
    if (c->sink_mode == PG_SINK_SIMPLE) {
        pg_send_row_description(c, n_cols, cols, NULL, 0);
    }
    return pg_sink_status(c);
}

static int32_t pg_cb_row(void *ctx, uint32_t n, const helios_value_t *vals)
{
    pg_conn_t *c = ctx;
    c->cur_rows++;
    if (c->sink_mode == PG_SINK_MOVE) {
        return 0;
    }
    pg_out_begin(c, 'D');
    pg_out_i16(c, (int16_t)n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t fmt = i < c->cur_n_formats ? (uint32_t)c->cur_formats[i] : HELIOS_FORMAT_TEXT;
        int32_t rc = pg_encode_value(c, &vals[i], fmt);
        if (rc != 0) {
            if (c->io_failed) {
                return HELIOS_ERR_OUT_OF_MEMORY;
            }
            c->wlen = c->msg_start; /* drop the half-built row */
            return rc > 0 ? rc : HELIOS_ERR_INTERNAL_ERROR;
        }
    }
    pg_out_end(c);
    return pg_sink_status(c);
}

static int32_t pg_cb_complete(void *ctx, const char *tag)
{
    pg_conn_t *c = ctx;
    char count_tag[32];
    if (c->sink_mode >= PG_SINK_FETCH) {
        return pg_sink_status(c); /* pg_cursor.c sends "FETCH n" / "MOVE n" itself */
    }
    if (c->cur_resumed && tag != NULL && strncmp(tag, "SELECT ", 7) == 0) {
        /* PostgreSQL counts the rows of this Execute, not of the whole portal */
        snprintf(count_tag, sizeof(count_tag), "SELECT %llu", (unsigned long long)c->cur_rows);
        tag = count_tag;
    }
    pg_out_begin(c, 'C');
    pg_out_str(c, tag != NULL ? tag : "");
    pg_out_end(c);
    return pg_sink_status(c);
}

static int32_t pg_cb_empty(void *ctx)
{
    pg_conn_t *c = ctx;
    pg_out_begin(c, 'I');
    pg_out_end(c);
    return pg_sink_status(c);
}

static void pg_cb_notice(void *ctx, const helios_err_t *notice)
{
    pg_sink_send_notice(ctx, notice);
}

static void pg_cb_param_status(void *ctx, const char *name, const char *value)
{
    if (name != NULL && value != NULL) {
        pg_sink_send_param(ctx, name, value);
    }
}

static void pg_copy_response(pg_conn_t *c, uint8_t type, uint32_t copy_format, uint32_t n_cols)
{
    uint8_t binary = copy_format == HELIOS_COPY_BINARY ? 1 : 0;
    pg_out_begin(c, type);
    pg_out_byte(c, binary);
    pg_out_i16(c, (int16_t)n_cols);
    for (uint32_t i = 0; i < n_cols; i++) {
        pg_out_i16(c, binary);
    }
    pg_out_end(c);
}

static int32_t pg_cb_copy_in_begin(void *ctx, uint32_t copy_format, uint32_t n_cols)
{
    pg_conn_t *c = ctx;
    if (c->cbuf == NULL) {
        c->cbuf_cap = 8192;
        c->cbuf = c->host->alloc(c->host, c->cbuf_cap);
        if (c->cbuf == NULL) {
            c->cbuf_cap = 0;
            return HELIOS_ERR_OUT_OF_MEMORY;
        }
    }
    pg_copy_response(c, 'G', copy_format, n_cols);
    c->in_copy_in = 1;
    c->copy_done = 0;
    c->copy_pending = NULL;
    c->copy_pending_len = 0;
    (void)pg_flush(c);
    return pg_sink_status(c);
}

static int32_t pg_cb_copy_in_read(void *ctx, uint8_t *buf, uint32_t cap, uint32_t *n_read,
                                  helios_err_t *err)
{
    pg_conn_t *c = ctx;
    *n_read = 0;
    for (;;) {
        if (c->copy_pending_len > 0) {
            size_t take = c->copy_pending_len < cap ? c->copy_pending_len : cap;
            memcpy(buf, c->copy_pending, take);
            c->copy_pending += take;
            c->copy_pending_len -= take;
            *n_read = (uint32_t)take;
            return 0;
        }
        if (c->copy_done || !c->in_copy_in) {
            return 0;
        }
        uint8_t type = 0;
        uint32_t len = 0;
        /* read into the COPY buffer: c->msg still holds the Query text the engine is running */
        uint8_t *keep = c->msg;
        size_t keep_cap = c->msg_cap;
        c->msg = c->cbuf;
        c->msg_cap = c->cbuf_cap;
        int32_t rc = pg_read_message(c, &type, &len, err);
        c->cbuf = c->msg;
        c->cbuf_cap = c->msg_cap;
        c->msg = keep;
        c->msg_cap = keep_cap;
        if (rc != 1) {
            c->in_copy_in = 0;
            c->io_failed = 1;
            if (rc == PG_IO_FRAMING) {
                return err != NULL && err->code != 0 ? err->code : HELIOS_ERR_PROTOCOL_VIOLATION;
            }
            return c->host->err_set(err, HELIOS_ERR_CONNECTION_FAILURE,
                                    "unexpected EOF on client connection with an open "
                                    "transaction");
        }
        switch (type) {
        case 'd':
            c->copy_pending = c->cbuf;
            c->copy_pending_len = len;
            break;
        case 'c':
            c->copy_done = 1;
            c->in_copy_in = 0;
            return 0;
        case 'f':
            c->in_copy_in = 0;
            return c->host->err_set(err, HELIOS_ERR_QUERY_CANCELED, "COPY from stdin failed: %.*s",
                                    (int)strnlen((const char *)c->cbuf, len),
                                    (const char *)c->cbuf);
        case 'H':
        case 'S':
            break; /* ignored during COPY, as PostgreSQL does */
        default:
            c->in_copy_in = 0;
            return c->host->err_set(err, HELIOS_ERR_PROTOCOL_VIOLATION,
                                    "unexpected message type 0x%02X during COPY from stdin",
                                    (unsigned)type);
        }
    }
}

static int32_t pg_cb_copy_out_begin(void *ctx, uint32_t copy_format, uint32_t n_cols)
{
    pg_conn_t *c = ctx;
    pg_copy_response(c, 'H', copy_format, n_cols);
    return pg_sink_status(c);
}

static int32_t pg_cb_copy_out_data(void *ctx, const uint8_t *data, uint32_t len)
{
    pg_conn_t *c = ctx;
    pg_out_begin(c, 'd');
    pg_out_bytes(c, data, len);
    pg_out_end(c);
    return pg_sink_status(c);
}

static int32_t pg_cb_copy_out_end(void *ctx)
{
    pg_conn_t *c = ctx;
    pg_out_begin(c, 'c');
    pg_out_end(c);
    return pg_sink_status(c);
}

void pg_sink_init(pg_conn_t *c)
{
    memset(&c->sink, 0, sizeof(c->sink));
    c->sink.size = sizeof(c->sink);
    c->sink.ctx = c;
    c->sink.describe = pg_cb_describe;
    c->sink.row = pg_cb_row;
    c->sink.complete = pg_cb_complete;
    c->sink.empty = pg_cb_empty;
    c->sink.notice = pg_cb_notice;
    c->sink.param_status = pg_cb_param_status;
    c->sink.copy_in_begin = pg_cb_copy_in_begin;
    c->sink.copy_in_read = pg_cb_copy_in_read;
    c->sink.copy_out_begin = pg_cb_copy_out_begin;
    c->sink.copy_out_data = pg_cb_copy_out_data;
    c->sink.copy_out_end = pg_cb_copy_out_end;
}
