/*
 * pg_fake.c -- fake host and toy session engine for the postgres plugin's tests (pg_fake.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_fake.h"
#include "pg_internal.h"

/* ---- host ---- */

static int64_t fake_live;

static void fake_log(const helios_host_t *host, uint32_t level, const char *fmt, ...)
{
    (void)host;
    (void)level;
    (void)fmt;
}

static int32_t fake_err_set(helios_err_t *err, int32_t code, const char *fmt, ...)
{
    if (err != NULL) {
        memset(err, 0, sizeof(*err));
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return code;
}

static void fake_err_detail(helios_err_t *err, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
        va_end(ap);
    }
}

static void fake_err_hint(helios_err_t *err, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
        va_end(ap);
    }
}

static void *fake_alloc(const helios_host_t *h, size_t n)
{
    (void)h;
    void *p = malloc(n);
    if (p != NULL) {
        __atomic_add_fetch(&fake_live, 1, __ATOMIC_RELAXED);
    }
    return p;
}

static void *fake_calloc(const helios_host_t *h, size_t n, size_t size)
{
    (void)h;
    void *p = calloc(n, size);
    if (p != NULL) {
        __atomic_add_fetch(&fake_live, 1, __ATOMIC_RELAXED);
    }
    return p;
}

static void *fake_realloc(const helios_host_t *h, void *p, size_t n)
{
    (void)h;
    void *q = realloc(p, n);
    if (p == NULL && q != NULL) {
        __atomic_add_fetch(&fake_live, 1, __ATOMIC_RELAXED);
    }
    return q;
}

static void fake_free(const helios_host_t *h, void *p)
{
    (void)h;
    if (p != NULL) {
        __atomic_sub_fetch(&fake_live, 1, __ATOMIC_RELAXED);
        free(p);
    }
}

static uint64_t fake_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint32_t fake_shutting_down(const helios_host_t *h)
{
    (void)h;
    return 0;
}

static helios_host_t fake_host_table = {
    .size = sizeof(helios_host_t),
    .abi_major = 1,
    .abi_minor = 0,
    .plugin_name = "postgres",
    .data_dir = "/tmp",
    .log = fake_log,
    .err_set = fake_err_set,
    .err_detail = fake_err_detail,
    .err_hint = fake_err_hint,
    .alloc = fake_alloc,
    .calloc = fake_calloc,
    .realloc = fake_realloc,
    .free = fake_free,
    .now_us = fake_now_us,
    .shutting_down = fake_shutting_down,
};

helios_host_t *pg_fake_host(void)
{
    return &fake_host_table;
}

int64_t pg_fake_host_live(void)
{
    return __atomic_load_n(&fake_live, __ATOMIC_RELAXED);
}

/* ---- toy engine ---- */

struct helios_engine {
    int dummy;
};
static struct helios_engine fake_engine;
static pg_fake_stats_t fake_stats;

struct helios_session {
    uint32_t txn; /* 'I', 'T', 'E' */
    char tz[32];
};

struct helios_stmt {
    helios_session_t *s;
    char sql[256];
    uint32_t n_params;
    uint32_t param_types[16];
    uint32_t n_cols;
    helios_column_desc_t cols[6];
};

struct helios_portal {
    helios_stmt_t *st;
    uint64_t pos, total;
    uint32_t n_params;
    char params[16][64];
    uint32_t param_null[16];
};

helios_engine_t *pg_fake_engine(void)
{
    return &fake_engine;
}

pg_fake_stats_t *pg_fake_stats(void)
{
    return &fake_stats;
}

