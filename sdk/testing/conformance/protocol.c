/*
 * protocol.c -- the conformance suite every protocol plugin must pass (the contract of
 * helios/protocol.h that holds whatever the wire): detect() is a pure function that answers
 * 0, HELIOS_DECLINED or HELIOS_AGAIN for any bytes; instances survive create/destroy without
 * start, stop twice and allocation failures; serve() returns promptly, without crashing, when
 * a client sends garbage, sends nothing and hangs up, or stalls while the server stops. The
 * engine behind the session API is a stub that refuses every call (0A000), so nothing here
 * depends on SQL.
 */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "helios/conformance.h"
#include "helios/protocol.h"
#include "internal.h"

#define SERVE_DEADLINE_MS 5000

static const helios_protocol_vtable_t *vt_of(const conf_ctx_t *c)
{
    return c->desc->vtable;
}

/* ---- a session API whose engine refuses everything --------------------------------------- */

#define STUB_REFUSE(err)                                                                           \
    helios_testing_err_setf((err), HELIOS_ERR_FEATURE_NOT_SUPPORTED,                               \
                            "the conformance suite's engine runs no statements")

static int32_t stub_open(helios_engine_t *eng, const helios_session_opts_t *opts,
                         helios_session_t **out, helios_err_t *err)
{
    return STUB_REFUSE(err);
}

static void stub_close(helios_session_t *s)
{
}

static int32_t stub_auth_lookup(helios_engine_t *eng, const char *user, char *buf, uint32_t cap,
                                helios_err_t *err)
{
    return helios_testing_err_setf(err, HELIOS_ERR_INVALID_AUTHORIZATION_SPECIFICATION,
                                   "role \"%s\" does not exist", user);
}

static int32_t stub_query(helios_session_t *s, const char *sql, uint32_t len,
                          const helios_sink_t *sink, helios_err_t *err)
{
    return STUB_REFUSE(err);
}

static int32_t stub_prepare(helios_session_t *s, const char *sql, uint32_t len, uint32_t n_types,
                            const uint32_t *param_types, helios_stmt_t **out, helios_err_t *err)
{
    return STUB_REFUSE(err);
}

static int32_t stub_stmt_params(helios_stmt_t *st, uint32_t *n, const uint32_t **type_oids)
{
    return HELIOS_ERR_FEATURE_NOT_SUPPORTED;
}

static int32_t stub_stmt_columns(helios_stmt_t *st, uint32_t *n, const helios_column_desc_t **cols)
{
    return HELIOS_ERR_FEATURE_NOT_SUPPORTED;
}

static void stub_stmt_close(helios_stmt_t *st)
{
}

static int32_t stub_bind(helios_stmt_t *st, uint32_t n, const helios_param_t *params,
                         helios_portal_t **out, helios_err_t *err)
{
    return STUB_REFUSE(err);
}

static int32_t stub_execute(helios_portal_t *p, uint64_t max_rows, const helios_sink_t *sink,
                            helios_err_t *err)
{
    return STUB_REFUSE(err);
}

static void stub_portal_close(helios_portal_t *p)
{
}

static uint32_t stub_txn_status(helios_session_t *s)
{
    return 'I';
}

static const char *stub_param_get(helios_session_t *s, const char *name)
{
    return NULL;
}

static void stub_backend_key(helios_session_t *s, uint32_t *pid, uint32_t *secret)
{
    *pid = 0;
    *secret = 0;
}

static void stub_cancel(helios_engine_t *eng, uint32_t pid, uint32_t secret)
{
}

static int32_t stub_value_encode(helios_session_t *s, const helios_value_t *v, uint32_t format,
                                 uint8_t *buf, uint32_t cap, uint32_t *len)
{
    return HELIOS_ERR_FEATURE_NOT_SUPPORTED;
}

static const helios_session_api_t stub_api = {
    .size = sizeof(helios_session_api_t),
    .open = stub_open,
    .close = stub_close,
    .auth_lookup = stub_auth_lookup,
    .query = stub_query,
    .prepare = stub_prepare,
    .stmt_params = stub_stmt_params,
    .stmt_columns = stub_stmt_columns,
    .stmt_close = stub_stmt_close,
    .bind = stub_bind,
    .execute = stub_execute,
    .portal_close = stub_portal_close,
    .txn_status = stub_txn_status,
    .param_get = stub_param_get,
    .backend_key = stub_backend_key,
    .cancel = stub_cancel,
    .value_encode = stub_value_encode,
};

