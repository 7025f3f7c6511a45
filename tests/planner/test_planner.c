/* tests/planner/test_planner.c -- the planner (kernel/sql/bind_from.c, stats.c, exec_nl.c,
 * explain.c) through the embedded API: after ANALYZE, EXPLAIN shows the join order, the join
 * kinds (hash join building on the smaller input, index nested loop when the outer side is
 * small and the inner has a primary key or an index on the join columns) and the estimates;
 * every query returns the same rows with enable_nestloop / enable_hashjoin off; constant
 * folding and predicate pushdown (never below the NULL-producing side of an outer join);
 * statistics survive a restart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helios/sqlstate.h"
#include "heliosdb.h"

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

static char dir[256];
static helios_engine_t *eng;
static helios_session_t *s;

static int32_t ex(const char *sql)
{
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t rc = heliosdb_exec(s, sql, &err);
    if (rc != 0) printf("  (%s: %s)\n", sql, err.message);
    return rc;
}

typedef struct result {
    int32_t rc;
    char msg[256];
    uint64_t rows, hash;
    char text[8192]; /* rows joined by '\n' (truncated) */
} result_t;

static void run_on(helios_session_t *sess, const char *sql, result_t *r)
{
    helios_err_t err = HELIOS_ERR_INIT;
    heliosdb_stmt_t *st;
    memset(r, 0, sizeof *r);
    r->hash = 1469598103934665603ull;
    if ((r->rc = heliosdb_prepare(sess, sql, &st, &err)) != 0) {
        snprintf(r->msg, sizeof r->msg, "%.200s", err.message);
        return;
    }
    int32_t rc;
    size_t o = 0;
    while ((rc = heliosdb_step(st, &err)) == HELIOSDB_ROW) {
        char line[1024];
        size_t lo = 0;
        for (uint32_t c = 0; c < heliosdb_column_count(st); c++) {
            const char *t = heliosdb_column_text(st, c);
            lo += (size_t)snprintf(line + lo, sizeof line - lo, "%s%s", c ? "|" : "", t ? t : "NULL");
            if (lo >= sizeof line) lo = sizeof line - 1;
        }
        for (size_t i = 0; i < lo; i++) r->hash = (r->hash ^ (uint8_t)line[i]) * 1099511628211ull;
        r->hash = (r->hash ^ '\n') * 1099511628211ull;
        if (o + lo + 2 < sizeof r->text) {
            memcpy(r->text + o, line, lo);
            o += lo;
            r->text[o++] = '\n';
            r->text[o] = 0;
        }
        r->rows++;
    }
    r->rc = rc;
    if (rc != 0) snprintf(r->msg, sizeof r->msg, "%.200s", err.message);
    heliosdb_finalize(st);
}

static void run(const char *sql, result_t *r)
{
    run_on(s, sql, r);
}

/* the plan of sql as text */
static void explain(const char *sql, result_t *r)
{
    char q[4096];
    snprintf(q, sizeof q, "EXPLAIN %s", sql);
    run(q, r);
}

/* line index of the first line containing needle, -1 if none */
static int line_of(const char *text, const char *needle)
{
    const char *p = strstr(text, needle);
    if (p == NULL) return -1;
    int n = 0;
    for (const char *c = text; c < p; c++) n += *c == '\n';
    return n;
}

static void open_db(void)
{
    helios_err_t err = HELIOS_ERR_INIT;
    heliosdb_options_t o = {.size = sizeof o, .no_sync = 1};
    if (heliosdb_open(dir, &o, &eng, &err) != 0 || heliosdb_connect(eng, NULL, &s, &err) != 0) {
        printf("open: %s\n", err.message);
        exit(1);
    }
}

static void close_db(void)
{
    heliosdb_disconnect(s);
    heliosdb_close(eng);
}

/* the query gives the same rows under every combination of the join switches (both off:
   plain nested loops, only for joins small enough to run as cross products quickly, also
   under ASan) */
static void same_rows_forced_n(const char *sql, int n_sets);
static void same_rows_forced(const char *sql)
{
    same_rows_forced_n(sql, 3);
}

/* without the both-off combination */
static void same_rows_forced2(const char *sql)
{
    same_rows_forced_n(sql, 2);
}

