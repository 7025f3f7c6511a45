/*
 * pg_io.c -- buffered input and output for one connection, and message framing.
 *
 * Output is built in one growing buffer and written once per Sync / query / Flush (or when it
 * passes PG_OUT_FLUSH_BYTES during a long result), so a prepared-statement round trip costs one
 * read and one write system call.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "pg_internal.h"

#define PG_RBUF_BYTES 16384u

/* ---- the plain socket transport ---- */

/* Reads block in recv() with SO_RCVTIMEO as the timeout, changed only when the wanted timeout
   changes (idle polling vs. mid-message), so a request costs one recv and one send. */
static int64_t pg_fd_read(void *ctx, uint8_t *buf, size_t n, int32_t timeout_ms)
{
    pg_fd_io_t *io = ctx;
    if (timeout_ms == 0) {
        timeout_ms = 1;
    }
    if (timeout_ms != io->rcvtimeo_ms) {
        struct timeval tv = {0, 0}; /* zero: block without limit */
        if (timeout_ms > 0) {
            tv.tv_sec = timeout_ms / 1000;
            tv.tv_usec = (timeout_ms % 1000) * 1000;
        }
        if (setsockopt(io->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
            return PG_IO_ERROR;
        }
        io->rcvtimeo_ms = timeout_ms;
    }
    for (;;) {
        ssize_t got = recv(io->fd, buf, n, 0);
        if (got > 0) {
            return got;
        }
        if (got == 0) {
            return PG_IO_EOF;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return PG_IO_TIMEOUT;
        }
        return PG_IO_ERROR;
    }
}

static int64_t pg_fd_write(void *ctx, const uint8_t *buf, size_t n)
{
    int fd = ((pg_fd_io_t *)ctx)->fd;
    size_t off = 0;
    while (off < n) {
        ssize_t w = send(fd, buf + off, n - off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return PG_IO_ERROR;
        }
        off += (size_t)w;
    }
    return (int64_t)n;
}

void pg_fd_transport(pg_transport_t *tr, pg_fd_io_t *io, int fd)
{
    /* timeouts rely on a blocking socket (the kernel hands one over; make sure) */
    int fl = fcntl(fd, F_GETFL, 0);
    if (fl >= 0 && (fl & O_NONBLOCK) != 0) {
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    }
    io->fd = fd;
    io->rcvtimeo_ms = -1;
    tr->read = pg_fd_read;
    tr->write = pg_fd_write;
    tr->pending = NULL;
    tr->ctx = io;
}

/* ---- buffers ---- */

int32_t pg_io_init(pg_conn_t *c)
{
    c->rcap = PG_RBUF_BYTES;
    c->rbuf = c->host->alloc(c->host, c->rcap);
    c->wcap = 8192;
    c->wbuf = c->host->alloc(c->host, c->wcap);
    c->msg_cap = 1024;
    c->msg = c->host->alloc(c->host, c->msg_cap);
    if (c->rbuf == NULL || c->wbuf == NULL || c->msg == NULL) {
        return -1;
    }
    return 0;
}

void pg_io_free(pg_conn_t *c)
{
    c->host->free(c->host, c->rbuf);
    c->host->free(c->host, c->wbuf);
    c->host->free(c->host, c->msg);
    c->host->free(c->host, c->cbuf);
    c->rbuf = c->wbuf = c->msg = c->cbuf = NULL;
}

/* After one huge message or result, give the memory back rather than keep it per connection. */
void pg_io_trim(pg_conn_t *c)
{
    const size_t big = 1u << 20;
    if (c->msg_cap > big) {
        uint8_t *nm = c->host->realloc(c->host, c->msg, 1024);
        if (nm != NULL) {
            c->msg = nm;
            c->msg_cap = 1024;
        }
    }
    if (c->cbuf_cap > big) {
        c->host->free(c->host, c->cbuf);
        c->cbuf = NULL;
        c->cbuf_cap = 0;
    }
    if (c->wcap > big && c->wlen == 0) {
        uint8_t *nb = c->host->realloc(c->host, c->wbuf, 8192);
        if (nb != NULL) {
            c->wbuf = nb;
            c->wcap = 8192;
        }
    }
}

size_t pg_read_buffered(const pg_conn_t *c)
{
    size_t n = c->rlen - c->rpos;
    if (c->tr.pending != NULL) {
        n += c->tr.pending(c->tr.ctx);
    }
    return n;
}

/* Refill the read buffer; returns > 0, PG_IO_EOF, PG_IO_ERROR or PG_IO_TIMEOUT. */
static int64_t pg_fill(pg_conn_t *c, int32_t timeout_ms)
{
    if (c->rpos == c->rlen) {
        c->rpos = c->rlen = 0;
    }
    if (c->rlen == c->rcap) {
        memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
        c->rlen -= c->rpos;
        c->rpos = 0;
    }
    int64_t got = c->tr.read(c->tr.ctx, c->rbuf + c->rlen, c->rcap - c->rlen, timeout_ms);
    if (got > 0) {
        c->rlen += (size_t)got;
    }
    return got;
}

int32_t pg_read_exact(pg_conn_t *c, uint8_t *dst, size_t n, int32_t timeout_ms)
{
    while (n > 0) {
        size_t have = c->rlen - c->rpos;
        if (have > 0) {
            size_t take = have < n ? have : n;
            memcpy(dst, c->rbuf + c->rpos, take);
            c->rpos += take;
            dst += take;
            n -= take;
            continue;
        }
        if (n >= c->rcap) {
            /* large bodies go straight to their destination */
            int64_t got = c->tr.read(c->tr.ctx, dst, n, timeout_ms);
            if (got <= 0) {
                return (int32_t)got;
            }
            dst += got;
            n -= (size_t)got;
            continue;
        }
        int64_t got = pg_fill(c, timeout_ms);
        if (got <= 0) {
            return (int32_t)got;
        }
    }
    return 1;
}

static uint32_t pg_get_u32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int32_t pg_read_message(pg_conn_t *c, uint8_t *type, uint32_t *len, helios_err_t *err)
{
    /* Wait, idle, for the first byte, polling the stop flag. */
    uint32_t waited_ms = 0;
    if (c->inst->stopping || c->host->shutting_down(c->host)) {
        return 0; /* also between pipelined messages: shutdown does not wait for a batch */
    }
    while (c->rpos == c->rlen && (c->tr.pending == NULL || c->tr.pending(c->tr.ctx) == 0)) {
        if (c->inst->stopping || c->host->shutting_down(c->host)) {
            return 0;
        }
        int64_t got = pg_fill(c, PG_IDLE_POLL_MS);
        if (got == PG_IO_TIMEOUT) {
            waited_ms += PG_IDLE_POLL_MS;
            if (c->idle_limit_ms != 0 && waited_ms >= c->idle_limit_ms) {
                return PG_IO_TIMEOUT;
            }
            continue;
        }
        if (got <= 0) {
            return (int32_t)got;
        }
    }
    int32_t tmo = (int32_t)c->read_timeout_ms;
    uint8_t hdr[5];
    int32_t rc = pg_read_exact(c, hdr, 5, tmo);
    if (rc != 1) {
        return rc == 0 ? PG_IO_ERROR : rc; /* EOF mid-message */
    }
    uint32_t mlen = pg_get_u32(hdr + 1);
    if (mlen < 4) {
        c->host->err_set(err, HELIOS_ERR_PROTOCOL_VIOLATION, "invalid message length %u", mlen);
        return PG_IO_FRAMING;
    }
    if (mlen - 4 > c->max_message_bytes) {
        c->host->err_set(err, HELIOS_ERR_PROTOCOL_VIOLATION,
                         "message of type \"%c\" is too long: %u bytes", hdr[0], mlen);
        c->host->err_detail(err, "The limit is %u bytes (max_message_bytes).",
                            c->max_message_bytes);
        return PG_IO_FRAMING;
    }
    mlen -= 4;
    if ((size_t)mlen + 1 > c->msg_cap) {
        size_t cap = c->msg_cap;
        while (cap < (size_t)mlen + 1) {
            cap *= 2;
        }
        uint8_t *nm = c->host->realloc(c->host, c->msg, cap);
        if (nm == NULL) {
            c->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY,
                             "out of memory reading a message of %u bytes", mlen);
            return PG_IO_FRAMING;
        }
        c->msg = nm;
        c->msg_cap = cap;
    }
    rc = pg_read_exact(c, c->msg, mlen, tmo);
    if (rc != 1) {
        return rc == 0 ? PG_IO_ERROR : rc;
    }
    c->msg[mlen] = 0; /* lets string fields at the end be read safely */
    *type = hdr[0];
    *len = mlen;
    return 1;
}

