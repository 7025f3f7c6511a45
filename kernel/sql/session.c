/* kernel/sql/session.c -- the engine (helios_sql_open/close), sessions, the plan cache,
 * statement execution with statement/transaction atomicity, and the session API table. */
#include <ctype.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>

#include "sql/bind.h"
#include "sql/session_stmt.h"
#include "sql/sqlint.h"
#include "sql/tz.h"
#include "txn/sqltxn.h"

static void api_close(helios_session_t *s);

#define CACHE_MAX 256

struct helios_portal {
    helios_session_t *s;
    helios_stmt_t *st;
    cached_q_t *cq; /* the plan this portal holds a reference to */
    arena_t ar;
    val_t *params;
    uint32_t n_params;
    uint32_t started, done;
    rowset_t rows;
    size_t pos;
    char tag[64];
    const char *tagp;
    uint32_t n_out;
};

/* ---------------- settings ---------------- */
static const struct {
    const char *name, *value;
} default_settings[] = {
    {"server_version", "15.1"}, {"server_version_num", "150001"}, {"server_encoding", "UTF8"},
    {"client_encoding", "UTF8"}, {"datestyle", "ISO, MDY"}, {"timezone", "UTC"},
    {"intervalstyle", "postgres"}, {"integer_datetimes", "on"},
    {"standard_conforming_strings", "on"}, {"application_name", ""}, {"is_superuser", "on"},
    {"session_authorization", ""}, {"search_path", "\"$user\", public"},
    {"default_transaction_isolation", "read committed"}, {"transaction_isolation", "read committed"},
    {"default_transaction_read_only", "off"}, {"transaction_read_only", "off"},
    {"extra_float_digits", "1"}, {"statement_timeout", "0"}, {"lock_timeout", "0"},
    {"deadlock_timeout", "1s"},
    {"client_min_messages", "notice"}, {"max_identifier_length", "63"},
    {"work_mem", "64MB"}, {"synchronous_commit", "on"}, {"lc_collate", "C"}, {"lc_ctype", "C"},
    {"default_text_search_config", "pg_catalog.english"}, {"bytea_output", "hex"},
    {"idle_in_transaction_session_timeout", "0"}, {"in_hot_standby", "off"},
    {"enable_nestloop", "on"}, {"enable_hashjoin", "on"}, {"helios.vectorize", "on"},
};

static const char *canon_name(const char *low)
{
    static const char *canon[] = {"DateStyle", "TimeZone", "IntervalStyle", NULL};
    for (int i = 0; canon[i] != NULL; i++) {
        if (strcasecmp(canon[i], low) == 0) return canon[i];
    }
    return low;
}

static int reported(const char *low)
{
    static const char *r[] = {"application_name", "client_encoding", "datestyle", "timezone",
                              "intervalstyle", "is_superuser", "session_authorization",
                              "standard_conforming_strings", "server_version",
                              "integer_datetimes", "in_hot_standby", NULL};
    for (int i = 0; r[i] != NULL; i++) {
        if (strcmp(r[i], low) == 0) return 1;
    }
    return 0;
}

static void lower_into(char *dst, size_t cap, const char *src)
{
    size_t i;
    for (i = 0; src[i] && i < cap - 1; i++) dst[i] = (char)tolower((unsigned char)src[i]);
    dst[i] = '\0';
}

static const char *sess_get_setting_slow(helios_session_t *s, const char *name);

/* settings are read on hot paths (lock_timeout per row lock, work_mem per statement): callers
   pass literal names, so a small cache keyed by the name's pointer answers most lookups */
const char *sess_get_setting(helios_session_t *s, const char *name)
{
    uint32_t slot = (uint32_t)(((uint64_t)(uintptr_t)name * 0x9E3779B97F4A7C15ull) >> 61);
    if (s->setting_cache[slot].name == name && s->setting_cache[slot].version == s->settings_version &&
        s->settings_version != 0) {
        return s->setting_cache[slot].value;
    }
    const char *v = sess_get_setting_slow(s, name);
    if (!(strcmp(name, "transaction_isolation") == 0 || strcmp(name, "TRANSACTION_ISOLATION") == 0)) {
        s->setting_cache[slot].name = name;
        s->setting_cache[slot].value = v;
        s->setting_cache[slot].version = s->settings_version;
    }
    return v;
}

static const char *sess_get_setting_slow(helios_session_t *s, const char *name)
{
    char low[128];
    lower_into(low, sizeof low, name);
    if (strcmp(low, "transaction_isolation") == 0 && s->txn.active) {
        return s->txn.iso == 2 ? "serializable" : s->txn.iso == 1 ? "repeatable read" : "read committed";
    }
    if (strcmp(low, "transaction_isolation") == 0) {
        /* outside a block: the level the next (implicit) transaction gets */
        return sess_get_setting(s, "default_transaction_isolation");
    }
    for (uint32_t i = 0; i < s->n_settings; i++) {
        if (strcmp(s->settings[i].name, low) == 0) return s->settings[i].value;
    }
    return NULL;
}