static int stub_engine_tag; /* an engine pointer the plugin may store but never dereference */

static const helios_listener_info_t stub_listener = {
    .size = sizeof(helios_listener_info_t),
    .port = 0,
    .host = "127.0.0.1",
    .protocol = "conformance",
    .auth_method = HELIOS_AUTH_TRUST,
    .max_message_bytes = 1u << 20,
    .read_timeout_ms = 2000,
};

static int32_t proto_create(const conf_ctx_t *c, void **inst, helios_err_t *err)
{
    return vt_of(c)->create(c->lib, c->config, &stub_listener, (helios_engine_t *)&stub_engine_tag,
                            &stub_api, inst, err);
}

static int32_t proto_start(const conf_ctx_t *c, void *inst, helios_err_t *err)
{
    return vt_of(c)->start != NULL ? vt_of(c)->start(inst, err) : 0;
}

static void proto_stop(const conf_ctx_t *c, void *inst)
{
    if (vt_of(c)->stop != NULL) {
        vt_of(c)->stop(inst);
    }
}

static int protocol_suite_init(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    if (conf_setup(c) != 0) {
        return 1;
    }
    if (proto_create(c, &c->inst, &err) != 0 || proto_start(c, c->inst, &err) != 0) {
        fprintf(stderr, "conformance: create/start failed: %s\n", err.message);
        return 1;
    }
    return 0;
}

static int protocol_suite_cleanup(void)
{
    conf_ctx_t *c = conf_current();
    if (c->inst != NULL) {
        proto_stop(c, c->inst);
        vt_of(c)->destroy(c->inst);
        c->inst = NULL;
    }
    conf_teardown(c);
    return 0;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_descriptor(void)
{
    conf_ctx_t *c = conf_current();
    CU_ASSERT_EQUAL(c->desc->kind, HELIOS_KIND_PROTOCOL);
    CU_ASSERT(vt_of(c)->size >= offsetof(helios_protocol_vtable_t, control) + sizeof(void *));
    CU_ASSERT_PTR_NOT_NULL(c->desc->version);
}

static int detect_answer_ok(int32_t rc)
{
    return rc == 0 || rc == HELIOS_DECLINED || rc == HELIOS_AGAIN;
}

static void test_detect_any_bytes(void)
{
    conf_ctx_t *c = conf_current();
    if (vt_of(c)->detect == NULL) {
        CU_PASS("no detect: not usable on auto ports");
        return;
    }
    uint8_t buf[256];
    uint64_t rnd = 4242;
    CU_ASSERT(detect_answer_ok(vt_of(c)->detect(buf, 0)));
    for (int r = 0; r < 2000; r++) {
        uint32_t len = 1 + (uint32_t)(r % 255);
        conf_random_bytes(&rnd, buf, len);
        if (r % 5 == 0) {
            memset(buf, r % 3 == 0 ? 0 : 0xFF, len);
        }
        int32_t a = vt_of(c)->detect(buf, len);
        CU_ASSERT(detect_answer_ok(a));
        CU_ASSERT_EQUAL(vt_of(c)->detect(buf, len), a); /* pure */
    }
}

/* On an auto port the kernel asks each protocol as bytes arrive: once a plugin answered 0
   (mine) or DECLINED (not mine) for a prefix, more bytes must not change its answer. Samples:
   an HTTP request, a TLS hello, a PostgreSQL SSLRequest and StartupMessage, plain text. */
static void test_detect_monotonic(void)
{
    conf_ctx_t *c = conf_current();
    static const char *const samples[] = {
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        "\x00\x00\x00\x08\x04\xd2\x16\x2f",
        "\x00\x00\x00\x29\x00\x03\x00\x00user\x00helios\x00\x00",
        "SELECT 1;\n",
    };
    if (vt_of(c)->detect == NULL) {
        CU_PASS("no detect");
        return;
    }
    static const uint32_t lens[] = {27, 11, 8, 21, 10};
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        int32_t decided = HELIOS_AGAIN;
        for (uint32_t n = 1; n <= lens[i]; n++) {
            int32_t a = vt_of(c)->detect((const uint8_t *)samples[i], n);
            CU_ASSERT(detect_answer_ok(a));
            if (decided != HELIOS_AGAIN) {
                CU_ASSERT_EQUAL(a, decided); /* a decision does not change with more bytes */
            }
            decided = a;
        }
    }
}

