/*
 * pg_cursor.c -- SQL cursors (DECLARE / FETCH / MOVE / CLOSE) on the simple query path.
 *
 * In PostgreSQL a cursor *is* a portal: DECLARE creates a named portal, FETCH executes it with
 * a row count, CLOSE drops it, and protocol portals and cursors share one namespace. The
 * session API already has portals with row limits (execute + HELIOS_SUSPENDED), so the plugin
 * implements these four statements on it, sharing the connection's portal map. Drivers use
 * them for server-side cursors (psycopg2's named cursors send DECLARE, FETCH FORWARD n, CLOSE).
 *
 * Supported: DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [NO SCROLL] CURSOR
 * [WITH HOLD | WITHOUT HOLD] FOR query; FETCH / MOVE [NEXT | FORWARD [n | ALL] | n | ALL]
 * [FROM | IN] name; CLOSE name | ALL. Backward and absolute positioning (SCROLL) are 0A000.
 * A cursor WITHOUT HOLD needs a transaction block (25P01) and ends with it.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pg_internal.h"

#define PG_NAME_MAX 64

static void pg_skip(const char **p)
{
    for (;;) {
        while (isspace((unsigned char)**p)) {
            (*p)++;
        }
        if ((*p)[0] == '-' && (*p)[1] == '-') {
            while (**p != '\0' && **p != '\n') {
                (*p)++;
            }
            continue;
        }
        return;
    }
}

static int pg_ident_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_' || ch == '$';
}

/* Match keyword `w` (case-insensitive, whole word) and advance past it. */
static int pg_kw(const char **p, const char *w)
{
    pg_skip(p);
    size_t n = strlen(w);
    if (strncasecmp(*p, w, n) != 0 || pg_ident_char((*p)[n])) {
        return 0;
    }
    *p += n;
    return 1;
}

/* An identifier: "quoted" (with "" for a quote) or plain (folded to lower case). */
static int pg_ident(const char **p, char *out, size_t cap)
{
    pg_skip(p);
    size_t o = 0;
    const char *s = *p;
    if (*s == '"') {
        s++;
        for (;;) {
            if (*s == '\0') {
                return 0;
            }
            if (*s == '"') {
                if (s[1] != '"') {
                    s++;
                    break;
                }
                s++;
            }
            if (o + 1 >= cap) {
                return 0;
            }
            out[o++] = *s++;
        }
        if (o == 0) {
            return 0;
        }
    } else {
        if (!(isalpha((unsigned char)*s) || *s == '_')) {
            return 0;
        }
        while (pg_ident_char(*s)) {
            if (o + 1 >= cap) {
                return 0;
            }
            out[o++] = (char)tolower((unsigned char)*s++);
        }
    }
    out[o] = '\0';
    *p = s;
    return 1;
}

/* Only whitespace, comments and semicolons remain. */
static int pg_at_end(const char *p)
{
    for (;;) {
        pg_skip(&p);
        if (*p == ';') {
            p++;
            continue;
        }
        return *p == '\0';
    }
}

static int pg_number(const char **p, int64_t *v)
{
    pg_skip(p);
    const char *s = *p;
    int neg = 0;
    if (*s == '+' || *s == '-') {
        neg = *s == '-';
        s++;
    }
    if (!isdigit((unsigned char)*s)) {
        return 0;
    }
    int64_t n = 0;
    while (isdigit((unsigned char)*s)) {
        if (n > (INT64_MAX - 9) / 10) {
            return 0;
        }
        n = n * 10 + (*s++ - '0');
    }
    if (pg_ident_char(*s)) {
        return 0;
    }
    *v = neg ? -n : n;
    *p = s;
    return 1;
}

static void pg_tag(pg_conn_t *c, const char *tag)
{
    pg_out_begin(c, 'C');
    pg_out_str(c, tag);
    pg_out_end(c);
}

static int32_t pg_syntax(pg_conn_t *c, const char *what)
{
    pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_SYNTAX_ERROR, "syntax error in %s", what);
    return 1;
}

static int32_t pg_failed_block(pg_conn_t *c)
{
    if (c->api->txn_status(c->session) != 'E') {
        return 0;
    }
    pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_IN_FAILED_SQL_TRANSACTION,
                   "current transaction is aborted, commands ignored until end of transaction "
                   "block");
    return 1;
}

