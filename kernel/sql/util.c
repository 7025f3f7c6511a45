/* kernel/sql/util.c -- arenas, growable strings, error filling, hashing. */
#include <stdio.h>
#include <stdlib.h>

#include "sql/sqlint.h"

#define AR_BLK 8192

void *ar_alloc(arena_t *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    arena_blk_t *b = a->head;
    if (b == NULL || b->used + n > b->cap) {
        size_t cap = n > AR_BLK ? n : AR_BLK;
        if (b != NULL && b->cap * 2 > cap && b->cap < (1u << 20)) {
            cap = b->cap * 2 > n ? b->cap * 2 : n;
        }
        arena_blk_t *nb = malloc(sizeof(arena_blk_t) + cap);
        if (nb == NULL) {
            abort(); /* kernel allocation failure: nothing sane to do here */
        }
        nb->cap = cap;
        nb->used = 0;
        nb->next = a->head;
        a->head = nb;
        a->total += cap;
        if (a->limit != 0 && a->total > a->limit) {
            a->over = 1;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

void *ar_zalloc(arena_t *a, size_t n)
{
    void *p = ar_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *ar_strndup(arena_t *a, const char *s, size_t n)
{
    char *p = ar_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *ar_strdup(arena_t *a, const char *s)
{
    return ar_strndup(a, s, strlen(s));
}

char *ar_printf(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < (int)sizeof tmp) {
        return ar_strndup(a, tmp, (size_t)n);
    }
    char *p = ar_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

struct arena_defer {
    struct arena_defer *next;
    void (*fn)(void *);
    void *arg;
};

int32_t ar_defer(arena_t *a, void (*fn)(void *), void *arg)
{
    arena_defer_t *d = malloc(sizeof(*d));
    if (d == NULL) {
        fn(arg);
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    d->fn = fn;
    d->arg = arg;
    d->next = a->defer;
    a->defer = d;
    return 0;
}

static void ar_run_defers(arena_t *a)
{
    while (a->defer != NULL) {
        arena_defer_t *d = a->defer;
        a->defer = d->next;
        d->fn(d->arg);
        free(d);
    }
}

void ar_reset(arena_t *a)
{
    ar_run_defers(a);
    /* keep the first (newest, largest) block to avoid malloc churn on hot paths */
    arena_blk_t *b = a->head;
    if (b == NULL) {
        return;
    }
    arena_blk_t *rest = b->next;
    while (rest != NULL) {
        arena_blk_t *n = rest->next;
        free(rest);
        rest = n;
    }
    if (b->cap > (4u << 20)) {
        free(b);
        a->head = NULL;
        a->total = 0;
    } else {
        b->next = NULL;
        b->used = 0;
        a->total = b->cap;
    }
    a->over = 0;
}

void ar_free(arena_t *a)
{
    ar_run_defers(a);
    arena_blk_t *b = a->head;
    while (b != NULL) {
        arena_blk_t *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->total = 0;
    a->over = 0;
}

static void sb_grow(sbuf_t *b, size_t need)
{
    if (b->len + need + 1 <= b->cap) {
        return;
    }
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->len + need + 1) {
        cap *= 2;
    }
    char *d = realloc(b->d, cap);
    if (d == NULL) {
        abort();
    }
    b->d = d;
    b->cap = cap;
}

void sb_putn(sbuf_t *b, const char *s, size_t n)
{
    sb_grow(b, n);
    memcpy(b->d + b->len, s, n);
    b->len += n;
    b->d[b->len] = '\0';
}

void sb_puts(sbuf_t *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

void sb_putc(sbuf_t *b, char c)
{
    sb_grow(b, 1);
    b->d[b->len++] = c;
    b->d[b->len] = '\0';
}

void sb_printf(sbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < (int)sizeof tmp) {
        sb_putn(b, tmp, (size_t)n);
        return;
    }
    sb_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->d + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_free(sbuf_t *b)
{
    free(b->d);
    b->d = NULL;
    b->len = b->cap = 0;
}

int32_t sql_err(helios_err_t *err, int32_t code, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        err->severity = HELIOS_SEV_ERROR;
        err->position = 0;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        err->detail[0] = '\0';
        err->hint[0] = '\0';
        va_end(ap);
    }
    return code;
}

void sql_err_detail(helios_err_t *err, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->detail, sizeof err->detail, fmt, ap);
        va_end(ap);
    }
}

void sql_err_hint(helios_err_t *err, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->hint, sizeof err->hint, fmt, ap);
        va_end(ap);
    }
}

uint64_t hash_bytes(const void *p, size_t n)
{
    /* FNV-1a, then a final mix */
    const uint8_t *b = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}
