/*
 * fuzz_codec.c -- a fuzz harness for any byte-compressor codec, compiled together with the
 * codec's sources (so libFuzzer instruments them) and reaching it through its `helios_plugin`
 * descriptor and a fake host, as the server would.
 *
 * Input: 4 bytes little endian (the original length the caller claims, mod 1 MiB), then the
 * block. decompress must return 0 with exactly that length, XX001 or 53200, and never write
 * past the destination; the block bytes are also compressed and must round-trip exactly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_codec.h"
#include "helios/codec.h"
#include "helios/testing.h"

extern const helios_plugin_t helios_plugin;

static const helios_codec_vtable_t *fz_vt;
static void *fz_inst;

static void fz_fail(const char *what, size_t size)
{
    fprintf(stderr, "fuzz_codec: %s (input of %zu bytes)\n", what, size);
    abort(); /* a finding: libFuzzer saves the input */
}

static void fz_setup(void)
{
    helios_err_t err = HELIOS_ERR_INIT;
    void *config = NULL, *lib = NULL;
    if (fz_vt != NULL) {
        return;
    }
    /* lives until exit, like a loaded plugin */
    if (helios_test_plugin_config(&helios_plugin, NULL, &config, &err) != 0) {
        fz_fail(err.message, 0);
    }
    helios_host_t *host = helios_test_host_new(helios_plugin.name, NULL, config);
    const helios_codec_vtable_t *vt = helios_plugin.vtable;
    if (host == NULL || helios_test_plugin_init(&helios_plugin, host, config, &lib, &err) != 0 ||
        vt->create(lib, config, &fz_inst, &err) != 0) {
        fz_fail("cannot create the codec", 0);
    }
    fz_vt = vt;
}

int helios_fuzz_codec_seed(const void *src, size_t len, uint8_t **out, size_t *out_len)
{
    helios_err_t err = HELIOS_ERR_INIT;
    fz_setup();
    uint64_t bound = fz_vt->bound(fz_inst, len), n = 0;
    uint8_t *buf = malloc(4 + bound);
    if (buf == NULL || fz_vt->compress(fz_inst, src, len, buf + 4, bound, &n, &err) != 0) {
        free(buf);
        return -1;
    }
    uint32_t cap = (uint32_t)len;
    memcpy(buf, &cap, 4);
    *out = buf;
    *out_len = 4 + n;
    return 0;
}

int helios_fuzz_codec_one(const uint8_t *data, size_t size)
{
    enum { CANARY = 64 };
    helios_err_t err = HELIOS_ERR_INIT;
    fz_setup();
    if (size < 4) {
        return 0;
    }
    uint32_t cap = 0;
    memcpy(&cap, data, 4);
    cap &= (1u << 20) - 1;
    const uint8_t *src = data + 4;
    size_t n = size - 4;

    uint8_t *dst = malloc((size_t)cap + CANARY);
    if (dst == NULL) {
        return 0;
    }
    memset(dst + cap, 0xA5, CANARY);
    uint64_t got = 0;
    int32_t rc = fz_vt->decompress(fz_inst, src, n, dst, cap, &got, &err);
    for (size_t i = 0; i < CANARY; i++) {
        if (dst[cap + i] != 0xA5) {
            fz_fail("decompress wrote past dst_cap", size);
        }
    }
    if (rc == 0 && got != cap) {
        fz_fail("decompress succeeded with a different length", size);
    }
    if (rc != 0 && rc != HELIOS_ERR_DATA_CORRUPTED && rc != HELIOS_ERR_OUT_OF_MEMORY) {
        fz_fail("decompress returned neither 0, XX001 nor 53200", size);
    }
    free(dst);

    /* the block bytes as plain input: they must round-trip */
    uint64_t bound = fz_vt->bound(fz_inst, n), clen = 0;
    uint8_t *comp = malloc(bound + 1);
    uint8_t *back = malloc(n + 1);
    if (comp != NULL && back != NULL) {
        if (fz_vt->compress(fz_inst, src, n, comp, bound, &clen, &err) != 0) {
            fz_fail("compress failed", size);
        }
        if (clen > bound) {
            fz_fail("compress exceeded bound()", size);
        }
        if (fz_vt->decompress(fz_inst, comp, clen, back, n, &got, &err) != 0 || got != n ||
            (n > 0 && memcmp(back, src, n) != 0)) {
            fz_fail("round trip changed the bytes", size);
        }
    }
    free(comp);
    free(back);
    return 0;
}

#ifdef HELIOS_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return helios_fuzz_codec_one(data, size);
}
#endif
