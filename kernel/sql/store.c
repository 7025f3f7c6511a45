/* kernel/sql/store.c -- order-preserving key encoding, the row format (storage/row.h), and a
 * transaction's write set layered over LSM snapshots (read-your-writes, one batch per commit). */
#include <stdio.h>
#include <stdlib.h>

#include "helios/codec.h"
#include "sql/sqlint.h"
#include "storage/row.h"
#include "txn/sqltxn.h"

static void put_be64(sbuf_t *b, uint64_t x)
{
    char k[8];
    for (int i = 0; i < 8; i++) k[i] = (char)(x >> (56 - 8 * i));
    sb_putn(b, k, 8);
}

void key_encode(sbuf_t *b, const val_t *v, int desc)
{
    size_t start = b->len;
    if (v->null) {
        sb_putc(b, 0x02);
    } else {
        sb_putc(b, 0x01);
        switch (v->t) {
        case HELIOS_OID_BOOL: case HELIOS_OID_INT2: case HELIOS_OID_INT4: case HELIOS_OID_INT8:
        case HELIOS_OID_OID: case HELIOS_OID_DATE: case HELIOS_OID_TIME:
        case HELIOS_OID_TIMESTAMP: case HELIOS_OID_TIMESTAMPTZ:
            put_be64(b, (uint64_t)v->i ^ 0x8000000000000000ull);
            break;
        case HELIOS_OID_FLOAT4: case HELIOS_OID_FLOAT8: {
            double d = v->f;
            if (d == 0) d = 0; /* -0 == 0 */
            uint64_t u;
            memcpy(&u, &d, 8);
            u = (u & 0x8000000000000000ull) ? ~u : (u | 0x8000000000000000ull);
            put_be64(b, u);
            break;
        }
        case HELIOS_OID_NUMERIC:
            num_key_encode(b, v); /* types_num.c: extends the historical 16 bytes */
            break;
        default: {
            uint32_t l = v->len;
            if (v->t == HELIOS_OID_BPCHAR) {
                while (l > 0 && v->s[l - 1] == ' ') l--;
            }
            for (uint32_t i = 0; i < l; i++) {
                sb_putc(b, v->s[i]);
                if (v->s[i] == 0) sb_putc(b, (char)0xFF);
            }
            sb_putc(b, 0);
            sb_putc(b, 1);
            break;
        }
        }
    }
    if (desc) {
        for (size_t i = start; i < b->len; i++) b->d[i] = (char)~b->d[i];
    }
}

void table_pk_key(table_t *t, const val_t *row, sbuf_t *key)
{
    key->len = 0;
    for (uint32_t k = 0; k < t->n_pk; k++) {
        key_encode(key, &row[t->pk[k]], 0);
    }
}

void index_key(table_t *t, index_def_t *ix, const val_t *row, const sbuf_t *pk, sbuf_t *key,
               int with_pk)
{
    key->len = 0;
    int has_null = 0;
    for (uint32_t k = 0; k < ix->n_cols; k++) {
        key_encode(key, &row[ix->cols[k]], ix->desc[k]);
        if (row[ix->cols[k]].null) has_null = 1;
    }
    if (with_pk || !ix->unique || has_null) {
        sb_putn(key, pk->d, pk->len);
    }
    (void)t;
}

/* ---------------- rows ---------------- */
int32_t row_encode(arena_t *a, table_t *t, const val_t *vals, sbuf_t *out, helios_err_t *err)
{
    uint32_t n = t->n_cols;
    out->len = 0;
    uint8_t hdr[2] = {(uint8_t)(n & 0xff), (uint8_t)(n >> 8)};
    sb_putn(out, (const char *)hdr, 2);
    size_t nb = (n + 7) / 8;
    size_t nulls_at = out->len;
    for (size_t i = 0; i < nb; i++) sb_putc(out, 0);
    for (uint32_t c = 0; c < n; c++) {
        const val_t *v = &vals[c];
        if (v->null || t->cols[c].dropped) {
            out->d[nulls_at + c / 8] |= (char)(1 << (c % 8));
            continue;
        }
        uint32_t pt = type_phys(t->cols[c].type);
        switch (pt) {
        case HELIOS_PT_BOOL: sb_putc(out, (char)(v->i != 0)); break;
        case HELIOS_PT_INT16: { int16_t x = (int16_t)v->i; sb_putn(out, (const char *)&x, 2); break; }
        case HELIOS_PT_INT32: { int32_t x = (int32_t)v->i; sb_putn(out, (const char *)&x, 4); break; }
        case HELIOS_PT_INT64: sb_putn(out, (const char *)&v->i, 8); break;
        case HELIOS_PT_FLOAT32: { float x = (float)v->f; sb_putn(out, (const char *)&x, 4); break; }
        case HELIOS_PT_FLOAT64: sb_putn(out, (const char *)&v->f, 8); break;
        case HELIOS_PT_FIXED16: {
            char z[16] = {0};
            memcpy(z, v->s, v->len < 16 ? v->len : 16);
            sb_putn(out, z, 16);
            break;
        }
        default: {
            if (t->cols[c].type == HELIOS_OID_NUMERIC) {
                num_row_put(out, v);
            } else {
                uint32_t l = v->len;
                sb_putn(out, (const char *)&l, 4);
                sb_putn(out, v->s, l);
            }
            break;
        }
        }
    }
    (void)a;
    (void)err;
    return 0;
}

