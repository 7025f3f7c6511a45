/*
 * kernel/core/loader.c -- the plugin loader: dlopen, the descriptor checks in plugin.h's order,
 * the vtable copy, and the process-wide registry.
 *
 * Each refusal is one line: the file, the plugin name once it can be trusted (after the ABI
 * major and the build signature matched), what was wrong, its value and the kernel's.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cfgval.h"
#include "core/host.h"
#include "core/log.h"
#include "core/registry.h"
#include "helios/sqlstate.h"

#define HELIOS_DESC_V1_0_SIZE (offsetof(helios_plugin_t, fini) + sizeof(void (*)(void *)))
#define HELIOS_NAME_MAX 63

static helios_plugin_rt_t *reg_head, *reg_tail;
static helios_refusal_t *ref_head, *ref_tail;
static char **seen_files;
static size_t n_seen;
static const char *reg_data_dir = ".";

/* ---- kinds ------------------------------------------------------------------------------- */

typedef struct vt_member {
    const char *name;
    size_t offset;
} vt_member_t;

typedef struct kind_info {
    const char *name;
    size_t v1_0_size; /* the vtable size ABI 1.0 defines */
    size_t cur_size;  /* sizeof the vtable in this kernel */
    vt_member_t required[16];
    vt_member_t pairs[4][2];
} kind_info_t;

#define M(type, member)                                                                            \
    {                                                                                              \
#member, offsetof(type, member)                                                            \
    }
#define END_OF(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))

static const kind_info_t kinds[HELIOS_KIND_MAX + 1] = {
    [HELIOS_KIND_PROTOCOL] = {"protocol",
                              END_OF(helios_protocol_vtable_t, control),
                              sizeof(helios_protocol_vtable_t),
                              {M(helios_protocol_vtable_t, create),
                               M(helios_protocol_vtable_t, destroy),
                               M(helios_protocol_vtable_t, serve)},
                              {{M(helios_protocol_vtable_t, start),
                                M(helios_protocol_vtable_t, stop)}}},
    [HELIOS_KIND_STORAGE] = {"storage",
                             END_OF(helios_storage_vtable_t, control),
                             sizeof(helios_storage_vtable_t),
                             {M(helios_storage_vtable_t, create),
                              M(helios_storage_vtable_t, destroy), M(helios_storage_vtable_t, put),
                              M(helios_storage_vtable_t, get), M(helios_storage_vtable_t, ropen),
                              M(helios_storage_vtable_t, read), M(helios_storage_vtable_t, rclose),
                              M(helios_storage_vtable_t, wopen), M(helios_storage_vtable_t, append),
                              M(helios_storage_vtable_t, wsync), M(helios_storage_vtable_t, wclose),
                              M(helios_storage_vtable_t, remove), M(helios_storage_vtable_t, list),
                              M(helios_storage_vtable_t, stat)},
                             {{M(helios_storage_vtable_t, start),
                               M(helios_storage_vtable_t, stop)}}},
    [HELIOS_KIND_CODEC] = {"codec",
                           END_OF(helios_codec_vtable_t, control),
                           sizeof(helios_codec_vtable_t),
                           {M(helios_codec_vtable_t, create), M(helios_codec_vtable_t, destroy)},
                           {{M(helios_codec_vtable_t, encode), M(helios_codec_vtable_t, decode)}}},
    [HELIOS_KIND_CONSENSUS] =
        {"consensus",
         END_OF(helios_consensus_vtable_t, control),
         sizeof(helios_consensus_vtable_t),
         {M(helios_consensus_vtable_t, create), M(helios_consensus_vtable_t, start),
          M(helios_consensus_vtable_t, stop), M(helios_consensus_vtable_t, destroy),
          M(helios_consensus_vtable_t, propose), M(helios_consensus_vtable_t, leader)},
         {{M(helios_consensus_vtable_t, add_member), M(helios_consensus_vtable_t, remove_member)}}},
    [HELIOS_KIND_PLACEMENT] = {"placement",
                               END_OF(helios_placement_vtable_t, control),
                               sizeof(helios_placement_vtable_t),
                               {M(helios_placement_vtable_t, create),
                                M(helios_placement_vtable_t, destroy)},
                               {{{NULL, 0}}}},
};

