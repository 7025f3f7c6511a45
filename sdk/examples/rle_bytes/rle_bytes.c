/*
 * rle_bytes.c -- an example third-party codec plugin: run-length encoding of bytes.
 *
 * Small on purpose, but real: it round-trips any input, checks every byte it decodes, and
 * passes the SDK's codec conformance suite. Copy this folder to start a plugin and follow the
 * numbered steps (docs/plugin-guide.md walks through them).
 *
 * Block format (format_version 1), all integers little endian:
 *   u32  FNV-1a hash of the original bytes (so a damaged block is refused, not half-decoded)
 *   then a sequence of items:
 *     c in 0 .. 127    a literal: the next c + 1 bytes are copied
 *     c in 128 .. 255  a run: the next byte repeated c - 128 + 3 times (3 .. 130)
 *   An empty input encodes as the 4-byte hash alone.
 */

/* Step 1. Include only the SDK headers (never kernel headers). */
#include <stdint.h>
#include <string.h>

#include "helios/codec.h"
#include "helios/plugin.h"

/* Step 2. Pick a codec id >= HELIOS_CODEC_ID_USER_MIN that nobody else uses (it is written into
   every block: never reuse or change it), and a format version to bump when the encoding
   changes. */
#define RLE_BYTES_CODEC_ID (HELIOS_CODEC_ID_USER_MIN + 1u)
#define RLE_BYTES_FORMAT 1u

#define RLE_BYTES_HDR 4u
#define RLE_BYTES_MAX_LITERAL 128u
#define RLE_BYTES_MIN_RUN 3u
#define RLE_BYTES_MAX_RUN 130u

/* Step 3. The config struct and its static schema: the kernel (or the fake host in tests)
   parses `plugins: {rle_bytes: {...}}` against the schema and hands you the filled struct. Only
   fixed-width fields: int64_t for INT/SIZE/DURATION, uint32_t for BOOL/ENUM, char * for STRING.
 */
typedef struct rle_bytes_config {
    int64_t min_run; /* shortest repeat worth encoding as a run */
} rle_bytes_config_t;

static const helios_config_key_t rle_bytes_keys[] = {
    HELIOS_CONFIG_KEY_RANGE(HELIOS_CFG_INT, "min_run", rle_bytes_config_t, min_run,
                            RLE_BYTES_MIN_RUN, RLE_BYTES_MAX_RUN, .default_text = "3",
                            .help = "shortest repeat (bytes) encoded as a run, 3 .. 130"),
};

/* Step 4. Library state: what init() returns and fini() frees. Keep the host pointer: it is
   how the plugin allocates, logs and reports errors. No mutable globals. */
typedef struct rle_bytes_lib {
    const helios_host_t *host;
} rle_bytes_lib_t;

