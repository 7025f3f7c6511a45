/*
 * util.c -- error helpers, growable buffers, CRC32C and the key hash of the LSM engine.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "storage/internal.h"

int32_t helios_storage_err_set(helios_err_t *err, int32_t code, const char *fmt, ...)
{
    if (err != NULL) {
        memset(err, 0, sizeof(*err));
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return code;
}

void helios_storage_err_copy(helios_err_t *dst, const helios_err_t *src)
{
    if (dst != NULL && src != NULL && dst != src) {
        memcpy(dst, src, sizeof(*dst));
    }
}

void helios_buf_free(helios_buf_t *b)
{
    if (b != NULL) {
        free(b->data);
        b->data = NULL;
        b->len = b->cap = 0;
    }
}

int32_t helios_buf_reserve(helios_buf_t *b, size_t extra)
{
    if (b->len + extra <= b->cap) {
        return 0;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra) {
        cap *= 2;
    }
    uint8_t *d = realloc(b->data, cap);
    if (d == NULL) {
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    b->data = d;
    b->cap = cap;
    return 0;
}

int32_t helios_buf_append(helios_buf_t *b, const void *p, size_t n)
{
    if (helios_buf_reserve(b, n) != 0) {
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    if (n > 0) {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
    return 0;
}

/* ---- CRC32C ---- */

static uint32_t crc32c_table[8][256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;
static int crc32c_hw;

static void crc32c_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        }
        crc32c_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        for (int t = 1; t < 8; t++) {
            uint32_t c = crc32c_table[t - 1][i];
            crc32c_table[t][i] = (c >> 8) ^ crc32c_table[0][c & 0xFF];
        }
    }
#if defined(__x86_64__)
    __builtin_cpu_init();
    crc32c_hw = __builtin_cpu_supports("sse4.2");
#endif
}

static uint32_t crc32c_sw(uint32_t crc, const uint8_t *p, size_t len)
{
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        v ^= crc;
        crc = crc32c_table[7][v & 0xFF] ^ crc32c_table[6][(v >> 8) & 0xFF] ^
              crc32c_table[5][(v >> 16) & 0xFF] ^ crc32c_table[4][(v >> 24) & 0xFF] ^
              crc32c_table[3][(v >> 32) & 0xFF] ^ crc32c_table[2][(v >> 40) & 0xFF] ^
              crc32c_table[1][(v >> 48) & 0xFF] ^ crc32c_table[0][v >> 56];
        p += 8;
        len -= 8;
    }
    while (len-- > 0) {
        crc = crc32c_table[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    }
    return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw_run(uint32_t crc, const uint8_t *p,
                                                                size_t len)
{
    uint64_t c = crc;
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
        p += 8;
        len -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (len-- > 0) {
        c32 = __builtin_ia32_crc32qi(c32, *p++);
    }
    return c32;
}
#endif

uint32_t helios_crc32c(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&crc32c_once, crc32c_init);
    crc = ~crc;
#if defined(__x86_64__)
    if (crc32c_hw) {
        return ~crc32c_hw_run(crc, data, len);
    }
#endif
    return ~crc32c_sw(crc, data, len);
}

/* Test hook: force the table implementation (1) or restore detection (0). */
void helios_crc32c_force_table(int on);
void helios_crc32c_force_table(int on)
{
    pthread_once(&crc32c_once, crc32c_init);
#if defined(__x86_64__)
    crc32c_hw = on ? 0 : __builtin_cpu_supports("sse4.2");
#endif
}

/* ---- hash: a 64-bit multiply-xorshift over 8-byte words (keys are short) ---- */
static inline uint64_t hash_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

uint64_t helios_hash64(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (len * 0xC2B2AE3D27D4EB4FULL);
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = (h ^ hash_mix(v)) * 0x9E3779B97F4A7C15ULL;
        h = (h << 31) | (h >> 33);
        p += 8;
        len -= 8;
    }
    uint64_t t = 0;
    for (size_t i = 0; i < len; i++) {
        t |= (uint64_t)p[i] << (8 * i);
    }
    h ^= hash_mix(t + len);
    return hash_mix(h);
}
