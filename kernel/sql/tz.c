/* kernel/sql/tz.c -- time zones: the TZif reader (RFC 8536), POSIX TZ strings and their DST
 * rules, PostgreSQL's resolution of local times, and the process-wide zone cache. Standalone
 * (no engine headers), so the unit tests and the fuzz harness link it alone. */
#define _GNU_SOURCE
#include "sql/tz.h"

#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define TZ_MAX_TRANS 65536u
#define TZ_MAX_TYPES 256u
#define TZ_MAX_FILE (1u << 20)
#define SECS_PER_DAY 86400

typedef struct tz_ttype {
    int32_t off;
    uint8_t isdst;
    uint8_t pad;
    uint16_t abbr; /* index into abbrs */
} tz_ttype_t;

/* one date of a POSIX rule: 'J' Julian day 1..365 (no Feb 29), 'D' zero-based day 0..365,
   'M' month.week.weekday; secs: local time of day of the change (may exceed a day) */
typedef struct tz_rdate {
    char kind;
    int16_t a, b, c;
    int32_t secs;
} tz_rdate_t;

typedef struct tz_rule {
    int32_t std_off, dst_off; /* east */
    int has_dst;
    char std_abbr[32], dst_abbr[32];
    tz_rdate_t start, end;
} tz_rule_t;

struct helios_tz {
    struct helios_tz *next; /* cache chain */
    char *key;              /* cache key: the looked-up name, upper case */
    char name[TZ_NAME_MAX + 1];
    uint32_t n_trans, n_types, n_abbr;
    int64_t *trans;
    uint8_t *ttidx;
    tz_ttype_t *types;
    char *abbrs;
    int has_rule;
    tz_rule_t rule;
    int from_file; /* a zone file of the tz database (not a POSIX string) */
};

/* ---------------- calendar ---------------- */
int64_t tz_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void tz_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* ---------------- POSIX TZ strings ---------------- */
static const char *px_name(const char *p, char *out, size_t cap)
{
    size_t n = 0;
    if (*p == '<') {
        p++;
        while (*p != '\0' && *p != '>') {
            if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-')
                return NULL;
            if (n + 1 < cap)
                out[n++] = *p;
            p++;
        }
        if (*p != '>')
            return NULL;
        p++;
    } else {
        /* as PostgreSQL's getzname: anything up to a digit, sign or comma */
        while (*p != '\0' && !isdigit((unsigned char)*p) && *p != ',' && *p != '-' && *p != '+') {
            if (n + 1 < cap)
                out[n++] = *p;
            p++;
        }
    }
    out[n] = '\0';
    return p;
}

/* [+-]hh[:mm[:ss]], hh <= maxh; *secs signed as written */
static const char *px_secs(const char *p, int maxh, int32_t *secs)
{
    int neg = 0;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (!isdigit((unsigned char)*p))
        return NULL;
    int32_t h = 0, m = 0, s = 0, k = 0;
    while (isdigit((unsigned char)*p) && k < 3)
        h = h * 10 + (*p++ - '0'), k++;
    if (isdigit((unsigned char)*p) || h > maxh)
        return NULL;
    if (*p == ':') {
        p++;
        if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
            return NULL;
        m = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
        if (m > 59)
            return NULL;
        if (*p == ':') {
            p++;
            if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
                return NULL;
            s = (p[0] - '0') * 10 + (p[1] - '0');
            p += 2;
            if (s > 60)
                return NULL;
        }
    }
    *secs = (h * 3600 + m * 60 + s) * (neg ? -1 : 1);
    return p;
}

static const char *px_num(const char *p, int lo, int hi, int16_t *out)
{
    int v = 0, k = 0;
    while (isdigit((unsigned char)*p) && k < 4)
        v = v * 10 + (*p++ - '0'), k++;
    if (k == 0 || v < lo || v > hi)
        return NULL;
    *out = (int16_t)v;
    return p;
}

static const char *px_rdate(const char *p, tz_rdate_t *r)
{
    if (*p == 'J') {
        r->kind = 'J';
        p = px_num(p + 1, 1, 365, &r->a);
    } else if (*p == 'M') {
        r->kind = 'M';
        p = px_num(p + 1, 1, 12, &r->a);
        if (p == NULL || *p++ != '.')
            return NULL;
        p = px_num(p, 1, 5, &r->b);
        if (p == NULL || *p++ != '.')
            return NULL;
        p = px_num(p, 0, 6, &r->c);
    } else if (isdigit((unsigned char)*p)) {
        r->kind = 'D';
        p = px_num(p, 0, 365, &r->a);
    } else {
        return NULL;
    }
    if (p == NULL)
        return NULL;
    r->secs = 7200;
    if (*p == '/')
        p = px_secs(p + 1, 167, &r->secs);
    return p;
}

