/* tests/spill/test_spill.c -- queries larger than work_mem: ORDER BY (external sort) and
 * GROUP BY over ~100k generated rows at work_mem = 64kB give exactly the rows (and order) of
 * the same query at the default 64MB; the temporary directory is empty afterwards and no
 * temporary file stays open, also after a statement_timeout cancels a spilling sort. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helios/sqlstate.h"
#include "heliosdb.h"

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

static char dir[256], tmpdir[300];

static int32_t ex(helios_session_t *s, const char *sql, helios_err_t *err)
{
    memset(err, 0, sizeof *err);
    return heliosdb_exec(s, sql, err);
}

typedef struct result {
    int32_t rc;
    char msg[256];
    uint64_t rows, hash; /* FNV-1a over every value's text, in order */
    char first[128], last[128];
} result_t;

static void run(helios_session_t *s, const char *sql, result_t *r)
{
    helios_err_t err = HELIOS_ERR_INIT;
    heliosdb_stmt_t *st;
    memset(r, 0, sizeof *r);
    r->hash = 1469598103934665603ull;
    if ((r->rc = heliosdb_prepare(s, sql, &st, &err)) != 0) {
        snprintf(r->msg, sizeof r->msg, "%.200s", err.message);
        return;
    }
    int32_t rc;
    while ((rc = heliosdb_step(st, &err)) == HELIOSDB_ROW) {
        char line[512];
        size_t o = 0;
        for (uint32_t c = 0; c < heliosdb_column_count(st); c++) {
            const char *t = heliosdb_column_text(st, c);
            o += (size_t)snprintf(line + o, sizeof line - o, "%s|", t ? t : "NULL");
            if (o >= sizeof line) o = sizeof line - 1;
        }
        for (size_t i = 0; i < o; i++) r->hash = (r->hash ^ (uint8_t)line[i]) * 1099511628211ull;
        if (r->rows == 0) snprintf(r->first, sizeof r->first, "%.100s", line);
        snprintf(r->last, sizeof r->last, "%.100s", line);
        r->rows++;
    }
    r->rc = rc;
    if (rc != 0) snprintf(r->msg, sizeof r->msg, "%.200s", err.message);
    heliosdb_finalize(st);
}

static int tmp_entries(void)
{
    DIR *d = opendir(tmpdir);
    if (d == NULL) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    }
    closedir(d);
    return n;
}

/* descriptors of this process open on (deleted) files of the temporary directory */
static int open_tmp_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char p[300], t[600];
        snprintf(p, sizeof p, "/proc/self/fd/%s", e->d_name);
        ssize_t l = readlink(p, t, sizeof t - 1);
        if (l <= 0) continue;
        t[l] = 0;
        if (strstr(t, tmpdir) != NULL && strstr(t, "helios_sort_") != NULL) n++;
    }
    closedir(d);
    return n;
}

