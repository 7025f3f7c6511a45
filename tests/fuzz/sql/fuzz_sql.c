/*
 * fuzz_sql.c -- libFuzzer harness for SQL text: each input is one query string run through the
 * session API's simple-query path (the path every wire protocol uses) of an embedded engine
 * opened once on a temporary directory (nvme tier, lz4 codec, no fsync).
 *
 * Every input runs in a fresh session on an empty database: before it, the tables, views and
 * sequences earlier inputs created are dropped (so a crash reproduces from its one input and
 * the store does not grow without bound). Any SQLSTATE error is fine; a crash, a sanitizer
 * report, a leak, a hang (libFuzzer -timeout) or an error without a SQLSTATE is a bug.
 * COPY ... FROM STDIN reads no data; COPY TO STDOUT and rows are discarded. A watchdog thread
 * cancels (57014) a statement running longer than FZ_STATEMENT_MS, the engine's
 * statement_timeout not being enforced; what the cancel does not reach is a hang.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "heliosdb.h"

#define FZ_MAX_SQL 8192 /* longer inputs are cut: bounds the work one input can ask for */

#define FZ_STATEMENT_MS 2000 /* a watchdog cancels statements running longer (57014) */

static helios_engine_t *fz_eng;
static pthread_t fz_dog;
static pthread_mutex_t fz_dog_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fz_dog_cv = PTHREAD_COND_INITIALIZER;
static int fz_dog_stop, fz_dog_armed;
static uint32_t fz_dog_pid, fz_dog_secret;
static struct timespec fz_dog_deadline;
static char fz_dir[64];
static uint64_t fz_rows;

static int32_t fz_row(void *ctx, uint32_t n, const helios_value_t *vals)
{
    (void)ctx;
    (void)vals;
    fz_rows += n;
    return 0;
}

static int32_t fz_complete(void *ctx, const char *tag)
{
    (void)ctx;
    if (tag == NULL) {
        abort(); /* a statement completed without a command tag */
    }
    return 0;
}

static int32_t fz_describe(void *ctx, uint32_t n, const helios_column_desc_t *cols)
{
    (void)ctx;
    for (uint32_t i = 0; i < n; i++) {
        if (cols[i].name == NULL) {
            abort();
        }
    }
    return 0;
}

static int32_t fz_empty(void *ctx)
{
    (void)ctx;
    return 0;
}

static void fz_notice(void *ctx, const helios_err_t *e)
{
    (void)ctx;
    (void)e;
}

static void fz_param(void *ctx, const char *name, const char *value)
{
    (void)ctx;
    (void)name;
    (void)value;
}

static int32_t fz_copy_begin(void *ctx, uint32_t format, uint32_t n_cols)
{
    (void)ctx;
    (void)format;
    (void)n_cols;
    return 0;
}

static int32_t fz_copy_read(void *ctx, uint8_t *buf, uint32_t cap, uint32_t *n_read,
                            helios_err_t *err)
{
    (void)ctx;
    (void)buf;
    (void)cap;
    (void)err;
    *n_read = 0;
    return 0;
}

static int32_t fz_copy_data(void *ctx, const uint8_t *data, uint32_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return 0;
}

static int32_t fz_copy_end(void *ctx)
{
    (void)ctx;
    return 0;
}

static const helios_sink_t fz_sink = {
    .size = sizeof(helios_sink_t),
    .describe = fz_describe,
    .row = fz_row,
    .complete = fz_complete,
    .empty = fz_empty,
    .notice = fz_notice,
    .param_status = fz_param,
    .copy_in_begin = fz_copy_begin,
    .copy_in_read = fz_copy_read,
    .copy_out_begin = fz_copy_begin,
    .copy_out_data = fz_copy_data,
    .copy_out_end = fz_copy_end,
};

/* The statement timeout: while armed, cancel the session once the deadline passed (again
   every 100 ms: each statement of a multi-statement query starts uncancelled). */
