/* kernel/sql/explain.c -- EXPLAIN: the statement is bound (planned) but not run, and its plan
 * tree is sent as rows of one text column "QUERY PLAN", laid out as PostgreSQL lays it out
 * ("->  " children, two-space detail lines): scan kinds and the index used (Seq Scan, Index
 * Scan using <index> / <table>_pkey with its Index Cond), join kinds (Hash Join with its Hash
 * Cond and the Hash over the build side, Nested Loop over an index lookup, Left/Full), filters
 * where they are applied, and the planner's row estimates. EXPLAIN ANALYZE is refused. */
#include <stdlib.h>

#include "sql/sqlint.h"

typedef struct slotname {
    uint32_t depth, slot;
    const char *name;
} slotname_t;

typedef struct xctx {
    arena_t *a;
    slotname_t *names;
    uint32_t n_names, cap_names;
    char **lines;
    uint32_t n_lines, cap_lines;
    uint32_t subplans;
} xctx_t;

static void add_name(xctx_t *x, uint32_t depth, uint32_t slot, const char *name)
{
    if (x->n_names == x->cap_names) {
        uint32_t nc = x->cap_names ? x->cap_names * 2 : 64;
        slotname_t *n = ar_alloc(x->a, sizeof(slotname_t) * nc);
        if (x->n_names) memcpy(n, x->names, sizeof(slotname_t) * x->n_names);
        x->names = n;
        x->cap_names = nc;
    }
    x->names[x->n_names++] = (slotname_t){depth, slot, name};
}

static const char *slot_name(xctx_t *x, uint32_t depth, uint32_t slot)
{
    for (uint32_t i = x->n_names; i-- > 0;) {
        if (x->names[i].depth == depth && x->names[i].slot == slot) return x->names[i].name;
    }
    return NULL;
}

static void collect_names(xctx_t *x, plan_t *p);

static void collect_expr_names(xctx_t *x, const expr_t *e)
{
    if (e == NULL) return;
    if (e->kind == E_SUBQ && e->sub != NULL) collect_names(x, e->sub);
    for (uint32_t i = 0; i < e->n_args; i++) collect_expr_names(x, e->args[i]);
}

/* the names of the columns each scan / subquery / function puts in the wide row */
static void collect_names(xctx_t *x, plan_t *p)
{
    if (p == NULL) return;
    collect_expr_names(x, p->filter);
    for (uint32_t i = 0; p->exprs != NULL && i < p->n_exprs; i++) collect_expr_names(x, p->exprs[i]);
    if (p->kind == P_SCAN && p->tab != NULL) {
        const char *al = p->alias != NULL ? p->alias : p->tab->name;
        for (uint32_t c = 0; c < p->tab->n_cols; c++) {
            if (p->tab->cols[c].dropped) continue;
            add_name(x, p->depth, p->base + c, ar_printf(x->a, "%s.%s", al, p->tab->cols[c].name));
        }
    } else if (p->kind == P_SUBQ) {
        const char *al = p->alias != NULL ? p->alias : "subquery";
        uint32_t w = p->l != NULL ? p->l->width : 0;
        for (uint32_t c = 0; c < w; c++) {
            const char *cn = p->colnames != NULL && p->colnames[c] != NULL ? p->colnames[c] : NULL;
            add_name(x, p->depth, p->base + c,
                     cn != NULL ? ar_printf(x->a, "%s.%s", al, cn)
                                : ar_printf(x->a, "%s.column%u", al, c + 1));
        }
    } else if (p->kind == P_SRF) {
        add_name(x, p->depth, p->base, p->alias != NULL ? p->alias : "generate_series");
    }
    collect_names(x, p->l);
    collect_names(x, p->r);
}

static void put_line(xctx_t *x, char *s)
{
    if (x->n_lines == x->cap_lines) {
        uint32_t nc = x->cap_lines ? x->cap_lines * 2 : 32;
        char **n = ar_alloc(x->a, sizeof(char *) * nc);
        if (x->n_lines) memcpy(n, x->lines, sizeof(char *) * x->n_lines);
        x->lines = n;
        x->cap_lines = nc;
    }
    x->lines[x->n_lines++] = s;
}

