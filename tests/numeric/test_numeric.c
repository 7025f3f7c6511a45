/* tests/numeric/test_numeric.c -- numeric beyond 128 bits (kernel/sql/types_num.c), label unit.
 *
 * 1. Storage and wire forms over ~400 values (small, beyond 128 bits, tiny fractions, negative,
 *    NaN, +/-Infinity): the key encoding sorts exactly as num_cmp, also followed by another key
 *    column (ascending and descending), equal values (1.0, 1.00, 1e30 written either way) get
 *    one key and one hash; values the historical encoding represented keep their historical key
 *    bytes and their historical 17-byte row form; row and binary-wire forms round-trip.
 * 2. PostgreSQL 15's answers (expected_pg15.txt, written by numeric_vs_pg.py --write-expected
 *    from a real PostgreSQL 15) replayed through the embedded API: every result text and every
 *    SQLSTATE must match. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heliosdb.h"
#include "sql/sqlint.h"

static int failures, checks;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

#define MAXV 400
static val_t vals[MAXV];
static char *texts[MAXV];
static int nvals;
static arena_t ar;

static void add(const char *s)
{
    if (nvals >= MAXV)
        return;
    helios_err_t err = HELIOS_ERR_INIT;
    val_t v;
    if (num_parse(&ar, s, strlen(s), &v, &err) != 0) {
        CHECK(0, "parse %s: %s", s, err.message);
        return;
    }
    vals[nvals] = v;
    texts[nvals] = strdup(s);
    nvals++;
}

static int sgn(int x)
{
    return x < 0 ? -1 : x > 0;
}

static int keycmp(const sbuf_t *a, const sbuf_t *b)
{
    size_t m = a->len < b->len ? a->len : b->len;
    int c = m ? memcmp(a->d, b->d, m) : 0;
    if (c != 0)
        return sgn(c);
    return a->len < b->len ? -1 : a->len > b->len;
}

static void gen_values(void)
{
    static const char *fixed[] = {
        "0",
        "0.000",
        "1",
        "1.0",
        "1.00000000000000000000000000000000000000000000",
        "-1",
        "1.5",
        "-1.5",
        "0.5",
        "2",
        "10",
        "1e30",
        "1000000000000000000000000000000.0000",
        "-1e30",
        "1e-30",
        "-1e-30",
        "0.000000000000000001",
        "0.0000000000000000001",
        "0.00000000000000000015",
        "-0.0000000000000000001",
        "170141183460469231731.687303715884105727",
        "170141183460469231731.687303715884105726",
        "170141183460469231731.6873037158841057275",
        "170141183460469231731.687303715884105728",
        "170141183460469231732",
        "-170141183460469231731.687303715884105727",
        "-170141183460469231731.687303715884105728",
        "-170141183460469231731.6873037158841057285",
        "-170141183460469231731.687303715884105729",
        "-170141183460469231732",
        "99999999999999999999999999999999999999",
        "100000000000000000000000000000000000000",
        "-99999999999999999999999999999999999999",
        "123456789012345678901234567890.123456789",
        "1.0000000000000000001",
        "1.000000000000000001",
        "0.9999999999999999999",
        "1e131071",
        "-1e131071",
        "1e-16383",
        "-1e-16383",
        "NaN",
        "Infinity",
        "-Infinity",
        "nan",
        "inf",
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        add(fixed[i]);
    unsigned long long x = 88172645463325252ull;
    char buf[256];
    while (nvals < MAXV) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int ndig = 1 + (int)(x % 60), sc = (int)((x >> 8) % 45), neg = (int)((x >> 16) & 1);
        size_t p = 0;
        if (neg)
            buf[p++] = '-';
        unsigned long long y = x;
        for (int i = 0; i < ndig; i++) {
            y = y * 6364136223846793005ull + 1442695040888963407ull;
            buf[p++] = (char)('0' + (int)((y >> 33) % 10));
            if (i == ndig - sc - 1 && sc > 0 && i != ndig - 1)
                buf[p++] = '.';
        }
        if ((x >> 20) % 4 == 0)
            p += (size_t)snprintf(buf + p, sizeof buf - p, "e%d", (int)((x >> 24) % 80) - 40);
        buf[p] = '\0';
        add(buf);
    }
}

/* the encoding before types_num.c: value * 10^18 as a 128-bit integer, sign bit flipped */
static int historical_key(const val_t *v, unsigned char out[16])
{
    if (v->pad != NUM_SMALL || v->scale > 18)
        return 0;
    __int128 n = v->n;
    if (num_rescale(&n, v->scale, 18) != 0)
        return 0;
    if (n == -(__int128)(((unsigned __int128)1 << 127) - 1) - 1)
        return 0;
    unsigned __int128 u = (unsigned __int128)n ^ ((unsigned __int128)1 << 127);
    for (int i = 0; i < 16; i++)
        out[i] = (unsigned char)(u >> (120 - 8 * i));
    return 1;
}

