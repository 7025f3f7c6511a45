/*
 * fuzz_store_seeds.c -- writes the on-disk format harnesses' seed corpora from the template
 * store (fz_store.c): every SSTable into SST_DIR, the WAL segments (joined by the WAL
 * harness's separator) into WAL_DIR, the MANIFEST into MANIFEST_DIR. Not a test; run by hand
 * after a format change:  fuzz_store_seeds SST_DIR WAL_DIR MANIFEST_DIR
 */
#include <stdio.h>

#include "fz_store.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s SST_DIR WAL_DIR MANIFEST_DIR\n", argv[0]);
        return 2;
    }
    fz_store_t *st = fz_store();
    int a = fz_store_dump_seeds(st, "sst/", argv[1], NULL);
    int b = fz_store_dump_seeds(st, "wal/", argv[2], "@@HELIOS-WAL-SEGMENT@@");
    int b1 = fz_store_dump_seeds(st, "wal/", argv[2], NULL);
    int c = fz_store_dump_seeds(st, "MANIFEST", argv[3], NULL);
    printf("%d SSTables, %d WAL segments, %d manifest\n", a, b, c);
    for (size_t i = 0; i < st->n_files; i++) {
        printf("  %s %zu bytes\n", st->files[i].name, st->files[i].len);
    }
    return a > 0 && b > 0 && b1 > 0 && c > 0 ? 0 : 1;
}
