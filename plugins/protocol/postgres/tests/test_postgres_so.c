/*
 * test_postgres_so.c -- the built postgres.so as the kernel sees it: loaded and checked with
 * helios_testing's loader, init/create/start/serve/stop/destroy through its vtable on the
 * SDK's fake host (leak check), then every allocation of a whole session made to fail in turn:
 * the plugin must neither crash nor leak, whatever allocation fails.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "helios/protocol.h"
#include "helios/testing.h"
#include "pg_fake.h"

static const char *so_path;

typedef struct srv {
    const helios_protocol_vtable_t *vt;
    void *inst;
    helios_conn_info_t conn;
} srv_t;

static void *serve_thread(void *arg)
{
    srv_t *s = arg;
    s->vt->serve(s->inst, &s->conn);
    close(s->conn.fd);
    return NULL;
}

static void put_msg(uint8_t *b, size_t *n, char type, const void *body, size_t len)
{
    uint32_t l = (uint32_t)len + 4;
    b[(*n)++] = (uint8_t)type;
    b[(*n)++] = (uint8_t)(l >> 24);
    b[(*n)++] = (uint8_t)(l >> 16);
    b[(*n)++] = (uint8_t)(l >> 8);
    b[(*n)++] = (uint8_t)l;
    memcpy(b + *n, body, len);
    *n += len;
}

/* One scripted session: startup, a simple query, an extended round, COPY, terminate. Returns
   the number of ReadyForQuery messages seen (4 when everything worked). */
static int run_session(srv_t *s)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        return -1;
    }
    s->conn.size = sizeof(s->conn);
    s->conn.fd = sv[1];
    s->conn.peer_addr = "test";
    s->conn.conn_id = 1;
    pthread_t th;
    pthread_create(&th, NULL, serve_thread, s);

    uint8_t out[1024];
    size_t n = 0;
    static const char startup[] = "\0\0\0\0\0\3\0\0user\0bob\0database\0db\0\0";
    memcpy(out, startup, sizeof(startup) - 1);
    out[3] = (uint8_t)(sizeof(startup) - 1);
    n = sizeof(startup) - 1;
    put_msg(out, &n, 'Q', "gen 3; select 1\0", 16);
    put_msg(out, &n, 'P', "s\0gen 4\0\0\0", 10);
    put_msg(out, &n, 'B', "p\0s\0\0\0\0\0\0\1\0\1", 13);
    put_msg(out, &n, 'D', "Pp\0", 3);
    put_msg(out, &n, 'E', "p\0\0\0\0\2", 6);
    put_msg(out, &n, 'E', "p\0\0\0\0\0", 6);
    put_msg(out, &n, 'S', "", 0);
    put_msg(out, &n, 'Q', "copy in\0", 8);
    put_msg(out, &n, 'd', "1\ta\n2\tb\n", 8);
    put_msg(out, &n, 'c', "", 0);
    put_msg(out, &n, 'X', "", 0);
    (void)!write(sv[0], out, n);

    int ready = 0;
    uint8_t buf[65536];
    size_t have = 0;
    for (;;) {
        struct pollfd pfd = {.fd = sv[0], .events = POLLIN};
        if (poll(&pfd, 1, 5000) != 1) {
            ready = -100; /* the server hung */
            break;
        }
        ssize_t r = read(sv[0], buf + have, sizeof(buf) - have);
        if (r <= 0) {
            break;
        }
        have += (size_t)r;
        size_t pos = 0;
        while (have - pos >= 5) {
            uint32_t l = ((uint32_t)buf[pos + 1] << 24) | ((uint32_t)buf[pos + 2] << 16) |
                         ((uint32_t)buf[pos + 3] << 8) | buf[pos + 4];
            if (have - pos < 1 + (size_t)l) {
                break;
            }
            ready += buf[pos] == 'Z';
            pos += 1 + l;
        }
        memmove(buf, buf + pos, have - pos);
        have -= pos;
    }
    close(sv[0]);
    pthread_join(th, NULL);
    return ready;
}

static void test_vtable_and_alloc_failures(void)
{
    const helios_plugin_t *desc = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(helios_test_load_plugin(so_path, &desc, &err), 0);
    CU_ASSERT_EQUAL(desc->kind, HELIOS_KIND_PROTOCOL);
    CU_ASSERT_STRING_EQUAL(desc->name, "postgres");
    const helios_protocol_vtable_t *vt = desc->vtable;
    CU_ASSERT_FATAL(vt->create != NULL && vt->serve != NULL && vt->detect != NULL);

    helios_host_t *host = helios_test_host_new("postgres", NULL, NULL);
    void *lib = NULL;
    CU_ASSERT_EQUAL_FATAL(helios_test_plugin_init(desc, host, NULL, &lib, &err), 0);
    helios_listener_info_t l = {.size = sizeof(l),
                                .port = 5432,
                                .host = "127.0.0.1",
                                .protocol = "postgres",
                                .auth_method = HELIOS_AUTH_TRUST,
                                .max_message_bytes = 1 << 20,
                                .read_timeout_ms = 2000};
    srv_t s;
    memset(&s, 0, sizeof(s));
    s.vt = vt;
    CU_ASSERT_EQUAL_FATAL(vt->create(lib, NULL, &l, pg_fake_engine(), pg_fake_api(), &s.inst, &err),
                          0);
    CU_ASSERT_EQUAL_FATAL(vt->start(s.inst, &err), 0);

    uint64_t base = helios_test_host_live_allocs(host);
    CU_ASSERT_EQUAL(run_session(&s), 4);
    CU_ASSERT_EQUAL(helios_test_host_live_allocs(host), base);
    uint64_t per_session = helios_test_host_n_allocs(host);

    /* fail each allocation of the session in turn */
    uint64_t failed_runs = 0;
    for (uint64_t nth = 1; nth <= per_session + 2; nth++) {
        helios_test_host_fail_alloc(host, nth);
        int ready = run_session(&s);
        helios_test_host_fail_alloc(host, 0);
        CU_ASSERT(ready >= 0 && ready <= 4);
        failed_runs += ready < 4;
        CU_ASSERT_EQUAL(helios_test_host_live_allocs(host), base);
        CU_ASSERT_EQUAL(pg_fake_stats()->sessions_open, 0u);
    }
    CU_ASSERT(failed_runs > 0);
    CU_ASSERT_EQUAL(run_session(&s), 4);

    /* a session started while shutting down ends at once with 57P01 after login */
    vt->stop(s.inst);
    CU_ASSERT(run_session(&s) <= 1);
    vt->destroy(s.inst);
    desc->fini(lib);
    CU_ASSERT_EQUAL(helios_test_host_live_allocs(host), 0u);
    helios_test_host_free(host);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_postgres_so PATH/postgres.so\n");
        return 2;
    }
    so_path = argv[1];
    /* the server side closes its end mid-conversation on purpose (allocation failures); a
       write into it must fail with EPIPE, not kill the test */
    signal(SIGPIPE, SIG_IGN);
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    CU_pSuite s = CU_add_suite("postgres_so", NULL, NULL);
    CU_add_test(s, "vtable_and_alloc_failures", test_vtable_and_alloc_failures);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed == 0 ? 0 : 1;
}
