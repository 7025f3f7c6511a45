/* tests/tz/test_tz.c -- kernel/sql/tz.c alone: known transitions of real zones (New York's
 * 2024 DST changes, London's 1968-71 British Standard Time, Kolkata's history, Lord Howe's
 * half-hour DST, Apia's skipped 2011-12-30), the POSIX TZ rule evaluator (US, southern
 * hemisphere, Julian days, negative and >24h change times), PostgreSQL's resolution of
 * skipped and repeated local times, names and the cache; then every offset agrees with
 * glibc's localtime_r (its own TZif reader over the same tzdata) for 30 zones at 20000
 * random instants each from 1850 to 2250, and truncated or corrupted files are refused
 * without reading out of bounds. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sql/tz.h"

static int failures, checks;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

/* Unix seconds of a UTC civil time */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    return tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static void expect_off(const char *zone, int64_t t, int32_t want, const char *want_abbr)
{
    const helios_tz_t *tz = tz_lookup(zone);
    CHECK(tz != NULL, "zone %s not found", zone);
    if (tz == NULL)
        return;
    const char *ab;
    int32_t off = tz_offset_at(tz, t, NULL, &ab);
    CHECK(off == want, "%s at %lld: offset %d, want %d", zone, (long long)t, off, want);
    if (want_abbr != NULL) {
        CHECK(strcmp(ab, want_abbr) == 0, "%s at %lld: abbreviation %s, want %s", zone,
              (long long)t, ab, want_abbr);
    }
}

static void known_transitions(void)
{
    /* America/New_York: 2024-03-10 07:00 UTC (02:00 EST -> 03:00 EDT), 2024-11-03 06:00 UTC */
    expect_off("America/New_York", utc(2024, 3, 10, 6, 59, 59), -18000, "EST");
    expect_off("America/New_York", utc(2024, 3, 10, 7, 0, 0), -14400, "EDT");
    expect_off("America/New_York", utc(2024, 11, 3, 5, 59, 59), -14400, "EDT");
    expect_off("America/New_York", utc(2024, 11, 3, 6, 0, 0), -18000, "EST");
    /* past the last transition of the file: the footer's rule */
    expect_off("America/New_York", utc(2100, 3, 14, 6, 59, 59), -18000, "EST");
    expect_off("America/New_York", utc(2100, 3, 14, 7, 0, 0), -14400, "EDT");
    expect_off("America/New_York", utc(2243, 11, 5, 5, 59, 59), -14400, "EDT");
    expect_off("America/New_York", utc(2243, 11, 5, 6, 0, 0), -18000, "EST");
    /* local mean time before 1883-11-18 17:00 UTC: -4:56:02 */
    expect_off("America/New_York", utc(1850, 1, 1, 0, 0, 0), -17762, "LMT");
    int64_t b;
    int32_t before, after;
    const helios_tz_t *ny = tz_lookup("America/New_York");
    CHECK(tz_next_transition(ny, utc(2024, 1, 1, 0, 0, 0), &b, &before, &after) == 1 &&
              b == utc(2024, 3, 10, 7, 0, 0) && before == -18000 && after == -14400,
          "next transition after 2024-01-01 in New York");
    CHECK(tz_next_transition(ny, utc(2300, 6, 1, 0, 0, 0), &b, &before, &after) == 1 &&
              b == utc(2300, 11, 4, 6, 0, 0) && before == -14400 && after == -18000,
          "next transition after 2300-06-01 in New York (rule): %lld", (long long)b);

    /* Europe/London: British Standard Time, +1 all year from 1968-10-27 to 1971-10-31 */
    expect_off("Europe/London", utc(1970, 1, 1, 0, 0, 0), 3600, "BST");
    expect_off("Europe/London", utc(1971, 10, 31, 1, 59, 59), 3600, NULL);
    expect_off("Europe/London", utc(1971, 10, 31, 2, 0, 0), 0, "GMT");
    expect_off("Europe/London", utc(1972, 3, 19, 2, 0, 0), 3600, "BST");
    expect_off("Europe/London", utc(1972, 3, 19, 1, 59, 59), 0, "GMT");

    /* Asia/Kolkata: IST +5:30 since 1945; Madras time +5:21:10 before 1906 */
    expect_off("Asia/Kolkata", utc(2024, 6, 1, 0, 0, 0), 19800, "IST");
    expect_off("Asia/Kolkata", utc(1900, 1, 1, 0, 0, 0), 19270, "MMT");
    expect_off("Asia/Kathmandu", utc(2024, 6, 1, 0, 0, 0), 20700, "+0545");

    /* Australia/Lord_Howe: +10:30 standard, +11 summer (a half-hour DST); summer time ends
       2024-04-07 02:00 local = 2024-04-06 15:00 UTC, starts 2024-10-06 02:00 = 15:30 UTC */
    expect_off("Australia/Lord_Howe", utc(2024, 4, 6, 14, 59, 59), 39600, "+11");
    expect_off("Australia/Lord_Howe", utc(2024, 4, 6, 15, 0, 0), 37800, "+1030");
    expect_off("Australia/Lord_Howe", utc(2024, 10, 5, 15, 29, 59), 37800, NULL);
    expect_off("Australia/Lord_Howe", utc(2024, 10, 5, 15, 30, 0), 39600, NULL);
    expect_off("Australia/Lord_Howe", utc(2150, 1, 1, 0, 0, 0), 39600, NULL);

    /* Pacific/Apia: 2011-12-29 24:00 local (-10) became 2011-12-31 00:00 (+14) */
    expect_off("Pacific/Apia", utc(2011, 12, 30, 9, 59, 59), -36000, NULL);
    expect_off("Pacific/Apia", utc(2011, 12, 30, 10, 0, 0), 50400, NULL);
    expect_off("Pacific/Apia", utc(2024, 6, 1, 0, 0, 0), 46800, NULL);
}

