/*
 * bloom.c -- per-SSTable bloom filters over user keys (double hashing on one 64-bit hash).
 */
#include <stdlib.h>

#include "storage/internal.h"

int32_t helios_bloom_add(helios_bloom_builder_t *b, const uint8_t *k, uint32_t klen)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        uint64_t *nh = realloc(b->hashes, cap * sizeof(*nh));
        if (nh == NULL) {
            return HELIOS_ERR_OUT_OF_MEMORY;
        }
        b->hashes = nh;
        b->cap = cap;
    }
    b->hashes[b->n++] = helios_hash64(k, klen);
    return 0;
}

int32_t helios_bloom_finish(helios_bloom_builder_t *b, helios_buf_t *out)
{
    uint32_t bpk = b->bits_per_key ? b->bits_per_key : 10;
    uint64_t nbits = (uint64_t)b->n * bpk;
    if (nbits < 64) {
        nbits = 64;
    }
    uint64_t nbytes = (nbits + 7) / 8;
    nbits = nbytes * 8;
    uint32_t k = (uint32_t)(bpk * 69 / 100); /* ln 2 */
    if (k < 1) {
        k = 1;
    }
    if (k > 30) {
        k = 30;
    }
    if (helios_buf_reserve(out, nbytes + 1) != 0) {
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    uint8_t *bits = out->data + out->len;
    memset(bits, 0, nbytes);
    for (size_t i = 0; i < b->n; i++) {
        uint64_t h = b->hashes[i];
        uint64_t delta = (h >> 33) | (h << 31);
        for (uint32_t j = 0; j < k; j++) {
            uint64_t pos = h % nbits;
            bits[pos / 8] |= (uint8_t)(1u << (pos % 8));
            h += delta;
        }
    }
    bits[nbytes] = (uint8_t)k;
    out->len += nbytes + 1;
    helios_bloom_builder_free(b);
    return 0;
}

void helios_bloom_builder_free(helios_bloom_builder_t *b)
{
    free(b->hashes);
    b->hashes = NULL;
    b->n = b->cap = 0;
}

int helios_bloom_may_contain(const uint8_t *filter, size_t len, uint64_t hash)
{
    if (len < 2) {
        return 1;
    }
    uint32_t k = filter[len - 1];
    if (k < 1 || k > 30) {
        return 1;
    }
    uint64_t nbits = (uint64_t)(len - 1) * 8;
    uint64_t h = hash;
    uint64_t delta = (h >> 33) | (h << 31);
    for (uint32_t j = 0; j < k; j++) {
        uint64_t pos = h % nbits;
        if ((filter[pos / 8] & (1u << (pos % 8))) == 0) {
            return 0;
        }
        h += delta;
    }
    return 1;
}
