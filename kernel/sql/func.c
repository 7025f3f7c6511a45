/* kernel/sql/func.c -- the built-in scalar function library. */
#include <ctype.h>
#include <math.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "sql/func.h"
#include "sql/sqlint.h"
#include "sql/tz.h"
#include "txn/sqltxn.h"

#define RT_ARG0 0u
#define RT_FLOATARG 1u  /* float8 for floats, else numeric (sqrt, exp...) */
#define RT_ARG0TEXT 2u  /* text */

static int32_t set_text(exec_ctx_t *cx, val_t *o, const char *s, size_t n)
{
    o->t = o->t == 0 ? HELIOS_OID_TEXT : o->t;
    o->s = ar_strndup(cx->ar, s, n);
    o->len = (uint32_t)n;
    return 0;
}

static const char *txt(exec_ctx_t *cx, val_t *v, uint32_t *n)
{
    return val_text(cx->ar, v, n);
}

static double dbl(const val_t *v)
{
    if (v->t == HELIOS_OID_FLOAT4 || v->t == HELIOS_OID_FLOAT8) return v->f;
    if (v->t == HELIOS_OID_NUMERIC) return num_val_double(v);
    return (double)v->i;
}

int32_t fn_set_text(exec_ctx_t *cx, val_t *o, const char *s, size_t n)
{
    return set_text(cx, o, s, n);
}

const char *fn_txt(exec_ctx_t *cx, val_t *v, uint32_t *n)
{
    return txt(cx, v, n);
}

static int32_t ret_double(exec_ctx_t *cx, val_t *o, double d)
{
    if (o->t == HELIOS_OID_NUMERIC) {
        if (isnan(d) || isinf(d)) {
            return sql_err(cx->err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE, "value out of range");
        }
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.16f", d);
        num_from_str(tmp, strlen(tmp), &o->n, &o->scale);
        /* trim to 16 significant fraction digits like PostgreSQL's numeric results */
        return 0;
    }
    o->f = d;
    return 0;
}

static int32_t f_abs(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    *o = a[0];
    if (val_is_int(a[0].t)) {
        if (a[0].i == INT64_MIN || (a[0].t == 23 && a[0].i == INT32_MIN) ||
            (a[0].t == 21 && a[0].i == INT16_MIN)) {
            return sql_err(cx->err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE, "%s out of range",
                           a[0].t == 23 ? "integer" : a[0].t == 21 ? "smallint" : "bigint");
        }
        o->i = a[0].i < 0 ? -a[0].i : a[0].i;
    } else if (a[0].t == HELIOS_OID_NUMERIC) {
        return num_abs(cx->ar, &a[0], o);
    } else {
        o->f = fabs(a[0].f);
    }
    return 0;
}

static int32_t f_sign(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    if (o->t == HELIOS_OID_NUMERIC) return num_sign(&a[0], o);
    double d = dbl(&a[0]);
    int s = d > 0 ? 1 : d < 0 ? -1 : 0;
    if (o->t == HELIOS_OID_NUMERIC) {
        o->n = s;
        o->scale = 0;
    } else if (val_is_int(o->t)) {
        o->i = s;
    } else {
        o->f = s;
    }
    return 0;
}

static int32_t f_round(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    int64_t places = e->n_args > 1 ? a[1].i : 0;
    int trunc_ = strcmp(e->fn->name, "trunc") == 0;
    if (a[0].t == HELIOS_OID_NUMERIC || val_is_int(a[0].t)) {
        return num_round(cx->ar, &a[0], places, trunc_, o, cx->err);
    }
    double d = a[0].f;
    o->f = trunc_ ? trunc(d) : rint(d);
    return 0;
}

static int32_t f_ceilfloor(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    int ceil_ = e->fn->name[0] == 'c';
    if (a[0].t == HELIOS_OID_NUMERIC) {
        return num_ceil_floor(cx->ar, &a[0], ceil_, o, cx->err);
    }
    if (val_is_int(a[0].t)) {
        o->t = HELIOS_OID_FLOAT8;
        o->f = (double)a[0].i;
        return 0;
    }
    o->f = ceil_ ? ceil(a[0].f) : floor(a[0].f);
    return 0;
}

static int32_t f_math(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    const char *n = e->fn->name;
    if (o->t == HELIOS_OID_NUMERIC) {
        return num_math(cx->ar, n, &a[0], e->n_args > 1 ? &a[1] : NULL, o, cx->err);
    }
    double x = dbl(&a[0]), r;
    if (strcmp(n, "sqrt") == 0) {
        if (x < 0) {
            return sql_err(cx->err, HELIOS_ERR_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                           "cannot take square root of a negative number");
        }
        r = sqrt(x);
    } else if (strcmp(n, "cbrt") == 0) {
        r = cbrt(x);
    } else if (strcmp(n, "exp") == 0) {
        r = exp(x);
    } else if (strcmp(n, "ln") == 0 || (strcmp(n, "log") == 0 && e->n_args == 1) ||
               strcmp(n, "log10") == 0) {
        if (x == 0) {
            return sql_err(cx->err, HELIOS_ERR_INVALID_ARGUMENT_FOR_LOGARITHM,
                           "cannot take logarithm of zero");
        }
        if (x < 0) {
            return sql_err(cx->err, HELIOS_ERR_INVALID_ARGUMENT_FOR_LOGARITHM,
                           "cannot take logarithm of a negative number");
        }
        r = n[1] == 'n' ? log(x) : log10(x);
    } else if (strcmp(n, "log") == 0) {
        double y = dbl(&a[1]);
        if (x <= 0 || y <= 0) {
            return sql_err(cx->err, HELIOS_ERR_INVALID_ARGUMENT_FOR_LOGARITHM,
                           "cannot take logarithm of zero");
        }
        r = log(y) / log(x);
    } else if (strcmp(n, "power") == 0 || strcmp(n, "pow") == 0) {
        return eval_op(cx, OP_POW, o->t, &a[0], &a[1], o);
    } else if (strcmp(n, "sin") == 0) r = sin(x);
    else if (strcmp(n, "cos") == 0) r = cos(x);
    else if (strcmp(n, "tan") == 0) r = tan(x);
    else if (strcmp(n, "asin") == 0) r = asin(x);
    else if (strcmp(n, "acos") == 0) r = acos(x);
    else if (strcmp(n, "atan") == 0) r = atan(x);
    else if (strcmp(n, "atan2") == 0) r = atan2(x, dbl(&a[1]));
    else if (strcmp(n, "degrees") == 0) r = x * 180.0 / M_PI;
    else if (strcmp(n, "radians") == 0) r = x * M_PI / 180.0;
    else r = NAN;
    return ret_double(cx, o, r);
}

/* div(numeric, numeric): the truncated quotient (types_num.c) */
static int32_t f_numdiv(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    val_t x[2];
    for (int i = 0; i < 2; i++) {
        int32_t rc = val_cast(cx->ar, &a[i], HELIOS_OID_NUMERIC, -1, &x[i], 0, cx->err);
        if (rc != 0) return rc;
    }
    return num_math(cx->ar, "div", &x[0], &x[1], o, cx->err);
}

static int32_t f_mod(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    return eval_op(cx, OP_MOD, o->t, &a[0], &a[1], o);
}

static int32_t f_pi(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    o->f = M_PI;
    return 0;
}

static int32_t f_random(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint64_t r;
    RAND_bytes((unsigned char *)&r, sizeof r);
    o->f = (double)(r >> 11) / 9007199254740992.0;
    return 0;
}

/* ---- strings (character counts are UTF-8 aware) ---- */
static uint32_t u8len(const char *s, uint32_t n)
{
    uint32_t c = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (((uint8_t)s[i] & 0xC0) != 0x80) c++;
    }
    return c;
}