int32_t row_decode(arena_t *a, table_t *t, const uint8_t *row, uint32_t len, val_t *out,
                   uint32_t base, helios_err_t *err)
{
    if (len < 2) goto corrupt;
    uint32_t n = (uint32_t)row[0] | ((uint32_t)row[1] << 8);
    uint32_t nb = (n + 7) / 8;
    if (2 + nb > len) goto corrupt;
    const uint8_t *nulls = row + 2;
    uint32_t off = 2 + nb;
    for (uint32_t c = 0; c < t->n_cols; c++) {
        val_t *v = &out[base + c];
        memset(v, 0, sizeof *v);
        v->t = t->cols[c].type;
        if (c >= n || (nulls[c / 8] & (1 << (c % 8)))) {
            v->null = 1;
            continue;
        }
        uint32_t pt = type_phys(v->t);
        uint32_t w = helios_pt_width(pt);
        if (pt == HELIOS_PT_VARLEN) {
            if (off + 4 > len) goto corrupt;
            uint32_t l;
            memcpy(&l, row + off, 4);
            off += 4;
            if (off + l > len) goto corrupt;
            if (v->t == HELIOS_OID_NUMERIC) {
                if (num_row_get(row + off, l, v) != 0) goto corrupt;
            } else {
                v->s = (const char *)row + off;
                v->len = l;
            }
            off += l;
            continue;
        }
        if (off + w > len) goto corrupt;
        switch (pt) {
        case HELIOS_PT_BOOL: v->i = row[off] != 0; break;
        case HELIOS_PT_INT16: { int16_t x; memcpy(&x, row + off, 2); v->i = x; break; }
        case HELIOS_PT_INT32: { int32_t x; memcpy(&x, row + off, 4); v->i = x; break; }
        case HELIOS_PT_INT64: memcpy(&v->i, row + off, 8); break;
        case HELIOS_PT_FLOAT32: { float x; memcpy(&x, row + off, 4); v->f = x; break; }
        case HELIOS_PT_FLOAT64: memcpy(&v->f, row + off, 8); break;
        default:
            v->s = (const char *)row + off;
            v->len = 16;
            break;
        }
        off += w;
    }
    (void)a;
    return 0;
corrupt:
    return sql_err(err, HELIOS_ERR_DATA_CORRUPTED, "corrupt row in table \"%s\"", t->name);
}

/* ---------------- write set ---------------- */
/* w->slots is one allocation: cap entry pointers, then cap 32-bit tags (hash bits | 1; 0 for
   an empty slot), so a probe past other keys reads the tags only, never their entries */
static inline uint32_t *ws_tags(const wset_t *w)
{
    return (uint32_t *)(w->slots + w->cap);
}

static inline uint32_t ws_tag(uint64_t h)
{
    return (uint32_t)(h >> 32) | 1u;
}

void ws_init(wset_t *w)
{
    memset(w, 0, sizeof *w);
}

void ws_clear(wset_t *w)
{
    for (uint32_t i = 0; i < w->n_list; i++) {
        free(w->list[i]);
    }
    if (w->slots != NULL) memset(w->slots, 0, (sizeof(wentry_t *) + sizeof(uint32_t)) * w->cap);
    w->n = 0;
    w->n_list = 0;
    if (w->cap > 4096) {
        free(w->slots);
        free(w->list);
        w->slots = NULL;
        w->list = NULL;
        w->cap = 0;
        w->cap_list = 0;
    }
}

void ws_free(wset_t *w)
{
    ws_clear(w);
    free(w->slots);
    free(w->list);
    memset(w, 0, sizeof *w);
}

