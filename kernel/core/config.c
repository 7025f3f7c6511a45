/*
 * kernel/core/config.c -- the server config: libcyaml schemas, the two passes, conversion of
 * values with units, and the checks that need loaded plugins. See config.h.
 */
#include "core/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cfgval.h"
#include "core/config_int.h"
#include "core/log.h"
#include "core/registry.h"
#include "helios/protocol.h"
#include "helios/sqlstate.h"

#ifndef HELIOS_BUILD_PLUGIN_DIR
#define HELIOS_BUILD_PLUGIN_DIR "build/lib/heliosdb/plugins"
#endif
#ifndef HELIOS_INSTALL_PLUGIN_DIR
#define HELIOS_INSTALL_PLUGIN_DIR "/usr/local/lib/heliosdb/plugins"
#endif

/* ---- what libcyaml loads ------------------------------------------------------------------ */

typedef struct y_tls {
    char *cert;
    char *key;
    char *ca;
} y_tls_t;

typedef struct y_listener {
    char *protocol;
    char *host;
    int64_t port;
    y_tls_t *tls;
    char *auth;
    char *max_message_bytes;
    char *read_timeout;
} y_listener_t;

typedef struct y_user {
    char *name;
    char *password;
} y_user_t;

typedef struct y_auth {
    y_user_t *users;
    uint32_t users_count;
} y_auth_t;

typedef struct y_storage {
    char *tier;
    char *codec;
    char *memtable_size;
    char *sync_commit;
    char *block_cache_size;
    char *wal_segment_size;
} y_storage_t;

typedef struct y_doc {
    char *data_dir;
    char **plugin_dirs;
    uint32_t plugin_dirs_count;
    y_listener_t *listeners;
    uint32_t listeners_count;
    y_auth_t *auth;
    void **plugins; /* pass 2: one pointer per loaded plugin, to an array of char * per key */
    y_storage_t *storage;
    int64_t max_connections;
} y_doc_t;

#define OPT CYAML_FLAG_OPTIONAL
#define STR(key, flags, st, m) CYAML_FIELD_STRING_PTR(key, flags, st, m, 0, CYAML_UNLIMITED)

static const cyaml_schema_field_t tls_fields[] = {
    STR("cert", CYAML_FLAG_DEFAULT, y_tls_t, cert),
    STR("key", CYAML_FLAG_DEFAULT, y_tls_t, key),
    STR("ca", OPT, y_tls_t, ca),
    CYAML_FIELD_END,
};

enum { LF_PROTOCOL, LF_HOST, LF_PORT, LF_TLS, LF_AUTH, LF_MAXMSG, LF_TIMEOUT };
static const cyaml_schema_field_t listener_fields[] = {
    [LF_PROTOCOL] =
        CYAML_FIELD_STRING_PTR("protocol", CYAML_FLAG_DEFAULT, y_listener_t, protocol, 1, 63),
    [LF_HOST] = STR("host", OPT, y_listener_t, host),
    [LF_PORT] = CYAML_FIELD_INT("port", CYAML_FLAG_DEFAULT, y_listener_t, port),
    [LF_TLS] = CYAML_FIELD_MAPPING_PTR("tls", OPT, y_listener_t, tls, tls_fields),
    [LF_AUTH] = STR("auth", OPT, y_listener_t, auth),
    [LF_MAXMSG] = STR("max_message_bytes", OPT, y_listener_t, max_message_bytes),
    [LF_TIMEOUT] = STR("read_timeout", OPT, y_listener_t, read_timeout),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t listener_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_listener_t, listener_fields),
};

