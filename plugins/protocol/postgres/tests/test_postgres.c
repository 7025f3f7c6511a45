/*
 * test_postgres.c -- unit tests of the PostgreSQL wire protocol layer: base64 and SCRAM against
 * RFC 7677's vector, and the connection state machine driven over a socketpair with a fake
 * session API (pg_fake.c): startup, authentication, simple and extended query, COPY, errors,
 * bad framing, stalls, cancel and shutdown.
 */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "pg_fake.h"
#include "pg_internal.h"

/* ---- SCRAM and base64 ---- */

static void test_base64(void)
{
    char out[64];
    uint8_t back[64];
    const char *cases[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *want[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        size_t n = strlen(cases[i]);
        pg_b64_encode((const uint8_t *)cases[i], n, out);
        CU_ASSERT_STRING_EQUAL(out, want[i]);
        CU_ASSERT_EQUAL(pg_b64_decode(out, strlen(out), back, sizeof(back)), (int64_t)n);
        CU_ASSERT(memcmp(back, cases[i], n) == 0);
    }
    CU_ASSERT_EQUAL(pg_b64_decode("Zm9", 3, back, sizeof(back)), -1);
    CU_ASSERT_EQUAL(pg_b64_decode("Zm=v", 4, back, sizeof(back)), -1);
    CU_ASSERT_EQUAL(pg_b64_decode("Zm9v", 4, back, 2), -1);
    CU_ASSERT_EQUAL(pg_b64_decode("Z!9v", 4, back, sizeof(back)), -1);
}

/* RFC 7677 section 3: user "user", password "pencil". */
static void test_scram_rfc7677(void)
{
    uint8_t salt[32];
    int64_t sl = pg_b64_decode("W22ZaJ0SNY7soEsUEjb6gQ==", 24, salt, sizeof(salt));
    CU_ASSERT_EQUAL_FATAL(sl, 16);
    char verifier[256];
    CU_ASSERT_EQUAL_FATAL(pg_verifier_make("pencil", salt, 16, 4096, verifier, sizeof(verifier)),
                          0);
    pg_scram_t s;
    memset(&s, 0, sizeof(s));
    CU_ASSERT_EQUAL_FATAL(pg_verifier_parse(verifier, &s.v), 0);
    CU_ASSERT_EQUAL(s.v.iterations, 4096u);
    CU_ASSERT_EQUAL(pg_password_check(&s.v, "pencil"), 0);
    CU_ASSERT_NOT_EQUAL(pg_password_check(&s.v, "pencil2"), 0);

    char out[512], why[128];
    const char *cf = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    CU_ASSERT_EQUAL_FATAL(pg_scram_first(&s, cf, strlen(cf), "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", out,
                                         sizeof(out), why, sizeof(why)),
                          PG_SCRAM_OK);
    CU_ASSERT_STRING_EQUAL(out, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                                "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    pg_scram_t saved = s;
    const char *fin = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                      "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    CU_ASSERT_EQUAL(pg_scram_final(&s, fin, strlen(fin), out, sizeof(out), why, sizeof(why)),
                    PG_SCRAM_OK);
    CU_ASSERT_STRING_EQUAL(out, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");

    /* a wrong proof fails as a wrong password; a wrong nonce is a protocol error */
    s = saved;
    const char *bad = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                      "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVU=";
    CU_ASSERT_EQUAL(pg_scram_final(&s, bad, strlen(bad), out, sizeof(out), why, sizeof(why)),
                    PG_SCRAM_FAIL);
    s = saved;
    const char *badn = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIljXhNlF$k0,"
                       "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    CU_ASSERT_EQUAL(pg_scram_final(&s, badn, strlen(badn), out, sizeof(out), why, sizeof(why)),
                    PG_SCRAM_PROTOCOL);
    s = saved;
    const char *badc = "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                       "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    CU_ASSERT_EQUAL(pg_scram_final(&s, badc, strlen(badc), out, sizeof(out), why, sizeof(why)),
                    PG_SCRAM_PROTOCOL);
    /* malformed first messages */
    const char *firsts[] = {
        "",      "x,,n=,r=a", "n,a=u,n=,r=a",           "n,,m=x,n=,r=a",
        "n,,n=", "n,,n=,r=",  "p=tls-unique,,n=,r=abc", "p=tls-server-end-point,,n=,r=abc"};
    for (size_t i = 0; i < sizeof(firsts) / sizeof(firsts[0]); i++) {
        pg_scram_t t = saved;
        CU_ASSERT_EQUAL(pg_scram_first(&t, firsts[i], strlen(firsts[i]), "sn", out, sizeof(out),
                                       why, sizeof(why)),
                        PG_SCRAM_PROTOCOL);
    }
    CU_ASSERT_EQUAL(pg_verifier_parse("md5abc", &s.v), -1);
    CU_ASSERT_EQUAL(pg_verifier_parse("SCRAM-SHA-256$x:abc$a:b", &s.v), -1);
    CU_ASSERT_EQUAL(pg_verifier_parse("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$a:b", &s.v), -1);
}

/* ---- a test client over a socketpair ---- */

typedef struct cli {
    int fd;
    int srv_fd;
    pthread_t th;
    pg_inst_t inst;
    pg_transport_t tr;
    pg_fd_io_t io;
    uint8_t body[1 << 17];
    uint32_t len;
    uint8_t type;
} cli_t;

static void *cli_server(void *arg)
{
    cli_t *c = arg;
    pg_fd_transport(&c->tr, &c->io, c->srv_fd);
    pg_conn_run(&c->inst, &c->tr, c->srv_fd, 7, "test");
    close(c->srv_fd);
    return NULL;
}

static cli_t *cli_start(uint32_t auth, uint32_t max_msg, uint32_t timeout_ms)
{
    cli_t *c = calloc(1, sizeof(*c));
    int sv[2];
    if (c == NULL || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        abort();
    }
    c->fd = sv[0];
    c->srv_fd = sv[1];
    c->inst.host = pg_fake_host();
    c->inst.engine = pg_fake_engine();
    c->inst.api = pg_fake_api();
    c->inst.listener.size = sizeof(c->inst.listener);
    c->inst.listener.auth_method = auth;
    c->inst.max_message_bytes = max_msg;
    c->inst.read_timeout_ms = timeout_ms;
    pthread_create(&c->th, NULL, cli_server, c);
    return c;
}

static void cli_end(cli_t *c)
{
    close(c->fd);
    pthread_join(c->th, NULL);
    free(c);
}

static void cli_send(cli_t *c, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = send(c->fd, b, n, MSG_NOSIGNAL);
        if (w <= 0) {
            return; /* the server closed: the test's reads will say so */
        }
        b += w;
        n -= (size_t)w;
    }
}

