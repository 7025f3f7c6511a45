/*
 * lsm_bench.c -- db_bench's workloads on HeliosDB's LSM engine, with db_bench's key and value
 * shapes: 16-byte keys (8-byte big-endian number then '0' padding), values that compress to
 * about half, writes in batches of --batch_size with one sync per batch.
 *
 *   lsm_bench --db DIR [--num N] [--value_size V] [--batch_size B] [--sync 0|1]
 *             [--cache_size BYTES] [--bloom_bits K] [--write_buffer_size BYTES]
 *             [--benchmarks fillseq,fillrandom,overwrite,readrandom,readseq,seekrandom,
 *                           readwhilewriting]
 * Prints one line per benchmark: "<name> : <micros/op> micros/op <ops/s> ops/sec ...".
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "storage/lsm.h"
#include "testenv.h"

#define TREE 1u

static const char *opt_db = "/tmp/helios-lsm-bench";
static uint64_t opt_num = 1000000;
static uint32_t opt_value_size = 100;
static uint32_t opt_batch = 1;
static uint32_t opt_sync = 1;
static uint64_t opt_cache = 64u << 20;
static uint32_t opt_bloom = 10;
static uint64_t opt_wbuf = 64u << 20;
static const char *opt_benchmarks =
    "fillseq,fillrandom,overwrite,readrandom,readseq,seekrandom,readwhilewriting";

static tenv_t env;
static helios_lsm_t *db;
static uint8_t *valbuf;
static size_t valbuf_len = 1u << 20;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct rng {
    uint64_t s;
} rng_t;

static uint64_t rnext(rng_t *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static void make_key(uint64_t k, uint8_t *out)
{
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(k >> (56 - 8 * i));
    }
    memset(out + 8, '0', 8);
}

/* values compressible to about 50%, as db_bench's RandomGenerator makes them */
static void make_values(void)
{
    valbuf = malloc(valbuf_len);
    rng_t r = {0x1234567};
    size_t pos = 0;
    while (pos < valbuf_len) {
        uint8_t piece[100];
        for (int i = 0; i < 50; i++) {
            piece[i] = (uint8_t)(' ' + rnext(&r) % 95);
        }
        memcpy(piece + 50, piece, 50);
        size_t n = valbuf_len - pos < 100 ? valbuf_len - pos : 100;
        memcpy(valbuf + pos, piece, n);
        pos += n;
    }
}

static const uint8_t *value_at(rng_t *r)
{
    return valbuf + rnext(r) % (valbuf_len - opt_value_size);
}

static void open_db(int fresh)
{
    if (fresh) {
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", opt_db, opt_db);
        if (system(cmd) != 0) {
            exit(2);
        }
    }
    if (tenv_init(&env, opt_db, 1) != 0) {
        exit(2);
    }
    helios_lsm_options_t o;
    tenv_options(&env, &o);
    o.memtable_bytes = opt_wbuf;
    o.bloom_bits_per_key = opt_bloom;
    o.block_cache_bytes = opt_cache;
    o.block_bytes = 4096; /* db_bench's default block size */
    helios_err_t err = HELIOS_ERR_INIT;
    if (helios_lsm_open(&o, &db, &err) != 0) {
        fprintf(stderr, "open: %s\n", err.message);
        exit(2);
    }
    if (!helios_lsm_tree_exists(db, TREE)) {
        helios_tree_schema_t s = {.kind = HELIOS_TREE_KV};
        if (helios_lsm_tree_create(db, TREE, &s, &err) != 0) {
            fprintf(stderr, "create: %s\n", err.message);
            exit(2);
        }
    }
}

static void close_db(void)
{
    helios_lsm_close(db);
    db = NULL;
    tenv_fini(&env, 0);
}

