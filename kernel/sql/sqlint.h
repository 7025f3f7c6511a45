/*
 * kernel/sql/sqlint.h -- internals of the SQL engine shared by its .c files (not a contract).
 *
 * Pipeline: parse.c (libpg_query protobuf) -> bind*.c (names, types, plan tree) -> exec*.c
 * (operators over row sets) with expr.c / func.c evaluating expressions; store.c encodes keys
 * and rows and keeps a transaction's write set; catalog.c keeps tables in a system tree.
 */
#ifndef HELIOS_SQLINT_H
#define HELIOS_SQLINT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "helios/session.h"
#include "helios/sqlstate.h"
#include "helios/status.h"
#include "sql/sql.h"
#include "storage/lsm.h"

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

typedef PgQuery__Node pnode_t;

/* ---------- arena ---------- */
typedef struct arena_blk {
    struct arena_blk *next;
    size_t cap, used;
    char data[] __attribute__((aligned(16)));
} arena_blk_t;

typedef struct arena_defer arena_defer_t;
typedef struct arena {
    arena_blk_t *head;
    size_t total;   /* bytes allocated from malloc */
    size_t limit;   /* 0: none; exceeding it sets over */
    uint32_t over;
    arena_defer_t *defer; /* run (newest first) by ar_reset and ar_free */
} arena_t;

