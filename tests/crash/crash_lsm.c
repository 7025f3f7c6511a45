/*
 * crash_lsm.c -- crash test of the LSM engine: a child process commits writes and prints
 * each one once its commit is acknowledged; the parent SIGKILLs it at a random moment,
 * reopens the store and checks that every acknowledged write is there (and every
 * acknowledged delete is not), and that recovery never fails.
 *
 *   crash_lsm DIR CYCLES [SEED]      parent: run CYCLES kill/recover cycles in DIR
 *   crash_lsm DIR --child CYCLE SEED (internal) the writer
 *
 * Child output lines: "P key" put acknowledged, "d key" delete about to be issued,
 * "D key" delete acknowledged. Small memtables make flushes, compactions, checkpoints and
 * WAL releases happen while the child runs, so kills land inside them too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "storage/lsm.h"
#include "testenv.h"

#define TREE_A 1u
#define TREE_B 2u

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void value_of(const char *key, char *out, size_t n)
{
    if (strlen(key) > 100) {
        out[0] = '\0';
        return;
    }
    /* long enough that blocks fill and compress; derived from the key so checks need no log */
    snprintf(out, n, "value-of-%s-%s", key,
             "ooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo");
}

static uint32_t tree_of(const char *key)
{
    return (key[strlen(key) - 1] & 1) ? TREE_B : TREE_A;
}

static int open_store(tenv_t *env, const char *dir, helios_lsm_t **db)
{
    if (tenv_init(env, dir, 1) != 0) {
        return 1;
    }
    helios_lsm_options_t o;
    tenv_options(env, &o);
    o.memtable_bytes = 32 * 1024;
    o.block_bytes = 2048;
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t rc = helios_lsm_open(&o, db, &err);
    if (rc != 0) {
        char st[6];
        helios_sqlstate_str(rc, st);
        fprintf(stderr, "crash_lsm: recovery failed: %s %s\n", st, err.message);
        tenv_fini(env, 0);
        return 1;
    }
    return 0;
}

/* ---- child ---- */

static helios_lsm_t *child_db;
static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;
static int child_cycle;

static void emit(char tag, const char *key)
{
    pthread_mutex_lock(&out_mu);
    printf("%c %s\n", tag, key);
    fflush(stdout);
    pthread_mutex_unlock(&out_mu);
}

static void *child_writer(void *arg)
{
    int id = (int)(intptr_t)arg;
    helios_wbatch_t *b = helios_wbatch_new();
    helios_err_t err = HELIOS_ERR_INIT;
    char keys[3][48], val[256];
    for (int i = 0;; i++) {
        helios_wbatch_clear(b);
        int n = 1 + (int)((unsigned)(i * 7 + id) % 3);
        for (int k = 0; k < n; k++) {
            snprintf(keys[k], sizeof(keys[k]), "c%05d-w%d-%06d-%d", child_cycle, id, i, k);
            value_of(keys[k], val, sizeof(val));
            helios_wbatch_put(b, tree_of(keys[k]), keys[k], (uint32_t)strlen(keys[k]), val,
                              (uint32_t)strlen(val));
        }
        if (helios_lsm_write(child_db, b, NULL, NULL, &err) != 0) {
            fprintf(stderr, "crash_lsm child: write failed: %s\n", err.message);
            exit(3);
        }
        for (int k = 0; k < n; k++) {
            emit('P', keys[k]);
        }
        if (i % 10 == 9) {
            /* delete an earlier key of this writer */
            char dk[48];
            snprintf(dk, sizeof(dk), "c%05d-w%d-%06d-0", child_cycle, id, i - 5);
            emit('d', dk);
            helios_wbatch_clear(b);
            helios_wbatch_del(b, tree_of(dk), dk, (uint32_t)strlen(dk));
            if (helios_lsm_write(child_db, b, NULL, NULL, &err) != 0) {
                fprintf(stderr, "crash_lsm child: delete failed: %s\n", err.message);
                exit(3);
            }
            emit('D', dk);
        }
        if (id == 0 && i % 150 == 149) {
            if (helios_lsm_checkpoint(child_db, &err) != 0) {
                fprintf(stderr, "crash_lsm child: checkpoint failed: %s\n", err.message);
                exit(3);
            }
        }
    }
    return NULL;
}