/* ---- output ---- */

uint8_t *pg_out_reserve(pg_conn_t *c, size_t n)
{
    if (c->io_failed) {
        return NULL;
    }
    if (c->wlen + n > c->wcap) {
        size_t cap = c->wcap;
        while (cap < c->wlen + n) {
            cap *= 2;
        }
        uint8_t *nb = c->host->realloc(c->host, c->wbuf, cap);
        if (nb == NULL) {
            c->io_failed = 1;
            return NULL;
        }
        c->wbuf = nb;
        c->wcap = cap;
    }
    return c->wbuf + c->wlen;
}

int32_t pg_flush(pg_conn_t *c)
{
    if (c->io_failed) {
        return -1;
    }
    if (c->wlen == 0) {
        return 0;
    }
    int64_t w = c->tr.write(c->tr.ctx, c->wbuf, c->wlen);
    c->wlen = 0;
    if (w < 0) {
        c->io_failed = 1;
        return -1;
    }
    return 0;
}

void pg_out_raw(pg_conn_t *c, const void *p, size_t n)
{
    uint8_t *dst = pg_out_reserve(c, n);
    if (dst != NULL) {
        memcpy(dst, p, n);
        c->wlen += n;
    }
}

void pg_out_begin(pg_conn_t *c, uint8_t type)
{
    uint8_t *dst = pg_out_reserve(c, 5);
    if (dst == NULL) {
        return;
    }
    c->msg_start = c->wlen;
    dst[0] = type;
    c->wlen += 5;
}