static int px_parse(const char *s, tz_rule_t *r)
{
    memset(r, 0, sizeof *r);
    int32_t off;
    const char *p = px_name(s, r->std_abbr, sizeof r->std_abbr);
    if (p == NULL || *p == '\0')
        return -1;
    if ((p = px_secs(p, 167, &off)) == NULL)
        return -1;
    r->std_off = -off;
    if (*p == '\0')
        return 0;
    p = px_name(p, r->dst_abbr, sizeof r->dst_abbr);
    if (p == NULL || r->dst_abbr[0] == '\0')
        return -1;
    r->has_dst = 1;
    r->dst_off = r->std_off + 3600;
    if (*p != ',' && *p != '\0') {
        if ((p = px_secs(p, 167, &off)) == NULL)
            return -1;
        r->dst_off = -off;
    }
    if (*p == '\0') {
        /* no rule: the POSIX default, US rules (as PostgreSQL's TZDEFRULESTRING) */
        r->start = (tz_rdate_t){'M', 3, 2, 0, 7200};
        r->end = (tz_rdate_t){'M', 11, 1, 0, 7200};
        return 0;
    }
    if (*p++ != ',')
        return -1;
    if ((p = px_rdate(p, &r->start)) == NULL || *p++ != ',')
        return -1;
    if ((p = px_rdate(p, &r->end)) == NULL || *p != '\0')
        return -1;
    return 0;
}

/* Unix day of a rule date in year y */
static int64_t rdate_day(const tz_rdate_t *r, int64_t y)
{
    int64_t jan1 = tz_days_from_civil(y, 1, 1);
    if (r->kind == 'J')
        return jan1 + r->a - 1 + (is_leap(y) && r->a >= 60);
    if (r->kind == 'D')
        return jan1 + r->a;
    static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t first = tz_days_from_civil(y, r->a, 1);
    int wd = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
    int64_t day = first + (r->c - wd + 7) % 7 + (int64_t)(r->b - 1) * 7;
    int len = md[r->a - 1] + (r->a == 2 && is_leap(y));
    while (day >= first + len)
        day -= 7;
    return day;
}

static void rule_bounds(const tz_rule_t *r, int64_t y, int64_t *start, int64_t *end)
{
    *start = rdate_day(&r->start, y) * SECS_PER_DAY + r->start.secs - r->std_off;
    *end = rdate_day(&r->end, y) * SECS_PER_DAY + r->end.secs - r->dst_off;
}

static int rule_isdst(const tz_rule_t *r, int64_t t)
{
    if (!r->has_dst)
        return 0;
    int64_t y;
    int m, d;
    tz_civil_from_days(floor_div(t + r->std_off, SECS_PER_DAY), &y, &m, &d);
    int64_t s, e;
    rule_bounds(r, y, &s, &e);
    if (s < e)
        return t >= s && t < e;
    return !(t >= e && t < s);
}

/* ---------------- TZif ---------------- */
static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int64_t be64(const uint8_t *p)
{
    return (int64_t)(((uint64_t)be32(p) << 32) | be32(p + 4));
}

void tz_free(helios_tz_t *tz)
{
    if (tz == NULL)
        return;
    free(tz->key);
    free(tz->trans);
    free(tz->ttidx);
    free(tz->types);
    free(tz->abbrs);
    free(tz);
}

static helios_tz_t *tz_new(const char *name)
{
    helios_tz_t *tz = calloc(1, sizeof *tz);
    if (tz == NULL)
        return NULL;
    snprintf(tz->name, sizeof tz->name, "%s", name != NULL ? name : "");
    return tz;
}

/* counts of a header at p (44 bytes available) */
typedef struct tzif_hdr {
    uint32_t isut, isstd, leap, time, type, chars;
} tzif_hdr_t;

