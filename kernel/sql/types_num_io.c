/* kernel/sql/types_num_io.c -- numeric's external forms: PostgreSQL's binary wire format
 * (numeric_send / numeric_recv: base-10000 digits, weight, sign, dscale), the row value and the
 * order-preserving key (see num_key_encode). */
#include <stdlib.h>
#include <string.h>

#include "sql/types_num.h"

/* ---------------- binary wire format (PostgreSQL numeric_send / numeric_recv) ---------------- */

static void put16(sbuf_t *b, uint16_t x)
{
    char k[2] = {(char)(x >> 8), (char)x};
    sb_putn(b, k, 2);
}

void num_send_text(const char *s, size_t n, sbuf_t *b)
{
    val_t v;
    arena_t tmp = {0};
    if (num_parse(&tmp, s, n, &v, NULL) != 0)
        num_set_small(&v, 0, 0);
    if (num_is_special(&v)) {
        put16(b, 0);
        put16(b, 0);
        put16(b, v.pad == NUM_NAN ? 0xC000 : v.pad == NUM_PINF ? 0xD000 : 0xF000);
        put16(b, v.pad == NUM_NAN ? 0 : 0x20); /* PostgreSQL's bits of the special header */
        ar_free(&tmp);
        return;
    }
    ndv_t d;
    b10k_t w;
    num_ndv_of(&v, &d);
    num_b10k_of(&d, &w);
    if (d.nd == 0) {
        put16(b, 0);
        put16(b, 0);
        put16(b, 0);
        put16(b, (uint16_t)d.scale);
        ar_free(&tmp);
        return;
    }
    /* digit i of D sits at decimal exponent p - i; groups by floor(exp / 4) from weight down */
    long p = (long)d.nd - d.scale - 1;
    /* trailing zero digits of D make no base-10000 digit */
    size_t nd = d.nd;
    while (nd > 0 && d.d[nd - 1] == '0')
        nd--;
    long last_exp = p - (long)nd + 1;
    int lastw = num_floordiv4(last_exp);
    size_t ng = (size_t)(w.weight - lastw + 1);
    put16(b, (uint16_t)ng);
    put16(b, (uint16_t)(int16_t)w.weight);
    put16(b, d.neg ? 0x4000 : 0);
    put16(b, (uint16_t)d.scale);
    for (long g = w.weight; g >= lastw; g--) {
        int dig = 0;
        for (long e = g * 4 + 3; e >= g * 4; e--) {
            long idx = p - e;
            dig = dig * 10 + (idx >= 0 && (size_t)idx < nd ? d.d[idx] - '0' : 0);
        }
        put16(b, (uint16_t)dig);
    }
    ar_free(&tmp);
}

int32_t num_recv(arena_t *a, const uint8_t *d, size_t n, val_t *o, helios_err_t *err)
{
    if (n < 8)
        goto bad;
    size_t ndig = ((size_t)d[0] << 8) | d[1];
    int weight = (int16_t)((d[2] << 8) | d[3]);
    int sign = (d[4] << 8) | d[5], dscale = (d[6] << 8) | d[7];
    if (8 + ndig * 2 != n)
        goto bad;
    if (sign == 0xC000) {
        num_set_special(o, NUM_NAN);
        return 0;
    }
    if (sign == 0xD000 || sign == 0xF000) {
        num_set_special(o, sign == 0xD000 ? NUM_PINF : NUM_NINF);
        return 0;
    }
    if ((sign != 0 && sign != 0x4000) || dscale > NUM_MAX_DSCALE)
        goto bad;
    /* unscaled = sum digit_i * 10000^(weight - i) * 10^dscale, truncated at dscale */
    mpz_t z;
    mpz_init(z);
    for (size_t i = 0; i < ndig; i++) {
        int dg = (d[8 + i * 2] << 8) | d[9 + i * 2];
        if (dg >= 10000) {
            mpz_clear(z);
            goto bad;
        }
        mpz_mul_ui(z, z, 10000);
        mpz_add_ui(z, z, (unsigned long)dg);
    }
    /* z is the value * 10000^(ndig - 1 - weight) */
    long e10 = 4L * ((long)ndig - 1 - weight); /* value = z / 10^e10 */
    if (e10 > dscale)
        num_z_round_p10(z, (unsigned long)(e10 - dscale), 1);
    else
        num_z_mul_p10(z, (unsigned long)(dscale - e10));
    if (sign == 0x4000)
        mpz_neg(z, z);
    int32_t rc = num_make(a, z, dscale, o, err);
    mpz_clear(z);
    return rc;
bad:
    return sql_err(err, HELIOS_ERR_INVALID_BINARY_REPRESENTATION,
                   "invalid numeric in binary format");
}

