/*
 * loader.c -- load a plugin .so and check its descriptor in the kernel loader's order:
 * dlopen -> symbol -> magic, size, ABI major, ABI minor -> build signature -> kind, name ->
 * vtable size and required members -> config schema. Each refusal is ZP002 with one line naming
 * the file, the plugin, what was wrong, its value and ours. The object is never dlclose'd.
 * Duplicate names are not checked: a test may load the same plugin several times.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "helios/codec.h"
#include "helios/consensus.h"
#include "helios/placement.h"
#include "helios/protocol.h"
#include "helios/storage.h"
#include "helios/testing.h"
#include "internal.h"

#define END_OF(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))

#define REFUSE(...) helios_testing_err_setf(err, HELIOS_ERR_PLUGIN_REFUSED, __VA_ARGS__)

static int valid_name(const char *name)
{
    if (name == NULL || name[0] == '\0' || strlen(name) > 63) {
        return 0;
    }
    for (const char *p = name; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) {
            return 0;
        }
    }
    return 1;
}

/* A required member, by name, for the refusal message. */
typedef struct member_check {
    const char *name;
    const void *fn;
} member_check_t;

static int32_t check_members(const char *path, const helios_plugin_t *d, const member_check_t *m,
                             size_t n, helios_err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        if (m[i].fn == NULL) {
            return REFUSE("\"%s\": plugin \"%s\": required vtable member \"%s\" is NULL", path,
                          d->name, m[i].name);
        }
    }
    return 0;
}

static int32_t check_pair(const char *path, const helios_plugin_t *d, const member_check_t p[2],
                          helios_err_t *err)
{
    if ((p[0].fn == NULL) != (p[1].fn == NULL)) {
        return REFUSE("\"%s\": plugin \"%s\": vtable members \"%s\" and \"%s\" must be both set "
                      "or both NULL, \"%s\" is NULL",
                      path, d->name, p[0].name, p[1].name, p[0].fn == NULL ? p[0].name : p[1].name);
    }
    return 0;
}

#define FN(vt, member)                                                                             \
    {                                                                                              \
#member, (const void *)(uintptr_t)(vt)->member                                             \
    }

