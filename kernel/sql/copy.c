/* kernel/sql/copy.c -- COPY FROM STDIN / TO STDOUT in text and CSV formats through the sink. */
#include <stdio.h>
#include <stdlib.h>

#include "sql/sqlint.h"

typedef struct copyopt {
    uint32_t csv, header;
    char delim;
    char quote, escape;
    const char *null_str;
} copyopt_t;

static int32_t parse_opts(PgQuery__CopyStmt *cs, copyopt_t *o, helios_err_t *err)
{
    o->csv = 0;
    o->header = 0;
    o->delim = '\t';
    o->quote = '"';
    o->escape = '"';
    o->null_str = NULL;
    int have_delim = 0;
    for (size_t i = 0; i < cs->n_options; i++) {
        PgQuery__DefElem *d = cs->options[i]->def_elem;
        const char *sv = NULL;
        if (d->arg != NULL && d->arg->node_case == PG_QUERY__NODE__NODE_STRING) sv = d->arg->string->sval;
        if (strcmp(d->defname, "format") == 0) {
            if (sv != NULL && strcmp(sv, "csv") == 0) o->csv = 1;
            else if (sv != NULL && strcmp(sv, "binary") == 0) {
                return sql_err(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED, "COPY BINARY is not supported");
            }
        } else if (strcmp(d->defname, "header") == 0) {
            o->header = d->arg == NULL || (d->arg->node_case == PG_QUERY__NODE__NODE_BOOLEAN ? d->arg->boolean->boolval
                                          : d->arg->node_case == PG_QUERY__NODE__NODE_INTEGER ? d->arg->integer->ival != 0
                                          : sv == NULL || strcmp(sv, "false") != 0);
        } else if (strcmp(d->defname, "delimiter") == 0 && sv != NULL) {
            if (strlen(sv) != 1) {
                return sql_err(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                               "COPY delimiter must be a single one-byte character");
            }
            o->delim = sv[0];
            have_delim = 1;
        } else if (strcmp(d->defname, "null") == 0 && sv != NULL) {
            o->null_str = sv;
        } else if (strcmp(d->defname, "quote") == 0 && sv != NULL && sv[0]) {
            o->quote = sv[0];
        } else if (strcmp(d->defname, "escape") == 0 && sv != NULL && sv[0]) {
            o->escape = sv[0];
        }
    }
    if (o->csv && !have_delim) o->delim = ',';
    if (o->null_str == NULL) o->null_str = o->csv ? "" : "\\N";
    return 0;
}

/* split one line into fields; returns the number of fields; quoted[] marks CSV-quoted ones */
static uint32_t split_line(copyopt_t *o, const char *line, size_t n, sbuf_t *fields,
                           uint8_t *quoted, uint32_t max)
{
    uint32_t nf = 0;
    size_t i = 0;
    for (;;) {
        if (nf == max) return nf + 1;
        sbuf_t *f = &fields[nf];
        f->len = 0;
        sb_putn(f, "", 0);
        quoted[nf] = 0;
        if (o->csv) {
            if (i < n && line[i] == o->quote) {
                quoted[nf] = 1;
                i++;
                while (i < n) {
                    if (line[i] == o->escape && i + 1 < n && line[i + 1] == o->quote) {
                        sb_putc(f, o->quote);
                        i += 2;
                    } else if (line[i] == o->quote) {
                        i++;
                        break;
                    } else {
                        sb_putc(f, line[i++]);
                    }
                }
            }
            while (i < n && line[i] != o->delim) sb_putc(f, line[i++]);
        } else {
            while (i < n && line[i] != o->delim) {
                if (line[i] == '\\' && i + 1 < n) {
                    char c = line[i + 1];
                    i += 2;
                    switch (c) {
                    case 'N':
                        sb_puts(f, "\\N");
                        break;
                    case 't': sb_putc(f, '\t'); break;
                    case 'n': sb_putc(f, '\n'); break;
                    case 'r': sb_putc(f, '\r'); break;
                    case 'b': sb_putc(f, '\b'); break;
                    case 'f': sb_putc(f, '\f'); break;
                    case 'v': sb_putc(f, '\v'); break;
                    default: sb_putc(f, c); break;
                    }
                } else {
                    sb_putc(f, line[i++]);
                }
            }
        }
        nf++;
        if (i >= n) return nf;
        i++; /* delimiter */
    }
}

