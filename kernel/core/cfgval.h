/*
 * kernel/core/cfgval.h -- parsing config values with units, shared by the server config and
 * the plugins' static config schemas.
 *
 *   sizes      4096, 4k, 4KiB, 4kB (= 4096), 64M, 64MiB, 1G, 1GiB, 1T   (binary multiples)
 *   durations  250 (milliseconds), 250ms, 5s, 2min, 1h, 1d, 500us (rounded up to 1 ms)
 *   booleans   on/off, true/false, yes/no, 1/0
 *
 * On failure the functions return -1 and write a one-phrase reason ("expected a size such as
 * 64MiB") into `why`.
 */
#ifndef HELIOS_CORE_CFGVAL_H
#define HELIOS_CORE_CFGVAL_H

#include <stddef.h>
#include <stdint.h>

#include "helios/plugin.h"

int helios_cfg_parse_int(const char *s, int64_t *out, char *why, size_t cap);
int helios_cfg_parse_size(const char *s, int64_t *out, char *why, size_t cap);
int helios_cfg_parse_duration_ms(const char *s, int64_t *out, char *why, size_t cap);
int helios_cfg_parse_bool(const char *s, uint32_t *out, char *why, size_t cap);

/* Bytes the field of a HELIOS_CFG_* type occupies in a plugin's config struct (0: unknown). */
uint32_t helios_cfg_width(uint32_t type);
/* The name of a HELIOS_CFG_* type for messages ("size", "duration", ...). */
const char *helios_cfg_type_name(uint32_t type);
/* Parse `text` for key `k`, check bounds and enum names, store at base + k->offset (STRING:
   a strdup'ed copy, freeing what was there). Returns 0, or -1 with `why` set. */
int helios_cfg_store(const helios_config_key_t *k, const char *text, void *base, char *why,
                     size_t cap);
/* Free the STRING fields of a plugin config struct. */
void helios_cfg_free_strings(const helios_config_key_t *keys, uint32_t n, void *base);

/* Levenshtein distance, capped (for "did you mean"). */
size_t helios_edit_distance(const char *a, const char *b);

#endif /* HELIOS_CORE_CFGVAL_H */
