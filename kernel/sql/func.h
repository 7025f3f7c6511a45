/* kernel/sql/func.h -- what the built-in function files share (func.c, func_catalog.c). */
#ifndef HELIOS_SQL_FUNC_H
#define HELIOS_SQL_FUNC_H

#include "sql/sqlint.h"

/* o := text s (n bytes), copied into the statement arena */
int32_t fn_set_text(exec_ctx_t *cx, val_t *o, const char *s, size_t n);
/* the text of v (any type, in its output form) and its length */
const char *fn_txt(exec_ctx_t *cx, val_t *v, uint32_t *n);
/* the catalog support functions (func_catalog.c) */
int32_t func_catalog(exec_ctx_t *cx, expr_t *e, val_t *a, val_t *o);

#endif
