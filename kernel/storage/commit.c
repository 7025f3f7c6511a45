/*
 * commit.c -- write batches, the commit path (group commit through one leader), tree DDL,
 * and applying WAL records to memtables (commits and recovery).
 *
 * Writers queue; the writer at the head becomes the leader, takes the writers queued behind it
 * as its group, checks them (trees exist, first-committer-wins conflicts), appends one WAL
 * record per batch with one write and one fsync for the whole group, inserts into the
 * memtables, publishes the new last_seq and wakes the group. Each batch gets consecutive
 * sequence numbers; its commit seq is its last one, so a snapshot taken from last_seq always
 * falls on a batch boundary.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "storage/db.h"

#define WB_PUT HELIOS_ENT_PUT
#define WB_DEL HELIOS_ENT_DEL
#define WAL_KIND_BATCH 1u
#define WAL_KIND_CREATE 2u
#define WAL_KIND_DROP 3u
#define WAL_KIND_ALTER 4u
#define LSM_GROUP_BYTES (4u << 20)

/* ---- write batches: entries [type u8][tree u32][klen varint][key]([vlen varint][val]) ---- */

struct helios_wbatch {
    helios_buf_t rep;
    uint32_t count;
};

helios_wbatch_t *helios_wbatch_new(void)
{
    return calloc(1, sizeof(helios_wbatch_t));
}

void helios_wbatch_free(helios_wbatch_t *b)
{
    if (b != NULL) {
        helios_buf_free(&b->rep);
        free(b);
    }
}

void helios_wbatch_clear(helios_wbatch_t *b)
{
    b->rep.len = 0;
    b->count = 0;
}