void *ar_alloc(arena_t *a, size_t n);
void *ar_zalloc(arena_t *a, size_t n);
char *ar_strdup(arena_t *a, const char *s);
char *ar_strndup(arena_t *a, const char *s, size_t n);
char *ar_printf(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ar_reset(arena_t *a);
/* ar_defer: call fn(arg) when the arena is next reset or freed (a parse tree a plan in the
   arena points into). Returns 0, or 53200 when out of memory (fn(arg) is then called now). */
int32_t ar_defer(arena_t *a, void (*fn)(void *), void *arg);
void ar_free(arena_t *a);

/* growable string */
typedef struct sbuf {
    char *d;
    size_t len, cap;
} sbuf_t;
void sb_putn(sbuf_t *b, const char *s, size_t n);
void sb_puts(sbuf_t *b, const char *s);
void sb_putc(sbuf_t *b, char c);
void sb_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(sbuf_t *b);

/* ---------- errors ---------- */
int32_t sql_err(helios_err_t *err, int32_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sql_err_detail(helios_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sql_err_hint(helios_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---------- values ---------- */
/* type codes are PostgreSQL OIDs; arrays use their array OIDs (1007 int4[], ...) */
#define T_NULL 0u /* an untyped NULL constant */
typedef struct val {
    uint32_t t;
    uint8_t null;
    uint8_t pad;
    int16_t scale; /* numeric */
    uint32_t len;  /* text / bytea / fixed16 bytes */
    union {
        int64_t i;
        double f;
        const char *s;
        __int128 n;
    };
} val_t;

#define NUM_MAX_SCALE 30

int val_is_int(uint32_t t);
int val_is_num(uint32_t t); /* int, numeric, float */
int val_is_text(uint32_t t);
uint32_t type_array_of(uint32_t elem);
uint32_t type_elem_of(uint32_t arr);
const char *type_name(uint32_t t);
int16_t type_len(uint32_t t);
uint32_t type_phys(uint32_t t);
/* type by SQL name ("int", "varchar"...) -> oid; 0 unknown */
uint32_t type_by_name(const char *name);
/* category precedence for implicit promotion */
int type_numeric_rank(uint32_t t);

/* text input: parse s (len n) as type t (typmod tm) into out (arena for var data). */
int32_t val_from_text(arena_t *a, uint32_t t, int32_t tm, const char *s, size_t n, val_t *out,
                      helios_err_t *err);
/* text output (PostgreSQL format), appended to sb */
void val_to_text(const val_t *v, sbuf_t *sb);
void array_put_elem(sbuf_t *b, const val_t *v);
/* json: validate (and for jsonb canonicalize) text; 0 or -1 when it is not json */
int json_input(arena_t *a, const char *s, size_t n, int jsonb, const char **out, uint32_t *outlen);
/* text output into arena; returns NUL-terminated */
const char *val_text(arena_t *a, const val_t *v, uint32_t *len);
/* cast v to type t/typmod */
int32_t val_cast(arena_t *a, const val_t *v, uint32_t t, int32_t tm, val_t *out, int explicit_,
                 helios_err_t *err);
/* compare two non-null values of comparable types: <0, 0, >0 */
int val_cmp(const val_t *a, const val_t *b);
uint64_t val_hash(const val_t *v);
/* null-aware compare for sort: nulls as larger */
int val_cmp_sort(const val_t *a, const val_t *b);
int val_equal_nn(const val_t *a, const val_t *b); /* both non-null */

/* numeric helpers */
int num_from_str(const char *s, size_t n, __int128 *v, int16_t *scale);
void num_to_str(__int128 v, int scale, sbuf_t *sb);
int num_rescale(__int128 *v, int16_t from, int16_t to); /* 0 ok, -1 overflow */
double num_to_double(__int128 v, int scale);
int num_from_double(double d, __int128 *v, int16_t *scale);
void float_to_str(double d, int is4, sbuf_t *sb);

/* date/time */
int32_t dt_parse_date(const char *s, size_t n, int64_t *days);
int32_t dt_parse_timestamp(const char *s, size_t n, int64_t *us, int tz);
int32_t dt_parse_time(const char *s, size_t n, int64_t *us);
int32_t dt_parse_interval(const char *s, size_t n, int64_t *us, int32_t *days, int32_t *months);
void dt_format_date(int64_t days, sbuf_t *sb);
void dt_format_timestamp(int64_t us, int tz, sbuf_t *sb);
void dt_format_time(int64_t us, sbuf_t *sb);
void dt_format_interval(int64_t us, int32_t days, int32_t months, sbuf_t *sb);
int64_t dt_now_us(void);
void dt_j2date(int64_t days, int *y, int *m, int *d);
int64_t dt_date2j(int y, int m, int d);

/* ---------- catalog ---------- */
typedef struct column {
    char *name;
    uint32_t type;
    int32_t typmod;
    uint32_t not_null;
    char *default_sql;          /* NULL: none */
    struct expr *default_expr;  /* bound lazily */
    uint32_t identity;          /* 1: GENERATED ALWAYS, 2: BY DEFAULT */
    uint32_t seq_oid;           /* serial/identity sequence */
    uint32_t dropped;
    /* statistics (kernel/sql/stats.c, ANALYZE): 0 ndistinct = unknown. Written in place by
       ANALYZE under table_t.mu, read by the planner without a lock (estimates only) */
    double st_ndistinct; /* distinct non-null values when st_rows rows were counted */
    double st_null_frac;
    double st_lo, st_hi; /* min/max as positions on a number line (stats_pos) */
    uint32_t st_has_range;
} column_t;

typedef struct index_def {
    uint32_t oid;
    uint32_t tree;
    char *name;
    uint32_t unique;
    uint32_t n_cols;
    uint32_t cols[16];
    uint8_t desc[16];
} index_def_t;

#define REL_TABLE 1u
#define REL_VIEW 2u
#define REL_SEQUENCE 3u
#define REL_SYSTEM 4u /* a pg_catalog / information_schema view generated from the catalog */

typedef struct table {
    uint32_t oid;
    uint32_t kind;
    uint32_t tree;
    uint32_t schema_oid;
    char *name;
    uint32_t n_cols;
    column_t *cols;
    uint32_t n_pk;        /* 0: hidden row id */
    uint32_t pk[16];
    uint32_t n_idx;
    index_def_t *idx;
    char *view_sql;       /* views */
    char **view_colnames; /* optional */
    uint32_t n_view_colnames;
    /* checks */
    uint32_t n_checks;
    char **check_sql;
    struct expr **check_expr;
    /* sequence state */
    int64_t seq_next, seq_inc, seq_min, seq_max, seq_start;
    uint32_t seq_called;
    uint32_t seq_cycle;
    /* row id generator (tables without a primary key) */
    int64_t next_rowid;
    uint64_t est_rows;
    uint32_t sys_id; /* REL_SYSTEM: which view */
    pthread_mutex_t mu;
    /* statistics (stats.c): rows counted by the last ANALYZE (0: never), est_rows then */
    double st_rows;
    uint64_t st_rows_at;
    uint32_t st_busy; /* an ANALYZE of this table is running */
} table_t;

typedef struct schema {
    uint32_t oid;
    char *name;
    uint32_t db_oid; /* the database it belongs to (DB_DEFAULT_OID: helios) */
} schema_t;

/* databases: the default one, helios, always exists (oid DB_DEFAULT_OID, not stored); others
   come from CREATE DATABASE. A database is a set of schemas in the one catalog: sessions see
   only their database's schemas (and so its tables); users are shared, as in PostgreSQL. */
#define DB_DEFAULT_OID 1u
typedef struct database {
    uint32_t oid;
    char *name;
} database_t;

typedef struct user {
    char *name;
    char *verifier; /* SCRAM-SHA-256$... or NULL */
    uint32_t superuser;
} user_t;

typedef struct catalog {
    pthread_rwlock_t lock;
    uint64_t version;
    uint32_t next_oid;
    uint32_t next_tree;
    uint32_t n_tables, cap_tables;
    table_t **tables;
    uint32_t n_schemas;
    schema_t *schemas;
    uint32_t n_users;
    user_t *users;
    uint32_t n_dead;
    table_t **dead; /* dropped tables kept until close (plans may still point at them) */
    uint32_t n_dbs; /* dbs[0] is the default database */
    database_t *dbs;
} catalog_t;

#define CAT_TREE 1u

struct helios_engine {
    helios_lsm_t *lsm;
    catalog_t cat;
    uint64_t work_mem;
    char *data_dir;
    pthread_mutex_t sess_mu;
    struct helios_session *sessions;
    uint32_t next_pid;
    struct helios_txnmgr *txm; /* kernel/txn: row locks, SERIALIZABLE registry */
    table_t **sys;             /* pg_catalog / information_schema views, built at open */
    uint32_t n_sys;
};

/* ---------- expressions ---------- */
enum {
    E_CONST = 1,
    E_COL,       /* depth, idx */
    E_PARAM,     /* idx (0-based) */
    E_OP,        /* binary/unary operator: op, args */
    E_AND,
    E_OR,
    E_NOT,
    E_FUNC,      /* builtin function */
    E_CASE,      /* args: [arg?] when,then pairs..., else */
    E_ISNULL,    /* op: 0 IS NULL, 1 IS NOT NULL */
    E_BOOLTEST,  /* op: PgQuery__BoolTestType */
    E_IN,        /* args[0] IN args[1..] ; op 1 = NOT IN */
    E_CAST,
    E_SUBQ,      /* sub-plan: op = sublink type */
    E_AGG,       /* aggregate (only before rewrite) */
    E_COALESCE,
    E_MINMAX,    /* op 1 greatest, 2 least */
    E_NULLIF,
    E_DISTINCT,  /* IS [NOT] DISTINCT FROM: op 0 distinct, 1 not distinct */
    E_ARRAY,
    E_ROWID,     /* placeholder */
};

/* operators */
enum {
    OP_ADD = 1, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_NEG, OP_POW,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_CONCAT, OP_LIKE, OP_NLIKE, OP_ILIKE, OP_NILIKE,
    OP_BAND, OP_BOR, OP_BXOR, OP_SHL, OP_SHR, OP_BNOT, OP_ABS_, OP_REGEX, OP_NREGEX,
    OP_REGEXI, OP_NREGEXI, OP_ANY_EQ,
};

struct plan;
struct func_def;

typedef struct agg_def {
    uint32_t fn; /* AGG_* */
    uint32_t distinct;
    uint32_t star;
    struct expr *arg;
    struct expr *arg2; /* string_agg delimiter */
    struct expr *filter;
    uint32_t type;     /* result type */
    uint32_t argtype;
    struct expr **order; /* string_agg / array_agg (... ORDER BY ...) */
    uint8_t *order_desc;
    uint8_t *order_nulls_first;
    uint32_t n_order;
} agg_def_t;

enum { AGG_COUNT = 1, AGG_COUNT_STAR, AGG_SUM, AGG_AVG, AGG_MIN, AGG_MAX, AGG_BOOL_AND,
       AGG_BOOL_OR, AGG_STRING_AGG, AGG_ARRAY_AGG, AGG_STDDEV, AGG_VARIANCE, AGG_STDDEV_POP,
       AGG_VAR_POP };

typedef struct expr {
    uint8_t kind;
    uint8_t op;
    uint16_t n_args;
    uint32_t type;
    int32_t typmod;
    uint32_t depth, idx; /* E_COL; E_PARAM idx */
    int32_t location;
    val_t c;             /* E_CONST */
    struct expr **args;
    const struct func_def *fn;
    struct plan *sub;    /* E_SUBQ */
    uint32_t correlated; /* E_SUBQ */
    uint32_t subq_id;
    agg_def_t *agg;      /* E_AGG */
    struct win_def *win; /* E_WINDOW (bind_window.c) */
} expr_t;

/* window functions (bind_window.c, exec_window.c): an E_WINDOW call keeps all its
   sub-expressions in args -- [function arguments, PARTITION BY, ORDER BY, FILTER, frame start
   offset, frame end offset] -- so the generic walkers (aggregate rewrite, equality) see them;
   the counts say where each part starts. The binder replaces every call by a column of the
   P_WINDOW row that computes it. */
enum { E_WINDOW = 60 };
enum { WIN_ROW_NUMBER = 1, WIN_RANK, WIN_DENSE_RANK, WIN_PERCENT_RANK, WIN_CUME_DIST, WIN_NTILE,
       WIN_LAG, WIN_LEAD, WIN_FIRST_VALUE, WIN_LAST_VALUE, WIN_NTH_VALUE, WIN_AGG };
/* PostgreSQL's FRAMEOPTION_* bits (parsenodes.h), as the parser sets them */
#define WF_NONDEFAULT 0x00001u
#define WF_RANGE 0x00002u
#define WF_ROWS 0x00004u
#define WF_GROUPS 0x00008u
#define WF_START_UNBOUNDED_PRECEDING 0x00020u
#define WF_END_UNBOUNDED_PRECEDING 0x00040u
#define WF_START_UNBOUNDED_FOLLOWING 0x00080u
#define WF_END_UNBOUNDED_FOLLOWING 0x00100u
#define WF_START_CURRENT_ROW 0x00200u
#define WF_END_CURRENT_ROW 0x00400u
#define WF_START_OFFSET_PRECEDING 0x00800u
#define WF_END_OFFSET_PRECEDING 0x01000u
#define WF_START_OFFSET_FOLLOWING 0x02000u
#define WF_END_OFFSET_FOLLOWING 0x04000u
#define WF_EXCLUDE_CURRENT_ROW 0x08000u
#define WF_EXCLUDE_GROUP 0x10000u
#define WF_EXCLUDE_TIES 0x20000u
typedef struct win_def {
    uint32_t fn;        /* WIN_* */
    uint32_t n_fargs;   /* function arguments: args[0..n_fargs) */
    uint32_t n_part;    /* PARTITION BY: the next n_part args */
    uint32_t n_order;   /* ORDER BY: the next n_order args */
    uint8_t *order_desc, *order_nulls_first;
    uint32_t has_filter;           /* FILTER (aggregates): the next arg */
    uint32_t has_start, has_end;   /* frame offsets: the next args */
    uint32_t frame;     /* WF_* */
    agg_def_t *agg;     /* WIN_AGG: the aggregate (arguments point into args) */
    uint32_t slot;      /* set when planned: the result's slot in the P_WINDOW row */
} win_def_t;

/* ---------- plans ---------- */
enum { P_SCAN = 1, P_VALUES, P_RESULT, P_FILTER, P_JOIN, P_AGG, P_PROJECT, P_DISTINCT, P_SORT,
       P_LIMIT, P_SETOP, P_SUBQ, P_TRIM, P_SRF /* generate_series in FROM */ };

typedef struct sort_key {
    uint32_t idx;
    uint8_t desc;
    uint8_t nulls_first;
} sort_key_t;

typedef struct plan {
    uint8_t kind;
    uint8_t jtype;   /* P_JOIN: 1 inner, 2 left, 3 full, 4 right, 5 cross; P_SETOP: op */
    uint8_t all;     /* P_SETOP */
    uint32_t width;  /* output row width */
    uint32_t depth;  /* query level (for E_COL depth) */
    struct plan *l, *r;
    /* P_SCAN */
    table_t *tab;
    uint32_t base;       /* slot of column 0 in the wide row */
    expr_t **pk_eq;      /* n_pk exprs when the scan is a point lookup by primary key */
    expr_t *lo[16], *hi[16]; /* pk prefix range bounds (NULL: open) */
    uint32_t n_lo, n_hi;
    uint8_t lo_incl, hi_incl;
    index_def_t *use_idx; /* secondary index equality lookup on its first columns */
    expr_t **idx_eq;
    uint32_t n_idx_eq;
    expr_t *filter;
    /* P_JOIN */
    expr_t **lkeys, **rkeys;
    uint32_t n_keys;
    uint32_t *rslots, n_rslots; /* slots filled by the right input */
    uint32_t *lslots, n_lslots; /* slots filled by the left input (full/right joins) */
    /* P_VALUES / P_PROJECT / P_AGG */
    expr_t ***rows;
    uint32_t n_rows;
    expr_t **exprs;
    uint32_t n_exprs;
    agg_def_t **aggs;
    uint32_t n_aggs;
    /* P_SORT / P_DISTINCT */
    sort_key_t *keys;
    uint32_t n_sort;
    uint32_t n_distinct; /* P_DISTINCT: leading columns compared */
    expr_t **distinct_on;
    uint32_t n_distinct_on;
    /* P_LIMIT */
    expr_t *limit, *offset;
    /* P_SUBQ: child output copied to slots base.. */
    uint32_t est;
    /* planner (bind_from.c, exec_nl.c, explain.c) */
    uint8_t nl;          /* P_JOIN: index nested loop: for each row of l, run r (a P_SCAN whose
                            pk_eq / idx_eq read the l row's columns) -- exec_nl.c */
    const char *alias;   /* P_SCAN / P_SUBQ: the range variable's name (EXPLAIN) */
    double erows;        /* estimated output rows (EXPLAIN; 0: not estimated) */
    char **colnames;     /* P_SUBQ: names of the child's output columns (EXPLAIN) */
    /* window functions, WITH RECURSIVE (bind_window.c, exec_window.c, exec_recursive.c).
       P_WINDOW: exprs are the E_WINDOW calls computed here (win->slot), keys/n_sort the
       PARTITION BY then ORDER BY key slots of its (sorted) input, win_n_part how many of them
       partition */
    uint32_t win_n_part;
    /* P_RECURSIVE: the working table while the recursive term (r) runs; P_WORKTABLE: the
       P_RECURSIVE node whose working table it reads */
    struct rowset *wt_rows;
    struct plan *wt_src;
    /* P_RECURSIVE: 0, or the rows a LIMIT right above it reads (the recursion stops there, as
       PostgreSQL's pipeline would) */
    uint64_t wt_max_rows;
} plan_t;

/* plan kinds of window functions, WITH RECURSIVE and LATERAL (exec_window.c,
   exec_recursive.c): P_LATERAL is a nested loop re-running r for every row of l (jtype 1
   inner, 2 left; filter as P_JOIN); P_UNNEST is unnest(array) in FROM (as P_SRF: exprs[0],
   the element in slot base) */
enum { P_WINDOW = 40, P_RECURSIVE, P_WORKTABLE, P_LATERAL, P_UNNEST };

/* output column of a statement */
typedef struct out_col {
    char *name;
    uint32_t type;
    int32_t typmod;
    uint32_t table_oid;
    int16_t attnum;
} out_col_t;

/* ---------- statements ---------- */
enum { S_SELECT = 1, S_INSERT, S_UPDATE, S_DELETE, S_UTILITY, S_EMPTY };

typedef struct stmt_plan {
    uint32_t kind;
    uint32_t cmd;        /* utility node case */
    pnode_t *node;       /* the parse node (utility statements; lives in the cache entry) */
    const char *sql;     /* statement text (cache-owned) */
    uint32_t sql_len;
    plan_t *plan;        /* SELECT, source of INSERT, scan of UPDATE/DELETE */
    uint32_t n_out;
    out_col_t *out;
    /* DML */
    table_t *tab;
    uint32_t n_tcols;    /* INSERT: target columns */
    uint32_t *tcols;
    expr_t **set_exprs;  /* UPDATE: per table column (NULL: unchanged); evaluated on scan rows */
    expr_t **ret;        /* RETURNING over the table row */
    uint32_t n_ret;
    uint32_t n_subq;     /* number of subquery ids (exec cache slots) */
    uint32_t n_params;
    uint32_t *param_types;
    uint32_t fast;       /* FAST_* */
    uint32_t on_conflict_nothing;
    uint32_t n_conflict_cols;
    expr_t **conflict_set; /* ON CONFLICT DO UPDATE: per column; NULL: unchanged */
    expr_t *conflict_where;
    expr_t **checks;     /* CHECK constraints over the table row */
    uint32_t n_checks;
    char **check_names;
    PgQuery__ParseResult **extra_trees; /* parse trees the plan points into (views) */
    uint32_t n_extra_trees;
    uint32_t lock_mode;  /* SELECT ... FOR UPDATE/SHARE: HELIOS_LOCK_EXCL/SHARE (txn/txn.h) */
    uint32_t lock_wait;  /* HELIOS_LOCK_WAIT / NOWAIT / SKIP */
} stmt_plan_t;

#define FAST_NONE 0u
#define FAST_PK_GET 1u     /* SELECT cols FROM t WHERE pk = ... */
#define FAST_INSERT_VALUES 2u

/* a parsed-and-bound query text: one or more statements */
typedef struct cached_q {
    struct cached_q *next;   /* hash chain */
    struct cached_q *lru_prev, *lru_next;
    char *text;
    uint32_t len;
    uint64_t hash;
    uint64_t cat_version;
    uint32_t n_param_types;
    uint32_t *param_types_in;
    arena_t ar;               /* everything of the plan */
    PgQuery__ParseResult *pr; /* parse tree (utility nodes point into it) */
    uint32_t n_stmts;
    stmt_plan_t **stmts;
    uint32_t refs;            /* prepared statements holding it */
    uint32_t in_lru;
    const struct helios_tz *tz; /* session zone when bound: constants were folded in it */
} cached_q_t;

/* ---------- transactions / store ---------- */
typedef struct wentry {
    uint32_t tree;
    uint32_t klen, vlen;
    uint8_t del;
    uint8_t *key, *val;
} wentry_t;

typedef struct wset {
    wentry_t **slots; /* open addressing */
    uint32_t cap, n;
    wentry_t **list;  /* insertion order */
    uint32_t n_list, cap_list;
} wset_t;

typedef struct txn {
    uint32_t active;     /* explicit transaction block */
    uint32_t failed;     /* 'E' */
    uint32_t has_snap;
    helios_seq_t snap;
    uint32_t iso;        /* 0 read committed, 1 repeatable read, 2 serializable */
    uint32_t read_only;
    helios_seq_t stmt_seq; /* autocommit: the statement's read point (first committer wins) */
    wset_t ws;
    struct stx *x;       /* kernel/txn/sqltxn.c: locks, savepoints, statement deadline */
} txn_t;

/* ---------- session ---------- */
typedef struct setting {
    char *name;
    char *value;
} setting_t;

typedef struct named_stmt {
    char *name;
    struct helios_stmt *st;
} named_stmt_t;

struct helios_session {
    helios_engine_t *eng;
    struct helios_session *next;
    uint32_t pid, secret;
    volatile uint32_t cancel;
    uint32_t dialect;
    char *user;
    txn_t txn;
    setting_t *settings;
    uint32_t n_settings;
    uint32_t settings_version;     /* bumped by every change: invalidates the caches below */
    struct {
        const char *name;          /* pointer of a caller's (usually literal) name */
        const char *value;
        uint32_t version;
    } setting_cache[8];
    uint64_t work_mem_cached;      /* bytes, 0: not parsed yet */
    char *param_buf;
    /* plan cache */
    cached_q_t **cache_tab;
    uint32_t cache_cap, cache_n;
    cached_q_t *lru_head, *lru_tail;
    /* SQL-level PREPARE */
    named_stmt_t *named;
    uint32_t n_named;
    uint64_t stmt_counter;
    arena_t qar; /* per-statement arena */
    helios_buf_t getbuf; /* reused by point reads */
    uint64_t last_insert_id;
    /* extended protocol (helios_session_api_t.sync): once the protocol has called sync, the
       Executes between two Syncs outside a transaction block run in one implicit transaction
       (txn.active with `implicit` set), committed or rolled back by the next sync */
    uint32_t sync_mode;
    uint32_t implicit;
    uint32_t implicit_n; /* statements run in the implicit transaction */
    const struct helios_tz *tz; /* the TimeZone setting's zone (NULL: UTC) */
    const struct helios_tz *tz_reset; /* the zone at session start (RESET TimeZone) */
    /* search_path resolved to schema oids (catalog.c cat_search_path), valid while
       path_settings == settings_version and path_catver == the catalog's version */
    uint32_t path_settings;
    uint64_t path_catver;
    uint32_t n_path;
    uint32_t path[16];
    uint32_t db_oid; /* the database the session connected to (0: the default) */
    /* settings changed in the open transaction block, oldest first (session_stmt.c): undone
       by its rollback; SET LOCAL ones also at its commit */
    struct set_undo {
        char *name;
        char *old; /* NULL: the setting did not exist */
        uint32_t local;
    } *set_undo;
    uint32_t n_set_undo, cap_set_undo;
};

/* SET [LOCAL] name = value (value NULL: RESET) as PostgreSQL scopes it: inside a transaction
   block the change is undone if the block rolls back, and a LOCAL one ends with the block;
   outside one, LOCAL has no effect (*ignored set). session_stmt.c */
int32_t sess_set_scoped(helios_session_t *s, const char *name, const char *value, int local,
                        int *ignored, helios_err_t *err);
/* the end of a transaction (txn_commit / txn_abort): settings as PostgreSQL leaves them */
void sess_settings_txn_end(helios_session_t *s, int committed);

/* The session whose statement this thread is binding or running (set by the session API entry
   points, like tz_set_current): unqualified names resolve through its search_path. NULL: the
   default path (public). */
extern __thread helios_session_t *sql_cur_session;

struct helios_stmt {
    helios_session_t *s;
    cached_q_t *cq;
    stmt_plan_t *sp;
    uint32_t n_params;
    uint32_t *param_types;
    uint32_t n_cols;
    helios_column_desc_t *cols;
};

/* execution context of one statement run */
typedef struct exec_ctx {
    helios_session_t *s;
    helios_engine_t *eng;
    arena_t *ar;
    const val_t *params;
    uint32_t n_params;
    val_t *rows[64];  /* current row per query depth */
    uint32_t n_subq;
    struct rowset **subq_cache; /* uncorrelated subquery results */
    helios_seq_t snap;
    helios_err_t *err;
    int64_t now_us;
    uint64_t ticks;
    uint32_t lock_mode, lock_wait; /* from stmt_plan_t: lock the rows scans return */
    arena_t *keep_ar; /* while streaming into a spilling sort (exec_spill.c): the statement
                         arena, where cached subquery results go (cx->ar is then a scratch
                         arena reset between rows) */
    arena_t *state_ar; /* a spilling hash aggregate's group arena (group state goes there) */
} exec_ctx_t;

/* a consumer rows are pushed to instead of being collected (exec_spill.c) */
typedef struct row_sink {
    int32_t (*fn)(exec_ctx_t *cx, struct row_sink *sk, val_t *row);
} row_sink_t;

typedef struct rowset {
    val_t **rows;
    size_t n, cap;
    uint32_t width;
    row_sink_t *sink; /* non-NULL: scans and generate_series push rows to it (rs_emit) */
} rowset_t;

/* rs_add, or out->sink when set */
int32_t rs_emit(exec_ctx_t *cx, rowset_t *out, val_t *row);
/* stable sort of rows by keys (ORDER BY semantics of P_SORT) */
void exec_sort_rows(val_t **rows, size_t n, sort_key_t *keys, uint32_t n_keys, arena_t *a);
/* copy of w values with their text/bytea/fixed16 data in arena a */
val_t *row_deep_copy(arena_t *a, const val_t *r, uint32_t w);
/* push the rows of p to sink, cx->ar a scratch arena meanwhile (cx->keep_ar the statement
   arena): 1 when p cannot stream (nothing run), else 0 or an error */
int32_t exec_stream_into(exec_ctx_t *cx, plan_t *p, row_sink_t *sink);
/* temporary files of spilling operators (exec_spill.c): created in <data_dir>/tmp and
   unlinked at once; rows as (t, null, scale, len, data) per value; row_read 1/0 end/-1 */
int32_t spill_file_open(exec_ctx_t *cx, FILE **fp);
int row_write(FILE *f, const val_t *r, uint32_t w, uint64_t *bytes);
int row_read(FILE *f, arena_t *a, uint32_t w, val_t **out);
int32_t io_err(exec_ctx_t *cx, const char *what);
size_t ar_used(const arena_t *a); /* bytes handed out (total counts whole blocks) */
/* <0, 0, >0: x before, tied with, after y in that order */
int exec_row_cmp(const val_t *x, const val_t *y, sort_key_t *keys, uint32_t n_keys);
/* P_SORT whose input is streamed and sorted in runs of at most work_mem, spilled to
   <data_dir>/tmp and merged (exec_spill.c). Returns 1 when p->l cannot stream (caller sorts
   in memory), else 0 or an error. */
int32_t exec_sort_spill(exec_ctx_t *cx, plan_t *p, rowset_t *out);

/* ---------- function library ---------- */
typedef int32_t (*func_impl_t)(exec_ctx_t *cx, expr_t *e, val_t *args, val_t *out);
typedef struct func_def {
    const char *name;
    int16_t min_args, max_args;
    uint32_t ret;    /* 0: same as first arg; 1: computed by resolver */
    uint32_t strict; /* NULL in -> NULL out */
    func_impl_t fn;
} func_def_t;
const func_def_t *func_lookup(const char *name, uint32_t n_args);
uint32_t func_result_type(const func_def_t *f, expr_t **args, uint32_t n);

/* ---------- parse.c ---------- */
int32_t sql_parse(const char *sql, PgQuery__ParseResult **out, helios_err_t *err);
void sql_parse_free(PgQuery__ParseResult *pr);
void sql_parse_free_v(void *pr); /* for ar_defer */
char *sql_deparse_expr(arena_t *a, pnode_t *n);
const char *pn_str(pnode_t *n); /* String node -> text, else NULL */
char *sql_name_lower(arena_t *a, const char *s);

/* ---------- bind ---------- */
typedef struct bind_ctx bind_ctx_t;
int32_t bind_stmt(helios_session_t *s, arena_t *a, PgQuery__RawStmt *raw, const char *sql,
                  uint32_t n_ptypes, const uint32_t *ptypes, stmt_plan_t **out,
                  helios_err_t *err);
int32_t bind_default_expr(helios_session_t *s, arena_t *a, table_t *t, const char *sql,
                          uint32_t type, int32_t typmod, expr_t **out, helios_err_t *err);
int32_t bind_check_expr(helios_session_t *s, arena_t *a, table_t *t, const char *sql,
                        expr_t **out, helios_err_t *err);
expr_t *mk_const(arena_t *a, const val_t *v);
expr_t *mk_cast(arena_t *a, expr_t *e, uint32_t t, int32_t tm);

/* ---------- expr.c ---------- */
int32_t eval(exec_ctx_t *cx, expr_t *e, val_t *out);
int32_t eval_bool(exec_ctx_t *cx, expr_t *e, int *res); /* res: 1 true, 0 false/null */
int32_t eval_op(exec_ctx_t *cx, uint32_t op, uint32_t rtype, val_t *a, val_t *b, val_t *out);
int like_match(const char *p, size_t pn, const char *s, size_t sn, int ci);

/* ---------- exec ---------- */
int32_t exec_plan(exec_ctx_t *cx, plan_t *p, rowset_t *out);
/* a P_AGG node: hash aggregate over its input's rows or batches (exec_agg.c) */
int32_t exec_agg(exec_ctx_t *cx, plan_t *p, rowset_t *out);
int32_t exec_subq(exec_ctx_t *cx, expr_t *e, rowset_t **out);
void rs_add(arena_t *a, rowset_t *rs, val_t *row);
val_t *row_new(arena_t *a, uint32_t w);
int32_t exec_dml(exec_ctx_t *cx, stmt_plan_t *sp, rowset_t *ret_rows, uint64_t *n_affected);
int32_t exec_check_cancel(exec_ctx_t *cx);

/* window functions, WITH RECURSIVE, LATERAL (exec_window.c, exec_recursive.c) */
int32_t exec_window(exec_ctx_t *cx, plan_t *p, rowset_t *out);
int32_t exec_recursive(exec_ctx_t *cx, plan_t *p, rowset_t *out);
int32_t exec_worktable(exec_ctx_t *cx, plan_t *p, rowset_t *out);
int32_t exec_lateral(exec_ctx_t *cx, plan_t *p, rowset_t *out);
int32_t exec_unnest(exec_ctx_t *cx, plan_t *p, rowset_t *out);
/* an aggregate's running state, for window aggregates (exec.c): zero-filled memory of
   exec_agg_state_size() bytes; step adds the row in cx->rows (FILTER applied); final leaves
   the state usable for more steps except for string_agg / array_agg and ordered aggregates */
size_t exec_agg_state_size(void);
int32_t exec_agg_step(exec_ctx_t *cx, agg_def_t *ag, void *state);
int32_t exec_agg_final(exec_ctx_t *cx, agg_def_t *ag, void *state, val_t *out);

/* ---------- store.c ---------- */
void key_encode(sbuf_t *b, const val_t *v, int desc);
int32_t row_encode(arena_t *a, table_t *t, const val_t *vals, sbuf_t *out, helios_err_t *err);
int32_t row_decode(arena_t *a, table_t *t, const uint8_t *row, uint32_t len, val_t *out,
                   uint32_t base, helios_err_t *err);
void table_pk_key(table_t *t, const val_t *row, sbuf_t *key);
void index_key(table_t *t, index_def_t *ix, const val_t *row, const sbuf_t *pk, sbuf_t *key,
               int with_pk);
void ws_init(wset_t *w);
void ws_free(wset_t *w);
void ws_clear(wset_t *w);
wentry_t *ws_get(wset_t *w, uint32_t tree, const void *key, uint32_t klen);
int32_t ws_put(wset_t *w, uint32_t tree, const void *key, uint32_t klen, const void *val,
               uint32_t vlen, int del);
/* read through the session's write set, then the store at its snapshot */
int32_t st_get(exec_ctx_t *cx, uint32_t tree, const void *key, uint32_t klen, helios_buf_t *val,
               uint32_t *found, helios_err_t *err);
typedef struct st_iter st_iter_t;
int32_t st_iter_open(exec_ctx_t *cx, uint32_t tree, const void *lo, uint32_t lolen,
                     st_iter_t **out, helios_err_t *err);
int st_iter_next(st_iter_t *it, const uint8_t **k, uint32_t *kl, const uint8_t **v, uint32_t *vl);
int32_t st_iter_close(st_iter_t *it, helios_err_t *err);
int32_t txn_commit(helios_session_t *s, helios_err_t *err);
void txn_abort(helios_session_t *s);
int32_t txn_begin_stmt(helios_session_t *s, exec_ctx_t *cx, helios_err_t *err);

/* ---------- catalog.c ---------- */
int32_t cat_open(helios_engine_t *eng, helios_err_t *err);
void cat_close(helios_engine_t *eng);
table_t *cat_find_table(helios_engine_t *eng, const char *schema, const char *name);
schema_t *cat_find_schema(helios_engine_t *eng, const char *name);
/* the schema oids of the current session's search_path that exist, in order (at most cap) */
uint32_t cat_search_path(helios_engine_t *eng, uint32_t *out, uint32_t cap);
/* the schema an unqualified CREATE puts its object in: the first existing schema of the
   search_path; 0 when there is none (3F000) */
uint32_t cat_creation_schema(helios_engine_t *eng);
/* the relation called name in schema soid, or NULL */
table_t *cat_find_in_schema(helios_engine_t *eng, uint32_t soid, const char *name);
/* the current session's database (DB_DEFAULT_OID without a session) */
uint32_t cat_cur_db(helios_engine_t *eng);
database_t *cat_find_db(helios_engine_t *eng, const char *name);
database_t *cat_db_by_oid(helios_engine_t *eng, uint32_t oid);
/* 1 when schema soid (pg_catalog and information_schema too) belongs to the current database */
int cat_schema_visible(helios_engine_t *eng, uint32_t soid);
int32_t cat_persist_db(helios_engine_t *eng, database_t *d, int del, helios_wbatch_t *b,
                       helios_err_t *err);
int32_t cat_persist_table(helios_engine_t *eng, table_t *t, helios_wbatch_t *b, helios_err_t *err);
int32_t cat_persist_meta(helios_engine_t *eng, helios_wbatch_t *b, helios_err_t *err);
int32_t cat_persist_user(helios_engine_t *eng, user_t *u, int del, helios_wbatch_t *b,
                         helios_err_t *err);
int32_t cat_persist_schema(helios_engine_t *eng, schema_t *sc, int del, helios_wbatch_t *b,
                           helios_err_t *err);
int32_t cat_drop_table_entry(helios_engine_t *eng, table_t *t, helios_wbatch_t *b,
                             helios_err_t *err);
void cat_add_table(helios_engine_t *eng, table_t *t);
void cat_remove_table(helios_engine_t *eng, table_t *t);
table_t *table_alloc(void);
void table_free(table_t *t);
user_t *cat_find_user(helios_engine_t *eng, const char *name);
int32_t seq_nextval(helios_engine_t *eng, table_t *seq, int64_t *out, helios_err_t *err);
int32_t cat_persist_seq(helios_engine_t *eng, table_t *seq, helios_err_t *err);
int32_t cat_commit_batch(helios_engine_t *eng, helios_wbatch_t *b, helios_err_t *err);

/* ---------- stats.c: ANALYZE and estimates ---------- */
/* ANALYZE one table (t == NULL: every table): per column ndistinct (HyperLogLog), null
   fraction, min/max; persisted in the catalog. Reads the newest committed rows. */
int32_t stats_analyze(helios_engine_t *eng, table_t *t, helios_err_t *err);
/* auto-analyze when the row count changed by more than 10% since the last ANALYZE (tables up
   to STATS_AUTO_MAX_ROWS rows; bigger ones on an explicit ANALYZE) */
void stats_maybe_analyze(helios_engine_t *eng, table_t *t);
#define STATS_AUTO_MAX_ROWS 2000000u
/* a value's position on a number line (ints, floats, numeric, dates, times, text prefix) */
int stats_pos(const val_t *v, double *out);
/* effective number of distinct values of column c (scaled to the current row count), 0 when
   unknown */
double stats_ndistinct(const table_t *t, uint32_t c);
/* the planner's setting enable_<name> (on unless set to off/false/no/0) */
int stats_enabled(helios_session_t *s, const char *name);
/* ANALYZE [table, ...] and VACUUM ANALYZE (plain VACUUM does nothing) */
int32_t stats_analyze_stmt(helios_session_t *s, PgQuery__VacuumStmt *vs, helios_err_t *err);
/* catalog.c: the statistics record of t ("a"+oid) */
int32_t cat_persist_stats(helios_engine_t *eng, table_t *t, helios_wbatch_t *b, helios_err_t *err);

/* ---------- exec_nl.c / explain.c ---------- */
int32_t exec_nl_join(exec_ctx_t *cx, plan_t *p, rowset_t *out);
/* EXPLAIN: bind the statement and send its plan tree as rows of "QUERY PLAN" */
int32_t explain_run(helios_session_t *s, PgQuery__ExplainStmt *es, const char *sql,
                    const helios_sink_t *sink, helios_err_t *err);

/* ---------- sys.c ---------- */
void sys_open(helios_engine_t *eng);
void sys_close(helios_engine_t *eng);
table_t *sys_find(helios_engine_t *eng, const char *schema, const char *name);
int32_t sys_scan(exec_ctx_t *cx, plan_t *p, rowset_t *out);
const char *sys_rel_name(helios_engine_t *eng, uint32_t oid);

/* ---------- ddl.c ---------- */
int32_t exec_utility(helios_session_t *s, stmt_plan_t *sp, const helios_sink_t *sink,
                     const char **tag, char *tagbuf, helios_err_t *err);

/* ---------- auth.c ---------- */
int32_t scram_make_verifier(const char *password, char *out, uint32_t cap);

/* ---------- session.c ---------- */
const char *sess_get_setting(helios_session_t *s, const char *name);
int32_t sess_set_setting(helios_session_t *s, const char *name, const char *value,
                         helios_err_t *err);
int32_t sess_run_stmt(helios_session_t *s, stmt_plan_t *sp, const val_t *params,
                      uint32_t n_params, const helios_sink_t *sink, uint64_t max_rows,
                      helios_err_t *err);
int32_t sess_get_cached(helios_session_t *s, const char *sql, uint32_t len, uint32_t n_types,
                        const uint32_t *types, cached_q_t **out, helios_err_t *err);
void sess_release_cached(helios_session_t *s, cached_q_t *cq);
uint64_t hash_bytes(const void *p, size_t n);
void out_cols_to_desc(arena_t *a, stmt_plan_t *sp, helios_column_desc_t **out);
void val_to_helios(arena_t *a, const val_t *v, helios_value_t *out);
int32_t copy_run(helios_session_t *s, exec_ctx_t *cx, PgQuery__CopyStmt *cs,
                 const helios_sink_t *sink, uint64_t *n_rows, helios_err_t *err);

/* ---------- time zones (types_dt.c over tz.c; appended by the time-zone work) ---------- */
/* The zone of the session running on this thread is tz_current() (tz.h); the SQL engine sets
   it with tz_set_current(s->tz) on entry (session API calls). Times are PostgreSQL's
   microseconds since 2000-01-01 UTC; "local" values are wall-clock times in that encoding. */
struct helios_tz;
int32_t dt_tstz_offset(const struct helios_tz *zone, int64_t us); /* seconds east at us */
int64_t dt_zone_to_local(const struct helios_tz *zone, int64_t us);
int64_t dt_zone_from_local(const struct helios_tz *zone, int64_t local); /* PostgreSQL's rule */
int64_t dt_tstz_to_local(int64_t us);     /* in the session zone */
int64_t dt_local_to_tstz(int64_t local);  /* in the session zone */
int64_t dt_tstz_add_interval(int64_t ts, int32_t months, int32_t days, int64_t us, int sign);
void dt_format_offset(int32_t off, sbuf_t *sb); /* +05:30 style */
/* a TimeZone value (SET TIME ZONE ...): 0 and *out, -1 invalid, -2 interval with days/months */
int dt_tz_setting(const char *v, const struct helios_tz **out);
/* dt_parse_timestamp's -2 (displacement out of range) and -3 (unknown zone: this name) */
const char *dt_bad_zone(void);
/* the zone argument of AT TIME ZONE: 0 and *out, -1 unknown */
int dt_zone_arg(const char *s, size_t n, const struct helios_tz **out);
/* make_timestamptz's zone: a numeric offset first (ISO sign, east), then as dt_zone_arg */
int dt_zone_arg_iso(const char *s, size_t n, const struct helios_tz **out);

/* ---------- vectorized execution (exec_vec.c, expr_vec.c; batches in vec.h) ---------- */
/* 1 unless the session turned it off (SET helios.vectorize = off) */
int exec_vec_enabled(exec_ctx_t *cx);
/* p -- a projection, filter, LIMIT or subquery wrapper over a table scan, possibly several --
   run over column batches, its rows collected into out as exec_plan would. 1: p is not such
   a plan or vectorizing is off (nothing run); else 0 or an error. */
int32_t exec_vec_plan(exec_ctx_t *cx, plan_t *p, rowset_t *out);
/* exec_stream_into over column batches: p's rows pushed to sink; 1 when not vectorizable */
int32_t exec_vec_stream(exec_ctx_t *cx, plan_t *p, row_sink_t *sink);
/* the key of n expressions for columns cols of t (exec.c; scans' bounds); *none: a NULL */
int32_t key_from_exprs(exec_ctx_t *cx, table_t *t, uint32_t n, expr_t **ex, const uint32_t *cols,
                       const uint8_t *desc, sbuf_t *key, int *none);

/* ---------- numeric beyond 128 bits (types_num.c) ----------
 * A numeric val_t (t == HELIOS_OID_NUMERIC) has one of these forms, told by val_t.pad:
 *   NUM_SMALL: the value is n / 10^scale (the __int128 fast path), 0 <= scale <= 38.
 *   NUM_BIG: s points to len bytes "[-]digits" (ASCII, no leading zeros, not NUL-terminated
 *       when read from a row), the unscaled integer; the value is that / 10^scale, 0 <= scale
 *       <= NUM_MAX_DSCALE, at most NUM_MAX_INT_DIGITS digits before the point. Produced only
 *       when the value does not fit NUM_SMALL; the bytes live in the value's arena (or the row),
 *       so copies (row_deep_copy, spill files) treat a NUM_BIG numeric as a varlen value.
 *   NUM_NAN, NUM_PINF, NUM_NINF: NaN, Infinity, -Infinity (n == 0, scale == 0).
 * scale is PostgreSQL's display scale: 1.0 and 1.00 compare and hash equal. Every consumer of
 * a numeric goes through the functions below (or checks pad == NUM_SMALL before using n). */
#define NUM_SMALL 0u
#define NUM_BIG 1u
#define NUM_NAN 2u
#define NUM_PINF 3u
#define NUM_NINF 4u
#define NUM_SMALL_MAX_SCALE 38
#define NUM_MAX_DSCALE 16383
#define NUM_MAX_INT_DIGITS 131072
/* text input (PostgreSQL numeric_in: NaN, [+-]Infinity, [+-]inf, exponents); 22P02 / 22003 */
int32_t num_parse(arena_t *a, const char *s, size_t n, val_t *out, helios_err_t *err);
void num_out(const val_t *v, sbuf_t *sb); /* text output appended to sb */
/* compare / hash numerics (integers accepted as scale-0 numerics); NaN above everything */
int num_cmp(const val_t *a, const val_t *b);
uint64_t num_hash(const val_t *v);
/* numeric(p,s) typmod (PostgreSQL 15 encoding, negative s allowed): round, 22003 with DETAIL */
int32_t num_typmod(arena_t *a, val_t *v, int32_t tm, helios_err_t *err);
void num_from_int(int64_t i, val_t *out);
int32_t num_from_float(arena_t *a, double d, int is4, val_t *out, helios_err_t *err);
/* numeric -> int2/int4/int8 (t), rounded half away from zero; 22003 / 0A000 (NaN, inf) */
int32_t num_to_int(const val_t *v, uint32_t t, int64_t *out, helios_err_t *err);
/* numeric -> float4/float8 (t); 22003 when out of range */
int32_t num_to_float(const val_t *v, uint32_t t, double *out, helios_err_t *err);
double num_val_double(const val_t *v); /* nearest double, no error (NaN, +-inf for specials) */
/* x op y for OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_POW with PostgreSQL's result scales;
   x, y numeric or integer; out in arena a */
int32_t num_binop(arena_t *a, uint32_t op, const val_t *x, const val_t *y, val_t *out,
                  helios_err_t *err);
int32_t num_neg(arena_t *a, const val_t *x, val_t *out);
int32_t num_abs(arena_t *a, const val_t *x, val_t *out);
/* round(x, places) / trunc(x, places) (places may be negative), ceil / floor, sign */
int32_t num_round(arena_t *a, const val_t *x, int64_t places, int trunc_, val_t *out,
                  helios_err_t *err);
int32_t num_ceil_floor(arena_t *a, const val_t *x, int ceil_, val_t *out, helios_err_t *err);
int32_t num_sign(const val_t *x, val_t *out);
/* fn: sqrt, exp, ln, log (y == NULL: base 10; else log(x base, y)), log10, power, pow, div */
int32_t num_math(arena_t *a, const char *fn, const val_t *x, const val_t *y, val_t *out,
                 helios_err_t *err);
/* exact sum accumulator for sum()/avg(): allocated in a (its GMP memory freed when a is reset
   or freed; NULL when out of memory); result: sum when count <= 0, else sum / count */
typedef struct num_acc num_acc_t;
num_acc_t *num_acc_new(arena_t *a);
void num_acc_add(num_acc_t *acc, const val_t *v);
void num_acc_add_i128(num_acc_t *acc, __int128 n, int scale);
int32_t num_acc_result(arena_t *a, num_acc_t *acc, int64_t count, val_t *out, helios_err_t *err);
/* stddev/variance over numeric (PostgreSQL's numeric_stddev_internal): acc2 holds the sum of
   squares (num_acc_add_sq); out NULL when n == 0 or (sample and n == 1) */
void num_acc_add_sq(num_acc_t *acc2, const val_t *v);
int32_t num_acc_stddev(arena_t *a, num_acc_t *acc, num_acc_t *acc2, int64_t n, int sample,
                       int variance, val_t *out, helios_err_t *err);
/* PostgreSQL's binary numeric (ndigits, weight, sign, dscale, base-10000 digits) */
void num_send_text(const char *s, size_t n, sbuf_t *b); /* from the text form */
int32_t num_recv(arena_t *a, const uint8_t *d, size_t n, val_t *out, helios_err_t *err);
/* storage: the row value (4-byte length, then the form; small values keep the historical 17
   bytes) and the order-preserving key (after the non-null tag; see types_num.c) */
void num_row_put(sbuf_t *b, const val_t *v);
int num_row_get(const uint8_t *p, uint32_t l, val_t *v); /* 0, or -1 when corrupt */
void num_key_encode(sbuf_t *b, const val_t *v);

#endif /* HELIOS_SQLINT_H */