static int32_t fk_open(helios_engine_t *eng, const helios_session_opts_t *o, helios_session_t **out,
                       helios_err_t *err)
{
    (void)eng;
    snprintf(fake_stats.last_user, sizeof(fake_stats.last_user), "%s", o->user);
    snprintf(fake_stats.last_database, sizeof(fake_stats.last_database), "%s",
             o->database != NULL ? o->database : "(null)");
    snprintf(fake_stats.last_options, sizeof(fake_stats.last_options), "%s",
             o->options != NULL ? o->options : "(null)");
    snprintf(fake_stats.last_app, sizeof(fake_stats.last_app), "%s",
             o->application_name != NULL ? o->application_name : "(null)");
    if (strcmp(o->user, "nouser") == 0) {
        return fake_err_set(err, HELIOS_ERR_INVALID_AUTHORIZATION_SPECIFICATION,
                            "role \"%s\" does not exist", o->user);
    }
    if (o->database != NULL && strcmp(o->database, "nodb") == 0) {
        return fake_err_set(err, HELIOS_ERR_INVALID_CATALOG_NAME, "database \"%s\" does not exist",
                            o->database);
    }
    helios_session_t *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return fake_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    s->txn = 'I';
    snprintf(s->tz, sizeof(s->tz), "UTC");
    fake_stats.sessions_open++;
    *out = s;
    return 0;
}

static void fk_close(helios_session_t *s)
{
    fake_stats.sessions_open--;
    free(s);
}

static int32_t fk_auth_lookup(helios_engine_t *eng, const char *user, char *buf, uint32_t cap,
                              helios_err_t *err)
{
    (void)eng;
    static const uint8_t salt[16] = "helios-salt-0001";
    if (strcmp(user, "alice") != 0 ||
        pg_verifier_make("secret", salt, sizeof(salt), 4096, buf, cap) != 0) {
        return fake_err_set(err, HELIOS_ERR_INVALID_AUTHORIZATION_SPECIFICATION,
                            "role \"%s\" does not exist", user);
    }
    return 0;
}

static void fk_col(helios_column_desc_t *c, const char *name, uint32_t oid, int16_t len)
{
    c->name = name;
    c->type_oid = oid;
    c->type_mod = -1;
    c->type_len = len;
    c->attnum = 0;
    c->table_oid = 0;
}

/* Describe a toy statement; returns its kind. */
enum {
    FK_EMPTY,
    FK_SELECT1,
    FK_GEN,
    FK_ECHO,
    FK_ERROR,
    FK_BEGIN,
    FK_COMMIT,
    FK_NOTICE,
    FK_COPYIN,
    FK_COPYOUT,
    FK_SETTZ,
    FK_UNKNOWN
};

static int fk_kind(const char *sql, uint64_t *n)
{
    while (isspace((unsigned char)*sql)) {
        sql++;
    }
    if (*sql == '\0') {
        return FK_EMPTY;
    }
    if (strncmp(sql, "select 1", 8) == 0) {
        return FK_SELECT1;
    }
    if (strncmp(sql, "gen ", 4) == 0) {
        *n = strtoull(sql + 4, NULL, 10);
        if (*n > 20000) {
            *n = 20000; /* keeps fuzzing inputs fast */
        }
        return FK_GEN;
    }
    if (strncmp(sql, "echo", 4) == 0) {
        return FK_ECHO;
    }
    if (strncmp(sql, "error", 5) == 0) {
        return FK_ERROR;
    }
    if (strncmp(sql, "begin", 5) == 0) {
        return FK_BEGIN;
    }
    if (strncmp(sql, "commit", 6) == 0) {
        return FK_COMMIT;
    }
    if (strncmp(sql, "notice", 6) == 0) {
        return FK_NOTICE;
    }
    if (strncmp(sql, "copy in", 7) == 0) {
        return FK_COPYIN;
    }
    if (strncmp(sql, "copy out", 8) == 0) {
        return FK_COPYOUT;
    }
    if (strncmp(sql, "set tz", 6) == 0) {
        return FK_SETTZ;
    }
    return FK_UNKNOWN;
}

