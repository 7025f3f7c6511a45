/*
 * fz_store.c -- see fz_store.h.
 */
#define _GNU_SOURCE
#include "fz_store.h"

#include "storage/db.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FZ_KV_TREE 1u
#define FZ_ROWS_TREE 2u

static const uint32_t fz_row_types[3] = {HELIOS_PT_INT64, HELIOS_PT_VARLEN, HELIOS_PT_FLOAT64};
static fz_store_t fz_the_store;
static int fz_ready;

static void fz_die(const char *what, const helios_err_t *err)
{
    fprintf(stderr, "fz_store: %s: %s\n", what, err != NULL ? err->message : "");
    abort();
}

void fz_check_err(const char *what, int32_t rc, const helios_err_t *err)
{
    if (rc <= 0 || err->code != rc || err->message[0] == '\0') {
        fprintf(stderr, "fz_store: %s: status %d without a matching SQLSTATE error (code %d: %s)\n",
                what, rc, err->code, err->message);
        abort();
    }
}

const helios_codec_vtable_t *fz_codec_lookup(void *arg, uint32_t codec_id, void **inst)
{
    fz_store_t *st = arg;
    if (st->env.cvt != NULL && st->env.cvt->codec_id == codec_id) {
        *inst = st->env.codec;
        return st->env.cvt;
    }
    return NULL;
}

void fz_store_options(fz_store_t *st, helios_lsm_options_t *o)
{
    tenv_options(&st->env, o);
    o->codec_lookup = fz_codec_lookup;
    o->codec_lookup_arg = st;
    o->memtable_bytes = 32 * 1024;
    o->block_bytes = 512;
    o->rows_per_unit = 16;
    o->block_cache_bytes = 1 << 20;
    o->no_sync = 1;
    o->wal_segment_bytes = 64 * 1024; /* preallocated segments: keep each open cheap */
}

/* ---- directory handling ---- */

static int fz_rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    if (ftw->level > 0) {
        remove(path);
    }
    return 0;
}

static void fz_clear_dir(const char *dir)
{
    nftw(dir, fz_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

void fz_store_put(fz_store_t *st, const char *name, const uint8_t *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", st->env.dir, name);
    for (char *p = path + strlen(st->env.dir) + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(path, 0700) != 0 && errno != EEXIST) {
                perror(path);
                abort();
            }
            *p = '/';
        }
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

void fz_store_reset(fz_store_t *st, const char *skip)
{
    fz_clear_dir(st->env.dir);
    for (size_t i = 0; i < st->n_files; i++) {
        const fz_file_t *f = &st->files[i];
        if (skip != NULL && strncmp(f->name, skip, strlen(skip)) == 0) {
            continue;
        }
        fz_store_put(st, f->name, f->data, f->len);
    }
}

static int fz_collect_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag != FTW_F) {
        return 0;
    }
    fz_store_t *st = &fz_the_store;
    const char *rel = path + strlen(st->env.dir) + 1;
    if (strrchr(rel, '/') != NULL ? strrchr(rel, '/')[1] == '.' : rel[0] == '.') {
        return 0; /* tier temporaries and lock files */
    }
    fz_file_t *nf = realloc(st->files, (st->n_files + 1) * sizeof(*nf));
    if (nf == NULL) {
        abort();
    }
    st->files = nf;
    fz_file_t *f = &st->files[st->n_files++];
    snprintf(f->name, sizeof(f->name), "%s", rel);
    f->len = (size_t)sb->st_size;
    f->data = malloc(f->len + 1);
    FILE *fp = fopen(path, "rb");
    if (f->data == NULL || fp == NULL || fread(f->data, 1, f->len, fp) != f->len) {
        perror(path);
        abort();
    }
    fclose(fp);
    return 0;
}

static int fz_file_cmp(const void *a, const void *b)
{
    return strcmp(((const fz_file_t *)a)->name, ((const fz_file_t *)b)->name);
}

/* ---- the template ---- */

static uint32_t fz_row(uint8_t *out, uint32_t i)
{
    /* n_cols u16, null bitmap (column 2 NULL every 7th row), int64, varlen, float64 */
    uint32_t n = 0;
    out[n++] = 3;
    out[n++] = 0;
    int null2 = i % 7 == 0;
    out[n++] = null2 ? 0x04 : 0x00;
    helios_put_u64(out + n, (uint64_t)i * 1000003u);
    n += 8;
    char txt[32];
    uint32_t tl = (uint32_t)snprintf(txt, sizeof(txt), "row-%u-%s", i, i % 3 ? "abc" : "zz");
    helios_put_u32(out + n, tl);
    n += 4;
    memcpy(out + n, txt, tl);
    n += tl;
    if (!null2) {
        double d = i * 0.5;
        memcpy(out + n, &d, 8);
        n += 8;
    }
    return n;
}

