/*
 * fuzz_codec.h -- the codec fuzz harness's entry points (see fuzz_codec.c).
 */
#ifndef HELIOS_FUZZ_CODEC_H
#define HELIOS_FUZZ_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Run one input (4-byte claimed length + block) through the codec; aborts on a finding. */
int helios_fuzz_codec_one(const uint8_t *data, size_t size);
/* A valid input for `src`: its length and its compressed block (malloc'd into *out). */
int helios_fuzz_codec_seed(const void *src, size_t len, uint8_t **out, size_t *out_len);

#endif /* HELIOS_FUZZ_CODEC_H */