static int32_t rle_bytes_init(const helios_host_t *host, const void *config, void **lib_state,
                              helios_err_t *err)
{
    rle_bytes_lib_t *lib = host->calloc(host, 1, sizeof(*lib));
    if (lib == NULL) {
        return host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    lib->host = host;
    *lib_state = lib;
    return 0;
}

static void rle_bytes_fini(void *lib_state)
{
    rle_bytes_lib_t *lib = lib_state;
    lib->host->free(lib->host, lib);
}

/* Step 5. Instances: create validates and allocates (no other side effects, *inst untouched on
   failure); destroy frees. All members taking `inst` may run concurrently: this codec keeps no
   per-call state in the instance, so it needs no lock. */
typedef struct rle_bytes {
    rle_bytes_lib_t *lib;
    uint32_t min_run;
} rle_bytes_t;

static int32_t rle_bytes_create(void *lib_state, const void *config, void **inst, helios_err_t *err)
{
    rle_bytes_lib_t *lib = lib_state;
    const rle_bytes_config_t *cfg = config;
    int64_t min_run = cfg != NULL ? cfg->min_run : RLE_BYTES_MIN_RUN;
    if (min_run < RLE_BYTES_MIN_RUN || min_run > RLE_BYTES_MAX_RUN) {
        return lib->host->err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                  "rle_bytes min_run %lld is out of range [3, 130]",
                                  (long long)min_run);
    }
    rle_bytes_t *r = lib->host->calloc(lib->host, 1, sizeof(*r));
    if (r == NULL) {
        return lib->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    r->lib = lib;
    r->min_run = (uint32_t)min_run;
    *inst = r;
    return 0;
}

static void rle_bytes_destroy(void *inst)
{
    rle_bytes_t *r = inst;
    r->lib->host->free(r->lib->host, r);
}

/* Step 6. The kind's members. Read their contracts in helios/codec.h: bound() is an upper
   limit, compress() may assume dst_cap >= bound(), decompress() gets the exact original length
   and must refuse malformed input with XX001 without writing past dst_cap. */
static uint32_t rle_bytes_hash(const uint8_t *p, uint64_t n)
{
    uint32_t h = 2166136261u;
    for (uint64_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

static uint64_t rle_bytes_bound(void *inst, uint64_t src_len)
{
    /* worst case: all literals, one control byte per 128 */
    return RLE_BYTES_HDR + src_len + (src_len + RLE_BYTES_MAX_LITERAL - 1) / RLE_BYTES_MAX_LITERAL;
}

static int32_t rle_bytes_compress(void *inst, const void *src, uint64_t src_len, void *dst,
                                  uint64_t dst_cap, uint64_t *dst_len, helios_err_t *err)
{
    rle_bytes_t *r = inst;
    const uint8_t *s = src;
    uint8_t *d = dst;
    uint64_t i = 0, o = RLE_BYTES_HDR, lit_start = 0;
    if (dst_cap < rle_bytes_bound(inst, src_len)) {
        return r->lib->host->err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                     "rle_bytes needs %llu bytes of output, got %llu",
                                     (unsigned long long)rle_bytes_bound(inst, src_len),
                                     (unsigned long long)dst_cap);
    }
    uint32_t h = rle_bytes_hash(s, src_len);
    memcpy(d, &h, sizeof(h)); /* little endian hosts only: the build signature says so */
    while (i <= src_len) {
        uint64_t run = 1;
        while (i < src_len && i + run < src_len && s[i + run] == s[i] && run < RLE_BYTES_MAX_RUN) {
            run++;
        }
        int flush = i == src_len || run >= r->min_run || i - lit_start == RLE_BYTES_MAX_LITERAL;
        if (flush) {
            /* pending literals, in chunks of at most 128 */
            while (lit_start < i) {
                uint64_t n = i - lit_start;
                n = n > RLE_BYTES_MAX_LITERAL ? RLE_BYTES_MAX_LITERAL : n;
                d[o++] = (uint8_t)(n - 1);
                memcpy(d + o, s + lit_start, n);
                o += n;
                lit_start += n;
            }
        }
        if (i == src_len) {
            break;
        }
        if (run >= r->min_run) {
            d[o++] = (uint8_t)(128 + run - RLE_BYTES_MIN_RUN);
            d[o++] = s[i];
            i += run;
            lit_start = i;
        } else {
            i++;
        }
    }
    *dst_len = o;
    return 0;
}

static int32_t rle_bytes_corrupt(const rle_bytes_t *r, helios_err_t *err, const char *why)
{
    return r->lib->host->err_set(err, HELIOS_ERR_DATA_CORRUPTED, "rle_bytes block is corrupt: %s",
                                 why);
}

static int32_t rle_bytes_decompress(void *inst, const void *src, uint64_t src_len, void *dst,
                                    uint64_t dst_cap, uint64_t *dst_len, helios_err_t *err)
{
    rle_bytes_t *r = inst;
    const uint8_t *s = src;
    uint8_t *d = dst;
    uint64_t i = RLE_BYTES_HDR, o = 0;
    uint32_t want = 0;
    if (src_len < RLE_BYTES_HDR) {
        return rle_bytes_corrupt(r, err, "shorter than its header");
    }
    memcpy(&want, s, sizeof(want));
    while (i < src_len) {
        uint8_t c = s[i++];
        if (c < 128) {
            uint64_t n = (uint64_t)c + 1;
            if (n > src_len - i || n > dst_cap - o) {
                return rle_bytes_corrupt(r, err, "a literal runs past the end");
            }
            memcpy(d + o, s + i, n);
            i += n;
            o += n;
        } else {
            uint64_t n = (uint64_t)c - 128 + RLE_BYTES_MIN_RUN;
            if (i >= src_len || n > dst_cap - o) {
                return rle_bytes_corrupt(r, err, "a run runs past the end");
            }
            memset(d + o, s[i++], n);
            o += n;
        }
    }
    if (o != dst_cap) {
        return rle_bytes_corrupt(r, err, "it decodes to a different length");
    }
    if (rle_bytes_hash(d, o) != want) {
        return rle_bytes_corrupt(r, err, "hash mismatch");
    }
    *dst_len = o;
    return 0;
}

static int32_t rle_bytes_control(void *inst, uint32_t op, void *arg, helios_err_t *err)
{
    return HELIOS_DECLINED; /* no experiments: say "not mine" to every op */
}

/* Step 7. The vtable: static const, `size` first, members by name (unset ones stay NULL). */
static const helios_codec_vtable_t rle_bytes_vtable = {
    .size = sizeof(helios_codec_vtable_t),
    .caps = HELIOS_CODEC_CAP_BYTES,
    .codec_id = RLE_BYTES_CODEC_ID,
    .format_version = RLE_BYTES_FORMAT,
    .create = rle_bytes_create,
    .destroy = rle_bytes_destroy,
    .bound = rle_bytes_bound,
    .compress = rle_bytes_compress,
    .decompress = rle_bytes_decompress,
    .control = rle_bytes_control,
};

/* Step 8. The descriptor: the one exported symbol. HELIOS_PLUGIN fills magic, size, ABI version
   and build signature; you give kind, name (also the config key under `plugins:`), version,
   vtable, schema, init and fini. */
HELIOS_PLUGIN(.kind = HELIOS_KIND_CODEC, .name = "rle_bytes", .version = "1.0.0",
              .description = "example: run-length byte codec (SDK example, codec id 1025)",
              .vtable = &rle_bytes_vtable, .config_keys = rle_bytes_keys,
              .n_config_keys = sizeof(rle_bytes_keys) / sizeof(rle_bytes_keys[0]),
              .config_size = sizeof(rle_bytes_config_t), .init = rle_bytes_init,
              .fini = rle_bytes_fini);
