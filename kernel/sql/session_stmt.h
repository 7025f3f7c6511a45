/* kernel/sql/session_stmt.h -- session-level utility statements (session_stmt.c), dispatched by
 * exec_utility (ddl.c). Each returns 0 or a SQLSTATE with err filled. */
#ifndef HELIOS_SQL_SESSION_STMT_H
#define HELIOS_SQL_SESSION_STMT_H

#include "sql/bind.h"

/* CREATE/ALTER/DROP USER|ROLE; sets *tag. */
int32_t sql_role_stmt(helios_session_t *s, pnode_t *n, const char **tag, helios_err_t *err);
/* BEGIN/START, COMMIT, ROLLBACK, SAVEPOINT, RELEASE, ROLLBACK TO; sets *tag. */
int32_t sql_txn_stmt(helios_session_t *s, PgQuery__TransactionStmt *ts, const helios_sink_t *sink,
                     const char **tag, helios_err_t *err);
/* SHOW name (ALL): one row per setting through the sink. */
int32_t sql_show_stmt(helios_session_t *s, const char *name, const helios_sink_t *sink,
                      helios_err_t *err);
/* SET / RESET / SET LOCAL. */
int32_t sql_set_stmt(helios_session_t *s, PgQuery__VariableSetStmt *vs, helios_err_t *err);

/* SQL-level PREPARE / EXECUTE / DEALLOCATE (session_prepare.c); each completes through sink */
int32_t sql_prepare_stmt(helios_session_t *s, stmt_plan_t *sp, const helios_sink_t *sink,
                         helios_err_t *err);
int32_t sql_execute_stmt(helios_session_t *s, stmt_plan_t *sp, const helios_sink_t *sink,
                         uint64_t max_rows, helios_err_t *err);
int32_t sql_deallocate_stmt(helios_session_t *s, stmt_plan_t *sp, const helios_sink_t *sink,
                            helios_err_t *err);
named_stmt_t *sess_find_named(helios_session_t *s, const char *name);
/* what session_prepare.c needs of session.c */
int32_t sess_stmt_prepare(helios_session_t *s, const char *sql, uint32_t len, uint32_t n_types,
                          const uint32_t *param_types, helios_stmt_t **out, helios_err_t *err);
void sess_stmt_close(helios_stmt_t *st);
/* run a bound SELECT into out (a's arena), outside the session's statement arena */
int32_t sess_run_plan(helios_session_t *s, stmt_plan_t *sp, arena_t *a, rowset_t *out,
                      helios_err_t *err);
/* re-bind statement i of cq after DDL */
int32_t sess_rebind(helios_session_t *s, cached_q_t *cq, uint32_t i, helios_err_t *err);

#endif