static int child_main(const char *dir, int cycle, uint64_t seed)
{
    tenv_t env;
    child_cycle = cycle;
    rng_state = seed;
    if (open_store(&env, dir, &child_db) != 0) {
        return 2;
    }
    helios_err_t err = HELIOS_ERR_INIT;
    helios_tree_schema_t s = {.kind = HELIOS_TREE_KV};
    for (uint32_t t = TREE_A; t <= TREE_B; t++) {
        if (!helios_lsm_tree_exists(child_db, t) &&
            helios_lsm_tree_create(child_db, t, &s, &err) != 0) {
            fprintf(stderr, "crash_lsm child: create: %s\n", err.message);
            return 2;
        }
    }
    emit('R', "ready");
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        pthread_create(&th[i], NULL, child_writer, (void *)(intptr_t)i);
    }
    pthread_join(th[0], NULL); /* never returns: the parent kills us */
    return 0;
}

/* ---- parent ---- */

/* key -> state: 1 present, 2 deleted, 3 unknown (delete in flight) */
typedef struct kent {
    char *key;
    int state;
} kent_t;

static kent_t *tab;
static size_t tab_cap, tab_n;

static uint64_t khash(const char *k)
{
    uint64_t h = 1469598103934665603ULL;
    while (*k) {
        h = (h ^ (uint8_t)*k++) * 1099511628211ULL;
    }
    return h;
}

static kent_t *kfind(const char *key, int create)
{
    if (create && (tab_n + 1) * 2 > tab_cap) {
        size_t cap = tab_cap ? tab_cap * 2 : 4096;
        kent_t *nt = calloc(cap, sizeof(*nt));
        for (size_t i = 0; i < tab_cap; i++) {
            if (tab[i].key != NULL) {
                size_t j = khash(tab[i].key) & (cap - 1);
                while (nt[j].key != NULL) {
                    j = (j + 1) & (cap - 1);
                }
                nt[j] = tab[i];
            }
        }
        free(tab);
        tab = nt;
        tab_cap = cap;
    }
    if (tab_cap == 0) {
        return NULL;
    }
    size_t j = khash(key) & (tab_cap - 1);
    while (tab[j].key != NULL) {
        if (strcmp(tab[j].key, key) == 0) {
            return &tab[j];
        }
        j = (j + 1) & (tab_cap - 1);
    }
    if (!create) {
        return NULL;
    }
    tab[j].key = strdup(key);
    tab[j].state = 0;
    tab_n++;
    return &tab[j];
}

