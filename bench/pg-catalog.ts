/**
 * The name glob of `lto search` (`*.dng`) over N archived names, on PostgreSQL and on SQLite
 * in the same run: the catalog's tables made by each one's real schema (PgProjectionRunner,
 * ProjectionRunner), then filled in bulk by SQL (a generated series, not the projections:
 * ten million names through the projections take too long on a shared machine), then the
 * search's own port calls timed as application/search.ts makes them for a suffix glob:
 * `suffixPage` (the count and the first 100 names) and `hitsOfName` until 100 hits. Medians
 * of 9 warm runs.
 *
 *   node dist/bench/pg-catalog.js [--names 10000000] [--host /socket/dir] [--database lto]
 *   (no --host: a throwaway server without fsync, test/support/postgres.ts)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'pg';
import { PgProjectionRunner } from '../projections/postgres/runner';
import { PgSearchQueries } from '../projections/postgres/search-queries';
import { PROJECTIONS } from '../projections/registry';
import { ProjectionRunner } from '../projections/runner';
import { indexName, isPlainIndex } from '../projections/schema';
import { reversedLower } from '../projections/search';
import { SqliteSearchQueries } from '../projections/sqlite/search-queries';
import { scratchPools, startPostgres } from '../test/support/postgres';
import { median, TAPES } from './synthetic-catalog';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
};
const NAMES = Number(arg('names', '1000000'));
const DIRS = 1000;
const EXTENSIONS = ['dng', 'jpg', 'cr2', 'mov', 'pdf', 'docx', 'txt', 'wav', 'psd', 'xmp'];
const RUNS = 9;

/** Name n, as bench/synthetic-catalog.ts makes them: `IMG_n.ext`, every third `word-n.ext`. */
const nameSql = (n: string, concat: (...parts: string[]) => string): string =>
  `CASE WHEN ${n} % 3 = 0 THEN ${concat(`'w'`, n)} ELSE ${concat(`'IMG_'`, n)} END || '.' || CASE ${n} % 10 ${EXTENSIONS.map((e, i) => `WHEN ${i} THEN '${e}'`).join(' ')} END`;

const timed = async (work: () => Promise<unknown>): Promise<number> => {
  const t0 = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

interface Searcher {
  suffixPage(reversedSuffix: string, tapes: readonly string[], limit: number): { total: number; names: { tape: string; name: string }[] } | Promise<{ total: number; names: { tape: string; name: string }[] }>;
  hitsOfName(tape: string, name: string, limit: number): unknown[] | Promise<unknown[]>;
}

/** The calls `lto search '*.dng' --limit 100` makes of the port. */
const globSearch = async (q: Searcher, suffix: string): Promise<number> => {
  const page = await q.suffixPage(reversedLower(suffix), TAPES, 100);
  let hits = 0;
  for (const m of page.names) {
    if (hits >= 100) break;
    hits += (await q.hitsOfName(m.tape, m.name, 100 - hits)).length;
  }
  return page.total;
};

const measure = async (label: string, q: Searcher): Promise<void> => {
  for (const suffix of ['.dng', '.DNG', '_123456.jpg']) {
    let total = 0;
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await timed(async () => (total = await globSearch(q, suffix))));
    console.log(`| ${label} | \`*${suffix}\` | ${total.toLocaleString('en')} | ${median(times).toFixed(1)} ms | ${Math.min(...times).toFixed(1)}–${Math.max(...times).toFixed(1)} ms |`);
  }
};

const SQLITE_RANGE = `WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n + 1 < ${NAMES})`;

const fillSqlite = (db: Database.Database): void => {
  new ProjectionRunner(db, PROJECTIONS);
  // Plain indexes made after the rows, as a rebuild does; the FTS5 trigger too (substring searches are not measured here).
  const plain = PROJECTIONS.flatMap((p) => p.schema).filter(isPlainIndex);
  for (const ddl of plain) db.exec(`DROP INDEX IF EXISTS ${indexName(ddl) ?? ''}`);
  db.exec('DROP TRIGGER search_names_indexed');
  db.function('reversed_lower', { deterministic: true }, (name: unknown) => (typeof name === 'string' ? reversedLower(name) : null));
  const name = nameSql('n', (...p) => p.join(' || '));
  db.transaction(() => {
    TAPES.forEach((tape, t) => {
      db.prepare(`INSERT INTO jobs (id, tape, type, status, started_at, encrypted, ordinal) VALUES (?, ?, 'BACKUP', 'SUCCESS', '2026-11-26T10:00:00.000Z', 0, ?)`).run(`job-${t}`, tape, t + 1);
    });
    db.exec(`WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n + 1 < ${DIRS * TAPES.length})
      INSERT INTO dirs (id, tape, path) SELECT n + 1, '00000' || (n / ${DIRS} + 1) || 'L8', '/home/me/Archive/' || (n % ${DIRS}) FROM s`);
    db.exec(`${SQLITE_RANGE} INSERT INTO entries (id, dir_id, name, job, ordinal, kind, size, mtime_ns, mode, segment, offset)
      SELECT n + 1, (n % 4) * ${DIRS} + (n / 4) % ${DIRS} + 1, ${name}, 'job-' || (n % 4), n % 4 + 1, 'file', 1000 + n, '1700000000000000000', 420, 1, 512 FROM s`);
    db.exec(`${SQLITE_RANGE} INSERT INTO search_names (tape, name, lrev, versions)
      SELECT '00000' || (n % 4 + 1) || 'L8', nm, reversed_lower(nm), 1 FROM (SELECT n, ${name} AS nm FROM s)`);
  })();
  for (const ddl of plain) db.exec(ddl);
  db.exec('ANALYZE');
};

