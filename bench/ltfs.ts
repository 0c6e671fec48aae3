/**
 * The LTFS benchmark (issue 14 §5): on a real LTFS mount (the reference implementation,
 * file-emulated cartridge in Calculate mode, so the positioning a real drive would spend
 * is counted), the same data, the same mount, the same run:
 *
 *   lto backup  vs  tar -cf onto the mount
 *   lto restore vs  tar -xf from it
 *   lto verify  vs  cat of the tar file > /dev/null
 *
 * Each read starts on a fresh mount with a dropped page cache (cold: LTFS keeps nothing
 * across mounts). Reported: wall seconds, CPU seconds (user + system) in all and per GiB
 * or per 1,000 files, the simulated positioning seconds beside the peer's, and the load
 * average before each pair. Run by `npm run bench` when LTFS is installed,
 * or alone: `node dist/bench/ltfs.js [--workload big|small|both] [--runs 1] [--dir /tmp]`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cpuPerGiB, cpuPerThousandFiles, loadNow, spread } from './measure';
import { dropCaches, makeBig, makeSmall } from './workloads';
import { formatCartridge, mountCartridge, realLtfsMissing, seekLatencySeconds, type MountedCartridge } from '../test/support/ltfs-cartridge';

const BIN = path.resolve(__dirname, '../../bin/lto.js');
const TAPE = '000077L5';

interface Measure {
  readonly seconds: number;
  readonly cpu: number;
  readonly positioning: number;
}

/** Runs a command under /usr/bin/time on `mount`, with the positioning it added. */
const measured = (mount: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Measure => {
  const before = seekLatencySeconds(mount);
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', command, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  execFileSync('sync');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const [user, system] = (r.stderr.trim().split('\n').pop() ?? '0 0').split(' ').map(Number);
  return { seconds, cpu: (user ?? 0) + (system ?? 0), positioning: seekLatencySeconds(mount) - before };
};

interface Pair {
  readonly lto: Measure;
  readonly peer: Measure;
  /** The load average when the run's backups started. */
  readonly load: number;
}

interface RunResult {
  readonly backup: Pair;
  readonly restore: Pair;
  readonly verify: Pair;
  /** lto's first contact after tar wrote the cartridge (untimed in the rows): reads volume.json and the journal. */
  readonly contact: Measure;
}

/** One run on a fresh cartridge: backups, then each read on a fresh, cold mount. */
const runOnce = async (work: string, source: string, bytes: number, run: number): Promise<RunResult> => {
  const cartridge = path.join(work, 'cartridge');
  // Room for lto's copy, tar's copy and the indexes.
  formatCartridge(cartridge, { serial: TAPE.slice(0, 6), capacityMb: Math.ceil((2.4 * bytes) / 1e6) + 512, delayMode: 'Calculate' });
  let tape: MountedCartridge = await mountCartridge(cartridge, path.join(work, 'mnt'));
  const env = { LTO_HOME: path.join(work, 'home') };
  const remount = async (): Promise<void> => {
    await tape.unmount();
    dropCaches();
    tape = await mountCartridge(cartridge, tape.mount);
  };
  try {
    execFileSync(process.execPath, [BIN, 'tape', 'add', TAPE, '--mount', tape.mount], { env: { ...process.env, ...env }, stdio: 'ignore' });
    const peerTar = path.join(tape.mount, 'peer.tar');
    const ltoBackup = (): Measure => measured(tape.mount, process.execPath, [BIN, 'backup', TAPE, source, '--mount', tape.mount, '--json'], env);
    const tarBackup = (): Measure => measured(tape.mount, 'tar', ['-cf', peerTar, '-C', source, '.']);
    // Alternate who writes first: the second writes further along the tape.
    dropCaches();
    const load = loadNow();
    const [first, second] = run % 2 === 0 ? [ltoBackup(), tarBackup()] : [tarBackup(), ltoBackup()];
    const backup = run % 2 === 0 ? { lto: first, peer: second, load } : { lto: second, peer: first, load };

    const read = async (step: () => Measure): Promise<Measure> => {
      await remount();
      return step();
    };
    const readPair = async (ours: () => Measure, theirs: () => Measure): Promise<Pair> => {
      const load = loadNow();
      return { lto: await read(ours), peer: await read(theirs), load };
    };
    // tar -cf wrote the cartridge after lto's backup: a new LTFS index the catalog has not
    // seen, so lto's next contact reads volume.json and the journal (docs/FORMAT.md, "Contact
    // on LTFS"). In use only lto writes its tapes; that first contact is measured on its own.
    const contact = await read(() => measured(tape.mount, process.execPath, [BIN, 'tape', 'show', TAPE, '--mount', tape.mount], env));
    const ltoOut = path.join(work, 'lto-out');
    const tarOut = path.join(work, 'tar-out');
    fs.mkdirSync(tarOut);
    const restore = await readPair(
      () => measured(tape.mount, process.execPath, [BIN, 'restore', TAPE, '--to', ltoOut, '--mount', tape.mount, '--json'], env),
      () => measured(tape.mount, 'tar', ['-xf', peerTar, '-C', tarOut]),
    );
    const verify = await readPair(
      () => measured(tape.mount, process.execPath, [BIN, 'verify', TAPE, '--mount', tape.mount, '--json'], env),
      () => measured(tape.mount, 'sh', ['-c', `cat '${peerTar}' > /dev/null`]),
    );
    return { backup, restore, verify, contact };
  } finally {
    await tape.unmount();
  }
};

/** CPU seconds per GiB (a few large files) or per 1,000 files (many small ones). */
const cpuPer = (cpu: number, files: number, bytes: number): number => (files > 1000 ? cpuPerThousandFiles(cpu, files) : cpuPerGiB(cpu, bytes));

const row = (name: string, what: string, peerName: string, pairs: readonly Pair[], files: number, bytes: number): string => {
  const ratio = pairs.map((p) => p.peer.seconds / p.lto.seconds);
  const per = (m: (p: Pair) => Measure): string => spread(pairs.map((p) => cpuPer(m(p).cpu, files, bytes)), files > 1000 ? 3 : 2);
  return (
    `| ${name} | ${what} vs ${peerName} | ${spread(pairs.map((p) => p.lto.seconds), 1)} s | ${spread(pairs.map((p) => p.peer.seconds), 1)} s | ` +
    `${spread(ratio, 2)} | ${spread(pairs.map((p) => p.lto.cpu), 1)} / ${spread(pairs.map((p) => p.peer.cpu), 1)} | ${per((p) => p.lto)} / ${per((p) => p.peer)} | ` +
    // Positioning per run, lto / peer: where each copy lies on the tape (who wrote first) decides, so runs are not pooled.
    `${pairs.map((p) => `${p.lto.positioning.toFixed(0)} / ${p.peer.positioning.toFixed(0)}`).join('; ')} s | ${pairs.map((p) => p.load.toFixed(1)).join(', ')} |`
  );
};

export const benchLtfs = async (workload: string, runs: number, dir: string): Promise<void> => {
  const missing = realLtfsMissing();
  if (missing !== false) {
    console.log(`\nLTFS benchmark skipped: ${missing}`);
    return;
  }
  const base = fs.mkdtempSync(path.join(dir, 'lto-bench-ltfs-'));
  try {
    const lines: string[] = [];
    const contacts: string[] = [];
    const cases: [string, number, (src: string) => number][] = [];
    if (workload === 'big' || workload === 'both') cases.push(['4 x 512 MiB', 4, makeBig]);
    if (workload === 'small' || workload === 'both') cases.push(['100,000 x 4 KiB', 100_000, (src) => makeSmall(src, 100_000, 100)]);
    for (const [name, files, make] of cases) {
      const source = path.join(base, `${name.replace(/\W+/g, '-')}-src`);
      const bytes = make(source);
      const results: RunResult[] = [];
      for (let run = 0; run < runs; run++) {
        const work = path.join(base, `run-${run}`);
        fs.mkdirSync(work);
        results.push(await runOnce(work, source, bytes, run));
        fs.rmSync(work, { recursive: true, force: true });
      }
      lines.push(row(name, 'lto backup', 'tar -cf', results.map((r) => r.backup), files, bytes));
      lines.push(row(name, 'lto restore', 'tar -xf', results.map((r) => r.restore), files, bytes));
      lines.push(row(name, 'lto verify', 'cat', results.map((r) => r.verify), files, bytes));
      contacts.push(`${name}: lto's first contact after tar -cf wrote the cartridge (lto tape show, not in the rows), per run: ${results.map((r) => r.contact.positioning.toFixed(0)).join('; ')} s of positioning`);
      fs.rmSync(source, { recursive: true, force: true });
    }
    console.log(`\nOn LTFS (reference 2.4.8.4, file backend, Calculate mode), ${runs} run(s), median (min-max), load ${os.loadavg()[0]?.toFixed(1)}, ${os.cpus().length} CPUs\n`);
    console.log('| workload | commands | lto | peer | peer/lto | CPU s lto / peer | CPU s per GiB or per 1,000 files, lto / peer | positioning lto / peer, per run (run 1 lto wrote first, run 2 tar) | load before each pair |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const line of lines) console.log(line);
    console.log('');
    for (const line of contacts) console.log(line);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
};

if (require.main === module) {
  const argv = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
  };
  void benchLtfs(arg('workload', 'both'), Number(arg('runs', '1')), arg('dir', os.tmpdir()));
}
