/**
 * Segment writer throughput against `tar -cf` on the same data, in the same run.
 *
 *   node dist/bench/segment-pump.js [--workload big|small|both] [--runs 3] [--window 64]
 *        [--big-count 4] [--big-mib 512] [--small-count 100000] [--small-kib 4] [--dir /tmp]
 *        [--keep-data] [--warm] [--src DIR] [--chunkBytes N ...writer options]
 *
 * Each run: sync + drop the page cache (root only; otherwise the run is "warm"), then
 *  - tar:  `tar -cf OUT -C SRC .` followed by `sync` (durable);
 *  - ours: scan SRC (readdir + lstat, as a backup's first pass does), then a SegmentWriter
 *          fed with up to --window adds in flight, close() (which fsyncs).
 * The two alternate which goes first. Prints medians and the ratio ours / tar.
 *
 * The outputs of a workload are removed only after all its runs: on this ext4 (mounted
 * with `discard`), the first large write after deleting gigabytes is several times slower,
 * which would penalise whichever contender runs next. A warm-up run comes first for the
 * same reason. `--src DIR` reuses existing data (not removed).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { SegmentWriter, type SegmentWriterOptions } from '../infrastructure/segment';

interface Args {
  workload: 'big' | 'small' | 'both';
  runs: number;
  window: number;
  bigCount: number;
  bigMiB: number;
  smallCount: number;
  smallKiB: number;
  dir: string;
  keepData: boolean;
  warm: boolean;
  src: string | undefined;
  options: SegmentWriterOptions;
}

const parseArgs = (argv: readonly string[]): Args => {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, fallback: number): number => {
    const v = get(name);
    return v === undefined ? fallback : Number(v);
  };
  const options: Record<string, number> = {};
  for (const key of ['chunkBytes', 'chunkBuffers', 'batchBytes', 'batchBuffers', 'smallFileMax', 'smallFileSlots', 'readerThreads', 'flushEveryBytes', 'maxWriteBytes']) {
    const v = get(key);
    if (v !== undefined) options[key] = Number(v);
  }
  const direct = get('directIo');
  return {
    workload: (get('workload') ?? 'both') as Args['workload'],
    runs: num('runs', 3),
    window: num('window', 64),
    bigCount: num('big-count', 4),
    bigMiB: num('big-mib', 512),
    smallCount: num('small-count', 100_000),
    smallKiB: num('small-kib', 4),
    dir: get('dir') ?? os.tmpdir(),
    keepData: argv.includes('--keep-data'),
    warm: argv.includes('--warm'),
    src: get('src'),
    options: direct === undefined ? options : { ...options, directIo: direct === 'true' },
  };
};

let dropWorks: boolean | undefined;
const dropCaches = (warm: boolean): void => {
  execFileSync('sync');
  if (warm || dropWorks === false) return;
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    dropWorks = true;
  } catch {
    dropWorks = false;
    console.log('(cannot drop the page cache: runs are warm)');
  }
};

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const generateBig = (root: string, count: number, mib: number): void => {
  const block = Buffer.allocUnsafe(8 * 1024 * 1024);
  randomFillSync(block);
  for (let f = 0; f < count; f++) {
    const fd = fs.openSync(path.join(root, `big-${f}.bin`), 'w');
    for (let written = 0; written < mib * 1024 * 1024; written += block.length) {
      block.writeUInt32LE(f, 0);
      block.writeUInt32LE(written / block.length, 4);
      fs.writeSync(fd, block, 0, Math.min(block.length, mib * 1024 * 1024 - written));
    }
    fs.closeSync(fd);
  }
};

const generateSmall = (root: string, count: number, kib: number): void => {
  const perDir = 1000;
  const data = Buffer.allocUnsafe(kib * 1024);
  randomFillSync(data);
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, `d${String(Math.floor(i / perDir)).padStart(4, '0')}`);
    if (i % perDir === 0) fs.mkdirSync(dir);
    data.writeUInt32LE(i, 0);
    fs.writeFileSync(path.join(dir, `f${i}.dat`), data);
  }
};

interface Item {
  readonly rel: string;
  readonly abs: string;
  readonly stat: fs.BigIntStats;
}

/** A backup's first pass: every path under `root` with its lstat. */
const scan = (root: string): Item[] => {
  const items: Item[] = [];
  const walk = (rel: string): void => {
    const abs = rel === '' ? root : path.join(root, rel);
    for (const d of fs.readdirSync(abs, { withFileTypes: true })) {
      const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
      const childAbs = path.join(abs, d.name);
      const stat = fs.lstatSync(childAbs, { bigint: true });
      items.push({ rel: childRel, abs: childAbs, stat });
      if (stat.isDirectory()) walk(childRel);
    }
  };
  walk('');
  return items;
};

