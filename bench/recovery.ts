/**
 * Recovery benchmark (issue 17, item 4): `lto recover` of a tape written by a real `lto
 * backup` of 1,000,000 small files, into an empty data folder, as a user runs it; then the
 * same for a synthetic journal of as many entries (the figure earlier sessions reported),
 * and `lto catalog rebuild` of the recovered catalog. Each recover is timed `--runs` times:
 * wall seconds, CPU seconds (user + system, threads included), peak RSS and the load
 * average before the run, reported as median (min-max): the machine may be shared.
 *
 *   npm run bench:recovery -- [--files 1000000] [--file-bytes 0] [--runs 3] [--dir /tmp]
 *                             [--tape DIR] [--keep] [--no-synthetic] [--no-real]
 *
 * `--keep` leaves the folders (the real tape among them) and prints where; `--tape DIR`
 * reuses a real tape kept so (DIR is its mount: the backup is not written again), e.g. to
 * profile `node --cpu-prof bin/lto.js recover --mount DIR` without an hour of setup.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadNow, spread, type Measure } from './measure';
import { writeSyntheticJournal } from './synthetic-journal';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
};
const FILES = Number(arg('files', '1000000'));
const FILE_BYTES = Number(arg('file-bytes', '0'));
const RUNS = Number(arg('runs', '3'));
const BIN = path.resolve(__dirname, '../../bin/lto.js');
const REAL_TAPE = '000101L9';
const SYNTHETIC_TAPE = '000100L9';
const FILES_PER_FOLDER = 1000;

const base = fs.mkdtempSync(path.join(arg('dir', os.tmpdir()), 'lto-recovery-bench-'));
/**
 * One lto command under /usr/bin/time. Unlike bench/measure.ts no `sync` is inside the
 * timing: recover and rebuild fsync what they write (SQLite), and on a shared machine a
 * global sync times the other users' writes. One `sync` before, outside the timing.
 */
const lto = (args: readonly string[], home: string): Measure => {
  execFileSync('sync');
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', process.execPath, BIN, ...args], {
    env: { ...process.env, LTO_HOME: home, NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`lto ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const [user, system, rss] = (r.stderr.trim().split('\n').pop() ?? '0 0 0').split(' ').map(Number);
  return { seconds, cpu: (user ?? 0) + (system ?? 0), rssKiB: rss ?? 0 };
};

interface Timed extends Measure {
  /** 1-minute load average just before the run. */
  readonly load: number;
}

/**
 * FILES small files in folders of 1000: empty ones made by `touch` a folder at a time (a
 * million files in a minute or two on a loaded machine), or, with FILE_BYTES, their number
 * padded to that size.
 */
const makeSource = (dir: string): void => {
  for (let first = 0; first < FILES; first += FILES_PER_FOLDER) {
    const folder = path.join(dir, `dir-${String(first / FILES_PER_FOLDER).padStart(4, '0')}`);
    fs.mkdirSync(folder, { recursive: true });
    const names = Array.from({ length: Math.min(FILES_PER_FOLDER, FILES - first) }, (_, i) => `file-${i}.dat`);
    if (FILE_BYTES === 0) execFileSync('touch', names, { cwd: folder });
    else names.forEach((name, i) => fs.writeFileSync(path.join(folder, name), String(first + i).padEnd(FILE_BYTES, '.')));
  }
};

/** A tape written by `lto backup` of the source: its mount, and what writing it took. */
const realTape = (): { mount: string; backup: Measure | undefined } => {
  const given = arg('tape', '');
  if (given !== '') return { mount: path.resolve(given), backup: undefined };
  const source = path.join(base, 'source');
  const started = Date.now();
  makeSource(source);
  console.log(`made ${FILES.toLocaleString('en')} files of ${FILE_BYTES} bytes in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const mount = path.join(base, 'real-tape');
  fs.mkdirSync(mount);
  const writer = path.join(base, 'real-writer');
  lto(['tape', 'add', REAL_TAPE, '--mount', mount], writer);
  const backup = lto(['backup', REAL_TAPE, source, '--mount', mount], writer);
  fs.rmSync(source, { recursive: true, force: true });
  return { mount, backup };
};

const syntheticTape = (): string => {
  const mount = path.join(base, 'synthetic-tape');
  fs.mkdirSync(mount);
  lto(['tape', 'add', SYNTHETIC_TAPE, '--mount', mount], path.join(base, 'synthetic-writer'));
  writeSyntheticJournal(mount, SYNTHETIC_TAPE, FILES);
  return mount;
};

/** RUNS recoveries of the tape at `mount`, each into an empty data folder; the last one's folder is kept for a rebuild. */
const recoveries = (name: string, mount: string): { runs: Timed[]; home: string } => {
  const runs: Timed[] = [];
  let home = '';
  for (let run = 0; run < RUNS; run++) {
    if (home !== '') fs.rmSync(home, { recursive: true, force: true });
    home = path.join(base, `${name}-recovered-${run}`);
    const load = loadNow();
    runs.push({ ...lto(['recover', '--mount', mount, '--json'], home), load });
  }
  return { runs, home };
};

const row = (step: string, runs: readonly Timed[], target: string): string =>
  `| ${step} | ${spread(runs.map((r) => r.seconds), 1)} | ${spread(runs.map((r) => r.cpu), 1)} | ${spread(runs.map((r) => r.rssKiB / 1024), 0)} MiB | ${runs.map((r) => r.load.toFixed(1)).join(', ')} | ${target} |`;

const journalMB = (mount: string): string => (fs.statSync(path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson')).size / 1e6).toFixed(0);

const main = (): void => {
  const rows: string[] = [];
  try {
    if (!argv.includes('--no-real')) {
      const real = realTape();
      if (real.backup !== undefined) {
        const b = real.backup;
        console.log(`lto backup of ${FILES.toLocaleString('en')} files: ${b.seconds.toFixed(1)} s, ${b.cpu.toFixed(1)} CPU-s, peak RSS ${(b.rssKiB / 1024).toFixed(0)} MiB`);
      }
      const recovered = recoveries('real', real.mount);
      rows.push(row(`\`lto recover\`, tape from \`lto backup\` (journal ${journalMB(real.mount)} MB)`, recovered.runs, '< 12 s'));
      const load = loadNow();
      rows.push(row('`lto catalog rebuild` of that catalog', [{ ...lto(['catalog', 'rebuild'], recovered.home), load }], '< 10 s'));
    }
    if (!argv.includes('--no-synthetic')) {
      const mount = syntheticTape();
      rows.push(row(`\`lto recover\`, synthetic journal (${journalMB(mount)} MB)`, recoveries('synthetic', mount).runs, '(earlier figure)'));
    }
    console.log(`\nrecovery of ${FILES.toLocaleString('en')} file entries, ${RUNS} run(s) each: median (min-max); ${os.cpus().length} CPUs\n`);
    console.log('| step | seconds | CPU-s | peak RSS | load before each run | target |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const r of rows) console.log(r);
  } finally {
    if (argv.includes('--keep')) console.log(`kept: ${base}`);
    else fs.rmSync(base, { recursive: true, force: true });
  }
};

main();