static uint32_t u8off(const char *s, uint32_t n, int64_t ch)
{
    uint32_t i = 0;
    int64_t c = 0;
    while (i < n) {
        if (((uint8_t)s[i] & 0xC0) != 0x80) {
            if (c == ch) return i;
            c++;
        }
        i++;
    }
    return n;
}

static int32_t f_length(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint32_t n;
    const char *s = txt(cx, &a[0], &n);
    if (a[0].t == HELIOS_OID_BPCHAR) {
        while (n > 0 && s[n - 1] == ' ') n--;
    }
    o->i = strcmp(e->fn->name, "octet_length") == 0 || a[0].t == HELIOS_OID_BYTEA ? n : u8len(s, n);
    return 0;
}

static int32_t f_case(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint32_t n;
    const char *s = txt(cx, &a[0], &n);
    char *p = ar_strndup(cx->ar, s, n);
    int up = e->fn->name[0] == 'u';
    int init = e->fn->name[0] == 'i';
    int start = 1;
    for (uint32_t i = 0; i < n; i++) {
        if (init) {
            p[i] = (char)(start ? toupper((unsigned char)p[i]) : tolower((unsigned char)p[i]));
            start = !isalnum((unsigned char)p[i]);
        } else {
            p[i] = (char)(up ? toupper((unsigned char)p[i]) : tolower((unsigned char)p[i]));
        }
    }
    o->s = p;
    o->len = n;
    return 0;
}

static int32_t f_substr(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint32_t n;
    const char *s = txt(cx, &a[0], &n);
    int64_t start = a[1].i, len = e->n_args > 2 ? a[2].i : INT64_MAX / 4;
    if (e->n_args > 2 && len < 0) {
        return sql_err(cx->err, HELIOS_ERR_SUBSTRING_ERROR, "negative substring length not allowed");
    }
    int64_t from = start - 1, to = from + len;
    if (from < 0) from = 0;
    if (to < from) to = from;
    uint32_t b0 = u8off(s, n, from), b1 = to >= INT64_MAX / 8 ? n : u8off(s, n, to);
    if (b1 < b0) b1 = b0;
    return set_text(cx, o, s + b0, b1 - b0);
}

static int32_t f_trim(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint32_t n, cn = 1;
    const char *s = txt(cx, &a[0], &n);
    const char *chars = " ";
    if (e->n_args > 1) chars = txt(cx, &a[1], &cn);
    const char *name = e->fn->name;
    int l = name[0] == 'l' || name[0] == 'b' || name[0] == 't';
    int r = name[0] == 'r' || name[0] == 'b' || name[0] == 't';
    uint32_t i = 0, j = n;
    while (l && i < j && memchr(chars, s[i], cn) != NULL) i++;
    while (r && j > i && memchr(chars, s[j - 1], cn) != NULL) j--;
    return set_text(cx, o, s + i, j - i);
}

static int32_t f_replace(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint32_t n, fn, tn;
    const char *s = txt(cx, &a[0], &n), *f = txt(cx, &a[1], &fn), *t = txt(cx, &a[2], &tn);
    if (fn == 0) return set_text(cx, o, s, n);
    sbuf_t sb = {0};
    sb_putn(&sb, "", 0);
    for (uint32_t i = 0; i < n;) {
        if (i + fn <= n && memcmp(s + i, f, fn) == 0) {
            sb_putn(&sb, t, tn);
            i += fn;
        } else {
            sb_putc(&sb, s[i++]);
        }
    }
    set_text(cx, o, sb.d, sb.len);
    sb_free(&sb);
    return 0;
}

static int32_t f_concat(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    sbuf_t sb = {0};
    sb_putn(&sb, "", 0);
    int ws = strcmp(e->fn->name, "concat_ws") == 0;
    uint32_t sepn = 0;
    const char *sep = NULL;
    if (ws) {
        if (a[0].null) {
            o->null = 1;
            sb_free(&sb);
            return 0;
        }
        sep = txt(cx, &a[0], &sepn);
    }
    int first = 1;
    for (uint32_t i = ws ? 1 : 0; i < e->n_args && i < 16; i++) {
        if (a[i].null) continue;
        if (ws && !first) sb_putn(&sb, sep, sepn);
        uint32_t n;
        const char *s = txt(cx, &a[i], &n);
        sb_putn(&sb, s, n);
        first = 0;
    }
    set_text(cx, o, sb.d, sb.len);
    sb_free(&sb);
    return 0;
}

static int32_t f_strpos(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint32_t n, pn;
    const char *s = txt(cx, &a[0], &n), *p = txt(cx, &a[1], &pn);
    o->i = 0;
    if (pn == 0) {
        o->i = 1;
        return 0;
    }
    for (uint32_t i = 0; i + pn <= n; i++) {
        if (memcmp(s + i, p, pn) == 0) {
            o->i = u8len(s, i) + 1;
            break;
        }
    }
    return 0;
}

static int32_t f_leftright(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint32_t n;
    const char *s = txt(cx, &a[0], &n);
    int64_t k = a[1].i, len = u8len(s, n);
    int left = e->fn->name[0] == 'l';
    if (k < 0) k = len + k < 0 ? 0 : len + k;
    if (k > len) k = len;
    if (left) return set_text(cx, o, s, u8off(s, n, k));
    uint32_t b = u8off(s, n, len - k);
    return set_text(cx, o, s + b, n - b);
}

static int32_t f_repeat(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint32_t n;
    const char *s = txt(cx, &a[0], &n);
    int64_t k = a[1].i < 0 ? 0 : a[1].i;
    if ((uint64_t)k * n > (1u << 28)) {
        return sql_err(cx->err, HELIOS_ERR_PROGRAM_LIMIT_EXCEEDED, "requested length too large");
    }
    char *p = ar_alloc(cx->ar, (size_t)k * n + 1);
    for (int64_t i = 0; i < k; i++) memcpy(p + i * n, s, n);
    p[k * n] = '\0';
    o->s = p;
    o->len = (uint32_t)(k * n);
    return 0;
}

static int32_t f_reverse(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint32_t n;
    const char *s = txt(cx, &a[0], &n);
    char *p = ar_alloc(cx->ar, n + 1);
    for (uint32_t i = 0; i < n; i++) p[i] = s[n - 1 - i];
    p[n] = '\0';
    o->s = p;
    o->len = n;
    return 0;
}

static int32_t f_pad(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint32_t n, fn = 1;
    const char *s = txt(cx, &a[0], &n);
    const char *fill = " ";
    if (e->n_args > 2) fill = txt(cx, &a[2], &fn);
    int64_t want = a[1].i < 0 ? 0 : a[1].i, len = u8len(s, n);
    if (want > (1 << 24)) want = 1 << 24;
    if (len >= want || fn == 0) return set_text(cx, o, s, u8off(s, n, want));
    sbuf_t sb = {0};
    int left = e->fn->name[0] == 'l';
    if (!left) sb_putn(&sb, s, n);
    for (int64_t i = 0; i < want - len; i++) sb_putc(&sb, fill[i % fn]);
    if (left) sb_putn(&sb, s, n);
    set_text(cx, o, sb.d, sb.len);
    sb_free(&sb);
    return 0;
}

static int32_t f_md5(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint32_t n;
    const char *s = txt(cx, &a[0], &n);
    unsigned char dg[16];
    unsigned int dl = 16;
    EVP_Digest(s, n, dg, &dl, EVP_md5(), NULL);
    char hex[33];
    for (int i = 0; i < 16; i++) snprintf(hex + i * 2, 3, "%02x", dg[i]);
    return set_text(cx, o, hex, 32);
}