static int32_t copy_from(helios_session_t *s, exec_ctx_t *cx, table_t *t, uint32_t *cols,
                         uint32_t ncols, copyopt_t *o, const helios_sink_t *sink, uint64_t *n_rows,
                         helios_err_t *err)
{
    if (sink == NULL || sink->copy_in_begin == NULL || sink->copy_in_read == NULL) {
        return sql_err(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                       "COPY FROM STDIN is not supported by this client");
    }
    /* an INSERT ... VALUES ($1..$n) plan does defaults, casts and constraints */
    sbuf_t q = {0};
    sb_printf(&q, "INSERT INTO \"%s\" (", t->name);
    for (uint32_t i = 0; i < ncols; i++) sb_printf(&q, "%s\"%s\"", i ? ", " : "", t->cols[cols[i]].name);
    sb_puts(&q, ") VALUES (");
    uint32_t *pt = calloc(ncols + 1, sizeof(uint32_t));
    for (uint32_t i = 0; i < ncols; i++) {
        sb_printf(&q, "%s$%u", i ? ", " : "", i + 1);
        pt[i] = t->cols[cols[i]].type;
    }
    sb_puts(&q, ")");
    arena_t pa = {0};
    PgQuery__ParseResult *pr = NULL;
    stmt_plan_t *sp = NULL;
    int32_t rc = sql_parse(q.d, &pr, err);
    if (rc == 0) rc = bind_stmt(s, &pa, pr->stmts[0], q.d, ncols, pt, &sp, err);
    int32_t crc = sink->copy_in_begin(sink->ctx, o->csv ? HELIOS_COPY_CSV : HELIOS_COPY_TEXT, ncols);
    if (rc == 0 && crc != 0) rc = sql_err(err, HELIOS_ERR_QUERY_CANCELED, "COPY aborted by the client");
    sbuf_t pending = {0};
    sbuf_t *fields = calloc(ncols + 2, sizeof(sbuf_t));
    uint8_t *quoted = calloc(ncols + 2, 1);
    val_t *params = calloc(ncols + 1, sizeof(val_t));
    uint8_t buf[65536];
    uint64_t line_no = 0;
    int eof = 0, failed = rc != 0;
    while (!eof) {
        uint32_t got = 0;
        helios_err_t rerr = HELIOS_ERR_INIT;
        int32_t r = sink->copy_in_read(sink->ctx, buf, sizeof buf, &got, &rerr);
        if (r != 0) {
            if (!failed) {
                rc = sql_err(err, HELIOS_ERR_QUERY_CANCELED, "COPY from stdin failed: %s",
                             rerr.message[0] ? rerr.message : "aborted by the client");
            }
            break;
        }
        if (got == 0) eof = 1;
        else sb_putn(&pending, (const char *)buf, got);
        /* process complete lines (the last partial line waits for more data or EOF) */
        size_t start = 0;
        for (;;) {
            if (pending.d == NULL) break;
            char *nl = memchr(pending.d + start, '\n', pending.len - start);
            size_t end;
            if (nl == NULL) {
                if (!eof || start >= pending.len) break;
                end = pending.len;
            } else {
                end = (size_t)(nl - pending.d);
            }
            const char *line = pending.d + start;
            size_t ln = end - start;
            start = nl != NULL ? end + 1 : pending.len;
            if (ln > 0 && line[ln - 1] == '\r') ln--;
            line_no++;
            if (failed) continue; /* drain the rest of the data */
            if (ln == 2 && line[0] == '\\' && line[1] == '.') {
                continue;
            }
            if (o->header && line_no == 1) continue;
            uint32_t nf = split_line(o, line, ln, fields, quoted, ncols);
            if (nf != ncols) {
                rc = sql_err(err, HELIOS_ERR_BAD_COPY_FILE_FORMAT,
                             nf > ncols ? "extra data after last expected column"
                                        : "missing data for column \"%s\"",
                             nf < ncols ? t->cols[cols[nf]].name : "");
                sql_err_detail(err, "COPY %s, line %llu", t->name, (unsigned long long)line_no);
                failed = 1;
                continue;
            }
            ar_reset(cx->ar);
            for (uint32_t c = 0; c < ncols; c++) {
                sbuf_t *f = &fields[c];
                int is_null = !quoted[c] && strcmp(f->d, o->null_str) == 0;
                memset(&params[c], 0, sizeof(val_t));
                params[c].t = pt[c];
                if (is_null) {
                    params[c].null = 1;
                    continue;
                }
                rc = val_from_text(cx->ar, pt[c], t->cols[cols[c]].typmod, f->d, f->len, &params[c], err);
                if (rc != 0) {
                    sql_err_detail(err, "COPY %s, line %llu, column %s: \"%.60s\"", t->name,
                                   (unsigned long long)line_no, t->cols[cols[c]].name, f->d);
                    failed = 1;
                    break;
                }
            }
            if (failed) continue;
            cx->params = params;
            cx->n_params = ncols;
            uint64_t n = 0;
            rc = exec_dml(cx, sp, NULL, &n);
            if (rc != 0) {
                char msg[HELIOS_ERR_TEXT_MAX];
                snprintf(msg, sizeof msg, "COPY %s, line %llu", t->name, (unsigned long long)line_no);
                if (err != NULL && err->detail[0] == '\0') sql_err_detail(err, "%s", msg);
                else if (err != NULL) {
                    char d2[2 * HELIOS_ERR_TEXT_MAX + 8];
                    snprintf(d2, sizeof d2, "%s (%s)", err->detail, msg);
                    snprintf(err->detail, sizeof err->detail, "%.*s", HELIOS_ERR_TEXT_MAX - 1, d2);
                }
                failed = 1;
                continue;
            }
            (*n_rows)++;
        }
        if (start > 0 && pending.d != NULL) {
            memmove(pending.d, pending.d + start, pending.len - start);
            pending.len -= start;
        }
    }
    for (uint32_t i = 0; i < ncols + 2; i++) sb_free(&fields[i]);
    free(fields);
    free(quoted);
    free(params);
    free(pt);
    sb_free(&pending);
    sb_free(&q);
    sql_parse_free(pr);
    ar_free(&pa);
    return rc;
}