static const cyaml_schema_field_t user_fields[] = {
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_DEFAULT, y_user_t, name, 1, 63),
    STR("password", CYAML_FLAG_DEFAULT, y_user_t, password),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t user_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_user_t, user_fields),
};
static const cyaml_schema_field_t auth_fields[] = {
    CYAML_FIELD_SEQUENCE("users", OPT | CYAML_FLAG_POINTER, y_auth_t, users, &user_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

enum { SF_TIER, SF_CODEC, SF_MEMTABLE, SF_SYNC, SF_CACHE, SF_WALSEG };
static const cyaml_schema_field_t storage_fields[] = {
    [SF_TIER] = CYAML_FIELD_STRING_PTR("tier", OPT, y_storage_t, tier, 1, 63),
    [SF_CODEC] = CYAML_FIELD_STRING_PTR("codec", OPT, y_storage_t, codec, 1, 63),
    [SF_MEMTABLE] = STR("memtable_size", OPT, y_storage_t, memtable_size),
    [SF_SYNC] = STR("sync_commit", OPT, y_storage_t, sync_commit),
    [SF_CACHE] = STR("block_cache_size", OPT, y_storage_t, block_cache_size),
    [SF_WALSEG] = STR("wal_segment_size", OPT, y_storage_t, wal_segment_size),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t dir_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char *, 1, CYAML_UNLIMITED),
};

enum {
    TF_DATA_DIR,
    TF_PLUGIN_DIRS,
    TF_LISTENERS,
    TF_AUTH,
    TF_PLUGINS,
    TF_STORAGE,
    TF_MAXCONN,
    TF_END
};
static const cyaml_schema_field_t top_fields_pass1[] = {
    [TF_DATA_DIR] = CYAML_FIELD_STRING_PTR("data_dir", OPT, y_doc_t, data_dir, 1, CYAML_UNLIMITED),
    [TF_PLUGIN_DIRS] = CYAML_FIELD_SEQUENCE("plugin_dirs", OPT | CYAML_FLAG_POINTER, y_doc_t,
                                            plugin_dirs, &dir_entry, 0, CYAML_UNLIMITED),
    [TF_LISTENERS] = CYAML_FIELD_SEQUENCE("listeners", OPT | CYAML_FLAG_POINTER, y_doc_t, listeners,
                                          &listener_entry, 0, CYAML_UNLIMITED),
    [TF_AUTH] = CYAML_FIELD_MAPPING_PTR("auth", OPT, y_doc_t, auth, auth_fields),
    [TF_PLUGINS] = CYAML_FIELD_IGNORE("plugins", OPT),
    [TF_STORAGE] = CYAML_FIELD_MAPPING_PTR("storage", OPT, y_doc_t, storage, storage_fields),
    [TF_MAXCONN] = CYAML_FIELD_INT("max_connections", OPT, y_doc_t, max_connections),
    [TF_END] = CYAML_FIELD_END,
};

/* ---- value rules for scalars (units, enums, bounds) --------------------------------------- */

static const char *const auth_names[] = {"scram-sha-256", "trust", "password", NULL};

#define KEY(t, k, mn, mx, names)                                                                   \
    {                                                                                              \
        .size = sizeof(helios_config_key_t), .type = (t), .key = (k), .min = (mn), .max = (mx),    \
        .enum_names = (names)                                                                      \
    }
static const helios_config_key_t key_port = KEY(HELIOS_CFG_INT, "port", 0, 65535, NULL);
static const helios_config_key_t key_auth = KEY(HELIOS_CFG_ENUM, "auth", 1, 0, auth_names);
static const helios_config_key_t key_maxmsg =
    KEY(HELIOS_CFG_SIZE, "max_message_bytes", 1024, 0x7fffffff, NULL);
static const helios_config_key_t key_timeout =
    KEY(HELIOS_CFG_DURATION, "read_timeout", 1, 0x7fffffff, NULL);
static const helios_config_key_t key_memtable =
    KEY(HELIOS_CFG_SIZE, "memtable_size", 65536, (int64_t)1 << 40, NULL);
static const helios_config_key_t key_cache =
    KEY(HELIOS_CFG_SIZE, "block_cache_size", 1 << 20, (int64_t)1 << 40, NULL);
static const helios_config_key_t key_sync = KEY(HELIOS_CFG_BOOL, "sync_commit", 1, 0, NULL);
static const helios_config_key_t key_walseg =
    KEY(HELIOS_CFG_SIZE, "wal_segment_size", 65536, (int64_t)1 << 30, NULL);
static const helios_config_key_t key_maxconn =
    KEY(HELIOS_CFG_INT, "max_connections", 1, 100000, NULL);

static const cfg_hook_t base_hooks[] = {
    {&listener_fields[LF_PORT], &key_port},        {&listener_fields[LF_AUTH], &key_auth},
    {&listener_fields[LF_MAXMSG], &key_maxmsg},    {&listener_fields[LF_TIMEOUT], &key_timeout},
    {&storage_fields[SF_MEMTABLE], &key_memtable}, {&storage_fields[SF_SYNC], &key_sync},
    {&storage_fields[SF_CACHE], &key_cache},       {&top_fields_pass1[TF_MAXCONN], &key_maxconn},
    {&storage_fields[SF_WALSEG], &key_walseg},
};
#define N_BASE_HOOKS (sizeof(base_hooks) / sizeof(base_hooks[0]))

/* ---- the embedded default ----------------------------------------------------------------- */

static const char default_text[] =
    "# HeliosDB embedded default configuration (heliosdb --print-default-config).\n"
    "# Every key is described in docs/config.md.\n"
    "data_dir: ./heliosdb-data\n"
    "# plugin_dirs: [/usr/lib/heliosdb/plugins]   # default: $HELIOS_PLUGIN_DIR, else the\n"
    "#   build tree's lib/heliosdb/plugins, else <prefix>/lib/heliosdb/plugins\n"
    "listeners:\n"
    "  - {protocol: postgres, host: 127.0.0.1, port: 5432, auth: scram-sha-256}\n"
    "auth:\n"
    "  users: [{name: helios, password: helios}]\n"
    "storage:\n"
    "  tier: nvme\n"
    "  codec: lz4\n"
    "  memtable_size: 64MiB\n"
    "  sync_commit: on\n"
    "max_connections: 100\n"
    "plugins: {}\n";

const char *helios_config_default_text(void)
{
    return default_text;
}

const char *const *helios_default_plugin_dirs(void)
{
    static char *dirs[17];
    static int done;
    static char env_copy[4096];
    if (done) {
        return (const char *const *)dirs;
    }
    done = 1;
    const char *env = getenv("HELIOS_PLUGIN_DIR");
    size_t n = 0;
    if (env != NULL && env[0] != '\0') {
        snprintf(env_copy, sizeof(env_copy), "%s", env);
        char *save = NULL;
        for (char *t = strtok_r(env_copy, ":", &save); t != NULL && n < 16;
             t = strtok_r(NULL, ":", &save)) {
            dirs[n++] = t;
        }
        return (const char *const *)dirs;
    }
    struct stat st;
    if (stat(HELIOS_BUILD_PLUGIN_DIR, &st) == 0 && S_ISDIR(st.st_mode)) {
        dirs[n++] = (char *)HELIOS_BUILD_PLUGIN_DIR;
    } else {
        dirs[n++] = (char *)HELIOS_INSTALL_PLUGIN_DIR;
    }
    return (const char *const *)dirs;
}

/* ---- loading ------------------------------------------------------------------------------ */

typedef struct cfg_priv {
    char *bytes;
    size_t len;
    yaml_document_t doc;
    int have_doc;
    int empty;
    y_doc_t *y;                     /* what libcyaml loaded in the latest pass */
    cyaml_schema_value_t top;       /* the schema that loaded it */
    cyaml_schema_field_t *top2;     /* pass 2's top-level fields */
    cyaml_schema_field_t *pfields;  /* pass 2: one per loaded plugin */
    cyaml_schema_field_t **kfields; /* pass 2: per plugin, one per key */
    helios_plugin_rt_t **pl;        /* pass 2: the plugin of each pfields entry */
    size_t n_pl;
    cfg_hook_t *hooks;
    size_t n_hooks;
} cfg_priv_t;

static void cyaml_quiet(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    /* the validator already reported anything libcyaml would; keep its text for a last resort */
    char *buf = ctx;
    size_t n = strlen(buf);
    if (level >= CYAML_LOG_ERROR && n < 255) {
        vsnprintf(buf + n, 256 - n, fmt, args);
    }
}

static void free_y(cfg_priv_t *pv)
{
    if (pv->y != NULL) {
        cyaml_config_t cc = {.log_fn = NULL, .mem_fn = cyaml_mem, .log_level = CYAML_LOG_ERROR};
        cyaml_free(&cc, &pv->top, pv->y, 0);
        pv->y = NULL;
    }
}

static int32_t load_pass(helios_config_t *cfg, cfg_priv_t *pv, const cyaml_schema_field_t *top,
                         const cyaml_schema_field_t *plugins_field, helios_err_t *err)
{
    /* pass 1 checks the server's own value rules; pass 2 adds every plugin key's */
    cfg_vctx_t vc = {.file = cfg->file,
                     .doc = &pv->doc,
                     .hooks = pv->hooks != NULL ? pv->hooks : base_hooks,
                     .n_hooks = pv->hooks != NULL ? pv->n_hooks : N_BASE_HOOKS,
                     .plugins_field = plugins_field,
                     .err = err};
    cyaml_schema_value_t tv = {
        CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, y_doc_t, top),
    };
    int32_t rc = cfg_validate(&vc, &tv);
    if (rc != 0) {
        return rc;
    }
    free_y(pv);
    pv->top = tv;
    if (pv->empty) {
        pv->y = NULL;
        return 0;
    }
    char log_buf[256] = "";
    cyaml_config_t cc = {.log_fn = cyaml_quiet,
                         .log_ctx = log_buf,
                         .mem_fn = cyaml_mem,
                         .log_level = CYAML_LOG_ERROR,
                         .flags = CYAML_CFG_DEFAULT};
    cyaml_err_t ce = cyaml_load_data((const uint8_t *)pv->bytes, pv->len, &cc, &pv->top,
                                     (cyaml_data_t **)&pv->y, NULL);
    if (ce != CYAML_OK) {
        pv->y = NULL;
        return cfg_error(err, cfg->file, 1, NULL, "%s%s%s", cyaml_strerror(ce),
                         log_buf[0] != '\0' ? ": " : "", log_buf);
    }
    return 0;
}

