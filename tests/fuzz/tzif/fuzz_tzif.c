/*
 * fuzz_tzif.c -- kernel/sql/tz.c's parsers of untrusted bytes: input starting with "TZif" is a
 * zone file (tz_parse_tzif), anything else a POSIX TZ string (tz_parse_posix, the TimeZone
 * setting's fallback). A zone that parses is then evaluated: offsets at and around every
 * transition, across the footer rule's years, PostgreSQL's local-time resolution, and a walk
 * over next transitions. Invariants: no crash or overread (ASan), offsets within a week,
 * transitions strictly increasing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sql/tz.h"

static void check(int ok)
{
    if (!ok)
        abort();
}

static void exercise(const helios_tz_t *tz)
{
    static const int64_t probes[] = {
        INT64_MIN / 4, -6000000000LL, -2208988800LL, -1,           0, 1, 946684800LL,
        1710054000LL,  4102444800LL,  13000000000LL, INT64_MAX / 4};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        int dst;
        const char *ab;
        int32_t off = tz_offset_at(tz, probes[i], &dst, &ab);
        check(off > -7 * 86400 && off < 7 * 86400 && ab != NULL);
        int32_t lo = tz_offset_local(tz, probes[i]);
        check(lo > -7 * 86400 && lo < 7 * 86400);
    }
    /* walk transitions from 1800 to 2300 (bounded) */
    int64_t t = -5364662400LL;
    for (int k = 0; k < 2000 && t < 10413792000LL; k++) {
        int64_t b;
        int32_t before, after;
        if (tz_next_transition(tz, t, &b, &before, &after) != 1)
            break;
        check(b > t);
        tz_offset_at(tz, b - 1, NULL, NULL);
        tz_offset_at(tz, b, NULL, NULL);
        tz_offset_local(tz, b + after);
        tz_offset_local(tz, b + before);
        t = b;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    helios_tz_t *tz = NULL;
    if (size >= 4 && memcmp(data, "TZif", 4) == 0) {
        /* an exact-size copy, so reading past the end is an ASan error */
        uint8_t *buf = malloc(size);
        if (buf == NULL)
            return 0;
        memcpy(buf, data, size);
        if (tz_parse_tzif(buf, size, "fuzz", &tz) == 0)
            exercise(tz);
        free(buf);
    } else {
        char s[300];
        size_t n = size < sizeof s - 1 ? size : sizeof s - 1;
        memcpy(s, data, n);
        s[n] = '\0';
        if (tz_parse_posix(s, NULL, &tz) == 0)
            exercise(tz);
    }
    tz_free(tz);
    return 0;
}
