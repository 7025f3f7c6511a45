/*
 * kernel/core/engine.c -- heliosdb_open / heliosdb_close / heliosdb_session_api: the storage
 * tier and codec instances, the LSM store and the SQL engine, in that order.
 */
#include "core/engine.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/loop.h"
#include "core/registry.h"
#include "helios/sqlstate.h"
#if HELIOS_HAVE_STORAGE
#include "storage/lsm.h"
#endif
#if HELIOS_HAVE_SQL
#include "sql/sql.h"
#endif

#define MAX_CODECS 32

typedef struct codec_slot {
    uint32_t id;
    helios_plugin_rt_t *p;
    void *inst;
} codec_slot_t;

typedef struct engine_ctx {
    helios_engine_t *sql;
    void *lsm;
    helios_plugin_rt_t *tier_p;
    void *tier;
    pthread_mutex_t codec_mu;
    codec_slot_t codecs[MAX_CODECS];
    uint32_t n_codecs;
    uint32_t loop_ref;
    struct engine_ctx *next;
} engine_ctx_t;

static pthread_mutex_t eng_mu = PTHREAD_MUTEX_INITIALIZER;
static engine_ctx_t *eng_list;
static int registry_ready;

void helios_engine_registry_ready(void)
{
    pthread_mutex_lock(&eng_mu);
    registry_ready = 1;
    pthread_mutex_unlock(&eng_mu);
}

/* mkdir -p */
static int32_t make_dirs(const char *dir, helios_err_t *err)
{
    char buf[PATH_MAX];
    if (strlen(dir) >= sizeof(buf)) {
        return helios_err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE, "path too long: \"%s\"",
                              dir);
    }
    strcpy(buf, dir);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
                return helios_err_set(err, HELIOS_ERR_IO_ERROR,
                                      "could not create directory \"%s\": %s", buf,
                                      strerror(errno));
            }
            *p = c;
            if (c == '\0') {
                break;
            }
        }
    }
    return 0;
}

#if HELIOS_HAVE_STORAGE && HELIOS_HAVE_SQL
/* Codec instances by on-disk id, created on first use (blocks written with another codec). */
static codec_slot_t *codec_slot(engine_ctx_t *e, uint32_t id, helios_err_t *err)
{
    codec_slot_t *s = NULL;
    pthread_mutex_lock(&e->codec_mu);
    for (uint32_t i = 0; i < e->n_codecs; i++) {
        if (e->codecs[i].id == id) {
            s = &e->codecs[i];
        }
    }
    if (s == NULL && e->n_codecs < MAX_CODECS) {
        helios_plugin_rt_t *p = helios_registry_codec_by_id(id);
        void *inst = NULL;
        if (p != NULL && hk_codec_create(p, &inst, err) == 0) {
            s = &e->codecs[e->n_codecs++];
            s->id = id;
            s->p = p;
            s->inst = inst;
        }
    }
    pthread_mutex_unlock(&e->codec_mu);
    return s;
}

static const helios_codec_vtable_t *codec_lookup(void *arg, uint32_t codec_id, void **inst)
{
    helios_err_t err = HELIOS_ERR_INIT;
    codec_slot_t *s = codec_slot(arg, codec_id, &err);
    if (s == NULL) {
        return NULL;
    }
    *inst = s->inst;
    return hk_codec(s->p);
}
#endif

static void ctx_free(engine_ctx_t *e)
{
#if HELIOS_HAVE_SQL
    if (e->sql != NULL) {
        helios_sql_close(e->sql);
    }
#endif
#if HELIOS_HAVE_STORAGE
    if (e->lsm != NULL) {
        helios_lsm_close(e->lsm);
    }
#endif
    for (uint32_t i = 0; i < e->n_codecs; i++) {
        hk_codec(e->codecs[i].p)->destroy(e->codecs[i].inst);
    }
    hk_storage_stop_destroy(e->tier_p, e->tier);
    if (e->loop_ref) {
        helios_loop_thread_release();
    }
    pthread_mutex_destroy(&e->codec_mu);
    free(e);
}

typedef struct open_args {
    const char *data_dir;
    const char *tier;
    const char *codec;
    uint64_t memtable_bytes;
    uint32_t no_sync;
    uint32_t want_loop_thread;
    const char *const *users;
    const char *const *passwords;
    uint64_t block_cache_bytes; /* 0: the engine's default */
    uint64_t wal_segment_bytes; /* 0: the engine's default */
} open_args_t;

