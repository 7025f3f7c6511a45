/* kernel/sql/types_num_fn.c -- numeric sqrt, exp, ln, log and power with PostgreSQL 15's
 * result scales (numeric_sqrt, numeric_exp, estimate_ln_dweight, log_var, power_var), computed
 * with guard digits (GMP for sqrt and integer powers, MPFR otherwise) and rounded half away from
 * zero at that scale; NaN and infinities as PostgreSQL. */
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>

#include "sql/types_num.h"

/* ---------------- transcendental functions (MPFR) ---------------- */

static void fr_of(mpfr_t f, const val_t *v)
{
    mpz_t z;
    mpz_init(z);
    int sc = num_z_of(z, v);
    mpfr_set_z(f, z, MPFR_RNDN);
    if (sc > 0) {
        mpfr_t p;
        mpfr_init2(p, mpfr_get_prec(f));
        mpz_ui_pow_ui(z, 10, (unsigned long)sc);
        mpfr_set_z(p, z, MPFR_RNDN);
        mpfr_div(f, f, p, MPFR_RNDN);
        mpfr_clear(p);
    }
    mpz_clear(z);
}

/* o = f rounded half away from zero at rscale (f finite) */
static int32_t fr_make(arena_t *a, mpfr_t f, int rscale, val_t *o, helios_err_t *err)
{
    mpfr_t t;
    mpz_t z;
    mpfr_init2(t, mpfr_get_prec(f));
    mpz_init(z);
    mpz_ui_pow_ui(z, 10, (unsigned long)rscale + 1);
    mpfr_mul_z(t, f, z, MPFR_RNDN);
    mpfr_get_z(z, t, MPFR_RNDZ);
    num_z_round_p10(z, 1, 0);
    int32_t rc = num_make(a, z, rscale, o, err);
    mpz_clear(z);
    mpfr_clear(t);
    return rc;
}

/* precision (bits) for a result with about `digits` significant decimal digits */
static __thread int num_fn_big_prec; /* a computation of this call asked for > 4096 bits */

static mpfr_prec_t prec_for(long digits)
{
    if (digits < 1)
        digits = 1;
    mpfr_prec_t p = (mpfr_prec_t)((double)(digits + 24) * 3.3219280948873626) + 64;
    if (p > 4096)
        num_fn_big_prec = 1;
    return p;
}

/* decimal exponent of the first significant digit of |v| (v finite, nonzero) */
static long dexp_of(const val_t *v)
{
    ndv_t d;
    num_ndv_of(v, &d);
    return (long)d.nd - d.scale - 1;
}

/* PostgreSQL's estimate_ln_dweight */
static int ln_dweight(arena_t *a, const val_t *v)
{
    if (num_sign_of(v) <= 0)
        return 0;
    val_t p9, p11, one;
    num_set_small(&p9, 9, 1);
    num_set_small(&p11, 11, 1);
    num_set_small(&one, 1, 0);
    if (num_cmp(v, &p9) >= 0 && num_cmp(v, &p11) <= 0) {
        val_t x;
        if (num_binop(a, OP_SUB, v, &one, &x, NULL) != 0 || num_sign_of(&x) == 0)
            return 0;
        return (int)dexp_of(&x);
    }
    ndv_t d;
    b10k_t w;
    num_ndv_of(v, &d);
    num_b10k_of(&d, &w);
    double digits = w.d0;
    long dweight = (long)w.weight * 4;
    if (w.more) {
        digits = digits * 10000 + w.d1;
        dweight -= 4;
    }
    double lnv = log(digits) + (double)dweight * 2.302585092994046;
    return (int)log10(fabs(lnv));
}

static int clamp_rscale(long r)
{
    if (r < 0)
        r = 0;
    if (r > NUM_MAX_DISPLAY)
        r = NUM_MAX_DISPLAY;
    return (int)r;
}

static int32_t num_sqrt(arena_t *a, const val_t *x, val_t *o, helios_err_t *err)
{
    int sg = num_sign_of(x);
    if (num_is_special(x) && x->pad != NUM_NINF) {
        *o = *x;
        return 0;
    }
    if (sg < 0) {
        return sql_err(err, HELIOS_ERR_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                       "cannot take square root of a negative number");
    }
    ndv_t d;
    b10k_t w;
    num_ndv_of(x, &d);
    num_b10k_of(&d, &w);
    int sweight = (w.weight + 1) * 4 / 2 - 1;
    long r = NUM_MIN_SIG - sweight;
    if (r < d.scale)
        r = d.scale;
    return num_sqrt_at(a, x, clamp_rscale(r), o, err);
}

