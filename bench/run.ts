/**
 * End-to-end benchmark: `lto backup` and `lto restore` (the real CLI, catalog included)
 * against GNU tar on the same data, in the same run, as ratios (perf-baselines.md: the
 * machine is noisy, only same-run ratios mean anything).
 *
 *   npm run bench -- [--workload big|small|both] [--runs 5] [--dir /tmp] [--million] [--encrypted]
 *                    [--ltfs-runs 1] [--no-ltfs]
 *
 * Workloads: 4 x 512 MiB files; 100,000 x 4 KiB files in 100 folders. Each timing starts
 * with a dropped page cache (as root) and ends durable (`sync` after tar; lto fsyncs).
 * Each run has a fresh data folder holding the first run's I/O path probe (io-paths.json):
 * only the first lto backup pays the probe, as the first job of a day does.
 * Reported for lto and tar from the same runs: wall time (as a rate, and tar/lto pair by
 * pair), the load average before each pair, and CPU seconds (user + system, threads and
 * children included) in all and per GiB or per 1,000 files: the CPU figures hold on a
 * noisy machine where the wall figures do not. Every figure is median (min-max).
 * `--million` adds a 1,000,000-file backup and reports its peak RSS. `--encrypted` runs
 * lto on an encrypted tape (passphrase slot; AES-256-GCM segments, HMAC content hashes)
 * against plain tar. Then the same workloads on a real LTFS mount (bench/ltfs.ts), when
 * the reference LTFS is installed, unless `--no-ltfs`. Then `lto copy` against `cp -r` of the
 * same segment files, folder to folder and LTFS to LTFS (bench/copy.ts), unless `--no-copy`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IO_PATHS_FILE } from '../infrastructure/io-path/io-path-cache';
import { benchCopy } from './copy';
import { benchLtfs } from './ltfs';
import { cpuPerGiB, cpuPerThousandFiles, loadNow, measured, spread, type Measure } from './measure';
import { dropCaches, makeBig, makeSmall } from './workloads';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
};
const workload = arg('workload', 'both');
const runs = Number(arg('runs', '5'));
const base = fs.mkdtempSync(path.join(arg('dir', os.tmpdir()), 'lto-bench-'));
const BIN = path.resolve(__dirname, '../../bin/lto.js');
const isRoot = process.getuid?.() === 0;
const encrypted = argv.includes('--encrypted');
const PASSPHRASE = 'benchmark passphrase';

interface Pair {
  /** Load average just before the pair ran. */
  readonly load: number;
  readonly tar: Measure;
  readonly lto: Measure;
}

interface Result {
  name: string;
  files: number;
  bytes: number;
  backups: Pair[];
  restores: Pair[];
}

const bench = (name: string, source: string, files: number, bytes: number): Result => {
  const ioPaths = path.join(base, `${name}-${IO_PATHS_FILE}`);
  const backups: Pair[] = [];
  const restores: Pair[] = [];
  for (let run = 0; run < runs; run++) {
    const work = path.join(base, `${name}-run${run}`);
    fs.mkdirSync(work);
    const home = path.join(work, 'home');
    const tape = path.join(work, 'tape');
    fs.mkdirSync(tape);
    const env = { LTO_HOME: home, LTO_PASSPHRASE: PASSPHRASE };
    const encrypt = encrypted ? ['--encrypt', 'passphrase'] : [];
    execFileSync(process.execPath, [BIN, 'tape', 'add', '000001L9', '--mount', tape, ...encrypt], { env: { ...process.env, ...env } });
    // The I/O path probe is remembered per data folder for a day: each run's fresh data
    // folder gets the first run's, so only the first backup pays it (as one job a day does).
    if (fs.existsSync(ioPaths)) fs.copyFileSync(ioPaths, path.join(home, IO_PATHS_FILE));
    const tarFile = path.join(work, 'peer.tar');
    // Alternate who goes first, so neither always gets the warmer disk.
    const pair = (ours: () => Measure, theirs: () => Measure): Pair => {
      const load = loadNow();
      const cold = (step: () => Measure): Measure => {
        dropCaches();
        return step();
      };
      if (run % 2 === 0) {
        const lto = cold(ours);
        return { load, lto, tar: cold(theirs) };
      }
      const tar = cold(theirs);
      return { load, tar, lto: cold(ours) };
    };
    backups.push(
      pair(
        () => measured(process.execPath, [BIN, 'backup', '000001L9', source, '--json'], env),
        () => measured('tar', ['-cf', tarFile, '-C', source, '.']),
      ),
    );
    const tarOut = path.join(work, 'tar-out');
    const ltoOut = path.join(work, 'lto-out');
    fs.mkdirSync(tarOut);
    restores.push(
      pair(
        () => measured(process.execPath, [BIN, 'restore', '000001L9', '--to', ltoOut, '--json'], env),
        () => measured('tar', ['-xf', tarFile, '-C', tarOut]),
      ),
    );
    if (fs.existsSync(path.join(home, IO_PATHS_FILE))) fs.copyFileSync(path.join(home, IO_PATHS_FILE), ioPaths);
    fs.rmSync(work, { recursive: true, force: true });
  }
  return { name: encrypted ? `${name}, encrypted` : name, files, bytes, backups, restores };
};

