/*
 * fuzz_pg_messages.c -- libFuzzer harness for the PostgreSQL wire protocol plugin: the input is
 * what a client sends, fed through the real connection state machine (startup packet parsing,
 * SCRAM/password exchanges, message framing, Parse/Bind/Describe/Execute/Close/Query/COPY
 * bodies) over an in-memory transport, with the toy engine from the plugin's unit tests.
 *
 * Input layout: byte 0 selects the mode, byte 1 the transport's read chunk size (so messages
 * arrive split at every possible point), the rest is the client's byte stream.
 *   mode % 4 == 0   raw: the stream starts with the startup packet (trust auth)
 *   mode % 4 == 1   a valid trust startup is sent first; the stream is what follows
 *   mode % 4 == 2   SCRAM auth for user "alice"; the stream starts with SASLInitialResponse
 *   mode % 4 == 3   password auth for user "alice"; the stream starts with the password message
 * Output is discarded. Any crash, leak or sanitizer report is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pg_fake.h"
#include "pg_internal.h"

typedef struct mem_io {
    const uint8_t *p;
    size_t len, pos;
    size_t chunk;
} mem_io_t;

static int64_t mem_read(void *ctx, uint8_t *buf, size_t n, int32_t timeout_ms)
{
    (void)timeout_ms;
    mem_io_t *m = ctx;
    if (m->pos >= m->len) {
        return PG_IO_EOF;
    }
    size_t take = m->len - m->pos;
    if (take > n) {
        take = n;
    }
    if (take > m->chunk) {
        take = m->chunk;
    }
    memcpy(buf, m->p + m->pos, take);
    m->pos += take;
    return (int64_t)take;
}

static int64_t mem_write(void *ctx, const uint8_t *buf, size_t n)
{
    (void)ctx;
    (void)buf;
    return (int64_t)n;
}

static size_t put_startup(uint8_t *out, const char *user)
{
    size_t n = 8;
    static const char *kv[] = {"user", NULL, "database", "db", "application_name", "fuzz"};
    for (int i = 0; i < 6; i++) {
        const char *s = kv[i] != NULL ? kv[i] : user;
        size_t l = strlen(s) + 1;
        memcpy(out + n, s, l);
        n += l;
    }
    out[n++] = 0;
    out[0] = (uint8_t)(n >> 24);
    out[1] = (uint8_t)(n >> 16);
    out[2] = (uint8_t)(n >> 8);
    out[3] = (uint8_t)n;
    out[4] = 0;
    out[5] = 3;
    out[6] = 0;
    out[7] = 0;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    uint32_t mode = data[0] % 4;
    size_t chunk = data[1] == 0 ? 4096 : data[1];
    data += 2;
    size -= 2;

    uint8_t *stream = malloc(size + 128);
    if (stream == NULL) {
        return 0;
    }
    size_t n = 0;
    if (mode != 0) {
        n = put_startup(stream, mode == 1 ? "bob" : "alice");
    }
    if (size > 0) {
        memcpy(stream + n, data, size);
    }
    n += size;

    pg_inst_t inst;
    memset(&inst, 0, sizeof(inst));
    inst.host = pg_fake_host();
    inst.engine = pg_fake_engine();
    inst.api = pg_fake_api();
    inst.listener.size = sizeof(inst.listener);
    inst.listener.auth_method =
        mode == 2 ? HELIOS_AUTH_SCRAM : (mode == 3 ? HELIOS_AUTH_PASSWORD : HELIOS_AUTH_TRUST);
    inst.max_message_bytes = 1u << 20;
    inst.read_timeout_ms = 1000;
    memset(inst.mock_key, 7, sizeof(inst.mock_key));

    mem_io_t io = {.p = stream, .len = n, .pos = 0, .chunk = chunk};
    pg_transport_t tr = {.read = mem_read, .write = mem_write, .pending = NULL, .ctx = &io};
    int64_t live_before = pg_fake_host_live();
    pg_conn_run(&inst, &tr, -1, 1, "fuzz");
    if (pg_fake_host_live() != live_before || pg_fake_stats()->sessions_open != 0) {
        abort(); /* the connection leaked plugin memory or a session */
    }
    free(stream);
    return 0;
}