/* A message builder. */
typedef struct mb {
    uint8_t b[8192];
    size_t n;
} mb_t;

static void mb_i32(mb_t *m, int32_t v)
{
    uint32_t u = (uint32_t)v;
    m->b[m->n++] = (uint8_t)(u >> 24);
    m->b[m->n++] = (uint8_t)(u >> 16);
    m->b[m->n++] = (uint8_t)(u >> 8);
    m->b[m->n++] = (uint8_t)u;
}
static void mb_i16(mb_t *m, int16_t v)
{
    m->b[m->n++] = (uint8_t)((uint16_t)v >> 8);
    m->b[m->n++] = (uint8_t)v;
}
static void mb_str(mb_t *m, const char *s)
{
    size_t l = strlen(s) + 1;
    memcpy(m->b + m->n, s, l);
    m->n += l;
}
static void mb_bytes(mb_t *m, const void *p, size_t l)
{
    memcpy(m->b + m->n, p, l);
    m->n += l;
}

/* Send a typed message whose body is m. */
static void cli_msg(cli_t *c, uint8_t type, const mb_t *m)
{
    mb_t out = {.n = 0};
    out.b[out.n++] = type;
    mb_i32(&out, (int32_t)(m->n + 4));
    mb_bytes(&out, m->b, m->n);
    cli_send(c, out.b, out.n);
}

static void cli_simple(cli_t *c, uint8_t type, const char *s)
{
    mb_t m = {.n = 0};
    if (s != NULL) {
        mb_str(&m, s);
    }
    cli_msg(c, type, &m);
}