static int32_t open_engine(const open_args_t *a, helios_engine_t **out, helios_err_t *err)
{
    int32_t rc = 0;
    *out = NULL;
    engine_ctx_t *e = calloc(1, sizeof(*e));
    if (e == NULL) {
        return helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    pthread_mutex_init(&e->codec_mu, NULL);
#if !HELIOS_HAVE_STORAGE
    rc = helios_err_set(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                        "storage engine not built: kernel/storage is not part of this build");
    goto failed;
#elif !HELIOS_HAVE_SQL
    rc = helios_err_set(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                        "storage engine not built: kernel/sql is not part of this build");
    goto failed;
#else
    if (a->want_loop_thread) {
        rc = helios_loop_thread_acquire(err);
        if (rc != 0) {
            goto failed;
        }
        e->loop_ref = 1;
    }
    rc = make_dirs(a->data_dir, err);
    if (rc != 0) {
        goto failed;
    }
    e->tier_p = helios_registry_find(HELIOS_KIND_STORAGE, a->tier);
    if (e->tier_p == NULL) {
        const helios_refusal_t *r = helios_registry_refusal_of(a->tier);
        rc = helios_err_set(err, HELIOS_ERR_UNDEFINED_OBJECT,
                            "storage tier plugin \"%s\" is not "
                            "loaded",
                            a->tier);
        if (r != NULL) {
            helios_err_detail(err, "%s", r->line);
        }
        goto failed;
    }
    helios_tier_options_t to = {sizeof(to), 0, a->data_dir, "hot"};
    rc = hk_storage_create(e->tier_p, &to, &e->tier, err);
    if (rc == 0) {
        rc = hk_storage_start(e->tier_p, e->tier, err);
    }
    if (rc != 0) {
        goto failed;
    }
    helios_lsm_options_t lo;
    memset(&lo, 0, sizeof(lo));
    lo.tier_vt = hk_storage(e->tier_p);
    lo.tier = e->tier;
    if (a->codec != NULL && strcmp(a->codec, "none") != 0) {
        helios_plugin_rt_t *cp = helios_registry_find(HELIOS_KIND_CODEC, a->codec);
        if (cp == NULL || (hk_codec(cp)->caps & HELIOS_CODEC_CAP_BYTES) == 0) {
            rc = helios_err_set(err, HELIOS_ERR_UNDEFINED_OBJECT,
                                "codec plugin \"%s\" is not loaded or not a byte compressor",
                                a->codec);
            goto failed;
        }
        codec_slot_t *s = codec_slot(e, hk_codec(cp)->codec_id, err);
        if (s == NULL) {
            rc = err->code != 0 ? err->code : HELIOS_ERR_OUT_OF_MEMORY;
            goto failed;
        }
        lo.codec_vt = hk_codec(cp);
        lo.codec = s->inst;
    }
    lo.codec_lookup = codec_lookup;
    lo.codec_lookup_arg = e;
    lo.memtable_bytes = a->memtable_bytes;
    lo.block_cache_bytes = a->block_cache_bytes;
    lo.wal_segment_bytes = a->wal_segment_bytes;
    lo.no_sync = a->no_sync;
    helios_lsm_t *lsm = NULL;
    rc = helios_lsm_open(&lo, &lsm, err);
    if (rc != 0) {
        goto failed;
    }
    e->lsm = lsm;
    helios_sql_options_t so;
    memset(&so, 0, sizeof(so));
    so.data_dir = a->data_dir;
    so.config_users = a->users;
    so.config_passwords = a->passwords;
    rc = helios_sql_open(lsm, &so, &e->sql, err);
    if (rc != 0) {
        goto failed;
    }
    pthread_mutex_lock(&eng_mu);
    e->next = eng_list;
    eng_list = e;
    pthread_mutex_unlock(&eng_mu);
    *out = e->sql;
    return 0;
#endif
failed:
    ctx_free(e);
    return rc;
}

int32_t helios_engine_open_cfg(const helios_config_t *cfg, helios_engine_t **out, helios_err_t *err)
{
    char abs_dir[PATH_MAX];
    int32_t rc = make_dirs(cfg->data_dir, err);
    if (rc != 0) {
        return rc;
    }
    if (realpath(cfg->data_dir, abs_dir) == NULL) {
        return helios_err_set(err, HELIOS_ERR_IO_ERROR, "could not resolve \"%s\": %s",
                              cfg->data_dir, strerror(errno));
    }
    open_args_t a = {abs_dir,
                     cfg->tier,
                     cfg->codec,
                     cfg->memtable_bytes,
                     cfg->sync_commit ? 0u : 1u,
                     0,
                     (const char *const *)cfg->users,
                     (const char *const *)cfg->passwords,
                     cfg->block_cache_bytes,
                     cfg->wal_segment_bytes};
    return open_engine(&a, out, err);
}

int32_t heliosdb_open(const char *data_dir, const heliosdb_options_t *opts, helios_engine_t **out,
                      helios_err_t *err)
{
    int32_t rc = 0;
    helios_config_t *cfg = NULL;
    char abs_dir[PATH_MAX];
    *out = NULL;
    if (data_dir == NULL) {
        return helios_err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE, "data_dir is NULL");
    }
    if (opts != NULL && opts->size < offsetof(heliosdb_options_t, config_file) + sizeof(char *)) {
        return helios_err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                              "heliosdb_options_t size %u is too small", opts->size);
    }
    rc = make_dirs(data_dir, err);
    if (rc != 0) {
        return rc;
    }
    if (realpath(data_dir, abs_dir) == NULL) {
        return helios_err_set(err, HELIOS_ERR_IO_ERROR, "could not resolve \"%s\": %s", data_dir,
                              strerror(errno));
    }
    if (opts != NULL && opts->config_file != NULL) {
        rc = helios_config_load(opts->config_file, &cfg, err);
        if (rc != 0) {
            return rc;
        }
    }
    pthread_mutex_lock(&eng_mu);
    if (!registry_ready) {
        const char *const *dirs = opts != NULL ? opts->plugin_dirs : NULL;
        if (dirs == NULL) {
            dirs =
                cfg != NULL ? (const char *const *)cfg->plugin_dirs : helios_default_plugin_dirs();
        }
        rc = helios_registry_scan(dirs, abs_dir, 1, err);
        if (rc == 0 && cfg != NULL) {
            rc = helios_config_apply_plugins(cfg, err);
        }
        if (rc == 0) {
            rc = helios_registry_init_all(1, err);
        }
        if (rc == 0) {
            registry_ready = 1;
        }
    }
    pthread_mutex_unlock(&eng_mu);
    if (rc == 0) {
        open_args_t a = {abs_dir, "nvme", "lz4", 0, 0, 1, NULL, NULL, 0, 0};
        if (cfg != NULL) {
            a.tier = cfg->tier;
            a.codec = cfg->codec;
            a.memtable_bytes = cfg->memtable_bytes;
            a.block_cache_bytes = cfg->block_cache_bytes;
            a.wal_segment_bytes = cfg->wal_segment_bytes;
            a.no_sync = cfg->sync_commit ? 0u : 1u;
            a.users = (const char *const *)cfg->users;
            a.passwords = (const char *const *)cfg->passwords;
        }
        if (opts != NULL) {
            a.tier = opts->tier != NULL ? opts->tier : a.tier;
            a.codec = opts->codec != NULL ? opts->codec : a.codec;
            a.no_sync = opts->no_sync ? 1u : a.no_sync;
        }
        rc = open_engine(&a, out, err);
    }
    helios_config_free(cfg);
    return rc;
}

