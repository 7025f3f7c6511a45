/* tests/sql/test_sql.c -- the SQL engine through the embedded API and the session API:
 * DML, SQLSTATEs, restart persistence, concurrent autocommit updates and inserts, suspended
 * portals, binary encoding, COPY through the sink, SCRAM verifiers, cancel. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helios/sqlstate.h"
#include "heliosdb.h"

static int failures, checks;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

static char dir[256];
static helios_engine_t *eng;

static void open_db(void)
{
    helios_err_t err = HELIOS_ERR_INIT;
    heliosdb_options_t o = {.size = sizeof o, .no_sync = 1};
    int32_t rc = heliosdb_open(dir, &o, &eng, &err);
    if (rc != 0) {
        printf("heliosdb_open: %s\n", err.message);
        exit(1);
    }
}

static const char *state(int32_t rc)
{
    static char s[6];
    helios_sqlstate_str(rc, s);
    return rc == 0 ? "00000" : s;
}

static int32_t ex(helios_session_t *s, const char *sql, helios_err_t *err)
{
    memset(err, 0, sizeof *err);
    return heliosdb_exec(s, sql, err);
}

/* first column of the first row as text (static buffer) */
static const char *one(helios_session_t *s, const char *sql)
{
    static char buf[1024];
    helios_err_t err = HELIOS_ERR_INIT;
    heliosdb_stmt_t *st;
    if (heliosdb_prepare(s, sql, &st, &err) != 0) {
        snprintf(buf, sizeof buf, "ERR %s", err.message);
        return buf;
    }
    int32_t rc = heliosdb_step(st, &err);
    if (rc == HELIOSDB_ROW) {
        const char *t = heliosdb_column_text(st, 0);
        snprintf(buf, sizeof buf, "%s", t ? t : "NULL");
    } else {
        snprintf(buf, sizeof buf, rc == 0 ? "NOROW" : "ERR %s", err.message);
    }
    heliosdb_finalize(st);
    return buf;
}

