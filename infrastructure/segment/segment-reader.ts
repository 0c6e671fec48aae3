import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import { closeQuietly, fileFailure, type FileFailure } from '../journal/durable-file';
import { segmentReadFailed, type SegmentError } from './segment-errors';

/** Positioned reads of this size: a restore reads at most this much past the range it asked for. */
export const READ_CHUNK_BYTES = 1024 * 1024;

/** Receives the bytes of a range in order. A chunk is valid until the returned promise settles. */
export type RangeSink = (chunk: Buffer) => Promise<void> | void;

interface ReadResult {
  readonly got: number;
  readonly error?: NodeJS.ErrnoException;
}

const pread = (fd: number, target: Buffer, length: number, position: number): Promise<ReadResult> =>
  new Promise((resolve) => {
    let got = 0;
    const step = (): void => {
      if (got >= length) return resolve({ got });
      fs.read(fd, target, got, length - got, position + got, (error, n) => {
        if (error !== null) return resolve({ got, error });
        if (n === 0) return resolve({ got });
        got += n;
        step();
      });
    };
    step();
  });

/**
 * Reads byte ranges of a segment (a file's data at its catalogued offset) with positioned
 * reads, never the whole segment: reading a range of L bytes takes at most L bytes from
 * the file, in chunks of READ_CHUNK_BYTES, the next chunk read while the sink takes the last.
 */
export class SegmentReader {
  private readonly buffers: readonly [Buffer, Buffer] = [Buffer.allocUnsafe(READ_CHUNK_BYTES), Buffer.allocUnsafe(READ_CHUNK_BYTES)];
  private taken = 0;
  private busy = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  static open(segmentPath: string): E.Either<SegmentError, SegmentReader> {
    try {
      return E.right(new SegmentReader(segmentPath, fs.openSync(segmentPath, 'r')));
    } catch (error) {
      return E.left(segmentReadFailed(segmentPath, 'open', error));
    }
  }

  /** Bytes taken from the file since it was opened. */
  get bytesRead(): number {
    return this.taken;
  }

  /** The segment's current size. */
  size(): E.Either<SegmentError, number> {
    if (this.closed) return E.left({ _tag: 'SegmentClosed', path: this.path });
    try {
      return E.right(fs.fstatSync(this.fd).size);
    } catch (error) {
      return E.left(segmentReadFailed(this.path, 'stat', error));
    }
  }

  /**
   * Streams bytes [offset, offset + length) to `sink`. A range past the end of the file
   * is SegmentTruncated (checked before reading, and again if the file ends early).
   * An exception thrown by the sink propagates, after the read in flight has finished.
   */
  async readRange(offset: number, length: number, sink: RangeSink): Promise<E.Either<SegmentError, void>> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new RangeError(`readRange(${offset}, ${length}): offset and length must be non-negative integers`);
    }
    const size = this.size();
    if (E.isLeft(size)) return size;
    if (offset + length > size.right) return E.left(this.truncated(offset, length, size.right));
    this.busy++;
    let inFlight: Promise<ReadResult> | undefined;
    try {
      let done = 0;
      let which = 0;
      const start = (): Promise<ReadResult> | undefined => {
        if (done >= length) return undefined;
        const want = Math.min(READ_CHUNK_BYTES, length - done);
        const buffer = this.buffer(which);
        return pread(this.fd, buffer, want, offset + done);
      };
      inFlight = start();
      while (inFlight !== undefined) {
        const want = Math.min(READ_CHUNK_BYTES, length - done);
        const read = await inFlight;
        inFlight = undefined;
        this.taken += read.got;
        if (read.error !== undefined) return E.left(segmentReadFailed(this.path, 'read', read.error));
        if (read.got < want) return E.left(this.truncated(offset, length, offset + done + read.got));
        const chunk = this.buffer(which).subarray(0, read.got);
        done += read.got;
        which = 1 - which;
        inFlight = start();
        await sink(chunk);
      }
      return E.right(undefined);
    } finally {
      if (inFlight !== undefined) {
        const read = await inFlight;
        this.taken += read.got;
      }
      this.busy--;
      if (this.busy === 0 && this.closed) closeQuietly(this.fd);
    }
  }

  /** readRange, and the SHA-256 of the bytes streamed. */
  async readRangeHashed(offset: number, length: number, sink: RangeSink): Promise<E.Either<SegmentError, { readonly sha256: string }>> {
    const hash: Hash = createHash('sha256');
    const read = await this.readRange(offset, length, (chunk) => {
      hash.update(chunk);
      return sink(chunk);
    });
    return E.isLeft(read) ? read : E.right({ sha256: hash.digest('hex') });
  }

  /** Closes the file (after the reads in flight, if any). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.busy === 0) closeQuietly(this.fd);
  }

  private buffer(which: number): Buffer {
    return which === 0 ? this.buffers[0] : this.buffers[1];
  }

  private truncated(offset: number, length: number, size: number): SegmentError {
    return { _tag: 'SegmentTruncated', path: this.path, offset, length, size };
  }
}

/** The restore target could not be created or written. */
export type TargetError = { readonly _tag: 'TargetWriteFailed'; readonly path: string; readonly op: 'open' | 'write' | 'fsync' | 'close' } & FileFailure;

export interface CopiedRange {
  /** hex SHA-256 of the bytes written. */
  readonly sha256: string;
  /** Whether it equals the expected hash. A mismatching file is left in place for the caller to judge. */
  readonly matched: boolean;
}

const writeAllAsync = (fd: number, chunk: Buffer): Promise<NodeJS.ErrnoException | undefined> =>
  new Promise((resolve) => {
    let done = 0;
    const step = (): void => {
      fs.write(fd, chunk, done, chunk.length - done, null, (error, n) => {
        if (error !== null) return resolve(error);
        done += n;
        if (done < chunk.length) step();
        else resolve(undefined);
      });
    };
    if (chunk.length === 0) resolve(undefined);
    else step();
  });

class TargetFailure {
  constructor(readonly error: TargetError) {}
}

/**
 * Restores one file: `length` bytes at `offset` of the segment into a new file at
 * `targetPath` (created exclusively, fsynced), hashing on the way.
 */
export const copyRangeToFile = async (
  reader: SegmentReader,
  offset: number,
  length: number,
  targetPath: string,
  expectedSha256: string,
): Promise<E.Either<SegmentError | TargetError, CopiedRange>> => {
  const targetFailed = (op: TargetError['op'], error: unknown): TargetError => ({ _tag: 'TargetWriteFailed', path: targetPath, op, ...fileFailure(error) });
  let fd: number;
  try {
    fd = fs.openSync(targetPath, 'wx');
  } catch (error) {
    return E.left(targetFailed('open', error));
  }
  let open = true;
  try {
    const copied = await reader.readRangeHashed(offset, length, async (chunk) => {
      const error = await writeAllAsync(fd, chunk);
      if (error !== undefined) throw new TargetFailure(targetFailed('write', error));
    });
    if (E.isLeft(copied)) return copied;
    try {
      fs.fsyncSync(fd);
    } catch (error) {
      return E.left(targetFailed('fsync', error));
    }
    open = false;
    try {
      fs.closeSync(fd);
    } catch (error) {
      return E.left(targetFailed('close', error));
    }
    return E.right({ sha256: copied.right.sha256, matched: copied.right.sha256 === expectedSha256.toLowerCase() });
  } catch (error) {
    if (error instanceof TargetFailure) return E.left(error.error);
    throw error;
  } finally {
    if (open) closeQuietly(fd);
  }
};