void heliosdb_close(helios_engine_t *eng)
{
    if (eng == NULL) {
        return;
    }
    pthread_mutex_lock(&eng_mu);
    engine_ctx_t **pp = &eng_list;
    while (*pp != NULL && (*pp)->sql != eng) {
        pp = &(*pp)->next;
    }
    engine_ctx_t *e = *pp;
    if (e != NULL) {
        *pp = e->next;
    }
    pthread_mutex_unlock(&eng_mu);
    if (e != NULL) {
        ctx_free(e);
    }
}

/* ---- the session API when the SQL engine is not built ------------------------------------- */

#if !HELIOS_HAVE_SQL
static int32_t nosql_open(helios_engine_t *eng, const helios_session_opts_t *opts,
                          helios_session_t **out, helios_err_t *err)
{
    (void)eng;
    (void)opts;
    (void)out;
    return helios_err_set(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                          "storage engine not built: kernel/sql is not part of this build");
}

static void nosql_close(helios_session_t *s)
{
    (void)s;
}

static int32_t nosql_auth_lookup(helios_engine_t *eng, const char *user, char *buf, uint32_t cap,
                                 helios_err_t *err)
{
    (void)eng;
    (void)buf;
    (void)cap;
    return helios_err_set(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                          "storage engine not built: no user \"%s\" can log in", user);
}

static void nosql_cancel(helios_engine_t *eng, uint32_t pid, uint32_t secret)
{
    (void)eng;
    (void)pid;
    (void)secret;
}

static const helios_session_api_t nosql_api = {
    .size = sizeof(helios_session_api_t),
    .open = nosql_open,
    .close = nosql_close,
    .auth_lookup = nosql_auth_lookup,
    .cancel = nosql_cancel,
};
#endif

const helios_session_api_t *heliosdb_session_api(void)
{
#if HELIOS_HAVE_SQL
    return helios_sql_session_api();
#else
    return &nosql_api;
#endif
}
