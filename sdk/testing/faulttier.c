/*
 * faulttier.c -- a storage tier that forwards to another one and injects failures: the N-th
 * write or sync fails, appends can tear, and a simulated power loss drops every appended byte
 * that was not made durable by wsync (see helios/faulttier.h for the exact rules). In-place
 * writes (OVERWRITE writers, ABI 1.2) keep the bytes they replaced until the next wsync, so a
 * crash can put them back.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "helios/faulttier.h"
#include "internal.h"

/* Bytes an in-place write replaced (old_len may be short of the write: it went past the end). */
typedef struct ft_undo {
    uint64_t off;
    uint64_t old_len;
    uint8_t *old;
} ft_undo_t;

/* An APPEND or OVERWRITE file the wrapper has seen: bytes up to `durable` survive a crash, and
   for OVERWRITE files the undo entries (newest last) restore what unsynced writes replaced. */
typedef struct ft_file {
    char *name;
    uint64_t durable;
    uint64_t size;
    ft_undo_t *undo;
    size_t n_undo;
    size_t cap_undo;
} ft_file_t;

struct helios_fault_tier {
    helios_storage_vtable_t own_vt; /* ft_vtable with the inner tier's caps and classes */
    const helios_storage_vtable_t *vt;
    void *inner;
    pthread_mutex_t mu;
    uint64_t n_writes;
    uint64_t n_syncs;
    uint64_t n_injected;
    uint64_t write_countdown;
    int32_t write_code;
    int32_t sync_code;
    uint64_t sync_countdown;
    int32_t fail_all;
    uint32_t torn;
    ft_file_t *files;
    size_t n_files;
    size_t cap_files;
    struct helios_tier_writer *writers; /* open writers, for crash */
};

struct helios_tier_writer {
    helios_fault_tier_t *ft;
    helios_tier_writer_t *inner; /* NULL once a crash closed it */
    char *name;
    uint32_t flags;
    uint64_t pos; /* OVERWRITE: where the next append goes */
    struct helios_tier_writer *next;
    struct helios_tier_writer *prev;
};

struct helios_tier_reader {
    helios_fault_tier_t *ft;
    helios_tier_reader_t *inner;
};

enum { FT_WRITE, FT_SYNC };

/* Counts one op and decides whether it fails; called with the lock held. */
static int32_t ft_inject_locked(helios_fault_tier_t *ft, int op)
{
    int32_t code = 0;
    if (op == FT_WRITE) {
        ft->n_writes++;
        if (ft->write_countdown > 0 && --ft->write_countdown == 0) {
            code = ft->write_code;
        }
    } else {
        ft->n_syncs++;
        if (ft->sync_countdown > 0 && --ft->sync_countdown == 0) {
            code = ft->sync_code;
        }
    }
    if (code == 0) {
        code = ft->fail_all;
    }
    if (code != 0) {
        ft->n_injected++;
    }
    return code;
}

static int32_t ft_inject(helios_fault_tier_t *ft, int op, const char *name, helios_err_t *err)
{
    pthread_mutex_lock(&ft->mu);
    int32_t code = ft_inject_locked(ft, op);
    pthread_mutex_unlock(&ft->mu);
    if (code != 0) {
        return helios_testing_err_setf(err, code, "could not %s file \"%s\": injected failure",
                                       op == FT_WRITE ? "write" : "fsync", name);
    }
    return 0;
}

/* Called with the lock held. */
static ft_file_t *ft_file_find(helios_fault_tier_t *ft, const char *name)
{
    for (size_t i = 0; i < ft->n_files; i++) {
        if (strcmp(ft->files[i].name, name) == 0) {
            return &ft->files[i];
        }
    }
    return NULL;
}

/* Drop a file's undo entries (its writes became durable). Called with the lock held. */
static void ft_undo_clear(ft_file_t *f)
{
    for (size_t i = 0; i < f->n_undo; i++) {
        free(f->undo[i].old);
    }
    free(f->undo);
    f->undo = NULL;
    f->n_undo = f->cap_undo = 0;
}

/* Forget a file (it was replaced durably or removed). Called with the lock held. */
static void ft_file_forget(helios_fault_tier_t *ft, const char *name)
{
    ft_file_t *f = ft_file_find(ft, name);
    if (f != NULL) {
        ft_undo_clear(f);
        free(f->name);
        *f = ft->files[--ft->n_files];
    }
}