static int32_t f_split_part(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint32_t n, dn;
    const char *s = txt(cx, &a[0], &n), *d = txt(cx, &a[1], &dn);
    int64_t k = a[2].i;
    if (k <= 0) {
        return sql_err(cx->err, HELIOS_ERR_INVALID_PARAMETER_VALUE, "field position must not be zero");
    }
    uint32_t st = 0;
    int64_t f = 1;
    for (uint32_t i = 0; dn > 0 && i + dn <= n;) {
        if (memcmp(s + i, d, dn) == 0) {
            if (f == k) return set_text(cx, o, s + st, i - st);
            f++;
            i += dn;
            st = i;
        } else {
            i++;
        }
    }
    if (f == k) return set_text(cx, o, s + st, n - st);
    return set_text(cx, o, "", 0);
}

static int32_t f_chr(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    char b[4];
    int64_t c = a[0].i;
    if (c <= 0 || c > 0x10FFFF) {
        return sql_err(cx->err, HELIOS_ERR_PROGRAM_LIMIT_EXCEEDED, "requested character too large for encoding: %lld", (long long)c);
    }
    int n;
    if (c < 0x80) { b[0] = (char)c; n = 1; }
    else if (c < 0x800) { b[0] = (char)(0xC0 | (c >> 6)); b[1] = (char)(0x80 | (c & 63)); n = 2; }
    else if (c < 0x10000) { b[0] = (char)(0xE0 | (c >> 12)); b[1] = (char)(0x80 | ((c >> 6) & 63)); b[2] = (char)(0x80 | (c & 63)); n = 3; }
    else { b[0] = (char)(0xF0 | (c >> 18)); b[1] = (char)(0x80 | ((c >> 12) & 63)); b[2] = (char)(0x80 | ((c >> 6) & 63)); b[3] = (char)(0x80 | (c & 63)); n = 4; }
    return set_text(cx, o, b, (size_t)n);
}

static int32_t f_ascii(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint32_t n;
    const char *s = txt(cx, &a[0], &n);
    o->i = n > 0 ? (uint8_t)s[0] : 0;
    return 0;
}

static int32_t f_to_hex(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    char b[32];
    int n = snprintf(b, sizeof b, "%llx", (unsigned long long)(a[0].t == 23 ? (uint32_t)a[0].i : (uint64_t)a[0].i));
    return set_text(cx, o, b, (size_t)n);
}

/* ---- date/time ---- */
static int32_t f_now(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    const char *n = e->fn->name;
    int64_t now = cx->now_us;
    /* the date, time of day and local timestamp are the session time zone's */
    int64_t local = dt_tstz_to_local(now);
    int64_t ld = local / 86400000000LL - (local % 86400000000LL < 0);
    if (strcmp(n, "current_date") == 0) o->i = ld;
    else if (strcmp(n, "current_time") == 0 || strcmp(n, "localtime") == 0) o->i = local - ld * 86400000000LL;
    else if (strcmp(n, "localtimestamp") == 0) o->i = local;
    else if (strcmp(n, "clock_timestamp") == 0) o->i = dt_now_us();
    else o->i = now;
    return 0;
}

static int64_t field_of(int64_t us, int is_date, const char *f, double *out)
{
    int64_t days = is_date ? us : us / 86400000000LL, t = is_date ? 0 : us % 86400000000LL;
    if (t < 0) {
        t += 86400000000LL;
        days--;
    }
    int y, m, d;
    dt_j2date(days, &y, &m, &d);
    if (strcmp(f, "year") == 0) *out = y;
    else if (strcmp(f, "month") == 0) *out = m;
    else if (strcmp(f, "day") == 0) *out = d;
    else if (strcmp(f, "hour") == 0) *out = (double)(t / 3600000000LL);
    else if (strcmp(f, "minute") == 0) *out = (double)(t / 60000000 % 60);
    else if (strcmp(f, "second") == 0) *out = (double)(t % 60000000) / 1e6;
    else if (strcmp(f, "milliseconds") == 0) *out = (double)(t % 60000000) / 1e3;
    else if (strcmp(f, "microseconds") == 0) *out = (double)(t % 60000000);
    else if (strcmp(f, "dow") == 0) *out = (double)(((days + 6) % 7 + 7) % 7);
    else if (strcmp(f, "isodow") == 0) { int w = (int)(((days + 6) % 7 + 7) % 7); *out = w == 0 ? 7 : w; }
    else if (strcmp(f, "doy") == 0) *out = (double)(days - dt_date2j(y, 1, 1) + 1);
    else if (strcmp(f, "quarter") == 0) *out = (m - 1) / 3 + 1;
    else if (strcmp(f, "decade") == 0) *out = y / 10;
    else if (strcmp(f, "century") == 0) *out = y > 0 ? (y + 99) / 100 : -((99 - (y - 1)) / 100);
    else if (strcmp(f, "epoch") == 0) *out = (double)(days * 86400000000LL + t) / 1e6 + 946684800.0;
    else if (strcmp(f, "week") == 0) {
        /* ISO week */
        int64_t jan4 = dt_date2j(y, 1, 4);
        int64_t wk1 = jan4 - ((jan4 + 6) % 7 + 7) % 7 + 0;
        int64_t wd = ((jan4 % 7) + 7 + 6) % 7;
        wk1 = jan4 - ((wd + 7) % 7);
        (void)wk1;
        int64_t mon = days - (((days + 6) % 7 + 7) % 7 + 6) % 7;
        int64_t jan4mon = jan4 - (((jan4 + 6) % 7 + 7) % 7 + 6) % 7;
        *out = (double)((mon - jan4mon) / 7 + 1);
        if (*out < 1) *out = 52;
    } else return -1;
    return 0;
}

static int32_t f_date_part(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint32_t n;
    const char *f0 = txt(cx, &a[0], &n);
    char f[32];
    uint32_t k;
    for (k = 0; k < n && k < 31; k++) f[k] = (char)tolower((unsigned char)f0[k]);
    f[k] = '\0';
    if (strcmp(f, "years") == 0) strcpy(f, "year");
    if (strcmp(f, "days") == 0) strcpy(f, "day");
    double r;
    if (a[1].t == HELIOS_OID_INTERVAL) {
        const helios_interval_t *iv = (const helios_interval_t *)a[1].s;
        if (strcmp(f, "epoch") == 0) r = iv->us / 1e6 + iv->days * 86400.0 + iv->months * 30.0 * 86400;
        else if (strcmp(f, "year") == 0) r = iv->months / 12;
        else if (strcmp(f, "month") == 0) r = iv->months % 12;
        else if (strcmp(f, "day") == 0) r = iv->days;
        else if (strcmp(f, "hour") == 0) r = (double)(iv->us / 3600000000LL);
        else if (strcmp(f, "minute") == 0) r = (double)(iv->us / 60000000 % 60);
        else if (strcmp(f, "second") == 0) r = (double)(iv->us % 60000000) / 1e6;
        else goto bad;
    } else if (a[1].t == HELIOS_OID_TIME) {
        if (field_of(a[1].i, 0, f, &r) != 0) goto bad;
    } else if (a[1].t == HELIOS_OID_TIMESTAMPTZ) {
        /* fields of the wall time in the session zone; the epoch and the zone's offset
           (seconds east) are not local */
        int32_t off = dt_tstz_offset(tz_current(), a[1].i);
        if (strcmp(f, "timezone") == 0) r = off;
        else if (strcmp(f, "timezone_hour") == 0) r = off / 3600;
        else if (strcmp(f, "timezone_minute") == 0) r = off / 60 % 60;
        else if (strcmp(f, "epoch") == 0) field_of(a[1].i, 0, f, &r);
        else if (field_of(a[1].i + (int64_t)off * 1000000, 0, f, &r) != 0) goto bad;
    } else if (field_of(a[1].i, a[1].t == HELIOS_OID_DATE, f, &r) != 0) {
        goto bad;
    }
    if (o->t == HELIOS_OID_NUMERIC) {
        char tmp[64];
        if (strcmp(f, "second") == 0 || strcmp(f, "epoch") == 0) snprintf(tmp, sizeof tmp, "%.6f", r);
        else snprintf(tmp, sizeof tmp, "%.0f", r);
        num_from_str(tmp, strlen(tmp), &o->n, &o->scale);
        return 0;
    }
    o->f = r;
    return 0;
bad:
    return sql_err(cx->err, HELIOS_ERR_FEATURE_NOT_SUPPORTED, "unit \"%s\" not supported", f);
}