static uint64_t ws_hash(uint32_t tree, const void *key, uint32_t klen)
{
    return hash_bytes(key, klen) ^ ((uint64_t)tree * 0x9e3779b97f4a7c15ull);
}

/* the slot holding (tree, key), or else the empty slot ending its probe sequence */
static uint32_t ws_probe(const wset_t *w, uint64_t h, uint32_t tree, const void *key,
                         uint32_t klen)
{
    const uint32_t *tags = ws_tags(w);
    uint32_t tag = ws_tag(h), mask = w->cap - 1;
    for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        if (tags[i] == 0) return i;
        if (tags[i] != tag) continue;
        const wentry_t *e = w->slots[i];
        if (e->tree == tree && e->klen == klen && memcmp(e->key, key, klen) == 0) return i;
    }
}

wentry_t *ws_get(wset_t *w, uint32_t tree, const void *key, uint32_t klen)
{
    if (w->n == 0) return NULL;
    return w->slots[ws_probe(w, ws_hash(tree, key, klen), tree, key, klen)];
}

static void ws_insert_slot(wset_t *w, wentry_t *e)
{
    uint64_t h = ws_hash(e->tree, e->key, e->klen);
    uint32_t *tags = ws_tags(w), mask = w->cap - 1;
    uint32_t i = (uint32_t)h & mask;
    while (tags[i] != 0) i = (i + 1) & mask;
    w->slots[i] = e;
    tags[i] = ws_tag(h);
}

int32_t ws_put(wset_t *w, uint32_t tree, const void *key, uint32_t klen, const void *val,
               uint32_t vlen, int del)
{
    if ((w->n + 1) * 2 > w->cap) {
        uint32_t nc = w->cap ? w->cap * 2 : 64;
        wentry_t **ns = calloc(nc, sizeof(wentry_t *) + sizeof(uint32_t));
        if (ns == NULL) return HELIOS_ERR_OUT_OF_MEMORY;
        free(w->slots);
        w->slots = ns;
        w->cap = nc;
        for (uint32_t i = 0; i < w->n_list; i++) ws_insert_slot(w, w->list[i]);
    }
    uint64_t h = ws_hash(tree, key, klen);
    uint32_t slot = ws_probe(w, h, tree, key, klen);
    wentry_t *old = w->slots[slot];
    wentry_t *e = malloc(sizeof *e + klen + vlen);
    if (e == NULL) return HELIOS_ERR_OUT_OF_MEMORY;
    e->tree = tree;
    e->klen = klen;
    e->vlen = del ? 0 : vlen;
    e->del = (uint8_t)del;
    e->key = (uint8_t *)(e + 1);
    e->val = e->key + klen;
    memcpy(e->key, key, klen);
    if (!del && vlen) memcpy(e->val, val, vlen);
    if (old != NULL) {
        /* replace in place: slot and list */
        w->slots[slot] = e;
        for (uint32_t i = w->n_list; i-- > 0;) {
            if (w->list[i] == old) {
                w->list[i] = e;
                break;
            }
        }
        free(old);
        return 0;
    }
    if (w->n_list == w->cap_list) {
        uint32_t nc = w->cap_list ? w->cap_list * 2 : 64;
        wentry_t **nl = realloc(w->list, sizeof(wentry_t *) * nc);
        if (nl == NULL) {
            free(e);
            return HELIOS_ERR_OUT_OF_MEMORY;
        }
        w->list = nl;
        w->cap_list = nc;
    }
    w->list[w->n_list++] = e;
    w->slots[slot] = e;
    ws_tags(w)[slot] = ws_tag(h);
    w->n++;
    return 0;
}

int32_t st_get(exec_ctx_t *cx, uint32_t tree, const void *key, uint32_t klen, helios_buf_t *val,
               uint32_t *found, helios_err_t *err)
{
    wentry_t *e = ws_get(&cx->s->txn.ws, tree, key, klen);
    if (e != NULL) {
        if (e->del) {
            *found = 0;
            return 0;
        }
        if (val->cap < e->vlen) {
            uint8_t *d = realloc(val->data, e->vlen);
            if (d == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            val->data = d;
            val->cap = e->vlen;
        }
        memcpy(val->data, e->val, e->vlen);
        val->len = e->vlen;
        *found = 1;
        return 0;
    }
    stx_read_key(cx, tree, key, klen);
    return helios_lsm_get(cx->eng->lsm, tree, cx->snap, key, klen, val, found, err);
}

struct st_iter {
    helios_iter_t *it;
    wentry_t **ov;
    uint32_t n_ov, pos;
    int started;
    /* SERIALIZABLE: the key range this scan covered, recorded at close */
    exec_ctx_t *cx;
    uint32_t tree, track, ended;
    sbuf_t lo, last;
};

static int cmp_went(const void *a, const void *b)
{
    const wentry_t *x = *(wentry_t *const *)a, *y = *(wentry_t *const *)b;
    uint32_t m = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, m);
    if (c != 0) return c;
    return x->klen < y->klen ? -1 : x->klen > y->klen;
}

