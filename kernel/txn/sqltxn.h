/*
 * kernel/txn/sqltxn.h -- what the SQL engine (kernel/sql) calls for transactions: row locks
 * with the session's lock_timeout / statement_timeout / cancel, reads of the newest committed
 * version after a lock, savepoints, SERIALIZABLE bookkeeping around commit.
 * Built into helios_sql (it uses kernel/sql internals); the session's thread calls it.
 */
#ifndef HELIOS_SQLTXN_H
#define HELIOS_SQLTXN_H

#include "sql/sqlint.h"
#include "txn/txn.h"

/* engine open/close and session open/close */
int32_t stx_engine_open(helios_engine_t *eng, helios_err_t *err);
void stx_engine_close(helios_engine_t *eng);
int32_t stx_session_open(helios_session_t *s, helios_err_t *err);
void stx_session_close(helios_session_t *s);

/* statement start: arms statement_timeout; called by txn_begin_stmt. For SERIALIZABLE,
   stx_ser_before_snapshot / stx_ser_snapshot bracket the transaction's snapshot. */
void stx_stmt_start(helios_session_t *s);
void stx_ser_before_snapshot(helios_session_t *s);
/* check_deadline: 57014 once statement_timeout has passed (exec_check_cancel calls it). */
int32_t stx_check_deadline(exec_ctx_t *cx);
void stx_ser_snapshot(helios_session_t *s, helios_seq_t snap);

/* has_savepoints: 1 while the transaction block has a savepoint to roll back to */
uint32_t stx_has_savepoints(helios_session_t *s);

/* stmts_in_txn: statements run since the transaction began (SET TRANSACTION must come first) */
uint32_t stx_stmts_in_txn(helios_session_t *s);

/* ddl_wait: around the DDL's wait for the catalog write lock (see helios_txn_set_ddl_wait) */
void stx_ddl_wait(helios_session_t *s, uint32_t on);

/* lock (tree, key) for the current transaction: mode HELIOS_LOCK_*, wait HELIOS_LOCK_WAIT,
   NOWAIT or SKIP (HELIOS_AGAIN). `t` names the relation in messages. */
int32_t stx_lock(exec_ctx_t *cx, table_t *t, uint32_t tree, const void *key, uint32_t klen,
                 uint32_t mode, uint32_t wait);
/* get_latest: the transaction's own write, else the newest committed version (not the
   snapshot): what a writer holding the key's lock must check. */
int32_t stx_get_latest(exec_ctx_t *cx, uint32_t tree, const void *key, uint32_t klen,
                       helios_buf_t *val, uint32_t *found);
/* row_changed: after locking row `key` of `t` that the statement read at its snapshot: sets
   *changed when a newer committed version exists (then latest and found describe it). Rows
   the transaction wrote itself are never changed. */
int32_t stx_row_changed(exec_ctx_t *cx, table_t *t, const void *key, uint32_t klen,
                        helios_buf_t *latest, uint32_t *found, int *changed);

/* reads, for SERIALIZABLE (no-ops otherwise) */
void stx_read_key(exec_ctx_t *cx, uint32_t tree, const void *key, uint32_t klen);
void stx_read_range(exec_ctx_t *cx, uint32_t tree, const void *lo, uint32_t lolen,
                    const void *hi, uint32_t hilen, uint32_t hi_incl);

/* commit: prepare (validate and register the write set) before the WAL write, finish after
   (written 0/1 and its sequence number); end releases locks and savepoints (commit and
   rollback). */
int32_t stx_commit_prepare(helios_session_t *s, helios_err_t *err);
void stx_commit_finish(helios_session_t *s, uint32_t written, helios_seq_t seq);
void stx_end(helios_session_t *s);

/* savepoints (inside a transaction block) */
int32_t stx_savepoint(helios_session_t *s, const char *name, helios_err_t *err);
int32_t stx_rollback_to(helios_session_t *s, const char *name, helios_err_t *err);
int32_t stx_release(helios_session_t *s, const char *name, helios_err_t *err);

/* foreign keys (fk.c). open: load the definitions (after the catalog is open). create: the
   FOREIGN KEY / REFERENCES constraints of CREATE TABLE `t` (its oid set), persisted into `b`
   with the table; *mark lets create_failed forget them if the batch is not committed.
   drop_table: 2BP01 while another table references `t`; else its own constraints go into
   `b`. on_write: for a row of `t` being inserted (oldrow NULL), updated, or deleted (newrow
   NULL): check referenced rows and apply referential actions on referencing rows. */
int32_t stx_fk_open(helios_engine_t *eng, helios_err_t *err);
void stx_fk_close(helios_engine_t *eng);
int32_t stx_fk_create(helios_session_t *s, table_t *t, PgQuery__CreateStmt *cs,
                      helios_wbatch_t *b, uint32_t *mark, helios_err_t *err);
void stx_fk_create_failed(helios_session_t *s, uint32_t mark);
int32_t stx_fk_drop_table(helios_session_t *s, table_t *t, helios_wbatch_t *b, helios_err_t *err);
/* ALTER TABLE ADD FOREIGN KEY: validates the existing rows (23503) and persists it */
int32_t stx_fk_add(helios_session_t *s, table_t *t, PgQuery__Constraint *co, helios_err_t *err);
int32_t stx_fk_on_write(exec_ctx_t *cx, table_t *t, const val_t *oldrow, const val_t *newrow);

/* foreign keys for the catalog views: count, the i-th (0-based; 0 past the end), and
   pg_get_constraintdef's text for constraint `id` (0 if unknown). pg_constraint shows a
   foreign key with oid STX_FK_OID_BASE + id. Read under the catalog lock. */
#define STX_FK_OID_BASE 0x30000000u
typedef struct stx_fk_info {
    uint32_t id;
    const char *name;
    uint32_t child_oid, parent_oid;
    uint32_t n;
    uint32_t ccols[16], pcols[16];
    char on_del, on_upd; /* a, r, c, n, d as in pg_constraint.confdeltype */
} stx_fk_info_t;
uint32_t stx_fk_count(helios_engine_t *eng);
int stx_fk_info(helios_engine_t *eng, uint32_t i, stx_fk_info_t *out);
int stx_fk_def_text(helios_engine_t *eng, uint32_t id, sbuf_t *out);

#endif /* HELIOS_SQLTXN_H */
