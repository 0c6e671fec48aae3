import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import {
  SegmentReader,
  SegmentWriter,
  copyRangeToFile,
  listSegment,
  type ArchivedFile,
  type SegmentError,
  type SegmentWriterOptions,
  type SourceProblem,
} from '../../infrastructure/segment';

const MiB = 1024 * 1024;

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const sha256File = (file: string): string => sha256(fs.readFileSync(file));

const tempDir = (): { dir: string; cleanup: () => void } => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-segment-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
};

const right = <L, R>(either: E.Either<L, R>): R => {
  if (E.isLeft(either)) assert.fail(`expected Right, got ${JSON.stringify(either.left)}`);
  return either.right;
};

/** Undoes GNU tar's default "escape" quoting (run with LC_ALL=C: every non-ASCII byte is octal). */
const unescapeTar = (line: string): string => {
  const bytes: number[] = [];
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c !== '\\') {
      bytes.push(c.charCodeAt(0));
      continue;
    }
    const next = line[i + 1]!;
    const simple: Record<string, number> = { '\\': 0x5c, n: 0x0a, t: 0x09, r: 0x0d, f: 0x0c, v: 0x0b, a: 0x07, b: 0x08, '?': 0x7f };
    if (next in simple) {
      bytes.push(simple[next]!);
      i += 1;
    } else {
      bytes.push(parseInt(line.slice(i + 1, i + 4), 8));
      i += 3;
    }
  }
  return Buffer.from(bytes).toString('utf8');
};

const tarList = (segment: string): string[] =>
  execFileSync('tar', ['-tf', segment], { env: { ...process.env, LC_ALL: 'C' } })
    .toString('latin1')
    .split('\n')
    .filter((l) => l.length > 0)
    .map(unescapeTar);

interface Source {
  readonly rel: string;
  readonly abs: string;
  readonly stat: fs.BigIntStats;
}

const meta = (s: Source): { path: string; mode: number; mtimeNs: bigint; uid: number; gid: number } => ({
  path: s.rel,
  mode: Number(s.stat.mode & 0o7777n),
  mtimeNs: s.stat.mtimeNs,
  uid: Number(s.stat.uid),
  gid: Number(s.stat.gid),
});

/** Every path under `root` (lstat, not followed), parents before children. */
const walk = (root: string, rel = ''): Source[] => {
  const out: Source[] = [];
  for (const name of fs.readdirSync(rel === '' ? root : path.join(root, rel)).sort()) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const abs = path.join(root, childRel);
    const stat = fs.lstatSync(abs, { bigint: true });
    out.push({ rel: childRel, abs, stat });
    if (stat.isDirectory()) out.push(...walk(root, childRel));
  }
  return out;
};

const HARD_FILE_NAMES = [
  'caf\u00e9 nfc.txt',
  'cafe\u0301 nfd.txt',
  'with  spaces .txt',
  'new\nline.txt',
  'back\\slash.txt',
  'x'.repeat(251) + '.txt',
  '\u00e9'.repeat(127) + 'x',
];

/** A source tree with every kind of hard case, and a 64 MiB file. */
const makeTree = (root: string): void => {
  const files = path.join(root, 'files');
  fs.mkdirSync(files, { recursive: true });
  fs.writeFileSync(path.join(files, 'empty'), '');
  fs.writeFileSync(path.join(files, 'small.txt'), 'hello segment\n');
  for (const [i, name] of HARD_FILE_NAMES.entries()) fs.writeFileSync(path.join(files, name), `content ${i} of ${name}\n`.repeat(i + 1));
  const medium = Buffer.alloc(300 * 1024 + 7);
  randomFillSync(medium);
  fs.writeFileSync(path.join(files, 'medium.bin'), medium);
  const big = Buffer.alloc(64 * MiB);
  randomFillSync(big, 0, MiB);
  for (let i = 1; i < 64; i++) {
    big.copy(big, i * MiB, 0, MiB);
    big.writeUInt32LE(i, i * MiB);
  }
  fs.writeFileSync(path.join(files, 'big-64MiB.bin'), big);
  fs.chmodSync(path.join(files, 'small.txt'), 0o600);
  const deep = path.join(root, ...Array.from({ length: 100 }, (_, i) => `l${i}`));
  fs.mkdirSync(deep, { recursive: true });
  fs.writeFileSync(path.join(deep, 'bottom.txt'), 'at level 100\n');
  const links = path.join(root, 'links');
  fs.mkdirSync(links);
  fs.symlinkSync('../files/small.txt', path.join(links, 'relative'));
  fs.symlinkSync('/etc/hostname', path.join(links, 'absolute'));
  fs.symlinkSync('dangling/' + 'far/'.repeat(40) + 'away', path.join(links, 'long-target'));
  fs.symlinkSync('ziel-\u00fc', path.join(links, 'unicode-target'));
  fs.mkdirSync(path.join(root, 'empty-dir'));
};