interface Measured {
  readonly detail?: string;
  readonly seconds: number;
  readonly scanSeconds: number;
  readonly bytes: number;
  readonly files: number;
  readonly sha256: string;
}

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const ours = async (src: string, out: string, window: number, options: SegmentWriterOptions): Promise<Measured> => {
  const cpu0 = cpuSeconds();
  const t0 = process.hrtime.bigint();
  const items = scan(src);
  const t1 = process.hrtime.bigint();
  const opened = SegmentWriter.open(out, options);
  if (E.isLeft(opened)) throw new Error(JSON.stringify(opened.left));
  const writer = opened.right;
  const inflight = new Set<Promise<void>>();
  let files = 0;
  const track = (p: Promise<E.Either<unknown, unknown>>): Promise<void> => {
    const done: Promise<void> = p.then((r) => {
      inflight.delete(done);
      if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    });
    inflight.add(done);
    return done;
  };
  for (const item of items) {
    const meta = { path: item.rel, mode: Number(item.stat.mode & 0o7777n), mtimeNs: item.stat.mtimeNs, uid: Number(item.stat.uid), gid: Number(item.stat.gid) };
    if (item.stat.isDirectory()) void track(writer.addDirectory(meta));
    else if (item.stat.isFile()) {
      files++;
      void track(writer.addFile(meta, item.abs, { size: Number(item.stat.size), mtimeNs: item.stat.mtimeNs }));
    }
    if (inflight.size >= window) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  const closed = await writer.close();
  if (E.isLeft(closed)) throw new Error(JSON.stringify(closed.left));
  const t2 = process.hrtime.bigint();
  const stats = writer.stats;
  const detail = `direct ${String(writer.directIo)}, ${stats.writes} writes busy ${Math.round(stats.writeMs)} ms, chunk wait ${Math.round(stats.chunkWaitMs)} ms, cpu ${(cpuSeconds() - cpu0).toFixed(2)} s`;
  return { seconds: Number(t2 - t0) / 1e9, scanSeconds: Number(t1 - t0) / 1e9, bytes: closed.right.bytes, files, sha256: closed.right.sha256, detail };
};

const tar = (src: string, out: string): Measured => {
  const t0 = process.hrtime.bigint();
  execFileSync('tar', ['-cf', out, '-C', src, '.']);
  execFileSync('sync');
  const t1 = process.hrtime.bigint();
  return { seconds: Number(t1 - t0) / 1e9, scanSeconds: 0, bytes: fs.statSync(out).size, files: 0, sha256: '' };
};

const fileSha = (file: string): string => {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    hash.update(buf.subarray(0, n));
  }
  fs.closeSync(fd);
  return hash.digest('hex');
};

const runWorkload = async (args: Args, name: 'big' | 'small'): Promise<void> => {
  const base = fs.mkdtempSync(path.join(args.dir, `segment-pump-${name}-`));
  const src = args.src ?? path.join(base, 'src');
  const outputs: string[] = [];
  try {
    const g0 = Date.now();
    if (args.src === undefined) {
      fs.mkdirSync(src);
      if (name === 'big') generateBig(src, args.bigCount, args.bigMiB);
      else generateSmall(src, args.smallCount, args.smallKiB);
    }
    execFileSync('sync');
    // Warm-up (not measured): the first large write after a delete is slow on this file system.
    dropCaches(args.warm);
    const warmup = path.join(base, 'warmup.tar');
    outputs.push(warmup);
    await ours(src, warmup, args.window, args.options);
    console.log(`\n== ${name}: ${name === 'big' ? `${args.bigCount} x ${args.bigMiB} MiB` : `${args.smallCount} x ${args.smallKiB} KiB`} (generated in ${((Date.now() - g0) / 1000).toFixed(1)} s), window ${args.window}`);
    const tarTimes: number[] = [];
    const ourTimes: number[] = [];
    let files = 0;
    let bytes = 0;
    for (let run = 0; run < args.runs; run++) {
      const order: Array<'tar' | 'ours'> = run % 2 === 0 ? ['tar', 'ours'] : ['ours', 'tar'];
      for (const who of order) {
        const out = path.join(base, `${who}-${run}.tar`);
        outputs.push(out);
        dropCaches(args.warm);
        const m = who === 'tar' ? tar(src, out) : await ours(src, out, args.window, args.options);
        if (who === 'ours') {
          files = m.files;
          bytes = m.bytes;
          if (run === 0 && fileSha(out) !== m.sha256) throw new Error('segment sha256 does not match the file');
          ourTimes.push(m.seconds);
          console.log(`  run ${run} ours: ${m.seconds.toFixed(2)} s (scan ${m.scanSeconds.toFixed(2)} s), ${(m.bytes / m.seconds / 1e9).toFixed(3)} GB/s, ${Math.round(m.files / m.seconds)} files/s (${m.detail ?? ''})`);
        } else {
          tarTimes.push(m.seconds);
          console.log(`  run ${run} tar:  ${m.seconds.toFixed(2)} s, ${(m.bytes / m.seconds / 1e9).toFixed(3)} GB/s`);
        }
      }
    }
    const tarS = median(tarTimes);
    const ourS = median(ourTimes);
    console.log(
      `  median: tar ${tarS.toFixed(2)} s, ours ${ourS.toFixed(2)} s -> ` +
        (name === 'big'
          ? `tar ${(bytes / tarS / 1e9).toFixed(3)} GB/s, ours ${(bytes / ourS / 1e9).toFixed(3)} GB/s`
          : `tar ${Math.round(files / tarS)} files/s, ours ${Math.round(files / ourS)} files/s`) +
        `, ratio ours/tar ${(tarS / ourS).toFixed(3)}${dropWorks === true ? ' (cold, durable)' : ' (warm, durable)'}`,
    );
  } finally {
    for (const out of outputs) fs.rmSync(out, { force: true });
    if (!args.keepData) fs.rmSync(base, { recursive: true, force: true });
  }
};

const main = async (): Promise<void> => {
  const args = parseArgs(process.argv.slice(2));
  console.log(`segment-pump: node ${process.version}, ${os.cpus().length} CPUs, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}, options ${JSON.stringify(args.options)}`);
  if (args.workload !== 'small') await runWorkload(args, 'big');
  if (args.workload !== 'big') await runWorkload(args, 'small');
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
