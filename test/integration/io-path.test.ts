import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { IO_PATHS_FILE, PROBE_VALID_MS, readIoPaths, rememberIoPath } from '../../infrastructure/io-path/io-path-cache';
import { FUSE_MAGIC, configureIoPaths, decide, filesystemOf, ioPathFor, readAheadFor, readAheadOn } from '../../infrastructure/io-path/io-paths';
import { probeFolder } from '../../infrastructure/io-path/io-probe';
import { canAdvise } from '../../infrastructure/read-ahead';
import { SegmentWriter, type SegmentWriterOptions } from '../../infrastructure/segment';
import { SourceReads } from '../../infrastructure/segment/source-reads';

const KiB = 1024;

const tempDir = (): { dir: string; cleanup: () => void } => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-io-path-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
};

const right = <L, R>(either: E.Either<L, R>): R => {
  if (E.isLeft(either)) assert.fail(`expected Right, got ${JSON.stringify(either.left)}`);
  return either.right;
};

/** What the file system takes: an O_DIRECT open in `folder` (tmpfs takes it since Linux 6.6, ramfs never). */
const takesDirect = (folder: string): boolean => {
  const file = path.join(folder, '.takes-direct');
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | (fs.constants.O_DIRECT ?? 0)));
    return fs.constants.O_DIRECT !== undefined;
  } catch {
    return false;
  } finally {
    fs.rmSync(file, { force: true });
  }
};

/** Small buffers, so that sizes around chunks and requests stay small. */
const SMALL: SegmentWriterOptions = { chunkBytes: 64 * KiB, chunkBuffers: 3, batchBytes: 512 * KiB, batchBuffers: 2, smallFileMax: 16 * KiB, smallFileSlots: 4, readerThreads: 1, maxWriteBytes: 128 * KiB };

/** Writes `files` (name, size) into one segment with the given direct setting; its bytes and whether it went direct. */
const writeSegment = async (dir: string, segment: string, files: readonly (readonly [string, number])[], directIo: SegmentWriterOptions['directIo']): Promise<{ bytes: Buffer; direct: boolean }> => {
  const writer = right(SegmentWriter.open(segment, { ...SMALL, directIo }));
  const direct = writer.directIo;
  for (const [name, size] of files) {
    const file = path.join(dir, name);
    const st = fs.statSync(file, { bigint: true });
    right(await writer.addFile({ path: name, mode: 0o644, mtimeNs: st.mtimeNs, uid: 0, gid: 0 }, file, { size, mtimeNs: st.mtimeNs }));
  }
  right(await writer.close());
  return { bytes: fs.readFileSync(segment), direct };
};

/** Sizes around the tar block (512), the page (4096), the small-file limit and the chunk and write request sizes. */
const boundarySize = fc
  .tuple(fc.constantFrom(0, 512, 4 * KiB, 16 * KiB, 64 * KiB, 128 * KiB, 192 * KiB), fc.integer({ min: -3, max: 3 }))
  .map(([edge, delta]) => Math.max(0, edge + delta));