static int32_t pg_declare(pg_conn_t *c, const char *p)
{
    char name[PG_NAME_MAX];
    int16_t format = HELIOS_FORMAT_TEXT;
    uint32_t hold = 0;
    helios_err_t err = HELIOS_ERR_INIT;
    if (!pg_ident(&p, name, sizeof(name))) {
        return pg_syntax(c, "DECLARE");
    }
    for (;;) {
        if (pg_kw(&p, "binary")) {
            format = HELIOS_FORMAT_BINARY;
        } else if (pg_kw(&p, "asensitive") || pg_kw(&p, "insensitive")) {
            continue;
        } else if (pg_kw(&p, "no")) {
            if (!pg_kw(&p, "scroll")) {
                return pg_syntax(c, "DECLARE");
            }
        } else if (pg_kw(&p, "scroll")) {
            pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                           "scrollable cursors are not supported");
            return 1;
        } else {
            break;
        }
    }
    if (!pg_kw(&p, "cursor")) {
        return pg_syntax(c, "DECLARE");
    }
    if (pg_kw(&p, "with")) {
        if (!pg_kw(&p, "hold")) {
            return pg_syntax(c, "DECLARE");
        }
        hold = 1;
    } else if (pg_kw(&p, "without")) {
        if (!pg_kw(&p, "hold")) {
            return pg_syntax(c, "DECLARE");
        }
    }
    if (!pg_kw(&p, "for")) {
        return pg_syntax(c, "DECLARE");
    }
    if (pg_failed_block(c)) {
        return 1;
    }
    if (!hold && c->api->txn_status(c->session) != 'T') {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_NO_ACTIVE_SQL_TRANSACTION,
                       "DECLARE CURSOR can only be used in transaction blocks");
        return 1;
    }
    if (pg_map_get(&c->portals, name) != NULL) {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_DUPLICATE_CURSOR,
                       "cursor \"%s\" already exists", name);
        return 1;
    }
    pg_stmt_t *s = c->host->calloc(c->host, 1, sizeof(*s));
    if (s == NULL) {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        return 1;
    }
    /* drop trailing semicolons: prepare takes exactly one statement */
    size_t len = strlen(p);
    while (len > 0 && (p[len - 1] == ';' || isspace((unsigned char)p[len - 1]))) {
        len--;
    }
    int32_t rc = c->api->prepare(c->session, p, (uint32_t)len, 0, NULL, &s->st, &err);
    if (rc != 0) {
        c->host->free(c->host, s);
        goto failed;
    }
    s->refs = 1;
    if (c->api->stmt_params(s->st, &s->n_params, &s->param_types) != 0) {
        s->n_params = 0;
    }
    if (c->api->stmt_columns(s->st, &s->n_cols, &s->cols) != 0) {
        s->n_cols = 0;
        s->cols = NULL;
    }
    if (s->n_cols == 0) {
        pg_ext_free_stmt(c, s);
        rc = c->host->err_set(&err, HELIOS_ERR_INVALID_CURSOR_DEFINITION,
                              "cursor can only scan a query that returns rows");
        goto failed;
    }
    pg_portal_t *portal = NULL;
    rc = pg_ext_new_portal(c, s, name, format, &portal, &err);
    pg_ext_free_stmt(c, s); /* the portal holds its own reference */
    if (rc != 0) {
        goto failed;
    }
    portal->cursor = 1;
    portal->hold = hold;
    pg_tag(c, "DECLARE CURSOR");
    return 0;
failed:
    if (err.code == 0) {
        err.code = rc;
    }
    pg_send_error(c, &err, 0);
    return 1;
}