static char *dup_or(const char *s, const char *dflt)
{
    return strdup(s != NULL ? s : dflt);
}

static int64_t store_int(const helios_config_key_t *k, const char *text, int64_t dflt)
{
    int64_t v = dflt;
    char why[256];
    helios_config_key_t kk = *k;
    kk.offset = 0;
    if (text != NULL && helios_cfg_store(&kk, text, &v, why, sizeof(why)) != 0) {
        v = dflt; /* validated before; unreachable */
    }
    return v;
}

static void free_converted(helios_config_t *cfg)
{
    free(cfg->data_dir);
    cfg->data_dir = NULL;
    if (cfg->plugin_dirs_given) {
        for (size_t i = 0; cfg->plugin_dirs != NULL && cfg->plugin_dirs[i] != NULL; i++) {
            free(cfg->plugin_dirs[i]);
        }
    }
    free(cfg->plugin_dirs);
    cfg->plugin_dirs = NULL;
    for (uint32_t i = 0; i < cfg->n_listeners; i++) {
        helios_listener_cfg_t *l = &cfg->listeners[i];
        free(l->protocol);
        free(l->host);
        free(l->tls_cert);
        free(l->tls_key);
        free(l->tls_ca);
    }
    free(cfg->listeners);
    cfg->listeners = NULL;
    cfg->n_listeners = 0;
    for (size_t i = 0; cfg->users != NULL && cfg->users[i] != NULL; i++) {
        free(cfg->users[i]);
        free(cfg->passwords[i]);
    }
    free(cfg->users);
    free(cfg->passwords);
    cfg->users = cfg->passwords = NULL;
    free(cfg->tier);
    free(cfg->codec);
    cfg->tier = cfg->codec = NULL;
}

