/*
 * walsync.c -- the floor under a commit's latency on this machine: a loop of small writes, each
 * followed by fdatasync, into (a) a file that grows with every write (append: each fdatasync
 * must also journal the new size), (b) a preallocated file whose blocks are already written
 * (overwrite: data only, what PostgreSQL's zero-filled WAL segments and recycled segments get),
 * and (c) a file extended with fallocate (unwritten extents: their conversion is journaled).
 * Modes alternate round by round, since a disk's fsync rate drifts.
 *
 *   walsync [-d DIR] [-n WRITES] [-b BYTES] [-r ROUNDS]    (default /tmp, 2000, 120, 3)
 *
 * Prints, per mode, the median over rounds of the mean and median latency per write+fdatasync.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WS_MODES 3

static const char *const ws_mode_names[WS_MODES] = {"append", "overwrite (pre-zeroed)",
                                                    "fallocate (unwritten)"};

static double ws_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int ws_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One round of `n` writes in `mode`; sets the mean and median latency in microseconds. */
static int ws_round(const char *dir, int mode, int n, int bytes, double *mean, double *median)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/walsync.%d.%ld", dir, mode, (long)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        perror(path);
        return -1;
    }
    uint64_t size = (uint64_t)n * (uint64_t)bytes + (1u << 20);
    char *buf = calloc(1, 1u << 20);
    double *lat = calloc((size_t)n, sizeof(double));
    int rc = -1;
    if (buf == NULL || lat == NULL) {
        goto failed;
    }
    if (mode == 1) {
        for (uint64_t off = 0; off < size; off += 1u << 20) {
            if (write(fd, buf, 1u << 20) != (ssize_t)(1u << 20)) {
                goto failed;
            }
        }
        if (fsync(fd) != 0) {
            goto failed;
        }
    } else if (mode == 2) {
        if (fallocate(fd, 0, 0, (off_t)size) != 0 || fsync(fd) != 0) {
            goto failed;
        }
    } else if (fsync(fd) != 0) {
        goto failed;
    }
    memset(buf, 'x', (size_t)bytes);
    double total = 0;
    for (int i = 0; i < n; i++) {
        double t0 = ws_now_us();
        if (pwrite(fd, buf, (size_t)bytes, (off_t)i * bytes) != bytes || fdatasync(fd) != 0) {
            goto failed;
        }
        lat[i] = ws_now_us() - t0;
        total += lat[i];
    }
    qsort(lat, (size_t)n, sizeof(double), ws_cmp);
    *mean = total / n;
    *median = lat[n / 2];
    rc = 0;
failed:
    if (rc != 0) {
        perror("walsync");
    }
    free(buf);
    free(lat);
    close(fd);
    unlink(path);
    return rc;
}

int main(int argc, char **argv)
{
    const char *dir = "/tmp";
    int n = 2000, bytes = 120, rounds = 3, c;
    while ((c = getopt(argc, argv, "d:n:b:r:")) != -1) {
        if (c == 'd') {
            dir = optarg;
        } else if (c == 'n') {
            n = atoi(optarg);
        } else if (c == 'b') {
            bytes = atoi(optarg);
        } else if (c == 'r') {
            rounds = atoi(optarg);
        } else {
            fprintf(stderr, "usage: walsync [-d DIR] [-n WRITES] [-b BYTES] [-r ROUNDS]\n");
            return 2;
        }
    }
    if (n < 1 || bytes < 1 || bytes > (1 << 20) || rounds < 1 || rounds > 64) {
        fprintf(stderr, "walsync: bad arguments\n");
        return 2;
    }
    double means[WS_MODES][64], medians[WS_MODES][64];
    for (int r = 0; r < rounds; r++) {
        for (int m = 0; m < WS_MODES; m++) {
            if (ws_round(dir, m, n, bytes, &means[m][r], &medians[m][r]) != 0) {
                return 1;
            }
        }
    }
    printf("%d writes of %d bytes + fdatasync in %s, %d alternating rounds (medians):\n", n, bytes,
           dir, rounds);
    for (int m = 0; m < WS_MODES; m++) {
        qsort(means[m], (size_t)rounds, sizeof(double), ws_cmp);
        qsort(medians[m], (size_t)rounds, sizeof(double), ws_cmp);
        printf("  %-24s mean %8.1f us   median %8.1f us   (%.0f commits/s)\n", ws_mode_names[m],
               means[m][rounds / 2], medians[m][rounds / 2], 1e6 / means[m][rounds / 2]);
    }
    return 0;
}
