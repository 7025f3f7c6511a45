// node-postgres (npm "pg") against the real server: parameterized queries, types, and a pool of
// 10 concurrent clients. Connection settings come from PGHOST/PGPORT/PGUSER/PGPASSWORD.
'use strict';
const { Client, Pool } = require('pg');

let failed = 0, passed = 0;
function check(cond, what) {
  if (cond) { passed++; console.log('ok   - ' + what); } else { failed++; console.log('FAIL - ' + what); }
}

async function main() {
  const c = new Client({ database: 'helios' });
  await c.connect();
  let r = await c.query('SELECT $1::int + $2::int AS s, $3::text AS t', [40, 2, 'x']);
  check(r.rows[0].s === 42 && r.rows[0].t === 'x', 'parameterized query');
  r = await c.query('SELECT 1::bigint AS b, 1.5::float8 AS f, true AS t, NULL::int AS n, ' +
                    "'2024-02-29'::date AS d, 12.50::numeric(6,2) AS num, 'héllo'::text AS u");
  const row = r.rows[0];
  check(row.b === '1', 'bigint arrives as a string');
  check(row.f === 1.5, 'float8');
  check(row.t === true, 'boolean');
  check(row.n === null, 'NULL');
  check(row.d instanceof Date && row.d.getFullYear() === 2024 && row.d.getMonth() === 1,
        'date');
  check(row.num === '12.50', 'numeric text ' + row.num);
  check(row.u === 'héllo', 'UTF-8 text');
  check(r.fields.map(f => f.name).join(',') === 'b,f,t,n,d,num,u', 'field names');
  await c.query('CREATE TABLE node_t (id int PRIMARY KEY, v text)');
  for (let i = 0; i < 20; i++) {
    await c.query({ name: 'ins', text: 'INSERT INTO node_t VALUES ($1, $2)', values: [i, 'v' + i] });
  }
  r = await c.query('SELECT count(*)::int AS n FROM node_t');
  check(r.rows[0].n === 20, 'named prepared statement reused 20 times');
  try {
    await c.query('SELECT * FROM node_missing');
    check(false, 'missing table rejected');
  } catch (e) {
    check(e.code === '42P01', 'missing table is 42P01 (' + e.code + ')');
  }
  r = await c.query('SELECT 7 AS x');
  check(r.rows[0].x === 7, 'usable after an error');
  await c.end();

  const pool = new Pool({ database: 'helios', max: 10 });
  const work = [];
  for (let i = 0; i < 10; i++) {
    work.push((async () => {
      const cl = await pool.connect();
      try {
        let sum = 0;
        for (let k = 0; k < 50; k++) {
          const q = await cl.query('SELECT v FROM node_t WHERE id = $1', [(i + k) % 20]);
          if (q.rows.length === 1) sum++;
        }
        return sum;
      } finally { cl.release(); }
    })());
  }
  const sums = await Promise.all(work);
  check(sums.every(s => s === 50), 'pool of 10 concurrent clients: 500 queries answered');
  check(pool.totalCount === 10, 'pool opened 10 connections (' + pool.totalCount + ')');
  await pool.end();
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exit(failed ? 1 : 0);
}

main().catch(e => { console.log('FAIL - exception: ' + (e && e.stack || e)); process.exit(1); });