static const char *op_name(uint32_t op)
{
    switch (op) {
    case OP_ADD: return "+";
    case OP_SUB: return "-";
    case OP_MUL: return "*";
    case OP_DIV: return "/";
    case OP_MOD: return "%";
    case OP_NEG: return "-";
    case OP_POW: return "^";
    case OP_EQ: return "=";
    case OP_NE: return "<>";
    case OP_LT: return "<";
    case OP_LE: return "<=";
    case OP_GT: return ">";
    case OP_GE: return ">=";
    case OP_CONCAT: return "||";
    case OP_LIKE: return "~~";
    case OP_NLIKE: return "!~~";
    case OP_ILIKE: return "~~*";
    case OP_NILIKE: return "!~~*";
    case OP_REGEX: return "~";
    case OP_NREGEX: return "!~";
    case OP_REGEXI: return "~*";
    case OP_NREGEXI: return "!~*";
    case OP_ANY_EQ: return "= ANY";
    default: return "?";
    }
}

static void put_expr(xctx_t *x, sbuf_t *b, const expr_t *e, uint32_t depth);

static void put_list(xctx_t *x, sbuf_t *b, expr_t **a, uint32_t n, const char *sep, uint32_t d)
{
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0) sb_puts(b, sep);
        put_expr(x, b, a[i], d);
    }
}

static void put_expr(xctx_t *x, sbuf_t *b, const expr_t *e, uint32_t depth)
{
    if (e == NULL) {
        sb_puts(b, "NULL");
        return;
    }
    switch (e->kind) {
    case E_CONST: {
        if (e->c.null) {
            sb_puts(b, "NULL");
            break;
        }
        int q = !(val_is_num(e->c.t) || e->c.t == HELIOS_OID_BOOL);
        if (q) sb_putc(b, '\'');
        val_to_text(&e->c, b);
        if (q) sb_putc(b, '\'');
        break;
    }
    case E_COL: {
        const char *n = slot_name(x, e->depth, e->idx);
        if (n != NULL && e->depth == depth) sb_puts(b, n);
        else if (n != NULL) sb_printf(b, "%s", n);
        else sb_printf(b, "$col%u", e->idx);
        break;
    }
    case E_PARAM:
        sb_printf(b, "$%u", e->idx + 1);
        break;
    case E_OP:
        if (e->n_args == 1) {
            sb_printf(b, "(%s ", op_name(e->op));
            put_expr(x, b, e->args[0], depth);
            sb_putc(b, ')');
        } else if (e->n_args == 2) {
            sb_putc(b, '(');
            put_expr(x, b, e->args[0], depth);
            sb_printf(b, " %s ", op_name(e->op));
            put_expr(x, b, e->args[1], depth);
            sb_putc(b, ')');
        } else {
            sb_puts(b, "?");
        }
        break;
    case E_AND:
    case E_OR:
        sb_putc(b, '(');
        put_list(x, b, e->args, e->n_args, e->kind == E_AND ? " AND " : " OR ", depth);
        sb_putc(b, ')');
        break;
    case E_NOT:
        sb_puts(b, "(NOT ");
        put_list(x, b, e->args, e->n_args, ", ", depth);
        sb_putc(b, ')');
        break;
    case E_FUNC:
        sb_printf(b, "%s(", e->fn != NULL ? e->fn->name : "?");
        put_list(x, b, e->args, e->n_args, ", ", depth);
        sb_putc(b, ')');
        break;
    case E_CAST:
        sb_putc(b, '(');
        if (e->n_args > 0) put_expr(x, b, e->args[0], depth);
        sb_printf(b, ")::%s", type_name(e->type));
        break;
    case E_ISNULL:
        sb_putc(b, '(');
        if (e->n_args > 0) put_expr(x, b, e->args[0], depth);
        sb_puts(b, e->op == 0 ? " IS NULL)" : " IS NOT NULL)");
        break;
    case E_IN:
        sb_putc(b, '(');
        if (e->n_args > 0) put_expr(x, b, e->args[0], depth);
        sb_puts(b, e->op == 1 ? " NOT IN (" : " IN (");
        if (e->n_args > 1) put_list(x, b, e->args + 1, e->n_args - 1u, ", ", depth);
        sb_puts(b, "))");
        break;
    case E_SUBQ:
        sb_printf(b, "(SubPlan %u)", e->subq_id + 1);
        break;
    case E_COALESCE:
        sb_puts(b, "COALESCE(");
        put_list(x, b, e->args, e->n_args, ", ", depth);
        sb_putc(b, ')');
        break;
    case E_CASE:
        sb_puts(b, "CASE ... END");
        break;
    default:
        sb_puts(b, "(...)");
        break;
    }
}