static void fz_fill(helios_lsm_t *db, uint32_t from, uint32_t to)
{
    helios_err_t err = HELIOS_ERR_INIT;
    helios_wbatch_t *b = helios_wbatch_new();
    for (uint32_t i = from; i < to; i++) {
        char k[16], v[48];
        int kl = snprintf(k, sizeof(k), "k%06u", i);
        int vl = snprintf(v, sizeof(v), "value-%u-%s", i, i % 5 ? "xxxxxxxxxxxx" : "");
        uint8_t rk[8], row[64];
        helios_put_u64(rk, __builtin_bswap64(i));
        if (i % 11 == 10) {
            helios_wbatch_del(b, FZ_KV_TREE, k, (uint32_t)kl);
        } else {
            helios_wbatch_put(b, FZ_KV_TREE, k, (uint32_t)kl, v, (uint32_t)vl);
        }
        helios_wbatch_put(b, FZ_ROWS_TREE, rk, 8, row, fz_row(row, i));
        if (helios_wbatch_count(b) >= 40 || i + 1 == to) {
            helios_seq_t seq;
            if (helios_lsm_write(db, b, NULL, &seq, &err) != 0) {
                fz_die("template write", &err);
            }
            helios_wbatch_clear(b);
        }
    }
    helios_wbatch_free(b);
}

static void fz_build_template(fz_store_t *st)
{
    helios_err_t err = HELIOS_ERR_INIT;
    helios_lsm_options_t o;
    helios_lsm_t *db = NULL;
    /* round 1: raw blocks */
    fz_store_options(st, &o);
    o.codec_vt = NULL;
    o.codec = NULL;
    if (helios_lsm_open(&o, &db, &err) != 0) {
        fz_die("template open", &err);
    }
    helios_tree_schema_t kv = {.kind = HELIOS_TREE_KV};
    helios_tree_schema_t rows = {
        .kind = HELIOS_TREE_ROWS, .n_cols = 3, .col_phys_types = fz_row_types};
    if (helios_lsm_tree_create(db, FZ_KV_TREE, &kv, &err) != 0 ||
        helios_lsm_tree_create(db, FZ_ROWS_TREE, &rows, &err) != 0) {
        fz_die("template trees", &err);
    }
    fz_fill(db, 0, 120);
    if (helios_lsm_flush(db, 0, &err) != 0) {
        fz_die("template flush", &err);
    }
    helios_lsm_close(db);
    /* round 2: lz4 blocks, then records left in the WAL only */
    fz_store_options(st, &o);
    if (helios_lsm_open(&o, &db, &err) != 0) {
        fz_die("template reopen", &err);
    }
    fz_fill(db, 60, 200);
    if (helios_lsm_flush(db, 0, &err) != 0) {
        fz_die("template flush", &err);
    }
    fz_fill(db, 190, 230);
    /* DDL records in the WAL too: create, alter (a column appended) and drop */
    static const uint32_t types4[4] = {HELIOS_PT_INT64, HELIOS_PT_VARLEN, HELIOS_PT_FLOAT64,
                                       HELIOS_PT_BOOL};
    helios_tree_schema_t rows4 = {.kind = HELIOS_TREE_ROWS, .n_cols = 4, .col_phys_types = types4};
    if (helios_lsm_tree_create(db, 3, &rows, &err) != 0 ||
        helios_lsm_tree_alter(db, 3, &rows4, &err) != 0 ||
        helios_lsm_tree_create(db, 4, &kv, &err) != 0 || helios_lsm_tree_drop(db, 4, &err) != 0) {
        fz_die("template DDL", &err);
    }
    helios_wbatch_t *b = helios_wbatch_new();
    uint8_t row[64];
    helios_wbatch_put(b, 3, "\0\0\0\0\0\0\0\1", 8, row, fz_row(row, 1));
    helios_wbatch_del(b, 1, "k000003", 7);
    helios_seq_t seq;
    if (helios_lsm_write(db, b, NULL, &seq, &err) != 0) {
        fz_die("template write", &err);
    }
    helios_wbatch_free(b);
    helios_lsm_close(db);
    nftw(st->env.dir, fz_collect_cb, 16, FTW_PHYS);
    qsort(st->files, st->n_files, sizeof(*st->files), fz_file_cmp);
}

static void fz_atexit(void)
{
    fz_store_t *st = &fz_the_store;
    for (size_t i = 0; i < st->n_files; i++) {
        free(st->files[i].data);
    }
    free(st->files);
    tenv_fini(&st->env, 1);
}

