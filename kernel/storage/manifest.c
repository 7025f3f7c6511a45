/*
 * manifest.c -- the MANIFEST file: every tree (schema, the seqs recovery needs) and its runs,
 * rewritten whole and published atomically through the tier (temporary + fsync + rename) on
 * every change. It is small: one line of numbers per tree and one file number per run; the
 * key ranges and counts of a run live in its SSTable's meta block.
 *
 *   magic u64 ("HLSMMAN1"), version u32, reserved u32, next_file_no u64, last_seq u64,
 *   n_trees u32, per tree: id u32, kind u32, n_cols u32, types u32[n_cols], create_seq u64,
 *   schema_seq u64, flushed_seq u64, n_runs u32, file_no u64[n_runs] (newest first);
 *   crc32c u32 of all the preceding bytes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "storage/db.h"

#define MAN_MAGIC 0x314E414D4D534C48ULL /* "HLSMMAN1" */
#define MAN_VERSION 1u
#define MAN_NAME "MANIFEST"

static int put64(helios_buf_t *b, uint64_t v)
{
    uint8_t t[8];
    helios_put_u64(t, v);
    return helios_buf_append(b, t, 8);
}

static int put32(helios_buf_t *b, uint32_t v)
{
    uint8_t t[4];
    helios_put_u32(t, v);
    return helios_buf_append(b, t, 4);
}

int32_t lsm_manifest_write(helios_lsm_t *db, lsm_tree_t *t, helios_sst_t *const *runs,
                           uint32_t n_runs, uint64_t flushed, helios_err_t *err)
{
    /* runs of trees dropped before this point: their trees are out of the table already, so
       this manifest no longer names them and they may go once it is durable */
    pthread_mutex_lock(&db->dead_mu);
    helios_sst_t **dead = db->dead;
    uint32_t n_dead = db->n_dead;
    db->dead = NULL;
    db->n_dead = db->cap_dead = 0;
    pthread_mutex_unlock(&db->dead_mu);
    helios_buf_t b = {0};
    uint32_t n = 0;
    lsm_tree_t **ts = lsm_trees_list(db, &n);
    int oom = ts == NULL;
    oom |= put64(&b, MAN_MAGIC) | put32(&b, MAN_VERSION) | put32(&b, 0);
    oom |= put64(&b, atomic_load(&db->next_file_no)) | put64(&b, helios_lsm_last_seq(db));
    oom |= put32(&b, n);
    for (uint32_t i = 0; !oom && i < n; i++) {
        lsm_tree_t *x = ts[i];
        pthread_mutex_lock(&x->mu);
        oom |= put32(&b, x->id) | put32(&b, x->schema.kind) | put32(&b, x->schema.n_cols);
        for (uint32_t c = 0; c < x->schema.n_cols; c++) {
            oom |= put32(&b, x->schema.col_phys_types[c]);
        }
        oom |= put64(&b, x->create_seq) | put64(&b, x->schema_seq);
        if (x == t) {
            oom |= put64(&b, flushed) | put32(&b, n_runs);
            for (uint32_t r = 0; r < n_runs; r++) {
                oom |= put64(&b, helios_sst_meta(runs[r])->file_no);
            }
        } else {
            lsm_view_t *v = x->view;
            oom |= put64(&b, x->flushed_seq) | put32(&b, v->n_runs);
            for (uint32_t r = 0; r < v->n_runs; r++) {
                oom |= put64(&b, helios_sst_meta(v->runs[r])->file_no);
            }
        }
        pthread_mutex_unlock(&x->mu);
    }
    for (uint32_t i = 0; i < n; i++) {
        lsm_tree_unref(ts[i]);
    }
    free(ts);
    int32_t rc;
    if (oom || put32(&b, helios_crc32c(0, b.data, b.len)) != 0) {
        rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    } else {
        rc = db->o.tier_vt->put(db->o.tier, MAN_NAME, b.data, b.len, err);
    }
    helios_buf_free(&b);
    if (rc == 0) {
        for (uint32_t i = 0; i < n_dead; i++) {
            helios_sst_mark_obsolete(dead[i]);
            helios_sst_unref(dead[i]);
        }
        free(dead);
    } else if (n_dead > 0) {
        /* keep them for the next write */
        pthread_mutex_lock(&db->dead_mu);
        helios_sst_t **nd = realloc(dead, (n_dead + db->n_dead) * sizeof(*nd));
        if (nd != NULL) {
            for (uint32_t i = 0; i < db->n_dead; i++) {
                nd[n_dead + i] = db->dead[i];
            }
            free(db->dead);
            db->dead = nd;
            db->n_dead = db->cap_dead = n_dead + db->n_dead;
        } else {
            for (uint32_t i = 0; i < n_dead; i++) {
                helios_sst_unref(dead[i]); /* not deleted: an orphan for the next open */
            }
            free(dead);
        }
        pthread_mutex_unlock(&db->dead_mu);
    }
    return rc;
}

