/*
 * test_testing.c -- tests of helios_testing itself: the fake host, config parsing with units,
 * the loader's refusals, and both conformance suites run against small test plugins.
 * argv[1]: the directory holding the test plugins.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helios/conformance.h"
#include "helios/faulttier.h"
#include "helios/testing.h"

static const char *plugin_dir = ".";

static void plugin_path(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s.so", plugin_dir, name);
}

/* ---- fake host ---------------------------------------------------------------------- */

static void test_alloc_counting(void)
{
    helios_host_t *h = helios_test_host_new("p", NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_STRING_EQUAL(h->plugin_name, "p");
    CU_ASSERT_STRING_EQUAL(h->data_dir, ".");
    CU_ASSERT_EQUAL(h->size, sizeof(helios_host_t));
    void *a = h->alloc(h, 10);
    char *b = h->calloc(h, 4, 8);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(((uintptr_t)a) % 16, 0);
    for (int i = 0; i < 32; i++) {
        CU_ASSERT_EQUAL(b[i], 0);
    }
    CU_ASSERT_EQUAL(helios_test_host_live_allocs(h), 2);
    CU_ASSERT_EQUAL(helios_test_host_live_bytes(h), 42);
    memcpy(b, "abcdefgh", 8);
    b = h->realloc(h, b, 4000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(memcmp(b, "abcdefgh", 8), 0);
    CU_ASSERT_EQUAL(helios_test_host_live_allocs(h), 2);
    CU_ASSERT_EQUAL(helios_test_host_live_bytes(h), 4010);
    h->free(h, a);
    h->free(h, NULL);
    CU_ASSERT_PTR_NULL(h->realloc(h, b, 0));
    CU_ASSERT_EQUAL(helios_test_host_live_allocs(h), 0);
    CU_ASSERT_EQUAL(helios_test_host_live_bytes(h), 0);
    CU_ASSERT_EQUAL(helios_test_host_n_allocs(h), 3);
    helios_test_host_free(h);
}

static void test_fail_nth_alloc(void)
{
    helios_host_t *h = helios_test_host_new("p", "/tmp", NULL);
    helios_test_host_fail_alloc(h, 3);
    void *a = h->alloc(h, 1), *b = h->alloc(h, 1), *c = h->alloc(h, 1), *d = h->alloc(h, 1);
    CU_ASSERT_PTR_NOT_NULL(a);
    CU_ASSERT_PTR_NOT_NULL(b);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_PTR_NOT_NULL(d); /* one-shot */
    CU_ASSERT_EQUAL(helios_test_host_n_failed_allocs(h), 1);
    helios_test_host_fail_alloc(h, 1);
    void *e = h->realloc(h, a, 100);
    CU_ASSERT_PTR_NULL(e); /* a stays valid */
    helios_test_host_fail_alloc(h, 1);
    CU_ASSERT_PTR_NULL(h->calloc(h, 2, 2));
    h->free(h, a);
    h->free(h, b);
    h->free(h, d);
    CU_ASSERT_EQUAL(helios_test_host_live_allocs(h), 0);
    helios_test_host_free(h);
}

static void test_logs_and_errors(void)
{
    helios_host_t *h = helios_test_host_new("p", NULL, NULL);
    CU_ASSERT_STRING_EQUAL(helios_test_host_last_log(h), "");
    CU_ASSERT_EQUAL(helios_test_host_n_logs(h), 0);
    h->log(h, HELIOS_LOG_INFO, "hello %d", 1);
    h->log(h, HELIOS_LOG_WARN, "second line\n");
    CU_ASSERT_EQUAL(helios_test_host_n_logs(h), 2);
    CU_ASSERT_STRING_EQUAL(helios_test_host_last_log(h), "second line");
    CU_ASSERT_STRING_EQUAL(helios_test_host_log_line(h, 0), "hello 1");
    CU_ASSERT_PTR_NULL(helios_test_host_log_line(h, 2));
    CU_ASSERT(helios_test_host_log_contains(h, "llo 1"));
    CU_ASSERT(!helios_test_host_log_contains(h, "absent"));
    for (int i = 0; i < 300; i++) {
        h->log(h, HELIOS_LOG_DEBUG, "line %d", i);
    }
    CU_ASSERT_EQUAL(helios_test_host_n_logs(h), 302);
    CU_ASSERT_STRING_EQUAL(helios_test_host_log_line(h, 0), "line 44");
    helios_test_host_clear_logs(h);
    CU_ASSERT_EQUAL(helios_test_host_n_logs(h), 0);

    helios_err_t err = HELIOS_ERR_INIT;
    int32_t rc = h->err_set(&err, HELIOS_ERR_IO_ERROR, "could not open \"%s\"", "f");
    CU_ASSERT_EQUAL(rc, HELIOS_ERR_IO_ERROR);
    CU_ASSERT_EQUAL(err.code, HELIOS_ERR_IO_ERROR);
    CU_ASSERT_STRING_EQUAL(err.message, "could not open \"f\"");
    h->err_detail(&err, "Detail %d.", 5);
    h->err_hint(&err, "Hint.");
    CU_ASSERT_STRING_EQUAL(err.detail, "Detail 5.");
    CU_ASSERT_STRING_EQUAL(err.hint, "Hint.");
    CU_ASSERT_EQUAL(h->err_set(NULL, HELIOS_ERR_DISK_FULL, "x"), HELIOS_ERR_DISK_FULL);
    char state[6];
    helios_sqlstate_str(rc, state);
    CU_ASSERT_STRING_EQUAL(state, "58030");
    helios_test_host_free(h);
}

static void test_metrics(void)
{
    helios_host_t *h = helios_test_host_new("p", NULL, NULL);
    helios_err_t err = HELIOS_ERR_INIT;
    helios_metric_t *c = NULL, *g = NULL, *dup = NULL;
    int64_t v = 0;
    CU_ASSERT_EQUAL(h->metric_register(h, "bytes", HELIOS_METRIC_COUNTER, "b", &c, &err), 0);
    CU_ASSERT_EQUAL(h->metric_register(h, "depth", HELIOS_METRIC_GAUGE, "d", &g, &err), 0);
    CU_ASSERT_EQUAL(h->metric_register(h, "bytes", HELIOS_METRIC_COUNTER, "b", &dup, &err),
                    HELIOS_ERR_DUPLICATE_OBJECT);
    h->metric_add(c, 5);
    h->metric_add(c, 7);
    h->metric_set(g, 42);
    CU_ASSERT_EQUAL(helios_test_host_metric(h, "bytes", &v), 0);
    CU_ASSERT_EQUAL(v, 12);
    CU_ASSERT_EQUAL(helios_test_host_metric(h, "depth", &v), 0);
    CU_ASSERT_EQUAL(v, 42);
    CU_ASSERT_EQUAL(helios_test_host_metric(h, "nope", &v), HELIOS_ERR_UNDEFINED_OBJECT);
    CU_ASSERT_EQUAL(h->shutting_down(h), 0);
    helios_test_host_set_shutting_down(h);
    CU_ASSERT_NOT_EQUAL(h->shutting_down(h), 0);
    helios_test_host_free(h);
}

typedef struct loop_state {
    const helios_host_t *h;
    int fired_once;
    int fired_repeat;
    helios_timer_t *repeat;
    int reads;
    char got[16];
} loop_state_t;

static void on_once(void *arg)
{
    ((loop_state_t *)arg)->fired_once++;
}

static void on_repeat(void *arg)
{
    loop_state_t *s = arg;
    if (++s->fired_repeat == 3) {
        s->h->timer_stop(s->h, s->repeat); /* stopping itself from its callback */
    }
}

static void on_read(int fd, uint32_t revents, void *arg)
{
    loop_state_t *s = arg;
    if (revents & HELIOS_IO_READ) {
        ssize_t n = read(fd, s->got, sizeof(s->got) - 1);
        if (n > 0) {
            s->got[n] = '\0';
            s->reads++;
        }
    }
}

static void test_event_loop(void)
{
    helios_host_t *h = helios_test_host_new("p", NULL, NULL);
    helios_err_t err = HELIOS_ERR_INIT;
    loop_state_t s = {.h = h};
    helios_timer_t *once = NULL;
    helios_io_t *io = NULL;
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    uint64_t t0 = h->now_us();
    CU_ASSERT_EQUAL(h->timer_start(h, 10, 0, on_once, &s, &once, &err), 0);
    CU_ASSERT_EQUAL(h->timer_start(h, 1, 5, on_repeat, &s, &s.repeat, &err), 0);
    CU_ASSERT_EQUAL(h->io_start(h, fds[0], HELIOS_IO_READ, on_read, &s, &io, &err), 0);
    CU_ASSERT_EQUAL(write(fds[1], "ping", 4), 4);
    helios_test_host_run(h, 60);
    CU_ASSERT(h->now_us() - t0 >= 60000);
    CU_ASSERT_EQUAL(s.fired_once, 1);
    CU_ASSERT_EQUAL(s.fired_repeat, 3);
    CU_ASSERT_EQUAL(s.reads, 1);
    CU_ASSERT_STRING_EQUAL(s.got, "ping");
    h->io_stop(h, io);
    CU_ASSERT_EQUAL(write(fds[1], "more", 4), 4);
    helios_test_host_run(h, 0);
    CU_ASSERT_EQUAL(s.reads, 1); /* stopped watchers never run again */
    h->timer_stop(h, once);
    h->timer_stop(h, NULL);
    close(fds[0]);
    close(fds[1]);
    helios_test_host_free(h);
}

/* ---- config ------------------------------------------------------------------------- */

static void test_parse_units(void)
{
    static const struct {
        uint32_t type;
        const char *text;
        int64_t want;
    } ok[] = {
        {HELIOS_CFG_SIZE, "4096", 4096},
        {HELIOS_CFG_SIZE, "4k", 4096},
        {HELIOS_CFG_SIZE, "64MiB", 64LL << 20},
        {HELIOS_CFG_SIZE, "64 MB", 64LL << 20},
        {HELIOS_CFG_SIZE, "1 GiB", 1LL << 30},
        {HELIOS_CFG_SIZE, "2T", 2LL << 40},
        {HELIOS_CFG_SIZE, "10B", 10},
        {HELIOS_CFG_DURATION, "250ms", 250},
        {HELIOS_CFG_DURATION, "250", 250},
        {HELIOS_CFG_DURATION, "5s", 5000},
        {HELIOS_CFG_DURATION, "2min", 120000},
        {HELIOS_CFG_DURATION, "1h", 3600000},
        {HELIOS_CFG_DURATION, "500us", 1},
        {HELIOS_CFG_DURATION, "1500us", 2},
        {HELIOS_CFG_DURATION, "3m", 180000},
        {HELIOS_CFG_DURATION, "1d", 86400000},
        {HELIOS_CFG_INT, "-3", -3},
        {HELIOS_CFG_INT, "7", 7},
        {HELIOS_CFG_INT, "1k", 1024},
        {HELIOS_CFG_INT, "3s", 3000},
        {HELIOS_CFG_BOOL, "on", 1},
        {HELIOS_CFG_BOOL, "FALSE", 0},
        {HELIOS_CFG_BOOL, "yes", 1},
        {HELIOS_CFG_BOOL, "0", 0},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        helios_err_t err = HELIOS_ERR_INIT;
        int64_t v = -999;
        int32_t rc = helios_test_parse_value(ok[i].type, ok[i].text, NULL, &v, &err);
        if (rc != 0 || v != ok[i].want) {
            fprintf(stderr, "  \"%s\": rc %d value %lld (%s)\n", ok[i].text, rc, (long long)v,
                    err.message);
        }
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_EQUAL(v, ok[i].want);
    }
    static const struct {
        uint32_t type;
        const char *text;
    } bad[] = {
        {HELIOS_CFG_SIZE, "5s"},
        {HELIOS_CFG_DURATION, "5MiB"},
        {HELIOS_CFG_SIZE, "12 parsecs"},
        {HELIOS_CFG_INT, ""},
        {HELIOS_CFG_INT, "abc"},
        {HELIOS_CFG_DURATION, "1.5s"},
        {HELIOS_CFG_SIZE, "99999999999999999999"},
        {HELIOS_CFG_SIZE, "9000000T"},
        {HELIOS_CFG_SIZE, "1.5GiB"},
        {HELIOS_CFG_BOOL, "maybe"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        helios_err_t err = HELIOS_ERR_INIT;
        int64_t v = 0;
        CU_ASSERT_EQUAL(helios_test_parse_value(bad[i].type, bad[i].text, NULL, &v, &err),
                        HELIOS_ERR_INVALID_PARAMETER_VALUE);
        CU_ASSERT(err.message[0] != '\0');
    }
    static const char *const names[] = {"fast", "small", NULL};
    int64_t v = 0;
    CU_ASSERT_EQUAL(helios_test_parse_value(HELIOS_CFG_ENUM, "small", names, &v, NULL), 0);
    CU_ASSERT_EQUAL(v, 1);
    helios_err_t err = HELIOS_ERR_INIT;
    CU_ASSERT_EQUAL(helios_test_parse_value(HELIOS_CFG_ENUM, "tiny", names, &v, &err),
                    HELIOS_ERR_INVALID_PARAMETER_VALUE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.hint, "\"small\""));
}

typedef struct tcodec_config {
    int64_t level;
    int64_t buffer_bytes;
    int64_t timeout_ms;
    const char *label;
    uint32_t mode;
    uint32_t verify;
} tcodec_config_t;

static void test_config_from_schema(void)
{
    char path[512];
    const helios_plugin_t *d = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    tcodec_config_t *cfg = NULL;
    plugin_path(path, sizeof(path), "tcodec");
    CU_ASSERT_EQUAL_FATAL(helios_test_load_plugin(path, &d, &err), 0);
    CU_ASSERT_EQUAL_FATAL(d->config_size, sizeof(tcodec_config_t));
    /* defaults */
    CU_ASSERT_EQUAL_FATAL(helios_test_plugin_config(d, NULL, (void **)&cfg, &err), 0);
    CU_ASSERT_EQUAL(cfg->level, 3);
    CU_ASSERT_EQUAL(cfg->buffer_bytes, 65536);
    CU_ASSERT_EQUAL(cfg->timeout_ms, 250);
    CU_ASSERT_STRING_EQUAL(cfg->label, "x");
    CU_ASSERT_EQUAL(cfg->mode, 0);
    CU_ASSERT_EQUAL(cfg->verify, 1);
    helios_test_plugin_config_free(cfg);
    /* overrides */
    const char *const ov[] = {
        "level=9", "buffer=64MiB", "timeout=2min", "label=hello world", "mode=small", "verify=off",
        NULL};
    CU_ASSERT_EQUAL_FATAL(helios_test_plugin_config(d, ov, (void **)&cfg, &err), 0);
    CU_ASSERT_EQUAL(cfg->level, 9);
    CU_ASSERT_EQUAL(cfg->buffer_bytes, 64LL << 20);
    CU_ASSERT_EQUAL(cfg->timeout_ms, 120000);
    CU_ASSERT_STRING_EQUAL(cfg->label, "hello world");
    CU_ASSERT_EQUAL(cfg->mode, 1);
    CU_ASSERT_EQUAL(cfg->verify, 0);
    helios_test_plugin_config_free(cfg);
    /* errors */
    const char *const out_of_range[] = {"level=10", NULL};
    cfg = NULL;
    CU_ASSERT_EQUAL(helios_test_plugin_config(d, out_of_range, (void **)&cfg, &err),
                    HELIOS_ERR_INVALID_PARAMETER_VALUE);
    CU_ASSERT_PTR_NULL(cfg);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "plugins.tcodec.level"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "10 is out of range [1, 9]"));
    const char *const typo[] = {"levle=3", NULL};
    CU_ASSERT_EQUAL(helios_test_plugin_config(d, typo, (void **)&cfg, &err),
                    HELIOS_ERR_INVALID_PARAMETER_VALUE);
    CU_ASSERT_STRING_EQUAL(err.message,
                           "plugins.tcodec.levle: unknown key \"levle\", did you mean \"level\"?");
    const char *const far[] = {"colour=blue", NULL};
    CU_ASSERT_EQUAL(helios_test_plugin_config(d, far, (void **)&cfg, &err),
                    HELIOS_ERR_INVALID_PARAMETER_VALUE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "(valid keys: level, buffer, timeout"));
    const char *const bad_unit[] = {"timeout=3MiB", NULL};
    CU_ASSERT_EQUAL(helios_test_plugin_config(d, bad_unit, (void **)&cfg, &err),
                    HELIOS_ERR_INVALID_PARAMETER_VALUE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "plugins.tcodec.timeout"));
    const char *const no_eq[] = {"level", NULL};
    CU_ASSERT_EQUAL(helios_test_plugin_config(d, no_eq, (void **)&cfg, &err),
                    HELIOS_ERR_INVALID_PARAMETER_VALUE);
}

