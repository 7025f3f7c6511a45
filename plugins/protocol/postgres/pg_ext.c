/*
 * pg_ext.c -- the extended query protocol: named and unnamed prepared statements and portals,
 * Parse / Bind / Describe / Execute / Close.
 *
 * A statement wrapper is reference counted (the name map holds one reference, every portal
 * bound from it another) so closing a statement leaves its portals usable, as in PostgreSQL.
 */
#include <string.h>

#include "pg_internal.h"

#define PG_INLINE_PARAMS 32u

/* ---- name maps ---- */

static uint32_t pg_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s != '\0'; s++) {
        h = (h ^ (uint8_t)*s) * 16777619u;
    }
    return h % PG_MAP_BUCKETS;
}

void pg_map_init(pg_map_t *m)
{
    memset(m, 0, sizeof(*m));
}

void *pg_map_get(const pg_map_t *m, const char *name)
{
    for (pg_map_entry_t *e = m->b[pg_hash(name)]; e != NULL; e = e->next) {
        if (strcmp(e->name, name) == 0) {
            return e->value;
        }
    }
    return NULL;
}

int32_t pg_map_put(pg_conn_t *c, pg_map_t *m, const char *name, void *value)
{
    size_t n = strlen(name);
    pg_map_entry_t *e = c->host->alloc(c->host, sizeof(*e) + n + 1);
    if (e == NULL) {
        return -1;
    }
    memcpy(e->name, name, n + 1);
    e->value = value;
    uint32_t h = pg_hash(name);
    e->next = m->b[h];
    m->b[h] = e;
    m->count++;
    return 0;
}

/* Removes the entry; the caller frees the value. Returns NULL when absent. */
void *pg_map_take(pg_conn_t *c, pg_map_t *m, const char *name)
{
    pg_map_entry_t **pp = &m->b[pg_hash(name)];
    for (; *pp != NULL; pp = &(*pp)->next) {
        pg_map_entry_t *e = *pp;
        if (strcmp(e->name, name) == 0) {
            void *v = e->value;
            *pp = e->next;
            m->count--;
            c->host->free(c->host, e);
            return v;
        }
    }
    return NULL;
}

/* ---- statements and portals ---- */

static void pg_stmt_unref(pg_conn_t *c, pg_stmt_t *s)
{
    if (s != NULL && --s->refs == 0) {
        c->api->stmt_close(s->st);
        c->host->free(c->host, s);
    }
}

static void pg_portal_free(pg_conn_t *c, pg_portal_t *p)
{
    if (p == NULL) {
        return;
    }
    c->api->portal_close(p->p);
    pg_stmt_unref(c, p->stmt);
    if (p->formats != NULL) {
        c->host->free(c->host, p->formats);
    }
    c->host->free(c->host, p);
}

static void pg_map_clear(pg_conn_t *c, pg_map_t *m, int portals)
{
    for (uint32_t i = 0; i < PG_MAP_BUCKETS; i++) {
        pg_map_entry_t *e = m->b[i];
        while (e != NULL) {
            pg_map_entry_t *next = e->next;
            if (portals) {
                pg_portal_free(c, e->value);
            } else {
                pg_stmt_unref(c, e->value);
            }
            c->host->free(c->host, e);
            e = next;
        }
        m->b[i] = NULL;
    }
    m->count = 0;
}

void pg_ext_drop_portal(pg_conn_t *c, const char *name)
{
    pg_portal_free(c, pg_map_take(c, &c->portals, name));
}

void pg_ext_close_all_portals(pg_conn_t *c)
{
    if (c->portals.count == 0) {
        return;
    }
    for (uint32_t i = 0; i < PG_MAP_BUCKETS; i++) {
        pg_map_entry_t **pp = &c->portals.b[i];
        while (*pp != NULL) {
            pg_map_entry_t *e = *pp;
            pg_portal_t *p = e->value;
            if (p->hold) {
                pp = &e->next;
                continue;
            }
            *pp = e->next;
            c->portals.count--;
            pg_portal_free(c, p);
            c->host->free(c->host, e);
        }
    }
}

void pg_ext_free_stmt(pg_conn_t *c, pg_stmt_t *s)
{
    pg_stmt_unref(c, s);
}

void pg_ext_free_portal(pg_conn_t *c, pg_portal_t *p)
{
    pg_portal_free(c, p);
}

