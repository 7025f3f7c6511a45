/* kernel/sql/stats.c -- planner statistics: ANALYZE computes, per column of a table, the
 * number of distinct non-null values (HyperLogLog, 2^12 registers: about 1.6% standard error,
 * exact-ish below a few thousand values through linear counting), the null fraction and the
 * minimum and maximum as positions on a number line (range selectivity by interpolation).
 * The figures live in column_t / table_t (st_* members) and are persisted in the catalog
 * (catalog.c, record "a"+oid), so they survive a restart.
 *
 * ANALYZE reads the newest committed rows straight from the table's tree (no transaction, no
 * write set: statistics are estimates). The planner re-analyzes a table on its own when its
 * row count (table_t.est_rows, kept current by DML and full scans) moved by more than 10%
 * since the last ANALYZE, for tables of 500 to STATS_AUTO_MAX_ROWS rows. */
#include <math.h>
#include <stdlib.h>
#include <strings.h>

#include "sql/sqlint.h"

#define HLL_P 12u
#define HLL_M (1u << HLL_P)
#define STATS_AUTO_MIN_ROWS 500u

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

static void hll_add(uint8_t *reg, uint64_t h)
{
    uint32_t idx = (uint32_t)(h >> (64 - HLL_P));
    uint64_t rest = (h << HLL_P) | ((uint64_t)1 << (HLL_P - 1)); /* never all zero */
    uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
    if (rank > reg[idx]) reg[idx] = rank;
}

static double hll_count(const uint8_t *reg)
{
    double sum = 0, m = HLL_M;
    uint32_t zeros = 0;
    for (uint32_t i = 0; i < HLL_M; i++) {
        sum += ldexp(1.0, -(int)reg[i]);
        if (reg[i] == 0) zeros++;
    }
    double e = (0.7213 / (1.0 + 1.079 / m)) * m * m / sum;
    if (e <= 2.5 * m && zeros > 0) e = m * log(m / zeros); /* linear counting */
    return e;
}

int stats_pos(const val_t *v, double *out)
{
    if (v->null) return 0;
    uint32_t t = v->t;
    if (val_is_int(t) || t == HELIOS_OID_BOOL || t == HELIOS_OID_DATE || t == HELIOS_OID_TIME ||
        t == 1114 || t == 1184) {
        *out = (double)v->i;
        return 1;
    }
    if (t == HELIOS_OID_FLOAT4 || t == HELIOS_OID_FLOAT8) {
        if (!isfinite(v->f)) return 0;
        *out = v->f;
        return 1;
    }
    if (t == HELIOS_OID_NUMERIC) {
        *out = num_val_double(v); /* any form (types_num.c); NaN and infinities are no position */
        return isfinite(*out);
    }
    if (val_is_text(t) || t == HELIOS_OID_BYTEA) {
        /* the first 8 bytes, big-endian: memcmp order for text under the C collation */
        uint64_t x = 0;
        for (uint32_t i = 0; i < 8; i++) {
            x <<= 8;
            if (i < v->len) x |= (uint8_t)v->s[i];
        }
        *out = (double)x;
        return 1;
    }
    return 0;
}

double stats_ndistinct(const table_t *t, uint32_t c)
{
    if (c >= t->n_cols || t->st_rows <= 0) return 0;
    double nd = t->cols[c].st_ndistinct;
    if (nd <= 0) return 0;
    double now = (double)t->est_rows;
    /* a column with distinct values in proportion to the rows (a key-like column) grows with
       the table; one with few values (a category) does not (PostgreSQL's negative
       stadistinct) */
    if (nd > 0.1 * t->st_rows && now > t->st_rows) nd = nd / t->st_rows * now;
    if (now >= 1 && nd > now) nd = now;
    return nd < 1 ? 1 : nd;
}

int stats_enabled(helios_session_t *s, const char *name)
{
    if (s == NULL) return 1;
    const char *v = sess_get_setting(s, name);
    if (v == NULL) return 1;
    return !(strcasecmp(v, "off") == 0 || strcasecmp(v, "false") == 0 ||
             strcasecmp(v, "no") == 0 || strcmp(v, "0") == 0 || strcasecmp(v, "of") == 0);
}