/* ---- loader ------------------------------------------------------------------------- */

static void test_loader_good(void)
{
    char path[512];
    const helios_plugin_t *d = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    plugin_path(path, sizeof(path), "tcodec");
    CU_ASSERT_EQUAL_FATAL(helios_test_load_plugin(path, &d, &err), 0);
    CU_ASSERT_STRING_EQUAL(d->name, "tcodec");
    CU_ASSERT_EQUAL(d->kind, HELIOS_KIND_CODEC);
    /* loading twice is fine in tests */
    const helios_plugin_t *d2 = NULL;
    CU_ASSERT_EQUAL(helios_test_load_plugin(path, &d2, &err), 0);
    CU_ASSERT_PTR_EQUAL(d, d2);
    /* init and fini through a fake host: no leak */
    helios_host_t *h = helios_test_host_new(d->name, NULL, NULL);
    void *lib = NULL;
    CU_ASSERT_EQUAL(helios_test_plugin_init(d, h, NULL, &lib, &err), 0);
    CU_ASSERT_STRING_EQUAL(helios_test_host_last_log(h), "tcodec loaded");
    CU_ASSERT_EQUAL(helios_test_host_live_allocs(h), 1);
    helios_test_host_fail_alloc(h, 1);
    void *lib2 = NULL;
    CU_ASSERT_EQUAL(helios_test_plugin_init(d, h, NULL, &lib2, &err), HELIOS_ERR_OUT_OF_MEMORY);
    d->fini(lib);
    CU_ASSERT_EQUAL(helios_test_host_live_allocs(h), 0);
    helios_test_host_free(h);
}

