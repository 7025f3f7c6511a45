/* kernel/catalog/catalog.c -- the catalog: schemas, tables, columns, indexes, views, sequences
 * and users, kept in memory and persisted in system tree 1 (HELIOS_TREE_KV) so it survives
 * restart. Records are length-prefixed fields; keys: "m" meta, "s"+oid schema, "t"+oid
 * relation, "u"+name user. */
#include <stdio.h>
#include <stdlib.h>

#include "sql/sqlint.h"

typedef struct rd {
    const uint8_t *p;
    uint32_t n, off;
    int bad;
} rd_t;

static void w_str(sbuf_t *b, const char *s)
{
    uint32_t l = s != NULL ? (uint32_t)strlen(s) : 0xFFFFFFFFu;
    sb_putn(b, (const char *)&l, 4);
    if (s != NULL) sb_putn(b, s, l);
}

static void w_u32(sbuf_t *b, uint32_t v)
{
    sb_putn(b, (const char *)&v, 4);
}

static void w_i64(sbuf_t *b, int64_t v)
{
    sb_putn(b, (const char *)&v, 8);
}

static uint32_t r_u32(rd_t *r)
{
    uint32_t v = 0;
    if (r->off + 4 > r->n) {
        r->bad = 1;
        return 0;
    }
    memcpy(&v, r->p + r->off, 4);
    r->off += 4;
    return v;
}

static int64_t r_i64(rd_t *r)
{
    int64_t v = 0;
    if (r->off + 8 > r->n) {
        r->bad = 1;
        return 0;
    }
    memcpy(&v, r->p + r->off, 8);
    r->off += 8;
    return v;
}

static char *r_str(rd_t *r)
{
    uint32_t l = r_u32(r);
    if (l == 0xFFFFFFFFu || r->bad) return NULL;
    if (r->off + l > r->n) {
        r->bad = 1;
        return NULL;
    }
    char *s = malloc(l + 1);
    if (s == NULL) {
        r->bad = 1;
        return NULL;
    }
    memcpy(s, r->p + r->off, l);
    s[l] = '\0';
    r->off += l;
    return s;
}

table_t *table_alloc(void)
{
    table_t *t = calloc(1, sizeof *t);
    if (t != NULL) pthread_mutex_init(&t->mu, NULL);
    return t;
}