/* Start tracking `name` at `size` bytes, all durable. Called with the lock held. */
static int ft_file_track(helios_fault_tier_t *ft, const char *name, uint64_t size)
{
    if (ft_file_find(ft, name) != NULL) {
        return 0;
    }
    if (ft->n_files == ft->cap_files) {
        size_t cap = ft->cap_files ? ft->cap_files * 2 : 16;
        ft_file_t *nf = realloc(ft->files, cap * sizeof(*nf));
        if (nf == NULL) {
            return -1;
        }
        ft->files = nf;
        ft->cap_files = cap;
    }
    char *copy = strdup(name);
    if (copy == NULL) {
        return -1;
    }
    ft->files[ft->n_files++] = (ft_file_t){copy, size, size, NULL, 0, 0};
    return 0;
}

/* ---- vtable members ----------------------------------------------------------------------- */

static int32_t ft_create(void *lib_state, const void *config, const helios_tier_options_t *opts,
                         void **inst, helios_err_t *err)
{
    return helios_testing_err_setf(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                                   "a fault tier is made with helios_fault_tier_new");
}

static void ft_destroy(void *inst)
{
    /* the wrapper belongs to the test: helios_fault_tier_free */
}

static int32_t ft_put(void *inst, const char *name, const void *data, uint64_t len,
                      helios_err_t *err)
{
    helios_fault_tier_t *ft = inst;
    int32_t rc = ft_inject(ft, FT_WRITE, name, err);
    if (rc == 0) {
        rc = ft_inject(ft, FT_SYNC, name, err);
    }
    if (rc == 0) {
        rc = ft->vt->put(ft->inner, name, data, len, err);
    }
    if (rc == 0) {
        pthread_mutex_lock(&ft->mu);
        ft_file_forget(ft, name); /* the whole file is durable now */
        pthread_mutex_unlock(&ft->mu);
    }
    return rc;
}

static int32_t ft_get(void *inst, const char *name, uint64_t offset, uint64_t len, void *buf,
                      uint64_t *n_read, helios_err_t *err)
{
    helios_fault_tier_t *ft = inst;
    return ft->vt->get(ft->inner, name, offset, len, buf, n_read, err);
}

