/*
 * loader.c -- load a plugin .so and check its descriptor as the kernel's loader
 * (kernel/core/loader.c) does, in the same order and with the same one-line refusals:
 * dlopen -> symbol -> magic, size, ABI major, ABI minor -> build signature -> kind, name ->
 * vtable size, required members and optional pairs -> config schema. Each refusal is ZP002:
 *   plugin refused: FILE: plugin "NAME": what is wrong, its value and the kernel's
 * (the name appears once the ABI major matched). The object is never dlclose'd. Duplicate names
 * are not refused: a test may load the same plugin several times.
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "helios/codec.h"
#include "helios/consensus.h"
#include "helios/placement.h"
#include "helios/protocol.h"
#include "helios/storage.h"
#include "helios/testing.h"
#include "internal.h"

#define END_OF(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))
#define NAME_MAX_LEN 63

typedef struct check {
    const char *path;
    const char *name; /* NULL until the ABI major matched */
    helios_err_t *err;
} check_t;

static int32_t refuse(const check_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int32_t refuse(const check_t *c, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (c->name != NULL) {
        return helios_testing_err_setf(c->err, HELIOS_ERR_PLUGIN_REFUSED,
                                       "plugin refused: %.200s: plugin \"%.64s\": %s", c->path,
                                       c->name, what);
    }
    return helios_testing_err_setf(c->err, HELIOS_ERR_PLUGIN_REFUSED, "plugin refused: %.300s: %s",
                                   c->path, what);
}

static int valid_name(const char *name)
{
    if (name == NULL || name[0] == '\0' || strlen(name) > NAME_MAX_LEN) {
        return 0;
    }
    for (const char *p = name; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) {
            return 0;
        }
    }
    return 1;
}

static const char *kind_name(uint32_t kind)
{
    static const char *const names[] = {"?",     "protocol",  "storage",
                                        "codec", "consensus", "placement"};
    return kind <= HELIOS_KIND_MAX ? names[kind] : "?";
}

/* A vtable member, by name, for the refusal message. */
typedef struct member_check {
    const char *name;
    const void *fn;
} member_check_t;

#define FN(vt, member)                                                                             \
    {                                                                                              \
#member, (const void *)(uintptr_t)(vt)->member                                             \
    }

static int32_t check_members(const check_t *c, const char *kind, const member_check_t *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (m[i].fn == NULL) {
            return refuse(c, "%s vtable member \"%s\" is NULL, kernel requires it", kind,
                          m[i].name);
        }
    }
    return 0;
}

static int32_t check_pair(const check_t *c, const char *kind, const member_check_t p[2])
{
    if ((p[0].fn == NULL) != (p[1].fn == NULL)) {
        return refuse(c,
                      "%s vtable members \"%s\" and \"%s\" must be both set or both NULL, "
                      "\"%s\" is NULL",
                      kind, p[0].name, p[1].name, p[0].fn == NULL ? p[0].name : p[1].name);
    }
    return 0;
}

static int32_t check_codec(const check_t *c, const helios_codec_vtable_t *vt)
{
    member_check_t m[] = {FN(vt, create), FN(vt, destroy)};
    member_check_t pair[] = {FN(vt, encode), FN(vt, decode)};
    member_check_t fam[2][3] = {{FN(vt, bound), FN(vt, compress), FN(vt, decompress)},
                                {FN(vt, estimate), FN(vt, encode), FN(vt, decode)}};
    int32_t rc = check_members(c, "codec", m, 2);
    if (rc == 0) {
        rc = check_pair(c, "codec", pair);
    }
    if (rc == 0 && (vt->caps & (HELIOS_CODEC_CAP_BYTES | HELIOS_CODEC_CAP_COLUMN)) == 0) {
        rc = refuse(c, "codec caps 0x%x name neither BYTES (0x1) nor COLUMN (0x2)", vt->caps);
    }
    for (int f = 0; f < 2 && rc == 0; f++) {
        uint32_t bit = f == 0 ? HELIOS_CODEC_CAP_BYTES : HELIOS_CODEC_CAP_COLUMN;
        for (int i = 0; i < 3 && rc == 0 && (vt->caps & bit); i++) {
            if (fam[f][i].fn == NULL) {
                rc = refuse(c, "codec vtable member \"%s\" is NULL, kernel requires it for caps %s",
                            fam[f][i].name, f == 0 ? "BYTES" : "COLUMN");
            }
        }
    }
    if (rc == 0 && vt->codec_id == HELIOS_CODEC_ID_RAW) {
        rc = refuse(c, "codec id 0 is reserved for raw blocks");
    }
    return rc;
}