static void test_lifecycle(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    uint64_t before = helios_test_host_live_allocs(c->host);
    void *inst = NULL;
    CU_ASSERT_EQUAL_FATAL(proto_create(c, &inst, &err), 0);
    vt_of(c)->destroy(inst); /* never started */
    CU_ASSERT_EQUAL(helios_test_host_live_allocs(c->host), before);
    inst = NULL;
    CU_ASSERT_EQUAL_FATAL(proto_create(c, &inst, &err), 0);
    CU_ASSERT_EQUAL(proto_start(c, inst, &err), 0);
    proto_stop(c, inst);
    proto_stop(c, inst);
    vt_of(c)->destroy(inst);
    CU_ASSERT_EQUAL(helios_test_host_live_allocs(c->host), before);
}

static void test_allocation_failure(void)
{
    conf_ctx_t *c = conf_current();
    uint64_t before = helios_test_host_live_allocs(c->host);
    for (uint64_t nth = 1; nth <= 64; nth++) {
        helios_err_t err = HELIOS_ERR_INIT;
        void *inst = NULL;
        uint64_t failed_before = helios_test_host_n_failed_allocs(c->host);
        helios_test_host_fail_alloc(c->host, nth);
        int32_t rc = proto_create(c, &inst, &err);
        if (rc != 0) {
            CU_ASSERT_EQUAL(rc, HELIOS_ERR_OUT_OF_MEMORY);
            CU_ASSERT_PTR_NULL(inst);
        } else {
            rc = proto_start(c, inst, &err);
            if (rc != 0) {
                CU_ASSERT_EQUAL(rc, HELIOS_ERR_OUT_OF_MEMORY);
            }
            proto_stop(c, inst);
            vt_of(c)->destroy(inst);
        }
        helios_test_host_fail_alloc(c->host, 0);
        CU_ASSERT_EQUAL(helios_test_host_live_allocs(c->host), before);
        if (helios_test_host_n_failed_allocs(c->host) == failed_before) {
            break;
        }
    }
    helios_test_host_fail_alloc(c->host, 0);
}

/* serve() on one end of a socketpair, on its own thread, as the kernel's session thread. */
typedef struct serve_run {
    const conf_ctx_t *c;
    void *inst;
    int fd;
    pthread_t thread;
    int done; /* set with __atomic_store_n once serve returned */
} serve_run_t;

static void *serve_thread(void *arg)
{
    serve_run_t *s = arg;
    helios_conn_info_t conn = {.size = sizeof(conn),
                               .fd = s->fd,
                               .peer_addr = "127.0.0.1",
                               .peer_port = 40000,
                               .conn_id = 7};
    vt_of(s->c)->serve(s->inst, &conn);
    __atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static int serve_start(serve_run_t *s, const conf_ctx_t *c, void *inst, int *client_fd)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        return -1;
    }
    s->c = c;
    s->inst = inst;
    s->fd = sv[0];
    s->done = 0;
    *client_fd = sv[1];
    if (pthread_create(&s->thread, NULL, serve_thread, s) != 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    return 0;
}

/* Waits for serve to return; 0 when it did within the deadline. A hung serve is unblocked by
   shutting the socket down (the test has failed by then) so the suite can go on. */