static char *fmt_expr(xctx_t *x, const expr_t *e, uint32_t depth)
{
    sbuf_t b = {0};
    put_expr(x, &b, e, depth);
    char *s = ar_strndup(x->a, b.d != NULL ? b.d : "", b.len);
    sb_free(&b);
    return s;
}

static const char *pk_name(xctx_t *x, table_t *t)
{
    return ar_printf(x->a, "%s_pkey", t->name);
}

static void detail(xctx_t *x, const char *pre, const char *label, char *text)
{
    put_line(x, ar_printf(x->a, "%s%s: %s", pre, label, text));
}

/* "(a = x) AND (b = y)" for an index lookup */
static char *index_cond(xctx_t *x, plan_t *p, uint32_t n, const uint32_t *cols, expr_t **ex)
{
    sbuf_t b = {0};
    const char *al = p->alias != NULL ? p->alias : p->tab->name;
    for (uint32_t k = 0; k < n; k++) {
        if (k > 0) sb_puts(&b, " AND ");
        sb_printf(&b, "(%s.%s = ", al, p->tab->cols[cols[k]].name);
        put_expr(x, &b, ex[k], p->depth);
        sb_putc(&b, ')');
    }
    char *s = ar_strndup(x->a, b.d != NULL ? b.d : "", b.len);
    sb_free(&b);
    return s;
}

static void node(xctx_t *x, plan_t *p, const char *indent, int root);
static void node_body(xctx_t *x, plan_t *p, const char *indent, int root, const char *det,
                      const char *kid, uint32_t d);

static const char *agg_fn_name(uint32_t fn)
{
    static const char *n[] = {"?", "count", "count", "sum", "avg", "min", "max", "bool_and",
                              "bool_or", "string_agg", "array_agg", "stddev", "variance",
                              "stddev_pop", "var_pop"};
    return fn < sizeof n / sizeof n[0] ? n[fn] : "?";
}

/* above an aggregate, a column is a group key or an aggregate's result: name them (pushed on
   the name list, which is searched newest first); returns how many were pushed */
static uint32_t push_agg_names(xctx_t *x, plan_t *p)
{
    plan_t *a = p;
    while (a != NULL && (a->kind == P_FILTER || a->kind == P_PROJECT || a->kind == P_TRIM ||
                         a->kind == P_SORT || a->kind == P_LIMIT || a->kind == P_DISTINCT)) {
        a = a->l;
    }
    if (a == NULL || a->kind != P_AGG) return 0;
    uint32_t n0 = x->n_names;
    char **keys = ar_alloc(x->a, sizeof(char *) * (a->n_exprs + 1));
    for (uint32_t i = 0; i < a->n_exprs; i++) keys[i] = fmt_expr(x, a->exprs[i], a->depth);
    for (uint32_t i = 0; i < a->n_exprs; i++) add_name(x, a->depth, i, keys[i]);
    for (uint32_t j = 0; j < a->n_aggs; j++) {
        agg_def_t *ag = a->aggs[j];
        const char *arg = ag->star || ag->arg == NULL ? "*" : fmt_expr(x, ag->arg, a->depth);
        add_name(x, a->depth, a->n_exprs + j,
                 ar_printf(x->a, "%s(%s%s)", agg_fn_name(ag->fn), ag->distinct ? "DISTINCT " : "",
                           arg));
    }
    return x->n_names - n0;
}

/* the subqueries an expression runs, as PostgreSQL's "SubPlan N" entries */
static void subplans(xctx_t *x, const expr_t *e, const char *indent)
{
    if (e == NULL) return;
    if (e->kind == E_SUBQ && e->sub != NULL) {
        put_line(x, ar_printf(x->a, "%sSubPlan %u", indent, e->subq_id + 1));
        node(x, e->sub, ar_printf(x->a, "%s  ", indent), 0);
    }
    for (uint32_t i = 0; i < e->n_args; i++) subplans(x, e->args[i], indent);
}

static char *rows_of(xctx_t *x, plan_t *p)
{
    if (p->erows <= 0) return "";
    return ar_printf(x->a, "  (rows=%.0f)", p->erows < 1 ? 1.0 : p->erows);
}

