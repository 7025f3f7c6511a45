/* kernel/sql/types_dt.c -- date, time, timestamp and interval text I/O (PostgreSQL ISO style)
 * and timestamptz in the session's time zone (kernel/sql/tz.c). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sql/sqlint.h"
#include "sql/tz.h"

#define USECS_PER_DAY 86400000000LL
#define POSTGRES_EPOCH_JDATE 2451545

static int64_t date2j(int y, int m, int d)
{
    if (m > 2) {
        m += 1;
        y += 4800;
    } else {
        m += 13;
        y += 4799;
    }
    int64_t century = y / 100;
    int64_t j = (int64_t)y * 365 - 32167;
    j += y / 4 - century + century / 4;
    j += 7834 * m / 256 + d;
    return j;
}

static void j2date(int64_t jd, int *year, int *month, int *day)
{
    uint64_t julian = (uint64_t)jd + 32044;
    uint64_t quad = julian / 146097;
    uint64_t extra = (julian - quad * 146097) * 4 + 3;
    julian += 60 + quad * 3 + extra / 146097;
    quad = julian / 1461;
    julian -= quad * 1461;
    int64_t y = (int64_t)(julian * 4 / 1461);
    julian = ((y != 0) ? ((julian + 305) % 365) : ((julian + 306) % 366)) + 123;
    y += (int64_t)quad * 4;
    *year = (int)(y - 4800);
    quad = julian * 2141 / 65536;
    *day = (int)(julian - 7834 * quad / 256);
    *month = (int)((quad + 10) % 12 + 1);
}

int64_t dt_date2j(int y, int m, int d)
{
    return date2j(y, m, d) - POSTGRES_EPOCH_JDATE;
}

void dt_j2date(int64_t days, int *y, int *m, int *d)
{
    j2date(days + POSTGRES_EPOCH_JDATE, y, m, d);
}

static int mdays(int y, int m)
{
    static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) {
        return 29;
    }
    return md[m - 1];
}

static int rd_int(const char *s, size_t n, size_t *i, int maxd, int *out)
{
    int v = 0, k = 0;
    while (*i < n && isdigit((unsigned char)s[*i]) && k < maxd) {
        v = v * 10 + (s[*i] - '0');
        (*i)++;
        k++;
    }
    *out = v;
    return k;
}

static int parse_date_part(const char *s, size_t n, size_t *i, int64_t *days)
{
    int y, m, d;
    if (rd_int(s, n, i, 6, &y) < 1 || *i >= n || s[*i] != '-') {
        return -1;
    }
    (*i)++;
    if (rd_int(s, n, i, 2, &m) < 1 || *i >= n || s[*i] != '-') {
        return -1;
    }
    (*i)++;
    if (rd_int(s, n, i, 2, &d) < 1) {
        return -1;
    }
    if (m < 1 || m > 12 || d < 1 || d > mdays(y, m)) {
        return -1;
    }
    *days = dt_date2j(y, m, d);
    return 0;
}

static int parse_time_part(const char *s, size_t n, size_t *i, int64_t *us)
{
    int h, mi, se = 0;
    if (rd_int(s, n, i, 2, &h) < 1 || *i >= n || s[*i] != ':') {
        return -1;
    }
    (*i)++;
    if (rd_int(s, n, i, 2, &mi) < 1) {
        return -1;
    }
    int64_t frac = 0;
    if (*i < n && s[*i] == ':') {
        (*i)++;
        if (rd_int(s, n, i, 2, &se) < 1) {
            return -1;
        }
        if (*i < n && s[*i] == '.') {
            (*i)++;
            int64_t mul = 100000;
            while (*i < n && isdigit((unsigned char)s[*i])) {
                frac += (s[*i] - '0') * mul;
                mul /= 10;
                (*i)++;
            }
        }
    }
    if (h > 24 || mi > 59 || se > 60) {
        return -1;
    }
    *us = ((int64_t)h * 3600 + mi * 60 + se) * 1000000 + frac;
    return 0;
}

static __thread char bad_zone[TZ_NAME_MAX + 1];

const char *dt_bad_zone(void)
{
    return bad_zone;
}

/* A zone after a timestamp, as PostgreSQL's DecodeDateTime takes it: Z, a numeric offset
   (+hh, +hhmm, +hh:mm, +hh:mm:ss, +hhmmss), an abbreviation (EST, CEST, UTC...) or a zone
   name (America/New_York, or any TimeZone value). *kind: 0 none, 1 fixed offset *off_s (east),
   2 the zone *zone. -1 bad syntax, -2 displacement out of range, -3 an unknown zone name
   (dt_bad_zone). */
