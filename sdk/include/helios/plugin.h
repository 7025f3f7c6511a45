/*
 * helios/plugin.h -- the descriptor every HeliosDB plugin exports.
 *
 * A plugin is one shared object exporting exactly one symbol, `helios_plugin`, of type
 * helios_plugin_t, defined with the HELIOS_PLUGIN(...) macro. The kernel's loader dlopens the
 * object (RTLD_NOW | RTLD_LOCAL), finds the symbol, and checks, stopping at the first failure:
 * magic -> size -> ABI major (must equal the kernel's) -> ABI minor (must not be newer than the
 * kernel's) -> build signature -> kind -> name (non-empty, unique) -> vtable size and required
 * members -> config schema -> init(). Each refusal is one line naming the file, the plugin, what
 * was wrong, its value and the kernel's.
 *
 * ABI rules (see CONVENTIONS.md): every ABI struct starts with `size` (sizeof at the plugin's
 * build); structs only grow at the end; members are never reordered, removed or retyped; a
 * comment marks each ABI minor boundary. Only fixed-width integers and pointers cross the
 * boundary (no bool, long, enums or bitfields).
 *
 * Two lifecycles:
 *   library:  init(host, &lib) once after loading; fini(lib) once at exit. Never dlclose'd.
 *   instance: kind vtable create -> start -> stop -> destroy (see each kind's header).
 */
#ifndef HELIOS_PLUGIN_H
#define HELIOS_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "helios/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "HELIOSPL" in ASCII, little end first. */
#define HELIOS_PLUGIN_MAGIC 0x4C50534F494C4548ULL

/* ABI version of this SDK. Major: incompatible change. Minor: members appended. */
#define HELIOS_ABI_MAJOR 1
#define HELIOS_ABI_MINOR 2

/* Plugin kinds (stored as uint32_t). */
#define HELIOS_KIND_PROTOCOL 1u
#define HELIOS_KIND_STORAGE 2u
#define HELIOS_KIND_CODEC 3u
#define HELIOS_KIND_CONSENSUS 4u
#define HELIOS_KIND_PLACEMENT 5u
#define HELIOS_KIND_MAX 5u

/* Build signature: facets of the compiler/ABI that must match the kernel's. */
typedef struct helios_build_sig {
    uint32_t ptr_size;   /* sizeof(void *) */
    uint32_t byte_order; /* 1234 little endian, 4321 big endian */
    uint32_t off_t_size; /* sizeof(off_t) */
    uint32_t reserved;   /* zero */
    char vendor[16];     /* NUL-terminated; "heliosdb" for the reference SDK */
} helios_build_sig_t;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HELIOS_BYTE_ORDER 4321u
#else
#define HELIOS_BYTE_ORDER 1234u
#endif

#define HELIOS_BUILD_SIG_INIT                                                                      \
    {                                                                                              \
        (uint32_t)sizeof(void *), HELIOS_BYTE_ORDER, (uint32_t)sizeof(off_t), 0u, "heliosdb"       \
    }

/* ---- static config schema ------------------------------------------------------------------
 * A plugin describes its config keys as static data. The kernel parses the plugin's subtree
 * of the YAML config (`plugins: {<name>: {...}}`) against this schema, writes the values into a
 * zero-filled struct of `config_size` bytes at each key's `offset`, and hands that struct to
 * init() (library config) and to the kind's create(). Unknown keys, wrong types and values out
 * of [min, max] are config errors naming file, line and key path. `default_text` is parsed like
 * user input; NULL means "unset" (the field stays zero and the bit in `set_mask` stays clear).
 */
#define HELIOS_CFG_BOOL 1u     /* uint32_t 0/1 */
#define HELIOS_CFG_INT 2u      /* int64_t, accepts units k/M/G(i)B and ms/s/min/h */
#define HELIOS_CFG_STRING 3u   /* char * owned by the kernel, valid until fini */
#define HELIOS_CFG_ENUM 4u     /* uint32_t index into enum_names */
#define HELIOS_CFG_SIZE 5u     /* int64_t bytes: "64MiB", "4k", 4096 */
#define HELIOS_CFG_DURATION 6u /* int64_t milliseconds: "250ms", "5s", "2min" */

#define HELIOS_CFG_REQUIRED 0x1u /* must be present in config */
#define HELIOS_CFG_RESTART 0x2u  /* changing it needs a restart */
#define HELIOS_CFG_SECRET 0x4u   /* never printed */

