/*
 * kernel/storage/row.h -- the row format shared by the SQL layer and the storage engine.
 *
 * The SQL layer writes table rows into HELIOS_TREE_ROWS trees in this format; the storage
 * engine's hybrid-columnar block builder parses rows with the tree's column physical types
 * (HELIOS_PT_*), stores a compression unit of N rows column by column (each column chunk with
 * its own codec id and null bitmap), and rebuilds the same bytes on read.
 *
 *   row      := n_cols:u16le  nulls:ceil(n_cols/8) bytes (bit i set: column i is NULL, LSB first)
 *               value* (one per non-NULL column, in column order)
 *   value    := BOOL: 1 byte | INT16: 2 | INT32: 4 | INT64: 8 | FLOAT32: 4 | FLOAT64: 8 |
 *               FIXED16: 16  (all little endian)
 *             | VARLEN: len:u32le bytes[len]
 *
 * A row may have fewer columns than the tree's current schema (written before ALTER TABLE ADD
 * COLUMN): the missing trailing columns read as NULL (the SQL layer applies defaults).
 */
#ifndef HELIOS_ROW_H
#define HELIOS_ROW_H

#include <stddef.h>
#include <stdint.h>

#include "helios/codec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Width in bytes of a fixed physical type, 0 for VARLEN. */
uint32_t helios_pt_width(uint32_t phys_type);

/* A decoded view of one row: pointers into the row bytes. */
typedef struct helios_row_view {
    uint32_t n_cols;
    const uint8_t *nulls; /* into the row */
    const uint8_t *base;  /* the row bytes */
    uint32_t len;
} helios_row_view_t;

/* row_parse: validate `row` against the column types and fill offsets[i] / lens[i] for each of
   the first min(n_cols, row's n_cols) columns (offset 0 and len 0 for NULL). Returns 0, or
   HELIOS_ERR_DATA_CORRUPTED when the bytes do not match the types. */
int32_t helios_row_parse(const uint8_t *row, uint32_t len, uint32_t n_types,
                         const uint32_t *phys_types, uint32_t *offsets, uint32_t *lens,
                         uint32_t *n_cols_in_row);

#ifdef __cplusplus
}
#endif
#endif /* HELIOS_ROW_H */
