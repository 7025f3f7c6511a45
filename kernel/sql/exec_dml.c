/* kernel/sql/exec_dml.c -- INSERT, UPDATE, DELETE: constraint checks, keys, secondary index
 * maintenance; every write goes to the session's write set (committed per statement or per
 * transaction by session.c). */
#include <stdio.h>
#include <stdlib.h>

#include "sql/sqlint.h"
#include "txn/sqltxn.h"

#define DEFAULT_MARK 0xFFFFFFFFu

static int32_t check_row(exec_ctx_t *cx, stmt_plan_t *sp, table_t *t, val_t *vals)
{
    for (uint32_t c = 0; c < t->n_cols; c++) {
        if (t->cols[c].not_null && vals[c].null && !t->cols[c].dropped) {
            sql_err(cx->err, HELIOS_ERR_NOT_NULL_VIOLATION,
                    "null value in column \"%s\" of relation \"%s\" violates not-null constraint",
                    t->cols[c].name, t->name);
            return HELIOS_ERR_NOT_NULL_VIOLATION;
        }
    }
    if (sp->n_checks > 0) {
        val_t *saved = cx->rows[0];
        cx->rows[0] = vals;
        for (uint32_t i = 0; i < sp->n_checks; i++) {
            val_t r;
            int32_t rc = eval(cx, sp->checks[i], &r);
            if (rc != 0) {
                cx->rows[0] = saved;
                return rc;
            }
            if (!r.null && !r.i) {
                cx->rows[0] = saved;
                return sql_err(cx->err, HELIOS_ERR_CHECK_VIOLATION,
                               "new row for relation \"%s\" violates check constraint \"%s\"",
                               t->name, sp->check_names[i]);
            }
        }
        cx->rows[0] = saved;
    }
    return 0;
}

static void key_detail(exec_ctx_t *cx, table_t *t, const uint32_t *cols, uint32_t n,
                       const val_t *vals)
{
    sbuf_t a = {0}, b = {0};
    for (uint32_t i = 0; i < n; i++) {
        if (i) {
            sb_puts(&a, ", ");
            sb_puts(&b, ", ");
        }
        sb_puts(&a, t->cols[cols[i]].name);
        if (vals[cols[i]].null) sb_puts(&b, "null");
        else val_to_text(&vals[cols[i]], &b);
    }
    sql_err_detail(cx->err, "Key (%s)=(%s) already exists.", a.d ? a.d : "", b.d ? b.d : "");
    sb_free(&a);
    sb_free(&b);
}

static int32_t next_rowid(exec_ctx_t *cx, table_t *t, int64_t *out)
{
    pthread_mutex_lock(&t->mu);
    if (t->next_rowid == 0) {
        /* first use since open: continue after the largest stored row id */
        helios_iter_t *it;
        int64_t last = 0;
        if (helios_lsm_iter_open(cx->eng->lsm, t->tree, helios_lsm_last_seq(cx->eng->lsm), &it,
                                 NULL) == 0) {
            helios_iter_seek_last(it);
            if (helios_iter_valid(it)) {
                uint32_t kl;
                const uint8_t *k = helios_iter_key(it, &kl);
                if (kl == 8) {
                    uint64_t u = 0;
                    for (int i = 0; i < 8; i++) u = (u << 8) | k[i];
                    last = (int64_t)(u ^ 0x8000000000000000ull);
                }
            }
            helios_iter_close(it);
        }
        t->next_rowid = last + 1;
    }
    *out = t->next_rowid++;
    pthread_mutex_unlock(&t->mu);
    return 0;
}