static void posix_rules(void)
{
    helios_tz_t *z = NULL;
    CHECK(tz_parse_posix("EST5EDT,M3.2.0,M11.1.0", NULL, &z) == 0, "US rule");
    if (z != NULL) {
        CHECK(tz_offset_at(z, utc(2024, 3, 10, 6, 59, 59), NULL, NULL) == -18000, "US 1");
        CHECK(tz_offset_at(z, utc(2024, 3, 10, 7, 0, 0), NULL, NULL) == -14400, "US 2");
        CHECK(tz_offset_at(z, utc(2037, 11, 1, 5, 59, 59), NULL, NULL) == -14400, "US 3");
        CHECK(tz_offset_at(z, utc(2037, 11, 1, 6, 0, 0), NULL, NULL) == -18000, "US 4");
        /* the week-5 form: the last Sunday; and pre-1970 years */
        CHECK(tz_offset_at(z, utc(1950, 7, 1, 0, 0, 0), NULL, NULL) == -14400, "US 1950");
        tz_free(z);
        z = NULL;
    }
    /* southern hemisphere: DST across the new year, change at 03:00 local summer time */
    CHECK(tz_parse_posix("AEST-10AEDT,M10.1.0,M4.1.0/3", NULL, &z) == 0, "Sydney rule");
    if (z != NULL) {
        CHECK(tz_offset_at(z, utc(2030, 1, 1, 0, 0, 0), NULL, NULL) == 39600, "AU jan");
        CHECK(tz_offset_at(z, utc(2030, 7, 1, 0, 0, 0), NULL, NULL) == 36000, "AU jul");
        /* 2030-04-07 03:00 AEDT = 2030-04-06 16:00 UTC */
        CHECK(tz_offset_at(z, utc(2030, 4, 6, 15, 59, 59), NULL, NULL) == 39600, "AU end-1");
        CHECK(tz_offset_at(z, utc(2030, 4, 6, 16, 0, 0), NULL, NULL) == 36000, "AU end");
        tz_free(z);
        z = NULL;
    }
    /* negative change times (RFC 8536 extension, America/Nuuk style) */
    CHECK(tz_parse_posix("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", NULL, &z) == 0, "Nuuk rule");
    if (z != NULL) {
        /* last Sunday of March 2024 (the 31st) at -1:00 local (-02): 2024-03-30 23:00 local,
           2024-03-31 01:00 UTC */
        CHECK(tz_offset_at(z, utc(2024, 3, 31, 0, 59, 59), NULL, NULL) == -7200, "Nuuk 1");
        CHECK(tz_offset_at(z, utc(2024, 3, 31, 1, 0, 0), NULL, NULL) == -3600, "Nuuk 2");
        tz_free(z);
        z = NULL;
    }
    /* Julian day forms: J60 is March 1 every year, 59 (zero-based) is Feb 29 in leap years */
    CHECK(tz_parse_posix("XST3XDT,J60/0,J300/0", NULL, &z) == 0, "Julian rule");
    if (z != NULL) {
        CHECK(tz_offset_at(z, utc(2024, 3, 1, 2, 59, 59), NULL, NULL) == -10800, "J60 -1");
        CHECK(tz_offset_at(z, utc(2024, 3, 1, 3, 0, 0), NULL, NULL) == -7200, "J60");
        tz_free(z);
        z = NULL;
    }
    CHECK(tz_parse_posix("XST3XDT,59/0,300/0", NULL, &z) == 0, "zero-based rule");
    if (z != NULL) {
        CHECK(tz_offset_at(z, utc(2024, 2, 29, 3, 0, 0), NULL, NULL) == -7200, "day 59 leap");
        CHECK(tz_offset_at(z, utc(2023, 3, 1, 3, 0, 0), NULL, NULL) == -7200, "day 59");
        CHECK(tz_offset_at(z, utc(2023, 2, 28, 2, 0, 0), NULL, NULL) == -10800, "day 58");
        tz_free(z);
        z = NULL;
    }
    /* DST rules without dates: the US default; offsets with minutes; empty std names */
    CHECK(tz_parse_posix("EST5EDT", NULL, &z) == 0, "default rule");
    if (z != NULL) {
        CHECK(tz_offset_at(z, utc(2024, 7, 1, 0, 0, 0), NULL, NULL) == -14400, "default");
        tz_free(z);
        z = NULL;
    }
    CHECK(tz_parse_posix("<+0330>-3:30", NULL, &z) == 0 && tz_offset_at(z, 0, NULL, NULL) == 12600,
          "quoted name and minutes");
    tz_free(z);
    z = NULL;
    CHECK(tz_parse_posix("+02:00", NULL, &z) == 0 && tz_offset_at(z, 0, NULL, NULL) == -7200,
          "empty name, POSIX sign");
    tz_free(z);
    z = NULL;
    static const char *bad[] = {"",
                                "EST",
                                "Foo/Bar",
                                "<abc",
                                "EST5EDT,M13.1.0,M11.1.0",
                                "EST5EDT,M3.6.0,M11.1.0",
                                "EST5EDT,M3.2.7,M11.1.0",
                                "EST5EDT,J0,J100",
                                "EST5EDT,M3.2.0",
                                "EST5EDT,M3.2.0,M11.1.0x",
                                "EST500",
                                "EST5EDT,366,100",
                                "EST5:60",
                                NULL};
    for (int i = 0; bad[i] != NULL; i++) {
        z = NULL;
        CHECK(tz_parse_posix(bad[i], NULL, &z) != 0, "\"%s\" must be refused", bad[i]);
        tz_free(z);
    }
}

