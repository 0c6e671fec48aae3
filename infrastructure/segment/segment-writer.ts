import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { isErrno } from '../errno';
import { closeQuietly, fsyncDirectory } from '../journal/durable-file';
import { HashWorker } from './hash-worker-client';
import { segmentWriteFailed, sourceUnreadable, type SegmentError, type SourceProblem } from './segment-errors';
import { END_OF_ARCHIVE, dataPadding, encodeHeader, entryProblem, paddedSize, type TarEntry } from './tar-header';

/** What addFile needs of a file besides its data: the header fields. */
export type FileEntry = Pick<TarEntry, 'path' | 'mode' | 'mtimeNs' | 'uid' | 'gid'>;
export type DirectoryEntry = Pick<TarEntry, 'path' | 'mode' | 'mtimeNs' | 'uid' | 'gid'>;
export type SymlinkEntry = Pick<TarEntry, 'path' | 'mode' | 'mtimeNs' | 'uid' | 'gid'> & { readonly linkTarget: string };

/** What the scan saw of the file; the header announces this size and exactly this many bytes are written. */
export interface ExpectedSource {
  readonly size: number;
  readonly mtimeNs: bigint;
}

export interface ArchivedFile {
  /** Where the entry's header starts in the segment. */
  readonly headerOffset: number;
  /** Where the file's data starts in the segment (what a restore seeks to). */
  readonly dataOffset: number;
  /** Bytes of data in the segment: always the expected size. */
  readonly length: number;
  /** hex SHA-256 of exactly the `length` bytes at `dataOffset`. */
  readonly sha256: string;
  /**
   * The file changed while it was copied: it was shorter (the rest is zeros), longer
   * (only `length` bytes were taken), or its size or mtime differ after the copy.
   */
  readonly changedWhileRead: boolean;
}

export interface WriterCounters {
  /** Segment writes in flight (one at a time). */
  writeMs: number;
  /** Large files: hashing on the calling thread. */
  fileHashMs: number;
  /** Large files: waiting for the next chunk read. */
  readWaitMs: number;
  /** Large files: waiting for a free chunk buffer (writes or the segment hash behind). */
  bufferWaitMs: number;
}

export interface PlacedEntry {
  readonly headerOffset: number;
}

export interface ClosedSegment {
  /** The segment's size. */
  readonly bytes: number;
  /** hex SHA-256 of the segment file's exact bytes (what sha256sum prints). */
  readonly sha256: string;
}

export interface SegmentWriterOptions {
  /** Read/write unit for files larger than `smallFileMax` (a multiple of 512). Default 4 MiB. */
  readonly chunkBytes?: number;
  /** Buffers for large files (reads ahead, hashing, writing). Default 8. */
  readonly chunkBuffers?: number;
  /** Batch buffer for headers and small files (a multiple of 512). Default 4 MiB. */
  readonly batchBytes?: number;
  /** Batch buffers. Default 3. */
  readonly batchBuffers?: number;
  /** Files up to this size are read whole and batched. Default 256 KiB. */
  readonly smallFileMax?: number;
  /** Small files read at the same time (open file descriptors). Default 32. */
  readonly smallFileSlots?: number;
  /** Chunk reads in flight ahead of the one being hashed, for a large file. Default 2. */
  readonly readAhead?: number;
  /**
   * Start writing back (fdatasync in the background, one at a time) each time this many
   * more bytes were written, so the disk writes while sources are still being read and
   * close() has little left to flush. Default 128 MiB. (On LTFS fsync is a no-op.)
   */
  readonly flushEveryBytes?: number;
  /**
   * Write the segment with O_DIRECT where the file system takes it (falls back to the
   * page cache otherwise): no copy into the page cache, no flush at close, and the
   * archive does not evict the machine's working set. Default true.
   */
  readonly directIo?: boolean;
  /** Ready chunks are written together, up to this many bytes per write. Default 16 MiB. */
  readonly maxWriteBytes?: number;
}

const MiB = 1024 * 1024;
const DEFAULTS = {
  chunkBytes: 4 * MiB,
  chunkBuffers: 8,
  batchBytes: 4 * MiB,
  batchBuffers: 3,
  smallFileMax: 256 * 1024,
  smallFileSlots: 32,
  readAhead: 2,
  flushEveryBytes: 128 * MiB,
  directIo: true,
  maxWriteBytes: 16 * MiB,
};

/** Room a header can take in a batch (pax header with the longest paths, plus its ustar block). */
const MAX_HEADER_BYTES = 2 * 64 * 1024 + 4096;

