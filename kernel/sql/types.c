/* kernel/sql/types.c -- the type library: names, OIDs, text input/output, casts, comparison. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "helios/codec.h"
#include "sql/sqlint.h"

int val_is_int(uint32_t t)
{
    return t == HELIOS_OID_INT2 || t == HELIOS_OID_INT4 || t == HELIOS_OID_INT8 ||
           t == HELIOS_OID_OID;
}

int val_is_num(uint32_t t)
{
    return val_is_int(t) || t == HELIOS_OID_NUMERIC || t == HELIOS_OID_FLOAT4 ||
           t == HELIOS_OID_FLOAT8;
}

int val_is_text(uint32_t t)
{
    return t == HELIOS_OID_TEXT || t == HELIOS_OID_VARCHAR || t == HELIOS_OID_BPCHAR ||
           t == HELIOS_OID_NAME || t == HELIOS_OID_UNKNOWN || t == 18u || t == 22u || t == 30u ||
           t == 1034u;
}

static const struct {
    uint32_t elem, arr;
} arr_map[] = {{16, 1000}, {17, 1001}, {19, 1003}, {20, 1016}, {21, 1005}, {23, 1007},
               {25, 1009}, {1043, 1015}, {1042, 1014}, {700, 1021}, {701, 1022},
               {1700, 1231}, {1082, 1182}, {1083, 1183}, {1114, 1115}, {1184, 1185},
               {1186, 1187}, {2950, 2951}, {114, 199}, {3802, 3807}, {26, 1028},
               {18, 1002}, {21, 22}, {26, 30}, {1034, 1034}}; /* int2vector, oidvector: element lookups */

uint32_t type_array_of(uint32_t elem)
{
    for (size_t i = 0; i < sizeof arr_map / sizeof arr_map[0]; i++) {
        if (arr_map[i].elem == elem) {
            return arr_map[i].arr;
        }
    }
    return 1009;
}

uint32_t type_elem_of(uint32_t arr)
{
    for (size_t i = 0; i < sizeof arr_map / sizeof arr_map[0]; i++) {
        if (arr_map[i].arr == arr) {
            return arr_map[i].elem;
        }
    }
    return 0;
}

static const struct {
    const char *name;
    uint32_t oid;
} type_names[] = {
    {"bool", 16}, {"boolean", 16}, {"bytea", 17}, {"name", 19}, {"int8", 20}, {"bigint", 20},
    {"int2", 21}, {"smallint", 21}, {"int4", 23}, {"int", 23}, {"integer", 23}, {"text", 25},
    {"oid", 26}, {"json", 114}, {"float4", 700}, {"real", 700}, {"float8", 701},
    {"double precision", 701}, {"float", 701}, {"bpchar", 1042}, {"char", 18},
    {"character", 1042}, {"varchar", 1043}, {"character varying", 1043}, {"date", 1082},
    {"time", 1083}, {"timestamp", 1114}, {"timestamptz", 1184}, {"interval", 1186},
    {"numeric", 1700}, {"decimal", 1700}, {"uuid", 2950}, {"jsonb", 3802}, {"serial", 23},
    {"bigserial", 20}, {"smallserial", 21}, {"serial4", 23}, {"serial8", 20}, {"string", 25},
    {"tinyint", 21}, {"mediumint", 23}, {"double", 701}, {"datetime", 1114}, {"blob", 17},
    {"clob", 25}, {"regclass", 25}, {"unknown", 705},
};

uint32_t type_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++) {
        if (strcasecmp(type_names[i].name, name) == 0) {
            return type_names[i].oid;
        }
    }
    return 0;
}

const char *type_name(uint32_t t)
{
    switch (t) {
    case 16: return "boolean";
    case 17: return "bytea";
    case 18: return "\"char\"";
    case 22: return "int2vector";
    case 30: return "oidvector";
    case 1034: return "aclitem[]";
    case 19: return "name";
    case 20: return "bigint";
    case 21: return "smallint";
    case 23: return "integer";
    case 25: return "text";
    case 26: return "oid";
    case 114: return "json";
    case 700: return "real";
    case 701: return "double precision";
    case 705: return "unknown";
    case 1042: return "character";
    case 1043: return "character varying";
    case 1082: return "date";
    case 1083: return "time without time zone";
    case 1114: return "timestamp without time zone";
    case 1184: return "timestamp with time zone";
    case 1186: return "interval";
    case 1700: return "numeric";
    case 2950: return "uuid";
    case 3802: return "jsonb";
    case 0: return "unknown";
    default:
        if (type_elem_of(t) != 0) {
            static __thread char buf[64];
            snprintf(buf, sizeof buf, "%s[]", type_name(type_elem_of(t)));
            return buf;
        }
        return "unknown";
    }
}