static int check_key(helios_lsm_t *db, const kent_t *e)
{
    if (e->state == 3) {
        return 0;
    }
    helios_buf_t v = {0};
    uint32_t found = 0;
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t rc = helios_lsm_get(db, tree_of(e->key), HELIOS_SEQ_MAX, e->key,
                                (uint32_t)strlen(e->key), &v, &found, &err);
    int bad = 0;
    if (rc != 0) {
        fprintf(stderr, "crash_lsm: get %s: %s\n", e->key, err.message);
        bad = 1;
    } else if (e->state == 1) {
        char want[256];
        value_of(e->key, want, sizeof(want));
        if (!found || v.len != strlen(want) || memcmp(v.data, want, v.len) != 0) {
            fprintf(stderr, "crash_lsm: acknowledged key %s %s\n", e->key,
                    found ? "has a wrong value" : "is missing");
            bad = 1;
        }
    } else if (e->state == 2 && found) {
        fprintf(stderr, "crash_lsm: acknowledged delete of %s was lost\n", e->key);
        bad = 1;
    }
    helios_buf_free(&v);
    return bad;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int parent_main(const char *self, const char *dir, int cycles, uint64_t seed)
{
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 7;
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0) {
        return 2;
    }
    uint64_t t0 = mono_ms();
    size_t total_acked = 0;
    for (int cycle = 1; cycle <= cycles; cycle++) {
        int fds[2];
        if (pipe(fds) != 0) {
            perror("pipe");
            return 2;
        }
        pid_t pid = fork();
        if (pid == 0) {
            dup2(fds[1], 1);
            close(fds[0]);
            close(fds[1]);
            char c[16], s[32];
            snprintf(c, sizeof(c), "%d", cycle);
            snprintf(s, sizeof(s), "%llu", (unsigned long long)rnd());
            execl(self, self, dir, "--child", c, s, (char *)NULL);
            _exit(127);
        }
        close(fds[1]);
        FILE *in = fdopen(fds[0], "r");
        /* wait until the child is ready, then let it run a random while */
        char line[256];
        int ready = 0;
        while (!ready && fgets(line, sizeof(line), in) != NULL) {
            ready = strncmp(line, "R ready", 7) == 0;
        }
        if (!ready) {
            int st = 0;
            waitpid(pid, &st, 0);
            fprintf(stderr, "crash_lsm: cycle %d: the child did not start (status %d)\n", cycle,
                    st);
            return 1;
        }
        usleep((useconds_t)(1000 * (2 + rnd() % 120)));
        kill(pid, SIGKILL);
        int st = 0;
        waitpid(pid, &st, 0);
        if (!WIFSIGNALED(st)) {
            fprintf(stderr, "crash_lsm: cycle %d: the child exited by itself (status %d)\n", cycle,
                    st);
            return 1;
        }
        /* everything printed before the kill: only whole lines count */
        size_t acked = 0;
        char **cycle_keys = NULL;
        size_t n_ck = 0, cap_ck = 0;
        while (fgets(line, sizeof(line), in) != NULL) {
            size_t len = strlen(line);
            if (len < 3 || line[len - 1] != '\n') {
                break;
            }
            line[len - 1] = '\0';
            kent_t *e = kfind(line + 2, 1);
            e->state = line[0] == 'P' ? (e->state == 0 ? 1 : e->state) : line[0] == 'd' ? 3 : 2;
            if (n_ck == cap_ck) {
                cap_ck = cap_ck ? cap_ck * 2 : 256;
                cycle_keys = realloc(cycle_keys, cap_ck * sizeof(*cycle_keys));
            }
            cycle_keys[n_ck++] = e->key; /* owned by the table; entries move, keys do not */
            acked++;
        }
        fclose(in);
        total_acked += acked;
        /* recover and check: this cycle's keys, and a sample of all the older ones */
        tenv_t env;
        helios_lsm_t *db = NULL;
        if (open_store(&env, dir, &db) != 0) {
            fprintf(stderr, "crash_lsm: cycle %d: recovery failed\n", cycle);
            return 1;
        }
        int bad = 0;
        for (size_t i = 0; i < n_ck; i++) {
            bad |= check_key(db, kfind(cycle_keys[i], 0));
        }
        for (int i = 0; i < 300 && tab_n > 0; i++) {
            size_t j = rnd() & (tab_cap - 1);
            while (tab[j].key == NULL) {
                j = (j + 1) & (tab_cap - 1);
            }
            bad |= check_key(db, &tab[j]);
        }
        if (cycle == cycles) {
            for (size_t j = 0; j < tab_cap; j++) {
                if (tab[j].key != NULL) {
                    bad |= check_key(db, &tab[j]);
                }
            }
        }
        helios_lsm_close(db);
        tenv_fini(&env, 0);
        free(cycle_keys);
        if (bad) {
            fprintf(stderr, "crash_lsm: cycle %d FAILED (store kept in %s)\n", cycle, dir);
            return 1;
        }
        if (cycle % 50 == 0 || cycle == cycles) {
            printf("crash_lsm: %d cycles, %zu acknowledged writes checked, %.1f s\n", cycle,
                   total_acked, (double)(mono_ms() - t0) / 1000.0);
            fflush(stdout);
        }
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        return 2;
    }
    for (size_t j = 0; j < tab_cap; j++) {
        free(tab[j].key);
    }
    free(tab);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[2], "--child") == 0) {
        return child_main(argv[1], atoi(argv[3]), strtoull(argv[4], NULL, 10));
    }
    if (argc < 3) {
        fprintf(stderr, "usage: crash_lsm DIR CYCLES [SEED]\n");
        return 2;
    }
    uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : (uint64_t)time(NULL);
    printf("crash_lsm: seed %llu\n", (unsigned long long)seed);
    return parent_main("/proc/self/exe", argv[1], atoi(argv[2]), seed);
}