const O_NONBLOCK = fs.constants.O_NONBLOCK ?? 0;
/** Undefined where the platform has no O_DIRECT (macOS, Windows). */
const O_DIRECT: number | undefined = fs.constants.O_DIRECT;
/** Buffers start on this boundary (and chunk sizes are multiples of it) so that direct I/O can use them. */
const ALIGN = 4096;
/** A probe spanning pages: a one-page write may pass with an address a longer one cannot use. */
const PROBE_BYTES = 8192;

interface OpenedTarget {
  readonly fd: number;
  readonly direct: boolean;
  readonly shared: SharedArrayBuffer;
  readonly memory: Buffer;
  /** Offset in `memory` of the first buffer (aligned for direct I/O when `direct`). */
  readonly base: number;
}

/**
 * Creates the segment (exclusively) and the shared memory for its buffers. With direct
 * I/O, the memory's address alignment is unknown to JavaScript: a few one-block writes
 * at offset 0 from successive 16-byte steps find the first offset the device accepts
 * (the block is overwritten later; close() truncates a segment shorter than it).
 */
const openTarget = (segmentPath: string, o: Required<SegmentWriterOptions>): E.Either<SegmentError, OpenedTarget> => {
  const shared = new SharedArrayBuffer(o.chunkBytes * o.chunkBuffers + o.batchBytes * o.batchBuffers + ALIGN);
  const memory = Buffer.from(shared);
  if (o.directIo && O_DIRECT !== undefined) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(segmentPath, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_DIRECT, 0o644);
    } catch (error) {
      if (isErrno(error, 'EEXIST')) return E.left(segmentWriteFailed(segmentPath, 'open', error));
      // The file system does not take O_DIRECT at open: buffered below.
    }
    if (fd !== undefined) {
      for (let base = 0; base < ALIGN; base += 16) {
        try {
          fs.writeSync(fd, memory, base, PROBE_BYTES, 0);
          return E.right({ fd, direct: true, shared, memory, base });
        } catch (error) {
          if (!isErrno(error, 'EINVAL')) {
            closeQuietly(fd);
            return E.left(segmentWriteFailed(segmentPath, 'write', error));
          }
        }
      }
      // No alignment worked (or direct writes are refused): reopen the same file buffered.
      closeQuietly(fd);
      try {
        return E.right({ fd: fs.openSync(segmentPath, fs.constants.O_WRONLY), direct: false, shared, memory, base: 0 });
      } catch (error) {
        return E.left(segmentWriteFailed(segmentPath, 'open', error));
      }
    }
  }
  try {
    return E.right({ fd: fs.openSync(segmentPath, 'wx'), direct: false, shared, memory, base: 0 });
  } catch (error) {
    return E.left(segmentWriteFailed(segmentPath, 'open', error));
  }
};

// ---------------------------------------------------------------------------------------------
// Small async helpers over libuv's callback API (lighter than fs.promises FileHandles).

interface ReadResult {
  readonly got: number;
  readonly error?: NodeJS.ErrnoException;
}

const openSource = (file: string): Promise<E.Either<NodeJS.ErrnoException, number>> =>
  new Promise((resolve) => fs.open(file, fs.constants.O_RDONLY | O_NONBLOCK, (error, fd) => resolve(error === null ? E.right(fd) : E.left(error))));

const fstatSource = (fd: number): Promise<E.Either<NodeJS.ErrnoException, fs.BigIntStats>> =>
  new Promise((resolve) => fs.fstat(fd, { bigint: true }, (error, stats) => resolve(error === null ? E.right(stats) : E.left(error))));

const closeSource = (fd: number): Promise<void> => new Promise((resolve) => fs.close(fd, () => resolve()));

/** Reads up to `length` bytes at `position` into target[offset...], looping over short reads until EOF. */
const readFully = (fd: number, target: Buffer, offset: number, length: number, position: number): Promise<ReadResult> =>
  new Promise((resolve) => {
    let got = 0;
    const step = (): void => {
      if (got >= length) return resolve({ got });
      fs.read(fd, target, offset + got, length - got, position + got, (error, n) => {
        if (error !== null) return resolve({ got, error });
        if (n === 0) return resolve({ got });
        got += n;
        step();
      });
    };
    step();
  });

const notRegular = (file: string): NodeJS.ErrnoException => Object.assign(new Error(`${file} is not a regular file`), { code: 'ENOTREG' });

/** `views` without their first `skip` bytes. */
const remainder = (views: readonly Buffer[], skip: number): Buffer[] => {
  if (skip === 0) return [...views];
  const out: Buffer[] = [];
  let left = skip;
  for (const view of views) {
    if (left >= view.length) left -= view.length;
    else {
      out.push(left > 0 ? view.subarray(left) : view);
      left = 0;
    }
  }
  return out;
};

const changedSince = (stats: fs.BigIntStats, expected: ExpectedSource): boolean => stats.size !== BigInt(expected.size) || stats.mtimeNs !== expected.mtimeNs;

// ---------------------------------------------------------------------------------------------

