/*
 * kernel/sql/tz.h -- time zones: a TZif (RFC 8536) reader, a POSIX TZ rule evaluator and a
 * process-wide cache of loaded zones, for timestamptz and the TimeZone setting.
 *
 * A zone is immutable once loaded and never freed (the cache holds every zone the process
 * used, as PostgreSQL's does), so a `const helios_tz_t *` stays valid for the life of the
 * process and may be shared by any number of threads. Times here are seconds since
 * 1970-01-01 00:00:00 UTC (Unix time); offsets are seconds EAST of Greenwich (UTC+5:30 is
 * +19800), the opposite of the POSIX TZ string's sign.
 */
#ifndef HELIOS_SQL_TZ_H
#define HELIOS_SQL_TZ_H

#include <stddef.h>
#include <stdint.h>

typedef struct helios_tz helios_tz_t;

/* the longest zone name accepted (PostgreSQL's TZ_STRLEN_MAX) */
#define TZ_NAME_MAX 255

/* tz_lookup: the zone of a TimeZone setting value, by the rules of PostgreSQL's pg_tzset: a
   file of the tz database (under $TZDIR, default /usr/share/zoneinfo; names match
   case-insensitively and come back with the file's spelling), else a POSIX TZ string
   ("UTC+3", "+02:00", "EST5EDT,M3.2.0,M11.1.0": the POSIX sign, west positive). NULL when the
   name is neither (or the file is not a valid TZif file, or has leap seconds). Thread-safe;
   the result is cached process-wide. */
const helios_tz_t *tz_lookup(const char *name);

/* tz_fixed: a zone of one constant offset (east positive, |off| < 24h), named as PostgreSQL
   names it, "<+05:30>-05:30". Thread-safe, cached. NULL when out of range. */
const helios_tz_t *tz_fixed(int32_t gmtoff);

/* tz_name: the canonical name (what SHOW TimeZone prints). */
const char *tz_name(const helios_tz_t *tz);

/* tz_utc: the zone "UTC" (never NULL; does not need the tz database). */
const helios_tz_t *tz_utc(void);

/* tz_offset_at: the offset in effect at instant t (Unix seconds), with its DST flag and
   abbreviation (both optional). */
int32_t tz_offset_at(const helios_tz_t *tz, int64_t t, int *isdst, const char **abbr);

/* tz_offset_local: the offset to subtract from a local wall-clock time (Unix seconds of that
   wall time read as UTC) to get the instant, with PostgreSQL's DetermineTimeZoneOffset rule
   for the hours a transition makes ambiguous (fall back: the later, standard reading) or
   skips (spring forward: the offset before the transition, so 02:30 becomes 03:30). */
int32_t tz_offset_local(const helios_tz_t *tz, int64_t local);

/* tz_next_transition: the first transition strictly after t (Unix seconds), with the offset
   before and after it. 0 when there is none (no DST, or rules ended), else 1. */
int tz_next_transition(const helios_tz_t *tz, int64_t t, int64_t *boundary, int32_t *before,
                       int32_t *after);

/* tz_parse_tzif: parse TZif data (versions 1-4) into a new zone named `name`; the POSIX TZ
   footer of v2+ data governs instants after the last transition. Returns 0 and *out (free
   it with tz_free; zones from tz_lookup are never freed), or -1 on malformed or unsupported
   data (leap seconds, more than 65536 transitions or 256 types). Never reads outside
   buf[0..n). */
int tz_parse_tzif(const uint8_t *buf, size_t n, const char *name, helios_tz_t **out);

/* tz_parse_posix: a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3", "<+0330>-3:30") into a
   new zone; -1 when invalid. Empty standard names are allowed, as PostgreSQL allows them. */
int tz_parse_posix(const char *s, const char *name, helios_tz_t **out);

void tz_free(helios_tz_t *tz);

/* tz_abbrev: a time zone abbreviation of timestamp input ("EST", "CEST", "Z", "UTC"...),
   case-insensitive, with PostgreSQL's default meaning: 0 and *gmtoff (east) or -1. */
int tz_abbrev(const char *s, size_t n, int32_t *gmtoff);

/* tz_abbrev_nth: the i-th abbreviation of that set (sorted): 0, or -1 past the end. */
int tz_abbrev_nth(size_t i, const char **abbrev, int32_t *gmtoff, int *isdst);

/* tz_enum_zones: fn for every zone file of the tz database (the TZif files under $TZDIR,
   leap-second zones left out), in name order; loads (and caches) each. For
   pg_timezone_names. */
void tz_enum_zones(void (*fn)(void *ctx, const helios_tz_t *tz), void *ctx);

/* ---- the session's zone, per thread ---- */
/* The SQL engine sets the running session's zone before parsing, binding, executing or
   formatting on a thread (tz_set_current), and the date/time code reads it (NULL: UTC). */
void tz_set_current(const helios_tz_t *tz);
const helios_tz_t *tz_current(void);

/* ---- civil calendar helpers (proleptic Gregorian) ---- */
int64_t tz_days_from_civil(int64_t y, int m, int d);
void tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

#endif /* HELIOS_SQL_TZ_H */