/* ---------------- storage ---------------- */

/* Row format of a numeric column value (after the 4-byte length l):
 *   l == 17, first byte 0..38: the small form, scale(1) then the __int128 (historical format)
 *   first byte 0x81: big form, scale (2 bytes LE), then the "[-]digits" text (l - 3 bytes)
 *   first byte 0x82 / 0x83 / 0x84 (l == 1): NaN / Infinity / -Infinity */
void num_row_put(sbuf_t *b, const val_t *v)
{
    uint32_t l;
    if (num_is_special(v)) {
        l = 1;
        sb_putn(b, (const char *)&l, 4);
        sb_putc(b, (char)(0x80 | v->pad));
        return;
    }
    if (v->pad == NUM_BIG) {
        l = 3 + v->len;
        sb_putn(b, (const char *)&l, 4);
        sb_putc(b, (char)0x81);
        uint16_t sc = (uint16_t)v->scale;
        sb_putn(b, (const char *)&sc, 2);
        sb_putn(b, v->s, v->len);
        return;
    }
    l = 17;
    sb_putn(b, (const char *)&l, 4);
    sb_putc(b, (char)v->scale);
    sb_putn(b, (const char *)&v->n, 16);
}

int num_row_get(const uint8_t *p, uint32_t l, val_t *v)
{
    if (l == 0)
        return -1;
    if (p[0] < 0x80) {
        if (l != 17)
            return -1;
        v->pad = NUM_SMALL;
        v->scale = (int8_t)p[0];
        memcpy(&v->n, p + 1, 16);
        return 0;
    }
    if (p[0] == 0x81) {
        if (l < 4)
            return -1;
        uint16_t sc;
        memcpy(&sc, p + 1, 2);
        v->pad = NUM_BIG;
        v->scale = (int16_t)sc;
        v->s = (const char *)p + 3;
        v->len = l - 3;
        return 0;
    }
    if (l == 1 && p[0] >= 0x82 && p[0] <= 0x84) {
        v->pad = (uint8_t)(p[0] & 0x7f);
        return 0;
    }
    return -1;
}

static void put_u128_be(sbuf_t *b, unsigned __int128 u)
{
    char k[16];
    for (int i = 0; i < 16; i++)
        k[i] = (char)(u >> (120 - 8 * i));
    sb_putn(b, k, 16);
}

static void put_be32(sbuf_t *b, uint32_t x)
{
    char k[4] = {(char)(x >> 24), (char)(x >> 16), (char)(x >> 8), (char)x};
    sb_putn(b, k, 4);
}

/* Order-preserving key of a numeric (after the non-null tag). W = value * 10^18.
 *   W an integer in (-2^127, 2^127): the historical 16 bytes, W ^ 2^127 big-endian.
 *   W not an integer, floor(W) in [-2^127, 2^127): 16 bytes of floor(W), 0xFF, then the digits
 *       of W - floor(W) past the point (0x01 + digit each, trailing zeros dropped), 0x00.
 *   W >= 2^127 (and +Infinity, NaN): 16 bytes 0xFF.., 0xFF 0xFF, the count of digits before the
 *       point (4 bytes BE; 0xFFFFFFFE +Infinity, 0xFFFFFFFF NaN), the significant digits as
 *       0x01 + digit, 0x00.
 *   W < -2^127 (and -Infinity): 16 bytes 0x00.., 0x00, ~count (4 bytes), digits 0xFE - digit,
 *       0xFF.
 * The tag byte that starts the next key column (0x01/0x02, or 0xFD/0xFE descending) sorts
 * between the 0x00 and 0xFF continuations, so composite keys keep their order. */