static void test_basics(helios_session_t *s)
{
    helios_err_t err;
    CHECK(ex(s,
             "CREATE TABLE acct (id int PRIMARY KEY, owner text NOT NULL, bal numeric(12,2) "
             "DEFAULT 0 CHECK (bal >= 0))",
             &err) == 0,
          "create: %s", err.message);
    CHECK(ex(s, "INSERT INTO acct VALUES (1, 'ann', 10.5), (2, 'bob', 20)", &err) == 0, "insert");
    int32_t rc = ex(s, "INSERT INTO acct VALUES (1, 'dup', 1)", &err);
    CHECK(rc == HELIOS_ERR_UNIQUE_VIOLATION, "dup key: %s", state(rc));
    CHECK(strstr(err.detail, "Key (id)=(1) already exists.") != NULL, "detail: %s", err.detail);
    rc = ex(s, "INSERT INTO acct (id) VALUES (3)", &err);
    CHECK(rc == HELIOS_ERR_NOT_NULL_VIOLATION, "not null: %s", state(rc));
    rc = ex(s, "UPDATE acct SET bal = -1 WHERE id = 1", &err);
    CHECK(rc == HELIOS_ERR_CHECK_VIOLATION, "check: %s", state(rc));
    rc = ex(s, "SELECT * FROM nope", &err);
    CHECK(rc == HELIOS_ERR_UNDEFINED_TABLE, "42P01: %s", state(rc));
    rc = ex(s, "SELECT 1 FROM acct WHERE", &err);
    CHECK(rc == HELIOS_ERR_SYNTAX_ERROR && err.position == 25, "syntax: %s pos %d", state(rc),
          err.position);
    rc = ex(s, "SELECT 1/0", &err);
    CHECK(rc == HELIOS_ERR_DIVISION_BY_ZERO, "22012: %s", state(rc));
    rc = ex(s, "CREATE TRIGGER tr AFTER INSERT ON acct FOR EACH ROW EXECUTE FUNCTION f()", &err);
    CHECK(rc == HELIOS_ERR_FEATURE_NOT_SUPPORTED, "0A000: %s", state(rc));
    CHECK(strcmp(one(s, "SELECT sum(bal) FROM acct"), "30.50") == 0, "sum: %s",
          one(s, "SELECT sum(bal) FROM acct"));
    CHECK(strcmp(one(s, "SELECT avg(bal) FROM acct"), "15.2500000000000000") == 0, "avg: %s",
          one(s, "SELECT avg(bal) FROM acct"));
    /* statement atomicity: the failing second row leaves nothing behind */
    rc = ex(s, "INSERT INTO acct VALUES (5, 'e', 1), (1, 'again', 1)", &err);
    CHECK(rc == HELIOS_ERR_UNIQUE_VIOLATION, "multi-row dup: %s", state(rc));
    CHECK(strcmp(one(s, "SELECT count(*) FROM acct WHERE id = 5"), "0") == 0, "atomic insert");
    /* transaction block: failed state, rollback */
    CHECK(ex(s, "BEGIN", &err) == 0, "begin");
    ex(s, "INSERT INTO acct VALUES (6, 'f', 1)", &err);
    rc = ex(s, "SELECT 1/0", &err);
    rc = ex(s, "SELECT 1", &err);
    CHECK(rc == HELIOS_ERR_IN_FAILED_SQL_TRANSACTION, "25P02: %s", state(rc));
    CHECK(ex(s, "ROLLBACK", &err) == 0, "rollback");
    CHECK(strcmp(one(s, "SELECT count(*) FROM acct"), "2") == 0, "rolled back");
    CHECK(ex(s, "CREATE INDEX acct_owner ON acct (owner)", &err) == 0, "index");
    CHECK(strcmp(one(s, "SELECT id FROM acct WHERE owner = 'bob'"), "2") == 0, "index lookup");
    CHECK(ex(s, "CREATE TABLE ser (id serial PRIMARY KEY, v text)", &err) == 0, "serial");
    CHECK(strcmp(one(s, "INSERT INTO ser (v) VALUES ('a') RETURNING id"), "1") == 0, "serial 1");
    CHECK(strcmp(one(s, "INSERT INTO ser (v) VALUES ('b') RETURNING id"), "2") == 0, "serial 2");
    CHECK(ex(s, "CREATE VIEW rich AS SELECT owner FROM acct WHERE bal > 15", &err) == 0, "view");
    {
        /* an embedded prepared statement survives DDL (replanned), even on its own table */
        heliosdb_stmt_t *st;
        heliosdb_prepare(s, "SELECT count(*) FROM acct", &st, &err);
        ex(s, "ALTER TABLE acct ADD COLUMN note text", &err);
        int32_t r2 = heliosdb_step(st, &err);
        CHECK(r2 == HELIOSDB_ROW && strcmp(heliosdb_column_text(st, 0), "2") == 0,
              "step after ALTER: %d %s", r2, err.message);
        heliosdb_finalize(st);
    }
    CHECK(ex(s, "CREATE USER alice PASSWORD 'secret'", &err) == 0, "create user");
    /* a query above work_mem fails with 53200 and the session goes on */
    CHECK(ex(s, "SET work_mem = '1MB'", &err) == 0, "set work_mem");
    rc = ex(s, "SELECT count(*) FROM generate_series(1, 300) a, generate_series(1, 300) b", &err);
    CHECK(rc == HELIOS_ERR_OUT_OF_MEMORY, "53200: %s %s", state(rc), err.message);
    CHECK(ex(s, "RESET work_mem", &err) == 0, "reset work_mem");
    CHECK(
        strcmp(one(s, "SELECT count(*) FROM generate_series(1, 300) a, generate_series(1, 300) b"),
               "90000") == 0,
        "same query within the default work_mem");
}

static void test_restart(void)
{
    helios_err_t err;
    helios_session_t *s;
    heliosdb_connect(eng, NULL, &s, &err);
    CHECK(strcmp(one(s, "SELECT owner FROM rich"), "bob") == 0, "view after restart: %s",
          one(s, "SELECT owner FROM rich"));
    CHECK(strcmp(one(s, "SELECT id FROM acct WHERE owner = 'ann'"), "1") == 0,
          "index after restart");
    const char *id = one(s, "INSERT INTO ser (v) VALUES ('c') RETURNING id");
    CHECK(atoi(id) > 2, "serial continues after restart: %s", id);
    char v[512];
    int32_t rc = heliosdb_session_api()->auth_lookup(eng, "alice", v, sizeof v, &err);
    CHECK(rc == 0 && strncmp(v, "SCRAM-SHA-256$4096:", 19) == 0, "verifier: %s", v);
    rc = heliosdb_session_api()->auth_lookup(eng, "nobody", v, sizeof v, &err);
    CHECK(rc == HELIOS_ERR_INVALID_AUTHORIZATION_SPECIFICATION, "28000: %s", state(rc));
    heliosdb_disconnect(s);
}

static void *bump(void *arg)
{
    helios_session_t *s;
    helios_err_t err = HELIOS_ERR_INIT;
    heliosdb_connect(eng, NULL, &s, &err);
    heliosdb_stmt_t *st;
    heliosdb_prepare(s, "UPDATE counter SET n = n + 1 WHERE id = 1", &st, &err);
    for (int i = 0; i < 300; i++) {
        if (heliosdb_step(st, &err) != 0)
            __atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST);
        heliosdb_reset(st);
    }
    heliosdb_finalize(st);
    /* the same key from every thread: exactly one insert wins */
    int32_t rc = heliosdb_exec(s, "INSERT INTO once VALUES (42)", &err);
    if (rc == 0)
        __atomic_add_fetch((int *)arg + 1, 1, __ATOMIC_SEQ_CST);
    else if (rc != HELIOS_ERR_UNIQUE_VIOLATION)
        __atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST);
    heliosdb_disconnect(s);
    return NULL;
}