const fillPg = async (pool: Pool): Promise<void> => {
  await PgProjectionRunner.open(pool);
  const client = await pool.connect();
  try {
    await client.query("SET maintenance_work_mem = '512MB'");
    await client.query('BEGIN');
    // Plain indexes made after the rows (one sort each), as a rebuild does.
    for (const index of ['entries_by_name', 'entries_by_job', 'entries_by_leaf', 'search_names_by_suffix', 'search_names_by_trigram', 'search_names_by_tape_name']) {
      await client.query(`DROP INDEX IF EXISTS ${index}`);
    }
    for (const [t, tape] of TAPES.entries()) {
      await client.query(`INSERT INTO jobs (id, tape, type, status, started_at, encrypted, ordinal) VALUES ($1, $2, 'BACKUP', 'SUCCESS', '2026-11-26T10:00:00.000Z', 0, $3)`, [`job-${t}`, tape, t + 1]);
    }
    await client.query(`INSERT INTO dirs (id, tape, path) SELECT n + 1, '00000' || (n / ${DIRS} + 1) || 'L8', '/home/me/Archive/' || (n % ${DIRS}) FROM generate_series(0, ${DIRS * TAPES.length - 1}) n`);
    const name = nameSql('n', (...p) => p.join(' || '));
    await client.query(`INSERT INTO entries (id, dir_id, name, job, ordinal, kind, size, mtime_ns, mode, segment, "offset")
      SELECT n + 1, (n % 4) * ${DIRS} + (n / 4) % ${DIRS} + 1, ${name}, 'job-' || (n % 4), n % 4 + 1, 'file', 1000 + n, '1700000000000000000', 420, 1, 512 FROM generate_series(0, ${NAMES - 1}) n`);
    // lower() and reverse() give what reversedLower does for these ASCII names.
    await client.query(`INSERT INTO search_names (tape, name, lrev, versions)
      SELECT '00000' || (n % 4 + 1) || 'L8', nm, reverse(lower(nm)), 1 FROM generate_series(0, ${NAMES - 1}) n, LATERAL (SELECT ${name} AS nm) x`);
    await client.query('COMMIT');
    await PgProjectionRunner.open(pool);
    await client.query('VACUUM ANALYZE entries');
    await client.query('VACUUM ANALYZE search_names');
  } finally {
    client.release();
  }
};

/** The plans of the suffix page's two statements (`--explain`). */
const explain = async (pool: Pool): Promise<void> => {
  const where = "lrev >= 'gnd.' AND lrev < 'gnd.\u{10ffff}' AND tape = ANY($1::text[])";
  for (const text of [`SELECT count(*), coalesce(sum(versions), 0) FROM search_names WHERE ${where}`, `SELECT tape, name, versions FROM search_names WHERE ${where} ORDER BY tape, name LIMIT 100`]) {
    const plan = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, [TAPES]);
    for (const row of plan.rows) console.log(Object.values(row as object).join(''));
  }
};

const main = async (): Promise<void> => {
  const host = arg('host', '');
  const server = host === '' ? await startPostgres() : undefined;
  const scratch = server === undefined ? undefined : scratchPools(server);
  const pool = scratch === undefined ? new Pool({ host, database: arg('database', 'lto') }) : await scratch.pool();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-bench-pg-'));
  const db = new Database(path.join(base, 'catalog.db'));
  db.pragma('journal_mode = WAL');
  try {
    const pgSeconds = (await timed(() => fillPg(pool))) / 1000;
    const sqliteSeconds = (await timed(() => Promise.resolve(fillSqlite(db)))) / 1000;
    console.log(`\n${NAMES.toLocaleString('en')} names on ${TAPES.length} tapes; filled in ${pgSeconds.toFixed(0)} s (PostgreSQL, indexes included), ${sqliteSeconds.toFixed(0)} s (SQLite)`);
    console.log(`load before measuring: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    console.log('| catalog | pattern | versions | median | spread |');
    console.log('| --- | --- | --- | --- | --- |');
    if (argv.includes('--explain')) await explain(pool);
    await measure('PostgreSQL', new PgSearchQueries(pool, pool));
    await measure('SQLite', new SqliteSearchQueries(db));
    console.log(`\nload after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    db.close();
    fs.rmSync(base, { recursive: true, force: true });
    await pool.end();
    await server?.stop();
  }
};

void main();
