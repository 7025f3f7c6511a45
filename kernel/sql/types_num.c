/* kernel/sql/types_num.c -- numeric beyond 128 bits: PostgreSQL's arbitrary-precision numeric.
 *
 * A numeric val_t keeps the __int128 fast path (val_t.n / 10^scale) and switches to a big form
 * only when a value does not fit it (see sqlint.h, NUM_BIG): then val_t.s holds the unscaled
 * integer as decimal ASCII ("[-]digits") in the value's arena. Arithmetic on big values goes
 * through GMP (exact); sqrt/exp/ln/log and non-integer powers through MPFR, computed with guard
 * digits and rounded half away from zero at the result scale PostgreSQL 15 selects
 * (select_div_scale, numeric_sqrt, numeric_exp, numeric_ln, log_var, power_var). NaN and
 * +/-Infinity follow PostgreSQL 15 (NaN sorts above everything and equals itself).
 *
 * This file: the forms, text input/output, comparison and hashing, typmod, casts, the
 * arithmetic operators, rounding, sum/avg. types_num_fn.c: sqrt/exp/ln/log/power;
 * types_num_io.c: binary wire format, row and key encodings; types_num.h: what they share. */
#include <ctype.h>
#include <gmp.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/sqlint.h"
#include "sql/types_num.h"

/* ---------------- representation ---------------- */

void num_ndv_of(const val_t *v, ndv_t *o)
{
    o->neg = 0;
    if (v->t == HELIOS_OID_NUMERIC && v->pad == NUM_BIG) {
        o->scale = v->scale;
        o->neg = v->len > 0 && v->s[0] == '-';
        o->d = v->s + o->neg;
        o->nd = v->len - (size_t)o->neg;
        while (o->nd > 0 && o->d[0] == '0') {
            o->d++;
            o->nd--;
        }
        return;
    }
    __int128 n = v->t == HELIOS_OID_NUMERIC ? v->n : (__int128)v->i;
    o->scale = v->t == HELIOS_OID_NUMERIC ? v->scale : 0;
    unsigned __int128 u =
        n < 0 ? (unsigned __int128)0 - (unsigned __int128)n : (unsigned __int128)n;
    o->neg = n < 0;
    int p = (int)sizeof o->buf;
    while (u != 0) {
        o->buf[--p] = (char)('0' + (int)(u % 10));
        u /= 10;
    }
    o->d = o->buf + p;
    o->nd = sizeof o->buf - (size_t)p;
}

int num_is_special(const val_t *v)
{
    return v->t == HELIOS_OID_NUMERIC && v->pad >= NUM_NAN;
}

void num_set_special(val_t *o, uint8_t kind)
{
    memset(o, 0, sizeof *o);
    o->t = HELIOS_OID_NUMERIC;
    o->pad = kind;
}

void num_set_small(val_t *o, __int128 n, int scale)
{
    memset(o, 0, sizeof *o);
    o->t = HELIOS_OID_NUMERIC;
    o->n = n;
    o->scale = (int16_t)scale;
}

static void z_set_i128(mpz_t z, __int128 n)
{
    unsigned __int128 u =
        n < 0 ? (unsigned __int128)0 - (unsigned __int128)n : (unsigned __int128)n;
    uint64_t w[2] = {(uint64_t)u, (uint64_t)(u >> 64)};
    mpz_import(z, 2, -1, sizeof(uint64_t), 0, 0, w);
    if (n < 0)
        mpz_neg(z, z);
}

int num_z_get_i128(const mpz_t z, __int128 *n)
{
    if (mpz_sizeinbase(z, 2) > 127)
        return -1;
    uint64_t w[2] = {0, 0};
    size_t cnt = 0;
    mpz_export(w, &cnt, -1, sizeof(uint64_t), 0, 0, z);
    unsigned __int128 u = ((unsigned __int128)w[1] << 64) | w[0];
    *n = mpz_sgn(z) < 0 ? -(__int128)u : (__int128)u;
    return 0;
}

/* unscaled value of a finite numeric or integer into z; returns the scale */
int num_z_of(mpz_t z, const val_t *v)
{
    if (v->t == HELIOS_OID_NUMERIC && v->pad == NUM_BIG) {
        char stack[128];
        char *tmp = v->len < sizeof stack ? stack : malloc(v->len + 1);
        if (tmp == NULL)
            abort();
        memcpy(tmp, v->s, v->len);
        tmp[v->len] = '\0';
        if (mpz_set_str(z, tmp, 10) != 0)
            mpz_set_ui(z, 0);
        if (tmp != stack)
            free(tmp);
        return v->scale;
    }
    if (v->t == HELIOS_OID_NUMERIC) {
        z_set_i128(z, v->n);
        return v->scale;
    }
    mpz_set_si(z, (long)v->i);
    return 0;
}

/* 10^k for k <= 19 (fits an unsigned long): no GMP allocation on the common scale steps */
static unsigned long p10_ul(unsigned long k)
{
    unsigned long r = 1;
    while (k-- > 0)
        r *= 10;
    return r;
}