interface Written {
  readonly segment: string;
  readonly closed: { readonly bytes: number; readonly sha256: string };
  readonly files: Map<string, ArchivedFile>;
  readonly sources: readonly Source[];
}

/** Archives every entry under `root`: directories first, then all files and links at once. */
const archiveTree = async (root: string, segment: string, options: SegmentWriterOptions = {}): Promise<Written> => {
  const sources = walk(root);
  const writer = right(SegmentWriter.open(segment, options));
  for (const s of sources.filter((x) => x.stat.isDirectory())) right(await writer.addDirectory(meta(s)));
  const files = new Map<string, ArchivedFile>();
  await Promise.all(
    sources.map(async (s) => {
      if (s.stat.isSymbolicLink()) right(await writer.addSymlink({ ...meta(s), linkTarget: fs.readlinkSync(s.abs) }));
      else if (s.stat.isFile()) files.set(s.rel, right(await writer.addFile(meta(s), s.abs, { size: Number(s.stat.size), mtimeNs: s.stat.mtimeNs })));
    }),
  );
  const closed = right(await writer.close());
  return { segment, closed, files, sources };
};

describe('segment written from a real tree', () => {
  const { dir, cleanup } = tempDir();
  const root = path.join(dir, 'src');
  let written: Written;

  before(async () => {
    makeTree(root);
    // A tape's archive folder exists (its label is there); the writer makes only jobs/<job>/ below it.
    fs.mkdirSync(path.join(dir, 'tape', 'LTO-ARCHIVE'), { recursive: true });
    written = await archiveTree(root, path.join(dir, 'tape', 'LTO-ARCHIVE', 'jobs', 'job-1', '1.tar'));
  });
  after(cleanup);

  it('is listed by tar -tvf with exactly the archived paths', () => {
    execFileSync('tar', ['-tvf', written.segment], { stdio: 'pipe' });
    const expected = written.sources.map((s) => (s.stat.isDirectory() ? `${s.rel}/` : s.rel));
    assert.deepEqual(tarList(written.segment).sort(), expected.sort());
  });

  it('is extracted by tar -xf into identical files, symlinks, modes and times', () => {
    const out = path.join(dir, 'extracted');
    fs.mkdirSync(out);
    execFileSync('tar', ['-xf', written.segment, '-C', out]);
    for (const s of written.sources) {
      const target = path.join(out, s.rel);
      const st = fs.lstatSync(target, { bigint: true });
      assert.equal(st.mode, s.stat.mode, `mode of ${s.rel}`);
      if (s.stat.isFile()) {
        assert.equal(sha256File(target), sha256File(s.abs), s.rel);
        assert.equal(st.mtimeNs / 1_000_000_000n, s.stat.mtimeNs / 1_000_000_000n, `mtime of ${s.rel}`);
      }
      if (s.stat.isSymbolicLink()) assert.equal(fs.readlinkSync(target), fs.readlinkSync(s.abs));
    }
  });

  it('holds each file at its recorded offset: reading length bytes there gives its SHA-256', async () => {
    const reader = right(SegmentReader.open(written.segment));
    try {
      for (const [rel, archived] of written.files) {
        const expected = sha256File(path.join(root, rel));
        assert.equal(archived.sha256, expected, rel);
        const before = reader.bytesRead;
        const read = right(await reader.readRangeHashed(archived.dataOffset, archived.length, () => undefined));
        assert.equal(read.sha256, expected, rel);
        assert.ok(reader.bytesRead - before <= archived.length + MiB, `a restore of ${rel} reads only its range`);
        assert.equal(archived.changedWhileRead, false);
      }
    } finally {
      reader.close();
    }
  });

  it('has the SHA-256 that sha256sum prints, and the size close() reported', () => {
    const printed = execFileSync('sha256sum', [written.segment]).toString().split(' ')[0];
    assert.equal(written.closed.sha256, printed);
    assert.equal(fs.statSync(written.segment).size, written.closed.bytes);
  });

  it('is listed by listSegment with every entry at its data offset, reading only headers', () => {
    const listing = right(listSegment(written.segment));
    assert.equal(listing.complete, true);
    assert.equal(listing.entries.length, written.sources.length);
    const byPath = new Map(listing.entries.map((e) => [e.entry.path, e]));
    for (const s of written.sources) {
      const found = byPath.get(s.rel);
      assert.ok(found, s.rel);
      assert.equal(found.entry.mode, Number(s.stat.mode & 0o7777n));
      if (s.stat.isFile()) {
        const archived = written.files.get(s.rel)!;
        assert.equal(found.dataOffset, archived.dataOffset, s.rel);
        assert.equal(found.headerOffset, archived.headerOffset, s.rel);
        assert.equal(found.entry.size, archived.length);
        assert.equal(found.entry.mtimeNs, s.stat.mtimeNs - (encodesNs(found) ? 0n : s.stat.mtimeNs % 1_000_000_000n));
      }
      if (s.stat.isSymbolicLink()) assert.equal(found.entry.linkTarget, fs.readlinkSync(s.abs));
    }
    assert.ok(listing.bytesRead < 4 * MiB, `listing read ${listing.bytesRead} bytes of ${listing.size}`);
  });

  it('restores one file by copying its range into a new file', async () => {
    const reader = right(SegmentReader.open(written.segment));
    try {
      const archived = written.files.get('files/big-64MiB.bin')!;
      const target = path.join(dir, 'restored.bin');
      const copied = right(await copyRangeToFile(reader, archived.dataOffset, archived.length, target, archived.sha256));
      assert.deepEqual(copied, { sha256: archived.sha256, matched: true });
      assert.equal(sha256File(target), archived.sha256);
      assert.ok(reader.bytesRead <= archived.length + MiB);
    } finally {
      reader.close();
    }
  });

  it('is the same tar, byte for byte, through the page cache (direct I/O off)', async () => {
    const segment = path.join(dir, 'buffered', '1.tar');
    const sources = walk(root);
    const writer = right(SegmentWriter.open(segment, { directIo: false }));
    assert.equal(writer.directIo, false);
    // Sequential adds give a deterministic order: compare with a second sequential direct run.
    const add = async (w: SegmentWriter): Promise<void> => {
      for (const s of sources) {
        if (s.stat.isDirectory()) right(await w.addDirectory(meta(s)));
        else if (s.stat.isSymbolicLink()) right(await w.addSymlink({ ...meta(s), linkTarget: fs.readlinkSync(s.abs) }));
        else right(await w.addFile(meta(s), s.abs, { size: Number(s.stat.size), mtimeNs: s.stat.mtimeNs }));
      }
    };
    await add(writer);
    const buffered = right(await writer.close());
    const direct = right(SegmentWriter.open(path.join(dir, 'direct', '1.tar')));
    await add(direct);
    const directClosed = right(await direct.close());
    assert.equal(buffered.sha256, directClosed.sha256);
    assert.equal(sha256File(segment), buffered.sha256);
  });
});

