/*
 * memtier.c -- an in-memory storage tier for the helios_testing self-test: the smallest tier
 * that meets the storage conformance suite (files in a locked array, readers read a snapshot).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "helios/plugin.h"
#include "helios/storage.h"

typedef struct memtier_file {
    char *name;
    uint8_t *data;
    uint64_t len;
    int64_t mtime_us;
} memtier_file_t;

typedef struct memtier {
    const helios_host_t *host;
    pthread_mutex_t mu;
    memtier_file_t *files;
    uint32_t n_files;
    uint32_t cap_files;
    int32_t fail_writes;
} memtier_t;

struct helios_tier_reader {
    memtier_t *mt;
    uint8_t *data;
    uint64_t len;
};

struct helios_tier_writer {
    memtier_t *mt;
    char *name;
    uint32_t flags;
    uint8_t *data; /* ATOMIC: the pending content */
    uint64_t len;
};

static int64_t memtier_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static char *memtier_strdup(memtier_t *mt, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = mt->host->alloc(mt->host, n);
    if (d != NULL) {
        memcpy(d, s, n);
    }
    return d;
}

/* Called with the lock held. */
static memtier_file_t *memtier_find(memtier_t *mt, const char *name)
{
    for (uint32_t i = 0; i < mt->n_files; i++) {
        if (strcmp(mt->files[i].name, name) == 0) {
            return &mt->files[i];
        }
    }
    return NULL;
}