static int32_t f_date_trunc(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint32_t n;
    const char *f = txt(cx, &a[0], &n);
    int64_t us = a[1].t == HELIOS_OID_DATE ? a[1].i * 86400000000LL : a[1].i;
    /* timestamptz: truncate the wall time in the session zone (or the third argument's) */
    const helios_tz_t *zone = tz_current();
    if (e->n_args == 3 && a[1].t == HELIOS_OID_TIMESTAMPTZ) {
        uint32_t zn;
        const char *zs = txt(cx, &a[2], &zn);
        if (dt_zone_arg(zs, zn, &zone) != 0) {
            return sql_err(cx->err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                           "time zone \"%.*s\" not recognized", (int)zn, zs);
        }
    }
    int32_t off = a[1].t == HELIOS_OID_TIMESTAMPTZ ? dt_tstz_offset(zone, us) : 0;
    us += (int64_t)off * 1000000;
    int64_t days = us / 86400000000LL, t = us % 86400000000LL;
    if (t < 0) { t += 86400000000LL; days--; }
    int y, m, d;
    dt_j2date(days, &y, &m, &d);
    if (strncasecmp(f, "year", n) == 0) { m = 1; d = 1; t = 0; }
    else if (strncasecmp(f, "quarter", n) == 0) { m = (m - 1) / 3 * 3 + 1; d = 1; t = 0; }
    else if (strncasecmp(f, "month", n) == 0) { d = 1; t = 0; }
    else if (strncasecmp(f, "week", n) == 0) { days -= ((days + 6) % 7 + 7 + 6) % 7; dt_j2date(days, &y, &m, &d); t = 0; }
    else if (strncasecmp(f, "day", n) == 0) t = 0;
    else if (strncasecmp(f, "hour", n) == 0) t -= t % 3600000000LL;
    else if (strncasecmp(f, "minute", n) == 0) t -= t % 60000000LL;
    else if (strncasecmp(f, "second", n) == 0) t -= t % 1000000LL;
    else return sql_err(cx->err, HELIOS_ERR_FEATURE_NOT_SUPPORTED, "unit \"%.*s\" not recognized", (int)n, f);
    o->i = dt_date2j(y, m, d) * 86400000000LL + t;
    if (a[1].t == HELIOS_OID_TIMESTAMPTZ) {
        /* PostgreSQL redetermines the offset for units of a day or more, and keeps the
           original one for hour and below (an ambiguous hour stays the one it was) */
        int keep = strncasecmp(f, "hour", n) == 0 || strncasecmp(f, "minute", n) == 0 ||
                   strncasecmp(f, "second", n) == 0;
        if (!keep) o->i = dt_zone_from_local(zone, o->i);
        else o->i -= (int64_t)off * 1000000;
    }
    return 0;
}

/* timezone(zone, ts): AT TIME ZONE. timestamptz -> the wall time in zone (timestamp);
   timestamp -> the instant of that wall time in zone (timestamptz). The zone is text (an
   abbreviation, a zone name or a POSIX string) or an interval (east of UTC). */
static int32_t f_timezone(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    const helios_tz_t *zone;
    if (a[0].t == HELIOS_OID_INTERVAL) {
        const helios_interval_t *iv = (const helios_interval_t *)a[0].s;
        if (iv->months != 0 || iv->days != 0) {
            sbuf_t sb = {0};
            dt_format_interval(iv->us, iv->days, iv->months, &sb);
            int32_t rc = sql_err(cx->err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                 "interval time zone \"%s\" must not include months or days",
                                 sb.d != NULL ? sb.d : "");
            sb_free(&sb);
            return rc;
        }
        zone = tz_fixed((int32_t)(iv->us / 1000000));
        if (zone == NULL) {
            return sql_err(cx->err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                           "interval time zone must be less than a day");
        }
    } else {
        uint32_t zn;
        const char *zs = txt(cx, &a[0], &zn);
        if (dt_zone_arg(zs, zn, &zone) != 0) {
            return sql_err(cx->err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                           "time zone \"%.*s\" not recognized", (int)zn, zs);
        }
    }
    int64_t ts = a[1].i;
    uint32_t from = a[1].t;
    if (from != HELIOS_OID_TIMESTAMP && from != HELIOS_OID_TIMESTAMPTZ &&
        from != HELIOS_OID_DATE) {
        /* an unknown literal: timestamptz, as PostgreSQL resolves it */
        uint32_t n;
        const char *s = txt(cx, &a[1], &n);
        val_t v;
        int32_t rc = val_from_text(cx->ar, HELIOS_OID_TIMESTAMPTZ, -1, s, n, &v, cx->err);
        if (rc != 0) return rc;
        ts = v.i;
        from = HELIOS_OID_TIMESTAMPTZ;
    }
    if (from == HELIOS_OID_DATE) {
        ts = dt_local_to_tstz(ts * 86400000000LL);
        from = HELIOS_OID_TIMESTAMPTZ;
    }
    o->t = from == HELIOS_OID_TIMESTAMPTZ ? HELIOS_OID_TIMESTAMP : HELIOS_OID_TIMESTAMPTZ;
    o->i = from == HELIOS_OID_TIMESTAMPTZ ? dt_zone_to_local(zone, ts)
                                          : dt_zone_from_local(zone, ts);
    return 0;
}

/* to_timestamp(epoch seconds): the instant, rounded to microseconds (PostgreSQL's
   float8_timestamptz; no infinite timestamps here, so +-Infinity is out of range) */
static int32_t f_to_timestamp(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    double sec = dbl(&a[0]);
    if (isnan(sec)) {
        return sql_err(cx->err, HELIOS_ERR_DATETIME_FIELD_OVERFLOW, "timestamp cannot be NaN");
    }
    /* 4714-11-24 BC .. 294277-01-01, as PostgreSQL */
    if (!(sec >= -210866803200.0 && sec < 9224318016000.0)) {
        return sql_err(cx->err, HELIOS_ERR_DATETIME_FIELD_OVERFLOW,
                       "timestamp out of range: \"%g\"", sec);
    }
    o->i = (int64_t)rint((sec - 946684800.0) * 1e6);
    return 0;
}

/* make_timestamptz(y, m, d, h, mi, s [, zone]): that wall time in the zone (default: the
   session's); negative years are BC, 24:00:00 is the next midnight, as PostgreSQL */
static int32_t f_make_timestamptz(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    int64_t y = a[0].i, m = a[1].i, d = a[2].i, h = a[3].i, mi = a[4].i;
    double sec = dbl(&a[5]);
    int64_t yy = y < 0 ? y + 1 : y;
    int ry, rm, rd;
    if (y != 0 && y > -5000000 && y < 5000000 && m >= 1 && m <= 12 && d >= 1 && d <= 31) {
        dt_j2date(dt_date2j((int)yy, (int)m, (int)d), &ry, &rm, &rd);
    } else {
        ry = rm = rd = -1;
    }
    if (ry != yy || rm != m || rd != d) {
        return sql_err(cx->err, HELIOS_ERR_DATETIME_FIELD_OVERFLOW,
                       "date field value out of range: %lld-%02lld-%02lld", (long long)y,
                       (long long)m, (long long)d);
    }
    if (h < 0 || mi < 0 || mi > 59 || !(sec >= 0 && sec <= 60) || h > 24 ||
        (h == 24 && (mi > 0 || sec > 0))) {
        return sql_err(cx->err, HELIOS_ERR_DATETIME_FIELD_OVERFLOW,
                       "time field value out of range: %lld:%02lld:%02g", (long long)h,
                       (long long)mi, sec);
    }
    int64_t local = dt_date2j((int)yy, (int)m, (int)d) * 86400000000LL +
                    (h * 3600 + mi * 60) * 1000000LL + (int64_t)rint(sec * 1e6);
    const helios_tz_t *zone = tz_current();
    if (e->n_args == 7) {
        uint32_t zn;
        const char *zs = txt(cx, &a[6], &zn);
        if (dt_zone_arg_iso(zs, zn, &zone) != 0) {
            return sql_err(cx->err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                           "time zone \"%.*s\" not recognized", (int)zn, zs);
        }
    }
    o->i = dt_zone_from_local(zone, local);
    return 0;
}