int32_t num_sqrt_at(arena_t *a, const val_t *x, int rscale, val_t *o, helios_err_t *err)
{
    mpz_t z;
    mpz_init(z);
    int sc = num_z_of(z, x);
    /* floor(sqrt(x * 10^(2 rscale + 2))); floor(sqrt(floor(y))) == floor(sqrt(y)) */
    long e = 2L * (rscale + 1) - sc;
    if (e >= 0) {
        num_z_mul_p10(z, (unsigned long)e);
    } else {
        num_z_round_p10(z, (unsigned long)-e, 1);
    }
    mpz_sqrt(z, z);
    num_z_round_p10(z, 1, 0);
    int32_t rc = num_make(a, z, rscale, o, err);
    mpz_clear(z);
    return rc;
}

static int32_t num_exp(arena_t *a, const val_t *x, val_t *o, helios_err_t *err)
{
    if (num_is_special(x)) {
        if (x->pad == NUM_NINF)
            num_set_small(o, 0, 0);
        else
            *o = *x;
        return 0;
    }
    double val = num_val_double(x);
    double l = val * 0.434294481903252;
    if (l < -NUM_MAX_RESULT_SCALE)
        l = -NUM_MAX_RESULT_SCALE;
    if (l > NUM_MAX_RESULT_SCALE)
        l = NUM_MAX_RESULT_SCALE;
    long r = NUM_MIN_SIG - (long)l;
    if (r < num_scale_of(x))
        r = num_scale_of(x);
    int rscale = clamp_rscale(r);
    if (fabs(val) >= NUM_MAX_RESULT_SCALE * 3) {
        if (val > 0)
            return num_overflow_err(err);
        mpz_t z;
        mpz_init(z);
        int32_t rc = num_make(a, z, rscale, o, err);
        mpz_clear(z);
        return rc;
    }
    long digits = (long)(l > 0 ? l : 0) + rscale + 2;
    mpfr_t f;
    mpfr_init2(f, prec_for(digits + (long)fabs(l)));
    fr_of(f, x);
    mpfr_exp(f, f, MPFR_RNDN);
    int32_t rc = fr_make(a, f, rscale, o, err);
    mpfr_clear(f);
    return rc;
}

static int32_t log_errors(const val_t *x, helios_err_t *err)
{
    int sg = num_sign_of(x);
    if (sg == 0) {
        return sql_err(err, HELIOS_ERR_INVALID_ARGUMENT_FOR_LOGARITHM,
                       "cannot take logarithm of zero");
    }
    if (sg < 0) {
        return sql_err(err, HELIOS_ERR_INVALID_ARGUMENT_FOR_LOGARITHM,
                       "cannot take logarithm of a negative number");
    }
    return 0;
}

static int32_t num_ln(arena_t *a, const val_t *x, val_t *o, helios_err_t *err)
{
    if (num_is_special(x) && x->pad != NUM_NINF) {
        *o = *x;
        return 0;
    }
    int32_t rc = log_errors(x, err);
    if (rc != 0)
        return rc;
    int lw = ln_dweight(a, x);
    int rscale = clamp_rscale((long)NUM_MIN_SIG - lw > num_scale_of(x) ? (long)NUM_MIN_SIG - lw
                                                                       : num_scale_of(x));
    long ip = (long)log10(fabs((double)dexp_of(x)) * 2.31 + 1.0) + 2;
    mpfr_t f;
    mpfr_init2(f, prec_for(ip + rscale + labs(dexp_of(x)) / 1000));
    fr_of(f, x);
    mpfr_log(f, f, MPFR_RNDN);
    rc = fr_make(a, f, rscale, o, err);
    mpfr_clear(f);
    return rc;
}