static int cli_read_n(cli_t *c, uint8_t *dst, size_t n)
{
    while (n > 0) {
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        if (poll(&pfd, 1, 5000) != 1) {
            return -1;
        }
        ssize_t r = recv(c->fd, dst, n, 0);
        if (r <= 0) {
            return -1;
        }
        dst += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Next server message: 0 ok, -1 EOF or timeout. */
static int cli_read(cli_t *c)
{
    uint8_t hdr[5];
    if (cli_read_n(c, hdr, 5) != 0) {
        return -1;
    }
    c->type = hdr[0];
    uint32_t l =
        ((uint32_t)hdr[1] << 24) | ((uint32_t)hdr[2] << 16) | ((uint32_t)hdr[3] << 8) | hdr[4];
    if (l < 4 || l - 4 >= sizeof(c->body)) {
        return -1;
    }
    c->len = l - 4;
    if (cli_read_n(c, c->body, c->len) != 0) {
        return -1;
    }
    c->body[c->len] = 0;
    return 0;
}

/* Read until ReadyForQuery; the message types seen (without 'Z') go to `types`. Returns the
   transaction status, or 0 on EOF. */
static char cli_until_ready(cli_t *c, char *types, size_t cap)
{
    size_t n = 0;
    for (;;) {
        if (cli_read(c) != 0) {
            types[n] = 0;
            return 0;
        }
        if (c->type == 'Z') {
            types[n] = 0;
            return (char)c->body[0];
        }
        if (n + 1 < cap) {
            types[n++] = (char)c->type;
        }
    }
}

/* The value of field `f` of the ErrorResponse/NoticeResponse in c->body. */
static const char *cli_field(cli_t *c, char f)
{
    size_t i = 0;
    while (i < c->len && c->body[i] != 0) {
        char code = (char)c->body[i++];
        const char *v = (const char *)c->body + i;
        if (code == f) {
            return v;
        }
        i += strlen(v) + 1;
    }
    return "";
}

static void cli_startup(cli_t *c, const char *user, const char *db)
{
    mb_t m = {.n = 0};
    mb_i32(&m, 0);
    mb_i32(&m, (int32_t)PG_PROTO_V3);
    mb_str(&m, "user");
    mb_str(&m, user);
    if (db != NULL) {
        mb_str(&m, "database");
        mb_str(&m, db);
    }
    mb_str(&m, "application_name");
    mb_str(&m, "unit test");
    mb_str(&m, "DateStyle");
    mb_str(&m, "ISO, DMY");
    m.b[m.n++] = 0;
    uint32_t l = (uint32_t)m.n;
    m.b[0] = (uint8_t)(l >> 24);
    m.b[1] = (uint8_t)(l >> 16);
    m.b[2] = (uint8_t)(l >> 8);
    m.b[3] = (uint8_t)l;
    cli_send(c, m.b, m.n);
}

/* Trust login; checks the ParameterStatus set and BackendKeyData. */
static cli_t *cli_login(uint32_t max_msg, uint32_t timeout_ms)
{
    cli_t *c = cli_start(HELIOS_AUTH_TRUST, max_msg, timeout_ms);
    cli_startup(c, "bob", "db");
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'R');
    int saw_version = 0, saw_app = 0, saw_key = 0;
    for (;;) {
        if (cli_read(c) != 0) {
            CU_FAIL("EOF during login");
            break;
        }
        if (c->type == 'S') {
            const char *name = (const char *)c->body;
            const char *val = name + strlen(name) + 1;
            if (strcmp(name, "server_version") == 0 && strcmp(val, "15.4") == 0) {
                saw_version = 1;
            }
            if (strcmp(name, "application_name") == 0 && strcmp(val, "unit test") == 0) {
                saw_app = 1;
            }
        } else if (c->type == 'K') {
            saw_key = c->len == 8 && c->body[3] == 42 && c->body[6] == 0x10 && c->body[7] == 0x92;
        } else if (c->type == 'Z') {
            CU_ASSERT_EQUAL(c->body[0], 'I');
            break;
        }
    }
    CU_ASSERT(saw_version && saw_app && saw_key);
    return c;
}

static void test_trust_and_simple_query(void)
{
    cli_t *c = cli_login(4 << 20, 2000);
    char types[64];
    cli_simple(c, 'Q', "select 1");
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "TDC");

    /* several statements; an error stops the rest; the block becomes failed */
    cli_simple(c, 'Q', "begin; gen 3; error; select 1");
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'E');
    CU_ASSERT_STRING_EQUAL(types, "CTDDDCE");
    cli_simple(c, 'Q', "select 1");
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'C'), "25P02");
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'E');
    CU_ASSERT_STRING_EQUAL(types, "");
    cli_simple(c, 'Q', "commit");
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');

    /* ErrorResponse fields */
    cli_simple(c, 'Q', "error");
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'E');
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'S'), "ERROR");
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'V'), "ERROR");
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'C'), "42601");
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'P'), "1");
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'H'), "Try a toy command.");
    CU_ASSERT(strstr(cli_field(c, 'M'), "syntax error") != NULL);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');

    /* empty query, notice, parameter status */
    cli_simple(c, 'Q', "  ");
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "I");
    cli_simple(c, 'Q', "notice");
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'N');
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'S'), "NOTICE");
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'M'), "this is a notice");
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    cli_simple(c, 'Q', "set tz");
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'S');
    CU_ASSERT_STRING_EQUAL((const char *)c->body, "TimeZone");
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');

    /* a big result crosses the output flush threshold */
    cli_simple(c, 'Q', "gen 20000");
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_EQUAL(c->type, 'Z');

    /* a 2 MiB query: read, run, and its buffer given back afterwards */
    size_t big = 2u << 20;
    uint8_t *q = malloc(big + 5);
    CU_ASSERT_FATAL(q != NULL);
    q[0] = 'Q';
    q[1] = (uint8_t)((big + 4) >> 24);
    q[2] = (uint8_t)((big + 4) >> 16);
    q[3] = (uint8_t)((big + 4) >> 8);
    q[4] = (uint8_t)(big + 4);
    memset(q + 5, ' ', big);
    memcpy(q + 5 + big - 9, "select 1", 9);
    cli_send(c, q, big + 5);
    free(q);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "TDC");

    /* FunctionCall is refused without closing the connection */
    cli_simple(c, 'F', "");
    cli_simple(c, 'S', NULL);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "E");

    cli_simple(c, 'X', NULL);
    CU_ASSERT_EQUAL(cli_read(c), -1); /* closed */
    cli_end(c);
}

static void send_parse(cli_t *c, const char *name, const char *sql, int n_types,
                       const int32_t *types)
{
    mb_t m = {.n = 0};
    mb_str(&m, name);
    mb_str(&m, sql);
    mb_i16(&m, (int16_t)n_types);
    for (int i = 0; i < n_types; i++) {
        mb_i32(&m, types[i]);
    }
    cli_msg(c, 'P', &m);
}

static void send_bind(cli_t *c, const char *portal, const char *stmt, int n_params,
                      const char *const *vals, int16_t pfmt, int16_t rfmt)
{
    mb_t m = {.n = 0};
    mb_str(&m, portal);
    mb_str(&m, stmt);
    mb_i16(&m, 1);
    mb_i16(&m, pfmt);
    mb_i16(&m, (int16_t)n_params);
    for (int i = 0; i < n_params; i++) {
        if (vals[i] == NULL) {
            mb_i32(&m, -1);
        } else {
            size_t l = pfmt == 1 ? 4 : strlen(vals[i]);
            mb_i32(&m, (int32_t)l);
            mb_bytes(&m, vals[i], l);
        }
    }
    mb_i16(&m, 1);
    mb_i16(&m, rfmt);
    cli_msg(c, 'B', &m);
}

static void send_named(cli_t *c, uint8_t type, uint8_t kind, const char *name)
{
    mb_t m = {.n = 0};
    m.b[m.n++] = kind;
    mb_str(&m, name);
    cli_msg(c, type, &m);
}