/** A fixed set of numbered slots (offsets into shared memory); acquire waits when all are taken. */
class SlotPool {
  private readonly free: number[];
  private readonly waiters: Array<(slot: number | undefined) => void> = [];
  private failed = false;

  constructor(
    slots: readonly number[],
    private readonly onRelease: () => void = () => undefined,
  ) {
    this.free = [...slots].reverse();
  }

  get available(): number {
    return this.free.length;
  }

  /** A free slot, or undefined once the pool failed. Synchronous when one is free. */
  acquire(): number | undefined | Promise<number | undefined> {
    if (this.failed) return undefined;
    const slot = this.free.pop();
    if (slot !== undefined) return slot;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** For callers that checked `available`. */
  take(): number {
    const slot = this.free.pop();
    if (slot === undefined) throw new Error('segment writer: no free batch buffer (room was not checked)');
    return slot;
  }

  release(slot: number): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(this.failed ? undefined : slot);
    else this.free.push(slot);
    this.onRelease();
  }

  fail(): void {
    this.failed = true;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}

/** A range of shared memory holding bytes of the segment, ready to be hashed and written. */
interface Chunk {
  readonly start: number;
  readonly length: number;
  /** Where these bytes go in the segment. */
  readonly offset: number;
  readonly pool: SlotPool;
  /** Hash and write: released when both are done. */
  pending: number;
}

interface Batch {
  readonly start: number;
  /** Segment offset of the batch's first byte. */
  readonly base: number;
  fill: number;
}

interface RoomWaiter {
  readonly bytes: number;
  readonly resolve: () => void;
  granted: boolean;
}

/**
 * Writes one segment: a pax tar stream of directories, symlinks and files, with the
 * SHA-256 of every file's data and of the whole segment.
 *
 * Design (throughput is the product's main job):
 * - Files larger than `smallFileMax` stream through `chunkBuffers` chunks of shared
 *   memory: reads run ahead of hashing (file SHA-256 on this thread) and writing; the
 *   segment SHA-256 runs on a worker thread over the same memory (no copy). One large
 *   file streams at a time.
 * - Smaller files are read whole (up to `smallFileSlots` at once, in any order) and
 *   copied with their headers into a batch buffer; a full batch is one write and one
 *   message to the hash worker, so a small file costs no worker round trip.
 * - Writes go out strictly in segment order, one at a time (tape wants sequential
 *   writes); memory in flight is bounded by the buffers above.
 *
 * addFile, addDirectory and addSymlink may be called without waiting for the previous
 * call: entries take their place in the segment when their data is in memory, so their
 * order in the tar is the order in which they became ready. An entry is placed when its
 * promise resolves; it is on disk only after close() succeeds.
 */
export class SegmentWriter {
  private readonly memory: Buffer;
  private readonly chunks: SlotPool;
  private readonly batches: SlotPool;
  private readonly smallBuffers: Buffer[] = [];
  private readonly smallWaiters: Array<(buffer: Buffer) => void> = [];
  private smallAllocated = 0;
  private readonly hasher: HashWorker;
  private readonly o: Required<SegmentWriterOptions>;

  /** The batch being filled (segment bytes from `tail - fill` to `tail`). */
  private batch: Batch | undefined;
  /** Reserved end of the segment: where the next entry starts. */
  private tail = 0;
  private readonly roomWaiters: RoomWaiter[] = [];

  /** Chunks submitted out of order, by segment offset. */
  private readonly waiting = new Map<number, Chunk>();
  /** Everything before this offset was handed to the hasher and the write queue. */
  private orderedOffset = 0;
  private readonly writeQueue: Chunk[] = [];
  private readonly hashQueue: Chunk[] = [];
  private writing = false;
  private written = 0;
  private flushing = false;
  private flushedAt = 0;
  private readonly drainWaiters: Array<() => void> = [];

  /** One large file streams at a time. */
  private largeBusy = false;
  private readonly largeWaiters: Array<() => void> = [];

  private active = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private failure: SegmentError | undefined;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private readonly counters: WriterCounters = { writeMs: 0, fileHashMs: 0, readWaitMs: 0, bufferWaitMs: 0 };
  private fd: number;
  /** Descriptors replaced by a buffered one (closed with the writer). */
  private readonly retiredFds: number[] = [];
  private fdClosed = false;
  /** Writes bypass the page cache (O_DIRECT) until the file system refuses one. */
  private direct: boolean;