static void expect_refusal(const char *name, const char *needle)
{
    char path[512];
    const helios_plugin_t *d = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    plugin_path(path, sizeof(path), name);
    CU_ASSERT_EQUAL(helios_test_load_plugin(path, &d, &err), HELIOS_ERR_PLUGIN_REFUSED);
    CU_ASSERT_PTR_NULL(d);
    if (strstr(err.message, needle) == NULL) {
        fprintf(stderr, "  %s: \"%s\" lacks \"%s\"\n", name, err.message, needle);
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, needle));
    CU_ASSERT_EQUAL(strncmp(err.message, "plugin refused: ", 16), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, path));
}

static void test_loader_refusals(void)
{
    expect_refusal("does_not_exist", "dlopen failed");
    expect_refusal("nosym", ": missing symbol \"helios_plugin\", kernel requires it");
    expect_refusal("badmagic",
                   ": wrong magic 0x0000000000001234, kernel expects 0x4c50534f494c4548");
    expect_refusal("badabi", ": ABI major version 2, kernel has 1");
    expect_refusal("badminor",
                   ": plugin \"broken\": ABI version 1.3 is newer than the kernel's 1.2");
    expect_refusal("badsig",
                   ": plugin \"broken\": build signature differs: vendor \"acme\", kernel has "
                   "\"heliosdb\"");
    expect_refusal("badkind", ": plugin \"broken\": unknown kind 9, kernel knows 1..5");
    expect_refusal("noreq", ": plugin \"broken\": codec vtable member \"decompress\" is NULL, "
                            "kernel requires it for caps BYTES");
    expect_refusal("badschema", ": plugin \"broken\": config key \"level\": bad default: 12 is "
                                "out of range [1, 9]");
}