static void local_times(void)
{
    const helios_tz_t *ny = tz_lookup("America/New_York");
    /* 2024-03-10 02:30 does not exist: PostgreSQL takes the offset before (EST), 07:30 UTC */
    CHECK(tz_offset_local(ny, utc(2024, 3, 10, 2, 30, 0)) == -18000, "skipped hour");
    /* 2024-11-03 01:30 happens twice: the later one (EST) */
    CHECK(tz_offset_local(ny, utc(2024, 11, 3, 1, 30, 0)) == -18000, "repeated hour");
    CHECK(tz_offset_local(ny, utc(2024, 11, 3, 0, 59, 59)) == -14400, "before repeat");
    CHECK(tz_offset_local(ny, utc(2024, 11, 3, 2, 0, 0)) == -18000, "after repeat");
    CHECK(tz_offset_local(ny, utc(2024, 3, 10, 3, 0, 0)) == -14400, "after skip");
    CHECK(tz_offset_local(ny, utc(2024, 3, 10, 1, 59, 59)) == -18000, "before skip");
    CHECK(tz_offset_local(ny, utc(2300, 3, 11, 2, 30, 0)) == -18000, "skipped hour (rule)");
    CHECK(tz_offset_local(ny, utc(2300, 11, 4, 1, 30, 0)) == -18000, "repeated hour (rule)");
    /* Apia's missing day 2011-12-30: taken with the offset before (-10) */
    const helios_tz_t *apia = tz_lookup("Pacific/Apia");
    CHECK(tz_offset_local(apia, utc(2011, 12, 30, 12, 0, 0)) == -36000, "Apia skipped day");
    CHECK(tz_offset_local(apia, utc(2011, 12, 31, 12, 0, 0)) == 50400, "Apia after");
    /* Lord Howe's half hour: 2024-04-07 01:45 happens twice, the later is +10:30 */
    const helios_tz_t *lh = tz_lookup("Australia/Lord_Howe");
    CHECK(tz_offset_local(lh, utc(2024, 4, 7, 1, 45, 0)) == 37800, "Lord Howe repeat");
    CHECK(tz_offset_local(lh, utc(2024, 10, 6, 2, 15, 0)) == 37800, "Lord Howe skip");
}

