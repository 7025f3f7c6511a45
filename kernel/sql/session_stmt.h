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

#endif