/* Required members and optional pairs (both set or both NULL) per kind. */
static int32_t check_vtable(const check_t *c, const helios_plugin_t *d)
{
    const char *kind = kind_name(d->kind);
    if (d->vtable == NULL) {
        return refuse(c, "%s vtable is NULL, kernel requires one", kind);
    }
    uint32_t have = *(const uint32_t *)d->vtable;
    size_t need = d->kind == HELIOS_KIND_PROTOCOL    ? END_OF(helios_protocol_vtable_t, control)
                  : d->kind == HELIOS_KIND_STORAGE   ? END_OF(helios_storage_vtable_t, control)
                  : d->kind == HELIOS_KIND_CODEC     ? END_OF(helios_codec_vtable_t, control)
                  : d->kind == HELIOS_KIND_CONSENSUS ? END_OF(helios_consensus_vtable_t, control)
                                                     : END_OF(helios_placement_vtable_t, control);
    if (have < need) {
        return refuse(c, "%s vtable size %u, kernel needs at least %zu (ABI 1.0)", kind, have,
                      need);
    }
    int32_t rc = 0;
    switch (d->kind) {
    case HELIOS_KIND_PROTOCOL: {
        const helios_protocol_vtable_t *vt = d->vtable;
        member_check_t m[] = {FN(vt, create), FN(vt, destroy), FN(vt, serve)};
        member_check_t pair[] = {FN(vt, start), FN(vt, stop)};
        rc = check_members(c, kind, m, sizeof(m) / sizeof(m[0]));
        return rc != 0 ? rc : check_pair(c, kind, pair);
    }
    case HELIOS_KIND_STORAGE: {
        const helios_storage_vtable_t *vt = d->vtable;
        member_check_t m[] = {FN(vt, create), FN(vt, destroy), FN(vt, put),    FN(vt, get),
                              FN(vt, ropen),  FN(vt, read),    FN(vt, rclose), FN(vt, wopen),
                              FN(vt, append), FN(vt, wsync),   FN(vt, wclose), FN(vt, remove),
                              FN(vt, list),   FN(vt, stat)};
        member_check_t pair[] = {FN(vt, start), FN(vt, stop)};
        rc = check_members(c, kind, m, sizeof(m) / sizeof(m[0]));
        return rc != 0 ? rc : check_pair(c, kind, pair);
    }
    case HELIOS_KIND_CODEC:
        return check_codec(c, d->vtable);
    case HELIOS_KIND_CONSENSUS: {
        const helios_consensus_vtable_t *vt = d->vtable;
        member_check_t m[] = {FN(vt, create),  FN(vt, start),   FN(vt, stop),
                              FN(vt, destroy), FN(vt, propose), FN(vt, leader)};
        member_check_t pair[] = {FN(vt, add_member), FN(vt, remove_member)};
        rc = check_members(c, kind, m, sizeof(m) / sizeof(m[0]));
        return rc != 0 ? rc : check_pair(c, kind, pair);
    }
    default: {
        const helios_placement_vtable_t *vt = d->vtable;
        member_check_t m[] = {FN(vt, create), FN(vt, destroy)};
        return check_members(c, kind, m, sizeof(m) / sizeof(m[0]));
    }
    }
}

static uint32_t field_width(uint32_t type)
{
    switch (type) {
    case HELIOS_CFG_BOOL:
    case HELIOS_CFG_ENUM:
        return 4;
    case HELIOS_CFG_STRING:
        return (uint32_t)sizeof(char *);
    default:
        return 8;
    }
}

static int32_t check_schema(const check_t *c, const helios_plugin_t *d)
{
    if (d->n_config_keys == 0) {
        return 0;
    }
    if (d->config_keys == NULL || d->config_size == 0) {
        return refuse(c, "config schema has %u keys but %s", d->n_config_keys,
                      d->config_keys == NULL ? "config_keys is NULL" : "config_size is 0");
    }
    if (d->n_config_keys > 64) {
        return refuse(c, "config schema has %u keys, kernel accepts at most 64", d->n_config_keys);
    }
    for (uint32_t i = 0; i < d->n_config_keys; i++) {
        const helios_config_key_t *k = &d->config_keys[i];
        if (k->size != sizeof(helios_config_key_t)) {
            return refuse(c, "config key %u: size %u, kernel needs %zu", i, k->size,
                          sizeof(helios_config_key_t));
        }
        if (!valid_name(k->key)) {
            return refuse(c, "config key %u: invalid name \"%.64s\", kernel accepts [a-z0-9_]+", i,
                          k->key != NULL ? k->key : "(null)");
        }
        uint32_t w = field_width(k->type);
        if (k->type < HELIOS_CFG_BOOL || k->type > HELIOS_CFG_DURATION) {
            return refuse(c, "config key \"%s\": unknown type %u, kernel knows 1..6", k->key,
                          k->type);
        }
        if ((uint64_t)k->offset + w > d->config_size || k->offset % w != 0) {
            return refuse(c,
                          "config key \"%s\": field at offset %u (%u bytes) is past config_size "
                          "%" PRIu64 " or misaligned",
                          k->key, k->offset, w, d->config_size);
        }
        if (k->type == HELIOS_CFG_ENUM && (k->enum_names == NULL || k->enum_names[0] == NULL)) {
            return refuse(c, "config key \"%s\": enum without enum_names", k->key);
        }
        if (k->default_text != NULL && k->type != HELIOS_CFG_STRING) {
            int64_t v = 0;
            helios_err_t perr = HELIOS_ERR_INIT;
            if (helios_test_parse_value(k->type, k->default_text, k->enum_names, &v, &perr) != 0) {
                return refuse(c, "config key \"%s\": bad default: %s", k->key, perr.message);
            }
            if (k->min <= k->max && (v < k->min || v > k->max)) {
                return refuse(c,
                              "config key \"%s\": bad default: %" PRId64
                              " is out of range [%" PRId64 ", %" PRId64 "]",
                              k->key, v, k->min, k->max);
            }
        }
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(d->config_keys[j].key, k->key) == 0) {
                return refuse(c, "config key \"%s\" is defined twice", k->key);
            }
        }
    }
    return 0;
}