static void header(xctx_t *x, const char *indent, int root, const char *name, plan_t *p)
{
    put_line(x, ar_printf(x->a, "%s%s%s%s", root ? "" : indent, root ? "" : "->  ", name,
                          rows_of(x, p)));
}

/* a Sort node: its header and "Sort Key" line (keys named by the projection below it) */
static void sort_node(xctx_t *x, const char *indent, int root, const char *det, plan_t *p,
                      uint32_t d)
{
    header(x, indent, root, "Sort", p);
    sbuf_t b = {0};
    plan_t *c = p->l;
    while (c != NULL && c->kind == P_TRIM) c = c->l;
    for (uint32_t k = 0; k < p->n_sort; k++) {
        if (k > 0) sb_puts(&b, ", ");
        uint32_t i = p->keys[k].idx;
        if (c != NULL && c->kind == P_PROJECT && i < c->n_exprs) put_expr(x, &b, c->exprs[i], d);
        else sb_printf(&b, "%u", i + 1);
        if (p->keys[k].desc) sb_puts(&b, " DESC");
    }
    detail(x, det, "Sort Key", ar_strndup(x->a, b.d != NULL ? b.d : "", b.len));
    sb_free(&b);
}

static void node(xctx_t *x, plan_t *p, const char *indent, int root)
{
    if (p == NULL) return;
    /* projections and column trims are not nodes of PostgreSQL's plans */
    if ((p->kind == P_PROJECT || p->kind == P_TRIM) && p->l != NULL) {
        node(x, p->l, indent, root);
        const char *det = root ? "  " : ar_printf(x->a, "%s      ", indent);
        uint32_t pushed = push_agg_names(x, p);
        for (uint32_t i = 0; p->kind == P_PROJECT && i < p->n_exprs; i++) subplans(x, p->exprs[i], det);
        x->n_names -= pushed;
        return;
    }
    const char *det = root ? "  " : ar_printf(x->a, "%s      ", indent);
    const char *kid = det;
    uint32_t d = p->depth;
    if (p->kind == P_FILTER || p->kind == P_SORT) {
        /* HAVING and ORDER BY over grouped rows read the aggregate's output */
        uint32_t pushed = push_agg_names(x, p);
        if (pushed > 0) {
            if (p->kind == P_FILTER) {
                header(x, indent, root, "Result", p);
                detail(x, det, "Filter", fmt_expr(x, p->filter, d));
            } else {
                sort_node(x, indent, root, det, p, d);
            }
            x->n_names -= pushed;
            node(x, p->l, kid, 0);
            if (p->kind == P_FILTER) subplans(x, p->filter, det);
            return;
        }
    }
    if (p->filter != NULL) {
        /* the subqueries a filter runs are listed after the node's children */
        node_body(x, p, indent, root, det, kid, d);
        subplans(x, p->filter, det);
        return;
    }
    node_body(x, p, indent, root, det, kid, d);
}