int16_t type_len(uint32_t t)
{
    switch (t) {
    case 16: return 1;
    case 21: return 2;
    case 23: case 26: case 700: case 1082: return 4;
    case 20: case 701: case 1083: case 1114: case 1184: return 8;
    case 1186: case 2950: return 16;
    case 19: return 64;
    default: return -1;
    }
}

uint32_t type_phys(uint32_t t)
{
    switch (t) {
    case 16: return HELIOS_PT_BOOL;
    case 21: return HELIOS_PT_INT16;
    case 23: case 26: case 1082: return HELIOS_PT_INT32;
    case 20: case 1083: case 1114: case 1184: return HELIOS_PT_INT64;
    case 700: return HELIOS_PT_FLOAT32;
    case 701: return HELIOS_PT_FLOAT64;
    case 1186: case 2950: return HELIOS_PT_FIXED16;
    default: return HELIOS_PT_VARLEN;
    }
}

int type_numeric_rank(uint32_t t)
{
    switch (t) {
    case 21: return 1;
    case 23: return 2;
    case 26: return 2;
    case 20: return 3;
    case 1700: return 4;
    case 700: return 5;
    case 701: return 6;
    default: return 0;
    }
}

/* ---------------- numeric ---------------- */
static const __int128 I128_MAX = (__int128)(((unsigned __int128)1 << 127) - 1);

static __int128 pow10_128(int n)
{
    __int128 r = 1;
    while (n-- > 0) {
        r *= 10;
    }
    return r;
}

int num_rescale(__int128 *v, int16_t from, int16_t to)
{
    if (to == from) {
        return 0;
    }
    /* 10^39 does not fit in 128 bits: scale steps that large only fit (or leave) zero */
    if (to - from > 38) {
        return *v == 0 ? 0 : -1;
    }
    if (from - to > 38) {
        *v = 0; /* |v| < 10^39, so the quotient and its rounding are 0 */
        return 0;
    }
    if (to > from) {
        __int128 m = pow10_128(to - from);
        __int128 lim = I128_MAX / m;
        if (*v > lim || *v < -lim) {
            return -1;
        }
        *v *= m;
        return 0;
    }
    __int128 d = pow10_128(from - to);
    __int128 q = *v / d, r = *v % d;
    /* round half away from zero, as PostgreSQL */
    if (r < 0) {
        r = -r;
    }
    if (r >= d - r) { /* r * 2 >= d without overflowing when d is 10^38 */
        q += *v < 0 ? -1 : 1;
    }
    *v = q;
    return 0;
}

int num_from_str(const char *s, size_t n, __int128 *v, int16_t *scale)
{
    size_t i = 0;
    while (i < n && isspace((unsigned char)s[i])) {
        i++;
    }
    while (n > i && isspace((unsigned char)s[n - 1])) {
        n--;
    }
    int neg = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    __int128 acc = 0;
    int sc = 0, digits = 0, dot = 0, sig = 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (sig > 0 || c != '0') {
                sig++;
            }
            if (sig > 38) {
                return -2;
            }
            acc = acc * 10 + (c - '0');
            digits++;
            if (dot) {
                sc++;
            }
        } else if (c == '.' && !dot) {
            dot = 1;
        } else {
            break;
        }
    }
    if (digits == 0) {
        return -1;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0, ex = 0, ed = 0;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        while (i < n && isdigit((unsigned char)s[i])) {
            ex = ex * 10 + (s[i] - '0');
            if (ex > 1000) {
                return -2;
            }
            i++;
            ed++;
        }
        if (ed == 0) {
            return -1;
        }
        if (eneg) {
            sc += ex;
        } else {
            sc -= ex;
        }
        if (sc < 0) {
            if (num_rescale(&acc, 0, (int16_t)-sc) != 0) {
                return -2;
            }
            sc = 0;
        }
    }
    if (i != n) {
        return -1;
    }
    while (sc > NUM_MAX_SCALE + 8) {
        num_rescale(&acc, (int16_t)sc, (int16_t)(sc - 1));
        sc--;
    }
    *v = neg ? -acc : acc;
    *scale = (int16_t)sc;
    return 0;
}

void num_to_str(__int128 v, int scale, sbuf_t *sb)
{
    char buf[64];
    int p = 63;
    buf[p] = '\0';
    unsigned __int128 u = v < 0 ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    int nd = 0;
    do {
        buf[--p] = (char)('0' + (int)(u % 10));
        u /= 10;
        nd++;
        if (nd == scale) {
            buf[--p] = '.';
        }
    } while (u != 0 || nd < scale);
    if (buf[p] == '.') {
        buf[--p] = '0';
    }
    if (v < 0) {
        buf[--p] = '-';
    }
    sb_puts(sb, buf + p);
}