static int serve_join(serve_run_t *s, uint32_t deadline_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += deadline_ms / 1000;
    ts.tv_nsec += (long)(deadline_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    int rc = pthread_timedjoin_np(s->thread, NULL, &ts);
    if (rc == ETIMEDOUT) {
        fprintf(stderr, "  serve did not return within %u ms\n", deadline_ms);
        shutdown(s->fd, SHUT_RDWR);
        pthread_join(s->thread, NULL);
    }
    close(s->fd); /* the kernel closes it after serve */
    return rc == 0 ? 0 : -1;
}

/* Drains what the server writes, so it never blocks on a full socket buffer, until the server
   closes or serve returned (the kernel, not serve, closes the socket) or 5 s passed. */
static void drain(int fd, const serve_run_t *s)
{
    char buf[4096];
    struct timeval tv = {0, 20000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    for (int idle = 0; idle < SERVE_DEADLINE_MS / 20;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            return;
        }
        if (n < 0) {
            if (__atomic_load_n(&s->done, __ATOMIC_ACQUIRE)) {
                return;
            }
            idle++;
        }
    }
}

static void test_serve_hangup(void)
{
    conf_ctx_t *c = conf_current();
    serve_run_t s;
    int client = -1;
    CU_ASSERT_EQUAL_FATAL(serve_start(&s, c, c->inst, &client), 0);
    close(client); /* a port scanner: connect, then nothing */
    CU_ASSERT_EQUAL(serve_join(&s, SERVE_DEADLINE_MS), 0);
}

static void test_serve_garbage(void)
{
    conf_ctx_t *c = conf_current();
    uint64_t rnd = 777;
    for (int round = 0; round < 40; round++) {
        serve_run_t s;
        int client = -1;
        uint8_t junk[3000];
        size_t n = 1 + (size_t)(round * 73) % sizeof(junk);
        conf_random_bytes(&rnd, junk, n);
        if (round % 4 == 0) {
            memset(junk, round % 8 == 0 ? 0xFF : 0x00, n);
        }
        CU_ASSERT_EQUAL_FATAL(serve_start(&s, c, c->inst, &client), 0);
        ssize_t w = write(client, junk, n);
        (void)w; /* the server may have hung up already */
        shutdown(client, SHUT_WR);
        drain(client, &s);
        close(client);
        CU_ASSERT_EQUAL(serve_join(&s, SERVE_DEADLINE_MS), 0);
    }
}

/* A client that connects and stalls: stop() plus shutting_down must end serve in time. */
static void test_serve_stops_on_shutdown(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    void *inst = NULL;
    serve_run_t s;
    int client = -1;
    CU_ASSERT_EQUAL_FATAL(proto_create(c, &inst, &err), 0);
    CU_ASSERT_EQUAL_FATAL(proto_start(c, inst, &err), 0);
    CU_ASSERT_EQUAL_FATAL(serve_start(&s, c, inst, &client), 0);
    struct timespec pause = {0, 100000000L};
    nanosleep(&pause, NULL);
    helios_test_host_set_shutting_down(c->host);
    proto_stop(c, inst);
    /* the listener's read_timeout_ms (2 s) bounds a stalled client in any case */
    CU_ASSERT_EQUAL(serve_join(&s, SERVE_DEADLINE_MS), 0);
    close(client);
    vt_of(c)->destroy(inst);
}

static void test_control_unknown_op(void)
{
    conf_ctx_t *c = conf_current();
    helios_err_t err = HELIOS_ERR_INIT;
    if (vt_of(c)->control != NULL) {
        CU_ASSERT_EQUAL(vt_of(c)->control(c->inst, 0x7fffffffu, NULL, &err), HELIOS_DECLINED);
    } else {
        CU_PASS("no control member");
    }
}

static void test_no_leaks(void)
{
    conf_ctx_t *c = conf_current();
    proto_stop(c, c->inst);
    vt_of(c)->destroy(c->inst);
    c->inst = NULL;
    CU_ASSERT(conf_fini_and_check_leaks(c));
}

int helios_conformance_protocol_register(const char *so_path, const char *const *config_overrides)
{
    conf_ctx_t *c = NULL;
    int rc = conf_register(HELIOS_KIND_PROTOCOL, "protocol", so_path, config_overrides,
                           protocol_suite_init, protocol_suite_cleanup, &c);
    if (rc != CUE_SUCCESS) {
        return rc;
    }
    static const struct {
        const char *name;
        CU_TestFunc fn;
    } tests[] = {
        {"descriptor and vtable", test_descriptor},
        {"detect: any bytes get 0, DECLINED or AGAIN, the same each time", test_detect_any_bytes},
        {"detect: an answer for a prefix holds for longer input", test_detect_monotonic},
        {"lifecycle: destroy without start, stop twice", test_lifecycle},
        {"allocation failure at every point is 53200 and leaks nothing", test_allocation_failure},
        {"serve: a client that hangs up at once", test_serve_hangup},
        {"serve: garbage then hang-up, 40 times", test_serve_garbage},
        {"control: unknown op is DECLINED", test_control_unknown_op},
        {"serve: a stalled client ends on stop + shutting_down", test_serve_stops_on_shutdown},
        {"stop + destroy + fini: no leaks", test_no_leaks},
    };
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        if (CU_add_test(c->suite, tests[i].name, tests[i].fn) == NULL) {
            return CU_get_error();
        }
    }
    return CUE_SUCCESS;
}