/* ---- fault tier --------------------------------------------------------------------------- */

typedef struct tier_fixture {
    const helios_plugin_t *desc;
    const helios_storage_vtable_t *vt;
    helios_host_t *host;
    void *lib;
    void *inner;
    helios_fault_tier_t *ft;
    const helios_storage_vtable_t *fvt;
    void *f;
} tier_fixture_t;

static int tier_open(tier_fixture_t *t)
{
    char path[512];
    helios_err_t err = HELIOS_ERR_INIT;
    helios_tier_options_t opts = {sizeof(opts), 0, "/nonexistent", "test"};
    memset(t, 0, sizeof(*t));
    plugin_path(path, sizeof(path), "memtier");
    if (helios_test_load_plugin(path, &t->desc, &err) != 0) {
        return -1;
    }
    t->vt = t->desc->vtable;
    t->host = helios_test_host_new("memtier", NULL, NULL);
    if (helios_test_plugin_init(t->desc, t->host, NULL, &t->lib, &err) != 0 ||
        t->vt->create(t->lib, NULL, &opts, &t->inner, &err) != 0 ||
        t->vt->start(t->inner, &err) != 0 || helios_fault_tier_new(t->vt, t->inner, &t->ft) != 0) {
        return -1;
    }
    t->fvt = helios_fault_tier_vtable(t->ft);
    t->f = helios_fault_tier_inst(t->ft);
    return 0;
}