static int key_cmp(const void *a, uint32_t al, const void *b, uint32_t bl)
{
    uint32_t m = al < bl ? al : bl;
    int c = m ? memcmp(a, b, m) : 0;
    if (c != 0) return c;
    return al < bl ? -1 : al > bl;
}

int32_t st_iter_open(exec_ctx_t *cx, uint32_t tree, const void *lo, uint32_t lolen,
                     st_iter_t **out, helios_err_t *err)
{
    st_iter_t *s = calloc(1, sizeof *s);
    if (s == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    int32_t rc = helios_lsm_iter_open(cx->eng->lsm, tree, cx->snap, &s->it, err);
    if (rc != 0) {
        free(s);
        return rc;
    }
    if (lolen > 0) helios_iter_seek(s->it, lo, lolen);
    else helios_iter_seek_first(s->it);
    s->cx = cx;
    s->tree = tree;
    s->track = cx->s->txn.x != NULL && cx->s->txn.iso == 2;
    if (s->track && lolen > 0) sb_putn(&s->lo, lo, lolen);
    wset_t *w = &cx->s->txn.ws;
    for (uint32_t i = 0; i < w->n_list; i++) {
        wentry_t *e = w->list[i];
        if (e->tree != tree || key_cmp(e->key, e->klen, lo, lolen) < 0) continue;
        if (s->n_ov == 0 || (s->n_ov & (s->n_ov - 1)) == 0) {
            wentry_t **n = realloc(s->ov, sizeof(wentry_t *) * (s->n_ov ? s->n_ov * 2 : 1));
            if (n == NULL) break;
            s->ov = n;
        }
        s->ov[s->n_ov++] = e;
    }
    if (s->n_ov > 1) qsort(s->ov, s->n_ov, sizeof(wentry_t *), cmp_went);
    *out = s;
    return 0;
}

/* next visible entry; returns 1 with pointers valid until the next call, 0 at the end */
static int st_iter_next_(st_iter_t *s, const uint8_t **k, uint32_t *kl, const uint8_t **v,
                         uint32_t *vl);

int st_iter_next(st_iter_t *s, const uint8_t **k, uint32_t *kl, const uint8_t **v, uint32_t *vl)
{
    int r = st_iter_next_(s, k, kl, v, vl);
    if (s->track) {
        if (r) {
            s->last.len = 0;
            sb_putn(&s->last, (const char *)*k, *kl);
        } else {
            s->ended = 1;
        }
    }
    return r;
}

static int st_iter_next_(st_iter_t *s, const uint8_t **k, uint32_t *kl, const uint8_t **v,
                         uint32_t *vl)
{
    if (s->started) {
        /* advance past the LSM entry returned last time (its pointers were valid till now) */
        helios_iter_next(s->it);
        s->started = 0;
    }
    for (;;) {
        int has_l = helios_iter_valid(s->it) != 0;
        int has_o = s->pos < s->n_ov;
        if (!has_l && !has_o) return 0;
        uint32_t lk = 0;
        const void *lkey = has_l ? helios_iter_key(s->it, &lk) : NULL;
        int c;
        if (!has_l) c = 1;
        else if (!has_o) c = -1;
        else c = key_cmp(lkey, lk, s->ov[s->pos]->key, s->ov[s->pos]->klen);
        if (c < 0) {
            *k = lkey;
            *kl = lk;
            *v = helios_iter_value(s->it, vl);
            /* caller copies before calling again; advance lazily */
            s->started = 1;
            return 1;
        }
        wentry_t *e = s->ov[s->pos++];
        if (c == 0) helios_iter_next(s->it);
        if (e->del) continue;
        *k = e->key;
        *kl = e->klen;
        *v = e->val;
        *vl = e->vlen;
        return 1;
    }
}

int32_t st_iter_close(st_iter_t *s, helios_err_t *err)
{
    if (s == NULL) return 0;
    if (s->track) {
        /* a scan that stopped early covered [lo, last key returned]; one that ran out, [lo, end) */
        if (s->ended || s->last.d == NULL) {
            stx_read_range(s->cx, s->tree, s->lo.d, (uint32_t)s->lo.len, NULL, 0, 0);
        } else {
            stx_read_range(s->cx, s->tree, s->lo.d, (uint32_t)s->lo.len, s->last.d,
                           (uint32_t)s->last.len, 1);
        }
        sb_free(&s->lo);
        sb_free(&s->last);
    }
    int32_t rc = helios_iter_status(s->it, err);
    helios_iter_close(s->it);
    free(s->ov);
    free(s);
    return rc;
}

/* ---------------- commit ---------------- */
/* A write set sorted by (tree, key) goes into each memtable in key order, which the memtable
   inserts from its last position instead of searching from the top (kernel/storage/memtable.c).
   Sort records carry the tree and the key's first 16 bytes so most comparisons stay in them. */
typedef struct ws_sortrec {
    uint64_t p1, p2; /* key bytes 0-7 and 8-15, big endian, zero padded */
    wentry_t *e;
    uint32_t tree;
} ws_sortrec_t;

static inline int sortrec_cmp(const ws_sortrec_t *a, const ws_sortrec_t *b)
{
    if (a->tree != b->tree) return a->tree < b->tree ? -1 : 1;
    if (a->p1 != b->p1) return a->p1 < b->p1 ? -1 : 1;
    if (a->p2 != b->p2) return a->p2 < b->p2 ? -1 : 1;
    return key_cmp(a->e->key, a->e->klen, b->e->key, b->e->klen);
}

static int sortrec_qcmp(const void *a, const void *b)
{
    return sortrec_cmp(a, b);
}

/* byte d of the record's sort key, d = 0 the least significant (p2's last byte) */
static inline uint32_t sortrec_digit(const ws_sortrec_t *r, uint32_t d)
{
    if (d < 8) return (uint32_t)(r->p2 >> (8 * d)) & 255;
    if (d < 16) return (uint32_t)(r->p1 >> (8 * (d - 8))) & 255;
    return (r->tree >> (8 * (d - 16))) & 255;
}

/* LSD radix sort on (tree, p1, p2), skipping the bytes every record shares (an integer key
   varies in a few), then insertion sort of the rare runs equal in all of them; qsort when
   memory is short */
static void sortrec_sort(ws_sortrec_t *r, size_t n)
{
    enum { DIGITS = 20 };
    uint32_t(*cnt)[256] = calloc(DIGITS, sizeof *cnt);
    ws_sortrec_t *tmp = malloc(sizeof *tmp * n);
    if (cnt == NULL || tmp == NULL) {
        free(cnt);
        free(tmp);
        qsort(r, n, sizeof *r, sortrec_qcmp);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        for (uint32_t d = 0; d < 8; d++) {
            cnt[d][(r[i].p2 >> (8 * d)) & 255]++;
            cnt[d + 8][(r[i].p1 >> (8 * d)) & 255]++;
        }
        for (uint32_t d = 16; d < DIGITS; d++) cnt[d][(r[i].tree >> (8 * (d - 16))) & 255]++;
    }
    ws_sortrec_t *src = r, *dst = tmp;
    for (uint32_t d = 0; d < DIGITS; d++) {
        if (cnt[d][sortrec_digit(&src[0], d)] == n) continue; /* all equal here */
        size_t off[256], sum = 0;
        for (uint32_t b = 0; b < 256; b++) {
            off[b] = sum;
            sum += cnt[d][b];
        }
        for (size_t i = 0; i < n; i++) dst[off[sortrec_digit(&src[i], d)]++] = src[i];
        ws_sortrec_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != r) memcpy(r, src, sizeof *r * n);
    free(tmp);
    free(cnt);
    for (size_t i = 1; i < n; i++) {
        if (r[i].tree != r[i - 1].tree || r[i].p1 != r[i - 1].p1 || r[i].p2 != r[i - 1].p2)
            continue;
        ws_sortrec_t x = r[i];
        size_t j = i;
        while (j > 0 && sortrec_cmp(&x, &r[j - 1]) < 0) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = x;
    }
}

/* the write set as a batch, in (tree, key) order */
static int32_t ws_to_batch(wset_t *w, helios_wbatch_t *b)
{
    ws_sortrec_t *r = w->n_list > 1 ? malloc(sizeof *r * w->n_list) : NULL;
    if (r == NULL && w->n_list > 1) return HELIOS_ERR_OUT_OF_MEMORY;
    int32_t rc = 0;
    if (r != NULL) {
        for (uint32_t i = 0; i < w->n_list; i++) {
            wentry_t *e = w->list[i];
            uint64_t p1 = 0, p2 = 0;
            for (uint32_t k = 0; k < 8; k++) {
                p1 = (p1 << 8) | (k < e->klen ? e->key[k] : 0);
                p2 = (p2 << 8) | (k + 8 < e->klen ? e->key[k + 8] : 0);
            }
            r[i].tree = e->tree;
            r[i].p1 = p1;
            r[i].p2 = p2;
            r[i].e = e;
        }
        sortrec_sort(r, w->n_list);
    }
    for (uint32_t i = 0; i < w->n_list && rc == 0; i++) {
        /* in key order the entries are read at random: fetch a few ahead */
        if (r != NULL && i + 8 < w->n_list) __builtin_prefetch(r[i + 8].e);
        wentry_t *e = r != NULL ? r[i].e : w->list[i];
        rc = e->del ? helios_wbatch_del(b, e->tree, e->key, e->klen)
                    : helios_wbatch_put(b, e->tree, e->key, e->klen, e->val, e->vlen);
    }
    free(r);
    return rc;
}

int32_t txn_commit(helios_session_t *s, helios_err_t *err)
{
    wset_t *w = &s->txn.ws;
    /* SERIALIZABLE: validate the read set; every writer: register its keys (kernel/txn) */
    int32_t rc = stx_commit_prepare(s, err);
    uint32_t written = 0;
    helios_seq_t seq = 0;
    if (rc == 0 && w->n_list > 0) {
        helios_wbatch_t *b = helios_wbatch_new();
        if (b == NULL) return sql_err(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        rc = ws_to_batch(w, b);
        if (rc == 0) {
            helios_write_opts_t wo = {0};
            if (s->txn.iso > 0 && s->txn.has_snap) wo.conflict_seq = s->txn.snap;
            /* READ COMMITTED (autocommit too) needs no check: every row and unique key it
               writes is locked (kernel/txn) and re-read at its newest version first */
            rc = helios_lsm_write(s->eng->lsm, b, &wo, &seq, err);
            written = rc == 0;
            if (rc == HELIOS_ERR_SERIALIZATION_FAILURE && err != NULL) {
                sql_err(err, HELIOS_ERR_SERIALIZATION_FAILURE,
                        "could not serialize access due to concurrent update");
            }
        } else {
            sql_err(err, rc, "out of memory");
        }
        helios_wbatch_free(b);
    }
    stx_commit_finish(s, written, seq);
    stx_end(s); /* row locks are released only now that the commit is visible */
    ws_clear(w);
    sess_settings_txn_end(s, rc == 0);
    if (s->txn.has_snap) {
        helios_lsm_snapshot_release(s->eng->lsm, s->txn.snap);
        s->txn.has_snap = 0;
    }
    return rc;
}

void txn_abort(helios_session_t *s)
{
    stx_end(s);
    ws_clear(&s->txn.ws);
    sess_settings_txn_end(s, 0);
    if (s->txn.has_snap) {
        helios_lsm_snapshot_release(s->eng->lsm, s->txn.snap);
        s->txn.has_snap = 0;
    }
}

/* statement start: READ COMMITTED takes a fresh snapshot per statement; REPEATABLE READ and
   SERIALIZABLE keep the transaction's first snapshot */
int32_t txn_begin_stmt(helios_session_t *s, exec_ctx_t *cx, helios_err_t *err)
{
    txn_t *t = &s->txn;
    stx_stmt_start(s);
    if (!t->active) {
        /* an autocommitted statement is a transaction of default_transaction_isolation */
        const char *d = sess_get_setting(s, "default_transaction_isolation");
        t->iso = d == NULL ? 0 : strstr(d, "serializable") ? 2 : strstr(d, "repeatable") ? 1 : 0;
    }
    if (t->iso > 0) {
        if (!t->has_snap) {
            if (t->iso == 2) stx_ser_before_snapshot(s);
            int32_t rc = helios_lsm_snapshot(s->eng->lsm, &t->snap);
            if (rc != 0) return sql_err(err, rc, "could not take a snapshot");
            t->has_snap = 1;
            if (t->iso == 2) stx_ser_snapshot(s, t->snap);
        }
        cx->snap = t->snap;
        return 0;
    }
    cx->snap = helios_lsm_last_seq(s->eng->lsm);
    t->stmt_seq = cx->snap;
    return 0;
}