static void test_concurrency(helios_session_t *s)
{
    helios_err_t err;
    ex(s, "CREATE TABLE counter (id int PRIMARY KEY, n int)", &err);
    ex(s, "INSERT INTO counter VALUES (1, 0)", &err);
    ex(s, "CREATE TABLE once (k int PRIMARY KEY)", &err);
    int stats[2] = {0, 0};
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, bump, stats);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    CHECK(stats[0] == 0, "%d errors in concurrent updates", stats[0]);
    CHECK(strcmp(one(s, "SELECT n FROM counter"), "1200") == 0, "no lost update: %s",
          one(s, "SELECT n FROM counter"));
    CHECK(stats[1] == 1, "exactly one concurrent insert wins: %d", stats[1]);
}

typedef struct cap {
    int rows, completes;
    char tag[64];
    char copy_out[4096];
    const char *copy_in;
    int copy_in_done;
} cap_t;

static int32_t c_row(void *ctx, uint32_t n, const helios_value_t *v)
{
    ((cap_t *)ctx)->rows++;
    return 0;
}

static int32_t c_complete(void *ctx, const char *tag)
{
    cap_t *c = ctx;
    c->completes++;
    snprintf(c->tag, sizeof c->tag, "%s", tag);
    return 0;
}

static int32_t c_in_begin(void *ctx, uint32_t fmt, uint32_t n)
{
    return 0;
}

static int32_t c_in_read(void *ctx, uint8_t *buf, uint32_t cap, uint32_t *n, helios_err_t *err)
{
    cap_t *c = ctx;
    size_t l = c->copy_in_done ? 0 : strlen(c->copy_in);
    if (l > cap)
        l = cap;
    memcpy(buf, c->copy_in, l);
    *n = (uint32_t)l;
    c->copy_in_done = 1;
    return 0;
}

static int32_t c_out_begin(void *ctx, uint32_t f, uint32_t n)
{
    return 0;
}

static int32_t c_out_data(void *ctx, const uint8_t *d, uint32_t l)
{
    cap_t *c = ctx;
    strncat(c->copy_out, (const char *)d, l);
    return 0;
}

static int32_t c_out_end(void *ctx)
{
    return 0;
}

