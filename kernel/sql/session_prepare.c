/* kernel/sql/session_prepare.c -- SQL-level PREPARE name [(types)] AS ..., EXECUTE name (args)
 * and DEALLOCATE [PREPARE] name | ALL. A prepared statement is a session API statement
 * (helios_stmt_t) kept under its name in the session; EXECUTE evaluates its arguments as the
 * select list of a SELECT over the argument list's text and runs the statement with them. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "sql/bind.h"
#include "sql/session_stmt.h"
#include "sql/sqlint.h"

/* past one identifier (bare or double-quoted) or keyword, and the blanks after it */
static const char *skip_word(const char *p, const char *end)
{
    if (p < end && *p == '"') {
        for (p++; p < end; p++) {
            if (*p == '"' && p + 1 < end && p[1] == '"') p++;
            else if (*p == '"') {
                p++;
                break;
            }
        }
    } else {
        while (p < end && (isalnum((unsigned char)*p) || *p == '_' || *p == '$' || (*p & 0x80))) p++;
    }
    while (p < end && isspace((unsigned char)*p)) p++;
    return p;
}

/* at '(': past the matching ')' (quotes and nesting respected); NULL when unbalanced */
static const char *skip_parens(const char *p, const char *end)
{
    int depth = 0;
    for (; p < end; p++) {
        if (*p == '\'' || *p == '"') {
            char q = *p;
            for (p++; p < end && !(*p == q && (p + 1 >= end || p[1] != q)); p++) {
                if (*p == q) p++; /* a doubled quote */
            }
            if (p >= end) return NULL;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')' && --depth == 0) {
            return p + 1;
        }
    }
    return NULL;
}

named_stmt_t *sess_find_named(helios_session_t *s, const char *name)
{
    for (uint32_t i = 0; i < s->n_named; i++) {
        if (strcmp(s->named[i].name, name) == 0) return &s->named[i];
    }
    return NULL;
}

int32_t sql_prepare_stmt(helios_session_t *s, stmt_plan_t *sp, const helios_sink_t *sink,
                                helios_err_t *err)
{
    PgQuery__PrepareStmt *ps = sp->node->prepare_stmt;
    if (sess_find_named(s, ps->name) != NULL) {
        return sql_err(err, HELIOS_ERR_DUPLICATE_PREPARED_STATEMENT, "prepared statement \"%s\" already exists",
                       ps->name);
    }
    /* PREPARE name [(type, ...)] AS statement: the statement's own text */
    const char *p = sp->sql, *end = sp->sql + sp->sql_len;
    while (p < end && isspace((unsigned char)*p)) p++;
    p = skip_word(skip_word(p, end), end); /* PREPARE name */
    if (p < end && *p == '(') {
        p = skip_parens(p, end);
        while (p != NULL && p < end && isspace((unsigned char)*p)) p++;
    }
    if (p == NULL || end - p < 3 || strncasecmp(p, "as", 2) != 0 || !isspace((unsigned char)p[2])) {
        return sql_err(err, HELIOS_ERR_SYNTAX_ERROR, "syntax error in PREPARE");
    }
    p = skip_word(p, end);
    while (end > p && (isspace((unsigned char)end[-1]) || end[-1] == ';')) end--;
    uint32_t types[64];
    uint32_t n = (uint32_t)ps->n_argtypes;
    if (n > 64) return sql_err(err, HELIOS_ERR_TOO_MANY_ARGUMENTS, "too many parameter types");
    arena_t a = {0};
    bind_ctx_t bc = {.s = s, .eng = s->eng, .a = &a, .err = err};
    int32_t rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        int32_t tm;
        if (ps->argtypes[i]->node_case != PG_QUERY__NODE__NODE_TYPE_NAME) {
            rc = sql_err(err, HELIOS_ERR_SYNTAX_ERROR, "syntax error in PREPARE");
        } else {
            rc = bind_typename(&bc, ps->argtypes[i]->type_name, &types[i], &tm);
        }
    }
    ar_free(&a);
    if (rc != 0) return rc;
    helios_stmt_t *st;
    if ((rc = sess_stmt_prepare(s, p, (uint32_t)(end - p), n, types, &st, err)) != 0) return rc;
    named_stmt_t *nn = realloc(s->named, sizeof(named_stmt_t) * (s->n_named + 1));
    char *nm = strdup(ps->name);
    if (nn != NULL) s->named = nn;
    if (nn == NULL || nm == NULL) {
        free(nm);
        sess_stmt_close(st);
        return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    s->named[s->n_named].name = nm;
    s->named[s->n_named++].st = st;
    return sink->complete(sink->ctx, "PREPARE");
}