void num_z_mul_p10(mpz_t z, unsigned long k)
{
    if (k == 0)
        return;
    if (k <= 19) {
        mpz_mul_ui(z, z, p10_ul(k));
        return;
    }
    mpz_t p;
    mpz_init(p);
    mpz_ui_pow_ui(p, 10, k);
    mpz_mul(z, z, p);
    mpz_clear(p);
}

/* z = round(z / 10^k), half away from zero */
void num_z_round_p10(mpz_t z, unsigned long k, int trunc_)
{
    if (k == 0)
        return;
    if (k <= 19) {
        unsigned long d = p10_ul(k);
        int neg = mpz_sgn(z) < 0;
        unsigned long r = mpz_tdiv_q_ui(z, z, d); /* |remainder| */
        if (!trunc_ && r != 0 && r >= d - r) {
            if (neg)
                mpz_sub_ui(z, z, 1);
            else
                mpz_add_ui(z, z, 1);
        }
        return;
    }
    mpz_t p, r;
    mpz_init(p);
    mpz_init(r);
    mpz_ui_pow_ui(p, 10, k);
    mpz_tdiv_qr(z, r, z, p);
    if (!trunc_ && mpz_sgn(r) != 0) {
        int neg = mpz_sgn(r) < 0;
        mpz_abs(r, r);
        mpz_mul_2exp(r, r, 1);
        if (mpz_cmp(r, p) >= 0) {
            if (neg)
                mpz_sub_ui(z, z, 1);
            else
                mpz_add_ui(z, z, 1);
        }
    }
    mpz_clear(p);
    mpz_clear(r);
}

static arena_t num_const_ar; /* see num_alloc */
static pthread_mutex_t num_const_mu = PTHREAD_MUTEX_INITIALIZER;

static void *num_alloc(arena_t *a, size_t n)
{
    if (a != NULL)
        return ar_alloc(a, n);
    /* A NULL arena only comes from binding an untyped literal argument of a math function
       (func_result_type has no arena) to a big numeric: it must live as long as any plan, so it
       goes to a process-lifetime arena. */
    pthread_mutex_lock(&num_const_mu);
    void *p = ar_alloc(&num_const_ar, n);
    pthread_mutex_unlock(&num_const_mu);
    return p;
}

