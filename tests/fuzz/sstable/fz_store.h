/*
 * fz_store.h -- shared by the on-disk format harnesses (tests/fuzz/sstable, wal, manifest).
 *
 * A store directory on the nvme tier (no fsync) with the lz4 codec, both loaded from the build
 * tree, and a template store built once per process: trees 1 (KV) and 2 (ROWS, three columns)
 * with entries flushed into SSTables (raw and lz4 blocks, KV blocks and hybrid-columnar units),
 * a manifest, and WAL records written after the last flush (batches, and DDL creating,
 * altering and dropping trees 3 and 4). A harness resets the directory to
 * the template with one file (or set of files) replaced by the fuzz input, opens the store and
 * reads everything it can.
 *
 * Inputs start with a flags byte: FZ_FIX_CRC asks the harness to recompute the checksums the
 * format carries, so mutations reach the parsers behind them; without it the bytes are written
 * as they are (the checksum paths themselves).
 */
#ifndef FZ_STORE_H
#define FZ_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "storage/internal.h"
#include "testenv.h"

#define FZ_FIX_CRC 0x01u

typedef struct fz_file {
    char name[128]; /* tier-relative: "MANIFEST", "wal/...", "sst/<tree>/<n>.sst" */
    uint8_t *data;
    size_t len;
} fz_file_t;

typedef struct fz_store {
    tenv_t env;       /* the tier and codec, rooted at env.dir */
    fz_file_t *files; /* the template's files */
    size_t n_files;
} fz_store_t;

/* The process-wide store, set up (template built) on first use; aborts when that fails. */
fz_store_t *fz_store(void);
/* Reset the directory to the template, leaving out every file whose name starts with `skip`
   (NULL: none). */
void fz_store_reset(fz_store_t *st, const char *skip);
/* Write a file under the store directory (creating parent directories). */
void fz_store_put(fz_store_t *st, const char *name, const uint8_t *data, size_t len);
/* Options for helios_lsm_open on the store (small memtable, the codec lookup set). */
void fz_store_options(fz_store_t *st, helios_lsm_options_t *o);
/* The codec lookup the store's options use (lz4 by id; raw is built in). */
const helios_codec_vtable_t *fz_codec_lookup(void *arg, uint32_t codec_id, void **inst);
/* Open the store, read every tree (forward, backward, seeks, gets), write one batch, close,
   and check that a second open succeeds when the first did. Aborts on a broken invariant
   (crash-free error paths are the harness's point; an error must carry a SQLSTATE). */
void fz_store_exercise(fz_store_t *st);
/* An error status must be > 0 with err->code == rc and a message. */
void fz_check_err(const char *what, int32_t rc, const helios_err_t *err);
/* Write every template file of `prefix` into `dir` as seed_<n> with the flags byte first
   (FZ_FIX_CRC). `join` (may be NULL) is written between files instead of one seed each. */
int fz_store_dump_seeds(fz_store_t *st, const char *prefix, const char *dir, const char *join);

#endif
