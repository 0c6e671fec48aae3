/**
 * The copy benchmark (issue 19): `lto copy SRC DST` against `cp -r` of the same bytes
 * (the source tape's segment files) between the same places, in the same run, on folder
 * tapes and on two real LTFS mounts (reference LTFS, file backend, Calculate mode).
 * Each timing starts with a dropped page cache (as root) and ends durable (`sync`).
 * Run by `npm run bench`, or alone:
 *
 *   node dist/bench/copy.js [--workload big|small|both] [--runs 3] [--ltfs-runs 1] [--dir /tmp] [--no-ltfs]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadNow, measured, spread, type Measure } from './measure';
import { dropCaches, makeBig, makeSmall } from './workloads';
import { formatCartridge, mountCartridge, realLtfsMissing, type MountedCartridge } from '../test/support/ltfs-cartridge';

const BIN = path.resolve(__dirname, '../../bin/lto.js');
const SRC = '000081L5';

interface Pair {
  readonly load: number;
  readonly lto: Measure;
  readonly cp: Measure;
}

const lto = (env: NodeJS.ProcessEnv, args: readonly string[]): void => {
  execFileSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: 'ignore' });
};

/** The destination barcode of run `run` (each run copies onto a fresh tape). */
const destination = (run: number): string => `0009${String(run).padStart(2, '0')}L5`;

/** One pair, cold: lto copy and cp -r of the segment files onto the same file system, who goes first alternating. */
const pair = (run: number, ours: () => Measure, theirs: () => Measure): Pair => {
  const load = loadNow();
  const cold = (step: () => Measure): Measure => {
    dropCaches();
    return step();
  };
  if (run % 2 === 0) {
    const l = cold(ours);
    return { load, lto: l, cp: cold(theirs) };
  }
  const c = cold(theirs);
  return { load, cp: c, lto: cold(ours) };
};

const row = (where: string, name: string, pairs: readonly Pair[], bytes: number): string => {
  const rate = (m: (p: Pair) => Measure) => spread(pairs.map((p) => bytes / m(p).seconds / 1e6), 0);
  return `| ${where} | ${name} | ${rate((p) => p.cp)} MB/s | ${rate((p) => p.lto)} MB/s | ${spread(pairs.map((p) => p.cp.seconds / p.lto.seconds), 2)} | ${spread(pairs.map((p) => p.lto.cpu), 1)} / ${spread(pairs.map((p) => p.cp.cpu), 1)} | ${pairs.map((p) => p.load.toFixed(1)).join(', ')} |`;
};

/** The bytes a copy moves: the source tape's segment files. */
const segmentBytes = (mount: string): number => {
  const jobs = path.join(mount, 'LTO-ARCHIVE', 'jobs');
  let total = 0;
  for (const job of fs.readdirSync(jobs)) for (const f of fs.readdirSync(path.join(jobs, job))) total += fs.statSync(path.join(jobs, job, f)).size;
  return total;
};

const onFolders = (work: string, source: string, runs: number): { pairs: Pair[]; bytes: number } => {
  const env = { LTO_HOME: path.join(work, 'home') };
  const src = path.join(work, 'src-tape');
  fs.mkdirSync(src);
  lto(env, ['tape', 'add', SRC, '--mount', src]);
  lto(env, ['backup', SRC, source, '--mount', src, '--json']);
  const pairs: Pair[] = [];
  for (let run = 0; run < runs; run++) {
    const dst = path.join(work, `dst-${run}`);
    const peer = path.join(work, `peer-${run}`);
    fs.mkdirSync(dst);
    lto(env, ['tape', 'add', destination(run), '--mount', dst]);
    pairs.push(
      pair(
        run,
        () => measured(process.execPath, [BIN, 'copy', SRC, destination(run), '--mount-src', src, '--mount-dst', dst, '--json'], env),
        () => measured('cp', ['-r', path.join(src, 'LTO-ARCHIVE', 'jobs'), peer]),
      ),
    );
    fs.rmSync(dst, { recursive: true, force: true });
    fs.rmSync(peer, { recursive: true, force: true });
  }
  return { pairs, bytes: segmentBytes(src) };
};