static int32_t f_age(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    val_t b = a[1];
    if (e->n_args == 1) {
        b.t = HELIOS_OID_TIMESTAMP;
        b.i = cx->now_us - cx->now_us % 86400000000LL;
        return eval_op(cx, OP_SUB, HELIOS_OID_INTERVAL, &b, &a[0], o);
    }
    return eval_op(cx, OP_SUB, HELIOS_OID_INTERVAL, &a[0], &b, o);
}

/* ---- sequences and session ---- */
static int32_t seq_lookup(exec_ctx_t *cx, val_t *name, table_t **out)
{
    if (val_is_int(name->t)) {
        /* nextval('s'::regclass): the sequence by oid */
        for (uint32_t i = 0; i < cx->eng->cat.n_tables; i++) {
            table_t *t = cx->eng->cat.tables[i];
            if (t->oid == (uint32_t)name->i && t->kind == REL_SEQUENCE) {
                *out = t;
                return 0;
            }
        }
        return sql_err(cx->err, HELIOS_ERR_UNDEFINED_TABLE, "could not open relation with OID %lld",
                       (long long)name->i);
    }
    uint32_t n;
    const char *s = txt(cx, name, &n);
    char buf[256];
    snprintf(buf, sizeof buf, "%.*s", (int)n, s);
    char *dot = strchr(buf, '.');
    const char *sch = NULL, *nm = buf;
    if (dot != NULL) {
        *dot = '\0';
        sch = buf;
        nm = dot + 1;
    }
    char low[256];
    size_t i;
    for (i = 0; nm[i] && i < 255; i++) low[i] = (char)tolower((unsigned char)nm[i]);
    low[i] = '\0';
    if (nm[0] == '"') {
        snprintf(low, sizeof low, "%s", nm + 1);
        size_t l = strlen(low);
        if (l > 0 && low[l - 1] == '"') low[l - 1] = '\0';
    }
    table_t *t = cat_find_table(cx->eng, sch, low);
    if (t == NULL || t->kind != REL_SEQUENCE) {
        return sql_err(cx->err, HELIOS_ERR_UNDEFINED_TABLE, "relation \"%s\" does not exist", low);
    }
    *out = t;
    return 0;
}

static int32_t f_nextval(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    table_t *t;
    int32_t rc = seq_lookup(cx, &a[0], &t);
    if (rc != 0) return rc;
    const char *n = e->fn->name;
    if (strcmp(n, "nextval") == 0) {
        rc = seq_nextval(cx->eng, t, &o->i, cx->err);
        if (rc == 0) cx->s->last_insert_id = (uint64_t)o->i;
        return rc;
    }
    if (strcmp(n, "currval") == 0) {
        pthread_mutex_lock(&t->mu);
        int called = t->seq_called;
        o->i = t->seq_next - t->seq_inc;
        pthread_mutex_unlock(&t->mu);
        if (!called) {
            return sql_err(cx->err, HELIOS_ERR_OBJECT_NOT_IN_PREREQUISITE_STATE,
                           "currval of sequence \"%s\" is not yet defined in this session", t->name);
        }
        return 0;
    }
    /* setval */
    pthread_mutex_lock(&t->mu);
    int is_called = e->n_args > 2 ? (int)a[2].i : 1;
    t->seq_next = is_called ? a[1].i + t->seq_inc : a[1].i;
    t->seq_called = 1;
    t->seq_start = t->seq_next + 32 * t->seq_inc;
    pthread_mutex_unlock(&t->mu);
    o->i = a[1].i;
    return cat_persist_seq(cx->eng, t, cx->err);
}

static int32_t f_session(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    const char *n = e->fn->name;
    const char *v = "";
    char buf[128];
    if (strcmp(n, "version") == 0) v = "PostgreSQL 15.1 (HeliosDB 0.1.0) on x86_64-pc-linux-gnu";
    else if (strcmp(n, "current_database") == 0 || strcmp(n, "current_catalog") == 0) {
        database_t *d = cat_db_by_oid(cx->eng, cat_cur_db(cx->eng));
        v = d != NULL ? d->name : "helios";
    }
    else if (strcmp(n, "current_schema") == 0) {
        uint32_t oid = cat_creation_schema(cx->eng);
        v = NULL;
        for (uint32_t i = 0; oid != 0 && i < cx->eng->cat.n_schemas; i++) {
            if (cx->eng->cat.schemas[i].oid == oid) v = cx->eng->cat.schemas[i].name;
        }
        if (v == NULL) {
            o->null = 1;
            o->t = e->type;
            return 0;
        }
    } else if (strcmp(n, "current_user") == 0 || strcmp(n, "session_user") == 0 ||
             strcmp(n, "current_role") == 0 || strcmp(n, "user") == 0) v = cx->s->user;
    else if (strcmp(n, "pg_backend_pid") == 0) {
        o->i = cx->s->pid;
        return 0;
    } else if (strcmp(n, "current_setting") == 0) {
        uint32_t l;
        const char *k = txt(cx, &a[0], &l);
        snprintf(buf, sizeof buf, "%.*s", (int)l, k);
        const char *s = sess_get_setting(cx->s, buf);
        if (s == NULL) {
            return sql_err(cx->err, HELIOS_ERR_UNDEFINED_OBJECT,
                           "unrecognized configuration parameter \"%s\"", buf);
        }
        v = s;
    } else if (strcmp(n, "set_config") == 0) {
        uint32_t l1, l2;
        const char *k = txt(cx, &a[0], &l1), *val = txt(cx, &a[1], &l2);
        snprintf(buf, sizeof buf, "%.*s", (int)l1, k);
        char *vv = ar_strndup(cx->ar, val, l2);
        int ignored;
        int32_t rc = sess_set_scoped(cx->s, buf, vv, !a[2].null && a[2].i != 0, &ignored, cx->err);
        if (rc != 0) return rc;
        v = vv;
    }
    return set_text(cx, o, v, strlen(v));
}

static int32_t f_sleep(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    double secs = dbl(&a[0]);
    int64_t end = dt_now_us() + (int64_t)(secs * 1e6);
    while (dt_now_us() < end) {
        int32_t rc = exec_check_cancel(cx); /* cancel, statement_timeout */
        if (rc != 0) return rc;
        usleep(10000);
    }
    o->null = 1;
    return 0;
}

static int32_t f_uuid(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    uint8_t *u = ar_alloc(cx->ar, 16);
    RAND_bytes(u, 16);
    u[6] = (uint8_t)((u[6] & 0x0F) | 0x40);
    u[8] = (uint8_t)((u[8] & 0x3F) | 0x80);
    o->s = (const char *)u;
    o->len = 16;
    return 0;
}