static void send_execute(cli_t *c, const char *portal, int32_t max_rows)
{
    mb_t m = {.n = 0};
    mb_str(&m, portal);
    mb_i32(&m, max_rows);
    cli_msg(c, 'E', &m);
}

static void test_extended_query(void)
{
    cli_t *c = cli_login(1 << 20, 2000);
    char types[64];
    /* named statement, describe, binary results, row limit with PortalSuspended */
    send_parse(c, "s1", "gen 5", 0, NULL);
    send_named(c, 'D', 'S', "s1");
    send_bind(c, "p1", "s1", 0, NULL, 0, 1);
    send_named(c, 'D', 'P', "p1");
    send_execute(c, "p1", 2);
    send_execute(c, "p1", 0);
    cli_simple(c, 'S', NULL);
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, '1');
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 't');
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'T');
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, '2');
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'T');
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL_FATAL(c->type, 'D');
    /* first column: int8 binary 0, second text "row0", third float8 binary, fifth bool */
    CU_ASSERT_EQUAL(c->body[1], 6);
    CU_ASSERT_EQUAL(c->body[5], 8);
    uint8_t zero8[8] = {0};
    CU_ASSERT(memcmp(c->body + 6, zero8, 8) == 0);
    CU_ASSERT(memcmp(c->body + 14, "\0\0\0\4row0", 8) == 0);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "DsDDDC");
    CU_ASSERT(strcmp((const char *)c->body, "I") == 0);

    /* parameters: text and binary int4, NULL; unnamed statement and portal; Flush */
    send_parse(c, "", "echo $1 $2", 2, (const int32_t[]){25, 23});
    send_bind(c, "", "", 2, (const char *const[]){"hello", NULL}, 0, 0);
    send_execute(c, "", 0);
    cli_simple(c, 'H', NULL);
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, '1');
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, '2');
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'D');
    CU_ASSERT(memcmp(c->body, "\0\2\0\0\0\5hello\377\377\377\377", 15) == 0);
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'C');
    cli_simple(c, 'S', NULL);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    uint32_t syncs = __atomic_load_n(&pg_fake_stats()->n_syncs, __ATOMIC_SEQ_CST);
    send_parse(c, "", "echo $1", 1, (const int32_t[]){23});
    send_bind(c, "", "", 1, (const char *const[]){"\0\0\1\0"}, 1, 0);
    send_execute(c, "", 0);
    cli_simple(c, 'S', NULL);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "12DC");
    /* each Sync ends the batch's implicit transaction through the session API's sync */
    CU_ASSERT_EQUAL(__atomic_load_n(&pg_fake_stats()->n_syncs, __ATOMIC_SEQ_CST), syncs + 1);

    /* errors skip to Sync, then all is well again */
    send_parse(c, "", "error", 0, NULL);
    send_bind(c, "", "", 0, NULL, 0, 0);
    send_execute(c, "", 0);
    cli_simple(c, 'S', NULL);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "E");
    send_bind(c, "", "nosuch", 0, NULL, 0, 0);
    cli_simple(c, 'S', NULL);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "E");
    send_parse(c, "s1", "select 1", 0, NULL); /* s1 exists */
    cli_simple(c, 'S', NULL);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "E");
    send_execute(c, "nope", 0);
    send_named(c, 'D', 'P', "nope");
    cli_simple(c, 'S', NULL);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "E");
    /* wrong parameter count */
    send_parse(c, "two", "echo $1 $2", 0, NULL);
    send_bind(c, "", "two", 1, (const char *const[]){"x"}, 0, 0);
    cli_simple(c, 'S', NULL);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "1E");
    /* a truncated Bind body is an ERROR, not FATAL */
    mb_t m = {.n = 0};
    mb_str(&m, "");
    mb_str(&m, "two");
    mb_i16(&m, 5);
    cli_msg(c, 'B', &m);
    cli_simple(c, 'S', NULL);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "E");

    /* Close statement and portal; a closed statement's portal still runs */
    send_parse(c, "s2", "gen 3", 0, NULL);
    send_bind(c, "p2", "s2", 0, NULL, 0, 0);
    send_named(c, 'C', 'S', "s2");
    send_execute(c, "p2", 1);
    send_named(c, 'C', 'P', "p2");
    send_named(c, 'C', 'P', "never-existed");
    cli_simple(c, 'S', NULL);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "123Ds33");
    send_bind(c, "", "s2", 0, NULL, 0, 0);
    cli_simple(c, 'S', NULL);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "E");

    /* a named portal survives Sync inside a transaction block */
    cli_simple(c, 'Q', "begin");
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'T');
    send_parse(c, "s3", "gen 4", 0, NULL);
    send_bind(c, "cur", "s3", 0, NULL, 0, 0);
    send_execute(c, "cur", 2);
    cli_simple(c, 'S', NULL);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'T');
    CU_ASSERT_STRING_EQUAL(types, "12DDs");
    send_execute(c, "cur", 2);
    cli_simple(c, 'S', NULL);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'T');
    CU_ASSERT_STRING_EQUAL(types, "DDC");
    cli_simple(c, 'Q', "commit");
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    cli_end(c);
}