static int tzif_header(const uint8_t *p, size_t avail, tzif_hdr_t *h, int *version)
{
    if (avail < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    *version = p[4] == 0 ? 1 : p[4] - '0';
    if (*version < 1 || *version > 9)
        return -1;
    h->isut = be32(p + 20);
    h->isstd = be32(p + 24);
    h->leap = be32(p + 28);
    h->time = be32(p + 32);
    h->type = be32(p + 36);
    h->chars = be32(p + 40);
    if (h->time > TZ_MAX_TRANS || h->type == 0 || h->type > TZ_MAX_TYPES || h->chars == 0 ||
        h->chars > 65535 || h->leap > 65535 || (h->isut != 0 && h->isut != h->type) ||
        (h->isstd != 0 && h->isstd != h->type))
        return -1;
    return 0;
}

static size_t tzif_block_len(const tzif_hdr_t *h, size_t tsize)
{
    return (size_t)h->time * tsize + h->time + (size_t)h->type * 6 + h->chars +
           (size_t)h->leap * (tsize + 4) + h->isstd + h->isut;
}

int tz_parse_tzif(const uint8_t *buf, size_t n, const char *name, helios_tz_t **out)
{
    tzif_hdr_t h;
    int version;
    helios_tz_t *tz = NULL;
    if (tzif_header(buf, n, &h, &version) != 0)
        goto failed;
    size_t pos = 44, tsize = 4;
    size_t len = tzif_block_len(&h, 4);
    if (len > n - pos)
        goto failed;
    if (version >= 2) {
        /* skip the 32-bit block: the v2+ block after it is the whole truth */
        pos += len;
        int v2;
        if (tzif_header(buf + pos, n - pos, &h, &v2) != 0)
            goto failed;
        pos += 44;
        tsize = 8;
        len = tzif_block_len(&h, 8);
        if (len > n - pos)
            goto failed;
    }
    if (h.leap != 0)
        goto failed; /* "right/" zones: PostgreSQL refuses them too */
    if ((tz = tz_new(name)) == NULL)
        goto failed;
    tz->n_trans = h.time;
    tz->n_types = h.type;
    tz->n_abbr = h.chars;
    tz->trans = calloc(h.time + 1, sizeof *tz->trans);
    tz->ttidx = calloc(h.time + 1, 1);
    tz->types = calloc(h.type, sizeof *tz->types);
    tz->abbrs = calloc(h.chars + 1, 1);
    if (tz->trans == NULL || tz->ttidx == NULL || tz->types == NULL || tz->abbrs == NULL)
        goto failed;
    const uint8_t *p = buf + pos;
    for (uint32_t i = 0; i < h.time; i++, p += tsize) {
        tz->trans[i] = tsize == 8 ? be64(p) : (int64_t)(int32_t)be32(p);
        if (i > 0 && tz->trans[i] <= tz->trans[i - 1])
            goto failed;
    }
    for (uint32_t i = 0; i < h.time; i++, p++) {
        if (*p >= h.type)
            goto failed;
        tz->ttidx[i] = *p;
    }
    for (uint32_t i = 0; i < h.type; i++, p += 6) {
        int32_t off = (int32_t)be32(p);
        /* RFC 8536: -2^31 is invalid; PostgreSQL's tzload limits offsets to under a week */
        if (off <= -7 * SECS_PER_DAY || off >= 7 * SECS_PER_DAY || p[4] > 1 || p[5] >= h.chars)
            goto failed;
        tz->types[i].off = off;
        tz->types[i].isdst = p[4];
        tz->types[i].abbr = p[5];
    }
    memcpy(tz->abbrs, p, h.chars);
    tz->abbrs[h.chars] = '\0';
    p += h.chars;
    p += (size_t)h.leap * (tsize + 4) + h.isstd + h.isut;
    if (version >= 2) {
        /* footer: "\n" TZ string "\n"; an empty string means no rule */
        const uint8_t *end = buf + n;
        if (p >= end || *p != '\n')
            goto failed;
        const uint8_t *q = p + 1;
        while (q < end && *q != '\n')
            q++;
        if (q >= end)
            goto failed;
        size_t fl = (size_t)(q - (p + 1));
        if (fl > 0) {
            char fs[256];
            if (fl >= sizeof fs || memchr(p + 1, '\0', fl) != NULL)
                goto failed;
            memcpy(fs, p + 1, fl);
            fs[fl] = '\0';
            if (px_parse(fs, &tz->rule) != 0)
                goto failed;
            tz->has_rule = 1;
        }
    }
    *out = tz;
    return 0;
failed:
    tz_free(tz);
    return -1;
}

int tz_parse_posix(const char *s, const char *name, helios_tz_t **out)
{
    tz_rule_t r;
    if (s == NULL || strlen(s) > TZ_NAME_MAX || px_parse(s, &r) != 0)
        return -1;
    if (r.std_off <= -7 * SECS_PER_DAY || r.std_off >= 7 * SECS_PER_DAY ||
        r.dst_off <= -7 * SECS_PER_DAY || r.dst_off >= 7 * SECS_PER_DAY)
        return -1;
    helios_tz_t *tz = tz_new(name != NULL ? name : s);
    if (tz == NULL)
        return -1;
    tz->rule = r;
    tz->has_rule = 1;
    *out = tz;
    return 0;
}

/* ---------------- evaluation ---------------- */
static const char *type_abbr(const helios_tz_t *tz, const tz_ttype_t *ty)
{
    return tz->abbrs != NULL && ty->abbr < tz->n_abbr ? tz->abbrs + ty->abbr : "";
}

/* the lowest-numbered standard-time type (PostgreSQL's choice before the first transition) */
static const tz_ttype_t *first_std(const helios_tz_t *tz)
{
    for (uint32_t i = 0; i < tz->n_types; i++) {
        if (!tz->types[i].isdst)
            return &tz->types[i];
    }
    return &tz->types[0];
}

int32_t tz_offset_at(const helios_tz_t *tz, int64_t t, int *isdst, const char **abbr)
{
    int dst = 0;
    const char *ab = "UTC";
    int32_t off = 0;
    if (tz == NULL)
        goto done;
    if (tz->n_trans == 0 || t >= tz->trans[tz->n_trans - 1]) {
        if (tz->has_rule) {
            dst = rule_isdst(&tz->rule, t);
            off = dst ? tz->rule.dst_off : tz->rule.std_off;
            ab = dst ? tz->rule.dst_abbr : tz->rule.std_abbr;
            goto done;
        }
        if (tz->n_trans == 0) {
            const tz_ttype_t *ty = tz->n_types > 0 ? &tz->types[0] : NULL;
            if (ty != NULL)
                off = ty->off, dst = ty->isdst, ab = type_abbr(tz, ty);
            goto done;
        }
    }
    const tz_ttype_t *ty;
    if (t < tz->trans[0]) {
        ty = &tz->types[0];
    } else {
        uint32_t lo = 0, hi = tz->n_trans - 1; /* last transition <= t */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo + 1) / 2;
            if (tz->trans[mid] <= t)
                lo = mid;
            else
                hi = mid - 1;
        }
        ty = &tz->types[tz->ttidx[lo]];
    }
    off = ty->off;
    dst = ty->isdst;
    ab = type_abbr(tz, ty);
