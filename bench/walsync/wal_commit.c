/*
 * wal_commit.c -- the commit latency of the LSM engine's WAL with segments written in place
 * (preallocated / recycled, the default on local tiers) against appended segments (what tiers
 * without HELIOS_TIER_CAP_OVERWRITE get, and what every store did before), interleaved in
 * one process: two stores on the nvme tier (fsync on) in DIR, rounds of N single-put commits
 * alternating between them, so the disk's drifting fsync rate hits both alike.
 *
 *   wal_commit [-d DIR] [-r ROUNDS] [-n COMMITS] [-v VALUE_BYTES]   (default /tmp, 20, 200, 100)
 *
 * Prints the median over rounds of each store's commits per second and the median of the
 * per-round ratios (in place / appended).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testenv.h"

#define WC_MAX_ROUNDS 200

static double wc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int wc_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double wc_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), wc_cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static helios_lsm_t *wc_open(tenv_t *e, const char *dir, uint32_t no_overwrite)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/wal-commit-XXXXXX", dir);
    if (mkdtemp(path) == NULL || tenv_init(e, path, 0) != 0) {
        perror("wal_commit: store directory");
        exit(1);
    }
    helios_lsm_options_t o;
    tenv_options(e, &o);
    o.wal_no_overwrite = no_overwrite;
    helios_lsm_t *db = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    helios_tree_schema_t s = {.kind = HELIOS_TREE_KV};
    if (helios_lsm_open(&o, &db, &err) != 0 || helios_lsm_tree_create(db, 1, &s, &err) != 0) {
        fprintf(stderr, "wal_commit: %s\n", err.message);
        exit(1);
    }
    return db;
}

/* n single-put commits; returns commits per second */
static double wc_round(helios_lsm_t *db, int n, int vbytes, long *key)
{
    helios_wbatch_t *b = helios_wbatch_new();
    char k[32], v[4096];
    memset(v, 'v', sizeof(v));
    helios_err_t err = HELIOS_ERR_INIT;
    double t0 = wc_now();
    for (int i = 0; i < n; i++) {
        helios_wbatch_clear(b);
        int kl = snprintf(k, sizeof(k), "key%012ld", (*key)++);
        helios_wbatch_put(b, 1, k, (uint32_t)kl, v, (uint32_t)vbytes);
        if (helios_lsm_write(db, b, NULL, NULL, &err) != 0) {
            fprintf(stderr, "wal_commit: %s\n", err.message);
            exit(1);
        }
    }
    double dt = wc_now() - t0;
    helios_wbatch_free(b);
    return n / dt;
}

int main(int argc, char **argv)
{
    const char *dir = "/tmp";
    int rounds = 20, n = 200, vbytes = 100, c;
    while ((c = getopt(argc, argv, "d:r:n:v:")) != -1) {
        if (c == 'd') {
            dir = optarg;
        } else if (c == 'r') {
            rounds = atoi(optarg);
        } else if (c == 'n') {
            n = atoi(optarg);
        } else if (c == 'v') {
            vbytes = atoi(optarg);
        } else {
            fprintf(stderr, "usage: wal_commit [-d DIR] [-r ROUNDS] [-n COMMITS] [-v BYTES]\n");
            return 2;
        }
    }
    if (rounds < 1 || rounds > WC_MAX_ROUNDS || n < 1 || vbytes < 1 || vbytes > 4096) {
        fprintf(stderr, "wal_commit: bad arguments\n");
        return 2;
    }
    tenv_t ea, eb;
    memset(&ea, 0, sizeof(ea));
    memset(&eb, 0, sizeof(eb));
    helios_lsm_t *a = wc_open(&ea, dir, 0), *b = wc_open(&eb, dir, 1);
    static double ra[WC_MAX_ROUNDS], rb[WC_MAX_ROUNDS], ratio[WC_MAX_ROUNDS];
    long ka = 0, kb = 0;
    for (int r = 0; r < rounds; r++) {
        if (r % 2 == 0) {
            ra[r] = wc_round(a, n, vbytes, &ka);
            rb[r] = wc_round(b, n, vbytes, &kb);
        } else {
            rb[r] = wc_round(b, n, vbytes, &kb);
            ra[r] = wc_round(a, n, vbytes, &ka);
        }
        ratio[r] = ra[r] / rb[r];
        printf("round %2d: in place %8.0f/s   appended %8.0f/s   ratio %.2f\n", r + 1, ra[r], rb[r],
               ratio[r]);
    }
    printf("%d rounds of %d commits (%d-byte values), medians: in place %.0f/s, appended "
           "%.0f/s, ratio of rounds %.2fx\n",
           rounds, n, vbytes, wc_median(ra, rounds), wc_median(rb, rounds),
           wc_median(ratio, rounds));
    helios_lsm_close(a);
    helios_lsm_close(b);
    tenv_fini(&ea, 1);
    tenv_fini(&eb, 1);
    return 0;
}