static int32_t check_sig(const check_t *c, const helios_build_sig_t *s)
{
    static const helios_build_sig_t k = HELIOS_BUILD_SIG_INIT;
    if (s->ptr_size != k.ptr_size) {
        return refuse(c, "build signature differs: pointer size %u, kernel has %u", s->ptr_size,
                      k.ptr_size);
    }
    if (s->byte_order != k.byte_order) {
        return refuse(c, "build signature differs: byte order %u, kernel has %u", s->byte_order,
                      k.byte_order);
    }
    if (s->off_t_size != k.off_t_size) {
        return refuse(c, "build signature differs: off_t size %u, kernel has %u", s->off_t_size,
                      k.off_t_size);
    }
    if (memchr(s->vendor, '\0', sizeof(s->vendor)) == NULL || strcmp(s->vendor, k.vendor) != 0) {
        return refuse(c, "build signature differs: vendor \"%.16s\", kernel has \"%s\"", s->vendor,
                      k.vendor);
    }
    return 0;
}

int32_t helios_test_load_plugin(const char *path, const helios_plugin_t **out, helios_err_t *err)
{
    check_t c = {path, NULL, err};
    void *so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (so == NULL) {
        const char *why = dlerror();
        return refuse(&c, "dlopen failed: %s", why != NULL ? why : "unknown error");
    }
    const helios_plugin_t *d = dlsym(so, "helios_plugin");
    if (d == NULL) {
        return refuse(&c, "missing symbol \"helios_plugin\", kernel requires it");
    }
    if (d->magic != HELIOS_PLUGIN_MAGIC) {
        return refuse(&c, "wrong magic 0x%016" PRIx64 ", kernel expects 0x%016" PRIx64, d->magic,
                      (uint64_t)HELIOS_PLUGIN_MAGIC);
    }
    if (d->size < END_OF(helios_plugin_t, fini)) {
        return refuse(&c, "descriptor size %u, kernel needs at least %zu (ABI 1.0)", d->size,
                      END_OF(helios_plugin_t, fini));
    }
    if (d->abi_major != HELIOS_ABI_MAJOR) {
        return refuse(&c, "ABI major version %u, kernel has %u", d->abi_major, HELIOS_ABI_MAJOR);
    }
    /* the ABI 1.x prefix of the descriptor is valid from here on: the name may be shown */
    c.name = valid_name(d->name) ? d->name : "?";
    if (d->abi_minor > HELIOS_ABI_MINOR) {
        return refuse(&c, "ABI version %u.%u is newer than the kernel's %u.%u", d->abi_major,
                      d->abi_minor, HELIOS_ABI_MAJOR, HELIOS_ABI_MINOR);
    }
    int32_t rc = check_sig(&c, &d->sig);
    if (rc != 0) {
        return rc;
    }
    if (d->kind < HELIOS_KIND_PROTOCOL || d->kind > HELIOS_KIND_MAX) {
        return refuse(&c,
                      "unknown kind %u, kernel knows 1..%u (protocol, storage, codec, "
                      "consensus, placement)",
                      d->kind, HELIOS_KIND_MAX);
    }
    if (!valid_name(d->name)) {
        return refuse(&c, "invalid name \"%.64s\", kernel accepts [a-z0-9_]{1,%d}",
                      d->name != NULL ? d->name : "(null)", NAME_MAX_LEN);
    }
    rc = check_vtable(&c, d);
    if (rc == 0) {
        rc = check_schema(&c, d);
    }
    if (rc == 0) {
        *out = d;
    }
    return rc;
}

int32_t helios_test_plugin_init(const helios_plugin_t *desc, const helios_host_t *host,
                                const void *config, void **lib_state, helios_err_t *err)
{
    void *lib = NULL;
    if (desc->init != NULL) {
        int32_t rc = desc->init(host, config, &lib, err);
        if (rc != 0) {
            return rc;
        }
    }
    *lib_state = lib;
    return 0;
}
