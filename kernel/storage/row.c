/*
 * row.c -- parsing the row format of storage/row.h.
 */
#include "storage/row.h"

#include "helios/sqlstate.h"

uint32_t helios_pt_width(uint32_t phys_type)
{
    switch (phys_type) {
    case HELIOS_PT_BOOL:
        return 1;
    case HELIOS_PT_INT16:
        return 2;
    case HELIOS_PT_INT32:
    case HELIOS_PT_FLOAT32:
        return 4;
    case HELIOS_PT_INT64:
    case HELIOS_PT_FLOAT64:
        return 8;
    case HELIOS_PT_FIXED16:
        return 16;
    default:
        return 0;
    }
}

int32_t helios_row_parse(const uint8_t *row, uint32_t len, uint32_t n_types,
                         const uint32_t *phys_types, uint32_t *offsets, uint32_t *lens,
                         uint32_t *n_cols_in_row)
{
    if (len < 2) {
        return HELIOS_ERR_DATA_CORRUPTED;
    }
    uint32_t n_cols = (uint32_t)(row[0] | (row[1] << 8));
    uint32_t nb = (n_cols + 7) / 8;
    if (n_cols > n_types || 2u + nb > len) {
        return HELIOS_ERR_DATA_CORRUPTED;
    }
    const uint8_t *nulls = row + 2;
    uint32_t pos = 2 + nb;
    for (uint32_t i = 0; i < n_cols; i++) {
        if (nulls[i / 8] & (1u << (i % 8))) {
            offsets[i] = 0;
            lens[i] = 0;
            continue;
        }
        uint32_t w = helios_pt_width(phys_types[i]);
        if (phys_types[i] == HELIOS_PT_VARLEN) {
            if (len - pos < 4) {
                return HELIOS_ERR_DATA_CORRUPTED;
            }
            uint32_t vl = (uint32_t)row[pos] | ((uint32_t)row[pos + 1] << 8) |
                          ((uint32_t)row[pos + 2] << 16) | ((uint32_t)row[pos + 3] << 24);
            pos += 4;
            if (len - pos < vl) {
                return HELIOS_ERR_DATA_CORRUPTED;
            }
            offsets[i] = pos;
            lens[i] = vl;
            pos += vl;
        } else if (w == 0) {
            return HELIOS_ERR_DATA_CORRUPTED;
        } else {
            if (len - pos < w) {
                return HELIOS_ERR_DATA_CORRUPTED;
            }
            offsets[i] = pos;
            lens[i] = w;
            pos += w;
        }
    }
    if (pos != len) {
        return HELIOS_ERR_DATA_CORRUPTED;
    }
    *n_cols_in_row = n_cols;
    return 0;
}