describe('io-path: the probe and its cache', () => {
  const { dir, cleanup } = tempDir();
  const home = path.join(dir, 'home');
  const folder = path.join(dir, 'tape');
  before(() => fs.mkdirSync(folder));
  afterEach(() => configureIoPaths(undefined, 'auto'));
  after(cleanup);

  it('measures both ways on a disk, leaves nothing behind, and remembers the choice per file system in the data folder', () => {
    configureIoPaths(home, 'auto');
    const first = ioPathFor(folder);
    assert.equal(first.how, 'probe');
    assert.ok(first.figures !== undefined && first.figures.bufferedWrite > 0);
    if (takesDirect(folder)) assert.ok((first.figures.directWrite ?? 0) > 0 && (first.figures.directRead ?? 0) > 0, JSON.stringify(first.figures));
    if (canAdvise()) assert.ok((first.figures.bufferedRead ?? 0) > 0, 'a cold buffered read is measured where the pages can be dropped');
    assert.deepEqual(fs.readdirSync(folder), [], 'the probe files are removed');
    const entries = readIoPaths(home);
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.filesystem, filesystemOf(folder).key);
    assert.equal(entries[0]?.writeDirect, first.writeDirect);

    // A later job (a new process: the memo cleared) takes the remembered choice without a probe...
    configureIoPaths(home, 'auto');
    const later = ioPathFor(path.join(dir));
    assert.equal(later.how, 'cached');
    assert.equal(later.writeDirect, first.writeDirect);
    assert.equal(later.readDirect, first.readDirect);
    // ...until it is stale.
    configureIoPaths(home, 'auto');
    assert.equal(ioPathFor(folder, Date.now() + PROBE_VALID_MS + 1).how, 'probe');
  });

  it('takes LTO_IO_PATH over any probe, and probes nothing without a data folder', () => {
    configureIoPaths(home, 'buffered');
    assert.deepEqual(ioPathFor(folder), { writeDirect: false, readDirect: false, how: 'setting' });
    configureIoPaths(home, 'direct');
    assert.deepEqual(ioPathFor(folder), { writeDirect: true, readDirect: true, how: 'setting' });
    configureIoPaths(undefined, 'auto');
    assert.deepEqual(ioPathFor(folder), { writeDirect: true, readDirect: true, how: 'rule' });
  });

  it('keeps direct unless the page cache is clearly faster, and reads buffered where direct is refused', () => {
    assert.deepEqual(decide({ bufferedWrite: 500, directWrite: 450, bufferedRead: 500, directRead: 450 }), { writeDirect: true, readDirect: true });
    assert.deepEqual(decide({ bufferedWrite: 900, directWrite: 400, bufferedRead: 900, directRead: 400 }), { writeDirect: false, readDirect: false });
    assert.deepEqual(decide({ bufferedWrite: 300 }), { writeDirect: false, readDirect: false });
    assert.deepEqual(decide({ bufferedWrite: 300, directWrite: 300, directRead: 300 }), { writeDirect: true, readDirect: true });
  });

  it('gives read-ahead hints on a disk but never on FUSE (an LTFS tape repositions for them)', () => {
    assert.equal(readAheadOn(FUSE_MAGIC), false);
    assert.equal(readAheadOn(0xef53), true);
    assert.equal(readAheadFor(folder), fs.statfsSync(folder).type !== FUSE_MAGIC);
    assert.equal(readAheadFor(path.join(dir, 'missing', 'file')), false, 'no hint where the file system cannot be told');
  });

  it('an unreadable cache file is no cache (a probe writes it again)', () => {
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(path.join(home, IO_PATHS_FILE), '{"filesystems": [{"filesystem": 3}]}');
    assert.deepEqual(readIoPaths(home), []);
    configureIoPaths(home, 'auto');
    assert.equal(ioPathFor(folder).how, 'probe');
    assert.equal(readIoPaths(home).length, 1);
  });
});

describe('io-path: the segment writer honours the choice', () => {
  const { dir, cleanup } = tempDir();
  const home = path.join(dir, 'home');
  const data = path.join(dir, 'data');
  before(() => {
    fs.mkdirSync(data);
    const bytes = Buffer.alloc(200 * KiB);
    randomFillSync(bytes);
    fs.writeFileSync(path.join(data, 'big'), bytes);
  });
  afterEach(() => configureIoPaths(undefined, 'auto'));
  after(cleanup);

  for (const writeDirect of [false, true]) {
    it(`writes ${writeDirect ? 'direct' : 'through the page cache'} when the remembered probe chose it`, async (t) => {
      if (writeDirect && !takesDirect(dir)) return t.skip('this file system refuses O_DIRECT');
      fs.rmSync(home, { recursive: true, force: true });
      rememberIoPath(home, { filesystem: filesystemOf(dir).key, measuredAt: Date.now(), writeDirect, readDirect: writeDirect }, Date.now());
      configureIoPaths(home, 'auto');
      const segment = path.join(dir, 'jobs', `j-${String(writeDirect)}`, '1.tar');
      const written = await writeSegment(data, segment, [['big', 200 * KiB]], 'auto');
      assert.equal(written.direct, writeDirect);
      assert.equal(ioPathFor(dir).how, 'cached', 'no probe was made: the remembered choice was taken');
    });
  }
});

