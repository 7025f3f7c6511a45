/* kernel/sql/exec_nl.c -- index nested-loop join (a P_JOIN with nl set, planned by
 * bind_from.c): for each row of the outer input p->l, the inner input p->r -- a P_SCAN of a
 * table whose primary-key (pk_eq) or secondary-index (use_idx / idx_eq) lookup expressions
 * read the outer row's columns -- is run once. The lookup goes through exec_scan, so it
 * reads exactly as a scan does (st_get / st_iter_open: the session's write set, then the
 * store at the statement's snapshot under READ COMMITTED, the transaction's under
 * REPEATABLE READ / SERIALIZABLE; SERIALIZABLE read tracking and FOR UPDATE locking
 * included). Inner (jtype 1) and left (jtype 2) joins; p->filter holds the conditions the
 * lookup does not enforce, evaluated over the joined row. */
#include "sql/sqlint.h"

int32_t exec_nl_join(exec_ctx_t *cx, plan_t *p, rowset_t *out)
{
    rowset_t l = {0};
    int32_t rc;
    if ((rc = exec_plan(cx, p->l, &l)) != 0) return rc;
    uint32_t d = p->depth, w = p->width;
    val_t *scratch = ar_alloc(cx->ar, sizeof(val_t) * (w ? w : 1));
    for (size_t li = 0; li < l.n; li++) {
        val_t *lrow = l.rows[li];
        rowset_t r = {0};
        cx->rows[d] = lrow; /* the lookup keys read the outer row */
        if ((rc = exec_plan(cx, p->r, &r)) != 0) return rc;
        int matched = 0;
        for (size_t ri = 0; ri < r.n; ri++) {
            memcpy(scratch, lrow, sizeof(val_t) * w);
            for (uint32_t s = 0; s < p->n_rslots; s++) {
                scratch[p->rslots[s]] = r.rows[ri][p->rslots[s]];
            }
            if (p->filter != NULL) {
                cx->rows[d] = scratch;
                int pass;
                if ((rc = eval_bool(cx, p->filter, &pass)) != 0) return rc;
                if (!pass) continue;
            }
            val_t *row = ar_alloc(cx->ar, sizeof(val_t) * (w ? w : 1));
            memcpy(row, scratch, sizeof(val_t) * w);
            matched = 1;
            rs_add(cx->ar, out, row);
        }
        if (!matched && p->jtype == 2) {
            val_t *row = ar_alloc(cx->ar, sizeof(val_t) * (w ? w : 1));
            memcpy(row, lrow, sizeof(val_t) * w);
            for (uint32_t s = 0; s < p->n_rslots; s++) {
                memset(&row[p->rslots[s]], 0, sizeof(val_t));
                row[p->rslots[s]].null = 1;
            }
            rs_add(cx->ar, out, row);
        }
        if ((li & 255) == 255 && (rc = exec_check_cancel(cx)) != 0) return rc;
    }
    return 0;
}