static void test_storage(void)
{
    gen_values();
    sbuf_t *keys = calloc((size_t)nvals, sizeof(sbuf_t));
    for (int i = 0; i < nvals; i++) {
        num_key_encode(&keys[i], &vals[i]);
        unsigned char hk[16];
        if (historical_key(&vals[i], hk)) {
            CHECK(keys[i].len == 16 && memcmp(keys[i].d, hk, 16) == 0, "%s: historical key changed",
                  texts[i]);
        }
        /* row form round trip (and the historical 17 bytes for the small form) */
        sbuf_t row = {0};
        num_row_put(&row, &vals[i]);
        uint32_t l;
        memcpy(&l, row.d, 4);
        val_t back;
        memset(&back, 0, sizeof back);
        back.t = HELIOS_OID_NUMERIC;
        CHECK(l + 4 == row.len && num_row_get((const uint8_t *)row.d + 4, l, &back) == 0,
              "%s: row form", texts[i]);
        if (vals[i].pad == NUM_SMALL)
            CHECK(l == 17, "%s: small row form is %u bytes", texts[i], l);
        sbuf_t t1 = {0}, t2 = {0};
        num_out(&vals[i], &t1);
        num_out(&back, &t2);
        CHECK(t1.len == t2.len && memcmp(t1.d, t2.d, t1.len) == 0, "%s: row round trip %s",
              texts[i], t2.d);
        /* binary wire round trip */
        sbuf_t wire = {0};
        num_send_text(t1.d, t1.len, &wire);
        helios_err_t err = HELIOS_ERR_INIT;
        val_t w;
        CHECK(num_recv(&ar, (const uint8_t *)wire.d, wire.len, &w, &err) == 0, "%s: recv %s",
              texts[i], err.message);
        sbuf_t t3 = {0};
        num_out(&w, &t3);
        CHECK(t3.len == t1.len && memcmp(t3.d, t1.d, t1.len) == 0, "%s: wire round trip %s", t1.d,
              t3.d);
        sb_free(&row);
        sb_free(&t1);
        sb_free(&t2);
        sb_free(&t3);
        sb_free(&wire);
    }
    int order_bad = 0, comp_bad = 0, hash_bad = 0;
    for (int i = 0; i < nvals; i++) {
        for (int j = 0; j < nvals; j++) {
            int c = sgn(num_cmp(&vals[i], &vals[j]));
            int k = keycmp(&keys[i], &keys[j]);
            if (c != k && order_bad++ < 5) {
                CHECK(0, "key order %s vs %s: cmp %d key %d", texts[i], texts[j], c, k);
            }
            if (c == 0 && num_hash(&vals[i]) != num_hash(&vals[j]) && hash_bad++ < 5) {
                CHECK(0, "equal values %s and %s hash apart", texts[i], texts[j]);
            }
            /* composite keys: (numeric, int) with the int ascending and descending */
            if ((i * 7 + j) % 5 == 0) {
                for (int desc = 0; desc < 2; desc++) {
                    val_t a, b;
                    memset(&a, 0, sizeof a);
                    memset(&b, 0, sizeof b);
                    a.t = b.t = HELIOS_OID_INT4;
                    a.i = i % 3;
                    b.i = j % 3;
                    sbuf_t x = {0}, y = {0};
                    key_encode(&x, &vals[i], 0);
                    key_encode(&x, &a, desc);
                    key_encode(&y, &vals[j], 0);
                    key_encode(&y, &b, desc);
                    int want = c != 0 ? c : (desc ? -sgn((int)(a.i - b.i)) : sgn((int)(a.i - b.i)));
                    if (keycmp(&x, &y) != want && comp_bad++ < 5) {
                        CHECK(0, "composite key order (%s,%d) vs (%s,%d) desc %d", texts[i],
                              (int)a.i, texts[j], (int)b.i, desc);
                    }
                    sb_free(&x);
                    sb_free(&y);
                }
            }
        }
    }
    CHECK(order_bad == 0 && comp_bad == 0 && hash_bad == 0,
          "%d key order, %d composite, %d hash mismatches", order_bad, comp_bad, hash_bad);
    /* integral values hash like the integers (hash joins between int and numeric) */
    val_t five, big5;
    helios_err_t err = HELIOS_ERR_INIT;
    num_parse(&ar, "5", 1, &five, &err);
    const char *b5 = "5.00000000000000000000000000000000000000000000000000";
    num_parse(&ar, b5, strlen(b5), &big5, &err);
    val_t i5;
    memset(&i5, 0, sizeof i5);
    i5.t = HELIOS_OID_INT8;
    i5.i = 5;
    CHECK(big5.pad == NUM_BIG && val_hash(&big5) == val_hash(&i5) &&
              val_hash(&five) == val_hash(&i5) && val_cmp(&big5, &i5) == 0,
          "5 in three forms");
    for (int i = 0; i < nvals; i++)
        sb_free(&keys[i]);
    free(keys);
    printf("storage: %d values, %d pairs compared\n", nvals, nvals * nvals);
}

