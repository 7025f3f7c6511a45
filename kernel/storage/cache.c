/*
 * cache.c -- the block cache: decoded blocks by (file, offset), LRU per shard.
 * Blocks are reference counted: an evicted block lives on while an iterator holds it.
 */
#include <stdlib.h>

#include "storage/internal.h"

#define CACHE_SHARDS 16 /* picked by the hash's top 4 bits; buckets use the low bits */

typedef struct cache_ent {
    uint64_t file_no, offset;
    helios_block_t *b;
    struct cache_ent *hnext;
    struct cache_ent *prev, *next; /* LRU, head = most recent */
} cache_ent_t;

typedef struct cache_shard {
    pthread_mutex_t mu;
    cache_ent_t **tab;
    uint32_t tab_cap, n;
    size_t used, cap;
    cache_ent_t lru; /* sentinel */
} cache_shard_t;

struct helios_cache {
    cache_shard_t sh[CACHE_SHARDS];
};

void helios_block_unref(helios_block_t *b)
{
    if (b != NULL && atomic_fetch_sub(&b->refs, 1) == 1) {
        free(b->mem);
        free(b);
    }
}

static uint64_t cache_hash(uint64_t f, uint64_t o)
{
    uint64_t h = f * 0x9E3779B97F4A7C15ULL ^ (o + 0x632BE59BD9B4E019ULL) * 0xC2B2AE3D27D4EB4FULL;
    return h ^ (h >> 29);
}

helios_cache_t *helios_cache_new(size_t capacity_bytes)
{
    helios_cache_t *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    for (int i = 0; i < CACHE_SHARDS; i++) {
        cache_shard_t *s = &c->sh[i];
        pthread_mutex_init(&s->mu, NULL);
        s->cap = capacity_bytes / CACHE_SHARDS;
        s->lru.prev = s->lru.next = &s->lru;
        s->tab_cap = 1024;
        s->tab = calloc(s->tab_cap, sizeof(*s->tab));
        if (s->tab == NULL) {
            helios_cache_free(c);
            return NULL;
        }
    }
    return c;
}

static void lru_unlink(cache_ent_t *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
}

static void lru_push(cache_shard_t *s, cache_ent_t *e)
{
    e->next = s->lru.next;
    e->prev = &s->lru;
    s->lru.next->prev = e;
    s->lru.next = e;
}

static void shard_remove(cache_shard_t *s, cache_ent_t *e, uint64_t h)
{
    cache_ent_t **pp = &s->tab[h & (s->tab_cap - 1)];
    while (*pp != e) {
        pp = &(*pp)->hnext;
    }
    *pp = e->hnext;
    lru_unlink(e);
    s->used -= e->b->charge;
    s->n--;
    helios_block_unref(e->b);
    free(e);
}

void helios_cache_free(helios_cache_t *c)
{
    if (c == NULL) {
        return;
    }
    for (int i = 0; i < CACHE_SHARDS; i++) {
        cache_shard_t *s = &c->sh[i];
        if (s->tab != NULL) {
            while (s->lru.next != &s->lru) {
                cache_ent_t *e = s->lru.next;
                shard_remove(s, e, cache_hash(e->file_no, e->offset));
            }
            free(s->tab);
        }
        pthread_mutex_destroy(&s->mu);
    }
    free(c);
}

helios_block_t *helios_cache_lookup(helios_cache_t *c, uint64_t file_no, uint64_t offset)
{
    uint64_t h = cache_hash(file_no, offset);
    cache_shard_t *s = &c->sh[h >> 60];
    helios_block_t *b = NULL;
    pthread_mutex_lock(&s->mu);
    for (cache_ent_t *e = s->tab[h & (s->tab_cap - 1)]; e != NULL; e = e->hnext) {
        if (e->file_no == file_no && e->offset == offset) {
            b = e->b;
            atomic_fetch_add(&b->refs, 1);
            lru_unlink(e);
            lru_push(s, e);
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return b;
}

static void shard_grow(cache_shard_t *s)
{
    uint32_t cap = s->tab_cap * 2;
    cache_ent_t **nt = calloc(cap, sizeof(*nt));
    if (nt == NULL) {
        return;
    }
    for (uint32_t i = 0; i < s->tab_cap; i++) {
        cache_ent_t *e = s->tab[i];
        while (e != NULL) {
            cache_ent_t *n = e->hnext;
            uint64_t h = cache_hash(e->file_no, e->offset);
            e->hnext = nt[h & (cap - 1)];
            nt[h & (cap - 1)] = e;
            e = n;
        }
    }
    free(s->tab);
    s->tab = nt;
    s->tab_cap = cap;
}

void helios_cache_insert(helios_cache_t *c, uint64_t file_no, uint64_t offset, helios_block_t *b)
{
    uint64_t h = cache_hash(file_no, offset);
    cache_shard_t *s = &c->sh[h >> 60];
    if (b->charge > s->cap) {
        return;
    }
    cache_ent_t *ne = malloc(sizeof(*ne));
    if (ne == NULL) {
        return;
    }
    ne->file_no = file_no;
    ne->offset = offset;
    ne->b = b;
    pthread_mutex_lock(&s->mu);
    for (cache_ent_t *e = s->tab[h & (s->tab_cap - 1)]; e != NULL; e = e->hnext) {
        if (e->file_no == file_no && e->offset == offset) {
            pthread_mutex_unlock(&s->mu); /* another reader inserted it first */
            free(ne);
            return;
        }
    }
    atomic_fetch_add(&b->refs, 1);
    ne->hnext = s->tab[h & (s->tab_cap - 1)];
    s->tab[h & (s->tab_cap - 1)] = ne;
    lru_push(s, ne);
    s->used += b->charge;
    s->n++;
    while (s->used > s->cap && s->lru.prev != &s->lru) {
        cache_ent_t *old = s->lru.prev;
        shard_remove(s, old, cache_hash(old->file_no, old->offset));
    }
    if (s->n > s->tab_cap) {
        shard_grow(s);
    }
    pthread_mutex_unlock(&s->mu);
}

void helios_cache_erase_file(helios_cache_t *c, uint64_t file_no)
{
    for (int i = 0; i < CACHE_SHARDS; i++) {
        cache_shard_t *s = &c->sh[i];
        pthread_mutex_lock(&s->mu);
        for (cache_ent_t *e = s->lru.next; e != &s->lru;) {
            cache_ent_t *n = e->next;
            if (e->file_no == file_no) {
                shard_remove(s, e, cache_hash(e->file_no, e->offset));
            }
            e = n;
        }
        pthread_mutex_unlock(&s->mu);
    }
}