static void test_copy(void)
{
    cli_t *c = cli_login(1 << 20, 2000);
    char types[64];
    cli_simple(c, 'Q', "copy in");
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'G');
    CU_ASSERT_EQUAL(c->len, 1 + 2 + 2 * 2);
    mb_t m = {.n = 0};
    mb_bytes(&m, "1\tone\n2\ttwo\n3\t", 14);
    cli_msg(c, 'd', &m);
    m.n = 0;
    mb_bytes(&m, "three\n", 6);
    cli_msg(c, 'd', &m);
    cli_simple(c, 'H', NULL); /* ignored during COPY */
    cli_simple(c, 'c', NULL);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "C");
    CU_ASSERT_STRING_EQUAL((const char *)c->body, "I");

    /* CopyFail */
    cli_simple(c, 'Q', "copy in");
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'G');
    cli_simple(c, 'f', "client gave up");
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'E');
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'C'), "57014");
    CU_ASSERT(strstr(cli_field(c, 'M'), "client gave up") != NULL);
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');

    /* the engine fails mid-copy: the rest of the client's copy data is dropped */
    cli_simple(c, 'Q', "copy in");
    CU_ASSERT_EQUAL(cli_read(c), 0);
    m.n = 0;
    mb_bytes(&m, "1\tok\n2\tbad\n", 11);
    cli_msg(c, 'd', &m);
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'E');
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'C'), "22P04");
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'D'), "COPY t, line 2");
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    m.n = 0;
    mb_bytes(&m, "3\tlate\n", 7);
    cli_msg(c, 'd', &m);
    cli_simple(c, 'c', NULL);
    cli_simple(c, 'Q', "select 1");
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "TDC");

    /* COPY TO STDOUT */
    cli_simple(c, 'Q', "copy out");
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "HddcC");
    cli_end(c);
}

/* SCRAM client side, as libpq does it. */
static void scram_client_proof(const char *password, const char *client_first_bare,
                               const char *server_first, const char *final_wo_proof, char *proof64,
                               uint8_t server_sig[32])
{
    char salt64[64] = {0};
    unsigned iter = 0;
    const char *s = strstr(server_first, ",s=");
    const char *i = strstr(server_first, ",i=");
    memcpy(salt64, s + 3, (size_t)(i - s - 3));
    iter = (unsigned)atoi(i + 3);
    uint8_t salt[64], salted[32], ck[32], sk[32], stored[32], sig[32], proof[32];
    int64_t sl = pg_b64_decode(salt64, strlen(salt64), salt, sizeof(salt));
    PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)sl, (int)iter, EVP_sha256(), 32,
                      salted);
    unsigned int l = 32;
    HMAC(EVP_sha256(), salted, 32, (const uint8_t *)"Client Key", 10, ck, &l);
    HMAC(EVP_sha256(), salted, 32, (const uint8_t *)"Server Key", 10, sk, &l);
    SHA256(ck, 32, stored);
    char auth[2048];
    snprintf(auth, sizeof(auth), "%s,%s,%s", client_first_bare, server_first, final_wo_proof);
    HMAC(EVP_sha256(), stored, 32, (const uint8_t *)auth, strlen(auth), sig, &l);
    for (int k = 0; k < 32; k++) {
        proof[k] = ck[k] ^ sig[k];
    }
    pg_b64_encode(proof, 32, proof64);
    HMAC(EVP_sha256(), sk, 32, (const uint8_t *)auth, strlen(auth), server_sig, &l);
}

static int scram_login(const char *user, const char *password, char *errcode)
{
    cli_t *c = cli_start(HELIOS_AUTH_SCRAM, 1 << 20, 2000);
    int ok = 0;
    cli_startup(c, user, NULL);
    CU_ASSERT_EQUAL_FATAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'R');
    CU_ASSERT_EQUAL(c->body[3], 10);
    CU_ASSERT_STRING_EQUAL((const char *)c->body + 4, "SCRAM-SHA-256");
    const char *bare = "n=,r=clientnonce123";
    char first[64];
    snprintf(first, sizeof(first), "n,,%s", bare);
    mb_t m = {.n = 0};
    mb_str(&m, "SCRAM-SHA-256");
    mb_i32(&m, (int32_t)strlen(first));
    mb_bytes(&m, first, strlen(first));
    cli_msg(c, 'p', &m);
    CU_ASSERT_EQUAL_FATAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'R');
    CU_ASSERT_EQUAL(c->body[3], 11);
    char server_first[512];
    snprintf(server_first, sizeof(server_first), "%.*s", (int)c->len - 4,
             (const char *)c->body + 4);
    const char *r = server_first + 2;
    const char *comma = strchr(r, ',');
    char wo[512], proof64[64], final[640];
    uint8_t ssig[32];
    snprintf(wo, sizeof(wo), "c=biws,r=%.*s", (int)(comma - r), r);
    scram_client_proof(password, bare, server_first, wo, proof64, ssig);
    snprintf(final, sizeof(final), "%s,p=%s", wo, proof64);
    m.n = 0;
    mb_bytes(&m, final, strlen(final));
    cli_msg(c, 'p', &m);
    CU_ASSERT_EQUAL_FATAL(cli_read(c), 0);
    if (c->type == 'R') {
        CU_ASSERT_EQUAL(c->body[3], 12);
        char want[64] = "v=";
        pg_b64_encode(ssig, 32, want + 2);
        CU_ASSERT(c->len - 4 == strlen(want) && memcmp(c->body + 4, want, strlen(want)) == 0);
        CU_ASSERT_EQUAL(cli_read(c), 0);
        CU_ASSERT_EQUAL(c->type, 'R');
        CU_ASSERT_EQUAL(c->body[3], 0);
        char types[64];
        CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
        /* the session was opened for the startup packet's user and database */
        CU_ASSERT_STRING_EQUAL(pg_fake_stats()->last_user, user);
        CU_ASSERT_STRING_EQUAL(pg_fake_stats()->last_database, user);
        CU_ASSERT_STRING_EQUAL(pg_fake_stats()->last_options, "-c DateStyle=ISO,\\ DMY");
        CU_ASSERT_STRING_EQUAL(pg_fake_stats()->last_app, "unit test");
        ok = 1;
    } else {
        CU_ASSERT_EQUAL(c->type, 'E');
        snprintf(errcode, 6, "%s", cli_field(c, 'C'));
        char want[128];
        snprintf(want, sizeof(want), "password authentication failed for user \"%s\"", user);
        CU_ASSERT_STRING_EQUAL(cli_field(c, 'M'), want);
        CU_ASSERT_STRING_EQUAL(cli_field(c, 'S'), "FATAL");
        CU_ASSERT_EQUAL(cli_read(c), -1); /* and closed */
    }
    cli_end(c);
    return ok;
}