static int32_t index_put(exec_ctx_t *cx, table_t *t, const val_t *vals, const sbuf_t *pk,
                         int del, sbuf_t *tmp)
{
    for (uint32_t x = 0; x < t->n_idx; x++) {
        index_def_t *ix = &t->idx[x];
        index_key(t, ix, vals, pk, tmp, 0);
        if (ix->unique) {
            /* a unique key is locked by whoever writes it, and checked against the newest
               committed state: of two sessions inserting it, one waits and then sees it */
            int has_null = 0;
            for (uint32_t k = 0; k < ix->n_cols; k++) has_null |= vals[ix->cols[k]].null;
            if (!has_null) {
                int32_t lrc = stx_lock(cx, t, ix->tree, tmp->d, (uint32_t)tmp->len,
                                       HELIOS_LOCK_EXCL, HELIOS_LOCK_WAIT);
                if (lrc != 0) return lrc;
            }
            if (!del && !has_null) {
                helios_buf_t v = {0};
                uint32_t found = 0;
                int32_t rc = stx_get_latest(cx, ix->tree, tmp->d, (uint32_t)tmp->len, &v, &found);
                int same = found && v.len == pk->len && memcmp(v.data, pk->d, pk->len) == 0;
                helios_buf_free(&v);
                if (rc != 0) return rc;
                if (found && !same) {
                    sql_err(cx->err, HELIOS_ERR_UNIQUE_VIOLATION,
                            "duplicate key value violates unique constraint \"%s\"", ix->name);
                    key_detail(cx, t, ix->cols, ix->n_cols, vals);
                    return HELIOS_ERR_UNIQUE_VIOLATION;
                }
            }
        }
        int32_t rc = ws_put(&cx->s->txn.ws, ix->tree, tmp->d, (uint32_t)tmp->len, pk->d,
                            (uint32_t)pk->len, del);
        if (rc != 0) return sql_err(cx->err, rc, "out of memory");
    }
    return 0;
}

static int32_t add_returning(exec_ctx_t *cx, stmt_plan_t *sp, rowset_t *ret, val_t *row)
{
    if (sp->n_ret == 0 || ret == NULL) return 0;
    cx->rows[0] = row;
    val_t *o = ar_alloc(cx->ar, sizeof(val_t) * sp->n_ret);
    for (uint32_t i = 0; i < sp->n_ret; i++) {
        int32_t rc = eval(cx, sp->ret[i], &o[i]);
        if (rc != 0) return rc;
    }
    rs_add(cx->ar, ret, o);
    ret->width = sp->n_ret;
    return 0;
}

static int32_t write_row(exec_ctx_t *cx, table_t *t, const sbuf_t *key, const val_t *vals,
                         sbuf_t *rowbuf)
{
    int32_t rc = row_encode(cx->ar, t, vals, rowbuf, cx->err);
    if (rc != 0) return rc;
    rc = ws_put(&cx->s->txn.ws, t->tree, key->d, (uint32_t)key->len, rowbuf->d,
                (uint32_t)rowbuf->len, 0);
    if (rc != 0) return sql_err(cx->err, rc, "out of memory");
    return 0;
}

