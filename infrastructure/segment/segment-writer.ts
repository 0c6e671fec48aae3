import { ALIGN, O_DIRECT, PROBE_BYTES, probeDirectOffset } from '../direct-io';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { isErrno } from '../errno';
import { closeQuietly, fsyncDirectory } from '../journal/durable-file';
import { newSegmentHeader } from '../crypto/segment-chunks';
import { HashWorker, type SealSpec } from './hash-worker-client';
import { LargeFileReader, type StreamEnd } from './large-file-reader';
import { SmallFileReaders } from './small-file-readers';
import { segmentWriteFailed, type SegmentError, type SourceProblem } from './segment-errors';
import { END_OF_ARCHIVE, dataPadding, encodeHeader, entryProblem, paddedSize, type TarEntry } from './tar-header';
import { extentBytes, sparseMap, sparseMemberPath, sparseRecords, type Extent } from './sparse-member';
import { contentHasher } from './content-hash';
import { sourceUnreadable } from './segment-errors';
import { osPath } from '../os-path';

/** What addFile needs of a file besides its data: the header fields. */
export type FileEntry = Pick<TarEntry, 'path' | 'mode' | 'mtimeNs' | 'uid' | 'gid' | 'uname' | 'gname' | 'pax'>;
export type DirectoryEntry = FileEntry;
export type SymlinkEntry = FileEntry & { readonly linkTarget: string };
/** A second name of a file already in the segments: `linkTarget` is the tar path of its first name. */
export type HardLinkEntry = FileEntry & { readonly linkTarget: string };

/** What the scan saw of the file; the header announces this size and exactly this many bytes are written. */
export interface ExpectedSource {
  readonly size: number;
  readonly mtimeNs: bigint;
}

/** A piece of a file (split across tapes): `length` bytes from byte `from`; the header announces `length`. */
export interface FilePiece {
  readonly from: number;
  readonly length: number;
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
  /** Time with a segment write in flight (one at a time). */
  writeMs: number;
  /** Time the stream thread had no free chunk buffer (writing or the segment hash behind). */
  chunkWaitMs: number;
  /** Segment writes (system calls). */
  writes: number;
}

export interface PlacedEntry {
  readonly headerOffset: number;
}

export interface ClosedSegment {
  /** The segment file's size. */
  readonly bytes: number;
  /** hex SHA-256 of the segment file's exact bytes (what sha256sum prints). */
  readonly sha256: string;
  /** Encrypted segments: the size of the tar inside, and the chunk size. */
  readonly plainBytes?: number;
  readonly chunkBytes?: number;
}

/**
 * An encrypted segment: the tar stream is sealed in AES-256-GCM chunks by the hash
 * thread, which also writes the file (see segment-seal-worker), and file hashes are
 * HMACs under `contentKey`.
 */
export interface SegmentEncryption {
  readonly segmentKey: (salt: Buffer) => Buffer;
  readonly contentKey: Buffer;
  readonly chunkBytes: number;
}

