/* kernel/sql/types_num.h -- internals shared by types_num.c (forms, text, comparison, typmod,
 * casts, arithmetic, sum/avg), types_num_fn.c (sqrt, exp, ln, log, power) and types_num_io.c
 * (binary wire format, row and key encodings). Not a contract: only these three include it. */
#ifndef HELIOS_TYPES_NUM_H
#define HELIOS_TYPES_NUM_H

#include <gmp.h>

#include "sql/sqlint.h"

#define NUM_MIN_SIG 16
#define NUM_MAX_DISPLAY 1000
#define NUM_MAX_RESULT_SCALE 2000

/* significant digits of a finite numeric (or integer) value */
typedef struct ndv {
    int neg;
    const char *d; /* digits of |unscaled| without leading zeros; nd == 0 for zero */
    size_t nd;
    int scale;
    char buf[48];
} ndv_t;

/* base-10000 weight and first two base-10000 digits of |v| (PostgreSQL's NumericVar view) */
typedef struct b10k {
    int zero, weight, d0, d1, more; /* more: a second (nonzero-tailed) digit exists */
} b10k_t;

/* forms (see sqlint.h) */
int num_is_special(const val_t *v);
void num_set_special(val_t *o, uint8_t kind);
void num_set_small(val_t *o, __int128 n, int scale);
void num_ndv_of(const val_t *v, ndv_t *o);
void num_b10k_of(const ndv_t *v, b10k_t *o);
int num_floordiv4(long x);
int num_sign_of(const val_t *v);  /* -1, 0, 1 (NaN: 0) */
int num_scale_of(const val_t *v); /* display scale; 0 for integers and specials */
/* GMP: the unscaled value of a finite numeric or integer into z, returning its scale */
int num_z_of(mpz_t z, const val_t *v);
int num_z_get_i128(const mpz_t z, __int128 *n); /* 0, or -1 when z needs more than 127 bits */
void num_z_mul_p10(mpz_t z, unsigned long k);
void num_z_round_p10(mpz_t z, unsigned long k, int trunc_); /* z / 10^k, half away from 0 */
/* o = z / 10^scale in the small form when it fits, else the big form in a; 22003 past the
   storage limits */
int32_t num_make(arena_t *a, const mpz_t z, long scale, val_t *o, helios_err_t *err);
int32_t num_overflow_err(helios_err_t *err); /* 22003 value overflows numeric format */
int32_t num_div0(helios_err_t *err);         /* 22012 division by zero */
/* x / y rounded (or truncated) at rscale; y != 0 */
int32_t num_div_at(arena_t *a, const val_t *x, const val_t *y, int rscale, int trunc_, val_t *o,
                   helios_err_t *err);
/* an arithmetic operator when an operand is NaN or +/-Infinity, as PostgreSQL 15 */
int32_t num_special_binop(uint32_t op, const val_t *x, const val_t *y, val_t *o, helios_err_t *err);

/* sqrt(x) rounded at rscale (x finite, >= 0) */
int32_t num_sqrt_at(arena_t *a, const val_t *x, int rscale, val_t *o, helios_err_t *err);
/* PostgreSQL's select_div_scale for x / y */
int num_div_scale(const val_t *x, const val_t *y);

#endif /* HELIOS_TYPES_NUM_H */