static int32_t ft_ropen(void *inst, const char *name, helios_tier_reader_t **r,
                        uint64_t *size_bytes, helios_err_t *err)
{
    helios_fault_tier_t *ft = inst;
    helios_tier_reader_t *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return helios_testing_err_setf(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    w->ft = ft;
    int32_t rc = ft->vt->ropen(ft->inner, name, &w->inner, size_bytes, err);
    if (rc != 0) {
        free(w);
        return rc;
    }
    *r = w;
    return 0;
}

static int32_t ft_read(helios_tier_reader_t *r, uint64_t offset, uint64_t len, void *buf,
                       uint64_t *n_read, helios_err_t *err)
{
    return r->ft->vt->read(r->inner, offset, len, buf, n_read, err);
}

static void ft_rclose(helios_tier_reader_t *r)
{
    r->ft->vt->rclose(r->inner);
    free(r);
}

static int32_t ft_wopen(void *inst, const char *name, uint32_t flags, helios_tier_writer_t **w,
                        helios_err_t *err)
{
    helios_fault_tier_t *ft = inst;
    helios_tier_writer_t *fw = calloc(1, sizeof(*fw));
    int32_t rc = 0;
    if (fw == NULL || (fw->name = strdup(name)) == NULL) {
        free(fw);
        return helios_testing_err_setf(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    fw->ft = ft;
    fw->flags = flags;
    rc = ft_inject(ft, FT_WRITE, name, err);
    if (rc == 0) {
        rc = ft->vt->wopen(ft->inner, name, flags, &fw->inner, err);
    }
    if (rc == 0 && (flags & (HELIOS_TIER_W_APPEND | HELIOS_TIER_W_OVERWRITE))) {
        helios_tier_stat_t st = {0, 0};
        rc = ft->vt->stat(ft->inner, name, &st, err);
        pthread_mutex_lock(&ft->mu);
        if (rc == 0 && ft_file_track(ft, name, st.size_bytes) != 0) {
            rc = helios_testing_err_setf(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
        pthread_mutex_unlock(&ft->mu);
        if (rc != 0) {
            ft->vt->wclose(fw->inner, 0, NULL);
        }
    }
    if (rc != 0) {
        free(fw->name);
        free(fw);
        return rc;
    }
    pthread_mutex_lock(&ft->mu);
    fw->next = ft->writers;
    if (ft->writers != NULL) {
        ft->writers->prev = fw;
    }
    ft->writers = fw;
    pthread_mutex_unlock(&ft->mu);
    *w = fw;
    return 0;
}

static int32_t ft_dead(const helios_tier_writer_t *w, helios_err_t *err)
{
    return helios_testing_err_setf(err, HELIOS_ERR_IO_ERROR,
                                   "could not write file \"%s\": the writer died in a simulated "
                                   "crash",
                                   w->name);
}

/* An in-place write of an OVERWRITE writer: save what it replaces, then forward. */
static int32_t ft_write_at(helios_tier_writer_t *w, uint64_t offset, const void *data, uint64_t len,
                           helios_err_t *err)
{
    helios_fault_tier_t *ft = w->ft;
    int32_t rc = 0;
    if ((w->flags & HELIOS_TIER_W_OVERWRITE) == 0 || ft->vt->write_at == NULL) {
        return helios_testing_err_setf(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                       "write_at on \"%s\" needs an OVERWRITE writer", w->name);
    }
    pthread_mutex_lock(&ft->mu);
    if (w->inner == NULL) {
        pthread_mutex_unlock(&ft->mu);
        return ft_dead(w, err);
    }
    int32_t code = ft_inject_locked(ft, FT_WRITE);
    uint64_t n = code == 0 ? len : (ft->torn ? len / 2 : 0);
    ft_file_t *f = ft_file_find(ft, w->name);
    if (n > 0 && f != NULL) {
        if (f->n_undo == f->cap_undo) {
            size_t cap = f->cap_undo ? f->cap_undo * 2 : 16;
            ft_undo_t *nu = realloc(f->undo, cap * sizeof(*nu));
            if (nu == NULL) {
                rc = helios_testing_err_setf(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
                goto done;
            }
            f->undo = nu;
            f->cap_undo = cap;
        }
        ft_undo_t *u = &f->undo[f->n_undo];
        u->off = offset;
        u->old_len = 0;
        u->old = malloc(n);
        if (u->old == NULL) {
            rc = helios_testing_err_setf(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            goto done;
        }
        if (offset < f->size) {
            uint64_t want = f->size - offset < n ? f->size - offset : n;
            rc = ft->vt->get(ft->inner, w->name, offset, want, u->old, &u->old_len, err);
            if (rc != 0) {
                free(u->old);
                goto done;
            }
        }
        f->n_undo++;
    }
    if (n > 0) {
        rc = ft->vt->write_at(w->inner, offset, data, n, err);
        if (rc == 0 && f != NULL && offset + n > f->size) {
            f->size = offset + n;
        }
    }
    w->pos = offset + len;
done:
    pthread_mutex_unlock(&ft->mu);
    if (rc == 0 && code != 0) {
        rc = helios_testing_err_setf(err, code,
                                     "could not write file \"%s\": injected failure after %llu "
                                     "of %llu bytes",
                                     w->name, (unsigned long long)n, (unsigned long long)len);
    }
    return rc;
}

/* The lock is held across the inner call so a concurrent crash sees whole appends. */
static int32_t ft_append(helios_tier_writer_t *w, const void *data, uint64_t len, helios_err_t *err)
{
    helios_fault_tier_t *ft = w->ft;
    int32_t rc = 0;
    if (w->flags & HELIOS_TIER_W_OVERWRITE) {
        return ft_write_at(w, w->pos, data, len, err);
    }
    pthread_mutex_lock(&ft->mu);
    if (w->inner == NULL) {
        pthread_mutex_unlock(&ft->mu);
        return ft_dead(w, err);
    }
    int32_t code = ft_inject_locked(ft, FT_WRITE);
    uint64_t n = code == 0 ? len : (ft->torn ? len / 2 : 0);
    if (n > 0) {
        rc = ft->vt->append(w->inner, data, n, err);
        ft_file_t *f = ft_file_find(ft, w->name);
        if (rc == 0 && f != NULL && (w->flags & HELIOS_TIER_W_APPEND)) {
            f->size += n;
        }
    }
    pthread_mutex_unlock(&ft->mu);
    if (rc == 0 && code != 0) {
        rc = helios_testing_err_setf(err, code,
                                     "could not write file \"%s\": injected failure after %llu "
                                     "of %llu bytes",
                                     w->name, (unsigned long long)n, (unsigned long long)len);
    }
    return rc;
}

static int32_t ft_wsync(helios_tier_writer_t *w, helios_err_t *err)
{
    helios_fault_tier_t *ft = w->ft;
    int32_t rc = 0;
    pthread_mutex_lock(&ft->mu);
    if (w->inner == NULL) {
        pthread_mutex_unlock(&ft->mu);
        return ft_dead(w, err);
    }
    int32_t code = ft_inject_locked(ft, FT_SYNC);
    if (code == 0) {
        rc = ft->vt->wsync(w->inner, err);
        ft_file_t *f = ft_file_find(ft, w->name);
        if (rc == 0 && f != NULL && (w->flags & (HELIOS_TIER_W_APPEND | HELIOS_TIER_W_OVERWRITE))) {
            f->durable = f->size;
            ft_undo_clear(f);
        }
    }
    pthread_mutex_unlock(&ft->mu);
    if (code != 0) {
        rc = helios_testing_err_setf(err, code, "could not fsync file \"%s\": injected failure",
                                     w->name);
    }
    return rc;
}

static int32_t ft_wclose(helios_tier_writer_t *w, uint32_t commit, helios_err_t *err)
{
    helios_fault_tier_t *ft = w->ft;
    int32_t rc = 0;
    pthread_mutex_lock(&ft->mu);
    if (w->prev != NULL) {
        w->prev->next = w->next;
    } else {
        ft->writers = w->next;
    }
    if (w->next != NULL) {
        w->next->prev = w->prev;
    }
    helios_tier_writer_t *inner = w->inner;
    int32_t code = 0;
    if (inner != NULL && commit && (w->flags & HELIOS_TIER_W_ATOMIC)) {
        code = ft_inject_locked(ft, FT_WRITE);
        if (code == 0) {
            code = ft_inject_locked(ft, FT_SYNC);
        }
    }
    pthread_mutex_unlock(&ft->mu);
    if (inner == NULL) {
        rc = commit ? ft_dead(w, err) : 0;
    } else if (code != 0) {
        ft->vt->wclose(inner, 0, NULL); /* the rename never happened */
        rc = helios_testing_err_setf(err, code, "could not publish file \"%s\": injected failure",
                                     w->name);
    } else {
        rc = ft->vt->wclose(inner, commit, err);
        if (rc == 0 && commit && (w->flags & HELIOS_TIER_W_ATOMIC)) {
            pthread_mutex_lock(&ft->mu);
            ft_file_forget(ft, w->name);
            pthread_mutex_unlock(&ft->mu);
        }
    }
    free(w->name);
    free(w);
    return rc;
}

static int32_t ft_truncate(void *inst, const char *name, uint64_t size_bytes, helios_err_t *err)
{
    helios_fault_tier_t *ft = inst;
    int32_t rc = ft_inject(ft, FT_WRITE, name, err);
    if (rc == 0) {
        rc = ft->vt->truncate != NULL
                 ? ft->vt->truncate(ft->inner, name, size_bytes, err)
                 : helios_testing_err_setf(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                                           "the wrapped tier has no truncate");
    }
    if (rc == 0) {
        pthread_mutex_lock(&ft->mu);
        ft_file_t *f = ft_file_find(ft, name);
        if (f != NULL) {
            f->size = f->durable = size_bytes; /* truncate is durable on return */
        }
        pthread_mutex_unlock(&ft->mu);
    }
    return rc;
}

static int32_t ft_remove(void *inst, const char *name, helios_err_t *err)
{
    helios_fault_tier_t *ft = inst;
    int32_t rc = ft_inject(ft, FT_WRITE, name, err);
    if (rc == 0) {
        rc = ft->vt->remove(ft->inner, name, err);
    }
    if (rc == 0) {
        pthread_mutex_lock(&ft->mu);
        ft_file_forget(ft, name);
        pthread_mutex_unlock(&ft->mu);
    }
    return rc;
}

static int32_t ft_prealloc(void *inst, const char *name, uint64_t size_bytes, helios_err_t *err)
{
    helios_fault_tier_t *ft = inst;
    int32_t rc = ft_inject(ft, FT_WRITE, name, err);
    if (rc == 0) {
        rc = ft_inject(ft, FT_SYNC, name, err);
    }
    if (rc == 0) {
        rc = ft->vt->prealloc(ft->inner, name, size_bytes, err);
    }
    if (rc == 0) {
        pthread_mutex_lock(&ft->mu);
        ft_file_forget(ft, name); /* replaced durably */
        pthread_mutex_unlock(&ft->mu);
    }
    return rc;
}

static int32_t ft_rename(void *inst, const char *from, const char *to, helios_err_t *err)
{
    helios_fault_tier_t *ft = inst;
    int32_t rc = ft_inject(ft, FT_WRITE, to, err);
    if (rc == 0) {
        rc = ft->vt->rename(ft->inner, from, to, err);
    }
    if (rc == 0) {
        pthread_mutex_lock(&ft->mu);
        ft_file_forget(ft, to);
        ft_file_t *f = ft_file_find(ft, from);
        char *copy = f != NULL ? strdup(to) : NULL;
        if (copy != NULL) {
            free(f->name); /* the file keeps its durable state under the new name */
            f->name = copy;
        } else if (f != NULL) {
            ft_file_forget(ft, from);
        }
        pthread_mutex_unlock(&ft->mu);
    }
    return rc;
}

static int32_t ft_list(void *inst, const char *prefix, helios_tier_list_cb cb, void *arg,
                       helios_err_t *err)
{
    helios_fault_tier_t *ft = inst;
    return ft->vt->list(ft->inner, prefix, cb, arg, err);
}

static int32_t ft_stat(void *inst, const char *name, helios_tier_stat_t *st, helios_err_t *err)
{
    helios_fault_tier_t *ft = inst;
    return ft->vt->stat(ft->inner, name, st, err);
}

static int32_t ft_control(void *inst, uint32_t op, void *arg, helios_err_t *err)
{
    helios_fault_tier_t *ft = inst;
    if (op == HELIOS_TIER_CTL_FAIL_WRITES && arg != NULL) {
        helios_fault_tier_fail_all(ft, *(const int32_t *)arg);
        return 0;
    }
    return ft->vt->control != NULL ? ft->vt->control(ft->inner, op, arg, err) : HELIOS_DECLINED;
}

static const helios_storage_vtable_t ft_vtable = {
    .size = sizeof(helios_storage_vtable_t),
    /* caps, latency class and cost come from the inner tier (helios_fault_tier_new) */
    .create = ft_create,
    .destroy = ft_destroy,
    .put = ft_put,
    .get = ft_get,
    .ropen = ft_ropen,
    .read = ft_read,
    .rclose = ft_rclose,
    .wopen = ft_wopen,
    .append = ft_append,
    .wsync = ft_wsync,
    .wclose = ft_wclose,
    .truncate = ft_truncate,
    .remove = ft_remove,
    .list = ft_list,
    .stat = ft_stat,
    .control = ft_control,
    .write_at = ft_write_at,
    .prealloc = ft_prealloc,
    .rename = ft_rename,
};

/* ---- the public API ----------------------------------------------------------------------- */

int32_t helios_fault_tier_new(const helios_storage_vtable_t *inner_vt, void *inner,
                              helios_fault_tier_t **out)
{
    helios_fault_tier_t *ft = calloc(1, sizeof(*ft));
    if (ft == NULL) {
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    ft->own_vt = ft_vtable;
    ft->own_vt.caps = inner_vt->caps;
    ft->own_vt.latency_class = inner_vt->latency_class;
    ft->own_vt.cost_per_gb_month_millicents = inner_vt->cost_per_gb_month_millicents;
    if (!HELIOS_VT_HAS(helios_storage_vtable_t, inner_vt, write_at) ||
        !HELIOS_VT_HAS(helios_storage_vtable_t, inner_vt, prealloc) ||
        !HELIOS_VT_HAS(helios_storage_vtable_t, inner_vt, rename)) {
        /* an ABI 1.0 tier: offer what it has */
        ft->own_vt.caps &= ~HELIOS_TIER_CAP_OVERWRITE;
        ft->own_vt.write_at = NULL;
        ft->own_vt.prealloc = NULL;
        ft->own_vt.rename = NULL;
    }
    ft->vt = inner_vt;
    ft->inner = inner;
    pthread_mutex_init(&ft->mu, NULL);
    *out = ft;
    return 0;
}

void helios_fault_tier_free(helios_fault_tier_t *ft)
{
    if (ft == NULL) {
        return;
    }
    for (size_t i = 0; i < ft->n_files; i++) {
        ft_undo_clear(&ft->files[i]);
        free(ft->files[i].name);
    }
    free(ft->files);
    pthread_mutex_destroy(&ft->mu);
    free(ft);
}

const helios_storage_vtable_t *helios_fault_tier_vtable(const helios_fault_tier_t *ft)
{
    return &ft->own_vt;
}

void *helios_fault_tier_inst(helios_fault_tier_t *ft)
{
    return ft;
}

void helios_fault_tier_fail_write(helios_fault_tier_t *ft, uint64_t nth, int32_t code)
{
    pthread_mutex_lock(&ft->mu);
    ft->write_countdown = nth;
    ft->write_code = code;
    pthread_mutex_unlock(&ft->mu);
}

void helios_fault_tier_fail_sync(helios_fault_tier_t *ft, uint64_t nth, int32_t code)
{
    pthread_mutex_lock(&ft->mu);
    ft->sync_countdown = nth;
    ft->sync_code = code;
    pthread_mutex_unlock(&ft->mu);
}

void helios_fault_tier_fail_all(helios_fault_tier_t *ft, int32_t code)
{
    pthread_mutex_lock(&ft->mu);
    ft->fail_all = code;
    pthread_mutex_unlock(&ft->mu);
}

void helios_fault_tier_torn_appends(helios_fault_tier_t *ft, uint32_t on)
{
    pthread_mutex_lock(&ft->mu);
    ft->torn = on;
    pthread_mutex_unlock(&ft->mu);
}

int32_t helios_fault_tier_crash(helios_fault_tier_t *ft, helios_err_t *err)
{
    int32_t rc = 0;
    pthread_mutex_lock(&ft->mu);
    for (helios_tier_writer_t *w = ft->writers; w != NULL; w = w->next) {
        if (w->inner == NULL) {
            continue;
        }
        /* ATOMIC: never published. APPEND: closed; its tail is cut below. OVERWRITE: closed;
           its unsynced writes are undone below. */
        ft->vt->wclose(w->inner, (w->flags & HELIOS_TIER_W_APPEND) ? 1u : 0u, NULL);
        w->inner = NULL;
    }
    for (size_t i = 0; i < ft->n_files && rc == 0; i++) {
        ft_file_t *f = &ft->files[i];
        if (f->n_undo > 0) {
            helios_tier_writer_t *uw = NULL;
            rc = ft->vt->wopen(ft->inner, f->name, HELIOS_TIER_W_OVERWRITE, &uw, err);
            for (size_t k = f->n_undo; rc == 0 && k-- > 0;) {
                if (f->undo[k].old_len > 0) {
                    rc = ft->vt->write_at(uw, f->undo[k].off, f->undo[k].old, f->undo[k].old_len,
                                          err);
                }
            }
            if (uw != NULL) {
                int32_t rc2 = ft->vt->wclose(uw, 1, rc == 0 ? err : NULL);
                rc = rc != 0 ? rc : rc2;
            }
            if (rc == HELIOS_ERR_UNDEFINED_FILE) {
                rc = 0; /* removed behind our back */
            }
            ft_undo_clear(f);
        }
        if (f->size > f->durable && ft->vt->truncate != NULL) {
            rc = ft->vt->truncate(ft->inner, f->name, f->durable, err);
            if (rc == HELIOS_ERR_UNDEFINED_FILE) {
                rc = 0; /* removed behind our back */
            }
            f->size = f->durable;
        }
    }
    pthread_mutex_unlock(&ft->mu);
    return rc;
}

uint64_t helios_fault_tier_n_writes(const helios_fault_tier_t *ft)
{
    return __atomic_load_n(&ft->n_writes, __ATOMIC_RELAXED);
}

uint64_t helios_fault_tier_n_syncs(const helios_fault_tier_t *ft)
{
    return __atomic_load_n(&ft->n_syncs, __ATOMIC_RELAXED);
}

uint64_t helios_fault_tier_n_injected(const helios_fault_tier_t *ft)
{
    return __atomic_load_n(&ft->n_injected, __ATOMIC_RELAXED);
}