  private constructor(
    readonly path: string,
    target: OpenedTarget,
    options: Required<SegmentWriterOptions>,
  ) {
    this.o = options;
    this.fd = target.fd;
    this.direct = target.direct;
    const { chunkBytes, chunkBuffers, batchBytes, batchBuffers } = this.o;
    this.memory = target.memory;
    const base = target.base;
    this.chunks = new SlotPool(Array.from({ length: chunkBuffers }, (_, i) => base + i * chunkBytes));
    this.batches = new SlotPool(
      Array.from({ length: batchBuffers }, (_, i) => base + chunkBytes * chunkBuffers + i * batchBytes),
      () => this.grantRoom(),
    );
    const shared = target.shared;
    this.hasher = new HashWorker(
      shared,
      (start) => this.hashed(start),
      (error) => this.fail(segmentWriteFailed(this.path, 'hash', error)),
    );
  }

  /** Creates the segment's folder and the segment (never over an existing file). */
  static open(segmentPath: string, options: SegmentWriterOptions = {}): E.Either<SegmentError, SegmentWriter> {
    const o: Required<SegmentWriterOptions> = { ...DEFAULTS, ...options };
    const problem = optionsProblem(o);
    if (problem !== undefined) throw new RangeError(`SegmentWriter options: ${problem}`);
    try {
      fs.mkdirSync(path.dirname(segmentPath), { recursive: true });
    } catch (error) {
      return E.left(segmentWriteFailed(segmentPath, 'mkdir', error));
    }
    const target = openTarget(segmentPath, o);
    return E.isLeft(target) ? target : E.right(new SegmentWriter(segmentPath, target.right, o));
  }

  /** Bytes of the segment so far: where the next entry will start (END_OF_ARCHIVE not included). */
  get position(): number {
    return this.tail;
  }

  /** Where the time went (milliseconds, summed; for benchmarks and tuning). */
  get stats(): Readonly<WriterCounters> {
    return { ...this.counters };
  }

  /** Whether writes currently bypass the page cache (O_DIRECT). */
  get directIo(): boolean {
    return this.direct;
  }

  /** Bytes handed to the file system so far (they trail `position`). */
  get bytesWritten(): number {
    return this.written;
  }

  addDirectory(entry: DirectoryEntry): Promise<E.Either<SegmentError, PlacedEntry>> {
    return this.addHeaderOnly({ path: entry.path, mode: entry.mode, mtimeNs: entry.mtimeNs, uid: entry.uid, gid: entry.gid, type: 'dir', size: 0 });
  }

  addSymlink(entry: SymlinkEntry): Promise<E.Either<SegmentError, PlacedEntry>> {
    return this.addHeaderOnly({
      path: entry.path,
      mode: entry.mode,
      mtimeNs: entry.mtimeNs,
      uid: entry.uid,
      gid: entry.gid,
      type: 'symlink',
      size: 0,
      linkTarget: entry.linkTarget,
    });
  }

  /**
   * Archives the file at `sourcePath` under `entry`, announcing `expected.size` bytes
   * and writing exactly that many (see ArchivedFile.changedWhileRead). A source that
   * cannot be opened or read before any of it is placed is a SourceProblem and nothing
   * is written; a read error later is a SourceProblem with `partial` (the entry stays in
   * the tar, zero-filled).
   */
  async addFile(entry: FileEntry, sourcePath: string, expected: ExpectedSource): Promise<E.Either<SourceProblem | SegmentError, ArchivedFile>> {
    const tarEntry: TarEntry = { path: entry.path, mode: entry.mode, mtimeNs: entry.mtimeNs, uid: entry.uid, gid: entry.gid, type: 'file', size: expected.size };
    const refused = this.refusal(tarEntry);
    if (refused !== undefined) return E.left(refused);
    this.active++;
    try {
      return expected.size <= this.o.smallFileMax ? await this.addSmall(tarEntry, sourcePath, expected) : await this.addLarge(tarEntry, sourcePath, expected);
    } finally {
      this.settled();
    }
  }