static int32_t do_insert(exec_ctx_t *cx, stmt_plan_t *sp, rowset_t *ret, uint64_t *n)
{
    table_t *t = sp->tab;
    rowset_t src = {0};
    int32_t rc = exec_plan(cx, sp->plan, &src);
    if (rc != 0) return rc;
    sbuf_t key = {0}, rowbuf = {0}, tmp = {0};
    helios_buf_t old = {0};
    val_t *vals = ar_alloc(cx->ar, sizeof(val_t) * (t->n_cols * 2 + 2));
    for (size_t r = 0; r < src.n; r++) {
        val_t *s = src.rows[r];
        uint8_t given[1600];
        memset(given, 0, t->n_cols < 1600 ? t->n_cols : 1600);
        for (uint32_t c = 0; c < t->n_cols; c++) {
            memset(&vals[c], 0, sizeof(val_t));
            vals[c].t = t->cols[c].type;
            vals[c].null = 1;
        }
        for (uint32_t i = 0; i < sp->n_tcols; i++) {
            uint32_t c = sp->tcols[i];
            if (s[i].t == DEFAULT_MARK) continue;
            given[c] = 1;
            if (s[i].null) continue;
            if (s[i].t != t->cols[c].type || t->cols[c].typmod >= 0) {
                if ((rc = val_cast(cx->ar, &s[i], t->cols[c].type, t->cols[c].typmod, &vals[c], 0,
                                   cx->err)) != 0) goto failed;
            } else {
                vals[c] = s[i];
            }
        }
        cx->rows[0] = vals;
        for (uint32_t c = 0; c < t->n_cols; c++) {
            if (given[c] || sp->set_exprs == NULL || sp->set_exprs[c] == NULL) continue;
            if ((rc = eval(cx, sp->set_exprs[c], &vals[c])) != 0) goto failed;
            vals[c].t = vals[c].null ? t->cols[c].type : vals[c].t;
        }
        if ((rc = check_row(cx, sp, t, vals)) != 0) goto failed;
        if (t->n_pk > 0) {
            table_pk_key(t, vals, &key);
            uint32_t found = 0;
            if ((rc = stx_lock(cx, t, t->tree, key.d, (uint32_t)key.len, HELIOS_LOCK_EXCL,
                               HELIOS_LOCK_WAIT)) != 0)
                goto failed;
            if ((rc = stx_get_latest(cx, t->tree, key.d, (uint32_t)key.len, &old, &found)) != 0)
                goto failed;
            if (found) {
                if (sp->on_conflict_nothing) continue;
                if (sp->conflict_set != NULL) {
                    /* DO UPDATE: existing row in slots [0,n), EXCLUDED in [n,2n) */
                    val_t *both = ar_alloc(cx->ar, sizeof(val_t) * (t->n_cols * 2 + 1));
                    uint8_t *oc = ar_alloc(cx->ar, old.len);
                    memcpy(oc, old.data, old.len);
                    if ((rc = row_decode(cx->ar, t, oc, (uint32_t)old.len, both, 0, cx->err)) != 0)
                        goto failed;
                    memcpy(both + t->n_cols, vals, sizeof(val_t) * t->n_cols);
                    cx->rows[0] = both;
                    if (sp->conflict_where != NULL) {
                        int ok;
                        if ((rc = eval_bool(cx, sp->conflict_where, &ok)) != 0) goto failed;
                        if (!ok) continue;
                    }
                    val_t *nv = ar_alloc(cx->ar, sizeof(val_t) * t->n_cols);
                    memcpy(nv, both, sizeof(val_t) * t->n_cols);
                    for (uint32_t c = 0; c < t->n_cols; c++) {
                        if (sp->conflict_set[c] != NULL &&
                            (rc = eval(cx, sp->conflict_set[c], &nv[c])) != 0) goto failed;
                    }
                    if ((rc = check_row(cx, sp, t, nv)) != 0) goto failed;
                    if ((rc = index_put(cx, t, both, &key, 1, &tmp)) != 0) goto failed;
                    if ((rc = index_put(cx, t, nv, &key, 0, &tmp)) != 0) goto failed;
                    if ((rc = write_row(cx, t, &key, nv, &rowbuf)) != 0) goto failed;
                    if ((rc = stx_fk_on_write(cx, t, both, nv)) != 0) goto failed;
                    (*n)++;
                    if ((rc = add_returning(cx, sp, ret, nv)) != 0) goto failed;
                    continue;
                }
                rc = sql_err(cx->err, HELIOS_ERR_UNIQUE_VIOLATION,
                             "duplicate key value violates unique constraint \"%s_pkey\"", t->name);
                key_detail(cx, t, t->pk, t->n_pk, vals);
                goto failed;
            }
        } else {
            int64_t id;
            next_rowid(cx, t, &id);
            val_t iv = {.t = HELIOS_OID_INT8, .i = id};
            key.len = 0;
            key_encode(&key, &iv, 0);
            /* strip the non-null prefix: row ids are plain 8-byte keys */
            memmove(key.d, key.d + 1, 8);
            key.len = 8;
        }
        if (t->n_idx > 0) {
            rc = index_put(cx, t, vals, &key, 0, &tmp);
            if (rc == HELIOS_ERR_UNIQUE_VIOLATION && sp->on_conflict_nothing) continue;
            if (rc != 0) goto failed;
        }
        if ((rc = write_row(cx, t, &key, vals, &rowbuf)) != 0) goto failed;
        if ((rc = stx_fk_on_write(cx, t, NULL, vals)) != 0) goto failed; /* FOREIGN KEY */
        (*n)++;
        if ((rc = add_returning(cx, sp, ret, vals)) != 0) goto failed;
    }
    t->est_rows += *n;
    rc = 0;
failed:
    sb_free(&key);
    sb_free(&rowbuf);
    sb_free(&tmp);
    helios_buf_free(&old);
    return rc;
}

