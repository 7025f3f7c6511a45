/* kernel/sql/types_dt.c -- date, time, timestamp and interval text I/O (PostgreSQL ISO style;
 * the session time zone is UTC). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sql/sqlint.h"

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

static int parse_tz(const char *s, size_t n, size_t *i, int64_t *off_us)
{
    while (*i < n && s[*i] == ' ') (*i)++;
    if (*i >= n) {
        return 0;
    }
    if (s[*i] == 'Z' || s[*i] == 'z') {
        (*i)++;
        return 0;
    }
    if (n - *i >= 3 && strncasecmp(s + *i, "UTC", 3) == 0) {
        *i += 3;
        return 0;
    }
    if (s[*i] == '+' || s[*i] == '-') {
        int neg = s[*i] == '-';
        (*i)++;
        int h = 0, m = 0;
        if (rd_int(s, n, i, 2, &h) < 1) {
            return -1;
        }
        if (*i < n && s[*i] == ':') {
            (*i)++;
        }
        rd_int(s, n, i, 2, &m);
        int64_t o = ((int64_t)h * 3600 + m * 60) * 1000000;
        *off_us = neg ? -o : o;
        return 0;
    }
    return -1;
}

int32_t dt_parse_date(const char *s, size_t n, int64_t *days)
{
    size_t i = 0;
    if (n == 5 && strncasecmp(s, "today", 5) == 0) {
        *days = dt_now_us() / USECS_PER_DAY;
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

int32_t dt_parse_timestamp(const char *s, size_t n, int64_t *us, int tz)
{
    size_t i = 0;
    int64_t days, t = 0, off = 0;
    if (n == 3 && strncasecmp(s, "now", 3) == 0) {
        *us = dt_now_us();
        return 0;
    }
    if (parse_date_part(s, n, &i, &days) != 0) {
        return -1;
    }
    if (i < n && (s[i] == ' ' || s[i] == 'T')) {
        i++;
        if (parse_time_part(s, n, &i, &t) != 0) {
            return -1;
        }
    }
    if (parse_tz(s, n, &i, &off) != 0 || i != n) {
        return -1;
    }
    *us = days * USECS_PER_DAY + t - (tz ? off : 0);
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

void dt_format_timestamp(int64_t us, int tz, sbuf_t *sb)
{
    int64_t days = us / USECS_PER_DAY, t = us % USECS_PER_DAY;
    if (t < 0) {
        t += USECS_PER_DAY;
        days--;
    }
    dt_format_date(days, sb);
    sb_putc(sb, ' ');
    dt_format_time(t, sb);
    if (tz) {
        sb_puts(sb, "+00");
    }
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