static void tier_close(tier_fixture_t *t)
{
    helios_fault_tier_free(t->ft);
    t->vt->stop(t->inner);
    t->vt->destroy(t->inner);
    CU_ASSERT_EQUAL(helios_test_host_live_allocs(t->host), 0);
    helios_test_host_free(t->host);
}

static int32_t tier_read_all(tier_fixture_t *t, const char *name, char *buf, uint64_t cap)
{
    helios_err_t err = HELIOS_ERR_INIT;
    uint64_t n = 0;
    int32_t rc = t->fvt->get(t->f, name, 0, cap - 1, buf, &n, &err);
    buf[rc == 0 ? n : 0] = '\0';
    return rc;
}

static void test_fault_nth_write_and_sync(void)
{
    tier_fixture_t t;
    helios_err_t err = HELIOS_ERR_INIT;
    helios_tier_stat_t st;
    char buf[64];
    CU_ASSERT_EQUAL_FATAL(tier_open(&t), 0);
    CU_ASSERT_EQUAL(t.fvt->caps, t.vt->caps);
    CU_ASSERT_PTR_NULL(t.fvt->start);
    helios_fault_tier_fail_write(t.ft, 2, HELIOS_ERR_IO_ERROR);
    CU_ASSERT_EQUAL(t.fvt->put(t.f, "a", "1", 1, &err), 0);
    CU_ASSERT_EQUAL(t.fvt->put(t.f, "b", "2", 1, &err), HELIOS_ERR_IO_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "\"b\""));
    CU_ASSERT_EQUAL(t.fvt->stat(t.f, "b", &st, &err), HELIOS_ERR_UNDEFINED_FILE);
    CU_ASSERT_EQUAL(t.fvt->put(t.f, "c", "3", 1, &err), 0); /* one-shot */
    helios_fault_tier_fail_sync(t.ft, 1, HELIOS_ERR_IO_ERROR);
    CU_ASSERT_EQUAL(t.fvt->put(t.f, "d", "4", 1, &err), HELIOS_ERR_IO_ERROR);
    CU_ASSERT_EQUAL(t.fvt->stat(t.f, "d", &st, &err), HELIOS_ERR_UNDEFINED_FILE);
    /* an ATOMIC commit whose fsync fails publishes nothing */
    helios_tier_writer_t *w = NULL;
    CU_ASSERT_EQUAL_FATAL(t.fvt->wopen(t.f, "e", HELIOS_TIER_W_ATOMIC, &w, &err), 0);
    CU_ASSERT_EQUAL(t.fvt->append(w, "xyz", 3, &err), 0);
    helios_fault_tier_fail_sync(t.ft, 1, HELIOS_ERR_DISK_FULL);
    CU_ASSERT_EQUAL(t.fvt->wclose(w, 1, &err), HELIOS_ERR_DISK_FULL);
    CU_ASSERT_EQUAL(t.fvt->stat(t.f, "e", &st, &err), HELIOS_ERR_UNDEFINED_FILE);
    /* a full disk, through the standard control op */
    int32_t code = HELIOS_ERR_DISK_FULL;
    CU_ASSERT_EQUAL(t.fvt->control(t.f, HELIOS_TIER_CTL_FAIL_WRITES, &code, &err), 0);
    CU_ASSERT_EQUAL(t.fvt->put(t.f, "f", "5", 1, &err), HELIOS_ERR_DISK_FULL);
    CU_ASSERT_EQUAL(t.fvt->remove(t.f, "a", &err), HELIOS_ERR_DISK_FULL);
    code = 0;
    CU_ASSERT_EQUAL(t.fvt->control(t.f, HELIOS_TIER_CTL_FAIL_WRITES, &code, &err), 0);
    CU_ASSERT_EQUAL(tier_read_all(&t, "a", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "1");
    CU_ASSERT(helios_fault_tier_n_injected(t.ft) == 5);
    CU_ASSERT(helios_fault_tier_n_writes(t.ft) >= 8);
    CU_ASSERT(helios_fault_tier_n_syncs(t.ft) >= 4);
    tier_close(&t);
}