int32_t pg_ext_new_portal(pg_conn_t *c, pg_stmt_t *s, const char *name, int16_t format,
                          pg_portal_t **out, helios_err_t *err)
{
    pg_portal_t *p = c->host->calloc(c->host, 1, sizeof(*p));
    if (p == NULL) {
        return c->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    p->n_cols = s->n_cols;
    if (s->n_cols > 0) {
        p->formats = c->host->alloc(c->host, sizeof(int16_t) * s->n_cols);
        if (p->formats == NULL) {
            c->host->free(c->host, p);
            return c->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
        for (uint32_t i = 0; i < s->n_cols; i++) {
            p->formats[i] = format;
        }
    }
    int32_t rc = c->api->bind(s->st, 0, NULL, &p->p, err);
    if (rc != 0) {
        c->host->free(c->host, p->formats);
        c->host->free(c->host, p);
        return rc;
    }
    p->stmt = s;
    s->refs++;
    if (pg_map_put(c, &c->portals, name, p) != 0) {
        pg_portal_free(c, p);
        return c->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    *out = p;
    return 0;
}

void pg_ext_free_all(pg_conn_t *c)
{
    pg_map_clear(c, &c->portals, 1);
    pg_map_clear(c, &c->stmts, 0);
}

static int32_t pg_bad_message(pg_conn_t *c, const char *what)
{
    pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_PROTOCOL_VIOLATION, "invalid %s message format",
                   what);
    return 1;
}

static int32_t pg_oom(pg_conn_t *c)
{
    pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    return 1;
}

static int32_t pg_fail(pg_conn_t *c, int32_t rc, helios_err_t *err)
{
    if (err->code == 0) {
        err->code = rc;
    }
    pg_send_error(c, err, 0);
    return 1;
}

int32_t pg_ext_parse(pg_conn_t *c, const uint8_t *body, size_t len)
{
    pg_cursor_t cur;
    pg_cur_init(&cur, body, len);
    const char *name = pg_cur_str(&cur);
    const char *sql = pg_cur_str(&cur);
    int16_t n_types = pg_cur_i16(&cur);
    uint32_t types_inline[PG_INLINE_PARAMS];
    uint32_t *types = types_inline;
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t ret = 1;
    if (name == NULL || sql == NULL || cur.bad || n_types < 0) {
        return pg_bad_message(c, "Parse");
    }
    if ((uint32_t)n_types > PG_INLINE_PARAMS) {
        types = c->host->alloc(c->host, sizeof(uint32_t) * (size_t)n_types);
        if (types == NULL) {
            return pg_oom(c);
        }
    }
    for (int16_t i = 0; i < n_types; i++) {
        types[i] = (uint32_t)pg_cur_i32(&cur);
    }
    if (cur.bad || cur.pos != len) {
        ret = pg_bad_message(c, "Parse");
        goto failed;
    }
    if (name[0] != '\0' && pg_map_get(&c->stmts, name) != NULL) {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_DUPLICATE_PREPARED_STATEMENT,
                       "prepared statement \"%s\" already exists", name);
        goto failed;
    }
    pg_stmt_t *s = c->host->calloc(c->host, 1, sizeof(*s));
    if (s == NULL) {
        ret = pg_oom(c);
        goto failed;
    }
    int32_t rc = c->api->prepare(c->session, sql, (uint32_t)strlen(sql), (uint32_t)n_types, types,
                                 &s->st, &err);
    if (rc != 0) {
        c->host->free(c->host, s);
        ret = pg_fail(c, rc, &err);
        goto failed;
    }
    s->refs = 1;
    if (c->api->stmt_params(s->st, &s->n_params, &s->param_types) != 0) {
        s->n_params = 0;
        s->param_types = NULL;
    }
    if (c->api->stmt_columns(s->st, &s->n_cols, &s->cols) != 0) {
        s->n_cols = 0;
        s->cols = NULL;
    }
    if (name[0] == '\0') {
        pg_stmt_unref(c, pg_map_take(c, &c->stmts, ""));
    }
    if (pg_map_put(c, &c->stmts, name, s) != 0) {
        pg_stmt_unref(c, s);
        ret = pg_oom(c);
        goto failed;
    }
    pg_out_begin(c, '1');
    pg_out_end(c);
    ret = 0;
failed:
    if (types != types_inline) {
        c->host->free(c->host, types);
    }
    return ret;
}

static int32_t pg_no_stmt(pg_conn_t *c, const char *name)
{
    if (name[0] == '\0') {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_INVALID_SQL_STATEMENT_NAME,
                       "unnamed prepared statement does not exist");
    } else {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_INVALID_SQL_STATEMENT_NAME,
                       "prepared statement \"%s\" does not exist", name);
    }
    return 1;
}

static int32_t pg_no_portal(pg_conn_t *c, const char *name)
{
    if (name[0] == '\0') {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_INVALID_CURSOR_NAME,
                       "unnamed portal does not exist");
    } else {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_INVALID_CURSOR_NAME,
                       "portal \"%s\" does not exist", name);
    }
    return 1;
}