static void csv_field(copyopt_t *o, const char *s, uint32_t n, sbuf_t *b)
{
    int need = n == 0;
    for (uint32_t i = 0; i < n && !need; i++) {
        if (s[i] == o->delim || s[i] == o->quote || s[i] == '\n' || s[i] == '\r') need = 1;
    }
    if (!need && strlen(o->null_str) == n && memcmp(s, o->null_str, n) == 0) need = 1;
    if (!need) {
        sb_putn(b, s, n);
        return;
    }
    sb_putc(b, o->quote);
    for (uint32_t i = 0; i < n; i++) {
        if (s[i] == o->quote) sb_putc(b, o->escape);
        sb_putc(b, s[i]);
    }
    sb_putc(b, o->quote);
}

static void text_field(const char *s, uint32_t n, char delim, sbuf_t *b)
{
    for (uint32_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\') sb_puts(b, "\\\\");
        else if (c == '\n') sb_puts(b, "\\n");
        else if (c == '\r') sb_puts(b, "\\r");
        else if (c == '\t') sb_puts(b, "\\t");
        else if (c == delim) { sb_putc(b, '\\'); sb_putc(b, c); }
        else sb_putc(b, c);
    }
}

static int32_t copy_to(helios_session_t *s, exec_ctx_t *cx, const char *query, copyopt_t *o,
                       const helios_sink_t *sink, uint64_t *n_rows, helios_err_t *err)
{
    if (sink == NULL || sink->copy_out_begin == NULL || sink->copy_out_data == NULL) {
        return sql_err(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                       "COPY TO STDOUT is not supported by this client");
    }
    arena_t pa = {0};
    PgQuery__ParseResult *pr = NULL;
    stmt_plan_t *sp = NULL;
    int32_t rc = sql_parse(query, &pr, err);
    if (rc == 0) rc = bind_stmt(s, &pa, pr->stmts[0], query, 0, NULL, &sp, err);
    rowset_t rows = {0};
    if (rc == 0) {
        cx->n_subq = sp->n_subq;
        cx->subq_cache = sp->n_subq ? ar_zalloc(cx->ar, sizeof(rowset_t *) * sp->n_subq) : NULL;
        rc = exec_plan(cx, sp->plan, &rows);
    }
    if (rc == 0) rc = sink->copy_out_begin(sink->ctx, o->csv ? HELIOS_COPY_CSV : HELIOS_COPY_TEXT, sp->n_out);
    sbuf_t b = {0};
    if (rc == 0 && o->header) {
        for (uint32_t c = 0; c < sp->n_out; c++) {
            if (c) sb_putc(&b, o->delim);
            if (o->csv) csv_field(o, sp->out[c].name, (uint32_t)strlen(sp->out[c].name), &b);
            else text_field(sp->out[c].name, (uint32_t)strlen(sp->out[c].name), o->delim, &b);
        }
        sb_putc(&b, '\n');
        rc = sink->copy_out_data(sink->ctx, (const uint8_t *)b.d, (uint32_t)b.len);
    }
    for (size_t r = 0; rc == 0 && r < rows.n; r++) {
        b.len = 0;
        for (uint32_t c = 0; c < sp->n_out; c++) {
            if (c) sb_putc(&b, o->delim);
            val_t *v = &rows.rows[r][c];
            if (v->null) {
                sb_puts(&b, o->null_str);
                continue;
            }
            uint32_t l;
            const char *t = val_text(cx->ar, v, &l);
            if (o->csv) csv_field(o, t, l, &b);
            else text_field(t, l, o->delim, &b);
        }
        sb_putc(&b, '\n');
        rc = sink->copy_out_data(sink->ctx, (const uint8_t *)b.d, (uint32_t)b.len);
        (*n_rows)++;
    }
    if (rc == 0 && sink->copy_out_end != NULL) rc = sink->copy_out_end(sink->ctx);
    sb_free(&b);
    sql_parse_free(pr);
    ar_free(&pa);
    return rc;
}

