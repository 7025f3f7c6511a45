/*
 * memtable.c -- the memtable: a skiplist in an arena.
 *
 * One writer at a time (the commit leader, or recovery) inserts; readers traverse without
 * locks. A node is fully built before it is linked with release stores, and readers follow
 * links with acquire loads, so a reader sees a node only once its bytes are complete. Nodes
 * are never removed; the arena is freed with the memtable when the last reference goes.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "storage/internal.h"

#define MEM_MAX_HEIGHT 12
#define MEM_ARENA_BLOCK (2u << 20) /* one huge page where the kernel gives them */
#define MEM_FIRST_BLOCK (64u << 10)

typedef struct mem_node {
    /* the key's first 16 bytes, big endian, zero padded: compares of keys up to 16 bytes (an
       integer primary key is 9) end here, without touching the key bytes */
    uint64_t prefix, prefix2;
    uint64_t seq;
    uint32_t klen;
    uint32_t vlen;
    uint32_t type;
    uint32_t height;
    _Atomic(struct mem_node *) next[]; /* height links, then the key, then the value */
} mem_node_t;

static inline uint8_t *node_kv(const mem_node_t *n)
{
    return (uint8_t *)&n->next[n->height];
}

typedef struct mem_block {
    struct mem_block *prev;
    size_t used, cap;
    _Alignas(16) uint8_t data[];
} mem_block_t;

struct helios_mem {
    _Atomic uint32_t refs;
    _Atomic uint32_t max_height;
    _Atomic uint64_t bytes;
    _Atomic uint64_t count;
    _Atomic uint64_t min_seq;
    _Atomic uint64_t max_seq;
    mem_block_t *arena;
    size_t next_block; /* size of the next arena block */
    uint64_t rnd;
    mem_node_t *head;
    /* insert finger (writer only): the last node inserted, and per level the last node at or
       before it; a key above it is found from there (sorted batches cost O(1) per entry) */
    mem_node_t *last;
    mem_node_t *finger[MEM_MAX_HEIGHT];
};

static void *mem_alloc(helios_mem_t *m, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    mem_block_t *b = m->arena;
    if (n > MEM_ARENA_BLOCK / 4) {
        /* a big node gets a block of its own, kept behind the current one */
        mem_block_t *nb = malloc(sizeof(*nb) + n);
        if (nb == NULL) {
            return NULL;
        }
        nb->used = nb->cap = n;
        if (b != NULL) {
            nb->prev = b->prev;
            b->prev = nb;
        } else {
            nb->prev = NULL;
            m->arena = nb;
        }
        atomic_fetch_add_explicit(&m->bytes, n, memory_order_relaxed);
        return nb->data;
    }
    if (b == NULL || b->cap - b->used < n) {
        /* blocks grow from 64 KiB to 2 MiB, so the memtable of an idle tree costs little */
        size_t size = m->next_block != 0 ? m->next_block : MEM_FIRST_BLOCK;
        mem_block_t *nb = NULL;
        if (size >= MEM_ARENA_BLOCK) {
            if (posix_memalign((void **)&nb, MEM_ARENA_BLOCK, MEM_ARENA_BLOCK) != 0) {
                return NULL;
            }
            /* searches hop between random nodes: huge pages save most TLB misses */
            madvise(nb, MEM_ARENA_BLOCK, MADV_HUGEPAGE);
            size = MEM_ARENA_BLOCK;
        } else if ((nb = malloc(size)) == NULL) {
            return NULL;
        }
        m->next_block = size * 2 < MEM_ARENA_BLOCK ? size * 2 : MEM_ARENA_BLOCK;
        nb->used = 0;
        nb->cap = size - sizeof(mem_block_t);
        nb->prev = b;
        m->arena = nb;
        b = nb;
    }
    atomic_fetch_add_explicit(&m->bytes, n, memory_order_relaxed);
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

helios_mem_t *helios_mem_new(void)
{
    helios_mem_t *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        return NULL;
    }
    atomic_init(&m->refs, 1);
    atomic_init(&m->max_height, 1);
    atomic_init(&m->min_seq, UINT64_MAX);
    m->rnd = 0x2545F4914F6CDD1DULL;
    m->head = malloc(sizeof(mem_node_t) + MEM_MAX_HEIGHT * sizeof(mem_node_t *));
    if (m->head == NULL) {
        free(m);
        return NULL;
    }
    memset(m->head, 0, sizeof(mem_node_t));
    m->head->height = MEM_MAX_HEIGHT;
    for (int i = 0; i < MEM_MAX_HEIGHT; i++) {
        atomic_init(&m->head->next[i], NULL);
        m->finger[i] = m->head;
    }
    return m;
}