static int parse_tz(const char *s, size_t n, size_t *i, int *kind, int32_t *off_s,
                    const helios_tz_t **zone)
{
    *kind = 0;
    while (*i < n && isspace((unsigned char)s[*i])) (*i)++;
    if (*i >= n) {
        return 0;
    }
    if (s[*i] == '+' || s[*i] == '-') {
        int neg = s[*i] == '-';
        (*i)++;
        size_t st = *i;
        int h = 0, m = 0, sec = 0, nd;
        while (*i < n && isdigit((unsigned char)s[*i]) && *i - st < 6) (*i)++;
        nd = (int)(*i - st);
        if (*i < n && isdigit((unsigned char)s[*i])) {
            return -1;
        }
        const char *d = s + st;
        if (nd == 1 || nd == 2) {
            h = nd == 1 ? d[0] - '0' : (d[0] - '0') * 10 + (d[1] - '0');
            if (*i < n && s[*i] == ':') {
                (*i)++;
                if (rd_int(s, n, i, 2, &m) != 2) {
                    return -1;
                }
                if (*i < n && s[*i] == ':') {
                    (*i)++;
                    if (rd_int(s, n, i, 2, &sec) != 2) {
                        return -1;
                    }
                }
            }
        } else if (nd == 4 || nd == 6) {
            h = (d[0] - '0') * 10 + (d[1] - '0');
            m = (d[2] - '0') * 10 + (d[3] - '0');
            sec = nd == 6 ? (d[4] - '0') * 10 + (d[5] - '0') : 0;
        } else {
            return -1;
        }
        if (h > 15 || m > 59 || sec > 59) {
            return -2;
        }
        int32_t o = h * 3600 + m * 60 + sec;
        *off_s = neg ? -o : o;
        *kind = 1;
        return 0;
    }
    if (!isalpha((unsigned char)s[*i])) {
        return -1;
    }
    size_t st = *i;
    while (*i < n && (isalnum((unsigned char)s[*i]) || s[*i] == '/' || s[*i] == '_' ||
                      s[*i] == '+' || s[*i] == '-' || s[*i] == ':')) {
        (*i)++;
    }
    size_t tl = *i - st;
    if (tz_abbrev(s + st, tl, off_s) == 0) {
        *kind = 1;
        return 0;
    }
    char name[TZ_NAME_MAX + 1];
    if (tl > TZ_NAME_MAX) {
        return -1;
    }
    memcpy(name, s + st, tl);
    name[tl] = '\0';
    if ((*zone = tz_lookup(name)) == NULL) {
        /* PostgreSQL names the unknown zone lower-cased (its tokens are) */
        for (size_t k = 0; k <= tl; k++) bad_zone[k] = (char)tolower((unsigned char)name[k]);
        return -3;
    }
    *kind = 2;
    return 0;
}

int32_t dt_parse_date(const char *s, size_t n, int64_t *days)
{
    size_t i = 0;
    if (n == 5 && strncasecmp(s, "today", 5) == 0) {
        int64_t now = dt_tstz_to_local(dt_now_us());
        *days = now / USECS_PER_DAY - (now % USECS_PER_DAY < 0);
        return 0;
    }
    if (parse_date_part(s, n, &i, days) != 0) {
        return -1;
    }
    /* tolerate a time part (PostgreSQL accepts '2020-01-01 10:00' for date) */
    if (i < n && (s[i] == ' ' || s[i] == 'T')) {
        int64_t us;
        i++;
        if (parse_time_part(s, n, &i, &us) != 0) {
            return -1;
        }
    }
    return i == n ? 0 : -1;
}

int32_t dt_parse_time(const char *s, size_t n, int64_t *us)
{
    size_t i = 0;
    if (parse_time_part(s, n, &i, us) != 0) {
        return -1;
    }
    return i == n ? 0 : -1;
}

static int word_is(const char *s, size_t n, const char *w)
{
    size_t l = strlen(w);
    return n == l && strncasecmp(s, w, l) == 0;
}