done:
    if (isdst != NULL)
        *isdst = dst;
    if (abbr != NULL)
        *abbr = ab;
    return off;
}

int tz_next_transition(const helios_tz_t *tz, int64_t t, int64_t *boundary, int32_t *before,
                       int32_t *after)
{
    if (tz == NULL) {
        *before = 0;
        return 0;
    }
    if (tz->n_trans > 0 && t < tz->trans[tz->n_trans - 1]) {
        uint32_t i;
        if (t < tz->trans[0]) {
            *before = first_std(tz)->off;
            i = 0;
        } else {
            uint32_t lo = 1, hi = tz->n_trans - 1; /* first transition > t */
            while (lo < hi) {
                uint32_t mid = lo + (hi - lo) / 2;
                if (t < tz->trans[mid])
                    hi = mid;
                else
                    lo = mid + 1;
            }
            i = lo;
            *before = tz->types[tz->ttidx[i - 1]].off;
        }
        *boundary = tz->trans[i];
        *after = tz->types[tz->ttidx[i]].off;
        return 1;
    }
    if (!tz->has_rule) {
        *before = tz->n_trans > 0   ? tz->types[tz->ttidx[tz->n_trans - 1]].off
                  : tz->n_types > 0 ? first_std(tz)->off
                                    : 0;
        return 0;
    }
    *before = tz_offset_at(tz, t, NULL, NULL);
    if (!tz->rule.has_dst)
        return 0;
    int64_t y;
    int m, d;
    tz_civil_from_days(floor_div(t + tz->rule.std_off, SECS_PER_DAY), &y, &m, &d);
    int64_t best = INT64_MAX;
    for (int64_t yy = y - 1; yy <= y + 1; yy++) {
        int64_t s, e;
        rule_bounds(&tz->rule, yy, &s, &e);
        if (s > t && s < best)
            best = s;
        if (e > t && e < best)
            best = e;
    }
    if (best == INT64_MAX)
        return 0;
    *boundary = best;
    *after = tz_offset_at(tz, best, NULL, NULL);
    return 1;
}