/* FETCH and MOVE. */
static int32_t pg_fetch(pg_conn_t *c, const char *p, int move)
{
    const char *what = move ? "MOVE" : "FETCH";
    int64_t count = 1;
    int all = 0;
    char name[PG_NAME_MAX];
    helios_err_t err = HELIOS_ERR_INIT;
    if (pg_kw(&p, "next")) {
        count = 1;
    } else if (pg_kw(&p, "forward")) {
        if (pg_kw(&p, "all")) {
            all = 1;
        } else {
            (void)pg_number(&p, &count);
        }
    } else if (pg_kw(&p, "all")) {
        all = 1;
    } else if (pg_kw(&p, "prior") || pg_kw(&p, "first") || pg_kw(&p, "last") ||
               pg_kw(&p, "absolute") || pg_kw(&p, "relative") || pg_kw(&p, "backward")) {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                       "cursor can only scan forward");
        return 1;
    } else {
        (void)pg_number(&p, &count);
    }
    if (!all && count <= 0) {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                       "cursor can only scan forward");
        return 1;
    }
    if (!(pg_kw(&p, "from") || pg_kw(&p, "in"))) {
        /* FROM/IN is optional */
    }
    if (!pg_ident(&p, name, sizeof(name)) || !pg_at_end(p)) {
        return pg_syntax(c, what);
    }
    if (pg_failed_block(c)) {
        return 1;
    }
    pg_portal_t *portal = pg_map_get(&c->portals, name);
    if (portal == NULL) {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_INVALID_CURSOR_NAME,
                       "cursor \"%s\" does not exist", name);
        return 1;
    }
    if (!move) {
        pg_send_row_description(c, portal->n_cols, portal->stmt->cols, portal->formats,
                                portal->n_cols);
    }
    c->cur_rows = 0;
    int32_t rc = 0;
    if (!portal->done) {
        c->sink_mode = move ? PG_SINK_MOVE : PG_SINK_FETCH;
        c->cur_formats = portal->formats;
        c->cur_n_formats = portal->n_cols;
        rc = c->api->execute(portal->p, all ? 0 : (uint64_t)count, &c->sink, &err);
        c->sink_mode = PG_SINK_SIMPLE;
        c->cur_formats = NULL;
        c->cur_n_formats = 0;
        if (rc == 0) {
            portal->done = 1;
        }
    }
    if (rc > 0) {
        if (err.code == 0) {
            err.code = rc;
        }
        pg_send_error(c, &err, 0);
        return 1;
    }
    char tag[48];
    snprintf(tag, sizeof(tag), "%s %llu", what, (unsigned long long)c->cur_rows);
    pg_tag(c, tag);
    return 0;
}

static int32_t pg_close_cursor(pg_conn_t *c, const char *p)
{
    char name[PG_NAME_MAX];
    if (pg_kw(&p, "all")) {
        if (!pg_at_end(p)) {
            return pg_syntax(c, "CLOSE");
        }
        /* every cursor, held or not; protocol portals stay */
        for (uint32_t i = 0; i < PG_MAP_BUCKETS; i++) {
            for (pg_map_entry_t *e = c->portals.b[i]; e != NULL;) {
                pg_map_entry_t *next = e->next;
                pg_portal_t *portal = e->value;
                if (portal->cursor) {
                    pg_ext_free_portal(c, pg_map_take(c, &c->portals, e->name));
                }
                e = next;
            }
        }
        pg_tag(c, "CLOSE CURSOR");
        return 0;
    }
    if (!pg_ident(&p, name, sizeof(name)) || !pg_at_end(p)) {
        return pg_syntax(c, "CLOSE");
    }
    if (pg_failed_block(c)) {
        return 1;
    }
    pg_portal_t *portal = pg_map_take(c, &c->portals, name);
    if (portal == NULL) {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_INVALID_CURSOR_NAME,
                       "cursor \"%s\" does not exist", name);
        return 1;
    }
    pg_ext_free_portal(c, portal);
    pg_tag(c, "CLOSE CURSOR");
    return 0;
}

int32_t pg_cursor_try(pg_conn_t *c, const char *sql)
{
    const char *p = sql;
    if (pg_kw(&p, "declare")) {
        /* DECLARE ... FOR query: one statement; a ';' followed by more is left to the engine */
        const char *semi = strchr(p, ';');
        if (semi != NULL && !pg_at_end(semi)) {
            return 0;
        }
        (void)pg_declare(c, p);
        return 1;
    }
    if (pg_kw(&p, "fetch")) {
        (void)pg_fetch(c, p, 0);
        return 1;
    }
    if (pg_kw(&p, "move")) {
        (void)pg_fetch(c, p, 1);
        return 1;
    }
    if (pg_kw(&p, "close")) {
        (void)pg_close_cursor(c, p);
        return 1;
    }
    return 0;
}