int32_t dt_parse_timestamp(const char *s, size_t n, int64_t *us, int tz)
{
    size_t i = 0;
    int64_t days, t = 0;
    while (n > 0 && isspace((unsigned char)s[n - 1])) n--;
    while (i < n && isspace((unsigned char)s[i])) i++;
    s += i;
    n -= i;
    i = 0;
    if (word_is(s, n, "now")) {
        *us = dt_now_us();
        return 0;
    }
    if (word_is(s, n, "epoch")) {
        *us = -946684800LL * 1000000;
        return 0;
    }
    if (word_is(s, n, "today") || word_is(s, n, "tomorrow") || word_is(s, n, "yesterday")) {
        int64_t now = tz ? dt_tstz_to_local(dt_now_us()) : dt_now_us();
        int64_t d = now / USECS_PER_DAY - (now % USECS_PER_DAY < 0);
        d += s[0] == 't' || s[0] == 'T' ? (n == 8) : -1;
        *us = tz ? dt_local_to_tstz(d * USECS_PER_DAY) : d * USECS_PER_DAY;
        return 0;
    }
    if (parse_date_part(s, n, &i, &days) != 0) {
        return -1;
    }
    if (i < n && (s[i] == 'T' || (s[i] == ' ' && i + 1 < n && isdigit((unsigned char)s[i + 1])))) {
        i++;
        while (i < n && s[i] == ' ') i++;
        if (parse_time_part(s, n, &i, &t) != 0) {
            return -1;
        }
    }
    int kind;
    int32_t off = 0;
    const helios_tz_t *zone = NULL;
    int r = parse_tz(s, n, &i, &kind, &off, &zone);
    if (r != 0 || i != n) {
        return r != 0 ? r : -1;
    }
    int64_t local = days * USECS_PER_DAY + t;
    if (!tz) {
        *us = local; /* PostgreSQL ignores a zone given to timestamp without time zone */
    } else if (kind == 1) {
        *us = local - (int64_t)off * 1000000;
    } else {
        *us = dt_zone_from_local(kind == 2 ? zone : tz_current(), local);
    }
    return 0;
}

int32_t dt_parse_interval(const char *s, size_t n, int64_t *us, int32_t *days, int32_t *months)
{
    *us = 0;
    *days = 0;
    *months = 0;
    size_t i = 0;
    int any = 0;
    while (i < n) {
        while (i < n && s[i] == ' ') i++;
        if (i >= n) {
            break;
        }
        if (n - i >= 3 && strncasecmp(s + i, "ago", 3) == 0) {
            *us = -*us;
            *days = -*days;
            *months = -*months;
            i += 3;
            continue;
        }
        int neg = 0;
        if (s[i] == '-' || s[i] == '+') {
            neg = s[i] == '-';
            i++;
        }
        size_t st = i;
        int64_t tv;
        if (parse_time_part(s, n, &i, &tv) == 0) {
            *us += neg ? -tv : tv;
            any = 1;
            continue;
        }
        i = st;
        char *end;
        char tmp[64];
        size_t k = 0;
        while (i < n && k < 63 && (isdigit((unsigned char)s[i]) || s[i] == '.')) {
            tmp[k++] = s[i++];
        }
        tmp[k] = '\0';
        if (k == 0) {
            return -1;
        }
        double v = strtod(tmp, &end);
        if (neg) {
            v = -v;
        }
        while (i < n && s[i] == ' ') i++;
        size_t u0 = i;
        while (i < n && isalpha((unsigned char)s[i])) i++;
        size_t ul = i - u0;
        const char *u = s + u0;
        if (ul == 0) {
            *us += (int64_t)(v * 1e6);
        } else if (strncasecmp(u, "year", 4) == 0 || (ul <= 2 && strncasecmp(u, "y", 1) == 0)) {
            *months += (int32_t)(v * 12);
        } else if (strncasecmp(u, "mon", 3) == 0) {
            *months += (int32_t)v;
        } else if (strncasecmp(u, "week", 4) == 0 || (ul == 1 && *u == 'w')) {
            *days += (int32_t)(v * 7);
        } else if (strncasecmp(u, "day", 3) == 0 || (ul == 1 && *u == 'd')) {
            *days += (int32_t)v;
        } else if (strncasecmp(u, "hour", 4) == 0 || (ul == 1 && *u == 'h')) {
            *us += (int64_t)(v * 3600e6);
        } else if (strncasecmp(u, "min", 3) == 0 || (ul == 1 && *u == 'm')) {
            *us += (int64_t)(v * 60e6);
        } else if (strncasecmp(u, "sec", 3) == 0 || (ul == 1 && *u == 's')) {
            *us += (int64_t)(v * 1e6);
        } else if (strncasecmp(u, "millisecond", 11) == 0 || strncasecmp(u, "ms", 2) == 0) {
            *us += (int64_t)(v * 1e3);
        } else {
            return -1;
        }
        any = 1;
    }
    return any ? 0 : -1;
}