typedef struct helios_config_key {
    uint32_t size;                 /* sizeof(helios_config_key_t) */
    uint32_t type;                 /* HELIOS_CFG_* */
    const char *key;               /* key name within the plugin's subtree */
    uint32_t flags;                /* HELIOS_CFG_REQUIRED | ... */
    uint32_t offset;               /* offset of the field in the plugin's config struct */
    int64_t min;                   /* inclusive bounds for INT/SIZE/DURATION; min > max: none */
    int64_t max;                   /* */
    const char *default_text;      /* default, parsed like user input; NULL: unset */
    const char *const *enum_names; /* NULL-terminated, for HELIOS_CFG_ENUM */
    const char *help;              /* one line, for --print-default-config and docs */
} helios_config_key_t;

#define HELIOS_CONFIG_KEY(type_, key_, struct_, field_, ...)                                       \
    {                                                                                              \
        .size = sizeof(helios_config_key_t), .type = (type_), .key = (key_),                       \
        .offset = (uint32_t)offsetof(struct_, field_), .min = 1, .max = 0, __VA_ARGS__             \
    }

/* A key with bounds [min_, max_]. Use it instead of HELIOS_CONFIG_KEY(..., .min = , .max = ):
   overriding the macro's own .min/.max trips -Woverride-init (-Wextra) under -Werror. */
#define HELIOS_CONFIG_KEY_RANGE(type_, key_, struct_, field_, min_, max_, ...)                     \
    {                                                                                              \
        .size = sizeof(helios_config_key_t), .type = (type_), .key = (key_),                       \
        .offset = (uint32_t)offsetof(struct_, field_), .min = (min_), .max = (max_), __VA_ARGS__   \
    }

struct helios_host;
struct helios_err;

/* The descriptor. Define it with HELIOS_PLUGIN(...); never by hand. */
typedef struct helios_plugin {
    uint64_t magic;     /* HELIOS_PLUGIN_MAGIC */
    uint32_t size;      /* sizeof(helios_plugin_t) at the plugin's build */
    uint16_t abi_major; /* HELIOS_ABI_MAJOR at the plugin's build */
    uint16_t abi_minor; /* HELIOS_ABI_MINOR at the plugin's build */
    helios_build_sig_t sig;
    uint32_t kind; /* HELIOS_KIND_* */
    uint32_t n_config_keys;
    const char *name;        /* unique, [a-z0-9_]+, e.g. "zstd"; also the config subtree key */
    const char *version;     /* the plugin's own version, free text, e.g. "1.0.0" */
    const char *description; /* one line */
    const void *vtable;      /* the kind's vtable: helios_codec_vtable_t * etc.; static const */
    const helios_config_key_t *config_keys; /* static array of n_config_keys, may be NULL */
    uint64_t config_size;                   /* size of the plugin's config struct; 0 if no keys */

    /*
     * init: called once, on the loading thread, after every check passed and the plugin's
     * config subtree was parsed into `config` (a kernel-owned struct valid until fini).
     * `host` is this plugin's own host table, valid until fini. On success sets *lib_state
     * (may be NULL) and returns 0. On failure returns a SQLSTATE via host->err_set(err, ...)
     * and the plugin is refused. May be NULL.
     */
    int32_t (*init)(const struct helios_host *host, const void *config, void **lib_state,
                    struct helios_err *err);
    /* fini: called once at exit on the main thread after every instance was destroyed. May be
     * NULL. */
    void (*fini)(void *lib_state);
    /* ---- ABI 1.0 ends here ---- */
} helios_plugin_t;

#if defined(__GNUC__)
#define HELIOS_EXPORT __attribute__((visibility("default")))
#else
#define HELIOS_EXPORT
#endif

/*
 * HELIOS_PLUGIN(.kind = HELIOS_KIND_CODEC, .name = "zstd", .version = "1.0.0",
 *               .vtable = &zstd_vtable, .init = zstd_init, ...)
 * fills magic, size, ABI version and build signature.
 */
#define HELIOS_PLUGIN(...)                                                                         \
    HELIOS_EXPORT const helios_plugin_t helios_plugin = {.magic = HELIOS_PLUGIN_MAGIC,             \
                                                         .size = sizeof(helios_plugin_t),          \
                                                         .abi_major = HELIOS_ABI_MAJOR,            \
                                                         .abi_minor = HELIOS_ABI_MINOR,            \
                                                         .sig = HELIOS_BUILD_SIG_INIT,             \
                                                         __VA_ARGS__}

/* True when the vtable `vt` of type `type` (first member `size`) covers `member`. */
#define HELIOS_VT_HAS(type, vt, member)                                                            \
    ((vt) != NULL && (vt)->size >= offsetof(type, member) + sizeof(((type *)0)->member) &&         \
     (vt)->member != NULL)

#ifdef __cplusplus
}
#endif
#endif /* HELIOS_PLUGIN_H */