void table_free(table_t *t)
{
    if (t == NULL) return;
    for (uint32_t i = 0; i < t->n_cols; i++) {
        free(t->cols[i].name);
        free(t->cols[i].default_sql);
    }
    free(t->cols);
    for (uint32_t i = 0; i < t->n_idx; i++) free(t->idx[i].name);
    free(t->idx);
    free(t->view_sql);
    for (uint32_t i = 0; i < t->n_view_colnames; i++) free(t->view_colnames[i]);
    free(t->view_colnames);
    for (uint32_t i = 0; i < t->n_checks; i++) free(t->check_sql[i]);
    free(t->check_sql);
    free(t->check_expr);
    free(t->name);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

static void ser_table(table_t *t, sbuf_t *b)
{
    w_u32(b, 1); /* record version */
    w_u32(b, t->kind);
    w_u32(b, t->oid);
    w_u32(b, t->tree);
    w_u32(b, t->schema_oid);
    w_str(b, t->name);
    w_u32(b, t->n_cols);
    for (uint32_t i = 0; i < t->n_cols; i++) {
        column_t *c = &t->cols[i];
        w_str(b, c->name);
        w_u32(b, c->type);
        w_u32(b, (uint32_t)c->typmod);
        w_u32(b, c->not_null);
        w_u32(b, c->identity);
        w_u32(b, c->seq_oid);
        w_u32(b, c->dropped);
        w_str(b, c->default_sql);
    }
    w_u32(b, t->n_pk);
    for (uint32_t i = 0; i < t->n_pk; i++) w_u32(b, t->pk[i]);
    w_u32(b, t->n_idx);
    for (uint32_t i = 0; i < t->n_idx; i++) {
        index_def_t *x = &t->idx[i];
        w_u32(b, x->oid);
        w_u32(b, x->tree);
        w_str(b, x->name);
        w_u32(b, x->unique);
        w_u32(b, x->n_cols);
        for (uint32_t k = 0; k < x->n_cols; k++) {
            w_u32(b, x->cols[k]);
            w_u32(b, x->desc[k]);
        }
    }
    w_str(b, t->view_sql);
    w_u32(b, t->n_view_colnames);
    for (uint32_t i = 0; i < t->n_view_colnames; i++) w_str(b, t->view_colnames[i]);
    w_u32(b, t->n_checks);
    for (uint32_t i = 0; i < t->n_checks; i++) w_str(b, t->check_sql[i]);
    /* sequences persist the value reserved ahead (see seq_nextval) */
    w_i64(b, t->seq_next);
    w_i64(b, t->seq_inc);
    w_i64(b, t->seq_min);
    w_i64(b, t->seq_max);
    w_i64(b, t->seq_start);
    w_u32(b, t->seq_called);
    w_u32(b, t->seq_cycle);
}

static table_t *deser_table(const uint8_t *p, uint32_t n)
{
    rd_t r = {.p = p, .n = n};
    table_t *t = table_alloc();
    if (t == NULL) return NULL;
    if (r_u32(&r) != 1) goto bad;
    t->kind = r_u32(&r);
    t->oid = r_u32(&r);
    t->tree = r_u32(&r);
    t->schema_oid = r_u32(&r);
    t->name = r_str(&r);
    t->n_cols = r_u32(&r);
    if (r.bad || t->n_cols > 1600) goto bad;
    t->cols = calloc(t->n_cols + 1, sizeof(column_t));
    for (uint32_t i = 0; i < t->n_cols; i++) {
        column_t *c = &t->cols[i];
        c->name = r_str(&r);
        c->type = r_u32(&r);
        c->typmod = (int32_t)r_u32(&r);
        c->not_null = r_u32(&r);
        c->identity = r_u32(&r);
        c->seq_oid = r_u32(&r);
        c->dropped = r_u32(&r);
        c->default_sql = r_str(&r);
    }
    t->n_pk = r_u32(&r);
    if (t->n_pk > 16) goto bad;
    for (uint32_t i = 0; i < t->n_pk; i++) t->pk[i] = r_u32(&r);
    t->n_idx = r_u32(&r);
    if (r.bad || t->n_idx > 1000) goto bad;
    t->idx = calloc(t->n_idx + 1, sizeof(index_def_t));
    for (uint32_t i = 0; i < t->n_idx; i++) {
        index_def_t *x = &t->idx[i];
        x->oid = r_u32(&r);
        x->tree = r_u32(&r);
        x->name = r_str(&r);
        x->unique = r_u32(&r);
        x->n_cols = r_u32(&r);
        if (x->n_cols > 16) goto bad;
        for (uint32_t k = 0; k < x->n_cols; k++) {
            x->cols[k] = r_u32(&r);
            x->desc[k] = (uint8_t)r_u32(&r);
        }
    }
    t->view_sql = r_str(&r);
    t->n_view_colnames = r_u32(&r);
    if (r.bad || t->n_view_colnames > 1600) goto bad;
    t->view_colnames = calloc(t->n_view_colnames + 1, sizeof(char *));
    for (uint32_t i = 0; i < t->n_view_colnames; i++) t->view_colnames[i] = r_str(&r);
    t->n_checks = r_u32(&r);
    if (r.bad || t->n_checks > 1000) goto bad;
    t->check_sql = calloc(t->n_checks + 1, sizeof(char *));
    for (uint32_t i = 0; i < t->n_checks; i++) t->check_sql[i] = r_str(&r);
    t->seq_next = r_i64(&r);
    t->seq_inc = r_i64(&r);
    t->seq_min = r_i64(&r);
    t->seq_max = r_i64(&r);
    t->seq_start = r_i64(&r);
    t->seq_called = r_u32(&r);
    t->seq_cycle = r_u32(&r);
    if (r.bad) goto bad;
    return t;
bad:
    table_free(t);
    return NULL;
}

static void tkey(char k[5], char tag, uint32_t oid)
{
    k[0] = tag;
    for (int i = 0; i < 4; i++) k[1 + i] = (char)(oid >> (24 - 8 * i));
}

int32_t cat_commit_batch(helios_engine_t *eng, helios_wbatch_t *b, helios_err_t *err)
{
    helios_seq_t seq;
    return helios_lsm_write(eng->lsm, b, NULL, &seq, err);
}

int32_t cat_persist_meta(helios_engine_t *eng, helios_wbatch_t *b, helios_err_t *err)
{
    sbuf_t s = {0};
    w_u32(&s, eng->cat.next_oid);
    w_u32(&s, eng->cat.next_tree);
    int32_t rc = helios_wbatch_put(b, CAT_TREE, "m", 1, s.d, (uint32_t)s.len);
    sb_free(&s);
    if (rc != 0) return sql_err(err, rc, "out of memory");
    return 0;
}

int32_t cat_persist_table(helios_engine_t *eng, table_t *t, helios_wbatch_t *b, helios_err_t *err)
{
    sbuf_t s = {0};
    ser_table(t, &s);
    char k[5];
    tkey(k, 't', t->oid);
    int32_t rc = helios_wbatch_put(b, CAT_TREE, k, 5, s.d, (uint32_t)s.len);
    sb_free(&s);
    if (rc != 0) return sql_err(err, rc, "out of memory");
    return cat_persist_meta(eng, b, err);
}

/* statistics of a table (stats.c): "a"+oid -> version, rows counted, then per column
   ndistinct, null fraction, min, max (doubles) and whether min/max are known */
int32_t cat_persist_stats(helios_engine_t *eng, table_t *t, helios_wbatch_t *b, helios_err_t *err)
{
    sbuf_t s = {0};
    w_u32(&s, 1);
    sb_putn(&s, (const char *)&t->st_rows, 8);
    w_u32(&s, t->n_cols);
    for (uint32_t i = 0; i < t->n_cols; i++) {
        column_t *c = &t->cols[i];
        sb_putn(&s, (const char *)&c->st_ndistinct, 8);
        sb_putn(&s, (const char *)&c->st_null_frac, 8);
        sb_putn(&s, (const char *)&c->st_lo, 8);
        sb_putn(&s, (const char *)&c->st_hi, 8);
        w_u32(&s, c->st_has_range);
    }
    char k[5];
    tkey(k, 'a', t->oid);
    int32_t rc = helios_wbatch_put(b, CAT_TREE, k, 5, s.d, (uint32_t)s.len);
    sb_free(&s);
    (void)eng;
    return rc != 0 ? sql_err(err, rc, "out of memory") : 0;
}

static double r_f64(rd_t *r)
{
    int64_t v = r_i64(r);
    double d;
    memcpy(&d, &v, 8);
    return d;
}

/* apply a statistics record to its table (a record of another shape is ignored: statistics
   are advisory and come back with the next ANALYZE) */
static void load_stats(table_t *t, const uint8_t *p, uint32_t n)
{
    rd_t r = {.p = p, .n = n};
    if (r_u32(&r) != 1) return;
    double rows = r_f64(&r);
    uint32_t nc = r_u32(&r);
    if (r.bad || nc != t->n_cols || r.n - r.off != nc * 36u) return;
    for (uint32_t i = 0; i < nc; i++) {
        column_t *c = &t->cols[i];
        c->st_ndistinct = r_f64(&r);
        c->st_null_frac = r_f64(&r);
        c->st_lo = r_f64(&r);
        c->st_hi = r_f64(&r);
        c->st_has_range = r_u32(&r);
    }
    t->st_rows = rows;
}

int32_t cat_drop_table_entry(helios_engine_t *eng, table_t *t, helios_wbatch_t *b,
                             helios_err_t *err)
{
    char k[5];
    tkey(k, 'a', t->oid);
    if (helios_wbatch_del(b, CAT_TREE, k, 5) != 0) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    tkey(k, 't', t->oid);
    int32_t rc = helios_wbatch_del(b, CAT_TREE, k, 5);
    if (rc != 0) return sql_err(err, rc, "out of memory");
    (void)eng;
    return 0;
}

int32_t cat_persist_user(helios_engine_t *eng, user_t *u, int del, helios_wbatch_t *b,
                         helios_err_t *err)
{
    sbuf_t k = {0}, s = {0};
    sb_putc(&k, 'u');
    sb_puts(&k, u->name);
    int32_t rc;
    if (del) {
        rc = helios_wbatch_del(b, CAT_TREE, k.d, (uint32_t)k.len);
    } else {
        w_str(&s, u->name);
        w_str(&s, u->verifier);
        w_u32(&s, u->superuser);
        rc = helios_wbatch_put(b, CAT_TREE, k.d, (uint32_t)k.len, s.d, (uint32_t)s.len);
    }
    sb_free(&k);
    sb_free(&s);
    (void)eng;
    return rc != 0 ? sql_err(err, rc, "out of memory") : 0;
}

int32_t cat_persist_schema(helios_engine_t *eng, schema_t *sc, int del, helios_wbatch_t *b,
                           helios_err_t *err)
{
    char k[5];
    tkey(k, 's', sc->oid);
    int32_t rc;
    if (del) {
        rc = helios_wbatch_del(b, CAT_TREE, k, 5);
    } else {
        sbuf_t s = {0};
        w_str(&s, sc->name);
        w_u32(&s, sc->db_oid); /* absent in records written before databases: the default */
        rc = helios_wbatch_put(b, CAT_TREE, k, 5, s.d, (uint32_t)s.len);
        sb_free(&s);
    }
    if (rc == 0) rc = cat_persist_meta(eng, b, err);
    return rc;
}

int32_t cat_persist_db(helios_engine_t *eng, database_t *d, int del, helios_wbatch_t *b,
                       helios_err_t *err)
{
    char k[5];
    tkey(k, 'd', d->oid);
    int32_t rc;
    if (del) {
        rc = helios_wbatch_del(b, CAT_TREE, k, 5);
    } else {
        sbuf_t s = {0};
        w_str(&s, d->name);
        rc = helios_wbatch_put(b, CAT_TREE, k, 5, s.d, (uint32_t)s.len);
        sb_free(&s);
    }
    if (rc == 0) rc = cat_persist_meta(eng, b, err);
    return rc;
}

uint32_t cat_cur_db(helios_engine_t *eng)
{
    helios_session_t *s = sql_cur_session;
    return s != NULL && s->eng == eng && s->db_oid != 0 ? s->db_oid : DB_DEFAULT_OID;
}

database_t *cat_find_db(helios_engine_t *eng, const char *name)
{
    for (uint32_t i = 0; i < eng->cat.n_dbs; i++) {
        if (strcmp(eng->cat.dbs[i].name, name) == 0) return &eng->cat.dbs[i];
    }
    return NULL;
}

database_t *cat_db_by_oid(helios_engine_t *eng, uint32_t oid)
{
    for (uint32_t i = 0; i < eng->cat.n_dbs; i++) {
        if (eng->cat.dbs[i].oid == oid) return &eng->cat.dbs[i];
    }
    return NULL;
}

int cat_schema_visible(helios_engine_t *eng, uint32_t soid)
{
    uint32_t db = cat_cur_db(eng);
    for (uint32_t i = 0; i < eng->cat.n_schemas; i++) {
        if (eng->cat.schemas[i].oid == soid) return eng->cat.schemas[i].db_oid == db;
    }
    return 1; /* pg_catalog, information_schema */
}

static void add_db(catalog_t *c, uint32_t oid, char *name)
{
    database_t *nd = realloc(c->dbs, sizeof(database_t) * (c->n_dbs + 1));
    if (nd == NULL) abort();
    c->dbs = nd;
    c->dbs[c->n_dbs].oid = oid;
    c->dbs[c->n_dbs++].name = name;
}

void cat_add_table(helios_engine_t *eng, table_t *t)
{
    catalog_t *c = &eng->cat;
    if (c->n_tables == c->cap_tables) {
        uint32_t nc = c->cap_tables ? c->cap_tables * 2 : 64;
        table_t **n = realloc(c->tables, sizeof(table_t *) * nc);
        if (n == NULL) abort();
        c->tables = n;
        c->cap_tables = nc;
    }
    c->tables[c->n_tables++] = t;
    c->version++;
}

void cat_remove_table(helios_engine_t *eng, table_t *t)
{
    catalog_t *c = &eng->cat;
    for (uint32_t i = 0; i < c->n_tables; i++) {
        if (c->tables[i] == t) {
            c->tables[i] = c->tables[--c->n_tables];
            break;
        }
    }
    table_t **d = realloc(c->dead, sizeof(table_t *) * (c->n_dead + 1));
    if (d != NULL) {
        c->dead = d;
        c->dead[c->n_dead++] = t;
    }
    c->version++;
}

schema_t *cat_find_schema(helios_engine_t *eng, const char *name)
{
    uint32_t db = cat_cur_db(eng);
    for (uint32_t i = 0; i < eng->cat.n_schemas; i++) {
        schema_t *sc = &eng->cat.schemas[i];
        if (sc->db_oid == db && strcmp(sc->name, name) == 0) return sc;
    }
    return NULL;
}

__thread helios_session_t *sql_cur_session;

/* one element of a search_path string: an identifier, double-quoted or folded to lower case */
static const char *path_elem(const char *p, char *out, size_t cap)
{
    while (*p == ' ' || *p == '\t' || *p == ',') p++;
    size_t n = 0;
    if (*p == '"') {
        for (p++; *p != '\0'; p++) {
            if (*p == '"' && p[1] == '"') p++;
            else if (*p == '"') {
                p++;
                break;
            }
            if (n + 1 < cap) out[n++] = *p;
        }
    } else {
        for (; *p != '\0' && *p != ',' && *p != ' ' && *p != '\t'; p++) {
            if (n + 1 < cap) out[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        }
    }
    out[n] = '\0';
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

uint32_t cat_search_path(helios_engine_t *eng, uint32_t *out, uint32_t cap)
{
    helios_session_t *s = sql_cur_session;
    if (s == NULL || s->eng != eng) {
        if (cap == 0) return 0;
        out[0] = 2200;
        return 1;
    }
    uint64_t catver = __atomic_load_n(&eng->cat.version, __ATOMIC_ACQUIRE);
    if (s->path_settings != s->settings_version || s->path_catver != catver ||
        s->settings_version == 0) {
        const char *sp = sess_get_setting(s, "search_path");
        uint32_t n = 0;
        char name[256];
        for (const char *p = sp != NULL ? sp : "public"; *p != '\0' && n < 16;) {
            const char *next = path_elem(p, name, sizeof name);
            if (next == p) break;
            p = next;
            if (name[0] == '\0') continue;
            const char *nm = strcmp(name, "$user") == 0 ? s->user : name;
            schema_t *sc = nm != NULL ? cat_find_schema(eng, nm) : NULL;
            if (sc == NULL) continue; /* PostgreSQL skips names that are not schemas */
            uint32_t dup = 0;
            for (uint32_t k = 0; k < n; k++) dup |= s->path[k] == sc->oid;
            if (!dup) s->path[n++] = sc->oid;
        }
        s->n_path = n;
        s->path_settings = s->settings_version;
        s->path_catver = catver;
    }
    uint32_t n = s->n_path < cap ? s->n_path : cap;
    memcpy(out, s->path, sizeof(uint32_t) * n);
    return n;
}

uint32_t cat_creation_schema(helios_engine_t *eng)
{
    uint32_t p[1];
    return cat_search_path(eng, p, 1) ? p[0] : 0;
}

table_t *cat_find_in_schema(helios_engine_t *eng, uint32_t soid, const char *name)
{
    for (uint32_t i = 0; i < eng->cat.n_tables; i++) {
        table_t *t = eng->cat.tables[i];
        if (t->schema_oid == soid && strcmp(t->name, name) == 0) return t;
    }
    return NULL;
}

table_t *cat_find_table(helios_engine_t *eng, const char *schema, const char *name)
{
    uint32_t path[16], n_path;
    if (schema != NULL) {
        if (strcmp(schema, "pg_catalog") == 0 || strcmp(schema, "information_schema") == 0) {
            return sys_find(eng, schema, name);
        }
        schema_t *s = cat_find_schema(eng, schema);
        if (s == NULL) return NULL;
        path[0] = s->oid;
        n_path = 1;
    } else {
        n_path = cat_search_path(eng, path, 16);
    }
    catalog_t *c = &eng->cat;
    for (uint32_t k = 0; k < n_path; k++) {
        for (uint32_t i = 0; i < c->n_tables; i++) {
            table_t *t = c->tables[i];
            if (t->schema_oid == path[k] && strcmp(t->name, name) == 0) return t;
        }
    }
    /* pg_catalog is on every search path */
    if (schema == NULL && strncmp(name, "pg_", 3) == 0) return sys_find(eng, "pg_catalog", name);
    return NULL;
}

user_t *cat_find_user(helios_engine_t *eng, const char *name)
{
    for (uint32_t i = 0; i < eng->cat.n_users; i++) {
        if (strcmp(eng->cat.users[i].name, name) == 0) return &eng->cat.users[i];
    }
    return NULL;
}

/* sequences: values are handed out from memory; the catalog records a value 32 steps ahead
   so a restart never repeats one (PostgreSQL's SEQ_LOG_VALS) */
int32_t cat_persist_seq(helios_engine_t *eng, table_t *seq, helios_err_t *err)
{
    helios_wbatch_t *b = helios_wbatch_new();
    if (b == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    pthread_mutex_lock(&seq->mu);
    int64_t saved = seq->seq_next;
    seq->seq_next = seq->seq_start; /* seq_start doubles as the reserved mark on disk */
    seq->seq_next = saved;
    sbuf_t s = {0};
    table_t tmp = *seq;
    tmp.seq_next = seq->seq_start;
    ser_table(&tmp, &s);
    pthread_mutex_unlock(&seq->mu);
    char k[5];
    tkey(k, 't', seq->oid);
    int32_t rc = helios_wbatch_put(b, CAT_TREE, k, 5, s.d, (uint32_t)s.len);
    sb_free(&s);
    if (rc == 0) rc = cat_commit_batch(eng, b, err);
    helios_wbatch_free(b);
    return rc;
}

int32_t seq_nextval(helios_engine_t *eng, table_t *t, int64_t *out, helios_err_t *err)
{
    int need_persist = 0;
    pthread_mutex_lock(&t->mu);
    int64_t v = t->seq_next;
    if ((t->seq_inc > 0 && v > t->seq_max) || (t->seq_inc < 0 && v < t->seq_min)) {
        if (!t->seq_cycle) {
            pthread_mutex_unlock(&t->mu);
            return sql_err(err, HELIOS_ERR_OBJECT_NOT_IN_PREREQUISITE_STATE,
                           "nextval: reached %s value of sequence \"%s\" (%lld)",
                           t->seq_inc > 0 ? "maximum" : "minimum", t->name,
                           (long long)(t->seq_inc > 0 ? t->seq_max : t->seq_min));
        }
        v = t->seq_inc > 0 ? t->seq_min : t->seq_max;
    }
    t->seq_next = v + t->seq_inc;
    t->seq_called = 1;
    /* seq_start is reused as the "reserved through" mark written to disk */
    if ((t->seq_inc > 0 && t->seq_next > t->seq_start) ||
        (t->seq_inc < 0 && t->seq_next < t->seq_start)) {
        t->seq_start = t->seq_next + 32 * t->seq_inc;
        need_persist = 1;
    }
    pthread_mutex_unlock(&t->mu);
    *out = v;
    if (need_persist) return cat_persist_seq(eng, t, err);
    return 0;
}

static int32_t load(helios_engine_t *eng, helios_err_t *err)
{
    helios_iter_t *it;
    int32_t rc = helios_lsm_iter_open(eng->lsm, CAT_TREE, helios_lsm_last_seq(eng->lsm), &it, err);
    if (rc != 0) return rc;
    catalog_t *c = &eng->cat;
    /* statistics records ("a" sorts first) wait for their tables */
    sbuf_t st = {0};
    for (helios_iter_seek_first(it); helios_iter_valid(it); helios_iter_next(it)) {
        uint32_t kl, vl;
        const uint8_t *k = helios_iter_key(it, &kl);
        const uint8_t *v = helios_iter_value(it, &vl);
        rd_t r = {.p = v, .n = vl};
        if (kl == 5 && k[0] == 'a') {
            sb_putn(&st, (const char *)k + 1, 4);
            sb_putn(&st, (const char *)&vl, 4);
            sb_putn(&st, (const char *)v, vl);
        } else if (kl == 1 && k[0] == 'm') {
            c->next_oid = r_u32(&r);
            c->next_tree = r_u32(&r);
        } else if (kl == 5 && k[0] == 's') {
            char *nm = r_str(&r);
            if (nm == NULL) continue;
            schema_t *ns = realloc(c->schemas, sizeof(schema_t) * (c->n_schemas + 1));
            if (ns == NULL) abort();
            c->schemas = ns;
            uint32_t oid = ((uint32_t)k[1] << 24) | ((uint32_t)k[2] << 16) | ((uint32_t)k[3] << 8) | k[4];
            c->schemas[c->n_schemas].oid = oid;
            c->schemas[c->n_schemas].db_oid = r.off + 4 <= r.n ? r_u32(&r) : DB_DEFAULT_OID;
            c->schemas[c->n_schemas++].name = nm;
        } else if (kl == 5 && k[0] == 'd') {
            char *nm = r_str(&r);
            if (nm == NULL) continue;
            add_db(c, ((uint32_t)k[1] << 24) | ((uint32_t)k[2] << 16) | ((uint32_t)k[3] << 8) | k[4],
                   nm);
        } else if (kl == 5 && k[0] == 't') {
            table_t *t = deser_table(v, vl);
            if (t == NULL) {
                helios_iter_close(it);
                return sql_err(err, HELIOS_ERR_DATA_CORRUPTED, "corrupt catalog entry");
            }
            if (t->kind == REL_SEQUENCE) {
                /* restart from the reserved mark */
                t->seq_start = t->seq_next;
            }
            cat_add_table(eng, t);
        } else if (kl > 1 && k[0] == 'u') {
            user_t u = {0};
            u.name = r_str(&r);
            u.verifier = r_str(&r);
            u.superuser = r_u32(&r);
            if (u.name == NULL) continue;
            user_t *nu = realloc(c->users, sizeof(user_t) * (c->n_users + 1));
            if (nu == NULL) abort();
            c->users = nu;
            c->users[c->n_users++] = u;
        }
    }
    rc = helios_iter_status(it, err);
    helios_iter_close(it);
    for (size_t off = 0; rc == 0 && off + 8 <= st.len;) {
        const uint8_t *k = (const uint8_t *)st.d + off;
        uint32_t oid = ((uint32_t)k[0] << 24) | ((uint32_t)k[1] << 16) | ((uint32_t)k[2] << 8) | k[3];
        uint32_t vl;
        memcpy(&vl, k + 4, 4);
        if (off + 8 + vl > st.len) break;
        for (uint32_t i = 0; i < c->n_tables; i++) {
            if (c->tables[i]->oid == oid) load_stats(c->tables[i], k + 8, vl);
        }
        off += 8 + vl;
    }
    sb_free(&st);
    return rc;
}

int32_t cat_open(helios_engine_t *eng, helios_err_t *err)
{
    catalog_t *c = &eng->cat;
    pthread_rwlock_init(&c->lock, NULL);
    c->next_oid = 16384;
    c->next_tree = 16;
    int32_t rc;
    if (!helios_lsm_tree_exists(eng->lsm, CAT_TREE)) {
        helios_tree_schema_t ts = {.kind = HELIOS_TREE_KV};
        rc = helios_lsm_tree_create(eng->lsm, CAT_TREE, &ts, err);
        if (rc != 0) return rc;
    }
    /* no session's context applies while the catalog loads (the thread's last session may
       belong to another engine) */
    sql_cur_session = NULL;
    add_db(c, DB_DEFAULT_OID, strdup("helios"));
    if ((rc = load(eng, err)) != 0) return rc;
    if (cat_find_schema(eng, "public") == NULL) {
        helios_wbatch_t *b = helios_wbatch_new();
        schema_t *ns = realloc(c->schemas, sizeof(schema_t) * (c->n_schemas + 1));
        if (ns == NULL || b == NULL) abort();
        c->schemas = ns;
        c->schemas[c->n_schemas].oid = 2200;
        c->schemas[c->n_schemas].db_oid = DB_DEFAULT_OID;
        c->schemas[c->n_schemas].name = strdup("public");
        rc = cat_persist_schema(eng, &c->schemas[c->n_schemas], 0, b, err);
        c->n_schemas++;
        if (rc == 0) rc = cat_commit_batch(eng, b, err);
        helios_wbatch_free(b);
        if (rc != 0) return rc;
    }
    /* estimated row counts: count lazily is expensive; start from a small guess */
    for (uint32_t i = 0; i < c->n_tables; i++) {
        table_t *t = c->tables[i];
        t->est_rows = t->st_rows > 0 ? (uint64_t)t->st_rows : 1000;
        t->st_rows_at = t->st_rows > 0 ? t->est_rows : 0;
    }
    return 0;
}

void cat_close(helios_engine_t *eng)
{
    catalog_t *c = &eng->cat;
    for (uint32_t i = 0; i < c->n_tables; i++) table_free(c->tables[i]);
    for (uint32_t i = 0; i < c->n_dead; i++) table_free(c->dead[i]);
    free(c->tables);
    free(c->dead);
    for (uint32_t i = 0; i < c->n_schemas; i++) free(c->schemas[i].name);
    free(c->schemas);
    for (uint32_t i = 0; i < c->n_users; i++) {
        free(c->users[i].name);
        free(c->users[i].verifier);
    }
    free(c->users);
    for (uint32_t i = 0; i < c->n_dbs; i++) free(c->dbs[i].name);
    free(c->dbs);
    pthread_rwlock_destroy(&c->lock);
    memset(c, 0, sizeof *c);
}