static int32_t analyze_one(helios_engine_t *eng, table_t *t, int sync, helios_err_t *err)
{
    if (t->kind != REL_TABLE || t->tree == 0) return 0;
    pthread_mutex_lock(&t->mu);
    if (t->st_busy) {
        pthread_mutex_unlock(&t->mu);
        return 0;
    }
    t->st_busy = 1;
    pthread_mutex_unlock(&t->mu);
    uint32_t nc = t->n_cols;
    int32_t rc = 0;
    uint8_t *hll = calloc((size_t)nc + 1, HLL_M);
    uint64_t *nulls = calloc((size_t)nc + 1, sizeof(uint64_t));
    double *lo = calloc((size_t)nc + 1, sizeof(double)), *hi = calloc((size_t)nc + 1, sizeof(double));
    uint8_t *has = calloc((size_t)nc + 1, 1);
    val_t *row = calloc((size_t)nc + 1, sizeof(val_t));
    arena_t ar = {0};
    helios_iter_t *it = NULL;
    uint64_t n = 0;
    if (hll == NULL || nulls == NULL || lo == NULL || hi == NULL || has == NULL || row == NULL) {
        rc = sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    if ((rc = helios_lsm_iter_open(eng->lsm, t->tree, helios_lsm_last_seq(eng->lsm), &it, err)) != 0)
        goto failed;
    for (helios_iter_seek_first(it); helios_iter_valid(it); helios_iter_next(it)) {
        uint32_t vl;
        const uint8_t *v = helios_iter_value(it, &vl);
        if ((rc = row_decode(&ar, t, v, vl, row, 0, err)) != 0) goto failed;
        n++;
        for (uint32_t c = 0; c < nc; c++) {
            if (t->cols[c].dropped) continue;
            if (row[c].null) {
                nulls[c]++;
                continue;
            }
            hll_add(hll + (size_t)c * HLL_M, mix64(val_hash(&row[c])));
            double p;
            if (stats_pos(&row[c], &p)) {
                if (!has[c] || p < lo[c]) lo[c] = p;
                if (!has[c] || p > hi[c]) hi[c] = p;
                has[c] = 1;
            }
        }
        if ((n & 4095) == 0) ar_reset(&ar);
    }
    if ((rc = helios_iter_status(it, err)) != 0) goto failed;
    pthread_mutex_lock(&t->mu);
    for (uint32_t c = 0; c < nc; c++) {
        column_t *col = &t->cols[c];
        uint64_t nn = n - nulls[c];
        double nd = nn > 0 ? floor(hll_count(hll + (size_t)c * HLL_M) + 0.5) : 0;
        if (nd > (double)nn) nd = (double)nn;
        if (nn > 0 && nd < 1) nd = 1;
        col->st_ndistinct = n > 0 ? (nn > 0 ? nd : 0.5) : 0; /* all NULL: known, no value */
        col->st_null_frac = n > 0 ? (double)nulls[c] / (double)n : 0;
        col->st_lo = lo[c];
        col->st_hi = hi[c];
        col->st_has_range = has[c];
    }
    t->st_rows = n > 0 ? (double)n : 0;
    /* an automatic ANALYZE inside a transaction that loaded the table sees none of its rows
       yet: keep the running estimate then */
    if (n > 0 || sync) t->est_rows = n > 0 ? n : 1;
    t->st_rows_at = t->est_rows;
    pthread_mutex_unlock(&t->mu);
    {
        helios_wbatch_t *b = helios_wbatch_new();
        if (b == NULL) {
            rc = sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            goto failed;
        }
        rc = cat_persist_stats(eng, t, b, err);
        if (rc == 0) {
            helios_write_opts_t wo = {.no_sync = sync ? 0 : 1};
            helios_seq_t seq;
            rc = helios_lsm_write(eng->lsm, b, &wo, &seq, err);
        }
        helios_wbatch_free(b);
    }
    /* cached plans were made with the old figures */
    __atomic_fetch_add(&eng->cat.version, 1, __ATOMIC_SEQ_CST);
failed:
    if (it != NULL) helios_iter_close(it);
    ar_free(&ar);
    free(hll);
    free(nulls);
    free(lo);
    free(hi);
    free(has);
    free(row);
    pthread_mutex_lock(&t->mu);
    t->st_busy = 0;
    pthread_mutex_unlock(&t->mu);
    return rc;
}

int32_t stats_analyze(helios_engine_t *eng, table_t *t, helios_err_t *err)
{
    if (t != NULL) return analyze_one(eng, t, 1, err);
    for (uint32_t i = 0; i < eng->cat.n_tables; i++) {
        int32_t rc = analyze_one(eng, eng->cat.tables[i], 1, err);
        if (rc != 0) return rc;
    }
    return 0;
}

void stats_maybe_analyze(helios_engine_t *eng, table_t *t)
{
    if (t == NULL || t->kind != REL_TABLE) return;
    uint64_t now = t->est_rows, at = t->st_rows_at;
    if (now < STATS_AUTO_MIN_ROWS || now > STATS_AUTO_MAX_ROWS) return;
    uint64_t diff = now > at ? now - at : at - now;
    if (at > 0 && diff * 10 <= at) return;
    helios_err_t err = HELIOS_ERR_INIT;
    if (analyze_one(eng, t, 0, &err) != 0) {
        /* statistics are advisory: the query goes on with the old figures; do not try again
           before the table changes by another 10% */
        t->st_rows_at = now;
    }
}

int32_t stats_analyze_stmt(helios_session_t *s, PgQuery__VacuumStmt *vs, helios_err_t *err)
{
    int analyze = !vs->is_vacuumcmd;
    for (size_t i = 0; i < vs->n_options; i++) {
        pnode_t *o = vs->options[i];
        if (o->node_case == PG_QUERY__NODE__NODE_DEF_ELEM && o->def_elem->defname != NULL &&
            strcmp(o->def_elem->defname, "analyze") == 0) {
            analyze = 1;
        }
    }
    if (!analyze) return 0; /* VACUUM: the LSM compacts on its own */
    helios_engine_t *eng = s->eng;
    int32_t rc = 0;
    pthread_rwlock_rdlock(&eng->cat.lock);
    if (vs->n_rels == 0) {
        rc = stats_analyze(eng, NULL, err);
    }
    for (size_t i = 0; rc == 0 && i < vs->n_rels; i++) {
        pnode_t *r = vs->rels[i];
        if (r->node_case != PG_QUERY__NODE__NODE_VACUUM_RELATION || r->vacuum_relation->relation == NULL)
            continue;
        PgQuery__RangeVar *rv = r->vacuum_relation->relation;
        table_t *t = cat_find_table(eng, rv->schemaname && rv->schemaname[0] ? rv->schemaname : NULL,
                                    rv->relname);
        if (t == NULL) {
            rc = sql_err(err, HELIOS_ERR_UNDEFINED_TABLE, "relation \"%s\" does not exist",
                         rv->relname);
            break;
        }
        rc = stats_analyze(eng, t, err);
    }
    pthread_rwlock_unlock(&eng->cat.lock);
    return rc;
}
