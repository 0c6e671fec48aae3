import * as E from 'fp-ts/Either';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROBE_BYTES } from '../direct-io';
import { closeQuietly, fsyncDirectory } from '../journal/durable-file';
import { osPath } from '../os-path';
import { Latch } from '../threads/latch';
import { Mutex } from '../threads/mutex';
import { SlotPool } from '../threads/slot-pool';
import { BatchSpace } from './batch-space';
import { HashWorker } from './hash-worker-client';
import { streamLargeFile, type LargeFileCopy } from './large-file-copy';
import { LargeFileReader } from './large-file-reader';
import { SmallFileReaders } from './small-file-readers';
import { segmentWriteFailed, sourceUnreadable, type SegmentError, type SourceProblem } from './segment-errors';
import { SegmentOutput, type Chunk } from './segment-output';
import { SEAL_STAGING_BYTES, mkdirIfMissing, openTarget, poolLayout, sealSpec, type OpenedTarget } from './segment-target';
import { DEFAULTS, optionsProblem, type SegmentEncryption, type SegmentWriterOptions, type SegmentWriterSettings } from './segment-writer-options';
import { copyExtents } from './sparse-extents-copy';
import { extentBytes, sparseMap, sparseMemberPath, sparseRecords, type Extent } from './sparse-member';
import { END_OF_ARCHIVE, dataPadding, encodeCheckedHeader, encodeHeader, entryProblem, paddedSize, type TarEntry } from './tar-header';