static void *fz_dog_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&fz_dog_mu);
    while (!fz_dog_stop) {
        struct timespec now, wake;
        clock_gettime(CLOCK_REALTIME, &now);
        if (fz_dog_armed &&
            (now.tv_sec > fz_dog_deadline.tv_sec ||
             (now.tv_sec == fz_dog_deadline.tv_sec && now.tv_nsec >= fz_dog_deadline.tv_nsec))) {
            heliosdb_session_api()->cancel(fz_eng, fz_dog_pid, fz_dog_secret);
        }
        wake = now;
        wake.tv_nsec += 100 * 1000000;
        if (wake.tv_nsec >= 1000000000) {
            wake.tv_sec++;
            wake.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&fz_dog_cv, &fz_dog_mu, &wake);
    }
    pthread_mutex_unlock(&fz_dog_mu);
    return NULL;
}

static void fz_dog_arm(helios_session_t *s)
{
    pthread_mutex_lock(&fz_dog_mu);
    heliosdb_session_api()->backend_key(s, &fz_dog_pid, &fz_dog_secret);
    clock_gettime(CLOCK_REALTIME, &fz_dog_deadline);
    fz_dog_deadline.tv_sec += FZ_STATEMENT_MS / 1000;
    fz_dog_armed = 1;
    pthread_mutex_unlock(&fz_dog_mu);
}

static void fz_dog_disarm(void)
{
    pthread_mutex_lock(&fz_dog_mu);
    fz_dog_armed = 0;
    pthread_mutex_unlock(&fz_dog_mu);
}

static void fz_cleanup(void)
{
    pthread_mutex_lock(&fz_dog_mu);
    fz_dog_stop = 1;
    pthread_cond_signal(&fz_dog_cv);
    pthread_mutex_unlock(&fz_dog_mu);
    pthread_join(fz_dog, NULL);
    heliosdb_close(fz_eng);
    fz_eng = NULL;
    if (fz_dir[0] != '\0') {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fz_dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "fuzz_sql: could not remove %s\n", fz_dir);
        }
    }
}

static void fz_open(void)
{
    /* tmpfs when there is one: the disk is shared with other work's fsyncs */
    snprintf(fz_dir, sizeof(fz_dir), "%s/helios-fuzz-sql-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (mkdtemp(fz_dir) == NULL) {
        perror("mkdtemp");
        abort();
    }
    /* the tier's own fsyncs (manifest and catalog rewrites on every DDL) off too */
    char cfg[128];
    snprintf(cfg, sizeof(cfg), "%s.yaml", fz_dir);
    FILE *f = fopen(cfg, "w");
    if (f == NULL ||
        fprintf(f, "storage: {sync_commit: off}\nplugins: {nvme: {fsync: false}}\n") < 0 ||
        fclose(f) != 0) {
        perror(cfg);
        abort();
    }
    heliosdb_options_t o = {
        .size = sizeof(o), .no_sync = 1, .tier = "nvme", .codec = "lz4", .config_file = cfg};
    helios_err_t err = HELIOS_ERR_INIT;
    if (heliosdb_open(fz_dir, &o, &fz_eng, &err) != 0) {
        fprintf(stderr, "fuzz_sql: heliosdb_open: %s\n", err.message);
        abort();
    }
    unlink(cfg);
    if (pthread_create(&fz_dog, NULL, fz_dog_main, NULL) != 0) {
        abort();
    }
    atexit(fz_cleanup);
}

/* Append `s` to out as a double-quoted identifier. */
static void fz_ident(char *out, size_t cap, const char *s)
{
    size_t n = strlen(out);
    if (n + 1 < cap) {
        out[n++] = '"';
    }
    for (; *s != '\0' && n + 3 < cap; s++) {
        if (*s == '"') {
            out[n++] = '"';
        }
        out[n++] = *s;
    }
    out[n++] = '"';
    out[n] = '\0';
}