static int32_t f_anyall(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    /* x op ANY/ALL (array text) */
    int any = strcmp(e->fn->name, "__any") == 0;
    uint32_t op = (uint32_t)a[2].i;
    uint32_t et = type_elem_of(a[1].t);
    const char *s = a[1].s;
    uint32_t n = a[1].len;
    int saw_null = 0;
    o->t = HELIOS_OID_BOOL;
    if ((a[1].t == 22u || a[1].t == 30u) && (n == 0 || s[0] != '{')) {
        /* int2vector / oidvector: space-separated */
        size_t i = 0;
        while (i < n) {
            while (i < n && s[i] == ' ') i++;
            size_t st = i;
            while (i < n && s[i] != ' ') i++;
            if (i == st) break;
            val_t y;
            int32_t rc = val_from_text(cx->ar, et, -1, s + st, i - st, &y, cx->err);
            if (rc != 0) return rc;
            val_t r;
            if ((rc = eval_op(cx, op, HELIOS_OID_BOOL, &a[0], &y, &r)) != 0) return rc;
            if (any && r.i) { o->i = 1; return 0; }
            if (!any && !r.i) { o->i = 0; return 0; }
        }
        o->i = any ? 0 : 1;
        return 0;
    }
    if (n < 2 || s[0] != '{') {
        return sql_err(cx->err, HELIOS_ERR_INVALID_TEXT_REPRESENTATION, "malformed array literal");
    }
    uint32_t i = 1;
    while (i < n - 1) {
        sbuf_t el = {0};
        int quoted = 0;
        sb_putn(&el, "", 0);
        if (s[i] == '"') {
            quoted = 1;
            i++;
            while (i < n - 1 && s[i] != '"') {
                if (s[i] == '\\' && i + 1 < n) i++;
                sb_putc(&el, s[i++]);
            }
            i++;
        } else {
            while (i < n - 1 && s[i] != ',') sb_putc(&el, s[i++]);
        }
        if (i < n - 1 && s[i] == ',') i++;
        val_t y;
        if (!quoted && strcasecmp(el.d, "NULL") == 0) {
            saw_null = 1;
            sb_free(&el);
            continue;
        }
        int32_t rc = val_from_text(cx->ar, et, -1, el.d, el.len, &y, cx->err);
        sb_free(&el);
        if (rc != 0) return rc;
        val_t r;
        if ((rc = eval_op(cx, op, HELIOS_OID_BOOL, &a[0], &y, &r)) != 0) return rc;
        if (any && r.i) { o->i = 1; return 0; }
        if (!any && !r.i) { o->i = 0; return 0; }
    }
    if (saw_null) { o->null = 1; return 0; }
    o->i = any ? 0 : 1;
    return 0;
}

static int32_t f_array_length(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    const char *s = a[0].s;
    uint32_t n = a[0].len;
    if (n <= 2) {
        o->null = 1;
        return 0;
    }
    int64_t c = 1;
    int q = 0;
    for (uint32_t i = 1; i < n - 1; i++) {
        if (s[i] == '"' && (i == 0 || s[i - 1] != '\\')) q = !q;
        if (s[i] == ',' && !q) c++;
    }
    o->i = c;
    return 0;
}

static int32_t f_to_char(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    /* a pragmatic subset: numbers print plainly; timestamps with YYYY MM DD HH24 MI SS */
    uint32_t fn;
    const char *f = txt(cx, &a[1], &fn);
    if (val_is_num(a[0].t)) {
        uint32_t n;
        const char *s = txt(cx, &a[0], &n);
        return set_text(cx, o, s, n);
    }
    int64_t us = a[0].t == HELIOS_OID_DATE ? a[0].i * 86400000000LL : a[0].i;
    int32_t off = a[0].t == HELIOS_OID_TIMESTAMPTZ ? dt_tstz_offset(tz_current(), us) : 0;
    us += (int64_t)off * 1000000; /* timestamptz prints in the session zone */
    int64_t days = us / 86400000000LL, t = us % 86400000000LL;
    if (t < 0) { t += 86400000000LL; days--; }
    int y, m, d;
    dt_j2date(days, &y, &m, &d);
    sbuf_t sb = {0};
    sb_putn(&sb, "", 0);
    for (uint32_t i = 0; i < fn;) {
        if (fn - i >= 4 && strncmp(f + i, "YYYY", 4) == 0) { sb_printf(&sb, "%04d", y); i += 4; }
        else if (fn - i >= 4 && strncmp(f + i, "HH24", 4) == 0) { sb_printf(&sb, "%02d", (int)(t / 3600000000LL)); i += 4; }
        else if (fn - i >= 2 && strncmp(f + i, "MM", 2) == 0) { sb_printf(&sb, "%02d", m); i += 2; }
        else if (fn - i >= 2 && strncmp(f + i, "DD", 2) == 0) { sb_printf(&sb, "%02d", d); i += 2; }
        else if (fn - i >= 2 && strncmp(f + i, "MI", 2) == 0) { sb_printf(&sb, "%02d", (int)(t / 60000000 % 60)); i += 2; }
        else if (fn - i >= 2 && strncmp(f + i, "SS", 2) == 0) { sb_printf(&sb, "%02d", (int)(t / 1000000 % 60)); i += 2; }
        else if (fn - i >= 2 && strncmp(f + i, "OF", 2) == 0) {
            /* PostgreSQL's OF: +hh, or +hh:mm, seconds dropped */
            int32_t ao = off < 0 ? -off : off;
            sb_printf(&sb, "%c%02d", off < 0 ? '-' : '+', ao / 3600);
            if (ao / 60 % 60 != 0) sb_printf(&sb, ":%02d", ao / 60 % 60);
            i += 2;
        }
        else if (fn - i >= 2 && (strncmp(f + i, "TZ", 2) == 0 || strncmp(f + i, "tz", 2) == 0)) {
            /* the session zone's abbreviation at that instant (timestamptz only) */
            const char *ab = "";
            if (a[0].t == HELIOS_OID_TIMESTAMPTZ) {
                int64_t ux = a[0].i / 1000000 - (a[0].i % 1000000 < 0) + 946684800LL;
                tz_offset_at(tz_current(), ux, NULL, &ab);
            }
            for (const char *c = ab; *c != '\0'; c++)
                sb_putc(&sb, f[i] == 't' ? (char)tolower((unsigned char)*c) : *c);
            i += 2;
        }
        else sb_putc(&sb, f[i++]);
    }
    set_text(cx, o, sb.d, sb.len);
    sb_free(&sb);
    return 0;
}

static int32_t f_typeof(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    const char *n = type_name(e->args[0]->type);
    return set_text(cx, o, n, strlen(n));
}