const onLtfs = async (work: string, source: string, bytes: number, runs: number): Promise<Pair[]> => {
  const env = { LTO_HOME: path.join(work, 'home') };
  formatCartridge(path.join(work, 'c-src'), { serial: SRC.slice(0, 6), capacityMb: Math.ceil((1.3 * bytes) / 1e6) + 512, delayMode: 'Calculate' });
  let src: MountedCartridge = await mountCartridge(path.join(work, 'c-src'), path.join(work, 'm-src'));
  const pairs: Pair[] = [];
  try {
    lto(env, ['tape', 'add', SRC, '--mount', src.mount]);
    lto(env, ['backup', SRC, source, '--mount', src.mount, '--json']);
    for (let run = 0; run < runs; run++) {
      const tape = destination(run);
      formatCartridge(path.join(work, `c-${run}`), { serial: tape.slice(0, 6), capacityMb: Math.ceil((2.6 * bytes) / 1e6) + 512, delayMode: 'Calculate' });
      const dst = await mountCartridge(path.join(work, `c-${run}`), path.join(work, `m-${run}`));
      try {
        lto(env, ['tape', 'add', tape, '--mount', dst.mount]);
        // Each read starts on a fresh mount of the source (LTFS keeps nothing across mounts).
        const fresh = async (): Promise<void> => {
          await src.unmount();
          src = await mountCartridge(path.join(work, 'c-src'), src.mount);
        };
        await fresh();
        const load = loadNow();
        dropCaches();
        const ours = measured(process.execPath, [BIN, 'copy', SRC, tape, '--mount-src', src.mount, '--mount-dst', dst.mount, '--json'], env);
        await fresh();
        dropCaches();
        const theirs = measured('cp', ['-r', path.join(src.mount, 'LTO-ARCHIVE', 'jobs'), path.join(dst.mount, 'peer')]);
        pairs.push({ load, lto: ours, cp: theirs });
      } finally {
        await dst.unmount();
      }
    }
  } finally {
    await src.unmount();
  }
  return pairs;
};

export const benchCopy = async (workload: string, runs: number, ltfsRuns: number, dir: string): Promise<void> => {
  const base = fs.mkdtempSync(path.join(dir, 'lto-bench-copy-'));
  const lines: string[] = [];
  try {
    const cases: [string, (src: string) => number][] = [];
    if (workload === 'big' || workload === 'both') cases.push(['4 x 512 MiB', makeBig]);
    if (workload === 'small' || workload === 'both') cases.push(['100,000 x 4 KiB', (src) => makeSmall(src, 100_000, 100)]);
    for (const [name, make] of cases) {
      const source = path.join(base, 'source');
      make(source);
      const folders = path.join(base, 'folders');
      fs.mkdirSync(folders);
      const { pairs, bytes } = onFolders(folders, source, runs);
      lines.push(row('folder -> folder', name, pairs, bytes));
      fs.rmSync(folders, { recursive: true, force: true });
      if (ltfsRuns > 0 && realLtfsMissing() === false) {
        const ltfs = path.join(base, 'ltfs');
        fs.mkdirSync(ltfs);
        lines.push(row('LTFS -> LTFS', name, await onLtfs(ltfs, source, bytes, ltfsRuns), bytes));
        fs.rmSync(ltfs, { recursive: true, force: true });
      }
      fs.rmSync(source, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
  const cold = process.getuid?.() === 0 ? 'cold cache' : 'warm cache (not root)';
  console.log(`\nlto copy vs cp -r of the same segment files between the same places (${cold}, durable; median (min-max); ${os.cpus().length} CPUs)\n`);
  console.log('| places | workload | cp -r | lto copy | cp/lto time (goal >= 0.9) | CPU s lto / cp | load before each pair |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const line of lines) console.log(line);
};

if (require.main === module) {
  const argv = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
  };
  void benchCopy(arg('workload', 'both'), Number(arg('runs', '3')), argv.includes('--no-ltfs') ? 0 : Number(arg('ltfs-runs', '1')), arg('dir', os.tmpdir()));
}