/* Replaces or adds `name` with `data` (ownership moves in). Called with the lock held. */
static int32_t memtier_set(memtier_t *mt, const char *name, uint8_t *data, uint64_t len,
                           helios_err_t *err)
{
    memtier_file_t *f = memtier_find(mt, name);
    if (f == NULL) {
        if (mt->n_files == mt->cap_files) {
            uint32_t cap = mt->cap_files ? mt->cap_files * 2 : 16;
            memtier_file_t *nf = mt->host->realloc(mt->host, mt->files, cap * sizeof(*nf));
            if (nf == NULL) {
                return mt->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            }
            mt->files = nf;
            mt->cap_files = cap;
        }
        char *n = memtier_strdup(mt, name);
        if (n == NULL) {
            return mt->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
        f = &mt->files[mt->n_files++];
        f->name = n;
        f->data = NULL;
    }
    mt->host->free(mt->host, f->data);
    f->data = data;
    f->len = len;
    f->mtime_us = memtier_now_us();
    return 0;
}

static int32_t memtier_create(void *lib_state, const void *config,
                              const helios_tier_options_t *opts, void **inst, helios_err_t *err)
{
    const helios_host_t *host = lib_state;
    memtier_t *mt = host->calloc(host, 1, sizeof(*mt));
    if (mt == NULL) {
        return host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    mt->host = host;
    pthread_mutex_init(&mt->mu, NULL);
    *inst = mt;
    return 0;
}

static int32_t memtier_start(void *inst, helios_err_t *err)
{
    return 0;
}

static void memtier_stop(void *inst)
{
}

static void memtier_destroy(void *inst)
{
    memtier_t *mt = inst;
    for (uint32_t i = 0; i < mt->n_files; i++) {
        mt->host->free(mt->host, mt->files[i].name);
        mt->host->free(mt->host, mt->files[i].data);
    }
    mt->host->free(mt->host, mt->files);
    pthread_mutex_destroy(&mt->mu);
    mt->host->free(mt->host, mt);
}

static int32_t memtier_put(void *inst, const char *name, const void *data, uint64_t len,
                           helios_err_t *err)
{
    memtier_t *mt = inst;
    int32_t rc = __atomic_load_n(&mt->fail_writes, __ATOMIC_RELAXED);
    if (rc != 0) {
        return mt->host->err_set(err, rc, "could not write \"%s\": injected failure", name);
    }
    uint8_t *copy = mt->host->alloc(mt->host, len ? len : 1);
    if (copy == NULL) {
        return mt->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    memcpy(copy, data, len);
    pthread_mutex_lock(&mt->mu);
    rc = memtier_set(mt, name, copy, len, err);
    pthread_mutex_unlock(&mt->mu);
    if (rc != 0) {
        mt->host->free(mt->host, copy);
    }
    return rc;
}

static int32_t memtier_get(void *inst, const char *name, uint64_t offset, uint64_t len, void *buf,
                           uint64_t *n_read, helios_err_t *err)
{
    memtier_t *mt = inst;
    int32_t rc = 0;
    pthread_mutex_lock(&mt->mu);
    memtier_file_t *f = memtier_find(mt, name);
    if (f == NULL) {
        rc = mt->host->err_set(err, HELIOS_ERR_UNDEFINED_FILE, "could not open file \"%s\"", name);
    } else {
        uint64_t n = offset >= f->len ? 0 : (f->len - offset < len ? f->len - offset : len);
        if (n > 0) {
            memcpy(buf, f->data + offset, n);
        }
        *n_read = n;
    }
    pthread_mutex_unlock(&mt->mu);
    return rc;
}

static int32_t memtier_ropen(void *inst, const char *name, helios_tier_reader_t **r,
                             uint64_t *size_bytes, helios_err_t *err)
{
    memtier_t *mt = inst;
    int32_t rc = 0;
    helios_tier_reader_t *rd = mt->host->calloc(mt->host, 1, sizeof(*rd));
    if (rd == NULL) {
        return mt->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    rd->mt = mt;
    pthread_mutex_lock(&mt->mu);
    memtier_file_t *f = memtier_find(mt, name);
    if (f == NULL) {
        rc = mt->host->err_set(err, HELIOS_ERR_UNDEFINED_FILE, "could not open file \"%s\"", name);
    } else if ((rd->data = mt->host->alloc(mt->host, f->len ? f->len : 1)) == NULL) {
        rc = mt->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    } else {
        memcpy(rd->data, f->data, f->len);
        rd->len = f->len;
    }
    pthread_mutex_unlock(&mt->mu);
    if (rc != 0) {
        mt->host->free(mt->host, rd);
        return rc;
    }
    *r = rd;
    *size_bytes = rd->len;
    return 0;
}

static int32_t memtier_read(helios_tier_reader_t *r, uint64_t offset, uint64_t len, void *buf,
                            uint64_t *n_read, helios_err_t *err)
{
    uint64_t n = offset >= r->len ? 0 : (r->len - offset < len ? r->len - offset : len);
    if (n > 0) {
        memcpy(buf, r->data + offset, n);
    }
    *n_read = n;
    return 0;
}

static void memtier_rclose(helios_tier_reader_t *r)
{
    r->mt->host->free(r->mt->host, r->data);
    r->mt->host->free(r->mt->host, r);
}

static int32_t memtier_wopen(void *inst, const char *name, uint32_t flags, helios_tier_writer_t **w,
                             helios_err_t *err)
{
    memtier_t *mt = inst;
    int32_t rc = __atomic_load_n(&mt->fail_writes, __ATOMIC_RELAXED);
    if (rc != 0) {
        return mt->host->err_set(err, rc, "could not open \"%s\": injected failure", name);
    }
    helios_tier_writer_t *wr = mt->host->calloc(mt->host, 1, sizeof(*wr));
    if (wr == NULL || (wr->name = memtier_strdup(mt, name)) == NULL) {
        mt->host->free(mt->host, wr);
        return mt->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    wr->mt = mt;
    wr->flags = flags;
    if (flags & HELIOS_TIER_W_APPEND) {
        pthread_mutex_lock(&mt->mu);
        if (memtier_find(mt, name) == NULL) {
            uint8_t *empty = mt->host->alloc(mt->host, 1);
            rc = empty == NULL ? mt->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory")
                               : memtier_set(mt, name, empty, 0, err);
            if (rc != 0) {
                mt->host->free(mt->host, empty);
            }
        }
        pthread_mutex_unlock(&mt->mu);
        if (rc != 0) {
            mt->host->free(mt->host, wr->name);
            mt->host->free(mt->host, wr);
            return rc;
        }
    }
    *w = wr;
    return 0;
}

static int32_t memtier_grow(memtier_t *mt, uint8_t **data, uint64_t len, const void *more,
                            uint64_t n, helios_err_t *err)
{
    uint8_t *d = mt->host->realloc(mt->host, *data, len + n + 1);
    if (d == NULL) {
        return mt->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    memcpy(d + len, more, n);
    *data = d;
    return 0;
}

static int32_t memtier_append(helios_tier_writer_t *w, const void *data, uint64_t len,
                              helios_err_t *err)
{
    memtier_t *mt = w->mt;
    int32_t rc = __atomic_load_n(&mt->fail_writes, __ATOMIC_RELAXED);
    if (rc != 0) {
        return mt->host->err_set(err, rc, "could not write \"%s\": injected failure", w->name);
    }
    if (!(w->flags & HELIOS_TIER_W_APPEND)) {
        rc = memtier_grow(mt, &w->data, w->len, data, len, err);
        if (rc == 0) {
            w->len += len;
        }
        return rc;
    }
    pthread_mutex_lock(&mt->mu);
    memtier_file_t *f = memtier_find(mt, w->name);
    if (f == NULL) {
        rc = mt->host->err_set(err, HELIOS_ERR_UNDEFINED_FILE, "file \"%s\" was removed", w->name);
    } else {
        rc = memtier_grow(mt, &f->data, f->len, data, len, err);
        if (rc == 0) {
            f->len += len;
            f->mtime_us = memtier_now_us();
        }
    }
    pthread_mutex_unlock(&mt->mu);
    return rc;
}

static int32_t memtier_wsync(helios_tier_writer_t *w, helios_err_t *err)
{
    return 0;
}

static int32_t memtier_wclose(helios_tier_writer_t *w, uint32_t commit, helios_err_t *err)
{
    memtier_t *mt = w->mt;
    int32_t rc = 0;
    if (commit && !(w->flags & HELIOS_TIER_W_APPEND)) {
        if (w->data == NULL) {
            w->data = mt->host->alloc(mt->host, 1);
        }
        if (w->data == NULL) {
            rc = mt->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        } else {
            pthread_mutex_lock(&mt->mu);
            rc = memtier_set(mt, w->name, w->data, w->len, err);
            pthread_mutex_unlock(&mt->mu);
            if (rc == 0) {
                w->data = NULL;
            }
        }
    }
    mt->host->free(mt->host, w->data);
    mt->host->free(mt->host, w->name);
    mt->host->free(mt->host, w);
    return rc;
}

static int32_t memtier_truncate(void *inst, const char *name, uint64_t size_bytes,
                                helios_err_t *err)
{
    memtier_t *mt = inst;
    int32_t rc = 0;
    pthread_mutex_lock(&mt->mu);
    memtier_file_t *f = memtier_find(mt, name);
    if (f == NULL) {
        rc = mt->host->err_set(err, HELIOS_ERR_UNDEFINED_FILE, "could not truncate \"%s\"", name);
    } else if (size_bytes < f->len) {
        f->len = size_bytes;
    }
    pthread_mutex_unlock(&mt->mu);
    return rc;
}

static int32_t memtier_remove(void *inst, const char *name, helios_err_t *err)
{
    memtier_t *mt = inst;
    pthread_mutex_lock(&mt->mu);
    memtier_file_t *f = memtier_find(mt, name);
    if (f != NULL) {
        mt->host->free(mt->host, f->name);
        mt->host->free(mt->host, f->data);
        *f = mt->files[--mt->n_files];
    }
    pthread_mutex_unlock(&mt->mu);
    return 0;
}

static int memtier_cmp(const void *a, const void *b)
{
    return strcmp(((const memtier_file_t *)a)->name, ((const memtier_file_t *)b)->name);
}

static int32_t memtier_list(void *inst, const char *prefix, helios_tier_list_cb cb, void *arg,
                            helios_err_t *err)
{
    memtier_t *mt = inst;
    int32_t rc = 0;
    size_t plen = strlen(prefix);
    pthread_mutex_lock(&mt->mu);
    /* sorted in place: order of the array does not matter to anyone else */
    qsort(mt->files, mt->n_files, sizeof(memtier_file_t), memtier_cmp);
    for (uint32_t i = 0; i < mt->n_files && rc == 0; i++) {
        if (strncmp(mt->files[i].name, prefix, plen) == 0) {
            helios_tier_stat_t st = {mt->files[i].len, mt->files[i].mtime_us};
            rc = cb(mt->files[i].name, &st, arg);
        }
    }
    pthread_mutex_unlock(&mt->mu);
    return rc;
}

static int32_t memtier_stat(void *inst, const char *name, helios_tier_stat_t *st, helios_err_t *err)
{
    memtier_t *mt = inst;
    int32_t rc = 0;
    pthread_mutex_lock(&mt->mu);
    memtier_file_t *f = memtier_find(mt, name);
    if (f == NULL) {
        rc = mt->host->err_set(err, HELIOS_ERR_UNDEFINED_FILE, "could not stat file \"%s\"", name);
    } else {
        st->size_bytes = f->len;
        st->mtime_us = f->mtime_us;
    }
    pthread_mutex_unlock(&mt->mu);
    return rc;
}

static int32_t memtier_control(void *inst, uint32_t op, void *arg, helios_err_t *err)
{
    memtier_t *mt = inst;
    if (op == HELIOS_TIER_CTL_FAIL_WRITES) {
        __atomic_store_n(&mt->fail_writes, *(const int32_t *)arg, __ATOMIC_RELAXED);
        return 0;
    }
    return HELIOS_DECLINED;
}

static int32_t memtier_init(const helios_host_t *host, const void *config, void **lib_state,
                            helios_err_t *err)
{
    *lib_state = (void *)(uintptr_t)host;
    return 0;
}

static const helios_storage_vtable_t memtier_vtable = {
    .size = sizeof(helios_storage_vtable_t),
    .caps = HELIOS_TIER_CAP_APPEND | HELIOS_TIER_CAP_LOCAL,
    .latency_class = HELIOS_TIER_HOT,
    .create = memtier_create,
    .start = memtier_start,
    .stop = memtier_stop,
    .destroy = memtier_destroy,
    .put = memtier_put,
    .get = memtier_get,
    .ropen = memtier_ropen,
    .read = memtier_read,
    .rclose = memtier_rclose,
    .wopen = memtier_wopen,
    .append = memtier_append,
    .wsync = memtier_wsync,
    .wclose = memtier_wclose,
    .truncate = memtier_truncate,
    .remove = memtier_remove,
    .list = memtier_list,
    .stat = memtier_stat,
    .control = memtier_control,
};

HELIOS_PLUGIN(.kind = HELIOS_KIND_STORAGE, .name = "memtier", .version = "1.0.0",
              .description = "test tier: files in memory", .vtable = &memtier_vtable,
              .init = memtier_init);