/* log(b, x) as PostgreSQL's log_var */
static int32_t num_log(arena_t *a, const val_t *b, const val_t *x, val_t *o, helios_err_t *err)
{
    if (num_is_special(b) || num_is_special(x)) {
        if ((num_is_special(b) && b->pad == NUM_NAN) || (num_is_special(x) && x->pad == NUM_NAN)) {
            num_set_special(o, NUM_NAN);
            return 0;
        }
        int s1 = num_sign_of(b), s2 = num_sign_of(x);
        if (s1 < 0 || s2 < 0) {
            return sql_err(err, HELIOS_ERR_INVALID_ARGUMENT_FOR_LOGARITHM,
                           "cannot take logarithm of a negative number");
        }
        if (s1 == 0 || s2 == 0) {
            return sql_err(err, HELIOS_ERR_INVALID_ARGUMENT_FOR_LOGARITHM,
                           "cannot take logarithm of zero");
        }
        if (num_is_special(b)) {
            if (num_is_special(x))
                num_set_special(o, NUM_NAN);
            else
                num_set_small(o, 0, 0);
            return 0;
        }
        num_set_special(o, NUM_PINF);
        return 0;
    }
    int32_t rc = log_errors(b, err);
    if (rc == 0)
        rc = log_errors(x, err);
    if (rc != 0)
        return rc;
    val_t one;
    num_set_small(&one, 1, 0);
    if (num_cmp(b, &one) == 0)
        return num_div0(err);
    int rw = ln_dweight(a, x) - ln_dweight(a, b);
    long r = NUM_MIN_SIG - rw;
    if (r < num_scale_of(b))
        r = num_scale_of(b);
    if (r < num_scale_of(x))
        r = num_scale_of(x);
    int rscale = clamp_rscale(r);
    long extra = labs(dexp_of(x)) / 1000 + labs(dexp_of(b)) / 1000 + labs((long)rw);
    mpfr_t f, g;
    mpfr_prec_t pr = prec_for(rscale + extra + 8);
    mpfr_init2(f, pr);
    mpfr_init2(g, pr);
    fr_of(f, x);
    fr_of(g, b);
    mpfr_log(f, f, MPFR_RNDN);
    mpfr_log(g, g, MPFR_RNDN);
    mpfr_div(f, f, g, MPFR_RNDN);
    rc = fr_make(a, f, rscale, o, err);
    mpfr_clear(f);
    mpfr_clear(g);
    return rc;
}

static int is_integral(const val_t *v)
{
    if (num_is_special(v))
        return 0;
    ndv_t d;
    num_ndv_of(v, &d);
    long ip = (long)d.nd - d.scale;
    for (long i = ip < 0 ? 0 : ip; i < (long)d.nd; i++) {
        if (d.d[i] != '0')
            return 0;
    }
    return 1;
}

static int is_odd_integral(const val_t *v)
{
    ndv_t d;
    num_ndv_of(v, &d);
    long ip = (long)d.nd - d.scale;
    if (ip <= 0)
        return 0;
    return (d.d[ip - 1] - '0') & 1;
}