int32_t sess_set_setting(helios_session_t *s, const char *name, const char *value,
                         helios_err_t *err)
{
    char low[128];
    lower_into(low, sizeof low, name);
    if (strncmp(low, "enable_", 7) == 0 || strcmp(low, "search_path") == 0)
        /* planner switches (bind_from.c) and name resolution: plans are redone */
        __atomic_fetch_add(&s->eng->cat.version, 1, __ATOMIC_SEQ_CST);
    if (strcmp(low, "server_version") == 0 || strcmp(low, "server_encoding") == 0 ||
        strcmp(low, "server_version_num") == 0 || strcmp(low, "is_superuser") == 0) {
        return sql_err(err, HELIOS_ERR_CANT_CHANGE_RUNTIME_PARAM,
                       "parameter \"%s\" cannot be changed", low);
    }
    if (value == NULL) {
        value = "";
        for (size_t i = 0; i < sizeof default_settings / sizeof default_settings[0]; i++) {
            if (strcmp(default_settings[i].name, low) == 0) value = default_settings[i].value;
        }
        /* RESET / SET TIME ZONE DEFAULT: the zone the session started with (PostgreSQL's
           reset value counts the startup packet's and options' settings) */
        if (strcmp(low, "timezone") == 0 && s->tz_reset != NULL) value = tz_name(s->tz_reset);
    }
    const helios_tz_t *new_tz = NULL;
    if (strcmp(low, "timezone") == 0) {
        /* PostgreSQL's check_timezone; the setting keeps the zone's canonical name */
        int r = dt_tz_setting(value, &new_tz);
        if (r == -2) {
            return sql_err(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                           "invalid interval value for time zone: day not allowed");
        }
        if (r != 0) {
            return sql_err(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                           "invalid value for parameter \"TimeZone\": \"%s\"", value);
        }
        value = tz_name(new_tz);
        s->tz = new_tz;
        tz_set_current(new_tz);
    }
    if (strcmp(low, "client_encoding") == 0 && strcasecmp(value, "UTF8") != 0 &&
        strcasecmp(value, "UTF-8") != 0 && strcasecmp(value, "unicode") != 0) {
        return sql_err(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED, "conversion to encoding \"%s\" is not supported", value);
    }
    if (strcmp(low, "client_encoding") == 0) value = "UTF8";
    s->settings_version++;
    if (s->settings_version == 0) s->settings_version = 1;
    s->work_mem_cached = 0;
    for (uint32_t i = 0; i < s->n_settings; i++) {
        if (strcmp(s->settings[i].name, low) == 0) {
            char *v = strdup(value);
            if (v == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            free(s->settings[i].value);
            s->settings[i].value = v;
            return 0;
        }
    }
    setting_t *ns = realloc(s->settings, sizeof(setting_t) * (s->n_settings + 1));
    if (ns == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    s->settings = ns;
    s->settings[s->n_settings].name = strdup(low);
    s->settings[s->n_settings].value = strdup(value);
    s->n_settings++;
    return 0;
}

/* the session's work_mem setting ("4MB", "512kB", "1GB", plain kB) or the engine default */
static uint64_t sess_work_mem(helios_session_t *s)
{
    if (s->work_mem_cached != 0) return s->work_mem_cached;
    const char *v = sess_get_setting(s, "work_mem");
    if (v == NULL || strcmp(v, "64MB") == 0) return s->work_mem_cached = s->eng->work_mem;
    char *end;
    double n = strtod(v, &end);
    while (*end == ' ') end++;
    uint64_t unit = 1024; /* PostgreSQL's unit for work_mem is kB */
    if (strncasecmp(end, "MB", 2) == 0) unit = 1024 * 1024;
    else if (strncasecmp(end, "GB", 2) == 0) unit = 1024ull * 1024 * 1024;
    else if (strncasecmp(end, "B", 1) == 0) unit = 1;
    uint64_t b = (uint64_t)(n * (double)unit);
    return s->work_mem_cached = b < 65536 ? 65536 : b;
}

/* ---------------- engine ---------------- */
int32_t helios_sql_open(helios_lsm_t *lsm, const helios_sql_options_t *opts,
                        helios_engine_t **out, helios_err_t *err)
{
    helios_engine_t *e = calloc(1, sizeof *e);
    if (e == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    e->lsm = lsm;
    e->work_mem = opts != NULL && opts->work_mem_bytes ? opts->work_mem_bytes : 64ull << 20;
    e->data_dir = strdup(opts != NULL && opts->data_dir ? opts->data_dir : ".");
    pthread_mutex_init(&e->sess_mu, NULL);
    e->next_pid = 10000;
    int32_t rc = stx_engine_open(e, err);
    if (rc != 0) goto failed;
    rc = cat_open(e, err);
    if (rc != 0) goto failed;
    rc = stx_fk_open(e, err);
    if (rc != 0) goto failed;
    sys_open(e);
    if (opts != NULL && opts->config_users != NULL) {
        for (uint32_t i = 0; opts->config_users[i] != NULL; i++) {
            const char *pw = opts->config_passwords != NULL ? opts->config_passwords[i] : NULL;
            user_t *u = cat_find_user(e, opts->config_users[i]);
            if (u == NULL) {
                user_t *nu = realloc(e->cat.users, sizeof(user_t) * (e->cat.n_users + 1));
                if (nu == NULL) {
                    rc = sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
                    goto failed;
                }
                e->cat.users = nu;
                u = &e->cat.users[e->cat.n_users++];
                memset(u, 0, sizeof *u);
                u->name = strdup(opts->config_users[i]);
                u->superuser = 1;
            }
            if (pw != NULL) {
                char v[512];
                if (scram_make_verifier(pw, v, sizeof v) != 0) {
                    rc = sql_err(err, HELIOS_ERR_INTERNAL_ERROR, "could not hash a password");
                    goto failed;
                }
                free(u->verifier);
                u->verifier = strdup(v); /* in memory only: config users are not persisted */
            }
        }
    }
    *out = e;
    return 0;
failed:
    sys_close(e);
    cat_close(e);
    stx_fk_close(e);
    stx_engine_close(e);
    free(e->data_dir);
    free(e);
    return rc;
}

void helios_sql_close(helios_engine_t *eng)
{
    if (eng == NULL) return;
    sys_close(eng);
    cat_close(eng);
    stx_fk_close(eng);
    stx_engine_close(eng);
    pthread_mutex_destroy(&eng->sess_mu);
    free(eng->data_dir);
    free(eng);
}

/* ---------------- plan cache ---------------- */
static void cq_free(cached_q_t *cq)
{
    for (uint32_t i = 0; i < cq->n_stmts; i++) {
        stmt_plan_t *sp = cq->stmts[i];
        for (uint32_t k = 0; sp != NULL && k < sp->n_extra_trees; k++) sql_parse_free(sp->extra_trees[k]);
    }
    sql_parse_free(cq->pr);
    ar_free(&cq->ar);
    free(cq->text);
    free(cq->param_types_in);
    free(cq);
}

static void lru_unlink(helios_session_t *s, cached_q_t *cq)
{
    if (!cq->in_lru) return;
    if (cq->lru_prev) cq->lru_prev->lru_next = cq->lru_next;
    else s->lru_head = cq->lru_next;
    if (cq->lru_next) cq->lru_next->lru_prev = cq->lru_prev;
    else s->lru_tail = cq->lru_prev;
    cq->lru_prev = cq->lru_next = NULL;
    cq->in_lru = 0;
}

static void lru_push(helios_session_t *s, cached_q_t *cq)
{
    cq->lru_prev = NULL;
    cq->lru_next = s->lru_head;
    if (s->lru_head) s->lru_head->lru_prev = cq;
    s->lru_head = cq;
    if (s->lru_tail == NULL) s->lru_tail = cq;
    cq->in_lru = 1;
}

static void tab_remove(helios_session_t *s, cached_q_t *cq)
{
    uint32_t b = (uint32_t)cq->hash & (s->cache_cap - 1);
    for (cached_q_t **pp = &s->cache_tab[b]; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == cq) {
            *pp = cq->next;
            s->cache_n--;
            return;
        }
    }
}

void sess_release_cached(helios_session_t *s, cached_q_t *cq)
{
    if (cq->refs > 0) cq->refs--;
    if (cq->refs == 0 && !cq->in_lru) {
        /* evicted while referenced, or stale: free now */
        cq_free(cq);
    }
    (void)s;
}

static int32_t build_cq(helios_session_t *s, cached_q_t *cq, helios_err_t *err)
{
    int32_t rc = sql_parse(cq->text, &cq->pr, err);
    if (rc != 0) return rc;
    cq->n_stmts = (uint32_t)cq->pr->n_stmts;
    cq->stmts = ar_zalloc(&cq->ar, sizeof(stmt_plan_t *) * (cq->n_stmts + 1));
    pthread_rwlock_rdlock(&s->eng->cat.lock);
    cq->cat_version = s->eng->cat.version;
    cq->tz = s->tz;
    for (uint32_t i = 0; i < cq->n_stmts; i++) {
        PgQuery__RawStmt *raw = cq->pr->stmts[i];
        rc = bind_stmt(s, &cq->ar, raw, cq->text, cq->n_param_types, cq->param_types_in,
                       &cq->stmts[i], err);
        if (rc != 0) {
            /* statements after a DDL in the same string bind against the catalog as it is
               when they run: defer their binding */
            if (i > 0) {
                for (uint32_t k = i; k < cq->n_stmts; k++) cq->stmts[k] = NULL;
                rc = 0;
                memset(err, 0, sizeof *err);
            }
            break;
        }
        stmt_plan_t *sp = cq->stmts[i];
        sp->sql = cq->text + raw->stmt_location;
        sp->sql_len = raw->stmt_len ? (uint32_t)raw->stmt_len : (uint32_t)strlen(sp->sql);
    }
    pthread_rwlock_unlock(&s->eng->cat.lock);
    return rc;
}

int32_t sess_get_cached(helios_session_t *s, const char *sql, uint32_t len, uint32_t n_types,
                        const uint32_t *types, cached_q_t **out, helios_err_t *err)
{
    uint64_t h = hash_bytes(sql, len) ^ (n_types ? hash_bytes(types, n_types * 4) : 0);
    tz_set_current(s->tz);
    sql_cur_session = s;
    if (s->cache_tab == NULL) {
        s->cache_cap = 512;
        s->cache_tab = calloc(s->cache_cap, sizeof(cached_q_t *));
        if (s->cache_tab == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    uint32_t b = (uint32_t)h & (s->cache_cap - 1);
    for (cached_q_t *cq = s->cache_tab[b]; cq != NULL; cq = cq->next) {
        if (cq->hash == h && cq->len == len && cq->n_param_types == n_types &&
            memcmp(cq->text, sql, len) == 0 &&
            (n_types == 0 || memcmp(cq->param_types_in, types, n_types * 4) == 0)) {
            if (cq->cat_version != s->eng->cat.version || cq->tz != s->tz) {
                /* stale (or bound under another TimeZone, whose timestamptz constants were
                   folded in it): drop from the cache; holders keep their copy */
                tab_remove(s, cq);
                lru_unlink(s, cq);
                if (cq->refs == 0) cq_free(cq);
                break;
            }
            lru_unlink(s, cq);
            lru_push(s, cq);
            cq->refs++;
            *out = cq;
            return 0;
        }
    }
    cached_q_t *cq = calloc(1, sizeof *cq);
    if (cq == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    cq->text = malloc(len + 1);
    memcpy(cq->text, sql, len);
    cq->text[len] = '\0';
    cq->len = len;
    cq->hash = h;
    cq->n_param_types = n_types;
    if (n_types > 0) {
        cq->param_types_in = malloc(n_types * 4);
        memcpy(cq->param_types_in, types, n_types * 4);
    }
    int32_t rc = build_cq(s, cq, err);
    if (rc != 0) {
        cq_free(cq);
        return rc;
    }
    /* statements with deferred binding are not cached */
    int cacheable = 1;
    for (uint32_t i = 0; i < cq->n_stmts; i++) {
        if (cq->stmts[i] == NULL || cq->stmts[i]->kind == S_UTILITY) cacheable = 0;
    }
    cq->refs = 1;
    if (cacheable) {
        cq->next = s->cache_tab[b];
        s->cache_tab[b] = cq;
        s->cache_n++;
        lru_push(s, cq);
        while (s->cache_n > CACHE_MAX && s->lru_tail != NULL && s->lru_tail != cq) {
            cached_q_t *old = s->lru_tail;
            tab_remove(s, old);
            lru_unlink(s, old);
            if (old->refs == 0) cq_free(old);
        }
    }
    *out = cq;
    return 0;
}

static void cache_clear(helios_session_t *s)
{
    for (uint32_t b = 0; b < s->cache_cap; b++) {
        cached_q_t *cq = s->cache_tab[b];
        while (cq != NULL) {
            cached_q_t *n = cq->next;
            cq->in_lru = 0;
            if (cq->refs == 0) cq_free(cq);
            cq = n;
        }
    }
    free(s->cache_tab);
    s->cache_tab = NULL;
    s->cache_cap = s->cache_n = 0;
    s->lru_head = s->lru_tail = NULL;
}

/* ---------------- values out ---------------- */
void val_to_helios(arena_t *a, const val_t *v, helios_value_t *out)
{
    memset(out, 0, sizeof *out);
    out->type_oid = v->t == T_NULL ? HELIOS_OID_TEXT : v->t;
    out->type_mod = -1;
    if (v->null) {
        out->is_null = 1;
        return;
    }
    switch (v->t) {
    case HELIOS_OID_BOOL: case HELIOS_OID_INT2: case HELIOS_OID_INT4: case HELIOS_OID_INT8:
    case HELIOS_OID_OID: case HELIOS_OID_DATE: case HELIOS_OID_TIME: case HELIOS_OID_TIMESTAMP:
    case HELIOS_OID_TIMESTAMPTZ:
        out->i = v->i;
        break;
    case HELIOS_OID_FLOAT4: case HELIOS_OID_FLOAT8:
        out->f = v->f;
        break;
    case HELIOS_OID_INTERVAL: case HELIOS_OID_UUID: case HELIOS_OID_BYTEA:
        out->p = v->s;
        out->len = v->len;
        break;
    case HELIOS_OID_NUMERIC: {
        out->p = val_text(a, v, &out->len);
        break;
    }
    default:
        out->p = v->s;
        out->len = v->len;
        break;
    }
}

void out_cols_to_desc(arena_t *a, stmt_plan_t *sp, helios_column_desc_t **out)
{
    helios_column_desc_t *d = ar_zalloc(a, sizeof(helios_column_desc_t) * (sp->n_out + 1));
    for (uint32_t i = 0; i < sp->n_out; i++) {
        out_col_t *c = &sp->out[i];
        d[i].name = c->name;
        d[i].type_oid = c->type == T_NULL || c->type == HELIOS_OID_UNKNOWN ? HELIOS_OID_TEXT : c->type;
        d[i].type_mod = c->typmod;
        d[i].type_len = type_len(d[i].type_oid);
        d[i].attnum = c->attnum;
        d[i].table_oid = c->table_oid;
    }
    *out = d;
}

/* ---------------- running a statement ---------------- */
static int is_txn_end(stmt_plan_t *sp)
{
    if (sp->kind != S_UTILITY || sp->node->node_case != PG_QUERY__NODE__NODE_TRANSACTION_STMT) return 0;
    uint32_t k = sp->node->transaction_stmt->kind;
    return k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT ||
           k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK ||
           k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_TO;
}

static int is_txn_stmt(stmt_plan_t *sp)
{
    return sp->kind == S_UTILITY && sp->node->node_case == PG_QUERY__NODE__NODE_TRANSACTION_STMT;
}

/* the implicit transaction of an extended-protocol batch (see helios_session_api_t.sync) */
static void implicit_begin(helios_session_t *s)
{
    txn_t *t = &s->txn;
    const char *d = sess_get_setting(s, "default_transaction_isolation");
    t->active = 1;
    t->failed = 0;
    t->read_only = 0;
    t->iso = d == NULL ? 0 : strstr(d, "serializable") ? 2 : strstr(d, "repeatable") ? 1 : 0;
    s->implicit = 1;
    s->implicit_n = 0;
}

/* commit (ok and not failed) or roll back the implicit transaction */
static int32_t implicit_end(helios_session_t *s, int ok, helios_err_t *err)
{
    int32_t rc = 0;
    if (!s->implicit) return 0;
    s->implicit = 0;
    s->implicit_n = 0;
    if (ok && !s->txn.failed) {
        rc = txn_commit(s, err);
    } else {
        txn_abort(s);
    }
    s->txn.active = 0;
    s->txn.failed = 0;
    s->txn.read_only = 0;
    return rc;
}

/* a transaction statement inside the implicit transaction, as PostgreSQL: BEGIN makes the
   batch so far an explicit block; COMMIT / ROLLBACK warn and end it; savepoints need a block */
static int32_t implicit_txn_stmt(helios_session_t *s, stmt_plan_t *sp, const helios_sink_t *sink,
                                 helios_err_t *err)
{
    uint32_t k = sp->node->transaction_stmt->kind;
    if (k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN ||
        k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START) {
        s->implicit = 0;
        s->txn.active = 0; /* BEGIN opens the block over the batch's write set */
        return 0;
    }
    if (k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT ||
        k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK) {
        helios_err_t w = HELIOS_ERR_INIT;
        w.severity = HELIOS_SEV_WARNING;
        w.code = HELIOS_ERR_NO_ACTIVE_SQL_TRANSACTION;
        snprintf(w.message, sizeof w.message, "there is no transaction in progress");
        if (sink != NULL && sink->notice != NULL) sink->notice(sink->ctx, &w);
        s->implicit = 0; /* the statement itself commits / rolls back */
        s->implicit_n = 0;
        return 0;
    }
    if (k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_SAVEPOINT ||
        k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_RELEASE ||
        k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_TO) {
        const char *what = k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_SAVEPOINT ? "SAVEPOINT"
                           : k == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_RELEASE
                               ? "RELEASE SAVEPOINT"
                               : "ROLLBACK TO SAVEPOINT";
        return sql_err(err, HELIOS_ERR_NO_ACTIVE_SQL_TRANSACTION,
                       "%s can only be used in transaction blocks", what);
    }
    return 0;
}

/* "<prefix><n>" without printf (on the path of every statement) */
static void make_tag(char *tag, const char *prefix, uint64_t n)
{
    size_t l = strlen(prefix);
    memcpy(tag, prefix, l);
    char d[24];
    int k = 0;
    do {
        d[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n != 0);
    while (k > 0) tag[l++] = d[--k];
    tag[l] = '\0';
}

/* Execute a bound SELECT/DML into rows (materialized in `a`) and a command tag. */
static int32_t run_plan(helios_session_t *s, stmt_plan_t *sp, arena_t *a, const val_t *params,
                        uint32_t n_params, rowset_t *rows, char *tag, helios_err_t *err)
{
    exec_ctx_t cx = {0};
    cx.s = s;
    cx.eng = s->eng;
    cx.ar = a;
    cx.params = params;
    cx.n_params = n_params;
    cx.err = err;
    cx.now_us = dt_now_us();
    cx.n_subq = sp->n_subq;
    if (sp->n_subq > 0) cx.subq_cache = ar_zalloc(a, sizeof(rowset_t *) * sp->n_subq);
    if (n_params < sp->n_params) {
        return sql_err(err, HELIOS_ERR_PROTOCOL_VIOLATION,
                       "bind message supplies %u parameters, but prepared statement requires %u",
                       n_params, sp->n_params);
    }
    cx.lock_mode = sp->lock_mode;
    cx.lock_wait = sp->lock_wait;
    int32_t rc = txn_begin_stmt(s, &cx, err);
    if (rc != 0) return rc;
    pthread_rwlock_rdlock(&s->eng->cat.lock);
    memset(rows, 0, sizeof *rows);
    if (sp->kind == S_SELECT) {
        rc = exec_plan(&cx, sp->plan, rows);
        if (rc == 0) rc = exec_check_cancel(&cx);
        if (rc == 0) make_tag(tag, "SELECT ", rows->n);
    } else {
        uint64_t n = 0;
        rc = exec_dml(&cx, sp, rows, &n);
        if (rc == 0) {
            make_tag(tag, sp->kind == S_INSERT ? "INSERT 0 " : sp->kind == S_UPDATE ? "UPDATE " : "DELETE ", n);
        }
    }
    pthread_rwlock_unlock(&s->eng->cat.lock);
    return rc;
}

/* after a statement: commit (autocommit) or mark the transaction failed / discard */
static int32_t finish_stmt(helios_session_t *s, int32_t rc, int writes, helios_err_t *err)
{
    if (rc != 0) {
        if (s->txn.active) {
            s->txn.failed = 1;
            /* as PostgreSQL: the failed transaction's row locks, write set and snapshot go
               now, not at the client's ROLLBACK (unless a savepoint may still resume it) */
            if (!stx_has_savepoints(s)) txn_abort(s);
        } else {
            txn_abort(s);
        }
        return rc;
    }
    if (!s->txn.active && (writes || s->txn.iso == 2)) {
        rc = txn_commit(s, err); /* SERIALIZABLE validates read-only statements too */
    } else if (!s->txn.active && s->txn.has_snap) {
        helios_lsm_snapshot_release(s->eng->lsm, s->txn.snap);
        s->txn.has_snap = 0;
    }
    if (!s->txn.active) stx_end(s); /* an autocommitted SELECT ... FOR UPDATE's row locks */
    return rc;
}

static int32_t rebind_if_needed(helios_session_t *s, stmt_plan_t **spp, cached_q_t *cq,
                                uint32_t idx, helios_err_t *err)
{
    if (*spp != NULL && cq->cat_version == s->eng->cat.version) return 0;
    if (*spp != NULL && (*spp)->kind == S_UTILITY) return 0;
    /* bind (again) against the current catalog */
    pthread_rwlock_rdlock(&s->eng->cat.lock);
    stmt_plan_t *sp;
    PgQuery__RawStmt *raw = cq->pr->stmts[idx];
    int32_t rc = bind_stmt(s, &cq->ar, raw, cq->text, cq->n_param_types, cq->param_types_in, &sp, err);
    pthread_rwlock_unlock(&s->eng->cat.lock);
    if (rc != 0) return rc;
    sp->sql = cq->text + raw->stmt_location;
    sp->sql_len = raw->stmt_len ? (uint32_t)raw->stmt_len : (uint32_t)strlen(sp->sql);
    cq->stmts[idx] = sp;
    *spp = sp;
    return 0;
}

static int32_t send_rows(helios_session_t *s, arena_t *a, stmt_plan_t *sp, rowset_t *rows,
                         size_t from, size_t to, const helios_sink_t *sink)
{
    uint32_t n = sp->n_out;
    helios_value_t *hv = ar_alloc(a, sizeof(helios_value_t) * (n + 1));
    for (size_t r = from; r < to; r++) {
        for (uint32_t c = 0; c < n; c++) {
            val_to_helios(a, &rows->rows[r][c], &hv[c]);
            hv[c].type_oid = sp->out[c].type == T_NULL ? HELIOS_OID_TEXT : sp->out[c].type;
        }
        int32_t rc = sink->row(sink->ctx, n, hv);
        if (rc != 0) return rc;
    }
    (void)s;
    return 0;
}

static int32_t api_prepare(helios_session_t *s, const char *sql, uint32_t len, uint32_t n_types,
                           const uint32_t *param_types, helios_stmt_t **out, helios_err_t *err);
static void api_stmt_close(helios_stmt_t *st);

int32_t sess_run_stmt(helios_session_t *s, stmt_plan_t *sp, const val_t *params,
                      uint32_t n_params, const helios_sink_t *sink, uint64_t max_rows,
                      helios_err_t *err)
{
    char tagbuf[64];
    const char *tag = tagbuf;
    int32_t rc;
    s->cancel = 0;
    tz_set_current(s->tz);
    sql_cur_session = s;
    if (s->txn.active && s->txn.failed && !is_txn_end(sp)) {
        return sql_err(err, HELIOS_ERR_IN_FAILED_SQL_TRANSACTION,
                       "current transaction is aborted, commands ignored until end of "
                       "transaction block");
    }
    if (sp->kind == S_EMPTY) {
        if (sink->empty != NULL) return sink->empty(sink->ctx);
        return 0;
    }
    if (sp->kind == S_UTILITY && sp->node->node_case == PG_QUERY__NODE__NODE_PREPARE_STMT) {
        return sql_prepare_stmt(s, sp, sink, err);
    }
    if (sp->kind == S_UTILITY && sp->node->node_case == PG_QUERY__NODE__NODE_EXECUTE_STMT) {
        return sql_execute_stmt(s, sp, sink, max_rows, err);
    }
    if (sp->kind == S_UTILITY && sp->node->node_case == PG_QUERY__NODE__NODE_DEALLOCATE_STMT) {
        return sql_deallocate_stmt(s, sp, sink, err);
    }
    if (sp->kind == S_UTILITY) {
        tagbuf[0] = '\0';
        rc = s->implicit && is_txn_stmt(sp) ? implicit_txn_stmt(s, sp, sink, err) : 0;
        if (rc == 0) rc = exec_utility(s, sp, sink, &tag, tagbuf, err);
        if (rc == 0 && sp->node->node_case == PG_QUERY__NODE__NODE_COPY_STMT) {
            rc = finish_stmt(s, rc, 1, err);
        } else if (rc != 0) {
            finish_stmt(s, rc, 0, err);
        }
        if (rc == 0 && sp->node->node_case == PG_QUERY__NODE__NODE_VARIABLE_SET_STMT &&
            sink->param_status != NULL && sp->node->variable_set_stmt->name != NULL) {
            char low[128];
            lower_into(low, sizeof low, sp->node->variable_set_stmt->name);
            const char *v = sess_get_setting(s, low);
            if (reported(low) && v != NULL) sink->param_status(sink->ctx, canon_name(low), v);
        }
        if (rc != 0) return rc;
        return sink->complete(sink->ctx, tag);
    }
    rowset_t rows;
    for (int attempt = 0;; attempt++) {
        ar_reset(&s->qar);
        s->qar.limit = sess_work_mem(s);
        rc = run_plan(s, sp, &s->qar, params, n_params, &rows, tagbuf, err);
        rc = finish_stmt(s, rc, sp->kind != S_SELECT, err);
        /* an autocommitted statement that lost a write-write race runs again on a newer
           snapshot, as PostgreSQL's READ COMMITTED re-checks the updated row */
        if (rc == HELIOS_ERR_SERIALIZATION_FAILURE && !s->txn.active && s->txn.iso == 0 &&
            attempt < 20)
            continue;
        break;
    }
    if (rc != 0) return rc;
    if (sp->n_out > 0 || sp->kind == S_SELECT) {
        if (sink->describe != NULL) {
            helios_column_desc_t *d;
            out_cols_to_desc(&s->qar, sp, &d);
            if ((rc = sink->describe(sink->ctx, sp->n_out, d)) != 0) return rc;
        }
        size_t to = rows.n;
        if (max_rows > 0 && max_rows < to) to = (size_t)max_rows;
        if ((rc = send_rows(s, &s->qar, sp, &rows, 0, to, sink)) != 0) return rc;
    }
    return sink->complete(sink->ctx, tag);
}

/* ---------------- session API ---------------- */
/* name=value (from "-c name=value" or "--name=value"): '-' in the name is '_', as PostgreSQL */
static int32_t apply_option_kv(helios_session_t *s, char *kv, int dashes, helios_err_t *err)
{
    char *eq = strchr(kv, '=');
    if (eq == NULL) {
        return sql_err(err, HELIOS_ERR_SYNTAX_ERROR, "%s%s requires a value", dashes ? "--" : "-c ",
                       kv);
    }
    *eq = '\0';
    for (char *q = kv; *q; q++) {
        if (*q == '-') *q = '_';
    }
    /* an invalid TimeZone refuses the connection (FATAL 22023), as PostgreSQL does */
    int32_t rc = sess_set_setting(s, kv, eq + 1, err);
    if (rc != 0 && strcasecmp(kv, "timezone") == 0) return rc;
    if (rc != 0 && err != NULL) memset(err, 0, sizeof *err);
    return 0;
}

/* the startup packet's "options", split as PostgreSQL's pg_split_opts does: white space
   separates words, a backslash takes the next character literally ("-c datestyle=ISO,\ DMY");
   then "-c name=value" / "-cname=value" / "--name=value" set the session's settings */
static int32_t sess_apply_options(helios_session_t *s, const char *options, helios_err_t *err)
{
    int32_t rc = 0;
    size_t n = strlen(options);
    char *buf = malloc(n + 1);
    char **words = malloc(sizeof(char *) * (n / 2 + 2));
    uint32_t nw = 0;
    if (buf == NULL || words == NULL) {
        rc = sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    const char *p = options;
    char *o = buf;
    for (;;) {
        while (isspace((unsigned char)*p)) p++;
        if (*p == '\0') break;
        words[nw++] = o;
        while (*p != '\0' && !isspace((unsigned char)*p)) {
            if (*p == '\\' && p[1] != '\0') p++;
            *o++ = *p++;
        }
        *o++ = '\0';
    }
    for (uint32_t i = 0; i < nw && rc == 0; i++) {
        char *w = words[i];
        if (strcmp(w, "-c") == 0 && i + 1 < nw) {
            rc = apply_option_kv(s, words[++i], 0, err);
        } else if (strncmp(w, "-c", 2) == 0 && w[2] != '\0') {
            rc = apply_option_kv(s, w + 2, 0, err);
        } else if (strncmp(w, "--", 2) == 0 && w[2] != '\0') {
            rc = apply_option_kv(s, w + 2, 1, err);
        } else if (strcmp(w, "-c") == 0) {
            /* a -c without its argument (other server switches are ignored) */
            rc = sql_err(err, HELIOS_ERR_SYNTAX_ERROR,
                         "invalid command-line argument for server process: %s", w);
            if (err != NULL) {
                snprintf(err->hint, sizeof err->hint,
                         "Try \"postgres --help\" for more information.");
            }
        }
    }
failed:
    free(words);
    free(buf);
    return rc;
}


static int32_t api_open(helios_engine_t *eng, const helios_session_opts_t *opts,
                        helios_session_t **out, helios_err_t *err)
{
    helios_session_t *s = calloc(1, sizeof *s);
    if (s == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    s->eng = eng;
    s->dialect = opts != NULL && opts->dialect ? opts->dialect : HELIOS_DIALECT_POSTGRES;
    const char *user = opts != NULL && opts->user != NULL ? opts->user : "helios";
    s->user = strdup(user);
    ws_init(&s->txn.ws);
    for (size_t i = 0; i < sizeof default_settings / sizeof default_settings[0]; i++) {
        sess_set_setting(s, default_settings[i].name, default_settings[i].value, NULL);
    }
    /* the server-fixed ones bypass the read-only check above */
    for (uint32_t i = 0; i < s->n_settings; i++) (void)0;
    setting_t *ns = realloc(s->settings, sizeof(setting_t) * (s->n_settings + 4));
    if (ns != NULL) {
        s->settings = ns;
        const char *fixed[][2] = {{"server_version", "15.1"}, {"server_encoding", "UTF8"},
                                  {"server_version_num", "150001"}, {"is_superuser", "on"}};
        for (int i = 0; i < 4; i++) {
            s->settings[s->n_settings].name = strdup(fixed[i][0]);
            s->settings[s->n_settings].value = strdup(fixed[i][1]);
            s->n_settings++;
        }
    }
    sess_set_setting(s, "session_authorization", user, NULL);
    /* as PostgreSQL: the options first, then the startup packet's own settings win */
    int32_t orc = 0;
    if (opts != NULL && opts->options != NULL) orc = sess_apply_options(s, opts->options, err);
    if (opts != NULL && opts->application_name != NULL) {
        sess_set_setting(s, "application_name", opts->application_name, NULL);
    }
    int unknown_db = 0;
    if (orc == 0 && opts != NULL && opts->database != NULL && opts->database[0] != '\0') {
        /* a database of the catalog; "postgres" and the user's own name (libpq's default)
           mean the default database unless one is called that */
        pthread_rwlock_rdlock(&eng->cat.lock);
        database_t *d = cat_find_db(eng, opts->database);
        s->db_oid = d != NULL ? d->oid : DB_DEFAULT_OID;
        pthread_rwlock_unlock(&eng->cat.lock);
        unknown_db = d == NULL && strcmp(opts->database, "postgres") != 0 &&
                     strcmp(opts->database, user) != 0;
    }
    if (orc != 0 || unknown_db) {
        int32_t rc = orc != 0 ? orc
                              : sql_err(err, HELIOS_ERR_INVALID_CATALOG_NAME,
                                        "database \"%s\" does not exist", opts->database);
        for (uint32_t i = 0; i < s->n_settings; i++) {
            free(s->settings[i].name);
            free(s->settings[i].value);
        }
        free(s->settings);
        free(s->user);
        free(s);
        return rc;
    }
    s->tz_reset = s->tz;
    RAND_bytes((unsigned char *)&s->secret, sizeof s->secret);
    pthread_mutex_lock(&eng->sess_mu);
    s->pid = eng->next_pid++;
    s->next = eng->sessions;
    eng->sessions = s;
    pthread_mutex_unlock(&eng->sess_mu);
    int32_t rc = stx_session_open(s, err);
    if (rc != 0) {
        api_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

static void api_close(helios_session_t *s)
{
    if (s == NULL) return;
    helios_engine_t *eng = s->eng;
    pthread_mutex_lock(&eng->sess_mu);
    for (helios_session_t **pp = &eng->sessions; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    pthread_mutex_unlock(&eng->sess_mu);
    txn_abort(s);
    free(s->set_undo);
    if (sql_cur_session == s) sql_cur_session = NULL; /* no dangling name-resolution context */
    stx_session_close(s);
    ws_free(&s->txn.ws);
    for (uint32_t i = 0; i < s->n_named; i++) {
        api_stmt_close(s->named[i].st);
        free(s->named[i].name);
    }
    free(s->named);
    cache_clear(s);
    for (uint32_t i = 0; i < s->n_settings; i++) {
        free(s->settings[i].name);
        free(s->settings[i].value);
    }
    free(s->settings);
    free(s->param_buf);
    helios_buf_free(&s->getbuf);
    ar_free(&s->qar);
    free(s->user);
    free(s);
}

static int32_t api_auth_lookup(helios_engine_t *eng, const char *user, char *buf, uint32_t cap,
                               helios_err_t *err)
{
    pthread_rwlock_rdlock(&eng->cat.lock);
    user_t *u = cat_find_user(eng, user);
    int32_t rc = 0;
    if (u == NULL || u->verifier == NULL) {
        rc = sql_err(err, HELIOS_ERR_INVALID_AUTHORIZATION_SPECIFICATION,
                     u == NULL ? "role \"%s\" does not exist" : "role \"%s\" has no password", user);
    } else if (strlen(u->verifier) + 1 > cap) {
        rc = sql_err(err, HELIOS_ERR_INVALID_PARAMETER_VALUE, "buffer too small");
    } else {
        memcpy(buf, u->verifier, strlen(u->verifier) + 1);
    }
    pthread_rwlock_unlock(&eng->cat.lock);
    return rc;
}

static int32_t query_run(helios_session_t *s, const char *sql, uint32_t len,
                         const helios_sink_t *sink, helios_err_t *err)
{
    cached_q_t *cq;
    int32_t rc = sess_get_cached(s, sql, len, 0, NULL, &cq, err);
    if (rc != 0) {
        if (s->txn.active) s->txn.failed = 1;
        return rc;
    }
    if (cq->n_stmts == 0) {
        sess_release_cached(s, cq);
        if (sink->empty != NULL) return sink->empty(sink->ctx);
        return 0;
    }
    for (uint32_t i = 0; i < cq->n_stmts && rc == 0; i++) {
        stmt_plan_t *sp = cq->stmts[i];
        if (sp == NULL || (sp->kind != S_UTILITY && cq->cat_version != s->eng->cat.version)) {
            rc = rebind_if_needed(s, &cq->stmts[i], cq, i, err);
            if (rc != 0) {
                if (s->txn.active) s->txn.failed = 1;
                break;
            }
            sp = cq->stmts[i];
        }
        rc = sess_run_stmt(s, sp, NULL, 0, sink, 0, err);
        if (rc > 0 && err != NULL && err->position > 0 && sp->sql != NULL) {
            /* positions are relative to the whole query string already */
        }
    }
    sess_release_cached(s, cq);
    return rc;
}

/* a simple query inside an extended batch joins its implicit transaction and ends it, as
   PostgreSQL's simple query commits at its end */
static int32_t api_query(helios_session_t *s, const char *sql, uint32_t len,
                         const helios_sink_t *sink, helios_err_t *err)
{
    int32_t rc = query_run(s, sql, len, sink, err);
    if (s->implicit) {
        helios_err_t e2 = HELIOS_ERR_INIT;
        int32_t rc2 = implicit_end(s, rc == 0, rc == 0 ? err : &e2);
        if (rc == 0) rc = rc2;
    }
    return rc;
}

static int32_t api_prepare(helios_session_t *s, const char *sql, uint32_t len, uint32_t n_types,
                           const uint32_t *param_types, helios_stmt_t **out, helios_err_t *err)
{
    cached_q_t *cq;
    int32_t rc = sess_get_cached(s, sql, len, n_types, param_types, &cq, err);
    if (rc != 0) return rc;
    if (cq->n_stmts > 1) {
        sess_release_cached(s, cq);
        return sql_err(err, HELIOS_ERR_SYNTAX_ERROR,
                       "cannot insert multiple commands into a prepared statement");
    }
    helios_stmt_t *st = calloc(1, sizeof *st);
    if (st == NULL) {
        sess_release_cached(s, cq);
        return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    st->s = s;
    st->cq = cq;
    if (cq->n_stmts == 0) {
        static stmt_plan_t empty = {.kind = S_EMPTY};
        st->sp = &empty;
    } else {
        st->sp = cq->stmts[0];
        if (st->sp == NULL) {
            free(st);
            sess_release_cached(s, cq);
            return sql_err(err, HELIOS_ERR_INTERNAL_ERROR, "statement could not be bound");
        }
    }
    st->n_params = st->sp->n_params;
    st->param_types = st->sp->param_types;
    if (n_types > st->n_params) {
        /* the client declared more parameters than the text uses */
        st->param_types = ar_zalloc(&cq->ar, sizeof(uint32_t) * n_types);
        for (uint32_t i = 0; i < n_types; i++) {
            st->param_types[i] = i < st->sp->n_params ? st->sp->param_types[i]
                                 : (param_types[i] ? param_types[i] : HELIOS_OID_TEXT);
        }
        st->n_params = n_types;
    }
    st->n_cols = st->sp->n_out;
    out_cols_to_desc(&cq->ar, st->sp, &st->cols);
    if (st->sp->kind == S_UTILITY && st->sp->node != NULL &&
        st->sp->node->node_case == PG_QUERY__NODE__NODE_EXECUTE_STMT) {
        /* EXECUTE name(...): its rows are the prepared statement's (as PostgreSQL describes
           them at Parse time; a statement prepared later is described then) */
        named_stmt_t *ns = sess_find_named(s, st->sp->node->execute_stmt->name);
        if (ns != NULL && ns->st->n_cols > 0) {
            /* copied: a DEALLOCATE may free the named statement first */
            helios_column_desc_t *c = ar_alloc(&cq->ar, sizeof *c * ns->st->n_cols);
            for (uint32_t i = 0; i < ns->st->n_cols; i++) {
                c[i] = ns->st->cols[i];
                c[i].name = ar_strdup(&cq->ar, c[i].name != NULL ? c[i].name : "?column?");
            }
            st->n_cols = ns->st->n_cols;
            st->cols = c;
        }
    }
    *out = st;
    return 0;
}

static int32_t api_stmt_params(helios_stmt_t *st, uint32_t *n, const uint32_t **type_oids)
{
    *n = st->n_params;
    *type_oids = st->param_types;
    return 0;
}

static int32_t api_stmt_columns(helios_stmt_t *st, uint32_t *n, const helios_column_desc_t **cols)
{
    *n = st->n_cols;
    *cols = st->cols;
    return 0;
}

static void api_stmt_close(helios_stmt_t *st)
{
    if (st == NULL) return;
    sess_release_cached(st->s, st->cq);
    free(st);
}

static int32_t param_binary(arena_t *a, uint32_t t, const uint8_t *d, uint32_t n, val_t *o,
                            helios_err_t *err)
{
    memset(o, 0, sizeof *o);
    o->t = t;
    uint64_t u = 0;
    switch (t) {
    case HELIOS_OID_BOOL:
        if (n != 1) goto bad;
        o->i = d[0] != 0;
        return 0;
    case HELIOS_OID_INT2:
        if (n != 2) goto bad;
        o->i = (int16_t)((d[0] << 8) | d[1]);
        return 0;
    case HELIOS_OID_INT4: case HELIOS_OID_OID: case HELIOS_OID_DATE:
        if (n != 4) goto bad;
        o->i = (int32_t)(((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) | ((uint32_t)d[2] << 8) | d[3]);
        return 0;
    case HELIOS_OID_INT8: case HELIOS_OID_TIME: case HELIOS_OID_TIMESTAMP: case HELIOS_OID_TIMESTAMPTZ:
        if (n != 8) goto bad;
        for (int i = 0; i < 8; i++) u = (u << 8) | d[i];
        o->i = (int64_t)u;
        return 0;
    case HELIOS_OID_FLOAT4: {
        if (n != 4) goto bad;
        uint32_t x = ((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) | ((uint32_t)d[2] << 8) | d[3];
        float f;
        memcpy(&f, &x, 4);
        o->f = f;
        return 0;
    }
    case HELIOS_OID_FLOAT8: {
        if (n != 8) goto bad;
        for (int i = 0; i < 8; i++) u = (u << 8) | d[i];
        memcpy(&o->f, &u, 8);
        return 0;
    }
    case HELIOS_OID_UUID:
        if (n != 16) goto bad;
        o->s = ar_strndup(a, (const char *)d, 16);
        o->len = 16;
        return 0;
    case HELIOS_OID_INTERVAL: {
        if (n != 16) goto bad;
        helios_interval_t *iv = ar_alloc(a, sizeof *iv);
        for (int i = 0; i < 8; i++) u = (u << 8) | d[i];
        iv->us = (int64_t)u;
        iv->days = (int32_t)(((uint32_t)d[8] << 24) | ((uint32_t)d[9] << 16) | ((uint32_t)d[10] << 8) | d[11]);
        iv->months = (int32_t)(((uint32_t)d[12] << 24) | ((uint32_t)d[13] << 16) | ((uint32_t)d[14] << 8) | d[15]);
        o->s = (const char *)iv;
        o->len = 16;
        return 0;
    }
    case HELIOS_OID_NUMERIC:
        return num_recv(a, d, n, o, err); /* types_num.c: any length, NaN, +/-Infinity */
    case HELIOS_OID_JSONB:
        if (n >= 1 && d[0] == 1) {
            o->s = ar_strndup(a, (const char *)d + 1, n - 1);
            o->len = n - 1;
            return 0;
        }
        goto bad;
    default:
        o->s = ar_strndup(a, (const char *)d, n);
        o->len = n;
        return 0;
    }
bad:
    return sql_err(err, HELIOS_ERR_INVALID_BINARY_REPRESENTATION,
                   "incorrect binary data format in bind parameter");
}

static int32_t api_bind(helios_stmt_t *st, uint32_t n, const helios_param_t *params,
                        helios_portal_t **out, helios_err_t *err)
{
    if (n != st->n_params) {
        return sql_err(err, HELIOS_ERR_PROTOCOL_VIOLATION,
                       "bind message supplies %u parameters, but prepared statement requires %u",
                       n, st->n_params);
    }
    helios_portal_t *p = calloc(1, sizeof *p);
    if (p == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    p->s = st->s;
    p->st = st;
    p->cq = st->cq;
    st->cq->refs++;
    p->n_params = n;
    p->params = ar_zalloc(&p->ar, sizeof(val_t) * (n + 1));
    tz_set_current(st->s->tz);
    sql_cur_session = st->s;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t = st->param_types[i];
        val_t *v = &p->params[i];
        if (params[i].is_null) {
            v->t = t;
            v->null = 1;
            continue;
        }
        int32_t rc = params[i].format == HELIOS_FORMAT_BINARY
                         ? param_binary(&p->ar, t, params[i].data, params[i].len, v, err)
                         : val_from_text(&p->ar, t, -1, (const char *)params[i].data,
                                         params[i].len, v, err);
        if (rc != 0) {
            sess_release_cached(st->s, st->cq);
            ar_free(&p->ar);
            free(p);
            return rc;
        }
    }
    *out = p;
    return 0;
}

static int32_t api_execute(helios_portal_t *p, uint64_t max_rows, const helios_sink_t *sink,
                           helios_err_t *err)
{
    helios_session_t *s = p->s;
    stmt_plan_t *sp = p->st->sp;
    int32_t rc;
    tz_set_current(s->tz);
    sql_cur_session = s;
    if (p->done) {
        return sink->complete(sink->ctx, p->tagp != NULL ? p->tagp : p->tag);
    }
    if (!p->started) {
        if (s->txn.active && s->txn.failed && !is_txn_end(sp)) {
            return sql_err(err, HELIOS_ERR_IN_FAILED_SQL_TRANSACTION,
                           "current transaction is aborted, commands ignored until end of "
                           "transaction block");
        }
        if (s->sync_mode && !s->txn.active && sp->kind != S_EMPTY && !is_txn_stmt(sp)) {
            implicit_begin(s);
        }
        if (s->implicit) s->implicit_n++;
        if (sp->kind == S_UTILITY || sp->kind == S_EMPTY) {
            /* utility statements run through the simple path; describe is the protocol's */
            helios_sink_t sk = *sink;
            sk.describe = NULL;
            p->done = 1;
            p->started = 1;
            return sess_run_stmt(s, sp, p->params, p->n_params, &sk, 0, err);
        }
        if (p->st->cq->cat_version != s->eng->cat.version) {
            /* DDL happened since PREPARE (any session): plan the text again; keep going when
               the parameters and result columns are unchanged, as PostgreSQL replans */
            helios_stmt_t *st = p->st;
            cached_q_t *ncq;
            int32_t rc2 = sess_get_cached(s, st->cq->text, st->cq->len, st->cq->n_param_types,
                                          st->cq->param_types_in, &ncq, err);
            if (rc2 != 0) return rc2;
            stmt_plan_t *nsp = ncq->n_stmts == 1 ? ncq->stmts[0] : NULL;
            int same = nsp != NULL && nsp->n_out == sp->n_out && nsp->n_params <= st->n_params;
            for (uint32_t i = 0; same && i < sp->n_out; i++) {
                if (nsp->out[i].type != sp->out[i].type) same = 0;
            }
            for (uint32_t i = 0; same && i < nsp->n_params; i++) {
                if (nsp->param_types[i] != st->param_types[i]) same = 0;
            }
            if (!same) {
                sess_release_cached(s, ncq);
                return sql_err(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                               "cached plan must not change result type");
            }
            /* the statement and this portal now hold the new plan (one reference each) */
            ncq->refs++;
            sess_release_cached(s, p->cq); /* the portal's reference */
            p->cq = ncq;
            if (st->cq != ncq) {
                sess_release_cached(s, st->cq); /* the statement's reference */
                st->cq = ncq;
            } else {
                sess_release_cached(s, ncq); /* already the statement's plan */
            }
            st->sp = nsp;
            sp = nsp;
        }
        s->cancel = 0;
        p->ar.limit = sess_work_mem(s);
        for (int attempt = 0;; attempt++) {
            rc = run_plan(s, sp, &p->ar, p->params, p->n_params, &p->rows, p->tag, err);
            rc = finish_stmt(s, rc, sp->kind != S_SELECT, err);
            if (rc == HELIOS_ERR_SERIALIZATION_FAILURE && s->txn.iso == 0 && attempt < 20) {
                if (!s->txn.active) continue;
                if (s->implicit && s->implicit_n == 1) {
                    /* the batch's first statement: nothing else to lose, run it again */
                    s->txn.failed = 0;
                    continue;
                }
            }
            break;
        }
        if (rc != 0) return rc;
        p->started = 1;
        p->pos = 0;
    }
    size_t to = p->rows.n;
    if (sp->n_out > 0) {
        if (max_rows > 0 && p->pos + max_rows < to) to = p->pos + (size_t)max_rows;
        arena_t tmp = {0};
        rc = send_rows(s, &tmp, sp, &p->rows, p->pos, to, sink);
        ar_free(&tmp);
        if (rc != 0) return rc;
        p->pos = to;
        if (p->pos < p->rows.n) return HELIOS_SUSPENDED;
    }
    p->done = 1;
    return sink->complete(sink->ctx, p->tag);
}

static void api_portal_close(helios_portal_t *p)
{
    if (p == NULL) return;
    sess_release_cached(p->s, p->cq);
    ar_free(&p->ar);
    free(p);
}

static uint32_t api_txn_status(helios_session_t *s)
{
    if (!s->txn.active || s->implicit) return 'I';
    return s->txn.failed ? 'E' : 'T';
}

static int32_t api_sync(helios_session_t *s, helios_err_t *err)
{
    s->sync_mode = 1;
    return implicit_end(s, 1, err);
}

static const char *api_param_get(helios_session_t *s, const char *name)
{
    const char *v = sess_get_setting(s, name);
    if (v == NULL) return NULL;
    free(s->param_buf);
    s->param_buf = strdup(v);
    return s->param_buf;
}

static void api_backend_key(helios_session_t *s, uint32_t *pid, uint32_t *secret)
{
    *pid = s->pid;
    *secret = s->secret;
}

static void api_cancel(helios_engine_t *eng, uint32_t pid, uint32_t secret)
{
    pthread_mutex_lock(&eng->sess_mu);
    for (helios_session_t *s = eng->sessions; s != NULL; s = s->next) {
        if (s->pid == pid && s->secret == secret) s->cancel = 1;
    }
    pthread_mutex_unlock(&eng->sess_mu);
}

int32_t value_encode_impl(helios_session_t *s, const helios_value_t *v, uint32_t format,
                          uint8_t *buf, uint32_t cap, uint32_t *len);

static const helios_session_api_t sql_api = {
    .size = sizeof(helios_session_api_t),
    .open = api_open,
    .close = api_close,
    .auth_lookup = api_auth_lookup,
    .query = api_query,
    .prepare = api_prepare,
    .stmt_params = api_stmt_params,
    .stmt_columns = api_stmt_columns,
    .stmt_close = api_stmt_close,
    .bind = api_bind,
    .execute = api_execute,
    .portal_close = api_portal_close,
    .txn_status = api_txn_status,
    .param_get = api_param_get,
    .backend_key = api_backend_key,
    .cancel = api_cancel,
    .value_encode = value_encode_impl,
    .sync = api_sync,
};

const helios_session_api_t *helios_sql_session_api(void)
{
    return &sql_api;
}

/* for the SQL-level PREPARE / EXECUTE / DEALLOCATE (session_prepare.c) */
int32_t sess_stmt_prepare(helios_session_t *s, const char *sql, uint32_t len, uint32_t n_types,
                          const uint32_t *param_types, helios_stmt_t **out, helios_err_t *err)
{
    return api_prepare(s, sql, len, n_types, param_types, out, err);
}

void sess_stmt_close(helios_stmt_t *st)
{
    api_stmt_close(st);
}

int32_t sess_run_plan(helios_session_t *s, stmt_plan_t *sp, arena_t *a, rowset_t *out,
                      helios_err_t *err)
{
    char tagbuf[64];
    int32_t rc = run_plan(s, sp, a, NULL, 0, out, tagbuf, err);
    return finish_stmt(s, rc, 0, err);
}

int32_t sess_rebind(helios_session_t *s, cached_q_t *cq, uint32_t i, helios_err_t *err)
{
    return rebind_if_needed(s, &cq->stmts[i], cq, i, err);
}