static void report(const char *name, uint64_t ops, uint64_t ns, const char *extra)
{
    if (getenv("LSM_BENCH_STATS") != NULL) {
        helios_lsm_stats_t st;
        helios_lsm_stats(db, 0, &st);
        fprintf(stderr,
                "  [%s] sstables %llu (%llu MB) compactions %llu stall %.1f ms fsyncs %llu "
                "commits %llu bloom %llu/%llu/%llu\n",
                name, (unsigned long long)st.n_sstables,
                (unsigned long long)(st.sstable_bytes >> 20), (unsigned long long)st.compactions,
                (double)st.write_stall_us / 1000.0, (unsigned long long)st.fsyncs,
                (unsigned long long)st.commits, (unsigned long long)st.bloom_checks,
                (unsigned long long)st.bloom_negatives, (unsigned long long)st.bloom_false_pos);
    }
    double secs = (double)ns / 1e9;
    double mbs = (double)ops * (16 + opt_value_size) / 1048576.0 / secs;
    printf("%-12s : %11.3f micros/op %.0f ops/sec %.3f seconds %llu operations; %5.1f MB/s%s\n",
           name, (double)ns / 1000.0 / (double)ops, (double)ops / secs, secs,
           (unsigned long long)ops, mbs, extra);
    fflush(stdout);
}

static void do_write(const char *name, int random_keys, uint64_t seed)
{
    helios_wbatch_t *b = helios_wbatch_new();
    helios_write_opts_t wo = {.no_sync = opt_sync ? 0 : 1};
    rng_t r = {seed}, vr = {seed * 31 + 7};
    uint8_t key[16];
    helios_err_t err = HELIOS_ERR_INIT;
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < opt_num; i += opt_batch) {
        helios_wbatch_clear(b);
        for (uint32_t j = 0; j < opt_batch && i + j < opt_num; j++) {
            uint64_t k = random_keys ? rnext(&r) % opt_num : i + j;
            make_key(k, key);
            helios_wbatch_put(b, TREE, key, 16, value_at(&vr), opt_value_size);
        }
        if (helios_lsm_write(db, b, &wo, NULL, &err) != 0) {
            fprintf(stderr, "%s: %s\n", name, err.message);
            exit(1);
        }
    }
    report(name, opt_num, now_ns() - t0, "");
    helios_wbatch_free(b);
}

static uint64_t do_reads(uint64_t n, uint64_t seed, _Atomic int *stop)
{
    rng_t r = {seed};
    uint8_t key[16];
    helios_buf_t v = {0};
    helios_err_t err = HELIOS_ERR_INIT;
    uint64_t found = 0;
    for (uint64_t i = 0; i < n && (stop == NULL || !atomic_load(stop)); i++) {
        make_key(rnext(&r) % opt_num, key);
        uint32_t f = 0;
        if (helios_lsm_get(db, TREE, HELIOS_SEQ_MAX, key, 16, &v, &f, &err) != 0) {
            fprintf(stderr, "get: %s\n", err.message);
            exit(1);
        }
        found += f;
    }
    helios_buf_free(&v);
    return found;
}

static void do_readrandom(void)
{
    uint64_t t0 = now_ns();
    uint64_t found = do_reads(opt_num, 99, NULL);
    char extra[64];
    snprintf(extra, sizeof(extra), " (%llu of %llu found)", (unsigned long long)found,
             (unsigned long long)opt_num);
    report("readrandom", opt_num, now_ns() - t0, extra);
}

static void do_readseq(void)
{
    helios_iter_t *it = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    uint64_t t0 = now_ns();
    if (helios_lsm_iter_open(db, TREE, HELIOS_SEQ_MAX, &it, &err) != 0) {
        exit(1);
    }
    uint64_t n = 0, bytes = 0;
    for (helios_iter_seek_first(it); helios_iter_valid(it) && n < opt_num; helios_iter_next(it)) {
        uint32_t kl, vl;
        helios_iter_key(it, &kl);
        helios_iter_value(it, &vl);
        bytes += kl + vl;
        n++;
    }
    helios_iter_close(it);
    char extra[64];
    snprintf(extra, sizeof extra, " (%.1f MB read)", (double)bytes / 1048576.0);
    report("readseq", n, now_ns() - t0, extra);
}

static void do_seekrandom(void)
{
    rng_t r = {77};
    uint8_t key[16];
    helios_iter_t *it = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    uint64_t t0 = now_ns(), found = 0;
    if (helios_lsm_iter_open(db, TREE, HELIOS_SEQ_MAX, &it, &err) != 0) {
        exit(1);
    }
    for (uint64_t i = 0; i < opt_num; i++) {
        uint64_t k = rnext(&r) % opt_num;
        make_key(k, key);
        helios_iter_seek(it, key, 16);
        if (helios_iter_valid(it)) {
            uint32_t kl;
            const void *p = helios_iter_key(it, &kl);
            found += kl == 16 && memcmp(p, key, 16) == 0;
        }
    }
    helios_iter_close(it);
    char extra[64];
    snprintf(extra, sizeof(extra), " (%llu of %llu found)", (unsigned long long)found,
             (unsigned long long)opt_num);
    report("seekrandom", opt_num, now_ns() - t0, extra);
}