void num_key_encode(sbuf_t *b, const val_t *v)
{
    const unsigned __int128 top = (unsigned __int128)1 << 127;
    if (num_is_special(v)) {
        if (v->pad == NUM_NINF) {
            put_u128_be(b, 0);
            sb_putc(b, 0);
            put_be32(b, 0);
            sb_putc(b, (char)0xFF);
            return;
        }
        put_u128_be(b, ~(unsigned __int128)0);
        sb_putc(b, (char)0xFF);
        sb_putc(b, (char)0xFF);
        put_be32(b, v->pad == NUM_NAN ? 0xFFFFFFFFu : 0xFFFFFFFEu);
        sb_putc(b, 0);
        return;
    }
    if (v->pad == NUM_SMALL && v->scale <= 18) {
        __int128 w = v->n;
        if (num_rescale(&w, v->scale, 18) == 0 && w != -(__int128)(top - 1) - 1) {
            put_u128_be(b, (unsigned __int128)w ^ top);
            return;
        }
    }
    mpz_t z, f, p;
    mpz_init(z);
    mpz_init(f);
    mpz_init(p);
    int sc = num_z_of(z, v);
    /* W = z * 10^(18 - sc) = F + frac, frac = r / 10^(sc - 18) */
    if (sc <= 18) {
        num_z_mul_p10(z, (unsigned long)(18 - sc));
        mpz_set_ui(f, 0);
    } else {
        mpz_ui_pow_ui(p, 10, (unsigned long)(sc - 18));
        mpz_fdiv_qr(z, f, z, p); /* f in [0, p) */
    }
    __int128 w;
    int fits = num_z_get_i128(z, &w) == 0 ||
               (mpz_sgn(z) < 0 && mpz_sizeinbase(z, 2) == 128 && mpz_scan1(z, 0) == 127);
    if (fits && mpz_sgn(z) < 0 && mpz_sizeinbase(z, 2) == 128)
        w = -(__int128)(top - 1) - 1;
    if (fits && (mpz_sgn(f) != 0 || w == -(__int128)(top - 1) - 1)) {
        put_u128_be(b, (unsigned __int128)w ^ top);
        sb_putc(b, (char)0xFF);
        if (mpz_sgn(f) != 0) {
            /* the sc - 18 fraction digits of f, trailing zeros dropped */
            size_t nfd = (size_t)(sc - 18);
            char *ds = malloc(mpz_sizeinbase(f, 10) + 2);
            if (ds == NULL)
                abort();
            mpz_get_str(ds, 10, f);
            size_t len = strlen(ds);
            size_t lead = nfd - len;
            size_t end = len;
            while (end > 0 && ds[end - 1] == '0')
                end--;
            for (size_t i = 0; i < lead; i++)
                sb_putc(b, 0x01);
            for (size_t i = 0; i < end; i++)
                sb_putc(b, (char)(0x01 + (ds[i] - '0')));
            free(ds);
        }
        sb_putc(b, 0);
    } else if (fits) {
        put_u128_be(b, (unsigned __int128)w ^ top);
    } else {
        ndv_t d;
        num_ndv_of(v, &d);
        size_t nd = d.nd;
        while (nd > 0 && d.d[nd - 1] == '0')
            nd--;
        uint32_t cnt = (uint32_t)((long)d.nd - d.scale);
        if (!d.neg) {
            put_u128_be(b, ~(unsigned __int128)0);
            sb_putc(b, (char)0xFF);
            sb_putc(b, (char)0xFF);
            put_be32(b, cnt);
            for (size_t i = 0; i < nd; i++)
                sb_putc(b, (char)(0x01 + (d.d[i] - '0')));
            sb_putc(b, 0);
        } else {
            put_u128_be(b, 0);
            sb_putc(b, 0);
            put_be32(b, ~cnt);
            for (size_t i = 0; i < nd; i++)
                sb_putc(b, (char)(0xFE - (d.d[i] - '0')));
            sb_putc(b, (char)0xFF);
        }
    }
    mpz_clear(z);
    mpz_clear(f);
    mpz_clear(p);
}