  /**
   * Waits for every pending add, writes the end-of-archive blocks, waits for every
   * write, fsyncs and closes. After a failure it returns that failure (and closes).
   */
  async close(): Promise<E.Either<SegmentError, ClosedSegment>> {
    if (this.state !== 'open') return E.left({ _tag: 'SegmentClosed', path: this.path });
    this.state = 'closing';
    await this.idle();
    if (this.failure === undefined) {
      const placed = await this.place([END_OF_ARCHIVE], 0);
      if (placed !== undefined) {
        this.sealBatch();
        await this.drained();
      }
    }
    await this.writesStopped();
    if (this.failure === undefined && this.tail < PROBE_BYTES) {
      // The alignment probe wrote PROBE_BYTES at offset 0: a tiny segment must not keep them.
      const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => fs.ftruncate(this.fd, this.tail, resolve));
      if (error !== null) this.fail(segmentWriteFailed(this.path, 'write', error));
    }
    if (this.failure === undefined) {
      const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => fs.fsync(this.fd, resolve));
      if (error !== null) this.fail(segmentWriteFailed(this.path, 'fsync', error));
    }
    const digest = this.failure === undefined ? await this.hasher.digest() : undefined;
    await this.release();
    if (this.failure !== undefined) return E.left(this.failure);
    if (digest === undefined) return E.left(segmentWriteFailed(this.path, 'hash', new Error('the segment hash worker stopped')));
    return E.right({ bytes: this.tail, sha256: digest });
  }

  /**
   * Stops after a fatal error: no end-of-archive blocks. Waits for the write in flight
   * (so the descriptor is not closed under it), then closes and ends the hash worker.
   * The partial file stays; adds still pending resolve with SegmentClosed.
   */
  async abort(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closing';
    this.fail({ _tag: 'SegmentClosed', path: this.path });
    await this.release();
  }

  // -------------------------------------------------------------------------------------------
  // Entries

  private refusal(entry: TarEntry): SegmentError | undefined {
    if (this.state !== 'open') return { _tag: 'SegmentClosed', path: this.path };
    if (this.failure !== undefined) return this.failure;
    const problem = entryProblem(entry);
    return problem === undefined ? undefined : { _tag: 'SegmentEntryInvalid', path: this.path, entryPath: String(entry.path), reason: problem };
  }

  private async addHeaderOnly(entry: TarEntry): Promise<E.Either<SegmentError, PlacedEntry>> {
    const refused = this.refusal(entry);
    if (refused !== undefined) return E.left(refused);
    this.active++;
    try {
      const at = await this.place([encodeHeader(entry)], 0);
      return at === undefined ? E.left(this.failed()) : E.right({ headerOffset: at });
    } finally {
      this.settled();
    }
  }

  private async addSmall(entry: TarEntry, sourcePath: string, expected: ExpectedSource): Promise<E.Either<SourceProblem | SegmentError, ArchivedFile>> {
    const size = expected.size;
    const buffer = await this.smallBuffer();
    try {
      const opened = await openSource(sourcePath);
      if (E.isLeft(opened)) return E.left(sourceUnreadable(sourcePath, 'open', opened.left, false));
      const fd = opened.right;
      let read: ReadResult;
      let stats: E.Either<NodeJS.ErrnoException, fs.BigIntStats>;
      try {
        // One byte more than announced tells a file that grew; it also makes a directory say EISDIR.
        read = await readFully(fd, buffer, 0, size + 1, 0);
        if (read.error !== undefined) return E.left(sourceUnreadable(sourcePath, 'read', read.error, false));
        stats = await fstatSource(fd);
      } finally {
        await closeSource(fd);
      }
      if (E.isLeft(stats)) return E.left(sourceUnreadable(sourcePath, 'stat', stats.left, false));
      if (!stats.right.isFile()) return E.left(sourceUnreadable(sourcePath, 'read', notRegular(sourcePath), false));
      if (read.got < size) buffer.fill(0, read.got, size);
      const data = buffer.subarray(0, size);
      const sha256 = createHash('sha256').update(data).digest('hex');
      const header = encodeHeader(entry);
      const at = await this.place([header, data], dataPadding(size));
      if (at === undefined) return E.left(this.failed());
      return E.right({
        headerOffset: at,
        dataOffset: at + header.length,
        length: size,
        sha256,
        changedWhileRead: read.got !== size || changedSince(stats.right, expected),
      });
    } finally {
      this.releaseSmallBuffer(buffer);
    }
  }

  private async addLarge(entry: TarEntry, sourcePath: string, expected: ExpectedSource): Promise<E.Either<SourceProblem | SegmentError, ArchivedFile>> {
    const opened = await openSource(sourcePath);
    if (E.isLeft(opened)) return E.left(sourceUnreadable(sourcePath, 'open', opened.left, false));
    const fd = opened.right;
    try {
      const before = await fstatSource(fd);
      if (E.isLeft(before)) return E.left(sourceUnreadable(sourcePath, 'stat', before.left, false));
      if (!before.right.isFile()) return E.left(sourceUnreadable(sourcePath, 'read', notRegular(sourcePath), false));
      await this.lockLarge();
      let streamed: E.Either<SourceProblem | SegmentError, Omit<ArchivedFile, 'changedWhileRead'> & { readonly short: boolean }>;
      try {
        streamed = await this.stream(fd, entry, sourcePath);
      } finally {
        this.unlockLarge();
      }
      if (E.isLeft(streamed)) return streamed;
      const after = await fstatSource(fd);
      const { short, ...placed } = streamed.right;
      return E.right({ ...placed, changedWhileRead: short || E.isLeft(after) || changedSince(after.right, expected) });
    } finally {
      await closeSource(fd);
    }
  }

  /**
   * Copies `entry.size` bytes of `fd` into the segment through the chunk buffers: reads
   * run `readAhead` chunks ahead; each chunk is hashed here, then handed to the ordered
   * writer (which also feeds the segment hash worker).
   */
  private async stream(
    fd: number,
    entry: TarEntry,
    sourcePath: string,
  ): Promise<E.Either<SourceProblem | SegmentError, Omit<ArchivedFile, 'changedWhileRead'> & { readonly short: boolean }>> {
    const size = entry.size;
    const chunkBytes = this.o.chunkBytes;
    const memory = this.memory;
    const reads: Array<Promise<{ start: number; want: number; read: ReadResult } | undefined>> = [];
    let readPosition = 0;
    let stopped = false; // after a short read or a read error: the rest is zeros, no more reads

    const readChunk = async (position: number, want: number): Promise<{ start: number; want: number; read: ReadResult } | undefined> => {
      const slot = this.chunks.acquire();
      const waitFrom = performance.now();
      const start = typeof slot === 'number' ? slot : await slot;
      if (typeof slot !== 'number') this.counters.bufferWaitMs += performance.now() - waitFrom;
      if (start === undefined) return undefined;
      const read = stopped ? { got: 0 } : await readFully(fd, memory, start, want, position);
      return { start, want, read };
    };
    const issueReads = (): void => {
      while (reads.length < this.o.readAhead && readPosition < size && !stopped) {
        const want = Math.min(chunkBytes, size - readPosition);
        reads.push(readChunk(readPosition, want));
        readPosition += want;
      }
    };
    const settleReads = async (): Promise<void> => {
      for (const pending of reads.splice(0)) {
        const done = await pending;
        if (done !== undefined) this.chunks.release(done.start);
      }
    };

    issueReads();
    let current = await reads.shift();
    if (current === undefined) {
      await settleReads();
      return E.left(this.failed());
    }
    if (current.read.error !== undefined && current.read.got === 0) {
      stopped = true;
      this.chunks.release(current.start);
      await settleReads();
      return E.left(sourceUnreadable(sourcePath, 'read', current.read.error, false));
    }

    const header = encodeHeader(entry);
    const at = await this.placeThenSkip(header, paddedSize(size));
    if (at === undefined) {
      this.chunks.release(current.start);
      await settleReads();
      return E.left(this.failed());
    }
    const dataStart = at + header.length;
    const fileHash = createHash('sha256');
    let short = false;
    let readError: NodeJS.ErrnoException | undefined;
    let position = 0;
    for (;;) {
      const { start, want, read } = current;
      const got = readError !== undefined || short ? 0 : read.got;
      if (read.error !== undefined && readError === undefined && !short) readError = read.error;
      if (got < want) {
        memory.fill(0, start + got, start + want);
        if (readError === undefined) short = true;
        stopped = true;
      }
      const hashFrom = performance.now();
      fileHash.update(memory.subarray(start, start + want));
      this.counters.fileHashMs += performance.now() - hashFrom;
      const last = position + want === size;
      const padding = last ? dataPadding(size) : 0;
      if (padding > 0) memory.fill(0, start + want, start + want + padding);
      this.submit({ start, length: want + padding, offset: dataStart + position, pool: this.chunks, pending: 2 });
      position += want;
      if (last) break;
      issueReads();
      const readWaitFrom = performance.now();
      const next = await reads.shift();
      this.counters.readWaitMs += performance.now() - readWaitFrom;
      if (next === undefined) {
        await settleReads();
        return E.left(this.failed());
      }
      current = next;
    }
    const sha256 = fileHash.digest('hex');
    if (readError !== undefined) return E.left(sourceUnreadable(sourcePath, 'read', readError, true));
    return E.right({ headerOffset: at, dataOffset: dataStart, length: size, sha256, short });
  }

  private lockLarge(): Promise<void> | void {
    if (!this.largeBusy) {
      this.largeBusy = true;
      return;
    }
    return new Promise((resolve) => this.largeWaiters.push(resolve));
  }

  private unlockLarge(): void {
    const next = this.largeWaiters.shift();
    if (next !== undefined) next();
    else this.largeBusy = false;
  }

  private smallBuffer(): Buffer | Promise<Buffer> {
    const free = this.smallBuffers.pop();
    if (free !== undefined) return free;
    if (this.smallAllocated < this.o.smallFileSlots) {
      this.smallAllocated++;
      return Buffer.allocUnsafeSlow(this.o.smallFileMax + 1);
    }
    return new Promise((resolve) => this.smallWaiters.push(resolve));
  }

  private releaseSmallBuffer(buffer: Buffer): void {
    const waiter = this.smallWaiters.shift();
    if (waiter !== undefined) waiter(buffer);
    else this.smallBuffers.push(buffer);
  }

  private settled(): void {
    this.active--;
    if (this.active === 0) for (const waiter of this.idleWaiters.splice(0)) waiter();
  }

  private idle(): Promise<void> | void {
    if (this.active === 0) return;
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  // -------------------------------------------------------------------------------------------
  // Placing bytes: batches

  private hasRoom(bytes: number): boolean {
    const left = this.batch === undefined ? 0 : this.o.batchBytes - this.batch.fill;
    return left + this.batches.available * this.o.batchBytes >= bytes;
  }

  /** True when there is room now (synchronously), else waits in line; false once failed. */
  private room(bytes: number): true | Promise<boolean> {
    if (this.failure !== undefined) return Promise.resolve(false);
    if (this.roomWaiters.length === 0 && this.hasRoom(bytes)) return true;
    return new Promise<void>((resolve) => {
      this.roomWaiters.push({ bytes, resolve, granted: false });
      this.grantRoom();
    }).then(() => this.failure === undefined);
  }

  private grantRoom(): void {
    const head = this.roomWaiters[0];
    if (head !== undefined && !head.granted && this.hasRoom(head.bytes)) {
      head.granted = true;
      head.resolve();
    }
  }

  /** After a placement: the granted waiter (if it was one) leaves the line; the next may go. */
  private placed(): void {
    if (this.roomWaiters[0]?.granted === true) this.roomWaiters.shift();
    this.grantRoom();
  }

  /** Appends `parts` and `zeros` zero bytes at the tail, in one piece; returns where they start. */
  private async place(parts: readonly Buffer[], zeros: number): Promise<number | undefined> {
    let bytes = zeros;
    for (const part of parts) bytes += part.length;
    const ready = this.room(bytes);
    if (ready !== true && !(await ready)) return undefined;
    const at = this.tail;
    for (const part of parts) this.append(part, part.length);
    if (zeros > 0) this.append(undefined, zeros);
    this.placed();
    return at;
  }

  /** Appends a large file's header, then reserves `skip` bytes for its data (sent as chunks). */
  private async placeThenSkip(header: Buffer, skip: number): Promise<number | undefined> {
    const ready = this.room(header.length);
    if (ready !== true && !(await ready)) return undefined;
    const at = this.tail;
    this.append(header, header.length);
    this.sealBatch();
    this.tail += skip;
    this.placed();
    return at;
  }

  /** Copies `source` (or zeros) into batches at the tail; room was checked. */
  private append(source: Buffer | undefined, length: number): void {
    let done = 0;
    const size = this.o.batchBytes;
    while (done < length) {
      if (this.batch === undefined) this.batch = { start: this.batches.take(), base: this.tail, fill: 0 };
      const batch = this.batch;
      const n = Math.min(length - done, size - batch.fill);
      const at = batch.start + batch.fill;
      if (source === undefined) this.memory.fill(0, at, at + n);
      else source.copy(this.memory, at, done, done + n);
      batch.fill += n;
      this.tail += n;
      done += n;
      if (batch.fill === size) this.sealBatch();
    }
  }

  private sealBatch(): void {
    const batch = this.batch;
    if (batch === undefined) return;
    this.batch = undefined;
    if (batch.fill === 0) this.batches.release(batch.start);
    else this.submit({ start: batch.start, length: batch.fill, offset: batch.base, pool: this.batches, pending: 2 });
  }

  // -------------------------------------------------------------------------------------------
  // Ordered hashing and writing

  private submit(chunk: Chunk): void {
    if (this.failure !== undefined) {
      chunk.pool.release(chunk.start);
      return;
    }
    this.waiting.set(chunk.offset, chunk);
    for (let next = this.waiting.get(this.orderedOffset); next !== undefined; next = this.waiting.get(this.orderedOffset)) {
      this.waiting.delete(this.orderedOffset);
      this.orderedOffset += next.length;
      this.hashQueue.push(next);
      this.hasher.update(next.start, next.length);
      this.writeQueue.push(next);
    }
    this.pumpWrites();
  }

  private hashed(start: number): void {
    const chunk = this.hashQueue.shift();
    if (chunk === undefined || chunk.start !== start) {
      this.fail(segmentWriteFailed(this.path, 'hash', new Error('segment hash worker answered out of order')));
      return;
    }
    this.done(chunk);
  }

  private done(chunk: Chunk): void {
    chunk.pending--;
    if (chunk.pending === 0) chunk.pool.release(chunk.start);
    this.checkDrained();
  }

  /**
   * Writes the chunks at the head of the queue, contiguous in the segment, as one
   * positioned writev of up to `maxWriteBytes` (a direct write of several chunks keeps
   * several requests in flight on the device). One write at a time, in order.
   */
  private pumpWrites(): void {
    if (this.writing || this.failure !== undefined) return;
    const group: Chunk[] = [];
    let bytes = 0;
    for (let next = this.writeQueue[0]; next !== undefined; next = this.writeQueue[0]) {
      if (group.length > 0 && bytes + next.length > this.o.maxWriteBytes) break;
      this.writeQueue.shift();
      group.push(next);
      bytes += next.length;
    }
    const first = group[0];
    if (first === undefined) return;
    this.writing = true;
    const began = performance.now();
    const views = group.map((chunk) => this.memory.subarray(chunk.start, chunk.start + chunk.length));
    let done = 0;
    const step = (): void => {
      fs.writev(this.fd, remainder(views, done), first.offset + done, (error, n) => {
        if (error !== null && this.direct && error.code === 'EINVAL' && this.toBuffered()) return step();
        if (error !== null) {
          this.writing = false;
          this.fail(segmentWriteFailed(this.path, 'write', error));
          return;
        }
        done += n;
        if (done < bytes && n > 0 && this.failure === undefined) return step();
        this.writing = false;
        if (done < bytes) {
          if (this.failure === undefined) this.fail(segmentWriteFailed(this.path, 'write', Object.assign(new Error('the segment write made no progress'), { code: 'EIO' })));
          return;
        }
        this.counters.writeMs += performance.now() - began;
        this.written += done;
        for (const chunk of group) this.done(chunk);
        this.flushInBackground();
        this.pumpWrites();
      });
    };
    step();
  }

  /** The file system refused a direct write: go on through the page cache (same file, new descriptor). */
  private toBuffered(): boolean {
    try {
      const fd = fs.openSync(this.path, fs.constants.O_WRONLY);
      this.retiredFds.push(this.fd);
      this.fd = fd;
      this.direct = false;
      return true;
    } catch {
      return false;
    }
  }

  private flushInBackground(): void {
    if (this.direct || this.flushing || this.failure !== undefined || this.written - this.flushedAt < this.o.flushEveryBytes) return;
    this.flushing = true;
    this.flushedAt = this.written;
    fs.fdatasync(this.fd, (error) => {
      this.flushing = false;
      if (error !== null) this.fail(segmentWriteFailed(this.path, 'fsync', error));
    });
  }

  private checkDrained(): void {
    if (this.drainWaiters.length === 0) return;
    if (this.failure !== undefined || (!this.writing && this.writeQueue.length === 0 && this.hashQueue.length === 0 && this.waiting.size === 0)) {
      for (const waiter of this.drainWaiters.splice(0)) waiter();
    }
  }

  /** Resolves when every submitted chunk is written and hashed (or the writer failed). */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      this.drainWaiters.push(resolve);
      this.checkDrained();
    });
  }

  /** Resolves when no write or flush is in flight (the descriptor may be closed). */
  private writesStopped(): Promise<void> {
    if (!this.writing && !this.flushing) return Promise.resolve();
    return new Promise((resolve) => {
      const poll = (): void => {
        if (!this.writing && !this.flushing) resolve();
        else setTimeout(poll, 1);
      };
      poll();
    });
  }

  // -------------------------------------------------------------------------------------------
  // Failure and shutdown

  private failed(): SegmentError {
    return this.failure ?? { _tag: 'SegmentClosed', path: this.path };
  }

  private fail(error: SegmentError): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.chunks.fail();
    this.batches.fail();
    for (const waiter of this.roomWaiters.splice(0)) waiter.resolve();
    for (const waiter of this.drainWaiters.splice(0)) waiter();
  }

  private async release(): Promise<void> {
    await this.writesStopped();
    if (!this.fdClosed) {
      this.fdClosed = true;
      for (const fd of this.retiredFds.splice(0)) closeQuietly(fd);
      if (this.failure === undefined) {
        try {
          fs.closeSync(this.fd);
        } catch (error) {
          this.fail(segmentWriteFailed(this.path, 'close', error));
        }
        fsyncDirectory(path.dirname(this.path));
      } else {
        closeQuietly(this.fd);
      }
    }
    await this.hasher.terminate();
    this.state = 'closed';
  }
}

const optionsProblem = (o: Required<SegmentWriterOptions>): string | undefined => {
  for (const [name, value] of Object.entries(o)) {
    if (typeof value === 'boolean') continue;
    if (!Number.isSafeInteger(value) || value < 1) return `${name} must be a positive integer`;
  }
  if (typeof o.directIo !== 'boolean') return 'directIo must be a boolean';
  if (o.chunkBytes % ALIGN !== 0) return `chunkBytes must be a multiple of ${ALIGN}`;
  if (o.batchBytes % ALIGN !== 0) return `batchBytes must be a multiple of ${ALIGN}`;
  if (o.batchBuffers < 2) return 'batchBuffers must be at least 2';
  if (o.batchBytes < o.smallFileMax + MAX_HEADER_BYTES + 512) return 'batchBytes must hold a small file with its header';
  return undefined;
};
