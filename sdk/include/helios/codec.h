/*
 * helios/codec.h -- codecs: byte compressors and column encoders.
 *
 * A codec has a stable numeric on-disk id (`codec_id`, never reused) and a `format_version`;
 * both are written into every block or column chunk header it produces, and a reader refuses a
 * chunk whose id is not loaded or whose version is newer than the loaded codec's.
 *
 * Two families, told apart by caps:
 *   HELIOS_CODEC_CAP_BYTES   compress/decompress opaque byte buffers (zstd, lz4);
 *   HELIOS_CODEC_CAP_COLUMN  encode/decode typed vectors with a null bitmap (dict, delta, rle,
 *                            for, bitpack, nullsup); `estimate` lets the adaptive selector pick.
 * All members taking `inst` may be called concurrently from any thread.
 */
#ifndef HELIOS_CODEC_H
#define HELIOS_CODEC_H

#include <stdint.h>

#include "helios/host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HELIOS_CODEC_CAP_BYTES 0x1u
#define HELIOS_CODEC_CAP_COLUMN 0x2u

/* Reserved codec ids. 0 means "stored raw" and is never a plugin. */
#define HELIOS_CODEC_ID_RAW 0u
#define HELIOS_CODEC_ID_ZSTD 1u
#define HELIOS_CODEC_ID_LZ4 2u
#define HELIOS_CODEC_ID_DICT 16u
#define HELIOS_CODEC_ID_DELTA 17u
#define HELIOS_CODEC_ID_RLE 18u
#define HELIOS_CODEC_ID_FOR 19u
#define HELIOS_CODEC_ID_BITPACK 20u
#define HELIOS_CODEC_ID_NULLSUP 21u
/* Third-party codecs use ids >= 1024. */
#define HELIOS_CODEC_ID_USER_MIN 1024u

/* Physical types of column vectors (uint32_t). */
#define HELIOS_PT_BOOL 1u    /* uint8_t per value, 0/1 */
#define HELIOS_PT_INT16 2u   /* int16_t */
#define HELIOS_PT_INT32 3u   /* int32_t */
#define HELIOS_PT_INT64 4u   /* int64_t */
#define HELIOS_PT_FLOAT32 5u /* float */
#define HELIOS_PT_FLOAT64 6u /* double */
#define HELIOS_PT_VARLEN 7u  /* offsets[n_rows + 1] into data */
#define HELIOS_PT_FIXED16 8u /* 16 bytes per value (uuid, interval, 128-bit numeric) */

/*
 * A column vector. `nulls` is a bitmap, bit i set means row i is NULL (LSB first); NULL pointer
 * means no NULLs. The value slot of a NULL row is present and ignored. For HELIOS_PT_VARLEN,
 * `offsets` has n_rows + 1 entries and value i is data[offsets[i] .. offsets[i+1]).
 */
typedef struct helios_vector {
    uint32_t size;      /* sizeof(helios_vector_t) */
    uint32_t phys_type; /* HELIOS_PT_* */
    uint32_t n_rows;
    uint32_t reserved;
    uint8_t *nulls;    /* (n_rows + 7) / 8 bytes, or NULL */
    void *values;      /* fixed-width values, n_rows * width */
    uint32_t *offsets; /* VARLEN only */
    uint8_t *data;     /* VARLEN only */
    uint64_t data_len; /* VARLEN only: bytes in data */
} helios_vector_t;

typedef struct helios_codec_vtable {
    uint32_t size;           /* sizeof(helios_codec_vtable_t) at the plugin's build */
    uint32_t caps;           /* HELIOS_CODEC_CAP_* */
    uint32_t codec_id;       /* stable on-disk id, see above */
    uint32_t format_version; /* bumped when the encoding changes; readers refuse newer */

    /* create: one instance per use (the kernel usually makes one). No side effects. */
    int32_t (*create)(void *lib_state, const void *config, void **inst, helios_err_t *err);
    void (*destroy)(void *inst);

    /* ---- byte compressors (CAP_BYTES) ---- */
    /* bound: the largest output compress may produce for src_len input bytes. */
    uint64_t (*bound)(void *inst, uint64_t src_len);
    /* compress: into dst (dst_cap >= bound(src_len)); sets *dst_len. */
    int32_t (*compress)(void *inst, const void *src, uint64_t src_len, void *dst, uint64_t dst_cap,
                        uint64_t *dst_len, helios_err_t *err);
    /* decompress: dst_cap is the exact original length (kept by the caller); sets *dst_len.
       Malformed input is HELIOS_ERR_DATA_CORRUPTED, never a crash or an overrun. */
    int32_t (*decompress)(void *inst, const void *src, uint64_t src_len, void *dst,
                          uint64_t dst_cap, uint64_t *dst_len, helios_err_t *err);

    /* ---- column encoders (CAP_COLUMN) ---- */
    /* estimate: encoded size of `v` in bytes; HELIOS_DECLINED if this codec cannot encode it. */
    int32_t (*estimate)(void *inst, const helios_vector_t *v, uint64_t *size_bytes);
    /* encode: `v` into dst; HELIOS_AGAIN with *dst_len = needed when dst_cap is too small. */
    int32_t (*encode)(void *inst, const helios_vector_t *v, void *dst, uint64_t dst_cap,
                      uint64_t *dst_len, helios_err_t *err);
    /* decode: into `out`, whose phys_type and n_rows are set by the caller and whose buffers
       the caller allocated (values: n_rows * width; VARLEN: offsets, and data of data_len
       bytes, recorded by the caller at encode time). */
    int32_t (*decode)(void *inst, const void *src, uint64_t src_len, helios_vector_t *out,
                      helios_err_t *err);

    int32_t (*control)(void *inst, uint32_t op, void *arg, helios_err_t *err);
    /* ---- ABI 1.0 ends here ---- */
} helios_codec_vtable_t;

#ifdef __cplusplus
}
#endif
#endif /* HELIOS_CODEC_H */
