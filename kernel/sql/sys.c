/* kernel/sql/sys.c -- pg_catalog and information_schema views generated from the catalog, the
 * subset psql, pgbench and drivers query (pg_class, pg_namespace, pg_attribute, pg_type,
 * pg_index, pg_database, pg_roles, ...). Read-only; unknown columns of a view read as NULL. */
#include <stdio.h>
#include <stdlib.h>

#include "sql/sqlint.h"
#include "sql/tz.h"
#include "txn/sqltxn.h"

#define T_OID 26u
#define T_NAME 19u
#define T_TEXT 25u
#define T_BOOL 16u
#define T_I2 21u
#define T_I4 23u
#define T_I8 20u
#define T_F4 700u
#define T_CHAR 18u

typedef struct sys_col {
    const char *name;
    uint32_t type;
} sys_col_t;

enum { SV_NAMESPACE = 1, SV_CLASS, SV_ATTRIBUTE, SV_TYPE, SV_INDEX, SV_DATABASE, SV_ROLES, SV_USER,
       SV_AM, SV_SETTINGS, SV_ATTRDEF, SV_CONSTRAINT, SV_EMPTY, SV_TABLES_IS, SV_COLUMNS_IS,
       SV_SCHEMATA_IS, SV_TABLES_PG, SV_INDEXES_PG, SV_SEQUENCES_IS, SV_VIEWS_IS, SV_STATS,
       SV_TZ_NAMES, SV_TZ_ABBREVS };

#define C(n, t) {n, t}
static const sys_col_t c_namespace[] = {C("oid", T_OID), C("nspname", T_NAME), C("nspowner", T_OID), C("nspacl", T_TEXT)};
static const sys_col_t c_class[] = {
    C("oid", T_OID), C("relname", T_NAME), C("relnamespace", T_OID), C("reltype", T_OID),
    C("reloftype", T_OID), C("relowner", T_OID), C("relam", T_OID), C("relfilenode", T_OID),
    C("reltablespace", T_OID), C("relpages", T_I4), C("reltuples", T_F4), C("relallvisible", T_I4),
    C("reltoastrelid", T_OID), C("relhasindex", T_BOOL), C("relisshared", T_BOOL),
    C("relpersistence", T_CHAR), C("relkind", T_CHAR), C("relnatts", T_I2), C("relchecks", T_I2),
    C("relhasrules", T_BOOL), C("relhastriggers", T_BOOL), C("relhassubclass", T_BOOL),
    C("relrowsecurity", T_BOOL), C("relforcerowsecurity", T_BOOL), C("relispopulated", T_BOOL),
    C("relreplident", T_CHAR), C("relispartition", T_BOOL), C("relrewrite", T_OID),
    C("relfrozenxid", T_TEXT), C("relminmxid", T_TEXT), C("relacl", T_TEXT), C("reloptions", T_TEXT),
    C("relpartbound", T_TEXT)};
static const sys_col_t c_attribute[] = {
    C("attrelid", T_OID), C("attname", T_NAME), C("atttypid", T_OID), C("attstattarget", T_I4),
    C("attlen", T_I2), C("attnum", T_I2), C("attndims", T_I4), C("attcacheoff", T_I4),
    C("atttypmod", T_I4), C("attbyval", T_BOOL), C("attalign", T_CHAR), C("attstorage", T_CHAR),
    C("attcompression", T_CHAR), C("attnotnull", T_BOOL), C("atthasdef", T_BOOL),
    C("atthasmissing", T_BOOL), C("attidentity", T_CHAR), C("attgenerated", T_CHAR),
    C("attisdropped", T_BOOL), C("attislocal", T_BOOL), C("attinhcount", T_I4),
    C("attcollation", T_OID), C("attacl", T_TEXT), C("attoptions", T_TEXT),
    C("attfdwoptions", T_TEXT), C("attmissingval", T_TEXT)};
static const sys_col_t c_type[] = {
    C("oid", T_OID), C("typname", T_NAME), C("typnamespace", T_OID), C("typowner", T_OID),
    C("typlen", T_I2), C("typbyval", T_BOOL), C("typtype", T_CHAR), C("typcategory", T_CHAR),
    C("typispreferred", T_BOOL), C("typisdefined", T_BOOL), C("typdelim", T_CHAR),
    C("typrelid", T_OID), C("typsubscript", T_TEXT), C("typelem", T_OID), C("typarray", T_OID),
    C("typinput", T_TEXT), C("typoutput", T_TEXT), C("typreceive", T_TEXT), C("typsend", T_TEXT),
    C("typmodin", T_TEXT), C("typmodout", T_TEXT), C("typanalyze", T_TEXT), C("typalign", T_CHAR),
    C("typstorage", T_CHAR), C("typnotnull", T_BOOL), C("typbasetype", T_OID),
    C("typtypmod", T_I4), C("typndims", T_I4), C("typcollation", T_OID),
    C("typdefaultbin", T_TEXT), C("typdefault", T_TEXT), C("typacl", T_TEXT)};
static const sys_col_t c_index[] = {
    C("indexrelid", T_OID), C("indrelid", T_OID), C("indnatts", T_I2), C("indnkeyatts", T_I2),
    C("indisunique", T_BOOL), C("indnullsnotdistinct", T_BOOL), C("indisprimary", T_BOOL),
    C("indisexclusion", T_BOOL), C("indimmediate", T_BOOL), C("indisclustered", T_BOOL),
    C("indisvalid", T_BOOL), C("indcheckxmin", T_BOOL), C("indisready", T_BOOL),
    C("indislive", T_BOOL), C("indisreplident", T_BOOL), C("indkey", 22u),
    C("indcollation", 30u), C("indclass", 30u), C("indoption", 22u), C("indexprs", T_TEXT),
    C("indpred", T_TEXT)};
static const sys_col_t c_database[] = {
    C("oid", T_OID), C("datname", T_NAME), C("datdba", T_OID), C("encoding", T_I4),
    C("datlocprovider", T_CHAR), C("datistemplate", T_BOOL), C("datallowconn", T_BOOL),
    C("datconnlimit", T_I4), C("datfrozenxid", T_TEXT), C("datminmxid", T_TEXT),
    C("dattablespace", T_OID), C("datcollate", T_TEXT), C("datctype", T_TEXT),
    C("daticulocale", T_TEXT), C("datcollversion", T_TEXT), C("datacl", T_TEXT)};
static const sys_col_t c_roles[] = {
    C("rolname", T_NAME), C("rolsuper", T_BOOL), C("rolinherit", T_BOOL),
    C("rolcreaterole", T_BOOL), C("rolcreatedb", T_BOOL), C("rolcanlogin", T_BOOL),
    C("rolreplication", T_BOOL), C("rolconnlimit", T_I4), C("rolpassword", T_TEXT),
    C("rolvaliduntil", 1184u), C("rolbypassrls", T_BOOL), C("rolconfig", T_TEXT), C("oid", T_OID)};
