/* kernel/sql/func_catalog.c -- the catalog support functions psql and drivers call
 * (pg_get_userbyid, pg_table_is_visible, has_*_privilege, format_type, pg_get_expr,
 * pg_get_indexdef, pg_get_constraintdef, pg_relation_size, obj_description, ...), answered from
 * the catalog. Registered in func.c's table as func_catalog. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sql/func.h"
#include "sql/sqlint.h"
#include "txn/sqltxn.h"

/* ---- catalog support functions (psql, drivers) ---- */
int32_t func_catalog(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o)
{
    const char *n = e->fn->name;
    char buf[256];
    if (strcmp(n, "pg_get_userbyid") == 0) return fn_set_text(cx, o, "helios", 6);
    if (strcmp(n, "pg_table_is_visible") == 0 && !a[0].null) {
        /* visible: the search_path finds this relation under its unqualified name */
        o->i = 1;
        for (uint32_t i = 0; i < cx->eng->cat.n_tables; i++) {
            table_t *t = cx->eng->cat.tables[i];
            if (t->oid == (uint32_t)a[0].i) {
                o->i = cat_find_table(cx->eng, NULL, t->name) == t;
                break;
            }
        }
        return 0;
    }
    if (strcmp(n, "pg_table_is_visible") == 0 || strcmp(n, "pg_type_is_visible") == 0 ||
        strncmp(n, "has_", 4) == 0) {
        o->i = 1;
        return 0;
    }
    if (strcmp(n, "pg_is_in_recovery") == 0 || strcmp(n, "pg_relation_is_publishable") == 0) {
        o->i = 0;
        return 0;
    }
    if (strcmp(n, "pg_encoding_to_char") == 0) return fn_set_text(cx, o, "UTF8", 4);
    if (strcmp(n, "format_type") == 0) {
        if (a[0].null) {
            o->null = 1;
            return 0;
        }
        uint32_t t = (uint32_t)a[0].i;
        int32_t tm = e->n_args > 1 && !a[1].null ? (int32_t)a[1].i : -1;
        const char *tn = type_name(t);
        if ((t == HELIOS_OID_VARCHAR || t == HELIOS_OID_BPCHAR) && tm >= 4) {
            snprintf(buf, sizeof buf, "%s(%d)", tn, tm - 4);
        } else if (t == HELIOS_OID_NUMERIC && tm >= 4) {
            snprintf(buf, sizeof buf, "numeric(%d,%d)", ((tm - 4) >> 16) & 0xffff,
                     (((tm - 4) & 0x7ff) ^ 1024) - 1024);
        } else {
            snprintf(buf, sizeof buf, "%s", tn);
        }
        return fn_set_text(cx, o, buf, strlen(buf));
    }
    if (strcmp(n, "pg_get_viewdef") == 0) {
        for (uint32_t i = 0; i < cx->eng->cat.n_tables; i++) {
            table_t *t = cx->eng->cat.tables[i];
            if (t->kind == REL_VIEW && (val_is_int(a[0].t) ? t->oid == (uint32_t)a[0].i
                                                           : (strlen(t->name) == a[0].len &&
                                                              strncmp(t->name, a[0].s, a[0].len) == 0))) {
                return fn_set_text(cx, o, t->view_sql, strlen(t->view_sql));
            }
        }
        o->null = 1;
        return 0;
    }
    if (strcmp(n, "pg_get_expr") == 0) return fn_set_text(cx, o, a[0].s, a[0].len);
    if (strcmp(n, "pg_get_indexdef") == 0 || strcmp(n, "pg_get_constraintdef") == 0) {
        uint32_t oid = (uint32_t)a[0].i;
        int con = n[7] == 'c';
        if (con && oid >= STX_FK_OID_BASE) { /* a foreign key (kernel/txn/fk.c) */
            sbuf_t d = {0};
            if (!stx_fk_def_text(cx->eng, oid - STX_FK_OID_BASE, &d)) {
                o->null = 1;
                return 0;
            }
            fn_set_text(cx, o, d.d, d.len);
            sb_free(&d);
            return 0;
        }
        if (con && oid > 1000000 && oid < 0x20000000u) oid -= 1000000;
        if (oid >= 0x20000000u) {
            /* the primary key (see sys.c) */
            for (uint32_t i = 0; i < cx->eng->cat.n_tables; i++) {
                table_t *t = cx->eng->cat.tables[i];
                if (t->oid + 0x20000000u != oid || t->n_pk == 0) continue;
                sbuf_t d = {0};
                if (con) sb_puts(&d, "PRIMARY KEY (");
                else sb_printf(&d, "CREATE UNIQUE INDEX %s_pkey ON public.%s USING btree (", t->name, t->name);
                for (uint32_t m = 0; m < t->n_pk; m++) sb_printf(&d, "%s%s", m ? ", " : "", t->cols[t->pk[m]].name);
                sb_putc(&d, ')');
                fn_set_text(cx, o, d.d, d.len);
                sb_free(&d);
                return 0;
            }
        }
        for (uint32_t i = 0; i < cx->eng->cat.n_tables; i++) {
            table_t *t = cx->eng->cat.tables[i];
            for (uint32_t k = 0; k < t->n_idx; k++) {
                index_def_t *x = &t->idx[k];
                if (x->oid != oid) continue;
                sbuf_t d = {0};
                if (con) sb_puts(&d, strstr(x->name, "_pkey") ? "PRIMARY KEY (" : "UNIQUE (");
                else sb_printf(&d, "CREATE %sINDEX %s ON public.%s USING btree (", x->unique ? "UNIQUE " : "",
                               x->name, t->name);
                for (uint32_t m = 0; m < x->n_cols; m++) {
                    sb_printf(&d, "%s%s%s", m ? ", " : "", t->cols[x->cols[m]].name, x->desc[m] ? " DESC" : "");
                }
                sb_putc(&d, ')');
                fn_set_text(cx, o, d.d, d.len);
                sb_free(&d);
                return 0;
            }
            if (con && t->oid == oid && t->n_pk > 0) {
                sbuf_t d = {0};
                sb_puts(&d, "PRIMARY KEY (");
                for (uint32_t m = 0; m < t->n_pk; m++) sb_printf(&d, "%s%s", m ? ", " : "", t->cols[t->pk[m]].name);
                sb_putc(&d, ')');
                fn_set_text(cx, o, d.d, d.len);
                sb_free(&d);
                return 0;
            }
        }
        o->null = 1;
        return 0;
    }
    if (strcmp(n, "current_schemas") == 0) {
        const char *v = a[0].i ? "{pg_catalog,public}" : "{public}";
        return fn_set_text(cx, o, v, strlen(v));
    }
    if (strcmp(n, "__regnamespace_out") == 0) {
        uint32_t oid = (uint32_t)a[0].i;
        const char *nm = oid == 11 ? "pg_catalog" : oid == 13183 ? "information_schema" : NULL;
        for (uint32_t i = 0; nm == NULL && i < cx->eng->cat.n_schemas; i++) {
            if (cx->eng->cat.schemas[i].oid == oid) nm = cx->eng->cat.schemas[i].name;
        }
        if (nm == NULL) {
            snprintf(buf, sizeof buf, "%u", oid);
            nm = buf;
        }
        return fn_set_text(cx, o, nm, strlen(nm));
    }
    if (strcmp(n, "__regtype_out") == 0) {
        const char *tn = type_name((uint32_t)a[0].i);
        if (a[0].i == 0) tn = "-";
        return fn_set_text(cx, o, tn, strlen(tn));
    }
    if (strcmp(n, "__regtype_in") == 0) {
        snprintf(buf, sizeof buf, "%.*s", (int)(a[0].len > 200 ? 200 : a[0].len), a[0].s);
        uint32_t t = type_by_name(buf);
        if (t == 0) return sql_err(cx->err, HELIOS_ERR_UNDEFINED_OBJECT, "type \"%s\" does not exist", buf);
        o->i = t;
        return 0;
    }
    if (strcmp(n, "__subscript") == 0 || strcmp(n, "array_upper") == 0 ||
        strcmp(n, "array_lower") == 0) {
        /* elements of a one-dimensional array in text form ('{..}', or int2vector '1 2') */
        int vec = a[0].t == 22u || a[0].t == 30u;
        const char *s0 = a[0].s;
        uint32_t l = a[0].len, i = vec ? 0 : 1, end = vec ? l : (l > 0 ? l - 1 : 0);
        int64_t want = n[0] == '_' ? a[1].i - (vec ? 0 : 1) : -1, k = 0;
        char sep = vec ? ' ' : ',';
        while (i < end) {
            sbuf_t el = {0};
            sb_putn(&el, "", 0);
            int quoted = s0[i] == '"';
            if (quoted) {
                i++;
                while (i < end && s0[i] != '"') {
                    if (s0[i] == '\\' && i + 1 < end) i++;
                    sb_putc(&el, s0[i++]);
                }
                i++;
            } else {
                while (i < end && s0[i] != sep) sb_putc(&el, s0[i++]);
            }
            if (i < end && s0[i] == sep) i++;
            if (k == want) {
                int32_t rc = 0;
                if (!quoted && strcmp(el.d, "NULL") == 0) o->null = 1;
                else rc = val_from_text(cx->ar, type_elem_of(a[0].t), -1, el.d, el.len, o, cx->err);
                sb_free(&el);
                return rc;
            }
            sb_free(&el);
            k++;
        }
        if (n[0] == '_') {
            o->null = 1;
            return 0;
        }
        if (k == 0) {
            o->null = 1;
            return 0;
        }
        o->i = n[6] == 'u' ? (vec ? k - 1 : k) : (vec ? 0 : 1);
        return 0;
    }
    if (strcmp(n, "array_to_string") == 0) {
        /* one-dimensional arrays in their text form */
        const char *s0 = a[0].s;
        uint32_t l = a[0].len, i = 1;
        sbuf_t d = {0};
        sb_putn(&d, "", 0);
        int first = 1;
        while (l >= 2 && i < l - 1) {
            sbuf_t el = {0};
            sb_putn(&el, "", 0);
            int quoted = s0[i] == '"';
            if (quoted) {
                i++;
                while (i < l - 1 && s0[i] != '"') {
                    if (s0[i] == '\\' && i + 1 < l) i++;
                    sb_putc(&el, s0[i++]);
                }
                i++;
            } else {
                while (i < l - 1 && s0[i] != ',') sb_putc(&el, s0[i++]);
            }
            if (i < l - 1 && s0[i] == ',') i++;
            if (!(!quoted && strcmp(el.d, "NULL") == 0)) {
                if (!first) sb_putn(&d, a[1].s, a[1].len);
                sb_putn(&d, el.d, el.len);
                first = 0;
            }
            sb_free(&el);
        }
        fn_set_text(cx, o, d.d, d.len);
        sb_free(&d);
        return 0;
    }
    if (strcmp(n, "__regclass_out") == 0) {
        const char *r = sys_rel_name(cx->eng, (uint32_t)a[0].i);
        for (uint32_t i = 0; r == NULL && i < cx->eng->cat.n_tables; i++) {
            table_t *t = cx->eng->cat.tables[i];
            if (t->n_pk > 0 && t->oid + 0x20000000u == (uint32_t)a[0].i) {
                snprintf(buf, sizeof buf, "%s_pkey", t->name);
                r = buf;
            }
        }
        if (r == NULL) {
            snprintf(buf, sizeof buf, "%lld", (long long)a[0].i);
            r = buf;
        }
        return fn_set_text(cx, o, r, strlen(r));
    }
    if (strcmp(n, "__regclass_in") == 0 || strcmp(n, "to_regclass") == 0) {
        snprintf(buf, sizeof buf, "%.*s", (int)a[0].len, a[0].s);
        if (n[0] == '_' && buf[0] >= '0' && buf[0] <= '9' && strspn(buf, "0123456789") == strlen(buf)) {
            /* as PostgreSQL's regclassin: a number is taken as the oid, unchecked */
            o->i = (int64_t)strtoull(buf, NULL, 10);
            return 0;
        }
        char *nm = buf, *dot = strchr(buf, '.');
        const char *sch = NULL;
        if (dot != NULL) {
            *dot = '\0';
            sch = buf;
            nm = dot + 1;
        }
        if (nm[0] == '"') {
            nm++;
            size_t l = strlen(nm);
            if (l > 0 && nm[l - 1] == '"') nm[l - 1] = '\0';
        } else {
            for (char *p = nm; *p; p++) *p = (char)tolower((unsigned char)*p);
        }
        table_t *t = cat_find_table(cx->eng, sch, nm);
        uint32_t oid = 0;
        if (t != NULL) {
            oid = t->oid;
        } else {
            for (uint32_t i = 0; i < cx->eng->cat.n_tables && oid == 0; i++) {
                table_t *x = cx->eng->cat.tables[i];
                for (uint32_t k = 0; k < x->n_idx; k++) {
                    if (strcmp(x->idx[k].name, nm) == 0) oid = x->idx[k].oid;
                }
            }
        }
        if (oid == 0) {
            if (n[0] == 't') {
                o->null = 1;
                return 0;
            }
            return sql_err(cx->err, HELIOS_ERR_UNDEFINED_TABLE, "relation \"%s\" does not exist", nm);
        }
        o->i = oid;
        return 0;
    }
    if (strcmp(n, "pg_size_pretty") == 0) {
        int64_t v = a[0].t == HELIOS_OID_NUMERIC ? (int64_t)num_val_double(&a[0]) : a[0].i;
        if (v < 10240) snprintf(buf, sizeof buf, "%lld bytes", (long long)v);
        else if (v < 10240 * 1024) snprintf(buf, sizeof buf, "%lld kB", (long long)((v + 512) / 1024));
        else if (v < 10240LL * 1024 * 1024) snprintf(buf, sizeof buf, "%lld MB", (long long)((v + 524288) / 1048576));
        else snprintf(buf, sizeof buf, "%lld GB", (long long)((v + 536870912) / 1073741824));
        return fn_set_text(cx, o, buf, strlen(buf));
    }
    if (strcmp(n, "quote_ident") == 0) {
        int plain = a[0].len > 0 && !isdigit((unsigned char)a[0].s[0]);
        for (uint32_t i = 0; i < a[0].len; i++) {
            char c = a[0].s[i];
            if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '_')) plain = 0;
        }
        if (plain) return fn_set_text(cx, o, a[0].s, a[0].len);
        sbuf_t d = {0};
        sb_putc(&d, '"');
        for (uint32_t i = 0; i < a[0].len; i++) {
            if (a[0].s[i] == '"') sb_putc(&d, '"');
            sb_putc(&d, a[0].s[i]);
        }
        sb_putc(&d, '"');
        fn_set_text(cx, o, d.d, d.len);
        sb_free(&d);
        return 0;
    }
    if (strcmp(n, "pg_get_serial_sequence") == 0) {
        snprintf(buf, sizeof buf, "public.%.*s_%.*s_seq", (int)(a[0].len > 100 ? 100 : a[0].len), a[0].s,
                 (int)(a[1].len > 100 ? 100 : a[1].len), a[1].s);
        return fn_set_text(cx, o, buf, strlen(buf));
    }
    if (strcmp(n, "txid_current") == 0) {
        o->i = (int64_t)helios_lsm_last_seq(cx->eng->lsm) + 1;
        return 0;
    }
    if (strstr(n, "size") != NULL) { /* relation sizes are not tracked per table yet */
        o->i = 0;
        return 0;
    }
    o->null = 1; /* descriptions: none stored */
    return 0;
}
