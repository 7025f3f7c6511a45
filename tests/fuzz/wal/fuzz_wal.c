/*
 * fuzz_wal.c -- libFuzzer harness for WAL recovery (kernel/storage wal.c and the batch decoder
 * replaying records into memtables, commit.c): the input (after its flags byte, see
 * tests/fuzz/sstable/fz_store.h) is split at each FZ_WAL_SEP into up to 8 WAL segments
 * wal/0000000000000001.wal, ... (format 2: 32-byte headers naming their segment); with flag
 * 0x04 they are format-1 segments wal/...1.log (20-byte headers, stores written before format
 * 2). They replace the template store's WAL (its manifest and SSTables stay), and the store is
 * opened (recovery), read, written to, closed and opened once more (what recovery accepted and
 * repaired must open again). Writes after recovery go to preallocated segments.
 *
 * Flag 0x02 removes the template's MANIFEST first, so every record is replayed (the DDL
 * records creating, altering and dropping trees too; the manifest covers those otherwise).
 * With FZ_FIX_CRC the harness recomputes each record's checksums (format 2: and stamps the
 * segment's number), walking the records by their length fields, so mutations of lengths,
 * sequence numbers and payloads reach the replay; a record of zero length and count ends the
 * walk (the zero blocks of a preallocated segment stay zero).
 * Expected: success or an error with a SQLSTATE (XX001, XX002 WAL corruption); never a crash,
 * a sanitizer report, a leak or a hang.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fz_store.h"
#include "storage/wal.h"

#define FZ_WAL_SEP "@@HELIOS-WAL-SEGMENT@@"
#define FZ_WAL_MAX_SEGS 8
#define FZ_WAL_NO_MANIFEST 0x02u /* flags: open without the template's MANIFEST */
#define FZ_WAL_LEGACY 0x04u      /* flags: format-1 segments (".log") */

static void fz_fix_wal(uint8_t *p, size_t len, uint64_t segno, int legacy)
{
    size_t off = 0, hl = legacy ? HELIOS_WAL_HDR_V1 : HELIOS_WAL_HDR;
    while (len - off >= hl) {
        uint32_t l = helios_get_u32(p + off + 4);
        if (l > len - off - hl || (l == 0 && helios_get_u32(p + off + 16) == 0)) {
            break;
        }
        if (legacy) {
            uint32_t crc = helios_crc32c(0, p + off + 4, HELIOS_WAL_HDR_V1 - 4);
            crc = helios_crc32c(crc, p + off + HELIOS_WAL_HDR_V1, l);
            helios_put_u32(p + off, crc);
        } else {
            helios_put_u32(p + off + 28, helios_crc32c(0, p + off + HELIOS_WAL_HDR, l));
            helios_wal_seal_hdr(p + off, segno);
        }
        off += hl + l;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_store_t *st = fz_store();
    if (size < 1) {
        return 0;
    }
    uint8_t flags = data[0];
    uint8_t *buf = malloc(size);
    if (buf == NULL) {
        return 0;
    }
    memcpy(buf, data + 1, size - 1);
    size_t len = size - 1, sl = strlen(FZ_WAL_SEP);
    fz_store_reset(st, "wal/");
    if (flags & FZ_WAL_NO_MANIFEST) {
        /* a store whose manifest is gone: every record (DDL too) is replayed */
        char path[300];
        snprintf(path, sizeof(path), "%s/MANIFEST", st->env.dir);
        unlink(path);
    }
    uint8_t *seg = buf;
    for (uint32_t n = 1; n <= FZ_WAL_MAX_SEGS; n++) {
        size_t rest = len - (size_t)(seg - buf);
        uint8_t *sep = n < FZ_WAL_MAX_SEGS ? memmem(seg, rest, FZ_WAL_SEP, sl) : NULL;
        size_t seg_len = sep != NULL ? (size_t)(sep - seg) : rest;
        int legacy = (flags & FZ_WAL_LEGACY) != 0;
        if (flags & FZ_FIX_CRC) {
            fz_fix_wal(seg, seg_len, n, legacy);
        }
        char name[64];
        snprintf(name, sizeof(name), "wal/%016x.%s", n, legacy ? "log" : "wal");
        fz_store_put(st, name, seg, seg_len);
        if (sep == NULL) {
            break;
        }
        seg = sep + sl;
    }
    free(buf);
    fz_store_exercise(st);
    return 0;
}