/* Codec members required by capability (checked after the generic list). */
static const vt_member_t codec_bytes_req[] = {M(helios_codec_vtable_t, bound),
                                              M(helios_codec_vtable_t, compress),
                                              M(helios_codec_vtable_t, decompress)};
static const vt_member_t codec_column_req[] = {M(helios_codec_vtable_t, estimate),
                                               M(helios_codec_vtable_t, encode),
                                               M(helios_codec_vtable_t, decode)};

const char *helios_kind_name(uint32_t kind)
{
    return (kind >= 1 && kind <= HELIOS_KIND_MAX) ? kinds[kind].name : "unknown";
}

uint32_t helios_kind_from_name(const char *name)
{
    for (uint32_t k = 1; k <= HELIOS_KIND_MAX; k++) {
        if (strcmp(kinds[k].name, name) == 0) {
            return k;
        }
    }
    return 0;
}

static int member_set(const void *vt, size_t off)
{
    void *fp = NULL;
    memcpy(&fp, (const char *)vt + off, sizeof(fp));
    return fp != NULL;
}

/* ---- refusals ----------------------------------------------------------------------------- */

typedef struct check_ctx {
    const char *path;
    char name[HELIOS_NAME_MAX * 4 + 1]; /* printable plugin name, "" until trusted */
    char line[1024];
} check_ctx_t;