int32_t tz_offset_local(const helios_tz_t *tz, int64_t local)
{
    int64_t boundary;
    int32_t before, after;
    if (tz == NULL)
        return 0;
    if (!tz_next_transition(tz, local - SECS_PER_DAY, &boundary, &before, &after))
        return before;
    int64_t beforetime = local - before, aftertime = local - after;
    if (beforetime < boundary && aftertime < boundary)
        return before;
    if (beforetime > boundary && aftertime >= boundary)
        return after;
    /* skipped or repeated wall time: spring forward keeps the offset before the
       transition, fall back takes the one after (PostgreSQL) */
    return beforetime > aftertime ? before : after;
}

/* ---------------- names and the cache ---------------- */
static pthread_mutex_t tz_mu = PTHREAD_MUTEX_INITIALIZER;
static helios_tz_t *tz_cache;

static helios_tz_t tz_utc_zone = {
    .name = "UTC",
    .has_rule = 1,
    .rule = {.std_abbr = "UTC"},
};

const helios_tz_t *tz_utc(void)
{
    return &tz_utc_zone;
}

const char *tz_name(const helios_tz_t *tz)
{
    return tz != NULL ? tz->name : "UTC";
}

static __thread const helios_tz_t *tz_cur;

void tz_set_current(const helios_tz_t *tz)
{
    tz_cur = tz;
}

const helios_tz_t *tz_current(void)
{
    return tz_cur != NULL ? tz_cur : &tz_utc_zone;
}

static helios_tz_t *cache_find(const char *key)
{
    for (helios_tz_t *z = tz_cache; z != NULL; z = z->next) {
        if (strcmp(z->key, key) == 0)
            return z;
    }
    return NULL;
}

/* insert under the lock; a racing thread's equal zone wins, ours is freed */
static const helios_tz_t *cache_add(helios_tz_t *tz, const char *key)
{
    pthread_mutex_lock(&tz_mu);
    helios_tz_t *had = cache_find(key);
    if (had == NULL) {
        tz->key = strdup(key);
        if (tz->key != NULL) {
            tz->next = tz_cache;
            tz_cache = tz;
            had = tz;
            tz = NULL;
        }
    }
    pthread_mutex_unlock(&tz_mu);
    tz_free(tz);
    return had;
}

/* name relative to the zoneinfo root, each component matched case-insensitively (an exact
   match preferred); the file's own spelling goes to canon. 0 when a regular file. */
static int find_zone_file(const char *root, const char *name, char *path, size_t cap, char *canon,
                          size_t ccap)
{
    size_t pl = (size_t)snprintf(path, cap, "%s", root), cl = 0;
    canon[0] = '\0';
    const char *p = name;
    while (*p != '\0') {
        const char *e = strchr(p, '/');
        size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
        if (n == 0 || n > 255 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return -1;
        char comp[256];
        memcpy(comp, p, n);
        comp[n] = '\0';
        char found[256];
        found[0] = '\0';
        DIR *dir = opendir(path);
        if (dir == NULL)
            return -1;
        struct dirent *de;
        while ((de = readdir(dir)) != NULL) {
            if (strcmp(de->d_name, comp) == 0) {
                snprintf(found, sizeof found, "%s", de->d_name);
                break;
            }
            if (found[0] == '\0' && strcasecmp(de->d_name, comp) == 0)
                snprintf(found, sizeof found, "%s", de->d_name);
        }
        closedir(dir);
        if (found[0] == '\0')
            return -1;
        int w = snprintf(path + pl, cap - pl, "/%s", found);
        if (w < 0 || (size_t)w >= cap - pl)
            return -1;
        pl += (size_t)w;
        w = snprintf(canon + cl, ccap - cl, "%s%s", cl > 0 ? "/" : "", found);
        if (w < 0 || (size_t)w >= ccap - cl)
            return -1;
        cl += (size_t)w;
        p += n;
        if (*p == '/')
            p++;
    }
    struct stat st;
    return cl > 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) ? 0 : -1;
}

