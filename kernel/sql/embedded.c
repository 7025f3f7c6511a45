/* kernel/sql/embedded.c -- the step-wise embedded API of include/heliosdb.h over sessions. */
#include <stdio.h>
#include <stdlib.h>

#include "heliosdb.h"
#include "sql/sqlint.h"

struct heliosdb_stmt {
    helios_session_t *s;
    helios_stmt_t *st;
    uint32_t n_params;
    val_t *params;
    char **pbufs;  /* text parameters' copies, kept for the next bind */
    size_t *pcaps; /* their sizes */
    /* results */
    sbuf_t rows;       /* unused: rows are captured by the sink below */
    helios_value_t *cur;
    uint32_t n_cols;
    arena_t ar;
    helios_value_t *vals; /* n_rows * n_cols */
    size_t n_rows, cap_rows, pos;
    uint32_t executed;
    uint64_t changes;
    char tag[64];
    sbuf_t text;
};

static int32_t cap_row(void *ctx, uint32_t n, const helios_value_t *vals)
{
    heliosdb_stmt_t *e = ctx;
    if (e->n_rows == e->cap_rows) {
        size_t nc = e->cap_rows ? e->cap_rows * 2 : 16;
        helios_value_t *nv = ar_alloc(&e->ar, sizeof(helios_value_t) * nc * (n ? n : 1));
        if (e->n_rows) memcpy(nv, e->vals, sizeof(helios_value_t) * e->n_rows * n);
        e->vals = nv;
        e->cap_rows = nc;
    }
    helios_value_t *dst = &e->vals[e->n_rows * n];
    for (uint32_t i = 0; i < n; i++) {
        dst[i] = vals[i];
        if (vals[i].p != NULL && vals[i].len > 0) {
            void *c = ar_alloc(&e->ar, vals[i].len + 1);
            memcpy(c, vals[i].p, vals[i].len);
            ((char *)c)[vals[i].len] = '\0';
            dst[i].p = c;
        }
    }
    e->n_rows++;
    return 0;
}

static int32_t cap_complete(void *ctx, const char *tag)
{
    heliosdb_stmt_t *e = ctx;
    size_t l = strlen(tag);
    if (l >= sizeof e->tag) l = sizeof e->tag - 1;
    memcpy(e->tag, tag, l);
    e->tag[l] = '\0';
    const char *sp = strrchr(e->tag, ' ');
    uint64_t n = 0;
    for (const char *p = sp != NULL ? sp + 1 : ""; *p >= '0' && *p <= '9'; p++) n = n * 10 + (uint64_t)(*p - '0');
    e->changes = n;
    return 0;
}

static int32_t drop_row(void *ctx, uint32_t n, const helios_value_t *vals)
{
    (void)ctx;
    (void)n;
    (void)vals;
    return 0;
}

static int32_t drop_complete(void *ctx, const char *tag)
{
    (void)ctx;
    (void)tag;
    return 0;
}

int32_t heliosdb_connect(helios_engine_t *eng, const char *user, helios_session_t **out,
                         helios_err_t *err)
{
    helios_session_opts_t o = {.size = sizeof o, .dialect = HELIOS_DIALECT_POSTGRES, .user = user};
    return helios_sql_session_api()->open(eng, &o, out, err);
}

void heliosdb_disconnect(helios_session_t *s)
{
    if (s != NULL) helios_sql_session_api()->close(s);
}

int32_t heliosdb_exec(helios_session_t *s, const char *sql, helios_err_t *err)
{
    helios_sink_t sink = {.size = sizeof sink, .row = drop_row, .complete = drop_complete};
    return helios_sql_session_api()->query(s, sql, (uint32_t)strlen(sql), &sink, err);
}

