/* tests/slt/slt_runner.c -- a sqllogictest runner over the embedded API (heliosdb.h) or, with
 * --pg, over the PostgreSQL wire protocol (libpq) against a running server.
 *
 *   slt_runner [-v] [-e engine] [-x rejects.txt] [--pg conninfo] file.test...
 *
 * Runs each file as engine "postgresql" (skipif/onlyif): embedded, in a fresh temporary
 * database; over the wire, in the database the server gives (run_wire.py starts a fresh server
 * per file). Prints "<file>: <passed> passed, <failed> failed, <skipped> skipped" and exits
 * non-zero when any record failed. -v prints every failure with the query, expected and
 * actual. */
#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "heliosdb.h"

static int verbose;
static const char *conninfo; /* --pg: run over the wire */
static PGconn *pg;
static const char *engine = "postgresql";
/* "file:line" records PostgreSQL 15 itself rejects (tests/slt/pg15_rejects.txt, made by
   pg_reference.py against a real PostgreSQL): they do not apply to engine postgresql */
static char **excl;
static size_t n_excl;

static int excluded(const char *path, int line)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char key[512];
    snprintf(key, sizeof key, "%s:%d", base, line);
    for (size_t i = 0; i < n_excl; i++) {
        if (strcmp(excl[i], key) == 0)
            return 1;
    }
    return 0;
}

static void load_excl(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        excl = realloc(excl, sizeof(char *) * (n_excl + 1));
        excl[n_excl++] = strdup(line);
    }
    fclose(f);
}

typedef struct strv {
    char **v;
    size_t n, cap;
} strv_t;

static void sv_add(strv_t *s, const char *x)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = realloc(s->v, sizeof(char *) * s->cap);
    }
    s->v[s->n++] = strdup(x);
}