double num_to_double(__int128 v, int scale)
{
    char tmp[80];
    sbuf_t sb = {0};
    num_to_str(v, scale, &sb);
    snprintf(tmp, sizeof tmp, "%s", sb.d);
    sb_free(&sb);
    return strtod(tmp, NULL);
}

int num_from_double(double d, __int128 *v, int16_t *scale)
{
    if (isnan(d) || isinf(d)) {
        return -1;
    }
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.15g", d);
    return num_from_str(tmp, strlen(tmp), v, scale) == 0 ? 0 : -1;
}

void float_to_str(double d, int is4, sbuf_t *sb)
{
    if (isnan(d)) {
        sb_puts(sb, "NaN");
        return;
    }
    if (isinf(d)) {
        sb_puts(sb, d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    /* PostgreSQL (extra_float_digits > 0): the shortest digits that read back exactly,
       printed in fixed notation unless the decimal exponent is < -4 or >= 15 (float4: 6) */
    char buf[64];
    int maxp = is4 ? 9 : 17, p;
    for (p = 1; p <= maxp; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, d);
        if (is4 ? (strtof(buf, NULL) == (float)d) : (strtod(buf, NULL) == d)) {
            break;
        }
    }
    if (p > maxp) p = maxp;
    const char *ep = strchr(buf, 'e');
    int ex = ep != NULL ? atoi(ep + 1) : 0;
    if (ex < -4 || ex >= (is4 ? 6 : 15)) {
        /* mantissa as is; exponent with at least two digits (C's %e already does that) */
        sb_puts(sb, buf);
        return;
    }
    int decimals = p - 1 - ex;
    if (decimals < 0) decimals = 0;
    snprintf(buf, sizeof buf, "%.*f", decimals, d);
    sb_puts(sb, buf);
}

/* ---------------- text output ---------------- */
static void bytea_out(const uint8_t *p, uint32_t n, sbuf_t *sb)
{
    static const char hx[] = "0123456789abcdef";
    sb_puts(sb, "\\x");
    for (uint32_t i = 0; i < n; i++) {
        sb_putc(sb, hx[p[i] >> 4]);
        sb_putc(sb, hx[p[i] & 15]);
    }
}

void val_to_text(const val_t *v, sbuf_t *sb)
{
    switch (v->t) {
    case HELIOS_OID_BOOL:
        sb_putc(sb, v->i ? 't' : 'f');
        break;
    case HELIOS_OID_INT2:
    case HELIOS_OID_INT4:
    case HELIOS_OID_INT8:
    case HELIOS_OID_OID:
        sb_printf(sb, "%lld", (long long)v->i);
        break;
    case HELIOS_OID_FLOAT4:
        float_to_str(v->f, 1, sb);
        break;
    case HELIOS_OID_FLOAT8:
        float_to_str(v->f, 0, sb);
        break;
    case HELIOS_OID_NUMERIC:
        num_out(v, sb);
        break;
    case HELIOS_OID_BYTEA:
        bytea_out((const uint8_t *)v->s, v->len, sb);
        break;
    case HELIOS_OID_DATE:
        dt_format_date(v->i, sb);
        break;
    case HELIOS_OID_TIME:
        dt_format_time(v->i, sb);
        break;
    case HELIOS_OID_TIMESTAMP:
        dt_format_timestamp(v->i, 0, sb);
        break;
    case HELIOS_OID_TIMESTAMPTZ:
        dt_format_timestamp(v->i, 1, sb);
        break;
    case HELIOS_OID_INTERVAL: {
        helios_interval_t iv;
        memcpy(&iv, v->s, sizeof iv);
        dt_format_interval(iv.us, iv.days, iv.months, sb);
        break;
    }
    case HELIOS_OID_UUID: {
        const uint8_t *u = (const uint8_t *)v->s;
        static const char hx[] = "0123456789abcdef";
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                sb_putc(sb, '-');
            }
            sb_putc(sb, hx[u[i] >> 4]);
            sb_putc(sb, hx[u[i] & 15]);
        }
        break;
    }
    default:
        sb_putn(sb, v->s, v->len);
        break;
    }
}

const char *val_text(arena_t *a, const val_t *v, uint32_t *len)
{
    if (val_is_text(v->t) || v->t == HELIOS_OID_JSON || v->t == HELIOS_OID_JSONB ||
        type_elem_of(v->t) != 0) {
        if (len != NULL) {
            *len = v->len;
        }
        return v->s;
    }
    char tmp[128];
    sbuf_t sb = {0};
    sb.d = tmp; /* not used: sb_grow reallocs from NULL-owned; keep it simple below */
    sb.d = NULL;
    val_to_text(v, &sb);
    char *r = ar_strndup(a, sb.d != NULL ? sb.d : "", sb.len);
    if (len != NULL) {
        *len = (uint32_t)sb.len;
    }
    sb_free(&sb);
    return r;
}

