import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import { closeQuietly } from '../journal/durable-file';
import { segmentReadFailed, type SegmentError } from './segment-errors';
import { walkTar, type ByteSource, type DecodeOptions, type TarListing } from './tar-header';

/** Header reads go through a window this big: consecutive small entries share one read. */
const WINDOW = 64 * 1024;

class ReadFailure {
  constructor(readonly error: unknown) {}
}

/**
 * Positioned reads through a small window. A header read fills the window from the
 * header on, so a run of small entries costs one read per 64 KiB; the data of a larger
 * entry is stepped over and never read.
 */
class FileSource implements ByteSource {
  private readonly window = Buffer.allocUnsafe(WINDOW);
  private windowStart = 0;
  private windowLength = 0;
  bytesRead = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  read(offset: number, length: number): Buffer {
    const want = Math.max(0, Math.min(length, this.size - offset));
    if (offset >= this.windowStart && offset + want <= this.windowStart + this.windowLength) {
      return this.window.subarray(offset - this.windowStart, offset - this.windowStart + want);
    }
    if (want > WINDOW) {
      const big = Buffer.allocUnsafe(want);
      return big.subarray(0, this.fill(big, offset, want));
    }
    this.windowStart = offset;
    this.windowLength = this.fill(this.window, offset, Math.min(WINDOW, this.size - offset));
    return this.window.subarray(0, Math.min(want, this.windowLength));
  }

  private fill(target: Buffer, offset: number, length: number): number {
    let done = 0;
    while (done < length) {
      let n: number;
      try {
        n = fs.readSync(this.fd, target, done, length - done, offset + done);
      } catch (error) {
        throw new ReadFailure(error);
      }
      if (n === 0) break;
      done += n;
      this.bytesRead += n;
    }
    return done;
  }
}

export interface SegmentListing extends TarListing {
  /** Bytes read from the file to list it (headers, and the small entries sharing their reads). */
  readonly bytesRead: number;
  /** The file's size. */
  readonly size: number;
}

/**
 * Lists the entries of a segment file from its headers alone (for salvage when the
 * catalog records of a segment are lost, and for checks). Damage inside the tar is part
 * of the listing (`problem`); only a failure to open or read the file is an error.
 */
export const listSegment = (segmentPath: string, options: DecodeOptions = {}): E.Either<SegmentError, SegmentListing> => {
  let fd: number;
  try {
    fd = fs.openSync(segmentPath, 'r');
  } catch (error) {
    return E.left(segmentReadFailed(segmentPath, 'open', error));
  }
  try {
    let size: number;
    try {
      size = fs.fstatSync(fd).size;
    } catch (error) {
      return E.left(segmentReadFailed(segmentPath, 'stat', error));
    }
    const source = new FileSource(fd, size);
    try {
      const listing = walkTar(source, options);
      return E.right({ ...listing, bytesRead: source.bytesRead, size });
    } catch (error) {
      if (error instanceof ReadFailure) return E.left(segmentReadFailed(segmentPath, 'read', error.error));
      throw error;
    }
  } finally {
    closeQuietly(fd);
  }
};