static const sys_col_t c_user[] = {
    C("usename", T_NAME), C("usesysid", T_OID), C("usecreatedb", T_BOOL), C("usesuper", T_BOOL),
    C("userepl", T_BOOL), C("usebypassrls", T_BOOL), C("passwd", T_TEXT), C("valuntil", 1184u),
    C("useconfig", T_TEXT)};
static const sys_col_t c_am[] = {C("oid", T_OID), C("amname", T_NAME), C("amhandler", T_TEXT), C("amtype", T_CHAR)};
static const sys_col_t c_settings[] = {
    C("name", T_TEXT), C("setting", T_TEXT), C("unit", T_TEXT), C("category", T_TEXT),
    C("short_desc", T_TEXT), C("extra_desc", T_TEXT), C("context", T_TEXT), C("vartype", T_TEXT),
    C("source", T_TEXT), C("min_val", T_TEXT), C("max_val", T_TEXT), C("enumvals", T_TEXT),
    C("boot_val", T_TEXT), C("reset_val", T_TEXT), C("sourcefile", T_TEXT),
    C("sourceline", T_I4), C("pending_restart", T_BOOL)};
static const sys_col_t c_attrdef[] = {C("oid", T_OID), C("adrelid", T_OID), C("adnum", T_I2), C("adbin", T_TEXT)};
static const sys_col_t c_constraint[] = {
    C("oid", T_OID), C("conname", T_NAME), C("connamespace", T_OID), C("contype", T_CHAR),
    C("condeferrable", T_BOOL), C("condeferred", T_BOOL), C("convalidated", T_BOOL),
    C("conrelid", T_OID), C("contypid", T_OID), C("conindid", T_OID), C("conparentid", T_OID),
    C("confrelid", T_OID), C("confupdtype", T_CHAR), C("confdeltype", T_CHAR),
    C("confmatchtype", T_CHAR), C("conislocal", T_BOOL), C("coninhcount", T_I4),
    C("connoinherit", T_BOOL), C("conkey", 1005u), C("confkey", 1005u), C("conbin", T_TEXT)};
/* views that exist so tools' queries bind; they have no rows here */
static const sys_col_t c_proc[] = {C("oid", T_OID), C("proname", T_NAME), C("pronamespace", T_OID), C("proowner", T_OID), C("prolang", T_OID), C("prokind", T_CHAR), C("prorettype", T_OID), C("proargtypes", 30u)};
static const sys_col_t c_description[] = {C("objoid", T_OID), C("classoid", T_OID), C("objsubid", T_I4), C("description", T_TEXT)};
static const sys_col_t c_inherits[] = {C("inhrelid", T_OID), C("inhparent", T_OID), C("inhseqno", T_I4), C("inhdetachpending", T_BOOL)};
static const sys_col_t c_partitioned[] = {C("partrelid", T_OID), C("partstrat", T_CHAR), C("partnatts", T_I2), C("partdefid", T_OID)};
static const sys_col_t c_trigger[] = {C("oid", T_OID), C("tgrelid", T_OID), C("tgparentid", T_OID), C("tgname", T_NAME), C("tgfoid", T_OID), C("tgtype", T_I2), C("tgenabled", T_CHAR), C("tgisinternal", T_BOOL), C("tgconstraint", T_OID)};
static const sys_col_t c_policy[] = {C("oid", T_OID), C("polname", T_NAME), C("polrelid", T_OID), C("polcmd", T_CHAR), C("polpermissive", T_BOOL), C("polroles", 1028u), C("polqual", T_TEXT), C("polwithcheck", T_TEXT)};
static const sys_col_t c_statext[] = {C("oid", T_OID), C("stxrelid", T_OID), C("stxname", T_NAME), C("stxnamespace", T_OID), C("stxowner", T_OID), C("stxstattarget", T_I4), C("stxkeys", 22u), C("stxkind", 1002u)};
static const sys_col_t c_publication[] = {C("oid", T_OID), C("pubname", T_NAME), C("pubowner", T_OID), C("puballtables", T_BOOL), C("pubinsert", T_BOOL), C("pubupdate", T_BOOL), C("pubdelete", T_BOOL), C("pubtruncate", T_BOOL), C("pubviaroot", T_BOOL)};
static const sys_col_t c_pubrel[] = {C("oid", T_OID), C("prpubid", T_OID), C("prrelid", T_OID), C("prqual", T_TEXT), C("prattrs", 22u)};
static const sys_col_t c_pubns[] = {C("oid", T_OID), C("pnpubid", T_OID), C("pnnspid", T_OID)};
static const sys_col_t c_tablespace[] = {C("oid", T_OID), C("spcname", T_NAME), C("spcowner", T_OID), C("spcacl", T_TEXT), C("spcoptions", T_TEXT)};
static const sys_col_t c_collation[] = {C("oid", T_OID), C("collname", T_NAME), C("collnamespace", T_OID), C("collprovider", T_CHAR)};
static const sys_col_t c_extension[] = {C("oid", T_OID), C("extname", T_NAME), C("extowner", T_OID), C("extnamespace", T_OID), C("extversion", T_TEXT)};
static const sys_col_t c_authmembers[] = {C("oid", T_OID), C("roleid", T_OID), C("member", T_OID), C("grantor", T_OID), C("admin_option", T_BOOL)};
static const sys_col_t c_foreign[] = {C("ftrelid", T_OID), C("ftserver", T_OID), C("ftoptions", T_TEXT)};
static const sys_col_t c_sequence[] = {C("seqrelid", T_OID), C("seqtypid", T_OID), C("seqstart", T_I8), C("seqincrement", T_I8), C("seqmax", T_I8), C("seqmin", T_I8), C("seqcache", T_I8), C("seqcycle", T_BOOL)};
static const sys_col_t c_is_tables[] = {
    C("table_catalog", T_NAME), C("table_schema", T_NAME), C("table_name", T_NAME),
    C("table_type", T_TEXT), C("self_referencing_column_name", T_NAME),
    C("reference_generation", T_TEXT), C("user_defined_type_catalog", T_NAME),
    C("user_defined_type_schema", T_NAME), C("user_defined_type_name", T_NAME),
    C("is_insertable_into", T_TEXT), C("is_typed", T_TEXT), C("commit_action", T_TEXT)};
static const sys_col_t c_is_columns[] = {
    C("table_catalog", T_NAME), C("table_schema", T_NAME), C("table_name", T_NAME),
    C("column_name", T_NAME), C("ordinal_position", T_I4), C("column_default", T_TEXT),
    C("is_nullable", T_TEXT), C("data_type", T_TEXT), C("character_maximum_length", T_I4),
    C("character_octet_length", T_I4), C("numeric_precision", T_I4),
    C("numeric_precision_radix", T_I4), C("numeric_scale", T_I4), C("datetime_precision", T_I4),
    C("udt_catalog", T_NAME), C("udt_schema", T_NAME), C("udt_name", T_NAME),
    C("is_identity", T_TEXT), C("is_generated", T_TEXT), C("is_updatable", T_TEXT)};