export interface SegmentWriterOptions {
  /** Read unit for files larger than `smallFileMax` (a multiple of 4096). Default 4 MiB. */
  readonly chunkBytes?: number;
  /** Chunk buffers (being read, hashed or written). Default 8. */
  readonly chunkBuffers?: number;
  /** Batch buffer for headers and small files (a multiple of 4096). Default 4 MiB. */
  readonly batchBytes?: number;
  /** Batch buffers. Default 3. */
  readonly batchBuffers?: number;
  /** Files up to this size are read whole on reader threads and batched. Default 128 KiB. */
  readonly smallFileMax?: number;
  /** Small files in flight (read or waiting to be placed): slots of smallFileMax + 1 bytes. Default 64. */
  readonly smallFileSlots?: number;
  /** Threads reading small files (synchronous calls, like tar; several keep the disk busy). Default 4. */
  readonly readerThreads?: number;
  /**
   * Without direct I/O: start writing back (fdatasync in the background, one at a time)
   * each time this many more bytes were written, so that close() has less to flush.
   * Default 128 MiB. (On LTFS fsync is a no-op.)
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
  smallFileMax: 128 * 1024,
  smallFileSlots: 64,
  readerThreads: 4,
  flushEveryBytes: 128 * MiB,
  directIo: true,
  maxWriteBytes: 16 * MiB,
};

/** Room a header can take in a batch (pax header with the longest paths and extended attributes, plus its ustar block). */
const MAX_HEADER_BYTES = 4 * 64 * 1024 + 4096;


interface OpenedTarget {
  readonly fd: number;
  readonly direct: boolean;
  /** Opened with O_DIRECT: the alignment probe wrote at offset 0. */
  readonly probed?: boolean;
  readonly shared: SharedArrayBuffer;
  readonly memory: Buffer;
  /** Offset in `memory` of the first buffer (aligned for direct I/O when `direct`). */
  readonly base: number;
}

/** Bytes of one small-file slot: the file and one more byte (to tell that it grew), aligned. */
const slotBytes = (o: Required<SegmentWriterOptions>): number => Math.ceil((o.smallFileMax + 1) / ALIGN) * ALIGN;

/**
 * Creates the segment (exclusively) and the shared memory for its buffers. With direct
 * I/O, the memory's address alignment is unknown to JavaScript: a few writes of two
 * pages at offset 0 from successive 16-byte steps find the first offset the device
 * accepts (those bytes are overwritten later; close() truncates a segment shorter than them).
 */

/** Bytes of the pools (chunks, batches, small-file slots): a multiple of ALIGN. */
const poolBytes = (o: Required<SegmentWriterOptions>): number => o.chunkBytes * o.chunkBuffers + o.batchBytes * o.batchBuffers + slotBytes(o) * o.smallFileSlots;

/** Where an encrypted segment's ciphertext waits for whole-page direct writes (after the pools). */
const SEAL_STAGING_BYTES = 8 * 1024 * 1024;

const openTarget = (segmentPath: string, o: Required<SegmentWriterOptions>, extraBytes: number): E.Either<SegmentError, OpenedTarget> => {
  const shared = new SharedArrayBuffer(poolBytes(o) + extraBytes + ALIGN);
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
      try {
        const base = probeDirectOffset(fd, memory);
        if (base !== undefined) return E.right({ fd, direct: true, probed: true, shared, memory, base });
      } catch (error) {
        closeQuietly(fd);
        return E.left(segmentWriteFailed(segmentPath, 'write', error));
      }
      // No alignment worked (or direct writes are refused): reopen the same file buffered.
      closeQuietly(fd);
      try {
        return E.right({ fd: fs.openSync(segmentPath, fs.constants.O_WRONLY), direct: false, probed: true, shared, memory, base: 0 });
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

/** The header fields of an entry (owner names and extra pax records only when it has them). */
const headerFields = (e: FileEntry): FileEntry => ({
  path: e.path,
  mode: e.mode,
  mtimeNs: e.mtimeNs,
  uid: e.uid,
  gid: e.gid,
  ...(e.uname === undefined ? {} : { uname: e.uname }),
  ...(e.gname === undefined ? {} : { gname: e.gname }),
  ...(e.pax === undefined || e.pax.length === 0 ? {} : { pax: e.pax }),
});

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
 * Design (throughput is the product's main job; see docs in the report / bench):
 * - All buffers live in one SharedArrayBuffer, so helper threads fill and hash them
 *   without copies. Memory is bounded: chunkBuffers x chunkBytes + batchBuffers x
 *   batchBytes + smallFileSlots x (smallFileMax + 1), about 52 MiB by default.
 * - Large files (> smallFileMax) stream, one at a time, through a stream thread that
 *   reads each chunk with plain read(2) calls and hashes it while it is in cache.
 * - Small files are read whole by `readerThreads` reader threads (synchronous calls,
 *   requests and answers in batches), then copied with their headers into a batch
 *   buffer; a full batch is one write and one message to the hash thread, so a small
 *   file costs no per-file thread round trip.
 * - The segment SHA-256 runs on its own thread, in segment order, over the same memory.
 * - Writes go out strictly in segment order, one at a time (tape wants sequential
 *   writes), coalesced up to maxWriteBytes, with O_DIRECT where the file system takes it.
 *
 * addFile, addDirectory and addSymlink may (and for speed should) be called without
 * waiting for the previous call: each entry takes its place when its data is in memory,
 * so the order in the tar is the order in which entries became ready. An entry is placed
 * when its promise resolves; it is on disk only after close() succeeds.
 */
export class SegmentWriter {
  private readonly memory: Buffer;
  private readonly chunks: SlotPool;
  private readonly batches: SlotPool;
  private readonly smallSlots: SlotPool;
  private readonly readers: SmallFileReaders;
  private readonly streamer: LargeFileReader;
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
  /** Bytes of the streaming large file read so far. */
  private streamedBytes = 0;
  /** Told after each chunk of a large file is read (progress within a file). */
  onLargeChunk: () => void = () => undefined;
  private readonly largeWaiters: Array<() => void> = [];

  private active = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private failure: SegmentError | undefined;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private readonly counters: WriterCounters = { writeMs: 0, chunkWaitMs: 0, writes: 0 };
  private fd: number;
  /** Descriptors replaced by a buffered one (closed with the writer). */
  private readonly retiredFds: number[] = [];
  private fdClosed = false;
  /** Writes bypass the page cache (O_DIRECT) until the file system refuses one. */
  private direct: boolean;
  private readonly probed: boolean;
  /** Encrypted: the hash thread seals and writes; this thread never writes the file. */
  private readonly sealed: { readonly chunkBytes: number } | undefined;
  /** Encrypted: file hashes are HMACs under this key. */
  private readonly contentKey: Buffer | undefined;

  private constructor(
    readonly path: string,
    target: OpenedTarget,
    options: Required<SegmentWriterOptions>,
    encryption: SegmentEncryption | undefined,
  ) {
    this.o = options;
    this.fd = target.fd;
    this.direct = target.direct;
    this.probed = target.probed === true;
    this.sealed = encryption === undefined ? undefined : { chunkBytes: encryption.chunkBytes };
    this.contentKey = encryption?.contentKey;
    const { chunkBytes, chunkBuffers, batchBytes, batchBuffers } = this.o;
    this.memory = target.memory;
    const base = target.base;
    this.chunks = new SlotPool(Array.from({ length: chunkBuffers }, (_, i) => base + i * chunkBytes));
    this.batches = new SlotPool(
      Array.from({ length: batchBuffers }, (_, i) => base + chunkBytes * chunkBuffers + i * batchBytes),
      () => this.grantRoom(),
    );
    const slotsBase = base + chunkBytes * chunkBuffers + batchBytes * batchBuffers;
    this.smallSlots = new SlotPool(Array.from({ length: this.o.smallFileSlots }, (_, i) => slotsBase + i * slotBytes(this.o)));
    const shared = target.shared;
    this.streamer = new LargeFileReader(
      shared,
      (slots) => {
        for (const slot of slots) this.chunks.release(slot);
      },
      (error) => this.fail(segmentWriteFailed(this.path, 'read-worker', error)),
      encryption?.contentKey,
    );
    this.readers = new SmallFileReaders(
      shared,
      this.o.readerThreads,
      (error) => this.fail(segmentWriteFailed(this.path, 'read-worker', error)),
      encryption?.contentKey,
    );
    this.hasher = new HashWorker(
      shared,
      (start) => this.hashed(start),
      (error) => this.fail(segmentWriteFailed(this.path, 'hash', error)),
      encryption === undefined
        ? undefined
        : sealSpec(target, encryption, { flushEveryBytes: this.o.flushEveryBytes, stagingStart: base + poolBytes(this.o), path }),
      (error) => this.fail(segmentWriteFailed(this.path, 'write', Object.assign(new Error(error.message), { code: error.code }))),
    );
  }

  /**
   * Creates the segment's folder and the segment (never over an existing file). Only the
   * job's folder and the `jobs` folder above it are made, never the archive folder: when a
   * mount vanishes under a running job (a drive that lost power), its mount point shows
   * the folder below it, and a segment must fail there rather than land on the local disk.
   */
  static open(segmentPath: string, options: SegmentWriterOptions = {}, encryption?: SegmentEncryption): E.Either<SegmentError, SegmentWriter> {
    const o: Required<SegmentWriterOptions> = { ...DEFAULTS, ...options };
    const problem = optionsProblem(o);
    if (problem !== undefined) throw new RangeError(`SegmentWriter options: ${problem}`);
    try {
      const jobDir = path.dirname(segmentPath);
      mkdirIfMissing(path.dirname(jobDir));
      mkdirIfMissing(jobDir);
    } catch (error) {
      return E.left(segmentWriteFailed(segmentPath, 'mkdir', error));
    }
    const target = openTarget(segmentPath, o, encryption === undefined ? 0 : SEAL_STAGING_BYTES);
    return E.isLeft(target) ? target : E.right(new SegmentWriter(segmentPath, target.right, o, encryption));
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

  /** Bytes of the large file being streamed read so far (0 between large files): progress within a file. */
  get largeFileBytes(): number {
    return this.streamedBytes;
  }

  /** Bytes handed to the file system so far (they trail `position`). */
  get bytesWritten(): number {
    return this.written;
  }

  addDirectory(entry: DirectoryEntry): Promise<E.Either<SegmentError, PlacedEntry>> {
    return this.addHeaderOnly({ ...headerFields(entry), type: 'dir', size: 0 });
  }

  addSymlink(entry: SymlinkEntry): Promise<E.Either<SegmentError, PlacedEntry>> {
    return this.addHeaderOnly({ ...headerFields(entry), type: 'symlink', size: 0, linkTarget: entry.linkTarget });
  }

  /** A hard link: a header only (GNU tar extracts it as a link to the first name, which must come before it). */
  addHardLink(entry: HardLinkEntry): Promise<E.Either<SegmentError, PlacedEntry>> {
    return this.addHeaderOnly({ ...headerFields(entry), type: 'hardlink', size: 0, linkTarget: entry.linkTarget });
  }

  /**
   * Archives the file at `sourcePath` under `entry`, announcing `expected.size` bytes
   * and writing exactly that many (see ArchivedFile.changedWhileRead). A source that
   * cannot be opened or read before any of it is placed is a SourceProblem and nothing
   * is written; a read error later is a SourceProblem with `partial` (the entry stays in
   * the tar, zero-filled).
   */
  async addFile(entry: FileEntry, sourcePath: string, expected: ExpectedSource, piece?: FilePiece): Promise<E.Either<SourceProblem | SegmentError, ArchivedFile>> {
    const size = piece === undefined ? expected.size : piece.length;
    const tarEntry: TarEntry = { ...headerFields(entry), type: 'file', size };
    const refused = this.refusal(tarEntry);
    if (refused !== undefined) return E.left(refused);
    this.active++;
    try {
      // A piece always streams: the small-file readers read whole files.
      return piece === undefined && size <= this.o.smallFileMax
        ? await this.addSmall(tarEntry, sourcePath, expected)
        : await this.addLarge(tarEntry, sourcePath, expected, piece);
    } finally {
      this.settled();
    }
  }

  /**
   * Archives a sparse file without its holes, in GNU tar's pax sparse format 1.0
   * (sparse-member.ts): only the `extents` (offset, length; in order, within
   * `expected.size`) are read and written. The hash is that of the whole file as read,
   * holes as zeros, so restore and verify compare it like any other. Reads run on this
   * thread (a sparse file's data is its small part); one large or sparse file at a time.
   */
  async addSparseFile(entry: FileEntry, sourcePath: string, expected: ExpectedSource, extents: readonly Extent[]): Promise<E.Either<SourceProblem | SegmentError, ArchivedFile>> {
    const map = sparseMap(extents, expected.size);
    const size = map.length + extentBytes(extents);
    const fields = headerFields(entry);
    const tarEntry: TarEntry = { ...fields, path: sparseMemberPath(entry.path), type: 'file', size, pax: [...(fields.pax ?? []), ...sparseRecords(entry.path, expected.size)] };
    const refused = this.refusal(tarEntry);
    if (refused !== undefined) return E.left(refused);
    let fd: number;
    try {
      fd = fs.openSync(osPath(sourcePath), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch (error) {
      return E.left(sourceUnreadable(sourcePath, 'open', error, false));
    }
    this.active++;
    await this.lockLarge();
    try {
      const header = encodeHeader(tarEntry);
      const at = await this.placeThenSkip(header, paddedSize(size));
      if (at === undefined) return E.left(this.failed());
      const copied = await this.copyExtents(fd, map, extents, expected, at + header.length, size);
      if (copied === undefined) return E.left(this.failed());
      if ('error' in copied) return E.left(sourceUnreadable(sourcePath, 'read', copied.error, true));
      return E.right({ headerOffset: at, dataOffset: at + header.length, length: size, sha256: copied.sha256, changedWhileRead: copied.changed });
    } finally {
      closeQuietly(fd);
      this.unlockLarge();
      this.settled();
    }
  }

  /** The map, then each extent's bytes, through chunk buffers to `dataAt`; the file's hash with its holes as zeros. */
  private async copyExtents(
    fd: number,
    map: Buffer,
    extents: readonly Extent[],
    { size: fileSize, mtimeNs }: ExpectedSource,
    dataAt: number,
    size: number,
  ): Promise<{ sha256: string; changed: boolean } | { error: unknown } | undefined> {
    const hash = contentHasher(this.contentKey);
    const zeros = Buffer.alloc(Math.min(this.o.chunkBytes, 1024 * 1024));
    const hashZeros = (n: number): void => {
      for (let left = n; left > 0; left -= zeros.length) hash.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
    };
    let position = 0;
    let hashed = 0;
    let changed = false;
    // A read error zero-fills the rest of the member (its room is reserved) and is reported at the end.
    let readError: unknown;
    const submit = async (fill: (slot: number, room: number) => number): Promise<boolean> => {
      const acquired = this.chunks.acquire();
      const slot = typeof acquired === 'number' ? acquired : await acquired;
      if (slot === undefined) return false;
      const n = fill(slot, this.o.chunkBytes);
      const padding = position + n === size ? dataPadding(size) : 0;
      if (padding > 0) this.memory.fill(0, slot + n, slot + n + padding);
      this.submit({ start: slot, length: n + padding, offset: dataAt + position, pool: this.chunks, pending: 2 });
      position += n;
      return true;
    };
    for (let from = 0; from < map.length; ) {
      const ok = await submit((slot, room) => {
        const n = Math.min(room, map.length - from);
        map.copy(this.memory, slot, from, from + n);
        from += n;
        return n;
      });
      if (!ok) return undefined;
    }
    for (const [offset, length] of extents) {
      hashZeros(offset - hashed);
      hashed = offset;
      for (let done = 0; done < length; ) {
        const ok = await submit((slot, room) => {
          const n = Math.min(room, length - done);
          let got = 0;
          try {
            while (got < n && readError === undefined) {
              const r = fs.readSync(fd, this.memory, slot + got, n - got, offset + done + got);
              if (r === 0) break;
              got += r;
            }
          } catch (error) {
            readError = error;
          }
          // A file that shrank (or a read error) is zero-filled to the size announced, as addFile does.
          if (got < n) {
            changed = true;
            this.memory.fill(0, slot + got, slot + n);
          }
          hash.update(this.memory.subarray(slot, slot + n));
          done += n;
          return n;
        });
        if (!ok) return undefined;
      }
      hashed += length;
    }
    hashZeros(fileSize - hashed);
    if (readError !== undefined) return { error: readError };
    try {
      const after = fs.fstatSync(fd, { bigint: true });
      if (Number(after.size) !== fileSize || after.mtimeNs !== mtimeNs) changed = true;
    } catch {
      changed = true;
    }
    return { sha256: hash.digest('hex'), changed };
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
    // Sealed: the hash thread seals the last chunk and writes it before the fsync.
    const sealedDigest = this.failure === undefined && this.sealed !== undefined ? await this.hasher.digest() : undefined;
    const fileBytes = this.sealed === undefined ? this.tail : (sealedDigest?.bytes ?? 0);
    if (this.failure === undefined && this.probed && fileBytes < PROBE_BYTES) {
      // The alignment probe wrote PROBE_BYTES at offset 0: a tiny segment must not keep them.
      const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => fs.ftruncate(this.fd, fileBytes, resolve));
      if (error !== null) this.fail(segmentWriteFailed(this.path, 'write', error));
    }
    if (this.failure === undefined) {
      const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => fs.fsync(this.fd, resolve));
      if (error !== null) this.fail(segmentWriteFailed(this.path, 'fsync', error));
    }
    const digest = this.failure === undefined ? (this.sealed === undefined ? await this.hasher.digest() : sealedDigest) : undefined;
    await this.release();
    if (this.failure !== undefined) return E.left(this.failure);
    if (digest === undefined) return E.left(segmentWriteFailed(this.path, 'hash', new Error('the segment hash worker stopped')));
    if (this.sealed === undefined) return E.right({ bytes: this.tail, sha256: digest.sha256 });
    return E.right({ bytes: digest.bytes ?? 0, sha256: digest.sha256, plainBytes: this.tail, chunkBytes: this.sealed.chunkBytes });
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
    const acquired = this.smallSlots.acquire();
    const slot = typeof acquired === 'number' ? acquired : await acquired;
    if (slot === undefined) return E.left(this.failed());
    try {
      const read = await this.readers.read(sourcePath, size, expected.mtimeNs, slot);
      if (read === undefined) return E.left(this.failed());
      if (read.error !== undefined) return E.left({ _tag: 'SourceUnreadable', path: sourcePath, ...read.error, partial: false });
      const header = encodeHeader(entry);
      const at = await this.place([header, this.memory.subarray(slot, slot + size)], dataPadding(size));
      if (at === undefined) return E.left(this.failed());
      return E.right({ headerOffset: at, dataOffset: at + header.length, length: size, sha256: read.sha256, changedWhileRead: read.changed });
    } finally {
      this.smallSlots.release(slot);
    }
  }

  /** Large files stream one at a time through the stream thread. */
  private async addLarge(entry: TarEntry, sourcePath: string, expected: ExpectedSource, piece?: FilePiece): Promise<E.Either<SourceProblem | SegmentError, ArchivedFile>> {
    await this.lockLarge();
    this.streamedBytes = 0;
    try {
      return await this.streamOnThread(entry, sourcePath, expected, piece);
    } finally {
      this.streamedBytes = 0;
      this.unlockLarge();
    }
  }

  /**
   * Copies a large file through the stream thread (which reads and hashes each chunk):
   * free chunk buffers go to it as they come back from the writer; the header is placed
   * when the first chunk arrives (a file unreadable from the start places nothing).
   */
  private streamOnThread(
    entry: TarEntry,
    sourcePath: string,
    expected: ExpectedSource,
    piece: FilePiece | undefined,
  ): Promise<E.Either<SourceProblem | SegmentError, ArchivedFile>> {
    const size = piece === undefined ? expected.size : piece.length;
    const header = encodeHeader(entry);
    return new Promise((resolve) => {
      let at: number | undefined;
      let placing = false;
      let placeFailed = false;
      let ended: StreamEnd | undefined;
      let feeding = true;
      const early: Array<readonly [number, number, number]> = [];
      const submitChunk = (start: number, length: number, position: number, headerAt: number): void => {
        const padding = position + length === size ? dataPadding(size) : 0;
        if (padding > 0) this.memory.fill(0, start + length, start + length + padding);
        this.submit({ start, length: length + padding, offset: headerAt + header.length + position, pool: this.chunks, pending: 2 });
      };
      const finish = (): void => {
        if (ended === undefined || placing) return;
        const end = ended;
        if (!end.sentAny) {
          if (this.failure !== undefined) return resolve(E.left(this.failure));
          const nothingRead: StreamEnd['error'] = { op: 'read', code: 'EIO', message: 'nothing read' };
          const error = end.error ?? nothingRead;
          return resolve(E.left({ _tag: 'SourceUnreadable', path: sourcePath, ...error, partial: false }));
        }
        if (at === undefined || placeFailed || this.failure !== undefined) return resolve(E.left(this.failed()));
        if (end.error !== undefined) return resolve(E.left({ _tag: 'SourceUnreadable', path: sourcePath, ...end.error, partial: true }));
        resolve(E.right({ headerOffset: at, dataOffset: at + header.length, length: size, sha256: end.sha256, changedWhileRead: end.changed }));
      };
      const started = this.streamer.start(sourcePath, size, expected.mtimeNs, this.o.chunkBytes, {
        chunk: (start, length, position) => {
          this.streamedBytes += length;
          this.onLargeChunk();
          if (at !== undefined) return submitChunk(start, length, position, at);
          if (placeFailed) return this.chunks.release(start);
          early.push([start, length, position]);
          if (placing) return;
          placing = true;
          void this.placeThenSkip(header, paddedSize(size)).then((placedAt) => {
            placing = false;
            if (placedAt === undefined) {
              placeFailed = true;
              for (const [start] of early.splice(0)) this.chunks.release(start);
            } else {
              at = placedAt;
              for (const [start, length, position] of early.splice(0)) submitChunk(start, length, position, placedAt);
            }
            finish();
          });
        },
        end: (end) => {
          ended = end;
          feeding = false;
          finish();
        },
      }, piece?.from ?? 0, expected.size);
      if (!started) return resolve(E.left(this.failed()));
      const feed = async (): Promise<void> => {
        while (feeding) {
          const acquired = this.chunks.acquire();
          const waitFrom = performance.now();
          const slot = typeof acquired === 'number' ? acquired : await acquired;
          if (typeof acquired !== 'number') this.counters.chunkWaitMs += performance.now() - waitFrom;
          if (slot === undefined) return;
          if (!feeding) return this.chunks.release(slot);
          this.streamer.give([slot]);
        }
      };
      void feed();
    });
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
      if (this.sealed === undefined) this.writeQueue.push(next);
      else next.pending--;
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
        this.counters.writes++;
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
    this.smallSlots.fail();
    // A stream in progress cannot finish without buffers: end it (its promise resolves with this failure).
    void this.streamer.terminate();
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
    await Promise.all([this.hasher.terminate(), this.readers.terminate(), this.streamer.terminate()]);
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

const sealSpec = (
  target: OpenedTarget,
  encryption: SegmentEncryption,
  place: { readonly flushEveryBytes: number; readonly stagingStart: number; readonly path: string },
): SealSpec => {
  const header = newSegmentHeader(encryption.chunkBytes);
  return {
    fd: target.fd,
    key: encryption.segmentKey(header.salt),
    header: header.bytes,
    chunkBytes: encryption.chunkBytes,
    flushEveryBytes: place.flushEveryBytes,
    direct: target.direct,
    stagingStart: place.stagingStart,
    stagingBytes: SEAL_STAGING_BYTES,
    path: place.path,
  };
};

const mkdirIfMissing = (dir: string): void => {
  try {
    fs.mkdirSync(dir);
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
  }
};