static void test_scram_login(void)
{
    char code[8] = "";
    CU_ASSERT_EQUAL(scram_login("alice", "secret", code), 1);
    CU_ASSERT_EQUAL(scram_login("alice", "wrong", code), 0);
    CU_ASSERT_STRING_EQUAL(code, "28P01");
    code[0] = 0;
    CU_ASSERT_EQUAL(scram_login("mallory", "x", code), 0); /* unknown user: same answer */
    CU_ASSERT_STRING_EQUAL(code, "28P01");
}

static void test_password_login(void)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        const char *user = attempt == 2 ? "mallory" : "alice";
        cli_t *c = cli_start(HELIOS_AUTH_PASSWORD, 1 << 20, 2000);
        cli_startup(c, user, "db");
        CU_ASSERT_EQUAL(cli_read(c), 0);
        CU_ASSERT_EQUAL(c->type, 'R');
        CU_ASSERT_EQUAL(c->body[3], 3);
        cli_simple(c, 'p', attempt == 0 ? "secret" : "nope");
        CU_ASSERT_EQUAL(cli_read(c), 0);
        if (attempt == 0) {
            CU_ASSERT_EQUAL(c->type, 'R');
            CU_ASSERT_EQUAL(c->body[3], 0);
            char types[64];
            CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
            CU_ASSERT_STRING_EQUAL(pg_fake_stats()->last_user, "alice");
            CU_ASSERT_STRING_EQUAL(pg_fake_stats()->last_database, "db");
        } else {
            CU_ASSERT_EQUAL(c->type, 'E');
            CU_ASSERT_STRING_EQUAL(cli_field(c, 'C'), "28P01");
            char want[80];
            snprintf(want, sizeof(want), "password authentication failed for user \"%s\"", user);
            CU_ASSERT_STRING_EQUAL(cli_field(c, 'M'), want);
            CU_ASSERT_EQUAL(cli_read(c), -1);
        }
        cli_end(c);
    }
}

static void test_startup_variants(void)
{
    /* SSLRequest without TLS -> 'N', GSSENCRequest -> 'N', then a normal startup */
    cli_t *c = cli_start(HELIOS_AUTH_TRUST, 1 << 20, 2000);
    uint8_t ssl[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
    uint8_t gss[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30};
    uint8_t ch;
    cli_send(c, ssl, 8);
    CU_ASSERT_EQUAL(cli_read_n(c, &ch, 1), 0);
    CU_ASSERT_EQUAL(ch, 'N');
    cli_send(c, gss, 8);
    CU_ASSERT_EQUAL(cli_read_n(c, &ch, 1), 0);
    CU_ASSERT_EQUAL(ch, 'N');
    cli_startup(c, "bob", NULL);
    char types[64];
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_EQUAL(types[0], 'R');
    cli_end(c);

    /* unknown database / user: FATAL from the session API */
    const char *who[][3] = {{"bob", "nodb", "3D000"}, {"nouser", "db", "28000"}};
    for (int i = 0; i < 2; i++) {
        c = cli_start(HELIOS_AUTH_TRUST, 1 << 20, 2000);
        cli_startup(c, who[i][0], who[i][1]);
        CU_ASSERT_EQUAL(cli_read(c), 0);
        CU_ASSERT_EQUAL(c->type, 'E');
        CU_ASSERT_STRING_EQUAL(cli_field(c, 'S'), "FATAL");
        CU_ASSERT_STRING_EQUAL(cli_field(c, 'C'), who[i][2]);
        CU_ASSERT_EQUAL(cli_read(c), -1);
        cli_end(c);
    }

    /* CancelRequest: no answer, the engine gets the key, the connection closes */
    c = cli_start(HELIOS_AUTH_TRUST, 1 << 20, 2000);
    uint8_t cancel[16] = {0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 42, 0, 0, 0x10, 0x92};
    uint32_t before = pg_fake_stats()->n_cancels;
    cli_send(c, cancel, 16);
    CU_ASSERT_EQUAL(cli_read_n(c, &ch, 1), -1);
    cli_end(c);
    CU_ASSERT_EQUAL(pg_fake_stats()->n_cancels, before + 1);
    CU_ASSERT_EQUAL(pg_fake_stats()->cancel_pid, 42u);
    CU_ASSERT_EQUAL(pg_fake_stats()->cancel_secret, 4242u);

    /* protocol 2 is refused; a bad startup length is FATAL 08P01 */
    c = cli_start(HELIOS_AUTH_TRUST, 1 << 20, 2000);
    uint8_t v2[8] = {0, 0, 0, 8, 0, 2, 0, 0};
    cli_send(c, v2, 8);
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'C'), "0A000");
    cli_end(c);
    c = cli_start(HELIOS_AUTH_TRUST, 1 << 20, 2000);
    uint8_t big[8] = {0, 1, 0, 0, 0, 3, 0, 0};
    cli_send(c, big, 8);
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'C'), "08P01");
    CU_ASSERT_EQUAL(cli_read(c), -1);
    cli_end(c);

    /* protocol 3.2 and a _pq_ option get NegotiateProtocolVersion */
    c = cli_start(HELIOS_AUTH_TRUST, 1 << 20, 2000);
    mb_t m = {.n = 0};
    mb_i32(&m, 0);
    mb_i32(&m, (int32_t)(PG_PROTO_V3 + 2));
    mb_str(&m, "user");
    mb_str(&m, "bob");
    mb_str(&m, "_pq_.fancy");
    mb_str(&m, "1");
    m.b[m.n++] = 0;
    m.b[3] = (uint8_t)m.n;
    cli_send(c, m.b, m.n);
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'v');
    CU_ASSERT_STRING_EQUAL((const char *)c->body + 8, "_pq_.fancy");
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    cli_end(c);
}

