/*
 * kernel/core/config_int.h -- internals shared by config.c and config_check.c.
 */
#ifndef HELIOS_CORE_CONFIG_INT_H
#define HELIOS_CORE_CONFIG_INT_H

#include <cyaml/cyaml.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "helios/plugin.h"
#include "helios/status.h"

/* A scalar field whose text must parse as a helios config value (units, enums, bounds). */
typedef struct cfg_hook {
    const cyaml_schema_field_t *field;
    const helios_config_key_t *key;
} cfg_hook_t;

typedef struct cfg_vctx {
    const char *file;
    yaml_document_t *doc;
    const cfg_hook_t *hooks;
    size_t n_hooks;
    const cyaml_schema_field_t *plugins_field; /* its unknown keys are unknown plugins */
    helios_err_t *err;
} cfg_vctx_t;

/* Parse YAML bytes into a node tree. *empty is set when the document has no content. */
int32_t cfg_doc_parse(const char *file, const char *bytes, size_t len, yaml_document_t *doc,
                      int *empty, helios_err_t *err);
/* Walk `top` (a libcyaml schema) over the document; the first error fills c->err. */
int32_t cfg_validate(cfg_vctx_t *c, const cyaml_schema_value_t *top);
/* The 1-based line of the value at `path` ("listeners[0].port"), or of the nearest existing
   parent; 1 for the empty path. */
uint32_t cfg_line_of(yaml_document_t *doc, const char *path);
/* Fill err with "FILE:LINE: PATH: message" and return F0000. */
int32_t cfg_error(helios_err_t *err, const char *file, uint32_t line, const char *path,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif /* HELIOS_CORE_CONFIG_INT_H */
