/* kernel/txn/sqltxn.c -- the SQL engine's side of transactions (see sqltxn.h): lock options
 * from session settings, newest-version reads for writers, savepoints as copies of the write
 * set plus a lock mark, and the SERIALIZABLE registration around each commit. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "txn/sqltxn.h"

typedef struct stx_sp {
    char *name;
    wentry_t **ents;
    uint32_t n;
    uint64_t lock_mark;
} stx_sp_t;

struct stx {
    helios_txn_t *tx;
    int64_t deadline_us;
    /* the duration settings parsed, valid while the session's settings_version is set_ver */
    uint32_t set_ver;
    int64_t stmt_timeout_ms, lock_timeout_ms, deadlock_timeout_ms;
    uint32_t n_stmts; /* since the transaction began */
    stx_sp_t *sps;
    uint32_t n_sps, cap_sps;
};

int32_t stx_engine_open(helios_engine_t *eng, helios_err_t *err)
{
    int32_t rc = helios_txnmgr_create(&eng->txm);
    if (rc != 0) return sql_err(err, rc, "out of memory");
    return 0;
}

void stx_engine_close(helios_engine_t *eng)
{
    helios_txnmgr_destroy(eng->txm);
    eng->txm = NULL;
}

int32_t stx_session_open(helios_session_t *s, helios_err_t *err)
{
    struct stx *x = calloc(1, sizeof *x);
    if (x == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    x->tx = helios_txn_new(s->eng->txm, s->pid);
    if (x->tx == NULL) {
        free(x);
        return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    s->txn.x = x;
    return 0;
}

static void sp_free(stx_sp_t *sp)
{
    for (uint32_t i = 0; i < sp->n; i++) free(sp->ents[i]);
    free(sp->ents);
    free(sp->name);
    memset(sp, 0, sizeof *sp);
}

static void sps_clear(struct stx *x, uint32_t from)
{
    while (x->n_sps > from) sp_free(&x->sps[--x->n_sps]);
}

void stx_session_close(helios_session_t *s)
{
    struct stx *x = s->txn.x;
    if (x == NULL) return;
    sps_clear(x, 0);
    free(x->sps);
    helios_txn_free(x->tx);
    free(x);
    s->txn.x = NULL;
}

/* a duration setting ("0", "250", "250ms", "2s", "1min") in milliseconds */
static int64_t setting_ms(helios_session_t *s, const char *name)
{
    const char *v = sess_get_setting(s, name);
    if (v == NULL) return 0;
    char *end;
    double d = strtod(v, &end);
    while (*end == ' ') end++;
    if (d <= 0) return 0;
    if (strncmp(end, "us", 2) == 0) d /= 1000.0;
    else if (strncmp(end, "ms", 2) == 0 || *end == '\0') (void)0;
    else if (strncmp(end, "min", 3) == 0) d *= 60000.0;
    else if (*end == 's') d *= 1000.0;
    else if (*end == 'h') d *= 3600000.0;
    else if (*end == 'd') d *= 86400000.0;
    return d < 1 ? 1 : (int64_t)d;
}

/* every statement and every row lock reads these: parse them again only after a SET */
static void timeouts_refresh(helios_session_t *s, struct stx *x)
{
    if (x->set_ver == s->settings_version && s->settings_version != 0) return;
    x->stmt_timeout_ms = setting_ms(s, "statement_timeout");
    x->lock_timeout_ms = setting_ms(s, "lock_timeout");
    x->deadlock_timeout_ms = setting_ms(s, "deadlock_timeout");
    x->set_ver = s->settings_version;
}

void stx_stmt_start(helios_session_t *s)
{
    struct stx *x = s->txn.x;
    if (x == NULL) return;
    x->n_stmts++;
    timeouts_refresh(s, x);
    int64_t ms = x->stmt_timeout_ms;
    x->deadline_us = ms > 0 ? helios_txn_now_us() + ms * 1000 : 0;
}

int32_t stx_check_deadline(exec_ctx_t *cx)
{
    struct stx *x = cx->s->txn.x;
    if (x == NULL || x->deadline_us == 0 || helios_txn_now_us() < x->deadline_us) return 0;
    return sql_err(cx->err, HELIOS_ERR_QUERY_CANCELED, "canceling statement due to statement timeout");
}

void stx_ser_before_snapshot(helios_session_t *s)
{
    if (s->txn.x != NULL) helios_txn_ser_begin(s->txn.x->tx);
}

void stx_ser_snapshot(helios_session_t *s, helios_seq_t snap)
{
    if (s->txn.x != NULL) helios_txn_ser_snapshot(s->txn.x->tx, snap);
}

uint32_t stx_has_savepoints(helios_session_t *s)
{
    return s->txn.x != NULL && s->txn.x->n_sps > 0;
}

uint32_t stx_stmts_in_txn(helios_session_t *s)
{
    return s->txn.x != NULL ? s->txn.x->n_stmts : 0;
}

void stx_ddl_wait(helios_session_t *s, uint32_t on)
{
    if (s->txn.x != NULL) helios_txn_set_ddl_wait(s->txn.x->tx, on);
}

int32_t stx_lock(exec_ctx_t *cx, table_t *t, uint32_t tree, const void *key, uint32_t klen,
                 uint32_t mode, uint32_t wait)
{
    helios_session_t *s = cx->s;
    struct stx *x = s->txn.x;
    if (x == NULL) return 0;
    helios_lock_opts_t o = {0};
    o.mode = mode;
    o.wait = wait;
    timeouts_refresh(s, x);
    o.lock_timeout_ms = x->lock_timeout_ms;
    o.deadline_us = x->deadline_us;
    o.deadlock_timeout_ms = x->deadlock_timeout_ms;
    o.cancel = &s->cancel;
    o.what = t != NULL ? t->name : "?";
    helios_err_t e = HELIOS_ERR_INIT;
    int32_t rc = helios_txn_lock(x->tx, tree, key, klen, &o, &e);
    if (rc > 0) {
        sql_err(cx->err, rc, "%s", e.message);
        if (e.detail[0]) sql_err_detail(cx->err, "%s", e.detail);
        if (e.hint[0]) sql_err_hint(cx->err, "%s", e.hint);
    }
    return rc;
}

int32_t stx_get_latest(exec_ctx_t *cx, uint32_t tree, const void *key, uint32_t klen,
                       helios_buf_t *val, uint32_t *found)
{
    wentry_t *e = ws_get(&cx->s->txn.ws, tree, key, klen);
    if (e != NULL) return st_get(cx, tree, key, klen, val, found, cx->err);
    stx_read_key(cx, tree, key, klen);
    return helios_lsm_get(cx->eng->lsm, tree, helios_lsm_last_seq(cx->eng->lsm), key, klen, val,
                          found, cx->err);
}

int32_t stx_row_changed(exec_ctx_t *cx, table_t *t, const void *key, uint32_t klen,
                        helios_buf_t *latest, uint32_t *found, int *changed)
{
    *changed = 0;
    *found = 1;
    if (ws_get(&cx->s->txn.ws, t->tree, key, klen) != NULL) return 0;
    helios_seq_t last = helios_lsm_last_seq(cx->eng->lsm);
    if (last <= cx->snap) return 0;
    helios_buf_t old = {0};
    uint32_t ofound = 0;
    int32_t rc = helios_lsm_get(cx->eng->lsm, t->tree, cx->snap, key, klen, &old, &ofound, cx->err);
    if (rc == 0) rc = helios_lsm_get(cx->eng->lsm, t->tree, last, key, klen, latest, found, cx->err);
    if (rc == 0) {
        *changed = ofound != *found ||
                   (*found && (old.len != latest->len || memcmp(old.data, latest->data, old.len) != 0));
    }
    helios_buf_free(&old);
    return rc;
}

void stx_read_key(exec_ctx_t *cx, uint32_t tree, const void *key, uint32_t klen)
{
    struct stx *x = cx->s->txn.x;
    if (x != NULL && helios_txn_ser_active(x->tx)) helios_txn_read_key(x->tx, tree, key, klen);
}

void stx_read_range(exec_ctx_t *cx, uint32_t tree, const void *lo, uint32_t lolen,
                    const void *hi, uint32_t hilen, uint32_t hi_incl)
{
    struct stx *x = cx->s->txn.x;
    if (x != NULL && helios_txn_ser_active(x->tx))
        helios_txn_read_range(x->tx, tree, lo, lolen, hi, hilen, hi_incl);
}

int32_t stx_commit_prepare(helios_session_t *s, helios_err_t *err)
{
    struct stx *x = s->txn.x;
    if (x == NULL) return 0;
    wset_t *w = &s->txn.ws;
    uint32_t n = w->n_list;
    if (n == 0 && !helios_txn_ser_active(x->tx)) return 0;
    uint32_t *trees = NULL, *klens = NULL;
    const void **keys = NULL;
    if (n > 0) {
        trees = malloc(sizeof(uint32_t) * n);
        klens = malloc(sizeof(uint32_t) * n);
        keys = malloc(sizeof(void *) * n);
        if (trees == NULL || klens == NULL || keys == NULL) {
            free(trees);
            free(klens);
            free(keys);
            return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
        for (uint32_t i = 0; i < n; i++) {
            trees[i] = w->list[i]->tree;
            klens[i] = w->list[i]->klen;
            keys[i] = w->list[i]->key;
        }
    }
    helios_err_t e = HELIOS_ERR_INIT;
    int32_t rc = helios_txn_commit_prepare(x->tx, n, trees, keys, klens, &e);
    free(trees);
    free(klens);
    free(keys);
    if (rc != 0) {
        sql_err(err, rc, "%s", e.message[0] ? e.message : "out of memory");
        if (e.detail[0]) sql_err_detail(err, "%s", e.detail);
        if (e.hint[0]) sql_err_hint(err, "%s", e.hint);
    }
    return rc;
}

void stx_commit_finish(helios_session_t *s, uint32_t written, helios_seq_t seq)
{
    if (s->txn.x != NULL) helios_txn_commit_finish(s->txn.x->tx, written, seq);
}

void stx_end(helios_session_t *s)
{
    struct stx *x = s->txn.x;
    if (x == NULL) return;
    helios_txn_end(x->tx);
    helios_txn_unlock_all(x->tx);
    sps_clear(x, 0);
    x->n_stmts = 0;
}

/* ---------------- savepoints ---------------- */
static int32_t need_block(helios_session_t *s, const char *what, helios_err_t *err)
{
    if (s->txn.active) return 0;
    return sql_err(err, HELIOS_ERR_NO_ACTIVE_SQL_TRANSACTION, "%s can only be used in transaction blocks",
                   what);
}

int32_t stx_savepoint(helios_session_t *s, const char *name, helios_err_t *err)
{
    struct stx *x = s->txn.x;
    int32_t rc = need_block(s, "SAVEPOINT", err);
    if (rc != 0) return rc;
    if (x->n_sps == x->cap_sps) {
        uint32_t nc = x->cap_sps ? x->cap_sps * 2 : 8;
        stx_sp_t *ns = realloc(x->sps, sizeof *ns * nc);
        if (ns == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        x->sps = ns;
        x->cap_sps = nc;
    }
    stx_sp_t sp = {0};
    wset_t *w = &s->txn.ws;
    sp.name = strdup(name != NULL ? name : "");
    sp.ents = malloc(sizeof(wentry_t *) * (w->n_list ? w->n_list : 1));
    if (sp.name == NULL || sp.ents == NULL) goto oom;
    for (uint32_t i = 0; i < w->n_list; i++) {
        wentry_t *e = w->list[i];
        wentry_t *c = malloc(sizeof *c + e->klen + e->vlen);
        if (c == NULL) goto oom;
        *c = *e;
        c->key = (uint8_t *)(c + 1);
        c->val = c->key + e->klen;
        memcpy(c->key, e->key, e->klen);
        if (e->vlen) memcpy(c->val, e->val, e->vlen);
        sp.ents[sp.n++] = c;
    }
    sp.lock_mark = helios_txn_lock_mark(x->tx);
    x->sps[x->n_sps++] = sp;
    return 0;
oom:
    sp_free(&sp);
    return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
}

static int32_t find_sp(helios_session_t *s, const char *name, uint32_t *idx, helios_err_t *err)
{
    struct stx *x = s->txn.x;
    for (uint32_t i = x->n_sps; i-- > 0;) {
        if (strcmp(x->sps[i].name, name != NULL ? name : "") == 0) {
            *idx = i;
            return 0;
        }
    }
    return sql_err(err, HELIOS_ERR_INVALID_SAVEPOINT_SPECIFICATION, "savepoint \"%s\" does not exist",
                   name != NULL ? name : "");
}

int32_t stx_rollback_to(helios_session_t *s, const char *name, helios_err_t *err)
{
    struct stx *x = s->txn.x;
    int32_t rc = need_block(s, "ROLLBACK TO SAVEPOINT", err);
    uint32_t i;
    if (rc == 0) rc = find_sp(s, name, &i, err);
    if (rc != 0) return rc;
    stx_sp_t *sp = &x->sps[i];
    wset_t *w = &s->txn.ws;
    ws_clear(w);
    for (uint32_t k = 0; k < sp->n; k++) {
        wentry_t *e = sp->ents[k];
        rc = ws_put(w, e->tree, e->key, e->klen, e->val, e->vlen, e->del);
        if (rc != 0) return sql_err(err, rc, "out of memory");
    }
    helios_txn_unlock_to(x->tx, sp->lock_mark);
    sps_clear(x, i + 1); /* the savepoint itself stays */
    s->txn.failed = 0;
    return 0;
}

int32_t stx_release(helios_session_t *s, const char *name, helios_err_t *err)
{
    struct stx *x = s->txn.x;
    int32_t rc = need_block(s, "RELEASE SAVEPOINT", err);
    uint32_t i;
    if (rc == 0) rc = find_sp(s, name, &i, err);
    if (rc != 0) return rc;
    sps_clear(x, i);
    return 0;
}
