/*
 * kernel/core/config_check.c -- the config validator: walks a libcyaml schema over libyaml's
 * node tree so each error names the file, the line and the key path.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cfgval.h"
#include "core/config_int.h"
#include "core/log.h"
#include "core/registry.h"
#include "helios/sqlstate.h"

#define PATH_MAX_LEN 512

int32_t cfg_error(helios_err_t *err, const char *file, uint32_t line, const char *path,
                  const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (line > 0 && path != NULL) {
        return helios_err_set(err, HELIOS_ERR_CONFIG_FILE_ERROR, "%s:%u: %s: %s", file, line,
                              path[0] != '\0' ? path : "(top level)", what);
    }
    if (line > 0) {
        return helios_err_set(err, HELIOS_ERR_CONFIG_FILE_ERROR, "%s:%u: %s", file, line, what);
    }
    return helios_err_set(err, HELIOS_ERR_CONFIG_FILE_ERROR, "%s: %s", file, what);
}

int32_t cfg_doc_parse(const char *file, const char *bytes, size_t len, yaml_document_t *doc,
                      int *empty, helios_err_t *err)
{
    yaml_parser_t p;
    int32_t rc = 0;
    if (!yaml_parser_initialize(&p)) {
        return helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)bytes, len);
    if (!yaml_parser_load(&p, doc)) {
        const char *ctx = p.context != NULL ? p.context : "";
        rc = cfg_error(err, file, (uint32_t)p.problem_mark.line + 1, NULL, "invalid YAML: %s%s%s",
                       p.problem != NULL ? p.problem : "parse error", ctx[0] != '\0' ? " " : "",
                       ctx);
        yaml_parser_delete(&p);
        return rc;
    }
    *empty = yaml_document_get_root_node(doc) == NULL;
    /* a second document in the file is a mistake we report rather than ignore */
    yaml_document_t extra;
    if (!*empty && yaml_parser_load(&p, &extra)) {
        if (yaml_document_get_root_node(&extra) != NULL) {
            rc = cfg_error(err, file,
                           (uint32_t)yaml_document_get_root_node(&extra)->start_mark.line + 1, NULL,
                           "invalid YAML: more than one document");
        }
        yaml_document_delete(&extra);
    }
    yaml_parser_delete(&p);
    if (rc != 0) {
        yaml_document_delete(doc);
    }
    return rc;
}

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    default:
        return "a scalar value";
    }
}

static uint32_t line_of(const yaml_node_t *n)
{
    return (uint32_t)n->start_mark.line + 1;
}

static const char *expected_of(const cyaml_schema_value_t *s)
{
    switch (s->type) {
    case CYAML_MAPPING:
        return "a mapping";
    case CYAML_SEQUENCE:
    case CYAML_SEQUENCE_FIXED:
        return "a list";
    case CYAML_INT:
    case CYAML_UINT:
        return "an integer";
    case CYAML_BOOL:
        return "a boolean";
    default:
        return "a scalar value";
    }
}

static const cfg_hook_t *hook_for(const cfg_vctx_t *c, const cyaml_schema_field_t *f)
{
    for (size_t i = 0; i < c->n_hooks; i++) {
        if (c->hooks[i].field == f) {
            return &c->hooks[i];
        }
    }
    return NULL;
}

/* "did you mean" among a mapping's keys (or loaded plugin names). */
static const char *nearest(const char *key, const cyaml_schema_field_t *fields)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (const cyaml_schema_field_t *f = fields; f != NULL && f->key != NULL; f++) {
        size_t d = helios_edit_distance(key, f->key);
        if (d < best_d) {
            best_d = d;
            best = f->key;
        }
    }
    size_t len = strlen(key);
    size_t limit = len <= 4 ? 1 : (len <= 8 ? 2 : 3);
    return best_d <= limit ? best : NULL;
}

static void key_list(char *buf, size_t cap, const cyaml_schema_field_t *fields)
{
    size_t n = 0;
    buf[0] = '\0';
    for (const cyaml_schema_field_t *f = fields; f != NULL && f->key != NULL; f++) {
        int w = snprintf(buf + n, cap - n, "%s%s", n > 0 ? ", " : "", f->key);
        if (w < 0 || (size_t)w >= cap - n) {
            break;
        }
        n += (size_t)w;
    }
}

static int32_t check_value(cfg_vctx_t *c, yaml_node_t *n, const cyaml_schema_value_t *s,
                           const cyaml_schema_field_t *f, const char *path);

