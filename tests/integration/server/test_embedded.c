/*
 * tests/integration/server/test_embedded.c -- the embedded API (include/heliosdb.h) that the
 * server is built on: heliosdb_open loads the plugins, starts the storage tier and codec, opens
 * the LSM store and the SQL engine; data survives heliosdb_close and a reopen; bad options are
 * clear errors. No network (label unit).
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helios/sqlstate.h"
#include "heliosdb.h"

static const char *const plugin_dirs[] = {HELIOS_PLUGIN_OUTPUT_DIR, NULL};
static char dir_a[] = "/tmp/helios-embedded-a-XXXXXX";
static char dir_b[] = "/tmp/helios-embedded-b-XXXXXX";

typedef struct rows {
    int n;
    int64_t sum;
    char tag[64];
} rows_t;

static int32_t on_row(void *ctx, uint32_t n, const helios_value_t *v)
{
    rows_t *r = ctx;
    r->n++;
    if (n > 0 && !v[0].is_null) {
        r->sum += v[0].i;
    }
    return 0;
}

static int32_t on_complete(void *ctx, const char *tag)
{
    rows_t *r = ctx;
    snprintf(r->tag, sizeof(r->tag), "%s", tag);
    return 0;
}

static int32_t run_sql(helios_engine_t *e, const char *sql, rows_t *r, helios_err_t *err)
{
    const helios_session_api_t *api = heliosdb_session_api();
    helios_session_opts_t o = {
        .size = sizeof(o), .dialect = HELIOS_DIALECT_POSTGRES, .user = "helios"};
    helios_session_t *s = NULL;
    memset(r, 0, sizeof(*r));
    int32_t rc = api->open(e, &o, &s, err);
    if (rc != 0) {
        return rc;
    }
    helios_sink_t sink = {.size = sizeof(sink), .ctx = r, .row = on_row, .complete = on_complete};
    rc = api->query(s, sql, (uint32_t)strlen(sql), &sink, err);
    api->close(s);
    return rc;
}

static heliosdb_options_t opts(void)
{
    heliosdb_options_t o = {.size = sizeof(o), .plugin_dirs = plugin_dirs};
    return o;
}

static void test_open_query_reopen(void)
{
    heliosdb_options_t o = opts();
    helios_engine_t *e = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    rows_t r;
    CU_ASSERT_EQUAL_FATAL(heliosdb_open(dir_a, &o, &e, &err), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(run_sql(e, "select 40 + 2", &r, &err), 0);
    CU_ASSERT_EQUAL(r.n, 1);
    CU_ASSERT_EQUAL(r.sum, 42);
    CU_ASSERT_EQUAL(run_sql(e, "create table t (a int primary key, b text)", &r, &err), 0);
    CU_ASSERT_EQUAL(run_sql(e, "insert into t values (1, 'x'), (2, 'y'), (39, 'z')", &r, &err), 0);
    CU_ASSERT_STRING_EQUAL(r.tag, "INSERT 0 3");
    heliosdb_close(e);

    e = NULL;
    CU_ASSERT_EQUAL_FATAL(heliosdb_open(dir_a, &o, &e, &err), 0);
    CU_ASSERT_EQUAL(run_sql(e, "select a from t", &r, &err), 0);
    CU_ASSERT_EQUAL(r.n, 3);
    CU_ASSERT_EQUAL(r.sum, 42);
    heliosdb_close(e);
}

static void test_two_engines(void)
{
    heliosdb_options_t o = opts();
    o.tier = "sata";
    o.codec = "zstd";
    helios_engine_t *a = NULL, *b = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    rows_t r;
    CU_ASSERT_EQUAL_FATAL(heliosdb_open(dir_b, &o, &b, &err), 0);
    o = opts();
    CU_ASSERT_EQUAL_FATAL(heliosdb_open(dir_a, &o, &a, &err), 0);
    CU_ASSERT_EQUAL(run_sql(b, "create table u (a int)", &r, &err), 0);
    CU_ASSERT_EQUAL(run_sql(b, "insert into u values (7)", &r, &err), 0);
    CU_ASSERT_EQUAL(run_sql(a, "select a from t", &r, &err), 0);
    CU_ASSERT_EQUAL(r.n, 3);
    CU_ASSERT_EQUAL(run_sql(b, "select a from u", &r, &err), 0);
    CU_ASSERT_EQUAL(r.sum, 7);
    /* the other database has no table u */
    CU_ASSERT_EQUAL(run_sql(a, "select a from u", &r, &err), HELIOS_ERR_UNDEFINED_TABLE);
    heliosdb_close(a);
    heliosdb_close(b);
}

static void test_bad_options(void)
{
    heliosdb_options_t o = opts();
    helios_engine_t *e = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    o.tier = "nosuch";
    CU_ASSERT_EQUAL(heliosdb_open(dir_a, &o, &e, &err), HELIOS_ERR_UNDEFINED_OBJECT);
    CU_ASSERT_STRING_EQUAL(err.message, "storage tier plugin \"nosuch\" is not loaded");
    CU_ASSERT_PTR_NULL(e);
    o = opts();
    o.codec = "nvme";
    CU_ASSERT_EQUAL(heliosdb_open(dir_a, &o, &e, &err), HELIOS_ERR_UNDEFINED_OBJECT);
    CU_ASSERT_STRING_EQUAL(err.message,
                           "codec plugin \"nvme\" is not loaded or not a byte compressor");
    o = opts();
    o.size = 8;
    CU_ASSERT_EQUAL(heliosdb_open(dir_a, &o, &e, &err), HELIOS_ERR_INVALID_PARAMETER_VALUE);
    CU_ASSERT_EQUAL(heliosdb_open(NULL, NULL, &e, &err), HELIOS_ERR_INVALID_PARAMETER_VALUE);
    o = opts();
    o.config_file = "/nonexistent/heliosdb.yaml";
    CU_ASSERT_EQUAL(heliosdb_open(dir_a, &o, &e, &err), HELIOS_ERR_CONFIG_FILE_ERROR);
    CU_ASSERT_STRING_EQUAL(err.message, "/nonexistent/heliosdb.yaml: cannot open config file: "
                                        "No such file or directory");
    heliosdb_close(NULL);
    CU_ASSERT_PTR_NOT_NULL(heliosdb_session_api());
}

int main(void)
{
    setenv("HELIOS_LOG_LEVEL", "error", 1);
    if (mkdtemp(dir_a) == NULL || mkdtemp(dir_b) == NULL) {
        return 1;
    }
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    CU_pSuite s = CU_add_suite("embedded", NULL, NULL);
    CU_add_test(s, "open, query, close, reopen", test_open_query_reopen);
    CU_add_test(s, "two databases at once, other tier and codec", test_two_engines);
    CU_add_test(s, "bad options", test_bad_options);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir_a, dir_b);
    if (system(cmd) != 0) {
        failed++;
    }
    return failed == 0 ? 0 : 1;
}