/* Turn what libcyaml loaded into helios_config_t (values were validated already). */
static int32_t convert(helios_config_t *cfg, cfg_priv_t *pv, helios_err_t *err)
{
    static const y_doc_t empty_doc;
    const y_doc_t *y = pv->y != NULL ? pv->y : &empty_doc;
    free_converted(cfg);
    cfg->data_dir = dup_or(y->data_dir, "./heliosdb-data");
    cfg->plugin_dirs_given = y->plugin_dirs != NULL;
    if (cfg->plugin_dirs_given) {
        cfg->plugin_dirs = calloc(y->plugin_dirs_count + 1, sizeof(char *));
        for (uint32_t i = 0; cfg->plugin_dirs != NULL && i < y->plugin_dirs_count; i++) {
            cfg->plugin_dirs[i] = strdup(y->plugin_dirs[i]);
        }
    } else {
        const char *const *d = helios_default_plugin_dirs();
        size_t n = 0;
        while (d[n] != NULL) {
            n++;
        }
        cfg->plugin_dirs = calloc(n + 1, sizeof(char *));
        if (cfg->plugin_dirs != NULL) {
            memcpy(cfg->plugin_dirs, d, n * sizeof(char *));
        }
    }
    cfg->n_listeners = y->listeners_count;
    cfg->listeners = calloc(y->listeners_count + 1, sizeof(*cfg->listeners));
    for (uint32_t i = 0; cfg->listeners != NULL && i < y->listeners_count; i++) {
        const y_listener_t *yl = &y->listeners[i];
        helios_listener_cfg_t *l = &cfg->listeners[i];
        char path[64];
        snprintf(path, sizeof(path), "listeners[%u]", i);
        l->protocol = strdup(yl->protocol);
        l->host = dup_or(yl->host, "127.0.0.1");
        l->port = (uint32_t)yl->port;
        l->auth_method = (uint32_t)store_int(&key_auth, yl->auth, HELIOS_AUTH_SCRAM);
        l->max_message_bytes =
            (uint32_t)store_int(&key_maxmsg, yl->max_message_bytes, 64 * 1024 * 1024);
        l->read_timeout_ms = (uint32_t)store_int(&key_timeout, yl->read_timeout, 60000);
        if (yl->tls != NULL) {
            l->tls_cert = strdup(yl->tls->cert);
            l->tls_key = strdup(yl->tls->key);
            l->tls_ca = yl->tls->ca != NULL ? strdup(yl->tls->ca) : NULL;
        }
        l->line = cfg_line_of(&pv->doc, path);
        l->index = i;
    }
    uint32_t nu = (y->auth != NULL) ? y->auth->users_count : 0;
    cfg->users = calloc(nu + 1, sizeof(char *));
    cfg->passwords = calloc(nu + 1, sizeof(char *));
    for (uint32_t i = 0; cfg->users != NULL && cfg->passwords != NULL && i < nu; i++) {
        cfg->users[i] = strdup(y->auth->users[i].name);
        cfg->passwords[i] = strdup(y->auth->users[i].password);
    }
    const y_storage_t *s = y->storage;
    cfg->tier = dup_or(s != NULL ? s->tier : NULL, "nvme");
    cfg->codec = dup_or(s != NULL ? s->codec : NULL, "lz4");
    cfg->memtable_bytes =
        (uint64_t)store_int(&key_memtable, s != NULL ? s->memtable_size : NULL, 64LL << 20);
    cfg->block_cache_bytes =
        (uint64_t)store_int(&key_cache, s != NULL ? s->block_cache_size : NULL, 0);
    cfg->sync_commit = (uint32_t)store_int(&key_sync, s != NULL ? s->sync_commit : NULL, 1);
    cfg->wal_segment_bytes =
        (uint64_t)store_int(&key_walseg, s != NULL ? s->wal_segment_size : NULL, 0);
    cfg->max_connections = y->max_connections > 0 ? (uint32_t)y->max_connections : 100;
    if (cfg->data_dir == NULL || cfg->plugin_dirs == NULL || cfg->listeners == NULL ||
        cfg->users == NULL || cfg->passwords == NULL || cfg->tier == NULL || cfg->codec == NULL) {
        return helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory reading config");
    }
    return 0;
}