typedef struct man_rd {
    const uint8_t *p, *end;
    int bad;
} man_rd_t;

static uint64_t rd64(man_rd_t *r)
{
    if (r->end - r->p < 8) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = helios_get_u64(r->p);
    r->p += 8;
    return v;
}

static uint32_t rd32(man_rd_t *r)
{
    if (r->end - r->p < 4) {
        r->bad = 1;
        return 0;
    }
    uint32_t v = helios_get_u32(r->p);
    r->p += 4;
    return v;
}

typedef struct orphan_arg {
    helios_lsm_t *db;
    uint64_t *live;
    uint32_t n_live;
} orphan_arg_t;

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int32_t orphan_cb(const char *name, const helios_tier_stat_t *st, void *arg)
{
    orphan_arg_t *o = arg;
    unsigned tree;
    unsigned long long fno;
    char tail[8];
    if (sscanf(name, "sst/%u/%llu.%3s", &tree, &fno, tail) != 3 || strcmp(tail, "sst") != 0) {
        return 0;
    }
    uint64_t key = fno;
    if (o->n_live == 0 || bsearch(&key, o->live, o->n_live, sizeof(uint64_t), u64_cmp) == NULL) {
        /* a flush or compaction output the manifest never took, or a dropped tree's file */
        o->db->o.tier_vt->remove(o->db->o.tier, name, NULL);
    }
    return 0;
}