static plan_t *find_scan(plan_t *p, table_t *t)
{
    if (p == NULL) return NULL;
    if (p->kind == P_SCAN && p->tab == t && p->all) return p;
    plan_t *f = find_scan(p->l, t);
    return f != NULL ? f : find_scan(p->r, t);
}

/* Lock the row about to be changed, then compare its newest committed version with the one
   the statement read. REPEATABLE READ / SERIALIZABLE: a change is 40001. READ COMMITTED (as
   PostgreSQL): continue with the newest version if it still passes the scan's filter
   (HELIOS_AGAIN: deleted or no longer matching, skip it). */
static int32_t lock_recheck(exec_ctx_t *cx, stmt_plan_t *sp, table_t *t, const sbuf_t *key,
                            val_t **rowp, uint32_t w, helios_buf_t *latest)
{
    int32_t rc = stx_lock(cx, t, t->tree, key->d, (uint32_t)key->len, HELIOS_LOCK_EXCL,
                          HELIOS_LOCK_WAIT);
    if (rc != 0) return rc;
    uint32_t found = 0;
    int changed = 0;
    if ((rc = stx_row_changed(cx, t, key->d, (uint32_t)key->len, latest, &found, &changed)) != 0)
        return rc;
    if (!changed) return 0;
    if (cx->s->txn.iso > 0) {
        return sql_err(cx->err, HELIOS_ERR_SERIALIZATION_FAILURE,
                       "could not serialize access due to concurrent %s", found ? "update" : "delete");
    }
    if (!found) return HELIOS_AGAIN;
    val_t *nr = ar_alloc(cx->ar, sizeof(val_t) * (w + 1));
    memcpy(nr, *rowp, sizeof(val_t) * w);
    uint8_t *copy = ar_alloc(cx->ar, latest->len ? latest->len : 1);
    memcpy(copy, latest->data, latest->len);
    if ((rc = row_decode(cx->ar, t, copy, (uint32_t)latest->len, nr, 0, cx->err)) != 0) return rc;
    plan_t *sc = find_scan(sp->plan, t);
    if (sc != NULL && sc->filter != NULL) {
        val_t *saved = cx->rows[sc->depth];
        cx->rows[sc->depth] = nr;
        int ok = 0;
        rc = eval_bool(cx, sc->filter, &ok);
        cx->rows[sc->depth] = saved;
        if (rc != 0) return rc;
        if (!ok) return HELIOS_AGAIN;
    }
    *rowp = nr;
    return 0;
}