int32_t heliosdb_prepare(helios_session_t *s, const char *sql, heliosdb_stmt_t **out,
                         helios_err_t *err)
{
    heliosdb_stmt_t *e = calloc(1, sizeof *e);
    if (e == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    int32_t rc = helios_sql_session_api()->prepare(s, sql, (uint32_t)strlen(sql), 0, NULL, &e->st, err);
    if (rc != 0) {
        free(e);
        return rc;
    }
    e->s = s;
    e->n_params = e->st->n_params;
    e->params = calloc(e->n_params + 1, sizeof(val_t));
    e->pbufs = calloc(e->n_params + 1, sizeof(char *));
    e->pcaps = calloc(e->n_params + 1, sizeof(size_t));
    if (e->params == NULL || e->pbufs == NULL || e->pcaps == NULL) {
        helios_sql_session_api()->stmt_close(e->st);
        free(e->params);
        free(e->pbufs);
        free(e->pcaps);
        free(e);
        return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    for (uint32_t i = 0; i < e->n_params; i++) {
        e->params[i].null = 1;
        e->params[i].t = e->st->param_types[i];
    }
    e->n_cols = e->st->n_cols;
    *out = e;
    return 0;
}

static val_t *param_slot(heliosdb_stmt_t *e, uint32_t idx)
{
    if (idx < 1 || idx > e->n_params) return NULL;
    val_t *v = &e->params[idx - 1];
    memset(v, 0, sizeof *v);
    return v;
}

int32_t heliosdb_bind_null(heliosdb_stmt_t *e, uint32_t idx)
{
    val_t *v = param_slot(e, idx);
    if (v == NULL) return HELIOS_ERR_INVALID_PARAMETER_VALUE;
    v->t = e->st->param_types[idx - 1];
    v->null = 1;
    return 0;
}

int32_t heliosdb_bind_int64(heliosdb_stmt_t *e, uint32_t idx, int64_t x)
{
    val_t *v = param_slot(e, idx);
    if (v == NULL) return HELIOS_ERR_INVALID_PARAMETER_VALUE;
    v->t = HELIOS_OID_INT8;
    v->i = x;
    return 0;
}

int32_t heliosdb_bind_double(heliosdb_stmt_t *e, uint32_t idx, double x)
{
    val_t *v = param_slot(e, idx);
    if (v == NULL) return HELIOS_ERR_INVALID_PARAMETER_VALUE;
    v->t = HELIOS_OID_FLOAT8;
    v->f = x;
    return 0;
}

int32_t heliosdb_bind_text(heliosdb_stmt_t *e, uint32_t idx, const char *x, int32_t len)
{
    val_t *v = param_slot(e, idx);
    if (v == NULL) return HELIOS_ERR_INVALID_PARAMETER_VALUE;
    size_t n = len < 0 ? strlen(x) : (size_t)len;
    char *c = e->pbufs[idx - 1];
    if (e->pcaps[idx - 1] < n + 1) {
        /* grow the parameter's buffer; a statement bound in a loop allocates once */
        size_t cap = n + 1 < 64 ? 64 : n + 1;
        c = realloc(c, cap);
        if (c == NULL) return HELIOS_ERR_OUT_OF_MEMORY;
        e->pbufs[idx - 1] = c;
        e->pcaps[idx - 1] = cap;
    }
    memcpy(c, x, n);
    c[n] = '\0';
    v->t = HELIOS_OID_TEXT;
    v->s = c;
    v->len = (uint32_t)n;
    return 0;
}

int32_t heliosdb_step(heliosdb_stmt_t *e, helios_err_t *err)
{
    if (!e->executed) {
        ar_reset(&e->ar);
        e->vals = NULL;
        e->n_rows = e->cap_rows = e->pos = 0;
        e->changes = 0;
        e->tag[0] = '\0';
        helios_sink_t sink = {.size = sizeof sink, .ctx = e, .row = cap_row, .complete = cap_complete};
        if (e->st->sp->kind != S_UTILITY && e->st->cq->cat_version != e->s->eng->cat.version) {
            /* DDL since prepare: plan the text again (bindings are kept) */
            helios_stmt_t *nst;
            int32_t rc = helios_sql_session_api()->prepare(e->s, e->st->cq->text, e->st->cq->len, 0,
                                                           NULL, &nst, err);
            if (rc != 0) return rc;
            if (nst->n_params != e->n_params) {
                helios_sql_session_api()->stmt_close(nst);
                return sql_err(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                               "cached plan must not change result type");
            }
            helios_sql_session_api()->stmt_close(e->st);
            e->st = nst;
            e->n_cols = nst->n_cols;
        }
        int32_t rc = sess_run_stmt(e->s, e->st->sp, e->params, e->n_params, &sink, 0, err);
        e->executed = 1;
        if (rc != 0) return rc;
    }
    if (e->pos < e->n_rows) {
        e->cur = &e->vals[e->pos * e->n_cols];
        e->pos++;
        return HELIOSDB_ROW;
    }
    e->cur = NULL;
    return 0;
}

uint32_t heliosdb_column_count(heliosdb_stmt_t *e)
{
    return e->n_cols;
}

const char *heliosdb_column_name(heliosdb_stmt_t *e, uint32_t col)
{
    return col < e->n_cols ? e->st->cols[col].name : NULL;
}

uint32_t heliosdb_column_type(heliosdb_stmt_t *e, uint32_t col)
{
    return col < e->n_cols ? e->st->cols[col].type_oid : 0;
}

const helios_value_t *heliosdb_column_value(heliosdb_stmt_t *e, uint32_t col)
{
    if (e->cur == NULL || col >= e->n_cols) return NULL;
    return &e->cur[col];
}

uint32_t heliosdb_column_is_null(heliosdb_stmt_t *e, uint32_t col)
{
    const helios_value_t *v = heliosdb_column_value(e, col);
    return v == NULL || v->is_null;
}

int64_t heliosdb_column_int64(heliosdb_stmt_t *e, uint32_t col)
{
    const helios_value_t *v = heliosdb_column_value(e, col);
    if (v == NULL || v->is_null) return 0;
    if (v->type_oid == HELIOS_OID_FLOAT4 || v->type_oid == HELIOS_OID_FLOAT8) return (int64_t)v->f;
    if (v->type_oid == HELIOS_OID_NUMERIC || val_is_text(v->type_oid)) {
        return v->p != NULL ? strtoll(v->p, NULL, 10) : 0;
    }
    return v->i;
}

double heliosdb_column_double(heliosdb_stmt_t *e, uint32_t col)
{
    const helios_value_t *v = heliosdb_column_value(e, col);
    if (v == NULL || v->is_null) return 0;
    if (v->type_oid == HELIOS_OID_FLOAT4 || v->type_oid == HELIOS_OID_FLOAT8) return v->f;
    if (v->type_oid == HELIOS_OID_NUMERIC || val_is_text(v->type_oid)) {
        return v->p != NULL ? strtod(v->p, NULL) : 0;
    }
    return (double)v->i;
}

const char *heliosdb_column_text(heliosdb_stmt_t *e, uint32_t col)
{
    const helios_value_t *v = heliosdb_column_value(e, col);
    if (v == NULL || v->is_null) return NULL;
    uint32_t len = 0;
    uint8_t tmp[256];
    int32_t rc = helios_sql_session_api()->value_encode(e->s, v, HELIOS_FORMAT_TEXT, tmp, sizeof tmp, &len);
    e->text.len = 0;
    if (rc == 0) {
        sb_putn(&e->text, (const char *)tmp, len);
    } else if (rc == HELIOS_AGAIN) {
        uint8_t *big = malloc(len + 1);
        if (big == NULL) return NULL;
        helios_sql_session_api()->value_encode(e->s, v, HELIOS_FORMAT_TEXT, big, len + 1, &len);
        sb_putn(&e->text, (const char *)big, len);
        free(big);
    } else {
        return NULL;
    }
    return e->text.d != NULL ? e->text.d : "";
}

uint64_t heliosdb_changes(heliosdb_stmt_t *e)
{
    return e->changes;
}

const char *heliosdb_tag(heliosdb_stmt_t *e)
{
    return e->tag;
}

void heliosdb_reset(heliosdb_stmt_t *e)
{
    e->executed = 0;
    e->cur = NULL;
}

void heliosdb_finalize(heliosdb_stmt_t *e)
{
    if (e == NULL) return;
    helios_sql_session_api()->stmt_close(e->st);
    for (uint32_t i = 0; i < e->n_params; i++) free(e->pbufs[i]);
    free(e->pbufs);
    free(e->pcaps);
    free(e->params);
    ar_free(&e->ar);
    sb_free(&e->text);
    free(e);
}