static int32_t check_unknown_key(cfg_vctx_t *c, const char *key, uint32_t line, const char *path,
                                 const cyaml_schema_field_t *owner,
                                 const cyaml_schema_field_t *fields)
{
    if (owner != NULL && owner == c->plugins_field) {
        const helios_refusal_t *r = helios_registry_refusal_of(key);
        if (r != NULL) {
            return cfg_error(c->err, c->file, line, path, "plugin \"%s\" is not loaded (%s)", key,
                             r->line);
        }
        const char *near = nearest(key, fields);
        if (near != NULL) {
            return cfg_error(c->err, c->file, line, path,
                             "unknown plugin \"%s\", did you mean \"%s\"?", key, near);
        }
        char list[256];
        key_list(list, sizeof(list), fields);
        return cfg_error(c->err, c->file, line, path, "unknown plugin \"%s\" (loaded: %s)", key,
                         list[0] != '\0' ? list : "none");
    }
    const char *near = nearest(key, fields);
    if (near != NULL) {
        return cfg_error(c->err, c->file, line, path, "unknown key \"%s\", did you mean \"%s\"?",
                         key, near);
    }
    char list[256];
    key_list(list, sizeof(list), fields);
    if (list[0] == '\0') {
        return cfg_error(c->err, c->file, line, path,
                         "unknown key \"%s\", this plugin has no "
                         "config keys",
                         key);
    }
    return cfg_error(c->err, c->file, line, path, "unknown key \"%s\" (valid keys: %s)", key, list);
}

static int32_t check_mapping(cfg_vctx_t *c, yaml_node_t *n, const cyaml_schema_value_t *s,
                             const cyaml_schema_field_t *owner, const char *path)
{
    const cyaml_schema_field_t *fields = s->mapping.fields;
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
        if (k == NULL || v == NULL) {
            continue;
        }
        if (k->type != YAML_SCALAR_NODE) {
            return cfg_error(c->err, c->file, line_of(k), path[0] != '\0' ? path : "(top level)",
                             "a key must be a plain name, got %s", node_kind(k));
        }
        const char *key = (const char *)k->data.scalar.value;
        char sub[PATH_MAX_LEN];
        snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] != '\0' ? "." : "", key);
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < pr; q++) {
            yaml_node_t *qk = yaml_document_get_node(c->doc, q->key);
            if (qk != NULL && qk->type == YAML_SCALAR_NODE &&
                strcmp((const char *)qk->data.scalar.value, key) == 0) {
                return cfg_error(c->err, c->file, line_of(k), sub,
                                 "duplicate key \"%s\" (first on line %u)", key, line_of(qk));
            }
        }
        const cyaml_schema_field_t *f = fields;
        while (f != NULL && f->key != NULL && strcmp(f->key, key) != 0) {
            f++;
        }
        if (f == NULL || f->key == NULL) {
            return check_unknown_key(c, key, line_of(k), sub, owner, fields);
        }
        int32_t rc = check_value(c, v, &f->value, f, sub);
        if (rc != 0) {
            return rc;
        }
    }
    for (const cyaml_schema_field_t *f = fields; f != NULL && f->key != NULL; f++) {
        if (f->value.flags & CYAML_FLAG_OPTIONAL) {
            continue;
        }
        int found = 0;
        for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
             pr < n->data.mapping.pairs.top && !found; pr++) {
            yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
            found = k != NULL && k->type == YAML_SCALAR_NODE &&
                    strcmp((const char *)k->data.scalar.value, f->key) == 0;
        }
        if (!found) {
            return cfg_error(c->err, c->file, line_of(n), path[0] != '\0' ? path : "(top level)",
                             "missing required key \"%s\"", f->key);
        }
    }
    return 0;
}

static int32_t check_scalar(cfg_vctx_t *c, yaml_node_t *n, const cyaml_schema_value_t *s,
                            const cyaml_schema_field_t *f, const char *path)
{
    const char *text = (const char *)n->data.scalar.value;
    char why[300];
    if (s->type == CYAML_INT || s->type == CYAML_UINT) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(text, &end, 0);
        if (text[0] == '\0' || end == text || *end != '\0' || errno != 0 ||
            (s->type == CYAML_UINT && v < 0)) {
            return cfg_error(c->err, c->file, line_of(n), path, "expected an integer, got \"%s\"",
                             text);
        }
    } else if (s->type == CYAML_BOOL) {
        uint32_t b = 0;
        if (helios_cfg_parse_bool(text, &b, why, sizeof(why)) != 0) {
            return cfg_error(c->err, c->file, line_of(n), path, "%s", why);
        }
    } else if (s->type == CYAML_STRING && text[0] == '\0' &&
               (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) && s->string.min > 0) {
        return cfg_error(c->err, c->file, line_of(n), path, "expected a value, got nothing");
    }
    const cfg_hook_t *h = f != NULL ? hook_for(c, f) : NULL;
    if (h != NULL) {
        union {
            int64_t i;
            uint32_t u;
            char *s;
        } scratch[1];
        memset(scratch, 0, sizeof(scratch));
        helios_config_key_t k = *h->key;
        k.offset = 0;
        int rc = helios_cfg_store(&k, text, scratch, why, sizeof(why));
        if (k.type == HELIOS_CFG_STRING && rc == 0) {
            free(scratch[0].s);
        }
        if (rc != 0) {
            return cfg_error(c->err, c->file, line_of(n), path, "%s", why);
        }
    }
    return 0;
}