static const char *queries[] = {
    /* ties on a (stability), NULLs first, DESC */
    "SELECT CASE WHEN g % 17 = 0 THEN NULL ELSE g % 1000 END AS a, 'v' || ((g * 7919) % 100003) "
    "AS b FROM generate_series(1, 100000) g ORDER BY a DESC NULLS FIRST",
    "SELECT CASE WHEN g % 17 = 0 THEN NULL ELSE g % 1000 END AS a, 'v' || ((g * 7919) % 100003) "
    "AS b FROM generate_series(1, 100000) g ORDER BY a NULLS LAST, b DESC",
    /* text collation order, numeric and float keys */
    "SELECT 'k' || ((g * 31) % 5003)::text AS t, (g % 97)::numeric / 7 AS n, g::float8 / 3 AS f "
    "FROM generate_series(1, 100000) g ORDER BY t, n DESC, f",
    /* a table scan with a filter under the sort */
    "SELECT id, k, s FROM big WHERE k <> 5 ORDER BY s DESC, k, id",
    /* an uncorrelated subquery in the streamed filter */
    "SELECT id FROM big WHERE k < (SELECT max(k) / 2 FROM big) ORDER BY s",
    /* GROUP BY: the input streams into the group table; groups beyond work_mem spill their
       rows to hash partitions (recursively) */
    "SELECT g % 1000 AS k, count(*), sum(g), avg(g), min(g::text), max(g), bool_and(g > 5), "
    "bool_or(g % 2 = 0) FROM generate_series(1, 100000) g GROUP BY g % 1000 ORDER BY k",
    "SELECT k, count(*), sum(id), string_agg(s, ',' ORDER BY id DESC), array_agg(id ORDER BY id), "
    "count(DISTINCT id % 3) FROM big WHERE id <= 30000 GROUP BY k ORDER BY k",
    "SELECT s, count(*), string_agg(id::text, ',') FROM big GROUP BY s ORDER BY s",
    "SELECT k, max(s), min(s), avg(id) FROM big GROUP BY k ORDER BY 2 DESC",
    "SELECT k % 7 AS k, string_agg(s, ';'), max(s), min(s) FROM big WHERE id > 99000 "
    "GROUP BY k % 7 ORDER BY 1",
    "SELECT count(DISTINCT k), count(*) FROM big",
};

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/helios_spill_XXXXXX");
    if (mkdtemp(dir) == NULL) return 1;
    snprintf(tmpdir, sizeof tmpdir, "%s/tmp", dir);
    helios_engine_t *eng;
    helios_err_t err = HELIOS_ERR_INIT;
    heliosdb_options_t o = {.size = sizeof o, .no_sync = 1};
    if (heliosdb_open(dir, &o, &eng, &err) != 0) {
        printf("heliosdb_open: %s\n", err.message);
        return 1;
    }
    helios_session_t *s;
    if (heliosdb_connect(eng, NULL, &s, &err) != 0) return 1;
    CHECK(ex(s, "CREATE TABLE big (id int PRIMARY KEY, k int, s text)", &err) == 0, "%s",
          err.message);
    CHECK(ex(s,
             "INSERT INTO big SELECT g, g % 997, 'row ' || ((g * 7919) % 100003)::text FROM "
             "generate_series(1, 100000) g",
             &err) == 0,
          "insert: %s", err.message);

    size_t nq = sizeof queries / sizeof queries[0];
    for (size_t i = 0; i < nq; i++) {
        result_t big, small;
        CHECK(ex(s, "RESET work_mem", &err) == 0, "%s", err.message);
        run(s, queries[i], &big);
        CHECK(big.rc == 0, "q%zu at 64MB: %s", i, big.msg);
        CHECK(ex(s, "SET work_mem = '64kB'", &err) == 0, "%s", err.message);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        run(s, queries[i], &small);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("q%zu at 64kB: %llu rows, %.0f ms\n", i, (unsigned long long)small.rows,
               (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
        CHECK(small.rc == 0, "q%zu at 64kB: %s", i, small.msg);
        CHECK(small.rows == big.rows && small.hash == big.hash,
              "q%zu differs: %llu rows (%s .. %s) vs %llu (%s .. %s)", i,
              (unsigned long long)small.rows, small.first, small.last,
              (unsigned long long)big.rows, big.first, big.last);
        CHECK(tmp_entries() == 0 && open_tmp_fds() == 0, "q%zu left temporary files", i);
    }

    /* a sort too large for work_mem cancelled by statement_timeout mid-query */
    result_t r;
    CHECK(ex(s, "SET work_mem = '64kB'", &err) == 0, "%s", err.message);
    CHECK(ex(s, "SET statement_timeout = '30ms'", &err) == 0, "%s", err.message);
    run(s, "SELECT g, md5(g::text) FROM generate_series(1, 3000000) g ORDER BY 2", &r);
    CHECK(r.rc == HELIOS_ERR_QUERY_CANCELED, "timeout: rc %d %s", r.rc, r.msg);
    CHECK(tmp_entries() == 0 && open_tmp_fds() == 0, "cancel left temporary files");
    CHECK(ex(s, "RESET statement_timeout", &err) == 0, "%s", err.message);
    /* an error raised while streaming into the sort */
    run(s, "SELECT 1 / (g - 60000) AS x FROM generate_series(1, 100000) g ORDER BY x", &r);
    CHECK(r.rc == HELIOS_ERR_DIVISION_BY_ZERO, "division: rc %d %s", r.rc, r.msg);
    CHECK(tmp_entries() == 0 && open_tmp_fds() == 0, "error left temporary files");
    /* the session still works */
    run(s, "SELECT count(*) FROM big", &r);
    CHECK(r.rc == 0 && strcmp(r.first, "100000|") == 0, "after: %s %s", r.first, r.msg);

    heliosdb_disconnect(s);
    heliosdb_close(eng);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) printf("could not remove %s\n", dir);
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