static void test_fault_crash_drops_unsynced(void)
{
    tier_fixture_t t;
    helios_err_t err = HELIOS_ERR_INIT;
    helios_tier_writer_t *wal = NULL, *sst = NULL, *w2 = NULL;
    helios_tier_stat_t st;
    char buf[64];
    CU_ASSERT_EQUAL_FATAL(tier_open(&t), 0);
    CU_ASSERT_EQUAL(t.fvt->put(t.f, "manifest", "m1", 2, &err), 0);
    CU_ASSERT_EQUAL_FATAL(t.fvt->wopen(t.f, "wal/1", HELIOS_TIER_W_APPEND, &wal, &err), 0);
    CU_ASSERT_EQUAL(t.fvt->append(wal, "abc", 3, &err), 0);
    CU_ASSERT_EQUAL(t.fvt->wsync(wal, &err), 0);
    CU_ASSERT_EQUAL(t.fvt->append(wal, "def", 3, &err), 0);
    CU_ASSERT_EQUAL(tier_read_all(&t, "wal/1", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "abcdef"); /* visible before the crash */
    /* a closed file keeps its unsynced tail only until the crash */
    CU_ASSERT_EQUAL_FATAL(t.fvt->wopen(t.f, "wal/0", HELIOS_TIER_W_APPEND, &w2, &err), 0);
    CU_ASSERT_EQUAL(t.fvt->append(w2, "old", 3, &err), 0);
    CU_ASSERT_EQUAL(t.fvt->wclose(w2, 1, &err), 0);
    /* truncate is durable */
    w2 = NULL;
    CU_ASSERT_EQUAL_FATAL(t.fvt->wopen(t.f, "wal/2", HELIOS_TIER_W_APPEND, &w2, &err), 0);
    CU_ASSERT_EQUAL(t.fvt->append(w2, "123456", 6, &err), 0);
    CU_ASSERT_EQUAL(t.fvt->truncate(t.f, "wal/2", 4, &err), 0);
    CU_ASSERT_EQUAL(t.fvt->wclose(w2, 1, &err), 0);
    CU_ASSERT_EQUAL_FATAL(t.fvt->wopen(t.f, "sst/9", HELIOS_TIER_W_ATOMIC, &sst, &err), 0);
    CU_ASSERT_EQUAL(t.fvt->append(sst, "never", 5, &err), 0);

    CU_ASSERT_EQUAL(helios_fault_tier_crash(t.ft, &err), 0);

    CU_ASSERT_EQUAL(tier_read_all(&t, "wal/1", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "abc");
    CU_ASSERT_EQUAL(tier_read_all(&t, "wal/0", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "");
    CU_ASSERT_EQUAL(tier_read_all(&t, "wal/2", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "1234");
    CU_ASSERT_EQUAL(tier_read_all(&t, "manifest", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "m1");
    CU_ASSERT_EQUAL(t.fvt->stat(t.f, "sst/9", &st, &err), HELIOS_ERR_UNDEFINED_FILE);
    /* writers from before the crash are dead but still freed by wclose */
    CU_ASSERT_EQUAL(t.fvt->append(wal, "x", 1, &err), HELIOS_ERR_IO_ERROR);
    CU_ASSERT_EQUAL(t.fvt->wsync(wal, &err), HELIOS_ERR_IO_ERROR);
    CU_ASSERT_EQUAL(t.fvt->wclose(wal, 1, &err), HELIOS_ERR_IO_ERROR);
    CU_ASSERT_EQUAL(t.fvt->wclose(sst, 0, &err), 0);
    /* life goes on after the crash: reopen and append */
    wal = NULL;
    CU_ASSERT_EQUAL_FATAL(t.fvt->wopen(t.f, "wal/1", HELIOS_TIER_W_APPEND, &wal, &err), 0);
    CU_ASSERT_EQUAL(t.fvt->append(wal, "g", 1, &err), 0);
    CU_ASSERT_EQUAL(t.fvt->wclose(wal, 1, &err), 0);
    CU_ASSERT_EQUAL(tier_read_all(&t, "wal/1", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "abcg");
    tier_close(&t);
}

static void test_fault_torn_append(void)
{
    tier_fixture_t t;
    helios_err_t err = HELIOS_ERR_INIT;
    helios_tier_writer_t *w = NULL;
    char buf[64];
    CU_ASSERT_EQUAL_FATAL(tier_open(&t), 0);
    CU_ASSERT_EQUAL_FATAL(t.fvt->wopen(t.f, "wal/3", HELIOS_TIER_W_APPEND, &w, &err), 0);
    CU_ASSERT_EQUAL(t.fvt->append(w, "ok|", 3, &err), 0);
    CU_ASSERT_EQUAL(t.fvt->wsync(w, &err), 0);
    helios_fault_tier_torn_appends(t.ft, 1);
    helios_fault_tier_fail_write(t.ft, 1, HELIOS_ERR_DISK_FULL);
    CU_ASSERT_EQUAL(t.fvt->append(w, "12345678", 8, &err), HELIOS_ERR_DISK_FULL);
    CU_ASSERT_EQUAL(tier_read_all(&t, "wal/3", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "ok|1234");
    CU_ASSERT_EQUAL(helios_fault_tier_crash(t.ft, &err), 0);
    CU_ASSERT_EQUAL(tier_read_all(&t, "wal/3", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "ok|");
    CU_ASSERT_EQUAL(t.fvt->wclose(w, 0, &err), 0);
    tier_close(&t);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        plugin_dir = argv[1];
    }
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    CU_pSuite s = CU_add_suite("fake host", NULL, NULL);
    CU_add_test(s, "allocation counting", test_alloc_counting);
    CU_add_test(s, "fail the n-th allocation", test_fail_nth_alloc);
    CU_add_test(s, "logs and errors", test_logs_and_errors);
    CU_add_test(s, "metrics and shutdown flag", test_metrics);
    CU_add_test(s, "timers and I/O watchers", test_event_loop);
    s = CU_add_suite("config", NULL, NULL);
    CU_add_test(s, "values with units", test_parse_units);
    CU_add_test(s, "struct from schema defaults and overrides", test_config_from_schema);
    s = CU_add_suite("loader", NULL, NULL);
    CU_add_test(s, "a good plugin", test_loader_good);
    CU_add_test(s, "each refusal", test_loader_refusals);
    s = CU_add_suite("fault tier", NULL, NULL);
    CU_add_test(s, "n-th write and sync fail; full disk", test_fault_nth_write_and_sync);
    CU_add_test(s, "crash drops what was not synced", test_fault_crash_drops_unsynced);
    CU_add_test(s, "torn appends", test_fault_torn_append);

    char path[512];
    plugin_path(path, sizeof(path), "tcodec");
    helios_conformance_codec_register(path, NULL);
    const char *const no_verify[] = {"verify=off", "label=@TMPDIR@/x", NULL};
    helios_conformance_codec_register(path, no_verify);
    plugin_path(path, sizeof(path), "tcolumn");
    helios_conformance_codec_register(path, NULL);
    plugin_path(path, sizeof(path), "memtier");
    helios_conformance_storage_register(path, NULL);
    plugin_path(path, sizeof(path), "techo");
    helios_conformance_protocol_register(path, NULL);
    return helios_test_run_cunit();
}
