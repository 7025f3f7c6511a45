/*
 * pg_tls.c -- TLS through OpenSSL: the listener's server context (loaded at start) and the
 * transport a connection switches to after answering an SSLRequest with 'S'.
 *
 * A TLS connection's socket is made non-blocking so a client stalled inside a TLS record is
 * still bounded by read_timeout_ms (a blocking SSL_read would wait for the rest of the record).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pg_internal.h"

typedef struct pg_tls_io {
    SSL *ssl;
    int fd;
    int32_t write_timeout_ms;
} pg_tls_io_t;

static void pg_tls_errstr(char *buf, size_t cap)
{
    unsigned long e = ERR_get_error();
    if (e == 0) {
        snprintf(buf, cap, "unknown TLS error");
    } else {
        ERR_error_string_n(e, buf, cap);
    }
    ERR_clear_error();
}

/* tls-server-end-point (RFC 5929): hash of our certificate with its signature's digest,
   SHA-256 when that is MD5 or SHA-1. */
static void pg_tls_cb_hash(pg_inst_t *inst, SSL_CTX *ctx)
{
    X509 *cert = SSL_CTX_get0_certificate(ctx);
    int md_nid = 0, pk_nid = 0;
    inst->tls_cb_len = 0;
    if (cert == NULL || !OBJ_find_sigid_algs(X509_get_signature_nid(cert), &md_nid, &pk_nid)) {
        return;
    }
    const EVP_MD *md = NULL;
    if (md_nid == NID_md5 || md_nid == NID_sha1 || md_nid == NID_sha256) {
        md = EVP_sha256();
    } else if (md_nid == NID_sha384) {
        md = EVP_sha384();
    } else if (md_nid == NID_sha512) {
        md = EVP_sha512();
    } else {
        return; /* e.g. Ed25519: no channel binding, SCRAM-SHA-256-PLUS is not offered */
    }
    unsigned int n = 0;
    if (X509_digest(cert, md, inst->tls_cb_hash, &n) == 1 && n <= sizeof(inst->tls_cb_hash)) {
        inst->tls_cb_len = n;
    }
}