/** Files per second for a workload of many files, GB/s for one of a few large ones. */
const rate = (r: Result, seconds: number): number => (r.files > 1000 ? r.files / seconds : r.bytes / seconds / 1e9);
const rateUnit = (r: Result): string => (r.files > 1000 ? 'files/s' : 'GB/s');
const rateDigits = (r: Result): number => (r.files > 1000 ? 0 : 2);

const timeRow = (r: Result, what: string, pairs: readonly Pair[]): string => {
  const d = rateDigits(r);
  const tar = spread(pairs.map((p) => rate(r, p.tar.seconds)), d);
  const lto = spread(pairs.map((p) => rate(r, p.lto.seconds)), d);
  // Pair by pair: the machine's speed drifts between pairs, much less within one.
  const ratio = spread(pairs.map((p) => p.tar.seconds / p.lto.seconds), 2);
  const loads = pairs.map((p) => p.load.toFixed(1)).join(', ');
  return `| ${r.name} | ${what} | ${tar} ${rateUnit(r)} | ${lto} ${rateUnit(r)} | ${ratio} | ${loads} |`;
};

const cpuRow = (r: Result, what: string, pairs: readonly Pair[]): string => {
  const per = (cpu: (p: Pair) => number): string =>
    r.files > 1000 ? spread(pairs.map((p) => cpuPerThousandFiles(cpu(p), r.files)), 3) : spread(pairs.map((p) => cpuPerGiB(cpu(p), r.bytes)), 2);
  const ratio = spread(pairs.map((p) => p.lto.cpu / p.tar.cpu), 2);
  return (
    `| ${r.name} | ${what} | ${spread(pairs.map((p) => p.tar.cpu), 2)} | ${spread(pairs.map((p) => p.lto.cpu), 2)} | ${ratio} | ` +
    `${per((p) => p.tar.cpu)} | ${per((p) => p.lto.cpu)} |`
  );
};

const report = (results: readonly Result[]): void => {
  const how = `${isRoot ? 'cold cache' : 'warm cache (not root)'}, durable; median (min-max) of ${runs} run(s), ${os.cpus().length} CPUs`;
  console.log(`\nlto-archive vs GNU tar: time (${how})\n`);
  console.log('| workload | commands | tar | lto | tar/lto time (goal >= 0.9) | load before each pair |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    console.log(timeRow(r, 'backup: tar -cf / lto backup', r.backups));
    console.log(timeRow(r, 'restore: tar -xf / lto restore', r.restores));
  }
  console.log(`\nCPU seconds (user + system, every thread and child), same runs\n`);
  console.log('| workload | commands | tar CPU-s | lto CPU-s | lto/tar CPU | tar per GiB or per 1,000 files | lto per GiB or per 1,000 files |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    console.log(cpuRow(r, 'backup: tar -cf / lto backup', r.backups));
    console.log(cpuRow(r, 'restore: tar -xf / lto restore', r.restores));
  }
  console.log('');
  for (const r of results) console.log(`${r.name}: lto backup peak RSS ${Math.round(Math.max(...r.backups.map((p) => p.lto.rssKiB)) / 1024)} MiB`);
};

const main = async (): Promise<void> => {
  const results: Result[] = [];
  try {
    if (workload === 'big' || workload === 'both') {
      const src = path.join(base, 'big-src');
      results.push(bench('4 x 512 MiB', src, 4, makeBig(src)));
    }
    if (workload === 'small' || workload === 'both') {
      const src = path.join(base, 'small-src');
      results.push(bench('100,000 x 4 KiB', src, 100_000, makeSmall(src, 100_000, 100)));
    }
    if (argv.includes('--million')) {
      const src = path.join(base, 'million-src');
      results.push(bench('1,000,000 x 4 KiB', src, 1_000_000, makeSmall(src, 1_000_000, 1000)));
    }
    report(results);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
  if (!argv.includes('--no-ltfs')) await benchLtfs(workload, Number(arg('ltfs-runs', '1')), arg('dir', os.tmpdir()));
  if (!argv.includes('--no-copy')) await benchCopy(workload, Math.min(runs, 3), argv.includes('--no-ltfs') ? 0 : Number(arg('ltfs-runs', '1')), arg('dir', os.tmpdir()));
};

void main();