static const sys_col_t c_is_schemata[] = {C("catalog_name", T_NAME), C("schema_name", T_NAME), C("schema_owner", T_NAME), C("default_character_set_catalog", T_NAME), C("default_character_set_schema", T_NAME), C("default_character_set_name", T_NAME), C("sql_path", T_TEXT)};
static const sys_col_t c_is_sequences[] = {C("sequence_catalog", T_NAME), C("sequence_schema", T_NAME), C("sequence_name", T_NAME), C("data_type", T_TEXT), C("start_value", T_TEXT), C("minimum_value", T_TEXT), C("maximum_value", T_TEXT), C("increment", T_TEXT), C("cycle_option", T_TEXT)};
static const sys_col_t c_is_views[] = {C("table_catalog", T_NAME), C("table_schema", T_NAME), C("table_name", T_NAME), C("view_definition", T_TEXT)};
static const sys_col_t c_pg_tables[] = {C("schemaname", T_NAME), C("tablename", T_NAME), C("tableowner", T_NAME), C("tablespace", T_NAME), C("hasindexes", T_BOOL), C("hasrules", T_BOOL), C("hastriggers", T_BOOL), C("rowsecurity", T_BOOL)};
static const sys_col_t c_pg_indexes[] = {C("schemaname", T_NAME), C("tablename", T_NAME), C("indexname", T_NAME), C("tablespace", T_NAME), C("indexdef", T_TEXT)};

/* pg_stats: ANALYZE's per-column figures (stats.c); no most-common values or histograms */
static const sys_col_t c_pg_stats[] = {
    C("schemaname", T_NAME), C("tablename", T_NAME), C("attname", T_NAME), C("inherited", T_BOOL),
    C("null_frac", T_F4), C("avg_width", T_I4), C("n_distinct", T_F4),
    C("most_common_vals", T_TEXT), C("most_common_freqs", T_TEXT), C("histogram_bounds", T_TEXT),
    C("correlation", T_F4)};
#define T_INTERVAL 1186u
static const sys_col_t c_tz_names[] = {C("name", T_TEXT), C("abbrev", T_TEXT),
                                       C("utc_offset", T_INTERVAL), C("is_dst", T_BOOL)};
static const sys_col_t c_tz_abbrevs[] = {C("abbrev", T_TEXT), C("utc_offset", T_INTERVAL),
                                         C("is_dst", T_BOOL)};
typedef struct sys_def {
    const char *schema, *name;
    uint32_t id;
    const sys_col_t *cols;
    uint32_t n;
} sys_def_t;

#define D(s, n, id, c) {s, n, id, c, sizeof c / sizeof c[0]}
static const sys_def_t defs[] = {
    D("pg_catalog", "pg_namespace", SV_NAMESPACE, c_namespace),
    D("pg_catalog", "pg_class", SV_CLASS, c_class),
    D("pg_catalog", "pg_attribute", SV_ATTRIBUTE, c_attribute),
    D("pg_catalog", "pg_type", SV_TYPE, c_type),
    D("pg_catalog", "pg_index", SV_INDEX, c_index),
    D("pg_catalog", "pg_database", SV_DATABASE, c_database),
    D("pg_catalog", "pg_roles", SV_ROLES, c_roles),
    D("pg_catalog", "pg_authid", SV_ROLES, c_roles),
    D("pg_catalog", "pg_user", SV_USER, c_user),
    D("pg_catalog", "pg_am", SV_AM, c_am),
    D("pg_catalog", "pg_settings", SV_SETTINGS, c_settings),
    D("pg_catalog", "pg_attrdef", SV_ATTRDEF, c_attrdef),
    D("pg_catalog", "pg_constraint", SV_CONSTRAINT, c_constraint),
    D("pg_catalog", "pg_tables", SV_TABLES_PG, c_pg_tables),
    D("pg_catalog", "pg_indexes", SV_INDEXES_PG, c_pg_indexes),
    D("pg_catalog", "pg_stats", SV_STATS, c_pg_stats),
    D("pg_catalog", "pg_timezone_names", SV_TZ_NAMES, c_tz_names),
    D("pg_catalog", "pg_timezone_abbrevs", SV_TZ_ABBREVS, c_tz_abbrevs),
    D("pg_catalog", "pg_proc", SV_EMPTY, c_proc),
    D("pg_catalog", "pg_description", SV_EMPTY, c_description),
    D("pg_catalog", "pg_shdescription", SV_EMPTY, c_description),
    D("pg_catalog", "pg_inherits", SV_EMPTY, c_inherits),
    D("pg_catalog", "pg_partitioned_table", SV_EMPTY, c_partitioned),
    D("pg_catalog", "pg_trigger", SV_EMPTY, c_trigger),
    D("pg_catalog", "pg_policy", SV_EMPTY, c_policy),
    D("pg_catalog", "pg_statistic_ext", SV_EMPTY, c_statext),
    D("pg_catalog", "pg_publication", SV_EMPTY, c_publication),
    D("pg_catalog", "pg_publication_rel", SV_EMPTY, c_pubrel),
    D("pg_catalog", "pg_publication_namespace", SV_EMPTY, c_pubns),
    D("pg_catalog", "pg_tablespace", SV_EMPTY, c_tablespace),
    D("pg_catalog", "pg_collation", SV_EMPTY, c_collation),
    D("pg_catalog", "pg_extension", SV_EMPTY, c_extension),
    D("pg_catalog", "pg_auth_members", SV_EMPTY, c_authmembers),
    D("pg_catalog", "pg_foreign_table", SV_EMPTY, c_foreign),
    D("pg_catalog", "pg_sequence", SV_EMPTY, c_sequence),
    D("information_schema", "tables", SV_TABLES_IS, c_is_tables),
    D("information_schema", "columns", SV_COLUMNS_IS, c_is_columns),
    D("information_schema", "schemata", SV_SCHEMATA_IS, c_is_schemata),
    D("information_schema", "sequences", SV_SEQUENCES_IS, c_is_sequences),
    D("information_schema", "views", SV_VIEWS_IS, c_is_views),
};

#define NS_PG_CATALOG 11u
#define PKEY_OID_OFFSET 0x20000000u
#define NS_INFO_SCHEMA 13183u

