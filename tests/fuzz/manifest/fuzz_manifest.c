/*
 * fuzz_manifest.c -- libFuzzer harness for the MANIFEST reader (kernel/storage manifest.c):
 * the input (after its flags byte, see tests/fuzz/sstable/fz_store.h) replaces the template
 * store's MANIFEST (its SSTables and WAL stay), and the store is opened (trees and their
 * schemas created, the runs it names opened, orphans removed, the WAL replayed against those
 * trees), read, written to, closed and opened once more.
 *
 * With FZ_FIX_CRC the harness recomputes the file's trailing checksum, so mutations reach the
 * record parser. Expected: success or an error with a SQLSTATE (XX001, 58P01 for a run that is
 * not there); never a crash, a sanitizer report, a leak or a hang.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_store_t *st = fz_store();
    if (size < 1) {
        return 0;
    }
    uint8_t flags = data[0];
    size_t len = size - 1;
    uint8_t *buf = malloc(len + 1);
    if (buf == NULL) {
        return 0;
    }
    memcpy(buf, data + 1, len);
    if ((flags & FZ_FIX_CRC) && len >= 4) {
        helios_put_u32(buf + len - 4, helios_crc32c(0, buf, len - 4));
    }
    fz_store_reset(st, "MANIFEST");
    fz_store_put(st, "MANIFEST", buf, len);
    free(buf);
    fz_store_exercise(st);
    return 0;
}