static int32_t refuse(check_ctx_t *c, helios_err_t *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int32_t refuse(check_ctx_t *c, helios_err_t *err, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (c->name[0] != '\0') {
        snprintf(c->line, sizeof(c->line), "plugin refused: %.200s: plugin \"%.64s\": %s", c->path,
                 c->name, what);
    } else {
        snprintf(c->line, sizeof(c->line), "plugin refused: %.300s: %s", c->path, what);
    }
    return helios_err_set(err, HELIOS_ERR_PLUGIN_REFUSED, "%s", c->line);
}

/* Copy a plugin-supplied string for messages, escaping anything unprintable. */
static void printable(char *dst, size_t cap, const char *src, size_t max_in)
{
    size_t n = 0;
    for (size_t i = 0; src[i] != '\0' && i < max_in && n + 5 < cap; i++) {
        unsigned char ch = (unsigned char)src[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
            dst[n++] = (char)ch;
        } else {
            n += (size_t)snprintf(dst + n, cap - n, "\\x%02x", ch);
        }
    }
    dst[n] = '\0';
}

static int name_valid(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char ch = s[n];
        if (n >= HELIOS_NAME_MAX ||
            !((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) {
            return 0;
        }
    }
    return n > 0;
}

/* ---- the checks --------------------------------------------------------------------------- */

static int32_t check_sig(check_ctx_t *c, const helios_build_sig_t *s, helios_err_t *err)
{
    static const helios_build_sig_t k = HELIOS_BUILD_SIG_INIT;
    if (s->ptr_size != k.ptr_size) {
        return refuse(c, err, "build signature differs: pointer size %u, kernel has %u",
                      s->ptr_size, k.ptr_size);
    }
    if (s->byte_order != k.byte_order) {
        return refuse(c, err, "build signature differs: byte order %u, kernel has %u",
                      s->byte_order, k.byte_order);
    }
    if (s->off_t_size != k.off_t_size) {
        return refuse(c, err, "build signature differs: off_t size %u, kernel has %u",
                      s->off_t_size, k.off_t_size);
    }
    if (memchr(s->vendor, '\0', sizeof(s->vendor)) == NULL || strcmp(s->vendor, k.vendor) != 0) {
        char v[80];
        char tmp[sizeof(s->vendor) + 1];
        memcpy(tmp, s->vendor, sizeof(s->vendor));
        tmp[sizeof(s->vendor)] = '\0';
        printable(v, sizeof(v), tmp, sizeof(s->vendor));
        return refuse(c, err, "build signature differs: vendor \"%s\", kernel has \"%s\"", v,
                      k.vendor);
    }
    return 0;
}

static int32_t check_vtable(check_ctx_t *c, const helios_plugin_t *d, helios_err_t *err)
{
    const kind_info_t *ki = &kinds[d->kind];
    if (d->vtable == NULL) {
        return refuse(c, err, "%s vtable is NULL, kernel requires one", ki->name);
    }
    uint32_t vsize = *(const uint32_t *)d->vtable;
    if (vsize < ki->v1_0_size) {
        return refuse(c, err, "%s vtable size %u, kernel needs at least %zu (ABI 1.0)", ki->name,
                      vsize, ki->v1_0_size);
    }
    for (size_t i = 0; i < sizeof(ki->required) / sizeof(ki->required[0]); i++) {
        const vt_member_t *m = &ki->required[i];
        if (m->name != NULL && !member_set(d->vtable, m->offset)) {
            return refuse(c, err, "%s vtable member \"%s\" is NULL, kernel requires it", ki->name,
                          m->name);
        }
    }
    for (size_t i = 0; i < 4; i++) {
        const vt_member_t *p = ki->pairs[i];
        if (p[0].name == NULL) {
            continue;
        }
        int a = member_set(d->vtable, p[0].offset), b = member_set(d->vtable, p[1].offset);
        if (a != b) {
            return refuse(c, err,
                          "%s vtable members \"%s\" and \"%s\" must be both set or both NULL, "
                          "\"%s\" is %s",
                          ki->name, p[0].name, p[1].name, a ? p[1].name : p[0].name, "NULL");
        }
    }
    if (d->kind == HELIOS_KIND_CODEC) {
        const helios_codec_vtable_t *cv = d->vtable;
        uint32_t known = HELIOS_CODEC_CAP_BYTES | HELIOS_CODEC_CAP_COLUMN;
        if ((cv->caps & known) == 0) {
            return refuse(c, err, "codec caps 0x%x name neither BYTES (0x1) nor COLUMN (0x2)",
                          cv->caps);
        }
        for (int fam = 0; fam < 2; fam++) {
            uint32_t bit = fam == 0 ? HELIOS_CODEC_CAP_BYTES : HELIOS_CODEC_CAP_COLUMN;
            const vt_member_t *req = fam == 0 ? codec_bytes_req : codec_column_req;
            if ((cv->caps & bit) == 0) {
                continue;
            }
            for (int i = 0; i < 3; i++) {
                if (!member_set(d->vtable, req[i].offset)) {
                    return refuse(c, err,
                                  "codec vtable member \"%s\" is NULL, kernel requires it for "
                                  "caps %s",
                                  req[i].name, fam == 0 ? "BYTES" : "COLUMN");
                }
            }
        }
        if (cv->codec_id == HELIOS_CODEC_ID_RAW) {
            return refuse(c, err, "codec id 0 is reserved for raw blocks");
        }
    }
    return 0;
}

static int32_t check_schema(check_ctx_t *c, const helios_plugin_t *d, helios_err_t *err)
{
    if (d->n_config_keys == 0) {
        return 0;
    }
    if (d->config_keys == NULL || d->config_size == 0) {
        return refuse(c, err, "config schema has %u keys but %s", d->n_config_keys,
                      d->config_keys == NULL ? "config_keys is NULL" : "config_size is 0");
    }
    if (d->n_config_keys > 64) {
        return refuse(c, err, "config schema has %u keys, kernel accepts at most 64",
                      d->n_config_keys);
    }
    void *scratch = calloc(1, d->config_size);
    if (scratch == NULL) {
        return helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    int32_t rc = 0;
    for (uint32_t i = 0; i < d->n_config_keys && rc == 0; i++) {
        const helios_config_key_t *k = &d->config_keys[i];
        char kname[96], why[256];
        if (k->size < sizeof(helios_config_key_t)) {
            rc = refuse(c, err, "config key %u: size %u, kernel needs %zu", i, k->size,
                        sizeof(helios_config_key_t));
            break;
        }
        if (k->key == NULL || !name_valid(k->key)) {
            printable(kname, sizeof(kname), k->key != NULL ? k->key : "(null)", 32);
            rc = refuse(c, err, "config key %u: invalid name \"%s\", kernel accepts [a-z0-9_]+", i,
                        kname);
            break;
        }
        uint32_t w = helios_cfg_width(k->type);
        if (w == 0) {
            rc = refuse(c, err, "config key \"%s\": unknown type %u, kernel knows 1..6", k->key,
                        k->type);
        } else if ((uint64_t)k->offset + w > d->config_size) {
            rc = refuse(c, err,
                        "config key \"%s\": field at offset %u (%u bytes) is past config_size "
                        "%" PRIu64,
                        k->key, k->offset, w, d->config_size);
        } else if (k->type == HELIOS_CFG_ENUM && k->enum_names == NULL) {
            rc = refuse(c, err, "config key \"%s\": enum without enum_names", k->key);
        } else if (k->default_text != NULL &&
                   helios_cfg_store(k, k->default_text, scratch, why, sizeof(why)) != 0) {
            rc = refuse(c, err, "config key \"%s\": bad default: %s", k->key, why);
        }
        for (uint32_t j = 0; j < i && rc == 0; j++) {
            if (strcmp(d->config_keys[j].key, k->key) == 0) {
                rc = refuse(c, err, "config key \"%s\" is defined twice", k->key);
            }
        }
    }
    helios_cfg_free_strings(d->config_keys, d->n_config_keys, scratch);
    free(scratch);
    return rc;
}

static int32_t check_descriptor(check_ctx_t *c, const helios_plugin_t *d, helios_err_t *err)
{
    if (d->magic != HELIOS_PLUGIN_MAGIC) {
        return refuse(c, err, "wrong magic 0x%016" PRIx64 ", kernel expects 0x%016" PRIx64,
                      d->magic, (uint64_t)HELIOS_PLUGIN_MAGIC);
    }
    if (d->size < HELIOS_DESC_V1_0_SIZE) {
        return refuse(c, err, "descriptor size %u, kernel needs at least %zu (ABI 1.0)", d->size,
                      (size_t)HELIOS_DESC_V1_0_SIZE);
    }
    if (d->abi_major != HELIOS_ABI_MAJOR) {
        return refuse(c, err, "ABI major version %u, kernel has %u", d->abi_major,
                      HELIOS_ABI_MAJOR);
    }
    /* the ABI 1.x prefix of the descriptor is valid from here on: the name may be shown */
    if (d->name != NULL) {
        printable(c->name, sizeof(c->name), d->name, HELIOS_NAME_MAX + 1);
    }
    if (d->abi_minor > HELIOS_ABI_MINOR) {
        return refuse(c, err, "ABI version %u.%u is newer than the kernel's %u.%u", d->abi_major,
                      d->abi_minor, HELIOS_ABI_MAJOR, HELIOS_ABI_MINOR);
    }
    int32_t rc = check_sig(c, &d->sig, err);
    if (rc != 0) {
        return rc;
    }
    if (d->kind < 1 || d->kind > HELIOS_KIND_MAX) {
        return refuse(c, err,
                      "unknown kind %u, kernel knows 1..%u (protocol, storage, codec, "
                      "consensus, placement)",
                      d->kind, HELIOS_KIND_MAX);
    }
    if (d->name == NULL || !name_valid(d->name)) {
        return refuse(c, err, "invalid name \"%s\", kernel accepts [a-z0-9_]{1,%d}",
                      d->name != NULL ? c->name : "(null)", HELIOS_NAME_MAX);
    }
    helios_plugin_rt_t *dup = helios_registry_find_name(d->name);
    if (dup != NULL) {
        return refuse(c, err, "duplicate name, a %s plugin \"%s\" is already loaded from %s",
                      helios_kind_name(dup->kind), dup->name, dup->path);
    }
    rc = check_vtable(c, d, err);
    if (rc != 0) {
        return rc;
    }
    return check_schema(c, d, err);
}

/* ---- loading ------------------------------------------------------------------------------ */

static void add_refusal(const char *path, const char *name, const char *line)
{
    helios_refusal_t *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return;
    }
    r->path = strdup(path);
    r->name = (name != NULL && name[0] != '\0') ? strdup(name) : NULL;
    r->line = strdup(line);
    if (ref_tail != NULL) {
        ref_tail->next = r;
    } else {
        ref_head = r;
    }
    ref_tail = r;
}

int32_t helios_registry_load_file(const char *path, helios_plugin_rt_t **out, helios_err_t *err)
{
    check_ctx_t c = {.path = path};
    helios_plugin_rt_t *p = NULL;
    int32_t rc = 0;
    dlerror();
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char *e = dlerror();
        rc = refuse(&c, err, "dlopen failed: %s", e != NULL ? e : "unknown error");
        goto failed;
    }
    dlerror();
    const helios_plugin_t *d = dlsym(h, "helios_plugin");
    if (d == NULL) {
        /* not dlclose'd: the object may have run constructors; never unload (plugin.h) */
        rc = refuse(&c, err, "missing symbol \"helios_plugin\", kernel requires it");
        goto failed;
    }
    rc = check_descriptor(&c, d, err);
    if (rc != 0) {
        goto failed;
    }
    const kind_info_t *ki = &kinds[d->kind];
    p = calloc(1, sizeof(*p));
    if (p == NULL || (p->path = strdup(path)) == NULL ||
        (p->vtable = calloc(1, ki->cur_size)) == NULL) {
        rc = helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory loading %s", path);
        goto failed;
    }
    p->desc = d;
    p->name = d->name;
    p->kind = d->kind;
    p->vt_size_plugin = *(const uint32_t *)d->vtable;
    memcpy(p->vtable, d->vtable,
           p->vt_size_plugin < ki->cur_size ? p->vt_size_plugin : ki->cur_size);
    *(uint32_t *)p->vtable = (uint32_t)ki->cur_size;
    helios_host_fill(p, reg_data_dir);
    if (reg_tail != NULL) {
        reg_tail->next = p;
    } else {
        reg_head = p;
    }
    reg_tail = p;
    if (out != NULL) {
        *out = p;
    }
    return 0;
failed:
    if (p != NULL) {
        free(p->vtable);
        free(p->path);
        free(p);
    }
    if (rc == HELIOS_ERR_PLUGIN_REFUSED) {
        add_refusal(path, c.name, c.line);
    }
    return rc;
}

static int seen(const char *path)
{
    for (size_t i = 0; i < n_seen; i++) {
        if (strcmp(seen_files[i], path) == 0) {
            return 1;
        }
    }
    char **n = realloc(seen_files, (n_seen + 1) * sizeof(*n));
    if (n == NULL) {
        return 1;
    }
    seen_files = n;
    seen_files[n_seen] = strdup(path);
    if (seen_files[n_seen] != NULL) {
        n_seen++;
    }
    return 0;
}

static int so_filter(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 3 && strcmp(e->d_name + n - 3, ".so") == 0;
}

int32_t helios_registry_scan(const char *const *dirs, const char *data_dir, int log_refusals,
                             helios_err_t *err)
{
    if (data_dir != NULL) {
        reg_data_dir = strdup(data_dir);
        if (reg_data_dir == NULL) {
            reg_data_dir = ".";
        }
    }
    for (size_t i = 0; dirs != NULL && dirs[i] != NULL; i++) {
        struct dirent **ents = NULL;
        int n = scandir(dirs[i], &ents, so_filter, alphasort);
        if (n < 0) {
            helios_log(HELIOS_LOG_WARN, "plugin directory %s: %s", dirs[i], strerror(errno));
            continue;
        }
        for (int j = 0; j < n; j++) {
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", dirs[i], ents[j]->d_name);
            char *real = realpath(path, NULL);
            const char *use = real != NULL ? real : path;
            if (!seen(use)) {
                helios_err_t e = HELIOS_ERR_INIT;
                int32_t rc = helios_registry_load_file(use, NULL, &e);
                if (rc == HELIOS_ERR_PLUGIN_REFUSED && log_refusals) {
                    helios_log(HELIOS_LOG_WARN, "%s", e.message);
                } else if (rc != 0 && rc != HELIOS_ERR_PLUGIN_REFUSED) {
                    free(real);
                    for (int k = j; k < n; k++) {
                        free(ents[k]);
                    }
                    free(ents);
                    *err = e;
                    return rc;
                }
            }
            free(real);
            free(ents[j]);
        }
        free(ents);
    }
    return 0;
}

int32_t helios_registry_config_defaults(helios_plugin_rt_t *p, helios_err_t *err)
{
    const helios_plugin_t *d = p->desc;
    if (p->config != NULL || d->n_config_keys == 0) {
        return 0;
    }
    p->config = calloc(1, d->config_size);
    if (p->config == NULL) {
        return helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    for (uint32_t i = 0; i < d->n_config_keys; i++) {
        char why[256];
        const helios_config_key_t *k = &d->config_keys[i];
        if (k->default_text != NULL &&
            helios_cfg_store(k, k->default_text, p->config, why, sizeof(why)) != 0) {
            return helios_err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                  "plugin \"%s\" key \"%s\": %s", p->name, k->key, why);
        }
    }
    p->host.config = p->config;
    return 0;
}

static void unlink_plugin(helios_plugin_rt_t *p)
{
    helios_plugin_rt_t **pp = &reg_head, *prev = NULL;
    while (*pp != NULL && *pp != p) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (*pp == p) {
        *pp = p->next;
        if (reg_tail == p) {
            reg_tail = prev;
        }
    }
}

static void free_plugin(helios_plugin_rt_t *p)
{
    helios_host_release(p);
    if (p->config != NULL) {
        helios_cfg_free_strings(p->desc->config_keys, p->desc->n_config_keys, p->config);
        free(p->config);
    }
    free(p->vtable);
    free(p->path);
    free(p);
}

int32_t helios_registry_init_all(int log_refusals, helios_err_t *err)
{
    helios_plugin_rt_t *p = reg_head;
    while (p != NULL) {
        helios_plugin_rt_t *next = p->next;
        if (p->inited) {
            p = next;
            continue;
        }
        helios_err_t e = HELIOS_ERR_INIT;
        int32_t rc = helios_registry_config_defaults(p, &e);
        p->host.config = p->config;
        if (rc == 0 && p->desc->init != NULL) {
            rc = p->desc->init(&p->host, p->config, &p->lib_state, &e);
            if (rc != 0 && e.code == 0) {
                helios_err_set(&e, rc, "init failed without a message");
            }
        }
        if (rc != 0) {
            check_ctx_t c = {.path = p->path};
            char state[6];
            helios_sqlstate_str(rc, state);
            printable(c.name, sizeof(c.name), p->name, HELIOS_NAME_MAX + 1);
            refuse(&c, NULL, "init failed: %s %s", state, e.message);
            if (log_refusals) {
                helios_log(HELIOS_LOG_WARN, "%s", c.line);
            }
            add_refusal(p->path, c.name, c.line);
            unlink_plugin(p);
            free_plugin(p);
        } else {
            p->inited = 1;
        }
        p = next;
    }
    (void)err;
    return 0;
}

void helios_registry_fini(void)
{
    /* reverse load order: a later plugin may depend on an earlier one's services */
    while (reg_head != NULL) {
        helios_plugin_rt_t *last = reg_head;
        while (last->next != NULL) {
            last = last->next;
        }
        if (last->inited && last->desc->fini != NULL) {
            last->desc->fini(last->lib_state);
        }
        unlink_plugin(last);
        free_plugin(last);
    }
    reg_tail = NULL;
    while (ref_head != NULL) {
        helios_refusal_t *r = ref_head;
        ref_head = r->next;
        free(r->path);
        free(r->name);
        free(r->line);
        free(r);
    }
    ref_tail = NULL;
    for (size_t i = 0; i < n_seen; i++) {
        free(seen_files[i]);
    }
    free(seen_files);
    seen_files = NULL;
    n_seen = 0;
}

helios_plugin_rt_t *helios_registry_find(uint32_t kind, const char *name)
{
    for (helios_plugin_rt_t *p = reg_head; p != NULL; p = p->next) {
        if (p->kind == kind && strcmp(p->name, name) == 0) {
            return p;
        }
    }
    return NULL;
}

helios_plugin_rt_t *helios_registry_find_name(const char *name)
{
    for (helios_plugin_rt_t *p = reg_head; p != NULL; p = p->next) {
        if (strcmp(p->name, name) == 0) {
            return p;
        }
    }
    return NULL;
}

helios_plugin_rt_t *helios_registry_first(void)
{
    return reg_head;
}

helios_refusal_t *helios_registry_refusals(void)
{
    return ref_head;
}

const helios_refusal_t *helios_registry_refusal_of(const char *name)
{
    for (helios_refusal_t *r = ref_head; r != NULL; r = r->next) {
        if (r->name != NULL && strcmp(r->name, name) == 0) {
            return r;
        }
    }
    return NULL;
}

helios_plugin_rt_t *helios_registry_codec_by_id(uint32_t codec_id)
{
    for (helios_plugin_rt_t *p = reg_head; p != NULL; p = p->next) {
        if (p->kind == HELIOS_KIND_CODEC && hk_codec(p)->codec_id == codec_id) {
            return p;
        }
    }
    return NULL;
}