int32_t num_overflow_err(helios_err_t *err)
{
    return sql_err(err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
}

/* o = z / 10^scale, in the small form when it fits; PostgreSQL's storage limits apply */
int32_t num_make(arena_t *a, const mpz_t z, long scale, val_t *o, helios_err_t *err)
{
    if (scale < 0)
        scale = 0;
    if (scale > NUM_MAX_DSCALE)
        return num_overflow_err(err);
    __int128 n;
    if (scale <= NUM_SMALL_MAX_SCALE && num_z_get_i128(z, &n) == 0) {
        num_set_small(o, n, (int)scale);
        return 0;
    }
    size_t cap = mpz_sizeinbase(z, 10) + 2;
    if (cap > (size_t)NUM_MAX_INT_DIGITS + (size_t)scale + 4)
        return num_overflow_err(err);
    char *s = num_alloc(a, cap + 1);
    mpz_get_str(s, 10, z);
    size_t len = strlen(s);
    size_t nd = len - (s[0] == '-');
    if ((long)nd - scale > NUM_MAX_INT_DIGITS)
        return num_overflow_err(err);
    memset(o, 0, sizeof *o);
    o->t = HELIOS_OID_NUMERIC;
    o->pad = NUM_BIG;
    o->scale = (int16_t)scale;
    o->s = s;
    o->len = (uint32_t)len;
    return 0;
}

int num_floordiv4(long x)
{
    return (int)(x >= 0 ? x / 4 : -((-x + 3) / 4));
}

void num_b10k_of(const ndv_t *v, b10k_t *o)
{
    memset(o, 0, sizeof *o);
    if (v->nd == 0) {
        o->zero = 1;
        return;
    }
    long p = (long)v->nd - v->scale - 1; /* decimal exponent of the first digit */
    o->weight = num_floordiv4(p);
    long lo = (long)o->weight * 4;   /* exponent of the last digit of the first group */
    size_t k = (size_t)(p - lo + 1); /* digits of D in the first group */
    size_t i = 0;
    for (; i < k; i++)
        o->d0 = o->d0 * 10 + (i < v->nd ? v->d[i] - '0' : 0);
    for (size_t j = 0; j < 4; j++, i++)
        o->d1 = o->d1 * 10 + (i < v->nd ? v->d[i] - '0' : 0);
    for (size_t j = k; j < v->nd; j++) {
        if (v->d[j] != '0')
            o->more = 1;
    }
}

/* ---------------- text ---------------- */

static int ieq(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

int32_t num_parse(arena_t *a, const char *s0, size_t n0, val_t *o, helios_err_t *err)
{
    const char *s = s0;
    size_t n = n0;
    while (n > 0 && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (ieq(s, n, "nan")) {
        num_set_special(o, NUM_NAN);
        return 0;
    }
    if (ieq(s, n, "infinity") || ieq(s, n, "+infinity") || ieq(s, n, "inf") || ieq(s, n, "+inf")) {
        num_set_special(o, NUM_PINF);
        return 0;
    }
    if (ieq(s, n, "-infinity") || ieq(s, n, "-inf")) {
        num_set_special(o, NUM_NINF);
        return 0;
    }
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    size_t nsig = 0, ndig = 0, sig_at = 0;
    long fs = 0;
    int dot = 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (nsig == 0 && c != '0')
                sig_at = i;
            if (nsig > 0 || c != '0')
                nsig++;
            ndig++;
            if (dot)
                fs++;
        } else if (c == '.' && !dot) {
            dot = 1;
        } else {
            break;
        }
    }
    if (ndig == 0)
        goto bad;
    size_t mant_end = i;
    long ex = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0, ed = 0;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        int big = 0;
        for (; i < n && isdigit((unsigned char)s[i]); i++, ed++) {
            if (ex < 1000000000L)
                ex = ex * 10 + (s[i] - '0');
            else
                big = 1;
        }
        if (ed == 0)
            goto bad;
        if (big || ex >= 1073741823L)
            return num_overflow_err(err); /* PostgreSQL: INT_MAX / 2 */
        if (eneg)
            ex = -ex;
    }
    if (i != n)
        goto bad;
    long dscale = fs - ex;
    if (dscale < 0)
        dscale = 0;
    if (dscale > NUM_MAX_DSCALE)
        return num_overflow_err(err);
    if (nsig == 0) {
        num_set_small(o, 0, (int)dscale);
        return 0;
    }
    long k = ex - fs + dscale;             /* zeros after the significant digits: >= 0 */
    long intdigits = (long)nsig + ex - fs; /* value = digits * 10^(ex - fs) */
    if (intdigits > NUM_MAX_INT_DIGITS)
        return num_overflow_err(err);
    if ((long)nsig + k <= NUM_SMALL_MAX_SCALE && dscale <= NUM_SMALL_MAX_SCALE) {
        __int128 acc = 0;
        for (size_t j = sig_at; j < mant_end; j++) {
            if (s[j] >= '0' && s[j] <= '9')
                acc = acc * 10 + (s[j] - '0');
        }
        for (long j = 0; j < k; j++)
            acc *= 10;
        num_set_small(o, neg ? -acc : acc, (int)dscale);
        return 0;
    }
    size_t len = (size_t)neg + nsig + (size_t)k;
    char *d = num_alloc(a, len + 1);
    size_t p = 0;
    if (neg)
        d[p++] = '-';
    for (size_t j = sig_at; j < mant_end; j++) {
        if (s[j] >= '0' && s[j] <= '9')
            d[p++] = s[j];
    }
    memset(d + p, '0', (size_t)k);
    p += (size_t)k;
    d[p] = '\0';
    memset(o, 0, sizeof *o);
    o->t = HELIOS_OID_NUMERIC;
    o->pad = NUM_BIG;
    o->scale = (int16_t)dscale;
    o->s = d;
    o->len = (uint32_t)p;
    return 0;
bad:
    return sql_err(err, HELIOS_ERR_INVALID_TEXT_REPRESENTATION,
                   "invalid input syntax for type numeric: \"%.*s\"", (int)n0, s0);
}

void num_out(const val_t *v, sbuf_t *sb)
{
    if (num_is_special(v)) {
        sb_puts(sb, v->pad == NUM_NAN ? "NaN" : v->pad == NUM_PINF ? "Infinity" : "-Infinity");
        return;
    }
    if (v->pad != NUM_BIG) {
        num_to_str(v->n, v->scale, sb);
        return;
    }
    ndv_t d;
    num_ndv_of(v, &d);
    if (d.neg && d.nd > 0)
        sb_putc(sb, '-');
    long ip = (long)d.nd - d.scale;
    if (ip <= 0) {
        sb_putc(sb, '0');
    } else {
        sb_putn(sb, d.d, (size_t)ip);
    }
    if (d.scale > 0) {
        sb_putc(sb, '.');
        for (long j = ip; j < 0; j++)
            sb_putc(sb, '0');
        size_t from = ip > 0 ? (size_t)ip : 0;
        sb_putn(sb, d.d + from, d.nd - from);
    }
}

/* ---------------- comparison and hashing ---------------- */

static int special_rank(const val_t *v)
{
    if (!num_is_special(v))
        return 0;
    return v->pad == NUM_NAN ? 3 : v->pad == NUM_PINF ? 2 : -2;
}

static int cmp_mag(const ndv_t *x, const ndv_t *y)
{
    long ex = (long)x->nd - x->scale, ey = (long)y->nd - y->scale;
    if (ex != ey)
        return ex < ey ? -1 : 1;
    size_t m = x->nd < y->nd ? x->nd : y->nd;
    int c = m ? memcmp(x->d, y->d, m) : 0;
    if (c != 0)
        return c < 0 ? -1 : 1;
    for (size_t i = m; i < x->nd; i++) {
        if (x->d[i] != '0')
            return 1;
    }
    for (size_t i = m; i < y->nd; i++) {
        if (y->d[i] != '0')
            return -1;
    }
    return 0;
}