static void names(void)
{
    const helios_tz_t *a = tz_lookup("america/new_york"), *b = tz_lookup("America/New_York");
    CHECK(a != NULL && b != NULL && strcmp(tz_name(a), "America/New_York") == 0,
          "case-insensitive name: %s", a != NULL ? tz_name(a) : "(null)");
    CHECK(b == tz_lookup("America/New_York"), "cached");
    CHECK(strcmp(tz_name(tz_lookup("utc")), "UTC") == 0, "utc");
    CHECK(strcmp(tz_name(tz_lookup("etc/utc")), "Etc/UTC") == 0, "etc/utc");
    CHECK(tz_lookup("Foo/Bar") == NULL, "Foo/Bar");
    CHECK(tz_lookup("America") == NULL, "a directory is no zone");
    CHECK(tz_lookup("../../etc/passwd") == NULL, "no escape from the zone directory");
    CHECK(tz_lookup("/etc/localtime") == NULL, "no absolute paths");
    CHECK(tz_lookup("right/UTC") == NULL ||
              tz_offset_at(tz_lookup("right/UTC"), 0, NULL, NULL) == 0,
          "leap-second zones are refused");
    const helios_tz_t *p = tz_lookup("UTC+3");
    CHECK(p != NULL && strcmp(tz_name(p), "UTC+3") == 0 && tz_offset_at(p, 0, NULL, NULL) == -10800,
          "POSIX UTC+3 is three hours west");
    CHECK(strcmp(tz_name(tz_fixed(19800)), "<+05:30>-05:30") == 0, "fixed +5:30");
    CHECK(strcmp(tz_name(tz_fixed(-25200)), "<-07>+07") == 0, "fixed -7");
    CHECK(strcmp(tz_name(tz_fixed(0)), "<+00>-00") == 0, "fixed 0");
    CHECK(strcmp(tz_name(tz_fixed(-12345)), "<-03:25:45>+03:25:45") == 0, "fixed seconds");
    CHECK(tz_fixed(86400) == NULL, "fixed out of range");
    CHECK(tz_fixed(3600) == tz_fixed(3600), "fixed cached");
    int32_t off;
    CHECK(tz_abbrev("est", 3, &off) == 0 && off == -18000, "EST");
    CHECK(tz_abbrev("CEST", 4, &off) == 0 && off == 7200, "CEST");
    CHECK(tz_abbrev("Z", 1, &off) == 0 && off == 0, "Z");
    CHECK(tz_abbrev("XYZQ", 4, &off) != 0, "unknown abbreviation");
}

