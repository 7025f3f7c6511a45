/* kernel/txn/fk.c -- FOREIGN KEY constraints: definitions (CREATE TABLE ... REFERENCES /
 * FOREIGN KEY, kept in the catalog tree under 'F' keys, loaded at open) and enforcement under
 * concurrency. A child write locks the referenced parent row (or its unique-index key) in
 * SHARE mode and checks it at its newest committed version; a parent delete/update, which
 * holds the parent row EXCL, finds referencing rows at the newest committed version, locks
 * them and applies NO ACTION / RESTRICT (23503), CASCADE, SET NULL or SET DEFAULT. So a child
 * insert and a parent delete racing each other serialize on the parent's lock and whichever
 * comes second sees the first (as PostgreSQL's FOR KEY SHARE does). Built into helios_sql;
 * definitions are read under the catalog lock (DML) and changed under its write lock (DDL). */
#include <stdio.h>
#include <stdlib.h>

#include "txn/sqltxn.h"

typedef struct fk_def {
    uint32_t id;
    char *name;
    uint32_t child_oid, parent_oid;
    uint32_t n;
    uint32_t ccols[16], pcols[16];
    char on_del, on_upd; /* PostgreSQL's letters: a no action, r restrict, c cascade, n set
                            null, d set default */
} fk_def_t;

typedef struct stx_fks {
    fk_def_t *v;
    uint32_t n, cap;
    uint32_t next_id;
} stx_fks_t;

#define FK_MAX_DEPTH 32

static stx_fks_t *fks_of(helios_engine_t *eng)
{
    return helios_txnmgr_user(eng->txm);
}

static void put_u32(sbuf_t *b, uint32_t x)
{
    char k[4] = {(char)(x >> 24), (char)(x >> 16), (char)(x >> 8), (char)x};
    sb_putn(b, k, 4);
}

static uint32_t get_u32(const uint8_t **p, const uint8_t *end)
{
    if (end - *p < 4) {
        *p = end;
        return 0;
    }
    uint32_t x = ((uint32_t)(*p)[0] << 24) | ((uint32_t)(*p)[1] << 16) | ((uint32_t)(*p)[2] << 8) |
                 (*p)[3];
    *p += 4;
    return x;
}

static void fk_key(char k[5], uint32_t id)
{
    k[0] = 'F';
    k[1] = (char)(id >> 24);
    k[2] = (char)(id >> 16);
    k[3] = (char)(id >> 8);
    k[4] = (char)id;
}

static void ser_fk(const fk_def_t *f, sbuf_t *b)
{
    put_u32(b, f->child_oid);
    put_u32(b, f->parent_oid);
    put_u32(b, f->n);
    for (uint32_t i = 0; i < f->n; i++) {
        put_u32(b, f->ccols[i]);
        put_u32(b, f->pcols[i]);
    }
    sb_putc(b, f->on_del);
    sb_putc(b, f->on_upd);
    sb_puts(b, f->name);
}

static int fks_add(stx_fks_t *fs, const fk_def_t *f)
{
    if (fs->n == fs->cap) {
        uint32_t nc = fs->cap ? fs->cap * 2 : 8;
        fk_def_t *nv = realloc(fs->v, sizeof *nv * nc);
        if (nv == NULL) return -1;
        fs->v = nv;
        fs->cap = nc;
    }
    fs->v[fs->n++] = *f;
    if (f->id >= fs->next_id) fs->next_id = f->id + 1;
    return 0;
}

