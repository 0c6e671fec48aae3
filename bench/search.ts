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
import type { StoredEvent } from '../domain/envelope';
import { PROJECTIONS } from '../projections/registry';
import { ProjectionRunner } from '../projections/runner';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
};
const NAMES = Number(arg('names', '1000000'));
const base = fs.mkdtempSync(path.join(arg('dir', os.tmpdir()), 'lto-bench-search-'));

const TAPES = ['000001L8', '000002L8', '000003L8', '000004L8'];
const EXTENSIONS = ['dng', 'jpg', 'cr2', 'mov', 'pdf', 'docx', 'txt', 'wav', 'psd', 'xmp'];
const WORDS = ['holiday', 'invoice', 'family', 'project', 'draft', 'scan', 'export', 'raw', 'final', 'backup'];
const uuid = (n: number): string => `01900000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;

let position = 0;
const stored = (stream: string, type: string, data: unknown): StoredEvent => {
  position++;
  return { id: uuid(1_000_000_000 + position), stream, version: 1, type, schema: 1, at: '2026-11-26T10:00:00.000Z', data, position } as StoredEvent;
};

/** One file's path: a year/day folder tree, mostly distinct names, 10 extensions. */
const entryPath = (n: number): string => {
  const year = 2010 + (n % 16);
  const day = `${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + ((n >> 4) % 28)).padStart(2, '0')}`;
  const ext = EXTENSIONS[n % EXTENSIONS.length]!;
  const name = n % 3 === 0 ? `${WORDS[(n >> 3) % WORDS.length]}-${n}.${ext}` : `IMG_${n}.${ext}`;
  return `/home/me/Archive/${year}/${day}/${name}`;
};

const build = (db: Database.Database): void => {
  const runner = new ProjectionRunner(db, PROJECTIONS);
  const perTape = Math.ceil(NAMES / TAPES.length);
  db.transaction(() => {
    TAPES.forEach((tape, t) => {
      const job = uuid(t + 1);
      const batch: StoredEvent[] = [
        stored(`tape-${tape}`, 'TapeInitialised', {
          tape, generation: 'L8', capacityBytes: 12e12, description: '', volumeUuid: uuid(100 + t), format: 'lto-archive/1', encrypted: false, job,
        }),
        stored(`job-${job}`, 'JobStarted', { job, tape, type: 'BACKUP', encrypted: false, mode: 'FULL' }),
      ];
      runner.apply(batch);
      for (let from = t * perTape; from < Math.min(NAMES, (t + 1) * perTape); from += 2000) {
        const entries = [];
        for (let n = from; n < Math.min(from + 2000, (t + 1) * perTape, NAMES); n++) {
          entries.push({ path: entryPath(n), kind: 'file', size: 1000 + n, mtimeNs: '1700000000000000000', mode: 0o644, offset: 512, sha256: '0'.repeat(64) });
        }
        runner.apply([stored(`job-${job}`, 'FilesArchived', { job, segment: 1, entries })]);
      }
    });
  })();
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const main = async (): Promise<void> => {
  const reuse = arg('db', '');
  const db = new Database(reuse === '' ? path.join(base, 'catalog.db') : reuse);
  db.pragma('journal_mode = WAL');
  const started = Date.now();
  if (reuse === '') build(db);
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
      const r = searchCatalog(app as App, { pattern, limit: 100 });
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