static int32_t wbatch_add(helios_wbatch_t *b, uint32_t type, uint32_t tree_id, const void *key,
                          uint32_t klen, const void *val, uint32_t vlen)
{
    if (helios_buf_reserve(&b->rep, 1 + 4 + 10 + klen + 10 + vlen) != 0) {
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    uint8_t *p = b->rep.data + b->rep.len;
    *p++ = (uint8_t)type;
    helios_put_u32(p, tree_id);
    p += 4;
    p += helios_put_varint(p, klen);
    if (klen > 0) {
        memcpy(p, key, klen);
    }
    p += klen;
    if (type == WB_PUT) {
        p += helios_put_varint(p, vlen);
        if (vlen > 0) {
            memcpy(p, val, vlen);
        }
        p += vlen;
    }
    b->rep.len = (size_t)(p - b->rep.data);
    b->count++;
    return 0;
}

int32_t helios_wbatch_put(helios_wbatch_t *b, uint32_t tree_id, const void *key, uint32_t klen,
                          const void *val, uint32_t vlen)
{
    return wbatch_add(b, WB_PUT, tree_id, key, klen, val, vlen);
}

int32_t helios_wbatch_del(helios_wbatch_t *b, uint32_t tree_id, const void *key, uint32_t klen)
{
    return wbatch_add(b, WB_DEL, tree_id, key, klen, NULL, 0);
}

uint32_t helios_wbatch_count(const helios_wbatch_t *b)
{
    return b->count;
}

typedef struct wb_ent {
    uint32_t type, tree;
    const uint8_t *key, *val;
    uint32_t klen, vlen;
} wb_ent_t;

/* Decode the entry at *p; returns 0 on success, advancing *p. */
static int wb_next(const uint8_t **p, const uint8_t *end, wb_ent_t *e)
{
    const uint8_t *q = *p;
    if (end - q < 5) {
        return -1;
    }
    e->type = q[0];
    e->tree = helios_get_u32(q + 1);
    q += 5;
    uint64_t kl, vl = 0;
    uint32_t n = helios_get_varint(q, end, &kl);
    if (n == 0 || (uint64_t)(end - q - n) < kl) {
        return -1;
    }
    q += n;
    e->key = q;
    e->klen = (uint32_t)kl;
    q += kl;
    e->val = NULL;
    e->vlen = 0;
    if (e->type == WB_PUT) {
        n = helios_get_varint(q, end, &vl);
        if (n == 0 || (uint64_t)(end - q - n) < vl) {
            return -1;
        }
        q += n;
        e->val = q;
        e->vlen = (uint32_t)vl;
        q += vl;
    } else if (e->type != WB_DEL) {
        return -1;
    }
    *p = q;
    return 0;
}

/* Switch the tree's memtable (caller holds lead_mu). Returns 0, or 53200. */
int32_t lsm_tree_switch_mem(helios_lsm_t *db, lsm_tree_t *t)
{
    helios_mem_t *nm = helios_mem_new();
    if (nm == NULL) {
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    pthread_mutex_lock(&t->mu);
    lsm_view_t *o = t->view;
    int32_t rc = 0;
    if (helios_mem_count(o->mem) == 0 || o->n_imm >= LSM_MAX_IMM) {
        pthread_mutex_unlock(&t->mu);
        helios_mem_unref(nm);
        return 0; /* nothing to switch, or the pacer will wait for the flusher */
    }
    helios_mem_t *imm[LSM_MAX_IMM];
    memcpy(imm, o->imm, o->n_imm * sizeof(*imm));
    imm[o->n_imm] = o->mem;
    lsm_view_t *v = lsm_view_make(nm, imm, o->n_imm + 1, o->runs, o->n_runs);
    if (v == NULL) {
        rc = HELIOS_ERR_OUT_OF_MEMORY;
    } else {
        lsm_view_install(t, v);
        t->active = nm; /* the view holds it */
    }
    pthread_mutex_unlock(&t->mu);
    helios_mem_unref(nm);
    if (rc == 0) {
        lsm_bg_kick(db, 1, 0);
    }
    return rc;
}

/* ---- applying records (the leader, or recovery) ---- */

typedef struct tree_cache {
    lsm_tree_t *t[8];
    uint32_t n;
} tree_cache_t;

static lsm_tree_t *tc_get(helios_lsm_t *db, tree_cache_t *c, uint32_t id)
{
    for (uint32_t i = 0; i < c->n; i++) {
        if (c->t[i]->id == id) {
            return c->t[i];
        }
    }
    lsm_tree_t *t = lsm_tree_get(db, id);
    if (t == NULL) {
        return NULL;
    }
    if (c->n == 8) {
        lsm_tree_unref(c->t[0]);
        memmove(c->t, c->t + 1, 7 * sizeof(c->t[0]));
        c->n = 7;
    }
    c->t[c->n++] = t;
    return t;
}

static void tc_release(tree_cache_t *c)
{
    for (uint32_t i = 0; i < c->n; i++) {
        lsm_tree_unref(c->t[i]);
    }
    c->n = 0;
}

/* Insert batch entries at seq..; during recovery entries of trees that do not want them
   (dropped, created later, already flushed) are skipped. */
static int32_t apply_batch(helios_lsm_t *db, tree_cache_t *tc, const uint8_t *rep, size_t len,
                           uint64_t seq, int recovering, helios_err_t *err)
{
    const uint8_t *p = rep, *end = rep + len;
    while (p < end) {
        wb_ent_t e;
        if (wb_next(&p, end, &e) != 0) {
            return helios_storage_err_set(err, HELIOS_ERR_WAL_CORRUPTED,
                                          "malformed write batch at sequence %" PRIu64, seq);
        }
        lsm_tree_t *t = tc_get(db, tc, e.tree);
        if (t != NULL && (!recovering || (seq > t->create_seq && seq > t->flushed_seq))) {
            /* the view's memtable only changes under lead_mu, which we hold */
            int32_t rc = helios_mem_add(t->active, seq, e.type, e.key, e.klen, e.val, e.vlen);
            if (rc != 0) {
                return helios_storage_err_set(err, rc, "out of memory");
            }
        }
        seq++;
    }
    return 0;
}

static int32_t decode_schema(const uint8_t *p, const uint8_t *end, helios_tree_schema_t *s,
                             uint32_t *types, uint32_t max_types)
{
    if (end - p < 8) {
        return -1;
    }
    s->kind = helios_get_u32(p);
    s->n_cols = helios_get_u32(p + 4);
    p += 8;
    if (s->n_cols > max_types || (size_t)(end - p) < 4u * s->n_cols) {
        return -1;
    }
    for (uint32_t i = 0; i < s->n_cols; i++) {
        types[i] = helios_get_u32(p + 4 * i);
    }
    s->col_phys_types = types;
    return 0;
}

static int32_t apply_ddl(helios_lsm_t *db, const uint8_t *pl, uint32_t len, uint64_t seq,
                         int recovering, helios_err_t *err)
{
    if (len < 5) {
        goto bad;
    }
    uint32_t kind = pl[0];
    uint32_t id = helios_get_u32(pl + 1);
    lsm_tree_t *t = lsm_tree_get(db, id);
    int32_t rc = 0;
    if (kind == WAL_KIND_CREATE || kind == WAL_KIND_ALTER) {
        uint32_t types[1024];
        helios_tree_schema_t s;
        if (decode_schema(pl + 5, pl + len, &s, types, 1024) != 0) {
            lsm_tree_unref(t);
            goto bad;
        }
        if (kind == WAL_KIND_CREATE) {
            if (t != NULL) {
                lsm_tree_unref(t); /* recovery: the manifest already has it */
                return 0;
            }
            t = lsm_tree_new(id, &s);
            if (t == NULL) {
                return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            }
            t->create_seq = t->schema_seq = t->flushed_seq = seq;
            pthread_rwlock_wrlock(&db->trees_lock);
            rc = lsm_tree_insert(db, t);
            pthread_rwlock_unlock(&db->trees_lock);
            if (rc != 0) {
                lsm_tree_unref(t);
                return helios_storage_err_set(err, rc, "out of memory");
            }
            return 0;
        }
        if (t == NULL || (recovering && (seq <= t->schema_seq || seq <= t->create_seq))) {
            lsm_tree_unref(t);
            return 0;
        }
        uint32_t *nt = s.n_cols ? malloc(s.n_cols * sizeof(uint32_t)) : NULL;
        if (s.n_cols && nt == NULL) {
            lsm_tree_unref(t);
            return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        }
        if (s.n_cols) {
            memcpy(nt, types, s.n_cols * sizeof(uint32_t));
        }
        pthread_mutex_lock(&t->mu);
        free((void *)t->schema.col_phys_types);
        t->schema.kind = s.kind;
        t->schema.n_cols = s.n_cols;
        t->schema.col_phys_types = nt;
        t->schema_seq = seq;
        pthread_mutex_unlock(&t->mu);
        lsm_tree_unref(t);
        return 0;
    }
    if (kind == WAL_KIND_DROP) {
        if (t == NULL || (recovering && seq <= t->create_seq)) {
            lsm_tree_unref(t);
            return 0;
        }
        pthread_rwlock_wrlock(&db->trees_lock);
        lsm_tree_remove(db, id);
        pthread_rwlock_unlock(&db->trees_lock);
        pthread_mutex_lock(&t->mu);
        t->dropped = 1;
        /* the files go once a manifest without this tree is durable (manifest.c) */
        pthread_mutex_lock(&db->dead_mu);
        for (uint32_t i = 0; i < t->view->n_runs; i++) {
            if (db->n_dead == db->cap_dead) {
                uint32_t cap = db->cap_dead ? db->cap_dead * 2 : 16;
                helios_sst_t **nd = realloc(db->dead, cap * sizeof(*nd));
                if (nd == NULL) {
                    break; /* the file stays; the next open deletes it as an orphan */
                }
                db->dead = nd;
                db->cap_dead = cap;
            }
            helios_sst_ref(t->view->runs[i]);
            db->dead[db->n_dead++] = t->view->runs[i];
        }
        pthread_mutex_unlock(&db->dead_mu);
        pthread_mutex_unlock(&t->mu);
        lsm_tree_unref(t); /* the table's reference */
        lsm_tree_unref(t); /* ours */
        return 0;
    }
    lsm_tree_unref(t);
bad:
    return helios_storage_err_set(err, HELIOS_ERR_WAL_CORRUPTED,
                                  "malformed tree record at sequence %" PRIu64, seq);
}

int32_t lsm_replay_cb(void *arg, uint64_t seq, uint32_t count, const uint8_t *payload, uint32_t len,
                      helios_err_t *err)
{
    helios_lsm_t *db = arg;
    if (len < 1) {
        return helios_storage_err_set(err, HELIOS_ERR_WAL_CORRUPTED,
                                      "empty WAL record at sequence %" PRIu64, seq);
    }
    int32_t rc;
    if (payload[0] == WAL_KIND_BATCH) {
        tree_cache_t tc = {.n = 0};
        rc = apply_batch(db, &tc, payload + 1, len - 1, seq, 1, err);
        tc_release(&tc);
    } else {
        rc = apply_ddl(db, payload, len, seq, 1, err);
    }
    return rc;
}

/* ---- the commit path ---- */

#define LW_BATCH 1u
#define LW_DDL 2u
#define LW_BARRIER 3u /* run `fn` in the leader section (memtable switches) */

struct lsm_writer {
    lsm_writer_t *next;
    uint32_t kind;
    uint32_t done;
    helios_wbatch_t *b;
    const helios_write_opts_t *opts;
    const uint8_t *ddl;
    uint32_t ddl_len;
    int32_t status;
    uint64_t seq;
    int32_t (*fn)(helios_lsm_t *db, void *arg, helios_err_t *err);
    void *fn_arg;
    helios_err_t *err;
    pthread_cond_t cv;
    uint32_t encoded;
};

/* Newest committed seq of (tree, key) across the tree's view; 0 when none. */
static int32_t newest_seq(helios_lsm_t *db, lsm_tree_t *t, const uint8_t *k, uint32_t klen,
                          uint64_t *out, helios_err_t *err)
{
    lsm_view_t *v = lsm_view_get(t);
    helios_entry_t e;
    int32_t rc = 0;
    *out = 0;
    if (helios_mem_get(v->mem, k, klen, HELIOS_SEQ_MAX, &e)) {
        *out = e.seq;
        goto done;
    }
    for (uint32_t i = v->n_imm; i-- > 0;) {
        if (helios_mem_get(v->imm[i], k, klen, HELIOS_SEQ_MAX, &e)) {
            *out = e.seq;
            goto done;
        }
    }
    uint64_t h = helios_hash64(k, klen);
    for (uint32_t i = 0; i < v->n_runs; i++) {
        uint32_t found = 0, type = 0;
        uint64_t seq = 0;
        rc = helios_sst_get(v->runs[i], k, klen, h, HELIOS_SEQ_MAX, &found, &type, &seq, NULL, NULL,
                            err);
        if (rc != 0 || found) {
            *out = seq;
            goto done;
        }
    }
done:
    lsm_view_unref(v);
    return rc;
}

static int batch_writes_key(const helios_wbatch_t *b, uint32_t tree, const uint8_t *k,
                            uint32_t klen)
{
    const uint8_t *p = b->rep.data, *end = p + b->rep.len;
    wb_ent_t e;
    while (p < end && wb_next(&p, end, &e) == 0) {
        if (e.tree == tree && helios_ukey_cmp(e.key, e.klen, k, klen) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Check one batch: trees exist; conflicts against committed data and earlier group members. */
static int32_t check_batch(helios_lsm_t *db, tree_cache_t *tc, lsm_writer_t *group, lsm_writer_t *w,
                           helios_err_t *err)
{
    const helios_wbatch_t *b = w->b;
    uint64_t cseq = w->opts != NULL ? w->opts->conflict_seq : 0;
    const uint8_t *p = b->rep.data, *end = p + b->rep.len;
    wb_ent_t e;
    while (p < end) {
        if (wb_next(&p, end, &e) != 0) {
            return helios_storage_err_set(err, HELIOS_ERR_INTERNAL_ERROR, "malformed batch");
        }
        lsm_tree_t *t = tc_get(db, tc, e.tree);
        if (t == NULL) {
            return helios_storage_err_set(err, HELIOS_ERR_UNDEFINED_TABLE, "tree %u does not exist",
                                          e.tree);
        }
        if (cseq == 0) {
            continue;
        }
        uint64_t s = 0;
        int32_t rc = newest_seq(db, t, e.key, e.klen, &s, err);
        if (rc != 0) {
            return rc;
        }
        int conflict = s > cseq;
        for (lsm_writer_t *o = group; !conflict && o != w; o = o->next) {
            conflict =
                o->kind == LW_BATCH && o->encoded && batch_writes_key(o->b, e.tree, e.key, e.klen);
        }
        if (conflict) {
            return helios_storage_err_set(err, HELIOS_ERR_SERIALIZATION_FAILURE,
                                          "could not serialize access due to concurrent update");
        }
    }
    return 0;
}

static int32_t encode_record(helios_lsm_t *db, uint32_t kind_byte, const uint8_t *body, size_t blen,
                             uint32_t count)
{
    helios_buf_t *wb = &db->wal_buf;
    if (db->next_seq >= HELIOS_WAL_SEQ_LIMIT || count > HELIOS_WAL_SEQ_LIMIT - db->next_seq) {
        return HELIOS_ERR_PROGRAM_LIMIT_EXCEEDED; /* the WAL reader refuses seqs >= 2^56 */
    }
    if (helios_buf_reserve(wb, HELIOS_WAL_HDR + 1 + blen) != 0) {
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    uint8_t *hdr = wb->data + wb->len;
    uint8_t *pl = hdr + HELIOS_WAL_HDR;
    uint32_t plen = (uint32_t)blen;
    if (kind_byte != 0) {
        pl[0] = (uint8_t)kind_byte;
        memcpy(pl + 1, body, blen);
        plen++;
    } else {
        memcpy(pl, body, blen);
    }
    helios_wal_encode_hdr(hdr, db->next_seq, count, pl, plen);
    wb->len += HELIOS_WAL_HDR + plen;
    return 0;
}

static int32_t encode_err(helios_err_t *err, int32_t rc)
{
    if (rc == HELIOS_ERR_PROGRAM_LIMIT_EXCEEDED) {
        return helios_storage_err_set(err, rc,
                                      "commit sequence numbers are exhausted (limit 2^56)");
    }
    return helios_storage_err_set(err, rc, "out of memory");
}

static void set_member_err(lsm_writer_t *w, int32_t rc, const helios_err_t *e)
{
    w->status = rc;
    if (w->err != NULL) {
        if (e != NULL && e->code == rc) {
            helios_storage_err_copy(w->err, e);
        } else {
            helios_storage_err_set(w->err, rc, "write failed");
        }
    }
}

static void lead_group(helios_lsm_t *db, lsm_writer_t *group, lsm_writer_t *last)
{
    tree_cache_t tc = {.n = 0};
    helios_err_t e = HELIOS_ERR_INIT;
    db->wal_buf.len = 0;
    uint64_t first = db->next_seq;
    int all_no_sync = 1;
    uint32_t n_encoded = 0;
    for (lsm_writer_t *w = group;; w = w->next) {
        w->encoded = 0;
        w->status = 0;
        if (w->kind == LW_BATCH) {
            if (w->b->count == 0) {
                w->seq = db->next_seq - 1;
            } else {
                int32_t rc = check_batch(db, &tc, group, w, &e);
                if (rc == 0) {
                    rc = encode_record(db, WAL_KIND_BATCH, w->b->rep.data, w->b->rep.len,
                                       w->b->count);
                    if (rc != 0) {
                        encode_err(&e, rc);
                    }
                }
                if (rc != 0) {
                    set_member_err(w, rc, &e);
                } else {
                    w->encoded = 1;
                    n_encoded++;
                    db->next_seq += w->b->count;
                    w->seq = db->next_seq - 1;
                    if (!(db->o.no_sync || (w->opts != NULL && w->opts->no_sync))) {
                        all_no_sync = 0;
                    }
                }
            }
        } else if (w->kind == LW_DDL) {
            int32_t rc = encode_record(db, 0, w->ddl, w->ddl_len, 1);
            if (rc != 0) {
                encode_err(&e, rc);
                set_member_err(w, rc, &e);
            } else {
                w->encoded = 1;
                n_encoded++;
                w->seq = db->next_seq++;
                all_no_sync = db->o.no_sync ? all_no_sync : 0;
            }
        }
        if (w == last) {
            break;
        }
    }
    if (n_encoded > 0) {
        int32_t rc = helios_wal_write(db->wal, db->wal_buf.data, db->wal_buf.len, first,
                                      db->next_seq - 1, all_no_sync, &e);
        if (rc != 0) {
            db->next_seq = first;
            for (lsm_writer_t *w = group;; w = w->next) {
                if (w->encoded) {
                    w->encoded = 0;
                    set_member_err(w, rc, &e);
                }
                if (w == last) {
                    break;
                }
            }
            n_encoded = 0;
        }
    }
    if (n_encoded > 0) {
        for (lsm_writer_t *w = group;; w = w->next) {
            if (w->encoded) {
                int32_t rc;
                if (w->kind == LW_BATCH) {
                    rc = apply_batch(db, &tc, w->b->rep.data, w->b->rep.len,
                                     w->seq + 1 - w->b->count, 0, &e);
                } else {
                    tc_release(&tc); /* DDL changes the tree table */
                    rc = apply_ddl(db, w->ddl, w->ddl_len, w->seq, 0, &e);
                }
                if (rc != 0) {
                    /* durable in the WAL but not applied: memory is exhausted; recovery will
                       apply it. Report it; later reads may miss it until restart. */
                    set_member_err(w, rc, &e);
                }
            }
            if (w == last) {
                break;
            }
        }
        atomic_store_explicit(&db->last_seq, db->next_seq - 1, memory_order_release);
        atomic_fetch_add(&db->commits, n_encoded);
        /* switch memtables that grew past their size */
        for (uint32_t i = 0; i < tc.n; i++) {
            if (helios_mem_bytes(tc.t[i]->active) >= db->o.memtable_bytes) {
                lsm_tree_switch_mem(db, tc.t[i]);
            }
        }
    }
    /* barriers run last, in the leader section */
    for (lsm_writer_t *w = group;; w = w->next) {
        if (w->kind == LW_BARRIER) {
            w->status = w->fn(db, w->fn_arg, w->err);
        }
        if (w == last) {
            break;
        }
    }
    tc_release(&tc);
}

static void pace_group(helios_lsm_t *db, lsm_writer_t *group, lsm_writer_t *last)
{
    tree_cache_t tc = {.n = 0};
    for (lsm_writer_t *w = group;; w = w->next) {
        if (w->kind == LW_BATCH && w->b->count > 0) {
            const uint8_t *p = w->b->rep.data, *end = p + w->b->rep.len;
            wb_ent_t e;
            if (wb_next(&p, end, &e) == 0) {
                lsm_tree_t *t = tc_get(db, &tc, e.tree);
                if (t != NULL) {
                    lsm_write_pace(db, t);
                }
            }
        }
        if (w == last) {
            break;
        }
    }
    tc_release(&tc);
}

static int32_t run_writer(helios_lsm_t *db, lsm_writer_t *w)
{
    pthread_cond_init(&w->cv, NULL);
    w->next = NULL;
    w->done = 0;
    pthread_mutex_lock(&db->wq_mu);
    if (db->wq_tail != NULL) {
        db->wq_tail->next = w;
    } else {
        db->wq_head = w;
    }
    db->wq_tail = w;
    while (!w->done && db->wq_head != w) {
        pthread_cond_wait(&w->cv, &db->wq_mu);
    }
    if (w->done) {
        pthread_mutex_unlock(&db->wq_mu);
        pthread_cond_destroy(&w->cv);
        return w->status;
    }
    /* leader: take the queue up to a size limit */
    lsm_writer_t *last = w;
    size_t bytes = w->kind == LW_BATCH ? w->b->rep.len : 0;
    while (last->next != NULL) {
        lsm_writer_t *n = last->next;
        size_t nb = n->kind == LW_BATCH ? n->b->rep.len : 0;
        if (bytes + nb > LSM_GROUP_BYTES) {
            break;
        }
        bytes += nb;
        last = n;
    }
    pthread_mutex_unlock(&db->wq_mu);

    pthread_mutex_lock(&db->lead_mu);
    pace_group(db, w, last);
    lead_group(db, w, last);
    pthread_mutex_unlock(&db->lead_mu);

    pthread_mutex_lock(&db->wq_mu);
    lsm_writer_t *next = last->next;
    for (lsm_writer_t *o = w; o != last;) {
        lsm_writer_t *n = o->next;
        if (n != NULL) {
            n->done = 1;
            pthread_cond_signal(&n->cv);
        }
        o = n;
    }
    db->wq_head = next;
    if (db->wq_head == NULL) {
        db->wq_tail = NULL;
    } else {
        pthread_cond_signal(&db->wq_head->cv);
    }
    pthread_mutex_unlock(&db->wq_mu);
    pthread_cond_destroy(&w->cv);
    return w->status;
}

int32_t helios_lsm_write(helios_lsm_t *db, helios_wbatch_t *b, const helios_write_opts_t *opts,
                         helios_seq_t *seq, helios_err_t *err)
{
    lsm_writer_t w;
    memset(&w, 0, sizeof(w));
    w.kind = LW_BATCH;
    w.b = b;
    w.opts = opts;
    w.err = err;
    int32_t rc = run_writer(db, &w);
    if (rc == 0 && seq != NULL) {
        *seq = w.seq;
    }
    return rc;
}

/* Run fn inside the leader section, ordered with commits. */
int32_t lsm_run_barrier(helios_lsm_t *db, lsm_barrier_fn fn, void *arg, helios_err_t *err)
{
    lsm_writer_t w;
    memset(&w, 0, sizeof(w));
    w.kind = LW_BARRIER;
    w.fn = fn;
    w.fn_arg = arg;
    w.err = err;
    return run_writer(db, &w);
}

/* ---- DDL ---- */

static int32_t ddl_write(helios_lsm_t *db, const uint8_t *rec, uint32_t len, helios_err_t *err)
{
    lsm_writer_t w;
    memset(&w, 0, sizeof(w));
    w.kind = LW_DDL;
    w.ddl = rec;
    w.ddl_len = len;
    w.err = err;
    int32_t rc = run_writer(db, &w);
    if (rc != 0) {
        return rc;
    }
    /* the WAL has it; record it in the manifest too (retried by the next flush if this
       fails, and the WAL keeps it until then) */
    helios_err_t e2 = HELIOS_ERR_INIT;
    pthread_mutex_lock(&db->man_mu);
    lsm_manifest_write(db, NULL, NULL, 0, 0, &e2);
    pthread_mutex_unlock(&db->man_mu);
    return 0;
}

static int32_t schema_check(const helios_tree_schema_t *s, helios_err_t *err)
{
    if (s == NULL || (s->kind != HELIOS_TREE_KV && s->kind != HELIOS_TREE_ROWS)) {
        return helios_storage_err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE, "invalid tree kind");
    }
    if (s->kind == HELIOS_TREE_ROWS) {
        if (s->n_cols > 1024 || (s->n_cols > 0 && s->col_phys_types == NULL)) {
            return helios_storage_err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                          "invalid column list for a rows tree");
        }
        for (uint32_t i = 0; i < s->n_cols; i++) {
            if (s->col_phys_types[i] < HELIOS_PT_BOOL || s->col_phys_types[i] > HELIOS_PT_FIXED16) {
                return helios_storage_err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                              "invalid physical type %u for column %u",
                                              s->col_phys_types[i], i);
            }
        }
    }
    return 0;
}

static int32_t ddl_schema(helios_lsm_t *db, uint32_t kind, uint32_t tree_id,
                          const helios_tree_schema_t *s, helios_err_t *err)
{
    uint32_t n = s->kind == HELIOS_TREE_ROWS ? s->n_cols : 0;
    uint32_t len = 1 + 4 + 8 + 4 * n;
    uint8_t *rec = malloc(len);
    if (rec == NULL) {
        return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    rec[0] = (uint8_t)kind;
    helios_put_u32(rec + 1, tree_id);
    helios_put_u32(rec + 5, s->kind);
    helios_put_u32(rec + 9, n);
    for (uint32_t i = 0; i < n; i++) {
        helios_put_u32(rec + 13 + 4 * i, s->col_phys_types[i]);
    }
    int32_t rc = ddl_write(db, rec, len, err);
    free(rec);
    return rc;
}

int32_t helios_lsm_tree_create(helios_lsm_t *db, uint32_t tree_id, const helios_tree_schema_t *s,
                               helios_err_t *err)
{
    int32_t rc = schema_check(s, err);
    if (rc != 0) {
        return rc;
    }
    if (tree_id == 0) {
        return helios_storage_err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                      "tree id must be positive");
    }
    /* DDL on one id is serialised by the caller (the catalog); the leader re-checks */
    lsm_tree_t *t = lsm_tree_get(db, tree_id);
    if (t != NULL) {
        lsm_tree_unref(t);
        return helios_storage_err_set(err, HELIOS_ERR_DUPLICATE_TABLE, "tree %u already exists",
                                      tree_id);
    }
    return ddl_schema(db, WAL_KIND_CREATE, tree_id, s, err);
}

int32_t helios_lsm_tree_alter(helios_lsm_t *db, uint32_t tree_id, const helios_tree_schema_t *s,
                              helios_err_t *err)
{
    int32_t rc = schema_check(s, err);
    if (rc != 0) {
        return rc;
    }
    lsm_tree_t *t = lsm_tree_get(db, tree_id);
    if (t == NULL) {
        return helios_storage_err_set(err, HELIOS_ERR_UNDEFINED_TABLE, "tree %u does not exist",
                                      tree_id);
    }
    pthread_mutex_lock(&t->mu);
    int bad = t->schema.kind != s->kind;
    for (uint32_t i = 0; !bad && s->kind == HELIOS_TREE_ROWS && i < t->schema.n_cols; i++) {
        bad = i >= s->n_cols || s->col_phys_types[i] != t->schema.col_phys_types[i];
    }
    pthread_mutex_unlock(&t->mu);
    lsm_tree_unref(t);
    if (bad) {
        return helios_storage_err_set(err, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                                      "tree %u: columns may only be appended", tree_id);
    }
    return ddl_schema(db, WAL_KIND_ALTER, tree_id, s, err);
}

int32_t helios_lsm_tree_drop(helios_lsm_t *db, uint32_t tree_id, helios_err_t *err)
{
    lsm_tree_t *t = lsm_tree_get(db, tree_id);
    if (t == NULL) {
        return helios_storage_err_set(err, HELIOS_ERR_UNDEFINED_TABLE, "tree %u does not exist",
                                      tree_id);
    }
    lsm_tree_unref(t);
    uint8_t rec[5];
    rec[0] = WAL_KIND_DROP;
    helios_put_u32(rec + 1, tree_id);
    return ddl_write(db, rec, sizeof(rec), err);
}

uint32_t helios_lsm_tree_exists(helios_lsm_t *db, uint32_t tree_id)
{
    lsm_tree_t *t = lsm_tree_get(db, tree_id);
    lsm_tree_unref(t);
    return t != NULL;
}
