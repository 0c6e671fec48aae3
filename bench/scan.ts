/**
 * Scan benchmark: the backup's walk (infrastructure/scan/walk.ts) over 100 folders of
 * 1,000 empty files, once with UTF-8 names and once with Latin-1 names (not UTF-8),
 * in CPU seconds (user + system) of this process, beside `tar -cf /dev/null` of the
 * same tree (GNU tar walks and stats it, and reads nothing for /dev/null).
 *
 *   node dist/bench/scan.js [--runs 5] [--dir /tmp] [--dist <another build's dist>]
 *
 * `--dist` times another build's walk (e.g. the main branch's) in the same run, for A/B.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
};
const RUNS = Number(arg('runs', '5'));
const base = fs.mkdtempSync(path.join(arg('dir', os.tmpdir()), 'lto-bench-scan-'));

const makeTree = (root: string, name: (i: number) => Buffer): void => {
  for (let d = 0; d < 100; d++) {
    const dir = path.join(root, `dir${String(d).padStart(3, '0')}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 1000; f++) fs.closeSync(fs.openSync(Buffer.concat([Buffer.from(`${dir}/`), name(f)]), 'w'));
  }
};

type Walk = (roots: readonly string[], excluded: (p: string) => boolean) => Iterable<{ _tag: string }>;
const walkOf = async (dist: string): Promise<Walk> => {
  const loaded: unknown = await import(path.resolve(dist, 'infrastructure/scan/walk.js'));
  if (typeof loaded !== 'object' || loaded === null || !('walk' in loaded) || typeof loaded.walk !== 'function') throw new Error(`no walk in ${dist}`);
  const walk = loaded.walk;
  return (roots, excluded) => walk(roots, excluded);
};

const cpuSeconds = (run: () => void): number => {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const tarCpu = (root: string): number => {
  const r = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; { time tar -cf /dev/null -C ${JSON.stringify(root)} . ; } 2>&1`], { encoding: 'utf8' });
  const [user, system] = r.stdout.trim().split('\n').pop()?.split(' ').map(Number) ?? [NaN, NaN];
  return (user ?? NaN) + (system ?? NaN);
};

const main = async (): Promise<void> => {
  const utf8 = path.join(base, 'utf8');
  const latin1 = path.join(base, 'latin1');
  makeTree(utf8, (f) => Buffer.from(`file-${String(f).padStart(5, '0')}.dat`));
  makeTree(latin1, (f) => Buffer.from(`caf\xe9-${String(f).padStart(5, '0')}.dat`, 'latin1'));
  const builds: [string, Walk][] = [['this build', await walkOf(path.join(__dirname, '..'))]];
  const other = arg('dist', '');
  if (other !== '') builds.push([other, await walkOf(other)]);
  for (const [label, root] of [['UTF-8 names', utf8], ['Latin-1 names', latin1]] as const) {
    const times = new Map<string, number[]>();
    for (let i = 0; i < RUNS; i++) {
      for (const [build, walk] of builds) {
        let entries = 0;
        const t = cpuSeconds(() => {
          for (const item of walk([root], () => false)) if (item._tag === 'entry') entries++;
        });
        times.set(`${build} (${entries} entries)`, [...(times.get(`${build} (${entries} entries)`) ?? []), t]);
      }
      times.set('tar -cf /dev/null', [...(times.get('tar -cf /dev/null') ?? []), tarCpu(root)]);
    }
    for (const [what, ts] of times) console.log(`${label}: ${what}: median ${median(ts).toFixed(3)} CPU s, range ${Math.min(...ts).toFixed(3)}-${Math.max(...ts).toFixed(3)} (${ts.length} runs)`);
  }
};

void main().finally(() => fs.rmSync(base, { recursive: true, force: true }));