void helios_mem_ref(helios_mem_t *m)
{
    atomic_fetch_add(&m->refs, 1);
}

void helios_mem_unref(helios_mem_t *m)
{
    if (m == NULL || atomic_fetch_sub(&m->refs, 1) != 1) {
        return;
    }
    mem_block_t *b = m->arena;
    while (b != NULL) {
        mem_block_t *p = b->prev;
        free(b);
        b = p;
    }
    free(m->head);
    free(m);
}

static inline uint64_t key_prefix(const uint8_t *k, uint32_t klen)
{
    uint64_t p = 0;
    if (klen >= 8) {
        memcpy(&p, k, 8);
        return __builtin_bswap64(p);
    }
    for (uint32_t i = 0; i < klen; i++) {
        p |= (uint64_t)k[i] << (56 - 8 * i);
    }
    return p;
}

/* a key as its two prefix words (bytes 0-7 and 8-15) */
typedef struct mem_key {
    uint64_t p1, p2;
    const uint8_t *k;
    uint32_t klen;
} mem_key_t;

static inline mem_key_t mem_key(const uint8_t *k, uint32_t klen)
{
    mem_key_t mk = {key_prefix(k, klen), klen > 8 ? key_prefix(k + 8, klen - 8) : 0, k, klen};
    return mk;
}

static inline int node_cmp(const mem_node_t *n, const mem_key_t *mk, uint64_t seq)
{
    if (n->prefix != mk->p1) {
        return n->prefix < mk->p1 ? -1 : 1;
    }
    if (n->prefix2 != mk->p2) {
        return n->prefix2 < mk->p2 ? -1 : 1;
    }
    /* equal in the first 16 bytes (zero padded): the rest, then the length, then the seq */
    if (n->klen > 16 && mk->klen > 16) {
        uint32_t m = (n->klen < mk->klen ? n->klen : mk->klen) - 16;
        int c = memcmp(node_kv(n) + 16, mk->k + 16, m);
        if (c != 0) {
            return c;
        }
    }
    if (n->klen != mk->klen) {
        return n->klen < mk->klen ? -1 : 1;
    }
    return n->seq > seq ? -1 : n->seq < seq ? 1 : 0;
}

/* First node >= (k, seq); fills prev[] with the last node < it per level when prev != NULL. */
static mem_node_t *mem_find_ge(helios_mem_t *m, const mem_key_t *mk, uint64_t seq,
                               mem_node_t **prev)
{
    mem_node_t *x = m->head;
    int level = (int)atomic_load_explicit(&m->max_height, memory_order_relaxed) - 1;
    for (;;) {
        mem_node_t *nx = atomic_load_explicit(&x->next[level], memory_order_acquire);
        if (nx != NULL) {
            __builtin_prefetch(atomic_load_explicit(&nx->next[level], memory_order_relaxed));
        }
        if (nx != NULL && node_cmp(nx, mk, seq) < 0) {
            x = nx;
            continue;
        }
        if (prev != NULL) {
            prev[level] = x;
        }
        if (level == 0) {
            return nx;
        }
        level--;
    }
}

/* Last node < (k, seq), or head. */
static mem_node_t *mem_find_lt(helios_mem_t *m, const mem_key_t *mk, uint64_t seq)
{
    mem_node_t *x = m->head;
    int level = (int)atomic_load_explicit(&m->max_height, memory_order_relaxed) - 1;
    for (;;) {
        mem_node_t *nx = atomic_load_explicit(&x->next[level], memory_order_acquire);
        if (nx != NULL && node_cmp(nx, mk, seq) < 0) {
            x = nx;
            continue;
        }
        if (level == 0) {
            return x;
        }
        level--;
    }
}