/* ---------------- text input ---------------- */
static void trim(const char **s, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && isspace((unsigned char)(*s)[*n - 1])) {
        (*n)--;
    }
}

static int32_t bad_input(helios_err_t *err, uint32_t t, const char *s, size_t n)
{
    return sql_err(err, HELIOS_ERR_INVALID_TEXT_REPRESENTATION,
                   "invalid input syntax for type %s: \"%.*s\"", type_name(t), (int)n, s);
}

static int32_t int_range(helios_err_t *err, uint32_t t, int64_t v)
{
    if (t == HELIOS_OID_INT2 && (v < INT16_MIN || v > INT16_MAX)) {
        return sql_err(err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE, "smallint out of range");
    }
    if (t == HELIOS_OID_INT4 && (v < INT32_MIN || v > INT32_MAX)) {
        return sql_err(err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE, "integer out of range");
    }
    return 0;
}

static int32_t typmod_text(arena_t *a, val_t *o, int32_t tm, int explicit_, helios_err_t *err)
{
    if (tm < 4 || (o->t != HELIOS_OID_VARCHAR && o->t != HELIOS_OID_BPCHAR)) {
        return 0;
    }
    uint32_t maxc = (uint32_t)(tm - 4);
    /* count characters (UTF-8) */
    uint32_t nc = 0, cut = o->len;
    for (uint32_t i = 0; i < o->len; i++) {
        if (((uint8_t)o->s[i] & 0xC0) != 0x80) {
            if (nc == maxc) {
                cut = i;
            }
            nc++;
        }
    }
    if (nc > maxc) {
        int all_space = 1;
        for (uint32_t i = cut; i < o->len; i++) {
            if (o->s[i] != ' ') {
                all_space = 0;
            }
        }
        if (!explicit_ && !all_space) {
            return sql_err(err, HELIOS_ERR_STRING_DATA_RIGHT_TRUNCATION,
                           "value too long for type %s(%u)",
                           o->t == HELIOS_OID_VARCHAR ? "character varying" : "character", maxc);
        }
        o->len = cut;
        nc = maxc;
    }
    if (o->t == HELIOS_OID_BPCHAR && nc < maxc) {
        char *p = ar_alloc(a, o->len + (maxc - nc) + 1);
        memcpy(p, o->s, o->len);
        memset(p + o->len, ' ', maxc - nc);
        o->len += maxc - nc;
        p[o->len] = '\0';
        o->s = p;
    }
    return 0;
}