describe('io-path: direct and buffered write the same bytes', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  it('for files of every size around the block, page, small-file, chunk and request boundaries', async (t) => {
    if (!takesDirect(dir)) return t.skip('this file system refuses O_DIRECT');
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(boundarySize, { minLength: 1, maxLength: 4 }), async (sizes) => {
        round += 1;
        const src = path.join(dir, `src-${round}`);
        fs.mkdirSync(src);
        const files = sizes.map((size, i): readonly [string, number] => [`f${i}`, size]);
        for (const [name, size] of files) fs.writeFileSync(path.join(src, name), randomFillSync(Buffer.alloc(size)));
        const direct = await writeSegment(src, path.join(dir, 'jobs', `d-${round}`, '1.tar'), files, true);
        const buffered = await writeSegment(src, path.join(dir, 'jobs', `b-${round}`, '1.tar'), files, false);
        assert.equal(direct.direct, true);
        assert.equal(buffered.direct, false);
        assert.ok(direct.bytes.equals(buffered.bytes), `sizes ${sizes.join(', ')}`);
        fs.rmSync(src, { recursive: true });
      }),
      { numRuns: 25 },
    );
  });

  it('reads a source file the same way direct and buffered (with read-ahead hints), at any position and length', async () => {
    const file = path.join(dir, 'source');
    const content = randomFillSync(Buffer.alloc(300 * KiB + 123));
    fs.writeFileSync(file, content);
    const chunk = 64 * KiB;
    const memory = Buffer.from(new SharedArrayBuffer(chunk + 2 * 4096));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: content.length }), fc.integer({ min: 1, max: chunk }), fc.boolean(), async (position, length, direct) => {
        const fd = fs.openSync(file, 'r');
        const reads = new SourceReads(fd, direct, chunk);
        try {
          // Where direct reads are taken at all, the memory's offset that direct I/O accepts is found by trying.
          const got = await reads.read(memory, 0, length, position, memory.length);
          const want = Math.min(length, content.length - position);
          assert.equal(got, want);
          assert.ok(memory.subarray(0, got).equals(content.subarray(position, position + want)));
        } finally {
          reads.close();
          fs.closeSync(fd);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('io-path: a file system that refuses O_DIRECT (ramfs)', () => {
  const { dir, cleanup } = tempDir();
  const mount = path.join(dir, 'ramfs');
  let mounted = false;
  before(() => {
    fs.mkdirSync(mount);
    if (process.platform !== 'linux' || process.getuid?.() !== 0) return;
    mounted = spawnSync('mount', ['-t', 'ramfs', 'ramfs', mount]).status === 0;
  });
  afterEach(() => configureIoPaths(undefined, 'auto'));
  after(() => {
    if (mounted) spawnSync('umount', [mount]);
    cleanup();
  });

  it('is probed as buffered, and a segment asked to go direct there falls back with the same bytes', async (t) => {
    if (!mounted) return t.skip('needs root on Linux to mount a ramfs');
    assert.equal(takesDirect(mount), false, 'ramfs refuses O_DIRECT');
    const figures = probeFolder(mount);
    assert.equal(figures.directWrite, undefined);
    assert.deepEqual(decide(figures), { writeDirect: false, readDirect: false });
    configureIoPaths(path.join(dir, 'home'), 'auto');
    assert.equal(ioPathFor(mount).writeDirect, false);

    const src = path.join(dir, 'src');
    fs.mkdirSync(src);
    const files: (readonly [string, number])[] = [['a', 4 * KiB + 1], ['b', 130 * KiB]];
    for (const [name, size] of files) fs.writeFileSync(path.join(src, name), randomFillSync(Buffer.alloc(size)));
    const forced = await writeSegment(src, path.join(mount, 'jobs', 'forced', '1.tar'), files, true);
    const chosen = await writeSegment(src, path.join(mount, 'jobs', 'auto', '1.tar'), files, 'auto');
    assert.equal(forced.direct, false);
    assert.equal(chosen.direct, false);
    assert.ok(forced.bytes.equals(chosen.bytes));
  });
});