static int32_t read_file(const char *file, char **bytes, size_t *len, helios_err_t *err)
{
    FILE *f = fopen(file, "rb");
    if (f == NULL) {
        return cfg_error(err, file, 0, NULL, "cannot open config file: %s", strerror(errno));
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap == 0 ? 8192 : cap * 2;
            char *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) {
            break;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return cfg_error(err, file, 0, NULL, "cannot read config file: %s", strerror(EIO));
    }
    buf[n] = '\0';
    *bytes = buf;
    *len = n;
    return 0;
}

int32_t helios_config_load(const char *file, helios_config_t **out, helios_err_t *err)
{
    int32_t rc = 0;
    *out = NULL;
    helios_config_t *cfg = calloc(1, sizeof(*cfg));
    cfg_priv_t *pv = calloc(1, sizeof(*pv));
    if (cfg == NULL || pv == NULL) {
        free(cfg);
        free(pv);
        return helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    cfg->priv = pv;
    cfg->is_default = file == NULL;
    cfg->file = strdup(file != NULL ? file : "<default>");
    if (cfg->file == NULL) {
        rc = helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    if (file != NULL) {
        rc = read_file(file, &pv->bytes, &pv->len, err);
    } else {
        pv->bytes = strdup(default_text);
        pv->len = strlen(default_text);
        rc = pv->bytes == NULL ? helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory") : 0;
    }
    if (rc != 0) {
        goto failed;
    }
    rc = cfg_doc_parse(cfg->file, pv->bytes, pv->len, &pv->doc, &pv->empty, err);
    if (rc != 0) {
        goto failed;
    }
    pv->have_doc = 1;
    rc = load_pass(cfg, pv, top_fields_pass1, NULL, err);
    if (rc == 0) {
        rc = convert(cfg, pv, err);
    }
    if (rc != 0) {
        goto failed;
    }
    *out = cfg;
    return 0;
failed:
    helios_config_free(cfg);
    return rc;
}

/* ---- pass 2: the plugins subtree ---------------------------------------------------------- */

static int32_t build_pass2_schema(cfg_priv_t *pv, helios_err_t *err)
{
    size_t n = 0, n_keys = 0;
    for (helios_plugin_rt_t *p = helios_registry_first(); p != NULL; p = p->next) {
        n++;
        n_keys += p->desc->n_config_keys;
    }
    pv->n_pl = n;
    pv->pfields = calloc(n + 1, sizeof(*pv->pfields));
    pv->kfields = calloc(n + 1, sizeof(*pv->kfields));
    pv->pl = calloc(n + 1, sizeof(*pv->pl));
    pv->top2 = calloc(TF_END + 1, sizeof(*pv->top2));
    pv->hooks = calloc(N_BASE_HOOKS + n_keys, sizeof(*pv->hooks));
    if (pv->pfields == NULL || pv->kfields == NULL || pv->pl == NULL || pv->top2 == NULL ||
        pv->hooks == NULL) {
        return helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    memcpy(pv->top2, top_fields_pass1, (TF_END + 1) * sizeof(*pv->top2));
    memcpy(pv->hooks, base_hooks, sizeof(base_hooks));
    pv->n_hooks = N_BASE_HOOKS;
    size_t i = 0;
    for (helios_plugin_rt_t *p = helios_registry_first(); p != NULL; p = p->next, i++) {
        const helios_plugin_t *d = p->desc;
        cyaml_schema_field_t *kf = calloc(d->n_config_keys + 1, sizeof(*kf));
        if (kf == NULL) {
            return helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
        pv->kfields[i] = kf;
        pv->pl[i] = p;
        for (uint32_t j = 0; j < d->n_config_keys; j++) {
            const helios_config_key_t *k = &d->config_keys[j];
            kf[j].key = k->key;
            kf[j].data_offset = (uint32_t)(j * sizeof(char *));
            kf[j].value.type = CYAML_STRING;
            kf[j].value.flags = (enum cyaml_flag)(
                CYAML_FLAG_POINTER | ((k->flags & HELIOS_CFG_REQUIRED) ? 0 : CYAML_FLAG_OPTIONAL));
            kf[j].value.data_size = sizeof(char *);
            kf[j].value.string.min = 0;
            kf[j].value.string.max = CYAML_UNLIMITED;
            pv->hooks[pv->n_hooks].field = &kf[j];
            pv->hooks[pv->n_hooks].key = k;
            pv->n_hooks++;
        }
        cyaml_schema_field_t *pf = &pv->pfields[i];
        pf->key = p->name;
        pf->data_offset = (uint32_t)(i * sizeof(void *));
        pf->value.type = CYAML_MAPPING;
        pf->value.flags = (enum cyaml_flag)(CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL);
        /* libcyaml needs a non-zero struct size even for a plugin without keys */
        pf->value.data_size = (uint32_t)((d->n_config_keys + 1) * sizeof(char *));
        pf->value.mapping.fields = kf;
    }
    cyaml_schema_field_t *top_pl = &pv->top2[TF_PLUGINS];
    top_pl->key = "plugins";
    top_pl->data_offset = offsetof(y_doc_t, plugins);
    top_pl->value.type = CYAML_MAPPING;
    top_pl->value.flags = (enum cyaml_flag)(CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL);
    top_pl->value.data_size = (uint32_t)((n + 1) * sizeof(void *));
    top_pl->value.mapping.fields = pv->pfields;
    return 0;
}

static int32_t apply_plugin_values(helios_config_t *cfg, cfg_priv_t *pv, helios_err_t *err)
{
    void **per_plugin = (pv->y != NULL) ? pv->y->plugins : NULL;
    for (size_t i = 0; i < pv->n_pl; i++) {
        helios_plugin_rt_t *p = pv->pl[i];
        int32_t rc = helios_registry_config_defaults(p, err);
        if (rc != 0) {
            return rc;
        }
        char **vals = per_plugin != NULL ? per_plugin[i] : NULL;
        if (vals == NULL) {
            continue;
        }
        for (uint32_t j = 0; j < p->desc->n_config_keys; j++) {
            const helios_config_key_t *k = &p->desc->config_keys[j];
            char why[300], path[200];
            if (vals[j] == NULL) {
                continue;
            }
            snprintf(path, sizeof(path), "plugins.%s.%s", p->name, k->key);
            if (helios_cfg_store(k, vals[j], p->config, why, sizeof(why)) != 0) {
                return cfg_error(err, cfg->file, cfg_line_of(&pv->doc, path), path, "%s", why);
            }
            p->config_set_mask |= 1ull << j;
        }
    }
    return 0;
}

static const char *nearest_plugin(uint32_t kind, const char *name)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (helios_plugin_rt_t *p = helios_registry_first(); p != NULL; p = p->next) {
        size_t d = helios_edit_distance(name, p->name);
        if (p->kind == kind && d < best_d) {
            best_d = d;
            best = p->name;
        }
    }
    return best;
}

/* A config value naming a plugin of `kind`: explain precisely why it is not usable. */
static int32_t check_plugin_ref(helios_config_t *cfg, cfg_priv_t *pv, uint32_t kind,
                                const char *name, const char *path, helios_err_t *err)
{
    if (helios_registry_find(kind, name) != NULL) {
        return 0;
    }
    uint32_t line = cfg_line_of(&pv->doc, path);
    helios_plugin_rt_t *other = helios_registry_find_name(name);
    if (other != NULL) {
        return cfg_error(err, cfg->file, line, path,
                         "plugin \"%s\" is a %s plugin, not a %s plugin", name,
                         helios_kind_name(other->kind), helios_kind_name(kind));
    }
    const helios_refusal_t *r = helios_registry_refusal_of(name);
    if (r != NULL) {
        return cfg_error(err, cfg->file, line, path, "%s plugin \"%s\" is not loaded (%s)",
                         helios_kind_name(kind), name, r->line);
    }
    const char *near = nearest_plugin(kind, name);
    if (near != NULL) {
        return cfg_error(err, cfg->file, line, path,
                         "no loaded %s plugin \"%s\", did you mean \"%s\"?", helios_kind_name(kind),
                         name, near);
    }
    return cfg_error(err, cfg->file, line, path, "no loaded %s plugin \"%s\"",
                     helios_kind_name(kind), name);
}

int32_t helios_config_apply_plugins(helios_config_t *cfg, helios_err_t *err)
{
    cfg_priv_t *pv = cfg->priv;
    int32_t rc = build_pass2_schema(pv, err);
    if (rc == 0) {
        rc = load_pass(cfg, pv, pv->top2, &pv->top2[TF_PLUGINS], err);
    }
    if (rc == 0) {
        rc = convert(cfg, pv, err);
    }
    if (rc == 0) {
        rc = apply_plugin_values(cfg, pv, err);
    }
    if (rc != 0) {
        return rc;
    }
    /* listeners: a protocol some loaded plugin provides */
    uint32_t kept = 0;
    for (uint32_t i = 0; i < cfg->n_listeners; i++) {
        helios_listener_cfg_t *l = &cfg->listeners[i];
        char path[64];
        snprintf(path, sizeof(path), "listeners[%u].protocol", l->index);
        int ok = 1;
        if (strcmp(l->protocol, "auto") == 0) {
            int any = 0;
            for (helios_plugin_rt_t *p = helios_registry_first(); p != NULL; p = p->next) {
                any |= p->kind == HELIOS_KIND_PROTOCOL &&
                       (hk_protocol(p)->detect != NULL ||
                        (hk_protocol(p)->caps & HELIOS_PROTO_CAP_SERVER_FIRST));
            }
            if (!any) {
                if (cfg->is_default) {
                    ok = 0;
                } else {
                    return cfg_error(err, cfg->file, cfg_line_of(&pv->doc, path), path,
                                     "protocol \"auto\" needs a protocol plugin with detect(), "
                                     "none is loaded");
                }
            }
        } else if (helios_registry_find(HELIOS_KIND_PROTOCOL, l->protocol) == NULL) {
            if (cfg->is_default) {
                ok = 0;
            } else {
                return check_plugin_ref(cfg, pv, HELIOS_KIND_PROTOCOL, l->protocol, path, err);
            }
        }
        if (!ok) {
            helios_log(HELIOS_LOG_WARN,
                       "default config: no protocol plugin \"%s\" is loaded, not listening on "
                       "%s:%u",
                       l->protocol, l->host, l->port);
            free(l->protocol);
            free(l->host);
            free(l->tls_cert);
            free(l->tls_key);
            free(l->tls_ca);
            continue;
        }
        cfg->listeners[kept++] = *l;
    }
    cfg->n_listeners = kept;
    rc = check_plugin_ref(cfg, pv, HELIOS_KIND_STORAGE, cfg->tier, "storage.tier", err);
    if (rc == 0 && cfg->is_default && strcmp(cfg->codec, "none") != 0 &&
        helios_registry_find(HELIOS_KIND_CODEC, cfg->codec) == NULL) {
        helios_log(HELIOS_LOG_WARN,
                   "default config: no codec plugin \"%s\" is loaded, blocks "
                   "are stored uncompressed",
                   cfg->codec);
        free(cfg->codec);
        cfg->codec = strdup("none");
        if (cfg->codec == NULL) {
            return helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
    }
    if (rc == 0 && strcmp(cfg->codec, "none") != 0) {
        rc = check_plugin_ref(cfg, pv, HELIOS_KIND_CODEC, cfg->codec, "storage.codec", err);
        if (rc == 0) {
            const helios_codec_vtable_t *cv =
                hk_codec(helios_registry_find(HELIOS_KIND_CODEC, cfg->codec));
            if ((cv->caps & HELIOS_CODEC_CAP_BYTES) == 0) {
                rc = cfg_error(err, cfg->file, cfg_line_of(&pv->doc, "storage.codec"),
                               "storage.codec",
                               "codec \"%s\" is a column encoder, storage.codec needs a byte "
                               "compressor (or none)",
                               cfg->codec);
            }
        }
    }
    return rc;
}

void helios_config_free(helios_config_t *cfg)
{
    if (cfg == NULL) {
        return;
    }
    free_converted(cfg);
    cfg_priv_t *pv = cfg->priv;
    if (pv != NULL) {
        free_y(pv);
        if (pv->have_doc) {
            yaml_document_delete(&pv->doc);
        }
        for (size_t i = 0; pv->kfields != NULL && i < pv->n_pl; i++) {
            free(pv->kfields[i]);
        }
        free(pv->kfields);
        free(pv->pfields);
        free(pv->pl);
        free(pv->top2);
        free(pv->hooks);
        free(pv->bytes);
        free(pv);
    }
    free(cfg->file);
    free(cfg);
}
