/**
 * How the benchmarks time a command: wall seconds, and the CPU seconds (user + system)
 * the operating system accounts to it and every process and thread it waited for, so a
 * figure still means something on a shared, noisy machine. Medians with their spread.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as os from 'node:os';

export interface Measure {
  readonly seconds: number;
  /** User + system CPU seconds of the command and its children (threads included). */
  readonly cpu: number;
  readonly rssKiB: number;
}

/** Runs `command` under /usr/bin/time, then `sync` (inside the wall time: every timing ends durable). */
export const measured = (command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Measure => {
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', command, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  execFileSync('sync');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const [user, system, rss] = (r.stderr.trim().split('\n').pop() ?? '0 0 0').split(' ').map(Number);
  return { seconds, cpu: (user ?? 0) + (system ?? 0), rssKiB: rss ?? 0 };
};

/** The 1-minute load average now (read before each pair of timings). */
export const loadNow = (): number => os.loadavg()[0] ?? 0;

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** `median (min-max)`, or the one figure. */
export const spread = (xs: readonly number[], digits: number): string => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = median(sorted).toFixed(digits);
  return sorted.length > 1 ? `${mid} (${sorted[0]?.toFixed(digits)}-${sorted[sorted.length - 1]?.toFixed(digits)})` : mid;
};

/** CPU seconds per GiB of data and per 1,000 files of a workload. */
export const cpuPerGiB = (cpu: number, bytes: number): number => cpu / (bytes / 1024 ** 3);
export const cpuPerThousandFiles = (cpu: number, files: number): number => cpu / (files / 1000);