int32_t stx_fk_open(helios_engine_t *eng, helios_err_t *err)
{
    stx_fks_t *fs = calloc(1, sizeof *fs);
    if (fs == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    fs->next_id = 1;
    helios_txnmgr_set_user(eng->txm, fs);
    if (!helios_lsm_tree_exists(eng->lsm, CAT_TREE)) return 0;
    helios_iter_t *it;
    int32_t rc = helios_lsm_iter_open(eng->lsm, CAT_TREE, helios_lsm_last_seq(eng->lsm), &it, err);
    if (rc != 0) return rc;
    for (helios_iter_seek(it, "F", 1); helios_iter_valid(it); helios_iter_next(it)) {
        uint32_t kl, vl;
        const uint8_t *k = helios_iter_key(it, &kl);
        if (kl != 5 || k[0] != 'F') break;
        const uint8_t *v = helios_iter_value(it, &vl), *end = v + vl;
        fk_def_t f = {0};
        f.id = ((uint32_t)k[1] << 24) | ((uint32_t)k[2] << 16) | ((uint32_t)k[3] << 8) | k[4];
        f.child_oid = get_u32(&v, end);
        f.parent_oid = get_u32(&v, end);
        f.n = get_u32(&v, end);
        if (f.n == 0 || f.n > 16) continue;
        for (uint32_t i = 0; i < f.n; i++) {
            f.ccols[i] = get_u32(&v, end);
            f.pcols[i] = get_u32(&v, end);
        }
        if (end - v < 2) continue;
        f.on_del = (char)*v++;
        f.on_upd = (char)*v++;
        f.name = strndup((const char *)v, (size_t)(end - v));
        if (f.name == NULL || fks_add(fs, &f) != 0) free(f.name);
    }
    rc = helios_iter_status(it, err);
    helios_iter_close(it);
    return rc;
}

void stx_fk_close(helios_engine_t *eng)
{
    if (eng->txm == NULL) return;
    stx_fks_t *fs = fks_of(eng);
    if (fs == NULL) return;
    for (uint32_t i = 0; i < fs->n; i++) free(fs->v[i].name);
    free(fs->v);
    free(fs);
    helios_txnmgr_set_user(eng->txm, NULL);
}

static int32_t col_by_name(table_t *t, const char *name)
{
    for (uint32_t c = 0; c < t->n_cols; c++) {
        if (!t->cols[c].dropped && strcmp(t->cols[c].name, name) == 0) return (int32_t)c;
    }
    return -1;
}

static table_t *table_by_oid(helios_engine_t *eng, uint32_t oid)
{
    for (uint32_t i = 0; i < eng->cat.n_tables; i++) {
        if (eng->cat.tables[i]->oid == oid) return eng->cat.tables[i];
    }
    return NULL;
}

/* the parent's primary key or unique index over exactly pcols (any order): its index, -1 for
   the primary key, -2 none */
static int parent_key_of(table_t *p, const uint32_t *pcols, uint32_t n)
{
    if (p->n_pk == n) {
        int same = 1;
        for (uint32_t i = 0; i < n; i++) same &= p->pk[i] == pcols[i];
        if (same) return -1;
    }
    for (uint32_t x = 0; x < p->n_idx; x++) {
        index_def_t *ix = &p->idx[x];
        if (!ix->unique || ix->n_cols != n) continue;
        int same = 1;
        for (uint32_t i = 0; i < n; i++) same &= ix->cols[i] == pcols[i];
        if (same) return (int)x;
    }
    return -2;
}

static char fk_action(const char *a)
{
    if (a == NULL || a[0] == '\0') return 'a';
    return a[0];
}

/* one FOREIGN KEY constraint of CREATE TABLE: column-level (ccol >= 0) or table-level */
static int32_t fk_one(helios_session_t *s, table_t *t, PgQuery__Constraint *co, int32_t ccol,
                      helios_wbatch_t *b, stx_fks_t *fs, helios_err_t *err)
{
    fk_def_t f = {0};
    f.child_oid = t->oid;
    if (ccol >= 0) {
        f.ccols[0] = (uint32_t)ccol;
        f.n = 1;
    } else {
        if (co->n_fk_attrs == 0 || co->n_fk_attrs > 16) {
            return sql_err(err, HELIOS_ERR_INVALID_FOREIGN_KEY, "invalid foreign key column list");
        }
        for (size_t i = 0; i < co->n_fk_attrs; i++) {
            const char *cn = pn_str(co->fk_attrs[i]);
            int32_t c = cn != NULL ? col_by_name(t, cn) : -1;
            if (c < 0) {
                return sql_err(err, HELIOS_ERR_UNDEFINED_COLUMN,
                               "column \"%s\" referenced in foreign key constraint does not exist",
                               cn != NULL ? cn : "?");
            }
            f.ccols[f.n++] = (uint32_t)c;
        }
    }
    PgQuery__RangeVar *rv = co->pktable;
    table_t *p = NULL;
    if (rv != NULL && strcmp(rv->relname, t->name) == 0 &&
        (rv->schemaname == NULL || rv->schemaname[0] == '\0')) {
        p = t; /* self-reference */
    } else if (rv != NULL) {
        p = cat_find_table(s->eng, rv->schemaname && rv->schemaname[0] ? rv->schemaname : NULL,
                           rv->relname);
    }
    if (p == NULL || p->kind != REL_TABLE) {
        return sql_err(err, HELIOS_ERR_UNDEFINED_TABLE, "relation \"%s\" does not exist",
                       rv != NULL ? rv->relname : "?");
    }
    f.parent_oid = p->oid;
    if (co->n_pk_attrs == 0) {
        if (p->n_pk == 0) {
            return sql_err(err, HELIOS_ERR_INVALID_FOREIGN_KEY,
                           "there is no primary key for referenced table \"%s\"", p->name);
        }
        if (p->n_pk != f.n) {
            return sql_err(err, HELIOS_ERR_INVALID_FOREIGN_KEY,
                           "number of referencing and referenced columns for foreign key "
                           "disagree");
        }
        memcpy(f.pcols, p->pk, sizeof(uint32_t) * f.n);
    } else {
        if (co->n_pk_attrs != f.n) {
            return sql_err(err, HELIOS_ERR_INVALID_FOREIGN_KEY,
                           "number of referencing and referenced columns for foreign key "
                           "disagree");
        }
        for (uint32_t i = 0; i < f.n; i++) {
            const char *cn = pn_str(co->pk_attrs[i]);
            int32_t c = cn != NULL ? col_by_name(p, cn) : -1;
            if (c < 0) {
                return sql_err(err, HELIOS_ERR_UNDEFINED_COLUMN,
                               "column \"%s\" referenced in foreign key constraint does not exist",
                               cn != NULL ? cn : "?");
            }
            f.pcols[i] = (uint32_t)c;
        }
        if (parent_key_of(p, f.pcols, f.n) == -2) {
            return sql_err(err, HELIOS_ERR_INVALID_FOREIGN_KEY,
                           "there is no unique constraint matching given keys for referenced "
                           "table \"%s\"", p->name);
        }
    }
    for (uint32_t i = 0; i < f.n; i++) {
        uint32_t ct = t->cols[f.ccols[i]].type, pt = p->cols[f.pcols[i]].type;
        if (ct != pt && !(val_is_num(ct) && val_is_num(pt)) && !(val_is_text(ct) && val_is_text(pt))) {
            return sql_err(err, HELIOS_ERR_DATATYPE_MISMATCH,
                           "foreign key constraint cannot be implemented");
        }
    }
    f.on_del = fk_action(co->fk_del_action);
    f.on_upd = fk_action(co->fk_upd_action);
    char nm[256];
    if (co->conname != NULL && co->conname[0] != '\0') {
        snprintf(nm, sizeof nm, "%s", co->conname);
    } else {
        snprintf(nm, sizeof nm, "%s_%s_fkey", t->name, t->cols[f.ccols[0]].name);
    }
    f.name = strdup(nm);
    f.id = fs->next_id;
    if (f.name == NULL || fks_add(fs, &f) != 0) {
        free(f.name);
        return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    sbuf_t v = {0};
    ser_fk(&f, &v);
    char k[5];
    fk_key(k, f.id);
    int32_t rc = helios_wbatch_put(b, CAT_TREE, k, 5, v.d, (uint32_t)v.len);
    sb_free(&v);
    return rc != 0 ? sql_err(err, rc, "out of memory") : 0;
}

static void fk_remove_from(stx_fks_t *fs, uint32_t n_before)
{
    while (fs->n > n_before) free(fs->v[--fs->n].name);
}

int32_t stx_fk_create(helios_session_t *s, table_t *t, PgQuery__CreateStmt *cs,
                      helios_wbatch_t *b, uint32_t *mark, helios_err_t *err)
{
    stx_fks_t *fs = fks_of(s->eng);
    *mark = fs->n;
    int32_t rc = 0;
    for (size_t i = 0; i < cs->n_table_elts && rc == 0; i++) {
        pnode_t *el = cs->table_elts[i];
        if (el->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
            PgQuery__ColumnDef *cd = el->column_def;
            for (size_t k = 0; k < cd->n_constraints && rc == 0; k++) {
                PgQuery__Constraint *co = cd->constraints[k]->constraint;
                if (co == NULL || co->contype != PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN) continue;
                rc = fk_one(s, t, co, col_by_name(t, cd->colname), b, fs, err);
            }
        } else if (el->node_case == PG_QUERY__NODE__NODE_CONSTRAINT) {
            PgQuery__Constraint *co = el->constraint;
            if (co->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN) {
                rc = fk_one(s, t, co, -1, b, fs, err);
            }
        }
    }
    if (rc != 0) fk_remove_from(fs, *mark);
    return rc;
}

void stx_fk_create_failed(helios_session_t *s, uint32_t mark)
{
    fk_remove_from(fks_of(s->eng), mark);
}

int32_t stx_fk_drop_table(helios_session_t *s, table_t *t, helios_wbatch_t *b, helios_err_t *err)
{
    stx_fks_t *fs = fks_of(s->eng);
    for (uint32_t i = 0; i < fs->n; i++) {
        fk_def_t *f = &fs->v[i];
        if (f->parent_oid == t->oid && f->child_oid != t->oid) {
            table_t *c = table_by_oid(s->eng, f->child_oid);
            sql_err(err, HELIOS_ERR_DEPENDENT_OBJECTS_STILL_EXIST,
                    "cannot drop table %s because other objects depend on it", t->name);
            sql_err_detail(err, "constraint %s on table %s depends on table %s", f->name,
                           c != NULL ? c->name : "?", t->name);
            return HELIOS_ERR_DEPENDENT_OBJECTS_STILL_EXIST;
        }
    }
    for (uint32_t i = 0; i < fs->n;) {
        fk_def_t *f = &fs->v[i];
        if (f->child_oid == t->oid) {
            char k[5];
            fk_key(k, f->id);
            int32_t rc = helios_wbatch_del(b, CAT_TREE, k, 5);
            if (rc != 0) return sql_err(err, rc, "out of memory");
            free(f->name);
            fs->v[i] = fs->v[--fs->n];
            continue;
        }
        i++;
    }
    return 0;
}

/* ---------------- enforcement ---------------- */
static void key_text(table_t *t, const uint32_t *cols, uint32_t n, const val_t *row, sbuf_t *names,
                     sbuf_t *vals)
{
    for (uint32_t i = 0; i < n; i++) {
        if (i) {
            sb_puts(names, ", ");
            sb_puts(vals, ", ");
        }
        sb_puts(names, t->cols[cols[i]].name);
        if (row[cols[i]].null) sb_puts(vals, "null");
        else val_to_text(&row[cols[i]], vals);
    }
}

static int vals_equal(const val_t *a, const val_t *b)
{
    if (a->null || b->null) return a->null && b->null;
    return val_cmp(a, b) == 0;
}

/* the parent's key bytes for child values (cast to the parent's column types) */
static int32_t parent_key(exec_ctx_t *cx, table_t *p, int which, const fk_def_t *f,
                          const uint32_t *from_cols, const val_t *row, sbuf_t *key)
{
    key->len = 0;
    uint32_t n = f->n;
    const uint32_t *order = which == -1 ? p->pk : p->idx[which].cols;
    for (uint32_t i = 0; i < n; i++) {
        /* position of order[i] among pcols */
        uint32_t j = 0;
        while (j < n && f->pcols[j] != order[i]) j++;
        if (j == n) j = i;
        val_t v = row[from_cols[j]];
        uint32_t pt = p->cols[order[i]].type;
        if (!v.null && v.t != pt) {
            int32_t rc = val_cast(cx->ar, &row[from_cols[j]], pt, -1, &v, 0, cx->err);
            if (rc != 0) return rc;
        }
        key_encode(key, &v, which == -1 ? 0 : p->idx[which].desc[i]);
    }
    return 0;
}

static int32_t check_parent(exec_ctx_t *cx, table_t *t, const fk_def_t *f, const val_t *row)
{
    table_t *p = table_by_oid(cx->eng, f->parent_oid);
    if (p == NULL) return 0;
    int which = parent_key_of(p, f->pcols, f->n);
    if (which == -2) return 0;
    sbuf_t key = {0};
    helios_buf_t v = {0};
    uint32_t found = 0;
    int32_t rc = parent_key(cx, p, which, f, f->ccols, row, &key);
    uint32_t tree = which == -1 ? p->tree : p->idx[which].tree;
    if (rc == 0) rc = stx_lock(cx, p, tree, key.d, (uint32_t)key.len, HELIOS_LOCK_SHARE,
                               HELIOS_LOCK_WAIT);
    if (rc == 0) rc = stx_get_latest(cx, tree, key.d, (uint32_t)key.len, &v, &found);
    if (rc == 0 && !found && cx->s->txn.iso > 0) {
        /* REPEATABLE READ: gone now but there in the snapshot -- a concurrent delete */
        uint32_t snap_found = 0;
        rc = helios_lsm_get(cx->eng->lsm, tree, cx->snap, key.d, (uint32_t)key.len, &v,
                            &snap_found, cx->err);
        if (rc == 0 && snap_found) {
            rc = sql_err(cx->err, HELIOS_ERR_SERIALIZATION_FAILURE,
                         "could not serialize access due to concurrent update");
        }
    }
    if (rc == 0 && !found) {
        sbuf_t a = {0}, b = {0};
        key_text(t, f->ccols, f->n, row, &a, &b);
        rc = sql_err(cx->err, HELIOS_ERR_FOREIGN_KEY_VIOLATION,
                     "insert or update on table \"%s\" violates foreign key constraint \"%s\"",
                     t->name, f->name);
        sql_err_detail(cx->err, "Key (%s)=(%s) is not present in table \"%s\".", a.d, b.d,
                       p->name);
        sb_free(&a);
        sb_free(&b);
    }
    sb_free(&key);
    helios_buf_free(&v);
    return rc;
}

static int32_t fk_write(exec_ctx_t *cx, table_t *t, const val_t *oldrow, const val_t *newrow,
                        int depth);

static int32_t child_index_update(exec_ctx_t *cx, table_t *c, const val_t *oldrow,
                                  const val_t *newrow, const sbuf_t *pk)
{
    sbuf_t tmp = {0};
    int32_t rc = 0;
    for (uint32_t x = 0; x < c->n_idx && rc == 0; x++) {
        index_def_t *ix = &c->idx[x];
        index_key(c, ix, oldrow, pk, &tmp, 0);
        rc = ws_put(&cx->s->txn.ws, ix->tree, tmp.d, (uint32_t)tmp.len, NULL, 0, 1);
        if (rc == 0 && newrow != NULL) {
            index_key(c, ix, newrow, pk, &tmp, 0);
            rc = ws_put(&cx->s->txn.ws, ix->tree, tmp.d, (uint32_t)tmp.len, pk->d,
                        (uint32_t)pk->len, 0);
        }
    }
    sb_free(&tmp);
    return rc != 0 ? sql_err(cx->err, rc, "out of memory") : 0;
}

/* apply f's action to one referencing row (locked, newest version in crow) */
static int32_t act_on_child(exec_ctx_t *cx, table_t *p, table_t *c, const fk_def_t *f,
                            const val_t *poldrow, const val_t *pnewrow, const sbuf_t *ckey,
                            val_t *crow, int depth)
{
    char act = pnewrow == NULL ? f->on_del : f->on_upd;
    int32_t rc;
    if (act == 'a' || act == 'r') {
        sbuf_t a = {0}, b = {0};
        key_text(p, f->pcols, f->n, poldrow, &a, &b);
        rc = sql_err(cx->err, HELIOS_ERR_FOREIGN_KEY_VIOLATION,
                     "update or delete on table \"%s\" violates foreign key constraint \"%s\" on "
                     "table \"%s\"", p->name, f->name, c->name);
        sql_err_detail(cx->err, "Key (%s)=(%s) is still referenced from table \"%s\".", a.d, b.d,
                       c->name);
        sb_free(&a);
        sb_free(&b);
        return rc;
    }
    if (act == 'c' && pnewrow == NULL) {
        rc = ws_put(&cx->s->txn.ws, c->tree, ckey->d, (uint32_t)ckey->len, NULL, 0, 1);
        if (rc != 0) return sql_err(cx->err, rc, "out of memory");
        if ((rc = child_index_update(cx, c, crow, NULL, ckey)) != 0) return rc;
        return fk_write(cx, c, crow, NULL, depth + 1);
    }
    val_t *nrow = ar_alloc(cx->ar, sizeof(val_t) * (c->n_cols + 1));
    memcpy(nrow, crow, sizeof(val_t) * c->n_cols);
    for (uint32_t i = 0; i < f->n; i++) {
        uint32_t cc = f->ccols[i];
        val_t *v = &nrow[cc];
        memset(v, 0, sizeof *v);
        v->t = c->cols[cc].type;
        if (act == 'c') {
            rc = val_cast(cx->ar, &pnewrow[f->pcols[i]], c->cols[cc].type, c->cols[cc].typmod, v,
                          0, cx->err);
            if (rc != 0) return rc;
        } else if (act == 'd' && c->cols[cc].default_sql != NULL) {
            expr_t *e;
            rc = bind_default_expr(cx->s, cx->ar, c, c->cols[cc].default_sql, c->cols[cc].type,
                                   c->cols[cc].typmod, &e, cx->err);
            if (rc == 0) rc = eval(cx, e, v);
            if (rc != 0) return rc;
        } else {
            v->null = 1;
        }
        if (v->null && c->cols[cc].not_null) {
            return sql_err(cx->err, HELIOS_ERR_NOT_NULL_VIOLATION,
                           "null value in column \"%s\" of relation \"%s\" violates not-null "
                           "constraint", c->cols[cc].name, c->name);
        }
    }
    sbuf_t buf = {0};
    rc = row_encode(cx->ar, c, nrow, &buf, cx->err);
    if (rc == 0) {
        rc = ws_put(&cx->s->txn.ws, c->tree, ckey->d, (uint32_t)ckey->len, buf.d,
                    (uint32_t)buf.len, 0);
        if (rc != 0) rc = sql_err(cx->err, rc, "out of memory");
    }
    sb_free(&buf);
    if (rc == 0) rc = child_index_update(cx, c, crow, nrow, ckey);
    if (rc == 0) rc = fk_write(cx, c, crow, nrow, depth + 1);
    return rc;
}

/* rows of child c referencing poldrow's key through f, at the newest committed state */
static int32_t referencing_rows(exec_ctx_t *cx, table_t *p, table_t *c, const fk_def_t *f,
                                const val_t *poldrow, const val_t *pnewrow, int depth)
{
    helios_seq_t saved = cx->snap;
    cx->snap = helios_lsm_last_seq(cx->eng->lsm);
    /* collect matching keys first: acting on them changes the write set the scan overlays */
    st_iter_t *it = NULL;
    int32_t rc = st_iter_open(cx, c->tree, "", 0, &it, cx->err);
    sbuf_t *keys = NULL;
    size_t n_keys = 0, cap = 0;
    val_t *row = ar_alloc(cx->ar, sizeof(val_t) * (c->n_cols + 1));
    if (rc == 0) {
        const uint8_t *k, *v;
        uint32_t kl, vl;
        while (st_iter_next(it, &k, &kl, &v, &vl)) {
            if ((rc = row_decode(cx->ar, c, v, vl, row, 0, cx->err)) != 0) break;
            int match = 1;
            for (uint32_t i = 0; i < f->n && match; i++) {
                const val_t *cv = &row[f->ccols[i]];
                val_t pv = poldrow[f->pcols[i]];
                if (cv->null || pv.null) match = 0;
                else match = val_cmp(cv, &pv) == 0;
            }
            if (!match) continue;
            if (n_keys == cap) {
                cap = cap ? cap * 2 : 8;
                sbuf_t *nk = realloc(keys, sizeof *nk * cap);
                if (nk == NULL) {
                    rc = sql_err(cx->err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
                    break;
                }
                keys = nk;
            }
            memset(&keys[n_keys], 0, sizeof(sbuf_t));
            sb_putn(&keys[n_keys++], (const char *)k, kl);
        }
        int32_t rc2 = st_iter_close(it, cx->err);
        if (rc == 0) rc = rc2;
    }
    for (size_t i = 0; i < n_keys && rc == 0; i++) {
        rc = stx_lock(cx, c, c->tree, keys[i].d, (uint32_t)keys[i].len, HELIOS_LOCK_EXCL,
                      HELIOS_LOCK_WAIT);
        if (rc != 0) break;
        helios_buf_t cur = {0};
        uint32_t found = 0;
        rc = stx_get_latest(cx, c->tree, keys[i].d, (uint32_t)keys[i].len, &cur, &found);
        if (rc == 0 && found) {
            val_t *crow = ar_alloc(cx->ar, sizeof(val_t) * (c->n_cols + 1));
            uint8_t *copy = ar_alloc(cx->ar, cur.len ? cur.len : 1);
            memcpy(copy, cur.data, cur.len);
            rc = row_decode(cx->ar, c, copy, (uint32_t)cur.len, crow, 0, cx->err);
            int still = rc == 0;
            for (uint32_t j = 0; j < f->n && still; j++) {
                still = vals_equal(&crow[f->ccols[j]], &poldrow[f->pcols[j]]) ||
                        (!crow[f->ccols[j]].null && !poldrow[f->pcols[j]].null &&
                         val_cmp(&crow[f->ccols[j]], &poldrow[f->pcols[j]]) == 0);
            }
            if (rc == 0 && still) {
                rc = act_on_child(cx, p, c, f, poldrow, pnewrow, &keys[i], crow, depth);
            }
        }
        helios_buf_free(&cur);
    }
    for (size_t i = 0; i < n_keys; i++) sb_free(&keys[i]);
    free(keys);
    cx->snap = saved;
    return rc;
}

static int32_t fk_write(exec_ctx_t *cx, table_t *t, const val_t *oldrow, const val_t *newrow,
                        int depth)
{
    stx_fks_t *fs = fks_of(cx->eng);
    if (fs == NULL || fs->n == 0) return 0;
    if (depth > FK_MAX_DEPTH) {
        return sql_err(cx->err, HELIOS_ERR_PROGRAM_LIMIT_EXCEEDED,
                       "foreign key actions nested too deeply");
    }
    for (uint32_t i = 0; i < fs->n; i++) {
        fk_def_t f = fs->v[i];
        int32_t rc = 0;
        if (f.child_oid == t->oid && newrow != NULL) {
            int any_null = 0, changed = oldrow == NULL;
            for (uint32_t k = 0; k < f.n; k++) {
                any_null |= newrow[f.ccols[k]].null;
                if (oldrow != NULL && !vals_equal(&oldrow[f.ccols[k]], &newrow[f.ccols[k]]))
                    changed = 1;
            }
            if (!any_null && changed) rc = check_parent(cx, t, &f, newrow);
        }
        if (rc == 0 && f.parent_oid == t->oid && oldrow != NULL) {
            int changed = newrow == NULL, any_null = 0;
            for (uint32_t k = 0; k < f.n; k++) {
                any_null |= oldrow[f.pcols[k]].null;
                if (newrow != NULL && !vals_equal(&oldrow[f.pcols[k]], &newrow[f.pcols[k]]))
                    changed = 1;
            }
            table_t *c = table_by_oid(cx->eng, f.child_oid);
            if (changed && !any_null && c != NULL) {
                rc = referencing_rows(cx, t, c, &f, oldrow, newrow, depth);
            }
        }
        if (rc != 0) return rc;
    }
    return 0;
}

int32_t stx_fk_on_write(exec_ctx_t *cx, table_t *t, const val_t *oldrow, const val_t *newrow)
{
    return fk_write(cx, t, oldrow, newrow, 0);
}

/* ALTER TABLE t ADD [CONSTRAINT name] FOREIGN KEY (...) REFERENCES ...: every existing row
   must reference an existing key (23503 otherwise); runs under the catalog's write lock, so
   no statement writes meanwhile. */
int32_t stx_fk_add(helios_session_t *s, table_t *t, PgQuery__Constraint *co, helios_err_t *err)
{
    helios_engine_t *eng = s->eng;
    stx_fks_t *fs = fks_of(eng);
    uint32_t mark = fs->n;
    helios_wbatch_t *b = helios_wbatch_new();
    if (b == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    int32_t rc = fk_one(s, t, co, -1, b, fs, err);
    if (rc != 0) {
        helios_wbatch_free(b);
        return rc;
    }
    fk_def_t f = fs->v[fs->n - 1];
    table_t *p = table_by_oid(eng, f.parent_oid);
    int which = parent_key_of(p, f.pcols, f.n);
    arena_t ar = {0};
    exec_ctx_t cx = {0};
    cx.s = s;
    cx.eng = eng;
    cx.ar = &ar;
    cx.err = err;
    helios_seq_t seq = helios_lsm_last_seq(eng->lsm);
    helios_iter_t *it = NULL;
    sbuf_t key = {0};
    helios_buf_t v = {0};
    val_t *row = calloc(t->n_cols + 1, sizeof(val_t));
    if (row == NULL) rc = sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    if (rc == 0) rc = helios_lsm_iter_open(eng->lsm, t->tree, seq, &it, err);
    if (rc == 0) helios_iter_seek_first(it);
    while (rc == 0 && helios_iter_valid(it)) {
        uint32_t vl;
        const uint8_t *rv = helios_iter_value(it, &vl);
        ar_reset(&ar);
        if ((rc = row_decode(&ar, t, rv, vl, row, 0, err)) != 0) break;
        int any_null = 0;
        for (uint32_t k = 0; k < f.n; k++) any_null |= row[f.ccols[k]].null;
        if (!any_null) {
            uint32_t found = 0;
            uint32_t tree = which == -1 ? p->tree : p->idx[which].tree;
            rc = parent_key(&cx, p, which, &f, f.ccols, row, &key);
            if (rc == 0) {
                rc = helios_lsm_get(eng->lsm, tree, seq, key.d, (uint32_t)key.len, &v, &found,
                                    err);
            }
            if (rc == 0 && !found) {
                sbuf_t a = {0}, bb = {0};
                key_text(t, f.ccols, f.n, row, &a, &bb);
                rc = sql_err(err, HELIOS_ERR_FOREIGN_KEY_VIOLATION,
                             "insert or update on table \"%s\" violates foreign key constraint "
                             "\"%s\"", t->name, f.name);
                sql_err_detail(err, "Key (%s)=(%s) is not present in table \"%s\".", a.d, bb.d,
                               p->name);
                sb_free(&a);
                sb_free(&bb);
            }
        }
        helios_iter_next(it);
    }
    if (it != NULL) {
        int32_t rc2 = helios_iter_status(it, rc == 0 ? err : NULL);
        if (rc == 0) rc = rc2;
        helios_iter_close(it);
    }
    if (rc == 0) rc = cat_commit_batch(eng, b, err);
    if (rc != 0) fk_remove_from(fs, mark);
    helios_wbatch_free(b);
    free(row);
    sb_free(&key);
    helios_buf_free(&v);
    ar_free(&ar);
    return rc;
}

/* ---------------- catalog views (pg_constraint, pg_get_constraintdef) ---------------- */
uint32_t stx_fk_count(helios_engine_t *eng)
{
    stx_fks_t *fs = eng->txm != NULL ? fks_of(eng) : NULL;
    return fs != NULL ? fs->n : 0;
}

int stx_fk_info(helios_engine_t *eng, uint32_t i, stx_fk_info_t *out)
{
    stx_fks_t *fs = eng->txm != NULL ? fks_of(eng) : NULL;
    if (fs == NULL || i >= fs->n) return 0;
    const fk_def_t *f = &fs->v[i];
    out->id = f->id;
    out->name = f->name;
    out->child_oid = f->child_oid;
    out->parent_oid = f->parent_oid;
    out->n = f->n;
    memcpy(out->ccols, f->ccols, sizeof(uint32_t) * f->n);
    memcpy(out->pcols, f->pcols, sizeof(uint32_t) * f->n);
    out->on_del = f->on_del;
    out->on_upd = f->on_upd;
    return 1;
}

static const char *action_sql(char a)
{
    switch (a) {
    case 'r': return "RESTRICT";
    case 'c': return "CASCADE";
    case 'n': return "SET NULL";
    case 'd': return "SET DEFAULT";
    default: return NULL;
    }
}

int stx_fk_def_text(helios_engine_t *eng, uint32_t id, sbuf_t *out)
{
    stx_fks_t *fs = eng->txm != NULL ? fks_of(eng) : NULL;
    for (uint32_t i = 0; fs != NULL && i < fs->n; i++) {
        const fk_def_t *f = &fs->v[i];
        if (f->id != id) continue;
        table_t *c = table_by_oid(eng, f->child_oid), *p = table_by_oid(eng, f->parent_oid);
        if (c == NULL || p == NULL) return 0;
        sb_puts(out, "FOREIGN KEY (");
        for (uint32_t k = 0; k < f->n; k++) {
            sb_printf(out, "%s%s", k ? ", " : "", c->cols[f->ccols[k]].name);
        }
        sb_printf(out, ") REFERENCES %s(", p->name);
        for (uint32_t k = 0; k < f->n; k++) {
            sb_printf(out, "%s%s", k ? ", " : "", p->cols[f->pcols[k]].name);
        }
        sb_putc(out, ')');
        if (action_sql(f->on_upd) != NULL) sb_printf(out, " ON UPDATE %s", action_sql(f->on_upd));
        if (action_sql(f->on_del) != NULL) sb_printf(out, " ON DELETE %s", action_sql(f->on_del));
        return 1;
    }
    return 0;
}