static helios_tz_t *load_zone_file(const char *name)
{
    const char *root = getenv("TZDIR");
    if (root == NULL || root[0] == '\0')
        root = "/usr/share/zoneinfo";
    char path[4096], canon[TZ_NAME_MAX + 1];
    if (name[0] == '/' || find_zone_file(root, name, path, sizeof path, canon, sizeof canon) != 0)
        return NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *buf = malloc(TZ_MAX_FILE);
    size_t n = buf != NULL ? fread(buf, 1, TZ_MAX_FILE, f) : 0;
    fclose(f);
    helios_tz_t *tz = NULL;
    if (buf != NULL && n < TZ_MAX_FILE && tz_parse_tzif(buf, n, canon, &tz) != 0)
        tz = NULL;
    if (tz != NULL)
        tz->from_file = 1;
    free(buf);
    return tz;
}

const helios_tz_t *tz_lookup(const char *name)
{
    char key[TZ_NAME_MAX + 1];
    size_t n = name != NULL ? strlen(name) : 0;
    if (n == 0 || n > TZ_NAME_MAX)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        key[i] = (char)toupper((unsigned char)name[i]);
    if (strcmp(key, "UTC") == 0)
        return &tz_utc_zone;
    pthread_mutex_lock(&tz_mu);
    const helios_tz_t *z = cache_find(key);
    pthread_mutex_unlock(&tz_mu);
    if (z != NULL)
        return z;
    helios_tz_t *nz = load_zone_file(name);
    if (nz == NULL && tz_parse_posix(name, name, &nz) != 0)
        return NULL;
    return cache_add(nz, key);
}

const helios_tz_t *tz_fixed(int32_t gmtoff)
{
    if (gmtoff <= -SECS_PER_DAY || gmtoff >= SECS_PER_DAY)
        return NULL;
    char off[16], name[48], key[32];
    int32_t a = gmtoff < 0 ? -gmtoff : gmtoff;
    int w = snprintf(off, sizeof off, "%02d", a / 3600);
    if (a % 3600 != 0) {
        w += snprintf(off + w, sizeof off - (size_t)w, ":%02d", a % 3600 / 60);
        if (a % 60 != 0)
            snprintf(off + w, sizeof off - (size_t)w, ":%02d", a % 60);
    }
    snprintf(name, sizeof name, gmtoff >= 0 ? "<+%s>-%s" : "<-%s>+%s", off, off);
    snprintf(key, sizeof key, "FIXED %d", gmtoff);
    pthread_mutex_lock(&tz_mu);
    const helios_tz_t *z = cache_find(key);
    pthread_mutex_unlock(&tz_mu);
    if (z != NULL)
        return z;
    helios_tz_t *nz = tz_new(name);
    if (nz == NULL)
        return NULL;
    nz->has_rule = 1;
    nz->rule.std_off = gmtoff;
    snprintf(nz->rule.std_abbr, sizeof nz->rule.std_abbr, "%c%s", gmtoff >= 0 ? '+' : '-', off);
    return cache_add(nz, key);
}

/* ---------------- abbreviations ---------------- */
/* PostgreSQL 15's default timezone_abbreviations set ("Default"), with the offsets its
   pg_timezone_abbrevs reports today (the few whose meaning changed over time keep today's) */
