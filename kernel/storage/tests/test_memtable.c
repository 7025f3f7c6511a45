/*
 * test_memtable.c -- the memtable skiplist against a sorted model: inserts in ascending runs
 * (the insert finger's path), descending and random order, keys of 0 to 40 bytes that share
 * 8- and 16-byte prefixes or differ only in trailing zero bytes and length, several versions
 * per key; then the full order (both directions), get at snapshots, seek and seek_lt.
 * Fixed seeds, so a failure is reproducible.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/internal.h"

#define MAXK 40

typedef struct ment {
    uint8_t k[MAXK];
    uint32_t klen;
    uint64_t seq;
    uint32_t val;
} ment_t;

static uint64_t rng;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int ent_cmp(const void *a, const void *b)
{
    const ment_t *x = a, *y = b;
    return helios_ikey_cmp(x->k, x->klen, x->seq, y->k, y->klen, y->seq);
}

/* key i of a small alphabet of shapes, so prefixes collide often */
static void make_key(uint64_t i, ment_t *e)
{
    static const uint32_t lens[] = {0, 1, 7, 8, 9, 9, 9, 15, 16, 17, 24, 40};
    e->klen = lens[i % (sizeof lens / sizeof lens[0])];
    memset(e->k, 0, sizeof e->k);
    uint64_t v = i / 12;
    /* a 16-byte shared head ("table" bytes), then the varying part near the end */
    for (uint32_t b = 0; b < e->klen; b++)
        e->k[b] = b < e->klen - 3 && b < 16 ? 0x80 : 0;
    for (uint32_t b = 0; b < 3 && b < e->klen; b++) {
        e->k[e->klen - 1 - b] = (uint8_t)(v >> (8 * b));
    }
    if (v % 5 == 0 && e->klen > 0)
        e->k[e->klen - 1] = 0; /* trailing zero byte */
}

static int n_fail;