static void fk_describe_cols(helios_stmt_t *st, int kind)
{
    st->n_cols = 0;
    if (kind == FK_SELECT1) {
        fk_col(&st->cols[0], "?column?", HELIOS_OID_INT4, 4);
        st->n_cols = 1;
    } else if (kind == FK_GEN) {
        fk_col(&st->cols[0], "i", HELIOS_OID_INT8, 8);
        fk_col(&st->cols[1], "t", HELIOS_OID_TEXT, -1);
        fk_col(&st->cols[2], "f", HELIOS_OID_FLOAT8, 8);
        fk_col(&st->cols[3], "d", HELIOS_OID_DATE, 4);
        fk_col(&st->cols[4], "b", HELIOS_OID_BOOL, 1);
        fk_col(&st->cols[5], "n", HELIOS_OID_TEXT, -1);
        st->n_cols = 6;
    } else if (kind == FK_ECHO) {
        for (uint32_t i = 0; i < st->n_params && i < 6; i++) {
            fk_col(&st->cols[i], "p", HELIOS_OID_TEXT, -1);
        }
        st->n_cols = st->n_params < 6 ? st->n_params : 6;
    }
}

/* Emit rows [pos, end) of a gen statement. */
static int32_t fk_gen_rows(const helios_sink_t *sink, uint64_t from, uint64_t to)
{
    char text[32];
    for (uint64_t i = from; i < to; i++) {
        helios_value_t v[6];
        memset(v, 0, sizeof(v));
        int n = snprintf(text, sizeof(text), "row%llu", (unsigned long long)i);
        v[0].type_oid = HELIOS_OID_INT8;
        v[0].i = (int64_t)i;
        v[1].type_oid = HELIOS_OID_TEXT;
        v[1].p = text;
        v[1].len = (uint32_t)n;
        v[2].type_oid = HELIOS_OID_FLOAT8;
        v[2].f = (double)i / 2.0;
        v[3].type_oid = HELIOS_OID_DATE;
        v[3].i = (int64_t)i;
        v[4].type_oid = HELIOS_OID_BOOL;
        v[4].i = (int64_t)(i & 1);
        v[5].type_oid = HELIOS_OID_TEXT;
        v[5].is_null = 1;
        int32_t rc = sink->row(sink->ctx, 6, v);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int32_t fk_run_one(helios_session_t *s, const char *sql, const helios_sink_t *sink,
                          helios_err_t *err)
{
    uint64_t n = 0;
    char tag[64];
    helios_stmt_t st;
    memset(&st, 0, sizeof(st));
    int kind = fk_kind(sql, &n);
    if (s->txn == 'E' && kind != FK_COMMIT && kind != FK_EMPTY) {
        return fake_err_set(err, HELIOS_ERR_IN_FAILED_SQL_TRANSACTION,
                            "current transaction is aborted, commands ignored until end of "
                            "transaction block");
    }
    switch (kind) {
    case FK_EMPTY:
        return sink->empty != NULL ? sink->empty(sink->ctx) : 0;
    case FK_SELECT1:
    case FK_GEN: {
        fk_describe_cols(&st, kind);
        int32_t rc = sink->describe != NULL ? sink->describe(sink->ctx, st.n_cols, st.cols) : 0;
        if (rc != 0) {
            return rc;
        }
        if (kind == FK_SELECT1) {
            helios_value_t v = {.type_oid = HELIOS_OID_INT4, .i = 1, .type_mod = -1};
            rc = sink->row(sink->ctx, 1, &v);
            n = 1;
        } else {
            rc = fk_gen_rows(sink, 0, n);
        }
        if (rc != 0) {
            return rc;
        }
        snprintf(tag, sizeof(tag), "SELECT %llu", (unsigned long long)n);
        return sink->complete(sink->ctx, tag);
    }
    case FK_BEGIN:
        s->txn = 'T';
        return sink->complete(sink->ctx, "BEGIN");
    case FK_COMMIT: {
        int was_failed = s->txn == 'E';
        s->txn = 'I';
        return sink->complete(sink->ctx, was_failed ? "ROLLBACK" : "COMMIT");
    }
    case FK_NOTICE: {
        helios_err_t note = HELIOS_ERR_INIT;
        fake_err_set(&note, HELIOS_ERR_WARNING, "this is a notice");
        note.severity = HELIOS_SEV_NOTICE;
        if (sink->notice != NULL) {
            sink->notice(sink->ctx, &note);
        }
        return sink->complete(sink->ctx, "NOTICE");
    }
    case FK_SETTZ:
        snprintf(s->tz, sizeof(s->tz), "Europe/Paris");
        if (sink->param_status != NULL) {
            sink->param_status(sink->ctx, "TimeZone", s->tz);
        }
        return sink->complete(sink->ctx, "SET");
    case FK_COPYIN: {
        int32_t rc = sink->copy_in_begin(sink->ctx, HELIOS_COPY_TEXT, 2);
        if (rc != 0) {
            return rc;
        }
        uint8_t buf[7]; /* tiny on purpose: CopyData messages get split across reads */
        uint64_t lines = 0;
        int bad = 0;
        char window[3] = {0, 0, 0};
        for (;;) {
            uint32_t got = 0;
            rc = sink->copy_in_read(sink->ctx, buf, sizeof(buf), &got, err);
            if (rc != 0) {
                return rc;
            }
            if (got == 0) {
                break;
            }
            fake_stats.copy_bytes += got;
            for (uint32_t i = 0; i < got; i++) {
                lines += buf[i] == '\n';
                window[0] = window[1];
                window[1] = window[2];
                window[2] = (char)buf[i];
                if (memcmp(window, "bad", 3) == 0) {
                    bad = 1;
                    break;
                }
            }
            if (bad) {
                fake_err_set(err, HELIOS_ERR_BAD_COPY_FILE_FORMAT, "bad copy data");
                fake_err_detail(err, "COPY t, line %llu", (unsigned long long)lines + 1);
                return err->code; /* stops reading early, as an engine does on a bad row */
            }
        }
        snprintf(tag, sizeof(tag), "COPY %llu", (unsigned long long)lines);
        return sink->complete(sink->ctx, tag);
    }
    case FK_COPYOUT: {
        int32_t rc = sink->copy_out_begin(sink->ctx, HELIOS_COPY_TEXT, 2);
        if (rc == 0) {
            rc = sink->copy_out_data(sink->ctx, (const uint8_t *)"1\tone\n", 6);
        }
        if (rc == 0) {
            rc = sink->copy_out_data(sink->ctx, (const uint8_t *)"2\ttwo\n", 6);
        }
        if (rc == 0) {
            rc = sink->copy_out_end(sink->ctx);
        }
        return rc != 0 ? rc : sink->complete(sink->ctx, "COPY 2");
    }
    case FK_ERROR:
    default: {
        int32_t rc =
            fake_err_set(err, HELIOS_ERR_SYNTAX_ERROR, "syntax error at or near \"%.20s\"", sql);
        err->position = 1;
        fake_err_hint(err, "Try a toy command.");
        if (s->txn == 'T') {
            s->txn = 'E';
        }
        return rc;
    }
    }
}

static int32_t fk_query(helios_session_t *s, const char *sql, uint32_t len,
                        const helios_sink_t *sink, helios_err_t *err)
{
    char *copy = malloc((size_t)len + 1);
    if (copy == NULL) {
        return fake_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    memcpy(copy, sql, len);
    copy[len] = '\0';
    int32_t rc = 0;
    int any = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ";", &save); tok != NULL; tok = strtok_r(NULL, ";", &save)) {
        uint64_t n;
        if (fk_kind(tok, &n) == FK_EMPTY) {
            continue;
        }
        any = 1;
        rc = fk_run_one(s, tok, sink, err);
        if (rc != 0) {
            break;
        }
    }
    if (!any && rc == 0) {
        rc = sink->empty(sink->ctx);
    }
    free(copy);
    return rc;
}

static int32_t fk_prepare(helios_session_t *s, const char *sql, uint32_t len, uint32_t n_types,
                          const uint32_t *types, helios_stmt_t **out, helios_err_t *err)
{
    uint64_t n = 0;
    char text[256];
    size_t l = len < sizeof(text) - 1 ? len : sizeof(text) - 1;
    memcpy(text, sql, l);
    text[l] = '\0';
    int kind = fk_kind(text, &n);
    if (kind == FK_ERROR || kind == FK_UNKNOWN) {
        int32_t rc =
            fake_err_set(err, HELIOS_ERR_SYNTAX_ERROR, "syntax error at or near \"%.20s\"", text);
        err->position = 1;
        return rc;
    }
    helios_stmt_t *st = calloc(1, sizeof(*st));
    if (st == NULL) {
        return fake_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    st->s = s;
    memcpy(st->sql, text, l + 1);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '$' && st->n_params < 16) {
            st->param_types[st->n_params] = st->n_params < n_types && types[st->n_params] != 0
                                                ? types[st->n_params]
                                                : HELIOS_OID_TEXT;
            st->n_params++;
        }
    }
    fk_describe_cols(st, kind);
    *out = st;
    return 0;
}