/* numeric_send's bytes as PostgreSQL 15 gives them (encode(numeric_send(x), 'hex')) */
static void test_wire_bytes(void)
{
    static const char *cases[][2] = {
        {"0", "0000000000000000"},
        {"0.00", "0000000000000002"},
        {"123.45", "0002000000000002007b1194"},
        {"-123.45", "0002000040000002007b1194"},
        {"1e30", "00010007000000000064"},
        {"-0.0001", "0001ffff400000040001"},
        {"99999999999999999999999999999999999999.99",
         "000b0009000000020063270f270f270f270f270f270f270f270f270f26ac"},
        {"1.10", "0002000000000002000103e8"},
        {"NaN", "00000000c0000000"},
        {"Infinity", "00000000d0000020"},
        {"-Infinity", "00000000f0000020"},
        {"12345678901234567890123456789.123456789",
         "000b000700000009000109291a85007b11d722c509291a8504d2162e2328"},
        {"0.000000000000000000000000000000000000000001", "0001fff50000002a0064"},
        {"10000", "00010001000000000001"},
        {"100000000", "00010002000000000001"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sbuf_t w = {0};
        num_send_text(cases[i][0], strlen(cases[i][0]), &w);
        char hex[256];
        size_t k = 0;
        for (size_t j = 0; j < w.len && k + 3 < sizeof hex; j++) {
            k += (size_t)snprintf(hex + k, sizeof hex - k, "%02x", (unsigned char)w.d[j]);
        }
        hex[k] = '\0';
        CHECK(strcmp(hex, cases[i][1]) == 0, "numeric_send(%s): %s, PostgreSQL %s", cases[i][0],
              hex, cases[i][1]);
        sb_free(&w);
    }
}

/* ---- PostgreSQL 15's answers through the embedded API ---- */
static void result_text(helios_session_t *s, const char *sql, sbuf_t *out)
{
    helios_err_t err = HELIOS_ERR_INIT;
    heliosdb_stmt_t *st;
    int32_t rc = heliosdb_prepare(s, sql, &st, &err);
    int rows = 0;
    if (rc == 0) {
        while ((rc = heliosdb_step(st, &err)) == HELIOSDB_ROW) {
            if (rows++ > 0)
                sb_puts(out, " | ");
            for (uint32_t c = 0; c < heliosdb_column_count(st); c++) {
                if (c > 0)
                    sb_putc(out, '\t');
                const char *t = heliosdb_column_text(st, c);
                sb_puts(out, t != NULL ? t : "\\N");
            }
        }
        heliosdb_finalize(st);
    }
    if (rc != 0) {
        char state[6];
        helios_sqlstate_str(rc, state);
        out->len = 0;
        sb_printf(out, "ERROR %s", state);
    }
    if (out->d == NULL)
        sb_puts(out, "");
}

static void test_against_pg(const char *expected)
{
    FILE *f = fopen(expected, "r");
    CHECK(f != NULL, "open %s", expected);
    if (f == NULL)
        return;
    char dir[] = "/tmp/helios_numeric_XXXXXX";
    if (mkdtemp(dir) == NULL)
        return;
    helios_engine_t *eng;
    helios_err_t err = HELIOS_ERR_INIT;
    heliosdb_options_t o = {.size = sizeof o, .no_sync = 1};
    if (heliosdb_open(dir, &o, &eng, &err) != 0) {
        CHECK(0, "heliosdb_open: %s", err.message);
        fclose(f);
        return;
    }
    helios_session_t *s;
    CHECK(heliosdb_connect(eng, NULL, &s, &err) == 0, "connect: %s", err.message);
    size_t cap = 1 << 20;
    char *q = malloc(cap), *want = malloc(cap);
    int n = 0, bad = 0;
    while (fgets(q, (int)cap, f) != NULL && fgets(want, (int)cap, f) != NULL) {
        q[strcspn(q, "\n")] = '\0';
        want[strcspn(want, "\n")] = '\0';
        sbuf_t got = {0};
        result_text(s, q, &got);
        n++;
        if (strcmp(got.d != NULL ? got.d : "", want) != 0) {
            bad++;
            CHECK(0, "%.300s\n  helios:   %.300s\n  postgres: %.300s", q, got.d, want);
        }
        sb_free(&got);
    }
    printf("postgres 15 answers: %d statements, %d differ\n", n, bad);
    CHECK(n > 2000, "only %d statements in %s", n, expected);
    free(q);
    free(want);
    fclose(f);
    heliosdb_disconnect(s);
    heliosdb_close(eng);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
    test_storage();
    test_wire_bytes();
    if (argc > 1)
        test_against_pg(argv[1]);
    for (int i = 0; i < nvals; i++)
        free(texts[i]);
    ar_free(&ar);
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