int32_t lsm_manifest_load(helios_lsm_t *db, helios_err_t *err)
{
    helios_tier_stat_t st;
    helios_err_t e2 = HELIOS_ERR_INIT;
    int32_t rc = db->o.tier_vt->stat(db->o.tier, MAN_NAME, &st, &e2);
    uint8_t *data = NULL;
    uint64_t *live = NULL;
    uint32_t n_live = 0, cap_live = 0;
    if (rc == HELIOS_ERR_UNDEFINED_FILE) {
        rc = 0;
        goto orphans; /* a new store */
    }
    if (rc != 0) {
        helios_storage_err_copy(err, &e2);
        return rc;
    }
    data = malloc(st.size_bytes ? st.size_bytes : 1);
    if (data == NULL) {
        return helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    uint64_t got = 0;
    if ((rc = db->o.tier_vt->get(db->o.tier, MAN_NAME, 0, st.size_bytes, data, &got, err)) != 0) {
        goto failed;
    }
    if (got < 40 || helios_crc32c(0, data, got - 4) != helios_get_u32(data + got - 4)) {
        rc = helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                                    "checksum mismatch in file \"%s\"", MAN_NAME);
        goto failed;
    }
    man_rd_t r = {data, data + got - 4, 0};
    if (rd64(&r) != MAN_MAGIC) {
        rc = helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED, "bad magic in file \"%s\"",
                                    MAN_NAME);
        goto failed;
    }
    uint32_t ver = rd32(&r);
    if (ver > MAN_VERSION) {
        rc = helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                                    "file \"%s\" has version %u, newer than %u", MAN_NAME, ver,
                                    MAN_VERSION);
        goto failed;
    }
    rd32(&r);
    atomic_store(&db->next_file_no, rd64(&r));
    db->manifest_last_seq = rd64(&r);
    /* blocks store seq << 8 | type in 64 bits, and file numbers count up one per flush or
       compaction: values this large are corruption, and would wrap on the next increment */
    if (atomic_load(&db->next_file_no) >= (1ull << 56) || db->manifest_last_seq >= (1ull << 56)) {
        r.bad = 1;
    }
    uint32_t n = rd32(&r);
    for (uint32_t i = 0; i < n && !r.bad; i++) {
        uint32_t id = rd32(&r);
        helios_tree_schema_t s = {.kind = rd32(&r), .n_cols = rd32(&r)};
        if (r.bad || s.n_cols > 1024) {
            r.bad = 1;
            break;
        }
        uint32_t types[1024];
        for (uint32_t c = 0; c < s.n_cols; c++) {
            types[c] = rd32(&r);
        }
        s.col_phys_types = types;
        lsm_tree_t *t = lsm_tree_new(id, &s);
        if (t == NULL) {
            rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            goto failed;
        }
        t->create_seq = rd64(&r);
        t->schema_seq = rd64(&r);
        t->flushed_seq = rd64(&r);
        uint32_t nr = rd32(&r);
        if (r.bad || nr > 100000) {
            lsm_tree_unref(t);
            r.bad = 1;
            break;
        }
        helios_sst_t **runs = calloc(nr ? nr : 1, sizeof(*runs));
        if (runs == NULL) {
            lsm_tree_unref(t);
            rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            goto failed;
        }
        for (uint32_t k = 0; k < nr && rc == 0; k++) {
            uint64_t fno = rd64(&r);
            char name[96];
            lsm_sst_name(name, sizeof(name), id, fno);
            rc = helios_sst_open(&db->env, name, fno, &runs[k], err);
            if (rc == 0 && n_live == cap_live) {
                cap_live = cap_live ? cap_live * 2 : 64;
                uint64_t *nl = realloc(live, cap_live * sizeof(*nl));
                if (nl == NULL) {
                    rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
                } else {
                    live = nl;
                }
            }
            if (rc == 0) {
                live[n_live++] = fno;
            }
        }
        lsm_view_t *v = NULL;
        if (rc == 0) {
            v = lsm_view_make(t->view->mem, NULL, 0, runs, nr);
            if (v == NULL) {
                rc = helios_storage_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            }
        }
        for (uint32_t k = 0; k < nr; k++) {
            helios_sst_unref(runs[k]);
        }
        free(runs);
        if (rc == 0) {
            lsm_view_install(t, v);
            rc = lsm_tree_insert(db, t);
            if (rc != 0) {
                helios_storage_err_set(err, rc, "out of memory");
            }
        }
        if (rc != 0) {
            lsm_tree_unref(t);
            goto failed;
        }
    }
    if (r.bad) {
        rc = helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED, "file \"%s\" is malformed",
                                    MAN_NAME);
        goto failed;
    }
orphans:
    if (n_live > 0) {
        qsort(live, n_live, sizeof(uint64_t), u64_cmp);
    }
    /* file numbers are unique and below next_file_no: otherwise a flush would overwrite a live
       run, or compacting a run named twice would delete it under the other reference */
    for (uint32_t i = 0; i < n_live; i++) {
        if (live[i] >= atomic_load(&db->next_file_no) || (i > 0 && live[i] == live[i - 1])) {
            rc = helios_storage_err_set(err, HELIOS_ERR_DATA_CORRUPTED,
                                        "file \"%s\" is malformed: run %" PRIu64
                                        " named twice or not below the next file number",
                                        MAN_NAME, live[i]);
            goto failed;
        }
    }
    {
        orphan_arg_t oa = {db, live, n_live};
        helios_err_t e3 = HELIOS_ERR_INIT;
        db->o.tier_vt->list(db->o.tier, "sst/", orphan_cb, &oa, &e3);
    }
failed:
    free(live);
    free(data);
    return rc;
}