static const struct {
    const char *ab;
    int32_t off;
    int isdst;
} tz_abbrevs[] = {
    {"ACDT", 37800, 1},  {"ACSST", 37800, 1},  {"ACST", 34200, 0},  {"ACT", -18000, 0},
    {"ACWST", 31500, 0}, {"ADT", -10800, 1},   {"AEDT", 39600, 1},  {"AESST", 39600, 1},
    {"AEST", 36000, 0},  {"AFT", 16200, 0},    {"AKDT", -28800, 1}, {"AKST", -32400, 0},
    {"ALMST", 25200, 1}, {"ALMT", 21600, 0},   {"AMST", 14400, 0},  {"AMT", -14400, 0},
    {"ANAST", 43200, 0}, {"ANAT", 43200, 0},   {"ARST", -10800, 0}, {"ART", -10800, 0},
    {"AST", -14400, 0},  {"AWSST", 32400, 1},  {"AWST", 28800, 0},  {"AZOST", 0, 1},
    {"AZOT", -3600, 0},  {"AZST", 14400, 0},   {"AZT", 14400, 0},   {"BDST", 7200, 1},
    {"BDT", 21600, 0},   {"BNT", 28800, 0},    {"BORT", 28800, 0},  {"BOT", -14400, 0},
    {"BRA", -10800, 0},  {"BRST", -7200, 1},   {"BRT", -10800, 0},  {"BST", 3600, 1},
    {"BTT", 21600, 0},   {"CADT", 37800, 1},   {"CAST", 34200, 0},  {"CCT", 28800, 0},
    {"CDT", -18000, 1},  {"CEST", 7200, 1},    {"CET", 3600, 0},    {"CETDST", 7200, 1},
    {"CHADT", 49500, 1}, {"CHAST", 45900, 0},  {"CHUT", 36000, 0},  {"CKT", -36000, 0},
    {"CLST", -10800, 1}, {"CLT", -10800, 1},   {"COT", -18000, 0},  {"CST", -21600, 0},
    {"CXT", 25200, 0},   {"DAVT", 25200, 0},   {"DDUT", 36000, 0},  {"EASST", -18000, 1},
    {"EAST", -18000, 1}, {"EAT", 10800, 0},    {"EDT", -14400, 1},  {"EEST", 10800, 1},
    {"EET", 7200, 0},    {"EETDST", 10800, 1}, {"EGST", 0, 1},      {"EGT", -3600, 0},
    {"EST", -18000, 0},  {"FET", 10800, 0},    {"FJST", 46800, 1},  {"FJT", 43200, 0},
    {"FKST", -10800, 0}, {"FKT", -10800, 0},   {"FNST", -3600, 1},  {"FNT", -7200, 0},
    {"GALT", -21600, 0}, {"GAMT", -32400, 0},  {"GEST", 14400, 0},  {"GET", 14400, 0},
    {"GFT", -10800, 0},  {"GILT", 43200, 0},   {"GMT", 0, 0},       {"GYT", -14400, 0},
    {"HKT", 28800, 0},   {"HST", -36000, 0},   {"ICT", 25200, 0},   {"IDT", 10800, 1},
    {"IOT", 21600, 0},   {"IRKST", 28800, 0},  {"IRKT", 28800, 0},  {"IRT", 12600, 0},
    {"IST", 7200, 0},    {"JAYT", 32400, 0},   {"JST", 32400, 0},   {"KDT", 36000, 1},
    {"KGST", 21600, 1},  {"KGT", 21600, 0},    {"KOST", 39600, 0},  {"KRAST", 25200, 0},
    {"KRAT", 25200, 0},  {"KST", 32400, 0},    {"LHDT", 39600, 1},  {"LHST", 37800, 0},
    {"LIGT", 36000, 0},  {"LINT", 50400, 0},   {"LKT", 19800, 0},   {"MAGST", 39600, 0},
    {"MAGT", 39600, 0},  {"MART", -34200, 0},  {"MAWT", 18000, 0},  {"MDT", -21600, 1},
    {"MEST", 7200, 1},   {"MESZ", 7200, 1},    {"MET", 3600, 0},    {"METDST", 7200, 1},
    {"MEZ", 3600, 0},    {"MHT", 43200, 0},    {"MMT", 23400, 0},   {"MPT", 36000, 0},
    {"MSD", 14400, 1},   {"MSK", 10800, 0},    {"MST", -25200, 0},  {"MUST", 18000, 1},
    {"MUT", 14400, 0},   {"MVT", 18000, 0},    {"MYT", 28800, 0},   {"NDT", -9000, 1},
    {"NFT", -12600, 0},  {"NOVST", 25200, 0},  {"NOVT", 25200, 0},  {"NPT", 20700, 0},
    {"NST", -12600, 0},  {"NUT", -39600, 0},   {"NZDT", 46800, 1},  {"NZST", 43200, 0},
    {"NZT", 43200, 0},   {"OMSST", 21600, 0},  {"OMST", 21600, 0},  {"PDT", -25200, 1},
    {"PET", -18000, 0},  {"PETST", 43200, 0},  {"PETT", 43200, 0},  {"PGT", 36000, 0},
    {"PHT", 28800, 0},   {"PKST", 21600, 1},   {"PKT", 18000, 0},   {"PMDT", -7200, 1},
    {"PMST", -10800, 0}, {"PONT", 39600, 0},   {"PST", -28800, 0},  {"PWT", 32400, 0},
    {"PYST", -10800, 1}, {"PYT", -10800, 0},   {"RET", 14400, 0},   {"SADT", 37800, 1},
    {"SAST", 7200, 0},   {"SCT", 14400, 0},    {"SGT", 28800, 0},   {"TAHT", -36000, 0},
    {"TFT", 18000, 0},   {"TJT", 18000, 0},    {"TKT", 46800, 0},   {"TMT", 18000, 0},
    {"TOT", 46800, 0},   {"TRUT", 36000, 0},   {"TVT", 43200, 0},   {"UCT", 0, 0},
    {"ULAST", 32400, 1}, {"ULAT", 28800, 0},   {"UT", 0, 0},        {"UTC", 0, 0},
    {"UYST", -7200, 1},  {"UYT", -10800, 0},   {"UZST", 21600, 1},  {"UZT", 18000, 0},
    {"VET", -14400, 0},  {"VLAST", 36000, 0},  {"VLAT", 36000, 0},  {"VOLT", 10800, 0},
    {"VUT", 39600, 0},   {"WADT", 28800, 1},   {"WAKT", 43200, 0},  {"WAST", 25200, 0},
    {"WAT", 3600, 0},    {"WDT", 32400, 1},    {"WET", 0, 0},       {"WETDST", 3600, 1},
    {"WFT", 43200, 0},   {"WGST", -7200, 1},   {"WGT", -10800, 0},  {"XJT", 21600, 0},
    {"YAKST", 32400, 0}, {"YAKT", 32400, 0},   {"YAPT", 36000, 0},  {"YEKST", 21600, 1},
    {"YEKT", 18000, 0},  {"Z", 0, 0},          {"ZULU", 0, 0},
};