void dt_format_date(int64_t days, sbuf_t *sb)
{
    int y, m, d;
    dt_j2date(days, &y, &m, &d);
    if (y <= 0) {
        sb_printf(sb, "%04d-%02d-%02d BC", 1 - y, m, d);
    } else {
        sb_printf(sb, "%04d-%02d-%02d", y, m, d);
    }
}

void dt_format_time(int64_t us, sbuf_t *sb)
{
    int64_t s = us / 1000000, f = us % 1000000;
    sb_printf(sb, "%02d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
    if (f != 0) {
        char tmp[16];
        snprintf(tmp, sizeof tmp, ".%06lld", (long long)f);
        size_t l = strlen(tmp);
        while (tmp[l - 1] == '0') {
            tmp[--l] = '\0';
        }
        sb_puts(sb, tmp);
    }
}

/* PostgreSQL's EncodeTimezone: +hh, +hh:mm when minutes, +hh:mm:ss when seconds (LMT) */
void dt_format_offset(int32_t off, sbuf_t *sb)
{
    int32_t a = off < 0 ? -off : off;
    sb_printf(sb, "%c%02d", off < 0 ? '-' : '+', a / 3600);
    if (a % 60 != 0) {
        sb_printf(sb, ":%02d:%02d", a / 60 % 60, a % 60);
    } else if (a % 3600 != 0) {
        sb_printf(sb, ":%02d", a / 60 % 60);
    }
}

void dt_format_timestamp(int64_t us, int tz, sbuf_t *sb)
{
    int32_t off = 0;
    if (tz) {
        off = dt_tstz_offset(tz_current(), us);
        us += (int64_t)off * 1000000;
    }
    int64_t days = us / USECS_PER_DAY, t = us % USECS_PER_DAY;
    if (t < 0) {
        t += USECS_PER_DAY;
        days--;
    }
    int y, m, d;
    dt_j2date(days, &y, &m, &d);
    sb_printf(sb, "%04d-%02d-%02d ", y <= 0 ? 1 - y : y, m, d);
    dt_format_time(t, sb);
    if (tz) {
        dt_format_offset(off, sb);
    }
    if (y <= 0) {
        sb_puts(sb, " BC");
    }
}

/* ---- the session's zone (tz.c holds it per thread) ---- */
static int64_t unix_secs(int64_t us)
{
    return us / 1000000 - (us % 1000000 < 0) + 946684800LL;
}

int32_t dt_tstz_offset(const helios_tz_t *zone, int64_t us)
{
    return tz_offset_at(zone, unix_secs(us), NULL, NULL);
}

int64_t dt_zone_to_local(const helios_tz_t *zone, int64_t us)
{
    return us + (int64_t)dt_tstz_offset(zone, us) * 1000000;
}

int64_t dt_zone_from_local(const helios_tz_t *zone, int64_t local)
{
    return local - (int64_t)tz_offset_local(zone, unix_secs(local)) * 1000000;
}

int64_t dt_tstz_to_local(int64_t us)
{
    return dt_zone_to_local(tz_current(), us);
}

int64_t dt_local_to_tstz(int64_t local)
{
    return dt_zone_from_local(tz_current(), local);
}

/* timestamptz + interval as PostgreSQL: months, then days on the local calendar of the
   session zone (keeping the wall time across a DST change), then the time part in absolute
   microseconds (so '1 day' and '24 hours' differ across a transition) */
int64_t dt_tstz_add_interval(int64_t ts, int32_t months, int32_t days, int64_t us, int sign)
{
    if (months != 0 || days != 0) {
        int64_t local = dt_tstz_to_local(ts);
        int64_t ld = local / USECS_PER_DAY, lt = local % USECS_PER_DAY;
        if (lt < 0) {
            lt += USECS_PER_DAY;
            ld--;
        }
        if (months != 0) {
            int y, m, d;
            dt_j2date(ld, &y, &m, &d);
            int64_t mm = (int64_t)y * 12 + (m - 1) + (int64_t)sign * months;
            y = (int)(mm >= 0 ? mm / 12 : -((-mm + 11) / 12));
            m = (int)(mm - (int64_t)y * 12) + 1;
            if (d > mdays(y, m)) {
                d = mdays(y, m);
            }
            ld = dt_date2j(y, m, d);
        }
        ld += (int64_t)sign * days;
        ts = dt_local_to_tstz(ld * USECS_PER_DAY + lt);
    }
    return ts + sign * us;
}

/* a TimeZone setting value as PostgreSQL's check_timezone reads it: "interval '...'" (SET
   TIME ZONE INTERVAL), a number of hours east, else a zone name or POSIX string. 0 and *out,
   -1 invalid, -2 an interval with months or days */
int dt_tz_setting(const char *v, const helios_tz_t **out)
{
    if (strncasecmp(v, "interval", 8) == 0) {
        const char *q = strchr(v, '\'');
        const char *e = q != NULL ? strchr(q + 1, '\'') : NULL;
        int64_t us;
        int32_t days, months;
        if (e == NULL || dt_parse_interval(q + 1, (size_t)(e - q - 1), &us, &days, &months) != 0) {
            return -1;
        }
        if (days != 0 || months != 0) {
            return -2;
        }
        return (*out = tz_fixed((int32_t)(us / 1000000))) != NULL ? 0 : -1;
    }
    char *end;
    double h = strtod(v, &end);
    if (end != v && *end == '\0') {
        if (!(h > -24.0 && h < 24.0)) {
            return -1;
        }
        return (*out = tz_fixed((int32_t)(h * 3600))) != NULL ? 0 : -1;
    }
    return (*out = tz_lookup(v)) != NULL ? 0 : -1;
}

/* the zone argument of make_timestamptz (PostgreSQL's parse_sane_timezone): a numeric offset
   first, with the ISO sign ('+05:30' is east), then as dt_zone_arg */
int dt_zone_arg_iso(const char *s, size_t n, const helios_tz_t **out)
{
    size_t i = 0;
    int kind;
    int32_t off;
    const helios_tz_t *z = NULL;
    if (n > 0 && (s[0] == '+' || s[0] == '-') && parse_tz(s, n, &i, &kind, &off, &z) == 0 &&
        i == n && kind == 1) {
        return (*out = tz_fixed(off)) != NULL ? 0 : -1;
    }
    return dt_zone_arg(s, n, out);
}

/* the zone argument of AT TIME ZONE / timezone(): an abbreviation first, then a zone name or
   POSIX string (PostgreSQL's timestamptz_zone). 0 and *out, or -1 */
int dt_zone_arg(const char *s, size_t n, const helios_tz_t **out)
{
    int32_t off;
    char name[TZ_NAME_MAX + 1];
    if (tz_abbrev(s, n, &off) == 0) {
        return (*out = tz_fixed(off)) != NULL ? 0 : -1;
    }
    if (n == 0 || n > TZ_NAME_MAX) {
        return -1;
    }
    memcpy(name, s, n);
    name[n] = '\0';
    return (*out = tz_lookup(name)) != NULL ? 0 : -1;
}

void dt_format_interval(int64_t us, int32_t days, int32_t months, sbuf_t *sb)
{
    int any = 0;
    int32_t y = months / 12, mo = months % 12;
    if (y != 0) {
        sb_printf(sb, "%d year%s", y, (y == 1 || y == -1) ? "" : "s");
        any = 1;
    }
    if (mo != 0) {
        sb_printf(sb, "%s%d mon%s", any ? " " : "", mo, (mo == 1 || mo == -1) ? "" : "s");
        any = 1;
    }
    if (days != 0) {
        sb_printf(sb, "%s%d day%s", any ? " " : "", days, (days == 1 || days == -1) ? "" : "s");
        any = 1;
    }
    if (us != 0 || !any) {
        if (any) {
            sb_putc(sb, ' ');
        }
        if (us < 0) {
            sb_putc(sb, '-');
            us = -us;
        }
        dt_format_time(us, sb);
    }
}

int64_t dt_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((int64_t)ts.tv_sec - 946684800LL) * 1000000 + ts.tv_nsec / 1000;
}