int num_cmp(const val_t *a, const val_t *b)
{
    int ra = special_rank(a), rb = special_rank(b);
    if (ra != 0 || rb != 0) {
        return ra < rb ? -1 : ra > rb;
    }
    if ((a->t != HELIOS_OID_NUMERIC || a->pad == NUM_SMALL) &&
        (b->t != HELIOS_OID_NUMERIC || b->pad == NUM_SMALL)) {
        __int128 x = a->t == HELIOS_OID_NUMERIC ? a->n : a->i;
        __int128 y = b->t == HELIOS_OID_NUMERIC ? b->n : b->i;
        int sa = a->t == HELIOS_OID_NUMERIC ? a->scale : 0;
        int sb = b->t == HELIOS_OID_NUMERIC ? b->scale : 0;
        if (sa == sb)
            return x < y ? -1 : x > y;
        int s = sa > sb ? sa : sb;
        __int128 x2 = x, y2 = y;
        if (num_rescale(&x2, (int16_t)sa, (int16_t)s) == 0 &&
            num_rescale(&y2, (int16_t)sb, (int16_t)s) == 0) {
            return x2 < y2 ? -1 : x2 > y2;
        }
    }
    ndv_t x, y;
    num_ndv_of(a, &x);
    num_ndv_of(b, &y);
    int sx = x.nd == 0 ? 0 : x.neg ? -1 : 1, sy = y.nd == 0 ? 0 : y.neg ? -1 : 1;
    if (sx != sy)
        return sx < sy ? -1 : 1;
    if (sx == 0)
        return 0;
    int c = cmp_mag(&x, &y);
    return sx < 0 ? -c : c;
}

uint64_t num_hash(const val_t *v)
{
    if (num_is_special(v)) {
        uint64_t k = 0x6e756d0000000000ull | v->pad;
        return hash_bytes(&k, 8);
    }
    ndv_t d;
    num_ndv_of(v, &d);
    size_t nd = d.nd;
    long sc = d.scale;
    while (nd > 0 && sc > 0 && d.d[nd - 1] == '0') {
        nd--;
        sc--;
    }
    if (nd == 0) {
        int64_t z = 0;
        return hash_bytes(&z, 8);
    }
    /* integral values in int64 range hash as the integer (joins with int columns) */
    if (sc == 0 && nd <= 19) {
        __int128 acc = 0;
        for (size_t i = 0; i < nd; i++)
            acc = acc * 10 + (d.d[i] - '0');
        if (d.neg)
            acc = -acc;
        if (acc >= INT64_MIN && acc <= INT64_MAX) {
            int64_t i = (int64_t)acc;
            return hash_bytes(&i, 8);
        }
    }
    /* both forms: the digits (trailing zeros stripped), their count past the point, the sign */
    uint64_t h = hash_bytes(d.d, nd);
    return h ^ ((uint64_t)(int64_t)((long)nd - sc) * 0x9e3779b97f4a7c15ull) ^ (uint64_t)d.neg;
}

/* ---------------- typmod ---------------- */