static void node_body(xctx_t *x, plan_t *p, const char *indent, int root, const char *det,
                      const char *kid, uint32_t d)
{
    switch (p->kind) {
    case P_SCAN: {
        table_t *t = p->tab;
        const char *on = p->alias != NULL && strcmp(p->alias, t->name) != 0
                             ? ar_printf(x->a, "%s %s", t->name, p->alias)
                             : t->name;
        if (p->pk_eq != NULL) {
            header(x, indent, root, ar_printf(x->a, "Index Scan using %s on %s", pk_name(x, t), on), p);
            detail(x, det, "Index Cond", index_cond(x, p, t->n_pk, t->pk, p->pk_eq));
        } else if (p->use_idx != NULL) {
            header(x, indent, root, ar_printf(x->a, "Index Scan using %s on %s", p->use_idx->name, on), p);
            detail(x, det, "Index Cond", index_cond(x, p, p->n_idx_eq, p->use_idx->cols, p->idx_eq));
        } else if (p->n_lo > 0 || p->n_hi > 0) {
            header(x, indent, root, ar_printf(x->a, "Index Scan using %s on %s", pk_name(x, t), on), p);
            const char *al = p->alias != NULL ? p->alias : t->name;
            sbuf_t b = {0};
            if (p->n_lo > 0) {
                sb_printf(&b, "(%s.%s %s ", al, t->cols[t->pk[0]].name, p->lo_incl ? ">=" : ">");
                put_expr(x, &b, p->lo[0], d);
                sb_putc(&b, ')');
            }
            if (p->n_hi > 0) {
                if (p->n_lo > 0) sb_puts(&b, " AND ");
                sb_printf(&b, "(%s.%s %s ", al, t->cols[t->pk[0]].name, p->hi_incl ? "<=" : "<");
                put_expr(x, &b, p->hi[0], d);
                sb_putc(&b, ')');
            }
            detail(x, det, "Index Cond", ar_strndup(x->a, b.d, b.len));
            sb_free(&b);
        } else {
            header(x, indent, root, ar_printf(x->a, "Seq Scan on %s", on), p);
        }
        if (p->filter != NULL) detail(x, det, "Filter", fmt_expr(x, p->filter, d));
        return;
    }
    case P_JOIN: {
        const char *kind = p->jtype == 2 ? " Left Join" : p->jtype == 3 ? " Full Join" :
                           p->jtype == 4 ? " Right Join" : "";
        if (p->nl || p->n_keys == 0) {
            header(x, indent, root, ar_printf(x->a, "Nested Loop%s", kind), p);
            if (p->filter != NULL) detail(x, det, "Join Filter", fmt_expr(x, p->filter, d));
            node(x, p->l, kid, 0);
            node(x, p->r, kid, 0);
            return;
        }
        header(x, indent, root, ar_printf(x->a, "Hash%s", *kind ? kind : " Join"), p);
        sbuf_t b = {0};
        for (uint32_t k = 0; k < p->n_keys; k++) {
            if (k > 0) sb_puts(&b, " AND ");
            sb_putc(&b, '(');
            put_expr(x, &b, p->lkeys[k], d);
            sb_puts(&b, " = ");
            put_expr(x, &b, p->rkeys[k], d);
            sb_putc(&b, ')');
        }
        detail(x, det, "Hash Cond", ar_strndup(x->a, b.d, b.len));
        sb_free(&b);
        if (p->filter != NULL) detail(x, det, "Join Filter", fmt_expr(x, p->filter, d));
        node(x, p->l, kid, 0);
        put_line(x, ar_printf(x->a, "%s->  Hash%s", kid, rows_of(x, p->r)));
        node(x, p->r, ar_printf(x->a, "%s      ", kid), 0);
        return;
    }
    case P_FILTER:
        header(x, indent, root, "Result", p);
        detail(x, det, "Filter", fmt_expr(x, p->filter, d));
        node(x, p->l, kid, 0);
        return;
    case P_RESULT:
        header(x, indent, root, "Result", p);
        if (p->filter != NULL) detail(x, det, "One-Time Filter", fmt_expr(x, p->filter, d));
        return;
    case P_VALUES:
        header(x, indent, root, "Values Scan on \"*VALUES*\"", p);
        return;
    case P_SRF:
        header(x, indent, root, ar_printf(x->a, "Function Scan on generate_series%s%s",
                                          p->alias ? " " : "", p->alias ? p->alias : ""), p);
        if (p->filter != NULL) detail(x, det, "Filter", fmt_expr(x, p->filter, d));
        return;
    case P_AGG:
        header(x, indent, root, p->n_exprs > 0 ? "HashAggregate" : "Aggregate", p);
        if (p->n_exprs > 0) {
            sbuf_t b = {0};
            put_list(x, &b, p->exprs, p->n_exprs, ", ", d);
            detail(x, det, "Group Key", ar_strndup(x->a, b.d, b.len));
            sb_free(&b);
        }
        node(x, p->l, kid, 0);
        return;
    case P_SORT: {
        sort_node(x, indent, root, det, p, d);
        node(x, p->l, kid, 0);
        return;
    }
    case P_LIMIT:
        header(x, indent, root, "Limit", p);
        node(x, p->l, kid, 0);
        return;
    case P_DISTINCT:
        header(x, indent, root, p->distinct_on != NULL ? "Unique" : "HashAggregate", p);
        node(x, p->l, kid, 0);
        return;
    case P_SETOP: {
        static const char *names[] = {"SetOp", "Append", "HashSetOp Intersect", "HashSetOp Except"};
        header(x, indent, root, names[p->jtype < 4 ? p->jtype : 0], p);
        node(x, p->l, kid, 0);
        node(x, p->r, kid, 0);
        return;
    }
    case P_SUBQ:
        header(x, indent, root,
               ar_printf(x->a, "Subquery Scan on %s", p->alias != NULL ? p->alias : "subquery"), p);
        if (p->filter != NULL) detail(x, det, "Filter", fmt_expr(x, p->filter, d));
        node(x, p->l, kid, 0);
        return;
    case P_WINDOW: /* window functions, WITH RECURSIVE, LATERAL (window helper) */
        header(x, indent, root, "WindowAgg", p);
        node(x, p->l, kid, 0);
        return;
    case P_RECURSIVE:
        header(x, indent, root, p->all ? "Recursive Union All" : "Recursive Union", p);
        node(x, p->l, kid, 0);
        node(x, p->r, kid, 0);
        return;
    case P_WORKTABLE:
        header(x, indent, root, "WorkTable Scan", p);
        return;
    case P_UNNEST:
        header(x, indent, root, "Function Scan on unnest", p);
        return;
    case P_LATERAL:
        header(x, indent, root, p->jtype == 2 ? "Nested Loop Left Join" : "Nested Loop", p);
        if (p->filter != NULL) detail(x, det, "Join Filter", fmt_expr(x, p->filter, d));
        node(x, p->l, kid, 0);
        node(x, p->r, kid, 0);
        return;
    default:
        header(x, indent, root, ar_printf(x->a, "Node %u", p->kind), p);
        node(x, p->l, kid, 0);
        node(x, p->r, kid, 0);
        return;
    }
}