export type { SegmentEncryption, SegmentWriterOptions } from './segment-writer-options';

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
  private readonly smallSlots: SlotPool;
  private readonly space: BatchSpace;
  private readonly output: SegmentOutput;
  private readonly readers: SmallFileReaders;
  private readonly streamer: LargeFileReader;
  private readonly hasher: HashWorker;
  private readonly large: LargeFileCopy;
  private readonly o: SegmentWriterSettings;
  /** One large (or sparse) file streams at a time. */
  private readonly largeLock = new Mutex();
  /** Bytes of the streaming large file read so far. */
  private streamedBytes = 0;
  /** Told after each chunk of a large file is read (progress within a file). */
  onLargeChunk: () => void = () => undefined;
  /** Adds in flight: close() waits for them. */
  private readonly adds = new Latch();
  private failure: SegmentError | undefined;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private chunkWaitMs = 0;
  private readonly probed: boolean;
  /** Encrypted: the hash thread seals and writes; this thread never writes the file. */
  private readonly sealed: { readonly chunkBytes: number } | undefined;
  /** Encrypted: file hashes are HMACs under this key. */
  private readonly contentKey: Buffer | undefined;

  private constructor(
    readonly path: string,
    target: OpenedTarget,
    options: SegmentWriterSettings,
    encryption: SegmentEncryption | undefined,
  ) {
    this.o = options;
    this.probed = target.probed === true;
    this.sealed = encryption === undefined ? undefined : { chunkBytes: encryption.chunkBytes };
    this.contentKey = encryption?.contentKey;
    this.memory = target.memory;
    const layout = poolLayout(this.o, target.base);
    this.chunks = new SlotPool(layout.chunks, undefined, 'segment writer chunk buffers');
    this.smallSlots = new SlotPool(layout.smallSlots, undefined, 'segment writer small-file slots');
    const failed = (): boolean => this.failure !== undefined;
    const fail = (error: SegmentError): void => this.fail(error);
    this.output = new SegmentOutput({
      path,
      memory: this.memory,
      fd: target.fd,
      direct: target.direct,
      sealed: encryption !== undefined,
      maxWriteBytes: this.o.maxWriteBytes,
      flushEveryBytes: this.o.flushEveryBytes,
      hash: (start, length) => this.hasher.update(start, length),
      fail,
      failed,
    });
    const submit = (chunk: Chunk): void => this.output.submit(chunk);
    this.space = new BatchSpace({ memory: this.memory, slots: layout.batches, batchBytes: this.o.batchBytes, submit, failed });
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
      (start) => this.output.hashed(start),
      (error) => this.fail(segmentWriteFailed(this.path, 'hash', error)),
      encryption === undefined ? undefined : sealSpec(target, encryption, this.o, path),
      (error) => this.fail(segmentWriteFailed(this.path, 'write', Object.assign(new Error(error.message), { code: error.code }))),
    );
    this.large = {
      memory: this.memory,
      chunks: this.chunks,
      chunkBytes: this.o.chunkBytes,
      submit,
      streamer: this.streamer,
      placeThenSkip: (header, skip) => this.space.placeThenSkip(header, skip),
      progress: (length) => {
        this.streamedBytes += length;
        this.onLargeChunk();
      },
      waited: (ms) => (this.chunkWaitMs += ms),
      failure: () => this.failure,
      failed: () => this.failed(),
    };
  }

  /**
   * Creates the segment's folder and the segment (never over an existing file). Only the
   * job's folder and the `jobs` folder above it are made, never the archive folder: when a
   * mount vanishes under a running job (a drive that lost power), its mount point shows
   * the folder below it, and a segment must fail there rather than land on the local disk.
   */
  static open(segmentPath: string, options: SegmentWriterOptions = {}, encryption?: SegmentEncryption): E.Either<SegmentError, SegmentWriter> {
    const o: SegmentWriterSettings = { ...DEFAULTS, ...options };
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
    return this.space.position;
  }

  /** Where the time went (milliseconds, summed; for benchmarks and tuning). */
  get stats(): Readonly<WriterCounters> {
    return { writeMs: this.output.counters.writeMs, chunkWaitMs: this.chunkWaitMs, writes: this.output.counters.writes };
  }

  /** Whether writes currently bypass the page cache (O_DIRECT). */
  get directIo(): boolean {
    return this.output.directIo;
  }

  /** Bytes of the large file being streamed read so far (0 between large files): progress within a file. */
  get largeFileBytes(): number {
    return this.streamedBytes;
  }

  /** Bytes handed to the file system so far (they trail `position`). */
  get bytesWritten(): number {
    return this.output.bytesWritten;
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
    this.adds.enter();
    try {
      // A piece always streams: the small-file readers read whole files.
      return piece === undefined && size <= this.o.smallFileMax
        ? await this.addSmall(tarEntry, sourcePath, expected)
        : await this.addLarge(tarEntry, sourcePath, expected, piece);
    } finally {
      this.adds.leave();
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
    this.adds.enter();
    await this.largeLock.lock();
    try {
      const header = encodeHeader(tarEntry);
      const at = await this.space.placeThenSkip(header, paddedSize(size));
      if (at === undefined) return E.left(this.failed());
      const copied = await copyExtents(this.large, this.contentKey, fd, map, extents, expected, at + header.length, size);
      if (copied === undefined) return E.left(this.failed());
      if ('error' in copied) return E.left(sourceUnreadable(sourcePath, 'read', copied.error, true));
      return E.right({ headerOffset: at, dataOffset: at + header.length, length: size, sha256: copied.sha256, changedWhileRead: copied.changed });
    } finally {
      closeQuietly(fd);
      this.largeLock.unlock();
      this.adds.leave();
    }
  }

  /**
   * Waits for every pending add, writes the end-of-archive blocks, waits for every
   * write, fsyncs and closes. After a failure it returns that failure (and closes).
   */
  async close(): Promise<E.Either<SegmentError, ClosedSegment>> {
    if (this.state !== 'open') return E.left({ _tag: 'SegmentClosed', path: this.path });
    this.state = 'closing';
    await this.adds.idle();
    if (this.failure === undefined) {
      const placed = await this.space.place([END_OF_ARCHIVE], 0);
      if (placed !== undefined) {
        this.space.sealBatch();
        await this.output.drained();
      }
    }
    await this.output.writesStopped();
    // Sealed: the hash thread seals the last chunk and writes it before the fsync.
    const sealedDigest = this.failure === undefined && this.sealed !== undefined ? await this.hasher.digest() : undefined;
    const tail = this.space.position;
    const fileBytes = this.sealed === undefined ? tail : (sealedDigest?.bytes ?? 0);
    if (this.failure === undefined && this.probed && fileBytes < PROBE_BYTES) {
      // The alignment probe wrote PROBE_BYTES at offset 0: a tiny segment must not keep them.
      const error = await this.output.truncate(fileBytes);
      if (error !== null) this.fail(segmentWriteFailed(this.path, 'write', error));
    }
    if (this.failure === undefined) {
      const error = await this.output.fsync();
      if (error !== null) this.fail(segmentWriteFailed(this.path, 'fsync', error));
    }
    const digest = this.failure === undefined ? (this.sealed === undefined ? await this.hasher.digest() : sealedDigest) : undefined;
    await this.release();
    if (this.failure !== undefined) return E.left(this.failure);
    if (digest === undefined) return E.left(segmentWriteFailed(this.path, 'hash', new Error('the segment hash worker stopped')));
    if (this.sealed === undefined) return E.right({ bytes: tail, sha256: digest.sha256 });
    return E.right({ bytes: digest.bytes ?? 0, sha256: digest.sha256, plainBytes: tail, chunkBytes: this.sealed.chunkBytes });
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
    this.adds.enter();
    try {
      // refusal() checked the entry.
      const at = await this.space.place([encodeCheckedHeader(entry)], 0);
      return at === undefined ? E.left(this.failed()) : E.right({ headerOffset: at });
    } finally {
      this.adds.leave();
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
      // addFile's refusal() checked the entry.
      const header = encodeCheckedHeader(entry);
      const at = await this.space.place([header, this.memory.subarray(slot, slot + size)], dataPadding(size));
      if (at === undefined) return E.left(this.failed());
      return E.right({ headerOffset: at, dataOffset: at + header.length, length: size, sha256: read.sha256, changedWhileRead: read.changed });
    } finally {
      this.smallSlots.release(slot);
    }
  }

  /** Large files stream one at a time through the stream thread. */
  private async addLarge(entry: TarEntry, sourcePath: string, expected: ExpectedSource, piece?: FilePiece): Promise<E.Either<SourceProblem | SegmentError, ArchivedFile>> {
    await this.largeLock.lock();
    this.streamedBytes = 0;
    try {
      return await streamLargeFile(this.large, entry, sourcePath, expected, piece);
    } finally {
      this.streamedBytes = 0;
      this.largeLock.unlock();
    }
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
    this.space.halt();
    this.smallSlots.fail();
    // A stream in progress cannot finish without buffers: end it (its promise resolves with this failure).
    void this.streamer.terminate();
    this.output.halt();
  }

  private async release(): Promise<void> {
    await this.output.writesStopped();
    if (this.output.closeFile()) fsyncDirectory(path.dirname(this.path));
    await Promise.all([this.hasher.terminate(), this.readers.terminate(), this.streamer.terminate()]);
    this.state = 'closed';
  }
}