static int32_t do_update_delete(exec_ctx_t *cx, stmt_plan_t *sp, rowset_t *ret, uint64_t *n)
{
    table_t *t = sp->tab;
    rowset_t src = {0};
    int32_t rc = exec_plan(cx, sp->plan, &src);
    if (rc != 0) return rc;
    sbuf_t key = {0}, rowbuf = {0}, tmp = {0}, oldkey = {0};
    helios_buf_t probe = {0};
    /* rows reached twice through a join are changed once */
    wset_t done;
    ws_init(&done);
    uint32_t w = src.width;
    for (size_t r = 0; r < src.n; r++) {
        val_t *row = src.rows[r];
        val_t *kv = &row[t->n_cols];
        if (kv->null) continue;
        oldkey.len = 0;
        sb_putn(&oldkey, kv->s, kv->len);
        if (ws_get(&done, t->tree, oldkey.d, (uint32_t)oldkey.len) != NULL) continue;
        ws_put(&done, t->tree, oldkey.d, (uint32_t)oldkey.len, "", 0, 0);
        if ((rc = lock_recheck(cx, sp, t, &oldkey, &row, w, &probe)) != 0) {
            if (rc == HELIOS_AGAIN) continue; /* gone, or no longer matching */
            goto failed;
        }
        if (sp->kind == S_DELETE) {
            if ((rc = ws_put(&cx->s->txn.ws, t->tree, oldkey.d, (uint32_t)oldkey.len, NULL, 0, 1)) != 0) {
                rc = sql_err(cx->err, rc, "out of memory");
                goto failed;
            }
            if (t->n_idx > 0 && (rc = index_put(cx, t, row, &oldkey, 1, &tmp)) != 0) goto failed;
            if ((rc = stx_fk_on_write(cx, t, row, NULL)) != 0) goto failed; /* FOREIGN KEY */
            (*n)++;
            if ((rc = add_returning(cx, sp, ret, row)) != 0) goto failed;
            continue;
        }
        val_t *nrow = ar_alloc(cx->ar, sizeof(val_t) * (w + 1));
        memcpy(nrow, row, sizeof(val_t) * w);
        cx->rows[0] = row;
        for (uint32_t c = 0; c < t->n_cols; c++) {
            if (sp->set_exprs[c] == NULL) continue;
            if ((rc = eval(cx, sp->set_exprs[c], &nrow[c])) != 0) goto failed;
            if (nrow[c].null) nrow[c].t = t->cols[c].type;
        }
        if ((rc = check_row(cx, sp, t, nrow)) != 0) goto failed;
        int moved = 0;
        if (t->n_pk > 0) {
            table_pk_key(t, nrow, &key);
            moved = key.len != oldkey.len || memcmp(key.d, oldkey.d, key.len) != 0;
            if (moved) {
                uint32_t found = 0;
                if ((rc = st_get(cx, t->tree, key.d, (uint32_t)key.len, &probe, &found, cx->err)) != 0)
                    goto failed;
                if (found) {
                    rc = sql_err(cx->err, HELIOS_ERR_UNIQUE_VIOLATION,
                                 "duplicate key value violates unique constraint \"%s_pkey\"",
                                 t->name);
                    key_detail(cx, t, t->pk, t->n_pk, nrow);
                    goto failed;
                }
                if ((rc = ws_put(&cx->s->txn.ws, t->tree, oldkey.d, (uint32_t)oldkey.len, NULL,
                                 0, 1)) != 0) {
                    rc = sql_err(cx->err, rc, "out of memory");
                    goto failed;
                }
            }
        } else {
            key.len = 0;
            sb_putn(&key, oldkey.d, oldkey.len);
        }
        if (t->n_idx > 0) {
            if ((rc = index_put(cx, t, row, &oldkey, 1, &tmp)) != 0) goto failed;
            if ((rc = index_put(cx, t, nrow, &key, 0, &tmp)) != 0) goto failed;
        }
        if ((rc = write_row(cx, t, &key, nrow, &rowbuf)) != 0) goto failed;
        if ((rc = stx_fk_on_write(cx, t, row, nrow)) != 0) goto failed; /* FOREIGN KEY */
        (*n)++;
        if ((rc = add_returning(cx, sp, ret, nrow)) != 0) goto failed;
        if (((*n) & 1023) == 0 && (rc = exec_check_cancel(cx)) != 0) goto failed;
    }
    if (sp->kind == S_DELETE) t->est_rows = t->est_rows > *n ? t->est_rows - *n : 1;
    rc = 0;
failed:
    ws_free(&done);
    sb_free(&key);
    sb_free(&rowbuf);
    sb_free(&tmp);
    sb_free(&oldkey);
    helios_buf_free(&probe);
    return rc;
}

int32_t exec_dml(exec_ctx_t *cx, stmt_plan_t *sp, rowset_t *ret, uint64_t *n_affected)
{
    *n_affected = 0;
    if (cx->s->txn.read_only) {
        return sql_err(cx->err, HELIOS_ERR_READ_ONLY_SQL_TRANSACTION,
                       "cannot execute %s in a read-only transaction",
                       sp->kind == S_INSERT ? "INSERT" : sp->kind == S_UPDATE ? "UPDATE" : "DELETE");
    }
    if (sp->kind == S_INSERT) return do_insert(cx, sp, ret, n_affected);
    return do_update_delete(cx, sp, ret, n_affected);
}