int32_t sql_execute_stmt(helios_session_t *s, stmt_plan_t *sp, const helios_sink_t *sink,
                                uint64_t max_rows, helios_err_t *err)
{
    PgQuery__ExecuteStmt *es = sp->node->execute_stmt;
    named_stmt_t *ns = sess_find_named(s, es->name);
    if (ns == NULL) {
        return sql_err(err, HELIOS_ERR_INVALID_SQL_STATEMENT_NAME,
                       "prepared statement \"%s\" does not exist", es->name);
    }
    helios_stmt_t *st = ns->st;
    uint32_t n = (uint32_t)es->n_params;
    if (n != st->n_params) {
        sql_err(err, HELIOS_ERR_SYNTAX_ERROR, "wrong number of parameters for prepared statement \"%s\"",
                es->name);
        sql_err_detail(err, "Expected %u parameters but got %u.", st->n_params, n);
        return HELIOS_ERR_SYNTAX_ERROR;
    }
    arena_t pa = {0};
    val_t *params = NULL;
    int32_t rc = 0;
    if (n > 0) {
        /* the arguments are expressions: evaluate them as the select list of a SELECT over
           the argument list's own text, then coerce each to its parameter's type */
        const char *p = sp->sql, *end = sp->sql + sp->sql_len;
        while (p < end && *p != '(') {
            if (*p == '"') p = skip_word(p, end);
            else p++;
        }
        const char *close = p < end ? skip_parens(p, end) : NULL;
        if (close == NULL) return sql_err(err, HELIOS_ERR_SYNTAX_ERROR, "syntax error in EXECUTE");
        char *q = ar_printf(&pa, "SELECT %.*s", (int)(close - p - 2), p + 1);
        cached_q_t *cq;
        if ((rc = sess_get_cached(s, q, (uint32_t)strlen(q), 0, NULL, &cq, err)) != 0) {
            ar_free(&pa);
            return rc;
        }
        rowset_t rows = {0};
        if (cq->n_stmts != 1 || cq->stmts[0] == NULL || cq->stmts[0]->kind != S_SELECT) {
            rc = sql_err(err, HELIOS_ERR_SYNTAX_ERROR, "syntax error in EXECUTE");
        } else {
            rc = sess_run_plan(s, cq->stmts[0], &pa, &rows, err);
        }
        if (rc == 0 && (rows.n != 1 || rows.width < n)) {
            rc = sql_err(err, HELIOS_ERR_SYNTAX_ERROR, "syntax error in EXECUTE");
        }
        params = rc == 0 ? ar_alloc(&pa, sizeof(val_t) * n) : NULL;
        for (uint32_t i = 0; rc == 0 && i < n; i++) {
            const val_t *v = &rows.rows[0][i];
            uint32_t t = st->param_types != NULL ? st->param_types[i] : 0;
            if (v->null || t == 0 || v->t == t) {
                params[i] = *v;
                if (v->null) params[i].t = t;
            } else {
                rc = val_cast(&pa, v, t, -1, &params[i], 0, err);
                if (rc != 0) {
                    /* an unknown-typed literal converts like input text, as PostgreSQL's */
                    helios_err_t e2 = HELIOS_ERR_INIT;
                    uint32_t tl;
                    const char *txt = val_text(&pa, v, &tl);
                    rc = val_from_text(&pa, t, -1, txt, tl, &params[i], &e2);
                    if (rc != 0) *err = e2;
                }
            }
        }
        sess_release_cached(s, cq);
        if (rc != 0) {
            ar_free(&pa);
            return rc;
        }
    }
    stmt_plan_t *inner = st->sp;
    if (st->cq != NULL && inner->kind != S_UTILITY && inner->kind != S_EMPTY &&
        st->cq->cat_version != s->eng->cat.version) {
        rc = sess_rebind(s, st->cq, 0, err);
        if (rc == 0) st->sp = inner = st->cq->stmts[0];
    }
    if (rc == 0) rc = sess_run_stmt(s, inner, params, n, sink, max_rows, err);
    ar_free(&pa);
    return rc;
}

int32_t sql_deallocate_stmt(helios_session_t *s, stmt_plan_t *sp, const helios_sink_t *sink,
                                   helios_err_t *err)
{
    PgQuery__DeallocateStmt *ds = sp->node->deallocate_stmt;
    if (ds->name == NULL || ds->name[0] == '\0') { /* DEALLOCATE ALL */
        for (uint32_t i = 0; i < s->n_named; i++) {
            sess_stmt_close(s->named[i].st);
            free(s->named[i].name);
        }
        s->n_named = 0;
        return sink->complete(sink->ctx, "DEALLOCATE ALL");
    }
    named_stmt_t *ns = sess_find_named(s, ds->name);
    if (ns == NULL) {
        return sql_err(err, HELIOS_ERR_INVALID_SQL_STATEMENT_NAME,
                       "prepared statement \"%s\" does not exist", ds->name);
    }
    sess_stmt_close(ns->st);
    free(ns->name);
    *ns = s->named[--s->n_named];
    return sink->complete(sink->ctx, "DEALLOCATE");
}