static void test_session_api(void)
{
    const helios_session_api_t *api = heliosdb_session_api();
    helios_session_t *s;
    helios_err_t err = HELIOS_ERR_INIT;
    helios_session_opts_t o = {.size = sizeof o,
                               .dialect = HELIOS_DIALECT_POSTGRES,
                               .user = "u1",
                               .database = "helios",
                               .application_name = "t"};
    CHECK(api->open(eng, &o, &s, &err) == 0, "open");
    cap_t c;
    memset(&c, 0, sizeof c);
    helios_sink_t sink = {.size = sizeof sink,
                          .ctx = &c,
                          .row = c_row,
                          .complete = c_complete,
                          .copy_in_begin = c_in_begin,
                          .copy_in_read = c_in_read,
                          .copy_out_begin = c_out_begin,
                          .copy_out_data = c_out_data,
                          .copy_out_end = c_out_end};
    const char *q = "CREATE TABLE p (a int, b text); INSERT INTO p SELECT 1, 'x'; "
                    "INSERT INTO p VALUES (2, 'y'), (3, NULL)";
    CHECK(api->query(s, q, (uint32_t)strlen(q), &sink, &err) == 0 && c.completes == 3,
          "multi-statement query: %s", err.message);
    helios_stmt_t *st;
    q = "SELECT a, b FROM p WHERE a >= $1 ORDER BY a";
    CHECK(api->prepare(s, q, (uint32_t)strlen(q), 0, NULL, &st, &err) == 0, "prepare");
    uint32_t np;
    const uint32_t *pt;
    api->stmt_params(st, &np, &pt);
    CHECK(np == 1 && pt[0] == HELIOS_OID_INT4, "inferred param type %u", np ? pt[0] : 0);
    helios_param_t prm = {.format = HELIOS_FORMAT_TEXT, .data = (const uint8_t *)"1", .len = 1};
    helios_portal_t *p;
    CHECK(api->bind(st, 1, &prm, &p, &err) == 0, "bind");
    memset(&c, 0, sizeof c);
    int32_t rc = api->execute(p, 2, &sink, &err);
    CHECK(rc == HELIOS_SUSPENDED && c.rows == 2, "suspended after 2: rc %d rows %d", rc, c.rows);
    rc = api->execute(p, 2, &sink, &err);
    CHECK(rc == 0 && c.rows == 3 && strcmp(c.tag, "SELECT 3") == 0, "rest: %d %d %s", rc, c.rows,
          c.tag);
    api->portal_close(p);
    /* DDL elsewhere replans the prepared statement instead of failing it */
    q = "CREATE TABLE unrelated (x int)";
    CHECK(api->query(s, q, (uint32_t)strlen(q), &sink, &err) == 0, "ddl");
    CHECK(api->bind(st, 1, &prm, &p, &err) == 0, "bind after ddl");
    memset(&c, 0, sizeof c);
    rc = api->execute(p, 0, &sink, &err);
    CHECK(rc == 0 && c.rows == 3, "execute after ddl: %d %s", rc, err.message);
    api->portal_close(p);
    api->stmt_close(st);
    uint8_t buf[64];
    uint32_t len;
    helios_value_t v = {.type_oid = HELIOS_OID_INT4, .i = 258};
    api->value_encode(s, &v, HELIOS_FORMAT_BINARY, buf, sizeof buf, &len);
    CHECK(len == 4 && buf[2] == 1 && buf[3] == 2, "int4 binary");
    helios_value_t nv = {.type_oid = HELIOS_OID_NUMERIC, .p = "-12345.678", .len = 10};
    api->value_encode(s, &nv, HELIOS_FORMAT_BINARY, buf, sizeof buf, &len);
    /* ndigits 3 (1 2345 6780), weight 1, sign 0x4000, dscale 3 */
    CHECK(len == 14 && buf[1] == 3 && buf[3] == 1 && buf[4] == 0x40 && buf[7] == 3 && buf[8] == 0 &&
              buf[9] == 1,
          "numeric binary");
    helios_value_t av = {.type_oid = 1007, .p = "{1,NULL,3}", .len = 10};
    rc = api->value_encode(s, &av, HELIOS_FORMAT_BINARY, buf, sizeof buf, &len);
    /* ndim 1, has null 1, oid 23, size 3, lb 1, (4, 1), (-1), (4, 3) */
    CHECK(rc == 0 && len == 20 + 8 + 4 + 8 && buf[3] == 1 && buf[7] == 1 && buf[11] == 23 &&
              buf[15] == 3 && buf[27] == 1 && buf[28] == 0xFF && buf[39] == 3,
          "int4[] binary (%d, %u)", rc, len);
    rc = api->value_encode(s, &nv, HELIOS_FORMAT_TEXT, buf, 3, &len);
    CHECK(rc == HELIOS_AGAIN && len == 10, "AGAIN with size");
    memset(&c, 0, sizeof c);
    c.copy_in = "a,b\n10,ten\n11,\"el,even\"\n";
    q = "COPY p FROM STDIN WITH (FORMAT csv, HEADER)";
    CHECK(api->query(s, q, (uint32_t)strlen(q), &sink, &err) == 0 && strcmp(c.tag, "COPY 2") == 0,
          "copy in: %s %s", c.tag, err.message);
    memset(&c, 0, sizeof c);
    c.copy_in = "20\ttwenty\nbad\tx\n";
    q = "COPY p FROM STDIN";
    rc = api->query(s, q, (uint32_t)strlen(q), &sink, &err);
    CHECK(rc == HELIOS_ERR_INVALID_TEXT_REPRESENTATION && strstr(err.detail, "line 2") != NULL,
          "copy error names the line: %s / %s", err.message, err.detail);
    memset(&c, 0, sizeof c);
    q = "COPY (SELECT a, b FROM p WHERE a > 9 ORDER BY a) TO STDOUT WITH (FORMAT csv)";
    CHECK(api->query(s, q, (uint32_t)strlen(q), &sink, &err) == 0 &&
              strcmp(c.copy_out, "10,ten\n11,\"el,even\"\n") == 0,
          "copy out: [%s] %s", c.copy_out, err.message);
    CHECK(strcmp(api->param_get(s, "server_version"), "15.1") == 0, "server_version");
    CHECK(api->txn_status(s) == 'I', "idle");
    uint32_t pid, secret;
    api->backend_key(s, &pid, &secret);
    api->cancel(eng, pid, secret); /* nothing running: harmless */
    api->close(s);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/helios-test-sql-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    open_db();
    helios_session_t *s;
    helios_err_t err = HELIOS_ERR_INIT;
    heliosdb_connect(eng, NULL, &s, &err);
    test_basics(s);
    test_concurrency(s);
    heliosdb_disconnect(s);
    test_session_api();
    heliosdb_close(eng);
    open_db();
    test_restart();
    heliosdb_close(eng);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