static int hexv(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int32_t val_from_text(arena_t *a, uint32_t t, int32_t tm, const char *s, size_t n, val_t *out,
                      helios_err_t *err)
{
    val_t o;
    memset(&o, 0, sizeof o);
    o.t = t;
    const char *ts = s;
    size_t tn = n;
    trim(&ts, &tn);
    switch (t) {
    case HELIOS_OID_BOOL: {
        static const char *tv[] = {"t", "true", "yes", "on", "1", "y"};
        static const char *fv[] = {"f", "false", "no", "off", "0", "n"};
        int ok = 0;
        for (int i = 0; i < 6 && !ok; i++) {
            if (tn == strlen(tv[i]) && strncasecmp(ts, tv[i], tn) == 0) {
                o.i = 1;
                ok = 1;
            } else if (tn == strlen(fv[i]) && strncasecmp(ts, fv[i], tn) == 0) {
                o.i = 0;
                ok = 1;
            }
        }
        if (!ok) {
            return bad_input(err, t, s, n);
        }
        break;
    }
    case HELIOS_OID_INT2:
    case HELIOS_OID_INT4:
    case HELIOS_OID_INT8:
    case HELIOS_OID_OID: {
        size_t i = 0;
        int neg = 0;
        if (i < tn && (ts[i] == '+' || ts[i] == '-')) {
            neg = ts[i] == '-';
            i++;
        }
        if (i == tn) {
            return bad_input(err, t, s, n);
        }
        unsigned __int128 acc = 0;
        for (; i < tn; i++) {
            if (!isdigit((unsigned char)ts[i])) {
                return bad_input(err, t, s, n);
            }
            acc = acc * 10 + (unsigned)(ts[i] - '0');
            if (acc > ((unsigned __int128)1 << 64)) {
                break;
            }
        }
        if ((!neg && acc > (unsigned __int128)INT64_MAX) ||
            (neg && acc > (unsigned __int128)INT64_MAX + 1)) {
            return sql_err(err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE,
                           "value \"%.*s\" is out of range for type %s", (int)n, s, type_name(t));
        }
        o.i = neg ? (int64_t)(-(__int128)acc) : (int64_t)acc;
        if (int_range(NULL, t, o.i) != 0) {
            return sql_err(err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE,
                           "value \"%.*s\" is out of range for type %s", (int)n, s, type_name(t));
        }
        break;
    }
    case HELIOS_OID_FLOAT4:
    case HELIOS_OID_FLOAT8: {
        char tmp[128];
        if (tn == 0 || tn >= sizeof tmp) {
            return bad_input(err, t, s, n);
        }
        memcpy(tmp, ts, tn);
        tmp[tn] = '\0';
        char *end;
        errno = 0;
        double d = strtod(tmp, &end);
        if (*end != '\0') {
            return bad_input(err, t, s, n);
        }
        if (errno == ERANGE && isinf(d)) {
            return sql_err(err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE,
                           "\"%s\" is out of range for type %s", tmp, type_name(t));
        }
        o.f = t == HELIOS_OID_FLOAT4 ? (double)(float)d : d;
        break;
    }
    case HELIOS_OID_NUMERIC: {
        int32_t rc = num_parse(a, s, n, &o, err);
        if (rc == 0) {
            rc = num_typmod(a, &o, tm, err);
        }
        if (rc != 0) {
            return rc;
        }
        break;
    }
    case HELIOS_OID_BYTEA: {
        if (n >= 2 && s[0] == '\\' && s[1] == 'x') {
            uint8_t *p = ar_alloc(a, n / 2 + 1);
            uint32_t k = 0;
            for (size_t i = 2; i < n;) {
                if (isspace((unsigned char)s[i])) {
                    i++;
                    continue;
                }
                int h = i + 1 < n ? hexv(s[i]) : -1, l = i + 1 < n ? hexv(s[i + 1]) : -1;
                if (h < 0 || l < 0) {
                    return bad_input(err, t, s, n);
                }
                p[k++] = (uint8_t)(h * 16 + l);
                i += 2;
            }
            o.s = (const char *)p;
            o.len = k;
        } else {
            uint8_t *p = ar_alloc(a, n + 1);
            uint32_t k = 0;
            for (size_t i = 0; i < n; i++) {
                if (s[i] == '\\') {
                    if (i + 1 < n && s[i + 1] == '\\') {
                        p[k++] = '\\';
                        i++;
                    } else if (i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3') {
                        p[k++] = (uint8_t)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
                                           (s[i + 3] - '0'));
                        i += 3;
                    } else {
                        return bad_input(err, t, s, n);
                    }
                } else {
                    p[k++] = (uint8_t)s[i];
                }
            }
            o.s = (const char *)p;
            o.len = k;
        }
        break;
    }
    case HELIOS_OID_DATE:
        if (dt_parse_date(ts, tn, &o.i) != 0) {
            return sql_err(err, HELIOS_ERR_INVALID_DATETIME_FORMAT,
                           "invalid input syntax for type date: \"%.*s\"", (int)n, s);
        }
        break;
    case HELIOS_OID_TIME:
        if (dt_parse_time(ts, tn, &o.i) != 0) {
            return sql_err(err, HELIOS_ERR_INVALID_DATETIME_FORMAT,
                           "invalid input syntax for type time: \"%.*s\"", (int)n, s);
        }
        break;
    case HELIOS_OID_TIMESTAMP:
    case HELIOS_OID_TIMESTAMPTZ:
        int32_t dr = dt_parse_timestamp(ts, tn, &o.i, t == HELIOS_OID_TIMESTAMPTZ);
        if (dr == -2) {
            return sql_err(err, HELIOS_ERR_INVALID_TIME_ZONE_DISPLACEMENT_VALUE,
                           "time zone displacement out of range: \"%.*s\"", (int)n, s);
        }
        if (dr == -3) {
            return sql_err(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                           "time zone \"%s\" not recognized", dt_bad_zone());
        }
        if (dr != 0) {
            return sql_err(err, HELIOS_ERR_INVALID_DATETIME_FORMAT,
                           "invalid input syntax for type %s: \"%.*s\"", type_name(t), (int)n,
                           s);
        }
        break;
    case HELIOS_OID_INTERVAL: {
        helios_interval_t iv;
        if (dt_parse_interval(ts, tn, &iv.us, &iv.days, &iv.months) != 0) {
            return sql_err(err, HELIOS_ERR_INVALID_DATETIME_FORMAT,
                           "invalid input syntax for type interval: \"%.*s\"", (int)n, s);
        }
        char *p = ar_alloc(a, sizeof iv);
        memcpy(p, &iv, sizeof iv);
        o.s = p;
        o.len = sizeof iv;
        break;
    }
    case HELIOS_OID_UUID: {
        uint8_t *u = ar_alloc(a, 16);
        int k = 0;
        size_t i = 0;
        if (tn > 0 && ts[0] == '{') {
            i = 1;
            tn--;
        }
        for (; i < tn && k < 32; i++) {
            if (ts[i] == '-' && k > 0 && k % 4 == 0) {
                continue;
            }
            int h = hexv(ts[i]);
            if (h < 0) {
                return bad_input(err, t, s, n);
            }
            if (k % 2 == 0) {
                u[k / 2] = (uint8_t)(h << 4);
            } else {
                u[k / 2] |= (uint8_t)h;
            }
            k++;
        }
        if (k != 32 || (i < tn && !(ts[i] == '}' && i + 1 == tn + 1 - 1))) {
            if (!(k == 32 && i == tn)) {
                return bad_input(err, t, s, n);
            }
        }
        o.s = (const char *)u;
        o.len = 16;
        break;
    }
    case HELIOS_OID_JSON:
    case HELIOS_OID_JSONB:
        if (a == NULL || json_input(a, s, n, t == HELIOS_OID_JSONB, &o.s, &o.len) != 0) {
            return sql_err(err, HELIOS_ERR_INVALID_TEXT_REPRESENTATION,
                           "invalid input syntax for type %s", t == 114 ? "json" : "json");
        }
        break;
    default:
        o.s = ar_strndup(a, s, n);
        o.len = (uint32_t)n;
        if (t == HELIOS_OID_BPCHAR && tm < 4) {
            /* unconstrained bpchar strips trailing blanks semantically; keep as is */
        }
        {
            int32_t rc = typmod_text(a, &o, tm, 0, err);
            if (rc != 0) {
                return rc;
            }
        }
        break;
    }
    *out = o;
    return 0;
}

