/*
 * kernel/sql/vec.h -- column batches of the vectorized executor (exec_vec.c, expr_vec.c) and
 * the kernels that evaluate expressions over them. Internal to kernel/sql, not a contract.
 *
 * A batch holds up to VEC_MAX rows of one plan's wide row as column vectors, one per slot
 * (slots nobody above the scan reads are absent: NULL). A vector is typed by its physical
 * class: int64_t[] for int2/int4/int8/oid/date/time/timestamp(tz)/bool, double[] for
 * float4/float8 (float4 values are the float's double, as the row path keeps them), val_t[]
 * for everything else. Each has a NULL bitmap (bit set = NULL) with an all_valid flag that
 * lets kernels skip it, and may be a constant (one value, index 0, for every row).
 *
 * Rows are addressed by their index in the batch. A selection vector (ascending row indexes)
 * names the rows still alive after a filter, so filtering copies nothing; kernels compute
 * only the selected rows and leave the others' entries undefined.
 */
#ifndef HELIOS_SQL_VEC_H
#define HELIOS_SQL_VEC_H

#include "sql/sqlint.h"

#define VEC_MAX 1024u
#define VEC_WORDS (VEC_MAX / 64u)

enum { VEC_I64 = 1, VEC_F64, VEC_VAL };

typedef struct vec {
    uint8_t kind;      /* VEC_* */
    uint8_t all_valid; /* 1: no NULL in the rows computed (nulls[] then not read) */
    uint8_t is_const;  /* 1: row 0's value (and NULL bit) stands for every row */
    uint8_t pad;
    uint32_t t;        /* SQL type of the values (VEC_VAL: each val_t carries its own) */
    uint64_t nulls[VEC_WORDS];
    union {
        int64_t *i;
        double *f;
        val_t *v;
    };
} vec_t;

typedef struct batch {
    uint32_t n;         /* rows 0..n-1 */
    uint32_t width;     /* slots of the wide row */
    uint32_t depth;     /* query level whose row the slots are (E_COL depth) */
    vec_t **cols;       /* per slot; NULL: not decoded (nobody reads it) */
    uint16_t *sel;      /* NULL: every row 0..n-1; else n_sel ascending row indexes */
    uint32_t n_sel;
    val_t *row;         /* scratch wide row (width values) for the row-wise fallback */
    arena_t *ar;        /* the batch's memory: vectors, copied text, results */
} batch_t;

/* a consumer of batches; `rows` is the same consumer fed row by row (the fallback) */
typedef struct batch_sink {
    int32_t (*fn)(exec_ctx_t *cx, struct batch_sink *sk, batch_t *b);
    row_sink_t *rows;
    void *arg;
    /* set by fn once it changed state it cannot undo for this batch (rows kept, groups
       updated): an error after that is final, before it the batch is run row-wise again */
    uint32_t committed;
} batch_sink_t;

static inline int vec_null(const vec_t *v, uint32_t i)
{
    if (v->all_valid) return 0;
    if (v->is_const) i = 0;
    return (int)((v->nulls[i >> 6] >> (i & 63)) & 1u);
}

static inline void vec_set_null(vec_t *v, uint32_t i)
{
    v->nulls[i >> 6] |= 1ull << (i & 63);
    v->all_valid = 0;
}

/* the physical class of a SQL type's vector */
int vec_kind_of(uint32_t t);
/* a vector for n rows in arena a, all valid, not constant */
vec_t *vec_new(arena_t *a, int kind, uint32_t t, uint32_t n);
/* a constant vector holding v */
vec_t *vec_const(arena_t *a, const val_t *v);
/* row i's value as the row path's val_t (borrowed: text points into the vector's data) */
void vec_get(const vec_t *v, uint32_t i, val_t *out);
/* store val_t x as row i of v (VEC_VAL, or the typed class x's type belongs to) */
void vec_put(vec_t *v, uint32_t i, const val_t *x);
/* fill b->row from the batch's row i (absent slots NULL) and return it */
val_t *batch_row(batch_t *b, uint32_t i);

/* Evaluate e over the rows sel[0..n) of b (sel NULL: rows 0..n-1) into *out (a batch column
 * itself for a column reference: no copy). Results equal the row path's eval() for every
 * row, NULLs and types included. Errors: a SQLSTATE in cx->err; the row path would raise an
 * error for some row of the batch too, though maybe another one first (callers run the batch
 * row-wise again to report exactly the row path's error). */
int32_t eval_vec(exec_ctx_t *cx, expr_t *e, batch_t *b, const uint16_t *sel, uint32_t n,
                 vec_t **out);
/* rows of sel[0..n) for which e is true (not false, not NULL) into out_sel (capacity n) */
int32_t vec_filter(exec_ctx_t *cx, expr_t *e, batch_t *b, const uint16_t *sel, uint32_t n,
                   uint16_t *out_sel, uint32_t *out_n);
/* 1 when the expression can be evaluated over batches at all (no volatile side effects) */
int vec_expr_ok(const expr_t *e);

/* run the chain topped by p (filters, projections, LIMITs, subquery wrappers over a table
 * scan, or over any plan whose rows are then wrapped into batches) into sink, batch by batch.
 * consumer: the aggregate that will read the batches (its expressions count for projection
 * pruning), or NULL. Returns 1 when p cannot run vectorized (nothing run), else 0 or an
 * error. */
int32_t exec_vec_into(exec_ctx_t *cx, plan_t *p, plan_t *consumer, batch_sink_t *sink);

#endif /* HELIOS_SQL_VEC_H */