static void sv_free(strv_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t g_ncols;
static int cmp_row(const void *a, const void *b)
{
    char *const *x = *(char **const *)a, *const *y = *(char **const *)b;
    for (size_t i = 0; i < g_ncols; i++) {
        int c = strcmp(x[i], y[i]);
        if (c != 0)
            return c;
    }
    return 0;
}

static void fmt_value(heliosdb_stmt_t *st, uint32_t c, char type, char *out, size_t cap)
{
    if (heliosdb_column_is_null(st, c)) {
        snprintf(out, cap, "NULL");
        return;
    }
    uint32_t oid = heliosdb_column_type(st, c);
    if (type == 'I') {
        if (oid == HELIOS_OID_FLOAT4 || oid == HELIOS_OID_FLOAT8 || oid == HELIOS_OID_NUMERIC) {
            snprintf(out, cap, "%lld", (long long)heliosdb_column_double(st, c));
        } else if (oid == HELIOS_OID_TEXT || oid == HELIOS_OID_VARCHAR ||
                   oid == HELIOS_OID_BPCHAR) {
            snprintf(out, cap, "%lld", (long long)atoll(heliosdb_column_text(st, c)));
        } else if (oid == HELIOS_OID_BOOL) {
            snprintf(out, cap, "%d", (int)heliosdb_column_int64(st, c));
        } else {
            snprintf(out, cap, "%lld", (long long)heliosdb_column_int64(st, c));
        }
    } else if (type == 'R') {
        double d = heliosdb_column_double(st, c);
        snprintf(out, cap, "%.3f", d);
        if (strcmp(out, "-0.000") == 0)
            snprintf(out, cap, "0.000");
    } else {
        const char *t = heliosdb_column_text(st, c);
        if (t == NULL || t[0] == '\0') {
            snprintf(out, cap, "(empty)");
            return;
        }
        size_t i;
        for (i = 0; t[i] && i < cap - 1; i++)
            out[i] = (t[i] < ' ' || t[i] > '~') ? '@' : t[i];
        out[i] = '\0';
    }
}

/* the same formatting from a value's PostgreSQL text form (the wire) */
static void fmt_text(uint32_t oid, const char *t, int isnull, char type, char *out, size_t cap)
{
    if (isnull) {
        snprintf(out, cap, "NULL");
        return;
    }
    if (type == 'I') {
        if (oid == HELIOS_OID_FLOAT4 || oid == HELIOS_OID_FLOAT8 || oid == HELIOS_OID_NUMERIC) {
            snprintf(out, cap, "%lld", (long long)strtod(t, NULL));
        } else if (oid == HELIOS_OID_BOOL) {
            snprintf(out, cap, "%d", t[0] == 't');
        } else {
            snprintf(out, cap, "%lld", (long long)atoll(t));
        }
    } else if (type == 'R') {
        snprintf(out, cap, "%.3f",
                 oid == HELIOS_OID_BOOL ? (double)(t[0] == 't') : strtod(t, NULL));
        if (strcmp(out, "-0.000") == 0)
            snprintf(out, cap, "0.000");
    } else {
        if (t[0] == '\0') {
            snprintf(out, cap, "(empty)");
            return;
        }
        size_t i;
        for (i = 0; t[i] && i < cap - 1; i++)
            out[i] = (t[i] < ' ' || t[i] > '~') ? '@' : t[i];
        out[i] = '\0';
    }
}

static void md5_values(strv_t *vals, char hex[33])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
    for (size_t i = 0; i < vals->n; i++) {
        EVP_DigestUpdate(ctx, vals->v[i], strlen(vals->v[i]));
        EVP_DigestUpdate(ctx, "\n", 1);
    }
    unsigned char d[16];
    unsigned int l;
    EVP_DigestFinal_ex(ctx, d, &l);
    EVP_MD_CTX_free(ctx);
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

typedef struct rec {
    int is_query, expect_error;
    char types[512];
    char sort[16];
    strv_t sql, expected;
    int line;
} rec_t;

static char *trim_nl(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static char *join_sql(strv_t *s)
{
    size_t len = 1;
    for (size_t i = 0; i < s->n; i++)
        len += strlen(s->v[i]) + 1;
    char *q = malloc(len);
    q[0] = '\0';
    for (size_t i = 0; i < s->n; i++) {
        strcat(q, s->v[i]);
        if (i + 1 < s->n)
            strcat(q, "\n");
    }
    return q;
}

/* run a query over the wire into vals (formatted cells); 0, or -1 on error */
static int fetch_pg(rec_t *r, const char *q, const char *file, strv_t *vals, size_t *ncols)
{
    PGresult *res = PQexec(pg, q);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK) {
        if (verbose)
            printf("%s:%d: query failed: %s\n  %s\n", file, r->line, PQerrorMessage(pg), q);
        PQclear(res);
        return -1;
    }
    size_t nt = strlen(r->types);
    int nr = PQntuples(res), nc = PQnfields(res);
    char buf[4096];
    for (int i = 0; i < nr; i++) {
        for (int c = 0; c < nc; c++) {
            fmt_text((uint32_t)PQftype(res, c), PQgetvalue(res, i, c), PQgetisnull(res, i, c),
                     (size_t)c < nt ? r->types[c] : 'T', buf, sizeof buf);
            sv_add(vals, buf);
        }
    }
    *ncols = (size_t)nc;
    PQclear(res);
    return 0;
}

static int check_result(rec_t *r, const char *q, const char *file, strv_t vals, size_t nrows,
                        size_t ncols);

static int run_query(helios_session_t *s, rec_t *r, const char *file)
{
    char *q = join_sql(&r->sql);
    if (pg != NULL) {
        strv_t vals = {0};
        size_t ncols = 0;
        if (fetch_pg(r, q, file, &vals, &ncols) != 0) {
            sv_free(&vals);
            free(q);
            return 0;
        }
        int ok = check_result(r, q, file, vals, ncols ? vals.n / ncols : 0, ncols);
        free(q);
        return ok;
    }
    helios_err_t err = HELIOS_ERR_INIT;
    heliosdb_stmt_t *st;
    int32_t rc = heliosdb_prepare(s, q, &st, &err);
    if (rc != 0) {
        if (verbose)
            printf("%s:%d: query failed: %s\n  %s\n", file, r->line, err.message, q);
        free(q);
        return 0;
    }
    size_t nt = strlen(r->types);
    strv_t vals = {0};
    size_t nrows = 0;
    char buf[4096];
    while ((rc = heliosdb_step(st, &err)) == HELIOSDB_ROW) {
        uint32_t nc = heliosdb_column_count(st);
        for (uint32_t c = 0; c < nc; c++) {
            fmt_value(st, c, c < nt ? r->types[c] : 'T', buf, sizeof buf);
            sv_add(&vals, buf);
        }
        nrows++;
    }
    if (rc != 0) {
        if (verbose)
            printf("%s:%d: query failed: %s\n  %s\n", file, r->line, err.message, q);
        heliosdb_finalize(st);
        free(q);
        sv_free(&vals);
        return 0;
    }
    size_t ncols = heliosdb_column_count(st);
    heliosdb_finalize(st);
    int ok = check_result(r, q, file, vals, nrows, ncols);
    free(q);
    return ok;
}

/* sort the cells as the record asks and compare them with its expected results; frees vals */
static int check_result(rec_t *r, const char *q, const char *file, strv_t vals, size_t nrows,
                        size_t ncols)
{
    size_t nt = strlen(r->types);
    int ok = 0;
    if (ncols != nt && verbose) {
        printf("%s:%d: column count %zu, expected %zu\n", file, r->line, ncols, nt);
    }
    if (strcmp(r->sort, "rowsort") == 0 && ncols > 0 && nrows > 0) {
        char ***rows = malloc(sizeof(char **) * (nrows + 1));
        for (size_t i = 0; i < nrows; i++)
            rows[i] = &vals.v[i * ncols];
        g_ncols = ncols;
        qsort(rows, nrows, sizeof(char **), cmp_row);
        char **nv = malloc(sizeof(char *) * (vals.n + 1));
        for (size_t i = 0; i < nrows; i++)
            memcpy(&nv[i * ncols], rows[i], sizeof(char *) * ncols);
        memcpy(vals.v, nv, sizeof(char *) * vals.n);
        free(nv);
        free(rows);
    } else if (strcmp(r->sort, "valuesort") == 0 && vals.n > 0) {
        qsort(vals.v, vals.n, sizeof(char *), cmp_str);
    }
    /* compare */
    if (r->expected.n == 1 && strstr(r->expected.v[0], "values hashing to") != NULL) {
        size_t n = 0;
        char h[64] = {0};
        sscanf(r->expected.v[0], "%zu values hashing to %63s", &n, h);
        char hex[33];
        md5_values(&vals, hex);
        ok = n == vals.n && strcmp(h, hex) == 0;
        if (!ok && verbose) {
            printf("%s:%d: got %zu values hashing to %s, expected %s\n  %s\n", file, r->line,
                   vals.n, hex, r->expected.v[0], q);
        }
    } else {
        /* expected values: one per line (or several per line, space separated) */
        strv_t exp = {0};
        for (size_t i = 0; i < r->expected.n; i++) {
            if (r->expected.n == vals.n) {
                sv_add(&exp, r->expected.v[i]);
            } else {
                char *dup = strdup(r->expected.v[i]);
                for (char *tok = strtok(dup, " \t"); tok; tok = strtok(NULL, " \t"))
                    sv_add(&exp, tok);
                free(dup);
            }
        }
        ok = exp.n == vals.n;
        for (size_t i = 0; ok && i < exp.n; i++) {
            if (strcmp(exp.v[i], vals.v[i]) != 0)
                ok = 0;
        }
        if (!ok && verbose) {
            printf("%s:%d: mismatch\n  %s\n  expected:", file, r->line, q);
            for (size_t i = 0; i < exp.n && i < 20; i++)
                printf(" %s", exp.v[i]);
            printf("\n  actual:  ");
            for (size_t i = 0; i < vals.n && i < 20; i++)
                printf(" %s", vals.v[i]);
            printf("\n");
        }
        sv_free(&exp);
    }
    sv_free(&vals);
    return ok;
}

static int rm_rf(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static void quiet_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static int run_file(const char *path, const char *tmpl)
{
    helios_err_t err = HELIOS_ERR_INIT;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        printf("%s: cannot open\n", path);
        return 1;
    }
    helios_session_t *s = NULL;
    helios_engine_t *eng = NULL;
    char dir[4096] = "";
    if (conninfo != NULL) {
        pg = PQconnectdb(conninfo);
        if (PQstatus(pg) != CONNECTION_OK) {
            printf("%s: connect: %s\n", path, PQerrorMessage(pg));
            PQfinish(pg);
            pg = NULL;
            fclose(f);
            return 1;
        }
        PQsetNoticeProcessor(pg, quiet_notice, NULL);
        goto run;
    }
    snprintf(dir, sizeof dir, "%s", tmpl);
    if (mkdtemp(dir) == NULL) {
        printf("%s: cannot create a temporary directory\n", path);
        fclose(f);
        return 1;
    }
    heliosdb_options_t o = {.size = sizeof o, .no_sync = 1};
    if (heliosdb_open(dir, &o, &eng, &err) != 0) {
        printf("%s: heliosdb_open: %s\n", path, err.message);
        fclose(f);
        rm_rf(dir);
        return 1;
    }
    if (heliosdb_connect(eng, NULL, &s, &err) != 0) {
        printf("%s: connect: %s\n", path, err.message);
        heliosdb_close(eng);
        fclose(f);
        rm_rf(dir);
        return 1;
    }
run:;
    long passed = 0, failed = 0, skipped = 0, not_pg = 0;
    char line[65536];
    int lineno = 0;
    int skip = 0, halted = 0;
    rec_t r;
    memset(&r, 0, sizeof r);
    int in_rec = 0, in_results = 0;
    for (;;) {
        char *got = fgets(line, sizeof line, f);
        if (got != NULL) {
            lineno++;
            trim_nl(line);
        }
        int blank = got == NULL || line[0] == '\0';
        if (!blank && line[0] == '#' && !in_results)
            continue;
        if (blank) {
            if (in_rec) {
                if (skip || halted) {
                    skipped++;
                } else if (excluded(path, r.line)) {
                    not_pg++;
                } else if (r.is_query) {
                    if (run_query(s, &r, path))
                        passed++;
                    else
                        failed++;
                } else {
                    char *q = join_sql(&r.sql);
                    int32_t rc;
                    char pgmsg[512] = "";
                    if (pg != NULL) {
                        PGresult *res = PQexec(pg, q);
                        ExecStatusType st = PQresultStatus(res);
                        rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
                        if (rc != 0) {
                            snprintf(pgmsg, sizeof pgmsg, "%s", PQerrorMessage(pg));
                            snprintf(err.message, sizeof err.message, "%s", pgmsg);
                        }
                        PQclear(res);
                    } else {
                        rc = heliosdb_exec(s, q, &err);
                    }
                    int ok = r.expect_error ? rc != 0 : rc == 0;
                    if (ok)
                        passed++;
                    else {
                        failed++;
                        if (verbose) {
                            printf("%s:%d: statement %s: %s\n  %s\n", path, r.line,
                                   r.expect_error ? "should have failed" : "failed",
                                   rc ? err.message : "", q);
                        }
                    }
                    free(q);
                }
                sv_free(&r.sql);
                sv_free(&r.expected);
                memset(&r, 0, sizeof r);
                in_rec = 0;
                in_results = 0;
                skip = 0;
            }
            if (got == NULL)
                break;
            continue;
        }
        if (!in_rec) {
            char w1[512] = {0}, w2[512] = {0}, w3[512] = {0};
            sscanf(line, "%511s %511s %511s", w1, w2, w3);
            if (strcmp(w1, "skipif") == 0) {
                if (strcmp(w2, engine) == 0)
                    skip = 1;
                continue;
            }
            if (strcmp(w1, "onlyif") == 0) {
                if (strcmp(w2, engine) != 0)
                    skip = 1;
                continue;
            }
            if (strcmp(w1, "hash-threshold") == 0)
                continue;
            if (strcmp(w1, "halt") == 0) {
                if (!skip)
                    halted = 1;
                skip = 0;
                continue;
            }
            if (strcmp(w1, "statement") == 0) {
                in_rec = 1;
                r.line = lineno;
                r.expect_error = strcmp(w2, "error") == 0;
                continue;
            }
            if (strcmp(w1, "query") == 0) {
                in_rec = 1;
                r.line = lineno;
                r.is_query = 1;
                snprintf(r.types, sizeof r.types, "%s", w2);
                snprintf(r.sort, sizeof r.sort, "%.15s", w3[0] ? w3 : "nosort");
                continue;
            }
            continue; /* unknown control line */
        }
        if (r.is_query && !in_results && strcmp(line, "----") == 0) {
            in_results = 1;
            continue;
        }
        if (in_results)
            sv_add(&r.expected, line);
        else
            sv_add(&r.sql, line);
    }
    fclose(f);
    if (pg != NULL) {
        PQfinish(pg);
        pg = NULL;
    } else {
        heliosdb_disconnect(s);
        heliosdb_close(eng);
        rm_rf(dir);
    }
    const char *base = strrchr(path, '/');
    printf("%s: %ld passed, %ld failed, %ld skipped, %ld not applicable to PostgreSQL\n",
           base ? base + 1 : path, passed, failed, skipped, not_pg);
    fflush(stdout);
    return failed > 0;
}

int main(int argc, char **argv)
{
    int rc = 0;
    const char *tmpl = "/tmp/helios-slt-XXXXXX";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0) {
            verbose = 1;
            continue;
        }
        if (strcmp(argv[i], "-x") == 0 && i + 1 < argc) {
            load_excl(argv[++i]);
            continue;
        }
        if (strcmp(argv[i], "--pg") == 0 && i + 1 < argc) {
            conninfo = argv[++i];
            continue;
        }
        if (strcmp(argv[i], "-e") == 0 && i + 1 < argc) {
            engine = argv[++i];
            continue;
        }
        rc |= run_file(argv[i], tmpl);
    }
    return rc;
}
