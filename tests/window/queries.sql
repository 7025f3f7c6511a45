-- Window functions, WITH RECURSIVE and LATERAL, compared with PostgreSQL 15 (window_pg.py).
-- One statement per line. Every query orders its result completely (ties broken by a unique
-- column), so both engines must return the same rows in the same order. Statements that fail
-- must fail on both with the same SQLSTATE.
CREATE TABLE emp (id int PRIMARY KEY, dept text, name text, salary int, bonus numeric(8,2), hired date, ts timestamp, f float8, ok bool)
INSERT INTO emp VALUES (1,'eng','ann',100,1.50,'2020-01-05','2024-01-01 10:00:00',0.5,true),(2,'eng','bob',120,NULL,'2019-03-01','2024-01-01 11:30:00',1.25,true),(3,'eng','cid',100,2.25,'2021-07-15','2024-01-02 09:00:00',NULL,false),(4,'ops','dan',90,0.75,'2018-11-30','2024-01-02 09:00:00',2.5,true),(5,'ops','eve',NULL,3.00,'2022-02-02','2024-01-03 12:00:00',-1.0,NULL),(6,'ops','fay',90,NULL,'2020-06-06','2024-01-05 08:15:00',3.75,false),(7,'hr','gus',70,1.00,'2023-01-01','2024-01-05 08:15:00',0.0,true),(8,NULL,'hal',150,5.50,'2017-05-05','2024-01-07 23:59:59',8.0,true),(9,'eng','ivy',130,4.00,'2016-09-09','2024-01-08 00:00:00',0.5,false),(10,'hr','joe',70,NULL,NULL,NULL,NULL,true),(11,'ops','kim',110,2.00,'2021-01-01','2024-01-09 10:10:10',1.5,true),(12,'eng','lea',NULL,NULL,'2020-01-05','2024-01-10 10:00:00',2.0,false)
CREATE TABLE nums (n int PRIMARY KEY, g int, v int, t text)
INSERT INTO nums SELECT i, i % 4, CASE WHEN i % 9 = 0 THEN NULL ELSE (i * 7) % 11 END, chr(97 + i % 5) FROM generate_series(1, 40) AS s(i)
CREATE TABLE edges (src int, dst int)
INSERT INTO edges VALUES (1,2),(2,3),(3,4),(4,2),(1,5),(5,6),(6,1),(7,8)
CREATE TABLE tree (id int PRIMARY KEY, parent int, name text)
INSERT INTO tree VALUES (1,NULL,'root'),(2,1,'a'),(3,1,'b'),(4,2,'a1'),(5,2,'a2'),(6,4,'a1x'),(7,3,'b1'),(8,NULL,'other'),(9,8,'o1')
-- ranking
SELECT id, salary, row_number() OVER (ORDER BY id) FROM emp ORDER BY id
SELECT id, salary, rank() OVER (ORDER BY salary), dense_rank() OVER (ORDER BY salary) FROM emp ORDER BY id
SELECT id, salary, rank() OVER (ORDER BY salary DESC), dense_rank() OVER (ORDER BY salary DESC NULLS LAST) FROM emp ORDER BY id
SELECT id, dept, salary, rank() OVER (PARTITION BY dept ORDER BY salary), row_number() OVER (PARTITION BY dept ORDER BY salary, id) FROM emp ORDER BY id
SELECT id, percent_rank() OVER (ORDER BY salary), cume_dist() OVER (ORDER BY salary) FROM emp ORDER BY id
SELECT id, dept, percent_rank() OVER (PARTITION BY dept ORDER BY salary NULLS FIRST), cume_dist() OVER (PARTITION BY dept ORDER BY salary NULLS FIRST) FROM emp ORDER BY id
SELECT id, ntile(3) OVER (ORDER BY id), ntile(5) OVER (ORDER BY id), ntile(20) OVER (ORDER BY id) FROM emp ORDER BY id
SELECT id, dept, ntile(2) OVER (PARTITION BY dept ORDER BY id) FROM emp ORDER BY id
SELECT n, ntile(7) OVER (PARTITION BY g ORDER BY n) FROM nums ORDER BY n
SELECT id, row_number() OVER () > 0 FROM emp ORDER BY id
SELECT id, rank() OVER () FROM emp ORDER BY id
SELECT id, rank() OVER (PARTITION BY dept) FROM emp ORDER BY id
-- lag / lead
SELECT id, salary, lag(salary) OVER (ORDER BY id), lead(salary) OVER (ORDER BY id) FROM emp ORDER BY id
SELECT id, lag(salary, 2) OVER (ORDER BY id), lead(salary, 3, -1) OVER (ORDER BY id) FROM emp ORDER BY id
SELECT id, dept, lag(name, 1, 'none') OVER (PARTITION BY dept ORDER BY id), lead(name) OVER (PARTITION BY dept ORDER BY id) FROM emp ORDER BY id
SELECT id, lag(salary, 0) OVER (ORDER BY id), lag(salary, -1) OVER (ORDER BY id), lead(salary, -2) OVER (ORDER BY id) FROM emp ORDER BY id
SELECT id, lag(salary, NULL) OVER (ORDER BY id) FROM emp ORDER BY id
SELECT id, lag(bonus, 1, 0) OVER (ORDER BY id), lead(f, 1, 0.5) OVER (ORDER BY id) FROM emp ORDER BY id
SELECT id, lag(salary, 1, 1.5) OVER (ORDER BY id) FROM emp ORDER BY id
SELECT id, salary - lag(salary) OVER (ORDER BY id) AS diff FROM emp ORDER BY id
SELECT n, lag(v, g) OVER (ORDER BY n) FROM nums ORDER BY n
SELECT id, lead(hired) OVER (ORDER BY id), lag(ts) OVER (ORDER BY id), lag(ok) OVER (ORDER BY id) FROM emp ORDER BY id
-- first / last / nth value
SELECT id, first_value(name) OVER (ORDER BY id), last_value(name) OVER (ORDER BY id) FROM emp ORDER BY id
SELECT id, first_value(name) OVER (PARTITION BY dept ORDER BY salary, id), last_value(name) OVER (PARTITION BY dept ORDER BY salary, id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM emp ORDER BY id
SELECT id, nth_value(name, 2) OVER (ORDER BY id), nth_value(name, 3) OVER (PARTITION BY dept ORDER BY id) FROM emp ORDER BY id
SELECT id, nth_value(name, 2) OVER (ORDER BY salary) FROM emp ORDER BY id
SELECT id, last_value(salary) OVER (ORDER BY salary) FROM emp ORDER BY id
SELECT id, first_value(salary) OVER (ORDER BY salary DESC) FROM emp ORDER BY id
-- aggregates as window functions
SELECT id, dept, salary, sum(salary) OVER (PARTITION BY dept), avg(salary) OVER (PARTITION BY dept), count(salary) OVER (PARTITION BY dept), count(*) OVER (PARTITION BY dept) FROM emp ORDER BY id
SELECT id, salary, sum(salary) OVER (ORDER BY salary), count(*) OVER (ORDER BY salary) FROM emp ORDER BY id
SELECT id, salary, sum(salary) OVER (ORDER BY id), min(salary) OVER (ORDER BY id), max(salary) OVER (ORDER BY id) FROM emp ORDER BY id
SELECT id, sum(bonus) OVER (ORDER BY id), avg(bonus) OVER (ORDER BY id), sum(f) OVER (ORDER BY id), avg(f) OVER (ORDER BY id) FROM emp ORDER BY id
SELECT id, bool_and(ok) OVER (ORDER BY id), bool_or(ok) OVER (PARTITION BY dept), every(ok) OVER () FROM emp ORDER BY id
SELECT id, string_agg(name, ',') OVER (ORDER BY id), string_agg(name, '|') OVER (PARTITION BY dept ORDER BY id DESC) FROM emp ORDER BY id
SELECT id, array_agg(salary) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING), array_agg(name) OVER (PARTITION BY dept ORDER BY id) FROM emp ORDER BY id
SELECT id, stddev_pop(f) OVER (PARTITION BY dept), var_pop(f) OVER (PARTITION BY dept) FROM emp WHERE dept IS NOT NULL ORDER BY id
SELECT id, min(hired) OVER (ORDER BY id), max(ts) OVER (PARTITION BY dept), min(name) OVER () FROM emp ORDER BY id
SELECT id, count(*) FILTER (WHERE salary > 95) OVER (ORDER BY id), sum(salary) FILTER (WHERE ok) OVER (PARTITION BY dept) FROM emp ORDER BY id
SELECT id, sum(salary) OVER () - salary, 100.0 * salary / sum(salary) OVER () FROM emp ORDER BY id
SELECT id, count(*) OVER (), sum(1) OVER (), max(id) OVER () FROM emp ORDER BY id
SELECT id, sum(salary) OVER (PARTITION BY dept ORDER BY hired, id) FROM emp ORDER BY id
-- frames
SELECT id, sum(salary) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM emp ORDER BY id
SELECT id, sum(salary) OVER (ORDER BY id ROWS 2 PRECEDING) FROM emp ORDER BY id
SELECT id, sum(salary) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM emp ORDER BY id
SELECT id, sum(salary) OVER (ORDER BY id ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING) FROM emp ORDER BY id
SELECT id, sum(salary) OVER (ORDER BY id ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING) FROM emp ORDER BY id
SELECT id, sum(salary) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM emp ORDER BY id
SELECT id, sum(salary) OVER (ORDER BY id ROWS BETWEEN 0 PRECEDING AND 0 FOLLOWING) FROM emp ORDER BY id
SELECT id, salary, sum(salary) OVER (ORDER BY salary RANGE BETWEEN 10 PRECEDING AND 10 FOLLOWING) FROM emp ORDER BY id
SELECT id, salary, sum(salary) OVER (ORDER BY salary DESC RANGE BETWEEN 20 PRECEDING AND CURRENT ROW) FROM emp ORDER BY id
SELECT id, salary, count(*) OVER (ORDER BY salary NULLS FIRST RANGE BETWEEN CURRENT ROW AND 15 FOLLOWING) FROM emp ORDER BY id
SELECT id, salary, count(*) OVER (ORDER BY salary RANGE BETWEEN UNBOUNDED PRECEDING AND 5 PRECEDING) FROM emp ORDER BY id
SELECT id, bonus, sum(bonus) OVER (ORDER BY bonus RANGE BETWEEN 1.5 PRECEDING AND 0.5 FOLLOWING) FROM emp ORDER BY id
SELECT id, f, count(*) OVER (ORDER BY f RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM emp ORDER BY id
SELECT id, hired, count(*) OVER (ORDER BY hired RANGE BETWEEN '1 year' PRECEDING AND CURRENT ROW) FROM emp ORDER BY id
SELECT id, ts, count(*) OVER (ORDER BY ts RANGE BETWEEN '1 day' PRECEDING AND '12 hours' FOLLOWING) FROM emp ORDER BY id
SELECT id, salary, sum(salary) OVER (ORDER BY salary GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM emp ORDER BY id
SELECT id, salary, count(*) OVER (ORDER BY salary GROUPS BETWEEN CURRENT ROW AND 2 FOLLOWING), count(*) OVER (ORDER BY salary GROUPS 1 PRECEDING) FROM emp ORDER BY id
SELECT id, salary, sum(salary) OVER (ORDER BY salary, id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) FROM emp ORDER BY id
SELECT id, salary, count(*) OVER (ORDER BY salary RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE GROUP) FROM emp ORDER BY id
SELECT id, salary, count(*) OVER (ORDER BY salary RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE TIES), first_value(id) OVER (ORDER BY salary, id ROWS BETWEEN CURRENT ROW AND 2 FOLLOWING EXCLUDE CURRENT ROW) FROM emp ORDER BY id
SELECT id, last_value(id) OVER (ORDER BY salary GROUPS BETWEEN CURRENT ROW AND CURRENT ROW EXCLUDE TIES), count(id) OVER (ORDER BY salary GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE GROUP) FROM emp ORDER BY id
SELECT id, string_agg(name, ',') OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE CURRENT ROW) FROM emp ORDER BY id
SELECT id, sum(salary) OVER (ORDER BY id ROWS BETWEEN 5 FOLLOWING AND 2 FOLLOWING) FROM emp ORDER BY id
SELECT id, first_value(id) OVER (ORDER BY id ROWS BETWEEN 2 FOLLOWING AND UNBOUNDED FOLLOWING) FROM emp ORDER BY id
SELECT n, v, sum(v) OVER (PARTITION BY g ORDER BY v RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING) FROM nums ORDER BY n
SELECT n, v, count(v) OVER (PARTITION BY g ORDER BY v DESC NULLS LAST RANGE BETWEEN 1 PRECEDING AND 3 FOLLOWING) FROM nums ORDER BY n
-- named windows
SELECT id, sum(salary) OVER w, rank() OVER w FROM emp WINDOW w AS (PARTITION BY dept ORDER BY salary) ORDER BY id
SELECT id, sum(salary) OVER (w ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM emp WINDOW w AS (ORDER BY id) ORDER BY id
SELECT id, count(*) OVER (w ORDER BY id) FROM emp WINDOW w AS (PARTITION BY dept) ORDER BY id
SELECT id, rank() OVER w2 FROM emp WINDOW w1 AS (PARTITION BY dept), w2 AS (w1 ORDER BY salary DESC) ORDER BY id
SELECT id, sum(salary) OVER w FROM emp WINDOW w AS (ORDER BY id ROWS 1 PRECEDING) ORDER BY id
SELECT id FROM emp WINDOW w AS (ORDER BY id) ORDER BY id
-- several windows, expressions, ordering on window results
SELECT id, row_number() OVER (ORDER BY salary DESC, id), row_number() OVER (ORDER BY name), sum(salary) OVER (PARTITION BY dept ORDER BY id) FROM emp ORDER BY id
SELECT name, salary, rank() OVER (ORDER BY salary DESC NULLS LAST) AS r FROM emp ORDER BY r, name
SELECT id FROM emp ORDER BY row_number() OVER (ORDER BY name DESC)
SELECT id, dept FROM emp ORDER BY sum(salary) OVER (PARTITION BY dept) DESC NULLS LAST, id
SELECT * FROM (SELECT id, dept, rank() OVER (PARTITION BY dept ORDER BY salary DESC) AS r FROM emp) s WHERE r = 1 ORDER BY id
SELECT dept, name FROM (SELECT dept, name, row_number() OVER (PARTITION BY dept ORDER BY hired DESC NULLS LAST, id) AS rn FROM emp) s WHERE rn <= 2 ORDER BY dept NULLS FIRST, name
SELECT id, CASE WHEN row_number() OVER (ORDER BY id) % 2 = 0 THEN 'even' ELSE 'odd' END FROM emp ORDER BY id
SELECT id, coalesce(lag(name) OVER (ORDER BY id), '-') || '>' || name FROM emp ORDER BY id
SELECT DISTINCT dept, count(*) OVER (PARTITION BY dept) FROM emp ORDER BY 1 NULLS FIRST
SELECT id, row_number() OVER (ORDER BY id) FROM emp ORDER BY id LIMIT 3 OFFSET 2
SELECT id, sum(salary) OVER (ORDER BY id) FROM emp WHERE salary > 80 ORDER BY id
SELECT e.id, d.cnt, rank() OVER (ORDER BY d.cnt DESC, e.id) FROM emp e JOIN (SELECT dept, count(*) AS cnt FROM emp GROUP BY dept) d ON e.dept = d.dept ORDER BY e.id
SELECT id, (SELECT max(n) FROM nums WHERE nums.g = emp.id % 4) AS m, rank() OVER (ORDER BY (SELECT max(n) FROM nums WHERE nums.g = emp.id % 4), id) FROM emp ORDER BY id
SELECT id, (SELECT sum(v) OVER () FROM nums WHERE n = emp.id) FROM emp ORDER BY id
SELECT id, row_number() OVER (PARTITION BY ok ORDER BY id), row_number() OVER (PARTITION BY ok, dept ORDER BY id) FROM emp ORDER BY id
SELECT id, row_number() OVER (ORDER BY dept NULLS FIRST, id), rank() OVER (ORDER BY dept DESC) FROM emp ORDER BY id
SELECT id, row_number() OVER (ORDER BY 1), rank() OVER (PARTITION BY 1 ORDER BY 'x') FROM emp ORDER BY id
-- windows over grouped queries
SELECT dept, sum(salary), rank() OVER (ORDER BY sum(salary) DESC NULLS LAST) FROM emp GROUP BY dept ORDER BY 1 NULLS FIRST
SELECT dept, count(*), sum(count(*)) OVER (), sum(sum(salary)) OVER (ORDER BY dept) FROM emp GROUP BY dept ORDER BY dept
SELECT g, sum(v), avg(sum(v)) OVER (), lag(sum(v)) OVER (ORDER BY g), 100 * sum(v) / sum(sum(v)) OVER () FROM nums GROUP BY g ORDER BY g
SELECT g, max(v), row_number() OVER (ORDER BY max(v) DESC, g) FROM nums GROUP BY g HAVING count(*) > 5 ORDER BY g
SELECT g % 2, g, sum(v), sum(sum(v)) OVER (PARTITION BY g % 2 ORDER BY g) FROM nums GROUP BY g ORDER BY g
SELECT count(*), row_number() OVER () FROM emp
SELECT dept, rank() OVER (ORDER BY dept) FROM emp GROUP BY dept ORDER BY dept
SELECT dept, string_agg(name, ',' ORDER BY name), ntile(2) OVER (ORDER BY dept) FROM emp GROUP BY dept ORDER BY dept
-- errors
SELECT id FROM emp WHERE row_number() OVER (ORDER BY id) > 2
SELECT dept, count(*) FROM emp GROUP BY dept HAVING rank() OVER (ORDER BY dept) > 1
SELECT sum(row_number() OVER (ORDER BY id)) FROM emp
SELECT row_number() OVER (ORDER BY rank() OVER (ORDER BY id)) FROM emp
SELECT lag(row_number() OVER ()) OVER () FROM emp
SELECT row_number() FROM emp
SELECT rank(id) OVER () FROM emp
SELECT upper(name) OVER () FROM emp
SELECT id, sum(salary) OVER w FROM emp
SELECT count(DISTINCT salary) OVER () FROM emp
SELECT ntile(0) OVER (ORDER BY id) FROM emp
SELECT nth_value(id, 0) OVER (ORDER BY id) FROM emp
SELECT sum(salary) OVER (ORDER BY id ROWS BETWEEN -1 PRECEDING AND CURRENT ROW) FROM emp
SELECT sum(salary) OVER (ORDER BY salary RANGE BETWEEN -1 PRECEDING AND CURRENT ROW) FROM emp
SELECT sum(salary) OVER (ORDER BY id, salary RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM emp
SELECT sum(salary) OVER (GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM emp
SELECT sum(salary) OVER (ORDER BY id ROWS BETWEEN id PRECEDING AND CURRENT ROW) FROM emp
SELECT sum(salary) OVER (ORDER BY name RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM emp
SELECT id, rank() OVER (w ORDER BY id) FROM emp WINDOW w AS (ORDER BY salary)
SELECT id, rank() OVER (w PARTITION BY dept) FROM emp WINDOW w AS (ORDER BY salary)
SELECT id, rank() OVER (w ORDER BY id) FROM emp WINDOW w AS (ROWS UNBOUNDED PRECEDING)
SELECT id FROM emp GROUP BY id, row_number() OVER ()
SELECT sum(salary) OVER (ORDER BY id ROWS BETWEEN NULL PRECEDING AND CURRENT ROW) FROM emp
SELECT dept, salary, rank() OVER (ORDER BY dept) FROM emp GROUP BY dept
UPDATE emp SET salary = row_number() OVER ()
-- WITH RECURSIVE
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT n FROM r ORDER BY n
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT sum(n), count(*) FROM r
WITH RECURSIVE r AS (SELECT 1 AS n, 1::bigint AS f UNION ALL SELECT n + 1, f * (n + 1) FROM r WHERE n < 20) SELECT n, f FROM r ORDER BY n
WITH RECURSIVE fib(a, b) AS (SELECT 0::numeric, 1::numeric UNION ALL SELECT b, a + b FROM fib WHERE b < 1000000) SELECT a FROM fib ORDER BY a
WITH RECURSIVE reach(node) AS (SELECT 1 UNION SELECT e.dst FROM edges e JOIN reach r ON e.src = r.node) SELECT node FROM reach ORDER BY node
WITH RECURSIVE reach(node) AS (SELECT 7 UNION SELECT e.dst FROM edges e, reach r WHERE e.src = r.node) SELECT node FROM reach ORDER BY node
WITH RECURSIVE paths(src, dst, len) AS (SELECT src, dst, 1 FROM edges UNION SELECT p.src, e.dst, p.len + 1 FROM paths p JOIN edges e ON p.dst = e.src WHERE p.len < 4) SELECT src, dst, min(len) FROM paths GROUP BY src, dst ORDER BY src, dst
WITH RECURSIVE sub(id, name, depth, path) AS (SELECT id, name, 0, name FROM tree WHERE parent IS NULL UNION ALL SELECT t.id, t.name, s.depth + 1, s.path || '/' || t.name FROM tree t JOIN sub s ON t.parent = s.id) SELECT id, depth, path FROM sub ORDER BY path
WITH RECURSIVE anc(id, parent) AS (SELECT id, parent FROM tree WHERE id = 6 UNION ALL SELECT t.id, t.parent FROM tree t JOIN anc a ON t.id = a.parent) SELECT id FROM anc ORDER BY id
WITH RECURSIVE cyc(n) AS (SELECT 1 UNION SELECT (n % 5) + 1 FROM cyc) SELECT n FROM cyc ORDER BY n
WITH RECURSIVE cyc(n, k) AS (SELECT 1, 0 UNION SELECT (n * 3) % 7, 0 FROM cyc) SELECT n FROM cyc ORDER BY n
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3), s(m) AS (SELECT n * 10 FROM r) SELECT n, m FROM r, s ORDER BY n, m
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 4) SELECT a.n, b.n FROM r a JOIN r b ON b.n = a.n + 1 ORDER BY 1
WITH RECURSIVE r(n, s) AS (VALUES (1, 'x') UNION ALL SELECT n + 1, s || 'x' FROM r WHERE n < 5) SELECT n, s FROM r ORDER BY n
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n, sum(n) OVER (ORDER BY n) FROM r ORDER BY n
WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT 2) SELECT n FROM t ORDER BY n
WITH RECURSIVE t AS (SELECT 42 AS x) SELECT x FROM t
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT (SELECT max(n) FROM r), (SELECT count(*) FROM r WHERE n > 2)
SELECT id, (WITH RECURSIVE r(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM r WHERE k < emp.id % 4) SELECT sum(k) FROM r) FROM emp ORDER BY id
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r UNION ALL SELECT n * 100 FROM r ORDER BY 1
WITH RECURSIVE r(n) AS (SELECT 1::int UNION ALL SELECT (n + 1)::int FROM r WHERE n < 3) SELECT n FROM r ORDER BY n
WITH RECURSIVE r(d) AS (SELECT date '2024-01-30' UNION ALL SELECT (d + 1)::date FROM r WHERE d < date '2024-02-03') SELECT d FROM r ORDER BY d
WITH r(n) AS MATERIALIZED (SELECT 1) SELECT n FROM r
WITH r(n) AS NOT MATERIALIZED (SELECT 1 UNION ALL SELECT 2) SELECT a.n, b.n FROM r a, r b ORDER BY 1, 2
WITH a AS (SELECT id FROM emp WHERE id < 4), b AS (SELECT id * 2 AS d FROM a) SELECT a.id, b.d FROM a JOIN b ON b.d = a.id * 2 ORDER BY 1
-- recursion errors
WITH RECURSIVE r(n) AS (SELECT n FROM r UNION ALL SELECT 1) SELECT * FROM r
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r a, r b) SELECT * FROM r
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT (SELECT n FROM r) ) SELECT * FROM r
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1.5 FROM r WHERE n < 3) SELECT * FROM r
WITH RECURSIVE r(n) AS (SELECT n + 1 FROM r) SELECT * FROM r
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r ORDER BY 1) SELECT * FROM r
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1, n FROM r) SELECT * FROM r
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT count(*) FROM r) SELECT * FROM r
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r LEFT JOIN emp ON emp.id = r.n WHERE n < 5) SELECT n FROM r ORDER BY n
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM emp LEFT JOIN r ON emp.id = r.n WHERE n < 5) SELECT n FROM r ORDER BY n
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT DISTINCT n + 1 FROM r, emp WHERE n < 5) SELECT n FROM r ORDER BY n
WITH RECURSIVE r(n, k) AS (SELECT 1, 1 UNION ALL SELECT n + 1, (row_number() OVER ())::int FROM r WHERE n < 4) SELECT n, k FROM r ORDER BY n
-- a LIMIT right above an endless recursion stops it
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r LIMIT 5
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n * 2 FROM r LIMIT 3 OFFSET 4
WITH RECURSIVE r(n, s) AS (SELECT 1, 'a' UNION ALL SELECT n + 1, s || 'b' FROM r) SELECT * FROM r LIMIT 4
WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT n + 1 FROM r) SELECT n FROM r LIMIT 0
-- LATERAL
SELECT e.id, s.x FROM emp e, LATERAL (SELECT e.salary * 2 AS x) s ORDER BY e.id
SELECT e.id, s.n FROM emp e CROSS JOIN LATERAL (SELECT n FROM nums WHERE nums.g = e.id % 4 ORDER BY n LIMIT 2) s ORDER BY e.id, s.n
SELECT e.id, s.n FROM emp e JOIN LATERAL (SELECT n FROM nums WHERE nums.v = e.id) s ON s.n > 10 ORDER BY e.id, s.n
SELECT e.id, s.m FROM emp e LEFT JOIN LATERAL (SELECT max(n) AS m FROM nums WHERE nums.v = e.id) s ON true ORDER BY e.id
SELECT e.id, s.n FROM emp e LEFT JOIN LATERAL (SELECT n FROM nums WHERE nums.v = e.id AND nums.n > 30) s ON true ORDER BY e.id, s.n
SELECT e.id, s.n FROM emp e LEFT JOIN LATERAL (SELECT n FROM nums WHERE nums.v = e.id) s ON s.n < 20 ORDER BY e.id, s.n
SELECT e.id, g FROM emp e, generate_series(1, e.id % 3) g ORDER BY e.id, g
SELECT e.id, g FROM emp e, LATERAL generate_series(e.id, e.id + 1) g ORDER BY e.id, g
SELECT e.id, g FROM emp e LEFT JOIN LATERAL generate_series(1, e.id % 3) g ON true ORDER BY e.id, g
SELECT e.id, g.x FROM emp e CROSS JOIN LATERAL generate_series(1, 2) AS g(x) WHERE e.id < 3 ORDER BY 1, 2
SELECT d.dept, t.name, t.salary FROM (SELECT DISTINCT dept FROM emp WHERE dept IS NOT NULL) d, LATERAL (SELECT name, salary FROM emp WHERE emp.dept = d.dept ORDER BY salary DESC NULLS LAST, name LIMIT 2) t ORDER BY d.dept, t.salary DESC, t.name
SELECT a.id, b.id, c.s FROM emp a JOIN emp b ON b.id = a.id + 1, LATERAL (SELECT a.salary + b.salary AS s) c ORDER BY a.id
SELECT x.id, y.k FROM emp x, LATERAL (SELECT x.id * 10 AS k) y, LATERAL (SELECT y.k + 1 AS j) z WHERE z.j > 50 ORDER BY x.id
SELECT e.id, s.r FROM emp e, LATERAL (SELECT row_number() OVER (ORDER BY n) AS r FROM nums WHERE g = e.id % 4 ORDER BY n LIMIT 1) s ORDER BY e.id
SELECT e.id, s.c FROM emp e, LATERAL (SELECT count(*) AS c FROM emp e2 WHERE e2.salary > e.salary) s ORDER BY e.id
SELECT e.id FROM emp e WHERE EXISTS (SELECT 1 FROM LATERAL (SELECT e.id AS z) q WHERE q.z > 5) ORDER BY e.id
SELECT e.id, s.x FROM emp e RIGHT JOIN LATERAL (SELECT e.id AS x) s ON true
SELECT s.x FROM LATERAL (SELECT 1 AS x) s
SELECT e.id, s.x FROM emp e, (SELECT e.id AS x) s
-- in views, DML and nested queries (parameters: test_window_frames.c)
CREATE VIEW ranked AS SELECT id, dept, salary, rank() OVER (PARTITION BY dept ORDER BY salary DESC NULLS LAST) AS r FROM emp
SELECT id, r FROM ranked WHERE r <= 2 ORDER BY id
SELECT dept, max(r) FROM ranked GROUP BY dept ORDER BY dept NULLS FIRST
CREATE VIEW tree_paths AS WITH RECURSIVE p(id, path) AS (SELECT id, name FROM tree WHERE parent IS NULL UNION ALL SELECT t.id, p.path || '/' || t.name FROM tree t JOIN p ON t.parent = p.id) SELECT id, path FROM p
SELECT id, path FROM tree_paths ORDER BY id
CREATE TABLE emp_rank (id int PRIMARY KEY, r bigint, running bigint)
INSERT INTO emp_rank SELECT id, rank() OVER (ORDER BY salary DESC NULLS LAST, id), sum(salary) OVER (ORDER BY id) FROM emp
SELECT id, r, running FROM emp_rank ORDER BY id
UPDATE emp_rank SET r = s.rn FROM (SELECT id, row_number() OVER (ORDER BY id DESC) AS rn FROM emp) s WHERE s.id = emp_rank.id AND emp_rank.id < 5 RETURNING emp_rank.id, emp_rank.r
INSERT INTO emp_rank SELECT n + 100, n, n * 2 FROM (WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 4) SELECT n FROM r) x
SELECT id, r, running FROM emp_rank WHERE id > 100 ORDER BY id
SELECT id FROM emp WHERE salary > (SELECT avg(salary) FROM (SELECT salary, row_number() OVER (ORDER BY salary) AS rn FROM emp e2 WHERE e2.dept = emp.dept) s WHERE rn > 1) ORDER BY id
SELECT id, (SELECT count(*) FROM (SELECT rank() OVER (ORDER BY n) AS r FROM nums WHERE nums.g = emp.id % 4) s WHERE r <= emp.id) FROM emp ORDER BY id
WITH w AS (SELECT id, ntile(4) OVER (ORDER BY id) AS q FROM emp) SELECT q, count(*), min(id) FROM w GROUP BY q ORDER BY q
SELECT DISTINCT ON (dept) dept, id, rank() OVER (PARTITION BY dept ORDER BY id DESC) FROM emp ORDER BY dept NULLS FIRST, id
SELECT id, sum(salary) OVER (ORDER BY id) AS s FROM emp UNION ALL SELECT n, sum(v) OVER (ORDER BY n) FROM nums WHERE n < 4 ORDER BY 1, 2
SELECT e.id, x.c, x.r FROM emp e, LATERAL (SELECT count(*) AS c, max(n) AS r FROM nums WHERE g = e.id % 4 AND n < e.id * 3) x ORDER BY e.id
SELECT e.id, x.n, x.rk FROM emp e, LATERAL (SELECT n, rank() OVER (ORDER BY v, n) AS rk FROM nums WHERE g = e.id % 4) x WHERE x.rk <= 2 ORDER BY e.id, x.n
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT r.n, x.m FROM r, LATERAL (SELECT max(id) AS m FROM emp WHERE id <= r.n * 4) x ORDER BY r.n
SELECT e.id, g FROM emp e, generate_series(e.id, 1, -3) g WHERE e.id > 9 ORDER BY 1, 2
SELECT e.id, s.total FROM emp e LEFT JOIN LATERAL (SELECT sum(salary) AS total FROM emp x WHERE x.dept = e.dept AND x.id <> e.id) s ON s.total > 100 ORDER BY e.id
SELECT id, first_value(name) OVER (PARTITION BY dept ORDER BY id RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), count(*) OVER (PARTITION BY dept ORDER BY id RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING) FROM emp ORDER BY id
SELECT id, count(*) OVER (ORDER BY hired DESC RANGE BETWEEN '6 months' PRECEDING AND '1 year' FOLLOWING) FROM emp ORDER BY id
SELECT n, sum(v) OVER (ORDER BY n::numeric RANGE BETWEEN 2.5 PRECEDING AND 0.5 FOLLOWING) FROM nums WHERE n < 12 ORDER BY n
SELECT id, avg(f) OVER (ORDER BY f DESC NULLS FIRST RANGE BETWEEN 0.5 PRECEDING AND 1.5 FOLLOWING) FROM emp ORDER BY id
SELECT g, v, n, percent_rank() OVER (PARTITION BY g ORDER BY v), cume_dist() OVER (PARTITION BY g ORDER BY v NULLS FIRST) FROM nums WHERE n < 15 ORDER BY n
-- WITH on INSERT / UPDATE / DELETE
WITH x AS (SELECT id FROM emp WHERE id < 3) INSERT INTO emp_rank SELECT id + 200, 0, 0 FROM x
SELECT id, r, running FROM emp_rank WHERE id > 200 ORDER BY id
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) UPDATE emp_rank SET running = -1 WHERE id IN (SELECT n + 200 FROM r) RETURNING id, running
WITH d AS (SELECT 201 AS k) DELETE FROM emp_rank USING d WHERE emp_rank.id = d.k RETURNING emp_rank.id
WITH w AS (SELECT 5 AS c) INSERT INTO emp_rank VALUES (300, 1, 1) RETURNING id, (SELECT c FROM w)
SELECT id, r, running FROM emp_rank WHERE id >= 200 ORDER BY id
-- moving aggregates (inverse steps for count and integer sum / avg)
SELECT n, sum(n::bigint * 1000000000000) OVER (ORDER BY n ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING), avg(n::bigint) OVER (ORDER BY n ROWS BETWEEN 3 PRECEDING AND CURRENT ROW), count(v) OVER (ORDER BY n ROWS 2 PRECEDING) FROM nums ORDER BY n
SELECT n, sum(v) FILTER (WHERE n % 2 = 0) OVER (PARTITION BY g ORDER BY n ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING), avg(v::smallint) OVER (ORDER BY v, n GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM nums ORDER BY n
SELECT n, avg(v) OVER (ORDER BY v RANGE BETWEEN 1 FOLLOWING AND 3 FOLLOWING), count(*) OVER (ORDER BY v DESC RANGE BETWEEN 2 PRECEDING AND 1 PRECEDING) FROM nums ORDER BY n
SELECT max(r) FROM (SELECT sum(v) OVER (ORDER BY n ROWS BETWEEN 500 PRECEDING AND CURRENT ROW) AS r FROM (SELECT i AS n, (i * 7919) % 10007 AS v FROM generate_series(1, 20000) i) x) s
-- unnest in FROM (LATERAL)
CREATE TABLE docs (id int PRIMARY KEY, tags text[], nums int[])
INSERT INTO docs VALUES (1, ARRAY['a','b c','d"e'], ARRAY[3,1,2]), (2, ARRAY[]::text[], ARRAY[5]), (3, NULL, ARRAY[NULL, 7]), (4, ARRAY['x', NULL, 'y,z'], NULL)
SELECT d.id, t FROM docs d, unnest(d.tags) t ORDER BY d.id, t
SELECT d.id, t.tag FROM docs d CROSS JOIN LATERAL unnest(d.tags) AS t(tag) ORDER BY d.id, t.tag NULLS FIRST
SELECT d.id, x FROM docs d LEFT JOIN LATERAL unnest(d.nums) x ON true ORDER BY d.id, x NULLS FIRST
SELECT d.id, sum(x), count(x), count(*) FROM docs d, unnest(d.nums) x GROUP BY d.id ORDER BY d.id
SELECT u FROM unnest(ARRAY[10, 20, 30]) u WHERE u > 15 ORDER BY u
SELECT * FROM unnest(ARRAY['2024-01-02'::date, '2023-05-06']) ORDER BY 1
SELECT d.id, x, row_number() OVER (PARTITION BY d.id ORDER BY x) FROM docs d, unnest(d.nums) x WHERE x IS NOT NULL ORDER BY d.id, x
SELECT count(*) FROM unnest(NULL::int[])
