/**
 * End-to-end benchmark: `lto backup` and `lto restore` (the real CLI, catalog included)
 * against GNU tar on the same data, in the same run, as ratios (perf-baselines.md: the
 * machine is noisy, only same-run ratios mean anything).
 *
 *   npm run bench -- [--workload big|small|both] [--runs 3] [--dir /tmp] [--million] [--encrypted]
 *                    [--ltfs-runs 1] [--no-ltfs]
 *
 * Workloads: 4 x 512 MiB files; 100,000 x 4 KiB files in 100 folders. Each timing starts
 * with a dropped page cache (as root) and ends durable (`sync` after tar; lto fsyncs).
 * `--million` adds a 1,000,000-file backup and reports its peak RSS. `--encrypted` runs
 * lto on an encrypted tape (passphrase slot; AES-256-GCM segments, HMAC content hashes)
 * against plain tar. Then the same workloads on a real LTFS mount (bench/ltfs.ts), when
 * the reference LTFS is installed, unless `--no-ltfs`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchLtfs } from './ltfs';
import { dropCaches, makeBig, makeSmall } from './workloads';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
};
const workload = arg('workload', 'both');
const runs = Number(arg('runs', '3'));
const base = fs.mkdtempSync(path.join(arg('dir', os.tmpdir()), 'lto-bench-'));
const BIN = path.resolve(__dirname, '../../bin/lto.js');
const isRoot = process.getuid?.() === 0;
const encrypted = argv.includes('--encrypted');
const PASSPHRASE = 'benchmark passphrase';

const timed = (command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): { seconds: number; rssKiB: number } => {
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  execFileSync('sync');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const lines = r.stderr.trim().split('\n');
  return { seconds, rssKiB: Number(lines[lines.length - 1]) };
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Result {
  name: string;
  files: number;
  bytes: number;
  tarBackup: number;
  ltoBackup: number;
  tarRestore: number;
  ltoRestore: number;
  ltoRss: number;
}

const bench = (name: string, source: string, files: number, bytes: number): Result => {
  const tb: number[] = [];
  const lb: number[] = [];
  const tr: number[] = [];
  const lr: number[] = [];
  const rss: number[] = [];
  for (let run = 0; run < runs; run++) {
    const work = path.join(base, `${name}-run${run}`);
    fs.mkdirSync(work);
    const home = path.join(work, 'home');
    const tape = path.join(work, 'tape');
    fs.mkdirSync(tape);
    const env = { LTO_HOME: home, LTO_PASSPHRASE: PASSPHRASE };
    const encrypt = encrypted ? ['--encrypt', 'passphrase'] : [];
    execFileSync(process.execPath, [BIN, 'tape', 'add', '000001L9', '--mount', tape, ...encrypt], { env: { ...process.env, ...env } });
    const tarFile = path.join(work, 'peer.tar');
    const ours = () => {
      dropCaches();
      const r = timed(process.execPath, [BIN, 'backup', '000001L9', source, '--json'], env);
      lb.push(r.seconds);
      rss.push(r.rssKiB);
    };
    const theirs = () => {
      dropCaches();
      tb.push(timed('tar', ['-cf', tarFile, '-C', source, '.']).seconds);
    };
    // Alternate who goes first, so neither always gets the warmer disk.
    const backups = run % 2 === 0 ? [ours, theirs] : [theirs, ours];
    for (const step of backups) step();
    const tarOut = path.join(work, 'tar-out');
    const ltoOut = path.join(work, 'lto-out');
    fs.mkdirSync(tarOut);
    const restoreTheirs = () => {
      dropCaches();
      tr.push(timed('tar', ['-xf', tarFile, '-C', tarOut]).seconds);
    };
    const restoreOurs = () => {
      dropCaches();
      lr.push(timed(process.execPath, [BIN, 'restore', '000001L9', '--to', ltoOut, '--json'], env).seconds);
    };
    const restores = run % 2 === 0 ? [restoreOurs, restoreTheirs] : [restoreTheirs, restoreOurs];
    for (const step of restores) step();
    fs.rmSync(work, { recursive: true, force: true });
  }
  return { name: encrypted ? `${name}, encrypted` : name, files, bytes, tarBackup: median(tb), ltoBackup: median(lb), tarRestore: median(tr), ltoRestore: median(lr), ltoRss: Math.max(...rss) };
};

const rate = (r: Result, seconds: number): string =>
  r.files > 1000 ? `${Math.round(r.files / seconds).toLocaleString('en')} files/s` : `${((r.bytes / seconds) / 1e9).toFixed(2)} GB/s`;

const report = (results: readonly Result[]): void => {
  console.log(`\nlto-archive vs GNU tar, medians of ${runs} run(s), ${isRoot ? 'cold cache' : 'warm cache (not root)'}, durable\n`);
  console.log('| workload | tar -cf | lto backup | ratio | tar -xf | lto restore | ratio | lto peak RSS |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    console.log(
      `| ${r.name} | ${rate(r, r.tarBackup)} | ${rate(r, r.ltoBackup)} | ${(r.tarBackup / r.ltoBackup).toFixed(2)} | ` +
        `${rate(r, r.tarRestore)} | ${rate(r, r.ltoRestore)} | ${(r.tarRestore / r.ltoRestore).toFixed(2)} | ${Math.round(r.ltoRss / 1024)} MiB |`,
    );
  }
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
};

void main();