/** Whether the decoded time kept nanoseconds (a pax header was written for this entry). */
const encodesNs = (found: { readonly dataOffset: number; readonly headerOffset: number }): boolean => found.dataOffset - found.headerOffset > 512;

describe('segment writer with sources that change or fail', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  const statOf = (file: string): { size: number; mtimeNs: bigint } => {
    const st = fs.statSync(file, { bigint: true });
    return { size: Number(st.size), mtimeNs: st.mtimeNs };
  };
  const entry = (p: string): { path: string; mode: number; mtimeNs: bigint; uid: number; gid: number } => ({ path: p, mode: 0o644, mtimeNs: 0n, uid: 0, gid: 0 });

  for (const size of [10 * 1024, 3 * MiB + 5]) {
    it(`marks a ${size}-byte file that shrank before the copy as changed, zero-filled, and keeps the tar valid`, async () => {
      const src = path.join(dir, `shrinks-${size}`);
      fs.writeFileSync(src, Buffer.alloc(size, 0x41));
      const expected = statOf(src);
      fs.truncateSync(src, Math.floor(size / 2));
      const segment = path.join(dir, `shrink-${size}.tar`);
      const writer = right(SegmentWriter.open(segment));
      const archived = right(await writer.addFile(entry('shrinks'), src, expected));
      right(await writer.close());
      assert.equal(archived.changedWhileRead, true);
      assert.equal(archived.length, size);
      const data = fs.readFileSync(segment).subarray(archived.dataOffset, archived.dataOffset + size);
      assert.equal(sha256(data), archived.sha256);
      assert.ok(data.subarray(0, Math.floor(size / 2)).every((b) => b === 0x41));
      assert.ok(data.subarray(Math.floor(size / 2)).every((b) => b === 0));
      assert.deepEqual(tarList(segment), ['shrinks']);
      assert.equal(right(listSegment(segment)).complete, true);
    });

    it(`marks a ${size}-byte file that grew before the copy as changed and takes only the announced bytes`, async () => {
      const src = path.join(dir, `grows-${size}`);
      fs.writeFileSync(src, Buffer.alloc(size, 0x42));
      const expected = statOf(src);
      fs.appendFileSync(src, Buffer.alloc(1000, 0x43));
      const segment = path.join(dir, `grow-${size}.tar`);
      const writer = right(SegmentWriter.open(segment));
      const archived = right(await writer.addFile(entry('grows'), src, expected));
      right(await writer.close());
      assert.equal(archived.changedWhileRead, true);
      assert.equal(archived.length, size);
      assert.equal(archived.sha256, sha256(Buffer.alloc(size, 0x42)));
      execFileSync('tar', ['-tvf', segment], { stdio: 'pipe' });
      assert.equal(right(listSegment(segment)).entries[0]?.entry.size, size);
    });

    it(`marks a ${size}-byte file whose mtime changed as changed`, async () => {
      const src = path.join(dir, `touched-${size}`);
      fs.writeFileSync(src, Buffer.alloc(size, 0x44));
      const expected = statOf(src);
      fs.utimesSync(src, new Date(), new Date(Date.now() + 5000));
      const writer = right(SegmentWriter.open(path.join(dir, `touched-${size}.tar`)));
      assert.equal(right(await writer.addFile(entry('touched'), src, expected)).changedWhileRead, true);
      right(await writer.close());
    });
  }

  it('answers SourceUnreadable for a directory or a missing path, writes nothing of it, and the tar stays valid', async () => {
    const segment = path.join(dir, 'unreadable.tar');
    const ok = path.join(dir, 'ok.txt');
    fs.writeFileSync(ok, 'fine\n');
    const writer = right(SegmentWriter.open(segment));
    const problems: Array<E.Either<SourceProblem | SegmentError, ArchivedFile>> = await Promise.all([
      writer.addFile(entry('a-dir'), dir, { size: 0, mtimeNs: 0n }),
      writer.addFile(entry('a-big-dir'), dir, { size: 5 * MiB, mtimeNs: 0n }),
      writer.addFile(entry('missing'), path.join(dir, 'nope'), { size: 10, mtimeNs: 0n }),
      writer.addFile(entry('missing-big'), path.join(dir, 'nope'), { size: 10 * MiB, mtimeNs: 0n }),
    ]);
    right(await writer.addFile(entry('ok.txt'), ok, statOf(ok)));
    right(await writer.close());
    const codes = problems.map((p) => (E.isLeft(p) && p.left._tag === 'SourceUnreadable' ? `${p.left.code}:${String(p.left.partial)}` : 'archived'));
    assert.deepEqual(codes, ['EISDIR:false', 'ENOTREG:false', 'ENOENT:false', 'ENOENT:false']);
    assert.deepEqual(tarList(segment), ['ok.txt']);
    assert.equal(fs.statSync(segment).size, 512 + 512 + 1024);
  });

  it('refuses an entry name that tar could not extract as given, writing nothing', async () => {
    const writer = right(SegmentWriter.open(path.join(dir, 'invalid.tar')));
    const refused = await writer.addDirectory({ ...entry('a/../b'), mode: 0o755 });
    assert.ok(E.isLeft(refused) && refused.left._tag === 'SegmentEntryInvalid');
    assert.equal(right(await writer.close()).bytes, 1024);
  });

  it('never overwrites an existing segment', () => {
    const existing = path.join(dir, 'exists.tar');
    fs.writeFileSync(existing, 'precious');
    const opened = SegmentWriter.open(existing);
    assert.ok(E.isLeft(opened) && opened.left._tag === 'SegmentWriteFailed' && opened.left.code === 'EEXIST');
    assert.equal(fs.readFileSync(existing, 'utf8'), 'precious');
  });

  it('writes a tiny segment with its exact size (the direct I/O probe leaves nothing behind)', async () => {
    const segment = path.join(dir, 'tiny.tar');
    const writer = right(SegmentWriter.open(segment));
    right(await writer.addDirectory({ ...entry('only-dir'), mode: 0o755 }));
    const closed = right(await writer.close());
    assert.equal(closed.bytes, 1536);
    assert.equal(fs.statSync(segment).size, 1536);
    assert.equal(sha256File(segment), closed.sha256);
  });

  it('answers SegmentClosed after close, and abort leaves a partial tar without end blocks', async () => {
    const src = path.join(dir, 'abort-src');
    fs.writeFileSync(src, Buffer.alloc(2 * MiB, 1));
    const writer = right(SegmentWriter.open(path.join(dir, 'closed.tar')));
    right(await writer.close());
    const late = await writer.addDirectory({ ...entry('late'), mode: 0o755 });
    assert.ok(E.isLeft(late) && late.left._tag === 'SegmentClosed');
    const aborted = path.join(dir, 'aborted.tar');
    const w2 = right(SegmentWriter.open(aborted));
    right(await w2.addFile(entry('a'), src, statOf(src)));
    await w2.abort();
    const listing = right(listSegment(aborted));
    assert.equal(listing.complete, false);
  });

  it('reports a read past the end of a truncated segment as SegmentTruncated', async () => {
    const src = path.join(dir, 'trunc-src');
    fs.writeFileSync(src, Buffer.alloc(3 * MiB, 7));
    const segment = path.join(dir, 'truncated.tar');
    const writer = right(SegmentWriter.open(segment));
    const archived = right(await writer.addFile(entry('t'), src, statOf(src)));
    right(await writer.close());
    fs.truncateSync(segment, archived.dataOffset + MiB);
    const reader = right(SegmentReader.open(segment));
    try {
      const read = await reader.readRange(archived.dataOffset, archived.length, () => undefined);
      assert.ok(E.isLeft(read) && read.left._tag === 'SegmentTruncated');
    } finally {
      reader.close();
    }
    const listing = right(listSegment(segment));
    assert.equal(listing.problem?.kind, 'size-beyond-end');
    assert.equal(listing.entries.length, 0);
  });

  it('lets the process exit after close() and after abort() (its threads are ended)', () => {
    const src = path.join(dir, 'exit-src');
    fs.writeFileSync(src, Buffer.alloc(MiB + 3, 9));
    const small = path.join(dir, 'exit-small');
    fs.writeFileSync(small, 'x');
    const modulePath = path.join(__dirname, '..', '..', 'infrastructure', 'segment');
    for (const [i, end] of ['close', 'abort'].entries()) {
      const script = `
        const { SegmentWriter } = require(${JSON.stringify(modulePath)});
        (async () => {
          const w = SegmentWriter.open(${JSON.stringify(path.join(dir, 'exit'))} + ${i} + '.tar').right;
          const e = { path: 'f', mode: 420, mtimeNs: 0n, uid: 0, gid: 0 };
          await w.addFile(e, ${JSON.stringify(src)}, { size: ${MiB + 3}, mtimeNs: 0n });
          await w.addFile({ ...e, path: 'g' }, ${JSON.stringify(small)}, { size: 1, mtimeNs: 0n });
          await w.${end}();
        })();`;
      const run = spawnSync(process.execPath, ['-e', script], { timeout: 20_000 });
      assert.equal(run.status, 0, `${end}: ${String(run.stderr)}`);
    }
  });
});