int32_t pg_tls_start(pg_inst_t *inst, helios_err_t *err)
{
    const helios_listener_info_t *l = &inst->listener;
    char why[256];
    if (l->tls_cert == NULL || l->tls_key == NULL) {
        return 0;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        pg_tls_errstr(why, sizeof(why));
        return inst->host->err_set(err, HELIOS_ERR_CONFIG_FILE_ERROR,
                                   "could not create TLS context: %s", why);
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (SSL_CTX_use_certificate_chain_file(ctx, l->tls_cert) != 1) {
        pg_tls_errstr(why, sizeof(why));
        inst->host->err_set(err, HELIOS_ERR_CONFIG_FILE_ERROR,
                            "could not load TLS certificate \"%s\": %s", l->tls_cert, why);
        goto failed;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, l->tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        pg_tls_errstr(why, sizeof(why));
        inst->host->err_set(err, HELIOS_ERR_CONFIG_FILE_ERROR,
                            "could not load TLS private key \"%s\": %s", l->tls_key, why);
        goto failed;
    }
    if (l->tls_ca != NULL && l->tls_ca[0] != '\0') {
        if (SSL_CTX_load_verify_locations(ctx, l->tls_ca, NULL) != 1) {
            pg_tls_errstr(why, sizeof(why));
            inst->host->err_set(err, HELIOS_ERR_CONFIG_FILE_ERROR,
                                "could not load TLS CA \"%s\": %s", l->tls_ca, why);
            goto failed;
        }
        /* ask for a client certificate and verify one if given (sslmode=verify-* clients
           that present none still connect and authenticate by password) */
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    pg_tls_cb_hash(inst, ctx);
    inst->tls_ctx = ctx;
    return 0;
failed:
    SSL_CTX_free(ctx);
    return err != NULL ? err->code : HELIOS_ERR_CONFIG_FILE_ERROR;
}

void pg_tls_stop(pg_inst_t *inst)
{
    if (inst->tls_ctx != NULL) {
        SSL_CTX_free(inst->tls_ctx);
        inst->tls_ctx = NULL;
    }
}

/* Wait for `events` on fd up to timeout_ms (-1 forever). 1 ready, 0 timeout, -1 error. */
static int pg_wait(int fd, short events, int32_t timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = events};
    for (;;) {
        int r = poll(&pfd, 1, timeout_ms);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        return r < 0 ? -1 : (r == 0 ? 0 : 1);
    }
}

static int64_t pg_tls_read(void *ctx, uint8_t *buf, size_t n, int32_t timeout_ms)
{
    pg_tls_io_t *io = ctx;
    if (n > 0x40000000u) {
        n = 0x40000000u;
    }
    for (;;) {
        ERR_clear_error();
        int r = SSL_read(io->ssl, buf, (int)n);
        if (r > 0) {
            return r;
        }
        int e = SSL_get_error(io->ssl, r);
        short ev;
        if (e == SSL_ERROR_WANT_READ) {
            ev = POLLIN;
        } else if (e == SSL_ERROR_WANT_WRITE) {
            ev = POLLOUT;
        } else if (e == SSL_ERROR_ZERO_RETURN) {
            return PG_IO_EOF;
        } else {
            return (e == SSL_ERROR_SYSCALL && r == 0) ? PG_IO_EOF : PG_IO_ERROR;
        }
        int w = pg_wait(io->fd, ev, timeout_ms);
        if (w == 0) {
            return PG_IO_TIMEOUT;
        }
        if (w < 0) {
            return PG_IO_ERROR;
        }
    }
}

static int64_t pg_tls_write(void *ctx, const uint8_t *buf, size_t n)
{
    pg_tls_io_t *io = ctx;
    size_t off = 0;
    while (off < n) {
        size_t chunk = n - off > 0x40000000u ? 0x40000000u : n - off;
        ERR_clear_error();
        int r = SSL_write(io->ssl, buf + off, (int)chunk);
        if (r > 0) {
            off += (size_t)r;
            continue;
        }
        int e = SSL_get_error(io->ssl, r);
        short ev;
        if (e == SSL_ERROR_WANT_WRITE) {
            ev = POLLOUT;
        } else if (e == SSL_ERROR_WANT_READ) {
            ev = POLLIN;
        } else {
            return PG_IO_ERROR;
        }
        if (pg_wait(io->fd, ev, io->write_timeout_ms) != 1) {
            return PG_IO_ERROR;
        }
    }
    return (int64_t)n;
}

static size_t pg_tls_pending(void *ctx)
{
    pg_tls_io_t *io = ctx;
    int p = SSL_pending(io->ssl);
    return p > 0 ? (size_t)p : 0;
}

int32_t pg_tls_accept(pg_conn_t *c, int fd, helios_err_t *err)
{
    char why[256];
    pg_tls_io_t *io = c->host->calloc(c->host, 1, sizeof(*io));
    SSL *ssl = SSL_new(c->inst->tls_ctx);
    if (io == NULL || ssl == NULL) {
        c->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory starting TLS");
        goto failed;
    }
    int fl = fcntl(fd, F_GETFL, 0);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || SSL_set_fd(ssl, fd) != 1) {
        c->host->err_set(err, HELIOS_ERR_CONNECTION_FAILURE, "could not set up TLS socket");
        goto failed;
    }
    for (;;) {
        ERR_clear_error();
        int r = SSL_accept(ssl);
        if (r == 1) {
            break;
        }
        int e = SSL_get_error(ssl, r);
        short ev = e == SSL_ERROR_WANT_READ ? POLLIN : (e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0);
        if (ev == 0) {
            pg_tls_errstr(why, sizeof(why));
            c->host->err_set(err, HELIOS_ERR_PROTOCOL_VIOLATION, "could not accept TLS: %s", why);
            goto failed;
        }
        if (pg_wait(fd, ev, (int32_t)c->read_timeout_ms) != 1) {
            c->host->err_set(err, HELIOS_ERR_CONNECTION_FAILURE, "TLS handshake timed out");
            goto failed;
        }
    }
    io->ssl = ssl;
    io->fd = fd;
    io->write_timeout_ms = (int32_t)c->read_timeout_ms;
    c->ssl = io;
    c->tr.read = pg_tls_read;
    c->tr.write = pg_tls_write;
    c->tr.pending = pg_tls_pending;
    c->tr.ctx = io;
    return 0;
failed:
    if (ssl != NULL) {
        SSL_free(ssl);
    }
    c->host->free(c->host, io);
    return err != NULL && err->code != 0 ? err->code : HELIOS_ERR_CONNECTION_FAILURE;
}

void pg_tls_close(pg_conn_t *c)
{
    pg_tls_io_t *io = c->ssl;
    if (io == NULL) {
        return;
    }
    ERR_clear_error();
    (void)SSL_shutdown(io->ssl);
    SSL_free(io->ssl);
    c->host->free(c->host, io);
    c->ssl = NULL;
}