static int32_t check_vtable(const char *path, const helios_plugin_t *d, helios_err_t *err)
{
    uint32_t have = *(const uint32_t *)d->vtable;
    size_t need = 0;
    switch (d->kind) {
    case HELIOS_KIND_PROTOCOL:
        need = END_OF(helios_protocol_vtable_t, control);
        break;
    case HELIOS_KIND_STORAGE:
        need = END_OF(helios_storage_vtable_t, control);
        break;
    case HELIOS_KIND_CODEC:
        need = END_OF(helios_codec_vtable_t, control);
        break;
    case HELIOS_KIND_CONSENSUS:
        need = END_OF(helios_consensus_vtable_t, control);
        break;
    default:
        need = END_OF(helios_placement_vtable_t, control);
        break;
    }
    if (have < need) {
        return REFUSE("\"%s\": plugin \"%s\": vtable size %u is smaller than ABI 1.0's %zu", path,
                      d->name, have, need);
    }
    /* Required members and optional pairs (both set or both NULL), as the kernel's loader
       (kernel/core/loader.c) checks them. */
    switch (d->kind) {
    case HELIOS_KIND_PROTOCOL: {
        const helios_protocol_vtable_t *vt = d->vtable;
        member_check_t m[] = {FN(vt, create), FN(vt, destroy), FN(vt, serve)};
        member_check_t pair[] = {FN(vt, start), FN(vt, stop)};
        int32_t rc = check_members(path, d, m, sizeof(m) / sizeof(m[0]), err);
        return rc != 0 ? rc : check_pair(path, d, pair, err);
    }
    case HELIOS_KIND_STORAGE: {
        const helios_storage_vtable_t *vt = d->vtable;
        member_check_t m[] = {FN(vt, create), FN(vt, destroy), FN(vt, put),    FN(vt, get),
                              FN(vt, ropen),  FN(vt, read),    FN(vt, rclose), FN(vt, wopen),
                              FN(vt, append), FN(vt, wsync),   FN(vt, wclose), FN(vt, remove),
                              FN(vt, list),   FN(vt, stat)};
        member_check_t pair[] = {FN(vt, start), FN(vt, stop)};
        int32_t rc = check_members(path, d, m, sizeof(m) / sizeof(m[0]), err);
        return rc != 0 ? rc : check_pair(path, d, pair, err);
    }
    case HELIOS_KIND_CODEC: {
        const helios_codec_vtable_t *vt = d->vtable;
        member_check_t m[] = {FN(vt, create), FN(vt, destroy)};
        member_check_t pair[] = {FN(vt, encode), FN(vt, decode)};
        member_check_t mb[] = {FN(vt, bound), FN(vt, compress), FN(vt, decompress)};
        member_check_t mc[] = {FN(vt, estimate), FN(vt, encode), FN(vt, decode)};
        int32_t rc = check_members(path, d, m, 2, err);
        if (rc == 0) {
            rc = check_pair(path, d, pair, err);
        }
        if (rc == 0 && (vt->caps & (HELIOS_CODEC_CAP_BYTES | HELIOS_CODEC_CAP_COLUMN)) == 0) {
            rc = REFUSE("\"%s\": plugin \"%s\": codec caps 0x%x name neither BYTES nor COLUMN",
                        path, d->name, vt->caps);
        }
        if (rc == 0 && (vt->caps & HELIOS_CODEC_CAP_BYTES)) {
            rc = check_members(path, d, mb, 3, err);
        }
        if (rc == 0 && (vt->caps & HELIOS_CODEC_CAP_COLUMN)) {
            rc = check_members(path, d, mc, 3, err);
        }
        if (rc == 0 && vt->codec_id == HELIOS_CODEC_ID_RAW) {
            rc = REFUSE("\"%s\": plugin \"%s\": codec id 0 is reserved for raw blocks", path,
                        d->name);
        }
        return rc;
    }
    case HELIOS_KIND_CONSENSUS: {
        const helios_consensus_vtable_t *vt = d->vtable;
        member_check_t m[] = {FN(vt, create),  FN(vt, start),   FN(vt, stop),
                              FN(vt, destroy), FN(vt, propose), FN(vt, leader)};
        member_check_t pair[] = {FN(vt, add_member), FN(vt, remove_member)};
        int32_t rc = check_members(path, d, m, sizeof(m) / sizeof(m[0]), err);
        return rc != 0 ? rc : check_pair(path, d, pair, err);
    }
    default: {
        const helios_placement_vtable_t *vt = d->vtable;
        member_check_t m[] = {FN(vt, create), FN(vt, destroy)};
        return check_members(path, d, m, sizeof(m) / sizeof(m[0]), err);
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

static int32_t check_schema(const char *path, const helios_plugin_t *d, helios_err_t *err)
{
    if (d->n_config_keys == 0) {
        return 0;
    }
    if (d->config_keys == NULL || d->config_size == 0) {
        return REFUSE("\"%s\": plugin \"%s\": %u config keys but no schema or config struct", path,
                      d->name, d->n_config_keys);
    }
    for (uint32_t i = 0; i < d->n_config_keys; i++) {
        const helios_config_key_t *k = &d->config_keys[i];
        const char *key = valid_name(k->key) ? k->key : "?";
        if (k->size != sizeof(helios_config_key_t)) {
            return REFUSE("\"%s\": plugin \"%s\": config key %u has size %u, the kernel's is "
                          "%zu",
                          path, d->name, i, k->size, sizeof(helios_config_key_t));
        }
        if (!valid_name(k->key)) {
            return REFUSE("\"%s\": plugin \"%s\": config key %u has an invalid name", path, d->name,
                          i);
        }
        if (k->type < HELIOS_CFG_BOOL || k->type > HELIOS_CFG_DURATION) {
            return REFUSE("\"%s\": plugin \"%s\": config key \"%s\" has unknown type %u", path,
                          d->name, key, k->type);
        }
        uint32_t w = field_width(k->type);
        if ((uint64_t)k->offset + w > d->config_size || k->offset % w != 0) {
            return REFUSE("\"%s\": plugin \"%s\": config key \"%s\" at offset %u does not fit "
                          "the %llu-byte config struct",
                          path, d->name, key, k->offset, (unsigned long long)d->config_size);
        }
        if (k->type == HELIOS_CFG_ENUM && (k->enum_names == NULL || k->enum_names[0] == NULL)) {
            return REFUSE("\"%s\": plugin \"%s\": enum config key \"%s\" has no names", path,
                          d->name, key);
        }
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(d->config_keys[j].key, k->key) == 0) {
                return REFUSE("\"%s\": plugin \"%s\": config key \"%s\" is declared twice", path,
                              d->name, key);
            }
        }
        if (k->default_text != NULL && k->type != HELIOS_CFG_STRING) {
            int64_t v = 0;
            helios_err_t perr = HELIOS_ERR_INIT;
            if (helios_test_parse_value(k->type, k->default_text, k->enum_names, &v, &perr) != 0) {
                return REFUSE("\"%s\": plugin \"%s\": default of config key \"%s\": %s", path,
                              d->name, key, perr.message);
            }
            if (k->min <= k->max && (v < k->min || v > k->max)) {
                return REFUSE("\"%s\": plugin \"%s\": default %lld of config key \"%s\" is "
                              "outside its range %lld .. %lld",
                              path, d->name, (long long)v, key, (long long)k->min,
                              (long long)k->max);
            }
        }
    }
    return 0;
}

int32_t helios_test_load_plugin(const char *path, const helios_plugin_t **out, helios_err_t *err)
{
    static const helios_build_sig_t ours = HELIOS_BUILD_SIG_INIT;
    void *so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (so == NULL) {
        const char *why = dlerror();
        return REFUSE("\"%s\": cannot load: %s", path, why != NULL ? why : "unknown error");
    }
    const helios_plugin_t *d = dlsym(so, "helios_plugin");
    if (d == NULL) {
        return REFUSE("\"%s\": no \"helios_plugin\" symbol", path);
    }
    if (d->magic != HELIOS_PLUGIN_MAGIC) {
        return REFUSE("\"%s\": wrong magic 0x%016llx, the kernel's is 0x%016llx", path,
                      (unsigned long long)d->magic, (unsigned long long)HELIOS_PLUGIN_MAGIC);
    }
    const char *name = valid_name(d->name) ? d->name : "?";
    if (d->size < END_OF(helios_plugin_t, fini)) {
        return REFUSE("\"%s\": plugin \"%s\": descriptor size %u is smaller than ABI 1.0's %zu",
                      path, name, d->size, END_OF(helios_plugin_t, fini));
    }
    if (d->abi_major != HELIOS_ABI_MAJOR) {
        return REFUSE("\"%s\": plugin \"%s\": ABI major %u, the kernel's is %u", path, name,
                      d->abi_major, HELIOS_ABI_MAJOR);
    }
    if (d->abi_minor > HELIOS_ABI_MINOR) {
        return REFUSE("\"%s\": plugin \"%s\": ABI minor %u is newer than the kernel's %u", path,
                      name, d->abi_minor, HELIOS_ABI_MINOR);
    }
    if (d->sig.ptr_size != ours.ptr_size) {
        return REFUSE("\"%s\": plugin \"%s\": build signature: pointer size %u, the kernel's "
                      "is %u",
                      path, name, d->sig.ptr_size, ours.ptr_size);
    }
    if (d->sig.byte_order != ours.byte_order) {
        return REFUSE("\"%s\": plugin \"%s\": build signature: byte order %u, the kernel's is "
                      "%u",
                      path, name, d->sig.byte_order, ours.byte_order);
    }
    if (d->sig.off_t_size != ours.off_t_size) {
        return REFUSE("\"%s\": plugin \"%s\": build signature: off_t size %u, the kernel's is "
                      "%u",
                      path, name, d->sig.off_t_size, ours.off_t_size);
    }
    if (memchr(d->sig.vendor, '\0', sizeof(d->sig.vendor)) == NULL ||
        strcmp(d->sig.vendor, ours.vendor) != 0) {
        return REFUSE("\"%s\": plugin \"%s\": build signature: vendor \"%.16s\", the kernel's "
                      "is \"%s\"",
                      path, name, d->sig.vendor, ours.vendor);
    }
    if (d->kind < HELIOS_KIND_PROTOCOL || d->kind > HELIOS_KIND_MAX) {
        return REFUSE("\"%s\": plugin \"%s\": unknown kind %u, the kernel knows 1 .. %u", path,
                      name, d->kind, HELIOS_KIND_MAX);
    }
    if (!valid_name(d->name)) {
        return REFUSE("\"%s\": plugin name is empty or not [a-z0-9_]+", path);
    }
    if (d->vtable == NULL) {
        return REFUSE("\"%s\": plugin \"%s\": no vtable", path, name);
    }
    int32_t rc = check_vtable(path, d, err);
    if (rc == 0) {
        rc = check_schema(path, d, err);
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