describe('listSegment on archives written by GNU tar', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  for (const format of ['gnu', 'posix', 'ustar']) {
    it(`finds every entry and its data in a --format=${format} archive (long names, pax records, GNU long-name headers)`, () => {
      const root = path.join(dir, `src-${format}`);
      const width = format === 'ustar' ? 60 : 90; // ustar: the directories must fit its 155-byte prefix
      const deep = path.join(root, 'n'.repeat(width), 'm'.repeat(width));
      fs.mkdirSync(deep, { recursive: true });
      const names = format === 'ustar' ? ['short.txt', 'x'.repeat(99)] : ['short.txt', 'x'.repeat(200), 'caf\u00e9 \u00fc.txt'];
      for (const [i, name] of names.entries()) fs.writeFileSync(path.join(deep, name), `data ${i}\n`.repeat(100 * (i + 1)));
      if (format !== 'ustar') fs.symlinkSync('t'.repeat(150), path.join(deep, 'long-link'));
      const segment = path.join(dir, `${format}.tar`);
      execFileSync('tar', [`--format=${format}`, '-cf', segment, '-C', root, '.']);
      const listing = right(listSegment(segment));
      assert.equal(listing.complete, true, JSON.stringify(listing.problem));
      const listed = tarList(segment).map((p) => p.replace(/\/$/, '').replace(/^\.\//, ''));
      assert.deepEqual(
        listing.entries.map((e) => e.entry.path.replace(/^\.\//, '')),
        listed,
      );
      const bytes = fs.readFileSync(segment);
      for (const e of listing.entries) {
        if (e.entry.type !== 'file') continue;
        const source = fs.readFileSync(path.join(root, e.entry.path));
        assert.ok(bytes.subarray(e.dataOffset, e.dataOffset + e.entry.size).equals(source), e.entry.path);
      }
      if (format !== 'ustar') assert.equal(listing.entries.find((e) => e.entry.type === 'symlink')?.entry.linkTarget, 't'.repeat(150));
    });
  }
});

describe('segment writer under load with tiny buffers', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  it('keeps every file at its offset when many adds of all sizes race through small buffers', async () => {
    const root = path.join(dir, 'many');
    fs.mkdirSync(root);
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const sizes = Array.from({ length: 1500 }, (_, i) => (i % 97 === 0 ? Math.floor(random() * 3 * MiB) : Math.floor(random() ** 3 * 200 * 1024)));
    for (const [i, size] of sizes.entries()) {
      const data = Buffer.alloc(size);
      randomFillSync(data);
      fs.writeFileSync(path.join(root, `f${i}`), data);
    }
    const segment = path.join(dir, 'many.tar');
    const options: SegmentWriterOptions = { chunkBytes: 64 * 1024, chunkBuffers: 3, batchBytes: 512 * 1024, batchBuffers: 2, smallFileMax: 100 * 1024, smallFileSlots: 5, readerThreads: 2, maxWriteBytes: 128 * 1024 };
    const writer = right(SegmentWriter.open(segment, options));
    const results = new Map<string, ArchivedFile>();
    const inflight = new Set<Promise<void>>();
    for (const [i, size] of sizes.entries()) {
      const file = path.join(root, `f${i}`);
      const st = fs.statSync(file, { bigint: true });
      const p: Promise<void> = writer.addFile({ path: `many/f${i}`, mode: 0o640, mtimeNs: st.mtimeNs, uid: 1, gid: 2 }, file, { size, mtimeNs: st.mtimeNs }).then((r) => {
        results.set(`many/f${i}`, right(r));
        inflight.delete(p);
      });
      inflight.add(p);
      if (inflight.size >= 40) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    const closed = right(await writer.close());
    assert.equal(sha256File(segment), closed.sha256);
    const bytes = fs.readFileSync(segment);
    for (const [i, size] of sizes.entries()) {
      const archived = results.get(`many/f${i}`)!;
      const source = fs.readFileSync(path.join(root, `f${i}`));
      assert.equal(archived.length, size);
      assert.equal(archived.sha256, sha256(source), `f${i}`);
      assert.ok(bytes.subarray(archived.dataOffset, archived.dataOffset + size).equals(source), `f${i} at its offset`);
    }
    const listing = right(listSegment(segment));
    assert.equal(listing.complete, true);
    assert.equal(listing.entries.length, sizes.length);
    for (const e of listing.entries) assert.equal(e.dataOffset, results.get(e.entry.path)?.dataOffset);
    assert.equal(tarList(segment).length, sizes.length);
  });
});

describe('segment writer on a full file system', () => {
  const { dir, cleanup } = tempDir();
  const mount = path.join(dir, 'tiny-fs');
  let mounted = false;
  before(() => {
    fs.mkdirSync(mount);
    if (process.platform !== 'linux' || process.getuid?.() !== 0) return;
    mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]).status === 0;
  });
  after(() => {
    if (mounted) spawnSync('umount', [mount]);
    cleanup();
  });

  it('answers SegmentWriteFailed with full: true when the segment does not fit (ENOSPC), every time', async (t) => {
    if (!mounted) {
      t.skip('needs root on Linux to mount a 1 MiB tmpfs');
      return;
    }
    const src = path.join(dir, 'two-mib');
    fs.writeFileSync(src, Buffer.alloc(2 * MiB, 3));
    const st = fs.statSync(src, { bigint: true });
    // Repeated: the failure path races helper threads being ended against the last acknowledgements.
    for (let round = 0; round < 10; round++) {
      const segment = path.join(mount, 'jobs', 'j', `${round}.tar`);
      const writer = right(SegmentWriter.open(segment));
      const added = await writer.addFile({ path: 'two-mib', mode: 0o644, mtimeNs: st.mtimeNs, uid: 0, gid: 0 }, src, { size: 2 * MiB, mtimeNs: st.mtimeNs });
      const closed = await writer.close();
      const failure = E.isLeft(closed) ? closed.left : E.isLeft(added) ? added.left : undefined;
      assert.ok(failure !== undefined && failure._tag === 'SegmentWriteFailed', JSON.stringify(failure));
      assert.equal(failure.full, true);
      assert.equal(failure.code, 'ENOSPC');
      const again = await writer.addDirectory({ path: 'after', mode: 0o755, mtimeNs: 0n, uid: 0, gid: 0 });
      assert.ok(E.isLeft(again));
      fs.rmSync(segment);
    }
  });
});

describe('segment writer under a mount that vanished', () => {
  it('refuses to make the archive folder: a segment never lands on the disk below a mount point', () => {
    const { dir, cleanup } = tempDir();
    try {
      const opened = SegmentWriter.open(path.join(dir, 'mnt', 'LTO-ARCHIVE', 'jobs', 'job-1', '1.tar'));
      assert.ok(E.isLeft(opened) && opened.left._tag === 'SegmentWriteFailed' && opened.left.code === 'ENOENT', JSON.stringify(opened));
      assert.equal(fs.existsSync(path.join(dir, 'mnt')), false);
    } finally {
      cleanup();
    }
  });
});