static mem_node_t *mem_find_last(helios_mem_t *m)
{
    mem_node_t *x = m->head;
    int level = (int)atomic_load_explicit(&m->max_height, memory_order_relaxed) - 1;
    for (;;) {
        mem_node_t *nx = atomic_load_explicit(&x->next[level], memory_order_acquire);
        if (nx != NULL) {
            x = nx;
            continue;
        }
        if (level == 0) {
            return x;
        }
        level--;
    }
}

static uint32_t mem_random_height(helios_mem_t *m)
{
    uint32_t h = 1;
    for (;;) {
        m->rnd ^= m->rnd << 13;
        m->rnd ^= m->rnd >> 7;
        m->rnd ^= m->rnd << 17;
        if (h >= MEM_MAX_HEIGHT || (m->rnd & 3) != 0) {
            break;
        }
        h++;
    }
    return h;
}

/* prev[] for an insert of (k, seq) above m->last, starting from the finger. A node after
   finger[l] at level l is past m->last at every level below, so once the walk at a level
   moves, its node is the better start for the level below; else finger[l - 1] is. */
static void mem_find_from_finger(helios_mem_t *m, const mem_key_t *mk, uint64_t seq,
                                 mem_node_t **prev)
{
    int top = (int)atomic_load_explicit(&m->max_height, memory_order_relaxed) - 1;
    /* the lowest level whose finger already brackets the key; every level above it does too */
    int v = 0;
    for (; v <= top; v++) {
        mem_node_t *nx = atomic_load_explicit(&m->finger[v]->next[v], memory_order_relaxed);
        if (nx == NULL || node_cmp(nx, mk, seq) >= 0) {
            break;
        }
    }
    for (int l = top; l >= v; l--) {
        prev[l] = m->finger[l];
    }
    int moved = 0;
    mem_node_t *x = NULL;
    for (int l = v - 1; l >= 0; l--) {
        if (!moved) {
            x = m->finger[l];
        }
        for (;;) {
            mem_node_t *nx = atomic_load_explicit(&x->next[l], memory_order_relaxed);
            if (nx == NULL || node_cmp(nx, mk, seq) >= 0) {
                break;
            }
            x = nx;
            moved = 1;
        }
        prev[l] = x;
    }
}

int32_t helios_mem_add(helios_mem_t *m, uint64_t seq, uint32_t type, const uint8_t *k,
                       uint32_t klen, const uint8_t *v, uint32_t vlen)
{
    mem_node_t *prev[MEM_MAX_HEIGHT];
    mem_key_t mk = mem_key(k, klen);
    if (m->last != NULL && node_cmp(m->last, &mk, seq) < 0) {
        mem_find_from_finger(m, &mk, seq, prev);
    } else {
        (void)mem_find_ge(m, &mk, seq, prev);
    }
    uint32_t h = mem_random_height(m);
    uint32_t cur = atomic_load_explicit(&m->max_height, memory_order_relaxed);
    if (h > cur) {
        for (uint32_t i = cur; i < h; i++) {
            prev[i] = m->head;
        }
        /* readers seeing the new height early just find NULL links from head */
        atomic_store_explicit(&m->max_height, h, memory_order_relaxed);
    }
    size_t nsz = sizeof(mem_node_t) + h * sizeof(mem_node_t *);
    mem_node_t *n = mem_alloc(m, nsz + klen + vlen);
    if (n == NULL) {
        return HELIOS_ERR_OUT_OF_MEMORY;
    }
    n->prefix = mk.p1;
    n->prefix2 = mk.p2;
    n->seq = seq;
    n->klen = klen;
    n->vlen = vlen;
    n->type = type;
    n->height = h;
    uint8_t *kv = node_kv(n);
    if (klen > 0) {
        memcpy(kv, k, klen);
    }
    if (vlen > 0) {
        memcpy(kv + klen, v, vlen);
    }
    for (uint32_t i = 0; i < h; i++) {
        atomic_store_explicit(&n->next[i],
                              atomic_load_explicit(&prev[i]->next[i], memory_order_relaxed),
                              memory_order_relaxed);
        atomic_store_explicit(&prev[i]->next[i], n, memory_order_release);
    }
    uint32_t top = atomic_load_explicit(&m->max_height, memory_order_relaxed);
    for (uint32_t i = 0; i < top; i++) {
        m->finger[i] = i < h ? n : prev[i];
    }
    m->last = n;
    atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
    if (seq < atomic_load_explicit(&m->min_seq, memory_order_relaxed)) {
        atomic_store(&m->min_seq, seq);
    }
    if (seq > atomic_load_explicit(&m->max_seq, memory_order_relaxed)) {
        atomic_store(&m->max_seq, seq);
    }
    return 0;
}