static int32_t fk_stmt_params(helios_stmt_t *st, uint32_t *n, const uint32_t **types)
{
    *n = st->n_params;
    *types = st->param_types;
    return 0;
}

static int32_t fk_stmt_columns(helios_stmt_t *st, uint32_t *n, const helios_column_desc_t **cols)
{
    *n = st->n_cols;
    *cols = st->cols;
    return 0;
}

static void fk_stmt_close(helios_stmt_t *st)
{
    free(st);
}

static int32_t fk_bind(helios_stmt_t *st, uint32_t n, const helios_param_t *params,
                       helios_portal_t **out, helios_err_t *err)
{
    if (n != st->n_params) {
        return fake_err_set(err, HELIOS_ERR_PROTOCOL_VIOLATION, "wrong parameter count");
    }
    helios_portal_t *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return fake_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    p->st = st;
    p->n_params = n;
    for (uint32_t i = 0; i < n && i < 16; i++) {
        p->param_null[i] = params[i].is_null;
        if (!params[i].is_null) {
            if (params[i].format == HELIOS_FORMAT_BINARY && st->param_types[i] == HELIOS_OID_INT4) {
                if (params[i].len != 4) {
                    free(p);
                    return fake_err_set(err, HELIOS_ERR_INVALID_BINARY_REPRESENTATION,
                                        "incorrect binary data format in bind parameter %u", i + 1);
                }
                const uint8_t *d = params[i].data;
                int32_t v = (int32_t)(((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) |
                                      ((uint32_t)d[2] << 8) | d[3]);
                snprintf(p->params[i], sizeof(p->params[i]), "%d", v);
            } else {
                size_t l = params[i].len < 63 ? params[i].len : 63;
                memcpy(p->params[i], params[i].data, l);
                p->params[i][l] = '\0';
            }
        }
    }
    uint64_t total = 0;
    int kind = fk_kind(st->sql, &total);
    p->total = kind == FK_GEN ? total : (kind == FK_SELECT1 || kind == FK_ECHO ? 1 : 0);
    *out = p;
    return 0;
}

static int32_t fk_execute(helios_portal_t *p, uint64_t max_rows, const helios_sink_t *sink,
                          helios_err_t *err)
{
    uint64_t n = 0;
    int kind = fk_kind(p->st->sql, &n);
    char tag[64];
    if (kind == FK_GEN || kind == FK_SELECT1 || kind == FK_ECHO) {
        uint64_t end = p->total;
        if (max_rows > 0 && p->pos + max_rows < end) {
            end = p->pos + max_rows;
        }
        int32_t rc = 0;
        if (kind == FK_GEN) {
            rc = fk_gen_rows(sink, p->pos, end);
        } else if (end > p->pos) {
            helios_value_t v[6];
            memset(v, 0, sizeof(v));
            uint32_t nv = kind == FK_ECHO ? p->st->n_cols : 1;
            for (uint32_t i = 0; i < nv; i++) {
                if (kind == FK_SELECT1) {
                    v[i].type_oid = HELIOS_OID_INT4;
                    v[i].i = 1;
                } else {
                    v[i].type_oid = HELIOS_OID_TEXT;
                    v[i].is_null = p->param_null[i];
                    v[i].p = p->params[i];
                    v[i].len = (uint32_t)strlen(p->params[i]);
                }
            }
            rc = sink->row(sink->ctx, nv, v);
        }
        if (rc != 0) {
            return rc;
        }
        p->pos = end;
        if (end < p->total) {
            return HELIOS_SUSPENDED;
        }
        snprintf(tag, sizeof(tag), "SELECT %llu", (unsigned long long)p->total);
        return sink->complete(sink->ctx, tag);
    }
    return fk_run_one(p->st->s, p->st->sql, sink, err);
}

static void fk_portal_close(helios_portal_t *p)
{
    free(p);
}

static uint32_t fk_txn_status(helios_session_t *s)
{
    return s->txn;
}

static int32_t fk_sync(helios_session_t *s, helios_err_t *err)
{
    (void)s;
    (void)err;
    __atomic_add_fetch(&fake_stats.n_syncs, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static const char *fk_param_get(helios_session_t *s, const char *name)
{
    if (strcmp(name, "server_version") == 0) {
        return "15.4";
    }
    if (strcmp(name, "TimeZone") == 0) {
        return s->tz;
    }
    return NULL;
}

static void fk_backend_key(helios_session_t *s, uint32_t *pid, uint32_t *secret)
{
    (void)s;
    *pid = 42;
    *secret = 4242;
}

static void fk_cancel(helios_engine_t *eng, uint32_t pid, uint32_t secret)
{
    (void)eng;
    fake_stats.cancel_pid = pid;
    fake_stats.cancel_secret = secret;
    fake_stats.n_cancels++;
}

static int32_t fk_value_encode(helios_session_t *s, const helios_value_t *v, uint32_t format,
                               uint8_t *buf, uint32_t cap, uint32_t *len)
{
    (void)s;
    char tmp[64];
    int n;
    if (format != HELIOS_FORMAT_TEXT) {
        return HELIOS_ERR_FEATURE_NOT_SUPPORTED;
    }
    if (v->type_oid == HELIOS_OID_FLOAT8 || v->type_oid == HELIOS_OID_FLOAT4) {
        n = snprintf(tmp, sizeof(tmp), "%.17g", v->f);
    } else if (v->type_oid == HELIOS_OID_DATE) {
        n = snprintf(tmp, sizeof(tmp), "2000-01-%02lld", (long long)(v->i % 28) + 1);
    } else {
        return HELIOS_ERR_FEATURE_NOT_SUPPORTED;
    }
    *len = (uint32_t)n;
    if ((uint32_t)n > cap) {
        return HELIOS_AGAIN;
    }
    memcpy(buf, tmp, (size_t)n);
    return 0;
}

static const helios_session_api_t fake_api = {
    .size = sizeof(helios_session_api_t),
    .open = fk_open,
    .close = fk_close,
    .auth_lookup = fk_auth_lookup,
    .query = fk_query,
    .prepare = fk_prepare,
    .stmt_params = fk_stmt_params,
    .stmt_columns = fk_stmt_columns,
    .stmt_close = fk_stmt_close,
    .bind = fk_bind,
    .execute = fk_execute,
    .portal_close = fk_portal_close,
    .txn_status = fk_txn_status,
    .param_get = fk_param_get,
    .backend_key = fk_backend_key,
    .cancel = fk_cancel,
    .value_encode = fk_value_encode,
    .sync = fk_sync,
};

const helios_session_api_t *pg_fake_api(void)
{
    return &fake_api;
}