int tz_abbrev(const char *s, size_t n, int32_t *gmtoff)
{
    char up[8];
    if (n == 0 || n >= sizeof up)
        return -1;
    for (size_t i = 0; i < n; i++)
        up[i] = (char)toupper((unsigned char)s[i]);
    up[n] = '\0';
    size_t lo = 0, hi = sizeof tz_abbrevs / sizeof tz_abbrevs[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(up, tz_abbrevs[mid].ab);
        if (c == 0) {
            *gmtoff = tz_abbrevs[mid].off;
            return 0;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

int tz_abbrev_nth(size_t i, const char **abbrev, int32_t *gmtoff, int *isdst)
{
    if (i >= sizeof tz_abbrevs / sizeof tz_abbrevs[0])
        return -1;
    *abbrev = tz_abbrevs[i].ab;
    *gmtoff = tz_abbrevs[i].off;
    *isdst = tz_abbrevs[i].isdst;
    return 0;
}

/* ---------------- enumeration (pg_timezone_names) ---------------- */
typedef struct name_list {
    char **v;
    size_t n, cap;
} name_list_t;

static void walk(const char *root, const char *rel, name_list_t *out, int depth)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", root, rel[0] != '\0' ? "/" : "", rel);
    DIR *dir = opendir(path);
    if (dir == NULL || depth > 4) {
        if (dir != NULL)
            closedir(dir);
        return;
    }
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char r[1024], full[4096];
        int w = snprintf(r, sizeof r, "%s%s%s", rel, rel[0] != '\0' ? "/" : "", de->d_name);
        if (w < 0 || (size_t)w >= sizeof r || (size_t)w > TZ_NAME_MAX)
            continue;
        snprintf(full, sizeof full, "%s/%s", root, r);
        struct stat st;
        if (stat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            walk(root, r, out, depth + 1);
            continue;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        FILE *f = fopen(full, "rb");
        char magic[4];
        int is_tzif = f != NULL && fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
        if (f != NULL)
            fclose(f);
        if (!is_tzif)
            continue;
        if (out->n == out->cap) {
            size_t nc = out->cap ? out->cap * 2 : 256;
            char **nv = realloc(out->v, nc * sizeof *nv);
            if (nv == NULL)
                break;
            out->v = nv;
            out->cap = nc;
        }
        if ((out->v[out->n] = strdup(r)) != NULL)
            out->n++;
    }
    closedir(dir);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void tz_enum_zones(void (*fn)(void *ctx, const helios_tz_t *tz), void *ctx)
{
    const char *root = getenv("TZDIR");
    if (root == NULL || root[0] == '\0')
        root = "/usr/share/zoneinfo";
    name_list_t l = {0};
    walk(root, "", &l, 0);
    if (l.n > 0)
        qsort(l.v, l.n, sizeof *l.v, cmp_names);
    for (size_t i = 0; i < l.n; i++) {
        const helios_tz_t *tz = tz_lookup(l.v[i]);
        /* the file's own zone (not a POSIX reading of its name); leap-second zones refused */
        if (tz != NULL && tz->from_file && strcmp(tz_name(tz), l.v[i]) == 0)
            fn(ctx, tz);
        else if (tz == &tz_utc_zone && strcmp(l.v[i], "UTC") == 0)
            fn(ctx, tz);
        free(l.v[i]);
    }
    free(l.v);
}