int32_t pg_ext_bind(pg_conn_t *c, const uint8_t *body, size_t len)
{
    pg_cursor_t cur;
    pg_cur_init(&cur, body, len);
    const char *pname = pg_cur_str(&cur);
    const char *sname = pg_cur_str(&cur);
    helios_param_t params_inline[PG_INLINE_PARAMS];
    helios_param_t *params = params_inline;
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t ret = 1;
    if (pname == NULL || sname == NULL) {
        return pg_bad_message(c, "Bind");
    }
    int16_t n_fmt = pg_cur_i16(&cur);
    const uint8_t *fmts = n_fmt > 0 ? pg_cur_bytes(&cur, 2 * (size_t)n_fmt) : NULL;
    int16_t n_params = pg_cur_i16(&cur);
    if (cur.bad || n_fmt < 0 || n_params < 0) {
        return pg_bad_message(c, "Bind");
    }
    pg_stmt_t *s = pg_map_get(&c->stmts, sname);
    if (s == NULL) {
        return pg_no_stmt(c, sname);
    }
    if (n_fmt > 1 && n_fmt != n_params) {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_PROTOCOL_VIOLATION,
                       "bind message has %d parameter formats but %d parameters", n_fmt, n_params);
        return 1;
    }
    if ((uint32_t)n_params != s->n_params) {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_PROTOCOL_VIOLATION,
                       "bind message supplies %d parameters, but prepared statement \"%s\" "
                       "requires %u",
                       n_params, sname, s->n_params);
        return 1;
    }
    if ((uint32_t)n_params > PG_INLINE_PARAMS) {
        params = c->host->calloc(c->host, (size_t)n_params, sizeof(*params));
        if (params == NULL) {
            return pg_oom(c);
        }
    }
    for (int16_t i = 0; i < n_params; i++) {
        uint32_t f = 0;
        if (n_fmt == 1) {
            f = ((uint32_t)fmts[0] << 8) | fmts[1];
        } else if (n_fmt > 1) {
            f = ((uint32_t)fmts[2 * i] << 8) | fmts[2 * i + 1];
        }
        int32_t plen = pg_cur_i32(&cur);
        memset(&params[i], 0, sizeof(params[i]));
        params[i].format = f;
        if (f > 1) {
            pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_PROTOCOL_VIOLATION,
                           "unsupported format code: %u", f);
            goto failed;
        }
        if (plen == -1) {
            params[i].is_null = 1;
        } else if (plen < 0) {
            ret = pg_bad_message(c, "Bind");
            goto failed;
        } else {
            params[i].data = pg_cur_bytes(&cur, (size_t)plen);
            params[i].len = (uint32_t)plen;
        }
        if (cur.bad) {
            ret = pg_bad_message(c, "Bind");
            goto failed;
        }
    }
    int16_t n_res = pg_cur_i16(&cur);
    const uint8_t *res = n_res > 0 ? pg_cur_bytes(&cur, 2 * (size_t)n_res) : NULL;
    if (cur.bad || n_res < 0 || cur.pos != len) {
        ret = pg_bad_message(c, "Bind");
        goto failed;
    }
    if (n_res > 1 && (uint32_t)n_res != s->n_cols) {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_PROTOCOL_VIOLATION,
                       "bind message has %d result formats but query has %u columns", n_res,
                       s->n_cols);
        goto failed;
    }
    if (pname[0] != '\0' && pg_map_get(&c->portals, pname) != NULL) {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_DUPLICATE_CURSOR,
                       "portal \"%s\" already exists", pname);
        goto failed;
    }
    pg_portal_t *p = c->host->calloc(c->host, 1, sizeof(*p));
    if (p == NULL) {
        ret = pg_oom(c);
        goto failed;
    }
    p->n_cols = s->n_cols;
    if (s->n_cols > 0) {
        p->formats = c->host->alloc(c->host, sizeof(int16_t) * s->n_cols);
        if (p->formats == NULL) {
            c->host->free(c->host, p);
            ret = pg_oom(c);
            goto failed;
        }
        for (uint32_t i = 0; i < s->n_cols; i++) {
            uint32_t f = 0;
            if (n_res == 1) {
                f = ((uint32_t)res[0] << 8) | res[1];
            } else if (n_res > 1) {
                f = ((uint32_t)res[2 * i] << 8) | res[2 * i + 1];
            }
            if (f > 1) {
                c->host->free(c->host, p->formats);
                c->host->free(c->host, p);
                pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_PROTOCOL_VIOLATION,
                               "unsupported format code: %u", f);
                goto failed;
            }
            p->formats[i] = (int16_t)f;
        }
    }
    int32_t rc = c->api->bind(s->st, (uint32_t)n_params, params, &p->p, &err);
    if (rc != 0) {
        c->host->free(c->host, p->formats);
        c->host->free(c->host, p);
        ret = pg_fail(c, rc, &err);
        goto failed;
    }
    p->stmt = s;
    s->refs++;
    if (pname[0] == '\0') {
        pg_portal_free(c, pg_map_take(c, &c->portals, ""));
    }
    if (pg_map_put(c, &c->portals, pname, p) != 0) {
        pg_portal_free(c, p);
        ret = pg_oom(c);
        goto failed;
    }
    pg_out_begin(c, '2');
    pg_out_end(c);
    ret = 0;
