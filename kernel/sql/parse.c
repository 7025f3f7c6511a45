/* kernel/sql/parse.c -- the parser adapter over libpg_query's protobuf output. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "sql/sqlint.h"

int32_t sql_parse(const char *sql, PgQuery__ParseResult **out, helios_err_t *err)
{
    PgQueryProtobufParseResult r = pg_query_parse_protobuf(sql);
    int32_t rc = 0;
    if (r.error != NULL) {
        const char *m = r.error->message != NULL ? r.error->message : "syntax error";
        int32_t code = HELIOS_ERR_SYNTAX_ERROR;
        if (strstr(m, "unterminated") != NULL || strstr(m, "syntax error") != NULL) {
            code = HELIOS_ERR_SYNTAX_ERROR;
        }
        rc = sql_err(err, code, "%s", m);
        if (err != NULL) {
            err->position = r.error->cursorpos;
        }
        goto failed;
    }
    PgQuery__ParseResult *pr = pg_query__parse_result__unpack(
        NULL, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
    if (pr == NULL) {
        rc = sql_err(err, HELIOS_ERR_INTERNAL_ERROR, "could not decode the parse tree");
        goto failed;
    }
    *out = pr;
failed:
    pg_query_free_protobuf_parse_result(r);
    return rc;
}

void sql_parse_free(PgQuery__ParseResult *pr)
{
    if (pr != NULL) {
        pg_query__parse_result__free_unpacked(pr, NULL);
    }
}

void sql_parse_free_v(void *pr)
{
    sql_parse_free(pr);
}

const char *pn_str(pnode_t *n)
{
    if (n != NULL && n->node_case == PG_QUERY__NODE__NODE_STRING) {
        return n->string->sval;
    }
    return NULL;
}

char *sql_name_lower(arena_t *a, const char *s)
{
    char *r = ar_strdup(a, s);
    for (char *p = r; *p; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    return r;
}

/* deparse one expression node back to SQL text (used to store defaults, checks and views) */
char *sql_deparse_expr(arena_t *a, pnode_t *n)
{
    PgQuery__ResTarget rt = PG_QUERY__RES_TARGET__INIT;
    rt.val = n;
    PgQuery__Node rtn = PG_QUERY__NODE__INIT;
    rtn.node_case = PG_QUERY__NODE__NODE_RES_TARGET;
    rtn.res_target = &rt;
    PgQuery__Node *tl[1] = {&rtn};
    PgQuery__SelectStmt sel = PG_QUERY__SELECT_STMT__INIT;
    sel.n_target_list = 1;
    sel.target_list = tl;
    sel.op = PG_QUERY__SET_OPERATION__SETOP_NONE;
    sel.limit_option = PG_QUERY__LIMIT_OPTION__LIMIT_OPTION_DEFAULT;
    PgQuery__Node seln = PG_QUERY__NODE__INIT;
    seln.node_case = PG_QUERY__NODE__NODE_SELECT_STMT;
    seln.select_stmt = &sel;
    pnode_t *root = n;
    int whole = n->node_case == PG_QUERY__NODE__NODE_SELECT_STMT;
    if (!whole) {
        root = &seln;
    }
    PgQuery__RawStmt raw = PG_QUERY__RAW_STMT__INIT;
    raw.stmt = root;
    PgQuery__RawStmt *rl[1] = {&raw};
    PgQuery__ParseResult pr = PG_QUERY__PARSE_RESULT__INIT;
    pr.version = 150001;
    pr.n_stmts = 1;
    pr.stmts = rl;
    size_t len = pg_query__parse_result__get_packed_size(&pr);
    uint8_t *buf = malloc(len + 1);
    if (buf == NULL) {
        return NULL;
    }
    pg_query__parse_result__pack(&pr, buf);
    PgQueryProtobuf pb = {.len = len, .data = (char *)buf};
    PgQueryDeparseResult d = pg_query_deparse_protobuf(pb);
    free(buf);
    char *res = NULL;
    if (d.error == NULL && d.query != NULL) {
        const char *q = d.query;
        if (!whole && strncmp(q, "SELECT ", 7) == 0) {
            q += 7;
        }
        res = ar_strdup(a, q);
    }
    pg_query_free_deparse_result(d);
    return res;
}