int32_t num_typmod(arena_t *a, val_t *o, int32_t tm, helios_err_t *err)
{
    if (tm < 4 || o->t != HELIOS_OID_NUMERIC)
        return 0;
    int p = ((tm - 4) >> 16) & 0xffff;
    int s = ((((tm - 4) & 0x7ff) ^ 1024) - 1024);
    if (o->pad == NUM_NAN)
        return 0;
    if (num_is_special(o)) {
        sql_err(err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
        sql_err_detail(err, "A field with precision %d, scale %d cannot hold an infinite value.", p,
                       s);
        return HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE;
    }
    int maxdigits = p - s;
    int32_t rc = 0;
    if (o->pad == NUM_SMALL && s >= 0 && s <= NUM_SMALL_MAX_SCALE) {
        __int128 n = o->n;
        if (num_rescale(&n, o->scale, (int16_t)s) == 0) {
            ndv_t d;
            val_t t2;
            num_set_small(&t2, n, s);
            num_ndv_of(&t2, &d);
            if (d.nd > 0 && (long)d.nd - s > maxdigits)
                goto overflow;
            *o = t2;
            return 0;
        }
    }
    mpz_t z;
    mpz_init(z);
    int sc = num_z_of(z, o);
    if (s >= sc) {
        num_z_mul_p10(z, (unsigned long)(s - sc));
    } else {
        num_z_round_p10(z, (unsigned long)(sc - s), 0);
    }
    if (s < 0)
        num_z_mul_p10(z, (unsigned long)-s);
    long nd = mpz_sgn(z) == 0 ? 0 : (long)mpz_sizeinbase(z, 10);
    if (nd > 0) {
        /* sizeinbase may be one too big: check exactly */
        mpz_t p10;
        mpz_init(p10);
        mpz_ui_pow_ui(p10, 10, (unsigned long)(nd - 1));
        if (mpz_cmpabs(z, p10) < 0)
            nd--;
        mpz_clear(p10);
    }
    int sres = s < 0 ? 0 : s;
    if (nd > 0 && nd - sres > maxdigits) {
        mpz_clear(z);
        goto overflow;
    }
    rc = num_make(a, z, sres, o, err);
    mpz_clear(z);
    return rc;
overflow:
    sql_err(err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
    sql_err_detail(err,
                   "A field with precision %d, scale %d must round to an absolute value less "
                   "than %s%d.",
                   p, s, maxdigits ? "10^" : "", maxdigits ? maxdigits : 1);
    return HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE;
}

/* ---------------- conversions ---------------- */

void num_from_int(int64_t i, val_t *o)
{
    num_set_small(o, i, 0);
}

double num_val_double(const val_t *v)
{
    if (num_is_special(v)) {
        return v->pad == NUM_NAN ? NAN : v->pad == NUM_PINF ? HUGE_VAL : -HUGE_VAL;
    }
    if (v->t != HELIOS_OID_NUMERIC)
        return (double)v->i;
    if (v->pad == NUM_SMALL)
        return num_to_double(v->n, v->scale);
    ndv_t d;
    num_ndv_of(v, &d);
    char *tmp = malloc(d.nd + 32);
    if (tmp == NULL)
        abort();
    snprintf(tmp, d.nd + 32, "%s%.*se-%d", d.neg ? "-" : "", (int)(d.nd ? d.nd : 1),
             d.nd ? d.d : "0", d.scale);
    double r = strtod(tmp, NULL);
    free(tmp);
    return r;
}

int32_t num_to_float(const val_t *v, uint32_t t, double *out, helios_err_t *err)
{
    double d = num_val_double(v);
    if (!num_is_special(v)) {
        double lim = t == HELIOS_OID_FLOAT4 ? 3.4028234663852886e38 : HUGE_VAL;
        int zero = v->pad == NUM_SMALL ? v->n == 0 : 0;
        if (v->pad == NUM_BIG) {
            ndv_t nv;
            num_ndv_of(v, &nv);
            zero = nv.nd == 0;
        }
        double mn = t == HELIOS_OID_FLOAT4 ? 1.401298464324817e-45 : 4.9406564584124654e-324;
        if (fabs(d) > lim || isinf(d) || (!zero && fabs(d) < mn)) {
            sbuf_t sb = {0};
            num_out(v, &sb);
            sql_err(err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE,
                    "\"%s\" is out of range for type %s", sb.d,
                    t == HELIOS_OID_FLOAT4 ? "real" : "double precision");
            sb_free(&sb);
            return HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE;
        }
    }
    *out = t == HELIOS_OID_FLOAT4 ? (double)(float)d : d;
    return 0;
}

int32_t num_from_float(arena_t *a, double d, int is4, val_t *o, helios_err_t *err)
{
    if (isnan(d)) {
        num_set_special(o, NUM_NAN);
        return 0;
    }
    if (isinf(d)) {
        num_set_special(o, d > 0 ? NUM_PINF : NUM_NINF);
        return 0;
    }
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*g", is4 ? 6 : 15, d);
    return num_parse(a, tmp, strlen(tmp), o, err);
}

int32_t num_to_int(const val_t *v, uint32_t t, int64_t *out, helios_err_t *err)
{
    const char *tn = t == HELIOS_OID_INT8   ? "bigint"
                     : t == HELIOS_OID_INT2 ? "smallint"
                                            : "integer";
    if (num_is_special(v)) {
        return sql_err(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED, "cannot convert %s to %s",
                       v->pad == NUM_NAN ? "NaN" : "infinity", tn);
    }
    __int128 x;
    if (v->t != HELIOS_OID_NUMERIC) {
        x = v->i;
    } else if (v->pad == NUM_SMALL) {
        x = v->n;
        num_rescale(&x, v->scale, 0);
    } else {
        ndv_t d;
        num_ndv_of(v, &d);
        if ((long)d.nd - d.scale > 20)
            goto range;
        mpz_t z;
        mpz_init(z);
        int sc = num_z_of(z, v);
        num_z_round_p10(z, (unsigned long)sc, 0);
        int r = num_z_get_i128(z, &x);
        mpz_clear(z);
        if (r != 0)
            goto range;
    }
    if (x > INT64_MAX || x < INT64_MIN)
        goto range;
    if ((t == HELIOS_OID_INT4 && (x > INT32_MAX || x < INT32_MIN)) ||
        (t == HELIOS_OID_INT2 && (x > INT16_MAX || x < INT16_MIN))) {
        goto range;
    }
    *out = (int64_t)x;
    return 0;
range:
    return sql_err(err, HELIOS_ERR_NUMERIC_VALUE_OUT_OF_RANGE, "%s out of range", tn);
}

/* ---------------- arithmetic ---------------- */

int num_sign_of(const val_t *v)
{
    if (num_is_special(v))
        return v->pad == NUM_PINF ? 1 : v->pad == NUM_NINF ? -1 : 0;
    if (v->t != HELIOS_OID_NUMERIC)
        return v->i > 0 ? 1 : v->i < 0 ? -1 : 0;
    if (v->pad == NUM_SMALL)
        return v->n > 0 ? 1 : v->n < 0 ? -1 : 0;
    ndv_t d;
    num_ndv_of(v, &d);
    return d.nd == 0 ? 0 : d.neg ? -1 : 1;
}

int num_scale_of(const val_t *v)
{
    return v->t == HELIOS_OID_NUMERIC && !num_is_special(v) ? v->scale : 0;
}

/* PostgreSQL's select_div_scale */
int num_div_scale(const val_t *x, const val_t *y)
{
    ndv_t a, b;
    b10k_t wa, wb;
    num_ndv_of(x, &a);
    num_ndv_of(y, &b);
    num_b10k_of(&a, &wa);
    num_b10k_of(&b, &wb);
    int qweight = wa.weight - wb.weight;
    if (wa.d0 <= wb.d0)
        qweight--;
    int rscale = NUM_MIN_SIG - qweight * 4;
    if (rscale < a.scale)
        rscale = a.scale;
    if (rscale < b.scale)
        rscale = b.scale;
    if (rscale < 0)
        rscale = 0;
    if (rscale > NUM_MAX_DISPLAY)
        rscale = NUM_MAX_DISPLAY;
    return rscale;
}

int32_t num_div0(helios_err_t *err)
{
    return sql_err(err, HELIOS_ERR_DIVISION_BY_ZERO, "division by zero");
}

/* q = round(x / y) at rscale (trunc_: truncated); y != 0 */
int32_t num_div_at(arena_t *a, const val_t *x, const val_t *y, int rscale, int trunc_, val_t *o,
                   helios_err_t *err)
{
    mpz_t X, Y;
    mpz_init(X);
    mpz_init(Y);
    int sx = num_z_of(X, x), sy = num_z_of(Y, y);
    long e = (long)rscale + 1 + sy - sx;
    if (e >= 0)
        num_z_mul_p10(X, (unsigned long)e);
    else
        num_z_mul_p10(Y, (unsigned long)-e);
    mpz_tdiv_q(X, X, Y);
    num_z_round_p10(X, 1, trunc_);
    int32_t rc = num_make(a, X, rscale, o, err);
    mpz_clear(X);
    mpz_clear(Y);
    return rc;
}

int32_t num_special_binop(uint32_t op, const val_t *x, const val_t *y, val_t *o, helios_err_t *err)
{
    int kx = num_is_special(x) ? x->pad : 0, ky = num_is_special(y) ? y->pad : 0;
    int sgx = num_sign_of(x), sgy = num_sign_of(y);
    if (kx == NUM_NAN || ky == NUM_NAN) {
        num_set_special(o, NUM_NAN);
        return 0;
    }
    switch (op) {
    case OP_ADD:
    case OP_SUB: {
        int ix = kx ? sgx : 0, iy = ky ? (op == OP_SUB ? -sgy : sgy) : 0;
        if (ix != 0 && iy != 0 && ix != iy)
            num_set_special(o, NUM_NAN);
        else
            num_set_special(o, (ix ? ix : iy) > 0 ? NUM_PINF : NUM_NINF);
        return 0;
    }
    case OP_MUL:
        if (sgx == 0 || sgy == 0)
            num_set_special(o, NUM_NAN);
        else
            num_set_special(o, sgx * sgy > 0 ? NUM_PINF : NUM_NINF);
        return 0;
    case OP_DIV:
        if (kx) {
            if (ky) {
                num_set_special(o, NUM_NAN);
                return 0;
            }
            if (sgy == 0)
                return num_div0(err);
            num_set_special(o, sgx * sgy > 0 ? NUM_PINF : NUM_NINF);
            return 0;
        }
        num_set_small(o, 0, 0);
        return 0;
    case OP_MOD:
        if (kx) {
            if (sgy == 0)
                return num_div0(err);
            num_set_special(o, NUM_NAN);
            return 0;
        }
        *o = *x;
        if (o->t != HELIOS_OID_NUMERIC)
            num_set_small(o, x->i, 0);
        return 0;
    default:
        num_set_special(o, NUM_NAN);
        return 0;
    }
}

int32_t num_binop(arena_t *a, uint32_t op, const val_t *x, const val_t *y, val_t *o,
                  helios_err_t *err)
{
    if (op == OP_POW)
        return num_math(a, "power", x, y, o, err);
    if (num_is_special(x) || num_is_special(y))
        return num_special_binop(op, x, y, o, err);
    int small = (x->t != HELIOS_OID_NUMERIC || x->pad == NUM_SMALL) &&
                (y->t != HELIOS_OID_NUMERIC || y->pad == NUM_SMALL);
    int sx = num_scale_of(x), sy = num_scale_of(y);
    if (small && op != OP_DIV) {
        __int128 p = x->t == HELIOS_OID_NUMERIC ? x->n : x->i;
        __int128 q = y->t == HELIOS_OID_NUMERIC ? y->n : y->i;
        __int128 r;
        int s = sx > sy ? sx : sy;
        if (op == OP_MUL) {
            if (sx + sy <= NUM_SMALL_MAX_SCALE && !__builtin_mul_overflow(p, q, &r)) {
                num_set_small(o, r, sx + sy);
                return 0;
            }
        } else if (num_rescale(&p, (int16_t)sx, (int16_t)s) == 0 &&
                   num_rescale(&q, (int16_t)sy, (int16_t)s) == 0) {
            if (op == OP_ADD && !__builtin_add_overflow(p, q, &r)) {
                num_set_small(o, r, s);
                return 0;
            }
            if (op == OP_SUB && !__builtin_sub_overflow(p, q, &r)) {
                num_set_small(o, r, s);
                return 0;
            }
            if (op == OP_MOD) {
                if (q == 0)
                    return num_div0(err);
                num_set_small(o, p % q, s);
                return 0;
            }
        }
    }
    if (op == OP_DIV) {
        if (num_sign_of(y) == 0)
            return num_div0(err);
        return num_div_at(a, x, y, num_div_scale(x, y), 0, o, err);
    }
    mpz_t X, Y;
    mpz_init(X);
    mpz_init(Y);
    num_z_of(X, x);
    num_z_of(Y, y);
    int32_t rc = 0;
    long s = sx > sy ? sx : sy;
    if (op == OP_MUL) {
        mpz_mul(X, X, Y);
        s = (long)sx + sy;
        if (s > NUM_MAX_DSCALE) { /* PostgreSQL rounds an exact product past the storable scale */
            num_z_round_p10(X, (unsigned long)(s - NUM_MAX_DSCALE), 0);
            s = NUM_MAX_DSCALE;
        }
    } else {
        num_z_mul_p10(X, (unsigned long)(s - sx));
        num_z_mul_p10(Y, (unsigned long)(s - sy));
        if (op == OP_ADD) {
            mpz_add(X, X, Y);
        } else if (op == OP_SUB) {
            mpz_sub(X, X, Y);
        } else if (op == OP_MOD) {
            if (mpz_sgn(Y) == 0) {
                rc = num_div0(err);
                goto done;
            }
            mpz_tdiv_r(X, X, Y);
        } else {
            rc = sql_err(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                         "operator not supported for numeric");
            goto done;
        }
    }
    rc = num_make(a, X, s, o, err);
done:
    mpz_clear(X);
    mpz_clear(Y);
    return rc;
}

int32_t num_neg(arena_t *a, const val_t *x, val_t *o)
{
    if (num_is_special(x)) {
        num_set_special(o, x->pad == NUM_NAN ? NUM_NAN : x->pad == NUM_PINF ? NUM_NINF : NUM_PINF);
        return 0;
    }
    if (x->t != HELIOS_OID_NUMERIC) {
        num_set_small(o, -(__int128)x->i, 0);
        return 0;
    }
    const __int128 i128_min = -(__int128)(((unsigned __int128)1 << 127) - 1) - 1;
    if (x->pad == NUM_SMALL && x->n != i128_min) {
        num_set_small(o, -x->n, x->scale);
        return 0;
    }
    ndv_t d;
    num_ndv_of(x, &d);
    *o = *x;
    if (d.nd == 0)
        return 0;
    char *s = num_alloc(a, d.nd + 2);
    size_t p = 0;
    if (!d.neg)
        s[p++] = '-';
    memcpy(s + p, d.d, d.nd);
    p += d.nd;
    s[p] = '\0';
    o->s = s;
    o->len = (uint32_t)p;
    return 0;
}

int32_t num_abs(arena_t *a, const val_t *x, val_t *o)
{
    if (num_sign_of(x) < 0)
        return num_neg(a, x, o);
    *o = *x;
    if (o->t != HELIOS_OID_NUMERIC)
        num_set_small(o, x->i, 0);
    return 0;
}

/* ---------------- rounding functions ---------------- */

int32_t num_round(arena_t *a, const val_t *x, int64_t places, int trunc_, val_t *o,
                  helios_err_t *err)
{
    if (num_is_special(x)) {
        *o = *x;
        return 0;
    }
    if (places > NUM_MAX_RESULT_SCALE)
        places = NUM_MAX_RESULT_SCALE;
    if (places < -NUM_MAX_RESULT_SCALE)
        places = -NUM_MAX_RESULT_SCALE;
    mpz_t z;
    mpz_init(z);
    int sc = num_z_of(z, x);
    if (places >= sc) {
        num_z_mul_p10(z, (unsigned long)(places - sc));
    } else {
        num_z_round_p10(z, (unsigned long)(sc - places), trunc_);
        if (places < 0)
            num_z_mul_p10(z, (unsigned long)-places);
    }
    int32_t rc = num_make(a, z, places < 0 ? 0 : places, o, err);
    mpz_clear(z);
    return rc;
}

int32_t num_ceil_floor(arena_t *a, const val_t *x, int ceil_, val_t *o, helios_err_t *err)
{
    if (num_is_special(x)) {
        *o = *x;
        return 0;
    }
    mpz_t z, p;
    mpz_init(z);
    mpz_init(p);
    int sc = num_z_of(z, x);
    mpz_ui_pow_ui(p, 10, (unsigned long)sc);
    if (ceil_)
        mpz_cdiv_q(z, z, p);
    else
        mpz_fdiv_q(z, z, p);
    int32_t rc = num_make(a, z, 0, o, err);
    mpz_clear(z);
    mpz_clear(p);
    return rc;
}

int32_t num_sign(const val_t *x, val_t *o)
{
    if (num_is_special(x) && x->pad == NUM_NAN) {
        num_set_special(o, NUM_NAN);
        return 0;
    }
    num_set_small(o, num_sign_of(x), 0);
    return 0;
}

/* ---------------- aggregates ---------------- */

struct num_acc {
    mpz_t z;
    int scale;
    int64_t nan, pinf, ninf;
};

static void acc_free(void *p)
{
    struct num_acc *s = p;
    mpz_clear(s->z);
}

num_acc_t *num_acc_new(arena_t *a)
{
    struct num_acc *s = ar_zalloc(a, sizeof *s);
    mpz_init(s->z);
    if (ar_defer(a, acc_free, s) != 0)
        return NULL;
    return s;
}

void num_acc_add_i128(num_acc_t *s, __int128 n, int scale)
{
    val_t v;
    num_set_small(&v, n, scale);
    num_acc_add(s, &v);
}

void num_acc_add(num_acc_t *s, const val_t *v)
{
    if (num_is_special(v)) {
        if (v->pad == NUM_NAN)
            s->nan++;
        else if (v->pad == NUM_PINF)
            s->pinf++;
        else
            s->ninf++;
        return;
    }
    mpz_t z;
    mpz_init(z);
    int sc = num_z_of(z, v);
    if (sc > s->scale) {
        num_z_mul_p10(s->z, (unsigned long)(sc - s->scale));
        s->scale = sc;
    } else if (sc < s->scale) {
        num_z_mul_p10(z, (unsigned long)(s->scale - sc));
    }
    mpz_add(s->z, s->z, z);
    mpz_clear(z);
}

void num_acc_add_sq(num_acc_t *s, const val_t *v)
{
    if (num_is_special(v)) {
        num_acc_add(s, v);
        return;
    }
    mpz_t z;
    mpz_init(z);
    int sc = num_z_of(z, v);
    mpz_mul(z, z, z);
    sc *= 2;
    if (sc > s->scale) {
        num_z_mul_p10(s->z, (unsigned long)(sc - s->scale));
        s->scale = sc;
    } else if (sc < s->scale) {
        num_z_mul_p10(z, (unsigned long)(s->scale - sc));
    }
    mpz_add(s->z, s->z, z);
    mpz_clear(z);
}

/* PostgreSQL's numeric_stddev_internal: (N * sum(x^2) - sum(x)^2) / (N * (N - 1)) (N * N for
   the population forms) at select_div_scale's scale, exact up to that rounding; the square root
   at the same scale */
int32_t num_acc_stddev(arena_t *a, num_acc_t *sx, num_acc_t *sx2, int64_t n, int sample,
                       int variance, val_t *o, helios_err_t *err)
{
    if (n == 0 || (sample && n <= 1)) {
        memset(o, 0, sizeof *o);
        o->t = HELIOS_OID_NUMERIC;
        o->null = 1;
        return 0;
    }
    if (sx->nan > 0 || sx->pinf > 0 || sx->ninf > 0) {
        num_set_special(o, NUM_NAN);
        return 0;
    }
    mpz_t num, t;
    mpz_init(num);
    mpz_init(t);
    /* sum(x)^2 at scale 2 s; N * sum(x^2) at the scale of sum(x^2) (2 s as well) */
    long s2 = 2L * sx->scale;
    mpz_mul(t, sx->z, sx->z);
    mpz_mul_si(num, sx2->z, (long)n);
    if (sx2->scale < s2)
        num_z_mul_p10(num, (unsigned long)(s2 - sx2->scale));
    else if (sx2->scale > s2)
        num_z_mul_p10(t, (unsigned long)(sx2->scale - s2));
    long sc = s2 > sx2->scale ? s2 : sx2->scale;
    mpz_sub(num, num, t);
    int32_t rc = 0;
    if (mpz_sgn(num) <= 0) {
        num_set_small(o, 0, 0);
        goto done;
    }
    val_t vn, vd, q;
    if ((rc = num_make(a, num, sc, &vn, err)) != 0)
        goto done;
    mpz_set_si(t, (long)n);
    mpz_mul_si(t, t, sample ? (long)n - 1 : (long)n);
    if ((rc = num_make(a, t, 0, &vd, err)) != 0)
        goto done;
    int rscale = num_div_scale(&vn, &vd);
    if ((rc = num_div_at(a, &vn, &vd, rscale, 0, &q, err)) != 0)
        goto done;
    if (variance)
        *o = q;
    else
        rc = num_sqrt_at(a, &q, rscale, o, err);
done:
    mpz_clear(num);
    mpz_clear(t);
    return rc;
}

int32_t num_acc_result(arena_t *a, num_acc_t *s, int64_t count, val_t *o, helios_err_t *err)
{
    if (s->nan > 0 || (s->pinf > 0 && s->ninf > 0)) {
        num_set_special(o, NUM_NAN);
        return 0;
    }
    if (s->pinf > 0 || s->ninf > 0) {
        num_set_special(o, s->pinf > 0 ? NUM_PINF : NUM_NINF);
        return 0;
    }
    val_t sum;
    int32_t rc = num_make(a, s->z, s->scale, &sum, err);
    if (rc != 0 || count <= 0) {
        if (rc == 0)
            *o = sum;
        return rc;
    }
    val_t c;
    num_set_small(&c, count, 0);
    return num_binop(a, OP_DIV, &sum, &c, o, err);
}