void pg_out_byte(pg_conn_t *c, uint8_t v)
{
    pg_out_raw(c, &v, 1);
}

void pg_out_i16(pg_conn_t *c, int16_t v)
{
    uint8_t b[2] = {(uint8_t)((uint16_t)v >> 8), (uint8_t)v};
    pg_out_raw(c, b, 2);
}

void pg_out_i32(pg_conn_t *c, int32_t v)
{
    uint32_t u = (uint32_t)v;
    uint8_t b[4] = {(uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
    pg_out_raw(c, b, 4);
}

void pg_out_bytes(pg_conn_t *c, const void *p, size_t n)
{
    pg_out_raw(c, p, n);
}

void pg_out_str(pg_conn_t *c, const char *s)
{
    pg_out_raw(c, s, strlen(s) + 1);
}

void pg_out_end(pg_conn_t *c)
{
    if (c->io_failed) {
        return;
    }
    uint32_t len = (uint32_t)(c->wlen - c->msg_start - 1);
    uint8_t *p = c->wbuf + c->msg_start + 1;
    p[0] = (uint8_t)(len >> 24);
    p[1] = (uint8_t)(len >> 16);
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
    if (c->wlen >= PG_OUT_FLUSH_BYTES) {
        (void)pg_flush(c);
    }
}

/* ---- message body cursor ---- */

void pg_cur_init(pg_cursor_t *cur, const uint8_t *p, size_t len)
{
    cur->p = p;
    cur->len = len;
    cur->pos = 0;
    cur->bad = 0;
}

const char *pg_cur_str(pg_cursor_t *cur)
{
    if (cur->bad) {
        return NULL;
    }
    const uint8_t *start = cur->p + cur->pos;
    const uint8_t *nul = memchr(start, 0, cur->len - cur->pos);
    if (nul == NULL) {
        cur->bad = 1;
        return NULL;
    }
    cur->pos += (size_t)(nul - start) + 1;
    return (const char *)start;
}

const uint8_t *pg_cur_bytes(pg_cursor_t *cur, size_t n)
{
    if (cur->bad || cur->len - cur->pos < n) {
        cur->bad = 1;
        return NULL;
    }
    const uint8_t *p = cur->p + cur->pos;
    cur->pos += n;
    return p;
}

uint8_t pg_cur_byte(pg_cursor_t *cur)
{
    const uint8_t *p = pg_cur_bytes(cur, 1);
    return p == NULL ? 0 : p[0];
}

int16_t pg_cur_i16(pg_cursor_t *cur)
{
    const uint8_t *p = pg_cur_bytes(cur, 2);
    return p == NULL ? 0 : (int16_t)(((uint16_t)p[0] << 8) | p[1]);
}

int32_t pg_cur_i32(pg_cursor_t *cur)
{
    const uint8_t *p = pg_cur_bytes(cur, 4);
    return p == NULL ? 0 : (int32_t)pg_get_u32(p);
}
