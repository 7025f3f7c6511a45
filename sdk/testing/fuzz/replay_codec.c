/*
 * replay_codec.c -- runs the codec fuzz harness without libFuzzer: over the files given on the
 * command line (a corpus directory or crash files, to reproduce findings), or, with no
 * arguments, over a deterministic smoke run: valid blocks of assorted inputs and thousands of
 * mutations of them (bit flips, byte sets, truncations, wrong claimed lengths, splices).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_codec.h"

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    uint8_t *buf = malloc(1u << 22);
    size_t n = buf != NULL ? fread(buf, 1, 1u << 22, f) : 0;
    fclose(f);
    helios_fuzz_codec_one(buf, n);
    free(buf);
    return 0;
}

static int run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "cannot stat %s\n", path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        return run_file(path);
    }
    DIR *d = opendir(path);
    struct dirent *e;
    int rc = 0;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char p[4096];
        snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
        rc |= run_file(p);
    }
    if (d != NULL) {
        closedir(d);
    }
    return rc;
}

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        int rc = 0;
        for (int i = 1; i < argc; i++) {
            rc |= run_path(argv[i]);
        }
        printf("replayed %d path(s)\n", argc - 1);
        return rc;
    }
    enum { N_SEEDS = 6, ROUNDS = 30000 };
    static const size_t lens[N_SEEDS] = {0, 1, 17, 300, 5000, 70000};
    uint8_t *seed[N_SEEDS];
    size_t seed_len[N_SEEDS];
    uint64_t s = 0x9E3779B97F4A7C15ULL;
    uint8_t *src = malloc(70000);
    if (src == NULL) {
        return 1;
    }
    for (int i = 0; i < N_SEEDS; i++) {
        for (size_t j = 0; j < lens[i]; j++) { /* half text-like, half repetitive */
            src[j] = j % 2 ? (uint8_t)("helios codec "[j % 13]) : (uint8_t)(next(&s) % 4);
        }
        if (helios_fuzz_codec_seed(src, lens[i], &seed[i], &seed_len[i]) != 0) {
            fprintf(stderr, "cannot make seed %d\n", i);
            return 1;
        }
        helios_fuzz_codec_one(seed[i], seed_len[i]);
    }
    uint8_t *m = malloc(2 * 80000);
    if (m == NULL) {
        return 1;
    }
    for (int r = 0; r < ROUNDS; r++) {
        int i = (int)(next(&s) % N_SEEDS);
        size_t n = seed_len[i];
        memcpy(m, seed[i], n);
        switch (next(&s) % 5) {
        case 0: /* flip bits */
            for (int k = 0; k < 1 + (int)(next(&s) % 4); k++) {
                size_t at = next(&s) % n;
                m[at] ^= (uint8_t)(1u << (next(&s) % 8));
            }
            break;
        case 1: /* set bytes */
            for (int k = 0; k < 1 + (int)(next(&s) % 4); k++) {
                m[next(&s) % n] = (uint8_t)next(&s);
            }
            break;
        case 2: /* truncate */
            n = 4 + (n > 4 ? next(&s) % (n - 4) : 0);
            break;
        case 3: { /* claim another length */
            uint32_t cap = (uint32_t)(next(&s) % 80000);
            memcpy(m, &cap, 4);
            break;
        }
        default: { /* splice another seed's tail */
            int j = (int)(next(&s) % N_SEEDS);
            size_t at = 4 + (n > 4 ? next(&s) % (n - 4) : 0);
            size_t tail = seed_len[j] > 4 ? next(&s) % (seed_len[j] - 4) : 0;
            memcpy(m + at, seed[j] + seed_len[j] - tail, tail);
            n = at + tail;
            break;
        }
        }
        helios_fuzz_codec_one(m, n);
    }
    printf("codec fuzz smoke: %d seeds, %d mutations, no findings\n", N_SEEDS, ROUNDS);
    for (int i = 0; i < N_SEEDS; i++) {
        free(seed[i]);
    }
    free(m);
    free(src);
    return 0;
}