static _Atomic int rww_stop;

static void *rww_writer(void *arg)
{
    helios_wbatch_t *b = helios_wbatch_new();
    helios_write_opts_t wo = {.no_sync = opt_sync ? 0 : 1};
    rng_t r = {4242}, vr = {4243};
    uint8_t key[16];
    helios_err_t err = HELIOS_ERR_INIT;
    uint64_t *n = arg;
    while (!atomic_load(&rww_stop)) {
        helios_wbatch_clear(b);
        make_key(rnext(&r) % opt_num, key);
        helios_wbatch_put(b, TREE, key, 16, value_at(&vr), opt_value_size);
        if (helios_lsm_write(db, b, &wo, NULL, &err) != 0) {
            fprintf(stderr, "writer: %s\n", err.message);
            exit(1);
        }
        (*n)++;
    }
    helios_wbatch_free(b);
    return NULL;
}

static void do_readwhilewriting(void)
{
    pthread_t w;
    uint64_t writes = 0;
    atomic_store(&rww_stop, 0);
    pthread_create(&w, NULL, rww_writer, &writes);
    uint64_t t0 = now_ns();
    uint64_t found = do_reads(opt_num, 555, NULL);
    uint64_t ns = now_ns() - t0;
    atomic_store(&rww_stop, 1);
    pthread_join(w, NULL);
    char extra[96];
    snprintf(extra, sizeof(extra), " (%llu of %llu found; %llu writes)", (unsigned long long)found,
             (unsigned long long)opt_num, (unsigned long long)writes);
    report("readwhilewriting", opt_num, ns, extra);
}

int main(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strncmp(k, "--", 2) == 0) {
            k += 2;
        }
        if (strcmp(k, "db") == 0) {
            opt_db = v;
        } else if (strcmp(k, "num") == 0) {
            opt_num = strtoull(v, NULL, 10);
        } else if (strcmp(k, "value_size") == 0) {
            opt_value_size = (uint32_t)atoi(v);
        } else if (strcmp(k, "batch_size") == 0) {
            opt_batch = (uint32_t)atoi(v);
        } else if (strcmp(k, "sync") == 0) {
            opt_sync = (uint32_t)atoi(v);
        } else if (strcmp(k, "cache_size") == 0) {
            opt_cache = strtoull(v, NULL, 10);
        } else if (strcmp(k, "bloom_bits") == 0) {
            opt_bloom = (uint32_t)atoi(v);
        } else if (strcmp(k, "write_buffer_size") == 0) {
            opt_wbuf = strtoull(v, NULL, 10);
        } else if (strcmp(k, "benchmarks") == 0) {
            opt_benchmarks = v;
        } else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (opt_batch == 0 || opt_value_size == 0 || opt_value_size > 65536 || opt_num == 0) {
        fprintf(stderr, "bad options\n");
        return 2;
    }
    make_values();
    char *list = strdup(opt_benchmarks);
    int opened = 0;
    for (char *save = NULL, *name = strtok_r(list, ",", &save); name != NULL;
         name = strtok_r(NULL, ",", &save)) {
        int fresh = strcmp(name, "fillseq") == 0 || strcmp(name, "fillrandom") == 0;
        if (fresh && opened) {
            close_db();
            opened = 0;
        }
        if (!opened) {
            open_db(fresh);
            opened = 1;
        }
        if (strcmp(name, "fillseq") == 0) {
            do_write(name, 0, 1);
        } else if (strcmp(name, "fillrandom") == 0 || strcmp(name, "overwrite") == 0) {
            do_write(name, 1, strcmp(name, "overwrite") == 0 ? 2 : 1);
        } else if (strcmp(name, "readrandom") == 0) {
            do_readrandom();
        } else if (strcmp(name, "readseq") == 0) {
            do_readseq();
        } else if (strcmp(name, "seekrandom") == 0) {
            do_seekrandom();
        } else if (strcmp(name, "readwhilewriting") == 0) {
            do_readwhilewriting();
        } else {
            fprintf(stderr, "unknown benchmark %s\n", name);
            return 2;
        }
    }
    if (opened) {
        close_db();
    }
    free(list);
    free(valbuf);
    return 0;
}
