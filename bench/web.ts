/**
 * Web catalog benchmark: a catalog of 1,000,000 archived files on 4 tapes (one folder
 * of 100,000 files, the rest in a year/day tree), built through the real projections,
 * then `lto serve`'s pages fetched over HTTP with a session (the whole answer: query,
 * HTML and transfer), and the CLI's figure for the same query in the same run (`lto
 * browse --json`, `lto search --json` as a process, start included; and the application
 * function it calls, in process). Medians of 9 warm runs (the CLI: 3).
 *
 *   npm run build && node dist/bench/web.js [--files 1000000] [--dir /tmp] [--keep] [--db kept/catalog.db]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { composeApp } from '../application/compose';
import { browse } from '../application/browse';
import { searchCatalog } from '../application/search';
import { buildSyntheticCatalog, entryPath, median, TAPES, uuid } from './synthetic-catalog';
import { buildServer } from '../web/server';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
};
const FILES = Number(arg('files', '1000000'));
const BIG_FOLDER = Math.min(100_000, Math.floor(FILES / 10));
const base = fs.mkdtempSync(path.join(arg('dir', os.tmpdir()), 'lto-bench-web-'));
const BIN = path.resolve(__dirname, '..', '..', 'bin', 'lto.js');


const timed = async (runs: number, f: () => unknown): Promise<{ median: number; slowest: number }> => {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await f();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { median: median(times), slowest: Math.max(...times) };
};

const main = async (): Promise<void> => {
  const reuse = arg('db', '');
  const dbPath = reuse === '' ? path.join(base, 'catalog.db') : path.resolve(reuse);
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  const started = Date.now();
  if (reuse === '') buildSyntheticCatalog(db, FILES, BIG_FOLDER);
  const buildSeconds = (Date.now() - started) / 1000;
  const { app } = await composeApp(db, {
    config: {}, dataDir: base, clock: () => new Date(), newId: () => uuid(0), host: 'bench', pid: process.pid, crashPoint: () => undefined, notice: () => undefined,
  });
  const token = 'bench-token-bench-token';
  const server = await buildServer(app, { token, readOnly: true, loopbackOnly: true, actions: { restoreRoots: [], catalog: { kind: 'sqlite', path: dbPath, source: '--db' }, dataDir: base, log: () => undefined } });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  const first = await fetch(`${origin}/?token=${token}`, { redirect: 'manual' });
  const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0]!;
  const page = async (url: string): Promise<void> => {
    const r = await fetch(`${origin}${url}`, { headers: { cookie } });
    if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
    await r.text();
  };
  const cli = (args: readonly string[]) => () => {
    const r = spawnSync(process.execPath, [BIN, '--db', dbPath, ...args, '--json'], { env: { ...process.env, LTO_HOME: base }, encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`lto ${args.join(' ')}: ${r.stderr}`);
  };
  const big = '/home/me/Scans';
  const lastPage = Math.ceil(BIG_FOLDER / 200);
  const small = entryPath(BIG_FOLDER + 5, BIG_FOLDER).replace(/\/[^/]+$/, '');
  console.log(`\n${FILES.toLocaleString('en')} files on ${TAPES.length} tapes (one folder of ${BIG_FOLDER.toLocaleString('en')}), catalog built in ${buildSeconds.toFixed(1)} s; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  console.log('| query | web page (HTTP) median | slowest | CLI process median | application function median |');
  console.log('| --- | --- | --- | --- | --- |');
  const rows: [string, string, () => unknown, (() => unknown) | undefined][] = [
    [`folder of ${BIG_FOLDER.toLocaleString('en')}, page 1`, `/browse?tape=${TAPES[0]}&dir=${encodeURIComponent(big)}`, cli(['browse', TAPES[0]!, big]), () => browse(app, { tape: TAPES[0]!, dir: big, job: undefined })],
    [`folder of ${BIG_FOLDER.toLocaleString('en')}, page ${lastPage} by its "next" link (seek after a name)`, `/browse?tape=${TAPES[0]}&dir=${encodeURIComponent(big)}&page=${lastPage}&after=${encodeURIComponent(entryPath(BIG_FOLDER - 201, BIG_FOLDER).replace(/^.*\//, ''))}`, cli(['browse', TAPES[0]!, big]), undefined],
    [`folder of ${BIG_FOLDER.toLocaleString('en')}, page ${lastPage} typed (counted to)`, `/browse?tape=${TAPES[0]}&dir=${encodeURIComponent(big)}&page=${lastPage}`, cli(['browse', TAPES[0]!, big]), undefined],
    [`a folder of ~60 (${small})`, `/browse?tape=${TAPES[1]}&dir=${encodeURIComponent(small)}`, cli(['browse', TAPES[1]!, small]), () => browse(app, { tape: TAPES[1]!, dir: small, job: undefined })],
    ['search `*.dng`', '/search?q=*.dng', cli(['search', '*.dng']), () => searchCatalog(app, { pattern: '*.dng', limit: 200 })],
    ['search `holiday`', '/search?q=holiday', cli(['search', 'holiday']), () => searchCatalog(app, { pattern: 'holiday', limit: 200 })],
    ['search `2019/*/*.jpg`', `/search?q=${encodeURIComponent('2019/*/*.jpg')}`, cli(['search', '2019/*/*.jpg']), () => searchCatalog(app, { pattern: '2019/*/*.jpg', limit: 200 })],
  ];
  // The pages first, on one warm connection; then the CLI and the functions (seconds each on the big folder).
  const web: { median: number; slowest: number }[] = [];
  for (const [, url] of rows) {
    await page(url);
    web.push(await timed(9, () => page(url)));
  }
  for (const [i, [what, , viaCli, inProcess]] of rows.entries()) {
    const process = await timed(3, viaCli);
    const fn = inProcess === undefined ? undefined : await timed(3, inProcess);
    console.log(`| ${what} | ${web[i]!.median.toFixed(1)} ms | ${web[i]!.slowest.toFixed(1)} ms | ${process.median.toFixed(0)} ms | ${fn === undefined ? '(same as page 1)' : `${fn.median.toFixed(1)} ms`} |`);
  }
  await server.close();
  db.close();
  // A reused catalog is the caller's; the scratch data folder goes either way unless kept.
  if (argv.includes('--keep')) console.log(`\nkept ${base}`);
  else fs.rmSync(base, { recursive: true, force: true });
};

void main();