void sys_open(helios_engine_t *eng)
{
    uint32_t n = sizeof defs / sizeof defs[0];
    eng->sys = calloc(n, sizeof(table_t *));
    eng->n_sys = n;
    for (uint32_t i = 0; i < n; i++) {
        table_t *t = table_alloc();
        t->kind = REL_SYSTEM;
        t->sys_id = defs[i].id;
        t->name = strdup(defs[i].name);
        t->oid = 1000 + i;
        t->schema_oid = strcmp(defs[i].schema, "pg_catalog") == 0 ? NS_PG_CATALOG : NS_INFO_SCHEMA;
        t->n_cols = defs[i].n;
        t->cols = calloc(t->n_cols, sizeof(column_t));
        for (uint32_t c = 0; c < t->n_cols; c++) {
            t->cols[c].name = strdup(defs[i].cols[c].name);
            t->cols[c].type = defs[i].cols[c].type;
            t->cols[c].typmod = -1;
        }
        t->est_rows = 100;
        eng->sys[i] = t;
    }
}

void sys_close(helios_engine_t *eng)
{
    for (uint32_t i = 0; i < eng->n_sys; i++) table_free(eng->sys[i]);
    free(eng->sys);
    eng->sys = NULL;
    eng->n_sys = 0;
}

table_t *sys_find(helios_engine_t *eng, const char *schema, const char *name)
{
    for (uint32_t i = 0; i < eng->n_sys; i++) {
        if (strcmp(defs[i].schema, schema) == 0 && strcmp(defs[i].name, name) == 0) return eng->sys[i];
    }
    return NULL;
}

static const char *cur_db_name(helios_engine_t *eng)
{
    database_t *d = cat_db_by_oid(eng, cat_cur_db(eng));
    return d != NULL ? d->name : "helios";
}

const char *sys_rel_name(helios_engine_t *eng, uint32_t oid)
{
    for (uint32_t i = 0; i < eng->cat.n_tables; i++) {
        table_t *t = eng->cat.tables[i];
        if (t->oid == oid) return t->name;
        for (uint32_t k = 0; k < t->n_idx; k++) {
            if (t->idx[k].oid == oid) return t->idx[k].name;
        }
    }
    for (uint32_t i = 0; i < eng->n_sys; i++) {
        if (eng->sys[i]->oid == oid) return eng->sys[i]->name;
    }
    return NULL;
}

/* ---- row building ---- */
typedef struct rb {
    exec_ctx_t *cx;
    plan_t *p;
    rowset_t *out;
    val_t *row;
    int32_t rc;
} rb_t;

static void rb_start(rb_t *b)
{
    b->row = row_new(b->cx->ar, b->p->width);
    for (uint32_t c = 0; c < b->p->tab->n_cols; c++) b->row[b->p->base + c].t = b->p->tab->cols[c].type;
}

static void set_i(rb_t *b, uint32_t c, int64_t v)
{
    val_t *x = &b->row[b->p->base + c];
    x->null = 0;
    x->i = v;
}

static void set_f(rb_t *b, uint32_t c, double v)
{
    val_t *x = &b->row[b->p->base + c];
    x->null = 0;
    x->f = v;
}

static void set_s(rb_t *b, uint32_t c, const char *s)
{
    if (s == NULL) return;
    val_t *x = &b->row[b->p->base + c];
    x->null = 0;
    x->s = ar_strdup(b->cx->ar, s);
    x->len = (uint32_t)strlen(s);
}

static void set_interval_s(rb_t *b, uint32_t c, int32_t secs)
{
    val_t *x = &b->row[b->p->base + c];
    helios_interval_t *iv = ar_zalloc(b->cx->ar, sizeof *iv);
    iv->us = (int64_t)secs * 1000000;
    x->null = 0;
    x->s = (const char *)iv;
    x->len = sizeof *iv;
}

static void rb_end(rb_t *b)
{
    if (b->rc != 0) return;
    if (b->p->filter != NULL) {
        b->cx->rows[b->p->depth] = b->row;
        int ok;
        if ((b->rc = eval_bool(b->cx, b->p->filter, &ok)) != 0 || !ok) return;
    }
    rs_add(b->cx->ar, b->out, b->row);
}

static const char *schema_name(helios_engine_t *eng, uint32_t oid)
{
    if (oid == NS_PG_CATALOG) return "pg_catalog";
    if (oid == NS_INFO_SCHEMA) return "information_schema";
    for (uint32_t i = 0; i < eng->cat.n_schemas; i++) {
        if (eng->cat.schemas[i].oid == oid) return eng->cat.schemas[i].name;
    }
    return "public";
}

static const struct {
    uint32_t oid;
    const char *name;
    char cat;
} base_types[] = {
    {16, "bool", 'B'}, {17, "bytea", 'U'}, {18, "char", 'Z'}, {19, "name", 'S'}, {20, "int8", 'N'},
    {21, "int2", 'N'}, {22, "int2vector", 'A'}, {23, "int4", 'N'}, {25, "text", 'S'},
    {26, "oid", 'N'}, {30, "oidvector", 'A'}, {114, "json", 'U'}, {700, "float4", 'N'},
    {701, "float8", 'N'}, {705, "unknown", 'X'}, {1042, "bpchar", 'S'}, {1043, "varchar", 'S'},
    {1082, "date", 'D'}, {1083, "time", 'D'}, {1114, "timestamp", 'D'}, {1184, "timestamptz", 'D'},
    {1186, "interval", 'T'}, {1700, "numeric", 'N'}, {2950, "uuid", 'U'}, {3802, "jsonb", 'U'},
    {2205, "regclass", 'N'}, {2278, "void", 'P'},
};

static void rows_type(rb_t *b)
{
    for (size_t i = 0; i < sizeof base_types / sizeof base_types[0]; i++) {
        for (int arr = 0; arr < 2; arr++) {
            uint32_t oid = base_types[i].oid;
            uint32_t aoid = type_array_of(oid);
            if (arr && (type_elem_of(aoid) != oid)) continue;
            char nm[80];
            snprintf(nm, sizeof nm, arr ? "_%s" : "%s", base_types[i].name);
            rb_start(b);
            set_i(b, 0, arr ? aoid : oid);
            set_s(b, 1, nm);
            set_i(b, 2, NS_PG_CATALOG);
            set_i(b, 3, 10);
            set_i(b, 4, arr ? -1 : type_len(oid));
            set_i(b, 5, !arr && type_len(oid) > 0 && type_len(oid) <= 8);
            set_s(b, 6, "b");
            char cat[2] = {arr ? 'A' : base_types[i].cat, 0};
            set_s(b, 7, cat);
            set_i(b, 8, 0);
            set_i(b, 9, 1);
            set_s(b, 10, ",");
            set_i(b, 11, 0);
            set_i(b, 13, arr ? oid : 0);
            set_i(b, 14, arr ? 0 : (type_elem_of(aoid) == oid ? aoid : 0));
            set_s(b, 22, type_len(oid) == 8 ? "d" : "i");
            set_s(b, 23, type_len(oid) > 0 ? "p" : "x");
            set_i(b, 24, 0);
            set_i(b, 25, 0);
            set_i(b, 26, -1);
            set_i(b, 27, arr);
            set_i(b, 28, 0);
            rb_end(b);
        }
    }
}