/* every offset against glibc's, which reads the same files with its own code */
static void against_glibc(void)
{
    static const char *zones[] = {"America/New_York",
                                  "America/Los_Angeles",
                                  "America/Sao_Paulo",
                                  "America/St_Johns",
                                  "America/Nuuk",
                                  "America/Santiago",
                                  "America/Havana",
                                  "America/Caracas",
                                  "Europe/London",
                                  "Europe/Paris",
                                  "Europe/Moscow",
                                  "Europe/Dublin",
                                  "Europe/Lisbon",
                                  "Asia/Kolkata",
                                  "Asia/Kathmandu",
                                  "Asia/Tehran",
                                  "Asia/Shanghai",
                                  "Asia/Gaza",
                                  "Asia/Tokyo",
                                  "Australia/Sydney",
                                  "Australia/Lord_Howe",
                                  "Australia/Adelaide",
                                  "Pacific/Apia",
                                  "Pacific/Chatham",
                                  "Pacific/Kiritimati",
                                  "Africa/Casablanca",
                                  "Africa/Cairo",
                                  "Antarctica/Troll",
                                  "EST5EDT",
                                  "UTC",
                                  NULL};
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    for (int z = 0; zones[z] != NULL; z++) {
        const helios_tz_t *tz = tz_lookup(zones[z]);
        CHECK(tz != NULL, "zone %s", zones[z]);
        if (tz == NULL)
            continue;
        char env[300];
        snprintf(env, sizeof env, ":%s", zones[z]);
        setenv("TZ", env, 1);
        tzset();
        int bad = 0;
        int64_t lo = utc(1850, 1, 1, 0, 0, 0), hi = utc(2250, 1, 1, 0, 0, 0);
        for (int i = 0; i < 20000 && bad < 3; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            int64_t t = lo + (int64_t)((seed >> 11) % (uint64_t)(hi - lo));
            /* every fourth sample sits on a transition, one second either side */
            if (i % 4 == 0) {
                int64_t bnd;
                int32_t bo, ao;
                if (tz_next_transition(tz, t, &bnd, &bo, &ao) == 1)
                    t = bnd - 1 + (i / 4) % 3;
            }
            time_t tt = (time_t)t;
            struct tm tm;
            if (localtime_r(&tt, &tm) == NULL)
                continue;
            int32_t mine = tz_offset_at(tz, t, NULL, NULL);
            if (mine != (int32_t)tm.tm_gmtoff) {
                bad++;
                CHECK(0, "%s at %lld: %d, glibc %ld", zones[z], (long long)t, mine,
                      (long)tm.tm_gmtoff);
            } else {
                checks++;
            }
        }
    }
    unsetenv("TZ");
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *buf = malloc(1 << 20);
    *n = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void damaged_files(void)
{
    size_t n;
    uint8_t *buf = slurp("/usr/share/zoneinfo/America/New_York", &n);
    CHECK(buf != NULL && n > 100, "read New_York");
    if (buf == NULL)
        return;
    helios_tz_t *z = NULL;
    CHECK(tz_parse_tzif(buf, n, "x", &z) == 0, "whole file parses");
    tz_free(z);
    /* every prefix: refused (the footer is cut) or, at full length only, accepted; each in a
       buffer of exactly that size so ASan sees any overread */
    int accepted = 0;
    for (size_t k = 0; k < n; k++) {
        uint8_t *p = malloc(k > 0 ? k : 1);
        memcpy(p, buf, k);
        z = NULL;
        if (tz_parse_tzif(p, k, "x", &z) == 0)
            accepted++;
        tz_free(z);
        free(p);
    }
    CHECK(accepted == 0, "%d truncated files accepted", accepted);
    /* single-byte corruptions never crash; a transition out of order or a type index out of
       range is refused */
    uint64_t seed = 42;
    for (int i = 0; i < 20000; i++) {
        uint8_t *p = malloc(n);
        memcpy(p, buf, n);
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        p[(seed >> 20) % n] ^= (uint8_t)(1u << ((seed >> 8) % 8));
        z = NULL;
        if (tz_parse_tzif(p, n, "x", &z) == 0) {
            for (int k = 0; k < 50; k++) {
                int64_t bnd;
                int32_t bo, ao;
                int64_t t = (int64_t)(seed % 20000000000ull) - 5000000000ll + k * 99991;
                tz_offset_at(z, t, NULL, NULL);
                tz_offset_local(z, t);
                tz_next_transition(z, t, &bnd, &bo, &ao);
            }
        }
        tz_free(z);
        free(p);
    }
    free(buf);
    /* a version-1 file (32-bit data, no footer) built by hand: one transition */
    uint8_t v1[44 + 4 + 1 + 12 + 8];
    memset(v1, 0, sizeof v1);
    memcpy(v1, "TZif", 4);
    v1[35] = 1; /* timecnt */
    v1[39] = 2; /* typecnt */
    v1[43] = 8; /* charcnt */
    uint8_t *q = v1 + 44;
    q[0] = 0;
    q[1] = 0;
    q[2] = 0x0e;
    q[3] = 0x10; /* 3600 */
    q[4] = 1;
    q += 5;
    q[0] = 0;
    q[1] = 0;
    q[2] = 0;
    q[3] = 0;
    q[4] = 0;
    q[5] = 0; /* type 0: +0 AAA */
    q[6] = 0;
    q[7] = 0;
    q[8] = 0x1c;
    q[9] = 0x20;
    q[10] = 0;
    q[11] = 4; /* type 1: +2h BBB */
    memcpy(q + 12, "AAA\0BBB\0", 8);
    z = NULL;
    CHECK(tz_parse_tzif(v1, sizeof v1, "v1", &z) == 0, "version 1 file");
    if (z != NULL) {
        const char *ab;
        CHECK(tz_offset_at(z, 3599, NULL, &ab) == 0 && strcmp(ab, "AAA") == 0, "v1 before");
        CHECK(tz_offset_at(z, 3600, NULL, &ab) == 7200 && strcmp(ab, "BBB") == 0, "v1 after");
        tz_free(z);
    }
}

/* the zone cache under concurrent first lookups: every thread gets the same zone object for
   a name, and the same offsets */
#define N_THREADS 4
static const char *const race_zones[] = {"Europe/Berlin",
                                         "europe/berlin",
                                         "Asia/Tokyo",
                                         "America/Chicago",
                                         "Africa/Lagos",
                                         "Australia/Perth",
                                         "Pacific/Auckland",
                                         "America/Argentina/Buenos_Aires",
                                         "Asia/Dubai",
                                         "Europe/Kyiv",
                                         "America/Anchorage",
                                         "CST6CDT",
                                         "UTC+5",
                                         "<+0545>-5:45",
                                         NULL};
static const helios_tz_t *race_seen[N_THREADS][16];
static int32_t race_off[N_THREADS][16];

static void *race_thread(void *arg)
{
    int k = (int)(intptr_t)arg;
    for (int i = 0; race_zones[i] != NULL; i++) {
        const helios_tz_t *z = tz_lookup(race_zones[i]);
        race_seen[k][i] = z;
        race_off[k][i] = z != NULL ? tz_offset_at(z, utc(2024, 7, 1, 12, 0, 0), NULL, NULL) : 99;
    }
    return NULL;
}

static void cache_threads(void)
{
    pthread_t th[N_THREADS];
    for (int k = 0; k < N_THREADS; k++)
        pthread_create(&th[k], NULL, race_thread, (void *)(intptr_t)k);
    for (int k = 0; k < N_THREADS; k++)
        pthread_join(th[k], NULL);
    for (int i = 0; race_zones[i] != NULL; i++) {
        CHECK(race_seen[0][i] != NULL, "zone %s", race_zones[i]);
        for (int k = 1; k < N_THREADS; k++) {
            CHECK(race_seen[k][i] == race_seen[0][i] && race_off[k][i] == race_off[0][i],
                  "thread %d got another %s", k, race_zones[i]);
        }
    }
    CHECK(race_seen[0][0] == race_seen[0][1], "Europe/Berlin in any case is one zone");
    CHECK(race_off[0][0] == 7200 && race_off[0][2] == 32400, "Berlin/Tokyo offsets");
}

int main(void)
{
    cache_threads();
    known_transitions();
    posix_rules();
    local_times();
    names();
    against_glibc();
    damaged_files();
    printf("%d checks, %d failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