fz_store_t *fz_store(void)
{
    fz_store_t *st = &fz_the_store;
    if (!fz_ready) {
        /* tmpfs when there is one: the disk is shared with other work's fsyncs */
        char dir[64];
        snprintf(dir, sizeof(dir), "%s/helios-fuzz-store-XXXXXX",
                 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if (mkdtemp(dir) == NULL) {
            perror("mkdtemp");
            abort();
        }
        if (tenv_init_nosync(&st->env, dir, 1) != 0) {
            fz_die("tier and codec", NULL);
        }
        fz_build_template(st);
        atexit(fz_atexit);
        fz_ready = 1;
    }
    return st;
}

/* ---- reading everything ---- */

static void fz_read_tree(helios_lsm_t *db, uint32_t id)
{
    helios_err_t err = HELIOS_ERR_INIT;
    helios_iter_t *it = NULL;
    int32_t rc = helios_lsm_iter_open(db, id, helios_lsm_last_seq(db), &it, &err);
    if (rc != 0) {
        fz_check_err("iter_open", rc, &err);
        return;
    }
    uint8_t first[64], last[64];
    uint32_t fl = 0, ll = 0, n = 0;
    for (helios_iter_seek_first(it); helios_iter_valid(it) && n < 100000;
         helios_iter_next(it), n++) {
        uint32_t kl = 0, vl = 0;
        const uint8_t *k = helios_iter_key(it, &kl);
        helios_iter_value(it, &vl);
        if (n == 0) {
            fl = kl < sizeof(first) ? kl : sizeof(first);
            memcpy(first, k, fl);
        }
        ll = kl < sizeof(last) ? kl : sizeof(last);
        memcpy(last, k, ll);
    }
    if ((rc = helios_iter_status(it, &err)) != 0) {
        fz_check_err("iterate", rc, &err);
    }
    n = 0;
    for (helios_iter_seek_last(it); helios_iter_valid(it) && n < 100000;
         helios_iter_prev(it), n++) {
    }
    helios_iter_seek(it, last, ll);
    helios_iter_seek_for_prev(it, first, fl);
    helios_iter_seek(it, "k000100", 7);
    if (helios_iter_valid(it)) {
        helios_iter_prev(it);
    }
    if ((rc = helios_iter_status(it, &err)) != 0) {
        fz_check_err("seek", rc, &err);
    }
    helios_iter_close(it);
    helios_buf_t val = {0};
    uint32_t found = 0;
    static const char *const keys[] = {"k000000", "k000150", "k000229", "zzz"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        rc = helios_lsm_get(db, id, helios_lsm_last_seq(db), keys[i], 7, &val, &found, &err);
        if (rc != 0) {
            fz_check_err("get", rc, &err);
        }
    }
    rc = helios_lsm_get(db, id, helios_lsm_last_seq(db), first, fl, &val, &found, &err);
    if (rc != 0) {
        fz_check_err("get", rc, &err);
    }
    helios_buf_free(&val);
}

void fz_store_exercise(fz_store_t *st)
{
    helios_lsm_options_t o;
    fz_store_options(st, &o);
    helios_lsm_t *db = NULL;
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t rc = helios_lsm_open(&o, &db, &err);
    if (rc != 0) {
        fz_check_err("open", rc, &err);
        return;
    }
    for (uint32_t id = 1; id <= 4; id++) {
        if (helios_lsm_tree_exists(db, id)) {
            fz_read_tree(db, id);
        }
    }
    /* appending after recovery: a write and a flush through what was recovered */
    if (helios_lsm_tree_exists(db, FZ_KV_TREE)) {
        helios_wbatch_t *b = helios_wbatch_new();
        helios_wbatch_put(b, FZ_KV_TREE, "k000001", 7, "new", 3);
        helios_seq_t seq;
        rc = helios_lsm_write(db, b, NULL, &seq, &err);
        helios_wbatch_free(b);
        if (rc != 0) {
            fz_check_err("write", rc, &err);
        } else if ((rc = helios_lsm_flush(db, FZ_KV_TREE, &err)) != 0) {
            fz_check_err("flush", rc, &err);
        }
    }
    /* Counters within a few steps of the 2^56 limit the manifest reader enforces: the
       writers do not refuse to cross it yet (a follow-up for the storage engine), so the
       store may legitimately be refused after this run's flush or commit. */
    uint64_t lim = (1ull << 56) - (1ull << 20);
    int at_limit = atomic_load(&db->next_file_no) >= lim || helios_lsm_last_seq(db) >= lim;
    helios_lsm_close(db);
    /* what the first open accepted (and repaired) opens again */
    db = NULL;
    rc = helios_lsm_open(&o, &db, &err);
    if (rc != 0 && at_limit) {
        fz_check_err("reopen at the counter limit", rc, &err);
        return;
    }
    if (rc != 0) {
        fprintf(stderr, "fz_store: the store opened once but not again: %s\n", err.message);
        abort();
    }
    helios_lsm_close(db);
}

int fz_store_dump_seeds(fz_store_t *st, const char *prefix, const char *dir, const char *join)
{
    int n = 0;
    FILE *jf = NULL;
    for (size_t i = 0; i < st->n_files; i++) {
        const fz_file_t *f = &st->files[i];
        if (strncmp(f->name, prefix, strlen(prefix)) != 0) {
            continue;
        }
        if (jf == NULL) {
            char path[512];
            snprintf(path, sizeof(path), "%s/seed_%s%d", dir, join != NULL ? "all" : "", n);
            jf = fopen(path, "wb");
            if (jf == NULL) {
                perror(path);
                return -1;
            }
            fputc(FZ_FIX_CRC, jf);
        } else if (join != NULL) {
            fputs(join, jf);
        }
        fwrite(f->data, 1, f->len, jf);
        n++;
        if (join == NULL) {
            fclose(jf);
            jf = NULL;
        }
    }
    if (jf != NULL) {
        fclose(jf);
    }
    return n;
}