static void test_bad_input(void)
{
    char types[64];
    /* unknown message type: FATAL 08P01 and closed */
    cli_t *c = cli_login(1 << 20, 2000);
    cli_simple(c, '@', "junk");
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'E');
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'S'), "FATAL");
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'C'), "08P01");
    CU_ASSERT_EQUAL(cli_read(c), -1);
    cli_end(c);

    /* length below 4 */
    c = cli_login(1 << 20, 2000);
    uint8_t badlen[5] = {'Q', 0, 0, 0, 2};
    cli_send(c, badlen, 5);
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'C'), "08P01");
    CU_ASSERT_EQUAL(cli_read(c), -1);
    cli_end(c);

    /* over max_message_bytes: refused before reading the body */
    c = cli_login(1024, 2000);
    uint8_t huge[5] = {'Q', 0x10, 0, 0, 0};
    cli_send(c, huge, 5);
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'C'), "08P01");
    CU_ASSERT(strstr(cli_field(c, 'M'), "too long") != NULL);
    CU_ASSERT_EQUAL(cli_read(c), -1);
    cli_end(c);

    /* a client stalled mid-message is dropped after read_timeout_ms */
    c = cli_login(1 << 20, 300);
    uint8_t part[7] = {'Q', 0, 0, 0, 20, 's', 'e'};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cli_send(c, part, sizeof(part));
    CU_ASSERT_EQUAL(cli_read(c), -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    CU_ASSERT(secs >= 0.25 && secs < 3.0);
    cli_end(c);

    /* an idle client is NOT dropped */
    c = cli_login(1 << 20, 300);
    usleep(800 * 1000);
    cli_simple(c, 'Q', "select 1");
    CU_ASSERT_EQUAL(cli_until_ready(c, types, sizeof(types)), 'I');
    CU_ASSERT_STRING_EQUAL(types, "TDC");
    cli_end(c);

    /* stop(): an idle session gets FATAL 57P01 */
    c = cli_login(1 << 20, 2000);
    __atomic_store_n(&c->inst.stopping, 1u, __ATOMIC_RELEASE);
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_STRING_EQUAL(cli_field(c, 'C'), "57P01");
    CU_ASSERT_EQUAL(cli_read(c), -1);
    cli_end(c);
}

