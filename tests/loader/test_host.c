/*
 * tests/loader/test_host.c -- the host table the kernel gives a loaded plugin: counted
 * allocation, errors, metrics, timers and I/O watchers on the main loop (started from other
 * threads, stopped with the guarantee that the callback will not run again).
 */
#include <CUnit/Basic.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/host.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/registry.h"
#include "helios/sqlstate.h"

static helios_plugin_rt_t *plugin;
static const helios_host_t *host;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int setup(void)
{
    helios_err_t err = HELIOS_ERR_INIT;
    if (helios_registry_load_file(HELIOS_TEST_PLUGIN_DIR "/echo.so", &plugin, &err) != 0 ||
        helios_registry_init_all(0, &err) != 0) {
        return 1;
    }
    host = &plugin->host;
    return helios_loop_thread_acquire(&err) == 0 ? 0 : 1;
}

static int teardown(void)
{
    helios_loop_thread_release();
    helios_registry_fini();
    return 0;
}

static void test_alloc(void)
{
    int64_t c0 = plugin->alloc_count, b0 = plugin->alloc_bytes;
    char *a = host->alloc(host, 100);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(plugin->alloc_count, c0 + 1);
    CU_ASSERT_EQUAL(plugin->alloc_bytes, b0 + 100);
    memset(a, 'x', 100);
    a = host->realloc(host, a, 5000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(a[99], 'x');
    CU_ASSERT_EQUAL(plugin->alloc_bytes, b0 + 5000);
    uint64_t *z = host->calloc(host, 16, sizeof(uint64_t));
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    CU_ASSERT_EQUAL(z[15], 0);
    CU_ASSERT_EQUAL(plugin->alloc_count, c0 + 2);
    host->free(host, a);
    host->free(host, z);
    host->free(host, NULL);
    CU_ASSERT_EQUAL(plugin->alloc_count, c0);
    CU_ASSERT_EQUAL(plugin->alloc_bytes, b0);
    CU_ASSERT_PTR_NULL(host->calloc(host, SIZE_MAX / 2, 4)); /* overflow, not a tiny block */
}

static void test_errors(void)
{
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t rc = host->err_set(&err, HELIOS_ERR_IO_ERROR, "could not open \"%s\"", "f");
    CU_ASSERT_EQUAL(rc, HELIOS_ERR_IO_ERROR);
    CU_ASSERT_EQUAL(err.code, HELIOS_ERR_IO_ERROR);
    CU_ASSERT_STRING_EQUAL(err.message, "could not open \"f\"");
    host->err_detail(&err, "Errno %d.", 5);
    host->err_hint(&err, "Check the disk.");
    CU_ASSERT_STRING_EQUAL(err.detail, "Errno 5.");
    CU_ASSERT_STRING_EQUAL(err.hint, "Check the disk.");
    host->err_set(&err, HELIOS_ERR_DISK_FULL, "full");
    CU_ASSERT_STRING_EQUAL(err.detail, ""); /* err_set clears detail and hint */
    CU_ASSERT_EQUAL(host->err_set(NULL, HELIOS_ERR_DISK_FULL, "x"), HELIOS_ERR_DISK_FULL);
    char state[6];
    helios_sqlstate_str(HELIOS_ERR_DISK_FULL, state);
    CU_ASSERT_STRING_EQUAL(state, "53100");
}

static int64_t metric_value;
static void find_metric(const helios_metric_view_t *m, void *arg)
{
    if (strcmp(m->name, (const char *)arg) == 0) {
        metric_value = m->value;
    }
}

static void test_metrics(void)
{
    helios_metric_t *c = NULL, *g = NULL, *c2 = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    CU_ASSERT_EQUAL(host->metric_register(host, "bytes", HELIOS_METRIC_COUNTER, "b", &c, &err), 0);
    CU_ASSERT_EQUAL(host->metric_register(host, "depth", HELIOS_METRIC_GAUGE, "d", &g, &err), 0);
    CU_ASSERT_EQUAL(host->metric_register(host, "bytes", HELIOS_METRIC_COUNTER, "b", &c2, &err), 0);
    CU_ASSERT_PTR_EQUAL(c, c2); /* registering twice shares the metric */
    CU_ASSERT_NOT_EQUAL(host->metric_register(host, "x", 99, "", &c2, &err), 0);
    host->metric_add(c, 5);
    host->metric_add(c, 7);
    host->metric_set(g, 3);
    host->metric_add(g, -1);
    helios_metrics_foreach(find_metric, "echo_bytes");
    CU_ASSERT_EQUAL(metric_value, 12);
    helios_metrics_foreach(find_metric, "echo_depth");
    CU_ASSERT_EQUAL(metric_value, 2);
}

static atomic_int fired_once, fired_repeat;
static atomic_int in_cb;
static void once_cb(void *arg)
{
    CU_ASSERT_PTR_EQUAL(arg, &fired_once);
    atomic_fetch_add(&fired_once, 1);
}
static void repeat_cb(void *arg)
{
    (void)arg;
    atomic_store(&in_cb, 1);
    sleep_ms(2);
    atomic_fetch_add(&fired_repeat, 1);
    atomic_store(&in_cb, 0);
}

static void test_timers(void)
{
    helios_err_t err = HELIOS_ERR_INIT;
    helios_timer_t *t1 = NULL, *t2 = NULL;
    CU_ASSERT_EQUAL(host->timer_start(host, 10, 0, once_cb, &fired_once, &t1, &err), 0);
    CU_ASSERT_EQUAL(host->timer_start(host, 1, 5, repeat_cb, NULL, &t2, &err), 0);
    for (int i = 0; i < 200 && (atomic_load(&fired_once) == 0 || fired_repeat < 5); i++) {
        sleep_ms(5);
    }
    CU_ASSERT_EQUAL(atomic_load(&fired_once), 1);
    CU_ASSERT_TRUE(atomic_load(&fired_repeat) >= 5);
    host->timer_stop(host, t2);
    /* after stop returns the callback is not running and never runs again */
    CU_ASSERT_EQUAL(atomic_load(&in_cb), 0);
    int n = atomic_load(&fired_repeat);
    sleep_ms(40);
    CU_ASSERT_EQUAL(atomic_load(&fired_repeat), n);
    host->timer_stop(host, t2); /* idempotent */
    host->timer_stop(host, t1); /* after it fired: harmless */
    CU_ASSERT_EQUAL(atomic_load(&fired_once), 1);
}

static atomic_int io_events;
static char io_byte;
static void io_cb(int fd, uint32_t revents, void *arg)
{
    (void)arg;
    if (revents & HELIOS_IO_READ) {
        if (read(fd, &io_byte, 1) == 1) {
            atomic_fetch_add(&io_events, 1);
        }
    }
}

static void test_io(void)
{
    int p[2];
    CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
    helios_err_t err = HELIOS_ERR_INIT;
    helios_io_t *w = NULL;
    CU_ASSERT_EQUAL(host->io_start(host, p[0], HELIOS_IO_READ, io_cb, NULL, &w, &err), 0);
    CU_ASSERT_EQUAL(write(p[1], "a", 1), 1);
    for (int i = 0; i < 200 && atomic_load(&io_events) == 0; i++) {
        sleep_ms(5);
    }
    CU_ASSERT_EQUAL(atomic_load(&io_events), 1);
    CU_ASSERT_EQUAL(io_byte, 'a');
    host->io_stop(host, w);
    CU_ASSERT_EQUAL(write(p[1], "b", 1), 1);
    sleep_ms(30);
    CU_ASSERT_EQUAL(atomic_load(&io_events), 1); /* stopped: the byte stays in the pipe */
    CU_ASSERT_NOT_EQUAL(host->io_start(host, -1, HELIOS_IO_READ, io_cb, NULL, &w, &err), 0);
    CU_ASSERT_EQUAL(err.code, HELIOS_ERR_INVALID_PARAMETER_VALUE);
    close(p[0]);
    close(p[1]);
}

static void test_clock_and_flags(void)
{
    uint64_t a = host->now_us();
    sleep_ms(2);
    uint64_t b = host->now_us();
    CU_ASSERT_TRUE(b >= a + 1000);
    CU_ASSERT_EQUAL(host->shutting_down(host), 0);
    helios_host_set_shutting_down();
    CU_ASSERT_EQUAL(host->shutting_down(host), 1);
    CU_ASSERT_EQUAL(host->abi_major, HELIOS_ABI_MAJOR);
    CU_ASSERT_STRING_EQUAL(host->plugin_name, "echo");
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    helios_log_set_level(HELIOS_LOG_ERROR);
    CU_pSuite s = CU_add_suite("host", setup, teardown);
    CU_add_test(s, "counted allocation", test_alloc);
    CU_add_test(s, "errors", test_errors);
    CU_add_test(s, "metrics", test_metrics);
    CU_add_test(s, "timers", test_timers);
    CU_add_test(s, "io watchers", test_io);
    CU_add_test(s, "clock and shutdown flag", test_clock_and_flags);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed == 0 ? 0 : 1;
}