failed:
    if (params != params_inline) {
        c->host->free(c->host, params);
    }
    return ret;
}

int32_t pg_ext_describe(pg_conn_t *c, const uint8_t *body, size_t len)
{
    pg_cursor_t cur;
    pg_cur_init(&cur, body, len);
    uint8_t kind = pg_cur_byte(&cur);
    const char *name = pg_cur_str(&cur);
    if (name == NULL || cur.pos != len || (kind != 'S' && kind != 'P')) {
        return pg_bad_message(c, "Describe");
    }
    if (kind == 'S') {
        pg_stmt_t *s = pg_map_get(&c->stmts, name);
        if (s == NULL) {
            return pg_no_stmt(c, name);
        }
        pg_out_begin(c, 't');
        pg_out_i16(c, (int16_t)s->n_params);
        for (uint32_t i = 0; i < s->n_params; i++) {
            pg_out_i32(c, (int32_t)s->param_types[i]);
        }
        pg_out_end(c);
        if (s->n_cols == 0) {
            pg_out_begin(c, 'n');
            pg_out_end(c);
        } else {
            pg_send_row_description(c, s->n_cols, s->cols, NULL, 0);
        }
        return 0;
    }
    pg_portal_t *p = pg_map_get(&c->portals, name);
    if (p == NULL) {
        return pg_no_portal(c, name);
    }
    if (p->n_cols == 0) {
        pg_out_begin(c, 'n');
        pg_out_end(c);
    } else {
        pg_send_row_description(c, p->n_cols, p->stmt->cols, p->formats, p->n_cols);
    }
    return 0;
}

int32_t pg_ext_execute(pg_conn_t *c, const uint8_t *body, size_t len)
{
    pg_cursor_t cur;
    pg_cur_init(&cur, body, len);
    const char *name = pg_cur_str(&cur);
    int32_t max_rows = pg_cur_i32(&cur);
    helios_err_t err = HELIOS_ERR_INIT;
    if (name == NULL || cur.bad || cur.pos != len) {
        return pg_bad_message(c, "Execute");
    }
    pg_portal_t *p = pg_map_get(&c->portals, name);
    if (p == NULL) {
        return pg_no_portal(c, name);
    }
    if (p->done) {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_OBJECT_NOT_IN_PREREQUISITE_STATE,
                       "portal \"%s\" cannot be run", name);
        return 1;
    }
    c->sink_mode = PG_SINK_EXTENDED;
    c->cur_formats = p->formats;
    c->cur_n_formats = p->n_cols;
    c->cur_rows = 0;
    c->cur_resumed = p->resumed;
    int32_t rc = c->api->execute(p->p, max_rows > 0 ? (uint64_t)max_rows : 0, &c->sink, &err);
    c->cur_formats = NULL;
    c->cur_n_formats = 0;
    c->cur_resumed = 0;
    c->in_copy_in = 0;
    c->copy_pending_len = 0;
    if (rc == HELIOS_SUSPENDED) {
        p->resumed = 1;
        pg_out_begin(c, 's');
        pg_out_end(c);
        return 0;
    }
    if (rc != 0) {
        p->done = 1;
        if (c->io_failed) {
            return 1;
        }
        return pg_fail(c, rc, &err);
    }
    p->done = 1;
    return 0;
}

int32_t pg_ext_close(pg_conn_t *c, const uint8_t *body, size_t len)
{
    pg_cursor_t cur;
    pg_cur_init(&cur, body, len);
    uint8_t kind = pg_cur_byte(&cur);
    const char *name = pg_cur_str(&cur);
    if (name == NULL || cur.pos != len || (kind != 'S' && kind != 'P')) {
        return pg_bad_message(c, "Close");
    }
    if (kind == 'S') {
        pg_stmt_unref(c, pg_map_take(c, &c->stmts, name));
    } else {
        pg_portal_free(c, pg_map_take(c, &c->portals, name));
    }
    pg_out_begin(c, '3');
    pg_out_end(c);
    return 0;
}