/* PostgreSQL's foreign keys are triggers on both tables: relhastriggers is true for them */
static int has_fk(helios_engine_t *eng, uint32_t oid)
{
    for (uint32_t i = 0; i < stx_fk_count(eng); i++) {
        stx_fk_info_t f;
        if (!stx_fk_info(eng, i, &f)) break;
        if (f.child_oid == oid || f.parent_oid == oid) return 1;
    }
    return 0;
}

static void rows_class(rb_t *b, helios_engine_t *eng)
{
    for (uint32_t i = 0; i < eng->cat.n_tables; i++) {
        table_t *t = eng->cat.tables[i];
        if (!cat_schema_visible(eng, t->schema_oid)) continue; /* another database */
        const char *kind = t->kind == REL_TABLE ? "r" : t->kind == REL_VIEW ? "v" : "S";
        rb_start(b);
        set_i(b, 0, t->oid);
        set_s(b, 1, t->name);
        set_i(b, 2, t->schema_oid);
        set_i(b, 3, 0);
        set_i(b, 4, 0);
        set_i(b, 5, 10);
        set_i(b, 6, t->kind == REL_TABLE ? 2 : 0);
        set_i(b, 7, t->tree);
        set_i(b, 8, 0);
        set_i(b, 9, 0);
        set_f(b, 10, t->kind == REL_TABLE ? (double)t->est_rows : -1);
        set_i(b, 11, 0);
        set_i(b, 12, 0);
        set_i(b, 13, t->n_idx > 0 || t->n_pk > 0);
        set_i(b, 14, 0);
        set_s(b, 15, "p");
        set_s(b, 16, kind);
        set_i(b, 17, t->n_cols);
        set_i(b, 18, t->n_checks);
        for (uint32_t c = 19; c <= 24; c++) set_i(b, c, c == 24);
        set_i(b, 20, t->kind == REL_TABLE && has_fk(eng, t->oid)); /* relhastriggers */
        set_s(b, 25, "d");
        set_i(b, 26, 0);
        set_i(b, 27, 0);
        rb_end(b);
        if (t->kind == REL_TABLE && t->n_pk > 0) {
            /* the primary key is the row key; shown as PostgreSQL shows its index */
            char nm[256];
            snprintf(nm, sizeof nm, "%s_pkey", t->name);
            rb_start(b);
            set_i(b, 0, t->oid + PKEY_OID_OFFSET);
            set_s(b, 1, nm);
            set_i(b, 2, t->schema_oid);
            set_i(b, 5, 10);
            set_i(b, 6, 403);
            set_i(b, 7, t->tree);
            set_s(b, 15, "p");
            set_s(b, 16, "i");
            set_i(b, 17, t->n_pk);
            set_i(b, 13, 0);
            rb_end(b);
        }
        for (uint32_t k = 0; k < t->n_idx; k++) {
            rb_start(b);
            set_i(b, 0, t->idx[k].oid);
            set_s(b, 1, t->idx[k].name);
            set_i(b, 2, t->schema_oid);
            set_i(b, 3, 0);
            set_i(b, 4, 0);
            set_i(b, 5, 10);
            set_i(b, 6, 403);
            set_i(b, 7, t->idx[k].tree);
            set_i(b, 8, 0);
            set_i(b, 9, 0);
            set_f(b, 10, 0);
            set_i(b, 11, 0);
            set_i(b, 12, 0);
            set_i(b, 13, 0);
            set_i(b, 14, 0);
            set_s(b, 15, "p");
            set_s(b, 16, "i");
            set_i(b, 17, t->idx[k].n_cols);
            set_i(b, 18, 0);
            for (uint32_t c = 19; c <= 24; c++) set_i(b, c, c == 24);
            set_s(b, 25, "n");
            set_i(b, 26, 0);
            set_i(b, 27, 0);
            rb_end(b);
        }
    }
    for (uint32_t i = 0; i < eng->n_sys; i++) {
        table_t *t = eng->sys[i];
        rb_start(b);
        set_i(b, 0, t->oid);
        set_s(b, 1, t->name);
        set_i(b, 2, t->schema_oid);
        set_i(b, 5, 10);
        set_s(b, 15, "p");
        set_s(b, 16, "v");
        set_i(b, 17, t->n_cols);
        set_i(b, 13, 0);
        rb_end(b);
    }
}

static void add_attr(rb_t *b, uint32_t relid, const char *name, uint32_t type, int32_t typmod,
                     int num, int notnull, int hasdef, int dropped, int identity)
{
    rb_start(b);
    set_i(b, 0, relid);
    set_s(b, 1, name);
    set_i(b, 2, dropped ? 0 : type);
    set_i(b, 3, -1);
    set_i(b, 4, type_len(type));
    set_i(b, 5, num);
    set_i(b, 6, type_elem_of(type) != 0);
    set_i(b, 7, -1);
    set_i(b, 8, typmod);
    set_i(b, 9, type_len(type) > 0 && type_len(type) <= 8);
    set_s(b, 10, "i");
    set_s(b, 11, "p");
    set_s(b, 12, "");
    set_i(b, 13, notnull);
    set_i(b, 14, hasdef);
    set_i(b, 15, 0);
    set_s(b, 16, identity == 1 ? "a" : identity == 2 ? "d" : "");
    set_s(b, 17, "");
    set_i(b, 18, dropped);
    set_i(b, 19, 1);
    set_i(b, 20, 0);
    set_i(b, 21, val_is_text(type) ? 100 : 0);
    rb_end(b);
}

static void rows_attribute(rb_t *b, helios_engine_t *eng)
{
    for (uint32_t i = 0; i < eng->cat.n_tables; i++) {
        table_t *t = eng->cat.tables[i];
        if (!cat_schema_visible(eng, t->schema_oid)) continue; /* another database */
        if (t->kind == REL_VIEW || t->kind == REL_SEQUENCE) continue;
        for (uint32_t c = 0; c < t->n_cols; c++) {
            column_t *co = &t->cols[c];
            add_attr(b, t->oid, co->name, co->type, co->typmod, (int)c + 1, (int)co->not_null,
                     co->default_sql != NULL && co->identity == 0, (int)co->dropped, (int)co->identity);
        }
        for (uint32_t k = 0; k < t->n_idx; k++) {
            for (uint32_t m = 0; m < t->idx[k].n_cols; m++) {
                column_t *co = &t->cols[t->idx[k].cols[m]];
                add_attr(b, t->idx[k].oid, co->name, co->type, co->typmod, (int)m + 1, 0, 0, 0, 0);
            }
        }
    }
    for (uint32_t i = 0; i < eng->n_sys; i++) {
        table_t *t = eng->sys[i];
        for (uint32_t c = 0; c < t->n_cols; c++) {
            add_attr(b, t->oid, t->cols[c].name, t->cols[c].type, -1, (int)c + 1, 0, 0, 0, 0);
        }
    }
}