static void check(helios_mem_t *m, ment_t *ents, size_t n)
{
    qsort(ents, n, sizeof *ents, ent_cmp);
    CU_ASSERT_EQUAL(helios_mem_count(m), n);
    /* forward order */
    helios_sti_t *it = helios_mem_iter(m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(it);
    size_t i = 0;
    for (it->ops->first(it); it->valid && i < n; it->ops->next(it), i++) {
        if (it->e.klen != ents[i].klen || memcmp(it->e.key, ents[i].k, ents[i].klen) != 0 ||
            it->e.seq != ents[i].seq) {
            if (n_fail++ < 5)
                fprintf(stderr, "order differs at %zu\n", i);
            CU_FAIL("forward order");
            break;
        }
        uint32_t val;
        memcpy(&val, it->e.val, 4);
        CU_ASSERT_EQUAL(val, ents[i].val);
    }
    CU_ASSERT_EQUAL(i, n);
    CU_ASSERT_FALSE(it->valid);
    /* backward order */
    i = n;
    for (it->ops->last(it); it->valid && i > 0; it->ops->prev(it)) {
        i--;
        CU_ASSERT_EQUAL(it->e.seq, ents[i].seq);
    }
    CU_ASSERT_EQUAL(i, 0);
    /* get, seek and seek_lt at random points */
    for (int q = 0; q < 3000; q++) {
        size_t j = rnd() % n;
        uint64_t snap = ents[j].seq + (rnd() % 3 == 0 ? rnd() % 50 : 0);
        /* the model: the first entry >= (key, snap) in ikey order */
        ment_t probe = ents[j];
        probe.seq = snap;
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (ent_cmp(&ents[mid], &probe) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        helios_entry_t e;
        int found = helios_mem_get(m, probe.k, probe.klen, snap, &e);
        int want = lo < n && helios_ukey_cmp(ents[lo].k, ents[lo].klen, probe.k, probe.klen) == 0;
        CU_ASSERT_EQUAL(found, want);
        if (found && want)
            CU_ASSERT_EQUAL(e.seq, ents[lo].seq);
        it->ops->seek(it, probe.k, probe.klen, snap);
        CU_ASSERT_EQUAL(it->valid != 0, lo < n);
        if (it->valid && lo < n)
            CU_ASSERT_EQUAL(it->e.seq, ents[lo].seq);
        it->ops->seek_lt(it, probe.k, probe.klen, snap);
        CU_ASSERT_EQUAL(it->valid != 0, lo > 0);
        if (it->valid && lo > 0)
            CU_ASSERT_EQUAL(it->e.seq, ents[lo - 1].seq);
    }
    it->ops->destroy(it);
}

/* order: 0 ascending runs with jumps back, 1 descending, 2 random, 3 one ascending pass */
static void run(int order, size_t n, uint64_t seed)
{
    rng = seed;
    ment_t *ents = calloc(n, sizeof *ents);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ents);
    helios_mem_t *m = helios_mem_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    /* the keys first (a few versions of some), then insert them in the chosen order */
    for (size_t i = 0; i < n; i++) {
        uint64_t id = rnd() % (n / 2 + 1);
        make_key(id, &ents[i]);
        ents[i].seq = i + 1; /* unique seqs: (key, seq) pairs never repeat */
        ents[i].val = (uint32_t)i;
    }
    ment_t *ins = malloc(n * sizeof *ins);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ins);
    memcpy(ins, ents, n * sizeof *ins);
    if (order == 0 || order == 3) {
        qsort(ins, n, sizeof *ins, ent_cmp);
        if (order == 0) {
            /* cut into runs of 1..200 and shuffle the runs */
            size_t start = 0;
            ment_t *out = malloc(n * sizeof *out);
            CU_ASSERT_PTR_NOT_NULL_FATAL(out);
            size_t runs[4096][2], nr = 0;
            while (start < n && nr < 4096) {
                size_t len = 1 + rnd() % 200;
                if (start + len > n || nr == 4095)
                    len = n - start;
                runs[nr][0] = start;
                runs[nr][1] = len;
                nr++;
                start += len;
            }
            for (size_t r = nr; r > 1; r--) {
                size_t j = rnd() % r;
                size_t t0 = runs[r - 1][0], t1 = runs[r - 1][1];
                runs[r - 1][0] = runs[j][0];
                runs[r - 1][1] = runs[j][1];
                runs[j][0] = t0;
                runs[j][1] = t1;
            }
            size_t o = 0;
            for (size_t r = 0; r < nr; r++) {
                memcpy(out + o, ins + runs[r][0], runs[r][1] * sizeof *out);
                o += runs[r][1];
            }
            memcpy(ins, out, n * sizeof *ins);
            free(out);
        }
    } else if (order == 1) {
        qsort(ins, n, sizeof *ins, ent_cmp);
        for (size_t i = 0; i < n / 2; i++) {
            ment_t t = ins[i];
            ins[i] = ins[n - 1 - i];
            ins[n - 1 - i] = t;
        }
    } else {
        for (size_t i = n; i > 1; i--) {
            size_t j = rnd() % i;
            ment_t t = ins[i - 1];
            ins[i - 1] = ins[j];
            ins[j] = t;
        }
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t v[4];
        memcpy(v, &ins[i].val, 4);
        CU_ASSERT_EQUAL_FATAL(
            helios_mem_add(m, ins[i].seq, HELIOS_ENT_PUT, ins[i].k, ins[i].klen, v, 4), 0);
    }
    check(m, ents, n);
    helios_mem_unref(m);
    free(ins);
    free(ents);
}

static void test_ascending_runs(void)
{
    run(0, 60000, 0x1234567u);
    run(0, 3000, 99u);
}

static void test_descending(void)
{
    run(1, 20000, 7u);
}

static void test_random(void)
{
    run(2, 60000, 0xabcdefu);
}

static void test_one_pass(void)
{
    run(3, 60000, 42u);
    run(3, 5, 43u);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("memtable", NULL, NULL);
    CU_add_test(s, "ascending runs in shuffled order", test_ascending_runs);
    CU_add_test(s, "descending", test_descending);
    CU_add_test(s, "random", test_random);
    CU_add_test(s, "one ascending pass", test_one_pass);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned f = CU_get_number_of_failures();
    CU_cleanup_registry();
    return f == 0 ? 0 : 1;
}