static const func_def_t funcs[] = {
    {"pg_get_userbyid", 1, 1, HELIOS_OID_NAME, 1, func_catalog},
    {"pg_table_is_visible", 1, 1, HELIOS_OID_BOOL, 1, func_catalog},
    {"pg_type_is_visible", 1, 1, HELIOS_OID_BOOL, 1, func_catalog},
    {"has_table_privilege", 2, 3, HELIOS_OID_BOOL, 1, func_catalog},
    {"has_schema_privilege", 2, 3, HELIOS_OID_BOOL, 1, func_catalog},
    {"has_database_privilege", 2, 3, HELIOS_OID_BOOL, 1, func_catalog},
    {"has_column_privilege", 3, 4, HELIOS_OID_BOOL, 1, func_catalog},
    {"pg_is_in_recovery", 0, 0, HELIOS_OID_BOOL, 0, func_catalog},
    {"pg_encoding_to_char", 1, 1, HELIOS_OID_NAME, 1, func_catalog},
    {"format_type", 2, 2, HELIOS_OID_TEXT, 0, func_catalog},
    {"pg_get_expr", 2, 3, HELIOS_OID_TEXT, 1, func_catalog},
    {"pg_get_viewdef", 1, 2, HELIOS_OID_TEXT, 1, func_catalog},
    {"pg_get_indexdef", 1, 3, HELIOS_OID_TEXT, 1, func_catalog},
    {"pg_get_constraintdef", 1, 2, HELIOS_OID_TEXT, 1, func_catalog},
    {"current_schemas", 1, 1, 1003u, 1, func_catalog},
    {"__regclass_out", 1, 1, HELIOS_OID_TEXT, 1, func_catalog},
    {"__regtype_out", 1, 1, HELIOS_OID_TEXT, 1, func_catalog},
    {"__regnamespace_out", 1, 1, HELIOS_OID_TEXT, 1, func_catalog},
    {"__regtype_in", 1, 1, HELIOS_OID_OID, 1, func_catalog},
    {"array_to_string", 2, 3, HELIOS_OID_TEXT, 1, func_catalog},
    {"__subscript", 2, 2, HELIOS_OID_TEXT, 1, func_catalog},
    {"array_upper", 2, 2, HELIOS_OID_INT4, 1, func_catalog},
    {"array_lower", 2, 2, HELIOS_OID_INT4, 1, func_catalog},
    {"__regclass_in", 1, 1, HELIOS_OID_OID, 1, func_catalog},
    {"to_regclass", 1, 1, HELIOS_OID_OID, 1, func_catalog},
    {"pg_size_pretty", 1, 1, HELIOS_OID_TEXT, 1, func_catalog},
    {"pg_relation_size", 1, 2, HELIOS_OID_INT8, 1, func_catalog},
    {"pg_total_relation_size", 1, 1, HELIOS_OID_INT8, 1, func_catalog},
    {"pg_table_size", 1, 1, HELIOS_OID_INT8, 1, func_catalog},
    {"pg_indexes_size", 1, 1, HELIOS_OID_INT8, 1, func_catalog},
    {"pg_database_size", 1, 1, HELIOS_OID_INT8, 1, func_catalog},
    {"quote_ident", 1, 1, HELIOS_OID_TEXT, 1, func_catalog},
    {"pg_get_serial_sequence", 2, 2, HELIOS_OID_TEXT, 1, func_catalog},
    {"txid_current", 0, 0, HELIOS_OID_INT8, 0, func_catalog},
    {"obj_description", 1, 2, HELIOS_OID_TEXT, 0, func_catalog},
    {"col_description", 2, 2, HELIOS_OID_TEXT, 0, func_catalog},
    {"shobj_description", 2, 2, HELIOS_OID_TEXT, 0, func_catalog},
    {"pg_get_statisticsobjdef_columns", 1, 1, HELIOS_OID_TEXT, 0, func_catalog},
    {"pg_get_triggerdef", 1, 2, HELIOS_OID_TEXT, 0, func_catalog},
    {"pg_get_ruledef", 1, 2, HELIOS_OID_TEXT, 0, func_catalog},
    {"pg_get_partkeydef", 1, 1, HELIOS_OID_TEXT, 0, func_catalog},
    {"pg_get_partition_constraintdef", 1, 1, HELIOS_OID_TEXT, 0, func_catalog},
    {"pg_get_function_identity_arguments", 1, 1, HELIOS_OID_TEXT, 0, func_catalog},
    {"pg_get_function_result", 1, 1, HELIOS_OID_TEXT, 0, func_catalog},
    {"pg_get_function_arguments", 1, 1, HELIOS_OID_TEXT, 0, func_catalog},
    {"pg_tablespace_location", 1, 1, HELIOS_OID_TEXT, 0, func_catalog},
    {"pg_relation_is_publishable", 1, 1, HELIOS_OID_BOOL, 0, func_catalog},
    {"pg_postmaster_start_time", 0, 0, HELIOS_OID_TIMESTAMPTZ, 0, func_catalog},
    {"abs", 1, 1, RT_ARG0, 1, f_abs},
    {"sign", 1, 1, RT_ARG0, 1, f_sign},
    {"round", 1, 2, RT_ARG0, 1, f_round},
    {"trunc", 1, 2, RT_ARG0, 1, f_round},
    {"ceil", 1, 1, RT_ARG0, 1, f_ceilfloor},
    {"ceiling", 1, 1, RT_ARG0, 1, f_ceilfloor},
    {"floor", 1, 1, RT_ARG0, 1, f_ceilfloor},
    {"sqrt", 1, 1, RT_FLOATARG, 1, f_math},
    {"cbrt", 1, 1, HELIOS_OID_FLOAT8, 1, f_math},
    {"exp", 1, 1, RT_FLOATARG, 1, f_math},
    {"ln", 1, 1, RT_FLOATARG, 1, f_math},
    {"log", 1, 2, RT_FLOATARG, 1, f_math},
    {"log10", 1, 1, RT_FLOATARG, 1, f_math},
    {"power", 2, 2, RT_FLOATARG, 1, f_math},
    {"pow", 2, 2, RT_FLOATARG, 1, f_math},
    {"sin", 1, 1, HELIOS_OID_FLOAT8, 1, f_math},
    {"cos", 1, 1, HELIOS_OID_FLOAT8, 1, f_math},
    {"tan", 1, 1, HELIOS_OID_FLOAT8, 1, f_math},
    {"asin", 1, 1, HELIOS_OID_FLOAT8, 1, f_math},
    {"acos", 1, 1, HELIOS_OID_FLOAT8, 1, f_math},
    {"atan", 1, 1, HELIOS_OID_FLOAT8, 1, f_math},
    {"atan2", 2, 2, HELIOS_OID_FLOAT8, 1, f_math},
    {"degrees", 1, 1, HELIOS_OID_FLOAT8, 1, f_math},
    {"radians", 1, 1, HELIOS_OID_FLOAT8, 1, f_math},
    {"mod", 2, 2, RT_ARG0, 1, f_mod},
    {"div", 2, 2, RT_ARG0, 1, f_numdiv},
    {"pi", 0, 0, HELIOS_OID_FLOAT8, 1, f_pi},
    {"random", 0, 0, HELIOS_OID_FLOAT8, 0, f_random},
    {"length", 1, 1, HELIOS_OID_INT4, 1, f_length},
    {"char_length", 1, 1, HELIOS_OID_INT4, 1, f_length},
    {"character_length", 1, 1, HELIOS_OID_INT4, 1, f_length},
    {"octet_length", 1, 1, HELIOS_OID_INT4, 1, f_length},
    {"lower", 1, 1, HELIOS_OID_TEXT, 1, f_case},
    {"upper", 1, 1, HELIOS_OID_TEXT, 1, f_case},
    {"initcap", 1, 1, HELIOS_OID_TEXT, 1, f_case},
    {"substr", 2, 3, HELIOS_OID_TEXT, 1, f_substr},
    {"substring", 2, 3, HELIOS_OID_TEXT, 1, f_substr},
    {"btrim", 1, 2, HELIOS_OID_TEXT, 1, f_trim},
    {"trim", 1, 2, HELIOS_OID_TEXT, 1, f_trim},
    {"ltrim", 1, 2, HELIOS_OID_TEXT, 1, f_trim},
    {"rtrim", 1, 2, HELIOS_OID_TEXT, 1, f_trim},
    {"replace", 3, 3, HELIOS_OID_TEXT, 1, f_replace},
    {"concat", 1, 16, HELIOS_OID_TEXT, 0, f_concat},
    {"concat_ws", 2, 16, HELIOS_OID_TEXT, 0, f_concat},
    {"strpos", 2, 2, HELIOS_OID_INT4, 1, f_strpos},
    {"position", 2, 2, HELIOS_OID_INT4, 1, f_strpos},
    {"left", 2, 2, HELIOS_OID_TEXT, 1, f_leftright},
    {"right", 2, 2, HELIOS_OID_TEXT, 1, f_leftright},
    {"repeat", 2, 2, HELIOS_OID_TEXT, 1, f_repeat},
    {"reverse", 1, 1, HELIOS_OID_TEXT, 1, f_reverse},
    {"lpad", 2, 3, HELIOS_OID_TEXT, 1, f_pad},
    {"rpad", 2, 3, HELIOS_OID_TEXT, 1, f_pad},
    {"md5", 1, 1, HELIOS_OID_TEXT, 1, f_md5},
    {"split_part", 3, 3, HELIOS_OID_TEXT, 1, f_split_part},
    {"chr", 1, 1, HELIOS_OID_TEXT, 1, f_chr},
    {"ascii", 1, 1, HELIOS_OID_INT4, 1, f_ascii},
    {"to_hex", 1, 1, HELIOS_OID_TEXT, 1, f_to_hex},
    {"now", 0, 0, HELIOS_OID_TIMESTAMPTZ, 0, f_now},
    {"current_timestamp", 0, 0, HELIOS_OID_TIMESTAMPTZ, 0, f_now},
    {"transaction_timestamp", 0, 0, HELIOS_OID_TIMESTAMPTZ, 0, f_now},
    {"statement_timestamp", 0, 0, HELIOS_OID_TIMESTAMPTZ, 0, f_now},
    {"clock_timestamp", 0, 0, HELIOS_OID_TIMESTAMPTZ, 0, f_now},
    {"localtimestamp", 0, 0, HELIOS_OID_TIMESTAMP, 0, f_now},
    {"current_date", 0, 0, HELIOS_OID_DATE, 0, f_now},
    {"current_time", 0, 0, HELIOS_OID_TIME, 0, f_now},
    {"localtime", 0, 0, HELIOS_OID_TIME, 0, f_now},
    {"date_part", 2, 2, HELIOS_OID_FLOAT8, 1, f_date_part},
    {"extract", 2, 2, HELIOS_OID_NUMERIC, 1, f_date_part},
    {"date_trunc", 2, 3, HELIOS_OID_TIMESTAMP, 1, f_date_trunc},
    {"timezone", 2, 2, HELIOS_OID_TIMESTAMP, 1, f_timezone},
    {"to_timestamp", 1, 1, HELIOS_OID_TIMESTAMPTZ, 1, f_to_timestamp},
    {"make_timestamptz", 6, 7, HELIOS_OID_TIMESTAMPTZ, 1, f_make_timestamptz},
    {"age", 1, 2, HELIOS_OID_INTERVAL, 1, f_age},
    {"nextval", 1, 1, HELIOS_OID_INT8, 1, f_nextval},
    {"currval", 1, 1, HELIOS_OID_INT8, 1, f_nextval},
    {"setval", 2, 3, HELIOS_OID_INT8, 1, f_nextval},
    {"version", 0, 0, HELIOS_OID_TEXT, 0, f_session},
    {"current_database", 0, 0, HELIOS_OID_NAME, 0, f_session},
    {"current_catalog", 0, 0, HELIOS_OID_NAME, 0, f_session},
    {"current_schema", 0, 0, HELIOS_OID_NAME, 0, f_session},
    {"current_user", 0, 0, HELIOS_OID_NAME, 0, f_session},
    {"current_role", 0, 0, HELIOS_OID_NAME, 0, f_session},
    {"session_user", 0, 0, HELIOS_OID_NAME, 0, f_session},
    {"user", 0, 0, HELIOS_OID_NAME, 0, f_session},
    {"pg_backend_pid", 0, 0, HELIOS_OID_INT4, 0, f_session},
    {"current_setting", 1, 2, HELIOS_OID_TEXT, 1, f_session},
    {"set_config", 3, 3, HELIOS_OID_TEXT, 0, f_session},
    {"pg_sleep", 1, 1, 2278u, 1, f_sleep},
    {"gen_random_uuid", 0, 0, HELIOS_OID_UUID, 0, f_uuid},
    {"__any", 3, 3, HELIOS_OID_BOOL, 1, f_anyall},
    {"__all", 3, 3, HELIOS_OID_BOOL, 1, f_anyall},
    {"array_length", 1, 2, HELIOS_OID_INT4, 1, f_array_length},
    {"cardinality", 1, 1, HELIOS_OID_INT4, 1, f_array_length},
    {"to_char", 2, 2, HELIOS_OID_TEXT, 1, f_to_char},
    {"pg_typeof", 1, 1, HELIOS_OID_TEXT, 0, f_typeof},
};