static void rows_index(rb_t *b, helios_engine_t *eng)
{
    for (uint32_t i = 0; i < eng->cat.n_tables; i++) {
        table_t *t = eng->cat.tables[i];
        if (!cat_schema_visible(eng, t->schema_oid)) continue; /* another database */
        if (t->kind == REL_TABLE && t->n_pk > 0) {
            char keys[128] = "", opt[128] = "";
            for (uint32_t m = 0; m < t->n_pk; m++) {
                char tmp[16];
                snprintf(tmp, sizeof tmp, "%s%u", m ? " " : "", t->pk[m] + 1);
                strcat(keys, tmp);
                strcat(opt, m ? " 0" : "0");
            }
            rb_start(b);
            set_i(b, 0, t->oid + PKEY_OID_OFFSET);
            set_i(b, 1, t->oid);
            set_i(b, 2, t->n_pk);
            set_i(b, 3, t->n_pk);
            set_i(b, 4, 1);
            set_i(b, 5, 0);
            set_i(b, 6, 1);
            for (uint32_t c = 7; c <= 14; c++) set_i(b, c, c == 8 || c == 10 || c == 12 || c == 13);
            set_s(b, 15, keys);
            set_s(b, 18, opt);
            rb_end(b);
        }
        for (uint32_t k = 0; k < t->n_idx; k++) {
            index_def_t *x = &t->idx[k];
            rb_start(b);
            set_i(b, 0, x->oid);
            set_i(b, 1, t->oid);
            set_i(b, 2, x->n_cols);
            set_i(b, 3, x->n_cols);
            set_i(b, 4, x->unique);
            set_i(b, 5, 0);
            set_i(b, 6, strstr(x->name, "_pkey") != NULL);
            for (uint32_t c = 7; c <= 14; c++) set_i(b, c, c == 8 || c == 10 || c == 12 || c == 13);
            char keys[128] = "", opt[128] = "";
            for (uint32_t m = 0; m < x->n_cols; m++) {
                char tmp[16];
                snprintf(tmp, sizeof tmp, "%s%u", m ? " " : "", x->cols[m] + 1);
                strcat(keys, tmp);
                snprintf(tmp, sizeof tmp, "%s%u", m ? " " : "", x->desc[m] ? 3u : 0u);
                strcat(opt, tmp);
            }
            set_s(b, 15, keys);
            set_s(b, 18, opt);
            rb_end(b);
        }
    }
}

static void rows_roles(rb_t *b, helios_engine_t *eng, int user_view)
{
    for (uint32_t i = 0; i < eng->cat.n_users; i++) {
        user_t *u = &eng->cat.users[i];
        rb_start(b);
        if (user_view) {
            set_s(b, 0, u->name);
            set_i(b, 1, 16384 + i);
            set_i(b, 2, u->superuser);
            set_i(b, 3, u->superuser);
            set_i(b, 4, u->superuser);
            set_i(b, 5, u->superuser);
            set_s(b, 6, "********");
        } else {
            set_s(b, 0, u->name);
            set_i(b, 1, u->superuser);
            set_i(b, 2, 1);
            set_i(b, 3, u->superuser);
            set_i(b, 4, u->superuser);
            set_i(b, 5, 1);
            set_i(b, 6, u->superuser);
            set_i(b, 7, -1);
            set_s(b, 8, "********");
            set_i(b, 10, u->superuser);
            set_i(b, 12, 16384 + i);
        }
        rb_end(b);
    }
}

/* pg_timezone_names: every zone of the tz database, its abbreviation, offset and DST flag
   now (the statement's time) */
static void tz_names_row(void *ctx, const helios_tz_t *tz)
{
    rb_t *b = ctx;
    int dst;
    const char *ab;
    int64_t now = b->cx->now_us / 1000000 + 946684800LL;
    int32_t off = tz_offset_at(tz, now, &dst, &ab);
    rb_start(b);
    set_s(b, 0, tz_name(tz));
    set_s(b, 1, ab);
    set_interval_s(b, 2, off);
    set_i(b, 3, dst);
    rb_end(b);
}