/* ---------------- casts ---------------- */
static int32_t float_to_int(double d, uint32_t t, val_t *o, helios_err_t *err)
{
    if (isnan(d) || d >= 9223372036854775807.0 || d < -9223372036854775808.0) {
        return sql_err(err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE, "%s out of range",
                       t == HELIOS_OID_INT8 ? "bigint" : t == 21 ? "smallint" : "integer");
    }
    o->i = (int64_t)rint(d);
    return int_range(err, t, o->i);
}

int32_t val_cast(arena_t *a, const val_t *v, uint32_t t, int32_t tm, val_t *out, int explicit_,
                 helios_err_t *err)
{
    if (v->null) {
        memset(out, 0, sizeof *out);
        out->t = t;
        out->null = 1;
        return 0;
    }
    uint32_t f = v->t;
    val_t o = *v;
    o.t = t;
    if (f == t && tm < 0) {
        *out = o;
        return 0;
    }
    if (f == T_NULL || f == HELIOS_OID_UNKNOWN || (val_is_text(f) && !val_is_text(t)) ||
        ((f == 114 || f == 3802) && !val_is_text(t)) ||
        (type_elem_of(f) != 0 && !val_is_text(t))) {
        return val_from_text(a, t, tm, v->s, v->len, out, err);
    }
    if (val_is_text(t) || t == 114 || t == 3802 || type_elem_of(t) != 0) {
        if (!val_is_text(f)) {
            o.s = val_text(a, v, &o.len);
        }
        if (f == HELIOS_OID_BPCHAR && t != HELIOS_OID_BPCHAR) {
            while (o.len > 0 && o.s[o.len - 1] == ' ') {
                o.len--;
            }
        }
        o.t = t;
        int32_t rc = typmod_text(a, &o, tm, explicit_, err);
        if (rc != 0) {
            return rc;
        }
        *out = o;
        return 0;
    }
    int32_t rc = 0;
    if (val_is_int(t)) {
        if (val_is_int(f) || f == HELIOS_OID_BOOL) {
            rc = int_range(err, t, v->i);
        } else if (f == HELIOS_OID_FLOAT4 || f == HELIOS_OID_FLOAT8) {
            rc = float_to_int(v->f, t, &o, err);
        } else if (f == HELIOS_OID_NUMERIC) {
            o.pad = 0;
            o.scale = 0;
            o.len = 0;
            rc = num_to_int(v, t, &o.i, err);
        } else {
            goto nocast;
        }
    } else if (t == HELIOS_OID_FLOAT4 || t == HELIOS_OID_FLOAT8) {
        if (val_is_int(f)) {
            o.f = (double)v->i;
        } else if (f == HELIOS_OID_NUMERIC) {
            o.pad = 0;
            o.scale = 0;
            o.len = 0;
            if ((rc = num_to_float(v, t, &o.f, err)) != 0) {
                return rc;
            }
        } else if (f == HELIOS_OID_FLOAT4 || f == HELIOS_OID_FLOAT8) {
            o.f = v->f;
        } else {
            goto nocast;
        }
        if (t == HELIOS_OID_FLOAT4) {
            o.f = (double)(float)o.f;
        }
    } else if (t == HELIOS_OID_NUMERIC) {
        if (val_is_int(f)) {
            num_from_int(v->i, &o);
        } else if (f == HELIOS_OID_FLOAT4 || f == HELIOS_OID_FLOAT8) {
            if ((rc = num_from_float(a, v->f, f == HELIOS_OID_FLOAT4, &o, err)) != 0) {
                return rc;
            }
        } else if (f != HELIOS_OID_NUMERIC) {
            goto nocast;
        }
        rc = num_typmod(a, &o, tm, err);
    } else if (t == HELIOS_OID_BOOL) {
        if (val_is_int(f) && explicit_) {
            o.i = v->i != 0;
        } else if (f != HELIOS_OID_BOOL) {
            goto nocast;
        }
    } else if (t == HELIOS_OID_DATE) {
        if (f == HELIOS_OID_TIMESTAMP || f == HELIOS_OID_TIMESTAMPTZ) {
            /* timestamptz: the date in the session's time zone */
            int64_t us = f == HELIOS_OID_TIMESTAMPTZ ? dt_tstz_to_local(v->i) : v->i;
            int64_t d = us / 86400000000LL;
            if (us < 0 && us % 86400000000LL != 0) {
                d--;
            }
            o.i = d;
        } else if (f != HELIOS_OID_DATE) {
            goto nocast;
        }
    } else if (t == HELIOS_OID_TIMESTAMP || t == HELIOS_OID_TIMESTAMPTZ) {
        if (f == HELIOS_OID_DATE) {
            o.i = v->i * 86400000000LL;
        } else if (f != HELIOS_OID_TIMESTAMP && f != HELIOS_OID_TIMESTAMPTZ) {
            goto nocast;
        }
        /* wall time <-> instant in the session's time zone (types_dt.c) */
        if (t == HELIOS_OID_TIMESTAMPTZ && f != HELIOS_OID_TIMESTAMPTZ) {
            o.i = dt_local_to_tstz(o.i);
        } else if (t == HELIOS_OID_TIMESTAMP && f == HELIOS_OID_TIMESTAMPTZ) {
            o.i = dt_tstz_to_local(o.i);
        }
    } else if (t == HELIOS_OID_TIME) {
        if (f == HELIOS_OID_TIMESTAMP || f == HELIOS_OID_TIMESTAMPTZ) {
            int64_t r = (f == HELIOS_OID_TIMESTAMPTZ ? dt_tstz_to_local(v->i) : v->i) %
                        86400000000LL;
            o.i = r < 0 ? r + 86400000000LL : r;
        } else if (f != HELIOS_OID_TIME) {
            goto nocast;
        }
    } else if (f != t) {
        goto nocast;
    }
    if (rc != 0) {
        return rc;
    }
    *out = o;
    return 0;
nocast:
    return sql_err(err, HELIOS_ERR_CANNOT_COERCE, "cannot cast type %s to %s", type_name(f),
                   type_name(t));
}