static int32_t check_value(cfg_vctx_t *c, yaml_node_t *n, const cyaml_schema_value_t *s,
                           const cyaml_schema_field_t *f, const char *path)
{
    if (s->type == CYAML_IGNORE) {
        return 0;
    }
    int want_map = s->type == CYAML_MAPPING;
    int want_seq = s->type == CYAML_SEQUENCE || s->type == CYAML_SEQUENCE_FIXED;
    yaml_node_type_t want =
        want_map ? YAML_MAPPING_NODE : (want_seq ? YAML_SEQUENCE_NODE : YAML_SCALAR_NODE);
    if (n->type != want) {
        const char *got = node_kind(n);
        if (n->type == YAML_SCALAR_NODE && n->data.scalar.value[0] == '\0') {
            got = "nothing";
        }
        return cfg_error(c->err, c->file, line_of(n), path, "expected %s, got %s", expected_of(s),
                         got);
    }
    if (want_map) {
        return check_mapping(c, n, s, f, path);
    }
    if (want_seq) {
        uint32_t count = (uint32_t)(n->data.sequence.items.top - n->data.sequence.items.start);
        if (count < s->sequence.min) {
            return cfg_error(c->err, c->file, line_of(n), path,
                             "expected at least %u entries, got %u", s->sequence.min, count);
        }
        if (s->sequence.max != CYAML_UNLIMITED && count > s->sequence.max) {
            return cfg_error(c->err, c->file, line_of(n), path,
                             "expected at most %u entries, got %u", s->sequence.max, count);
        }
        for (uint32_t i = 0; i < count; i++) {
            yaml_node_t *e = yaml_document_get_node(c->doc, n->data.sequence.items.start[i]);
            char sub[PATH_MAX_LEN];
            snprintf(sub, sizeof(sub), "%s[%u]", path, i);
            int32_t rc = check_value(c, e, s->sequence.entry, f, sub);
            if (rc != 0) {
                return rc;
            }
        }
        return 0;
    }
    return check_scalar(c, n, s, f, path);
}

int32_t cfg_validate(cfg_vctx_t *c, const cyaml_schema_value_t *top)
{
    yaml_node_t *root = yaml_document_get_root_node(c->doc);
    if (root == NULL) {
        return 0;
    }
    return check_value(c, root, top, NULL, "");
}

uint32_t cfg_line_of(yaml_document_t *doc, const char *path)
{
    yaml_node_t *n = yaml_document_get_root_node(doc);
    uint32_t line = n != NULL ? line_of(n) : 1;
    const char *p = path;
    while (n != NULL && *p != '\0') {
        if (*p == '.') {
            p++;
        }
        if (*p == '[') {
            unsigned idx = (unsigned)strtoul(p + 1, (char **)&p, 10);
            if (*p == ']') {
                p++;
            }
            if (n->type != YAML_SEQUENCE_NODE ||
                idx >= (unsigned)(n->data.sequence.items.top - n->data.sequence.items.start)) {
                break;
            }
            n = yaml_document_get_node(doc, n->data.sequence.items.start[idx]);
            line = n != NULL ? line_of(n) : line;
            continue;
        }
        size_t len = strcspn(p, ".[");
        if (n->type != YAML_MAPPING_NODE) {
            break;
        }
        yaml_node_t *next = NULL;
        for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
             pr++) {
            yaml_node_t *k = yaml_document_get_node(doc, pr->key);
            if (k != NULL && k->type == YAML_SCALAR_NODE &&
                strlen((const char *)k->data.scalar.value) == len &&
                strncmp((const char *)k->data.scalar.value, p, len) == 0) {
                next = yaml_document_get_node(doc, pr->value);
                line = line_of(k);
                break;
            }
        }
        n = next;
        p += len;
    }
    return line;
}