static int32_t num_pow(arena_t *a, const val_t *x, const val_t *y, val_t *o, helios_err_t *err)
{
    val_t one, zero;
    num_set_small(&one, 1, 0);
    num_set_small(&zero, 0, 0);
    if (num_is_special(x) || num_is_special(y)) {
        if (num_is_special(x) && x->pad == NUM_NAN) {
            if (!num_is_special(y) && num_sign_of(y) == 0)
                *o = one;
            else
                num_set_special(o, NUM_NAN);
            return 0;
        }
        if (num_is_special(y) && y->pad == NUM_NAN) {
            if (!num_is_special(x) && num_cmp(x, &one) == 0)
                *o = one;
            else
                num_set_special(o, NUM_NAN);
            return 0;
        }
        int s1 = num_sign_of(x), s2 = num_sign_of(y);
        if (s1 == 0 && s2 < 0) {
            return sql_err(err, HELIOS_ERR_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                           "zero raised to a negative power is undefined");
        }
        if (s1 < 0 && !num_is_special(y) && !is_integral(y)) {
            return sql_err(err, HELIOS_ERR_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                           "a negative number raised to a non-integer power yields a complex "
                           "result");
        }
        if (s2 == 0) {
            *o = one;
            return 0;
        }
        if (!num_is_special(x) && num_cmp(x, &one) == 0) {
            *o = one;
            return 0;
        }
        if (num_is_special(y)) {
            int gt1;
            if (num_is_special(x)) {
                gt1 = 1;
            } else {
                val_t m1, ax;
                num_set_small(&m1, -1, 0);
                if (num_cmp(x, &m1) == 0) {
                    *o = one;
                    return 0;
                }
                num_abs(a, x, &ax);
                gt1 = num_cmp(&ax, &one) > 0;
            }
            if (gt1 == (s2 > 0))
                num_set_special(o, NUM_PINF);
            else
                *o = zero;
            return 0;
        }
        if (x->pad == NUM_PINF) {
            if (s2 > 0)
                num_set_special(o, NUM_PINF);
            else
                *o = zero;
            return 0;
        }
        if (s2 < 0) {
            *o = zero;
            return 0;
        }
        num_set_special(o, is_integral(y) && is_odd_integral(y) ? NUM_NINF : NUM_PINF);
        return 0;
    }
    int s1 = num_sign_of(x), s2 = num_sign_of(y);
    if (s1 == 0 && s2 < 0) {
        return sql_err(err, HELIOS_ERR_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                       "zero raised to a negative power is undefined");
    }
    if (s1 < 0 && !is_integral(y)) {
        return sql_err(err, HELIOS_ERR_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                       "a negative number raised to a non-integer power yields a complex result");
    }
    int64_t e64 = 0;
    int int_exp = is_integral(y) && num_to_int(y, HELIOS_OID_INT8, &e64, NULL) == 0 &&
                  e64 >= INT32_MIN && e64 <= INT32_MAX;
    if (int_exp) {
        int rscale = clamp_rscale(num_scale_of(x) > NUM_MIN_SIG ? num_scale_of(x) : NUM_MIN_SIG);
        if (e64 == 0) {
            mpz_t z;
            mpz_init_set_ui(z, 1);
            num_z_mul_p10(z, (unsigned long)rscale);
            int32_t rc = num_make(a, z, rscale, o, err);
            mpz_clear(z);
            return rc;
        }
        if (s1 == 0) {
            mpz_t z;
            mpz_init(z);
            int32_t rc = num_make(a, z, rscale, o, err);
            mpz_clear(z);
            return rc;
        }
        /* estimated decimal weight of the result */
        ndv_t d;
        num_ndv_of(x, &d);
        double lg = (double)dexp_of(x) +
                    log10((d.d[0] - '0') + (d.nd > 1 ? (d.d[1] - '0') / 10.0 : 0.0) + 0.05);
        double f = (double)e64 * lg;
        if (f > (double)NUM_MAX_INT_DIGITS + 2)
            return num_overflow_err(err);
        if (f + 1 < -rscale) {
            mpz_t z;
            mpz_init(z);
            int32_t rc = num_make(a, z, rscale, o, err);
            mpz_clear(z);
            return rc;
        }
        unsigned long ae = (unsigned long)(e64 < 0 ? -e64 : e64);
        if ((double)d.nd * (double)ae < 400000.0) {
            mpz_t z;
            mpz_init(z);
            int sc = num_z_of(z, x);
            mpz_pow_ui(z, z, ae);
            long psc = (long)sc * (long)ae;
            int32_t rc;
            if (e64 > 0) {
                if (psc > rscale)
                    num_z_round_p10(z, (unsigned long)(psc - rscale), 0);
                else
                    num_z_mul_p10(z, (unsigned long)(rscale - psc));
                rc = num_make(a, z, rscale, o, err);
            } else {
                /* 1 / (z / 10^psc) = 10^psc / z at rscale */
                mpz_t n;
                mpz_init_set_ui(n, 1);
                num_z_mul_p10(n, (unsigned long)(psc + rscale + 1));
                mpz_tdiv_q(n, n, z);
                num_z_round_p10(n, 1, 0);
                rc = num_make(a, n, rscale, o, err);
                mpz_clear(n);
            }
            mpz_clear(z);
            return rc;
        }
        mpfr_t fb;
        mpfr_init2(fb, prec_for((long)(f > 0 ? f : 0) + rscale + 20 + (long)log10((double)ae)));
        fr_of(fb, x);
        mpfr_pow_si(fb, fb, (long)e64, MPFR_RNDN);
        int32_t rc = fr_make(a, fb, rscale, o, err);
        mpfr_clear(fb);
        return rc;
    }
    if (s1 == 0) {
        mpz_t z;
        mpz_init(z);
        int32_t rc = num_make(a, z, NUM_MIN_SIG, o, err);
        mpz_clear(z);
        return rc;
    }
    /* general case: exp(y * ln(x)), scale chosen as power_var */
    val_t ax;
    num_abs(a, x, &ax);
    int neg = s1 < 0 && is_odd_integral(y);
    mpfr_t lx, fy;
    mpfr_init2(lx, 128);
    mpfr_init2(fy, 128);
    fr_of(lx, &ax);
    fr_of(fy, y);
    mpfr_log(lx, lx, MPFR_RNDN);
    mpfr_mul(lx, lx, fy, MPFR_RNDN);
    double val = mpfr_get_d(lx, MPFR_RNDN);
    if (fabs(val) > NUM_MAX_RESULT_SCALE * 3.01) {
        mpfr_clear(lx);
        mpfr_clear(fy);
        if (val > 0)
            return num_overflow_err(err);
        mpz_t z;
        mpz_init(z);
        int32_t rc = num_make(a, z, NUM_MAX_DISPLAY, o, err);
        mpz_clear(z);
        return rc;
    }
    val *= 0.434294481903252;
    long r = NUM_MIN_SIG - (long)val;
    if (r < num_scale_of(x))
        r = num_scale_of(x);
    if (r < num_scale_of(y))
        r = num_scale_of(y);
    int rscale = clamp_rscale(r);
    mpfr_prec_t pr = prec_for((long)(val > 0 ? val : 0) + rscale + 10 +
                              (long)log10(fabs(mpfr_get_d(fy, MPFR_RNDN)) + 1.0));
    mpfr_set_prec(lx, pr);
    mpfr_set_prec(fy, pr);
    fr_of(lx, &ax);
    fr_of(fy, y);
    mpfr_pow(lx, lx, fy, MPFR_RNDN);
    if (neg)
        mpfr_neg(lx, lx, MPFR_RNDN);
    int32_t rc = fr_make(a, lx, rscale, o, err);
    mpfr_clear(lx);
    mpfr_clear(fy);
    return rc;
}