int32_t copy_run(helios_session_t *s, exec_ctx_t *cx, PgQuery__CopyStmt *cs,
                 const helios_sink_t *sink, uint64_t *n_rows, helios_err_t *err)
{
    copyopt_t o;
    int32_t rc = parse_opts(cs, &o, err);
    if (rc != 0) return rc;
    if (cs->filename != NULL && cs->filename[0] != '\0') {
        return sql_err(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                       "COPY to or from a server file is not supported; use STDIN/STDOUT");
    }
    if (cs->query != NULL) {
        if (cs->is_from) return sql_err(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED, "COPY FROM a query");
        arena_t a = {0};
        char *q = sql_deparse_expr(&a, cs->query);
        if (q == NULL) {
            ar_free(&a);
            return sql_err(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED, "this COPY query");
        }
        rc = copy_to(s, cx, q, &o, sink, n_rows, err);
        ar_free(&a);
        return rc;
    }
    PgQuery__RangeVar *rv = cs->relation;
    table_t *t = cat_find_table(s->eng, rv->schemaname && rv->schemaname[0] ? rv->schemaname : NULL, rv->relname);
    if (t == NULL || t->kind != REL_TABLE) {
        return sql_err(err, HELIOS_ERR_UNDEFINED_TABLE, "relation \"%s\" does not exist", rv->relname);
    }
    uint32_t *cols = calloc(t->n_cols + 1, sizeof(uint32_t));
    uint32_t nc = 0;
    if (cs->n_attlist > 0) {
        for (size_t i = 0; i < cs->n_attlist; i++) {
            const char *nm = pn_str(cs->attlist[i]);
            uint32_t c;
            for (c = 0; c < t->n_cols; c++) {
                if (!t->cols[c].dropped && nm != NULL && strcmp(t->cols[c].name, nm) == 0) break;
            }
            if (c == t->n_cols) {
                free(cols);
                return sql_err(err, HELIOS_ERR_UNDEFINED_COLUMN,
                               "column \"%s\" of relation \"%s\" does not exist", nm ? nm : "?", t->name);
            }
            cols[nc++] = c;
        }
    } else {
        for (uint32_t c = 0; c < t->n_cols; c++) {
            if (!t->cols[c].dropped) cols[nc++] = c;
        }
    }
    if (cs->is_from) {
        rc = copy_from(s, cx, t, cols, nc, &o, sink, n_rows, err);
    } else {
        sbuf_t q = {0};
        sb_puts(&q, "SELECT ");
        for (uint32_t i = 0; i < nc; i++) sb_printf(&q, "%s\"%s\"", i ? ", " : "", t->cols[cols[i]].name);
        sb_printf(&q, " FROM \"%s\"", t->name);
        rc = copy_to(s, cx, q.d, &o, sink, n_rows, err);
        sb_free(&q);
    }
    free(cols);
    return rc;
}