/* Drop every relation of `kind` ("TABLE", "VIEW", "SEQUENCE") the catalog query lists as
   (schema, name). */
static void fz_drop_all(helios_session_t *s, const char *list_sql, const char *kind)
{
    heliosdb_stmt_t *st = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    if (heliosdb_prepare(s, list_sql, &st, &err) != 0) {
        fprintf(stderr, "fuzz_sql: %s: %s\n", list_sql, err.message);
        abort();
    }
    char drops[8192] = "";
    int32_t rc;
    while ((rc = heliosdb_step(st, &err)) == HELIOSDB_ROW) {
        char one[600];
        snprintf(one, sizeof(one), "DROP %s IF EXISTS ", kind);
        fz_ident(one, sizeof(one), heliosdb_column_text(st, 0));
        strcat(one, ".");
        fz_ident(one, sizeof(one), heliosdb_column_text(st, 1));
        strcat(one, " CASCADE;");
        if (strlen(drops) + strlen(one) + 1 < sizeof(drops)) {
            strcat(drops, one);
        }
    }
    heliosdb_finalize(st);
    if (rc != 0) {
        fprintf(stderr, "fuzz_sql: %s: %s\n", list_sql, err.message);
        abort();
    }
    if (drops[0] != '\0') {
        /* one at a time: a failed DROP (a dependent object) must not stop the others */
        char *save = NULL;
        for (char *q = strtok_r(drops, ";", &save); q != NULL; q = strtok_r(NULL, ";", &save)) {
            heliosdb_exec(s, q, &err);
        }
    }
}

static void fz_reset(void)
{
    helios_session_t *s = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    if (heliosdb_connect(fz_eng, NULL, &s, &err) != 0) {
        fprintf(stderr, "fuzz_sql: connect: %s\n", err.message);
        abort();
    }
    static const char *const user_schemas =
        " NOT IN ('pg_catalog', 'information_schema', 'sys', 'pg_toast')";
    char q[512];
    snprintf(q, sizeof(q),
             "SELECT table_schema, table_name FROM information_schema.views"
             " WHERE table_schema%s",
             user_schemas);
    fz_drop_all(s, q, "VIEW");
    snprintf(q, sizeof(q), "SELECT schemaname, tablename FROM pg_tables WHERE schemaname%s",
             user_schemas);
    fz_drop_all(s, q, "TABLE");
    snprintf(q, sizeof(q),
             "SELECT sequence_schema, sequence_name FROM information_schema.sequences"
             " WHERE sequence_schema%s",
             user_schemas);
    fz_drop_all(s, q, "SEQUENCE");
    heliosdb_disconnect(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fz_eng == NULL) {
        fz_open();
    }
    if (size > FZ_MAX_SQL) {
        size = FZ_MAX_SQL;
    }
    fz_reset();
    char *sql = malloc(size + 1);
    if (sql == NULL) {
        return 0;
    }
    memcpy(sql, data, size);
    sql[size] = '\0';
    uint32_t len = (uint32_t)strlen(sql); /* the protocols never pass a NUL inside a query */

    helios_session_t *s = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    if (heliosdb_connect(fz_eng, NULL, &s, &err) != 0) {
        fprintf(stderr, "fuzz_sql: connect: %s\n", err.message);
        abort();
    }
    const helios_session_api_t *api = heliosdb_session_api();
    fz_dog_arm(s);
    int32_t rc = api->query(s, sql, len, &fz_sink, &err);
    fz_dog_disarm();
    if (rc < 0 || (rc > 0 && (err.code <= 0 || err.message[0] == '\0'))) {
        fprintf(stderr, "fuzz_sql: status %d without a SQLSTATE error (code %d)\n", rc, err.code);
        abort();
    }
    /* the statement's transaction (if it left one open) ends with the session */
    heliosdb_disconnect(s);
    free(sql);
    return 0;
}