static void node_entry(const mem_node_t *n, helios_entry_t *e)
{
    e->key = node_kv(n);
    e->klen = n->klen;
    e->val = e->key + n->klen;
    e->vlen = n->vlen;
    e->seq = n->seq;
    e->type = n->type;
}

int helios_mem_get(helios_mem_t *m, const uint8_t *k, uint32_t klen, uint64_t snap,
                   helios_entry_t *out)
{
    mem_key_t mk = mem_key(k, klen);
    mem_node_t *n = mem_find_ge(m, &mk, snap, NULL);
    if (n == NULL || n->prefix != mk.p1 || n->prefix2 != mk.p2 || n->klen != klen ||
        (klen > 16 && memcmp(node_kv(n) + 16, k + 16, klen - 16) != 0)) {
        return 0;
    }
    node_entry(n, out);
    return 1;
}

uint64_t helios_mem_bytes(const helios_mem_t *m)
{
    return atomic_load_explicit(&m->bytes, memory_order_relaxed);
}

uint64_t helios_mem_count(const helios_mem_t *m)
{
    return atomic_load_explicit(&m->count, memory_order_relaxed);
}

uint64_t helios_mem_min_seq(const helios_mem_t *m)
{
    return atomic_load(&m->min_seq);
}

uint64_t helios_mem_max_seq(const helios_mem_t *m)
{
    return atomic_load(&m->max_seq);
}

/* ---- iterator ---- */

typedef struct mem_iter {
    helios_sti_t base;
    helios_mem_t *m;
    mem_node_t *node;
} mem_iter_t;

static void mi_set(mem_iter_t *it, mem_node_t *n)
{
    it->node = n;
    it->base.valid = n != NULL && n != it->m->head;
    if (it->base.valid) {
        node_entry(n, &it->base.e);
    }
}

static void mi_seek(helios_sti_t *s, const uint8_t *k, uint32_t klen, uint64_t seq)
{
    mem_iter_t *it = (mem_iter_t *)s;
    mem_key_t mk = mem_key(k, klen);
    mi_set(it, mem_find_ge(it->m, &mk, seq, NULL));
}

static void mi_seek_lt(helios_sti_t *s, const uint8_t *k, uint32_t klen, uint64_t seq)
{
    mem_iter_t *it = (mem_iter_t *)s;
    mem_key_t mk = mem_key(k, klen);
    mi_set(it, mem_find_lt(it->m, &mk, seq));
}

static void mi_first(helios_sti_t *s)
{
    mem_iter_t *it = (mem_iter_t *)s;
    mi_set(it, atomic_load_explicit(&it->m->head->next[0], memory_order_acquire));
}

static void mi_last(helios_sti_t *s)
{
    mem_iter_t *it = (mem_iter_t *)s;
    mi_set(it, mem_find_last(it->m));
}

static void mi_next(helios_sti_t *s)
{
    mem_iter_t *it = (mem_iter_t *)s;
    mi_set(it, atomic_load_explicit(&it->node->next[0], memory_order_acquire));
}

static void mi_prev(helios_sti_t *s)
{
    mem_iter_t *it = (mem_iter_t *)s;
    mem_node_t *n = it->node;
    mem_key_t mk = mem_key(node_kv(n), n->klen);
    mi_set(it, mem_find_lt(it->m, &mk, n->seq));
}

static void mi_destroy(helios_sti_t *s)
{
    mem_iter_t *it = (mem_iter_t *)s;
    helios_mem_unref(it->m);
    free(it);
}

static const helios_sti_ops_t mem_iter_ops = {mi_seek, mi_seek_lt, mi_first,  mi_last,
                                              mi_next, mi_prev,    mi_destroy};

helios_sti_t *helios_mem_iter(helios_mem_t *m)
{
    mem_iter_t *it = calloc(1, sizeof(*it));
    if (it == NULL) {
        return NULL;
    }
    it->base.ops = &mem_iter_ops;
    it->m = m;
    helios_mem_ref(m);
    return &it->base;
}