int32_t explain_run(helios_session_t *s, PgQuery__ExplainStmt *es, const char *sql,
                    const helios_sink_t *sink, helios_err_t *err)
{
    for (size_t i = 0; i < es->n_options; i++) {
        pnode_t *o = es->options[i];
        if (o->node_case != PG_QUERY__NODE__NODE_DEF_ELEM || o->def_elem->defname == NULL) continue;
        const char *n = o->def_elem->defname;
        const char *v = o->def_elem->arg != NULL ? pn_str(o->def_elem->arg) : NULL;
        int off = v != NULL && (strcmp(v, "false") == 0 || strcmp(v, "off") == 0 || strcmp(v, "0") == 0);
        if (strcmp(n, "analyze") == 0 && !off) {
            return sql_err(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED, "EXPLAIN ANALYZE is not supported");
        }
        if (strcmp(n, "format") == 0 && v != NULL && strcmp(v, "text") != 0) {
            return sql_err(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED, "EXPLAIN (FORMAT %s) is not supported", v);
        }
    }
    if (es->query == NULL) return sql_err(err, HELIOS_ERR_SYNTAX_ERROR, "EXPLAIN of nothing");
    arena_t ar = {0};
    PgQuery__RawStmt raw = PG_QUERY__RAW_STMT__INIT;
    raw.stmt = es->query;
    stmt_plan_t *sp = NULL;
    pthread_rwlock_rdlock(&s->eng->cat.lock);
    int32_t rc = bind_stmt(s, &ar, &raw, sql, 0, NULL, &sp, err);
    pthread_rwlock_unlock(&s->eng->cat.lock);
    if (rc == 0 && (sp->kind == S_UTILITY || sp->kind == S_EMPTY)) {
        rc = sql_err(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED, "EXPLAIN of this statement is not supported");
    }
    if (rc == 0) {
        xctx_t x = {.a = &ar};
        collect_names(&x, sp->plan);
        if (sp->kind == S_SELECT) {
            node(&x, sp->plan, "", 1);
        } else {
            const char *k = sp->kind == S_INSERT ? "Insert" : sp->kind == S_UPDATE ? "Update" : "Delete";
            put_line(&x, ar_printf(&ar, "%s on %s", k, sp->tab != NULL ? sp->tab->name : "?"));
            if (sp->plan != NULL) node(&x, sp->plan, "  ", 0);
        }
        helios_column_desc_t col = {.name = "QUERY PLAN", .type_oid = HELIOS_OID_TEXT,
                                    .type_mod = -1, .type_len = -1};
        if (sink->describe != NULL) sink->describe(sink->ctx, 1, &col);
        for (uint32_t i = 0; rc == 0 && i < x.n_lines; i++) {
            helios_value_t hv = {.type_oid = HELIOS_OID_TEXT, .type_mod = -1, .p = x.lines[i],
                                 .len = (uint32_t)strlen(x.lines[i])};
            rc = sink->row(sink->ctx, 1, &hv);
        }
    }
    ar_free(&ar);
    return rc;
}
