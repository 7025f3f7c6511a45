/* kernel/sql/session_stmt.c -- the utility statements that act on the session rather than on
 * the catalog: roles (CREATE/ALTER/DROP USER|ROLE), transaction control (BEGIN, COMMIT,
 * ROLLBACK, savepoints) and SET/SHOW/RESET. Dispatched from exec_utility in ddl.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "sql/bind.h"
#include "sql/session_stmt.h"
#include "txn/sqltxn.h"

static const char *defelem_str(PgQuery__DefElem *d)
{
    if (d->arg == NULL) return NULL;
    if (d->arg->node_case == PG_QUERY__NODE__NODE_STRING) return d->arg->string->sval;
    if (d->arg->node_case == PG_QUERY__NODE__NODE_A_CONST &&
        d->arg->a_const->val_case == PG_QUERY__A__CONST__VAL_SVAL)
        return d->arg->a_const->sval->sval;
    return NULL;
}

int32_t sql_role_stmt(helios_session_t *s, pnode_t *n, const char **tag, helios_err_t *err)
{
    helios_engine_t *eng = s->eng;
    catalog_t *c = &eng->cat;
    int32_t rc = 0;
    if (n->node_case == PG_QUERY__NODE__NODE_DROP_ROLE_STMT) {
        *tag = "DROP ROLE";
        PgQuery__DropRoleStmt *d = n->drop_role_stmt;
        for (size_t i = 0; i < d->n_roles; i++) {
            const char *name = d->roles[i]->role_spec->rolename;
            user_t *u = cat_find_user(eng, name);
            if (u == NULL) {
                if (d->missing_ok) continue;
                return sql_err(err, HELIOS_ERR_UNDEFINED_OBJECT, "role \"%s\" does not exist", name);
            }
            helios_wbatch_t *b = helios_wbatch_new();
            rc = cat_persist_user(eng, u, 1, b, err);
            if (rc == 0) rc = cat_commit_batch(eng, b, err);
            helios_wbatch_free(b);
            if (rc != 0) return rc;
            free(u->name);
            free(u->verifier);
            *u = c->users[--c->n_users];
        }
        return 0;
    }
    const char *name;
    PgQuery__Node **opts;
    size_t n_opts;
    user_t *u;
    if (n->node_case == PG_QUERY__NODE__NODE_CREATE_ROLE_STMT) {
        *tag = "CREATE ROLE";
        name = n->create_role_stmt->role;
        opts = n->create_role_stmt->options;
        n_opts = n->create_role_stmt->n_options;
        if (cat_find_user(eng, name) != NULL) {
            return sql_err(err, HELIOS_ERR_DUPLICATE_OBJECT, "role \"%s\" already exists", name);
        }
        user_t *nu = realloc(c->users, sizeof(user_t) * (c->n_users + 1));
        if (nu == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        c->users = nu;
        u = &c->users[c->n_users++];
        memset(u, 0, sizeof *u);
        u->name = strdup(name);
    } else {
        *tag = "ALTER ROLE";
        name = n->alter_role_stmt->role->rolename;
        opts = n->alter_role_stmt->options;
        n_opts = n->alter_role_stmt->n_options;
        u = cat_find_user(eng, name);
        if (u == NULL) return sql_err(err, HELIOS_ERR_UNDEFINED_OBJECT, "role \"%s\" does not exist", name);
    }
    for (size_t i = 0; i < n_opts; i++) {
        PgQuery__DefElem *d = opts[i]->def_elem;
        if (strcmp(d->defname, "password") == 0) {
            const char *pw = defelem_str(d);
            free(u->verifier);
            u->verifier = NULL;
            if (pw != NULL) {
                char v[512];
                if (strncmp(pw, "SCRAM-SHA-256$", 14) == 0) {
                    snprintf(v, sizeof v, "%s", pw);
                } else if ((rc = scram_make_verifier(pw, v, sizeof v)) != 0) {
                    return sql_err(err, HELIOS_ERR_INTERNAL_ERROR, "could not hash the password");
                }
                u->verifier = strdup(v);
            }
        } else if (strcmp(d->defname, "superuser") == 0 && d->arg != NULL &&
                   d->arg->node_case == PG_QUERY__NODE__NODE_BOOLEAN) {
            u->superuser = d->arg->boolean->boolval;
        }
    }
    helios_wbatch_t *b = helios_wbatch_new();
    rc = cat_persist_user(eng, u, 0, b, err);
    if (rc == 0) rc = cat_commit_batch(eng, b, err);
    helios_wbatch_free(b);
    return rc;
}

int32_t sql_txn_stmt(helios_session_t *s, PgQuery__TransactionStmt *ts, const helios_sink_t *sink,
                        const char **tag, helios_err_t *err)
{
    txn_t *t = &s->txn;
    switch (ts->kind) {
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
        *tag = ts->kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN ? "BEGIN" : "START TRANSACTION";
        if (t->active) {
            helios_err_t w = HELIOS_ERR_INIT;
            w.severity = HELIOS_SEV_WARNING;
            w.code = HELIOS_ERR_ACTIVE_SQL_TRANSACTION;
            snprintf(w.message, sizeof w.message, "there is already a transaction in progress");
            if (sink != NULL && sink->notice != NULL) sink->notice(sink->ctx, &w);
            return 0;
        }
        t->active = 1;
        t->failed = 0;
        t->iso = 0;
        t->read_only = 0;
        {
            const char *iso = sess_get_setting(s, "default_transaction_isolation");
            if (iso != NULL && strstr(iso, "repeatable") != NULL) t->iso = 1;
            if (iso != NULL && strstr(iso, "serializable") != NULL) t->iso = 2;
        }
        for (size_t i = 0; i < ts->n_options; i++) {
            PgQuery__DefElem *d = ts->options[i]->def_elem;
            if (strcmp(d->defname, "transaction_isolation") == 0) {
                const char *v = NULL;
                if (d->arg != NULL && d->arg->node_case == PG_QUERY__NODE__NODE_A_CONST &&
                    d->arg->a_const->val_case == PG_QUERY__A__CONST__VAL_SVAL) v = d->arg->a_const->sval->sval;
                if (v != NULL) t->iso = strstr(v, "serializable") ? 2 : strstr(v, "repeatable") ? 1 : 0;
            } else if (strcmp(d->defname, "transaction_read_only") == 0 && d->arg != NULL &&
                       d->arg->node_case == PG_QUERY__NODE__NODE_A_CONST &&
                       d->arg->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
                t->read_only = d->arg->a_const->ival->ival != 0;
            }
        }
        return 0;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT: {
        *tag = "COMMIT";
        if (!t->active) {
            helios_err_t w = HELIOS_ERR_INIT;
            w.severity = HELIOS_SEV_WARNING;
            w.code = HELIOS_ERR_NO_ACTIVE_SQL_TRANSACTION;
            snprintf(w.message, sizeof w.message, "there is no transaction in progress");
            if (sink != NULL && sink->notice != NULL) sink->notice(sink->ctx, &w);
            return 0;
        }
        int32_t rc = 0;
        if (t->failed) {
            txn_abort(s);
            *tag = "ROLLBACK";
        } else {
            rc = txn_commit(s, err);
        }
        t->active = 0;
        t->failed = 0;
        t->read_only = 0;
        return rc;
    }
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK:
        *tag = "ROLLBACK";
        if (!t->active) {
            helios_err_t w = HELIOS_ERR_INIT;
            w.severity = HELIOS_SEV_WARNING;
            w.code = HELIOS_ERR_NO_ACTIVE_SQL_TRANSACTION;
            snprintf(w.message, sizeof w.message, "there is no transaction in progress");
            if (sink != NULL && sink->notice != NULL) sink->notice(sink->ctx, &w);
        }
        txn_abort(s);
        t->active = 0;
        t->failed = 0;
        t->read_only = 0;
        return 0;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_SAVEPOINT:
        *tag = "SAVEPOINT";
        return stx_savepoint(s, ts->savepoint_name, err);
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_RELEASE:
        *tag = "RELEASE";
        return stx_release(s, ts->savepoint_name, err);
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_TO:
        *tag = "ROLLBACK";
        return stx_rollback_to(s, ts->savepoint_name, err);
    default:
        return sql_err(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED, "two-phase commit is not supported");
    }
}

int32_t sql_show_stmt(helios_session_t *s, const char *name, const helios_sink_t *sink,
                         helios_err_t *err)
{
    char low[128];
    size_t i;
    for (i = 0; name[i] && i < sizeof low - 1; i++) low[i] = (char)tolower((unsigned char)name[i]);
    low[i] = '\0';
    if (strcmp(low, "all") == 0) {
        helios_column_desc_t cols[2] = {{.name = "name", .type_oid = HELIOS_OID_TEXT, .type_mod = -1, .type_len = -1},
                                        {.name = "setting", .type_oid = HELIOS_OID_TEXT, .type_mod = -1, .type_len = -1}};
        if (sink->describe != NULL) sink->describe(sink->ctx, 2, cols);
        for (uint32_t k = 0; k < s->n_settings; k++) {
            helios_value_t v[2] = {{.type_oid = HELIOS_OID_TEXT, .type_mod = -1}, {.type_oid = HELIOS_OID_TEXT, .type_mod = -1}};
            v[0].p = s->settings[k].name;
            v[0].len = (uint32_t)strlen(s->settings[k].name);
            v[1].p = s->settings[k].value;
            v[1].len = (uint32_t)strlen(s->settings[k].value);
            int32_t rc = sink->row(sink->ctx, 2, v);
            if (rc != 0) return rc;
        }
        return 0;
    }
    const char *v = sess_get_setting(s, low);
    if (v == NULL) {
        return sql_err(err, HELIOS_ERR_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"", name);
    }
    helios_column_desc_t col = {.name = low, .type_oid = HELIOS_OID_TEXT, .type_mod = -1, .type_len = -1};
    if (sink->describe != NULL) sink->describe(sink->ctx, 1, &col);
    helios_value_t hv = {.type_oid = HELIOS_OID_TEXT, .type_mod = -1, .p = v, .len = (uint32_t)strlen(v)};
    return sink->row(sink->ctx, 1, &hv);
}

int32_t sess_set_scoped(helios_session_t *s, const char *name, const char *value, int local,
                        int *ignored, helios_err_t *err)
{
    *ignored = 0;
    if (!s->txn.active) {
        if (local) {
            *ignored = 1; /* PostgreSQL: a WARNING, and no effect */
            return 0;
        }
        return sess_set_setting(s, name, value, err);
    }
    if (s->n_set_undo == s->cap_set_undo) {
        uint32_t nc = s->cap_set_undo ? s->cap_set_undo * 2 : 8;
        struct set_undo *nu = realloc(s->set_undo, sizeof *nu * nc);
        if (nu == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        s->set_undo = nu;
        s->cap_set_undo = nc;
    }
    const char *old = sess_get_setting(s, name);
    struct set_undo *u = &s->set_undo[s->n_set_undo];
    u->name = strdup(name);
    u->old = old != NULL ? strdup(old) : NULL;
    u->local = local != 0;
    if (u->name == NULL || (old != NULL && u->old == NULL)) {
        free(u->name);
        free(u->old);
        return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    int32_t rc = sess_set_setting(s, name, value, err);
    if (rc != 0) {
        free(u->name);
        free(u->old);
        return rc;
    }
    s->n_set_undo++;
    return 0;
}

void sess_settings_txn_end(helios_session_t *s, int committed)
{
    /* newest first: a rollback restores every value the block changed; a commit keeps plain
       SETs and ends LOCAL ones, unless a later plain SET of the same name overrode them */
    for (uint32_t i = s->n_set_undo; i-- > 0;) {
        struct set_undo *u = &s->set_undo[i];
        int restore = !committed;
        if (committed && u->local) {
            restore = 1;
            for (uint32_t k = i + 1; k < s->n_set_undo; k++) {
                if (!s->set_undo[k].local && strcasecmp(s->set_undo[k].name, u->name) == 0) restore = 0;
            }
        }
        if (restore) {
            helios_err_t e = HELIOS_ERR_INIT;
            sess_set_setting(s, u->name, u->old != NULL ? u->old : "", &e);
        }
    }
    for (uint32_t i = 0; i < s->n_set_undo; i++) {
        free(s->set_undo[i].name);
        free(s->set_undo[i].old);
    }
    s->n_set_undo = 0;
}

int32_t sql_set_stmt(helios_session_t *s, PgQuery__VariableSetStmt *vs, helios_err_t *err)
{
    if (vs->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL) return 0;
    const char *name = vs->name;
    if (name == NULL) return 0;
    if (strcmp(name, "transaction_isolation") == 0 || strcmp(name, "TRANSACTION") == 0 ||
        strcmp(name, "SESSION CHARACTERISTICS") == 0) {
        for (size_t i = 0; i < vs->n_args; i++) {
            pnode_t *a = vs->args[i];
            if (a->node_case == PG_QUERY__NODE__NODE_DEF_ELEM) {
                PgQuery__DefElem *d = a->def_elem;
                if (strcmp(d->defname, "transaction_isolation") == 0 && d->arg != NULL &&
                    d->arg->node_case == PG_QUERY__NODE__NODE_A_CONST &&
                    d->arg->a_const->val_case == PG_QUERY__A__CONST__VAL_SVAL) {
                    const char *v = d->arg->a_const->sval->sval;
                    uint32_t iso = strstr(v, "serializable") ? 2 : strstr(v, "repeatable") ? 1 : 0;
                    if (strcmp(name, "SESSION CHARACTERISTICS") == 0) {
                        return sess_set_setting(s, "default_transaction_isolation", v, err);
                    }
                    if (s->txn.active && stx_stmts_in_txn(s) > 0 && iso != s->txn.iso) {
                        return sql_err(err, HELIOS_ERR_ACTIVE_SQL_TRANSACTION,
                                       "SET TRANSACTION ISOLATION LEVEL must be called before "
                                       "any query");
                    }
                    s->txn.iso = iso;
                }
            } else if (a->node_case == PG_QUERY__NODE__NODE_A_CONST &&
                       a->a_const->val_case == PG_QUERY__A__CONST__VAL_SVAL) {
                const char *v = a->a_const->sval->sval;
                uint32_t iso = strstr(v, "serializable") ? 2 : strstr(v, "repeatable") ? 1 : 0;
                if (s->txn.active && stx_stmts_in_txn(s) > 0 && iso != s->txn.iso) {
                    return sql_err(err, HELIOS_ERR_ACTIVE_SQL_TRANSACTION,
                                   "SET TRANSACTION ISOLATION LEVEL must be called before any "
                                   "query");
                }
                s->txn.iso = iso;
            }
        }
        return 0;
    }
    int ignored;
    if (vs->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET ||
        vs->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_SET_DEFAULT) {
        return sess_set_scoped(s, name, NULL, vs->is_local, &ignored, err);
    }
    sbuf_t sb = {0};
    sb_putn(&sb, "", 0);
    for (size_t i = 0; i < vs->n_args; i++) {
        pnode_t *a = vs->args[i];
        if (i) sb_puts(&sb, ", ");
        if (a->node_case == PG_QUERY__NODE__NODE_A_CONST) {
            PgQuery__AConst *c = a->a_const;
            if (c->val_case == PG_QUERY__A__CONST__VAL_SVAL) sb_puts(&sb, c->sval->sval);
            else if (c->val_case == PG_QUERY__A__CONST__VAL_IVAL) sb_printf(&sb, "%d", c->ival->ival);
            else if (c->val_case == PG_QUERY__A__CONST__VAL_FVAL) sb_puts(&sb, c->fval->fval);
            else if (c->val_case == PG_QUERY__A__CONST__VAL_BOOLVAL) sb_puts(&sb, c->boolval->boolval ? "on" : "off");
        } else if (a->node_case == PG_QUERY__NODE__NODE_TYPE_CAST &&
                   a->type_cast->arg->node_case == PG_QUERY__NODE__NODE_A_CONST &&
                   a->type_cast->arg->a_const->val_case == PG_QUERY__A__CONST__VAL_SVAL) {
            PgQuery__TypeName *tn = a->type_cast->type_name;
            const char *last = tn != NULL && tn->n_names > 0 ? pn_str(tn->names[tn->n_names - 1])
                                                             : NULL;
            if (last != NULL && strcmp(last, "interval") == 0) {
                /* SET TIME ZONE INTERVAL '+02:00' HOUR TO MINUTE: as PostgreSQL flattens it,
                   for check_timezone (dt_tz_setting) to read */
                sb_printf(&sb, "interval '%s'", a->type_cast->arg->a_const->sval->sval);
            } else {
                sb_puts(&sb, a->type_cast->arg->a_const->sval->sval);
            }
        }
    }
    int32_t rc = sess_set_scoped(s, name, sb.d, vs->is_local, &ignored, err);
    sb_free(&sb);
    return rc;
}