static void test_detect(void)
{
    uint8_t startup[8] = {0, 0, 0, 40, 0, 3, 0, 0};
    uint8_t ssl[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
    uint8_t mysqlish[8] = {0x10, 0, 0, 1, 0x85, 0xa6, 0x3f, 0x20};
    uint8_t http[8] = {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T'};
    CU_ASSERT_EQUAL(pg_plugin_detect(startup, 8), 0);
    CU_ASSERT_EQUAL(pg_plugin_detect(ssl, 8), 0);
    CU_ASSERT_EQUAL(pg_plugin_detect(startup, 4), HELIOS_AGAIN);
    CU_ASSERT_EQUAL(pg_plugin_detect(startup, 0), HELIOS_DECLINED);
    CU_ASSERT_EQUAL(pg_plugin_detect(mysqlish, 8), HELIOS_DECLINED);
    CU_ASSERT_EQUAL(pg_plugin_detect(http, 8), HELIOS_DECLINED);
    CU_ASSERT_EQUAL(pg_plugin_detect(http, 4), HELIOS_DECLINED);
    CU_ASSERT_EQUAL(pg_plugin_detect(mysqlish, 4), HELIOS_DECLINED);
    CU_ASSERT_EQUAL(pg_plugin_detect(startup, 2), HELIOS_AGAIN);
}

/* The tag of the last CommandComplete before ReadyForQuery, with the message types seen. */
static char cli_tagged(cli_t *c, char *types, size_t cap, char *tag, size_t tag_cap)
{
    size_t n = 0;
    tag[0] = 0;
    for (;;) {
        if (cli_read(c) != 0) {
            types[n] = 0;
            return 0;
        }
        if (c->type == 'Z') {
            types[n] = 0;
            return (char)c->body[0];
        }
        if (c->type == 'C') {
            snprintf(tag, tag_cap, "%.40s", (const char *)c->body);
        }
        if (c->type == 'E') {
            snprintf(tag, tag_cap, "E%s", cli_field(c, 'C'));
        }
        if (n + 1 < cap) {
            types[n++] = (char)c->type;
        }
    }
}

static void test_cursors(void)
{
    cli_t *c = cli_login(1 << 20, 2000);
    char types[64], tag[64];
    cli_simple(c, 'Q', "DECLARE c CURSOR FOR gen 5");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'I');
    CU_ASSERT_STRING_EQUAL(tag, "E25P01");
    cli_simple(c, 'Q', "begin");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'T');
    cli_simple(c, 'Q', "declare \"My Cur\" no scroll cursor without hold for gen 5;");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'T');
    CU_ASSERT_STRING_EQUAL(tag, "DECLARE CURSOR");
    cli_simple(c, 'Q', "DECLARE \"My Cur\" CURSOR FOR gen 1");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'T');
    CU_ASSERT_STRING_EQUAL(tag, "E42P03");
    cli_simple(c, 'Q', "FETCH FORWARD 2 FROM \"My Cur\"");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'T');
    CU_ASSERT_STRING_EQUAL(types, "TDDC");
    CU_ASSERT_STRING_EQUAL(tag, "FETCH 2");
    cli_simple(c, 'Q', "MOVE 1 IN \"My Cur\"");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'T');
    CU_ASSERT_STRING_EQUAL(types, "C");
    CU_ASSERT_STRING_EQUAL(tag, "MOVE 1");
    cli_simple(c, 'Q', "fetch all \"My Cur\"");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'T');
    CU_ASSERT_STRING_EQUAL(types, "TDDC");
    CU_ASSERT_STRING_EQUAL(tag, "FETCH 2");
    cli_simple(c, 'Q', "FETCH NEXT FROM \"My Cur\"");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'T');
    CU_ASSERT_STRING_EQUAL(types, "TC");
    CU_ASSERT_STRING_EQUAL(tag, "FETCH 0");
    cli_simple(c, 'Q', "FETCH BACKWARD 1 FROM \"My Cur\"");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'T');
    CU_ASSERT_STRING_EQUAL(tag, "E0A000");
    cli_simple(c, 'Q', "CLOSE \"My Cur\"");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'T');
    CU_ASSERT_STRING_EQUAL(tag, "CLOSE CURSOR");
    cli_simple(c, 'Q', "FETCH 1 FROM \"My Cur\"");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'T');
    CU_ASSERT_STRING_EQUAL(tag, "E34000");
    /* a binary cursor, a held one, and the end of the transaction */
    cli_simple(c, 'Q', "DECLARE b BINARY CURSOR FOR gen 2");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'T');
    cli_simple(c, 'Q', "DECLARE h CURSOR WITH HOLD FOR gen 3");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'T');
    cli_simple(c, 'Q', "FETCH 1 FROM b");
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL(c->type, 'T');
    CU_ASSERT_EQUAL(cli_read(c), 0);
    CU_ASSERT_EQUAL_FATAL(c->type, 'D');
    CU_ASSERT_EQUAL(c->body[5], 8); /* int8 in binary: 8 bytes */
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'T');
    cli_simple(c, 'Q', "commit");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'I');
    cli_simple(c, 'Q', "FETCH 1 FROM b");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'I');
    CU_ASSERT_STRING_EQUAL(tag, "E34000");
    cli_simple(c, 'Q', "FETCH 5 FROM h");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'I');
    CU_ASSERT_STRING_EQUAL(tag, "FETCH 3");
    cli_simple(c, 'Q', "CLOSE ALL");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'I');
    CU_ASSERT_STRING_EQUAL(tag, "CLOSE CURSOR");
    cli_simple(c, 'Q', "CLOSE h");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'I');
    CU_ASSERT_STRING_EQUAL(tag, "E34000");
    cli_simple(c, 'Q', "DECLARE x CURSOR WITH HOLD FOR begin");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'I');
    CU_ASSERT_STRING_EQUAL(tag, "E42P11");
    cli_simple(c, 'Q', "DECLARE CURSOR");
    CU_ASSERT_EQUAL(cli_tagged(c, types, sizeof(types), tag, sizeof(tag)), 'I');
    CU_ASSERT_STRING_EQUAL(tag, "E42601");
    cli_end(c);
}

static void test_no_leaks(void)
{
    CU_ASSERT_EQUAL(pg_fake_host_live(), 0);
    CU_ASSERT_EQUAL(pg_fake_stats()->sessions_open, 0u);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    CU_pSuite s = CU_add_suite("postgres", NULL, NULL);
    CU_add_test(s, "base64", test_base64);
    CU_add_test(s, "scram_rfc7677", test_scram_rfc7677);
    CU_add_test(s, "detect", test_detect);
    CU_add_test(s, "trust_and_simple_query", test_trust_and_simple_query);
    CU_add_test(s, "extended_query", test_extended_query);
    CU_add_test(s, "copy", test_copy);
    CU_add_test(s, "cursors", test_cursors);
    CU_add_test(s, "scram_login", test_scram_login);
    CU_add_test(s, "password_login", test_password_login);
    CU_add_test(s, "startup_variants", test_startup_variants);
    CU_add_test(s, "bad_input", test_bad_input);
    CU_add_test(s, "no_leaks", test_no_leaks);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed == 0 ? 0 : 1;
}