int32_t sys_scan(exec_ctx_t *cx, plan_t *p, rowset_t *out)
{
    helios_engine_t *eng = cx->eng;
    rb_t b = {.cx = cx, .p = p, .out = out};
    switch (p->tab->sys_id) {
    case SV_TZ_NAMES:
        tz_enum_zones(tz_names_row, &b);
        break;
    case SV_TZ_ABBREVS: {
        const char *ab;
        int32_t off;
        int dst;
        for (size_t i = 0; tz_abbrev_nth(i, &ab, &off, &dst) == 0; i++) {
            rb_start(&b);
            set_s(&b, 0, ab);
            set_interval_s(&b, 1, off);
            set_i(&b, 2, dst);
            rb_end(&b);
        }
        break;
    }
    case SV_NAMESPACE: {
        const struct {
            uint32_t oid;
            const char *n;
        } fixed[] = {{NS_PG_CATALOG, "pg_catalog"}, {NS_INFO_SCHEMA, "information_schema"}};
        for (int i = 0; i < 2; i++) {
            rb_start(&b);
            set_i(&b, 0, fixed[i].oid);
            set_s(&b, 1, fixed[i].n);
            set_i(&b, 2, 10);
            rb_end(&b);
        }
        for (uint32_t i = 0; i < eng->cat.n_schemas; i++) {
            if (eng->cat.schemas[i].db_oid != cat_cur_db(eng)) continue;
            rb_start(&b);
            set_i(&b, 0, eng->cat.schemas[i].oid);
            set_s(&b, 1, eng->cat.schemas[i].name);
            set_i(&b, 2, 10);
            rb_end(&b);
        }
        break;
    }
    case SV_CLASS: rows_class(&b, eng); break;
    case SV_ATTRIBUTE: rows_attribute(&b, eng); break;
    case SV_TYPE: rows_type(&b); break;
    case SV_INDEX: rows_index(&b, eng); break;
    case SV_DATABASE:
        for (uint32_t i = 0; i < eng->cat.n_dbs; i++) {
            rb_start(&b);
            set_i(&b, 0, eng->cat.dbs[i].oid);
            set_s(&b, 1, eng->cat.dbs[i].name);
            set_i(&b, 2, 10);
            set_i(&b, 3, 6);
            set_s(&b, 4, "c");
            set_i(&b, 5, 0);
            set_i(&b, 6, 1);
            set_i(&b, 7, -1);
            set_i(&b, 10, 1663);
            set_s(&b, 11, "C");
            set_s(&b, 12, "C");
            rb_end(&b);
        }
        break;
    case SV_ROLES: rows_roles(&b, eng, 0); break;
    case SV_USER: rows_roles(&b, eng, 1); break;
    case SV_AM: {
        const char *n[2] = {"heap", "btree"};
        const char *k[2] = {"t", "i"};
        for (int i = 0; i < 2; i++) {
            rb_start(&b);
            set_i(&b, 0, i == 0 ? 2 : 403);
            set_s(&b, 1, n[i]);
            set_s(&b, 3, k[i]);
            rb_end(&b);
        }
        break;
    }
    case SV_SETTINGS:
        for (uint32_t i = 0; i < cx->s->n_settings; i++) {
            rb_start(&b);
            set_s(&b, 0, cx->s->settings[i].name);
            set_s(&b, 1, cx->s->settings[i].value);
            set_s(&b, 6, "user");
            set_s(&b, 7, "string");
            set_s(&b, 8, "default");
            set_i(&b, 16, 0);
            rb_end(&b);
        }
        break;
    case SV_ATTRDEF:
        for (uint32_t i = 0; i < eng->cat.n_tables; i++) {
            table_t *t = eng->cat.tables[i];
            if (!cat_schema_visible(eng, t->schema_oid)) continue; /* another database */
            if (t->kind != REL_TABLE) continue;
            for (uint32_t c = 0; c < t->n_cols; c++) {
                if (t->cols[c].default_sql == NULL || t->cols[c].identity != 0) continue;
                rb_start(&b);
                set_i(&b, 0, t->oid * 100 + c);
                set_i(&b, 1, t->oid);
                set_i(&b, 2, c + 1);
                set_s(&b, 3, t->cols[c].default_sql);
                rb_end(&b);
            }
        }
        break;
    case SV_CONSTRAINT:
        for (uint32_t i = 0; i < eng->cat.n_tables; i++) {
            table_t *t = eng->cat.tables[i];
            if (!cat_schema_visible(eng, t->schema_oid)) continue; /* another database */
            if (t->kind != REL_TABLE) continue;
            for (uint32_t k = 0; k < t->n_idx + (t->n_pk > 0); k++) {
                int pk = k == t->n_idx;
                if (!pk && !t->idx[k].unique) continue;
                char nm[256], keys[128] = "{";
                if (pk) snprintf(nm, sizeof nm, "%s_pkey", t->name);
                else snprintf(nm, sizeof nm, "%s", t->idx[k].name);
                uint32_t n = pk ? t->n_pk : t->idx[k].n_cols;
                for (uint32_t m = 0; m < n; m++) {
                    char tmp[16];
                    snprintf(tmp, sizeof tmp, "%s%u", m ? "," : "", (pk ? t->pk[m] : t->idx[k].cols[m]) + 1);
                    strcat(keys, tmp);
                }
                strcat(keys, "}");
                rb_start(&b);
                set_i(&b, 0, pk ? t->oid + 1000000 : t->idx[k].oid + 1000000);
                set_s(&b, 1, nm);
                set_i(&b, 2, t->schema_oid);
                set_s(&b, 3, pk || strstr(nm, "_pkey") != NULL ? "p" : "u");
                set_i(&b, 4, 0);
                set_i(&b, 5, 0);
                set_i(&b, 6, 1);
                set_i(&b, 7, t->oid);
                set_i(&b, 8, 0);
                set_i(&b, 9, pk ? t->oid + PKEY_OID_OFFSET : t->idx[k].oid);
                set_i(&b, 10, 0);
                set_i(&b, 11, 0);
                set_i(&b, 15, 1);
                set_i(&b, 16, 0);
                set_i(&b, 17, 1);
                set_s(&b, 18, keys);
                rb_end(&b);
            }
        }
        for (uint32_t i = 0; i < stx_fk_count(eng); i++) { /* foreign keys (kernel/txn/fk.c) */
            stx_fk_info_t f;
            if (!stx_fk_info(eng, i, &f)) break;
            table_t *ct = NULL;
            for (uint32_t k = 0; k < eng->cat.n_tables && ct == NULL; k++) {
                if (eng->cat.tables[k]->oid == f.child_oid) ct = eng->cat.tables[k];
            }
            if (ct == NULL) continue;
            char ck[128] = "{", pk[128] = "{", act[2][2] = {{f.on_upd, 0}, {f.on_del, 0}};
            for (uint32_t m = 0; m < f.n; m++) {
                char tmp[16];
                snprintf(tmp, sizeof tmp, "%s%u", m ? "," : "", f.ccols[m] + 1);
                strcat(ck, tmp);
                snprintf(tmp, sizeof tmp, "%s%u", m ? "," : "", f.pcols[m] + 1);
                strcat(pk, tmp);
            }
            strcat(ck, "}");
            strcat(pk, "}");
            rb_start(&b);
            set_i(&b, 0, STX_FK_OID_BASE + f.id);
            set_s(&b, 1, f.name);
            set_i(&b, 2, ct->schema_oid);
            set_s(&b, 3, "f");
            set_i(&b, 4, 0);
            set_i(&b, 5, 0);
            set_i(&b, 6, 1);
            set_i(&b, 7, f.child_oid);
            set_i(&b, 8, 0);
            set_i(&b, 9, 0);
            set_i(&b, 10, 0);
            set_i(&b, 11, f.parent_oid);
            set_s(&b, 12, act[0]);
            set_s(&b, 13, act[1]);
            set_s(&b, 14, "s");
            set_i(&b, 15, 1);
            set_i(&b, 16, 0);
            set_i(&b, 17, 1);
            set_s(&b, 18, ck);
            set_s(&b, 19, pk);
            rb_end(&b);
        }
        break;
    case SV_TABLES_PG:
    case SV_TABLES_IS:
    case SV_VIEWS_IS:
    case SV_SEQUENCES_IS:
        for (uint32_t i = 0; i < eng->cat.n_tables; i++) {
            table_t *t = eng->cat.tables[i];
            if (!cat_schema_visible(eng, t->schema_oid)) continue; /* another database */
            uint32_t id = p->tab->sys_id;
            if ((id == SV_TABLES_PG && t->kind != REL_TABLE) || (id == SV_VIEWS_IS && t->kind != REL_VIEW) ||
                (id == SV_SEQUENCES_IS && t->kind != REL_SEQUENCE) ||
                (id == SV_TABLES_IS && t->kind == REL_SEQUENCE)) {
                continue;
            }
            rb_start(&b);
            if (id == SV_TABLES_PG) {
                set_s(&b, 0, schema_name(eng, t->schema_oid));
                set_s(&b, 1, t->name);
                set_s(&b, 2, "helios");
                set_i(&b, 4, t->n_idx > 0 || t->n_pk > 0);
                set_i(&b, 5, 0);
                set_i(&b, 6, 0);
                set_i(&b, 7, 0);
            } else {
                set_s(&b, 0, cur_db_name(eng));
                set_s(&b, 1, schema_name(eng, t->schema_oid));
                set_s(&b, 2, t->name);
                if (id == SV_TABLES_IS) {
                    set_s(&b, 3, t->kind == REL_VIEW ? "VIEW" : "BASE TABLE");
                    set_s(&b, 9, t->kind == REL_VIEW ? "NO" : "YES");
                    set_s(&b, 10, "NO");
                } else if (id == SV_VIEWS_IS) {
                    set_s(&b, 3, t->view_sql);
                } else {
                    char tmp[32];
                    set_s(&b, 3, "bigint");
                    snprintf(tmp, sizeof tmp, "%lld", (long long)t->seq_min);
                    set_s(&b, 5, tmp);
                    snprintf(tmp, sizeof tmp, "%lld", (long long)t->seq_max);
                    set_s(&b, 6, tmp);
                    snprintf(tmp, sizeof tmp, "%lld", (long long)t->seq_inc);
                    set_s(&b, 7, tmp);
                    set_s(&b, 8, t->seq_cycle ? "YES" : "NO");
                }
            }
            rb_end(&b);
        }
        break;
    case SV_STATS:
        /* n_distinct as PostgreSQL: a count, or minus the fraction of the rows when the
           distinct values grow with the table (above 10% of the rows) */
        for (uint32_t i = 0; i < eng->cat.n_tables; i++) {
            table_t *t = eng->cat.tables[i];
            if (!cat_schema_visible(eng, t->schema_oid)) continue; /* another database */
            if (t->kind != REL_TABLE || t->st_rows <= 0) continue;
            for (uint32_t c = 0; c < t->n_cols; c++) {
                column_t *col = &t->cols[c];
                if (col->dropped || col->st_ndistinct <= 0) continue;
                double nd = col->st_ndistinct < 1 ? 0 : col->st_ndistinct;
                if (nd > 0.1 * t->st_rows) nd = -(nd / t->st_rows);
                rb_start(&b);
                set_s(&b, 0, schema_name(eng, t->schema_oid));
                set_s(&b, 1, t->name);
                set_s(&b, 2, col->name);
                set_i(&b, 3, 0);
                set_f(&b, 4, col->st_null_frac);
                set_i(&b, 5, type_len(col->type) > 0 ? type_len(col->type) : 8);
                set_f(&b, 6, nd);
                rb_end(&b);
            }
        }
        break;
    case SV_INDEXES_PG:
        for (uint32_t i = 0; i < eng->cat.n_tables; i++) {
            table_t *t = eng->cat.tables[i];
            if (!cat_schema_visible(eng, t->schema_oid)) continue; /* another database */
            for (uint32_t k = 0; k < t->n_idx; k++) {
                sbuf_t d = {0};
                sb_printf(&d, "CREATE %sINDEX %s ON %s.%s USING btree (", t->idx[k].unique ? "UNIQUE " : "",
                          t->idx[k].name, schema_name(eng, t->schema_oid), t->name);
                for (uint32_t m = 0; m < t->idx[k].n_cols; m++) {
                    sb_printf(&d, "%s%s%s", m ? ", " : "", t->cols[t->idx[k].cols[m]].name,
                              t->idx[k].desc[m] ? " DESC" : "");
                }
                sb_putc(&d, ')');
                rb_start(&b);
                set_s(&b, 0, schema_name(eng, t->schema_oid));
                set_s(&b, 1, t->name);
                set_s(&b, 2, t->idx[k].name);
                set_s(&b, 4, d.d);
                rb_end(&b);
                sb_free(&d);
            }
        }
        break;
    case SV_COLUMNS_IS:
        for (uint32_t i = 0; i < eng->cat.n_tables; i++) {
            table_t *t = eng->cat.tables[i];
            if (!cat_schema_visible(eng, t->schema_oid)) continue; /* another database */
            if (t->kind != REL_TABLE) continue;
            for (uint32_t c = 0; c < t->n_cols; c++) {
                column_t *co = &t->cols[c];
                if (co->dropped) continue;
                rb_start(&b);
                set_s(&b, 0, cur_db_name(eng));
                set_s(&b, 1, schema_name(eng, t->schema_oid));
                set_s(&b, 2, t->name);
                set_s(&b, 3, co->name);
                set_i(&b, 4, c + 1);
                set_s(&b, 5, co->identity ? NULL : co->default_sql);
                set_s(&b, 6, co->not_null ? "NO" : "YES");
                set_s(&b, 7, type_name(co->type));
                if ((co->type == HELIOS_OID_VARCHAR || co->type == HELIOS_OID_BPCHAR) && co->typmod >= 4) {
                    set_i(&b, 8, co->typmod - 4);
                }
                if (co->type == HELIOS_OID_NUMERIC && co->typmod >= 4) {
                    set_i(&b, 10, ((co->typmod - 4) >> 16) & 0xffff);
                    set_i(&b, 11, 10);
                    set_i(&b, 12, (co->typmod - 4) & 0xffff);
                } else if (val_is_int(co->type)) {
                    set_i(&b, 10, co->type == HELIOS_OID_INT2 ? 16 : co->type == HELIOS_OID_INT4 ? 32 : 64);
                    set_i(&b, 11, 2);
                    set_i(&b, 12, 0);
                }
                set_s(&b, 14, "helios");
                set_s(&b, 15, "pg_catalog");
                for (size_t k = 0; k < sizeof base_types / sizeof base_types[0]; k++) {
                    if (base_types[k].oid == co->type) set_s(&b, 16, base_types[k].name);
                }
                set_s(&b, 17, co->identity ? "YES" : "NO");
                set_s(&b, 18, "NEVER");
                set_s(&b, 19, "YES");
                rb_end(&b);
            }
        }
        break;
    case SV_SCHEMATA_IS: {
        const char *fixed[2] = {"pg_catalog", "information_schema"};
        for (int i = 0; i < 2; i++) {
            rb_start(&b);
            set_s(&b, 0, cur_db_name(eng));
            set_s(&b, 1, fixed[i]);
            set_s(&b, 2, "helios");
            rb_end(&b);
        }
        for (uint32_t i = 0; i < eng->cat.n_schemas; i++) {
            if (eng->cat.schemas[i].db_oid != cat_cur_db(eng)) continue;
            rb_start(&b);
            set_s(&b, 0, cur_db_name(eng));
            set_s(&b, 1, eng->cat.schemas[i].name);
            set_s(&b, 2, "helios");
            rb_end(&b);
        }
        break;
    }
    default:
        break; /* views with no rows */
    }
    return b.rc;
}
