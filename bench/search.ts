/**
 * Search benchmark: a catalog of 1,000,000 archived names on 4 tapes, built through the
 * real projections (the same statements a backup's events run), then `searchCatalog`
 * timed on typical patterns: medians of 9 warm runs each, total counted and the first
 * 100 results returned.
 *
 *   npm run bench:search -- [--names 1000000] [--dir /tmp] [--keep] [--db kept/catalog.db]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { App } from '../application/app';
import { composeApp } from '../application/compose';
import { searchCatalog } from '../application/search';
import { buildSyntheticCatalog, median, TAPES, uuid } from './synthetic-catalog';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
};
const NAMES = Number(arg('names', '1000000'));
const base = fs.mkdtempSync(path.join(arg('dir', os.tmpdir()), 'lto-bench-search-'));


const main = async (): Promise<void> => {
  const reuse = arg('db', '');
  const db = new Database(reuse === '' ? path.join(base, 'catalog.db') : reuse);
  db.pragma('journal_mode = WAL');
  const started = Date.now();
  if (reuse === '') buildSyntheticCatalog(db, NAMES);
  const buildSeconds = (Date.now() - started) / 1000;
  const { app } = await composeApp(db, {
    config: {}, dataDir: base, clock: () => new Date(), newId: () => uuid(0), host: 'bench', pid: process.pid, crashPoint: () => undefined, notice: () => undefined,
  });
  console.log(`\n${NAMES.toLocaleString('en')} names on ${TAPES.length} tapes, catalog built in ${buildSeconds.toFixed(1)} s\n`);
  console.log('| pattern | matches | median | slowest |');
  console.log('| --- | --- | --- | --- |');
  for (const pattern of ['IMG_123456', '*.dng', 'holiday', 'IMG_9999*.jp?', '2019/*/*.jpg', 'invoice-12*', '*.DNG']) {
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < 9; i++) {
      const t0 = process.hrtime.bigint();
      const r = await searchCatalog(app as App, { pattern, limit: 100 });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r._tag === 'Left') throw new Error(JSON.stringify(r.left));
      total = r.right.total;
    }
    console.log(`| \`${pattern}\` | ${total.toLocaleString('en')} | ${median(times).toFixed(1)} ms | ${Math.max(...times).toFixed(1)} ms |`);
  }
  db.close();
  if (argv.includes('--keep')) console.log(`\nkept ${base}`);
  else fs.rmSync(base, { recursive: true, force: true });
};

void main();