static int32_t num_math_1(arena_t *a, const char *fn, const val_t *x, const val_t *y, val_t *o,
                          helios_err_t *err);

int32_t num_math(arena_t *a, const char *fn, const val_t *x, const val_t *y, val_t *o,
                 helios_err_t *err)
{
    int32_t rc = num_math_1(a, fn, x, y, o, err);
    /* MPFR caches constants (log 2, pi) per thread at the largest precision asked; keep small
       ones (recomputing them per call made ln() 3x slower), drop large ones */
    if (num_fn_big_prec) {
        mpfr_free_cache();
        num_fn_big_prec = 0;
    }
    return rc;
}

static int32_t num_math_1(arena_t *a, const char *fn, const val_t *x, const val_t *y, val_t *o,
                          helios_err_t *err)
{
    val_t ten;
    num_set_small(&ten, 10, 0);
    if (strcmp(fn, "sqrt") == 0)
        return num_sqrt(a, x, o, err);
    if (strcmp(fn, "exp") == 0)
        return num_exp(a, x, o, err);
    if (strcmp(fn, "ln") == 0)
        return num_ln(a, x, o, err);
    if (strcmp(fn, "log10") == 0 || (strcmp(fn, "log") == 0 && y == NULL)) {
        return num_log(a, &ten, x, o, err);
    }
    if (strcmp(fn, "log") == 0)
        return num_log(a, x, y, o, err);
    if (strcmp(fn, "power") == 0 || strcmp(fn, "pow") == 0)
        return num_pow(a, x, y, o, err);
    if (strcmp(fn, "div") == 0) {
        if (num_is_special(x) || num_is_special(y)) {
            return num_special_binop(OP_DIV, x, y, o, err);
        }
        if (num_sign_of(y) == 0)
            return num_div0(err);
        return num_div_at(a, x, y, 0, 1, o, err);
    }
    return sql_err(err, HELIOS_ERR_UNDEFINED_FUNCTION, "function %s(numeric) does not exist", fn);
}