/* ---------------- comparison / hashing ---------------- */
static int cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

static int cmp_dbl(double a, double b)
{
    /* PostgreSQL: NaN sorts above everything and equals itself */
    if (isnan(a)) {
        return isnan(b) ? 0 : 1;
    }
    if (isnan(b)) {
        return -1;
    }
    return a < b ? -1 : a > b;
}

int val_cmp(const val_t *a, const val_t *b)
{
    uint32_t ta = a->t, tb = b->t;
    if (val_is_num(ta) && val_is_num(tb)) {
        if (val_is_int(ta) && val_is_int(tb)) {
            return cmp_i64(a->i, b->i);
        }
        if (ta == HELIOS_OID_FLOAT4 || ta == HELIOS_OID_FLOAT8 || tb == HELIOS_OID_FLOAT4 ||
            tb == HELIOS_OID_FLOAT8) {
            double x = ta == 700 || ta == 701 ? a->f
                       : ta == 1700           ? num_val_double(a)
                                              : (double)a->i;
            double y = tb == 700 || tb == 701 ? b->f
                       : tb == 1700           ? num_val_double(b)
                                              : (double)b->i;
            return cmp_dbl(x, y);
        }
        return num_cmp(a, b);
    }
    switch (ta) {
    case HELIOS_OID_BOOL:
    case HELIOS_OID_DATE:
    case HELIOS_OID_TIME:
    case HELIOS_OID_TIMESTAMP:
    case HELIOS_OID_TIMESTAMPTZ:
        if (ta != tb && (ta == HELIOS_OID_TIMESTAMPTZ || tb == HELIOS_OID_TIMESTAMPTZ) &&
            ta != HELIOS_OID_TIME && tb != HELIOS_OID_TIME && ta != HELIOS_OID_BOOL) {
            /* timestamp/date against timestamptz: the wall time in the session zone */
            int64_t x = ta == HELIOS_OID_DATE ? a->i * 86400000000LL : a->i;
            int64_t y = tb == HELIOS_OID_DATE ? b->i * 86400000000LL : b->i;
            if (ta != HELIOS_OID_TIMESTAMPTZ) x = dt_local_to_tstz(x);
            if (tb != HELIOS_OID_TIMESTAMPTZ) y = dt_local_to_tstz(y);
            return cmp_i64(x, y);
        }
        if (tb == HELIOS_OID_DATE && ta != HELIOS_OID_DATE) {
            return cmp_i64(a->i, b->i * 86400000000LL);
        }
        if (ta == HELIOS_OID_DATE && (tb == 1114 || tb == 1184)) {
            return cmp_i64(a->i * 86400000000LL, b->i);
        }
        return cmp_i64(a->i, b->i);
    case HELIOS_OID_INTERVAL: {
        helios_interval_t x, y;
        memcpy(&x, a->s, sizeof x);
        memcpy(&y, b->s, sizeof y);
        __int128 vx = (__int128)x.us + ((__int128)x.days + (__int128)x.months * 30) * 86400000000LL;
        __int128 vy = (__int128)y.us + ((__int128)y.days + (__int128)y.months * 30) * 86400000000LL;
        return vx < vy ? -1 : vx > vy;
    }
    default: {
        uint32_t la = a->len, lb = b->len;
        if (ta == HELIOS_OID_BPCHAR) {
            while (la > 0 && a->s[la - 1] == ' ') la--;
        }
        if (tb == HELIOS_OID_BPCHAR) {
            while (lb > 0 && b->s[lb - 1] == ' ') lb--;
        }
        uint32_t m = la < lb ? la : lb;
        int c = m ? memcmp(a->s, b->s, m) : 0;
        if (c != 0) {
            return c < 0 ? -1 : 1;
        }
        return la < lb ? -1 : la > lb;
    }
    }
}