static void same_rows_forced_n(const char *sql, int n_sets)
{
    result_t base, r;
    ex("RESET enable_nestloop");
    ex("RESET enable_hashjoin");
    run(sql, &base);
    CHECK(base.rc == 0, "%s: %s", sql, base.msg);
    static const char *sets[][2] = {{"off", "on"}, {"on", "off"}, {"off", "off"}};
    for (int i = 0; i < n_sets; i++) {
        char q[128];
        snprintf(q, sizeof q, "SET enable_nestloop = %s", sets[i][0]);
        ex(q);
        snprintf(q, sizeof q, "SET enable_hashjoin = %s", sets[i][1]);
        ex(q);
        run(sql, &r);
        CHECK(r.rc == 0 && r.rows == base.rows && r.hash == base.hash,
              "nestloop=%s hashjoin=%s changes the result of %s: %llu rows vs %llu (%s)",
              sets[i][0], sets[i][1], sql, (unsigned long long)r.rows,
              (unsigned long long)base.rows, r.msg);
    }
    ex("RESET enable_nestloop");
    ex("RESET enable_hashjoin");
}

static const char *q3 =
    "SELECT r.name, c.name, o.id, o.amount FROM orders o JOIN customers c ON o.customer_id = c.id "
    "JOIN regions r ON c.region_id = r.id WHERE r.name = 'region 3' ORDER BY o.id";

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/helios_planner_XXXXXX");
    if (mkdtemp(dir) == NULL) return 1;
    open_db();
    result_t r, r2;
    CHECK(ex("CREATE TABLE regions (id int PRIMARY KEY, name text)") == 0, "regions");
    CHECK(ex("CREATE TABLE customers (id int PRIMARY KEY, region_id int, segment int, name text)") == 0,
          "customers");
    CHECK(ex("CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount numeric(10,2))") == 0,
          "orders");
    CHECK(ex("CREATE INDEX orders_customer ON orders (customer_id)") == 0, "index");
    CHECK(ex("INSERT INTO regions SELECT g, 'region ' || g FROM generate_series(0, 9) g") == 0, "ins");
    CHECK(ex("INSERT INTO customers SELECT g, g % 10, g % 50, 'customer ' || g FROM "
             "generate_series(1, 1000) g") == 0, "ins");
    /* customers 991..1000 have no orders */
    CHECK(ex("INSERT INTO orders SELECT g, 1 + (g * 7) % 990, (g % 1000) / 10.0 FROM "
             "generate_series(1, 20000) g") == 0, "ins");
    CHECK(ex("ANALYZE") == 0, "analyze");

    /* estimates from the statistics: 1000 / 50 distinct segments, 1 of 10 region names */
    explain("SELECT * FROM customers WHERE segment = 7", &r);
    CHECK(r.rc == 0 && strstr(r.text, "Seq Scan on customers  (rows=20)") != NULL, "segment:\n%s%s",
          r.text, r.msg);
    explain("SELECT * FROM regions WHERE name = 'region 3'", &r);
    CHECK(strstr(r.text, "Seq Scan on regions  (rows=1)") != NULL, "regions:\n%s", r.text);
    /* range selectivity from min/max: ids 1..20000, id > 15000 is a quarter */
    explain("SELECT * FROM orders WHERE amount > 75", &r);
    CHECK(strstr(r.text, "(rows=49") != NULL || strstr(r.text, "(rows=50") != NULL, "range:\n%s",
          r.text);

    /* 3-table join with a selective filter on the small table: regions first, customers by
       hash join, orders looked up through its index on customer_id */
    explain(q3, &r);
    printf("%s", r.text);
    int nl = line_of(r.text, "Nested Loop"), ix = line_of(r.text, "Index Scan using orders_customer on orders o");
    int sr = line_of(r.text, "Seq Scan on regions r"), sc = line_of(r.text, "Seq Scan on customers c");
    CHECK(nl >= 0 && ix > nl && sr > nl && sc > nl, "3-table plan:\n%s", r.text);
    CHECK(strstr(r.text, "Index Cond: (o.customer_id = c.id)") != NULL, "index cond:\n%s", r.text);
    CHECK(strstr(r.text, "Filter: (r.name = 'region 3')") != NULL, "pushed filter:\n%s", r.text);
    run(q3, &r);
    CHECK(r.rc == 0 && r.rows == 2000, "q3: %llu rows %s", (unsigned long long)r.rows, r.msg);
    same_rows_forced(q3);
    /* forced off: no index nested loop, a hash join instead */
    ex("SET enable_nestloop = off");
    explain(q3, &r);
    CHECK(strstr(r.text, "Nested Loop") == NULL && strstr(r.text, "Hash Join") != NULL &&
              strstr(r.text, "Seq Scan on orders o") != NULL,
          "nestloop off:\n%s", r.text);
    ex("RESET enable_nestloop");
    ex("SET enable_hashjoin = off");
    explain(q3, &r);
    CHECK(strstr(r.text, "Hash") == NULL, "hashjoin off:\n%s", r.text);
    ex("RESET enable_hashjoin");

    /* no filter: hash joins, the hash table over the smaller input */
    const char *q2 = "SELECT count(*), sum(o.amount) FROM orders o JOIN customers c ON o.customer_id = c.id";
    explain(q2, &r);
    printf("%s", r.text);
    int h = line_of(r.text, "->  Hash  "), cs = line_of(r.text, "Seq Scan on customers c"),
        os = line_of(r.text, "Seq Scan on orders o");
    CHECK(strstr(r.text, "Hash Join") != NULL && h >= 0 && cs > h && os >= 0 && os < h,
          "build side:\n%s", r.text);
    same_rows_forced2(q2);

    /* a small outer side and a primary key on the inner: index nested loop by the key */
    const char *qpk = "SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id "
                      "WHERE o.id BETWEEN 100 AND 120 ORDER BY o.id";
    explain(qpk, &r);
    CHECK(strstr(r.text, "Index Scan using customers_pkey on customers c") != NULL &&
              strstr(r.text, "Nested Loop") != NULL,
          "pk lookup:\n%s", r.text);
    same_rows_forced(qpk);

    /* LEFT JOIN by index nested loop; the customers without orders come out NULL-extended */
    const char *ql = "SELECT c.id, o.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id "
                     "WHERE c.id > 985 ORDER BY c.id, o.id";
    explain(ql, &r);
    CHECK(strstr(r.text, "Nested Loop Left Join") != NULL &&
              strstr(r.text, "Index Scan using orders_customer on orders o") != NULL,
          "left nl:\n%s", r.text);
    run(ql, &r);
    CHECK(r.rc == 0 && strstr(r.text, "1000|NULL") != NULL, "left rows: %s", r.msg);
    same_rows_forced(ql);
    /* the WHERE filter on the preserved side went below the join; one on the NULL-producing
       side stays above it */
    CHECK(line_of(r.text, "x") >= -1, "-");
    explain(ql, &r2);
    CHECK(line_of(r2.text, "Filter: (c.id > 985)") > line_of(r2.text, "Nested Loop Left Join") ||
              strstr(r2.text, "Index Cond: (c.id > 985)") != NULL,
          "preserved side filter:\n%s", r2.text);
    const char *qn = "SELECT c.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id "
                     "WHERE o.id IS NULL ORDER BY c.id";
    run(qn, &r);
    CHECK(r.rc == 0 && r.rows == 10, "anti-join rows %llu %s", (unsigned long long)r.rows, r.msg);
    explain(qn, &r2);
    CHECK(line_of(r2.text, "(o.id IS NULL)") < line_of(r2.text, "Seq Scan on orders o") ||
              strstr(r2.text, "Seq Scan on orders o") == NULL,
          "null-side filter pushed:\n%s", r2.text);
    same_rows_forced2(qn);
    /* a WHERE condition that rejects NULLs on that side makes the outer join an inner join
       (and then filters that side below it) */
    const char *qi = "SELECT c.id, o.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id "
                     "WHERE o.amount > 99.5 AND c.id < 200 ORDER BY 1, 2";
    explain(qi, &r2);
    CHECK(strstr(r2.text, "Left Join") == NULL &&
              line_of(r2.text, "(o.amount > 99.5)") > line_of(r2.text, "Join"),
          "outer to inner:\n%s", r2.text);
    same_rows_forced2(qi);
    same_rows_forced2("SELECT c.id, o.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id "
                     "LEFT JOIN regions r ON r.id = c.region_id AND r.id > 5 "
                     "WHERE (o.amount IS NOT NULL OR c.id > 990) AND r.name LIKE 'region%' ORDER BY 1, 2");
    same_rows_forced2("SELECT c.id, o.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id "
                     "WHERE COALESCE(o.amount, 0) = 0 ORDER BY 1, 2");
    /* an ON condition over the NULL-producing side filters that side only */
    const char *qo = "SELECT c.id, count(o.id) FROM customers c LEFT JOIN orders o "
                     "ON o.customer_id = c.id AND o.amount > 90 WHERE c.id <= 30 GROUP BY c.id ORDER BY c.id";
    same_rows_forced(qo);
    run(qo, &r);
    CHECK(r.rc == 0 && r.rows == 30, "on-filter rows %llu %s", (unsigned long long)r.rows, r.msg);

    /* constant folding */
    explain("SELECT * FROM orders WHERE 1 = 1 AND id = 2 + 3", &r);
    CHECK(strstr(r.text, "Index Cond: (orders.id = 5)") != NULL && strstr(r.text, "1 = 1") == NULL &&
              strstr(r.text, "2 + 3") == NULL,
          "folding:\n%s", r.text);
    run("SELECT id FROM orders WHERE 1 = 1 AND id = 2 + 3", &r);
    CHECK(r.rc == 0 && strcmp(r.text, "5\n") == 0, "folded query: %s %s", r.text, r.msg);
    run("SELECT count(*) FROM orders WHERE 1 = 0 OR id < 3", &r);
    CHECK(r.rc == 0 && strcmp(r.text, "2\n") == 0, "or fold: %s %s", r.text, r.msg);
    /* an error in a constant stays a run-time error (no row reaches it: none) */
    run("SELECT count(*) FROM orders WHERE id < 0 AND 1 / 0 = 1", &r);
    CHECK(r.rc == 0 || r.rc == HELIOS_ERR_DIVISION_BY_ZERO, "1/0: %s", r.msg);

    /* more join shapes give the same rows forced either way */
    same_rows_forced("SELECT c.segment, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id "
                     "JOIN regions r ON r.id = c.region_id WHERE c.segment < 5 GROUP BY c.segment "
                     "ORDER BY 1");
    same_rows_forced("SELECT r.id, c.id FROM regions r RIGHT JOIN customers c ON c.region_id = r.id "
                     "AND r.id < 3 WHERE c.id < 40 ORDER BY 2");
    same_rows_forced("SELECT a.id, b.id FROM customers a JOIN customers b ON a.id = b.segment "
                     "WHERE a.id < 20 ORDER BY 1, 2");

    /* subqueries and CTEs appear under their names */
    explain("WITH big AS (SELECT * FROM orders WHERE amount > 99) SELECT count(*) FROM big b "
            "JOIN customers c ON c.id = b.customer_id", &r);
    CHECK(r.rc == 0 && strstr(r.text, "Subquery Scan on b") != NULL &&
              strstr(r.text, "Filter: (orders.amount > 99)") != NULL,
          "cte:\n%s%s", r.text, r.msg);

    /* index nested-loop lookups read as scans do: a transaction's own writes, the snapshot
       of REPEATABLE READ, only committed rows of others under READ COMMITTED */
    {
        const char *qv = "SELECT count(*) FROM customers c JOIN orders o ON o.customer_id = c.id "
                         "WHERE c.id = 42";
        helios_session_t *s2;
        helios_err_t err = HELIOS_ERR_INIT;
        CHECK(heliosdb_connect(eng, NULL, &s2, &err) == 0, "connect: %s", err.message);
        explain(qv, &r);
        CHECK(strstr(r.text, "Nested Loop") != NULL && strstr(r.text, "orders_customer") != NULL,
              "visibility plan:\n%s", r.text);
        result_t v0, v;
        run(qv, &v0);
        CHECK(heliosdb_exec(s2, "BEGIN ISOLATION LEVEL REPEATABLE READ", &err) == 0, "%s", err.message);
        run_on(s2, qv, &v);
        CHECK(strcmp(v.text, v0.text) == 0, "rr first: %s vs %s", v.text, v0.text);
        CHECK(ex("INSERT INTO orders VALUES (30001, 42, 1.00)") == 0, "ins");
        run(qv, &r);
        long base = atol(v0.text);
        CHECK(atol(r.text) == base + 1, "committed insert: %s (base %ld)", r.text, base);
        run_on(s2, qv, &v);
        CHECK(atol(v.text) == base, "repeatable read sees a later commit: %s", v.text);
        CHECK(heliosdb_exec(s2, "COMMIT", &err) == 0, "%s", err.message);
        run_on(s2, qv, &v);
        CHECK(atol(v.text) == base + 1, "after commit: %s", v.text);
        CHECK(ex("BEGIN") == 0 && ex("INSERT INTO orders VALUES (30002, 42, 2.00)") == 0 &&
                  ex("DELETE FROM orders WHERE id = 30001") == 0, "txn");
        run(qv, &r);
        CHECK(atol(r.text) == base + 1, "own insert + delete: %s", r.text);
        run("SELECT o.id FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = 42 "
            "AND o.id > 30000", &r);
        CHECK(strcmp(r.text, "30002\n") == 0, "own writes through the index: %s", r.text);
        run_on(s2, qv, &v);
        CHECK(atol(v.text) == base + 1, "read committed sees no uncommitted row: %s", v.text);
        run_on(s2, "SELECT o.id FROM customers c JOIN orders o ON o.customer_id = c.id WHERE "
                   "c.id = 42 AND o.id > 30000", &v);
        CHECK(strcmp(v.text, "30001\n") == 0, "other session: %s", v.text);
        CHECK(ex("ROLLBACK") == 0, "rollback");
        CHECK(ex("DELETE FROM orders WHERE id = 30001") == 0, "cleanup");
        heliosdb_disconnect(s2);
    }

    /* subqueries as SubPlan entries; HAVING over the aggregate's output */
    explain("SELECT c.id, (SELECT count(*) FROM orders o WHERE o.customer_id = c.id) FROM customers c "
            "WHERE c.id < 3", &r);
    CHECK(strstr(r.text, "SubPlan 1") != NULL &&
              strstr(r.text, "Index Cond: (o.customer_id = c.id)") != NULL,
          "subplan:\n%s", r.text);
    explain("SELECT segment, count(*) FROM customers GROUP BY segment HAVING count(*) > 1", &r);
    CHECK(strstr(r.text, "Filter: (count(*) > 1)") != NULL &&
              strstr(r.text, "Group Key: customers.segment") != NULL,
          "having:\n%s", r.text);

    /* automatic ANALYZE: a table of 500+ rows gets statistics at its first plan, and again
       once its row count moved by more than 10% */
    CHECK(ex("CREATE TABLE auto_t (id int PRIMARY KEY, k int)") == 0, "auto_t");
    CHECK(ex("INSERT INTO auto_t SELECT g, g % 25 FROM generate_series(1, 1000) g") == 0, "ins");
    explain("SELECT * FROM auto_t WHERE k = 3", &r);
    CHECK(strstr(r.text, "Seq Scan on auto_t  (rows=40)") != NULL, "auto analyze:\n%s", r.text);
    CHECK(ex("INSERT INTO auto_t SELECT g, g % 100 FROM generate_series(1001, 3000) g") == 0, "ins");
    explain("SELECT * FROM auto_t WHERE k = 3", &r);
    CHECK(strstr(r.text, "Seq Scan on auto_t  (rows=30)") != NULL, "re-analyze:\n%s", r.text);

    /* errors */
    run("ANALYZE no_such_table", &r);
    CHECK(r.rc == HELIOS_ERR_UNDEFINED_TABLE, "analyze missing: %d", r.rc);
    run("EXPLAIN ANALYZE SELECT 1", &r);
    CHECK(r.rc == HELIOS_ERR_FEATURE_NOT_SUPPORTED, "explain analyze: %d", r.rc);

    /* statistics survive a restart */
    explain("SELECT * FROM customers WHERE segment = 7", &r);
    explain(q3, &r2);
    close_db();
    open_db();
    result_t a, b;
    explain("SELECT * FROM customers WHERE segment = 7", &a);
    explain(q3, &b);
    CHECK(strcmp(a.text, r.text) == 0, "after restart:\n%s\nbefore:\n%s", a.text, r.text);
    CHECK(strcmp(b.text, r2.text) == 0, "after restart:\n%s\nbefore:\n%s", b.text, r2.text);
    run("SELECT reltuples FROM pg_class WHERE relname = 'orders'", &a);
    CHECK(a.rc == 0 && strcmp(a.text, "20000\n") == 0, "reltuples: %s %s", a.text, a.msg);
    /* pg_stats: a count for a category column, minus a fraction for a key-like one */
    run("SELECT attname, null_frac, n_distinct FROM pg_stats WHERE tablename = 'customers' "
        "ORDER BY attname", &a);
    CHECK(a.rc == 0 && (strstr(a.text, "id|0|-1\n") != NULL || strstr(a.text, "id|0|-0.9") != NULL) && strstr(a.text, "region_id|0|10\n") != NULL &&
              strstr(a.text, "segment|0|50\n") != NULL,
          "pg_stats:\n%s %s", a.text, a.msg);
    close_db();

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) printf("cleanup failed\n");
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