const func_def_t *func_lookup(const char *name, uint32_t n_args)
{
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++) {
        if (strcmp(funcs[i].name, name) == 0 && n_args >= (uint32_t)funcs[i].min_args &&
            n_args <= (uint32_t)funcs[i].max_args) {
            return &funcs[i];
        }
    }
    return NULL;
}

uint32_t func_result_type(const func_def_t *f, expr_t **args, uint32_t n)
{
    /* unknown literals become text (or numeric for math) */
    for (uint32_t i = 0; i < n; i++) {
        if (args[i]->type == HELIOS_OID_UNKNOWN || args[i]->type == T_NULL) {
            uint32_t want = (f->ret == RT_ARG0 || f->ret == RT_FLOATARG) ? HELIOS_OID_NUMERIC
                                                                         : HELIOS_OID_TEXT;
            if (args[i]->kind == E_CONST && !args[i]->c.null && want != HELIOS_OID_TEXT) {
                val_t v;
                if (val_cast(NULL, &args[i]->c, want, -1, &v, 1, NULL) == 0) {
                    args[i]->c = v;
                }
            }
            args[i]->type = want;
            if (args[i]->kind == E_CONST) args[i]->c.t = want;
        }
    }
    const char *nm = f->name;
    if (f->ret == RT_ARG0) {
        uint32_t t = n > 0 ? args[0]->type : HELIOS_OID_NUMERIC;
        if (strcmp(nm, "mod") == 0 && n > 1 && type_numeric_rank(args[1]->type) > type_numeric_rank(t)) {
            t = args[1]->type;
        }
        if (((strcmp(nm, "round") == 0 || strcmp(nm, "trunc") == 0) && n == 2) ||
            strcmp(nm, "div") == 0) {
            return HELIOS_OID_NUMERIC;
        }
        if ((strcmp(nm, "ceil") == 0 || strcmp(nm, "ceiling") == 0 || strcmp(nm, "floor") == 0 ||
             strcmp(nm, "round") == 0 || strcmp(nm, "trunc") == 0) && val_is_int(t)) {
            return HELIOS_OID_FLOAT8;
        }
        if (!val_is_num(t)) return 0;
        return t;
    }
    if (f->ret == RT_FLOATARG) {
        uint32_t t = n > 0 ? args[0]->type : HELIOS_OID_FLOAT8;
        for (uint32_t i = 0; i < n; i++) {
            if (args[i]->type == HELIOS_OID_FLOAT4 || args[i]->type == HELIOS_OID_FLOAT8) {
                return HELIOS_OID_FLOAT8;
            }
        }
        if (!val_is_num(t)) return 0;
        /* PostgreSQL picks the float8 variant unless an argument is numeric */
        for (uint32_t i = 0; i < n; i++) {
            if (args[i]->type == HELIOS_OID_NUMERIC) return HELIOS_OID_NUMERIC;
        }
        return HELIOS_OID_FLOAT8;
    }
    if (strcmp(nm, "date_trunc") == 0 && n >= 2 && args[1]->type == HELIOS_OID_TIMESTAMPTZ) {
        return HELIOS_OID_TIMESTAMPTZ;
    }
    if (strcmp(nm, "timezone") == 0 && n == 2 &&
        (args[1]->type == HELIOS_OID_TIMESTAMP || args[1]->type == HELIOS_OID_DATE)) {
        return HELIOS_OID_TIMESTAMPTZ; /* AT TIME ZONE of a wall time gives the instant */
    }
    return f->ret;
}