int val_equal_nn(const val_t *a, const val_t *b)
{
    return val_cmp(a, b) == 0;
}

int val_cmp_sort(const val_t *a, const val_t *b)
{
    if (a->null || b->null) {
        return a->null && b->null ? 0 : a->null ? 1 : -1;
    }
    return val_cmp(a, b);
}

uint64_t val_hash(const val_t *v)
{
    if (v->null) {
        return 0x9e3779b97f4a7c15ull;
    }
    if (val_is_int(v->t) || v->t == HELIOS_OID_BOOL || v->t == HELIOS_OID_DATE ||
        v->t == HELIOS_OID_TIME || v->t == 1114 || v->t == 1184) {
        return hash_bytes(&v->i, 8);
    }
    if (v->t == HELIOS_OID_NUMERIC) {
        return num_hash(v);
    }
    if (v->t == HELIOS_OID_FLOAT4 || v->t == HELIOS_OID_FLOAT8) {
        double d = v->f;
        if (d == 0) {
            d = 0;
        }
        if (d == rint(d) && fabs(d) < 9e18) {
            int64_t i = (int64_t)d;
            return hash_bytes(&i, 8);
        }
        return hash_bytes(&d, 8);
    }
    uint32_t l = v->len;
    if (v->t == HELIOS_OID_BPCHAR) {
        while (l > 0 && v->s[l - 1] == ' ') l--;
    }
    return hash_bytes(v->s, l);
}

/* one element of an array's text form, quoted only when PostgreSQL would quote it */
void array_put_elem(sbuf_t *b, const val_t *v)
{
    if (v->null) {
        sb_puts(b, "NULL");
        return;
    }
    sbuf_t t = {0};
    val_to_text(v, &t);
    const char *s = t.d != NULL ? t.d : "";
    int need = t.len == 0 || strcasecmp(s, "NULL") == 0;
    for (size_t i = 0; i < t.len && !need; i++) {
        char c = s[i];
        if (c == ',' || c == '{' || c == '}' || c == '"' || c == '\\' || isspace((unsigned char)c)) need = 1;
    }
    if (!need) {
        sb_putn(b, s, t.len);
    } else {
        sb_putc(b, '"');
        for (size_t i = 0; i < t.len; i++) {
            if (s[i] == '"' || s[i] == '\\') sb_putc(b, '\\');
            sb_putc(b, s[i]);
        }
        sb_putc(b, '"');
    }
    sb_free(&t);
}
