/* kernel/sql/encode.c -- value_encode: PostgreSQL text and binary (send) formats. */
#include <stdio.h>
#include <stdlib.h>

#include "sql/sqlint.h"
#include "sql/tz.h"

static void be16(sbuf_t *b, uint16_t x)
{
    char c[2] = {(char)(x >> 8), (char)x};
    sb_putn(b, c, 2);
}

static void be32(sbuf_t *b, uint32_t x)
{
    char c[4] = {(char)(x >> 24), (char)(x >> 16), (char)(x >> 8), (char)x};
    sb_putn(b, c, 4);
}

static void be64(sbuf_t *b, uint64_t x)
{
    be32(b, (uint32_t)(x >> 32));
    be32(b, (uint32_t)x);
}

static void from_helios(const helios_value_t *v, val_t *o)
{
    memset(o, 0, sizeof *o);
    o->t = v->type_oid;
    o->null = v->is_null != 0;
    switch (v->type_oid) {
    case HELIOS_OID_FLOAT4: case HELIOS_OID_FLOAT8:
        o->f = v->f;
        break;
    case HELIOS_OID_BOOL: case HELIOS_OID_INT2: case HELIOS_OID_INT4: case HELIOS_OID_INT8:
    case HELIOS_OID_OID: case HELIOS_OID_DATE: case HELIOS_OID_TIME: case HELIOS_OID_TIMESTAMP:
    case HELIOS_OID_TIMESTAMPTZ:
        o->i = v->i;
        break;
    default:
        o->s = v->p;
        o->len = v->len;
        break;
    }
}

/* numeric text -> PostgreSQL's binary numeric (base-10000 digits, any length, NaN and
   +/-Infinity): types_num.c */
static void numeric_send(const char *s, uint32_t n, sbuf_t *b)
{
    num_send_text(s, n, b);
}

int32_t value_encode_impl(helios_session_t *s, const helios_value_t *v, uint32_t format,
                          uint8_t *buf, uint32_t cap, uint32_t *len);

/* PostgreSQL's binary array: ndim, has-null flag, element oid, (size, lower bound), then each
   element as length + binary value (-1 for NULL); elements come from the array's text form */
static int32_t array_send(helios_session_t *s, const helios_value_t *v, sbuf_t *b)
{
    uint32_t et = type_elem_of(v->type_oid);
    const char *t = v->p;
    uint32_t n = v->len, i = 1, count = 0;
    int has_null = 0;
    sbuf_t body = {0};
    arena_t a = {0};
    int32_t rc = 0;
    if (n < 2 || t[0] != '{') return HELIOS_ERR_INVALID_TEXT_REPRESENTATION;
    while (i < n - 1 && rc == 0) {
        sbuf_t el = {0};
        sb_putn(&el, "", 0);
        int quoted = t[i] == '"';
        if (quoted) {
            i++;
            while (i < n - 1 && t[i] != '"') {
                if (t[i] == '\\' && i + 1 < n) i++;
                sb_putc(&el, t[i++]);
            }
            i++;
        } else {
            while (i < n - 1 && t[i] != ',') sb_putc(&el, t[i++]);
        }
        if (i < n - 1 && t[i] == ',') i++;
        count++;
        if (!quoted && strcmp(el.d, "NULL") == 0) {
            has_null = 1;
            be32(&body, 0xFFFFFFFFu);
        } else {
            val_t x;
            rc = val_from_text(&a, et, -1, el.d, el.len, &x, NULL);
            if (rc == 0) {
                helios_value_t hv;
                val_to_helios(&a, &x, &hv);
                uint8_t small[64];
                uint32_t l = 0;
                rc = value_encode_impl(s, &hv, HELIOS_FORMAT_BINARY, small, sizeof small, &l);
                if (rc == HELIOS_AGAIN) {
                    uint8_t *big = malloc(l);
                    rc = big == NULL ? HELIOS_ERR_OUT_OF_MEMORY
                                     : value_encode_impl(s, &hv, HELIOS_FORMAT_BINARY, big, l, &l);
                    if (rc == 0) {
                        be32(&body, l);
                        sb_putn(&body, (const char *)big, l);
                    }
                    free(big);
                } else if (rc == 0) {
                    be32(&body, l);
                    sb_putn(&body, (const char *)small, l);
                }
            }
        }
        sb_free(&el);
    }
    if (rc == 0) {
        be32(b, count > 0 ? 1 : 0);
        be32(b, (uint32_t)has_null);
        be32(b, et);
        if (count > 0) {
            be32(b, count);
            be32(b, 1);
            sb_putn(b, body.d, body.len);
        }
    }
    sb_free(&body);
    ar_free(&a);
    return rc;
}

int32_t value_encode_impl(helios_session_t *s, const helios_value_t *v, uint32_t format,
                          uint8_t *buf, uint32_t cap, uint32_t *len)
{
    tz_set_current(s != NULL ? s->tz : NULL); /* timestamptz text in the session zone */
    sbuf_t b = {0};
    int32_t rc = 0;
    val_t x;
    from_helios(v, &x);
    sb_putn(&b, "", 0);
    if (v->is_null) {
        *len = 0;
        sb_free(&b);
        return 0;
    }
    if (format == HELIOS_FORMAT_TEXT) {
        if (v->type_oid == HELIOS_OID_NUMERIC) sb_putn(&b, v->p, v->len);
        else val_to_text(&x, &b);
    } else {
        switch (v->type_oid) {
        case HELIOS_OID_BOOL: sb_putc(&b, (char)(v->i != 0)); break;
        case HELIOS_OID_INT2: be16(&b, (uint16_t)v->i); break;
        case HELIOS_OID_INT4: case HELIOS_OID_OID: case HELIOS_OID_DATE: be32(&b, (uint32_t)v->i); break;
        case HELIOS_OID_INT8: case HELIOS_OID_TIME: case HELIOS_OID_TIMESTAMP:
        case HELIOS_OID_TIMESTAMPTZ:
            be64(&b, (uint64_t)v->i);
            break;
        case HELIOS_OID_FLOAT4: {
            float f = (float)v->f;
            uint32_t u;
            memcpy(&u, &f, 4);
            be32(&b, u);
            break;
        }
        case HELIOS_OID_FLOAT8: {
            uint64_t u;
            memcpy(&u, &v->f, 8);
            be64(&b, u);
            break;
        }
        case HELIOS_OID_INTERVAL: {
            helios_interval_t iv;
            memcpy(&iv, v->p, sizeof iv);
            be64(&b, (uint64_t)iv.us);
            be32(&b, (uint32_t)iv.days);
            be32(&b, (uint32_t)iv.months);
            break;
        }
        case HELIOS_OID_NUMERIC:
            numeric_send(v->p, v->len, &b);
            break;
        case HELIOS_OID_JSONB:
            sb_putc(&b, 1);
            sb_putn(&b, v->p, v->len);
            break;
        default:
            if (type_elem_of(v->type_oid) != 0 && v->type_oid != 22u && v->type_oid != 30u) {
                rc = array_send(s, v, &b);
                break;
            }
            sb_putn(&b, v->p, v->len); /* text, varchar, bpchar, name, bytea, uuid, json */
            break;
        }
    }
    if (rc == 0) {
        *len = (uint32_t)b.len;
        if (b.len > cap) rc = HELIOS_AGAIN;
        else if (b.len > 0) memcpy(buf, b.d, b.len);
    }
    sb_free(&b);
    (void)s;
    return rc;
}
